// SPDX-License-Identifier: GPL-2.0
// MPTCP subflows through sock_diag: find the TCP sockets that are subflows
// (their ULP is "mptcp") by source address, and abort them (SOCK_DESTROY,
// like `ss -K`).  Plain TCP sockets are never touched.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <vector>

#include <linux/inet_diag.h>

#include "daemon/rtnl.h"

struct nlmsghdr;

namespace mpwifi::daemon {

struct SubflowSocket {
	std::uint8_t family = 0;
	inet_diag_sockid id{};
};

// A reply of the TCP dump if it is an MPTCP subflow whose source address is
// one of @sources; empty otherwise.  Throws netlink::ParseError.
[[nodiscard]] std::optional<SubflowSocket> subflowFrom(const nlmsghdr &msg, std::span<const AddrInfo> sources);

// Aborts every MPTCP subflow whose source is one of @sources, so that MPTCP
// reinjects its unacknowledged data on the other subflows at once.  Returns
// how many were aborted.  Needs CAP_NET_ADMIN; throws netlink::Error.
std::size_t destroySubflows(std::span<const AddrInfo> sources);

} // namespace mpwifi::daemon
