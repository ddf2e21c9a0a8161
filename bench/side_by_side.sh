#!/bin/bash
# side_by_side.sh: vpnsim's PHOLD (bench/phold) against the ns-3 anchor's programs, in one run,
# on one core: builds the anchor's phold_c (lean C twin) and phold_ns3 in a temporary directory,
# runs N=1000 and N=10000 with K=10 and E=1e7, REPS interleaved repetitions pinned to CPU $CPU,
# checks that every engine ends at the same simulated time with the same counter hash, and
# prints a Markdown table of median events/s with vpnsim's ratios.
#
#   bench/side_by_side.sh ANCHOR_DIR [PHOLD_BINARY]
#   env: REPS (5), CPU (1), EVENTS (10000000), LPS ("1000 10000"),
#        SCHEDULERS ("map heap calendar priority"), RAW (file for the raw lines)
# Needs gcc, g++ and libns3-dev (pkg-config ns3-core); without ns-3 it runs the other two.
set -euo pipefail

ANCHOR=${1:?usage: side_by_side.sh ANCHOR_DIR [PHOLD_BINARY]}
PHOLD=${2:-${top_builddir:-.}/bench/phold}
REPS=${REPS:-5}
CPU=${CPU:-1}
EVENTS=${EVENTS:-10000000}
LPS=${LPS:-1000 10000}
SCHEDULERS=${SCHEDULERS:-map heap calendar priority}

[ -x "$PHOLD" ] || { echo "side_by_side: no vpnsim phold binary at $PHOLD" >&2; exit 2; }
PHOLD=$(cd "$(dirname "$PHOLD")" && pwd)/$(basename "$PHOLD")
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
RAW=${RAW:-$TMP/raw.txt}
: >"$RAW"

cp "$ANCHOR"/phold_c.c "$ANCHOR"/phold_rng.h "$TMP"/
gcc -O2 -o "$TMP/phold_c" "$TMP/phold_c.c" -lm
HAVE_NS3=0
if pkg-config --exists ns3-core 2>/dev/null; then
	cp "$ANCHOR"/phold_ns3.cc "$TMP"/
	# shellcheck disable=SC2046
	g++ -O2 -o "$TMP/phold_ns3" "$TMP/phold_ns3.cc" $(pkg-config --cflags --libs ns3-core)
	HAVE_NS3=1
else
	echo "side_by_side: ns-3 (pkg-config ns3-core) not found: running without it" >&2
fi

PIN="taskset -c $CPU"
command -v taskset >/dev/null || PIN=""
for rep in $(seq 1 "$REPS"); do
	for n in $LPS; do
		if [ "$HAVE_NS3" = 1 ]; then
			for s in $SCHEDULERS; do
				$PIN "$TMP/phold_ns3" --lps="$n" --init=10 --events="$EVENTS" --scheduler="$s" 2>/dev/null | tee -a "$RAW"
			done
		fi
		$PIN "$TMP/phold_c" --lps="$n" --init=10 --events="$EVENTS" | tee -a "$RAW"
		$PIN "$PHOLD" --lps="$n" --init=10 --events="$EVENTS" | tee -a "$RAW"
	done
done

echo
awk -v reps="$REPS" '
function median(key,   n, i, j, t, a) {
	n = cnt[key]
	for (i = 1; i <= n; i++) a[i] = rate[key, i]
	for (i = 2; i <= n; i++) for (j = i; j > 1 && a[j - 1] > a[j]; j--) { t = a[j]; a[j] = a[j - 1]; a[j - 1] = t }
	return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}
{
	delete kv
	for (i = 1; i <= NF; i++) { split($i, p, "="); kv[p[1]] = p[2] }
	e = kv["engine"]; n = kv["N"]; key = e SUBSEP n
	if (!(key in cnt)) { order[++ne] = key }
	rate[key, ++cnt[key]] = kv["events_per_s"]
	sig = kv["events"] " " kv["t_end_ns"] " " kv["lpsum"]
	if (!(n in want)) want[n] = sig
	else if (want[n] != sig) { bad = 1; printf "MISMATCH: %s N=%s: %s, expected %s\n", e, n, sig, want[n] }
	if (!(n in ns)) { ns[n] = 1; nlist[++nn] = n }
}
END {
	for (t = 1; t <= nn; t++) {
		n = nlist[t]
		best[n] = 0
		for (k = 1; k <= ne; k++) {
			split(order[k], q, SUBSEP)
			if (q[2] != n) continue
			m = median(order[k]); med[order[k]] = m
			if (q[1] ~ /^ns3-/ && m > best[n]) { best[n] = m; bestname[n] = q[1] }
		}
	}
	printf "| engine | N | pending | median events/s (%d runs) | min - max | vpnsim / this |\n", reps
	printf "|---|---:|---:|---:|---:|---:|\n"
	for (k = 1; k <= ne; k++) {
		split(order[k], q, SUBSEP); n = q[2]
		mn = 1e30; mx = 0
		for (i = 1; i <= cnt[order[k]]; i++) { r = rate[order[k], i]; if (r < mn) mn = r; if (r > mx) mx = r }
		v = med["vpnsim" SUBSEP n]
		printf "| %s | %d | %d | %.2f M | %.2f - %.2f M | %.2fx |\n", q[1], n, n * 10, med[order[k]] / 1e6, mn / 1e6, mx / 1e6, v / med[order[k]]
	}
	print ""
	for (t = 1; t <= nn; t++) {
		n = nlist[t]
		v = med["vpnsim" SUBSEP n]; c = med["c-binheap" SUBSEP n]
		printf "N=%d: vpnsim %.2f M events/s = %.2fx the lean C twin", n, v / 1e6, v / c
		if (best[n] > 0) printf ", %.2fx ns-3 fastest (%s)", v / best[n], bestname[n]
		printf "; every engine ended at t_end_ns/lpsum %s\n", bad ? "NOT ALL EQUAL" : "= " want[n]
	}
	exit bad
}' "$RAW"
