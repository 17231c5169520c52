// SPDX-License-Identifier: GPL-2.0
#include "daemon/trust_policy.h"

#include <cerrno>
#include <iterator>

namespace mpwifi::daemon {

namespace {

// The interface went away between the event and the request.
bool isQuietSetError(int code)
{
	return code == ENODEV || code == ENOENT;
}

// What was last asked of the module, if anything.
const Classification *asked(const TrustState &state)
{
	if (const auto *applied = std::get_if<trust_state::Applied>(&state))
		return &applied->applied;
	if (const auto *overridden = std::get_if<trust_state::Overridden>(&state))
		return overridden->wanted ? &*overridden->wanted : nullptr;
	return nullptr;
}

// The devices the packets of @iface leave through: its parent, unless it is a
// veth (the parent is its peer, another namespace of this host) or a VPN (the
// underlay carries ciphertext), and its ports.
std::vector<std::uint32_t> lowersOf(const Interface &iface, const Interfaces &interfaces)
{
	std::vector<std::uint32_t> lowers;
	const LinkInfo &link = iface.link;
	if (link.parent && link.parent != link.ifindex && link.kind != "veth" && iface.type != LinkType::Vpn)
		lowers.push_back(link.parent);
	for (const auto &[ifindex, other] : interfaces)
		if (other.link.master == link.ifindex && ifindex != link.ifindex)
			lowers.push_back(ifindex);
	return lowers;
}

bool parentElsewhere(const Interface &iface)
{
	return iface.link.parentElsewhere && iface.link.kind != "veth" && iface.type != LinkType::Vpn;
}

} // namespace

TrustState TrustPolicy::state(std::uint32_t ifindex) const
{
	const auto it = states_.find(ifindex);
	return it == states_.end() ? TrustState{} : it->second;
}

Classification TrustPolicy::own(const Interface &iface, Actions &actions) const
{
	LinkFacts facts;
	facts.ifname = iface.link.ifname;
	facts.type = iface.type;
	facts.kind = iface.link.kind;
	if (iface.type == LinkType::Wifi)
		facts.wifi = require(actions, action::ReadWifi{iface.link.ifindex}).wifi;
	return classify(facts, {settings_.personalTrusted, settings_.overrides});
}

void TrustPolicy::apply(const Interface &iface, const Interfaces &interfaces, Actions &actions, bool force)
{
	// each link looked at once (a WiFi one is asked about its association)
	std::map<std::uint32_t, std::optional<StackedLink>> seen;
	const auto link = [&](std::uint32_t ifindex) -> std::optional<StackedLink> {
		if (const auto it = seen.find(ifindex); it != seen.end())
			return it->second;
		std::optional<StackedLink> found;
		if (const auto it = interfaces.find(ifindex); it != interfaces.end()) {
			const Interface &i = it->second;
			found = StackedLink{i.link.ifname, own(i, actions), lowersOf(i, interfaces), parentElsewhere(i)};
		}
		return seen[ifindex] = found;
	};
	const Classification c = classifyStacked(iface.link.ifindex, link);
	if (!lowersOf(iface, interfaces).empty() || parentElsewhere(iface))
		stacked_.insert(iface.link.ifindex);
	else
		stacked_.erase(iface.link.ifindex);

	TrustState &state = states_[iface.link.ifindex];
	if (const Classification *before = asked(state); !force && before && *before == c)
		return;

	const std::string &name = iface.link.ifname;
	const std::string level(trustLevelName(c.level));
	const Result result = actions.request(action::SetTrust{iface.link.ifindex, c.level});
	const bool overridden = std::holds_alternative<trust_state::Overridden>(state);
	if (result.ok()) {
		actions.log(name + ": " + level + " (" + c.reason + ")");
		state = trust_state::Applied{c};
	} else if (result.error == EBUSY) {
		if (!overridden)
			actions.log(name + ": a manual setting wins over " + level + " (" + c.reason + ")");
		state = trust_state::Overridden{c};
	} else if (isQuietSetError(result.error)) {
		actions.detail(name + ": gone before its level was set");
	} else {
		// Try again at the next event.
		state = overridden ? TrustState{trust_state::Overridden{}} : TrustState{trust_state::Unset{}};
		throw ActionFailed(result.message);
	}
}

void TrustPolicy::applyWithStacks(std::uint32_t ifindex, const Interfaces &interfaces, Actions &actions)
{
	forInterface(interfaces, ifindex, actions,
		     [&](const Interface &iface) { apply(iface, interfaces, actions, false); });
	applyStacks(ifindex, interfaces, actions);
}

void TrustPolicy::applyStacks(std::uint32_t except, const Interfaces &interfaces, Actions &actions)
{
	const std::set<std::uint32_t> stacked = stacked_;
	for (const auto &[index, iface] : interfaces)
		if (index != except && (stacked.contains(index) || !lowersOf(iface, interfaces).empty() ||
					parentElsewhere(iface)))
			forInterface(interfaces, index, actions,
				     [&](const Interface &i) { apply(i, interfaces, actions, false); });
}

void TrustPolicy::reported(const Interface &iface, const Interfaces &interfaces, const InterfaceTrust &trust,
			   Actions &actions)
{
	if (trust.source == TrustSource::None) {
		// Nobody's level any more (`trust set IFACE auto`): ours again.
		apply(iface, interfaces, actions, true);
	} else if (trust.source == TrustSource::Manual) {
		TrustState &state = states_[iface.link.ifindex];
		if (std::holds_alternative<trust_state::Overridden>(state))
			return;
		actions.log(iface.link.ifname + ": a manual setting wins: " + std::string(trustLevelName(trust.level)));
		const Classification *before = asked(state);
		state = trust_state::Overridden{before ? std::optional(*before) : std::nullopt};
	}
}

void TrustPolicy::on(const event::LinkChanged &e, const Interfaces &interfaces, Actions &actions)
{
	applyWithStacks(e.ifindex, interfaces, actions);
}

void TrustPolicy::on(const event::LinkRemoved &e, const Interfaces &interfaces, Actions &actions)
{
	states_.erase(e.ifindex);
	stacked_.erase(e.ifindex);
	// a port or a parent may have gone
	applyStacks(e.ifindex, interfaces, actions);
}

void TrustPolicy::on(const event::TrustReported &e, const Interfaces &interfaces, Actions &actions)
{
	forInterface(interfaces, e.trust.ifindex, actions,
		     [&](const Interface &iface) { reported(iface, interfaces, e.trust, actions); });
}

void TrustPolicy::on(const event::WifiChanged &e, const Interfaces &, Actions &actions)
{
	(void)actions.request(action::ArmTimers{e.ifindex, TimerKind::WifiRecheck,
						{std::begin(kWifiRechecks), std::end(kWifiRechecks)}});
}

void TrustPolicy::on(const event::TimerFired &e, const Interfaces &interfaces, Actions &actions)
{
	if (e.kind == TimerKind::WifiRecheck)
		applyWithStacks(e.ifindex, interfaces, actions);
}

void TrustPolicy::on(const event::Poll &, const Interfaces &interfaces, Actions &actions)
{
	for (const auto &[ifindex, iface] : interfaces)
		if (iface.type == LinkType::Wifi)
			applyWithStacks(ifindex, interfaces, actions);
}

void TrustPolicy::onEvent(const Event &event, const Interfaces &interfaces, Actions &actions)
{
	std::visit([&](const auto &e) { on(e, interfaces, actions); }, event);
}

} // namespace mpwifi::daemon
