#!/usr/bin/env bash
# Inside the VM: the raw data of bench/ecn-steering (and of tools/experiments/ecn-download-times).  Two APs on
# one channel carried by airsim, a client associated with both, a server behind both; at each point (a client
# position, a server-path delay, explicit link SNRs, an uplink limit) downloads in turn, modes interleaved:
#   sp1, sp2   plain TCP bound to station K's address (through AP K alone; the other AP idle)
#   mptcp      MPTCP over both APs, ECN steering off
#   seed, uncoupled   MPTCP with ECN steering on, with that marking law
# Analysis happens on the host.
#
# usage: ecn-steering.sh --points "ID:EXP:KEY=VALUE,... ..." [--modes "sp1 sp2 mptcp seed uncoupled"]
#                        [--settle S] [--measure S] [--bytes SIZE] [--repeats N] [--config FILE]
#                        [--rates 'R ...'] [--queue-limit N] [--ecn 'threshold P cap P budget P'] [--truth]
#   --points    point keys: x (client position on the AP1-AP2 line, m), snr1 / snr2 (SNR of the AP K <->
#               station K link in dB, set explicitly; once set, later points must set it too: airsim cannot
#               return a link to the path-loss model), delay (ms added on the server's egress towards both
#               APs: the RTT grows by that much), cap1 / cap2 (Mbit/s limit of AP K's uplink towards the AP,
#               applied in the multipath modes only, so that sp1 / sp2 measure the air alone)
#   --settle, --measure  a timed run lasts settle + measure seconds (the host discards the settle part)
#   --bytes     instead: download SIZE (iperf3 -n, e.g. 10M) per run, timed by iperf3
#   --repeats   each point's modes run this many times, the order rotated by one mode per repetition
#   --config    airsim scenario (default tools/airsim/examples/ecn-two-aps.json); radios ap1 ap2 sta1 sta2
#   --ecn       passed to `mpwifi ecn set` once (default: the module's defaults)
#   --rates     the APs' only legacy rates (default 802.11b's 1 2 5.5 11: see bench/ecn-steering)
#   --queue-limit  airsim's per-radio queue, the APs' buffer (default 50 frames)
#   --truth     also write airsim's per-frame truth (to $MPWIFI_VM_OUT); it costs airsim, the busiest
#               thread of the emulation, enough CPU to lower the throughput of fast runs
#
# Writes to $MPWIFI_VM_OUT: runs.jsonl (one line per run), run-NNN.{iperf3.json,watch.jsonl,ss-srv.txt,
# ss-cli.txt}, ecn.json (settings, or {"available": false} when the module has no ECN steering),
# airsim-truth.jsonl (with --truth), medium.log (airsim's log, each line prefixed with CLOCK_MONOTONIC
# seconds: its statistics lines, busy_pct per channel each second), done.json.
set -eu
repo=$(cd "$(dirname "$0")/../.." && pwd -P)
out=${MPWIFI_VM_OUT:?run inside the VM (tools/vm/run)}
mpwifi=$repo/build/agent/mpwifi
topology=$repo/tools/vm/topology

points=''
modes='sp1 sp2 mptcp seed uncoupled'
settle=5
measure=15
bytes=''
repeats=1
config=$repo/tools/airsim/examples/ecn-two-aps.json
rates='1 2 5.5 11'
queue_limit=50
ecn_args=''
truth=0
while [ $# -gt 0 ]; do
	case $1 in
	--points) points=$2; shift 2 ;;
	--modes) modes=$2; shift 2 ;;
	--settle) settle=$2; shift 2 ;;
	--measure) measure=$2; shift 2 ;;
	--bytes) bytes=$2; shift 2 ;;
	--repeats) repeats=$2; shift 2 ;;
	--config) config=$2; shift 2 ;;
	--rates) rates=$2; shift 2 ;;
	--queue-limit) queue_limit=$2; shift 2 ;;
	--ecn) ecn_args=$2; shift 2 ;;
	--truth) truth=1; shift ;;
	*) echo "ecn-steering.sh: unknown argument '$1'" >&2; exit 2 ;;
	esac
done
[ -n "$points" ] || { echo "ecn-steering.sh: --points is required" >&2; exit 2; }
for m in $modes; do
	case $m in
	sp1 | sp2 | mptcp | seed | uncoupled) ;;
	*) echo "ecn-steering.sh: unknown mode '$m'" >&2; exit 2 ;;
	esac
done

say() { echo "ecn: $*"; }
die() {
	echo "ecn: error: $*" >&2
	exit 1
}

watch_pid=''
client_pid=''
cli_pid=''
cleanup() {
	local rc=$?
	[ -z "$watch_pid" ] || kill "$watch_pid" 2>/dev/null || true
	[ -z "$client_pid" ] || kill "$client_pid" 2>/dev/null || true
	[ -z "$cli_pid" ] || kill "$cli_pid" 2>/dev/null || true
	"$topology" down >/dev/null 2>&1 || true
	if [ -n "${TOPO_DIR:-}" ]; then
		cp "$TOPO_DIR/medium.log" "$out/medium.log" 2>/dev/null || true
		cp "$TOPO_DIR/ap1/hostapd.log" "$out/hostapd-ap1.log" 2>/dev/null || true
		cp "$TOPO_DIR/ap2/hostapd.log" "$out/hostapd-ap2.log" 2>/dev/null || true
	fi
	! grep -q '^mpwifi ' /proc/modules || rmmod mpwifi || true
	exit "$rc"
}
trap cleanup EXIT

# uptime_ns, shared with the other benchmarks
# shellcheck source=bench/vm/lib.sh
. "$repo/bench/vm/lib.sh"

# rx bytes of sta1 and sta2 from a process in cli (no process spawned): sets rx1 rx2.
read_rx() {
	local name rest b
	rx1=null rx2=null
	while IFS=: read -r name rest; do
		name=${name// /}
		read -r b _ <<<"$rest"
		case $name in sta1) rx1=$b ;; sta2) rx2=$b ;; esac
	done <"/proc/$1/net/dev"
}

insmod "$repo/kernel/mpwifi.ko"

export MPWIFI_AIRSIM=$repo/bench/vm/ecn-airsim.sh
export MPWIFI_ECN_AIRSIM=$repo/build/tools/airsim/airsim
export MPWIFI_ECN_QUEUE_LIMIT=$queue_limit
export MPWIFI_ECN_STATS_S=1
rm -f "$out/airsim-truth.jsonl"
export MPWIFI_ECN_TRUTH=none
[ "$truth" = 0 ] || MPWIFI_ECN_TRUTH=$out/airsim-truth.jsonl
start=$SECONDS
"$topology" up --aps 2 --stations 2 --channel 1 --rates "$rates" --airsim "$config"
# shellcheck disable=SC1091
. /run/mpwifi-topo/env
say "topology up in $((SECONDS - start)) s: rates $rates Mbit/s, airsim queue $queue_limit frames"
# the topology sets these; the marking needs them, so check
for ns in cli srv; do
	[ "$(ip netns exec "$ns" sysctl -n net.ipv4.tcp_ecn)" = 1 ] ||
		ip netns exec "$ns" sysctl -q -w net.ipv4.tcp_ecn=1
done
# a process that stays in cli, whose /proc/PID/net/dev gives the stations' counters without a new process
ip netns exec cli sleep 1000000 &
cli_pid=$!
ip netns exec srv iperf3 -s -p 5201 -D
ip netns exec srv mptcpize run iperf3 -s -p 5202 -D

ecn_available=false
if ip netns exec cli "$mpwifi" -j ecn show >"$out/ecn.json" 2>"$out/ecn.err"; then
	ecn_available=true
	if [ -n "$ecn_args" ]; then
		# shellcheck disable=SC2086 # words of the setting
		ip netns exec cli "$mpwifi" ecn set $ecn_args || die "mpwifi ecn set $ecn_args failed"
		ip netns exec cli "$mpwifi" -j ecn show >"$out/ecn.json"
	fi
	say "ECN steering: $(cat "$out/ecn.json")"
else
	echo '{"available": false}' >"$out/ecn.json"
	say "ECN steering not available in this module/CLI ($(head -c 200 "$out/ecn.err")): marking modes skipped"
fi

ctl() {
	local reply
	reply=$("$TOPO_AIRSIM_BIN" ctl "$TOPO_AIRSIM_CTL" "$1" 2>&1) || die "airsim ctl failed: $reply ($1)"
}

ecn_state=none
set_ecn() { # off | seed | uncoupled
	[ "$1" != "$ecn_state" ] || return 0
	if [ "$1" = off ]; then
		ip netns exec cli "$mpwifi" ecn set enabled off || die "mpwifi ecn set enabled off failed"
	else
		ip netns exec cli "$mpwifi" ecn set law "$1" enabled on || die "mpwifi ecn set law $1 enabled on failed"
	fi
	ecn_state=$1
}

# Server egress towards AP K: netem with the point's delay and, in multipath modes, the uplink limit.
declare -A qdisc_now=([1]=none [2]=none)
set_qdiscs() { # set_qdiscs DELAY_MS CAP1 CAP2 (empty: none)
	local k d=$1 cap spec batch='' limit
	for k in 1 2; do
		cap=${2:-}
		[ "$k" = 1 ] || cap=${3:-}
		spec=none
		if [ -n "$cap" ]; then
			# room for the delay line plus 100 ms of queue at the limit: an uplink buffer that keeps
			# RTTs sane (netem's default, 1000 packets, is seconds at a few Mbit/s)
			limit=$(awk -v c="$cap" -v d="${d:-0}" \
				'BEGIN { l = int(c * 1e6 * (d + 100) / 1e3 / 12000) + 10; print (l < 16 ? 16 : l) }')
			spec="netem${d:+ delay ${d}ms} rate ${cap}mbit limit $limit"
		elif [ -n "$d" ] && [ "$d" != 0 ]; then
			spec="netem delay ${d}ms limit 10000"
		fi
		[ "$spec" != "${qdisc_now[$k]}" ] || continue
		if [ "$spec" = none ]; then
			batch+="qdisc del dev to-ap$k root"$'\n'
		else
			batch+="qdisc replace dev to-ap$k root handle 1: $spec"$'\n'
		fi
		qdisc_now[$k]=$spec
	done
	[ -z "$batch" ] || tc -n srv -batch - <<<"$batch" || die "tc in srv failed: $batch"
}

snr_set=0
apply_point() { # apply_point KEY=VALUE,...: sets $p_delay $p_cap1 $p_cap2
	local kv k v x='' snr1='' snr2=''
	p_delay='' p_cap1='' p_cap2=''
	IFS=, read -r -a kvs <<<"$1"
	for kv in "${kvs[@]}"; do
		k=${kv%%=*} v=${kv#*=}
		case $k in
		x) x=$v ;;
		snr1) snr1=$v ;;
		snr2) snr2=$v ;;
		delay) p_delay=$v ;;
		cap1) p_cap1=$v ;;
		cap2) p_cap2=$v ;;
		*) die "unknown point key '$k'" ;;
		esac
	done
	if [ "$snr_set" = 1 ] && { [ -z "$snr1" ] || [ -z "$snr2" ]; }; then
		die "point '$1' leaves a link SNR unset after an earlier point set it"
	fi
	if [ -n "$x" ]; then
		ctl "{\"set_position\": {\"radio\": \"sta1\", \"position\": [$x, 0]}}"
		ctl "{\"set_position\": {\"radio\": \"sta2\", \"position\": [$x, 0]}}"
	fi
	if [ -n "$snr1" ]; then
		ctl "{\"set_link\": {\"from\": \"ap1\", \"to\": \"sta1\", \"snr_db\": $snr1, \"symmetric\": true}}"
		snr_set=1
	fi
	if [ -n "$snr2" ]; then
		ctl "{\"set_link\": {\"from\": \"ap2\", \"to\": \"sta2\", \"snr_db\": $snr2, \"symmetric\": true}}"
		snr_set=1
	fi
}

summary() { # one iperf3 result in a few words (jq if installed: python costs seconds under TCG)
	command -v jq >/dev/null || { echo "see $1"; return 0; }
	jq -r '.end.sum_received |
		"\(.bits_per_second / 1e4 | round / 100) Mbit/s over \(.seconds * 10 | round / 10) s"' "$1" 2>/dev/null ||
		echo "no result"
}

n_run=0
run_one() { # run_one POINT_ID EXP PARAMS MODE REP
	local id=$1 exp=$2 params=$3 mode=$4 rep=$5 tag t_launch t_ss t_end rc=0
	local rx1_0 rx2_0 cmd=() port len run_timeout line
	n_run=$((n_run + 1))
	tag=$(printf 'run-%03d' "$n_run")
	case $mode in
	sp1 | sp2) set_qdiscs "$p_delay" '' '' ;;
	*) set_qdiscs "$p_delay" "$p_cap1" "$p_cap2" ;;
	esac
	case $mode in
	seed | uncoupled) set_ecn "$mode" ;;
	*) [ "$ecn_available" = false ] || set_ecn off ;;
	esac
	if [ -n "$bytes" ]; then
		len=(-n "$bytes")
		run_timeout=600
	else
		len=(-t $((settle + measure)))
		run_timeout=$((settle + measure + 60))
	fi
	case $mode in
	sp1) cmd=(iperf3 -c "$TOPO_SERVER_IP" -p 5201 -B "$STA1_IP") ;;
	sp2) cmd=(iperf3 -c "$TOPO_SERVER_IP" -p 5201 -B "$STA2_IP") ;;
	*) cmd=(mptcpize run iperf3 -c "$TOPO_SERVER_IP" -p 5202) ;;
	esac
	port=5201
	[ "${cmd[0]}" = iperf3 ] || port=5202
	ip netns exec cli "$mpwifi" -j ap watch --interval 1000 >"$out/$tag.watch.jsonl" 2>"$out/$tag.watch.err" &
	watch_pid=$!
	read_rx "$cli_pid"
	rx1_0=$rx1 rx2_0=$rx2
	t_launch=$(uptime_ns)
	# a hung transfer must not hang the whole run: generous timeout
	ip netns exec cli timeout "$run_timeout" "${cmd[@]}" -R "${len[@]}" -i 1 -J \
		>"$out/$tag.iperf3.json" 2>"$out/$tag.iperf3.err" &
	client_pid=$!
	t_ss=null
	if [ -z "$bytes" ]; then
		# subflows' RTTs and windows late in the measured part
		sleep $((settle + measure / 2))
		t_ss=$(uptime_ns)
		ip netns exec srv ss -tinH state established "( sport = :$port )" >"$out/$tag.ss-srv.txt" 2>&1 || true
		ip netns exec cli ss -tinH state established "( dport = :$port )" >"$out/$tag.ss-cli.txt" 2>&1 || true
	fi
	wait "$client_pid" || rc=$?
	client_pid=''
	t_end=$(uptime_ns)
	read_rx "$cli_pid"
	kill "$watch_pid" 2>/dev/null || true
	wait "$watch_pid" 2>/dev/null || true
	watch_pid=''
	line='{"run": %d, "tag": "%s", "point": "%s", "exp": "%s", "params": "%s", "mode": "%s", "rep": %d,'
	line+=' "settle_s": %s, "measure_s": %s, "bytes": "%s", "t_launch_ns": %s, "t_ss_ns": %s, "t_end_ns": %s,'
	line+=' "rx_sta1": [%s, %s], "rx_sta2": [%s, %s], "iperf3_status": %d, "ecn": "%s", "delay_ms": "%s",'
	line+=' "cap1_mbps": "%s", "cap2_mbps": "%s", "qdisc1": "%s", "qdisc2": "%s"}\n'
	# shellcheck disable=SC2059 # the format is built above
	printf "$line" "$n_run" "$tag" "$id" "$exp" "$params" "$mode" "$rep" "$settle" "$measure" "$bytes" \
		"$t_launch" "$t_ss" \
		"$t_end" "$rx1_0" "$rx1" "$rx2_0" "$rx2" "$rc" "$ecn_state" "$p_delay" "$p_cap1" "$p_cap2" \
		"${qdisc_now[1]}" "${qdisc_now[2]}" >>"$out/runs.jsonl"
	say "$tag $id $mode rep $rep: $(summary "$out/$tag.iperf3.json")" \
		"(status $rc, $(((t_end - t_launch) / 1000000)) ms)"
	sleep 0.5 # queues drain before the next run
}

: >"$out/runs.jsonl"
active_modes=''
for m in $modes; do
	case $m in seed | uncoupled) [ "$ecn_available" = true ] || continue ;; esac
	active_modes+="${active_modes:+ }$m"
done
read -r -a mode_list <<<"$active_modes"
n_modes=${#mode_list[@]}
for item in $points; do
	IFS=: read -r id exp params <<<"$item"
	apply_point "$params"
	say "point $id ($exp): $params"
	for ((rep = 0; rep < repeats; rep++)); do
		for ((i = 0; i < n_modes; i++)); do
			run_one "$id" "$exp" "$params" "${mode_list[$(((i + rep) % n_modes))]}" "$rep"
		done
	done
done
set_qdiscs '' '' ''
line='{"runs": %d, "ecn_available": %s, "modes": "%s", "rates_mbps": "%s", "queue_limit": %d, "config": "%s",'
line+=' "seconds": %d}\n'
# shellcheck disable=SC2059 # the format is built above
printf "$line" "$n_run" "$ecn_available" "$active_modes" "$rates" "$queue_limit" "$config" "$SECONDS" \
	>"$out/done.json"
say "$n_run runs done in $SECONDS s"
