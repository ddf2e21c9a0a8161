# bench/net.mk: network substrate benchmarks: packets per second through a link and a router.
BENCH_PROGS += bench/link_flood
bench_link_flood_SOURCES = bench/link_flood.c
bench_link_flood_CFLAGS = $(BENCH_CFLAGS)
bench_link_flood_LDADD = $(SIM_LIBS)
