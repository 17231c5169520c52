// SPDX-License-Identifier: GPL-2.0
// The daemon's event core: it owns the sockets, keeps what it observes per
// interface, turns what it receives into events for the policies and
// carries out the actions they ask for (daemon/policy.h).
#include "daemon/daemon.h"

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <deque>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <sstream>
#include <system_error>
#include <utility>
#include <vector>

#include <linux/rtnetlink.h>
#include <sys/socket.h>
#include <unistd.h>

#include "base/event_loop.h"
#include "daemon/endpoint_policy.h"
#include "daemon/leftovers.h"
#include "daemon/manager_state.h"
#include "daemon/mptcp_pm.h"
#include "daemon/nl80211.h"
#include "daemon/options.h"
#include "daemon/policy.h"
#include "daemon/rtnl.h"
#include "daemon/sock_diag.h"
#include "daemon/station_io.h"
#include "daemon/steering.h"
#include "daemon/sysfs.h"
#include "daemon/trust_policy.h"
#include "daemon/wifi.h"
#include "daemon/wifi_manager.h"
#include "daemon/wifi_networks.h"
#include "daemon/wpa_ctrl.h"
#include "mpwifi/client.h"
#include "netlink/error.h"

namespace mpwifi::daemon {

namespace {

using namespace std::chrono_literals;

constexpr auto kWpaTimeout = 300ms;
// Catches what no event announces (a wpa_supplicant restart).
constexpr auto kWifiPoll = 30s;
constexpr auto kDhcpSupervise = 2s;

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
	Result execute(const action::ReadRadios &read);
	Result execute(const action::ReadScan &read);
	Result execute(const action::TriggerScan &scan);
	Result execute(const action::ReadPacketTimes &read);
	Result execute(const action::ReadStationSignal &read);
	Result execute(const action::ReadRaRouters &read);
	Result execute(const action::RemoveLeftovers &remove);
	Result execute(const action::CreateStation &create);
	Result execute(const action::DeleteInterface &remove);
	Result execute(const action::JoinAp &join);
	Result execute(const action::LeaveAp &leave);
	Result execute(const action::StartDhcp &start);
	Result execute(const action::StopDhcp &stop);
	Result execute(const action::AddRouting &add);
	Result execute(const action::RemoveRouting &remove);
	Result execute(const action::SetMainDefault &set);
	Result execute(const action::RaiseLimits &raise);
	Result execute(const action::ReadAirtime &read);
	Result execute(const action::SetBackup &set);
	Result execute(const action::SetMarking &set);
	MptcpPm &pathManager();
	Nl80211 &wireless();
	StationIo &stationIo();
	void startWifiManager();
	// Writes RUN/stations when what the AP manager reports has changed.
	void publishManagerState();
	// Writes RUN/steering when the steering policy's state has changed.
	void publishSteeringState();
	// Writes @text to RUN/@name whole: a reader never sees half a file.
	void publish(const std::string &name, const std::string &text);
	void watchWpaEvents();
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
	std::optional<StationIo> stationIo_;
	const WifiManager *wifiManager_ = nullptr; // one of policies_, when it runs
	const SteeringPolicy *steering_ = nullptr; // one of policies_
	std::string publishedState_;               // the text of RUN/stations
	std::string publishedSteering_;            // the text of RUN/steering
	int dispatching_ = 0;                      // depth of dispatch()
	base::EventLoop::Watch leaseWatch_;
	base::EventLoop::Timer dhcpWatch_;
	base::EventLoop::Watch wpaWatch_;
	int wpaWatchedFd_ = -1;
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
	++dispatching_;
	for (const auto &policy : policies_) {
		guarded("policy", [&] { policy->onEvent(event, ifaces_, *this); });
		while (!caused_.empty()) {
			const Event next = std::move(caused_.front());
			caused_.pop_front();
			dispatch(next);
		}
	}
	if (--dispatching_ == 0) {
		guarded("publishing the AP manager's state", [&] { publishManagerState(); });
		guarded("publishing the steering state", [&] { publishSteeringState(); });
	}
}

void Daemon::publishSteeringState()
{
	if (!steering_)
		return;
	std::string text = formatSteeringState(
		{.pid = ::getpid(), .mode = steering_->mode(), .counts = steering_->counts(), .aps = steering_->aps()});
	if (text == publishedSteering_)
		return;
	publish("steering", text);
	publishedSteering_ = std::move(text);
}

void Daemon::publish(const std::string &name, const std::string &text)
{
	const std::string path = options_.runDir + "/" + name;
	const std::string temporary = path + ".new";
	std::error_code ec;
	std::filesystem::create_directories(options_.runDir, ec); // what a unit's RuntimeDirectory= gives
	{
		std::ofstream out(temporary, std::ios::trunc);
		out << text;
		if (!out.flush())
			throw std::runtime_error("cannot write " + temporary);
	}
	if (std::rename(temporary.c_str(), path.c_str()) != 0)
		throw std::system_error(errno, std::generic_category(), "cannot rename " + temporary);
}

void Daemon::publishManagerState()
{
	if (!wifiManager_)
		return;
	ManagerState state{.pid = ::getpid(), .interfaces = {}};
	for (const WifiManager::StationView &view : wifiManager_->stations()) {
		ManagedInterface managed{.ifname = view.ifname, .state = view.state, .dns = {}};
		if (view.lease)
			for (const Ipv4 &dns : view.lease->dns)
				managed.dns.push_back(formatIpv4(dns));
		state.interfaces.push_back(std::move(managed));
	}
	std::string text = formatManagerState(state);
	if (text == publishedState_)
		return;
	publish("stations", text);
	publishedState_ = std::move(text);
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
		auto reply = stationIo_ && stationNumber(iface.link.ifname)
				     ? wpaRequest(stationIo_->ctrlDir(), iface.link.ifname, "STATUS", kWpaTimeout)
				     : std::nullopt;
		if (!reply)
			reply = wpaRequest(options_.wpaCtrlDir, iface.link.ifname, "STATUS", kWpaTimeout);
		if (reply) {
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
			if (ifindex == 0 || ifaces_.contains(ifindex))
				dispatch(event::TimerFired{ifindex, kind});
		}));
	return {};
}

Nl80211 &Daemon::wireless()
{
	if (!nl80211_)
		nl80211_ = Nl80211::open();
	if (!nl80211_)
		throw netlink::Error(EOPNOTSUPP, "no nl80211 (cfg80211 is not loaded)");
	return *nl80211_;
}

StationIo &Daemon::stationIo()
{
	if (!stationIo_)
		throw netlink::Error(EOPNOTSUPP, "the AP manager is not running");
	return *stationIo_;
}

Result Daemon::execute(const action::ReadRadios &)
{
	return {.radios = wireless().radios()};
}

Result Daemon::execute(const action::ReadScan &read)
{
	return {.scan = wireless().scanResults(read.ifindex)};
}

Result Daemon::execute(const action::TriggerScan &scan)
{
	wireless().triggerScan(scan.ifindex, scan.freqsMhz);
	return {};
}

Result Daemon::execute(const action::ReadPacketTimes &)
{
	Result r;
	if (!client_)
		return r;
	for (const ApStats &ap : client_->dumpAps())
		if (ap.packet_time_ns)
			r.packetTimes[ap.bssid] = *ap.packet_time_ns;
	return r;
}

Result Daemon::execute(const action::ReadAirtime &)
{
	Result r;
	if (!client_)
		return {.error = EOPNOTSUPP, .message = "no mpwifi module"};
	r.airtime.thresholdPpm = client_->getEcn().threshold_ppm;
	for (const ApStats &ap : client_->dumpAps()) {
		r.airtime.aps.push_back({.ifindex = ap.ifindex,
					 .bssid = ap.bssid,
					 .packetTimeNs = ap.packet_time_ns,
					 .airtimePpm = ap.airtime_ppm,
					 .busyPpm = ap.busy_ppm,
					 .windowFrames = ap.window_first_try + ap.window_retried,
					 .windowNs = ap.window_end_ns - std::min(ap.window_start_ns, ap.window_end_ns),
					 .silentNs = ap.window_end_ns > ap.last_rx_ns ? ap.window_end_ns - ap.last_rx_ns : 0});
	}
	return r;
}

Result Daemon::execute(const action::SetBackup &set)
{
	pathManager().setBackup(set.endpoint, set.backup);
	return {};
}

Result Daemon::execute(const action::SetMarking &set)
{
	if (!client_)
		return {.error = EOPNOTSUPP, .message = "no mpwifi module"};
	client_->setEcn({.enabled = set.enabled});
	return {};
}

Result Daemon::execute(const action::ReadStationSignal &read)
{
	return {.signalDbm = wireless().stationSignal(read.ifindex)};
}

Result Daemon::execute(const action::ReadRaRouters &)
{
	Result r;
	for (const Route &route : dumpRoutes(*rtnl_, AF_INET6))
		if (route.table == RT_TABLE_MAIN && route.dstLen == 0 && route.protocol == RTPROT_RA && route.gateway)
			r.routers.emplace(route.ifindex, *route.gateway);
	return r;
}

Result Daemon::execute(const action::RemoveLeftovers &)
{
	Result r;
	r.count = stationIo().stopLeftovers();
	const std::vector<Endpoint> endpoints = pm_ ? pm_->dump() : std::vector<Endpoint>{};
	std::vector<Route> routes = dumpRoutes(*rtnl_, AF_INET);
	std::vector<Rule> rules = dumpRules(*rtnl_, AF_INET);
	for (const Route &route : dumpRoutes(*rtnl_, AF_INET6))
		routes.push_back(route);
	for (const Rule &rule : dumpRules(*rtnl_, AF_INET6))
		rules.push_back(rule);
	const Leftovers left = findLeftovers(rtnl_->dumpLinks(), rtnl_->dumpAddrs(), routes, rules, endpoints);
	auto attempt = [&](const std::string &what, auto &&fn) {
		try {
			fn();
			++r.count;
			note("removed " + what + ", left by an earlier daemon");
		} catch (const std::exception &e) {
			note("cannot remove " + what + ": " + e.what());
		}
	};
	for (const Endpoint &ep : left.endpoints)
		attempt("endpoint " + ep.text(), [&] { pm_->remove(ep.id); });
	for (const Rule &rule : left.rules)
		attempt("rule " + rule.text(), [&] { deleteRule(*rtnl_, rule); });
	for (const Route &route : left.routes)
		attempt("route " + route.text(), [&] { deleteRoute(*rtnl_, route); });
	for (const LinkInfo &link : left.stations)
		attempt("interface " + link.ifname, [&] { wireless().deleteInterface(link.ifindex); });
	return r;
}

Result Daemon::execute(const action::CreateStation &create)
{
	const std::uint32_t ifindex = wireless().addStationInterface(create.wiphy, create.ifname, randomLocalMac());
	try {
		setStationIpv4Conf(create.ifname);
	} catch (const std::system_error &e) {
		// works on, but stations sharing a subnet may answer each other's ARP
		note(create.ifname + ": cannot set its ARP and reverse-path settings: " + e.what());
	}
	try {
		(void)setStationIpv6Conf(create.ifname);
	} catch (const std::system_error &e) {
		note(create.ifname + ": cannot let it take router advertisements (no IPv6 through it): " + e.what());
	}
	try {
		setLinkUp(*rtnl_, ifindex);
	} catch (...) {
		// the radio may refuse one more running interface (EBUSY): it goes
		try {
			wireless().deleteInterface(ifindex);
		} catch (const std::exception &) {
		}
		throw;
	}
	return {.ifindex = ifindex};
}

Result Daemon::execute(const action::DeleteInterface &remove)
{
	wireless().deleteInterface(remove.ifindex);
	return {};
}

Result Daemon::execute(const action::JoinAp &join)
{
	stationIo().join(join.ifname, join.network, join.bssid, join.freqMhz);
	watchWpaEvents();
	return {};
}

Result Daemon::execute(const action::LeaveAp &leave)
{
	stationIo().leave(leave.ifname);
	return {};
}

Result Daemon::execute(const action::StartDhcp &start)
{
	stationIo().startDhcp(start.ifname);
	return {};
}

Result Daemon::execute(const action::StopDhcp &stop)
{
	stationIo().stopDhcp(stop.ifname);
	return {};
}

Result Daemon::execute(const action::AddRouting &add)
{
	addStationRouting(*rtnl_, add.routing);
	return {};
}

Result Daemon::execute(const action::RemoveRouting &remove)
{
	return {.count = deleteStationRouting(*rtnl_, remove.routing)};
}

Result Daemon::execute(const action::SetMainDefault &set)
{
	std::vector<Route> present;
	for (const Route &route : dumpRoutes(*rtnl_, AF_INET))
		if (route.table == RT_TABLE_MAIN && route.dstLen == 0)
			present.push_back(route);
	const DefaultRouteChanges changes = mainDefaultChanges(present, set.route);
	for (const Route &route : changes.remove)
		deleteRoute(*rtnl_, route);
	if (changes.add) {
		addRoute(*rtnl_, *changes.add);
		note("main table: " + changes.add->text());
	}
	return {};
}

Result Daemon::execute(const action::RaiseLimits &raise)
{
	MptcpPm &pm = pathManager();
	const MptcpLimits current = pm.limits();
	const MptcpLimits wanted = limitsForPaths(current, raise.paths);
	if (wanted != current) {
		pm.setLimits(wanted);
		note("MPTCP limits raised for " + std::to_string(raise.paths) + " paths");
	}
	return {};
}

void Daemon::watchWpaEvents()
{
	const int fd = stationIo_ ? stationIo_->wpaEventFd() : -1;
	if (fd == wpaWatchedFd_)
		return;
	wpaWatch_.reset();
	wpaWatchedFd_ = fd;
	if (fd < 0)
		return;
	wpaWatch_ = loop_.watchRead(fd, [this] {
		std::vector<WpaEvent> events;
		try {
			events = stationIo_->wpaEvents();
		} catch (const std::exception &e) {
			note(std::string("wpa_supplicant: ") + e.what());
			wpaWatch_.reset();
			wpaWatchedFd_ = -1;
			return;
		}
		for (const WpaEvent &e : events) {
			detail(e.ifname + ": wpa_supplicant: " + e.text);
			if (!e.ifname.empty())
				dispatch(event::WpaReported{e.ifname, e.text});
		}
	});
}

void Daemon::startWifiManager()
{
	const std::string &path = *options_.wifiNetworks;
	std::ifstream in(path);
	if (!in)
		throw std::runtime_error("cannot read the networks file " + path);
	std::stringstream text;
	text << in.rdbuf();
	std::vector<WifiNetwork> networks = parseWifiNetworks(text.str(), path);
	if (networks.empty())
		throw std::runtime_error(path + ": no network={...} block");
	stationIo_.emplace(StationIo::Settings{.runDir = options_.runDir,
					       .globalCtrl = options_.wpaGlobalCtrl,
					       .dhcpScript = options_.dhcpScript},
			   [this](const std::string &line) { note(line); });
	leaseWatch_ = loop_.watchRead(stationIo_->leaseFd(), [this] {
		stationIo_->leaseChanges([&](const std::string &ifname, std::optional<DhcpLease> lease,
					     const std::string &error) {
			dispatch(event::LeaseChanged{ifname, std::move(lease), error});
		});
	});
	// a DHCP client that died would leave its lease unrenewed
	dhcpWatch_ = loop_.every(kDhcpSupervise, [this] { stationIo_->restartExitedDhcp(kDhcpSupervise); });
	note("AP manager: " + std::to_string(networks.size()) + " network(s) from " + path);
	WifiManager::Settings settings{.radios = options_.wifiRadios,
				       .networks = std::move(networks),
				       .maxAps = options_.wifiMaxAps,
				       .endpointMinTrust = options_.endpointMinTrust,
				       .pathManager = pm_.has_value()};
	auto manager = std::make_unique<WifiManager>(std::move(settings), [] { return WifiManager::Clock::now(); });
	wifiManager_ = manager.get();
	policies_.push_back(std::move(manager));
}

Interface &Daemon::track(const LinkInfo &link)
{
	const auto [it, added] = ifaces_.try_emplace(link.ifindex);
	Interface &iface = it->second;
	const bool renamed = !added && iface.link.ifname != link.ifname;
	iface.link = link;
	// Other: not classified yet, or by a sysfs entry that was not this link's
	if (added || renamed || iface.type == LinkType::Other) {
		const SysfsFacts sys = readSysfs(link.ifname);
		// an event read after the link went (or its name passed to another)
		// tells nothing of it: unknown, never wired by default
		iface.type = sys.ifindex == link.ifindex ? linkTypeOf({link.arphrd, link.kind, sys.devtype, sys.wireless})
							 : LinkType::Other;
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
	std::erase_if(timers_, [&](const auto &entry) { return entry.first.first == ifindex && ifindex != 0; });
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
	if (options_.wifiNetworks)
		startWifiManager();
	auto steering = std::make_unique<SteeringPolicy>(SteeringPolicy::Settings{.mode = options_.steering,
										  .airScale = options_.emulatedAirScale},
							 [] { return SteeringPolicy::Clock::now(); });
	steering_ = steering.get();
	policies_.push_back(std::move(steering));

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
	if (wifiManager_) // nothing of the manager's is left to report
		std::remove((options_.runDir + "/stations").c_str());
	std::remove((options_.runDir + "/steering").c_str());
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
