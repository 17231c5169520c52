#!/usr/bin/env bash
# Inside the VM: MPTCP download throughput over two hwsim APs with the module
# loaded vs not, in alternating pairs within one boot (the order flips each
# pair so slow drift cancels), and the module's own per-AP object size.
# Writes $MPWIFI_VM_OUT/estimator-throughput.json.
set -eu
repo=$(cd "$(dirname "$0")/../.." && pwd -P)
pairs=${MPWIFI_BENCH_PAIRS:-9}
seconds=${MPWIFI_BENCH_SECONDS:-8}
out=$MPWIFI_VM_OUT/estimator-throughput.json

trap '"$repo/tools/vm/topology" down >/dev/null 2>&1 || true' EXIT
"$repo/tools/vm/topology" up --aps 2 --stations 2 --channel 1 >/dev/null
. /run/mpwifi-topo/env
ip netns exec srv mptcpize run iperf3 -s -D

loaded() { grep -q '^mpwifi ' /proc/modules; }
set_module() { # set_module on|off
	if [ "$1" = on ]; then loaded || insmod "$repo/kernel/mpwifi.ko"; else ! loaded || rmmod mpwifi; fi
}
download_mbps() {
	ip netns exec cli mptcpize run iperf3 -c "$TOPO_SERVER_IP" -R -t "$seconds" -J |
		python3 -c 'import json,sys; print(json.load(sys.stdin)["end"]["sum_received"]["bits_per_second"] / 1e6)'
}

set_module on
ap_bytes=$(ip netns exec cli "$repo/build/agent/mpwifi" -j config show |
	python3 -c 'import json,sys; print(json.load(sys.stdin)["ap_bytes"])')
runs=""
for ((i = 1; i <= pairs; i++)); do
	order="off on"
	[ $((i % 2)) -eq 0 ] && order="on off"
	for state in $order; do
		set_module "$state"
		mbps=$(download_mbps)
		echo "pair $i module $state: $mbps Mbit/s"
		runs="$runs{\"pair\": $i, \"module\": \"$state\", \"mbps\": $mbps},"
	done
done
set_module off
echo "{\"ap_bytes\": $ap_bytes, \"seconds\": $seconds, \"runs\": [${runs%,}]}" >"$out"
