# bench/ike.mk: IKE crypto bound: DH operations per second per group through ike_dh.h against
# `openssl speed` in the same run (bench/bench_ike_crypto.c).
BENCH_PROGS += bench/bench_ike_crypto
bench_bench_ike_crypto_SOURCES = bench/bench_ike_crypto.c bench/openssl_speed.h bench/openssl_speed.c
bench_bench_ike_crypto_CFLAGS = $(BENCH_CFLAGS) $(CRYPTO_CFLAGS)
bench_bench_ike_crypto_LDADD = $(IKECRYPTO_LIBS)

# Full IKEv2 setups per second (PSK, ECP-256 and MODP-2048) against the same crypto bound
# (bench/bench_ike_setup.c).
BENCH_PROGS += bench/bench_ike_setup
bench_bench_ike_setup_SOURCES = bench/bench_ike_setup.c bench/openssl_speed.h bench/openssl_speed.c
bench_bench_ike_setup_CFLAGS = $(BENCH_CFLAGS) $(CRYPTO_CFLAGS)
bench_bench_ike_setup_LDADD = $(IKE_LIBS) $(ESP_LIBS)
