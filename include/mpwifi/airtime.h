/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Packet time of an access point: the airtime it needs, alone on the medium,
 * to deliver one packet to us (TRILOGY2 D3.2 section 2.2.2.1.1).
 *
 * Delivery probability of first attempts, eq. 2.2:
 *
 *   delivery_prob = N0 / (N0 + N1 + Nlost),   p = 1 - delivery_prob
 *
 * Airtime, eq. 2.1, one MPDU per channel access:
 *
 *   T = sum_{i=0..R} [ (MSS/b + K) (i+1) + C sum_{j=0..i} 2^j ] p^i (1-p)
 *
 * implemented as the expected airtime of all attempts per *delivered* frame:
 *
 *   cost(i) = sum_{a=0..i} attempt(a),   attempt(a) = DIFS + backoff(a) + data + SIFS + ACK
 *   T = ( sum_{i=0..R} cost(i) p^i (1-p) + cost(R) p^(R+1) ) / (1 - p^(R+1))
 *
 * The printed eq. 2.1 drops the frames the AP gives up on (the p^(R+1) term)
 * and is not normalised, so it tends to 0 as p -> 1; for small p both agree.
 * Per attempt, the seed's K is DIFS + PHY preamble + SIFS + ACK, MSS/b the
 * payload at the frame's rate, and C 2^j the mean backoff, here with the
 * contention window capped at CWmax: backoff(a) = slot * min((CWmin+1) 2^a - 1, CWmax) / 2.
 *
 * Constants (IEEE 802.11-2020): OFDM PHYs (11a/g/n/ac/ax) slot 9 us, SIFS
 * 16 us (2.4 GHz: 10 us SIFS + 6 us signal extension, the same total),
 * CWmin 15, CWmax 1023; DSSS (11b) slot 20 us, SIFS 10 us, CWmin 31, CWmax
 * 1023, long PLCP preamble 192 us.  DIFS = SIFS + 2 slots.  R = 6
 * retransmissions: dot11ShortRetryLimit = 7 attempts, the default for frames
 * below the RTS threshold.  The ACK (14 bytes) goes at the highest mandatory
 * rate not above the data rate (OFDM 6/12/24 Mbit/s, DSSS 1/2 Mbit/s); the
 * seed's 2 Mbit/s ACK holds for 802.11b only.  HT/VHT/HE frames are answered
 * with a legacy OFDM ACK at 24 Mbit/s.
 *
 * Frame: a 1500-byte IP packet in a QoS data MPDU: 26 B header + 8 B LLC/SNAP
 * + 1500 + 4 B FCS = 1538 bytes (no encryption overhead).
 *
 * A-MPDU aggregation is not modelled: every MPDU is charged one channel
 * access, preamble and ACK.  Aggregation shares those among the MPDUs of a
 * burst, so T is an upper bound for aggregated traffic; sequence accounting
 * still sees every MPDU, so delivery_prob is exact per MPDU.
 */
#ifndef _MPWIFI_AIRTIME_H
#define _MPWIFI_AIRTIME_H

#include "rate.h"

#define MPW_FRAME_BYTES		1538U
#define MPW_ACK_BYTES		14U
#define MPW_RETRY_LIMIT		6U	/* R: retransmissions after the first attempt */

/* Probabilities in Q24: 1.0 == 1 << 24, enough for 1e-7 resolution. */
#define MPW_PROB_SHIFT		24
#define MPW_PROB_ONE		(1U << MPW_PROB_SHIFT)
/*
 * A window in which no frame got through on its first attempt would make T
 * infinite; p is capped at 255/256 so such an AP still gets a finite, very
 * large packet time.
 */
#define MPW_PROB_LOSS_MAX	(MPW_PROB_ONE - (MPW_PROB_ONE >> 8))

struct mpw_phy_timing {
	u32 slot_ns;
	u32 sifs_ns;
	u32 cw_min;
	u32 cw_max;
};

static const struct mpw_phy_timing mpw_timing_dsss = { 20000, 10000, 31, 1023 };
static const struct mpw_phy_timing mpw_timing_ofdm = { 9000, 16000, 15, 1023 };

#define MPW_DSSS_PREAMBLE_NS	192000U	/* long PLCP preamble + header */
#define MPW_OFDM_PREAMBLE_NS	20000U	/* L-STF + L-LTF + L-SIG */
#define MPW_OFDM_SYMBOL_NS	4000U
#define MPW_OFDM_SERVICE_TAIL_BITS	22U	/* 16 SERVICE + 6 tail */

/* Duration of a legacy OFDM frame of @bytes at @kbps (bits per symbol rounded down). */
static inline u32 mpw_ofdm_frame_ns(u32 bytes, u32 kbps)
{
	u32 bits_per_symbol = kbps * 4 / 1000;	/* N_DBPS: 24 at 6 Mbit/s */
	u32 bits = MPW_OFDM_SERVICE_TAIL_BITS + 8 * bytes;

	if (!bits_per_symbol)
		return 0;
	return MPW_OFDM_PREAMBLE_NS +
	       MPW_OFDM_SYMBOL_NS * ((bits + bits_per_symbol - 1) / bits_per_symbol);
}

/* Preamble of HT mixed format, VHT and HE SU PPDUs, by spatial streams. */
static inline u32 mpw_mcs_preamble_ns(u8 phy, u8 nss)
{
	/* Long training fields: 1, 2, 4, 4, 6, 6, 8, 8 for 1..8 streams. */
	u32 ltf = nss <= 1 ? 1 : nss == 3 ? 4 : nss + (nss & 1);

	switch (phy) {
	case MPWIFI_PHY_HT:	/* L-STF, L-LTF, L-SIG, HT-SIG (8), HT-STF (4) */
		return 32000 + 4000 * ltf;
	case MPWIFI_PHY_VHT:	/* ... VHT-SIG-A (8), VHT-STF (4), VHT-SIG-B (4) */
		return 36000 + 4000 * ltf;
	default:		/* HE SU: ... RL-SIG, HE-SIG-A, HE-STF; 2x LTF + 1.6 us GI */
		return 36000 + 8000 * ltf;
	}
}

/*
 * Duration of a PPDU carrying a PSDU of @bytes (FCS included) at @kbps with
 * the PHY of @r, in ns; 0 when the rate is unknown.  For HT/VHT/HE @kbps may
 * be a window mean: the payload is rounded up to whole symbols.
 */
static inline u32 mpw_ppdu_ns(const struct mpw_rate *r, u32 kbps, u32 bytes)
{
	u32 sym_ns, bits;

	if (!kbps)
		return 0;
	switch (r->phy) {
	case MPWIFI_PHY_DSSS:
		return MPW_DSSS_PREAMBLE_NS + (u32)div_u64(8ULL * bytes * 1000000, kbps);
	case MPWIFI_PHY_OFDM:
		return mpw_ofdm_frame_ns(bytes, kbps);
	case MPWIFI_PHY_HT:
	case MPWIFI_PHY_VHT:
	case MPWIFI_PHY_HE:
		sym_ns = mpw_symbol_ns(r->phy, r->gi);
		if (!sym_ns)
			return 0;
		bits = MPW_OFDM_SERVICE_TAIL_BITS + 8 * bytes;
		return mpw_mcs_preamble_ns(r->phy, mpw_rate_nss(r)) +
		       sym_ns * (u32)div64_u64((u64)bits * 1000000 + (u64)kbps * sym_ns - 1,
					       (u64)kbps * sym_ns);
	default:
		return 0;
	}
}

/* SIFS and the ACK that answers a frame at @kbps with the PHY of @r, in ns; 0 when unknown. */
static inline u32 mpw_ack_exchange_ns(const struct mpw_rate *r, u32 kbps)
{
	u32 ack_kbps;

	if (!kbps)
		return 0;
	switch (r->phy) {
	case MPWIFI_PHY_DSSS:
		ack_kbps = kbps >= 2000 ? 2000 : 1000;
		return mpw_timing_dsss.sifs_ns + MPW_DSSS_PREAMBLE_NS + 8 * MPW_ACK_BYTES * 1000000 / ack_kbps;
	case MPWIFI_PHY_OFDM:
		ack_kbps = kbps >= 24000 ? 24000 : kbps >= 12000 ? 12000 : 6000;
		break;
	case MPWIFI_PHY_HT:
	case MPWIFI_PHY_VHT:
	case MPWIFI_PHY_HE:
		ack_kbps = 24000;
		break;
	default:
		return 0;
	}
	return mpw_timing_ofdm.sifs_ns + mpw_ofdm_frame_ns(MPW_ACK_BYTES, ack_kbps);
}

/*
 * Airtime of one attempt minus its backoff: DIFS, the data frame, SIFS and
 * the ACK, in ns.  0 when the rate is unknown.
 */
static inline u32 mpw_attempt_ns(const struct mpw_rate *r, u32 kbps)
{
	const struct mpw_phy_timing *t = r->phy == MPWIFI_PHY_DSSS ? &mpw_timing_dsss : &mpw_timing_ofdm;
	u32 data_ns = mpw_ppdu_ns(r, kbps, MPW_FRAME_BYTES);
	u32 ack_ns = mpw_ack_exchange_ns(r, kbps);

	if (!data_ns || !ack_ns)
		return 0;
	return t->sifs_ns + 2 * t->slot_ns + data_ns + ack_ns;
}

/*
 * The time one received frame of @bytes (PSDU, FCS included) kept the
 * channel busy: its PPDU, and SIFS + ACK when it is acknowledged (@acked), in
 * ns; 0 when the rate is unknown.  DIFS and backoff are idle air, left out as
 * a channel's busy time (nl80211's survey, airsim's busy_pct) leaves them out.
 */
static inline u32 mpw_rx_air_ns(const struct mpw_rate *r, u32 kbps, u32 bytes, bool acked)
{
	u32 ppdu_ns = mpw_ppdu_ns(r, kbps, bytes);

	if (!ppdu_ns || !acked)
		return ppdu_ns;
	return ppdu_ns + mpw_ack_exchange_ns(r, kbps);
}

/* @air_ns as a share of @span_ns in parts per million, at most 1000000; 0 for an empty span. */
static inline u32 mpw_share_ppm(u64 air_ns, u64 span_ns)
{
	if (!span_ns)
		return 0;
	if (air_ns >= span_ns)
		return MPW_PPM;
	return (u32)div64_u64(air_ns * MPW_PPM, span_ns);
}

/* Mean backoff before attempt @attempt (0 = first), in ns. */
static inline u32 mpw_backoff_ns(const struct mpw_phy_timing *t, u32 attempt)
{
	u32 cw = t->cw_max;

	if (attempt < 10)
		cw = ((t->cw_min + 1) << attempt) - 1;
	if (cw > t->cw_max)
		cw = t->cw_max;
	return t->slot_ns * cw / 2;
}

/* p = 1 - delivery_prob from the window counts, in Q24. */
static inline u32 mpw_loss_q24(u32 first_try, u32 retried, u32 lost)
{
	u64 total = (u64)first_try + retried + lost;

	if (!total)
		return 0;
	return (u32)div64_u64(((u64)retried + lost) << MPW_PROB_SHIFT, total);
}

/* eq. 2.2 in parts per million; call only with at least one frame. */
static inline u32 mpw_delivery_ppm(u32 first_try, u32 retried, u32 lost)
{
	u64 total = (u64)first_try + retried + lost;

	return total ? (u32)div64_u64((u64)first_try * MPW_PPM, total) : 0;
}

/*
 * Packet time T in ns for loss probability @loss_q24 at mean rate @kbps with
 * the PHY parameters of @r; 0 when the rate is unknown.  Saturates at
 * MPW_U32_MAX (4.3 s): 7 attempts at 1 Mbit/s take 0.12 s, and the loss cap
 * multiplies that by up to 1 / (1 - (255/256)^7) ~ 37.
 */
static inline u32 mpw_packet_time_ns(const struct mpw_rate *r, u32 kbps, u32 loss_q24)
{
	const struct mpw_phy_timing *t = r->phy == MPWIFI_PHY_DSSS ? &mpw_timing_dsss :
									   &mpw_timing_ofdm;
	u32 attempt_ns = mpw_attempt_ns(r, kbps);
	u64 p = loss_q24 > MPW_PROB_LOSS_MAX ? MPW_PROB_LOSS_MAX : loss_q24;
	u64 p_pow = MPW_PROB_ONE;	/* p^i, Q24 */
	u64 cost_ns = 0;		/* airtime of attempts 0..i */
	u64 expected = 0;		/* ns x Q24 */
	u32 i;

	if (!attempt_ns)
		return 0;
	for (i = 0; i <= MPW_RETRY_LIMIT; i++) {
		cost_ns += attempt_ns + mpw_backoff_ns(t, i);
		/* cost_ns < 2^28 and the weights < 2^24: each product < 2^52 */
		expected += cost_ns * ((p_pow * (MPW_PROB_ONE - p)) >> MPW_PROB_SHIFT);
		p_pow = (p_pow * p) >> MPW_PROB_SHIFT;
	}
	/* the frame the AP gave up on after R retransmissions */
	expected += cost_ns * p_pow;
	expected = div64_u64(expected, MPW_PROB_ONE - p_pow);
	return expected > MPW_U32_MAX ? MPW_U32_MAX : (u32)expected;
}

#endif /* _MPWIFI_AIRTIME_H */
