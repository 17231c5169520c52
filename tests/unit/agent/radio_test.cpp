// SPDX-License-Identifier: GPL-2.0
// Radio limits from nl80211: the interface combinations of real chips, as
// `iw list` prints them, built into NL80211_CMD_GET_WIPHY replies the way
// nl80211_put_iface_combinations() does and parsed by the daemon's code.
#include <gtest/gtest.h>

#include <linux/nl80211.h>
#include <netlink/attr.h>
#include <netlink/genl/genl.h>
#include <netlink/msg.h>

#include <cstdint>
#include <map>
#include <regex>
#include <string>
#include <vector>

#include "daemon/radio.h"
#include "netlink/error.h"
#include "netlink/genl_socket.h"

namespace mpwifi::daemon {
namespace {

// iw's names of interface types (iw's util.c iftype_name()).
const std::map<std::string, int> kIftypeByName = {
	{"IBSS", NL80211_IFTYPE_ADHOC},
	{"managed", NL80211_IFTYPE_STATION},
	{"AP", NL80211_IFTYPE_AP},
	{"AP/VLAN", NL80211_IFTYPE_AP_VLAN},
	{"monitor", NL80211_IFTYPE_MONITOR},
	{"mesh point", NL80211_IFTYPE_MESH_POINT},
	{"P2P-client", NL80211_IFTYPE_P2P_CLIENT},
	{"P2P-GO", NL80211_IFTYPE_P2P_GO},
	{"P2P-device", NL80211_IFTYPE_P2P_DEVICE},
	{"outside context of a BSS", NL80211_IFTYPE_OCB},
};

// One combination line of `iw list`:
// "#{ managed } <= 1, #{ AP, P2P-client, P2P-GO } <= 1, total <= 3, #channels <= 2".
IfaceCombination fromIw(const std::string &line)
{
	IfaceCombination c;
	static const std::regex limitRe(R"(#\{ ([^}]*) \} <= ([0-9]+))");
	for (std::sregex_iterator it(line.begin(), line.end(), limitRe), end; it != end; ++it) {
		IfaceLimit limit{static_cast<std::uint32_t>(std::stoul((*it)[2])), 0};
		const std::string names = (*it)[1];
		std::size_t start = 0;
		while (start < names.size()) {
			std::size_t comma = names.find(", ", start);
			if (comma == std::string::npos)
				comma = names.size();
			limit.types |= 1u << kIftypeByName.at(names.substr(start, comma - start));
			start = comma + 2;
		}
		c.limits.push_back(limit);
	}
	std::smatch m;
	if (std::regex_search(line, m, std::regex(R"(total <= ([0-9]+))")))
		c.maxInterfaces = static_cast<std::uint32_t>(std::stoul(m[1]));
	if (std::regex_search(line, m, std::regex(R"(#channels <= ([0-9]+))")))
		c.channels = static_cast<std::uint32_t>(std::stoul(m[1]));
	return c;
}

netlink::MsgPtr wiphyMessage(std::uint32_t wiphy)
{
	netlink::MsgPtr msg(nlmsg_alloc());
	genlmsg_put(msg.get(), NL_AUTO_PORT, NL_AUTO_SEQ, 0x1c, 0, NLM_F_MULTI, NL80211_CMD_NEW_WIPHY, 0);
	nla_put_u32(msg.get(), NL80211_ATTR_WIPHY, wiphy);
	nla_put_string(msg.get(), NL80211_ATTR_WIPHY_NAME, ("phy" + std::to_string(wiphy)).c_str());
	return msg;
}

void putTypes(nl_msg *msg, int attr, std::uint32_t types)
{
	nlattr *nest = nla_nest_start(msg, attr);
	for (int t = 0; t < 32; t++)
		if (types & (1u << t))
			nla_put_flag(msg, t);
	nla_nest_end(msg, nest);
}

void putCombinations(nl_msg *msg, const std::vector<IfaceCombination> &combinations)
{
	nlattr *all = nla_nest_start(msg, NL80211_ATTR_INTERFACE_COMBINATIONS);
	int i = 0;
	for (const IfaceCombination &c : combinations) {
		nlattr *one = nla_nest_start(msg, ++i);
		nlattr *limits = nla_nest_start(msg, NL80211_IFACE_COMB_LIMITS);
		int j = 0;
		for (const IfaceLimit &l : c.limits) {
			nlattr *limit = nla_nest_start(msg, ++j);
			nla_put_u32(msg, NL80211_IFACE_LIMIT_MAX, l.max);
			putTypes(msg, NL80211_IFACE_LIMIT_TYPES, l.types);
			nla_nest_end(msg, limit);
		}
		nla_nest_end(msg, limits);
		nla_put_u32(msg, NL80211_IFACE_COMB_NUM_CHANNELS, c.channels);
		nla_put_u32(msg, NL80211_IFACE_COMB_MAXNUM, c.maxInterfaces);
		nla_nest_end(msg, one);
	}
	nla_nest_end(msg, all);
}

constexpr std::uint32_t kLaptopTypes = (1u << NL80211_IFTYPE_STATION) | (1u << NL80211_IFTYPE_AP) |
				       (1u << NL80211_IFTYPE_MONITOR) | (1u << NL80211_IFTYPE_P2P_CLIENT) |
				       (1u << NL80211_IFTYPE_P2P_GO) | (1u << NL80211_IFTYPE_P2P_DEVICE);

// A split dump of one wiphy: its supported types in one reply, its
// combinations (from `iw list` lines; none for a driver without them) in
// the next, as nl80211_send_wiphy() splits it.
Radio parsedRadio(const std::vector<std::string> &iwLines, std::uint32_t types = kLaptopTypes)
{
	std::vector<Radio> radios;
	auto first = wiphyMessage(0);
	putTypes(first.get(), NL80211_ATTR_SUPPORTED_IFTYPES, types);
	mergeWiphy(radios, *nlmsg_hdr(first.get()));
	auto second = wiphyMessage(0);
	std::vector<IfaceCombination> combinations;
	for (const std::string &line : iwLines)
		combinations.push_back(fromIw(line));
	putCombinations(second.get(), combinations);
	mergeWiphy(radios, *nlmsg_hdr(second.get()));
	EXPECT_EQ(radios.size(), 1u);
	return radios.at(0);
}

// Intel AX200/AX201/AX210/AX211 and older mvm parts (iwlwifi mvm, 6.1 and 6.12).
const std::vector<std::string> kIwlMvm = {
	"#{ managed } <= 1, #{ AP, P2P-client, P2P-GO } <= 1, #{ P2P-device } <= 1, total <= 3, #channels <= 2"};
// MediaTek MT7921/MT7922 on 6.1 (mt76 mt7921/init.c; firmware without CNM on 6.12).
const std::vector<std::string> kMt7921 = {
	"#{ managed } <= 4, #{ AP } <= 1, total <= 4, #channels <= 1, STA/AP BI must match"};
// Qualcomm QCA6174 (ath10k, WMI-TLV firmware with adaptive OCS).
const std::vector<std::string> kAth10k = {
	"#{ managed } <= 2, #{ AP, P2P-client, P2P-GO } <= 2, #{ P2P-device } <= 1, total <= 4, #channels <= 1",
	"#{ managed } <= 2, #{ P2P-client } <= 2, #{ AP, P2P-GO } <= 1, #{ P2P-device } <= 1, total <= 4, "
	"#channels <= 2",
	"#{ managed } <= 1, #{ outside context of a BSS, mesh point, IBSS } <= 1, total <= 2, #channels <= 1"};
// Atheros AR9xxx (ath9k without use_chanctx).
const std::vector<std::string> kAth9k = {
	"#{ managed } <= 2048, #{ AP, mesh point } <= 8, #{ P2P-client, P2P-GO } <= 1, #{ IBSS } <= 1, "
	"total <= 2048, #channels <= 1, STA/AP BI must match"};
// Qualcomm WCN6855 on 6.12 (ath11k with support_dual_stations).
const std::vector<std::string> kWcn6855 = {
	"#{ managed } <= 2, #{ AP, P2P-client, P2P-GO } <= 1, #{ P2P-device } <= 1, total <= 3, #channels <= 2, "
	"STA/AP BI must match"};
// mac80211_hwsim's default radio (6.1 mac80211_hwsim.c: one limit of 2048 shared by five types).
const std::vector<std::string> kHwsim = {
	"#{ IBSS } <= 1, #{ managed, AP, mesh point, P2P-client, P2P-GO } <= 2048, #{ P2P-device } <= 1, "
	"total <= 2050, #channels <= 1"};
// An mt76x2u USB dongle: stations share one limit with APs.
const std::vector<std::string> kMt76x2u = {
	"#{ IBSS } <= 1, #{ managed, AP, mesh point, P2P-client, P2P-GO } <= 2, total <= 2, #channels <= 1, "
	"STA/AP BI must match"};

TEST(Radio, StationCapacityOfRealChips)
{
	EXPECT_EQ(stationCapacity(parsedRadio(kIwlMvm)), (StationCapacity{1, 1})); // its 2 channels need a P2P vif
	EXPECT_EQ(stationCapacity(parsedRadio(kMt7921)), (StationCapacity{4, 1}));
	EXPECT_EQ(stationCapacity(parsedRadio(kAth10k)), (StationCapacity{2, 2}));
	EXPECT_EQ(stationCapacity(parsedRadio(kAth9k)), (StationCapacity{2048, 1}));
	EXPECT_EQ(stationCapacity(parsedRadio(kWcn6855)), (StationCapacity{2, 2}));
	EXPECT_EQ(stationCapacity(parsedRadio(kHwsim)), (StationCapacity{2048, 1}));
	EXPECT_EQ(stationCapacity(parsedRadio(kMt76x2u)), (StationCapacity{2, 1}));
	// rtw88 and rtw89 on 6.1 give no combination: one interface at a time
	EXPECT_EQ(stationCapacity(parsedRadio({})), (StationCapacity{1, 1}));
}

TEST(Radio, AllowsStationsOnChannels)
{
	const Radio ath10k = parsedRadio(kAth10k);
	EXPECT_TRUE(allowsStations(ath10k, 2, 2));
	EXPECT_TRUE(allowsStations(ath10k, 2, 1));
	EXPECT_FALSE(allowsStations(ath10k, 3, 1));
	const Radio mt7921 = parsedRadio(kMt7921);
	EXPECT_TRUE(allowsStations(mt7921, 4, 1));
	EXPECT_FALSE(allowsStations(mt7921, 2, 2));
	const Radio iwl = parsedRadio(kIwlMvm);
	EXPECT_TRUE(allowsStations(iwl, 1, 1));
	EXPECT_FALSE(allowsStations(iwl, 2, 1));
	const Radio single = parsedRadio({});
	EXPECT_TRUE(allowsStations(single, 1, 1));
	EXPECT_FALSE(allowsStations(single, 2, 1));
	EXPECT_TRUE(allowsStations(single, 0, 0));
}

TEST(Radio, NoStationWithoutTheType)
{
	// a radio that cannot be a station at all, combinations or not
	const std::uint32_t apOnly = (1u << NL80211_IFTYPE_AP) | (1u << NL80211_IFTYPE_MONITOR);
	EXPECT_EQ(stationCapacity(parsedRadio({"#{ AP } <= 8, total <= 8, #channels <= 1"}, apOnly)),
		  (StationCapacity{0, 0}));
	EXPECT_EQ(stationCapacity(parsedRadio({}, apOnly)), (StationCapacity{0, 0}));
	EXPECT_FALSE(allowsStations(parsedRadio({}, apOnly), 1, 1));
	// a combination that names no station type allows none, whatever its total
	EXPECT_EQ(stationsAllowed(fromIw("#{ AP } <= 8, total <= 8, #channels <= 1")), 0u);
	// every limit naming the type must hold all stations: the tightest one counts, not their sum
	EXPECT_EQ(stationsAllowed(fromIw("#{ managed } <= 2, #{ managed, AP } <= 16, total <= 16, #channels <= 1")), 2u);
	// the total caps the limits
	EXPECT_EQ(stationsAllowed(fromIw("#{ managed } <= 8, total <= 3, #channels <= 1")), 3u);
}

TEST(Radio, InterleavedWiphysOfADump)
{
	std::vector<Radio> radios;
	for (std::uint32_t wiphy : {0u, 3u, 0u, 3u}) {
		auto msg = wiphyMessage(wiphy);
		if (radios.size() < 2) {
			putTypes(msg.get(), NL80211_ATTR_SUPPORTED_IFTYPES, kLaptopTypes);
		} else {
			std::vector<IfaceCombination> combinations;
			for (const std::string &line : wiphy == 0 ? kIwlMvm : kMt7921)
				combinations.push_back(fromIw(line));
			putCombinations(msg.get(), combinations);
		}
		mergeWiphy(radios, *nlmsg_hdr(msg.get()));
	}
	ASSERT_EQ(radios.size(), 2u);
	EXPECT_EQ(radios[0].name, "phy0");
	EXPECT_EQ(radios[1].name, "phy3");
	EXPECT_EQ(stationCapacity(radios[0]), (StationCapacity{1, 1}));
	EXPECT_EQ(stationCapacity(radios[1]), (StationCapacity{4, 1}));
}

std::string parseErrorOf(const netlink::MsgPtr &msg)
{
	std::vector<Radio> radios;
	try {
		mergeWiphy(radios, *nlmsg_hdr(msg.get()));
	} catch (const netlink::ParseError &e) {
		return e.what();
	}
	return "";
}

TEST(Radio, MalformedRepliesAreErrors)
{
	// a limit without its maximum
	auto noMax = wiphyMessage(0);
	nlattr *all = nla_nest_start(noMax.get(), NL80211_ATTR_INTERFACE_COMBINATIONS);
	nlattr *one = nla_nest_start(noMax.get(), 1);
	nlattr *limits = nla_nest_start(noMax.get(), NL80211_IFACE_COMB_LIMITS);
	nlattr *limit = nla_nest_start(noMax.get(), 1);
	putTypes(noMax.get(), NL80211_IFACE_LIMIT_TYPES, 1u << NL80211_IFTYPE_STATION);
	nla_nest_end(noMax.get(), limit);
	nla_nest_end(noMax.get(), limits);
	nla_put_u32(noMax.get(), NL80211_IFACE_COMB_NUM_CHANNELS, 1);
	nla_put_u32(noMax.get(), NL80211_IFACE_COMB_MAXNUM, 4);
	nla_nest_end(noMax.get(), one);
	nla_nest_end(noMax.get(), all);
	EXPECT_NE(parseErrorOf(noMax).find("NL80211_IFACE_LIMIT_MAX: missing"), std::string::npos)
		<< parseErrorOf(noMax);

	// an entry of the combinations array that is not a nest of attributes
	auto notNested = wiphyMessage(0);
	all = nla_nest_start(notNested.get(), NL80211_ATTR_INTERFACE_COMBINATIONS);
	nla_put_u8(notNested.get(), 1, 7);
	nla_nest_end(notNested.get(), all);
	EXPECT_NE(parseErrorOf(notNested).find("NL80211_ATTR_INTERFACE_COMBINATIONS[0]"), std::string::npos)
		<< parseErrorOf(notNested);

	// no wiphy index
	netlink::MsgPtr noWiphy(nlmsg_alloc());
	genlmsg_put(noWiphy.get(), NL_AUTO_PORT, NL_AUTO_SEQ, 0x1c, 0, 0, NL80211_CMD_NEW_WIPHY, 0);
	EXPECT_NE(parseErrorOf(noWiphy).find("NL80211_ATTR_WIPHY: missing"), std::string::npos)
		<< parseErrorOf(noWiphy);
}

} // namespace
} // namespace mpwifi::daemon
