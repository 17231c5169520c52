#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Generate mptcp_layout.h: the offsets of the private MPTCP structures the trusted scheduler reads, and
checks of the private functions it probes, from the BTF of the kernel the module is built for.

Upstream MPTCP keeps struct mptcp_sock, mptcp_subflow_context and mptcp_data_frag in a private header whose
layout changes between builds, and Linux 6.1 offers modules no BTF lookup by name, so the layout is read here,
at build time, from the target kernel's own type information:
  1. $MPWIFI_BTF (a raw BTF file or an ELF with a .BTF section),
  2. /sys/kernel/btf/vmlinux when the running kernel is the target,
  3. /boot/vmlinuz-RELEASE (decompressed here: xz, gzip, bzip2, lzma; zstd through the zstd program),
  4. vmlinux in the kernel build tree.
Whatever fails, the header is still written, with MPW_LAYOUT_OK 0 and the reason: the module then builds,
loads and reports the trusted scheduler as unavailable.  The module validates the offsets again at load time
against live sockets (kernel/trusted.c).

Usage: btf_layout.py --release RELEASE [--kdir KDIR] --out FILE
"""
import argparse
import bz2
import gzip
import io
import lzma
import os
import shutil
import struct
import subprocess
import sys
import zlib

# (macro stem, struct, member[, optional]): offset (bytes) and size of each field the module reads.  An
# optional field may be missing on some kernels: MPW_HAS_<stem> says whether it is there (kernel/compat_mptcp.h
# chooses what to read instead).
FIELDS = [
    ("MSK_WRITE_SEQ", "mptcp_sock", "write_seq"),
    ("MSK_SND_NXT", "mptcp_sock", "snd_nxt"),
    ("MSK_SND_UNA", "mptcp_sock", "snd_una"),
    ("MSK_LAST_SND", "mptcp_sock", "last_snd", "optional"),  # gone in 6.6
    ("MSK_SND_BURST", "mptcp_sock", "snd_burst"),
    ("MSK_CONN_LIST", "mptcp_sock", "conn_list"),
    ("MSK_RTX_QUEUE", "mptcp_sock", "rtx_queue"),
    ("MSK_FIRST_PENDING", "mptcp_sock", "first_pending"),
    ("MSK_FIRST", "mptcp_sock", "first"),
    ("MSK_CB_FLAGS", "mptcp_sock", "cb_flags"),
    ("MSK_SUBFLOW", "mptcp_sock", "subflow", "optional"),  # gone in 6.7
    ("MSK_TOKEN", "mptcp_sock", "token"),
    ("MSK_RECOVERY_SND_NXT", "mptcp_sock", "recovery_snd_nxt"),
    ("MSK_RECOVERY", "mptcp_sock", "recovery"),
    ("SUBFLOW_NODE", "mptcp_subflow_context", "node"),
    ("SUBFLOW_TCP_SOCK", "mptcp_subflow_context", "tcp_sock"),
    ("SUBFLOW_CONN", "mptcp_subflow_context", "conn"),
    ("DFRAG_LIST", "mptcp_data_frag", "list"),
    ("DFRAG_DATA_SEQ", "mptcp_data_frag", "data_seq"),
    ("DFRAG_DATA_LEN", "mptcp_data_frag", "data_len"),
    ("DFRAG_ALREADY_SENT", "mptcp_data_frag", "already_sent"),
    ("SENDINFO_SENT", "mptcp_sendmsg_info", "sent"),
    ("SENDINFO_LIMIT", "mptcp_sendmsg_info", "limit"),
]

# Flags of mptcp_subflow_context (one-bit fields or bools): bit offset from the start of the structure.
BITS = [
    ("SUBFLOW_REQUEST_MPTCP", "mptcp_subflow_context", "request_mptcp"),
    ("SUBFLOW_REQUEST_JOIN", "mptcp_subflow_context", "request_join"),
    ("SUBFLOW_REQUEST_BKUP", "mptcp_subflow_context", "request_bkup"),
    ("SUBFLOW_FULLY_ESTABLISHED", "mptcp_subflow_context", "fully_established"),
    ("SUBFLOW_BACKUP", "mptcp_subflow_context", "backup"),
    ("SUBFLOW_STALE", "mptcp_subflow_context", "stale"),
]

SIZES = ["mptcp_sock", "mptcp_subflow_context", "mptcp_data_frag"]

# Probed functions: (macro stem, name, return type, parameter types the module's handlers assume).  The
# module names each one by MPW_SYM_<stem>, so a kernel that renames or reshapes one changes this table.
FUNCS = [
    ("SENDMSG", "mptcp_sendmsg", "int", ["struct sock *", "struct msghdr *", "size_t"]),
    ("SENDMSG_FRAG", "mptcp_sendmsg_frag", "int",
     ["struct sock *", "struct sock *", "struct mptcp_data_frag *", "struct mptcp_sendmsg_info *"]),
    # 6.1 calls it from every push loop; from 6.6 mptcp_sched_get_send() calls it for the default scheduler
    # (the only one before BPF schedulers), and a pick it returns becomes the scheduled subflow.
    ("GET_SEND", "mptcp_subflow_get_send", "struct sock *", ["struct mptcp_sock *"]),
    ("SOCK_DESTRUCT", "inet_sock_destruct", "void", ["struct sock *"]),
    ("CONNECT4", "tcp_v4_connect", "int", ["struct sock *", "struct sockaddr *", "int"]),
    ("CONNECT6", "tcp_v6_connect", "int", ["struct sock *", "struct sockaddr *", "int"]),
]

KIND_INT, KIND_PTR, KIND_ARRAY, KIND_STRUCT, KIND_UNION, KIND_ENUM, KIND_FWD, KIND_TYPEDEF, \
    KIND_VOLATILE, KIND_CONST, KIND_RESTRICT, KIND_FUNC, KIND_FUNC_PROTO, KIND_VAR, KIND_DATASEC, \
    KIND_FLOAT, KIND_DECL_TAG, KIND_TYPE_TAG, KIND_ENUM64 = range(1, 20)


class LayoutError(Exception):
    pass


class Btf:
    """The parts of a BTF blob needed here: types by id, struct members, function prototypes."""

    def __init__(self, blob):
        if len(blob) < 24:
            raise LayoutError("BTF blob too short")
        magic, = struct.unpack_from("<H", blob, 0)
        if magic != 0xEB9F:
            raise LayoutError("not BTF (bad magic, or not little-endian)")
        hdr_len, type_off, type_len, str_off, str_len = struct.unpack_from("<5I", blob, 4)
        self.strings = blob[hdr_len + str_off:hdr_len + str_off + str_len]
        self.types = [None]  # ids start at 1
        pos, end = hdr_len + type_off, hdr_len + type_off + type_len
        while pos < end:
            name_off, info, size_type = struct.unpack_from("<3I", blob, pos)
            pos += 12
            kind, vlen, kflag = (info >> 24) & 0x1F, info & 0xFFFF, info >> 31
            t = {"name": self.string(name_off), "kind": kind, "size_type": size_type, "members": None}
            if kind == KIND_INT or kind == KIND_VAR or kind == KIND_DECL_TAG:
                pos += 4
            elif kind == KIND_ARRAY:
                pos += 12
            elif kind in (KIND_STRUCT, KIND_UNION):
                members = []
                for _ in range(vlen):
                    m_name, m_type, m_off = struct.unpack_from("<3I", blob, pos)
                    pos += 12
                    bit_size, bit_off = (m_off >> 24, m_off & 0xFFFFFF) if kflag else (0, m_off)
                    members.append((self.string(m_name), m_type, bit_off, bit_size))
                t["members"] = members
            elif kind == KIND_ENUM:
                pos += 8 * vlen
            elif kind in (KIND_DATASEC, KIND_ENUM64):
                pos += 12 * vlen
            elif kind == KIND_FUNC_PROTO:
                params = []
                for _ in range(vlen):
                    p_name, p_type = struct.unpack_from("<2I", blob, pos)
                    pos += 8
                    params.append(p_type)
                t["members"] = params
            elif kind not in (KIND_PTR, KIND_FWD, KIND_TYPEDEF, KIND_VOLATILE, KIND_CONST, KIND_RESTRICT,
                              KIND_FUNC, KIND_FLOAT, KIND_TYPE_TAG):
                raise LayoutError(f"unknown BTF kind {kind}")
            self.types.append(t)
        self.by_name = {}
        for tid, t in enumerate(self.types[1:], 1):
            self.by_name.setdefault((t["kind"], t["name"]), tid)

    def string(self, off):
        end = self.strings.index(b"\0", off)
        return self.strings[off:end].decode()

    def struct_id(self, name):
        tid = self.by_name.get((KIND_STRUCT, name))
        if tid is None:
            raise LayoutError(f"struct {name} not in BTF")
        return tid

    def resolve(self, tid):
        """Skips typedefs and qualifiers."""
        while self.types[tid]["kind"] in (KIND_TYPEDEF, KIND_VOLATILE, KIND_CONST, KIND_RESTRICT,
                                          KIND_TYPE_TAG):
            tid = self.types[tid]["size_type"]
        return tid

    def size_of(self, tid):
        tid = self.resolve(tid)
        t = self.types[tid]
        if t["kind"] == KIND_PTR:
            return 8
        if t["kind"] == KIND_ARRAY:
            raise LayoutError("array members are not read")
        return t["size_type"]

    def find_member(self, tid, name, base_bits=0):
        """(bit offset, bit size or 0, type id) of member @name, looking into anonymous members."""
        for m_name, m_type, bit_off, bit_size in self.types[tid]["members"]:
            if m_name == name:
                return base_bits + bit_off, bit_size, m_type
            inner = self.resolve(m_type)
            if not m_name and self.types[inner]["kind"] in (KIND_STRUCT, KIND_UNION):
                found = self.find_member(inner, name, base_bits + bit_off)
                if found:
                    return found
        return None

    def type_name(self, tid):
        if tid == 0:
            return "void"
        t = self.types[tid]
        kind = t["kind"]
        if kind == KIND_PTR:
            return self.type_name(t["size_type"]) + " *"
        if kind == KIND_CONST:
            return "const " + self.type_name(t["size_type"])
        if kind in (KIND_VOLATILE, KIND_RESTRICT, KIND_TYPE_TAG):
            return self.type_name(t["size_type"])
        if kind == KIND_STRUCT:
            return "struct " + t["name"]
        if kind == KIND_UNION:
            return "union " + t["name"]
        if kind == KIND_FWD:
            return "struct " + t["name"]
        return t["name"]

    def function(self, name):
        tid = self.by_name.get((KIND_FUNC, name))
        if tid is None:
            return None
        proto = self.types[self.types[tid]["size_type"]]
        return self.type_name(proto["size_type"]), [self.type_name(p) for p in proto["members"]]


def elf_section(data, wanted):
    if data[:4] != b"\x7fELF" or data[4] != 2 or data[5] != 1:
        raise LayoutError("not a little-endian ELF64 file")
    shoff, = struct.unpack_from("<Q", data, 0x28)
    shentsize, shnum, shstrndx = struct.unpack_from("<3H", data, 0x3A)
    def header(i):
        return struct.unpack_from("<IIQQQQ", data, shoff + i * shentsize)
    strtab = header(shstrndx)
    names = data[strtab[4]:strtab[4] + strtab[5]]
    for i in range(shnum):
        name_off, _, _, _, off, size = header(i)
        if names[name_off:names.index(b"\0", name_off)].decode() == wanted:
            return data[off:off + size]
    raise LayoutError(f"no {wanted} section")


def decompress_kernel(image):
    """The ELF vmlinux inside a bzImage, found by trying each compressed stream's magic."""
    for magic, how in ((b"\xfd7zXZ\x00", "xz"), (b"\x28\xb5\x2f\xfd", "zstd"), (b"\x1f\x8b\x08", "gzip"),
                       (b"BZh", "bzip2"), (b"\x5d\x00\x00", "lzma")):
        start = image.find(magic)
        while start >= 0:
            try:
                out = unpack(image[start:], how)
            except (LayoutError, lzma.LZMAError, zlib.error, OSError, EOFError, ValueError):
                out = None
            if out and out[:4] == b"\x7fELF":
                return out
            start = image.find(magic, start + 1)
    raise LayoutError("no ELF kernel found inside the image")


def unpack(stream, how):
    if how == "xz":
        return lzma.LZMADecompressor(format=lzma.FORMAT_XZ).decompress(stream)
    if how == "lzma":
        return lzma.LZMADecompressor(format=lzma.FORMAT_ALONE).decompress(stream)
    if how == "gzip":
        return gzip.GzipFile(fileobj=io.BytesIO(stream)).read()
    if how == "bzip2":
        return bz2.BZ2Decompressor().decompress(stream)
    if not shutil.which("zstd"):
        raise LayoutError("zstd-compressed kernel and no zstd program")
    return subprocess.run(["zstd", "-dc"], input=stream, capture_output=True, check=False).stdout


def load_btf(release, kdir):
    tried = []
    candidates = []
    if os.environ.get("MPWIFI_BTF"):
        candidates.append(os.environ["MPWIFI_BTF"])
    try:
        with open("/proc/sys/kernel/osrelease") as f:
            if f.read().strip() == release:
                candidates.append("/sys/kernel/btf/vmlinux")
    except OSError:
        pass
    candidates.append(f"/boot/vmlinuz-{release}")
    if kdir:
        candidates.append(os.path.join(kdir, "vmlinux"))
    for path in candidates:
        try:
            with open(path, "rb") as f:
                data = f.read()
            if data[:2] == b"\x9f\xeb":
                return Btf(data), path
            if data[:4] != b"\x7fELF":
                data = decompress_kernel(data)
            return Btf(elf_section(data, ".BTF")), path
        except (OSError, LayoutError) as e:
            tried.append(f"{path}: {e}")
    raise LayoutError("no BTF for " + release + " (" + "; ".join(tried) + ")")


def generate(btf):
    """The definitions, and MPW_LAYOUT_FIELDS(F, B, S) listing each one: the module checks every entry of
    that list against the running kernel's BTF at load (kernel/layout_btf.c), so nothing defined here
    goes unchecked."""
    lines, checks = [], []
    for stem, sname, member, *optional in FIELDS:
        sid = btf.struct_id(sname)
        found = btf.find_member(sid, member)
        if optional:
            lines.append(f"#define MPW_HAS_{stem}\t{int(bool(found))}")
            if not found:
                continue
        if not found:
            raise LayoutError(f"{sname}.{member} not found")
        bit_off, bit_size, mtype = found
        if bit_size or bit_off % 8:
            raise LayoutError(f"{sname}.{member} is a bit field")
        # overridable for tests only (make module KCFLAGS=-DMPW_OFF_...=N): the load check must refuse it
        lines.append(f"#ifndef MPW_OFF_{stem}\n#define MPW_OFF_{stem}\t{bit_off // 8}\n#endif")
        lines.append(f"#define MPW_SIZE_{stem}\t{btf.size_of(mtype)}")
        checks.append(f'F({stem}, "{sname}", "{member}")')
    for stem, sname, member in BITS:
        found = btf.find_member(btf.struct_id(sname), member)
        if not found:
            raise LayoutError(f"{sname}.{member} not found")
        bit_off, bit_size, mtype = found
        # a bool (one byte holding 0 or 1) reads as the lowest bit of its byte: 6.12 made some flags bools
        is_bool = not bit_size and bit_off % 8 == 0 and btf.type_name(btf.resolve(mtype)) == "_Bool"
        if bit_size != 1 and not is_bool:
            raise LayoutError(f"{sname}.{member} is neither a one-bit field nor a bool")
        lines.append(f"#define MPW_BIT_{stem}\t{bit_off}")
        checks.append(f'B({stem}, "{sname}", "{member}")')
    for sname in SIZES:
        lines.append(f"#define MPW_SIZEOF_{sname.upper()}\t{btf.types[btf.struct_id(sname)]['size_type']}")
        checks.append(f'S({sname.upper()}, "{sname}")')
    for _, fname, ret, params in FUNCS:
        sig = btf.function(fname)
        if sig is None:
            raise LayoutError(f"function {fname} not in BTF (inlined?)")
        if sig[0] != ret or sig[1] != params:
            raise LayoutError(f"{fname} is {sig[0]} ({', '.join(sig[1])}), expected {ret} ({', '.join(params)})")
    lines.append("#define MPW_LAYOUT_FIELDS(F, B, S) \\\n\t" + " \\\n\t".join(checks))
    return lines


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--release", required=True)
    ap.add_argument("--kdir", default="")
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    head = ["/* SPDX-License-Identifier: GPL-2.0 */",
            "/* Generated by kernel/btf_layout.py at build time; do not edit. */",
            "#ifndef _MPWIFI_MPTCP_LAYOUT_H", "#define _MPWIFI_MPTCP_LAYOUT_H"]
    try:
        btf, source = load_btf(args.release, args.kdir)
        body = [f'#define MPW_LAYOUT_SOURCE\t"{source}"', "#define MPW_LAYOUT_OK\t1"] + generate(btf)
    except LayoutError as e:
        reason = str(e).replace("\\", "/").replace('"', "'")[:200]
        print(f"btf_layout: {reason}: the trusted scheduler will be unavailable", file=sys.stderr)
        body = ["#define MPW_LAYOUT_OK\t0", f'#define MPW_LAYOUT_ERROR\t"{reason}"']
    syms = [f'#define MPW_SYM_{stem}\t"{fname}"' for stem, fname, _, _ in FUNCS]
    text = "\n".join(head + [f'#define MPW_LAYOUT_RELEASE\t"{args.release}"'] + syms + body + ["#endif", ""])
    try:
        with open(args.out) as f:
            if f.read() == text:
                return 0
    except OSError:
        pass
    with open(args.out, "w") as f:
        f.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
