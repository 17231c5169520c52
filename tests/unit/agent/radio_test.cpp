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

#include "chip_fixtures.h"
#include "daemon/radio.h"
#include "netlink/error.h"
#include "netlink/genl_socket.h"

namespace mpwifi::daemon {
namespace {

using namespace chips;

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
