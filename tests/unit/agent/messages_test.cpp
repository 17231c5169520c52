// SPDX-License-Identifier: GPL-2.0
// The "mpwifi" wire format: parsers on messages built with libnl, and the
// requests we send, decoded with libnl's own parser.
#include <gtest/gtest.h>

#include <cstring>
#include <vector>

#include "mpwifi/messages.h"
#include "netlink/error.h"
#include "test_messages.h"

namespace mpwifi {
namespace {

using namespace mpwifi::test;
using netlink::ParseError;

// Runs @fn, expecting a ParseError whose message contains @needle.
template <typename Fn>
void expectParseError(Fn &&fn, const std::string &needle)
{
	try {
		fn();
		ADD_FAILURE() << "no ParseError, expected one mentioning " << needle;
	} catch (const ParseError &e) {
		EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
		EXPECT_EQ(e.code(), EBADMSG);
	}
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

TEST(ParseApStats, DeliveryBoundsAndOverflow)
{
	for (std::uint32_t ppm : {0u, 1'000'000u}) {
		auto msg = genlMessage(MPWIFI_CMD_AP_GET);
		putAp(msg.get(), {.deliveryPpm = ppm});
		EXPECT_DOUBLE_EQ(*parseApStats(header(msg)).delivery_prob, ppm / 1e6);
	}
	auto msg = genlMessage(MPWIFI_CMD_AP_GET);
	putAp(msg.get(), {.deliveryPpm = 1'000'001});
	expectParseError([&] { (void)parseApStats(header(msg)); }, "MPWIFI_AP_ATTR_DELIVERY_PPM");
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
	const nlmsghdr &h = header(msg);

	// A copy whose last attribute claims more bytes than the message has.
	std::vector<std::uint32_t> words(h.nlmsg_len / 4 + 1);
	std::memcpy(words.data(), &h, h.nlmsg_len);
	auto *copy = reinterpret_cast<nlmsghdr *>(words.data());
	auto *nest = static_cast<nlattr *>(nlmsg_attrdata(copy, GENL_HDRLEN));
	nest->nla_len = static_cast<std::uint16_t>(nest->nla_len + 8);
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
};

Decoded decode(const netlink::MsgPtr &msg)
{
	Decoded d{};
	nlmsghdr *h = nlmsg_hdr(msg.get());
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
