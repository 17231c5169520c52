// SPDX-License-Identifier: GPL-2.0
// mpwifi policy [ show | set ... ]: how the module enforces trust.
#include "cli/object.h"
#include "cli/output.h"

namespace mpwifi::cli {

namespace {

using Action = Command::Action;

void parse(Command &cmd, Tokens tokens)
{
	PolicyUpdate &policy = cmd.policy;
	const Keyword first{"first-subflow", "off|prefer|strict", [&policy](const std::string &text) {
				    policy.first_subflow = firstSubflowFromName(text);
				    if (!policy.first_subflow)
					    fail("invalid first-subflow \"" + text + "\" (off, prefer or strict)");
			    }};
	const Keyword peer{"peer-default", "trusted|untrusted", [&policy](const std::string &text) {
				   policy.peer_default = trustLevelFromName(text);
				   if (!policy.peer_default)
					   fail("invalid peer-default \"" + text + "\" (trusted or untrusted)");
			   }};
	parseSettings(cmd, std::move(tokens),
		      {"policy", Action::PolicyShow, Action::PolicySet,
		       {first, switchKeyword("trusted-sched", policy.trusted_sched), peer},
		       [&policy] { return policy.empty(); }});
}

int execute(const Command &cmd, const Io &io)
{
	auto client = Client::open();
	if (cmd.action == Action::PolicySet)
		client.setPolicy(cmd.policy);
	else
		printPolicy(io.out, client.getPolicy(), {cmd.json, cmd.pretty});
	return 0;
}

constexpr Verb kVerbs[] = {
	{Action::PolicyShow, "policy show"},
	{Action::PolicySet, "policy set"},
};

} // namespace

const Object policyObject{
	.name = "policy",
	.synopsis = "       mpwifi policy [ show ]\n"
		    "       mpwifi policy set [ first-subflow { off | prefer | strict } ] [ trusted-sched { on | off } ]\n"
		    "                         [ peer-default { trusted | untrusted } ]\n",
	.verbs = kVerbs,
	.needsTrust = true,
	.parse = parse,
	.run = execute,
};

} // namespace mpwifi::cli
