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
	# the topology's APs run 802.11n, 20 MHz, up to 2 streams (hwsim): 6.5..144.4 Mbit/s
	check "$sta: HT rates" equals "$(field "$live" "$sta" phy)" ht
	check "$sta: mean rate within 6.5..144.4 Mbit/s" \
		within "$(field "$live" "$sta" bitrate_kbps)" 75450 68950
	# p = 0: DIFS 34 + backoff 67.5 + SIFS 16 + ACK 28 (24 Mbit/s) = 145.5 us per attempt, plus the
	# 1538-byte frame: at 6.5 Mbit/s 36 + 475 x 4 = 1936 us (T = 2081.5); at 144.4 Mbit/s with
	# 2 streams and short GI 40 + 24 x 3.6 = 126.4 us (T = 271.9)
	check "$sta: packet time within [271.9, 2081.5] us" \
		within "$(field "$live" "$sta" packet_time_us)" 1176.7 904.8
done
