#!/usr/bin/env python3
"""Trusted bytes acknowledged at the MPTCP level while a subflow's TCP still holds them, in the two-path
world (mpwtest.pathsim; cell0 trusted, wifi0 untrusted; trusted bytes are uppercase/digits/punctuation,
the rest a-z, as in test_trusted).

The first subflow (cell0's address, first-subflow off) carries a paced trusted session.  For 1.5 s every
packet the router sends the client on cell0 is lost: the server receives the client's cell0 segments but
its TCP acknowledgements of them never arrive, while its DATA_ACKs do, on the packets it sends through
wifi0.  The client's MPTCP acknowledgement thus passes trusted bytes its cell0 TCP has not seen
acknowledged, and the session's next trusted send used to forget their ranges.  Then routing moves the
subflow onto wifi0 (a rule for cell0's address) and the loss ends: TCP retransmits the unacknowledged
segments through wifi0, where only the egress hook stands between them and the wire.
  - no trusted byte appears on wifi0 (pcap-scan of a full capture);
  - trusted segments were dropped at egress while rerouted (egress drops >= 1);
  - once the rule goes, the session completes with every byte in order.
"""
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.realpath(__file__)), "../lib"))
from mpwtest import cli, kmod, ksft, thttp  # noqa: E402
from mpwtest.capture import Capture  # noqa: E402
from mpwtest.ksft import check, check_eq, check_ge, log  # noqa: E402
from mpwtest.pathsim import PathWorld  # noqa: E402

OUT = os.environ.get("MPWIFI_VM_OUT", "/tmp")


def out(name):
    return os.path.join(OUT, name)


def policy(ns):
    return cli.mpwifi("policy", "show", ns=ns)


def main():
    kmod.load()
    w = PathWorld(wifi_rate=20, wifi_delay=5, cell_rate=10, cell_delay=20).up()
    C, S = w.cli_ns, w.srv_ns
    w.trust_only("cell0")
    cli.mpwifi("policy", "set", "first-subflow", "off", ns=C, json=False)

    cap = Capture(C, "wifi0", snaplen=0, path=out("wifi0.pcap")).start()
    srv = thttp.server(S, out("server.log"))
    client = thttp.client(C, out("client.log"), "session", w.server_ip, "--messages", "600", "--rate", "100",
                          "--header", "64", "--up", "1024", "--down", "1024", "--idle-timeout", "30")
    time.sleep(2)
    before = policy(C)
    w.set_loss("cell0", 100, end="router")
    time.sleep(1.5)
    with w.reroute("cell0", "wifi0"):
        w.set_loss("cell0", end="router")
        time.sleep(4)
        moved = policy(C)
    client.wait(120)
    srv.wait(30)
    time.sleep(0.5)
    cap.stop()
    scan = thttp.scan(cap.path)
    drops = moved["egress_drops"] - before["egress_drops"]
    log(f"      while rerouted: {drops} segments dropped at egress, "
        f"{moved['waits'] - before['waits']} picks withheld; wifi0 retransmitted segments "
        f"{scan['totals']['retransmitted_segments']}")
    check_eq("no trusted byte on wifi0 (pcap-scan)", scan["totals"]["leak_bytes"], 0)
    check_ge("trusted segments held by the rerouted subflow were dropped at egress (egress drops)", drops, 1)
    check("the session completed in order once the route came back", *thttp.done_ok(out("client.log")))
    check("the server verified every message", *thttp.done_ok(out("server.log")))


ksft.run(main)
