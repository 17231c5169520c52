"""Checks that say what they saw, and the entry point of every VM test.

Every check prints one line, `ok    DESC` or `FAIL  DESC: what it saw`, and counts. run(main) runs a
test: main(), then the cleanups registered with defer() (last first), the emulated world's teardown, the
module unload and the kernel log check; it prints "N passed, M failed" last and exits non-zero when a
check failed.

Timing: every timeout and deadline a test has is multiplied by TIME_SCALE ($MPWIFI_TIME_SCALE, default 1),
set when the kernel runs slower than the tests were written for (the debug kernel under emulation: make
check-debug).  wait_until() applies it; a test with its own deadline uses scaled().

Kernel reports: kernel_reports(text) finds what the kernel prints when it catches a bug (BUG, WARNING, Oops,
and the debug kernel's KASAN, lockdep, sleep-in-atomic, RCU and kmemleak reports) in a kernel log;
kmemleak_objects(text) splits the contents of /sys/kernel/debug/kmemleak.  Both run on the host too
(tests/vm/run-all reads each VM's logs with them).
"""
import os
import re
import sys
import time
import traceback


def _time_scale():
    raw = os.environ.get("MPWIFI_TIME_SCALE", "1")
    try:
        scale = float(raw)
    except ValueError:
        scale = 0.0
    if not 1.0 <= scale <= 1000.0:
        raise ValueError(f"MPWIFI_TIME_SCALE={raw!r}: want a number from 1 to 1000")
    return scale


TIME_SCALE = _time_scale()


def scaled(seconds):
    """SECONDS of a timeout or deadline on this kernel (times TIME_SCALE)."""
    return seconds * TIME_SCALE


def slowed():
    """True when timing is scaled: the kernel is slower than the one performance figures were set for."""
    return TIME_SCALE > 1.0

passed = 0
failed = 0
_cleanups = []


def log(msg):
    print(msg, flush=True)


def _count(ok, desc, saw):
    global passed, failed
    if ok:
        passed += 1
        log(f"ok    {desc}")
    else:
        failed += 1
        log(f"FAIL  {desc}: {saw}" if saw != "" else f"FAIL  {desc}")
    return bool(ok)


def check(desc, ok, saw=""):
    """Counts one check; SAW says what was seen when it fails."""
    return _count(bool(ok), desc, saw)


def check_eq(desc, got, want):
    return _count(got == want, desc, f"got {got!r}, want {want!r}")


def check_ge(desc, got, low):
    return _count(got is not None and got >= low, desc, f"got {got!r}, want >= {low!r}")


def check_le(desc, got, high):
    return _count(got is not None and got <= high, desc, f"got {got!r}, want <= {high!r}")


def check_within(desc, got, want, tol):
    """abs(got - want) <= tol."""
    try:
        ok = abs(float(got) - float(want)) <= float(tol)
    except (TypeError, ValueError):
        ok = False
    return _count(ok, desc, f"got {got!r}, want {want!r} +- {tol!r}")


def check_between(desc, got, low, high):
    """low <= got <= high."""
    try:
        ok = float(low) <= float(got) <= float(high)
    except (TypeError, ValueError):
        ok = False
    return _count(ok, desc, f"got {got!r}, want within [{low!r}, {high!r}]")


def skip(desc, why):
    """A check this kernel cannot make (a performance figure on a slowed kernel): one line, not counted."""
    log(f"skip  {desc}: {why}")


def poll(fn, timeout=10.0, interval=0.1):
    """Polls fn() until it returns something truthy or TIMEOUT s (scaled) have passed; returns the last
    value, and prints nothing: the caller checks it."""
    deadline = time.monotonic() + scaled(timeout)
    while True:
        value = fn()
        if value or time.monotonic() >= deadline:
            return value
        time.sleep(interval)


def wait_until(desc, fn, timeout=10.0, interval=0.1):
    """Polls fn() until it returns something truthy (returned, no line printed). On timeout (scaled) prints
    a FAIL line with the last value fn returned (or the exception it raised), and returns that value."""
    timeout = scaled(timeout)
    deadline = time.monotonic() + timeout
    while True:
        try:
            value = fn()
            seen = repr(value)
        except Exception as e:  # noqa: BLE001 - reported as what was seen
            value, seen = None, f"{type(e).__name__}: {e}"
        if value:
            return value
        if time.monotonic() >= deadline:
            _count(False, desc, f"not after {timeout:g} s; last saw {seen}")
            return value
        time.sleep(interval)


def defer(fn, *args, **kw):
    """Registers a cleanup that run() calls after the test, last registered first."""
    _cleanups.append((fn, args, kw))


def run_cleanups():
    while _cleanups:
        fn, args, kw = _cleanups.pop()
        try:
            fn(*args, **kw)
        except Exception as e:  # noqa: BLE001 - a cleanup must not stop the others
            log(f"      cleanup {getattr(fn, '__name__', fn)} failed: {type(e).__name__}: {e}")


def run(main):
    """The entry of every test: exits 0 only when every check passed."""
    global failed
    if os.environ.get("MPWIFI_VM") != "1":
        sys.stderr.write(f"{sys.argv[0]} loads kernel modules and must run inside the VM: "
                         f"tests/vm/run-all {sys.argv[0]}\n")
        sys.exit(2)
    from . import kmod, world
    try:
        main()
    except Exception:  # noqa: BLE001 - counted as a failed check
        failed += 1
        log("FAIL  test aborted by an exception:")
        for line in traceback.format_exc().rstrip().splitlines():
            log(f"      {line}")
    run_cleanups()
    try:
        world.teardown()
    except Exception as e:  # noqa: BLE001
        check("the emulated world comes down", False, str(e))
    try:
        kmod.unload()
    except Exception as e:  # noqa: BLE001
        check("module unloads", False, str(e))
    clean, lines = kmod.kernel_log_clean()
    check("kernel log free of BUG/WARNING/Oops", clean, "; ".join(lines[:5]))
    log(f"{passed} passed, {failed} failed")
    sys.stdout.flush()
    sys.exit(0 if failed == 0 else 1)


# What the kernel prints when it catches a bug: (kind, first line of the report).  The first match names the
# kind; the catch-alls come last.
REPORT_KINDS = [
    ("KASAN", r"BUG: KASAN: "),
    ("sleep in atomic", r"BUG: sleeping function called from invalid context|BUG: scheduling while atomic"
                        r"|BUG: workqueue leaked lock|BUG: .* still has locks held"),
    ("lockdep", r"WARNING: possible (circular|recursive) locking|WARNING: inconsistent lock state"
                r"|WARNING: .*lock order detected|WARNING: possible irq lock inversion"
                r"|WARNING: bad unlock balance|WARNING: held lock freed|WARNING: lock held when returning"
                r"|WARNING: Nested lock was not taken|WARNING: .*still has locks held"
                r"|INFO: trying to register non-static key|BUG: key .* has not been registered"
                r"|BUG: MAX_LOCK|BUG: looking up invalid subclass"),
    ("RCU", r"WARNING: suspicious RCU usage|rcu: INFO: .*stall|RCU stall"),
    ("kmemleak", r"kmemleak: \d+ new suspected memory leaks"),
    ("list corruption", r"list_(add|del) corruption"),
    ("hung task", r"INFO: task .* blocked for more than"),
    ("oops", r"BUG: unable to handle|general protection fault|kernel BUG at|Oops|Kernel panic"),
    ("UBSAN", r"UBSAN: "),
    ("warning", r"WARNING:"),
    ("bug", r"BUG:"),
]
_KINDS = [(kind, re.compile(rx)) for kind, rx in REPORT_KINDS]
# "[   12.345678] " (dmesg, console) with an optional "<4>" level in front.
_STAMP = re.compile(r"^(<\d+>)?\[\s*\d+\.\d+\]\s?")
_SEPARATOR = re.compile(r"^={10,}$")
REPORT_MAX_LINES = 300


def report_kind(line):
    """The kind of report LINE starts (see REPORT_KINDS), or None."""
    for kind, rx in _KINDS:
        if rx.search(line):
            return kind
    return None


def kernel_reports(text):
    """The reports in a kernel log (dmesg or console), in order: a list of (kind, lines), lines being the
    report's first line and what follows it up to the end of its trace, timestamps removed.  A report ends
    at the end of its call trace (a KASAN report at its closing ==== line, after the allocation and free
    traces), at the end of a WARN, or after REPORT_MAX_LINES lines; the lines in between are part of it even
    when they look like reports themselves (the Oops inside a page-fault BUG)."""
    lines = [_STAMP.sub("", line.rstrip("\r")) for line in text.splitlines()]
    reports = []
    i = 0
    while i < len(lines):
        kind = report_kind(lines[i])
        if kind is None:
            i += 1
            continue
        end = i + 1
        if kind not in ("kmemleak", "list corruption"):
            while end < len(lines) and end - i < REPORT_MAX_LINES:
                line = lines[end].strip()
                end += 1
                if kind == "KASAN":
                    if _SEPARATOR.match(line):
                        end -= 1
                        break
                elif line == "</TASK>" or line.startswith("---[ end trace"):
                    break
        reports.append((kind, lines[i:end]))
        i = end
    return reports


def kmemleak_objects(text):
    """The objects /sys/kernel/debug/kmemleak lists: one list of lines per "unreferenced object" (its comm,
    hex dump and allocation backtrace).  Anything else the file holds comes back as one more entry."""
    objects, other = [], []
    for line in text.splitlines():
        if line.startswith("unreferenced object "):
            objects.append([line])
        elif objects:
            objects[-1].append(line)
        elif line.strip():
            other.append(line)
    return ([other] if other else []) + objects
