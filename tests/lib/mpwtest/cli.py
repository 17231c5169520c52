"""The mpwifi CLI."""
import json as jsonlib

from . import paths, proc


def mpwifi(*args, ns=None, json=True, check=True, timeout=60):
    """Runs `mpwifi [-j] ARGS` (in namespace NS): the parsed JSON with json=True (None when the command
    printed nothing), else the CompletedProcess."""
    argv = [paths.cli_path(), *(["-j"] if json else []), *map(str, args)]
    p = proc.cmd(argv, ns=ns, check=check, timeout=timeout)
    if not json:
        return p
    return jsonlib.loads(p.stdout) if p.stdout.strip() else None


def ap_rows(ns=None):
    """The rows of `mpwifi -j ap show` in namespace NS."""
    return mpwifi("ap", "show", ns=ns) or []


def ap_row(ifname, ns=None, rows=None):
    """IFNAME's row of `ap show` (from ROWS when given, else a fresh snapshot), or None."""
    for row in ap_rows(ns) if rows is None else rows:
        if row.get("ifname") == ifname:
            return row
    return None


def ap_field(ifname, key, ns=None, rows=None):
    """One field of IFNAME's row, or None when the row or the field is missing."""
    row = ap_row(ifname, ns, rows)
    return None if row is None else row.get(key)


def config(ns=None):
    return mpwifi("config", "show", ns=ns)
