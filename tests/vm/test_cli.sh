#!/usr/bin/env bash
# The CLI and the netlink family at their edges: module absent, permissions,
# bad arguments, and requests the kernel must refuse with a clear message.
. "$(dirname "$0")/lib.sh"
trap 'finish $?' EXIT
raw=$REPO/tests/vm/genl_raw.py
nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }

out=$("$MPWIFI" ap show 2>&1) && status=0 || status=$?
check "module absent: exit 1" equals "$status" 1
check "module absent: says so" sh -c "echo '$out' | grep -q 'kernel module is not loaded'"

module_load
check "no stations: empty JSON array" equals "$("$MPWIFI" -j ap show)" "[]"
check "reading needs no privilege" nobody "$MPWIFI" ap show
out=$(nobody "$MPWIFI" config set window-ms 100 2>&1) && status=0 || status=$?
check "unprivileged config set refused" equals "$status" 1
check "... with a clear message" sh -c "echo '$out' | grep -q CAP_NET_ADMIN"
check "... and nothing changed" equals \
	"$("$MPWIFI" -j config show | python3 -c 'import json,sys; print(json.load(sys.stdin)["window_ms"])')" 500
check "unprivileged flush refused" sh -c "! nobody '$MPWIFI' ap flush 2>/dev/null"

out=$("$MPWIFI" config set window-ms 20 2>&1) && status=0 || status=$?
check "CLI rejects an out-of-range window (exit 2)" equals "$status" 2
check "CLI rejects an unknown object (exit 2)" sh -c "'$MPWIFI' bogus >/dev/null 2>&1; [ \$? -eq 2 ]"
check "CLI rejects an unknown interface" sh -c "! '$MPWIFI' ap show dev nosuchif 2>/dev/null"

# The kernel's own policies, without the CLI in front.
check "kernel: window 49 ms refused" sh -c "'$raw' config-set MPWIFI_CONFIG_ATTR_WINDOW_MS=49 | grep -q '^errno ERANGE'"
check "kernel: window 10001 ms refused" sh -c "'$raw' config-set MPWIFI_CONFIG_ATTR_WINDOW_MS=10001 | grep -q '^errno ERANGE'"
check "kernel: read-only max_aps refused" sh -c "'$raw' config-set MPWIFI_CONFIG_ATTR_MAX_APS=3 | grep -q '^errno EINVAL'"
check "kernel: empty config refused with a message" sh -c "'$raw' config-set | grep -q 'nothing to change'"
check "kernel: unknown top-level attribute refused" sh -c "'$raw' raw-top 60=00000000 | grep -q '^errno'"
check "kernel: ifindex of wrong size refused" sh -c "'$raw' raw-top 2=0100 | grep -q '^errno'"
check "kernel: flush of a non-wireless interface refused" sh -c "'$raw' raw-top 2=01000000 | grep -q 'not a wireless interface'"
check "kernel: valid window accepted" equals "$("$raw" config-set MPWIFI_CONFIG_ATTR_WINDOW_MS=750)" ok
check "... and applied" equals \
	"$("$MPWIFI" -j config show | python3 -c 'import json,sys; print(json.load(sys.stdin)["window_ms"])')" 750

# ECN settings: the CLI, then the kernel's policy without the CLI in front; refused requests change nothing.
ecn_json() { "$MPWIFI" -j ecn show; }
defaults='{"enabled":true,"law":"uncoupled","threshold_pct":20,"cap_pct":5,"budget_pct":10,"min_frames":20,"stale_ms":1000,"best_packet_time_us":null}'
check "ecn show: the defaults" equals "$(ecn_json)" "$defaults"
check "unprivileged ecn set refused" sh -c "! nobody '$MPWIFI' ecn set cap 1 2>/dev/null"
check "CLI rejects cap 101% (exit 2)" sh -c "'$MPWIFI' ecn set cap 101 >/dev/null 2>&1; [ \$? -eq 2 ]"
check "CLI rejects an unknown law (exit 2)" sh -c "'$MPWIFI' ecn set law coupled >/dev/null 2>&1; [ \$? -eq 2 ]"
check "kernel: law 2 refused" sh -c "'$raw' ecn-set MPWIFI_ECN_ATTR_LAW=2 | grep -q '^errno ERANGE'"
check "kernel: enabled 2 refused" sh -c "'$raw' ecn-set MPWIFI_ECN_ATTR_ENABLED=2 | grep -q '^errno ERANGE'"
check "kernel: cap above 100% refused" sh -c "'$raw' ecn-set MPWIFI_ECN_ATTR_CAP_PPM=1000001 | grep -q '^errno ERANGE'"
check "kernel: budget 0 refused" sh -c "'$raw' ecn-set MPWIFI_ECN_ATTR_BUDGET_PPM=0 | grep -q '^errno ERANGE'"
check "kernel: stale 9 ms refused" sh -c "'$raw' ecn-set MPWIFI_ECN_ATTR_STALE_MS=9 | grep -q '^errno ERANGE'"
check "kernel: read-only best packet time refused" \
	sh -c "'$raw' ecn-set MPWIFI_ECN_ATTR_BEST_PACKET_TIME_NS=1 | grep -q 'read-only'"
check "kernel: empty ECN request refused with a message" sh -c "'$raw' ecn-set | grep -q 'nothing to change'"
check "kernel: a bad field refuses the whole request" sh -c \
	"'$raw' ecn-set MPWIFI_ECN_ATTR_CAP_PPM=20000 MPWIFI_ECN_ATTR_LAW=7 | grep -q '^errno ERANGE'"
check "... and nothing changed" equals "$(ecn_json)" "$defaults"
check "CLI: every setting at once" "$MPWIFI" ecn set enabled off law seed threshold 12.5 cap 0.0217 budget 3 \
	min-frames 40 stale-ms 250
check "... applied" equals "$(ecn_json)" \
	'{"enabled":false,"law":"seed","threshold_pct":12.5,"cap_pct":0.0217,"budget_pct":3,"min_frames":40,"stale_ms":250,"best_packet_time_us":null}'

# Trust, peers and policy: the CLI, then the kernel's policies without the CLI in front.
traw=$REPO/tests/vm/trust_raw.py
trust_of() { "$MPWIFI" -j trust show "$1" | python3 -c 'import json,sys; r=json.load(sys.stdin)[0]; print(r["level"], r["source"])'; }
policy_json() { "$MPWIFI" -j policy show | python3 -c 'import json,sys; p=json.load(sys.stdin); print(p["first_subflow"], p["trusted_sched"], p["peer_default"])'; }
out=$("$MPWIFI" trust show 2>&1) && status=0 || status=$?
if [ "$status" -ne 0 ] && echo "$out" | grep -q 'does not support trust'; then
	check "module without trust: explained" true
else
	ip link add cli-dummy0 type dummy
	lo_index=$(cat /sys/class/net/lo/ifindex)
	check "trust show lists every interface" sh -c "'$MPWIFI' -j trust show | grep -q '\"ifname\":\"cli-dummy0\"'"
	check "an unclassified interface: untrusted, source none" equals "$(trust_of cli-dummy0)" "untrusted none"
	check "trust show of an unknown interface fails" sh -c "! '$MPWIFI' trust show nosuchif 2>/dev/null"
	check "trust set of an unknown interface fails" sh -c "! '$MPWIFI' trust set nosuchif trusted 2>/dev/null"
	out=$(nobody "$MPWIFI" trust set cli-dummy0 trusted 2>&1) && status=0 || status=$?
	check "unprivileged trust set refused" equals "$status" 1
	check "... with a clear message" sh -c "echo '$out' | grep -q CAP_NET_ADMIN"
	check "... and nothing changed" equals "$(trust_of cli-dummy0)" "untrusted none"
	check "reading trust needs no privilege" nobody "$MPWIFI" trust show
	check "manual trusted" "$MPWIFI" trust set cli-dummy0 trusted
	check "... shown as manual" equals "$(trust_of cli-dummy0)" "trusted manual"
	check "kernel: auto over manual refused with EBUSY" sh -c \
		"'$traw' trust-set MPWIFI_TRUST_ATTR_IFINDEX=u32:$(cat /sys/class/net/cli-dummy0/ifindex) MPWIFI_TRUST_ATTR_SOURCE=u8:1 MPWIFI_TRUST_ATTR_LEVEL=u8:0 | grep -q '^errno EBUSY'"
	check "trust set auto forgets the manual level" "$MPWIFI" trust set cli-dummy0 auto
	check "... back to untrusted, source none" equals "$(trust_of cli-dummy0)" "untrusted none"
	check "kernel: level 2 refused" sh -c \
		"'$traw' trust-set MPWIFI_TRUST_ATTR_IFINDEX=u32:$lo_index MPWIFI_TRUST_ATTR_SOURCE=u8:2 MPWIFI_TRUST_ATTR_LEVEL=u8:2 | grep -q '^errno'"
	check "kernel: source 3 refused" sh -c \
		"'$traw' trust-set MPWIFI_TRUST_ATTR_IFINDEX=u32:$lo_index MPWIFI_TRUST_ATTR_SOURCE=u8:3 MPWIFI_TRUST_ATTR_LEVEL=u8:1 | grep -q '^errno'"
	check "kernel: a manual level without a level refused" sh -c \
		"'$traw' trust-set MPWIFI_TRUST_ATTR_IFINDEX=u32:$lo_index MPWIFI_TRUST_ATTR_SOURCE=u8:2 | grep -q '^errno'"
	check "... and nothing changed" sh -c "[ \"\$('$MPWIFI' -j trust show lo | grep -c manual)\" -eq 0 ]"

	check "CLI rejects a prefix with host bits (exit 2)" sh -c \
		"'$MPWIFI' trust peer add 10.0.0.1/8 trusted >/dev/null 2>&1; [ \$? -eq 2 ]"
	check "CLI rejects a bad prefix length (exit 2)" sh -c \
		"'$MPWIFI' trust peer add 2001:db8::/129 trusted >/dev/null 2>&1; [ \$? -eq 2 ]"
	check "CLI rejects a bad level (exit 2)" sh -c "'$MPWIFI' trust set lo maybe >/dev/null 2>&1; [ \$? -eq 2 ]"
	check "unprivileged peer add refused" sh -c "! nobody '$MPWIFI' trust peer add 192.0.2.0/24 trusted 2>/dev/null"
	check "peer add" "$MPWIFI" trust peer add 192.0.2.0/24 trusted
	check "peer add (IPv6 host)" "$MPWIFI" trust peer add 2001:db8::7 untrusted
	peers_sorted() { "$MPWIFI" -j trust peer show | python3 -c 'import json,sys; print(sorted((p["prefix"], p["level"]) for p in json.load(sys.stdin)))'; }
	check "... both shown (in any order)" equals "$(peers_sorted)" \
		"[('192.0.2.0/24', 'trusted'), ('2001:db8::7/128', 'untrusted')]"
	check "kernel: host bits refused" sh -c \
		"'$traw' peer-add MPWIFI_PEER_ATTR_FAMILY=u16:2 MPWIFI_PEER_ATTR_ADDR=hex:0a000001 MPWIFI_PEER_ATTR_PREFIX_LEN=u8:8 MPWIFI_PEER_ATTR_LEVEL=u8:1 | grep -q '^errno'"
	check "kernel: prefix length 33 refused" sh -c \
		"'$traw' peer-add MPWIFI_PEER_ATTR_FAMILY=u16:2 MPWIFI_PEER_ATTR_ADDR=hex:0a000000 MPWIFI_PEER_ATTR_PREFIX_LEN=u8:33 MPWIFI_PEER_ATTR_LEVEL=u8:1 | grep -q '^errno'"
	check "kernel: address of the wrong size refused" sh -c \
		"'$traw' peer-add MPWIFI_PEER_ATTR_FAMILY=u16:2 MPWIFI_PEER_ATTR_ADDR=hex:0a0000000000 MPWIFI_PEER_ATTR_PREFIX_LEN=u8:8 MPWIFI_PEER_ATTR_LEVEL=u8:1 | grep -q '^errno'"
	check "peer del" "$MPWIFI" trust peer del 192.0.2.0/24
	check "... gone" equals "$("$MPWIFI" -j trust peer show)" '[{"prefix":"2001:db8::7/128","level":"untrusted"}]'

	policy_before=$(policy_json)
	check "unprivileged policy set refused" sh -c "! nobody '$MPWIFI' policy set trusted-sched off 2>/dev/null"
	check "CLI rejects an unknown first-subflow policy (exit 2)" sh -c \
		"'$MPWIFI' policy set first-subflow always >/dev/null 2>&1; [ \$? -eq 2 ]"
	check "kernel: first_subflow 3 refused" sh -c "'$traw' policy-set MPWIFI_POLICY_ATTR_FIRST_SUBFLOW=u8:3 | grep -q '^errno'"
	check "kernel: trusted_sched 2 refused" sh -c "'$traw' policy-set MPWIFI_POLICY_ATTR_TRUSTED_SCHED=u8:2 | grep -q '^errno'"
	check "kernel: a bad field refuses the whole request" sh -c \
		"'$traw' policy-set MPWIFI_POLICY_ATTR_FIRST_SUBFLOW=u8:2 MPWIFI_POLICY_ATTR_PEER_DEFAULT=u8:9 | grep -q '^errno'"
	check "kernel: read-only counters refused" sh -c "'$traw' policy-set MPWIFI_POLICY_ATTR_WAITS=u64:1 | grep -q '^errno'"
	check "... and nothing changed" equals "$(policy_json)" "$policy_before"
	check "policy set, every setting in one request" "$MPWIFI" policy set first-subflow prefer trusted-sched off \
		peer-default trusted
	check "... applied" equals "$(policy_json)" "prefer False trusted"
	check "policy show (text) has the counters" sh -c "'$MPWIFI' policy show | grep -q '^trusted-sends '"
	ip link del cli-dummy0
fi
