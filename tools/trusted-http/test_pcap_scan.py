"""Unit tests of tools/trusted-http/pcap-scan, on small pcaps built here.  From the repository's root:

    python3 -m unittest discover -s tools/trusted-http
"""

import importlib.machinery
import importlib.util
import json
import os
import struct
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
SCANNER = os.path.join(HERE, "pcap-scan")
sys.dont_write_bytecode = True
_loader = importlib.machinery.SourceFileLoader("pcap_scan", SCANNER)
_spec = importlib.util.spec_from_loader("pcap_scan", _loader)
pcap_scan = importlib.util.module_from_spec(_spec)
_loader.exec_module(pcap_scan)

SYN, ACK, PSH = 0x02, 0x10, 0x08


def tcp(sport, dport, seq, flags, payload=b"", options=b""):
    options += b"\x00" * (-len(options) % 4)
    doff = (20 + len(options)) // 4
    return struct.pack("!HHIIBBHHH", sport, dport, seq, 0, doff << 4, flags, 65535, 0, 0) + options + payload


def ipv4(src, dst, seg):
    return struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(seg), 1, 0x4000, 64, 6, 0, bytes(src), bytes(dst)) \
        + seg


def ipv6(src, dst, seg, ext=False):
    nxt, body = 6, seg
    if ext:   # one hop-by-hop options header of 8 bytes (PadN)
        body = bytes([6, 0, 1, 4, 0, 0, 0, 0]) + seg
        nxt = 0
    return struct.pack("!IHBB16s16s", 6 << 28, len(body), nxt, 64, bytes(src), bytes(dst)) + body


def ether(pkt, etype=0x0800, vlan=False):
    hdr = b"\x02" * 6 + b"\x04" * 6
    if vlan:
        hdr += struct.pack("!HH", 0x8100, 5)
    return hdr + struct.pack("!H", etype) + pkt


def sll2(pkt, etype=0x86DD):
    return struct.pack("!HHIHBB8s", etype, 0, 3, 1, 4, 6, b"\x02" * 8) + pkt


def sll(pkt, etype=0x0800):
    return struct.pack("!HHH8sH", 4, 1, 6, b"\x02" * 8, etype) + pkt


def pcap(linktype, frames, snaplen=65535, nsec=False, big=False):
    e = ">" if big else "<"
    magic = 0xA1B23C4D if nsec else 0xA1B2C3D4
    out = struct.pack(e + "IHHiIII", magic, 2, 4, 0, 0, snaplen, linktype)
    for i, fr in enumerate(frames):
        cap = fr[:snaplen]
        out += struct.pack(e + "IIII", 100 + i, 500, len(cap), len(fr)) + cap
    return out


MP_CAPABLE = bytes([30, 12, 0x01, 0x81]) + b"\x00" * 8
MP_JOIN = bytes([30, 12, 0x10, 0x01]) + b"\x00" * 8
DSS = bytes([30, 4, 0x20, 0x00])
C = [10, 2, 0, 2]
S = [10, 3, 0, 2]


class Scan(unittest.TestCase):
    def scan(self, data, **kw):
        with tempfile.NamedTemporaryFile(suffix=".pcap", delete=False) as f:
            f.write(data)
        self.addCleanup(os.unlink, f.name)
        return pcap_scan.scan(f.name, **kw)

    def flow(self, res, sport, dport):
        return [fl for fl in res["flows"] if fl["sport"] == sport and fl["dport"] == dport][0]

    def test_ethernet_ipv4_leaks_retransmissions_and_options(self):
        frames = [
            ether(ipv4(C, S, tcp(40000, 8080, 1, SYN, options=MP_CAPABLE))),
            ether(ipv4(S, C, tcp(8080, 40000, 9, SYN | ACK, options=MP_CAPABLE))),
            ether(ipv4(C, S, tcp(40000, 8080, 2, ACK | PSH, b"GET /OBJECT/1 HTTP/1.1\r\n\r\n", DSS))),
            ether(ipv4(S, C, tcp(8080, 40000, 10, ACK, b"abcxyz", DSS)), vlan=False),
            ether(ipv4(S, C, tcp(8080, 40000, 16, ACK, b"abQd", DSS))),     # one header byte among a body
            ether(ipv4(S, C, tcp(8080, 40000, 16, ACK, b"abQd", DSS))),     # its retransmission
            ether(ipv4(S, C, tcp(8080, 40000, 20, ACK, b"\n"))),            # a lone header byte
        ]
        res = self.scan(pcap(1, frames))
        self.assertEqual(res["linktype"], "ethernet")
        self.assertEqual(res["packets"], 7)
        up = self.flow(res, 40000, 8080)
        down = self.flow(res, 8080, 40000)
        self.assertEqual(up["payload_bytes"], 26)
        self.assertEqual(up["leak_bytes"], 26)      # a head: no byte of it in a-z
        self.assertEqual(up["syn"]["mptcp"], "MP_CAPABLE")
        self.assertFalse(up["syn"]["ack"])
        self.assertEqual(up["mptcp_options"], {"MP_CAPABLE": 1, "DSS": 1})
        self.assertEqual(down["payload_bytes"], 6 + 4 + 4 + 1)
        self.assertEqual(down["leak_bytes"], 3)
        self.assertEqual(down["leak_packets"], 3)
        self.assertEqual(down["first_leak"], {"t": 104.0005, "seq": 16, "offset": 2, "byte": ord("Q")})
        self.assertEqual(down["retransmitted_segments"], 1)
        self.assertEqual(down["retransmitted_bytes"], 4)
        self.assertTrue(down["syn"]["ack"])
        self.assertEqual(res["totals"]["leak_bytes"], up["leak_bytes"] + 3)

    def test_retransmission_of_a_segment_lost_before_the_capture(self):
        # 100..109 lost upstream: its retransmission is the only copy in the capture
        frames = [ether(ipv4(S, C, tcp(8080, 40000, seq, ACK, b"abcdefghij"))) for seq in (90, 110, 120, 100)]
        fl = self.flow(self.scan(pcap(1, frames)), 8080, 40000)
        self.assertEqual((fl["retransmitted_segments"], fl["retransmitted_bytes"]), (1, 10))

    def test_repacketized_retransmission_counts_only_old_bytes(self):
        # 10 bytes at 200, then a 16-byte segment from 205: 5 bytes sent again, 11 new
        frames = [ether(ipv4(S, C, tcp(8080, 40000, 200, ACK, b"abcdefghij"))),
                  ether(ipv4(S, C, tcp(8080, 40000, 205, ACK, b"fghijklmnopqrstu"))),
                  ether(ipv4(S, C, tcp(8080, 40000, 221, ACK, b"vwxyz")))]
        fl = self.flow(self.scan(pcap(1, frames)), 8080, 40000)
        self.assertEqual((fl["retransmitted_segments"], fl["retransmitted_bytes"]), (1, 5))

    def test_sequence_wraparound(self):
        top = 0xFFFFFFFA                  # 6 bytes below the wrap: the second segment crosses it
        frames = [ether(ipv4(S, C, tcp(8080, 40000, seq & 0xFFFFFFFF, ACK, b"abcdef")))
                  for seq in (top, top + 6, top + 12, top + 6)]
        fl = self.flow(self.scan(pcap(1, frames)), 8080, 40000)
        self.assertEqual((fl["retransmitted_segments"], fl["retransmitted_bytes"]), (1, 6))

    def test_clean_body_has_no_leak(self):
        frames = [ether(ipv4(S, C, tcp(8080, 40000, 1 + 100 * i, ACK, b"qwertyuiop" * 10)), vlan=True)
                  for i in range(5)]
        res = self.scan(pcap(1, frames, nsec=True, big=True))
        fl = self.flow(res, 8080, 40000)
        self.assertEqual((fl["payload_bytes"], fl["leak_bytes"], fl["retransmitted_segments"]), (500, 0, 0))
        self.assertIsNone(fl["first_leak"])
        self.assertEqual(fl["first_t"], 100.0000005)

    def test_sll2_ipv6_join_and_extension_header(self):
        c6 = [0x20, 0x01, 0x0d, 0xb8] + [0] * 11 + [2]
        s6 = [0x20, 0x01, 0x0d, 0xb8] + [0] * 11 + [1]
        frames = [
            sll2(ipv6(c6, s6, tcp(40001, 8080, 7, SYN, options=bytes([1, 1]) + MP_JOIN))),
            sll2(ipv6(c6, s6, tcp(40001, 8080, 8, ACK, b"body\r", DSS), ext=True)),
        ]
        res = self.scan(pcap(276, frames))
        self.assertEqual(res["linktype"], "linux_sll2")
        fl = self.flow(res, 40001, 8080)
        self.assertEqual(fl["src"], "2001:db8::2")
        self.assertEqual(fl["syn"]["mptcp"], "MP_JOIN")
        self.assertEqual(fl["mptcp_options"], {"MP_JOIN": 1, "DSS": 1})
        self.assertEqual((fl["payload_bytes"], fl["leak_bytes"]), (5, 1))

    def test_sll_truncated_capture_and_port_filter(self):
        frames = [sll(ipv4(C, S, tcp(40002, 9000, 1, ACK, b"z" * 50 + b"Z"))),
                  sll(ipv4(C, S, tcp(40003, 8080, 1, ACK, b"A")))]
        res = self.scan(pcap(113, frames, snaplen=16 + 20 + 20 + 10), ports={9000})
        self.assertEqual(res["totals"]["flows"], 1)
        fl = res["flows"][0]
        self.assertEqual((fl["payload_bytes"], fl["captured_bytes"], fl["uncaptured_bytes"], fl["leak_bytes"]),
                         (51, 10, 41, 0))

    def test_alphabet_and_errors(self):
        self.assertEqual(pcap_scan.parse_alphabet("a-c_"), frozenset(b"abc_"))
        with self.assertRaises(ValueError):
            pcap_scan.parse_alphabet("z-a")
        with self.assertRaises(pcap_scan.PcapError):
            self.scan(b"\x0a\x0d\x0d\x0a" + b"\x00" * 40)

    def test_command_line(self):
        with tempfile.NamedTemporaryFile(suffix=".pcap", delete=False) as f:
            f.write(pcap(1, [ether(ipv4(S, C, tcp(8080, 40000, 1, ACK, b"abc1")))]))
        self.addCleanup(os.unlink, f.name)
        out = subprocess.run([sys.executable, "-B", SCANNER, f.name], check=True, capture_output=True, text=True)
        res = json.loads(out.stdout)
        self.assertEqual(res["totals"]["leak_bytes"], 1)
        self.assertEqual(res["alphabet"], "a-z")
        bad = subprocess.run([sys.executable, "-B", SCANNER, "/nonexistent.pcap"], capture_output=True, text=True)
        self.assertEqual(bad.returncode, 1)


if __name__ == "__main__":
    unittest.main()
