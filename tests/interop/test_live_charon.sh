#!/bin/bash
# test_live_charon.sh: `vpnsim live` against strongSwan's charon 5.9 (kernel-libipsec: user-space
# ESP, always in UDP 4500), each case asserted from both sides (charon's log and swanctl
# --list-sas; vpnsim's log and ping output):
#  1. charon (the site, tests/interop/gateway.ini) initiates IKEv2 PSK with Azure's default IKE
#     proposals to the vpnsim gateway; ESP AES-GCM-256; pings both ways through the tunnel;
#     charon's level-4 key dumps (SK_ei/er/ai/ar, ESP keys) equal vpnsim's --log-keys tables;
#     vpnsim stops on SIGINT: charon logs the DELETE, no SA is left.
#  2. the vpnsim gateway initiates (site initiator = false); ESP AES-CBC-256 + HMAC-SHA-256;
#     pings both ways; the ESP encryption and integrity keys of both directions equal charon's;
#     DELETE on stop.
#  3. vpnsim runs the device (tests/interop/device.ini) and initiates to charon playing Azure;
#     AES-GCM; pings both ways; DELETE on stop.
#  4. IKEv1 (connection ike = IKEv1, set on the command line): charon initiates Main Mode and
#     Quick Mode with Azure's first IKEv1 proposal; pings both ways; charon's IKEv1 encryption
#     key equals the one in vpnsim's ikev1_decryption_table; DELETE on stop (ESP and ISAKMP SA).
. "${top_srcdir:-.}/tests/interop/lib.sh"
need_root
need_charon
command -v ping >/dev/null || skip "needs ping (iputils-ping) for charon's side of the pings"
netns_setup
charon_start
AZURE_IKE="aes256-sha1-modp1024, aes256-sha256-modp1024, aes128-sha1-modp1024, aes128-sha256-modp1024"


# ---- 1: charon initiates, GCM ----
echo "# 1: charon initiates to the vpnsim gateway, Azure's default IKE proposals, ESP AES-GCM-256"
charon_load branch "$AZURE_IKE" aes256gcm16
live_start c1 "$nsa" "$IDIR/gateway.ini" --node azure-gw --ping 10.10.2.1 --count 3 --interval 0.2s \
	--log-keys "$dir/keys1"
swanctl --initiate --child net --timeout 10 --uri "$(vici)" >"$dir/initiate1.log" 2>&1 ||
	bad "swanctl --initiate failed: $(tail -3 "$dir/initiate1.log")"
charon_sas
expect "$dir/sas.txt" "ESTABLISHED, IKEv2" "charon: IKE SA established"
expect "$dir/sas.txt" "AES_CBC-256/HMAC_SHA1_96/PRF_HMAC_SHA1/MODP_1024" "charon: Azure's first default IKE proposal chosen"
expect "$dir/sas.txt" "INSTALLED, TUNNEL-in-UDP, ESP:AES_GCM_16-256" "charon: CHILD SA installed, GCM, in UDP"
wait_for "$dir/c1.log" "CHILD SA up" 5
expect "$dir/c1.log" "ESTABLISHED \(was half-open\).*responder, UDP 4500" "vpnsim: IKE SA established as responder"
expect "$dir/c1.log" "CHILD SA up: .*AES_GCM_16-256.*TS 0.0.0.0/0 === 0.0.0.0/0, UDP-encapsulated" "vpnsim: CHILD SA up, GCM"
if ip netns exec "$nsb" ping -c 3 -i 0.2 -W 1 -I 10.10.2.1 10.1.0.1 >"$dir/ping1.txt" 2>&1; then
	ok "charon side: 3 pings 10.10.2.1 -> 10.1.0.1 (the VNet) answered through the tunnel"
else
	bad "charon side: ping to the VNet: $(tail -2 "$dir/ping1.txt")"
fi
wait_for "$dir/c1.out" "packets transmitted" 5
expect "$dir/c1.out" "^3 packets transmitted, 3 received" "vpnsim side: 3 pings 10.1.0.1 -> 10.10.2.1 (charon's lo) answered"
# keys: charon's dumps against our Wireshark rows
charon_keys >"$dir/charon-keys.txt"
row=$(grep -v '^#' "$dir/keys1/ikev2_decryption_table" | head -1)
IFS=, read -r _ _ ei er _ ai ar _ <<<"$row"
for k in "Sk_ei_secret:$ei" "Sk_er_secret:$er" "Sk_ai_secret:$ai" "Sk_ar_secret:$ar"; do
	label=${k%%:*} ours=$(echo "${k#*:}" | tr -d '"' | tr 'A-F' 'a-f')
	theirs=$(awk -v l="$label" '$1 == l { print $2; exit }' "$dir/charon-keys.txt")
	if [ -n "$ours" ] && [ "$ours" = "$theirs" ]; then ok "key $label agrees with charon's ($ours)"; else bad "key $label: ours '$ours', charon's '$theirs'"; fi
done
# ESP: charon is the initiator; its "encryption initiator key" is the key of its outbound SA,
# which is our inbound one (rows: protocol, src, dst, spi, encryption, key, ...)
esp_in=$(grep '"192.0.2.2","192.0.2.1"' "$dir/keys1/esp_sa" | head -1 | cut -d, -f6 | tr -d '"' | sed 's/^0x//')
esp_out=$(grep '"192.0.2.1","192.0.2.2"' "$dir/keys1/esp_sa" | head -1 | cut -d, -f6 | tr -d '"' | sed 's/^0x//')
ci=$(awk '$1 == "encryption_initiator_key" { print $2; exit }' "$dir/charon-keys.txt")
cr=$(awk '$1 == "encryption_responder_key" { print $2; exit }' "$dir/charon-keys.txt")
if [ -n "$esp_in" ] && [ "$esp_in" = "$ci" ] && [ "$esp_out" = "$cr" ]; then
	ok "ESP keys (key + salt) agree with charon's both ways"
else
	bad "ESP keys: ours in '$esp_in' out '$esp_out', charon's initiator '$ci' responder '$cr'"
fi
live_stop $live_pid "vpnsim (case 1)"
wait_for "$dir/charon.log" "received DELETE for IKE_SA branch" 3 || true
expect "$dir/charon.log" "received DELETE for IKE_SA branch" "charon: vpnsim's DELETE received on SIGINT"
charon_sas
expect_none "$dir/sas.txt" "ESTABLISHED" "charon: no IKE SA left"
expect "$dir/c1.log" "DEAD \(was deleting" "vpnsim: IKE SA deleted before exit"

# ---- 2: the gateway initiates, CBC + SHA-256 ----
echo "# 2: the vpnsim gateway initiates to charon, ESP AES-CBC-256 + HMAC-SHA-256"
charon_load branch "$AZURE_IKE" aes256-sha256
live_start c2 "$nsa" "$IDIR/gateway.ini" --node azure-gw --set site.branch.initiator=false \
	--ping 10.10.2.1 --count 3 --interval 0.2s --log-keys "$dir/keys2"
wait_for "$dir/c2.log" "CHILD SA up" 5 || bad "vpnsim: no CHILD SA within 5 s"
expect "$dir/c2.log" "ESTABLISHED \(was auth-sent\).*initiator, UDP 4500" "vpnsim: IKE SA established as initiator"
expect "$dir/c2.log" "CHILD SA up: .*AES_CBC-256/AUTH_HMAC_SHA2_256_128" "vpnsim: CHILD SA up, AES-CBC-256 + HMAC-SHA-256"
charon_sas
expect "$dir/sas.txt" "INSTALLED, TUNNEL-in-UDP, ESP:AES_CBC-256/HMAC_SHA2_256_128" "charon: CHILD SA installed, CBC/SHA-256"
expect "$dir/charon.log" "IKE_SA branch\[[0-9]+\] established" "charon: IKE SA established as responder"
if ip netns exec "$nsb" ping -c 3 -i 0.2 -W 1 -I 10.10.2.1 10.1.0.9 >"$dir/ping2.txt" 2>&1; then
	ok "charon side: 3 pings to 10.1.0.9 answered"
else
	bad "charon side: ping to the VNet: $(tail -2 "$dir/ping2.txt")"
fi
wait_for "$dir/c2.out" "packets transmitted" 5
expect "$dir/c2.out" "^3 packets transmitted, 3 received" "vpnsim side: 3 pings to 10.10.2.1 answered"
# ESP keys, CBC + HMAC: vpnsim initiated, so charon's "initiator" keys are those of vpnsim's
# outbound SA (192.0.2.1 -> 192.0.2.2) and its "responder" keys those of the inbound one; the
# log holds case 1's (GCM, no integrity keys) too, so the last dump of each label is case 2's
# (rows: protocol, src, dst, spi, encryption, key, authentication, integrity key)
charon_keys >"$dir/charon-keys2.txt"
last_key() { awk -v l="$1" '$1 == l { v = $2 } END { print v }' "$dir/charon-keys2.txt"; }
esp_col() { grep "$1" "$dir/keys2/esp_sa" | tail -1 | cut -d, -f"$2" | tr -d '"' | sed 's/^0x//' | tr 'A-F' 'a-f'; }
for k in "encryption:6" "integrity:8"; do
	what=${k%%:*} col=${k#*:}
	out=$(esp_col '"192.0.2.1","192.0.2.2"' "$col") in=$(esp_col '"192.0.2.2","192.0.2.1"' "$col")
	ci=$(last_key "${what}_initiator_key") cr=$(last_key "${what}_responder_key")
	if [ -n "$out" ] && [ -n "$in" ] && [ "$out" = "$ci" ] && [ "$in" = "$cr" ]; then
		ok "ESP $what keys (CBC + HMAC-SHA-256) agree with charon's both ways ($out, $in)"
	else
		bad "ESP $what keys: ours out '$out' in '$in', charon's initiator '$ci' responder '$cr'"
	fi
done
live_stop $live_pid "vpnsim (case 2)"
wait_for "$dir/charon.log" "received DELETE for IKE_SA branch" 3 2 || true
expect "$dir/charon.log" "received DELETE for IKE_SA branch" 2 "charon: DELETE received"

# ---- 3: vpnsim is the device, charon plays Azure ----
echo "# 3: the vpnsim device initiates to charon playing the Azure gateway, AES-GCM"
charon_load azure "aes256-sha1-modp1024" "aes256gcm16, aes256-sha1"
live_start c3 "$nsa" "$IDIR/device.ini" --node branch --ping 10.1.0.4 --count 3 --interval 0.2s
wait_for "$dir/c3.log" "CHILD SA up" 5 || bad "vpnsim device: no CHILD SA within 5 s"
expect "$dir/c3.log" "ESTABLISHED \(was auth-sent\).*initiator" "vpnsim device: IKE SA established as initiator"
expect "$dir/c3.log" "CHILD SA up: .*AES_GCM_16-256" "vpnsim device: CHILD SA up, GCM"
charon_sas
expect "$dir/sas.txt" "azure: #[0-9]+, ESTABLISHED, IKEv2" "charon (Azure): IKE SA established"
expect "$dir/sas.txt" "INSTALLED, TUNNEL-in-UDP, ESP:AES_GCM_16-256" "charon (Azure): CHILD SA installed"
if ip netns exec "$nsb" ping -c 3 -i 0.2 -W 1 -I 10.1.0.4 10.20.0.1 >"$dir/ping3.txt" 2>&1; then
	ok "charon side: 3 pings from the VNet to the site (10.20.0.1) answered"
else
	bad "charon side: ping to the site: $(tail -2 "$dir/ping3.txt")"
fi
wait_for "$dir/c3.out" "packets transmitted" 5
expect "$dir/c3.out" "^3 packets transmitted, 3 received" "vpnsim device: 3 pings to 10.1.0.4 answered"
live_stop $live_pid "vpnsim device (case 3)"
wait_for "$dir/charon.log" "received DELETE for IKE_SA azure" 3 || true
expect "$dir/charon.log" "received DELETE for IKE_SA azure" "charon (Azure): DELETE received"

# ---- 4: IKEv1 ----
echo "# 4: IKEv1: charon initiates Main Mode to the vpnsim gateway, ESP AES-GCM-256"
charon_load branch "aes256-sha1-modp1024" aes256gcm16 "$PSK" 1
live_start c4 "$nsa" "$IDIR/gateway.ini" --node azure-gw --set connection.branch.ike=IKEv1 \
	--ping 10.10.2.1 --count 3 --interval 0.2s --log-keys "$dir/keys4"
swanctl --initiate --child net --timeout 10 --uri "$(vici)" >"$dir/initiate4.log" 2>&1 ||
	bad "swanctl --initiate (IKEv1) failed: $(tail -3 "$dir/initiate4.log")"
charon_sas
expect "$dir/sas.txt" "branch: #[0-9]+, ESTABLISHED, IKEv1" "charon: IKEv1 ISAKMP SA established"
expect "$dir/sas.txt" "INSTALLED, TUNNEL-in-UDP, ESP:AES_GCM_16-256" "charon: Quick Mode CHILD SA installed, in UDP"
wait_for "$dir/c4.log" "CHILD SA up" 5
expect "$dir/c4.log" "ESTABLISHED \(was half-open\): IKEv1, .*responder, UDP 4500" "vpnsim: IKEv1 SA established as responder"
expect "$dir/c4.log" "CHILD SA up: .*AES_GCM_16-256" "vpnsim: CHILD SA up"
if ip netns exec "$nsb" ping -c 3 -i 0.2 -W 1 -I 10.10.2.1 10.1.0.1 >"$dir/ping4.txt" 2>&1; then
	ok "charon side: 3 pings to the VNet answered (IKEv1 tunnel)"
else
	bad "charon side: ping to the VNet (IKEv1): $(tail -2 "$dir/ping4.txt")"
fi
wait_for "$dir/c4.out" "packets transmitted" 5
expect "$dir/c4.out" "^3 packets transmitted, 3 received" "vpnsim side: 3 pings answered (IKEv1 tunnel)"
ours=$(grep -v '^#' "$dir/keys4/ikev1_decryption_table" 2>/dev/null | head -1 | cut -d, -f2 | tr -d '"' | tr 'A-F' 'a-f')
theirs=$(charon_keys | awk '$1 == "encryption_key_Ka" { print $2 }' | tail -1)
if [ -n "$ours" ] && [ "$ours" = "$theirs" ]; then ok "IKEv1 encryption key agrees with charon's ($ours)"; else bad "IKEv1 key: ours '$ours', charon's '$theirs'"; fi
live_stop $live_pid "vpnsim (case 4, IKEv1)"
# the engine's IKEv1 delete: DELETEs for the ESP SA and for the ISAKMP SA (charon 5.9 acts
# only on the first DELETE payload of an Informational: the engine sends the ISAKMP one alone too)
wait_for "$dir/charon.log" "<branch\|[0-9]+> received DELETE for IKE_SA" 3 3 || true
expect "$dir/charon.log" "<branch\|[0-9]+> received DELETE for ESP CHILD_SA" "charon: vpnsim's IKEv1 DELETE for the CHILD SA"
expect "$dir/charon.log" "<branch\|[0-9]+> received DELETE for IKE_SA" 3 "charon: vpnsim's IKEv1 DELETE for the ISAKMP SA"
charon_sas
expect_none "$dir/sas.txt" "ESTABLISHED" "charon: no IKEv1 SA left"
expect_none "$dir/charon.log" "integrity check failed|verification failed|parsing .* failed|invalid" "charon: no complaints about our messages"
finish
