#!/usr/bin/env python3
"""The lifetime of a connection's trusted state and the work that resumes waiting data, on loopback in a
namespace of its own (MPTCP over lo, a second subflow from 127.0.0.2; lo's trust set per part).
 (a) the hooks that end a connection's state cannot be skipped: inet_sock_destruct is watched by an
     ftrace callback, not a kprobe (a kprobe hit while another kprobe's handler runs on the CPU is only
     counted as missed), and __mptcp_close_ssk is not hooked at all (a subflow holds its MPTCP socket
     until its TCP socket is destroyed, so the state outlives every transmission of a closed subflow);
 (b) resume back-off: trusted data that cannot leave (lo untrusted) is retried after 20 ms, then twice as
     late each time up to 640 ms: in 6 s that is at most 14 retries (20+40+...+640 ms, then every 640 ms),
     where a fixed 20 ms poll makes about 300 (each retry is one withheld pick, counted in `waits`);
 (c) a trust change resumes at once, through the kernel's own push (release_sock's deferred push, no
     private function called): the waiting bytes arrive within 0.5 s of `trust set lo trusted`, below
     the longest back-off, and every byte arrives;
 (d) churn: 60 trusted connections, each with two subflows, sent, verified and closed, then one
     connection whose second subflow is closed and re-created 20 times while trusted data flows: every
     byte arrives in order, and `connections` is back to 0 once the sockets are gone (the states go
     with their sockets, with no fixed number of closed-subflow slots).
"""
import ctypes
import os
import select
import socket
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.realpath(__file__)), "../lib"))
from mpwtest import cli, kmod, ksft, proc  # noqa: E402
from mpwtest.ksft import check, check_eq, check_ge, check_le, log, wait_until  # noqa: E402

NS = "life"
MPTCP_TRUSTED = 0x800000
IPPROTO_MPTCP = 262
CLONE_NEWNET = 0x40000000
KPROBES = "/sys/kernel/debug/kprobes/list"
ENABLED = "/sys/kernel/tracing/enabled_functions"


def mpw(*args):
    return cli.mpwifi(*args, ns=NS, json=False)


def policy():
    return cli.mpwifi("policy", "show", ns=NS)


def enter_ns():
    """This process's sockets live in NS from now on (the CLI still runs through `ip netns exec`)."""
    libc = ctypes.CDLL(None, use_errno=True)
    fd = os.open(f"/run/netns/{NS}", os.O_RDONLY)
    if libc.setns(fd, CLONE_NEWNET):
        raise OSError(ctypes.get_errno(), "setns")
    os.close(fd)


def listener(port):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM, IPPROTO_MPTCP)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", port))
    s.listen(128)
    return s


def connect(port):
    c = socket.socket(socket.AF_INET, socket.SOCK_STREAM, IPPROTO_MPTCP)
    c.connect(("127.0.0.1", port))
    return c


def pattern(seq, n):
    """N bytes of a stream whose byte at offset i is a function of i, starting at offset SEQ."""
    return bytes((seq + i) * 7 % 251 for i in range(n))


def read_exactly(s, n, timeout):
    s.settimeout(timeout)
    got = bytearray()
    while len(got) < n:
        b = s.recv(n - len(got))
        if not b:
            break
        got += b
    return bytes(got)


def part_a():
    probes = open(KPROBES).read()
    check("(a) no kprobe on inet_sock_destruct or __mptcp_close_ssk",
          "inet_sock_destruct" not in probes and "__mptcp_close_ssk" not in probes, probes.strip())
    # enabled_functions names the callback when it is the site's only one (its own trampoline)
    enabled = [l for l in open(ENABLED).read().splitlines() if l.startswith("inet_sock_destruct ")]
    log(f"      enabled_functions: {enabled}")
    check("(a) inet_sock_destruct is traced (an ftrace callback, as no kprobe is there)", len(enabled) == 1,
          enabled)


def part_bc():
    mpw("trust", "set", "lo", "untrusted")
    lst = listener(5001)
    c = connect(5001)
    srv, _ = lst.accept()
    data = pattern(0, 4000)
    c.send(data, MPTCP_TRUSTED)
    wait_until("(b) the trusted send is withheld", lambda: policy()["waits"] >= 1, timeout=5)
    time.sleep(1.5)  # past the shortest delays: the back-off is measured from here
    w0, t0 = policy()["waits"], time.monotonic()
    time.sleep(6)
    w1, t1 = policy()["waits"], time.monotonic()
    log(f"      withheld picks in {t1 - t0:.1f} s: {w1 - w0}")
    # from 1.5 s into the wait the delays are 640 ms: 6 s hold at most 10 retries, 14 with margin
    check_le("(b) retries back off: withheld picks in 6 s", w1 - w0, 14)
    check_ge("(b) retries go on while the data waits", w1 - w0, 5)
    got = bytearray()
    done = threading.Event()

    def reader():
        got.extend(read_exactly(srv, len(data), 10))
        done.set()

    check("(c) nothing trusted delivered while lo is untrusted", not select.select([srv], [], [], 0)[0])
    r0 = policy()["resumes"]
    th = threading.Thread(target=reader)
    th.start()
    mpw("trust", "set", "lo", "trusted")
    t_set = time.monotonic()
    done.wait(10)
    took = time.monotonic() - t_set
    th.join()
    log(f"      delivered {took:.2f} s after the trust change")
    check_le("(c) the waiting bytes arrive within 0.5 s of the trust change (s)", round(took, 2), 0.5)
    check("(c) every byte arrives, in order", bytes(got) == data, f"{len(got)} of {len(data)} bytes")
    check_ge("(c) counted as a resume", policy()["resumes"] - r0, 1)
    for s in (c, srv, lst):
        s.close()


def subflows():
    """Established TCP sockets from 127.0.0.2: the second subflows."""
    out = proc.cmd(["ss", "-tnH", "state", "established", "src", "127.0.0.2"], ns=NS).stdout
    return len([l for l in out.splitlines() if l.strip()])


def part_d():
    lst = listener(5002)
    ok = 0
    for i in range(60):
        c = connect(5002)
        srv, _ = lst.accept()
        data = pattern(i, 3000)
        c.send(data[:1000], MPTCP_TRUSTED)
        c.send(data[1000:2000])
        c.send(data[2000:], MPTCP_TRUSTED)
        ok += read_exactly(srv, len(data), 10) == data
        c.close()
        srv.close()
    check_eq("(d) 60 trusted connections: every byte arrived in order", ok, 60)
    check_ge("(d) the connections held trusted state", policy()["trusted_sends"], 120)

    # one connection, its second subflow closed and re-created 20 times under trusted data
    c = connect(5002)
    srv, _ = lst.accept()
    # (the PM opens the second subflow once the connection is fully established: after data flowed)
    sent = bytearray()
    got = bytearray()
    stop = threading.Event()

    def reader():
        srv.settimeout(20)
        while not stop.is_set() or len(got) < len(sent):
            try:
                b = srv.recv(65536)
            except socket.timeout:
                break
            if not b:
                break
            got.extend(b)

    th = threading.Thread(target=reader)
    th.start()
    cycles = 0
    for i in range(20):
        chunk = pattern(len(sent), 2000)
        c.send(chunk, MPTCP_TRUSTED)
        sent.extend(chunk)
        # removing the endpoint closes the subflows from it, adding it opens one on every connection
        proc.cmd(["ip", "mptcp", "endpoint", "flush"], ns=NS)
        wait_until(f"(d) cycle {i}: second subflow closed", lambda: subflows() == 0, timeout=10)
        proc.cmd(["ip", "mptcp", "endpoint", "add", "127.0.0.2", "dev", "lo", "subflow"], ns=NS)
        wait_until(f"(d) cycle {i}: second subflow re-created", lambda: subflows() >= 1, timeout=10)
        cycles += 1
    stop.set()
    th.join(30)
    check_eq("(d) subflow churn: every byte arrives in order", bytes(got[:len(sent)]) == bytes(sent), True)
    log(f"      {cycles} close/re-create cycles, {len(sent)} trusted bytes")
    c.close()
    srv.close()
    lst.close()
    wait_until("(d) connections back to 0 once the sockets are gone", lambda: policy()["connections"] == 0,
               timeout=20)
    check_eq("(d) connections", policy()["connections"], 0)


def main():
    kmod.load()
    proc.cmd(["ip", "netns", "add", NS])
    ksft.defer(proc.cmd, ["ip", "netns", "del", NS], check=False)
    proc.cmd(["ip", "link", "set", "lo", "up"], ns=NS)
    proc.cmd(["ip", "addr", "add", "127.0.0.2/8", "dev", "lo"], ns=NS, check=False)
    proc.cmd(["sysctl", "-qw", "net.mptcp.enabled=1"], ns=NS)
    proc.cmd(["ip", "mptcp", "limits", "set", "subflow", "4", "add_addr_accepted", "4"], ns=NS)
    proc.cmd(["ip", "mptcp", "endpoint", "add", "127.0.0.2", "dev", "lo", "subflow"], ns=NS)
    enter_ns()
    with open("/sys/module/mpwifi/parameters/trusted_status") as f:
        check_eq("trusted scheduler available", f.read().strip(), "available")
    part_a()
    part_bc()
    mpw("trust", "set", "lo", "trusted")
    part_d()


ksft.run(main)
