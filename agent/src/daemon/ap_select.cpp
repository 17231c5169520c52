// SPDX-License-Identifier: GPL-2.0
#include "daemon/ap_select.h"

#include <algorithm>
#include <set>

#include <mpwifi/predict.h>

namespace mpwifi::daemon {

namespace {

std::uint64_t keyOf(const MacAddr &mac)
{
	std::uint64_t key = 0;
	for (const std::uint8_t b : mac)
		key = key << 8 | b;
	return key;
}

constexpr int kNoSignalDbm = -1000;

std::string dbm(int value) { return std::to_string(value) + " dBm"; }

std::string mbps(std::uint32_t kbps)
{
	return std::to_string(kbps / 1000) + "." + std::to_string(kbps % 1000 / 100) + " Mbit/s";
}

// One AP as the plan sees it: a candidate of the scan, a station's, or both.
struct Ap {
	MacAddr bssid{};
	std::uint32_t freqMhz = 0;
	int signalDbm = 0;
	std::uint32_t kbps = 0;
	const ApStation *station = nullptr;
	bool heard = false;    // in the scan
	bool joinable = false;
};

bool ranksBefore(const Ap &a, const Ap &b)
{
	if (a.kbps != b.kbps)
		return a.kbps > b.kbps;
	if (a.signalDbm != b.signalDbm)
		return a.signalDbm > b.signalDbm;
	return a.bssid < b.bssid;
}

} // namespace

ApCandidate candidateOf(const BssInfo &bss, std::span<const WifiNetwork> networks)
{
	ApCandidate c{.bssid = bss.bssid, .freqMhz = bss.freqMhz, .signalDbm = bss.signalDbm.value_or(kNoSignalDbm)};
	try {
		c.phy = phyOfBss(bss.ies);
		c.ssid = ssidOf(bss.ies).value_or("");
		const WifiSecurity security = securityOfBss(bss.ies, bss.privacy);
		for (std::size_t i = 0; i < networks.size(); ++i) {
			if (!c.ssid.empty() && networkMatches(networks[i], c.ssid, bss.bssid, security)) {
				c.joinable = true;
				c.network = static_cast<int>(i);
				break;
			}
		}
	} catch (const IeError &) {
		// an AP that sends malformed elements is not one to join
	}
	return c;
}

std::uint32_t expectedKbps(const ApCandidate &ap, std::optional<std::uint32_t> packetTimeNs)
{
	if (packetTimeNs && *packetTimeNs)
		return static_cast<std::uint32_t>(std::uint64_t{MPW_PACKET_BITS} * 1000000 / *packetTimeNs);
	mpw_rate rate{};
	if (!mpw_rate_for_signal(&rate, ap.phy.phy, ap.phy.nss, ap.phy.bw, ap.phy.gi, ap.signalDbm))
		return 0;
	return mpw_predicted_kbps(&rate, 0);
}

bool ApSelector::heldBetter(std::map<std::uint64_t, Clock::time_point> &since, std::uint64_t key, bool better,
			    Clock::time_point now) const
{
	if (!better) {
		since.erase(key);
		return false;
	}
	const auto [it, fresh] = since.try_emplace(key, now);
	return now - it->second >= config_.hold;
}

ApPlan ApSelector::plan(std::span<const ApCandidate> scan, std::span<const ApStation> stations, bool otherPath,
			Clock::time_point now, const OtherRadios &others)
{
	// Every AP heard or in use, with its worth.
	std::vector<Ap> aps;
	for (const ApCandidate &c : scan) {
		const auto s = std::find_if(stations.begin(), stations.end(),
					    [&](const ApStation &st) { return st.bssid == c.bssid; });
		const ApStation *station = s == stations.end() ? nullptr : &*s;
		if (!station && std::find(others.bssids.begin(), others.bssids.end(), c.bssid) != others.bssids.end())
			continue;
		ApCandidate now_heard = c;
		if (station && station->signalDbm)
			now_heard.signalDbm = *station->signalDbm;
		aps.push_back({.bssid = c.bssid, .freqMhz = c.freqMhz, .signalDbm = now_heard.signalDbm,
			       .kbps = expectedKbps(now_heard, station ? station->packetTimeNs : std::nullopt),
			       .station = station, .heard = true, .joinable = c.joinable});
	}
	for (const ApStation &s : stations) {
		if (std::any_of(aps.begin(), aps.end(), [&](const Ap &a) { return a.bssid == s.bssid; }))
			continue;
		// Missing from the scan (a scan may miss a BSS): the station's own
		// signal tells whether the AP is still there.
		const std::uint32_t kbps =
			s.packetTimeNs && *s.packetTimeNs
				? static_cast<std::uint32_t>(std::uint64_t{MPW_PACKET_BITS} * 1000000 / *s.packetTimeNs)
				: 0;
		aps.push_back({.bssid = s.bssid, .freqMhz = s.freqMhz, .signalDbm = s.signalDbm.value_or(kNoSignalDbm),
			       .kbps = kbps, .station = &s, .heard = false, .joinable = s.up && s.signalDbm});
	}
	auto usable = [&](const Ap &a) {
		return a.joinable && a.signalDbm >= config_.signalFloorDbm && (a.kbps > 0 || a.station);
	};
	auto upStations = [&](std::uint32_t freq, const MacAddr *except) {
		return std::count_if(stations.begin(), stations.end(), [&](const ApStation &s) {
			return s.up && (freq == 0 || s.freqMhz == freq) && (!except || s.bssid != *except);
		});
	};

	// Channels: worth what their best usable AP gives, half where another
	// radio of the laptop takes its share of the air.
	std::map<std::uint32_t, std::uint32_t> worth;
	for (const Ap &a : aps)
		if (usable(a))
			worth[a.freqMhz] = std::max(worth[a.freqMhz], a.kbps);
	for (auto &[freq, kbps] : worth)
		if (std::find(others.channels.begin(), others.channels.end(), freq) != others.channels.end())
			kbps /= 2;
	std::vector<std::uint32_t> ranked;
	for (const auto &[freq, kbps] : worth)
		ranked.push_back(freq);
	std::stable_sort(ranked.begin(), ranked.end(),
			 [&](std::uint32_t a, std::uint32_t b) { return worth[a] > worth[b]; });

	ApPlan plan;
	std::set<std::uint32_t> current;
	for (const ApStation &s : stations)
		current.insert(s.freqMhz);
	std::vector<std::uint32_t> chosen; // channels kept, then added
	for (const std::uint32_t f : ranked)
		if (current.count(f) && chosen.size() < config_.maxChannels)
			chosen.push_back(f);
	for (const std::uint32_t f : ranked)
		if (chosen.size() < config_.maxChannels && std::find(chosen.begin(), chosen.end(), f) == chosen.end())
			chosen.push_back(f);
	// A better channel than the worst chosen one, held: the radio moves when
	// leaving the worst keeps a path.
	std::map<std::uint32_t, std::string> movedAway;
	const auto challenger = std::find_if(ranked.begin(), ranked.end(), [&](std::uint32_t f) {
		return std::find(chosen.begin(), chosen.end(), f) == chosen.end();
	});
	std::set<std::uint64_t> channelsBetter;
	if (challenger != ranked.end() && !chosen.empty()) {
		const std::uint32_t worst = *std::min_element(chosen.begin(), chosen.end(), [&](auto a, auto b) {
			return worth[a] < worth[b];
		});
		const bool better = worth[*challenger] > worth[worst] * (1 + config_.margin);
		if (better)
			channelsBetter.insert(*challenger);
		// leaving every station of @worst keeps a path when none of them is
		// up, or one on another channel of the radio is
		const auto upThere = upStations(worst, nullptr);
		const bool keepsAPath = otherPath || upThere == 0 || upStations(0, nullptr) > upThere;
		if (heldBetter(channelBetterSince_, *challenger, better, now) && keepsAPath) {
			movedAway[worst] = "channel " + std::to_string(*challenger) + " MHz gives " +
					   mbps(worth[*challenger]) + ", this one " + mbps(worth[worst]);
			std::replace(chosen.begin(), chosen.end(), worst, *challenger);
		}
	}
	std::erase_if(channelBetterSince_, [&](const auto &kv) { return !channelsBetter.count(kv.first); });
	auto onChosen = [&](const Ap &a) { return std::find(chosen.begin(), chosen.end(), a.freqMhz) != chosen.end(); };

	std::vector<const Ap *> unused;
	for (const Ap &a : aps)
		if (!a.station && usable(a) && onChosen(a))
			unused.push_back(&a);
	std::sort(unused.begin(), unused.end(), [](const Ap *a, const Ap *b) { return ranksBefore(*a, *b); });

	auto whyLeave = [&](const Ap &a) -> std::string {
		if (!a.heard && !a.station->signalDbm)
			return "not heard";
		if (!a.joinable)
			return a.heard ? "no network of the file may join it" : "not heard, and not up";
		if (a.signalDbm < config_.signalFloorDbm)
			return "signal " + dbm(a.signalDbm) + " under the floor " + dbm(config_.signalFloorDbm);
		if (movedAway.count(a.freqMhz))
			return movedAway[a.freqMhz];
		return "its channel is not used";
	};

	// Stations: those whose AP stays usable on a chosen channel are kept.
	// One up whose AP fades (weak, or missed by the scan) is the radio's
	// last path when no other station up is kept and nothing else carries
	// traffic: the best of them stays until another station is up, and
	// leaves now only to make room for one (a radio of one station, or one
	// that must change channel).
	std::vector<const Ap *> kept;
	std::vector<const Ap *> fading;
	for (const Ap &a : aps) {
		if (!a.station)
			continue;
		if (usable(a) && onChosen(a))
			kept.push_back(&a);
		else if (a.station->up && (a.joinable || !a.heard) && !movedAway.count(a.freqMhz))
			fading.push_back(&a);
		else
			plan.leave.push_back({.bssid = a.bssid, .freqMhz = a.freqMhz, .why = whyLeave(a)});
	}
	const bool keptUp = std::any_of(kept.begin(), kept.end(), [](const Ap *a) { return a->station->up; });
	if (!fading.empty() && !keptUp && !otherPath) {
		const auto last = std::min_element(fading.begin(), fading.end(), [](const Ap *a, const Ap *b) {
			return a->signalDbm > b->signalDbm;
		});
		// its replacement must fit beside it: a free station, on a channel
		// the radio keeps
		const bool room = kept.size() + 1 < config_.maxStations && onChosen(**last);
		if (room || unused.empty()) {
			kept.push_back(*last);
			fading.erase(last);
		}
	}
	for (const Ap *a : fading)
		plan.leave.push_back({.bssid = a->bssid, .freqMhz = a->freqMhz, .why = whyLeave(*a)});

	std::size_t next = 0;
	for (; next < unused.size() && kept.size() + plan.join.size() < config_.maxStations; ++next)
		plan.join.push_back({.bssid = unused[next]->bssid, .freqMhz = unused[next]->freqMhz,
				     .why = "a free station: " + mbps(unused[next]->kbps) + " at " +
					    dbm(unused[next]->signalDbm)});

	// Full: the best unused AP replaces the worst kept one once better by the
	// margin throughout the hold, unless that one is the last path up.
	std::set<std::uint64_t> apsBetter;
	if (next < unused.size() && !kept.empty() && plan.join.empty()) {
		const Ap &best = *unused[next];
		const Ap &worst = **std::min_element(kept.begin(), kept.end(),
						     [](const Ap *a, const Ap *b) { return ranksBefore(*b, *a); });
		const bool better = worst.kbps && best.kbps > worst.kbps * (1 + config_.margin);
		if (better)
			apsBetter.insert(keyOf(best.bssid));
		const bool keepsAPath = otherPath || !worst.station->up || upStations(0, &worst.bssid) > 0;
		if (heldBetter(apBetterSince_, keyOf(best.bssid), better, now) && keepsAPath) {
			plan.leave.push_back({.bssid = worst.bssid, .freqMhz = worst.freqMhz,
					      .why = formatMac(best.bssid) + " gives " + mbps(best.kbps) + ", this one " +
						     mbps(worst.kbps)});
			plan.join.push_back({.bssid = best.bssid, .freqMhz = best.freqMhz,
					     .why = "better than " + formatMac(worst.bssid) + " by over " +
						    std::to_string(static_cast<int>(config_.margin * 100)) + "%"});
		}
	}
	std::erase_if(apBetterSince_, [&](const auto &kv) { return !apsBetter.count(kv.first); });

	for (const std::uint32_t f : ranked)
		if (std::find(chosen.begin(), chosen.end(), f) != chosen.end())
			plan.channels.push_back(f);
	return plan;
}

} // namespace mpwifi::daemon
