// SPDX-License-Identifier: GPL-2.0
#include "mpwifi/messages.h"

#include <algorithm>

#include <net/if.h>
#include <sys/socket.h>
#include <netlink/attr.h>
#include <netlink/errno.h>

#include "mpwifi/spec_gen.h"
#include "netlink/attributes.h"
#include "netlink/error.h"

namespace mpwifi {

using netlink::Attrs;

// Attribute kinds and sizes come from the spec (spec_gen.h); whether one must
// be there is decided here, by reading it (a missing one is a ParseError) or
// asking has() first.
namespace {

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

// A level the kernel sent; @where names the message and attribute.
TrustLevel levelAt(const Attrs &attrs, int type, const std::string &where)
{
	const std::uint8_t value = attrs.u8(type);
	const auto level = trustLevelFromWire(value);
	if (!level)
		throw netlink::ParseError(where + ": " + std::to_string(value) +
					  " is not a trust level this version knows (0 untrusted, 1 trusted)");
	return *level;
}

InterfaceTrust parseTrustNest(const Attrs &top, const std::string &where)
{
	const Attrs t = top.nested(MPWIFI_ATTR_TRUST, spec::kTrustAttrs);
	InterfaceTrust out;
	out.ifindex = t.u32(MPWIFI_TRUST_ATTR_IFINDEX);
	out.ifname = t.string(MPWIFI_TRUST_ATTR_IFNAME);
	out.level = levelAt(t, MPWIFI_TRUST_ATTR_LEVEL, where + ": MPWIFI_TRUST_ATTR_LEVEL");
	const std::uint8_t source = t.u8(MPWIFI_TRUST_ATTR_SOURCE);
	const auto known = trustSourceFromWire(source);
	if (!known)
		throw netlink::ParseError(where + ": MPWIFI_TRUST_ATTR_SOURCE: " + std::to_string(source) +
					  " is not a source this version knows (0 none, 1 auto, 2 manual)");
	out.source = *known;
	return out;
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
	const Attrs top = Attrs::ofGenl(msg, spec::kMpwifiAttrs, "AP_GET reply");
	const Attrs ap = top.nested(MPWIFI_ATTR_AP, spec::kApAttrs);

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
	s.airtime_ppm = optionalPpm(ap, MPWIFI_AP_ATTR_AIRTIME_PPM, "MPWIFI_AP_ATTR_AIRTIME_PPM");
	s.busy_ppm = optionalPpm(ap, MPWIFI_AP_ATTR_BUSY_PPM, "MPWIFI_AP_ATTR_BUSY_PPM");
	return s;
}

Config parseConfig(const nlmsghdr &msg)
{
	const Attrs top = Attrs::ofGenl(msg, spec::kMpwifiAttrs, "CONFIG_GET reply");
	const Attrs cfg = top.nested(MPWIFI_ATTR_CONFIG, spec::kConfigAttrs);

	Config c;
	c.window_ms = cfg.u32(MPWIFI_CONFIG_ATTR_WINDOW_MS);
	c.max_aps = cfg.u32(MPWIFI_CONFIG_ATTR_MAX_APS);
	c.ap_bytes = cfg.u32(MPWIFI_CONFIG_ATTR_AP_BYTES);
	c.rx_hook = cfg.u8(MPWIFI_CONFIG_ATTR_RX_HOOK) != 0;
	return c;
}

EcnConfig parseEcn(const nlmsghdr &msg)
{
	const Attrs top = Attrs::ofGenl(msg, spec::kMpwifiAttrs, "ECN_GET reply");
	const Attrs ecn = top.nested(MPWIFI_ATTR_ECN, spec::kEcnAttrs);

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

InterfaceTrust parseTrust(const nlmsghdr &msg)
{
	return parseTrustNest(Attrs::ofGenl(msg, spec::kMpwifiAttrs, "TRUST_GET reply"), "TRUST_GET reply");
}

PeerTrust parsePeer(const nlmsghdr &msg)
{
	const std::string where = "PEER_GET reply";
	const Attrs top = Attrs::ofGenl(msg, spec::kMpwifiAttrs, where);
	const Attrs p = top.nested(MPWIFI_ATTR_PEER, spec::kPeerAttrs);

	PeerTrust out;
	const std::uint16_t family = p.u16(MPWIFI_PEER_ATTR_FAMILY);
	if (family != AF_INET && family != AF_INET6)
		throw netlink::ParseError(where + ": MPWIFI_PEER_ATTR_FAMILY: " + std::to_string(family) +
					  " is neither AF_INET nor AF_INET6");
	out.prefix.family = family;
	const auto addr = p.binary(MPWIFI_PEER_ATTR_ADDR);
	if (addr.size() != out.prefix.addrLen())
		throw netlink::ParseError(where + ": MPWIFI_PEER_ATTR_ADDR: " + std::to_string(addr.size()) +
					  " bytes, expected " + std::to_string(out.prefix.addrLen()));
	std::copy(addr.begin(), addr.end(), out.prefix.addr.begin());
	const std::uint8_t length = p.u8(MPWIFI_PEER_ATTR_PREFIX_LEN);
	if (length > out.prefix.addrLen() * 8)
		throw netlink::ParseError(where + ": MPWIFI_PEER_ATTR_PREFIX_LEN: " + std::to_string(length) +
					  " is too long for the family");
	out.prefix.length = length;
	out.level = levelAt(p, MPWIFI_PEER_ATTR_LEVEL, where + ": MPWIFI_PEER_ATTR_LEVEL");
	return out;
}

Policy parsePolicy(const nlmsghdr &msg)
{
	const std::string where = "POLICY_GET reply";
	const Attrs top = Attrs::ofGenl(msg, spec::kMpwifiAttrs, where);
	const Attrs p = top.nested(MPWIFI_ATTR_POLICY, spec::kPolicyAttrs);

	Policy out;
	const std::uint8_t first = p.u8(MPWIFI_POLICY_ATTR_FIRST_SUBFLOW);
	const auto known = firstSubflowFromWire(first);
	if (!known)
		throw netlink::ParseError(where + ": MPWIFI_POLICY_ATTR_FIRST_SUBFLOW: " + std::to_string(first) +
					  " is not a policy this version knows (0 off, 1 prefer, 2 strict)");
	out.first_subflow = *known;
	out.trusted_sched = p.u8(MPWIFI_POLICY_ATTR_TRUSTED_SCHED) != 0;
	out.peer_default = levelAt(p, MPWIFI_POLICY_ATTR_PEER_DEFAULT, where + ": MPWIFI_POLICY_ATTR_PEER_DEFAULT");
	out.sched_available = p.u8(MPWIFI_POLICY_ATTR_SCHED_AVAILABLE) != 0;
	if (p.has(MPWIFI_POLICY_ATTR_SCHED_REASON))
		out.sched_reason = p.string(MPWIFI_POLICY_ATTR_SCHED_REASON);
	out.trusted_sends = p.u64(MPWIFI_POLICY_ATTR_TRUSTED_SENDS);
	out.refused_sends = p.u64(MPWIFI_POLICY_ATTR_REFUSED_SENDS);
	out.redirects = p.u64(MPWIFI_POLICY_ATTR_REDIRECTS);
	out.waits = p.u64(MPWIFI_POLICY_ATTR_WAITS);
	out.resumes = p.u64(MPWIFI_POLICY_ATTR_RESUMES);
	out.guard_refused = p.u64(MPWIFI_POLICY_ATTR_GUARD_REFUSED);
	out.egress_drops = p.u64(MPWIFI_POLICY_ATTR_EGRESS_DROPS);
	out.connect_steered = p.u64(MPWIFI_POLICY_ATTR_CONNECT_STEERED);
	out.connect_refused = p.u64(MPWIFI_POLICY_ATTR_CONNECT_REFUSED);
	out.connections = p.u32(MPWIFI_POLICY_ATTR_CONNECTIONS);
	// newer counters: absent from an older module
	out.range_epochs = p.has(MPWIFI_POLICY_ATTR_RANGE_EPOCHS) ? p.u64(MPWIFI_POLICY_ATTR_RANGE_EPOCHS) : 0;
	out.range_reorders = p.has(MPWIFI_POLICY_ATTR_RANGE_REORDERS) ? p.u64(MPWIFI_POLICY_ATTR_RANGE_REORDERS) : 0;
	out.refused_unconnected = p.has(MPWIFI_POLICY_ATTR_REFUSED_UNCONNECTED) ? p.u64(MPWIFI_POLICY_ATTR_REFUSED_UNCONNECTED) : 0;
	out.refused_limit = p.has(MPWIFI_POLICY_ATTR_REFUSED_LIMIT) ? p.u64(MPWIFI_POLICY_ATTR_REFUSED_LIMIT) : 0;
	out.resends = p.has(MPWIFI_POLICY_ATTR_RESENDS) ? p.u64(MPWIFI_POLICY_ATTR_RESENDS) : 0;
	return out;
}

std::optional<InterfaceTrust> parseTrustEvent(const nlmsghdr &msg)
{
	if (netlink::genlCommand(msg) != MPWIFI_EVENT_TRUST)
		return std::nullopt;
	return parseTrustNest(Attrs::ofGenl(msg, spec::kMpwifiAttrs, "trust event"), "trust event");
}

std::optional<ApEvent> parseEvent(const nlmsghdr &msg)
{
	ApEvent ev;
	switch (netlink::genlCommand(msg)) {
	case MPWIFI_EVENT_AP_NEW: ev.kind = ApEvent::Kind::New; break;
	case MPWIFI_EVENT_AP_DEL: ev.kind = ApEvent::Kind::Del; break;
	default: return std::nullopt;
	}
	const Attrs top = Attrs::ofGenl(msg, spec::kMpwifiAttrs, std::string(eventName(ev.kind)) + " event");
	parseIdentity(top.nested(MPWIFI_ATTR_AP, spec::kApAttrs), ev);
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

netlink::MsgPtr trustGetRequest(int family, std::optional<std::uint32_t> ifindex)
{
	return withIfindex(netlink::newGenlMessage(family, MPWIFI_CMD_TRUST_GET, MPWIFI_GENL_VERSION), ifindex);
}

netlink::MsgPtr trustSetRequest(int family, const TrustUpdate &update)
{
	return nestedRequest(family, MPWIFI_CMD_TRUST_SET, MPWIFI_ATTR_TRUST, "MPWIFI_ATTR_TRUST", [&](nl_msg *msg) {
		check(nla_put_u32(msg, MPWIFI_TRUST_ATTR_IFINDEX, update.ifindex), "MPWIFI_TRUST_ATTR_IFINDEX");
		check(nla_put_u8(msg, MPWIFI_TRUST_ATTR_SOURCE, static_cast<std::uint8_t>(update.source)),
		      "MPWIFI_TRUST_ATTR_SOURCE");
		// Forgetting a level names none.
		if (update.source != TrustSource::None)
			check(nla_put_u8(msg, MPWIFI_TRUST_ATTR_LEVEL, static_cast<std::uint8_t>(update.level)),
			      "MPWIFI_TRUST_ATTR_LEVEL");
	});
}

netlink::MsgPtr peerGetRequest(int family)
{
	return netlink::newGenlMessage(family, MPWIFI_CMD_PEER_GET, MPWIFI_GENL_VERSION);
}

namespace {

// The prefix's attributes; a level only when @level is set (PEER_DEL has none).
netlink::MsgPtr peerRequest(int family, std::uint8_t cmd, const IpPrefix &prefix, std::optional<TrustLevel> level)
{
	return nestedRequest(family, cmd, MPWIFI_ATTR_PEER, "MPWIFI_ATTR_PEER", [&](nl_msg *msg) {
		check(nla_put_u16(msg, MPWIFI_PEER_ATTR_FAMILY, static_cast<std::uint16_t>(prefix.family)),
		      "MPWIFI_PEER_ATTR_FAMILY");
		check(nla_put(msg, MPWIFI_PEER_ATTR_ADDR, static_cast<int>(prefix.addrLen()), prefix.addr.data()),
		      "MPWIFI_PEER_ATTR_ADDR");
		check(nla_put_u8(msg, MPWIFI_PEER_ATTR_PREFIX_LEN, prefix.length), "MPWIFI_PEER_ATTR_PREFIX_LEN");
		if (level)
			check(nla_put_u8(msg, MPWIFI_PEER_ATTR_LEVEL, static_cast<std::uint8_t>(*level)),
			      "MPWIFI_PEER_ATTR_LEVEL");
	});
}

} // namespace

netlink::MsgPtr peerAddRequest(int family, const PeerTrust &peer)
{
	return peerRequest(family, MPWIFI_CMD_PEER_ADD, peer.prefix, peer.level);
}

netlink::MsgPtr peerDelRequest(int family, const IpPrefix &prefix)
{
	return peerRequest(family, MPWIFI_CMD_PEER_DEL, prefix, std::nullopt);
}

netlink::MsgPtr policyGetRequest(int family)
{
	return netlink::newGenlMessage(family, MPWIFI_CMD_POLICY_GET, MPWIFI_GENL_VERSION);
}

netlink::MsgPtr policySetRequest(int family, const PolicyUpdate &update)
{
	return nestedRequest(family, MPWIFI_CMD_POLICY_SET, MPWIFI_ATTR_POLICY, "MPWIFI_ATTR_POLICY", [&](nl_msg *msg) {
		if (update.first_subflow)
			check(nla_put_u8(msg, MPWIFI_POLICY_ATTR_FIRST_SUBFLOW,
					 static_cast<std::uint8_t>(*update.first_subflow)),
			      "MPWIFI_POLICY_ATTR_FIRST_SUBFLOW");
		if (update.trusted_sched)
			check(nla_put_u8(msg, MPWIFI_POLICY_ATTR_TRUSTED_SCHED, *update.trusted_sched ? 1 : 0),
			      "MPWIFI_POLICY_ATTR_TRUSTED_SCHED");
		if (update.peer_default)
			check(nla_put_u8(msg, MPWIFI_POLICY_ATTR_PEER_DEFAULT,
					 static_cast<std::uint8_t>(*update.peer_default)),
			      "MPWIFI_POLICY_ATTR_PEER_DEFAULT");
	});
}

#undef PUT_IF_SET

} // namespace mpwifi
