// SPDX-License-Identifier: GPL-2.0
// From what is known about an interface to its trust level and a reason a
// person can read in the log.  Pure: the daemon gathers the facts.
//
// Automatic levels:
//   wired ethernet, veth (its peer is another namespace here)    trusted
//   VPN: tun/tap, wireguard, xfrm, vti/vti6, ipsec               trusted
//   cellular (wwan)                                              trusted
//   loopback, dummy: traffic never leaves the host               trusted
//   WiFi, WPA2/WPA3-Enterprise (802.1X AKMs)                     trusted
//   WiFi, WPA2/WPA3-Personal (PSK, SAE)                          untrusted (trusted with personal-trusted)
//   WiFi, open, WEP, OWE, unknown, or not associated             untrusted
//   anything else (unencrypted tunnels, ppp, can, ...)           untrusted
// Overrides win over all of these: a rule for the interface's name first,
// then one for the associated BSSID, then one for the SSID (the most
// specific thing the user can name wins).
//
// A device built on others (bond, team, bridge: its ports; VLAN, macvlan,
// ipvlan: its parent) is then capped by the least trusted of them,
// recursively: its packets leave through any of them (classifyStacked).
// An override names the device's own level; what is under it still caps it,
// as it does in the module.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "daemon/options.h"
#include "daemon/wifi.h"
#include "mpwifi/types.h"

namespace mpwifi::daemon {

enum class LinkType { Loopback, Ethernet, Dummy, Vpn, Wwan, Wifi, Other };

// What rtnetlink and sysfs tell about a link.
struct LinkIdentity {
	std::uint16_t arphrd = 0;   // ifinfomsg.ifi_type (ARPHRD_*)
	std::string kind;           // IFLA_INFO_KIND ("veth", "wireguard", ...), empty for none
	std::string devtype;        // DEVTYPE= of /sys/class/net/NAME/uevent ("wlan", "wwan", ...)
	bool wireless = false;      // a cfg80211 interface (/sys/class/net/NAME/phy80211)
};

[[nodiscard]] LinkType linkTypeOf(const LinkIdentity &id);
// "loopback", "wired ethernet", "dummy", "VPN", "cellular", "WiFi", "other".
[[nodiscard]] std::string_view linkTypeName(LinkType type);

// A WiFi interface's association.
struct WifiFacts {
	bool associated = false;
	WifiSecurity security = WifiSecurity::Unknown;
	std::string ssid;
	std::optional<MacAddr> bssid;
	std::string source; // where the facts come from, for the reason: "wpa_supplicant", "nl80211"
};

struct LinkFacts {
	std::string ifname;
	LinkType type = LinkType::Other;
	std::string kind;              // for the reason: "veth", "wireguard"...
	std::optional<WifiFacts> wifi; // WiFi interfaces
};

struct ClassifyPolicy {
	bool personalTrusted = false;
	std::span<const OverrideRule> overrides;
};

struct Classification {
	TrustLevel level = TrustLevel::Untrusted;
	std::string reason;

	friend bool operator==(const Classification &, const Classification &) = default;
};

[[nodiscard]] Classification classify(const LinkFacts &facts, const ClassifyPolicy &policy);

// A link of a stack of devices, for classifyStacked().
struct StackedLink {
	std::string ifname;
	Classification own;                // classify() of the link by itself
	std::vector<std::uint32_t> lowers; // the devices its packets leave through, by ifindex
	bool lowerElsewhere = false;       // one of them is in another namespace: not visible here
};

// Looks a link up by ifindex; nullopt for one not in this namespace.
using StackedLinkLookup = std::function<std::optional<StackedLink>(std::uint32_t)>;

// The nesting limit of the kernel (MAX_NEST_DEV): deeper is untrusted.
inline constexpr int kMaxStackDepth = 8;

// The level of link @ifindex: its own, capped by the level of every device
// under it, recursively.  A device under it that cannot be seen is untrusted.
// Untrusted for an @ifindex @link does not know.
[[nodiscard]] Classification classifyStacked(std::uint32_t ifindex, const StackedLinkLookup &link);

} // namespace mpwifi::daemon
