#!/bin/bash
# test_live_dpd.sh: dead peer detection against a real peer that dies. vpnsim runs the device
# of tests/interop/device.ini (generic preset: a liveness check after 1 s of silence, retried
# every 2 s, the peer dead after 4 unanswered transmissions) and initiates to charon playing
# Azure. While charon lives, vpnsim's empty INFORMATIONAL requests are answered (both logs
# show them). Then charon is killed with SIGKILL (no DELETE): vpnsim must declare the peer dead
# after its retransmissions (8 s), take the CHILD SA down with reason peer-dead and, as the
# device model does, initiate again; charon is gone from its namespace.
. "${top_srcdir:-.}/tests/interop/lib.sh"
need_root
need_charon
netns_setup
charon_start
charon_load azure "aes256-sha1-modp1024" "aes256gcm16, aes256-sha1"
live_start d "$nsa" "$IDIR/device.ini" --node branch
wait_for "$dir/d.log" "CHILD SA up" 5 || bad "vpnsim: no CHILD SA within 5 s"
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
expect "$dir/d.log" "CHILD SA down: .*reason peer-dead" "vpnsim: CHILD SA down, reason peer-dead"
expect "$dir/d.log" "DEAD \(was established" "vpnsim: IKE SA dead"
wait_for "$dir/d.log" "peer branch-t0: initiating to 192.0.2.2" 4 2 || true
expect "$dir/d.log" "peer branch-t0: initiating to 192.0.2.2" 2 "vpnsim: the device initiates again"
if [ -n "$(ip netns pids "$nsb" 2>/dev/null)" ]; then
	bad "charon: still running in its namespace"
else
	ok "charon: gone from its namespace (killed without DELETE)"
fi
live_stop $live_pid vpnsim
finish
