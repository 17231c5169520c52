// SPDX-License-Identifier: GPL-2.0
// Endpoints of the in-kernel MPTCP path manager (generic netlink family
// "mptcp_pm", what `ip mptcp endpoint` edits).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "daemon/rtnl.h"
#include "netlink/genl_socket.h"

namespace mpwifi::daemon {

struct Endpoint {
	std::uint8_t id = 0;
	int family = 0;
	std::array<std::uint8_t, 16> addr{}; // network byte order
	std::uint16_t port = 0;
	std::uint32_t flags = 0; // MPTCP_PM_ADDR_FLAG_*
	std::int32_t ifindex = 0; // 0: none

	[[nodiscard]] std::string text() const; // "id 3 10.0.1.11 dev 4 subflow"
};

// @ep stands on the interface @ifindex with addresses @addrs: it names
// that interface, or its address is one of them.
[[nodiscard]] bool endpointOn(const Endpoint &ep, std::uint32_t ifindex, std::span<const AddrInfo> addrs);

// The path manager's limits per connection: extra subflows, and addresses
// the peer announces that it accepts.
struct MptcpLimits {
	std::uint32_t subflows = 0;
	std::uint32_t addAddrAccepted = 0;

	bool operator==(const MptcpLimits &) const = default;
};

// The kernel's ceiling for both (MPTCP_PM_ADDR_MAX in 6.1 and 6.12).
inline constexpr std::uint32_t kMptcpLimitMax = 8;

// The limits a connection over @paths paths needs, never below @current (a
// user's setting stays): a subflow and an accepted address per path.
[[nodiscard]] MptcpLimits limitsForPaths(const MptcpLimits &current, std::size_t paths);

class MptcpPm {
public:
	// FamilyNotFound when the kernel has no MPTCP.
	static MptcpPm open();

	[[nodiscard]] std::vector<Endpoint> dump();
	// Adds @ep; id 0 lets the kernel choose one.
	void add(const Endpoint &ep);
	void remove(std::uint8_t id);
	// Deletes @ep and adds it back with its id: the deletion frees its id
	// on every connection, the addition makes the path manager join
	// through it again on each (a join the peer reset is otherwise never
	// retried).
	void reannounce(const Endpoint &ep);
	// Sets or clears @ep's backup flag (its fullmesh flag kept): when it
	// changes, the path manager sends MP_PRIO on the subflows from its
	// address of every connection.
	void setBackup(const Endpoint &ep, bool backup);

	[[nodiscard]] MptcpLimits limits();
	void setLimits(const MptcpLimits &limits);

private:
	MptcpPm(netlink::GenlSocket sock, int family) : sock_(std::move(sock)), family_(family) {}

	netlink::GenlSocket sock_;
	int family_;
};

// An endpoint in a GET_ADDR reply.  Throws netlink::ParseError.
[[nodiscard]] Endpoint parseEndpoint(const nlmsghdr &msg);
// Requests to @family.
[[nodiscard]] netlink::MsgPtr endpointAddRequest(int family, const Endpoint &ep);
[[nodiscard]] netlink::MsgPtr endpointDelRequest(int family, std::uint8_t id);
// SET_FLAGS for endpoint @id: its backup and fullmesh flags become @flags'.
[[nodiscard]] netlink::MsgPtr endpointFlagsRequest(int family, std::uint8_t id, std::uint32_t flags);

} // namespace mpwifi::daemon
