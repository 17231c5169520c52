"""Packet captures with tcpdump, read back without scapy."""
import os
import struct
import tempfile
import time

from . import ksft, proc


class Capture:
    """tcpdump -w on IFNAME in namespace NS while the `with` block runs; .path is the pcap file."""

    def __init__(self, ns, ifname, bpf_filter="", snaplen=256, path=None, directory=None):
        self.ns, self.ifname, self.filter, self.snaplen = ns, ifname, bpf_filter, snaplen
        if path is None:
            fd, path = tempfile.mkstemp(prefix=f"cap-{ifname}-", suffix=".pcap", dir=directory)
            os.close(fd)
        self.path = path
        self.bg = None

    def start(self):
        argv = ["tcpdump", "-i", self.ifname, "-s", str(self.snaplen), "-U", "-n", "-w", self.path]
        if self.filter:
            argv.append(self.filter)
        self.bg = proc.bg(argv, ns=self.ns, log=self.path + ".log")
        # tcpdump says "listening on" once it captures
        deadline = time.monotonic() + ksft.scaled(10)
        while time.monotonic() < deadline and self.bg.running():
            with open(self.path + ".log") as f:
                if "listening on" in f.read():
                    return self
            time.sleep(0.1)
        raise RuntimeError(f"tcpdump on {self.ifname} did not start: {open(self.path + '.log').read()}")

    def stop(self):
        if self.bg:
            self.bg.stop()
        return self

    def packets(self):
        return read_pcap(self.path)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


def read_pcap(path):
    """The packets of a pcap file: a list of (timestamp in seconds, bytes)."""
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 24:
        return []
    magic = data[:4]
    if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"):
        endian = "<"
    elif magic in (b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d"):
        endian = ">"
    else:
        raise ValueError(f"{path}: not a pcap file")
    nano = magic in (b"\x4d\x3c\xb2\xa1", b"\xa1\xb2\x3c\x4d")
    out, off = [], 24
    while off + 16 <= len(data):
        sec, frac, caplen, _ = struct.unpack_from(endian + "IIII", data, off)
        off += 16
        if off + caplen > len(data):
            break  # the record being written
        out.append((sec + frac / (1e9 if nano else 1e6), data[off:off + caplen]))
        off += caplen
    return out
