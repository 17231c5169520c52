// ECN marking laws (include/mpwifi/ecn.h) against hand-computed values and a
// double-precision transcription of the formulas written here.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>

#include <mpwifi/ecn.h>

namespace {

constexpr u32 kCap = MPW_ECN_CAP_PPM_DEFAULT;
constexpr u32 kNoCap = MPW_PPM;

// Eq. 2.5 as printed, in ppm; T and RTT in seconds.
double SeedPpm(double t, double rtt)
{
	const double x = 50 * t * t / (rtt * (rtt - 50 * t));
	return 0.5 * x * x * 1e6;
}

// delta = k T^2 / (a^2 RTT^2), a = min(1, eta T / (T - T_best)), k = 3 (1 + b) / (2 (1 - b)).
double UncoupledPpm(double t, double best, double rtt, double eta)
{
	const double beta = 717.0 / 1024.0;
	const double k = 3 * (1 + beta) / (2 * (1 - beta));
	const double a = std::min(1.0, eta * t / (t - best));
	return k * t * t / (a * a * rtt * rtt) * 1e6;
}

TEST(EcnThreshold, TwentyPercentWorseIsInefficient)
{
	EXPECT_TRUE(mpw_ecn_inefficient(1200000, 1000000, 200000));	// exactly 1.2x
	EXPECT_FALSE(mpw_ecn_inefficient(1199999, 1000000, 200000));
	EXPECT_TRUE(mpw_ecn_inefficient(5000000, 1000000, 200000));
	EXPECT_FALSE(mpw_ecn_inefficient(1000000, 1000000, 0) == false);	// threshold 0: equal counts
	EXPECT_FALSE(mpw_ecn_inefficient(1000000, 0, 200000));		// no best: nothing to compare with
	EXPECT_TRUE(mpw_ecn_inefficient(UINT32_MAX, UINT32_MAX / 2, 200000));	// no overflow
}

// The best fresh packet time of @aps, as the module folds it over its stations.
u32 bestOf(const mpw_ecn_ap *aps, unsigned int n, u64 now, const mpw_ecn_policy *pol)
{
	u32 best = 0;
	for (unsigned int i = 0; i < n; i++)
		best = mpw_ecn_best_update(best, &aps[i], now, pol);
	return best;
}

TEST(EcnSelection, OnlyFreshEstimatesCountAndSetTheBar)
{
	const mpw_ecn_policy pol{.threshold_ppm = 200000, .min_frames = 20, .stale_ns = 1000000000ULL, .hold_ns = 0};
	const u64 now = 50000000000ULL;
	const mpw_ecn_ap good{.packet_time_ns = 1000000, .window_frames = 300, .last_rx_ns = now - 1000000, .marking = false, .other_since_ns = 0};
	const mpw_ecn_ap bad{.packet_time_ns = 2500000, .window_frames = 120, .last_rx_ns = now - 2000000, .marking = false, .other_since_ns = 0};
	const mpw_ecn_ap slightly{.packet_time_ns = 1150000, .window_frames = 200, .last_rx_ns = now, .marking = false, .other_since_ns = 0};
	const mpw_ecn_ap few{.packet_time_ns = 500000, .window_frames = 19, .last_rx_ns = now, .marking = false, .other_since_ns = 0};	// a handful
	const mpw_ecn_ap stale{.packet_time_ns = 400000, .window_frames = 500, .last_rx_ns = now - 1000000001ULL, .marking = false, .other_since_ns = 0};
	const mpw_ecn_ap none{.packet_time_ns = 0, .window_frames = 500, .last_rx_ns = now, .marking = false, .other_since_ns = 0};

	const mpw_ecn_ap all[] = {bad, few, stale, none, slightly, good};
	// The 0.5 ms and 0.4 ms estimates do not count: too few frames, too old.
	EXPECT_EQ(bestOf(all, 6, now, &pol), 1000000U);
	EXPECT_TRUE(mpw_ecn_should_mark(&bad, 1000000, now, &pol));		// 2.5x
	EXPECT_FALSE(mpw_ecn_should_mark(&slightly, 1000000, now, &pol));	// 1.15x < 1.2x
	EXPECT_FALSE(mpw_ecn_should_mark(&good, 1000000, now, &pol));
	// A bad AP without a fresh estimate of its own is not marked either.
	mpw_ecn_ap bad_few = bad;
	bad_few.window_frames = 10;
	EXPECT_FALSE(mpw_ecn_should_mark(&bad_few, 1000000, now, &pol));
	mpw_ecn_ap bad_stale = bad;
	bad_stale.last_rx_ns = now - 2000000000ULL;
	EXPECT_FALSE(mpw_ecn_should_mark(&bad_stale, 1000000, now, &pol));

	// One fresh AP alone is its own best: nothing to steer towards.
	const mpw_ecn_ap alone[] = {bad, few, stale};
	const u32 best = bestOf(alone, 3, now, &pol);
	EXPECT_EQ(best, bad.packet_time_ns);
	EXPECT_FALSE(mpw_ecn_should_mark(&bad, best, now, &pol));
	// No fresh AP at all.
	EXPECT_EQ(bestOf(alone + 1, 2, now, &pol), 0U);
	EXPECT_FALSE(mpw_ecn_should_mark(&bad, 0, now, &pol));
	// Once marked, an AP stays marked on fewer frames than it takes to start, but never when stale
	// or without an estimate.
	bad_few.marking = true;
	EXPECT_TRUE(mpw_ecn_should_mark(&bad_few, 1000000, now, &pol));
	bad_few.window_frames = 1;
	EXPECT_TRUE(mpw_ecn_should_mark(&bad_few, 1000000, now, &pol));
	bad_stale.marking = true;
	EXPECT_FALSE(mpw_ecn_should_mark(&bad_stale, 1000000, now, &pol));
	mpw_ecn_ap bad_unknown = bad_few;
	bad_unknown.packet_time_ns = 0;
	EXPECT_FALSE(mpw_ecn_should_mark(&bad_unknown, 1000000, now, &pol));
	// ... and its few frames never set the bar for the others.
	const mpw_ecn_ap marked_few[] = {bad_few, slightly};
	EXPECT_EQ(bestOf(marked_few, 2, now, &pol), slightly.packet_time_ns);
	// A frame stamped just after `now` (the clock read on another CPU) is fresh, not 2^64 ns old.
	mpw_ecn_ap future = good;
	future.last_rx_ns = now + 5;
	EXPECT_TRUE(mpw_ecn_fresh(&future, now, &pol));
}

TEST(EcnSelection, TheBarFallsAtOnceAndRisesOnlyAfterHoldNs)
{
	const u64 ms = 1000000, hold = 500 * ms, t0 = 10000 * ms;
	struct Step {
		u32 best_ns;	// of this evaluation; 0: no fresh AP
		u64 at_ms;
		u32 bar_ns;	// expected
		const char *why;
	};
	const Step steps[] = {
		{1000000, 0, 1000000, "the first best"},
		{3000000, 100, 1000000, "the best AP's bad moment: held"},
		{0, 400, 1000000, "its window emptied: held"},
		{1100000, 499, 1000000, "unconfirmed for 499 ms: held"},
		{1100000, 500, 1100000, "unconfirmed for 500 ms: the rise takes effect"},
		{900000, 600, 900000, "a fall takes effect at once"},
		{900000, 700, 900000, "an equal best confirms the bar"},
		{2000000, 1199, 900000, "499 ms after the confirmation: held"},
		{2000000, 1200, 2000000, "500 ms after it: risen"},
		{5000000, 1100, 2000000, "a clock read before the last update (another CPU) is no time passed"},
		{0, 1700, 0, "no fresh AP for 500 ms: no bar"},
		{1500000, 1701, 1500000, "a best again"},
	};
	mpw_ecn_bar bar{.best_ns = 0, .since_ns = 0};
	for (const Step &step : steps)
		EXPECT_EQ(mpw_ecn_bar_update(&bar, step.best_ns, t0 + step.at_ms * ms, hold), step.bar_ns) << step.why;

	// What the hold is for: through the bad moment the marked AP's law still sees a better AP.
	const u32 bad = 2500000, rtt_us = 20000;
	EXPECT_EQ(mpw_ecn_delta_ppm(MPW_ECN_LAW_UNCOUPLED, bad, 3000000, rtt_us, MPW_ECN_BUDGET_PPM_DEFAULT, kCap),
		  0U);
	EXPECT_GT(mpw_ecn_delta_ppm(MPW_ECN_LAW_UNCOUPLED, bad, 1000000, rtt_us, MPW_ECN_BUDGET_PPM_DEFAULT, kCap),
		  0U);
}

TEST(EcnSelection, AVerdictSwitchesOnlyAfterHoldingForHoldNs)
{
	const mpw_ecn_policy pol{.threshold_ppm = 200000, .min_frames = 20, .stale_ns = 1000000000ULL,
				 .hold_ns = 500000000ULL};
	const u64 ms = 1000000;
	const u32 best = 1000000;
	u64 now = 10000 * ms;
	mpw_ecn_ap ap{.packet_time_ns = 1300000, .window_frames = 100, .last_rx_ns = now, .marking = false,
		      .other_since_ns = 0};

	// 1.3 x best: worse, but only after 500 ms of it does marking start.
	EXPECT_FALSE(mpw_ecn_decide(&ap, best, now, &pol));
	ap.last_rx_ns = now += 499 * ms;
	EXPECT_FALSE(mpw_ecn_decide(&ap, best, now, &pol));
	ap.last_rx_ns = now += 1 * ms;
	EXPECT_TRUE(mpw_ecn_decide(&ap, best, now, &pol));

	// A burst of good windows shorter than the hold does not stop it ...
	ap.packet_time_ns = 1100000;
	ap.last_rx_ns = now += 100 * ms;
	EXPECT_TRUE(mpw_ecn_decide(&ap, best, now, &pol));
	ap.last_rx_ns = now += 300 * ms;
	EXPECT_TRUE(mpw_ecn_decide(&ap, best, now, &pol));
	// ... and a bad window in between restarts the count.
	ap.packet_time_ns = 1300000;
	ap.last_rx_ns = now += 10 * ms;
	EXPECT_TRUE(mpw_ecn_decide(&ap, best, now, &pol));
	ap.packet_time_ns = 1100000;
	ap.last_rx_ns = now += 10 * ms;
	EXPECT_TRUE(mpw_ecn_decide(&ap, best, now, &pol));
	ap.last_rx_ns = now += 499 * ms;
	EXPECT_TRUE(mpw_ecn_decide(&ap, best, now, &pol));
	ap.last_rx_ns = now += 1 * ms;
	EXPECT_FALSE(mpw_ecn_decide(&ap, best, now, &pol));

	// A marked AP whose window empties stays marked until it has been silent for stale_ns + hold.
	ap.packet_time_ns = 1300000;
	ap.last_rx_ns = now += 10 * ms;
	ap.marking = true;
	ap.other_since_ns = 0;
	ap.packet_time_ns = 0;
	now += 900 * ms;
	EXPECT_TRUE(mpw_ecn_decide(&ap, best, now, &pol));
	now += 200 * ms;	// silent for 1.1 s: stale
	EXPECT_TRUE(mpw_ecn_decide(&ap, best, now, &pol));
	now += 500 * ms;
	EXPECT_FALSE(mpw_ecn_decide(&ap, best, now, &pol));
	ap.marking = false;
	ap.other_since_ns = 0;

	// Equal-looking APs whose verdict flickers never start marking.
	for (int i = 0; i < 100; i++) {
		ap.packet_time_ns = i % 3 ? 1250000 : 1050000;
		ap.last_rx_ns = now += 200 * ms;
		EXPECT_FALSE(mpw_ecn_decide(&ap, best, now, &pol)) << i;
	}
}

TEST(EcnSeedLaw, HandComputed)
{
	// T = 0.25 ms, RTT = 20 ms: x = 50 * 0.0625 / (20 * (20 - 12.5)) = 3.125 / 150 = 0.0208333,
	// delta = x^2 / 2 = 2.1701e-4 = 217.0 ppm (the "about 0.02%" of the issue).
	EXPECT_NEAR(mpw_ecn_delta_seed_ppm(250000, 20000, kNoCap), 217, 1);
	// T = 1 ms, RTT = 100 ms: x = 50 / (100 * 50) = 0.01, delta = 5e-5 = 50 ppm.
	EXPECT_NEAR(mpw_ecn_delta_seed_ppm(1000000, 100000, kNoCap), 50, 1);
	// T = 1 ms, RTT = 60 ms: x = 50 / (60 * 10) = 1/12, delta = 1/288 = 3472.2 ppm.
	EXPECT_NEAR(mpw_ecn_delta_seed_ppm(1000000, 60000, kNoCap), 3472, 2);
	// T = 1 ms, RTT = 51 ms: x = 50 / 51 = 0.980, delta = 0.4806: capped at 5%.
	EXPECT_EQ(mpw_ecn_delta_seed_ppm(1000000, 51000, kCap), kCap);
}

TEST(EcnSeedLaw, GuardAndEdges)
{
	EXPECT_EQ(mpw_ecn_delta_seed_ppm(1000000, 50000, kCap), kCap);	// RTT = 50 T
	EXPECT_EQ(mpw_ecn_delta_seed_ppm(1000000, 10000, kCap), kCap);	// RTT < 50 T
	EXPECT_EQ(mpw_ecn_delta_seed_ppm(1000000, 0, kCap), kCap);		// no RTT yet
	EXPECT_EQ(mpw_ecn_delta_seed_ppm(0, 20000, kCap), 0U);		// no packet time
	// T = 4.295 s, RTT = 4295 s: x = 50 T^2 / (RTT (RTT - 50 T)) = 5.25e-5, delta = 1.4e-9: no overflow.
	EXPECT_EQ(mpw_ecn_delta_seed_ppm(UINT32_MAX, UINT32_MAX, kCap), 0U);
	EXPECT_EQ(mpw_ecn_delta_seed_ppm(1000000, 60000, 1000), 1000U);	// any cap
}

TEST(EcnSeedLaw, MatchesTheFormulaOnAGrid)
{
	for (double t_ms : {0.1, 0.25, 0.5, 1.0, 2.0, 5.0})
		for (double rtt_ms : {10.0, 20.0, 50.0, 100.0, 200.0, 1000.0}) {
			if (rtt_ms <= 50 * t_ms * 1.02)
				continue;
			const double want = std::min(SeedPpm(t_ms / 1e3, rtt_ms / 1e3), 1e6);
			const u32 got = mpw_ecn_delta_seed_ppm(static_cast<u32>(t_ms * 1e6),
							       static_cast<u32>(rtt_ms * 1e3), kNoCap);
			EXPECT_NEAR(got, want, 1 + want * 1e-3) << "T " << t_ms << " ms, RTT " << rtt_ms << " ms";
		}
}

TEST(EcnUncoupledLaw, HandComputed)
{
	// T_bad = 2 ms, T_best = 1 ms, eta = 10%: a* = 0.1 * 2 / 1 = 0.2.
	// RTT = 500 ms: W* = 0.2 * 500 / 2 = 50 packets, delta = 8.5065 / 2500 = 3402.6 ppm.
	EXPECT_NEAR(mpw_ecn_delta_uncoupled_ppm(2000000, 1000000, 500000, 100000, kNoCap), 3403, 2);
	// RTT = 100 ms: W* = 10, delta = 8.5065 / 100 = 85065 ppm; capped at 5%.
	EXPECT_NEAR(mpw_ecn_delta_uncoupled_ppm(2000000, 1000000, 100000, 100000, kNoCap), 85065, 20);
	EXPECT_EQ(mpw_ecn_delta_uncoupled_ppm(2000000, 1000000, 100000, 100000, kCap), kCap);
	// T_bad = 1.25 ms, T_best = 1 ms: a* = 0.1 * 1.25 / 0.25 = 0.5; RTT 1 s: W* = 0.5 * 1000 / 1.25 = 400,
	// delta = 8.5065 / 160000 = 53.2 ppm.
	EXPECT_NEAR(mpw_ecn_delta_uncoupled_ppm(1250000, 1000000, 1000000, 100000, kNoCap), 53, 1);
	// A budget of 100%: a* = 1 whatever the ratio: T 1 ms, RTT 100 ms, W* = 100, delta = 850.6 ppm.
	EXPECT_NEAR(mpw_ecn_delta_uncoupled_ppm(1000000, 500000, 100000, 1000000, kNoCap), 851, 1);
}

TEST(EcnUncoupledLaw, GuardsAndEdges)
{
	EXPECT_EQ(mpw_ecn_delta_uncoupled_ppm(1000000, 1000000, 20000, 100000, kCap), 0U);	// not worse
	EXPECT_EQ(mpw_ecn_delta_uncoupled_ppm(900000, 1000000, 20000, 100000, kCap), 0U);	// better
	EXPECT_EQ(mpw_ecn_delta_uncoupled_ppm(0, 0, 20000, 100000, kCap), 0U);
	EXPECT_EQ(mpw_ecn_delta_uncoupled_ppm(2000000, 1000000, 0, 100000, kCap), kCap);	// no RTT
	EXPECT_EQ(mpw_ecn_delta_uncoupled_ppm(2000000, 1000000, 1000, 100000, kCap), kCap);	// RTT < T
	EXPECT_EQ(mpw_ecn_delta_uncoupled_ppm(2000000, 1000000, 100000, 0, kCap), kCap);	// no budget
	// a* = 1, W* = 4295 s / 4.295 s = 1000 packets, delta = 8.5065e-6: no overflow at the extremes.
	EXPECT_EQ(mpw_ecn_delta_uncoupled_ppm(UINT32_MAX, 1, UINT32_MAX, MPW_PPM, kCap), 8U);
}

TEST(EcnUncoupledLaw, MatchesTheFormulaAndDecreasesWithRtt)
{
	for (double best_ms : {0.3, 1.0})
		for (double ratio : {1.2, 1.5, 2.0, 4.0})
			for (double eta : {0.05, 0.1, 0.3}) {
				u32 previous = UINT32_MAX;
				for (double rtt_ms : {50.0, 100.0, 200.0, 500.0, 1000.0, 3000.0}) {
					const double t_ms = best_ms * ratio;
					const double want = std::min(UncoupledPpm(t_ms, best_ms, rtt_ms, eta), 1e6);
					const u32 got = mpw_ecn_delta_uncoupled_ppm(
						static_cast<u32>(t_ms * 1e6), static_cast<u32>(best_ms * 1e6),
						static_cast<u32>(rtt_ms * 1e3), static_cast<u32>(eta * 1e6), kNoCap);
					EXPECT_NEAR(got, want, 1 + want * 2e-3)
						<< "T " << t_ms << " best " << best_ms << " RTT " << rtt_ms << " eta " << eta;
					EXPECT_LE(got, previous);
					previous = got;
				}
			}
}

TEST(EcnLaw, Dispatch)
{
	EXPECT_EQ(mpw_ecn_delta_ppm(MPW_ECN_LAW_SEED, 1000000, 500000, 60000, 100000, kNoCap),
		  mpw_ecn_delta_seed_ppm(1000000, 60000, kNoCap));
	EXPECT_EQ(mpw_ecn_delta_ppm(MPW_ECN_LAW_UNCOUPLED, 2000000, 1000000, 500000, 100000, kNoCap),
		  mpw_ecn_delta_uncoupled_ppm(2000000, 1000000, 500000, 100000, kNoCap));
}

TEST(EcnCredit, RealisedRateMatchesDelta)
{
	// 5%: exactly every 20th single-segment packet, starting with the 20th.
	mpw_ecn_credit c{};
	for (int i = 1; i <= 200; ++i)
		EXPECT_EQ(mpw_ecn_credit_take(&c, 50000, 1), i % 20 == 0) << i;
	// 3403 ppm over 1e6 packets: 3403 marks, never two within 293 packets.
	c = {};
	int marks = 0, last = -1000, closest = 1000;
	for (int i = 0; i < 1000000; ++i)
		if (mpw_ecn_credit_take(&c, 3403, 1)) {
			++marks;
			closest = std::min(closest, i - last);
			last = i;
		}
	EXPECT_EQ(marks, 3403);
	EXPECT_GE(closest, 293);
	EXPECT_EQ(mpw_ecn_credit_take(&c, 0, 1), false);
}

TEST(EcnCredit, GroPacketsCountTheirSegments)
{
	// 10% on 10-segment GRO packets: every 10th packet is marked, i.e. 10 of 100 segments.
	mpw_ecn_credit c{};
	int marked_segments = 0, segments = 0;
	for (int i = 0; i < 1000; ++i) {
		segments += 10;
		marked_segments += mpw_ecn_credit_take(&c, 100000, 10) ? 10 : 0;
	}
	EXPECT_EQ(marked_segments * 10, segments);
	// Mixed sizes: the realised share of segments stays within one packet's worth of delta.
	c = {};
	marked_segments = segments = 0;
	for (int i = 0; i < 30000; ++i) {
		const u32 segs = 1 + static_cast<u32>(i * 7 % 44);
		segments += static_cast<int>(segs);
		marked_segments += mpw_ecn_credit_take(&c, 50000, segs) ? static_cast<int>(segs) : 0;
	}
	EXPECT_NEAR(static_cast<double>(marked_segments) / segments, 0.05, 45.0 / segments);
	// gso_segs 0 (a plain skb) counts as one segment.
	c = {};
	int zero_marks = 0;
	for (int i = 0; i < 100; ++i)
		zero_marks += mpw_ecn_credit_take(&c, 50000, 0);
	EXPECT_EQ(zero_marks, 5);
}

} // namespace
