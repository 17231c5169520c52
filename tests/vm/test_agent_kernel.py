#!/usr/bin/env python3
"""The agent's unit tests that talk to the kernel, on the kernel the VM runs (6.1, 6.12) rather than the
build machine's: its nl80211 requests on a mac80211_hwsim radio (tests/unit/agent/hwsim_test.cpp: station
interfaces created with the addresses asked for, refused by name, removed; the radio's limits as the
daemon reads them; skipped on the build machine, whose kernel has no radio), a station's routing
(routes_test.cpp) and the MPTCP path manager's limits and endpoints (mptcp_pm_test.cpp)."""
import glob
import os
import re
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.realpath(__file__)), "../lib"))
from mpwtest import ksft, paths, proc  # noqa: E402
from mpwtest.ksft import check, check_eq  # noqa: E402

AGENT_TESTS = os.path.join(paths.BUILD, "tests/unit/mpwifi_agent_tests")
SUITES = {"Hwsim.*": 2, "RandomLocalMac.*": 1, "StationRoutingKernel.*": 5, "MptcpPmKernel.*": 3}


def main():
    before = set(glob.glob("/sys/class/ieee80211/*"))
    proc.cmd(["modprobe", "mac80211_hwsim", "radios=1", "support_p2p_device=0"])
    proc.cmd(["modprobe", "tun"])  # the routing tests' tap devices
    ksft.defer(proc.cmd, ["modprobe", "-r", "mac80211_hwsim"], check=False)
    phys = sorted(set(glob.glob("/sys/class/ieee80211/*")) - before)
    check_eq("one hwsim radio", len(phys), 1)
    phy = os.path.basename(phys[0])
    r = proc.cmd([AGENT_TESTS, f"--gtest_filter={':'.join(SUITES)}"], check=False,
                 env={"MPWIFI_HWSIM_PHY": phy})
    ksft.log(r.stdout.strip())
    if r.stderr.strip():
        ksft.log(r.stderr.strip())
    check_eq(f"the agent's kernel tests pass here, with {phy} (exit status)", r.returncode, 0)
    passed = re.search(r"\[  PASSED  \] (\d+) test", r.stdout)
    want = sum(SUITES.values())
    check_eq(f"all {want} ran and passed, none skipped", (int(passed.group(1)) if passed else 0,
                                                          "SKIPPED" in r.stdout), (want, False))
    check("no mpwtest interface is left", not glob.glob("/sys/class/net/mpwtest*"), glob.glob("/sys/class/net/mpwtest*"))


ksft.run(main)
