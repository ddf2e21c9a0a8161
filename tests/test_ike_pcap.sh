#!/bin/sh
# test_ike_pcap.sh: tshark must dissect the IKEv2 pcap that ike_pcap_writer produces (three
# sessions: setup, CHILD rekey, IKE rekey, liveness checks, a retransmission, deletes; one on UDP
# 500, one forced onto 4500 with the non-ESP marker and a fragmented IKE_AUTH (RFC 7383), one with
# certificates and a virtual IP) without a malformed packet, and decrypt every encrypted message
# with the ikev2_decryption_table rows the engine exported. Without the rows nothing may decrypt.
# Skips (77) when tshark is not available.
if [ -z "$TSHARK" ] || ! [ -x "$TSHARK" ]; then
	echo "tshark not found: SKIP"
	exit 77
fi
top_builddir=${top_builddir:-.}
tmp=$(mktemp -d) || exit 99
trap 'rm -rf "$tmp"' EXIT
counts=$("$top_builddir/tests/ike_pcap_writer" "$tmp/ike.pcap" "$tmp/rows") || exit 1
set -- $counts
total=$1 encrypted=$2 natt=$3
echo "wrote $total datagrams ($encrypted encrypted, $natt on UDP 4500); ikev2_decryption_table rows:"
cat "$tmp/rows"
nrows=$(grep -c . "$tmp/rows")
if [ "$nrows" != 4 ]; then
	echo "FAIL: expected 4 IKE SAs (setup, rekeyed, second and third session), got $nrows rows"
	exit 1
fi

printf '%s\n' -r "$tmp/ike.pcap" >"$tmp/args"
while IFS= read -r row; do
	printf '%s\n' -o "uat:ikev2_decryption_table:$row" >>"$tmp/args"
done <"$tmp/rows"

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
expect "frame" "$total"
expect "isakmp" "$total"
expect "isakmp.exchangetype == 34" $((total - encrypted))
expect "isakmp.enc.decrypted" "$encrypted"
expect "isakmp.ikev2.integrity_checksum" 0
expect "udpencap.non_esp_marker" "$natt"
expect "isakmp.nextpayload == 53" 2
expect "_ws.malformed" 0
expect "_ws.expert.severity >= \"Warning\"" 0
# inner payloads only a decryption can show: IDi and AUTH in the three setups, CERT and CP in the
# third, DELETE payloads, the
# rekey's REKEY_SA notify, Nonce and KE in both CREATE_CHILD_SA exchanges (requests and responses)
expect "isakmp.exchangetype == 35 && isakmp.nextpayload == 35" 3
expect "isakmp.exchangetype == 35 && isakmp.nextpayload == 39" 6
expect "isakmp.exchangetype == 35 && isakmp.nextpayload == 37" 2
expect "isakmp.exchangetype == 35 && isakmp.nextpayload == 47" 2
expect "isakmp.notify.msgtype == 16393" 1
expect "isakmp.exchangetype == 36 && isakmp.nextpayload == 40 && isakmp.nextpayload == 34" 4
expect "isakmp.exchangetype == 37 && isakmp.nextpayload == 42" 8

# without the keys nothing decrypts
printf '%s\n' -r "$tmp/ike.pcap" >"$tmp/args0"
got=$(frames "$tmp/args0" "isakmp.enc.decrypted")
if [ "$got" = 0 ]; then
	echo "ok: nothing decrypts without the exported rows"
else
	echo "FAIL: $got frames decrypted without keys"
	fail=1
fi
# deterministic: the same run again writes the same bytes
"$top_builddir/tests/ike_pcap_writer" "$tmp/again.pcap" "$tmp/again.rows" >/dev/null || exit 1
if cmp -s "$tmp/ike.pcap" "$tmp/again.pcap" && cmp -s "$tmp/rows" "$tmp/again.rows"; then
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
