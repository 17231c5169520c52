// SPDX-License-Identifier: GPL-2.0
#include "daemon/classify.h"

#include <net/if_arp.h>

#include <string>

namespace mpwifi::daemon {

namespace {

// Not every libc has it yet: a raw IP device (wwan, qmi_wwan in raw mode).
constexpr std::uint16_t kArphrdRawIp = 519;

bool isVpnKind(std::string_view kind)
{
	return kind == "tun" || kind == "wireguard" || kind == "xfrm" || kind == "vti" || kind == "vti6" ||
	       kind == "ipsec";
}

// Kinds whose frames are ethernet frames on a wire (or a host-internal one).
bool isWiredKind(std::string_view kind)
{
	return kind.empty() || kind == "veth" || kind == "bridge" || kind == "bond" || kind == "team" ||
	       kind == "vlan" || kind == "macvlan" || kind == "macvtap" || kind == "ipvlan";
}

const OverrideRule *findRule(std::span<const OverrideRule> rules, OverrideRule::Key key, std::string_view value)
{
	for (const OverrideRule &r : rules)
		if (r.key == key && r.value == value)
			return &r;
	return nullptr;
}

Classification overridden(const OverrideRule &rule)
{
	return {rule.level, "override " + formatOverride(rule)};
}

Classification wifiLevel(const WifiFacts &wifi, const ClassifyPolicy &policy)
{
	const std::string via = wifi.source.empty() ? "" : " (" + wifi.source + ")";
	if (!wifi.associated)
		return {TrustLevel::Untrusted, "WiFi, not associated" + via};
	const std::string network = "WiFi \"" + wifi.ssid + "\"" + (wifi.bssid ? " " + formatMac(*wifi.bssid) : "");
	switch (wifi.security) {
	case WifiSecurity::Enterprise:
		return {TrustLevel::Trusted, network + ", WPA2/WPA3-Enterprise" + via};
	case WifiSecurity::Personal:
		if (policy.personalTrusted)
			return {TrustLevel::Trusted, network + ", WPA2/WPA3-Personal, personal-trusted" + via};
		return {TrustLevel::Untrusted, network + ", WPA2/WPA3-Personal (shared key)" + via};
	case WifiSecurity::Open: return {TrustLevel::Untrusted, network + ", open" + via};
	case WifiSecurity::Wep: return {TrustLevel::Untrusted, network + ", WEP" + via};
	case WifiSecurity::Owe:
		return {TrustLevel::Untrusted, network + ", OWE (encrypted, unauthenticated)" + via};
	case WifiSecurity::Unknown: break;
	}
	return {TrustLevel::Untrusted, network + ", unknown key management" + via};
}

Classification stacked(std::uint32_t ifindex, const StackedLinkLookup &link, int depth)
{
	const std::optional<StackedLink> node = link(ifindex);
	if (!node)
		return {TrustLevel::Untrusted, "ifindex " + std::to_string(ifindex) + ", not in this namespace"};
	const Classification &own = node->own;
	if (own.level == TrustLevel::Untrusted)
		return own;
	if (node->lowerElsewhere)
		return {TrustLevel::Untrusted, own.reason + ", over a device in another namespace"};
	if (!node->lowers.empty() && depth >= kMaxStackDepth)
		return {TrustLevel::Untrusted, own.reason + ", stacked deeper than " + std::to_string(kMaxStackDepth)};
	for (std::uint32_t lower : node->lowers) {
		const Classification under = stacked(lower, link, depth + 1);
		if (under.level < own.level) {
			const std::optional<StackedLink> named = link(lower);
			const std::string name = named ? named->ifname : "ifindex " + std::to_string(lower);
			const std::string why = named ? under.reason : "not in this namespace";
			return {under.level, own.reason + ", over " + name + ": " + why};
		}
	}
	return own;
}

} // namespace

LinkType linkTypeOf(const LinkIdentity &id)
{
	if (id.arphrd == ARPHRD_LOOPBACK)
		return LinkType::Loopback;
	if (id.wireless || id.devtype == "wlan")
		return LinkType::Wifi;
	if (id.devtype == "wwan" || id.kind == "wwan" || id.arphrd == kArphrdRawIp)
		return LinkType::Wwan;
	if (isVpnKind(id.kind))
		return LinkType::Vpn;
	if (id.kind == "dummy")
		return LinkType::Dummy;
	if (id.arphrd == ARPHRD_ETHER && isWiredKind(id.kind))
		return LinkType::Ethernet;
	return LinkType::Other;
}

std::string_view linkTypeName(LinkType type)
{
	switch (type) {
	case LinkType::Loopback: return "loopback";
	case LinkType::Ethernet: return "wired ethernet";
	case LinkType::Dummy: return "dummy";
	case LinkType::Vpn: return "VPN";
	case LinkType::Wwan: return "cellular";
	case LinkType::Wifi: return "WiFi";
	case LinkType::Other: break;
	}
	return "other";
}

Classification classify(const LinkFacts &facts, const ClassifyPolicy &policy)
{
	using Key = OverrideRule::Key;
	if (const OverrideRule *r = findRule(policy.overrides, Key::Iface, facts.ifname))
		return overridden(*r);
	if (facts.wifi && facts.wifi->associated) {
		if (facts.wifi->bssid)
			if (const OverrideRule *r = findRule(policy.overrides, Key::Bssid, formatMac(*facts.wifi->bssid)))
				return overridden(*r);
		if (const OverrideRule *r = findRule(policy.overrides, Key::Ssid, facts.wifi->ssid))
			return overridden(*r);
	}

	const std::string kind = facts.kind.empty() ? "" : " (" + facts.kind + ")";
	switch (facts.type) {
	case LinkType::Loopback: return {TrustLevel::Trusted, "loopback: traffic stays in the host"};
	case LinkType::Dummy: return {TrustLevel::Trusted, "dummy: traffic stays in the host"};
	case LinkType::Ethernet: return {TrustLevel::Trusted, "wired ethernet" + kind};
	case LinkType::Vpn: return {TrustLevel::Trusted, "VPN" + kind};
	case LinkType::Wwan: return {TrustLevel::Trusted, "cellular" + kind};
	case LinkType::Wifi:
		return facts.wifi ? wifiLevel(*facts.wifi, policy)
				  : Classification{TrustLevel::Untrusted, "WiFi, association unknown"};
	case LinkType::Other: break;
	}
	return {TrustLevel::Untrusted, "unknown link type" + kind};
}

Classification classifyStacked(std::uint32_t ifindex, const StackedLinkLookup &link)
{
	return stacked(ifindex, link, 0);
}

} // namespace mpwifi::daemon
