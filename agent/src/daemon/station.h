// SPDX-License-Identifier: GPL-2.0
// One station interface of the AP manager, from its creation to its
// removal: what it waits for, and the steps it asks for on the way.
//
// A station is pinned to one AP (BSSID).  It is created on its radio and
// handed to wpa_supplicant; once associated it asks DHCP for a lease; with
// one, it routes from its address through its own table (daemon/routes.h)
// and is up.  It leaves when its AP is lost, when association or DHCP take
// too long, when a step fails, or when the manager drops it; leaving undoes
// what was done, in the order that loses the least: the endpoint goes
// first, while its subflows still stand, so that the kernel closes them and
// tells the peer (REMOVE_ADDR on another subflow), which sends their data
// again at once; with the subflows already gone it would say nothing, and
// the peer would wait on a dead path for its own timeouts.  Then any
// subflow left from the address is aborted (one no endpoint made: the
// first), then the routing, the DHCP client, wpa_supplicant's hold and the
// interface go.
//
// Pure: the manager carries the steps out, in order, and tells the station
// what happened.  No I/O, no clock: deadlines are steps too.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "daemon/dhcp_lease.h"
#include "mpwifi/types.h"
#include "daemon/routes.h"

namespace mpwifi::daemon {

namespace station_step {
// Create the interface on the radio, with the station's name and address.
struct CreateInterface {
	friend bool operator==(const CreateInterface &, const CreateInterface &) = default;
};
// Give the interface to wpa_supplicant with the network pinned to the BSSID.
struct JoinAp {
	friend bool operator==(const JoinAp &, const JoinAp &) = default;
};
struct StartDhcp {
	friend bool operator==(const StartDhcp &, const StartDhcp &) = default;
};
struct AddRouting {
	StationRouting routing;
	friend bool operator==(const AddRouting &, const AddRouting &) = default;
};
// Abort the MPTCP subflows from the station's address.
struct EndSubflows {
	AddrInfo source;
	friend bool operator==(const EndSubflows &, const EndSubflows &) = default;
};
// Delete the path manager's endpoints of that address.
struct RemoveEndpoints {
	AddrInfo source;
	friend bool operator==(const RemoveEndpoints &, const RemoveEndpoints &) = default;
};
struct RemoveRouting {
	StationRouting routing;
	friend bool operator==(const RemoveRouting &, const RemoveRouting &) = default;
};
struct StopDhcp {
	friend bool operator==(const StopDhcp &, const StopDhcp &) = default;
};
// Take the interface back from wpa_supplicant.
struct LeaveAp {
	friend bool operator==(const LeaveAp &, const LeaveAp &) = default;
};
struct DeleteInterface {
	friend bool operator==(const DeleteInterface &, const DeleteInterface &) = default;
};
// Call Station::deadline() after this long (replacing an armed one).
struct ArmDeadline {
	std::chrono::milliseconds after;
	friend bool operator==(const ArmDeadline &, const ArmDeadline &) = default;
};
} // namespace station_step

using StationStep =
	std::variant<station_step::CreateInterface, station_step::JoinAp, station_step::StartDhcp,
		     station_step::AddRouting, station_step::EndSubflows, station_step::RemoveEndpoints,
		     station_step::RemoveRouting, station_step::StopDhcp, station_step::LeaveAp,
		     station_step::DeleteInterface, station_step::ArmDeadline>;
using StationSteps = std::vector<StationStep>;

enum class StationState {
	Associating, // created and handed to wpa_supplicant, or about to be
	Addressing,  // associated, waiting for a lease
	Up,          // routed from its address
	Gone,        // everything undone
};

// "associating", "addressing", "up", "gone": the words of `wifi show`.
[[nodiscard]] const char *stationStateName(StationState state);

class Station {
public:
	struct Timeouts {
		// From wpa_supplicant's hold to the association: a scan of the
		// channel and the handshake, with a lost frame or two.
		std::chrono::milliseconds associate{15000};
		// From the association to a lease: udhcpc's three discovers.
		std::chrono::milliseconds lease{20000};
	};

	// Station @ifname for @bssid, routed through @table.
	Station(std::string ifname, MacAddr bssid, std::uint32_t table, Timeouts timeouts);

	// The first step: create the interface.
	[[nodiscard]] StationSteps start();
	// The interface exists as @ifindex: hand it to wpa_supplicant.
	[[nodiscard]] StationSteps created(std::uint32_t ifindex);
	// wpa_supplicant associated it with @bssid.
	[[nodiscard]] StationSteps associated(const MacAddr &bssid);
	// It lost its AP (disconnection, beacon loss).
	[[nodiscard]] StationSteps disassociated();
	[[nodiscard]] StationSteps leased(const DhcpLease &lease);
	// The lease ended (expired, or the server said no).
	[[nodiscard]] StationSteps leaseLost();
	// What IPv6 autoconfiguration gave it now (none: no router advertises
	// a prefix, or its address went): routed from that address too, once
	// associated; a change replaces the routing.
	[[nodiscard]] StationSteps autoconfigured(const std::optional<Autoconf6> &conf);
	[[nodiscard]] StationSteps deadline();
	// A step failed: what it was and why, for the log.
	[[nodiscard]] StationSteps failed(const std::string &why);
	// The manager drops the station (a better AP, the signal under its floor,
	// the daemon stopping).
	[[nodiscard]] StationSteps leave(const std::string &why);

	[[nodiscard]] StationState state() const { return state_; }
	[[nodiscard]] const std::string &ifname() const { return ifname_; }
	[[nodiscard]] const MacAddr &bssid() const { return bssid_; }
	[[nodiscard]] std::uint32_t ifindex() const { return ifindex_; }
	[[nodiscard]] const std::optional<DhcpLease> &lease() const { return lease_; }
	[[nodiscard]] const std::optional<Autoconf6> &autoconf6() const { return autoconf6_; }
	// Why it left, once Gone.
	[[nodiscard]] const std::string &leftBecause() const { return leftBecause_; }

private:
	// Undoes the routing and what hangs on it: the lease's, and IPv6's.
	void unroute(StationSteps &steps);
	static void unroute(std::optional<StationRouting> &routing, StationSteps &steps);

	std::string ifname_;
	MacAddr bssid_;
	std::uint32_t table_;
	Timeouts timeouts_;
	StationState state_ = StationState::Associating;
	std::uint32_t ifindex_ = 0;
	bool joined_ = false;
	bool dhcpRunning_ = false;
	std::optional<DhcpLease> lease_;
	std::optional<StationRouting> routing_;
	std::optional<Autoconf6> autoconf6_;
	std::optional<StationRouting> routing6_;
	std::string leftBecause_;
};

} // namespace mpwifi::daemon
