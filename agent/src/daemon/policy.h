// SPDX-License-Identifier: GPL-2.0
// The seam between the daemon's event core and its policies.
//
// The core (daemon.cpp) owns every socket: rtnetlink, nl80211, the mpwifi
// family, mptcp_pm, sock_diag, wpa_supplicant's control sockets, timers and
// signals.  It keeps the facts it observes per interface (Interface), turns
// what it receives into typed Events and hands each to every Policy, in
// order.  A policy decides and asks the core for Actions; it does no I/O of
// its own, so a test drives it with events and a recording Actions.
//
// An action is carried out when it is asked for and its Result comes back
// at once, so that a policy can go on from what happened (a level the module
// refused, the endpoints the path manager holds).  Events an action causes
// (LevelChanged after a trust level was set) are delivered once the policy
// that asked returns, before the next policy sees the event at hand.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <variant>
#include <vector>

#include "daemon/classify.h"
#include "daemon/dhcp_lease.h"
#include "daemon/mptcp_pm.h"
#include "daemon/nl80211.h"
#include "daemon/radio.h"
#include "daemon/routes.h"
#include "daemon/rtnl.h"
#include "daemon/wifi_networks.h"
#include "mpwifi/types.h"

namespace mpwifi::daemon {

// What the core knows of an interface: rtnetlink's link and addresses, its
// type (sysfs), and the level the module enforces for it, whoever set it.
struct Interface {
	LinkInfo link;
	LinkType type = LinkType::Other;
	std::vector<AddrInfo> addrs;
	std::optional<TrustLevel> level;

	[[nodiscard]] bool hasUsableAddr() const;
	// Can carry subflows: not loopback or dummy.
	[[nodiscard]] bool isPath() const { return type != LinkType::Loopback && type != LinkType::Dummy; }
	// An address of @ep is one of ours, or @ep names this interface.
	[[nodiscard]] bool holds(const Endpoint &ep) const;
};

using Interfaces = std::map<std::uint32_t, Interface>; // by ifindex

// Timers a policy arms per interface (ifindex 0: not about one).
enum class TimerKind {
	WifiRecheck,     // after an nl80211 MLME event: wpa_supplicant may still be keying
	WifiTick,        // the AP manager's round: estimates, scans, plans (ifindex 0)
	StationDeadline, // a station of the AP manager waited too long for its AP or lease
	SteeringTick,    // the steering policy's round (ifindex 0)
};

// One AP as the module measures it over its window, for steering.
struct ApAirtime {
	std::uint32_t ifindex = 0; // our station interface
	MacAddr bssid{};
	std::optional<std::uint32_t> packetTimeNs;
	std::optional<std::uint32_t> airtimePpm; // its frames to us, of the window's length
	std::optional<std::uint32_t> busyPpm;    // the channel as that radio hears it
	std::uint32_t windowFrames = 0;          // data frames received in the window
	std::uint64_t windowNs = 0;              // its length
	std::uint64_t silentNs = 0;              // since its last data frame
};

struct AirtimeReading {
	std::vector<ApAirtime> aps;
	std::uint32_t thresholdPpm = 200000; // worse: T >= (1 + threshold) x the best's (the module's ECN setting)
};

namespace event {

// The interfaces were classified once; from now on endpoints and subflows
// may change.
struct Started {};
// The daemon stops: leave things as they were found.
struct Stopping {};
// A link appeared or changed (flags, name, carrier).
struct LinkChanged {
	std::uint32_t ifindex;
};
// A link is gone; it is no longer in Interfaces.
struct LinkRemoved {
	std::uint32_t ifindex;
	std::string ifname;
};
// An address of the interface was added or removed.
struct AddrChanged {
	std::uint32_t ifindex;
};
// The module reports an interface's trust (an event, or a dump after lost
// events).  Interface::level already holds trust.level.
struct TrustReported {
	InterfaceTrust trust;
};
// Interface::level changed.
struct LevelChanged {
	std::uint32_t ifindex;
};
// nl80211 says the association of a WiFi interface changed.
struct WifiChanged {
	std::uint32_t ifindex;
};
// A timer of ArmTimers went off.
struct TimerFired {
	std::uint32_t ifindex;
	TimerKind kind;
};
// The periodic poll, for what no event announces (a wpa_supplicant restart).
struct Poll {};
// The daemon's own wpa_supplicant reported @text ("CTRL-EVENT-CONNECTED -
// Connection to ...") about the station interface @ifname.
struct WpaReported {
	std::string ifname;
	std::string text;
};
// The DHCP client of station interface @ifname wrote its lease (@lease), or
// removed it (neither), or wrote one that does not parse (@error).
struct LeaseChanged {
	std::string ifname;
	std::optional<DhcpLease> lease;
	std::string error;
};

} // namespace event

using Event = std::variant<event::Started, event::Stopping, event::LinkChanged, event::LinkRemoved, event::AddrChanged,
			   event::TrustReported, event::LevelChanged, event::WifiChanged, event::TimerFired, event::Poll,
			   event::WpaReported, event::LeaseChanged>;

namespace action {

// A line for the log; @verbose ones only with --verbose.
struct Log {
	std::string line;
	bool verbose = false;
};
// The association of a WiFi interface, from wpa_supplicant or else nl80211
// (Result::wifi).
struct ReadWifi {
	std::uint32_t ifindex;
};
// The daemon's (automatic) level of an interface, for the module.  On
// success Interface::level follows.
struct SetTrust {
	std::uint32_t ifindex;
	TrustLevel level;
};
// The path manager's endpoints (Result::endpoints).
struct ListEndpoints {};
struct AddEndpoint {
	Endpoint endpoint;
};
struct RemoveEndpoint {
	Endpoint endpoint;
};
// Aborts the MPTCP subflows from these addresses (Result::count).
struct DestroySubflows {
	std::vector<AddrInfo> sources;
};
// Replaces the interface's timers of @kind: one event::TimerFired after
// each delay.
struct ArmTimers {
	std::uint32_t ifindex;
	TimerKind kind;
	std::vector<std::chrono::milliseconds> delays;
};


// The AP manager's actions.
// The wireless radios (Result::radios).
struct ReadRadios {};
// What the radio of interface @ifindex heard (Result::scan).
struct ReadScan {
	std::uint32_t ifindex;
};
// A scan from interface @ifindex (which must be up) of @freqs, or every
// channel when empty.  EBUSY: one is under way.
struct TriggerScan {
	std::uint32_t ifindex;
	std::vector<std::uint32_t> freqsMhz;
};
// The module's packet time per AP (Result::packetTimes).
struct ReadPacketTimes {};
// Each AP's airtime figures (Result::airtime).
struct ReadAirtime {};
// Sets or clears @endpoint's backup flag: the path manager sends MP_PRIO on
// every connection's subflow from its address when the flag changes.
struct SetBackup {
	Endpoint endpoint;
	bool backup = false;
};
// The module's ECN marking on or off.
struct SetMarking {
	bool enabled = false;
};
// The routers whose advertisements gave an interface its IPv6 default
// route in the main table (Result::routers, by ifindex).
struct ReadRaRouters {};
// How station interface @ifindex hears its AP now (Result::signalDbm).
struct ReadStationSignal {
	std::uint32_t ifindex;
};
// Removes what a killed daemon left: station interfaces, their endpoints,
// routes and rules, DHCP clients (Result::count: how many).
struct RemoveLeftovers {};
// A station interface @ifname on radio @wiphy with a random locally
// administered address, up (Result::ifindex).
struct CreateStation {
	std::uint32_t wiphy;
	std::string ifname;
};
struct DeleteInterface {
	std::uint32_t ifindex;
};
// Hands @ifname to the daemon's wpa_supplicant with @network pinned to
// @bssid on @freqMhz.
struct JoinAp {
	std::string ifname;
	WifiNetwork network;
	MacAddr bssid{};
	std::uint32_t freqMhz = 0;
};
struct LeaveAp {
	std::string ifname;
};
// The DHCP client of @ifname: its leases come as event::LeaseChanged.
struct StartDhcp {
	std::string ifname;
};
struct StopDhcp {
	std::string ifname;
};
struct AddRouting {
	StationRouting routing;
};
// Result::count: the parts that were gone already.
struct RemoveRouting {
	StationRouting routing;
};
// The main table's default route of the daemon's: @route, or none.  One of
// anyone else's always wins (mainDefaultChanges()).
struct SetMainDefault {
	std::optional<Route> route;
};
// MPTCP limits that let a connection use @paths paths (never lowered).
struct RaiseLimits {
	std::size_t paths;
};

} // namespace action

using Action = std::variant<action::Log, action::ReadWifi, action::SetTrust, action::ListEndpoints, action::AddEndpoint,
			    action::RemoveEndpoint, action::DestroySubflows, action::ArmTimers, action::ReadRadios,
			    action::ReadScan, action::TriggerScan, action::ReadPacketTimes, action::ReadRaRouters, action::ReadStationSignal,
			    action::RemoveLeftovers,
			    action::CreateStation, action::DeleteInterface, action::JoinAp, action::LeaveAp,
			    action::StartDhcp, action::StopDhcp, action::AddRouting, action::RemoveRouting,
			    action::SetMainDefault, action::RaiseLimits, action::ReadAirtime, action::SetBackup,
			    action::SetMarking>;

struct Result {
	int error = 0;           // errno of a refused or failed action; 0 when done
	std::string message;     // what went wrong, for the log
	WifiFacts wifi;          // ReadWifi
	std::vector<Endpoint> endpoints; // ListEndpoints
	std::size_t count = 0;   // DestroySubflows: subflows aborted
	std::vector<Radio> radios;                 // ReadRadios
	std::vector<BssInfo> scan;                 // ReadScan
	std::map<MacAddr, std::uint32_t> packetTimes; // ReadPacketTimes: ns, by BSSID
	std::uint32_t ifindex = 0;                 // CreateStation
	std::optional<int> signalDbm;              // ReadStationSignal
	std::map<std::uint32_t, IpBytes> routers;  // ReadRaRouters
	AirtimeReading airtime;                    // ReadAirtime

	[[nodiscard]] bool ok() const { return error == 0; }
};

// Where a policy's actions go: carried out by the core, recorded by tests.
class Actions {
public:
	virtual ~Actions() = default;
	virtual Result request(const Action &action) = 0;

	void log(std::string line) { (void)request(action::Log{std::move(line), false}); }
	void detail(std::string line) { (void)request(action::Log{std::move(line), true}); }
};

// An action that failed where a policy cannot go on; it logs what() against
// the interface and leaves the event there.
class ActionFailed : public std::runtime_error {
public:
	using std::runtime_error::runtime_error;
};

// Requests @action; throws ActionFailed when it fails.
Result require(Actions &actions, const Action &action);

// Runs @fn on the interface @ifindex if the core knows it; an action of @fn that fails is logged
// against that interface and ends @fn, not the event's handling for the other interfaces.
template <typename Fn>
void forInterface(const Interfaces &interfaces, std::uint32_t ifindex, Actions &actions, Fn &&fn)
{
	const auto it = interfaces.find(ifindex);
	if (it == interfaces.end())
		return;
	try {
		fn(it->second);
	} catch (const ActionFailed &e) {
		actions.log(it->second.link.ifname + ": " + e.what());
	}
}

class Policy {
public:
	virtual ~Policy() = default;
	// Decides what @event calls for; @interfaces as the core knows them.
	virtual void onEvent(const Event &event, const Interfaces &interfaces, Actions &actions) = 0;
};

} // namespace mpwifi::daemon
