// The attempt simulator against exact expectations: binomial statistics for a
// fixed loss probability (tolerance 4 standard deviations of the estimator,
// so a correct model fails with probability < 1e-4 per check; the seeds are
// fixed, so the outcome is in any case reproducible) and hand-computed airtimes.
#include <gtest/gtest.h>

#include <cmath>

#include "error_model.h"
#include "link.h"

namespace airsim {
namespace {

constexpr int frames = 200000;

LinkParams fixed_loss_link(double p, double lost_ack = 0.0)
{
	LinkParams link;
	link.band = Band::ghz_5;
	link.loss_probability = p;
	link.lost_ack_probability = lost_ack;
	return link;
}

double four_sigma(double p, int n) { return 4.0 * std::sqrt(p * (1.0 - p) / n); }

TEST(Geometry, FriisAndLogDistance)
{
	EXPECT_NEAR(friis_loss_at_1m_db(2412), 40.09, 0.01);
	EXPECT_NEAR(friis_loss_at_1m_db(5180), 46.73, 0.01);
	EXPECT_NEAR(log_distance_loss_db(10.0, 2412, 3.0), 40.09 + 30.0, 0.01);
	EXPECT_NEAR(log_distance_loss_db(0.2, 2412, 3.0), 40.09, 0.01); // clamped to 1 m
	EXPECT_DOUBLE_EQ(distance_m({0, 0, 0}, {3, 4, 0}), 5.0);
	const PathLossParams params{.exponent = 2.0, .noise_floor_dbm = -90.0};
	EXPECT_NEAR(snr_from_geometry_db(15.0, {0, 0, 0}, {100, 0, 0}, 2412, params), 15.0 - 80.09 + 90.0, 0.01);
}

TEST(AttemptSimulator, FirstAttemptSuccessMatchesOneMinusP)
{
	const double p = 0.3;
	AttemptSimulator sim(1);
	int first_ok = 0;
	for (int i = 0; i < frames; ++i)
		first_ok += sim.transmit(fixed_loss_link(p), 1500, {{Rate::ofdm_54, 4}}).attempts == 1;
	EXPECT_NEAR(static_cast<double>(first_ok) / frames, 1.0 - p, four_sigma(p, frames));
}

TEST(AttemptSimulator, DropRatioIsPToTheAttempts)
{
	const double p = 0.5;
	const double p_drop = std::pow(p, 4); // 1/16
	AttemptSimulator sim(2);
	int dropped = 0;
	double attempts = 0;
	for (int i = 0; i < frames; ++i) {
		const TxOutcome out = sim.transmit(fixed_loss_link(p), 1500, {{Rate::ofdm_54, 2}, {Rate::ofdm_24, 2}});
		dropped += out.dropped;
		attempts += out.attempts;
		EXPECT_EQ(out.dropped, out.delivered.empty()); // no ACK loss configured
	}
	EXPECT_NEAR(static_cast<double>(dropped) / frames, p_drop, four_sigma(p_drop, frames));
	// Truncated geometric mean: sum_{k=0}^{3} p^k = 1.875 attempts.
	EXPECT_NEAR(attempts / frames, 1.875, 0.01);
}

TEST(AttemptSimulator, SnrDrivenLossUsesErrorModel)
{
	LinkParams link;
	link.band = Band::ghz_5;
	link.snr_db = snr_db_for_per(Rate::ofdm_54, 0.4, 1500);
	const double p = data_loss_probability(link, Rate::ofdm_54, 1500);
	ASSERT_NEAR(p, 0.4, 0.02);
	const double p_fail = 1.0 - (1.0 - p) * (1.0 - ack_loss_probability(link, Rate::ofdm_54));
	AttemptSimulator sim(3);
	int first_ok = 0;
	for (int i = 0; i < frames; ++i)
		first_ok += sim.transmit(link, 1500, {{Rate::ofdm_54, 1}}).acked();
	EXPECT_NEAR(static_cast<double>(first_ok) / frames, 1.0 - p_fail, four_sigma(p_fail, frames));
}

TEST(AttemptSimulator, LostAckGivesDuplicatesWithRetryBit)
{
	const double q = 0.2;
	AttemptSimulator sim(4);
	int duplicated = 0;
	int dropped = 0;
	for (int i = 0; i < frames; ++i) {
		const TxOutcome out = sim.transmit(fixed_loss_link(0.0, q), 1500, {{Rate::ofdm_54, 2}});
		ASSERT_FALSE(out.delivered.empty());
		EXPECT_FALSE(out.delivered[0].retry_bit);
		if (out.delivered.size() == 2) {
			++duplicated;
			EXPECT_TRUE(out.delivered[1].retry_bit);
			EXPECT_EQ(out.delivered[1].attempt, 1);
		}
		dropped += out.dropped; // delivered twice, never acknowledged
	}
	EXPECT_NEAR(static_cast<double>(duplicated) / frames, q, four_sigma(q, frames));
	EXPECT_NEAR(static_cast<double>(dropped) / frames, q * q, four_sigma(q * q, frames));
}

TEST(AttemptSimulator, WalksRateTableInOrder)
{
	AttemptSimulator sim(5, {.fixed_backoff_slots = 0});
	const std::vector<RateTry> table{{Rate::ofdm_54, 2}, {Rate::ofdm_24, 3}, {Rate::ofdm_6, 1}};
	const TxOutcome lost = sim.transmit(fixed_loss_link(1.0), 1500, table);
	EXPECT_TRUE(lost.dropped);
	EXPECT_EQ(lost.attempts, 6);
	EXPECT_EQ(lost.attempts_per_entry, (std::vector<int>{2, 3, 1}));
	EXPECT_TRUE(lost.delivered.empty());
	EXPECT_FALSE(lost.acked_rate.has_value());

	// At 10 dB, 54 and 24 Mbit/s always fail and 6 Mbit/s always succeeds.
	LinkParams link;
	link.band = Band::ghz_5;
	link.snr_db = 10.0;
	const TxOutcome out = sim.transmit(link, 1500, table);
	EXPECT_FALSE(out.dropped);
	EXPECT_EQ(out.attempts, 6);
	EXPECT_EQ(out.acked_rate, Rate::ofdm_6);
	ASSERT_EQ(out.delivered.size(), 1u);
	EXPECT_EQ(out.delivered[0].attempt, 5);
	EXPECT_EQ(out.delivered[0].rate, Rate::ofdm_6);
	EXPECT_TRUE(out.delivered[0].retry_bit);
}

TEST(AttemptSimulator, StopsAtFirstAck)
{
	AttemptSimulator sim(6);
	const TxOutcome out = sim.transmit(fixed_loss_link(0.0), 1500, {{Rate::ofdm_54, 3}, {Rate::ofdm_6, 3}});
	EXPECT_EQ(out.attempts, 1);
	EXPECT_EQ(out.attempts_per_entry, (std::vector<int>{1, 0}));
	EXPECT_EQ(out.acked_rate, Rate::ofdm_54);
}

TEST(AttemptSimulator, DeterministicAirtimeByHand)
{
	AttemptSimulator sim(7, {.fixed_backoff_slots = 0});
	// 5 GHz, 1500 B at 54: DIFS 34 + PPDU 244 + SIFS 16 + ACK at 24 (28) = 322.
	EXPECT_EQ(sim.transmit(fixed_loss_link(0.0), 1500, {{Rate::ofdm_54, 1}}).airtime_us, 322);
	// Two failures at 54 (34 + 244 + ACKTimeout 50 each), then 24 Mbit/s:
	// 1500 B at 24 = 20 + 4 * ceil(12022 / 96) = 524; + 34 + 16 + 28.
	LinkParams link;
	link.band = Band::ghz_5;
	link.snr_db = snr_db_for_per(Rate::ofdm_24, 1e-12, 1500);
	ASSERT_GT(data_loss_probability(link, Rate::ofdm_54, 1500), 1.0 - 1e-12);
	const TxOutcome out = sim.transmit(link, 1500, {{Rate::ofdm_54, 2}, {Rate::ofdm_24, 1}});
	EXPECT_EQ(out.airtime_us, 2 * (34 + 244 + 50) + (34 + 524 + 16 + 28));
}

TEST(AttemptSimulator, BackoffIsUniformAndContentionWindowDoubles)
{
	// All attempts fail: backoffs drawn from [0,15], [0,31], [0,63]: mean 54.5
	// slots, variance 21.25 + 85.25 + 341.25 slots^2.
	AttemptSimulator sim(8);
	const LinkParams link = fixed_loss_link(1.0);
	const std::int64_t fixed_us = 3 * (34 + 244 + 50);
	const int n = 50000;
	double backoff_slots = 0.0;
	for (int i = 0; i < n; ++i)
		backoff_slots += static_cast<double>(sim.transmit(link, 1500, {{Rate::ofdm_54, 3}}).airtime_us - fixed_us) / 9.0;
	EXPECT_NEAR(backoff_slots / n, 54.5, 4.0 * std::sqrt(447.75 / n));
}

TEST(AttemptSimulator, ContentionWindowCapsAtCwMax)
{
	// Ten failures: CW 15, 31, 63, 127, 255, 511, then 1023 four times.
	AttemptSimulator sim(9);
	const std::int64_t fixed_us = 10 * (34 + 244 + 50);
	const int n = 20000;
	double backoff_slots = 0.0;
	std::int64_t max_slots = 0;
	for (int i = 0; i < n; ++i) {
		const auto slots = (sim.transmit(fixed_loss_link(1.0), 1500, {{Rate::ofdm_54, 10}}).airtime_us - fixed_us) / 9;
		backoff_slots += static_cast<double>(slots);
		max_slots = std::max(max_slots, slots);
	}
	const double mean = (15 + 31 + 63 + 127 + 255 + 511 + 4 * 1023) / 2.0; // 2547
	double variance = 0.0;
	for (int cw : {15, 31, 63, 127, 255, 511, 1023, 1023, 1023, 1023})
		variance += ((cw + 1.0) * (cw + 1.0) - 1.0) / 12.0;
	EXPECT_NEAR(backoff_slots / n, mean, 4.0 * std::sqrt(variance / n));
	EXPECT_LE(max_slots, 15 + 31 + 63 + 127 + 255 + 511 + 4 * 1023);
}

TEST(AttemptSimulator, SameSeedSameOutcomes)
{
	AttemptSimulator a(10);
	AttemptSimulator b(10);
	for (int i = 0; i < 1000; ++i) {
		const TxOutcome x = a.transmit(fixed_loss_link(0.4, 0.1), 300, {{Rate::ofdm_36, 3}, {Rate::ofdm_6, 2}});
		const TxOutcome y = b.transmit(fixed_loss_link(0.4, 0.1), 300, {{Rate::ofdm_36, 3}, {Rate::ofdm_6, 2}});
		ASSERT_EQ(x.airtime_us, y.airtime_us);
		ASSERT_EQ(x.attempts, y.attempts);
		ASSERT_EQ(x.delivered.size(), y.delivered.size());
	}
}

TEST(AttemptSimulator, RejectsBadTables)
{
	AttemptSimulator sim(11);
	const LinkParams link = fixed_loss_link(0.0);
	EXPECT_THROW(sim.transmit(link, 100, {}), std::invalid_argument);
	EXPECT_THROW(sim.transmit(link, 100, {{Rate::ofdm_6, 0}}), std::invalid_argument);
	EXPECT_THROW(sim.transmit(link, 100, {{Rate::cck_11, 1}}), std::invalid_argument); // DSSS at 5 GHz
	EXPECT_THROW(sim.transmit(link, 100, std::vector<RateTry>(5, {Rate::ofdm_6, 1})), std::invalid_argument);
}

} // namespace
} // namespace airsim
