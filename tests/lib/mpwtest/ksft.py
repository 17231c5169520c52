"""Checks that say what they saw, and the entry point of every VM test.

Every check prints one line, `ok    DESC` or `FAIL  DESC: what it saw`, and counts. run(main) runs a
test: main(), then the cleanups registered with defer() (last first), the emulated world's teardown, the
kernel log check and the module unload; it prints "N passed, M failed" last and exits non-zero when a
check failed.
"""
import os
import sys
import time
import traceback

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


def wait_until(desc, fn, timeout=10.0, interval=0.1):
    """Polls fn() until it returns something truthy (returned, no line printed). On timeout prints a
    FAIL line with the last value fn returned (or the exception it raised), and returns that value."""
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
    clean, lines = kmod.kernel_log_clean()
    check("kernel log free of BUG/WARNING/Oops", clean, "; ".join(lines[:5]))
    try:
        kmod.unload()
    except Exception as e:  # noqa: BLE001
        check("module unloads", False, str(e))
    log(f"{passed} passed, {failed} failed")
    sys.stdout.flush()
    sys.exit(0 if failed == 0 else 1)
