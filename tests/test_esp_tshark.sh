#!/bin/sh
# test_esp_tshark.sh: tshark must decrypt the ESP pcap that esp_pcap_writer produces, using the
# esp_sa rows that esp_sa_wireshark_row exported: every inner packet visible, every ICV good,
# nothing malformed. Skips (77) when tshark is not available.
if [ -z "$TSHARK" ] || ! [ -x "$TSHARK" ]; then
	echo "tshark not found: SKIP"
	exit 77
fi
top_builddir=${top_builddir:-.}
tmp=$(mktemp -d) || exit 99
trap 'rm -rf "$tmp"' EXIT
counts=$("$top_builddir/tests/esp_pcap_writer" "$tmp/esp.pcap" "$tmp/esp_sa") || exit 1
set -- $counts
icmp=$1 udp=$2 total=$3 natt=$4
echo "wrote $total packets ($icmp ICMP and $udp UDP inside, $natt UDP-encapsulated); esp_sa rows:"
cat "$tmp/esp_sa"

# tshark's arguments, one per line: the capture, decryption and ICV checking on, one -o per row
printf '%s\n' -r "$tmp/esp.pcap" -o esp.enable_encryption_decode:TRUE \
	-o esp.enable_authentication_check:TRUE >"$tmp/args"
while IFS= read -r row; do
	printf '%s\n' -o "uat:esp_sa:$row" >>"$tmp/args"
done <"$tmp/esp_sa"

# frames FILTER: how many frames tshark shows for a display filter ("X" if tshark failed, e.g.
# on a filter it does not understand)
frames() {
	FILTER=$1
	(
		set --
		while IFS= read -r a; do set -- "$@" "$a"; done <"$tmp/args"
		"$TSHARK" "$@" -Y "$FILTER" -T fields -e frame.number >"$tmp/out" 2>>"$tmp/err" || exit 1
		grep -c . "$tmp/out" || true
	) || echo X
}

fail=0
expect() {
	got=$(frames "$1")
	if [ "$got" = "$2" ]; then
		echo "ok: $got frames match '$1'"
	else
		echo "FAIL: $got frames match '$1', expected $2"
		fail=1
	fi
}
expect "frame" "$total"
expect "esp" "$total"
expect "udpencap" "$natt"
expect "ip.src == 10.0.0.0/16 && ip.dst == 10.1.0.0/16" "$total"
expect "icmp.type == 8" "$icmp"
expect "udp.dstport == 9" "$udp"
expect "esp.protocol == 4" "$total"
expect "esp.icv_good == 1" "$total"
expect "esp.icv_bad == 1" 0
expect "_ws.malformed" 0
expect "_ws.expert.severity >= \"Warning\"" 0
grep -v 'Running as user "root"' "$tmp/err" >"$tmp/err2"
if [ -s "$tmp/err2" ]; then
	echo "tshark said on stderr:"
	cat "$tmp/err2"
	fail=1
fi
exit $fail
