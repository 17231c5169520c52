/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The trusted byte ranges of one MPTCP data stream (sequence numbers of the
 * data stream, 64 bits, compared modulo 2^64), shared by the module and its
 * unit tests.  No locking and no allocation here: the caller serialises
 * access and provides the storage (see kernel/trusted.c).
 *
 * A range is appended when a send(MPTCP_TRUSTED) returns; while such calls
 * are in progress every byte from @open_start on counts as trusted, since
 * their data may be pushed before they return.  Ranges stay exact until they
 * are acknowledged: merging two would make untrusted bytes between them,
 * possibly already queued on an untrusted subflow, look trusted.
 */
#ifndef _MPWIFI_RANGES_H
#define _MPWIFI_RANGES_H

#include <mpwifi/types.h>

struct mpw_range {
	u64 start, end;			/* [start, end) */
};

struct mpw_ranges {
	struct mpw_range *r;		/* sorted, disjoint, not adjacent */
	unsigned int n, cap;
	unsigned int open;		/* trusted send calls in progress */
	u64 open_start;			/* trusted from here on while open */
};

/* a before b in data sequence space */
static inline bool mpw_seq_before(u64 a, u64 b)
{
	return (s64)(a - b) < 0;
}

/* Index of the first range ending after @seq (n if none): binary search. */
static inline unsigned int mpw_ranges_after(const struct mpw_ranges *rs, u64 seq)
{
	unsigned int lo = 0, hi = rs->n;

	while (lo < hi) {
		unsigned int mid = lo + (hi - lo) / 2;

		if (mpw_seq_before(seq, rs->r[mid].end))
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo;
}

/* Whether [start, end) holds a trusted byte. */
static inline bool mpw_ranges_overlap(const struct mpw_ranges *rs, u64 start, u64 end)
{
	unsigned int i;

	if (!mpw_seq_before(start, end))
		return false;
	if (rs->open && mpw_seq_before(rs->open_start, end))
		return true;
	i = mpw_ranges_after(rs, start);
	return i < rs->n && mpw_seq_before(rs->r[i].start, end);
}

/*
 * Whether byte @start is trusted; *run_end: where the run of bytes of the
 * same kind that begins at @start ends, at most @end.
 */
static inline bool mpw_ranges_run(const struct mpw_ranges *rs, u64 start, u64 end, u64 *run_end)
{
	unsigned int i = mpw_ranges_after(rs, start);
	bool trusted = i < rs->n && !mpw_seq_before(start, rs->r[i].start);

	*run_end = end;
	if (rs->open && !mpw_seq_before(start, rs->open_start))
		return true;			/* trusted to the end */
	if (trusted) {
		if (mpw_seq_before(rs->r[i].end, end))
			*run_end = rs->r[i].end;
		return true;
	}
	if (i < rs->n && mpw_seq_before(rs->r[i].start, *run_end))
		*run_end = rs->r[i].start;
	if (rs->open && mpw_seq_before(rs->open_start, *run_end))
		*run_end = rs->open_start;
	return false;
}

/* Forgets ranges wholly below @snd_una: acknowledged data is never sent again. */
static inline void mpw_ranges_prune(struct mpw_ranges *rs, u64 snd_una)
{
	unsigned int acked = mpw_ranges_after(rs, snd_una);

	if (acked) {
		memmove(rs->r, rs->r + acked, (rs->n - acked) * sizeof(*rs->r));
		rs->n -= acked;
	}
}

/*
 * Appends [start, end), at or after the last range (ranges arrive in stream
 * order); extends the last one when they touch.  Returns false, changing
 * nothing, when a new slot is needed and none is free: the caller grows the
 * storage and appends again, or calls mpw_ranges_append_over_gap().
 */
static inline bool mpw_ranges_append(struct mpw_ranges *rs, u64 start, u64 end)
{
	struct mpw_range *last = rs->n ? &rs->r[rs->n - 1] : 0;

	if (!mpw_seq_before(start, end))
		return true;
	if (last && !mpw_seq_before(last->end, start)) {
		if (mpw_seq_before(last->end, end))
			last->end = end;
		return true;
	}
	if (rs->n == rs->cap)
		return false;
	rs->r[rs->n].start = start;
	rs->r[rs->n].end = end;
	rs->n++;
	return true;
}

/*
 * Appends [start, end) without a new slot: the last range grows over the gap
 * before it, the stream's newest bytes, the likeliest to be still unsent.
 */
static inline void mpw_ranges_append_over_gap(struct mpw_ranges *rs, u64 start, u64 end)
{
	if (!mpw_ranges_append(rs, start, end) && rs->n)
		rs->r[rs->n - 1].end = end;
}

/* A trusted send call begins; @write_seq: where its data will go. */
static inline void mpw_ranges_open(struct mpw_ranges *rs, u64 write_seq)
{
	if (!rs->open++)
		rs->open_start = write_seq;
}

/*
 * A trusted send call returned.  Returns true when it was the last one open:
 * the caller then appends [open_start, the stream's write_seq now).
 */
static inline bool mpw_ranges_close(struct mpw_ranges *rs)
{
	return rs->open && !--rs->open;
}

#endif /* _MPWIFI_RANGES_H */
