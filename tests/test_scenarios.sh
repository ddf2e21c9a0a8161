#!/bin/sh
# test_scenarios.sh: the scenario library end to end: every scenarios/*.ini runs with its
# expectations holding (exit 0); the same scenario and seed give byte-identical report.json,
# series.csv, capture.pcap and key tables; a different seed gives a different report; a bad
# file exits 2; tshark finds the capture clean and decrypts every IKE and ESP packet with the
# exported key tables.
. "${top_srcdir:-.}/tests/vpnsim_test.sh"
for f in "$SRC"/scenarios/*.ini; do
	name=$(basename "$f" .ini)
	if "$VPNSIM" run "$f" --out "$out/$name" --quiet 2>"$out/$name.err"; then
		echo "PASS run $name"
	else
		echo "FAIL run $name (exit $?)"; cat "$out/$name.err"; fail=1
	fi
done
# determinism: the library file's report, and a small run's report, series and capture
one="$SRC/scenarios/s2s-ikev2.ini"
"$VPNSIM" run "$one" --out "$out/l2" --quiet >/dev/null 2>&1
if cmp -s "$out/s2s-ikev2/report.json" "$out/l2/report.json"; then echo "PASS identical report.json (s2s-ikev2)"; else echo "FAIL s2s-ikev2 report differs between runs"; fail=1; fi
small="$SRC/tests/scenario-data/run-pcap.ini"
"$VPNSIM" run "$small" --out "$out/d1" --pcap --quiet >/dev/null 2>&1
"$VPNSIM" run "$small" --out "$out/d2" --pcap --quiet >/dev/null 2>&1
for x in report.json series.csv capture.pcap wireshark/ikev2_decryption_table wireshark/esp_sa; do
	if [ -s "$out/d1/$x" ] && cmp -s "$out/d1/$x" "$out/d2/$x"; then echo "PASS identical $x"; else echo "FAIL $x missing or different between runs"; fail=1; fi
done
"$VPNSIM" run "$small" --out "$out/d3" --seed 99 --quiet >/dev/null 2>&1
if [ ! -s "$out/d3/report.json" ] || cmp -s "$out/d1/report.json" "$out/d3/report.json"; then echo "FAIL another seed, same report"; fail=1; else echo "PASS another seed differs"; fi
# bad input: exit 2 with file:line
"$VPNSIM" run "$SRC/tests/scenario-data/bad-multi.ini" --out "$out/bad" >/dev/null 2>"$out/bad.err"
rc=$?
if [ $rc -eq 2 ] && grep -q "bad-multi.ini:[0-9]*: error:" "$out/bad.err"; then echo "PASS bad file exits 2"; else echo "FAIL bad file: exit $rc"; fail=1; fi
"$VPNSIM" run "$one" --bogus >/dev/null 2>&1
[ $? -eq 2 ] && echo "PASS bad option exits 2" || { echo "FAIL bad option"; fail=1; }
# the capture, for tshark: clean, and decrypted with the exported key tables
if [ -n "${TSHARK:-}" ] && [ -x "$TSHARK" ]; then
	cap="$out/d1/capture.pcap"
	keys="$out/d1/wireshark"
	bad=$("$TSHARK" -r "$cap" -Y '_ws.malformed || _ws.expert.severity == error' 2>/dev/null | wc -l)
	enc=$("$TSHARK" -r "$cap" -Y 'isakmp.nextpayload == 46' 2>/dev/null | wc -l)
	dec=$(WIRESHARK_CONFIG_DIR="$keys" "$TSHARK" -r "$cap" -Y 'isakmp.nextpayload == 46' -V 2>/dev/null | grep -c 'Decrypted Data')
	esp=$("$TSHARK" -r "$cap" -Y esp 2>/dev/null | wc -l)
	inner=$(WIRESHARK_CONFIG_DIR="$keys" "$TSHARK" -r "$cap" -Y 'esp && udp.dstport >= 20000' 2>/dev/null | wc -l)
	if [ "$bad" -eq 0 ] && [ "$enc" -gt 0 ] && [ "$dec" -eq "$enc" ] && [ "$esp" -gt 0 ] && [ "$inner" -eq "$esp" ]; then
		echo "PASS tshark: $enc encrypted IKE messages and $esp ESP packets, all decrypted, nothing malformed"
	else
		echo "FAIL tshark: malformed=$bad ike-encrypted=$enc decrypted=$dec esp=$esp inner=$inner"; fail=1
	fi
else
	echo "SKIP tshark checks (no tshark)"
fi
exit $fail
