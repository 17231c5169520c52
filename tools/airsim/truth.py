#!/usr/bin/env python3
"""Ground truth of an airsim run, and the module's figures compared with it.

airsim writes one JSON object per line (its --truth file):
  header  {"airsim": 1, "start_ns": N, "radios": [{"name", "index", "addr"}, ...]}
  frame   {"t_ns", "air_ns", "enq_ns", "from", "to", "ra", "ta", "kind", "seq", "tid", "bytes", "attempts",
           "first_ok", "received", "acked", "copies", "collisions", "airtime_us", "rates", "queue_drop"}
          (from/to: radio names; ra/ta: receiver and transmitter addresses, addr1 and addr2, which tell
          apart the station interfaces one radio carries)
  event   {"t_ns": N, "event": {"set_link": {...}}}   (a schedule or control action applied)
  stats   {"t_ns": N, "stats": {...}}                  (airsim's periodic counters: queue drops, lag, ...)
Times are CLOCK_MONOTONIC ns, the clock of the module's windows.  A frame's t_ns is when airsim handed the
receiver its first copy (or gave up on the frame), what the receiving kernel's clock sees; air_ns is the
same instant on the simulated air, earlier when the emulator runs behind.  Windows are matched on t_ns.

The truth for the module's delivery_prob over a window [start, end) is the first-attempt success ratio
of the link's data frames (kind "data", not queue_drop) with t_ns in [start, end): sum(first_ok) / count.
The truth for its packet_time_us is the airtime airsim spent on those frames per delivered one:
sum(airtime_us) / count(received).

Used by bench/estimator-accuracy and tests/vm/test_airsim.sh; as a command:
  truth.py summary TRUTH                            frames per link and kind, retries, drops, events
  truth.py window TRUTH --from A --to B --start NS --end NS
      (A and B: radio names, or interface MAC addresses matched against a frame's ta and ra)
  truth.py compare TRUTH --from A --to B [--ifname IF] [--bssid MAC] [--sync SAMPLE] SAMPLES
      SAMPLES: output of `mpwifi -j ap show` (one array per snapshot) or `mpwifi -j ap watch`
      ({"t_ns", "aps": [...]} per refresh); prints one JSON object per sample of IF's AP.
      SAMPLE: one taken with the medium idle, which ties the module's frame count to the truth's frames
      (see compare()).
"""

import argparse
import bisect
import json
import math
import sys


class TruthError(Exception):
    pass


class LinkFrames:
    """The data frames of one direction (from -> to), sorted by t_ns, with prefix sums so that any
    interval is answered in O(log n)."""

    def __init__(self, frames):
        frames = sorted(frames, key=lambda f: f["t_ns"])
        self.t = [f["t_ns"] for f in frames]
        self.frames = frames
        n = len(frames)
        self._cum = {}
        for key, value in (
                ("count", lambda f: 0 if f.get("queue_drop") else 1),
                ("first_ok", lambda f: 1 if f.get("first_ok") and not f.get("queue_drop") else 0),
                ("received", lambda f: 1 if f.get("received") and not f.get("queue_drop") else 0),
                ("retried", lambda f: 1 if f.get("received") and not f.get("first_ok") else 0),
                ("lost", lambda f: 1 if not f.get("received") and not f.get("queue_drop") else 0),
                ("airtime_us", lambda f: 0 if f.get("queue_drop") else f.get("airtime_us", 0)),
                ("attempts", lambda f: 0 if f.get("queue_drop") else f.get("attempts", 0)),
                ("queue_drop", lambda f: 1 if f.get("queue_drop") else 0),
                ("full_size", lambda f: 1 if f.get("bytes", 0) >= 1500 and not f.get("queue_drop") else 0),
                ("collisions", lambda f: f.get("collisions", 0) or 0),
                # attempts beyond dot11ShortRetryLimit (7), which the module's airtime model stops at
                ("over_7_attempts", lambda f: 1 if (f.get("attempts") or 0) > 7 and not f.get("queue_drop") else 0)):
            cum = [0] * (n + 1)
            s = 0
            for i, f in enumerate(frames):
                s += value(f)
                cum[i + 1] = s
            self._cum[key] = cum

    def __len__(self):
        return len(self.t)

    def _between(self, lo, hi):
        w = {k: c[hi] - c[lo] for k, c in self._cum.items()}
        w["delivery_prob"] = w["first_ok"] / w["count"] if w["count"] else None
        w["packet_time_us"] = w["airtime_us"] / w["received"] if w["received"] else None
        return w

    def window(self, start_ns, end_ns):
        """Truth over [start_ns, end_ns)."""
        w = self._between(bisect.bisect_left(self.t, start_ns), bisect.bisect_left(self.t, end_ns))
        w["start_ns"] = start_ns
        w["end_ns"] = end_ns
        return w

    def positions(self, first, end):
        """Truth over the link's frames first .. end - 1, in the order airsim handed them over (queue
        drops included: the receiver sees each as a gap)."""
        first, end = max(0, min(first, len(self.t))), max(0, min(end, len(self.t)))
        w = self._between(first, max(first, end))
        w["first"], w["end"] = first, end
        return w

    def handed_before(self, t_ns):
        """How many of the link's frames airsim had handed over before t_ns."""
        return bisect.bisect_left(self.t, t_ns)

    def rates(self, start_ns, end_ns):
        """{rate in 100 kbit/s: attempts} over the frames of [start_ns, end_ns)."""
        lo = bisect.bisect_left(self.t, start_ns)
        hi = bisect.bisect_left(self.t, end_ns)
        out = {}
        for f in self.frames[lo:hi]:
            for r in f.get("rates") or []:
                out[r] = out.get(r, 0) + 1
        return out

    def last_t(self):
        return self.t[-1] if self.t else None


class Truth:
    def __init__(self, header, frames_by_link, events, counts, last_t_ns, stats=()):
        self.header = header
        self.stats = list(stats)         # [{"t_ns", "stats"}] in file order
        self.links = frames_by_link      # (from, to) -> LinkFrames of data frames
        self.events = events             # [{"t_ns", "event"}] in file order
        self.counts = counts             # (from, to, kind) -> {"frames", "retried", "queue_drop", ...}
        self.last_t_ns = last_t_ns       # largest t_ns in the file (any line)

    def link(self, src, dst):
        return self.links.get((src, dst)) or LinkFrames([])

    def set_link_events(self, src=None, dst=None):
        out = []
        for e in self.events:
            sl = e["event"].get("set_link") if isinstance(e.get("event"), dict) else None
            if sl is None:
                continue
            if (src is None or sl.get("from") == src) and (dst is None or sl.get("to") == dst):
                out.append(e)
        return out


def _is_mac(name):
    return isinstance(name, str) and len(name) == 17 and name.count(":") == 5


def _on_link(frame, src, dst):
    """A frame is on link SRC -> DST when each end names its radio or its interface address."""
    def end(name, radio, addr):
        return (addr or "").lower() == name.lower() if _is_mac(name) else radio == name
    return end(src, frame.get("from"), frame.get("ta")) and end(dst, frame.get("to"), frame.get("ra"))


def load(path, links=None, kinds=("data",)):
    """Reads a truth file.  Keeps the frames of @kinds for the (from, to) pairs in @links (all pairs when
    None; an end is a radio name or an interface MAC address); counts every frame.  A truncated last line (a file read while airsim writes it) is ignored."""
    header = None
    keep = {}
    events = []
    stats = []
    counts = {}
    last_t = None
    want = set(links) if links is not None else None
    with open(path) as f:
        lines = f.readlines()
    for n, line in enumerate(lines):
        line = line.strip()
        if not line:
            continue
        try:
            obj = json.loads(line)
        except ValueError:
            if n == len(lines) - 1:
                break   # being written
            raise TruthError("%s:%d: not JSON: %.80s" % (path, n + 1, line))
        if "airsim" in obj and header is None:
            header = obj
            continue
        t = obj.get("t_ns")
        if isinstance(t, int) and (last_t is None or t > last_t):
            last_t = t
        if "event" in obj:
            events.append(obj)
            continue
        if "stats" in obj:
            stats.append(obj)
            continue
        if "kind" not in obj:
            continue
        src, dst, kind = obj.get("from"), obj.get("to"), obj.get("kind")
        c = counts.setdefault((src, dst, kind), {"frames": 0, "retried": 0, "first_ok": 0,
                                                 "received": 0, "queue_drop": 0, "collisions": 0})
        c["frames"] += 1
        c["retried"] += 1 if (obj.get("attempts") or 0) > 1 else 0
        c["first_ok"] += 1 if obj.get("first_ok") else 0
        c["received"] += 1 if obj.get("received") else 0
        c["queue_drop"] += 1 if obj.get("queue_drop") else 0
        c["collisions"] += obj.get("collisions") or 0
        if kind in kinds:
            if want is None:
                keep.setdefault((src, dst), []).append(obj)
            else:
                for link in want:
                    if _on_link(obj, *link):
                        keep.setdefault(link, []).append(obj)
    if header is None:
        raise TruthError("%s: no airsim header line" % path)
    return Truth(header, {k: LinkFrames(v) for k, v in keep.items()}, events, counts, last_t, stats)


def parse_samples(text):
    """Snapshots from `mpwifi -j ap show` (an array each) or `mpwifi -j ap watch` ({"t_ns", "aps"} each),
    concatenated or one per line.  Returns [(t_ns or None, [ap objects])]; a truncated tail is ignored."""
    dec = json.JSONDecoder()
    out = []
    i, n = 0, len(text)
    while True:
        while i < n and text[i] in " \t\r\n":
            i += 1
        if i >= n:
            break
        try:
            obj, i = dec.raw_decode(text, i)
        except ValueError:
            break
        if isinstance(obj, list):
            out.append((None, obj))
        elif isinstance(obj, dict) and isinstance(obj.get("aps"), list):
            out.append((obj.get("t_ns"), obj["aps"]))
    return out


def module_rows(samples, ifname=None, bssid=None):
    """The rows of one (station, AP) pair, one per sample, with the sample time as "t_ns" (the watch's
    t_ns, else the window's end)."""
    rows = []
    for t, aps in samples:
        for ap in aps:
            if ifname is not None and ap.get("ifname") != ifname:
                continue
            if bssid is not None and str(ap.get("bssid", "")).lower() != bssid.lower():
                continue
            row = dict(ap)
            row["t_ns"] = t if t is not None else ap.get("window_end_ns")
            rows.append(row)
            break
    return rows


def module_count(row):
    """Every frame of the link the module has counted: first tries, retried and lost (seen as a gap)."""
    return (row.get("first_try") or 0) + (row.get("retried") or 0) + (row.get("lost") or 0)


def sync_offset(sync_row, link):
    """The link's frames handed over before the module's count began: the sample @sync_row must have been
    taken with no frame in flight (the medium idle), when the module has counted all the medium handed
    over before it."""
    return link.handed_before(sync_row["window_end_ns"]) - module_count(sync_row)


def compare(rows, link, offset=None):
    """Each module row next to the truth over exactly its window.

    By time: the frames airsim handed over within [window_start_ns, window_end_ns).  A loaded emulator
    hands frames to the kernel tens of milliseconds before the module counts them (softirq work deferred
    behind busy processes), enough to move a burst from one window to the next.  So, with @offset (from
    sync_offset()), also by position: the module counts each of the link's frames once and in order, so
    the n of its window are the link's frames offset + count - n .. offset + count - 1, whenever it
    counted them; "in_flight" tells how many it had still to count at the window's end (-1 or -2 when
    it had none: its clock is the kernel's coarse one, up to a tick behind airsim's)."""
    out = []
    for r in rows:
        ws, we = r.get("window_start_ns"), r.get("window_end_ns")
        if ws is None or we is None:
            continue
        w = link.window(ws, we)
        n_mod = (r.get("window_first_try") or 0) + (r.get("window_retried") or 0) + (r.get("window_lost") or 0)
        est = r.get("delivery_prob")
        by_position = {}
        if offset is not None:
            end = offset + module_count(r)
            p = link.positions(end - n_mod, end)
            by_position = {
                "truth_frames_delivery_prob": p["delivery_prob"],
                "truth_frames_first_ok": p["first_ok"],
                "truth_frames_count": p["count"],
                "frames_error": (est - p["delivery_prob"]) if est is not None and p["delivery_prob"] is not None
                else None,
                "in_flight": link.handed_before(we) - end,
            }
        out.append({**by_position, 
            "t_ns": r["t_ns"],
            "window_start_ns": ws,
            "window_end_ns": we,
            "delivery_prob": est,
            "truth_delivery_prob": w["delivery_prob"],
            "error": (est - w["delivery_prob"]) if est is not None and w["delivery_prob"] is not None else None,
            "module_frames": n_mod,
            "module_first_try": r.get("window_first_try"),
            "module_retried": r.get("window_retried"),
            "module_lost": r.get("window_lost"),
            "frames": w["count"],
            "first_ok": w["first_ok"],
            "truth_retried": w["retried"],
            "truth_lost": w["lost"],
            "queue_drops": w["queue_drop"],
            "packet_time_us": r.get("packet_time_us"),
            "truth_packet_time_us": w["packet_time_us"],
            "bitrate_kbps": r.get("bitrate_kbps"),
        })
    return out


def binomial_band(p, n, floor=0.03, sigmas=3.0):
    """Half-width of the band a window estimate of a steady delivery probability p over n frames stays in."""
    if not n:
        return 1.0
    return max(floor, sigmas * math.sqrt(max(p * (1 - p), 0.0) / n))


def _summary(truth):
    links = {}
    for (src, dst, kind), c in sorted(truth.counts.items(), key=lambda kv: tuple(str(x) for x in kv[0])):
        links["%s->%s %s" % (src, dst, kind)] = c
    return {"header": truth.header, "frames": links, "events": truth.events, "last_t_ns": truth.last_t_ns,
            "medium": medium_health(truth)}


def medium_health(truth):
    """airsim's own counters over the run, from its stats lines: how far it lagged behind the clock and
    whether it dropped or failed to deliver anything."""
    out = {"stats_lines": len(truth.stats)}
    for key, how in (("lag_max_us", max), ("copies_late_1ms", sum), ("events_late_1ms", sum),
                     ("queue_drops", max), ("retry_drops", max), ("rejected", max), ("unknown_radio", max),
                     ("send_errors", max), ("kernel_overruns", max)):
        vals = [s["stats"][key] for s in truth.stats if isinstance(s.get("stats"), dict) and key in s["stats"]]
        out[key] = how(vals) if vals else None
    lags = [s["stats"].get("lag_mean_us") for s in truth.stats if isinstance(s.get("stats"), dict)]
    lags = [x for x in lags if x is not None]
    out["lag_mean_us"] = sum(lags) / len(lags) if lags else None
    return out


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("summary")
    s.add_argument("truth")
    w = sub.add_parser("window")
    w.add_argument("truth")
    w.add_argument("--from", dest="src", required=True)
    w.add_argument("--to", dest="dst", required=True)
    w.add_argument("--start", type=int, required=True)
    w.add_argument("--end", type=int, required=True)
    c = sub.add_parser("compare")
    c.add_argument("truth")
    c.add_argument("samples")
    c.add_argument("--from", dest="src", required=True)
    c.add_argument("--to", dest="dst", required=True)
    c.add_argument("--ifname")
    c.add_argument("--bssid")
    c.add_argument("--sync", metavar="SAMPLE",
                   help="a sample taken with the medium idle: also compares each window with the truth over "
                        "the frames the module counted in it")
    args = ap.parse_args(argv)
    try:
        if args.cmd == "summary":
            print(json.dumps(_summary(load(args.truth, links=[]))))
        elif args.cmd == "window":
            t = load(args.truth, links=[(args.src, args.dst)])
            print(json.dumps(t.link(args.src, args.dst).window(args.start, args.end)))
        else:
            t = load(args.truth, links=[(args.src, args.dst)])
            link = t.link(args.src, args.dst)
            with open(args.samples) as f:
                rows = module_rows(parse_samples(f.read()), args.ifname, args.bssid)
            offset = None
            if args.sync:
                with open(args.sync) as f:
                    sync = module_rows(parse_samples(f.read()), args.ifname, args.bssid)
                if not sync:
                    raise TruthError("%s: no sample of the station's AP" % args.sync)
                offset = sync_offset(sync[-1], link)
            for r in compare(rows, link, offset):
                if offset is not None:
                    r["sync_offset"] = offset
                r["truth_last_t_ns"] = t.last_t_ns
                print(json.dumps(r))
    except (OSError, TruthError) as e:
        print("truth.py: %s" % e, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
