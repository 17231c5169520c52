#!/usr/bin/env python3
"""Send hand-built requests to the mpwifi generic netlink family, bypassing the
CLI's own checks, and print the kernel's answer: "ok", or "errno NAME: extack".

  genl_raw.py config-set ATTR=VALUE...   nested MPWIFI_ATTR_CONFIG with u32 attrs
  genl_raw.py ecn-set ATTR=VALUE...      nested MPWIFI_ATTR_ECN (u8 for ENABLED and LAW, else u32)
  genl_raw.py raw-top ATTRTYPE=HEX...    top-level attributes with raw payloads
  genl_raw.py ap-dump                    every AP's attributes as JSON, decoded by size alone
Attribute numbers come from include/uapi/linux/mpwifi_genl.h, parsed here.
"""
import errno
import os
import re
import socket
import struct
import sys

NETLINK_GENERIC = 16
GENL_ID_CTRL = 0x10
CTRL_CMD_GETFAMILY = 3
CTRL_ATTR_FAMILY_ID = 1
CTRL_ATTR_FAMILY_NAME = 2
NLM_F_REQUEST, NLM_F_ACK = 1, 4
NLMSG_ERROR = 2
NETLINK_EXT_ACK = 11
NLMSGERR_ATTR_MSG = 1


def uapi_enums():
    here = os.path.dirname(os.path.abspath(__file__))
    text = open(os.path.join(here, "../../include/uapi/linux/mpwifi_genl.h")).read()
    values = {}
    for body in re.findall(r"enum \w+ \{(.*?)\};", text, re.S):
        n = 0
        for name, value in re.findall(r"^\s*(\w+)\s*(?:= *(\d+))?,", body, re.M):
            n = int(value) if value else n
            values[name] = n
            n += 1
    return values


def attr(kind, payload):
    length = 4 + len(payload)
    return struct.pack("=HH", length, kind) + payload + b"\0" * ((4 - length % 4) % 4)


def request(sock, family, cmd, attrs, flags=NLM_F_REQUEST | NLM_F_ACK):
    body = struct.pack("=BBH", cmd, 1, 0) + attrs
    sock.send(struct.pack("=IHHII", 16 + len(body), family, flags, 1, 0) + body)
    return sock.recv(65536)


def resolve(sock, name):
    reply = request(sock, GENL_ID_CTRL, CTRL_CMD_GETFAMILY,
                    attr(CTRL_ATTR_FAMILY_NAME, name.encode() + b"\0"), NLM_F_REQUEST)
    _, kind = struct.unpack_from("=IH", reply)
    if kind == NLMSG_ERROR:
        sys.exit("family %s not found" % name)
    off = 20
    while off < len(reply):
        length, atype = struct.unpack_from("=HH", reply, off)
        if atype == CTRL_ATTR_FAMILY_ID:
            return struct.unpack_from("=H", reply, off + 4)[0]
        off += (length + 3) & ~3
    sys.exit("no family id")


def verdict(reply):
    _, kind, flags = struct.unpack_from("=IHH", reply)
    if kind != NLMSG_ERROR:
        return "ok"
    err = -struct.unpack_from("=i", reply, 16)[0]
    if err == 0:
        return "ok"
    # extended ack TLVs follow the echoed request header (capped: NLM_F_CAPPED)
    msg = ""
    orig_len = struct.unpack_from("=I", reply, 20)[0]
    off = 20 + (16 if flags & 0x100 else orig_len)
    while off + 4 <= len(reply):
        length, atype = struct.unpack_from("=HH", reply, off)
        if length < 4:
            break
        if atype == NLMSGERR_ATTR_MSG:
            msg = reply[off + 4:off + length].rstrip(b"\0").decode()
        off += (length + 3) & ~3
    return "errno %s: %s" % (errno.errorcode.get(err, str(err)), msg)


def attrs_of(buf, off, end):
    while off + 4 <= end:
        length, atype = struct.unpack_from("=HH", buf, off)
        if length < 4:
            break
        yield atype & 0x3fff, buf[off + 4:off + length]
        off += (length + 3) & ~3


def ap_dump(sock, family, enums):
    """A reader that shares nothing with the agent: checks the agent's view, too."""
    names = {v: k[len("MPWIFI_AP_ATTR_"):].lower() for k, v in enums.items()
             if k.startswith("MPWIFI_AP_ATTR_") and not k.startswith("MPWIFI_AP_ATTR_MAX")}
    body = struct.pack("=BBH", enums["MPWIFI_CMD_AP_GET"], 1, 0)
    sock.send(struct.pack("=IHHII", 16 + len(body), family, NLM_F_REQUEST | 0x300, 2, 0) + body)
    aps = []
    while True:
        buf = sock.recv(1 << 16)
        off = 0
        while off < len(buf):
            length, kind = struct.unpack_from("=IH", buf, off)
            if kind == 3:  # NLMSG_DONE
                return aps
            if kind == NLMSG_ERROR:
                sys.exit("dump failed: " + verdict(buf[off:off + length]))
            for atype, payload in attrs_of(buf, off + 20, off + length):
                if atype != enums["MPWIFI_ATTR_AP"]:
                    continue
                ap = {}
                for t, v in attrs_of(payload, 0, len(payload)):
                    fmt = {1: "=B", 4: "=I", 8: "=Q"}.get(len(v))
                    ap[names.get(t, str(t))] = (struct.unpack(fmt, v)[0] if fmt and t != enums["MPWIFI_AP_ATTR_IFNAME"]
                                                else v.rstrip(b"\0").decode(errors="replace")
                                                if t == enums["MPWIFI_AP_ATTR_IFNAME"] else v.hex(":"))
                aps.append(ap)
            off += (length + 3) & ~3


def main():
    enums = uapi_enums()
    sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_GENERIC)
    sock.setsockopt(270, NETLINK_EXT_ACK, 1)  # SOL_NETLINK
    family = resolve(sock, "mpwifi")
    verb, args = sys.argv[1], sys.argv[2:]
    if verb == "config-set":
        nested = b"".join(attr(enums[k], struct.pack("=I", int(v)))
                          for k, v in (a.split("=") for a in args))
        attrs = attr(enums["MPWIFI_ATTR_CONFIG"] | 0x8000, nested)  # NLA_F_NESTED
        cmd = enums["MPWIFI_CMD_CONFIG_SET"]
    elif verb == "ecn-set":
        nested = b"".join(attr(enums[k], struct.pack("=B" if k.endswith(("_ENABLED", "_LAW")) else "=I",
                                                     int(v)))
                          for k, v in (a.split("=") for a in args))
        attrs = attr(enums["MPWIFI_ATTR_ECN"] | 0x8000, nested)
        cmd = enums["MPWIFI_CMD_ECN_SET"]
    elif verb == "ap-dump":
        import json
        print(json.dumps(ap_dump(sock, family, enums)))
        return
    elif verb == "raw-top":
        attrs = b"".join(attr(int(k), bytes.fromhex(v)) for k, v in (a.split("=") for a in args))
        cmd = enums["MPWIFI_CMD_AP_FLUSH"]
    else:
        sys.exit(__doc__)
    print(verdict(request(sock, family, cmd, attrs)))


if __name__ == "__main__":
    main()
