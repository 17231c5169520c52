#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Regenerate every file derived from include/uapi/linux/mpwifi.yaml (`make generate`).

  generate.py           write them into the repository
  generate.py --check   generate into build/spec-check and fail (exit 1) if any
                        committed file differs, or if the generator is missing
"""
import difflib
import os
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, HERE)
import gen_tables  # noqa: E402

GENERATED = [
    "include/uapi/linux/mpwifi_genl.h",
    "kernel/netlink_gen.c",
    "kernel/netlink_gen.h",
    "agent/src/mpwifi/spec_gen.h",
    "README.md",
]


def generate(out_dir):
    subprocess.run([sys.executable, os.path.join(HERE, "ynl_kernel.py"), "--out-dir", out_dir,
                    "--build", os.path.join(REPO, "build")], check=True)
    gen_tables.generate(out_dir, os.path.join(REPO, "README.md"))


def main():
    if sys.argv[1:] == ["--check"]:
        out = os.path.join(REPO, "build", "spec-check")
        shutil.rmtree(out, ignore_errors=True)
        try:
            generate(out)
        except subprocess.CalledProcessError:
            print("FAIL  the generator did not run (see above)")
            return 1
        stale = 0
        for rel in GENERATED:
            want = open(os.path.join(out, rel)).read().splitlines(keepends=True)
            have = open(os.path.join(REPO, rel)).read().splitlines(keepends=True)
            if want != have:
                stale += 1
                print(f"FAIL  {rel} differs from what the spec generates (run `make generate`):")
                sys.stdout.writelines(list(difflib.unified_diff(have, want, rel, rel + " (generated)"))[:40])
            else:
                print(f"ok    {rel} is what the spec generates")
        return 1 if stale else 0
    if sys.argv[1:]:
        sys.exit(__doc__)
    generate(REPO)
    return 0


if __name__ == "__main__":
    sys.exit(main())
