#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Run the kernel's own netlink generator (tools/net/ynl/ynl-gen-c.py of
Debian's linux-source-6.12) on include/uapi/linux/mpwifi.yaml.

  ynl_kernel.py --out-dir DIR     write DIR/include/uapi/linux/mpwifi_genl.h,
                                  DIR/kernel/netlink_gen.c, DIR/kernel/netlink_gen.h

The generator wants a file named MAINTAINERS in an ancestor of the spec and
the schema in <spec dir>/../genetlink-legacy.yaml, so it runs on a copy of the
spec in a scratch tree under build/ that mirrors the repository's layout (the
path it prints into the files is then the real one).  Three adjustments, all
checked so that a different generator version fails loudly instead of
producing something else (the first patches the scratch copy of the
generator, the others edit its output):

 - The generator's per-op op table reads every operation's do.request, which
   only fits families where every command is a "do" with request attributes
   (mptcp_pm, the one per-op family upstream).  Dump-only commands (ap-get,
   trust-get, peer-get) take their policy from dump.request (in the op table
   and in the header's declarations), and commands without request
   attributes (config-get, ...) get no policy: the genetlink core then gives
   them its reject-all policy (resv_start_op is 0), so any attribute sent to
   them is refused, as before.
 - Linux 6.1's struct nla_policy points to a non-const struct
   netlink_range_validation (const by 6.12, which the generator targets), so
   the generated "static const" ranges would warn on 6.1; they lose the const.
 - For a genetlink-legacy family the generator leaves the family struct to
   hand-written code (kernel/netlink.c) but emits the multicast group table
   static, where nothing can use it; it becomes global, declared in the
   header with its size.
"""
import argparse
import os
import shutil
import subprocess
import sys

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
SPEC = os.path.join(REPO, "include", "uapi", "linux", "mpwifi.yaml")
TARBALL = "/usr/src/linux-source-6.12.tar.xz"
SRC_TOP = "linux-source-6.12"
MEMBERS = ("tools/net/ynl/", "Documentation/netlink/")

PATCH_OLD = """            if family.kernel_policy == 'per-op':
                struct = Struct(family, op['attribute-set'],
                                type_list=op['do']['request']['attributes'])
"""
PATCH_NEW = """            if family.kernel_policy == 'per-op' and _per_op_request(op):
                struct = Struct(family, op['attribute-set'],
                                type_list=_per_op_request(op))
"""
PATCH_ANCHOR = "def print_kernel_op_table(family, cw):\n"
PATCH_HELPER = '''def _per_op_request(op):
    for mode in ('do', 'dump'):
        if mode in op and 'request' in op[mode]:
            return op[mode]['request'].get('attributes', [])
    return []


'''
HDR_OLD = """                    if 'do' in op and 'event' not in op:
                        ri = RenderInfo(cw, parsed, args.mode, op, "do")
"""
HDR_NEW = """                    if _per_op_request(op) and 'event' not in op:
                        ri = RenderInfo(cw, parsed, args.mode, op, "do" if "do" in op else "dump")
"""
MCGRP_OLD = "static const struct genl_multicast_group mpwifi_nl_mcgrps[] ="
MCGRP_NEW = "const struct genl_multicast_group mpwifi_nl_mcgrps[MPWIFI_NLGRP_COUNT] ="
MCGRP_ENUM = "enum {\n\tMPWIFI_NLGRP_EVENTS,\n"
MCGRP_ENUM_NEW = MCGRP_ENUM + "\tMPWIFI_NLGRP_COUNT\n"
MCGRP_DECL = ("\n/* Multicast groups, for the family struct of kernel/netlink.c */\n"
              "extern const struct genl_multicast_group mpwifi_nl_mcgrps[MPWIFI_NLGRP_COUNT];\n")
RANGE_OLD = "static const struct netlink_range_validation "
RANGE_NEW = "static struct netlink_range_validation "


def die(msg):
    sys.exit("ynl_kernel.py: " + msg)


def linux_source(build):
    """The extracted generator and schemas, extracting them once into build/."""
    root = os.path.join(build, "linux-source", SRC_TOP)
    gen = os.path.join(root, "tools", "net", "ynl", "ynl-gen-c.py")
    if os.path.exists(gen) and os.path.exists(os.path.join(root, ".complete")):
        return root
    if not os.path.exists(TARBALL):
        die(TARBALL + " is missing: install linux-source-6.12 (make setup)")
    print("extracting the netlink generator from " + TARBALL, file=sys.stderr)
    dest = os.path.join(build, "linux-source")
    os.makedirs(dest, exist_ok=True)
    subprocess.run(["tar", "-xf", TARBALL, "-C", dest, "--wildcards"] +
                   [f"{SRC_TOP}/{m}*" for m in MEMBERS], check=True)
    if not os.path.exists(gen):
        die(gen + " not found in " + TARBALL)
    open(os.path.join(root, ".complete"), "w").close()
    return root


def scratch_tree(build, src):
    """A tree the generator accepts: MAINTAINERS, the schema next to the spec's dir, a patched copy."""
    tree = os.path.join(build, "spec-gen")
    shutil.rmtree(tree, ignore_errors=True)
    uapi = os.path.join(tree, "include", "uapi")
    os.makedirs(os.path.join(uapi, "linux"))
    open(os.path.join(tree, "MAINTAINERS"), "w").close()
    shutil.copy(os.path.join(src, "Documentation", "netlink", "genetlink-legacy.yaml"), uapi)
    shutil.copy(SPEC, os.path.join(uapi, "linux"))
    ynl = os.path.join(tree, "ynl")
    shutil.copytree(os.path.join(src, "tools", "net", "ynl"), ynl,
                    ignore=shutil.ignore_patterns("generated", "samples", "__pycache__"))
    gen = os.path.join(ynl, "ynl-gen-c.py")
    text = open(gen).read()
    if any(text.count(s) != 1 for s in (PATCH_OLD, PATCH_ANCHOR, HDR_OLD)):
        die("ynl-gen-c.py is not the version this script knows how to adjust")
    text = text.replace(PATCH_OLD, PATCH_NEW).replace(PATCH_ANCHOR, PATCH_HELPER + PATCH_ANCHOR)
    text = text.replace(HDR_OLD, HDR_NEW)
    open(gen, "w").write(text)
    return tree, gen, os.path.join(uapi, "linux", "mpwifi.yaml")


def run(gen, spec, args, out):
    os.makedirs(os.path.dirname(out), exist_ok=True)
    res = subprocess.run([sys.executable, gen, "--spec", spec, "-o", out] + args,
                         capture_output=True, text=True)
    if res.returncode or not os.path.exists(out):
        die(f"ynl-gen-c.py {' '.join(args)} failed:\n{res.stdout}{res.stderr}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out-dir", default=REPO)
    ap.add_argument("--build", default=os.path.join(REPO, "build"))
    opts = ap.parse_args()
    src = linux_source(os.path.abspath(opts.build))
    _, gen, spec = scratch_tree(os.path.abspath(opts.build), src)
    out = os.path.abspath(opts.out_dir)
    uapi = os.path.join(out, "include", "uapi", "linux", "mpwifi_genl.h")
    ksrc = os.path.join(out, "kernel", "netlink_gen.c")
    khdr = os.path.join(out, "kernel", "netlink_gen.h")
    run(gen, spec, ["--mode", "uapi", "--header"], uapi)
    run(gen, spec, ["--mode", "kernel", "--source"], ksrc)
    run(gen, spec, ["--mode", "kernel", "--header"], khdr)
    text = open(ksrc).read()
    if "NLA_POLICY_FULL_RANGE" in text and RANGE_OLD not in text:
        die("generated ranges no longer look like " + RANGE_OLD.strip())
    if text.count(MCGRP_OLD) != 1:
        die("generated multicast groups no longer look like " + MCGRP_OLD)
    open(ksrc, "w").write(text.replace(RANGE_OLD, RANGE_NEW).replace(MCGRP_OLD, MCGRP_NEW))
    text = open(khdr).read()
    end = text.find("};\n", text.find(MCGRP_ENUM))
    if text.count(MCGRP_ENUM) != 1 or end < 0:
        die("generated multicast group enum no longer looks like " + MCGRP_ENUM)
    text = text[:end + 3] + MCGRP_DECL + text[end + 3:]
    open(khdr, "w").write(text.replace(MCGRP_ENUM, MCGRP_ENUM_NEW))


if __name__ == "__main__":
    main()
