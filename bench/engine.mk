# bench/engine.mk: engine benchmarks: PHOLD through the scheduling API, and a hold-model
# comparison of pending-event sets (bench/side_by_side.sh runs PHOLD against the ns-3 anchor).
BENCH_PROGS += bench/phold
bench_phold_SOURCES = bench/phold.c
bench_phold_CFLAGS = $(BENCH_CFLAGS)
bench_phold_LDADD = $(SIM_LIBS)
BENCH_PROGS += bench/pes_hold
bench_pes_hold_SOURCES = bench/pes_hold.c bench/pes_alt.c bench/pes_alt.h
bench_pes_hold_CFLAGS = $(BENCH_CFLAGS)
bench_pes_hold_LDADD = $(SIM_LIBS)
EXTRA_DIST += bench/side_by_side.sh
TESTS += bench/engine_smoke.sh
EXTRA_DIST += bench/engine_smoke.sh
