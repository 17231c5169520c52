// SPDX-License-Identifier: GPL-2.0
#include "mpwifi/messages.h"

#include <algorithm>

#include <net/if.h>
#include <netlink/attr.h>
#include <netlink/errno.h>

#include "netlink/attributes.h"
#include "netlink/error.h"

namespace mpwifi {

using netlink::AttrKind;
using netlink::AttrRule;
using netlink::Attrs;
using netlink::kOptional;
using netlink::kRequired;

namespace {

#define RULE(type, ...) AttrRule{type, #type, __VA_ARGS__}

// Top level of AP_GET replies and events.
constexpr AttrRule kApMessageRules[] = {
	RULE(MPWIFI_ATTR_AP, AttrKind::Nested, kRequired),
};

constexpr AttrRule kConfigMessageRules[] = {
	RULE(MPWIFI_ATTR_CONFIG, AttrKind::Nested, kRequired),
};

constexpr std::size_t kMacLen = std::tuple_size_v<MacAddr>;

// What identifies a tracked AP: all an event carries.
#define AP_IDENTITY_RULES                                                   \
	RULE(MPWIFI_AP_ATTR_IFINDEX, AttrKind::U32, kRequired),             \
	RULE(MPWIFI_AP_ATTR_IFNAME, AttrKind::String, kRequired, IFNAMSIZ), \
	RULE(MPWIFI_AP_ATTR_STA_ADDR, AttrKind::Binary, kRequired, kMacLen), \
	RULE(MPWIFI_AP_ATTR_BSSID, AttrKind::Binary, kRequired, kMacLen)

constexpr AttrRule kApIdentityRules[] = {AP_IDENTITY_RULES};

constexpr AttrRule kApRules[] = {
	AP_IDENTITY_RULES,
	RULE(MPWIFI_AP_ATTR_FIRST_TRY, AttrKind::U64, kRequired),
	RULE(MPWIFI_AP_ATTR_RETRIED, AttrKind::U64, kRequired),
	RULE(MPWIFI_AP_ATTR_LOST, AttrKind::U64, kRequired),
	RULE(MPWIFI_AP_ATTR_WIN_START_NS, AttrKind::U64, kRequired),
	RULE(MPWIFI_AP_ATTR_WIN_END_NS, AttrKind::U64, kRequired),
	RULE(MPWIFI_AP_ATTR_WIN_FIRST_TRY, AttrKind::U32, kRequired),
	RULE(MPWIFI_AP_ATTR_WIN_RETRIED, AttrKind::U32, kRequired),
	RULE(MPWIFI_AP_ATTR_WIN_LOST, AttrKind::U32, kRequired),
	RULE(MPWIFI_AP_ATTR_WIN_RATED, AttrKind::U32, kRequired),
	RULE(MPWIFI_AP_ATTR_DELIVERY_PPM, AttrKind::U32, kOptional),
	RULE(MPWIFI_AP_ATTR_BITRATE_KBPS, AttrKind::U32, kOptional),
	RULE(MPWIFI_AP_ATTR_PACKET_TIME_NS, AttrKind::U32, kOptional),
	RULE(MPWIFI_AP_ATTR_LAST_RX_NS, AttrKind::U64, kRequired),
	RULE(MPWIFI_AP_ATTR_PHY, AttrKind::U8, kRequired),
};

constexpr AttrRule kConfigRules[] = {
	RULE(MPWIFI_CONFIG_ATTR_WINDOW_MS, AttrKind::U32, kRequired),
	RULE(MPWIFI_CONFIG_ATTR_MAX_APS, AttrKind::U32, kRequired),
	RULE(MPWIFI_CONFIG_ATTR_AP_BYTES, AttrKind::U32, kRequired),
	RULE(MPWIFI_CONFIG_ATTR_RX_HOOK, AttrKind::U8, kRequired),
};

#undef AP_IDENTITY_RULES
#undef RULE

constexpr std::uint32_t kPpm = 1'000'000;

MacAddr macAt(const Attrs &attrs, int type)
{
	MacAddr mac;
	const auto bytes = attrs.binary(type);
	if (bytes.size() != mac.size()) // the rules make this a caller bug
		throw netlink::ParseError("MAC address of " + std::to_string(bytes.size()) + " bytes");
	std::copy(bytes.begin(), bytes.end(), mac.begin());
	return mac;
}

std::optional<std::uint32_t> optionalU32(const Attrs &attrs, int type)
{
	return attrs.has(type) ? std::optional(attrs.u32(type)) : std::nullopt;
}

// Fills the identity fields shared by ApStats and ApEvent.
template <typename T>
void parseIdentity(const Attrs &ap, T &out)
{
	out.ifindex = ap.u32(MPWIFI_AP_ATTR_IFINDEX);
	out.ifname = ap.string(MPWIFI_AP_ATTR_IFNAME);
	out.station = macAt(ap, MPWIFI_AP_ATTR_STA_ADDR);
	out.bssid = macAt(ap, MPWIFI_AP_ATTR_BSSID);
}

void check(int err, const char *what)
{
	if (err < 0)
		throw netlink::Error::fromNl(err, std::string("building request: ") + what);
}

netlink::MsgPtr withIfindex(netlink::MsgPtr msg, std::optional<std::uint32_t> ifindex)
{
	if (ifindex)
		check(nla_put_u32(msg.get(), MPWIFI_ATTR_IFINDEX, *ifindex), "MPWIFI_ATTR_IFINDEX");
	return msg;
}

} // namespace

ApStats parseApStats(const nlmsghdr &msg)
{
	const Attrs top = Attrs::ofGenl(msg, kApMessageRules, "AP_GET reply");
	const Attrs ap = top.nested(MPWIFI_ATTR_AP, kApRules);

	ApStats s;
	parseIdentity(ap, s);
	s.first_try = ap.u64(MPWIFI_AP_ATTR_FIRST_TRY);
	s.retried = ap.u64(MPWIFI_AP_ATTR_RETRIED);
	s.lost = ap.u64(MPWIFI_AP_ATTR_LOST);
	s.window_start_ns = ap.u64(MPWIFI_AP_ATTR_WIN_START_NS);
	s.window_end_ns = ap.u64(MPWIFI_AP_ATTR_WIN_END_NS);
	s.window_first_try = ap.u32(MPWIFI_AP_ATTR_WIN_FIRST_TRY);
	s.window_retried = ap.u32(MPWIFI_AP_ATTR_WIN_RETRIED);
	s.window_lost = ap.u32(MPWIFI_AP_ATTR_WIN_LOST);
	s.window_rated = ap.u32(MPWIFI_AP_ATTR_WIN_RATED);
	if (auto ppm = optionalU32(ap, MPWIFI_AP_ATTR_DELIVERY_PPM)) {
		if (*ppm > kPpm)
			throw netlink::ParseError("AP_GET reply: MPWIFI_AP_ATTR_DELIVERY_PPM: " +
						  std::to_string(*ppm) + " is above 1000000");
		s.delivery_prob = static_cast<double>(*ppm) / kPpm;
	}
	s.bitrate_kbps = optionalU32(ap, MPWIFI_AP_ATTR_BITRATE_KBPS);
	s.packet_time_ns = optionalU32(ap, MPWIFI_AP_ATTR_PACKET_TIME_NS);
	s.last_rx_ns = ap.u64(MPWIFI_AP_ATTR_LAST_RX_NS);
	s.phy = phyFromWire(ap.u8(MPWIFI_AP_ATTR_PHY));
	return s;
}

Config parseConfig(const nlmsghdr &msg)
{
	const Attrs top = Attrs::ofGenl(msg, kConfigMessageRules, "CONFIG_GET reply");
	const Attrs cfg = top.nested(MPWIFI_ATTR_CONFIG, kConfigRules);

	Config c;
	c.window_ms = cfg.u32(MPWIFI_CONFIG_ATTR_WINDOW_MS);
	c.max_aps = cfg.u32(MPWIFI_CONFIG_ATTR_MAX_APS);
	c.ap_bytes = cfg.u32(MPWIFI_CONFIG_ATTR_AP_BYTES);
	c.rx_hook = cfg.u8(MPWIFI_CONFIG_ATTR_RX_HOOK) != 0;
	return c;
}

std::optional<ApEvent> parseEvent(const nlmsghdr &msg)
{
	ApEvent ev;
	switch (netlink::genlCommand(msg)) {
	case MPWIFI_EVENT_AP_NEW: ev.kind = ApEvent::Kind::New; break;
	case MPWIFI_EVENT_AP_DEL: ev.kind = ApEvent::Kind::Del; break;
	default: return std::nullopt;
	}
	const Attrs top = Attrs::ofGenl(msg, kApMessageRules, std::string(eventName(ev.kind)) + " event");
	parseIdentity(top.nested(MPWIFI_ATTR_AP, kApIdentityRules), ev);
	return ev;
}

netlink::MsgPtr apGetRequest(int family, std::optional<std::uint32_t> ifindex)
{
	return withIfindex(netlink::newGenlMessage(family, MPWIFI_CMD_AP_GET, MPWIFI_GENL_VERSION), ifindex);
}

netlink::MsgPtr apFlushRequest(int family, std::optional<std::uint32_t> ifindex)
{
	return withIfindex(netlink::newGenlMessage(family, MPWIFI_CMD_AP_FLUSH, MPWIFI_GENL_VERSION), ifindex);
}

netlink::MsgPtr configGetRequest(int family)
{
	return netlink::newGenlMessage(family, MPWIFI_CMD_CONFIG_GET, MPWIFI_GENL_VERSION);
}

netlink::MsgPtr configSetRequest(int family, const ConfigUpdate &update)
{
	auto msg = netlink::newGenlMessage(family, MPWIFI_CMD_CONFIG_SET, MPWIFI_GENL_VERSION);
	nlattr *nest = nla_nest_start(msg.get(), MPWIFI_ATTR_CONFIG);
	if (!nest)
		check(-NLE_MSGSIZE, "MPWIFI_ATTR_CONFIG");
	if (update.window_ms)
		check(nla_put_u32(msg.get(), MPWIFI_CONFIG_ATTR_WINDOW_MS, *update.window_ms),
		      "MPWIFI_CONFIG_ATTR_WINDOW_MS");
	check(nla_nest_end(msg.get(), nest), "MPWIFI_ATTR_CONFIG");
	return msg;
}

} // namespace mpwifi
