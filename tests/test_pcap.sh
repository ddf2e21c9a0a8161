#!/bin/sh
# test_pcap.sh: captures from a link tap, a link drop tap and a node tap (tests/net_pcap_writer)
# read back by tshark: frame counts, simulated nanosecond timestamps, TTLs, IPv4 and UDP
# dissected with checksums verified, nothing malformed. Skips (77) when tshark is not available.
if [ -z "$TSHARK" ] || ! [ -x "$TSHARK" ]; then
	echo "tshark not found: SKIP"
	exit 77
fi
top_builddir=${top_builddir:-.}
tmp=$(mktemp -d) || exit 99
trap 'rm -rf "$tmp"' EXIT
"$top_builddir/tests/net_pcap_writer" "$tmp" || exit 1

fail=0
# check WHAT GOT WANT
check() {
	if [ "$2" = "$3" ]; then
		echo "ok: $1"
	else
		echo "FAIL: $1"
		echo "  got:  $(echo "$2" | tr '\n' ' ')"
		echo "  want: $(echo "$3" | tr '\n' ' ')"
		fail=1
	fi
}

# fields FILE FIELD...: one line per frame, fields separated by spaces
fields() {
	f=$1
	shift
	args=""
	for e in "$@"; do args="$args -e $e"; done
	# shellcheck disable=SC2086
	"$TSHARK" -r "$tmp/$f" -o ip.check_checksum:TRUE -o udp.check_checksum:TRUE -T fields -E separator=' ' \
		$args 2>>"$tmp/err" || echo "tshark failed on $f"
}

# bad FILE: frames that are malformed or carry an error-level expert item (bad checksums are)
# ("X" if tshark failed)
bad() {
	out=$("$TSHARK" -r "$tmp/$1" -o ip.check_checksum:TRUE -o udp.check_checksum:TRUE \
		-Y '_ws.malformed || _ws.expert.severity == error' -T fields -e frame.number 2>>"$tmp/err") || {
		echo X
		return
	}
	echo "$out" | grep -c .
}

nl='
'
# the link tap: arrivals at the far end of l1 (1500 B at 10 Mbit/s = 1.2 ms, then 5 ms)
check "link.pcap timestamps" "$(fields link.pcap frame.time_epoch)" \
	"0.006200000${nl}0.007400000${nl}0.008600000"
check "link.pcap IPv4/UDP" "$(fields link.pcap ip.src ip.dst ip.len ip.ttl udp.srcport udp.dstport ip.checksum.status udp.checksum.status)" \
	"10.0.1.1 10.0.2.2 1500 64 5000 7 1 1${nl}10.0.1.1 10.0.2.2 1500 64 5001 7 1 1${nl}10.0.1.1 10.0.2.2 1500 64 5002 7 1 1"
check "link.pcap nothing malformed" "$(bad link.pcap)" "0"

# the drop tap: packets 4 and 5 did not fit the 3000-byte queue, dropped at t = 0
check "drops.pcap" "$(fields drops.pcap frame.time_epoch udp.srcport)" \
	"0.000000000 5003${nl}0.000000000 5004"

# the node tap on h2: each packet in (TTL 63 after the router, +1 ms on l2) and its echo out
check "node.pcap" "$(fields node.pcap frame.time_epoch ip.src ip.ttl udp.length ip.checksum.status udp.checksum.status)" \
	"0.007200000 10.0.1.1 63 1480 1 1${nl}0.007200000 10.0.2.2 64 108 1 1${nl}0.008400000 10.0.1.1 63 1480 1 1${nl}0.008400000 10.0.2.2 64 108 1 1${nl}0.009600000 10.0.1.1 63 1480 1 1${nl}0.009600000 10.0.2.2 64 108 1 1"
check "node.pcap nothing malformed" "$(bad node.pcap)" "0"

# the checker itself catches a bad checksum: flip a bit of the first packet's IPv4 checksum
# (24-byte file header + 16-byte record header + 10) in a copy
cp "$tmp/node.pcap" "$tmp/corrupt.pcap"
printf '\377' | dd of="$tmp/corrupt.pcap" bs=1 seek=50 conv=notrunc 2>/dev/null
check "a corrupted copy is flagged" "$(bad corrupt.pcap)" "1"

# the file header: nanosecond magic, LINKTYPE_RAW
check "capture type" "$("$TSHARK" -r "$tmp/node.pcap" -T fields -e frame.encap_type -c 1 2>/dev/null)" "7"

if [ -s "$tmp/err" ] && grep -v -e 'Running as user' -e 'dangerous' "$tmp/err" | grep -q .; then
	echo "tshark said:"
	cat "$tmp/err"
fi
exit $fail
