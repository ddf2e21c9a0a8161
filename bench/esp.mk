# bench/esp.mk: ESP encap+decap throughput against `openssl speed` (bench/bench_esp.c).
BENCH_PROGS += bench/bench_esp
bench_bench_esp_SOURCES = bench/bench_esp.c
bench_bench_esp_CFLAGS = $(BENCH_CFLAGS) $(CRYPTO_CFLAGS)
bench_bench_esp_LDADD = $(ESP_LIBS)
