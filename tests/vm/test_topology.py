#!/usr/bin/env python3
"""End-to-end check of the emulated WiFi world: 2 APs + 2 stations associate, and an MPTCP download from
the server uses both WiFi paths; taking the world down leaves nothing behind.
TEST_IPERF_SECONDS sets the length of the download (default 5 s, scaled on a slowed kernel: the debug
kernel beside another VM moved 0.6 Mbit/s, and the 1 MB the download must move took more than 5 s)."""
import math
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.realpath(__file__)), "../lib"))
from mpwtest import ksft, proc, traffic, world  # noqa: E402
from mpwtest.ksft import check, check_eq, check_ge  # noqa: E402

DURATION = int(os.environ.get("TEST_IPERF_SECONDS") or math.ceil(ksft.scaled(5)))
MIN_SHARE = 0.20  # of the download each station must carry at least


def main():
    out = traffic.out_dir()
    w = world.WifiWorld(aps=2, stations=2)
    w.up()
    check("topology up", True)
    sta1, sta2 = w.stations
    for st in w.stations:
        check_eq(f"{st.ifname} associated with {st.bssid}", w.associated_bssid(st), st.bssid)
    check("stations use different APs", sta1.bssid != sta2.bssid, f"both {sta1.bssid}")
    check("stations on different radios", sta1.phy != sta2.phy, f"both {sta1.phy}")
    for st in w.stations:
        check(f"ping server from {st.ifname}", w.ping(st.ip, w.server_ip, count=2, wait=2))
    v6 = proc.cmd(["ip", "-n", "cli", "-6", "-o", "addr", "show"]).stdout.strip()
    check("no IPv6 addresses on the client", not v6, v6)

    traffic.iperf3_server(w.srv_ns, mptcp=True, bind=w.server_ip, one_off=True)
    ifs = [st.ifname for st in w.stations]
    before = traffic.rx_bytes(w.cli_ns, ifs)
    try:
        report = traffic.download(w.cli_ns, w.server_ip, DURATION, out=f"{out}/iperf3-client.json", mptcp=True)
        ok = True
    except proc.CmdError as e:
        report, ok = None, False
        ksft.log(str(e))
    check("iperf3 download finished", ok)
    after = traffic.rx_bytes(w.cli_ns, ifs)
    capable = traffic.nstat(w.cli_ns, "MPTcpExtMPCapableSYNACKRX")
    joined = traffic.nstat(w.cli_ns, "MPTcpExtMPJoinSynAckRx")
    check_ge("connection is MPTCP (MPCapableSYNACKRX)", capable, 1)
    check_ge("a second subflow joined (MPJoinSynAckRx)", joined, 1)
    d = {i: after[i] - before[i] for i in ifs}
    total = sum(d.values())
    ksft.log("rx bytes: " + ", ".join(f"{i} {d[i]} ({d[i] / max(total, 1):.0%})" for i in ifs))
    if report:
        ksft.log(f"throughput: {traffic.received_mbps(report):.1f} Mbit/s (MPTCP over 2 hwsim links)")
    check_ge("download moved at least 1 MB", total, 1_000_000)
    for i in ifs:
        check_ge(f"{i} carried >= {MIN_SHARE:.0%} of the download", round(d[i] / max(total, 1), 3), MIN_SHARE)

    w.down()
    check("topology down", True)
    left = proc.cmd(["ip", "netns", "list"]).stdout.strip()
    check("namespaces removed", not left, left)
    check("mac80211_hwsim unloaded", not os.path.isdir("/sys/module/mac80211_hwsim"))


ksft.run(main)
