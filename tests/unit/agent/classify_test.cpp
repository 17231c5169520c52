// SPDX-License-Identifier: GPL-2.0
// The daemon's classification: link types, automatic levels, overrides.
#include <gtest/gtest.h>

#include <map>
#include <optional>
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

// Links by ifindex for classifyStacked.
using Links = std::map<std::uint32_t, StackedLink>;

StackedLink node(std::string name, TrustLevel level, std::string reason, std::vector<std::uint32_t> lowers = {},
		 bool elsewhere = false)
{
	return {std::move(name), {level, std::move(reason)}, std::move(lowers), elsewhere};
}

StackedLinkLookup lookup(const Links &links)
{
	return [&links](std::uint32_t ifindex) -> std::optional<StackedLink> {
		const auto it = links.find(ifindex);
		return it == links.end() ? std::nullopt : std::optional(it->second);
	};
}

constexpr TrustLevel kT = TrustLevel::Trusted, kU = TrustLevel::Untrusted;

TEST(ClassifyStacked, TheLeastTrustedDeviceUnderALinkCapsIt)
{
	const Links links{
		{2, node("eth0", kT, "wired ethernet")},
		{3, node("wlan0", kU, "WiFi \"cafe\", open")},
		{4, node("eth1", kT, "wired ethernet")},
		{8, node("bond0", kT, "wired ethernet (bond)", {2, 3})},
		{9, node("bond1", kT, "wired ethernet (bond)", {2, 4})},
		{10, node("eth0.7", kT, "wired ethernet (vlan)", {2})},
		{11, node("mv0", kT, "wired ethernet (macvlan)", {10})},
		{12, node("br0", kT, "wired ethernet (bridge)", {8})},
		{13, node("ipvl0", kT, "wired ethernet (ipvlan)", {3})},
		{14, node("ipvl1", kT, "wired ethernet (ipvlan)", {77})},
		{15, node("mvx", kT, "wired ethernet (macvlan)", {}, true)},
		{16, node("bond2", kU, "override iface:bond2=untrusted", {2, 4})},
	};
	struct Case {
		std::uint32_t ifindex;
		TrustLevel level;
		std::string reason;
	};
	const Case cases[] = {
		{2, kT, "wired ethernet"},
		{8, kU, "wired ethernet (bond), over wlan0: WiFi \"cafe\", open"}, // ethernet + WiFi
		{9, kT, "wired ethernet (bond)"},
		{10, kT, "wired ethernet (vlan)"},
		{11, kT, "wired ethernet (macvlan)"}, // over a VLAN over ethernet
		{12, kU, "wired ethernet (bridge), over bond0: wired ethernet (bond), over wlan0: WiFi \"cafe\", open"},
		{13, kU, "wired ethernet (ipvlan), over wlan0: WiFi \"cafe\", open"},
		{14, kU, "wired ethernet (ipvlan), over ifindex 77: not in this namespace"}, // unknown underlay
		{15, kU, "wired ethernet (macvlan), over a device in another namespace"},
		{16, kU, "override iface:bond2=untrusted"}, // its own level stands
		{99, kU, "ifindex 99, not in this namespace"},
	};
	for (const Case &c : cases) {
		const Classification got = classifyStacked(c.ifindex, lookup(links));
		EXPECT_EQ(got.level, c.level) << c.ifindex << ": " << got.reason;
		EXPECT_EQ(got.reason, c.reason);
	}
}

TEST(ClassifyStacked, DeeperThanTheKernelNestsIsUntrusted)
{
	// link i over link i + 1; the last is ethernet
	const auto chain = [](std::uint32_t n) {
		Links links;
		for (std::uint32_t i = 1; i < n; ++i)
			links[i] = node("v" + std::to_string(i), kT, "wired ethernet (vlan)", {i + 1});
		links[n] = node("eth0", kT, "wired ethernet");
		return links;
	};
	const Links ok = chain(kMaxStackDepth + 1);
	EXPECT_EQ(classifyStacked(1, lookup(ok)).level, kT);
	const Links deep = chain(kMaxStackDepth + 2);
	EXPECT_EQ(classifyStacked(1, lookup(deep)).level, kU);
	// a loop (which the kernel never builds) ends at the limit too
	const Links loop{{1, node("a", kT, "wired ethernet (bond)", {2})}, {2, node("b", kT, "wired ethernet (bond)", {1})}};
	EXPECT_EQ(classifyStacked(1, lookup(loop)).level, kU);
}

} // namespace
} // namespace mpwifi::daemon
