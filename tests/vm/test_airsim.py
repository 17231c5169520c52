#!/usr/bin/env python3
"""airsim as the wireless medium: two APs on one channel, a client on both.
 (a) association and an MPTCP download work through airsim, both subflows carry data, and airsim's
     ground truth has frames both ways, retransmissions on the lossy link included;
 (b) with the loss of ap1 -> sta1 changed through airsim's control socket, the module's delivery_prob
     for ap1 matches the truth over exactly its window within +-0.03: the first-attempt success ratio
     of the frames the module counted in it (tools/airsim/truth.py compare --sync), in every snapshot
     whose window holds 50 frames or more (20 on a slowed kernel; at least 3 of 6).  A sample with the medium idle first ties
     the module's count of ap1's frames to the truth's, and must show that the module counted every
     frame airsim handed sta1.  The truth over the window's time span is logged beside: under a loaded
     emulator the kernel counts frames tens of milliseconds after airsim hands them over, enough to move
     bursts between windows (a run once saw 69 frames in a window that held 105 by airsim's clock).
On a slowed (debug) kernel airsim, a process in the guest, carries some 80 frames/s before it falls behind
the clock: part (b) waits for it to catch up after (a), paces its download to a quarter of that, and widens
the module's window to 8 s (with two VMs on the debug kernel the download still came to 10-20 frames a
second)."""
import json
import math
import os
import re
import shutil
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.realpath(__file__)), "../lib"))
from mpwtest import cli, kmod, ksft, paths, proc, traffic, world  # noqa: E402
from mpwtest.ksft import check, check_between, check_eq, check_ge, check_within  # noqa: E402

LOSS_CONFIG = 0.3  # ap1 -> sta1 from the start
LOSS_CONTROL = 0.5  # ap1 -> sta1 set through the control socket for part (b)
TOLERANCE = 0.03
# (b)'s download pace and the module's window: at 4 Mbit/s some 160 frames a window of 500 ms on Debian's
# kernel; 0.25 Mbit/s and 8 s on a slowed one (the debug kernel carried 10-20 frames/s a station under
# that pace: 35-78 frames in 4 s windows).
PACE, WINDOW_MS = ("250K", 8000) if ksft.slowed() else ("4M", 500)
# Snapshots of the module's window while (b)'s download runs. Under emulation a paced download still comes
# in bursts (a 500 ms window held 0 to 244 frames at 4 Mbit/s), so windows with few frames are left out.
# On a slowed kernel 20 frames: with two VMs on the debug kernel the 8 s windows held 2 to 83 (a download
# of 0.19 Mbit/s); each window is compared with the truth over the very frames it counted, so a smaller
# one is still an exact check.
SNAPSHOTS, SNAPSHOT_EVERY_S, MIN_BUSY = 6, 0.7, 3
MIN_FRAMES = 20 if ksft.slowed() else 50
LAG_MAX_US = 100_000  # the medium's mean lag (b) waits to fall below


def config():
    """Radios in the world's hwsim order (APs, then stations); every pair within a few metres, so every
    radio hears (and defers to) every other. Only ap1 -> sta1 loses frames; TCP ACKs go back clean."""
    def radio(name, pos, index):
        return {"name": name, "freq_mhz": 2412, "position": pos, "tx_power_dbm": 20, "hwsim_index": index}
    return {
        "seed": 7,
        "radios": [radio("ap1", [0, 0], 0), radio("ap2", [4, 0], 1), radio("sta1", [2, 1], 2),
                   radio("sta2", [2, -1], 3)],
        "links": [
            {"from": "ap1", "to": "sta1", "loss": LOSS_CONFIG, "symmetric": False},
            {"from": "sta1", "to": "ap1", "loss": 0.0, "symmetric": False},
            {"from": "ap2", "to": "sta2", "loss": 0.0, "symmetric": True},
        ],
    }


def truth(*args):
    return proc.cmd(["python3", paths.TRUTH_PY, *args]).stdout


def medium_lag_us(medium_log):
    """The mean lag behind the clock in airsim's last stats line (its frames' delivery delay), or None."""
    with open(medium_log) as f:
        lags = re.findall(r'"lag_mean_us":([0-9.]+)', f.read())
    return float(lags[-1]) if lags else None


def frames_counted(row):
    """The frames of the station's AP the module has counted since it first saw the AP."""
    return row["first_try"] + row["retried"] + row["lost"]


def main():
    out = traffic.out_dir()
    kmod.load(ecn=0, window_ms=WINDOW_MS)  # the estimator under test: no steering to starve a subflow
    w = world.WifiWorld(aps=2, stations=2, channel=1, airsim=config())

    def keep_logs():
        for f in (w.airsim_truth, w.medium_log, w.airsim_config):
            if f and os.path.exists(f):
                shutil.copy(f, out)
    ksft.defer(keep_logs)
    w.up()
    check("world names airsim's truth file and control socket",
          all((w.airsim_truth, w.airsim_sock, w.airsim_bin)), (w.airsim_truth, w.airsim_sock, w.airsim_bin))
    for st in w.stations:
        check_eq(f"{st.ifname} associated with {st.bssid} through airsim", w.associated_bssid(st), st.bssid)

    # --- (a) MPTCP download over both APs
    ifs = [st.ifname for st in w.stations]
    before = traffic.rx_bytes(w.cli_ns, ifs)
    traffic.iperf3_server(w.srv_ns, mptcp=True, one_off=True)
    report = traffic.download(w.cli_ns, w.server_ip, 8, out=f"{out}/iperf3-mptcp.json", mptcp=True)
    after = traffic.rx_bytes(w.cli_ns, ifs)
    d = {i: after[i] - before[i] for i in ifs}
    ksft.log(f"MPTCP download: {traffic.received_mbps(report):.2f} Mbit/s; sta1 received {d['sta1']} bytes, "
             f"sta2 {d['sta2']}")
    for i in ifs:
        check_ge(f"MPTCP download: {i} carried part of it (bytes > 200 kB)", d[i], 200_001)

    summary = json.loads(truth("summary", w.airsim_truth))
    with open(f"{out}/truth-summary.json", "w") as f:
        json.dump(summary, f)

    def count(link, field):
        return summary["frames"].get(f"{link} data", {}).get(field, 0)
    for link in ("ap1->sta1", "sta1->ap1", "ap2->sta2", "sta2->ap2"):
        ksft.log(f"truth: {link} data frames {count(link, 'frames')}, retried {count(link, 'retried')}, "
                 f"first_ok {count(link, 'first_ok')}, queue drops {count(link, 'queue_drop')}")
        check_ge(f"truth: data frames {link} (> 100)", count(link, "frames"), 101)
    check_ge("truth: retransmissions on the lossy link ap1->sta1 (> 10)", count("ap1->sta1", "retried"), 11)
    # 1 - loss at most; collisions with the other three radios on the channel take some more
    ratio = count("ap1->sta1", "first_ok") / max(1, count("ap1->sta1", "frames"))
    check_between(f"truth: first-attempt ratio of ap1->sta1 in [0.5, 1 - {LOSS_CONFIG} + 0.05]",
                  round(ratio, 4), 0.5, 1 - LOSS_CONFIG + 0.05)

    # --- (b) a loss set through the control socket; plain TCP through ap1 only
    # (a) can leave a slowed medium seconds behind: wait for it (it prints stats every 5 s)
    ksft.wait_until(f"the medium keeps up with the clock (mean lag < {LAG_MAX_US // 1000} ms)",
                    lambda: (medium_lag_us(w.medium_log) or 0) < LAG_MAX_US, timeout=30, interval=1)
    reply = w.airsim_ctl(json.dumps({"set_link": {"from": "ap1", "to": "sta1", "loss": LOSS_CONTROL,
                                                  "symmetric": False}}))
    check_eq("airsim ctl set_link answers ok", reply, "ok")
    sta1 = w.stations[0]

    # The medium idle (no frame for sta1 over a second): the module has counted all airsim handed it.
    def idle_sample():
        before = cli.ap_row(sta1.ifname, w.cli_ns)
        time.sleep(1)
        rows = cli.ap_rows(w.cli_ns)
        after = cli.ap_row(sta1.ifname, rows=rows)
        return rows if before and after and frames_counted(before) == frames_counted(after) else None
    idle = ksft.wait_until("the medium idle before (b)", idle_sample, timeout=30, interval=0)
    if not idle:
        return
    sync = f"{out}/sync.json"
    with open(sync, "w") as f:
        f.write(json.dumps(idle) + "\n")
    traffic.iperf3_server(w.srv_ns, port=5202, one_off=True)
    # Paced (-b) well below the link's capacity in writes of 5 full segments: steady frames, and no CPU
    # saturation under emulation (which makes airsim fall behind the clock and deliver in late bursts).
    window_s = WINDOW_MS / 1000
    # a snapshot takes seconds on a slowed kernel: the download outlasts them there too
    client = traffic.download_bg(w.cli_ns, w.server_ip,
                                 math.ceil(ksft.scaled(window_s + 4 + SNAPSHOTS * SNAPSHOT_EVERY_S)),
                                 f"{out}/iperf3-sta1.json",
                                 port=5202, bind=sta1.ip, extra=["-w", "128K", "-b", PACE, "-l", "7240"])
    time.sleep(3 + window_s)  # the window holds only frames sent at the new loss
    snapshots = f"{out}/snapshots.json"
    with open(snapshots, "w") as f:
        for _ in range(SNAPSHOTS):
            f.write(json.dumps(cli.ap_rows(w.cli_ns)) + "\n")
            time.sleep(SNAPSHOT_EVERY_S)
    client.wait(ksft.scaled(60))
    time.sleep(5)  # the stats line that covers the snapshots

    # The truth over each snapshot's window; airsim writes a frame once its fate is known, so wait until
    # the file reaches past the last window.
    def compare():
        rows = [json.loads(line) for line in truth("compare", w.airsim_truth, snapshots, "--from", "ap1",
                                                    "--to", "sta1", "--ifname", "sta1", "--sync", sync
                                                    ).splitlines()]
        covered = rows and all(r["truth_last_t_ns"] is not None and r["truth_last_t_ns"] >= r["window_end_ns"]
                               for r in rows)
        return rows if covered else None
    rows = ksft.wait_until("truth file covers the sampled windows", compare, timeout=15, interval=1)
    if not rows:
        return
    check("truth file covers the sampled windows", True)
    idle_row = cli.ap_row(sta1.ifname, rows=idle)
    check_eq(f"the module counted every frame airsim handed sta1 from ap1 before the idle sample "
             f"({frames_counted(idle_row)} frames)", rows[0]["sync_offset"], 0)
    with open(f"{out}/compare.jsonl", "w") as f:
        f.writelines(json.dumps(r) + "\n" for r in rows)
    # The control command took effect: the first-attempt ratio over the sampled span (~4 s, some 600
    # frames: binomial sigma 0.02) is 1 - LOSS_CONTROL, less what collisions take.
    start, end = min(r["window_start_ns"] for r in rows), max(r["window_end_ns"] for r in rows)
    span = json.loads(truth("window", w.airsim_truth, "--from", "ap1", "--to", "sta1", "--start", str(start),
                            "--end", str(end)))
    ksft.log(f"truth over the sampled span: first-attempt ratio {span['delivery_prob']} ({span})")
    check_between(f"truth: first-attempt ratio after the control command in [1 - {LOSS_CONTROL} - 0.1, "
                  f"1 - {LOSS_CONTROL} + 0.07]", span["delivery_prob"], 1 - LOSS_CONTROL - 0.1,
                  1 - LOSS_CONTROL + 0.07)
    check_eq(f"{SNAPSHOTS} snapshots of ap1's window", len(rows), SNAPSHOTS)
    busy = [r for r in rows if (r["module_frames"] or 0) >= MIN_FRAMES]
    check_ge(f"at least {MIN_BUSY} snapshot windows hold traffic (>= {MIN_FRAMES} frames)", len(busy), MIN_BUSY)
    for n, r in enumerate(rows, 1):
        ksft.log(f"snapshot {n}: module {r['delivery_prob']} over {r['module_frames']} frames (N0 "
                 f"{r['module_first_try']}, N1 {r['module_retried']}, lost {r['module_lost']}); truth over "
                 f"them {r['truth_frames_delivery_prob']} ({r['truth_frames_first_ok']} first ok); truth over "
                 f"the window's time span {r['truth_delivery_prob']} over {r['frames']} frames "
                 f"({r['first_ok']} first ok, {r['truth_retried']} retried, {r['truth_lost']} lost), "
                 f"{r['in_flight']} handed over but not yet counted at its end; packet time module "
                 f"{r['packet_time_us']} us, truth {r['truth_packet_time_us']} us")
        if r not in busy:
            continue
        check_ge(f"snapshot {n}: module sees retries (N1 > 0)", r["module_retried"], 1)
        check_within(f"snapshot {n}: delivery_prob within {TOLERANCE} of the truth over its window",
                     r["delivery_prob"], r["truth_frames_delivery_prob"], TOLERANCE)


ksft.run(main)
