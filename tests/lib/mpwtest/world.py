"""The emulated WiFi world: mac80211_hwsim radios, hostapd access points, wpa_supplicant stations in a
client namespace, a server, optional cellular path, optional airsim medium, netem on the paths.

    srv --veth-- ap1 ~~wifi~~ sta1 \
        --veth-- ap2 ~~wifi~~ sta2 |- cli
        --veth--------(cellular)---/   (optional)

Namespaces: apI (one hwsim radio running hostapd, SSID mpwifi-apI, uplink veth to srv, IPv4 forwarding),
cli (the client radios and their station interfaces sta1..staM), srv (the server, address on a dummy
interface, reachable through every AP and the cellular path).

Client radios: by default one radio per station, station K joining AP ((K-1) mod N)+1. With
radios=[[1, 2, 3]] one client radio carries three station interfaces (sta1..sta3), each with its own
locally administered MAC and associated with its own AP (all APs must then share a channel: a radio
is on one channel); radios=[[1], [2, 3]] gives two radios, and so on. Stations are numbered across
radios in order. hwsim radio order: ap1..apN, then the client radios.

Addressing (IPv4 only; IPv6 off in every namespace, so the air carries only beacons, management
frames, ARP and what the tests send):
  WiFi of AP I            10.0.I.0/24      AP 10.0.I.1, station K on it 10.0.I.(10+K)
  uplink AP I <-> srv     10.100.I.0/24    srv end 10.100.I.1 (to-apI), AP end 10.100.I.2 (to-srv)
  server                  10.255.0.1/32    on dummy srv0 in srv
  cellular cli <-> srv    10.200.0.0/24    srv 10.200.0.1, cli 10.200.0.2 (both ends named cell0)
The server routes 10.0.I.0/24 back through AP I. The client has one routing table per path (100+K for
station K, 200 for cellular) selected by source address; its main default route goes through sta1.
MPTCP (unless mptcp=False): enabled in cli and srv, limits subflows 8 add_addr_accepted 8 on both, one
"subflow" endpoint per station (and cellular) in cli. net.ipv4.tcp_ecn=1 in cli and srv always.

Everything lives in the world's directory (default /run/mpwifi-topo): per-AP and per-station
directories (hostapd / wpa_supplicant configuration, control socket, pid file, log), medium.log, and the
shell-sourceable state file `env` that tools/vm/topology has always published (see write_env()).
"""
import os
import re
import shlex
import signal
import subprocess
import sys
import time

from . import ksft, paths, proc, traffic

DEFAULT_DIR = "/run/mpwifi-topo"
PSK = "mpwifi-passphrase"
SERVER_IP = "10.255.0.1"
ESS_ROUTER = "10.0.0.1"     # one_subnet: the LAN behind every AP
ESS_PREFIX6 = "2001:db8:e55::"   # one_subnet with ipv6: its advertised prefix (/64) ...
ESS_ROUTER6 = "2001:db8:e55::1"  # ... the router's address in it
SERVER_IP6 = "2001:db8:ff::1"    # ... and the server's
CELL_CLI_IP = "10.200.0.2"
CELL_SRV_IP = "10.200.0.1"
CELL_TABLE = 200
LEGACY_RATES = ("1", "2", "5.5", "11", "6", "9", "12", "18", "24", "36", "48", "54")
HWSIM_SYSFS = "/sys/devices/virtual/mac80211_hwsim"
OUR_NS = re.compile(r"^(cli|srv|ap[0-9]+)$")


class WorldError(Exception):
    pass


def channel_freq(ch):
    if ch == 14:
        return 2484
    if ch <= 13:
        return 2407 + 5 * ch
    return 5000 + 5 * ch


def cellular_netem(spec):
    """RATE/DELAY (either part may be empty) -> netem arguments; anything else is netem arguments."""
    m = re.fullmatch(r"([^\s/]*)/([^\s/]*)", spec)
    if not m:
        return spec
    parts = []
    if m.group(1):
        parts.append(f"rate {m.group(1)}")
    if m.group(2):
        parts.append(f"delay {m.group(2)}")
    return " ".join(parts)


class Ap:
    def __init__(self, world, i, channel, security, netem):
        self.index = i
        self.ns = f"ap{i}"
        self.ifname = f"wlan-ap{i}"
        self.ssid = f"mpwifi-ap{i}"
        self.channel = channel
        self.freq = channel_freq(channel)
        self.security = security
        self.netem = netem
        self.ip = f"10.0.{i}.1"
        self.subnet = f"10.0.{i}.0/24"
        self.uplink_if, self.uplink_ip = "to-srv", f"10.100.{i}.2"
        self.srv_if, self.srv_ip = f"to-ap{i}", f"10.100.{i}.1"
        self.dir = os.path.join(world.dir, self.ns)
        self.hostapd_conf = os.path.join(self.dir, "hostapd.conf")
        self.hostapd_ctrl = os.path.join(self.dir, "ctrl")
        self.hostapd_log = os.path.join(self.dir, "hostapd.log")
        self.hostapd_pidfile = os.path.join(self.dir, "hostapd.pid")
        self.phy = self.mac = self.hwsim_index = None

    @property
    def bssid(self):
        return self.mac

    def __repr__(self):
        return f"<Ap {self.ns} {self.bssid} ch {self.channel}>"


class ClientRadio:
    """One client radio (a hwsim phy in cli) and the station interfaces it carries."""

    def __init__(self, index):
        self.index = index
        self.phy = self.mac = self.hwsim_index = None
        self.stations = []

    def __repr__(self):
        return f"<ClientRadio {self.index} {self.phy}: {[s.ifname for s in self.stations]}>"


class Station:
    def __init__(self, world, k, ap, radio):
        self.index = k
        self.ns = "cli"
        self.ifname = f"sta{k}"
        self.ap = ap
        self.ap_index = ap.index
        self.radio = radio
        self.ip = f"10.0.{ap.index}.{10 + k}"
        self.prefix = 24
        self.gw = ap.ip
        self.table = 100 + k
        self.dir = os.path.join(world.dir, self.ifname)
        self.wpa_conf = os.path.join(self.dir, "wpa_supplicant.conf")
        self.wpa_ctrl = os.path.join(self.dir, "ctrl")
        self.wpa_log = os.path.join(self.dir, "wpa_supplicant.log")
        self.wpa_pidfile = os.path.join(self.dir, "wpa_supplicant.pid")
        self.mac = None

    @property
    def phy(self):
        return self.radio.phy

    @property
    def bssid(self):
        return self.ap.bssid

    def __repr__(self):
        return f"<Station {self.ifname} {self.mac} -> {self.ap.ns}>"


class _Batches:
    """ip / tc commands queued per namespace ("-": the initial one) and run in one process each:
    under TCG every process costs tens to hundreds of milliseconds."""

    def __init__(self):
        self.ip, self.tc, self.order = {}, {}, []

    def ipq(self, ns, line):
        if ns not in self.ip:
            self.ip[ns] = []
            self.order.append(ns)
        self.ip[ns].append(line)

    def netem(self, ns, dev, first, second=""):
        """netem FIRST on DEV, then a second netem stage for SECOND (the effects add up)."""
        if not first:
            first, second = second, ""
        if not first:
            return
        self.tc.setdefault(ns, []).append(f"qdisc replace dev {dev} root handle 1: netem {first}")
        if second:
            self.tc[ns].append(f"qdisc add dev {dev} parent 1:1 handle 10: netem {second}")

    def run(self):
        order = (["-"] if "-" in self.ip else []) + [n for n in self.order if n != "-"]
        for ns in order:
            argv = ["ip", "-batch", "-"] if ns == "-" else ["ip", "-n", ns, "-batch", "-"]
            p = proc.cmd(argv, input="\n".join(self.ip[ns]) + "\n", check=False)
            if p.returncode:
                raise WorldError(f"ip commands failed in namespace {ns}: {p.stderr.strip()}")
        for ns, lines in self.tc.items():
            p = proc.cmd(["tc", "-n", ns, "-batch", "-"], input="\n".join(lines) + "\n", check=False)
            if p.returncode:
                raise WorldError(f"tc (netem) commands failed in namespace {ns}: {p.stderr.strip()}")
        self.ip, self.tc, self.order = {}, {}, []


def _file_has(path, text):
    try:
        with open(path, errors="replace") as f:
            return text in f.read()
    except OSError:
        return False


def _tail(path, n=20):
    try:
        with open(path, errors="replace") as f:
            return "".join(f.readlines()[-n:])
    except OSError:
        return ""


def _read_pid(path):
    try:
        with open(path) as f:
            pid = f.read().strip()
        return int(pid) if pid.isdigit() else None
    except OSError:
        return None


def _log(msg):
    print(f"topology: {msg}", file=sys.stderr, flush=True)


class WifiWorld:
    """The world described in the module's doc. Parameters:
      aps            access points ap1..apN
      stations       client stations sta1..staM, one radio each, station K on AP ((K-1) mod N)+1
      radios         instead of stations: one list of AP numbers per client radio, one station
                     interface per entry (e.g. [[1, 2, 3]]: one radio, three stations)
      channel        channel of every AP (default: AP I gets 1, 6, 11, 1, ...; 1 for all when a
                     client radio carries several stations)
      ap_channels    {I: channel} overrides
      security       open | wpa2, ap_security {I: ...} overrides
      uplink_netem   {I: 'netem args'} on both ends of AP I's uplink
      server_netem   a second netem stage on every server egress (towards the APs and cellular)
      cellular       RATE/DELAY or netem args: an extra non-WiFi path cli <-> srv
      medium         a command (bash -c) acting as the hwsim medium; it gets MPWIFI_TOPO_DIR
      airsim         a config file (or a dict, written out as one) for airsim as the medium: 802.11a/g,
                     so APs and stations run without HT; the config's radios are hwsim radios 0.. in
                     the order ap1..apN, then the client radios, unless they say otherwise
      rates          the only legacy rates (Mbit/s) the APs and stations may use, all basic rates
      ht             APs offer HT (802.11n; never with airsim); without it no block-ack session reorders
                     what a station receives
      mptcp          configure MPTCP (limits and endpoints)
      beacon_int     the APs' beacon interval in TU (15..65535; default 100, or 1000 on a slowed kernel:
                     under KASAN the medium spent most of its CPU on beacons and fell seconds behind)
      topo_dir       the world's directory (default $MPWIFI_TOPO_DIR or /run/mpwifi-topo)
      bare_radios    client radios for the AP manager (in cli, interface wlan-cliN, down): no station
                     is set up on them, and every AP serves DHCP (dnsmasq, 10.0.I.50-150, router and DNS
                     10.0.I.1); with them, stations and radios give none
      ssid           one SSID for every AP (default mpwifi-apI)
      one_subnet     (with bare_radios) the APs are bridges onto one LAN, an ESS: the server's namespace
                     routes it (bridge ess, 10.0.0.1/24) and serves its DHCP (10.0.0.50-150); a station
                     keeps its address from AP to AP
      ipv6           (with one_subnet) IPv6 in cli and srv too: the LAN's router advertises
                     2001:db8:e55::/64 for autoconfiguration (dnsmasq, RA only), the server is also
                     2001:db8:ff::1; elsewhere IPv6 stays off (a quiet air)
      hwsim_channels every radio may use that many channels at once (mac80211_hwsim channels=N: its
                     station interfaces on different channels, through channel contexts)
    After up(): aps, stations, client_radios, cli_ns, srv_ns, server_ip, dir, env_file, and with
    airsim: airsim_truth, airsim_sock, airsim_config.
    """

    def __init__(self, aps=2, stations=2, radios=None, channel=None, ap_channels=None, security="open",
                 ap_security=None, uplink_netem=None, server_netem="", cellular=None, medium=None,
                 airsim=None, rates=None, ht=True, mptcp=True, topo_dir=None, assoc_timeout=None, keep=None,
                 beacon_int=None, bare_radios=0, ssid=None, one_subnet=False, ipv6=False, hwsim_channels=1):
        self.dir = topo_dir or os.environ.get("MPWIFI_TOPO_DIR") or DEFAULT_DIR
        self.env_file = os.path.join(self.dir, "env")
        self.n_aps = int(aps)
        if not 1 <= self.n_aps <= 200:
            raise WorldError("aps wants 1..200")
        self.n_bare = int(bare_radios)
        if not 0 <= self.n_bare <= 8:
            raise WorldError("bare_radios wants 0..8")
        if self.n_bare:
            radios = []
        elif radios is None:
            n = int(stations)
            if not 1 <= n <= 200:
                raise WorldError("stations wants 1..200")
            radios = [[(k - 1) % self.n_aps + 1] for k in range(1, n + 1)]
        radios = [list(map(int, r)) for r in radios]
        self.one_subnet = bool(one_subnet)
        if self.one_subnet and (not self.n_bare or uplink_netem):
            raise WorldError("one_subnet wants bare_radios and no uplink_netem (the APs are bridges)")
        self.ipv6 = bool(ipv6)
        self.hwsim_channels = int(hwsim_channels)
        if not 1 <= self.hwsim_channels <= 4:
            raise WorldError("hwsim_channels wants 1..4")
        if self.ipv6 and not self.one_subnet:
            raise WorldError("ipv6 wants one_subnet")
        if (not radios and not self.n_bare) or any(not r for r in radios):
            raise WorldError("every client radio needs at least one station")
        for r in radios:
            for a in r:
                if not 1 <= a <= self.n_aps:
                    raise WorldError(f"a station joins AP {a}, which does not exist (aps={self.n_aps})")
        self.radio_plan = radios
        self.n_stas = sum(len(r) for r in radios)
        shared = any(len(r) > 1 for r in radios)
        ap_channels = {int(k): int(v) for k, v in (ap_channels or {}).items()}
        ap_security = {int(k): v for k, v in (ap_security or {}).items()}
        uplink_netem = {int(k): v for k, v in (uplink_netem or {}).items()}
        for opt in (ap_channels, ap_security, uplink_netem):
            for i in opt:
                if not 1 <= i <= self.n_aps:
                    raise WorldError(f"AP {i} does not exist (aps={self.n_aps})")
        for ch in ([channel] if channel is not None else []) + list(ap_channels.values()):
            if not (1 <= int(ch) <= 14 or 36 <= int(ch) <= 177):
                raise WorldError(f"bad channel '{ch}' (2.4 GHz: 1..14, 5 GHz: 36..177)")
        for sec in [security, *ap_security.values()]:
            if sec not in ("open", "wpa2"):
                raise WorldError(f"security must be open or wpa2, not '{sec}'")
        cycle = (1, 6, 11)
        if channel is None and shared:
            channel = 1
        self.aps = []
        for i in range(1, self.n_aps + 1):
            ch = ap_channels.get(i, int(channel) if channel is not None else cycle[(i - 1) % 3])
            self.aps.append(Ap(self, i, ch, ap_security.get(i, security), uplink_netem.get(i, "")))
            if ssid:
                self.aps[-1].ssid = ssid
        self.bare_radios = [ClientRadio(len(radios) + r) for r in range(1, self.n_bare + 1)]
        self.client_radios, self.stations = [], []
        k = 0
        for r, plan in enumerate(radios, 1):
            radio = ClientRadio(r)
            for a in plan:
                k += 1
                st = Station(self, k, self.aps[a - 1], radio)
                radio.stations.append(st)
                self.stations.append(st)
            chans = {st.ap.channel for st in radio.stations}
            if len(chans) > 1:
                raise WorldError(f"client radio {r} carries stations on channels {sorted(chans)}: "
                                 "a radio is on one channel")
            self.client_radios.append(radio)
        self.server_netem = server_netem or ""
        self.cellular = cellular is not None
        self.cell_netem = cellular_netem(cellular) if cellular is not None else ""
        self.medium_cmd = medium or ""
        self.rates = [str(r) for r in (rates.split() if isinstance(rates, str) else rates or [])]
        for r in self.rates:
            if r not in LEGACY_RATES:
                raise WorldError(f"rates: '{r}' is not an 802.11a/g legacy rate ({' '.join(LEGACY_RATES)})")
        self.mptcp = bool(mptcp)
        self.ht = bool(ht)
        self.beacon_int = int(beacon_int if beacon_int is not None else 1000 if ksft.slowed() else 100)
        if not 15 <= self.beacon_int <= 65535:
            raise WorldError(f"beacon_int {self.beacon_int}: want 15..65535 TU")
        self.assoc_timeout = ksft.scaled(float(assoc_timeout or os.environ.get("MPWIFI_TOPO_ASSOC_TIMEOUT") or 30))
        self.keep = keep if keep is not None else os.environ.get("MPWIFI_TOPO_KEEP") == "1"
        self.airsim = airsim
        self.airsim_bin = paths.airsim_path()
        self.airsim_config = self.airsim_truth = self.airsim_sock = None
        self.cli_ns, self.srv_ns, self.server_ip, self.server_if = "cli", "srv", SERVER_IP, "srv0"
        self.cell_if = self.cell_srv_if = "cell0"
        self.cell_ip, self.cell_srv_ip, self.cell_table = CELL_CLI_IP, CELL_SRV_IP, CELL_TABLE
        self.medium_log = os.path.join(self.dir, "medium.log")
        self.ess_dir = os.path.join(self.dir, "ess")
        self.medium_pidfile = os.path.join(self.dir, "medium.pid")
        self.state = "down"
        if airsim is not None and medium:
            raise WorldError("airsim and medium both name a medium: give one")

    # ------------------------------------------------------------------------------------------ up

    def up(self):
        """Builds the world; on failure tears it down (unless keep) and raises WorldError."""
        if os.getuid() != 0:
            raise WorldError("must run as root (inside the VM)")
        if leftovers(self.dir):
            raise WorldError("a topology (or its leftovers) already exists; take it down first")
        start = time.monotonic()
        ksft.defer(self.down)
        try:
            self._up()
        except BaseException:
            if self.keep:
                _log(f"up failed; leaving everything in place (keep); logs in {self.dir}")
            else:
                _log(f"up failed; tearing down (logs kept in {self.dir})")
                try:
                    teardown(self.dir)
                except Exception as e:  # noqa: BLE001
                    _log(f"teardown after failure: {e}")
            raise
        extra = ", cellular" if self.cellular else ""
        shape = "" if all(len(r.stations) == 1 for r in self.client_radios) else \
            f" on {len(self.client_radios)} client radio(s)"
        _log(f"up: {self.n_aps} AP(s), {self.n_stas} station(s){shape}{extra}, server {self.server_ip} "
             f"({time.monotonic() - start:.0f}s); state in {self.env_file}")
        return self

    def _up(self):
        subprocess.run(["rm", "-rf", self.dir], check=True)
        for d in [self.dir, self.ess_dir] + [a.dir for a in self.aps] + [s.dir for s in self.stations]:
            os.makedirs(d, exist_ok=True)
        self._prepare_airsim()
        proc.cmd(["modprobe", "-a", "veth", "dummy", "sch_netem"])
        self._create_namespaces()
        self._create_radios()
        self._configure_network()
        self.state = "starting"
        self.write_env()
        self._start_medium()
        for ap in self.aps:
            self._start_hostapd(ap)
        self._wait_hostapd()
        if self.one_subnet:
            self._start_dhcp_server(None)
        elif self.n_bare:
            for ap in self.aps:
                self._start_dhcp_server(ap)
        for st in self.stations:
            self._start_supplicant(st)
        self._wait_associated()
        self._check_paths()
        self.state = "up"
        self.write_env()

    def _prepare_airsim(self):
        if self.airsim is None:
            return
        import json
        if isinstance(self.airsim, dict):
            path = os.path.join(self.dir, "airsim-config.json")
            with open(path, "w") as f:
                json.dump(self.airsim, f, indent=1)
        else:
            path = os.path.realpath(self.airsim)
        if not os.access(self.airsim_bin, os.X_OK):
            raise WorldError(f"airsim is not built ({self.airsim_bin}): run make")
        if not os.access(path, os.R_OK):
            raise WorldError(f"airsim: cannot read {path}")
        p = proc.cmd([self.airsim_bin, "--config", path, "--check"], check=False)
        if p.returncode:
            raise WorldError(f"airsim: bad config {path}: {p.stderr.strip()}")
        self.airsim_config = path
        self.airsim_truth = os.path.join(self.dir, "airsim-truth.jsonl")
        self.airsim_sock = os.path.join(self.dir, "airsim.sock")

    def _sysctl(self, ns, *settings):
        proc.cmd(["sysctl", "-q", "-w", *settings], ns=ns)

    def _create_namespaces(self):
        b = _Batches()
        for ap in self.aps:
            b.ipq("-", f"netns add {ap.ns}")
        b.ipq("-", "netns add cli")
        b.ipq("-", "netns add srv")
        b.run()
        # No IPv6 anywhere: keeps the air quiet (no RS/NS/MLD) so tests can count frames. Set before any
        # interface enters the namespace, so that every interface gets it from "default".
        no_v6 = ["net.ipv6.conf.all.disable_ipv6=1", "net.ipv6.conf.default.disable_ipv6=1"]
        no_rpf = ["net.ipv4.conf.all.rp_filter=0", "net.ipv4.conf.default.rp_filter=0"]
        for ap in self.aps:
            self._sysctl(ap.ns, *no_v6, *no_rpf, "net.ipv4.ip_forward=1")
        # Several interfaces of cli may share a subnet: answer ARP only on the interface owning the address.
        # With bare radios that is the AP manager's to set, on its stations.
        arp = [] if self.n_bare else ["net.ipv4.conf.all.arp_ignore=1", "net.ipv4.conf.all.arp_announce=2"]
        v6 = [] if self.ipv6 else no_v6
        self._sysctl("cli", *v6, *no_rpf, "net.ipv4.tcp_ecn=1", *arp)
        self._sysctl("srv", *v6, *no_rpf, "net.ipv4.tcp_ecn=1")
        for ns in [a.ns for a in self.aps] + ["cli", "srv"]:
            b.ipq(ns, "link set lo up")
        b.run()

    def _create_radios(self):
        n = self.n_aps + len(self.client_radios) + self.n_bare
        proc.cmd(["modprobe", "mac80211_hwsim", f"radios={n}", "support_p2p_device=0",
                  f"channels={self.hwsim_channels}"])
        phys = {}
        for entry in os.listdir(HWSIM_SYSFS):
            m = re.fullmatch(r"hwsim(\d+)", entry)
            if m:
                for phy in os.listdir(os.path.join(HWSIM_SYSFS, entry, "ieee80211")):
                    phys[int(m.group(1))] = phy
        if len(phys) != n:
            raise WorldError(f"expected {n} hwsim radios, found {len(phys)} ({phys})")
        order = [phys[i] for i in sorted(phys)]
        b = _Batches()
        for idx, ap in enumerate(self.aps):
            ap.hwsim_index, ap.phy = idx, order[idx]
            ap.mac = self._radio_to_namespace(b, ap.phy, ap.ns, ap.ifname)
        for r, radio in enumerate(self.client_radios):
            radio.hwsim_index = self.n_aps + r
            radio.phy = order[radio.hwsim_index]
            first = radio.stations[0]
            radio.mac = first.mac = self._radio_to_namespace(b, radio.phy, "cli", first.ifname)
            for j, st in enumerate(radio.stations[1:], 1):
                # more station interfaces on the same radio, each with its own locally administered MAC
                proc.cmd(["iw", "phy", radio.phy, "interface", "add", st.ifname, "type", "managed"], ns="cli")
                st.mac = f"06:00:00:00:{radio.hwsim_index:02x}:{j:02x}"
                b.ipq("cli", f"link set {st.ifname} address {st.mac}")
        for r, radio in enumerate(self.bare_radios, 1):
            radio.hwsim_index = self.n_aps + len(self.client_radios) + r - 1
            radio.phy = order[radio.hwsim_index]
            radio.ifname = f"wlan-cli{r}"
            radio.mac = self._radio_to_namespace(b, radio.phy, "cli", radio.ifname)
        b.run()

    @staticmethod
    def _radio_to_namespace(b, phy, ns, ifname):
        """Moves PHY (with its one netdev) into NS and queues the netdev's rename; returns its MAC."""
        netdir = f"/sys/class/ieee80211/{phy}/device/net"
        devs = os.listdir(netdir)
        if len(devs) != 1:
            raise WorldError(f"{phy} has {len(devs)} network interfaces, expected 1")
        with open(os.path.join(netdir, devs[0], "address")) as f:
            mac = f.read().strip()
        proc.cmd(["iw", "phy", phy, "set", "netns", "name", ns])
        b.ipq(ns, f"link set {devs[0]} name {ifname}")
        return mac

    def _configure_network(self):
        b = _Batches()
        b.ipq("srv", "link add srv0 type dummy")
        b.ipq("srv", f"addr add {SERVER_IP}/32 dev srv0")
        b.ipq("srv", "link set srv0 up")
        if self.one_subnet:
            b.ipq("srv", "link add ess type bridge")
            b.ipq("srv", f"addr add {ESS_ROUTER}/24 dev ess")
            b.ipq("srv", "link set ess up")
            if self.ipv6:
                # no multicast snooping: with no MLD querier it could hold back solicitations
                b.ipq("srv", "link set ess type bridge mcast_snooping 0")
                b.ipq("srv", f"addr add {ESS_ROUTER6}/64 dev ess nodad")
                b.ipq("srv", f"addr add {SERVER_IP6}/128 dev srv0 nodad")
                # a router with a default route of its own advertises itself as one (dnsmasq)
                b.ipq("srv", "route add ::/0 dev srv0")
        for ap in self.aps:
            i = ap.index
            if self.one_subnet:
                # hostapd puts the AP's interface into br-ess (bridge=), beside the LAN's veth
                b.ipq("-", f"link add to-ess netns {ap.ns} type veth peer name {ap.srv_if} netns srv")
                b.ipq(ap.ns, "link add br-ess type bridge mcast_snooping 0")
                b.ipq(ap.ns, "link set to-ess master br-ess")
                b.ipq(ap.ns, "link set to-ess up")
                b.ipq(ap.ns, "link set br-ess up")
                b.ipq("srv", f"link set {ap.srv_if} master ess")
                b.ipq("srv", f"link set {ap.srv_if} up")
                continue
            b.ipq("-", f"link add to-srv netns {ap.ns} type veth peer name {ap.srv_if} netns srv")
            b.ipq(ap.ns, f"addr add {ap.ip}/24 dev {ap.ifname}")
            b.ipq(ap.ns, f"addr add {ap.uplink_ip}/24 dev to-srv")
            b.ipq(ap.ns, "link set to-srv up")
            b.ipq(ap.ns, f"route add default via {ap.srv_ip} dev to-srv")
            b.ipq("srv", f"addr add {ap.srv_ip}/24 dev {ap.srv_if}")
            b.ipq("srv", f"link set {ap.srv_if} up")
            b.ipq("srv", f"route add 10.0.{i}.0/24 via {ap.uplink_ip} dev {ap.srv_if}")
            b.netem(ap.ns, "to-srv", ap.netem)
            b.netem("srv", ap.srv_if, ap.netem, self.server_netem)
        for st in self.stations:
            # Routes need the device up; an up station without wpa_supplicant stays silent (no scanning).
            b.ipq("cli", f"addr add {st.ip}/24 dev {st.ifname}")
            b.ipq("cli", f"link set {st.ifname} up")
            b.ipq("cli", f"route add {st.ap.subnet} dev {st.ifname} src {st.ip} table {st.table}")
            b.ipq("cli", f"route add default via {st.gw} dev {st.ifname} src {st.ip} table {st.table}")
            b.ipq("cli", f"rule add from {st.ip} lookup {st.table} pref {st.table}")
            if self.mptcp:
                b.ipq("cli", f"mptcp endpoint add {st.ip} dev {st.ifname} subflow")
        if self.stations:
            first = self.stations[0]
            b.ipq("cli", f"route add default via {first.gw} dev {first.ifname}")
        if self.cellular:
            b.ipq("-", "link add cell0 netns cli type veth peer name cell0 netns srv")
            b.ipq("cli", f"addr add {CELL_CLI_IP}/24 dev cell0")
            b.ipq("cli", "link set cell0 up")
            b.ipq("cli", f"route add 10.200.0.0/24 dev cell0 src {CELL_CLI_IP} table {CELL_TABLE}")
            b.ipq("cli", f"route add default via {CELL_SRV_IP} dev cell0 src {CELL_CLI_IP} table {CELL_TABLE}")
            b.ipq("cli", f"rule add from {CELL_CLI_IP} lookup {CELL_TABLE} pref {CELL_TABLE}")
            if self.mptcp:
                b.ipq("cli", f"mptcp endpoint add {CELL_CLI_IP} dev cell0 subflow")
            b.ipq("srv", f"addr add {CELL_SRV_IP}/24 dev cell0")
            b.ipq("srv", "link set cell0 up")
            b.netem("cli", "cell0", self.cell_netem)
            b.netem("srv", "cell0", self.cell_netem, self.server_netem)
        if self.mptcp:
            b.ipq("cli", "mptcp limits set subflows 8 add_addr_accepted 8")
            b.ipq("srv", "mptcp limits set subflows 8 add_addr_accepted 8")
        b.run()
        if self.mptcp:
            self._sysctl("cli", "net.mptcp.enabled=1")
            self._sysctl("srv", "net.mptcp.enabled=1")

    def _start_medium(self):
        cmd = self.medium_cmd
        if self.airsim_config:
            q = shlex.quote
            cmd = (f"exec {q(self.airsim_bin)} --config {q(self.airsim_config)} --truth {q(self.airsim_truth)}"
                   f" --control {q(self.airsim_sock)} --stats-interval 5")
        if not cmd:
            return
        self.medium_cmd = cmd
        _log(f"starting medium: {cmd}")
        with open(self.medium_log, "w") as out:
            # its own session: `down` kills its whole process group
            p = subprocess.Popen(["bash", "-c", cmd], stdin=subprocess.DEVNULL, stdout=out, stderr=out,
                                 start_new_session=True, env={**os.environ, "MPWIFI_TOPO_DIR": self.dir})
        with open(self.medium_pidfile, "w") as f:
            f.write(f"{p.pid}\n")
        self._medium = p
        if self.airsim_config:
            # airsim logs "registered" once it is the medium; one that died has failed
            deadline = time.monotonic() + ksft.scaled(20)
            while p.poll() is None and not _file_has(self.medium_log, "registered"):
                if time.monotonic() > deadline:
                    raise WorldError(f"airsim did not register as the medium (log: {self.medium_log}):\n"
                                     + _tail(self.medium_log))
                time.sleep(0.2)
        else:
            time.sleep(float(os.environ.get("MPWIFI_TOPO_MEDIUM_WAIT", "1")))
        if p.poll() is not None:
            raise WorldError(f"the medium exited right away (log: {self.medium_log}):\n" + _tail(self.medium_log))

    def _start_dhcp_server(self, ap):
        """dnsmasq on AP's wireless side (AP None: on the ESS's LAN, in srv): DHCP only (no DNS service),
        leases of 10 minutes."""
        if ap is None:
            ns, ifname, d, net, router = "srv", "ess", self.ess_dir, "10.0.0", ESS_ROUTER
        else:
            ns, ifname, d, net, router = ap.ns, ap.ifname, ap.dir, f"10.0.{ap.index}", ap.ip
        # SLAAC only (no DHCPv6), an advertisement every 10 s and on every solicitation
        ra = ["--enable-ra", f"--dhcp-range={ESS_PREFIX6},ra-only,64,10m", "--ra-param=ess,10,600"] \
            if ap is None and self.ipv6 else []
        p = proc.cmd(["dnsmasq", "--conf-file=/dev/null", f"--interface={ifname}", "--bind-interfaces", *ra,
                      "--except-interface=lo", "--port=0", "--user=root", "--dhcp-authoritative",
                      f"--dhcp-range={net}.50,{net}.150,255.255.255.0,10m",
                      f"--dhcp-option=option:router,{router}", f"--dhcp-option=option:dns-server,{router}",
                      f"--pid-file={d}/dnsmasq.pid", f"--dhcp-leasefile={d}/dnsmasq.leases",
                      f"--log-facility={d}/dnsmasq.log", "--log-dhcp"], ns=ns, check=False)
        if p.returncode:
            raise WorldError(f"dnsmasq of {ns} failed to start: {p.stderr.strip()}\n" +
                             _tail(f"{d}/dnsmasq.log"))

    def hostapd_conf_text(self, ap):
        lines = [f"interface={ap.ifname}", "driver=nl80211", f"ctrl_interface={ap.hostapd_ctrl}",
                 f"ssid={ap.ssid}", f"hw_mode={'g' if ap.channel <= 14 else 'a'}", f"channel={ap.channel}",
                 f"ieee80211n={1 if self.ht and not self.airsim_config else 0}", "wmm_enabled=1"]
        if self.one_subnet:
            lines.append("bridge=br-ess")
        if self.rates:
            units = " ".join(str(int(round(float(r) * 10))) for r in self.rates)  # 100 kbit/s units
            lines += [f"supported_rates={units}", f"basic_rates={units}"]
        lines += [f"beacon_int={self.beacon_int}",
                  "# never poll or drop idle stations: experiments may pause for a long time",
                  "ap_max_inactivity=86400", "skip_inactivity_poll=1", "disassoc_low_ack=0"]
        if ap.security == "wpa2":
            lines += ["wpa=2", "wpa_key_mgmt=WPA-PSK", "rsn_pairwise=CCMP", f"wpa_passphrase={PSK}",
                      "wpa_group_rekey=0"]
        return "\n".join(lines) + "\n"

    def _start_hostapd(self, ap):
        with open(ap.hostapd_conf, "w") as f:
            f.write(self.hostapd_conf_text(ap))
        p = proc.cmd(["hostapd", "-B", "-t", "-P", ap.hostapd_pidfile, "-f", ap.hostapd_log, ap.hostapd_conf],
                     ns=ap.ns, check=False)
        if p.returncode:
            raise WorldError(f"hostapd of {ap.ns} failed to start (log: {ap.hostapd_log}):\n"
                             + _tail(ap.hostapd_log))

    def _wait_hostapd(self):
        for ap in self.aps:
            deadline = time.monotonic() + ksft.scaled(15)
            while not _file_has(ap.hostapd_log, "AP-ENABLED"):
                if time.monotonic() > deadline:
                    raise WorldError(f"hostapd of {ap.ns} did not enable the AP (channel {ap.channel}):\n"
                                     + _tail(ap.hostapd_log))
                time.sleep(0.2)

    def _slow_scans(self):
        """airsim on a slowed kernel: its lag puts probe responses after an active scan's 33 ms on the
        channel.  Not plain hwsim there: passive scans caught too few beacons (two worlds of the debug
        run stayed unassociated for 120 s that had associated with active scans)."""
        return ksft.slowed() and bool(self.airsim_config)

    def wpa_conf_text(self, st):
        ap = st.ap
        lines = [f"ctrl_interface={st.wpa_ctrl}", "ap_scan=1", "p2p_disabled=1"]
        if self._slow_scans():
            # there a probe response comes 50-140 ms after the probe (hostapd and the medium are slow),
            # after an active scan has left the channel (mac80211 stays 33 ms): listen instead (111 ms a
            # scan), and _wait_associated() scans more often than wpa_supplicant's 5 s and more
            lines.append("passive_scan=1")
        lines += ["network={",
                 f' ssid="{ap.ssid}"', f" bssid={ap.bssid}", f" scan_freq={ap.freq}", f" freq_list={ap.freq}",
                 ' bgscan=""']
        if self.airsim_config:
            lines.append(" disable_ht=1")
        if ap.security == "wpa2":
            lines += [" key_mgmt=WPA-PSK", " proto=RSN", " pairwise=CCMP", f' psk="{PSK}"']
        else:
            lines.append(" key_mgmt=NONE")
        return "\n".join(lines + ["}"]) + "\n"

    def _start_supplicant(self, st):
        with open(st.wpa_conf, "w") as f:
            f.write(self.wpa_conf_text(st))
        p = proc.cmd(["wpa_supplicant", "-B", "-t", "-D", "nl80211", "-i", st.ifname, "-c", st.wpa_conf,
                      "-P", st.wpa_pidfile, "-f", st.wpa_log], ns="cli", check=False)
        if p.returncode:
            raise WorldError(f"wpa_supplicant of {st.ifname} failed to start:\n" + _tail(st.wpa_log))

    def station_connected(self, st):
        """wpa_supplicant logs this once associated and (with WPA2) the keys are installed."""
        return _file_has(st.wpa_log, f"CTRL-EVENT-CONNECTED - Connection to {st.bssid} completed")

    def _wait_associated(self):
        start = time.monotonic()
        next_scan = start + 1
        while True:
            pending = [st for st in self.stations if not self.station_connected(st)]
            if not pending:
                break
            if self._slow_scans() and time.monotonic() >= next_scan:
                # each scan catches a beacon 1000 TU apart with a chance of about 1 in 9 there (the
                # debug kernel: a station scanned every 6 s and stayed unassociated for 120 s, 2 runs
                # in 3); a scan asked while one runs is refused, harmlessly
                for st in pending:
                    proc.cmd(["wpa_cli", "-p", st.wpa_ctrl, "-i", st.ifname, "scan"], ns="cli", check=False)
                next_scan = time.monotonic() + 1
            if time.monotonic() - start > self.assoc_timeout:
                for st in pending:
                    _log(f"{st.ifname} did not associate with {st.ap.ssid} ({st.bssid}, channel "
                         f"{st.ap.channel}); last log lines:\n" + _tail(st.wpa_log, 5))
                raise WorldError(f"stations not associated after {self.assoc_timeout:g}s: "
                                 + " ".join(st.ifname for st in pending))
            time.sleep(0.2)
        _log(f"all {self.n_stas} stations associated in {time.monotonic() - start:.0f}s")

    def ping(self, src_ip, dst_ip, count=1, wait=1):
        """True when DST answers a ping from SRC (in cli)."""
        return proc.cmd(["ping", "-q", "-c", str(count), "-W", str(wait), "-I", src_ip, dst_ip], ns="cli",
                        check=False).returncode == 0

    def _check_paths(self):
        """Each path reaches the server (this also fills the ARP caches)."""
        paths_ = [(st.ip, f"{st.ifname} ({st.ip}) through {st.ap.ns}") for st in self.stations]
        if self.cellular:
            paths_.append((CELL_CLI_IP, f"the cellular path ({CELL_CLI_IP})"))
        for ip, what in paths_:
            deadline = time.monotonic() + ksft.scaled(10)
            while not self.ping(ip, SERVER_IP):
                if time.monotonic() > deadline:
                    raise WorldError(f"{what} cannot reach the server {SERVER_IP}")
                time.sleep(0.2)

    # ------------------------------------------------------------------------------------------ use

    def airsim_ctl(self, command):
        """Sends COMMAND to airsim's control socket; returns its reply (or error), stripped."""
        p = proc.cmd([self.airsim_bin, "ctl", self.airsim_sock, command], check=False)
        return (p.stdout + p.stderr).strip()

    def station(self, ifname):
        return next(st for st in self.stations if st.ifname == ifname)

    def reannounce_endpoint(self, st):
        """Deletes and re-adds ST's MPTCP subflow endpoint. The in-kernel path manager tries a join through
        an endpoint once per connection; deleting the endpoint frees it on every connection, and adding
        it makes the manager join through it on each established connection that has no subflow there."""
        proc.cmd(["ip", "mptcp", "endpoint", "delete", "id", str(self.endpoint_id(st))], ns=self.cli_ns)
        proc.cmd(["ip", "mptcp", "endpoint", "add", st.ip, "dev", st.ifname, "subflow"], ns=self.cli_ns)

    def carry_through_all(self, stations, before, min_bytes=30000, waits=4):
        """Waits until a running MPTCP download has carried MIN_BYTES through each of STATIONS (interface
        names; BEFORE: their rx bytes when it started), scaled 15 s at a time. The in-kernel path manager
        tries a station's join once per connection, and a join can fail: lost on the emulated medium, or
        reset by the server (on the debug kernel, joins through one station were reset six downloads in a
        row). A station that carried less after a wait gets its endpoint announced again, which makes the
        manager join through it on the running connection (at most WAITS - 1 times; each wait is logged
        with the hosts' join and reset counters). Returns whether every station carried MIN_BYTES."""
        for attempt in range(1, waits + 1):
            deadline = time.monotonic() + ksft.scaled(15)
            grown = {}
            while time.monotonic() < deadline:
                grown = {i: v - before[i] for i, v in traffic.rx_bytes(self.cli_ns, stations).items()}
                if min(grown.values()) >= min_bytes:
                    return True
                time.sleep(0.5)
            counters = {ns: {k: v for k, v in traffic.nstat_all(ns).items() if "Join" in k or "Rst" in k}
                        for ns in (self.cli_ns, self.srv_ns)}
            idle = [i for i in stations if grown.get(i, 0) < min_bytes]
            ksft.log(f"      download, wait {attempt}: bytes through each station {grown}; join and reset "
                     f"counters {counters}; " + (f"announcing {idle} again" if attempt < waits else "going on"))
            if attempt < waits:
                for i in idle:
                    self.reannounce_endpoint(self.station(i))
        return False

    def endpoint_id(self, st):
        """The id of ST's MPTCP endpoint in the client namespace."""
        out = proc.cmd(["ip", "mptcp", "endpoint", "show"], ns=self.cli_ns).stdout
        m = re.search(rf"^{re.escape(st.ip)} id (\d+) ", out, re.M)
        if not m:
            raise WorldError(f"no MPTCP endpoint for {st.ifname} ({st.ip}):\n{out}")
        return int(m.group(1))

    def associated_bssid(self, st):
        """The BSSID `iw dev STA link` reports (lower case), or None."""
        out = proc.cmd(["iw", "dev", st.ifname, "link"], ns="cli", check=False).stdout
        m = re.search(r"Connected to ([0-9a-fA-F:]{17})", out)
        return m.group(1).lower() if m else None

    def down(self):
        teardown(self.dir)
        self.state = "down"

    # ------------------------------------------------------------------------------------------ env

    def env(self):
        """The state file's keys (see tools/vm/topology --help), as an ordered dict."""
        e = {}
        e["TOPO_STATE"] = self.state
        e["TOPO_DIR"] = self.dir
        e["TOPO_APS"] = self.n_aps
        e["TOPO_STATIONS"] = self.n_stas
        e["TOPO_RADIOS"] = len(self.client_radios)
        e["TOPO_MPTCP"] = int(self.mptcp)
        e["TOPO_PSK"] = PSK
        ns_aps = " ".join(a.ns for a in self.aps)
        e["TOPO_NAMESPACES"] = f"{ns_aps} cli srv"
        e["TOPO_AP_NAMESPACES"] = ns_aps
        e["TOPO_CLI_NS"], e["TOPO_SRV_NS"] = "cli", "srv"
        e["TOPO_SERVER_IP"], e["TOPO_SERVER_IF"] = SERVER_IP, "srv0"
        e["TOPO_SERVER_NETEM"] = self.server_netem
        e["TOPO_STA_IFS"] = " ".join(s.ifname for s in self.stations)
        e["TOPO_CELL"] = int(self.cellular)
        if self.cellular:
            e.update(TOPO_CELL_IF="cell0", TOPO_CELL_IP=CELL_CLI_IP, TOPO_CELL_SRV_IF="cell0",
                     TOPO_CELL_SRV_IP=CELL_SRV_IP, TOPO_CELL_NETEM=self.cell_netem, TOPO_CELL_TABLE=CELL_TABLE)
        medium = self.medium_cmd
        e["TOPO_MEDIUM_CMD"] = medium
        e["TOPO_MEDIUM_PID"] = _read_pid(self.medium_pidfile) or ""
        e["TOPO_MEDIUM_LOG"] = self.medium_log if medium else ""
        e["TOPO_RATES"] = " ".join(self.rates)
        e["TOPO_AIRSIM"] = int(bool(self.airsim_config))
        if self.airsim_config:
            e.update(TOPO_AIRSIM_BIN=self.airsim_bin, TOPO_AIRSIM_CONFIG=self.airsim_config,
                     TOPO_AIRSIM_TRUTH=self.airsim_truth, TOPO_AIRSIM_CTL=self.airsim_sock)
        for ap in self.aps:
            p = f"AP{ap.index}_"
            e.update({p + "NS": ap.ns, p + "PHY": ap.phy, p + "IF": ap.ifname, p + "MAC": ap.mac,
                      p + "BSSID": ap.bssid, p + "SSID": ap.ssid, p + "CHANNEL": ap.channel, p + "FREQ": ap.freq,
                      p + "SECURITY": ap.security, p + "IP": ap.ip, p + "SUBNET": ap.subnet,
                      p + "UPLINK_IF": ap.uplink_if, p + "UPLINK_IP": ap.uplink_ip, p + "SRV_IF": ap.srv_if,
                      p + "SRV_IP": ap.srv_ip, p + "NETEM": ap.netem, p + "HOSTAPD_CONF": ap.hostapd_conf,
                      p + "HOSTAPD_CTRL": ap.hostapd_ctrl, p + "HOSTAPD_LOG": ap.hostapd_log,
                      p + "HOSTAPD_PID": _read_pid(ap.hostapd_pidfile) or ""})
        for st in self.stations:
            p = f"STA{st.index}_"
            ap = st.ap
            e.update({p + "NS": "cli", p + "IF": st.ifname, p + "PHY": st.phy, p + "RADIO": st.radio.index,
                      p + "MAC": st.mac, p + "IP": st.ip, p + "PREFIX": st.prefix, p + "GW": st.gw,
                      p + "TABLE": st.table, p + "AP": ap.index, p + "BSSID": ap.bssid, p + "SSID": ap.ssid,
                      p + "CHANNEL": ap.channel, p + "FREQ": ap.freq, p + "AP_NS": ap.ns, p + "AP_PHY": ap.phy,
                      p + "AP_IF": ap.ifname, p + "WPA_CONF": st.wpa_conf, p + "WPA_CTRL": st.wpa_ctrl,
                      p + "WPA_LOG": st.wpa_log, p + "WPA_PID": _read_pid(st.wpa_pidfile) or ""})
        return e

    def write_env(self):
        lines = ["# mpwifi emulated WiFi topology (tools/vm/topology); shell-sourceable"]
        for k, v in self.env().items():
            v = "" if v is None else str(v)
            lines.append(f"{k}='" + v.replace("'", "'\\''") + "'")
        tmp = self.env_file + ".tmp"
        with open(tmp, "w") as f:
            f.write("\n".join(lines) + "\n")
        os.replace(tmp, self.env_file)


# ---------------------------------------------------------------------------------------------- down

def our_namespaces():
    try:
        return sorted(n for n in os.listdir("/run/netns") if OUR_NS.match(n))
    except FileNotFoundError:
        return []


def leftovers(topo_dir=None):
    topo_dir = topo_dir or os.environ.get("MPWIFI_TOPO_DIR") or DEFAULT_DIR
    return os.path.exists(os.path.join(topo_dir, "env")) or os.path.isdir("/sys/module/mac80211_hwsim") \
        or bool(our_namespaces())


def _namespace_pids():
    nss = []
    for n in our_namespaces():
        try:
            nss.append(os.stat(f"/run/netns/{n}"))
        except OSError:
            pass
    keys = {(s.st_dev, s.st_ino) for s in nss}
    pids = []
    if not keys:
        return pids
    for p in os.listdir("/proc"):
        if p.isdigit():
            try:
                s = os.stat(f"/proc/{p}/ns/net")
            except OSError:
                continue
            if (s.st_dev, s.st_ino) in keys:
                pids.append(int(p))
    return pids


def _kill(pid, sig, group=False):
    try:
        os.killpg(pid, sig) if group else os.kill(pid, sig)
    except (ProcessLookupError, PermissionError):
        pass


def teardown(topo_dir=None):
    """Idempotent: kills the medium, hostapd, wpa_supplicant and every process left in the world's
    namespaces, deletes the namespaces and unloads mac80211_hwsim. Logs stay."""
    topo_dir = topo_dir or os.environ.get("MPWIFI_TOPO_DIR") or DEFAULT_DIR
    medium = _read_pid(os.path.join(topo_dir, "medium.pid"))
    if medium:
        _kill(medium, signal.SIGTERM, group=True)
        _kill(medium, signal.SIGTERM)
    if os.path.isdir(topo_dir):
        for d in os.listdir(topo_dir):
            for name in ("hostapd.pid", "wpa_supplicant.pid", "dnsmasq.pid"):
                pid = _read_pid(os.path.join(topo_dir, d, name))
                if pid:
                    # hostapd without its goodbye: a stopping hostapd deauthenticates everyone with one
                    # broadcast frame that asks for a TX status; when mac80211 holds it for a dozing
                    # station's DTIM, mac80211_hwsim sends it from its beacon path and frees it without
                    # reporting (6.1 and 6.12, mac80211_hwsim_beacon_tx), and unloading hwsim then warns
                    # "Have pending ack frames!" (net/mac80211/main.c, ieee80211_free_ack_frame)
                    _kill(pid, signal.SIGKILL if name == "hostapd.pid" else signal.SIGTERM)
    pids = _namespace_pids()
    for pid in pids:
        _kill(pid, signal.SIGTERM)
    for _ in range(30):
        if not pids:
            break
        time.sleep(0.1)
        pids = _namespace_pids()
    for pid in pids:
        _kill(pid, signal.SIGKILL)
    if medium:
        _kill(medium, signal.SIGKILL, group=True)
    nss = our_namespaces()
    if nss:
        subprocess.run(["ip", "-batch", "-"], input="".join(f"netns del {n}\n" for n in nss), text=True,
                       capture_output=True)
    if os.path.isdir("/sys/module/mac80211_hwsim"):
        # namespace teardown is asynchronous: the phys may still be on their way back
        deadline = time.monotonic() + ksft.scaled(10)
        while subprocess.run(["rmmod", "mac80211_hwsim"], capture_output=True).returncode:
            if time.monotonic() > deadline:
                raise WorldError("cannot unload mac80211_hwsim")
            time.sleep(0.2)
    for path in [os.path.join(topo_dir, "env"), os.path.join(topo_dir, "medium.pid")]:
        try:
            os.remove(path)
        except FileNotFoundError:
            pass
    if os.path.isdir(topo_dir):
        for d in os.listdir(topo_dir):
            for name in ("hostapd.pid", "wpa_supplicant.pid"):
                try:
                    os.remove(os.path.join(topo_dir, d, name))
                except (FileNotFoundError, NotADirectoryError):
                    pass
    left = our_namespaces()
    if left:
        raise WorldError(f"namespaces left behind: {' '.join(left)}")
