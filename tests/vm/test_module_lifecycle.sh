#!/usr/bin/env bash
# The module's life around traffic: loaded before mac80211 exists, reloaded
# repeatedly under an MPTCP download that ECN steering marks (ap1 pinned to
# HT MCS 0 against ap2's MCS 7, ECN on), mac80211 removed and brought back under
# it, interfaces deleted while tracked; the kernel log stays clean and
# counting resumes each time.
. "$(dirname "$0")/lib.sh"
trap 'finish $?' EXIT

check "mac80211 not loaded yet" sh -c '! grep -q "^mac80211 " /proc/modules'
module_load
check "rx hook detached without mac80211" equals \
	"$("$MPWIFI" -j config show | python3 -c 'import json,sys; print(json.load(sys.stdin)["rx_hook"])')" False
topo_up --aps 2 --stations 2 --channel 1 --rates "6 54"
ip netns exec ap1 iw dev wlan-ap1 set bitrates legacy-2.4 6 ht-mcs-2.4 0
ip netns exec ap2 iw dev wlan-ap2 set bitrates legacy-2.4 54 ht-mcs-2.4 7
for ns in "$TOPO_CLI_NS" "$TOPO_SRV_NS"; do ip netns exec "$ns" sysctl -qw net.ipv4.tcp_ecn=1; done
check "rx hook attached once mac80211 is live" equals \
	"$("$MPWIFI" -j config show | python3 -c 'import json,sys; print(json.load(sys.stdin)["rx_hook"])')" True

frames() { ap_json | python3 -c 'import json,sys; print(sum(r["first_try"] + r["retried"] for r in json.load(sys.stdin)))'; }

ip netns exec "$TOPO_SRV_NS" mptcpize run iperf3 -s -D
in_cli mptcpize run iperf3 -c "$TOPO_SERVER_IP" -R -t 300 >/dev/null 2>&1 &
client=$!
sleep 3
# 30 reloads: with the probe on the ftrace site itself, 60 reloads under
# traffic crashed 6.1 every time (see kernel/rx_observer.c).
for round in $(seq 1 30); do
	module_unload
	module_load
	if [ $((round % 6)) -eq 0 ]; then
		sleep 1
		check "reload $round under traffic: counting again" test "$(frames)" -gt 0
	fi
done
sleep 2
check "reloaded under traffic: marking the slow AP's subflow" test "$(ap_field sta1 marked)" -gt 0
check "download still running after reloads" kill -0 "$client"

# With kprobe optimisation off the handler always runs from the breakpoint
# (NMI context): APs are then added by the deferred work item.
sysctl -qw debug.kprobes-optimization=0
module_unload
module_load
sleep 2
check "probe runs from the breakpoint" sh -c \
	'grep -q "ieee80211_rx_list" /sys/kernel/debug/kprobes/list && ! grep -q OPTIMIZED /sys/kernel/debug/kprobes/list'
check "breakpoint-only probe: APs added and counting" test "$(frames)" -gt 0
check "breakpoint-only probe: both APs tracked" equals \
	"$(ap_json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')" 2
sysctl -qw debug.kprobes-optimization=1

# Delete a tracked interface under traffic: its entries go, the other stays.
in_cli iw dev sta2 del
sleep 1
check "deleted interface dropped" equals "$(ap_json | python3 -c 'import json,sys; print(sorted(r["ifname"] for r in json.load(sys.stdin)))')" "['sta1']"

# Remove mac80211 entirely while loaded, then bring a world back.
kill "$client" 2>/dev/null || true
wait "$client" 2>/dev/null || true
"$TOPOLOGY" down
rmmod mac80211 2>/dev/null || true
check "mac80211 gone" sh -c '! grep -q "^mac80211 " /proc/modules'
topo_up --aps 1 --stations 1 --channel 1
in_cli ping -c 20 -i 0.05 -q "$AP1_IP" >/dev/null
check "counting after mac80211 came back" test "$(frames)" -gt 0
module_unload
check "unloaded" sh -c '! grep -q "^mpwifi " /proc/modules'
