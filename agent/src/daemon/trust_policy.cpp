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

} // namespace

TrustState TrustPolicy::state(std::uint32_t ifindex) const
{
	const auto it = states_.find(ifindex);
	return it == states_.end() ? TrustState{} : it->second;
}

void TrustPolicy::apply(const Interface &iface, Actions &actions, bool force)
{
	LinkFacts facts;
	facts.ifname = iface.link.ifname;
	facts.type = iface.type;
	facts.kind = iface.link.kind;
	if (iface.type == LinkType::Wifi)
		facts.wifi = require(actions, action::ReadWifi{iface.link.ifindex}).wifi;
	const Classification c = classify(facts, {settings_.personalTrusted, settings_.overrides});

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

void TrustPolicy::reported(const Interface &iface, const InterfaceTrust &trust, Actions &actions)
{
	if (trust.source == TrustSource::None) {
		// Nobody's level any more (`trust set IFACE auto`): ours again.
		apply(iface, actions, true);
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
	forInterface(interfaces, e.ifindex, actions, [&](const Interface &iface) { apply(iface, actions, false); });
}

void TrustPolicy::on(const event::LinkRemoved &e, const Interfaces &, Actions &)
{
	states_.erase(e.ifindex);
}

void TrustPolicy::on(const event::TrustReported &e, const Interfaces &interfaces, Actions &actions)
{
	forInterface(interfaces, e.trust.ifindex, actions,
		     [&](const Interface &iface) { reported(iface, e.trust, actions); });
}

void TrustPolicy::on(const event::WifiChanged &e, const Interfaces &, Actions &actions)
{
	(void)actions.request(action::ArmTimers{e.ifindex, TimerKind::WifiRecheck,
						{std::begin(kWifiRechecks), std::end(kWifiRechecks)}});
}

void TrustPolicy::on(const event::TimerFired &e, const Interfaces &interfaces, Actions &actions)
{
	if (e.kind == TimerKind::WifiRecheck)
		forInterface(interfaces, e.ifindex, actions, [&](const Interface &iface) { apply(iface, actions, false); });
}

void TrustPolicy::on(const event::Poll &, const Interfaces &interfaces, Actions &actions)
{
	for (const auto &[ifindex, iface] : interfaces)
		if (iface.type == LinkType::Wifi)
			forInterface(interfaces, ifindex, actions, [&](const Interface &i) { apply(i, actions, false); });
}

void TrustPolicy::onEvent(const Event &event, const Interfaces &interfaces, Actions &actions)
{
	std::visit([&](const auto &e) { on(e, interfaces, actions); }, event);
}

} // namespace mpwifi::daemon
