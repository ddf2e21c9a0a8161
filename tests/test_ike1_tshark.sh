#!/bin/sh
# test_ike1_tshark.sh: tshark must dissect the IKEv1 + ESP pcap that test_ike1_pcap writes (three
# sessions: Main Mode and Quick Mode on UDP 500 with PFS, a quick-mode rekey, DPD, DELETEs; a
# forced NAT-T session on 4500 with the non-ESP marker, 3DES phase 1 and ESP in UDP, with a
# make-before-break phase-1 rekey; a break-before-make phase-1 rekey) without a malformed packet
# or a warning, decrypt every encrypted ISAKMP message with the ikev1_decryption_table rows the
# engine exported (each one shows its HASH payload), and check every ESP ICV with the esp_sa rows.
# Without the rows nothing decrypts. Skips (77) when tshark is not available.
if [ -z "$TSHARK" ] || ! [ -x "$TSHARK" ]; then
	echo "tshark not found: SKIP"
	exit 77
fi
top_builddir=${top_builddir:-.}
tmp=$(mktemp -d) || exit 99
trap 'rm -rf "$tmp"' EXIT
counts=$("$top_builddir/tests/test_ike1_pcap" "$tmp/v1.pcap" "$tmp/ike_rows" "$tmp/esp_rows") || exit 1
set -- $counts
ike=$1 encrypted=$2 natt=$3 esp=$4 esp_udp=$5
echo "wrote $ike ISAKMP datagrams ($encrypted encrypted, $natt on UDP 4500), $esp ESP packets ($esp_udp in UDP)"
echo "ikev1_decryption_table rows:"
cat "$tmp/ike_rows"
nrows=$(grep -c . "$tmp/ike_rows")
if [ "$nrows" != 5 ]; then
	echo "FAIL: expected 5 ISAKMP SAs (one, two with a rekey each in sessions 2 and 3), got $nrows rows"
	exit 1
fi

printf '%s\n' -r "$tmp/v1.pcap" -o esp.enable_encryption_decode:TRUE -o esp.enable_authentication_check:TRUE \
	>"$tmp/args"
while IFS= read -r row; do
	printf '%s\n' -o "uat:ikev1_decryption_table:$row" >>"$tmp/args"
done <"$tmp/ike_rows"
while IFS= read -r row; do
	printf '%s\n' -o "uat:esp_sa:$row" >>"$tmp/args"
done <"$tmp/esp_rows"

# frames ARGFILE FILTER: how many frames tshark shows for a display filter ("X" if tshark failed)
frames() {
	(
		argfile=$1 filter=$2
		set --
		while IFS= read -r a; do set -- "$@" "$a"; done <"$argfile"
		"$TSHARK" "$@" -Y "$filter" -T fields -e frame.number >"$tmp/out" 2>>"$tmp/err" </dev/null || exit 1
		grep -c . "$tmp/out" || true
	) || echo X
}

fail=0
expect() {
	got=$(frames "$tmp/args" "$1")
	if [ "$got" = "$2" ]; then
		echo "ok: $got frames match '$1'"
	else
		echo "FAIL: $got frames match '$1', expected $2"
		fail=1
	fi
}
expect "frame" $((ike + esp))
expect "isakmp" "$ike"
expect "isakmp.version == 0x10" "$ike"
expect "isakmp.flag_e == 1" "$encrypted"
# a HASH payload is inside every encrypted message (MM5/MM6, quick mode, informational) and
# only a decryption shows it
expect "isakmp.hash" "$encrypted"
expect "_ws.malformed" 0
expect "_ws.expert.severity >= \"Warning\"" 0
expect "udpencap.non_esp_marker" "$natt"
# 4 Main Modes of 6 messages, 5 quick modes of 3
expect "isakmp.exchangetype == 2" 30
expect "isakmp.exchangetype == 32" 15
# NAT-D in MM3/MM4 (two each), quick-mode IDs (subnets), DPD, DELETE payloads
expect "isakmp.typepayload == 20" 10
expect "isakmp.id.data.ipv4_subnet" 10
expect "isakmp.notify.msgtype == 36136" 1
expect "isakmp.notify.msgtype == 36137" 1
expect "isakmp.delete.spi" 10
expect "esp" "$esp"
expect "esp.icv_good == 1" "$esp"
expect "esp.protocol == 4" "$esp"
expect "udp.port == 4500 && esp" "$esp_udp"

# without the rows nothing decrypts
printf '%s\n' -r "$tmp/v1.pcap" >"$tmp/args0"
got=$(frames "$tmp/args0" "isakmp.hash")
if [ "$got" = 0 ]; then
	echo "ok: nothing decrypts without the exported rows"
else
	echo "FAIL: $got frames show a HASH payload without keys"
	fail=1
fi
# deterministic: the same run again writes the same bytes
"$top_builddir/tests/test_ike1_pcap" "$tmp/again.pcap" "$tmp/again_ike" "$tmp/again_esp" >/dev/null || exit 1
if cmp -s "$tmp/v1.pcap" "$tmp/again.pcap" && cmp -s "$tmp/ike_rows" "$tmp/again_ike" &&
	cmp -s "$tmp/esp_rows" "$tmp/again_esp"; then
	echo "ok: a second run wrote the same pcap and rows"
else
	echo "FAIL: a second run wrote different bytes"
	fail=1
fi
grep -v 'Running as user "root"' "$tmp/err" >"$tmp/err2"
if [ -s "$tmp/err2" ]; then
	echo "tshark said on stderr:"
	cat "$tmp/err2"
	fail=1
fi
exit $fail
