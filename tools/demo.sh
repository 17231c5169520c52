#!/usr/bin/env bash
# make demo (runs inside the VM): two emulated APs on one channel, a client
# associated with both, an MPTCP download over both, and the module's per-AP
# figures refreshed every second, then a summary.
set -eu
repo=$(cd "$(dirname "$0")/.." && pwd -P)
mpwifi=$repo/build/agent/mpwifi
seconds=${MPWIFI_DEMO_SECONDS:-15}

cleanup() { "$repo/tools/vm/topology" down >/dev/null 2>&1 || true; rmmod mpwifi 2>/dev/null || true; }
trap cleanup EXIT

insmod "$repo/kernel/mpwifi.ko"
echo "== mpwifi loaded; building the emulated world: 2 APs on channel 1, one client on both"
"$repo/tools/vm/topology" up --aps 2 --stations 2 --channel 1 >/dev/null
. /run/mpwifi-topo/env
for k in 1 2; do
	sta=STA${k}_IF bssid=STA${k}_BSSID ip=STA${k}_IP
	echo "   ${!sta} ${!ip} associated with ${!bssid}"
done

rx_bytes() { ip netns exec cli cat /sys/class/net/"$1"/statistics/rx_bytes; }
b1=$(rx_bytes sta1) b2=$(rx_bytes sta2)

echo "== MPTCP download from $TOPO_SERVER_IP for ${seconds}s (iperf3 -R through mptcpize)"
ip netns exec srv mptcpize run iperf3 -s -1 -D
sleep 0.5
ip netns exec cli mptcpize run iperf3 -c "$TOPO_SERVER_IP" -R -t "$seconds" -J >/tmp/iperf3.json &
client=$!
ip netns exec cli "$mpwifi" ap watch --interval 1000 --count $((seconds - 1))
ip netns exec cli "$mpwifi" -j ap show >/tmp/aps.json	# the last window, still under load
wait "$client"

d1=$(( $(rx_bytes sta1) - b1 )) d2=$(( $(rx_bytes sta2) - b2 ))
echo
echo "== summary"
python3 - "$d1" "$d2" <<'PY'
import json, sys
r = json.load(open("/tmp/iperf3.json"))["end"]["sum_received"]
d1, d2 = int(sys.argv[1]), int(sys.argv[2])
print(f"   download: {r['bits_per_second'] / 1e6:.1f} Mbit/s over {r['seconds']:.0f} s")
total = max(d1 + d2, 1)
print(f"   share of bytes received: sta1 {100 * d1 / total:.0f}%, sta2 {100 * d2 / total:.0f}%")
print("   last window under load:")
for ap in json.load(open("/tmp/aps.json")):
    t = ap["packet_time_us"]
    print(f"     {ap['ifname']} via {ap['bssid']}: {ap['first_try'] + ap['retried']} data frames seen, "
          f"delivery {ap['delivery_prob']}, rx rate {(ap['bitrate_kbps'] or 0) / 1000:.1f} Mbit/s ({ap['phy']}), "
          f"packet time {t if t is None else f'{t:.1f}'} us")
PY
