#!/bin/sh
# engine_smoke.sh: `make check` runs the engine benchmarks' correctness modes: bench/phold
# --smoke (the anchor's PHOLD trajectory: same end time and counter hash as phold_c and ns-3)
# and bench/pes_hold --smoke (every pending-event set pops the same sequence).
set -e
b=${top_builddir:-.}/bench
"$b/phold" --smoke
"$b/pes_hold" --smoke
