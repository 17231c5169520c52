#!/usr/bin/env bash
# Inside the VM: the raw data of bench/estimator-accuracy.  One AP, one station, airsim as the medium;
# per run, a downlink TCP transfer at a fixed AP rate during which the module is sampled every 100 ms
# and the loss of the ap1 -> sta1 link changes mid-run.  Analysis happens on the host.
#
# usage: estimator-accuracy.sh --runs "RATE:LOSS_BEFORE:LOSS_AFTER:MBPS ..." [--seconds S]
#                              [--interval MS] [--window SIZE]
#   --runs      one run per item: AP rate in Mbit/s (an 802.11g legacy rate, fixed with
#               `iw set bitrates`), the ap1 -> sta1 loss before and after the step, and the TCP
#               sending rate in Mbit/s (iperf3 -b, below the link's capacity at both losses)
#   --seconds   traffic per run; the step comes at half of it (default 12)
#   --interval  module sampling period in ms (default 100)
#   --window    TCP window (iperf3 -w), a cap on what can queue at airsim (default 128K)
#
# Writes to $MPWIFI_VM_OUT: airsim-config.json, runs.jsonl (one line per run: rate, losses, files, the
# index of the run's control commands among the truth file's set_link events, /proc/uptime bounds),
# run-NN.watch.jsonl (mpwifi -j ap watch), run-NN.iperf3.json, airsim-truth.jsonl (airsim's truth,
# copied once the topology is down), medium.log, done.json.
set -eu
repo=$(cd "$(dirname "$0")/../.." && pwd -P)
out=${MPWIFI_VM_OUT:?run inside the VM (tools/vm/run)}
mpwifi=$repo/build/agent/mpwifi
topology=$repo/tools/vm/topology

runs="54:0.6:0.1:3 54:0.0:0.3:3"
seconds=12
interval=100
window=128K
while [ $# -gt 0 ]; do
	case $1 in
	--runs) runs=$2; shift 2 ;;
	--seconds) seconds=$2; shift 2 ;;
	--interval) interval=$2; shift 2 ;;
	--window) window=$2; shift 2 ;;
	*) echo "estimator-accuracy.sh: unknown argument '$1'" >&2; exit 2 ;;
	esac
done

say() { echo "accuracy: $*"; }

watch_pid=''
client_pid=''
cleanup() {
	local rc=$?
	[ -z "$watch_pid" ] || kill "$watch_pid" 2>/dev/null || true
	[ -z "$client_pid" ] || kill "$client_pid" 2>/dev/null || true
	"$topology" down >/dev/null 2>&1 || true
	# airsim has exited: its truth file is complete
	if [ -n "${TOPO_AIRSIM_TRUTH:-}" ] && [ -f "$TOPO_AIRSIM_TRUTH" ]; then
		cp "$TOPO_AIRSIM_TRUTH" "$out/airsim-truth.jsonl" || rc=1
	fi
	if [ -n "${TOPO_DIR:-}" ]; then
		cp "$TOPO_DIR/medium.log" "$out/medium.log" 2>/dev/null || true
		cp "$TOPO_DIR/ap1/hostapd.log" "$out/hostapd.log" 2>/dev/null || true
		cp "$TOPO_DIR/sta1/wpa_supplicant.log" "$out/wpa_supplicant.log" 2>/dev/null || true
	fi
	! grep -q '^mpwifi ' /proc/modules || rmmod mpwifi || true
	exit "$rc"
}
trap cleanup EXIT

# uptime_ns: only a fallback for the step instant; the truth file's event lines carry the exact one
# shellcheck source=bench/vm/lib.sh
. "$repo/bench/vm/lib.sh"

insmod "$repo/kernel/mpwifi.ko"

# hwsim radios in the topology's order: APs first, then stations.  The uplink (TCP ACKs) is lossless;
# the downlink's loss is set per run through the control socket.
cfg=$out/airsim-config.json
cat >"$cfg" <<'JSON'
{
  "seed": 1,
  "radios": [
    {"name": "ap1", "freq_mhz": 2412, "position": [0, 0], "tx_power_dbm": 20, "hwsim_index": 0},
    {"name": "sta1", "freq_mhz": 2412, "position": [5, 0], "tx_power_dbm": 20, "hwsim_index": 1}
  ],
  "links": [
    {"from": "ap1", "to": "sta1", "loss": 0.0, "symmetric": false},
    {"from": "sta1", "to": "ap1", "loss": 0.0, "symmetric": false}
  ]
}
JSON

# The sweep's rates are the BSS's only (and basic) rates, so `iw set bitrates` can pin each run's rate
# (mac80211 refuses a tx rate mask without a basic rate of the BSS).
rates=$(python3 -c '
import sys
print(" ".join("%g" % r for r in sorted({float(x.split(":")[0]) for x in sys.argv[1].split()})))' "$runs")
start=$SECONDS
"$topology" up --aps 1 --stations 1 --channel 1 --airsim "$cfg" --no-mptcp --rates "$rates"
# shellcheck disable=SC1091
. /run/mpwifi-topo/env
say "topology up in $((SECONDS - start)) s, AP rates $rates Mbit/s"
ip netns exec srv iperf3 -s -D

ctl_count=0
ctl() { # ctl JSON: one control command; each is one set_link event line in the truth file
	local reply
	reply=$("$TOPO_AIRSIM_BIN" ctl "$TOPO_AIRSIM_CTL" "$1" 2>&1) || {
		echo "accuracy: airsim ctl failed: $reply ($1)" >&2
		return 1
	}
	ctl_count=$((ctl_count + 1))
}
set_loss() { ctl "{\"set_link\": {\"from\": \"ap1\", \"to\": \"sta1\", \"loss\": $1, \"symmetric\": false}}"; }

run=0
half=$(python3 -c "print($seconds / 2)")
current_rate=''
bitrates_ok=false
: >"$out/runs.jsonl"
for item in $runs; do
	IFS=: read -r rate before after mbps_target <<<"$item"
	if [ "$rate" != "$current_rate" ]; then
		current_rate=$rate
		if ip netns exec ap1 iw dev wlan-ap1 set bitrates legacy-2.4 "$rate" 2>"$out/bitrates.err"; then
			bitrates_ok=true
		else
			bitrates_ok=false
			say "iw set bitrates legacy-2.4 $rate failed: $(cat "$out/bitrates.err")"
		fi
	fi
	run=$((run + 1))
	tag=$(printf 'run-%02d' "$run")
	set_loss "$before"
	ev_before=$ctl_count
	t_start=$(uptime_ns)
	ip netns exec cli "$mpwifi" -j ap watch --interval "$interval" >"$out/$tag.watch.jsonl" 2>"$out/$tag.watch.err" &
	watch_pid=$!
	# -b paces the sender below the link's capacity (no queue build-up at airsim, no CPU saturation
	# that would make airsim fall behind the clock); writes of 5 full segments (MSS 1448: 1538-byte
	# frames, the packet the module's packet time is for) keep its bursts short.
	ip netns exec cli iperf3 -c "$TOPO_SERVER_IP" -R -t "$seconds" -w "$window" -b "${mbps_target}M" -l 7240 -J \
		>"$out/$tag.iperf3.json" 2>&1 &
	client_pid=$!
	# iperf3 needs a moment to connect under emulation: the step comes half the transfer after that
	sleep 1
	sleep "$half"
	t_step_lo=$(uptime_ns)
	set_loss "$after"
	t_step_hi=$(uptime_ns)
	ev_step=$ctl_count
	client_rc=0
	wait "$client_pid" || client_rc=$?
	client_pid=''
	sleep 0.3
	kill "$watch_pid" 2>/dev/null || true
	wait "$watch_pid" 2>/dev/null || true
	watch_pid=''
	t_end=$(uptime_ns)
	mbps=$(python3 -c 'import json,sys
try: print(round(json.load(open(sys.argv[1]))["end"]["sum_received"]["bits_per_second"] / 1e6, 3))
except Exception: print("null")' "$out/$tag.iperf3.json")
	say "$tag: ${rate} Mbit/s, loss $before -> $after, TCP at ${mbps_target}: $mbps Mbit/s (iperf3 status $client_rc)"
	printf '{"run": %d, "tag": "%s", "rate_mbps": %s, "loss_before": %s, "loss_after": %s, "tcp_target_mbps": %s, "seconds": %s, "interval_ms": %s, "bitrates_ok": %s, "event_before": %d, "event_step": %d, "uptime_start_ns": %s, "uptime_step_ns": [%s, %s], "uptime_end_ns": %s, "mbps": %s, "iperf3_status": %d, "watch": "%s.watch.jsonl", "iperf3": "%s.iperf3.json"}\n' \
		"$run" "$tag" "$rate" "$before" "$after" "$mbps_target" "$seconds" "$interval" "$bitrates_ok" \
		"$ev_before" "$ev_step" "$t_start" "$t_step_lo" "$t_step_hi" "$t_end" "$mbps" "$client_rc" \
		"$tag" "$tag" >>"$out/runs.jsonl"
done
printf '{"runs": %d, "control_commands": %d, "window": "%s", "rates_mbps": "%s"}\n' \
	"$run" "$ctl_count" "$window" "$rates" >"$out/done.json"
say "$run runs done"
