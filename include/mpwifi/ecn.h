/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ECN steering: which APs to mark, and how often (TRILOGY2 D3.2 section
 * 2.2.2.1.2).  The client sets CE on a share delta of the ECT packets that
 * arrive over a subflow through an AP whose packet time T is at least
 * (1 + threshold) times the best T, so the sender moves traffic to efficient
 * APs.  Two laws, selectable at run time:
 *
 * SEED: eq. 2.5 exactly as printed,
 *
 *   delta = 1/2 * (50 T^2 / (RTT (RTT - 50 T)))^2
 *
 * It does not follow from the seed's own eq. 2.4.  With B = 1/T and
 * sqrt(1/p) / RTT = B, eq. 2.4 gives p = T^2 / RTT^2 and
 * p + delta = T^2 / (RTT - 100 T)^2 (BUF/2 = 100 packets), so
 * delta = T^2 / (RTT - 100 T)^2 - T^2 / RTT^2, which needs RTT > 100 T; the
 * printed form has 50 T and is squared once more, and gives tiny rates at
 * common values: 2.2e-4 (0.02%) at T = 0.25 ms, RTT = 20 ms.  Kept as
 * printed, for comparison.  Guard: for RTT <= 50 T the expression is
 * undefined (it grows without bound as RTT falls to 50 T); the cap is used.
 *
 * UNCOUPLED: derived here for what upstream MPTCP runs: every subflow has its
 * own congestion control (CUBIC by default), with no coupling that moves
 * traffic between paths.  Marking can then only lower the marked subflow's
 * own window; the airtime it gives up goes to the other subflows because
 * they share the channel.
 *  - Target.  On one channel, airtime spent through the bad AP delivers
 *    1/T_bad frames per second of air instead of 1/T_best.  With a share a of
 *    the air through the bad AP, the total is a/T_bad + (1 - a)/T_best, a
 *    fraction 1 - a (1 - T_best/T_bad) of the optimum 1/T_best.  Allowing a
 *    loss of at most eta (the budget, 10% by default) gives
 *        a* = min(1, eta T_bad / (T_bad - T_best)).
 *    Marking never silences the bad AP: a* > 0 keeps the subflow alive, so
 *    when the good AP is limited elsewhere (its uplink) the bad one still
 *    carries traffic.
 *  - Window.  A subflow with window W and round-trip time RTT takes
 *    W T_bad / RTT of the air, so a* means W* = a* RTT / T_bad packets.
 *  - Response.  Linux CUBIC (beta = 717/1024) treats a CE mark like a loss.
 *    At a mark rate delta its window is the larger of the TCP-friendly
 *    window sqrt(k / delta), k = 3 (1 + beta) / (2 (1 - beta)) = 8.51, and
 *    the cubic window c (RTT / delta)^(3/4), c^4 = C (3 + beta) /
 *    (4 (1 - beta)) = 1.23 (C = 0.4).  The cubic one is larger only for
 *    delta < c^4 RTT^3 / k^2: 1.7e-5 at RTT = 100 ms, below the rates that
 *    matter here, so the TCP-friendly window governs.
 *  - Law.  W(delta) = W* gives
 *        delta = k / W*^2 = k T_bad^2 / (a*^2 RTT^2).
 *    Example: T_bad = 2 T_best, RTT = 50 T_best: a* = 0.2, W* = 5 packets,
 *    delta = 34%, so the cap decides.  Under uncoupled control near-optimal
 *    sharing needs far more marking than the seed's coupled-control law
 *    suggests.  Above the cap TCP's window collapses and timeouts start
 *    (seed: ~6 packets at 5%).
 *
 * WITH SUBFLOW PRIORITY (the daemon's --steering both, agent/src/daemon/
 * steering.h).  Priority is on/off: a backup subflow gets no new data while a
 * regular one is active.  The daemon makes the bad AP's subflows backup when
 * the air is what limits (busy >= 75%: the good AP would take the air the bad
 * one gives up), which is the a* = 0 the law above cannot reach (the window
 * floor of 2: at RTT 20 ms and T_bad 13 ms that is most of the air).  What is
 * left to marks is the mixed regime, where the good path is limited
 * elsewhere and the air is not full, so the bad AP is regular:
 *  - There the optimum gives the bad AP all the air the good one cannot use,
 *    a = 1 - C_good / X_good (C its uplink's rate, X what it gets alone).
 *    Plain DCF gives the bad AP an equal share of transmissions, airtime
 *    T_bad / (T_best + T_bad), which exceeds that optimum only when
 *    C_good / X_good > T_best / (T_best + T_bad): the good path is nearly
 *    able to fill the air alone.  Marking helps only there, and only a little
 *    (its window floor again); elsewhere every mark costs throughput.
 *  - So the rate law stays the uncoupled one, and the cap stays 5%: lifting
 *    it would only pin the bad subflow at 2 packets, which priority now does
 *    better, and above ~5% the window collapses into timeouts and
 *    reinjection.  The threshold stays 20% for both mechanisms: within it a
 *    switch gains at most 1 - 1/1.2 = 17% of the bad AP's share, less than a
 *    window's noise in T under contention.
 *  - Marks also serve a sender that ignores MP_PRIO, and subflows the daemon
 *    cannot make backup (no endpoint).
 * bench/ecn-steering measures each mechanism alone and both (modes uncoupled,
 * priority, both).
 *
 * The RTT is the client's receive-side estimate of the subflow
 * (tcp_sock.rcv_rtt_est): the client only receives, so its srtt_us holds
 * little more than the handshake.
 *
 * Marks are spread deterministically by a credit accumulator, so the
 * realised share matches delta over any stretch of packets.  A GRO packet
 * counts as its gso_segs segments.
 *
 * Integer math only (no FPU in softirq context, no 128-bit division in
 * modules): rates in parts per million, times in ns, ratios in Q32.
 */
#ifndef _MPWIFI_ECN_H
#define _MPWIFI_ECN_H

#include "types.h"

#define MPW_ECN_THRESHOLD_PPM_DEFAULT	200000U	/* mark when T >= 1.2 x best */
#define MPW_ECN_CAP_PPM_DEFAULT		50000U	/* 5% */
#define MPW_ECN_BUDGET_PPM_DEFAULT	100000U	/* eta: 10% below optimal */

#define MPW_ECN_MIN_FRAMES_DEFAULT	20U	/* frames in the window before an estimate counts */
#define MPW_ECN_STALE_NS_DEFAULT	1000000000ULL	/* an AP silent for 1 s has no estimate */
#define MPW_ECN_HOLD_NS_DEFAULT		500000000ULL	/* a verdict must hold this long to switch */

/* TCP-friendly window constant of CUBIC, k = 3 (1 + b) / (2 (1 - b)), b = 717/1024. */
#define MPW_CUBIC_K_NUM			5223U
#define MPW_CUBIC_K_DEN			614U

enum mpw_ecn_law {
	MPW_ECN_LAW_SEED = 0,		/* eq. 2.5 as printed */
	MPW_ECN_LAW_UNCOUPLED = 1,	/* derived above for uncoupled CUBIC subflows */
};

static inline u32 mpw_min_u32(u32 a, u32 b)
{
	return a < b ? a : b;
}

/* Is an AP with packet time t_ns inefficient next to the best one? */
static inline bool mpw_ecn_inefficient(u32 t_ns, u32 best_ns, u32 threshold_ppm)
{
	return best_ns && (u64)t_ns * MPW_PPM >= (u64)best_ns * (MPW_PPM + threshold_ppm);
}

/*
 * Which APs to mark.  An estimate counts ("fresh") when the AP's window
 * holds at least min_frames data frames and the last one is at most stale_ns
 * old: a handful of frames cannot trigger marking, and a silent AP neither
 * sets the bar for the others nor gets marked on old figures.  An AP is
 * marked while its T >= (1 + threshold) x the best fresh T, so nothing is
 * marked with fewer than two fresh APs.  Once marked, an AP stays marked on
 * fewer frames (any, if not stale): marking thins its traffic, and dropping
 * the marks as soon as it falls under min_frames would let it grow back and
 * oscillate.
 *
 * A verdict switches marking on or off only after it has held for hold_ns.
 * Contention biases T: frames of the AP with less traffic collide with the
 * busy AP's more often (the busy one is nearly always contending), so of two
 * equal APs the lighter one reads 10-40% worse in 500 ms windows, in bursts.
 * Holding keeps such bursts from starting marks (which would lighten that AP
 * further), and keeps a clearly worse AP marked through a window in which
 * the good AP had a bad moment.
 *
 * The law measures a marked AP against the bar: the best fresh T, which
 * falls at once but rises only when no evaluation for hold_ns has confirmed
 * it (mpw_ecn_bar_update).  The best AP's traffic pauses now and then (a
 * loss, a full window) and empties its window, or reads worse for a few
 * hundred ms; the verdict to mark holds through that, and so must the law's
 * reference, or the marked AP would meanwhile be the best itself, with no
 * marks due (T <= best).  Verdicts use the current best: a bar held at the
 * best AP's best moment would start marks on an AP that is not worse.
 */
struct mpw_ecn_policy {
	u32 threshold_ppm;
	u32 min_frames;
	u64 stale_ns;
	u64 hold_ns;
};

struct mpw_ecn_ap {
	u32 packet_time_ns;	/* 0: no estimate */
	u32 window_frames;	/* N0 + N1 + Nlost over the window */
	u64 last_rx_ns;
	bool marking;		/* the current decision */
	u64 other_since_ns;	/* the opposite verdict holds since then; 0: it does not */
};

/* Heard from within stale_ns; a frame stamped after now_ns (clock read on another CPU) is age 0. */
static inline bool mpw_ecn_heard(const struct mpw_ecn_ap *ap, u64 now_ns, const struct mpw_ecn_policy *pol)
{
	return now_ns <= ap->last_rx_ns || now_ns - ap->last_rx_ns <= pol->stale_ns;
}

static inline bool mpw_ecn_fresh(const struct mpw_ecn_ap *ap, u64 now_ns, const struct mpw_ecn_policy *pol)
{
	return ap->packet_time_ns && ap->window_frames >= pol->min_frames && mpw_ecn_heard(ap, now_ns, pol);
}

/* The law's reference; see "Which APs to mark". */
struct mpw_ecn_bar {
	u32 best_ns;		/* 0: none */
	u64 since_ns;		/* last set or confirmed */
};

/* @bar after an evaluation whose best fresh T is @best_ns (0: none); returns the bar. */
static inline u32 mpw_ecn_bar_update(struct mpw_ecn_bar *bar, u32 best_ns, u64 now_ns, u64 hold_ns)
{
	const bool lower = best_ns && (!bar->best_ns || best_ns <= bar->best_ns);

	if (lower || now_ns >= bar->since_ns + hold_ns) {
		bar->best_ns = best_ns;
		bar->since_ns = now_ns;
	}
	return bar->best_ns;
}

/* @best (0: none yet) lowered to @ap's packet time if that is fresh and better. */
static inline u32 mpw_ecn_best_update(u32 best, const struct mpw_ecn_ap *ap, u64 now_ns,
				      const struct mpw_ecn_policy *pol)
{
	if (mpw_ecn_fresh(ap, now_ns, pol) && (!best || ap->packet_time_ns < best))
		return ap->packet_time_ns;
	return best;
}

static inline bool mpw_ecn_should_mark(const struct mpw_ecn_ap *ap, u32 best_ns, u64 now_ns,
				       const struct mpw_ecn_policy *pol)
{
	struct mpw_ecn_policy keep = *pol;

	if (ap->marking)
		keep.min_frames = 1;
	return mpw_ecn_fresh(ap, now_ns, &keep) &&
	       mpw_ecn_inefficient(ap->packet_time_ns, best_ns, pol->threshold_ppm);
}

/* Update and return @ap's decision at @now_ns (state in ap->marking, ap->other_since_ns). */
static inline bool mpw_ecn_decide(struct mpw_ecn_ap *ap, u32 best_ns, u64 now_ns,
				  const struct mpw_ecn_policy *pol)
{
	/*
	 * A marked AP whose window has emptied is no evidence either way:
	 * marking starves its subflow in bursts.  Only silence beyond
	 * stale_ns counts against it.
	 */
	if (ap->marking && !ap->packet_time_ns && best_ns && mpw_ecn_heard(ap, now_ns, pol))
		return true;
	if (mpw_ecn_should_mark(ap, best_ns, now_ns, pol) == ap->marking) {
		ap->other_since_ns = 0;
		return ap->marking;
	}
	if (!ap->other_since_ns)
		ap->other_since_ns = now_ns ? now_ns : 1;
	else if (now_ns - ap->other_since_ns >= pol->hold_ns) {
		ap->marking = !ap->marking;
		ap->other_since_ns = 0;
	}
	return ap->marking;
}

/* t_ns / rtt in Q32, or U64_MAX when it is 1 or more (or rtt is 0). */
static inline u64 mpw_ecn_ratio_q32(u32 t_ns, u32 rtt_us)
{
	const u64 rtt_ns = (u64)rtt_us * 1000;

	if (rtt_ns <= t_ns)
		return ~0ULL;
	return ((u64)t_ns << 32) / rtt_ns;
}

/* c * y^2 for y in Q32 (y < 1), c < 2^32: ((y >> 8)^2 >> 16) * c >> 32. */
static inline u64 mpw_scaled_square(u64 y_q32, u64 c)
{
	const u64 y_q24 = y_q32 >> 8;

	return (((y_q24 * y_q24) >> 16) * c) >> 32;
}

/* Eq. 2.5 as printed, in ppm, at most cap_ppm. */
static inline u32 mpw_ecn_delta_seed_ppm(u32 t_ns, u32 rtt_us, u32 cap_ppm)
{
	const u64 r = mpw_ecn_ratio_q32(t_ns, rtt_us);	/* T / RTT */
	u64 num, x;

	if (!t_ns)
		return 0;
	if (r >= (1ULL << 32) / 50)			/* RTT <= 50 T: the guard */
		return cap_ppm;
	/* x = 50 r^2 / (1 - 50 r), Q32; x >= 1 means delta >= 1/2 */
	num = (50 * r * r) >> 32;
	x = (num << 32) / ((1ULL << 32) - 50 * r);
	if (x >= 1ULL << 32)
		return cap_ppm;
	return mpw_min_u32((u32)mpw_scaled_square(x, MPW_PPM / 2), cap_ppm);
}

/* The derived law for uncoupled CUBIC subflows, in ppm, at most cap_ppm. */
static inline u32 mpw_ecn_delta_uncoupled_ppm(u32 t_ns, u32 best_ns, u32 rtt_us, u32 budget_ppm,
					      u32 cap_ppm)
{
	/* k * 1e6, k = 5223 / 614 */
	const u64 k_ppm = (MPW_CUBIC_K_NUM * (u64)MPW_PPM + MPW_CUBIC_K_DEN / 2) / MPW_CUBIC_K_DEN;
	u64 share_ppm, q, y, delta;

	if (!t_ns || t_ns <= best_ns)
		return 0;
	/* a* = min(1, eta T_bad / (T_bad - T_best)) */
	share_ppm = (u64)budget_ppm * t_ns / (t_ns - best_ns);
	if (share_ppm > MPW_PPM)
		share_ppm = MPW_PPM;
	if (!share_ppm)
		return cap_ppm;
	/* 1 / W* = T_bad / (a* RTT) = q / a*, Q32; delta = k / W*^2 */
	q = mpw_ecn_ratio_q32(t_ns, rtt_us);
	if (q == ~0ULL)
		return cap_ppm;
	y = q * MPW_PPM / share_ppm;
	if (y >= 1ULL << 32)				/* W* <= 1 packet */
		return cap_ppm;
	delta = mpw_scaled_square(y, k_ppm);
	return delta > cap_ppm ? cap_ppm : (u32)delta;
}

static inline u32 mpw_ecn_delta_ppm(enum mpw_ecn_law law, u32 t_ns, u32 best_ns, u32 rtt_us,
				    u32 budget_ppm, u32 cap_ppm)
{
	if (law == MPW_ECN_LAW_SEED)
		return mpw_ecn_delta_seed_ppm(t_ns, rtt_us, cap_ppm);
	return mpw_ecn_delta_uncoupled_ppm(t_ns, best_ns, rtt_us, budget_ppm, cap_ppm);
}

/*
 * Deterministic spacing.  Every packet adds delta per segment to the credit;
 * once the credit covers the whole packet it is marked and pays for all of
 * its segments, so marked segments / all segments -> delta.
 */
struct mpw_ecn_credit {
	u64 credit_ppm;
};

static inline bool mpw_ecn_credit_take(struct mpw_ecn_credit *c, u32 delta_ppm, u32 segs)
{
	const u64 n = segs ? segs : 1;
	const u64 cost = n * MPW_PPM;

	c->credit_ppm += delta_ppm * n;
	if (c->credit_ppm < cost)
		return false;
	c->credit_ppm -= cost;
	return true;
}

#endif /* _MPWIFI_ECN_H */
