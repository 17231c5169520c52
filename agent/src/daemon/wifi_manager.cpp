// SPDX-License-Identifier: GPL-2.0
#include "daemon/wifi_manager.h"

#include <algorithm>
#include <cerrno>
#include <deque>
#include <set>
#include <type_traits>
#include <utility>

#include <linux/if_addr.h>
#include <linux/mptcp.h>
#include <sys/socket.h>

#include "daemon/leftovers.h"

namespace mpwifi::daemon {

namespace {

using namespace std::chrono_literals;

// A BSS last heard longer ago is not offered (cfg80211 keeps one 30 s).
constexpr std::uint32_t kFreshScanMs = 12000;
// A scan of every channel this often while a station of the radio is up:
// it leaves the radio's channel for a second or more, which every station
// of the radio pays for.
constexpr unsigned kFullScanRoundsWhileUp = 60;

// The address IPv6 autoconfiguration gave @iface, with @router's
// advertisement: a global one past DAD, not deprecated, a stable one
// before a temporary one.
std::optional<Autoconf6> autoconfOf(const Interface &iface, const std::optional<IpBytes> &router)
{
	if (!router)
		return std::nullopt;
	const AddrInfo *best = nullptr;
	for (const AddrInfo &a : iface.addrs) {
		if (a.family != AF_INET6 || !a.usable() || (a.flags & IFA_F_DEPRECATED))
			continue;
		const auto rank = [](const AddrInfo &x) { return std::pair((x.flags & IFA_F_TEMPORARY) != 0, x.addr); };
		if (!best || rank(a) < rank(*best))
			best = &a;
	}
	if (!best)
		return std::nullopt;
	return Autoconf6{.address = best->addr, .prefixLen = best->prefixLen, .router = *router};
}

std::string why(const Result &r)
{
	return r.message.empty() ? "error " + std::to_string(r.error) : r.message;
}

// The BSSID of "CTRL-EVENT-CONNECTED - Connection to 02:00:00:00:01:00 completed ...".
std::optional<MacAddr> connectedBssid(const std::string &text)
{
	constexpr std::string_view marker = "Connection to ";
	const auto at = text.find(marker);
	if (at == std::string::npos)
		return std::nullopt;
	return parseMac(std::string_view(text).substr(at + marker.size(), 17));
}

} // namespace

WifiManager::WifiManager(Settings settings, std::function<Clock::time_point()> now)
	: settings_(std::move(settings)), now_(std::move(now))
{
}

void WifiManager::onEvent(const Event &event, const Interfaces &interfaces, Actions &actions)
{
	std::visit([&](const auto &e) { on(e, interfaces, actions); }, event);
}

std::string WifiManager::phyName(std::uint32_t wiphy) const
{
	const auto it = radios_.find(wiphy);
	return it == radios_.end() ? "phy?" : it->second.radio.name;
}

void WifiManager::on(const event::Started &, const Interfaces &interfaces, Actions &actions)
{
	const Result left = actions.request(action::RemoveLeftovers{});
	if (!left.ok())
		actions.log("leftovers of an earlier daemon: " + why(left));
	else if (left.count)
		actions.log("removed " + std::to_string(left.count) + " leftovers of an earlier daemon");

	const Result found = actions.request(action::ReadRadios{});
	if (!found.ok()) {
		actions.log("AP manager: no radios (" + why(found) + ")");
		return;
	}
	for (const Radio &radio : found.radios) {
		if (!settings_.radios.empty() &&
		    std::find(settings_.radios.begin(), settings_.radios.end(), radio.name) == settings_.radios.end())
			continue;
		const StationCapacity capacity = stationCapacity(radio);
		if (!capacity.stations) {
			actions.log(radio.name + ": allows no station interface, not used");
			continue;
		}
		const std::uint32_t cap = settings_.maxAps ? settings_.maxAps : kMaxApsDefault;
		const std::uint32_t stations = std::min(capacity.stations, cap);
		const std::uint32_t channels =
			capacity.channels > 1 && allowsStations(radio, stations, capacity.channels) ? capacity.channels : 1;
		ApSelectConfig config{.maxStations = stations, .maxChannels = channels,
				      .signalFloorDbm = settings_.signalFloorDbm, .margin = settings_.margin,
				      .hold = settings_.hold};
		radios_.emplace(radio.wiphy, ManagedRadio{.radio = radio, .selector = ApSelector(config)});
		actions.log(radio.name + ": up to " + std::to_string(stations) + " AP(s) on " + std::to_string(channels) +
			    " channel(s) (the radio allows " + std::to_string(capacity.stations) + " station interface(s))");
	}
	for (const std::string &name : settings_.radios)
		if (std::none_of(radios_.begin(), radios_.end(), [&](const auto &r) { return r.second.radio.name == name; }))
			actions.log(name + ": no such radio, or it allows no station interface");
	started_ = true;
	if (!radios_.empty())
		round(interfaces, actions);
}

void WifiManager::on(const event::Stopping &, const Interfaces &interfaces, Actions &actions)
{
	std::vector<std::string> names;
	for (const auto &[name, managed] : stations_)
		names.push_back(name);
	for (const std::string &name : names)
		if (auto it = stations_.find(name); it != stations_.end())
			run(name, it->second.station->leave("the daemon stops"), interfaces, actions);
	for (auto &[wiphy, radio] : radios_)
		if (radio.spare) {
			if (const Result r = actions.request(action::DeleteInterface{radio.spare}); !r.ok())
				actions.log(radio.spareName + ": " + why(r));
			radio.spare = 0;
		}
	if (mainDefault_)
		(void)actions.request(action::SetMainDefault{std::nullopt});
	mainDefault_.reset();
	started_ = false;
}

void WifiManager::on(const event::TimerFired &e, const Interfaces &interfaces, Actions &actions)
{
	if (e.kind == TimerKind::WifiTick && e.ifindex == 0) {
		round(interfaces, actions);
	} else if (e.kind == TimerKind::StationDeadline) {
		if (ManagedStation *m = byIfindex(e.ifindex))
			run(m->station->ifname(), m->station->deadline(), interfaces, actions);
	}
}

void WifiManager::on(const event::WpaReported &e, const Interfaces &interfaces, Actions &actions)
{
	ManagedStation *m = byIfname(e.ifname);
	if (!m)
		return;
	if (e.text.starts_with("CTRL-EVENT-CONNECTED")) {
		if (const auto bssid = connectedBssid(e.text))
			run(e.ifname, m->station->associated(*bssid), interfaces, actions);
	} else if (e.text.starts_with("CTRL-EVENT-DISCONNECTED")) {
		run(e.ifname, m->station->disassociated(), interfaces, actions);
	}
}

void WifiManager::on(const event::WifiChanged &e, const Interfaces &interfaces, Actions &actions)
{
	// nl80211's view, should wpa_supplicant's event be lost: a station that
	// was associated and is no longer has lost its AP.
	ManagedStation *m = byIfindex(e.ifindex);
	if (!m || m->station->state() == StationState::Associating)
		return;
	const Result r = actions.request(action::ReadWifi{e.ifindex});
	if (r.ok() && !r.wifi.associated)
		run(m->station->ifname(), m->station->disassociated(), interfaces, actions);
}

void WifiManager::on(const event::LeaseChanged &e, const Interfaces &interfaces, Actions &actions)
{
	ManagedStation *m = byIfname(e.ifname);
	if (!m)
		return;
	if (e.lease) {
		actions.log(e.ifname + ": leased " + formatIpv4(e.lease->address) + "/" +
			    std::to_string(e.lease->prefixLen) +
			    (e.lease->routers.empty() ? "" : " via " + formatIpv4(e.lease->routers.front())));
		run(e.ifname, m->station->leased(*e.lease), interfaces, actions);
	} else if (!e.error.empty()) {
		actions.log(e.ifname + ": " + e.error);
	} else {
		run(e.ifname, m->station->leaseLost(), interfaces, actions);
	}
}

void WifiManager::on(const event::LinkRemoved &e, const Interfaces &interfaces, Actions &actions)
{
	for (auto &[wiphy, radio] : radios_)
		if (radio.spare == e.ifindex)
			radio.spare = 0;
	if (ManagedStation *m = byIfindex(e.ifindex))
		run(m->station->ifname(), m->station->failed("its interface was removed"), interfaces, actions);
}

void WifiManager::on(const event::AddrChanged &e, const Interfaces &interfaces, Actions &actions)
{
	if (ManagedStation *m = byIfindex(e.ifindex))
		ensureEndpoint(*m, interfaces, actions);
}

void WifiManager::on(const event::LevelChanged &e, const Interfaces &interfaces, Actions &actions)
{
	if (ManagedStation *m = byIfindex(e.ifindex)) {
		m->endpointAdded = false; // the endpoint policy may have parked it
		ensureEndpoint(*m, interfaces, actions);
	}
}

void WifiManager::autoconfigure(const Interfaces &interfaces, Actions &actions)
{
	std::optional<Result> routers;
	std::vector<std::string> names; // run() may end a station
	for (const auto &[name, m] : stations_)
		names.push_back(name);
	for (const std::string &name : names) {
		const auto found = stations_.find(name);
		if (found == stations_.end())
			continue;
		ManagedStation &m = found->second;
		const StationState state = m.station->state();
		if (state != StationState::Addressing && state != StationState::Up)
			continue;
		const auto iface = interfaces.find(m.station->ifindex());
		if (iface == interfaces.end())
			continue;
		if (!routers)
			routers = actions.request(action::ReadRaRouters{});
		const auto router = routers->routers.find(m.station->ifindex());
		run(name,
		    m.station->autoconfigured(autoconfOf(iface->second, router == routers->routers.end()
									   ? std::nullopt
									   : std::optional<IpBytes>(router->second))),
		    interfaces, actions);
	}
}

void WifiManager::round(const Interfaces &interfaces, Actions &actions)
{
	if (!started_)
		return;
	// Armed first: a round that fails does not end the rounds.
	(void)actions.request(action::ArmTimers{0, TimerKind::WifiTick, {settings_.round}});
	std::map<MacAddr, std::uint32_t> packetTimes;
	if (const Result r = actions.request(action::ReadPacketTimes{}); r.ok())
		packetTimes = r.packetTimes;
	autoconfigure(interfaces, actions);
	for (auto &[wiphy, radio] : radios_) {
		try {
			roundFor(radio, packetTimes, interfaces, actions);
		} catch (const ActionFailed &e) {
			actions.log(radio.radio.name + ": " + e.what());
		}
	}
}

bool WifiManager::ensureSpare(ManagedRadio &radio, const Interfaces &interfaces, Actions &actions)
{
	if (radio.spare)
		return true;
	const std::string name = freeName(interfaces);
	const Result r = actions.request(action::CreateStation{radio.radio.wiphy, name});
	if (!r.ok()) {
		if (!radio.full)
			actions.log(radio.radio.name + ": no station interface of ours (" + why(r) +
				    "): the radio's interfaces are all in use");
		radio.full = true;
		return false;
	}
	radio.full = false;
	radio.spare = r.ifindex;
	radio.spareName = name;
	actions.detail(name + ": idle on " + radio.radio.name + ", to scan from");
	return true;
}

void WifiManager::roundFor(ManagedRadio &radio, const std::map<MacAddr, std::uint32_t> &packetTimes,
			   const Interfaces &interfaces, Actions &actions)
{
	const std::uint32_t wiphy = radio.radio.wiphy;
	// Scan from a station of ours (one that is up first), else the spare.
	std::vector<std::uint32_t> scanners, others; // in the order to try
	std::set<std::uint32_t> channels;
	for (const auto &[name, m] : stations_) {
		if (m.wiphy != wiphy)
			continue;
		channels.insert(m.freqMhz);
		if (m.station->ifindex())
			(m.station->state() == StationState::Up ? scanners : others).push_back(m.station->ifindex());
	}
	const std::size_t up = scanners.size();
	scanners.insert(scanners.end(), others.begin(), others.end());
	if (scanners.empty()) {
		if (!ensureSpare(radio, interfaces, actions))
			return;
		scanners.push_back(radio.spare);
	}
	std::uint32_t from = scanners.front();

	if (radio.rounds % settings_.scanRounds == 0 || radio.scanRefused) {
		action::TriggerScan scan;
		// With a station up, only the radio's own channels, but now and
		// then: a channel's worth is known only from a scan of it.
		if (up && radio.rounds % kFullScanRoundsWhileUp != 0)
			scan.freqsMhz.assign(channels.begin(), channels.end());
		// mac80211 refuses a scan from a station that is polling its AP
		// (a fading one) and any while another scan runs: another station
		// may scan now, else the next round asks again, for a walk past
		// APs must not wait rounds to find the next
		Result r;
		for (const std::uint32_t ifindex : scanners) {
			scan.ifindex = ifindex;
			r = actions.request(scan);
			if (r.ok())
				break;
		}
		radio.scanRefused = !r.ok();
		if (!r.ok())
			actions.detail(radio.radio.name + ": scan: " + why(r));
	}
	++radio.rounds;

	const Result heard = actions.request(action::ReadScan{from});
	if (!heard.ok()) {
		actions.detail(radio.radio.name + ": scan results: " + why(heard));
		return;
	}
	std::vector<ApCandidate> candidates;
	for (const BssInfo &bss : heard.scan)
		if (bss.seenMsAgo <= kFreshScanMs)
			candidates.push_back(candidateOf(bss, settings_.networks));

	std::vector<ApStation> current;
	for (auto &[name, m] : stations_) {
		if (m.wiphy != wiphy)
			continue;
		const auto c = std::find_if(candidates.begin(), candidates.end(),
					    [&](const ApCandidate &a) { return a.bssid == m.station->bssid(); });
		// an associated station's own view is today's; the scan's entry may
		// be seconds old, or missing when scans were refused
		std::optional<int> signalDbm = c == candidates.end() ? std::nullopt : std::optional<int>(c->signalDbm);
		const StationState state = m.station->state();
		if ((state == StationState::Addressing || state == StationState::Up) && m.station->ifindex()) {
			const Result own = actions.request(action::ReadStationSignal{m.station->ifindex()});
			if (own.ok() && own.signalDbm)
				signalDbm = own.signalDbm;
		}
		const auto pt = packetTimes.find(m.station->bssid());
		current.push_back({.bssid = m.station->bssid(), .freqMhz = m.freqMhz,
				   .up = state == StationState::Up, .signalDbm = signalDbm,
				   .packetTimeNs = pt == packetTimes.end() ? std::nullopt
									 : std::optional<std::uint32_t>(pt->second)});
	}
	OtherRadios elsewhere;
	for (const auto &[name, m] : stations_) {
		if (m.wiphy == wiphy)
			continue;
		elsewhere.channels.push_back(m.freqMhz);
		elsewhere.bssids.push_back(m.station->bssid());
	}
	const ApPlan plan = radio.selector.plan(candidates, current, otherPath(interfaces, wiphy), now_(), elsewhere);
	for (const ApChange &change : plan.leave) {
		const auto it = std::find_if(stations_.begin(), stations_.end(), [&](const auto &s) {
			return s.second.wiphy == wiphy && s.second.station->bssid() == change.bssid;
		});
		if (it != stations_.end())
			run(it->first, it->second.station->leave(change.why), interfaces, actions);
	}
	for (const ApChange &change : plan.join) {
		const auto c = std::find_if(candidates.begin(), candidates.end(),
					    [&](const ApCandidate &a) { return a.bssid == change.bssid; });
		if (c != candidates.end())
			join(radio, change, *c, interfaces, actions);
	}
}

void WifiManager::join(ManagedRadio &radio, const ApChange &change, const ApCandidate &candidate,
		       const Interfaces &interfaces, Actions &actions)
{
	const std::string name = radio.spare ? radio.spareName : freeName(interfaces);
	const auto number = stationNumber(name);
	if (!number || candidate.network < 0 ||
	    static_cast<std::size_t>(candidate.network) >= settings_.networks.size())
		return;
	auto station = std::make_unique<Station>(name, candidate.bssid, stationTable(*number), settings_.timeouts);
	StationSteps first = station->start();
	stations_.emplace(name, ManagedStation{.station = std::move(station), .wiphy = radio.radio.wiphy,
					       .freqMhz = candidate.freqMhz, .network = candidate.network});
	actions.log(name + ": joining " + formatMac(candidate.bssid) + " \"" + candidate.ssid + "\" on " +
		    std::to_string(candidate.freqMhz) + " MHz (" + change.why + ")");
	run(name, std::move(first), interfaces, actions);
}

void WifiManager::run(const std::string &name, StationSteps steps, const Interfaces &interfaces, Actions &actions)
{
	std::deque<StationStep> queue(steps.begin(), steps.end());
	while (!queue.empty()) {
		const auto it = stations_.find(name);
		if (it == stations_.end())
			return;
		const StationStep step = std::move(queue.front());
		queue.pop_front();
		StationSteps next = carryOut(it->second, step, interfaces, actions);
		if (!next.empty()) // the station moved on: what it asks now replaces the rest
			queue.assign(next.begin(), next.end());
	}
	const auto it = stations_.find(name);
	if (it == stations_.end())
		return;
	if (it->second.station->state() == StationState::Gone) {
		actions.log(name + ": left " + formatMac(it->second.station->bssid()) + " (" +
			    it->second.station->leftBecause() + ")");
		stations_.erase(it);
	}
	pathsChanged(interfaces, actions);
}

StationSteps WifiManager::carryOut(ManagedStation &m, const StationStep &step, const Interfaces &interfaces,
				   Actions &actions)
{
	Station &st = *m.station;
	const std::string &name = st.ifname();
	auto logged = [&](const Result &r, const char *what) {
		if (!r.ok())
			actions.log(name + ": " + what + ": " + why(r));
	};
	return std::visit(
		[&](const auto &s) -> StationSteps {
			using S = std::decay_t<decltype(s)>;
			if constexpr (std::is_same_v<S, station_step::CreateInterface>) {
				auto &radio = radios_.at(m.wiphy);
				if (radio.spare && radio.spareName == name) {
					const std::uint32_t ifindex = std::exchange(radio.spare, 0);
					return st.created(ifindex);
				}
				const Result r = actions.request(action::CreateStation{m.wiphy, name});
				if (!r.ok())
					return st.failed("cannot create it on " + radio.radio.name + ": " + why(r));
				return st.created(r.ifindex);
			} else if constexpr (std::is_same_v<S, station_step::JoinAp>) {
				const Result r = actions.request(action::JoinAp{
					name, settings_.networks.at(static_cast<std::size_t>(m.network)), st.bssid(),
					m.freqMhz});
				if (!r.ok())
					return st.failed("wpa_supplicant: " + why(r));
				return {};
			} else if constexpr (std::is_same_v<S, station_step::StartDhcp>) {
				const Result r = actions.request(action::StartDhcp{name});
				if (!r.ok())
					return st.failed("DHCP client: " + why(r));
				return {};
			} else if constexpr (std::is_same_v<S, station_step::AddRouting>) {
				const Result r = actions.request(action::AddRouting{s.routing});
				if (!r.ok())
					return st.failed("routing: " + why(r));
				const bool v6 = s.routing.address.family == AF_INET6;
				actions.log(name + (v6 ? ": IPv6 " : ": up, ") + s.routing.address.text() + " through " +
					    formatMac(st.bssid()));
				(v6 ? m.endpoint6Added : m.endpointAdded) = false;
				ensureEndpoint(m, interfaces, actions);
				return {};
			} else if constexpr (std::is_same_v<S, station_step::EndSubflows>) {
				const Result r = actions.request(action::DestroySubflows{{s.source}});
				logged(r, "ending subflows");
				if (r.ok() && r.count)
					actions.log(name + ": ended " + std::to_string(r.count) + " subflow(s)");
				return {};
			} else if constexpr (std::is_same_v<S, station_step::RemoveEndpoints>) {
				(s.source.family == AF_INET6 ? m.endpoint6Added : m.endpointAdded) = false;
				if (!settings_.pathManager)
					return {};
				const Result list = actions.request(action::ListEndpoints{});
				logged(list, "endpoints");
				for (const Endpoint &ep : list.endpoints)
					if (ep.family == s.source.family && ep.addr == s.source.addr)
						logged(actions.request(action::RemoveEndpoint{ep}), "removing its endpoint");
				return {};
			} else if constexpr (std::is_same_v<S, station_step::RemoveRouting>) {
				logged(actions.request(action::RemoveRouting{s.routing}), "routing");
				return {};
			} else if constexpr (std::is_same_v<S, station_step::StopDhcp>) {
				logged(actions.request(action::StopDhcp{name}), "DHCP client");
				return {};
			} else if constexpr (std::is_same_v<S, station_step::LeaveAp>) {
				logged(actions.request(action::LeaveAp{name}), "wpa_supplicant");
				return {};
			} else if constexpr (std::is_same_v<S, station_step::DeleteInterface>) {
				const Result r = actions.request(action::DeleteInterface{st.ifindex()});
				if (!r.ok() && r.error != ENODEV)
					logged(r, "deleting the interface");
				return {};
			} else {
				static_assert(std::is_same_v<S, station_step::ArmDeadline>);
				(void)actions.request(action::ArmTimers{st.ifindex(), TimerKind::StationDeadline, {s.after}});
				return {};
			}
		},
		step);
}

void WifiManager::ensureEndpoint(ManagedStation &m, const Interfaces &interfaces, Actions &actions)
{
	const Station &st = *m.station;
	if (!settings_.pathManager || st.state() != StationState::Up)
		return;
	// the lease's address, and the one IPv6 autoconfiguration gave
	std::vector<std::pair<Endpoint, bool *>> wanted;
	Endpoint ep;
	ep.flags = MPTCP_PM_ADDR_FLAG_SUBFLOW;
	ep.ifindex = static_cast<std::int32_t>(st.ifindex());
	if (!m.endpointAdded && st.lease()) {
		ep.family = AF_INET;
		ep.addr = {};
		std::copy(st.lease()->address.begin(), st.lease()->address.end(), ep.addr.begin());
		wanted.emplace_back(ep, &m.endpointAdded);
	}
	if (!m.endpoint6Added && st.autoconf6()) {
		ep.family = AF_INET6;
		ep.addr = st.autoconf6()->address;
		wanted.emplace_back(ep, &m.endpoint6Added);
	}
	if (wanted.empty())
		return;
	const auto it = interfaces.find(st.ifindex());
	if (settings_.endpointMinTrust != TrustLevel::Untrusted) {
		// the endpoint policy would park it at once
		if (it == interfaces.end() || !it->second.level || *it->second.level < settings_.endpointMinTrust)
			return;
	}
	const Result list = actions.request(action::ListEndpoints{});
	if (!list.ok()) {
		actions.log(st.ifname() + ": endpoints: " + why(list));
		return;
	}
	for (auto &[want, added] : wanted) {
		if (std::any_of(list.endpoints.begin(), list.endpoints.end(),
				[&](const Endpoint &e) { return e.family == want.family && e.addr == want.addr; })) {
			*added = true;
			continue;
		}
		if (const Result r = actions.request(action::AddEndpoint{want}); !r.ok()) {
			actions.log(st.ifname() + ": adding its endpoint: " + why(r));
			continue;
		}
		*added = true;
		actions.log(st.ifname() + ": subflow endpoint " + want.text());
	}
}

void WifiManager::pathsChanged(const Interfaces &interfaces, Actions &actions)
{
	const ManagedStation *best = nullptr;
	std::size_t up = 0;
	for (const auto &[name, m] : stations_) {
		if (m.station->state() != StationState::Up || !m.station->lease())
			continue;
		++up;
		if (m.station->lease()->routers.empty())
			continue;
		// the station already serving stays, then the first by name
		const bool serving = mainDefault_ && mainDefault_->ifindex == m.station->ifindex();
		if (!best || serving)
			best = &m;
	}
	std::optional<Route> wanted;
	if (best)
		wanted = mainDefaultRoute(best->station->ifindex(), best->station->lease()->routers.front());
	if (wanted != mainDefault_) {
		const Result r = actions.request(action::SetMainDefault{wanted});
		if (!r.ok())
			actions.log("main default route: " + why(r));
		else
			mainDefault_ = wanted;
	}

	std::size_t others = 0;
	for (const auto &[index, iface] : interfaces)
		if (iface.isPath() && iface.link.running() && iface.hasUsableAddr() && !byIfindex(index))
			++others;
	if (up && up + others > limitsFor_) {
		if (const Result r = actions.request(action::RaiseLimits{up + others}); r.ok())
			limitsFor_ = up + others;
		else
			actions.log("MPTCP limits: " + why(r));
	}
}

bool WifiManager::otherPath(const Interfaces &interfaces, std::uint32_t wiphy) const
{
	for (const auto &[index, iface] : interfaces) {
		if (!iface.isPath() || !iface.link.running() || !iface.hasUsableAddr())
			continue;
		const auto s = std::find_if(stations_.begin(), stations_.end(),
					    [&](const auto &st) { return st.second.station->ifindex() == index; });
		if (s == stations_.end() || (s->second.wiphy != wiphy && s->second.station->state() == StationState::Up))
			return true;
	}
	return false;
}

std::string WifiManager::freeName(const Interfaces &interfaces) const
{
	for (unsigned n = 0;; ++n) {
		const std::string name = "mpw" + std::to_string(n);
		const bool taken =
			stations_.contains(name) ||
			std::any_of(radios_.begin(), radios_.end(),
				    [&](const auto &r) { return r.second.spare && r.second.spareName == name; }) ||
			std::any_of(interfaces.begin(), interfaces.end(),
				    [&](const auto &i) { return i.second.link.ifname == name; });
		if (!taken)
			return name;
	}
}

WifiManager::ManagedStation *WifiManager::byIfname(const std::string &ifname)
{
	const auto it = stations_.find(ifname);
	return it == stations_.end() ? nullptr : &it->second;
}

WifiManager::ManagedStation *WifiManager::byIfindex(std::uint32_t ifindex)
{
	if (!ifindex)
		return nullptr;
	for (auto &[name, m] : stations_)
		if (m.station->ifindex() == ifindex)
			return &m;
	return nullptr;
}

std::vector<WifiManager::StationView> WifiManager::stations() const
{
	std::vector<StationView> out;
	for (const auto &[name, m] : stations_) {
		const StationState state = m.station->state();
		out.push_back({.ifname = name, .phy = phyName(m.wiphy), .bssid = m.station->bssid(),
			       .freqMhz = m.freqMhz,
			       .state = state == StationState::Gone ? "leaving" : stationStateName(state),
			       .lease = m.station->lease()});
	}
	for (const auto &[wiphy, radio] : radios_)
		if (radio.spare)
			out.push_back({.ifname = radio.spareName, .phy = radio.radio.name, .state = "scanning"});
	std::sort(out.begin(), out.end(), [](const StationView &a, const StationView &b) { return a.ifname < b.ifname; });
	return out;
}

} // namespace mpwifi::daemon
