// SPDX-License-Identifier: GPL-2.0
#include "mpwifi/client.h"

#include <netlink/netlink.h>

#include "mpwifi/messages.h"
#include "netlink/error.h"

namespace mpwifi {

void EventSubscription::receive(const std::function<void(const ApEvent &)> &onEvent)
{
	sock_.receivePending([&](const nlmsghdr &msg) {
		if (msg.nlmsg_type != family_)
			return;
		if (auto event = parseEvent(msg))
			onEvent(*event);
	});
}

Client Client::open()
{
	auto sock = netlink::GenlSocket::open();
	const int family = sock.resolveFamily(MPWIFI_GENL_NAME);
	return Client(std::move(sock), family);
}

namespace {
constexpr int kDumpAttempts = 5;
}

std::vector<ApStats> Client::dumpAps(std::optional<std::uint32_t> ifindex)
{
	// A dump spans several messages; APs coming or going meanwhile interrupt it.
	for (int attempt = 1;; attempt++) {
		std::vector<ApStats> aps;
		try {
			sock_.dump(apGetRequest(family_, ifindex),
				   [&](const nlmsghdr &msg) { aps.push_back(parseApStats(msg)); });
			return aps;
		} catch (const netlink::DumpInterrupted &) {
			if (attempt == kDumpAttempts)
				throw;
		}
	}
}

Config Client::getConfig()
{
	std::optional<Config> config;
	sock_.request(configGetRequest(family_), [&](const nlmsghdr &msg) { config = parseConfig(msg); });
	if (!config)
		throw netlink::ParseError("CONFIG_GET: acked without a reply");
	return *config;
}

void Client::setConfig(const ConfigUpdate &update)
{
	sock_.request(configSetRequest(family_, update));
}

void Client::flushAps(std::optional<std::uint32_t> ifindex)
{
	sock_.request(apFlushRequest(family_, ifindex));
}

EventSubscription Client::subscribeEvents()
{
	auto sock = netlink::GenlSocket::open();
	sock.joinGroup(MPWIFI_GENL_NAME, MPWIFI_MCGRP_EVENTS);
	return EventSubscription(std::move(sock), family_);
}

} // namespace mpwifi
