/* SPDX-License-Identifier: GPL-2.0 */
/*
 * PHY data rates of received frames, in kbit/s, from the fields a receiver
 * reports (IEEE 802.11-2020 tables 17-4, 19-27..19-34, 21-30..21-37 and
 * 802.11ax-2021 27.5).  For MCS-based PHYs:
 *
 *   rate = N_SD(bw) * bits_per_subcarrier(mcs) * coding_rate(mcs) * N_SS / T_sym
 *
 * with N_SD the data subcarriers of the bandwidth and T_sym the OFDM symbol
 * time including the guard interval (HT/VHT: 3.2 us + 0.8 or 0.4; HE:
 * 12.8 us + 0.8, 1.6 or 3.2).
 */
#ifndef _MPWIFI_RATE_H
#define _MPWIFI_RATE_H

#include "types.h"
#include "../uapi/linux/mpwifi.h"

enum mpw_bw {
	MPW_BW_20,
	MPW_BW_40,
	MPW_BW_80,
	MPW_BW_160,
	MPW_BW_COUNT,
};

enum mpw_gi {
	MPW_GI_0_4,	/* HT/VHT short guard interval */
	MPW_GI_0_8,
	MPW_GI_1_6,	/* HE only */
	MPW_GI_3_2,	/* HE only */
	MPW_GI_COUNT,
};

/* What a receiver knows about the rate of one frame. */
struct mpw_rate {
	u8 phy;		/* enum mpwifi_phy */
	u8 mcs;		/* HT: 0..31 (streams folded in, as sent); VHT/HE: 0..11 */
	u8 nss;		/* VHT/HE spatial streams, 1..8 (HT: derived from mcs) */
	u8 bw;		/* enum mpw_bw */
	u8 gi;		/* enum mpw_gi */
	u32 legacy_kbps;	/* DSSS/OFDM: the rate itself */
};

/* Data subcarriers per bandwidth: HT/VHT (20 MHz: 52 ... 160 MHz: 468). */
static const u16 mpw_ht_vht_data_subcarriers[MPW_BW_COUNT] = { 52, 108, 234, 468 };
/* HE full-bandwidth RUs: 242-, 484-, 996- and 2x996-tone, minus pilots. */
static const u16 mpw_he_data_subcarriers[MPW_BW_COUNT] = { 234, 468, 980, 1960 };

/*
 * Coded bits per subcarrier times the coding rate, times 12 so every entry is
 * whole: MCS 0 is BPSK 1/2 (0.5 -> 6) ... MCS 11 is 1024-QAM 5/6 (8.33 -> 100).
 */
static const u8 mpw_mcs_bits_x12[12] = { 6, 12, 18, 24, 36, 48, 54, 60, 72, 80, 90, 100 };

#define MPW_HT_MAX_MCS		31
#define MPW_VHT_MAX_MCS		9
#define MPW_HE_MAX_MCS		11
#define MPW_MAX_NSS		8

/* OFDM symbol duration including the guard interval, in ns. */
static inline u32 mpw_symbol_ns(u8 phy, u8 gi)
{
	if (phy == MPWIFI_PHY_HE) {
		static const u16 he_gi_ns[MPW_GI_COUNT] = { 0, 800, 1600, 3200 };

		return gi < MPW_GI_COUNT && he_gi_ns[gi] ? 12800 + he_gi_ns[gi] : 0;
	}
	if (gi == MPW_GI_0_4)
		return 3600;
	return gi == MPW_GI_0_8 ? 4000 : 0;
}

/* Spatial streams of a frame (HT folds them into the MCS index). */
static inline u8 mpw_rate_nss(const struct mpw_rate *r)
{
	if (r->phy == MPWIFI_PHY_HT)
		return r->mcs / 8 + 1;
	return r->nss;
}

/* The frame's data rate in kbit/s, or 0 when the fields do not name a rate. */
static inline u32 mpw_rate_kbps(const struct mpw_rate *r)
{
	const u16 *subcarriers = mpw_ht_vht_data_subcarriers;
	u8 mcs = r->mcs, nss = r->nss, max_mcs;
	u32 sym_ns;

	switch (r->phy) {
	case MPWIFI_PHY_DSSS:
	case MPWIFI_PHY_OFDM:
		return r->legacy_kbps;
	case MPWIFI_PHY_HT:
		if (mcs > MPW_HT_MAX_MCS)
			return 0;	/* MCS 32 and unequal modulation: not modelled */
		if (r->bw > MPW_BW_40)
			return 0;	/* HT has 20 and 40 MHz channels only */
		nss = mcs / 8 + 1;
		mcs %= 8;
		max_mcs = 7;
		break;
	case MPWIFI_PHY_VHT:
		max_mcs = MPW_VHT_MAX_MCS;
		break;
	case MPWIFI_PHY_HE:
		subcarriers = mpw_he_data_subcarriers;
		max_mcs = MPW_HE_MAX_MCS;
		break;
	default:
		return 0;
	}
	sym_ns = mpw_symbol_ns(r->phy, r->gi);
	if (mcs > max_mcs || nss < 1 || nss > MPW_MAX_NSS || r->bw >= MPW_BW_COUNT || !sym_ns)
		return 0;
	/* bits per symbol x 12 (at most 1960 * 100 * 8) x 1e6 / (12 * ns) fits u64 */
	return (u32)div_u64((u64)subcarriers[r->bw] * mpw_mcs_bits_x12[mcs] * nss * 1000000,
			    12 * sym_ns);
}

#endif /* _MPWIFI_RATE_H */
