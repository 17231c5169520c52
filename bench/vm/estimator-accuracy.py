#!/usr/bin/env python3
"""Inside the VM: the raw data of bench/estimator-accuracy.  One AP, one station, airsim as the medium;
per run, a downlink TCP transfer at a fixed AP rate during which the module is sampled every 100 ms and
the loss of the ap1 -> sta1 link changes mid-run.  Analysis happens on the host.

usage: estimator-accuracy.py --runs "RATE:LOSS_BEFORE:LOSS_AFTER:MBPS ..." [--seconds S]
                             [--interval MS] [--window SIZE]
  --runs      one run per item: AP rate in Mbit/s (an 802.11g legacy rate, fixed with `iw set bitrates`),
              the ap1 -> sta1 loss before and after the step, and the TCP sending rate in Mbit/s (iperf3
              -b, below the link's capacity at both losses)
  --seconds   traffic per run; the step comes at half of it (default 12)
  --interval  module sampling period in ms (default 100)
  --window    TCP window (iperf3 -w), a cap on what can queue at airsim (default 128K)

Writes to $MPWIFI_VM_OUT: airsim-config.json, runs.jsonl (one line per run: rate, losses, files, the
index of the run's control commands among the truth file's set_link events, /proc/uptime bounds),
run-NN.watch.jsonl (mpwifi -j ap watch), run-NN.iperf3.json, airsim-truth.jsonl (airsim's truth, copied
once the world is down), medium.log, hostapd.log, wpa_supplicant.log, done.json.
"""
import argparse
import json
import os
import shutil
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.realpath(__file__)), "../../tests/lib"))
from mpwtest import kmod, ksft, paths, proc  # noqa: E402
from mpwtest.world import WifiWorld  # noqa: E402

# hwsim radios in the world's order: APs first, then stations.  The uplink (TCP ACKs) is lossless; the
# downlink's loss is set per run through the control socket.
CONFIG = {
    "seed": 1,
    "radios": [
        {"name": "ap1", "freq_mhz": 2412, "position": [0, 0], "tx_power_dbm": 20, "hwsim_index": 0},
        {"name": "sta1", "freq_mhz": 2412, "position": [5, 0], "tx_power_dbm": 20, "hwsim_index": 1},
    ],
    "links": [
        {"from": "ap1", "to": "sta1", "loss": 0.0, "symmetric": False},
        {"from": "sta1", "to": "ap1", "loss": 0.0, "symmetric": False},
    ],
}


def say(msg):
    print(f"accuracy: {msg}", flush=True)


def uptime_ns():
    """/proc/uptime (CLOCK_BOOTTIME, equal to CLOCK_MONOTONIC in a VM that never suspends, 10 ms
    resolution): only a fallback for the step instant; the truth file's event lines carry the exact one."""
    with open("/proc/uptime") as f:
        up = f.read().split()[0]
    sec, _, frac = up.partition(".")
    return int(sec) * 1_000_000_000 + int(frac or 0) * 10_000_000


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", default="54:0.6:0.1:3 54:0.0:0.3:3")
    ap.add_argument("--seconds", type=float, default=12)
    ap.add_argument("--interval", type=int, default=100)
    ap.add_argument("--window", default="128K")
    args = ap.parse_args()
    out = paths.vm_out()
    runs = [item.split(":") for item in args.runs.split()]
    cfg = os.path.join(out, "airsim-config.json")
    with open(cfg, "w") as f:
        json.dump(CONFIG, f, indent=2)
    # the sweep's rates are the BSS's only (and basic) rates, so `iw set bitrates` can pin each run's rate
    # (mac80211 refuses a tx rate mask without a basic rate of the BSS)
    rates = ["%g" % r for r in sorted({float(r[0]) for r in runs})]
    kmod.load()
    w = WifiWorld(aps=1, stations=1, channel=1, airsim=cfg, mptcp=False, rates=rates)
    try:
        start = time.monotonic()
        w.up()
        say(f"topology up in {time.monotonic() - start:.0f} s, AP rates {' '.join(rates)} Mbit/s")
        measure(w, runs, args, rates, out)
    finally:
        ksft.run_cleanups()  # the world goes down: airsim has exited, its truth file is complete
        for src, dst in ((w.airsim_truth, "airsim-truth.jsonl"), (w.medium_log, "medium.log"),
                         (w.aps[0].hostapd_log, "hostapd.log"), (w.stations[0].wpa_log, "wpa_supplicant.log")):
            if src and os.path.exists(src):
                shutil.copy(src, os.path.join(out, dst))
        kmod.unload()


def measure(w, runs, args, rates, out):
    proc.cmd(["iperf3", "-s", "-D"], ns=w.srv_ns)
    ap = w.aps[0]
    ctl_count = 0

    def set_loss(loss):
        """One control command: one set_link event line in the truth file."""
        nonlocal ctl_count
        command = json.dumps({"set_link": {"from": "ap1", "to": "sta1", "loss": json.loads(loss),
                                           "symmetric": False}})
        p = proc.cmd([w.airsim_bin, "ctl", w.airsim_sock, command], check=False)
        if p.returncode:
            sys.exit(f"accuracy: airsim ctl failed: {(p.stdout + p.stderr).strip()} ({command})")
        ctl_count += 1

    current_rate, bitrates_ok = None, False
    half = args.seconds / 2
    seconds = int(args.seconds) if args.seconds.is_integer() else args.seconds
    lines = open(os.path.join(out, "runs.jsonl"), "w")
    for run, (rate, before, after, mbps_target) in enumerate(runs, 1):
        if rate != current_rate:
            current_rate = rate
            p = proc.cmd(["iw", "dev", ap.ifname, "set", "bitrates", "legacy-2.4", rate], ns=ap.ns, check=False)
            bitrates_ok = p.returncode == 0
            if not bitrates_ok:
                say(f"iw set bitrates legacy-2.4 {rate} failed: {p.stderr.strip()}")
        tag = "run-%02d" % run
        set_loss(before)
        ev_before = ctl_count
        t_start = uptime_ns()
        watch = proc.bg([paths.cli_path(), "-j", "ap", "watch", "--interval", args.interval], ns=w.cli_ns,
                        log=os.path.join(out, f"{tag}.watch.jsonl"))
        # -b paces the sender below the link's capacity (no queue build-up at airsim, no CPU saturation that
        # would make airsim fall behind the clock); writes of 5 full segments (MSS 1448: 1538-byte frames,
        # the packet the module's packet time is for) keep its bursts short.
        client = proc.bg(["iperf3", "-c", w.server_ip, "-R", "-t", seconds, "-w", args.window, "-b",
                          f"{mbps_target}M", "-l", "7240", "-J"], ns=w.cli_ns,
                         log=os.path.join(out, f"{tag}.iperf3.json"))
        # iperf3 needs a moment to connect under emulation: the step comes half the transfer after that
        time.sleep(1 + half)
        t_step_lo = uptime_ns()
        set_loss(after)
        t_step_hi = uptime_ns()
        ev_step = ctl_count
        client_rc = client.wait(args.seconds + 120)
        time.sleep(0.3)
        watch.stop()
        t_end = uptime_ns()
        try:
            with open(os.path.join(out, f"{tag}.iperf3.json")) as f:
                mbps = round(json.load(f)["end"]["sum_received"]["bits_per_second"] / 1e6, 3)
        except (OSError, ValueError, KeyError):
            mbps = None
        say(f"{tag}: {rate} Mbit/s, loss {before} -> {after}, TCP at {mbps_target}: {mbps} Mbit/s "
            f"(iperf3 status {client_rc})")
        lines.write(json.dumps({
            "run": run, "tag": tag, "rate_mbps": json.loads(rate), "loss_before": json.loads(before),
            "loss_after": json.loads(after), "tcp_target_mbps": json.loads(mbps_target), "seconds": seconds,
            "interval_ms": args.interval, "bitrates_ok": bitrates_ok, "event_before": ev_before,
            "event_step": ev_step, "uptime_start_ns": t_start, "uptime_step_ns": [t_step_lo, t_step_hi],
            "uptime_end_ns": t_end, "mbps": mbps, "iperf3_status": client_rc, "watch": f"{tag}.watch.jsonl",
            "iperf3": f"{tag}.iperf3.json"}) + "\n")
        lines.flush()
    lines.close()
    with open(os.path.join(out, "done.json"), "w") as f:
        f.write(json.dumps({"runs": len(runs), "control_commands": ctl_count, "window": args.window,
                            "rates_mbps": " ".join(rates)}) + "\n")
    say(f"{len(runs)} runs done")


if __name__ == "__main__":
    main()
