// SPDX-License-Identifier: GPL-2.0
// How a WiFi network protects its link, from what wpa_supplicant reports or
// from the associated BSS's information elements.  Pure parsing, no I/O.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "daemon/ies.h"
#include "mpwifi/types.h"

namespace mpwifi::daemon {

// Ordered from weakest to strongest; Unknown is below everything.
enum class WifiSecurity { Unknown, Open, Wep, Owe, Personal, Enterprise };

// "unknown", "open", "WEP", "OWE", "personal", "enterprise".
[[nodiscard]] std::string_view securityName(WifiSecurity security);

// An AKM suite selector, OUI then type: 00-0F-AC:2 is 0x000FAC02.
using AkmSuite = std::uint32_t;

// The AKM suites of an RSN element's body (after the id and length bytes).
// Throws IeError for a bad version or a truncated list; an element that
// ends before its AKM list is an error too (the standard's default,
// 802.1X, would turn a broken element into "enterprise").
[[nodiscard]] std::vector<AkmSuite> parseRsnAkms(std::span<const std::uint8_t> body);
// The same for the WPA (version 1) vendor element's body after its OUI and
// type (00-50-F2:1).
[[nodiscard]] std::vector<AkmSuite> parseWpaAkms(std::span<const std::uint8_t> body);

// What one AKM suite means; Unknown for vendor and unassigned ones.
[[nodiscard]] WifiSecurity securityOfAkm(AkmSuite suite);

// The weakest of @akms: an AP offering PSK next to 802.1X may have let us in
// with either.  Unknown for an empty list.
[[nodiscard]] WifiSecurity securityOfAkms(std::span<const AkmSuite> akms);

// What a BSS offers, from its information elements and the privacy bit of
// its capability field: RSN, else WPA, else WEP (privacy) or open.  Throws
// IeError when the elements are malformed.
[[nodiscard]] WifiSecurity securityOfBss(std::span<const std::uint8_t> ies, bool privacy);

// The SSID element's bytes, if any.  Throws IeError for a truncated element
// list.
[[nodiscard]] std::optional<std::string> ssidOf(std::span<const std::uint8_t> ies);

// wpa_supplicant's "key_mgmt=" value (wpa_key_mgmt_txt()), with its
// "pairwise_cipher=" to tell static WEP from open.
[[nodiscard]] WifiSecurity securityOfKeyMgmt(std::string_view keyMgmt, std::string_view pairwiseCipher);

// The answer to wpa_supplicant's STATUS command.
struct WpaStatus {
	std::string wpaState; // COMPLETED once associated and keyed
	std::string keyMgmt;
	std::string pairwiseCipher;
	std::string ssid; // as wpa_supplicant prints it (non-printable bytes escaped)
	std::optional<MacAddr> bssid;

	[[nodiscard]] bool completed() const { return wpaState == "COMPLETED"; }
};

// Parses "key=value" lines; unknown keys are skipped.  Throws
// std::invalid_argument when there is no wpa_state line or the bssid is not
// a MAC address.
[[nodiscard]] WpaStatus parseWpaStatus(std::string_view text);

// "aa:bb:cc:dd:ee:ff" (either case); empty if it is not one.
[[nodiscard]] std::optional<MacAddr> parseMac(std::string_view text);

} // namespace mpwifi::daemon
