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
