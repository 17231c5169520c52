// SPDX-License-Identifier: GPL-2.0
// The networks the AP manager may join: `network={...}` blocks of a
// wpa_supplicant configuration file, the format users already have.  Each
// block's fields are kept as written, for wpa_supplicant's SET_NETWORK,
// which takes the file's value syntax; what the manager itself needs (the
// SSID's bytes, a pinned BSSID, the security it accepts) is decoded and
// checked here, so that a bad file is refused with its line, before any of
// it reaches wpa_supplicant.  Parsing only, no I/O.
#pragma once

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "daemon/wifi.h"
#include "mpwifi/types.h"

namespace mpwifi::daemon {

// "FILE:LINE: what is wrong".
class NetworksError : public std::runtime_error {
public:
	using std::runtime_error::runtime_error;
};

struct WifiNetwork {
	int line = 0;      // of its "network={"
	std::string ssid;  // the bytes
	std::optional<MacAddr> bssid;
	// The security of the BSSs it may join (bit 1 << WifiSecurity), from
	// key_mgmt (wpa_supplicant's default: WPA-PSK WPA-EAP) and WEP keys.
	std::uint32_t accepts = 0;
	bool disabled = false; // disabled=1: kept, never joined
	// name=value as written (values keep their quotes), in order.
	std::vector<std::pair<std::string, std::string>> fields;

	[[nodiscard]] bool acceptsSecurity(WifiSecurity security) const
	{
		return accepts & (1u << static_cast<unsigned>(security));
	}
};

// Whether a BSS (its SSID's bytes, BSSID and security) is one @network may join.
[[nodiscard]] bool networkMatches(const WifiNetwork &network, std::string_view ssid, const MacAddr &bssid,
				  WifiSecurity security);

// Parses @text, from @source (a path, for messages).  Lines outside blocks
// (ctrl_interface=, country=, ...) belong to wpa_supplicant's own
// configuration: skipped, their numbers returned in @skippedLines when
// given.  Throws NetworksError.
[[nodiscard]] std::vector<WifiNetwork> parseWifiNetworks(std::string_view text, std::string_view source,
							 std::vector<int> *skippedLines = nullptr);

} // namespace mpwifi::daemon
