// SPDX-License-Identifier: GPL-2.0
#include "daemon/options.h"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <tuple>
#include <utility>

#include <boost/program_options.hpp>

namespace po = boost::program_options;

namespace mpwifi::daemon {

namespace {

using Tokens = std::vector<std::string>;

std::string lowercase(std::string text)
{
	std::transform(text.begin(), text.end(), text.begin(),
		       [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
	return text;
}

bool isMac(std::string_view text)
{
	if (text.size() != 17)
		return false;
	for (std::size_t i = 0; i < text.size(); i++) {
		const bool colon = i % 3 == 2;
		if (colon ? text[i] != ':' : !std::isxdigit(static_cast<unsigned char>(text[i])))
			return false;
	}
	return true;
}

std::string_view keyName(OverrideRule::Key key)
{
	switch (key) {
	case OverrideRule::Key::Iface: return "iface";
	case OverrideRule::Key::Bssid: return "bssid";
	case OverrideRule::Key::Ssid: return "ssid";
	}
	return "?";
}

// Values kept as text until everything is stored, so that errors name the
// option and the config file is read only once the command line is valid.
struct RawOptions {
	std::string config;
	bool help = false;
	bool personalTrusted = false;
	Tokens overrides;
	std::string endpointMinTrust;
	bool trustedEndpoints = false;
	bool noTrustedEndpoints = false;
	std::string wpaCtrlDir;
	Tokens wifiRadios;
	std::string wifiNetworks;
	std::string wifiMaxAps;
	std::string wpaGlobalCtrl;
	std::string dhcpScript;
	std::string runDir;
	std::string steering;
	std::string emulatedAirScale;
	bool verbose = false;
	bool noModule = false;
};

// Every option but --config and --help, which make no sense in the file.
po::options_description settings(RawOptions &raw)
{
	po::options_description d;
	d.add_options()
		("personal-trusted", po::bool_switch(&raw.personalTrusted))
		("override", po::value(&raw.overrides)->composing())
		("endpoint-min-trust", po::value(&raw.endpointMinTrust))
		("trusted-endpoints", po::bool_switch(&raw.trustedEndpoints))
		("no-trusted-endpoints", po::bool_switch(&raw.noTrustedEndpoints))
		("wpa-ctrl-dir", po::value(&raw.wpaCtrlDir))
		("wifi-radio", po::value(&raw.wifiRadios)->composing())
		("wifi-networks", po::value(&raw.wifiNetworks))
		("wifi-max-aps", po::value(&raw.wifiMaxAps))
		("wpa-global-ctrl", po::value(&raw.wpaGlobalCtrl))
		("dhcp-script", po::value(&raw.dhcpScript))
		("run-dir", po::value(&raw.runDir))
		("steering", po::value(&raw.steering))
		("emulated-air-scale", po::value(&raw.emulatedAirScale))
		("no-module", po::bool_switch(&raw.noModule))
		("verbose,v", po::bool_switch(&raw.verbose));
	return d;
}

DaemonOptions finish(const RawOptions &raw)
{
	DaemonOptions o;
	o.help = raw.help;
	if (!raw.config.empty())
		o.configFile = raw.config;
	o.personalTrusted = raw.personalTrusted;
	o.verbose = raw.verbose;
	o.noModule = raw.noModule;
	if (!raw.endpointMinTrust.empty()) {
		const auto level = trustLevelFromName(raw.endpointMinTrust);
		if (!level)
			throw OptionsError("invalid endpoint-min-trust \"" + raw.endpointMinTrust +
					   "\" (trusted or untrusted)");
		o.endpointMinTrust = *level;
	}
	if (!raw.wpaCtrlDir.empty())
		o.wpaCtrlDir = raw.wpaCtrlDir;
	for (const std::string &radio : raw.wifiRadios) {
		if (radio.empty() || radio.size() > 64 || radio.find_first_of(" \t/") != std::string::npos)
			throw OptionsError("wifi-radio: \"" + radio + "\" is not a radio name (phy0)");
		if (std::find(o.wifiRadios.begin(), o.wifiRadios.end(), radio) == o.wifiRadios.end())
			o.wifiRadios.push_back(radio);
	}
	if (!raw.wifiNetworks.empty())
		o.wifiNetworks = raw.wifiNetworks;
	if (!raw.steering.empty()) {
		const auto mode = steeringModeFromName(raw.steering);
		if (!mode)
			throw OptionsError("steering: \"" + raw.steering + "\" is not off, ecn, priority or both");
		o.steering = *mode;
	}
	if (!raw.emulatedAirScale.empty()) {
		const std::string &t = raw.emulatedAirScale;
		if (t.size() > 2 || !std::all_of(t.begin(), t.end(), [](unsigned char c) { return std::isdigit(c); }) ||
		    std::stoul(t) < 1 || std::stoul(t) > 16)
			throw OptionsError("emulated-air-scale: \"" + t + "\" is not a number from 1 to 16");
		o.emulatedAirScale = static_cast<std::uint32_t>(std::stoul(t));
	}
	if (!raw.wifiMaxAps.empty()) {
		const std::string &t = raw.wifiMaxAps;
		if (t.size() > 3 || !std::all_of(t.begin(), t.end(), [](unsigned char c) { return std::isdigit(c); }) ||
		    std::stoul(t) < 1 || std::stoul(t) > 64)
			throw OptionsError("wifi-max-aps: \"" + t + "\" is not a number of APs from 1 to 64");
		o.wifiMaxAps = static_cast<std::uint32_t>(std::stoul(t));
	}
	o.dhcpScript = MPWIFI_DHCP_SCRIPT;
	for (const auto &[value, field, name] :
	     {std::tuple{&raw.wpaGlobalCtrl, &o.wpaGlobalCtrl, "wpa-global-ctrl"},
	      std::tuple{&raw.dhcpScript, &o.dhcpScript, "dhcp-script"}, std::tuple{&raw.runDir, &o.runDir, "run-dir"}}) {
		if (value->empty())
			continue;
		if ((*value)[0] != '/')
			throw OptionsError(std::string(name) + ": \"" + *value + "\" is not an absolute path");
		*field = *value;
	}

	std::map<std::pair<OverrideRule::Key, std::string>, TrustLevel> seen;
	for (const std::string &text : raw.overrides) {
		OverrideRule rule;
		try {
			rule = parseOverride(text);
		} catch (const std::invalid_argument &e) {
			throw OptionsError(std::string("override: ") + e.what());
		}
		auto [it, fresh] = seen.emplace(std::pair(rule.key, rule.value), rule.level);
		if (!fresh && it->second != rule.level)
			throw OptionsError("override: conflicting levels for " + std::string(keyName(rule.key)) + ":" +
					   rule.value);
		if (fresh)
			o.overrides.push_back(std::move(rule));
	}
	return o;
}

// trusted-endpoints and no-trusted-endpoints are one setting spelled two ways: what VM says of it, if
// anything (in a file either spelling may also say false).
std::optional<bool> trustedEndpointsIn(const po::variables_map &vm)
{
	const auto given = [&](const char *key) -> std::optional<bool> {
		const auto it = vm.find(key);
		if (it == vm.end() || it->second.defaulted())
			return std::nullopt;
		return it->second.as<bool>();
	};
	const std::optional<bool> on = given("trusted-endpoints");
	const std::optional<bool> off = given("no-trusted-endpoints");
	if (on && off && *on == *off)
		throw OptionsError("trusted-endpoints and no-trusted-endpoints contradict each other");
	if (on)
		return *on;
	if (off)
		return !*off;
	return std::nullopt;
}

} // namespace

OverrideRule parseOverride(std::string_view text)
{
	const std::string quoted = "\"" + std::string(text) + "\"";
	const std::size_t colon = text.find(':');
	const std::size_t equals = text.rfind('=');
	if (colon == std::string_view::npos || equals == std::string_view::npos || equals < colon)
		throw std::invalid_argument(quoted + " is not iface:NAME=LEVEL, ssid:NAME=LEVEL or bssid:MAC=LEVEL");

	OverrideRule rule;
	const std::string_view key = text.substr(0, colon);
	if (key == "iface")
		rule.key = OverrideRule::Key::Iface;
	else if (key == "ssid")
		rule.key = OverrideRule::Key::Ssid;
	else if (key == "bssid")
		rule.key = OverrideRule::Key::Bssid;
	else
		throw std::invalid_argument(quoted + ": unknown kind \"" + std::string(key) + "\" (iface, ssid or bssid)");

	rule.value = std::string(text.substr(colon + 1, equals - colon - 1));
	if (rule.value.empty())
		throw std::invalid_argument(quoted + ": empty " + std::string(key));
	if (rule.key == OverrideRule::Key::Iface && rule.value.size() >= 16)
		throw std::invalid_argument(quoted + ": interface names have at most 15 characters");
	if (rule.key == OverrideRule::Key::Ssid && rule.value.size() > 32)
		throw std::invalid_argument(quoted + ": SSIDs have at most 32 bytes");
	if (rule.key == OverrideRule::Key::Bssid) {
		if (!isMac(rule.value))
			throw std::invalid_argument(quoted + ": \"" + rule.value + "\" is not a MAC address");
		rule.value = lowercase(rule.value);
	}

	const std::string level(text.substr(equals + 1));
	const auto known = trustLevelFromName(level);
	if (!known)
		throw std::invalid_argument(quoted + ": invalid level \"" + level + "\" (trusted or untrusted)");
	rule.level = *known;
	return rule;
}

std::string formatOverride(const OverrideRule &rule)
{
	return std::string(keyName(rule.key)) + ":" + rule.value + "=" + std::string(trustLevelName(rule.level));
}

DaemonOptions parseDaemonOptions(std::span<const std::string> args)
{
	RawOptions raw;
	po::options_description commandLine;
	commandLine.add_options()("config,c", po::value(&raw.config))("help,h", po::bool_switch(&raw.help));
	commandLine.add(settings(raw));

	const po::positional_options_description noPositionals;
	po::variables_map vm;
	try {
		po::store(po::command_line_parser(Tokens(args.begin(), args.end()))
				  .options(commandLine)
				  .positional(noPositionals)
				  .run(),
			  vm);
	} catch (const po::error &e) {
		throw OptionsError(e.what());
	}
	const std::optional<bool> endpointsFromCommandLine = trustedEndpointsIn(vm);
	std::optional<bool> endpointsFromFile;
	// The file's values only fill what the command line left unset.
	if (vm.count("config") && !vm["help"].as<bool>()) {
		const std::string file = vm["config"].as<std::string>();
		std::ifstream in(file);
		if (!in)
			throw OptionsError("cannot read config file \"" + file + "\"");
		try {
			// Boost reads switches as "key = true" (or yes, on, 1).
			const po::options_description fileSettings = settings(raw); // PARSED points into it
			po::parsed_options parsed = po::parse_config_file(in, fileSettings, false);
			po::variables_map fileOnly;
			po::store(parsed, fileOnly);
			try {
				endpointsFromFile = trustedEndpointsIn(fileOnly);
			} catch (const OptionsError &e) {
				throw OptionsError("config file \"" + file + "\": " + e.what());
			}
			if (endpointsFromCommandLine)
				std::erase_if(parsed.options, [](const po::option &opt) {
					return opt.string_key == "trusted-endpoints" || opt.string_key == "no-trusted-endpoints";
				});
			po::store(parsed, vm);
		} catch (const po::error &e) {
			throw OptionsError("config file \"" + file + "\": " + e.what());
		}
	}
	try {
		po::notify(vm);
	} catch (const po::error &e) {
		throw OptionsError(e.what());
	}
	DaemonOptions o = finish(raw);
	o.trustedEndpoints = endpointsFromCommandLine.value_or(endpointsFromFile.value_or(true));
	return o;
}

std::string optionsHelp()
{
	return "       --config FILE             read settings from FILE (\"key = value\", # comments)\n"
	       "       --personal-trusted        WPA2/WPA3-Personal WiFi counts as trusted (default: untrusted)\n"
	       "       --override RULE           repeatable; RULE: iface:NAME=LEVEL, bssid:MAC=LEVEL or\n"
	       "                                 ssid:NAME=LEVEL; precedence iface, then bssid, then ssid\n"
	       "       --endpoint-min-trust LEVEL  keep MPTCP endpoints off interfaces below LEVEL (default\n"
	       "                                 untrusted: leave them all)\n"
	       "       --trusted-endpoints | --no-trusted-endpoints  give trusted interfaces without an MPTCP\n"
	       "                                 endpoint a subflow endpoint (default on)\n"
	       "       --wpa-ctrl-dir DIR        wpa_supplicant control sockets (default /run/wpa_supplicant)\n"
	       "       --wifi-networks FILE      run the AP manager: join the APs of FILE's network={...} blocks\n"
	       "                                 (wpa_supplicant's format) with station interfaces mpw<N>\n"
	       "       --wifi-radio PHY          repeatable; the radios the AP manager uses (default: all)\n"
	       "       --wifi-max-aps N          APs per radio, 1..64 (default: what the radio allows, at most 4)\n"
	       "       --wpa-global-ctrl PATH    a running wpa_supplicant's global control socket (default: the\n"
	       "                                 daemon starts its own)\n"
	       "       --dhcp-script PATH        udhcpc's event script (default: the installed one)\n"
	       "       --run-dir DIR             the AP manager's sockets, leases and logs, the steering state\n"
	       "                                 (default /run/mpwifi)\n"
	       "       --steering MODE           off, ecn (the module's marks), priority (worse APs' subflows\n"
	       "                                 backup while the air limits) or both (default)\n"
	       "       --emulated-air-scale K    for an emulated medium whose air runs K times slower than its\n"
	       "                                 rates (airsim --time-scale K): airtime shares times K\n"
	       "       --no-module               without the mpwifi module: log the levels instead of setting\n"
	       "                                 them; endpoints and subflows follow the logged levels\n"
	       "       --verbose                 log every classification and event\n";
}

} // namespace mpwifi::daemon
