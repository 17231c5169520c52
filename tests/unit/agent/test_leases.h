// SPDX-License-Identifier: GPL-2.0
// DHCP leases as a station's tests give them.
#pragma once

#include <gtest/gtest.h>

#include <arpa/inet.h>

#include "daemon/dhcp_lease.h"

namespace mpwifi::daemon::test {

inline Ipv4 ip4(const char *text)
{
	Ipv4 out{};
	EXPECT_EQ(::inet_pton(AF_INET, text, out.data()), 1);
	return out;
}

// A /24 of @address through @router, for 10 minutes.
inline DhcpLease lease(const char *address, const char *router)
{
	DhcpLease l;
	l.address = ip4(address);
	l.prefixLen = 24;
	l.routers = {ip4(router)};
	l.leaseSeconds = 600;
	return l;
}

} // namespace mpwifi::daemon::test
