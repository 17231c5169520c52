"""truth.py's comparison of the module's windows with airsim's frames, on hand-written truth files."""
import json
import os
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.realpath(__file__)))
import truth  # noqa: E402

MS = 1_000_000


def frame(t_ms, first_ok, received=True):
    return {"t_ns": t_ms * MS, "from": "ap1", "to": "sta1", "kind": "data", "first_ok": first_ok,
            "received": received, "attempts": 1 if first_ok else 2, "airtime_us": 100, "bytes": 1500}


def module_row(first_try, retried, lost, window, start_ms, end_ms):
    """A row of `mpwifi -j ap show`: cumulative counts, and the window's (first_try, retried, lost)."""
    return {"ifname": "sta1", "first_try": first_try, "retried": retried, "lost": lost,
            "window_first_try": window[0], "window_retried": window[1], "window_lost": window[2],
            "delivery_prob": window[0] / sum(window) if sum(window) else None,
            "window_start_ns": start_ms * MS, "window_end_ns": end_ms * MS}


class PositionTest(unittest.TestCase):
    def setUp(self):
        # Two frames before the module counted (offset 2), then ten: first tries at 10..14 ms, then
        # retried ones at 15..19 ms, the frame at 17 ms never received (a gap for the module).
        frames = [frame(1, True), frame(2, True)]
        frames += [frame(10 + i, True) for i in range(5)]
        frames += [frame(15 + i, False, received=(i != 2)) for i in range(5)]
        self.dir = tempfile.TemporaryDirectory()
        self.path = os.path.join(self.dir.name, "truth.jsonl")
        with open(self.path, "w") as f:
            f.write(json.dumps({"airsim": 1, "start_ns": 0, "radios": []}) + "\n")
            f.writelines(json.dumps(x) + "\n" for x in frames)
        self.link = truth.load(self.path, links=[("ap1", "sta1")]).link("ap1", "sta1")

    def tearDown(self):
        self.dir.cleanup()

    def test_sync_offset_counts_frames_before_the_module_began(self):
        # idle at 30 ms, the module has counted all ten: 5 first tries, 4 retried, 1 lost
        idle = module_row(5, 4, 1, (0, 0, 0), 0, 30)
        self.assertEqual(truth.sync_offset(idle, self.link), 2)

    def test_window_by_position_follows_the_module_not_the_clock(self):
        # By its window's end at 16 ms the module has counted 5 first tries and 1 retried: with the 2
        # before it, the link's frames up to 15 ms.  Its window holds the last 4 it counted: frames
        # 12, 13, 14 (first ok) and 15 (retried), 3/4 first ok.
        row = module_row(5, 1, 0, (3, 1, 0), 12, 16)
        row["t_ns"] = row["window_end_ns"]
        (out,) = truth.compare([row], self.link, offset=2)
        self.assertEqual(out["truth_frames_count"], 4)
        self.assertEqual(out["truth_frames_first_ok"], 3)
        self.assertAlmostEqual(out["truth_frames_delivery_prob"], 0.75)
        self.assertAlmostEqual(out["frames_error"], 0.0)
        # by the medium's clock [12, 16) holds 12..15: the same frames here
        self.assertAlmostEqual(out["truth_delivery_prob"], 0.75)
        self.assertEqual(out["in_flight"], 0)

    def test_lagging_kernel_shifts_the_time_window_but_not_the_positions(self):
        # At 19 ms the module has counted only up to the frame of 15 ms (6 + 2 before it): those of 16,
        # 17 and 18 ms were still in flight.  Its window [14, 19) holds the frames of 14 and 15 ms,
        # 1 of 2 first ok; the medium's clock would say 14..18 ms: 1 of 5.
        row = module_row(5, 1, 0, (1, 1, 0), 14, 19)
        row["t_ns"] = row["window_end_ns"]
        (out,) = truth.compare([row], self.link, offset=2)
        self.assertEqual(out["truth_frames_count"], 2)
        self.assertAlmostEqual(out["truth_frames_delivery_prob"], 0.5)
        self.assertAlmostEqual(out["truth_delivery_prob"], 1 / 5)
        self.assertEqual(out["in_flight"], 3)

    def test_without_an_offset_only_the_time_window_is_compared(self):
        row = module_row(5, 1, 0, (3, 1, 0), 12, 16)
        row["t_ns"] = row["window_end_ns"]
        (out,) = truth.compare([row], self.link)
        self.assertNotIn("truth_frames_delivery_prob", out)
        self.assertAlmostEqual(out["truth_delivery_prob"], 0.75)

    def test_lost_frames_count_in_the_truth_of_their_positions(self):
        # the window of the last 5: retried 15, 16, lost 17, retried 18, 19: 0 first ok of 5
        row = module_row(5, 4, 1, (0, 4, 1), 15, 20)
        row["t_ns"] = row["window_end_ns"]
        (out,) = truth.compare([row], self.link, offset=2)
        self.assertEqual(out["truth_frames_count"], 5)
        self.assertEqual(out["truth_frames_first_ok"], 0)
        self.assertEqual(out["in_flight"], 0)


if __name__ == "__main__":
    unittest.main()
