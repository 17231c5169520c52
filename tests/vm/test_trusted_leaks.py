#!/usr/bin/env python3
"""MPTCP_TRUSTED fails closed on every way data enters a stream socket, in the two-path world
(mpwtest.pathsim: cell0 trusted, wifi0 untrusted; the server trusts only the client's cell0 prefix).
tools/trusted-http/trusted-send makes one trusted send ('A'..'Z') through one system call; a capture on
wifi0 and pcap-scan prove that no trusted byte crossed the untrusted path.
 (a) plain TCP on an MPTCP listener (a client without MPTCP, or MP_CAPABLE stripped): the accepted socket
     is plain TCP; a trusted send to a client on the untrusted prefix (wifi0) fails with ENETUNREACH, to
     one on the trusted prefix (cell0) is sent; through send, sendto, sendmsg, sendmmsg, MSG_ZEROCOPY,
     io_uring send and io_uring sendmsg;
 (b) a plain IPPROTO_TCP client socket: the same rule by its egress interface (bound to wifi0's or
     cell0's address), every call; what was sent through cell0 arrives;
 (c) no trusted byte in a SYN: MSG_FASTOPEN and TCP_FASTOPEN_CONNECT (client cookies not required), on
     MPTCP and on TCP, with the route through wifi0: the send fails (ENOTCONN, or ENETUNREACH on TCP);
 (d) a reused MPTCP socket (connect, send, disconnect with connect(AF_UNSPEC), connect again, five
     times), and a send on a connection still being established: no trusted byte on wifi0 while untrusted
     data uses it; each new connection of the socket starts a new range epoch (counter range_epochs);
 (g) a TCP socket that sent trusted data through cell0 is pinned: when routing moves it onto wifi0 while
     its trusted segments are unacknowledged, their retransmissions are dropped at egress;
 (e) unloading while trusted data waits (cell0 without carrier): the waiting connection is reset, no
     trusted byte leaves on wifi0 after the unload, the kernel log counts the reset;
 (f) with the kprobes disabled through debugfs, trusted_status does not read "available";
 (h) unloading while connections that carried trusted data (all of it acknowledged) are still open, an
     MPTCP one and a plain TCP one: both are reset, so a trusted send made on them after the unload (an
     application whose check of the status file came before it) fails instead of leaving unguarded; no
     trusted byte on wifi0, where the MPTCP connection's only path has gone by then.
"""
import json
import os
import re
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.realpath(__file__)), "../lib"))
from mpwtest import cli, kmod, ksft, paths, proc, thttp  # noqa: E402
from mpwtest.capture import Capture  # noqa: E402
from mpwtest.ksft import check, check_eq, check_ge, log  # noqa: E402
from mpwtest.pathsim import PathWorld  # noqa: E402

OUT = os.environ.get("MPWIFI_VM_OUT", "/tmp")
PORT = thttp.PORT
VIAS = ["send", "sendto", "sendmsg", "sendmmsg", "zerocopy", "uring-send", "uring-sendmsg"]
STATUS = "/sys/module/mpwifi/parameters/trusted_status"


def out(name):
    return os.path.join(OUT, name)


def tool():
    return os.environ.get("TRUSTED_SEND") or os.path.join(paths.BUILD, "tools/trusted-send")


def policy(ns):
    return cli.mpwifi("policy", "show", ns=ns)


def lines(log_path, event):
    rows = []
    with open(log_path) as f:
        for line in f:
            if line.startswith("{"):
                d = json.loads(line)
                if d.get("event") == event:
                    rows.append(d)
    return rows


def sends(log_path):
    """(ret, errno) of each trusted send in a trusted-send log."""
    return [(d["ret"], d["errno"]) for d in lines(log_path, "send") if d["trusted"]]


def run(ns, name, *args, timeout=60):
    log_path = out(name + ".log")
    p = proc.bg([tool(), *args], ns=ns, log=log_path)
    p.wait(timeout)
    return log_path


def started(ns, name, *args):
    """A trusted-send listener (serve or sink) in NS, listening when this returns."""
    log_path = out(name + ".log")
    p = proc.bg([tool(), *args], ns=ns, log=log_path)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if os.path.exists(log_path) and lines(log_path, "listening"):
            return p, log_path
        time.sleep(0.05)
    raise RuntimeError(f"{name} did not start listening")


def capture(ns, ifname, name):
    return Capture(ns, ifname, snaplen=0, path=out(name)).start()


def leaks(cap):
    time.sleep(0.5)
    cap.stop()
    return thttp.scan(cap.path)["totals"]


def main():
    kmod.load()
    w = PathWorld(wifi_rate=20, wifi_delay=5, cell_rate=10, cell_delay=10).up()
    C, S = w.cli_ns, w.srv_ns

    def mpw(*args, ns=C):
        return cli.mpwifi(*args, ns=ns, json=False)

    w.trust_only("cell0")

    part_a(w, C, S)
    part_b(w, C, S)
    part_c(w, C, S, mpw)
    part_d(w, C, S)
    part_g(w, C, S)
    part_f()
    part_e(w, C, S)
    part_h(w, C, S)


def part_a(w, C, S):
    """Server side: plain TCP clients of an MPTCP listener."""
    cap = capture(C, "wifi0", "a-wifi0.pcap")
    before = policy(S)
    for via in VIAS:
        for path, want in ((w.wifi, "ENETUNREACH"), (w.cell, "")):
            name = f"a-{via}-{path.ifname}"
            srv, srv_log = started(S, name + "-server", "serve", str(PORT), "--mptcp", "--via", via,
                                   "--linger-ms", "500")
            run(C, name + "-client", "connect", w.server_ip, str(PORT), "--bind", path.ip, "--count", "0",
                "--linger-ms", "1500")
            srv.wait(20)
            got = sends(srv_log)
            if want:
                check_eq(f"(a) {via}: a trusted send to a plain TCP client on wifi0's prefix fails", got,
                         [(-1, want)])
            else:
                check_eq(f"(a) {via}: a trusted send to a plain TCP client on cell0's prefix is sent", got,
                         [(64, "")])
    totals = leaks(cap)
    after = policy(S)
    check_eq("(a) no trusted byte on wifi0 (pcap-scan)", totals["leak_bytes"], 0)
    check_eq("(a) the server counted every trusted send on plain TCP",
             after["trusted_sends"] - before["trusted_sends"], 2 * len(VIAS))
    check_eq("(a) ... and refused the ones towards wifi0's prefix",
             after["refused_sends"] - before["refused_sends"], len(VIAS))


def part_b(w, C, S):
    """Client side: a plain IPPROTO_TCP socket with the flag, by egress interface."""
    cap = capture(C, "wifi0", "b-wifi0.pcap")
    sink, sink_log = started(S, "b-sink", "sink", str(PORT), "--timeout", "8")
    for via in VIAS:
        for path, want in ((w.wifi, (-1, "ENETUNREACH")), (w.cell, (64, ""))):
            got = sends(run(C, f"b-{via}-{path.ifname}", "connect", w.server_ip, str(PORT), "--bind", path.ip,
                            "--via", via, "--linger-ms", "300"))
            check_eq(f"(b) {via}: a trusted send on a TCP socket through {path.ifname}", got, [want])
    sink.wait(30)
    rx = lines(sink_log, "received")
    check_eq("(b) the trusted bytes sent through cell0 arrived (sink: trusted bytes received)",
             rx[-1]["trusted_bytes"] if rx else 0, 64 * len(VIAS))
    check_eq("(b) no trusted byte on wifi0 (pcap-scan)", leaks(cap)["leak_bytes"], 0)


def part_c(w, C, S, mpw):
    """TCP Fast Open: data in a SYN routed through wifi0."""
    proc.cmd(["sysctl", "-qw", "net.ipv4.tcp_fastopen=5"], ns=C)       # client on, no cookie needed
    proc.cmd(["sysctl", "-qw", "net.ipv4.tcp_fastopen=515"], ns=S)     # server on, no cookie needed
    proc.cmd(["ip", "route", "replace", "default", "via", w.wifi.gw, "dev", "wifi0", "metric", "1"], ns=C)
    mpw("policy", "set", "first-subflow", "off")
    cap = capture(C, "wifi0", "c-wifi0.pcap")
    sink, _ = started(S, "c-sink", "sink", str(PORT), "--timeout", "6")
    cases = [("MPTCP, MSG_FASTOPEN", ["--mptcp", "--via", "fastopen"]),
             ("MPTCP, TCP_FASTOPEN_CONNECT", ["--mptcp", "--fastopen-connect"]),
             ("TCP, MSG_FASTOPEN", ["--via", "fastopen"]),
             ("TCP, TCP_FASTOPEN_CONNECT", ["--fastopen-connect"])]
    for i, (what, args) in enumerate(cases):
        got = sends(run(C, f"c-{i}", "connect", w.server_ip, str(PORT), *args, "--linger-ms", "500"))
        check(f"(c) {what}: the trusted send fails (no SYN data)",
              len(got) == 1 and got[0][0] == -1 and got[0][1] in ("ENOTCONN", "ENETUNREACH", "EOPNOTSUPP"),
              f"sends {got}")
    sink.wait(30)
    check_eq("(c) no trusted byte on wifi0, SYNs included (pcap-scan)", leaks(cap)["leak_bytes"], 0)
    mpw("policy", "set", "first-subflow", "prefer")
    proc.cmd(["ip", "route", "del", "default", "via", w.wifi.gw, "dev", "wifi0", "metric", "1"], ns=C)
    proc.cmd(["sysctl", "-qw", "net.ipv4.tcp_fastopen=1"], ns=C)


def part_d(w, C, S):
    """A reused MPTCP socket, and a send while the connection is being established."""
    cap = capture(C, "wifi0", "d-wifi0.pcap")
    before = policy(C)
    sink, sink_log = started(S, "d-sink", "sink", str(PORT), "--mptcp", "--timeout", "10")
    got = sends(run(C, "d-reuse", "connect", w.server_ip, str(PORT), "--mptcp", "--size", "30000", "--count", "4",
                    "--untrusted", "30000", "--reconnect", "4", "--linger-ms", "1500", timeout=120))
    check_eq("(d) every trusted send on the reused socket was accepted", got, [(30000, "")] * 20)
    got = sends(run(C, "d-early", "connect", w.server_ip, str(PORT), "--mptcp", "--nonblock-connect",
                    "--size", "200000", "--untrusted", "200000", "--linger-ms", "1500", timeout=120))
    check_eq("(d) a blocking trusted send right after a non-blocking connect is accepted", got, [(200000, "")])
    sink.wait(60)
    after = policy(C)
    totals = leaks(cap)
    rx = lines(sink_log, "received")
    check_eq("(d) no trusted byte on wifi0 (pcap-scan)", totals["leak_bytes"], 0)
    check_eq("(d) every trusted byte arrived", rx[-1]["trusted_bytes"] if rx else 0, 20 * 30000 + 200000)
    check_ge("(d) untrusted data used wifi0 (payload bytes)", totals["payload_bytes"], 1)
    check_ge("(d) each reconnect started a new range epoch", after.get("range_epochs", 0) -
             before.get("range_epochs", 0), 4)


def part_g(w, C, S):
    """A pinned TCP socket rerouted onto wifi0 with trusted segments unacknowledged."""
    cap = capture(C, "wifi0", "g-wifi0.pcap")
    sink, sink_log = started(S, "g-sink", "sink", str(PORT), "--timeout", "12")
    before = policy(C)
    client = proc.bg([tool(), "connect", w.server_ip, str(PORT), "--bind", w.cell.ip, "--size", "20000",
                      "--pause-ms", "1500", "--linger-ms", "6000"], ns=C, log=out("g-client.log"))
    time.sleep(1)  # connected; from now on everything cell0 sends is lost: the trusted segments sent at
    w.set_loss("cell0", 100)  # 1.5 s stay unacknowledged
    time.sleep(0.8)
    with w.reroute("cell0", "wifi0"):
        w.set_loss("cell0")
        time.sleep(4)
        after = policy(C)
    client.wait(30)
    sink.wait(30)
    got = sends(out("g-client.log"))
    log(f"      trusted send {got}; egress drops while rerouted: {after['egress_drops'] - before['egress_drops']}")
    check_ge("(g) the pinned socket's segments rerouted onto wifi0 were dropped at egress",
             after["egress_drops"] - before["egress_drops"], 1)
    check_eq("(g) no trusted byte on wifi0 (pcap-scan)", leaks(cap)["leak_bytes"], 0)


def part_f():
    """Disabled kprobes are reported."""
    dbg = "/sys/kernel/debug/kprobes/enabled"
    if not os.path.exists(dbg):
        proc.cmd(["mount", "-t", "debugfs", "none", "/sys/kernel/debug"], check=False)
    with open(dbg, "w") as f:
        f.write("0\n")
    with open(STATUS) as f:
        status = f.read().strip()
    with open(dbg, "w") as f:
        f.write("1\n")
    check("(f) kprobes disabled: trusted_status is not \"available\"", status != "available", status)
    with open(STATUS) as f:
        check_eq("(f) kprobes enabled again: available", f.read().strip(), "available")


def part_e(w, C, S):
    """Unload while trusted data waits for a trusted path."""
    sink, sink_log = started(S, "e-sink", "sink", str(PORT), "--mptcp", "--timeout", "15")
    # connected, then 4 s without sending: the wifi0 subflow joins and cell0 goes; then the sends, whose
    # trusted bytes wait (no trusted subflow) until the send buffer is full and the sender blocks
    client = proc.bg([tool(), "connect", w.server_ip, str(PORT), "--mptcp", "--size", "4000", "--count", "200",
                      "--untrusted", "4000", "--pause-ms", "4000", "--linger-ms", "3000"], ns=C,
                     log=out("e-client.log"))
    time.sleep(2.5)
    w.link_down("cell0")
    time.sleep(3.5)
    cap = capture(C, "wifi0", "e-wifi0.pcap")
    log(f"      before the unload: {policy(C)['connections']} connections hold trusted data")
    dmesg_before = proc.cmd(["dmesg"]).stdout
    p = proc.cmd(["rmmod", "mpwifi"], check=False)
    check("(e) rmmod with trusted data waiting", p.returncode == 0, p.stderr.strip())
    time.sleep(3)
    totals = leaks(cap)
    client.wait(30)
    sink.wait(30)
    dmesg = proc.cmd(["dmesg"]).stdout[len(dmesg_before):]
    check_eq("(e) no trusted byte on wifi0 after the unload (pcap-scan)", totals["leak_bytes"], 0)
    check("(e) the kernel log counts the connections reset at unload",
          resets_logged(dmesg) >= 1,
          [line for line in dmesg.splitlines() if "mpwifi" in line][-3:])
    sent = sends(out("e-client.log"))
    log(f"      the client: {len(sent)} trusted sends, the last {sent[-1:]}")
    check("(e) the blocked sender was woken with an error", bool(sent) and sent[-1][0] == -1, sent[-1:])
    w.link_up("cell0")


def resets_logged(dmesg):
    """How many connections the unload's kernel log line says it reset (0 without one)."""
    m = re.search(r"reset ([0-9]+) connections that carried trusted data", dmesg)
    return int(m.group(1)) if m else 0


def part_h(w, C, S):
    """Unload while connections that carried trusted data, all acknowledged, stay open; then send on them."""
    kmod.load()
    w.trust_only("cell0")
    sink, sink_log = started(S, "h-sink", "sink", str(PORT), "--mptcp", "--timeout", "15")
    # one trusted send at once, taken through cell0 and acknowledged within a second; the next one after
    # the gap, by when the module is gone
    gap_ms = str(int(ksft.scaled(8) * 1000))
    common = ["--size", "4000", "--count", "2", "--gap-ms", gap_ms]
    mptcp = proc.bg([tool(), "connect", w.server_ip, str(PORT), "--mptcp", *common], ns=C,
                    log=out("h-mptcp.log"))
    tcp = proc.bg([tool(), "connect", w.server_ip, str(PORT), "--bind", w.cell.ip, *common], ns=C,
                  log=out("h-tcp.log"))
    time.sleep(ksft.scaled(2.5))
    w.link_down("cell0")  # after the unload only wifi0 would be left to the stock scheduler
    cap = capture(C, "wifi0", "h-wifi0.pcap")
    dmesg_before = proc.cmd(["dmesg"]).stdout
    p = proc.cmd(["rmmod", "mpwifi"], check=False)
    check("(h) rmmod with connections that carried trusted data open", p.returncode == 0, p.stderr.strip())
    mptcp.wait(ksft.scaled(30))
    tcp.wait(ksft.scaled(30))
    sink.wait(30)
    totals = leaks(cap)
    dmesg = proc.cmd(["dmesg"]).stdout[len(dmesg_before):]
    got = {"MPTCP": sends(out("h-mptcp.log")), "TCP": sends(out("h-tcp.log"))}
    log(f"      trusted sends (ret, errno): {got}; resets logged: {resets_logged(dmesg)}")
    for kind, rows in got.items():
        check_eq(f"(h) {kind}: the trusted send before the unload was sent", rows[:1], [(4000, "")])
        check(f"(h) {kind}: the trusted send after the unload failed (the connection was reset)",
              len(rows) == 2 and rows[1][0] == -1, rows)
    check_ge("(h) the kernel log counts both connections reset at unload", resets_logged(dmesg), 2)
    check_eq("(h) no trusted byte on wifi0 (pcap-scan)", totals["leak_bytes"], 0)
    w.link_up("cell0")


if __name__ == "__main__":
    ksft.run(main)
