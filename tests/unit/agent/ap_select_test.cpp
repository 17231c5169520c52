// SPDX-License-Identifier: GPL-2.0
// The AP manager's choice of APs and channel for one radio: worth, filling,
// hysteresis, make before break, channel moves.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "daemon/ap_select.h"

namespace mpwifi::daemon {
namespace {

using namespace std::chrono_literals;
using Clock = ApSelector::Clock;

constexpr BssPhy kOfdm{.phy = MPWIFI_PHY_OFDM};
const Clock::time_point t0 = Clock::time_point() + 1000s;

MacAddr mac(std::uint8_t last) { return MacAddr{0x02, 0, 0, 0, 0, last}; }

ApCandidate heard(std::uint8_t last, std::uint32_t freq, int signal, bool joinable = true)
{
	return {.bssid = mac(last), .freqMhz = freq, .signalDbm = signal, .phy = kOfdm, .joinable = joinable};
}

ApStation station(std::uint8_t last, std::uint32_t freq, bool up = true)
{
	return {.bssid = mac(last), .freqMhz = freq, .up = up, .signalDbm = std::nullopt, .packetTimeNs = std::nullopt};
}

std::vector<MacAddr> bssids(const std::vector<ApChange> &changes)
{
	std::vector<MacAddr> out;
	for (const ApChange &c : changes)
		out.push_back(c.bssid);
	return out;
}

ApSelectConfig config(std::uint32_t stations, std::uint32_t channels = 1)
{
	return {.maxStations = stations, .maxChannels = channels, .signalFloorDbm = -80, .margin = 0.2,
		.hold = 5000ms};
}

TEST(ApWorth, FromThePacketTimeOnceMeasuredElseFromTheSignal)
{
	// 54 Mbit/s legacy, no loss: 397.5 us a full packet (airtime.h), 12000 bits
	EXPECT_EQ(expectedKbps(heard(1, 2412, -60), std::nullopt), 12000ull * 1000000 / 397500);
	EXPECT_EQ(expectedKbps(heard(1, 2412, -65), std::nullopt), 12000ull * 1000000 / 397500);
	// the module's figure wins over the signal's
	EXPECT_EQ(expectedKbps(heard(1, 2412, -60), 1200000u), 10000u);
	// -66 dBm misses 54 Mbit/s (-65) and gets 48; -83 misses even 6 (-82)
	EXPECT_LT(expectedKbps(heard(1, 2412, -66), std::nullopt), expectedKbps(heard(1, 2412, -65), std::nullopt));
	EXPECT_GT(expectedKbps(heard(1, 2412, -66), std::nullopt), 0u);
	EXPECT_EQ(expectedKbps(heard(1, 2412, -83), std::nullopt), 0u);
}

TEST(ApSelect, AnEmptyRadioTakesTheBestChannelAndItsBestAps)
{
	ApSelector sel(config(2));
	const std::vector<ApCandidate> scan{
		heard(1, 2412, -70), heard(2, 2412, -65), heard(3, 2412, -77),
		heard(4, 2437, -66),                   // a channel whose best is worse
		heard(5, 2412, -50, /*joinable=*/false), // no network of the file
		heard(6, 2462, -81),                   // under the floor
	};
	const ApPlan plan = sel.plan(scan, {}, false, t0);
	EXPECT_EQ(plan.channels, (std::vector<std::uint32_t>{2412}));
	EXPECT_TRUE(plan.leave.empty());
	EXPECT_EQ(bssids(plan.join), (std::vector<MacAddr>{mac(2), mac(1)}));
}

TEST(ApSelect, ABetterApReplacesTheWorstOnlyAfterTheHold)
{
	ApSelector sel(config(2));
	std::vector<ApStation> stations{station(1, 2412), station(2, 2412)};
	std::vector<ApCandidate> scan{heard(1, 2412, -65), heard(2, 2412, -77), heard(3, 2412, -65)};
	EXPECT_TRUE(sel.plan(scan, stations, false, t0).empty());
	EXPECT_TRUE(sel.plan(scan, stations, false, t0 + 4999ms).empty());
	ApPlan plan = sel.plan(scan, stations, false, t0 + 5000ms);
	EXPECT_EQ(bssids(plan.leave), (std::vector<MacAddr>{mac(2)}));
	EXPECT_EQ(bssids(plan.join), (std::vector<MacAddr>{mac(3)}));
	EXPECT_NE(plan.leave[0].why.find("02:00:00:00:00:03 gives"), std::string::npos) << plan.leave[0].why;

	// Not better throughout: the hold starts again.
	ApSelector again(config(2));
	EXPECT_TRUE(again.plan(scan, stations, false, t0).empty());
	scan[1].signalDbm = -65; // ap2 as good for a while
	EXPECT_TRUE(again.plan(scan, stations, false, t0 + 3s).empty());
	scan[1].signalDbm = -77;
	EXPECT_TRUE(again.plan(scan, stations, false, t0 + 4s).empty());
	EXPECT_TRUE(again.plan(scan, stations, false, t0 + 8999ms).empty());
	EXPECT_EQ(bssids(again.plan(scan, stations, false, t0 + 9s).join), (std::vector<MacAddr>{mac(3)}));
}

TEST(ApSelect, WithinTheMarginNothingMoves)
{
	ApSelector sel(config(1));
	// 48 against 54 Mbit/s: better, not by 20%
	const std::vector<ApStation> stations{station(1, 2412)};
	const std::vector<ApCandidate> scan{heard(1, 2412, -66), heard(2, 2412, -60)};
	for (auto t = t0; t < t0 + 60s; t += 1s)
		ASSERT_TRUE(sel.plan(scan, stations, true, t).empty());
}

TEST(ApSelect, TheMeasuredPacketTimeRanksAnApInUse)
{
	ApSelector sel(config(1));
	std::vector<ApStation> stations{station(1, 2412)};
	// strong, but the module measures 1.2 ms a packet (10 Mbit/s): retries
	stations[0].packetTimeNs = 1200000;
	const std::vector<ApCandidate> scan{heard(1, 2412, -55), heard(2, 2412, -70)};
	EXPECT_TRUE(sel.plan(scan, stations, true, t0).empty());
	const ApPlan plan = sel.plan(scan, stations, true, t0 + 5s);
	EXPECT_EQ(bssids(plan.leave), (std::vector<MacAddr>{mac(1)}));
	EXPECT_EQ(bssids(plan.join), (std::vector<MacAddr>{mac(2)}));
}

TEST(ApSelect, TheLastStationUpLeavesForABetterApOnlyWithAnotherPath)
{
	ApSelector sel(config(1));
	const std::vector<ApStation> stations{station(1, 2412)};
	const std::vector<ApCandidate> scan{heard(1, 2412, -77), heard(2, 2412, -60)};
	for (auto t = t0; t <= t0 + 30s; t += 1s)
		ASSERT_TRUE(sel.plan(scan, stations, false, t).empty()) << "left the only path";
	const ApPlan plan = sel.plan(scan, stations, true, t0 + 31s);
	EXPECT_EQ(bssids(plan.leave), (std::vector<MacAddr>{mac(1)}));
	EXPECT_EQ(bssids(plan.join), (std::vector<MacAddr>{mac(2)}));

	// one not yet up is no path to keep
	ApSelector idle(config(1));
	const std::vector<ApStation> associating{station(1, 2412, /*up=*/false)};
	EXPECT_TRUE(idle.plan(scan, associating, false, t0).empty());
	EXPECT_EQ(bssids(idle.plan(scan, associating, false, t0 + 5s).join), (std::vector<MacAddr>{mac(2)}));
}

TEST(ApSelect, AnApUnderTheFloorOrGoneIsLeftAtOnceAndItsPlaceFilled)
{
	ApSelector sel(config(2));
	std::vector<ApStation> stations{station(1, 2412), station(2, 2412)};
	stations[0].signalDbm = -85; // the station's own view: under the floor
	const std::vector<ApCandidate> scan{heard(1, 2412, -70), heard(3, 2412, -75)};
	// ap2: neither in the scan nor heard by its station; wired carries traffic
	const ApPlan plan = sel.plan(scan, stations, /*otherPath=*/true, t0);
	EXPECT_EQ(bssids(plan.leave), (std::vector<MacAddr>{mac(1), mac(2)}));
	EXPECT_NE(plan.leave[0].why.find("-85 dBm under the floor -80 dBm"), std::string::npos) << plan.leave[0].why;
	EXPECT_EQ(plan.leave[1].why, "not heard");
	EXPECT_EQ(bssids(plan.join), (std::vector<MacAddr>{mac(3)}));
}

TEST(ApSelect, TheLastPathFadingStaysUntilAnotherStationIsUp)
{
	std::vector<ApStation> stations{station(1, 2412), station(2, 2412)};
	stations[0].signalDbm = -85;
	const std::vector<ApCandidate> scan{heard(1, 2412, -70), heard(3, 2412, -75)};
	ApSelector sel(config(2));
	ApPlan plan = sel.plan(scan, stations, false, t0);
	EXPECT_EQ(bssids(plan.leave), (std::vector<MacAddr>{mac(2)})) << "the stronger of the fading two stays";
	EXPECT_EQ(bssids(plan.join), (std::vector<MacAddr>{mac(3)}));

	// its replacement associating is no path yet; once up, the weak one goes
	stations = {stations[0], station(3, 2412, /*up=*/false)};
	EXPECT_TRUE(sel.plan(scan, stations, false, t0 + 1s).empty());
	stations[1].up = true;
	plan = sel.plan(scan, stations, false, t0 + 2s);
	EXPECT_EQ(bssids(plan.leave), (std::vector<MacAddr>{mac(1)}));
	EXPECT_TRUE(plan.join.empty());

	// missed by a scan and unheard by itself (a failed read), alone: kept
	const std::vector<ApStation> alone{station(1, 2412)};
	EXPECT_TRUE(sel.plan(std::vector<ApCandidate>{}, alone, false, t0 + 3s).empty());
	EXPECT_TRUE(sel.plan(std::vector<ApCandidate>{heard(1, 2412, -90)}, alone, false, t0 + 4s).empty());
	// but not one the networks file no longer takes
	EXPECT_EQ(bssids(sel.plan(std::vector<ApCandidate>{heard(1, 2412, -60, false)}, alone, false, t0 + 5s).leave),
		  (std::vector<MacAddr>{mac(1)}));
}

TEST(ApSelect, ARadioOfOneStationLeavesItsFadingApOnlyForAUsableOne)
{
	ApSelector sel(config(1));
	std::vector<ApStation> stations{station(1, 2412)};
	stations[0].signalDbm = -84;
	EXPECT_TRUE(sel.plan(std::vector<ApCandidate>{heard(1, 2412, -84), heard(2, 2412, -82)}, stations, false, t0)
			    .empty())
		<< "nothing usable to go to";
	const ApPlan plan =
		sel.plan(std::vector<ApCandidate>{heard(1, 2412, -84), heard(2, 2412, -62)}, stations, false, t0 + 1s);
	EXPECT_EQ(bssids(plan.leave), (std::vector<MacAddr>{mac(1)}));
	EXPECT_EQ(bssids(plan.join), (std::vector<MacAddr>{mac(2)}));
}

TEST(ApSelect, AStationUpThatTheScanMissedIsKept)
{
	ApSelector sel(config(2));
	std::vector<ApStation> stations{station(1, 2412)};
	stations[0].signalDbm = -60;
	const ApPlan plan = sel.plan(std::vector<ApCandidate>{heard(2, 2412, -70)}, stations, false, t0);
	EXPECT_TRUE(plan.leave.empty());
	EXPECT_EQ(bssids(plan.join), (std::vector<MacAddr>{mac(2)}));
	EXPECT_EQ(plan.channels, (std::vector<std::uint32_t>{2412}));
}

TEST(ApSelect, TheRadioChangesChannelWhenLeavingKeepsAPath)
{
	const std::vector<ApStation> stations{station(1, 2412), station(2, 2412)};
	const std::vector<ApCandidate> scan{heard(1, 2412, -77), heard(2, 2412, -79), heard(4, 2437, -60),
					    heard(5, 2437, -66)};
	ApSelector alone(config(2));
	for (auto t = t0; t <= t0 + 30s; t += 1s)
		ASSERT_TRUE(alone.plan(scan, stations, false, t).empty()) << "the only radio left its channel";

	ApSelector sel(config(2));
	EXPECT_TRUE(sel.plan(scan, stations, true, t0).empty());
	const ApPlan plan = sel.plan(scan, stations, true, t0 + 5s);
	EXPECT_EQ(plan.channels, (std::vector<std::uint32_t>{2437}));
	EXPECT_EQ(bssids(plan.leave), (std::vector<MacAddr>{mac(1), mac(2)}));
	EXPECT_NE(plan.leave[0].why.find("channel 2437 MHz gives"), std::string::npos) << plan.leave[0].why;
	EXPECT_EQ(bssids(plan.join), (std::vector<MacAddr>{mac(4), mac(5)}));
}

TEST(ApSelect, AChannelWithNothingUsableLeftIsLeftWithoutWaiting)
{
	ApSelector sel(config(2));
	const std::vector<ApStation> stations{station(1, 2412)};
	const ApPlan plan = sel.plan(std::vector<ApCandidate>{heard(1, 2412, -81), heard(4, 2437, -70)}, stations,
				     false, t0);
	EXPECT_EQ(bssids(plan.leave), (std::vector<MacAddr>{mac(1)}));
	EXPECT_EQ(bssids(plan.join), (std::vector<MacAddr>{mac(4)}));
	EXPECT_EQ(plan.channels, (std::vector<std::uint32_t>{2437}));
}

TEST(ApSelect, ARadioWithTwoChannelsUsesBoth)
{
	ApSelector sel(config(3, 2));
	const std::vector<ApCandidate> scan{heard(1, 2412, -70), heard(2, 2412, -77), heard(3, 2412, -79),
					    heard(7, 5180, -60), heard(8, 5180, -81), heard(9, 2437, -75)};
	const ApPlan plan = sel.plan(scan, {}, false, t0);
	EXPECT_EQ(plan.channels, (std::vector<std::uint32_t>{5180, 2412}));
	EXPECT_EQ(bssids(plan.join), (std::vector<MacAddr>{mac(7), mac(1), mac(2)}));
}

TEST(ApSelect, AnotherRadiosChannelIsWorthHalfAndItsApsAreItsOwn)
{
	const std::vector<ApCandidate> scan{heard(1, 2412, -50), heard(2, 2412, -52), heard(4, 2437, -60)};
	ApSelector alone(config(2));
	ApPlan plan = alone.plan(scan, std::vector<ApStation>{}, false, t0);
	EXPECT_EQ(plan.channels, (std::vector<std::uint32_t>{2412}));
	EXPECT_EQ(bssids(plan.join), (std::vector<MacAddr>{mac(1), mac(2)}));

	// the laptop's other radio is on 2412 with ap1: this one takes 2437
	const OtherRadios first{.channels = {2412}, .bssids = {mac(1)}};
	ApSelector second(config(2));
	plan = second.plan(scan, std::vector<ApStation>{}, false, t0, first);
	EXPECT_EQ(plan.channels, (std::vector<std::uint32_t>{2437}));
	EXPECT_EQ(bssids(plan.join), (std::vector<MacAddr>{mac(4)}));

	// with nothing usable elsewhere it shares 2412, but not ap1
	ApSelector shared(config(2));
	plan = shared.plan(std::vector<ApCandidate>{scan[0], scan[1], heard(4, 2437, -88)}, std::vector<ApStation>{},
			   false, t0, first);
	EXPECT_EQ(plan.channels, (std::vector<std::uint32_t>{2412}));
	EXPECT_EQ(bssids(plan.join), (std::vector<MacAddr>{mac(2)}));
}

TEST(ApSelect, NeverMoreStationsThanTheRadioAllows)
{
	ApSelector sel(config(1));
	const std::vector<ApCandidate> scan{heard(1, 2412, -60), heard(2, 2412, -61), heard(3, 2412, -62)};
	const ApPlan plan = sel.plan(scan, {}, false, t0);
	EXPECT_EQ(bssids(plan.join), (std::vector<MacAddr>{mac(1)}));
	// and the one it has is kept: no join beside it
	EXPECT_TRUE(sel.plan(scan, std::vector<ApStation>{station(2, 2412)}, false, t0).empty());
}

} // namespace
} // namespace mpwifi::daemon
