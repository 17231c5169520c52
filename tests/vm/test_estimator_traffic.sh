#!/usr/bin/env bash
# An MPTCP download over two APs: both APs tracked, and the data frames the
# module counted (N0 + N1) match what each station's netdev received.
#
# Counter compared: rx_packets - multicast of the station's netdev over the
# download.  mac80211 delivers every unicast data MPDU from the AP to the
# netdev (open network, no A-MSDU from hwsim, no retries on the kernel
# medium so no duplicates), while the module counts the same MPDUs at rx
# entry.  Tolerance: 1% + 20 frames, for frames in flight when the counters
# are read (the two reads are not atomic) and for multicast frames counted by
# the netdev whose addr1 is not ours.
. "$(dirname "$0")/lib.sh"
trap 'finish $?' EXIT

module_load
topo_up --aps 2 --stations 2 --channel 1

rx_counters() {
	in_cli sh -c "for i in $TOPO_STA_IFS; do
		echo \$i \$(( \$(cat /sys/class/net/\$i/statistics/rx_packets) - \$(cat /sys/class/net/\$i/statistics/multicast) ))
	done"
}
frames_counted() { ap_json | python3 -c '
import json, sys
for r in json.load(sys.stdin): print(r["ifname"], r["first_try"] + r["retried"])'; }

before_dev=$(rx_counters)
before_mod=$(frames_counted)
ip netns exec "$TOPO_SRV_NS" mptcpize run iperf3 -s -1 -D
sleep 1
in_cli mptcpize run iperf3 -c "$TOPO_SERVER_IP" -R -t 10 -J >"$MPWIFI_VM_OUT/iperf3.json" &
client=$!
sleep 6
live=$(ap_json)	# window figures while the download runs
# mac80211's own view of the same moment: the rx rate of the last frame from each AP
declare -A iw_mbps
for sta in $TOPO_STA_IFS; do
	iw_mbps[$sta]=$(in_cli iw dev "$sta" station dump |
		sed -n 's/.*rx bitrate:[[:space:]]*\([0-9.]*\) MBit.*/\1/p')
done
wait "$client"
sleep 1
after_dev=$(rx_counters)
after_mod=$(frames_counted)
mbps=$(python3 -c 'import json,sys; print(round(json.load(open(sys.argv[1]))["end"]["sum_received"]["bits_per_second"]/1e6, 1))' \
	"$MPWIFI_VM_OUT/iperf3.json")
log "download: $mbps Mbit/s"
log "$live"

delta() { # delta NAME BEFORE AFTER
	python3 -c '
import sys
b = dict(l.split() for l in sys.argv[2].splitlines() if l)
a = dict(l.split() for l in sys.argv[3].splitlines() if l)
print(int(a.get(sys.argv[1], 0)) - int(b.get(sys.argv[1], 0)))' "$@"
}

for sta in $TOPO_STA_IFS; do
	dev=$(delta "$sta" "$before_dev" "$after_dev")
	mod=$(delta "$sta" "$before_mod" "$after_mod")
	log "$sta: netdev unicast rx $dev, module N0+N1 $mod"
	check "$sta carried part of the download (> 1000 frames)" test "$mod" -gt 1000
	check "$sta: N0+N1 within 1% + 20 of netdev unicast rx" \
		within "$mod" "$dev" "$(python3 -c "print($dev * 0.01 + 20)")"
	# the kernel medium delivers every frame on its first attempt
	check "$sta: window busy (> 100 frames)" test "$(field "$live" "$sta" window_first_try)" -gt 100
	check "$sta: no retries, no losses" equals \
		"$(field "$live" "$sta" window_retried)/$(field "$live" "$sta" window_lost)" 0/0
	check "$sta: delivery_prob = 1" within "$(field "$live" "$sta" delivery_prob)" 1 1e-9
	# The rate is whatever hwsim's rate control picked (HT MCS, or at times legacy 1 Mbit/s):
	# the window's mean must match mac80211's rx bitrate for the station (steady on this medium).
	mbps=${iw_mbps[$sta]}
	log "$sta: module $(field "$live" "$sta" bitrate_kbps) kbit/s ($(field "$live" "$sta" phy)), iw rx bitrate $mbps Mbit/s"
	check "$sta: mean rx rate matches iw's rx bitrate (5%)" \
		within "$(field "$live" "$sta" bitrate_kbps)" "$(python3 -c "print($mbps * 1000)")" \
		"$(python3 -c "print($mbps * 50)")"
	# p = 0, 1538-byte frame.  Fastest possible here, HT 144.4 Mbit/s (2 streams, short GI):
	# DIFS 34 + backoff 67.5 + (40 + 24 x 3.6) + SIFS 16 + ACK 28 = 271.9 us.  Slowest, DSSS
	# 1 Mbit/s: DIFS 50 + backoff 310 + (192 + 12304) + SIFS 10 + ACK (192 + 112) = 13170 us.
	check "$sta: packet time within [271.9, 13170] us" \
		within "$(field "$live" "$sta" packet_time_us)" 6720.95 6449.05
done

# The faster AP has the shorter packet time (eq. 2.1 falls with the rate at p = 0).
check "faster AP, shorter packet time" python3 -c '
import json, sys
a, b = json.loads(sys.argv[1])[:2]
sys.exit(not ((a["bitrate_kbps"] - b["bitrate_kbps"]) * (a["packet_time_us"] - b["packet_time_us"]) <= 0))' "$live"
