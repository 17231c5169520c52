#!/usr/bin/env python3
"""Inside the VM: the raw data of bench/ecn-steering (and of tools/experiments/ecn-download-times).  Two
APs on one channel carried by airsim, a client associated with both, a server behind both; at each point
(a client position, a server-path delay, explicit link SNRs, an uplink limit) downloads in turn, modes
interleaved:
  sp1, sp2          plain TCP bound to station K's address (through AP K alone; the other AP idle)
  mptcp             MPTCP over both APs, ECN steering off
  seed, uncoupled   MPTCP with ECN steering on, with that marking law
  priority, both    MPTCP with the daemon's steering (`mpwifi daemon --steering MODE`): subflow priority
                    alone, or with the uncoupled law's marks; the daemon runs for the run alone
Analysis happens on the host.  Output on stdout: progress lines starting with "ecn:" (and the world's).

usage: ecn-steering.py --points "ID:EXP:KEY=VALUE,... ..." [--modes "sp1 sp2 mptcp seed uncoupled"]
                       [--settle S] [--measure S] [--bytes SIZE] [--repeats N] [--config FILE]
                       [--rates 'R ...'] [--queue-limit N] [--ecn 'threshold P cap P budget P'] [--truth]
                       [--time-scale K] [--fairness SPAN:X1,X2,...]
  --points    point keys: x (client position on the AP1-AP2 line, m), snr1 / snr2 (SNR of the AP K <->
              station K link in dB, set explicitly; once set, later points must set it too: airsim cannot
              return a link to the path-loss model), delay (ms added on the server's egress towards both
              APs: the RTT grows by that much), cap1 / cap2 (Mbit/s limit of AP K's uplink towards the AP,
              applied in the multipath modes only, so that sp1 / sp2 measure the air alone)
  --settle, --measure  a timed run lasts settle + measure seconds (the host discards the settle part)
  --bytes     instead: download SIZE (iperf3 -n, e.g. 10M) per run, timed by iperf3
  --repeats   each point's modes run this many times, the order rotated by one mode per repetition
  --config    airsim scenario (default tools/airsim/examples/ecn-two-aps.json); radios ap1 ap2 sta1 sta2
  --ecn       passed to `mpwifi ecn set` once (default: the module's defaults)
  --rates     the APs' only legacy rates (default 802.11b's 1 2 5.5 11: see bench/ecn-steering)
  --queue-limit  airsim's per-radio queue, the APs' buffer (default 50 frames)
  --time-scale  airsim's --time-scale K: the air K times slower (OFDM rates on a CPU that cannot carry them
              in real time); the points' delays are made K times longer and their limits K times lower
  --fairness  "SPAN:X1,X2,..." instead of the points: the fairness experiment (class Fairness) with the APs
              SPAN m apart and the client of interest at each X (a config with radios ap1 ap2 sta1-sta4)
  --truth     also write airsim's per-frame truth (to $MPWIFI_VM_OUT); it costs airsim, the busiest thread
              of the emulation, enough CPU to lower the throughput of fast runs

Writes to $MPWIFI_VM_OUT: runs.jsonl (one line per run), run-NNN.{iperf3.json,watch.jsonl,ss-srv.txt,
ss-cli.txt}, ecn.json (settings, or {"available": false} when the module has no ECN steering),
airsim-truth.jsonl (with --truth), medium.log (airsim's log, each line prefixed with CLOCK_MONOTONIC
seconds: its statistics lines, busy_pct per channel each second), done.json.
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

MODES = ("sp1", "sp2", "mptcp", "seed", "uncoupled", "priority", "both")
DAEMON_MODES = ("priority", "both")  # runs with `mpwifi daemon --steering MODE`
POINT_KEYS = ("x", "snr1", "snr2", "delay", "cap1", "cap2")


class Fail(Exception):
    pass


def say(msg):
    print(f"ecn: {msg}", flush=True)


def uptime_ns():
    """/proc/uptime: CLOCK_BOOTTIME, equal to CLOCK_MONOTONIC in a VM that never suspends, 10 ms."""
    with open("/proc/uptime") as f:
        up = f.read().split()[0]
    sec, _, frac = up.partition(".")
    return int(sec) * 1_000_000_000 + int(frac or 0) * 10_000_000


def station_rx():
    """rx bytes of sta1 and sta2 (None when absent), from /proc/PID/net/dev of a process that stays in
    cli: no process spawned per reading."""
    rx = {"sta1": None, "sta2": None}
    with open(f"/proc/{CLI_PID}/net/dev") as f:
        for line in f:
            name, _, rest = line.partition(":")
            if name.strip() in rx and rest:
                rx[name.strip()] = int(rest.split()[0])
    return rx["sta1"], rx["sta2"]


CLI_PID = None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--points", default="")
    ap.add_argument("--modes", default=" ".join(MODES))
    ap.add_argument("--settle", default="5")
    ap.add_argument("--measure", default="15")
    ap.add_argument("--bytes", default="")
    ap.add_argument("--repeats", type=int, default=1)
    ap.add_argument("--config", default=os.path.join(paths.REPO, "tools/airsim/examples/ecn-two-aps.json"))
    ap.add_argument("--rates", default="1 2 5.5 11")
    ap.add_argument("--queue-limit", type=int, default=50)
    ap.add_argument("--ecn", default="")
    ap.add_argument("--truth", action="store_true")
    ap.add_argument("--time-scale", type=int, default=1)
    ap.add_argument("--fairness", default="")
    args = ap.parse_args()
    for m in args.modes.split():
        if m not in MODES:
            print(f"ecn-steering.py: unknown mode '{m}'", file=sys.stderr)
            sys.exit(2)
    out = paths.vm_out()
    start = time.monotonic()
    kmod.load()
    truth = os.path.join(out, "airsim-truth.jsonl")
    if os.path.exists(truth):
        os.unlink(truth)
    # airsim through the wrapper that applies the experiments' settings and stamps its log
    paths.use_experiment_airsim(queue_limit=args.queue_limit, time_scale=args.time_scale,
                                truth=truth if args.truth else "none")
    w = WifiWorld(aps=2, stations=4 if args.fairness else 2, channel=1, rates=args.rates, airsim=args.config)
    try:
        w.up()
        say(f"topology up in {time.monotonic() - start:.0f} s: rates {args.rates} Mbit/s, airsim queue "
            f"{args.queue_limit} frames, time scale {args.time_scale}")
        if args.fairness:
            Fairness(w, args, out, start).run()
        else:
            Bench(w, args, out, start).run()
    except Fail as e:
        print(f"ecn: error: {e}", file=sys.stderr)
        sys.exit(1)
    finally:
        ksft.run_cleanups()
        for src, dst in ((w.medium_log, "medium.log"), (w.aps[0].hostapd_log, "hostapd-ap1.log"),
                         (w.aps[1].hostapd_log, "hostapd-ap2.log")):
            if os.path.exists(src):
                shutil.copy(src, os.path.join(out, dst))
        kmod.unload()


class Bench:
    def __init__(self, w, args, out, start):
        self.w, self.args, self.out, self.start = w, args, out, start
        self.cli = [paths.cli_path()]
        self.ecn_state = "none"
        self.qdisc_now = {1: "none", 2: "none"}
        self.snr_set = False
        self.n_run = 0

    def mpwifi(self, *args, what=None):
        p = proc.cmd(self.cli + list(args), ns=self.w.cli_ns, check=False)
        if p.returncode:
            raise Fail(f"mpwifi {what or ' '.join(args)} failed: {p.stderr.strip()}")
        return p.stdout

    def ctl(self, command):
        p = proc.cmd([self.w.airsim_bin, "ctl", self.w.airsim_sock, json.dumps(command)], check=False)
        if p.returncode:
            raise Fail(f"airsim ctl failed: {(p.stdout + p.stderr).strip()} ({json.dumps(command)})")

    def run(self):
        global CLI_PID
        w, args, out = self.w, self.args, self.out
        # the world sets these; the marking needs them, so check
        for ns in (w.cli_ns, w.srv_ns):
            if proc.cmd(["sysctl", "-n", "net.ipv4.tcp_ecn"], ns=ns).stdout.strip() != "1":
                proc.cmd(["sysctl", "-q", "-w", "net.ipv4.tcp_ecn=1"], ns=ns)
        # a process that stays in cli, whose /proc/PID/net/dev gives the stations' counters
        CLI_PID = proc.bg(["sleep", "1000000"], ns=w.cli_ns).pid
        time.sleep(0.2)
        proc.cmd(["iperf3", "-s", "-p", "5201", "-D"], ns=w.srv_ns)
        proc.cmd(["mptcpize", "run", "iperf3", "-s", "-p", "5202", "-D"], ns=w.srv_ns)

        p = proc.cmd(self.cli + ["-j", "ecn", "show"], ns=w.cli_ns, check=False)
        ecn_available = p.returncode == 0
        with open(os.path.join(out, "ecn.json"), "w") as f:
            f.write(p.stdout if ecn_available else '{"available": false}\n')
        if ecn_available:
            if args.ecn:
                self.mpwifi("ecn", "set", *args.ecn.split())
                with open(os.path.join(out, "ecn.json"), "w") as f:
                    f.write(self.mpwifi("-j", "ecn", "show"))
            with open(os.path.join(out, "ecn.json")) as f:
                say(f"ECN steering: {f.read().strip()}")
        else:
            say(f"ECN steering not available in this module/CLI ({p.stderr[:200].strip()}): marking modes "
                "skipped")

        modes = [m for m in args.modes.split() if ecn_available or m not in ("seed", "uncoupled") + DAEMON_MODES]
        self.runs = open(os.path.join(out, "runs.jsonl"), "w")
        for item in args.points.split():
            pid, exp, params = item.split(":", 2)
            point = self.apply_point(params)
            say(f"point {pid} ({exp}): {params}")
            for rep in range(args.repeats):
                for i in range(len(modes)):
                    self.run_one(pid, exp, params, point, modes[(i + rep) % len(modes)], rep, ecn_available)
        self.runs.close()
        self.set_qdiscs("", "", "")
        seconds = int(time.monotonic() - self.start)
        with open(os.path.join(out, "done.json"), "w") as f:
            f.write(json.dumps({"runs": self.n_run, "ecn_available": ecn_available, "modes": " ".join(modes),
                                "rates_mbps": args.rates, "queue_limit": args.queue_limit,
                                "config": args.config, "seconds": seconds}) + "\n")
        say(f"{self.n_run} runs done in {seconds} s")

    def set_ecn(self, state):
        """off | seed | uncoupled"""
        if state == self.ecn_state:
            return
        if state == "off":
            self.mpwifi("ecn", "set", "enabled", "off")
        else:
            self.mpwifi("ecn", "set", "law", state, "enabled", "on")
        self.ecn_state = state

    def set_qdiscs(self, delay, cap1, cap2):
        """Server egress towards AP K: netem with the point's delay and, in multipath modes, the limit.  Both
        in nominal units: with the air slowed K times (--time-scale), the delay is K times as long and the
        limit K times lower, so that they keep their ratio to the air."""
        k = self.args.time_scale
        if k != 1:
            delay = "%g" % (float(delay) * k) if delay else delay
            cap1 = "%g" % (float(cap1) / k) if cap1 else cap1
            cap2 = "%g" % (float(cap2) / k) if cap2 else cap2
        batch = ""
        for k, cap in ((1, cap1), (2, cap2)):
            spec = "none"
            if cap:
                # room for the delay line plus 100 ms of queue at the limit: an uplink buffer that keeps RTTs
                # sane (netem's default, 1000 packets, is seconds at a few Mbit/s)
                limit = max(16, int(float(cap) * 1e6 * (float(delay or 0) + 100) / 1e3 / 12000) + 10)
                spec = "netem" + (f" delay {delay}ms" if delay else "") + f" rate {cap}mbit limit {limit}"
            elif delay and delay != "0":
                spec = f"netem delay {delay}ms limit 10000"
            if spec == self.qdisc_now[k]:
                continue
            batch += f"qdisc del dev to-ap{k} root\n" if spec == "none" else \
                f"qdisc replace dev to-ap{k} root handle 1: {spec}\n"
            self.qdisc_now[k] = spec
        if batch and proc.cmd(["tc", "-n", self.w.srv_ns, "-batch", "-"], input=batch, check=False).returncode:
            raise Fail(f"tc in srv failed: {batch}")

    def apply_point(self, params):
        point = dict.fromkeys(POINT_KEYS, "")
        for kv in params.split(","):
            k, _, v = kv.partition("=")
            if k not in POINT_KEYS:
                raise Fail(f"unknown point key '{k}'")
            point[k] = v
        if self.snr_set and (not point["snr1"] or not point["snr2"]):
            raise Fail(f"point '{params}' leaves a link SNR unset after an earlier point set it")
        if point["x"]:
            for sta in ("sta1", "sta2"):
                self.ctl({"set_position": {"radio": sta, "position": [json.loads(point["x"]), 0]}})
        for k, link in ((1, ("ap1", "sta1")), (2, ("ap2", "sta2"))):
            if point[f"snr{k}"]:
                self.ctl({"set_link": {"from": link[0], "to": link[1], "snr_db": json.loads(point[f"snr{k}"]),
                                       "symmetric": True}})
                self.snr_set = True
        return point

    def run_one(self, pid, exp, params, point, mode, rep, ecn_available):
        w, args, out = self.w, self.args, self.out
        self.n_run += 1
        tag = "run-%03d" % self.n_run
        if mode in ("sp1", "sp2"):
            self.set_qdiscs(point["delay"], "", "")
        else:
            self.set_qdiscs(point["delay"], point["cap1"], point["cap2"])
        daemon = None
        if mode in ("seed", "uncoupled"):
            self.set_ecn(mode)
        elif mode in DAEMON_MODES:
            # the daemon turns the marking on or off itself; its law is the uncoupled one
            self.mpwifi("ecn", "set", "law", "uncoupled")
            self.ecn_state = "daemon"
            daemon = proc.bg(self.cli + ["daemon", "--verbose", "--steering", mode, "--run-dir", "/run/mpwifi",
                                         "--emulated-air-scale", str(args.time_scale)],
                             ns=w.cli_ns, log=os.path.join(out, f"run-{self.n_run:03d}.daemon.log"))
            time.sleep(0.5)
        elif ecn_available:
            self.set_ecn("off")
        settle, measure = int(args.settle), int(args.measure)
        if args.bytes:
            length, run_timeout = ["-n", args.bytes], 600
        else:
            length, run_timeout = ["-t", str(settle + measure)], settle + measure + 60
        if mode in ("sp1", "sp2"):
            st = w.stations[int(mode[2]) - 1]
            cmd, port = ["iperf3", "-c", w.server_ip, "-p", "5201", "-B", st.ip], 5201
        else:
            cmd, port = ["mptcpize", "run", "iperf3", "-c", w.server_ip, "-p", "5202"], 5202
        watch = proc.bg(self.cli + ["-j", "ap", "watch", "--interval", "1000"], ns=w.cli_ns,
                        log=os.path.join(out, f"{tag}.watch.jsonl"))
        rx1_0, rx2_0 = station_rx()
        t_launch = uptime_ns()
        # a hung transfer must not hang the whole run: generous timeout
        client = proc.bg(["bash", "-c", 'out=$1 err=$2; shift 2; exec "$@" >"$out" 2>"$err"', "-",
                          os.path.join(out, f"{tag}.iperf3.json"), os.path.join(out, f"{tag}.iperf3.err"),
                          "timeout", str(run_timeout), *cmd, "-R", *length, "-i", "1", "-J"], ns=w.cli_ns)
        t_ss = None
        if not args.bytes:
            # subflows' RTTs and windows late in the measured part
            time.sleep(settle + measure // 2)
            t_ss = uptime_ns()
            for ns, sel, name in ((w.srv_ns, f"( sport = :{port} )", "ss-srv"),
                                  (w.cli_ns, f"( dport = :{port} )", "ss-cli")):
                p = proc.cmd(["ss", "-tinH", "state", "established", sel], ns=ns, check=False)
                with open(os.path.join(out, f"{tag}.{name}.txt"), "w") as f:
                    f.write(p.stdout + p.stderr)
        rc = client.wait(run_timeout + 30)
        t_end = uptime_ns()
        rx1, rx2 = station_rx()
        watch.stop()
        if daemon:
            daemon.stop()  # SIGTERM: every endpoint regular again
        self.runs.write(json.dumps({
            "run": self.n_run, "tag": tag, "point": pid, "exp": exp, "params": params, "mode": mode, "rep": rep,
            "settle_s": settle, "measure_s": measure, "bytes": args.bytes, "t_launch_ns": t_launch,
            "t_ss_ns": t_ss, "t_end_ns": t_end, "rx_sta1": [rx1_0, rx1], "rx_sta2": [rx2_0, rx2],
            "iperf3_status": rc, "ecn": self.ecn_state, "time_scale": args.time_scale, "delay_ms": point["delay"], "cap1_mbps": point["cap1"],
            "cap2_mbps": point["cap2"], "qdisc1": self.qdisc_now[1], "qdisc2": self.qdisc_now[2]}) + "\n")
        self.runs.flush()
        say(f"{tag} {pid} {mode} rep {rep}: {summary(os.path.join(out, f'{tag}.iperf3.json'))} "
            f"(status {rc}, {(t_end - t_launch) // 1000000} ms)")
        time.sleep(0.5)  # queues drain before the next run


class Fairness(Bench):
    """TRILOGY2 D3.2 Tables 2.1-2.3: two other clients, sta3 close to ap1 and sta4 close to ap2, download
    (plain TCP) while the client of interest (sta1 with ap1, sta2 with ap2, both radios at x) downloads
    either as a TCP client on its better AP (tcp-best: the nearer AP) or with mpwifi (MPTCP over both,
    the daemon's steering `both`), or plain MPTCP (mptcp).  All three downloads run at once; each
    client's throughput is its iperf3's over the measured part."""

    def run(self):
        w, args, out = self.w, self.args, self.out
        for ns in (w.cli_ns, w.srv_ns):
            proc.cmd(["sysctl", "-q", "-w", "net.ipv4.tcp_ecn=1"], ns=ns)
        # the other clients' stations carry no subflow of the client of interest
        for st in ("sta3", "sta4"):
            proc.cmd(["ip", "mptcp", "endpoint", "delete", "id", str(w.endpoint_id(w.station(st)))], ns=w.cli_ns)
        for port in (5201, 5203, 5204):
            proc.cmd(["iperf3", "-s", "-p", str(port), "-D"], ns=w.srv_ns)
        proc.cmd(["mptcpize", "run", "iperf3", "-s", "-p", "5202", "-D"], ns=w.srv_ns)
        span = float(json.loads(args.fairness.split(":")[0]))
        positions = [float(x) for x in args.fairness.split(":")[1].split(",")]
        self.ctl({"set_position": {"radio": "sta3", "position": [5.0, 0]}})
        self.ctl({"set_position": {"radio": "sta4", "position": [span - 5.0, 0]}})
        self.mpwifi("ecn", "set", "law", "uncoupled", "enabled", "off")
        self.runs = open(os.path.join(out, "fairness.jsonl"), "w")
        for x in positions:
            for sta in ("sta1", "sta2"):
                self.ctl({"set_position": {"radio": sta, "position": [x, 0]}})
            best = "sta1" if x <= span / 2 else "sta2"
            for rep in range(args.repeats):
                for mode in ("tcp-best", "mpwifi", "mptcp"):
                    self.fair_run(x, best, mode, rep)
        self.runs.close()
        with open(os.path.join(out, "done.json"), "w") as f:
            f.write(json.dumps({"runs": self.n_run, "fairness": args.fairness,
                                "seconds": int(time.monotonic() - self.start)}) + "\n")

    def fair_run(self, x, best, mode, rep):
        w, args, out = self.w, self.args, self.out
        self.n_run += 1
        tag = "fair-%03d" % self.n_run
        settle, measure = int(args.settle), int(args.measure)
        daemon = None
        if mode == "mpwifi":
            daemon = proc.bg(self.cli + ["daemon", "--verbose", "--steering", "both", "--run-dir", "/run/mpwifi",
                                         "--emulated-air-scale", str(args.time_scale)],
                             ns=w.cli_ns, log=os.path.join(out, f"{tag}.daemon.log"))
            time.sleep(0.5)
        ip = {st.ifname: st.ip for st in w.stations}
        clients = {"sta3": (["iperf3", "-c", w.server_ip, "-p", "5203", "-B", ip["sta3"]]),
                   "sta4": (["iperf3", "-c", w.server_ip, "-p", "5204", "-B", ip["sta4"]])}
        if mode == "tcp-best":
            clients["own"] = ["iperf3", "-c", w.server_ip, "-p", "5201", "-B", ip[best]]
        else:
            clients["own"] = ["mptcpize", "run", "iperf3", "-c", w.server_ip, "-p", "5202"]
        procs = {}
        for name, cmd in clients.items():
            procs[name] = proc.bg(["bash", "-c", 'out=$1; shift; exec "$@" >"$out" 2>&1', "-",
                                   os.path.join(out, f"{tag}.{name}.iperf3.json"), "timeout",
                                   str(settle + measure + 60), *cmd, "-R", "-t", str(settle + measure), "-i", "1",
                                   "-J"], ns=w.cli_ns)
        rcs = {name: p.wait(settle + measure + 90) for name, p in procs.items()}
        if daemon:
            daemon.stop()
        self.runs.write(json.dumps({"run": self.n_run, "tag": tag, "x": x, "best": best, "mode": mode, "rep": rep,
                                    "settle_s": settle, "measure_s": measure, "status": rcs,
                                    "time_scale": args.time_scale}) + "\n")
        self.runs.flush()
        say(f"{tag} x={x:g} {mode} rep {rep}: " + ", ".join(
            f"{name} {summary(os.path.join(out, f'{tag}.{name}.iperf3.json'))}" for name in clients))
        time.sleep(0.5)


def summary(path):
    """One iperf3 result in a few words."""
    try:
        with open(path) as f:
            r = json.load(f)["end"]["sum_received"]
        return f"{round(r['bits_per_second'] / 1e4) / 100} Mbit/s over {round(r['seconds'] * 10) / 10} s"
    except (OSError, ValueError, KeyError):
        return "no result"


if __name__ == "__main__":
    main()
