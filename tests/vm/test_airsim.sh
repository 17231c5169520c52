#!/usr/bin/env bash
# airsim as the wireless medium: two APs on one channel, a client on both.
#  (a) association and an MPTCP download work through airsim, both subflows carry data, and airsim's
#      ground truth has frames both ways, retransmissions on the lossy link included;
#  (b) with the loss of ap1 -> sta1 changed through airsim's control socket, the module's delivery_prob
#      for ap1 matches the truth over exactly its window (window_start_ns .. window_end_ns) within
#      +-0.03: the first-attempt success ratio of ap1's data frames to sta1 (tools/airsim/truth.py).
. "$(dirname "$0")/lib.sh"
trap 'finish $?' EXIT
TRUTH_PY=$REPO/tools/airsim/truth.py
out=$MPWIFI_VM_OUT
LOSS_CONFIG=0.3		# ap1 -> sta1 from the start
LOSS_CONTROL=0.5	# ap1 -> sta1 set through the control socket for part (b)
TOLERANCE=0.03

# Radios in the topology's hwsim order (APs, then stations); every pair within a few metres, so every
# radio hears (and defers to) every other.  Only ap1 -> sta1 loses frames; TCP ACKs go back clean.
cat >"$out/airsim-config.json" <<JSON
{
  "seed": 7,
  "radios": [
    {"name": "ap1", "freq_mhz": 2412, "position": [0, 0], "tx_power_dbm": 20, "hwsim_index": 0},
    {"name": "ap2", "freq_mhz": 2412, "position": [4, 0], "tx_power_dbm": 20, "hwsim_index": 1},
    {"name": "sta1", "freq_mhz": 2412, "position": [2, 1], "tx_power_dbm": 20, "hwsim_index": 2},
    {"name": "sta2", "freq_mhz": 2412, "position": [2, -1], "tx_power_dbm": 20, "hwsim_index": 3}
  ],
  "links": [
    {"from": "ap1", "to": "sta1", "loss": $LOSS_CONFIG, "symmetric": false},
    {"from": "sta1", "to": "ap1", "loss": 0.0, "symmetric": false},
    {"from": "ap2", "to": "sta2", "loss": 0.0, "symmetric": true}
  ]
}
JSON

module_load ecn=0	# the estimator under test: no steering to starve a subflow
topo_up --aps 2 --stations 2 --channel 1 --airsim "$out/airsim-config.json"
cp_truth() { cp "$TOPO_AIRSIM_TRUTH" "$out/airsim-truth.jsonl" 2>/dev/null || true; }
# shellcheck disable=SC2154 # rc is set by the trap itself
trap 'rc=$?; cp_truth; cp "$TOPO_DIR/medium.log" "$out/" 2>/dev/null; finish $rc' EXIT
check "topology names airsim's truth file and control socket" \
	test -n "${TOPO_AIRSIM_TRUTH:-}" -a -n "${TOPO_AIRSIM_CTL:-}" -a -n "${TOPO_AIRSIM_BIN:-}"
for k in 1 2; do
	bssid=STA${k}_BSSID
	check "sta$k associated with ${!bssid} through airsim" \
		sh -c "ip netns exec cli iw dev sta$k link | grep -qi 'connected to ${!bssid}'"
done

# --- (a) MPTCP download over both APs
rx_bytes() { in_cli cat "/sys/class/net/$1/statistics/rx_bytes"; }
b1=$(rx_bytes sta1) b2=$(rx_bytes sta2)
ip netns exec "$TOPO_SRV_NS" mptcpize run iperf3 -s -1 -D
sleep 1
in_cli mptcpize run iperf3 -c "$TOPO_SERVER_IP" -R -t 8 -J >"$out/iperf3-mptcp.json"
d1=$(($(rx_bytes sta1) - b1)) d2=$(($(rx_bytes sta2) - b2))
mbps=$(python3 -c 'import json,sys; print(round(json.load(open(sys.argv[1]))["end"]["sum_received"]["bits_per_second"]/1e6, 2))' \
	"$out/iperf3-mptcp.json")
log "MPTCP download: $mbps Mbit/s; sta1 received $d1 bytes, sta2 $d2"
check "MPTCP download: sta1 carried part of it (> 200 kB)" test "$d1" -gt 200000
check "MPTCP download: sta2 carried part of it (> 200 kB)" test "$d2" -gt 200000

python3 "$TRUTH_PY" summary "$TOPO_AIRSIM_TRUTH" >"$out/truth-summary.json"
truth_count() { # truth_count 'FROM->TO KIND' FIELD
	python3 -c '
import json, sys
c = json.load(open(sys.argv[1]))["frames"].get(sys.argv[2], {})
print(c.get(sys.argv[3], 0))' "$out/truth-summary.json" "$1" "$2"
}
for l in "ap1->sta1" "sta1->ap1" "ap2->sta2" "sta2->ap2"; do
	n=$(truth_count "$l data" frames)
	log "truth: $l data frames $n, retried $(truth_count "$l data" retried), first_ok $(truth_count "$l data" first_ok), queue drops $(truth_count "$l data" queue_drop)"
	check "truth: data frames $l (> 100)" test "$n" -gt 100
done
check "truth: retransmissions on the lossy link ap1->sta1" test "$(truth_count "ap1->sta1 data" retried)" -gt 10
# 1 - loss at most; collisions with the other three radios on the channel take some more
check "truth: first-attempt ratio of ap1->sta1 in [0.5, 1 - $LOSS_CONFIG + 0.05]" python3 -c "
import sys
r = $(truth_count "ap1->sta1 data" first_ok) / max(1, $(truth_count "ap1->sta1 data" frames))
sys.exit(not 0.5 <= r <= 1 - $LOSS_CONFIG + 0.05)"

# --- (b) a loss set through the control socket; plain TCP through ap1 only
reply=$("$TOPO_AIRSIM_BIN" ctl "$TOPO_AIRSIM_CTL" \
	"{\"set_link\": {\"from\": \"ap1\", \"to\": \"sta1\", \"loss\": $LOSS_CONTROL, \"symmetric\": false}}" 2>&1) || true
check "airsim ctl set_link answers ok" equals "$reply" ok
: >"$out/snapshots.json"
ip netns exec "$TOPO_SRV_NS" iperf3 -s -1 -D -p 5202
sleep 1
# Paced (-b) well below the link's capacity in writes of 5 full segments: steady frames, and no CPU
# saturation under emulation (which makes airsim fall behind the clock and deliver in late bursts).
in_cli iperf3 -c "$TOPO_SERVER_IP" -p 5202 -B "$STA1_IP" -R -t 7 -w 128K -b 3M -l 7240 -J >"$out/iperf3-sta1.json" &
client=$!
sleep 3.5	# the window (500 ms) holds only frames sent at the new loss
for _ in 1 2 3; do
	ap_json >>"$out/snapshots.json"
	sleep 1
done
wait "$client"

# The truth over each snapshot's window; airsim writes a frame once its fate is known, so wait until the
# file reaches past the last window.
compare() {
	python3 "$TRUTH_PY" compare "$TOPO_AIRSIM_TRUTH" "$out/snapshots.json" --from ap1 --to sta1 --ifname sta1 \
		>"$out/compare.jsonl"
}
covered() {
	compare && python3 -c '
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
sys.exit(not rows or any(r["truth_last_t_ns"] is None or r["truth_last_t_ns"] < r["window_end_ns"] for r in rows))' \
		"$out/compare.jsonl"
}
deadline=$((SECONDS + 15))
until covered; do
	[ "$SECONDS" -lt "$deadline" ] || break
	sleep 1
done
check "truth file covers the sampled windows" covered
cat "$out/compare.jsonl"
# The control command took effect: the first-attempt ratio over the sampled span (~2.5 s, some 600
# frames: binomial sigma 0.02) is 1 - LOSS_CONTROL, less what collisions take.
span=$(python3 -c '
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
print(min(r["window_start_ns"] for r in rows), max(r["window_end_ns"] for r in rows))' "$out/compare.jsonl")
python3 "$TRUTH_PY" window "$TOPO_AIRSIM_TRUTH" --from ap1 --to sta1 --start "${span% *}" --end "${span#* }" \
	>"$out/truth-span.json"
span_ratio=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["delivery_prob"])' "$out/truth-span.json")
log "truth over the sampled span: first-attempt ratio $span_ratio ($(cat "$out/truth-span.json"))"
check "truth: first-attempt ratio after the control command in [1 - $LOSS_CONTROL - 0.1, 1 - $LOSS_CONTROL + 0.07]" \
	python3 -c "import sys; sys.exit(not 1 - $LOSS_CONTROL - 0.1 <= $span_ratio <= 1 - $LOSS_CONTROL + 0.07)"
check "three snapshots of ap1's window" equals "$(wc -l <"$out/compare.jsonl")" 3
i=0
while read -r row; do
	i=$((i + 1))
	get() { python3 -c 'import json,sys; v = json.loads(sys.argv[1])[sys.argv[2]]; print("" if v is None else v)' "$row" "$1"; }
	est=$(get delivery_prob) truth=$(get truth_delivery_prob) frames=$(get frames)
	log "snapshot $i: module $est over $(get module_frames) frames (N0 $(get module_first_try), N1 $(get module_retried), lost $(get module_lost)); truth $truth over $frames frames ($(get first_ok) first ok, $(get truth_retried) retried, $(get truth_lost) lost); packet time module $(get packet_time_us) us, truth $(get truth_packet_time_us) us"
	check "snapshot $i: window holds traffic (>= 50 frames)" test "${frames:-0}" -ge 50
	check "snapshot $i: module sees retries" test "$(get module_retried)" -gt 0
	check "snapshot $i: delivery_prob within $TOLERANCE of the truth over its window" \
		within "${est:-none}" "${truth:-none}" "$TOLERANCE"
done <"$out/compare.jsonl"
