#!/usr/bin/env bash
# Inside the VM: the raw data of bench/trusted-pageload.  The two-path world of tools/vm/pathsim (client
# with an untrusted "WiFi" path wifi0 and a trusted "cellular" path cell0, a server with one interface), the
# mpwifi module loaded, the client's cell0 trusted and wifi0 untrusted, on the server the client's cell0
# subnet trusted and every other peer untrusted.  At each point (rates, one-way delays, object size) page
# loads with tools/trusted-http, one process per load, the variants interleaved (ABAB):
#   trusted   request and response heads sent with MPTCP_TRUSTED (server on port 8080)
#   regular   the same programs with --no-trusted (server on port 8081)
# Each connection starts on cell0 (routing: pathsim's default route through cell0 has the lower metric)
# and adds a subflow over wifi0.  When the module reports trusted sends unavailable, or the CLI has no
# `trust` command, the trusted variant cannot run: with --aa-fallback the run goes on with two regular
# variants (regular, regular2: an A/A comparison, the benchmark's noise floor), else it fails.
# Analysis happens on the host.
#
# usage: trusted-pageload.sh --points "ID:WIFI_MBIT:CELL_MBIT:WIFI_DELAY_MS:CELL_DELAY_MS:SIZE ..."
#                            [--reps N] [--warmup N] [--aa-fallback] [--capture]
#   --points   one-way delays; SIZE in bytes (K, M suffixes: 1024-based)
#   --reps     page loads per variant and point (default 5)
#   --warmup   discarded loads per variant at each point before the measured ones (default 1)
#   --capture  tcpdump on the client's wifi0 (headers only, 128 bytes) for the whole run: wifi0.pcap
#
# Writes to $MPWIFI_VM_OUT: loads.jsonl (one line per page load: the client's JSON line plus point, variant,
# rep, order, status), trusted.json (whether the trusted variant ran, and why not), policy.json (the
# server's and client's `mpwifi -j policy show` after the run, when available), server-*.jsonl,
# pathsim-env.txt, done.json.
set -eu
repo=$(cd "$(dirname "$0")/../.." && pwd -P)
out=${MPWIFI_VM_OUT:?run inside the VM (tools/vm/run)}
mpwifi=${MPWIFI_CLI:-$repo/build/agent/mpwifi}
pathsim=$repo/tools/vm/pathsim
thttp=${MPWIFI_TRUSTED_HTTP:-$repo/build/tools/trusted-http}

points=''
reps=5
warmup=1
aa_fallback=0
capture=0
while [ $# -gt 0 ]; do
	case $1 in
	--points) points=$2; shift 2 ;;
	--reps) reps=$2; shift 2 ;;
	--warmup) warmup=$2; shift 2 ;;
	--aa-fallback) aa_fallback=1; shift ;;
	--capture) capture=1; shift ;;
	*) echo "trusted-pageload.sh: unknown argument '$1'" >&2; exit 2 ;;
	esac
done
[ -n "$points" ] || { echo "trusted-pageload.sh: --points is required" >&2; exit 2; }
[ -x "$thttp" ] || { echo "trusted-pageload.sh: $thttp missing (cmake --build ... --target trusted-http)" >&2; exit 2; }

say() { echo "pageload: $*"; }
die() {
	echo "pageload: error: $*" >&2
	exit 1
}

srv_pids=()
cap_pid=''
cleanup() {
	local rc=$? p
	for p in "${srv_pids[@]}" $cap_pid; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	"$pathsim" down >/dev/null 2>&1 || true
	! grep -q '^mpwifi ' /proc/modules || rmmod mpwifi || true
	exit "$rc"
}
trap cleanup EXIT

# shellcheck source=bench/vm/lib.sh
. "$repo/bench/vm/lib.sh"

start=$SECONDS
[ -f "$repo/kernel/mpwifi.ko" ] || die "kernel/mpwifi.ko missing (make module)"
insmod "$repo/kernel/mpwifi.ko"
"$pathsim" up
# shellcheck disable=SC1091
. /run/mpwifi-pathsim/env
"$pathsim" env >"$out/pathsim-env.txt"
cli() { ip netns exec "$PATHSIM_CLI_NS" "$@"; }
srv() { ip netns exec "$PATHSIM_SRV_NS" "$@"; }

# the trusted variant needs enforcement in the module and the trust commands of the CLI
reason=''
status=$(trusted_status)
if [ "$status" != available ]; then
	reason="module: ${status:-no $MPWIFI_TRUSTED_STATUS_FILE}"
elif ! cli "$mpwifi" trust set "$PATHSIM_TRUSTED_IF" trusted >"$out/trust.log" 2>&1 ||
	! cli "$mpwifi" trust set "$PATHSIM_UNTRUSTED_IF" untrusted >>"$out/trust.log" 2>&1 ||
	! srv "$mpwifi" trust set "$PATHSIM_SERVER_IF" trusted >>"$out/trust.log" 2>&1 ||
	! srv "$mpwifi" trust peer add "$PATHSIM_CELL_PREFIX" trusted >>"$out/trust.log" 2>&1 ||
	! srv "$mpwifi" policy set peer-default untrusted >>"$out/trust.log" 2>&1; then
	reason="CLI: $(tr '\n' ' ' <"$out/trust.log" | head -c 300)"
fi
if [ -z "$reason" ]; then
	variants='trusted regular'
	printf '{"available": true, "status": "%s"}\n' "$status" >"$out/trusted.json"
	say "trusted sends available; cell0 trusted, wifi0 untrusted; server: its $PATHSIM_SERVER_IF trusted," \
		"peers in $PATHSIM_CELL_PREFIX trusted, others untrusted"
else
	reason=${reason//\"/\'}
	printf '{"available": false, "status": "%s", "reason": "%s"}\n' "$status" "$reason" >"$out/trusted.json"
	[ "$aa_fallback" = 1 ] || die "trusted variant unavailable ($reason)"
	variants='regular regular2'
	say "trusted variant UNAVAILABLE ($reason): A/A run with two regular variants"
fi

# servers: 8080 trusted (when available), 8081 regular (--no-trusted); 8082 a second regular one for A/A
port_of() { case $1 in trusted) echo 8080 ;; regular) echo 8081 ;; regular2) echo 8082 ;; esac; }
for v in $variants; do
	flag=()
	[ "$v" = trusted ] || flag=(--no-trusted)
	srv "$thttp" server --port "$(port_of "$v")" "${flag[@]}" >"$out/server-$v.jsonl" 2>&1 &
	srv_pids+=($!)
done
for v in $variants; do
	for _ in $(seq 50); do
		srv ss -Hltn "sport = :$(port_of "$v")" | grep -q . && break
		sleep 0.1
	done
	srv ss -Hltn "sport = :$(port_of "$v")" | grep -q . || die "server for $v not listening: $(cat "$out/server-$v.jsonl")"
done
if [ "$capture" = 1 ]; then
	cli tcpdump -i "$PATHSIM_UNTRUSTED_IF" -s 128 -w "$out/wifi0.pcap" 2>"$out/tcpdump.log" &
	cap_pid=$!
fi

# load POINT VARIANT REP ORDER SIZE: one page load, one line in loads.jsonl
n_loads=0
n_failed=0
load() {
	local id=$1 v=$2 rep=$3 order=$4 size=$5 line rc=0 flag=()
	[ "$v" = trusted ] || flag=(--no-trusted)
	line=$(cli "$thttp" get "$PATHSIM_SERVER_IP" --port "$(port_of "$v")" --size "$size" --timeout 60 \
		"${flag[@]}" 2>"$out/client.err" | tail -n 1) || rc=$?
	[ -n "$line" ] || line='{"event": "error", "message": "no output"}'
	[ "$rep" -lt 0 ] && return 0   # warm-up
	n_loads=$((n_loads + 1))
	[ "$rc" = 0 ] || n_failed=$((n_failed + 1))
	printf '{"point": "%s", "variant": "%s", "rep": %d, "order": %d, "status": %d, "t_ns": %s, "client": %s}\n' \
		"$id" "$v" "$rep" "$order" "$rc" "$(uptime_ns)" "$line" >>"$out/loads.jsonl"
}

: >"$out/loads.jsonl"
read -r -a vs <<<"$variants"
n_point=0
for item in $points; do
	IFS=: read -r id wr cr wd cd size <<<"$item"
	"$pathsim" set --wifi-rate "$wr" --cell-rate "$cr" --wifi-delay "$wd" --cell-delay "$cd" >/dev/null
	# ABAB, starting with A at even points and with B at odd points
	a=${vs[$((n_point % 2))]} b=${vs[$(((n_point + 1) % 2))]}
	t0=$SECONDS
	for ((w = 0; w < warmup; w++)); do
		load "$id" "$a" -1 0 "$size"
		load "$id" "$b" -1 0 "$size"
	done
	order=0
	for ((rep = 0; rep < reps; rep++)); do
		load "$id" "$a" "$rep" "$order" "$size"; order=$((order + 1))
		load "$id" "$b" "$rep" "$order" "$size"; order=$((order + 1))
	done
	say "point $id (wifi $wr Mbit/s ${wd} ms, cell $cr Mbit/s ${cd} ms, $size bytes): $((2 * reps)) loads in $((SECONDS - t0)) s"
	n_point=$((n_point + 1))
done
for ns in "$PATHSIM_CLI_NS" "$PATHSIM_SRV_NS"; do
	ip netns exec "$ns" "$mpwifi" -j policy show >"$out/policy-$ns.json" 2>/dev/null || rm -f "$out/policy-$ns.json"
done
printf '{"loads": %d, "failed": %d, "points": %d, "reps": %d, "warmup": %d, "variants": "%s", "seconds": %d}\n' \
	"$n_loads" "$n_failed" "$n_point" "$reps" "$warmup" "$variants" "$((SECONDS - start))" >"$out/done.json"
say "$n_loads loads ($n_failed failed) in $((SECONDS - start)) s"
