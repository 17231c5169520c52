// SPDX-License-Identifier: GPL-2.0
// The endpoint policy, fed events: the endpoints it removes, restores and
// adds, the subflows it aborts when a link is lost, and when it does nothing.
#include <gtest/gtest.h>

#include <cerrno>

#include "daemon/endpoint_policy.h"
#include "policy_world.h"

namespace mpwifi::daemon {
namespace {

using namespace fake;

class EndpointPolicyTest : public ::testing::Test {
protected:
	void add(Interface iface) { interfaces[iface.link.ifindex] = std::move(iface); }
	void send(const Event &event) { policy->onEvent(event, interfaces, world); }
	void use(EndpointPolicy::Settings s) { policy = std::make_unique<EndpointPolicy>(s); }
	Interface &iface(std::uint32_t ifindex) { return interfaces.at(ifindex); }
	// The link's flags change (rtnetlink).
	void setFlags(std::uint32_t ifindex, std::uint32_t flags)
	{
		iface(ifindex).link.flags = flags;
		send(event::LinkChanged{ifindex});
	}
	// The module's level changes.
	void setLevel(std::uint32_t ifindex, TrustLevel level)
	{
		iface(ifindex).level = level;
		send(event::LevelChanged{ifindex});
	}

	const AddrInfo wlanV4 = ipv4(5, "192.0.2.10");
	const AddrInfo wlanV6 = ipv6(5, "2001:db8::10");
	const AddrInfo ethV4 = ipv4(2, "198.51.100.2");
	std::unique_ptr<EndpointPolicy> policy = std::make_unique<EndpointPolicy>(EndpointPolicy::Settings{});
	Interfaces interfaces;
	World world;
};

TEST_F(EndpointPolicyTest, NothingChangesBeforeStart)
{
	add(interface(5, "wlan0", LinkType::Wifi, kRunning, {wlanV4}, TrustLevel::Trusted));
	send(event::LinkChanged{5});
	send(event::LevelChanged{5});
	EXPECT_EQ(world.take(), Strings{});
	// But it knows the link carries subflows.
	EXPECT_EQ(policy->state(5), (PathState{path_state::Carrying{.trusted = true, .sources = {wlanV4}}}));
}

TEST_F(EndpointPolicyTest, ATrustedInterfaceWithoutEndpointGetsASubflowEndpointIpv4First)
{
	add(interface(5, "wlan0", LinkType::Wifi, kRunning, {wlanV6, wlanV4}, TrustLevel::Trusted));
	send(event::LinkChanged{5});
	send(event::Started{});
	EXPECT_EQ(world.take(), (Strings{"list-endpoints", "add-endpoint id 0 192.0.2.10 dev 5 subflow"}));
	EXPECT_EQ(world.takeLogs(), (Strings{"wlan0: trusted without an endpoint: added subflow endpoint 192.0.2.10"}));
	// It has one now: not added twice.
	setLevel(5, TrustLevel::Trusted);
	EXPECT_EQ(world.take(), (Strings{"list-endpoints"}));
}

TEST_F(EndpointPolicyTest, NoTrustedEndpointWhenDisabledUntrustedOrDown)
{
	use({.trustedEndpoints = false});
	add(interface(5, "wlan0", LinkType::Wifi, kRunning, {wlanV4}, TrustLevel::Trusted));
	add(interface(6, "wlan1", LinkType::Wifi, kRunning, {ipv4(6, "192.0.2.11")}, TrustLevel::Untrusted));
	send(event::LinkChanged{5});
	send(event::LinkChanged{6});
	send(event::Started{});
	EXPECT_EQ(world.take(), (Strings{"list-endpoints", "list-endpoints"}));

	use({});
	add(interface(7, "wlan2", LinkType::Wifi, 0, {ipv4(7, "192.0.2.12")}, TrustLevel::Trusted));
	send(event::LinkChanged{7}); // not running: not a path yet
	send(event::Started{});
	EXPECT_EQ(world.take(), (Strings{"list-endpoints", "list-endpoints", "list-endpoints"}));
}

TEST_F(EndpointPolicyTest, BelowEndpointMinTrustEndpointsAreParkedAndRestored)
{
	use({.minTrust = TrustLevel::Trusted});
	world.endpoints = {endpointOn(wlanV4, 3), endpointOn(ethV4, 4, 2)};
	add(interface(5, "wlan0", LinkType::Wifi, kRunning, {wlanV4}, TrustLevel::Untrusted));
	add(interface(2, "veth0", LinkType::Ethernet, kRunning, {ethV4}, TrustLevel::Trusted));
	send(event::LinkChanged{2});
	send(event::LinkChanged{5});
	send(event::Started{});
	EXPECT_EQ(world.take(), (Strings{"list-endpoints", "list-endpoints", "remove-endpoint id 3 192.0.2.10 subflow"}));
	EXPECT_EQ(world.takeLogs(),
		  (Strings{"wlan0: untrusted, below endpoint-min-trust: removed endpoint id 3 192.0.2.10 subflow"}));
	ASSERT_EQ(policy->parked().size(), 1u);
	EXPECT_EQ(policy->parked()[0].id, 3);

	setLevel(5, TrustLevel::Trusted);
	EXPECT_EQ(world.take(),
		  (Strings{"list-endpoints", "add-endpoint id 3 192.0.2.10 subflow", "list-endpoints"}));
	EXPECT_EQ(world.takeLogs(), (Strings{"wlan0: trusted: restored endpoint id 3 192.0.2.10 subflow"}));
	EXPECT_TRUE(policy->parked().empty());
}

TEST_F(EndpointPolicyTest, ARestoreTheKernelRefusesIsLoggedAndDropped)
{
	use({.minTrust = TrustLevel::Trusted, .trustedEndpoints = false});
	world.endpoints = {endpointOn(wlanV4, 3)};
	add(interface(5, "wlan0", LinkType::Wifi, kRunning, {wlanV4}, TrustLevel::Untrusted));
	send(event::LinkChanged{5});
	send(event::Started{});
	(void)world.take();
	(void)world.takeLogs();
	world.addError = EEXIST;
	setLevel(5, TrustLevel::Trusted);
	EXPECT_EQ(world.take(), (Strings{"list-endpoints", "add-endpoint id 3 192.0.2.10 subflow"}));
	EXPECT_EQ(world.takeLogs(), (Strings{"wlan0: cannot restore endpoint id 3 192.0.2.10 subflow: error 17"}));
	EXPECT_TRUE(policy->parked().empty());
}

TEST_F(EndpointPolicyTest, ParkedEndpointsGoBackWhenTheDaemonStops)
{
	use({.minTrust = TrustLevel::Trusted});
	world.endpoints = {endpointOn(wlanV4, 3), endpointOn(wlanV6, 4)};
	add(interface(5, "wlan0", LinkType::Wifi, kRunning, {wlanV4, wlanV6}, TrustLevel::Untrusted));
	send(event::LinkChanged{5});
	send(event::Started{});
	EXPECT_TRUE(world.endpoints.empty());
	(void)world.take();
	world.addError = EEXIST;
	send(event::Stopping{});
	EXPECT_EQ(world.take(), (Strings{"add-endpoint id 3 192.0.2.10 subflow", "add-endpoint id 4 2001:db8::10 subflow"}));
	EXPECT_EQ(world.takeLogs().back(), "restoring endpoint id 4 2001:db8::10 subflow: error 17");
	EXPECT_TRUE(policy->parked().empty());
}

TEST_F(EndpointPolicyTest, ARemovedInterfaceTakesItsParkedEndpointsByIndex)
{
	use({.minTrust = TrustLevel::Trusted});
	world.endpoints = {endpointOn(wlanV4, 3, 5), endpointOn(wlanV6, 4)};
	add(interface(5, "wlan0", LinkType::Wifi, kRunning, {wlanV4, wlanV6}, TrustLevel::Untrusted));
	send(event::LinkChanged{5});
	send(event::Started{});
	ASSERT_EQ(policy->parked().size(), 2u);
	interfaces.erase(5);
	send(event::LinkRemoved{5, "wlan0"});
	// The one bound to the index goes; the one by address only stays.
	ASSERT_EQ(policy->parked().size(), 1u);
	EXPECT_EQ(policy->parked()[0].id, 4);
	EXPECT_EQ(policy->state(5), PathState{path_state::Idle{}});
}

TEST_F(EndpointPolicyTest, ALostTrustedLinkHasItsSubflowsAborted)
{
	world.subflows = 2;
	add(interface(5, "wlan0", LinkType::Wifi, kRunning, {wlanV4}, TrustLevel::Trusted));
	world.endpoints = {endpointOn(wlanV4, 3)};
	send(event::LinkChanged{5});
	send(event::Started{});
	(void)world.take();
	(void)world.takeLogs();

	// Disassociated: the level drops first, then the carrier; the address
	// it had when up and the ones it has now are the subflows' sources.
	iface(5).level = TrustLevel::Untrusted;
	iface(5).addrs.push_back(wlanV6);
	setFlags(5, IFF_UP);
	EXPECT_EQ(world.take(), (Strings{"destroy-subflows 192.0.2.10 2001:db8::10"}));
	EXPECT_EQ(world.takeLogs(),
		  (Strings{"wlan0: link lost: aborted 2 MPTCP subflows so that their data is sent again elsewhere"}));
	EXPECT_EQ(policy->state(5), PathState{path_state::Idle{}});
	setFlags(5, IFF_UP); // still down: once only
	EXPECT_EQ(world.take(), Strings{});
}

TEST_F(EndpointPolicyTest, AnUntrustedLinkLostIsLeftAlone)
{
	add(interface(6, "wlan1", LinkType::Wifi, kRunning, {ipv4(6, "192.0.2.11")}, TrustLevel::Untrusted));
	send(event::LinkChanged{6});
	send(event::Started{});
	(void)world.take();
	setFlags(6, 0);
	EXPECT_EQ(world.take(), Strings{});
}

TEST_F(EndpointPolicyTest, ATrustedLinkBackReAddsItsEndpointsForNewSubflows)
{
	add(interface(5, "wlan0", LinkType::Wifi, 0, {wlanV4}, TrustLevel::Trusted));
	world.endpoints = {endpointOn(wlanV4, 3)};
	send(event::LinkChanged{5});
	send(event::Started{});
	(void)world.take();
	setFlags(5, kRunning);
	EXPECT_EQ(world.take(), (Strings{"list-endpoints", "remove-endpoint id 3 192.0.2.10 subflow",
					 "add-endpoint id 3 192.0.2.10 subflow"}));
	EXPECT_EQ(world.takeLogs(),
		  (Strings{"wlan0: link back: re-added endpoint id 3 192.0.2.10 subflow for new subflows"}));
	// Its address changing while up is no new link.
	iface(5).addrs.push_back(wlanV6);
	send(event::AddrChanged{5});
	EXPECT_EQ(world.take(), Strings{});
	EXPECT_EQ(policy->state(5), (PathState{path_state::Carrying{.trusted = true, .sources = {wlanV4, wlanV6}}}));
}

TEST_F(EndpointPolicyTest, AnAddressMakesTheLinkAPath)
{
	add(interface(5, "wlan0", LinkType::Wifi, kRunning, {}, TrustLevel::Trusted));
	send(event::LinkChanged{5});
	send(event::Started{});
	// Trusted, but without an address it is no path: no endpoint for it.
	EXPECT_EQ(world.take(), (Strings{"list-endpoints"}));
	AddrInfo tentative = wlanV6;
	tentative.flags = IFA_F_TENTATIVE;
	iface(5).addrs = {tentative};
	send(event::AddrChanged{5});
	EXPECT_EQ(world.take(), Strings{});
	iface(5).addrs = {wlanV4};
	send(event::AddrChanged{5});
	EXPECT_EQ(world.take(), (Strings{"list-endpoints", "add-endpoint id 0 192.0.2.10 dev 5 subflow"}));
}

TEST_F(EndpointPolicyTest, WithoutAPathManagerOnlySubflowsAreAborted)
{
	use({.minTrust = TrustLevel::Trusted, .pathManager = false});
	world.subflows = 1;
	add(interface(5, "wlan0", LinkType::Wifi, 0, {wlanV4}, TrustLevel::Trusted));
	add(interface(6, "wlan1", LinkType::Wifi, kRunning, {ipv4(6, "192.0.2.11")}, TrustLevel::Untrusted));
	send(event::LinkChanged{5});
	send(event::LinkChanged{6});
	send(event::Started{});
	setFlags(5, kRunning);
	EXPECT_EQ(world.take(), Strings{});
	setFlags(5, 0);
	EXPECT_EQ(world.take(), (Strings{"destroy-subflows 192.0.2.10"}));
	EXPECT_EQ(world.takeLogs(),
		  (Strings{"wlan0: link lost: aborted 1 MPTCP subflow so that their data is sent again elsewhere"}));
}

TEST_F(EndpointPolicyTest, LoopbackAndDummyAreNoPaths)
{
	use({.minTrust = TrustLevel::Trusted});
	world.endpoints = {endpointOn(ipv4(1, "127.0.0.1"), 3)};
	add(interface(1, "lo", LinkType::Loopback, kRunning, {ipv4(1, "127.0.0.1")}, TrustLevel::Untrusted));
	add(interface(8, "dummy0", LinkType::Dummy, kRunning, {ipv4(8, "203.0.113.8")}, TrustLevel::Trusted));
	send(event::LinkChanged{1});
	send(event::LinkChanged{8});
	send(event::Started{});
	setLevel(1, TrustLevel::Untrusted);
	EXPECT_EQ(world.take(), Strings{});
}

TEST_F(EndpointPolicyTest, APathManagerErrorIsLoggedForTheInterface)
{
	world.endpointError = EPERM;
	add(interface(5, "wlan0", LinkType::Wifi, kRunning, {wlanV4}, TrustLevel::Trusted));
	send(event::LinkChanged{5});
	send(event::Started{});
	EXPECT_EQ(world.take(), (Strings{"list-endpoints"}));
	EXPECT_EQ(world.takeLogs(), (Strings{"wlan0: error 1"}));
}

} // namespace
} // namespace mpwifi::daemon
