"""Host side of the benchmarks: the VM part of a run, its raw data in a directory of its own."""
import os
import time

from . import vm


class VmPartError(Exception):
    pass


def run_vm_part(argv, vm_out, timeout, kernel=None, env=None, clear=True):
    """Runs ARGV (a bench/vm/*.py script and its arguments) in a fresh VM with VM_OUT emptied of files
    first (clear), so that the analysis never reads an older run's data.  The script's progress lines go straight
    to stdout.  Returns the seconds the VM took; raises VmPartError when it failed."""
    os.makedirs(vm_out, exist_ok=True)
    for name in os.listdir(vm_out) if clear else []:
        path = os.path.join(vm_out, name)
        if os.path.isfile(path):
            os.unlink(path)
    t0 = time.monotonic()
    rc = vm.run_vm(argv, kernel=kernel, timeout=timeout, out=vm_out, quiet=True, env=env)
    if rc != 0:
        raise VmPartError("VM part failed (status %d%s); raw data and logs (console.log, dmesg.txt) in %s"
                          % (rc, ", timeout" if rc == 124 else "", vm_out))
    return time.monotonic() - t0


def add_kernel_option(parser):
    parser.add_argument("--kernel", metavar="RELEASE",
                        help="boot this kernel release in every VM (default: the 6.1 one), with the module built "
                             "for it; results go to bench/results/RELEASE/ unless --out says otherwise")


def use_kernel(release):
    """Every VM this process starts boots RELEASE (tools/vm/run reads $MPWIFI_VM_KVER); the module is built for it
    (make module KDIR=...).  Returns the make arguments that build it, [] for no release.  Exits with a clear
    message when the kernel or its headers are missing."""
    if not release:
        return []
    if "/" in release or release.startswith("."):
        raise SystemExit(f"--kernel: bad release '{release}'")
    for path in (f"/boot/vmlinuz-{release}", f"/lib/modules/{release}/build/Makefile"):
        if not os.path.exists(path):
            raise SystemExit(f"--kernel {release}: {path} is missing (installed kernels: "
                             f"{', '.join(sorted(os.listdir('/lib/modules')))}; make setup installs 6.1 and 6.12)")
    os.environ["MPWIFI_VM_KVER"] = release
    return [f"KDIR=/lib/modules/{release}/build"]


def kernel_results(out, default_out, release):
    """Where results go: OUT as given; the default one (bench/results) gets a directory per --kernel release,
    bench/results/RELEASE/, so that the default kernel's figures stay where they are."""
    if release and os.path.abspath(out) == os.path.abspath(default_out):
        return os.path.join(out, release)
    return out


def booted_kernel(vm_out):
    """The release the VM of VM_OUT booted (from its dmesg), or None."""
    try:
        with open(os.path.join(vm_out, "dmesg.txt"), errors="replace") as f:
            for line in f:
                if "Linux version " in line:
                    return line.split("Linux version ", 1)[1].split()[0]
    except OSError:
        pass
    return None
