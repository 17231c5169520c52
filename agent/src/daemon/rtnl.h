// SPDX-License-Identifier: GPL-2.0
// rtnetlink through libmnl: the links and addresses of the namespace, and
// their changes.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <variant>
#include <vector>

#include "netlink/attributes.h"

struct mnl_socket;
struct nlmsghdr;

namespace mpwifi::daemon {

struct MnlSocketDeleter {
	void operator()(mnl_socket *sock) const noexcept;
};
using MnlSocketPtr = std::unique_ptr<mnl_socket, MnlSocketDeleter>;

// A netlink socket of @protocol bound to @groups; throws netlink::Error.
[[nodiscard]] MnlSocketPtr openMnl(int protocol, unsigned groups);

struct LinkInfo {
	std::uint32_t ifindex = 0;
	std::string ifname;
	std::uint16_t arphrd = 0;
	std::uint32_t flags = 0; // IFF_*
	std::uint8_t operstate = 0;
	std::string kind; // IFLA_INFO_KIND
	// IFLA_LINK: the device it is built on (a VLAN's, macvlan's or ipvlan's
	// parent, a veth's peer, a tunnel's underlay); 0 for none.
	std::uint32_t parent = 0;
	bool parentElsewhere = false; // IFLA_LINK_NETNSID: that device is in another namespace
	std::uint32_t master = 0;     // IFLA_MASTER: the bond, team, bridge or VRF it is a port of
	bool removed = false; // RTM_DELLINK

	// Administratively up, with carrier, not dormant.
	[[nodiscard]] bool running() const;
};

// An address of an interface (IPv4 or IPv6).
struct AddrInfo {
	std::uint32_t ifindex = 0;
	int family = 0;
	std::array<std::uint8_t, 16> addr{};
	std::uint8_t prefixLen = 0;
	std::uint8_t scope = 0;
	std::uint32_t flags = 0; // IFA_F_*
	bool removed = false;    // RTM_DELADDR

	// Usable as a subflow's source: not link-local or host scope, DAD done.
	[[nodiscard]] bool usable() const;
	[[nodiscard]] std::string text() const;
	friend bool operator==(const AddrInfo &a, const AddrInfo &b)
	{
		return a.family == b.family && a.addr == b.addr && a.ifindex == b.ifindex;
	}
};

using RtnlEvent = std::variant<LinkInfo, AddrInfo>;

// Parses RTM_NEWLINK/DELLINK/NEWADDR/DELADDR; empty for other messages.
// Throws netlink::ParseError for a truncated one.
[[nodiscard]] std::optional<RtnlEvent> parseRtnl(const nlmsghdr &msg);

class Rtnl {
public:
	// A socket for requests and one that has joined the link and address
	// groups.
	static Rtnl open();

	[[nodiscard]] std::vector<LinkInfo> dumpLinks();
	[[nodiscard]] std::vector<AddrInfo> dumpAddrs();

	// Sends @request, numbered here, and waits for its ack, passing the
	// messages of its reply (or dump) to @onMessage.  Throws
	// netlink::KernelError for an error ack.
	void request(nlmsghdr &request, const std::function<void(const nlmsghdr &)> &onMessage = {});

	// For the event loop.
	[[nodiscard]] int eventFd() const;
	// Passes the queued events on, without blocking.  Throws netlink::Error
	// with ENOBUFS when events were lost (dump again).
	void receiveEvents(const std::function<void(const RtnlEvent &)> &onEvent);

private:
	Rtnl(MnlSocketPtr requests, MnlSocketPtr events)
		: requests_(std::move(requests)), events_(std::move(events)) {}
	void dump(std::uint16_t type, const std::function<void(const RtnlEvent &)> &onEntry);

	MnlSocketPtr requests_;
	MnlSocketPtr events_;
	std::uint32_t seq_ = 1;
};

// The attributes of @msg after its family header of @headerLen bytes, for
// @rules; @what names the message in errors.  Throws netlink::ParseError.
[[nodiscard]] netlink::Attrs rtnlAttrs(const nlmsghdr &msg, std::size_t headerLen, std::span<const netlink::AttrRule> rules,
				       const char *what);

// Reads every netlink message of the reply to request @seq on @sock,
// passing data messages to @onMessage, until NLMSG_DONE or an ack.  Throws
// netlink::KernelError for an error ack.
void mnlTransact(mnl_socket *sock, const nlmsghdr &request, const std::function<void(const nlmsghdr &)> &onMessage);

} // namespace mpwifi::daemon
