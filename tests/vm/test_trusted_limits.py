#!/usr/bin/env python3
"""Trusted state is bounded per user, so one unprivileged user cannot take it from others.  In a namespace
whose only interface, lo, is untrusted, every trusted byte waits and the connection keeps its state (one
range per trusted send that follows untrusted bytes):
 (a) max_trusted_conns=0 is refused at load (insmod fails), so is a per-user limit of 0;
 (b) connection slots, with max_trusted_conns=6 max_trusted_conns_per_user=4: user 1000's first four
     connections take a trusted send, its fifth and sixth fail with ENOBUFS; user 1001's connection is
     unaffected;
 (c) range memory, with max_trusted_ranges_per_conn=64 max_trusted_ranges_per_user=96, alternating
     1-byte trusted and untrusted sends (each trusted send needs a range of its own): user 1002's first
     connection takes 64 trusted sends and refuses the 65th with ENOBUFS (never merging over an
     untrusted gap); its second connection's storage grows 16 -> 32 and then meets the user's limit
     (64 + 64 > 96): 32 sends, then ENOBUFS; user 1003 takes 64 on one connection;
 (d) the refusals are counted (refused_limit);
 (e) the unload frees what it resets: once the processes of (b) are gone and the unload has reset their
     connections (orphans holding trusted data), the namespace's socket count (/proc/net/sockstat, which
     counts every socket and subflow until it is freed) is back to the sink's own.
"""
import json
import os
import re
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.realpath(__file__)), "../lib"))
from mpwtest import cli, kmod, ksft, paths, proc  # noqa: E402
from mpwtest.ksft import check, check_eq, log  # noqa: E402

OUT = os.environ.get("MPWIFI_VM_OUT", "/tmp")
NS = "plim"
PORT = 8090


def out(name):
    return os.path.join(OUT, name)


def tool():
    return os.environ.get("TRUSTED_SEND") or os.path.join(paths.BUILD, "tools/trusted-send")


def sends(log_path):
    rows = []
    with open(log_path) as f:
        for line in f:
            if line.startswith("{"):
                d = json.loads(line)
                if d.get("event") == "send" and d["trusted"]:
                    rows.append((d["ret"], d["errno"]))
    return rows


def as_user(uid, name, *args, linger_ms=20000):
    """trusted-send as UID in the namespace, connected to the local sink; returns (Bg, log path).  Each
    process keeps its connection (and so its trusted state) for LINGER_MS."""
    log_path = out(name + ".log")
    argv = ["setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups", tool(), "connect", "127.0.0.1",
            str(PORT), "--mptcp", "--linger-ms", str(linger_ms), *args]
    return proc.bg(argv, ns=NS, log=log_path), log_path


def sockets_used():
    """Sockets allocated in the namespace and not yet freed (MPTCP subflows included)."""
    text = proc.cmd(["cat", "/proc/net/sockstat"], ns=NS).stdout
    return int(re.search(r"^sockets: used (\d+)", text, re.M).group(1))


def wait_sends(log_path, n, timeout=20):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if os.path.exists(log_path) and len(sends(log_path)) >= n:
            break
        time.sleep(0.1)
    return sends(log_path)


def main():
    p = proc.cmd(["insmod", paths.module_path(), "max_trusted_conns=0"], check=False)
    check("(a) max_trusted_conns=0 is refused at load", p.returncode != 0 and not kmod.loaded(),
          f"insmod exit {p.returncode}")
    kmod.unload()
    p = proc.cmd(["insmod", paths.module_path(), "max_trusted_conns_per_user=0"], check=False)
    check("(a) max_trusted_conns_per_user=0 is refused at load", p.returncode != 0 and not kmod.loaded(),
          f"insmod exit {p.returncode}")
    kmod.unload()

    kmod.load(max_trusted_conns=6, max_trusted_conns_per_user=4)
    proc.cmd(["ip", "netns", "add", NS])
    ksft.defer(proc.cmd, ["ip", "netns", "del", NS], check=False)
    proc.cmd(["ip", "link", "set", "lo", "up"], ns=NS)
    proc.cmd(["sysctl", "-qw", "net.mptcp.enabled=1"], ns=NS)
    cli.mpwifi("trust", "set", "lo", "untrusted", ns=NS, json=False)
    sink = proc.bg([tool(), "sink", str(PORT), "--mptcp", "--timeout", "60"], ns=NS, log=out("sink.log"))
    time.sleep(1)
    sink_sockets = sockets_used()
    before = cli.mpwifi("policy", "show", ns=NS)

    # (b) connection slots
    a = [as_user(1000, f"b-user1000-{i}") for i in range(6)]
    got_a = [wait_sends(lg, 1) for _, lg in a]
    log(f"      user 1000: {got_a}")
    # the six start together: which two are refused depends on the order they reach the module
    check_eq("(b) user 1000: four connections take a trusted send, two fail with ENOBUFS",
             sorted(g[0] if g else (0, "none") for g in got_a), [(-1, "ENOBUFS")] * 2 + [(64, "")] * 4)
    b1001, lb = as_user(1001, "b-user1001")
    check_eq("(b) user 1001 is unaffected: its trusted send is accepted", wait_sends(lb, 1), [(64, "")])
    after = cli.mpwifi("policy", "show", ns=NS)
    check_eq("(d) refusals by a limit are counted (refused_limit)",
             after.get("refused_limit", 0) - before.get("refused_limit", 0), 2)
    for bg, _ in a + [(b1001, lb)]:
        bg.stop()

    # (c) range memory: a fresh module (the connections above are reset by the unload)
    kmod.unload()
    # (e) every connection of (b) is an orphan that held trusted data: the unload resets and frees them,
    # and the sink closes its ends when the resets reach it
    ksft.poll(lambda: sockets_used() == sink_sockets, timeout=10)
    check_eq("(e) the reset orphans are freed: sockets in the namespace back to the sink's own",
             sockets_used(), sink_sockets)
    kmod.load(max_trusted_conns=16, max_trusted_conns_per_user=4, max_trusted_ranges_per_conn=64,
              max_trusted_ranges_per_user=96)
    cli.mpwifi("trust", "set", "lo", "untrusted", ns=NS, json=False)
    alt = ["--size", "1", "--untrusted", "1", "--count", "70"]
    _, l1 = as_user(1002, "c-user1002-1", *alt)
    r1 = wait_sends(l1, 70)
    _, l2 = as_user(1002, "c-user1002-2", *alt)
    r2 = wait_sends(l2, 70)
    _, l3 = as_user(1003, "c-user1003", *alt)
    r3 = wait_sends(l3, 70)

    def summary(rows):
        ok = 0
        while ok < len(rows) and rows[ok] == (1, ""):
            ok += 1
        return ok, sorted(set(rows[ok:]))

    check_eq("(c) user 1002, first connection: 64 trusted sends, then ENOBUFS (accepted, errors after)",
             summary(r1), (64, [(-1, "ENOBUFS")]))
    check_eq("(c) user 1002, second connection: 32 trusted sends, then ENOBUFS (the user's 96 ranges)",
             summary(r2), (32, [(-1, "ENOBUFS")]))
    check_eq("(c) user 1003 is unaffected: 64 trusted sends", summary(r3), (64, [(-1, "ENOBUFS")]))
    after = cli.mpwifi("policy", "show", ns=NS)
    check_eq("(d) refusals by a limit are counted (refused_limit)", after.get("refused_limit", 0), 6 + 38 + 6)
    sink.stop()


if __name__ == "__main__":
    ksft.run(main)
