// SPDX-License-Identifier: GPL-2.0
// The networks file: wpa_supplicant network blocks, decoded and checked.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "daemon/wifi_networks.h"

namespace mpwifi::daemon {
namespace {

std::string errorOf(const std::string &text)
{
	try {
		(void)parseWifiNetworks(text, "nets.conf");
	} catch (const NetworksError &e) {
		return e.what();
	}
	return "(no error)";
}

constexpr MacAddr kBssid{0x02, 0x00, 0x00, 0x00, 0x01, 0x00};
constexpr MacAddr kOther{0x02, 0x00, 0x00, 0x00, 0x02, 0x00};

TEST(WifiNetworks, TheBlocksUsersHave)
{
	std::vector<int> skipped;
	const auto nets = parseWifiNetworks(R"(# /etc/wpa_supplicant/wpa_supplicant.conf
ctrl_interface=DIR=/run/wpa_supplicant GROUP=netdev
update_config=1

network={
	ssid="home # not a comment"   # a comment
	psk="correct horse battery"
	key_mgmt=WPA-PSK SAE
}
network={
	ssid=636166c3a9
	key_mgmt=NONE
	bssid=02:00:00:00:01:00
	priority=5
}
network={
	ssid=P"eduroam\x21"
	key_mgmt=WPA-EAP
	eap=PEAP
	identity="user@example.org"
	password="secret"
	disabled=1
}
network={
	ssid="old"
	key_mgmt=NONE
	wep_key0="abcde"
}
)",
					    "nets.conf", &skipped);
	ASSERT_EQ(nets.size(), 4u);
	EXPECT_EQ(skipped, (std::vector<int>{2, 3}));

	EXPECT_EQ(nets[0].line, 5);
	EXPECT_EQ(nets[0].ssid, "home # not a comment");
	EXPECT_EQ(nets[0].accepts, 1u << static_cast<unsigned>(WifiSecurity::Personal));
	// values kept as written, quotes included, for SET_NETWORK
	ASSERT_EQ(nets[0].fields.size(), 3u);
	EXPECT_EQ(nets[0].fields[1], (std::pair<std::string, std::string>{"psk", "\"correct horse battery\""}));
	EXPECT_EQ(nets[0].fields[2], (std::pair<std::string, std::string>{"key_mgmt", "WPA-PSK SAE"}));

	EXPECT_EQ(nets[1].ssid, "caf\xc3\xa9"); // hex
	ASSERT_TRUE(nets[1].bssid);
	EXPECT_EQ(*nets[1].bssid, kBssid);
	EXPECT_TRUE(nets[1].acceptsSecurity(WifiSecurity::Open));
	EXPECT_FALSE(nets[1].acceptsSecurity(WifiSecurity::Personal));

	EXPECT_EQ(nets[2].ssid, "eduroam!"); // P"..." with a \x escape
	EXPECT_TRUE(nets[2].disabled);
	EXPECT_EQ(nets[2].accepts, 1u << static_cast<unsigned>(WifiSecurity::Enterprise));

	EXPECT_EQ(nets[3].accepts, 1u << static_cast<unsigned>(WifiSecurity::Wep)); // NONE with a WEP key
}

TEST(WifiNetworks, DefaultKeyManagement)
{
	// wpa_supplicant's default is WPA-PSK WPA-EAP: with a psk both, without one EAP alone
	const auto withPsk = parseWifiNetworks("network={\nssid=\"a\"\npsk=\"12345678\"\n}\n", "x");
	EXPECT_TRUE(withPsk.at(0).acceptsSecurity(WifiSecurity::Personal));
	EXPECT_TRUE(withPsk.at(0).acceptsSecurity(WifiSecurity::Enterprise));
	const auto eap = parseWifiNetworks("network={\nssid=\"a\"\nidentity=\"u\"\n}\n", "x");
	EXPECT_FALSE(eap.at(0).acceptsSecurity(WifiSecurity::Personal));
	EXPECT_TRUE(eap.at(0).acceptsSecurity(WifiSecurity::Enterprise));
}

TEST(WifiNetworks, Matching)
{
	const auto nets = parseWifiNetworks(R"(network={
ssid="lab"
psk="12345678"
key_mgmt=WPA-PSK
bssid=02:00:00:00:01:00
}
network={
ssid="cafe"
key_mgmt=NONE
}
network={
ssid="off"
key_mgmt=NONE
disabled=1
}
)",
					    "x");
	EXPECT_TRUE(networkMatches(nets[0], "lab", kBssid, WifiSecurity::Personal));
	EXPECT_FALSE(networkMatches(nets[0], "lab", kOther, WifiSecurity::Personal));  // pinned elsewhere
	EXPECT_FALSE(networkMatches(nets[0], "lab", kBssid, WifiSecurity::Open));      // a downgraded AP
	EXPECT_FALSE(networkMatches(nets[0], "lab2", kBssid, WifiSecurity::Personal)); // another SSID
	EXPECT_TRUE(networkMatches(nets[1], "cafe", kOther, WifiSecurity::Open));
	EXPECT_FALSE(networkMatches(nets[1], "cafe", kOther, WifiSecurity::Personal));
	EXPECT_FALSE(networkMatches(nets[2], "off", kOther, WifiSecurity::Open));
}

TEST(WifiNetworks, BadFilesAreRefusedWithTheirLine)
{
	EXPECT_EQ(errorOf("network={\nssid=\"a\"\nkey_mgmt=NONE\n"), "nets.conf:1: network={ never closed");
	EXPECT_EQ(errorOf("network={\nnetwork={\n"), "nets.conf:2: network={ inside the block opened on line 1");
	EXPECT_EQ(errorOf("}\n"), "nets.conf:1: } without a network={");
	EXPECT_EQ(errorOf("network={\nkey_mgmt=NONE\n}\n"), "nets.conf:1: network without an ssid");
	EXPECT_EQ(errorOf("network={\nssid\n}\n"), "nets.conf:2: expected name=value, got \"ssid\"");
	EXPECT_EQ(errorOf("network={\nssid=\"a\nkey_mgmt=NONE\n}\n"), "nets.conf:2: ssid: unterminated quoted string");
	EXPECT_EQ(errorOf("network={\nssid=\"a\"\nssid=\"b\"\n}\n"), "nets.conf:3: ssid given twice in one network");
	EXPECT_EQ(errorOf("network={\nssid=6g\nkey_mgmt=NONE\n}\n"),
		  "nets.conf:1: ssid: \"6g\" is neither a quoted string, P\"...\" nor hex");
	EXPECT_EQ(errorOf("network={\nssid=\"" + std::string(33, 'x') + "\"\nkey_mgmt=NONE\n}\n"),
		  "nets.conf:1: ssid: 33 bytes, expected 1 to 32");
	EXPECT_EQ(errorOf("network={\nssid=P\"a\\q\"\nkey_mgmt=NONE\n}\n"), "nets.conf:1: ssid: unknown escape \\q");
	EXPECT_EQ(errorOf("network={\nssid=P\"a\\x4\"\nkey_mgmt=NONE\n}\n"),
		  "nets.conf:1: ssid: \\x needs two hex digits");
	EXPECT_EQ(errorOf("network={\nssid=\"a\"\npsk=\"short\"\n}\n"),
		  "nets.conf:3: psk: a passphrase of 5 characters, expected 8 to 63");
	EXPECT_EQ(errorOf("network={\nssid=\"a\"\npsk=0123\n}\n"),
		  "nets.conf:3: psk: expected a quoted passphrase or 64 hex digits");
	EXPECT_EQ(errorOf("network={\nssid=\"a\"\nkey_mgmt=WPA-PSK\n}\n"),
		  "nets.conf:1: key_mgmt WPA-PSK needs a psk or sae_password");
	EXPECT_EQ(errorOf("network={\nssid=\"a\"\nkey_mgmt=WPA-FOO\n}\n"),
		  "nets.conf:1: key_mgmt: unknown value \"WPA-FOO\"");
	EXPECT_EQ(errorOf("network={\nssid=\"a\"\nkey_mgmt=NONE\nmode=2\n}\n"),
		  "nets.conf:1: mode=2: only station networks (mode=0) can be joined");
	EXPECT_EQ(errorOf("network={\nssid=\"a\"\nbssid=02:00:00:00:01\n}\n"),
		  "nets.conf:3: bssid: \"02:00:00:00:01\" is not a MAC address");
	EXPECT_EQ(errorOf("network={\nssid=\"a\"\ndisabled=2\n}\n"), "nets.conf:3: disabled: expected 0 or 1");
	EXPECT_EQ(errorOf("network={\nss-id=\"a\"\n}\n"), "nets.conf:2: \"ss-id\" is not a field name");
	// a valid 64-digit hex psk and an empty file are fine
	EXPECT_EQ(errorOf("network={\nssid=\"a\"\npsk=" + std::string(64, 'a') + "\n}\n"), "(no error)");
	EXPECT_EQ(errorOf(""), "(no error)");
}

} // namespace
} // namespace mpwifi::daemon
