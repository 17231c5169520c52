#!/usr/bin/env bash
# airsim as tools/vm/topology starts it (MPWIFI_AIRSIM points here), with the ECN experiments' settings:
#   MPWIFI_ECN_AIRSIM        the real airsim binary (required)
#   MPWIFI_ECN_QUEUE_LIMIT   frames queued per radio (airsim --queue-limit; default 50): the AP's buffer,
#                            which sets the RTT a saturating TCP flow sees (airsim's own default, 1000 frames,
#                            is 2 s at 6 Mbit/s and 13 s at 1 Mbit/s)
#   MPWIFI_ECN_STATS_S       statistics interval in seconds (default 1; the topology asks for 5), so that
#                            every run has several busy_pct figures
#   MPWIFI_ECN_TRUTH         where the truth goes instead of the topology's tmpfs (a long run writes hundreds
#                            of MB, more than the VM's memory); "-" keeps the topology's path; "none" writes
#                            no truth (its per-frame lines cost airsim, the emulation's busiest thread, CPU;
#                            the statistics lines still go to the medium's log)
# Every line airsim writes on stderr (the medium's log) gets CLOCK_MONOTONIC seconds in front (from
# /proc/uptime, 10 ms resolution): the statistics lines carry no time of their own.
# `airsim ctl` passes through untouched.
set -eu
real=${MPWIFI_ECN_AIRSIM:?MPWIFI_ECN_AIRSIM: the airsim binary}
[ "${1:-}" != ctl ] || exec "$real" "$@"
args=()
while [ $# -gt 0 ]; do
	case $1 in
	--stats-interval) args+=(--stats-interval "${MPWIFI_ECN_STATS_S:-1}"); shift 2 ;;
	--truth)
		t=${MPWIFI_ECN_TRUTH:--}
		[ "$t" != - ] || t=$2
		[ "$t" = none ] || args+=(--truth "$t")
		shift 2
		;;
	--queue-limit) shift 2 ;;
	*) args+=("$1"); shift ;;
	esac
done
stamp() {
	local line up
	while IFS= read -r line; do
		read -r up _ </proc/uptime
		printf '%s %s\n' "$up" "$line"
	done
}
case " ${args[*]} " in
*" --check "*) ;;
*) exec 2> >(stamp) ;;
esac
exec "$real" "${args[@]}" --queue-limit "${MPWIFI_ECN_QUEUE_LIMIT:-50}"
