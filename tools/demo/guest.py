#!/usr/bin/env python3
"""make demo, inside the VM (tools/demo/run starts it): the world of bench/ecn-steering's dsss regime (ap1 at
0 m, ap2 at 100 m on channel 1, 802.11b rates, airsim carrying the air; the client's two stations at X m from
ap1) and one download per mode, in turn:
  tcp      plain TCP bound to sta1's address: through the best AP (ap1, the nearer) alone
  mptcp    plain MPTCP over both APs: no marks, no priority
  mpwifi   MPTCP with the daemon's steering (`mpwifi daemon --steering both`: subflow priority and marks)
Each download lasts two phases of S seconds: the air is the bottleneck in the first; in the second ap1's
wired uplink is limited to CAP Mbit/s (netem on the server's egress towards ap1), so the better AP is limited
elsewhere and the worse one's air is worth having.

Every second one line on stdout, "demo: " and a JSON object: what each station received in that second and the
module's figures for its AP (packet time, airtime, busy share, mark rate, priority).  Other lines are
progress.  Files in $MPWIFI_VM_OUT: <mode>.iperf3.json, <mode>.daemon.log, medium.log.
"""
import argparse
import importlib.util
import json
import os
import shutil
import sys
import time

HERE = os.path.dirname(os.path.realpath(__file__))
sys.path.insert(0, os.path.join(HERE, "../../tests/lib"))
from mpwtest import kmod, ksft, paths, proc  # noqa: E402
from mpwtest.world import WifiWorld  # noqa: E402

# The benchmark's guest side: its airsim wrapper, qdisc and airsim-control helpers are the demo's too.
_spec = importlib.util.spec_from_file_location("ecn_steering_vm", os.path.join(HERE, "../../bench/vm/ecn-steering.py"))
bench = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(bench)

MODES = ("tcp", "mptcp", "mpwifi")


def emit(**fields):
    print("demo: " + json.dumps(fields, separators=(",", ":")), flush=True)


def say(msg):
    print(msg, flush=True)


def last_json_line(path):
    """The last complete line of a growing JSON-lines file, parsed (None if there is none yet)."""
    try:
        with open(path, "rb") as f:
            f.seek(0, os.SEEK_END)
            f.seek(max(0, f.tell() - 8192))
            lines = f.read().split(b"\n")
    except OSError:
        return None
    for line in reversed(lines[:-1]):
        try:
            return json.loads(line)
        except ValueError:
            continue
    return None


def ap_figures(sample, ifname):
    """The module's row for ifname in one `ap watch -j` sample."""
    if not sample:
        return {}
    for ap in sample.get("aps", []):
        if ap.get("ifname") == ifname:
            rate = ap.get("mark_rate")
            return {"T_us": ap.get("packet_time_us"), "air_pct": ap.get("airtime_pct"),
                    "busy_pct": ap.get("busy_pct"), "mark_pct": None if rate is None else 100 * rate,
                    "prio": ap.get("priority"), "bitrate_mbps": (ap.get("bitrate_kbps") or 0) / 1000}
    return {}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--phase", type=int, default=12)
    ap.add_argument("--x", type=float, default=25)
    ap.add_argument("--cap", type=float, default=1)
    args = ap.parse_args()
    out = paths.vm_out("tools/demo/run")
    start = time.monotonic()
    kmod.load()
    paths.use_experiment_airsim()
    w = WifiWorld(aps=2, stations=2, channel=1, rates="1 2 5.5 11",
                  airsim=os.path.join(HERE, "../../tools/airsim/examples/ecn-two-aps.json"))
    try:
        say("building the world: ap1 and ap2 100 m apart on channel 1 (802.11b), the client's stations "
            f"sta1 (on ap1) and sta2 (on ap2) at {args.x:g} m from ap1 ...")
        w.up()
        demo = Demo(w, args, out)
        emit(event="world", seconds=round(time.monotonic() - start, 1), x=args.x, cap=args.cap, phase=args.phase,
             modes=list(MODES))
        demo.run()
    except bench.Fail as e:
        print(f"demo: error: {e}", file=sys.stderr)
        sys.exit(1)
    finally:
        ksft.run_cleanups()
        if os.path.exists(w.medium_log):
            shutil.copy(w.medium_log, os.path.join(out, "medium.log"))
        kmod.unload()


class Demo(bench.Bench):
    def __init__(self, w, args, out):
        args.time_scale = 1
        super().__init__(w, args, out, time.monotonic())

    def run(self):
        w = self.w
        bench.CLI_PID = proc.bg(["sleep", "1000000"], ns=w.cli_ns).pid
        proc.cmd(["iperf3", "-s", "-p", "5201", "-D"], ns=w.srv_ns)
        proc.cmd(["mptcpize", "run", "iperf3", "-s", "-p", "5202", "-D"], ns=w.srv_ns)
        for sta in ("sta1", "sta2"):
            self.ctl({"set_position": {"radio": sta, "position": [self.args.x, 0]}})
        self.mpwifi("ecn", "set", "law", "uncoupled", "enabled", "off")
        time.sleep(1)  # minstrel settles on the new distance
        for mode in MODES:
            self.run_mode(mode)

    def run_mode(self, mode):
        w, args, out = self.w, self.args, self.out
        self.set_qdiscs("", "", "")
        daemon = None
        if mode == "mpwifi":
            daemon = proc.bg(self.cli + ["daemon", "--verbose", "--steering", "both", "--run-dir", "/run/mpwifi"],
                             ns=w.cli_ns, log=os.path.join(out, f"{mode}.daemon.log"))
            time.sleep(0.5)
        if mode == "tcp":
            cmd = ["iperf3", "-c", w.server_ip, "-p", "5201", "-B", w.stations[0].ip]
        else:
            cmd = ["mptcpize", "run", "iperf3", "-c", w.server_ip, "-p", "5202"]
        seconds = 2 * args.phase
        watch_log = os.path.join(out, f"{mode}.watch.jsonl")
        watch = proc.bg(self.cli + ["-j", "ap", "watch", "--interval", "1000"], ns=w.cli_ns, log=watch_log)
        emit(event="start", mode=mode)
        client = proc.bg(["bash", "-c", 'out=$1; shift; exec "$@" >"$out" 2>&1', "-",
                          os.path.join(out, f"{mode}.iperf3.json"), "timeout", str(seconds + 30), *cmd, "-R",
                          "-t", str(seconds), "-J"], ns=w.cli_ns)
        t0 = time.monotonic()
        last = bench.station_rx()
        for t in range(1, seconds + 1):
            if t == args.phase + 1:
                self.set_qdiscs("", "%g" % args.cap, "")
                emit(event="phase", mode=mode, t=t - 1, phase=2)
            time.sleep(max(0.0, t0 + t - time.monotonic()))
            now = bench.station_rx()
            sample = last_json_line(watch_log)
            fields = {"mode": mode, "t": t, "phase": 1 if t <= args.phase else 2}
            for k, sta in ((1, "sta1"), (2, "sta2")):
                got = (now[k - 1] or 0) - (last[k - 1] or 0)
                fields[f"ap{k}"] = {"mbps": round(got * 8 / 1e6, 3), **ap_figures(sample, sta)}
            last = now
            emit(**fields)
        rc = client.wait(60)
        watch.stop()
        if daemon:
            daemon.stop()  # SIGTERM: every endpoint regular again
        emit(event="end", mode=mode, status=rc, summary=bench.summary(os.path.join(out, f"{mode}.iperf3.json")))
        time.sleep(0.5)  # queues drain before the next mode


if __name__ == "__main__":
    main()
