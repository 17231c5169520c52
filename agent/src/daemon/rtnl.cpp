// SPDX-License-Identifier: GPL-2.0
#include "daemon/rtnl.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <exception>
#include <vector>

#include <arpa/inet.h>
#include <libmnl/libmnl.h>
#include <linux/if.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>

#include "netlink/attributes.h"
#include "netlink/error.h"
#include "netlink/genl_socket.h"

namespace mpwifi::daemon {

void MnlSocketDeleter::operator()(mnl_socket *sock) const noexcept
{
	mnl_socket_close(sock);
}

MnlSocketPtr openMnl(int protocol, unsigned groups)
{
	MnlSocketPtr sock(mnl_socket_open2(protocol, SOCK_CLOEXEC));
	if (!sock)
		throw netlink::Error(errno, "netlink socket");
	if (mnl_socket_bind(sock.get(), groups, MNL_SOCKET_AUTOPID) < 0)
		throw netlink::Error(errno, "netlink bind");
	const int one = 1;
	// Old kernels lack it; errors then come without explanation.
	::setsockopt(mnl_socket_get_fd(sock.get()), SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	return sock;
}

bool LinkInfo::running() const
{
	// The flags, not the operational state: the kernel reports the carrier
	// at once but updates the operstate up to a second later.
	return (flags & IFF_UP) && (flags & IFF_LOWER_UP) && !(flags & IFF_DORMANT);
}

bool AddrInfo::usable() const
{
	return scope < RT_SCOPE_LINK && !(flags & (IFA_F_TENTATIVE | IFA_F_DADFAILED));
}

std::string AddrInfo::text() const
{
	char buf[INET6_ADDRSTRLEN];
	if (!::inet_ntop(family, addr.data(), buf, sizeof(buf)))
		return "?";
	return buf;
}

netlink::Attrs rtnlAttrs(const nlmsghdr &msg, std::size_t headerLen, std::span<const netlink::AttrRule> rules, const char *what)
{
	const std::size_t offset = NLMSG_HDRLEN + NLMSG_ALIGN(headerLen);
	if (msg.nlmsg_len < offset)
		throw netlink::ParseError(std::string(what) + " of " + std::to_string(msg.nlmsg_len) + " bytes");
	return netlink::Attrs(reinterpret_cast<const std::uint8_t *>(&msg) + offset, msg.nlmsg_len - offset, rules,
			      what);
}

namespace {

using netlink::AttrKind;
using netlink::AttrRule;
using netlink::Attrs;
using netlink::kOptional;
using netlink::kRequired;

constexpr AttrRule kLinkRules[] = {
	MPW_ATTR_RULE(IFLA_IFNAME, AttrKind::String, kOptional, IFNAMSIZ),
	MPW_ATTR_RULE(IFLA_OPERSTATE, AttrKind::U8, kOptional),
	MPW_ATTR_RULE(IFLA_LINKINFO, AttrKind::Nested, kOptional),
	MPW_ATTR_RULE(IFLA_LINK, AttrKind::U32, kOptional),
	MPW_ATTR_RULE(IFLA_MASTER, AttrKind::U32, kOptional),
	MPW_ATTR_RULE(IFLA_LINK_NETNSID, AttrKind::U32, kOptional), // an s32: only its presence counts
};

constexpr AttrRule kLinkInfoRules[] = {
	MPW_ATTR_RULE(IFLA_INFO_KIND, AttrKind::String, kOptional),
};

constexpr AttrRule kAddrRules[] = {
	MPW_ATTR_RULE(IFA_ADDRESS, AttrKind::Bytes, kOptional, 16),
	MPW_ATTR_RULE(IFA_LOCAL, AttrKind::Bytes, kOptional, 16),
	MPW_ATTR_RULE(IFA_FLAGS, AttrKind::U32, kOptional),
};


LinkInfo parseLink(const nlmsghdr &msg)
{
	const Attrs attrs = rtnlAttrs(msg, sizeof(ifinfomsg), kLinkRules, "link message");
	ifinfomsg ifi;
	std::memcpy(&ifi, reinterpret_cast<const std::uint8_t *>(&msg) + NLMSG_HDRLEN, sizeof(ifi));
	LinkInfo link;
	link.ifindex = static_cast<std::uint32_t>(ifi.ifi_index);
	link.arphrd = ifi.ifi_type;
	link.flags = ifi.ifi_flags;
	link.removed = msg.nlmsg_type == RTM_DELLINK;
	if (attrs.has(IFLA_IFNAME))
		link.ifname = attrs.string(IFLA_IFNAME);
	if (attrs.has(IFLA_OPERSTATE))
		link.operstate = attrs.u8(IFLA_OPERSTATE);
	if (attrs.has(IFLA_LINK))
		link.parent = attrs.u32(IFLA_LINK);
	link.parentElsewhere = attrs.has(IFLA_LINK_NETNSID);
	if (attrs.has(IFLA_MASTER))
		link.master = attrs.u32(IFLA_MASTER);
	if (attrs.has(IFLA_LINKINFO)) {
		const Attrs info = attrs.nested(IFLA_LINKINFO, kLinkInfoRules);
		if (info.has(IFLA_INFO_KIND))
			link.kind = info.string(IFLA_INFO_KIND);
	}
	return link;
}

AddrInfo parseAddr(const nlmsghdr &msg)
{
	const Attrs attrs = rtnlAttrs(msg, sizeof(ifaddrmsg), kAddrRules, "address message");
	ifaddrmsg ifa;
	std::memcpy(&ifa, reinterpret_cast<const std::uint8_t *>(&msg) + NLMSG_HDRLEN, sizeof(ifa));
	AddrInfo a;
	a.ifindex = ifa.ifa_index;
	a.family = ifa.ifa_family;
	a.prefixLen = ifa.ifa_prefixlen;
	a.scope = ifa.ifa_scope;
	a.flags = ifa.ifa_flags;
	a.removed = msg.nlmsg_type == RTM_DELADDR;
	if (attrs.has(IFA_FLAGS))
		a.flags = attrs.u32(IFA_FLAGS);
	// IFA_LOCAL is our end of a point-to-point link, where IFA_ADDRESS is
	// the peer's; without it IFA_ADDRESS is ours.
	const int type = attrs.has(IFA_LOCAL) ? IFA_LOCAL : IFA_ADDRESS;
	if (attrs.has(type) && (a.family == AF_INET || a.family == AF_INET6)) {
		const auto bytes = attrs.binary(type);
		if (bytes.size() != (a.family == AF_INET ? 4u : 16u))
			throw netlink::ParseError("address message: address of " + std::to_string(bytes.size()) + " bytes");
		std::copy(bytes.begin(), bytes.end(), a.addr.begin());
	}
	return a;
}

constexpr std::size_t kBufSize = 64 * 1024;

} // namespace

std::optional<RtnlEvent> parseRtnl(const nlmsghdr &msg)
{
	switch (msg.nlmsg_type) {
	case RTM_NEWLINK:
	case RTM_DELLINK: return parseLink(msg);
	case RTM_NEWADDR:
	case RTM_DELADDR: {
		AddrInfo a = parseAddr(msg);
		if (a.family != AF_INET && a.family != AF_INET6)
			return std::nullopt;
		return a;
	}
	default: return std::nullopt;
	}
}

void mnlTransact(mnl_socket *sock, const nlmsghdr &request, const std::function<void(const nlmsghdr &)> &onMessage)
{
	if (mnl_socket_sendto(sock, &request, request.nlmsg_len) < 0)
		throw netlink::Error(errno, "netlink send");
	const std::uint32_t portid = mnl_socket_get_portid(sock);
	std::vector<char> buf(kBufSize);
	std::exception_ptr handlerError;
	for (;;) {
		const ssize_t n = mnl_socket_recvfrom(sock, buf.data(), buf.size());
		if (n < 0) {
			if (errno == EINTR)
				continue;
			throw netlink::Error(errno, "netlink receive");
		}
		int remaining = static_cast<int>(n);
		for (auto *h = reinterpret_cast<const nlmsghdr *>(buf.data()); mnl_nlmsg_ok(h, remaining);
		     h = mnl_nlmsg_next(h, &remaining)) {
			if (h->nlmsg_seq != request.nlmsg_seq || h->nlmsg_pid != portid)
				continue;
			if (h->nlmsg_type == NLMSG_ERROR || h->nlmsg_type == NLMSG_DONE) {
				const netlink::AckStatus ack = netlink::parseAck(*h);
				if (handlerError)
					std::rethrow_exception(handlerError);
				if (ack.error)
					throw netlink::KernelError(ack.error, ack.message);
				return;
			}
			if (h->nlmsg_type < NLMSG_MIN_TYPE)
				continue;
			try {
				onMessage(*h);
			} catch (...) {
				if (!handlerError)
					handlerError = std::current_exception();
			}
		}
	}
}

Rtnl Rtnl::open()
{
	return Rtnl(openMnl(NETLINK_ROUTE, 0),
		    openMnl(NETLINK_ROUTE, RTMGRP_LINK | RTMGRP_IPV4_IFADDR | RTMGRP_IPV6_IFADDR));
}

void Rtnl::dump(std::uint16_t type, const std::function<void(const RtnlEvent &)> &onEntry)
{
	alignas(nlmsghdr) char buf[NLMSG_HDRLEN + NLMSG_ALIGN(sizeof(rtgenmsg))] = {};
	nlmsghdr *req = mnl_nlmsg_put_header(buf);
	req->nlmsg_type = type;
	req->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	auto *gen = static_cast<rtgenmsg *>(mnl_nlmsg_put_extra_header(req, sizeof(rtgenmsg)));
	gen->rtgen_family = AF_UNSPEC;
	request(*req, [&](const nlmsghdr &msg) {
		if (auto event = parseRtnl(msg))
			onEntry(*event);
	});
}

void Rtnl::request(nlmsghdr &req, const std::function<void(const nlmsghdr &)> &onMessage)
{
	req.nlmsg_seq = seq_++;
	mnlTransact(requests_.get(), req, [&](const nlmsghdr &msg) {
		if (onMessage)
			onMessage(msg);
	});
}

std::vector<LinkInfo> Rtnl::dumpLinks()
{
	std::vector<LinkInfo> links;
	dump(RTM_GETLINK, [&](const RtnlEvent &e) {
		if (auto link = std::get_if<LinkInfo>(&e))
			links.push_back(*link);
	});
	return links;
}

std::vector<AddrInfo> Rtnl::dumpAddrs()
{
	std::vector<AddrInfo> addrs;
	dump(RTM_GETADDR, [&](const RtnlEvent &e) {
		if (auto addr = std::get_if<AddrInfo>(&e))
			addrs.push_back(*addr);
	});
	return addrs;
}

int Rtnl::eventFd() const
{
	return mnl_socket_get_fd(events_.get());
}

void Rtnl::receiveEvents(const std::function<void(const RtnlEvent &)> &onEvent)
{
	std::vector<char> buf(kBufSize);
	for (;;) {
		const ssize_t n = ::recv(eventFd(), buf.data(), buf.size(), MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return;
			throw netlink::Error(errno, errno == ENOBUFS ? "rtnetlink events lost" : "rtnetlink receive");
		}
		int remaining = static_cast<int>(n);
		for (auto *h = reinterpret_cast<const nlmsghdr *>(buf.data()); mnl_nlmsg_ok(h, remaining);
		     h = mnl_nlmsg_next(h, &remaining))
			if (auto event = parseRtnl(*h))
				onEvent(*event);
	}
}

} // namespace mpwifi::daemon
