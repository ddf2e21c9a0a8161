#!/bin/bash
# test_ike_strongswan.sh: the IKEv2 engine against a real strongSwan 5.9 charon. Two network
# namespaces joined by a veth pair; charon (kernel-libipsec, so it forces UDP encapsulation)
# responds at 192.0.2.2, tests/ike_live_peer initiates from 192.0.2.1 with PSK, AES-CBC-256/
# SHA2-256/ECP-256 and AES-GCM-256, then rekeys the CHILD SA, rekeys the IKE SA, sends a
# liveness check, deletes the CHILD SA and the IKE SA; after the setup and after each rekey an
# ICMP echo to 10.10.2.1 goes through the tunnel with our user-space ESP (esp.h, keys from the
# engine) and charon's reply must come back through it. Both sides must agree: charon's log must
# show the SAs established, rekeyed and deleted, and the SK_ei charon derived must equal the one
# in our exported Wireshark row. Then the roles swap: charon initiates, rekeys both SAs and
# terminates, our engine responds; charon's KE for MODP-2048 gets INVALID_KE_PAYLOAD asking for
# ECP-256. Last, P2S with certificates: charon initiates with its certificate and asks for a
# virtual IP, our engine assigns one; both IKE_AUTH messages are fragmented (RFC 7383, 576-byte
# fragments). Then IKEv1 (Main Mode + Quick Mode, PSK, MODP-1024): we initiate, ping, rekey the
# quick-mode SA, ping, rekey the ISAKMP SA with a new Main Mode (charon must adopt the CHILD SA),
# ping, DPD (R-U-THERE answered), delete; our encryption keys must equal charon's "encryption key
# Ka" (also with 3DES/SHA1, where Appendix B expands the key); and charon initiates, rekeys both
# and terminates while we respond. Skips (77) without root,
# ip netns or charon
# (apt-get install strongswan-charon strongswan-swanctl libcharon-extra-plugins
# libstrongswan-standard-plugins); with VPNSIM_INTEROP_REQUIRED=1 a skip fails (99).
CHARON=/usr/lib/ipsec/charon
skip() {
	echo "=============================================================="
	if [ "${VPNSIM_INTEROP_REQUIRED:-0}" = 1 ]; then
		echo "FAIL: VPNSIM_INTEROP_REQUIRED=1, but the strongSwan test would skip: $*"
		echo "=============================================================="
		exit 99
	fi
	echo "SKIP: $*"
	echo "=============================================================="
	exit 77
}
if [ "$(id -u)" != 0 ] || ! command -v ip >/dev/null || ! [ -x "$CHARON" ] || ! command -v swanctl >/dev/null ||
	! [ -e /usr/lib/ipsec/plugins/libstrongswan-kernel-libipsec.so ] || ! [ -e /dev/net/tun ]; then
	skip "needs root, ip netns, /dev/net/tun and strongSwan's charon with kernel-libipsec"
fi
top_builddir=${top_builddir:-.}
peer=$(cd "$top_builddir/tests" && pwd)/ike_live_peer
tag=ike$$
nsa=${tag}a nsb=${tag}b
dir=$(mktemp -d) || exit 99
charon_pid=
cleanup() {
	if [ -n "$charon_pid" ] && [ "$(cat /proc/$charon_pid/comm 2>/dev/null)" = charon ]; then
		kill "$charon_pid"
		for _ in $(seq 1 50); do kill -0 "$charon_pid" 2>/dev/null || break; sleep 0.1; done
		kill -9 "$charon_pid" 2>/dev/null
	fi
	ip netns del "$nsa" 2>/dev/null
	ip netns del "$nsb" 2>/dev/null
	rm -rf "$dir"
}
trap cleanup EXIT

if ! ip netns add "$nsa" 2>/dev/null || ! ip netns add "$nsb"; then
	skip "cannot create network namespaces"
fi
for n in $nsa $nsb; do
	ip netns exec $n sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
done
ip link add ${tag}x type veth peer name ${tag}y || skip "cannot create a veth pair"
ip link set ${tag}x netns $nsa
ip link set ${tag}y netns $nsb
ip -n $nsa addr add 192.0.2.1/24 dev ${tag}x
ip -n $nsb addr add 192.0.2.2/24 dev ${tag}y
for n in $nsa $nsb; do ip -n $n link set lo up; done
ip -n $nsa link set ${tag}x up
ip -n $nsb link set ${tag}y up
ip -n $nsb addr add 10.10.2.1/32 dev lo

psk=ci-test-psk-0123456789
mkdir -p "$dir/run"
cat >"$dir/strongswan.conf" <<CONF
charon {
	load = random nonce openssl kdf pem pkcs1 x509 pubkey kernel-libipsec kernel-netlink socket-default vici
	port = 500
	port_nat_t = 4500
	retransmit_tries = 3
	fragment_size = 576
	filelog {
		main {
			path = $dir/charon.log
			append = no
			flush_line = yes
			default = 1
			ike = 4
			chd = 2
			cfg = 2
		}
	}
	syslog {
		daemon {
			default = -1
		}
	}
	plugins {
		vici {
			socket = unix://$dir/charon.vici
		}
	}
}
CONF
cat >"$dir/swanctl.conf" <<CONF
connections {
	b-a {
		version = 2
		local_addrs = 192.0.2.2
		remote_addrs = 192.0.2.1
		encap = yes
		mobike = no
		proposals = aes256-sha256-ecp256
		local {
			auth = psk
			id = b.example
		}
		remote {
			auth = psk
			id = a.example
		}
		children {
			net {
				local_ts = 10.10.2.0/24
				remote_ts = 10.10.1.0/24
				esp_proposals = aes256gcm16
			}
		}
	}
	ke {
		version = 2
		local_addrs = 192.0.2.2
		remote_addrs = 192.0.2.1
		encap = yes
		mobike = no
		proposals = aes256-sha256-modp2048-ecp256
		local {
			auth = psk
			id = b.example
		}
		remote {
			auth = psk
			id = a.example
		}
		children {
			ke {
				local_ts = 10.10.2.0/24
				remote_ts = 10.10.1.0/24
				esp_proposals = aes256gcm16
			}
		}
	}
	b-a-v1 {
		version = 1
		aggressive = no
		local_addrs = 192.0.2.2
		remote_addrs = 192.0.2.1
		encap = yes
		proposals = aes256-sha256-modp1024, 3des-sha1-modp1024
		local {
			auth = psk
			id = b.example
		}
		remote {
			auth = psk
			id = a.example
		}
		children {
			net1 {
				local_ts = 10.10.2.0/24
				remote_ts = 10.10.1.0/24
				esp_proposals = aes256gcm16, aes256-sha1
			}
		}
	}
	p2s {
		version = 2
		fragmentation = yes
		local_addrs = 192.0.2.2
		remote_addrs = 192.0.2.1
		encap = yes
		mobike = no
		vips = 0.0.0.0
		proposals = aes256-sha256-ecp256
		local {
			auth = pubkey
			certs = node1.der
			id = "O=vpnsim, CN=node1"
		}
		remote {
			auth = pubkey
			id = "O=vpnsim, CN=node0"
		}
		children {
			p2s {
				remote_ts = 10.10.1.0/24
				esp_proposals = aes256gcm16
			}
		}
	}
}
secrets {
	ike-ab {
		id-a = a.example
		id-b = b.example
		secret = "$psk"
	}
}
CONF
STRONGSWAN_CONF=$dir/strongswan.conf ip netns exec $nsb unshare --mount --propagation private \
	sh -c "mount --bind $dir/run /run && exec $CHARON" >"$dir/charon.stdout" 2>&1 </dev/null &
charon_pid=$!
for _ in $(seq 1 300); do
	swanctl --stats --uri "unix://$dir/charon.vici" >/dev/null 2>&1 && break
	kill -0 $charon_pid 2>/dev/null || { echo "charon exited during startup"; cat "$dir/charon.log"; exit 1; }
	sleep 0.02
done
# the deterministic test PKI: charon is CN=node1, we are CN=node0
"$peer" --write-pki "$dir" || exit 1
swanctl --load-all --file "$dir/swanctl.conf" --uri "unix://$dir/charon.vici" >"$dir/load.log" 2>&1 ||
	{ cat "$dir/load.log"; exit 1; }

ip netns exec $nsa "$peer" 192.0.2.1 192.0.2.2 "$psk" ping rekey-child ping rekey-ike ping dpd delete-child delete \
	>"$dir/peer.log" 2>&1
rc=$?
grep -v '^  log:' "$dir/peer.log"
fail=0
[ $rc = 0 ] || { echo "FAIL: ike_live_peer exited with $rc"; fail=1; }

# charon's view
check() {
	n=$(grep -c -- "$1" "$dir/charon.log")
	if [ "$n" -ge "$2" ]; then
		echo "ok: charon logged '$1' $n times"
	else
		echo "FAIL: charon logged '$1' $n times, expected at least $2"
		fail=1
	fi
}
check "IKE_SA b-a\[1\] established" 1
check "CHILD_SA net{1} established" 1
check "CHILD_SA net{2} established" 1
check "IKE_SA b-a\[2\] rekeyed" 1
check "received DELETE for ESP CHILD_SA" 2
check "received DELETE for IKE_SA" 2
if grep -q "parsing .* failed\|invalid\|verification failed\|integrity check failed" "$dir/charon.log"; then
	echo "FAIL: charon complained:"
	grep "parsing .* failed\|invalid\|verification failed\|integrity check failed" "$dir/charon.log"
	fail=1
fi

# SK_ei of both IKE SAs (the first and the rekeyed one): charon's hex dumps ("Sk_ei secret =>
# 32 bytes @ ...", then "NN[IKE]    0: XX XX ...") against the third column of our
# ikev2_decryption_table rows, in order
grep 'ikev2_decryption_table:' "$dir/peer.log" | sed 's/.*ikev2_decryption_table: //' | cut -d, -f3 >"$dir/ours"
awk '/Sk_ei secret/ {if (s != "") print tolower(s); s = ""; grab = 1; next}
	grab && /\[IKE\] +[0-9]+: / {for (i = 3; i <= 18 && i <= NF; i++) if ($i ~ /^[0-9A-Fa-f][0-9A-Fa-f]$/) s = s $i; next}
	{grab = 0}
	END {if (s != "") print tolower(s)}' "$dir/charon.log" >"$dir/theirs"
if [ "$(grep -c . "$dir/ours")" = 2 ] && cmp -s "$dir/ours" "$dir/theirs"; then
	echo "ok: SK_ei of both IKE SAs agrees with charon's:"
	cat "$dir/ours"
else
	echo "FAIL: SK_ei ours:"
	cat "$dir/ours"
	echo "charon's:"
	cat "$dir/theirs"
	fail=1
fi
# the other way round: charon initiates, rekeys the CHILD SA and the IKE SA, then terminates;
# we respond
ip netns exec $nsa "$peer" 192.0.2.1 192.0.2.2 "$psk" --respond wait-up wait-child-rekey wait-ike-rekey \
	wait-down >"$dir/resp.log" 2>&1 &
resp_pid=$!
vici="unix://$dir/charon.vici"
# waitfor STEP: until our responder reports the step done (or failed), at most 30 s
waitfor() {
	for _ in $(seq 1 300); do
		grep -q "^step $1: " "$dir/resp.log" && break
		sleep 0.1
	done
	if grep -q "^step $1: ok" "$dir/resp.log"; then
		echo "ok: responder $1"
	else
		echo "FAIL: responder $1"
		fail=1
	fi
}
sleep 0.3
swanctl --initiate --ike b-a --child net --timeout 10 --uri "$vici" >"$dir/sw1.log" 2>&1
waitfor wait-up
swanctl --rekey --child net --uri "$vici" >"$dir/sw2.log" 2>&1
waitfor wait-child-rekey
swanctl --rekey --ike b-a --uri "$vici" >"$dir/sw3.log" 2>&1
waitfor wait-ike-rekey
swanctl --terminate --ike b-a --timeout 10 --uri "$vici" >"$dir/sw4.log" 2>&1
waitfor wait-down
wait $resp_pid || { echo "FAIL: responder exited with $?"; fail=1; }
grep -v '^  log:' "$dir/resp.log"
check "IKE_SA b-a\[3\] established" 1
check "IKE_SA b-a\[4\] rekeyed" 1

# INVALID_KE_PAYLOAD: charon offers MODP-2048 first (its KE) and ECP-256; we only take ECP-256
ip netns exec $nsa "$peer" 192.0.2.1 192.0.2.2 "$psk" --respond wait-up wait-down >"$dir/resp.log" 2>&1 &
resp_pid=$!
sleep 0.3
swanctl --initiate --ike ke --child ke --timeout 10 --uri "$vici" >"$dir/sw7.log" 2>&1
waitfor wait-up
swanctl --terminate --ike ke --timeout 10 --uri "$vici" >"$dir/sw8.log" 2>&1
waitfor wait-down
wait $resp_pid || { echo "FAIL: responder exited with $?"; fail=1; }
grep -v '^  log:' "$dir/resp.log"
check "requested ECP_256" 1
check "IKE_SA ke\[[0-9]*\] established" 1

# P2S: charon initiates with its certificate and asks for a virtual IP; we check its certificate
# against the test CA, sign with ours and assign 10.10.3.100 from our pool
ip netns exec $nsa "$peer" 192.0.2.1 192.0.2.2 cert --respond wait-up wait-down >"$dir/resp.log" 2>&1 &
resp_pid=$!
sleep 0.3
swanctl --initiate --ike p2s --child p2s --timeout 10 --uri "$vici" >"$dir/sw5.log" 2>&1
waitfor wait-up
swanctl --terminate --ike p2s --timeout 10 --uri "$vici" >"$dir/sw6.log" 2>&1
waitfor wait-down
wait $resp_pid || { echo "FAIL: P2S responder exited with $?"; fail=1; }
grep -v '^  log:' "$dir/resp.log"
check "authentication of 'O=vpnsim, CN=node0' with RSA.* successful" 1
check "installing new virtual IP 10.10.3.100" 1
check "CHILD_SA p2s{[0-9]*} established .* 10.10.3.100/32 === 10.10.1.0/24" 1
# both IKE_AUTH messages carry a 2048-bit certificate: fragmented both ways (RFC 7383)
check "splitting IKE message" 1
check "reassembled fragmented IKE message" 1

# IKEv1: we initiate (Main Mode, Quick Mode), rekey both, check liveness, delete
ip netns exec $nsa "$peer" 192.0.2.1 192.0.2.2 "v1:$psk" ping rekey-child ping rekey-ike ping dpd delete-child \
	delete >"$dir/v1.log" 2>&1
rc=$?
grep -v '^  log:' "$dir/v1.log"
[ $rc = 0 ] || { echo "FAIL: ike_live_peer (IKEv1) exited with $rc"; fail=1; }
check "IKE_SA b-a-v1\[[0-9]*\] established" 2
check "CHILD_SA net1{[0-9]*} established" 2
check "detected reauth of existing IKE_SA, adopting 1 children" 1
check "received DELETE for IKE_SA b-a-v1" 2
check "received DELETE for ESP CHILD_SA" 4
# 3DES/SHA1 in phase 1 (the 24-byte key needs Appendix B expansion of the 20-byte SKEYID_e),
# AES-CBC-256/HMAC-SHA1-96 ESP
ip netns exec $nsa "$peer" 192.0.2.1 192.0.2.2 "v1des:$psk" ping delete >"$dir/v1des.log" 2>&1
rc=$?
grep -v '^  log:' "$dir/v1des.log"
[ $rc = 0 ] || { echo "FAIL: ike_live_peer (IKEv1, 3DES) exited with $rc"; fail=1; }
check "selected proposal: IKE:3DES_CBC/HMAC_SHA1_96/PRF_HMAC_SHA1/MODP_1024" 1
check "selected proposal: ESP:AES_CBC_256/HMAC_SHA1_96" 1
# the phase-1 encryption key of the three ISAKMP SAs against charon's "encryption key Ka" dumps
cat "$dir/v1.log" "$dir/v1des.log" | grep 'ikev1_decryption_table:' | sed 's/.*ikev1_decryption_table: //' |
	cut -d, -f2 >"$dir/ours1"
awk '/encryption key Ka/ {if (s != "") print tolower(s); s = ""; grab = 1; next}
	grab && /\[IKE\] +[0-9]+: / {for (i = 3; i <= 18 && i <= NF; i++) if ($i ~ /^[0-9A-Fa-f][0-9A-Fa-f]$/) s = s $i; next}
	{grab = 0}
	END {if (s != "") print tolower(s)}' "$dir/charon.log" >"$dir/theirs1"
if [ "$(grep -c . "$dir/ours1")" = 3 ] && cmp -s "$dir/ours1" "$dir/theirs1"; then
	echo "ok: the IKEv1 encryption key of all three ISAKMP SAs agrees with charon's:"
	cat "$dir/ours1"
else
	echo "FAIL: IKEv1 Ka ours:"
	cat "$dir/ours1"
	echo "charon's:"
	cat "$dir/theirs1"
	fail=1
fi
# IKEv1 the other way round: charon initiates, rekeys the quick-mode SA (it deletes the old one
# some seconds later) and the ISAKMP SA (a new Main Mode whose SA adopts the CHILD SA here), then
# terminates
ip netns exec $nsa "$peer" 192.0.2.1 192.0.2.2 "v1:$psk" --respond wait-up wait-child-rekey wait-ike-rekey \
	wait-down >"$dir/resp.log" 2>&1 &
resp_pid=$!
sleep 0.3
swanctl --initiate --ike b-a-v1 --child net1 --timeout 10 --uri "$vici" >"$dir/sw9.log" 2>&1
waitfor wait-up
swanctl --rekey --child net1 --uri "$vici" >"$dir/sw10.log" 2>&1
waitfor wait-child-rekey
swanctl --rekey --ike b-a-v1 --uri "$vici" >"$dir/sw11.log" 2>&1
waitfor wait-ike-rekey
swanctl --terminate --ike b-a-v1 --timeout 10 --uri "$vici" >"$dir/sw12.log" 2>&1
waitfor wait-down
wait $resp_pid || { echo "FAIL: IKEv1 responder exited with $?"; fail=1; }
grep -v '^  log:' "$dir/resp.log"
check "initiating Main Mode IKE_SA b-a-v1" 2
check "IKE_SA b-a-v1\[[0-9]*\] established" 4
check "CHILD_SA net1{[0-9]*} established" 4

[ $fail = 0 ] || {
	echo "--- charon.log"
	cat "$dir/charon.log"
	echo "--- peer.log"
	cat "$dir/peer.log"
	echo "--- resp.log"
	cat "$dir/resp.log"
}
exit $fail
