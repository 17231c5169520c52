# Sourced by the kernel tests that run inside the VM (tests/vm/test_*.sh).
# Counts checks, loads the module, queries the CLI, and fails a test whose
# kernel log shows a BUG, WARNING or Oops.
set -eu

REPO=$(cd "$(dirname "$0")/../.." && pwd -P)
MPWIFI=${MPWIFI:-$REPO/build/agent/mpwifi}
MODULE=$REPO/build/modules/$(uname -r)/mpwifi.ko
TOPOLOGY=$REPO/tools/vm/topology
FRAME_INJECT=${FRAME_INJECT:-$REPO/build/tools/frame-inject}
checks_passed=0
checks_failed=0

log() { printf '%s\n' "$*"; }

# check DESCRIPTION COMMAND...: run COMMAND, count and report the outcome.
check() {
	local desc=$1
	shift
	if "$@"; then
		checks_passed=$((checks_passed + 1))
		log "ok    $desc"
	else
		checks_failed=$((checks_failed + 1))
		log "FAIL  $desc"
	fi
}

# Numeric comparison usable with check: within ACTUAL EXPECTED TOLERANCE
within() { python3 -c 'import sys; a,e,t=map(float,sys.argv[1:]); sys.exit(abs(a-e)>t)' "$@"; }
equals() { [ "$1" = "$2" ] || { log "      got '$1', expected '$2'"; return 1; }; }

module_load() { insmod "$MODULE" "$@"; }
module_unload() { ! grep -q '^mpwifi ' /proc/modules || rmmod mpwifi; }

# in_cli COMMAND...: run in the client namespace
in_cli() { ip netns exec "$TOPO_CLI_NS" "$@"; }

topo_up() {
	"$TOPOLOGY" up "$@"
	# shellcheck disable=SC1091
	. /run/mpwifi-topo/env
}

# ap_json [NS]: the JSON array of `mpwifi -j ap show` in namespace NS (default: client)
ap_json() { ip netns exec "${1:-$TOPO_CLI_NS}" "$MPWIFI" -j ap show; }

# field JSON IFNAME KEY: one field of IFNAME's entry in an `ap show` snapshot (empty when absent)
field() {
	python3 -c '
import json, sys
rows = [r for r in json.loads(sys.argv[1]) if r["ifname"] == sys.argv[2]]
v = rows[0].get(sys.argv[3]) if rows else None
print("" if v is None else v)' "$@"
}

# ap_field IFNAME KEY [NS]: one field from a fresh snapshot
ap_field() { field "$(ap_json "${3:-$TOPO_CLI_NS}")" "$1" "$2"; }

# kernel_clean: no BUG/WARNING/Oops/lockdep report in the kernel log
kernel_clean() {
	if dmesg | grep -E 'BUG:|WARNING:|Oops|general protection|INFO: task .* blocked|lockdep|RCU stall' >&2; then
		return 1
	fi
}

# finish STATUS: the EXIT trap of every test (trap 'finish $?' EXIT)
finish() {
	local status=$1

	if [ "$status" -ne 0 ]; then
		checks_failed=$((checks_failed + 1))
		log "FAIL  test aborted with status $status"
	fi
	"$TOPOLOGY" down >/dev/null 2>&1 || true
	check "kernel log free of BUG/WARNING/Oops" kernel_clean
	module_unload || checks_failed=$((checks_failed + 1))
	log "$checks_passed passed, $checks_failed failed"
	[ "$checks_failed" -eq 0 ]
}
