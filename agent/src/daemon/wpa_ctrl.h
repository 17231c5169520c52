// SPDX-License-Identifier: GPL-2.0
// One request to wpa_supplicant's control interface: a unix datagram socket
// DIR/IFNAME that answers a command with one datagram.
#pragma once

#include <chrono>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace mpwifi::daemon {

class WpaCtrlError : public std::runtime_error {
public:
	using std::runtime_error::runtime_error;
};

// Sends @command to @dir/@ifname and returns the answer; empty when no
// wpa_supplicant listens there (no socket, connection refused).  Throws
// WpaCtrlError when it cannot ask (permissions) or gets no answer within
// @timeout.
[[nodiscard]] std::optional<std::string> wpaRequest(const std::string &dir, const std::string &ifname,
						    std::string_view command, std::chrono::milliseconds timeout);

} // namespace mpwifi::daemon
