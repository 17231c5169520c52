// SPDX-License-Identifier: GPL-2.0
#include "daemon/wifi_networks.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <map>
#include <set>
#include <sstream>

namespace mpwifi::daemon {

namespace {

constexpr std::size_t kMaxSsidLen = 32;

std::uint32_t bit(WifiSecurity security)
{
	return 1u << static_cast<unsigned>(security);
}

// What each key_mgmt value (wpa_supplicant's config.c) lets a network join.
const std::map<std::string, WifiSecurity, std::less<>> kKeyMgmt = {
	{"NONE", WifiSecurity::Open},
	{"WPA-PSK", WifiSecurity::Personal},
	{"WPA-PSK-SHA256", WifiSecurity::Personal},
	{"FT-PSK", WifiSecurity::Personal},
	{"SAE", WifiSecurity::Personal},
	{"SAE-EXT-KEY", WifiSecurity::Personal},
	{"FT-SAE", WifiSecurity::Personal},
	{"FT-SAE-EXT-KEY", WifiSecurity::Personal},
	{"WPA-EAP", WifiSecurity::Enterprise},
	{"WPA-EAP-SHA256", WifiSecurity::Enterprise},
	{"WPA-EAP-SHA384", WifiSecurity::Enterprise},
	{"FT-EAP", WifiSecurity::Enterprise},
	{"FT-EAP-SHA384", WifiSecurity::Enterprise},
	{"IEEE8021X", WifiSecurity::Enterprise},
	{"WPA-EAP-SUITE-B", WifiSecurity::Enterprise},
	{"WPA-EAP-SUITE-B-192", WifiSecurity::Enterprise},
	{"OWE", WifiSecurity::Owe},
};

// The error of line @line of @source.
class Where {
public:
	Where(std::string_view source, int line) : source_(source), line_(line) {}

	[[noreturn]] void fail(const std::string &what) const
	{
		throw NetworksError(std::string(source_) + ":" + std::to_string(line_) + ": " + what);
	}

private:
	std::string_view source_;
	int line_;
};

std::string_view trim(std::string_view s)
{
	while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front())))
		s.remove_prefix(1);
	while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back())))
		s.remove_suffix(1);
	return s;
}

// The line without its comment: a '#' after the last double quote, as
// wpa_supplicant reads it.
std::string_view uncommented(std::string_view line)
{
	const std::size_t lastQuote = line.rfind('"');
	const std::size_t hash = line.find('#', lastQuote == std::string_view::npos ? 0 : lastQuote + 1);
	return trim(line.substr(0, hash));
}

std::optional<std::string> hexBytes(std::string_view hex)
{
	if (hex.empty() || hex.size() % 2)
		return std::nullopt;
	std::string bytes;
	for (std::size_t i = 0; i < hex.size(); i += 2) {
		unsigned value = 0;
		const auto [end, ec] = std::from_chars(hex.data() + i, hex.data() + i + 2, value, 16);
		if (ec != std::errc() || end != hex.data() + i + 2)
			return std::nullopt;
		bytes.push_back(static_cast<char>(value));
	}
	return bytes;
}

// P"..." (printf escapes, wpa_supplicant's printf_decode()).
std::string printfDecoded(std::string_view body, const Where &where)
{
	std::string out;
	for (std::size_t i = 0; i < body.size(); i++) {
		if (body[i] != '\\') {
			out.push_back(body[i]);
			continue;
		}
		if (++i == body.size())
			where.fail("ssid: a lone \\ at the end");
		switch (body[i]) {
		case '\\': out.push_back('\\'); break;
		case '"': out.push_back('"'); break;
		case 'n': out.push_back('\n'); break;
		case 'r': out.push_back('\r'); break;
		case 't': out.push_back('\t'); break;
		case 'e': out.push_back('\033'); break;
		case 'x': {
			const auto byte = i + 2 < body.size() ? hexBytes(body.substr(i + 1, 2)) : std::nullopt;
			if (!byte)
				where.fail("ssid: \\x needs two hex digits");
			out += *byte;
			i += 2;
			break;
		}
		default: where.fail(std::string("ssid: unknown escape \\") + body[i]);
		}
	}
	return out;
}

bool quoted(std::string_view value)
{
	return value.size() >= 2 && value.front() == '"' && value.back() == '"';
}

// ssid="name", ssid=6e616d65 or ssid=P"na\x6de": the bytes.
std::string ssidBytes(std::string_view value, const Where &where)
{
	std::optional<std::string> bytes;
	if (quoted(value))
		bytes = std::string(value.substr(1, value.size() - 2));
	else if (value.size() >= 3 && value.front() == 'P' && quoted(value.substr(1)))
		bytes = printfDecoded(value.substr(2, value.size() - 3), where);
	else
		bytes = hexBytes(value);
	if (!bytes)
		where.fail("ssid: \"" + std::string(value) + "\" is neither a quoted string, P\"...\" nor hex");
	if (bytes->empty() || bytes->size() > kMaxSsidLen)
		where.fail("ssid: " + std::to_string(bytes->size()) + " bytes, expected 1 to 32");
	return *bytes;
}

void checkPsk(std::string_view value, const Where &where)
{
	if (quoted(value)) {
		const std::size_t n = value.size() - 2;
		if (n < 8 || n > 63)
			where.fail("psk: a passphrase of " + std::to_string(n) + " characters, expected 8 to 63");
	} else if (value.size() != 64 || !hexBytes(value)) {
		where.fail("psk: expected a quoted passphrase or 64 hex digits");
	}
}

std::uint32_t acceptedSecurity(std::string_view keyMgmt, bool wepKeys, const Where &where)
{
	std::uint32_t accepts = 0;
	std::istringstream tokens{std::string(keyMgmt)};
	for (std::string token; tokens >> token;) {
		const auto it = kKeyMgmt.find(token);
		if (it == kKeyMgmt.end())
			where.fail("key_mgmt: unknown value \"" + token + "\"");
		accepts |= bit(it->second == WifiSecurity::Open && wepKeys ? WifiSecurity::Wep : it->second);
	}
	if (!accepts)
		where.fail("key_mgmt: empty");
	return accepts;
}

// Checks and decodes a finished block.
WifiNetwork finish(WifiNetwork network, std::string_view source)
{
	const Where where(source, network.line);
	std::optional<std::string_view> ssid, keyMgmt, mode;
	bool wepKeys = false, psk = false;
	for (const auto &[name, value] : network.fields) {
		if (name == "ssid")
			ssid = value;
		else if (name == "key_mgmt")
			keyMgmt = value;
		else if (name == "mode")
			mode = value;
		else if (name == "psk" || name == "sae_password")
			psk = true;
		else if (name.starts_with("wep_key") && name.size() == 8 && name[7] >= '0' && name[7] <= '3')
			wepKeys = true;
	}
	if (!ssid)
		where.fail("network without an ssid");
	network.ssid = ssidBytes(*ssid, where);
	if (mode && *mode != "0")
		where.fail("mode=" + std::string(*mode) + ": only station networks (mode=0) can be joined");
	network.accepts = acceptedSecurity(keyMgmt.value_or("WPA-PSK WPA-EAP"), wepKeys, where);
	// without a key, a PSK or SAE network cannot be joined (wpa_supplicant refuses the block)
	if (!psk && (network.accepts &= ~bit(WifiSecurity::Personal)) == 0)
		where.fail("key_mgmt " + std::string(keyMgmt.value_or("")) + " needs a psk or sae_password");
	return network;
}

} // namespace

bool networkMatches(const WifiNetwork &network, std::string_view ssid, const MacAddr &bssid, WifiSecurity security)
{
	return !network.disabled && network.ssid == ssid && (!network.bssid || *network.bssid == bssid) &&
	       network.acceptsSecurity(security);
}

std::vector<WifiNetwork> parseWifiNetworks(std::string_view text, std::string_view source,
					   std::vector<int> *skippedLines)
{
	std::vector<WifiNetwork> networks;
	std::optional<WifiNetwork> open;
	std::set<std::string, std::less<>> names;
	int lineNo = 0;
	while (!text.empty()) {
		const std::size_t nl = text.find('\n');
		const std::string_view raw = text.substr(0, nl);
		text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
		lineNo++;
		const Where where(source, lineNo);
		const std::string_view line = uncommented(raw);
		if (line.empty())
			continue;
		if (line == "network={") {
			if (open)
				where.fail("network={ inside the block opened on line " + std::to_string(open->line));
			open = WifiNetwork{.line = lineNo};
			names.clear();
			continue;
		}
		if (!open) {
			if (line == "}")
				where.fail("} without a network={");
			if (skippedLines)
				skippedLines->push_back(lineNo);
			continue;
		}
		if (line == "}") {
			networks.push_back(finish(std::move(*open), source));
			open.reset();
			continue;
		}
		const std::size_t eq = line.find('=');
		if (eq == std::string_view::npos || eq == 0)
			where.fail("expected name=value, got \"" + std::string(line) + "\"");
		const std::string name(line.substr(0, eq));
		const std::string_view value = line.substr(eq + 1);
		if (!std::all_of(name.begin(), name.end(),
				 [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }))
			where.fail("\"" + name + "\" is not a field name");
		if (!names.insert(name).second)
			where.fail(name + " given twice in one network");
		if (value.empty())
			where.fail(name + ": empty value");
		if (value.front() == '"' && !quoted(value))
			where.fail(name + ": unterminated quoted string");
		if (name == "bssid") {
			open->bssid = parseMac(value);
			if (!open->bssid)
				where.fail("bssid: \"" + std::string(value) + "\" is not a MAC address");
		} else if (name == "psk") {
			checkPsk(value, where);
		} else if (name == "disabled") {
			if (value != "0" && value != "1")
				where.fail("disabled: expected 0 or 1");
			open->disabled = value == "1";
		}
		open->fields.emplace_back(name, std::string(value));
	}
	if (open)
		Where(source, open->line).fail("network={ never closed");
	return networks;
}

} // namespace mpwifi::daemon
