"""The mpwifi module: load, unload, and the kernel log's verdict."""
import subprocess
import time

from . import ksft, paths, proc

# The module's estimate window and an estimate's staleness limit (ms) for tests that need estimates: a
# slowed kernel delivers too few frames in 500 ms for one.
WINDOW_MS, STALE_MS = (4000, 4000) if ksft.slowed() else (500, 1000)


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
    """(True, []) when dmesg holds no report (BUG/WARNING/Oops/KASAN/lockdep/...: ksft.kernel_reports);
    else (False, the first line of each report)."""
    out = subprocess.run(["dmesg"], capture_output=True, text=True).stdout
    bad = [lines[0] for _, lines in ksft.kernel_reports(out)]
    return not bad, bad
