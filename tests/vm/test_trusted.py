#!/usr/bin/env python3
"""MPTCP_TRUSTED end to end in the two-path world (mpwtest.pathsim): a client with a trusted path (cell0)
and an untrusted one (wifi0, 1% loss), a server with one interface behind a router, tools/trusted-http on
both ends.  Every byte sent with the flag is uppercase/digits/punctuation and every other byte is a-z, so
any payload byte outside a-z that a capture on the untrusted path holds is a leak (pcap-scan).
 (a) a session of 1000 messages each way (trusted header + untrusted body), 1% loss on wifi0 so that
     subflow and MPTCP retransmissions happen: no trusted byte on wifi0 in either direction (the server's
     headers are kept off it by peer prefixes: the client's cell0 subnet trusted, the rest not), untrusted
     bytes do use wifi0, every byte arrives in order;
 (b) the client's trusted link loses its carrier for 5 s in the middle of a paced session, with
     `mpwifi daemon` running: trusted data waits (nothing trusted appears on wifi0: data in flight on cell0
     is not reinjected there), untrusted data keeps flowing on wifi0; after the carrier returns trusted data
     flows again within 3 s, and every byte arrives in order;
 (c) first subflow: with the default route through wifi0, `prefer` sends the MP_CAPABLE SYN through cell0
     and `off` through wifi0 (captures); `strict` without a trusted interface fails connect() with
     ENETUNREACH;
 (d) refused sends: trusted scheduler off -> EOPNOTSUPP; a fallback to plain TCP over wifi0 ->
     ENETUNREACH; nothing of either reaches the wire;
 (e) routing moves the first subflow, which carries the trusted data, onto wifi0 while trusted segments
     of it are unacknowledged: those are retransmitted into wifi0 and dropped at egress, new trusted data
     is withheld (no trusted subflow is left), nothing trusted leaks, and the session completes once the
     route comes back;
 (f) an unprivileged trust change is refused and changes nothing;
 (g) the module unloads cleanly in the middle of a trusted session: the session either completes in order
     or, when it was still open at that moment, is reset (the kernel log counts it); never handed to the
     stock scheduler.
"""
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.realpath(__file__)), "../lib"))
from mpwtest import cli, kmod, ksft, paths, proc, thttp  # noqa: E402
from mpwtest.capture import Capture  # noqa: E402
from mpwtest.ksft import check, check_eq, check_ge, check_le, log  # noqa: E402
from mpwtest.pathsim import PathWorld  # noqa: E402

OUT = os.environ.get("MPWIFI_VM_OUT", "/tmp")
SESSION = ["--header", "64"]


def out(name):
    return os.path.join(OUT, name)


def policy(ns):
    """`mpwifi -j policy show` in NS: the settings and the counters."""
    return cli.mpwifi("policy", "show", ns=ns)


def trust_level(ns, ifname):
    rows = cli.mpwifi("trust", "show", ifname, ns=ns)
    row = rows[0] if isinstance(rows, list) else rows
    return row["level"]


def capture(ns, ifname, name):
    """A full-length capture (leaks are proven on whole payloads), started."""
    return Capture(ns, ifname, snaplen=0, path=out(name)).start()


def stop(cap):
    time.sleep(0.5)  # the last segments through tcpdump
    cap.stop()
    return thttp.scan(cap.path)


def main():
    kmod.load()
    w = PathWorld(wifi_rate=20, wifi_delay=5, wifi_loss=1, cell_rate=10, cell_delay=20).up()
    C, S = w.cli_ns, w.srv_ns

    def mpw(*args, ns=C, **kw):
        return cli.mpwifi(*args, ns=ns, json=False, **kw)

    with open("/sys/module/mpwifi/parameters/trusted_status") as f:
        check_eq("trusted scheduler available", f.read().strip(), "available")
    w.trust_only("cell0")

    part_a(w, C, S)
    part_b(w, C, S, mpw)
    part_c(w, C, S, mpw)
    part_d(w, C, S, mpw)
    part_e(w, C, S, mpw)
    part_f(w, C, mpw)
    part_g(w, C, S)


def part_a(w, C, S):
    """The leak test: 1000 messages each way over a lossy untrusted path."""
    cap = capture(C, "wifi0", "a-wifi0.pcap")
    srv = thttp.server(S, out("a-server.log"))
    thttp.client_run(C, out("a-client.log"), "session", w.server_ip, "--messages", "1000", *SESSION,
                     "--up", "2048", "--down", "8192")
    srv.wait(30)
    scan = stop(cap)
    check("(a) client: all 1000 messages of the download verified in order", *thttp.done_ok(out("a-client.log")))
    check("(a) server: all 1000 messages of the upload verified in order", *thttp.done_ok(out("a-server.log")))
    check_ge("(a) >= 1000 trusted sends seen by the client's module", policy(C)["trusted_sends"], 1000)
    check_ge("(a) >= 1000 trusted sends seen by the server's module", policy(S)["trusted_sends"], 1000)
    check_eq("(a) no trusted byte on wifi0 (pcap-scan, both directions)", scan["totals"]["leak_bytes"], 0)
    up, down = thttp.dir_bytes(scan)
    log(f"      wifi0 payload: client->server {up} B, server->client {down} B")
    check("(a) untrusted data used wifi0 in both directions (>= 64 KB each)", up >= 65536 and down >= 65536,
          f"client->server {up} B, server->client {down} B")
    retx = scan["totals"]["retransmitted_segments"]
    log(f"      wifi0 retransmitted segments: {retx}")
    check_ge("(a) retransmissions happened on wifi0", retx, 1)


def progress_at(rows, t, key):
    """The last value of KEY at or before monotonic time t (ns) in progress lines."""
    v = 0
    for r in rows:
        if r["t_ns"] <= t:
            v = r[key]
    return v


def progress_after(rows, t, key):
    """The value of KEY in the first progress line at or after monotonic time t (ns); the last if none."""
    for r in rows:
        if r["t_ns"] >= t:
            return r[key]
    return rows[-1][key] if rows else 0


def resumed_after(rows, key, after):
    """Seconds after `after` at which KEY first grew past its value then; None if it never did."""
    base = progress_at(rows, after, key)
    for r in rows:
        if r["t_ns"] > after and r[key] > base:
            return (r["t_ns"] - after) / 1e9
    return None


def part_b(w, C, S, mpw):
    """The trusted link goes away for 5 s mid-transfer; the daemon brings a subflow back."""
    conf = out("mpwifi.conf")
    with open(conf, "w") as f:
        f.write("# the test's paths are both veth: say which one is the untrusted WiFi\n"
                "override = iface:wifi0=untrusted\noverride = iface:cell0=trusted\n")
    mpw("trust", "set", "cell0", "auto")
    mpw("trust", "set", "wifi0", "auto")
    daemon = proc.bg([paths.cli_path(), "daemon", "--config", conf], ns=C, log=out("daemon.log"))
    time.sleep(1)
    check_eq("(b) daemon classified cell0 trusted", trust_level(C, "cell0"), "trusted")
    cap = capture(C, "wifi0", "b-wifi0.pcap")
    srv = thttp.server(S, out("b-server.log"), "--progress-ms", "20")
    client = thttp.client(C, out("b-client.log"), "session", w.server_ip, "--messages", "2000", "--rate",
                          "100", *SESSION, "--up", "2048", "--down", "4096", "--progress-ms", "20")
    time.sleep(6)
    w.link_down("cell0")
    t_down = time.monotonic_ns()
    during = capture(C, "wifi0", "b-outage-wifi0.pcap")
    time.sleep(max(0.0, 5 - (time.monotonic_ns() - t_down) / 1e9))  # starting the capture may take longer
    t_up = w.link_up("cell0")
    log(f"      cell0 without carrier for {(t_up - t_down) // 1000000} ms "
        f"(then the rest of link-up, routes, endpoints, shaping, a ping, took "
        f"{(time.monotonic_ns() - t_up) // 1000000} ms)")
    outage = stop(during)
    client.wait(120)
    srv.wait(30)
    scan = stop(cap)
    c = thttp.events(out("b-client.log"), "progress")
    s = thttp.events(out("b-server.log"), "progress")
    # Trusted bytes the receiver gets during the outage must have been sent before it: anything sent with
    # the flag after the carrier went can only cross through wifi0.  (Bytes sent before may still reach
    # the application during the outage: they crossed on cell0 but waited in the receiver's queue behind
    # untrusted bytes that 1% loss on wifi0 made wifi0 retransmit.)  Progress every 20 ms bounds what was
    # sent "before": at most 20 ms of sends after t_down count as before.
    rx_c, tx_s = progress_at(c, t_up, "rx_trusted"), progress_after(s, t_down, "tx_trusted")
    rx_s, tx_c = progress_at(s, t_up, "rx_trusted"), progress_after(c, t_down, "tx_trusted")
    settle = t_down + 500_000_000
    late_c = rx_c - progress_at(c, settle, "rx_trusted")
    late_s = rx_s - progress_at(s, settle, "rx_trusted")
    sent_c = progress_at(c, t_up, "tx_trusted") - tx_c
    r_c, r_s = resumed_after(c, "rx_trusted", t_up), resumed_after(s, "rx_trusted", t_up)
    log(f"      trusted bytes received by the end of the outage / sent by its start: client {rx_c} / server "
        f"{tx_s}, server {rx_s} / client {tx_c}; received more than 0.5 s into it: client {late_c}, server "
        f"{late_s}; sent by the client during it: {sent_c}; trusted data resumed after {r_c} s (download), "
        f"{r_s} s (upload)")
    log(f"      trusted retransmissions sent again through the scheduler (resends): client "
        f"{policy(C).get('resends')}, server {policy(S).get('resends')}")
    outage_bytes = outage["totals"]["payload_bytes"]
    log(f"      wifi0 payload during the outage: {outage_bytes} B")
    check_le("(b) download: no trusted byte sent during the outage received during it (received by its end "
             "<= sent by its start)", rx_c, tx_s)
    check_le("(b) upload: no trusted byte sent during the outage received during it (received by its end "
             "<= sent by its start)", rx_s, tx_c)
    check_ge("(b) untrusted data kept flowing on wifi0 during the outage (payload bytes)", outage_bytes, 1)
    check_eq("(b) no trusted byte on wifi0 (no reinjection of trusted data in flight)",
             scan["totals"]["leak_bytes"], 0)
    limit = ksft.scaled(3)
    check(f"(b) trusted data flowed again within {limit:g} s of the carrier's return (download)",
          r_c is not None and 0 <= r_c <= limit, f"resumed after {r_c} s")
    check(f"(b) trusted data flowed again within {limit:g} s of the carrier's return (upload)",
          r_s is not None and 0 <= r_s <= limit, f"resumed after {r_s} s")
    ok_c, saw_c = thttp.done_ok(out("b-client.log"))
    ok_s, saw_s = thttp.done_ok(out("b-server.log"))
    check("(b) every byte arrived in order, both ways", ok_c and ok_s, f"client {saw_c}; server {saw_s}")
    daemon.stop()
    mpw("trust", "set", "cell0", "trusted")
    mpw("trust", "set", "wifi0", "untrusted")


def part_c(w, C, S, mpw):
    """First subflow: make wifi0 the default route, then look at where the MP_CAPABLE SYN goes."""
    proc.cmd(["ip", "route", "replace", "default", "via", w.wifi.gw, "dev", "wifi0", "metric", "1"], ns=C)

    def syns(first_subflow):
        mpw("policy", "set", "first-subflow", first_subflow)
        cw = capture(C, "wifi0", f"c-{first_subflow}-wifi0.pcap")
        cc = capture(C, "cell0", f"c-{first_subflow}-cell0.pcap")
        srv = thttp.server(S, out(f"c-{first_subflow}-server.log"))
        thttp.client_run(C, out(f"c-{first_subflow}-client.log"), "get", w.server_ip, "--size", "1K",
                         "--loads", "1")
        srv.wait(30)
        return thttp.mp_capable_syns(stop(cw)), thttp.mp_capable_syns(stop(cc))

    check_eq("(c) prefer: the MP_CAPABLE SYN left through cell0, not wifi0 (SYNs on wifi0, cell0)",
             syns("prefer"), (0, 1))
    check_eq("(c) off: the MP_CAPABLE SYN followed the route through wifi0 (SYNs on wifi0, cell0)",
             syns("off"), (1, 0))
    mpw("trust", "set", "cell0", "untrusted")
    mpw("policy", "set", "first-subflow", "strict")
    thttp.client_run(C, out("c-strict.log"), "get", w.server_ip, "--size", "1K", "--loads", "1",
                     "--no-trusted", "--timeout", "5")
    check_eq("(c) strict without a trusted interface: connect() fails with ENETUNREACH",
             thttp.error_of(out("c-strict.log")), "connect/ENETUNREACH")
    mpw("trust", "set", "cell0", "trusted")
    mpw("policy", "set", "first-subflow", "prefer")


def part_d(w, C, S, mpw):
    """Refused sends."""
    mpw("policy", "set", "trusted-sched", "off")
    srv = thttp.server(S, out("d-off-server.log"), "--no-trusted")
    thttp.client_run(C, out("d-off.log"), "get", w.server_ip, "--size", "1K", "--loads", "1", "--timeout", "5")
    srv.stop()
    check_eq("(d) trusted scheduler off: the trusted send fails with EOPNOTSUPP",
             thttp.error_of(out("d-off.log")), "send/EOPNOTSUPP")
    mpw("policy", "set", "trusted-sched", "on", "first-subflow", "off")
    cap = capture(C, "wifi0", "d-fallback-wifi0.pcap")
    srv = thttp.server(S, out("d-fallback-server.log"), "--tcp", "--no-trusted")
    thttp.client_run(C, out("d-fallback.log"), "get", w.server_ip, "--size", "1K", "--loads", "1",
                     "--timeout", "5")
    srv.stop()
    scan = stop(cap)
    check_eq("(d) fallback to TCP over wifi0: the trusted send fails with ENETUNREACH",
             thttp.error_of(out("d-fallback.log")), "send/ENETUNREACH")
    check_eq("(d) ... and no trusted byte reached wifi0", scan["totals"]["leak_bytes"], 0)
    proc.cmd(["ip", "route", "del", "default", "via", w.wifi.gw, "dev", "wifi0", "metric", "1"], ns=C)


def part_e(w, C, S, mpw):
    """Routing moves the first subflow (cell0's address, not bound: first-subflow off) onto wifi0.

    Two mechanisms hold trusted data back, and which one a segment meets depends on whether it was
    already on the subflow when the route moved:
      - a segment queued on the subflow before (a TCP retransmission) is not scheduled again: only the
        egress hook stands between it and wifi0, which drops it (egress_drops);
      - new trusted data meets the scheduler, which sees the subflow's route (its dst) through wifi0 and
        no trusted subflow left, and withholds it (waits).
    With lossless paths the first kind may never exist (the in-flight segments are acknowledged through
    cell0 before the subflow sends again), so for 0.5 s before the move everything the client sends on
    cell0 is lost: the subflow's trusted segments of that time are unacknowledged when the route moves and
    TCP must retransmit them, through wifi0.  Both counters are then due, and each is checked on its own.
    """
    mpw("policy", "set", "first-subflow", "off")
    before = policy(C)
    cap = capture(C, "wifi0", "e-wifi0.pcap")
    srv = thttp.server(S, out("e-server.log"))
    client = thttp.client(C, out("e-client.log"), "session", w.server_ip, "--messages", "600", "--rate", "100",
                          *SESSION, "--up", "1024", "--down", "1024", "--idle-timeout", "20")
    time.sleep(2)
    w.set_loss("cell0", 100)
    time.sleep(0.5)
    lost = policy(C)
    # policy routing sends the unbound first subflow (source cell0's address) through wifi0 meanwhile
    with w.reroute("cell0", "wifi0"):
        w.set_loss("cell0")
        time.sleep(3)
        moved = policy(C)
    client.wait(120)
    srv.wait(30)
    scan = stop(cap)
    drops = moved["egress_drops"] - lost["egress_drops"]
    waits = moved["waits"] - lost["waits"]
    log(f"      while rerouted: {drops} segments dropped at egress, {waits} picks withheld "
        f"(during the loss before: {lost['egress_drops'] - before['egress_drops']} drops, "
        f"{lost['waits'] - before['waits']} withheld; guard refusals while rerouted: "
        f"{moved['guard_refused'] - lost['guard_refused']})")
    check_ge("(e) trusted segments queued on the rerouted subflow were dropped at egress (egress drops)",
             drops, 1)
    check_ge("(e) new trusted data was not given to the rerouted subflow (withheld picks)", waits, 1)
    check("(e) the session completed in order once the route came back", *thttp.done_ok(out("e-client.log")))
    check_eq("(e) no trusted byte on wifi0", scan["totals"]["leak_bytes"], 0)
    mpw("policy", "set", "first-subflow", "prefer")


def part_f(w, C, mpw):
    """Privileges."""
    p = proc.cmd(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", paths.cli_path(), "trust",
                  "set", "cell0", "untrusted"], ns=C, check=False)
    check("(f) an unprivileged trust change is refused", p.returncode != 0,
          f"exit status {p.returncode}: {p.stdout.strip()} {p.stderr.strip()}")
    check_eq("(f) ... and changed nothing", trust_level(C, "cell0"), "trusted")


def part_g(w, C, S):
    """The module unloads cleanly in the middle of a trusted session (its ranges and work items go with it)."""
    srv = thttp.server(S, out("g-server.log"))
    client = thttp.client(C, out("g-client.log"), "session", w.server_ip, "--messages", "400", "--rate", "100",
                          *SESSION, "--up", "1024", "--down", "1024", "--idle-timeout", "20")
    time.sleep(2)
    check_ge("(g) connections hold trusted ranges before the unload", policy(C)["connections"], 1)
    dmesg_before = len(proc.cmd(["dmesg"]).stdout)
    p = proc.cmd(["rmmod", "mpwifi"], check=False)
    check("(g) rmmod under trusted traffic", p.returncode == 0, p.stderr.strip())
    client.wait(120)
    srv.wait(30)
    resets = "connections that carried trusted data" in proc.cmd(["dmesg"]).stdout[dmesg_before:]
    done, saw = thttp.done_ok(out("g-client.log"))
    err = thttp.error_of(out("g-client.log"))
    log(f"      after the unload: {saw}; client error {err or 'none'}; resets logged: {resets}")
    check("(g) the session completed in order, or was reset at the unload (and the log says so)",
          done or (resets and err != ""), f"{saw}; error {err}; resets logged {resets}")


if __name__ == "__main__":
    ksft.run(main)
