// SPDX-License-Identifier: GPL-2.0
// The daemon's event core: it owns the sockets, keeps what it observes per
// interface, turns what it receives into events for the policies and
// carries out the actions they ask for (daemon/policy.h).
#include "daemon/daemon.h"

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <utility>
#include <vector>

#include "base/event_loop.h"
#include "daemon/endpoint_policy.h"
#include "daemon/mptcp_pm.h"
#include "daemon/nl80211.h"
#include "daemon/options.h"
#include "daemon/policy.h"
#include "daemon/rtnl.h"
#include "daemon/sock_diag.h"
#include "daemon/sysfs.h"
#include "daemon/trust_policy.h"
#include "daemon/wifi.h"
#include "daemon/wpa_ctrl.h"
#include "mpwifi/client.h"
#include "netlink/error.h"

namespace mpwifi::daemon {

namespace {

using namespace std::chrono_literals;

constexpr auto kWpaTimeout = 300ms;
// Catches what no event announces (a wpa_supplicant restart).
constexpr auto kWifiPoll = 30s;

// Trust support of the module, checked once at start.
class Unsupported : public std::runtime_error {
public:
	using std::runtime_error::runtime_error;
};

class Daemon final : private Actions {
public:
	Daemon(DaemonOptions options, std::ostream &log) : options_(std::move(options)), log_(log) {}

	int run();

private:
	// Logging: one line each, flushed, for journald.
	void note(const std::string &line) { log_ << "mpwifi daemon: " << line << std::endl; }
	void detail(const std::string &line)
	{
		if (options_.verbose)
			note(line);
	}
	// Runs @fn; an error is logged, the daemon goes on.
	template <typename Fn>
	void guarded(const std::string &what, Fn &&fn);

	// Events: to every policy in turn; what an action causes comes
	// after the policy that asked for it.
	void dispatch(const Event &event);

	// Actions.
	Result request(const Action &action) override;
	Result execute(const action::ReadWifi &read);
	Result execute(const action::SetTrust &set);
	Result execute(const action::ListEndpoints &list);
	Result execute(const action::AddEndpoint &add);
	Result execute(const action::RemoveEndpoint &remove);
	Result execute(const action::DestroySubflows &destroy);
	Result execute(const action::ArmTimers &arm);
	Result execute(const action::Log &log);
	MptcpPm &pathManager();
	WifiFacts wifiFacts(const Interface &iface);

	// Event sources.
	void start();
	void resync();
	Interface &track(const LinkInfo &link);
	void forget(std::uint32_t ifindex, const std::string &ifname);
	void onLink(const LinkInfo &link);
	void onAddr(const AddrInfo &addr);
	void onTrust(const InterfaceTrust &trust);
	void onMlme(std::uint32_t ifindex);
	void subscribeMlme();

	DaemonOptions options_;
	std::ostream &log_;
	base::EventLoop loop_;
	std::optional<Client> client_;
	std::optional<EventSubscription> trustEvents_;
	std::optional<Rtnl> rtnl_;
	std::optional<Nl80211> nl80211_;
	std::optional<netlink::GenlSocket> mlme_;
	base::EventLoop::Watch mlmeWatch_;
	std::optional<MptcpPm> pm_;
	Interfaces ifaces_;
	std::map<std::pair<std::uint32_t, TimerKind>, std::vector<base::EventLoop::Timer>> timers_;
	std::vector<std::unique_ptr<Policy>> policies_;
	std::deque<Event> caused_; // by actions, for the policies after the current one returns
	bool started_ = false;
};

template <typename Fn>
void Daemon::guarded(const std::string &what, Fn &&fn)
{
	try {
		fn();
	} catch (const std::exception &e) {
		note(what + ": " + e.what());
	}
}

void Daemon::dispatch(const Event &event)
{
	for (const auto &policy : policies_) {
		guarded("policy", [&] { policy->onEvent(event, ifaces_, *this); });
		while (!caused_.empty()) {
			const Event next = std::move(caused_.front());
			caused_.pop_front();
			dispatch(next);
		}
	}
}

Result Daemon::request(const Action &action)
{
	try {
		return std::visit([this](const auto &a) { return execute(a); }, action);
	} catch (const netlink::Error &e) {
		return {.error = e.code(), .message = e.what()};
	} catch (const std::exception &e) {
		return {.error = EIO, .message = e.what()};
	}
}

Result Daemon::execute(const action::Log &log)
{
	if (log.verbose)
		detail(log.line);
	else
		note(log.line);
	return {};
}

WifiFacts Daemon::wifiFacts(const Interface &iface)
{
	WifiFacts w;
	try {
		if (auto reply = wpaRequest(options_.wpaCtrlDir, iface.link.ifname, "STATUS", kWpaTimeout)) {
			const WpaStatus status = parseWpaStatus(*reply);
			w.source = "wpa_supplicant";
			w.associated = status.completed();
			w.security = securityOfKeyMgmt(status.keyMgmt, status.pairwiseCipher);
			w.ssid = status.ssid;
			w.bssid = status.bssid;
			return w;
		}
	} catch (const std::exception &e) {
		detail(iface.link.ifname + ": " + e.what() + "; asking nl80211");
	}

	if (!nl80211_)
		nl80211_ = Nl80211::open();
	if (!nl80211_)
		return w;
	w.source = "nl80211";
	const auto bss = nl80211_->associatedBss(iface.link.ifindex);
	if (!bss)
		return w;
	w.associated = true;
	w.bssid = bss->bssid;
	try {
		w.ssid = ssidOf(bss->ies).value_or("");
		w.security = securityOfBss(bss->ies, bss->privacy);
	} catch (const IeError &e) {
		w.security = WifiSecurity::Unknown;
		w.source += ", " + std::string(e.what());
	}
	return w;
}

Result Daemon::execute(const action::ReadWifi &read)
{
	const auto it = ifaces_.find(read.ifindex);
	if (it == ifaces_.end())
		return {.error = ENODEV, .message = "no such interface"};
	return {.wifi = wifiFacts(it->second)};
}

Result Daemon::execute(const action::SetTrust &set)
{
	// Without the module (--no-module) the level is only logged.
	if (client_)
		client_->setTrust({.ifindex = set.ifindex, .source = TrustSource::Auto, .level = set.level});
	if (auto it = ifaces_.find(set.ifindex); it != ifaces_.end() && it->second.level != set.level) {
		it->second.level = set.level;
		caused_.emplace_back(event::LevelChanged{set.ifindex});
	}
	return {};
}

MptcpPm &Daemon::pathManager()
{
	if (!pm_)
		throw netlink::Error(EOPNOTSUPP, "MPTCP path manager unavailable");
	return *pm_;
}

Result Daemon::execute(const action::ListEndpoints &)
{
	return {.endpoints = pathManager().dump()};
}

Result Daemon::execute(const action::AddEndpoint &add)
{
	pathManager().add(add.endpoint);
	return {};
}

Result Daemon::execute(const action::RemoveEndpoint &remove)
{
	pathManager().remove(remove.endpoint.id);
	return {};
}

Result Daemon::execute(const action::DestroySubflows &destroy)
{
	return {.count = destroySubflows(destroy.sources)};
}

Result Daemon::execute(const action::ArmTimers &arm)
{
	auto &timers = timers_[{arm.ifindex, arm.kind}];
	timers.clear();
	for (auto delay : arm.delays)
		timers.push_back(loop_.after(delay, [this, ifindex = arm.ifindex, kind = arm.kind] {
			if (ifaces_.contains(ifindex))
				dispatch(event::TimerFired{ifindex, kind});
		}));
	return {};
}

Interface &Daemon::track(const LinkInfo &link)
{
	const auto [it, added] = ifaces_.try_emplace(link.ifindex);
	Interface &iface = it->second;
	const bool renamed = !added && iface.link.ifname != link.ifname;
	iface.link = link;
	if (added || renamed) {
		const SysfsFacts sys = readSysfs(link.ifname);
		iface.type = linkTypeOf({link.arphrd, link.kind, sys.devtype, sys.wireless});
		detail(link.ifname + ": " + std::string(linkTypeName(iface.type)) + (link.kind.empty() ? "" : " " + link.kind));
		if (iface.type == LinkType::Wifi && !mlme_ && started_)
			guarded("nl80211 events", [&] { subscribeMlme(); });
	}
	return iface;
}

void Daemon::forget(std::uint32_t ifindex, const std::string &ifname)
{
	if (ifaces_.erase(ifindex))
		detail(ifname + ": removed");
	std::erase_if(timers_, [&](const auto &entry) { return entry.first.first == ifindex; });
	dispatch(event::LinkRemoved{ifindex, ifname});
}

void Daemon::onLink(const LinkInfo &link)
{
	if (link.removed) {
		forget(link.ifindex, link.ifname);
		return;
	}
	guarded(link.ifname, [&] { (void)track(link); });
	dispatch(event::LinkChanged{link.ifindex});
}

void Daemon::onAddr(const AddrInfo &addr)
{
	auto it = ifaces_.find(addr.ifindex);
	if (it == ifaces_.end())
		return;
	Interface &iface = it->second;
	std::erase(iface.addrs, addr);
	if (!addr.removed)
		iface.addrs.push_back(addr);
	dispatch(event::AddrChanged{addr.ifindex});
}

void Daemon::onTrust(const InterfaceTrust &trust)
{
	auto it = ifaces_.find(trust.ifindex);
	if (it == ifaces_.end())
		return;
	detail(it->second.link.ifname + ": module says " + std::string(trustLevelName(trust.level)) + ", set " +
	       std::string(trustSourceName(trust.source)));
	const auto before = it->second.level;
	it->second.level = trust.level;
	dispatch(event::TrustReported{trust});
	if (it = ifaces_.find(trust.ifindex); it != ifaces_.end() && it->second.level != before)
		dispatch(event::LevelChanged{trust.ifindex});
}

void Daemon::onMlme(std::uint32_t ifindex)
{
	if (ifaces_.contains(ifindex))
		dispatch(event::WifiChanged{ifindex});
}

void Daemon::resync()
{
	const auto links = rtnl_->dumpLinks();
	const auto addrs = rtnl_->dumpAddrs();
	std::vector<std::pair<std::uint32_t, std::string>> gone;
	for (const auto &[index, iface] : ifaces_)
		if (std::none_of(links.begin(), links.end(), [&](const LinkInfo &l) { return l.ifindex == index; }))
			gone.emplace_back(index, iface.link.ifname);
	for (const auto &[index, name] : gone)
		forget(index, name);
	for (auto &[index, iface] : ifaces_)
		iface.addrs.clear();
	for (const LinkInfo &link : links)
		guarded(link.ifname, [&] { (void)track(link); });
	for (const AddrInfo &a : addrs)
		if (auto it = ifaces_.find(a.ifindex); it != ifaces_.end())
			it->second.addrs.push_back(a);
	for (const LinkInfo &link : links)
		dispatch(event::LinkChanged{link.ifindex});
}

void Daemon::subscribeMlme()
{
	if (!nl80211_)
		nl80211_ = Nl80211::open();
	if (!nl80211_)
		return;
	mlme_ = nl80211_->subscribeMlme();
	mlmeWatch_ = loop_.watchRead(mlme_->fd(), [this] {
		guarded("nl80211 events", [&] {
			mlme_->receivePending([&](const nlmsghdr &msg) {
				if (auto ifindex = mlmeEventIfindex(msg))
					onMlme(*ifindex);
			});
		});
	});
}

void Daemon::start()
{
	if (!options_.noModule) {
		try {
			client_ = Client::open();
			(void)client_->dumpTrust();
		} catch (const netlink::KernelError &e) {
			if (e.code() == EOPNOTSUPP)
				throw Unsupported("the loaded mpwifi module does not support trust; rebuild/reload it");
			throw;
		}
	}
	if (client_)
		trustEvents_ = client_->subscribeEvents();
	rtnl_ = Rtnl::open();
	try {
		pm_ = MptcpPm::open();
	} catch (const netlink::Error &e) {
		note(std::string("MPTCP path manager unavailable (") + e.what() +
		     "): endpoints and subflows are left alone");
	}
	policies_.push_back(std::make_unique<TrustPolicy>(
		TrustPolicy::Settings{.personalTrusted = options_.personalTrusted, .overrides = options_.overrides}));
	policies_.push_back(std::make_unique<EndpointPolicy>(
		EndpointPolicy::Settings{.minTrust = options_.endpointMinTrust,
					 .trustedEndpoints = options_.trustedEndpoints,
					 .pathManager = pm_.has_value()}));

	resync(); // classify and apply, nothing destroyed or re-added yet
	if (client_)
		for (const InterfaceTrust &t : client_->dumpTrust())
			if (auto it = ifaces_.find(t.ifindex); it != ifaces_.end())
				it->second.level = t.level;
	started_ = true;
	dispatch(event::Started{});
	if (std::any_of(ifaces_.begin(), ifaces_.end(), [](const auto &i) { return i.second.type == LinkType::Wifi; }))
		guarded("nl80211 events", [&] { subscribeMlme(); });
	note("running: " + std::to_string(ifaces_.size()) + " interfaces");
}

int Daemon::run()
{
	auto signals = loop_.watchSignals({SIGINT, SIGTERM}, [this](int signo) {
		note(std::string("stopping (") + strsignal(signo) + ")");
		loop_.exit(0);
	});
	start();

	base::EventLoop::Watch trustWatch;
	if (trustEvents_)
		trustWatch = loop_.watchRead(trustEvents_->fd(), [this] {
			try {
				trustEvents_->receiveTrust([&](const InterfaceTrust &t) { onTrust(t); });
			} catch (const netlink::Error &e) {
				if (e.code() != ENOBUFS) {
					note(std::string("trust events: ") + e.what());
					return;
				}
				note("trust events lost: reading every level again");
				guarded("trust resync", [&] {
					for (const InterfaceTrust &t : client_->dumpTrust())
						onTrust(t);
				});
			}
		});
	auto linkWatch = loop_.watchRead(rtnl_->eventFd(), [this] {
		try {
			rtnl_->receiveEvents([&](const RtnlEvent &e) {
				if (const auto *link = std::get_if<LinkInfo>(&e))
					onLink(*link);
				else
					onAddr(std::get<AddrInfo>(e));
			});
		} catch (const netlink::Error &e) {
			if (e.code() != ENOBUFS) {
				note(std::string("rtnetlink events: ") + e.what());
				return;
			}
			note("rtnetlink events lost: reading every link again");
			guarded("link resync", [&] { resync(); });
		}
	});
	auto poll = loop_.every(kWifiPoll, [this] { dispatch(event::Poll{}); });

	const int status = loop_.run();
	dispatch(event::Stopping{});
	return status;
}

} // namespace

int run(std::span<const std::string> args, std::ostream &out, std::ostream &log)
{
	DaemonOptions options;
	try {
		options = parseDaemonOptions(args);
	} catch (const OptionsError &e) {
		log << "mpwifi daemon: " << e.what() << "; try \"mpwifi help\"\n";
		return 2;
	}
	if (options.help) {
		out << "Usage: mpwifi daemon [ OPTIONS ]\n" << optionsHelp();
		return 0;
	}
	try {
		Daemon daemon(std::move(options), log);
		return daemon.run();
	} catch (const netlink::FamilyNotFound &e) {
		log << "mpwifi daemon: the mpwifi kernel module is not loaded (" << e.what() << ")\n";
	} catch (const std::exception &e) {
		log << "mpwifi daemon: " << e.what() << '\n';
	}
	return 1;
}

} // namespace mpwifi::daemon
