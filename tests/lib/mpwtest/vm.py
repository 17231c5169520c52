"""Host side: run a command in a throw-away test VM (tools/vm/run)."""
import os
import subprocess
import sys

from . import paths


def run_vm(argv, kernel=None, timeout=600, out=None, quiet=False, mem=None, env=None, tee=None, echo=True):
    """Runs ARGV as root in a fresh VM booting KERNEL (a release; default: the one tools/vm/run picks,
    $MPWIFI_VM_KVER or the newest 6.1 release); returns its exit status (124: timeout, 125: the VM
    failed). OUT: the output directory (console.log, dmesg.txt, and whatever the command writes to
    $MPWIFI_VM_OUT). TEE: a file that gets a copy of the command's output as it streams by (also shown on
    stdout unless ECHO is false)."""
    cmd = [paths.VM_RUN, "--timeout", str(timeout)]
    environ = {**os.environ, **(env or {})}
    if kernel:
        cmd += ["--kernel", kernel]
    if out:
        cmd += ["--out", out]
    if mem:
        cmd += ["--mem", str(mem)]
    if quiet:
        cmd.append("--quiet")
    cmd += ["--", *map(str, argv)]
    if tee is None:
        return subprocess.run(cmd, stdin=subprocess.DEVNULL, env=environ).returncode
    with open(tee, "w") as copy, subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                                   env=environ, text=True, errors="replace") as p:
        for line in p.stdout:
            if echo:
                sys.stdout.write(line)
                sys.stdout.flush()
            copy.write(line)
    return p.returncode
