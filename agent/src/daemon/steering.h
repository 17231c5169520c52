// SPDX-License-Identifier: GPL-2.0
// Steering as a policy: the module's ECN marks make a worse AP's subflows
// small; subflow priority (MP_PRIO, through the path manager's endpoint
// flags) makes them idle while the better AP can fill the air.
//
// Upstream MPTCP runs an independent CUBIC per subflow: marks at a capped
// rate leave a worse AP's subflow at a window of two or more, and DCF gives
// that AP an equal share of transmissions at its slower rate.  A backup
// subflow gets new data only while no regular one is active (6.1 and 6.12
// mptcp_subflow_get_send), so the policy makes a worse AP's endpoint backup
// when the air is what limits the transfer, and regular again when it is
// not (the better path limited by its uplink: the air goes idle), when the
// better AP falls silent or its link goes, and now and then to measure the
// worse AP again.  Every change is logged and counted.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <sys/types.h>

#include "daemon/policy.h"
#include "daemon/steering_mode.h"

namespace mpwifi::daemon {

// What the policy publishes per AP (RUN/steering, `mpwifi steering show`).
struct SteeredAp {
	std::uint32_t ifindex = 0;
	std::string ifname;
	MacAddr bssid{};
	bool backup = false;
	std::uint64_t changes = 0; // of its priority
	std::uint64_t resends = 0; // MP_PRIO sent again: the sender went on using it
	std::string reason;        // of the latest change
	std::optional<std::uint32_t> packetTimeNs; // the latest estimate taken while it carried traffic

	bool operator==(const SteeredAp &) const = default;
};

struct SteeringCounts {
	std::uint64_t toBackup = 0;
	std::uint64_t toRegular = 0;
	std::uint64_t probes = 0;      // backups made regular to be measured again
	std::uint64_t airIdle = 0;     // backups made regular as the better path left air idle
	std::uint64_t lost = 0;        // backups made regular as the better AP fell silent or went
	std::uint64_t withdrawals = 0; // endpoints of a silent AP deleted so that the sender reinjects
	std::uint64_t resends = 0;

	bool operator==(const SteeringCounts &) const = default;
};

class SteeringPolicy final : public Policy {
public:
	using Clock = std::chrono::steady_clock;

	struct Settings {
		SteeringMode mode = SteeringMode::Both;
		std::uint32_t airScale = 1; // --emulated-air-scale
		std::chrono::milliseconds tick{250}; // half the module's window: a silent AP is noticed within ~0.75 s
		// The air counts as the transfer's limit from this busy share on,
		// and as left idle below the other.  At saturation 802.11 leaves
		// DIFS and backoff idle (~6% at 11 Mbit/s DSSS, more at OFDM), and a
		// radio decodes only part of what keeps the channel busy (frames at
		// high rates from far away it cannot decode: in bench/ecn-steering's
		// fairness experiment a full channel read 35-50%), so "idle" is set
		// low: a better AP limited by its uplink to a fifth of the air reads
		// ~20%, one limited to half of it stays with the worse AP backup.
		std::uint32_t busyHighPpm = 750000;
		std::uint32_t busyLowPpm = 350000;
		std::uint32_t minFrames = 10;            // in a window, for an AP to count as carrying
		std::chrono::milliseconds worseFor{1000}; // a worse AP turns backup after this long
		std::chrono::milliseconds idleFor{1000};  // a backup turns regular after the air idles this long
		std::chrono::milliseconds probeEvery{30000};
		std::chrono::milliseconds backoffMin{10000}; // regular after idle air: no backup for this long,
		std::chrono::milliseconds backoffMax{80000}; // doubled each time the air idles again
		std::chrono::milliseconds silentFor{500};    // a carrying AP that says nothing this long is lost
		std::chrono::milliseconds withdrawAfter{1000}; // silent while another AP carries: withdraw it
		std::chrono::milliseconds readdAfter{2000};    // a withdrawn endpoint comes back after this
		std::chrono::milliseconds verifyAfter{5000};   // the sender must have obeyed by now
	};

	SteeringPolicy(Settings settings, std::function<Clock::time_point()> now);

	void onEvent(const Event &event, const Interfaces &interfaces, Actions &actions) override;

	[[nodiscard]] SteeringMode mode() const { return settings_.mode; }
	[[nodiscard]] std::vector<SteeredAp> aps() const;
	[[nodiscard]] const SteeringCounts &counts() const { return counts_; }

private:
	struct Tracked {
		SteeredAp view;
		Clock::time_point worseSince{};   // zero: not worse and busy
		Clock::time_point idleSince{};    // zero: air not idle
		Clock::time_point changedAt{};
		Clock::time_point regularUntil{}; // no backup before (back-off after idle air)
		std::chrono::milliseconds backoff{0};
		Clock::time_point lastCarried{};  // a window with minFrames or more
		Clock::time_point estimateAt{};
		Clock::time_point verifiedAt{};   // the sender's obedience last checked
		ApAirtime reading;                // the latest
		bool seen = false;                // in the latest reading
		bool lost = false;                // its silence made the backups regular; until it carries again
		bool limitedElsewhere = false;    // made regular as the better path left the air idle
	};
	using Key = std::pair<std::uint32_t, MacAddr>;

	void tick(const Interfaces &interfaces, Actions &actions);
	void update(const AirtimeReading &reading, const std::vector<Endpoint> &endpoints, const Interfaces &interfaces,
		    Clock::time_point now);
	void decide(const AirtimeReading &reading, const Interfaces &interfaces, Actions &actions,
		    Clock::time_point now);
	void verify(const AirtimeReading &reading, const Interfaces &interfaces, Actions &actions,
		    Clock::time_point now);
	// In the modes with marks: none while the better path is limited
	// elsewhere (marks would push traffic towards a path that cannot take it).
	void pauseMarking(Actions &actions);
	// The module's marking on or off; false (logged) when it refused.
	bool requestMarking(bool on, Actions &actions);
	void withdrawSilent(const Interfaces &interfaces, Actions &actions, Clock::time_point now);
	void readdWithdrawn(const Interfaces &interfaces, Actions &actions, Clock::time_point now);
	// The channel's busy share as @t's radio hears it, at least what our
	// APs' frames cost (all of them: a laptop's radios are taken to share a
	// channel).
	[[nodiscard]] std::uint32_t airBusy(const Tracked &t) const;
	void linkGone(std::uint32_t ifindex, const Interfaces &interfaces, Actions &actions);
	// Sets @t's endpoints' backup flag; false when it has none or the
	// path manager refused.
	bool setPriority(Tracked &t, bool backup, const std::string &reason, const Interfaces &interfaces,
			 Actions &actions, Clock::time_point now);
	void restoreAll(const std::string &reason, const Interfaces &interfaces, Actions &actions,
			Clock::time_point now);
	[[nodiscard]] std::vector<Endpoint> endpointsOf(std::uint32_t ifindex, const Interfaces &interfaces,
							Actions &actions) const;

	Settings settings_;
	std::function<Clock::time_point()> now_;
	std::map<Key, Tracked> aps_;
	// Endpoints deleted from a silent AP's interface, by ifindex, and when.
	std::map<std::uint32_t, std::pair<std::vector<Endpoint>, Clock::time_point>> withdrawn_;
	SteeringCounts counts_;
	bool warnedNoEndpoint_ = false;
	bool running_ = false;
	bool marking_ = false; // the module's marking as this policy last set it
};

// RUN/steering, written whole by the daemon for `mpwifi steering show` and
// `mpwifi ap show`; the first line names the daemon's pid:
//
//     mpwifi-daemon 1234
//     mode both
//     counts 3 2 1 0 1 0 0
//     ap 5 mpw0 02:00:00:00:01:00 backup 3 0 5120 T 4.1 times the best's, air busy 93%
struct SteeringState {
	pid_t pid = 0;
	SteeringMode mode = SteeringMode::Off;
	SteeringCounts counts;
	std::vector<SteeredAp> aps;

	bool operator==(const SteeringState &) const = default;
};

[[nodiscard]] std::string formatSteeringState(const SteeringState &state);
// Lines that do not parse are skipped; no header line: pid 0.
[[nodiscard]] SteeringState parseSteeringState(std::string_view text);

} // namespace mpwifi::daemon
