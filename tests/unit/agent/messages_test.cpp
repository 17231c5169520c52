// SPDX-License-Identifier: GPL-2.0
// The "mpwifi" wire format: parsers on messages built with libnl, and the
// requests we send, decoded with libnl's own parser.
#include <gtest/gtest.h>

#include <cstring>
#include <functional>
#include <optional>
#include <tuple>
#include <vector>

#include "mpwifi/messages.h"
#include "netlink/error.h"
#include "test_messages.h"

namespace mpwifi {
namespace {

using namespace mpwifi::test;
using netlink::ParseError;

// A copy of @msg, whose first attribute claims 8 bytes more than it has.
std::vector<std::uint32_t> overlongCopy(const netlink::MsgPtr &msg)
{
	const nlmsghdr &h = header(msg);
	std::vector<std::uint32_t> words(h.nlmsg_len / 4 + 1);
	std::memcpy(words.data(), &h, h.nlmsg_len);
	auto *first = static_cast<nlattr *>(nlmsg_attrdata(reinterpret_cast<nlmsghdr *>(words.data()), GENL_HDRLEN));
	first->nla_len = static_cast<std::uint16_t>(first->nla_len + 8);
	return words;
}

// ect, marked, ce_seen, window_ect, window_marked, ecn_marking, ecn_delta_ppm.
using EcnFields = std::tuple<std::uint64_t, std::uint64_t, std::uint64_t, std::uint32_t, std::uint32_t, bool,
			     std::optional<std::uint32_t>>;

EcnFields ecnOf(const ApStats &s)
{
	return {s.ect, s.marked, s.ce_seen, s.window_ect, s.window_marked, s.ecn_marking, s.ecn_delta_ppm};
}

TEST(ParseApStats, ReadsEveryField)
{
	auto msg = genlMessage(MPWIFI_CMD_AP_GET);
	putAp(msg.get());

	const ApStats s = parseApStats(header(msg));
	EXPECT_EQ(s.ifindex, 3u);
	EXPECT_EQ(s.ifname, "wlan0");
	EXPECT_EQ(s.station, (MacAddr{0x02, 0, 0, 0, 0, 0x01}));
	EXPECT_EQ(s.bssid, (MacAddr{0xaa, 0xbb, 0xcc, 0x0d, 0xee, 0xff}));
	EXPECT_EQ(s.first_try, 1000u);
	EXPECT_EQ(s.retried, 50u);
	EXPECT_EQ(s.lost, 7u);
	EXPECT_EQ(s.window_start_ns, 1'000'000'000u);
	EXPECT_EQ(s.window_end_ns, 2'000'000'000u);
	EXPECT_EQ(s.window_first_try, 90u);
	EXPECT_EQ(s.window_retried, 10u);
	EXPECT_EQ(s.window_lost, 2u);
	EXPECT_EQ(s.window_rated, 85u);
	ASSERT_TRUE(s.delivery_prob);
	EXPECT_DOUBLE_EQ(*s.delivery_prob, 0.9);
	EXPECT_EQ(s.bitrate_kbps, 54'000u);
	EXPECT_EQ(s.packet_time_ns, 250'123u);
	EXPECT_EQ(s.last_rx_ns, 1'999'000'000u);
	EXPECT_EQ(s.phy, Phy::Ht);
	EXPECT_EQ(ecnOf(s), (EcnFields{500, 20, 3, 40, 2, true, 50'000}));
}

TEST(ParseApStats, ModuleWithoutEcnLeavesDefaults)
{
	auto msg = genlMessage(MPWIFI_CMD_AP_GET);
	putAp(msg.get(), {.withEcn = false});

	const ApStats s = parseApStats(header(msg));
	EXPECT_EQ(ecnOf(s), (EcnFields{0, 0, 0, 0, 0, false, std::nullopt}));
	EXPECT_EQ(s.lost, 7u);
}

TEST(ParseApStats, EcnDeltaOnlyWhileMarking)
{
	auto msg = genlMessage(MPWIFI_CMD_AP_GET);
	putAp(msg.get(), {.omit = {MPWIFI_AP_ATTR_ECN_MARKING, MPWIFI_AP_ATTR_ECN_DELTA_PPM},
			  .extra = [](nl_msg *m) { nla_put_u8(m, MPWIFI_AP_ATTR_ECN_MARKING, 0); }});
	EXPECT_EQ(ecnOf(parseApStats(header(msg))), (EcnFields{500, 20, 3, 40, 2, false, std::nullopt}));
}

TEST(ParseApStats, EcnSizesAreExact)
{
	struct Case {
		int type;
		const char *name;
		int wrongLen;
		int len;
	};
#define ATTR(x) x, #x
	const Case cases[] = {
		{ATTR(MPWIFI_AP_ATTR_ECT), 4, 8},          {ATTR(MPWIFI_AP_ATTR_MARKED), 4, 8},
		{ATTR(MPWIFI_AP_ATTR_CE_SEEN), 1, 8},      {ATTR(MPWIFI_AP_ATTR_WIN_ECT), 8, 4},
		{ATTR(MPWIFI_AP_ATTR_WIN_MARKED), 2, 4},   {ATTR(MPWIFI_AP_ATTR_ECN_MARKING), 4, 1},
		{ATTR(MPWIFI_AP_ATTR_ECN_DELTA_PPM), 0, 4},
	};
#undef ATTR
	const std::uint8_t zeros[8] = {};
	for (const Case &c : cases) {
		auto msg = genlMessage(MPWIFI_CMD_AP_GET);
		putAp(msg.get(),
		      {.omit = {c.type}, .extra = [&](nl_msg *m) { nla_put(m, c.type, c.wrongLen, zeros); }});
		expectParseError([&] { (void)parseApStats(header(msg)); },
				 std::string(c.name) + ": " + std::to_string(c.wrongLen) + " bytes, expected " +
					 std::to_string(c.len));
	}
}

TEST(ParseApStats, AbsentEstimatesAreEmpty)
{
	auto msg = genlMessage(MPWIFI_CMD_AP_GET);
	putAp(msg.get(), {.withOptionals = false});

	const ApStats s = parseApStats(header(msg));
	EXPECT_FALSE(s.delivery_prob);
	EXPECT_FALSE(s.bitrate_kbps);
	EXPECT_FALSE(s.packet_time_ns);
	EXPECT_EQ(s.first_try, 1000u);
}

TEST(ParseApStats, ShareBoundsAndOverflow)
{
	for (std::uint32_t ppm : {0u, 1'000'000u}) {
		auto msg = genlMessage(MPWIFI_CMD_AP_GET);
		putAp(msg.get(), {.deliveryPpm = ppm, .ecnDeltaPpm = ppm});
		const ApStats s = parseApStats(header(msg));
		EXPECT_DOUBLE_EQ(*s.delivery_prob, ppm / 1e6);
		EXPECT_EQ(s.ecn_delta_ppm, ppm);
	}
	auto msg = genlMessage(MPWIFI_CMD_AP_GET);
	putAp(msg.get(), {.deliveryPpm = 1'000'001});
	expectParseError([&] { (void)parseApStats(header(msg)); }, "MPWIFI_AP_ATTR_DELIVERY_PPM");
	auto delta = genlMessage(MPWIFI_CMD_AP_GET);
	putAp(delta.get(), {.ecnDeltaPpm = 1'000'001});
	expectParseError([&] { (void)parseApStats(header(delta)); },
			 "MPWIFI_AP_ATTR_ECN_DELTA_PPM: 1000001 is above 1000000");
}

TEST(ParseApStats, AirtimeAndBusyShares)
{
	auto msg = genlMessage(MPWIFI_CMD_AP_GET);
	putAp(msg.get(), {.extra = [](nl_msg *m) {
		nla_put_u32(m, MPWIFI_AP_ATTR_AIRTIME_PPM, 534'000);
		nla_put_u32(m, MPWIFI_AP_ATTR_BUSY_PPM, 1'000'000);
	}});
	ApStats s = parseApStats(header(msg));
	EXPECT_EQ(s.airtime_ppm, 534'000u);
	EXPECT_EQ(s.busy_ppm, 1'000'000u);

	// absent (no rated frame; no rx observer, or an older module): unknown
	auto bare = genlMessage(MPWIFI_CMD_AP_GET);
	putAp(bare.get());
	s = parseApStats(header(bare));
	EXPECT_FALSE(s.airtime_ppm);
	EXPECT_FALSE(s.busy_ppm);

	for (const auto &[type, name] : {std::pair{MPWIFI_AP_ATTR_AIRTIME_PPM, "MPWIFI_AP_ATTR_AIRTIME_PPM"},
					 std::pair{MPWIFI_AP_ATTR_BUSY_PPM, "MPWIFI_AP_ATTR_BUSY_PPM"}}) {
		auto over = genlMessage(MPWIFI_CMD_AP_GET);
		putAp(over.get(), {.extra = [t = type](nl_msg *m) { nla_put_u32(m, t, 1'000'001); }});
		expectParseError([&] { (void)parseApStats(header(over)); },
				 std::string(name) + ": 1000001 is above 1000000");
	}
}

TEST(ParseApStats, UnknownPhyIsUnknown)
{
	auto msg = genlMessage(MPWIFI_CMD_AP_GET);
	putAp(msg.get(), {.phy = MPWIFI_PHY_HE + 1});
	EXPECT_EQ(parseApStats(header(msg)).phy, Phy::Unknown);
}

TEST(ParseApStats, IgnoresUnknownAttributes)
{
	auto msg = genlMessage(MPWIFI_CMD_AP_GET);
	nla_put_u32(msg.get(), MPWIFI_ATTR_MAX + 7, 12345); // top level, from a newer kernel
	putAp(msg.get(), {.extra = [](nl_msg *m) {
				  nla_put_string(m, MPWIFI_AP_ATTR_MAX + 1, "nested, from a newer kernel");
				  nla_put_u64(m, 0x3fff, 1);
			  }});
	nla_put(msg.get(), MPWIFI_ATTR_MAX + 9, 3, "abc");

	const ApStats s = parseApStats(header(msg));
	EXPECT_EQ(s.ifname, "wlan0");
	EXPECT_EQ(s.lost, 7u);
	EXPECT_EQ(s.phy, Phy::Ht);
}

class MissingRequired : public testing::TestWithParam<std::pair<int, const char *>> {};

TEST_P(MissingRequired, IsAnError)
{
	const auto [type, name] = GetParam();
	auto msg = genlMessage(MPWIFI_CMD_AP_GET);
	putAp(msg.get(), {.omit = {type}});
	expectParseError([&] { (void)parseApStats(header(msg)); }, std::string(name) + ": missing");
}

#define ATTR(x) std::pair<int, const char *>(x, #x)
INSTANTIATE_TEST_SUITE_P(
	AllRequired, MissingRequired,
	testing::Values(ATTR(MPWIFI_AP_ATTR_IFINDEX), ATTR(MPWIFI_AP_ATTR_IFNAME), ATTR(MPWIFI_AP_ATTR_STA_ADDR),
			ATTR(MPWIFI_AP_ATTR_BSSID), ATTR(MPWIFI_AP_ATTR_FIRST_TRY), ATTR(MPWIFI_AP_ATTR_RETRIED),
			ATTR(MPWIFI_AP_ATTR_LOST), ATTR(MPWIFI_AP_ATTR_WIN_START_NS),
			ATTR(MPWIFI_AP_ATTR_WIN_END_NS), ATTR(MPWIFI_AP_ATTR_WIN_FIRST_TRY),
			ATTR(MPWIFI_AP_ATTR_WIN_RETRIED), ATTR(MPWIFI_AP_ATTR_WIN_LOST),
			ATTR(MPWIFI_AP_ATTR_WIN_RATED), ATTR(MPWIFI_AP_ATTR_LAST_RX_NS), ATTR(MPWIFI_AP_ATTR_PHY)),
	[](const auto &p) { return std::string(p.param.second).substr(std::strlen("MPWIFI_AP_ATTR_")); });
#undef ATTR

TEST(ParseApStats, MissingNestIsAnError)
{
	auto msg = genlMessage(MPWIFI_CMD_AP_GET);
	nla_put_u32(msg.get(), MPWIFI_ATTR_IFINDEX, 3);
	expectParseError([&] { (void)parseApStats(header(msg)); }, "MPWIFI_ATTR_AP: missing");
}

TEST(ParseApStats, MacMustBeSixBytes)
{
	for (int len : {0, 5, 7}) {
		for (int type : {MPWIFI_AP_ATTR_BSSID, MPWIFI_AP_ATTR_STA_ADDR}) {
			const std::uint8_t bytes[7] = {1, 2, 3, 4, 5, 6, 7};
			auto msg = genlMessage(MPWIFI_CMD_AP_GET);
			putAp(msg.get(), {.omit = {type}, .extra = [&](nl_msg *m) { nla_put(m, type, len, bytes); }});
			const char *name = type == MPWIFI_AP_ATTR_BSSID ? "MPWIFI_AP_ATTR_BSSID" : "MPWIFI_AP_ATTR_STA_ADDR";
			expectParseError([&] { (void)parseApStats(header(msg)); },
					 std::string(name) + ": " + std::to_string(len) + " bytes, expected 6");
		}
	}
}

TEST(ParseApStats, IntegerSizesAreExact)
{
	auto wide = genlMessage(MPWIFI_CMD_AP_GET);
	putAp(wide.get(), {.omit = {MPWIFI_AP_ATTR_IFINDEX},
			   .extra = [](nl_msg *m) { nla_put_u64(m, MPWIFI_AP_ATTR_IFINDEX, 3); }});
	expectParseError([&] { (void)parseApStats(header(wide)); }, "MPWIFI_AP_ATTR_IFINDEX: 8 bytes, expected 4");

	auto narrow = genlMessage(MPWIFI_CMD_AP_GET);
	putAp(narrow.get(), {.omit = {MPWIFI_AP_ATTR_LOST},
			     .extra = [](nl_msg *m) { nla_put_u32(m, MPWIFI_AP_ATTR_LOST, 7); }});
	expectParseError([&] { (void)parseApStats(header(narrow)); }, "MPWIFI_AP_ATTR_LOST: 4 bytes, expected 8");

	auto phy = genlMessage(MPWIFI_CMD_AP_GET);
	putAp(phy.get(), {.omit = {MPWIFI_AP_ATTR_PHY},
			  .extra = [](nl_msg *m) { nla_put_u32(m, MPWIFI_AP_ATTR_PHY, MPWIFI_PHY_HT); }});
	expectParseError([&] { (void)parseApStats(header(phy)); }, "MPWIFI_AP_ATTR_PHY: 4 bytes, expected 1");
}

TEST(ParseApStats, IfnameLengthIsBounded)
{
	auto longest = genlMessage(MPWIFI_CMD_AP_GET);
	putAp(longest.get(), {.omit = {MPWIFI_AP_ATTR_IFNAME},
			      .extra = [](nl_msg *m) { nla_put_string(m, MPWIFI_AP_ATTR_IFNAME, "fifteen-chars-x"); }});
	EXPECT_EQ(parseApStats(header(longest)).ifname, "fifteen-chars-x");

	auto bad = genlMessage(MPWIFI_CMD_AP_GET);
	putAp(bad.get(), {.omit = {MPWIFI_AP_ATTR_IFNAME},
			  .extra = [](nl_msg *m) { nla_put_string(m, MPWIFI_AP_ATTR_IFNAME, "sixteen-chars-xx"); }});
	expectParseError([&] { (void)parseApStats(header(bad)); }, "MPWIFI_AP_ATTR_IFNAME: longer than 15");
}

TEST(ParseApStats, TruncatedMessagesAreErrors)
{
	auto msg = genlMessage(MPWIFI_CMD_AP_GET);
	putAp(msg.get());
	auto words = overlongCopy(msg);
	auto *copy = reinterpret_cast<nlmsghdr *>(words.data());
	expectParseError([&] { (void)parseApStats(*copy); }, "truncated attribute");

	// Shorter than the generic netlink header.
	copy->nlmsg_len = NLMSG_HDRLEN + 2;
	expectParseError([&] { (void)parseApStats(*copy); }, "shorter than the netlink and genetlink headers");
}

TEST(ParseConfig, ReadsNestedConfig)
{
	for (bool hook : {false, true}) {
		auto msg = genlMessage(MPWIFI_CMD_CONFIG_GET);
		nlattr *nest = nla_nest_start(msg.get(), MPWIFI_ATTR_CONFIG);
		nla_put_u32(msg.get(), MPWIFI_CONFIG_ATTR_WINDOW_MS, 500);
		nla_put_u32(msg.get(), MPWIFI_CONFIG_ATTR_MAX_APS, 64);
		nla_put_u32(msg.get(), MPWIFI_CONFIG_ATTR_AP_BYTES, 320);
		nla_put_u8(msg.get(), MPWIFI_CONFIG_ATTR_RX_HOOK, hook ? 1 : 0);
		nla_put_u32(msg.get(), MPWIFI_CONFIG_ATTR_MAX + 1, 99); // newer
		nla_nest_end(msg.get(), nest);

		const Config c = parseConfig(header(msg));
		EXPECT_EQ(c.window_ms, 500u);
		EXPECT_EQ(c.max_aps, 64u);
		EXPECT_EQ(c.ap_bytes, 320u);
		EXPECT_EQ(c.rx_hook, hook);
	}
}

TEST(ParseConfig, MissingPiecesAreErrors)
{
	auto empty = genlMessage(MPWIFI_CMD_CONFIG_GET);
	expectParseError([&] { (void)parseConfig(header(empty)); }, "MPWIFI_ATTR_CONFIG: missing");

	auto partial = genlMessage(MPWIFI_CMD_CONFIG_GET);
	nlattr *nest = nla_nest_start(partial.get(), MPWIFI_ATTR_CONFIG);
	nla_put_u32(partial.get(), MPWIFI_CONFIG_ATTR_WINDOW_MS, 500);
	nla_nest_end(partial.get(), nest);
	expectParseError([&] { (void)parseConfig(header(partial)); }, "MPWIFI_CONFIG_ATTR_MAX_APS: missing");
}

TEST(ParseEcn, ReadsEveryField)
{
	auto msg = genlMessage(MPWIFI_CMD_ECN_GET);
	putEcn(msg.get(), {.extra = [](nl_msg *m) { nla_put_u32(m, MPWIFI_ECN_ATTR_MAX + 1, 7); }}); // newer

	const EcnConfig c = parseEcn(header(msg));
	EXPECT_TRUE(c.enabled);
	EXPECT_EQ(c.law, EcnLaw::Uncoupled);
	EXPECT_EQ(c.threshold_ppm, 200'000u);
	EXPECT_EQ(c.cap_ppm, 50'000u);
	EXPECT_EQ(c.budget_ppm, 25'000u);
	EXPECT_EQ(c.min_frames, 10u);
	EXPECT_EQ(c.stale_ms, 1000u);
	EXPECT_EQ(c.best_packet_time_ns, 250'123u);
}

TEST(ParseEcn, SeedLawDisabledAndNoBest)
{
	auto msg = genlMessage(MPWIFI_CMD_ECN_GET);
	putEcn(msg.get(), {.omit = {MPWIFI_ECN_ATTR_ENABLED},
			   .law = MPWIFI_ECN_LAW_SEED,
			   .withBest = false,
			   .extra = [](nl_msg *m) { nla_put_u8(m, MPWIFI_ECN_ATTR_ENABLED, 0); }});
	const EcnConfig c = parseEcn(header(msg));
	EXPECT_FALSE(c.enabled);
	EXPECT_EQ(c.law, EcnLaw::Seed);
	EXPECT_FALSE(c.best_packet_time_ns);
}

TEST(ParseEcn, UnknownLawIsReportedNotGuessed)
{
	auto msg = genlMessage(MPWIFI_CMD_ECN_GET);
	putEcn(msg.get(), {.law = 2});
	expectParseError([&] { (void)parseEcn(header(msg)); },
			 "ECN_GET reply: MPWIFI_ECN_ATTR_LAW: 2 is not a law this version knows (0 seed, 1 uncoupled)");

	auto max = genlMessage(MPWIFI_CMD_ECN_GET);
	putEcn(max.get(), {.law = 255});
	expectParseError([&] { (void)parseEcn(header(max)); }, "MPWIFI_ECN_ATTR_LAW: 255 is not a law");
}

TEST(ParseEcn, EveryRequiredAttributeMustBeThere)
{
#define ATTR(x) std::pair<int, const char *>(x, #x)
	for (auto [type, name] : {ATTR(MPWIFI_ECN_ATTR_ENABLED), ATTR(MPWIFI_ECN_ATTR_LAW),
				  ATTR(MPWIFI_ECN_ATTR_THRESHOLD_PPM), ATTR(MPWIFI_ECN_ATTR_CAP_PPM),
				  ATTR(MPWIFI_ECN_ATTR_BUDGET_PPM), ATTR(MPWIFI_ECN_ATTR_MIN_FRAMES),
				  ATTR(MPWIFI_ECN_ATTR_STALE_MS)}) {
		auto msg = genlMessage(MPWIFI_CMD_ECN_GET);
		putEcn(msg.get(), {.omit = {type}});
		expectParseError([&] { (void)parseEcn(header(msg)); }, std::string(name) + ": missing");
	}
#undef ATTR
}

TEST(ParseEcn, MalformedAttributesAreErrors)
{
	auto empty = genlMessage(MPWIFI_CMD_ECN_GET);
	expectParseError([&] { (void)parseEcn(header(empty)); }, "ECN_GET reply: MPWIFI_ATTR_ECN: missing");

	auto shortThreshold = genlMessage(MPWIFI_CMD_ECN_GET);
	putEcn(shortThreshold.get(),
	       {.omit = {MPWIFI_ECN_ATTR_THRESHOLD_PPM},
		.extra = [](nl_msg *m) { nla_put_u16(m, MPWIFI_ECN_ATTR_THRESHOLD_PPM, 5); }});
	expectParseError([&] { (void)parseEcn(header(shortThreshold)); },
			 "MPWIFI_ECN_ATTR_THRESHOLD_PPM: 2 bytes, expected 4");

	auto wideLaw = genlMessage(MPWIFI_CMD_ECN_GET);
	putEcn(wideLaw.get(), {.omit = {MPWIFI_ECN_ATTR_LAW},
			       .extra = [](nl_msg *m) { nla_put_u32(m, MPWIFI_ECN_ATTR_LAW, 1); }});
	expectParseError([&] { (void)parseEcn(header(wideLaw)); }, "MPWIFI_ECN_ATTR_LAW: 4 bytes, expected 1");

	auto emptyBest = genlMessage(MPWIFI_CMD_ECN_GET);
	putEcn(emptyBest.get(), {.withBest = false, .extra = [](nl_msg *m) {
					 nla_put(m, MPWIFI_ECN_ATTR_BEST_PACKET_TIME_NS, 0, nullptr);
				 }});
	expectParseError([&] { (void)parseEcn(header(emptyBest)); },
			 "MPWIFI_ECN_ATTR_BEST_PACKET_TIME_NS: 0 bytes, expected 4");

	auto msg = genlMessage(MPWIFI_CMD_ECN_GET);
	putEcn(msg.get());
	const auto words = overlongCopy(msg);
	expectParseError([&] { (void)parseEcn(*reinterpret_cast<const nlmsghdr *>(words.data())); },
			 "truncated attribute");
}

TEST(ParseEvent, NewAndDel)
{
	for (auto [cmd, kind] : {std::pair(MPWIFI_EVENT_AP_NEW, ApEvent::Kind::New),
				 std::pair(MPWIFI_EVENT_AP_DEL, ApEvent::Kind::Del)}) {
		auto msg = genlMessage(static_cast<std::uint8_t>(cmd));
		putAp(msg.get(), {.identityOnly = true});
		const auto ev = parseEvent(header(msg));
		ASSERT_TRUE(ev);
		EXPECT_EQ(ev->kind, kind);
		EXPECT_EQ(ev->ifindex, 3u);
		EXPECT_EQ(ev->ifname, "wlan0");
		EXPECT_EQ(formatMac(ev->station), "02:00:00:00:00:01");
		EXPECT_EQ(formatMac(ev->bssid), "aa:bb:cc:0d:ee:ff");
	}
}

TEST(ParseEvent, UnknownEventIsSkippedMalformedIsAnError)
{
	auto future = genlMessage(MPWIFI_CMD_MAX + 1);
	EXPECT_FALSE(parseEvent(header(future)));

	auto bad = genlMessage(MPWIFI_EVENT_AP_DEL);
	putAp(bad.get(), {.identityOnly = true, .omit = {MPWIFI_AP_ATTR_STA_ADDR}});
	expectParseError([&] { (void)parseEvent(header(bad)); }, "MPWIFI_AP_ATTR_STA_ADDR: missing");
}

// Requests, decoded with libnl (not with our parser).
struct Decoded {
	std::uint16_t type;
	std::uint8_t cmd;
	std::uint8_t version;
	nlattr *tb[MPWIFI_ATTR_MAX + 1];
	netlink::MsgPtr msg; // tb points into it
};

Decoded decode(netlink::MsgPtr msg)
{
	Decoded d{};
	d.msg = std::move(msg);
	nlmsghdr *h = nlmsg_hdr(d.msg.get());
	d.type = h->nlmsg_type;
	auto *genl = static_cast<genlmsghdr *>(nlmsg_data(h));
	d.cmd = genl->cmd;
	d.version = genl->version;
	EXPECT_EQ(genlmsg_parse(h, 0, d.tb, MPWIFI_ATTR_MAX, nullptr), 0);
	return d;
}

TEST(Requests, ApGetAndFlushCarryTheOptionalIfindex)
{
	Decoded all = decode(apGetRequest(0x31, std::nullopt));
	EXPECT_EQ(all.type, 0x31);
	EXPECT_EQ(all.cmd, MPWIFI_CMD_AP_GET);
	EXPECT_EQ(all.version, MPWIFI_GENL_VERSION);
	EXPECT_EQ(all.tb[MPWIFI_ATTR_IFINDEX], nullptr);

	Decoded one = decode(apFlushRequest(0x31, 7));
	EXPECT_EQ(one.cmd, MPWIFI_CMD_AP_FLUSH);
	ASSERT_NE(one.tb[MPWIFI_ATTR_IFINDEX], nullptr);
	EXPECT_EQ(nla_get_u32(one.tb[MPWIFI_ATTR_IFINDEX]), 7u);
}

TEST(Requests, ConfigSetNestsTheWindow)
{
	Decoded d = decode(configSetRequest(0x31, {.window_ms = 250}));
	EXPECT_EQ(d.cmd, MPWIFI_CMD_CONFIG_SET);
	ASSERT_NE(d.tb[MPWIFI_ATTR_CONFIG], nullptr);
	nlattr *cfg[MPWIFI_CONFIG_ATTR_MAX + 1];
	ASSERT_EQ(nla_parse_nested(cfg, MPWIFI_CONFIG_ATTR_MAX, d.tb[MPWIFI_ATTR_CONFIG], nullptr), 0);
	ASSERT_NE(cfg[MPWIFI_CONFIG_ATTR_WINDOW_MS], nullptr);
	EXPECT_EQ(nla_get_u32(cfg[MPWIFI_CONFIG_ATTR_WINDOW_MS]), 250u);
	EXPECT_EQ(cfg[MPWIFI_CONFIG_ATTR_MAX_APS], nullptr);

	Decoded get = decode(configGetRequest(0x31));
	EXPECT_EQ(get.cmd, MPWIFI_CMD_CONFIG_GET);
	EXPECT_EQ(get.tb[MPWIFI_ATTR_CONFIG], nullptr);
}

TEST(Requests, EcnGetAndSet)
{
	Decoded get = decode(ecnGetRequest(0x31));
	EXPECT_EQ(get.type, 0x31);
	EXPECT_EQ(get.cmd, MPWIFI_CMD_ECN_GET);
	EXPECT_EQ(get.version, MPWIFI_GENL_VERSION);
	EXPECT_EQ(get.tb[MPWIFI_ATTR_ECN], nullptr);

	Decoded set = decode(ecnSetRequest(0x31, {.enabled = false,
						  .law = EcnLaw::Uncoupled,
						  .threshold_ppm = 10'000'000,
						  .cap_ppm = 0,
						  .budget_ppm = 217,
						  .min_frames = 100'000,
						  .stale_ms = 10}));
	EXPECT_EQ(set.cmd, MPWIFI_CMD_ECN_SET);
	ASSERT_NE(set.tb[MPWIFI_ATTR_ECN], nullptr);
	nlattr *ecn[MPWIFI_ECN_ATTR_MAX + 1];
	ASSERT_EQ(nla_parse_nested(ecn, MPWIFI_ECN_ATTR_MAX, set.tb[MPWIFI_ATTR_ECN], nullptr), 0);
	for (int type : {MPWIFI_ECN_ATTR_ENABLED, MPWIFI_ECN_ATTR_LAW}) {
		ASSERT_NE(ecn[type], nullptr) << type;
		EXPECT_EQ(nla_len(ecn[type]), 1) << type;
	}
	EXPECT_EQ(nla_get_u8(ecn[MPWIFI_ECN_ATTR_ENABLED]), 0);
	EXPECT_EQ(nla_get_u8(ecn[MPWIFI_ECN_ATTR_LAW]), 1);
	for (auto [type, value] :
	     {std::pair(MPWIFI_ECN_ATTR_THRESHOLD_PPM, 10'000'000u), std::pair(MPWIFI_ECN_ATTR_CAP_PPM, 0u),
	      std::pair(MPWIFI_ECN_ATTR_BUDGET_PPM, 217u), std::pair(MPWIFI_ECN_ATTR_MIN_FRAMES, 100'000u),
	      std::pair(MPWIFI_ECN_ATTR_STALE_MS, 10u)}) {
		ASSERT_NE(ecn[type], nullptr) << type;
		EXPECT_EQ(nla_len(ecn[type]), 4) << type;
		EXPECT_EQ(nla_get_u32(ecn[type]), value) << type;
	}
	EXPECT_EQ(ecn[MPWIFI_ECN_ATTR_BEST_PACKET_TIME_NS], nullptr);
}

TEST(Requests, EcnSetCarriesOnlyWhatChanges)
{
	Decoded d = decode(ecnSetRequest(0x31, {.enabled = true, .cap_ppm = 50'000}));
	nlattr *ecn[MPWIFI_ECN_ATTR_MAX + 1];
	ASSERT_EQ(nla_parse_nested(ecn, MPWIFI_ECN_ATTR_MAX, d.tb[MPWIFI_ATTR_ECN], nullptr), 0);
	ASSERT_NE(ecn[MPWIFI_ECN_ATTR_ENABLED], nullptr);
	EXPECT_EQ(nla_get_u8(ecn[MPWIFI_ECN_ATTR_ENABLED]), 1);
	ASSERT_NE(ecn[MPWIFI_ECN_ATTR_CAP_PPM], nullptr);
	EXPECT_EQ(nla_get_u32(ecn[MPWIFI_ECN_ATTR_CAP_PPM]), 50'000u);
	for (int type : {MPWIFI_ECN_ATTR_LAW, MPWIFI_ECN_ATTR_THRESHOLD_PPM, MPWIFI_ECN_ATTR_BUDGET_PPM,
			 MPWIFI_ECN_ATTR_MIN_FRAMES, MPWIFI_ECN_ATTR_STALE_MS})
		EXPECT_EQ(ecn[type], nullptr) << type;
}

// A full set request has the shape of a get reply: our parser reads back
// what our builder wrote.
TEST(Requests, EcnSetRoundTrip)
{
	auto msg = ecnSetRequest(0x31, {.enabled = true,
					.law = EcnLaw::Seed,
					.threshold_ppm = 300'000,
					.cap_ppm = 1'000'000,
					.budget_ppm = 1,
					.min_frames = 1,
					.stale_ms = 60'000});
	const EcnConfig c = parseEcn(*nlmsg_hdr(msg.get()));
	EXPECT_TRUE(c.enabled);
	EXPECT_EQ(c.law, EcnLaw::Seed);
	EXPECT_EQ(c.threshold_ppm, 300'000u);
	EXPECT_EQ(c.cap_ppm, 1'000'000u);
	EXPECT_EQ(c.budget_ppm, 1u);
	EXPECT_EQ(c.min_frames, 1u);
	EXPECT_EQ(c.stale_ms, 60'000u);
	EXPECT_FALSE(c.best_packet_time_ns);
}

TEST(Types, EcnLawsAndPercents)
{
	EXPECT_EQ(ecnLawName(EcnLaw::Seed), "seed");
	EXPECT_EQ(ecnLawName(EcnLaw::Uncoupled), "uncoupled");
	EXPECT_EQ(ecnLawName(static_cast<EcnLaw>(9)), "unknown");
	EXPECT_EQ(ecnLawFromWire(0), EcnLaw::Seed);
	EXPECT_EQ(ecnLawFromWire(1), EcnLaw::Uncoupled);
	EXPECT_EQ(ecnLawFromWire(2), std::nullopt);
	EXPECT_EQ(ecnLawFromName("seed"), EcnLaw::Seed);
	EXPECT_EQ(ecnLawFromName("uncoupled"), EcnLaw::Uncoupled);
	EXPECT_EQ(ecnLawFromName("Seed"), std::nullopt);
	EXPECT_EQ(ecnLawFromName(""), std::nullopt);

	EXPECT_EQ(formatPpmAsPercent(0), "0");
	EXPECT_EQ(formatPpmAsPercent(1), "0.0001");
	EXPECT_EQ(formatPpmAsPercent(100), "0.01");
	EXPECT_EQ(formatPpmAsPercent(217), "0.0217");
	EXPECT_EQ(formatPpmAsPercent(25'000), "2.5");
	EXPECT_EQ(formatPpmAsPercent(123'456), "12.3456");
	EXPECT_EQ(formatPpmAsPercent(1'000'000), "100");
	EXPECT_EQ(formatPpmAsPercent(10'000'000), "1000");

	EXPECT_TRUE(EcnUpdate{}.empty());
	EXPECT_FALSE(EcnUpdate{.enabled = false}.empty());
	EXPECT_FALSE(EcnUpdate{.stale_ms = 10}.empty());
	EXPECT_TRUE(kEcnBudgetPpm.contains(1));
	EXPECT_FALSE(kEcnBudgetPpm.contains(0));
	EXPECT_TRUE(kEcnStaleMs.contains(MPWIFI_ECN_STALE_MS_MAX));
	EXPECT_FALSE(kEcnStaleMs.contains(MPWIFI_ECN_STALE_MS_MAX + 1));
}

TEST(Types, FormatsAndNames)
{
	EXPECT_EQ(formatMac({0xAB, 0xCD, 0xEF, 0x01, 0x23, 0x45}), "ab:cd:ef:01:23:45");
	EXPECT_EQ(phyName(Phy::Dsss), "dsss");
	EXPECT_EQ(phyName(Phy::Ofdm), "ofdm");
	EXPECT_EQ(phyName(Phy::Ht), "ht");
	EXPECT_EQ(phyName(Phy::Vht), "vht");
	EXPECT_EQ(phyName(Phy::He), "he");
	EXPECT_EQ(phyName(Phy::Unknown), "unknown");
	EXPECT_EQ(phyFromWire(MPWIFI_PHY_VHT), Phy::Vht);
	EXPECT_EQ(phyFromWire(200), Phy::Unknown);
	EXPECT_FALSE(validWindowMs(MPWIFI_WINDOW_MS_MIN - 1));
	EXPECT_TRUE(validWindowMs(MPWIFI_WINDOW_MS_MIN));
	EXPECT_TRUE(validWindowMs(MPWIFI_WINDOW_MS_MAX));
	EXPECT_FALSE(validWindowMs(MPWIFI_WINDOW_MS_MAX + 1));
}

} // namespace
} // namespace mpwifi
