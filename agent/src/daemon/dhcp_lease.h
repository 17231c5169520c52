// SPDX-License-Identifier: GPL-2.0
// A DHCPv4 lease of a station interface, as the DHCP client's event script
// (agent/dhcp/udhcpc-event) writes it: "name=value" lines from udhcpc's
// environment.  The daemon configures the interface from it.  Parsing only,
// no I/O.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace mpwifi::daemon {

using Ipv4 = std::array<std::uint8_t, 4>;

// "SOURCE: what is wrong".
class DhcpLeaseError : public std::runtime_error {
public:
	using std::runtime_error::runtime_error;
};

struct DhcpLease {
	Ipv4 address{};
	std::uint8_t prefixLen = 0;
	std::vector<Ipv4> routers;      // the first is the default gateway
	std::vector<Ipv4> dns;          // reported, never written to resolv.conf
	std::string domain;
	std::uint32_t leaseSeconds = 0; // 0: the server gave none
	std::optional<Ipv4> server;

	bool operator==(const DhcpLease &) const = default;
};

// Parses @text from @source (a path, for messages): ip and mask are needed
// (a lease with no subnet mask gives no subnet to route), every address must
// be a dotted quad, the gateway must be in the leased subnet; unknown names
// are skipped.  Throws DhcpLeaseError.
[[nodiscard]] DhcpLease parseDhcpLease(std::string_view text, std::string_view source);

// "192.0.2.7".
[[nodiscard]] std::string formatIpv4(const Ipv4 &addr);

} // namespace mpwifi::daemon
