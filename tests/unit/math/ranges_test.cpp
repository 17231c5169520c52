// Trusted byte ranges (include/mpwifi/ranges.h) against hand-built streams and
// a byte-by-byte model: a std::set of the trusted sequence numbers.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <random>
#include <set>
#include <vector>

#include <mpwifi/ranges.h>

namespace {

// Storage for a table of @cap slots.
struct Table {
	explicit Table(unsigned int cap) : slots(cap) { rs.r = slots.data(), rs.cap = cap; }
	std::vector<mpw_range> slots;
	mpw_ranges rs{};
};

// The kernel's append when the table cannot grow.
void Append(mpw_ranges &rs, u64 start, u64 end)
{
	if (!mpw_ranges_append(&rs, start, end))
		mpw_ranges_append_over_gap(&rs, start, end);
}

TEST(Ranges, SequenceComparisonWraps)
{
	EXPECT_TRUE(mpw_seq_before(1, 2));
	EXPECT_FALSE(mpw_seq_before(2, 2));
	EXPECT_TRUE(mpw_seq_before(UINT64_MAX - 5, 3));	// 3 comes after the wrap
	EXPECT_FALSE(mpw_seq_before(3, UINT64_MAX - 5));
}

TEST(Ranges, OverlapAndRunsByHand)
{
	Table t(8);
	Append(t.rs, 100, 164);		// a header
	Append(t.rs, 2212, 2276);	// the next one, 2048 bytes of body between
	ASSERT_EQ(t.rs.n, 2U);

	EXPECT_FALSE(mpw_ranges_overlap(&t.rs, 0, 100));
	EXPECT_TRUE(mpw_ranges_overlap(&t.rs, 0, 101));
	EXPECT_TRUE(mpw_ranges_overlap(&t.rs, 163, 164));
	EXPECT_FALSE(mpw_ranges_overlap(&t.rs, 164, 2212));
	EXPECT_TRUE(mpw_ranges_overlap(&t.rs, 164, 5000));
	EXPECT_FALSE(mpw_ranges_overlap(&t.rs, 2276, 9000));
	EXPECT_FALSE(mpw_ranges_overlap(&t.rs, 150, 150));	// empty

	u64 end = 0;
	EXPECT_FALSE(mpw_ranges_run(&t.rs, 0, 5000, &end));	// untrusted up to the header
	EXPECT_EQ(end, 100U);
	EXPECT_TRUE(mpw_ranges_run(&t.rs, 100, 5000, &end));	// the header
	EXPECT_EQ(end, 164U);
	EXPECT_TRUE(mpw_ranges_run(&t.rs, 120, 130, &end));	// capped by the chunk
	EXPECT_EQ(end, 130U);
	EXPECT_FALSE(mpw_ranges_run(&t.rs, 164, 5000, &end));	// the body
	EXPECT_EQ(end, 2212U);
	EXPECT_FALSE(mpw_ranges_run(&t.rs, 3000, 5000, &end));	// after everything
	EXPECT_EQ(end, 5000U);
}

TEST(Ranges, TouchingRangesJoinAndEmptyOnesVanish)
{
	Table t(2);
	Append(t.rs, 10, 20);
	Append(t.rs, 20, 30);
	Append(t.rs, 25, 25);
	ASSERT_EQ(t.rs.n, 1U);
	EXPECT_EQ(t.rs.r[0].start, 10U);
	EXPECT_EQ(t.rs.r[0].end, 30U);
}

TEST(Ranges, OpenCallMakesEverythingFromItsStartTrusted)
{
	Table t(4);
	Append(t.rs, 100, 164);
	mpw_ranges_open(&t.rs, 1000);
	mpw_ranges_open(&t.rs, 1500);	// a second caller: the first start holds
	EXPECT_EQ(t.rs.open_start, 1000U);

	u64 end = 0;
	EXPECT_FALSE(mpw_ranges_run(&t.rs, 164, 9000, &end));
	EXPECT_EQ(end, 1000U);
	EXPECT_TRUE(mpw_ranges_run(&t.rs, 1000, 9000, &end));
	EXPECT_EQ(end, 9000U);
	EXPECT_TRUE(mpw_ranges_overlap(&t.rs, 900, 1001));

	EXPECT_FALSE(mpw_ranges_close(&t.rs));	// one still open
	EXPECT_TRUE(mpw_ranges_close(&t.rs));	// the last: the caller appends
	EXPECT_FALSE(mpw_ranges_close(&t.rs));	// never below zero
	Append(t.rs, t.rs.open_start, 1300);
	EXPECT_FALSE(mpw_ranges_overlap(&t.rs, 1300, 9000));
	EXPECT_TRUE(mpw_ranges_overlap(&t.rs, 1299, 1300));
}

TEST(Ranges, PruneDropsOnlyAcknowledgedRanges)
{
	Table t(8);
	Append(t.rs, 100, 164);
	Append(t.rs, 300, 364);
	Append(t.rs, 500, 564);
	mpw_ranges_prune(&t.rs, 164);	// the first is wholly acknowledged
	ASSERT_EQ(t.rs.n, 2U);
	EXPECT_EQ(t.rs.r[0].start, 300U);
	mpw_ranges_prune(&t.rs, 330);	// partly: kept whole
	ASSERT_EQ(t.rs.n, 2U);
	mpw_ranges_prune(&t.rs, 10000);
	EXPECT_EQ(t.rs.n, 0U);
}

TEST(Ranges, FullTableCoversOnlyTheNewestGap)
{
	Table t(3);
	Append(t.rs, 0, 10);
	Append(t.rs, 20, 30);
	Append(t.rs, 40, 50);
	EXPECT_FALSE(mpw_ranges_append(&t.rs, 60, 70));	// full: nothing changed
	ASSERT_EQ(t.rs.n, 3U);
	Append(t.rs, 60, 70);
	ASSERT_EQ(t.rs.n, 3U);
	// older gaps stay exact (their bytes may be queued on untrusted subflows)
	EXPECT_FALSE(mpw_ranges_overlap(&t.rs, 10, 20));
	EXPECT_FALSE(mpw_ranges_overlap(&t.rs, 30, 40));
	EXPECT_TRUE(mpw_ranges_overlap(&t.rs, 50, 60));	// the newest gap, covered
	EXPECT_EQ(t.rs.r[2].start, 40U);
	EXPECT_EQ(t.rs.r[2].end, 70U);
}

TEST(Ranges, AcrossTheWrapOfTheSequenceSpace)
{
	Table t(4);
	const u64 base = UINT64_MAX - 99;	// the stream wraps 100 bytes in
	Append(t.rs, base + 50, base + 150);
	u64 end = 0;
	EXPECT_FALSE(mpw_ranges_run(&t.rs, base, base + 1000, &end));
	EXPECT_EQ(end, base + 50);
	EXPECT_TRUE(mpw_ranges_run(&t.rs, base + 120, base + 1000, &end));	// past zero
	EXPECT_EQ(end, base + 150);
	EXPECT_TRUE(mpw_ranges_overlap(&t.rs, 0, 1));
}

// A random stream of trusted and untrusted sends, acknowledged as it goes,
// against a set of every trusted byte: while nothing is merged every answer
// is exact; after merges, never a trusted byte reported untrusted.
TEST(Ranges, AgreesWithByteModel)
{
	for (unsigned int cap : {64U, 4U}) {
		std::mt19937_64 rng(cap);
		Table t(cap);
		const u64 base = UINT64_MAX - 3000;	// the stream wraps early on
		std::set<u64> trusted;			// offsets from base
		u64 write_seq = base, snd_una = base;
		auto is_trusted = [&](u64 seq) { return trusted.count(seq - base) != 0; };
		bool merged = false;

		for (int step = 0; step < 4000; step++) {
			const u64 len = 1 + rng() % 200;
			if (rng() % 3 == 0) {
				mpw_ranges_open(&t.rs, write_seq);
				for (u64 b = 0; b < len; b++)
					trusted.insert(write_seq + b - base);
				write_seq += len;
				if (mpw_ranges_close(&t.rs)) {
					merged |= t.rs.n == t.rs.cap;
					Append(t.rs, t.rs.open_start, write_seq);
				}
			} else {
				write_seq += len;
			}
			if (rng() % 4 == 0) {
				snd_una += rng() % (write_seq - snd_una + 1);
				mpw_ranges_prune(&t.rs, snd_una);
				trusted.erase(trusted.begin(), trusted.lower_bound(snd_una - base));
			}
			// probe a random chunk of the unacknowledged stream
			const u64 span = write_seq - snd_una;
			if (!span)
				continue;
			const u64 a = snd_una + rng() % span;
			const u64 b = a + 1 + rng() % std::min<u64>(write_seq - a, 3000);
			bool any = false;
			for (u64 x = a; x != b; x++)
				any |= is_trusted(x);
			u64 run_end = 0;
			const bool first = mpw_ranges_run(&t.rs, a, b, &run_end);
			if (!merged) {
				ASSERT_EQ(mpw_ranges_overlap(&t.rs, a, b), any) << "step " << step;
				ASSERT_EQ(first, is_trusted(a)) << "step " << step;
				for (u64 x = a; x != run_end; x++) {
					ASSERT_EQ(is_trusted(x), first) << "step " << step;
				}
				if (run_end != b) {
					ASSERT_NE(is_trusted(run_end), first) << "step " << step;
				}
			} else {
				if (any) {
					ASSERT_TRUE(mpw_ranges_overlap(&t.rs, a, b)) << "step " << step;
				}
				for (u64 x = a; !first && x != run_end; x++) {
					ASSERT_FALSE(is_trusted(x)) << "step " << step;
				}
			}
		}
		EXPECT_EQ(merged, cap == 4U);
	}
}

} // namespace
