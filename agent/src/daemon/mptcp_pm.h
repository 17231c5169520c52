// SPDX-License-Identifier: GPL-2.0
// Endpoints of the in-kernel MPTCP path manager (generic netlink family
// "mptcp_pm", what `ip mptcp endpoint` edits).
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

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

class MptcpPm {
public:
	// FamilyNotFound when the kernel has no MPTCP.
	static MptcpPm open();

	[[nodiscard]] std::vector<Endpoint> dump();
	// Adds @ep; id 0 lets the kernel choose one.
	void add(const Endpoint &ep);
	void remove(std::uint8_t id);

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

} // namespace mpwifi::daemon
