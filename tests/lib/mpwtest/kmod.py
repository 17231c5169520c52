"""The mpwifi module: load, unload, and the kernel log's verdict."""
import re
import subprocess
import time

from . import paths, proc

# What a clean kernel log never shows.
BAD_LOG = re.compile(r"BUG:|WARNING:|Oops|general protection|INFO: task .* blocked|lockdep|RCU stall")


def loaded(name="mpwifi"):
    with open("/proc/modules") as f:
        return any(line.split(" ", 1)[0] == name for line in f)


def load(release=None, **params):
    """insmod the module built for RELEASE (default: the running kernel) with PARAMS (name=value)."""
    proc.cmd(["insmod", paths.module_path(release), *(f"{k}={v}" for k, v in params.items())])


def unload(timeout=10.0):
    """rmmod mpwifi; a no-op when it is not loaded. Retries while it is busy for up to TIMEOUT s."""
    deadline = time.monotonic() + timeout
    while loaded():
        p = proc.cmd(["rmmod", "mpwifi"], check=False)
        if p.returncode == 0:
            return
        if time.monotonic() >= deadline:
            raise proc.CmdError(["rmmod", "mpwifi"], p.returncode, p.stdout, p.stderr)
        time.sleep(0.2)


def kernel_log_clean():
    """(True, []) when dmesg holds no BUG/WARNING/Oops/...; else (False, the offending lines)."""
    out = subprocess.run(["dmesg"], capture_output=True, text=True).stdout
    bad = [line for line in out.splitlines() if BAD_LOG.search(line)]
    return not bad, bad
