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

constexpr AttrRule kEcnMessageRules[] = {
	RULE(MPWIFI_ATTR_ECN, AttrKind::Nested, kRequired),
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
	// Optional: a module without ECN steering leaves them out.
	RULE(MPWIFI_AP_ATTR_ECT, AttrKind::U64, kOptional),
	RULE(MPWIFI_AP_ATTR_MARKED, AttrKind::U64, kOptional),
	RULE(MPWIFI_AP_ATTR_CE_SEEN, AttrKind::U64, kOptional),
	RULE(MPWIFI_AP_ATTR_WIN_ECT, AttrKind::U32, kOptional),
	RULE(MPWIFI_AP_ATTR_WIN_MARKED, AttrKind::U32, kOptional),
	RULE(MPWIFI_AP_ATTR_ECN_MARKING, AttrKind::U8, kOptional),
	RULE(MPWIFI_AP_ATTR_ECN_DELTA_PPM, AttrKind::U32, kOptional),
};

constexpr AttrRule kConfigRules[] = {
	RULE(MPWIFI_CONFIG_ATTR_WINDOW_MS, AttrKind::U32, kRequired),
	RULE(MPWIFI_CONFIG_ATTR_MAX_APS, AttrKind::U32, kRequired),
	RULE(MPWIFI_CONFIG_ATTR_AP_BYTES, AttrKind::U32, kRequired),
	RULE(MPWIFI_CONFIG_ATTR_RX_HOOK, AttrKind::U8, kRequired),
};

constexpr AttrRule kEcnRules[] = {
	RULE(MPWIFI_ECN_ATTR_ENABLED, AttrKind::U8, kRequired),
	RULE(MPWIFI_ECN_ATTR_LAW, AttrKind::U8, kRequired),
	RULE(MPWIFI_ECN_ATTR_THRESHOLD_PPM, AttrKind::U32, kRequired),
	RULE(MPWIFI_ECN_ATTR_CAP_PPM, AttrKind::U32, kRequired),
	RULE(MPWIFI_ECN_ATTR_BUDGET_PPM, AttrKind::U32, kRequired),
	RULE(MPWIFI_ECN_ATTR_MIN_FRAMES, AttrKind::U32, kRequired),
	RULE(MPWIFI_ECN_ATTR_STALE_MS, AttrKind::U32, kRequired),
	RULE(MPWIFI_ECN_ATTR_BEST_PACKET_TIME_NS, AttrKind::U32, kOptional),
};

#undef AP_IDENTITY_RULES
#undef RULE

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

// A share in ppm, which cannot exceed one; @name is the attribute's.
std::optional<std::uint32_t> optionalPpm(const Attrs &attrs, int type, const char *name)
{
	const auto ppm = optionalU32(attrs, type);
	if (ppm && *ppm > kPpm)
		throw netlink::ParseError("AP_GET reply: " + std::string(name) + ": " + std::to_string(*ppm) +
					  " is above 1000000");
	return ppm;
}

// Leaves @out as it is when the attribute is absent.
void readIfPresent(const Attrs &attrs, int type, std::uint64_t &out)
{
	if (attrs.has(type))
		out = attrs.u64(type);
}

void readIfPresent(const Attrs &attrs, int type, std::uint32_t &out)
{
	if (attrs.has(type))
		out = attrs.u32(type);
}

void readIfPresent(const Attrs &attrs, int type, bool &out)
{
	if (attrs.has(type))
		out = attrs.u8(type) != 0;
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

void putIfSet(nl_msg *msg, int type, const char *name, std::optional<std::uint32_t> value)
{
	if (value)
		check(nla_put_u32(msg, type, *value), name);
}

void putIfSet(nl_msg *msg, int type, const char *name, std::optional<std::uint8_t> value)
{
	if (value)
		check(nla_put_u8(msg, type, *value), name);
}

#define PUT_IF_SET(msg, type, value) putIfSet(msg, type, #type, value)

netlink::MsgPtr withIfindex(netlink::MsgPtr msg, std::optional<std::uint32_t> ifindex)
{
	PUT_IF_SET(msg.get(), MPWIFI_ATTR_IFINDEX, ifindex);
	return msg;
}

// A request of @cmd whose attributes are all inside nest @nest; @fill puts them.
template <typename Fill>
netlink::MsgPtr nestedRequest(int family, std::uint8_t cmd, int nest, const char *nestName, Fill fill)
{
	auto msg = netlink::newGenlMessage(family, cmd, MPWIFI_GENL_VERSION);
	nlattr *start = nla_nest_start(msg.get(), nest);
	if (!start)
		check(-NLE_MSGSIZE, nestName);
	fill(msg.get());
	check(nla_nest_end(msg.get(), start), nestName);
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
	if (auto ppm = optionalPpm(ap, MPWIFI_AP_ATTR_DELIVERY_PPM, "MPWIFI_AP_ATTR_DELIVERY_PPM"))
		s.delivery_prob = static_cast<double>(*ppm) / kPpm;
	s.bitrate_kbps = optionalU32(ap, MPWIFI_AP_ATTR_BITRATE_KBPS);
	s.packet_time_ns = optionalU32(ap, MPWIFI_AP_ATTR_PACKET_TIME_NS);
	s.last_rx_ns = ap.u64(MPWIFI_AP_ATTR_LAST_RX_NS);
	s.phy = phyFromWire(ap.u8(MPWIFI_AP_ATTR_PHY));
	readIfPresent(ap, MPWIFI_AP_ATTR_ECT, s.ect);
	readIfPresent(ap, MPWIFI_AP_ATTR_MARKED, s.marked);
	readIfPresent(ap, MPWIFI_AP_ATTR_CE_SEEN, s.ce_seen);
	readIfPresent(ap, MPWIFI_AP_ATTR_WIN_ECT, s.window_ect);
	readIfPresent(ap, MPWIFI_AP_ATTR_WIN_MARKED, s.window_marked);
	readIfPresent(ap, MPWIFI_AP_ATTR_ECN_MARKING, s.ecn_marking);
	s.ecn_delta_ppm = optionalPpm(ap, MPWIFI_AP_ATTR_ECN_DELTA_PPM, "MPWIFI_AP_ATTR_ECN_DELTA_PPM");
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

EcnConfig parseEcn(const nlmsghdr &msg)
{
	const Attrs top = Attrs::ofGenl(msg, kEcnMessageRules, "ECN_GET reply");
	const Attrs ecn = top.nested(MPWIFI_ATTR_ECN, kEcnRules);

	const std::uint8_t law = ecn.u8(MPWIFI_ECN_ATTR_LAW);
	const auto known = ecnLawFromWire(law);
	if (!known)
		throw netlink::ParseError("ECN_GET reply: MPWIFI_ECN_ATTR_LAW: " + std::to_string(law) +
					  " is not a law this version knows (0 seed, 1 uncoupled); is the "
					  "kernel module newer?");
	EcnConfig c;
	c.enabled = ecn.u8(MPWIFI_ECN_ATTR_ENABLED) != 0;
	c.law = *known;
	c.threshold_ppm = ecn.u32(MPWIFI_ECN_ATTR_THRESHOLD_PPM);
	c.cap_ppm = ecn.u32(MPWIFI_ECN_ATTR_CAP_PPM);
	c.budget_ppm = ecn.u32(MPWIFI_ECN_ATTR_BUDGET_PPM);
	c.min_frames = ecn.u32(MPWIFI_ECN_ATTR_MIN_FRAMES);
	c.stale_ms = ecn.u32(MPWIFI_ECN_ATTR_STALE_MS);
	c.best_packet_time_ns = optionalU32(ecn, MPWIFI_ECN_ATTR_BEST_PACKET_TIME_NS);
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
	return nestedRequest(family, MPWIFI_CMD_CONFIG_SET, MPWIFI_ATTR_CONFIG, "MPWIFI_ATTR_CONFIG", [&](nl_msg *msg) {
		PUT_IF_SET(msg, MPWIFI_CONFIG_ATTR_WINDOW_MS, update.window_ms);
	});
}

netlink::MsgPtr ecnGetRequest(int family)
{
	return netlink::newGenlMessage(family, MPWIFI_CMD_ECN_GET, MPWIFI_GENL_VERSION);
}

netlink::MsgPtr ecnSetRequest(int family, const EcnUpdate &update)
{
	const auto enabled = update.enabled ? std::optional<std::uint8_t>(*update.enabled ? 1 : 0) : std::nullopt;
	const auto law = update.law ? std::optional(static_cast<std::uint8_t>(*update.law)) : std::nullopt;
	return nestedRequest(family, MPWIFI_CMD_ECN_SET, MPWIFI_ATTR_ECN, "MPWIFI_ATTR_ECN", [&](nl_msg *msg) {
		PUT_IF_SET(msg, MPWIFI_ECN_ATTR_ENABLED, enabled);
		PUT_IF_SET(msg, MPWIFI_ECN_ATTR_LAW, law);
		PUT_IF_SET(msg, MPWIFI_ECN_ATTR_THRESHOLD_PPM, update.threshold_ppm);
		PUT_IF_SET(msg, MPWIFI_ECN_ATTR_CAP_PPM, update.cap_ppm);
		PUT_IF_SET(msg, MPWIFI_ECN_ATTR_BUDGET_PPM, update.budget_ppm);
		PUT_IF_SET(msg, MPWIFI_ECN_ATTR_MIN_FRAMES, update.min_frames);
		PUT_IF_SET(msg, MPWIFI_ECN_ATTR_STALE_MS, update.stale_ms);
	});
}

#undef PUT_IF_SET

} // namespace mpwifi
