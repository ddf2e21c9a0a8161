# bench/: benchmarks. Built with `make bench`; CI runs them briefly (make bench-smoke).
include bench/esp.mk
