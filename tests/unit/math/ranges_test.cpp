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

// A range the table has room for.
void Append(mpw_ranges &rs, u64 start, u64 end)
{
	ASSERT_NE(mpw_ranges_add(&rs, start, end), MPW_RANGES_FULL);
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

TEST(Ranges, FullTableRefusesAndChangesNothing)
{
	Table t(3);
	Append(t.rs, 0, 10);
	Append(t.rs, 20, 30);
	Append(t.rs, 40, 50);
	EXPECT_EQ(mpw_ranges_free(&t.rs), 0U);
	EXPECT_EQ(mpw_ranges_add(&t.rs, 60, 70), MPW_RANGES_FULL);
	ASSERT_EQ(t.rs.n, 3U);
	// no gap was covered: untrusted bytes stay untrusted
	EXPECT_FALSE(mpw_ranges_overlap(&t.rs, 10, 20));
	EXPECT_FALSE(mpw_ranges_overlap(&t.rs, 30, 40));
	EXPECT_FALSE(mpw_ranges_overlap(&t.rs, 50, 70));
	// extending the last range needs no slot
	EXPECT_EQ(mpw_ranges_add(&t.rs, 45, 80), MPW_RANGES_ADDED);
	EXPECT_EQ(t.rs.r[2].end, 80U);
}

// The review's harness case: a socket connected again draws a new initial
// sequence number; a range from the new space that lies "before" the old
// last range was silently dropped.  It is recorded now, in its place.
TEST(Ranges, RangeBeforeTheLastIsRecordedNotDropped)
{
	Table t(4);
	Append(t.rs, 1000, 2000);
	const u64 start = 1000 - (1ULL << 40);
	EXPECT_EQ(mpw_ranges_add(&t.rs, start, start + 64), MPW_RANGES_REORDERED);
	ASSERT_EQ(t.rs.n, 2U);
	EXPECT_EQ(t.rs.r[0].start, start);
	EXPECT_EQ(t.rs.r[0].end, start + 64);
	EXPECT_EQ(t.rs.r[1].start, 1000U);
	EXPECT_TRUE(mpw_ranges_overlap(&t.rs, start + 63, start + 64));
	EXPECT_FALSE(mpw_ranges_overlap(&t.rs, start + 64, 1000));
	u64 end = 0;
	EXPECT_TRUE(mpw_ranges_run(&t.rs, start, 5000, &end));
	EXPECT_EQ(end, start + 64);
}

TEST(Ranges, ReorderedRangeMergesWithEveryRangeItTouches)
{
	Table t(4);
	Append(t.rs, 10, 20);
	Append(t.rs, 30, 40);
	Append(t.rs, 50, 60);
	EXPECT_EQ(mpw_ranges_add(&t.rs, 15, 50), MPW_RANGES_REORDERED);
	ASSERT_EQ(t.rs.n, 1U);
	EXPECT_EQ(t.rs.r[0].start, 10U);
	EXPECT_EQ(t.rs.r[0].end, 60U);

	Table m(3);
	Append(m.rs, 10, 20);
	Append(m.rs, 50, 60);
	EXPECT_EQ(mpw_ranges_add(&m.rs, 30, 40), MPW_RANGES_REORDERED);	// between: a slot of its own
	ASSERT_EQ(m.rs.n, 3U);
	EXPECT_EQ(m.rs.r[1].start, 30U);
	EXPECT_EQ(m.rs.r[1].end, 40U);
	EXPECT_EQ(m.rs.r[2].start, 50U);
	EXPECT_EQ(mpw_ranges_add(&m.rs, 0, 5), MPW_RANGES_FULL);		// no slot: nothing changed
	EXPECT_EQ(mpw_ranges_add(&m.rs, 5, 10), MPW_RANGES_REORDERED);	// touches the first: no slot needed
	EXPECT_EQ(m.rs.r[0].start, 5U);
	EXPECT_EQ(m.rs.n, 3U);
}

// The review's other harness case: a call opened at write_seq 0 (a stream
// not yet started) whose data goes at an initial sequence number at or
// past 2^63 reads as untrusted while open.  Hence the module opens a range
// only once the connection is established, and a new epoch forgets ranges
// of the old sequence space.
TEST(Ranges, OpenBeforeTheStreamStartsCannotBeCompared)
{
	Table t(4);
	const u64 idsn = (1ULL << 63) + 12345;
	mpw_ranges_open(&t.rs, 0);
	u64 end = 0;
	EXPECT_FALSE(mpw_ranges_run(&t.rs, idsn + 1, idsn + 100, &end));

	Table e(4);
	Append(e.rs, 1000, 2000);
	mpw_ranges_new_epoch(&e.rs);
	EXPECT_EQ(e.rs.n, 0U);
	mpw_ranges_open(&e.rs, idsn + 1);
	EXPECT_TRUE(mpw_ranges_run(&e.rs, idsn + 1, idsn + 100, &end));
	EXPECT_TRUE(mpw_ranges_close(&e.rs));
	EXPECT_EQ(mpw_ranges_add(&e.rs, e.rs.open_start, idsn + 100), MPW_RANGES_ADDED);
	EXPECT_FALSE(mpw_ranges_overlap(&e.rs, 1000, 2000));
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
// against a set of every trusted byte.  As in the module, a trusted send
// that finds no free slot (and joins no open call) is refused and sends
// nothing; so every answer is exact, whatever the table's size.
TEST(Ranges, AgreesWithByteModel)
{
	for (unsigned int cap : {64U, 4U}) {
		std::mt19937_64 rng(cap);
		Table t(cap);
		const u64 base = UINT64_MAX - 3000;	// the stream wraps early on
		std::set<u64> trusted;			// offsets from base
		u64 write_seq = base, snd_una = base;
		auto is_trusted = [&](u64 seq) { return trusted.count(seq - base) != 0; };
		unsigned int refused = 0;

		for (int step = 0; step < 4000; step++) {
			const u64 len = 1 + rng() % 200;
			if (rng() % 3 == 0) {
				if (!t.rs.open && !mpw_ranges_free(&t.rs)) {
					refused++;
					continue;
				}
				mpw_ranges_open(&t.rs, write_seq);
				for (u64 b = 0; b < len; b++)
					trusted.insert(write_seq + b - base);
				write_seq += len;
				if (mpw_ranges_close(&t.rs)) {
					ASSERT_EQ(mpw_ranges_add(&t.rs, t.rs.open_start, write_seq), MPW_RANGES_ADDED);
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
			ASSERT_EQ(mpw_ranges_overlap(&t.rs, a, b), any) << "step " << step;
			ASSERT_EQ(first, is_trusted(a)) << "step " << step;
			for (u64 x = a; x != run_end; x++) {
				ASSERT_EQ(is_trusted(x), first) << "step " << step;
			}
			if (run_end != b) {
				ASSERT_NE(is_trusted(run_end), first) << "step " << step;
			}
		}
		EXPECT_EQ(refused != 0, cap == 4U) << "refused " << refused;
	}
}

} // namespace
