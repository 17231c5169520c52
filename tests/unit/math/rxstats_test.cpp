// Per-AP accounting (include/mpwifi/rxstats.h): N0/N1/Nlost from retry bits
// and 12-bit sequence numbers per QoS TID, the bucketed sliding window and
// the airtime (harmonic) mean rate.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <cstring> /* rxstats.h calls memset but includes nothing that declares it */
#include <iterator>
#include <map>
#include <random>
#include <set>
#include <vector>

#include <mpwifi/rxstats.h>

namespace {

constexpr u64 kMs = 1000000;
constexpr u32 kWindowMs = 500;
constexpr u64 kSlot = 31250000; /* 500 ms / 16 buckets = 31.25 ms */

class RxStats : public testing::Test {
protected:
	mpw_rx_stats s{};

	void SetUp() override { mpw_rx_stats_init(&s, kWindowMs, 0); }

	void Rx(u8 tid, u16 seq, u64 t = 0, bool retry = false, u32 kbps = 0, bool first_frag = true)
	{
		mpw_frame f{};
		f.now_ns = t;
		f.rate_kbps = kbps;
		f.seq = seq;
		f.tid = tid;
		f.retry = retry;
		f.first_fragment = first_frag;
		f.rate.phy = kbps ? MPWIFI_PHY_OFDM : MPWIFI_PHY_UNKNOWN;
		f.rate.legacy_kbps = kbps;
		mpw_rx_account(&s, &f);
	}

	void RxSeqs(u8 tid, std::initializer_list<u16> seqs, u64 t = 0)
	{
		for (u16 seq : seqs)
			Rx(tid, seq, t);
	}

	mpw_window Win(u64 now) const
	{
		mpw_window w{};
		mpw_rx_window(&s, now, &w);
		return w;
	}
};

// ---------------------------------------------------------------------------
// Sequence accounting
// ---------------------------------------------------------------------------

TEST_F(RxStats, InOrderFramesLoseNothing)
{
	for (u16 seq = 0; seq < 100; seq++)
		Rx(0, seq);
	EXPECT_EQ(s.first_try, 100u);
	EXPECT_EQ(s.retried, 0u);
	EXPECT_EQ(s.lost, 0u);
	EXPECT_EQ(Win(0).lost, 0u);
	EXPECT_EQ(Win(0).first_try, 100u);
}

struct GapRow {
	const char *what;
	std::vector<u16> seqs;
	u64 lost;
};

const GapRow kGaps[] = {
	{"first frame starts the space", {3000}, 0},
	{"100, 104: 101..103", {100, 104}, 3},
	{"two gaps", {10, 12, 20}, 1 + 7},
	{"wrap without loss", {4094, 4095, 0, 1}, 0},
	{"4095 -> 2: 0 and 1", {4095, 2}, 2},
	{"4090 -> 5 across the wrap: 4091..4095, 0..4", {4090, 5}, 10},
	{"largest gap: ahead 256 = 255 lost", {100, 356}, 255},
	{"ahead 257 restarts the space", {100, 357}, 0},
	{"restart then continue", {100, 357, 358, 360}, 1},
	{"ahead 2047 restarts", {0, 2047, 2048}, 0},
	{"behind the highest is never a gap", {200, 150, 100, 201}, 0},
	{"2048 behind is behind, not a restart", {3000, 952, 3001}, 0},
	{"duplicate of the highest", {7, 7, 7, 8}, 0},
};

TEST_F(RxStats, SequenceGapsTable)
{
	for (const GapRow &row : kGaps) {
		mpw_rx_stats_init(&s, kWindowMs, 0);
		for (u16 seq : row.seqs)
			Rx(0, seq);
		EXPECT_EQ(s.lost, row.lost) << row.what;
		EXPECT_EQ(Win(0).lost, row.lost) << row.what;
		EXPECT_EQ(s.first_try, row.seqs.size()) << row.what;
	}
}

TEST_F(RxStats, TidsHaveIndependentSequenceSpaces)
{
	RxSeqs(0, {10});
	RxSeqs(5, {500});	/* first frame of TID 5: no gap against TID 0 */
	RxSeqs(0, {11});
	RxSeqs(5, {501});
	EXPECT_EQ(s.lost, 0u);
	RxSeqs(0, {13});	/* 12 */
	RxSeqs(5, {505});	/* 502..504 */
	RxSeqs(15, {4000});
	EXPECT_EQ(s.lost, 1u + 3);
	RxSeqs(0, {14});	/* TID 5's and 15's numbers do not matter */
	EXPECT_EQ(s.lost, 4u);
	EXPECT_EQ(s.first_try, 8u);
}

TEST_F(RxStats, DuplicatesCountInN1AndNeverAsGaps)
{
	Rx(0, 10);
	Rx(0, 11);
	Rx(0, 11, 0, true);	/* retransmission whose first attempt we got */
	Rx(0, 13);		/* 12 lost */
	Rx(0, 10, 0, true);	/* duplicate behind the highest */
	Rx(0, 13, 0, true);
	EXPECT_EQ(s.first_try, 3u);
	EXPECT_EQ(s.retried, 3u);
	EXPECT_EQ(s.lost, 1u);
	const mpw_window w = Win(0);
	EXPECT_EQ(w.first_try, 3u);
	EXPECT_EQ(w.retried, 3u);
	EXPECT_EQ(w.lost, 1u);
}

TEST_F(RxStats, LateFrameFillsItsGapOnce)
{
	RxSeqs(0, {100, 104});		/* 101, 102, 103 lost */
	ASSERT_EQ(s.lost, 3u);
	Rx(0, 102, 0, true);		/* late: 102 was received after all */
	EXPECT_EQ(s.lost, 2u);
	EXPECT_EQ(Win(0).lost, 2u);
	Rx(0, 102, 0, true);		/* now a duplicate */
	EXPECT_EQ(s.lost, 2u);
	Rx(0, 101);
	Rx(0, 103);
	EXPECT_EQ(s.lost, 0u);
	EXPECT_EQ(Win(0).lost, 0u);
	EXPECT_EQ(s.first_try, 4u);
	EXPECT_EQ(s.retried, 2u);
}

TEST_F(RxStats, LateFrameOnlyWithinTrackedNumbers)
{
	RxSeqs(0, {0, 100});		/* 1..99 lost */
	ASSERT_EQ(s.lost, 99u);
	Rx(0, 36);			/* 100 - 36 = 64 behind: too old to judge */
	EXPECT_EQ(s.lost, 99u);
	Rx(0, 37);			/* 63 behind: refilled */
	EXPECT_EQ(s.lost, 98u);
	EXPECT_EQ(Win(0).lost, 98u);
	Rx(0, 99);			/* 1 behind */
	EXPECT_EQ(s.lost, 97u);
}

TEST_F(RxStats, NumbersBeforeAStartAreNeverRefilled)
{
	RxSeqs(0, {50, 49, 48});	/* behind the first frame: counted, no -1 */
	RxSeqs(0, {60, 400, 399});	/* 400 is a restart: 399 is not a late frame */
	EXPECT_EQ(s.lost, 9u);		/* 51..59 only */
}

TEST_F(RxStats, NonQosFramesCountButAreNeverSequenced)
{
	RxSeqs(0, {10});
	RxSeqs(MPW_TID_NONQOS, {5, 100, 3000, 7});
	RxSeqs(0, {11});
	EXPECT_EQ(s.first_try, 6u);
	EXPECT_EQ(s.lost, 0u);
	Rx(MPW_TID_NONQOS, 8, 0, true);
	EXPECT_EQ(s.retried, 1u);
	EXPECT_EQ(s.lost, 0u);
}

TEST_F(RxStats, OnlyFirstFragmentsAreSequenced)
{
	Rx(0, 10);
	Rx(0, 10, 0, false, 0, false);	/* fragment 1 of MSDU 10 */
	Rx(0, 50, 0, false, 0, false);	/* a bogus later fragment is no gap either */
	Rx(0, 11);
	EXPECT_EQ(s.first_try, 4u);
	EXPECT_EQ(s.lost, 0u);
}

TEST_F(RxStats, ResetSeqForgetsSpacesButKeepsCounts)
{
	RxSeqs(0, {100, 102});
	RxSeqs(3, {7});
	ASSERT_EQ(s.lost, 1u);
	mpw_rx_stats_reset_seq(&s);
	RxSeqs(0, {200});		/* a fresh start, not 97 lost */
	RxSeqs(3, {9});			/* not 8 lost */
	RxSeqs(0, {201, 203});		/* but sequencing goes on */
	EXPECT_EQ(s.lost, 2u);
	EXPECT_EQ(s.first_try, 7u);
	EXPECT_EQ(Win(0).lost, 2u);
}

// ---------------------------------------------------------------------------
// Window
// ---------------------------------------------------------------------------

TEST_F(RxStats, CountsExpireAfterTheWindow)
{
	Rx(0, 1, 10 * kMs);
	Rx(0, 3, 10 * kMs, true);
	EXPECT_EQ(Win(10 * kMs).first_try, 1u);
	// 499 ms: bucket 15 of 16, frame bucket 0 still inside
	EXPECT_EQ(Win(499 * kMs).retried, 1u);
	EXPECT_EQ(Win(499 * kMs).lost, 1u);
	// 510 ms: window starts at bucket 1 (31.25 ms) > 10 ms
	const mpw_window w = Win(510 * kMs);
	EXPECT_EQ(w.first_try + w.retried + w.lost, 0u);
	EXPECT_EQ(s.first_try + s.retried + s.lost, 3u);	/* cumulative stays */
}

TEST_F(RxStats, EcnCountsShareTheWindow)
{
	mpw_rx_account_ecn(&s, 10 * kMs, 40, 2);		// bucket 0
	mpw_rx_account_ecn(&s, kSlot + 1, 3, 0);		// bucket 1: a GRO packet of 3 segments
	mpw_rx_account_ecn(&s, 400 * kMs, 100, 5);
	mpw_window w = Win(450 * kMs);
	EXPECT_EQ(w.ect, 143U);
	EXPECT_EQ(w.marked, 7U);
	EXPECT_EQ(w.first_try + w.retried + w.lost, 0U);	// no frame was counted
	// 520 ms: bucket 0 (0..31.25 ms) has left the window, bucket 1 not yet.
	w = Win(520 * kMs);
	EXPECT_EQ(w.ect, 103U);
	EXPECT_EQ(w.marked, 5U);
	w = Win(960 * kMs);
	EXPECT_EQ(w.ect, 0U);
}

TEST_F(RxStats, EcnBucketCountsSaturate)
{
	mpw_rx_account_ecn(&s, kMs, 65000, 10);
	mpw_rx_account_ecn(&s, kMs, 1000, 70000);
	const mpw_window w = Win(2 * kMs);
	EXPECT_EQ(w.ect, 65535U);
	EXPECT_EQ(w.marked, 65535U);
}

// A bucket's frame counts are u16 so that the per-AP object stays within 1 KiB
// (bench/estimator-cost bytes_per_ap): 65535 frames in one 31 ms bucket would
// be 2 M frames/s, beyond any AP.  They saturate, and the rate and airtime sums
// stop with them, so that the harmonic mean stays the mean of what was counted.
TEST_F(RxStats, BucketFrameCountsSaturateAndTheRateMeanStaysConsistent)
{
	// 140000 frames in one bucket, alternately first-try and retried; the
	// first 20000 at 6 Mbit/s, the rest at 54
	for (u32 i = 0; i < 140000; i++)
		Rx(0, u16(i % 4096), kMs, (i % 2) != 0, i < 20000 ? 6000 : 54000);
	const mpw_window w = Win(2 * kMs);
	EXPECT_EQ(w.first_try, 65535U);
	EXPECT_EQ(w.retried, 65535U);
	EXPECT_EQ(w.rated, 65535U);
	// what was counted: 20000 at 6 Mbit/s and 45535 at 54
	const double mean = 65535.0 / (20000.0 / 6000 + 45535.0 / 54000);
	EXPECT_NEAR(mpw_window_rate_kbps(&w), mean, 1.0);
	mpw_rate r6{}, r54{};
	r6.phy = r54.phy = MPWIFI_PHY_OFDM;
	r6.legacy_kbps = 6000;
	r54.legacy_kbps = 54000;
	const u64 air = 20000ULL * mpw_rx_air_ns(&r6, 6000, 0, true) + 45535ULL * mpw_rx_air_ns(&r54, 54000, 0, true);
	EXPECT_EQ(w.air_ns, std::min<u64>(air, 0xffffffffULL));
	EXPECT_EQ(s.first_try + s.retried, 140000U) << "the cumulative counts do not saturate";
}

TEST_F(RxStats, WindowReportsItsInterval)
{
	struct {
		u64 since, now, start;
	} rows[] = {
		{0, 10 * kMs, 0},			/* younger than a window: since */
		{0, 1000 * kMs, 531250000},		/* bucket 32 - 15 = 17: 17 x 31.25 ms */
		{0, 1031249999, 531250000},		/* still bucket 32: 499.999999 ms */
		{0, 1031250000, 562500000},		/* bucket 33: 468.75 ms */
		{1000100000, 1200 * kMs, 1000100000},	/* 1000.1 ms: tracking began */
		{1000100000, 1600 * kMs, 1125000000},	/* bucket 51 - 15 = 36 */
	};
	for (const auto &row : rows) {
		mpw_rx_stats_init(&s, kWindowMs, row.since);
		const mpw_window w = Win(row.now);
		EXPECT_EQ(w.start_ns, row.start) << row.now;
		EXPECT_EQ(w.end_ns, row.now);
	}
}

// Each rated frame adds its airtime: 1538 B at 6 Mbit/s OFDM is 2076 us PPDU +
// 16 us SIFS + 44 us ACK = 2136 us (airtime_test.cpp); unrated frames add nothing.
TEST_F(RxStats, AirtimeOfRatedFramesInTheWindow)
{
	auto rx = [&](u64 t, u32 kbps) {
		mpw_frame f{};
		f.now_ns = t;
		f.rate_kbps = kbps;
		f.tid = MPW_TID_NONQOS;
		f.first_fragment = 1;
		f.psdu_bytes = 1538;
		f.rate.phy = kbps ? MPWIFI_PHY_OFDM : MPWIFI_PHY_UNKNOWN;
		f.rate.legacy_kbps = kbps;
		mpw_rx_account(&s, &f);
	};
	mpw_rx_stats_init(&s, kWindowMs, 1000 * kMs);
	for (int i = 0; i < 100; i++)
		rx(1000 * kMs + i * 4 * kMs, 6000); /* 1000..1396 ms */
	rx(1100 * kMs, 0);
	mpw_window w = Win(1400 * kMs);
	EXPECT_EQ(w.air_ns, 100u * 2136000);
	EXPECT_EQ(w.rated, 100u);
	/* window [1000, 1400) ms: 213.6 ms of 400 */
	EXPECT_EQ(mpw_window_airtime_ppm(&w), 534000u);
	/* at 1600 ms the window starts at bucket 51 - 15 = 36 (1125 ms): frames at 1128..1396 ms */
	w = Win(1600 * kMs);
	EXPECT_EQ(w.start_ns, 1125 * kMs);
	EXPECT_EQ(w.air_ns, 68u * 2136000);
	EXPECT_EQ(mpw_window_airtime_ppm(&w), (u32)(68ULL * 2136000 * 1000000 / (475 * kMs)));
	EXPECT_EQ(Win(3000 * kMs).air_ns, 0u);
}

// The radio's window: the same buckets and interval as an AP's, and each
// bucket saturates rather than wraps.
TEST(AirWindow, SumsTheBucketsOfTheWindow)
{
	mpw_air_window w{};
	u64 start = 0;

	mpw_air_window_init(&w, kWindowMs, 0);
	EXPECT_EQ(mpw_air_window_sum(&w, 10 * kMs, &start), 0u);
	EXPECT_EQ(start, 0u);
	mpw_air_account(&w, 10 * kMs, 1000);		/* bucket 0 */
	mpw_air_account(&w, 40 * kMs, 2000);		/* bucket 1 */
	mpw_air_account(&w, 490 * kMs, 4000);		/* bucket 15 */
	EXPECT_EQ(mpw_air_window_sum(&w, 499 * kMs, &start), 7000u);
	EXPECT_EQ(start, 0u);
	/* at 520 ms (bucket 16), bucket 0 has left: start 31.25 ms */
	EXPECT_EQ(mpw_air_window_sum(&w, 520 * kMs, &start), 6000u);
	EXPECT_EQ(start, kSlot);
	/* a frame stamped in a bucket already gone changes nothing */
	mpw_air_account(&w, 530 * kMs, 8000);		/* bucket 16 reuses slot 0 */
	mpw_air_account(&w, 5 * kMs, 16000);		/* bucket 0: gone */
	EXPECT_EQ(mpw_air_window_sum(&w, 530 * kMs, &start), 14000u);
	mpw_air_account(&w, 531 * kMs, 0xfffffff0U);
	EXPECT_EQ(mpw_air_window_sum(&w, 531 * kMs, &start), 6000ULL + 0xffffffffULL);
	EXPECT_EQ(mpw_air_window_sum(&w, 2000 * kMs, &start), 0u);
	EXPECT_EQ(start, 2000 * kMs - 15 * kSlot - 2000 * kMs % kSlot);
}

TEST_F(RxStats, HarmonicMeanRate)
{
	// 2 / (1/6 + 1/54) = 2 x 54 / 10 = 10.8 Mbit/s
	for (int i = 0; i < 10; i++) {
		Rx(0, u16(2 * i), 0, false, 6000);
		Rx(0, u16(2 * i + 1), 0, false, 54000);
	}
	mpw_window w = Win(0);
	EXPECT_EQ(w.rated, 20u);
	EXPECT_EQ(mpw_window_rate_kbps(&w), 10800u);

	// 3 x 65 Mbit/s + 1 x 6.5: 4 / (3/65 + 1/6.5) = 4 x 65 / 13 = 20 Mbit/s,
	// and frames without a rate count in N0 but not in the mean.
	mpw_rx_stats_init(&s, kWindowMs, 0);
	for (u16 i = 0; i < 3; i++)
		Rx(0, i, 0, false, 65000);
	Rx(0, 3, 0, true, 6500);
	Rx(0, 4, 0, false, 0);
	Rx(0, 5, 0, false, 0);
	w = Win(0);
	EXPECT_EQ(w.rated, 4u);
	EXPECT_EQ(w.first_try, 5u);
	EXPECT_EQ(mpw_window_rate_kbps(&w), 20000u);
	EXPECT_EQ(s.last_rate.legacy_kbps, 6500u);	/* latest rated frame */
	EXPECT_EQ(s.last_rate.phy, MPWIFI_PHY_OFDM);

	// Rounded to the nearest kbit/s: 2 / (1/11 + 1/54) = 2 x 11 x 54 / 65
	// = 18.2769 Mbit/s -> 18277 kbit/s.
	mpw_rx_stats_init(&s, kWindowMs, 0);
	Rx(0, 0, 0, false, 11000);
	Rx(0, 1, 0, false, 54000);
	w = Win(0);
	EXPECT_EQ(mpw_window_rate_kbps(&w), 18277u);

	mpw_rx_stats_init(&s, kWindowMs, 0);
	Rx(0, 0, 0, false, 0);
	w = Win(0);
	EXPECT_EQ(w.rated, 0u);
	EXPECT_EQ(mpw_window_rate_kbps(&w), 0u);
	EXPECT_EQ(mpw_window_packet_time_ns(&s, &w), 0u);	/* rate unknown */
}

TEST_F(RxStats, WindowPacketTime)
{
	mpw_window w = Win(0);
	EXPECT_EQ(mpw_window_packet_time_ns(&s, &w), 0u);	/* no frame */
	for (u16 i = 0; i < 10; i++)
		Rx(0, i, 0, false, 54000);
	w = Win(0);
	EXPECT_EQ(mpw_window_packet_time_ns(&s, &w), 397500u); /* see the airtime tests */
}

TEST_F(RxStats, StaleTimestampsCountCumulatively)
{
	Rx(0, 1, 2000 * kMs);				/* bucket 64 */
	Rx(0, 2, 1000 * kMs);				/* bucket 32: its slot holds 64 */
	Rx(0, 5, 1000 * kMs);				/* and a gap on it */
	EXPECT_EQ(s.first_try, 3u);
	EXPECT_EQ(s.lost, 2u);
	mpw_window w = Win(2000 * kMs);
	EXPECT_EQ(w.first_try, 1u);
	EXPECT_EQ(w.lost, 0u);
	Rx(0, 6, 1900 * kMs);				/* late but inside the window */
	w = Win(2000 * kMs);
	EXPECT_EQ(w.first_try, 2u);
	EXPECT_EQ(s.last_rx_ns, 2000 * kMs);
}

// Frames at random times over 10 s, a few with gaps; after every frame (and at
// random later instants) the window must hold exactly the frames whose time
// lies in the reported [start, end], and the interval must be whole buckets
// spanning [window - slot, window) once tracking is a window old.
TEST_F(RxStats, WindowMatchesBruteForceRecount)
{
	struct Ev {
		u64 t;
		bool retry;
		u32 lost;
		bool rated;
	};
	std::mt19937 rng(20240601);
	std::vector<Ev> evs;
	const u64 since = 7 * kMs + 123;
	mpw_rx_stats_init(&s, kWindowMs, since);
	u64 t = since;
	u16 seq = 0;
	while (t < 10000 * kMs) {
		t += rng() % (4 * kMs);
		if (rng() % 200 == 0)
			t += rng() % (700 * kMs);	/* idle periods */
		const u32 skip = rng() % 20 == 0 ? 1 + rng() % 4 : 0;
		const bool retry = rng() % 20 == 0;
		const bool rated = rng() % 10 != 0;
		seq = u16((seq + 1 + skip) % MPW_SEQ_MODULO);
		Rx(2, seq, t, retry, rated ? 54000 : 0);
		evs.push_back({t, retry, evs.empty() ? 0 : skip, rated});

		for (u64 now : {t, t + rng() % (3 * kSlot)}) {
			const mpw_window w = Win(now);
			u32 n0 = 0, n1 = 0, lost = 0, rated_n = 0;
			for (const Ev &e : evs) {
				if (e.t < w.start_ns || e.t > w.end_ns)
					continue;
				(e.retry ? n1 : n0)++;
				lost += e.lost;
				rated_n += e.rated;
			}
			ASSERT_EQ(w.end_ns, now);
			ASSERT_EQ(w.first_try, n0) << "at " << now;
			ASSERT_EQ(w.retried, n1) << "at " << now;
			ASSERT_EQ(w.lost, lost) << "at " << now;
			ASSERT_EQ(w.rated, rated_n) << "at " << now;
			// since is no bucket boundary, so a start at a boundary is no tie
			ASSERT_GE(w.start_ns, since);
			if (w.start_ns != since) {
				ASSERT_EQ(w.start_ns % kSlot, 0u);
				ASSERT_GE(now - w.start_ns, kWindowMs * kMs - kSlot);
				ASSERT_LT(now - w.start_ns, kWindowMs * kMs);
			}
			if (now - since >= kWindowMs * kMs) {
				ASSERT_NE(w.start_ns, since) << "at " << now;
			}
			if (now - since < kWindowMs * kMs - kSlot) {
				ASSERT_EQ(w.start_ns, since) << "at " << now;
			}
		}
	}
	EXPECT_GT(evs.size(), 2000u);
}

// A late frame takes its number back from the bucket that counted its gap
// (header: "take the number back from the bucket that counted the gap, if
// still held").  Two gaps of one TID in different buckets, then the older
// gap is filled:
//   bucket 0 (t = 0):         100, 102        -> 101 lost
//   bucket 1 (t = 31.25 ms):  105             -> 103, 104 lost
//   bucket 1:                 101 (late)      -> 101 taken back from bucket 0
// Window at 16 x 31.25 ms = 500 ms covers buckets 1..16: 103 and 104, so 2.
// Window at 17 x 31.25 ms covers buckets 2..17: nothing lost in it.
TEST_F(RxStats, LateFrameTakesLossBackFromTheBucketThatCountedIt)
{
	RxSeqs(0, {100, 102}, 0);
	RxSeqs(0, {105}, kSlot);
	Rx(0, 101, kSlot, true);
	EXPECT_EQ(s.lost, 2u);
	EXPECT_EQ(Win(kSlot).lost, 2u);
	EXPECT_EQ(Win(16 * kSlot).lost, 2u);
	EXPECT_EQ(Win(17 * kSlot).lost, 0u);

	// Same when the older gap has already left the window: the late frame
	// must not take a loss away from the newer bucket.
	mpw_rx_stats_init(&s, kWindowMs, 0);
	RxSeqs(0, {100, 102}, 0);		/* 101 lost, bucket 0 */
	RxSeqs(0, {105}, 20 * kSlot);		/* 103, 104 lost, bucket 20 */
	Rx(0, 101, 20 * kSlot, true);
	EXPECT_EQ(s.lost, 2u);
	EXPECT_EQ(Win(20 * kSlot).lost, 2u);
}

// The window must work whatever the clock reads.  CLOCK_MONOTONIC counts
// from boot; with the smallest window (50 ms, 3.125 ms buckets) bucket
// numbers pass 2^31 after 2^31 x 3.125 ms = 77.7 days of uptime.  An AP
// first heard then must still get window counts.
TEST_F(RxStats, FreshStatsLongAfterBootCountInTheWindow)
{
	constexpr u64 slot = MPWIFI_WINDOW_MS_MIN * kMs / MPW_WIN_BUCKETS;	/* 3.125 ms */
	for (u64 epoch : {u64(1) << 20, (u64(1) << 31) + 100, (u64(1) << 32) - 100}) {
		const u64 now = epoch * slot + 17;
		mpw_rx_stats_init(&s, MPWIFI_WINDOW_MS_MIN, now);
		RxSeqs(0, {1, 2, 4}, now);
		const mpw_window w = Win(now);
		EXPECT_EQ(w.first_try, 3u) << "bucket " << epoch;
		EXPECT_EQ(w.lost, 1u) << "bucket " << epoch;
		EXPECT_EQ(w.start_ns, now) << "bucket " << epoch;
	}
}

// ... and when bucket numbers pass 2^32 (155 days with 50 ms): tracked since
// bucket 2^32 - 5, read at bucket 2^32 + 20, the window starts at bucket
// 2^32 + 5, i.e. (2^32 + 5) x 3.125 ms.
TEST_F(RxStats, WindowStartAcrossBucketNumberWrap)
{
	constexpr u64 slot = MPWIFI_WINDOW_MS_MIN * kMs / MPW_WIN_BUCKETS;
	mpw_rx_stats_init(&s, MPWIFI_WINDOW_MS_MIN, ((u64(1) << 32) - 5) * slot);
	const mpw_window w = Win(((u64(1) << 32) + 20) * slot);
	EXPECT_EQ(w.start_ns, ((u64(1) << 32) + 5) * slot);
}

// ---------------------------------------------------------------------------
// Randomised property test against a brute-force model of the sequence rules
// ---------------------------------------------------------------------------

// Per TID: the highest number, and the set of numbers counted lost that a
// late frame may still fill (those fewer than 64 behind the highest).
struct SeqModel {
	bool valid = false;
	u32 highest = 0;
	std::set<u32> missing;

	static u32 Ahead(u32 from, u32 to) { return (to + 4096 - from) % 4096; }

	long Account(u32 sn)
	{
		const u32 ahead = Ahead(highest, sn);
		if (!valid || (ahead > 256 && ahead < 2048)) {	/* start or restart */
			valid = true;
			highest = sn;
			missing.clear();
			return 0;
		}
		if (ahead == 0)
			return 0;
		if (ahead < 2048) {
			for (u32 k = 1; k < ahead; k++)
				missing.insert((highest + k) % 4096);
			highest = sn;
			for (auto it = missing.begin(); it != missing.end();)
				it = Ahead(*it, highest) >= 64 ? missing.erase(it) : std::next(it);
			return long(ahead) - 1;
		}
		return missing.erase(sn) ? -1 : 0;	/* late fill, else duplicate/too old */
	}
};

TEST_F(RxStats, RandomStreamsMatchModel)
{
	constexpr u8 kTidMix[] = {0, 0, 0, 0, 1, 2, 3, 15, 15, MPW_TID_NONQOS};

	for (u32 seed : {1u, 2u, 3u, 42u, 2024u}) {
		std::mt19937 rng(seed);
		mpw_rx_stats_init(&s, kWindowMs, 0);
		std::map<u8, SeqModel> model;
		std::map<u8, u32> next;
		u64 n0 = 0, n1 = 0;
		long lost = 0;
		u64 t = 0;

		for (int i = 0; i < 30000; i++) {
			const u8 tid = kTidMix[rng() % std::size(kTidMix)];
			u32 &hi = next[tid];
			const u32 r = u32(rng() % 1000);
			u32 sn;
			bool retry = false, first_frag = true;
			if (r < 700) {
				sn = hi = (hi + 1) % 4096;		/* in order */
			} else if (r < 780) {
				sn = hi = (hi + 2 + rng() % 6) % 4096;	/* small gap */
			} else if (r < 790) {
				sn = hi = (hi + 200 + rng() % 120) % 4096; /* around MAX_GAP */
			} else if (r < 840) {
				sn = hi;				/* retransmission */
				retry = true;
			} else if (r < 950) {
				sn = (hi + 4096 - 1 - rng() % 80) % 4096; /* late, some too old */
				retry = rng() % 2;
			} else if (r < 960) {
				sn = hi = (hi + 4096 - 300 - rng() % 1500) % 4096; /* far back */
			} else if (r < 990) {
				sn = hi;				/* later fragment */
				first_frag = false;
			} else if (r < 999) {
				sn = rng() % 4096;			/* garbage */
			} else {
				mpw_rx_stats_reset_seq(&s);
				model.clear();
				continue;
			}
			t += rng() % (2 * kMs);
			Rx(tid, u16(sn), t, retry, 0, first_frag);
			(retry ? n1 : n0)++;
			if (tid < MPW_NUM_TIDS && first_frag)
				lost += model[tid].Account(sn);

			ASSERT_EQ(s.first_try, n0) << "seed " << seed << " frame " << i;
			ASSERT_EQ(s.retried, n1) << "seed " << seed << " frame " << i;
			ASSERT_EQ(s.lost, u64(lost)) << "seed " << seed << " frame " << i << " tid "
						     << int(tid) << " sn " << sn;
		}
		EXPECT_GT(lost, 1000) << "the stream should exercise gaps";
	}
}

} // namespace
