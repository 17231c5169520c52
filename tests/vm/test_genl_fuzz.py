#!/usr/bin/env python3
"""The mpwifi generic netlink family under random and mutated requests.

Messages are built from the spec (include/uapi/linux/mpwifi.yaml, through mpwtest.genl): every command
number of the family and some it does not have, valid headers with attributes of the right sets and
random values, random attribute numbers and payloads, truncated and oversized attributes, nests
holding another set's attributes or missing their flag, deep nesting, byte flips of valid requests,
odd versions and reserved bits, bodies shorter than the generic netlink header.  Four phases:
  privileged     root in the root namespace;
  unprivileged   a child that drops to uid/gid 65534 with no capabilities, in the root namespace:
                 every admin command must be refused (EPERM) and nothing readable may change;
  no caps        a child that stays uid 0 but drops every capability: the same;
  own namespace  root talking to a namespace of its own: the root namespace and another namespace must
                 not change.  (A user namespace of uid 65534 would be the better case, but the test VM
                 runs chrooted, where the kernel refuses to create user namespaces.)
Afterwards the module must still answer exactly (a known configuration round-trips, the dumps work) and
the kernel log must be clean.  The generator is seeded: the seed is printed and MPWIFI_FUZZ_SEED sets
it; MPWIFI_FUZZ_SCALE multiplies the message counts (default 1: 12500 messages)."""
import ctypes
import errno
import json
import os
import random
import struct
import sys
import time
from collections import Counter

sys.path.insert(0, os.path.join(os.path.dirname(os.path.realpath(__file__)), "../lib"))
from mpwtest import genl, kmod, ksft, proc  # noqa: E402
from mpwtest.ksft import check, check_eq, check_ge, log  # noqa: E402

NOBODY = 65534
OTHER_NS = "fuzz-other"
SCALE = float(os.environ.get("MPWIFI_FUZZ_SCALE", "1"))
COUNTS = {"privileged": int(6000 * SCALE), "unprivileged": int(3000 * SCALE), "no caps": int(1500 * SCALE),
          "own namespace": int(2000 * SCALE)}
OWN_NS = "fuzz-own"
SCALAR_BITS = {"u8": 8, "u16": 16, "u32": 32, "u64": 64, "s8": 8, "s16": 16, "s32": 32, "s64": 64}
# the known state the privileged setup writes and every check compares against
KNOWN_CONFIG = {"window-ms": 750}
KNOWN_ECN = {"enabled": 1, "law": "uncoupled", "threshold-ppm": 123456, "cap-ppm": 40000,
             "budget-ppm": 5000, "min-frames": 17, "stale-ms": 1500}
KNOWN_POLICY = {"first-subflow": "prefer", "trusted-sched": 1, "peer-default": "untrusted"}
KNOWN_PEER = {"family": 2, "addr": bytes([10, 77, 0, 0]), "prefix-len": 16, "level": "trusted"}


class Generator:
    """Requests of the family, from its spec, driven by one seeded random source."""

    def __init__(self, rng, spec):
        self.rng, self.spec = rng, spec
        self.op_values = sorted(v for v in spec.ops_by_value if v)
        self.request_ops = [o["value"] for o in spec.ops.values() if "do" in o or "dump" in o]
        self.dump_ops = {o["value"] for o in spec.ops.values() if "dump" in o}
        self.admin_ops = {o["value"] for o in spec.ops.values() if "uns-admin-perm" in o.get("flags", [])}
        self.set_names = list(spec.attr_sets)

    # --- values -----------------------------------------------------------------------------------
    def _bound(self, v):
        return self.spec.consts.get(v, v) if isinstance(v, str) else v

    def scalar(self, a):
        bits = SCALAR_BITS[a["type"]]
        top = (1 << bits) - 1
        cands = [0, 1, top, top - 1, self.rng.getrandbits(bits), self.rng.randrange(0, 300)]
        checks = a.get("checks", {})
        if self.rng.random() < 0.5:  # in range: requests the module should take
            if "enum" in a:
                return struct.pack("=" + {8: "B", 16: "H", 32: "I", 64: "Q"}[bits],
                                   self.rng.randrange(len(self.spec.enums[a["enum"]])))
            lo, hi = self._bound(checks.get("min", 0)), self._bound(checks.get("max", min(top, 1000)))
            return struct.pack("=" + {8: "B", 16: "H", 32: "I", 64: "Q"}[bits], self.rng.randint(lo, hi))
        for key in ("min", "max"):
            if key in checks:
                b = self._bound(checks[key])
                cands += [max(0, b - 1), b, min(top, b + 1)]
        if "enum" in a:
            n = len(self.spec.enums[a["enum"]])
            cands += list(range(n)) * 3 + [n, n + 1]
        if a["name"] == "family":
            cands += [2, 10, 2, 10, 17]  # AF_INET, AF_INET6, AF_PACKET
        fmt = "=" + {8: "B", 16: "H", 32: "I", 64: "Q"}[bits]
        return struct.pack(fmt, self.rng.choice(cands) & top)

    def text(self, limit):
        n = self.rng.choice([0, 1, 3, limit - 1, limit, limit + 1, self.rng.randrange(0, 40),
                             self.rng.randrange(0, 400)])
        name = self.rng.choice([b"lo", b"dummy0", b"fz0", b"wlan0", b"sta1"])
        body = name if self.rng.random() < 0.4 else bytes(self.rng.randrange(1, 256) for _ in range(max(n, 0)))
        return body + (b"\0" if self.rng.random() < 0.7 else b"")

    def binary(self, a):
        exact = a.get("checks", {}).get("exact-len")
        lens = [0, 1, 4, 6, 16, 17, self.rng.randrange(0, 64)]
        if exact:
            lens += [exact] * 4 + [exact - 1, exact + 1]
        return self.rng.randbytes(self.rng.choice(lens))

    def value(self, a, depth):
        t = a["type"]
        if t in SCALAR_BITS:
            return self.scalar(a)
        if t == "string":
            return self.text(a.get("checks", {}).get("max-len", 15) + 1)
        if t == "binary" or t == "unused":
            return self.binary(a)
        if t == "pad":
            return self.rng.randbytes(self.rng.choice([0, 4, 8]))
        if t == "flag":
            return b"" if self.rng.random() < 0.8 else self.rng.randbytes(4)
        if t == "nest":
            return self.attrs(a["nested-attributes"], depth + 1)
        return self.rng.randbytes(self.rng.randrange(0, 16))

    # --- attributes ---------------------------------------------------------------------------------
    def attr(self, set_name, depth):
        """One attribute of SET_NAME (any of them, including read-only and reply-only ones)."""
        by_name = self.spec.attr_sets[set_name][0]
        a = self.rng.choice(list(by_name.values()))
        nested = a["type"] == "nest"
        atype = a["value"] | (genl.NLA_F_NESTED if nested and self.rng.random() < 0.9 else 0)
        return genl.nla(atype, self.value(a, depth) if depth < 4 else b"")

    def attrs(self, set_name, depth=0):
        return b"".join(self.attr(set_name, depth) for _ in range(self.rng.choice([0, 1, 1, 2, 3, 5])))

    def request_attrs(self, op):
        """Attributes an operation takes, with random values (the top-level set of the family)."""
        o = self.spec.ops_by_value.get(op)
        wanted = []
        if o:
            for kind in ("do", "dump"):
                wanted += (o.get(kind) or {}).get("request", {}).get("attributes", [])
            wanted += (o.get("event") or {}).get("attributes", [])
        top = self.spec.attr_sets[self.spec.name][0]
        if not wanted and self.rng.random() < 0.5:
            return b""  # the commands without input, as they are meant to be sent
        names = wanted or [self.rng.choice(list(top))]
        out = b""
        for name in names:
            a = top[name]
            if a["type"] == "nest":
                out += genl.nla(a["value"] | genl.NLA_F_NESTED, self.attrs(a["nested-attributes"], 1) or
                                self.attr(a["nested-attributes"], 1))
            else:
                out += genl.nla(a["value"], self.value(a, 1))
        return out

    # --- strategies -----------------------------------------------------------------------------------
    def s_valid(self, op):
        return self.request_attrs(op)

    def s_random_attrs(self, op):
        out = b""
        for _ in range(self.rng.randrange(1, 6)):
            atype = self.rng.choice([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 30, 0x3fff, self.rng.getrandbits(14)])
            if self.rng.random() < 0.3:
                atype |= genl.NLA_F_NESTED
            if self.rng.random() < 0.05:
                atype |= 0x4000  # NLA_F_NET_BYTEORDER
            out += genl.nla(atype, self.rng.randbytes(self.rng.choice([0, 1, 2, 4, 5, 8, 12, 16, 33, 200])))
        return out

    def s_wrong_nest(self, op):
        top = self.spec.attr_sets[self.spec.name][0]
        nests = [a for a in top.values() if a["type"] == "nest"]
        a = self.rng.choice(nests)
        kind = self.rng.randrange(5)
        if kind == 0:  # another set's attributes inside
            other = self.rng.choice([s for s in self.set_names if s != a["nested-attributes"]])
            return genl.nla(a["value"] | genl.NLA_F_NESTED, self.attrs(other, 1) or self.attr(other, 1))
        if kind == 1:  # a nest without NLA_F_NESTED
            return genl.nla(a["value"], self.attrs(a["nested-attributes"], 1))
        if kind == 2:  # a scalar marked nested
            s = [x for x in top.values() if x["type"] == "u32"]
            return genl.nla(s[0]["value"] | genl.NLA_F_NESTED, genl.nla(1, b"\1\0\0\0"))
        if kind == 3:  # deep nesting
            inner = self.attr(a["nested-attributes"], 1)
            for _ in range(self.rng.randrange(2, 40)):
                inner = genl.nla(self.rng.choice(nests)["value"] | genl.NLA_F_NESTED, inner)
            return inner
        # the same nest twice, the second one malformed
        body = self.attrs(a["nested-attributes"], 1)
        return genl.nla(a["value"] | genl.NLA_F_NESTED, body) + \
            genl.nla(a["value"] | genl.NLA_F_NESTED, self.rng.randbytes(self.rng.randrange(1, 12)))

    def s_truncated(self, op):
        good = self.request_attrs(op) + self.s_random_attrs(op)
        kind = self.rng.randrange(4)
        if kind == 0 and len(good) > 1:  # cut anywhere
            return good[:self.rng.randrange(1, len(good))]
        if kind == 1:  # a length claiming more than the message holds
            return struct.pack("=HH", self.rng.randrange(8, 65535), self.rng.randrange(1, 9)) + b"\0" * 4
        if kind == 2:  # a length below the attribute header
            return struct.pack("=HH", self.rng.randrange(0, 4), self.rng.randrange(1, 9)) + good
        # a nest whose inner attribute overruns it
        top = self.spec.attr_sets[self.spec.name][0]
        a = self.rng.choice([x for x in top.values() if x["type"] == "nest"])
        inner = struct.pack("=HH", 40, 1) + b"\1\0\0\0"
        return struct.pack("=HH", 4 + len(inner), a["value"] | genl.NLA_F_NESTED) + inner + b"\0" * 40

    def s_oversized(self, op):
        top = self.spec.attr_sets[self.spec.name][0]
        a = self.rng.choice(list(top.values()))
        size = self.rng.choice([5, 9, 17, 64, 300, 4096, 65000])
        if a["type"] == "nest":
            sub = self.rng.choice(list(self.spec.attr_sets[a["nested-attributes"]][0].values()))
            return genl.nla(a["value"] | genl.NLA_F_NESTED,
                            genl.nla(sub["value"], self.rng.randbytes(min(size, 65000 - 8))))
        return genl.nla(a["value"], self.rng.randbytes(size))

    def s_mutated(self, op):
        buf = bytearray(self.request_attrs(op))
        if not buf:
            return bytes(self.rng.randbytes(self.rng.randrange(1, 16)))
        for _ in range(self.rng.randrange(1, 5)):
            i = self.rng.randrange(len(buf))
            r = self.rng.random()
            if r < 0.6:
                buf[i] ^= 1 << self.rng.randrange(8)
            elif r < 0.8:
                buf[i] = self.rng.randrange(256)
            else:
                buf[i:i] = self.rng.randbytes(self.rng.randrange(1, 5))
        return bytes(buf)

    STRATEGIES = ("valid", "random_attrs", "wrong_nest", "truncated", "oversized", "mutated")

    def message(self):
        """(strategy, cmd, version, reserved, flags, payload or None) of one request; payload None: a
        body shorter than the generic netlink header (a few random bytes, in `reserved`)."""
        rng = self.rng
        r = rng.random()
        if r < 0.7:  # requests the family serves reach its policies and handlers
            cmd = rng.choice(self.request_ops)
        elif r < 0.9:
            cmd = rng.choice(self.op_values)
        else:
            cmd = rng.choice([0, max(self.op_values) + 1, max(self.op_values) + 2, 64, 255])
        strategy = rng.choice(self.STRATEGIES)
        payload = getattr(self, "s_" + strategy)(cmd)
        version = self.spec.version if rng.random() < 0.9 else rng.randrange(256)
        reserved = 0 if rng.random() < 0.95 else rng.randrange(1, 65536)
        flags = genl.NLM_F_REQUEST | genl.NLM_F_ACK
        r = rng.random()
        if (cmd in self.dump_ops) != (r < 0.1):  # the right kind of request, mostly
            flags |= genl.NLM_F_DUMP
        if rng.random() < 0.03:
            flags |= rng.choice([0x8, 0x10, 0x20, 0x100, 0x200, 0x400, 0x800])
        if rng.random() < 0.01:
            return "short-header", cmd, version, reserved, flags, None
        return strategy, cmd, version, reserved, flags, payload


def fuzz(phase, count, seed, ns=None):
    """Sends COUNT requests of Generator(seed) from this process; the figures as a dict."""
    rng = random.Random(f"{seed}/{phase}")
    g = Generator(rng, genl.spec())
    m = genl.Mpwifi(ns=ns)
    figures = {"sent": 0, "replies": 0, "ok": 0, "errors": Counter(), "timeouts": 0, "admin_ok": [],
               "by_strategy": Counter(), "by_cmd": Counter(), "recent": []}
    for i in range(count):
        strategy, cmd, version, reserved, flags, payload = g.message()
        figures["by_strategy"][strategy] += 1
        figures["by_cmd"][cmd] += 1
        if payload is None:
            body = struct.pack("=B", cmd)[:rng.randrange(0, 2)] + rng.randbytes(rng.randrange(0, 3))
        else:
            body = struct.pack("=BBH", cmd, version, reserved) + payload
        figures["recent"] = (figures["recent"] + [f"{i} {strategy} flags={flags:#x} {body.hex()[:400]}"])[-5:]
        try:
            err, _, _, replies = m._exchange(m.family_id, flags, body)  # noqa: SLF001 - any header, any body
        except TimeoutError:
            figures["timeouts"] += 1
            m.close()
            m = genl.Mpwifi(ns=ns)
            continue
        figures["sent"] += 1
        figures["replies"] += len(replies)
        if err:
            figures["errors"][errno.errorcode.get(err, str(err))] += 1
        else:
            figures["ok"] += 1
            if cmd in g.admin_ops and payload is not None:
                figures["admin_ok"].append(f"{i} {strategy} cmd {cmd}: {body.hex()[:200]}")
    m.close()
    return figures


def in_child(fn):
    """Runs FN() in a forked child and returns what it returned (JSON through a pipe), or raises."""
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(r)
        try:
            result = {"ok": fn()}
        except BaseException as e:  # noqa: BLE001 - reported to the parent
            result = {"error": f"{type(e).__name__}: {e}"}
        with os.fdopen(w, "w") as f:
            json.dump(result, f, default=lambda o: dict(o) if isinstance(o, Counter) else str(o))
        os._exit(0)
    os.close(w)
    with os.fdopen(r) as f:
        data = f.read()
    os.waitpid(pid, 0)
    result = json.loads(data) if data else {"error": "child died without a result"}
    if "error" in result:
        raise RuntimeError(result["error"])
    out = result["ok"]
    for k in ("errors", "by_strategy"):
        out[k] = Counter(out[k])
    out["by_cmd"] = Counter({int(k): v for k, v in out["by_cmd"].items()})  # JSON keys are strings
    return out


def drop_privileges():
    os.setgroups([])
    os.setgid(NOBODY)
    os.setuid(NOBODY)


def drop_capabilities():
    """uid 0 with empty effective, permitted and inheritable capability sets (capset(2), version 3)."""
    header = struct.pack("=Ii", 0x20080522, 0)
    data = bytes(24)
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.capset(ctypes.c_char_p(header), ctypes.c_char_p(data)):
        raise OSError(ctypes.get_errno(), "capset")
    with open("/proc/self/status") as f:
        eff = [line.split()[1] for line in f if line.startswith("CapEff:")][0]
    if int(eff, 16):
        raise RuntimeError(f"capabilities left: CapEff {eff}")


def snapshot(ns=None):
    """Everything the family lets anyone read in NS, decoded."""
    with genl.Mpwifi(ns=ns) as m:
        return {"config": m.do("config-get"), "ecn": m.do("ecn-get"), "policy": m.do("policy-get"),
                "trust": m.dump("trust-get"), "peers": m.dump("peer-get"), "aps": m.dump("ap-get")}


def diff(before, after):
    return [f"{k}: {before[k]!r} -> {after[k]!r}" for k in before if before[k] != after[k]]


def set_known_state(ns, ifname):
    """The known configuration, written through the family; returns the interface's index."""
    ifindex = int(proc.cmd(["cat", f"/sys/class/net/{ifname}/ifindex"], ns=ns).stdout)
    with genl.Mpwifi(ns=ns) as m:
        m.do("config-set", {"config": KNOWN_CONFIG})
        m.do("ecn-set", {"ecn": KNOWN_ECN})
        m.do("policy-set", {"policy": KNOWN_POLICY})
        m.do("trust-set", {"trust": {"ifindex": ifindex, "level": "trusted", "source": "manual"}})
        for row in m.dump("peer-get"):  # whatever a privileged phase added, up to the table's limit
            p = row["peer"]
            m.do("peer-del", {"peer": {k: p[k] for k in ("family", "addr", "prefix-len")}})
        m.do("peer-add", {"peer": KNOWN_PEER})
    return ifindex


def check_known_state(label, ns, ifindex):
    """The module answers exactly what set_known_state wrote, and its dumps work."""
    s = snapshot(ns)
    check_eq(f"{label}: config round-trips (window-ms)", s["config"]["config"].get("window-ms"),
             KNOWN_CONFIG["window-ms"])
    ecn = s["ecn"]["ecn"]
    check_eq(f"{label}: ECN settings round-trip", {k: ecn.get(k) for k in KNOWN_ECN}, KNOWN_ECN)
    pol = s["policy"]["policy"]
    check_eq(f"{label}: policy settings round-trip", {k: pol.get(k) for k in KNOWN_POLICY}, KNOWN_POLICY)
    rows = [r["trust"] for r in s["trust"] if r["trust"].get("ifindex") == ifindex]
    check_eq(f"{label}: trust dump holds the interface, trusted by hand",
             [(r.get("level"), r.get("source")) for r in rows], [("trusted", "manual")])
    peers = [r["peer"] for r in s["peers"]]
    check(f"{label}: peer dump holds the known prefix",
          any(p.get("addr") == KNOWN_PEER["addr"] and p.get("prefix-len") == 16 and p.get("level") == "trusted"
              for p in peers), peers)
    check(f"{label}: AP dump answers (a list)", isinstance(s["aps"], list), s["aps"])
    return s


def report(phase, f, seconds):
    errs = ", ".join(f"{k} {v}" for k, v in f["errors"].most_common())
    log(f"      {phase}: {f['sent']} messages in {seconds:.0f} s, {f['ok']} accepted, {f['replies']} replies, "
        f"errors: {errs}; timeouts {f['timeouts']}")
    log(f"      {phase}: strategies {dict(f['by_strategy'])}")
    log(f"      {phase}: commands {dict(sorted(f['by_cmd'].items()))}")


def main():
    seed = int(os.environ.get("MPWIFI_FUZZ_SEED") or random.SystemRandom().randrange(1 << 32))
    log(f"      seed {seed} (MPWIFI_FUZZ_SEED={seed} repeats this run)")
    kmod.load()
    spec = genl.spec()
    proc.cmd(["ip", "link", "add", "fz0", "type", "dummy"])
    proc.cmd(["ip", "netns", "add", OTHER_NS])
    ksft.defer(proc.cmd, ["ip", "netns", "del", OTHER_NS], check=False)
    proc.cmd(["ip", "link", "add", "fz1", "type", "dummy"], ns=OTHER_NS)
    root_if = set_known_state(None, "fz0")
    other_if = set_known_state(OTHER_NS, "fz1")
    check_known_state("before", None, root_if)
    other_before = snapshot(OTHER_NS)

    totals = Counter()
    total_errors = Counter()
    reports = 0

    def account(phase, f, seconds):
        nonlocal reports
        report(phase, f, seconds)
        totals.update(sent=f["sent"], replies=f["replies"], ok=f["ok"], timeouts=f["timeouts"])
        total_errors.update(f["errors"])
        check_eq(f"{phase}: no request went unanswered (timeouts)", f["timeouts"], 0)
        check_eq(f"{phase}: every command number of the spec was sent (missing)",
                 sorted(set(spec.ops_by_value) - set(f["by_cmd"])), [])
        clean, lines = kmod.kernel_log_clean()
        reports = len(lines)
        check(f"{phase}: kernel log clean", clean, "; ".join(lines[:5]) + " | last requests: " +
              " || ".join(f["recent"]))

    # 1. root in the root namespace
    t = time.monotonic()
    f = fuzz("privileged", COUNTS["privileged"], seed)
    account("privileged", f, time.monotonic() - t)
    check_ge("privileged: some requests were accepted", f["ok"], 1)
    check_eq("privileged: the other namespace did not change", diff(other_before, snapshot(OTHER_NS)), [])
    set_known_state(None, "fz0")
    check_known_state("after the privileged phase", None, root_if)

    # 2. uid 65534 without capabilities in the root namespace
    before = snapshot()
    t = time.monotonic()
    f = in_child(lambda: (drop_privileges(), fuzz("unprivileged", COUNTS["unprivileged"], seed))[1])
    account("unprivileged", f, time.monotonic() - t)
    check_eq("unprivileged: no admin command was accepted", f["admin_ok"][:5], [])
    check_ge("unprivileged: admin commands were refused with EPERM", f["errors"].get("EPERM", 0), 1)
    check_ge("unprivileged: reads were answered (replies)", f["replies"], 1)
    check_eq("unprivileged: nothing readable changed in the root namespace", diff(before, snapshot()), [])
    check_eq("unprivileged: nothing changed in the other namespace", diff(other_before, snapshot(OTHER_NS)), [])

    # 3. uid 0 without capabilities in the root namespace
    before = snapshot()
    t = time.monotonic()
    f = in_child(lambda: (drop_capabilities(), fuzz("no caps", COUNTS["no caps"], seed))[1])
    account("no caps", f, time.monotonic() - t)
    check_eq("no caps: no admin command was accepted", f["admin_ok"][:5], [])
    check_ge("no caps: admin commands were refused with EPERM", f["errors"].get("EPERM", 0), 1)
    check_eq("no caps: nothing readable changed in the root namespace", diff(before, snapshot()), [])

    # 4. root in a namespace of its own
    proc.cmd(["ip", "netns", "add", OWN_NS])
    ksft.defer(proc.cmd, ["ip", "netns", "del", OWN_NS], check=False)
    proc.cmd(["ip", "link", "add", "fz2", "type", "dummy"], ns=OWN_NS)
    before = snapshot()
    t = time.monotonic()
    f = fuzz("own namespace", COUNTS["own namespace"], seed, ns=OWN_NS)
    account("own namespace", f, time.monotonic() - t)
    check_ge("own namespace: admin commands were accepted there", len(f["admin_ok"]), 1)
    check_eq("own namespace: nothing readable changed in the root namespace", diff(before, snapshot()), [])
    check_eq("own namespace: nothing changed in the other namespace", diff(other_before, snapshot(OTHER_NS)), [])

    # the module still answers exactly, in both namespaces
    check_known_state("at the end", None, root_if)
    check_known_state("at the end, other namespace", OTHER_NS, other_if)
    errs = ", ".join(f"{k} {v}" for k, v in total_errors.most_common())
    log(f"      figures: seed {seed}; messages sent {totals['sent']}; accepted {totals['ok']}; replies "
        f"{totals['replies']}; errors returned: {errs}; timeouts {totals['timeouts']}; kernel reports {reports}")
    check_ge("at least 10000 messages sent", totals["sent"], 10000 if SCALE >= 1 else 1)


ksft.run(main)
