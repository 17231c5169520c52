// SPDX-License-Identifier: GPL-2.0
// The interface combinations of real chips, as `iw list` prints them, built
// into NL80211_CMD_GET_WIPHY replies the way nl80211_put_iface_combinations()
// does, for the daemon's own parsing.
#pragma once

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
#include "netlink/genl_socket.h"

namespace mpwifi::daemon::chips {

// iw's names of interface types (iw's util.c iftype_name()).
inline const std::map<std::string, int> kIftypeByName = {
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
inline IfaceCombination fromIw(const std::string &line)
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

inline netlink::MsgPtr wiphyMessage(std::uint32_t wiphy)
{
	netlink::MsgPtr msg(nlmsg_alloc());
	genlmsg_put(msg.get(), NL_AUTO_PORT, NL_AUTO_SEQ, 0x1c, 0, NLM_F_MULTI, NL80211_CMD_NEW_WIPHY, 0);
	nla_put_u32(msg.get(), NL80211_ATTR_WIPHY, wiphy);
	nla_put_string(msg.get(), NL80211_ATTR_WIPHY_NAME, ("phy" + std::to_string(wiphy)).c_str());
	return msg;
}

inline void putTypes(nl_msg *msg, int attr, std::uint32_t types)
{
	nlattr *nest = nla_nest_start(msg, attr);
	for (int t = 0; t < 32; t++)
		if (types & (1u << t))
			nla_put_flag(msg, t);
	nla_nest_end(msg, nest);
}

inline void putCombinations(nl_msg *msg, const std::vector<IfaceCombination> &combinations)
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

inline constexpr std::uint32_t kLaptopTypes = (1u << NL80211_IFTYPE_STATION) | (1u << NL80211_IFTYPE_AP) |
				       (1u << NL80211_IFTYPE_MONITOR) | (1u << NL80211_IFTYPE_P2P_CLIENT) |
				       (1u << NL80211_IFTYPE_P2P_GO) | (1u << NL80211_IFTYPE_P2P_DEVICE);

// A split dump of one wiphy: its supported types in one reply, its
// combinations (from `iw list` lines; none for a driver without them) in
// the next, as nl80211_send_wiphy() splits it.
inline Radio parsedRadio(const std::vector<std::string> &iwLines, std::uint32_t types = kLaptopTypes)
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
inline const std::vector<std::string> kIwlMvm = {
	"#{ managed } <= 1, #{ AP, P2P-client, P2P-GO } <= 1, #{ P2P-device } <= 1, total <= 3, #channels <= 2"};
// MediaTek MT7921/MT7922 on 6.1 (mt76 mt7921/init.c; firmware without CNM on 6.12).
inline const std::vector<std::string> kMt7921 = {
	"#{ managed } <= 4, #{ AP } <= 1, total <= 4, #channels <= 1, STA/AP BI must match"};
// Qualcomm QCA6174 (ath10k, WMI-TLV firmware with adaptive OCS).
inline const std::vector<std::string> kAth10k = {
	"#{ managed } <= 2, #{ AP, P2P-client, P2P-GO } <= 2, #{ P2P-device } <= 1, total <= 4, #channels <= 1",
	"#{ managed } <= 2, #{ P2P-client } <= 2, #{ AP, P2P-GO } <= 1, #{ P2P-device } <= 1, total <= 4, "
	"#channels <= 2",
	"#{ managed } <= 1, #{ outside context of a BSS, mesh point, IBSS } <= 1, total <= 2, #channels <= 1"};
// Atheros AR9xxx (ath9k without use_chanctx).
inline const std::vector<std::string> kAth9k = {
	"#{ managed } <= 2048, #{ AP, mesh point } <= 8, #{ P2P-client, P2P-GO } <= 1, #{ IBSS } <= 1, "
	"total <= 2048, #channels <= 1, STA/AP BI must match"};
// Qualcomm WCN6855 on 6.12 (ath11k with support_dual_stations).
inline const std::vector<std::string> kWcn6855 = {
	"#{ managed } <= 2, #{ AP, P2P-client, P2P-GO } <= 1, #{ P2P-device } <= 1, total <= 3, #channels <= 2, "
	"STA/AP BI must match"};
// mac80211_hwsim's default radio (6.1 mac80211_hwsim.c: one limit of 2048 shared by five types).
inline const std::vector<std::string> kHwsim = {
	"#{ IBSS } <= 1, #{ managed, AP, mesh point, P2P-client, P2P-GO } <= 2048, #{ P2P-device } <= 1, "
	"total <= 2050, #channels <= 1"};
// An mt76x2u USB dongle: stations share one limit with APs.
inline const std::vector<std::string> kMt76x2u = {
	"#{ IBSS } <= 1, #{ managed, AP, mesh point, P2P-client, P2P-GO } <= 2, total <= 2, #channels <= 1, "
	"STA/AP BI must match"};

} // namespace mpwifi::daemon::chips
