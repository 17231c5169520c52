/* SPDX-License-Identifier: GPL-2.0 */
/*
 * An AP before association: the rate a frame heard at a given signal can
 * use, and the throughput the airtime model (airtime.h) then predicts, to
 * rank scan candidates before the module has measured them.
 *
 * The rate is the fastest whose receiver minimum input sensitivity (IEEE
 * 802.11-2020: DSSS 15.4.6.1 and 16.3.8.2, OFDM table 17-18, HT table
 * 19-23, VHT table 21-25, HE table 27-51) the signal meets; each doubling
 * of the bandwidth costs 3 dB.  A receiver meeting the standard decodes
 * such frames with at most a 10% packet error rate (8% frame error rate
 * for DSSS).  Real receivers do better than these minimums, by the same
 * margin for every candidate, so the candidates keep their order.
 */
#ifndef _MPWIFI_PREDICT_H
#define _MPWIFI_PREDICT_H

#include "airtime.h"
#include "rate.h"

#define MPW_PACKET_BITS		(1500U * 8)	/* one full IP packet */

/* HT (per stream; MCS 0..7), VHT (0..9) and HE (0..11) at 20 MHz, dBm. */
static const s32 mpw_mcs_sensitivity_dbm[12] = {
	-82, -79, -77, -74, -70, -66, -65, -64, -59, -57, -54, -52
};

/* OFDM 6, 9, 12, 18, 24, 36, 48, 54 Mbit/s. */
static const u32 mpw_ofdm_kbps[8] = { 6000, 9000, 12000, 18000, 24000, 36000, 48000, 54000 };
static const s32 mpw_ofdm_sensitivity_dbm[8] = { -82, -81, -79, -77, -74, -70, -66, -65 };

/* DSSS 1 and 2 Mbit/s (-80 dBm), CCK 5.5 and 11 Mbit/s (-76 dBm). */
static const u32 mpw_dsss_kbps[4] = { 1000, 2000, 5500, 11000 };
static const s32 mpw_dsss_sensitivity_dbm[4] = { -80, -80, -76, -76 };

/* Whether the MCS may be sent at all: VHT MCS 9 at 20 MHz only with 3 or 6 streams. */
static inline bool mpw_mcs_defined(u8 phy, u8 mcs, u8 nss, u8 bw)
{
	return !(phy == MPWIFI_PHY_VHT && mcs == 9 && bw == MPW_BW_20 && nss != 3 && nss != 6);
}

/*
 * Fills @r with the fastest rate of @phy (with @nss streams, bandwidth @bw
 * and guard interval @gi for MCS PHYs) that a frame heard at @signal_dbm
 * can use; false when even the slowest is below its sensitivity, or the
 * PHY parameters name no rate.
 */
static inline bool mpw_rate_for_signal(struct mpw_rate *r, u8 phy, u8 nss, u8 bw, u8 gi, s32 signal_dbm)
{
	const u32 *legacy_kbps = mpw_ofdm_kbps;
	const s32 *legacy_dbm = mpw_ofdm_sensitivity_dbm;
	int n = 8, i;
	u8 max_mcs;

	memset(r, 0, sizeof(*r));
	r->phy = phy;
	if (phy == MPWIFI_PHY_DSSS || phy == MPWIFI_PHY_OFDM) {
		if (phy == MPWIFI_PHY_DSSS) {
			legacy_kbps = mpw_dsss_kbps;
			legacy_dbm = mpw_dsss_sensitivity_dbm;
			n = 4;
		}
		for (i = n - 1; i >= 0; i--) {
			if (signal_dbm >= legacy_dbm[i]) {
				r->legacy_kbps = legacy_kbps[i];
				return true;
			}
		}
		return false;
	}
	switch (phy) {
	case MPWIFI_PHY_HT:
		max_mcs = 7;
		break;
	case MPWIFI_PHY_VHT:
		max_mcs = MPW_VHT_MAX_MCS;
		break;
	case MPWIFI_PHY_HE:
		max_mcs = MPW_HE_MAX_MCS;
		break;
	default:
		return false;
	}
	if (bw >= MPW_BW_COUNT)
		return false;
	r->nss = nss;
	r->bw = bw;
	r->gi = gi;
	for (i = max_mcs; i >= 0; i--) {
		if (signal_dbm < mpw_mcs_sensitivity_dbm[i] + 3 * bw || !mpw_mcs_defined(phy, (u8)i, nss, bw))
			continue;
		/* HT folds the streams into the index */
		r->mcs = phy == MPWIFI_PHY_HT ? (u8)((nss - 1) * 8 + i) : (u8)i;
		return nss >= 1 && mpw_rate_kbps(r);
	}
	return false;
}

/*
 * Throughput in kbit/s of full packets sent back to back at rate @r with
 * loss probability @loss_q24 (airtime.h): one packet per packet time.
 * 0 when the rate is unknown.
 */
static inline u32 mpw_predicted_kbps(const struct mpw_rate *r, u32 loss_q24)
{
	u32 t_ns = mpw_packet_time_ns(r, mpw_rate_kbps(r), loss_q24);

	return t_ns ? (u32)div_u64((u64)MPW_PACKET_BITS * 1000000, t_ns) : 0;
}

#endif /* _MPWIFI_PREDICT_H */
