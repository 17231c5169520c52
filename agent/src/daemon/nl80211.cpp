// SPDX-License-Identifier: GPL-2.0
#include "daemon/nl80211.h"

#include <algorithm>
#include <cerrno>

#include <linux/nl80211.h>
#include <net/if.h>
#include <sys/random.h>
#include <netlink/attr.h>

#include "netlink/attributes.h"
#include "netlink/error.h"

namespace mpwifi::daemon {

namespace {

using netlink::AttrKind;
using netlink::AttrRule;
using netlink::Attrs;
using netlink::kOptional;
using netlink::kRequired;

constexpr AttrRule kScanRules[] = {
	MPW_ATTR_RULE(NL80211_ATTR_IFINDEX, AttrKind::U32, kOptional),
	MPW_ATTR_RULE(NL80211_ATTR_BSS, AttrKind::Nested, kRequired),
};

constexpr AttrRule kBssRules[] = {
	MPW_ATTR_RULE(NL80211_BSS_BSSID, AttrKind::Binary, kRequired, 6),
	MPW_ATTR_RULE(NL80211_BSS_CAPABILITY, AttrKind::U16, kOptional),
	MPW_ATTR_RULE(NL80211_BSS_INFORMATION_ELEMENTS, AttrKind::Bytes, kOptional),
	MPW_ATTR_RULE(NL80211_BSS_BEACON_IES, AttrKind::Bytes, kOptional),
	MPW_ATTR_RULE(NL80211_BSS_STATUS, AttrKind::U32, kOptional),
	MPW_ATTR_RULE(NL80211_BSS_FREQUENCY, AttrKind::U32, kOptional),
	MPW_ATTR_RULE(NL80211_BSS_SIGNAL_MBM, AttrKind::U32, kOptional),
	MPW_ATTR_RULE(NL80211_BSS_SEEN_MS_AGO, AttrKind::U32, kOptional),
};

constexpr AttrRule kInterfaceRules[] = {
	MPW_ATTR_RULE(NL80211_ATTR_IFINDEX, AttrKind::U32, kRequired),
	MPW_ATTR_RULE(NL80211_ATTR_IFNAME, AttrKind::String, kRequired, IFNAMSIZ),
	MPW_ATTR_RULE(NL80211_ATTR_WIPHY, AttrKind::U32, kRequired),
	MPW_ATTR_RULE(NL80211_ATTR_IFTYPE, AttrKind::U32, kRequired),
	MPW_ATTR_RULE(NL80211_ATTR_WIPHY_FREQ, AttrKind::U32, kOptional),
};

constexpr AttrRule kNewInterfaceRules[] = {
	MPW_ATTR_RULE(NL80211_ATTR_IFINDEX, AttrKind::U32, kRequired),
};

constexpr AttrRule kStationRules[] = {
	MPW_ATTR_RULE(NL80211_ATTR_STA_INFO, AttrKind::Nested, kRequired),
};

constexpr AttrRule kStationInfoRules[] = {
	MPW_ATTR_RULE(NL80211_STA_INFO_SIGNAL, AttrKind::U8, kOptional),
	MPW_ATTR_RULE(NL80211_STA_INFO_SIGNAL_AVG, AttrKind::U8, kOptional),
	MPW_ATTR_RULE(NL80211_STA_INFO_BEACON_SIGNAL_AVG, AttrKind::U8, kOptional),
};

constexpr AttrRule kEventRules[] = {
	MPW_ATTR_RULE(NL80211_ATTR_IFINDEX, AttrKind::U32, kOptional),
};


constexpr std::uint16_t kCapabilityPrivacy = 0x0010;

} // namespace

BssInfo parseScanEntry(const nlmsghdr &msg)
{
	const Attrs top = Attrs::ofGenl(msg, kScanRules, "nl80211 scan result");
	const Attrs bss = top.nested(NL80211_ATTR_BSS, kBssRules);
	BssInfo info;
	if (top.has(NL80211_ATTR_IFINDEX))
		info.ifindex = top.u32(NL80211_ATTR_IFINDEX);
	const auto bssid = bss.binary(NL80211_BSS_BSSID);
	std::copy(bssid.begin(), bssid.end(), info.bssid.begin());
	const int ies = bss.has(NL80211_BSS_INFORMATION_ELEMENTS) ? NL80211_BSS_INFORMATION_ELEMENTS
								   : NL80211_BSS_BEACON_IES;
	if (bss.has(ies)) {
		const auto bytes = bss.binary(ies);
		info.ies.assign(bytes.begin(), bytes.end());
	}
	info.privacy = bss.has(NL80211_BSS_CAPABILITY) && (bss.u16(NL80211_BSS_CAPABILITY) & kCapabilityPrivacy);
	info.associated = bss.has(NL80211_BSS_STATUS) && bss.u32(NL80211_BSS_STATUS) == NL80211_BSS_STATUS_ASSOCIATED;
	if (bss.has(NL80211_BSS_FREQUENCY))
		info.freqMhz = bss.u32(NL80211_BSS_FREQUENCY);
	// mBm, signed: 100 times dBm
	if (bss.has(NL80211_BSS_SIGNAL_MBM))
		info.signalDbm = static_cast<std::int32_t>(bss.u32(NL80211_BSS_SIGNAL_MBM)) / 100;
	if (bss.has(NL80211_BSS_SEEN_MS_AGO))
		info.seenMsAgo = bss.u32(NL80211_BSS_SEEN_MS_AGO);
	return info;
}

std::optional<int> parseStationSignal(const nlmsghdr &msg)
{
	const Attrs top = Attrs::ofGenl(msg, kStationRules, "nl80211 GET_STATION reply");
	const Attrs info = top.nested(NL80211_ATTR_STA_INFO, kStationInfoRules);
	// s8 dBm; 0 is mac80211's "no beacon averaged yet"
	for (const int type : {NL80211_STA_INFO_SIGNAL_AVG, NL80211_STA_INFO_BEACON_SIGNAL_AVG, NL80211_STA_INFO_SIGNAL}) {
		if (!info.has(type))
			continue;
		const int dbm = static_cast<std::int8_t>(info.u8(type));
		if (dbm != 0)
			return dbm;
	}
	return std::nullopt;
}

WifiInterface parseInterface(const nlmsghdr &msg)
{
	const Attrs top = Attrs::ofGenl(msg, kInterfaceRules, "nl80211 GET_INTERFACE reply");
	WifiInterface wi{.ifindex = top.u32(NL80211_ATTR_IFINDEX),
			 .ifname = top.string(NL80211_ATTR_IFNAME),
			 .wiphy = top.u32(NL80211_ATTR_WIPHY),
			 .iftype = top.u32(NL80211_ATTR_IFTYPE)};
	if (top.has(NL80211_ATTR_WIPHY_FREQ))
		wi.freqMhz = top.u32(NL80211_ATTR_WIPHY_FREQ);
	return wi;
}

std::optional<std::uint32_t> mlmeEventIfindex(const nlmsghdr &msg)
{
	switch (netlink::genlCommand(msg)) {
	case NL80211_CMD_CONNECT:
	case NL80211_CMD_DISCONNECT:
	case NL80211_CMD_ROAM:
	case NL80211_CMD_ASSOCIATE:
	case NL80211_CMD_DISASSOCIATE:
	case NL80211_CMD_DEAUTHENTICATE:
	case NL80211_CMD_PORT_AUTHORIZED: break;
	default: return std::nullopt;
	}
	const Attrs top = Attrs::ofGenl(msg, kEventRules, "nl80211 MLME event");
	if (!top.has(NL80211_ATTR_IFINDEX))
		return std::nullopt;
	return top.u32(NL80211_ATTR_IFINDEX);
}

MacAddr randomLocalMac()
{
	MacAddr mac{};
	std::size_t got = 0;
	while (got < mac.size()) {
		const ssize_t n = ::getrandom(mac.data() + got, mac.size() - got, 0);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			throw netlink::Error(errno, "getrandom for a station address");
		}
		got += static_cast<std::size_t>(n);
	}
	mac[0] = static_cast<std::uint8_t>((mac[0] & ~0x01u) | 0x02u);
	return mac;
}

std::optional<Nl80211> Nl80211::open()
{
	auto sock = netlink::GenlSocket::open();
	try {
		const int family = sock.resolveFamily(NL80211_GENL_NAME);
		return Nl80211(std::move(sock), family);
	} catch (const netlink::FamilyNotFound &) {
		return std::nullopt;
	}
}

std::vector<Radio> Nl80211::radios()
{
	auto msg = netlink::newGenlMessage(family_, NL80211_CMD_GET_WIPHY, 0);
	if (nla_put_flag(msg.get(), NL80211_ATTR_SPLIT_WIPHY_DUMP) < 0)
		throw netlink::Error(EMSGSIZE, "building nl80211 GET_WIPHY");
	std::vector<Radio> radios;
	sock_.dump(std::move(msg), [&](const nlmsghdr &reply) { mergeWiphy(radios, reply); });
	return radios;
}

std::vector<WifiInterface> Nl80211::interfaces()
{
	std::vector<WifiInterface> out;
	sock_.dump(netlink::newGenlMessage(family_, NL80211_CMD_GET_INTERFACE, 0),
		   [&](const nlmsghdr &reply) { out.push_back(parseInterface(reply)); });
	return out;
}

std::vector<BssInfo> Nl80211::scanResults(std::uint32_t ifindex)
{
	for (int attempt = 0;; ++attempt) {
		auto msg = netlink::newGenlMessage(family_, NL80211_CMD_GET_SCAN, 0);
		if (nla_put_u32(msg.get(), NL80211_ATTR_IFINDEX, ifindex) < 0)
			throw netlink::Error(EMSGSIZE, "building nl80211 GET_SCAN");
		std::vector<BssInfo> found;
		try {
			sock_.dump(std::move(msg), [&](const nlmsghdr &reply) { found.push_back(parseScanEntry(reply)); });
			return found;
		} catch (const netlink::DumpInterrupted &) {
			// a scan result changed meanwhile: read again, or keep what
			// was read (the associated BSS is never replaced by a scan)
			if (attempt == 2)
				return found;
		}
	}
}

std::optional<BssInfo> Nl80211::associatedBss(std::uint32_t ifindex)
{
	for (BssInfo &bss : scanResults(ifindex))
		if (bss.associated)
			return std::move(bss);
	return std::nullopt;
}

std::optional<int> Nl80211::stationSignal(std::uint32_t ifindex)
{
	auto msg = netlink::newGenlMessage(family_, NL80211_CMD_GET_STATION, 0);
	if (nla_put_u32(msg.get(), NL80211_ATTR_IFINDEX, ifindex) < 0)
		throw netlink::Error(EMSGSIZE, "building nl80211 GET_STATION");
	// a station interface has one peer, its AP (none when not associated)
	std::optional<int> signal;
	sock_.dump(std::move(msg), [&](const nlmsghdr &reply) {
		if (!signal)
			signal = parseStationSignal(reply);
	});
	return signal;
}

std::uint32_t Nl80211::addStationInterface(std::uint32_t wiphy, const std::string &ifname, const MacAddr &mac)
{
	auto msg = netlink::newGenlMessage(family_, NL80211_CMD_NEW_INTERFACE, 0);
	if (nla_put_u32(msg.get(), NL80211_ATTR_WIPHY, wiphy) < 0 ||
	    nla_put_string(msg.get(), NL80211_ATTR_IFNAME, ifname.c_str()) < 0 ||
	    nla_put_u32(msg.get(), NL80211_ATTR_IFTYPE, NL80211_IFTYPE_STATION) < 0 ||
	    nla_put(msg.get(), NL80211_ATTR_MAC, static_cast<int>(mac.size()), mac.data()) < 0)
		throw netlink::Error(EMSGSIZE, "building nl80211 NEW_INTERFACE");
	std::optional<std::uint32_t> ifindex;
	try {
		sock_.request(std::move(msg), [&](const nlmsghdr &reply) {
			const Attrs top = Attrs::ofGenl(reply, kNewInterfaceRules, "nl80211 NEW_INTERFACE reply");
			ifindex = top.u32(NL80211_ATTR_IFINDEX);
		});
	} catch (const netlink::Error &e) {
		// mac80211 names the interface with dev_alloc_name(), which answers
		// a taken name (one without "%d") with ENFILE, "too many open files"
		if (e.code() == ENFILE)
			throw netlink::Error(EEXIST, "nl80211 NEW_INTERFACE " + ifname + ": an interface has that name");
		throw;
	}
	if (!ifindex)
		throw netlink::Error(EPROTO, "nl80211 NEW_INTERFACE " + ifname + ": no interface in the reply");
	return *ifindex;
}

void Nl80211::triggerScan(std::uint32_t ifindex, const std::vector<std::uint32_t> &freqsMhz)
{
	auto msg = netlink::newGenlMessage(family_, NL80211_CMD_TRIGGER_SCAN, 0);
	if (nla_put_u32(msg.get(), NL80211_ATTR_IFINDEX, ifindex) < 0)
		throw netlink::Error(EMSGSIZE, "building nl80211 TRIGGER_SCAN");
	// one wildcard SSID: an active scan, as wpa_supplicant's
	nlattr *ssids = nla_nest_start(msg.get(), NL80211_ATTR_SCAN_SSIDS);
	if (!ssids || nla_put(msg.get(), 1, 0, "") < 0)
		throw netlink::Error(EMSGSIZE, "building nl80211 TRIGGER_SCAN");
	nla_nest_end(msg.get(), ssids);
	if (!freqsMhz.empty()) {
		nlattr *freqs = nla_nest_start(msg.get(), NL80211_ATTR_SCAN_FREQUENCIES);
		if (!freqs)
			throw netlink::Error(EMSGSIZE, "building nl80211 TRIGGER_SCAN");
		int i = 1;
		for (const std::uint32_t f : freqsMhz)
			if (nla_put_u32(msg.get(), i++, f) < 0)
				throw netlink::Error(EMSGSIZE, "building nl80211 TRIGGER_SCAN");
		nla_nest_end(msg.get(), freqs);
	}
	sock_.request(std::move(msg));
}

void Nl80211::deleteInterface(std::uint32_t ifindex)
{
	auto msg = netlink::newGenlMessage(family_, NL80211_CMD_DEL_INTERFACE, 0);
	if (nla_put_u32(msg.get(), NL80211_ATTR_IFINDEX, ifindex) < 0)
		throw netlink::Error(EMSGSIZE, "building nl80211 DEL_INTERFACE");
	sock_.request(std::move(msg));
}

netlink::GenlSocket Nl80211::subscribeMlme()
{
	auto sock = netlink::GenlSocket::open();
	sock.joinGroup(NL80211_GENL_NAME, NL80211_MULTICAST_GROUP_MLME);
	return sock;
}

} // namespace mpwifi::daemon
