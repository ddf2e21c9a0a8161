#!/bin/bash
# test_live_rekey.sh: CHILD SA and IKE SA rekeys started from each side while traffic flows:
# charon (the site of tests/interop/gateway.ini) brings the tunnel up to the vpnsim gateway, then
# `swanctl --rekey --child`, `swanctl --rekey --ike` (charon starts them), SIGUSR1 and SIGUSR2
# to vpnsim (vpnsim starts them), while vpnsim pings charon's lo every 50 ms through the tunnel
# and charon pings the VNet. Asserted from both sides: each rekey completes (vpnsim's CHILD SA
# down with reason rekeyed, new IKE SAs established; charon's new CHILD SAs and IKE SAs), the
# pings lose at most one packet per rekey, both keep answering after the last one, and every IKE
# key charon derived (three IKE SAs) equals the one vpnsim exported.
. "${top_srcdir:-.}/tests/interop/lib.sh"
need_root
need_charon
command -v ping >/dev/null || skip "needs ping (iputils-ping) for charon's side of the pings"
netns_setup
charon_start
charon_load branch "aes256-sha256-modp1024" aes256gcm16
live_start r "$nsa" "$IDIR/gateway.ini" --node azure-gw --ping 10.10.2.1 --interval 50ms --log-keys "$dir/keys"
swanctl --initiate --child net --timeout 10 --uri "$(vici)" >"$dir/initiate.log" 2>&1 || bad "swanctl --initiate failed"
ip netns exec "$nsb" ping -i 0.1 -I 10.10.2.1 10.1.0.1 >"$dir/cping.txt" 2>&1 &
cping=$!
wait_for "$dir/r.out" "icmp_seq=5 " 5 || bad "vpnsim: pings do not flow"

step() { # step WHAT LOGFILE PATTERN COUNT: after WHAT, wait for PATTERN COUNT times
	wait_for "$2" "$3" 5 "$4" && ok "$1" || bad "$1: '$3' not seen $4 times in $(basename "$2")"
	sleep 0.3
}
swanctl --rekey --child net --uri "$(vici)" >"$dir/rk1.log" 2>&1
step "CHILD rekey started by charon completes in vpnsim" "$dir/r.log" "CHILD SA down: .*reason rekeyed" 1
swanctl --rekey --ike branch --uri "$(vici)" >"$dir/rk2.log" 2>&1
step "IKE rekey started by charon completes in vpnsim" "$dir/r.log" "ESTABLISHED \(was half-open\)" 2
kill -USR1 $live_pid
step "CHILD rekey started by vpnsim completes" "$dir/r.log" "CHILD SA down: .*reason rekeyed" 2
kill -USR2 $live_pid
step "IKE rekey started by vpnsim completes" "$dir/r.log" "ESTABLISHED \(was init-sent\)" 1
n0=$(grep -c "bytes from" "$dir/r.out")
sleep 0.5
n1=$(grep -c "bytes from" "$dir/r.out")
[ "$n1" -gt $((n0 + 5)) ] && ok "vpnsim's pings are still answered after the last rekey ($n0 -> $n1)" ||
	bad "vpnsim's pings stopped after the rekeys ($n0 -> $n1)"
kill -INT $cping
wait $cping
charon_sas
live_stop $live_pid vpnsim

# vpnsim's view
sent=$(sed -n 's/^\([0-9]*\) packets transmitted, \([0-9]*\) received.*/\1 \2/p' "$dir/r.out")
set -- $sent
if [ -n "$1" ] && [ "$1" -ge 30 ] && [ $(($1 - $2)) -le 4 ]; then
	ok "vpnsim: $2 of $1 pings answered across four rekeys"
else
	bad "vpnsim: pings across the rekeys: '$sent'"
fi
expect "$dir/r.log" "summary: .*IKE rekeys 2, .*CHILD rekeys 2," "vpnsim: 2 IKE and 2 CHILD rekeys counted"
expect_none "$dir/r.log" ": dropped|ike warning" "vpnsim: no ESP drops, no warnings"
# charon's view
expect "$dir/sas.txt" "branch: #[0-9]+, ESTABLISHED" "charon: the (rekeyed) IKE SA is established"
expect "$dir/sas.txt" "INSTALLED, TUNNEL-in-UDP, ESP:AES_GCM_16-256" "charon: the (rekeyed) CHILD SA is installed"
expect "$dir/charon.log" "outbound CHILD_SA net\{2\} established" "charon: the CHILD rekey it started installed net{2}"
expect "$dir/charon.log" "outbound CHILD_SA net\{3\} established" "charon: the CHILD rekey vpnsim started installed net{3}"
expect "$dir/charon.log" "IKE_SA branch\[2\] rekeyed between" "charon: the IKE rekey it started made branch[2]"
expect "$dir/charon.log" "IKE_SA branch\[3\] rekeyed between" "charon: the IKE rekey vpnsim started made branch[3]"
expect "$dir/charon.log" "received DELETE for IKE_SA branch\[3\]" "charon: vpnsim's DELETE for the last IKE SA"
cp=$(sed -n 's/^\([0-9]*\) packets transmitted, \([0-9]*\) received.*/\1 \2/p' "$dir/cping.txt")
set -- $cp
if [ -n "$1" ] && [ "$1" -ge 15 ] && [ $(($1 - $2)) -le 4 ]; then
	ok "charon side: $2 of $1 pings to the VNet answered across four rekeys"
else
	bad "charon side: pings across the rekeys: '$cp'"
fi
# every IKE SA's keys (the setup and two rekeys), as sets
charon_keys | awk '$1 == "Sk_ei_secret" { print $2 }' | sort >"$dir/theirs"
grep -v '^#' "$dir/keys/ikev2_decryption_table" | cut -d, -f3 | tr -d '"' | tr 'A-F' 'a-f' | sort >"$dir/ours"
if [ "$(wc -l <"$dir/ours")" -ge 3 ] && cmp -s "$dir/ours" "$dir/theirs"; then
	ok "SK_ei of all $(wc -l <"$dir/ours") IKE SAs agrees with charon's"
else
	bad "SK_ei sets differ: ours $(tr '\n' ' ' <"$dir/ours"), charon's $(tr '\n' ' ' <"$dir/theirs")"
fi
finish
