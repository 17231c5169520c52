#!/usr/bin/env python3
"""The trust daemon (`mpwifi daemon`): classification of veth, tun and emulated WiFi (open, WPA2-PSK, and
WPA2-Enterprise when hostapd's EAP server works here), manual levels against automatic ones,
endpoint-min-trust, and a new subflow over a trusted link that comes back.  Levels are read back from
the module with `mpwifi trust show`; the daemon's reasons from its log.
"""
import os
import re
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.realpath(__file__)), "../lib"))
from mpwtest import cli, kmod, ksft, paths, proc, traffic  # noqa: E402
from mpwtest.ksft import check, check_eq  # noqa: E402
from mpwtest.world import WifiWorld  # noqa: E402

OUT = os.path.join(os.environ.get("MPWIFI_VM_OUT", "/tmp"), "trust-agent")
TT, TP = "tt", "tp"  # the host under test and its peer

# One MPTCP (or plain TCP) connection: a server that reads everything, a client that writes for a while.
MPTCP_PY = r"""
import socket, sys, time
IPPROTO_MPTCP = 262
mode = sys.argv[1]
proto = socket.IPPROTO_TCP if mode.startswith("plain") else IPPROTO_MPTCP
port = 5556 if mode.startswith("plain") else 5555
if mode.endswith("server"):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM, proto)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("0.0.0.0", port)); s.listen(1)
    c, _ = s.accept()
    while c.recv(65536):
        pass
else:
    c = socket.socket(socket.AF_INET, socket.SOCK_STREAM, proto)
    if len(sys.argv) > 4:
        c.bind((sys.argv[4], 0))
    c.connect((sys.argv[2], port))
    end = time.time() + float(sys.argv[3])
    while time.time() < end:
        c.send(b"x" * 4096)
        time.sleep(0.02)
"""


def read(path):
    try:
        with open(path) as f:
            return f.read()
    except FileNotFoundError:
        return ""


def poll(fn, timeout, interval=0.1):
    """fn()'s value once truthy, or its last value after TIMEOUT s (scaled)."""
    deadline = time.monotonic() + ksft.scaled(timeout)
    while True:
        v = fn()
        if v or time.monotonic() >= deadline:
            return v
        time.sleep(interval)


def start_daemon(ns, logfile, *args):
    """The daemon in NS logging to LOGFILE; returns (Bg, whether it said it runs within 20 s)."""
    d = proc.bg([paths.cli_path(), "daemon", "--verbose", *args], ns=ns, log=logfile)
    return d, bool(poll(lambda: "mpwifi daemon: running" in read(logfile), 20))


def trust_row(ns, ifname):
    rows = cli.mpwifi("trust", "show", ifname, ns=ns)
    return rows[0] if rows else {}


def level(ns, ifname):
    return trust_row(ns, ifname).get("level", "")


def expect_level(desc, ns, ifname, want, timeout=5):
    """IFNAME's level in NS becomes WANT within TIMEOUT s."""
    got = poll(lambda: level(ns, ifname) == want, timeout) and want or level(ns, ifname)
    check_eq(desc, got, want)


def check_reason(desc, logfile, ifname, lvl, reason):
    """The daemon's log has `IFNAME: LEVEL (...REASON`."""
    pat = re.compile(r"^mpwifi daemon: " + re.escape(ifname) + ": " + lvl + r" \(.*" + re.escape(reason), re.M)
    text = read(logfile)
    lines = [line for line in text.splitlines() if line.startswith(f"mpwifi daemon: {ifname}: ")]
    check(desc, pat.search(text), f"its lines: {lines[-3:]}")


def check_log_soon(desc, logfile, pattern, timeout=3):
    check(desc, poll(lambda: re.search(pattern, read(logfile)), timeout),
          f"not in the log within {timeout} s: {pattern}")


def check_soon(desc, fn, timeout, saw=lambda: ""):
    """fn() becomes truthy within TIMEOUT s; SAW() says what was seen when it did not."""
    ok = bool(poll(fn, timeout))
    return check(desc, ok, "" if ok else f"not within {timeout} s; {saw()}")


def endpoints(ns):
    return proc.cmd(["ip", "-n", ns, "mptcp", "endpoint", "show"]).stdout


def has_endpoint(ns, addr):
    return any(line.split()[:1] == [addr] for line in endpoints(ns).splitlines())


def wired():
    """tt (the host under test) and tp (its peer): two veth pairs and a tun device."""
    for ns in (TT, TP):
        proc.cmd(["ip", "netns", "add", ns])
        ksft.defer(proc.cmd, ["ip", "netns", "del", ns], check=False)
    ip = ["ip", "-n", TT]
    proc.cmd(ip + ["link", "add", "veth-a", "type", "veth", "peer", "name", "veth-a-p", "netns", TP])
    proc.cmd(ip + ["link", "add", "veth-b", "type", "veth", "peer", "name", "veth-b-p", "netns", TP])
    proc.cmd(["modprobe", "tun"], check=False)
    if not os.path.exists("/dev/net/tun"):
        os.makedirs("/dev/net", exist_ok=True)
        os.mknod("/dev/net/tun", 0o666 | 0o020000, os.makedev(10, 200))
    proc.cmd(ip + ["tuntap", "add", "dev", "tun0", "mode", "tun"])
    proc.cmd(ip + ["addr", "add", "192.168.10.1/24", "dev", "veth-a"])
    proc.cmd(ip + ["addr", "add", "192.168.20.1/24", "dev", "veth-b"])
    proc.cmd(ip + ["addr", "add", "10.77.0.1/24", "dev", "tun0"])
    proc.cmd(["ip", "-n", TP, "addr", "add", "192.168.10.2/24", "dev", "veth-a-p"])
    proc.cmd(["ip", "-n", TP, "addr", "add", "192.168.20.2/24", "dev", "veth-b-p"])
    for ns in (TT, TP):
        proc.cmd(["ip", "-n", ns, "link", "set", "lo", "up"])
        proc.cmd(["sysctl", "-qw", "net.mptcp.enabled=1"], ns=ns)
        proc.cmd(["ip", "-n", ns, "mptcp", "limits", "set", "subflows", "8", "add_addr_accepted", "8"])
    for dev in ("veth-a", "veth-b", "tun0"):
        proc.cmd(ip + ["link", "set", dev, "up"])
    for dev in ("veth-a-p", "veth-b-p"):
        proc.cmd(["ip", "-n", TP, "link", "set", dev, "up"])
    # an endpoint on the untrusted path, for endpoint-min-trust to take away
    proc.cmd(ip + ["mptcp", "endpoint", "add", "192.168.20.1", "dev", "veth-b", "subflow"])
    for peer in ("192.168.10.2", "192.168.20.2"):
        poll(lambda: proc.cmd(["ping", "-c1", "-W1", peer], ns=TT, check=False).returncode == 0, 5)

    wlog = os.path.join(OUT, "daemon-wired.log")
    daemon, ok = start_daemon(TT, wlog, "--override", "iface:veth-b=untrusted", "--endpoint-min-trust", "trusted")
    check("daemon starts", ok, read(wlog)[-500:])
    expect_level("veth: wired ethernet, trusted", TT, "veth-a", "trusted")
    check_reason("... with its reason in the log", wlog, "veth-a", "trusted", "wired ethernet (veth)")
    expect_level("veth with an override: untrusted", TT, "veth-b", "untrusted")
    check_reason("... with its reason in the log", wlog, "veth-b", "untrusted", "override iface:veth-b=untrusted")
    expect_level("tun: VPN, trusted", TT, "tun0", "trusted")
    expect_level("loopback: trusted", TT, "lo", "trusted")

    check_soon("endpoint-min-trust trusted: the untrusted path's endpoint is removed",
               lambda: not has_endpoint(TT, "192.168.20.1"), 5, saw=lambda: endpoints(TT))
    check_soon("trusted-endpoints: the trusted veth got a subflow endpoint",
               lambda: has_endpoint(TT, "192.168.10.1"), 5, saw=lambda: endpoints(TT))
    line = [e for e in endpoints(TT).splitlines() if e.startswith("192.168.10.1 ")]
    check("... bound to its interface", line and "dev veth-a" in line[0], f"endpoint: {line}")

    # one MPTCP connection: first subflow over veth-b (routing), a second one from the veth-a endpoint
    script = os.path.join(OUT, "mptcp.py")
    with open(script, "w") as f:
        f.write(MPTCP_PY)
    # each client starts once its server listens: a fixed half second was sometimes too short for Python
    # to start under load, and the client's one connect was refused
    proc.bg(["python3", script, "server"], ns=TP)
    ksft.wait_until("the MPTCP server listens", lambda: traffic.listening(TP, 5555), 10)
    proc.bg(["python3", script, "client", "192.168.20.2", "60"], ns=TT)
    # a plain TCP connection over the trusted veth, which must survive its link going down
    proc.bg(["python3", script, "plainserver"], ns=TP)
    ksft.wait_until("the plain TCP server listens", lambda: traffic.listening(TP, 5556), 10)
    proc.bg(["python3", script, "plainclient", "192.168.10.2", "60", "192.168.10.1"], ns=TT)

    def plain_alive():
        return "192.168.10.1" in proc.cmd(["ss", "-tnH", "state", "established", "( dport = :5556 )"],
                                          ns=TT).stdout

    def subflows_from_a():
        out = proc.cmd(["ss", "-tniH", "state", "established", "src", "192.168.10.1"], ns=TT).stdout
        return out.count("tcp-ulp-mptcp")

    def nsub():
        return f"{subflows_from_a()} MPTCP subflows from 192.168.10.1"

    check_soon("MPTCP connection has a subflow over the trusted veth", lambda: subflows_from_a() >= 1, 10, saw=nsub)
    check_soon("a plain TCP connection over the trusted veth", plain_alive, 5)
    proc.cmd(ip + ["link", "set", "veth-a", "down"])
    check_soon("trusted link down: its subflow is aborted", lambda: subflows_from_a() == 0, 3, saw=nsub)
    check_log_soon("... and the daemon says so", wlog, r"veth-a: link lost: aborted [1-9]")
    time.sleep(1)
    start = time.monotonic()
    proc.cmd(ip + ["link", "set", "veth-a", "up"])
    back = poll(lambda: subflows_from_a() >= 1, 3)
    took = time.monotonic() - start
    check(f"trusted link back: a new subflow over it within 3 s ({took:.2f} s)", back,
          proc.cmd(["ss", "-tniM"], ns=TT, check=False).stdout if not back else "")
    check("... the endpoint was re-added", "veth-a: link back: re-added endpoint" in read(wlog),
          "no such line in the daemon's log")
    check("the plain TCP connection over it was not aborted", plain_alive())

    mpw = [paths.cli_path()]
    proc.cmd(mpw + ["trust", "set", "veth-a", "untrusted"], ns=TT)
    expect_level("manual untrusted wins", TT, "veth-a", "untrusted")
    check_log_soon("... the daemon notes it once", wlog, r"veth-a: a manual setting wins")
    check_eq("... source manual", trust_row(TT, "veth-a").get("source"), "manual")
    proc.cmd(mpw + ["trust", "set", "veth-a", "auto"], ns=TT)
    expect_level("trust set auto: the daemon re-applies trusted within 1 s", TT, "veth-a", "trusted", timeout=1)
    check_eq("... as source auto", trust_row(TT, "veth-a").get("source"), "auto")
    proc.cmd(mpw + ["trust", "set", "veth-b", "trusted"], ns=TT)
    check_soon("endpoint-min-trust: the endpoint comes back when the level rises",
               lambda: has_endpoint(TT, "192.168.20.1"), 3, saw=lambda: endpoints(TT))
    proc.cmd(mpw + ["trust", "set", "veth-b", "auto"], ns=TT)
    check_soon("... and goes when it falls again", lambda: not has_endpoint(TT, "192.168.20.1"), 3, saw=lambda: endpoints(TT))

    proc.cmd(["kill", str(daemon.pid)])
    check_log_soon("daemon stops on SIGTERM", wlog, "stopping", timeout=5)
    check_soon("... and puts back the endpoints it removed", lambda: has_endpoint(TT, "192.168.20.1"), 3, saw=lambda: endpoints(TT))
    p = proc.cmd(mpw + ["daemon", "--endpoint-min-trust", "maybe"], ns=TT, check=False)
    check_eq("bad option: exit 2, nothing changed", p.returncode, 2)
    bad = os.path.join(OUT, "bad.conf")
    with open(bad, "w") as f:
        f.write("bogus = 1\n")
    p = proc.cmd(mpw + ["daemon", "--config", bad], ns=TT, check=False)
    check_eq("unknown config key: exit 2", p.returncode, 2)
    ksft.run_cleanups()  # the wired world goes before the WiFi one comes


def kill_pidfile(path):
    """Stops the daemon whose pid file is PATH (hostapd, wpa_supplicant started with -B)."""
    try:
        with open(path) as f:
            os.kill(int(f.read().strip()), 15)
    except (FileNotFoundError, ProcessLookupError, ValueError):
        pass


def wifi():
    """sta1 on an open AP, sta2 on a WPA2-PSK AP; then WPA2-Enterprise (EAP-PSK) on AP 2 if it works here."""
    w = WifiWorld(aps=2, stations=2, ap_security={1: "open", 2: "wpa2"}, mptcp=False).up()
    C = w.cli_ns
    sta1, sta2 = w.stations
    # one directory with both stations' control sockets, as /run/wpa_supplicant would be
    ctrl = "/run/trust-agent-wpa"
    os.makedirs(ctrl, exist_ok=True)
    for st in (sta1, sta2):
        link = os.path.join(ctrl, st.ifname)
        if os.path.lexists(link):
            os.unlink(link)
        os.symlink(os.path.join(st.wpa_ctrl, st.ifname), link)

    flog = os.path.join(OUT, "daemon-wifi.log")
    d, ok = start_daemon(C, flog, "--wpa-ctrl-dir", ctrl)
    check("daemon starts (wpa_supplicant)", ok, read(flog)[-500:])
    expect_level("open AP: untrusted", C, "sta1", "untrusted")
    check_reason("... open, from wpa_supplicant", flog, "sta1", "untrusted", "open (wpa_supplicant)")
    expect_level("WPA2-PSK AP: untrusted by default", C, "sta2", "untrusted")
    check_reason("... personal, from wpa_supplicant", flog, "sta2", "untrusted",
                 "WPA2/WPA3-Personal (shared key) (wpa_supplicant)")
    d.stop()

    plog = os.path.join(OUT, "daemon-wifi-personal.log")
    d, ok = start_daemon(C, plog, "--personal-trusted", "--wpa-ctrl-dir", "/nonexistent")
    check("daemon starts (--personal-trusted, nl80211 only)", ok, read(plog)[-500:])
    expect_level("WPA2-PSK AP with personal-trusted: trusted", C, "sta2", "trusted")
    check_reason("... learnt from the RSN element (nl80211)", plog, "sta2", "trusted", "personal-trusted (nl80211)")
    expect_level("open AP stays untrusted", C, "sta1", "untrusted")
    check_reason("... open, from nl80211", plog, "sta1", "untrusted", "open (nl80211)")
    # disconnect: the daemon follows the MLME event
    wpa_cli = ["wpa_cli", "-p", sta2.wpa_ctrl, "-i", "sta2"]
    proc.cmd(wpa_cli + ["disconnect"], ns=C)
    expect_level("disassociated: untrusted", C, "sta2", "untrusted")
    proc.cmd(wpa_cli + ["reconnect"], ns=C)
    expect_level("reassociated: trusted again", C, "sta2", "trusted", timeout=20)
    d.stop()

    # WPA2-Enterprise through hostapd's internal EAP server (EAP-PSK: no certificates), on AP 2
    ap2 = w.aps[1]
    eap = os.path.join(w.dir, "eap")
    os.makedirs(eap, exist_ok=True)
    with open(os.path.join(eap, "eap_user"), "w") as f:
        f.write('"mpwifi-user" PSK 000102030405060708090a0b0c0d0e0f\n')
    kill_pidfile(ap2.hostapd_pidfile)
    conf = [line for line in read(ap2.hostapd_conf).splitlines()
            if not line.startswith(("wpa_key_mgmt=", "wpa_passphrase=", "ctrl_interface="))]
    conf += [f"ctrl_interface={eap}/ctrl", "wpa_key_mgmt=WPA-EAP", "ieee8021x=1", "eap_server=1",
             f"eap_user_file={eap}/eap_user"]
    with open(os.path.join(eap, "hostapd.conf"), "w") as f:
        f.write("\n".join(conf) + "\n")
    time.sleep(0.5)
    hlog, wlog_ = os.path.join(eap, "hostapd.log"), os.path.join(eap, "wpa.log")
    enterprise = False
    if proc.cmd(["hostapd", "-B", "-t", "-P", os.path.join(eap, "hostapd.pid"), "-f", hlog,
                 os.path.join(eap, "hostapd.conf")], ns=ap2.ns, check=False).returncode == 0 \
            and poll(lambda: "AP-ENABLED" in read(hlog), 10):
        with open(os.path.join(eap, "wpa.conf"), "w") as f:
            f.write(f"ctrl_interface={eap}/sta\nnetwork={{\n ssid=\"{sta2.ap.ssid}\"\n scan_freq={sta2.ap.freq}\n"
                    " key_mgmt=WPA-EAP\n eap=PSK\n identity=\"mpwifi-user\"\n"
                    " password=000102030405060708090a0b0c0d0e0f\n}\n")
        kill_pidfile(sta2.wpa_pidfile)
        time.sleep(0.5)
        enterprise = proc.cmd(["wpa_supplicant", "-B", "-t", "-D", "nl80211", "-i", "sta2", "-c",
                               os.path.join(eap, "wpa.conf"), "-P", os.path.join(eap, "wpa.pid"), "-f", wlog_],
                              ns=C, check=False).returncode == 0 \
            and bool(poll(lambda: "CTRL-EVENT-CONNECTED" in read(wlog_), 20))
    # Debian's hostapd has the internal EAP server and EAP-PSK: a setup that fails here is a failure
    check("WPA2-Enterprise AP (hostapd EAP server, EAP-PSK) up and sta2 connected to it", enterprise,
          " | ".join(line for f in (hlog, wlog_) for line in read(f).splitlines()[-3:]))
    if enterprise:
        link = os.path.join(ctrl, "sta2")
        os.unlink(link)
        os.symlink(os.path.join(eap, "sta", "sta2"), link)
        elog = os.path.join(OUT, "daemon-wifi-enterprise.log")
        d, ok = start_daemon(C, elog, "--wpa-ctrl-dir", ctrl)
        check("daemon starts (enterprise)", ok, read(elog)[-500:])
        expect_level("WPA2-Enterprise AP: trusted", C, "sta2", "trusted")
        check_reason("... enterprise, from wpa_supplicant", elog, "sta2", "trusted",
                     "WPA2/WPA3-Enterprise (wpa_supplicant)")
        d.stop()
        elog2 = os.path.join(OUT, "daemon-wifi-enterprise-nl80211.log")
        d, ok = start_daemon(C, elog2, "--wpa-ctrl-dir", "/nonexistent")
        check("daemon starts (enterprise, nl80211 only)", ok, read(elog2)[-500:])
        expect_level("WPA2-Enterprise from the RSN element: trusted", C, "sta2", "trusted")
        d.stop()
    # the EAP hostapd and wpa_supplicant are not the world's: stop them before it goes
    kill_pidfile(os.path.join(eap, "hostapd.pid"))
    kill_pidfile(os.path.join(eap, "wpa.pid"))


def main():
    os.makedirs(OUT, exist_ok=True)
    kmod.load()
    wired()
    wifi()


if __name__ == "__main__":
    ksft.run(main)
