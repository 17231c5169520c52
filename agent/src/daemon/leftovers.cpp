// SPDX-License-Identifier: GPL-2.0
#include "daemon/leftovers.h"

#include <algorithm>
#include <map>
#include <set>

namespace mpwifi::daemon {

std::optional<unsigned> stationNumber(std::string_view ifname)
{
	constexpr std::string_view prefix = "mpw";
	if (!ifname.starts_with(prefix))
		return std::nullopt;
	const std::string_view digits = ifname.substr(prefix.size());
	if (digits.empty() || digits.size() > 4 || (digits.size() > 1 && digits[0] == '0') ||
	    !std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; }))
		return std::nullopt;
	unsigned n = 0;
	for (char c : digits)
		n = n * 10 + static_cast<unsigned>(c - '0');
	return n;
}

Leftovers findLeftovers(const std::vector<LinkInfo> &links, const std::vector<AddrInfo> &addrs,
			const std::vector<Route> &routes, const std::vector<Rule> &rules,
			const std::vector<Endpoint> &endpoints)
{
	Leftovers found;
	std::set<std::uint32_t> stations;
	for (const LinkInfo &link : links)
		if (stationNumber(link.ifname)) {
			stations.insert(link.ifindex);
			found.stations.push_back(link);
		}
	std::map<std::uint32_t, std::vector<AddrInfo>> stationAddrs;
	for (const std::uint32_t ifindex : stations)
		stationAddrs[ifindex];
	for (const AddrInfo &a : addrs)
		if (stations.contains(a.ifindex))
			stationAddrs[a.ifindex].push_back(a);
	const auto onStation = [&](const Endpoint &ep) {
		return std::any_of(stationAddrs.begin(), stationAddrs.end(),
				   [&](const auto &st) { return endpointOn(ep, st.first, st.second); });
	};
	std::copy_if(endpoints.begin(), endpoints.end(), std::back_inserter(found.endpoints), onStation);
	std::copy_if(rules.begin(), rules.end(), std::back_inserter(found.rules),
		     [](const Rule &r) { return r.protocol == kRouteProtocol; });
	// a station's own routes go with it
	std::copy_if(routes.begin(), routes.end(), std::back_inserter(found.routes), [&](const Route &r) {
		return r.protocol == kRouteProtocol && !stations.contains(r.ifindex);
	});
	return found;
}

} // namespace mpwifi::daemon
