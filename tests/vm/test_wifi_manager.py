#!/usr/bin/env python3
"""The AP manager (`mpwifi daemon --wifi-networks`): three hostapd APs of one SSID on one channel (two open,
one WPA2-PSK), each on its own subnet with a DHCP server (dnsmasq), and a laptop with one bare radio, where
Debian's mptcpd also manages endpoints.  The daemon must create three station interfaces, associate each
with a distinct BSSID, lease an address, route it and give it an MPTCP endpoint (one, whoever adds it), so
that a download uses all three; an AP that stops loses its station, endpoint, routes and rules while the
download goes on; it comes back and is used again; a daemon killed with SIGKILL and started again
duplicates nothing; a daemon stopped leaves nothing; a DHCP client that dies is replaced with no lapse.
Then three more worlds: two APs of one ESS on one subnet, with IPv6 autoconfiguration; a radio allowed two
channels at once; a laptop of two radios."""
import json
import os
import re
import signal
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.realpath(__file__)), "../lib"))
from mpwtest import kmod, ksft, paths, proc, traffic  # noqa: E402
from mpwtest.ksft import check, check_eq  # noqa: E402
from mpwtest.world import PSK, WifiWorld, SERVER_IP, SERVER_IP6  # noqa: E402

OUT = os.path.join(os.environ.get("MPWIFI_VM_OUT", "/tmp"), "wifi-manager")
SSID = "mpwifi-ess"
# On tmpfs: wpa_supplicant's sockets cannot be bound on the 9p share OUT lives on; copied to OUT at the end.
RUN = "/run/mpwifi-test"


def stations(ns):
    """{ifname: ifindex} of the manager's station interfaces (mpw<N>)."""
    links = json.loads(proc.cmd(["ip", "-j", "link", "show"], ns=ns).stdout)
    return {link["ifname"]: link["ifindex"] for link in links if re.fullmatch(r"mpw\d+", link["ifname"])}


def bssid_of(ns, ifname):
    out = proc.cmd(["iw", "dev", ifname, "link"], ns=ns, check=False).stdout
    m = re.search(r"Connected to ([0-9a-f:]{17})", out)
    return m.group(1) if m else None


def ipv4_of(ns, ifname):
    out = proc.cmd(["ip", "-4", "-o", "addr", "show", "dev", ifname], ns=ns, check=False).stdout
    m = re.search(r"inet (\d+\.\d+\.\d+\.\d+)/", out)
    return m.group(1) if m else None


def endpoints(ns):
    """[(address, id, dev)] of the path manager."""
    out = proc.cmd(["ip", "mptcp", "endpoint", "show"], ns=ns).stdout
    return [(m.group(1), int(m.group(2)), m.group(3))
            for m in re.finditer(r"^(\S+) id (\d+) .*?dev (\S+)", out, re.M)]


def ours(ns):
    """What the daemon added that is still there: rules and routes of protocol 207, endpoints on mpw*."""
    rules = [r for f in ("-4", "-6") for r in proc.cmd(["ip", f, "rule", "show"], ns=ns).stdout.splitlines()
             if "proto 207" in r]
    routes = [r for f in ("-4", "-6") for r in proc.cmd(["ip", f, "route", "show", "table", "all"], ns=ns)
              .stdout.splitlines() if "proto 207" in r]
    eps = [e for e in endpoints(ns) if e[2].startswith("mpw")]
    return rules, routes, eps


def all_up(ns, want):
    """The stations once WANT of them are associated with distinct BSSIDs, each with an address and an
    endpoint on it; else None."""
    sta = stations(ns)
    eps = {e[0] for e in endpoints(ns)}
    up = {}
    for name in sta:
        b, ip = bssid_of(ns, name), ipv4_of(ns, name)
        if b and ip and ip in eps:
            up[name] = (b, ip)
    return up if len(up) == want and len({v[0] for v in up.values()}) == want else None


class Daemon:
    def __init__(self, w, networks, world="main"):
        self.w, self.networks, self.world, self.n = w, networks, world, 0
        self.bg = None

    def start(self):
        self.n += 1
        self.log = os.path.join(OUT, f"daemon-{self.world}{self.n}.log")
        self.bg = proc.bg([paths.cli_path(), "daemon", "--verbose", "--wifi-networks", self.networks,
                           "--dhcp-script", os.path.join(paths.REPO, "agent/dhcp/udhcpc-event"),
                           "--run-dir", RUN], ns=self.w.cli_ns, log=self.log)
        self.started = time.monotonic()

    def text(self):
        with open(self.log) as f:
            return f.read()

    def terminate(self, label=""):
        """SIGTERM to the daemon alone (as systemd's KillMode=mixed): it must exit 0."""
        os.kill(self.bg.pid, signal.SIGTERM)
        try:
            check_eq(f"{label}the daemon exits 0 on SIGTERM", self.bg.wait(20), 0)
        except Exception as e:  # noqa: BLE001
            check(f"{label}the daemon exits on SIGTERM", False, e)
        self.bg.stop()
        self.bg = None


def daemon_up(w, networks, want, label):
    """A daemon started on W and, once WANT stations are up, {ifname: (bssid, address)} (None when they
    were not within 40 s, which fails a check)."""
    d = Daemon(w, networks, world=re.sub(r"\W+", "-", label).strip("-"))
    d.start()
    ksft.defer(lambda: d.bg.stop() if d.bg else None)
    up = ksft.wait_until(f"{label}{want} stations up", lambda: all_up(w.cli_ns, want), timeout=40, interval=0.5)
    check(f"{label}{want} stations up, each with an address and an endpoint, on distinct APs", bool(up),
          d.text()[-3000:])
    return d, up


def download_through(w, server, names, label, out):
    """Whether an MPTCP download from SERVER brings over 30 kB through each of the stations NAMES."""
    ns = w.cli_ns
    before = traffic.rx_bytes(ns, names)
    dl = traffic.download_bg(ns, server, int(ksft.scaled(20)), os.path.join(OUT, out), mptcp=True)
    ok = ksft.wait_until(f"{label}the download comes through every station",
                         lambda: all(v - before[i] > 30000 for i, v in traffic.rx_bytes(ns, names).items()),
                         timeout=20, interval=0.5)
    dl.stop()
    return bool(ok), {i: v - before[i] for i, v in traffic.rx_bytes(ns, names).items()}


def main():
    os.makedirs(OUT, exist_ok=True)
    kmod.load()
    # AP 3 protects the same SSID with WPA2-PSK: the file's second network, a different security
    w = WifiWorld(aps=3, channel=1, ssid=SSID, bare_radios=1, ap_security={3: "wpa2"})
    w.up()
    ns = w.cli_ns
    networks = os.path.join(OUT, "networks.conf")
    with open(networks, "w") as f:
        f.write(f'# the APs of the test bed\nnetwork={{\n\tssid="{SSID}"\n\tkey_mgmt=NONE\n}}\n'
                f'network={{\n\tssid="{SSID}"\n\tkey_mgmt=WPA-PSK\n\tpsk="{PSK}"\n}}\n')
    ksft.defer(lambda: proc.cmd(["cp", "-r", RUN, os.path.join(OUT, "run")], check=False))
    # mptcpd's addr_adv plugin adds an endpoint for every new address, as the daemon does for its stations
    mptcpd = proc.bg(["/usr/libexec/mptcpd", "--path-manager=addr_adv", "--addr-flags=subflow",
                      "--notify-flags=existing,skip_link_local,skip_loopback", "--log=stderr"],
                     ns=ns, log=os.path.join(OUT, "mptcpd.log"))
    time.sleep(1)
    check("mptcpd runs", mptcpd.running(), open(os.path.join(OUT, "mptcpd.log")).read()[-500:])
    d = Daemon(w, networks)
    d.start()
    ksft.defer(lambda: d.bg.stop() if d.bg else None)

    up = ksft.wait_until("three stations associated with three APs, each with an address and an endpoint",
                         lambda: all_up(ns, 3), timeout=30, interval=0.5)
    ksft.log(f"      all paths up in {time.monotonic() - d.started:.1f} s: {up}")
    if not up:
        ksft.log(d.text()[-4000:])
        return
    check_eq("the three BSSIDs are the APs' (two open, one WPA2-PSK)", sorted(v[0] for v in up.values()),
             sorted(ap.bssid for ap in w.aps))
    rules, routes, eps = ours(ns)
    check_eq("one source rule per station", len(rules), 3)
    check_eq("one MPTCP endpoint per station", len(eps), 3)
    # `wifi show` reports the manager's state and the DNS servers DHCP gave (each AP's dnsmasq: 10.0.I.1)
    shown = proc.cmd([paths.cli_path(), "-j", "wifi", "show"], ns=ns, env={"MPWIFI_RUN_DIR": RUN}).stdout
    rows = {st["ifname"]: st for radio in json.loads(shown) for st in radio["stations"]}
    check_eq("wifi show: each station up, with its AP's DNS server",
             {name: (rows.get(name, {}).get("state"), rows.get(name, {}).get("dns")) for name in sorted(up)},
             {name: ("up", [re.sub(r"\.\d+$", ".1", ip)]) for name, (_, ip) in sorted(up.items())})
    # several stations may share a subnet (one ESS): each answers ARP for its own address alone
    confs = {name: [proc.cmd(["cat", f"/proc/sys/net/ipv4/conf/{name}/{key}"], ns=ns).stdout.strip()
                    for key in ("arp_ignore", "arp_announce", "rp_filter")] for name in sorted(up)}
    check_eq("each station: arp_ignore 1, arp_announce 2, rp_filter 2", confs,
             {name: ["1", "2", "2"] for name in sorted(up)})
    check("a default route in the main table through a station",
          "default via 10.0." in proc.cmd(["ip", "route", "show", "default"], ns=ns).stdout, routes)

    traffic.iperf3_server(w.srv_ns, mptcp=True)
    seconds = int(ksft.scaled(60))
    dl = traffic.download_bg(ns, SERVER_IP, seconds, os.path.join(OUT, "download.json"), mptcp=True)
    names = sorted(up)
    before = traffic.rx_bytes(ns, names)
    ok = ksft.wait_until("the download comes through all three stations",
                         lambda: all(v - before[i] > 30000 for i, v in traffic.rx_bytes(ns, names).items()),
                         timeout=20, interval=0.5)
    ksft.log(f"      bytes per station: { {i: v - before[i] for i, v in traffic.rx_bytes(ns, names).items()} }")
    check("three subflows carry data", bool(ok))

    # A station's DHCP client dies: the daemon starts another, which takes the lease over, and the
    # station keeps its address, endpoint and rule throughout.
    victim = names[0]
    pidfile = os.path.join(RUN, "dhcp", f"{victim}.pid")
    old_pid = open(pidfile).read().strip()
    victim_ip = up[victim][1]
    proc.cmd(["kill", "-KILL", old_pid])
    lapses = []

    def restarted():
        if not any(e[0] == victim_ip for e in endpoints(ns)) or not any(victim_ip in r for r in ours(ns)[0]):
            lapses.append(round(time.monotonic() - t_kill, 1))
        try:
            pid = open(pidfile).read().strip()
        except OSError:
            return False
        return pid != old_pid and os.path.exists(f"/proc/{pid}") and "starting it again" in d.text()
    t_kill = time.monotonic()
    again = ksft.wait_until(f"{victim}'s DHCP client started again", restarted, timeout=10, interval=0.1)
    check(f"{victim}: a killed DHCP client is started again", bool(again), d.text()[-1500:])
    time.sleep(ksft.scaled(3))  # the new client renews: deconfig, then bound
    restarted()
    check_eq(f"{victim}: its endpoint and rule stood throughout", lapses, [])
    check_eq(f"{victim}: its address is the lease's", ipv4_of(ns, victim), victim_ip)

    # AP 3 stops: its station goes, with its endpoint, routes and rules, within 10 s.
    lost = w.aps[2]
    lost_sta = next(n for n, v in up.items() if v[0] == lost.bssid)
    lost_ip = up[lost_sta][1]
    logged = len(d.text())  # an earlier "left" of that name (a station that failed at start) is not this one
    t0 = time.monotonic()
    proc.cmd(["kill", open(lost.hostapd_pidfile).read().strip()])
    # The daemon logs "left" once the kernel acknowledged every removal; reading its log is cheap, while
    # the checks below run seven commands, which take seconds under emulation beside the download.
    left = ksft.wait_until(f"the daemon says {lost_sta} left", lambda: f"{lost_sta}: left" in d.text()[logged:], timeout=10,
                           interval=0.1)
    t_left = time.monotonic() - t0
    check(f"{lost_sta}: its interface, endpoint, routes and rule gone when the daemon says it left",
          lost_sta not in stations(ns) and not any(e[0] == lost_ip for e in endpoints(ns))
          and not any(lost_ip in r for r in ours(ns)[0]), (stations(ns), ours(ns)))
    if left:
        ksft.log(f"      {lost_sta} left {t_left:.1f} s after hostapd stopped")
    rest = [n for n in names if n != lost_sta]
    mid = traffic.rx_bytes(ns, rest)
    check("the download goes on through the other two",
          bool(ksft.wait_until("bytes through the other stations",
                               lambda: sum(v - mid[i] for i, v in traffic.rx_bytes(ns, rest).items()) > 100000,
                               timeout=10)))

    # It comes back: a station joins it again.
    w._start_hostapd(lost)
    back = ksft.wait_until("the AP that came back is used again", lambda: all_up(ns, 3), timeout=40, interval=0.5)
    check("it serves the AP that came back", bool(back) and lost.bssid in {v[0] for v in back.values()}, back)
    dl.stop()

    # SIGKILL and a restart: nothing duplicated, nothing stale.
    os.kill(d.bg.proc.pid, signal.SIGKILL)
    d.bg.proc.wait()
    d.start()
    # the old stations stay up until the new daemon has removed them, before it says it runs
    ksft.wait_until("the restarted daemon runs", lambda: "mpwifi daemon: running" in d.text(), timeout=20)
    again = ksft.wait_until("after SIGKILL and a restart: three stations again", lambda: all_up(ns, 3),
                            timeout=40, interval=0.5)
    if again:
        rules, routes, eps = ours(ns)
        check_eq("after the restart: three stations, rules, endpoints",
                 (len(stations(ns)), len(rules), len(eps)), (3, 3, 3))
        defaults = [r for r in routes if r.startswith("default") and "table" not in r]
        check_eq("one default route of ours in the main table", len(defaults), 1)
    check("the restarted daemon removed its predecessor's leftovers", "earlier daemon" in d.text(),
          d.text()[-2000:])

    # A stop (SIGTERM to the daemon alone, as systemd's KillMode=mixed) leaves nothing.
    d.terminate()
    rules, routes, eps = ours(ns)
    check_eq("stopped: no station interface, rule, route or endpoint of ours",
             (sorted(stations(ns)), rules, routes, eps), ([], [], [], []))
    left = proc.cmd(["pgrep", "-af", RUN], check=False).stdout.strip()
    check_eq("stopped: no DHCP client or wpa_supplicant of ours", left, "")
    mptcpd.stop()
    w = one_ess(w, networks)
    w = two_channels(w, networks)
    two_radios(w, networks)
    clean, reports = kmod.kernel_log_clean()
    check("kernel log free of BUG/WARNING/Oops", clean, reports)


def one_ess(w, networks):
    """Two APs of one ESS bridged onto one subnet: both stations lease addresses of it, and each address is
    answered for by its own station alone (without arp_ignore both would answer the router's ARP, and the
    server's traffic for one address could arrive through the other AP)."""
    w.down()
    w = WifiWorld(aps=2, channel=1, ssid=SSID, bare_radios=1, one_subnet=True, ipv6=True)
    w.up()
    ns = w.cli_ns
    d, up = daemon_up(w, networks, 2, "one ESS: ")
    if not up:
        return w
    check("one ESS: both addresses in the one subnet", all(ip.startswith("10.0.0.") for _, ip in up.values()), up)
    macs = {ip: proc.cmd(["cat", f"/sys/class/net/{name}/address"], ns=ns).stdout.strip()
            for name, (_, ip) in up.items()}
    for ip in macs:
        proc.cmd(["ping", "-c", "1", "-W", "2", ip], ns=w.srv_ns, check=False)
    neigh = {n["dst"]: n.get("lladdr") for n in json.loads(proc.cmd(["ip", "-j", "neigh", "show", "dev", "ess"],
                                                                  ns=w.srv_ns).stdout or "[]")}
    check_eq("one ESS: the router reaches each address at its own station's MAC",
             {ip: neigh.get(ip) for ip in macs}, macs)
    traffic.iperf3_server(w.srv_ns, mptcp=True)
    names = sorted(up)
    check("one ESS: two subflows carry data", *download_through(w, SERVER_IP, names, "one ESS: ", "download-ess.json"))

    # IPv6: the router advertises a prefix; each station autoconfigures an address of it, which the
    # daemon routes through the station's own table and gives an endpoint
    def v6_up():
        got = {}
        eps6 = {e[0] for e in endpoints(ns) if ":" in e[0]}
        rules6 = proc.cmd(["ip", "-6", "rule", "show"], ns=ns).stdout
        for name in names:
            out = proc.cmd(["ip", "-6", "-o", "addr", "show", "dev", name, "scope", "global"], ns=ns).stdout
            m = re.search(r"inet6 (2001:db8:e55:[0-9a-f:]+)/64", out)
            if m and m.group(1) in eps6 and f"from {m.group(1)} lookup 280" in rules6:
                got[name] = m.group(1)
        return got if len(got) == len(names) else None
    six = ksft.wait_until("one ESS: each station's IPv6 address routed, with an endpoint", v6_up, timeout=30,
                          interval=0.5)
    check("one ESS: IPv6 autoconfigured on each station, each with its rule and endpoint", bool(six),
          proc.cmd(["ip", "-6", "addr"], ns=ns).stdout[-1500:] + d.text()[-1500:])
    if six:
        tables = {name: proc.cmd(["ip", "-6", "route", "show", "table", "all", "proto", "207", "dev", name],
                                 ns=ns).stdout for name in names}
        check("one ESS: each station's table has the prefix and a default route through the router",
              all("2001:db8:e55::/64" in t and "default via fe80::" in t for t in tables.values()), tables)
        check("one ESS: two IPv6 subflows carry data",
              *download_through(w, SERVER_IP6, names, "one ESS, IPv6: ", "download-ess6.json"))

    d.terminate("one ESS: ")
    check_eq("one ESS: stopped: no station, rule, route or endpoint of ours (IPv4 or IPv6)",
             (stations(ns), ours(ns)), ({}, ([], [], [])))
    return w


def two_channels(w, networks):
    """A radio whose driver allows two channels at once (hwsim channels=2, through channel contexts): the
    manager puts stations on both, two APs on channel 1 and one on channel 6."""
    w.down()
    w = WifiWorld(aps=3, channel=1, ap_channels={3: 6}, ssid=SSID, bare_radios=1, hwsim_channels=2)
    w.up()
    ns = w.cli_ns
    radios = json.loads(proc.cmd([paths.cli_path(), "-j", "wifi", "show"], ns=ns).stdout)
    check_eq("two channels: the radio says so", [r["channels"] for r in radios], [2])
    d, up = daemon_up(w, networks, 3, "two channels: ")
    if not up:
        return w
    freqs = {}
    for name in up:
        m = re.search(r"freq: (\d+)", proc.cmd(["iw", "dev", name, "link"], ns=ns, check=False).stdout)
        freqs[name] = int(m.group(1)) if m else None
    check_eq("two channels: stations on 2412 and 2437 MHz", sorted(freqs.values()), [2412, 2412, 2437])
    traffic.iperf3_server(w.srv_ns, mptcp=True)
    check("two channels: subflows on both channels carry data",
          *download_through(w, SERVER_IP, sorted(up), "two channels: ", "download-2ch.json"))
    d.terminate("two channels: ")
    return w


def two_radios(w, networks):
    """A laptop of two radios (one channel each), two APs on channel 1 and one on channel 6: the radios take
    different channels (another radio's channel is worth half: they would split its air) and no AP twice."""
    w.down()
    w = WifiWorld(aps=3, channel=1, ap_channels={3: 6}, ssid=SSID, bare_radios=2)
    w.up()
    ns = w.cli_ns
    d, up = daemon_up(w, networks, 3, "two radios: ")
    if not up:
        return w
    where = {}
    for name in up:
        info = proc.cmd(["iw", "dev", name, "info"], ns=ns).stdout
        link = proc.cmd(["iw", "dev", name, "link"], ns=ns, check=False).stdout
        phy, freq = re.search(r"wiphy (\d+)", info), re.search(r"freq: (\d+)", link)
        where[name] = (int(phy.group(1)) if phy else None, int(freq.group(1)) if freq else None)
    by_radio = {}
    for phy, freq in where.values():
        by_radio.setdefault(phy, set()).add(freq)
    check_eq("two radios: each on one channel of its own", sorted(sorted(f) for f in by_radio.values()),
             [[2412], [2437]])
    d.terminate("two radios: ")
    return w


ksft.run(main)
