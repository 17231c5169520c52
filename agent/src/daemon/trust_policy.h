// SPDX-License-Identifier: GPL-2.0
// Trust classification as a policy: each interface gets the level classify()
// gives it, capped by the devices under it (classifyStacked; automatic
// source); a level set by hand wins until it is set back to "auto", when the
// daemon's level applies again.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <variant>
#include <vector>

#include "daemon/options.h"
#include "daemon/policy.h"

namespace mpwifi::daemon {

// Where an interface stands with the module, as far as this policy knows.
namespace trust_state {
// Nothing asked for yet, or the last request failed: ask at the next event.
struct Unset {
	friend bool operator==(const Unset &, const Unset &) = default;
};
// The module holds the level of @applied.
struct Applied {
	Classification applied;
	friend bool operator==(const Applied &, const Applied &) = default;
};
// A manual setting wins (the module refused ours, or reported it); @wanted
// is what was last asked for, not asked again until it changes.
struct Overridden {
	std::optional<Classification> wanted;
	friend bool operator==(const Overridden &, const Overridden &) = default;
};
} // namespace trust_state

using TrustState = std::variant<trust_state::Unset, trust_state::Applied, trust_state::Overridden>;

class TrustPolicy final : public Policy {
public:
	// After an MLME event wpa_supplicant may still be keying; look again.
	static constexpr std::chrono::milliseconds kWifiRechecks[] = {std::chrono::milliseconds(50),
								       std::chrono::milliseconds(300),
								       std::chrono::milliseconds(1000),
								       std::chrono::milliseconds(3000)};

	struct Settings {
		bool personalTrusted = false;
		std::vector<OverrideRule> overrides;
	};

	explicit TrustPolicy(Settings settings) : settings_(std::move(settings)) {}

	void onEvent(const Event &event, const Interfaces &interfaces, Actions &actions) override;

	// Unset for an interface it has not seen.
	[[nodiscard]] TrustState state(std::uint32_t ifindex) const;

private:
	void on(const event::LinkChanged &e, const Interfaces &interfaces, Actions &actions);
	void on(const event::LinkRemoved &e, const Interfaces &interfaces, Actions &actions);
	void on(const event::TrustReported &e, const Interfaces &interfaces, Actions &actions);
	void on(const event::WifiChanged &e, const Interfaces &interfaces, Actions &actions);
	void on(const event::TimerFired &e, const Interfaces &interfaces, Actions &actions);
	void on(const event::Poll &e, const Interfaces &interfaces, Actions &actions);
	// Events of no concern to trust.
	template <typename E>
	void on(const E &, const Interfaces &, Actions &) {}

	// Classifies @iface and asks the module for its level, unless it was
	// asked for already (and not @force).
	void apply(const Interface &iface, const Interfaces &interfaces, Actions &actions, bool force);
	// apply() for @ifindex, then for every device built on others: a change
	// of a device (its level, its ports, its parent) may change theirs.
	void applyWithStacks(std::uint32_t ifindex, const Interfaces &interfaces, Actions &actions);
	// apply() for every device built on others but @except.
	void applyStacks(std::uint32_t except, const Interfaces &interfaces, Actions &actions);
	// The classification of @iface by itself.
	[[nodiscard]] Classification own(const Interface &iface, Actions &actions) const;
	void reported(const Interface &iface, const Interfaces &interfaces, const InterfaceTrust &trust,
		      Actions &actions);

	Settings settings_;
	std::map<std::uint32_t, TrustState> states_;
	// Interfaces that had devices under them when last classified.
	std::set<std::uint32_t> stacked_;
};

} // namespace mpwifi::daemon
