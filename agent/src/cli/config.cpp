// SPDX-License-Identifier: GPL-2.0
// mpwifi config [ show | set window-ms MS ]: the estimator's settings.
#include "cli/object.h"
#include "cli/output.h"

namespace mpwifi::cli {

namespace {

using Action = Command::Action;

void parse(Command &cmd, Tokens tokens)
{
	parseSettings(cmd, std::move(tokens),
		      {"config", Action::ConfigShow, Action::ConfigSet,
		       {numberKeyword("window-ms", "MS", kWindowMs, cmd.update.window_ms)},
		       [&cmd] { return !cmd.update.window_ms; }});
}

int execute(const Command &cmd, const Io &io)
{
	auto client = Client::open();
	if (cmd.action == Action::ConfigSet)
		client.setConfig(cmd.update);
	else
		printConfig(io.out, client.getConfig(), {cmd.json, cmd.pretty});
	return 0;
}

constexpr Verb kVerbs[] = {
	{Action::ConfigShow, "config show"},
	{Action::ConfigSet, "config set"},
};

} // namespace

const Object configObject{
	.name = "config",
	.synopsis = "       mpwifi config [ show ]\n"
		    "       mpwifi config set window-ms MS\n",
	.verbs = kVerbs,
	.needsTrust = false,
	.parse = parse,
	.run = execute,
};

} // namespace mpwifi::cli
