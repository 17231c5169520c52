#!/usr/bin/env python3
"""ECN steering end to end: two APs on one channel through airsim, a client on both, MPTCP downloads.
ap1 sends at 18 Mbit/s, ap2 at 6 (rates pinned with `iw set bitrates`), so ap2's packet time is about
three times ap1's: ap2 is the one to mark.
 (a) marking off: nothing is marked; the share of the download through ap2 is recorded;
 (b) marking on (uncoupled law, cap 5%): marks only on sta2 (ap2's subflow), at a realised rate within
     10% (30% on a slowed kernel) of the capped delta the module reports, and the share through ap2 falls. The smallest budget
     (1 ppm) keeps the law's delta at the cap for any RTT the receiver of a starved subflow may estimate
     (with 1%, T 2.8 ms against a best of 1.0 ms, it falls under 2% beyond 3.7 s), so the delta is known;
 (c) cap 2%: the realised rate follows the lower cap;
 (d) plain TCP through both APs while ap2 is marked: never counted, never marked;
 (e) MPTCP without ECN (Not-ECT packets) while ap2 is marked: never counted, never marked;
 (f) both APs at 18 Mbit/s: nothing is marked.
Marks are counted independently of the module by nftables in the client namespace, at a prerouting
hook after mpwifi's (priority 0): CE packets and ECN-capable TCP packets per interface.  CE packets are
also counted at each interface's ingress hook, before mpwifi's: the APs' own queues (mac80211's CoDel
marks ECT packets of a fast station's queue) add some under load, and nft_ce counts only those the client
added.  Every MPTCP download is measured only once it carries data through both stations, and outlasts
the snapshots taken over it.
On a slowed (debug) kernel the whole guest carries some 20-40 frames a second: downloads get smaller
socket buffers, and the module a 4 s window and a 4 s staleness limit, so that an AP's window still holds
min-frames (20) frames; every wait and measuring limit is scaled, and a realised rate is measured over
fewer marks, to within 30% (MARKS_MEASURED).

Run with --snapshot IF1 IF2 (in the client namespace) it prints one snapshot instead (see snapshot())."""
import json
import math
import os
import shutil
import sys
import time

HERE = os.path.dirname(os.path.realpath(__file__))
sys.path.insert(0, os.path.join(HERE, "../lib"))

COLUMNS = ("marked1", "ect1", "marked2", "ect2", "nft_ce1", "nft_ect1", "nft_ce2", "nft_ect2", "rx1", "rx2",
           "marking2", "t_ns", "arrived_ce1", "arrived_ce2")


def snapshot(ifs):
    """One snapshot, read in one go: nftables first, then the module through a netlink client that
    shares no code with the agent, then the interfaces' rx_bytes, so every column covers nearly the same
    interval. marking2: the module's ecn_marking flag of the second interface's AP; t_ns:
    CLOCK_MONOTONIC, as `ap watch` has it."""
    import subprocess
    from mpwtest.genl import Mpwifi
    counts = {}
    for table in (["inet", "ecncount"], ["netdev", "ecnin"]):
        nft = json.loads(subprocess.run(["nft", "-j", "list", "table", *table],
                                        check=True, capture_output=True, text=True).stdout)
        counts.update({o["rule"]["comment"]: e["counter"]["packets"] for o in nft["nftables"]
                       if "comment" in o.get("rule", {}) for e in o["rule"]["expr"] if "counter" in e})
    with Mpwifi() as family:
        by = {m["ap"]["ifname"]: m["ap"] for m in family.dump("ap-get")}
    rx = [int(open(f"/sys/class/net/{i}/statistics/rx_bytes").read()) for i in ifs]
    values = [by[i].get(k, 0) for i in ifs for k in ("marked", "ect")]
    # CE the client added: at prerouting, less what arrived marked
    values += [counts["ce1"] - counts["in_ce1"], counts["ect1"], counts["ce2"] - counts["in_ce2"], counts["ect2"],
               *rx, by[ifs[1]].get("ecn-marking", 0), time.monotonic_ns(), counts["in_ce1"], counts["in_ce2"]]
    return dict(zip(COLUMNS, values))


if len(sys.argv) == 4 and sys.argv[1] == "--snapshot":
    print(json.dumps(snapshot(sys.argv[2:])))
    sys.exit(0)

from mpwtest import cli, kmod, ksft, paths, proc, traffic, world  # noqa: E402
from mpwtest.ksft import check, check_eq, check_ge  # noqa: E402

WINDOW = traffic.STEERED_WINDOW
WINDOW_MS, STALE_MS = kmod.WINDOW_MS, kmod.STALE_MS
STEADY_S = ksft.scaled(8)  # seconds measured in the parts without marks
# A realised rate is measured over at least 40 / delta ECN-capable packets (below); collecting them
# takes up to this long (at a 2% cap the starved subflow carries some 30 such packets a second).
MEASURE_LIMIT_S = ksft.scaled(180)


def airsim_config():
    """Every radio within a few metres of every other: no loss, one shared channel."""
    def radio(name, pos):
        return {"name": name, "freq_mhz": 2412, "position": pos, "tx_power_dbm": 20}
    return {"seed": 11, "radios": [radio("ap1", [0, 0]), radio("ap2", [4, 0]), radio("sta1", [2, 1]),
                                   radio("sta2", [2, -1])]}


# Marks a realised rate is measured over, and its tolerance. The credit accumulator puts each socket's
# count of marks within one of DELTA x its packets, and two sockets use ap2 (iperf3's data and control
# connections): 40 marks resolve DELTA to 5%, checked to 10%. On a slowed kernel the marked AP carries
# some 3 ECN-capable packets a second (2000 for a 2% cap did not come in 12 minutes): 12 marks there
# resolve DELTA to 17%, checked to 30%.
MARKS_MEASURED, RATE_TOLERANCE = (12, 0.3) if ksft.slowed() else (40, 0.1)


def packets_needed(delta):
    """The ECN-capable packets a measurement of DELTA must hold (MARKS_MEASURED / DELTA)."""
    return math.ceil(MARKS_MEASURED / delta)


class Test:
    def __init__(self):
        self.out = traffic.out_dir()
        self.w = world.WifiWorld(aps=2, stations=2, channel=1, rates="6 18", airsim=airsim_config())
        self.sta1, self.sta2 = "sta1", "sta2"

    def snap(self):
        p = proc.cmd(["python3", os.path.realpath(__file__), "--snapshot", self.sta1, self.sta2], ns="cli")
        return json.loads(p.stdout)

    @staticmethod
    def d(a, b, *keys):
        """The growth of columns KEYS from snapshot A to B (one value, or a tuple for several)."""
        v = tuple(b[k] - a[k] for k in keys)
        return v[0] if len(v) == 1 else v

    def ecn(self, *args):
        cli.mpwifi("ecn", "set", *args, ns="cli", json=False)

    def pin_rate(self, ap, mbps):
        proc.cmd(["iw", "dev", f"wlan-ap{ap}", "set", "bitrates", "legacy-2.4", str(mbps)], ns=f"ap{ap}")

    def marking_of(self, ifname):
        return cli.ap_field(ifname, "ecn_marking", ns="cli")

    def eligible(self, ifname):
        """True once IFNAME's AP is flagged within 3 s (scaled; each read re-evaluates; a verdict must hold
        for 500 ms to switch), else False."""
        for _ in range(math.ceil(ksft.scaled(10))):
            if self.marking_of(ifname) is True:
                return True
            time.sleep(0.3)
        return False

    def download(self, seconds):
        """An MPTCP download from the server in the background, once it carries data through both stations
        (WifiWorld.carry_through_all: a station whose join failed gets its endpoint announced again)."""
        ifs = [self.sta1, self.sta2]
        before = traffic.rx_bytes("cli", ifs)
        dl = traffic.download_bg("cli", self.w.server_ip, seconds, f"{self.out}/iperf3-{time.monotonic_ns()}.json",
                                 port=5201, mptcp=True, extra=WINDOW)
        self.w.carry_through_all(ifs, before)
        return dl

    def steady_snapshots(self):
        """Snapshots STEADY_S apart over an MPTCP download, from 3 s after its start (past slow start); the
        download outlasts the last snapshot however long snapshots take, and stops after it."""
        dl = self.download(math.ceil(STEADY_S + ksft.scaled(60)))
        time.sleep(3)
        first = self.snap()
        time.sleep(STEADY_S)
        last = self.snap()
        dl.stop()
        return first, last

    def share2(self, a, b):
        rx1, rx2 = self.d(a, b, "rx1", "rx2")
        return rx2 / max(rx1 + rx2, 1)

    def off_times(self):
        """When the module's 250 ms watch saw ap2 not marked (t_ns of each such sample)."""
        return [sample["t_ns"] for sample in traffic.json_lines(self.watch_log)
                if not any(a["ifname"] == self.sta2 and a["ecn_marking"] for a in sample["aps"])]

    def measure_marks(self, delta):
        """Snapshots 1 s apart over the running download until the CE and ECN-capable packets through ap2,
        summed over the steps in which ap2 was marked throughout (at both ends, and in every sample of
        the module's 250 ms watch in between: marking pauses while the starved subflow's AP has no
        estimate for long, and a pause lasts at least the 500 ms a verdict must hold, so one inside a
        step shows in the watch), reach packets_needed(delta), or MEASURE_LIMIT_S pass. Returns
        (ce, ect, first snapshot, last snapshot, seconds)."""
        need = packets_needed(delta)
        steps = []
        m0 = prev = self.snap()
        start = time.monotonic()
        while True:
            time.sleep(1)
            cur = self.snap()
            steps.append((prev, cur))
            prev = cur
            off = self.off_times()
            ce = ect = 0
            for a, b in steps:
                if a["marking2"] == b["marking2"] == 1 and not any(a["t_ns"] <= t <= b["t_ns"] for t in off):
                    ce += b["nft_ce2"] - a["nft_ce2"]
                    ect += b["nft_ect2"] - a["nft_ect2"]
            if ect >= need or time.monotonic() - start >= MEASURE_LIMIT_S:
                break
        with open(f"{self.out}/steps-{delta}.jsonl", "w") as f:
            f.writelines(json.dumps([a, b]) + "\n" for a, b in steps)
        return ce, ect, m0, cur, time.monotonic() - start

    def check_realised(self, desc, delta, measured):
        """Marks / ECN-capable packets through ap2 while marked, by nftables, within RATE_TOLERANCE of DELTA,
        over at least packets_needed(DELTA) packets."""
        ce, ect, m0, m1, secs = measured
        need = packets_needed(delta)
        rate = ce / max(ect, 1)
        ksft.log(f"      nftables, while ap2 was marked: {ce} CE of {ect} ECN-capable packets through ap2 in "
                 f"{secs:.0f} s: {rate:.4f} (delta {delta}); over the whole stretch "
                 f"{self.d(m0, m1, 'nft_ce2')} of {self.d(m0, m1, 'nft_ect2')}")
        tolerance = delta * RATE_TOLERANCE
        check(desc, ect >= need and abs(rate - delta) <= tolerance,
              f"{ce} CE of {ect} ECN-capable packets (need >= {need}): {rate:.4f}, want {delta} +- {tolerance:.4f}")

    def run(self):
        w = self.w
        kmod.load(window_ms=WINDOW_MS)
        ksft.defer(lambda: os.path.exists(w.medium_log) and shutil.copy(w.medium_log, self.out))
        w.up()
        for ns in ("cli", "srv"):
            proc.cmd(["sysctl", "-qw", "net.ipv4.tcp_ecn=1"], ns=ns)
        self.pin_rate(1, 18)
        self.pin_rate(2, 6)
        # rule counters, named by comment: named counter objects need nft_objref, which a trimmed kernel
        # (make check-debug's) may lack
        rules = "".join(f'''
		iifname "{i}" meta l4proto tcp ip ecn ce counter comment "ce{n}"
		iifname "{i}" meta l4proto tcp ip ecn != not-ect counter comment "ect{n}"''' for n, i in ((1, self.sta1), (2, self.sta2)))
        proc.cmd(["nft", "-f", "-"], ns="cli", input=f"""table inet ecncount {{
	chain pre {{
		type filter hook prerouting priority 0; policy accept;{rules}
	}}
}}
""")
        ingress = "".join(f'''
	chain in{n} {{
		type filter hook ingress device "{i}" priority 0; policy accept;
		meta protocol ip ip protocol tcp ip ecn ce counter comment "in_ce{n}"
	}}''' for n, i in ((1, self.sta1), (2, self.sta2)))
        proc.cmd(["nft", "-f", "-"], ns="cli", input=f"table netdev ecnin {{{ingress}\n}}\n")
        traffic.iperf3_server("srv", port=5201, mptcp=True)
        traffic.iperf3_server("srv", port=5202)
        traffic.iperf3_server("srv", port=5203)

        # (a) off
        self.ecn("enabled", "off", "stale-ms", str(STALE_MS))
        a0, a1 = self.steady_snapshots()
        ksft.log(f"      snapshots: {a0} / {a1}")
        share_off = self.share2(a0, a1)
        ksft.log(f"off: share through ap2 {share_off:.3f}")
        check_eq("off: nothing marked (module marked1, marked2)", self.d(a0, a1, "marked1", "marked2"), (0, 0))
        check_eq("off: no CE arrives (nftables ce1, ce2)", self.d(a0, a1, "nft_ce1", "nft_ce2"), (0, 0))

        # (b) on, uncoupled law, 5% cap
        self.ecn("enabled", "on", "law", "uncoupled", "cap", "5", "threshold", "20", "budget", "0.0001")
        dl = self.download(math.ceil(3 + 2 * MEASURE_LIMIT_S + 30))  # outlasts (b) and (c); stopped after (c)
        # the module's view through (b) and (c)
        self.watch_log = f"{self.out}/watch-bc.jsonl"
        watch = proc.bg([paths.cli_path(), "-j", "ap", "watch", "--interval", "250"], ns="cli",
                        log=self.watch_log)
        time.sleep(3)
        check_eq("on: ap2 (6 Mbit/s) is marked", self.eligible(self.sta2), True)
        check_eq("on: ap1 (18 Mbit/s) is not", self.marking_of(self.sta1), False)
        mark_delta = cli.ap_field(self.sta2, "mark_delta", ns="cli")
        ksft.log(f"      module's delta for ap2's subflow: {mark_delta} (uncoupled law, capped at 0.05)")
        check_eq("on: delta is the 5% cap", mark_delta, 0.05)
        measured = self.measure_marks(0.05)
        m0, m1 = measured[2], measured[3]
        share_on = self.share2(m0, m1)
        ksft.log(f"on: share through ap2 {share_on:.3f} (off: {share_off:.3f})")
        check_eq("on: no mark on sta1 (module marked1, nftables ce1)", self.d(m0, m1, "marked1", "nft_ce1"), (0, 0))
        self.check_realised(f"on: realised rate within {RATE_TOLERANCE:.0%} of the capped delta", 0.05, measured)
        check("on: share through ap2 falls below 0.8 x off", share_on < 0.8 * share_off,
              f"{share_on:.3f} against {share_off:.3f} off")
        # the agent's view: cumulative marks where they happened, none elsewhere
        rows = cli.ap_rows("cli")
        r1, r2 = cli.ap_row(self.sta1, rows=rows) or {}, cli.ap_row(self.sta2, rows=rows) or {}
        check("on: agent reports marks on sta2 only",
              (r2.get("marked") or 0) > 0 and r1.get("marked") == 0 and r1.get("mark_rate") in (0, 0.0, None, ""),
              f"sta2 marked {r2.get('marked')}, sta1 marked {r1.get('marked')} mark_rate {r1.get('mark_rate')}")

        # (c) cap 2%
        self.ecn("cap", "2")
        time.sleep(2)
        measured = self.measure_marks(0.02)
        dl.stop()
        watch.stop()
        self.check_realised(f"cap 2%: realised rate within {RATE_TOLERANCE:.0%} of it", 0.02, measured)
        time.sleep(1)
        quiet = self.snap()
        ksft.log(f"      totals: {quiet}")
        check_eq("every mark the module counts is a CE packet nftables sees, and no other",
                 (quiet["marked1"], quiet["marked2"]), (quiet["nft_ce1"], quiet["nft_ce2"]))

        # (d) plain TCP through each AP while ap2 stays marked
        p1 = traffic.download_bg("cli", w.server_ip, math.ceil(ksft.scaled(60)), f"{self.out}/plain1.json", port=5202,
                                 bind=w.stations[0].ip, extra=WINDOW)
        p2 = traffic.download_bg("cli", w.server_ip, math.ceil(ksft.scaled(60)), f"{self.out}/plain2.json", port=5203,
                                 bind=w.stations[1].ip, extra=WINDOW)
        time.sleep(3)
        d0 = self.snap()
        marking_plain = self.eligible(self.sta2)
        time.sleep(3)
        d1 = self.snap()
        p1.stop()  # the downloads outlast the snapshots however long those take
        p2.stop()
        ksft.log(f"plain TCP: {self.d(d0, d1, 'nft_ect2')} ECN-capable packets through ap2, ap2 marking: "
                 f"{marking_plain}")
        check_eq("plain TCP: ap2 still eligible for marking", marking_plain, True)
        check_ge("plain TCP: ECN-capable traffic flowed through ap2 (nftables ect2)", self.d(d0, d1, "nft_ect2"), 100)
        check_eq("plain TCP: never counted nor marked (module ect1, ect2, marked2)",
                 self.d(d0, d1, "ect1", "ect2", "marked2"), (0, 0, 0))
        check_eq("plain TCP: no CE (nftables ce1, ce2)", self.d(d0, d1, "nft_ce1", "nft_ce2"), (0, 0))

        # (e) MPTCP with ECN off at the server: Not-ECT packets only
        proc.cmd(["sysctl", "-qw", "net.ipv4.tcp_ecn=0"], ns="srv")
        dl = self.download(math.ceil(ksft.scaled(60)))
        time.sleep(3)
        e0 = self.snap()
        marking_notect = self.eligible(self.sta2)
        time.sleep(3)
        e1 = self.snap()
        dl.stop()
        proc.cmd(["sysctl", "-qw", "net.ipv4.tcp_ecn=1"], ns="srv")
        ksft.log(f"Not-ECT: {self.d(e0, e1, 'rx2')} bytes through ap2, ap2 marking: {marking_notect}")
        check_eq("Not-ECT: ap2 still eligible for marking", marking_notect, True)
        check_ge("Not-ECT: traffic flowed through ap2 (rx bytes)", self.d(e0, e1, "rx2"), 50000)
        check_eq("Not-ECT: never counted nor marked (module marked2, ect2)", self.d(e0, e1, "marked2", "ect2"), (0, 0))
        check_eq("Not-ECT: no CE, no ECN-capable packet (nftables ce2, ect2)", self.d(e0, e1, "nft_ce2", "nft_ect2"),
                 (0, 0))

        # (f) equal APs, default settings
        self.ecn("cap", "5", "budget", "10")
        self.pin_rate(2, 18)
        time.sleep(WINDOW_MS / 1000)  # no frame sent at 6 Mbit/s is left in the window
        f0, f1 = self.steady_snapshots()
        ksft.log(f"equal: {self.d(f0, f1, 'ect1')} + {self.d(f0, f1, 'ect2')} ECT segments counted")
        check("equal APs: both carried ECN-capable MPTCP traffic (module ect1, ect2 >= 100)",
              min(self.d(f0, f1, "ect1", "ect2")) >= 100, self.d(f0, f1, "ect1", "ect2"))
        check_eq("equal APs: nothing marked (module marked1, marked2, nftables ce1, ce2)",
                 self.d(f0, f1, "marked1", "marked2", "nft_ce1", "nft_ce2"), (0, 0, 0, 0))
        check_eq("equal APs: no AP flagged for marking", (self.marking_of(self.sta1), self.marking_of(self.sta2)),
                 (False, False))
        with open(f"{self.out}/ecn.json", "w") as f:
            json.dump(cli.mpwifi("ecn", "show", ns="cli"), f)


ksft.run(lambda: Test().run())
