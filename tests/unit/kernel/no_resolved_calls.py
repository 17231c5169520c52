#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""The module never calls a kernel function through an address it looked up at run time.

With CONFIG_X86_KERNEL_IBT an indirect call must land on an ENDBR instruction.  A kprobe's
address is the probed instruction, past the ENDBR when the function keeps one, and objtool
seals the ENDBR of every function whose address is never taken: calling either faults (#CP).
The emulator cannot enforce IBT, so this check keeps such calls out instead:
  - no source file in kernel/ stores the address of a kprobe (`= p.addr`, `= p->addr`) or
    casts one to a function pointer, nor uses the kallsyms lookups;
  - no built module (build/modules/*/mpwifi.ko) imports a kallsyms lookup.
Functions the module calls are called directly (exported) or through pointers the kernel
itself took (sk->sk_prot->...), which keep their ENDBR.
Run with --self-test to check that the rules catch what they should.
"""
import glob
import os
import re
import subprocess
import sys

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", ".."))

LOOKUPS = ("kallsyms_lookup_name", "kallsyms_on_each_symbol", "module_kallsyms_lookup_name",
           "kallsyms_lookup_size_offset")
RULES = [
    (re.compile(r"=\s*&?\s*[A-Za-z_][\w.\->\[\]]*(?:\.|->)addr\s*;"), "stores a kprobe's address"),
    (re.compile(r"\(\s*[\w\s]+\(\s*\*\s*\)\s*\([^)]*\)\s*\)\s*[\w.\->]*(?:\.|->)addr\b"),
     "casts a kprobe's address to a function pointer"),
    (re.compile(r"\b(" + "|".join(LOOKUPS) + r")\b"), "looks a symbol up by name"),
]


def strip_comments(text):
    text = re.sub(r"/\*.*?\*/", lambda m: "\n" * m.group(0).count("\n"), text, flags=re.S)
    return re.sub(r"//[^\n]*", "", text)


def source_findings(name, text):
    found = []
    for lineno, line in enumerate(strip_comments(text).split("\n"), 1):
        for rule, why in RULES:
            if rule.search(line):
                found.append(f"{name}:{lineno}: {why}: {line.strip()}")
    return found


def module_findings(path):
    out = subprocess.run(["nm", "-u", path], capture_output=True, text=True, check=True).stdout
    imported = {l.split()[-1] for l in out.splitlines() if l.strip()}
    return [f"{path}: imports {s}" for s in sorted(imported & set(LOOKUPS))]


def self_test():
    planted = {
        "kp.addr stored": "static int f(void **a)\n{\n\tstruct kprobe kp = {};\n\t*a = kp.addr;\n}\n",
        "arrow addr stored": "\tpush = probe->addr;\n",
        "cast to fn pointer": "\t((void (*)(struct sock *))kp.addr)(sk);\n",
        "kallsyms": "\tfn = (void *)kallsyms_lookup_name(\"x\");\n",
    }
    clean = {
        "compared": "\tif (mpw_compat_follows_ftrace_site(mpw_rx_probe.addr))\n",
        "cleared": "\tmpw_rx_probe.addr = NULL;\n",
        "ipv6": "\tp->addr = nla_get_in6_addr(tb[X]);\n",
        "comment": "/* a kprobe's addr: *a = kp.addr; */\n",
    }
    bad = [k for k, t in planted.items() if not source_findings(k, t)]
    bad += [k for k, t in clean.items() if source_findings(k, t)]
    if bad:
        print("self-test FAILED on: " + ", ".join(bad))
        return 1
    print(f"self-test: {len(planted)} planted calls caught, {len(clean)} clean lines passed")
    return 0


def main():
    if self_test():
        return 1
    findings = []
    sources = sorted(glob.glob(os.path.join(ROOT, "kernel", "*.[ch]")))
    for path in sources:
        with open(path, encoding="utf-8") as f:
            findings += source_findings(os.path.relpath(path, ROOT), f.read())
    modules = sorted(glob.glob(os.path.join(ROOT, "build", "modules", "*", "mpwifi.ko")))
    for path in modules:
        findings += module_findings(path)
    for line in findings:
        print("FAIL " + line)
    print(f"{len(sources)} sources, {len(modules)} built modules: {len(findings)} calls through resolved addresses")
    return 1 if findings else 0


if __name__ == "__main__":
    sys.exit(main())
