// SPDX-License-Identifier: GPL-2.0
// WiFi security from information elements and from wpa_supplicant.
#include <gtest/gtest.h>

#include <filesystem>

#include <cstdint>
#include <string>
#include <system_error>
#include <vector>

#include "daemon/sysfs.h"
#include "daemon/wifi.h"

namespace mpwifi::daemon {
namespace {

using Bytes = std::vector<std::uint8_t>;

constexpr AkmSuite akm(std::uint8_t type)
{
	return 0x000FAC00u | type;
}

// An RSN element body: version 1, group CCMP, one pairwise CCMP, @akms,
// capabilities 0.
Bytes rsnBody(const std::vector<std::uint8_t> &akms)
{
	Bytes b{0x01, 0x00, 0x00, 0x0F, 0xAC, 0x04, 0x01, 0x00, 0x00, 0x0F, 0xAC, 0x04};
	b.push_back(static_cast<std::uint8_t>(akms.size()));
	b.push_back(0);
	for (std::uint8_t type : akms)
		b.insert(b.end(), {0x00, 0x0F, 0xAC, type});
	b.insert(b.end(), {0x00, 0x00});
	return b;
}

Bytes element(std::uint8_t id, const Bytes &body)
{
	Bytes e{id, static_cast<std::uint8_t>(body.size())};
	e.insert(e.end(), body.begin(), body.end());
	return e;
}

Bytes ssidElement(const std::string &ssid)
{
	return element(0, Bytes(ssid.begin(), ssid.end()));
}

Bytes concat(std::initializer_list<Bytes> parts)
{
	Bytes out;
	for (const Bytes &p : parts)
		out.insert(out.end(), p.begin(), p.end());
	return out;
}

std::string ieErrorOf(const Bytes &ies, bool privacy = false)
{
	try {
		(void)securityOfBss(ies, privacy);
	} catch (const IeError &e) {
		return e.what();
	}
	return "";
}

TEST(Rsn, ParsesAkmSuites)
{
	EXPECT_EQ(parseRsnAkms(rsnBody({2})), (std::vector<AkmSuite>{akm(2)}));
	EXPECT_EQ(parseRsnAkms(rsnBody({1, 5, 3})), (std::vector<AkmSuite>{akm(1), akm(5), akm(3)}));
	// Without the capabilities field, as old APs send it.
	Bytes noCaps = rsnBody({8});
	noCaps.erase(noCaps.end() - 2, noCaps.end());
	EXPECT_EQ(parseRsnAkms(noCaps), (std::vector<AkmSuite>{akm(8)}));
}

TEST(Rsn, EveryAkmOfTheTable)
{
	struct Case {
		std::uint8_t type;
		WifiSecurity security;
	};
	const Case cases[] = {
		{1, WifiSecurity::Enterprise},  {3, WifiSecurity::Enterprise}, {5, WifiSecurity::Enterprise},
		{11, WifiSecurity::Enterprise}, {12, WifiSecurity::Enterprise}, {13, WifiSecurity::Enterprise},
		{2, WifiSecurity::Personal},    {4, WifiSecurity::Personal},   {6, WifiSecurity::Personal},
		{8, WifiSecurity::Personal},    {9, WifiSecurity::Personal},   {24, WifiSecurity::Personal},
		{18, WifiSecurity::Owe},        {7, WifiSecurity::Unknown},    {99, WifiSecurity::Unknown},
	};
	for (const Case &c : cases) {
		EXPECT_EQ(securityOfAkm(akm(c.type)), c.security) << int(c.type);
		EXPECT_EQ(securityOfBss(element(48, rsnBody({c.type})), true), c.security) << int(c.type);
	}
	EXPECT_EQ(securityOfAkm(0x506F9A02), WifiSecurity::Unknown); // WFA DPP
}

TEST(Rsn, MixedAkmsCountAsTheWeakest)
{
	EXPECT_EQ(securityOfBss(element(48, rsnBody({1, 2})), true), WifiSecurity::Personal);
	EXPECT_EQ(securityOfBss(element(48, rsnBody({2, 8})), true), WifiSecurity::Personal); // WPA3 transition
	EXPECT_EQ(securityOfBss(element(48, rsnBody({1, 5})), true), WifiSecurity::Enterprise);
	EXPECT_EQ(securityOfBss(element(48, rsnBody({1, 99})), true), WifiSecurity::Unknown);
	EXPECT_EQ(securityOfBss(element(48, rsnBody({})), true), WifiSecurity::Unknown);
}

TEST(Rsn, NoRsnMeansWpaWepOrOpen)
{
	const Bytes ssid = ssidElement("cafe");
	EXPECT_EQ(securityOfBss(ssid, false), WifiSecurity::Open);
	EXPECT_EQ(securityOfBss(ssid, true), WifiSecurity::Wep);
	EXPECT_EQ(securityOfBss({}, false), WifiSecurity::Open);
	// WPA version 1: vendor element 00-50-F2:1 with 00-50-F2 suites.
	const Bytes wpa{0x00, 0x50, 0xF2, 0x01, 0x01, 0x00, 0x00, 0x50, 0xF2, 0x02, 0x01, 0x00,
			0x00, 0x50, 0xF2, 0x02, 0x01, 0x00, 0x00, 0x50, 0xF2, 0x02};
	EXPECT_EQ(securityOfBss(concat({ssid, element(221, wpa)}), true), WifiSecurity::Personal);
	// Another vendor element is not WPA.
	EXPECT_EQ(securityOfBss(concat({ssid, element(221, {0x00, 0x50, 0xF2, 0x02, 0x01})}), false),
		  WifiSecurity::Open);
	// RSN wins over WPA.
	EXPECT_EQ(securityOfBss(concat({element(221, wpa), element(48, rsnBody({1}))}), true),
		  WifiSecurity::Enterprise);
}

TEST(Rsn, TruncatedAndGarbageElements)
{
	const Bytes full = rsnBody({1});
	// Every truncation of the body is an error, never a default.
	for (std::size_t len = 0; len + 2 < full.size(); len++) {
		const Bytes cut(full.begin(), full.begin() + static_cast<std::ptrdiff_t>(len));
		EXPECT_NE(ieErrorOf(element(48, cut)), "") << len;
	}
	EXPECT_EQ(ieErrorOf(element(48, {0x01, 0x00})), "RSN element without AKM suites");
	EXPECT_EQ(ieErrorOf(element(48, {0x02, 0x00, 0x00, 0x0F, 0xAC, 0x04})), "RSN element version 2, expected 1");
	EXPECT_EQ(ieErrorOf(element(48, {0x01})), "RSN element truncated in its version");
	// A list that claims more suites than there are bytes.
	Bytes liar = rsnBody({1});
	liar[12] = 200;
	EXPECT_EQ(ieErrorOf(element(48, liar)), "RSN element truncated in its AKM suite list");
	// An element list that ends inside an element.
	EXPECT_EQ(ieErrorOf({0, 10, 'a', 'b'}), "information element 0 truncated (10 bytes announced, 2 present)");
	EXPECT_EQ(ieErrorOf({0, 0, 48}), "information elements truncated (1 byte left)");
	// Random bytes: an error or an answer, never a crash.
	std::uint32_t seed = 12345;
	for (int i = 0; i < 2000; i++) {
		Bytes junk(seed % 64);
		for (auto &b : junk) {
			seed = seed * 1103515245 + 12345;
			b = static_cast<std::uint8_t>(seed >> 16);
		}
		if (!junk.empty() && i % 2)
			junk[0] = 48;
		(void)ieErrorOf(junk);
	}
}

TEST(Rsn, SsidOfTheElements)
{
	EXPECT_EQ(ssidOf(concat({ssidElement("mpwifi-ap1"), element(48, rsnBody({2}))})), "mpwifi-ap1");
	EXPECT_EQ(ssidOf(element(48, rsnBody({2}))), std::nullopt);
	EXPECT_THROW((void)ssidOf(Bytes{0, 5, 'x'}), IeError);
}

TEST(KeyMgmt, WpaSupplicantNames)
{
	struct Case {
		const char *keyMgmt;
		const char *cipher;
		WifiSecurity security;
	};
	const Case cases[] = {
		{"WPA2/IEEE 802.1X/EAP", "CCMP", WifiSecurity::Enterprise},
		{"WPA/IEEE 802.1X/EAP", "TKIP", WifiSecurity::Enterprise},
		{"WPA2+WPA/IEEE 802.1X/EAP", "CCMP", WifiSecurity::Enterprise},
		{"WPA2-EAP-SHA256", "CCMP", WifiSecurity::Enterprise},
		{"WPA2-EAP-SUITE-B", "GCMP", WifiSecurity::Enterprise},
		{"WPA2-EAP-SUITE-B-192", "GCMP-256", WifiSecurity::Enterprise},
		{"FT-EAP", "CCMP", WifiSecurity::Enterprise},
		{"FT-EAP-SHA384", "CCMP", WifiSecurity::Enterprise},
		{"FILS-SHA256", "CCMP", WifiSecurity::Enterprise},
		{"WPA2-PSK", "CCMP", WifiSecurity::Personal},
		{"WPA-PSK", "TKIP", WifiSecurity::Personal},
		{"WPA2-PSK+WPA-PSK", "CCMP", WifiSecurity::Personal},
		{"WPA2-PSK-SHA256", "CCMP", WifiSecurity::Personal},
		{"FT-PSK", "CCMP", WifiSecurity::Personal},
		{"SAE", "CCMP", WifiSecurity::Personal},
		{"FT-SAE", "CCMP", WifiSecurity::Personal},
		{"SAE-EXT-KEY", "GCMP-256", WifiSecurity::Personal},
		{"NONE", "NONE", WifiSecurity::Open},
		{"NONE", "WEP-104", WifiSecurity::Wep},
		{"NONE", "WEP-40", WifiSecurity::Wep},
		{"IEEE 802.1X (no WPA)", "WEP-104", WifiSecurity::Wep},
		{"OWE", "CCMP", WifiSecurity::Owe},
		{"WPS", "NONE", WifiSecurity::Unknown},
		{"DPP", "CCMP", WifiSecurity::Unknown},
		{"UNKNOWN", "", WifiSecurity::Unknown},
		{"", "", WifiSecurity::Unknown},
	};
	for (const Case &c : cases)
		EXPECT_EQ(securityOfKeyMgmt(c.keyMgmt, c.cipher), c.security) << c.keyMgmt << " " << c.cipher;
}

TEST(WpaStatus, ParsesTheAnswer)
{
	const WpaStatus s = parseWpaStatus("bssid=02:00:00:00:01:00\n"
					   "freq=2412\n"
					   "ssid=mpwifi-ap1\n"
					   "id=0\n"
					   "mode=station\n"
					   "pairwise_cipher=CCMP\n"
					   "group_cipher=CCMP\n"
					   "key_mgmt=WPA2-PSK\n"
					   "wpa_state=COMPLETED\n"
					   "ip_address=10.0.1.11\n"
					   "address=02:00:00:00:02:00\n");
	EXPECT_TRUE(s.completed());
	EXPECT_EQ(s.keyMgmt, "WPA2-PSK");
	EXPECT_EQ(s.pairwiseCipher, "CCMP");
	EXPECT_EQ(s.ssid, "mpwifi-ap1");
	EXPECT_EQ(s.bssid, (MacAddr{0x02, 0, 0, 0, 0x01, 0}));
}

TEST(WpaStatus, NotAssociatedAndOddInput)
{
	const WpaStatus scanning = parseWpaStatus("wpa_state=SCANNING\naddress=02:00:00:00:02:00\nuuid=x\n");
	EXPECT_FALSE(scanning.completed());
	EXPECT_FALSE(scanning.bssid);
	EXPECT_EQ(scanning.keyMgmt, "");
	// An SSID with "=" in it, no final newline, a line without "=".
	const WpaStatus odd = parseWpaStatus("garbage\nssid=a=b\nwpa_state=COMPLETED");
	EXPECT_EQ(odd.ssid, "a=b");
	EXPECT_TRUE(odd.completed());

	EXPECT_THROW((void)parseWpaStatus(""), std::invalid_argument);
	EXPECT_THROW((void)parseWpaStatus("FAIL\n"), std::invalid_argument);
	EXPECT_THROW((void)parseWpaStatus("wpa_state=COMPLETED\nbssid=02:00:00\n"), std::invalid_argument);
}

TEST(Mac, Parse)
{
	EXPECT_EQ(parseMac("AA:bb:0c:00:01:ff"), (MacAddr{0xaa, 0xbb, 0x0c, 0x00, 0x01, 0xff}));
	EXPECT_FALSE(parseMac("aa:bb:cc:dd:ee"));
	EXPECT_FALSE(parseMac("aa-bb-cc-dd-ee-ff"));
	EXPECT_FALSE(parseMac("aa:bb:cc:dd:ee:gg"));
}

TEST(Sysfs, DevtypeOfUevent)
{
	EXPECT_EQ(devtypeFromUevent("DEVTYPE=wlan\nINTERFACE=wlan0\nIFINDEX=3\n"), "wlan");
	EXPECT_EQ(devtypeFromUevent("INTERFACE=wwan0\nIFINDEX=5\nDEVTYPE=wwan"), "wwan");
	EXPECT_EQ(devtypeFromUevent("INTERFACE=eth0\nIFINDEX=2\n"), "");
	EXPECT_EQ(devtypeFromUevent(""), "");
}

TEST(Sysfs, TheDeviceThatHasTheNameNow)
{
	// lo is ifindex 1 in every namespace; a name no device has reads as none
	EXPECT_EQ(readSysfs("lo").ifindex, 1u);
	EXPECT_FALSE(readSysfs("lo").wireless);
	const SysfsFacts gone = readSysfs("mpwifi-gone0");
	EXPECT_EQ(gone.ifindex, 0u);
	EXPECT_FALSE(gone.wireless);
}

TEST(Sysfs, AStationsSettingsFailNamingTheFile)
{
	// a device that is gone: the error names the first file, nothing is written elsewhere
	try {
		setStationIpv4Conf("mpwifi-gone0");
		FAIL() << "no error for a device that does not exist";
	} catch (const std::system_error &e) {
		EXPECT_EQ(e.code().value(), ENOENT);
		EXPECT_NE(std::string(e.what()).find("/proc/sys/net/ipv4/conf/mpwifi-gone0/arp_ignore"), std::string::npos)
			<< e.what();
	}
}

TEST(Sysfs, AStationsIpv6SettingFailsNamingTheFile)
{
	if (!std::filesystem::exists("/proc/sys/net/ipv6"))
		GTEST_SKIP() << "no IPv6 in this kernel";
	try {
		(void)setStationIpv6Conf("mpwifi-gone0");
		FAIL() << "no error for a device that does not exist";
	} catch (const std::system_error &e) {
		EXPECT_EQ(e.code().value(), ENOENT);
		EXPECT_NE(std::string(e.what()).find("/proc/sys/net/ipv6/conf/mpwifi-gone0/accept_ra"), std::string::npos)
			<< e.what();
	}
}

} // namespace
} // namespace mpwifi::daemon
