// SPDX-License-Identifier: GPL-2.0
#include "cli/wifi_report.h"

#include <algorithm>
#include <cstdio>

#include <linux/nl80211.h>

#include "daemon/ap_select.h"

namespace mpwifi::cli {

namespace {

using daemon::BssInfo;
using daemon::WifiInterface;

bool isStation(const WifiInterface &wi)
{
	return wi.iftype == NL80211_IFTYPE_STATION;
}

const BssInfo *associated(const WifiSnapshot &s, std::uint32_t ifindex)
{
	const auto it = s.scans.find(ifindex);
	if (it == s.scans.end())
		return nullptr;
	const auto bss = std::find_if(it->second.begin(), it->second.end(), [](const BssInfo &b) { return b.associated; });
	return bss == it->second.end() ? nullptr : &*bss;
}

StationReport stationReport(const WifiSnapshot &s, const WifiInterface &wi)
{
	StationReport st{.ifname = wi.ifname, .state = "associating"};
	std::vector<daemon::AddrInfo> addrs;
	for (const auto &a : s.addrs)
		if (a.ifindex == wi.ifindex && a.usable()) {
			addrs.push_back(a);
			st.addresses.push_back(a.text() + "/" + std::to_string(a.prefixLen));
		}
	if (const BssInfo *bss = associated(s, wi.ifindex)) {
		const daemon::ApCandidate c = daemon::candidateOf(*bss, {});
		st.bssid = bss->bssid;
		st.ssid = printableSsid(c.ssid);
		// the station's own average is today's; the scan entry's may be old
		const auto own = s.stationSignals.find(wi.ifindex);
		st.signalDbm = own != s.stationSignals.end() ? std::optional<int>(own->second) : bss->signalDbm;
		st.state = addrs.empty() ? "addressing" : "up";
	}
	for (const auto &ep : s.endpoints) {
		if (daemon::endpointOn(ep, wi.ifindex, addrs)) {
			st.endpointId = ep.id;
			break;
		}
	}
	for (const auto &ap : s.aps)
		if (ap.ifindex == wi.ifindex && st.bssid && ap.bssid == *st.bssid && ap.packet_time_ns)
			st.packetTimeUs = *ap.packet_time_ns / 1000.0;
	const auto managed = std::find_if(s.managed.begin(), s.managed.end(),
					  [&](const daemon::ManagedInterface &m) { return m.ifname == wi.ifname; });
	if (managed != s.managed.end()) {
		st.state = managed->state;
		st.dns = managed->dns;
	}
	return st;
}

bool wanted(const daemon::Radio &radio, const std::optional<std::string> &phy)
{
	return !phy || radio.name == *phy;
}

} // namespace

std::string printableSsid(const std::string &ssid)
{
	std::string out;
	for (const char byte : ssid) {
		const auto c = static_cast<unsigned char>(byte);
		if (c >= 0x20 && c < 0x7f && c != '\\' && c != '"') {
			out += byte;
		} else {
			char hex[5];
			std::snprintf(hex, sizeof(hex), "\\x%02x", c);
			out += hex;
		}
	}
	return out;
}

std::vector<RadioReport> radioReports(const WifiSnapshot &snapshot, const std::optional<std::string> &phy)
{
	std::vector<RadioReport> out;
	for (const auto &radio : snapshot.radios) {
		if (!wanted(radio, phy))
			continue;
		const daemon::StationCapacity capacity = daemon::stationCapacity(radio);
		RadioReport r{.phy = radio.name, .maxStations = capacity.stations, .channels = capacity.channels};
		for (const auto &wi : snapshot.interfaces) {
			if (wi.wiphy != radio.wiphy)
				continue;
			if (!r.freqMhz && wi.freqMhz)
				r.freqMhz = wi.freqMhz;
			if (isStation(wi))
				r.stations.push_back(stationReport(snapshot, wi));
		}
		std::sort(r.stations.begin(), r.stations.end(),
			  [](const StationReport &a, const StationReport &b) { return a.ifname < b.ifname; });
		out.push_back(std::move(r));
	}
	return out;
}

std::vector<ScanReport> scanReports(const WifiSnapshot &snapshot, const std::optional<std::string> &phy)
{
	std::vector<ScanReport> out;
	for (const auto &radio : snapshot.radios) {
		if (!wanted(radio, phy))
			continue;
		const std::size_t first = out.size();
		for (const auto &wi : snapshot.interfaces) {
			const auto scan = snapshot.scans.find(wi.ifindex);
			if (wi.wiphy != radio.wiphy || !isStation(wi) || scan == snapshot.scans.end())
				continue;
			for (const BssInfo &bss : scan->second) {
				const auto seen = std::find_if(out.begin() + static_cast<std::ptrdiff_t>(first), out.end(),
							       [&](const ScanReport &r) { return r.bssid == bss.bssid; });
				if (seen != out.end()) {
					// heard by two station interfaces of the radio: one row
					seen->inUse = seen->inUse || bss.associated;
					continue;
				}
				const daemon::ApCandidate c = daemon::candidateOf(bss, {});
				out.push_back({.phy = radio.name,
					       .bssid = bss.bssid,
					       .ssid = printableSsid(c.ssid),
					       .freqMhz = bss.freqMhz,
					       .signalDbm = bss.signalDbm,
					       .predictedKbps = daemon::expectedKbps(c, std::nullopt),
					       .inUse = bss.associated});
			}
		}
		std::sort(out.begin() + static_cast<std::ptrdiff_t>(first), out.end(),
			  [](const ScanReport &a, const ScanReport &b) {
				  const int sa = a.signalDbm.value_or(-1000), sb = b.signalDbm.value_or(-1000);
				  return sa != sb ? sa > sb : a.bssid < b.bssid;
			  });
	}
	return out;
}

} // namespace mpwifi::cli
