#!/bin/bash
# test_live_dpd.sh: dead peer detection against a real peer that dies. vpnsim runs the device
# of tests/interop/device.ini (generic preset: a liveness check after 1 s of silence, retried
# every 2 s, the peer dead after 4 unanswered transmissions) and initiates to charon playing
# Azure, with short lifetimes from the command line (--set: CHILD SA 3 s, IKE SA 4 s, so the
# device rekeys both on its own at 90 %, its 60 s rekey jitter cut to a tenth of that). While
# charon lives, the rekeys complete on both sides and vpnsim's empty INFORMATIONAL requests are
# answered (both logs show them). Then charon is killed with SIGKILL (no DELETE): vpnsim must declare the peer dead
# after its retransmissions (8 s), with no CHILD SA left, and, as the device model does,
# initiate again; charon is gone from its namespace.
# Then the gateway's side: charon (the site) brings a tunnel up to the vpnsim gateway of
# tests/interop/gateway.ini (Azure's DPD: a probe after 10 s of silence, dpd_timeout 9 s =
# 4 transmissions 2.25 s apart; swanctl --list-sas shows charon's IKE and CHILD SAs up) and is
# killed: the gateway declares it dead about 19 s later,
# takes the CHILD SA down with reason peer-dead and, as the simulated gateway, does not initiate.
. "${top_srcdir:-.}/tests/interop/lib.sh"
need_root
need_charon
netns_setup
charon_start
charon_load azure "aes256-sha1-modp1024" "aes256gcm16, aes256-sha1"
live_start d "$nsa" "$IDIR/device.ini" --node branch --set "site.branch.sa_lifetime=3 s" \
	--set "site.branch.ike_lifetime=4 s"
wait_for "$dir/d.log" "CHILD SA up" 5 || bad "vpnsim: no CHILD SA within 5 s"
expect "$dir/d.log" "rekey jitter 60.000 s cut to 0.270 s" "vpnsim: the preset's rekey jitter bounded for the short lifetimes"
wait_for "$dir/d.log" "ESTABLISHED \(was init-sent\)" 6 || bad "vpnsim: no IKE rekey from the lifetime within 6 s"
expect "$dir/d.log" "rekeying CHILD SA" "vpnsim: CHILD SA rekeyed at 90 % of its 3 s lifetime"
expect "$dir/d.log" "CHILD SA down: .*reason rekeyed" "vpnsim: the old CHILD SA went with reason rekeyed"
expect "$dir/d.log" "rekeying the IKE SA" "vpnsim: IKE SA rekeyed at 90 % of its 4 s lifetime"
expect "$dir/charon.log" "<azure\|[0-9]+> inbound CHILD_SA net\{2\} established" "charon: the rekeyed CHILD SA net{2} installed"
expect "$dir/charon.log" "IKE_SA azure\[2\] rekeyed between" "charon: the rekeyed IKE SA azure[2]"
wait_for "$dir/d.log" "liveness check" 4 2 || bad "vpnsim: no liveness checks while charon lives"
expect "$dir/charon.log" "<azure\|[0-9]+> parsed INFORMATIONAL request [0-9]+ \[ \]" "charon: empty INFORMATIONAL (DPD) requests received"
expect "$dir/charon.log" "<azure\|[0-9]+> generating INFORMATIONAL response [0-9]+ \[ \]" "charon: DPD answered"
expect_none "$dir/d.log" "retransmit" "vpnsim: no retransmissions while charon answers"
t_kill=$(date +%s.%N)
kill -KILL "$charon_pid"
wait "$charon_pid" 2>/dev/null
charon_pid=
if wait_for "$dir/d.log" "peer dead" 14; then
	dt=$(awk -v a="$t_kill" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
	ok "vpnsim: peer declared dead ${dt} s after charon was killed"
else
	bad "vpnsim: the peer was not declared dead within 14 s"
fi
expect "$dir/d.log" "retransmit 3 of message" "vpnsim: three retransmissions of the liveness check"
expect "$dir/d.log" "no response after 4 transmissions .*: peer dead" "vpnsim: dead after 4 transmissions"
# the 3 s CHILD SA cannot be rekeyed with charon gone: it expires, or goes with the dead peer
expect "$dir/d.log" "CHILD SA down: .*reason (peer-dead|expired)" "vpnsim: the CHILD SA is down (expired or peer-dead)"
expect "$dir/d.log" "DEAD \(was established" "vpnsim: IKE SA dead"
wait_for "$dir/d.log" "peer branch-t0: initiating to 192.0.2.2" 4 2 || true
expect "$dir/d.log" "peer branch-t0: initiating to 192.0.2.2" 2 "vpnsim: the device initiates again"
if [ -n "$(ip netns pids "$nsb" 2>/dev/null)" ]; then
	bad "charon: still running in its namespace"
else
	ok "charon: gone from its namespace (killed without DELETE)"
fi
live_stop $live_pid vpnsim

echo "# the gateway's DPD"
charon_start
charon_load branch "aes256-sha1-modp1024" aes256gcm16
live_start g "$nsa" "$IDIR/gateway.ini" --node azure-gw
swanctl --initiate --child net --timeout 10 --uri "$(vici)" >"$dir/initiate-g.log" 2>&1 || bad "swanctl --initiate failed"
wait_for "$dir/g.log" "CHILD SA up" 5 || bad "vpnsim gateway: no CHILD SA"
charon_sas
expect "$dir/sas.txt" "branch: #[0-9]+, ESTABLISHED, IKEv2" "charon (the site): IKE SA up before the kill"
expect "$dir/sas.txt" "INSTALLED, TUNNEL-in-UDP, ESP:AES_GCM_16-256" "charon (the site): CHILD SA installed before the kill"
t_kill=$(date +%s.%N)
kill -KILL "$charon_pid"
wait "$charon_pid" 2>/dev/null
charon_pid=
if wait_for "$dir/g.log" "peer dead" 25; then
	dt=$(awk -v a="$t_kill" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
	ok "vpnsim gateway: peer declared dead ${dt} s after charon was killed"
	awk -v d="$dt" 'BEGIN { exit !(d >= 18 && d <= 21.5) }' && ok "vpnsim gateway: 10 s of silence + 9 s DPD timeout" ||
		bad "vpnsim gateway: dead after ${dt} s, expected 10 + 9 s"
else
	bad "vpnsim gateway: the peer was not declared dead within 25 s"
fi
expect "$dir/g.log" "no response after 4 transmissions \(9\.0[0-9]* s\): peer dead" "vpnsim gateway: dead 9 s (dpd_timeout) after its first probe, 4 transmissions"
expect "$dir/g.log" "CHILD SA down: .*reason peer-dead" "vpnsim gateway: CHILD SA down, reason peer-dead"
expect_none "$dir/g.log" "initiating" "vpnsim gateway: does not initiate again (the site does)"
live_stop $live_pid "vpnsim gateway"
finish
