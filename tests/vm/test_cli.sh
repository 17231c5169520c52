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
