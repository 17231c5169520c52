#!/usr/bin/env bash
# make demo (runs inside the VM): two emulated APs on one channel, carried by
# airsim (a near AP and a far one, tools/airsim/examples/demo-two-aps.json, at
# 6-18 Mbit/s where the emulator keeps up with the air), a
# client associated with both, an MPTCP download over both, and the module's
# per-AP figures refreshed every second, then a summary that sets the module's
# last window beside airsim's ground truth for the same interval.
set -eu
repo=$(cd "$(dirname "$0")/.." && pwd -P)
mpwifi=$repo/build/agent/mpwifi
seconds=${MPWIFI_DEMO_SECONDS:-15}

cleanup() { "$repo/tools/vm/topology" down >/dev/null 2>&1 || true; rmmod mpwifi 2>/dev/null || true; }
trap cleanup EXIT

insmod "$repo/build/modules/$(uname -r)/mpwifi.ko"
echo "== mpwifi loaded; building the emulated world: 2 APs on channel 1 through airsim, one client on both"
echo "   ap1 is 8 m from the client, ap2 64 m (log-distance path loss, NIST OFDM error model);"
echo "   802.11g rates 6, 12 and 18 Mbit/s only, so that the air, not the emulator, is the bottleneck"
"$repo/tools/vm/topology" up --aps 2 --stations 2 --channel 1 --rates "6 12 18" \
	--airsim "$repo/tools/airsim/examples/demo-two-aps.json" >/dev/null
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
python3 - "$d1" "$d2" "$TOPO_AIRSIM_TRUTH" <<'PY'
import json, sys
r = json.load(open("/tmp/iperf3.json"))["end"]["sum_received"]
d1, d2 = int(sys.argv[1]), int(sys.argv[2])
truth = [json.loads(line) for line in open(sys.argv[3])]
frames = [t for t in truth if t.get("kind") == "data" and not t["queue_drop"]]
stats = [t["stats"] for t in truth if "stats" in t]
print(f"   download: {r['bits_per_second'] / 1e6:.1f} Mbit/s over {r['seconds']:.0f} s")
total = max(d1 + d2, 1)
print(f"   share of bytes received: sta1 {100 * d1 / total:.0f}%, sta2 {100 * d2 / total:.0f}%")
print("   last window under load:")
for ap in json.load(open("/tmp/aps.json")):
    t = ap["packet_time_us"]
    print(f"     {ap['ifname']} via {ap['bssid']}: {ap['first_try'] + ap['retried']} data frames seen, "
          f"delivery {ap['delivery_prob']}, rx rate {(ap['bitrate_kbps'] or 0) / 1000:.1f} Mbit/s ({ap['phy']}), "
          f"packet time {t if t is None else f'{t:.1f}'} us")
    ap_name, sta_name = "ap" + ap["ifname"][3:], ap["ifname"]
    same = [f for f in frames if f["from"] == ap_name and f["to"] == sta_name
            and ap["window_start_ns"] <= f["t_ns"] < ap["window_end_ns"]]
    if same:
        ok = sum(f["first_ok"] for f in same)
        got = sum(f["received"] for f in same)
        air = sum(f["airtime_us"] for f in same) / max(got, 1)
        print(f"       airsim truth, same interval: {len(same)} frames, first-try success {ok / len(same):.3f}, "
              f"airtime per delivered frame {air:.1f} us")
if stats:
    s = max(stats, key=lambda s: s["frames_per_s"])
    busy = ", ".join(f"{busy}% at {freq} MHz" for freq, busy in s["busy_pct"].items())
    print(f"   airsim, busiest 5 s: {s['frames_per_s']:.0f} frames/s, air busy {busy}; "
          f"in all: {s['queue_drops']} queue drops, {s['retry_drops']} frames dropped after every retry")
PY
