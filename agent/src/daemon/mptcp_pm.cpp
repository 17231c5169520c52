// SPDX-License-Identifier: GPL-2.0
#include "daemon/mptcp_pm.h"

#include <algorithm>
#include <cerrno>
#include <optional>

#include <arpa/inet.h>
#include <linux/mptcp.h>
#include <netlink/attr.h>
#include <netlink/errno.h>
#include <sys/socket.h>

#include "netlink/attributes.h"
#include "netlink/error.h"

namespace mpwifi::daemon {

namespace {

using netlink::AttrKind;
using netlink::AttrRule;
using netlink::Attrs;
using netlink::kOptional;
using netlink::kRequired;

constexpr AttrRule kTopRules[] = {
	MPW_ATTR_RULE(MPTCP_PM_ATTR_ADDR, AttrKind::Nested, kRequired),
};

constexpr AttrRule kAddrRules[] = {
	MPW_ATTR_RULE(MPTCP_PM_ADDR_ATTR_FAMILY, AttrKind::U16, kRequired),
	MPW_ATTR_RULE(MPTCP_PM_ADDR_ATTR_ID, AttrKind::U8, kOptional),
	MPW_ATTR_RULE(MPTCP_PM_ADDR_ATTR_ADDR4, AttrKind::Binary, kOptional, 4),
	MPW_ATTR_RULE(MPTCP_PM_ADDR_ATTR_ADDR6, AttrKind::Binary, kOptional, 16),
	MPW_ATTR_RULE(MPTCP_PM_ADDR_ATTR_PORT, AttrKind::U16, kOptional),
	MPW_ATTR_RULE(MPTCP_PM_ADDR_ATTR_FLAGS, AttrKind::U32, kOptional),
	MPW_ATTR_RULE(MPTCP_PM_ADDR_ATTR_IF_IDX, AttrKind::U32, kOptional),
};


constexpr AttrRule kLimitRules[] = {
	MPW_ATTR_RULE(MPTCP_PM_ATTR_RCV_ADD_ADDRS, AttrKind::U32, kRequired),
	MPW_ATTR_RULE(MPTCP_PM_ATTR_SUBFLOWS, AttrKind::U32, kRequired),
};

void check(int err, const char *what)
{
	if (err < 0)
		throw netlink::Error::fromNl(err, std::string("building request: ") + what);
}

// A request whose attributes are in one MPTCP_PM_ATTR_ADDR nest.
template <typename Fill>
netlink::MsgPtr addrRequest(int family, std::uint8_t cmd, Fill fill)
{
	auto msg = netlink::newGenlMessage(family, cmd, MPTCP_PM_VER);
	nlattr *nest = nla_nest_start(msg.get(), MPTCP_PM_ATTR_ADDR);
	if (!nest)
		check(-NLE_MSGSIZE, "MPTCP_PM_ATTR_ADDR");
	fill(msg.get());
	check(nla_nest_end(msg.get(), nest), "MPTCP_PM_ATTR_ADDR");
	return msg;
}

} // namespace

std::string Endpoint::text() const
{
	char buf[INET6_ADDRSTRLEN] = "?";
	::inet_ntop(family, addr.data(), buf, sizeof(buf));
	std::string out = "id " + std::to_string(id) + " " + buf;
	if (port)
		out += " port " + std::to_string(port);
	if (ifindex)
		out += " dev " + std::to_string(ifindex);
	const std::pair<std::uint32_t, const char *> names[] = {
		{MPTCP_PM_ADDR_FLAG_SIGNAL, "signal"}, {MPTCP_PM_ADDR_FLAG_SUBFLOW, "subflow"},
		{MPTCP_PM_ADDR_FLAG_BACKUP, "backup"}, {MPTCP_PM_ADDR_FLAG_FULLMESH, "fullmesh"},
		{MPTCP_PM_ADDR_FLAG_IMPLICIT, "implicit"}};
	for (const auto &[flag, name] : names)
		if (flags & flag)
			out += std::string(" ") + name;
	return out;
}

Endpoint parseEndpoint(const nlmsghdr &msg)
{
	const Attrs top = Attrs::ofGenl(msg, kTopRules, "mptcp_pm GET_ADDR reply");
	const Attrs a = top.nested(MPTCP_PM_ATTR_ADDR, kAddrRules);
	Endpoint ep;
	ep.family = a.u16(MPTCP_PM_ADDR_ATTR_FAMILY);
	const int addrType = ep.family == AF_INET ? MPTCP_PM_ADDR_ATTR_ADDR4 : MPTCP_PM_ADDR_ATTR_ADDR6;
	if (ep.family != AF_INET && ep.family != AF_INET6)
		throw netlink::ParseError("mptcp_pm GET_ADDR reply: family " + std::to_string(ep.family));
	const auto bytes = a.binary(addrType);
	std::copy(bytes.begin(), bytes.end(), ep.addr.begin());
	if (a.has(MPTCP_PM_ADDR_ATTR_ID))
		ep.id = a.u8(MPTCP_PM_ADDR_ATTR_ID);
	if (a.has(MPTCP_PM_ADDR_ATTR_PORT))
		ep.port = a.u16(MPTCP_PM_ADDR_ATTR_PORT);
	if (a.has(MPTCP_PM_ADDR_ATTR_FLAGS))
		ep.flags = a.u32(MPTCP_PM_ADDR_ATTR_FLAGS);
	if (a.has(MPTCP_PM_ADDR_ATTR_IF_IDX))
		ep.ifindex = static_cast<std::int32_t>(a.u32(MPTCP_PM_ADDR_ATTR_IF_IDX));
	return ep;
}

netlink::MsgPtr endpointAddRequest(int family, const Endpoint &ep)
{
	return addrRequest(family, MPTCP_PM_CMD_ADD_ADDR, [&](nl_msg *msg) {
		check(nla_put_u16(msg, MPTCP_PM_ADDR_ATTR_FAMILY, static_cast<std::uint16_t>(ep.family)), "FAMILY");
		if (ep.id)
			check(nla_put_u8(msg, MPTCP_PM_ADDR_ATTR_ID, ep.id), "ID");
		if (ep.family == AF_INET)
			check(nla_put(msg, MPTCP_PM_ADDR_ATTR_ADDR4, 4, ep.addr.data()), "ADDR4");
		else
			check(nla_put(msg, MPTCP_PM_ADDR_ATTR_ADDR6, 16, ep.addr.data()), "ADDR6");
		if (ep.port)
			check(nla_put_u16(msg, MPTCP_PM_ADDR_ATTR_PORT, ep.port), "PORT");
		if (ep.flags)
			check(nla_put_u32(msg, MPTCP_PM_ADDR_ATTR_FLAGS, ep.flags), "FLAGS");
		if (ep.ifindex)
			check(nla_put_s32(msg, MPTCP_PM_ADDR_ATTR_IF_IDX, ep.ifindex), "IF_IDX");
	});
}

netlink::MsgPtr endpointDelRequest(int family, std::uint8_t id)
{
	return addrRequest(family, MPTCP_PM_CMD_DEL_ADDR, [&](nl_msg *msg) {
		// The id alone: with a family the kernel wants an address too.
		check(nla_put_u8(msg, MPTCP_PM_ADDR_ATTR_ID, id), "ID");
	});
}

netlink::MsgPtr endpointFlagsRequest(int family, std::uint8_t id, std::uint32_t flags)
{
	return addrRequest(family, MPTCP_PM_CMD_SET_FLAGS, [&](nl_msg *msg) {
		// by id: 6.1 and 6.12 look the endpoint up by id when no family is given
		check(nla_put_u8(msg, MPTCP_PM_ADDR_ATTR_ID, id), "ID");
		check(nla_put_u32(msg, MPTCP_PM_ADDR_ATTR_FLAGS, flags), "FLAGS");
	});
}

bool endpointOn(const Endpoint &ep, std::uint32_t ifindex, std::span<const AddrInfo> addrs)
{
	if (ep.ifindex > 0 && static_cast<std::uint32_t>(ep.ifindex) == ifindex)
		return true;
	return std::any_of(addrs.begin(), addrs.end(), [&](const AddrInfo &a) {
		return a.family == ep.family &&
		       std::equal(a.addr.begin(), a.addr.begin() + (a.family == AF_INET ? 4 : 16), ep.addr.begin());
	});
}

MptcpLimits limitsForPaths(const MptcpLimits &current, std::size_t paths)
{
	const auto needed = static_cast<std::uint32_t>(std::min<std::size_t>(paths, kMptcpLimitMax));
	return {std::max(current.subflows, needed), std::max(current.addAddrAccepted, needed)};
}

MptcpPm MptcpPm::open()
{
	auto sock = netlink::GenlSocket::open();
	const int family = sock.resolveFamily(MPTCP_PM_NAME);
	return MptcpPm(std::move(sock), family);
}

std::vector<Endpoint> MptcpPm::dump()
{
	std::vector<Endpoint> eps;
	sock_.dump(netlink::newGenlMessage(family_, MPTCP_PM_CMD_GET_ADDR, MPTCP_PM_VER),
		   [&](const nlmsghdr &msg) { eps.push_back(parseEndpoint(msg)); });
	return eps;
}

void MptcpPm::add(const Endpoint &ep)
{
	sock_.request(endpointAddRequest(family_, ep));
}

void MptcpPm::remove(std::uint8_t id)
{
	sock_.request(endpointDelRequest(family_, id));
}

void MptcpPm::reannounce(const Endpoint &ep)
{
	remove(ep.id);
	add(ep);
}

void MptcpPm::setBackup(const Endpoint &ep, bool backup)
{
	// the kernel changes only these two flags, both from the request
	const std::uint32_t flags =
		(ep.flags & MPTCP_PM_ADDR_FLAG_FULLMESH) | (backup ? MPTCP_PM_ADDR_FLAG_BACKUP : 0U);
	sock_.request(endpointFlagsRequest(family_, ep.id, flags));
}

MptcpLimits MptcpPm::limits()
{
	std::optional<MptcpLimits> got;
	sock_.request(netlink::newGenlMessage(family_, MPTCP_PM_CMD_GET_LIMITS, MPTCP_PM_VER),
		      [&](const nlmsghdr &msg) {
			      const Attrs a = Attrs::ofGenl(msg, kLimitRules, "mptcp_pm GET_LIMITS reply");
			      got = MptcpLimits{a.u32(MPTCP_PM_ATTR_SUBFLOWS), a.u32(MPTCP_PM_ATTR_RCV_ADD_ADDRS)};
		      });
	if (!got)
		throw netlink::Error(EPROTO, "mptcp_pm GET_LIMITS: no reply");
	return *got;
}

void MptcpPm::setLimits(const MptcpLimits &limits)
{
	auto msg = netlink::newGenlMessage(family_, MPTCP_PM_CMD_SET_LIMITS, MPTCP_PM_VER);
	check(nla_put_u32(msg.get(), MPTCP_PM_ATTR_SUBFLOWS, limits.subflows), "SUBFLOWS");
	check(nla_put_u32(msg.get(), MPTCP_PM_ATTR_RCV_ADD_ADDRS, limits.addAddrAccepted), "RCV_ADD_ADDRS");
	sock_.request(std::move(msg));
}

} // namespace mpwifi::daemon
