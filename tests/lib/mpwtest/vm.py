"""Host side: run a command in a throw-away test VM (tools/vm/run)."""
import os
import re
import subprocess

from . import paths

_RELEASE_6_1 = re.compile(r"^6\.1\.\d+-\d+-amd64$")


def _version_key(release):
    return [int(x) if x.isdigit() else x for x in re.split(r"(\d+)", release)]


def default_kernel():
    """The kernel the VM boots unless told otherwise: the newest installed Debian 6.1 release."""
    releases = sorted((r for r in os.listdir("/lib/modules") if _RELEASE_6_1.match(r)), key=_version_key)
    if not releases:
        raise RuntimeError("no 6.1 kernel in /lib/modules (run tools/setup.sh)")
    return releases[-1]


def _run_takes_kernel():
    with open(paths.VM_RUN) as f:
        return "--kernel" in f.read()


def run_vm(argv, kernel=None, timeout=600, out=None, quiet=False, mem=None, env=None):
    """Runs ARGV as root in a fresh VM booting KERNEL (a release; default: default_kernel()); returns
    its exit status (124: timeout, 125: the VM failed). OUT: the output directory (console.log,
    dmesg.txt, and whatever the command writes to $MPWIFI_VM_OUT)."""
    cmd = [paths.VM_RUN, "--timeout", str(timeout)]
    environ = {**os.environ, **(env or {})}
    if kernel and _run_takes_kernel():
        cmd += ["--kernel", kernel]
    else:
        # tools/vm/run picks the kernel from MPWIFI_VM_KVER when it has no --kernel
        environ["MPWIFI_VM_KVER"] = kernel or environ.get("MPWIFI_VM_KVER") or default_kernel()
    if out:
        cmd += ["--out", out]
    if mem:
        cmd += ["--mem", str(mem)]
    if quiet:
        cmd.append("--quiet")
    cmd += ["--", *map(str, argv)]
    return subprocess.run(cmd, stdin=subprocess.DEVNULL, env=environ).returncode
