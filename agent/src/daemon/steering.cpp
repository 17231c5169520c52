// SPDX-License-Identifier: GPL-2.0
#include "daemon/steering.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <sstream>

#include "daemon/wifi.h"

namespace mpwifi::daemon {

namespace {

using namespace std::chrono_literals;

constexpr std::pair<SteeringMode, std::string_view> kModeNames[] = {
	{SteeringMode::Off, "off"},
	{SteeringMode::Ecn, "ecn"},
	{SteeringMode::Priority, "priority"},
	{SteeringMode::Both, "both"},
};

std::string percent(std::uint32_t ppm)
{
	return std::to_string((ppm + 5000) / 10000) + "%";
}

std::string ratio(double r)
{
	char buf[32];
	std::snprintf(buf, sizeof(buf), "%.1f", r);
	return buf;
}

std::string apName(const SteeredAp &ap)
{
	return ap.ifname + " (" + formatMac(ap.bssid) + ")";
}

} // namespace

std::optional<SteeringMode> steeringModeFromName(std::string_view name)
{
	for (const auto &[mode, text] : kModeNames)
		if (text == name)
			return mode;
	return std::nullopt;
}

std::string_view steeringModeName(SteeringMode mode)
{
	for (const auto &[m, text] : kModeNames)
		if (m == mode)
			return text;
	return "?";
}

SteeringPolicy::SteeringPolicy(Settings settings, std::function<Clock::time_point()> now)
	: settings_(settings), now_(std::move(now))
{
}

std::vector<SteeredAp> SteeringPolicy::aps() const
{
	std::vector<SteeredAp> out;
	for (const auto &[key, t] : aps_)
		out.push_back(t.view);
	return out;
}

void SteeringPolicy::onEvent(const Event &event, const Interfaces &interfaces, Actions &actions)
{
	if (const auto *fired = std::get_if<event::TimerFired>(&event)) {
		if (fired->kind == TimerKind::SteeringTick && fired->ifindex == 0 && running_) {
			tick(interfaces, actions);
			(void)actions.request(action::ArmTimers{0, TimerKind::SteeringTick, {settings_.tick}});
		}
	} else if (std::holds_alternative<event::Started>(event)) {
		running_ = true;
		marking_ = marks(settings_.mode);
		(void)requestMarking(marking_, actions);
		actions.log("steering: " + std::string(steeringModeName(settings_.mode)));
		if (prioritizes(settings_.mode))
			(void)actions.request(action::ArmTimers{0, TimerKind::SteeringTick, {settings_.tick}});
	} else if (std::holds_alternative<event::Stopping>(event)) {
		if (!running_)
			return;
		running_ = false;
		const auto now = now_();
		restoreAll("the daemon stops", interfaces, actions, now);
		for (auto &[ifindex, entry] : withdrawn_)
			entry.second = now - settings_.readdAfter;
		readdWithdrawn(interfaces, actions, now);
	} else if (const auto *changed = std::get_if<event::LinkChanged>(&event)) {
		const auto it = interfaces.find(changed->ifindex);
		if (it != interfaces.end() && !it->second.link.running())
			linkGone(changed->ifindex, interfaces, actions);
	} else if (const auto *removed = std::get_if<event::LinkRemoved>(&event)) {
		linkGone(removed->ifindex, interfaces, actions);
		std::erase_if(aps_, [&](const auto &entry) { return entry.first.first == removed->ifindex; });
		withdrawn_.erase(removed->ifindex);
	}
}

void SteeringPolicy::tick(const Interfaces &interfaces, Actions &actions)
{
	const auto now = now_();
	const Result r = actions.request(action::ReadAirtime{});
	if (!r.ok()) {
		actions.detail("steering: cannot read the module's figures: " + r.message);
		return;
	}
	const Result eps = actions.request(action::ListEndpoints{});
	if (!eps.ok()) {
		actions.detail("steering: cannot read the path manager's endpoints: " + eps.message);
		return;
	}
	update(r.airtime, eps.endpoints, interfaces, now);
	std::string line = "steering: round:";
	for (const ApAirtime &a : r.airtime.aps) {
		const auto opt = [](const std::optional<std::uint32_t> &v, std::uint32_t div) {
			return v ? std::to_string(*v / div) : std::string("-");
		};
		line += " " + std::to_string(a.ifindex) + "/" + formatMac(a.bssid) + " T " + opt(a.packetTimeNs, 1000) +
			" us air " + opt(a.airtimePpm, 10000) + "% busy " + opt(a.busyPpm, 10000) + "% frames " +
			std::to_string(a.windowFrames) + "/" + std::to_string(a.windowNs / 1000000) + " ms silent " + std::to_string(a.silentNs / 1000000) + " ms;";
	}
	actions.detail(line);
	decide(r.airtime, interfaces, actions, now);
	pauseMarking(actions);
	verify(r.airtime, interfaces, actions, now);
	withdrawSilent(interfaces, actions, now);
	readdWithdrawn(interfaces, actions, now);
}

void SteeringPolicy::update(const AirtimeReading &reading, const std::vector<Endpoint> &endpoints,
			    const Interfaces &interfaces, Clock::time_point now)
{
	for (auto &[key, t] : aps_)
		t.seen = false;
	for (const ApAirtime &a : reading.aps) {
		const auto iface = interfaces.find(a.ifindex);
		if (iface == interfaces.end())
			continue;
		// A station with no endpoint carries no subflow of ours (another
		// program's traffic, or a path kept off MPTCP): not steered, and its
		// silence says nothing of our connections.  One withdrawn by us stays.
		const bool hasEndpoint = std::any_of(endpoints.begin(), endpoints.end(),
						     [&](const Endpoint &ep) { return iface->second.holds(ep); });
		if (!hasEndpoint && !withdrawn_.contains(a.ifindex))
			continue;
		Tracked &t = aps_[{a.ifindex, a.bssid}];
		t.seen = true;
		t.view.ifindex = a.ifindex;
		t.view.ifname = iface->second.link.ifname;
		t.view.bssid = a.bssid;
		t.reading = a;
		if (a.windowFrames >= settings_.minFrames) {
			t.lastCarried = now;
			t.lost = false;
			if (a.packetTimeNs) {
				t.view.packetTimeNs = a.packetTimeNs;
				t.estimateAt = now;
			}
		}
	}
}

std::uint32_t SteeringPolicy::airBusy(const Tracked &t) const
{
	// Our own APs' frames are busy air even where the radio hears no one
	// else's (hardware that filters them): each AP's delivered frames times
	// its packet time, which counts what they cost with retries, losses,
	// contention and acknowledgements (a received frame's own length and
	// rate leave out the attempts that failed: 30-40% at a far AP).
	double ours = 0;
	for (const auto &[key, other] : aps_) {
		const ApAirtime &r = other.reading;
		if (other.seen && r.packetTimeNs && r.windowNs)
			ours += std::min(1.0, static_cast<double>(r.windowFrames) * *r.packetTimeNs * settings_.airScale /
						      static_cast<double>(r.windowNs));
	}
	const double heard = t.reading.busyPpm.value_or(0) / 1e6 * settings_.airScale;
	return static_cast<std::uint32_t>(std::min(1.0, std::max(ours, heard)) * 1e6);
}

void SteeringPolicy::decide(const AirtimeReading &reading, const Interfaces &interfaces, Actions &actions,
			    Clock::time_point now)
{
	const auto silentFor = std::chrono::duration_cast<std::chrono::nanoseconds>(settings_.silentFor).count();
	// A backup the module no longer reports (flushed, or evicted by more APs)
	// would never be measured, probed or heard again: regular, to be judged
	// afresh when its frames come back.
	for (auto &[key, t] : aps_)
		if (t.view.backup && !t.seen)
			setPriority(t, false, "no longer reported by the module", interfaces, actions, now);
	const bool anyBackup = std::any_of(aps_.begin(), aps_.end(), [](const auto &e) { return e.second.view.backup; });

	// A regular AP that carried traffic a moment ago and now says nothing:
	// lost, or its path failed.  The backups must carry at once.
	if (anyBackup) {
		for (auto &[key, t] : aps_) {
			// carried as a regular AP (one made regular a moment ago has yet to be given data)
			if (t.view.backup || !t.seen || t.reading.silentNs < static_cast<std::uint64_t>(silentFor) ||
			    now - t.lastCarried > settings_.silentFor + 2 * settings_.tick || t.lastCarried <= t.changedAt)
				continue;
			++counts_.lost;
			t.lost = true;
			restoreAll(apName(t.view) + " silent for " + std::to_string(t.reading.silentNs / 1000000) + " ms",
				   interfaces, actions, now);
			return;
		}
	}

	// The better AP: the regular one with the shortest packet time measured
	// while it carried traffic.
	const auto fresh = [&](const Tracked &t) {
		return t.seen && t.view.packetTimeNs && now - t.estimateAt <= 4 * settings_.tick &&
		       t.reading.silentNs < static_cast<std::uint64_t>(silentFor);
	};
	const Tracked *best = nullptr;
	for (const auto &[key, t] : aps_)
		if (!t.view.backup && fresh(t) && (!best || *t.view.packetTimeNs < *best->view.packetTimeNs))
			best = &t;
	if (!best) {
		if (anyBackup)
			restoreAll("no regular AP carries traffic", interfaces, actions, now);
		return;
	}
	const double threshold = 1.0 + reading.thresholdPpm / 1e6;
	const double bestT = *best->view.packetTimeNs;
	const std::uint32_t busyBest = airBusy(*best);

	for (auto &[key, t] : aps_) {
		if (&t == best || !t.seen)
			continue;
		if (!t.view.backup) {
			// an estimate taken since its latest change: a probe's AP is measured afresh
			const bool worse = fresh(t) && t.estimateAt >= t.changedAt + settings_.tick &&
					   *t.view.packetTimeNs >= threshold * bestT;
			const std::uint32_t busy = std::max(busyBest, airBusy(t));
			if (!worse || busy < settings_.busyHighPpm || now < t.regularUntil) {
				t.worseSince = {};
				continue;
			}
			if (t.worseSince == Clock::time_point{})
				t.worseSince = now;
			if (now - t.worseSince + settings_.tick >= settings_.worseFor) // rounds that saw it, each a window
				setPriority(t, true,
					    "T " + ratio(*t.view.packetTimeNs / bestT) + " times the best's, air busy " +
						    percent(busy),
					    interfaces, actions, now);
			continue;
		}
		// A backup: regular again when it is no longer worse, when the better
		// path leaves the air idle (limited elsewhere), or to be measured.
		if (t.view.packetTimeNs && *t.view.packetTimeNs < threshold * bestT) {
			setPriority(t, false, "no longer worse: T " + ratio(*t.view.packetTimeNs / bestT) + " times the best's",
				    interfaces, actions, now);
			continue;
		}
		if (busyBest < settings_.busyLowPpm) {
			if (t.idleSince == Clock::time_point{})
				t.idleSince = now;
			if (now - t.idleSince + settings_.tick >= settings_.idleFor) {
				t.backoff = t.backoff == 0ms ? settings_.backoffMin
							     : std::min(2 * t.backoff, settings_.backoffMax);
				if (setPriority(t, false,
						"air idle (busy " + percent(busyBest) + "): the better path is limited elsewhere",
						interfaces, actions, now)) {
					t.regularUntil = now + t.backoff;
					t.limitedElsewhere = true;
					++counts_.airIdle;
				}
			}
			continue;
		}
		t.idleSince = {};
		if (now - t.changedAt >= settings_.probeEvery) {
			t.backoff = 0ms; // the air stayed busy without it: the decision held
			if (setPriority(t, false, "probe: measured again", interfaces, actions, now))
				++counts_.probes;
		}
	}
}

bool SteeringPolicy::requestMarking(bool on, Actions &actions)
{
	const Result r = actions.request(action::SetMarking{on});
	if (!r.ok())
		actions.log("steering: cannot turn the module's ECN marking " + std::string(on ? "on" : "off") + ": " +
			    r.message);
	return r.ok();
}

void SteeringPolicy::pauseMarking(Actions &actions)
{
	if (!marks(settings_.mode))
		return;
	const bool limited = std::any_of(aps_.begin(), aps_.end(), [](const auto &e) { return e.second.limitedElsewhere; });
	if (marking_ == !limited || !requestMarking(!limited, actions))
		return;
	marking_ = !limited;
	actions.log(limited ? "steering: marking paused: the better path is limited elsewhere"
			    : "steering: marking on again");
}

void SteeringPolicy::verify(const AirtimeReading &, const Interfaces &interfaces, Actions &actions,
			    Clock::time_point now)
{
	std::uint32_t carried = 0;
	for (const auto &[key, t] : aps_)
		if (!t.view.backup && t.seen)
			carried = std::max(carried, t.reading.windowFrames);
	for (auto &[key, t] : aps_) {
		if (!t.view.backup || !t.seen || now - t.changedAt < settings_.verifyAfter ||
		    now - t.verifiedAt < settings_.verifyAfter)
			continue;
		t.verifiedAt = now;
		// A backup gets retransmissions and what was queued on it; new data
		// means the sender never saw the MP_PRIO (one pure ACK, not resent).
		// Half the best AP's frames: a lossy AP's retransmissions of what was
		// queued on it stay well below that, and the toggle that resends
		// (regular, then backup) lets the sender put new data on it meanwhile.
		if (t.reading.windowFrames < std::max(2 * settings_.minFrames, carried / 2))
			continue;
		bool sent = false;
		for (const Endpoint &ep : endpointsOf(t.view.ifindex, interfaces, actions)) {
			// the path manager sends MP_PRIO only when the flag changes
			sent = actions.request(action::SetBackup{ep, false}).ok() &&
			       actions.request(action::SetBackup{ep, true}).ok();
		}
		if (sent) {
			++t.view.resends;
			++counts_.resends;
			actions.log("steering: " + apName(t.view) + " still carries " + std::to_string(t.reading.windowFrames) +
				    " frames a window as backup: MP_PRIO sent again");
		}
	}
}

void SteeringPolicy::withdrawSilent(const Interfaces &interfaces, Actions &actions, Clock::time_point now)
{
	const auto withdrawNs = std::chrono::duration_cast<std::chrono::nanoseconds>(settings_.withdrawAfter).count();
	for (const auto &[key, t] : aps_) {
		// only an AP whose silence made the backups regular: a regular AP the
		// sender merely leaves idle keeps its subflows (and the AP manager's
		// endpoint)
		if (!t.lost || !t.seen || t.view.backup || withdrawn_.contains(t.view.ifindex) ||
		    t.reading.silentNs < static_cast<std::uint64_t>(withdrawNs) ||
		    now - t.lastCarried > settings_.withdrawAfter + 2 * settings_.tick || t.lastCarried <= t.changedAt)
			continue;
		// The connection goes on through another AP while this one says
		// nothing: deleting its endpoint closes its subflows, and the
		// sender sends their data again at once instead of after ~4 RTOs.
		const bool othersCarry = std::any_of(aps_.begin(), aps_.end(), [&](const auto &e) {
			return e.second.seen && e.second.view.ifindex != t.view.ifindex &&
			       e.second.reading.windowFrames >= settings_.minFrames;
		});
		if (!othersCarry)
			continue;
		std::vector<Endpoint> removed;
		for (const Endpoint &ep : endpointsOf(t.view.ifindex, interfaces, actions))
			if (actions.request(action::RemoveEndpoint{ep}).ok())
				removed.push_back(ep);
		if (removed.empty())
			continue;
		++counts_.withdrawals;
		actions.log("steering: " + apName(t.view) + " silent for " + std::to_string(t.reading.silentNs / 1000000) +
			    " ms while another AP carries: its endpoint is withdrawn for " +
			    std::to_string(settings_.readdAfter.count()) + " ms");
		withdrawn_[t.view.ifindex] = {std::move(removed), now};
	}
}

void SteeringPolicy::readdWithdrawn(const Interfaces &interfaces, Actions &actions, Clock::time_point now)
{
	for (auto it = withdrawn_.begin(); it != withdrawn_.end();) {
		const auto &[endpoints, at] = it->second;
		const auto iface = interfaces.find(it->first);
		if (iface == interfaces.end()) {
			it = withdrawn_.erase(it);
			continue;
		}
		if (now - at < settings_.readdAfter || !iface->second.link.running()) {
			++it;
			continue;
		}
		for (const Endpoint &ep : endpoints) {
			if (!iface->second.holds(ep))
				continue; // its address went with the link: the endpoint policy adds what comes back
			if (const Result r = actions.request(action::AddEndpoint{ep}); r.ok())
				actions.log("steering: " + iface->second.link.ifname + ": endpoint " + ep.text() + " back");
			else
				actions.log("steering: " + iface->second.link.ifname + ": cannot add endpoint " + ep.text() +
					    " back: " + r.message);
		}
		it = withdrawn_.erase(it);
	}
}

void SteeringPolicy::linkGone(std::uint32_t ifindex, const Interfaces &interfaces, Actions &actions)
{
	const bool carried = std::any_of(aps_.begin(), aps_.end(), [&](const auto &e) {
		return e.first.first == ifindex && !e.second.view.backup;
	});
	const bool backupElsewhere = std::any_of(aps_.begin(), aps_.end(), [&](const auto &e) {
		return e.first.first != ifindex && e.second.view.backup;
	});
	if (!carried || !backupElsewhere)
		return;
	++counts_.lost;
	const auto it = interfaces.find(ifindex);
	restoreAll("the path through " + (it != interfaces.end() ? it->second.link.ifname : std::to_string(ifindex)) +
			   " went",
		   interfaces, actions, now_());
}

std::vector<Endpoint> SteeringPolicy::endpointsOf(std::uint32_t ifindex, const Interfaces &interfaces,
						  Actions &actions) const
{
	std::vector<Endpoint> out;
	const auto iface = interfaces.find(ifindex);
	if (iface == interfaces.end())
		return out;
	const Result r = actions.request(action::ListEndpoints{});
	if (!r.ok())
		return out;
	for (const Endpoint &ep : r.endpoints)
		if (iface->second.holds(ep))
			out.push_back(ep);
	return out;
}

bool SteeringPolicy::setPriority(Tracked &t, bool backup, const std::string &reason, const Interfaces &interfaces,
				 Actions &actions, Clock::time_point now)
{
	const std::vector<Endpoint> endpoints = endpointsOf(t.view.ifindex, interfaces, actions);
	if (endpoints.empty()) {
		if (!warnedNoEndpoint_)
			actions.log("steering: " + apName(t.view) +
				    " has no MPTCP endpoint: the priority of its subflows cannot change");
		warnedNoEndpoint_ = true;
		return false;
	}
	for (const Endpoint &ep : endpoints) {
		if (const Result r = actions.request(action::SetBackup{ep, backup}); !r.ok()) {
			actions.log("steering: " + apName(t.view) + ": cannot make endpoint " + ep.text() +
				    (backup ? " backup: " : " regular: ") + r.message);
			return false;
		}
	}
	t.view.backup = backup;
	t.view.reason = reason;
	++t.view.changes;
	++(backup ? counts_.toBackup : counts_.toRegular);
	t.changedAt = now;
	t.verifiedAt = now;
	t.worseSince = t.idleSince = {};
	t.limitedElsewhere = false;
	actions.log("steering: " + apName(t.view) + (backup ? " backup: " : " regular: ") + reason);
	return true;
}

void SteeringPolicy::restoreAll(const std::string &reason, const Interfaces &interfaces, Actions &actions,
				Clock::time_point now)
{
	for (auto &[key, t] : aps_)
		if (t.view.backup)
			setPriority(t, false, reason, interfaces, actions, now);
}

// RUN/steering

std::string formatSteeringState(const SteeringState &state)
{
	std::ostringstream out;
	out << "mpwifi-daemon " << state.pid << '\n' << "mode " << steeringModeName(state.mode) << '\n';
	const SteeringCounts &c = state.counts;
	out << "counts " << c.toBackup << ' ' << c.toRegular << ' ' << c.probes << ' ' << c.airIdle << ' ' << c.lost
	    << ' ' << c.withdrawals << ' ' << c.resends << '\n';
	for (const SteeredAp &ap : state.aps) {
		out << "ap " << ap.ifindex << ' ' << ap.ifname << ' ' << formatMac(ap.bssid) << ' '
		    << (ap.backup ? "backup" : "regular") << ' ' << ap.changes << ' ' << ap.resends << ' '
		    << (ap.packetTimeNs ? std::to_string(*ap.packetTimeNs) : "-");
		std::string reason = ap.reason;
		std::replace(reason.begin(), reason.end(), '\n', ' ');
		if (!reason.empty())
			out << ' ' << reason;
		out << '\n';
	}
	return out.str();
}

namespace {

// The next space-separated word of @line, taken off it.
std::string_view word(std::string_view &line)
{
	const std::size_t start = line.find_first_not_of(' ');
	if (start == std::string_view::npos) {
		line = {};
		return {};
	}
	line.remove_prefix(start);
	const std::size_t end = std::min(line.find(' '), line.size());
	const std::string_view w = line.substr(0, end);
	line.remove_prefix(end);
	return w;
}

template <typename T>
bool number(std::string_view text, T &out)
{
	const auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
	return ec == std::errc() && p == text.data() + text.size() && !text.empty();
}

// "5 mpw0 02:00:00:00:01:00 backup 3 0 5120 reason..." after "ap".
std::optional<SteeredAp> parseApLine(std::string_view line)
{
	SteeredAp ap;
	const std::string_view ifindex = word(line), ifname = word(line), bssid = word(line), priority = word(line),
			       changes = word(line), resends = word(line), packetTime = word(line);
	const auto mac = parseMac(bssid);
	std::uint32_t t = 0;
	if (!number(ifindex, ap.ifindex) || ifname.empty() || ifname.size() > 15 || !mac ||
	    (priority != "backup" && priority != "regular") || !number(changes, ap.changes) ||
	    !number(resends, ap.resends) || (packetTime != "-" && !number(packetTime, t)))
		return std::nullopt;
	ap.ifname = std::string(ifname);
	ap.bssid = *mac;
	ap.backup = priority == "backup";
	if (packetTime != "-")
		ap.packetTimeNs = t;
	if (const std::size_t start = line.find_first_not_of(' '); start != std::string_view::npos)
		ap.reason = std::string(line.substr(start));
	return ap;
}

} // namespace

SteeringState parseSteeringState(std::string_view text)
{
	SteeringState state;
	bool first = true;
	while (!text.empty()) {
		const std::size_t nl = std::min(text.find('\n'), text.size());
		std::string_view line = text.substr(0, nl);
		text.remove_prefix(std::min(nl + 1, text.size()));
		const std::string_view key = word(line);
		if (first && key == "mpwifi-daemon") {
			(void)number(word(line), state.pid);
		} else if (key == "mode") {
			state.mode = steeringModeFromName(word(line)).value_or(SteeringMode::Off);
		} else if (key == "counts") {
			SteeringCounts c;
			if (number(word(line), c.toBackup) && number(word(line), c.toRegular) &&
			    number(word(line), c.probes) && number(word(line), c.airIdle) && number(word(line), c.lost) &&
			    number(word(line), c.withdrawals) && number(word(line), c.resends))
				state.counts = c;
		} else if (key == "ap") {
			if (auto ap = parseApLine(line))
				state.aps.push_back(std::move(*ap));
		}
		first = false;
	}
	return state;
}

} // namespace mpwifi::daemon
