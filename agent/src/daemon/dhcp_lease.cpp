// SPDX-License-Identifier: GPL-2.0
#include "daemon/dhcp_lease.h"

#include <charconv>
#include <cstring>
#include <map>

#include <arpa/inet.h>

namespace mpwifi::daemon {

namespace {

std::optional<Ipv4> parseIpv4(std::string_view text)
{
	// inet_pton takes exactly the dotted quad, no shorthand
	char buf[INET_ADDRSTRLEN];
	if (text.empty() || text.size() >= sizeof(buf))
		return std::nullopt;
	std::memcpy(buf, text.data(), text.size());
	buf[text.size()] = '\0';
	Ipv4 addr{};
	if (::inet_pton(AF_INET, buf, addr.data()) != 1)
		return std::nullopt;
	return addr;
}

std::vector<std::string_view> words(std::string_view text)
{
	std::vector<std::string_view> out;
	while (!text.empty()) {
		const auto start = text.find_first_not_of(' ');
		if (start == std::string_view::npos)
			break;
		text.remove_prefix(start);
		const auto end = text.find(' ');
		out.push_back(text.substr(0, end));
		text.remove_prefix(end == std::string_view::npos ? text.size() : end);
	}
	return out;
}

bool sameSubnet(const Ipv4 &a, const Ipv4 &b, unsigned prefixLen)
{
	for (unsigned bit = 0; bit < prefixLen; ++bit) {
		const unsigned mask = 0x80u >> (bit % 8);
		if ((a[bit / 8] & mask) != (b[bit / 8] & mask))
			return false;
	}
	return true;
}

} // namespace

std::string formatIpv4(const Ipv4 &addr)
{
	return std::to_string(addr[0]) + "." + std::to_string(addr[1]) + "." + std::to_string(addr[2]) + "." +
	       std::to_string(addr[3]);
}

DhcpLease parseDhcpLease(std::string_view text, std::string_view source)
{
	auto fail = [&](const std::string &what) -> DhcpLeaseError {
		return DhcpLeaseError(std::string(source) + ": " + what);
	};
	std::map<std::string, std::string, std::less<>> values;
	int lineNo = 0;
	while (!text.empty()) {
		const auto nl = text.find('\n');
		const std::string_view line = text.substr(0, nl);
		text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
		++lineNo;
		if (line.empty())
			continue;
		const auto eq = line.find('=');
		if (eq == std::string_view::npos || eq == 0)
			throw fail("line " + std::to_string(lineNo) + ": not name=value: \"" + std::string(line) + "\"");
		// a value with a line break in it must not pass for another name
		if (!values.emplace(std::string(line.substr(0, eq)), std::string(line.substr(eq + 1))).second)
			throw fail("line " + std::to_string(lineNo) + ": " + std::string(line.substr(0, eq)) +
				   " given twice");
	}

	DhcpLease lease;
	auto address = [&](std::string_view name, std::string_view value) {
		const auto addr = parseIpv4(value);
		if (!addr)
			throw fail(std::string(name) + " \"" + std::string(value) + "\" is not an IPv4 address");
		return *addr;
	};
	const auto ip = values.find("ip");
	if (ip == values.end() || ip->second.empty())
		throw fail("no address (ip)");
	lease.address = address("ip", ip->second);
	const auto mask = values.find("mask");
	if (mask == values.end() || mask->second.empty())
		throw fail("no subnet mask (mask)");
	unsigned prefix = 0;
	const auto [end, ec] = std::from_chars(mask->second.data(), mask->second.data() + mask->second.size(), prefix);
	if (ec != std::errc() || end != mask->second.data() + mask->second.size() || prefix < 1 || prefix > 32)
		throw fail("mask \"" + mask->second + "\" is not a prefix length 1..32");
	lease.prefixLen = static_cast<std::uint8_t>(prefix);

	if (const auto it = values.find("router"); it != values.end())
		for (const std::string_view w : words(it->second))
			lease.routers.push_back(address("router", w));
	if (!lease.routers.empty() && !sameSubnet(lease.routers.front(), lease.address, prefix))
		throw fail("gateway " + formatIpv4(lease.routers.front()) + " is outside " + formatIpv4(lease.address) +
			   "/" + std::to_string(prefix));
	if (const auto it = values.find("dns"); it != values.end())
		for (const std::string_view w : words(it->second))
			lease.dns.push_back(address("dns", w));
	if (const auto it = values.find("domain"); it != values.end())
		lease.domain = it->second;
	if (const auto it = values.find("lease"); it != values.end() && !it->second.empty()) {
		const auto [e, err] = std::from_chars(it->second.data(), it->second.data() + it->second.size(),
						      lease.leaseSeconds);
		if (err != std::errc() || e != it->second.data() + it->second.size())
			throw fail("lease \"" + it->second + "\" is not a number of seconds");
	}
	if (const auto it = values.find("serverid"); it != values.end() && !it->second.empty())
		lease.server = address("serverid", it->second);
	return lease;
}

} // namespace mpwifi::daemon
