#!/usr/bin/env python3
"""`mpwifi wifi show` and `wifi scan` on a real cfg80211: two hwsim APs of one channel and a client with a
station on each, associated by the test bed's own wpa_supplicants.  What the commands print is checked
against what the world set up (addresses, BSSIDs, SSIDs, the radios' limits as hwsim declares them) and
against the module and the path manager (packet time, endpoint)."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.realpath(__file__)), "../lib"))
from mpwtest import cli, kmod, ksft, proc, world  # noqa: E402
from mpwtest.ksft import check, check_eq  # noqa: E402


def main():
    kmod.load(window_ms=10000)
    w = world.WifiWorld(aps=2, stations=2, channel=1)
    w.up()
    # pings through both stations while the commands run, so that each window holds frames whatever the
    # commands take (on 6.12 a station's 20 pings once took 11 s, and the other's window was empty)
    pings = [proc.bg(["ping", "-q", "-i", "0.1", "-I", st.ip, st.ap.ip], ns=w.cli_ns) for st in w.stations]
    ksft.wait_until("frames in both stations' windows",
                    lambda: all((cli.ap_field(st.ifname, "window_first_try", ns=w.cli_ns) or 0) >= 5
                                for st in w.stations), timeout=30)
    radios = cli.mpwifi("wifi", "show", ns=w.cli_ns)
    ksft.log(f"      wifi show: {radios}")
    ksft.log(f"      ap show: {cli.ap_rows(ns=w.cli_ns)}")
    for p in pings:
        p.stop()
    stations = {s["ifname"]: (r, s) for r in radios for s in r["stations"]}
    for st in w.stations:
        radio, row = stations.get(st.ifname, (None, None))
        if not check(f"{st.ifname} listed under a radio", row is not None, sorted(stations)):
            continue
        # hwsim's combination: 2048 interfaces of the station type on one channel
        check_eq(f"{st.ifname}: its radio's limits", (radio["max_stations"], radio["channels"]), (2048, 1))
        check_eq(f"{st.ifname}: its radio's channel", radio["freq_mhz"], st.ap.freq)
        check_eq(f"{st.ifname}: its AP and network", (row["bssid"], row["ssid"]), (st.bssid, st.ap.ssid))
        check_eq(f"{st.ifname}: up", row["state"], "up")
        check_eq(f"{st.ifname}: its address", row["addresses"], [f"{st.ip}/{st.prefix}"])
        check(f"{st.ifname}: a signal in dBm", isinstance(row["signal_dbm"], int) and -100 < row["signal_dbm"] < 0,
              row["signal_dbm"])
        # the station's own average, as iw reads it from mac80211, not the scan's entry
        dump = proc.cmd(["iw", "dev", st.ifname, "station", "dump"], ns=w.cli_ns).stdout
        avg = [int(line.split()[2]) for line in dump.splitlines() if line.strip().startswith("signal avg:")]
        check(f"{st.ifname}: the signal is its station's average ({avg})",
              len(avg) == 1 and abs(row["signal_dbm"] - avg[0]) <= 3, (row["signal_dbm"], dump))
        check(f"{st.ifname}: the endpoint of its address", isinstance(row["endpoint_id"], int), row["endpoint_id"])
        check(f"{st.ifname}: the module's packet time", (row["packet_time_us"] or 0) > 0, row["packet_time_us"])
        check_eq(f"{st.ifname}: no DHCP servers (not the AP manager's)", row["dns"], [])
    eps = {e.split()[0]: e for e in proc.cmd(["ip", "mptcp", "endpoint", "show"], ns=w.cli_ns).stdout.splitlines()}
    for st in w.stations:
        row = stations.get(st.ifname, (None, {}))[1] or {}
        check(f"{st.ifname}: endpoint_id is ip mptcp's for {st.ip}", f"id {row.get('endpoint_id')} " in eps.get(st.ip, ""),
              eps.get(st.ip))

    rows = cli.mpwifi("wifi", "scan", ns=w.cli_ns)
    ksft.log(f"      wifi scan: {rows}")
    for st in w.stations:
        heard = {r["bssid"]: r for r in rows if r["phy"] == stations[st.ifname][0]["phy"]}
        own = heard.get(st.bssid)
        if not check(f"{st.ifname}'s radio heard its AP", own is not None, sorted(heard)):
            continue
        check_eq(f"{st.ifname}'s AP: in use, its SSID and channel", (own["in_use"], own["ssid"], own["freq_mhz"]),
                 (True, st.ap.ssid, st.ap.freq))
        check(f"{st.ifname}'s AP: a predicted throughput", own["predicted_kbps"] > 0, own["predicted_kbps"])
        others = [r for b, r in heard.items() if b != st.bssid]
        check(f"{st.ifname}'s radio: every AP it heard but its own is not in use",
              all(not r["in_use"] for r in others), others)

    text = cli.mpwifi("wifi", "show", json=False, ns=w.cli_ns).stdout
    check("text: a table of stations", "IFNAME" in text and all(st.ifname in text for st in w.stations), text)
    bad = cli.mpwifi("wifi", "scan", "phy99", json=False, check=False, ns=w.cli_ns)
    check_eq("an unknown radio: exit status 1 and why", (bad.returncode, "no wireless radio phy99" in bad.stderr),
             (1, True))


ksft.run(main)
