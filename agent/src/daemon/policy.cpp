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
	if (ep.ifindex > 0 && static_cast<std::uint32_t>(ep.ifindex) == link.ifindex)
		return true;
	return std::any_of(addrs.begin(), addrs.end(), [&](const AddrInfo &a) {
		return a.family == ep.family &&
		       std::equal(a.addr.begin(), a.addr.begin() + (a.family == AF_INET ? 4 : 16), ep.addr.begin());
	});
}

Result require(Actions &actions, const Action &action)
{
	Result result = actions.request(action);
	if (!result.ok())
		throw ActionFailed(result.message);
	return result;
}

} // namespace mpwifi::daemon
