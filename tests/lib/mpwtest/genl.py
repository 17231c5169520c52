#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""The mpwifi generic netlink client of the tests, driven by the family's spec
(include/uapi/linux/mpwifi.yaml): operation, attribute and enum names in,
decoded dicts out, no attribute number written here.

    m = Mpwifi(ns="cli")                 # the socket lives in netns "cli"
    m.do("config-set", {"config": {"window-ms": 250}})
    m.do("config-get")                   # {"config": {"window-ms": 250, ...}}
    m.dump("ap-get", {"ifindex": 3})     # [{"ap": {...}}, ...]
    m.raw(cmd, payload)                  # RawResult(errno, extack, replies)

Values: integers for u8..u64 (enum attributes also take the entry's name and
decode to it), str for strings, bytes for binary, dicts for nests.  A kernel
error raises NlError(errno, extack).

Namespaces: ns=NAME opens the socket inside /run/netns/NAME (setns(2) of the
calling thread around socket(2), then back), so one test process can talk to
several namespaces; a netlink socket stays in the namespace it was created
in.  Needs CAP_SYS_ADMIN, as `ip netns exec` does.

Run as a script (`genl.py --self-test`) it checks its encoder and decoder
against hand-built bytes, without a kernel.
"""
import ctypes
import errno as errno_mod
import os
import select
import socket
import struct
import sys
from collections import namedtuple

import yaml

SPEC = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", "..",
                                    "include", "uapi", "linux", "mpwifi.yaml"))

# Netlink and the generic netlink controller: kernel ABI, not the family's.
NETLINK_GENERIC = 16
SOL_NETLINK = 270
NETLINK_ADD_MEMBERSHIP = 1
NETLINK_CAP_ACK = 10
NETLINK_EXT_ACK = 11
NLMSG_ERROR, NLMSG_DONE = 2, 3
NLM_F_REQUEST, NLM_F_MULTI, NLM_F_ACK = 0x1, 0x2, 0x4
NLM_F_DUMP_INTR = 0x10
NLM_F_DUMP = 0x300
NLM_F_CAPPED, NLM_F_ACK_TLVS = 0x100, 0x200
NLMSGERR_ATTR_MSG, NLMSGERR_ATTR_OFFS = 1, 2
NLA_F_NESTED, NLA_TYPE_MASK = 0x8000, 0x3FFF
GENL_ID_CTRL = 0x10
CTRL_CMD_GETFAMILY = 3
CTRL_ATTR_FAMILY_ID, CTRL_ATTR_FAMILY_NAME, CTRL_ATTR_MCAST_GROUPS = 1, 2, 7
CTRL_ATTR_MCAST_GRP_NAME, CTRL_ATTR_MCAST_GRP_ID = 1, 2
CLONE_NEWNET = 0x40000000

SCALARS = {"u8": "=B", "u16": "=H", "u32": "=I", "u64": "=Q", "s8": "=b", "s16": "=h",
           "s32": "=i", "s64": "=q"}


class NlError(Exception):
    """A request the kernel refused: errno (positive) and its extack message ("" if none)."""

    def __init__(self, err, extack="", offset=None):
        self.errno = err
        self.extack = extack
        self.offset = offset
        name = errno_mod.errorcode.get(err, str(err))
        super().__init__(f"{name}: {extack}" if extack else name)


RawResult = namedtuple("RawResult", "errno extack replies")
RawResult.__doc__ = "errno 0 on success; replies: the generic netlink payloads (after the genl header)."


def _pad(n):
    return (n + 3) & ~3


def nla(atype, payload):
    """One attribute, padded: the building block of malformed requests."""
    return struct.pack("=HH", 4 + len(payload), atype) + payload + b"\0" * (_pad(len(payload)) - len(payload))


def iter_attrs(buf):
    """(type without flags, payload) of each attribute; ValueError on a truncated one."""
    off = 0
    while off < len(buf):
        if off + 4 > len(buf):
            raise ValueError(f"truncated attribute header at {off}")
        length, atype = struct.unpack_from("=HH", buf, off)
        if length < 4 or off + length > len(buf):
            raise ValueError(f"attribute at {off} claims {length} bytes, {len(buf) - off} left")
        yield atype & NLA_TYPE_MASK, buf[off + 4:off + length]
        off += _pad(length)


class Spec:
    """The parts of a YNL genetlink-legacy spec a client needs."""

    def __init__(self, path=SPEC):
        with open(path) as f:
            self.yaml = yaml.safe_load(f)
        self.name = self.yaml["name"]
        self.version = self.yaml.get("version", 1)
        self.consts = {}
        self.enums = {}  # name -> {entry: value}
        for d in self.yaml.get("definitions", []):
            if d["type"] == "const":
                self.consts[d["name"]] = d["value"]
            elif d["type"] in ("enum", "flags"):
                val, entries = d.get("value-start", 0), {}
                for e in d["entries"]:
                    ename = e if isinstance(e, str) else e["name"]
                    val = e.get("value", val) if isinstance(e, dict) else val
                    entries[ename] = (1 << val) if d["type"] == "flags" else val
                    val += 1
                self.enums[d["name"]] = entries
        self.attr_sets = {}  # name -> (by_name {name: attr dict + "value"}, by_value)
        for s in self.yaml["attribute-sets"]:
            if "subset-of" in s:
                continue
            by_name, by_value, val = {}, {}, 1
            for a in s["attributes"]:
                val = a.get("value", val)
                attr = dict(a, value=val)
                by_name[a["name"]] = attr
                by_value[val] = attr
                val += 1
            self.attr_sets[s["name"]] = (by_name, by_value)
        self.ops = {}  # name -> op dict + "value"
        self.ops_by_value = {}
        val = 1
        for op in self.yaml["operations"]["list"]:
            val = op.get("value", val)
            entry = dict(op, value=val)
            self.ops[op["name"]] = entry
            self.ops_by_value[val] = entry
            val += 1
        self.mcgrps = [g["name"] for g in self.yaml.get("mcast-groups", {}).get("list", [])]

    def op(self, name):
        try:
            return self.ops[name]
        except KeyError:
            raise KeyError(f"{self.name} has no operation {name!r} (has {', '.join(self.ops)})") from None

    def attr(self, set_name, name):
        try:
            return self.attr_sets[set_name][0][name]
        except KeyError:
            raise KeyError(f"attribute set {set_name!r} has no attribute {name!r}") from None

    def encode(self, set_name, attrs):
        """The attributes of @attrs (a dict by name) of attribute set @set_name, in wire form."""
        out = b""
        for name, value in attrs.items():
            a = self.attr(set_name, name)
            t = a["type"]
            if t == "nest":
                out += nla(a["value"] | NLA_F_NESTED, self.encode(a["nested-attributes"], value))
            elif t in SCALARS:
                if isinstance(value, str):
                    value = self.enums[a["enum"]][value]
                out += nla(a["value"], struct.pack(SCALARS[t], value))
            elif t == "string":
                out += nla(a["value"], value.encode() + b"\0")
            elif t == "binary":
                out += nla(a["value"], bytes(value))
            elif t == "flag":
                if value:
                    out += nla(a["value"], b"")
            else:
                raise ValueError(f"cannot encode {name!r} of type {t}")
        return out

    def decode(self, set_name, buf):
        """A dict by attribute name; attributes the spec does not know appear under their number."""
        by_value = self.attr_sets[set_name][1]
        out = {}
        for atype, payload in iter_attrs(buf):
            a = by_value.get(atype)
            if a is None:
                out[atype] = payload
                continue
            t, name = a["type"], a["name"]
            if t == "pad":
                continue
            if t == "nest":
                out[name] = self.decode(a["nested-attributes"], payload)
            elif t in SCALARS:
                size = struct.calcsize(SCALARS[t])
                if len(payload) != size:
                    raise ValueError(f"{set_name}.{name}: {len(payload)} bytes, {t} has {size}")
                value = struct.unpack(SCALARS[t], payload)[0]
                if "enum" in a:
                    names = {v: k for k, v in self.enums[a["enum"]].items()}
                    value = names.get(value, value)
                out[name] = value
            elif t == "string":
                out[name] = payload.split(b"\0", 1)[0].decode(errors="replace")
            elif t == "flag":
                out[name] = True
            else:
                out[name] = bytes(payload)
        return out


_SPECS = {}


def spec(path=SPEC):
    """The parsed spec, read once per process."""
    if path not in _SPECS:
        _SPECS[path] = Spec(path)
    return _SPECS[path]


def _netlink_socket(ns):
    if ns is None:
        return socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_GENERIC)
    libc = ctypes.CDLL(None, use_errno=True)
    with open("/proc/self/ns/net") as home, open(f"/run/netns/{ns}") as there:
        if libc.setns(there.fileno(), CLONE_NEWNET):
            err = ctypes.get_errno()
            raise OSError(err, f"setns into netns {ns}: {os.strerror(err)}")
        try:
            return socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_GENERIC)
        finally:
            if libc.setns(home.fileno(), CLONE_NEWNET):
                raise OSError(ctypes.get_errno(), "setns back to the original netns failed")


def parse_error(msg):
    """(errno, extack, offset) of an NLMSG_ERROR message (header included); errno 0 is an ACK."""
    _, _, flags = struct.unpack_from("=IHH", msg)
    err = -struct.unpack_from("=i", msg, 16)[0]
    extack, offset = "", None
    if flags & NLM_F_ACK_TLVS:
        orig_len = struct.unpack_from("=I", msg, 20)[0]
        start = 20 + (16 if flags & NLM_F_CAPPED else _pad(orig_len))
        for atype, payload in iter_attrs(msg[start:]):
            if atype == NLMSGERR_ATTR_MSG:
                extack = payload.split(b"\0", 1)[0].decode(errors="replace")
            elif atype == NLMSGERR_ATTR_OFFS:
                offset = struct.unpack("=I", payload)[0]
    return err, extack, offset


class Mpwifi:
    """A socket talking to the mpwifi family (of namespace @ns, default: this one)."""

    def __init__(self, ns=None, spec_path=SPEC):
        self.spec = spec(spec_path)
        self.ns = ns
        self.sock = _netlink_socket(ns)
        self.sock.setsockopt(SOL_NETLINK, NETLINK_EXT_ACK, 1)
        self.sock.setsockopt(SOL_NETLINK, NETLINK_CAP_ACK, 1)
        self.sock.bind((0, 0))
        self.seq = 0
        self.dump_interrupted = False  # NLM_F_DUMP_INTR seen in the last dump
        self.family_id, self.groups = self._resolve()
        self.pending_events = []

    def close(self):
        self.sock.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def _send(self, msg_type, flags, body):
        self.seq += 1
        self.sock.send(struct.pack("=IHHII", 16 + len(body), msg_type, flags, self.seq, 0) + body)
        return self.seq

    def _messages(self, timeout=5.0):
        """Yields (type, flags, seq, whole message) as they arrive."""
        while True:
            ready, _, _ = select.select([self.sock], [], [], timeout)
            if not ready:
                raise TimeoutError("no answer from the kernel")
            buf = self.sock.recv(1 << 20)
            off = 0
            while off + 16 <= len(buf):
                length, mtype, flags, seq = struct.unpack_from("=IHHI", buf, off)
                yield mtype, flags, seq, buf[off:off + length]
                off += _pad(length)

    def _exchange(self, msg_type, flags, body):
        """Sends one request; returns (errno, extack, offset, replies as genl payloads)."""
        seq = self._send(msg_type, flags, body)
        replies = []
        for mtype, mflags, mseq, msg in self._messages():
            if mseq != seq:
                if mseq == 0 and mtype == self.__dict__.get("family_id"):
                    self.pending_events.append(msg[16:])
                continue
            if mflags & NLM_F_DUMP_INTR:
                self.dump_interrupted = True
            if mtype == NLMSG_ERROR:
                err, extack, offset = parse_error(msg)
                return err, extack, offset, replies
            if mtype == NLMSG_DONE:
                err = -struct.unpack_from("=i", msg, 16)[0] if len(msg) >= 20 else 0
                extack = ""
                if err and len(msg) > 20 and mflags & NLM_F_ACK_TLVS:
                    for atype, payload in iter_attrs(msg[20:]):
                        if atype == NLMSGERR_ATTR_MSG:
                            extack = payload.split(b"\0", 1)[0].decode(errors="replace")
                return err, extack, None, replies
            replies.append(msg[16:])
            if not flags & NLM_F_DUMP and not flags & NLM_F_ACK:
                return 0, "", None, replies

    def _resolve(self):
        body = struct.pack("=BBH", CTRL_CMD_GETFAMILY, 1, 0) + nla(CTRL_ATTR_FAMILY_NAME,
                                                                    self.spec.name.encode() + b"\0")
        err, extack, _, replies = self._exchange(GENL_ID_CTRL, NLM_F_REQUEST | NLM_F_ACK, body)
        if err:
            raise NlError(err, extack or f"generic netlink family {self.spec.name} not found "
                                         "(is the module loaded?)")
        family_id, groups = None, {}
        for atype, payload in iter_attrs(replies[0][4:]):
            if atype == CTRL_ATTR_FAMILY_ID:
                family_id = struct.unpack("=H", payload)[0]
            elif atype == CTRL_ATTR_MCAST_GROUPS:
                for _, grp in iter_attrs(payload):
                    g = dict(iter_attrs(grp))
                    groups[g[CTRL_ATTR_MCAST_GRP_NAME].rstrip(b"\0").decode()] = \
                        struct.unpack("=I", g[CTRL_ATTR_MCAST_GRP_ID])[0]
        return family_id, groups

    def _genl(self, op):
        return struct.pack("=BBH", self.spec.op(op)["value"], self.spec.version, 0)

    def _decode_reply(self, payload):
        cmd = payload[0]
        op = self.spec.ops_by_value.get(cmd)
        set_name = op.get("attribute-set", self.spec.name) if op else self.spec.name
        return self.spec.decode(set_name, payload[4:])

    def do(self, op, attrs=None):
        """Runs "do" operation @op; the reply's attributes ({} for none).  NlError on refusal."""
        o = self.spec.op(op)
        body = self._genl(op) + self.spec.encode(o.get("attribute-set", self.spec.name), attrs or {})
        err, extack, offset, replies = self._exchange(self.family_id, NLM_F_REQUEST | NLM_F_ACK, body)
        if err:
            raise NlError(err, extack, offset)
        return self._decode_reply(replies[0]) if replies else {}

    def dump(self, op, attrs=None):
        """Runs "dump" operation @op; one dict per message.  NlError on refusal."""
        o = self.spec.op(op)
        body = self._genl(op) + self.spec.encode(o.get("attribute-set", self.spec.name), attrs or {})
        self.dump_interrupted = False
        err, extack, offset, replies = self._exchange(self.family_id, NLM_F_REQUEST | NLM_F_DUMP, body)
        if err:
            raise NlError(err, extack, offset)
        return [self._decode_reply(r) for r in replies]

    def raw(self, cmd, payload=b"", flags=NLM_F_REQUEST | NLM_F_ACK, version=None, reserved=0):
        """Sends @payload (attribute bytes) as command number @cmd with any header; never raises
        for a refusal: returns RawResult(errno, extack, replies)."""
        if isinstance(cmd, str):
            cmd = self.spec.op(cmd)["value"]
        ver = self.spec.version if version is None else version
        body = struct.pack("=BBH", cmd, ver, reserved) + payload
        err, extack, _, replies = self._exchange(self.family_id, flags, body)
        return RawResult(err, extack, replies)

    def subscribe(self, group="events"):
        """Joins multicast group @group of the family."""
        self.sock.setsockopt(SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, self.groups[group])

    def events(self, timeout=1.0):
        """The events received within @timeout: a list of (operation name, attributes)."""
        got, self.pending_events = self.pending_events, []
        try:
            for mtype, _, seq, msg in self._messages(timeout):
                if mtype == self.family_id and seq == 0:
                    got.append(msg[16:])
        except TimeoutError:
            pass
        out = []
        for payload in got:
            op = self.spec.ops_by_value.get(payload[0])
            out.append((op["name"] if op else payload[0], self._decode_reply(payload)))
        return out


def _self_test():
    """Encoder and decoder against bytes built by hand from the wire format."""
    failures = passes = 0

    def check(desc, ok, saw=""):
        nonlocal failures, passes
        print(("ok    " if ok else "FAIL  ") + desc + ("" if ok else ": " + str(saw)))
        failures += not ok
        passes += bool(ok)

    s = Spec()
    # config nest (top-level attribute 4) holding window-ms (1), u32 250
    want = struct.pack("=HH", 12, 4 | NLA_F_NESTED) + struct.pack("=HHI", 8, 1, 250)
    got = s.encode("mpwifi", {"config": {"window-ms": 250}})
    check("config-set request encodes as built by hand", got == want, got.hex())
    check("config-set is command 3, version 1", (s.op("config-set")["value"], s.version) == (3, 1))
    check("events keep their numbers (ap-new 5, ap-del 6, trust 11)",
          [s.op(n)["value"] for n in ("ap-new", "ap-del", "trust")] == [5, 6, 11])
    check("commands after events follow them (ecn-get 7, peer-get 12, policy-set 16)",
          [s.op(n)["value"] for n in ("ecn-get", "peer-get", "policy-set")] == [7, 12, 16])
    # trust nest (6): ifindex 1 u32 7, level 3 u8 by name "trusted" (1), source 4 u8 "manual" (2)
    want = (struct.pack("=HH", 4 + 8 + 8 + 8, 6 | NLA_F_NESTED) + struct.pack("=HHI", 8, 1, 7) +
            struct.pack("=HHB3x", 5, 3, 1) + struct.pack("=HHB3x", 5, 4, 2))
    got = s.encode("mpwifi", {"trust": {"ifindex": 7, "level": "trusted", "source": "manual"}})
    check("enum names encode to their values, u8 padded", got == want, got.hex())
    # an AP reply: ifname "wlan0", bssid, a u64 after a pad attribute, phy 4 (vht), unknown 99
    ap = (struct.pack("=HH", 10, 3) + b"wlan0\0" + b"\0\0" +
          struct.pack("=HH", 10, 5) + bytes.fromhex("020000000100") + b"\0\0" +
          struct.pack("=HH", 4, 1) +
          struct.pack("=HHQ", 12, 6, 1 << 40) +
          struct.pack("=HHB3x", 5, 19, 4) +
          struct.pack("=HHI", 8, 99, 5))
    got = s.decode("mpwifi", struct.pack("=HH", 4 + len(ap), 3 | NLA_F_NESTED) + ap)
    want = {"ap": {"ifname": "wlan0", "bssid": bytes.fromhex("020000000100"), "first-try": 1 << 40,
                   "phy": "vht", 99: struct.pack("=I", 5)}}
    check("AP reply decodes by the spec", got == want, got)
    check("round trip of every policy setting",
          s.decode("mpwifi", s.encode("mpwifi", {"policy": {"first-subflow": "strict", "trusted-sched": 1,
                                                            "peer-default": "untrusted"}}))
          == {"policy": {"first-subflow": "strict", "trusted-sched": 1, "peer-default": "untrusted"}})
    try:
        s.decode("mpwifi", struct.pack("=HH", 8, 2) + b"\0\0")
        check("truncated attribute refused", False, "decoded")
    except ValueError as e:
        check("truncated attribute refused", "claims 8 bytes" in str(e), e)
    try:
        s.decode("config", struct.pack("=HHH2x", 6, 1, 250))
        check("u32 of 2 bytes refused", False, "decoded")
    except ValueError as e:
        check("u32 of 2 bytes refused", "2 bytes" in str(e), e)
    try:
        s.encode("config", {"window_ms": 1})
        check("unknown attribute name refused", False, "encoded")
    except KeyError as e:
        check("unknown attribute name refused", "window_ms" in str(e), e)
    # an NLMSG_ERROR with a capped request and an extack message
    tlv = nla(NLMSGERR_ATTR_MSG, b"read-only\0")
    err = (struct.pack("=IHHII", 16 + 4 + 16 + len(tlv), NLMSG_ERROR, NLM_F_CAPPED | NLM_F_ACK_TLVS, 1, 0) +
           struct.pack("=i", -errno_mod.EINVAL) + struct.pack("=IHHII", 40, 30, 5, 1, 0) + tlv)
    check("error message parsed (EINVAL, extack)",
          parse_error(err)[:2] == (errno_mod.EINVAL, "read-only"), parse_error(err))
    check("NlError says the errno name and the message",
          str(NlError(errno_mod.EINVAL, "read-only")) == "EINVAL: read-only")
    print(f"{passes} passed, {failures} failed")
    return failures == 0


if __name__ == "__main__":
    if sys.argv[1:] == ["--self-test"]:
        sys.exit(0 if _self_test() else 1)
    sys.exit(__doc__)
