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
