#!/usr/bin/env python3
"""The load-time layout check covers every offset the module reads or writes.

mpwifi-wrong-layout.ko (make module-variants) is the module with one planted wrong offset:
mptcp_data_frag.data_seq, which the check against a live MPTCP socket cannot see (a fresh socket has no
data fragment).  Loaded, it must say the trusted scheduler is unavailable and why, and a trusted send
must fail with EOPNOTSUPP, sending nothing; the real module, loaded next, must say available and let
the same send through.
"""
import errno
import os
import socket
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.realpath(__file__)), "../lib"))
from mpwtest import cli, kmod, ksft, paths, proc  # noqa: E402
from mpwtest.ksft import check, check_eq  # noqa: E402

STATUS = "/sys/module/mpwifi/parameters/trusted_status"
MPTCP_TRUSTED = 0x800000
IPPROTO_MPTCP = 262


def status():
    with open(STATUS) as f:
        return f.read().strip()


def trusted_send():
    """A trusted send on an MPTCP connection over loopback: the errno it failed with, or 0; and what the
    peer received."""
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM, IPPROTO_MPTCP)
    srv.bind(("127.0.0.1", 0))
    srv.listen(1)
    cli = socket.socket(socket.AF_INET, socket.SOCK_STREAM, IPPROTO_MPTCP)
    cli.connect(srv.getsockname())
    peer, _ = srv.accept()
    err = 0
    try:
        cli.send(b"secret", MPTCP_TRUSTED)
    except OSError as e:
        err = e.errno
    cli.send(b"plain")
    cli.shutdown(socket.SHUT_WR)
    got = b""
    peer.settimeout(5)
    while True:
        chunk = peer.recv(100)
        if not chunk:
            break
        got += chunk
    for s in (cli, peer, srv):
        s.close()
    return err, got


def main():
    proc.cmd(["ip", "link", "set", "lo", "up"])
    wrong = os.path.join(os.path.dirname(paths.module_path()), "mpwifi-wrong-layout.ko")
    check("the wrong-layout variant was built (make module-variants)", os.path.exists(wrong), wrong)
    if not os.path.exists(wrong):
        return
    proc.cmd(["insmod", wrong])
    st = status()
    ksft.log(f"      wrong layout: {st}")
    check("wrong layout: trusted scheduler unavailable", st.startswith("unavailable"), st)
    check("wrong layout: the reason names the field", "mptcp_data_frag.data_seq" in st, st)
    err, got = trusted_send()
    check_eq("wrong layout: a trusted send fails with EOPNOTSUPP", err, errno.EOPNOTSUPP)
    check_eq("wrong layout: nothing of it was sent", got, b"plain")
    kmod.unload()

    kmod.load()
    check_eq("right layout: trusted scheduler available", status(), "available")
    cli.mpwifi("trust", "set", "lo", "trusted", json=False)
    err, got = trusted_send()
    check_eq("right layout: the trusted send goes through", err, 0)
    check_eq("right layout: the peer got it", got, b"secretplain")


ksft.run(main)
