#!/usr/bin/env bash
# The trust daemon (`mpwifi daemon`): classification of veth, tun and emulated WiFi (open, WPA2-PSK, and
# WPA2-Enterprise when hostapd's EAP server works here), manual levels against automatic ones,
# endpoint-min-trust, and a new subflow over a trusted link that comes back.
#
# With a module that implements the trust commands (kernel/*.c has TRUST_SET and kernel/mpwifi.ko is
# built) levels are read back with `mpwifi trust show`; otherwise the daemon runs with --no-module and its
# log is read, and the parts that need the module are reported as skipped.
. "$(dirname "$0")/lib.sh"

out=${MPWIFI_VM_OUT:-/tmp}/trust-agent
mkdir -p "$out"
daemons=()
cleanup() {
	local pid
	for pid in "${daemons[@]}"; do kill "$pid" 2>/dev/null || true; done
	ip netns del tt 2>/dev/null || true
	ip netns del tp 2>/dev/null || true
}
trap 'cleanup; finish $?' EXIT
skip() { log "skip  $*"; }

with_module=0
if grep -q TRUST_SET "$REPO"/kernel/*.c 2>/dev/null && [ -f "$MODULE" ]; then
	with_module=1
	module_load
fi
log "# trust commands in the module: $with_module"
mode_args=()
[ "$with_module" = 1 ] || mode_args=(--no-module)

# wait_until SECONDS COMMAND...: poll COMMAND every 0.1 s
wait_until() {
	local deadline=$((SECONDS + $1))
	shift
	until "$@"; do
		[ "$SECONDS" -lt "$deadline" ] || return 1
		sleep 0.1
	done
}

# start_daemon NS LOG ARGS...: the daemon in NS, logging to LOG; waits until it runs
start_daemon() {
	local ns=$1 logfile=$2
	shift 2
	ip netns exec "$ns" "$MPWIFI" daemon --verbose "${mode_args[@]}" "$@" >"$logfile" 2>&1 &
	daemons+=($!)
	wait_until 20 grep -q 'mpwifi daemon: running' "$logfile"
}

# level NS LOG IFACE: the interface's level, from the module or from the daemon's last word on it
level() {
	if [ "$with_module" = 1 ]; then
		ip netns exec "$1" "$MPWIFI" -j trust show "$3" |
			python3 -c 'import json,sys; r=json.load(sys.stdin); print(r[0]["level"] if r else "")'
	else
		sed -n "s/^mpwifi daemon: $3: \(trusted\|untrusted\) .*/\1/p" "$2" | tail -n 1
	fi
}
level_is() { [ "$(level "$1" "$2" "$3")" = "$4" ]; }
# expect_level NS LOG IFACE LEVEL: within 5 s
expect_level() { wait_until 5 level_is "$@" || { log "      $3: '$(level "$1" "$2" "$3")', expected '$4'"; return 1; }; }
reason_has() { grep -q "^mpwifi daemon: $2: $3 (.*$4" "$1"; }

# ---------------------------------------------------------------------------------------------------------
# Wired paths: tt (the host under test) and tp (its peer), two veth pairs and a tun device.
ip netns add tt
ip netns add tp
ip -n tt link add veth-a type veth peer name veth-a-p netns tp
ip -n tt link add veth-b type veth peer name veth-b-p netns tp
modprobe tun 2>/dev/null || true
[ -c /dev/net/tun ] || { mkdir -p /dev/net && mknod /dev/net/tun c 10 200; }
ip -n tt tuntap add dev tun0 mode tun
ip -n tt addr add 192.168.10.1/24 dev veth-a
ip -n tt addr add 192.168.20.1/24 dev veth-b
ip -n tt addr add 10.77.0.1/24 dev tun0
ip -n tp addr add 192.168.10.2/24 dev veth-a-p
ip -n tp addr add 192.168.20.2/24 dev veth-b-p
for ns in tt tp; do
	ip -n $ns link set lo up
	ip netns exec $ns sysctl -qw net.mptcp.enabled=1
	ip -n $ns mptcp limits set subflows 8 add_addr_accepted 8
done
ip -n tt link set veth-a up
ip -n tt link set veth-b up
ip -n tt link set tun0 up
ip -n tp link set veth-a-p up
ip -n tp link set veth-b-p up
# An endpoint on the untrusted path, for endpoint-min-trust to take away.
ip -n tt mptcp endpoint add 192.168.20.1 dev veth-b subflow
wait_until 5 ip netns exec tt ping -c1 -W1 192.168.10.2 >/dev/null
wait_until 5 ip netns exec tt ping -c1 -W1 192.168.20.2 >/dev/null

wlog=$out/daemon-wired.log
check "daemon starts" start_daemon tt "$wlog" --override iface:veth-b=untrusted --endpoint-min-trust trusted
check "veth: wired ethernet, trusted" expect_level tt "$wlog" veth-a trusted
check "... with its reason in the log" reason_has "$wlog" veth-a trusted 'wired ethernet (veth)'
check "veth with an override: untrusted" expect_level tt "$wlog" veth-b untrusted
check "... with its reason in the log" reason_has "$wlog" veth-b untrusted 'override iface:veth-b=untrusted'
check "tun: VPN, trusted" expect_level tt "$wlog" tun0 trusted
check "loopback: trusted" expect_level tt "$wlog" lo trusted

endpoints() { ip -n tt mptcp endpoint show; }
has_endpoint() { endpoints | grep -q "^$1 "; }
check "endpoint-min-trust trusted: the untrusted path's endpoint is removed" wait_until 5 sh -c "! ip -n tt mptcp endpoint show | grep -q '^192.168.20.1 '"
check "trusted-endpoints: the trusted veth got a subflow endpoint" wait_until 5 has_endpoint 192.168.10.1
check "... bound to its interface" sh -c "ip -n tt mptcp endpoint show | grep '^192.168.10.1 ' | grep -q 'dev veth-a'"

# One MPTCP connection: first subflow over veth-b (routing), a second one from the veth-a endpoint.
cat >"$out/mptcp.py" <<'PY'
import socket, sys, time
IPPROTO_MPTCP = 262
mode = sys.argv[1]
proto = socket.IPPROTO_TCP if mode.startswith("plain") else IPPROTO_MPTCP
port = 5556 if mode.startswith("plain") else 5555
if mode.endswith("server"):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM, proto)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("0.0.0.0", port)); s.listen(1)
    c, _ = s.accept()
    while c.recv(65536):
        pass
else:
    c = socket.socket(socket.AF_INET, socket.SOCK_STREAM, proto)
    if len(sys.argv) > 4:
        c.bind((sys.argv[4], 0))
    c.connect((sys.argv[2], port))
    end = time.time() + float(sys.argv[3])
    while time.time() < end:
        c.send(b"x" * 4096)
        time.sleep(0.02)
PY
ip netns exec tp python3 "$out/mptcp.py" server &
daemons+=($!)
sleep 0.5
ip netns exec tt python3 "$out/mptcp.py" client 192.168.20.2 60 &
daemons+=($!)
# A plain TCP connection over the trusted veth, which must survive its link going down.
ip netns exec tp python3 "$out/mptcp.py" plainserver &
daemons+=($!)
sleep 0.5
ip netns exec tt python3 "$out/mptcp.py" plainclient 192.168.10.2 60 192.168.10.1 &
daemons+=($!)
plain_alive() { ip netns exec tt ss -tnH state established '( dport = :5556 )' | grep -q 192.168.10.1; }
subflows_from() { ip netns exec tt ss -tniH state established src "$1" | grep -c 'tcp-ulp-mptcp' || true; }
has_subflow() { [ "$(subflows_from 192.168.10.1)" -ge 1 ]; }
no_subflow() { [ "$(subflows_from 192.168.10.1)" -eq 0 ]; }
check "MPTCP connection has a subflow over the trusted veth" wait_until 10 has_subflow

check "a plain TCP connection over the trusted veth" wait_until 5 plain_alive
ip -n tt link set veth-a down
check "trusted link down: its subflow is aborted" wait_until 3 no_subflow
check "... and the daemon says so" wait_until 3 grep -q 'veth-a: link lost: aborted [1-9]' "$wlog"
sleep 1
start=$(date +%s.%N)
ip -n tt link set veth-a up
if wait_until 3 has_subflow; then
	took=$(python3 -c "import sys; print(round($(date +%s.%N) - $start, 2))")
	check "trusted link back: a new subflow over it within 3 s (${took} s)" true
else
	check "trusted link back: a new subflow over it within 3 s" false
	ip netns exec tt ss -tniM >&2 || true
fi
check "... the endpoint was re-added" grep -q 'veth-a: link back: re-added endpoint' "$wlog"
check "the plain TCP connection over it was not aborted" plain_alive

if [ "$with_module" = 1 ]; then
	ip netns exec tt "$MPWIFI" trust set veth-a untrusted
	check "manual untrusted wins" expect_level tt "$wlog" veth-a untrusted
	check "... the daemon notes it once" wait_until 3 grep -q 'veth-a: a manual setting wins' "$wlog"
	check "... source manual" sh -c "ip netns exec tt '$MPWIFI' -j trust show veth-a | grep -q '\"source\":\"manual\"'"
	ip netns exec tt "$MPWIFI" trust set veth-a auto
	check "trust set auto: the daemon re-applies trusted within 1 s" wait_until 1 level_is tt "$wlog" veth-a trusted
	check "... as source auto" sh -c "ip netns exec tt '$MPWIFI' -j trust show veth-a | grep -q '\"source\":\"auto\"'"
	ip netns exec tt "$MPWIFI" trust set veth-b trusted
	check "endpoint-min-trust: the endpoint comes back when the level rises" wait_until 3 has_endpoint 192.168.20.1
	ip netns exec tt "$MPWIFI" trust set veth-b auto
	check "... and goes when it falls again" wait_until 3 sh -c "! ip -n tt mptcp endpoint show | grep -q '^192.168.20.1 '"
else
	skip "manual level against the daemon, trust set auto, level-driven endpoint restore: the module lacks trust"
fi

kill "${daemons[0]}"
check "daemon stops on SIGTERM" wait_until 5 grep -q 'stopping' "$wlog"
check "... and puts back the endpoints it removed" wait_until 3 has_endpoint 192.168.20.1
check "bad option: exit 2, nothing changed" sh -c "ip netns exec tt '$MPWIFI' daemon --endpoint-min-trust maybe 2>/dev/null; [ \$? -eq 2 ]"
printf 'bogus = 1\n' >"$out/bad.conf"
check "unknown config key: exit 2" sh -c "ip netns exec tt '$MPWIFI' daemon --config '$out/bad.conf' 2>/dev/null; [ \$? -eq 2 ]"
cleanup
daemons=()

# ---------------------------------------------------------------------------------------------------------
# WiFi: sta1 on an open AP, sta2 on a WPA2-PSK AP.
topo_up --aps 2 --stations 2 --ap-security 1:open --ap-security 2:wpa2 --no-mptcp
# One directory with both stations' control sockets, as /run/wpa_supplicant would be.
ctrl=/run/trust-agent-wpa
mkdir -p "$ctrl"
ln -sf "$STA1_WPA_CTRL/sta1" "$ctrl/sta1"
ln -sf "$STA2_WPA_CTRL/sta2" "$ctrl/sta2"

flog=$out/daemon-wifi.log
check "daemon starts (wpa_supplicant)" start_daemon cli "$flog" --wpa-ctrl-dir "$ctrl"
check "open AP: untrusted" expect_level cli "$flog" sta1 untrusted
check "... open, from wpa_supplicant" reason_has "$flog" sta1 untrusted 'open (wpa_supplicant)'
check "WPA2-PSK AP: untrusted by default" expect_level cli "$flog" sta2 untrusted
check "... personal, from wpa_supplicant" reason_has "$flog" sta2 untrusted 'WPA2/WPA3-Personal (shared key) (wpa_supplicant)'
kill "${daemons[-1]}"
wait "${daemons[-1]}" 2>/dev/null || true

plog=$out/daemon-wifi-personal.log
check "daemon starts (--personal-trusted, nl80211 only)" start_daemon cli "$plog" --personal-trusted --wpa-ctrl-dir /nonexistent
check "WPA2-PSK AP with personal-trusted: trusted" expect_level cli "$plog" sta2 trusted
check "... learnt from the RSN element (nl80211)" reason_has "$plog" sta2 trusted 'personal-trusted (nl80211)'
check "open AP stays untrusted" expect_level cli "$plog" sta1 untrusted
check "... open, from nl80211" reason_has "$plog" sta1 untrusted 'open (nl80211)'
# Disconnect: the daemon follows the MLME event.
ip netns exec cli wpa_cli -p "$STA2_WPA_CTRL" -i sta2 disconnect >/dev/null
check "disassociated: untrusted" expect_level cli "$plog" sta2 untrusted
ip netns exec cli wpa_cli -p "$STA2_WPA_CTRL" -i sta2 reconnect >/dev/null
check "reassociated: trusted again" wait_until 20 level_is cli "$plog" sta2 trusted
kill "${daemons[-1]}"
wait "${daemons[-1]}" 2>/dev/null || true

# WPA2-Enterprise through hostapd's internal EAP server (EAP-PSK: no certificates), on AP 2.
eap_dir=$TOPO_DIR/eap
mkdir -p "$eap_dir"
printf '"mpwifi-user" PSK 000102030405060708090a0b0c0d0e0f\n' >"$eap_dir/eap_user"
kill "$AP2_HOSTAPD_PID" 2>/dev/null || true
sed -e '/^wpa_key_mgmt=/d' -e '/^wpa_passphrase=/d' -e "s#^ctrl_interface=.*#ctrl_interface=$eap_dir/ctrl#" \
	"$AP2_HOSTAPD_CONF" >"$eap_dir/hostapd.conf"
printf 'wpa_key_mgmt=WPA-EAP\nieee8021x=1\neap_server=1\neap_user_file=%s\n' "$eap_dir/eap_user" >>"$eap_dir/hostapd.conf"
sleep 0.5
enterprise=0
if ip netns exec "$AP2_NS" hostapd -B -t -f "$eap_dir/hostapd.log" "$eap_dir/hostapd.conf" &&
	wait_until 10 grep -q AP-ENABLED "$eap_dir/hostapd.log"; then
	cat >"$eap_dir/wpa.conf" <<-CONF
		ctrl_interface=$eap_dir/sta
		network={
		 ssid="$STA2_SSID"
		 scan_freq=$STA2_FREQ
		 key_mgmt=WPA-EAP
		 eap=PSK
		 identity="mpwifi-user"
		 password=000102030405060708090a0b0c0d0e0f
		}
	CONF
	kill "$STA2_WPA_PID" 2>/dev/null || true
	sleep 0.5
	ip netns exec cli wpa_supplicant -B -t -D nl80211 -i sta2 -c "$eap_dir/wpa.conf" -f "$eap_dir/wpa.log" &&
		wait_until 20 grep -q CTRL-EVENT-CONNECTED "$eap_dir/wpa.log" && enterprise=1
fi
if [ "$enterprise" = 1 ]; then
	ln -sf "$eap_dir/sta/sta2" "$ctrl/sta2"
	elog=$out/daemon-wifi-enterprise.log
	check "daemon starts (enterprise)" start_daemon cli "$elog" --wpa-ctrl-dir "$ctrl"
	check "WPA2-Enterprise AP: trusted" expect_level cli "$elog" sta2 trusted
	check "... enterprise, from wpa_supplicant" reason_has "$elog" sta2 trusted 'WPA2/WPA3-Enterprise (wpa_supplicant)'
	kill "${daemons[-1]}"
	wait "${daemons[-1]}" 2>/dev/null || true
	elog2=$out/daemon-wifi-enterprise-nl80211.log
	check "daemon starts (enterprise, nl80211 only)" start_daemon cli "$elog2" --wpa-ctrl-dir /nonexistent
	check "WPA2-Enterprise from the RSN element: trusted" expect_level cli "$elog2" sta2 trusted
else
	skip "WPA2-Enterprise: hostapd's EAP server or EAP-PSK did not work here (logs: $eap_dir)"
	tail -n 5 "$eap_dir"/*.log >&2 2>/dev/null || true
fi
