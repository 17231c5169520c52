// SPDX-License-Identifier: GPL-2.0
// The trust, peer and policy messages of the "mpwifi" family: parsers on
// messages built with libnl like the module builds them, and the requests,
// decoded with libnl's own parser.
#include <gtest/gtest.h>

#include <functional>
#include <set>
#include <string>

#include <sys/socket.h>

#include "mpwifi/messages.h"
#include "netlink/error.h"
#include "test_messages.h"

namespace mpwifi {
namespace {

using namespace mpwifi::test;
using netlink::ParseError;

struct TrustContent {
	std::set<int> omit;
	std::uint8_t level = MPWIFI_TRUST_TRUSTED;
	std::uint8_t source = MPWIFI_TRUST_SOURCE_MANUAL;
};

// MPWIFI_ATTR_TRUST of ifindex 3, "wlan0".
void putTrust(nl_msg *msg, const TrustContent &c = {})
{
	const Putter put{msg, c.omit};
	nlattr *nest = nla_nest_start(msg, MPWIFI_ATTR_TRUST);
	put.u32(MPWIFI_TRUST_ATTR_IFINDEX, kIfindex);
	if (!c.omit.count(MPWIFI_TRUST_ATTR_IFNAME))
		nla_put_string(msg, MPWIFI_TRUST_ATTR_IFNAME, kIfname);
	put.u8(MPWIFI_TRUST_ATTR_LEVEL, c.level);
	put.u8(MPWIFI_TRUST_ATTR_SOURCE, c.source);
	nla_nest_end(msg, nest);
}

// MPWIFI_ATTR_PEER: 2001:db8::/32 trusted unless told otherwise.
void putPeer(nl_msg *msg, std::uint16_t family = AF_INET6, int addrLen = 16, std::uint8_t prefixLen = 32,
	     std::uint8_t level = MPWIFI_TRUST_TRUSTED)
{
	const std::uint8_t addr[16] = {0x20, 0x01, 0x0d, 0xb8};
	nlattr *nest = nla_nest_start(msg, MPWIFI_ATTR_PEER);
	nla_put_u16(msg, MPWIFI_PEER_ATTR_FAMILY, family);
	nla_put(msg, MPWIFI_PEER_ATTR_ADDR, addrLen, addr);
	nla_put_u8(msg, MPWIFI_PEER_ATTR_PREFIX_LEN, prefixLen);
	nla_put_u8(msg, MPWIFI_PEER_ATTR_LEVEL, level);
	nla_nest_end(msg, nest);
}

struct PolicyContent {
	std::set<int> omit;
	std::uint8_t first = MPWIFI_FIRST_SUBFLOW_STRICT;
	bool withReason = true;
};

// MPWIFI_ATTR_POLICY: strict, scheduler on, peers trusted by default,
// unavailable ("no hook"), counters 1..9 and 10 connections.
void putPolicy(nl_msg *msg, const PolicyContent &c = {})
{
	const Putter put{msg, c.omit};
	nlattr *nest = nla_nest_start(msg, MPWIFI_ATTR_POLICY);
	put.u8(MPWIFI_POLICY_ATTR_FIRST_SUBFLOW, c.first);
	put.u8(MPWIFI_POLICY_ATTR_TRUSTED_SCHED, 1);
	put.u8(MPWIFI_POLICY_ATTR_PEER_DEFAULT, MPWIFI_TRUST_TRUSTED);
	put.u8(MPWIFI_POLICY_ATTR_SCHED_AVAILABLE, 0);
	if (c.withReason)
		nla_put_string(msg, MPWIFI_POLICY_ATTR_SCHED_REASON, "no hook");
	nla_put(msg, MPWIFI_POLICY_ATTR_PAD, 0, nullptr);
	std::uint64_t n = 1;
	for (int type : {MPWIFI_POLICY_ATTR_TRUSTED_SENDS, MPWIFI_POLICY_ATTR_REFUSED_SENDS, MPWIFI_POLICY_ATTR_REDIRECTS,
			 MPWIFI_POLICY_ATTR_WAITS, MPWIFI_POLICY_ATTR_RESUMES, MPWIFI_POLICY_ATTR_GUARD_REFUSED,
			 MPWIFI_POLICY_ATTR_EGRESS_DROPS, MPWIFI_POLICY_ATTR_CONNECT_STEERED,
			 MPWIFI_POLICY_ATTR_CONNECT_REFUSED})
		put.u64(type, n++);
	put.u32(MPWIFI_POLICY_ATTR_CONNECTIONS, 10);
	n = 11;
	for (int type : {MPWIFI_POLICY_ATTR_RANGE_EPOCHS, MPWIFI_POLICY_ATTR_RANGE_REORDERS,
			 MPWIFI_POLICY_ATTR_REFUSED_UNCONNECTED, MPWIFI_POLICY_ATTR_REFUSED_LIMIT,
			 MPWIFI_POLICY_ATTR_RESENDS})
		put.u64(type, n++);
	nla_nest_end(msg, nest);
}

TEST(ParseTrust, ReadsEveryField)
{
	auto msg = genlMessage(MPWIFI_CMD_TRUST_GET);
	putTrust(msg.get());
	const InterfaceTrust t = parseTrust(header(msg));
	EXPECT_EQ(t.ifindex, 3u);
	EXPECT_EQ(t.ifname, "wlan0");
	EXPECT_EQ(t.level, TrustLevel::Trusted);
	EXPECT_EQ(t.source, TrustSource::Manual);
}

TEST(ParseTrust, RefusesUnknownValuesAndMissingFields)
{
	auto level = genlMessage(MPWIFI_CMD_TRUST_GET);
	putTrust(level.get(), {.level = 2});
	expectParseError([&] { (void)parseTrust(header(level)); }, "MPWIFI_TRUST_ATTR_LEVEL: 2 is not a trust level");

	auto source = genlMessage(MPWIFI_CMD_TRUST_GET);
	putTrust(source.get(), {.source = 3});
	expectParseError([&] { (void)parseTrust(header(source)); }, "MPWIFI_TRUST_ATTR_SOURCE: 3");

	for (int type : {MPWIFI_TRUST_ATTR_IFINDEX, MPWIFI_TRUST_ATTR_IFNAME, MPWIFI_TRUST_ATTR_LEVEL,
			 MPWIFI_TRUST_ATTR_SOURCE}) {
		auto msg = genlMessage(MPWIFI_CMD_TRUST_GET);
		putTrust(msg.get(), {.omit = {type}});
		expectParseError([&] { (void)parseTrust(header(msg)); }, "missing");
	}
	auto empty = genlMessage(MPWIFI_CMD_TRUST_GET);
	expectParseError([&] { (void)parseTrust(header(empty)); }, "MPWIFI_ATTR_TRUST: missing");
}

TEST(ParseTrustEvent, OnlyTrustEvents)
{
	auto event = genlMessage(MPWIFI_EVENT_TRUST);
	putTrust(event.get(), {.level = MPWIFI_TRUST_UNTRUSTED, .source = MPWIFI_TRUST_SOURCE_NONE});
	const auto t = parseTrustEvent(header(event));
	ASSERT_TRUE(t);
	EXPECT_EQ(t->source, TrustSource::None);
	EXPECT_EQ(t->level, TrustLevel::Untrusted);
	// An AP event parser does not mistake it for one of its own.
	EXPECT_FALSE(parseEvent(header(event)));

	auto ap = genlMessage(MPWIFI_EVENT_AP_NEW);
	putAp(ap.get(), {.identityOnly = true});
	EXPECT_FALSE(parseTrustEvent(header(ap)));
}

TEST(ParsePeer, Ipv6AndIpv4)
{
	auto v6 = genlMessage(MPWIFI_CMD_PEER_GET);
	putPeer(v6.get());
	const PeerTrust p = parsePeer(header(v6));
	EXPECT_EQ(formatPrefix(p.prefix), "2001:db8::/32");
	EXPECT_EQ(p.level, TrustLevel::Trusted);

	auto v4 = genlMessage(MPWIFI_CMD_PEER_GET);
	putPeer(v4.get(), AF_INET, 4, 32, MPWIFI_TRUST_UNTRUSTED);
	const PeerTrust q = parsePeer(header(v4));
	EXPECT_EQ(formatPrefix(q.prefix), "32.1.13.184/32");
	EXPECT_EQ(q.level, TrustLevel::Untrusted);
}

TEST(ParsePeer, RefusesInconsistentPrefixes)
{
	auto family = genlMessage(MPWIFI_CMD_PEER_GET);
	putPeer(family.get(), 17);
	expectParseError([&] { (void)parsePeer(header(family)); }, "neither AF_INET nor AF_INET6");

	auto size = genlMessage(MPWIFI_CMD_PEER_GET);
	putPeer(size.get(), AF_INET, 16);
	expectParseError([&] { (void)parsePeer(header(size)); }, "16 bytes, expected 4");

	auto length = genlMessage(MPWIFI_CMD_PEER_GET);
	putPeer(length.get(), AF_INET, 4, 33);
	expectParseError([&] { (void)parsePeer(header(length)); }, "33 is too long");

	auto level = genlMessage(MPWIFI_CMD_PEER_GET);
	putPeer(level.get(), AF_INET6, 16, 32, 9);
	expectParseError([&] { (void)parsePeer(header(level)); }, "9 is not a trust level");
}

TEST(ParsePolicy, ReadsEveryField)
{
	auto msg = genlMessage(MPWIFI_CMD_POLICY_GET);
	putPolicy(msg.get());
	const Policy p = parsePolicy(header(msg));
	EXPECT_EQ(p.first_subflow, FirstSubflow::Strict);
	EXPECT_TRUE(p.trusted_sched);
	EXPECT_EQ(p.peer_default, TrustLevel::Trusted);
	EXPECT_FALSE(p.sched_available);
	EXPECT_EQ(p.sched_reason, "no hook");
	EXPECT_EQ(p.trusted_sends, 1u);
	EXPECT_EQ(p.refused_sends, 2u);
	EXPECT_EQ(p.redirects, 3u);
	EXPECT_EQ(p.waits, 4u);
	EXPECT_EQ(p.resumes, 5u);
	EXPECT_EQ(p.guard_refused, 6u);
	EXPECT_EQ(p.egress_drops, 7u);
	EXPECT_EQ(p.connect_steered, 8u);
	EXPECT_EQ(p.connect_refused, 9u);
	EXPECT_EQ(p.connections, 10u);
	EXPECT_EQ(p.range_epochs, 11u);
	EXPECT_EQ(p.range_reorders, 12u);
	EXPECT_EQ(p.refused_unconnected, 13u);
	EXPECT_EQ(p.refused_limit, 14u);
	EXPECT_EQ(p.resends, 15u);
}

// An older module does not send the range and refusal counters: they read 0.
TEST(ParsePolicy, NewerCountersAreOptional)
{
	auto msg = genlMessage(MPWIFI_CMD_POLICY_GET);
	putPolicy(msg.get(), {.omit = {MPWIFI_POLICY_ATTR_RANGE_EPOCHS, MPWIFI_POLICY_ATTR_RANGE_REORDERS,
					MPWIFI_POLICY_ATTR_REFUSED_UNCONNECTED, MPWIFI_POLICY_ATTR_REFUSED_LIMIT,
					MPWIFI_POLICY_ATTR_RESENDS}});
	const Policy p = parsePolicy(header(msg));
	EXPECT_EQ(p.range_epochs, 0u);
	EXPECT_EQ(p.refused_limit, 0u);
	EXPECT_EQ(p.resends, 0u);
	EXPECT_EQ(p.connections, 10u);
}

TEST(ParsePolicy, ReasonIsOptionalOtherFieldsAreNot)
{
	auto noReason = genlMessage(MPWIFI_CMD_POLICY_GET);
	putPolicy(noReason.get(), {.withReason = false});
	EXPECT_EQ(parsePolicy(header(noReason)).sched_reason, "");

	auto first = genlMessage(MPWIFI_CMD_POLICY_GET);
	putPolicy(first.get(), {.first = 3});
	expectParseError([&] { (void)parsePolicy(header(first)); }, "FIRST_SUBFLOW: 3 is not a policy");

	auto missing = genlMessage(MPWIFI_CMD_POLICY_GET);
	putPolicy(missing.get(), {.omit = {MPWIFI_POLICY_ATTR_EGRESS_DROPS}});
	expectParseError([&] { (void)parsePolicy(header(missing)); }, "MPWIFI_POLICY_ATTR_EGRESS_DROPS: missing");

	// A u64 where a u32 belongs.
	auto sized = genlMessage(MPWIFI_CMD_POLICY_GET);
	{
		nlattr *n = nla_nest_start(sized.get(), MPWIFI_ATTR_POLICY);
		nla_put_u64(sized.get(), MPWIFI_POLICY_ATTR_CONNECTIONS, 1);
		nla_nest_end(sized.get(), n);
	}
	expectParseError([&] { (void)parsePolicy(header(sized)); }, "MPWIFI_POLICY_ATTR_CONNECTIONS: 8 bytes, expected 4");
}

// Requests, decoded with libnl.
struct Decoded {
	std::uint8_t cmd;
	nlattr *tb[MPWIFI_ATTR_MAX + 1];
	netlink::MsgPtr msg; // tb points into it
};

Decoded decode(netlink::MsgPtr msg)
{
	Decoded d{};
	d.msg = std::move(msg);
	nlmsghdr *h = nlmsg_hdr(d.msg.get());
	d.cmd = static_cast<genlmsghdr *>(nlmsg_data(h))->cmd;
	EXPECT_EQ(genlmsg_parse(h, 0, d.tb, MPWIFI_ATTR_MAX, nullptr), 0);
	return d;
}

TEST(TrustRequests, GetCarriesTheOptionalIfindex)
{
	Decoded all = decode(trustGetRequest(0x31, std::nullopt));
	EXPECT_EQ(all.cmd, MPWIFI_CMD_TRUST_GET);
	EXPECT_EQ(all.tb[MPWIFI_ATTR_IFINDEX], nullptr);
	Decoded one = decode(trustGetRequest(0x31, 7));
	ASSERT_NE(one.tb[MPWIFI_ATTR_IFINDEX], nullptr);
	EXPECT_EQ(nla_get_u32(one.tb[MPWIFI_ATTR_IFINDEX]), 7u);
}

TEST(TrustRequests, SetManualAutoAndForget)
{
	auto nested = [](const Decoded &d, nlattr **tb) {
		ASSERT_NE(d.tb[MPWIFI_ATTR_TRUST], nullptr);
		ASSERT_EQ(nla_parse_nested(tb, MPWIFI_TRUST_ATTR_MAX, d.tb[MPWIFI_ATTR_TRUST], nullptr), 0);
	};
	nlattr *tb[MPWIFI_TRUST_ATTR_MAX + 1];

	Decoded manual = decode(trustSetRequest(0x31, {.ifindex = 4, .source = TrustSource::Manual,
						       .level = TrustLevel::Trusted}));
	EXPECT_EQ(manual.cmd, MPWIFI_CMD_TRUST_SET);
	nested(manual, tb);
	EXPECT_EQ(nla_get_u32(tb[MPWIFI_TRUST_ATTR_IFINDEX]), 4u);
	EXPECT_EQ(nla_get_u8(tb[MPWIFI_TRUST_ATTR_SOURCE]), MPWIFI_TRUST_SOURCE_MANUAL);
	EXPECT_EQ(nla_get_u8(tb[MPWIFI_TRUST_ATTR_LEVEL]), MPWIFI_TRUST_TRUSTED);

	Decoded automatic = decode(trustSetRequest(0x31, {.ifindex = 4, .source = TrustSource::Auto,
							  .level = TrustLevel::Untrusted}));
	nested(automatic, tb);
	EXPECT_EQ(nla_get_u8(tb[MPWIFI_TRUST_ATTR_SOURCE]), MPWIFI_TRUST_SOURCE_AUTO);
	EXPECT_EQ(nla_get_u8(tb[MPWIFI_TRUST_ATTR_LEVEL]), MPWIFI_TRUST_UNTRUSTED);

	Decoded forget = decode(trustSetRequest(0x31, {.ifindex = 4, .source = TrustSource::None}));
	nested(forget, tb);
	EXPECT_EQ(nla_get_u8(tb[MPWIFI_TRUST_ATTR_SOURCE]), MPWIFI_TRUST_SOURCE_NONE);
	EXPECT_EQ(tb[MPWIFI_TRUST_ATTR_LEVEL], nullptr);
}

TEST(TrustRequests, PeerAddDelAndGet)
{
	nlattr *tb[MPWIFI_PEER_ATTR_MAX + 1];
	const PeerTrust peer{parsePrefix("192.0.2.0/24"), TrustLevel::Trusted};
	Decoded add = decode(peerAddRequest(0x31, peer));
	EXPECT_EQ(add.cmd, MPWIFI_CMD_PEER_ADD);
	ASSERT_EQ(nla_parse_nested(tb, MPWIFI_PEER_ATTR_MAX, add.tb[MPWIFI_ATTR_PEER], nullptr), 0);
	EXPECT_EQ(nla_get_u16(tb[MPWIFI_PEER_ATTR_FAMILY]), AF_INET);
	ASSERT_EQ(nla_len(tb[MPWIFI_PEER_ATTR_ADDR]), 4);
	const auto *addr = static_cast<const std::uint8_t *>(nla_data(tb[MPWIFI_PEER_ATTR_ADDR]));
	EXPECT_EQ(std::vector<std::uint8_t>(addr, addr + 4), (std::vector<std::uint8_t>{192, 0, 2, 0}));
	EXPECT_EQ(nla_get_u8(tb[MPWIFI_PEER_ATTR_PREFIX_LEN]), 24);
	EXPECT_EQ(nla_get_u8(tb[MPWIFI_PEER_ATTR_LEVEL]), MPWIFI_TRUST_TRUSTED);

	Decoded del = decode(peerDelRequest(0x31, parsePrefix("2001:db8::1")));
	EXPECT_EQ(del.cmd, MPWIFI_CMD_PEER_DEL);
	ASSERT_EQ(nla_parse_nested(tb, MPWIFI_PEER_ATTR_MAX, del.tb[MPWIFI_ATTR_PEER], nullptr), 0);
	EXPECT_EQ(nla_get_u16(tb[MPWIFI_PEER_ATTR_FAMILY]), AF_INET6);
	EXPECT_EQ(nla_len(tb[MPWIFI_PEER_ATTR_ADDR]), 16);
	EXPECT_EQ(nla_get_u8(tb[MPWIFI_PEER_ATTR_PREFIX_LEN]), 128);
	EXPECT_EQ(tb[MPWIFI_PEER_ATTR_LEVEL], nullptr);

	EXPECT_EQ(decode(peerGetRequest(0x31)).cmd, MPWIFI_CMD_PEER_GET);
}

TEST(TrustRequests, PolicySetCarriesOnlyWhatChangesInOneRequest)
{
	nlattr *tb[MPWIFI_POLICY_ATTR_MAX + 1];
	Decoded all = decode(policySetRequest(0x31, {.first_subflow = FirstSubflow::Prefer, .trusted_sched = false,
						     .peer_default = TrustLevel::Trusted}));
	EXPECT_EQ(all.cmd, MPWIFI_CMD_POLICY_SET);
	ASSERT_EQ(nla_parse_nested(tb, MPWIFI_POLICY_ATTR_MAX, all.tb[MPWIFI_ATTR_POLICY], nullptr), 0);
	EXPECT_EQ(nla_get_u8(tb[MPWIFI_POLICY_ATTR_FIRST_SUBFLOW]), MPWIFI_FIRST_SUBFLOW_PREFER);
	EXPECT_EQ(nla_get_u8(tb[MPWIFI_POLICY_ATTR_TRUSTED_SCHED]), 0);
	EXPECT_EQ(nla_get_u8(tb[MPWIFI_POLICY_ATTR_PEER_DEFAULT]), MPWIFI_TRUST_TRUSTED);

	Decoded one = decode(policySetRequest(0x31, {.trusted_sched = true}));
	ASSERT_EQ(nla_parse_nested(tb, MPWIFI_POLICY_ATTR_MAX, one.tb[MPWIFI_ATTR_POLICY], nullptr), 0);
	EXPECT_EQ(nla_get_u8(tb[MPWIFI_POLICY_ATTR_TRUSTED_SCHED]), 1);
	EXPECT_EQ(tb[MPWIFI_POLICY_ATTR_FIRST_SUBFLOW], nullptr);
	EXPECT_EQ(tb[MPWIFI_POLICY_ATTR_PEER_DEFAULT], nullptr);

	EXPECT_EQ(decode(policyGetRequest(0x31)).cmd, MPWIFI_CMD_POLICY_GET);
}

TEST(Prefix, ParsesAndFormats)
{
	EXPECT_EQ(formatPrefix(parsePrefix("10.0.0.0/8")), "10.0.0.0/8");
	EXPECT_EQ(formatPrefix(parsePrefix("10.1.2.3")), "10.1.2.3/32");
	EXPECT_EQ(formatPrefix(parsePrefix("0.0.0.0/0")), "0.0.0.0/0");
	EXPECT_EQ(formatPrefix(parsePrefix("2001:DB8::/32")), "2001:db8::/32");
	EXPECT_EQ(formatPrefix(parsePrefix("::1")), "::1/128");
	EXPECT_EQ(parsePrefix("192.0.2.128/25").length, 25);
}

TEST(Prefix, ErrorsSayWhatIsWrong)
{
	auto error = [](const char *text) {
		try {
			(void)parsePrefix(text);
		} catch (const std::invalid_argument &e) {
			return std::string(e.what());
		}
		return std::string();
	};
	EXPECT_EQ(error("10.0.0.1/8"), "\"10.0.0.1/8\" has host bits set (did you mean 10.0.0.0/8?)");
	EXPECT_EQ(error("2001:db8::1/64"), "\"2001:db8::1/64\" has host bits set (did you mean 2001:db8::/64?)");
	EXPECT_EQ(error("10.0.0.0/33"), "invalid prefix length \"33\" (0..32)");
	EXPECT_EQ(error("::/129"), "invalid prefix length \"129\" (0..128)");
	EXPECT_EQ(error("10.0.0.0/"), "invalid prefix length \"\" (0..32)");
	EXPECT_EQ(error("10.0.0.0/-1"), "invalid prefix length \"-1\" (0..32)");
	EXPECT_EQ(error("10.0.0.0/8x"), "invalid prefix length \"8x\" (0..32)");
	EXPECT_EQ(error("10.0.0/8"), "invalid address \"10.0.0\" (IPv4 or IPv6)");
	EXPECT_EQ(error("example.com"), "invalid address \"example.com\" (IPv4 or IPv6)");
	EXPECT_EQ(error(""), "invalid address \"\" (IPv4 or IPv6)");
}

} // namespace
} // namespace mpwifi
