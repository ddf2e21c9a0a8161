#!/bin/sh
# test_cli.sh: the vpnsim command line as users and CI meet it: every verb's --help exits 0
# and shows its usage; a run whose expectation fails exits 1, a bad option 2; the library list
# the build ships (SCENARIO_LIBRARY) holds every scenarios/*.ini; and determinism of the
# capture for the packets tests/test_scenarios.sh does not capture (IKEv1 and certificate P2S,
# tests/scenario-data/run-pcap-p2s.ini): same seed, byte-identical report, capture and key
# tables, which tshark reads with nothing malformed and decrypts entirely.
. "${top_srcdir:-.}/tests/vpnsim_test.sh"

# help: the top level and every verb, on stdout, exit 0
for verb in "" run check draw compare live demo; do
	# shellcheck disable=SC2086
	"$VPNSIM" $verb --help >"$out/help" 2>&1
	rc=$?
	if [ $rc -eq 0 ] && grep -q "usage: vpnsim" "$out/help"; then pass "vpnsim $verb --help"; else bad "vpnsim $verb --help: exit $rc"; fi
done
"$VPNSIM" >/dev/null 2>&1
[ $? -eq 2 ] && pass "no verb exits 2" || bad "no verb"
"$VPNSIM" frobnicate >/dev/null 2>&1
[ $? -eq 2 ] && pass "unknown verb exits 2" || bad "unknown verb"

# exit status 1: the small run with an expectation that cannot hold (set from the command line)
small="$SRC/tests/scenario-data/run-pcap.ini"
"$VPNSIM" run "$small" --out "$out/r1" --quiet --set 'expect.back=tunnel.hq.up_at_end == false' >"$out/r1.txt" 2>&1
rc=$?
if [ $rc -eq 1 ] && grep -q '"verdict" *: *"fail"' "$out/r1/report.json" && grep -q 'FAIL' "$out/r1.txt"; then
	pass "a failed expectation exits 1"
else
	bad "failed expectation: exit $rc"; cat "$out/r1.txt"
fi
"$VPNSIM" run "$small" --out "$out/r2" --seed x >/dev/null 2>&1
[ $? -eq 2 ] && pass "bad --seed exits 2" || bad "bad --seed"

# every library file is in the distribution list (a file left off would not run in distcheck)
mk="$SRC/scenarios/scenarios.mk"
if [ -f "$mk" ]; then
	missing=""
	for f in "$SRC"/scenarios/*.ini; do
		n=$(basename "$f")
		grep -q "scenarios/$n" "$mk" || missing="$missing $n"
	done
	[ -z "$missing" ] && pass "SCENARIO_LIBRARY lists every scenarios/*.ini" || bad "not in SCENARIO_LIBRARY:$missing"
fi

# a policy change on the device's side only (fault side = device)
"$VPNSIM" run "$SRC/tests/scenario-data/run-policy-device.ini" --out "$out/pd" --quiet >"$out/pd.txt" 2>&1
rc=$?
[ $rc -eq 0 ] && pass "device-side policy change: fine until the reboot, then NO_PROPOSAL_CHOSEN" || { bad "device-side policy change: exit $rc"; cat "$out/pd.txt"; }

# the MSS clamp is what saves the branch of mtu-black-hole.ini: without it, its flows vanish too
"$VPNSIM" run "$SRC/scenarios/mtu-black-hole.ini" --out "$out/nc" --set 'site.branch.mss_clamp=0 B' >"$out/nc.txt" 2>&1
rc=$?
if [ $rc -eq 1 ] && grep -q 'FAIL branch_up_fine' "$out/nc.txt" && grep -q 'PASS hq_black_hole' "$out/nc.txt" &&
	! grep -q 'no plot' "$out/nc.txt" && [ -s "$out/nc/throughput.png" ]; then
	pass "mtu-black-hole without the clamp: the branch's segments vanish too (exit 1; plotted though nothing arrived)"
else
	bad "mtu-black-hole without the clamp: exit $rc"
fi

# IKEv1 + certificate P2S capture: deterministic, clean and decrypted
p2s="$SRC/tests/scenario-data/run-pcap-p2s.ini"
"$VPNSIM" run "$p2s" --out "$out/p1" --pcap --quiet >/dev/null 2>&1 || bad "run-pcap-p2s: expectations (exit $?)"
"$VPNSIM" run "$p2s" --out "$out/p2" --pcap --quiet >/dev/null 2>&1
for x in report.json series.csv capture.pcap wireshark/ikev2_decryption_table wireshark/ikev1_decryption_table wireshark/esp_sa; do
	if [ -s "$out/p1/$x" ] && cmp -s "$out/p1/$x" "$out/p2/$x"; then pass "identical $x (IKEv1 + P2S)"; else bad "$x missing or different between runs (IKEv1 + P2S)"; fi
done
if [ -n "${TSHARK:-}" ] && [ -x "$TSHARK" ]; then
	cap="$out/p1/capture.pcap"
	keys="$out/p1/wireshark"
	t() { WIRESHARK_CONFIG_DIR="$keys" "$TSHARK" -r "$cap" "$@" 2>/dev/null; }
	malformed=$(t -Y '_ws.malformed || _ws.expert.severity == error' | wc -l)
	v2=$(t -Y 'isakmp.version == 0x20 && isakmp.nextpayload == 46' | wc -l)
	v2dec=$(t -Y 'isakmp.version == 0x20 && isakmp.nextpayload == 46' -V | grep -c 'Decrypted Data')
	cfg=$(t -Y 'isakmp.cfg.type' | wc -l)
	cert=$(t -Y 'isakmp.cert.encoding' | wc -l)
	v1=$(t -Y 'isakmp.version == 0x10 && isakmp.flags & 1' | wc -l)
	v1dec=$(t -Y 'isakmp.version == 0x10 && isakmp.flags & 1 && isakmp.typepayload == 8' | wc -l)
	esp=$(t -Y esp | wc -l)
	inner=$(t -Y 'esp && udp.dstport >= 20000' | wc -l)
	if [ "$malformed" -eq 0 ] && [ "$v2" -gt 0 ] && [ "$v2dec" -eq "$v2" ] && [ "$cfg" -gt 0 ] && [ "$cert" -gt 0 ] &&
		[ "$v1" -gt 0 ] && [ "$v1dec" -eq "$v1" ] && [ "$esp" -gt 0 ] && [ "$inner" -eq "$esp" ]; then
		pass "tshark: $v2 IKEv2 (certificates, CP) and $v1 IKEv1 encrypted messages, $esp ESP packets, all decrypted, nothing malformed"
	else
		bad "tshark: malformed=$malformed v2=$v2/$v2dec cfg=$cfg cert=$cert v1=$v1/$v1dec esp=$esp/$inner"
	fi
	# TCP through the tunnels (mtu-black-hole.ini): checksums right after the clamp, MSS 1350 seen
	"$VPNSIM" run "$SRC/scenarios/mtu-black-hole.ini" --out "$out/mtu" --pcap --quiet >/dev/null 2>&1
	cap="$out/mtu/capture.pcap"
	keys="$out/mtu/wireshark"
	t() { WIRESHARK_CONFIG_DIR="$keys" "$TSHARK" -o tcp.check_checksum:TRUE -r "$cap" "$@" 2>/dev/null; }
	malformed=$(t -Y '_ws.malformed || _ws.expert.severity == error' | wc -l)
	segs=$(t -Y 'tcp' | wc -l)
	good=$(t -Y 'tcp.checksum.status == 1' | wc -l)
	clamped=$(t -Y 'tcp.flags.syn == 1 && tcp.options.mss_val == 1350' | wc -l)
	if [ "$malformed" -eq 0 ] && [ "$segs" -gt 1000 ] && [ "$good" -eq "$segs" ] && [ "$clamped" -ge 2 ]; then
		pass "tshark: $segs TCP segments inside ESP, every checksum right, $clamped SYNs clamped to MSS 1350"
	else
		bad "tshark TCP: malformed=$malformed segments=$segs good=$good clamped=$clamped"
	fi
else
	echo "SKIP tshark checks (no tshark)"
fi
exit $fail
