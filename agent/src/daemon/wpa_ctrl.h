// SPDX-License-Identifier: GPL-2.0
// wpa_supplicant's control interface: a unix datagram socket, the global one
// (wpa_supplicant -g PATH) or an interface's (DIR/IFNAME).  A request gets
// one datagram back; once attached, wpa_supplicant also sends events, which
// may come before a reply and are queued, never taken for one.
#pragma once

#include <chrono>
#include <deque>
#include <utility>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "base/unique_fd.h"
#include "mpwifi/types.h"

namespace mpwifi::daemon {

struct WifiNetwork;

class WpaCtrlError : public std::runtime_error {
public:
	using std::runtime_error::runtime_error;
};

// "<LEVEL>TEXT", or from the global socket "IFNAME=NAME <LEVEL>TEXT".
struct WpaEvent {
	std::string ifname; // empty on an interface's own socket
	int level = 0;      // wpa_supplicant's MSG_* level (2 info, 3 warning)
	std::string text;   // "CTRL-EVENT-CONNECTED - Connection to ..."

	// Whether the event is @name ("CTRL-EVENT-CONNECTED"): its first word.
	[[nodiscard]] bool is(std::string_view name) const;
};

// An event datagram, or nullopt for anything else (a reply).
[[nodiscard]] std::optional<WpaEvent> parseWpaEvent(std::string_view datagram);

class WpaCtrl {
public:
	// A connection to the socket at @path, or nullopt when no wpa_supplicant
	// listens there.  Throws WpaCtrlError when it cannot ask (permissions).
	[[nodiscard]] static std::optional<WpaCtrl> connect(const std::string &path);

	// Sends @command and returns its reply.  Throws WpaCtrlError when none
	// comes within @timeout or wpa_supplicant went away.
	std::string request(std::string_view command, std::chrono::milliseconds timeout);
	// A request whose reply must be "OK"; throws WpaCtrlError with the
	// command and reply otherwise.
	void command(std::string_view command, std::chrono::milliseconds timeout);
	// Asks for events from now on.
	void attach(std::chrono::milliseconds timeout);

	// Readable when an event waits (for an event loop).
	[[nodiscard]] int fd() const noexcept { return fd_.get(); }
	// The events received so far, oldest first; never blocks.
	[[nodiscard]] std::vector<WpaEvent> events();
	[[nodiscard]] const std::string &path() const noexcept { return path_; }

private:
	WpaCtrl(base::UniqueFd fd, std::string path) : fd_(std::move(fd)), path_(std::move(path)) {}
	// One datagram, waiting up to @timeout (0: not at all); nullopt if none.
	std::optional<std::string> receive(std::chrono::milliseconds timeout);

	base::UniqueFd fd_;
	std::string path_;
	bool attached_ = false;
	std::deque<WpaEvent> queued_;
};

// Sends @command to @dir/@ifname on a connection of its own and returns the
// reply; nullopt when no wpa_supplicant listens there.  Throws WpaCtrlError.
[[nodiscard]] std::optional<std::string> wpaRequest(const std::string &dir, const std::string &ifname,
						    std::string_view command, std::chrono::milliseconds timeout);

// The global socket's request that makes wpa_supplicant drive @ifname with
// @driver ("nl80211"), its own control socket in @ctrlDir, its global
// settings from @confFile (none when empty).
[[nodiscard]] std::string interfaceAddRequest(std::string_view ifname, std::string_view driver,
					      std::string_view ctrlDir, std::string_view confFile = {});

// The requests that turn network @id of a station interface into @network
// pinned to @bssid: each field as written (wpa_supplicant's SET_NETWORK takes
// the file's syntax), then bssid, and bgscan off: a background scan leaves
// the channel, which every AP of the radio pays for, and the manager, not
// wpa_supplicant, chooses the BSSs.  A field the manager sets, or "disabled",
// is left out.
[[nodiscard]] std::vector<std::string> stationNetworkRequests(const WifiNetwork &network, int id,
							      const MacAddr &bssid);

} // namespace mpwifi::daemon
