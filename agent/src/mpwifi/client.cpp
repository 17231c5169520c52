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

void EventSubscription::receiveTrust(const std::function<void(const InterfaceTrust &)> &onEvent)
{
	sock_.receivePending([&](const nlmsghdr &msg) {
		if (msg.nlmsg_type != family_)
			return;
		if (auto event = parseTrustEvent(msg))
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

// Sends a "get" request and parses its one reply.
template <typename T>
T requestOne(netlink::GenlSocket &sock, netlink::MsgPtr request, T (*parse)(const nlmsghdr &), const char *what)
{
	std::optional<T> reply;
	sock.request(std::move(request), [&](const nlmsghdr &msg) { reply = parse(msg); });
	if (!reply)
		throw netlink::ParseError(std::string(what) + ": acked without a reply");
	return *reply;
}

// A dump spans several messages; entries coming or going meanwhile
// interrupt it, and it is read again.
template <typename T>
std::vector<T> dumpAll(netlink::GenlSocket &sock, const std::function<netlink::MsgPtr()> &request,
		       T (*parse)(const nlmsghdr &))
{
	for (int attempt = 1;; attempt++) {
		std::vector<T> entries;
		try {
			sock.dump(request(), [&](const nlmsghdr &msg) { entries.push_back(parse(msg)); });
			return entries;
		} catch (const netlink::DumpInterrupted &) {
			if (attempt == kDumpAttempts)
				throw;
		}
	}
}

} // namespace

std::vector<ApStats> Client::dumpAps(std::optional<std::uint32_t> ifindex)
{
	return dumpAll(sock_, [&] { return apGetRequest(family_, ifindex); }, parseApStats);
}

std::vector<InterfaceTrust> Client::dumpTrust(std::optional<std::uint32_t> ifindex)
{
	return dumpAll(sock_, [&] { return trustGetRequest(family_, ifindex); }, parseTrust);
}

void Client::setTrust(const TrustUpdate &update)
{
	sock_.request(trustSetRequest(family_, update));
}

std::vector<PeerTrust> Client::dumpPeers()
{
	return dumpAll(sock_, [&] { return peerGetRequest(family_); }, parsePeer);
}

void Client::addPeer(const PeerTrust &peer)
{
	sock_.request(peerAddRequest(family_, peer));
}

void Client::delPeer(const IpPrefix &prefix)
{
	sock_.request(peerDelRequest(family_, prefix));
}

Policy Client::getPolicy()
{
	return requestOne(sock_, policyGetRequest(family_), parsePolicy, "POLICY_GET");
}

void Client::setPolicy(const PolicyUpdate &update)
{
	sock_.request(policySetRequest(family_, update));
}

Config Client::getConfig()
{
	return requestOne(sock_, configGetRequest(family_), parseConfig, "CONFIG_GET");
}

void Client::setConfig(const ConfigUpdate &update)
{
	sock_.request(configSetRequest(family_, update));
}

EcnConfig Client::getEcn()
{
	return requestOne(sock_, ecnGetRequest(family_), parseEcn, "ECN_GET");
}

void Client::setEcn(const EcnUpdate &update)
{
	sock_.request(ecnSetRequest(family_, update));
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
