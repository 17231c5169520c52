// SPDX-License-Identifier: GPL-2.0
#include "daemon/station_io.h"

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <system_error>
#include <thread>

#include <sys/inotify.h>
#include <unistd.h>

namespace mpwifi::daemon {

namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

constexpr auto kWpaTimeout = 2s;
constexpr auto kWpaStartup = 5s;
constexpr std::string_view kLeaseSuffix = ".lease";
// Beside a lease: the next DHCP client of the interface takes it over.  The
// event script consumes it at the "deconfig" udhcpc runs when it starts,
// which then keeps the lease (and the station's routes and subflows) while
// the client renews it.
constexpr std::string_view kResumeSuffix = ".lease.resume";

// @name in PATH, then in the sbin directories a service's PATH may lack;
// empty when nowhere.
std::string findProgram(const std::string &name)
{
	std::string dirs = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
	if (const char *path = std::getenv("PATH"))
		dirs = std::string(path) + ":" + dirs;
	std::stringstream in(dirs);
	for (std::string dir; std::getline(in, dir, ':');) {
		const std::string candidate = dir + "/" + name;
		if (!dir.empty() && ::access(candidate.c_str(), X_OK) == 0)
			return candidate;
	}
	return {};
}

std::string readFile(const std::string &path)
{
	std::ifstream in(path);
	if (!in)
		return {};
	std::stringstream text;
	text << in.rdbuf();
	return text.str();
}

std::string trimmed(std::string text)
{
	while (!text.empty() && (text.back() == '\n' || text.back() == ' '))
		text.pop_back();
	return text;
}

// Stops the process of pid file @pidFile if its command line names @marker
// (so that a reused pid is never killed); true if it stopped one.
bool stopByPidFile(const std::string &pidFile, const std::string &marker)
{
	const std::string text = trimmed(readFile(pidFile));
	std::error_code ec;
	fs::remove(pidFile, ec);
	char *end = nullptr;
	const long pid = std::strtol(text.c_str(), &end, 10);
	if (text.empty() || *end || pid <= 1)
		return false;
	std::string cmdline = readFile("/proc/" + std::to_string(pid) + "/cmdline");
	std::replace(cmdline.begin(), cmdline.end(), '\0', ' ');
	if (cmdline.find(marker) == std::string::npos)
		return false;
	if (::kill(static_cast<pid_t>(pid), SIGTERM) < 0)
		return false;
	for (int i = 0; i < 40 && ::kill(static_cast<pid_t>(pid), 0) == 0; ++i)
		std::this_thread::sleep_for(50ms);
	if (::kill(static_cast<pid_t>(pid), 0) == 0)
		::kill(static_cast<pid_t>(pid), SIGKILL);
	return true;
}

} // namespace

StationIo::StationIo(Settings settings, Log log) : settings_(std::move(settings)), log_(std::move(log))
{
	fs::create_directories(settings_.runDir + "/dhcp");
	fs::create_directories(ctrlDir());
	fs::permissions(ctrlDir(), fs::perms::owner_all, fs::perm_options::replace);
	inotify_ = base::UniqueFd(::inotify_init1(IN_NONBLOCK | IN_CLOEXEC));
	if (!inotify_)
		throw std::system_error(errno, std::generic_category(), "inotify_init1");
	if (::inotify_add_watch(inotify_.get(), (settings_.runDir + "/dhcp").c_str(),
				IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE) < 0)
		throw std::system_error(errno, std::generic_category(), "inotify_add_watch " + settings_.runDir + "/dhcp");
	udhcpc_ = findProgram("udhcpc").empty() ? "busybox" : "udhcpc";
}

std::string StationIo::globalSocket()
{
	if (!settings_.globalCtrl.empty())
		return settings_.globalCtrl;
	return ctrlDir() + "/global";
}

void StationIo::ensureWpaSupplicant()
{
	if (wpaSupplicant_ && wpaSupplicant_->exited()) {
		log_("wpa_supplicant " + base::describeWaitStatus(*wpaSupplicant_->exited()) + "; starting it again");
		wpaSupplicant_.reset();
		events_.reset();
	}
	if (events_)
		return;
	if (settings_.globalCtrl.empty() && !wpaSupplicant_) {
		const std::string program = findProgram("wpa_supplicant");
		if (program.empty())
			throw base::ChildError("wpa_supplicant is not installed");
		wpaSupplicant_ = base::Child::spawn({program, "-t", "-g", globalSocket()},
						    settings_.runDir + "/wpa_supplicant.log");
		// its -P writes the file only when it daemonizes (-B): written here,
		// for a successor of a daemon killed with SIGKILL
		std::ofstream(settings_.runDir + "/wpa_supplicant.pid") << wpaSupplicant_->pid() << '\n';
	}
	const auto deadline = std::chrono::steady_clock::now() + kWpaStartup;
	for (;;) {
		events_ = WpaCtrl::connect(globalSocket());
		if (events_)
			break;
		if (std::chrono::steady_clock::now() > deadline || (wpaSupplicant_ && wpaSupplicant_->exited()))
			throw WpaCtrlError("no wpa_supplicant answers on " + globalSocket() +
					   (wpaSupplicant_ ? " (log " + settings_.runDir + "/wpa_supplicant.log)" : ""));
		std::this_thread::sleep_for(50ms);
	}
	try {
		events_->attach(kWpaTimeout);
	} catch (...) {
		events_.reset();
		throw;
	}
}

void StationIo::join(const std::string &ifname, const WifiNetwork &network, const MacAddr &bssid,
		     std::uint32_t freqMhz)
{
	ensureWpaSupplicant();
	// The interface's own settings: no P2P (it would take an interface of
	// the radio), scans of the current channel only once associated.
	const std::string conf = ctrlDir() + "/station.conf";
	if (!fs::exists(conf)) {
		std::ofstream out(conf);
		out << "p2p_disabled=1\nscan_cur_freq=1\n";
		if (!out.flush())
			throw WpaCtrlError("cannot write " + conf);
	}
	auto global = WpaCtrl::connect(globalSocket());
	if (!global)
		throw WpaCtrlError("no wpa_supplicant answers on " + globalSocket());
	const std::string add = interfaceAddRequest(ifname, "nl80211", ctrlDir(), conf);
	if (trimmed(global->request(add, kWpaTimeout)) != "OK") {
		// held from before (a station that left without its LeaveAp): again
		(void)global->request("INTERFACE_REMOVE " + ifname, kWpaTimeout);
		global->command(add, kWpaTimeout);
	}
	auto ctrl = WpaCtrl::connect(ctrlDir() + "/" + ifname);
	if (!ctrl)
		throw WpaCtrlError("wpa_supplicant added " + ifname + " but has no control socket for it");
	const std::string id = trimmed(ctrl->request("ADD_NETWORK", kWpaTimeout));
	if (id.empty() || id.find_first_not_of("0123456789") != std::string::npos)
		throw WpaCtrlError(ifname + ": ADD_NETWORK: " + id);
	for (const std::string &request : stationNetworkRequests(network, std::stoi(id), bssid))
		ctrl->command(request, kWpaTimeout);
	if (freqMhz) {
		ctrl->command("SET_NETWORK " + id + " scan_freq " + std::to_string(freqMhz), kWpaTimeout);
		ctrl->command("SET_NETWORK " + id + " freq_list " + std::to_string(freqMhz), kWpaTimeout);
	}
	ctrl->command("SELECT_NETWORK " + id, kWpaTimeout);
}

void StationIo::leave(const std::string &ifname)
{
	if (!events_)
		return; // no wpa_supplicant holds it
	auto global = WpaCtrl::connect(globalSocket());
	if (!global)
		return;
	const std::string reply = trimmed(global->request("INTERFACE_REMOVE " + ifname, kWpaTimeout));
	if (reply != "OK" && reply != "FAIL") // FAIL: it held no such interface
		throw WpaCtrlError("INTERFACE_REMOVE " + ifname + ": " + reply);
}

std::vector<WpaEvent> StationIo::wpaEvents()
{
	if (!events_)
		return {};
	try {
		return events_->events();
	} catch (const WpaCtrlError &) {
		events_.reset();
		throw;
	}
}

void StationIo::startDhcp(const std::string &ifname)
{
	dhcp_.erase(ifname);
	const std::string dir = settings_.runDir + "/dhcp";
	std::vector<std::string> argv;
	if (udhcpc_ == "busybox")
		argv = {"busybox", "udhcpc"};
	else
		argv = {"udhcpc"};
	// -t/-T/-A: discovers every 2 s, again 2 s after a round fails; -R:
	// the lease is released when the station goes.
	argv.insert(argv.end(), {"-f", "-i", ifname, "-s", settings_.dhcpScript, "-t", "5", "-T", "2", "-A", "2", "-R",
				 "-p", dir + "/" + ifname + ".pid"});
	dhcp_.emplace(ifname, base::Child::spawn(argv, dir + "/" + ifname + ".log", {"MPWIFI_DHCP_DIR=" + dir}));
	dhcpStarted_[ifname] = std::chrono::steady_clock::now();
}

void StationIo::restartExitedDhcp(std::chrono::milliseconds backoff)
{
	std::vector<std::string> restarted;
	const auto now = std::chrono::steady_clock::now();
	for (auto &[ifname, child] : dhcp_) {
		const auto status = child.exited();
		if (!status || now - dhcpStarted_[ifname] < backoff)
			continue;
		log_(ifname + ": DHCP client " + base::describeWaitStatus(*status) + "; starting it again");
		restarted.push_back(ifname);
	}
	for (const std::string &ifname : restarted) {
		const std::string lease = settings_.runDir + "/dhcp/" + ifname + std::string(kLeaseSuffix);
		if (fs::exists(lease))
			std::ofstream(settings_.runDir + "/dhcp/" + ifname + std::string(kResumeSuffix));
		try {
			startDhcp(ifname);
		} catch (const base::ChildError &e) {
			log_(ifname + ": DHCP client: " + e.what());
		}
	}
}

void StationIo::stopDhcp(const std::string &ifname)
{
	if (auto it = dhcp_.find(ifname); it != dhcp_.end()) {
		(void)it->second.stop(1s);
		dhcp_.erase(it);
	}
	dhcpStarted_.erase(ifname);
	const std::string base = settings_.runDir + "/dhcp/" + ifname;
	std::error_code ec;
	fs::remove(base + std::string(kLeaseSuffix), ec);
	fs::remove(base + std::string(kResumeSuffix), ec);
	fs::remove(base + ".pid", ec);
}

void StationIo::leaseChanges(const std::function<void(const std::string &, std::optional<DhcpLease>,
						      const std::string &)> &onChange)
{
	alignas(inotify_event) char buf[4096];
	for (;;) {
		const ssize_t n = ::read(inotify_.get(), buf, sizeof(buf));
		if (n <= 0)
			return;
		for (ssize_t at = 0; at < n;) {
			const auto *e = reinterpret_cast<const inotify_event *>(buf + at);
			at += static_cast<ssize_t>(sizeof(inotify_event) + e->len);
			const std::string name = e->len ? std::string(e->name) : std::string();
			if (name.size() <= kLeaseSuffix.size() || !name.ends_with(kLeaseSuffix))
				continue;
			const std::string ifname = name.substr(0, name.size() - kLeaseSuffix.size());
			const std::string path = settings_.runDir + "/dhcp/" + name;
			if (e->mask & (IN_DELETE | IN_MOVED_FROM)) {
				onChange(ifname, std::nullopt, {});
				continue;
			}
			const std::string text = readFile(path);
			if (text.empty()) {
				onChange(ifname, std::nullopt, {});
				continue;
			}
			try {
				onChange(ifname, parseDhcpLease(text, path), {});
			} catch (const DhcpLeaseError &err) {
				onChange(ifname, std::nullopt, err.what());
			}
		}
	}
}

std::size_t StationIo::stopLeftovers()
{
	std::size_t stopped = 0;
	std::error_code ec;
	for (const auto &entry : fs::directory_iterator(settings_.runDir + "/dhcp", ec)) {
		const std::string path = entry.path().string();
		if (path.ends_with(".pid"))
			stopped += stopByPidFile(path, settings_.runDir);
		else if (path.ends_with(kLeaseSuffix) || path.ends_with(kResumeSuffix))
			fs::remove(path, ec);
	}
	if (settings_.globalCtrl.empty() && !wpaSupplicant_)
		stopped += stopByPidFile(settings_.runDir + "/wpa_supplicant.pid", settings_.runDir);
	return stopped;
}

} // namespace mpwifi::daemon
