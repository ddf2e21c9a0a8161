#!/bin/sh
# test_scenarios.sh: the scenario library end to end: every scenarios/*.ini runs with its
# expectations holding (exit 0); the same scenario and seed give byte-identical report.json,
# series.csv and capture.pcap; a different seed gives a different report; a bad file exits 2;
# the capture is clean IPv4/UDP/IKE/ESP for tshark.
set -u
VPNSIM=${top_builddir:-.}/vpnsim
SRC=${top_srcdir:-.}
[ -x "$VPNSIM" ] || { echo "no $VPNSIM"; exit 99; }
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
fail=0
for f in "$SRC"/scenarios/*.ini; do
	name=$(basename "$f" .ini)
	if "$VPNSIM" run "$f" --out "$out/$name" --quiet 2>"$out/$name.err"; then
		echo "PASS run $name"
	else
		echo "FAIL run $name (exit $?)"; cat "$out/$name.err"; fail=1
	fi
done
# determinism
one="$SRC/scenarios/s2s-ikev2.ini"
"$VPNSIM" run "$one" --out "$out/d1" --pcap --quiet >/dev/null 2>&1
"$VPNSIM" run "$one" --out "$out/d2" --pcap --quiet >/dev/null 2>&1
for x in report.json series.csv capture.pcap; do
	if cmp -s "$out/d1/$x" "$out/d2/$x"; then echo "PASS identical $x"; else echo "FAIL $x differs between runs"; fail=1; fi
done
"$VPNSIM" run "$one" --out "$out/d3" --seed 99 --quiet >/dev/null 2>&1
if [ ! -s "$out/d3/report.json" ] || cmp -s "$out/d1/report.json" "$out/d3/report.json"; then echo "FAIL another seed, same report"; fail=1; else echo "PASS another seed differs"; fi
# bad input: exit 2 with file:line
"$VPNSIM" run "$SRC/tests/scenario-data/bad-multi.ini" --out "$out/bad" >/dev/null 2>"$out/bad.err"
rc=$?
if [ $rc -eq 2 ] && grep -q "bad-multi.ini:[0-9]*: error:" "$out/bad.err"; then echo "PASS bad file exits 2"; else echo "FAIL bad file: exit $rc"; fail=1; fi
"$VPNSIM" run "$one" --bogus >/dev/null 2>&1
[ $? -eq 2 ] && echo "PASS bad option exits 2" || { echo "FAIL bad option"; fail=1; }
# the capture, for tshark
if [ -n "${TSHARK:-}" ] && [ -x "$TSHARK" ]; then
	n=$("$TSHARK" -r "$out/d1/capture.pcap" -Y '_ws.malformed || _ws.expert.severity == error' 2>/dev/null | wc -l)
	isakmp=$("$TSHARK" -r "$out/d1/capture.pcap" -Y isakmp 2>/dev/null | wc -l)
	esp=$("$TSHARK" -r "$out/d1/capture.pcap" -Y esp -c 1000 2>/dev/null | wc -l)
	if [ "$n" -eq 0 ] && [ "$isakmp" -gt 0 ] && [ "$esp" -gt 0 ]; then
		echo "PASS tshark: $isakmp IKE frames, ESP present, nothing malformed"
	else
		echo "FAIL tshark: malformed=$n isakmp=$isakmp esp=$esp"; fail=1
	fi
else
	echo "SKIP tshark checks (no tshark)"
fi
exit $fail
