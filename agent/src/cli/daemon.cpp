// SPDX-License-Identifier: GPL-2.0
// mpwifi daemon [ DAEMON-OPTIONS ]: its options are the daemon's to parse.
#include "daemon/daemon.h"

#include "cli/object.h"

namespace mpwifi::cli {

namespace {

using Action = Command::Action;

void parse(Command &cmd, Tokens tokens)
{
	if (tokens.size() == 1 && tokens.front() == "help") { // as every object takes it
		cmd.action = Action::Help;
		return;
	}
	cmd.action = Action::Daemon;
	cmd.daemonArgs = std::move(tokens);
}

int execute(const Command &cmd, const Io &io)
{
	return daemon::run(cmd.daemonArgs, io.out, io.err);
}

constexpr Verb kVerbs[] = {
	{Action::Daemon, "daemon"},
};

} // namespace

const Object daemonObject{
	.name = "daemon",
	.synopsis = "       mpwifi daemon [ DAEMON-OPTIONS ]\n",
	.verbs = kVerbs,
	.needsTrust = true,
	.parse = parse,
	.run = execute,
};

} // namespace mpwifi::cli
