"""tools/trusted-http (HTTP-like client and server with MPTCP_TRUSTED heads) and its pcap-scan, for the
trusted-subflow tests and the page-load benchmark."""
import json
import os
import time

from . import ksft, paths, proc

PORT = 8080
PCAP_SCAN = os.path.join(paths.REPO, "tools/trusted-http/pcap-scan")


def http_path():
    """The trusted-http binary: $TRUSTED_HTTP or $MPWIFI_TRUSTED_HTTP, or the one built in build/tools."""
    return os.environ.get("TRUSTED_HTTP") or os.environ.get("MPWIFI_TRUSTED_HTTP") or \
        os.path.join(paths.BUILD, "tools/trusted-http")


def events(log, kind=None):
    """The JSON lines of a trusted-http log (stdout and stderr mixed), optionally of one event kind."""
    out = []
    try:
        with open(log) as f:
            for line in f:
                if not line.startswith("{"):
                    continue
                try:
                    d = json.loads(line)
                except ValueError:
                    continue
                if kind is None or d.get("event") == kind:
                    out.append(d)
    except FileNotFoundError:
        pass
    return out


def last(log, kind):
    """The last event of KIND in LOG, or {} when there is none."""
    rows = events(log, kind)
    return rows[-1] if rows else {}


def done_ok(log):
    """(ok, what was seen): the `done` line of a session says complete, with no mismatch."""
    d = last(log, "done")
    return d.get("complete") is True and d.get("mismatches") == 0, \
        f"complete={d.get('complete')} mismatches={d.get('mismatches')}" if d else "no done line"


def error_of(log):
    """'op/errno' of the last error line in LOG ('' when none)."""
    e = last(log, "error")
    return f"{e.get('op')}/{e.get('errno')}" if e else ""


def server(ns, log, *args, max_conns=1, idle_timeout=30, port=None):
    """A server in NS, listening when this returns; a proc.Bg.  By default it serves one connection
    and gives up a read after 30 s; max_conns / idle_timeout None: the program's defaults (serve forever,
    60 s)."""
    argv = [http_path(), "server"]
    if max_conns is not None:
        argv += ["--max-conns", str(max_conns)]
    if idle_timeout is not None:
        argv += ["--idle-timeout", str(idle_timeout)]
    if port is not None:
        argv += ["--port", str(port)]
    srv = proc.bg(argv + list(args), ns=ns, log=log)
    deadline = time.monotonic() + ksft.scaled(5)
    while time.monotonic() < deadline:
        if events(log, "listening"):
            return srv
        if not srv.running():
            break
        time.sleep(0.1)
    raise RuntimeError(f"trusted-http server did not start: {open(log).read() if os.path.exists(log) else ''}")


def client(ns, log, verb, server_ip, *args):
    """A client run in the background (verb get or session); a proc.Bg."""
    return proc.bg([http_path(), verb, server_ip, *args], ns=ns, log=log)


def client_run(ns, log, verb, server_ip, *args, timeout=300):
    """A client run to completion; its exit status (its output is in LOG)."""
    c = client(ns, log, verb, server_ip, *args)
    return c.wait(timeout)


def scan(pcap, port=PORT):
    """pcap-scan's JSON for the flows of PORT in PCAP."""
    return json.loads(proc.cmd([PCAP_SCAN, "--port", str(port), pcap]).stdout)


def mp_capable_syns(result):
    """The connections' first SYNs (MP_CAPABLE, not SYN-ACK) in a scan result."""
    return sum(1 for f in result["flows"]
               if f["syn"] and f["syn"]["mptcp"] == "MP_CAPABLE" and not f["syn"]["ack"])


def dir_bytes(result, port=PORT):
    """Payload bytes (client->server, server->client) of a scan result."""
    up = sum(f["payload_bytes"] for f in result["flows"] if f["dport"] == port)
    down = sum(f["payload_bytes"] for f in result["flows"] if f["sport"] == port)
    return up, down
