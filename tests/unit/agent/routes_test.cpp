// SPDX-License-Identifier: GPL-2.0
// A station's routing: what the daemon plans from a lease, how it keeps the
// main table's default route, and the requests themselves, run against the
// kernel in a network namespace of their own (root only: skipped without
// CAP_SYS_ADMIN).
#include <gtest/gtest.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include "base/unique_fd.h"
#include "daemon/routes.h"
#include "netlink/error.h"
#include "netns.h"

namespace mpwifi::daemon {
namespace {

IpBytes ip(const char *text)
{
	IpBytes out{};
	const int family = std::strchr(text, ':') ? AF_INET6 : AF_INET;
	EXPECT_EQ(::inet_pton(family, text, out.data()), 1) << text;
	return out;
}

Ipv4 ip4(const char *text)
{
	const IpBytes b = ip(text);
	return {b[0], b[1], b[2], b[3]};
}

DhcpLease lease(const char *address, std::uint8_t prefixLen, std::vector<Ipv4> routers)
{
	DhcpLease l;
	l.address = ip4(address);
	l.prefixLen = prefixLen;
	l.routers = std::move(routers);
	return l;
}

std::vector<std::string> texts(const auto &items)
{
	std::vector<std::string> out;
	for (const auto &i : items)
		out.push_back(i.text());
	return out;
}

// Sorted: a dump lists a table's routes in the order of their keys.
std::vector<std::string> sortedTexts(const auto &items)
{
	std::vector<std::string> out = texts(items);
	std::sort(out.begin(), out.end());
	return out;
}

TEST(StationRouting, ATableOfItsOwnAndARuleFromItsAddress)
{
	const StationRouting r = stationRouting(lease("192.168.7.77", 22, {ip4("192.168.6.1")}), 9, stationTable(2));
	EXPECT_EQ(stationTable(2), 28003u);
	EXPECT_EQ(r.address.text(), "192.168.7.77");
	EXPECT_EQ(r.address.prefixLen, 22);
	EXPECT_EQ(r.address.ifindex, 9u);
	// the subnet of a /22: 192.168.4.0
	EXPECT_EQ(texts(r.routes), (std::vector<std::string>{
					   "192.168.4.0/22 dev 9 table 28003 scope link src 192.168.7.77 proto 207",
					   "default via 192.168.6.1 dev 9 table 28003 src 192.168.7.77 proto 207",
				   }));
	EXPECT_EQ(r.rule.text(), "28000: from 192.168.7.77/32 lookup 28003 proto 207");
}

TEST(StationRouting, NoRouterNoDefaultRoute)
{
	const StationRouting r = stationRouting(lease("10.1.2.3", 8, {}), 4, stationTable(0));
	EXPECT_EQ(texts(r.routes),
		  (std::vector<std::string>{"10.0.0.0/8 dev 4 table 28001 scope link src 10.1.2.3 proto 207"}));
}

TEST(StationRouting, Ipv6FromTheRoutersAdvertisement)
{
	const StationRouting r = stationRouting6(
		{.address = ip("2001:db8:e55:0:a8bb:ccff:fedd:1"), .prefixLen = 64, .router = ip("fe80::1")}, 9,
		stationTable(2));
	EXPECT_FALSE(r.ownsAddress) << "the kernel's SLAAC keeps it";
	EXPECT_EQ(r.address.text(), "2001:db8:e55:0:a8bb:ccff:fedd:1");
	EXPECT_EQ(texts(r.routes), (std::vector<std::string>{
					   "2001:db8:e55::/64 dev 9 table 28003 metric 1024 proto 207",
					   "default via fe80::1 dev 9 table 28003 metric 1024 proto 207",
				   }));
	EXPECT_EQ(r.rule.text(), "28000: from 2001:db8:e55:0:a8bb:ccff:fedd:1/128 lookup 28003 proto 207");
}

Route othersDefault(std::uint32_t ifindex, const char *gateway)
{
	Route r = mainDefaultRoute(ifindex, ip4(gateway));
	r.protocol = RTPROT_DHCP;
	r.metric = 600;
	return r;
}

TEST(MainDefault, AddedOnlyWhenNobodyHasOne)
{
	const Route ours = mainDefaultRoute(5, ip4("192.0.2.1"));
	EXPECT_EQ(ours.text(), "default via 192.0.2.1 dev 5 table 254 metric 31000 onlink proto 207");

	DefaultRouteChanges c = mainDefaultChanges({}, ours);
	ASSERT_TRUE(c.add);
	EXPECT_EQ(*c.add, ours);
	EXPECT_TRUE(c.remove.empty());

	// NetworkManager's route on the laptop's own WiFi: ours is never added
	c = mainDefaultChanges({othersDefault(3, "198.51.100.1")}, ours);
	EXPECT_FALSE(c.add);
	EXPECT_TRUE(c.remove.empty());
}

TEST(MainDefault, KeptMovedAndWithdrawn)
{
	const Route ours = mainDefaultRoute(5, ip4("192.0.2.1"));
	const Route next = mainDefaultRoute(6, ip4("203.0.113.1"));

	DefaultRouteChanges c = mainDefaultChanges({ours}, ours);
	EXPECT_FALSE(c.add);
	EXPECT_TRUE(c.remove.empty());

	// its station went: moved to the next best
	c = mainDefaultChanges({ours}, next);
	ASSERT_TRUE(c.add);
	EXPECT_EQ(*c.add, next);
	EXPECT_EQ(texts(c.remove), texts(std::vector<Route>{ours}));

	// no station left
	c = mainDefaultChanges({ours}, std::nullopt);
	EXPECT_FALSE(c.add);
	EXPECT_EQ(texts(c.remove), texts(std::vector<Route>{ours}));

	// someone else's came (a cable plugged in): ours goes, theirs stays
	c = mainDefaultChanges({ours, othersDefault(2, "198.51.100.1")}, ours);
	EXPECT_FALSE(c.add);
	EXPECT_EQ(texts(c.remove), texts(std::vector<Route>{ours}));
}

TEST(MainDefault, OnlyTheMainTablesIpv4DefaultsCount)
{
	const Route ours = mainDefaultRoute(5, ip4("192.0.2.1"));
	Route inStationTable = othersDefault(3, "198.51.100.1");
	inStationTable.table = stationTable(0);
	Route subnet = othersDefault(3, "198.51.100.1");
	subnet.dstLen = 24;
	const DefaultRouteChanges c = mainDefaultChanges({inStationTable, subnet}, ours);
	EXPECT_TRUE(c.add);
}

// Runs @body on a thread of its own in a new network namespace (a
// namespace is a thread's) with two tap devices up, mpwtap0 and mpwtap1 (a
// loopback's subnet routes are local ones, not what a station gets).
struct Tap {
	std::uint32_t ifindex = 0;
	int fd = -1; // what the namespace sends through it
};

void inFreshNetns(const std::function<void(const Tap &tap0, const Tap &tap1)> &body)
{
	std::string skip;
	const std::string noNetns = testing::inNewNetns([&] {
		std::vector<base::UniqueFd> taps;
		for (const char *name : {"mpwtap0", "mpwtap1"}) {
			base::UniqueFd tap(::open("/dev/net/tun", O_RDWR | O_CLOEXEC));
			if (!tap) {
				skip = std::string("/dev/net/tun: ") + std::strerror(errno);
				return;
			}
			ifreq ifr{};
			std::strcpy(ifr.ifr_name, name);
			ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
			base::UniqueFd sock(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
			const auto up = [&] {
				if (::ioctl(tap.get(), TUNSETIFF, &ifr) != 0 || ::ioctl(sock.get(), SIOCGIFFLAGS, &ifr) != 0)
					return false;
				ifr.ifr_flags = static_cast<short>(ifr.ifr_flags | IFF_UP);
				return ::ioctl(sock.get(), SIOCSIFFLAGS, &ifr) == 0;
			};
			if (!up()) {
				// a container may lack CAP_NET_ADMIN: test_agent_kernel runs these in the VM
				skip = std::string("a tap device up: ") + std::strerror(errno);
				return;
			}
			taps.push_back(std::move(tap));
		}
		body(Tap{::if_nametoindex("mpwtap0"), taps[0].get()}, Tap{::if_nametoindex("mpwtap1"), taps[1].get()});
	});
	if (!noNetns.empty())
		GTEST_SKIP() << noNetns;
	if (!skip.empty())
		GTEST_SKIP() << skip;
}

template <typename T>
std::vector<T> ours(const std::vector<T> &items)
{
	std::vector<T> out;
	std::copy_if(items.begin(), items.end(), std::back_inserter(out),
		     [](const T &i) { return i.protocol == kRouteProtocol; });
	return out;
}

TEST(StationRoutingKernel, AddedAsPlannedAndRemovedWithoutTrace)
{
	inFreshNetns([](const Tap &t0, const Tap &) {
		const std::uint32_t tap = t0.ifindex;
		Rtnl rtnl = Rtnl::open();
		const StationRouting r = stationRouting(lease("10.9.0.2", 24, {ip4("10.9.0.1")}), tap, stationTable(0));
		addStationRouting(rtnl, r);

		// what the kernel holds, read back: the plan, not one part more
		EXPECT_EQ(sortedTexts(ours(dumpRoutes(rtnl, AF_INET))), sortedTexts(r.routes));
		EXPECT_EQ(texts(ours(dumpRules(rtnl, AF_INET))), texts(std::vector<Rule>{r.rule}));
		const auto addrs = rtnl.dumpAddrs();
		EXPECT_EQ(std::count(addrs.begin(), addrs.end(), r.address), 1);
		// no prefix route in the main table
		for (const Route &route : dumpRoutes(rtnl, AF_INET))
			EXPECT_NE(route.table, static_cast<std::uint32_t>(RT_TABLE_MAIN)) << route.text();

		// twice is refused, and the first stays whole
		EXPECT_EQ(testing::netlinkErrorOf([&] { addStationRouting(rtnl, r); }), EEXIST);
		EXPECT_EQ(ours(dumpRoutes(rtnl, AF_INET)).size(), 2u);

		EXPECT_EQ(deleteStationRouting(rtnl, r), 0u);
		EXPECT_TRUE(ours(dumpRoutes(rtnl, AF_INET)).empty());
		EXPECT_TRUE(ours(dumpRules(rtnl, AF_INET)).empty());
		const auto after = rtnl.dumpAddrs();
		EXPECT_EQ(std::count(after.begin(), after.end(), r.address), 0);
		// a second removal finds every part gone: rule, 2 routes, address
		EXPECT_EQ(deleteStationRouting(rtnl, r), 4u);
	});
}

TEST(StationRoutingKernel, Ipv6RoutedWithoutTouchingTheKernelsAddress)
{
	inFreshNetns([](const Tap &t0, const Tap &) {
		const std::uint32_t tap = t0.ifindex;
		Rtnl rtnl = Rtnl::open();
		// the address SLAAC would have added
		AddrInfo slaac;
		slaac.ifindex = tap;
		slaac.family = AF_INET6;
		slaac.addr = ip("2001:db8:e55::77");
		slaac.prefixLen = 64;
		slaac.flags = IFA_F_NODAD;
		try {
			addAddress(rtnl, slaac);
		} catch (const netlink::Error &e) {
			GTEST_SKIP() << "no IPv6 here: " << e.what();
		}
		const StationRouting r = stationRouting6({.address = slaac.addr, .prefixLen = 64, .router = ip("fe80::1")},
							 tap, stationTable(0));
		addStationRouting(rtnl, r);
		EXPECT_EQ(sortedTexts(ours(dumpRoutes(rtnl, AF_INET6))), sortedTexts(r.routes));
		EXPECT_EQ(texts(ours(dumpRules(rtnl, AF_INET6))), texts(std::vector<Rule>{r.rule}));
		EXPECT_EQ(deleteStationRouting(rtnl, r), 0u);
		EXPECT_TRUE(ours(dumpRoutes(rtnl, AF_INET6)).empty());
		EXPECT_TRUE(ours(dumpRules(rtnl, AF_INET6)).empty());
		const auto addrs = rtnl.dumpAddrs();
		EXPECT_EQ(std::count(addrs.begin(), addrs.end(), slaac), 1) << "the kernel's address stays";
	});
}

TEST(StationRoutingKernel, AFailedAddLeavesNothing)
{
	inFreshNetns([](const Tap &t0, const Tap &) {
		const std::uint32_t tap = t0.ifindex;
		Rtnl rtnl = Rtnl::open();
		StationRouting r = stationRouting(lease("10.9.0.2", 24, {ip4("10.9.0.1")}), tap, stationTable(0));
		// a gateway outside every route: the kernel refuses the default route
		r.routes[1].gateway = ip("172.16.0.1");
		EXPECT_NE(testing::netlinkErrorOf([&] { addStationRouting(rtnl, r); }), 0);
		EXPECT_TRUE(ours(dumpRoutes(rtnl, AF_INET)).empty());
		EXPECT_TRUE(ours(dumpRules(rtnl, AF_INET)).empty());
		const auto addrs = rtnl.dumpAddrs();
		EXPECT_EQ(std::count(addrs.begin(), addrs.end(), r.address), 0);
	});
}

TEST(StationRoutingKernel, TheMainDefaultRouteAndOthersRoutes)
{
	inFreshNetns([](const Tap &t0, const Tap &t1) {
		const std::uint32_t tap = t0.ifindex, other = t1.ifindex;
		Rtnl rtnl = Rtnl::open();
		const StationRouting r = stationRouting(lease("10.9.0.2", 24, {ip4("10.9.0.1")}), tap, stationTable(0));
		addStationRouting(rtnl, r);
		// the main table needs the gateway's subnet too
		Route link = r.routes[0];
		link.table = RT_TABLE_MAIN;
		link.protocol = RTPROT_KERNEL;
		addRoute(rtnl, link);

		const Route def = mainDefaultRoute(tap, ip4("10.9.0.1"));
		addRoute(rtnl, def);
		auto mainDefaults = [&] {
			std::vector<Route> out;
			for (const Route &route : dumpRoutes(rtnl, AF_INET))
				if (route.table == RT_TABLE_MAIN && route.dstLen == 0)
					out.push_back(route);
			return out;
		};
		EXPECT_EQ(texts(mainDefaults()), texts(std::vector<Route>{def}));
		// read back, it is recognised as ours and kept
		const DefaultRouteChanges keep = mainDefaultChanges(mainDefaults(), def);
		EXPECT_FALSE(keep.add);
		EXPECT_TRUE(keep.remove.empty());

		// someone else's default route arrives, on another interface (a
		// cable plugged in): ours is withdrawn, theirs kept
		AddrInfo wired;
		wired.ifindex = other;
		wired.family = AF_INET;
		wired.addr = ip("10.8.0.2");
		wired.prefixLen = 24;
		addAddress(rtnl, wired);
		Route wiredLink = link;
		wiredLink.dst = ip("10.8.0.0");
		wiredLink.prefsrc = wired.addr;
		wiredLink.ifindex = other;
		addRoute(rtnl, wiredLink);
		Route theirs = mainDefaultRoute(other, ip4("10.8.0.1"));
		theirs.protocol = RTPROT_DHCP;
		theirs.metric = 100;
		addRoute(rtnl, theirs);
		EXPECT_EQ(mainDefaults().size(), 2u);
		const DefaultRouteChanges c = mainDefaultChanges(mainDefaults(), def);
		EXPECT_FALSE(c.add);
		ASSERT_EQ(c.remove.size(), 1u);
		deleteRoute(rtnl, c.remove[0]);
		EXPECT_EQ(texts(mainDefaults()), texts(std::vector<Route>{theirs}));

		// and the station's removal leaves theirs alone
		deleteStationRouting(rtnl, r);
		EXPECT_EQ(texts(mainDefaults()), texts(std::vector<Route>{theirs}));
	});
}

// The address an ARP request sent through @tap asks for, within a second;
// empty when nothing left through it.
std::string arpTargetThrough(const Tap &tap)
{
	std::uint8_t frame[1600];
	for (;;) {
		pollfd p{tap.fd, POLLIN, 0};
		if (::poll(&p, 1, 1000) != 1)
			return {};
		const ssize_t n = ::read(tap.fd, frame, sizeof(frame));
		// Ethernet (14), ARP over IPv4: target address at 24 of the ARP part
		if (n >= 42 && frame[12] == 0x08 && frame[13] == 0x06) {
			IpBytes target{};
			std::copy(frame + 38, frame + 42, target.begin());
			char text[INET_ADDRSTRLEN];
			return ::inet_ntop(AF_INET, target.data(), text, sizeof(text));
		}
	}
}

void sendUdpFrom(const char *source)
{
	base::UniqueFd sock(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
	sockaddr_in addr{};
	addr.sin_family = AF_INET;
	if (source) {
		ASSERT_EQ(::inet_pton(AF_INET, source, &addr.sin_addr), 1);
		ASSERT_EQ(::bind(sock.get(), reinterpret_cast<const sockaddr *>(&addr), sizeof(addr)), 0)
			<< std::strerror(errno);
	}
	addr.sin_port = htons(9);
	ASSERT_EQ(::inet_pton(AF_INET, "198.51.100.9", &addr.sin_addr), 1);
	const char byte = 0;
	ASSERT_EQ(::sendto(sock.get(), &byte, 1, 0, reinterpret_cast<const sockaddr *>(&addr), sizeof(addr)), 1)
		<< std::strerror(errno);
}

TEST(StationRoutingKernel, WhatLeavesFromAStationsAddressTakesItsAp)
{
	inFreshNetns([](const Tap &t0, const Tap &t1) {
		Rtnl rtnl = Rtnl::open();
		addStationRouting(rtnl, stationRouting(lease("10.9.0.2", 24, {ip4("10.9.0.1")}), t0.ifindex,
						       stationTable(0)));
		// the laptop's own path, the main table's default: a wired 10.8.0.2
		AddrInfo wired;
		wired.ifindex = t1.ifindex;
		wired.family = AF_INET;
		wired.addr = ip("10.8.0.2");
		wired.prefixLen = 24;
		addAddress(rtnl, wired);
		Route wiredLink;
		wiredLink.family = AF_INET;
		wiredLink.table = RT_TABLE_MAIN;
		wiredLink.dst = ip("10.8.0.0");
		wiredLink.dstLen = 24;
		wiredLink.ifindex = t1.ifindex;
		wiredLink.scope = RT_SCOPE_LINK;
		addRoute(rtnl, wiredLink);
		addRoute(rtnl, mainDefaultRoute(t1.ifindex, ip4("10.8.0.1")));

		// bound to the station's address: out through the station, to its gateway
		sendUdpFrom("10.9.0.2");
		EXPECT_EQ(arpTargetThrough(t0), "10.9.0.1");
		// unbound: the main table's way
		sendUdpFrom(nullptr);
		EXPECT_EQ(arpTargetThrough(t1), "10.8.0.1");
	});
}

} // namespace
} // namespace mpwifi::daemon
