"""Unit tests of tools/experiments/ecnlib.py.  From the repository's root:

    python3 -m unittest discover -s tools/experiments
"""

import json
import math
import os
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.dont_write_bytecode = True
import ecnlib  # noqa: E402


def brute_force(x1, x2, c1, c2, steps=100000):
    c1 = math.inf if c1 is None else c1
    c2 = math.inf if c2 is None else c2
    return max(min(a * x1, c1) + min((1 - a) * x2, c2) for a in (i / steps for i in range(steps + 1)))


class OptimalThroughput(unittest.TestCase):
    def test_without_limits_the_better_ap(self):
        self.assertEqual(ecnlib.optimal_throughput(5.7, 1.0), 5.7)
        self.assertEqual(ecnlib.optimal_throughput(1.0, 5.7), 5.7)
        self.assertEqual(ecnlib.optimal_throughput(3.0, 3.0), 3.0)

    def test_limit_on_the_better_ap_gives_the_rest_to_the_other(self):
        # a = 3 / 6: AP1 carries its 3, AP2 gets half of the air: 2 / 2
        self.assertAlmostEqual(ecnlib.optimal_throughput(6.0, 2.0, c1=3.0), 4.0)

    def test_limit_above_what_the_air_gives_changes_nothing(self):
        self.assertAlmostEqual(ecnlib.optimal_throughput(6.0, 2.0, c1=10.0), 6.0)
        self.assertAlmostEqual(ecnlib.optimal_throughput(6.0, 2.0, c2=10.0), 6.0)

    def test_limit_on_the_worse_ap(self):
        self.assertAlmostEqual(ecnlib.optimal_throughput(6.0, 2.0, c2=0.5), 6.0)

    def test_both_limited(self):
        # a = 1/3: AP1 at its 2, AP2 at 2/3 of 3 = 2: both at their limit
        self.assertAlmostEqual(ecnlib.optimal_throughput(6.0, 3.0, c1=2.0, c2=2.0), 4.0)
        self.assertAlmostEqual(ecnlib.optimal_throughput(6.0, 3.0, c1=1.0, c2=1.0), 2.0)

    def test_zero_throughput_ap(self):
        self.assertEqual(ecnlib.optimal_throughput(0.0, 2.0), 2.0)
        self.assertAlmostEqual(ecnlib.optimal_throughput(4.0, 0.0, c1=1.0), 1.0)

    def test_matches_brute_force(self):
        cases = [(5.7, 1.7, 3.0, None), (5.7, 1.7, 2.0, None), (1.7, 5.7, None, 2.5), (4.0, 4.0, 1.0, 1.5),
                 (9.0, 2.0, 8.0, 0.3), (3.0, 8.0, 0.2, 7.5), (2.0, 2.0, None, None)]
        for x1, x2, c1, c2 in cases:
            with self.subTest(x1=x1, x2=x2, c1=c1, c2=c2):
                self.assertAlmostEqual(ecnlib.optimal_throughput(x1, x2, c1, c2), brute_force(x1, x2, c1, c2),
                                       places=3)

    def test_bad_input(self):
        for args in ((None, 1.0), (-1.0, 1.0), (math.nan, 1.0), (1.0, math.inf)):
            with self.assertRaises(ValueError):
                ecnlib.optimal_throughput(*args)
        with self.assertRaises(ValueError):
            ecnlib.optimal_throughput(1.0, 1.0, c1=-2.0)


class Parsers(unittest.TestCase):
    def test_iperf3_drops_the_settle_seconds(self):
        doc = {"intervals": [{"sum": {"start": float(i), "end": i + 1.0, "seconds": 1.0,
                                      "bytes": 125000 * (1 if i < 3 else 4), "bits_per_second": 0}}
                             for i in range(8)],
               "end": {"sum_received": {"bits_per_second": 2.5e6, "seconds": 8.0, "bytes": 2500000}}}
        with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
            json.dump(doc, f)
        try:
            r = ecnlib.iperf3_result(f.name, 3)
            self.assertAlmostEqual(r["mbps"], 4.0)
            self.assertAlmostEqual(r["mbps_all"], 2.5)
        finally:
            os.unlink(f.name)

    def test_iperf3_error_is_loud(self):
        with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
            json.dump({"error": "unable to connect"}, f)
        try:
            with self.assertRaises(ecnlib.RawDataError):
                ecnlib.iperf3_result(f.name, 3)
        finally:
            os.unlink(f.name)

    def test_ss_subflows(self):
        text = ("0      923532 [::ffff:10.255.0.1]:5202 [::ffff:10.0.1.11]:41958\n"
                "\t cubic wscale:7,7 rto:2824 rtt:1444.6/20.834 mss:1448 cwnd:2 ssthresh:82 bytes_acked:1728500 "
                "minrtt:14.432 tcp-ulp-mptcp flags:Mec\n"
                "0      0      [::ffff:10.255.0.1]:5202 [::ffff:10.0.2.12]:51665\n"
                "\t cubic wscale:7,7 rto:1320 rtt:12/6 cwnd:10 bytes_acked:1 tcp-ulp-mptcp\n")
        with tempfile.NamedTemporaryFile("w", delete=False) as f:
            f.write(text)
        try:
            subs = ecnlib.parse_ss(f.name, "srv")
        finally:
            os.unlink(f.name)
        self.assertEqual(len(subs), 1)
        self.assertEqual(subs[0]["ap"], 1)
        self.assertAlmostEqual(subs[0]["rtt_ms"], 1444.6)
        self.assertEqual(subs[0]["cwnd"], 2)
        self.assertTrue(subs[0]["mptcp"])

    def test_air_figures_takes_the_intervals_inside(self):
        s = 1_000_000_000
        stats = [(t * s, {"busy_pct": {"2412": b}, "frames_per_s": 100, "lag_mean_us": 1000,
                          "lag_max_us": 5000, "queue_drops": q})
                 for t, b, q in ((1, 10.0, 0), (2, 95.0, 2), (3, 97.0, 5), (4, 20.0, 9))]
        a = ecnlib.air_figures(stats, 1 * s, 3 * s)
        self.assertEqual(a["intervals"], 2)
        self.assertEqual(a["busy_pct_mean"], 96.0)
        self.assertEqual(a["busy_pct_min"], 95.0)
        self.assertEqual(a["queue_drops"], 5)

    def test_module_figures_over_the_window(self):
        def ap(t_us, marked, ect, rate, frames=40):
            return {"ifname": "sta2", "packet_time_us": t_us, "window_first_try": frames, "window_retried": 0,
                    "window_lost": 0, "delivery_prob": 0.9, "bitrate_kbps": 1000, "marked": marked, "ect": ect,
                    "mark_rate": rate, "ecn_marking": rate is not None and rate > 0, "mark_delta": 0.05}
        samples = [{"t_ns": t, "aps": {"sta2": a}} for t, a in
                   ((1, ap(900.0, 0, 0, None)), (2, ap(1000.0, 10, 200, 0.05)), (3, ap(3000.0, 20, 300, 0.1, 5)),
                    (4, ap(1200.0, 40, 600, 0.05)), (9, ap(5000.0, 99, 999, 0.5)))]
        m = ecnlib.module_figures(samples, 2, 4, "sta2")
        self.assertEqual(m["samples"], 3)
        self.assertEqual(m["samples_with_traffic"], 2)          # the 5-frame window does not count for T
        self.assertAlmostEqual(m["packet_time_us"], 1100.0)
        self.assertEqual(m["marked"], 30)
        self.assertEqual(m["ect"], 400)
        self.assertAlmostEqual(m["marked_share"], 0.075)
        self.assertAlmostEqual(m["mark_rate_mean"], (0.05 + 0.1 + 0.05) / 3, places=5)

    def test_measurement_window_of_a_timed_run(self):
        run = {"t_launch_ns": 0, "t_end_ns": 20_000_000_000, "measure_s": 12, "bytes": ""}
        t0, t1 = ecnlib.measurement_window(run)
        self.assertEqual(t1, 20_000_000_000 - int(ecnlib.EXIT_SLACK_S * 1e9))
        self.assertEqual(t1 - t0, 12_000_000_000)


if __name__ == "__main__":
    unittest.main()
