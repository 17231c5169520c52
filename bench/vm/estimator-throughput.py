#!/usr/bin/env python3
"""Inside the VM: MPTCP download throughput over two hwsim APs with the module loaded vs not, in
alternating pairs within one boot (the order flips each pair so slow drift cancels), and the module's
own per-AP object size.  Writes $MPWIFI_VM_OUT/estimator-throughput.json.
environment: MPWIFI_BENCH_PAIRS (default 9), MPWIFI_BENCH_SECONDS (default 8)
"""
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.realpath(__file__)), "../../tests/lib"))
from mpwtest import cli, kmod, ksft, proc  # noqa: E402
from mpwtest.world import WifiWorld  # noqa: E402


def set_module(on):
    if on and not kmod.loaded():
        kmod.load()
    elif not on:
        kmod.unload()


def download_mbps(w, seconds):
    p = proc.cmd(["mptcpize", "run", "iperf3", "-c", w.server_ip, "-R", "-t", str(seconds), "-J"], ns=w.cli_ns,
                 timeout=seconds + 120)
    return json.loads(p.stdout)["end"]["sum_received"]["bits_per_second"] / 1e6


def main():
    pairs = int(os.environ.get("MPWIFI_BENCH_PAIRS", 9))
    seconds = int(os.environ.get("MPWIFI_BENCH_SECONDS", 8))
    out = os.path.join(os.environ["MPWIFI_VM_OUT"], "estimator-throughput.json")
    w = WifiWorld(aps=2, stations=2, channel=1)
    try:
        w.up()
        proc.cmd(["mptcpize", "run", "iperf3", "-s", "-D"], ns=w.srv_ns)
        set_module(True)
        ap_bytes = cli.config(ns=w.cli_ns)["ap_bytes"]
        runs = []
        for i in range(1, pairs + 1):
            for state in (("off", "on") if i % 2 else ("on", "off")):
                set_module(state == "on")
                mbps = download_mbps(w, seconds)
                print(f"pair {i} module {state}: {mbps} Mbit/s", flush=True)
                runs.append({"pair": i, "module": state, "mbps": mbps})
        set_module(False)
    finally:
        ksft.run_cleanups()
        kmod.unload()
    with open(out, "w") as f:
        f.write(json.dumps({"ap_bytes": ap_bytes, "seconds": seconds, "runs": runs}) + "\n")


if __name__ == "__main__":
    main()
