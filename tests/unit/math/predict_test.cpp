// Rate and throughput of a scan candidate from its signal
// (include/mpwifi/predict.h), against the standard's sensitivity tables and
// rates worked out by hand.
#include <gtest/gtest.h>

#include <mpwifi/predict.h>

namespace {

struct Pick {
	bool ok;
	mpw_rate rate;
};

Pick For(u8 phy, u8 nss, u8 bw, u8 gi, s32 dbm)
{
	Pick p{};
	p.ok = mpw_rate_for_signal(&p.rate, phy, nss, bw, gi, dbm);
	return p;
}

u32 Kbps(const Pick &p)
{
	return p.ok ? mpw_rate_kbps(&p.rate) : 0;
}

TEST(Predict, LegacyRatesFromSensitivity)
{
	EXPECT_EQ(Kbps(For(MPWIFI_PHY_OFDM, 0, 0, 0, -65)), 54000u);
	EXPECT_EQ(Kbps(For(MPWIFI_PHY_OFDM, 0, 0, 0, -75)), 18000u); // 24 Mbit/s needs -74
	EXPECT_EQ(Kbps(For(MPWIFI_PHY_OFDM, 0, 0, 0, -81)), 9000u);
	EXPECT_EQ(Kbps(For(MPWIFI_PHY_OFDM, 0, 0, 0, -82)), 6000u);
	EXPECT_FALSE(For(MPWIFI_PHY_OFDM, 0, 0, 0, -83).ok);
	EXPECT_EQ(Kbps(For(MPWIFI_PHY_DSSS, 0, 0, 0, -76)), 11000u);
	EXPECT_EQ(Kbps(For(MPWIFI_PHY_DSSS, 0, 0, 0, -79)), 2000u);
	EXPECT_FALSE(For(MPWIFI_PHY_DSSS, 0, 0, 0, -81).ok);
}

TEST(Predict, McsRatesFromSensitivity)
{
	// HT 1 stream, 20 MHz, 0.8 us GI: -65 dBm meets MCS 6 (-65), not 7 (-64): 58.5 Mbit/s
	const Pick ht = For(MPWIFI_PHY_HT, 1, MPW_BW_20, MPW_GI_0_8, -65);
	ASSERT_TRUE(ht.ok);
	EXPECT_EQ(ht.rate.mcs, 6);
	EXPECT_EQ(Kbps(ht), 58500u);
	// 40 MHz costs 3 dB: MCS 5 needs -63, so MCS 4 per stream; 2 streams fold into MCS 12: 162 Mbit/s
	const Pick ht40 = For(MPWIFI_PHY_HT, 2, MPW_BW_40, MPW_GI_0_8, -65);
	ASSERT_TRUE(ht40.ok);
	EXPECT_EQ(ht40.rate.mcs, 12);
	EXPECT_EQ(Kbps(ht40), 162000u);
	EXPECT_FALSE(For(MPWIFI_PHY_HT, 1, MPW_BW_80, MPW_GI_0_8, -30).ok); // HT has no 80 MHz
	EXPECT_FALSE(For(MPWIFI_PHY_HT, 1, MPW_BW_40, MPW_GI_0_8, -80).ok); // MCS 0 at 40 MHz: -79
	// VHT 2 streams, 80 MHz (+6 dB), short GI: MCS 9 from -51 dBm: 866.7 Mbit/s
	const Pick vht = For(MPWIFI_PHY_VHT, 2, MPW_BW_80, MPW_GI_0_4, -50);
	ASSERT_TRUE(vht.ok);
	EXPECT_EQ(vht.rate.mcs, 9);
	EXPECT_EQ(Kbps(vht), 866666u);
	// VHT MCS 9 does not exist at 20 MHz with 1 stream (it does with 3): MCS 8, 78 Mbit/s
	EXPECT_EQ(For(MPWIFI_PHY_VHT, 1, MPW_BW_20, MPW_GI_0_8, -40).rate.mcs, 8);
	EXPECT_EQ(Kbps(For(MPWIFI_PHY_VHT, 1, MPW_BW_20, MPW_GI_0_8, -40)), 78000u);
	EXPECT_EQ(Kbps(For(MPWIFI_PHY_VHT, 3, MPW_BW_20, MPW_GI_0_8, -40)), 260000u);
	// HE 1 stream, 80 MHz, 0.8 us GI: MCS 11 from -46 dBm (600.5 Mbit/s), MCS 10 from -48 (540.4)
	EXPECT_EQ(Kbps(For(MPWIFI_PHY_HE, 1, MPW_BW_80, MPW_GI_0_8, -45)), 600490u);
	EXPECT_EQ(Kbps(For(MPWIFI_PHY_HE, 1, MPW_BW_80, MPW_GI_0_8, -47)), 540441u);
	EXPECT_FALSE(For(MPWIFI_PHY_HE, 0, MPW_BW_20, MPW_GI_0_8, -30).ok); // no stream
	EXPECT_FALSE(For(42, 1, MPW_BW_20, MPW_GI_0_8, -30).ok);
}

TEST(Predict, ThroughputIsOnePacketPerPacketTime)
{
	// OFDM 54 Mbit/s, no loss: DIFS 34 us + 58 symbols of data (252 us) + SIFS 16 us
	// + ACK at 24 Mbit/s (28 us) + mean first backoff 67.5 us = 397.5 us per 1500-byte packet
	const Pick ofdm = For(MPWIFI_PHY_OFDM, 0, 0, 0, -60);
	EXPECT_EQ(mpw_predicted_kbps(&ofdm.rate, 0), 12000ull * 1000000 / 397500);
	// loss costs throughput
	EXPECT_LT(mpw_predicted_kbps(&ofdm.rate, MPW_PROB_ONE / 4), mpw_predicted_kbps(&ofdm.rate, 0));
	mpw_rate none{};
	EXPECT_EQ(mpw_predicted_kbps(&none, 0), 0u);
}

TEST(Predict, NeverFasterForAWeakerSignal)
{
	struct Phy {
		u8 phy, nss, bw, gi;
	} phys[] = {
		{MPWIFI_PHY_DSSS, 0, 0, 0},
		{MPWIFI_PHY_OFDM, 0, 0, 0},
		{MPWIFI_PHY_HT, 2, MPW_BW_40, MPW_GI_0_4},
		{MPWIFI_PHY_VHT, 1, MPW_BW_20, MPW_GI_0_8},
		{MPWIFI_PHY_HE, 2, MPW_BW_160, MPW_GI_0_8},
	};
	for (const Phy &p : phys) {
		u32 last = 0;
		for (s32 dbm = -100; dbm <= -20; dbm++) {
			const Pick pick = For(p.phy, p.nss, p.bw, p.gi, dbm);
			const u32 kbps = pick.ok ? mpw_predicted_kbps(&pick.rate, 0) : 0;
			EXPECT_GE(kbps, last) << "phy " << int(p.phy) << " at " << dbm << " dBm";
			EXPECT_LT(kbps, Kbps(pick) + 1) << "more than the PHY rate at " << dbm << " dBm";
			last = kbps;
		}
		EXPECT_GT(last, 0u) << "phy " << int(p.phy) << " never usable";
	}
}

} // namespace
