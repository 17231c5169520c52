// SPDX-License-Identifier: GPL-2.0
// What a killed daemon left behind, told apart from everything else.
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>

#include "daemon/leftovers.h"

namespace mpwifi::daemon {
namespace {

TEST(StationNumber, OnlyMpwAndADecimal)
{
	EXPECT_EQ(stationNumber("mpw0"), 0u);
	EXPECT_EQ(stationNumber("mpw12"), 12u);
	for (const char *other : {"mpw", "mpw01", "mpw1a", "mpwx", "wlan0", "xmpw0", "mpw-1", "mpw99999", "MPW0"})
		EXPECT_FALSE(stationNumber(other)) << other;
}

LinkInfo link(std::uint32_t ifindex, const char *name)
{
	LinkInfo l;
	l.ifindex = ifindex;
	l.ifname = name;
	return l;
}

AddrInfo addr(std::uint32_t ifindex, const char *text)
{
	AddrInfo a;
	a.ifindex = ifindex;
	a.family = AF_INET;
	EXPECT_EQ(::inet_pton(AF_INET, text, a.addr.data()), 1);
	a.prefixLen = 24;
	return a;
}

Endpoint endpoint(std::uint8_t id, const char *text, std::int32_t ifindex = 0)
{
	Endpoint ep;
	ep.id = id;
	ep.family = AF_INET;
	EXPECT_EQ(::inet_pton(AF_INET, text, ep.addr.data()), 1);
	ep.ifindex = ifindex;
	return ep;
}

TEST(Leftovers, WhatTheDaemonOwnsAndNothingElse)
{
	const std::vector<LinkInfo> links = {link(1, "lo"), link(2, "wlan0"), link(7, "mpw0"), link(8, "mpw3")};
	const std::vector<AddrInfo> addrs = {addr(2, "198.51.100.5"), addr(7, "192.0.2.7"), addr(8, "203.0.113.8")};
	const std::vector<Endpoint> endpoints = {
		endpoint(1, "198.51.100.5"),    // NetworkManager's, on wlan0
		endpoint(2, "192.0.2.7"),       // on mpw0's address
		endpoint(3, "10.0.0.1", 8),     // names mpw3
		endpoint(4, "10.9.9.9"),        // an address nobody has: not ours to judge
	};
	// the main default route the daemon added through mpw0, a station
	// table's route of a station gone before the kill, and NetworkManager's
	Route mainDefault = mainDefaultRoute(7, {192, 0, 2, 1});
	Route orphan = stationRouting(DhcpLease{.address = {10, 1, 1, 2}, .prefixLen = 24}, 9, stationTable(5)).routes[0];
	Route theirs = mainDefaultRoute(2, {198, 51, 100, 1});
	theirs.protocol = RTPROT_DHCP;
	Route ownedByMpw3 = stationRouting(DhcpLease{.address = {203, 0, 113, 8}, .prefixLen = 24}, 8,
					   stationTable(3)).routes[0];
	Rule ours = stationRouting(DhcpLease{.address = {192, 0, 2, 7}, .prefixLen = 24}, 7, stationTable(0)).rule;
	Rule mainRule{.family = AF_INET, .table = RT_TABLE_MAIN, .priority = 32766, .protocol = RTPROT_KERNEL};

	const Leftovers found =
		findLeftovers(links, addrs, {mainDefault, orphan, theirs, ownedByMpw3}, {mainRule, ours}, endpoints);
	std::vector<std::string> stations, eps, routes, rules;
	for (const auto &l : found.stations)
		stations.push_back(l.ifname);
	for (const auto &e : found.endpoints)
		eps.push_back(e.text());
	for (const auto &r : found.routes)
		routes.push_back(r.text());
	for (const auto &r : found.rules)
		rules.push_back(r.text());
	EXPECT_EQ(stations, (std::vector<std::string>{"mpw0", "mpw3"}));
	EXPECT_EQ(eps, (std::vector<std::string>{"id 2 192.0.2.7", "id 3 10.0.0.1 dev 8"}));
	// the main default route through mpw0 leaves with mpw0, from every table
	EXPECT_EQ(routes,
		  (std::vector<std::string>{"10.1.1.0/24 dev 9 table 28006 scope link src 10.1.1.2 proto 207"}));
	EXPECT_EQ(rules, (std::vector<std::string>{"28000: from 192.0.2.7/32 lookup 28001 proto 207"}));
}

TEST(Leftovers, NoneOnAMachineWithoutThem)
{
	Route theirs = mainDefaultRoute(2, {198, 51, 100, 1});
	theirs.protocol = RTPROT_DHCP;
	EXPECT_TRUE(findLeftovers({link(1, "lo"), link(2, "wlan0")}, {addr(2, "198.51.100.5")}, {theirs}, {},
				  {endpoint(1, "198.51.100.5")})
			    .empty());
}

} // namespace
} // namespace mpwifi::daemon
