/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Per-AP accounting of received data frames (TRILOGY2 D3.2 eq. 2.2 inputs):
 * N0 frames with the retry bit clear, N1 with it set, Nlost sequence numbers
 * the AP gave up on, and the airtime-weighted rx rate, over a sliding window.
 *
 * The seed keeps a FIFO of every frame in the window (10 B each, 10-200 KB
 * per channel).  Here the window is a ring of MPW_WIN_BUCKETS time buckets:
 * memory is fixed whatever the frame rate, and the window read at time t
 * covers the buckets of the last window_ns, i.e. between window_ns - slot
 * and window_ns of history (the exact interval is reported).
 *
 * Sequence accounting, per QoS TID (each TID of each receiver has its own
 * 12-bit space, IEEE 802.11-2020 10.3.2.14):
 *   - the first frame of a space starts it without a gap;
 *   - a frame d numbers ahead of the highest seen marks the d - 1 numbers
 *     between as lost; a jump beyond MPW_SEQ_MAX_GAP is taken as a restart
 *     of the space (reassociation, a reset AP), not as loss;
 *   - a frame behind the highest is never a gap: a duplicate when its number
 *     was received, else a late frame that takes its number back out of
 *     Nlost (the last MPW_SEQ_TRACK numbers are remembered);
 *   - non-QoS data shares the transmitter's counter with management frames
 *     and other receivers, so it counts in N0/N1 but never for gaps.
 * Fragments after the first of an MSDU share its number and are not
 * sequence-accounted.
 *
 * Airtime: each rated frame adds the time it held the channel (PPDU, SIFS
 * and ACK, airtime.h mpw_rx_air_ns) to its bucket: the AP's use of the air
 * for us.  struct mpw_air_window sums the same for every frame a radio hears
 * (the channel's busy time), on buckets of the same length.
 */
#ifndef _MPWIFI_RXSTATS_H
#define _MPWIFI_RXSTATS_H

#include "airtime.h"

#define MPW_NUM_TIDS		16
#define MPW_TID_NONQOS		MPW_NUM_TIDS	/* frame without a QoS TID */
#define MPW_SEQ_MODULO		4096U
#define MPW_SEQ_TRACK		64U	/* numbers remembered behind the highest */
#define MPW_SEQ_MAX_GAP		256U	/* a larger jump restarts the space */
#define MPW_WIN_BUCKETS		16U

struct mpw_seq_space {
	u64 seen;		/* bit i: number (highest - i) was received; 0: not started */
	u32 lost_epoch;		/* bucket epoch of the latest gap */
	u16 highest;
	u16 gap_start;		/* first number of the latest gap */
};

/* mpw_seq_account() results below zero: a late frame filled a number counted lost */
#define MPW_SEQ_FILL_LATEST	(-1)	/* ... of the latest gap */
#define MPW_SEQ_FILL_OLDER	(-2)	/* ... of an earlier gap */

/*
 * One slot of the window.  Its counts are u16, saturating, so that a bucket
 * is 32 bytes and the per-AP object stays within 1 KiB: 65535 frames in one
 * 31 ms slot would be 2 M frames/s, beyond any AP.
 */
struct mpw_bucket {
	u32 epoch;		/* now_ns / slot_ns of the time it counts */
	u32 air_ns;		/* airtime of the rated frames (saturating) */
	u16 first_try;
	u16 retried;
	u16 lost;
	u16 rated;		/* frames with a known rate; the two sums stop with it */
	/* ECN steering, in segments */
	u16 ect;		/* ECT packets of MPTCP subflows */
	u16 marked;		/* ... of which mpwifi set CE */
	u64 inv_rate_sum;	/* sum of 2^32 / rate_kbps over rated frames */
};

struct mpw_rx_stats {
	struct mpw_bucket bucket[MPW_WIN_BUCKETS];
	struct mpw_seq_space seq[MPW_NUM_TIDS];
	u64 first_try;		/* cumulative since tracking began */
	u64 retried;
	u64 lost;
	u64 since_ns;		/* tracking began */
	u64 last_rx_ns;
	u32 slot_ns;		/* window_ns / MPW_WIN_BUCKETS */
	struct mpw_rate last_rate;	/* PHY of the latest rated frame */
};

/* One received data frame, as the rx observer parsed it. */
struct mpw_frame {
	u64 now_ns;
	u32 rate_kbps;		/* 0: unknown */
	u16 seq;		/* 12-bit sequence number */
	u8 tid;			/* 0..15, or MPW_TID_NONQOS */
	u8 retry;
	u8 first_fragment;	/* fragment number 0 */
	u32 psdu_bytes;		/* as on air, FCS included; 0: unknown */
	struct mpw_rate rate;
};

/* What the window holds at a given time. */
struct mpw_window {
	u64 start_ns;
	u64 end_ns;
	u32 first_try;
	u32 retried;
	u32 lost;
	u32 rated;
	u32 ect;
	u32 marked;
	u64 air_ns;
	u64 inv_rate_sum;
};

/* Per radio: airtime of every frame it hears, in buckets like mpw_rx_stats'. */
struct mpw_air_window {
	u32 epoch[MPW_WIN_BUCKETS];
	u32 air_ns[MPW_WIN_BUCKETS];	/* saturating */
	u64 since_ns;
	u32 slot_ns;
};

/*
 * (Re)start the window with buckets of window_ms / MPW_WIN_BUCKETS; the
 * buckets are marked as belonging to the window before now_ns, so none is
 * mistaken for a newer one.
 */
static inline void mpw_rx_stats_set_window(struct mpw_rx_stats *s, u32 window_ms, u64 now_ns)
{
	u32 now_epoch, i;

	memset(s->bucket, 0, sizeof(s->bucket));
	s->slot_ns = window_ms * (MPW_NSEC_PER_MSEC / MPW_WIN_BUCKETS);
	s->since_ns = now_ns;
	now_epoch = (u32)div_u64(now_ns, s->slot_ns);
	for (i = 0; i < MPW_WIN_BUCKETS; i++)
		s->bucket[i].epoch = now_epoch - MPW_WIN_BUCKETS;
}

static inline void mpw_rx_stats_init(struct mpw_rx_stats *s, u32 window_ms, u64 now_ns)
{
	memset(s, 0, sizeof(*s));
	mpw_rx_stats_set_window(s, window_ms, now_ns);
}

static inline void mpw_air_window_init(struct mpw_air_window *w, u32 window_ms, u64 now_ns)
{
	u32 now_epoch, i;

	memset(w, 0, sizeof(*w));
	w->slot_ns = window_ms * (MPW_NSEC_PER_MSEC / MPW_WIN_BUCKETS);
	w->since_ns = now_ns;
	now_epoch = (u32)div_u64(now_ns, w->slot_ns);
	for (i = 0; i < MPW_WIN_BUCKETS; i++)
		w->epoch[i] = now_epoch - MPW_WIN_BUCKETS;
}

/* Forget sequence state (e.g. the station reassociated); counts stay. */
static inline void mpw_rx_stats_reset_seq(struct mpw_rx_stats *s)
{
	memset(s->seq, 0, sizeof(s->seq));
}

/*
 * Account sequence number @sn in @sp.  Returns the gap before @sn (> 0),
 * MPW_SEQ_FILL_* for a late frame filling a number counted lost, else 0.
 */
static inline int mpw_seq_account(struct mpw_seq_space *sp, u16 sn)
{
	u32 ahead = (sn - sp->highest) & (MPW_SEQ_MODULO - 1);
	u32 behind = MPW_SEQ_MODULO - ahead;

	if (!sp->seen || (ahead > MPW_SEQ_MAX_GAP && ahead < MPW_SEQ_MODULO / 2)) {
		/* numbers before a (re)start count as received: never lost, never refilled */
		sp->highest = sn;
		sp->gap_start = sn;
		sp->seen = ~0ULL;
		return 0;
	}
	if (ahead == 0)
		return 0;
	if (ahead < MPW_SEQ_MODULO / 2) {
		if (ahead > 1)
			sp->gap_start = (sp->highest + 1) & (MPW_SEQ_MODULO - 1);
		sp->seen = ahead < MPW_SEQ_TRACK ? sp->seen << ahead : 0;
		sp->seen |= 1;
		sp->highest = sn;
		return (int)ahead - 1;
	}
	if (behind >= MPW_SEQ_TRACK || (sp->seen & (1ULL << behind)))
		return 0;	/* too old to judge, or a duplicate */
	sp->seen |= 1ULL << behind;
	return ((sn - sp->gap_start) & (MPW_SEQ_MODULO - 1)) <
	       ((sp->highest - sp->gap_start) & (MPW_SEQ_MODULO - 1)) ?
	       MPW_SEQ_FILL_LATEST : MPW_SEQ_FILL_OLDER;
}

/*
 * A frame can be timestamped a little before a frame another CPU already
 * accounted; one more than this many buckets older is impossible, so a
 * bucket that far "ahead" is really one left from before the 32-bit epoch
 * wrapped.
 */
#define MPW_EPOCH_STALE_MAX	(1U << 16)

/* The bucket counting @epoch, reset when its slot is reused; NULL if @epoch is already gone. */
static inline struct mpw_bucket *mpw_bucket_at(struct mpw_rx_stats *s, u32 epoch)
{
	struct mpw_bucket *b = &s->bucket[epoch % MPW_WIN_BUCKETS];

	if (b->epoch != epoch) {
		if (b->epoch - epoch <= MPW_EPOCH_STALE_MAX)
			return NULL;
		memset(b, 0, sizeof(*b));
		b->epoch = epoch;
	}
	return b;
}

/*
 * The bucket that counted the gap a late frame at @epoch fills: the latest
 * gap's bucket, or for an earlier gap the oldest bucket of the window that
 * still holds a loss counted before the latest gap.  NULL when that bucket
 * has left the window.  Bucket-exact for up to two outstanding gaps per TID;
 * remembering the bucket of every number would cost 512 bytes per AP.
 */
static inline struct mpw_bucket *mpw_gap_bucket(struct mpw_rx_stats *s,
						const struct mpw_seq_space *sp,
						int fill, u32 epoch)
{
	struct mpw_bucket *b, *oldest = NULL;
	u32 i;

	if (fill == MPW_SEQ_FILL_LATEST) {
		b = &s->bucket[sp->lost_epoch % MPW_WIN_BUCKETS];
		return b->epoch == sp->lost_epoch ? b : NULL;
	}
	for (i = 0; i < MPW_WIN_BUCKETS; i++) {
		b = &s->bucket[i];
		if (!b->lost || epoch - b->epoch >= MPW_WIN_BUCKETS ||
		    (s32)(sp->lost_epoch - b->epoch) <= 0)
			continue;
		if (!oldest || (s32)(oldest->epoch - b->epoch) > 0)
			oldest = b;
	}
	return oldest;
}

static inline u16 mpw_add_sat_u16(u16 a, u32 b)
{
	return b >= 0xffffU - a ? 0xffffU : (u16)(a + b);
}

static inline u32 mpw_add_sat_u32(u32 a, u32 b)
{
	return b >= 0xffffffffU - a ? 0xffffffffU : a + b;
}

/* Count @air_ns of airtime heard at @now_ns (see mpw_bucket_at for the epochs). */
static inline void mpw_air_account(struct mpw_air_window *w, u64 now_ns, u32 air_ns)
{
	u32 epoch = (u32)div_u64(now_ns, w->slot_ns);
	u32 i = epoch % MPW_WIN_BUCKETS;

	if (w->epoch[i] != epoch) {
		if (w->epoch[i] - epoch <= MPW_EPOCH_STALE_MAX)
			return;	/* already left the window */
		w->epoch[i] = epoch;
		w->air_ns[i] = 0;
	}
	w->air_ns[i] = mpw_add_sat_u32(w->air_ns[i], air_ns);
}

static inline void mpw_rx_account(struct mpw_rx_stats *s, const struct mpw_frame *f)
{
	u32 epoch = (u32)div_u64(f->now_ns, s->slot_ns);
	struct mpw_bucket *b = mpw_bucket_at(s, epoch);
	int lost_delta = 0;

	if (f->retry) {
		s->retried++;
		if (b)
			b->retried = mpw_add_sat_u16(b->retried, 1);
	} else {
		s->first_try++;
		if (b)
			b->first_try = mpw_add_sat_u16(b->first_try, 1);
	}
	if (f->rate_kbps) {
		s->last_rate = f->rate;
		if (b && b->rated < 0xffffU) {
			b->rated++;
			b->inv_rate_sum += div_u64(1ULL << 32, f->rate_kbps);
			/* data from the AP to us: acknowledged */
			b->air_ns = mpw_add_sat_u32(b->air_ns, mpw_rx_air_ns(&f->rate, f->rate_kbps,
									   f->psdu_bytes, true));
		}
	}
	if (f->now_ns > s->last_rx_ns)
		s->last_rx_ns = f->now_ns;

	if (f->tid < MPW_NUM_TIDS && f->first_fragment) {
		struct mpw_seq_space *sp = &s->seq[f->tid];

		lost_delta = mpw_seq_account(sp, f->seq);
		if (lost_delta > 0) {
			s->lost += lost_delta;
			sp->lost_epoch = epoch;
			if (b)
				b->lost = mpw_add_sat_u16(b->lost, lost_delta);
		} else if (lost_delta < 0) {
			struct mpw_bucket *gap = mpw_gap_bucket(s, sp, lost_delta, epoch);

			if (s->lost)
				s->lost--;
			if (gap && gap->lost)
				gap->lost--;
		}
	}
}

/* Count @ect ECT segments of MPTCP subflows, @marked of them set to CE by us, at @now_ns. */
static inline void mpw_rx_account_ecn(struct mpw_rx_stats *s, u64 now_ns, u32 ect, u32 marked)
{
	struct mpw_bucket *b = mpw_bucket_at(s, (u32)div_u64(now_ns, s->slot_ns));

	if (!b)
		return;
	b->ect = mpw_add_sat_u16(b->ect, ect);
	b->marked = mpw_add_sat_u16(b->marked, marked);
}

/* Start of the window of buckets of @slot_ns ending at @now_ns, tracked since @since_ns. */
static inline u64 mpw_window_start_ns(u32 slot_ns, u64 since_ns, u64 now_ns)
{
	u64 now_epoch = div_u64(now_ns, slot_ns);	/* 64 bits: the start must not wrap */

	if (now_epoch >= MPW_WIN_BUCKETS - 1 && (now_epoch - (MPW_WIN_BUCKETS - 1)) * slot_ns > since_ns)
		return (now_epoch - (MPW_WIN_BUCKETS - 1)) * slot_ns;
	return since_ns;
}

/* Sum the buckets of the window ending at @now_ns. */
static inline void mpw_rx_window(const struct mpw_rx_stats *s, u64 now_ns, struct mpw_window *w)
{
	u64 now_epoch = div_u64(now_ns, s->slot_ns);
	u32 i;

	memset(w, 0, sizeof(*w));
	w->end_ns = now_ns;
	w->start_ns = mpw_window_start_ns(s->slot_ns, s->since_ns, now_ns);
	for (i = 0; i < MPW_WIN_BUCKETS; i++) {
		const struct mpw_bucket *b = &s->bucket[i];

		if ((u32)now_epoch - b->epoch >= MPW_WIN_BUCKETS)
			continue;	/* older than the window, or not yet used */
		w->first_try += b->first_try;
		w->retried += b->retried;
		w->lost += b->lost;
		w->rated += b->rated;
		w->ect += b->ect;
		w->marked += b->marked;
		w->air_ns += b->air_ns;
		w->inv_rate_sum += b->inv_rate_sum;
	}
}

/* Airtime the radio heard in the window ending at @now_ns, which starts at *@start_ns. */
static inline u64 mpw_air_window_sum(const struct mpw_air_window *w, u64 now_ns, u64 *start_ns)
{
	u32 now_epoch = (u32)div_u64(now_ns, w->slot_ns);
	u64 sum = 0;
	u32 i;

	*start_ns = mpw_window_start_ns(w->slot_ns, w->since_ns, now_ns);
	for (i = 0; i < MPW_WIN_BUCKETS; i++)
		if (now_epoch - w->epoch[i] < MPW_WIN_BUCKETS)
			sum += w->air_ns[i];
	return sum;
}

/* The AP's airtime share of the window; 0 without a rated frame (then unknown). */
static inline u32 mpw_window_airtime_ppm(const struct mpw_window *w)
{
	return mpw_share_ppm(w->air_ns, w->end_ns - w->start_ns);
}

/* Airtime (harmonic) mean rate of the window in kbit/s; 0 if no rated frame. */
static inline u32 mpw_window_rate_kbps(const struct mpw_window *w)
{
	if (!w->inv_rate_sum)
		return 0;
	return (u32)div64_u64(((u64)w->rated << 32) + w->inv_rate_sum / 2, w->inv_rate_sum);
}

/* Packet time of the window (eq. 2.1 with p from eq. 2.2); 0 if unknown. */
static inline u32 mpw_window_packet_time_ns(const struct mpw_rx_stats *s, const struct mpw_window *w)
{
	if (!w->first_try && !w->retried && !w->lost)
		return 0;
	return mpw_packet_time_ns(&s->last_rate, mpw_window_rate_kbps(w),
				  mpw_loss_q24(w->first_try, w->retried, w->lost));
}

#endif /* _MPWIFI_RXSTATS_H */
