// SPDX-License-Identifier: GPL-2.0
// The processes and files behind the AP manager's stations: the daemon's
// wpa_supplicant (or a running one's global control socket), one DHCP
// client per station (busybox udhcpc, whose event script writes the lease
// to RUN/dhcp/IFNAME.lease), and the watch on those leases.  Everything
// lives under the run directory (default /run/mpwifi), so that a daemon
// killed with SIGKILL leaves nothing a restarted one cannot find.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <string>

#include "base/child.h"
#include "base/unique_fd.h"
#include "daemon/dhcp_lease.h"
#include "daemon/wifi_networks.h"
#include "daemon/wpa_ctrl.h"

namespace mpwifi::daemon {

class StationIo {
public:
	struct Settings {
		std::string runDir;     // RUN
		std::string globalCtrl; // a running wpa_supplicant's; empty: start our own
		std::string dhcpScript; // udhcpc's event script
	};
	using Log = std::function<void(const std::string &)>;

	// Creates RUN, RUN/dhcp and RUN/wpa_supplicant and watches the leases.
	// Throws std::system_error.
	StationIo(Settings settings, Log log);

	// The control sockets of the stations' interfaces.
	[[nodiscard]] std::string ctrlDir() const { return settings_.runDir + "/wpa_supplicant"; }

	// Hands @ifname to wpa_supplicant (started first if it is ours and not
	// running) with @network pinned to @bssid, scanning only @freqMhz.
	// Throws WpaCtrlError or base::ChildError.
	void join(const std::string &ifname, const WifiNetwork &network, const MacAddr &bssid, std::uint32_t freqMhz);
	// Takes @ifname back (wpa_supplicant disassociates).  Throws WpaCtrlError.
	void leave(const std::string &ifname);
	// Readable when wpa_supplicant's events wait; -1 before it runs.
	[[nodiscard]] int wpaEventFd() const { return events_ ? events_->fd() : -1; }
	// The events waiting.  Throws WpaCtrlError when wpa_supplicant went away
	// (the next join() starts it again).
	[[nodiscard]] std::vector<WpaEvent> wpaEvents();

	// Starts @ifname's DHCP client; a running one is replaced.  Throws
	// base::ChildError.
	void startDhcp(const std::string &ifname);
	// Stops it (it releases the lease) and removes the lease.
	void stopDhcp(const std::string &ifname);
	// Starts again each DHCP client that exited on its own (it never does
	// while it runs: killed, or crashed), at most once per @backoff each, so
	// that a lease is renewed.
	void restartExitedDhcp(std::chrono::milliseconds backoff);

	// Readable when a lease was written or removed.
	[[nodiscard]] int leaseFd() const { return inotify_.get(); }
	// For each lease written or removed: the interface, the lease (none when
	// removed), or why it could not be read.
	void leaseChanges(const std::function<void(const std::string &ifname, std::optional<DhcpLease> lease,
						   const std::string &error)> &onChange);

	// Stops what an earlier daemon started under RUN (its pid files name
	// them) and removes its leases; returns how many it stopped.
	std::size_t stopLeftovers();

private:
	// The global control socket, starting our wpa_supplicant if needed.
	std::string globalSocket();
	void ensureWpaSupplicant();

	Settings settings_;
	Log log_;
	std::string udhcpc_; // "udhcpc", or "busybox" to run it as an applet
	base::UniqueFd inotify_;
	std::optional<base::Child> wpaSupplicant_;
	std::optional<WpaCtrl> events_;
	std::map<std::string, base::Child> dhcp_;
	std::map<std::string, std::chrono::steady_clock::time_point> dhcpStarted_;
};

} // namespace mpwifi::daemon
