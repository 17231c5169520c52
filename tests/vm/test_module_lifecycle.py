#!/usr/bin/env python3
"""The module's life around traffic: loaded before mac80211 exists, reloaded repeatedly under an MPTCP
download that ECN steering marks (ap1 pinned to HT MCS 0 against ap2's MCS 7, ECN on), mac80211
removed and brought back under it, interfaces deleted while tracked; the kernel log stays clean and
counting resumes each time.  MPWIFI_LIFECYCLE_RELOADS sets the number of reloads (default 30)."""
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.realpath(__file__)), "../lib"))
from mpwtest import cli, kmod, ksft, proc, traffic, world  # noqa: E402
from mpwtest.ksft import check, check_eq, check_ge  # noqa: E402

KPROBES = "/sys/kernel/debug/kprobes/list"
RELOADS = int(os.environ.get("MPWIFI_LIFECYCLE_RELOADS", "30"))
WINDOW_MS, STALE_MS = kmod.WINDOW_MS, kmod.STALE_MS
WINDOW = traffic.STEERED_WINDOW


def frames(ns="cli"):
    return sum(r["first_try"] + r["retried"] for r in cli.ap_rows(ns))


def main():
    check("mac80211 not loaded yet", not kmod.loaded("mac80211"))
    kmod.load(window_ms=WINDOW_MS)
    check_eq("rx hook detached without mac80211", cli.config()["rx_hook"], False)
    w = world.WifiWorld(aps=2, stations=2, channel=1, rates="6 54")
    w.up()
    proc.cmd(["iw", "dev", "wlan-ap1", "set", "bitrates", "legacy-2.4", "6", "ht-mcs-2.4", "0"], ns="ap1")
    proc.cmd(["iw", "dev", "wlan-ap2", "set", "bitrates", "legacy-2.4", "54", "ht-mcs-2.4", "7"], ns="ap2")
    for ns in (w.cli_ns, w.srv_ns):
        proc.cmd(["sysctl", "-qw", "net.ipv4.tcp_ecn=1"], ns=ns)
    check_eq("rx hook attached once mac80211 is live", cli.config()["rx_hook"], True)

    traffic.iperf3_server(w.srv_ns, mptcp=True)
    client = proc.bg(traffic.iperf3_argv(w.server_ip, round(ksft.scaled(300)), mptcp=True, extra=WINDOW),
                     ns=w.cli_ns)
    time.sleep(ksft.scaled(3))
    # 30 reloads: with the probe on the ftrace site itself, 60 reloads under traffic crashed 6.1
    # every time (see kernel/rx_observer.c).
    for rnd in range(1, RELOADS + 1):
        kmod.unload()
        kmod.load(window_ms=WINDOW_MS)
        if rnd % 6 == 0:
            check_ge(f"reload {rnd} under traffic: counting again (frames)", ksft.poll(frames, 5), 1)
    cli.mpwifi("ecn", "set", "stale-ms", str(STALE_MS), ns=w.cli_ns, json=False)
    # marks need the slow AP's subflow: a join the path manager lost is announced again
    stations = [st.ifname for st in w.stations]
    w.carry_through_all(stations, traffic.rx_bytes(w.cli_ns, stations))
    check_ge("reloaded under traffic: marking the slow AP's subflow (marked)",
             ksft.poll(lambda: cli.ap_field("sta1", "marked", ns=w.cli_ns), 10), 1)
    check("download still running after reloads", client.running(), f"exit status {client.proc.poll()}")

    # With kprobe optimisation off the handler always runs from the breakpoint (NMI context): APs are
    # then added by the deferred work item.
    proc.cmd(["sysctl", "-qw", "debug.kprobes-optimization=0"])
    kmod.unload()
    kmod.load(window_ms=WINDOW_MS)
    probes = open(KPROBES).read()
    check("probe runs from the breakpoint", "ieee80211_rx_list" in probes and "OPTIMIZED" not in probes,
          probes.strip())
    check_ge("breakpoint-only probe: APs added and counting (frames)", ksft.poll(frames, 5), 1)
    ksft.poll(lambda: len(cli.ap_rows(w.cli_ns)) == 2, 5)
    check_eq("breakpoint-only probe: both APs tracked", len(cli.ap_rows(w.cli_ns)), 2)
    proc.cmd(["sysctl", "-qw", "debug.kprobes-optimization=1"])

    # Delete a tracked interface under traffic: its entries go, the other stays.
    proc.cmd(["iw", "dev", "sta2", "del"], ns=w.cli_ns)

    def tracked():
        return sorted(r["ifname"] for r in cli.ap_rows(w.cli_ns))
    ksft.poll(lambda: tracked() == ["sta1"], 5)
    check_eq("deleted interface dropped", tracked(), ["sta1"])

    # Remove mac80211 entirely while loaded, then bring a world back.
    client.stop()
    w.down()
    proc.cmd(["rmmod", "mac80211"], check=False)
    check("mac80211 gone", not kmod.loaded("mac80211"))
    w = world.WifiWorld(aps=1, stations=1, channel=1)
    w.up()
    proc.cmd(["ping", "-c", "20", "-i", "0.05", "-q", w.aps[0].ip], ns=w.cli_ns)
    check_ge("counting after mac80211 came back (frames)", frames(), 1)
    kmod.unload()
    check("unloaded", not kmod.loaded())


ksft.run(main)
