// SPDX-License-Identifier: GPL-2.0
// Builds "mpwifi" messages the way the kernel module does, with libnl, so
// that the parsers are tested on real netlink bytes.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <set>
#include <string>

#include <linux/mpwifi.h>
#include <netlink/attr.h>
#include <netlink/genl/genl.h>
#include <netlink/msg.h>

#include <gtest/gtest.h>

#include "netlink/error.h"
#include "netlink/genl_socket.h"

namespace mpwifi::test {

constexpr int kFamily = 0x2a; // any id: parsers do not look at it

inline netlink::MsgPtr genlMessage(std::uint8_t cmd)
{
	netlink::MsgPtr msg(nlmsg_alloc());
	genlmsg_put(msg.get(), NL_AUTO_PORT, NL_AUTO_SEQ, kFamily, 0, 0, cmd, MPWIFI_GENL_VERSION);
	return msg;
}

inline const nlmsghdr &header(const netlink::MsgPtr &msg)
{
	return *nlmsg_hdr(msg.get());
}

// The AP of the fixtures below.
constexpr std::uint32_t kIfindex = 3;
constexpr const char *kIfname = "wlan0";
constexpr std::array<std::uint8_t, 6> kStation{0x02, 0x00, 0x00, 0x00, 0x00, 0x01};
constexpr std::array<std::uint8_t, 6> kBssid{0xAA, 0xBB, 0xCC, 0x0D, 0xEE, 0xFF};

// Puts attributes, except those whose type is in omit.
struct Putter {
	nl_msg *msg;
	const std::set<int> &omit;

	void u8(int type, std::uint8_t v) const
	{
		if (!omit.count(type))
			nla_put_u8(msg, type, v);
	}
	void u32(int type, std::uint32_t v) const
	{
		if (!omit.count(type))
			nla_put_u32(msg, type, v);
	}
	void u64(int type, std::uint64_t v) const
	{
		if (!omit.count(type))
			nla_put_u64(msg, type, v);
	}
};

// Which attributes putAp() writes.
struct ApContent {
	bool identityOnly = false; // events carry only ifindex, ifname, station, bssid
	std::set<int> omit;        // leave these out
	bool withOptionals = true; // delivery, bitrate, packet time
	bool withEcn = true;       // the ECN steering counters (a module without them omits them)
	std::uint32_t deliveryPpm = 900'000;
	std::uint32_t ecnDeltaPpm = 50'000;
	std::uint8_t phy = MPWIFI_PHY_HT;
	std::function<void(nl_msg *)> extra; // puts more attributes inside the nest
};

// Puts MPWIFI_ATTR_AP with: ifindex 3, "wlan0", station 02:00:00:00:00:01,
// BSSID aa:bb:cc:0d:ee:ff, cumulative 1000/50/7, window 1 s..2 s with
// 90/10/2 frames, 85 rated, delivery 0.9, 54 Mb/s, 250.123 us, last rx at
// 1.999 s, HT; ECN: 500 ECT, 20 marked, 3 CE seen, 40/2 in the window,
// marking at delta 0.05.  Like the kernel on 32-bit targets, a PAD attribute
// precedes the u64s.
inline void putAp(nl_msg *msg, const ApContent &c = {})
{
	const Putter put{msg, c.omit};
	nlattr *nest = nla_nest_start(msg, MPWIFI_ATTR_AP);
	put.u32(MPWIFI_AP_ATTR_IFINDEX, kIfindex);
	if (!c.omit.count(MPWIFI_AP_ATTR_IFNAME))
		nla_put_string(msg, MPWIFI_AP_ATTR_IFNAME, kIfname);
	if (!c.omit.count(MPWIFI_AP_ATTR_STA_ADDR))
		nla_put(msg, MPWIFI_AP_ATTR_STA_ADDR, 6, kStation.data());
	if (!c.omit.count(MPWIFI_AP_ATTR_BSSID))
		nla_put(msg, MPWIFI_AP_ATTR_BSSID, 6, kBssid.data());
	if (!c.identityOnly) {
		nla_put(msg, MPWIFI_AP_ATTR_PAD, 0, nullptr);
		put.u64(MPWIFI_AP_ATTR_FIRST_TRY, 1000);
		put.u64(MPWIFI_AP_ATTR_RETRIED, 50);
		put.u64(MPWIFI_AP_ATTR_LOST, 7);
		put.u64(MPWIFI_AP_ATTR_WIN_START_NS, 1'000'000'000);
		put.u64(MPWIFI_AP_ATTR_WIN_END_NS, 2'000'000'000);
		put.u64(MPWIFI_AP_ATTR_LAST_RX_NS, 1'999'000'000);
		put.u32(MPWIFI_AP_ATTR_WIN_FIRST_TRY, 90);
		put.u32(MPWIFI_AP_ATTR_WIN_RETRIED, 10);
		put.u32(MPWIFI_AP_ATTR_WIN_LOST, 2);
		put.u32(MPWIFI_AP_ATTR_WIN_RATED, 85);
		put.u8(MPWIFI_AP_ATTR_PHY, c.phy);
		if (c.withOptionals) {
			put.u32(MPWIFI_AP_ATTR_DELIVERY_PPM, c.deliveryPpm);
			put.u32(MPWIFI_AP_ATTR_BITRATE_KBPS, 54'000);
			put.u32(MPWIFI_AP_ATTR_PACKET_TIME_NS, 250'123);
		}
		if (c.withEcn) {
			nla_put(msg, MPWIFI_AP_ATTR_PAD, 0, nullptr);
			put.u64(MPWIFI_AP_ATTR_ECT, 500);
			put.u64(MPWIFI_AP_ATTR_MARKED, 20);
			put.u64(MPWIFI_AP_ATTR_CE_SEEN, 3);
			put.u32(MPWIFI_AP_ATTR_WIN_ECT, 40);
			put.u32(MPWIFI_AP_ATTR_WIN_MARKED, 2);
			put.u8(MPWIFI_AP_ATTR_ECN_MARKING, 1);
			put.u32(MPWIFI_AP_ATTR_ECN_DELTA_PPM, c.ecnDeltaPpm);
		}
	}
	if (c.extra)
		c.extra(msg);
	nla_nest_end(msg, nest);
}

// Which attributes putEcn() writes.
struct EcnContent {
	std::set<int> omit;
	std::uint8_t law = MPWIFI_ECN_LAW_UNCOUPLED;
	bool withBest = true; // the kernel leaves it out without a fresh estimate
	std::function<void(nl_msg *)> extra;
};

// Puts MPWIFI_ATTR_ECN like the kernel's ECN_GET reply: enabled, uncoupled,
// threshold 20% (200000 ppm), cap 5%, budget 2.5%, 10 frames, 1000 ms, best
// packet time 250.123 us.
inline void putEcn(nl_msg *msg, const EcnContent &c = {})
{
	const Putter put{msg, c.omit};
	nlattr *nest = nla_nest_start(msg, MPWIFI_ATTR_ECN);
	put.u8(MPWIFI_ECN_ATTR_ENABLED, 1);
	put.u8(MPWIFI_ECN_ATTR_LAW, c.law);
	put.u32(MPWIFI_ECN_ATTR_THRESHOLD_PPM, 200'000);
	put.u32(MPWIFI_ECN_ATTR_CAP_PPM, 50'000);
	put.u32(MPWIFI_ECN_ATTR_BUDGET_PPM, 25'000);
	put.u32(MPWIFI_ECN_ATTR_MIN_FRAMES, 10);
	put.u32(MPWIFI_ECN_ATTR_STALE_MS, 1000);
	if (c.withBest)
		put.u32(MPWIFI_ECN_ATTR_BEST_PACKET_TIME_NS, 250'123);
	if (c.extra)
		c.extra(msg);
	nla_nest_end(msg, nest);
}

// Runs @fn, expecting a ParseError (EBADMSG) whose message contains @needle.
template <typename Fn>
void expectParseError(Fn &&fn, const std::string &needle)
{
	try {
		fn();
		ADD_FAILURE() << "no ParseError, expected one mentioning " << needle;
	} catch (const netlink::ParseError &e) {
		EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
		EXPECT_EQ(e.code(), EBADMSG);
	}
}

} // namespace mpwifi::test
