"""Unit tests of make demo's host side (tools/demo/run): the table's figures from per-second samples, and the
live output (redrawn in place on a terminal, plain lines otherwise).  From the repository's root:

    python3 -m unittest discover -s tools/demo
"""
import contextlib
import importlib.machinery
import importlib.util
import io
import os
import unittest

_loader = importlib.machinery.SourceFileLoader("demo_run", os.path.join(os.path.dirname(__file__), "run"))
_spec = importlib.util.spec_from_loader("demo_run", _loader)
demo = importlib.util.module_from_spec(_spec)
_loader.exec_module(demo)


def sample(t, phase, mbps1, mbps2, t1=None, t2=None, prio2=None, busy=None, mark2=None):
    return {"mode": "mpwifi", "t": t, "phase": phase,
            "ap1": {"mbps": mbps1, "T_us": t1, "busy_pct": busy, "prio": "regular"},
            "ap2": {"mbps": mbps2, "T_us": t2, "busy_pct": None if busy is None else busy - 4, "prio": prio2,
                    "mark_pct": mark2}}


class PhaseRow(unittest.TestCase):
    # phase_s 5: phase 1 is t = 1..5, its first 3 s left out (t 4 and 5 count); phase 2 is t = 6..10 (9, 10)
    SAMPLES = [sample(1, 1, 50, 50, 1, 1, "regular", 10, 0)] * 3 + [
        sample(4, 1, 4.0, 1.0, 2000, 9000, "backup", 90, 5.0),
        sample(5, 1, 6.0, 1.0, 3000, 7000, "regular", 94, None),
        sample(6, 2, 99, 99), sample(9, 2, 1.0, 0.0), sample(10, 2, 1.0, 2.0)]

    def test_phase_one_from_the_samples_after_the_settling_seconds(self):
        r = demo.phase_row(self.SAMPLES, 1, 5)
        self.assertEqual(r["seconds"], 2)
        self.assertAlmostEqual(r["mbps"], 6.0)            # (5 + 7) / 2
        self.assertAlmostEqual(r["share_ap1_pct"], 100 * 10 / 12)
        self.assertAlmostEqual(r["T1_ms"], 2.5)           # median of 2 and 3 ms
        self.assertAlmostEqual(r["T2_ms"], 8.0)
        self.assertAlmostEqual(r["marks_ap2_pct"], 5.0)   # the second second has no ECT packets: left out
        self.assertAlmostEqual(r["ap2_backup_pct"], 50.0)
        self.assertAlmostEqual(r["busy_pct"], 92.0)       # the busier station's reading, averaged

    def test_phase_two_and_missing_figures(self):
        r = demo.phase_row(self.SAMPLES, 2, 5)
        self.assertEqual(r["seconds"], 2)
        self.assertAlmostEqual(r["mbps"], 2.0)
        self.assertAlmostEqual(r["share_ap2_pct"], 50.0)
        for key in ("T1_ms", "T2_ms", "marks_ap2_pct", "ap2_backup_pct", "busy_pct"):
            self.assertIsNone(r[key], key)

    def test_packet_times_only_from_seconds_the_ap_carried_data(self):
        idle = [sample(4, 1, 5.0, 0.0, 2000, 4294967, "backup", 90), sample(5, 1, 5.0, 0.01, 2000, 4294967)]
        r = demo.phase_row(PhaseRow.SAMPLES[:3] + idle, 1, 5)
        self.assertAlmostEqual(r["T1_ms"], 2.0)
        self.assertIsNone(r["T2_ms"])
        r = demo.phase_row(PhaseRow.SAMPLES, 1, 5)
        self.assertAlmostEqual(r["T2_ms"], 8.0, msg="carried 1 Mbit/s in both seconds")

    def test_no_samples_no_row(self):
        self.assertIsNone(demo.phase_row(self.SAMPLES[:3], 1, 5))


class LiveOutput(unittest.TestCase):
    def output(self, tty, samples):
        buf = io.StringIO()
        with contextlib.redirect_stdout(buf):
            live = demo.Live(tty, 1)
            for s in samples:
                live.sample(s)
        return buf.getvalue()

    def test_plain_lines_without_a_terminal(self):
        out = self.output(False, PhaseRow.SAMPLES[3:5])
        self.assertNotIn("\033", out)
        lines = out.splitlines()
        self.assertEqual(len(lines), 2)
        self.assertIn("5.00 Mbit/s", lines[0])
        self.assertIn("backup", lines[0])

    def test_a_terminal_gets_one_block_redrawn_in_place(self):
        out = self.output(True, PhaseRow.SAMPLES[3:5])
        first, second = out.split("\033[5F")   # the second draw goes back over the first's 5 lines
        self.assertEqual(first.count("\n"), 5)
        self.assertEqual(second.count("\n"), 5)
        self.assertIn("t =  5 s", second)


if __name__ == "__main__":
    unittest.main()
