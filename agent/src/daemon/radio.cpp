// SPDX-License-Identifier: GPL-2.0
#include "daemon/radio.h"

#include <algorithm>
#include <limits>

#include <linux/nl80211.h>

#include "netlink/attributes.h"
#include "netlink/error.h"

namespace mpwifi::daemon {

namespace {

using netlink::AttrKind;
using netlink::AttrRule;
using netlink::Attrs;
using netlink::kOptional;
using netlink::kRequired;

constexpr AttrRule kWiphyRules[] = {
	MPW_ATTR_RULE(NL80211_ATTR_WIPHY, AttrKind::U32, kRequired),
	MPW_ATTR_RULE(NL80211_ATTR_WIPHY_NAME, AttrKind::String, kOptional),
	MPW_ATTR_RULE(NL80211_ATTR_SUPPORTED_IFTYPES, AttrKind::Nested, kOptional),
	MPW_ATTR_RULE(NL80211_ATTR_INTERFACE_COMBINATIONS, AttrKind::Nested, kOptional),
};

constexpr AttrRule kCombinationRules[] = {
	MPW_ATTR_RULE(NL80211_IFACE_COMB_LIMITS, AttrKind::Nested, kRequired),
	MPW_ATTR_RULE(NL80211_IFACE_COMB_MAXNUM, AttrKind::U32, kRequired),
	MPW_ATTR_RULE(NL80211_IFACE_COMB_NUM_CHANNELS, AttrKind::U32, kRequired),
};

constexpr AttrRule kLimitRules[] = {
	MPW_ATTR_RULE(NL80211_IFACE_LIMIT_MAX, AttrKind::U32, kRequired),
	MPW_ATTR_RULE(NL80211_IFACE_LIMIT_TYPES, AttrKind::Nested, kRequired),
};

constexpr std::uint32_t kStation = 1u << NL80211_IFTYPE_STATION;

// A set of interface types; types this header does not know are dropped.
std::uint32_t typeBits(const Attrs &attrs, int type)
{
	std::uint32_t bits = 0;
	for (int t : attrs.nestedTypes(type))
		if (t >= 0 && t < 32)
			bits |= 1u << t;
	return bits;
}

IfaceCombination parseCombination(const Attrs &attrs)
{
	IfaceCombination c;
	c.maxInterfaces = attrs.u32(NL80211_IFACE_COMB_MAXNUM);
	c.channels = attrs.u32(NL80211_IFACE_COMB_NUM_CHANNELS);
	for (const Attrs &limit : attrs.nestedArray(NL80211_IFACE_COMB_LIMITS, kLimitRules))
		c.limits.push_back({limit.u32(NL80211_IFACE_LIMIT_MAX), typeBits(limit, NL80211_IFACE_LIMIT_TYPES)});
	return c;
}

} // namespace

std::uint32_t stationsAllowed(const IfaceCombination &combination)
{
	// cfg80211_iter_combinations() counts every station against each limit
	// naming the type, and refuses a type no limit names
	std::uint32_t allowed = std::numeric_limits<std::uint32_t>::max();
	bool named = false;
	for (const IfaceLimit &limit : combination.limits) {
		if (limit.types & kStation) {
			allowed = std::min(allowed, limit.max);
			named = true;
		}
	}
	return named ? std::min(allowed, combination.maxInterfaces) : 0;
}

bool allowsStations(const Radio &radio, std::uint32_t stations, std::uint32_t channels)
{
	if (stations == 0)
		return true;
	if (!(radio.ifaceTypes & kStation))
		return false;
	if (radio.combinations.empty())
		return stations == 1 && channels <= 1;
	return std::any_of(radio.combinations.begin(), radio.combinations.end(), [&](const IfaceCombination &c) {
		return stationsAllowed(c) >= stations && c.channels >= channels;
	});
}

StationCapacity stationCapacity(const Radio &radio)
{
	if (!(radio.ifaceTypes & kStation))
		return {};
	if (radio.combinations.empty())
		return {1, 1};
	StationCapacity capacity;
	for (const IfaceCombination &c : radio.combinations) {
		const std::uint32_t stations = stationsAllowed(c);
		capacity.stations = std::max(capacity.stations, stations);
		// n stations use at most n channels
		capacity.channels = std::max(capacity.channels, std::min(c.channels, stations));
	}
	return capacity;
}

void mergeWiphy(std::vector<Radio> &radios, const nlmsghdr &msg)
{
	const Attrs attrs = Attrs::ofGenl(msg, kWiphyRules, "nl80211 wiphy");
	const std::uint32_t wiphy = attrs.u32(NL80211_ATTR_WIPHY);
	auto it = std::find_if(radios.begin(), radios.end(), [&](const Radio &r) { return r.wiphy == wiphy; });
	if (it == radios.end()) {
		radios.push_back({.wiphy = wiphy});
		it = std::prev(radios.end());
	}
	if (attrs.has(NL80211_ATTR_WIPHY_NAME))
		it->name = attrs.string(NL80211_ATTR_WIPHY_NAME);
	if (attrs.has(NL80211_ATTR_SUPPORTED_IFTYPES))
		it->ifaceTypes = typeBits(attrs, NL80211_ATTR_SUPPORTED_IFTYPES);
	if (attrs.has(NL80211_ATTR_INTERFACE_COMBINATIONS)) {
		it->combinations.clear();
		for (const Attrs &c : attrs.nestedArray(NL80211_ATTR_INTERFACE_COMBINATIONS, kCombinationRules))
			it->combinations.push_back(parseCombination(c));
	}
}

} // namespace mpwifi::daemon
