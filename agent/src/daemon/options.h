// SPDX-License-Identifier: GPL-2.0
// The daemon's settings: command-line options and the --config file, whose
// "key = value" lines use the long option names.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "daemon/steering_mode.h"
#include "mpwifi/types.h"

namespace mpwifi::daemon {

// A user's level for a network, winning over the automatic one.
struct OverrideRule {
	enum class Key { Iface, Bssid, Ssid };

	Key key = Key::Iface;
	std::string value; // interface name, SSID, or BSSID as "aa:bb:cc:dd:ee:ff"
	TrustLevel level = TrustLevel::Untrusted;

	friend bool operator==(const OverrideRule &, const OverrideRule &) = default;
};

// Parses "iface:NAME=LEVEL", "ssid:NAME=LEVEL" or "bssid:MAC=LEVEL" (the
// last "=" separates the level, so an SSID may contain "=").  Throws
// std::invalid_argument.
[[nodiscard]] OverrideRule parseOverride(std::string_view text);
// "iface:wlan0=trusted".
[[nodiscard]] std::string formatOverride(const OverrideRule &rule);

struct DaemonOptions {
	bool help = false;
	std::optional<std::string> configFile;
	bool personalTrusted = false; // WPA2/WPA3-Personal counts as trusted
	std::vector<OverrideRule> overrides;
	// Endpoints of the in-kernel path manager stay off interfaces below this.
	TrustLevel endpointMinTrust = TrustLevel::Untrusted;
	// A trusted interface without an endpoint gets a "subflow" endpoint.
	bool trustedEndpoints = true;
	std::string wpaCtrlDir = "/run/wpa_supplicant";
	// The AP manager runs when a networks file is named.
	std::optional<std::string> wifiNetworks;
	std::vector<std::string> wifiRadios; // empty: every radio
	std::uint32_t wifiMaxAps = 0;        // 0: what each radio allows, at most 4
	std::string wpaGlobalCtrl;           // empty: the daemon runs its own wpa_supplicant
	std::string dhcpScript;               // udhcpc's event script (default: the installed one)
	std::string runDir = "/run/mpwifi";
	SteeringMode steering = SteeringMode::Both;
	// An emulated medium whose air runs this many times slower than its
	// rates say (airsim --time-scale): the module's airtime shares, from
	// nominal durations over real-time windows, are that much too small.
	std::uint32_t emulatedAirScale = 1;
	// Without the mpwifi module: levels are logged, not set; endpoints and
	// subflows follow the daemon's own levels.
	bool noModule = false;
	bool verbose = false;
};

// A bad option or config file; what() is a one-line explanation.
class OptionsError : public std::runtime_error {
public:
	using std::runtime_error::runtime_error;
};

// Parses the arguments after "daemon", then the --config file if one is
// named: the command line wins for single values, list options (override)
// collect both.  Throws OptionsError.
[[nodiscard]] DaemonOptions parseDaemonOptions(std::span<const std::string> args);

// The options, one per line, for the help text.
[[nodiscard]] std::string optionsHelp();

} // namespace mpwifi::daemon
