"""The two-path world of the trusted-subflow tests and benchmarks (runs inside the test VM, as root).

A client with an untrusted "WiFi" path and a trusted "cellular" path, a router, and a server with ONE
interface, in network namespaces joined by veth pairs, each path shaped with netem (rate, one-way delay,
loss) in both directions:

  pcli: wifi0 10.1.0.2/24 --veth-- r-wifi0 10.1.0.1 \\
                                                     prtr -- r-srv 10.3.0.1 --veth-- eth0 10.3.0.2/24 :psrv
  pcli: cell0 10.2.0.2/24 --veth-- r-cell0 10.2.0.1 /

Shaping: netem on the client's egress (wifi0, cell0) and on the router's egress towards the client
(r-wifi0, r-cell0), so each direction of a path sees the same rate and a path's RTT is twice its delay.
The router <-> server link is not shaped.  TSO/GSO/GRO are off on the shaped interfaces so that netem
queues and paces real MTU-sized packets; a netem queue holds the path's delay line plus 100 ms at its
rate (at least 32 packets).

Routing in the client: the main table has a default route through cell0 (metric 100) and one through
wifi0 (metric 200), so a new connection (its MP_CAPABLE SYN) starts on the trusted path; one table per
interface (wifi0: 101, cell0: 102) selected by source address, so a subflow bound to an address leaves
through its interface.  The server routes everything through the router.

MPTCP: enabled in pcli and psrv; limits subflows 2 add_addr_accepted 0 on both; one "subflow" endpoint,
wifi0's address, in the client (endpoints="both": cell0's address too, for connections that start on
wifi0).  The server announces nothing.  IPv6 is off in every namespace (captures hold only the tests'
IPv4 traffic); rp_filter is off; TCP metrics are not cached (net.ipv4.tcp_no_metrics_save=1), so every
connection starts from the same state.

Link loss (link_down): the router-side end of the path's veth goes down, so the client's interface loses
its carrier and keeps its address, as a station whose AP disappears.  The client runs with
ignore_routes_with_linkdown=1, so every route through the interface is skipped while the carrier is off:
new connections start on the remaining path, and a subflow bound to the lost address is routed by the
main table through the remaining interface (the case the trusted-subflow enforcement must handle), where
the router drops it.  admin=True also sets the client's interface down, which deletes its routes.
link_up brings both ends up, waits for the carrier and restores every route, rule and endpoint of the
path, so connectivity is exactly as after up().

The state of a world lives in an env file (shell-sourceable, keys PATHSIM_*), so that tools/vm/pathsim,
a separate process per command, and shell users see the same world: PathWorld.load() reads it back.
"""
import contextlib
import os
import time
from dataclasses import dataclass

from . import cli, ksft
from .proc import cmd

STATE_DIR = os.environ.get("MPWIFI_PATHSIM_DIR", "/run/mpwifi-pathsim")


@dataclass
class Path:
    """One client path: the interface, its addresses and routing, its shaping and link state."""
    key: str            # WIFI or CELL: the env file's key
    ifname: str
    ip: str
    gw: str
    table: int
    metric: int
    rate_mbit: float
    delay_ms: float
    loss_pct: float = 0
    link: str = "up"

    @property
    def prefix(self):
        return self.ip.rsplit(".", 1)[0] + ".0/24"

    @property
    def rtr_if(self):
        return "r-" + self.ifname

    @property
    def endpoint_id(self):
        return self.table - 100

    def netem_args(self):
        """The netem arguments of this path (both directions)."""
        limit = max(32, int(self.rate_mbit * 1e6 * (self.delay_ms + 100) / 1e3 / 12000) + 1)
        args = ["delay", f"{_num(self.delay_ms)}ms", "rate", f"{_num(self.rate_mbit)}mbit"]
        if self.loss_pct > 0:
            args += ["loss", f"{_num(self.loss_pct)}%"]
        return args + ["limit", str(limit)]


def _num(v):
    """A number as the shell front end printed it: no trailing .0."""
    return str(int(v)) if float(v) == int(v) else str(v)


class PathWorld:
    """pcli (client: wifi0 untrusted, cell0 trusted), prtr (router), psrv (server, eth0 10.3.0.2)."""
    cli_ns, rtr_ns, srv_ns = "pcli", "prtr", "psrv"
    server_ip, server_gw, server_if = "10.3.0.2", "10.3.0.1", "eth0"
    server_prefix = "10.3.0.0/24"
    trusted_if, untrusted_if = "cell0", "wifi0"

    def __init__(self, wifi_rate=50, wifi_delay=10, wifi_loss=0, cell_rate=20, cell_delay=10,
                 cell_loss=0, endpoints="wifi0", state_dir=STATE_DIR):
        if endpoints not in ("wifi0", "both"):
            raise ValueError("endpoints must be wifi0 or both")
        self.wifi = Path("WIFI", "wifi0", "10.1.0.2", "10.1.0.1", 101, 200, wifi_rate, wifi_delay, wifi_loss)
        self.cell = Path("CELL", "cell0", "10.2.0.2", "10.2.0.1", 102, 100, cell_rate, cell_delay, cell_loss)
        self.endpoints = endpoints
        self.state_dir = state_dir
        self.is_up = False

    @property
    def paths(self):
        return (self.wifi, self.cell)

    @property
    def namespaces(self):
        return (self.cli_ns, self.rtr_ns, self.srv_ns)

    @property
    def env_file(self):
        return os.path.join(self.state_dir, "env")

    def path(self, ifname):
        for p in self.paths:
            if p.ifname == ifname:
                return p
        raise ValueError(f"interface must be wifi0 or cell0, not {ifname!r}")

    # -- building and tearing down ---------------------------------------------------------------------

    def up(self):
        """Build the world; returns when both paths reach the server.  down() is deferred to the test's end."""
        if os.path.exists(f"/run/netns/{self.cli_ns}"):
            raise RuntimeError("pathsim: already up (down first)")
        cmd(["modprobe", "-a", "veth", "sch_netem"], check=False)
        os.makedirs(self.state_dir, exist_ok=True)
        self.is_up = True
        ksft.defer(self.down)
        for ns in self.namespaces:
            cmd(["ip", "netns", "add", ns])
            cmd(["ip", "-n", ns, "link", "set", "lo", "up"])
            self._sysctl(ns, "net.ipv6.conf.all.disable_ipv6=1", "net.ipv6.conf.default.disable_ipv6=1",
                         "net.ipv4.conf.all.rp_filter=0", "net.ipv4.conf.default.rp_filter=0")
        self._sysctl(self.rtr_ns, "net.ipv4.ip_forward=1")
        self._sysctl(self.cli_ns, "net.ipv4.conf.all.ignore_routes_with_linkdown=1",
                     "net.ipv4.conf.default.ignore_routes_with_linkdown=1")
        for ns in (self.cli_ns, self.srv_ns):
            self._sysctl(ns, "net.mptcp.enabled=1", "net.ipv4.tcp_no_metrics_save=1")
        for p in self.paths:
            cmd(["ip", "link", "add", p.ifname, "netns", self.cli_ns, "type", "veth",
                 "peer", "name", p.rtr_if, "netns", self.rtr_ns])
            cmd(["ip", "-n", self.cli_ns, "addr", "add", f"{p.ip}/24", "dev", p.ifname])
            cmd(["ip", "-n", self.rtr_ns, "addr", "add", f"{p.gw}/24", "dev", p.rtr_if])
            cmd(["ethtool", "-K", p.ifname, "tso", "off", "gso", "off", "gro", "off"], ns=self.cli_ns,
                check=False)
            cmd(["ethtool", "-K", p.rtr_if, "tso", "off", "gso", "off", "gro", "off"], ns=self.rtr_ns,
                check=False)
            cmd(["ip", "-n", self.cli_ns, "link", "set", p.ifname, "up"])
            cmd(["ip", "-n", self.rtr_ns, "link", "set", p.rtr_if, "up"])
        cmd(["ip", "link", "add", self.server_if, "netns", self.srv_ns, "type", "veth",
             "peer", "name", "r-srv", "netns", self.rtr_ns])
        cmd(["ip", "-n", self.srv_ns, "addr", "add", f"{self.server_ip}/24", "dev", self.server_if])
        cmd(["ip", "-n", self.rtr_ns, "addr", "add", f"{self.server_gw}/24", "dev", "r-srv"])
        cmd(["ip", "-n", self.srv_ns, "link", "set", self.server_if, "up"])
        cmd(["ip", "-n", self.rtr_ns, "link", "set", "r-srv", "up"])
        cmd(["ip", "-n", self.srv_ns, "route", "add", "default", "via", self.server_gw,
             "dev", self.server_if])
        for p in self.paths:
            self._client_routes(p)
        for ns in (self.cli_ns, self.srv_ns):
            cmd(["ip", "-n", ns, "mptcp", "limits", "set", "subflows", "2", "add_addr_accepted", "0"])
        self._client_endpoints()
        self._shape()
        self.write_env()
        for p in self.paths:
            if not self._wait_ping(p.ip):
                raise RuntimeError(f"pathsim: no connectivity from {p.ifname} ({p.ip}) to {self.server_ip}")
        return self

    def down(self):
        """Delete the namespaces (and with them every interface) and the env file; idempotent."""
        for ns in self.namespaces:
            if os.path.exists(f"/run/netns/{ns}"):
                cmd(["ip", "netns", "del", ns], check=False)
        try:
            os.unlink(self.env_file)
        except FileNotFoundError:
            pass
        self.is_up = False

    def __enter__(self):
        return self.up()

    def __exit__(self, *exc):
        self.down()

    # -- changing a running world ----------------------------------------------------------------------

    def set(self, wifi_rate=None, wifi_delay=None, wifi_loss=None, cell_rate=None, cell_delay=None,
            cell_loss=None):
        """Change the shaping of the running world (netem replaced on both ends of each path)."""
        for p, rate, delay, loss in ((self.wifi, wifi_rate, wifi_delay, wifi_loss),
                                     (self.cell, cell_rate, cell_delay, cell_loss)):
            if rate is not None:
                p.rate_mbit = rate
            if delay is not None:
                p.delay_ms = delay
            if loss is not None:
                p.loss_pct = loss
        self._shape()
        self.write_env()

    def set_loss(self, ifname, pct=None, end="client"):
        """netem on one end of path IFNAME (end "client": its egress; "router": the router's towards the
        client) becomes the path's shaping plus PCT% loss, or the path's shaping alone (pct None); the
        other end and the recorded shaping are left as they are."""
        p = self.path(ifname)
        ns, dev = (self.cli_ns, p.ifname) if end == "client" else (self.rtr_ns, p.rtr_if)
        loss = [] if pct is None else ["loss", f"{pct}%"]
        cmd(["tc", "-n", ns, "qdisc", "change", "dev", dev, "root", "netem", *p.netem_args(), *loss])

    @contextlib.contextmanager
    def reroute(self, src_ifname, via_ifname):
        """Within the block, what the client sends from SRC's address takes VIA's routing table (a rule
        ahead of the world's own, route cache flushed): a subflow bound to SRC's address leaves via VIA."""
        src, via = self.path(src_ifname), self.path(via_ifname)
        rule = ["ip", "-n", self.cli_ns, "rule", "add", "from", src.ip, "lookup", str(via.table),
                "priority", "5"]
        cmd(rule)
        cmd(["ip", "-n", self.cli_ns, "route", "flush", "cache"])
        try:
            yield
        finally:
            rule[4] = "del"
            cmd(rule)

    def trust_only(self, ifname):
        """Trusted data may take path IFNAME alone: the client trusts it and no other path; the server
        trusts its uplink and, of the client's prefixes, that of IFNAME alone (peer-default untrusted)."""
        for p in self.paths:
            cli.mpwifi("trust", "set", p.ifname, "trusted" if p.ifname == ifname else "untrusted",
                       ns=self.cli_ns, json=False)
        cli.mpwifi("trust", "set", self.server_if, "trusted", ns=self.srv_ns, json=False)
        cli.mpwifi("trust", "peer", "add", self.path(ifname).prefix, "trusted", ns=self.srv_ns, json=False)
        cli.mpwifi("policy", "set", "peer-default", "untrusted", ns=self.srv_ns, json=False)

    def link_down(self, ifname, admin=False):
        """The path loses its far end (carrier off, address kept); admin: the client's end down too."""
        p = self.path(ifname)
        cmd(["ip", "-n", self.rtr_ns, "link", "set", p.rtr_if, "down"])
        if admin:
            cmd(["ip", "-n", self.cli_ns, "link", "set", p.ifname, "down"])
        p.link = "down"
        self.write_env()

    def link_up(self, ifname):
        """Both ends up; routes, rules, endpoint and shaping as after up(); returns once it pings, with
        the monotonic time (ns) at which the carrier came back: the start of the command that restored it,
        the router's end (under emulation, spawning each `ip` takes a good part of a second, and the rest
        of this method several seconds)."""
        p = self.path(ifname)
        cmd(["ip", "-n", self.cli_ns, "link", "set", p.ifname, "up"])
        carrier_ns = time.monotonic_ns()
        cmd(["ip", "-n", self.rtr_ns, "link", "set", p.rtr_if, "up"])
        deadline = time.monotonic() + ksft.scaled(5)
        while "LOWER_UP" not in cmd(["ip", "-n", self.cli_ns, "link", "show", "dev", p.ifname]).stdout \
                and time.monotonic() < deadline:
            time.sleep(0.1)
        self._client_routes(p)
        cmd(["ip", "-n", self.rtr_ns, "route", "replace", p.prefix, "dev", p.rtr_if, "src", p.gw])
        self._client_endpoints()
        self._shape()
        p.link = "up"
        self.write_env()
        if not self._wait_ping(p.ip):
            raise RuntimeError(f"pathsim: link-up {ifname}: no connectivity to {self.server_ip}")
        return carrier_ns

    # -- the env file ----------------------------------------------------------------------------------

    def env(self):
        """The world as PATHSIM_* keys (the env file's content), in order."""
        e = {
            "PATHSIM_STATE": "up", "PATHSIM_DIR": self.state_dir,
            "PATHSIM_NAMESPACES": " ".join(self.namespaces), "PATHSIM_CLI_NS": self.cli_ns,
            "PATHSIM_RTR_NS": self.rtr_ns, "PATHSIM_SRV_NS": self.srv_ns,
            "PATHSIM_SERVER_IP": self.server_ip, "PATHSIM_SERVER_IF": self.server_if,
            "PATHSIM_SERVER_PREFIX": self.server_prefix, "PATHSIM_TRUSTED_IF": self.trusted_if,
            "PATHSIM_UNTRUSTED_IF": self.untrusted_if, "PATHSIM_ENDPOINTS": self.endpoints,
        }
        for p in self.paths:
            k = "PATHSIM_" + p.key
            e.update({
                f"{k}_IF": p.ifname, f"{k}_IP": p.ip, f"{k}_PREFIX": p.prefix, f"{k}_GW": p.gw,
                f"{k}_RTR_IF": p.rtr_if, f"{k}_TABLE": str(p.table), f"{k}_METRIC": str(p.metric),
                f"{k}_RATE_MBIT": _num(p.rate_mbit), f"{k}_DELAY_MS": _num(p.delay_ms),
                f"{k}_LOSS_PCT": _num(p.loss_pct), f"{k}_NETEM": " ".join(p.netem_args()),
                f"{k}_LINK": p.link,
            })
        return e

    def env_text(self):
        return "".join(f"{k}='{v}'\n" for k, v in self.env().items())

    def write_env(self):
        os.makedirs(self.state_dir, exist_ok=True)
        tmp = self.env_file + ".tmp"
        with open(tmp, "w") as f:
            f.write(self.env_text())
        os.replace(tmp, self.env_file)

    @classmethod
    def load(cls, state_dir=STATE_DIR):
        """The running world described by its env file (raises FileNotFoundError when not up)."""
        env = {}
        with open(os.path.join(state_dir, "env")) as f:
            for line in f:
                k, _, v = line.rstrip("\n").partition("=")
                env[k] = v.strip("'")
        w = cls(endpoints=env["PATHSIM_ENDPOINTS"], state_dir=state_dir)
        for p in w.paths:
            k = "PATHSIM_" + p.key
            p.rate_mbit = float(env[f"{k}_RATE_MBIT"])
            p.delay_ms = float(env[f"{k}_DELAY_MS"])
            p.loss_pct = float(env[f"{k}_LOSS_PCT"])
            p.link = env[f"{k}_LINK"]
        w.is_up = True
        return w

    # -- internals -------------------------------------------------------------------------------------

    def _sysctl(self, ns, *settings):
        cmd(["sysctl", "-q", "-w", *settings], ns=ns)

    def _shape(self):
        for p in self.paths:
            cmd(["tc", "-n", self.cli_ns, "qdisc", "replace", "dev", p.ifname, "root", "netem",
                 *p.netem_args()])
            cmd(["tc", "-n", self.rtr_ns, "qdisc", "replace", "dev", p.rtr_if, "root", "netem",
                 *p.netem_args()])

    def _client_routes(self, p):
        """Every route and rule of path p in the client (idempotent)."""
        ip = ["ip", "-n", self.cli_ns]
        t = str(p.table)
        cmd(ip + ["route", "replace", p.prefix, "dev", p.ifname, "src", p.ip, "table", t])
        cmd(ip + ["route", "replace", "default", "via", p.gw, "dev", p.ifname, "src", p.ip, "table", t])
        cmd(ip + ["rule", "del", "from", p.ip, "lookup", t, "pref", t], check=False)
        cmd(ip + ["rule", "add", "from", p.ip, "lookup", t, "pref", t])
        cmd(ip + ["route", "replace", "default", "via", p.gw, "dev", p.ifname, "src", p.ip,
                  "metric", str(p.metric)])

    def _client_endpoints(self):
        """Add the missing MPTCP endpoints only: a flush would remove running connections' subflows."""
        shown = cmd(["ip", "-n", self.cli_ns, "mptcp", "endpoint", "show"]).stdout
        have = {line.split()[0] for line in shown.splitlines() if line.strip()}
        for p in self.paths:
            if self.endpoints == "wifi0" and p is not self.wifi:
                continue
            if p.ip not in have:
                cmd(["ip", "-n", self.cli_ns, "mptcp", "endpoint", "add", p.ip, "dev", p.ifname,
                     "id", str(p.endpoint_id), "subflow"])

    def _wait_ping(self, src, timeout=10.0):
        """The server answers a ping from address src within timeout seconds."""
        deadline = time.monotonic() + ksft.scaled(timeout)
        while time.monotonic() < deadline:
            if cmd(["ping", "-q", "-c", "1", "-W", "1", "-I", src, self.server_ip], ns=self.cli_ns,
                   check=False).returncode == 0:
                return True
            time.sleep(0.5)
        return False
