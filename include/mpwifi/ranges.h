/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The trusted byte ranges of one MPTCP data stream (sequence numbers of the
 * data stream, 64 bits, compared modulo 2^64), shared by the module and its
 * unit tests.  No locking and no allocation here: the caller serialises
 * access and provides the storage (see kernel/trusted.c).
 *
 * A range is added when a send(MPTCP_TRUSTED) returns; while such calls
 * are in progress every byte from @open_start on counts as trusted, since
 * their data may be pushed before they return.  Ranges stay exact until they
 * are acknowledged: merging two would make untrusted bytes between them,
 * possibly already queued on an untrusted subflow, look trusted.  When no
 * slot is left the caller refuses the send instead (see kernel/trusted_send.c).
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

/* What mpw_ranges_add() did. */
enum mpw_ranges_add_result {
	MPW_RANGES_ADDED,	/* recorded, at or after the last range */
	MPW_RANGES_REORDERED,	/* recorded, but before the last range's end */
	MPW_RANGES_FULL,	/* a new slot was needed and none is free: nothing changed */
};

/*
 * Records [start, end).  Ranges arrive in stream order, so the new one
 * normally extends the last range or follows it; one that does not is
 * still recorded exactly where it belongs (merged with every range it
 * overlaps or touches), never dropped: a range that fails to be recorded
 * would let trusted bytes be scheduled as untrusted ones.  A caller that
 * keeps one slot free (mpw_ranges_free() >= 1) is never refused.
 */
static inline enum mpw_ranges_add_result mpw_ranges_add(struct mpw_ranges *rs, u64 start, u64 end)
{
	struct mpw_range *last = rs->n ? &rs->r[rs->n - 1] : 0;
	unsigned int lo, hi;

	if (!mpw_seq_before(start, end))
		return MPW_RANGES_ADDED;
	if (!last || mpw_seq_before(last->end, start)) {
		if (rs->n == rs->cap)
			return MPW_RANGES_FULL;
		rs->r[rs->n].start = start;
		rs->r[rs->n].end = end;
		rs->n++;
		return MPW_RANGES_ADDED;
	}
	if (!mpw_seq_before(start, last->start)) {
		/* touches or overlaps the last range only */
		if (mpw_seq_before(last->end, end))
			last->end = end;
		return MPW_RANGES_ADDED;
	}
	/* [lo, hi): the ranges that overlap or touch [start, end) */
	lo = mpw_ranges_after(rs, start - 1);
	for (hi = lo; hi < rs->n && !mpw_seq_before(end, rs->r[hi].start); hi++)
		;
	if (lo == hi) {
		if (rs->n == rs->cap)
			return MPW_RANGES_FULL;
		memmove(rs->r + lo + 1, rs->r + lo, (rs->n - lo) * sizeof(*rs->r));
		rs->r[lo].start = start;
		rs->r[lo].end = end;
		rs->n++;
		return MPW_RANGES_REORDERED;
	}
	if (mpw_seq_before(rs->r[lo].start, start))
		start = rs->r[lo].start;
	if (mpw_seq_before(end, rs->r[hi - 1].end))
		end = rs->r[hi - 1].end;
	rs->r[lo].start = start;
	rs->r[lo].end = end;
	memmove(rs->r + lo + 1, rs->r + hi, (rs->n - hi) * sizeof(*rs->r));
	rs->n -= hi - lo - 1;
	return MPW_RANGES_REORDERED;
}

/* Free slots. */
static inline unsigned int mpw_ranges_free(const struct mpw_ranges *rs)
{
	return rs->cap - rs->n;
}

/*
 * A new sequence space (the socket connected again): the recorded ranges
 * belong to the old one, and compared with the new one they would mean
 * nothing.  Calls still open keep their state.
 */
static inline void mpw_ranges_new_epoch(struct mpw_ranges *rs)
{
	rs->n = 0;
}

/* A trusted send call begins; @write_seq: where its data will go. */
static inline void mpw_ranges_open(struct mpw_ranges *rs, u64 write_seq)
{
	if (!rs->open++)
		rs->open_start = write_seq;
}

/*
 * A trusted send call returned.  Returns true when it was the last one open:
 * the caller then adds [open_start, the stream's write_seq now).
 */
static inline bool mpw_ranges_close(struct mpw_ranges *rs)
{
	return rs->open && !--rs->open;
}

#endif /* _MPWIFI_RANGES_H */
