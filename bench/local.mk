# bench/: benchmarks. They build with `make` (so they never rot) and each accepts --smoke for a
# brief correctness run: `make bench-smoke` (CI) runs them all that way; `make bench` in full.
BENCH_PROGS =
BENCH_CFLAGS = $(AM_CFLAGS) $(GLIB_CFLAGS)

include bench/esp.mk
include bench/ike.mk
include bench/engine.mk
include bench/net.mk
include bench/scale.mk

noinst_PROGRAMS += $(BENCH_PROGS)

bench-smoke: $(BENCH_PROGS)
	@set -e; for b in $(BENCH_PROGS); do echo "== $$b --smoke"; ./$$b --smoke; done

bench: $(BENCH_PROGS)
	@set -e; for b in $(BENCH_PROGS); do echo "== $$b"; ./$$b; done

.PHONY: bench bench-smoke
