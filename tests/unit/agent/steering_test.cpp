// SPDX-License-Identifier: GPL-2.0
// The steering policy: the module's figures in (a scripted reading each
// round), priorities, endpoint withdrawals and marking out.
#include <gtest/gtest.h>

#include <linux/mptcp.h>

#include "daemon/options.h"
#include "daemon/steering.h"
#include "daemon/wifi.h"
#include "policy_world.h"

namespace mpwifi::daemon {
namespace {

using namespace std::chrono_literals;
using fake::kRunning;
using Clock = SteeringPolicy::Clock;

constexpr MacAddr kAp1 = {0x02, 0, 0, 0, 0x01, 0};
constexpr MacAddr kAp2 = {0x02, 0, 0, 0, 0x02, 0};

// The fake world, plus the module's figures and the endpoints' backup flags.
class SteeringWorld : public fake::World {
public:
	AirtimeReading reading;
	int readError = 0;
	int backupError = 0;

	Result request(const Action &action) override
	{
		if (std::holds_alternative<action::ReadAirtime>(action)) {
			if (readError)
				return {.error = readError, .message = "no module"};
			return {.airtime = reading};
		}
		if (const auto *set = std::get_if<action::SetBackup>(&action)) {
			asked.push_back(std::string(set->backup ? "backup " : "regular ") + set->endpoint.text());
			if (backupError)
				return {.error = backupError, .message = "refused"};
			for (Endpoint &ep : endpoints)
				if (ep.id == set->endpoint.id)
					ep.flags = set->backup ? ep.flags | MPTCP_PM_ADDR_FLAG_BACKUP
							       : ep.flags & ~static_cast<std::uint32_t>(MPTCP_PM_ADDR_FLAG_BACKUP);
			return {};
		}
		if (const auto *set = std::get_if<action::SetMarking>(&action)) {
			asked.push_back(std::string("marking ") + (set->enabled ? "on" : "off"));
			return {};
		}
		return World::request(action);
	}

	// Only what changes priorities or endpoints.
	fake::Strings changes()
	{
		fake::Strings out;
		for (std::string &line : take())
			if (line.rfind("backup", 0) == 0 || line.rfind("regular", 0) == 0 || line.rfind("remove", 0) == 0 ||
			    line.rfind("add", 0) == 0)
				out.push_back(std::move(line));
		return out;
	}
};

// Two stations, sta1 (ifindex 5) with AP 1 and sta2 (6) with AP 2, an
// endpoint on each; a clock the test moves by the policy's rounds.
class SteeringTest : public ::testing::Test {
protected:
	void SetUp() override
	{
		a1 = fake::ipv4(5, "10.0.1.11");
		a2 = fake::ipv4(6, "10.0.2.11");
		ifaces[5] = fake::interface(5, "sta1", LinkType::Wifi, kRunning, {a1});
		ifaces[6] = fake::interface(6, "sta2", LinkType::Wifi, kRunning, {a2});
		world.endpoints = {fake::endpointOn(a1, 1), fake::endpointOn(a2, 2)};
	}

	void start(SteeringMode mode = SteeringMode::Both)
	{
		// rounds of a module window, as on a slow machine
		policy.emplace(SteeringPolicy::Settings{.mode = mode, .tick = 500ms}, [this] { return now; });
		policy->onEvent(event::Started{}, ifaces, world);
	}

	// The module's figures for both APs: packet times (us), the busy share
	// and frames per 500 ms window (by default 84% and 67% of it at these
	// packet times); silent: since the last frame.
	void air(std::uint32_t t1Us, std::uint32_t t2Us, std::uint32_t busyPct, std::uint32_t frames1 = 200,
		 std::uint32_t frames2 = 40, std::uint64_t silent1Ms = 0, std::uint64_t silent2Ms = 0)
	{
		world.reading.aps = {
			{.ifindex = 5, .bssid = kAp1, .packetTimeNs = t1Us * 1000, .airtimePpm = busyPct * 10000 / 2,
			 .busyPpm = busyPct * 10000, .windowFrames = frames1, .windowNs = 500000000, .silentNs = silent1Ms * 1000000},
			{.ifindex = 6, .bssid = kAp2, .packetTimeNs = t2Us * 1000, .airtimePpm = busyPct * 10000 / 3,
			 .busyPpm = busyPct * 10000, .windowFrames = frames2, .windowNs = 500000000, .silentNs = silent2Ms * 1000000},
		};
	}

	// @n rounds of 500 ms.
	void rounds(int n)
	{
		for (int i = 0; i < n; ++i) {
			now += 500ms;
			policy->onEvent(event::TimerFired{0, TimerKind::SteeringTick}, ifaces, world);
		}
	}

	const SteeredAp &ap(std::uint32_t ifindex) const
	{
		static const SteeredAp none;
		for (const SteeredAp &a : aps = policy->aps())
			if (a.ifindex == ifindex)
				return a;
		return none;
	}

	// AP 2 (8.4 ms against AP 1's 2.1) made backup on busy air.
	void worseApBackup()
	{
		start();
		air(2100, 8400, 94);
		rounds(2);
		ASSERT_TRUE(ap(6).backup);
		world.take();
	}

	AddrInfo a1, a2;
	Interfaces ifaces;
	SteeringWorld world;
	Clock::time_point now{};
	std::optional<SteeringPolicy> policy;
	mutable std::vector<SteeredAp> aps;
};

TEST_F(SteeringTest, EachModeSetsTheModulesMarkingAndOnlyPriorityModesRunRounds)
{
	for (const auto &[mode, marking, ticks] :
	     {std::tuple{SteeringMode::Off, "marking off", false}, std::tuple{SteeringMode::Ecn, "marking on", false},
	      std::tuple{SteeringMode::Priority, "marking off", true}, std::tuple{SteeringMode::Both, "marking on", true}}) {
		SCOPED_TRACE(std::string(steeringModeName(mode)));
		start(mode);
		const fake::Strings asked = world.take();
		ASSERT_FALSE(asked.empty());
		EXPECT_EQ(asked[0], marking);
		EXPECT_EQ(std::count(asked.begin(), asked.end(), "arm-timers 0 500ms"), ticks ? 1 : 0);
	}
}

TEST_F(SteeringTest, AWorseApOnBusyAirBecomesBackupAfterASecond)
{
	start();
	air(2100, 8400, 94);
	rounds(1); // half a second of it: not yet
	EXPECT_EQ(world.changes(), fake::Strings{});
	EXPECT_FALSE(ap(6).backup);
	rounds(1);
	EXPECT_EQ(world.changes(), (fake::Strings{"backup id 2 10.0.2.11 subflow"}));
	EXPECT_TRUE(ap(6).backup);
	EXPECT_FALSE(ap(5).backup);
	EXPECT_EQ(ap(6).changes, 1u);
	EXPECT_EQ(ap(6).reason, "T 4.0 times the best's, air busy 100%"); // what its frames cost: 84% + 67%
	EXPECT_EQ(policy->counts().toBackup, 1u);
}

TEST_F(SteeringTest, NoBackupUnderTheThresholdOrOnIdleAir)
{
	start();
	air(2100, 2400, 94); // 14% worse: under the module's 20%
	rounds(6);
	air(2100, 8400, 50, 60, 10); // far worse, but the air is not what limits (25% + 17% ours)
	rounds(6);
	EXPECT_EQ(world.changes(), fake::Strings{});
	world.reading.thresholdPpm = 100000; // the user's threshold: 10%
	air(2100, 2400, 94);
	rounds(3);
	EXPECT_EQ(world.changes(), (fake::Strings{"backup id 2 10.0.2.11 subflow"}));
}

TEST_F(SteeringTest, WhatOurFramesCostCountsAsBusyWhereTheRadioHearsLess)
{
	start();
	// a radio that hears its own frames alone: 30% busy; but 100 frames of
	// 2.1 ms and 25 of 8.4 ms take 42% + 42% of the 500 ms window
	air(2100, 8400, 30, 100, 25);
	rounds(1);
	world.reading.aps[0].busyPpm.reset(); // or no busy figure at all
	world.reading.aps[1].busyPpm.reset();
	rounds(1);
	EXPECT_EQ(world.changes(), (fake::Strings{"backup id 2 10.0.2.11 subflow"}));
	EXPECT_EQ(ap(6).reason, "T 4.0 times the best's, air busy 84%");
}

TEST_F(SteeringTest, AnEmulatedAirScaleMultipliesTheShares)
{
	// the air of an emulation 4 times slower than its rates: 10.5% + 10.1% by
	// the nominal packet times is 82% of the real air
	policy.emplace(SteeringPolicy::Settings{.mode = SteeringMode::Both, .airScale = 4, .tick = 500ms},
		       [this] { return now; });
	policy->onEvent(event::Started{}, ifaces, world);
	air(2100, 4200, 5, 25, 12);
	rounds(2);
	EXPECT_EQ(world.changes(), (fake::Strings{"backup id 2 10.0.2.11 subflow"}));
	EXPECT_EQ(ap(6).reason, "T 2.0 times the best's, air busy 82%");
}

TEST_F(SteeringTest, FramesThatFillLessOfTheAirLeaveTheWorseApRegular)
{
	start();
	air(2100, 8400, 30, 80, 20); // 34% + 34%
	rounds(6);
	EXPECT_EQ(world.changes(), fake::Strings{});
}

TEST_F(SteeringTest, ABackupTurnsRegularWhenTheBetterPathLeavesTheAirIdleAndBacksOff)
{
	worseApBackup();
	air(2100, 8400, 30, 60, 0); // the better AP's uplink limits it: the air idles
	rounds(1);
	EXPECT_EQ(world.changes(), fake::Strings{});
	rounds(1); // a second of idle air
	EXPECT_EQ(world.changes(), (fake::Strings{"regular id 2 10.0.2.11 subflow backup"}));
	EXPECT_EQ(policy->counts().airIdle, 1u);
	// both carry again, the air is busy: no backup for 10 s
	air(2100, 8400, 94);
	rounds(20);
	EXPECT_EQ(world.changes(), fake::Strings{});
	rounds(1);
	EXPECT_EQ(world.changes(), (fake::Strings{"backup id 2 10.0.2.11 subflow"}));
	// idle again: 20 s this time
	air(2100, 8400, 30, 60, 0);
	rounds(2);
	EXPECT_EQ(world.changes(), (fake::Strings{"regular id 2 10.0.2.11 subflow backup"}));
	air(2100, 8400, 94);
	rounds(40);
	EXPECT_EQ(world.changes(), fake::Strings{});
	rounds(1);
	EXPECT_EQ(world.changes(), (fake::Strings{"backup id 2 10.0.2.11 subflow"}));
}

// Marks on the worse AP push traffic towards the better path; while that
// path is limited elsewhere (the air idles) it cannot take it, and the marks
// only cost the worse AP's share (make demo, phase 2: 0.91 x plain MPTCP with
// them).  Off for the back-off, on again when the worse AP turns backup.
TEST_F(SteeringTest, MarkingPausesWhileTheBetterPathIsLimitedElsewhere)
{
	const auto marking = [this] {
		fake::Strings out;
		for (std::string &line : world.take())
			if (line.rfind("marking", 0) == 0)
				out.push_back(std::move(line));
		return out;
	};
	worseApBackup();
	air(2100, 8400, 30, 60, 0);
	rounds(2);
	EXPECT_FALSE(ap(6).backup);
	EXPECT_EQ(marking(), fake::Strings{"marking off"});
	air(2100, 8400, 94);
	rounds(20); // the back-off: regular, unmarked
	EXPECT_EQ(marking(), fake::Strings{});
	rounds(1);
	EXPECT_TRUE(ap(6).backup);
	EXPECT_EQ(marking(), fake::Strings{"marking on"});
	policy->onEvent(event::Stopping{}, ifaces, world);
	EXPECT_EQ(marking(), fake::Strings{}) << "the daemon leaves the marking as its mode set it";
}

TEST_F(SteeringTest, MarkingStaysOffInPriorityModeWhateverTheAir)
{
	start(SteeringMode::Priority);
	air(2100, 8400, 94);
	rounds(2);
	air(2100, 8400, 30, 60, 0);
	rounds(2);
	air(2100, 8400, 94);
	rounds(22);
	fake::Strings asked = world.take();
	EXPECT_EQ(std::count(asked.begin(), asked.end(), "marking on"), 0);
	EXPECT_EQ(std::count(asked.begin(), asked.end(), "marking off"), 1) << "once, at the start";
}

TEST_F(SteeringTest, ABackupIsProbedEvery30sAndStaysBackupWhileStillWorse)
{
	worseApBackup();
	air(2100, 8400, 94, 250, 2);
	rounds(59);
	EXPECT_EQ(world.changes(), fake::Strings{});
	rounds(1);
	EXPECT_EQ(world.changes(), (fake::Strings{"regular id 2 10.0.2.11 subflow backup"}));
	EXPECT_EQ(ap(6).reason, "probe: measured again");
	EXPECT_EQ(policy->counts().probes, 1u);
	// measured afresh as a regular subflow: still 4 times worse
	air(2100, 8400, 94);
	rounds(3);
	EXPECT_EQ(world.changes(), (fake::Strings{"backup id 2 10.0.2.11 subflow"}));
}

TEST_F(SteeringTest, ABackupThatImprovedReturnsAtTheProbe)
{
	worseApBackup();
	air(2100, 8400, 94, 250, 2);
	rounds(60);
	world.take();
	air(2100, 2300, 94); // the laptop moved: AP 2 is as good
	rounds(10);
	EXPECT_EQ(world.changes(), fake::Strings{});
	EXPECT_FALSE(ap(6).backup);
}

TEST_F(SteeringTest, ABackupReturnsWhenTheBetterApGetsWorseThanIt)
{
	worseApBackup();
	air(9000, 8400, 94, 200, 2); // AP 1 now slower than AP 2 was
	rounds(1);
	EXPECT_EQ(world.changes(), (fake::Strings{"regular id 2 10.0.2.11 subflow backup"}));
	EXPECT_EQ(ap(6).reason, "no longer worse: T 0.9 times the best's");
}

TEST_F(SteeringTest, TheBetterApFallingSilentMakesTheBackupsRegularAtOnce)
{
	worseApBackup();
	air(2100, 8400, 94, 0, 0, 450, 3000); // a pause
	rounds(1);
	EXPECT_EQ(world.changes(), fake::Strings{});
	air(2100, 8400, 94, 0, 0, 600, 3000);
	rounds(1);
	EXPECT_EQ(world.changes(), (fake::Strings{"regular id 2 10.0.2.11 subflow backup"}));
	EXPECT_EQ(ap(6).reason, "sta1 (02:00:00:00:01:00) silent for 600 ms");
	EXPECT_EQ(policy->counts().lost, 1u);
}

TEST_F(SteeringTest, ASilentApWhileAnotherCarriesIsWithdrawnThenAddedBack)
{
	worseApBackup();
	air(2100, 8400, 94, 0, 0, 600, 3000);
	rounds(1);
	world.take();
	// AP 2 carries the connection now; AP 1 still says nothing
	air(2100, 8400, 94, 0, 150, 1100, 0);
	rounds(1);
	EXPECT_EQ(world.changes(), (fake::Strings{"remove-endpoint id 1 10.0.1.11 subflow"}));
	EXPECT_EQ(policy->counts().withdrawals, 1u);
	rounds(3);
	EXPECT_EQ(world.changes(), fake::Strings{});
	rounds(1); // 2 s later
	EXPECT_EQ(world.changes(), (fake::Strings{"add-endpoint id 1 10.0.1.11 subflow"}));
}

TEST_F(SteeringTest, AnApJustMadeRegularIsNeitherLostNorWithdrawnWhileItWaitsForData)
{
	worseApBackup();
	air(2100, 8400, 30, 60, 0); // the better AP's uplink limits it
	rounds(2);
	ASSERT_FALSE(ap(6).backup);
	world.take();
	// AP 2 carried before it was backup; now regular, the sender has yet to give it data
	air(2100, 8400, 30, 60, 0, 0, 1500);
	rounds(4);
	EXPECT_EQ(world.changes(), fake::Strings{});
}

TEST_F(SteeringTest, ARegularApTheSenderLeavesIdleKeepsItsEndpoint)
{
	start();
	air(2100, 2300, 94); // two good APs, no backup
	rounds(2);
	air(2100, 2300, 94, 0, 200, 1200, 0); // the sender uses AP 2 alone for a while
	rounds(4);
	EXPECT_EQ(world.changes(), fake::Strings{});
	EXPECT_EQ(policy->counts().withdrawals, 0u);
}

TEST_F(SteeringTest, NothingIsWithdrawnWhenEveryApFallsSilent)
{
	start();
	air(2100, 2300, 94);
	rounds(2);
	air(2100, 2300, 5, 0, 0, 1200, 1200); // the download ended
	rounds(4);
	EXPECT_EQ(world.changes(), fake::Strings{});
}

TEST_F(SteeringTest, ABackupThatStillCarriesIsToldAgain)
{
	worseApBackup();
	air(2100, 8400, 94, 200, 70); // a lossy AP's retransmissions of what was queued on it
	rounds(12);
	EXPECT_EQ(world.changes(), fake::Strings{});
	air(2100, 8400, 94, 200, 120); // new data: the sender missed the MP_PRIO
	rounds(10);
	EXPECT_EQ(world.changes(),
		  (fake::Strings{"regular id 2 10.0.2.11 subflow backup", "backup id 2 10.0.2.11 subflow backup"}));
	EXPECT_EQ(ap(6).resends, 1u);
	EXPECT_TRUE(ap(6).backup);
	air(2100, 8400, 94, 200, 3); // obeyed
	rounds(6);
	EXPECT_EQ(world.changes(), fake::Strings{});
}

TEST_F(SteeringTest, TheBetterApsLinkGoingMakesTheBackupsRegular)
{
	worseApBackup();
	ifaces[5].link.flags = IFF_UP; // no carrier
	policy->onEvent(event::LinkChanged{5}, ifaces, world);
	EXPECT_EQ(world.changes(), (fake::Strings{"regular id 2 10.0.2.11 subflow backup"}));
	EXPECT_EQ(ap(6).reason, "the path through sta1 went");
}

TEST_F(SteeringTest, StoppingLeavesEveryEndpointRegular)
{
	worseApBackup();
	policy->onEvent(event::Stopping{}, ifaces, world);
	EXPECT_EQ(world.changes(), (fake::Strings{"regular id 2 10.0.2.11 subflow backup"}));
	EXPECT_EQ(world.endpoints[1].flags, static_cast<std::uint32_t>(MPTCP_PM_ADDR_FLAG_SUBFLOW));
}

TEST_F(SteeringTest, AStationWithoutAnEndpointIsNeitherSteeredNorWatched)
{
	// sta3 (ifindex 7) with AP 1 carries another program's traffic, no subflow of ours
	const AddrInfo a3 = fake::ipv4(7, "10.0.1.13");
	ifaces[7] = fake::interface(7, "sta3", LinkType::Wifi, kRunning, {a3});
	start();
	air(2100, 8400, 94);
	world.reading.aps.push_back({.ifindex = 7, .bssid = kAp1, .packetTimeNs = 30000000, .airtimePpm = 0,
				     .busyPpm = 940000, .windowFrames = 40, .windowNs = 500000000, .silentNs = 0});
	rounds(2);
	EXPECT_EQ(world.changes(), (fake::Strings{"backup id 2 10.0.2.11 subflow"})); // not sta3, far worse
	// its silence is not the loss of a path of ours
	world.reading.aps[2].windowFrames = 0;
	world.reading.aps[2].silentNs = 2000000000;
	rounds(4);
	EXPECT_EQ(world.changes(), fake::Strings{});
	EXPECT_TRUE(ap(6).backup);
	for (const SteeredAp &a : policy->aps())
		EXPECT_NE(a.ifindex, 7u);
}

TEST_F(SteeringTest, ARefusedFlagChangesNothing)
{
	world.backupError = EINVAL;
	start();
	air(2100, 8400, 94);
	rounds(3);
	EXPECT_FALSE(ap(6).backup);
	EXPECT_EQ(policy->counts().toBackup, 0u);
}

TEST_F(SteeringTest, PriorityModesOnlyChangePriorities)
{
	start(SteeringMode::Ecn);
	air(2100, 8400, 94);
	policy->onEvent(event::TimerFired{0, TimerKind::SteeringTick}, ifaces, world);
	EXPECT_EQ(world.changes(), fake::Strings{});
}

TEST(SteeringState, WrittenAndReadBack)
{
	SteeringState state{.pid = 1234, .mode = SteeringMode::Priority, .counts = {3, 2, 1, 1, 0, 1, 2}, .aps = {}};
	state.aps.push_back({.ifindex = 5, .ifname = "mpw0", .bssid = kAp1, .backup = false, .changes = 2,
			     .resends = 0, .reason = "probe: measured again", .packetTimeNs = 2100000});
	state.aps.push_back({.ifindex = 6, .ifname = "mpw1", .bssid = kAp2, .backup = true, .changes = 3,
			     .resends = 2, .reason = "", .packetTimeNs = std::nullopt});
	const std::string text = formatSteeringState(state);
	EXPECT_EQ(text, "mpwifi-daemon 1234\n"
			"mode priority\n"
			"counts 3 2 1 1 0 1 2\n"
			"ap 5 mpw0 02:00:00:00:01:00 regular 2 0 2100000 probe: measured again\n"
			"ap 6 mpw1 02:00:00:00:02:00 backup 3 2 -\n");
	EXPECT_EQ(parseSteeringState(text), state);
}

TEST(SteeringState, LinesThatDoNotParseAreSkipped)
{
	const SteeringState state = parseSteeringState("mode sideways\n"
						       "counts 1 2\n"
						       "ap 5 mpw0 02:00:00:00:01:00 sideways 1 0 -\n"
						       "ap x mpw0 02:00:00:00:01:00 backup 1 0 -\n"
						       "ap 6 mpw1 02:00:00:00:02:00 backup 1 0 77 why\n");
	EXPECT_EQ(state.pid, 0);
	EXPECT_EQ(state.mode, SteeringMode::Off);
	EXPECT_EQ(state.counts, SteeringCounts{});
	ASSERT_EQ(state.aps.size(), 1u);
	EXPECT_EQ(state.aps[0].ifname, "mpw1");
	EXPECT_EQ(state.aps[0].packetTimeNs, 77u);
	EXPECT_EQ(state.aps[0].reason, "why");
}

TEST(SteeringOptions, EmulatedAirScaleFrom1To16)
{
	EXPECT_EQ(parseDaemonOptions(std::vector<std::string>{"--emulated-air-scale", "4"}).emulatedAirScale, 4u);
	EXPECT_EQ(parseDaemonOptions(std::vector<std::string>{}).emulatedAirScale, 1u);
	for (const char *bad : {"0", "17", "x", "-1", "100"})
		EXPECT_THROW((void)parseDaemonOptions(std::vector<std::string>{"--emulated-air-scale", bad}), OptionsError)
			<< bad;
}

TEST(SteeringOptions, ModeByNameAndBadOnesRefused)
{
	const std::vector<std::string> args = {"--steering", "priority"};
	EXPECT_EQ(parseDaemonOptions(args).steering, SteeringMode::Priority);
	EXPECT_EQ(parseDaemonOptions(std::vector<std::string>{}).steering, SteeringMode::Both);
	const std::vector<std::string> bad = {"--steering", "marks"};
	try {
		(void)parseDaemonOptions(bad);
		FAIL() << "accepted --steering marks";
	} catch (const OptionsError &e) {
		EXPECT_STREQ(e.what(), "steering: \"marks\" is not off, ecn, priority or both");
	}
}

// A backup that drops out of the module's table (ap flush, eviction) gets no
// frames, so it would never be reported, probed or made regular again
// (failed before the fix: it stayed backup).
TEST_F(SteeringTest, ABackupTheModuleNoLongerReportsTurnsRegular)
{
	worseApBackup();
	world.reading.aps.resize(1); // AP 1 only
	rounds(1);
	EXPECT_FALSE(ap(6).backup);
	EXPECT_EQ(world.changes(), (fake::Strings{"regular id 2 10.0.2.11 subflow backup"}));
	rounds(4);
	EXPECT_TRUE(world.changes().empty()) << "once";
}

} // namespace
} // namespace mpwifi::daemon
