#!/bin/sh
# test_draw.sh: `vpnsim draw`: -o .svg/.png/.dot write valid files (the DOT parsed by Graphviz's
# `dot -Tcanon` when installed, else its header checked); a bad extension exits 2 with a message;
# --at before and after active-active-failover's crash of instance 0 (at 2 min) draws instance 0's
# tunnel UP then DOWN, each UP tunnel labelled with a measured throughput; --at beyond the
# duration, or malformed, exits 2; dual-redundancy's second device's tunnels are standby, and an
# active-standby tunnel being negotiated after a takeover is connecting.
. "${top_srcdir:-.}/tests/vpnsim_test.sh"
AA="$SRC/scenarios/active-active-failover.ini"

# -o by extension
"$VPNSIM" draw "$AA" -o "$out/t.svg" >/dev/null && head -c 400 "$out/t.svg" | grep -q '<svg' &&
	tail -c 20 "$out/t.svg" | grep -q '</svg>' && pass "-o .svg: an SVG document" || bad "-o .svg"
"$VPNSIM" draw "$AA" -o "$out/t.png" >/dev/null &&
	[ "$(od -An -tx1 -N8 "$out/t.png" | tr -d ' \n')" = "89504e470d0a1a0a" ] &&
	pass "-o .png: PNG signature" || bad "-o .png"
if "$VPNSIM" draw "$AA" -o "$out/t.dot" >/dev/null && head -n 1 "$out/t.dot" | grep -q '^digraph topology {'; then
	if command -v dot >/dev/null 2>&1; then
		dot -Tcanon "$out/t.dot" >/dev/null 2>"$out/dot.err" && pass "-o .dot: dot -Tcanon parses it" ||
			{ bad "-o .dot: dot -Tcanon refused it"; cat "$out/dot.err"; }
	else
		pass "-o .dot: a digraph (no dot installed to parse it)"
	fi
else bad "-o .dot"; fi

# a bad extension
"$VPNSIM" draw "$AA" -o "$out/t.jpg" >/dev/null 2>"$out/ext.err"
rc=$?
[ $rc -eq 2 ] && grep -q 't.jpg: cannot tell the format from the extension (expected .svg, .png or .dot)' "$out/ext.err" &&
	[ ! -e "$out/t.jpg" ] && pass "bad extension: exit 2, named" || { bad "bad extension: exit $rc"; cat "$out/ext.err"; }

# --at: tunnel states at an instant (the SVG's tunnel edges: id tunnel:CONN:K, class tunnel STATE)
state() { sed -n "s/.*id=\"tunnel:branch:$2\" class=\"edge tunnel \\([a-z]*\\)\".*/\\1/p" "$1"; }
"$VPNSIM" draw "$AA" --at "110 s" -o "$out/before.svg" >/dev/null 2>"$out/at.err" || cat "$out/at.err"
"$VPNSIM" draw "$AA" --at "2.5 min" -o "$out/after.svg" >/dev/null 2>>"$out/at.err" || cat "$out/at.err"
b0=$(state "$out/before.svg" 0) a0=$(state "$out/after.svg" 0) a1=$(state "$out/after.svg" 1)
[ "$b0" = up ] && [ "$a0" = down ] && [ "$a1" = up ] &&
	pass "--at 110 s: instance 0's tunnel up; --at 2.5 min (after the crash): down, instance 1's up" ||
	bad "--at states: before $b0, after $a0/$a1"
grep -Eq '>UP [1-9][0-9.]* [kMG]?bit/s<' "$out/before.svg" &&
	pass "--at: UP tunnels labelled with a measured throughput" || bad "--at: no throughput label"
grep -q 't = 110.000 s' "$out/before.svg" && pass "--at: the time in the picture" || bad "--at: no time label"
"$VPNSIM" draw "$AA" --at "110 s" -o "$out/before2.svg" >/dev/null 2>&1 && cmp -s "$out/before.svg" "$out/before2.svg" &&
	pass "--at: the same picture twice" || bad "--at: not deterministic"

"$VPNSIM" draw "$AA" --at 0s -o "$out/zero.svg" >/dev/null 2>&1 && grep -q 't = 0.000 s' "$out/zero.svg" &&
	[ "$(state "$out/zero.svg" 0)" = down ] && pass "--at 0s: nothing has run, tunnels down" || bad "--at 0s"

# standby and connecting, from the gateway's routes and the IKE SA state
tstate() { sed -n "s/.*id=\"tunnel:$2\" class=\"edge tunnel \([a-z]*\)\".*/\1/p" "$1"; }
"$VPNSIM" draw "$SRC/scenarios/dual-redundancy.ini" --at 60s -o "$out/dr.svg" >/dev/null 2>&1
[ "$(tstate "$out/dr.svg" edge1:0)" = up ] && [ "$(tstate "$out/dr.svg" edge2:0)" = standby ] &&
	[ "$(tstate "$out/dr.svg" edge2:1)" = standby ] &&
	pass "dual redundancy at 60 s: edge1 carries, edge2's established tunnels standby" || bad "dual redundancy states"
# active-standby-unplanned: after the takeover the device's IKE_SA_INIT reaches instance 1 at 190.03 s
"$VPNSIM" draw "$SRC/scenarios/active-standby-unplanned.ini" --at 190.04s -o "$out/as.svg" >/dev/null 2>&1
[ "$(tstate "$out/as.svg" hq:0)" = connecting ] && pass "active-standby at 190.04 s: connecting" ||
	bad "active-standby at 190.04 s: $(tstate "$out/as.svg" hq:0)"

# P2S: clients connected and what their tunnels carried (user + to-user flows: 1 + 1 Mbit/s)
"$VPNSIM" draw "$SRC/scenarios/s2s-p2s.ini" --at 120s -o "$out/sp.svg" >/dev/null 2>&1
sed -n '/id="p2s:users"/,/<\/g>/p' "$out/sp.svg" >"$out/sp.edge"
grep -q '>50/50 connected<' "$out/sp.edge" && grep -Eq '>UP (1\.9[0-9]*|2|2\.0[0-9]*) Mbit/s<' "$out/sp.edge" &&
	pass "s2s-p2s at 120 s: 50/50 P2S clients, 2 Mbit/s through their tunnels" ||
	{ bad "s2s-p2s P2S edge"; cat "$out/sp.edge"; }

# --at errors
"$VPNSIM" draw "$AA" --at "11 min" -o "$out/late.svg" >/dev/null 2>"$out/late.err"
rc=$?
[ $rc -eq 2 ] && grep -q "beyond the scenario's duration" "$out/late.err" && [ ! -e "$out/late.svg" ] &&
	pass "--at beyond the duration: exit 2" || { bad "--at beyond the duration: exit $rc"; cat "$out/late.err"; }
"$VPNSIM" draw "$AA" --at "soon" -o "$out/bad.svg" >/dev/null 2>"$out/bad.err"
rc=$?
[ $rc -eq 2 ] && grep -q -- "--at 'soon'" "$out/bad.err" && pass "--at malformed: exit 2" || bad "--at malformed: exit $rc"
"$VPNSIM" draw "$AA" --at >/dev/null 2>&1
[ $? -eq 2 ] && pass "--at without a value: exit 2" || bad "--at without a value"
"$VPNSIM" help | grep -q "^  draw FILE .*--at TIME" && pass "vpnsim help shows draw --at" || bad "help lacks draw --at"
"$VPNSIM" draw --help | grep -q -- "--at TIME" && pass "draw --help" || bad "draw --help"
# a site or P2S group without a [path] section is drawn with the default path it gets
"$VPNSIM" draw "$SRC/scenarios/s2s-p2s.ini" -o "$out/default-path.dot" >/dev/null 2>&1
grep -q 'branch (default): 1 Gbit/s, 10 ms' "$out/default-path.dot" && grep -q 'users (P2S) (default): 1 Gbit/s' "$out/default-path.dot" &&
	pass "default paths labelled" || bad "default paths not in the Internet node"
exit $fail
