#!/usr/bin/env bash
# Inside the VM: the raw data of bench/airsim-capacity.  One AP, one station, a loss-free link through
# airsim; per AP rate, a UDP downlink offered above what the air can carry, so that either the air
# (airtime-bound) or the VM's CPU (emulator-bound) limits it.  Analysis happens on the host.
#
# usage: airsim-capacity.sh --runs "RATE:OFFERED_MBPS ..." [--seconds S]
# Writes to $MPWIFI_VM_OUT: runs.jsonl (rate, offered load, CLOCK_MONOTONIC bounds of the measured
# interval), run-NN.iperf3.json, airsim-truth.jsonl, medium.log.
set -eu
repo=$(cd "$(dirname "$0")/../.." && pwd -P)
out=${MPWIFI_VM_OUT:?run inside the VM (tools/vm/run)}
topology=$repo/tools/vm/topology

runs="6:8 54:60"
seconds=8
while [ $# -gt 0 ]; do
	case $1 in
	--runs) runs=$2; shift 2 ;;
	--seconds) seconds=$2; shift 2 ;;
	*) echo "airsim-capacity.sh: unknown argument '$1'" >&2; exit 2 ;;
	esac
done

cleanup() {
	local rc=$?
	"$topology" down >/dev/null 2>&1 || true
	if [ -n "${TOPO_AIRSIM_TRUTH:-}" ] && [ -f "$TOPO_AIRSIM_TRUTH" ]; then
		cp "$TOPO_AIRSIM_TRUTH" "$out/airsim-truth.jsonl" || rc=1
		cp "$TOPO_DIR/medium.log" "$out/medium.log" || true
	fi
	exit "$rc"
}
trap cleanup EXIT

monotonic_ns() { python3 -c 'import time; print(time.clock_gettime_ns(time.CLOCK_MONOTONIC))'; }

cat >"$out/airsim-config.json" <<'CONF'
{
  "seed": 3,
  "radios": [{"name": "ap1", "freq_mhz": 2412}, {"name": "sta1", "freq_mhz": 2412}],
  "links": [{"from": "ap1", "to": "sta1", "loss": 0.0}]
}
CONF
rates=''
for run in $runs; do rates+="${rates:+ }${run%%:*}"; done
# The rates are the BSS's basic rates, so `iw set bitrates` can pin each one.
"$topology" up --aps 1 --stations 1 --channel 1 --no-mptcp --airsim "$out/airsim-config.json" --rates "$rates" >/dev/null
. /run/mpwifi-topo/env
# The sender is the server, so UDP needs no reverse mode (whose start-up times out under emulation).
ip netns exec cli iperf3 -s -D -B "$STA1_IP" >/dev/null

: >"$out/runs.jsonl"
n=0
for run in $runs; do
	n=$((n + 1))
	rate=${run%%:*} offered=${run#*:}
	ip netns exec ap1 iw dev "$AP1_IF" set bitrates legacy-2.4 "$rate" ||
		{ echo "capacity: cannot pin the AP to $rate Mbit/s" >&2; exit 1; }
	name=$(printf 'run-%02d' "$n")
	echo "capacity: $name: AP rate $rate Mbit/s, UDP offered $offered Mbit/s for ${seconds}s"
	# The first second fills the queue; the rest is measured.
	ip netns exec srv iperf3 -c "$STA1_IP" -u -b "${offered}M" -l 1400 \
		-t $((seconds + 2)) -J >"$out/$name.iperf3.json" &
	client=$!
	sleep 1.5
	start=$(monotonic_ns)
	sleep "$seconds"
	end=$(monotonic_ns)
	wait "$client" || echo "capacity: $name: iperf3 failed" >&2
	printf '{"name": "%s", "rate_mbps": %s, "offered_mbps": %s, "start_ns": %s, "end_ns": %s}\n' \
		"$name" "$rate" "$offered" "$start" "$end" >>"$out/runs.jsonl"
	sleep 2 # drain the queue before the next rate
done
