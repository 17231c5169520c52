"""Host-side tests of mpwtest: what needs no VM (checks, pcap reading, the world's plan)."""
import contextlib
import io
import os
import struct
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from mpwtest import capture, ksft, world  # noqa: E402


class Checks(unittest.TestCase):
    def setUp(self):
        self.before = (ksft.passed, ksft.failed)

    def run_quiet(self, fn, *args):
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            result = fn(*args)
        return result, out.getvalue()

    def counted(self):
        return ksft.passed - self.before[0], ksft.failed - self.before[1]

    def test_failing_check_says_what_it_saw(self):
        ok, out = self.run_quiet(ksft.check_within, "rate", 0.0198, 0.02, 0.001)
        self.assertTrue(ok)
        self.assertEqual(out, "ok    rate\n")
        ok, out = self.run_quiet(ksft.check_within, "rate", 0.025, 0.02, 0.002)
        self.assertFalse(ok)
        self.assertEqual(out, "FAIL  rate: got 0.025, want 0.02 +- 0.002\n")
        ok, out = self.run_quiet(ksft.check_ge, "frames", None, 1)
        self.assertFalse(ok)
        self.assertIn("got None", out)
        ok, out = self.run_quiet(ksft.check_between, "T", 300, 271.9, 290)
        self.assertFalse(ok)
        self.assertEqual(out, "FAIL  T: got 300, want within [271.9, 290]\n")
        self.assertEqual(self.counted(), (1, 3))

    def test_wait_until_reports_the_last_value(self):
        values = iter([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 7])
        got, out = self.run_quiet(ksft.wait_until, "seven", lambda: next(values), 5, 0.001)
        self.assertEqual(got, 7)
        self.assertEqual(out, "")
        got, out = self.run_quiet(ksft.wait_until, "never", lambda: [], 0.05, 0.01)
        self.assertEqual(got, [])
        self.assertIn("FAIL  never: not after 0.05 s; last saw []", out)

        def boom():
            raise OSError("no such device")
        got, out = self.run_quiet(ksft.wait_until, "boom", boom, 0.05, 0.01)
        self.assertIn("last saw OSError: no such device", out)


class Pcap(unittest.TestCase):
    def test_reads_records_and_ignores_a_truncated_tail(self):
        hdr = struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1)
        rec1 = struct.pack("<IIII", 10, 500000, 3, 3) + b"abc"
        rec2 = struct.pack("<IIII", 11, 0, 2, 2) + b"de"
        with tempfile.NamedTemporaryFile(suffix=".pcap", delete=False) as f:
            f.write(hdr + rec1 + rec2 + struct.pack("<IIII", 12, 0, 9, 9) + b"xy")
        try:
            self.assertEqual(capture.read_pcap(f.name), [(10.5, b"abc"), (11.0, b"de")])
        finally:
            os.unlink(f.name)


class WorldPlan(unittest.TestCase):
    def test_default_shape_is_one_radio_per_station(self):
        w = world.WifiWorld(aps=2, stations=3, topo_dir="/nonexistent")
        self.assertEqual([len(r.stations) for r in w.client_radios], [1, 1, 1])
        self.assertEqual([s.ap.index for s in w.stations], [1, 2, 1])
        self.assertEqual([s.ip for s in w.stations], ["10.0.1.11", "10.0.2.12", "10.0.1.13"])
        self.assertEqual([a.channel for a in w.aps], [1, 6])
        self.assertEqual([a.freq for a in w.aps], [2412, 2437])

    def test_one_radio_several_stations(self):
        w = world.WifiWorld(aps=3, radios=[[1, 2, 3], [1]], topo_dir="/nonexistent")
        self.assertEqual([[s.ifname for s in r.stations] for r in w.client_radios],
                         [["sta1", "sta2", "sta3"], ["sta4"]])
        self.assertEqual({a.channel for a in w.aps}, {1})  # one radio, one channel
        self.assertEqual([s.table for s in w.stations], [101, 102, 103, 104])
        self.assertIs(w.stations[1].radio, w.stations[0].radio)

    def test_bad_shapes_are_refused(self):
        with self.assertRaisesRegex(world.WorldError, "a radio is on one channel"):
            world.WifiWorld(aps=2, radios=[[1, 2]], ap_channels={2: 6})
        with self.assertRaisesRegex(world.WorldError, "AP 3, which does not exist"):
            world.WifiWorld(aps=2, radios=[[3]])
        with self.assertRaisesRegex(world.WorldError, "not an 802.11a/g legacy rate"):
            world.WifiWorld(rates="6 7")
        with self.assertRaisesRegex(world.WorldError, "open or wpa2"):
            world.WifiWorld(security="wep")

    def test_cellular_spec(self):
        self.assertEqual(world.cellular_netem("20mbit/40ms"), "rate 20mbit delay 40ms")
        self.assertEqual(world.cellular_netem("/40ms"), "delay 40ms")
        self.assertEqual(world.cellular_netem("rate 1mbit loss 1%"), "rate 1mbit loss 1%")

    def test_configuration_files(self):
        w = world.WifiWorld(aps=1, stations=1, security="wpa2", rates="6 5.5", topo_dir="/t")
        w.aps[0].mac = "02:00:00:00:00:00"
        conf = w.hostapd_conf_text(w.aps[0])
        self.assertIn("supported_rates=60 55\n", conf)
        self.assertIn("wpa_passphrase=mpwifi-passphrase\n", conf)
        self.assertIn("ieee80211n=1\n", conf)
        wpa = w.wpa_conf_text(w.stations[0])
        self.assertIn(" bssid=02:00:00:00:00:00\n", wpa)
        self.assertIn(" key_mgmt=WPA-PSK\n", wpa)
        self.assertIn("ctrl_interface=/t/sta1/ctrl\n", wpa)


if __name__ == "__main__":
    unittest.main()
