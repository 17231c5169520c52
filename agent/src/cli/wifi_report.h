// SPDX-License-Identifier: GPL-2.0
// `mpwifi wifi show` and `wifi scan`: the radios, their station interfaces
// and what they heard, put together from what nl80211, rtnetlink, the path
// manager and the module report.  Building the report is pure, so that a
// test gives it the facts.
#pragma once

#include <map>
#include <optional>
#include <ostream>
#include <span>
#include <string>
#include <vector>

#include "cli/output.h"
#include "daemon/manager_state.h"
#include "daemon/mptcp_pm.h"
#include "daemon/nl80211.h"
#include "daemon/radio.h"
#include "daemon/rtnl.h"
#include "mpwifi/types.h"

namespace mpwifi::cli {

// What the kernel reports, read once.
struct WifiSnapshot {
	std::vector<daemon::Radio> radios;
	std::vector<daemon::WifiInterface> interfaces;
	std::map<std::uint32_t, std::vector<daemon::BssInfo>> scans; // by ifindex, station interfaces
	std::map<std::uint32_t, int> stationSignals; // by ifindex: how an associated station hears its AP
	std::vector<daemon::AddrInfo> addrs;
	std::vector<daemon::Endpoint> endpoints;
	std::vector<ApStats> aps; // the module's, empty when it is not loaded
	std::vector<daemon::ManagedInterface> managed; // the AP manager's (RUN/stations), when it runs
};

struct StationReport {
	std::string ifname;
	std::optional<MacAddr> bssid;
	std::string ssid;  // printable: other bytes as \xHH, as wpa_supplicant prints them
	// The AP manager's word for its interfaces: "scanning", "associating",
	// "addressing", "up" or "leaving"; for another station, "associating",
	// "addressing" (associated, no address yet) or "up".
	std::string state;
	std::optional<int> signalDbm;
	std::vector<std::string> addresses; // "ADDR/PREFIX"
	std::optional<unsigned> endpointId;
	std::optional<double> packetTimeUs;
	std::vector<std::string> dns; // what DHCP gave the AP manager's stations
};

struct RadioReport {
	std::string phy;
	std::uint32_t maxStations = 0;
	std::uint32_t channels = 0;
	std::optional<std::uint32_t> freqMhz;
	std::vector<StationReport> stations;
};

struct ScanReport {
	std::string phy;
	MacAddr bssid{};
	std::string ssid;
	std::uint32_t freqMhz = 0;
	std::optional<int> signalDbm;
	std::uint32_t predictedKbps = 0; // from the signal and the AP's PHY (include/mpwifi/predict.h)
	bool inUse = false;              // a station interface is associated with it
};

// @ssid's bytes, printable ASCII as is (but \ and "), others as \xHH.
[[nodiscard]] std::string printableSsid(const std::string &ssid);

// The radios (only @phy when given), in the kernel's order, their stations by name.
[[nodiscard]] std::vector<RadioReport> radioReports(const WifiSnapshot &snapshot,
						    const std::optional<std::string> &phy);
// Every BSS the radios' station interfaces heard (only @phy's when given),
// once per radio, strongest first.
[[nodiscard]] std::vector<ScanReport> scanReports(const WifiSnapshot &snapshot, const std::optional<std::string> &phy);

[[nodiscard]] Json toJson(const RadioReport &radio);
[[nodiscard]] Json toJson(const ScanReport &bss);
// Text: per radio a line and its stations' table.  JSON: a list of radios.
void printWifiRadios(std::ostream &out, std::span<const RadioReport> radios, OutputFormat format);
// Text: a table.  JSON: a list.
void printWifiScan(std::ostream &out, std::span<const ScanReport> rows, OutputFormat format);

} // namespace mpwifi::cli
