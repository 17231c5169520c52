// SPDX-License-Identifier: GPL-2.0
#include "daemon/wifi.h"

#include <algorithm>
#include <charconv>

#include "daemon/ies.h"

namespace mpwifi::daemon {

namespace {

constexpr std::uint8_t kEidSsid = 0;
constexpr std::uint8_t kEidRsn = 48;
constexpr std::uint8_t kEidVendor = 221;
constexpr std::uint32_t kOuiIeee = 0x000FAC;
constexpr std::uint32_t kOuiMicrosoft = 0x0050F2; // the WPA element's

// Reads a cipher/AKM suite list in the RSN element's layout.
class Reader {
public:
	Reader(std::span<const std::uint8_t> data, const char *what) : data_(data), what_(what) {}

	[[nodiscard]] bool atEnd() const { return pos_ == data_.size(); }

	std::uint16_t le16(const char *field)
	{
		need(2, field);
		const auto v = static_cast<std::uint16_t>(data_[pos_] | data_[pos_ + 1] << 8);
		pos_ += 2;
		return v;
	}

	std::uint32_t suite(const char *field)
	{
		need(4, field);
		const std::uint32_t v = static_cast<std::uint32_t>(data_[pos_]) << 24 |
					static_cast<std::uint32_t>(data_[pos_ + 1]) << 16 |
					static_cast<std::uint32_t>(data_[pos_ + 2]) << 8 | data_[pos_ + 3];
		pos_ += 4;
		return v;
	}

	std::vector<std::uint32_t> suiteList(const char *field)
	{
		const std::uint16_t count = le16(field);
		need(std::size_t{4} * count, field);
		std::vector<std::uint32_t> suites;
		for (std::uint16_t i = 0; i < count; i++)
			suites.push_back(suite(field));
		return suites;
	}

private:
	void need(std::size_t n, const char *field) const
	{
		if (data_.size() - pos_ < n)
			throw IeError(std::string(what_) + " element truncated in its " + field);
	}

	std::span<const std::uint8_t> data_;
	const char *what_;
	std::size_t pos_ = 0;
};

// The common layout of the RSN and WPA elements after their headers.
std::vector<AkmSuite> parseAkms(std::span<const std::uint8_t> body, const char *what)
{
	Reader r(body, what);
	const std::uint16_t version = r.le16("version");
	if (version != 1)
		throw IeError(std::string(what) + " element version " + std::to_string(version) + ", expected 1");
	if (r.atEnd())
		throw IeError(std::string(what) + " element without AKM suites");
	(void)r.suite("group cipher");
	if (r.atEnd())
		throw IeError(std::string(what) + " element without AKM suites");
	(void)r.suiteList("pairwise cipher list");
	if (r.atEnd())
		throw IeError(std::string(what) + " element without AKM suites");
	return r.suiteList("AKM suite list");
}

bool isWpaElement(const Element &e)
{
	return e.id == kEidVendor && e.body.size() >= 4 && e.body[0] == 0x00 && e.body[1] == 0x50 &&
	       e.body[2] == 0xF2 && e.body[3] == 0x01;
}

} // namespace

std::string_view securityName(WifiSecurity security)
{
	switch (security) {
	case WifiSecurity::Unknown: return "unknown";
	case WifiSecurity::Open: return "open";
	case WifiSecurity::Wep: return "WEP";
	case WifiSecurity::Owe: return "OWE";
	case WifiSecurity::Personal: return "personal";
	case WifiSecurity::Enterprise: return "enterprise";
	}
	return "unknown";
}

std::vector<AkmSuite> parseRsnAkms(std::span<const std::uint8_t> body)
{
	return parseAkms(body, "RSN");
}

std::vector<AkmSuite> parseWpaAkms(std::span<const std::uint8_t> body)
{
	return parseAkms(body, "WPA");
}

WifiSecurity securityOfAkm(AkmSuite suite)
{
	const std::uint32_t oui = suite >> 8;
	const std::uint32_t type = suite & 0xFF;
	if (oui == kOuiMicrosoft) { // WPA version 1
		switch (type) {
		case 1: return WifiSecurity::Enterprise;
		case 2: return WifiSecurity::Personal;
		default: return WifiSecurity::Unknown;
		}
	}
	if (oui != kOuiIeee)
		return WifiSecurity::Unknown;
	switch (type) {
	case 1:  // 802.1X
	case 3:  // FT-802.1X
	case 5:  // 802.1X-SHA256
	case 11: // suite B
	case 12: // suite B 192
	case 13: // FT-802.1X-SHA384
	case 14: // FILS-SHA256 (an EAP authentication)
	case 15: // FILS-SHA384
	case 16: // FT-FILS-SHA256
	case 17: // FT-FILS-SHA384
	case 23: // 802.1X-SHA384
		return WifiSecurity::Enterprise;
	case 2:  // PSK
	case 4:  // FT-PSK
	case 6:  // PSK-SHA256
	case 8:  // SAE
	case 9:  // FT-SAE
	case 19: // FT-PSK-SHA384
	case 20: // PSK-SHA384
	case 24: // SAE-EXT-KEY
	case 25: // FT-SAE-EXT-KEY
		return WifiSecurity::Personal;
	case 18: return WifiSecurity::Owe;
	default: return WifiSecurity::Unknown;
	}
}

WifiSecurity securityOfAkms(std::span<const AkmSuite> akms)
{
	if (akms.empty())
		return WifiSecurity::Unknown;
	WifiSecurity weakest = WifiSecurity::Enterprise;
	for (AkmSuite akm : akms)
		weakest = std::min(weakest, securityOfAkm(akm));
	return weakest;
}

WifiSecurity securityOfBss(std::span<const std::uint8_t> ies, bool privacy)
{
	const auto all = elements(ies);
	for (const Element &e : all)
		if (e.id == kEidRsn)
			return securityOfAkms(parseRsnAkms(e.body));
	for (const Element &e : all)
		if (isWpaElement(e))
			return securityOfAkms(parseWpaAkms(e.body.subspan(4)));
	return privacy ? WifiSecurity::Wep : WifiSecurity::Open;
}

std::optional<std::string> ssidOf(std::span<const std::uint8_t> ies)
{
	for (const Element &e : elements(ies))
		if (e.id == kEidSsid)
			return std::string(e.body.begin(), e.body.end());
	return std::nullopt;
}

WifiSecurity securityOfKeyMgmt(std::string_view keyMgmt, std::string_view pairwiseCipher)
{
	// Any WPA-PSK/SAE flavour: WPA-PSK, WPA2-PSK, WPA2-PSK+WPA-PSK,
	// WPA2-PSK-SHA256, FT-PSK, SAE, SAE-EXT-KEY, FT-SAE, FT-SAE-EXT-KEY,
	// WPA-NONE (IBSS with a shared key).
	if (keyMgmt.find("PSK") != std::string_view::npos || keyMgmt.find("SAE") != std::string_view::npos ||
	    keyMgmt == "WPA-NONE")
		return WifiSecurity::Personal;
	if (keyMgmt == "OWE")
		return WifiSecurity::Owe;
	// Dynamic WEP keyed by 802.1X: the authentication is strong, the
	// cipher is not.
	if (keyMgmt == "IEEE 802.1X (no WPA)")
		return WifiSecurity::Wep;
	// WPA/IEEE 802.1X/EAP, WPA2/IEEE 802.1X/EAP, WPA2+WPA/IEEE 802.1X/EAP,
	// WPA2-EAP-SHA256, WPA2-EAP-SHA384, WPA2-EAP-SUITE-B(-192), FT-EAP,
	// FT-EAP-SHA384, FILS-*.
	if (keyMgmt.find("802.1X") != std::string_view::npos || keyMgmt.find("EAP") != std::string_view::npos ||
	    keyMgmt.starts_with("FILS-") || keyMgmt.starts_with("FT-FILS-"))
		return WifiSecurity::Enterprise;
	if (keyMgmt == "NONE")
		return pairwiseCipher.starts_with("WEP") ? WifiSecurity::Wep : WifiSecurity::Open;
	return WifiSecurity::Unknown; // WPS (in progress), DPP, OSEN, UNKNOWN...
}

std::optional<MacAddr> parseMac(std::string_view text)
{
	MacAddr mac{};
	if (text.size() != 17)
		return std::nullopt;
	for (std::size_t i = 0; i < mac.size(); i++) {
		const std::string_view byte = text.substr(i * 3, 2);
		if (i < 5 && text[i * 3 + 2] != ':')
			return std::nullopt;
		if (!std::all_of(byte.begin(), byte.end(), [](char c) { return std::isxdigit(static_cast<unsigned char>(c)); }))
			return std::nullopt;
		std::from_chars(byte.data(), byte.data() + 2, mac[i], 16);
	}
	return mac;
}

WpaStatus parseWpaStatus(std::string_view text)
{
	WpaStatus status;
	bool haveState = false;
	while (!text.empty()) {
		const std::size_t nl = text.find('\n');
		const std::string_view line = text.substr(0, nl);
		text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);

		const std::size_t eq = line.find('=');
		if (eq == std::string_view::npos)
			continue;
		const std::string_view key = line.substr(0, eq);
		const std::string_view value = line.substr(eq + 1);
		if (key == "wpa_state") {
			status.wpaState = value;
			haveState = true;
		} else if (key == "key_mgmt") {
			status.keyMgmt = value;
		} else if (key == "pairwise_cipher") {
			status.pairwiseCipher = value;
		} else if (key == "ssid") {
			status.ssid = value;
		} else if (key == "bssid") {
			status.bssid = parseMac(value);
			if (!status.bssid)
				throw std::invalid_argument("wpa_supplicant STATUS: bssid \"" + std::string(value) +
							    "\" is not a MAC address");
		}
	}
	if (!haveState)
		throw std::invalid_argument("wpa_supplicant STATUS: no wpa_state line");
	return status;
}

} // namespace mpwifi::daemon
