# Sourced by the benchmarks' VM parts (bench/vm/*.sh).

# CLOCK_MONOTONIC from the shell without a process: /proc/uptime is CLOCK_BOOTTIME, equal to
# CLOCK_MONOTONIC in a VM that never suspends, at 10 ms resolution.
uptime_ns() {
	local up
	read -r up _ </proc/uptime
	echo $((${up%.*} * 1000000000 + 10#${up#*.} * 10000000))
}
