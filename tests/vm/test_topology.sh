#!/usr/bin/env bash
# End-to-end check of the emulated WiFi world: 2 APs + 2 stations associate, and an MPTCP download from the
# server uses both WiFi paths. Runs inside the test VM:
#   tools/vm/run -- tests/vm/test_topology.sh
# Exits non-zero if any check fails; the last line is "N passed, M failed".
# TEST_IPERF_SECONDS sets the length of the download (default 5).
# shellcheck disable=SC2317 # (file-wide) helpers are called through check
set -u

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)
topology=$root/tools/vm/topology
duration=${TEST_IPERF_SECONDS:-5}
min_share=20 # percent of the download each station must carry at least

passed=0
failed=0
check() { # check DESCRIPTION CMD...: runs CMD, counts and reports the result
	local what=$1
	shift
	if "$@"; then
		passed=$((passed + 1))
		echo "PASS: $what"
	else
		failed=$((failed + 1))
		echo "FAIL: $what"
	fi
}
finish() {
	echo "$passed passed, $failed failed"
	[ "$failed" = 0 ]
	exit
}

cli() { ip netns exec cli "$@"; }
srv() { ip netns exec srv "$@"; }
ping_cmd=(ping)
command -v ping >/dev/null || ping_cmd=(busybox ping) # iputils-ping may be missing; same options
ping_server() { cli "${ping_cmd[@]}" -q -c 2 -W 2 -I "$1" "$TOPO_SERVER_IP" >/dev/null; }
associated_to() { cli iw dev "$1" link | grep -qi "^Connected to $2"; } # associated_to IF BSSID
rx_bytes() { cli cat "/sys/class/net/$1/statistics/rx_bytes"; }
nstat_value() { cli nstat -az "$1" | awk -v k="$1" '$1 == k { print $2 }'; } # absolute, per namespace
iperf_listening() { srv ss -Hltn "src $TOPO_SERVER_IP:5201" | grep -q .; }
no_kernel_problems() { ! dmesg | grep -E 'BUG:|WARNING:|Oops|general protection fault'; }

if [ "${MPWIFI_VM:-}" != 1 ]; then
	echo "this test loads kernel modules and must run inside the VM: tools/vm/run -- $0" >&2
	exit 2
fi

trap '"$topology" down >/dev/null 2>&1 || true' EXIT

# --- topology
start=$SECONDS
if ! "$topology" up --aps 2 --stations 2; then
	check "topology up" false
	finish
fi
check "topology up" true
echo "topology up in $((SECONDS - start))s"

# shellcheck disable=SC1091
. /run/mpwifi-topo/env

check "sta1 associated with $STA1_BSSID" associated_to "$STA1_IF" "$STA1_BSSID"
check "sta2 associated with $STA2_BSSID" associated_to "$STA2_IF" "$STA2_BSSID"
check "stations use different APs" [ "$STA1_BSSID" != "$STA2_BSSID" ]
check "ping server from sta1" ping_server "$STA1_IP"
check "ping server from sta2" ping_server "$STA2_IP"
check "no IPv6 addresses on the client" [ -z "$(ip -n cli -6 -o addr show)" ]

# --- MPTCP download
srv mptcpize run iperf3 -s -1 -D -B "$TOPO_SERVER_IP" --logfile /tmp/iperf3-server.log
for _ in $(seq 50); do iperf_listening && break; sleep 0.1; done
check "iperf3 server listening" iperf_listening

before1=$(rx_bytes "$STA1_IF") before2=$(rx_bytes "$STA2_IF")
set -o pipefail
timeout $((duration + 60)) ip netns exec cli mptcpize run \
	iperf3 -c "$TOPO_SERVER_IP" -R -t "$duration" -f m --forceflush 2>&1 | tee /tmp/iperf3-client.log
rc=$?
set +o pipefail
check "iperf3 download finished" [ "$rc" = 0 ]
after1=$(rx_bytes "$STA1_IF") after2=$(rx_bytes "$STA2_IF")

capable=$(nstat_value MPTcpExtMPCapableSYNACKRX)
joined=$(nstat_value MPTcpExtMPJoinSynAckRx)
check "connection is MPTCP (MPCapableSYNACKRX=${capable:-0})" [ "${capable:-0}" -ge 1 ]
check "a second subflow joined (MPJoinSynAckRx=${joined:-0})" [ "${joined:-0}" -ge 1 ]

d1=$((after1 - before1)) d2=$((after2 - before2))
total=$((d1 + d2))
share1=$((total > 0 ? 100 * d1 / total : 0))
share2=$((total > 0 ? 100 * d2 / total : 0))
mbps=$(awk '/receiver/ { for (i = 1; i < NF; i++) if ($(i + 1) == "Mbits/sec") v = $i } END { print v }' \
	/tmp/iperf3-client.log)
echo "rx bytes: sta1 $d1 (${share1}%), sta2 $d2 (${share2}%)"
echo "throughput: ${mbps:-?} Mbit/s (iperf3 receiver, MPTCP over 2 hwsim links)"
check "download moved at least 1 MB" [ "$total" -ge 1000000 ]
check "sta1 carried >= ${min_share}% of the download" [ "$share1" -ge "$min_share" ]
check "sta2 carried >= ${min_share}% of the download" [ "$share2" -ge "$min_share" ]

# --- teardown
trap - EXIT
check "topology down" "$topology" down
check "namespaces removed" [ -z "$(ip netns list)" ]
check "mac80211_hwsim unloaded" [ ! -d /sys/module/mac80211_hwsim ]
check "no kernel BUG/WARNING/Oops in dmesg" no_kernel_problems

finish
