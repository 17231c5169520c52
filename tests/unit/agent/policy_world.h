// SPDX-License-Identifier: GPL-2.0
// A scripted world for the daemon's policies: an Actions that records what a
// policy asks for, in words, and answers from a fake path manager, WiFi
// associations and errors a test sets up.  No netlink.
#pragma once

#include <arpa/inet.h>
#include <linux/if.h>
#include <linux/if_addr.h>
#include <linux/mptcp.h>
#include <sys/socket.h>

#include <map>
#include <string>
#include <variant>
#include <vector>

#include "daemon/policy.h"

namespace mpwifi::daemon::fake {

using Strings = std::vector<std::string>;

inline AddrInfo ipv4(std::uint32_t ifindex, const char *text)
{
	AddrInfo a;
	a.ifindex = ifindex;
	a.family = AF_INET;
	a.prefixLen = 24;
	if (inet_pton(AF_INET, text, a.addr.data()) != 1)
		throw std::invalid_argument(text);
	return a;
}

inline AddrInfo ipv6(std::uint32_t ifindex, const char *text)
{
	AddrInfo a;
	a.ifindex = ifindex;
	a.family = AF_INET6;
	a.prefixLen = 64;
	if (inet_pton(AF_INET6, text, a.addr.data()) != 1)
		throw std::invalid_argument(text);
	return a;
}

inline Endpoint endpointOn(const AddrInfo &a, std::uint8_t id, std::int32_t ifindex = 0)
{
	Endpoint ep;
	ep.id = id;
	ep.family = a.family;
	ep.addr = a.addr;
	ep.flags = MPTCP_PM_ADDR_FLAG_SUBFLOW;
	ep.ifindex = ifindex;
	return ep;
}

inline constexpr std::uint32_t kRunning = IFF_UP | IFF_LOWER_UP;

inline Interface interface(std::uint32_t ifindex, const std::string &name, LinkType type, std::uint32_t flags,
			   std::vector<AddrInfo> addrs = {}, std::optional<TrustLevel> level = {})
{
	Interface iface;
	iface.link.ifindex = ifindex;
	iface.link.ifname = name;
	iface.link.flags = flags;
	iface.link.kind = type == LinkType::Ethernet ? "veth" : "";
	iface.type = type;
	iface.addrs = std::move(addrs);
	iface.level = level;
	return iface;
}

class World : public Actions {
public:
	// What was asked, one line each, logs apart.
	Strings asked;
	// Log lines; verbose ones start with "(verbose) ".
	Strings logs;

	// Answers.
	std::map<std::uint32_t, WifiFacts> wifi;   // ReadWifi
	std::map<std::uint32_t, int> setTrustError; // SetTrust: errno, once
	std::vector<Endpoint> endpoints;           // the path manager's
	int endpointError = 0;                     // every path manager request fails so
	int addError = 0;                          // AddEndpoint fails so
	std::size_t subflows = 0;                  // DestroySubflows aborts so many

	Strings take()
	{
		Strings out;
		std::swap(out, asked);
		return out;
	}
	Strings takeLogs()
	{
		Strings out;
		std::swap(out, logs);
		return out;
	}

	Result request(const Action &action) override
	{
		return std::visit([this](const auto &a) { return answer(a); }, action);
	}

private:
	static Result failed(int error) { return {.error = error, .message = std::string("error ") + std::to_string(error)}; }

	Result answer(const action::Log &log)
	{
		logs.push_back((log.verbose ? "(verbose) " : "") + log.line);
		return {};
	}
	Result answer(const action::ReadWifi &read)
	{
		asked.push_back("read-wifi " + std::to_string(read.ifindex));
		return {.wifi = wifi[read.ifindex]};
	}
	Result answer(const action::SetTrust &set)
	{
		asked.push_back("set-trust " + std::to_string(set.ifindex) + " " + std::string(trustLevelName(set.level)));
		if (auto it = setTrustError.find(set.ifindex); it != setTrustError.end()) {
			const int error = it->second;
			setTrustError.erase(it);
			return failed(error);
		}
		return {};
	}
	Result answer(const action::ListEndpoints &)
	{
		asked.push_back("list-endpoints");
		if (endpointError)
			return failed(endpointError);
		return {.endpoints = endpoints};
	}
	Result answer(const action::AddEndpoint &add)
	{
		asked.push_back("add-endpoint " + add.endpoint.text());
		if (endpointError || addError)
			return failed(endpointError ? endpointError : addError);
		Endpoint ep = add.endpoint;
		if (ep.id == 0)
			ep.id = static_cast<std::uint8_t>(100 + endpoints.size());
		endpoints.push_back(ep);
		return {};
	}
	Result answer(const action::RemoveEndpoint &remove)
	{
		asked.push_back("remove-endpoint " + remove.endpoint.text());
		if (endpointError)
			return failed(endpointError);
		std::erase_if(endpoints, [&](const Endpoint &ep) { return ep.id == remove.endpoint.id; });
		return {};
	}
	Result answer(const action::DestroySubflows &destroy)
	{
		std::string line = "destroy-subflows";
		for (const AddrInfo &a : destroy.sources)
			line += " " + a.text();
		asked.push_back(line);
		return {.count = subflows};
	}
	// The AP manager's actions: the endpoint and trust policies ask none.
	template <typename A>
	Result answer(const A &)
	{
		asked.push_back("unexpected AP manager action");
		return failed(EOPNOTSUPP);
	}
	Result answer(const action::ArmTimers &arm)
	{
		std::string line = "arm-timers " + std::to_string(arm.ifindex);
		for (auto d : arm.delays)
			line += " " + std::to_string(d.count()) + "ms";
		asked.push_back(line);
		return {};
	}
};

} // namespace mpwifi::daemon::fake
