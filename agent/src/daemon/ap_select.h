// SPDX-License-Identifier: GPL-2.0
// Which APs one radio's station interfaces should use, and on which channel:
// the AP manager's choice, from the radio's scan results, its stations and
// the module's estimates.  Decisions only, no I/O: the caller carries out a
// plan (leave, then join) and asks again on the next scan or estimate.
//
// An AP's worth is the throughput of full packets it gives one station: the
// module's packet time once it has one (it sees retries and rates), before
// that the airtime model at the rate the signal allows (predict.h).  The
// stations of a radio share its airtime, so a channel is worth what its
// best AP gives; its other APs are ways to keep going when that one fades.
//
// Hysteresis: an unused AP replaces one in use, or a channel the radio's
// channel, only when better by `margin` throughout `hold`.  Make before
// break: the last station that is up never leaves for another of the same
// radio unless another path (a second radio, wired, cellular) carries
// traffic meanwhile.  A station whose AP fades (under the floor, or missed
// by the scan) leaves at once, unless it is the radio's last path: then it
// stays until another station is up, and leaves first only on a radio with
// no room for both.  An AP that is really gone ends its association (beacon
// loss, deauthentication), which no plan waits for.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "daemon/bss_phy.h"
#include "daemon/nl80211.h"
#include "daemon/wifi_networks.h"
#include "mpwifi/types.h"

namespace mpwifi::daemon {

// A BSS the radio heard in its last scan.
struct ApCandidate {
	MacAddr bssid{};
	std::uint32_t freqMhz = 0;
	int signalDbm = 0;
	BssPhy phy;
	bool joinable = false; // some network of the networks file may join it
	int network = -1;      // the first such network, by its index in the file
	std::string ssid;      // the bytes
};

// A station interface of the radio and its AP.
struct ApStation {
	MacAddr bssid{};
	std::uint32_t freqMhz = 0;
	bool up = false;                           // associated and addressed: may carry subflows
	std::optional<int> signalDbm;              // its own view, newer than the scan's
	std::optional<std::uint32_t> packetTimeNs; // the module's estimate
};

struct ApSelectConfig {
	std::uint32_t maxStations = 1; // what the radio allows, capped by --wifi-max-aps
	std::uint32_t maxChannels = 1; // different channels its stations may use
	int signalFloorDbm = -80;      // an AP heard weaker is not used, and left
	double margin = 0.2;           // a replacement must be this much better ...
	std::chrono::milliseconds hold{5000}; // ... for this long
};

struct ApChange {
	MacAddr bssid{};
	std::uint32_t freqMhz = 0;
	std::string why;
};

// What the laptop's other radios use: their channels share the air with
// this radio's there, and their APs are not joined twice.
struct OtherRadios {
	std::vector<std::uint32_t> channels; // MHz
	std::vector<MacAddr> bssids;
};

struct ApPlan {
	std::vector<std::uint32_t> channels; // the radio's channels after the plan, best first
	std::vector<ApChange> leave;         // carried out first: the radio has room only then
	std::vector<ApChange> join;

	[[nodiscard]] bool empty() const { return leave.empty() && join.empty(); }
};

// A scan result as a candidate: joinable by the first enabled network of
// @networks that takes its SSID, BSSID and security.  Heard without a
// signal (a driver reporting none in dBm), it is under any floor; with
// malformed elements, never joinable.
[[nodiscard]] ApCandidate candidateOf(const BssInfo &bss, std::span<const WifiNetwork> networks);

// Throughput (kbit/s) of full packets through the AP: from @packetTimeNs
// when given, else predicted from the candidate's signal and PHY; 0 when
// the signal allows no rate.
[[nodiscard]] std::uint32_t expectedKbps(const ApCandidate &ap, std::optional<std::uint32_t> packetTimeNs);

// The choice for one radio, with the hysteresis it keeps between plans.
class ApSelector {
public:
	using Clock = std::chrono::steady_clock;

	explicit ApSelector(ApSelectConfig config) : config_(config) {}

	// @otherPath: another radio, wired or cellular carries traffic now, so
	// this radio may leave its last station for a better AP or channel.
	// @others: a channel another radio uses is worth half here (the two
	// radios would split its airtime), and that radio's APs are left to it.
	[[nodiscard]] ApPlan plan(std::span<const ApCandidate> scan, std::span<const ApStation> stations,
				  bool otherPath, Clock::time_point now, const OtherRadios &others = {});

	[[nodiscard]] const ApSelectConfig &config() const { return config_; }

private:
	// Whether @key has been better throughout the hold, @better saying if it
	// is now; forgets it when not.
	bool heldBetter(std::map<std::uint64_t, Clock::time_point> &since, std::uint64_t key, bool better,
			Clock::time_point now) const;

	ApSelectConfig config_;
	std::map<std::uint64_t, Clock::time_point> channelBetterSince_; // by frequency
	std::map<std::uint64_t, Clock::time_point> apBetterSince_;      // by BSSID
};

} // namespace mpwifi::daemon
