// SPDX-License-Identifier: GPL-2.0
// `mpwifi daemon`: classifies every interface of the namespace and keeps the
// module's automatic trust levels, the path manager's endpoints and the
// subflows over trusted links in line with what it observes.
#pragma once

#include <ostream>
#include <span>
#include <string>

namespace mpwifi::daemon {

// Parses the daemon's options (and config file), then runs in the
// foreground until SIGINT or SIGTERM.  Logs to @log.  Returns the exit
// status: 0 after a signal, 1 when it cannot start, 2 for bad options.
[[nodiscard]] int run(std::span<const std::string> args, std::ostream &out, std::ostream &log);

} // namespace mpwifi::daemon
