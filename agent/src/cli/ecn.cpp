// SPDX-License-Identifier: GPL-2.0
// mpwifi ecn [ show | set ... ]: ECN steering's settings.
#include "cli/object.h"
#include "cli/output.h"

namespace mpwifi::cli {

namespace {

using Action = Command::Action;

void parse(Command &cmd, Tokens tokens)
{
	EcnUpdate &ecn = cmd.ecn;
	const Keyword law{"law", "seed|uncoupled", [&ecn](const std::string &text) {
				  ecn.law = ecnLawFromName(text);
				  if (!ecn.law)
					  fail("invalid law \"" + text + "\" (seed or uncoupled)");
			  }};
	parseSettings(cmd, std::move(tokens),
		      {"ecn", Action::EcnShow, Action::EcnSet,
		       {switchKeyword("enabled", ecn.enabled), law,
			percentKeyword("threshold", kEcnThresholdPpm, ecn.threshold_ppm),
			percentKeyword("cap", kEcnCapPpm, ecn.cap_ppm),
			percentKeyword("budget", kEcnBudgetPpm, ecn.budget_ppm),
			numberKeyword("min-frames", "N", kEcnMinFrames, ecn.min_frames),
			numberKeyword("stale-ms", "MS", kEcnStaleMs, ecn.stale_ms)},
		       [&ecn] { return ecn.empty(); }});
}

int execute(const Command &cmd, const Io &io)
{
	auto client = Client::open();
	if (cmd.action == Action::EcnSet)
		client.setEcn(cmd.ecn);
	else
		printEcn(io.out, client.getEcn(), {cmd.json, cmd.pretty});
	return 0;
}

constexpr Verb kVerbs[] = {
	{Action::EcnShow, "ecn show"},
	{Action::EcnSet, "ecn set"},
};

} // namespace

const Object ecnObject{
	.name = "ecn",
	.synopsis = "       mpwifi ecn [ show ]\n"
		    "       mpwifi ecn set [ enabled { on | off } ] [ law { seed | uncoupled } ] [ threshold PCT ]\n"
		    "                      [ cap PCT ] [ budget PCT ] [ min-frames N ] [ stale-ms MS ]\n",
	.verbs = kVerbs,
	.needsTrust = false,
	.parse = parse,
	.run = execute,
};

} // namespace mpwifi::cli
