// SPDX-License-Identifier: GPL-2.0
#include "daemon/daemon.h"

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <map>
#include <optional>
#include <vector>

#include <linux/mptcp.h>
#include <sys/socket.h>

#include "base/event_loop.h"
#include "daemon/classify.h"
#include "daemon/mptcp_pm.h"
#include "daemon/nl80211.h"
#include "daemon/options.h"
#include "daemon/rtnl.h"
#include "daemon/sock_diag.h"
#include "daemon/sysfs.h"
#include "daemon/wifi.h"
#include "daemon/wpa_ctrl.h"
#include "mpwifi/client.h"
#include "netlink/error.h"

namespace mpwifi::daemon {

namespace {

using namespace std::chrono_literals;
using Clock = base::EventLoop::Clock;

constexpr auto kWpaTimeout = 300ms;
// After an MLME event wpa_supplicant may still be keying; look again.
constexpr std::chrono::milliseconds kWifiRechecks[] = {50ms, 300ms, 1000ms, 3000ms};
// Catches what no event announces (a wpa_supplicant restart).
constexpr auto kWifiPoll = 30s;

// Trust support of the module, checked once at start.
class Unsupported : public std::runtime_error {
public:
	using std::runtime_error::runtime_error;
};

struct Iface {
	LinkInfo link;
	LinkType type = LinkType::Other;
	std::vector<AddrInfo> addrs;
	std::optional<Classification> applied; // what we last asked the module for
	bool manualNoted = false;               // "a manual setting wins" logged
	std::optional<TrustLevel> effective;    // the module's level, whoever set it
	bool identified = false;                // type read from sysfs
	bool pathUp = false;                    // running with a usable address
	bool trustedPath = false;               // trusted the last time it was up
	std::vector<AddrInfo> sources;          // usable addresses while pathUp
	std::vector<base::EventLoop::Timer> rechecks;

	[[nodiscard]] bool hasUsableAddr() const
	{
		return std::any_of(addrs.begin(), addrs.end(), [](const AddrInfo &a) { return a.usable(); });
	}
	// Can carry subflows: not loopback or dummy.
	[[nodiscard]] bool isPath() const { return type != LinkType::Loopback && type != LinkType::Dummy; }
};

class Daemon {
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

	void start();
	void resync();
	void onLink(const LinkInfo &link);
	void onAddr(const AddrInfo &addr);
	void onTrust(const InterfaceTrust &trust);
	void onMlme(std::uint32_t ifindex);

	LinkFacts facts(const Iface &iface);
	WifiFacts wifiFacts(const Iface &iface);
	void apply(Iface &iface, bool force);
	void levelChanged(Iface &iface);
	void pathTransitions(Iface &iface);
	void restoreSubflows(Iface &iface);
	void enforceEndpoints(Iface &iface);
	void addTrustedEndpoint(Iface &iface, const std::vector<Endpoint> &eps);
	[[nodiscard]] bool onIface(const Endpoint &ep, const Iface &iface) const;
	void restoreParked();
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
	std::map<std::uint32_t, Iface> ifaces_;
	std::vector<Endpoint> parked_; // removed for endpoint-min-trust, to restore
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

bool isQuietSetError(int code)
{
	// The interface went away between the event and the request.
	return code == ENODEV || code == ENOENT;
}

LinkFacts Daemon::facts(const Iface &iface)
{
	LinkFacts f;
	f.ifname = iface.link.ifname;
	f.type = iface.type;
	f.kind = iface.link.kind;
	if (iface.type == LinkType::Wifi)
		f.wifi = wifiFacts(iface);
	return f;
}

WifiFacts Daemon::wifiFacts(const Iface &iface)
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

void Daemon::apply(Iface &iface, bool force)
{
	const Classification c = classify(facts(iface), {options_.personalTrusted, options_.overrides});
	if (!force && iface.applied && *iface.applied == c)
		return;
	const std::string name = iface.link.ifname;
	try {
		if (client_)
			client_->setTrust({.ifindex = iface.link.ifindex, .source = TrustSource::Auto, .level = c.level});
		note(name + ": " + std::string(trustLevelName(c.level)) + " (" + c.reason + ")");
		iface.manualNoted = false;
		iface.applied = c;
		if (iface.effective != c.level) {
			iface.effective = c.level;
			levelChanged(iface);
		}
	} catch (const netlink::KernelError &e) {
		if (e.code() == EBUSY) {
			if (!iface.manualNoted)
				note(name + ": a manual setting wins over " + std::string(trustLevelName(c.level)) + " (" +
				     c.reason + ")");
			iface.manualNoted = true;
			iface.applied = c;
		} else if (isQuietSetError(e.code())) {
			detail(name + ": gone before its level was set");
		} else {
			iface.applied.reset(); // try again at the next event
			throw;
		}
	}
}

void Daemon::levelChanged(Iface &iface)
{
	if (!started_)
		return;
	enforceEndpoints(iface);
}

bool Daemon::onIface(const Endpoint &ep, const Iface &iface) const
{
	if (ep.ifindex > 0 && static_cast<std::uint32_t>(ep.ifindex) == iface.link.ifindex)
		return true;
	return std::any_of(iface.addrs.begin(), iface.addrs.end(), [&](const AddrInfo &a) {
		return a.family == ep.family && std::equal(a.addr.begin(), a.addr.begin() + (a.family == AF_INET ? 4 : 16),
							   ep.addr.begin());
	});
}

void Daemon::enforceEndpoints(Iface &iface)
{
	if (!pm_ || !iface.isPath())
		return;
	const std::string name = iface.link.ifname;
	const TrustLevel level = iface.effective.value_or(TrustLevel::Untrusted);
	auto eps = pm_->dump();

	if (level < options_.endpointMinTrust) {
		for (const Endpoint &ep : eps) {
			if (!onIface(ep, iface))
				continue;
			pm_->remove(ep.id);
			parked_.push_back(ep);
			note(name + ": " + std::string(trustLevelName(level)) + ", below endpoint-min-trust: removed endpoint " +
			     ep.text());
		}
		return;
	}
	bool restored = false;
	for (auto it = parked_.begin(); it != parked_.end();) {
		if (!onIface(*it, iface)) {
			++it;
			continue;
		}
		try {
			pm_->add(*it);
			note(name + ": " + std::string(trustLevelName(level)) + ": restored endpoint " + it->text());
			restored = true;
		} catch (const netlink::KernelError &e) {
			note(name + ": cannot restore endpoint " + it->text() + ": " + e.what());
		}
		it = parked_.erase(it);
	}
	if (restored)
		eps = pm_->dump();
	addTrustedEndpoint(iface, eps);
}

void Daemon::addTrustedEndpoint(Iface &iface, const std::vector<Endpoint> &eps)
{
	if (!options_.trustedEndpoints || !pm_ || !iface.isPath() || iface.effective != TrustLevel::Trusted ||
	    !iface.pathUp)
		return;
	if (std::any_of(eps.begin(), eps.end(), [&](const Endpoint &ep) { return onIface(ep, iface); }))
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
	pm_->add(ep);
	note(iface.link.ifname + ": trusted without an endpoint: added subflow endpoint " + best->text());
}

void Daemon::restoreSubflows(Iface &iface)
{
	if (!pm_)
		return;
	const std::string name = iface.link.ifname;
	const auto eps = pm_->dump();
	bool any = false;
	for (const Endpoint &ep : eps) {
		if (!onIface(ep, iface))
			continue;
		any = true;
		// Deleting frees the endpoint's id on every connection; adding
		// it back makes the path manager open its subflows again.
		pm_->remove(ep.id);
		pm_->add(ep);
		note(name + ": link back: re-added endpoint " + ep.text() + " for new subflows");
	}
	if (!any)
		addTrustedEndpoint(iface, eps);
}

void Daemon::pathTransitions(Iface &iface)
{
	const bool running = iface.link.running();
	const bool up = running && iface.hasUsableAddr();
	const bool trusted = iface.effective == TrustLevel::Trusted && iface.isPath();
	const std::string name = iface.link.ifname;

	if (iface.pathUp && !running) {
		iface.pathUp = false;
		// A WiFi link that lost its association is untrusted by now;
		// its subflows were trusted ones.
		if ((trusted || iface.trustedPath) && started_) {
			std::vector<AddrInfo> sources = iface.sources;
			for (const AddrInfo &a : iface.addrs)
				if (std::find(sources.begin(), sources.end(), a) == sources.end())
					sources.push_back(a);
			const std::size_t n = destroySubflows(sources);
			note(name + ": link lost: aborted " + std::to_string(n) + " MPTCP subflow" + (n == 1 ? "" : "s") +
			     " so that their data is sent again elsewhere");
		}
		return;
	}
	if (up) {
		iface.trustedPath = trusted;
		iface.sources.clear();
		for (const AddrInfo &a : iface.addrs)
			if (a.usable())
				iface.sources.push_back(a);
	}
	if (!iface.pathUp && up) {
		iface.pathUp = true;
		if (trusted && started_)
			restoreSubflows(iface);
		else if (started_)
			enforceEndpoints(iface);
	}
}

void Daemon::onLink(const LinkInfo &link)
{
	if (link.removed) {
		if (ifaces_.erase(link.ifindex))
			detail(link.ifname + ": removed");
		std::erase_if(parked_, [&](const Endpoint &ep) {
			return ep.ifindex > 0 && static_cast<std::uint32_t>(ep.ifindex) == link.ifindex;
		});
		return;
	}
	Iface &iface = ifaces_[link.ifindex];
	const bool renamed = iface.identified && iface.link.ifname != link.ifname;
	iface.link = link;
	if (!iface.identified || renamed) {
		iface.identified = true;
		const SysfsFacts sys = readSysfs(link.ifname);
		iface.type = linkTypeOf({link.arphrd, link.kind, sys.devtype, sys.wireless});
		detail(link.ifname + ": " + std::string(linkTypeName(iface.type)) + (link.kind.empty() ? "" : " " + link.kind));
		if (iface.type == LinkType::Wifi && !mlme_ && started_)
			guarded("nl80211 events", [&] { subscribeMlme(); });
	}
	guarded(link.ifname, [&] { apply(iface, false); });
	guarded(link.ifname, [&] { pathTransitions(iface); });
}

void Daemon::onAddr(const AddrInfo &addr)
{
	auto it = ifaces_.find(addr.ifindex);
	if (it == ifaces_.end())
		return;
	Iface &iface = it->second;
	std::erase(iface.addrs, addr);
	if (!addr.removed)
		iface.addrs.push_back(addr);
	guarded(iface.link.ifname, [&] { pathTransitions(iface); });
}

void Daemon::onTrust(const InterfaceTrust &trust)
{
	auto it = ifaces_.find(trust.ifindex);
	if (it == ifaces_.end())
		return;
	Iface &iface = it->second;
	detail(iface.link.ifname + ": module says " + std::string(trustLevelName(trust.level)) + ", set " +
	       std::string(trustSourceName(trust.source)));
	const auto before = iface.effective;
	iface.effective = trust.level;
	if (trust.source == TrustSource::None) {
		// Nobody's level any more (`trust set IFACE auto`): ours again.
		guarded(iface.link.ifname, [&] { apply(iface, true); });
	} else if (trust.source == TrustSource::Manual) {
		if (!iface.manualNoted)
			note(iface.link.ifname + ": a manual setting wins: " + std::string(trustLevelName(trust.level)));
		iface.manualNoted = true;
	}
	if (iface.effective != before)
		guarded(iface.link.ifname, [&] { levelChanged(iface); });
}

void Daemon::onMlme(std::uint32_t ifindex)
{
	auto it = ifaces_.find(ifindex);
	if (it == ifaces_.end())
		return;
	Iface &iface = it->second;
	iface.rechecks.clear();
	for (auto delay : kWifiRechecks)
		iface.rechecks.push_back(loop_.after(delay, [this, ifindex] {
			if (auto found = ifaces_.find(ifindex); found != ifaces_.end())
				guarded(found->second.link.ifname, [&] { apply(found->second, false); });
		}));
}

void Daemon::resync()
{
	const auto links = rtnl_->dumpLinks();
	const auto addrs = rtnl_->dumpAddrs();
	for (auto it = ifaces_.begin(); it != ifaces_.end();) {
		const bool present = std::any_of(links.begin(), links.end(),
						 [&](const LinkInfo &l) { return l.ifindex == it->first; });
		it = present ? std::next(it) : ifaces_.erase(it);
	}
	for (auto &[index, iface] : ifaces_)
		iface.addrs.clear();
	for (const LinkInfo &link : links)
		(void)ifaces_[link.ifindex];
	for (const AddrInfo &a : addrs)
		if (auto it = ifaces_.find(a.ifindex); it != ifaces_.end())
			it->second.addrs.push_back(a);
	for (const LinkInfo &link : links)
		onLink(link);
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

	resync(); // classify and apply, nothing destroyed or re-added yet
	if (client_)
		for (const InterfaceTrust &t : client_->dumpTrust())
			if (auto it = ifaces_.find(t.ifindex); it != ifaces_.end())
				it->second.effective = t.level;
	started_ = true;
	for (auto &[index, iface] : ifaces_)
		guarded(iface.link.ifname, [&] { enforceEndpoints(iface); });
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
	auto poll = loop_.every(kWifiPoll, [this] {
		for (auto &[index, iface] : ifaces_)
			if (iface.type == LinkType::Wifi)
				guarded(iface.link.ifname, [&] { apply(iface, false); });
	});

	const int status = loop_.run();
	restoreParked();
	return status;
}

void Daemon::restoreParked()
{
	// Leave the path manager as it was found.
	for (const Endpoint &ep : parked_)
		guarded("restoring endpoint " + ep.text(), [&] { pm_->add(ep); });
	parked_.clear();
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
