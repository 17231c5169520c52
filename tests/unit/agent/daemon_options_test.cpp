// SPDX-License-Identifier: GPL-2.0
// The daemon's options: command line, config file, override rules.
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <unistd.h>

#include "daemon/daemon.h"
#include "daemon/options.h"

namespace mpwifi::daemon {
namespace {

using Key = OverrideRule::Key;

DaemonOptions parse(std::vector<std::string> args)
{
	return parseDaemonOptions(args);
}

std::string errorOf(std::vector<std::string> args)
{
	try {
		(void)parseDaemonOptions(args);
	} catch (const OptionsError &e) {
		return e.what();
	}
	return "";
}

// A config file that is deleted with the test.
class ConfigFile {
public:
	explicit ConfigFile(const std::string &text)
	{
		char name[] = "/tmp/mpwifi-daemon-test-XXXXXX";
		const int fd = ::mkstemp(name);
		if (fd >= 0)
			::close(fd);
		path_ = name;
		std::ofstream(path_) << text;
	}
	~ConfigFile() { std::remove(path_.c_str()); }
	ConfigFile(const ConfigFile &) = delete;
	ConfigFile &operator=(const ConfigFile &) = delete;

	[[nodiscard]] const std::string &path() const { return path_; }

private:
	std::string path_;
};

TEST(DaemonOptions, Defaults)
{
	const DaemonOptions o = parse({});
	EXPECT_FALSE(o.personalTrusted);
	EXPECT_TRUE(o.overrides.empty());
	EXPECT_EQ(o.endpointMinTrust, TrustLevel::Untrusted);
	EXPECT_TRUE(o.trustedEndpoints);
	EXPECT_EQ(o.wpaCtrlDir, "/run/wpa_supplicant");
	EXPECT_FALSE(o.verbose);
	EXPECT_FALSE(o.configFile);
}

TEST(DaemonOptions, CommandLine)
{
	const DaemonOptions o = parse({"--personal-trusted", "--override", "iface:veth0=untrusted", "--override",
				       "ssid:Corp Net=trusted", "--override", "bssid:AA:BB:CC:00:11:22=untrusted",
				       "--endpoint-min-trust", "trusted", "--no-trusted-endpoints", "--wpa-ctrl-dir",
				       "/run/x", "-v"});
	EXPECT_TRUE(o.personalTrusted);
	EXPECT_EQ(o.overrides, (std::vector<OverrideRule>{{Key::Iface, "veth0", TrustLevel::Untrusted},
							  {Key::Ssid, "Corp Net", TrustLevel::Trusted},
							  {Key::Bssid, "aa:bb:cc:00:11:22", TrustLevel::Untrusted}}));
	EXPECT_EQ(o.endpointMinTrust, TrustLevel::Trusted);
	EXPECT_FALSE(o.trustedEndpoints);
	EXPECT_EQ(o.wpaCtrlDir, "/run/x");
	EXPECT_TRUE(o.verbose);
}

TEST(DaemonOptions, ConfigFile)
{
	const ConfigFile file("# every key\n"
			      "personal-trusted = true\n"
			      "override = ssid:cafe=untrusted   \n"
			      "override=iface:eth1=trusted\n"
			      "\n"
			      "endpoint-min-trust = trusted\n"
			      "no-trusted-endpoints = yes\n"
			      "wpa-ctrl-dir = /run/wpa\n"
			      "verbose = off\n");
	const DaemonOptions o = parse({"--config", file.path(), "--override", "iface:wlan0=trusted"});
	EXPECT_EQ(o.configFile, file.path());
	EXPECT_TRUE(o.personalTrusted);
	// Both sources of a list option count, the command line's first.
	EXPECT_EQ(o.overrides, (std::vector<OverrideRule>{{Key::Iface, "wlan0", TrustLevel::Trusted},
							  {Key::Ssid, "cafe", TrustLevel::Untrusted},
							  {Key::Iface, "eth1", TrustLevel::Trusted}}));
	EXPECT_EQ(o.endpointMinTrust, TrustLevel::Trusted);
	EXPECT_FALSE(o.trustedEndpoints);
	EXPECT_EQ(o.wpaCtrlDir, "/run/wpa");
	EXPECT_FALSE(o.verbose);
}

TEST(DaemonOptions, CommandLineWinsOverTheFile)
{
	const ConfigFile file("endpoint-min-trust = trusted\nwpa-ctrl-dir = /from/file\n");
	const DaemonOptions o = parse({"-c", file.path(), "--endpoint-min-trust", "untrusted"});
	EXPECT_EQ(o.endpointMinTrust, TrustLevel::Untrusted);
	EXPECT_EQ(o.wpaCtrlDir, "/from/file");
}

// One setting, two spellings: in the file either may say false, and the command line's spelling wins
// over the file's (both failed before: "= false" was ignored, and either pair was an error).
TEST(DaemonOptions, TrustedEndpointsIsOneSettingInTwoSpellings)
{
	const ConfigFile off("trusted-endpoints = false\n");
	EXPECT_FALSE(parse({"--config", off.path()}).trustedEndpoints);
	const ConfigFile notOff("no-trusted-endpoints = no\n");
	EXPECT_TRUE(parse({"--config", notOff.path()}).trustedEndpoints);
	const ConfigFile agree("trusted-endpoints = false\nno-trusted-endpoints = true\n");
	EXPECT_FALSE(parse({"--config", agree.path()}).trustedEndpoints);

	const ConfigFile fileOff("no-trusted-endpoints = true\n");
	EXPECT_TRUE(parse({"--config", fileOff.path(), "--trusted-endpoints"}).trustedEndpoints);
	const ConfigFile fileOn("trusted-endpoints = true\n");
	EXPECT_FALSE(parse({"--config", fileOn.path(), "--no-trusted-endpoints"}).trustedEndpoints);

	const ConfigFile both("trusted-endpoints = true\nno-trusted-endpoints = true\n");
	EXPECT_EQ(errorOf({"--config", both.path()}),
		  "config file \"" + both.path() + "\": trusted-endpoints and no-trusted-endpoints contradict each other");
}

TEST(DaemonOptions, ConfigFileErrors)
{
	const ConfigFile unknown("personal-trusted = true\nbogus = 1\n");
	EXPECT_EQ(errorOf({"--config", unknown.path()}),
		  "config file \"" + unknown.path() + "\": unrecognised option 'bogus'");
	const ConfigFile badLevel("endpoint-min-trust = maybe\n");
	EXPECT_EQ(errorOf({"--config", badLevel.path()}), "invalid endpoint-min-trust \"maybe\" (trusted or untrusted)");
	const ConfigFile badSwitch("personal-trusted = perhaps\n");
	EXPECT_NE(errorOf({"--config", badSwitch.path()}).find("personal-trusted"), std::string::npos);
	const ConfigFile badRule("override = iface:eth0\n");
	EXPECT_EQ(errorOf({"--config", badRule.path()}),
		  "override: \"iface:eth0\" is not iface:NAME=LEVEL, ssid:NAME=LEVEL or bssid:MAC=LEVEL");
	const ConfigFile config("config = /etc/other\n");
	EXPECT_NE(errorOf({"--config", config.path()}).find("unrecognised option 'config'"), std::string::npos);
	EXPECT_EQ(errorOf({"--config", "/nonexistent/mpwifi.conf"}),
		  "cannot read config file \"/nonexistent/mpwifi.conf\"");
}

TEST(DaemonOptions, CommandLineErrors)
{
	EXPECT_EQ(errorOf({"--bogus"}), "unrecognised option '--bogus'");
	EXPECT_EQ(errorOf({"--endpoint-min-trust", "auto"}), "invalid endpoint-min-trust \"auto\" (trusted or untrusted)");
	EXPECT_EQ(errorOf({"--trusted-endpoints", "--no-trusted-endpoints"}),
		  "trusted-endpoints and no-trusted-endpoints contradict each other");
	EXPECT_EQ(errorOf({"--override", "iface:eth0=trusted", "--override", "iface:eth0=untrusted"}),
		  "override: conflicting levels for iface:eth0");
	EXPECT_EQ(errorOf({"stray"}), "too many positional options have been specified on the command line");
	EXPECT_NE(errorOf({"--override"}).find("override"), std::string::npos);
	// The same rule twice is not a conflict.
	EXPECT_EQ(parse({"--override", "ssid:a=trusted", "--override", "ssid:a=trusted"}).overrides.size(), 1u);
}

TEST(DaemonOptions, TheApManagersOptions)
{
	EXPECT_FALSE(parse({}).wifiNetworks) << "no networks file: no AP manager";
	EXPECT_EQ(parse({}).runDir, "/run/mpwifi");
	EXPECT_TRUE(parse({}).dhcpScript.ends_with("/mpwifi/udhcpc-event"));
	const DaemonOptions o = parse({"--wifi-networks", "/etc/mpwifi/networks.conf", "--wifi-radio", "phy1",
				       "--wifi-radio", "phy0", "--wifi-radio", "phy1", "--wifi-max-aps", "3",
				       "--wpa-global-ctrl", "/run/wpa_supplicant/global", "--run-dir", "/tmp/run"});
	EXPECT_EQ(o.wifiNetworks, "/etc/mpwifi/networks.conf");
	EXPECT_EQ(o.wifiRadios, (std::vector<std::string>{"phy1", "phy0"})) << "in order, once each";
	EXPECT_EQ(o.wifiMaxAps, 3u);
	EXPECT_EQ(o.wpaGlobalCtrl, "/run/wpa_supplicant/global");
	EXPECT_EQ(o.runDir, "/tmp/run");

	ConfigFile file("wifi-networks = /etc/n.conf\nwifi-radio = phy2\nwifi-max-aps = 2\n");
	const DaemonOptions f = parse({"--config", file.path(), "--wifi-radio", "phy0"});
	EXPECT_EQ(f.wifiNetworks, "/etc/n.conf");
	EXPECT_EQ(f.wifiRadios, (std::vector<std::string>{"phy0", "phy2"}));
	EXPECT_EQ(f.wifiMaxAps, 2u);

	EXPECT_EQ(errorOf({"--wifi-max-aps", "0"}), "wifi-max-aps: \"0\" is not a number of APs from 1 to 64");
	EXPECT_EQ(errorOf({"--wifi-max-aps", "65"}), "wifi-max-aps: \"65\" is not a number of APs from 1 to 64");
	EXPECT_EQ(errorOf({"--wifi-max-aps", "-1"}), "wifi-max-aps: \"-1\" is not a number of APs from 1 to 64");
	EXPECT_EQ(errorOf({"--wifi-max-aps", "99999999999999999999"}),
		  "wifi-max-aps: \"99999999999999999999\" is not a number of APs from 1 to 64");
	EXPECT_EQ(errorOf({"--wifi-radio", "phy 0"}), "wifi-radio: \"phy 0\" is not a radio name (phy0)");
	EXPECT_EQ(errorOf({"--run-dir", "run"}), "run-dir: \"run\" is not an absolute path");
	EXPECT_EQ(errorOf({"--wpa-global-ctrl", "global"}), "wpa-global-ctrl: \"global\" is not an absolute path");
}

TEST(OverrideRule, Parse)
{
	EXPECT_EQ(parseOverride("iface:eth0=trusted"), (OverrideRule{Key::Iface, "eth0", TrustLevel::Trusted}));
	EXPECT_EQ(parseOverride("ssid:a=b:c=untrusted"), (OverrideRule{Key::Ssid, "a=b:c", TrustLevel::Untrusted}));
	EXPECT_EQ(parseOverride("bssid:02:00:00:00:01:00=trusted").value, "02:00:00:00:01:00");
	EXPECT_EQ(formatOverride(parseOverride("ssid:x=trusted")), "ssid:x=trusted");

	auto error = [](const char *text) {
		try {
			(void)parseOverride(text);
		} catch (const std::invalid_argument &e) {
			return std::string(e.what());
		}
		return std::string();
	};
	EXPECT_EQ(error("mac:02:00:00:00:01:00=trusted"), "\"mac:02:00:00:00:01:00=trusted\": unknown kind \"mac\" (iface, ssid or bssid)");
	EXPECT_EQ(error("iface:=trusted"), "\"iface:=trusted\": empty iface");
	EXPECT_EQ(error("iface:eth0=maybe"), "\"iface:eth0=maybe\": invalid level \"maybe\" (trusted or untrusted)");
	EXPECT_EQ(error("bssid:02:00:00:00:01=trusted"), "\"bssid:02:00:00:00:01=trusted\": \"02:00:00:00:01\" is not a MAC address");
	EXPECT_EQ(error("iface:sixteen-chars-xx=trusted"), "\"iface:sixteen-chars-xx=trusted\": interface names have at most 15 characters");
	const std::string longSsid = "ssid:" + std::string(33, 'x') + "=trusted";
	EXPECT_NE(error(longSsid.c_str()).find("SSIDs have at most 32 bytes"), std::string::npos);
	EXPECT_EQ(error("trusted"), "\"trusted\" is not iface:NAME=LEVEL, ssid:NAME=LEVEL or bssid:MAC=LEVEL");
}

TEST(DaemonRun, BadOptionsExit2BeforeTouchingAnything)
{
	std::ostringstream out, log;
	const std::vector<std::string> args{"--endpoint-min-trust", "x"};
	EXPECT_EQ(run(args, out, log), 2);
	EXPECT_EQ(log.str(), "mpwifi daemon: invalid endpoint-min-trust \"x\" (trusted or untrusted); try \"mpwifi help\"\n");
	EXPECT_EQ(out.str(), "");
}

} // namespace
} // namespace mpwifi::daemon
