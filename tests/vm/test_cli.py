#!/usr/bin/env python3
"""The CLI and the netlink family at their edges: module absent, permissions, bad arguments, and requests
the kernel must refuse with a clear message.  The kernel's own policies are exercised without the CLI in
front through mpwtest.genl (requests encoded from the family's spec; malformed ones built by hand)."""
import errno
import json
import os
import socket
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.realpath(__file__)), "../lib"))
from mpwtest import kmod, ksft, paths, proc  # noqa: E402
from mpwtest.genl import Mpwifi, NlError, nla  # noqa: E402
from mpwtest.ksft import check, check_eq  # noqa: E402

NOBODY = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]


def run(*args, nobody=False):
    """The CLI with ARGS (optionally as nobody): the CompletedProcess, whatever its exit status."""
    return proc.cmd((NOBODY if nobody else []) + [paths.cli_path(), *map(str, args)], check=False)


def js(*args):
    return json.loads(proc.cmd([paths.cli_path(), "-j", *map(str, args)]).stdout)


def said(p):
    """What a command printed, for a FAIL line."""
    return f"exit status {p.returncode}: {(p.stdout + p.stderr).strip()[-300:]}"


def check_exit(desc, p, status):
    check(desc, p.returncode == status, said(p))


def refused(m, op, attrs, want_errno=None, want_extack=None):
    """(ok, what was seen): the kernel refused OP with ATTRS (with WANT_ERRNO / a message holding
    WANT_EXTACK when given)."""
    try:
        m.do(op, attrs)
    except NlError as e:
        name = errno.errorcode.get(e.errno, str(e.errno))
        ok = (want_errno is None or e.errno == want_errno) and (want_extack is None or want_extack in e.extack)
        return ok, f"{name}: {e.extack}"
    return False, "accepted"


def raw_refused(m, op, payload, want_errno=None, want_extack=None):
    r = m.raw(op, payload)
    name = errno.errorcode.get(r.errno, str(r.errno)) if r.errno else "accepted"
    ok = r.errno != 0 and (want_errno is None or r.errno == want_errno) and \
        (want_extack is None or want_extack in r.extack)
    return ok, f"{name}: {r.extack}"


def main():
    p = run("ap", "show")
    check_exit("module absent: exit 1", p, 1)
    check("module absent: says so", "kernel module is not loaded" in p.stdout + p.stderr, said(p))

    kmod.load()
    m = Mpwifi()
    check_eq("no stations: empty JSON array", proc.cmd([paths.cli_path(), "-j", "ap", "show"]).stdout.strip(), "[]")
    p = run("ap", "show", nobody=True)
    check_exit("reading needs no privilege", p, 0)
    p = run("config", "set", "window-ms", 100, nobody=True)
    check_exit("unprivileged config set refused", p, 1)
    check("... with a clear message", "CAP_NET_ADMIN" in p.stdout + p.stderr, said(p))
    check_eq("... and nothing changed", js("config", "show")["window_ms"], 500)
    p = run("ap", "flush", nobody=True)
    check("unprivileged flush refused", p.returncode != 0, said(p))

    check_exit("CLI rejects an out-of-range window (exit 2)", run("config", "set", "window-ms", 20), 2)
    check_exit("CLI rejects an unknown object (exit 2)", run("bogus"), 2)
    p = run("ap", "show", "dev", "nosuchif")
    check("CLI rejects an unknown interface", p.returncode != 0, said(p))

    # the kernel's own policies, without the CLI in front
    check("kernel: window 49 ms refused", *refused(m, "config-set", {"config": {"window-ms": 49}}, errno.ERANGE))
    check("kernel: window 10001 ms refused",
          *refused(m, "config-set", {"config": {"window-ms": 10001}}, errno.ERANGE))
    check("kernel: read-only max_aps refused", *refused(m, "config-set", {"config": {"max-aps": 3}}, errno.EINVAL))
    check("kernel: empty config refused with a message",
          *refused(m, "config-set", {"config": {}}, want_extack="nothing to change"))
    check("kernel: unknown top-level attribute refused", *raw_refused(m, "ap-flush", nla(60, b"\0" * 4)))
    ifindex = m.spec.attr("mpwifi", "ifindex")["value"]
    check("kernel: ifindex of wrong size refused", *raw_refused(m, "ap-flush", nla(ifindex, b"\x01\x00")))
    lo = socket.if_nametoindex("lo")
    check("kernel: flush of a non-wireless interface refused",
          *refused(m, "ap-flush", {"ifindex": lo}, want_extack="not a wireless interface"))
    try:
        m.do("config-set", {"config": {"window-ms": 750}})
        check("kernel: valid window accepted", True)
    except NlError as e:
        check("kernel: valid window accepted", False, str(e))
    check_eq("... and applied", js("config", "show")["window_ms"], 750)

    # ECN settings: the CLI, then the kernel's policy without the CLI in front; refused requests change nothing
    defaults = {"enabled": True, "law": "uncoupled", "threshold_pct": 20, "cap_pct": 5, "budget_pct": 10,
                "min_frames": 20, "stale_ms": 1000, "best_packet_time_us": None}
    check_eq("ecn show: the defaults", js("ecn", "show"), defaults)
    p = run("ecn", "set", "cap", 1, nobody=True)
    check("unprivileged ecn set refused", p.returncode != 0, said(p))
    check_exit("CLI rejects cap 101% (exit 2)", run("ecn", "set", "cap", 101), 2)
    check_exit("CLI rejects an unknown law (exit 2)", run("ecn", "set", "law", "coupled"), 2)
    check("kernel: law 2 refused", *refused(m, "ecn-set", {"ecn": {"law": 2}}, errno.ERANGE))
    check("kernel: enabled 2 refused", *refused(m, "ecn-set", {"ecn": {"enabled": 2}}, errno.ERANGE))
    check("kernel: cap above 100% refused", *refused(m, "ecn-set", {"ecn": {"cap-ppm": 1000001}}, errno.ERANGE))
    check("kernel: budget 0 refused", *refused(m, "ecn-set", {"ecn": {"budget-ppm": 0}}, errno.ERANGE))
    check("kernel: stale 9 ms refused", *refused(m, "ecn-set", {"ecn": {"stale-ms": 9}}, errno.ERANGE))
    check("kernel: read-only best packet time refused",
          *refused(m, "ecn-set", {"ecn": {"best-packet-time-ns": 1}}, want_extack="read-only"))
    check("kernel: empty ECN request refused with a message",
          *refused(m, "ecn-set", {"ecn": {}}, want_extack="nothing to change"))
    check("kernel: a bad field refuses the whole request",
          *refused(m, "ecn-set", {"ecn": {"cap-ppm": 20000, "law": 7}}, errno.ERANGE))
    check_eq("... and nothing changed", js("ecn", "show"), defaults)
    p = run("ecn", "set", "enabled", "off", "law", "seed", "threshold", 12.5, "cap", 0.0217, "budget", 3,
            "min-frames", 40, "stale-ms", 250)
    check_exit("CLI: every setting at once", p, 0)
    check_eq("... applied", js("ecn", "show"),
             {"enabled": False, "law": "seed", "threshold_pct": 12.5, "cap_pct": 0.0217, "budget_pct": 3,
              "min_frames": 40, "stale_ms": 250, "best_packet_time_us": None})

    trust(m)


def trust(m):
    """Trust, peers and policy: the CLI, then the kernel's policies without the CLI in front.  The module
    always has the trust commands: a CLI that finds none fails here."""
    p = run("trust", "show")
    check_exit("trust show works (the module has the trust commands)", p, 0)

    def trust_of(ifname):
        r = js("trust", "show", ifname)[0]
        return r["level"], r["source"]

    proc.cmd(["ip", "link", "add", "cli-dummy0", "type", "dummy"])
    ksft.defer(proc.cmd, ["ip", "link", "del", "cli-dummy0"], check=False)
    dummy, lo = socket.if_nametoindex("cli-dummy0"), socket.if_nametoindex("lo")
    check("trust show lists every interface", any(r["ifname"] == "cli-dummy0" for r in js("trust", "show")),
          f"interfaces: {[r['ifname'] for r in js('trust', 'show')]}")
    check_eq("an unclassified interface: untrusted, source none", trust_of("cli-dummy0"), ("untrusted", "none"))
    p = run("trust", "show", "nosuchif")
    check("trust show of an unknown interface fails", p.returncode != 0, said(p))
    p = run("trust", "set", "nosuchif", "trusted")
    check("trust set of an unknown interface fails", p.returncode != 0, said(p))
    p = run("trust", "set", "cli-dummy0", "trusted", nobody=True)
    check_exit("unprivileged trust set refused", p, 1)
    check("... with a clear message", "CAP_NET_ADMIN" in p.stdout + p.stderr, said(p))
    check_eq("... and nothing changed", trust_of("cli-dummy0"), ("untrusted", "none"))
    check_exit("reading trust needs no privilege", run("trust", "show", nobody=True), 0)
    check_exit("manual trusted", run("trust", "set", "cli-dummy0", "trusted"), 0)
    check_eq("... shown as manual", trust_of("cli-dummy0"), ("trusted", "manual"))
    check("kernel: auto over manual refused with EBUSY",
          *refused(m, "trust-set", {"trust": {"ifindex": dummy, "source": "auto", "level": "untrusted"}},
                   errno.EBUSY))
    check_exit("trust set auto forgets the manual level", run("trust", "set", "cli-dummy0", "auto"), 0)
    check_eq("... back to untrusted, source none", trust_of("cli-dummy0"), ("untrusted", "none"))
    check("kernel: level 2 refused",
          *refused(m, "trust-set", {"trust": {"ifindex": lo, "source": "manual", "level": 2}}))
    check("kernel: source 3 refused",
          *refused(m, "trust-set", {"trust": {"ifindex": lo, "source": 3, "level": "trusted"}}))
    check("kernel: a manual level without a level refused",
          *refused(m, "trust-set", {"trust": {"ifindex": lo, "source": "manual"}}))
    lo_source = js("trust", "show", "lo")[0]["source"]
    check("... and nothing changed (lo's level is not manual)", lo_source != "manual", f"lo's source is {lo_source}")

    check_exit("CLI rejects a prefix with host bits (exit 2)", run("trust", "peer", "add", "10.0.0.1/8", "trusted"), 2)
    check_exit("CLI rejects a bad prefix length (exit 2)",
               run("trust", "peer", "add", "2001:db8::/129", "trusted"), 2)
    check_exit("CLI rejects a bad level (exit 2)", run("trust", "set", "lo", "maybe"), 2)
    p = run("trust", "peer", "add", "192.0.2.0/24", "trusted", nobody=True)
    check("unprivileged peer add refused", p.returncode != 0, said(p))
    check_exit("peer add", run("trust", "peer", "add", "192.0.2.0/24", "trusted"), 0)
    check_exit("peer add (IPv6 host)", run("trust", "peer", "add", "2001:db8::7", "untrusted"), 0)
    check_eq("... both shown (in any order)", sorted((p["prefix"], p["level"]) for p in js("trust", "peer", "show")),
             [("192.0.2.0/24", "trusted"), ("2001:db8::7/128", "untrusted")])
    v4 = socket.AF_INET
    check("kernel: host bits refused", *refused(m, "peer-add", {"peer": {
        "family": v4, "addr": bytes([10, 0, 0, 1]), "prefix-len": 8, "level": "trusted"}}))
    check("kernel: prefix length 33 refused", *refused(m, "peer-add", {"peer": {
        "family": v4, "addr": bytes([10, 0, 0, 0]), "prefix-len": 33, "level": "trusted"}}))
    check("kernel: address of the wrong size refused", *refused(m, "peer-add", {"peer": {
        "family": v4, "addr": bytes([10, 0, 0, 0, 0, 0]), "prefix-len": 8, "level": "trusted"}}))
    check_exit("peer del", run("trust", "peer", "del", "192.0.2.0/24"), 0)
    check_eq("... gone", proc.cmd([paths.cli_path(), "-j", "trust", "peer", "show"]).stdout.strip(),
             '[{"prefix":"2001:db8::7/128","level":"untrusted"}]')

    def policy():
        p = js("policy", "show")
        return p["first_subflow"], p["trusted_sched"], p["peer_default"]

    before = policy()
    p = run("policy", "set", "trusted-sched", "off", nobody=True)
    check("unprivileged policy set refused", p.returncode != 0, said(p))
    check_exit("CLI rejects an unknown first-subflow policy (exit 2)",
               run("policy", "set", "first-subflow", "always"), 2)
    check("kernel: first_subflow 3 refused", *refused(m, "policy-set", {"policy": {"first-subflow": 3}}))
    check("kernel: trusted_sched 2 refused", *refused(m, "policy-set", {"policy": {"trusted-sched": 2}}))
    check("kernel: a bad field refuses the whole request",
          *refused(m, "policy-set", {"policy": {"first-subflow": 2, "peer-default": 9}}))
    check("kernel: read-only counters refused", *refused(m, "policy-set", {"policy": {"waits": 1}}))
    check_eq("... and nothing changed", policy(), before)
    check_exit("policy set, every setting in one request",
               run("policy", "set", "first-subflow", "prefer", "trusted-sched", "off", "peer-default", "trusted"), 0)
    check_eq("... applied", policy(), ("prefer", False, "trusted"))
    p = run("policy", "show")
    check("policy show (text) has the counters", any(line.startswith("trusted-sends ")
                                                     for line in p.stdout.splitlines()), said(p))


if __name__ == "__main__":
    ksft.run(main)
