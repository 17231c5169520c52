#include <gtest/gtest.h>

#include <vector>

#include "error_model.h"

namespace airsim {
namespace {

TEST(ErrorModel, PerIsAProbability)
{
	for (Rate r : all_rates())
		for (double snr_db = -20.0; snr_db <= 60.0; snr_db += 1.0) {
			const double per = packet_error_rate(r, snr_db, 1500);
			EXPECT_GE(per, 0.0);
			EXPECT_LE(per, 1.0);
		}
}

TEST(ErrorModel, PerDecreasesWithSnrForEveryRate)
{
	for (Rate r : all_rates())
		for (double snr_db = -10.0; snr_db < 40.0; snr_db += 0.25)
			EXPECT_LE(packet_error_rate(r, snr_db + 0.25, 1500), packet_error_rate(r, snr_db, 1500))
				<< rate_mbps(r) << " Mbit/s at " << snr_db << " dB";
}

TEST(ErrorModel, PerIncreasesWithFrameLength)
{
	for (Rate r : all_rates()) {
		const double snr_db = snr_db_for_per(r, 0.1, 1500);
		EXPECT_LT(packet_error_rate(r, snr_db, 100), packet_error_rate(r, snr_db, 1500));
	}
}

void expect_rate_order(const std::vector<Rate> &chain)
{
	for (double snr_db = -5.0; snr_db <= 35.0; snr_db += 0.5)
		for (std::size_t i = 1; i < chain.size(); ++i)
			EXPECT_GE(packet_error_rate(chain[i], snr_db, 1500),
				  packet_error_rate(chain[i - 1], snr_db, 1500))
				<< rate_mbps(chain[i]) << " vs " << rate_mbps(chain[i - 1]) << " at " << snr_db;
}

// Faster rates need more SNR.  The one exception is 9 Mbit/s (BPSK 3/4)
// against 12 Mbit/s (QPSK 1/2): their curves cross near 9 dB and above it the
// stronger rate 1/2 code of 12 Mbit/s wins, as often seen with real 802.11a
// hardware too; so 9 Mbit/s is only ordered against 6 and 18.
TEST(ErrorModel, PerIncreasesWithRateAtFixedSnr)
{
	expect_rate_order({Rate::ofdm_6, Rate::ofdm_12, Rate::ofdm_18, Rate::ofdm_24, Rate::ofdm_36,
			   Rate::ofdm_48, Rate::ofdm_54});
	expect_rate_order({Rate::ofdm_6, Rate::ofdm_9, Rate::ofdm_18});
	expect_rate_order({Rate::dsss_1, Rate::dsss_2, Rate::cck_5_5, Rate::cck_11});
	EXPECT_GT(packet_error_rate(Rate::ofdm_9, 10.0, 1500), packet_error_rate(Rate::ofdm_12, 10.0, 1500));
}

// Operating points of the NIST model for a 1500-byte frame (Pei & Henderson's
// curves): 6 Mbit/s is error-free at 10 dB, 54 Mbit/s needs ~24-25 dB and is
// unusable below ~20 dB.
TEST(ErrorModel, OperatingPoints)
{
	EXPECT_LT(packet_error_rate(Rate::ofdm_6, 10.0, 1500), 1e-9);
	EXPECT_LT(packet_error_rate(Rate::ofdm_54, 25.0, 1500), 0.01);
	EXPECT_GT(packet_error_rate(Rate::ofdm_54, 20.0, 1500), 0.99);
	const double snr54_db = snr_db_for_per(Rate::ofdm_54, 0.1, 1500);
	EXPECT_GT(snr54_db, 21.0);
	EXPECT_LT(snr54_db, 25.0);
	// DSSS 1 Mbit/s works below 0 dB thanks to the 11-chip spreading.
	EXPECT_LT(packet_error_rate(Rate::dsss_1, 0.0, 1500), 1e-3);
}

// IEEE 802.11-2016 Table 17-18 gives the receiver minimum input sensitivity
// for PER <= 10% with 1000-byte PSDUs: 6:-82 9:-81 12:-79 18:-77 24:-74 36:-70
// 48:-66 54:-65 dBm.  The differences between rates are the SNR steps a real
// receiver needs; the model must reproduce them within 3 dB.
TEST(ErrorModel, RelativeSensitivityMatchesTable17_18)
{
	const double sensitivity_dbm[] = {-82, -81, -79, -77, -74, -70, -66, -65};
	const double base_db = snr_db_for_per(Rate::ofdm_6, 0.1, 1000);
	std::size_t i = 0;
	for (Rate r : ofdm_rates()) {
		const double step_db = snr_db_for_per(r, 0.1, 1000) - base_db;
		EXPECT_NEAR(step_db, sensitivity_dbm[i] - sensitivity_dbm[0], 3.0) << rate_mbps(r);
		++i;
	}
}

TEST(ErrorModel, SnrForPerInvertsPer)
{
	for (Rate r : all_rates()) {
		const double snr_db = snr_db_for_per(r, 0.1, 1500);
		EXPECT_LE(packet_error_rate(r, snr_db, 1500), 0.1);
		EXPECT_GT(packet_error_rate(r, snr_db - 0.02, 1500), 0.1);
	}
}

} // namespace
} // namespace airsim
