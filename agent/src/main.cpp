// SPDX-License-Identifier: GPL-2.0
// mpwifi: show and configure the mpwifi kernel module.
#include <exception>
#include <iostream>

#include <unistd.h>

#include "cli/command.h"
#include "cli/run.h"

int main(int argc, char *argv[])
{
	using namespace mpwifi::cli;

	try {
		const Command cmd = parseCommandLine(argc, argv);
		return run(cmd, {std::cout, std::cerr, ::isatty(STDOUT_FILENO) == 1});
	} catch (const UsageError &e) {
		std::cerr << "mpwifi: " << e.what() << "; try \"mpwifi help\"\n";
		return 2;
	} catch (const std::exception &e) {
		std::cerr << "mpwifi: " << e.what() << '\n';
		return 1;
	} catch (...) {
		std::cerr << "mpwifi: unexpected error\n";
		return 1;
	}
}
