#!/usr/bin/env python3
"""Spoofed and replayed FromDS frames must not steer the estimate of a protected (WPA2) link.

A monitor interface on another radio (AP 2's, on the same channel) sends frames with AP 1's BSSID as
transmitter and the station as receiver: unprotected data frames, frames with the Protected bit and a
made-up CCMP header, and copies of frames AP 1 really sent (replays, captured on that monitor).  Each
kind comes with sequence-number jumps of 200 and the retry bit on some, which would add hundreds of
"lost" frames and retries if they were counted.  Meanwhile pings from the station give a known number
of real frames from the AP (each echo reply is one data frame; the link has no loss, ARP is pinned).

Checked after each kind: the AP's N1 and Nlost did not move, N0 grew by exactly the replies received,
delivery_prob stays 1 and the packet time stays within 30% of what it was (the link has one rate); marking
never started.
"""
import os
import re
import struct
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.realpath(__file__)), "../lib"))
from mpwtest import capture, cli, kmod, ksft, proc, world  # noqa: E402
from mpwtest.ksft import check, check_eq  # noqa: E402

# radiotap: version, pad, length, present = TX flags (bit 15); TX flags NOACK | NOSEQNO, so mac80211
# sends the frame once and keeps our sequence number
RADIOTAP_TX = struct.pack("<BBHIH", 0, 0, 10, 1 << 15, 0x0008 | 0x0010)
FC_QOS_DATA, FC_FROMDS, FC_RETRY, FC_PROTECTED = 0x88, 0x02, 0x08, 0x40
LLC_IPV4 = bytes.fromhex("aaaa030000000800")
PINGS = 20


def mac_bytes(mac):
    return bytes.fromhex(mac.replace(":", ""))


def data_frame(sta, bssid, tid, seq, retry, protected, pn=0):
    """A QoS data frame bssid -> sta; with @protected a CCMP header with PN @pn and random-looking
    ciphertext and MIC (no key can decrypt it)."""
    flags = FC_FROMDS | (FC_RETRY if retry else 0) | (FC_PROTECTED if protected else 0)
    hdr = bytes([FC_QOS_DATA, flags]) + b"\0\0" + mac_bytes(sta) + mac_bytes(bssid) + mac_bytes(bssid)
    hdr += struct.pack("<HH", seq << 4, tid)
    if not protected:
        return hdr + LLC_IPV4 + bytes(40)
    ccmp = struct.pack("<BBBB", pn & 0xFF, (pn >> 8) & 0xFF, 0, 0x20) + struct.pack("<I", pn >> 16)
    return hdr + ccmp + bytes((i * 37 + seq) & 0xFF for i in range(48)) + bytes(8)


def spoof_frames(sta, bssid, protected):
    """Sequence jumps of 200 on the TID the AP uses (0) and on an idle one (5), some with retry."""
    frames = []
    for tid in (0, 5):
        for i in range(12):
            frames.append(data_frame(sta, bssid, tid, (i * 200) % 4096, i % 3 == 2, protected,
                                     pn=0xFFFF0000 + i))
    return frames


def inject(ns, ifname, frames):
    """Send raw 802.11 frames (each behind a TX radiotap header) on monitor interface @ifname."""
    # one every 2 ms, as tools/inject does: the monitor's queue drops back-to-back frames
    code = ("import socket,sys,time\n"
            "s=socket.socket(socket.AF_PACKET,socket.SOCK_RAW,socket.htons(3))\n"
            f"s.bind(({ifname!r},3))\n"
            "for h in sys.stdin.read().split():\n"
            " s.send(bytes.fromhex(h)); time.sleep(0.002)\n")
    payload = "\n".join((RADIOTAP_TX + f).hex() for f in frames)
    proc.cmd(["python3", "-c", code], ns=ns, input=payload)


def captured_frames(path, sta, bssid):
    """The data frames bssid -> sta of a monitor capture, without radiotap and FCS."""
    out = []
    for _, pkt in capture.read_pcap(path):
        if len(pkt) < 8:
            continue
        rt_len, = struct.unpack_from("<H", pkt, 2)
        present, = struct.unpack_from("<I", pkt, 4)
        fields = 8
        while struct.unpack_from("<I", pkt, fields - 4)[0] & 0x80000000 and fields + 4 <= rt_len:
            fields += 4  # another presence word
        frame = pkt[rt_len:]
        if present & 0x2:  # Flags, after TSFT (8-aligned) when that is present
            off = ((fields + 7) & ~7) + 8 if present & 0x1 else fields
            if off < rt_len and pkt[off] & 0x10:  # the frame ends with its FCS
                frame = frame[:-4]
        if len(frame) < 26 or frame[0] != FC_QOS_DATA or not frame[1] & FC_FROMDS:
            continue
        if frame[4:10] == mac_bytes(sta) and frame[10:16] == mac_bytes(bssid):
            out.append(frame)
    return out


def ping(ns, dst, count=PINGS):
    r = proc.cmd(["ping", "-n", "-q", "-c", str(count), "-i", "0.05", "-W", str(round(ksft.scaled(1))), dst], ns=ns,
                 check=False)
    m = re.search(r"(\d+) received", r.stdout)
    return int(m.group(1)) if m else 0


def main():
    kmod.load()
    # no HT, so no block-ack session: spoofed sequence numbers would move its reorder window, after which
    # mac80211 drops the AP's real frames as old until the sequence catches up (a clean clone's run: 0 of
    # 20 pings answered after the replays, 3 times over)
    # one rate (54 Mbit/s): the packet time of the real frames is fixed from the start (with rate control
    # free, a baseline taken while it still climbed was once 30% off the figure after the spoofing)
    w = world.WifiWorld(aps=2, stations=1, channel=1, security="wpa2", ht=False, rates="54")
    w.up()
    ap, other, sta = w.aps[0], w.aps[1], w.stations[0]
    check_eq("the station is on AP 1", sta.ap.index, 1)
    # the attacker: a monitor interface on AP 2's radio, which shares AP 1's channel.  Active: a passive
    # monitor beside another interface has no way to the driver (mac80211 has no virtual monitor
    # interface then, and hwsim's queue control drops what it sends)
    proc.cmd(["iw", "phy", other.phy, "interface", "add", "mon0", "type", "monitor", "flags", "active",
              "otherbss"],
             ns=other.ns)
    proc.cmd(["ip", "link", "set", "mon0", "up"], ns=other.ns)
    # and one on the station's radio, which shows what reached it
    proc.cmd(["iw", "phy", sta.phy, "interface", "add", "mon-sta", "type", "monitor"], ns=w.cli_ns)
    proc.cmd(["ip", "link", "set", "mon-sta", "up"], ns=w.cli_ns)
    cli.mpwifi("config", "set", "window-ms", "10000", ns=w.cli_ns, json=False)
    # no ARP during the test: the AP's frames to the station are the echo replies
    proc.cmd(["ip", "neigh", "replace", sta.ip, "lladdr", sta.mac, "dev", ap.ifname, "nud", "permanent"], ns=ap.ns)
    proc.cmd(["ip", "neigh", "replace", ap.ip, "lladdr", ap.mac, "dev", sta.ifname, "nud", "permanent"],
             ns=w.cli_ns)

    # real traffic first, captured by the attacker for the replay
    with capture.Capture(other.ns, "mon0", snaplen=512) as cap:
        got = ping(w.cli_ns, ap.ip)
        time.sleep(0.5)
    check_eq("baseline pings answered", got, PINGS)
    real = captured_frames(cap.path, sta.mac, ap.bssid)
    check("the attacker captured AP 1's protected frames to the station",
          len(real) >= PINGS // 2 and all(f[1] & FC_PROTECTED for f in real), f"{len(real)} frames")

    def row():
        return cli.ap_row(sta.ifname, ns=w.cli_ns) or {}

    base = row()
    ksft.log(f"      before: {base}")
    check("AP 1 tracked", base.get("bssid") == ap.bssid, base)
    check_eq("no loss on the real link", base.get("lost"), 0)

    kinds = [
        ("unprotected", spoof_frames(sta.mac, ap.bssid, protected=False)),
        ("protected, undecryptable", spoof_frames(sta.mac, ap.bssid, protected=True)),
        # replays of what the AP sent: same PN, so mac80211 drops them; with the retry bit set too
        ("replayed", real + [bytes([f[0], f[1] | FC_RETRY]) + f[2:] for f in real]),
    ]
    for name, frames in kinds:
        before = row()
        with capture.Capture(w.cli_ns, "mon-sta", snaplen=512) as seen:
            inject(other.ns, "mon0", frames)
            got = ping(w.cli_ns, ap.ip)
            # the window's figures now, while it still holds the replies (the second injection took
            # longer than the 10 s window on a KASAN kernel); the totals below cover both injections
            mid = row()
            inject(other.ns, "mon0", frames[::-1])
            time.sleep(0.3)
        after = row()
        arrived = len(captured_frames(seen.path, sta.mac, ap.bssid))
        # the capture under emulation may miss some: half of them proves the attack was on the air
        check(f"{name}: the station's radio received at least {len(frames)} of the {len(frames) * 2} injected "
              f"frames besides the {got} replies", arrived >= len(frames) + got,
              f"{arrived} frames from AP 1's address")
        ksft.log(f"      after {len(frames)} {name} frames and {got} replies: {mid}")
        ksft.log(f"      after {len(frames)} more: {after}")
        check_eq(f"{name}: Nlost unchanged", after.get("lost"), before.get("lost"))
        check_eq(f"{name}: N1 unchanged", after.get("retried"), before.get("retried"))
        check_eq(f"{name}: N0 grew by the {got} real replies",
                 (after.get("first_try") or 0) - (before.get("first_try") or 0), got)
        check_eq(f"{name}: window Nlost unchanged", mid.get("window_lost"), before.get("window_lost"))
        check(f"{name}: delivery_prob 1", mid.get("delivery_prob") == 1, mid.get("delivery_prob"))
        t0, t1 = base.get("packet_time_us") or 0, mid.get("packet_time_us") or 0
        # one rate and no loss: only counted injections move it; 48 frames at the injection rate
        # (1 Mbit/s) among ~60 would multiply it several times
        check(f"{name}: packet time within 30% of {t0} us", t0 > 0 and abs(t1 - t0) <= 0.3 * t0, t1)
        check(f"{name}: no marking", not mid.get("ecn_marking") and not after.get("marked"),
              (mid.get("ecn_marking"), after.get("marked")))

    # how the rx probes run: [OPTIMIZED] is a jump (softirq context), else the int3 trap (NMI context)
    try:
        with open("/sys/kernel/debug/kprobes/list") as f:
            for line in f:
                if "ieee80211" in line:
                    ksft.log(f"      kprobe: {line.strip()}")
    except OSError as e:
        ksft.log(f"      kprobes list: {e}")


ksft.run(main)
