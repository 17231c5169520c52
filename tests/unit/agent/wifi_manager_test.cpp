// SPDX-License-Identifier: GPL-2.0
// The AP manager as a policy: radios of real chips (parsed by the daemon's
// nl80211 code), scan results and station events in, the actions it asks
// for out, in words.
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <linux/if_addr.h>
#include <linux/mptcp.h>
#include <linux/rtnetlink.h>

#include <algorithm>
#include <cerrno>
#include <deque>
#include <map>
#include <string>
#include <vector>

#include "chip_fixtures.h"
#include "daemon/wifi_manager.h"
#include "policy_world.h"
#include "test_leases.h"

namespace mpwifi::daemon {
namespace {

using namespace std::chrono_literals;
using Bytes = std::vector<std::uint8_t>;
using fake::Strings;

constexpr MacAddr kAp1{0x02, 0, 0, 0, 0x01, 0};
constexpr MacAddr kAp2{0x02, 0, 0, 0, 0x02, 0};
constexpr MacAddr kAp3{0x02, 0, 0, 0, 0x03, 0};

Bytes ssidElement(const std::string &ssid)
{
	Bytes out{0, static_cast<std::uint8_t>(ssid.size())};
	out.insert(out.end(), ssid.begin(), ssid.end());
	return out;
}

// An open 11g AP (rates 1..54 Mbit/s) on channel 1.
BssInfo bss(const MacAddr &bssid, const std::string &ssid, int signalDbm, std::uint32_t freq = 2412)
{
	BssInfo b;
	b.bssid = bssid;
	b.ies = ssidElement(ssid);
	const Bytes rates{1, 8, 0x82, 0x84, 0x8b, 0x96, 0x0c, 0x12, 0x18, 0x24};
	const Bytes more{50, 4, 0x30, 0x48, 0x60, 0x6c};
	b.ies.insert(b.ies.end(), rates.begin(), rates.end());
	b.ies.insert(b.ies.end(), more.begin(), more.end());
	b.freqMhz = freq;
	b.signalDbm = signalDbm;
	return b;
}

std::vector<WifiNetwork> homeNetwork()
{
	return parseWifiNetworks("network={\n ssid=\"home\"\n key_mgmt=NONE\n}\n", "networks.conf");
}

using test::ip4;
using test::lease;

// Answers the manager's actions from what a test sets up, and writes down
// what it asked for.
class World : public Actions {
public:
	Strings asked, logs;
	std::vector<Radio> radios;
	std::vector<BssInfo> scan;
	std::map<MacAddr, std::uint32_t> packetTimes;
	std::map<std::uint32_t, int> ownSignal; // by station ifindex: how it hears its AP
	std::map<std::uint32_t, IpBytes> routers; // by ifindex: IPv6 routers advertising a default route
	std::vector<Endpoint> endpoints;
	int createError = 0; // CreateStation fails so
	int scanError = 0;   // TriggerScan fails so
	std::uint32_t pollingIfindex = 0; // a station mac80211 refuses scans from (it polls its AP)
	std::uint32_t nextIfindex = 100;
	std::map<std::string, std::uint32_t> created; // name -> ifindex

	Strings take()
	{
		Strings out;
		std::swap(out, asked);
		return out;
	}
	// Only the lines that start with @prefix.
	Strings takeOnly(const std::string &prefix)
	{
		Strings out;
		for (const std::string &line : take())
			if (line.starts_with(prefix))
				out.push_back(line);
		return out;
	}

	Result request(const Action &action) override
	{
		return std::visit([this](const auto &a) { return answer(a); }, action);
	}

private:
	Result answer(const action::Log &log)
	{
		logs.push_back(log.line);
		return {};
	}
	Result answer(const action::ReadWifi &read)
	{
		asked.push_back("read-wifi " + std::to_string(read.ifindex));
		return {};
	}
	Result answer(const action::SetTrust &) { return {}; }
	Result answer(const action::ListEndpoints &) { return {.endpoints = endpoints}; }
	Result answer(const action::AddEndpoint &add)
	{
		asked.push_back("add-endpoint " + add.endpoint.text());
		Endpoint ep = add.endpoint;
		ep.id = static_cast<std::uint8_t>(1 + endpoints.size());
		endpoints.push_back(ep);
		return {};
	}
	Result answer(const action::RemoveEndpoint &remove)
	{
		asked.push_back("remove-endpoint " + std::to_string(remove.endpoint.id));
		std::erase_if(endpoints, [&](const Endpoint &ep) { return ep.id == remove.endpoint.id; });
		return {};
	}
	Result answer(const action::DestroySubflows &destroy)
	{
		asked.push_back("destroy-subflows " + destroy.sources.at(0).text());
		return {};
	}
	Result answer(const action::ArmTimers &arm)
	{
		if (arm.kind == TimerKind::StationDeadline)
			asked.push_back("deadline " + std::to_string(arm.ifindex) + " " +
					std::to_string(arm.delays.at(0).count()) + "ms");
		return {};
	}
	Result answer(const action::ReadRadios &) { return {.radios = radios}; }
	Result answer(const action::ReadScan &read)
	{
		asked.push_back("read-scan " + std::to_string(read.ifindex));
		return {.scan = scan};
	}
	Result answer(const action::TriggerScan &t)
	{
		std::string line = "scan " + std::to_string(t.ifindex);
		for (auto f : t.freqsMhz)
			line += " " + std::to_string(f);
		asked.push_back(line + (t.freqsMhz.empty() ? " all" : ""));
		if (scanError || t.ifindex == pollingIfindex)
			return {.error = EBUSY, .message = "Device or resource busy"};
		return {};
	}
	Result answer(const action::ReadPacketTimes &) { return {.packetTimes = packetTimes}; }
	Result answer(const action::ReadRaRouters &) { return {.routers = routers}; }
	Result answer(const action::ReadStationSignal &read)
	{
		const auto it = ownSignal.find(read.ifindex);
		return {.signalDbm = it == ownSignal.end() ? std::nullopt : std::optional<int>(it->second)};
	}
	Result answer(const action::RemoveLeftovers &)
	{
		asked.push_back("remove-leftovers");
		return {};
	}
	Result answer(const action::CreateStation &c)
	{
		asked.push_back("create " + c.ifname + " on " + std::to_string(c.wiphy));
		if (createError)
			return {.error = createError, .message = "Device or resource busy"};
		created[c.ifname] = nextIfindex;
		return {.ifindex = nextIfindex++};
	}
	Result answer(const action::DeleteInterface &d)
	{
		asked.push_back("delete " + std::to_string(d.ifindex));
		return {};
	}
	Result answer(const action::JoinAp &j)
	{
		asked.push_back("join " + j.ifname + " " + formatMac(j.bssid) + " " + std::to_string(j.freqMhz) + " ssid " +
				j.network.ssid);
		return {};
	}
	Result answer(const action::LeaveAp &l)
	{
		asked.push_back("leave " + l.ifname);
		return {};
	}
	Result answer(const action::StartDhcp &d)
	{
		asked.push_back("dhcp " + d.ifname);
		return {};
	}
	Result answer(const action::StopDhcp &d)
	{
		asked.push_back("stop-dhcp " + d.ifname);
		return {};
	}
	Result answer(const action::AddRouting &r)
	{
		asked.push_back("route " + r.routing.address.text() + " table " + std::to_string(r.routing.rule.table));
		return {};
	}
	Result answer(const action::RemoveRouting &r)
	{
		asked.push_back("unroute " + r.routing.address.text());
		return {};
	}
	Result answer(const action::SetMainDefault &d)
	{
		asked.push_back("main-default " + (d.route ? d.route->text() : std::string("none")));
		return {};
	}
	Result answer(const action::RaiseLimits &l)
	{
		asked.push_back("limits " + std::to_string(l.paths));
		return {};
	}
	// Steering's: the AP manager asks none.
	template <typename A>
		requires std::is_same_v<A, action::ReadAirtime> || std::is_same_v<A, action::SetBackup> ||
			 std::is_same_v<A, action::SetMarking>
	Result answer(const A &)
	{
		asked.push_back("unexpected steering action");
		return {.error = EOPNOTSUPP, .message = "unexpected"};
	}
};

class WifiManagerTest : public ::testing::Test {
protected:
	WifiManagerTest() { world.radios = {chips::parsedRadio(chips::kHwsim)}; }

	void make(WifiManager::Settings settings = {})
	{
		if (settings.networks.empty())
			settings.networks = homeNetwork();
		settings.hold = 0ms;
		manager.emplace(std::move(settings), [this] { return now; });
	}
	void send(const Event &e)
	{
		manager->onEvent(e, interfaces, world);
	}
	void tick()
	{
		now += 1s;
		send(event::TimerFired{0, TimerKind::WifiTick});
	}
	// Station @name associates with @ap and leases @addr (router @gw).
	void bringUp(const std::string &name, const std::string &ap, const char *addr, const char *gw)
	{
		send(event::WpaReported{name, "CTRL-EVENT-CONNECTED - Connection to " + ap + " completed"});
		send(event::LeaseChanged{name, lease(addr, gw), ""});
	}
	// mpw0 on AP 1 and mpw1 on AP 2, up.
	void bringUpTwo()
	{
		bringUp("mpw0", "02:00:00:00:01:00", "10.0.1.50", "10.0.1.1");
		bringUp("mpw1", "02:00:00:00:02:00", "10.0.2.50", "10.0.2.1");
	}
	// Station @name, created by the manager, as the core would know it.
	std::uint32_t ifindexOf(const std::string &name) { return world.created.at(name); }

	World world;
	Interfaces interfaces;
	WifiManager::Clock::time_point now{};
	std::optional<WifiManager> manager;
};

TEST_F(WifiManagerTest, TheIdleInterfaceIsReportedScanning)
{
	world.scan = {bss({0x02, 0, 0, 0, 0x09, 0}, "cafe", -40)}; // no network of the file
	make();
	send(event::Started{});
	const auto views = manager->stations();
	ASSERT_EQ(views.size(), 1u);
	EXPECT_EQ(views[0].ifname, "mpw0");
	EXPECT_EQ(views[0].state, "scanning");
	EXPECT_EQ(views[0].phy, "phy0");
	EXPECT_FALSE(views[0].lease);
}

TEST_F(WifiManagerTest, JoinsEveryApOfTheNetworkTheBestFirstTakingTheIdleInterface)
{
	world.scan = {bss(kAp2, "home", -60), bss(kAp1, "home", -45), bss(kAp3, "home", -70),
		      bss({0x02, 0, 0, 0, 0x09, 0}, "cafe", -40)};
	make();
	send(event::Started{});
	EXPECT_EQ(world.take(), (Strings{
					"remove-leftovers",
					"create mpw0 on 0", // idle, to scan from
					"scan 100 all",
					"read-scan 100",
					// the spare becomes the best AP's station: no second create for it
					"join mpw0 02:00:00:00:01:00 2412 ssid home",
					"deadline 100 15000ms",
					"create mpw1 on 0",
					"join mpw1 02:00:00:00:02:00 2412 ssid home",
					"deadline 101 15000ms",
					"create mpw2 on 0",
					"join mpw2 02:00:00:00:03:00 2412 ssid home",
					"deadline 102 15000ms",
				}))
		<< "the cafe is not in the networks file";
	ASSERT_EQ(manager->stations().size(), 3u);
	EXPECT_EQ(manager->stations()[0].state, "associating");

	send(event::WpaReported{"mpw0", "CTRL-EVENT-CONNECTED - Connection to 02:00:00:00:01:00 completed [id=0 id_str=]"});
	EXPECT_EQ(world.take(), (Strings{"dhcp mpw0", "deadline 100 20000ms"}));
	send(event::LeaseChanged{"mpw0", lease("10.0.1.50", "10.0.1.1"), ""});
	EXPECT_EQ(world.take(), (Strings{
					"route 10.0.1.50 table 28001",
					"add-endpoint id 0 10.0.1.50 dev 100 subflow",
					"main-default default via 10.0.1.1 dev 100 table 254 metric 31000 onlink proto 207",
					"limits 1",
				}));
	EXPECT_EQ(manager->stations()[0].state, "up");

	// the second one up: the default route stays where it is, limits rise
	bringUp("mpw1", "02:00:00:00:02:00", "10.0.2.50", "10.0.2.1");
	EXPECT_EQ(world.takeOnly("main-default"), Strings{});
	bringUp("mpw2", "02:00:00:00:03:00", "10.0.3.50", "10.0.3.1");
	EXPECT_EQ(world.endpoints.size(), 3u);

	// With every station up, rounds scan the radio's channel only.
	for (int i = 0; i < 5; ++i)
		tick();
	EXPECT_EQ(world.takeOnly("scan"), (Strings{"scan 100 2412"}));

	// From another station when mac80211 refuses the first (it polls a fading AP)
	world.pollingIfindex = 100;
	for (int i = 0; i < 5; ++i)
		tick();
	EXPECT_EQ(world.takeOnly("scan"), (Strings{"scan 100 2412", "scan 101 2412"}));
}

TEST_F(WifiManagerTest, ARefusedScanIsAskedAgainNextRound)
{
	world.scan = {};
	make();
	world.scanError = EBUSY;
	send(event::Started{});
	EXPECT_EQ(world.takeOnly("scan"), (Strings{"scan 100 all"}));
	tick(); // refused: again now, not in five rounds
	tick();
	EXPECT_EQ(world.takeOnly("scan"), (Strings{"scan 100 all", "scan 100 all"}));
	world.scanError = 0;
	tick(); // round 3: asked again, started
	EXPECT_EQ(world.takeOnly("scan"), (Strings{"scan 100 all"}));
	tick(); // round 4: the next one waits for its round
	EXPECT_EQ(world.takeOnly("scan"), Strings{});
	tick(); // round 5
	EXPECT_EQ(world.takeOnly("scan"), (Strings{"scan 100 all"}));
}

TEST_F(WifiManagerTest, AStationThatLosesItsApUndoesEverythingAndTheDefaultRouteMoves)
{
	world.scan = {bss(kAp1, "home", -45), bss(kAp2, "home", -60)};
	make();
	send(event::Started{});
	bringUpTwo();
	world.take();

	send(event::WpaReported{"mpw0", "CTRL-EVENT-DISCONNECTED bssid=02:00:00:00:01:00 reason=4"});
	EXPECT_EQ(world.take(), (Strings{
					// subflows first (MPTCP sends their data again elsewhere), then the endpoint
					"remove-endpoint 1",
					"destroy-subflows 10.0.1.50",
					"unroute 10.0.1.50",
					"stop-dhcp mpw0",
					"leave mpw0",
					"delete 100",
					"main-default default via 10.0.2.1 dev 101 table 254 metric 31000 onlink proto 207",
				}));
	ASSERT_EQ(manager->stations().size(), 1u);
	EXPECT_EQ(manager->stations()[0].ifname, "mpw1");
	EXPECT_EQ(world.endpoints.size(), 1u);
	EXPECT_TRUE(std::any_of(world.logs.begin(), world.logs.end(),
				[](const std::string &l) { return l.find("mpw0: left 02:00:00:00:01:00 (lost its AP") == 0; }));

	// The AP is heard again: the next round brings a station back to it.
	for (int i = 0; i < 5; ++i)
		tick();
	EXPECT_EQ(world.takeOnly("join"), (Strings{"join mpw0 02:00:00:00:01:00 2412 ssid home"}));
}

TEST_F(WifiManagerTest, AStationsOwnSignalOutweighsAnOldScan)
{
	world.scan = {bss(kAp1, "home", -45), bss(kAp2, "home", -60)};
	make();
	send(event::Started{});
	bringUpTwo();
	world.take();
	// the scan still has ap2 as it was heard while walking away; mpw1 hears
	// it well again now
	world.scan = {bss(kAp1, "home", -45), bss(kAp2, "home", -86)};
	world.ownSignal[ifindexOf("mpw1")] = -62;
	for (int i = 0; i < 5; ++i)
		tick();
	EXPECT_EQ(world.takeOnly("leave"), Strings{});
	// and when it does not, it leaves (mpw0 carries the traffic)
	world.ownSignal[ifindexOf("mpw1")] = -84;
	tick();
	EXPECT_EQ(world.takeOnly("leave"), (Strings{"leave mpw1"}));
}

TEST_F(WifiManagerTest, TheLastStationUpStaysWhileScansMissItsAp)
{
	world.scan = {bss(kAp1, "home", -45)};
	make();
	send(event::Started{});
	bringUp("mpw0", "02:00:00:00:01:00", "10.0.1.50", "10.0.1.1");
	world.take();
	world.scan = {};      // scans refused or missed it
	world.scanError = EBUSY;
	for (int i = 0; i < 10; ++i)
		tick();
	EXPECT_EQ(world.takeOnly("leave"), Strings{});
	EXPECT_EQ(manager->stations().at(0).state, "up");
}

TEST_F(WifiManagerTest, ASecondRadioTakesAnotherChannelNotTheFirstsAps)
{
	Radio second = chips::parsedRadio(chips::kHwsim);
	second.wiphy = 1;
	second.name = "phy1";
	world.radios.push_back(second);
	world.scan = {bss(kAp1, "home", -45), bss(kAp2, "home", -50), bss(kAp3, "home", -55, 2437)};
	make();
	send(event::Started{});
	for (int i = 0; i < 5; ++i)
		tick();
	std::map<std::string, std::string> phyOf; // by BSSID
	for (const auto &view : manager->stations())
		if (view.state != "scanning")
			phyOf[formatMac(view.bssid)] += view.phy;
	EXPECT_EQ(phyOf, (std::map<std::string, std::string>{{"02:00:00:00:01:00", "phy0"},
							      {"02:00:00:00:02:00", "phy0"},
							      {"02:00:00:00:03:00", "phy1"}}));
}

TEST_F(WifiManagerTest, ARadioThatAllowsOneStationUsesOneAp)
{
	world.radios = {chips::parsedRadio(chips::kIwlMvm)};
	world.scan = {bss(kAp1, "home", -65), bss(kAp2, "home", -45)};
	make();
	send(event::Started{});
	EXPECT_EQ(world.takeOnly("join"), (Strings{"join mpw0 02:00:00:00:02:00 2412 ssid home"}));
	EXPECT_EQ(world.takeOnly("create"), Strings{}) << "the idle interface became the station";
	for (int i = 0; i < 10; ++i)
		tick();
	EXPECT_EQ(world.takeOnly("join"), Strings{});
	EXPECT_EQ(manager->stations().size(), 1u);
}

TEST_F(WifiManagerTest, ChipsLimitTheStations)
{
	world.scan = {bss(kAp1, "home", -45), bss(kAp2, "home", -50), bss(kAp3, "home", -55),
		      bss({0x02, 0, 0, 0, 0x04, 0}, "home", -60), bss({0x02, 0, 0, 0, 0x05, 0}, "home", -65)};
	for (auto [lines, maxAps, expected] :
	     {std::tuple{chips::kAth10k, 0u, 2u}, std::tuple{chips::kMt7921, 0u, 4u}, std::tuple{chips::kHwsim, 0u, 4u},
	      std::tuple{chips::kHwsim, 2u, 2u}, std::tuple{chips::kMt76x2u, 0u, 2u}}) {
		world = World{};
		world.radios = {chips::parsedRadio(lines)};
		world.scan = {bss(kAp1, "home", -45), bss(kAp2, "home", -50), bss(kAp3, "home", -55),
			      bss({0x02, 0, 0, 0, 0x04, 0}, "home", -60), bss({0x02, 0, 0, 0, 0x05, 0}, "home", -65)};
		make({.maxAps = maxAps});
		send(event::Started{});
		EXPECT_EQ(world.takeOnly("join").size(), expected) << lines.at(0) << " max " << maxAps;
	}
}

TEST_F(WifiManagerTest, ARadioWhoseInterfacesAreTakenIsLeftAlone)
{
	// NetworkManager's wlan0 holds the one station interface of the radio
	world.radios = {chips::parsedRadio(chips::kIwlMvm)};
	world.scan = {bss(kAp1, "home", -45)};
	world.createError = EBUSY;
	make();
	send(event::Started{});
	EXPECT_EQ(world.take(), (Strings{"remove-leftovers", "create mpw0 on 0"}));
	tick();
	tick();
	EXPECT_EQ(world.takeOnly("join"), Strings{});
	EXPECT_EQ(std::count_if(world.logs.begin(), world.logs.end(),
				[](const std::string &l) { return l.find("interfaces are all in use") != std::string::npos; }),
		  1)
		<< "logged once";
}

TEST_F(WifiManagerTest, DeadlinesEndStationsThatWaitTooLong)
{
	world.scan = {bss(kAp1, "home", -45), bss(kAp2, "home", -50)};
	make();
	send(event::Started{});
	world.take();
	send(event::TimerFired{100, TimerKind::StationDeadline});
	EXPECT_EQ(world.take(), (Strings{"leave mpw0", "delete 100"})) << "no DHCP client ran, no routing";

	send(event::WpaReported{"mpw1", "CTRL-EVENT-CONNECTED - Connection to 02:00:00:00:02:00 completed"});
	world.take();
	send(event::TimerFired{101, TimerKind::StationDeadline});
	EXPECT_EQ(world.take(), (Strings{"stop-dhcp mpw1", "leave mpw1", "delete 101"}));
	EXPECT_TRUE(manager->stations().empty());
}

TEST_F(WifiManagerTest, AStationAssociatedWithAnotherApLeaves)
{
	world.scan = {bss(kAp1, "home", -45)};
	make();
	send(event::Started{});
	world.take();
	send(event::WpaReported{"mpw0", "CTRL-EVENT-CONNECTED - Connection to 02:00:00:00:02:00 completed"});
	EXPECT_EQ(world.take(), (Strings{"leave mpw0", "delete 100"}));
}

TEST_F(WifiManagerTest, StoppingLeavesNothing)
{
	world.scan = {bss(kAp1, "home", -45), bss(kAp2, "home", -50)};
	make();
	send(event::Started{});
	bringUp("mpw0", "02:00:00:00:01:00", "10.0.1.50", "10.0.1.1");
	world.take();
	send(event::Stopping{});
	EXPECT_EQ(world.take(), (Strings{
					"remove-endpoint 1", "destroy-subflows 10.0.1.50", "unroute 10.0.1.50",
					"stop-dhcp mpw0", "leave mpw0", "delete 100",
					"main-default none",
					"leave mpw1", "delete 101",
				}));
	EXPECT_TRUE(world.endpoints.empty());
}

TEST_F(WifiManagerTest, EndpointsRespectTheMinimumTrust)
{
	world.scan = {bss(kAp1, "home", -45)};
	make({.endpointMinTrust = TrustLevel::Trusted});
	send(event::Started{});
	send(event::WpaReported{"mpw0", "CTRL-EVENT-CONNECTED - Connection to 02:00:00:00:01:00 completed"});
	interfaces[100] = fake::interface(100, "mpw0", LinkType::Wifi, fake::kRunning, {fake::ipv4(100, "10.0.1.50")},
					  TrustLevel::Untrusted);
	send(event::LeaseChanged{"mpw0", lease("10.0.1.50", "10.0.1.1"), ""});
	EXPECT_EQ(world.takeOnly("add-endpoint"), Strings{}) << "open WiFi is untrusted";
	interfaces[100].level = TrustLevel::Trusted; // a user's override
	send(event::LevelChanged{100});
	EXPECT_EQ(world.takeOnly("add-endpoint"), (Strings{"add-endpoint id 0 10.0.1.50 dev 100 subflow"}));
}

TEST_F(WifiManagerTest, AnAutoconfiguredIpv6AddressIsRoutedWithAnEndpoint)
{
	world.scan = {bss(kAp1, "home", -45)};
	make();
	send(event::Started{});
	bringUp("mpw0", "02:00:00:00:01:00", "10.0.1.50", "10.0.1.1");
	world.take();
	const auto roundsAsked = [&] {
		Strings out;
		for (const std::string &line : world.take())
			if (!line.starts_with("scan ") && !line.starts_with("read-scan "))
				out.push_back(line);
		return out;
	};

	// the kernel's SLAAC address, still in DAD, and a link-local one
	AddrInfo slaac = fake::ipv6(100, "2001:db8:1:0:a8bb:ccff:fe00:1");
	slaac.flags = IFA_F_TENTATIVE;
	AddrInfo linkLocal = fake::ipv6(100, "fe80::a8bb:ccff:fe00:1");
	linkLocal.scope = RT_SCOPE_LINK;
	interfaces[100] = fake::interface(100, "mpw0", LinkType::Wifi, fake::kRunning,
					  {fake::ipv4(100, "10.0.1.50"), linkLocal, slaac}, TrustLevel::Untrusted);
	IpBytes router{};
	ASSERT_EQ(inet_pton(AF_INET6, "fe80::1", router.data()), 1);
	world.routers[100] = router;
	tick();
	EXPECT_EQ(roundsAsked(), Strings{}) << "DAD is not done";
	interfaces[100].addrs[2].flags = 0;
	tick();
	EXPECT_EQ(roundsAsked(), (Strings{"route 2001:db8:1:0:a8bb:ccff:fe00:1 table 28001",
					  "add-endpoint id 0 2001:db8:1:0:a8bb:ccff:fe00:1 dev 100 subflow"}));
	tick();
	EXPECT_EQ(roundsAsked(), Strings{});
	ASSERT_EQ(world.endpoints.size(), 2u);

	// the router's advertisement ends: its routing and endpoint go, the lease's stay
	world.routers.clear();
	tick();
	EXPECT_EQ(roundsAsked(), (Strings{"remove-endpoint 2", "destroy-subflows 2001:db8:1:0:a8bb:ccff:fe00:1",
					  "unroute 2001:db8:1:0:a8bb:ccff:fe00:1"}));
	world.routers[100] = router;
	tick();
	EXPECT_EQ(world.takeOnly("add-endpoint"), (Strings{"add-endpoint id 0 2001:db8:1:0:a8bb:ccff:fe00:1 dev 100 subflow"}));

	// the station leaves: each address's endpoint before its subflows, then its routing
	send(event::WpaReported{"mpw0", "CTRL-EVENT-DISCONNECTED bssid=02:00:00:00:01:00 reason=4"});
	EXPECT_EQ(world.take(), (Strings{
					"remove-endpoint 1",
					"destroy-subflows 10.0.1.50",
					"unroute 10.0.1.50",
					"remove-endpoint 2",
					"destroy-subflows 2001:db8:1:0:a8bb:ccff:fe00:1",
					"unroute 2001:db8:1:0:a8bb:ccff:fe00:1",
					"stop-dhcp mpw0",
					"leave mpw0",
					"delete 100",
					"main-default none",
				}));
	EXPECT_TRUE(world.endpoints.empty());
}

TEST_F(WifiManagerTest, ALeaseThatChangesReroutes)
{
	world.scan = {bss(kAp1, "home", -45)};
	make();
	send(event::Started{});
	bringUp("mpw0", "02:00:00:00:01:00", "10.0.1.50", "10.0.1.1");
	world.take();
	send(event::LeaseChanged{"mpw0", lease("10.0.1.50", "10.0.1.1"), ""});
	EXPECT_EQ(world.take(), Strings{}) << "a renewal changes nothing";
	send(event::LeaseChanged{"mpw0", std::nullopt, "mpw0.lease: no ip"});
	EXPECT_EQ(world.take(), Strings{}) << "a lease that does not parse is logged";
	send(event::LeaseChanged{"mpw0", std::nullopt, ""});
	EXPECT_EQ(world.take(), (Strings{"remove-endpoint 1", "destroy-subflows 10.0.1.50", "unroute 10.0.1.50",
					 "deadline 100 20000ms", "main-default none"}));
}

} // namespace
} // namespace mpwifi::daemon
