// Which received frames count, and where (include/mpwifi/rxfilter.h): A-MSDU
// subframes once per MPDU, driver-checked frames at entry, the rest after
// mac80211's checks, unencrypted frames only on an open link, and every frame
// at most once over the two points.
#include <gtest/gtest.h>

#include <mpwifi/rxfilter.h>

namespace {

mpw_rx_facts Facts(bool amsdu_more, bool dup, bool pn, bool decrypted, bool protected_fc)
{
	mpw_rx_facts f{};
	f.amsdu_more = amsdu_more;
	f.dup_validated = dup;
	f.pn_validated = pn;
	f.decrypted = decrypted;
	f.protected_fc = protected_fc;
	return f;
}

constexpr auto kEntry = MPW_RX_AT_ENTRY;
constexpr auto kAccept = MPW_RX_AT_ACCEPT;

// A software-crypto driver (mac80211_hwsim): the driver checks nothing, mac80211 decrypts.
TEST(RxFilter, SoftwareCryptoCountsAtAcceptOnly)
{
	auto raw = Facts(false, false, false, false, true);
	EXPECT_EQ(mpw_rx_judge(kEntry, &raw, false), MPW_RX_SKIP);
	EXPECT_EQ(mpw_rx_judge(kEntry, &raw, true), MPW_RX_SKIP);
	auto decrypted = Facts(false, false, false, true, true);	/* mac80211 set DECRYPTED */
	EXPECT_EQ(mpw_rx_judge(kAccept, &decrypted, false), MPW_RX_COUNT_AUTHENTIC);
	EXPECT_EQ(mpw_rx_judge(kAccept, &decrypted, true), MPW_RX_COUNT_AUTHENTIC);
}

// A frame with the Protected bit mac80211 could not decrypt never reaches accept; if it did, it would not count.
TEST(RxFilter, UndecryptedProtectedFrameNeverCounts)
{
	auto f = Facts(false, false, false, false, true);
	EXPECT_EQ(mpw_rx_judge(kAccept, &f, false), MPW_RX_SKIP);
	EXPECT_EQ(mpw_rx_judge(kAccept, &f, true), MPW_RX_SKIP);
}

// Unencrypted frames: counted on an open link, never once the link proved protected.
TEST(RxFilter, UnencryptedFramesOnlyOnAnOpenLink)
{
	auto sw = Facts(false, false, false, false, false);
	EXPECT_EQ(mpw_rx_judge(kAccept, &sw, false), MPW_RX_COUNT);
	EXPECT_EQ(mpw_rx_judge(kAccept, &sw, true), MPW_RX_SKIP);
	auto hw = Facts(false, true, false, false, false);	/* driver de-duplicated it */
	EXPECT_EQ(mpw_rx_judge(kEntry, &hw, false), MPW_RX_COUNT);
	EXPECT_EQ(mpw_rx_judge(kEntry, &hw, true), MPW_RX_SKIP);
	EXPECT_EQ(mpw_rx_judge(kAccept, &hw, false), MPW_RX_SKIP);
}

// Hardware crypto with PN checks (iwlwifi, ath10k, mt76): counted at entry, skipped at accept.
TEST(RxFilter, DriverCheckedFramesCountAtEntry)
{
	auto f = Facts(false, true, true, true, true);
	EXPECT_EQ(mpw_rx_judge(kEntry, &f, false), MPW_RX_COUNT_AUTHENTIC);
	EXPECT_EQ(mpw_rx_judge(kAccept, &f, false), MPW_RX_SKIP);
	EXPECT_EQ(mpw_rx_judge(kAccept, &f, true), MPW_RX_SKIP);
}

// Decrypted by the driver but replays left to mac80211: counted after mac80211's PN check.
TEST(RxFilter, DecryptedWithoutPnCheckWaitsForMac80211)
{
	auto f = Facts(false, true, false, true, true);
	EXPECT_EQ(mpw_rx_judge(kEntry, &f, false), MPW_RX_SKIP);
	EXPECT_EQ(mpw_rx_judge(kAccept, &f, false), MPW_RX_COUNT_AUTHENTIC);
}

// A-MSDU deaggregated in hardware: k subframes, only the last (without AMSDU_MORE) counts.
TEST(RxFilter, AmsduSubframesCountOnce)
{
	for (bool dup : {false, true}) {
		int counted = 0;
		for (int i = 0; i < 5; i++) {
			auto f = Facts(i < 4, dup, dup, true, true);
			for (auto at : {kEntry, kAccept})
				counted += mpw_rx_judge(at, &f, true) != MPW_RX_SKIP;
		}
		EXPECT_EQ(counted, 1) << "dup_validated " << dup;
	}
}

// Over every combination of flags, a frame counts at most once; what decrypted is counted at
// accept is counted even when mac80211 set DECRYPTED after entry.
TEST(RxFilter, NeverCountedTwice)
{
	for (int bits = 0; bits < 32; bits++) {
		auto f = Facts(bits & 1, bits & 2, bits & 4, bits & 8, bits & 16);
		for (bool prot : {false, true}) {
			auto at_entry = mpw_rx_judge(kEntry, &f, prot);
			auto later = f;
			if (later.protected_fc)
				later.decrypted = true;	/* mac80211 decrypted it (or dropped it) */
			auto at_accept = mpw_rx_judge(kAccept, &later, prot);
			EXPECT_FALSE(at_entry != MPW_RX_SKIP && at_accept != MPW_RX_SKIP)
				<< "flags " << bits << " protected link " << prot;
			if (!f.amsdu_more && f.protected_fc) {
				EXPECT_TRUE(at_entry == MPW_RX_COUNT_AUTHENTIC ||
					    at_accept == MPW_RX_COUNT_AUTHENTIC ||
					    (f.dup_validated && f.pn_validated && !f.decrypted))
					<< "flags " << bits;
			}
		}
	}
}

}  // namespace
