// SPDX-License-Identifier: GPL-2.0
// The command line, parsed into a plain struct (no I/O, no netlink).
//
//   mpwifi [OPTIONS] OBJECT [COMMAND] [ARGS]; no COMMAND means "show".
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include "mpwifi/types.h"

namespace mpwifi::cli {

struct Command {
	enum class Action {
		Help, Version, ApShow, ApWatch, ApFlush, ConfigShow, ConfigSet, EcnShow, EcnSet, Monitor,
		TrustShow, TrustSet, PeerShow, PeerAdd, PeerDel, PolicyShow, PolicySet, Daemon, WifiShow, WifiScan,
		SteeringShow,
	};

	Action action = Action::Help;
	bool json = false;
	bool pretty = false;
	std::optional<std::string> dev;           // ap show/watch/flush: "dev IFNAME"; trust show/set: IFACE
	std::chrono::milliseconds interval{1000}; // ap watch: refresh period
	std::optional<std::uint64_t> count;       // ap watch: stop after N refreshes
	ConfigUpdate update;                      // config set
	EcnUpdate ecn;                            // ecn set
	std::optional<TrustLevel> trust;          // trust set: the level, empty for "auto"
	PeerTrust peer;                           // trust peer add/del (del: the prefix only)
	PolicyUpdate policy;                      // policy set
	std::vector<std::string> daemonArgs;      // daemon: its options, parsed by the daemon
	std::optional<std::string> phy;           // wifi show/scan: one radio
};

// ap watch --interval.
constexpr std::uint64_t kMinIntervalMs = 10;
constexpr std::uint64_t kMaxIntervalMs = 3'600'000;

// A bad command line; what() is a one-line explanation.
class UsageError : public std::runtime_error {
public:
	using std::runtime_error::runtime_error;
};

// Parses the arguments after the program name.  Throws UsageError.
[[nodiscard]] Command parseCommandLine(std::span<const std::string> args);
[[nodiscard]] Command parseCommandLine(int argc, const char *const argv[]);

// "ap show", "config set"...: names the action in messages.
[[nodiscard]] std::string actionName(Command::Action action);

// The help text.
[[nodiscard]] std::string usage();

} // namespace mpwifi::cli
