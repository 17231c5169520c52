#!/usr/bin/env python3
"""Dumps of the mpwifi family that a change interrupts say so (NLM_F_DUMP_INTR), as rtnetlink's do.

A dump larger than one part is read with a 4 KiB receive buffer, so the kernel builds it in several parts;
between the first part and the rest a change is made from another socket:
 - peer-get over 120 peer prefixes, a prefix added after the first part;
 - trust-get over 150 dummy interfaces, a level set after the first part;
 - trust-get again, an interface added after the first part.
Every interrupted dump has NLM_F_DUMP_INTR on a message after the change; the same dumps read without a
change have it on none.
"""
import os
import select
import socket
import struct
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.realpath(__file__)), "../lib"))
from mpwtest import cli, genl, kmod, ksft, proc  # noqa: E402
from mpwtest.genl import NLM_F_DUMP, NLM_F_REQUEST, Mpwifi  # noqa: E402
from mpwtest.ksft import check, check_eq, check_ge, log  # noqa: E402

NS = "dmp"
NLMSG_DONE, NLMSG_ERROR, NLM_F_DUMP_INTR = 3, 2, 0x10
PEERS, DUMMIES = 120, 150


def parts(m, op, between=None):
    """Runs dump OP on a fresh socket, reading 4 KiB at a time (a socket never read with a larger buffer
    gets parts of one page), calling BETWEEN() after the first part; returns (parts with messages, data
    messages, messages flagged NLM_F_DUMP_INTR)."""
    body = m._genl(op)
    with genl._netlink_socket(NS) as sock:
        sock.bind((0, 0))
        sock.send(struct.pack("=IHHII", 16 + len(body), m.family_id, NLM_F_REQUEST | NLM_F_DUMP, 1, 0) + body)
        reads = messages = flagged = 0
        done = False
        while not done:
            ready, _, _ = select.select([sock], [], [], 5)
            if not ready:
                raise TimeoutError(f"{op}: no NLMSG_DONE")
            buf, _, rflags, _ = sock.recvmsg(4096)
            if rflags & socket.MSG_TRUNC:
                raise RuntimeError(f"{op}: a part larger than 4 KiB")
            off, seen = 0, 0
            while off + 16 <= len(buf):
                length, mtype, flags, _ = struct.unpack_from("=IHHI", buf, off)
                off += (length + 3) & ~3
                if mtype in (NLMSG_DONE, NLMSG_ERROR):
                    done = True
                    continue
                seen += 1
                flagged += bool(flags & NLM_F_DUMP_INTR)
            messages += seen
            reads += bool(seen)
            if reads == 1 and seen and between:
                between()
    return reads, messages, flagged


def mpw(*args):
    return cli.mpwifi(*args, ns=NS, json=False)


def main():
    kmod.load()
    proc.cmd(["ip", "netns", "add", NS])
    ksft.defer(proc.cmd, ["ip", "netns", "del", NS], check=False)
    batch = [f"link add dm{i} type dummy" for i in range(DUMMIES)]
    proc.cmd(["ip", "-n", NS, "-batch", "-"], input="\n".join(batch) + "\n")
    for i in range(PEERS):
        mpw("trust", "peer", "add", f"10.{i // 250}.{i % 250}.0/24", "trusted")
    m = Mpwifi(ns=NS)
    ksft.defer(m.close)

    reads, messages, flagged = parts(m, "peer-get")
    log(f"      peer-get, no change: {messages} messages in {reads} reads, {flagged} flagged")
    check_ge("peer-get: the dump takes several parts", reads, 2)
    check_eq("peer-get: every prefix", messages, PEERS)
    check_eq("peer-get without a change: no message flagged interrupted", flagged, 0)
    reads, messages, flagged = parts(m, "peer-get", lambda: mpw("trust", "peer", "add", "192.0.2.0/24", "trusted"))
    log(f"      peer-get, a prefix added after the first part: {messages} messages in {reads} reads, "
        f"{flagged} flagged")
    check("peer-get interrupted by an added prefix: NLM_F_DUMP_INTR", flagged >= 1, f"{flagged} flagged")

    reads, messages, flagged = parts(m, "trust-get")
    log(f"      trust-get, no change: {messages} messages in {reads} reads, {flagged} flagged")
    check_ge("trust-get: the dump takes several parts", reads, 2)
    check_ge("trust-get: every interface", messages, DUMMIES + 1)
    check_eq("trust-get without a change: no message flagged interrupted", flagged, 0)
    reads, messages, flagged = parts(m, "trust-get", lambda: mpw("trust", "set", "dm0", "trusted"))
    log(f"      trust-get, a level set after the first part: {messages} messages in {reads} reads, "
        f"{flagged} flagged")
    check("trust-get interrupted by a level set: NLM_F_DUMP_INTR", flagged >= 1, f"{flagged} flagged")
    reads, messages, flagged = parts(m, "trust-get",
                                     lambda: proc.cmd(["ip", "-n", NS, "link", "add", "dmx", "type", "dummy"]))
    log(f"      trust-get, an interface added after the first part: {messages} messages in {reads} reads, "
        f"{flagged} flagged")
    check("trust-get interrupted by a new interface: NLM_F_DUMP_INTR", flagged >= 1, f"{flagged} flagged")


if __name__ == "__main__":
    ksft.run(main)
