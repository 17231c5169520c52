// SPDX-License-Identifier: GPL-2.0
// Parsing helpers shared by the command-line tests.
#pragma once

#include <string>
#include <vector>

#include "cli/command.h"

namespace mpwifi::cli::test {

inline Command parse(std::vector<std::string> args)
{
	return parseCommandLine(args);
}

// The UsageError message for @args, or "" if they parse.
inline std::string errorOf(std::vector<std::string> args)
{
	try {
		(void)parseCommandLine(args);
	} catch (const UsageError &e) {
		return e.what();
	}
	return "";
}

} // namespace mpwifi::cli::test
