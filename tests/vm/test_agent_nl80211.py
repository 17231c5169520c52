#!/usr/bin/env python3
"""The agent's nl80211 requests on a real cfg80211: tests/unit/agent/hwsim_test.cpp (station interfaces
created on a radio with the addresses asked for, refused by name, removed; the radio's limits as the
daemon reads them), run here on a mac80211_hwsim radio.  Skipped by the unit-test run on this machine,
whose kernel has no radio."""
import glob
import os
import re
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.realpath(__file__)), "../lib"))
from mpwtest import ksft, paths, proc  # noqa: E402
from mpwtest.ksft import check, check_eq  # noqa: E402

AGENT_TESTS = os.path.join(paths.BUILD, "tests/unit/mpwifi_agent_tests")


def main():
    before = set(glob.glob("/sys/class/ieee80211/*"))
    proc.cmd(["modprobe", "mac80211_hwsim", "radios=1", "support_p2p_device=0"])
    ksft.defer(proc.cmd, ["modprobe", "-r", "mac80211_hwsim"], check=False)
    phys = sorted(set(glob.glob("/sys/class/ieee80211/*")) - before)
    check_eq("one hwsim radio", len(phys), 1)
    phy = os.path.basename(phys[0])
    r = proc.cmd([AGENT_TESTS, "--gtest_filter=Hwsim.*:RandomLocalMac.*"], check=False,
                 env={"MPWIFI_HWSIM_PHY": phy})
    ksft.log(r.stdout.strip())
    if r.stderr.strip():
        ksft.log(r.stderr.strip())
    check_eq(f"the agent's nl80211 tests pass on {phy} (exit status)", r.returncode, 0)
    passed = re.search(r"\[  PASSED  \] (\d+) test", r.stdout)
    check_eq("all 3 ran and passed, none skipped", (int(passed.group(1)) if passed else 0,
                                                     "SKIPPED" in r.stdout), (3, False))
    check("no mpwtest interface is left", not glob.glob("/sys/class/net/mpwtest*"), glob.glob("/sys/class/net/mpwtest*"))


ksft.run(main)
