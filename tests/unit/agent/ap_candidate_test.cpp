// SPDX-License-Identifier: GPL-2.0
// Scan results as the AP manager's candidates: NL80211_CMD_GET_SCAN replies
// built as nl80211_send_bss() does, parsed by the daemon's code, matched
// against a networks file.
#include <gtest/gtest.h>

#include <linux/nl80211.h>
#include <netlink/attr.h>
#include <netlink/genl/genl.h>
#include <netlink/msg.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "daemon/ap_select.h"
#include "daemon/nl80211.h"
#include "daemon/wifi_networks.h"
#include "netlink/error.h"
#include "netlink/genl_socket.h"

namespace mpwifi::daemon {
namespace {

using Bytes = std::vector<std::uint8_t>;

constexpr MacAddr kBssid{0x02, 0x00, 0x00, 0x00, 0x01, 0x00};

Bytes element(std::uint8_t id, const Bytes &body)
{
	Bytes out{id, static_cast<std::uint8_t>(body.size())};
	out.insert(out.end(), body.begin(), body.end());
	return out;
}

Bytes ssidElement(const std::string &ssid) { return element(0, Bytes(ssid.begin(), ssid.end())); }

// 1, 2, 5.5, 11 (basic), 6, 9, 12, 18 Mbit/s: an 11g AP
const Bytes kRates = element(1, {0x82, 0x84, 0x8b, 0x96, 0x0c, 0x12, 0x18, 0x24});
// RSN: version 1, CCMP group, one CCMP pairwise, one AKM 00-0F-AC:2 (PSK)
const Bytes kRsnPsk = element(48, {0x01, 0x00, 0x00, 0x0f, 0xac, 0x04, 0x01, 0x00, 0x00, 0x0f, 0xac, 0x04, 0x01,
				   0x00, 0x00, 0x0f, 0xac, 0x02, 0x00, 0x00});

Bytes concat(std::initializer_list<Bytes> parts)
{
	Bytes out;
	for (const Bytes &p : parts)
		out.insert(out.end(), p.begin(), p.end());
	return out;
}

struct Scan {
	Bytes ies;
	std::uint32_t freq = 2437;
	std::optional<std::int32_t> signalMbm = -6500;
	bool privacy = false;
};

BssInfo parsed(const Scan &s)
{
	netlink::MsgPtr msg(nlmsg_alloc());
	genlmsg_put(msg.get(), NL_AUTO_PORT, NL_AUTO_SEQ, 0x1c, 0, NLM_F_MULTI, NL80211_CMD_NEW_SCAN_RESULTS, 0);
	nla_put_u32(msg.get(), NL80211_ATTR_IFINDEX, 7);
	nlattr *bss = nla_nest_start(msg.get(), NL80211_ATTR_BSS);
	nla_put(msg.get(), NL80211_BSS_BSSID, 6, kBssid.data());
	nla_put_u32(msg.get(), NL80211_BSS_FREQUENCY, s.freq);
	nla_put_u16(msg.get(), NL80211_BSS_CAPABILITY, static_cast<std::uint16_t>(0x0001 | (s.privacy ? 0x0010 : 0)));
	if (s.signalMbm)
		nla_put_u32(msg.get(), NL80211_BSS_SIGNAL_MBM, static_cast<std::uint32_t>(*s.signalMbm));
	nla_put_u32(msg.get(), NL80211_BSS_SEEN_MS_AGO, 1234);
	nla_put(msg.get(), NL80211_BSS_INFORMATION_ELEMENTS, static_cast<int>(s.ies.size()), s.ies.data());
	nla_nest_end(msg.get(), bss);
	return parseScanEntry(*nlmsg_hdr(msg.get()));
}

const std::vector<WifiNetwork> &networks()
{
	static const auto nets = parseWifiNetworks(R"(network={
	ssid="home"
	psk="correct horse battery"
}
network={
	ssid="cafe"
	key_mgmt=NONE
}
network={
	ssid="old"
	key_mgmt=NONE
	disabled=1
}
)",
						   "nets.conf");
	return nets;
}

TEST(ScanEntry, FrequencySignalAndAge)
{
	const BssInfo bss = parsed({.ies = concat({ssidElement("home"), kRates, kRsnPsk}), .freq = 2437,
				    .signalMbm = -6550});
	EXPECT_EQ(bss.ifindex, 7u);
	EXPECT_EQ(bss.bssid, kBssid);
	EXPECT_EQ(bss.freqMhz, 2437u);
	EXPECT_EQ(bss.signalDbm, -65); // mBm / 100, towards zero
	EXPECT_EQ(bss.seenMsAgo, 1234u);
	EXPECT_FALSE(parsed({.ies = ssidElement("home"), .signalMbm = std::nullopt}).signalDbm);
}

// A GET_STATION reply as mac80211 fills it: @signals by STA_INFO type, s8 dBm.
std::optional<int> stationSignal(std::initializer_list<std::pair<int, std::int8_t>> signals)
{
	netlink::MsgPtr msg(nlmsg_alloc());
	genlmsg_put(msg.get(), NL_AUTO_PORT, NL_AUTO_SEQ, 0x1c, 0, NLM_F_MULTI, NL80211_CMD_NEW_STATION, 0);
	nla_put_u32(msg.get(), NL80211_ATTR_IFINDEX, 7);
	nla_put(msg.get(), NL80211_ATTR_MAC, 6, kBssid.data());
	nlattr *info = nla_nest_start(msg.get(), NL80211_ATTR_STA_INFO);
	nla_put_u32(msg.get(), NL80211_STA_INFO_INACTIVE_TIME, 40);
	for (const auto &[type, dbm] : signals)
		nla_put_u8(msg.get(), type, static_cast<std::uint8_t>(dbm));
	nla_nest_end(msg.get(), info);
	return parseStationSignal(*nlmsg_hdr(msg.get()));
}

TEST(StationSignal, TheAverageOverTheApsFramesElseItsBeaconsElseTheLastFrame)
{
	EXPECT_EQ(stationSignal({{NL80211_STA_INFO_SIGNAL, -71}, {NL80211_STA_INFO_SIGNAL_AVG, -64},
				 {NL80211_STA_INFO_BEACON_SIGNAL_AVG, -66}}),
		  -64);
	EXPECT_EQ(stationSignal({{NL80211_STA_INFO_SIGNAL, -71}, {NL80211_STA_INFO_BEACON_SIGNAL_AVG, -66}}), -66);
	EXPECT_EQ(stationSignal({{NL80211_STA_INFO_SIGNAL, -71}}), -71);
	// mac80211's beacon average is 0 until a beacon was averaged
	EXPECT_EQ(stationSignal({{NL80211_STA_INFO_SIGNAL, -71}, {NL80211_STA_INFO_BEACON_SIGNAL_AVG, 0}}), -71);
	EXPECT_EQ(stationSignal({}), std::nullopt) << "a driver that reports no signal";
	EXPECT_EQ(stationSignal({{NL80211_STA_INFO_SIGNAL_AVG, -128}}), -128);
}

TEST(StationSignal, AReplyWithoutStationInfoIsRefused)
{
	netlink::MsgPtr msg(nlmsg_alloc());
	genlmsg_put(msg.get(), NL_AUTO_PORT, NL_AUTO_SEQ, 0x1c, 0, NLM_F_MULTI, NL80211_CMD_NEW_STATION, 0);
	nla_put_u32(msg.get(), NL80211_ATTR_IFINDEX, 7);
	EXPECT_THROW((void)parseStationSignal(*nlmsg_hdr(msg.get())), netlink::ParseError);
}

TEST(ApCandidateOf, TheFirstNetworkThatTakesTheBss)
{
	ApCandidate c = candidateOf(parsed({.ies = concat({ssidElement("home"), kRates, kRsnPsk}), .privacy = true}),
				    networks());
	EXPECT_TRUE(c.joinable);
	EXPECT_EQ(c.network, 0);
	EXPECT_EQ(c.ssid, "home");
	EXPECT_EQ(c.freqMhz, 2437u);
	EXPECT_EQ(c.signalDbm, -65);
	EXPECT_EQ(c.phy.phy, MPWIFI_PHY_OFDM);

	c = candidateOf(parsed({.ies = concat({ssidElement("cafe"), kRates})}), networks());
	EXPECT_TRUE(c.joinable);
	EXPECT_EQ(c.network, 1);
}

TEST(ApCandidateOf, NotJoinable)
{
	// "home" is a PSK network: an open BSS of that name is not it
	EXPECT_FALSE(candidateOf(parsed({.ies = concat({ssidElement("home"), kRates})}), networks()).joinable);
	// a disabled network, an unknown one, a hidden SSID
	EXPECT_FALSE(candidateOf(parsed({.ies = concat({ssidElement("old"), kRates})}), networks()).joinable);
	EXPECT_FALSE(candidateOf(parsed({.ies = concat({ssidElement("other"), kRates})}), networks()).joinable);
	EXPECT_FALSE(candidateOf(parsed({.ies = concat({ssidElement(""), kRates})}), networks()).joinable);
	// malformed elements: an SSID element running past the end
	const ApCandidate bad = candidateOf(parsed({.ies = {0, 9, 'c', 'a', 'f', 'e'}}), networks());
	EXPECT_FALSE(bad.joinable);
	EXPECT_EQ(bad.network, -1);
}

TEST(ApCandidateOf, NoSignalIsUnderAnyFloor)
{
	const ApCandidate c =
		candidateOf(parsed({.ies = concat({ssidElement("cafe"), kRates}), .signalMbm = std::nullopt}), networks());
	EXPECT_TRUE(c.joinable);
	EXPECT_LT(c.signalDbm, -200);
	EXPECT_EQ(expectedKbps(c, std::nullopt), 0u);
}

} // namespace
} // namespace mpwifi::daemon
