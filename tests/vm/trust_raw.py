#!/usr/bin/env python3
"""Send hand-built trust, peer and policy requests to the mpwifi family, bypassing the CLI's own
checks, and print the kernel's answer: "ok", or "errno NAME: extack" (as genl_raw.py does).

  trust_raw.py trust-set  ATTR=TYPE:VALUE...   nested MPWIFI_ATTR_TRUST
  trust_raw.py peer-add   ATTR=TYPE:VALUE...   nested MPWIFI_ATTR_PEER
  trust_raw.py policy-set ATTR=TYPE:VALUE...   nested MPWIFI_ATTR_POLICY
TYPE is u8, u16, u32, u64 or hex (raw bytes), e.g. MPWIFI_TRUST_ATTR_LEVEL=u8:7.
"""
import os
import socket
import struct
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from genl_raw import NETLINK_EXT_ACK, NETLINK_GENERIC, attr, request, resolve, uapi_enums, verdict  # noqa: E402

VERBS = {
    "trust-set": ("MPWIFI_CMD_TRUST_SET", "MPWIFI_ATTR_TRUST"),
    "peer-add": ("MPWIFI_CMD_PEER_ADD", "MPWIFI_ATTR_PEER"),
    "policy-set": ("MPWIFI_CMD_POLICY_SET", "MPWIFI_ATTR_POLICY"),
}
FORMATS = {"u8": "=B", "u16": "=H", "u32": "=I", "u64": "=Q"}


def payload(spec):
    kind, value = spec.split(":", 1)
    if kind == "hex":
        return bytes.fromhex(value)
    return struct.pack(FORMATS[kind], int(value))


def main():
    if len(sys.argv) < 2 or sys.argv[1] not in VERBS:
        sys.exit(__doc__)
    enums = uapi_enums()
    cmd, nest = VERBS[sys.argv[1]]
    sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_GENERIC)
    sock.setsockopt(270, NETLINK_EXT_ACK, 1)  # SOL_NETLINK
    family = resolve(sock, "mpwifi")
    nested = b"".join(attr(enums[k], payload(v)) for k, v in (a.split("=", 1) for a in sys.argv[2:]))
    print(verdict(request(sock, family, enums[cmd], attr(enums[nest] | 0x8000, nested))))


if __name__ == "__main__":
    main()
