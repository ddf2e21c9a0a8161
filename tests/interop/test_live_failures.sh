#!/bin/bash
# test_live_failures.sh: negotiations that must fail cleanly on both sides, vpnsim staying up:
#  1. charon (the site) initiates with the wrong PSK: vpnsim (gateway, responder) refuses with
#     AUTHENTICATION_FAILED; charon logs the notify; vpnsim keeps running, no SA on either side.
#  2. the vpnsim device initiates to charon (Azure) with the wrong PSK: charon refuses, vpnsim
#     logs the AUTHENTICATION_FAILED it received and, as the device model does, tries again;
#     neither side has an IKE SA (swanctl --list-sas, both logs).
#  3. charon proposes IKE proposals Azure does not offer (AES-128/SHA-256/ECP-384): vpnsim
#     answers NO_PROPOSAL_CHOSEN; charon logs it; neither side has an IKE SA.
#  5. (after 4) the vpnsim device initiates with its preset's IKE proposal to charon playing an
#     Azure that only accepts AES-128/SHA-256/ECP-384: charon answers NO_PROPOSAL_CHOSEN, vpnsim
#     logs the failed IKE_SA_INIT and tries again; neither side has an IKE SA.
#  4. the IKE proposals match but charon's ESP proposal (AES-GCM-128) is not Azure's: the IKE
#     SA comes up, the CHILD SA is refused with NO_PROPOSAL_CHOSEN, and a ping through a tunnel
#     that does not exist gets no answer.
# Each time vpnsim must still be running afterwards and exit 0 on SIGINT (no crash).
. "${top_srcdir:-.}/tests/interop/lib.sh"
need_root
need_charon
netns_setup
charon_start
AZURE_IKE="aes256-sha1-modp1024, aes256-sha256-modp1024, aes128-sha1-modp1024, aes128-sha256-modp1024"

alive() { kill -0 "$1" 2>/dev/null && ok "$2: vpnsim still running" || bad "$2: vpnsim is gone"; }
# charon_mark: where charon's log ends now; charon_since MARK: its lines after that, into
# $dir/charon-since.log (the log is shared by all cases)
charon_mark() { wc -l <"$dir/charon.log"; }
charon_since() { tail -n +"$(($1 + 1))" "$dir/charon.log" >"$dir/charon-since.log"; }

echo "# 1: wrong PSK, charon initiates"
live_start f1 "$nsa" "$IDIR/gateway.ini" --node azure-gw
charon_load branch "$AZURE_IKE" aes256gcm16 "not-the-right-psk"
if swanctl --initiate --child net --timeout 5 --uri "$(vici)" >"$dir/i1.log" 2>&1; then
	bad "charon: initiate with the wrong PSK succeeded"
else
	ok "charon: initiate with the wrong PSK failed"
fi
expect "$dir/charon.log" "received AUTHENTICATION_FAILED notify error" "charon: AUTHENTICATION_FAILED received"
wait_for "$dir/f1.log" "AUTHENTICATION_FAILED" 3
expect "$dir/f1.log" "IKE_AUTH refused \(AUTHENTICATION_FAILED\)|IKE_AUTH failed \(AUTHENTICATION_FAILED\)" "vpnsim: the AUTH payload refused"
expect "$dir/f1.log" "DEAD .*error notify AUTHENTICATION_FAILED" "vpnsim: the IKE SA is gone with AUTHENTICATION_FAILED"
charon_sas
expect_none "$dir/sas.txt" "ESTABLISHED" "charon: no IKE SA"
alive $live_pid "wrong PSK (charon initiating)"
live_stop $live_pid "vpnsim (case 1)"

echo "# 2: wrong PSK, the vpnsim device initiates to charon as Azure"
m=$(charon_mark)
charon_load azure "aes256-sha1-modp1024" "aes256gcm16" "not-the-right-psk"
live_start f2 "$nsa" "$IDIR/device.ini" --node branch
wait_for "$dir/f2.log" "initiating again" 5 || bad "vpnsim device: no retry scheduled"
expect "$dir/f2.log" "IKE_AUTH failed \(AUTHENTICATION_FAILED\)|error notify AUTHENTICATION_FAILED" "vpnsim device: AUTHENTICATION_FAILED received"
expect "$dir/charon.log" "<azure\|[0-9]+> tried 1 shared key for .*192.0.2.1.*MAC mismatched" "charon (Azure): our AUTH payload's MAC mismatched"
expect "$dir/charon.log" "<azure\|[0-9]+> generating IKE_AUTH response 1 \[ N\(AUTH_FAILED\) \]" "charon (Azure): AUTHENTICATION_FAILED sent"
charon_sas
expect_none "$dir/sas.txt" "ESTABLISHED" "charon (Azure): no IKE SA"
charon_since "$m"
expect_none "$dir/charon-since.log" "IKE_SA azure\[[0-9]+\] established" "charon (Azure): never established an IKE SA"
expect_none "$dir/f2.log" "ESTABLISHED|CHILD SA up" "vpnsim device: no SA established"
alive $live_pid "wrong PSK (vpnsim initiating)"
live_stop $live_pid "vpnsim device (case 2)"

echo "# 3: IKE proposal mismatch"
m=$(charon_mark)
live_start f3 "$nsa" "$IDIR/gateway.ini" --node azure-gw
charon_load branch "aes128-sha256-ecp384" aes256gcm16
swanctl --initiate --child net --timeout 5 --uri "$(vici)" >"$dir/i3.log" 2>&1 && bad "charon: initiate succeeded"
expect "$dir/charon.log" "received NO_PROPOSAL_CHOSEN notify error" "charon: NO_PROPOSAL_CHOSEN received"
wait_for "$dir/f3.log" "NO_PROPOSAL_CHOSEN" 3
expect "$dir/f3.log" "IKE_SA_INIT from 192.0.2.2 answered with notify NO_PROPOSAL_CHOSEN" "vpnsim: NO_PROPOSAL_CHOSEN sent"
charon_sas
expect_none "$dir/sas.txt" "ESTABLISHED" "charon: no IKE SA"
charon_since "$m"
expect_none "$dir/charon-since.log" "IKE_SA branch\[[0-9]+\] established" "charon: never established an IKE SA"
expect_none "$dir/f3.log" "ESTABLISHED|CHILD SA up" "vpnsim: no SA established"
alive $live_pid "IKE proposal mismatch"
live_stop $live_pid "vpnsim (case 3)"

echo "# 4: ESP proposal mismatch"
live_start f4 "$nsa" "$IDIR/gateway.ini" --node azure-gw --ping 10.10.2.1 --count 2 --interval 0.1s
charon_load branch "$AZURE_IKE" aes128gcm16
swanctl --initiate --child net --timeout 5 --uri "$(vici)" >"$dir/i4.log" 2>&1 && bad "charon: CHILD SA initiate succeeded"
expect "$dir/charon.log" "received NO_PROPOSAL_CHOSEN notify, no CHILD_SA built" "charon: CHILD SA refused with NO_PROPOSAL_CHOSEN"
wait_for "$dir/f4.log" "ESTABLISHED" 3
expect "$dir/f4.log" "ESTABLISHED .*error notify NO_PROPOSAL_CHOSEN" "vpnsim: IKE SA up, its CHILD SA refused with NO_PROPOSAL_CHOSEN"
charon_sas
expect "$dir/sas.txt" "branch: #[0-9]+, ESTABLISHED" "charon: the IKE SA is kept"
expect_none "$dir/sas.txt" "INSTALLED" "charon: no CHILD SA"
expect_none "$dir/f4.log" "CHILD SA up" "vpnsim: no CHILD SA installed"
wait_for "$dir/f4.log" "no CHILD SA covers 10.10.2.1" 2 || true
expect "$dir/f4.log" "no CHILD SA covers 10.10.2.1" "vpnsim: its pings wait for a tunnel that never comes"
sleep 0.3
alive $live_pid "ESP proposal mismatch"
kill -INT $live_pid
wait $live_pid
rc=$?
[ $rc = 1 ] && ok "vpnsim: exit status 1 when --ping got no reply" || bad "vpnsim: exit status $rc, expected 1 (no ping reply)"
expect "$dir/f4.log" "stopping: DELETE sent for 1 IKE SA" "vpnsim: DELETE for the childless IKE SA"

echo "# 5: IKE proposal mismatch, the vpnsim device initiates"
m=$(charon_mark)
charon_load azure "aes128-sha256-ecp384" "aes256gcm16"
live_start f5 "$nsa" "$IDIR/device.ini" --node branch
wait_for "$dir/f5.log" "initiating again" 5 || bad "vpnsim device: no retry scheduled"
expect "$dir/f5.log" "IKE_SA_INIT failed \(NO_PROPOSAL_CHOSEN\)" "vpnsim device: NO_PROPOSAL_CHOSEN received, IKE_SA_INIT failed"
charon_since "$m"
expect "$dir/charon-since.log" "generating IKE_SA_INIT response 0 \[ N\(NO_PROP\) \]" "charon (Azure): NO_PROPOSAL_CHOSEN sent"
expect_none "$dir/charon-since.log" "IKE_SA azure\[[0-9]+\] established" "charon (Azure): never established an IKE SA"
charon_sas
expect_none "$dir/sas.txt" "ESTABLISHED" "charon (Azure): no IKE SA"
expect_none "$dir/f5.log" "ESTABLISHED|CHILD SA up" "vpnsim device: no SA established"
alive $live_pid "IKE proposal mismatch (vpnsim initiating)"
live_stop $live_pid "vpnsim device (case 5)"
finish
