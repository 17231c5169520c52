# Sourced by the benchmarks' VM parts (bench/vm/*.sh).

# CLOCK_MONOTONIC from the shell without a process: /proc/uptime is CLOCK_BOOTTIME, equal to
# CLOCK_MONOTONIC in a VM that never suspends, at 10 ms resolution.
uptime_ns() {
	local up
	read -r up _ </proc/uptime
	echo $((${up%.*} * 1000000000 + 10#${up#*.} * 10000000))
}

# The module's trusted-send status: "available", "unavailable: REASON", or empty while the file is missing
# (module not loaded, or one without trusted sends).
MPWIFI_TRUSTED_STATUS_FILE=/sys/module/mpwifi/parameters/trusted_status
trusted_status() {
	local s=''
	if [ -r "$MPWIFI_TRUSTED_STATUS_FILE" ]; then
		read -r s <"$MPWIFI_TRUSTED_STATUS_FILE" || true
	fi
	echo "$s"
}
