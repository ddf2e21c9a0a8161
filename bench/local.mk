# bench/: benchmarks. Built with `make bench`; CI runs them briefly (make bench-smoke).
include bench/esp.mk
include bench/ike.mk
include bench/engine.mk
