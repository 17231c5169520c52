// SPDX-License-Identifier: GPL-2.0
// What an AP manager that was killed left behind: its station interfaces
// (mpw<N>), the routes and rules it added (kRouteProtocol) and the path
// manager's endpoints on those interfaces.  A restarted daemon removes them
// before it brings stations up again, so nothing is duplicated or left
// stale.  Found from what the kernel reports; pure.
#pragma once

#include <optional>
#include <string_view>
#include <vector>

#include "daemon/mptcp_pm.h"
#include "daemon/routes.h"
#include "daemon/rtnl.h"

namespace mpwifi::daemon {

// N of a station interface's name "mpw<N>" (decimal, no leading zero), or
// none for any other name.
[[nodiscard]] std::optional<unsigned> stationNumber(std::string_view ifname);

struct Leftovers {
	std::vector<Endpoint> endpoints;
	std::vector<Rule> rules;
	std::vector<Route> routes;   // those that leave with an interface are not listed
	std::vector<LinkInfo> stations;

	[[nodiscard]] bool empty() const
	{
		return endpoints.empty() && rules.empty() && routes.empty() && stations.empty();
	}
};

// Of the kernel's @links, @addrs, @routes, @rules and @endpoints, what the
// daemon owns: to be removed in the order of the fields (an endpoint
// before the address it stands on, a rule before the table it points to).
[[nodiscard]] Leftovers findLeftovers(const std::vector<LinkInfo> &links, const std::vector<AddrInfo> &addrs,
				      const std::vector<Route> &routes, const std::vector<Rule> &rules,
				      const std::vector<Endpoint> &endpoints);

} // namespace mpwifi::daemon
