// SPDX-License-Identifier: GPL-2.0
// A typed client of the "mpwifi" generic netlink family.
//
// Errors are netlink::Error (errno plus the kernel's explanation);
// netlink::FamilyNotFound when the module is not loaded.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

#include "mpwifi/types.h"
#include "netlink/genl_socket.h"

namespace mpwifi {

// Receives AP_NEW/AP_DEL and TRUST events; poll fd() for readability, then
// receive().
class EventSubscription {
public:
	[[nodiscard]] int fd() const { return sock_.fd(); }

	// Passes each queued AP event to @onEvent, without blocking.  Throws
	// netlink::Error with ENOBUFS when events were lost, ParseError for a
	// malformed event (after delivering the others).
	void receive(const std::function<void(const ApEvent &)> &onEvent);
	// The same for trust events; other events are dropped.
	void receiveTrust(const std::function<void(const InterfaceTrust &)> &onEvent);

private:
	friend class Client;
	EventSubscription(netlink::GenlSocket sock, int family) : sock_(std::move(sock)), family_(family) {}

	netlink::GenlSocket sock_;
	int family_;
};

class Client {
public:
	// Connects and resolves the family.
	static Client open();

	// One entry per tracked (interface, AP); only @ifindex's if given.
	[[nodiscard]] std::vector<ApStats> dumpAps(std::optional<std::uint32_t> ifindex = {});
	[[nodiscard]] Config getConfig();
	// Needs CAP_NET_ADMIN.
	void setConfig(const ConfigUpdate &update);
	// ECN steering of the namespace.
	[[nodiscard]] EcnConfig getEcn();
	// Needs CAP_NET_ADMIN.
	void setEcn(const EcnUpdate &update);
	// Forgets the tracked APs (of @ifindex only, if given).  Needs CAP_NET_ADMIN.
	void flushAps(std::optional<std::uint32_t> ifindex = {});

	// Every interface of the namespace (only @ifindex, if given).
	[[nodiscard]] std::vector<InterfaceTrust> dumpTrust(std::optional<std::uint32_t> ifindex = {});
	// Needs CAP_NET_ADMIN; KernelError EBUSY for an Auto update of an
	// interface set Manual.
	void setTrust(const TrustUpdate &update);
	[[nodiscard]] std::vector<PeerTrust> dumpPeers();
	// Needs CAP_NET_ADMIN; replaces an equal prefix.
	void addPeer(const PeerTrust &peer);
	// Needs CAP_NET_ADMIN.
	void delPeer(const IpPrefix &prefix);
	[[nodiscard]] Policy getPolicy();
	// Needs CAP_NET_ADMIN.
	void setPolicy(const PolicyUpdate &update);

	// A separate socket that has joined the events group.
	[[nodiscard]] EventSubscription subscribeEvents();

private:
	Client(netlink::GenlSocket sock, int family) : sock_(std::move(sock)), family_(family) {}

	netlink::GenlSocket sock_;
	int family_;
};

} // namespace mpwifi
