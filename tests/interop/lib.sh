# tests/interop/lib.sh: shared by the interop tests (sourced): network namespaces joined by a
# veth pair, `vpnsim live` in one, strongSwan's charon (kernel-libipsec: user-space ESP in UDP)
# or a second `vpnsim live` in the other, and checks that print ok/FAIL lines.
#
# Namespace A (192.0.2.1) runs vpnsim live; namespace B (192.0.2.2) runs the peer. B's lo holds
# 10.10.2.1/32 (an address of the site behind charon, tests/interop/gateway.ini) and
# 10.1.0.4/32 (an address of the VNet behind charon playing Azure, tests/interop/device.ini).
# charon's routes into its TUN device are set by hand (install_routes = no): its selectors
# are any-to-any, as Azure's route-based gateways want them.

top_srcdir=${top_srcdir:-.}
top_builddir=${top_builddir:-.}
VPNSIM=$(cd "$top_builddir" && pwd)/vpnsim
IDIR=$(cd "$top_srcdir/tests/interop" && pwd)
CHARON=/usr/lib/ipsec/charon
PSK=interop-psk-0123456789
tag=li$$
nsa=${tag}a
nsb=${tag}b
dir=$(mktemp -d /tmp/vpnsim-interop.XXXXXX) || exit 99
fail=0
charon_pid=
live_pids=
declare -A live_name # pid -> the NAME given to live_start
t_start=$(date +%s.%N)

# skip REASON: exit 77 (automake's SKIP), loudly; with VPNSIM_INTEROP_REQUIRED=1 (CI on a machine
# that passed its preflight) a skip is a hard failure instead: exit 99 with the reason
skip() {
	echo "=============================================================="
	if [ "${VPNSIM_INTEROP_REQUIRED:-0}" = 1 ]; then
		echo "FAIL: VPNSIM_INTEROP_REQUIRED=1, but the interop suite would skip: $*"
		echo "=============================================================="
		exit 99
	fi
	echo "SKIP: $*"
	echo "=============================================================="
	exit 77
}

ok() { echo "ok: $*"; }
bad() {
	echo "FAIL: $*"
	fail=1
}
elapsed() { awk -v a="$t_start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }'; }

# need_root: skips (77; 99 when required) unless we can make namespaces
need_root() {
	[ "$(id -u)" = 0 ] || skip "the interop suite needs root (network namespaces, UDP 500/4500, TUN)"
	command -v ip >/dev/null || skip "the interop suite needs iproute2 (ip netns)"
	[ -x "$VPNSIM" ] || skip "no vpnsim program at $VPNSIM"
}

# need_charon: skips (77; 99 when required) without strongSwan's charon with kernel-libipsec
need_charon() {
	if ! [ -x "$CHARON" ] || ! command -v swanctl >/dev/null ||
		! [ -e /usr/lib/ipsec/plugins/libstrongswan-kernel-libipsec.so ] || ! [ -e /dev/net/tun ]; then
		skip "needs strongSwan's charon with kernel-libipsec and /dev/net/tun (apt-get install strongswan-charon strongswan-swanctl libcharon-extra-plugins libstrongswan-standard-plugins)"
	fi
}

cleanup() {
	for p in $live_pids; do
		kill -0 "$p" 2>/dev/null && kill -KILL "$p" 2>/dev/null
	done
	charon_stop
	ip netns del "$nsa" 2>/dev/null
	ip netns del "$nsb" 2>/dev/null
	if [ "$fail" = 0 ] && [ -z "$KEEP_INTEROP_DIR" ]; then rm -rf "$dir"; else echo "(files kept in $dir)"; fi
}

netns_setup() {
	trap cleanup EXIT
	ip netns add "$nsa" 2>/dev/null || skip "cannot create network namespaces (ip netns add failed)"
	ip netns add "$nsb" || skip "cannot create network namespaces"
	for n in $nsa $nsb; do
		ip netns exec "$n" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
		ip -n "$n" link set lo up
	done
	ip link add ${tag}x type veth peer name ${tag}y || skip "cannot create a veth pair"
	ip link set ${tag}x netns "$nsa"
	ip link set ${tag}y netns "$nsb"
	ip -n "$nsa" addr add 192.0.2.1/24 dev ${tag}x
	ip -n "$nsb" addr add 192.0.2.2/24 dev ${tag}y
	ip -n "$nsa" link set ${tag}x up
	ip -n "$nsb" link set ${tag}y up
	ip -n "$nsb" addr add 10.10.2.1/32 dev lo
	ip -n "$nsb" addr add 10.1.0.4/32 dev lo
}

# ---- vpnsim live ----

# live_start NAME NETNS ARGS...: starts `vpnsim live ARGS` in NETNS (stderr to $dir/NAME.log,
# stdout to $dir/NAME.out); sets live_pid. VALGRIND=1 runs it under memcheck.
live_start() {
	local name=$1 ns=$2
	shift 2
	local pre=
	# GLib's signal worker thread lives as long as the process: its TLS block is "possibly lost"
	[ -n "$VALGRIND" ] && pre="valgrind --leak-check=full --errors-for-leak-kinds=definite,indirect --error-exitcode=3 --log-file=$dir/$name.vg"
	ip netns exec "$ns" $pre "$VPNSIM" live "$@" >"$dir/$name.out" 2>"$dir/$name.log" </dev/null &
	live_pid=$!
	live_pids="$live_pids $live_pid"
	live_name[$live_pid]=$name
	wait_for "$dir/$name.log" "listening on" 10 || { bad "$name: vpnsim live did not start"; cat "$dir/$name.log"; }
}

# live_stop PID WHAT: SIGINT, then its exit status must be 0 within 4 s (DELETE + at most 2 s);
# under VALGRIND, memcheck must have found nothing
live_stop() {
	local pid=$1 name=$2 t0 rc
	t0=$(date +%s.%N)
	kill -INT "$pid" 2>/dev/null
	for _ in $(seq 1 80); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
	if kill -0 "$pid" 2>/dev/null; then
		bad "$name: still running 4 s after SIGINT"
		kill -KILL "$pid"
	fi
	wait "$pid"
	rc=$?
	local dt
	dt=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.2f", b - a }')
	if [ "$rc" = 0 ]; then ok "$name: exited 0, ${dt} s after SIGINT"; else bad "$name: exit status $rc after SIGINT"; fi
	if [ -n "$VALGRIND" ]; then
		local vg=$dir/${live_name[$pid]}.vg
		if grep -q "ERROR SUMMARY: 0 errors" "$vg"; then
			ok "$name: valgrind clean"
		else
			bad "$name: valgrind found problems"
			cat "$vg"
		fi
	fi
}

# wait_for FILE PATTERN SECONDS [COUNT]: until PATTERN (grep -E) appears COUNT (1) times
wait_for() {
	local f=$1 pat=$2 secs=$3 count=${4:-1} i
	for i in $(seq 1 $((secs * 20))); do
		local n
		n=$(grep -cE -- "$pat" "$f" 2>/dev/null)
		[ "${n:-0}" -ge "$count" ] && return 0
		sleep 0.05
	done
	return 1
}

# expect FILE PATTERN [COUNT] WHAT: PATTERN (grep -E) at least COUNT times in FILE
expect() {
	local f=$1 pat=$2 count=1
	if [ $# = 4 ]; then count=$3; shift; fi
	local n
	n=$(grep -cE -- "$pat" "$f" 2>/dev/null)
	if [ "${n:-0}" -ge "$count" ]; then ok "$3 ($n x '$pat')"; else bad "$3: '$pat' found ${n:-0} times in $(basename "$f"), expected >= $count"; fi
}

# expect_none FILE PATTERN WHAT
expect_none() {
	if grep -qE -- "$2" "$1" 2>/dev/null; then
		bad "$3: found '$2' in $(basename "$1"):"
		grep -E -- "$2" "$1" | head -5
	else
		ok "$3"
	fi
}

# ---- charon ----

charon_conf() {
	mkdir -p "$dir/run"
	cat >"$dir/strongswan.conf" <<CONF
charon {
	load = random nonce openssl kdf pem pkcs1 x509 pubkey kernel-libipsec kernel-netlink socket-default vici
	port = 500
	port_nat_t = 4500
	install_routes = no
	retransmit_tries = 2
	retransmit_timeout = 1.0
	filelog {
		main {
			path = $dir/charon.log
			append = yes
			flush_line = yes
			ike_name = yes
			default = 1
			ike = 4
			chd = 4
			cfg = 2
			knl = 1
			net = 1
			enc = 1
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
}

vici() { echo "unix://$dir/charon.vici"; }

# charon_sas: what swanctl --list-sas says now, into $dir/sas.txt
charon_sas() { swanctl --list-sas --uri "$(vici)" >"$dir/sas.txt" 2>&1; }

charon_start() {
	charon_conf
	rm -f "$dir/charon.vici" "$dir/run/charon.pid"
	STRONGSWAN_CONF=$dir/strongswan.conf ip netns exec "$nsb" unshare --mount --propagation private \
		sh -c "mount --bind $dir/run /run && exec $CHARON" >"$dir/charon.stdout" 2>&1 </dev/null &
	charon_pid=$!
	for _ in $(seq 1 300); do
		swanctl --stats --uri "$(vici)" >/dev/null 2>&1 && break
		kill -0 $charon_pid 2>/dev/null || { bad "charon exited during startup"; cat "$dir/charon.log"; exit 1; }
		sleep 0.02
	done
	# charon's TUN device: the site's traffic to the VNet and the VNet's to the site
	for _ in $(seq 1 50); do ip -n "$nsb" link show ipsec0 >/dev/null 2>&1 && break; sleep 0.02; done
	ip -n "$nsb" link set ipsec0 up 2>/dev/null
	ip -n "$nsb" route replace 10.1.0.0/16 dev ipsec0 src 10.10.2.1 || bad "route into ipsec0"
	ip -n "$nsb" route replace 10.20.0.0/24 dev ipsec0 src 10.1.0.4 || bad "route into ipsec0"
}

charon_stop() {
	if [ -n "$charon_pid" ] && [ "$(cat /proc/$charon_pid/comm 2>/dev/null)" = charon ]; then
		kill "$charon_pid"
		for _ in $(seq 1 60); do kill -0 "$charon_pid" 2>/dev/null || break; sleep 0.05; done
		kill -KILL "$charon_pid" 2>/dev/null
	fi
	charon_pid=
}

# charon_load NAME IKE_PROPOSALS ESP_PROPOSALS [SECRET [VERSION]]: the connection NAME from
# 192.0.2.2 to 192.0.2.1 (IKE VERSION, default 2), any-to-any selectors, child "net"; loaded
# (replacing the others)
charon_load() {
	local name=$1 ike=$2 esp=$3 secret=${4:-$PSK} version=${5:-2}
	mkdir -p "$dir/sw"
	cat >"$dir/sw/swanctl.conf" <<CONF
connections {
	$name {
		version = $version
		local_addrs = 192.0.2.2
		remote_addrs = 192.0.2.1
		encap = yes
		mobike = no
		proposals = $ike
		local {
			auth = psk
			id = 192.0.2.2
		}
		remote {
			auth = psk
			id = 192.0.2.1
		}
		children {
			net {
				local_ts = 0.0.0.0/0
				remote_ts = 0.0.0.0/0
				esp_proposals = $esp
			}
		}
	}
}
secrets {
	ike-live {
		id-a = 192.0.2.1
		id-b = 192.0.2.2
		secret = "$secret"
	}
}
CONF
	swanctl --load-all --file "$dir/sw/swanctl.conf" --uri "$(vici)" >"$dir/load.log" 2>&1 ||
		{ bad "swanctl --load-all"; cat "$dir/load.log"; }
}

# charon's derived secrets: "LABEL HEX" per dumped key (Sk_ei secret, encryption initiator key, ...)
charon_keys() {
	awk '
	function flush() { if (label != "") print label, tolower(hex); label = ""; hex = "" }
	/ => [0-9]+ bytes @ 0x/ {
		flush()
		l = $0; sub(/ => .*/, "", l); sub(/^.*\] (<[^>]*> )?/, "", l)
		if (l ~ /^(Sk_[a-z]+ secret|(encryption|integrity) (initiator|responder) key|encryption key Ka|SKEYID(_[a-z])?)$/) { gsub(/ /, "_", l); label = l }
		next
	}
	label != "" && /\] (<[^>]*> )? *[0-9]+: / {
		l = $0; sub(/^.*\] (<[^>]*> )? *[0-9]+: /, "", l); l = substr(l, 1, 48); gsub(/ /, "", l); hex = hex l; next
	}
	{ flush() }
	END { flush() }' "$dir/charon.log"
}

finish() {
	echo "($(elapsed) s)"
	if [ "$fail" != 0 ]; then
		for f in "$dir"/*.log "$dir"/*.out; do
			[ -e "$f" ] || continue
			echo "--- $(basename "$f")"
			tail -n 80 "$f"
		done
	fi
	exit $fail
}
