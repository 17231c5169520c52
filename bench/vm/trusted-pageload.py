#!/usr/bin/env python3
"""Inside the VM: the raw data of bench/trusted-pageload.  The two-path world of mpwtest.pathsim (client
with an untrusted "WiFi" path wifi0 and a trusted "cellular" path cell0, a server with one interface), the
mpwifi module loaded, the client's cell0 trusted and wifi0 untrusted, on the server the client's cell0
subnet trusted and every other peer untrusted.  At each point (rates, one-way delays, object size) page
loads with tools/trusted-http, one process per load, the variants interleaved (ABAB):
  trusted   request and response heads sent with MPTCP_TRUSTED (server on port 8080)
  regular   the same programs with --no-trusted (server on port 8081)
Each connection starts on cell0 (routing: pathsim's default route through cell0 has the lower metric)
and adds a subflow over wifi0.  When the module reports trusted sends unavailable, or the CLI has no
`trust` command, the trusted variant cannot run: with --aa-fallback the run goes on with two regular
variants (regular, regular2: an A/A comparison, the benchmark's noise floor), else it fails.
Analysis happens on the host.  Output on stdout: progress lines starting with "pageload:" only.

usage: trusted-pageload.py --points "ID:WIFI_MBIT:CELL_MBIT:WIFI_DELAY_MS:CELL_DELAY_MS:SIZE ..."
                           [--reps N] [--warmup N] [--aa-fallback] [--capture]
  --points   one-way delays; SIZE in bytes (K, M suffixes: 1024-based)
  --reps     page loads per variant and point (default 5)
  --warmup   discarded loads per variant at each point before the measured ones (default 1)
  --capture  tcpdump on the client's wifi0 (headers only, 128 bytes) for the whole run: wifi0.pcap

Writes to $MPWIFI_VM_OUT: loads.jsonl (one line per page load: the client's JSON line plus point, variant,
rep, order, status), trusted.json (whether the trusted variant ran, and why not), policy-NS.json (the
server's and client's `mpwifi -j policy show` after the run), server-*.jsonl, pathsim-env.txt, done.json.
"""
import argparse
import json
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.realpath(__file__)), "../../tests/lib"))
from mpwtest import cli, kmod, ksft, paths, proc, thttp  # noqa: E402
from mpwtest.capture import Capture  # noqa: E402
from mpwtest.pathsim import PathWorld  # noqa: E402

PORTS = {"trusted": 8080, "regular": 8081, "regular2": 8082}
STATUS_FILE = "/sys/module/mpwifi/parameters/trusted_status"


def say(msg):
    print(f"pageload: {msg}", flush=True)


def trusted_status():
    """The module's trusted-send status: "available", "unavailable: REASON", or "" when unknown."""
    try:
        with open(STATUS_FILE) as f:
            return f.read().strip()
    except OSError:
        return ""


def setup_trust(w, out):
    """Trust settings of the trusted variant; the reason it cannot run, or ''."""
    status = trusted_status()
    if status != "available":
        return f"module: {status or 'no ' + STATUS_FILE}"
    steps = [(w.cli_ns, ["trust", "set", w.trusted_if, "trusted"]),
             (w.cli_ns, ["trust", "set", w.untrusted_if, "untrusted"]),
             (w.srv_ns, ["trust", "set", w.server_if, "trusted"]),
             (w.srv_ns, ["trust", "peer", "add", w.cell.prefix, "trusted"]),
             (w.srv_ns, ["policy", "set", "peer-default", "untrusted"])]
    with open(os.path.join(out, "trust.log"), "w") as f:
        for ns, args in steps:
            p = cli.mpwifi(*args, ns=ns, json=False, check=False)
            f.write(p.stdout + p.stderr)
            if p.returncode:
                return "CLI: " + " ".join((p.stdout + p.stderr).split())[:300]
    return ""


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--points", required=True)
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--warmup", type=int, default=1)
    ap.add_argument("--aa-fallback", action="store_true")
    ap.add_argument("--capture", action="store_true")
    args = ap.parse_args()
    out = paths.vm_out()
    if not os.access(thttp.http_path(), os.X_OK):
        sys.exit(f"trusted-pageload.py: {thttp.http_path()} missing (cmake --build ... --target trusted-http)")
    start = time.monotonic()
    try:
        run(args, out, start)
    finally:
        ksft.run_cleanups()
        kmod.unload()


def run(args, out, start):
    kmod.load()
    w = PathWorld().up()
    with open(os.path.join(out, "pathsim-env.txt"), "w") as f:
        f.write(w.env_text())

    status = trusted_status()
    reason = setup_trust(w, out)
    if not reason:
        variants = ["trusted", "regular"]
        trusted = {"available": True, "status": status}
        say(f"trusted sends available; cell0 trusted, wifi0 untrusted; server: its {w.server_if} trusted, "
            f"peers in {w.cell.prefix} trusted, others untrusted")
    else:
        reason = reason.replace('"', "'")
        trusted = {"available": False, "status": status, "reason": reason}
    with open(os.path.join(out, "trusted.json"), "w") as f:
        f.write(json.dumps(trusted) + "\n")
    if reason:
        if not args.aa_fallback:
            sys.exit(f"pageload: error: trusted variant unavailable ({reason})")
        variants = ["regular", "regular2"]
        say(f"trusted variant UNAVAILABLE ({reason}): A/A run with two regular variants")

    for v in variants:
        flags = [] if v == "trusted" else ["--no-trusted"]
        thttp.server(w.srv_ns, os.path.join(out, f"server-{v}.jsonl"), *flags, max_conns=None,
                     idle_timeout=None, port=PORTS[v])
    if args.capture:
        Capture(w.cli_ns, w.untrusted_if, snaplen=128, path=os.path.join(out, "wifi0.pcap")).start()

    counts = {"loads": 0, "failed": 0}
    loads = open(os.path.join(out, "loads.jsonl"), "w")

    def load(point, v, rep, order, size):
        """One page load; a line in loads.jsonl unless it is a warm-up (rep < 0)."""
        flags = [] if v == "trusted" else ["--no-trusted"]
        p = proc.cmd([thttp.http_path(), "get", w.server_ip, "--port", PORTS[v], "--size", size, "--timeout",
                      "60", *flags], ns=w.cli_ns, check=False, timeout=600)
        with open(os.path.join(out, "client.err"), "w") as f:
            f.write(p.stderr)
        lines = p.stdout.strip().splitlines()
        try:
            client = json.loads(lines[-1]) if lines else {"event": "error", "message": "no output"}
        except ValueError:
            client = {"event": "error", "message": "unreadable output: " + lines[-1][:200]}
        if rep < 0:
            return
        counts["loads"] += 1
        counts["failed"] += p.returncode != 0
        loads.write(json.dumps({"point": point, "variant": v, "rep": rep, "order": order,
                                "status": p.returncode, "t_ns": time.monotonic_ns(), "client": client}) + "\n")
        loads.flush()

    n_point = 0
    for item in args.points.split():
        pid, wr, cr, wd, cd, size = item.split(":")
        w.set(wifi_rate=float(wr), cell_rate=float(cr), wifi_delay=float(wd), cell_delay=float(cd))
        # ABAB, starting with A at even points and with B at odd points
        a, b = variants[n_point % 2], variants[(n_point + 1) % 2]
        t0 = time.monotonic()
        for _ in range(args.warmup):
            load(pid, a, -1, 0, size)
            load(pid, b, -1, 0, size)
        order = 0
        for rep in range(args.reps):
            load(pid, a, rep, order, size)
            load(pid, b, rep, order + 1, size)
            order += 2
        say(f"point {pid} (wifi {wr} Mbit/s {wd} ms, cell {cr} Mbit/s {cd} ms, {size} bytes): "
            f"{2 * args.reps} loads in {time.monotonic() - t0:.0f} s")
        n_point += 1
    loads.close()
    for ns in (w.cli_ns, w.srv_ns):
        p = proc.cmd([paths.cli_path(), "-j", "policy", "show"], ns=ns, check=False)
        if p.returncode == 0:
            with open(os.path.join(out, f"policy-{ns}.json"), "w") as f:
                f.write(p.stdout)
    seconds = int(time.monotonic() - start)
    with open(os.path.join(out, "done.json"), "w") as f:
        f.write(json.dumps({"loads": counts["loads"], "failed": counts["failed"], "points": n_point,
                            "reps": args.reps, "warmup": args.warmup, "variants": " ".join(variants),
                            "seconds": seconds}) + "\n")
    say(f"{counts['loads']} loads ({counts['failed']} failed) in {seconds} s")


if __name__ == "__main__":
    main()
