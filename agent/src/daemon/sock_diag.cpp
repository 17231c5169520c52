// SPDX-License-Identifier: GPL-2.0
#include "daemon/sock_diag.h"

#include <algorithm>
#include <cerrno>
#include <cstring>

#include <libmnl/libmnl.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include "netlink/attributes.h"
#include "netlink/error.h"

namespace mpwifi::daemon {

namespace {

using netlink::AttrKind;
using netlink::AttrRule;
using netlink::Attrs;
using netlink::kOptional;

constexpr AttrRule kDiagRules[] = {
	MPW_ATTR_RULE(INET_DIAG_ULP_INFO, AttrKind::Nested, kOptional),
};

constexpr AttrRule kUlpRules[] = {
	MPW_ATTR_RULE(INET_ULP_INFO_NAME, AttrKind::String, kOptional),
};


// Every state but LISTEN: a listener has no path to lose.
constexpr std::uint32_t kStates = ~0u & ~(1u << TCP_LISTEN);

bool sameAddr(const inet_diag_msg &msg, const AddrInfo &a)
{
	if (msg.idiag_family != a.family)
		return false;
	return std::memcmp(msg.id.idiag_src, a.addr.data(), a.family == AF_INET ? 4 : 16) == 0;
}

struct Request {
	nlmsghdr hdr;
	inet_diag_req_v2 req;
};

Request diagRequest(std::uint16_t type, std::uint16_t flags, std::uint8_t family, std::uint32_t seq)
{
	Request r{};
	r.hdr.nlmsg_len = sizeof(r);
	r.hdr.nlmsg_type = type;
	r.hdr.nlmsg_flags = flags;
	r.hdr.nlmsg_seq = seq;
	r.req.sdiag_family = family;
	r.req.sdiag_protocol = IPPROTO_TCP;
	r.req.idiag_states = kStates;
	return r;
}

} // namespace

std::optional<SubflowSocket> subflowFrom(const nlmsghdr &msg, std::span<const AddrInfo> sources)
{
	if (msg.nlmsg_len < NLMSG_HDRLEN + sizeof(inet_diag_msg))
		throw netlink::ParseError("inet_diag reply of " + std::to_string(msg.nlmsg_len) + " bytes");
	inet_diag_msg diag;
	const auto *base = reinterpret_cast<const std::uint8_t *>(&msg);
	std::memcpy(&diag, base + NLMSG_HDRLEN, sizeof(diag));
	if (std::none_of(sources.begin(), sources.end(), [&](const AddrInfo &a) { return sameAddr(diag, a); }))
		return std::nullopt;

	const std::size_t offset = NLMSG_HDRLEN + NLMSG_ALIGN(sizeof(inet_diag_msg));
	const Attrs attrs(base + offset, msg.nlmsg_len - offset, kDiagRules, "inet_diag reply");
	if (!attrs.has(INET_DIAG_ULP_INFO))
		return std::nullopt;
	const Attrs ulp = attrs.nested(INET_DIAG_ULP_INFO, kUlpRules);
	if (!ulp.has(INET_ULP_INFO_NAME) || ulp.string(INET_ULP_INFO_NAME) != "mptcp")
		return std::nullopt;
	return SubflowSocket{diag.idiag_family, diag.id};
}

std::size_t destroySubflows(std::span<const AddrInfo> sources)
{
	if (sources.empty())
		return 0;
	const MnlSocketPtr sock = openMnl(NETLINK_SOCK_DIAG, 0);
	std::uint32_t seq = 1;

	std::vector<SubflowSocket> victims;
	for (const std::uint8_t family : {std::uint8_t{AF_INET}, std::uint8_t{AF_INET6}}) {
		Request r = diagRequest(SOCK_DIAG_BY_FAMILY, NLM_F_REQUEST | NLM_F_DUMP, family, seq++);
		// The ULP attributes come with the info extension, and only
		// to CAP_NET_ADMIN.
		r.req.idiag_ext = 1u << (INET_DIAG_INFO - 1);
		mnlTransact(sock.get(), r.hdr, [&](const nlmsghdr &msg) {
			if (auto s = subflowFrom(msg, sources))
				victims.push_back(*s);
		});
	}

	std::size_t destroyed = 0;
	for (const SubflowSocket &s : victims) {
		Request r = diagRequest(SOCK_DESTROY, NLM_F_REQUEST | NLM_F_ACK, s.family, seq++);
		r.req.id = s.id;
		try {
			mnlTransact(sock.get(), r.hdr, [](const nlmsghdr &) {});
			destroyed++;
		} catch (const netlink::KernelError &e) {
			if (e.code() == EOPNOTSUPP)
				throw netlink::KernelError(EOPNOTSUPP, "cannot abort subflows: this kernel has no "
								       "SOCK_DESTROY (CONFIG_INET_DIAG_DESTROY)");
			if (e.code() != ENOENT) // gone meanwhile: nothing to do
				throw;
		}
	}
	return destroyed;
}

} // namespace mpwifi::daemon
