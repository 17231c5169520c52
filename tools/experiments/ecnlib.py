"""Shared pieces of the ECN steering experiments (bench/ecn-steering, tools/experiments/ecn-download-times):
the optimum a client could get from two APs on one channel, readers of the VM part's raw data
(bench/vm/ecn-steering.py) and per-run figures, plot styles.

Modes of a run: sp1 / sp2 (plain TCP through AP 1 / 2 alone), mptcp (MPTCP, marking off), seed and uncoupled
(MPTCP with ECN steering on, with that marking law), priority and both (MPTCP with the daemon's steering:
subflow priority alone, or with the uncoupled law's marks).
"""

import json
import math
import os
import re
import statistics

MODES = ("sp1", "sp2", "mptcp", "seed", "uncoupled", "priority", "both")
LAWS = ("seed", "uncoupled")
# the daemon's steering (`mpwifi daemon --steering MODE`): subflow priority alone, or with the uncoupled law's marks
DAEMON_MODES = ("priority", "both")
STEERING = LAWS + DAEMON_MODES
MULTIPATH = ("mptcp",) + STEERING
LABELS = {"sp1": "TCP via AP1 alone", "sp2": "TCP via AP2 alone", "mptcp": "MPTCP, no marking",
          "seed": "MPTCP + ECN, seed law", "uncoupled": "MPTCP + ECN, uncoupled law",
          "priority": "MPTCP + subflow priority", "both": "MPTCP + priority + ECN (uncoupled)", "optimal": "optimal"}
STYLE = {"sp1": dict(color="tab:blue", ls=":", marker="v"),
         "sp2": dict(color="tab:cyan", ls=":", marker="^"),
         "mptcp": dict(color="tab:gray", ls="--", marker="o"),
         "seed": dict(color="tab:orange", ls="-", marker="s"),
         "uncoupled": dict(color="tab:green", ls="-", marker="D"),
         "priority": dict(color="tab:red", ls="-", marker="P"),
         "both": dict(color="tab:purple", ls="-", marker="*"),
         "optimal": dict(color="black", ls="-", lw=2.5, alpha=0.35)}
MIN_WINDOW_FRAMES = 20   # module samples with fewer frames in their window say little about T
EXIT_SLACK_S = 1.0       # iperf3's last byte comes up to this long before the VM script's clock read after it
                         # exits (the queues drain, the results go over the control connection)


class RawDataError(Exception):
    pass


def optimal_throughput(x1, x2, c1=None, c2=None):
    """The most a client can download through two APs that share one channel.

    x_i: what TCP gets through AP i alone with the whole channel (no uplink limit); c_i: AP i's uplink limit
    (None: none).  Giving AP i a share a_i of the airtime yields min(a_i x_i, c_i), so the optimum is
        max over a in [0, 1] of min(a x1, c1) + min((1 - a) x2, c2),
    max(x1, x2) without limits.  The objective is concave and piecewise linear in a, so its maximum is at
    an end of [0, 1] or where one AP just reaches its limit (a = c1 / x1, or 1 - a = c2 / x2).
    """
    for v in (x1, x2):
        if v is None or not math.isfinite(v) or v < 0:
            raise ValueError("single-AP throughputs must be finite and >= 0, got %r, %r" % (x1, x2))
    for v in (c1, c2):
        if v is not None and (math.isnan(v) or v < 0):
            raise ValueError("uplink limits must be >= 0 or None, got %r, %r" % (c1, c2))
    c1 = math.inf if c1 is None else c1
    c2 = math.inf if c2 is None else c2
    candidates = {0.0, 1.0}
    if x1 > 0 and c1 < math.inf:
        candidates.add(min(1.0, c1 / x1))
    if x2 > 0 and c2 < math.inf:
        candidates.add(max(0.0, 1.0 - c2 / x2))
    return max(min(a * x1, c1) + min((1.0 - a) * x2, c2) for a in candidates)


def pct(value, ref):
    return None if value is None or not ref else 100.0 * value / ref


def mean(xs):
    xs = [x for x in xs if x is not None]
    return statistics.mean(xs) if xs else None


def rnd(v, nd=2):
    return None if v is None else round(v, nd)


# ---------------------------------------------------------------------------------------------------------
# raw data of bench/vm/ecn-steering.py

def load_jsonl(path):
    out = []
    with open(path) as f:
        for n, line in enumerate(f, 1):
            line = line.strip()
            if not line:
                continue
            try:
                out.append(json.loads(line))
            except json.JSONDecodeError as e:
                raise RawDataError("%s:%d: %s" % (path, n, e))
    return out


def load_runs(vm_out):
    path = os.path.join(vm_out, "runs.jsonl")
    if not os.path.exists(path):
        raise RawDataError("no %s: the VM part did not run" % path)
    runs = load_jsonl(path)
    if not runs:
        raise RawDataError("no run in %s" % path)
    return runs


def load_json(path, default=None):
    if not os.path.exists(path):
        if default is not None:
            return default
        raise RawDataError("missing %s" % path)
    with open(path) as f:
        return json.load(f)


def iperf3_result(path, settle_s):
    """Throughput of one iperf3 -R -J run (the client's, i.e. the receiver's, view): mbps over the
    intervals that start after settle_s, mbps_all over the whole transfer, seconds (iperf3's own duration:
    the download time of an -n run).  Raises RawDataError if iperf3 failed."""
    try:
        with open(path) as f:
            doc = json.load(f)
    except (OSError, json.JSONDecodeError) as e:
        raise RawDataError("%s: no iperf3 result (%s)" % (path, e))
    if "error" in doc:
        raise RawDataError("%s: iperf3: %s" % (path, doc["error"]))
    try:
        end = doc["end"]["sum_received"]
        intervals = [i["sum"] for i in doc["intervals"]]
    except (KeyError, TypeError) as e:
        raise RawDataError("%s: incomplete iperf3 result (%s)" % (path, e))
    kept = [i for i in intervals if i["start"] >= settle_s - 1e-3]
    secs = sum(i["seconds"] for i in kept)
    return {
        "mbps": sum(i["bytes"] for i in kept) * 8 / secs / 1e6 if secs > 0 else None,
        "mbps_all": end["bits_per_second"] / 1e6,
        "seconds": end["seconds"],
        "bytes": end["bytes"],
        "interval_mbps": [round(i["bits_per_second"] / 1e6, 3) for i in intervals],
        "measured_s": secs,
    }


def load_watch(path):
    """`mpwifi -j ap watch` lines: [{"t_ns", "aps": {ifname: ap}}]."""
    if not os.path.exists(path):
        return []
    out = []
    for line in load_jsonl(path):
        out.append({"t_ns": line["t_ns"], "aps": {a["ifname"]: a for a in line.get("aps", [])}})
    return out


def window_frames(ap):
    return (ap.get("window_first_try") or 0) + (ap.get("window_retried") or 0) + (ap.get("window_lost") or 0)


def module_figures(samples, t0_ns, t1_ns, ifname):
    """The module's view of one AP over [t0, t1]: mean packet time, delivery probability and rate over the
    samples whose window held enough frames; the ECN figures if the module reports them (mark_rate, and the
    marked / ect counters' growth)."""
    inside = [s["aps"][ifname] for s in samples if t0_ns <= s["t_ns"] <= t1_ns and ifname in s["aps"]]
    busy = [a for a in inside if window_frames(a) >= MIN_WINDOW_FRAMES and a.get("packet_time_us")]
    out = {
        "samples": len(inside),
        "samples_with_traffic": len(busy),
        "packet_time_us": rnd(mean(a["packet_time_us"] for a in busy), 1),
        "delivery_prob": rnd(mean(a.get("delivery_prob") for a in busy), 4),
        "bitrate_mbps": rnd(mean((a.get("bitrate_kbps") or 0) / 1000 for a in busy), 2) if busy else None,
        "window_frames_mean": rnd(mean(window_frames(a) for a in inside), 1),
    }
    if inside and "mark_rate" in inside[0]:
        rates = [a.get("mark_rate") for a in inside if a.get("mark_rate") is not None]
        out["mark_rate_mean"] = rnd(mean(rates), 5)
        out["mark_rate_max"] = rnd(max(rates), 5) if rates else None
        out["marking_share"] = rnd(sum(1 for a in inside if a.get("ecn_marking")) / len(inside), 3)
        out["mark_delta_mean"] = rnd(mean(a.get("mark_delta") for a in inside), 5)
        first, last = inside[0], inside[-1]
        d_marked = (last.get("marked") or 0) - (first.get("marked") or 0)
        d_ect = (last.get("ect") or 0) - (first.get("ect") or 0)
        out["marked"] = d_marked
        out["ect"] = d_ect
        out["marked_share"] = rnd(d_marked / d_ect, 5) if d_ect > 0 else None
    return out


STAMPED = re.compile(r"^(\d+\.\d+) airsim: stats (\{.*\})\s*$")


def load_medium_stats(path):
    """airsim's statistics lines from the medium's log as bench/vm/ecn-airsim.py stamps them:
    [(t_ns at the end of the interval, stats)]."""
    if not os.path.exists(path):
        raise RawDataError("no %s (airsim's log)" % path)
    out = []
    with open(path, errors="replace") as f:
        for line in f:
            m = STAMPED.match(line)
            if m:
                out.append((int(round(float(m.group(1)) * 1e9)), json.loads(m.group(2))))
    return out


def air_figures(stats, t0_ns, t1_ns, interval_ns=1_000_000_000):
    """airsim's channel figures over the statistics intervals that lie inside [t0, t1]: busy_pct of the
    busiest frequency, frames per second, how late copies reached the kernel, queue drops."""
    inside = [(t, s) for t, s in stats if t - interval_ns >= t0_ns - 50_000_000 and t <= t1_ns + 50_000_000]
    if not inside:
        return {"intervals": 0, "busy_pct_mean": None, "busy_pct_min": None}
    busy = [max(s["busy_pct"].values()) if s.get("busy_pct") else 0.0 for _, s in inside]
    before = [s for t, s in stats if t < inside[0][0]]
    drops0 = before[-1]["queue_drops"] if before else 0
    return {
        "intervals": len(inside),
        "busy_pct_mean": rnd(statistics.mean(busy), 1),
        "busy_pct_min": rnd(min(busy), 1),
        "frames_per_s": rnd(statistics.mean(s["frames_per_s"] for _, s in inside), 0),
        "lag_mean_ms": rnd(statistics.mean(s["lag_mean_us"] for _, s in inside) / 1000, 2),
        "lag_max_ms": rnd(max(s["lag_max_us"] for _, s in inside) / 1000, 1),
        "queue_drops": inside[-1][1]["queue_drops"] - drops0,
    }


SS_ADDR = re.compile(r"(?:\[::ffff:)?(\d+\.\d+\.\d+\.\d+)(?:%\w+)?\]?:(\d+)")


def parse_ss(path, side):
    """`ss -tinH` of one side (srv or cli): one dict per TCP socket with its AP (from the client address
    10.0.K.x), rtt_ms (srtt), cwnd, rcv_rtt_ms, delivered_ce (CE marks the sender has seen echoed) and the
    bytes it carried."""
    if not os.path.exists(path):
        return []
    with open(path) as f:
        lines = f.read().splitlines()
    socks = []
    cur = None
    for line in lines:
        if not line.strip():
            continue
        if not line[0].isspace():
            addrs = SS_ADDR.findall(line)
            if len(addrs) < 2:
                cur = None
                continue
            local, peer = addrs[0], addrs[1]
            client = peer[0] if side == "srv" else local[0]
            ap = int(client.split(".")[2]) if client.startswith("10.0.") else None
            cur = {"ap": ap, "client": client}
            socks.append(cur)
        elif cur is not None:
            words = line.split()
            for w in words:
                k, _, v = w.partition(":")
                if k == "rtt" and v:
                    cur["rtt_ms"] = float(v.split("/")[0])
                elif k in ("cwnd", "ssthresh", "delivered_ce", "unacked"):
                    cur[k] = int(v)
                elif k == "rcv_rtt":
                    cur["rcv_rtt_ms"] = float(v)
                elif k == "minrtt":
                    cur["minrtt_ms"] = float(v)
                elif k in ("bytes_acked", "bytes_received", "bytes_retrans"):
                    cur[k] = int(v)
            cur["mptcp"] = "tcp-ulp-mptcp" in words
    key = "bytes_acked" if side == "srv" else "bytes_received"
    # the data connection's subflows only (iperf3's control connection carries a few hundred bytes)
    return [s for s in socks if s.get(key, 0) >= 100_000]


def measurement_window(run):
    """[t0, t1] in CLOCK_MONOTONIC ns: the measured part of a timed run (after the settle time), or the
    whole transfer of an -n run, placed back from the VM script's clock read after iperf3 exited."""
    t_end = run["t_end_ns"] - int(EXIT_SLACK_S * 1e9)
    if run.get("bytes"):
        return max(run["t_launch_ns"], t_end - int(run["_seconds"] * 1e9)), t_end
    return t_end - int(float(run["measure_s"]) * 1e9), t_end


def failed_run(run, error):
    """A run without a result, shaped like analyse_run's figures so that it can be listed."""
    out = {k: run.get(k) for k in ("tag", "point", "exp", "params", "mode", "rep", "iperf3_status")}
    out.update({"error": error, "mbps": None, "mbps_all": None, "seconds": None, "interval_mbps": [],
                "air": {"intervals": 0, "busy_pct_mean": None, "busy_pct_min": None},
                "module": {ifn: {"packet_time_us": None} for ifn in ("sta1", "sta2")}, "share_via_ap1": None,
                "rx_bytes": [None, None], "t_ratio": None, "subflows": []})
    return out


def analyse_runs(raw, vm_out, stats):
    """analyse_run over every run; a run whose transfer failed is kept as failed_run, with the error."""
    out = []
    for r in raw:
        try:
            out.append(analyse_run(r, vm_out, stats))
        except RawDataError as e:
            out.append(failed_run(r, str(e)))
    return out


def analyse_run(run, vm_out, stats):
    """Every figure of one run, or raises RawDataError."""
    settle = 0.0 if run.get("bytes") else float(run["settle_s"])
    res = iperf3_result(os.path.join(vm_out, run["tag"] + ".iperf3.json"), settle)
    run = dict(run, _seconds=res["seconds"])
    t0, t1 = measurement_window(run)
    samples = load_watch(os.path.join(vm_out, run["tag"] + ".watch.jsonl"))
    out = {k: run[k] for k in ("tag", "point", "exp", "params", "mode", "rep", "iperf3_status")}
    out["time_scale"] = run.get("time_scale", 1)
    out.update({
        "mbps": rnd(res["mbps"], 3),
        "mbps_all": rnd(res["mbps_all"], 3),
        "seconds": rnd(res["seconds"], 3),
        "interval_mbps": res["interval_mbps"],
        "window_ns": [t0, t1],
        "air": air_figures(stats, t0, t1),
        "module": {ifn: module_figures(samples, t0, t1, ifn) for ifn in ("sta1", "sta2")},
        "delay_ms": run.get("delay_ms") or None,
        "cap1_mbps": float(run["cap1_mbps"]) if run.get("cap1_mbps") else None,
        "cap2_mbps": float(run["cap2_mbps"]) if run.get("cap2_mbps") else None,
        "ecn_state": run.get("ecn"),
    })
    rx = {}
    for k in (1, 2):
        a, b = run.get("rx_sta%d" % k) or [None, None]
        rx[k] = b - a if a is not None and b is not None else None
    if rx[1] is not None and rx[2] is not None and rx[1] + rx[2] > 0:
        out["share_via_ap1"] = rnd(rx[1] / (rx[1] + rx[2]), 3)
    else:
        out["share_via_ap1"] = None
    out["rx_bytes"] = [rx[1], rx[2]]
    t1s = out["module"]["sta1"]["packet_time_us"]
    t2s = out["module"]["sta2"]["packet_time_us"]
    out["t_ratio"] = rnd(max(t1s, t2s) / min(t1s, t2s), 3) if t1s and t2s else None
    subflows = []
    srv = parse_ss(os.path.join(vm_out, run["tag"] + ".ss-srv.txt"), "srv")
    cli = parse_ss(os.path.join(vm_out, run["tag"] + ".ss-cli.txt"), "cli")
    for s in srv:
        c = next((c for c in cli if c["client"] == s["client"]), {})
        subflows.append({"ap": s["ap"], "srtt_ms": s.get("rtt_ms"), "cwnd": s.get("cwnd"),
                         "ssthresh": s.get("ssthresh"), "minrtt_ms": s.get("minrtt_ms"),
                         "client_rcv_rtt_ms": c.get("rcv_rtt_ms"), "delivered_ce": s.get("delivered_ce") or 0,
                         "mptcp": s.get("mptcp")})
    out["subflows"] = sorted(subflows, key=lambda s: s["ap"] or 0)
    return out
