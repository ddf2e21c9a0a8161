#!/bin/sh
# test_compare.sh: `vpnsim compare` of two library scenarios: each runs into DIR/<name>/ with
# its own report; the table shows both, the fault's outage, per-flow rows and verdicts; exit 0
# when all hold; DIR/report.html and compare.csv are written; reading the run directories (or
# report.json) again gives the same table; a failing run makes it exit 1; bad input exits 2.
. "${top_srcdir:-.}/tests/vpnsim_test.sh"
A="$SRC/scenarios/active-standby-unplanned.ini"
B="$SRC/scenarios/active-active-failover.ini"

"$VPNSIM" compare "$A" "$B" --out "$out/c" >"$out/c.txt" 2>"$out/c.err"
rc=$?
cat "$out/c.txt"
if [ $rc -eq 0 ]; then pass "exit 0: every expectation holds"; else bad "exit $rc"; cat "$out/c.err"; fi
head -n 20 "$out/c.txt" | grep -q '| active-standby-unplanned *| active-active-failover' &&
	pass "heading names both runs" || bad "no heading with both names"
grep -q '^  fault crash$' "$out/c.txt" && grep -Eq '^\*?  +outage +\| [0-9.]+ s \((app|reply)\) +\| 18\.018 s \(voice\)' "$out/c.txt" &&
	pass "outage per fault, side by side" || bad "no outage row for fault crash"
grep -Eq '^\*?  +verdict +\| PASS \(0 of [0-9]+ failed\) +\| PASS \(0 of 5 failed\)' "$out/c.txt" &&
	pass "verdict row" || bad "verdict row"
grep -q '^  flow voice$' "$out/c.txt" && grep -q '^  flow app$' "$out/c.txt" && pass "a section per flow" || bad "flow sections"
grep -Eq 'tunnels used.*\| 2 +\| 2$' "$out/c.txt" && grep -Eq 'tunnels up at the end +\| 1 +\| 2$' "$out/c.txt" && pass "tunnels used 2 and 2, up at the end 1 and 2" || bad "tunnels used row"
grep -q 'fairness' "$out/c.txt" && grep -q 'loss, all flows' "$out/c.txt" && pass "fairness and loss rows" || bad "fairness/loss rows"
grep -q '^verdict: PASS (0 of 2 runs failed an expectation)$' "$out/c.txt" && pass "verdict line" || bad "verdict line"
for f in report.html compare.csv compare-throughput.svg compare-throughput.gp active-standby-unplanned/report.html \
	active-standby-unplanned/report.json active-active-failover/report.json; do
	[ -s "$out/c/$f" ] || bad "$out/c/$f missing"
done
h="$out/c/report.html"
if [ -s "$h" ] && ! grep -qi '<script' "$h" && ! grep -Eiq "(src|href)=[\"']?(https?:)?//" "$h" && [ "$(grep -c '<svg' "$h")" -ge 3 ] &&
   grep -q 'href="active-active-failover/report.html"' "$h"; then
	pass "report.html: self-contained, overlaid plot and both topologies, links to each run"
else bad "compare report.html"; fi

# per-connection throughput: rows in the table, series.csv columns, report.json figures, plots
grep -q '^  connection branch$' "$out/c.txt" &&
	grep -Eq '^\*?  +throughput, tunnel to instance 0 +\| - +\| [1-9][0-9.]* Mbit/s$' "$out/c.txt" &&
	pass "per-connection throughput rows" || bad "no per-connection throughput rows"
head -n 1 "$out/c/active-active-failover/series.csv" | grep -q ',tunnel:branch:0_mbps,tunnel:branch:1_mbps$' &&
	head -n 1 "$out/c/active-standby-unplanned/series.csv" | grep -q ',tunnel:hq_mbps$' &&
	pass "series.csv: a column per tunnel (active-active) or connection (active-standby)" || bad "series.csv tunnel columns"
# the tunnels' inner bytes (both ways) come to the flows' received bytes plus what was lost inside
tb=$(sed -n '/"tunnels"/,/"flows"/s/.*"throughput_bps" : \([0-9.e+]*\).*/\1/p' "$out/c/active-active-failover/report.json" |
	awk '{s += $1} END {print s}')
awk -v t="$tb" 'BEGIN {exit !(t > 15e6 && t < 30e6)}' && pass "report.json: tunnels carry $tb bit/s" ||
	bad "report.json tunnel throughput_bps: $tb"
for f in compare-flow-voice.svg compare-flow-app.dat active-active-failover/tunnel-throughput.gp; do
	[ -s "$out/c/$f" ] || bad "$out/c/$f missing"
done
grep -q 'id="fig-compare-flow-voice' "$h" && pass "report.html: a plot per flow" || bad "report.html: no per-flow plot"

# the same table from the runs' directories (and a report.json)
"$VPNSIM" compare "$out/c/active-standby-unplanned" "$out/c/active-active-failover/report.json" --out "$out/d" >"$out/d.txt" 2>"$out/d.err"
rc=$?
grep -v '^report: \|^verdict: ' "$out/c.txt" | grep -v ': verdict ' >"$out/c.table"
grep -v '^report: \|^verdict: ' "$out/d.txt" >"$out/d.table"
if [ $rc -eq 0 ] && cmp -s "$out/c.table" "$out/d.table" && cmp -s "$out/c/compare.csv" "$out/d/compare.csv"; then
	pass "reading the report directories gives the same table"
else bad "tables differ (exit $rc)"; diff "$out/c.table" "$out/d.table" | head; fi

# a failing run: exit 1
"$VPNSIM" run "$B" --out "$out/f" --quiet --set gateway.mode=active-standby --set gateway.public_ip=20.60.1.10 \
	--set site.branch.tunnels=1 >/dev/null 2>&1
"$VPNSIM" compare "$out/f" "$out/c/active-active-failover" --out "$out/g" >"$out/g.txt" 2>&1
rc=$?
if [ $rc -eq 1 ] && grep -q '^verdict: FAIL (1 of 2 runs failed an expectation)$' "$out/g.txt" &&
   grep -q 'active-active-failover#2' "$out/g.txt"; then pass "a failed expectation: exit 1 (same names told apart)"
else bad "failing compare: exit $rc"; cat "$out/g.txt"; fi

# bad input: exit 2
"$VPNSIM" compare "$A" --out "$out/x" >/dev/null 2>&1; [ $? -eq 2 ] && pass "one input: exit 2" || bad "one input"
"$VPNSIM" compare "$A" "$out/nonexistent.ini" --out "$out/x" >/dev/null 2>&1; [ $? -eq 2 ] && pass "missing file: exit 2" || bad "missing file"
[ -e "$out/x/active-standby-unplanned" ] && bad "ran a scenario before finding a missing input" || pass "nothing run when an input is missing"
mkdir -p "$out/empty"
"$VPNSIM" compare "$out/empty" "$out/f" --out "$out/x" >/dev/null 2>&1; [ $? -eq 2 ] && pass "directory without report: exit 2" || bad "empty dir"
"$VPNSIM" compare "$SRC/tests/scenario-data/bad-multi.ini" "$out/f" --out "$out/x" >/dev/null 2>"$out/bad.err"
[ $? -eq 2 ] && grep -q 'bad-multi.ini:[0-9]*: error:' "$out/bad.err" && pass "bad scenario: exit 2 with file:line" || bad "bad scenario"
"$VPNSIM" compare "$A" "$B" --bogus >/dev/null 2>&1; [ $? -eq 2 ] && pass "bad option: exit 2" || bad "bad option"
"$VPNSIM" compare "$A" "$B" --seed -1 >/dev/null 2>&1; [ $? -eq 2 ] && pass "bad seed: exit 2" || bad "bad seed"
"$VPNSIM" compare --help | grep -q '^usage: vpnsim compare' && pass "compare --help" || bad "compare --help"
"$VPNSIM" help | grep -q '^  compare ' && pass "vpnsim help lists compare" || bad "help lacks compare"
exit $fail
