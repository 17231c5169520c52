#!/usr/bin/env python3
"""Inside the VM: the raw data of bench/airsim-capacity.  One AP, one station, a loss-free link through
airsim; per AP rate, a UDP downlink offered above what the air can carry, so that either the air
(airtime-bound) or the VM's CPU (emulator-bound) limits it.  Analysis happens on the host.

usage: airsim-capacity.py --runs "RATE:OFFERED_MBPS ..." [--seconds S] [--listeners] [--no-overhear]
Writes to $MPWIFI_VM_OUT: runs.jsonl (rate, offered load, CLOCK_MONOTONIC bounds of the measured
interval), run-NN.iperf3.json, airsim-truth.jsonl, medium.log, airsim-config.json.
"""
import argparse
import json
import os
import shutil
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.realpath(__file__)), "../../tests/lib"))
from mpwtest import ksft, paths, proc  # noqa: E402
from mpwtest.world import WifiWorld  # noqa: E402

CONFIG = {
    "seed": 3,
    "radios": [{"name": "ap1", "freq_mhz": 2412}, {"name": "sta1", "freq_mhz": 2412}],
    "links": [{"from": "ap1", "to": "sta1", "loss": 0.0}],
}


def medium_config(listeners, overhear):
    """The medium's config: ap1 -> sta1, and with `listeners` an idle second pair (ap2, sta2) on the same
    channel that hears every frame (what overheard copies cost)."""
    if not listeners:
        return dict(CONFIG, overhear=overhear)
    names = ["ap1", "ap2", "sta1", "sta2"]
    return {"seed": 3, "overhear": overhear,
            "radios": [{"name": n, "freq_mhz": 2412} for n in names],
            "links": [{"from": a, "to": b, "loss": 0.0} for i, a in enumerate(names) for b in names[i + 1:]]}


def number(text):
    """A number as written (6 stays an integer, 5.5 a float), as the raw data always had it."""
    v = float(text)
    return int(v) if v.is_integer() else v


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", default="6:8 54:60")
    ap.add_argument("--seconds", type=int, default=8)
    ap.add_argument("--listeners", action="store_true", help="an idle second AP and station on the channel")
    ap.add_argument("--no-overhear", action="store_true", help="unicast frames reach their receiver only")
    args = ap.parse_args()
    out = paths.vm_out()
    runs = [r.split(":") for r in args.runs.split()]
    config = os.path.join(out, "airsim-config.json")
    with open(config, "w") as f:
        json.dump(medium_config(args.listeners, not args.no_overhear), f, indent=2)
    pairs = 2 if args.listeners else 1
    # the rates are the BSS's basic rates, so `iw set bitrates` can pin each one
    w = WifiWorld(aps=pairs, stations=pairs, channel=1, mptcp=False, airsim=config, rates=[r for r, _ in runs])
    try:
        w.up()
        measure(w, runs, args.seconds, out)
    finally:
        ksft.run_cleanups()
        for src, dst in ((w.airsim_truth, "airsim-truth.jsonl"), (w.medium_log, "medium.log")):
            if src and os.path.exists(src):
                shutil.copy(src, os.path.join(out, dst))


def measure(w, runs, seconds, out):
    ap, sta = w.aps[0], w.stations[0]
    # the sender is the server, so UDP needs no reverse mode (whose start-up times out under emulation)
    proc.cmd(["iperf3", "-s", "-D", "-B", sta.ip], ns=w.cli_ns)
    with open(os.path.join(out, "runs.jsonl"), "w") as lines:
        for n, (rate, offered) in enumerate(runs, 1):
            if proc.cmd(["iw", "dev", ap.ifname, "set", "bitrates", "legacy-2.4", rate], ns=ap.ns,
                        check=False).returncode:
                sys.exit(f"capacity: cannot pin the AP to {rate} Mbit/s")
            name = "run-%02d" % n
            print(f"capacity: {name}: AP rate {rate} Mbit/s, UDP offered {offered} Mbit/s for {seconds}s",
                  flush=True)
            # the first second fills the queue; the rest is measured
            client = proc.bg(["iperf3", "-c", sta.ip, "-u", "-b", f"{offered}M", "-l", "1400", "-t",
                              str(int(seconds + 2)), "-J"], ns=w.srv_ns,
                             log=os.path.join(out, f"{name}.iperf3.json"))
            time.sleep(1.5)
            start = time.clock_gettime_ns(time.CLOCK_MONOTONIC)
            time.sleep(seconds)
            end = time.clock_gettime_ns(time.CLOCK_MONOTONIC)
            if client.wait(seconds + 60):
                print(f"capacity: {name}: iperf3 failed", file=sys.stderr)
            lines.write(json.dumps({"name": name, "rate_mbps": number(rate), "offered_mbps": number(offered),
                                    "start_ns": start, "end_ns": end}) + "\n")
            lines.flush()
            time.sleep(2)  # drain the queue before the next rate


if __name__ == "__main__":
    main()
