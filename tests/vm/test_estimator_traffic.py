#!/usr/bin/env python3
"""An MPTCP download over two APs: both APs tracked, and the data frames the module counted (N0 + N1)
match what each station's netdev received; the window's rate matches mac80211's, and its packet time
matches eq. 2.1 computed here, independently, from that rate and the measured delivery.

Counter compared: rx_packets - multicast of the station's netdev over the download. mac80211 delivers
every unicast data MPDU from the AP to the netdev (open network, no A-MSDU from hwsim, no retries on
the kernel medium so no duplicates), while the module counts the same MPDUs at rx entry. Tolerance:
1% + 20 frames, for frames in flight when the counters are read (the two reads are not atomic) and for
multicast frames counted by the netdev whose addr1 is not ours."""
import math
import os
import re
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.realpath(__file__)), "../lib"))
from mpwtest import cli, kmod, ksft, proc, traffic, world  # noqa: E402
from mpwtest.ksft import check, check_between, check_eq, check_ge, check_within  # noqa: E402

RATE_TOLERANCE = 0.05  # the window's mean rate against iw's rx bitrate

# --- eq. 2.1, computed here from IEEE 802.11-2020's constants (not from the module's code): the expected
# airtime of all attempts per delivered 1538-byte MPDU (1500-byte IP packet, QoS header, LLC/SNAP, FCS),
# each attempt DIFS + mean backoff + data + SIFS + ACK, at most 7 attempts, p = 1 - delivery_prob.
FRAME_BITS = 22 + 8 * 1538  # SERVICE + tail + PSDU
ACK_BITS = 22 + 8 * 14
OFDM = dict(slot=9.0, sifs=16.0, cw_min=15, cw_max=1023)
DSSS = dict(slot=20.0, sifs=10.0, cw_min=31, cw_max=1023)
RETRY_LIMIT = 6


def ofdm_legacy_us(bits, mbps):
    """An 802.11a/g PPDU: 20 us preamble + whole 4 us symbols of mbps x 4 data bits."""
    return 20.0 + 4.0 * math.ceil(bits / int(mbps * 4))


def attempt_us(phy, mbps, gi_short, nss):
    if phy == "dsss":
        t = DSSS
        ack_mbps = 2.0 if mbps >= 2 else 1.0
        return t["sifs"] + 2 * t["slot"] + 192 + 8 * 1538 / mbps + t["sifs"] + 192 + 8 * 14 / ack_mbps
    t = OFDM
    if phy == "ofdm":
        data = ofdm_legacy_us(FRAME_BITS, mbps)
        ack = ofdm_legacy_us(ACK_BITS, 24 if mbps >= 24 else 12 if mbps >= 12 else 6)
    else:  # HT mixed format: L-STF, L-LTF, L-SIG, HT-SIG, HT-STF (32 us) + one HT-LTF per stream (1, 2, 4, 4)
        sym = 3.6 if gi_short else 4.0
        ltf = 1 if nss <= 1 else 4 if nss == 3 else nss + (nss & 1)
        data = 32.0 + 4.0 * ltf + sym * math.ceil(FRAME_BITS / (mbps * sym))
        ack = ofdm_legacy_us(ACK_BITS, 24)
    return t["sifs"] + 2 * t["slot"] + data + t["sifs"] + ack


def packet_time_us(phy, mbps, p, gi_short=False, nss=1):
    t = DSSS if phy == "dsss" else OFDM
    one = attempt_us(phy, mbps, gi_short, nss)
    cost = expected = 0.0
    for i in range(RETRY_LIMIT + 1):
        cost += one + t["slot"] * min((t["cw_min"] + 1) * 2 ** i - 1, t["cw_max"]) / 2
        expected += cost * p ** i * (1 - p)
    expected += cost * p ** (RETRY_LIMIT + 1)  # the frame given up on
    return expected / (1 - p ** (RETRY_LIMIT + 1))


def iw_rx_rate(ns, ifname):
    """mac80211's rx rate of the last frame from the AP: (Mbit/s, phy, short GI, streams)."""
    out = proc.cmd(["iw", "dev", ifname, "station", "dump"], ns=ns).stdout
    m = re.search(r"rx bitrate:\s*([0-9.]+) MBit/s(.*)", out)
    if not m:
        return None
    mbps, rest = float(m.group(1)), m.group(2)
    mcs = re.search(r"MCS (\d+)", rest)
    if mcs:
        return mbps, "ht", "short GI" in rest, int(mcs.group(1)) // 8 + 1
    return mbps, "dsss" if mbps in (1.0, 2.0, 5.5, 11.0) else "ofdm", False, 1


def main():
    out = traffic.out_dir()
    # the estimator under test: no steering to starve a subflow; on a slowed kernel a 4 s window (a
    # subflow there may idle for a second while the other carries the download)
    kmod.load(ecn=0, window_ms=kmod.WINDOW_MS)
    w = world.WifiWorld(aps=2, stations=2, channel=1)
    w.up()
    ifs = [st.ifname for st in w.stations]

    def rx_counters():
        return {i: v["rx_packets"] - v["multicast"]
                for i, v in traffic.netdev_stats(w.cli_ns, ifs, "rx_packets", "multicast").items()}

    def frames_counted():
        return {r["ifname"]: r["first_try"] + r["retried"] for r in cli.ap_rows(w.cli_ns)}

    before_dev, before_mod = rx_counters(), frames_counted()
    traffic.iperf3_server(w.srv_ns, mptcp=True, one_off=True)
    # A slowed (debug) kernel moves a fraction of the frames: a longer download, lower floors.
    seconds = round(ksft.scaled(10))
    frames_min, window_min = (200, 5) if ksft.slowed() else (1000, 100)
    client = traffic.download_bg(w.cli_ns, w.server_ip, seconds, f"{out}/iperf3.json", mptcp=True)
    time.sleep(seconds * 0.6)
    live = cli.ap_rows(w.cli_ns)  # window figures while the download runs
    iw_rate = {i: iw_rx_rate(w.cli_ns, i) for i in ifs}  # mac80211's view of the same moment
    client.wait(ksft.scaled(60))
    time.sleep(1)
    after_dev, after_mod = rx_counters(), frames_counted()
    ksft.log(f"download: {traffic.received_mbps(traffic.json_file(f'{out}/iperf3.json')):.1f} Mbit/s")
    ksft.log(f"      {live}")

    for i in ifs:
        dev = after_dev[i] - before_dev[i]
        mod = after_mod.get(i, 0) - before_mod.get(i, 0)
        row = cli.ap_row(i, rows=live) or {}
        ksft.log(f"{i}: netdev unicast rx {dev}, module N0+N1 {mod}")
        check_ge(f"{i} carried part of the download (N0+N1 > {frames_min})", mod, frames_min + 1)
        check_within(f"{i}: N0+N1 within 1% + 20 of netdev unicast rx", mod, dev, dev * 0.01 + 20)
        # the kernel medium delivers every frame on its first attempt
        check_ge(f"{i}: window busy (> {window_min} frames)", row.get("window_first_try"), window_min + 1)
        check_eq(f"{i}: no retries, no losses (window N1/Nlost)",
                 (row.get("window_retried"), row.get("window_lost")), (0, 0))
        check_within(f"{i}: delivery_prob = 1", row.get("delivery_prob"), 1, 1e-9)
        # The rate is whatever hwsim's rate control picked (HT MCS, or at times legacy 1 Mbit/s): the
        # window's mean must match mac80211's rx bitrate for the station (steady on this medium).
        rate = iw_rate[i]
        ksft.log(f"{i}: module {row.get('bitrate_kbps')} kbit/s ({row.get('phy')}), iw rx rate {rate}")
        if not check(f"{i}: iw reports an rx bitrate", rate is not None, "none in `iw station dump`"):
            continue
        if row.get("delivery_prob") is None:
            continue  # an empty window (failed above): no rate or packet time to compare
        mbps, phy, short_gi, nss = rate
        check_within(f"{i}: mean rx rate matches iw's rx bitrate ({RATE_TOLERANCE:.0%})",
                     row.get("bitrate_kbps"), mbps * 1000, mbps * 1000 * RATE_TOLERANCE)
        # Packet time: eq. 2.1 at the measured delivery (p from the window's counts) and at iw's rate.
        # The window's mean rate may sit anywhere within the rate check's band, so T may sit anywhere
        # between T at the band's top and at its bottom; 0.5 us more each side for the module's rounding.
        p = 1 - float(row.get("delivery_prob") or 0)
        t_fast = packet_time_us(phy, mbps * (1 + RATE_TOLERANCE), p, short_gi, nss)
        t_slow = packet_time_us(phy, mbps * (1 - RATE_TOLERANCE), p, short_gi, nss)
        ksft.log(f"{i}: eq. 2.1 at {mbps} Mbit/s ({phy}, {'short' if short_gi else 'long'} GI, {nss} "
                 f"stream(s)), p {p:.4f}: {packet_time_us(phy, mbps, p, short_gi, nss):.1f} us, "
                 f"band [{t_fast:.1f}, {t_slow:.1f}] us")
        check_between(f"{i}: packet time is eq. 2.1's for the measured rate and delivery",
                      row.get("packet_time_us"), t_fast - 0.5, t_slow + 0.5)

    # The faster AP has the shorter packet time (eq. 2.1 falls with the rate at p = 0).
    a, b = live[:2]
    if not all(r.get("bitrate_kbps") and r.get("packet_time_us") for r in (a, b)):
        return  # an empty window, failed above
    check("faster AP, shorter packet time",
          (a["bitrate_kbps"] - b["bitrate_kbps"]) * (a["packet_time_us"] - b["packet_time_us"]) <= 0,
          f"{a['ifname']} {a['bitrate_kbps']} kbit/s {a['packet_time_us']} us, "
          f"{b['ifname']} {b['bitrate_kbps']} kbit/s {b['packet_time_us']} us")


ksft.run(main)
