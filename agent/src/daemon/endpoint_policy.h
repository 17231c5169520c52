// SPDX-License-Identifier: GPL-2.0
// Endpoints and subflows as a policy: the in-kernel path manager's endpoints
// stay off interfaces below endpoint-min-trust (parked, put back when the
// level rises or the daemon stops); a trusted interface without an endpoint
// gets a "subflow" one; when a link is lost its subflows are aborted so that
// MPTCP sends their data again elsewhere, and when it comes back its
// endpoints are re-added so that the path manager opens subflows again.
#pragma once

#include <map>
#include <span>
#include <variant>
#include <vector>

#include "daemon/policy.h"

namespace mpwifi::daemon {

// Whether an interface carries subflows.
namespace path_state {
// Down, or not yet up with a usable address.
struct Idle {
	friend bool operator==(const Idle &, const Idle &) = default;
};
// Running with a usable address (it stays so until the link stops running).
// @trusted and @sources as when it was last seen with one: what a lost
// link's subflows were.
struct Carrying {
	bool trusted = false;
	std::vector<AddrInfo> sources;
	friend bool operator==(const Carrying &, const Carrying &) = default;
};
} // namespace path_state

using PathState = std::variant<path_state::Idle, path_state::Carrying>;

class EndpointPolicy final : public Policy {
public:
	struct Settings {
		// Endpoints stay off interfaces below this.
		TrustLevel minTrust = TrustLevel::Untrusted;
		// A trusted interface without an endpoint gets a "subflow" endpoint.
		bool trustedEndpoints = true;
		// The kernel has MPTCP's path manager: without it endpoints are
		// left alone (subflows are still aborted).
		bool pathManager = true;
	};

	explicit EndpointPolicy(Settings settings) : settings_(settings) {}

	void onEvent(const Event &event, const Interfaces &interfaces, Actions &actions) override;

	// Idle for an interface it has not seen.
	[[nodiscard]] PathState state(std::uint32_t ifindex) const;
	// Endpoints removed for endpoint-min-trust, to put back.
	[[nodiscard]] std::span<const Endpoint> parked() const { return parked_; }

private:
	void on(const event::Started &e, const Interfaces &interfaces, Actions &actions);
	void on(const event::Stopping &e, const Interfaces &interfaces, Actions &actions);
	void on(const event::LinkChanged &e, const Interfaces &interfaces, Actions &actions);
	void on(const event::AddrChanged &e, const Interfaces &interfaces, Actions &actions);
	void on(const event::LevelChanged &e, const Interfaces &interfaces, Actions &actions);
	void on(const event::LinkRemoved &e, const Interfaces &interfaces, Actions &actions);
	// Events of no concern to endpoints.
	template <typename E>
	void on(const E &, const Interfaces &, Actions &) {}

	void transitions(const Interface &iface, Actions &actions);
	void enforce(const Interface &iface, Actions &actions);
	void restoreSubflows(const Interface &iface, Actions &actions);
	void addTrustedEndpoint(const Interface &iface, const std::vector<Endpoint> &endpoints, Actions &actions);
	void restoreParked(Actions &actions);

	Settings settings_;
	bool started_ = false; // nothing is removed, aborted or re-added before
	std::map<std::uint32_t, PathState> paths_;
	std::vector<Endpoint> parked_;
};

} // namespace mpwifi::daemon
