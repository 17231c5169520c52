// SPDX-License-Identifier: GPL-2.0
#include "daemon/routes.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <exception>

#include <arpa/inet.h>
#include <libmnl/libmnl.h>
#include <linux/fib_rules.h>
#include <net/if.h>
#include <linux/if_addr.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>

#include "netlink/attributes.h"
#include "netlink/error.h"

namespace mpwifi::daemon {

namespace {

using netlink::AttrKind;
using netlink::AttrRule;
using netlink::Attrs;
using netlink::kOptional;

constexpr AttrRule kRouteRules[] = {
	MPW_ATTR_RULE(RTA_DST, AttrKind::Bytes, kOptional, 16),
	MPW_ATTR_RULE(RTA_GATEWAY, AttrKind::Bytes, kOptional, 16),
	MPW_ATTR_RULE(RTA_PREFSRC, AttrKind::Bytes, kOptional, 16),
	MPW_ATTR_RULE(RTA_OIF, AttrKind::U32, kOptional),
	MPW_ATTR_RULE(RTA_PRIORITY, AttrKind::U32, kOptional),
	MPW_ATTR_RULE(RTA_TABLE, AttrKind::U32, kOptional),
};

constexpr AttrRule kRuleRules[] = {
	MPW_ATTR_RULE(FRA_SRC, AttrKind::Bytes, kOptional, 16),
	MPW_ATTR_RULE(FRA_PRIORITY, AttrKind::U32, kOptional),
	MPW_ATTR_RULE(FRA_TABLE, AttrKind::U32, kOptional),
	MPW_ATTR_RULE(FRA_PROTOCOL, AttrKind::U8, kOptional),
};

std::size_t addrLen(int family)
{
	return family == AF_INET ? 4 : 16;
}

std::string addrText(int family, const IpBytes &addr)
{
	char buf[INET6_ADDRSTRLEN];
	if (!::inet_ntop(family, addr.data(), buf, sizeof(buf)))
		return "?";
	return buf;
}

IpBytes fromIpv4(const Ipv4 &v4)
{
	IpBytes out{};
	std::copy(v4.begin(), v4.end(), out.begin());
	return out;
}

// @addr with its bits past @len cleared: the network of a prefix.
IpBytes network(const IpBytes &addr, std::uint8_t len)
{
	IpBytes out{};
	for (std::size_t i = 0; i < out.size() && len > 0; ++i) {
		const unsigned bits = std::min<unsigned>(len, 8);
		out[i] = static_cast<std::uint8_t>(addr[i] & (0xff00u >> bits));
		len = static_cast<std::uint8_t>(len - bits);
	}
	return out;
}

IpBytes addrAttr(const Attrs &attrs, int type, int family, const char *what)
{
	const auto bytes = attrs.binary(type);
	if (bytes.size() != addrLen(family))
		throw netlink::ParseError(std::string(what) + ": an address of " + std::to_string(bytes.size()) +
					  " bytes");
	IpBytes out{};
	std::copy(bytes.begin(), bytes.end(), out.begin());
	return out;
}

// A request of @type for @header (rtmsg, ifaddrmsg, fib_rule_hdr) with room
// for a few attributes.
class Request {
public:
	Request(std::uint16_t type, std::uint16_t flags, const void *header, std::size_t headerLen)
	{
		hdr_ = mnl_nlmsg_put_header(buf_);
		hdr_->nlmsg_type = type;
		// a dump ends with NLMSG_DONE; anything else is acknowledged
		const unsigned ack = (flags & NLM_F_DUMP) == NLM_F_DUMP ? 0 : NLM_F_ACK;
		hdr_->nlmsg_flags = static_cast<std::uint16_t>(NLM_F_REQUEST | ack | flags);
		std::memcpy(mnl_nlmsg_put_extra_header(hdr_, headerLen), header, headerLen);
	}
	void addr(std::uint16_t type, int family, const IpBytes &addr)
	{
		mnl_attr_put(hdr_, type, addrLen(family), addr.data());
	}
	void u32(std::uint16_t type, std::uint32_t value) { mnl_attr_put_u32(hdr_, type, value); }
	void u8(std::uint16_t type, std::uint8_t value) { mnl_attr_put_u8(hdr_, type, value); }
	nlmsghdr &msg() { return *hdr_; }

private:
	alignas(nlmsghdr) char buf_[512] = {};
	nlmsghdr *hdr_;
};

void sendAddress(Rtnl &rtnl, std::uint16_t type, std::uint16_t flags, const AddrInfo &a)
{
	ifaddrmsg ifa{};
	ifa.ifa_family = static_cast<std::uint8_t>(a.family);
	ifa.ifa_prefixlen = a.prefixLen;
	ifa.ifa_scope = a.scope;
	ifa.ifa_index = a.ifindex;
	Request req(type, flags, &ifa, sizeof(ifa));
	req.addr(IFA_LOCAL, a.family, a.addr);
	req.addr(IFA_ADDRESS, a.family, a.addr);
	// No prefix route in the main table: the station's table has the
	// subnet's route, and the main table gets only what the daemon decides.
	if (type == RTM_NEWADDR)
		req.u32(IFA_FLAGS, IFA_F_NOPREFIXROUTE);
	rtnl.request(req.msg());
}

void sendRoute(Rtnl &rtnl, std::uint16_t type, std::uint16_t flags, const Route &r)
{
	rtmsg rtm{};
	rtm.rtm_family = static_cast<std::uint8_t>(r.family);
	rtm.rtm_dst_len = r.dstLen;
	rtm.rtm_table = static_cast<std::uint8_t>(r.table < 256 ? r.table : std::uint32_t{RT_TABLE_UNSPEC});
	rtm.rtm_protocol = r.protocol;
	rtm.rtm_scope = r.scope;
	rtm.rtm_type = RTN_UNICAST;
	if (r.onlink)
		rtm.rtm_flags |= RTNH_F_ONLINK;
	Request req(type, flags, &rtm, sizeof(rtm));
	req.u32(RTA_TABLE, r.table);
	if (r.dstLen > 0)
		req.addr(RTA_DST, r.family, r.dst);
	if (r.gateway)
		req.addr(RTA_GATEWAY, r.family, *r.gateway);
	if (r.prefsrc)
		req.addr(RTA_PREFSRC, r.family, *r.prefsrc);
	if (r.ifindex)
		req.u32(RTA_OIF, r.ifindex);
	if (r.metric)
		req.u32(RTA_PRIORITY, r.metric);
	rtnl.request(req.msg());
}

void sendRule(Rtnl &rtnl, std::uint16_t type, std::uint16_t flags, const Rule &r)
{
	fib_rule_hdr frh{};
	frh.family = static_cast<std::uint8_t>(r.family);
	frh.src_len = r.srcLen;
	frh.table = static_cast<std::uint8_t>(r.table < 256 ? r.table : std::uint32_t{RT_TABLE_UNSPEC});
	frh.action = FR_ACT_TO_TBL;
	Request req(type, flags, &frh, sizeof(frh));
	if (r.srcLen > 0)
		req.addr(FRA_SRC, r.family, r.src);
	req.u32(FRA_TABLE, r.table);
	req.u32(FRA_PRIORITY, r.priority);
	req.u8(FRA_PROTOCOL, r.protocol);
	rtnl.request(req.msg());
}

void dump(Rtnl &rtnl, std::uint16_t type, const void *header, std::size_t headerLen,
	  const std::function<void(const nlmsghdr &)> &onEntry)
{
	Request req(type, NLM_F_DUMP, header, headerLen);
	rtnl.request(req.msg(), onEntry);
}

} // namespace

std::string Route::text() const
{
	std::string s = dstLen == 0 ? "default" : addrText(family, dst) + "/" + std::to_string(dstLen);
	if (gateway)
		s += " via " + addrText(family, *gateway);
	if (ifindex)
		s += " dev " + std::to_string(ifindex);
	s += " table " + std::to_string(table);
	if (scope == RT_SCOPE_LINK)
		s += " scope link";
	if (prefsrc)
		s += " src " + addrText(family, *prefsrc);
	if (metric)
		s += " metric " + std::to_string(metric);
	if (onlink)
		s += " onlink";
	return s + " proto " + std::to_string(protocol);
}

std::string Rule::text() const
{
	std::string from = srcLen == 0 ? "all" : addrText(family, src) + "/" + std::to_string(srcLen);
	return std::to_string(priority) + ": from " + from + " lookup " + std::to_string(table) + " proto " +
	       std::to_string(protocol);
}

std::uint32_t stationTable(unsigned number)
{
	return kStationTableBase + 1 + number;
}

StationRouting stationRouting(const DhcpLease &lease, std::uint32_t ifindex, std::uint32_t table)
{
	StationRouting r;
	r.address.ifindex = ifindex;
	r.address.family = AF_INET;
	std::copy(lease.address.begin(), lease.address.end(), r.address.addr.begin());
	r.address.prefixLen = lease.prefixLen;
	r.address.scope = RT_SCOPE_UNIVERSE;

	const IpBytes self = fromIpv4(lease.address);
	Route subnet;
	subnet.family = AF_INET;
	subnet.table = table;
	subnet.dst = network(self, lease.prefixLen);
	subnet.dstLen = lease.prefixLen;
	subnet.prefsrc = self;
	subnet.ifindex = ifindex;
	subnet.scope = RT_SCOPE_LINK;
	r.routes.push_back(subnet);
	if (!lease.routers.empty()) {
		Route def;
		def.family = AF_INET;
		def.table = table;
		def.gateway = fromIpv4(lease.routers.front());
		def.prefsrc = self;
		def.ifindex = ifindex;
		r.routes.push_back(def);
	}
	r.rule.family = AF_INET;
	r.rule.src = self;
	r.rule.srcLen = 32;
	r.rule.table = table;
	r.rule.priority = kStationRulePriority;
	return r;
}

// what the kernel gives an IPv6 route added without one (IP6_RT_PRIO_USER):
// named, so that a dump reads back the plan
constexpr std::uint32_t kIpv6UserMetric = 1024;

StationRouting stationRouting6(const Autoconf6 &conf, std::uint32_t ifindex, std::uint32_t table)
{
	StationRouting r;
	r.ownsAddress = false;
	r.address.ifindex = ifindex;
	r.address.family = AF_INET6;
	r.address.addr = conf.address;
	r.address.prefixLen = conf.prefixLen;
	r.address.scope = RT_SCOPE_UNIVERSE;

	Route prefix;
	prefix.family = AF_INET6;
	prefix.table = table;
	prefix.dst = network(conf.address, conf.prefixLen);
	prefix.dstLen = conf.prefixLen;
	prefix.ifindex = ifindex;
	prefix.metric = kIpv6UserMetric;
	r.routes.push_back(prefix);
	Route def;
	def.family = AF_INET6;
	def.table = table;
	def.gateway = conf.router;
	def.ifindex = ifindex;
	def.metric = kIpv6UserMetric;
	r.routes.push_back(def);
	r.rule.family = AF_INET6;
	r.rule.src = conf.address;
	r.rule.srcLen = 128;
	r.rule.table = table;
	r.rule.priority = kStationRulePriority;
	return r;
}

Route mainDefaultRoute(std::uint32_t ifindex, const Ipv4 &gateway)
{
	Route r;
	r.family = AF_INET;
	r.table = RT_TABLE_MAIN;
	r.gateway = fromIpv4(gateway);
	r.ifindex = ifindex;
	r.metric = kMainDefaultMetric;
	// the leased subnet is routed in the station's table only
	r.onlink = true;
	return r;
}

DefaultRouteChanges mainDefaultChanges(const std::vector<Route> &present, const std::optional<Route> &wanted)
{
	DefaultRouteChanges changes;
	bool othersHaveOne = false, wantedThere = false;
	for (const Route &r : present) {
		if (r.family != AF_INET || r.table != RT_TABLE_MAIN || r.dstLen != 0)
			continue;
		if (r.protocol != kRouteProtocol)
			othersHaveOne = true;
		else if (wanted && r == *wanted)
			wantedThere = true;
		else
			changes.remove.push_back(r);
	}
	if (othersHaveOne) {
		if (wantedThere)
			changes.remove.push_back(*wanted);
		return changes;
	}
	if (wanted && !wantedThere)
		changes.add = wanted;
	return changes;
}

void setLinkUp(Rtnl &rtnl, std::uint32_t ifindex)
{
	ifinfomsg ifi{};
	ifi.ifi_family = AF_UNSPEC;
	ifi.ifi_index = static_cast<int>(ifindex);
	ifi.ifi_flags = IFF_UP;
	ifi.ifi_change = IFF_UP;
	Request req(RTM_NEWLINK, 0, &ifi, sizeof(ifi));
	rtnl.request(req.msg());
}

void addAddress(Rtnl &rtnl, const AddrInfo &address)
{
	sendAddress(rtnl, RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL, address);
}

void deleteAddress(Rtnl &rtnl, const AddrInfo &address)
{
	sendAddress(rtnl, RTM_DELADDR, 0, address);
}

void addRoute(Rtnl &rtnl, const Route &route)
{
	sendRoute(rtnl, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL, route);
}

void deleteRoute(Rtnl &rtnl, const Route &route)
{
	sendRoute(rtnl, RTM_DELROUTE, 0, route);
}

void addRule(Rtnl &rtnl, const Rule &rule)
{
	sendRule(rtnl, RTM_NEWRULE, NLM_F_CREATE | NLM_F_EXCL, rule);
}

void deleteRule(Rtnl &rtnl, const Rule &rule)
{
	sendRule(rtnl, RTM_DELRULE, 0, rule);
}

std::vector<Route> dumpRoutes(Rtnl &rtnl, int family)
{
	std::vector<Route> routes;
	rtmsg request{};
	request.rtm_family = static_cast<std::uint8_t>(family);
	dump(rtnl, RTM_GETROUTE, &request, sizeof(request), [&](const nlmsghdr &msg) {
		if (msg.nlmsg_type != RTM_NEWROUTE)
			return;
		rtmsg rtm;
		std::memcpy(&rtm, mnl_nlmsg_get_payload(&msg), sizeof(rtm));
		if (rtm.rtm_family != family || rtm.rtm_type != RTN_UNICAST)
			return;
		const Attrs attrs = rtnlAttrs(msg, sizeof(rtm), kRouteRules, "route message");
		Route r;
		r.family = rtm.rtm_family;
		r.dstLen = rtm.rtm_dst_len;
		r.protocol = rtm.rtm_protocol;
		r.scope = rtm.rtm_scope;
		r.onlink = rtm.rtm_flags & RTNH_F_ONLINK;
		r.table = attrs.has(RTA_TABLE) ? attrs.u32(RTA_TABLE) : rtm.rtm_table;
		if (attrs.has(RTA_DST))
			r.dst = addrAttr(attrs, RTA_DST, family, "route message");
		if (attrs.has(RTA_GATEWAY))
			r.gateway = addrAttr(attrs, RTA_GATEWAY, family, "route message");
		if (attrs.has(RTA_PREFSRC))
			r.prefsrc = addrAttr(attrs, RTA_PREFSRC, family, "route message");
		if (attrs.has(RTA_OIF))
			r.ifindex = attrs.u32(RTA_OIF);
		if (attrs.has(RTA_PRIORITY))
			r.metric = attrs.u32(RTA_PRIORITY);
		routes.push_back(r);
	});
	return routes;
}

std::vector<Rule> dumpRules(Rtnl &rtnl, int family)
{
	std::vector<Rule> rules;
	fib_rule_hdr request{};
	request.family = static_cast<std::uint8_t>(family);
	dump(rtnl, RTM_GETRULE, &request, sizeof(request), [&](const nlmsghdr &msg) {
		if (msg.nlmsg_type != RTM_NEWRULE)
			return;
		fib_rule_hdr frh;
		std::memcpy(&frh, mnl_nlmsg_get_payload(&msg), sizeof(frh));
		if (frh.family != family)
			return;
		const Attrs attrs = rtnlAttrs(msg, sizeof(frh), kRuleRules, "rule message");
		Rule r;
		r.family = frh.family;
		r.srcLen = frh.src_len;
		if (attrs.has(FRA_SRC))
			r.src = addrAttr(attrs, FRA_SRC, family, "rule message");
		r.table = attrs.has(FRA_TABLE) ? attrs.u32(FRA_TABLE) : frh.table;
		r.priority = attrs.has(FRA_PRIORITY) ? attrs.u32(FRA_PRIORITY) : 0;
		r.protocol = attrs.has(FRA_PROTOCOL) ? attrs.u8(FRA_PROTOCOL) : RTPROT_UNSPEC;
		rules.push_back(r);
	});
	return rules;
}

void addStationRouting(Rtnl &rtnl, const StationRouting &routing)
{
	std::vector<Route> added;
	bool addressAdded = false;
	try {
		if (routing.ownsAddress) {
			addAddress(rtnl, routing.address);
			addressAdded = true;
		}
		for (const Route &r : routing.routes) {
			addRoute(rtnl, r);
			added.push_back(r);
		}
		addRule(rtnl, routing.rule);
	} catch (...) {
		const std::exception_ptr failure = std::current_exception();
		for (auto it = added.rbegin(); it != added.rend(); ++it) {
			try {
				deleteRoute(rtnl, *it);
			} catch (const netlink::Error &) { // the first failure is the one to report
			}
		}
		if (addressAdded) {
			try {
				deleteAddress(rtnl, routing.address);
			} catch (const netlink::Error &) {
			}
		}
		std::rethrow_exception(failure);
	}
}

std::size_t deleteStationRouting(Rtnl &rtnl, const StationRouting &routing)
{
	std::size_t gone = 0;
	const auto absent = [&](const netlink::Error &e) {
		if (e.code() != ESRCH && e.code() != ENOENT && e.code() != EADDRNOTAVAIL && e.code() != ENODEV)
			throw;
		++gone;
	};
	try {
		deleteRule(rtnl, routing.rule);
	} catch (const netlink::Error &e) {
		absent(e);
	}
	for (auto it = routing.routes.rbegin(); it != routing.routes.rend(); ++it) {
		try {
			deleteRoute(rtnl, *it);
		} catch (const netlink::Error &e) {
			absent(e);
		}
	}
	if (routing.ownsAddress) {
		try {
			deleteAddress(rtnl, routing.address);
		} catch (const netlink::Error &e) {
			absent(e);
		}
	}
	return gone;
}

} // namespace mpwifi::daemon
