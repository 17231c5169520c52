#!/usr/bin/env python3
"""airsim as the WiFi world starts it (MPWIFI_AIRSIM points here), with the ECN experiments' settings:
  MPWIFI_ECN_AIRSIM        the real airsim binary (required)
  MPWIFI_ECN_QUEUE_LIMIT   frames queued per radio (airsim --queue-limit; default 50): the AP's buffer, which
                           sets the RTT a saturating TCP flow sees (airsim's own default, 1000 frames, is 2 s
                           at 6 Mbit/s and 13 s at 1 Mbit/s)
  MPWIFI_ECN_TIME_SCALE    airsim --time-scale (default 1): every duration on air that many times as long
  MPWIFI_ECN_STATS_S       statistics interval in seconds (default 1; the world asks for 5), so that every run
                           has several busy_pct figures
  MPWIFI_ECN_TRUTH         where the truth goes instead of the world's tmpfs (a long run writes hundreds of
                           MB, more than the VM's memory); "-" keeps the world's path; "none" writes no truth
                           (its per-frame lines cost airsim, the emulation's busiest thread, CPU; the
                           statistics lines still go to the medium's log)
Every line airsim writes on stderr (the medium's log) gets CLOCK_MONOTONIC seconds in front (from
/proc/uptime, 10 ms resolution): the statistics lines carry no time of their own.
`airsim ctl` and `--check` pass through untouched.
"""
import os
import signal
import subprocess
import sys


def main(argv):
    real = os.environ.get("MPWIFI_ECN_AIRSIM")
    if not real:
        sys.exit("MPWIFI_ECN_AIRSIM: the airsim binary")
    if argv[:1] == ["ctl"] or "--check" in argv:
        os.execv(real, [real, *argv])
    args = []
    it = iter(argv)
    for a in it:
        if a == "--stats-interval":
            next(it, None)
            args += ["--stats-interval", os.environ.get("MPWIFI_ECN_STATS_S", "1")]
        elif a == "--truth":
            path = next(it, "")
            truth = os.environ.get("MPWIFI_ECN_TRUTH", "-")
            if truth != "none":
                args += ["--truth", path if truth == "-" else truth]
        elif a == "--queue-limit":
            next(it, None)
        else:
            args.append(a)
    args += ["--queue-limit", os.environ.get("MPWIFI_ECN_QUEUE_LIMIT", "50"),
             "--time-scale", os.environ.get("MPWIFI_ECN_TIME_SCALE", "1")]
    child = subprocess.Popen([real, *args], stderr=subprocess.PIPE)
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda s, _f: child.send_signal(s))
    for line in child.stderr:
        with open("/proc/uptime") as f:
            up = f.read().split()[0]
        sys.stderr.buffer.write(up.encode() + b" " + line)
        sys.stderr.buffer.flush()
    return child.wait()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
