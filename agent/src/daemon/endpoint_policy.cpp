// SPDX-License-Identifier: GPL-2.0
#include "daemon/endpoint_policy.h"

#include <algorithm>

#include <linux/mptcp.h>
#include <sys/socket.h>

namespace mpwifi::daemon {

namespace {

std::string levelName(const Interface &iface)
{
	return std::string(trustLevelName(iface.level.value_or(TrustLevel::Untrusted)));
}

} // namespace

PathState EndpointPolicy::state(std::uint32_t ifindex) const
{
	const auto it = paths_.find(ifindex);
	return it == paths_.end() ? PathState{} : it->second;
}

void EndpointPolicy::enforce(const Interface &iface, Actions &actions)
{
	if (!settings_.pathManager || !iface.isPath())
		return;
	const std::string &name = iface.link.ifname;
	const TrustLevel level = iface.level.value_or(TrustLevel::Untrusted);
	auto endpoints = require(actions, action::ListEndpoints{}).endpoints;

	if (level < settings_.minTrust) {
		for (const Endpoint &ep : endpoints) {
			if (!iface.holds(ep))
				continue;
			require(actions, action::RemoveEndpoint{ep});
			parked_.push_back(ep);
			actions.log(name + ": " + levelName(iface) + ", below endpoint-min-trust: removed endpoint " +
				    ep.text());
		}
		return;
	}
	bool restored = false;
	for (auto it = parked_.begin(); it != parked_.end();) {
		if (!iface.holds(*it)) {
			++it;
			continue;
		}
		const Result result = actions.request(action::AddEndpoint{*it});
		if (result.ok()) {
			actions.log(name + ": " + levelName(iface) + ": restored endpoint " + it->text());
			restored = true;
		} else {
			actions.log(name + ": cannot restore endpoint " + it->text() + ": " + result.message);
		}
		it = parked_.erase(it);
	}
	if (restored)
		endpoints = require(actions, action::ListEndpoints{}).endpoints;
	addTrustedEndpoint(iface, endpoints, actions);
}

void EndpointPolicy::addTrustedEndpoint(const Interface &iface, const std::vector<Endpoint> &endpoints,
					Actions &actions)
{
	if (!settings_.trustedEndpoints || !settings_.pathManager || !iface.isPath() ||
	    iface.level != TrustLevel::Trusted || !std::holds_alternative<path_state::Carrying>(state(iface.link.ifindex)))
		return;
	if (std::any_of(endpoints.begin(), endpoints.end(), [&](const Endpoint &ep) { return iface.holds(ep); }))
		return;
	// IPv4 first: the address most paths are reached by.
	const AddrInfo *best = nullptr;
	for (const AddrInfo &a : iface.addrs)
		if (a.usable() && (!best || (a.family == AF_INET && best->family != AF_INET)))
			best = &a;
	if (!best)
		return;
	Endpoint ep;
	ep.family = best->family;
	ep.addr = best->addr;
	ep.flags = MPTCP_PM_ADDR_FLAG_SUBFLOW;
	ep.ifindex = static_cast<std::int32_t>(iface.link.ifindex);
	require(actions, action::AddEndpoint{ep});
	actions.log(iface.link.ifname + ": trusted without an endpoint: added subflow endpoint " + best->text());
}

void EndpointPolicy::restoreSubflows(const Interface &iface, Actions &actions)
{
	if (!settings_.pathManager)
		return;
	const auto endpoints = require(actions, action::ListEndpoints{}).endpoints;
	bool any = false;
	for (const Endpoint &ep : endpoints) {
		if (!iface.holds(ep))
			continue;
		any = true;
		// Deleting frees the endpoint's id on every connection; adding
		// it back makes the path manager open its subflows again.
		require(actions, action::RemoveEndpoint{ep});
		require(actions, action::AddEndpoint{ep});
		actions.log(iface.link.ifname + ": link back: re-added endpoint " + ep.text() + " for new subflows");
	}
	if (!any)
		addTrustedEndpoint(iface, endpoints, actions);
}

void EndpointPolicy::transitions(const Interface &iface, Actions &actions)
{
	const bool running = iface.link.running();
	const bool up = running && iface.hasUsableAddr();
	const bool trusted = iface.level == TrustLevel::Trusted && iface.isPath();
	PathState &state = paths_[iface.link.ifindex];

	if (auto *carrying = std::get_if<path_state::Carrying>(&state)) {
		if (!running) {
			// A WiFi link that lost its association is untrusted by
			// now; its subflows were trusted ones.
			const bool wasTrusted = carrying->trusted;
			std::vector<AddrInfo> sources = std::move(carrying->sources);
			state = path_state::Idle{};
			if ((trusted || wasTrusted) && started_) {
				for (const AddrInfo &a : iface.addrs)
					if (std::find(sources.begin(), sources.end(), a) == sources.end())
						sources.push_back(a);
				const std::size_t n = require(actions, action::DestroySubflows{std::move(sources)}).count;
				actions.log(iface.link.ifname + ": link lost: aborted " + std::to_string(n) +
					    " MPTCP subflow" + (n == 1 ? "" : "s") +
					    " so that their data is sent again elsewhere");
			}
			return;
		}
	}
	if (!up)
		return;
	path_state::Carrying now{.trusted = trusted, .sources = {}};
	for (const AddrInfo &a : iface.addrs)
		if (a.usable())
			now.sources.push_back(a);
	const bool cameUp = std::holds_alternative<path_state::Idle>(state);
	state = std::move(now);
	if (!cameUp || !started_)
		return;
	if (trusted)
		restoreSubflows(iface, actions);
	else
		enforce(iface, actions);
}

void EndpointPolicy::restoreParked(Actions &actions)
{
	// Leave the path manager as it was found.
	for (const Endpoint &ep : parked_)
		if (const Result result = actions.request(action::AddEndpoint{ep}); !result.ok())
			actions.log("restoring endpoint " + ep.text() + ": " + result.message);
	parked_.clear();
}

void EndpointPolicy::on(const event::Started &, const Interfaces &interfaces, Actions &actions)
{
	started_ = true;
	for (const auto &[ifindex, iface] : interfaces)
		forInterface(interfaces, ifindex, actions, [&](const Interface &i) { enforce(i, actions); });
}

void EndpointPolicy::on(const event::Stopping &, const Interfaces &, Actions &actions)
{
	restoreParked(actions);
}

void EndpointPolicy::on(const event::LinkChanged &e, const Interfaces &interfaces, Actions &actions)
{
	forInterface(interfaces, e.ifindex, actions, [&](const Interface &i) { transitions(i, actions); });
}

void EndpointPolicy::on(const event::AddrChanged &e, const Interfaces &interfaces, Actions &actions)
{
	forInterface(interfaces, e.ifindex, actions, [&](const Interface &i) { transitions(i, actions); });
}

void EndpointPolicy::on(const event::LevelChanged &e, const Interfaces &interfaces, Actions &actions)
{
	if (started_)
		forInterface(interfaces, e.ifindex, actions, [&](const Interface &i) { enforce(i, actions); });
}

void EndpointPolicy::on(const event::LinkRemoved &e, const Interfaces &, Actions &)
{
	paths_.erase(e.ifindex);
	std::erase_if(parked_, [&](const Endpoint &ep) {
		return ep.ifindex > 0 && static_cast<std::uint32_t>(ep.ifindex) == e.ifindex;
	});
}

void EndpointPolicy::onEvent(const Event &event, const Interfaces &interfaces, Actions &actions)
{
	std::visit([&](const auto &e) { on(e, interfaces, actions); }, event);
}

} // namespace mpwifi::daemon
