"""Traffic through the world: iperf3 servers and downloads, interface counters, nstat."""
import json
import os
import time

from . import ksft, proc

# Socket buffers of the downloads a test wants steered (iperf3 -w): they bound what is in flight. airsim
# queues up to 1000 frames a radio below mac80211 (hwsim never stops its queues, so CoDel there never sees
# them), and an unbounded sender filled it: RTTs of 1-4 s, RTOs and stale subflows. On a slowed kernel
# 128 KB held seconds of the medium's frames.
STEERED_WINDOW = ("-w", "32K" if ksft.slowed() else "128K")


def iperf3_server(ns, port=5201, mptcp=False, bind=None, one_off=False, log=None):
    """An iperf3 server in NS (through mptcpize with MPTCP), returned once it listens."""
    argv = ["iperf3", "-s", "-p", str(port)] + (["-B", bind] if bind else []) + (["-1"] if one_off else [])
    if mptcp:
        argv = ["mptcpize", "run", *argv]
    server = proc.bg(argv, ns=ns, log=log)
    ksft.wait_until(f"iperf3 server listening on port {port}", lambda: listening(ns, port), timeout=10)
    return server


def listening(ns, port):
    return bool(proc.cmd(["ss", "-Hltn", f"sport = :{port}"], ns=ns).stdout.strip())


def iperf3_argv(server_ip, seconds, port=5201, mptcp=False, reverse=True, bind=None, extra=()):
    argv = ["iperf3", "-c", server_ip, "-p", str(port), "-t", str(seconds), "-J", *extra]
    if reverse:
        argv.append("-R")
    if bind:
        argv += ["-B", bind]
    return ["mptcpize", "run", *argv] if mptcp else argv


def download(ns, server_ip, seconds, out=None, **kw):
    """A download run to completion: iperf3's JSON report (saved to OUT when given)."""
    p = proc.cmd(iperf3_argv(server_ip, seconds, **kw), ns=ns, timeout=seconds + 60)
    if out:
        with open(out, "w") as f:
            f.write(p.stdout)
    return json.loads(p.stdout)


def download_bg(ns, server_ip, seconds, out, **kw):
    """A download in the background (its JSON report goes to OUT)."""
    return proc.bg(iperf3_argv(server_ip, seconds, **kw), ns=ns, log=out)


def received_mbps(report):
    return report["end"]["sum_received"]["bits_per_second"] / 1e6


def netdev_stats(ns, ifnames, *stats):
    """{ifname: {stat: value}} for STATS (e.g. rx_bytes) of IFNAMES in NS, read by one process."""
    files = [f"/sys/class/net/{i}/statistics/{s}" for i in ifnames for s in stats]
    values = iter(proc.read_ints(files, ns=ns))
    return {i: {s: next(values) for s in stats} for i in ifnames}


def rx_bytes(ns, ifnames):
    return {i: v["rx_bytes"] for i, v in netdev_stats(ns, ifnames, "rx_bytes").items()}


def nstat(ns, name):
    """An absolute SNMP/netstat counter of NS, 0 when absent."""
    return nstat_all(ns).get(name, 0)


def nstat_all(ns):
    """Every nonzero absolute SNMP/netstat counter of NS: {name: value}."""
    counters = {}
    for line in proc.cmd(["nstat", "-a"], ns=ns).stdout.splitlines():
        parts = line.split()
        if len(parts) >= 2 and parts[1].isdigit():
            counters[parts[0]] = int(parts[1])
    return counters


def out_dir():
    """Where a test keeps files worth reading after it ($MPWIFI_VM_OUT in the VM)."""
    d = os.environ.get("MPWIFI_VM_OUT") or "/tmp"
    os.makedirs(d, exist_ok=True)
    return d


def sleep(seconds):
    time.sleep(seconds)


def json_lines(path):
    """The JSON objects of a file another process writes one per line, skipping a line not yet
    complete (or not JSON)."""
    with open(path) as f:
        for line in f:
            try:
                yield json.loads(line)
            except ValueError:
                continue


def json_file(path):
    """The JSON object in PATH, skipping anything a tool printed before it (download_bg's file holds
    stderr too)."""
    with open(path) as f:
        text = f.read()
    return json.JSONDecoder().raw_decode(text, text.index("{"))[0]
