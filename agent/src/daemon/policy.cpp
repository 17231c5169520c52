// SPDX-License-Identifier: GPL-2.0
#include "daemon/policy.h"

#include <algorithm>

#include <sys/socket.h>

namespace mpwifi::daemon {

bool Interface::hasUsableAddr() const
{
	return std::any_of(addrs.begin(), addrs.end(), [](const AddrInfo &a) { return a.usable(); });
}

bool Interface::holds(const Endpoint &ep) const
{
	return endpointOn(ep, link.ifindex, addrs);
}

Result require(Actions &actions, const Action &action)
{
	Result result = actions.request(action);
	if (!result.ok())
		throw ActionFailed(result.message);
	return result;
}

} // namespace mpwifi::daemon
