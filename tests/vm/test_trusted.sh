#!/usr/bin/env bash
# MPTCP_TRUSTED end to end over tools/vm/pathsim: a client with a trusted path (cell0) and an untrusted one
# (wifi0, 1% loss), a server with one interface behind a router, tools/trusted-http on both ends.  Every byte
# sent with the flag is uppercase/digits/punctuation and every other byte is a-z, so any payload byte
# outside a-z that a capture on the untrusted path holds is a leak (tools/trusted-http/pcap-scan).
#  (a) a session of 1000 messages each way (trusted header + untrusted body), 1% loss on wifi0 so that
#      subflow and MPTCP retransmissions happen: no trusted byte on wifi0 in either direction (the
#      server's headers are kept off it by peer prefixes: the client's cell0 subnet trusted, the rest
#      not), untrusted bytes do use wifi0, every byte arrives in order;
#  (b) the client's trusted link loses its carrier for 5 s in the middle of a paced session, with
#      `mpwifi daemon` running: trusted data waits (nothing trusted appears on wifi0: data in flight on
#      cell0 is not reinjected there), untrusted data keeps flowing on wifi0; after the link returns trusted data flows again within 3 s, and every byte arrives in order;
#  (c) first subflow: with the default route through wifi0, `prefer` sends the MP_CAPABLE SYN through
#      cell0 and `off` through wifi0 (captures); `strict` without a trusted interface fails connect()
#      with ENETUNREACH;
#  (d) refused sends: trusted scheduler off -> EOPNOTSUPP; a fallback to plain TCP over wifi0 ->
#      ENETUNREACH; nothing of either reaches the wire;
#  (e) routing moves a subflow that carries trusted data onto wifi0: what is queued on it is dropped at
#      egress, new trusted data is no longer given to it, no leak, and the session completes afterwards;
#  (f) an unprivileged trust change is refused and changes nothing;
#  (g) the module unloads cleanly in the middle of a trusted session.
. "$(dirname "$0")/lib.sh"
out=$MPWIFI_VM_OUT
PATHSIM=$REPO/tools/vm/pathsim
HTTP=${TRUSTED_HTTP:-$REPO/build/tools/trusted-http}
SCAN=$REPO/tools/trusted-http/pcap-scan
pids=()
cleanup() {
	local s=$?
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	"$PATHSIM" down >/dev/null 2>&1 || true
	finish "$s"
}
trap cleanup EXIT

module_load
"$PATHSIM" up --wifi-rate 20 --wifi-delay 5 --wifi-loss 1 --cell-rate 10 --cell-delay 20 >/dev/null
# shellcheck disable=SC1091
. /run/mpwifi-pathsim/env
CLI=$PATHSIM_CLI_NS SRV=$PATHSIM_SRV_NS SERVER=$PATHSIM_SERVER_IP
cli() { ip netns exec "$CLI" "$@"; }
srv() { ip netns exec "$SRV" "$@"; }
now_ns() { python3 -c 'import time; print(time.monotonic_ns())'; }

check "trusted scheduler available" equals "$(cat /sys/module/mpwifi/parameters/trusted_status)" available
cli "$MPWIFI" trust set cell0 trusted
cli "$MPWIFI" trust set wifi0 untrusted
srv "$MPWIFI" trust set "$PATHSIM_SERVER_IF" trusted
srv "$MPWIFI" trust peer add "$PATHSIM_CELL_PREFIX" trusted
srv "$MPWIFI" policy set peer-default untrusted

# policy_stat NS KEY: one counter of `mpwifi -j policy show`
policy_stat() {
	ip netns exec "$1" "$MPWIFI" -j policy show |
		python3 -c 'import json,sys; d=json.load(sys.stdin); print(d.get("counters", d).get(sys.argv[1], ""))' "$2"
}
# scan PCAP KEY: a total of pcap-scan over the trusted-http port; KEY mp_capable_syns counts the
# connections' first SYNs (MP_CAPABLE, not SYN-ACK)
scan() {
	"$SCAN" --port 8080 "$1" | python3 -c '
import json, sys
d = json.load(sys.stdin)
if sys.argv[1] == "mp_capable_syns":
    print(sum(1 for f in d["flows"] if f["syn"] and f["syn"]["mptcp"] == "MP_CAPABLE" and not f["syn"]["ack"]))
else:
    print(d["totals"][sys.argv[1]])' "$2"
}
# dir_bytes PCAP: payload bytes "client->server server->client"
dir_bytes() {
	"$SCAN" --port 8080 "$1" | python3 -c '
import json, sys
d = json.load(sys.stdin)
up = sum(f["payload_bytes"] for f in d["flows"] if f["dport"] == 8080)
down = sum(f["payload_bytes"] for f in d["flows"] if f["sport"] == 8080)
print(up, down)'
}
# last JSON line with "event" == EV from FILE: field KEY
jfield() {
	python3 -c '
import json, sys
v = None
for l in open(sys.argv[1]):
    try: d = json.loads(l)
    except ValueError: continue
    if d.get("event") == sys.argv[2]: v = d.get(sys.argv[3])
print("" if v is None else v)' "$@"
}
capture() { # NS IF FILE: start a full-length capture, pid in $cap
	ip netns exec "$1" tcpdump -i "$2" -s 0 -U -w "$3" 2>/dev/null &
	cap=$!
	pids+=("$cap")
	sleep 1
}
stop_capture() { sleep 0.5; kill "$1" 2>/dev/null || true; wait "$1" 2>/dev/null || true; }
server_start() { # LOG ARGS...: a server for one connection, listening when this returns
	local logf=$1 i
	shift
	ip netns exec "$SRV" "$HTTP" server --max-conns 1 --idle-timeout 30 "$@" >"$logf" 2>&1 &
	server=$!
	pids+=("$server")
	for i in $(seq 50); do
		grep -q '"listening"' "$logf" 2>/dev/null && return 0
		sleep 0.1
	done
	log "      server did not start: $(cat "$logf")"
}
server_stop() { kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; }

# (a) the leak test: 1000 messages each way over a lossy untrusted path
capture "$CLI" wifi0 "$out/a-wifi0.pcap"
server_start "$out/a-server.log"
cli "$HTTP" session "$SERVER" --messages 1000 --header 64 --up 2048 --down 8192 >"$out/a-client.log" 2>&1 || true
wait "$server" || true
stop_capture "$cap"
check "(a) client: all 1000 messages of the download verified in order" \
	equals "$(jfield "$out/a-client.log" done complete)/$(jfield "$out/a-client.log" done mismatches)" "True/0"
check "(a) server: all 1000 messages of the upload verified in order" \
	equals "$(jfield "$out/a-server.log" done complete)/$(jfield "$out/a-server.log" done mismatches)" "True/0"
check "(a) >= 1000 trusted sends seen by the client's module" \
	test "$(policy_stat "$CLI" trusted_sends)" -ge 1000
check "(a) >= 1000 trusted sends seen by the server's module" \
	test "$(policy_stat "$SRV" trusted_sends)" -ge 1000
check "(a) no trusted byte on wifi0 (pcap-scan, both directions)" equals "$(scan "$out/a-wifi0.pcap" leak_bytes)" 0
read -r up down < <(dir_bytes "$out/a-wifi0.pcap")
log "      wifi0 payload: client->server $up B, server->client $down B"
check "(a) untrusted data used wifi0 in both directions (>= 64 KB each)" \
	test "$up" -ge 65536 -a "$down" -ge 65536
retx=$(scan "$out/a-wifi0.pcap" retransmitted_segments)
log "      wifi0 retransmitted segments: $retx"
check "(a) retransmissions happened on wifi0" test "$retx" -gt 0

# (b) the trusted link goes away for 5 s mid-transfer; the daemon brings a subflow back
cat >"$out/mpwifi.conf" <<EOF
# the test's paths are both veth: say which one is the untrusted WiFi
override = iface:wifi0=untrusted
override = iface:cell0=trusted
EOF
cli "$MPWIFI" trust set cell0 auto
cli "$MPWIFI" trust set wifi0 auto
ip netns exec "$CLI" "$MPWIFI" daemon --config "$out/mpwifi.conf" >"$out/daemon.log" 2>&1 &
daemon=$!
pids+=("$daemon")
sleep 1
check "(b) daemon classified cell0 trusted" equals "$(cli "$MPWIFI" -j trust show cell0 |
	python3 -c 'import json,sys; d=json.load(sys.stdin); d=d[0] if isinstance(d,list) else d; print(d["level"])')" trusted
capture "$CLI" wifi0 "$out/b-wifi0.pcap"
server_start "$out/b-server.log"
ip netns exec "$CLI" "$HTTP" session "$SERVER" --messages 2000 --rate 100 --header 64 --up 2048 --down 4096 \
	--progress-ms 250 >"$out/b-client.log" 2>&1 &
client=$!
pids+=("$client")
sleep 6
outer=$cap
"$PATHSIM" link-down cell0 >/dev/null
t_down=$(now_ns)
ip netns exec "$CLI" tcpdump -i wifi0 -s 0 -U -w "$out/b-outage-wifi0.pcap" 2>/dev/null &
during=$!
pids+=("$during")
sleep 5
t_up=$(now_ns)
"$PATHSIM" link-up cell0 >/dev/null
log "      cell0 without carrier for $(( (t_up - t_down) / 1000000 )) ms (then link-up took $(( ($(now_ns) - t_up) / 1000000 )) ms)"
stop_capture "$during"
cap=$outer
wait "$client" || true
wait "$server" || true
stop_capture "$cap"
python3 - "$out/b-client.log" "$out/b-server.log" "$t_down" "$t_up" >"$out/b-timeline.txt" <<'PY'
import json, sys
client, server, t_down, t_up = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
def lines(f):
    return [d for d in (json.loads(l) for l in open(f) if l.startswith("{")) if d.get("event") == "progress"]
c, s = lines(client), lines(server)
def at(rows, t, key):  # the last value at or before t
    v = 0
    for r in rows:
        if r["t_ns"] <= t: v = r[key]
    return v
def resumed(rows, key, after):  # first time after `after` the counter grew past its value at `after`
    base = at(rows, after, key)
    for r in rows:
        if r["t_ns"] > after and r[key] > base: return (r["t_ns"] - after) / 1e9
    return None
# trusted bytes received during the outage (after 0.5 s for what was already in flight)
print("rx_trusted_during_outage_client", at(c, t_up, "rx_trusted") - at(c, t_down + 500_000_000, "rx_trusted"))
print("rx_trusted_during_outage_server", at(s, t_up, "rx_trusted") - at(s, t_down + 500_000_000, "rx_trusted"))
print("tx_untrusted_during_outage_client", at(c, t_up, "tx_untrusted") - at(c, t_down + 500_000_000, "tx_untrusted"))
r1, r2 = resumed(c, "rx_trusted", t_up), resumed(s, "rx_trusted", t_up)
print("resume_s_client", -1 if r1 is None else r1)
print("resume_s_server", -1 if r2 is None else r2)
PY
cat "$out/b-timeline.txt"
tl() { awk -v k="$1" '$1 == k { print $2 }' "$out/b-timeline.txt"; }
# wifi0 payload sent while cell0 was down
outage_bytes=$(scan "$out/b-outage-wifi0.pcap" payload_bytes)
log "      wifi0 payload during the outage: $outage_bytes B"
check "(b) no trusted byte received during the outage" \
	test "$(tl rx_trusted_during_outage_client)" -eq 0 -a "$(tl rx_trusted_during_outage_server)" -eq 0
check "(b) untrusted data kept flowing on wifi0 during the outage" test "$outage_bytes" -gt 0
check "(b) no trusted byte on wifi0 (no reinjection of trusted data in flight)" \
	equals "$(scan "$out/b-wifi0.pcap" leak_bytes)" 0
check "(b) trusted data flowed again within 3 s of the link's return (download)" \
	python3 -c 'import sys; v=float(sys.argv[1]); sys.exit(not (0 <= v <= 3))' "$(tl resume_s_client)"
check "(b) trusted data flowed again within 3 s of the link's return (upload)" \
	python3 -c 'import sys; v=float(sys.argv[1]); sys.exit(not (0 <= v <= 3))' "$(tl resume_s_server)"
check "(b) every byte arrived in order, both ways" \
	equals "$(jfield "$out/b-client.log" done complete)/$(jfield "$out/b-server.log" done complete)/$(jfield "$out/b-client.log" done mismatches)/$(jfield "$out/b-server.log" done mismatches)" "True/True/0/0"
kill "$daemon" 2>/dev/null || true
wait "$daemon" 2>/dev/null || true
cli "$MPWIFI" trust set cell0 trusted
cli "$MPWIFI" trust set wifi0 untrusted

# (c) first subflow: make wifi0 the default route, then look at where the MP_CAPABLE SYN goes
cli ip route replace default via "$PATHSIM_WIFI_GW" dev wifi0 metric 1
syn_on() { # POLICY: "wifi0-syns cell0-syns" of one page load
	cli "$MPWIFI" policy set first-subflow "$1"
	capture "$CLI" wifi0 "$out/c-$1-wifi0.pcap"
	local cw=$cap
	capture "$CLI" cell0 "$out/c-$1-cell0.pcap"
	local cc=$cap
	server_start "$out/c-$1-server.log"
	cli "$HTTP" get "$SERVER" --size 1K --loads 1 >"$out/c-$1-client.log" 2>&1 || true
	wait "$server" || true
	stop_capture "$cw"
	stop_capture "$cc"
	echo "$(scan "$out/c-$1-wifi0.pcap" mp_capable_syns) $(scan "$out/c-$1-cell0.pcap" mp_capable_syns)"
}
read -r w c < <(syn_on prefer)
check "(c) prefer: the MP_CAPABLE SYN left through cell0, not wifi0" equals "$w/$c" "0/1"
read -r w c < <(syn_on off)
check "(c) off: the MP_CAPABLE SYN followed the route through wifi0" equals "$w/$c" "1/0"
cli "$MPWIFI" trust set cell0 untrusted
cli "$MPWIFI" policy set first-subflow strict
cli "$HTTP" get "$SERVER" --size 1K --loads 1 --no-trusted --timeout 5 >"$out/c-strict.log" 2>&1 || true
check "(c) strict without a trusted interface: connect() fails with ENETUNREACH" \
	equals "$(jfield "$out/c-strict.log" error op)/$(jfield "$out/c-strict.log" error errno)" "connect/ENETUNREACH"
cli "$MPWIFI" trust set cell0 trusted
cli "$MPWIFI" policy set first-subflow prefer

# (d) refused sends
cli "$MPWIFI" policy set trusted-sched off
server_start "$out/d-off-server.log" --no-trusted
cli "$HTTP" get "$SERVER" --size 1K --loads 1 --timeout 5 >"$out/d-off.log" 2>&1 || true
server_stop
check "(d) trusted scheduler off: the trusted send fails with EOPNOTSUPP" \
	equals "$(jfield "$out/d-off.log" error op)/$(jfield "$out/d-off.log" error errno)" "send/EOPNOTSUPP"
cli "$MPWIFI" policy set trusted-sched on first-subflow off
capture "$CLI" wifi0 "$out/d-fallback-wifi0.pcap"
server_start "$out/d-fallback-server.log" --tcp --no-trusted
cli "$HTTP" get "$SERVER" --size 1K --loads 1 --timeout 5 >"$out/d-fallback.log" 2>&1 || true
server_stop
stop_capture "$cap"
check "(d) fallback to TCP over wifi0: the trusted send fails with ENETUNREACH" \
	equals "$(jfield "$out/d-fallback.log" error op)/$(jfield "$out/d-fallback.log" error errno)" "send/ENETUNREACH"
check "(d) ... and no trusted byte reached wifi0" equals "$(scan "$out/d-fallback-wifi0.pcap" leak_bytes)" 0
cli ip route del default via "$PATHSIM_WIFI_GW" dev wifi0 metric 1

# (e) the route of a subflow carrying trusted data moves to wifi0: the egress guard holds it back
cli "$MPWIFI" policy set first-subflow off
drops0=$(policy_stat "$CLI" egress_drops) waits0=$(policy_stat "$CLI" waits)
capture "$CLI" wifi0 "$out/e-wifi0.pcap"
server_start "$out/e-server.log"
ip netns exec "$CLI" "$HTTP" session "$SERVER" --messages 600 --rate 100 --header 64 --up 1024 --down 1024 \
	--idle-timeout 20 >"$out/e-client.log" 2>&1 &
client=$!
pids+=("$client")
sleep 2
# policy routing sends the unbound first subflow (source cell0's address) through wifi0 from now on
cli ip rule add from "$PATHSIM_CELL_IP" lookup "$PATHSIM_WIFI_TABLE" priority 5
cli ip route flush cache
sleep 3
cli ip rule del from "$PATHSIM_CELL_IP" lookup "$PATHSIM_WIFI_TABLE" priority 5
wait "$client" || true
wait "$server" || true
stop_capture "$cap"
drops=$(( $(policy_stat "$CLI" egress_drops) - drops0 )) waits=$(( $(policy_stat "$CLI" waits) - waits0 ))
log "      while rerouted: $drops segments dropped at egress, $waits picks withheld"
# queued trusted segments are dropped at egress; new trusted data is no longer given to the subflow
check "(e) trusted data held back from the rerouted subflow (egress drops or withheld picks)" \
	test $((drops + waits)) -gt 0
check "(e) the session completed in order once the route came back" \
	equals "$(jfield "$out/e-client.log" done complete)/$(jfield "$out/e-client.log" done mismatches)" "True/0"
check "(e) no trusted byte on wifi0" equals "$(scan "$out/e-wifi0.pcap" leak_bytes)" 0
cli "$MPWIFI" policy set first-subflow prefer

# (f) privileges
check "(f) an unprivileged trust change is refused" \
	bash -c "! ip netns exec $CLI setpriv --reuid=65534 --regid=65534 --clear-groups $MPWIFI trust set cell0 untrusted 2>/dev/null"
check "(f) ... and changed nothing" equals "$(cli "$MPWIFI" -j trust show cell0 |
	python3 -c 'import json,sys; d=json.load(sys.stdin); d=d[0] if isinstance(d,list) else d; print(d["level"])')" trusted

# (g) the module unloads cleanly in the middle of a trusted session (its ranges and work items go with it)
server_start "$out/g-server.log"
ip netns exec "$CLI" "$HTTP" session "$SERVER" --messages 400 --rate 100 --header 64 --up 1024 --down 1024 \
	--idle-timeout 20 >"$out/g-client.log" 2>&1 &
client=$!
pids+=("$client")
sleep 2
check "(g) connections hold trusted ranges before the unload" test "$(policy_stat "$CLI" connections)" -ge 1
check "(g) rmmod under trusted traffic" rmmod mpwifi
wait "$client" || true
wait "$server" || true
check "(g) the session still completed, in order" \
	equals "$(jfield "$out/g-client.log" done complete)/$(jfield "$out/g-client.log" done mismatches)" "True/0"
