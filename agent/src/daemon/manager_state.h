// SPDX-License-Identifier: GPL-2.0
// What the AP manager publishes for `mpwifi wifi show` (RUN/stations):
// each interface it runs, its state and the DNS servers its lease gave.
// Written whole (a new file renamed over the old) after every change; the
// first line names the daemon's pid, so that a reader can tell a file left by
// a daemon that was killed.
//
//     mpwifi-daemon 1234
//     mpw0 up 10.0.1.1
//     mpw1 scanning
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <sys/types.h>

namespace mpwifi::daemon {

struct ManagedInterface {
	std::string ifname;
	std::string state; // "scanning", "associating", "addressing", "up" or "leaving"
	std::vector<std::string> dns;

	bool operator==(const ManagedInterface &) const = default;
};

struct ManagerState {
	pid_t pid = 0; // of the daemon that wrote it
	std::vector<ManagedInterface> interfaces;

	bool operator==(const ManagerState &) const = default;
};

[[nodiscard]] std::string formatManagerState(const ManagerState &state);

// The file's text; a line that is not an interface name, one of the five
// states and IPv4 addresses is skipped.  No header line: pid 0.
[[nodiscard]] ManagerState parseManagerState(std::string_view text);

} // namespace mpwifi::daemon
