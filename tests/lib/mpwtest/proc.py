"""Commands, in a network namespace or not, and background processes that never outlive the test."""
import os
import signal
import subprocess

from . import ksft


class CmdError(Exception):
    def __init__(self, argv, rc, stdout, stderr):
        self.argv, self.rc, self.stdout, self.stderr = argv, rc, stdout, stderr
        super().__init__(f"{' '.join(map(str, argv))}: exit status {rc}: {(stderr or stdout or '').strip()[-2000:]}")


def _argv(argv, ns):
    argv = [str(a) for a in argv]
    return ["ip", "netns", "exec", ns, *argv] if ns else argv


def cmd(argv, ns=None, check=True, timeout=60, input=None, env=None):
    """Runs ARGV (in namespace NS) to completion; text output captured. With check, a non-zero exit
    raises CmdError showing argv, status and stderr. TIMEOUT is scaled (ksft.scaled)."""
    full = _argv(argv, ns)
    timeout = None if timeout is None else ksft.scaled(timeout)
    environ = None if env is None else {**os.environ, **env}
    p = subprocess.run(full, capture_output=True, text=True, timeout=timeout, input=input, env=environ)
    if check and p.returncode != 0:
        raise CmdError(full, p.returncode, p.stdout, p.stderr)
    return p


def sh(script, ns=None, **kw):
    """A shell script through bash -c (for the few pipelines that read better as shell)."""
    return cmd(["bash", "-c", script], ns=ns, **kw)


class Bg:
    """A background process (in namespace NS), stopped by stop(), by leaving its `with` block or at
    the end of the test. LOG: a path its stdout and stderr go to (else they are discarded)."""

    def __init__(self, argv, ns=None, log=None, env=None):
        self.argv = _argv(argv, ns)
        self.log = log
        out = open(log, "w") if log else subprocess.DEVNULL
        environ = None if env is None else {**os.environ, **env}
        try:
            self.proc = subprocess.Popen(self.argv, stdin=subprocess.DEVNULL, stdout=out,
                                         stderr=subprocess.STDOUT, env=environ, start_new_session=True)
        finally:
            if log:
                out.close()
        self.pid = self.proc.pid
        ksft.defer(self.stop)

    def running(self):
        return self.proc.poll() is None

    def wait(self, timeout=None):
        """The exit status; raises subprocess.TimeoutExpired after TIMEOUT seconds (scaled)."""
        return self.proc.wait(None if timeout is None else ksft.scaled(timeout))

    def stop(self):
        """SIGTERM to its process group, SIGKILL 3 s later if needed; returns the exit status."""
        if self.proc.poll() is None:
            for sig, grace in ((signal.SIGTERM, 3), (signal.SIGKILL, 5)):
                try:
                    os.killpg(self.pid, sig)
                except ProcessLookupError:
                    pass
                try:
                    self.proc.wait(grace)
                    break
                except subprocess.TimeoutExpired:
                    continue
        return self.proc.poll()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


def bg(argv, ns=None, log=None, env=None):
    return Bg(argv, ns=ns, log=log, env=env)


def read_int(path, ns=None):
    """An integer from a file (sysfs counters); with NS, read in that namespace (sysfs is per netns)."""
    if ns:
        return int(cmd(["cat", path], ns=ns).stdout)
    with open(path) as f:
        return int(f.read())


def read_ints(paths, ns=None):
    """Integers from several files read by one process (one `cat`): the reads are close together."""
    out = cmd(["cat", *paths], ns=ns).stdout.split()
    return [int(v) for v in out]
