#!/usr/bin/env python3
"""Inside the VM: the raw data of bench/mobility.  Four APs of one SSID on one channel at the corners of an
80 m square, bridged onto one LAN (one subnet, DHCP and the router behind them), carried by airsim; a laptop
of two client radios that walk together at 1 m/s on a circle around the square's centre.  Each mode walks
the same path from the same start, one after the other:
  best_ap_K   plain TCP through AP K alone (the second radio's wpa_supplicant pinned to its BSSID)
  roaming     the second radio as a laptop works today: one interface, wpa_supplicant choosing and roaming
              with NetworkManager's background scan (bgscan="simple:30:-70:86400"), MPTCP on
  mpwifi      the first radio under `mpwifi daemon --wifi-networks` (several APs), ECN steering on
Analysis happens on the host.  Output on stdout: progress lines starting with "mobility:".

usage: mobility.py [--arc-deg DEG] [--radius M] [--settle S] [--modes "best_ap_1 ... mpwifi"]
  --arc-deg   how much of the circle to walk (360; bench/mobility --quick: 180)

Writes to $MPWIFI_VM_OUT: walk-MODE.json ({"mode", "samples": [{"t", "pos", "rx_bytes", "aps"}]}: one
sample a second from the start of the walk, rx_bytes {ifname: bytes} of the mode's interfaces), daemon.log,
wpa-MODE.log, medium.log, done.json.
"""
import argparse
import json
import math
import os
import re
import shutil
import socket
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.realpath(__file__)), "../../tests/lib"))
from mpwtest import kmod, ksft, paths, proc  # noqa: E402
from mpwtest.world import ESS_ROUTER, SERVER_IP, WifiWorld  # noqa: E402

SSID = "mpwifi-ess"
SQUARE_M = 80.0
CENTRE = (SQUARE_M / 2, SQUARE_M / 2)
START_DEG = 180.0                 # (10, 40): between AP 1 and AP 4, 41 m from each
LEGACY_IP = "10.0.0.20"           # the second radio's address, outside the DHCP range
RUN = "/run/mpwifi-bench"         # tmpfs: wpa_supplicant's sockets cannot live on the 9p share
CORNERS = [(0.0, 0.0), (SQUARE_M, 0.0), (SQUARE_M, SQUARE_M), (0.0, SQUARE_M)]


def say(msg):
    print(f"mobility: {msg}", flush=True)


def airsim_config():
    """Log-distance path loss, exponent 3.5, 20 dBm over a -90 dBm noise floor (the SNR of 15 dBm over
    -95 dBm, bench/ecn-steering's geometry): 11 Mbit/s to ~50 m, 1 Mbit/s beyond ~80 m.  A signal of
    -80 dBm (the AP manager's floor) is an SNR of 10 dB, ~52 m: somewhere on the circle there is always
    an AP above it, and often two."""
    radios = [{"name": f"ap{i}", "freq_mhz": 2412, "tx_power_dbm": 20, "position": list(p)}
              for i, p in enumerate(CORNERS, 1)]
    start = point(START_DEG, 30.0)
    radios += [{"name": f"cli{k}", "freq_mhz": 2412, "tx_power_dbm": 20, "position": list(start)} for k in (1, 2)]
    return {"seed": 11, "path_loss": {"exponent": 3.5, "noise_floor_dbm": -90}, "radios": radios}


def point(deg, radius):
    a = math.radians(deg)
    return (round(CENTRE[0] + radius * math.cos(a), 2), round(CENTRE[1] + radius * math.sin(a), 2))


class Bench:
    def __init__(self, w, args, out):
        self.w, self.args, self.out = w, args, out
        self.ns = w.cli_ns
        self.laptop, self.legacy = w.bare_radios  # the daemon's radio, the second one's
        self.holder = proc.bg(["sleep", "1000000"], ns=self.ns).pid  # reads cli's /proc/net/dev
        self.length_m = 2 * math.pi * args.radius * args.arc_deg / 360.0
        self.seconds = int(self.length_m)  # at 1 m/s

    def mpwifi(self, *argv):
        return proc.cmd([paths.cli_path(), *argv], ns=self.ns, check=False)

    def ctl(self, action):
        """One command to airsim's control socket (a connection each, as `airsim ctl` does): no process
        started, so that a second of the walk stays a second."""
        with socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET) as s:
            s.settimeout(10)
            s.connect(self.w.airsim_sock)
            s.send(json.dumps(action).encode())
            reply = s.recv(4096).decode()
        if reply != "ok":
            raise RuntimeError(f"airsim: {action}: {reply}")

    def place_at_start(self):
        start = point(START_DEG, self.args.radius)
        for r in ("cli1", "cli2"):
            self.ctl({"set_position": {"radio": r, "position": list(start)}})

    def rx_bytes(self, prefix):
        """{ifname: rx bytes} of the interfaces named PREFIX...: per interface, since the manager's come and
        go (a sum would fall by a whole counter when one goes)."""
        out = {}
        with open(f"/proc/{self.holder}/net/dev") as f:
            for line in f:
                name, _, rest = line.partition(":")
                if rest and name.strip().startswith(prefix):
                    out[name.strip()] = int(rest.split()[0])
        return out

    def stations_up(self):
        """The daemon's station interfaces that have an IPv4 address and carrier."""
        links = json.loads(proc.cmd(["ip", "-j", "-4", "addr", "show"], ns=self.ns).stdout or "[]")
        return sorted(link["ifname"] for link in links
                      if re.fullmatch(r"mpw\d+", link["ifname"]) and link.get("addr_info")
                      and "LOWER_UP" in link.get("flags", []))

    def walk(self, mode, prefix, count_aps=False):
        """Walks both client radios along the arc, one sample a second; writes walk-MODE.json."""
        step_deg = math.degrees(1.0 / self.args.radius)  # 1 m of arc
        samples = []
        t0 = time.monotonic()
        for s in range(self.seconds + 1):
            now = time.monotonic()
            if t0 + s > now:
                time.sleep(t0 + s - now)
            deg = START_DEG + s * step_deg
            sample = {"t": round(time.monotonic() - t0, 2), "pos": point(deg, self.args.radius),
                      "rx_bytes": self.rx_bytes(prefix)}
            if count_aps:
                sample["aps"] = len(self.stations_up())
            samples.append(sample)
            if s < self.seconds:
                nxt = point(deg + step_deg, self.args.radius)
                for r in ("cli1", "cli2"):
                    self.ctl({"move": {"radio": r, "toward": list(nxt), "speed_mps": 1.0}})
        with open(os.path.join(self.out, f"walk-{mode}.json"), "w") as f:
            json.dump({"mode": mode, "radius_m": self.args.radius, "arc_deg": self.args.arc_deg,
                       "samples": samples}, f)
        say(f"{mode}: walked {self.length_m:.0f} m in {time.monotonic() - t0:.0f} s")

    def download(self, mode, mptcp, bind=None):
        """A download from the server that restarts whenever iperf3 gives up (an AP out of reach)."""
        cmd = f"iperf3 -c {SERVER_IP} -R -t 86400 --connect-timeout 3000 -i 0"
        if bind:
            cmd += f" -B {bind}"
        if mptcp:
            cmd = "mptcpize run " + cmd
        return proc.bg(["bash", "-c", f"while :; do date +%s.%N; {cmd}; sleep 0.5; done"], ns=self.ns,
                       log=os.path.join(self.out, f"iperf3-{mode}.log"))

    # ----------------------------------------------------------------------------------------- modes

    def legacy_up(self, mode, network_lines):
        ifname = self.legacy.ifname
        conf = os.path.join(RUN, f"wpa-{mode}.conf")
        with open(conf, "w") as f:
            f.write("\n".join([f"ctrl_interface={RUN}/wpa-{mode}", "ap_scan=1", "p2p_disabled=1", "network={",
                               f' ssid="{SSID}"', " key_mgmt=NONE", " scan_freq=2412", " disable_ht=1",
                               *network_lines, "}"]) + "\n")
        self.wpa_log = os.path.join(self.out, f"wpa-{mode}.log")
        for c in (f"link set {ifname} up", f"addr add {LEGACY_IP}/24 dev {ifname}",
                  f"route add default via {ESS_ROUTER} dev {ifname}"):
            proc.cmd(["ip", *c.split()], ns=self.ns)
        proc.cmd(["wpa_supplicant", "-B", "-t", "-D", "nl80211", "-i", ifname, "-c", conf,
                  "-P", f"{RUN}/wpa-{mode}.pid", "-f", self.wpa_log], ns=self.ns)
        ksft.wait_until(f"{mode}: associated", lambda: "CTRL-EVENT-CONNECTED" in open(self.wpa_log).read(),
                        timeout=15, interval=0.3)

    def legacy_down(self, mode):
        pid = open(f"{RUN}/wpa-{mode}.pid").read().strip()
        proc.cmd(["kill", pid], check=False)
        time.sleep(1)
        proc.cmd(["ip", "addr", "flush", "dev", self.legacy.ifname], ns=self.ns)
        proc.cmd(["ip", "link", "set", self.legacy.ifname, "down"], ns=self.ns)

    def run_legacy(self, mode, network_lines, mptcp):
        self.place_at_start()
        self.legacy_up(mode, network_lines)
        dl = self.download(mode, mptcp, bind=None if mptcp else LEGACY_IP)
        time.sleep(self.args.settle)
        self.walk(mode, self.legacy.ifname)
        dl.stop()
        self.legacy_down(mode)

    def run_mpwifi(self):
        self.place_at_start()
        networks = os.path.join(RUN, "networks.conf")
        with open(networks, "w") as f:
            f.write(f'network={{\n\tssid="{SSID}"\n\tkey_mgmt=NONE\n}}\n')
        self.mpwifi("ecn", "set", "enabled", "on")
        log = os.path.join(self.out, "daemon.log")
        start = time.monotonic()
        daemon = proc.bg([paths.cli_path(), "daemon", "--verbose", "--wifi-networks", networks,
                          "--wifi-radio", self.laptop.phy,
                          "--dhcp-script", os.path.join(paths.REPO, "agent/dhcp/udhcpc-event"),
                          "--run-dir", RUN], ns=self.ns, log=log)
        first = ksft.wait_until("mpwifi: a station up", self.stations_up, timeout=40, interval=0.3)
        say(f"mpwifi: first station up {time.monotonic() - start:.1f} s after the daemon started: {first}")
        ksft.wait_until("mpwifi: a default route", lambda: "default" in proc.cmd(
            ["ip", "route", "show", "default"], ns=self.ns).stdout, timeout=10, interval=0.3)
        dl = self.download("mpwifi", True)
        time.sleep(self.args.settle)
        say(f"mpwifi: {len(self.stations_up())} station(s) up when the walk starts")
        self.walk("mpwifi", "mpw", count_aps=True)
        dl.stop()
        self.mpwifi("ecn", "set", "enabled", "off")
        daemon.stop()

    def run(self):
        os.makedirs(RUN, exist_ok=True)
        srv = proc.bg(["mptcpize", "run", "iperf3", "-s"], ns=self.w.srv_ns)
        ksft.defer(srv.stop)
        time.sleep(1)
        self.mpwifi("ecn", "set", "enabled", "off")
        for mode in self.args.modes.split():
            t = time.monotonic()
            m = re.fullmatch(r"best_ap_(\d)", mode)
            if m:
                ap = self.w.aps[int(m.group(1)) - 1]
                self.run_legacy(mode, [f" bssid={ap.bssid}", ' bgscan=""'], mptcp=False)
            elif mode == "roaming":
                self.run_legacy(mode, [' bgscan="simple:30:-70:86400"'], mptcp=True)
            elif mode == "mpwifi":
                self.run_mpwifi()
            else:
                raise SystemExit(f"mobility.py: unknown mode {mode}")
            say(f"{mode} done in {time.monotonic() - t:.0f} s")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--arc-deg", type=float, default=360.0)
    ap.add_argument("--radius", type=float, default=30.0)
    ap.add_argument("--settle", type=float, default=5.0)
    ap.add_argument("--modes", default="best_ap_1 best_ap_2 best_ap_3 best_ap_4 roaming mpwifi")
    args = ap.parse_args()
    out = paths.vm_out()
    start = time.monotonic()
    kmod.load()
    paths.use_experiment_airsim()
    w = WifiWorld(aps=4, channel=1, ssid=SSID, bare_radios=2, one_subnet=True, rates="1 2 5.5 11",
                  airsim=airsim_config())
    try:
        w.up()
        say(f"world up in {time.monotonic() - start:.0f} s")
        Bench(w, args, out).run()
        with open(os.path.join(out, "done.json"), "w") as f:
            json.dump({"seconds": round(time.monotonic() - start)}, f)
    finally:
        ksft.run_cleanups()
        if os.path.exists(w.medium_log):
            shutil.copy(w.medium_log, os.path.join(out, "medium.log"))
        proc.cmd(["cp", "-r", RUN, os.path.join(out, "run")], check=False)
        kmod.unload()


if __name__ == "__main__":
    main()
