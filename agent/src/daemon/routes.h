// SPDX-License-Identifier: GPL-2.0
// The routing of the station interfaces the AP manager brings up.
//
// Each station gets its leased address, a routing table of its own (the
// leased subnet, and a default route through its AP's gateway) and a rule
// that sends what leaves from its address to that table: a subflow bound to
// a station's address leaves through that station's AP, whatever the main
// table says.  Everything the daemon adds carries kRouteProtocol, so that
// what a killed daemon left behind is found after a restart, and a route or
// rule someone else added is never taken for one of ours.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "daemon/dhcp_lease.h"
#include "daemon/rtnl.h"

namespace mpwifi::daemon {

// The daemon's routing protocol number (rtm_protocol, FRA_PROTOCOL): one
// rtnetlink leaves to userspace (>= RTPROT_STATIC) and no daemon in
// linux/rtnetlink.h or iproute2's rt_protos claims.
inline constexpr std::uint8_t kRouteProtocol = 207;
// Station N's routing table, and the preference of its rule: before the
// main table's (32766), after the local table's (0), clear of the ranges
// NetworkManager (around 30000) and wg-quick (32764-32765) use.
inline constexpr std::uint32_t kStationTableBase = 28000;
inline constexpr std::uint32_t kStationRulePriority = 28000;
// The metric of a default route the daemon adds to the main table: after
// the default routes a network manager adds (NetworkManager: 100-600 and
// 20000+ for WiFi), so that it only serves when there are none.
inline constexpr std::uint32_t kMainDefaultMetric = 31000;

using IpBytes = std::array<std::uint8_t, 16>; // network byte order, IPv4 in the first 4

struct Route {
	int family = 0; // AF_INET or AF_INET6
	std::uint32_t table = 0;
	IpBytes dst{};
	std::uint8_t dstLen = 0; // 0: the default route
	std::optional<IpBytes> gateway;
	std::optional<IpBytes> prefsrc;
	std::uint32_t ifindex = 0;
	std::uint8_t scope = 0; // RT_SCOPE_*
	std::uint8_t protocol = kRouteProtocol;
	std::uint32_t metric = 0;
	bool onlink = false; // the gateway is on the link whatever the table's routes say

	bool operator==(const Route &) const = default;
	// "default via 192.0.2.1 dev 7 table 28001 proto 207" (ip route's words)
	[[nodiscard]] std::string text() const;
};

struct Rule {
	int family = 0;
	IpBytes src{};
	std::uint8_t srcLen = 0;
	std::uint32_t table = 0;
	std::uint32_t priority = 0;
	std::uint8_t protocol = kRouteProtocol;

	bool operator==(const Rule &) const = default;
	// "28000: from 192.0.2.7/32 lookup 28001 proto 207"
	[[nodiscard]] std::string text() const;
};

// What a station with @lease on interface @ifindex needs, in the order it
// is added (the address, then the table's routes, then the rule that makes
// the table reachable); removed in the reverse order.
struct StationRouting {
	AddrInfo address;
	std::vector<Route> routes;
	Rule rule;
	bool ownsAddress = true; // added and removed with the rest (a lease's; not a SLAAC one)
};

// An IPv6 address the kernel configured on a station from its AP's router
// advertisement (SLAAC), and the router that advertised it.
struct Autoconf6 {
	IpBytes address{};
	std::uint8_t prefixLen = 64;
	IpBytes router{}; // link-local

	bool operator==(const Autoconf6 &) const = default;
};

// Station @number's routing table.
[[nodiscard]] std::uint32_t stationTable(unsigned number);
[[nodiscard]] StationRouting stationRouting(const DhcpLease &lease, std::uint32_t ifindex, std::uint32_t table);
// The same for @conf: the kernel keeps the address (and its own routes in
// the main table); the table gets the prefix and a default route through
// the router, the rule the address.
[[nodiscard]] StationRouting stationRouting6(const Autoconf6 &conf, std::uint32_t ifindex, std::uint32_t table);

// The default route the daemon keeps in the main table: through @gateway on
// @ifindex.
[[nodiscard]] Route mainDefaultRoute(std::uint32_t ifindex, const Ipv4 &gateway);

// What to do with the main table's default routes, @present (IPv4 ones of
// every origin), when the daemon would like @wanted (none: no station can
// serve).  Only a main table without a default route of anyone else's gets
// one of ours; ours is moved to @wanted, and removed once someone else's
// appears.
struct DefaultRouteChanges {
	std::optional<Route> add;
	std::vector<Route> remove; // of ours only
};
[[nodiscard]] DefaultRouteChanges mainDefaultChanges(const std::vector<Route> &present,
						     const std::optional<Route> &wanted);

// rtnetlink requests.  Each throws netlink::KernelError with the kernel's
// errno and message: EEXIST for an add of what is there, ESRCH or
// EADDRNOTAVAIL for a delete of what is not.
void setLinkUp(Rtnl &rtnl, std::uint32_t ifindex);
void addAddress(Rtnl &rtnl, const AddrInfo &address);
void deleteAddress(Rtnl &rtnl, const AddrInfo &address);
void addRoute(Rtnl &rtnl, const Route &route);
void deleteRoute(Rtnl &rtnl, const Route &route);
void addRule(Rtnl &rtnl, const Rule &rule);
void deleteRule(Rtnl &rtnl, const Rule &rule);
// Unicast routes of @family in every table; rules of @family.
[[nodiscard]] std::vector<Route> dumpRoutes(Rtnl &rtnl, int family);
[[nodiscard]] std::vector<Rule> dumpRules(Rtnl &rtnl, int family);

// Adds all of @routing; on a failure removes what it added and rethrows.
void addStationRouting(Rtnl &rtnl, const StationRouting &routing);
// Removes what is still there of @routing; returns how many parts were
// gone already.
std::size_t deleteStationRouting(Rtnl &rtnl, const StationRouting &routing);

} // namespace mpwifi::daemon
