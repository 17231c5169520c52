// SPDX-License-Identifier: GPL-2.0
// The daemon's classification: link types, automatic levels, overrides.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include <net/if_arp.h>

#include "daemon/classify.h"

namespace mpwifi::daemon {
namespace {

constexpr MacAddr kBssid{0x02, 0x00, 0x00, 0x00, 0x01, 0x00};

TEST(LinkType, FromRtnetlinkAndSysfs)
{
	struct Case {
		LinkIdentity id;
		LinkType type;
	};
	const Case cases[] = {
		{{ARPHRD_LOOPBACK, "", "", false}, LinkType::Loopback},
		{{ARPHRD_ETHER, "", "", false}, LinkType::Ethernet},
		{{ARPHRD_ETHER, "veth", "", false}, LinkType::Ethernet},
		{{ARPHRD_ETHER, "bridge", "bridge", false}, LinkType::Ethernet},
		{{ARPHRD_ETHER, "vlan", "vlan", false}, LinkType::Ethernet},
		{{ARPHRD_ETHER, "bond", "bond", false}, LinkType::Ethernet},
		{{ARPHRD_ETHER, "dummy", "", false}, LinkType::Dummy},
		{{ARPHRD_NONE, "tun", "", false}, LinkType::Vpn},
		{{ARPHRD_ETHER, "tun", "", false}, LinkType::Vpn}, // tap
		{{ARPHRD_NONE, "wireguard", "", false}, LinkType::Vpn},
		{{ARPHRD_NONE, "xfrm", "", false}, LinkType::Vpn},
		{{ARPHRD_TUNNEL, "vti", "", false}, LinkType::Vpn},
		{{ARPHRD_TUNNEL6, "vti6", "", false}, LinkType::Vpn},
		{{ARPHRD_ETHER, "", "wwan", false}, LinkType::Wwan},
		{{519, "", "", false}, LinkType::Wwan}, // ARPHRD_RAWIP
		{{ARPHRD_NONE, "wwan", "", false}, LinkType::Wwan},
		{{ARPHRD_ETHER, "", "wlan", true}, LinkType::Wifi},
		{{ARPHRD_ETHER, "", "", true}, LinkType::Wifi},
		{{ARPHRD_ETHER, "", "wlan", false}, LinkType::Wifi},
		{{ARPHRD_TUNNEL, "ipip", "", false}, LinkType::Other},
		{{ARPHRD_IPGRE, "gre", "", false}, LinkType::Other},
		{{ARPHRD_SIT, "sit", "", false}, LinkType::Other},
		{{ARPHRD_PPP, "", "", false}, LinkType::Other},
		{{ARPHRD_ETHER, "vxlan", "", false}, LinkType::Other},
	};
	for (const Case &c : cases)
		EXPECT_EQ(linkTypeOf(c.id), c.type) << c.id.arphrd << " " << c.id.kind << " " << c.id.devtype;
}

LinkFacts wired(const std::string &name, const std::string &kind = "")
{
	return {.ifname = name, .type = LinkType::Ethernet, .kind = kind, .wifi = {}};
}

LinkFacts wifi(WifiSecurity security, bool associated = true, const std::string &ssid = "net")
{
	return {.ifname = "wlan0",
		.type = LinkType::Wifi,
		.kind = "",
		.wifi = WifiFacts{associated, security, ssid, kBssid, "wpa_supplicant"}};
}

TEST(Classify, AutomaticLevels)
{
	const ClassifyPolicy plain{};
	struct Case {
		LinkFacts facts;
		TrustLevel level;
		const char *reason;
	};
	const Case cases[] = {
		{wired("eth0"), TrustLevel::Trusted, "wired ethernet"},
		{wired("veth0", "veth"), TrustLevel::Trusted, "wired ethernet (veth)"},
		{{.ifname = "tun0", .type = LinkType::Vpn, .kind = "tun"}, TrustLevel::Trusted, "VPN (tun)"},
		{{.ifname = "wg0", .type = LinkType::Vpn, .kind = "wireguard"}, TrustLevel::Trusted, "VPN (wireguard)"},
		{{.ifname = "wwan0", .type = LinkType::Wwan}, TrustLevel::Trusted, "cellular"},
		{{.ifname = "lo", .type = LinkType::Loopback}, TrustLevel::Trusted, "loopback: traffic stays in the host"},
		{{.ifname = "d0", .type = LinkType::Dummy, .kind = "dummy"}, TrustLevel::Trusted,
		 "dummy: traffic stays in the host"},
		{{.ifname = "gre1", .type = LinkType::Other, .kind = "gre"}, TrustLevel::Untrusted,
		 "unknown link type (gre)"},
		{wifi(WifiSecurity::Enterprise), TrustLevel::Trusted,
		 "WiFi \"net\" 02:00:00:00:01:00, WPA2/WPA3-Enterprise (wpa_supplicant)"},
		{wifi(WifiSecurity::Personal), TrustLevel::Untrusted,
		 "WiFi \"net\" 02:00:00:00:01:00, WPA2/WPA3-Personal (shared key) (wpa_supplicant)"},
		{wifi(WifiSecurity::Open), TrustLevel::Untrusted, "WiFi \"net\" 02:00:00:00:01:00, open (wpa_supplicant)"},
		{wifi(WifiSecurity::Wep), TrustLevel::Untrusted, "WiFi \"net\" 02:00:00:00:01:00, WEP (wpa_supplicant)"},
		{wifi(WifiSecurity::Owe), TrustLevel::Untrusted,
		 "WiFi \"net\" 02:00:00:00:01:00, OWE (encrypted, unauthenticated) (wpa_supplicant)"},
		{wifi(WifiSecurity::Unknown), TrustLevel::Untrusted,
		 "WiFi \"net\" 02:00:00:00:01:00, unknown key management (wpa_supplicant)"},
		{wifi(WifiSecurity::Enterprise, false), TrustLevel::Untrusted, "WiFi, not associated (wpa_supplicant)"},
		{{.ifname = "wlan1", .type = LinkType::Wifi}, TrustLevel::Untrusted, "WiFi, association unknown"},
	};
	for (const Case &c : cases) {
		const Classification got = classify(c.facts, plain);
		EXPECT_EQ(got.level, c.level) << c.facts.ifname << ": " << got.reason;
		EXPECT_EQ(got.reason, c.reason);
	}
}

TEST(Classify, PersonalTrustedOnlyChangesPersonal)
{
	const ClassifyPolicy personal{.personalTrusted = true};
	EXPECT_EQ(classify(wifi(WifiSecurity::Personal), personal).level, TrustLevel::Trusted);
	EXPECT_EQ(classify(wifi(WifiSecurity::Personal), personal).reason,
		  "WiFi \"net\" 02:00:00:00:01:00, WPA2/WPA3-Personal, personal-trusted (wpa_supplicant)");
	for (WifiSecurity s : {WifiSecurity::Open, WifiSecurity::Wep, WifiSecurity::Owe, WifiSecurity::Unknown})
		EXPECT_EQ(classify(wifi(s), personal).level, TrustLevel::Untrusted) << securityName(s);
	EXPECT_EQ(classify(wifi(WifiSecurity::Personal, false), personal).level, TrustLevel::Untrusted);
}

OverrideRule rule(OverrideRule::Key key, std::string value, TrustLevel level)
{
	return {key, std::move(value), level};
}

TEST(Classify, OverridesWin)
{
	using Key = OverrideRule::Key;
	const std::vector<OverrideRule> rules{rule(Key::Iface, "veth0", TrustLevel::Untrusted),
					      rule(Key::Ssid, "net", TrustLevel::Trusted)};
	const ClassifyPolicy policy{.overrides = rules};
	const Classification veth = classify(wired("veth0", "veth"), policy);
	EXPECT_EQ(veth.level, TrustLevel::Untrusted);
	EXPECT_EQ(veth.reason, "override iface:veth0=untrusted");
	EXPECT_EQ(classify(wired("veth1", "veth"), policy).level, TrustLevel::Trusted);

	const Classification open = classify(wifi(WifiSecurity::Open), policy);
	EXPECT_EQ(open.level, TrustLevel::Trusted);
	EXPECT_EQ(open.reason, "override ssid:net=trusted");
	// A network rule needs the association it names.
	EXPECT_EQ(classify(wifi(WifiSecurity::Open, false), policy).level, TrustLevel::Untrusted);
	EXPECT_EQ(classify(wifi(WifiSecurity::Open, true, "other"), policy).level, TrustLevel::Untrusted);
}

TEST(Classify, OverridePrecedenceIfaceThenBssidThenSsid)
{
	using Key = OverrideRule::Key;
	const OverrideRule ssid = rule(Key::Ssid, "net", TrustLevel::Trusted);
	const OverrideRule bssid = rule(Key::Bssid, "02:00:00:00:01:00", TrustLevel::Untrusted);
	const OverrideRule iface = rule(Key::Iface, "wlan0", TrustLevel::Trusted);

	// Listed in every order: the kind decides, not the position.
	const std::vector<OverrideRule> all{ssid, bssid, iface};
	EXPECT_EQ(classify(wifi(WifiSecurity::Open), {.overrides = all}).reason, "override iface:wlan0=trusted");
	const std::vector<OverrideRule> noIface{ssid, bssid};
	EXPECT_EQ(classify(wifi(WifiSecurity::Enterprise), {.overrides = noIface}).reason,
		  "override bssid:02:00:00:00:01:00=untrusted");
	const std::vector<OverrideRule> onlySsid{ssid};
	EXPECT_EQ(classify(wifi(WifiSecurity::Open), {.overrides = onlySsid}).reason, "override ssid:net=trusted");
	// An interface rule applies whether associated or not.
	EXPECT_EQ(classify(wifi(WifiSecurity::Open, false), {.overrides = all}).level, TrustLevel::Trusted);
}

} // namespace
} // namespace mpwifi::daemon
