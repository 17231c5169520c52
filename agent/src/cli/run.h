// SPDX-License-Identifier: GPL-2.0
// Executes a parsed command against the kernel module.
#pragma once

#include <exception>
#include <ostream>
#include <string>

#include "cli/command.h"

namespace mpwifi::cli {

struct Io {
	std::ostream &out;
	std::ostream &err;
	bool tty = false; // out is a terminal: ap watch redraws the screen
};

// What a module without the trust commands means.
inline constexpr const char *kTrustUnsupported =
	"the loaded mpwifi module does not support trust; rebuild/reload it";

// Runs @cmd; every error is reported on io.err.  Returns the exit status:
// 0 on success, 1 on failure.
[[nodiscard]] int run(const Command &cmd, const Io &io);

// The one-line report of @e, which stopped @action.
[[nodiscard]] std::string errorMessage(Command::Action action, const std::exception &e);

} // namespace mpwifi::cli
