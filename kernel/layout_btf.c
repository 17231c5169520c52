// SPDX-License-Identifier: GPL-2.0
/*
 * The load-time layout check against the running kernel's own BTF: every
 * offset, bit and size btf_layout.py generated at build time (each one is in
 * MPW_LAYOUT_FIELDS, emitted with its definition) is looked up again in
 * /sys/kernel/btf/vmlinux and must match.  These private structures are in
 * no exported prototype, so modversions cannot see them change; a kernel
 * rebuilt under the same release string with another layout is refused here,
 * whatever the module reads or writes.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/btf.h>
#include <linux/kernel.h>
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/vmalloc.h>

#include "compat_mptcp.h"
#include "trusted.h"

#if MPW_LAYOUT_OK

#define MPW_KERNEL_BTF		"/sys/kernel/btf/vmlinux"
#define MPW_BTF_MAX_BYTES	(64 << 20)
#define MPW_BTF_MAX_DEPTH	4	/* anonymous members inside anonymous members */

struct mpw_layout_field {
	const char *strct;
	const char *member;	/* NULL: the size of the structure */
	u32 bit_off;		/* of the member */
	u32 size;		/* bytes of the member or structure; 0: a flag (one bit or a bool) */
};

#define MPW_FIELD(stem, s, m)	{ s, m, (MPW_OFF_##stem) * 8, MPW_SIZE_##stem },
#define MPW_FLAG(stem, s, m)	{ s, m, MPW_BIT_##stem, 0 },
#define MPW_STRUCT(stem, s)	{ s, NULL, 0, MPW_SIZEOF_##stem },

static const struct mpw_layout_field mpw_layout_fields[] = {
	MPW_LAYOUT_FIELDS(MPW_FIELD, MPW_FLAG, MPW_STRUCT)
};

struct mpw_btf {
	const u8 *types, *strings;
	u32 types_len, strings_len;
	const struct btf_type **by_id;	/* by_id[0] is void */
	u32 n;
};

static const char *mpw_btf_name(const struct mpw_btf *b, u32 off)
{
	if (off >= b->strings_len || !memchr(b->strings + off, 0, b->strings_len - off))
		return "";
	return (const char *)b->strings + off;
}

/* Bytes of data after the btf_type header of @t; -1 for a kind this reader does not know. */
static int mpw_btf_extra(const struct btf_type *t)
{
	u16 vlen = BTF_INFO_VLEN(t->info);

	switch (BTF_INFO_KIND(t->info)) {
	case BTF_KIND_INT:
	case BTF_KIND_VAR:
	case BTF_KIND_DECL_TAG:
		return 4;
	case BTF_KIND_ARRAY:
		return sizeof(struct btf_array);
	case BTF_KIND_STRUCT:
	case BTF_KIND_UNION:
		return vlen * sizeof(struct btf_member);
	case BTF_KIND_ENUM:
		return vlen * sizeof(struct btf_enum);
	case BTF_KIND_FUNC_PROTO:
		return vlen * sizeof(struct btf_param);
	case BTF_KIND_DATASEC:
		return vlen * sizeof(struct btf_var_secinfo);
	case BTF_KIND_ENUM64:
		return vlen * 12;	/* struct btf_enum64 */
	case BTF_KIND_PTR:
	case BTF_KIND_FWD:
	case BTF_KIND_TYPEDEF:
	case BTF_KIND_VOLATILE:
	case BTF_KIND_CONST:
	case BTF_KIND_RESTRICT:
	case BTF_KIND_FUNC:
	case BTF_KIND_FLOAT:
	case BTF_KIND_TYPE_TAG:
		return 0;
	default:
		return -1;
	}
}

/* Index the type section of @blob into @b: by_id[i] is type i. */
static const char *mpw_btf_index(struct mpw_btf *b, const u8 *blob, size_t len)
{
	const struct btf_header *h = (const void *)blob;
	u32 pos, id, pass;

	if (len < sizeof(*h) || h->magic != BTF_MAGIC || h->hdr_len > len ||
	    (u64)h->hdr_len + h->type_off + h->type_len > len ||
	    (u64)h->hdr_len + h->str_off + h->str_len > len)
		return "the kernel's BTF is malformed";
	b->types = blob + h->hdr_len + h->type_off;
	b->types_len = h->type_len;
	b->strings = blob + h->hdr_len + h->str_off;
	b->strings_len = h->str_len;
	/* twice: count the types, then note where each one is */
	for (pass = 0; pass < 2; pass++) {
		for (pos = 0, id = 1; pos + sizeof(struct btf_type) <= b->types_len; id++) {
			const struct btf_type *t = (const void *)(b->types + pos);
			int extra = mpw_btf_extra(t);

			if (extra < 0)
				return "the kernel's BTF has a kind this module does not know";
			if (pass)
				b->by_id[id] = t;
			pos += sizeof(*t) + extra;
		}
		if (pos != b->types_len)
			return "the kernel's BTF is malformed";
		if (!pass) {
			b->n = id;
			b->by_id = kvcalloc(b->n, sizeof(*b->by_id), GFP_KERNEL);
			if (!b->by_id)
				return "no memory to read the kernel's BTF";
		}
	}
	return NULL;
}

static const struct btf_type *mpw_btf_type(const struct mpw_btf *b, u32 id)
{
	return id && id < b->n ? b->by_id[id] : NULL;
}

/* Skips typedefs and qualifiers. */
static const struct btf_type *mpw_btf_resolve(const struct mpw_btf *b, u32 id)
{
	const struct btf_type *t = mpw_btf_type(b, id);
	int hops;

	for (hops = 0; t && hops < 32; hops++) {
		switch (BTF_INFO_KIND(t->info)) {
		case BTF_KIND_TYPEDEF:
		case BTF_KIND_VOLATILE:
		case BTF_KIND_CONST:
		case BTF_KIND_RESTRICT:
		case BTF_KIND_TYPE_TAG:
			t = mpw_btf_type(b, t->type);
			break;
		default:
			return t;
		}
	}
	return NULL;
}

/* Bytes of type @id: pointers, integers, enums, structures; 0 if not one of those. */
static u32 mpw_btf_size(const struct mpw_btf *b, u32 id)
{
	const struct btf_type *t = mpw_btf_resolve(b, id);

	if (!t)
		return 0;
	switch (BTF_INFO_KIND(t->info)) {
	case BTF_KIND_PTR:
		return sizeof(void *);
	case BTF_KIND_INT:
	case BTF_KIND_ENUM:
	case BTF_KIND_ENUM64:
	case BTF_KIND_STRUCT:
	case BTF_KIND_UNION:
		return t->size;
	default:
		return 0;
	}
}

static const struct btf_type *mpw_btf_struct(const struct mpw_btf *b, const char *name)
{
	u32 id;

	for (id = 1; id < b->n; id++) {
		const struct btf_type *t = b->by_id[id];

		if (BTF_INFO_KIND(t->info) == BTF_KIND_STRUCT && !strcmp(mpw_btf_name(b, t->name_off), name))
			return t;
	}
	return NULL;
}

/* Member @name of @t, looking into anonymous members: its bit offset, bit size (0: not a bit field), type. */
static bool mpw_btf_member(const struct mpw_btf *b, const struct btf_type *t, const char *name,
			   u32 base, int depth, u32 *bit_off, u32 *bit_size, u32 *type)
{
	const struct btf_member *m = (const void *)(t + 1);
	bool kflag = BTF_INFO_KFLAG(t->info);
	u16 i;

	for (i = 0; i < BTF_INFO_VLEN(t->info); i++, m++) {
		u32 off = base + (kflag ? BTF_MEMBER_BIT_OFFSET(m->offset) : m->offset);
		const struct btf_type *inner;

		if (!strcmp(mpw_btf_name(b, m->name_off), name)) {
			*bit_off = off;
			*bit_size = kflag ? BTF_MEMBER_BITFIELD_SIZE(m->offset) : 0;
			*type = m->type;
			return true;
		}
		if (m->name_off || depth >= MPW_BTF_MAX_DEPTH)
			continue;
		inner = mpw_btf_resolve(b, m->type);
		if (inner && (BTF_INFO_KIND(inner->info) == BTF_KIND_STRUCT ||
			      BTF_INFO_KIND(inner->info) == BTF_KIND_UNION) &&
		    mpw_btf_member(b, inner, name, off, depth + 1, bit_off, bit_size, type))
			return true;
	}
	return false;
}

/* NULL when @f is what the running kernel has, else why not (in @buf). */
static const char *mpw_btf_check_field(const struct mpw_btf *b, const struct mpw_layout_field *f,
				       char *buf, size_t len)
{
	const struct btf_type *t = mpw_btf_struct(b, f->strct);
	u32 bit_off, bit_size, type;

	if (!t) {
		snprintf(buf, len, "struct %s is not in the running kernel", f->strct);
		return buf;
	}
	if (!f->member) {
		if (t->size == f->size)
			return NULL;
		snprintf(buf, len, "struct %s is %u bytes, the build assumed %u", f->strct, t->size, f->size);
		return buf;
	}
	if (!mpw_btf_member(b, t, f->member, 0, 0, &bit_off, &bit_size, &type)) {
		snprintf(buf, len, "%s.%s is not in the running kernel", f->strct, f->member);
		return buf;
	}
	if (bit_off != f->bit_off) {
		snprintf(buf, len, "%s.%s is at bit %u, the build assumed %u", f->strct, f->member,
			 bit_off, f->bit_off);
		return buf;
	}
	if (f->size ? bit_size || mpw_btf_size(b, type) != f->size :
		      bit_size != 1 && !(bit_size == 0 && mpw_btf_size(b, type) == 1)) {
		snprintf(buf, len, "%s.%s changed its size or kind", f->strct, f->member);
		return buf;
	}
	return NULL;
}

/*
 * The running kernel's BTF, vmalloc'ed: a plain read, not kernel_read_file(),
 * whose LSM hook has no id for this (6.12's IPE warns on READING_UNKNOWN).
 */
static ssize_t mpw_btf_read(void **blob)
{
	struct file *file = filp_open(MPW_KERNEL_BTF, O_RDONLY, 0);
	loff_t size, pos = 0;
	ssize_t got;

	if (IS_ERR(file))
		return PTR_ERR(file);
	size = i_size_read(file_inode(file));
	got = -EFBIG;
	if (size <= 0 || size > MPW_BTF_MAX_BYTES)
		goto out;
	got = -ENOMEM;
	*blob = vmalloc(size);
	if (!*blob)
		goto out;
	/* sysfs hands a binary attribute out a page or so at a time */
	do {
		got = kernel_read(file, (char *)*blob + pos, size - pos, &pos);
	} while (got > 0 && pos < size);
	if (got >= 0)
		got = pos == size ? size : -EIO;
out:
	fput(file);
	return got;
}

/* NULL when every generated offset, bit and size holds in the running kernel, else why not. */
const char *mpw_layout_check_btf(void)
{
	static char reason[128];
	struct mpw_btf b = {};
	const char *why = NULL;
	void *blob = NULL;
	ssize_t len;
	size_t i;

	len = mpw_btf_read(&blob);
	if (len < 0) {
		vfree(blob);
		snprintf(reason, sizeof(reason), "cannot read %s (%zd) to check the layout", MPW_KERNEL_BTF, len);
		return reason;
	}
	why = mpw_btf_index(&b, blob, len);
	for (i = 0; !why && i < ARRAY_SIZE(mpw_layout_fields); i++)
		why = mpw_btf_check_field(&b, &mpw_layout_fields[i], reason, sizeof(reason));
	kvfree(b.by_id);
	vfree(blob);
	return why;
}

#endif /* MPW_LAYOUT_OK */
