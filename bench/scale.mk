# bench/scale.mk: a VpnGw5 at its limits: 100 S2S sites and 10,000 P2S clients, then traffic
# (bench/scale.c; the certificates come from the deterministic test PKI in tests/ike_pair.c).
BENCH_PROGS += bench/scale
bench_scale_SOURCES = bench/scale.c tests/ike_pair.h tests/ike_pair.c
bench_scale_CFLAGS = $(BENCH_CFLAGS) $(CRYPTO_CFLAGS)
bench_scale_LDADD = $(MODELS_LIBS)
