// SPDX-License-Identifier: GPL-2.0
// What a wireless radio (a wiphy) lets the AP manager do: how many station
// interfaces it can run at once and on how many different channels, from
// the interface combinations its driver gives nl80211.  Parsing and
// arithmetic only, no I/O.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

struct nlmsghdr;

namespace mpwifi::daemon {

// At most @max interfaces of the types in @types (bit NL80211_IFTYPE_x).
struct IfaceLimit {
	std::uint32_t max = 0;
	std::uint32_t types = 0;
};

// One set of interfaces the radio can run at once.  cfg80211 accepts a set
// when some combination holds it: at most @maxInterfaces in all, on at most
// @channels different channels, and every limit naming a type holds all
// interfaces of that type.
struct IfaceCombination {
	std::vector<IfaceLimit> limits;
	std::uint32_t maxInterfaces = 0;
	std::uint32_t channels = 0;
};

struct Radio {
	std::uint32_t wiphy = 0;
	std::string name;             // "phy0"
	std::uint32_t ifaceTypes = 0; // the types it supports (bit NL80211_IFTYPE_x)
	// Empty: one interface at a time (cfg80211 implies that combination).
	std::vector<IfaceCombination> combinations;
};

// How many station interfaces a combination allows (0 when none).
[[nodiscard]] std::uint32_t stationsAllowed(const IfaceCombination &combination);

// Whether @radio can run @stations station interfaces on @channels
// different channels, with no other interface on it.
[[nodiscard]] bool allowsStations(const Radio &radio, std::uint32_t stations, std::uint32_t channels);

// The most station interfaces @radio can run at once, and the most
// different channels any of its combinations lets station interfaces use
// (such a combination may allow fewer stations: ask allowsStations()).
struct StationCapacity {
	std::uint32_t stations = 0;
	std::uint32_t channels = 0;

	bool operator==(const StationCapacity &) const = default;
};
[[nodiscard]] StationCapacity stationCapacity(const Radio &radio);

// Merges one reply of a NL80211_CMD_GET_WIPHY dump into @radios.  A split
// dump (NL80211_ATTR_SPLIT_WIPHY_DUMP, which every kernel since 3.10 needs
// to report combinations) spreads a wiphy over several replies.  Throws
// netlink::ParseError.
void mergeWiphy(std::vector<Radio> &radios, const nlmsghdr &msg);

} // namespace mpwifi::daemon
