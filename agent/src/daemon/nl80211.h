// SPDX-License-Identifier: GPL-2.0
// What nl80211 knows about a station interface's association, and its MLME
// events (connect, disconnect, roam).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "daemon/radio.h"
#include "mpwifi/types.h"
#include "netlink/genl_socket.h"

namespace mpwifi::daemon {

// One BSS of the scan results.
struct BssInfo {
	std::uint32_t ifindex = 0;
	MacAddr bssid{};
	std::vector<std::uint8_t> ies; // information elements, latest of probe response or beacon
	bool privacy = false;          // capability bit: WEP when there is no RSN/WPA element
	bool associated = false;       // NL80211_BSS_STATUS_ASSOCIATED
	std::uint32_t freqMhz = 0;     // its channel's centre
	std::optional<int> signalDbm;  // of the last frame heard (drivers reporting dBm)
	std::uint32_t seenMsAgo = 0;   // since that frame
};

// A wireless interface (NL80211_CMD_GET_INTERFACE).
struct WifiInterface {
	std::uint32_t ifindex = 0;
	std::string ifname;
	std::uint32_t wiphy = 0;
	std::uint32_t iftype = 0;            // NL80211_IFTYPE_*
	std::optional<std::uint32_t> freqMhz; // its channel's, when it has one
};

// A reply of the NL80211_CMD_GET_INTERFACE dump.  Throws netlink::ParseError.
[[nodiscard]] WifiInterface parseInterface(const nlmsghdr &msg);

// A reply of the NL80211_CMD_GET_SCAN dump.  Throws netlink::ParseError.
[[nodiscard]] BssInfo parseScanEntry(const nlmsghdr &msg);

// The signal (dBm) at which a station interface hears its AP, from a reply
// of NL80211_CMD_GET_STATION: the average over the AP's frames, else over its
// beacons, else the last frame's; none when the driver reports none.
// Throws netlink::ParseError.
[[nodiscard]] std::optional<int> parseStationSignal(const nlmsghdr &msg);

// A random unicast, locally administered address (IEEE 802 bits: multicast
// clear, local set), one for each station interface the manager creates:
// derived from nothing, it tells nothing of the laptop's own address.
[[nodiscard]] MacAddr randomLocalMac();

// The interface an MLME event (connect, disconnect, roam, association,
// authorisation) is about; empty for other messages.
[[nodiscard]] std::optional<std::uint32_t> mlmeEventIfindex(const nlmsghdr &msg);

class Nl80211 {
public:
	// Empty when the kernel has no nl80211 (cfg80211 not loaded).
	static std::optional<Nl80211> open();

	// Every wireless radio, with its interface combinations.
	[[nodiscard]] std::vector<Radio> radios();

	// Every wireless interface of the namespace.
	[[nodiscard]] std::vector<WifiInterface> interfaces();
	// What @ifindex's radio heard in its scans (cfg80211's cache: an entry
	// lasts 30 s after its last frame), the associated BSS among them.
	[[nodiscard]] std::vector<BssInfo> scanResults(std::uint32_t ifindex);
	// The BSS @ifindex is associated with, if any.
	[[nodiscard]] std::optional<BssInfo> associatedBss(std::uint32_t ifindex);

	// How @ifindex, a station interface, hears its AP now (none when it is
	// not associated, or its driver reports no signal).
	[[nodiscard]] std::optional<int> stationSignal(std::uint32_t ifindex);

	// Creates a station interface @ifname on radio @wiphy with address @mac
	// and returns its ifindex.  Throws netlink::Error: EBUSY when the radio's
	// interface combinations allow no more, EEXIST when the name is taken.
	std::uint32_t addStationInterface(std::uint32_t wiphy, const std::string &ifname, const MacAddr &mac);
	// Starts an active scan from @ifindex (up) of @freqsMhz, or of every
	// channel when empty; results land in scanResults().  EBUSY: a scan is
	// under way.
	void triggerScan(std::uint32_t ifindex, const std::vector<std::uint32_t> &freqsMhz);
	// Removes interface @ifindex (ENODEV when there is none).
	void deleteInterface(std::uint32_t ifindex);

	// A socket that has joined the "mlme" group; poll its fd and call
	// receivePending() with mlmeEventIfindex().
	[[nodiscard]] netlink::GenlSocket subscribeMlme();

private:
	Nl80211(netlink::GenlSocket sock, int family) : sock_(std::move(sock)), family_(family) {}

	netlink::GenlSocket sock_;
	int family_;
};

} // namespace mpwifi::daemon
