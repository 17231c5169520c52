#!/usr/bin/env bash
# ECN steering end to end: two APs on one channel through airsim, a client on both, MPTCP downloads.
# ap1 sends at 18 Mbit/s, ap2 at 6 (rates pinned with `iw set bitrates`), so ap2's packet time is about
# three times ap1's: ap2 is the one to mark.
#  (a) marking off: nothing is marked; the share of the download through ap2 is recorded;
#  (b) marking on (uncoupled law, cap 5%): marks only on sta2 (ap2's subflow), at a realised rate within
#      10% of the capped delta the module reports, and the share through ap2 falls.  The smallest budget
#      (1 ppm) keeps the law's delta at the cap for any RTT the receiver of a starved subflow may
#      estimate (with 1%, T 2.8 ms against a best of 1.0 ms, it falls under 2% beyond 3.7 s), so the
#      delta is known;
#  (c) cap 2%: the realised rate follows the lower cap;
#  (d) plain TCP through both APs while ap2 is marked: never counted, never marked;
#  (e) MPTCP without ECN (Not-ECT packets) while ap2 is marked: never counted, never marked;
#  (f) both APs at 18 Mbit/s: nothing is marked.
# Marks are counted independently of the module by nftables in the client namespace, at a prerouting
# hook after mpwifi's (priority 0): CE packets and ECN-capable TCP packets per interface.
. "$(dirname "$0")/lib.sh"
trap 'finish $?' EXIT
out=$MPWIFI_VM_OUT
STEADY_S=8	# seconds measured in the parts without marks

# Every radio within a few metres of every other: no loss, one shared channel.
cat >"$out/airsim-config.json" <<JSON
{
  "seed": 11,
  "radios": [
    {"name": "ap1", "freq_mhz": 2412, "position": [0, 0], "tx_power_dbm": 20},
    {"name": "ap2", "freq_mhz": 2412, "position": [4, 0], "tx_power_dbm": 20},
    {"name": "sta1", "freq_mhz": 2412, "position": [2, 1], "tx_power_dbm": 20},
    {"name": "sta2", "freq_mhz": 2412, "position": [2, -1], "tx_power_dbm": 20}
  ]
}
JSON

module_load
topo_up --aps 2 --stations 2 --channel 1 --rates "6 18" --airsim "$out/airsim-config.json"
for ns in "$TOPO_CLI_NS" "$TOPO_SRV_NS"; do ip netns exec "$ns" sysctl -qw net.ipv4.tcp_ecn=1; done
pin_rate() { ip netns exec "ap$1" iw dev "wlan-ap$1" set bitrates legacy-2.4 "$2"; }
pin_rate 1 18
pin_rate 2 6

in_cli nft -f - <<NFT
table inet ecncount {
	counter ce1 {}
	counter ect1 {}
	counter ce2 {}
	counter ect2 {}
	chain pre {
		type filter hook prerouting priority 0; policy accept;
		iifname "$STA1_IF" meta l4proto tcp ip ecn ce counter name ce1
		iifname "$STA1_IF" meta l4proto tcp ip ecn != not-ect counter name ect1
		iifname "$STA2_IF" meta l4proto tcp ip ecn ce counter name ce2
		iifname "$STA2_IF" meta l4proto tcp ip ecn != not-ect counter name ect2
	}
}
NFT
# snapshot: one line "marked1 ect1 marked2 ect2 nft_ce1 nft_ect1 nft_ce2 nft_ect2 rx1 rx2 marking2 t_ns"
# (marking2: the module's ecn_marking flag of sta2's AP; t_ns: CLOCK_MONOTONIC, as `ap watch` has it), read in one
# go (nftables first, then the module through a netlink client that shares no code with the agent, then
# the interfaces' rx_bytes), so every column covers nearly the same interval
cat >"$out/snapshot.py" <<'PY'
import json, socket, subprocess, sys, time
sys.path.insert(0, sys.argv[1])
import genl_raw
ifs = sys.argv[2:]
nft = json.loads(subprocess.run(["nft", "-j", "list", "counters", "table", "inet", "ecncount"],
                                check=True, capture_output=True, text=True).stdout)
counts = {o["counter"]["name"]: o["counter"]["packets"] for o in nft["nftables"] if "counter" in o}
sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, genl_raw.NETLINK_GENERIC)
by = {a["ifname"]: a for a in genl_raw.ap_dump(sock, genl_raw.resolve(sock, "mpwifi"), genl_raw.uapi_enums())}
rx = [int(open(f"/sys/class/net/{i}/statistics/rx_bytes").read()) for i in ifs]
print(*[by[i].get(k, 0) for i in ifs for k in ("marked", "ect")],
      counts["ce1"], counts["ect1"], counts["ce2"], counts["ect2"], *rx, by[ifs[1]].get("ecn_marking", 0),
      time.monotonic_ns())
PY
snapshot() { in_cli python3 "$out/snapshot.py" "$REPO/tests/vm" "$STA1_IF" "$STA2_IF"; }
# delta BEFORE AFTER INDEX: the growth of one snapshot column (1-based)
delta() { echo $(( $(echo "$2" | cut -d' ' -f"$3") - $(echo "$1" | cut -d' ' -f"$3") )); }
ecn() { in_cli "$MPWIFI" ecn set "$@"; }

# the server is up once it listens
wait_listening() {
	for _ in $(seq 50); do
		ip netns exec "$TOPO_SRV_NS" ss -Hltn "sport = :$1" | grep -q . && return 0
		sleep 0.1
	done
	log "no server on port $1"; return 1
}
ip netns exec "$TOPO_SRV_NS" mptcpize run iperf3 -s -D -p 5201
ip netns exec "$TOPO_SRV_NS" iperf3 -s -D -p 5202
ip netns exec "$TOPO_SRV_NS" iperf3 -s -D -p 5203
wait_listening 5201; wait_listening 5202; wait_listening 5203
# download SECONDS: an MPTCP download from the server (background; $dl is iperf3's pid: ip netns exec
# and mptcpize exec it)
download() {
	ip netns exec "$TOPO_CLI_NS" mptcpize run iperf3 -c "$TOPO_SERVER_IP" -p 5201 -R -t "$1" -J \
		>"$out/iperf3-$RANDOM.json" 2>&1 &
	dl=$!
}
# marking_of IFNAME: the agent's ecn_marking flag for IFNAME's AP, now (True or False)
marking_of() { ap_field "$1" ecn_marking; }
# eligible IFNAME: True once IFNAME's AP is flagged within 3 s (each read re-evaluates; a verdict must hold
# for 500 ms to switch), else False
eligible() {
	local _
	for _ in $(seq 10); do
		[ "$(marking_of "$1")" = True ] && { echo True; return; }
		sleep 0.3
	done
	echo False
}

# (a) off
ecn enabled off
download $((STEADY_S + 3)); sleep 3
a0=$(snapshot); sleep "$STEADY_S"; a1=$(snapshot); wait "$dl"
log "      snapshots: $a0 / $a1"
share_off=$(python3 -c 'import sys; a, b = map(int, sys.argv[1:]); print(f"{b / (a + b):.3f}")' \
	"$(delta "$a0" "$a1" 9)" "$(delta "$a0" "$a1" 10)")
log "off: share through ap2 $share_off"
check "off: nothing marked (module)" equals "$(delta "$a0" "$a1" 1) $(delta "$a0" "$a1" 3)" "0 0"
check "off: no CE arrives (nftables)" equals "$(delta "$a0" "$a1" 5) $(delta "$a0" "$a1" 7)" "0 0"

# measure_marks DELTA: snapshots $m0 and $m1 around a stretch of the running download, and in $ce and $ect
# the CE and ECN-capable packets through ap2 (nftables) summed over its 1 s steps in which ap2 was marked
# throughout: at both ends, and in every sample of the module's 250 ms watch (watch-bc.jsonl) in between
# (marking pauses while the starved subflow's AP has no estimate for long, and a pause lasts at least the
# 500 ms a verdict must hold, so one inside a step shows in the watch).  The stretch
# holds enough packets for DELTA to be resolved to 5%: the credit accumulator puts each socket's count of
# marks within one of DELTA x its packets, and two sockets use ap2 (iperf3's data and control
# connections), so 40 / DELTA packets suffice (at most 60 s).
cat >"$out/marked_steps.py" <<'PY'
import json, sys
steps, watch, iface = sys.argv[1:]
off = []
for line in open(watch):
    try:
        sample = json.loads(line)
    except ValueError:
        continue			# the line being written
    if not any(a["ifname"] == iface and a["ecn_marking"] for a in sample["aps"]):
        off.append(sample["t_ns"])
ce = ect = 0
for line in open(steps):
    a, b = (list(map(int, s.split())) for s in line.split("|"))
    if a[10] == b[10] == 1 and not any(a[11] <= t <= b[11] for t in off):
        ce += b[6] - a[6]
        ect += b[7] - a[7]
print(ce, ect)
PY
# packets_needed DELTA: the ECN-capable packets a measurement of DELTA must hold (above)
packets_needed() { python3 -c "import math; print(math.ceil(40 / $1))"; }
measure_marks() {
	local need t=0 prev cur
	need=$(packets_needed "$1")
	ce=0 ect=0
	m0=$(snapshot) prev=$m0
	: >"$out/steps-$1.txt"
	while sleep 1; t=$((t + 1)); cur=$(snapshot); do
		echo "$prev|$cur" >>"$out/steps-$1.txt"
		prev=$cur
		read -r ce ect < <(python3 "$out/marked_steps.py" "$out/steps-$1.txt" "$out/watch-bc.jsonl" "$STA2_IF")
		if [ "$ect" -ge "$need" ] || [ "$t" -ge 60 ]; then break; fi
	done
	m1=$cur
}
# realised_ok DELTA: marks / ECN-capable packets through ap2 while marked, by nftables, within 10% of DELTA
realised_ok() {
	log "      nftables, while ap2 was marked: $ce CE of $ect ECN-capable packets through ap2: $(python3 -c \
		"print(f'{$ce / max($ect, 1):.4f}')") (delta $1); over the whole stretch $(delta "$m0" "$m1" 7) of $(delta "$m0" "$m1" 8)"
	[ "$ect" -ge "$(packets_needed "$1")" ] &&
		within "$(python3 -c "print($ce / $ect)")" "$1" "$(python3 -c "print($1 * 0.1)")"
}

# (b) on, uncoupled law, 5% cap
ecn enabled on law uncoupled cap 5 threshold 20 budget 0.0001
download 180
# the module's view through (b) and (c), for the logs
ip netns exec "$TOPO_CLI_NS" "$MPWIFI" -j ap watch --interval 250 >"$out/watch-bc.jsonl" 2>&1 &
watch_pid=$!
sleep 3
check "on: ap2 (6 Mbit/s) is marked" equals "$(marking_of "$STA2_IF")" "True"
check "on: ap1 (18 Mbit/s) is not" equals "$(marking_of "$STA1_IF")" "False"
mark_delta=$(ap_field "$STA2_IF" mark_delta)
log "      module's delta for ap2's subflow: $mark_delta (uncoupled law, capped at 0.05)"
check "on: delta is the 5% cap" equals "$mark_delta" "0.05"
measure_marks 0.05
share_on=$(python3 -c 'import sys; a, b = map(int, sys.argv[1:]); print(f"{b / (a + b):.3f}")' \
	"$(delta "$m0" "$m1" 9)" "$(delta "$m0" "$m1" 10)")
log "on: share through ap2 $share_on (off: $share_off)"
check "on: no mark on sta1 (module, nftables)" equals "$(delta "$m0" "$m1" 1) $(delta "$m0" "$m1" 5)" "0 0"
check "on: realised rate within 10% of the capped delta" realised_ok 0.05
check "on: share through ap2 falls below 0.8 x off" \
	python3 -c "import sys; sys.exit(not $share_on < 0.8 * $share_off)"
# the agent's view: cumulative marks where they happened, none elsewhere
check "on: agent reports marks on sta2 only" \
	python3 -c "import sys; sys.exit(not (int('$(ap_field "$STA2_IF" marked)') > 0 and
		'$(ap_field "$STA1_IF" marked)' == '0' and '$(ap_field "$STA1_IF" mark_rate)' in ('0', '0.0', '')))"

# (c) cap 2%
ecn cap 2
sleep 2
measure_marks 0.02
kill "$dl" "$watch_pid" 2>/dev/null || true
wait "$dl" "$watch_pid" 2>/dev/null || true
check "cap 2%: realised rate within 10% of it" realised_ok 0.02
sleep 1
quiet=$(snapshot)
log "      totals: $quiet"
check "every mark the module counts is a CE packet nftables sees, and no other" \
	equals "$(echo "$quiet" | cut -d' ' -f1,3)" "$(echo "$quiet" | cut -d' ' -f5,7)"

# (d) plain TCP through each AP while ap2 stays marked
ip netns exec "$TOPO_CLI_NS" iperf3 -c "$TOPO_SERVER_IP" -p 5202 -R -t 8 -B "$STA1_IP" >"$out/plain1.txt" 2>&1 &
p1=$!
ip netns exec "$TOPO_CLI_NS" iperf3 -c "$TOPO_SERVER_IP" -p 5203 -R -t 8 -B "$STA2_IP" >"$out/plain2.txt" 2>&1 &
p2=$!
sleep 3
d0=$(snapshot)
marking_plain=$(eligible "$STA2_IF")
sleep 3
d1=$(snapshot); wait "$p1" "$p2"
log "plain TCP: $(delta "$d0" "$d1" 8) ECN-capable packets through ap2, ap2 marking: $marking_plain"
check "plain TCP: ap2 still eligible for marking" equals "$marking_plain" "True"
check "plain TCP: ECN-capable traffic flowed through ap2" test "$(delta "$d0" "$d1" 8)" -ge 100
check "plain TCP: never counted nor marked (module)" \
	equals "$(delta "$d0" "$d1" 2) $(delta "$d0" "$d1" 4) $(delta "$d0" "$d1" 3)" "0 0 0"
check "plain TCP: no CE (nftables)" equals "$(delta "$d0" "$d1" 5) $(delta "$d0" "$d1" 7)" "0 0"

# (e) MPTCP with ECN off at the server: Not-ECT packets only
ip netns exec "$TOPO_SRV_NS" sysctl -qw net.ipv4.tcp_ecn=0
download 8; sleep 3
e0=$(snapshot)
marking_notect=$(eligible "$STA2_IF")
sleep 3
e1=$(snapshot); wait "$dl"
ip netns exec "$TOPO_SRV_NS" sysctl -qw net.ipv4.tcp_ecn=1
log "Not-ECT: $(delta "$e0" "$e1" 10) bytes through ap2, ap2 marking: $marking_notect"
check "Not-ECT: ap2 still eligible for marking" equals "$marking_notect" "True"
check "Not-ECT: traffic flowed through ap2" test "$(delta "$e0" "$e1" 10)" -ge 50000
check "Not-ECT: never counted nor marked (module)" \
	equals "$(delta "$e0" "$e1" 3) $(delta "$e0" "$e1" 4)" "0 0"
check "Not-ECT: no CE, no ECN-capable packet (nftables)" equals "$(delta "$e0" "$e1" 7) $(delta "$e0" "$e1" 8)" "0 0"

# (f) equal APs, default settings
ecn cap 5 budget 10
pin_rate 2 18
download $((STEADY_S + 3)); sleep 3
f0=$(snapshot); sleep "$STEADY_S"; f1=$(snapshot); wait "$dl"
log "equal: $(delta "$f0" "$f1" 2) + $(delta "$f0" "$f1" 4) ECT segments counted"
check "equal APs: both carried ECN-capable MPTCP traffic" \
	test "$(delta "$f0" "$f1" 2)" -ge 100 -a "$(delta "$f0" "$f1" 4)" -ge 100
check "equal APs: nothing marked (module, nftables)" \
	equals "$(delta "$f0" "$f1" 1) $(delta "$f0" "$f1" 3) $(delta "$f0" "$f1" 5) $(delta "$f0" "$f1" 7)" "0 0 0 0"
check "equal APs: no AP flagged for marking" \
	equals "$(marking_of "$STA1_IF") $(marking_of "$STA2_IF")" "False False"
in_cli "$MPWIFI" -j ecn show >"$out/ecn.json"
