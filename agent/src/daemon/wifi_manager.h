// SPDX-License-Identifier: GPL-2.0
// The AP manager, a policy of the daemon: it puts each radio's station
// interfaces on the APs ApSelector picks, and takes them off again.
//
// Every round (TimerKind::WifiTick) it reads the module's packet times and
// each radio's scan results, scans now and then, plans, and carries the
// plan out: a station leaves, then one joins (daemon/station.h says the
// steps of each).  Between rounds it follows its stations through
// wpa_supplicant's events, the DHCP client's leases and deadlines.  A radio
// with no station of ours keeps one idle interface of ours, up, to scan
// from; the first station to join takes it over, so a radio that allows one
// station interface runs exactly one.
//
// Pure as every policy: it asks the core for actions and keeps no clock of
// its own beyond the time points the core's rounds give it.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "daemon/ap_select.h"
#include "daemon/policy.h"
#include "daemon/station.h"
#include "daemon/wifi_networks.h"

namespace mpwifi::daemon {

class WifiManager final : public Policy {
public:
	using Clock = std::chrono::steady_clock;

	struct Settings {
		std::vector<std::string> radios;   // phy names to use; empty: every radio
		std::vector<WifiNetwork> networks; // what stations may join
		std::uint32_t maxAps = 0;          // per radio; 0: what the radio allows, at most kMaxApsDefault
		TrustLevel endpointMinTrust = TrustLevel::Untrusted;
		bool pathManager = true; // the kernel has MPTCP's path manager
		Station::Timeouts timeouts;
		int signalFloorDbm = -80;
		double margin = 0.2;
		std::chrono::milliseconds hold{5000};
		std::chrono::milliseconds round{1000};
		// A scan of every channel each this many rounds while a radio has
		// room for more stations, else of the radio's channels only.
		unsigned scanRounds = 5;
	};
	static constexpr std::uint32_t kMaxApsDefault = 4;

	// @now: the core's clock, read at each round (tests give their own).
	WifiManager(Settings settings, std::function<Clock::time_point()> now);

	void onEvent(const Event &event, const Interfaces &interfaces, Actions &actions) override;

	// What `wifi show` reports of an interface the manager runs: a
	// station, or a radio's idle interface kept to scan from.
	struct StationView {
		std::string ifname;
		std::string phy;
		MacAddr bssid{};           // none for an idle interface
		std::uint32_t freqMhz = 0;
		std::string state; // "scanning", "associating", "addressing", "up", "leaving"
		std::optional<DhcpLease> lease;
	};
	// By interface name.
	[[nodiscard]] std::vector<StationView> stations() const;

private:
	struct ManagedStation {
		std::unique_ptr<Station> station;
		std::uint32_t wiphy = 0;
		std::uint32_t freqMhz = 0;
		int network = -1;
		bool endpointAdded = false;  // on the lease's address
		bool endpoint6Added = false; // on the autoconfigured IPv6 one
	};
	struct ManagedRadio {
		Radio radio;
		ApSelector selector;
		std::uint32_t spare = 0; // ifindex of the idle interface to scan from, 0: none
		std::string spareName;
		unsigned rounds = 0;
		bool scanRefused = false; // the last scan was not started (EBUSY): the next round asks again
		bool full = false; // the radio refused an interface: logged once
	};

	void on(const event::Started &e, const Interfaces &interfaces, Actions &actions);
	void on(const event::Stopping &e, const Interfaces &interfaces, Actions &actions);
	void on(const event::TimerFired &e, const Interfaces &interfaces, Actions &actions);
	void on(const event::WpaReported &e, const Interfaces &interfaces, Actions &actions);
	void on(const event::LeaseChanged &e, const Interfaces &interfaces, Actions &actions);
	void on(const event::WifiChanged &e, const Interfaces &interfaces, Actions &actions);
	void on(const event::LinkRemoved &e, const Interfaces &interfaces, Actions &actions);
	void on(const event::AddrChanged &e, const Interfaces &interfaces, Actions &actions);
	void on(const event::LevelChanged &e, const Interfaces &interfaces, Actions &actions);
	template <typename E>
	void on(const E &, const Interfaces &, Actions &) {}

	void round(const Interfaces &interfaces, Actions &actions);
	// Each associated station's IPv6 routing, from what autoconfiguration
	// gave it (its address, its router's advertisement).
	void autoconfigure(const Interfaces &interfaces, Actions &actions);
	void roundFor(ManagedRadio &radio, const std::map<MacAddr, std::uint32_t> &packetTimes,
		      const Interfaces &interfaces, Actions &actions);
	bool ensureSpare(ManagedRadio &radio, const Interfaces &interfaces, Actions &actions);
	void join(ManagedRadio &radio, const ApChange &change, const ApCandidate &candidate,
		  const Interfaces &interfaces, Actions &actions);
	// Carries out @steps of station @name, and what they lead to.
	void run(const std::string &name, StationSteps steps, const Interfaces &interfaces, Actions &actions);
	// One step; the steps it leads to (a failure: the station leaves).
	StationSteps carryOut(ManagedStation &managed, const StationStep &step, const Interfaces &interfaces,
			      Actions &actions);
	void ensureEndpoint(ManagedStation &managed, const Interfaces &interfaces, Actions &actions);
	// The main default route and the MPTCP limits after stations came or went.
	void pathsChanged(const Interfaces &interfaces, Actions &actions);
	[[nodiscard]] bool otherPath(const Interfaces &interfaces, std::uint32_t wiphy) const;
	[[nodiscard]] std::string freeName(const Interfaces &interfaces) const;
	ManagedStation *byIfname(const std::string &ifname);
	ManagedStation *byIfindex(std::uint32_t ifindex);
	[[nodiscard]] std::string phyName(std::uint32_t wiphy) const;

	Settings settings_;
	std::function<Clock::time_point()> now_;
	bool started_ = false;
	std::map<std::uint32_t, ManagedRadio> radios_;     // by wiphy
	std::map<std::string, ManagedStation> stations_;   // by ifname
	std::optional<Route> mainDefault_;                 // the one asked for last
	std::size_t limitsFor_ = 0;
};

} // namespace mpwifi::daemon
