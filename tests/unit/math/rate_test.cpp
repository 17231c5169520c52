// PHY data rates (include/mpwifi/rate.h) against the rate tables of
// IEEE 802.11-2020 (HT: 19-27..19-34, VHT: 21-30..21-37) and 802.11ax-2021
// (HE: 27-55..27-62).  Table values are printed in Mbit/s with one decimal,
// so a printed value v means the exact rate lies within v +- 0.05 Mbit/s; the
// code floors to whole kbit/s, hence the tolerance of 50 + 1 kbit/s.
#include <gtest/gtest.h>

#include "rate_helpers.h"

#include <cstdint>

#include <mpwifi/rate.h>

namespace {

constexpr double kPrintedTolKbps = 51.0;


u32 Kbps(u8 phy, u8 mcs, u8 nss, u8 bw, u8 gi)
{
	const mpw_rate r = Rate(phy, mcs, nss, bw, gi);
	return mpw_rate_kbps(&r);
}

TEST(Rate, LegacyRatesPassThrough)
{
	for (u32 kbps : {1000u, 2000u, 5500u, 11000u}) {
		const mpw_rate r = Rate(MPWIFI_PHY_DSSS, 0, 0, 0, 0, kbps);
		EXPECT_EQ(mpw_rate_kbps(&r), kbps);
	}
	for (u32 kbps : {6000u, 9000u, 12000u, 18000u, 24000u, 36000u, 48000u, 54000u}) {
		// The MCS fields are meaningless for legacy frames and must be ignored.
		const mpw_rate r = Rate(MPWIFI_PHY_OFDM, 99, 0, 7, 7, kbps);
		EXPECT_EQ(mpw_rate_kbps(&r), kbps);
	}
	const mpw_rate unknown = Rate(MPWIFI_PHY_UNKNOWN, 0, 1, MPW_BW_20, MPW_GI_0_8, 6000);
	EXPECT_EQ(mpw_rate_kbps(&unknown), 0u);
	const mpw_rate bogus = Rate(MPWIFI_PHY_HE + 1, 0, 1, MPW_BW_20, MPW_GI_0_8, 6000);
	EXPECT_EQ(mpw_rate_kbps(&bogus), 0u);
}

// HT, N_SS = 1, 800 ns GI (tables 19-27 and 19-28): these are exact (multiples
// of 0.5 Mbit/s).  MCS m + 8 (k - 1) is the same modulation on k streams, so
// k times the rate (19-29..19-34).  The 400 ns GI shortens the symbol from
// 4.0 to 3.6 us: rate x 4.0 / 3.6, e.g. MCS 7 20 MHz 65 x 10/9 = 72.2.
constexpr double kHtLgi1ss[2][8] = {
	{6.5, 13.0, 19.5, 26.0, 39.0, 52.0, 58.5, 65.0},	 /* 20 MHz */
	{13.5, 27.0, 40.5, 54.0, 81.0, 108.0, 121.5, 135.0}, /* 40 MHz */
};

TEST(Rate, HtAllMcsBothWidthsBothGuardIntervals)
{
	for (u8 bw : {MPW_BW_20, MPW_BW_40}) {
		for (u8 mcs = 0; mcs <= 31; mcs++) {
			const u32 nss = mcs / 8u + 1;
			const double lgi_kbps = nss * kHtLgi1ss[bw][mcs % 8] * 1000.0;
			const double sgi_kbps = lgi_kbps * 4.0 / 3.6;

			SCOPED_TRACE(testing::Message() << "bw " << int(bw) << " mcs " << int(mcs));
			// nss field is ignored for HT: streams come from the MCS index
			EXPECT_EQ(Kbps(MPWIFI_PHY_HT, mcs, 0, bw, MPW_GI_0_8), u32(lgi_kbps));
			EXPECT_NEAR(Kbps(MPWIFI_PHY_HT, mcs, 0, bw, MPW_GI_0_4), sgi_kbps, 1.0);
		}
	}
}

struct RateRow {
	u8 phy, mcs, nss, bw, gi;
	double mbps; /* as printed in the standard */
};

// Spot values as printed in the tables, across streams, widths and GIs.
constexpr RateRow kPrinted[] = {
	/* HT */
	{MPWIFI_PHY_HT, 7, 0, MPW_BW_20, MPW_GI_0_8, 65.0},
	{MPWIFI_PHY_HT, 7, 0, MPW_BW_20, MPW_GI_0_4, 72.2},
	{MPWIFI_PHY_HT, 0, 0, MPW_BW_20, MPW_GI_0_4, 7.2},
	{MPWIFI_PHY_HT, 3, 0, MPW_BW_20, MPW_GI_0_4, 28.9},
	{MPWIFI_PHY_HT, 15, 0, MPW_BW_20, MPW_GI_0_4, 144.4},
	{MPWIFI_PHY_HT, 15, 0, MPW_BW_40, MPW_GI_0_4, 300.0},
	{MPWIFI_PHY_HT, 23, 0, MPW_BW_20, MPW_GI_0_4, 216.7},
	{MPWIFI_PHY_HT, 31, 0, MPW_BW_20, MPW_GI_0_4, 288.9},
	{MPWIFI_PHY_HT, 31, 0, MPW_BW_40, MPW_GI_0_8, 540.0},
	{MPWIFI_PHY_HT, 31, 0, MPW_BW_40, MPW_GI_0_4, 600.0},
	/* VHT */
	{MPWIFI_PHY_VHT, 8, 1, MPW_BW_20, MPW_GI_0_8, 78.0},
	{MPWIFI_PHY_VHT, 8, 1, MPW_BW_20, MPW_GI_0_4, 86.7},
	{MPWIFI_PHY_VHT, 9, 1, MPW_BW_40, MPW_GI_0_4, 200.0},
	{MPWIFI_PHY_VHT, 0, 1, MPW_BW_80, MPW_GI_0_8, 29.3},
	{MPWIFI_PHY_VHT, 9, 1, MPW_BW_80, MPW_GI_0_4, 433.3},
	{MPWIFI_PHY_VHT, 9, 2, MPW_BW_80, MPW_GI_0_4, 866.7},
	{MPWIFI_PHY_VHT, 9, 3, MPW_BW_80, MPW_GI_0_8, 1170.0},
	{MPWIFI_PHY_VHT, 7, 4, MPW_BW_80, MPW_GI_0_8, 1170.0},
	{MPWIFI_PHY_VHT, 9, 1, MPW_BW_160, MPW_GI_0_8, 780.0},
	{MPWIFI_PHY_VHT, 9, 8, MPW_BW_160, MPW_GI_0_4, 6933.3},
	/* HE */
	{MPWIFI_PHY_HE, 0, 1, MPW_BW_20, MPW_GI_0_8, 8.6},
	{MPWIFI_PHY_HE, 11, 1, MPW_BW_20, MPW_GI_0_8, 143.4},
	{MPWIFI_PHY_HE, 11, 1, MPW_BW_20, MPW_GI_1_6, 135.4},
	{MPWIFI_PHY_HE, 11, 1, MPW_BW_20, MPW_GI_3_2, 121.9},
	{MPWIFI_PHY_HE, 0, 1, MPW_BW_20, MPW_GI_3_2, 7.3},
	{MPWIFI_PHY_HE, 11, 1, MPW_BW_40, MPW_GI_0_8, 286.8},
	{MPWIFI_PHY_HE, 0, 1, MPW_BW_80, MPW_GI_0_8, 36.0},
	{MPWIFI_PHY_HE, 7, 1, MPW_BW_80, MPW_GI_0_8, 360.3},
	{MPWIFI_PHY_HE, 11, 1, MPW_BW_80, MPW_GI_1_6, 567.1},
	{MPWIFI_PHY_HE, 11, 1, MPW_BW_80, MPW_GI_3_2, 510.4},
	{MPWIFI_PHY_HE, 11, 2, MPW_BW_80, MPW_GI_0_8, 1201.0},
	{MPWIFI_PHY_HE, 11, 1, MPW_BW_160, MPW_GI_0_8, 1201.0},
	{MPWIFI_PHY_HE, 11, 8, MPW_BW_160, MPW_GI_0_8, 9607.8},
};

TEST(Rate, MatchesPrintedTableValues)
{
	for (const RateRow &row : kPrinted) {
		SCOPED_TRACE(testing::Message() << "phy " << int(row.phy) << " mcs " << int(row.mcs)
						<< " nss " << int(row.nss) << " bw " << int(row.bw)
						<< " gi " << int(row.gi));
		EXPECT_NEAR(Kbps(row.phy, row.mcs, row.nss, row.bw, row.gi), row.mbps * 1000.0,
			    kPrintedTolKbps);
	}
}

// VHT/HE from first principles: data subcarriers x coded bits x coding rate x
// N_SS / T_sym.  VHT N_SD 52/108/234/468, HE 234/468/980/1960 (RU tones
// 242/484/996/2x996 minus pilots); T_sym VHT 3.6/4.0 us, HE 12.8 + GI.
TEST(Rate, VhtAndHeAllMcsAllStreamsFromSubcarriers)
{
	constexpr double kBitsTimesRate[12] = {
		1 * 0.5, 2 * 0.5, 2 * 0.75, 4 * 0.5, 4 * 0.75, 6 * 2.0 / 3,
		6 * 0.75, 6 * 5.0 / 6, 8 * 0.75, 8 * 5.0 / 6, 10 * 0.75, 10 * 5.0 / 6,
	};
	constexpr double kVhtSd[4] = {52, 108, 234, 468};
	constexpr double kHeSd[4] = {234, 468, 980, 1960};
	constexpr double kVhtSymUs[2] = {3.6, 4.0};		/* GI 0.4, 0.8 */
	constexpr double kHeSymUs[4] = {0, 13.6, 14.4, 16.0}; /* -, GI 0.8, 1.6, 3.2 */

	for (u8 bw = 0; bw < MPW_BW_COUNT; bw++) {
		for (u8 nss = 1; nss <= 8; nss++) {
			for (u8 mcs = 0; mcs <= 11; mcs++) {
				SCOPED_TRACE(testing::Message() << "bw " << int(bw) << " nss " << int(nss)
								<< " mcs " << int(mcs));
				for (u8 gi : {MPW_GI_0_4, MPW_GI_0_8}) {
					const double kbps =
						kVhtSd[bw] * kBitsTimesRate[mcs] * nss / kVhtSymUs[gi] * 1000;
					const u32 got = Kbps(MPWIFI_PHY_VHT, mcs, nss, bw, gi);
					if (mcs <= 9)
						EXPECT_NEAR(got, kbps, 1.0);
					else
						EXPECT_EQ(got, 0u) << "VHT has no MCS 10/11";
				}
				for (u8 gi : {MPW_GI_0_8, MPW_GI_1_6, MPW_GI_3_2}) {
					const double kbps =
						kHeSd[bw] * kBitsTimesRate[mcs] * nss / kHeSymUs[gi] * 1000;
					EXPECT_NEAR(Kbps(MPWIFI_PHY_HE, mcs, nss, bw, gi), kbps, 1.0);
				}
			}
		}
	}
}

struct InvalidRow {
	const char *what;
	u8 phy, mcs, nss, bw, gi;
};

constexpr InvalidRow kInvalid[] = {
	{"HT MCS 32", MPWIFI_PHY_HT, 32, 0, MPW_BW_40, MPW_GI_0_8},
	{"HT MCS 76", MPWIFI_PHY_HT, 76, 0, MPW_BW_20, MPW_GI_0_8},
	{"HT GI 1.6", MPWIFI_PHY_HT, 7, 0, MPW_BW_20, MPW_GI_1_6},
	{"HT GI 3.2", MPWIFI_PHY_HT, 7, 0, MPW_BW_20, MPW_GI_3_2},
	{"HT GI out of range", MPWIFI_PHY_HT, 7, 0, MPW_BW_20, MPW_GI_COUNT},
	{"HT bw out of range", MPWIFI_PHY_HT, 7, 0, MPW_BW_COUNT, MPW_GI_0_8},
	{"VHT MCS 10", MPWIFI_PHY_VHT, 10, 1, MPW_BW_80, MPW_GI_0_8},
	{"VHT nss 0", MPWIFI_PHY_VHT, 7, 0, MPW_BW_80, MPW_GI_0_8},
	{"VHT nss 9", MPWIFI_PHY_VHT, 7, 9, MPW_BW_80, MPW_GI_0_8},
	{"VHT bw out of range", MPWIFI_PHY_VHT, 7, 1, MPW_BW_COUNT, MPW_GI_0_8},
	{"VHT bw 255", MPWIFI_PHY_VHT, 7, 1, 255, MPW_GI_0_8},
	{"VHT GI 1.6", MPWIFI_PHY_VHT, 7, 1, MPW_BW_80, MPW_GI_1_6},
	{"HE MCS 12", MPWIFI_PHY_HE, 12, 1, MPW_BW_80, MPW_GI_0_8},
	{"HE nss 0", MPWIFI_PHY_HE, 7, 0, MPW_BW_80, MPW_GI_0_8},
	{"HE nss 9", MPWIFI_PHY_HE, 7, 9, MPW_BW_80, MPW_GI_0_8},
	{"HE bw out of range", MPWIFI_PHY_HE, 7, 1, MPW_BW_COUNT, MPW_GI_0_8},
	{"HE with HT short GI", MPWIFI_PHY_HE, 7, 1, MPW_BW_80, MPW_GI_0_4},
	{"HE GI out of range", MPWIFI_PHY_HE, 7, 1, MPW_BW_80, MPW_GI_COUNT},
};

TEST(Rate, InvalidFieldsGiveZero)
{
	for (const InvalidRow &row : kInvalid)
		EXPECT_EQ(Kbps(row.phy, row.mcs, row.nss, row.bw, row.gi), 0u) << row.what;
}

// HT is defined for 20 and 40 MHz only (IEEE 802.11-2020 19.1.1): 80 and 160
// MHz name no HT rate, so they must give 0 like any other bandwidth out of
// range.
TEST(Rate, HtHasNoEightyOrOneSixtyMegahertz)
{
	EXPECT_EQ(Kbps(MPWIFI_PHY_HT, 7, 0, MPW_BW_80, MPW_GI_0_8), 0u);
	EXPECT_EQ(Kbps(MPWIFI_PHY_HT, 7, 0, MPW_BW_160, MPW_GI_0_8), 0u);
}

TEST(Rate, SpatialStreams)
{
	const mpw_rate ht0 = Rate(MPWIFI_PHY_HT, 0, 5, MPW_BW_20, MPW_GI_0_8);
	const mpw_rate ht15 = Rate(MPWIFI_PHY_HT, 15, 0, MPW_BW_20, MPW_GI_0_8);
	const mpw_rate ht31 = Rate(MPWIFI_PHY_HT, 31, 0, MPW_BW_20, MPW_GI_0_8);
	const mpw_rate vht = Rate(MPWIFI_PHY_VHT, 9, 3, MPW_BW_80, MPW_GI_0_8);
	EXPECT_EQ(mpw_rate_nss(&ht0), 1);
	EXPECT_EQ(mpw_rate_nss(&ht15), 2);
	EXPECT_EQ(mpw_rate_nss(&ht31), 4);
	EXPECT_EQ(mpw_rate_nss(&vht), 3);
}

} // namespace
