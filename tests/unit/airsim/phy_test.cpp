// PPDU durations and attempt airtimes, checked against values computed by hand
// from IEEE 802.11-2016 17.4.3 (OFDM), 18.5.2 (ERP signal extension), 16.3.4 (DSSS).
#include <gtest/gtest.h>

#include "phy.h"

namespace airsim {
namespace {

TEST(Phy, RateTablesAndUnits)
{
	EXPECT_EQ(all_rates().size(), 12u);
	EXPECT_EQ(ofdm_rates().size(), 8u);
	EXPECT_EQ(dsss_rates().size(), 4u);
	EXPECT_EQ(rate_from_100kbps(55), Rate::cck_5_5);
	EXPECT_EQ(rate_from_100kbps(540), Rate::ofdm_54);
	EXPECT_FALSE(rate_from_100kbps(65).has_value());
	EXPECT_DOUBLE_EQ(rate_mbps(Rate::cck_5_5), 5.5);
	EXPECT_TRUE(rate_allowed_in(Rate::dsss_1, Band::ghz_2_4));
	EXPECT_FALSE(rate_allowed_in(Rate::dsss_1, Band::ghz_5));
}

TEST(Phy, OfdmDataBitsPerSymbolMatchTable17_4)
{
	const int expected[] = {24, 36, 48, 72, 96, 144, 192, 216};
	std::size_t i = 0;
	for (Rate r : ofdm_rates())
		EXPECT_EQ(ofdm_data_bits_per_symbol(r), expected[i++]);
	EXPECT_THROW(ofdm_data_bits_per_symbol(Rate::cck_11), std::invalid_argument);
}

TEST(Phy, OfdmPpduDuration5GHz)
{
	// 1500 B at 54: ceil((16 + 12000 + 6) / 216) = 56 symbols -> 20 + 224.
	EXPECT_EQ(ppdu_duration_us(Rate::ofdm_54, Band::ghz_5, 1500), 244);
	// 1500 B at 6: ceil(12022 / 24) = 501 symbols -> 20 + 2004.
	EXPECT_EQ(ppdu_duration_us(Rate::ofdm_6, Band::ghz_5, 1500), 2024);
	// ACK (14 B) at 24: ceil(134 / 96) = 2 symbols; at 6: ceil(134 / 24) = 6.
	EXPECT_EQ(ppdu_duration_us(Rate::ofdm_24, Band::ghz_5, 14), 28);
	EXPECT_EQ(ppdu_duration_us(Rate::ofdm_6, Band::ghz_5, 14), 44);
	// Symbol boundary: 16 + 8*26 + 6 = 230 bits > 216 -> 2 symbols; 25 B -> 222 -> 2; 24 B -> 214 -> 1.
	EXPECT_EQ(ppdu_duration_us(Rate::ofdm_54, Band::ghz_5, 24), 24);
	EXPECT_EQ(ppdu_duration_us(Rate::ofdm_54, Band::ghz_5, 25), 28);
}

TEST(Phy, ErpOfdmAddsSignalExtension)
{
	EXPECT_EQ(ppdu_duration_us(Rate::ofdm_54, Band::ghz_2_4, 1500), 250);
	EXPECT_EQ(ppdu_duration_us(Rate::ofdm_24, Band::ghz_2_4, 14), 34);
}

TEST(Phy, DsssLongPreamble)
{
	EXPECT_EQ(ppdu_duration_us(Rate::dsss_1, Band::ghz_2_4, 14), 192 + 112);
	EXPECT_EQ(ppdu_duration_us(Rate::dsss_2, Band::ghz_2_4, 1500), 192 + 6000);
	EXPECT_EQ(ppdu_duration_us(Rate::cck_5_5, Band::ghz_2_4, 1500), 192 + 2182); // 12000 / 5.5 = 2181.8
	EXPECT_EQ(ppdu_duration_us(Rate::cck_11, Band::ghz_2_4, 1500), 192 + 1091);  // 12000 / 11 = 1090.9
	EXPECT_EQ(ppdu_duration_us(Rate::cck_11, Band::ghz_2_4, 14), 192 + 11);
	EXPECT_THROW(ppdu_duration_us(Rate::cck_11, Band::ghz_5, 14), std::invalid_argument);
}

TEST(Phy, MacTimingPerBand)
{
	const MacTiming a = mac_timing(Band::ghz_5);
	EXPECT_EQ(a.slot_us, 9);
	EXPECT_EQ(a.sifs_us, 16);
	EXPECT_EQ(a.difs_us(), 34);
	EXPECT_EQ(a.cw_min, 15);
	EXPECT_EQ(a.cw_max, 1023);
	EXPECT_EQ(a.ack_timeout_us(), 16 + 9 + 25);
	const MacTiming g = mac_timing(Band::ghz_2_4);
	EXPECT_EQ(g.sifs_us, 10);
	EXPECT_EQ(g.difs_us(), 28);
	EXPECT_EQ(g.ack_timeout_us(), 10 + 9 + 25);
}

TEST(Phy, ControlResponseRateIsHighestBasicRateNotAbove)
{
	const auto basic_a = default_basic_rates(Band::ghz_5); // 6, 12, 24
	EXPECT_EQ(control_response_rate(Rate::ofdm_54, basic_a), Rate::ofdm_24);
	EXPECT_EQ(control_response_rate(Rate::ofdm_36, basic_a), Rate::ofdm_24);
	EXPECT_EQ(control_response_rate(Rate::ofdm_18, basic_a), Rate::ofdm_12);
	EXPECT_EQ(control_response_rate(Rate::ofdm_9, basic_a), Rate::ofdm_6);
	EXPECT_EQ(control_response_rate(Rate::ofdm_6, basic_a), Rate::ofdm_6);
}

TEST(Phy, ControlResponseRateStaysInModulationClass)
{
	const auto basic_g = default_basic_rates(Band::ghz_2_4); // 1, 2, 5.5, 11
	EXPECT_EQ(control_response_rate(Rate::cck_11, basic_g), Rate::cck_11);
	EXPECT_EQ(control_response_rate(Rate::cck_5_5, basic_g), Rate::cck_5_5);
	EXPECT_EQ(control_response_rate(Rate::dsss_2, basic_g), Rate::dsss_2);
	// No OFDM rate in the basic set: fall back to the mandatory OFDM rates.
	EXPECT_EQ(control_response_rate(Rate::ofdm_54, basic_g), Rate::ofdm_24);
	EXPECT_EQ(control_response_rate(Rate::ofdm_18, basic_g), Rate::ofdm_12);
	EXPECT_EQ(control_response_rate(Rate::ofdm_9, basic_g), Rate::ofdm_6);
	// An OFDM-only basic set answers a DSSS frame with a mandatory DSSS rate.
	const std::vector<Rate> ofdm_only{Rate::ofdm_6};
	EXPECT_EQ(control_response_rate(Rate::cck_5_5, ofdm_only), Rate::cck_5_5);
}

TEST(Phy, AttemptAirtimeByHand)
{
	const AttemptTiming a54{.band = Band::ghz_5, .mac = mac_timing(Band::ghz_5), .data_rate = Rate::ofdm_54,
				.ack_rate = Rate::ofdm_24, .psdu_bytes = 1500};
	EXPECT_EQ(attempt_airtime_us(a54, 0, true), 34 + 244 + 16 + 28);
	EXPECT_EQ(attempt_airtime_us(a54, 0, false), 34 + 244 + 50);
	EXPECT_EQ(attempt_airtime_us(a54, 3, true), 34 + 27 + 244 + 16 + 28);
	const AttemptTiming g11{.band = Band::ghz_2_4, .mac = mac_timing(Band::ghz_2_4), .data_rate = Rate::cck_11,
				.ack_rate = Rate::cck_11, .psdu_bytes = 1500};
	EXPECT_EQ(attempt_airtime_us(g11, 0, true), 28 + 1283 + 10 + 203);
}

} // namespace
} // namespace airsim
