#!/usr/bin/env python3
"""Frames with a known pattern of TIDs, sequence numbers and retry bits, injected with the AP's address
from an active monitor interface on another radio (AP 2's, on the same channel), must give exactly the
hand-counted N0/N1/Nlost, cumulative and in the window.  Not from the AP's own radio: frames sent
through the AP's interface start block-ack sessions on their TIDs, and mac80211's reorder buffer then
drops late frames before the estimator's accept point, depending on timing."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.realpath(__file__)), "../lib"))
from mpwtest import cli, kmod, ksft, paths, proc, world  # noqa: E402
from mpwtest.ksft import check, check_eq, check_within  # noqa: E402

# TIDs 3 and 5 carry nothing else here (the AP sends best effort on TID 0).  What counts is what
# mac80211 accepts: a retransmission (retry bit) of the TID's last sequence number is a duplicate it drops.
# (frame TID:SEQ:RETRY, running totals N0 N1 Nlost after it)
PATTERN = [
    ("3:100:0", "start of TID 3", (1, 0, 0)),
    ("3:101:0", "", (2, 0, 0)),
    ("3:101:1", "retransmission mac80211 drops as a duplicate", (2, 0, 0)),
    ("3:104:0", "102, 103 lost", (3, 0, 2)),
    ("3:103:1", "late: 103 back from lost", (3, 1, 1)),
    ("3:106:1", "105 lost", (3, 2, 2)),
    ("5:4094:0", "start of TID 5: no gap", (4, 2, 2)),
    ("5:4095:0", "", (5, 2, 2)),
    ("5:1:0", "wrap, 0 lost", (6, 2, 3)),
    ("5:0:1", "late: 0 back", (6, 3, 2)),
    ("5:3:0", "2 lost", (7, 3, 3)),
    ("-:500:0", "non-QoS: counts, no gaps", (8, 3, 3)),
    ("-:700:1", "", (8, 4, 3)),
    ("-:501:0", "", (9, 4, 3)),
    ("3:107:0", "TID 3 unaffected by TID 5", (10, 4, 3)),
    ("3:60:0", "behind by 47: duplicate", (11, 4, 3)),
    ("3:0:1", "behind by 107: not tracked", (11, 5, 3)),
]


def main():
    kmod.load()
    w = world.WifiWorld(aps=2, stations=1, channel=1)
    w.up()
    ap, other, sta = w.aps[0], w.aps[1], w.stations[0]
    check_eq("the station is on AP 1", sta.ap.index, 1)
    # active: a passive monitor beside another interface cannot send (no virtual monitor in mac80211)
    proc.cmd(["iw", "phy", other.phy, "interface", "add", "mon0", "type", "monitor", "flags", "active",
              "otherbss"], ns=other.ns)
    proc.cmd(["ip", "link", "set", "mon0", "up"], ns=other.ns)
    # a window longer than the test, so window counts equal the cumulative ones
    cli.mpwifi("config", "set", "window-ms", "10000", json=False)
    cli.mpwifi("config", "set", "window-ms", "10000", ns=w.cli_ns, json=False)
    check_eq("window set in the client namespace", cli.config(w.cli_ns)["window_ms"], 10000)

    # No ARP on this link during the test: the AP's only frames to the station are ours.
    proc.cmd(["ip", "neigh", "replace", sta.ip, "lladdr", sta.mac, "dev", ap.ifname, "nud", "permanent"], ns=ap.ns)
    proc.cmd(["ip", "neigh", "replace", ap.ip, "lladdr", ap.mac, "dev", sta.ifname, "nud", "permanent"],
             ns=w.cli_ns)

    def inject(dest, bssid, *frames):
        proc.cmd([paths.frame_inject_path(), "mon0", dest, bssid, *frames], ns=other.ns)

    cli.mpwifi("ap", "flush", "dev", sta.ifname, ns=w.cli_ns, json=False)
    # one frame at a time, each followed by the running totals
    for frame, why, totals in PATTERN:
        inject(sta.mac, ap.bssid, frame)
        r = cli.ap_row(sta.ifname, ns=w.cli_ns) or {}
        check_eq(f"after {frame} ({why or 'in order'}): N0 N1 Nlost", (r.get("first_try"), r.get("retried"),
                                                                     r.get("lost")), totals)
    n0, n1, nlost = PATTERN[-1][2]
    row = cli.ap_row(sta.ifname, ns=w.cli_ns) or {}
    ksft.log(f"      {row}")
    check_eq(f"N0 (first_try) = {n0}", row.get("first_try"), n0)
    check_eq(f"N1 (retried) = {n1}", row.get("retried"), n1)
    check_eq(f"Nlost (lost) = {nlost}", row.get("lost"), nlost)
    # The window: the same pattern again, in one injection (the steps above, a process each, take longer
    # than the longest window on a slowed kernel), so that every frame is inside it.
    cli.mpwifi("ap", "flush", "dev", sta.ifname, ns=w.cli_ns, json=False)
    inject(sta.mac, ap.bssid, *(frame for frame, _, _ in PATTERN))
    row = cli.ap_row(sta.ifname, ns=w.cli_ns) or {}
    ksft.log(f"      the pattern in one injection: {row}")
    check_eq(f"window N0 = {n0}", row.get("window_first_try"), n0)
    check_eq(f"window N1 = {n1}", row.get("window_retried"), n1)
    check_eq(f"window Nlost = {nlost}", row.get("window_lost"), nlost)
    # eq. 2.2: 11 / (11 + 5 + 3)
    check_within("delivery_prob = 11/19", row.get("delivery_prob"), 11 / 19, 1e-4)
    check_eq("bssid is the AP's", row.get("bssid"), ap.bssid)
    check("packet time reported", row.get("packet_time_us") not in (None, ""), row.get("packet_time_us"))

    # Frames from a BSSID the station is not associated with, or to another station, are not counted.
    inject(sta.mac, ap.bssid, "4:10:0", "4:11:0")
    inject(sta.mac, "02:00:00:aa:bb:cc", "4:12:0", "4:13:0")
    inject("02:00:00:aa:bb:cd", ap.bssid, "4:14:0")
    check_eq("only the associated AP's frames to us count", cli.ap_field(sta.ifname, "first_try", ns=w.cli_ns),
             n0 + 2)
    check_eq("one AP entry", len(cli.ap_rows(w.cli_ns)), 1)
    # The root namespace has no station: it sees nothing of the client's.
    check_eq("other namespaces see nothing", cli.mpwifi("ap", "show"), [])


ksft.run(main)
