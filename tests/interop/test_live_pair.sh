#!/bin/bash
# test_live_pair.sh: `vpnsim live` against itself, no charon needed: the gateway of
# tests/interop/gateway.ini in one network namespace (192.0.2.1), the site's device in another
# (192.0.2.2), joined by a veth pair. The device initiates (IKEv2 PSK, the generic preset's
# proposals against Azure's defaults); both ping an address behind the other through the tunnel
# (user-space ESP in UDP 4500); SIGUSR1/SIGUSR2 rekey the CHILD and the IKE SA from the device's
# side with the pings flowing; SIGINT stops the device, whose DELETE the gateway logs, then the
# gateway. Each side asserts from its own log. VALGRIND=1 runs both under memcheck.
. "${top_srcdir:-.}/tests/interop/lib.sh"
need_root
netns_setup

live_start gw "$nsa" "$IDIR/gateway.ini" --node azure-gw --ping 10.10.2.7 --count 5 --interval 0.2s
gw_pid=$live_pid
live_start dev "$nsb" "$IDIR/gateway.ini" --node branch --ping 10.1.0.1 --interval 0.1s
dev_pid=$live_pid

wait_for "$dir/dev.log" "CHILD SA up" 10 || bad "device: no CHILD SA within 10 s"
wait_for "$dir/gw.out" "packets transmitted" 10 || bad "gateway: its 5 pings did not finish"
kill -USR1 $dev_pid
wait_for "$dir/gw.log" "CHILD SA down: .*reason rekeyed" 5 || bad "CHILD rekey did not complete"
kill -USR2 $dev_pid
wait_for "$dir/gw.log" "ESTABLISHED" 5 2 || bad "IKE rekey did not complete"
sleep 0.5
live_stop $dev_pid device
wait_for "$dir/gw.log" "DEAD .*peer branch" 3 || bad "gateway: the IKE SA did not go"
live_stop $gw_pid gateway

# the device's view
expect "$dir/dev.log" "IKE SA [0-9]+ ESTABLISHED \(was auth-sent\).*initiator, UDP 4500" "device: IKE SA established as initiator"
expect "$dir/dev.log" "CHILD SA up: .*AES_GCM_16-256.*TS 0.0.0.0/0 === 0.0.0.0/0, UDP-encapsulated" \
	"device: CHILD SA up with GCM, any-to-any"
expect "$dir/dev.log" "CHILD SA down: .*reason rekeyed" "device: CHILD SA rekeyed"
expect "$dir/dev.log" "ESTABLISHED \(was init-sent\)|rekeyed into IKE SA" "device: IKE SA rekeyed"
expect "$dir/dev.log" "stopping: DELETE sent for 1 IKE SA" "device: DELETE on SIGINT"
expect_none "$dir/dev.log" ": dropped|inner packet not handled|ike warning" "device: no drops, no warnings"
# the gateway's view
expect "$dir/gw.log" "IKE SA [0-9]+ ESTABLISHED \(was half-open\).*responder" "gateway: IKE SA established as responder"
expect "$dir/gw.log" "deleted by the peer" "gateway: the device's DELETE arrived"
expect_none "$dir/gw.log" ": dropped|inner packet not handled|ike warning" "gateway: no drops, no warnings"
# pings both ways
expect "$dir/gw.out" "^5 packets transmitted, 5 received, 0% packet loss" "gateway: 5 of 5 pings to 10.10.2.7 answered"
sent=$(sed -n 's/^\([0-9]*\) packets transmitted, \([0-9]*\) received.*/\1 \2/p' "$dir/dev.out")
set -- $sent
if [ -n "$1" ] && [ "$1" -ge 10 ] && [ $(($1 - $2)) -le 1 ]; then
	ok "device: $2 of $1 pings to 10.1.0.1 answered across both rekeys"
else
	bad "device: pings to 10.1.0.1: '$sent'"
fi
expect "$dir/gw.log" "summary: .*echo requests answered [1-9]" "gateway answered the device's echo requests"
finish
