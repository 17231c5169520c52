#!/usr/bin/env python3
"""Stacked devices (VLAN, macvlan, ipvlan, bond, bridge) are as trusted as the least trusted device under
them, in the module and in the daemon.

Module: a client namespace reaches a server namespace through an upper device built over veth "lowers".
The upper is set trusted by hand; each lower is set trusted or untrusted by hand.  The client sends
16 KiB with MPTCP_TRUSTED, every byte from a marker pattern, and a capture on each lower counts the
marker bytes that crossed it.
 - one lower untrusted (for the bond: the backup slave, while the active slave is trusted): no marker byte
   on any lower, and the server receives none of them;
 - every lower trusted: all 16 KiB reach the server, through the lower.
Daemon: in a namespace with two veths, a WiFi station interface (mac80211_hwsim, not associated) and
uppers over them, `mpwifi daemon` sets: a VLAN over a veth and a macvlan over that VLAN trusted; an ipvlan
over the WiFi interface untrusted; a bond of a veth and the WiFi interface untrusted, and trusted once the
WiFi interface leaves the bond; a veth trusted ("wired ethernet", as before).
"""
import json
import os
import re
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.realpath(__file__)), "../lib"))
from mpwtest import cli, kmod, ksft, paths, proc  # noqa: E402
from mpwtest.capture import Capture, read_pcap  # noqa: E402
from mpwtest.ksft import check, check_eq, log  # noqa: E402

OUT = os.path.join(os.environ.get("MPWIFI_VM_OUT", "/tmp"), "trust-stacked")
CLI, SRV, DMN = "stk-c", "stk-s", "stk-d"
MARK = b"TRUSTED-0123456789:"
SIZE = 16384
PORT = 5601
CLIENT_IP, SERVER_IP = "10.61.0.1", "10.61.0.2"

# The client sends SIZE marker bytes with MPTCP_TRUSTED (held while no trusted path exists), then closes
# its side; the server prints how many bytes it received.
PEER_PY = r"""
import json, socket, sys, time
IPPROTO_MPTCP, MPTCP_TRUSTED = 262, 0x800000
mode, ip, port, size, mark = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5].encode()
if mode == "server":
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM, IPPROTO_MPTCP)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((ip, port)); s.listen(1); s.settimeout(20)
    got = 0
    try:
        c, _ = s.accept(); c.settimeout(6)
        while True:
            b = c.recv(65536)
            if not b:
                break
            got += len(b)
    except OSError:
        pass
    print(json.dumps({"received": got}), flush=True)
else:
    c = socket.socket(socket.AF_INET, socket.SOCK_STREAM, IPPROTO_MPTCP)
    c.settimeout(5)
    c.connect((ip, port))
    data = (mark * (size // len(mark) + 1))[:size]
    sent, err = 0, ""
    try:
        while sent < size:
            sent += c.send(data[sent:], MPTCP_TRUSTED)
    except OSError as e:
        err = repr(e)
    time.sleep(3)
    print(json.dumps({"queued": sent, "error": err}), flush=True)
"""


def peer_script():
    path = os.path.join(OUT, "peer.py")
    with open(path, "w") as f:
        f.write(PEER_PY)
    return path


def ip(ns, *args, check=True):
    return proc.cmd(["ip", "-n", ns, *args], check=check)


def mpw(ns, *args):
    return cli.mpwifi(*args, ns=ns, json=False)


def marker_frames(pcap):
    """(frames holding marker bytes, whole markers in them) of a capture: any 8 bytes of the repeating
    pattern in a row identify a frame of the trusted data."""
    windows = [(MARK * 2)[i:i + 8] for i in range(len(MARK))]
    frames = marks = 0
    for _, frame in read_pcap(pcap):
        if any(w in frame for w in windows):
            frames += 1
            marks += frame.count(MARK)
    return frames, marks


def namespaces(*names):
    for ns in names:
        proc.cmd(["ip", "netns", "add", ns])
        ksft.defer(proc.cmd, ["ip", "netns", "del", ns], check=False)
        ip(ns, "link", "set", "lo", "up")
        proc.cmd(["sysctl", "-qw", "net.mptcp.enabled=1", "net.ipv6.conf.all.disable_ipv6=1"], ns=ns)


# Each shape: the lowers (veths of the client, each with its peer in the server), the commands that build
# the upper "up0" in the client over them, the server's interface facing it, and the lowers the upper
# sends through (captured).
SHAPES = {
    "vlan": dict(lowers=["lw0"], build=[["link", "add", "link", "lw0", "name", "up0", "type", "vlan", "id", "7"]],
                 server=[["link", "add", "link", "lw0-p", "name", "sv0", "type", "vlan", "id", "7"]]),
    "macvlan": dict(lowers=["lw0"], build=[["link", "add", "link", "lw0", "name", "up0", "type", "macvlan",
                                            "mode", "bridge"]], server=[]),
    "ipvlan": dict(lowers=["lw0"], build=[["link", "add", "link", "lw0", "name", "up0", "type", "ipvlan",
                                           "mode", "l2"]], server=[]),
    "bridge": dict(lowers=["lw0"], build=[["link", "add", "up0", "type", "bridge"],
                                          ["link", "set", "lw0", "master", "up0"]], server=[]),
    # active-backup, lw0 active; lw1 is the backup the test marks untrusted
    "bond": dict(lowers=["lw0", "lw1"], build=[["link", "add", "up0", "type", "bond", "mode", "active-backup",
                                                "miimon", "100"],
                                               ["link", "set", "lw0", "master", "up0"],
                                               ["link", "set", "lw1", "master", "up0"],
                                               ["link", "set", "up0", "type", "bond", "primary", "lw0"]],
                 server=[]),
}


def build(shape):
    """The client's upper over fresh lowers, and the server's side; returns the server's interface."""
    spec = SHAPES[shape]
    for lw in spec["lowers"]:
        ip(CLI, "link", "add", lw, "type", "veth", "peer", "name", lw + "-p", "netns", SRV)
        ip(SRV, "link", "set", lw + "-p", "up")
    for argv in spec["build"]:
        ip(CLI, *argv)
    for lw in spec["lowers"]:  # after they were enslaved: a bond takes only ports that are down
        ip(CLI, "link", "set", lw, "up")
    srv_if = "lw0-p"
    for argv in spec["server"]:
        ip(SRV, *argv)
        srv_if = argv[argv.index("name") + 1]
    ip(CLI, "link", "set", "up0", "up")
    ip(SRV, "link", "set", srv_if, "up")
    ip(CLI, "addr", "add", CLIENT_IP + "/24", "dev", "up0")
    ip(SRV, "addr", "add", SERVER_IP + "/24", "dev", srv_if)
    mpw(SRV, "trust", "set", srv_if, "trusted")
    return srv_if


def teardown(shape):
    ip(CLI, "link", "del", "up0", check=False)
    for lw in SHAPES[shape]["lowers"]:
        ip(CLI, "link", "del", lw, check=False)
    ip(SRV, "link", "del", "sv0", check=False)


def reachable():
    """The server answers a ping through the upper (the bond and the bridge take a moment)."""
    return proc.cmd(["ping", "-c", "1", "-W", "1", SERVER_IP], ns=CLI, check=False).returncode == 0


def listening(ns, port):
    return proc.cmd(["ss", "-Hlnt", "-M", f"sport = :{port}"], ns=ns).stdout.strip() != ""


def exchange(shape, tag, script):
    """One trusted send through up0 with every lower captured; returns (server's count, client's
    result, marker bytes per lower)."""
    caps = {lw: Capture(CLI, lw, snaplen=0, path=os.path.join(OUT, f"{shape}-{tag}-{lw}.pcap")).start()
            for lw in SHAPES[shape]["lowers"]}
    srv = proc.bg(["python3", script, "server", SERVER_IP, str(PORT), str(SIZE), MARK.decode()], ns=SRV,
                  log=os.path.join(OUT, f"{shape}-{tag}-server.log"))
    ksft.wait_until(f"{shape}, {tag}: the server listens", lambda: listening(SRV, PORT), timeout=20)
    client = proc.cmd(["python3", script, "client", SERVER_IP, str(PORT), str(SIZE), MARK.decode()], ns=CLI,
                      check=False, timeout=60)
    srv.wait(30)
    time.sleep(0.5)
    for c in caps.values():
        c.stop()
    with open(os.path.join(OUT, f"{shape}-{tag}-server.log")) as f:
        lines = [line for line in f.read().splitlines() if line.startswith("{")]
    received = json.loads(lines[-1])["received"] if lines else -1
    try:
        result = json.loads(client.stdout.strip().splitlines()[-1])
    except (IndexError, ValueError):
        result = {"error": client.stderr.strip()[-300:]}
    marks = {lw: marker_frames(c.path) for lw, c in caps.items()}
    log(f"      {shape}, {tag}: server received {received} B; client {result}; "
        f"(frames, whole markers) with trusted data per lower: {marks}")
    return received, result, marks


def module_part():
    namespaces(CLI, SRV)
    script = peer_script()
    for shape, spec in SHAPES.items():
        build(shape)
        ksft.wait_until(f"{shape}: the server is reachable through the upper", reachable, timeout=15)
        mpw(CLI, "trust", "set", "up0", "trusted")
        # one lower untrusted: for the bond the backup slave, the active one stays trusted
        untrusted = spec["lowers"][-1]
        for lw in spec["lowers"]:
            mpw(CLI, "trust", "set", lw, "untrusted" if lw == untrusted else "trusted")
        received, result, marks = exchange(shape, "untrusted-lower", script)
        check_eq(f"{shape} over an untrusted {untrusted}: no frame with trusted bytes on any lower (capture)",
                 sum(f for f, _ in marks.values()), 0)
        check_eq(f"{shape} over an untrusted {untrusted}: the server received nothing", received, 0)
        for lw in spec["lowers"]:
            mpw(CLI, "trust", "set", lw, "trusted")
        received, result, marks = exchange(shape, "trusted-lowers", script)
        check_eq(f"{shape} over trusted lowers: the server received all {SIZE} B", received, SIZE)
        # a marker cut by a segment boundary is not counted: 90% of them at least
        want = SIZE // len(MARK) * 9 // 10
        check(f"{shape} over trusted lowers: the trusted bytes crossed lw0 (capture: >= {want} markers)",
              marks["lw0"][1] >= want, f"{marks['lw0']} (frames, markers) on lw0")
        teardown(shape)


def read(path):
    try:
        with open(path) as f:
            return f.read()
    except FileNotFoundError:
        return ""


def level(ns, ifname):
    rows = cli.mpwifi("trust", "show", ifname, ns=ns)
    row = rows[0] if isinstance(rows, list) and rows else rows or {}
    return row.get("level", "")


def expect_level(desc, ifname, want, timeout=8):
    got = ksft.wait_until(desc, lambda: level(DMN, ifname) == want and want, timeout=timeout)
    if got == want:
        check_eq(desc, want, want)


def hwsim_station():
    """One hwsim radio moved into DMN, its station interface renamed wl0; None when hwsim is missing."""
    if proc.cmd(["modprobe", "mac80211_hwsim", "radios=1", "support_p2p_device=0"], check=False).returncode:
        return None
    ksft.defer(proc.cmd, ["rmmod", "mac80211_hwsim"], check=False)
    base = "/sys/devices/virtual/mac80211_hwsim"
    phys = [p for e in os.listdir(base) for p in os.listdir(os.path.join(base, e, "ieee80211"))]
    phy = phys[0]
    dev = os.listdir(f"/sys/class/ieee80211/{phy}/device/net")[0]
    proc.cmd(["iw", "phy", phy, "set", "netns", "name", DMN])
    ip(DMN, "link", "set", dev, "name", "wl0")
    return "wl0"


def daemon_part():
    namespaces(DMN)
    for v in ("vd0", "vd1"):
        ip(DMN, "link", "add", v, "type", "veth", "peer", "name", v + "-p")
    wl = hwsim_station()
    check("a WiFi station interface (mac80211_hwsim)", wl is not None)
    ip(DMN, "link", "add", "link", "vd0", "name", "vd0.5", "type", "vlan", "id", "5")
    ip(DMN, "link", "add", "link", "vd0.5", "name", "mv0", "type", "macvlan", "mode", "bridge")
    if wl:
        ip(DMN, "link", "add", "link", wl, "name", "ipv0", "type", "ipvlan", "mode", "l2")
    ip(DMN, "link", "add", "bd0", "type", "bond", "mode", "active-backup")
    ip(DMN, "link", "set", "vd1", "master", "bd0")
    for dev in ("vd0", "vd1", "vd0.5", "mv0", "bd0") + (("ipv0",) if wl else ()):
        ip(DMN, "link", "set", dev, "up", check=False)
    dlog = os.path.join(OUT, "daemon.log")
    proc.bg([paths.cli_path(), "daemon", "--verbose", "--wpa-ctrl-dir", "/nonexistent"], ns=DMN, log=dlog)
    ksft.wait_until("the daemon runs", lambda: "mpwifi daemon: running" in read(dlog), timeout=20)
    expect_level("daemon: a veth is trusted (wired ethernet)", "vd0", "trusted")
    expect_level("daemon: a VLAN over a veth is trusted", "vd0.5", "trusted")
    expect_level("daemon: a macvlan over that VLAN is trusted", "mv0", "trusted")
    expect_level("daemon: a bond of a veth alone is trusted", "bd0", "trusted")
    if wl:
        expect_level("daemon: the WiFi interface (not associated) is untrusted", wl, "untrusted")
        expect_level("daemon: an ipvlan over the WiFi interface is untrusted", "ipv0", "untrusted")
        # the ipvlan holds the WiFi interface's rx handler, which a bond port needs
        ip(DMN, "link", "del", "ipv0")
        ip(DMN, "link", "set", wl, "down")
        ip(DMN, "link", "set", wl, "master", "bd0")
        expect_level("daemon: a bond of a veth and the WiFi interface is untrusted", "bd0", "untrusted")
        ip(DMN, "link", "set", wl, "nomaster")
        expect_level("daemon: the bond is trusted once the WiFi interface left it", "bd0", "trusted")
        ip(DMN, "link", "set", wl, "down")
        ip(DMN, "link", "set", wl, "master", "bd0")
        expect_level("daemon: ... and untrusted again when it comes back", "bd0", "untrusted")
    lines = [line for line in read(dlog).splitlines() if re.search(r": (un)?trusted \(", line)]
    for line in lines:
        log("      " + line)


def main():
    os.makedirs(OUT, exist_ok=True)
    kmod.load()
    module_part()
    daemon_part()


if __name__ == "__main__":
    ksft.run(main)
