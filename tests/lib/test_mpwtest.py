"""Host-side tests of mpwtest: what needs no VM (checks, pcap reading, the world's plan)."""
import contextlib
import io
import os
import struct
import sys
import tempfile
import time
import unittest
from unittest import mock

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from mpwtest import benchvm, capture, ksft, world  # noqa: E402


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


class TimeScale(unittest.TestCase):
    def setUp(self):
        self.saved = ksft.TIME_SCALE

    def tearDown(self):
        ksft.TIME_SCALE = self.saved

    def test_wait_until_waits_scale_times_longer(self):
        ksft.TIME_SCALE = 3.0
        self.assertEqual(ksft.scaled(2), 6.0)
        self.assertTrue(ksft.slowed())
        out = io.StringIO()
        start = time.monotonic()
        with contextlib.redirect_stdout(out):
            ksft.wait_until("never", lambda: 0, 0.05, 0.01)
        self.assertGreaterEqual(time.monotonic() - start, 0.15)
        self.assertIn("FAIL  never: not after 0.15 s; last saw 0", out.getvalue())
        ksft.failed -= 1

    def test_bad_scale_is_refused(self):
        for bad in ("0", "fast", "-2", "0.5"):
            with mock.patch.dict(os.environ, {"MPWIFI_TIME_SCALE": bad}):
                with self.assertRaisesRegex(ValueError, "MPWIFI_TIME_SCALE"):
                    ksft._time_scale()
        with mock.patch.dict(os.environ, {"MPWIFI_TIME_SCALE": "4"}):
            self.assertEqual(ksft._time_scale(), 4.0)


# Kernel logs as the 6.1 debug kernel prints them (dmesg with timestamps), addresses and names made up.
BOOT = """\
[    0.000000] Linux version 6.1.192-mpwifi-debug (root@host) #1 SMP PREEMPT_DYNAMIC
[    0.412000] kmemleak: Kernel memory leak detector initialized (mem pool available: 63000)
[    1.000000] Lock dependency validator: Copyright (c) 2006 Red Hat, Inc., Ingo Molnar
[    1.000001] ... MAX_LOCKDEP_SUBCLASSES:  8
[    0.900000] rcu: \tRCU lockdep checking is enabled.
[    2.100000] mpwifi: loaded; trusted scheduler available
"""
KASAN = """\
[   40.100000] ==================================================================
[   40.100001] BUG: KASAN: slab-use-after-free in mpw_msk_put+0x51/0x90 [mpwifi]
[   40.100002] Read of size 4 at addr ffff888012345678 by task iperf3/312
[   40.100003]
[   40.100004] CPU: 1 PID: 312 Comm: iperf3 Not tainted 6.1.192-mpwifi-debug #1
[   40.100005] Call Trace:
[   40.100006]  <TASK>
[   40.100007]  dump_stack_lvl+0x5b/0x77
[   40.100008]  kasan_report+0xb1/0xe0
[   40.100009]  mpw_msk_put+0x51/0x90 [mpwifi]
[   40.100010]  </TASK>
[   40.100011]
[   40.100012] Allocated by task 300:
[   40.100013]  mpw_msk_get_or_create+0x40/0x200 [mpwifi]
[   40.100014]
[   40.100015] Freed by task 0:
[   40.100016]  kfree+0x7a/0x120
[   40.100017]
[   40.100018] Memory state around the buggy address:
[   40.100019]  ffff888012345600: fa fb fb fb fb fb fb fb fb fb fb fb fb fb fb fb
[   40.100020] ==================================================================
[   40.100021] Disabling lock debugging due to kernel taint
"""
SLEEP = """\
[   50.000000] BUG: sleeping function called from invalid context at mm/slab.h:742
[   50.000001] in_atomic(): 1, irqs_disabled(): 0, non_block: 0, pid: 0, name: swapper/1
[   50.000002] preempt_count: 101, expected: 0
[   50.000003] CPU: 1 PID: 0 Comm: swapper/1 Tainted: G           O       6.1.192-mpwifi-debug #1
[   50.000004] Call Trace:
[   50.000005]  <IRQ>
[   50.000006]  dump_stack_lvl+0x5b/0x77
[   50.000007]  __might_resched.cold+0xff/0x13a
[   50.000008]  kmem_cache_alloc_trace+0x2a5/0x2f0
[   50.000009]  mpw_rx_observe+0x99/0x300 [mpwifi]
[   50.000010]  </IRQ>
[   50.000011]  <TASK>
[   50.000012]  default_idle+0x10/0x20
[   50.000013]  </TASK>
"""
CIRCULAR = """\
[   60.000000] ======================================================
[   60.000001] WARNING: possible circular locking dependency detected
[   60.000002] 6.1.192-mpwifi-debug #1 Tainted: G           O
[   60.000003] ------------------------------------------------------
[   60.000004] mpwifi/400 is trying to acquire lock:
[   60.000005] ffffffffc0a01230 (mpw_table_lock){+.+.}-{2:2}, at: mpw_msk_lookup+0x20/0x100 [mpwifi]
[   60.000006]
[   60.000007] the existing dependency chain (in reverse order) is:
[   60.000008]
[   60.000009] -> #1 (rtnl_mutex){+.+.}-{3:3}:
[   60.000010]        __mutex_lock+0x12c/0x1040
[   60.000011]        mpw_nl_ap_set+0x30/0x90 [mpwifi]
[   60.000012]
[   60.000013] other info that might help us debug this:
[   60.000014] stack backtrace:
[   60.000015] CPU: 0 PID: 400 Comm: mpwifi Tainted: G           O       6.1.192-mpwifi-debug #1
[   60.000016] Call Trace:
[   60.000017]  <TASK>
[   60.000018]  dump_stack_lvl+0x5b/0x77
[   60.000019]  __lock_acquire+0x1f45/0x3a10
[   60.000020]  </TASK>
[   60.000021] mpwifi: ap wlan1 removed
"""
RCU = """\
[   70.000000] =============================
[   70.000001] WARNING: suspicious RCU usage
[   70.000002] 6.1.192-mpwifi-debug #1 Tainted: G           O
[   70.000003] -----------------------------
[   70.000004] kernel/aptable.c:88 suspicious rcu_dereference_check() usage!
[   70.000005] stack backtrace:
[   70.000006] Call Trace:
[   70.000007]  <TASK>
[   70.000008]  lockdep_rcu_suspicious+0x155/0x15f
[   70.000009]  </TASK>
"""
KMEMLEAK = """\
unreferenced object 0xffff888003e5a000 (size 64):
  comm "insmod", pid 211, jiffies 4294691234 (age 35.120s)
  hex dump (first 32 bytes):
    00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00  ................
  backtrace:
    [<ffffffff8133d2a5>] kmalloc_trace+0x25/0x90
    [<ffffffffc0a1b2c3>] 0xffffffffc0a1b2c3
unreferenced object 0xffff888003e5b000 (size 32):
  comm "kworker/0:1", pid 20, jiffies 4294691300 (age 34.900s)
  backtrace:
    [<ffffffff8133d2a5>] __kmalloc+0x45/0xc0
"""


class KernelReports(unittest.TestCase):
    def test_a_clean_debug_boot_has_no_report(self):
        self.assertEqual(ksft.kernel_reports(BOOT), [])

    def test_each_checker_is_recognised_with_its_whole_trace(self):
        for log, kind, first, last in [
                (KASAN, "KASAN", "BUG: KASAN: slab-use-after-free in mpw_msk_put+0x51/0x90 [mpwifi]",
                 " ffff888012345600: fa fb fb fb fb fb fb fb fb fb fb fb fb fb fb fb"),
                (SLEEP, "sleep in atomic",
                 "BUG: sleeping function called from invalid context at mm/slab.h:742", " </TASK>"),
                (CIRCULAR, "lockdep", "WARNING: possible circular locking dependency detected", " </TASK>"),
                (RCU, "RCU", "WARNING: suspicious RCU usage", " </TASK>")]:
            with self.subTest(kind=kind):
                reports = ksft.kernel_reports(BOOT + log)
                self.assertEqual(len(reports), 1, reports)
                got_kind, lines = reports[0]
                self.assertEqual(got_kind, kind)
                self.assertEqual(lines[0], first)
                self.assertEqual(lines[-1], last)
        # the trace of a report from an interrupt goes on past the interrupt's stack to the task's
        self.assertIn(" mpw_rx_observe+0x99/0x300 [mpwifi]", ksft.kernel_reports(SLEEP)[0][1])
        # the KASAN report keeps the allocation and free stacks that follow its call trace
        self.assertIn("Allocated by task 300:", ksft.kernel_reports(KASAN)[0][1])

    def test_reports_come_in_order_and_the_rest_of_the_log_is_left_out(self):
        reports = ksft.kernel_reports(BOOT + SLEEP + BOOT + CIRCULAR + KASAN)
        self.assertEqual([k for k, _ in reports], ["sleep in atomic", "lockdep", "KASAN"])
        self.assertNotIn("mpwifi: ap wlan1 removed", reports[1][1])

    def test_other_lockdep_reports_and_catch_alls(self):
        for line, kind in [
                ("WARNING: inconsistent lock state", "lockdep"),
                ("WARNING: possible recursive locking detected", "lockdep"),
                ("WARNING: SOFTIRQ-safe -> SOFTIRQ-unsafe lock order detected", "lockdep"),
                ("INFO: trying to register non-static key.", "lockdep"),
                ("BUG: scheduling while atomic: iperf3/300/0x00000101", "sleep in atomic"),
                ("kmemleak: 2 new suspected memory leaks (see /sys/kernel/debug/kmemleak)", "kmemleak"),
                ("rcu: INFO: rcu_preempt self-detected stall on CPU", "RCU"),
                ("INFO: task kworker/0:1:20 blocked for more than 120 seconds.", "hung task"),
                ("general protection fault, probably for non-canonical address 0xdead: 0000 [#1]", "oops"),
                ("WARNING: CPU: 0 PID: 1 at kernel/trusted.c:10 mpw_trusted_exit+0x1/0x2 [mpwifi]", "warning"),
                ("BUG: Bad page state in process swapper", "bug"),
                ("mpwifi: 2 APs", None),
                ("... MAX_LOCKDEP_CHAINS:      65536", None)]:
            with self.subTest(line=line):
                self.assertEqual(ksft.report_kind(line), kind)
        # a one-line report does not swallow the log after it
        two = ksft.kernel_reports("[ 1.0] kmemleak: 1 new suspected memory leaks\n" + SLEEP)
        self.assertEqual([k for k, _ in two], ["kmemleak", "sleep in atomic"])

    def test_the_oops_of_a_page_fault_is_part_of_its_report(self):
        log = ("BUG: unable to handle page fault for address: ffffffffc0a00000\n#PF: supervisor read access\n"
               "Oops: 0000 [#1] PREEMPT SMP KASAN\nCall Trace:\n <TASK>\n mpw_x+0x1/0x2 [mpwifi]\n </TASK>\n")
        reports = ksft.kernel_reports(log)
        self.assertEqual(len(reports), 1)
        self.assertEqual(reports[0][0], "oops")
        self.assertEqual(len(reports[0][1]), 7)

    def test_kmemleak_objects(self):
        objs = ksft.kmemleak_objects(KMEMLEAK)
        self.assertEqual(len(objs), 2)
        self.assertEqual(objs[0][0], "unreferenced object 0xffff888003e5a000 (size 64):")
        self.assertEqual(objs[0][-1], "    [<ffffffffc0a1b2c3>] 0xffffffffc0a1b2c3")
        self.assertEqual(objs[1][1], '  comm "kworker/0:1", pid 20, jiffies 4294691300 (age 34.900s)')
        self.assertEqual(ksft.kmemleak_objects(""), [])
        self.assertEqual(ksft.kmemleak_objects("kmemleak: scan failed\n"), [["kmemleak: scan failed"]])


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
        with self.assertRaisesRegex(world.WorldError, "want 15..65535 TU"):
            world.WifiWorld(beacon_int=14)

    def test_beacons_are_sparser_on_a_slowed_kernel(self):
        with mock.patch.object(ksft, "TIME_SCALE", 4.0):
            slow = world.WifiWorld(aps=1, stations=1, topo_dir="/t")
            chosen = world.WifiWorld(aps=1, stations=1, topo_dir="/t", beacon_int=200)
        for w in (slow, chosen):
            w.aps[0].mac = "02:00:00:00:00:00"
        self.assertIn("beacon_int=1000\n", slow.hostapd_conf_text(slow.aps[0]))
        self.assertIn("beacon_int=200\n", chosen.hostapd_conf_text(chosen.aps[0]))

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
        self.assertIn("beacon_int=100\n", conf)
        wpa = w.wpa_conf_text(w.stations[0])
        self.assertIn(" bssid=02:00:00:00:00:00\n", wpa)
        self.assertIn(" key_mgmt=WPA-PSK\n", wpa)
        self.assertIn("ctrl_interface=/t/sta1/ctrl\n", wpa)


class BenchKernel(unittest.TestCase):
    """The benchmarks' --kernel: where results go, which kernel the VMs boot, what make builds."""

    def test_results_get_a_directory_per_kernel_only_where_the_default_was_kept(self):
        self.assertEqual(benchvm.kernel_results("bench/results", "bench/results", None), "bench/results")
        self.assertEqual(benchvm.kernel_results("bench/results", "bench/results", "6.12.1+deb12-amd64"),
                         "bench/results/6.12.1+deb12-amd64")
        self.assertEqual(benchvm.kernel_results("/tmp/mine", "bench/results", "6.12.1+deb12-amd64"), "/tmp/mine")

    def test_a_missing_or_malformed_release_is_refused_with_its_reason(self):
        with mock.patch.dict(os.environ, {}, clear=False):
            for bad, why in (("../etc", "bad release"), ("0.0.0-none", "/boot/vmlinuz-0.0.0-none is missing")):
                with self.assertRaises(SystemExit) as e:
                    benchvm.use_kernel(bad)
                self.assertIn(why, str(e.exception))
        self.assertEqual(benchvm.use_kernel(None), [])

    def test_an_installed_release_is_booted_and_built_for(self):
        releases = [r for r in os.listdir("/lib/modules") if os.path.exists(f"/boot/vmlinuz-{r}") and
                    os.path.exists(f"/lib/modules/{r}/build/Makefile")] if os.path.isdir("/lib/modules") else []
        if not releases:
            self.skipTest("no kernel with headers installed")
        with mock.patch.dict(os.environ, {"MPWIFI_VM_KVER": "before"}):
            self.assertEqual(benchvm.use_kernel(releases[0]), [f"KDIR=/lib/modules/{releases[0]}/build"])
            self.assertEqual(os.environ["MPWIFI_VM_KVER"], releases[0])

    def test_the_booted_kernel_is_read_from_the_guests_dmesg(self):
        with tempfile.TemporaryDirectory() as d:
            self.assertIsNone(benchvm.booted_kernel(d))
            with open(os.path.join(d, "dmesg.txt"), "w") as f:
                f.write("[    0.000000] Linux version 6.12.118+deb12-amd64 (debian-kernel@lists.debian.org) (gcc)\n")
            self.assertEqual(benchvm.booted_kernel(d), "6.12.118+deb12-amd64")


if __name__ == "__main__":
    unittest.main()
