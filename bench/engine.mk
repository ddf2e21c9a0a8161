# bench/engine.mk: engine benchmarks: PHOLD through the scheduling API, and a hold-model
# comparison of pending-event sets (bench/side_by_side.sh runs PHOLD against the ns-3 anchor).
BENCH_PROGS += bench/phold
bench_phold_SOURCES = bench/phold.c
bench_phold_CFLAGS = $(BENCH_CFLAGS)
bench_phold_LDADD = $(SIM_LIBS)
