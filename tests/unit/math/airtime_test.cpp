// Packet time T (include/mpwifi/airtime.h, TRILOGY2 D3.2 eq. 2.1/2.2)
// against hand-computed values and a double-precision reference of the
// documented model written here from the 802.11 timing.
#include <gtest/gtest.h>

#include "rate_helpers.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include <mpwifi/airtime.h>

namespace {

constexpr double kQ24 = 16777216.0; /* 2^24 */

mpw_rate Legacy(u8 phy, u32 kbps)
{
	return Rate(phy, 0, 0, 0, 0, kbps);
}


u32 PacketTime(const mpw_rate &r, u32 kbps, u32 loss_q24)
{
	return mpw_packet_time_ns(&r, kbps, loss_q24);
}

// ---------------------------------------------------------------------------
// p = 0: one attempt, T = DIFS + CWmin/2 slots + data + SIFS + ACK.
//
// OFDM (slot 9, SIFS 16, DIFS 34, CWmin 15 -> mean backoff 7.5 x 9 = 67.5 us).
// Data: 20 us preamble + 4 us x ceil((16 + 6 + 8 x 1538) / N_DBPS), i.e.
// ceil(12326 / N_DBPS) symbols with N_DBPS = 4 x Mbit/s.  ACK: 14 B = 134 bits
// at 6 (< 12), 12 (< 24) or 24 Mbit/s.
//   rate  N_DBPS  symbols  data   ACK                       T
//    6      24     514     2076   20+4*ceil(134/24)=44   34+67.5+2076+16+44 = 2237.5
//    9      36     343     1392   44                     34+67.5+1392+16+44 = 1553.5
//   12      48     257     1048   20+4*ceil(134/48)=32   34+67.5+1048+16+32 = 1197.5
//   18      72     172      708   32                     34+67.5+ 708+16+32 =  857.5
//   24      96     129      536   20+4*ceil(134/96)=28   34+67.5+ 536+16+28 =  681.5
//   36     144      86      364   28                     34+67.5+ 364+16+28 =  509.5
//   48     192      65      280   28                     34+67.5+ 280+16+28 =  425.5
//   54     216      58      252   28                     34+67.5+ 252+16+28 =  397.5
// DSSS (slot 20, SIFS 10, DIFS 50, CWmin 31 -> 15.5 x 20 = 310 us), long
// preamble 192 us, data 192 + 12304 bits / rate; ACK 192 + 112 bits at 1 or 2:
//    1: 50+310+(192+12304)+10+(192+112)             = 13170
//    2: 50+310+(192+6152)+10+(192+56)                =  6962
//  5.5: 50+310+(192+2237.0909)+10+(192+56)           =  3047.0909
//   11: 50+310+(192+1118.5455)+10+(192+56)           =  1928.5455
// ---------------------------------------------------------------------------
struct HandRow {
	u8 phy;
	u32 kbps;
	double t_us;
};

constexpr HandRow kHand[] = {
	{MPWIFI_PHY_OFDM, 6000, 2237.5},   {MPWIFI_PHY_OFDM, 9000, 1553.5},
	{MPWIFI_PHY_OFDM, 12000, 1197.5},  {MPWIFI_PHY_OFDM, 18000, 857.5},
	{MPWIFI_PHY_OFDM, 24000, 681.5},   {MPWIFI_PHY_OFDM, 36000, 509.5},
	{MPWIFI_PHY_OFDM, 48000, 425.5},   {MPWIFI_PHY_OFDM, 54000, 397.5},
	{MPWIFI_PHY_DSSS, 1000, 13170.0},  {MPWIFI_PHY_DSSS, 2000, 6962.0},
	{MPWIFI_PHY_DSSS, 5500, 3047.0909}, {MPWIFI_PHY_DSSS, 11000, 1928.5455},
};

TEST(Airtime, LegacyRatesLosslessHandComputed)
{
	for (const HandRow &row : kHand) {
		// the ns values are whole (OFDM) or truncated sub-ns fractions (DSSS)
		EXPECT_NEAR(PacketTime(Legacy(row.phy, row.kbps), row.kbps, 0), row.t_us * 1000.0, 1.0)
			<< "phy " << int(row.phy) << " at " << row.kbps << " kbit/s";
	}
}

// ---------------------------------------------------------------------------
// Reference model, double precision, from IEEE 802.11-2020 timing.
// ---------------------------------------------------------------------------
enum class Kind { Dsss, Ofdm, Ht, Vht, He };

struct RefPhy {
	const char *name;
	Kind kind;
	double mbps;	  /* legacy: the rate */
	double ndbps;	  /* MCS PHYs: data bits per OFDM symbol, all streams */
	double sym_us;	  /* MCS PHYs: symbol incl. GI */
	int nss;	  /* MCS PHYs */
	mpw_rate rate;	  /* the same PHY for the code under test */
};

constexpr double kFrameBits = 8.0 * 1538;	/* 26 hdr + 8 LLC + 1500 + 4 FCS */
constexpr double kAckBits = 8.0 * 14;
constexpr int kAttempts = 7;			/* dot11ShortRetryLimit */

double OfdmLegacyUs(double bits, double mbps)	/* clause 17: 16 us + SIGNAL 4 us */
{
	return 20.0 + 4.0 * std::ceil((16.0 + bits + 6.0) / (4.0 * mbps));
}

int LongTrainingFields(int nss)			/* N_LTF, 19-17 / 21-13 */
{
	static const int ltf[9] = {0, 1, 2, 4, 4, 6, 6, 8, 8};
	return ltf[nss];
}

// Airtime of one attempt without its backoff, in us.
double RefAttemptUs(const RefPhy &phy)
{
	switch (phy.kind) {
	case Kind::Dsss: {
		const double ack_mbps = phy.mbps >= 2 ? 2 : 1;
		return (10 + 2 * 20) + (192 + kFrameBits / phy.mbps) + 10 + (192 + kAckBits / ack_mbps);
	}
	case Kind::Ofdm: {
		const double ack_mbps = phy.mbps >= 24 ? 24 : phy.mbps >= 12 ? 12 : 6;
		return (16 + 2 * 9) + OfdmLegacyUs(kFrameBits, phy.mbps) + 16 +
		       OfdmLegacyUs(kAckBits, ack_mbps);
	}
	default: {
		const double legacy = 8 + 8 + 4;		/* L-STF, L-LTF, L-SIG */
		const int n_ltf = LongTrainingFields(phy.nss);
		double preamble = 0;
		if (phy.kind == Kind::Ht)	/* HT-SIG, HT-STF, HT-LTFs */
			preamble = legacy + 8 + 4 + 4.0 * n_ltf;
		else if (phy.kind == Kind::Vht)	/* VHT-SIG-A, VHT-STF, VHT-LTFs, VHT-SIG-B */
			preamble = legacy + 8 + 4 + 4.0 * n_ltf + 4;
		else				/* RL-SIG, HE-SIG-A, HE-STF, 2x HE-LTFs 6.4 + 1.6 */
			preamble = legacy + 4 + 8 + 4 + 8.0 * n_ltf;
		const double data = preamble + phy.sym_us * std::ceil((16 + kFrameBits + 6) / phy.ndbps);
		return (16 + 2 * 9) + data + 16 + OfdmLegacyUs(kAckBits, 24);
	}
	}
}

double RefBackoffUs(const RefPhy &phy, int attempt)
{
	const bool dsss = phy.kind == Kind::Dsss;
	const double slot = dsss ? 20 : 9, cw_min = dsss ? 31 : 15, cw_max = 1023;
	return slot * std::min((cw_min + 1) * std::pow(2.0, attempt) - 1, cw_max) / 2;
}

// Expected airtime of all attempts per delivered frame.  Attempt a (0-based)
// is made iff the a attempts before it failed: probability p^a.  The frame is
// delivered with probability 1 - p^7.  Hence
//   T = sum_{a=0..6} (attempt + backoff(a)) p^a / (1 - p^7),
// the same quantity as the header's sum over outcomes, written another way.
double RefPacketTimeNs(const RefPhy &phy, double p)
{
	const double attempt = RefAttemptUs(phy);
	double sum = 0;
	for (int a = 0; a < kAttempts; a++)
		sum += (attempt + RefBackoffUs(phy, a)) * std::pow(p, a);
	return 1000.0 * sum / (1 - std::pow(p, kAttempts));
}

RefPhy LegacyPhy(Kind kind, double mbps)
{
	return {"legacy", kind, mbps, 0, 0, 0,
		Legacy(kind == Kind::Dsss ? MPWIFI_PHY_DSSS : MPWIFI_PHY_OFDM, u32(mbps * 1000))};
}

// N_DBPS = N_SD x N_BPSCS x R x N_SS (19-27.., 21-30.., 27-55..).
std::vector<RefPhy> ReferencePhys()
{
	std::vector<RefPhy> v;
	for (double mbps : {1.0, 2.0, 5.5, 11.0})
		v.push_back(LegacyPhy(Kind::Dsss, mbps));
	for (double mbps : {6.0, 9.0, 12.0, 18.0, 24.0, 36.0, 48.0, 54.0})
		v.push_back(LegacyPhy(Kind::Ofdm, mbps));
	v.push_back({"HT MCS0 20 LGI", Kind::Ht, 0, 52 * 0.5, 4.0, 1,
		     Rate(MPWIFI_PHY_HT, 0, 0, MPW_BW_20, MPW_GI_0_8)});
	v.push_back({"HT MCS7 20 SGI", Kind::Ht, 0, 52 * 6 * 5.0 / 6, 3.6, 1,
		     Rate(MPWIFI_PHY_HT, 7, 0, MPW_BW_20, MPW_GI_0_4)});
	v.push_back({"HT MCS19 20 LGI", Kind::Ht, 0, 52 * 4 * 0.5 * 3, 4.0, 3,
		     Rate(MPWIFI_PHY_HT, 19, 0, MPW_BW_20, MPW_GI_0_8)});
	v.push_back({"HT MCS15 40 SGI", Kind::Ht, 0, 108 * 6 * 5.0 / 6 * 2, 3.6, 2,
		     Rate(MPWIFI_PHY_HT, 15, 0, MPW_BW_40, MPW_GI_0_4)});
	v.push_back({"HT MCS31 40 SGI", Kind::Ht, 0, 108 * 6 * 5.0 / 6 * 4, 3.6, 4,
		     Rate(MPWIFI_PHY_HT, 31, 0, MPW_BW_40, MPW_GI_0_4)});
	v.push_back({"VHT MCS0 20 1SS LGI", Kind::Vht, 0, 52 * 0.5, 4.0, 1,
		     Rate(MPWIFI_PHY_VHT, 0, 1, MPW_BW_20, MPW_GI_0_8)});
	v.push_back({"VHT MCS9 80 2SS SGI", Kind::Vht, 0, 234 * 8 * 5.0 / 6 * 2, 3.6, 2,
		     Rate(MPWIFI_PHY_VHT, 9, 2, MPW_BW_80, MPW_GI_0_4)});
	v.push_back({"VHT MCS7 160 5SS LGI", Kind::Vht, 0, 468 * 6 * 5.0 / 6 * 5, 4.0, 5,
		     Rate(MPWIFI_PHY_VHT, 7, 5, MPW_BW_160, MPW_GI_0_8)});
	v.push_back({"HE MCS0 20 1SS 3.2", Kind::He, 0, 234 * 0.5, 16.0, 1,
		     Rate(MPWIFI_PHY_HE, 0, 1, MPW_BW_20, MPW_GI_3_2)});
	v.push_back({"HE MCS5 40 3SS 1.6", Kind::He, 0, 468 * 6 * 2.0 / 3 * 3, 14.4, 3,
		     Rate(MPWIFI_PHY_HE, 5, 3, MPW_BW_40, MPW_GI_1_6)});
	v.push_back({"HE MCS11 80 2SS 0.8", Kind::He, 0, 980 * 10 * 5.0 / 6 * 2, 13.6, 2,
		     Rate(MPWIFI_PHY_HE, 11, 2, MPW_BW_80, MPW_GI_0_8)});
	v.push_back({"HE MCS7 160 8SS 0.8", Kind::He, 0, 1960 * 6 * 5.0 / 6 * 8, 13.6, 8,
		     Rate(MPWIFI_PHY_HE, 7, 8, MPW_BW_160, MPW_GI_0_8)});
	return v;
}

// The rate handed to the code: kbit/s, truncated as a receiver reports it.
u32 RefKbps(const RefPhy &phy)
{
	if (phy.kind == Kind::Dsss || phy.kind == Kind::Ofdm)
		return u32(phy.mbps * 1000);
	return u32(phy.ndbps / phy.sym_us * 1000);
}

u32 LossQ24(double p)
{
	return u32(std::lround(p * kQ24));
}

std::vector<double> LossGrid()
{
	std::vector<double> g;
	for (int i = 0; i <= 90; i++)
		g.push_back(i / 100.0);
	g.push_back(0.95);
	g.push_back(0.99);
	return g;
}

// Fixed point error budget: p is exact in Q24 (the reference is evaluated at
// the same quantised p); each of the 7 weights p^i (1 - p) and the running
// p^i are truncated to 2^-24 (< 6e-8), the largest attempt cost is < 30x the
// first (OFDM 54 Mbit/s: backoff grows from 67.5 to 4603.5 us), so the
// numerator is off by < 8 x 30 x 6e-8 ~ 1.4e-5 relative; the denominator
// 1 - p^7 >= 0.067 (p <= 0.99) loses < 8 x 6e-8 / 0.067 ~ 7e-6; durations are
// truncated to whole ns (< 1e-5 of >= 100 us).  1e-4 leaves a margin of ~3
// over that sum and is ten times tighter than the 1e-3 the estimator needs.
constexpr double kRelTol = 1e-4;

TEST(Airtime, MatchesDoubleReferenceOverRatesAndLosses)
{
	double worst = 0;
	for (const RefPhy &phy : ReferencePhys()) {
		// The code must derive the same rate as the reference first.
		const u32 kbps = RefKbps(phy);
		if (phy.kind != Kind::Dsss && phy.kind != Kind::Ofdm) {
			ASSERT_NEAR(mpw_rate_kbps(&phy.rate), kbps, 1.0) << phy.name;
		}
		for (double p_nominal : LossGrid()) {
			const u32 q = LossQ24(p_nominal);
			const double ref = RefPacketTimeNs(phy, q / kQ24);
			const double got = PacketTime(phy.rate, kbps, q);
			const double rel = std::fabs(got - ref) / ref;
			worst = std::max(worst, rel);
			EXPECT_LE(rel, kRelTol) << phy.name << " " << kbps << " kbit/s p=" << p_nominal
						<< ": got " << got << " ns, reference " << ref;
		}
	}
	RecordProperty("worst_relative_error", testing::PrintToString(worst));
}

TEST(Airtime, IncreasesWithLoss)
{
	for (const RefPhy &phy : ReferencePhys()) {
		const u32 kbps = RefKbps(phy);
		u32 prev = 0;
		for (double p : LossGrid()) {
			const u32 t = PacketTime(phy.rate, kbps, LossQ24(p));
			EXPECT_GT(t, prev) << phy.name << " p=" << p;
			prev = t;
		}
	}
}

TEST(Airtime, DecreasesWithRateWithinAPhy)
{
	const std::vector<u32> dsss = {1000, 2000, 5500, 11000};
	const std::vector<u32> ofdm = {6000, 9000, 12000, 18000, 24000, 36000, 48000, 54000};
	for (double p : {0.0, 0.1, 0.5, 0.9}) {
		for (const auto *rates : {&dsss, &ofdm}) {
			const u8 phy = rates == &dsss ? MPWIFI_PHY_DSSS : MPWIFI_PHY_OFDM;
			for (size_t i = 1; i < rates->size(); i++) {
				const u32 lo = (*rates)[i - 1], hi = (*rates)[i];
				EXPECT_LT(PacketTime(Legacy(phy, hi), hi, LossQ24(p)),
					  PacketTime(Legacy(phy, lo), lo, LossQ24(p)))
					<< lo << " vs " << hi << " kbit/s, p=" << p;
			}
		}
		// MCS PHYs: the rate rises with the MCS index.  At high rates the
		// frame fits in as many symbols at MCS m as at m + 1 (VHT 80 MHz 2SS
		// MCS 6 and 7: ceil(12326 / 2106) = ceil(12326 / 2340) = 6), so T
		// may stay equal: non-increasing.
		struct Ladder {
			u8 phy, nss, bw, gi, max_mcs;
		};
		for (const Ladder &l : {Ladder{MPWIFI_PHY_HT, 0, MPW_BW_20, MPW_GI_0_8, 7},
					Ladder{MPWIFI_PHY_VHT, 2, MPW_BW_80, MPW_GI_0_4, 9},
					Ladder{MPWIFI_PHY_HE, 1, MPW_BW_80, MPW_GI_0_8, 11}}) {
			u32 prev_t = UINT32_MAX;
			for (u8 mcs = 0; mcs <= l.max_mcs; mcs++) {
				const mpw_rate r = Rate(l.phy, mcs, l.nss, l.bw, l.gi);
				const u32 t = PacketTime(r, mpw_rate_kbps(&r), LossQ24(p));
				EXPECT_LE(t, prev_t) << "phy " << int(l.phy) << " mcs " << int(mcs);
				prev_t = t;
			}
		}
	}
}

// With no first-try success p would be 1 and T infinite: p is capped at
// 255/256, so T is the (finite, largest) value at the cap.  The result is
// an unsigned 32-bit ns count, so where the model exceeds ~4.29 s the
// expected answer is the saturated UINT32_MAX, never a wrapped small value.
TEST(Airtime, LossCapGivesFiniteLargestPacketTime)
{
	const double cap = 255.0 / 256;
	for (const RefPhy &phy : ReferencePhys()) {
		const u32 kbps = RefKbps(phy);
		const u32 all_retried = mpw_loss_q24(0, 10, 0);
		ASSERT_EQ(all_retried, MPW_PROB_ONE);
		const u32 t_one = PacketTime(phy.rate, kbps, all_retried);
		const u32 t_cap = PacketTime(phy.rate, kbps, LossQ24(cap));
		const u32 t_99 = PacketTime(phy.rate, kbps, LossQ24(0.99));
		const double ref = std::min(RefPacketTimeNs(phy, cap), double(UINT32_MAX));

		EXPECT_EQ(t_one, t_cap) << phy.name;
		EXPECT_GT(t_one, t_99) << phy.name << " " << kbps << " kbit/s";
		EXPECT_NEAR(t_one, ref, ref * kRelTol) << phy.name << " " << kbps << " kbit/s";
	}
}

TEST(Airtime, UnknownRateGivesZero)
{
	EXPECT_EQ(PacketTime(Legacy(MPWIFI_PHY_OFDM, 0), 0, 0), 0u);
	EXPECT_EQ(PacketTime(Legacy(MPWIFI_PHY_UNKNOWN, 6000), 6000, 0), 0u);
	EXPECT_EQ(PacketTime(Rate(MPWIFI_PHY_HE, 7, 1, MPW_BW_80, MPW_GI_0_4), 300000, 0), 0u);
}

struct CountRow {
	u32 n0, n1, lost;
	u32 ppm;	/* floor(1e6 n0 / total) */
	u32 q24;	/* floor(2^24 (n1 + lost) / total) */
};

constexpr CountRow kCounts[] = {
	{0, 0, 0, 0, 0},				/* no frame: defined as 0 */
	{1, 0, 0, 1000000, 0},
	{0, 3, 0, 0, 16777216},				/* nothing first try */
	{0, 0, 5, 0, 16777216},
	{90, 5, 5, 900000, 1677721},			/* 2^24 / 10 = 1677721.6 */
	{2, 1, 0, 666666, 5592405},			/* 2^24 / 3 = 5592405.33 */
	{950, 40, 10, 950000, 838860},			/* 2^24 x 0.05 = 838860.8 */
	{4000000000u, 4000000000u, 4000000000u, 333333, 11184810}, /* no overflow */
};

TEST(Airtime, DeliveryAndLossFromCounts)
{
	for (const CountRow &c : kCounts) {
		EXPECT_EQ(mpw_delivery_ppm(c.n0, c.n1, c.lost), c.ppm) << c.n0 << "/" << c.n1 << "/" << c.lost;
		EXPECT_EQ(mpw_loss_q24(c.n0, c.n1, c.lost), c.q24) << c.n0 << "/" << c.n1 << "/" << c.lost;
	}
}

} // namespace

// ---------------------------------------------------------------------------
// Airtime of one received frame (mpw_rx_air_ns): PPDU, + SIFS + ACK if acked.
//
//   OFDM 6 Mbit/s, 1538 B: 20 + 4 x ceil(12326 / 24) = 20 + 4 x 514 = 2076 us;
//     ACK at 6: 20 + 4 x ceil(134 / 24) = 44 us, SIFS 16 -> 2076 + 60 = 2136 us.
//   OFDM 54 Mbit/s, 100 B: 22 + 800 = 822 bits / 216 -> 4 symbols: 36 us;
//     ACK at 24: 20 + 4 x ceil(134 / 96) = 28 us -> 36 + 16 + 28 = 80 us.
//   DSSS 1 Mbit/s, 100 B: 192 + 800 = 992 us; ACK at 1: 192 + 112, SIFS 10 -> 1306 us.
//   DSSS 11 Mbit/s, 1538 B: 192 + 12304 / 11 = 1310.545454 us (ns floored);
//     ACK at 2: 192 + 56, SIFS 10 -> + 258 us.
//   HT MCS 7, 20 MHz, long GI (65 Mbit/s, 260 bits per 4 us symbol), 1538 B:
//     preamble 36 us + 4 x ceil(12326 / 260) = 4 x 48 -> 228 us; ACK 24 Mbit/s -> + 44 us.
// ---------------------------------------------------------------------------

TEST(RxAirtime, HandComputedFrames)
{
	struct {
		const char *what;
		mpw_rate rate;
		u32 bytes;
		u32 acked_ns, unacked_ns;
	} rows[] = {
		{"OFDM 6", Legacy(MPWIFI_PHY_OFDM, 6000), 1538, 2136000, 2076000},
		{"OFDM 54", Legacy(MPWIFI_PHY_OFDM, 54000), 100, 80000, 36000},
		{"DSSS 1", Legacy(MPWIFI_PHY_DSSS, 1000), 100, 1306000, 992000},
		{"DSSS 11", Legacy(MPWIFI_PHY_DSSS, 11000), 1538, 1310545 + 258000, 1310545},
		{"HT MCS7", Rate(MPWIFI_PHY_HT, 7, 1, MPW_BW_20, MPW_GI_0_8), 1538, 272000, 228000},
	};
	for (const auto &row : rows) {
		const u32 kbps = mpw_rate_kbps(&row.rate);
		EXPECT_EQ(mpw_rx_air_ns(&row.rate, kbps, row.bytes, true), row.acked_ns) << row.what;
		EXPECT_EQ(mpw_rx_air_ns(&row.rate, kbps, row.bytes, false), row.unacked_ns) << row.what;
	}
}

TEST(RxAirtime, UnknownRateGivesZero)
{
	const mpw_rate ofdm = Legacy(MPWIFI_PHY_OFDM, 0);
	const mpw_rate unknown = Legacy(MPWIFI_PHY_UNKNOWN, 6000);
	EXPECT_EQ(mpw_rx_air_ns(&ofdm, 0, 1538, true), 0u);
	EXPECT_EQ(mpw_rx_air_ns(&unknown, 6000, 1538, true), 0u);
}

TEST(RxAirtime, SharePpm)
{
	EXPECT_EQ(mpw_share_ppm(250000000, 500000000), 500000u);
	EXPECT_EQ(mpw_share_ppm(1, 3), 333333u);		/* floored */
	EXPECT_EQ(mpw_share_ppm(600000000, 500000000), 1000000u); /* stamps across an edge: capped */
	EXPECT_EQ(mpw_share_ppm(5, 0), 0u);
	EXPECT_EQ(mpw_share_ppm(10000000000ULL, 10000000000ULL), 1000000u); /* 10 s: no overflow */
	EXPECT_EQ(mpw_share_ppm(9999999999ULL, 10000000000ULL), 999999u);
}
