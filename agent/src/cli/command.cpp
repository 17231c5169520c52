// SPDX-License-Identifier: GPL-2.0
// The command line's first pass: global options and the object, whose own
// file parses the rest (cli/object.h); the usage text gathered from them.
#include "cli/command.h"

#include <boost/program_options.hpp>

#include "cli/object.h"
#include "daemon/options.h"

namespace po = boost::program_options;

namespace mpwifi::cli {

namespace {

using Action = Command::Action;

constexpr const Object *kObjects[] = {
	&apObject, &configObject, &ecnObject, &monitorObject, &trustObject, &policyObject, &wifiObject, &steeringObject, &daemonObject,
};

} // namespace

std::span<const Object *const> objects()
{
	return kObjects;
}

const Object *objectOf(Command::Action action)
{
	for (const Object *o : objects())
		for (const Verb &v : o->verbs)
			if (v.action == action)
				return o;
	return nullptr;
}

Command parseCommandLine(std::span<const std::string> args)
{
	Command cmd;
	po::options_description global;
	global.add_options()
		("json,j", po::bool_switch(&cmd.json))
		("pretty,p", po::bool_switch(&cmd.pretty))
		("version,V", po::bool_switch())
		("help,h", po::bool_switch())
		("words", po::value<Tokens>());
	po::positional_options_description words;
	words.add("words", -1);

	// Options of the commands are left for the second pass, in order.
	po::variables_map vm;
	Tokens rest;
	try {
		auto parsed = po::command_line_parser(Tokens(args.begin(), args.end()))
				      .options(global)
				      .positional(words)
				      .allow_unregistered()
				      .run();
		po::store(parsed, vm);
		po::notify(vm);
		rest = po::collect_unrecognized(parsed.options, po::include_positional);
	} catch (const po::error &e) {
		fail(e.what());
	}

	if (vm["help"].as<bool>()) {
		cmd.action = Action::Help;
		return cmd;
	}
	if (vm["version"].as<bool>()) {
		cmd.action = Action::Version;
		return cmd;
	}
	if (rest.empty())
		fail("missing OBJECT");

	const std::string object = rest.front();
	rest.erase(rest.begin());
	if (object.starts_with("-"))
		fail("unrecognised option '" + object + "'");
	if (object == "help") {
		cmd.action = Action::Help;
		return cmd;
	}
	for (const Object *o : objects())
		if (object == o->name) {
			o->parse(cmd, std::move(rest));
			return cmd;
		}
	fail("object \"" + object + "\" is unknown");
}

Command parseCommandLine(int argc, const char *const argv[])
{
	Tokens args;
	for (int i = 1; i < argc; i++)
		args.emplace_back(argv[i]);
	return parseCommandLine(args);
}

std::string actionName(Command::Action action)
{
	if (action == Action::Help)
		return "help";
	if (action == Action::Version)
		return "version";
	if (const Object *o = objectOf(action))
		for (const Verb &v : o->verbs)
			if (v.action == action)
				return v.name;
	return "?";
}

std::string usage()
{
	std::string synopsis, names;
	for (const Object *o : objects()) {
		synopsis += o->synopsis;
		names += std::string(names.empty() ? "" : " | ") + o->name;
	}
	return "Usage: mpwifi [ OPTIONS ] OBJECT [ COMMAND ] [ ARGS ]\n" +
	       synopsis +
	       "       mpwifi help\n"
	       "where  OPTIONS := { -j | --json | -p | --pretty | -V | --version | -h | --help }\n"
	       "       OBJECT := { " + names + " }; no COMMAND means show\n"
	       "       window-ms: the estimation window, " +
	       range(kWindowMs) +
	       " ms\n"
	       "       ecn set: at least one setting, each at most once.  PCT is a percent with at most\n"
	       "       4 decimals (5, 2.5, 0.0217).  ECN steering sets CE on a share of the ECT packets of\n"
	       "       MPTCP subflows through an AP whose packet time exceeds the best AP's by threshold or\n"
	       "       more; the law (seed or uncoupled) sets the share, at most cap.\n"
	       "       threshold " +
	       percentRange(kEcnThresholdPpm) + ", cap " + percentRange(kEcnCapPpm) + ", budget " +
	       percentRange(kEcnBudgetPpm) +
	       " (throughput loss the uncoupled law allows),\n"
	       "       min-frames " +
	       range(kEcnMinFrames) + " (frames before an AP's estimate counts), stale-ms " + range(kEcnStaleMs) +
	       " (silence after which it does not)\n"
	       "       --interval: ap watch refresh period, " +
	       range(kMinIntervalMs, kMaxIntervalMs) +
	       " ms (default 1000); --count: stop after N refreshes\n"
	       "ap columns: FIRST-TRY, RETRIED and LOST count data frames since the AP was first seen;\n"
	       "       DELIV (delivery probability), RATE-Mb/s, T-us (packet time) and W-N0, W-N1,\n"
	       "       W-LOST (first-try, retried, lost frames) describe the current window;\n"
	       "       MARK is the share of its ECT packets mpwifi marked CE in the window.\n"
	       "trust: data sent with MPTCP_TRUSTED uses only subflows over trusted interfaces to trusted\n"
	       "       peers.  trust set: trusted or untrusted is a manual choice that wins over the daemon's\n"
	       "       classification; auto forgets it (a running daemon then applies its own level).\n"
	       "       PREFIX: an IPv4 or IPv6 prefix (192.0.2.0/24, 2001:db8::/32) without host bits, or an\n"
	       "       address (a host prefix); the longest matching prefix gives a peer's level, peer-default\n"
	       "       the level of other peers.\n"
	       "       first-subflow: where a new MPTCP connection's first subflow may leave: off (wherever\n"
	       "       routing says), prefer (a trusted interface if one has a route), strict (only a trusted\n"
	       "       one); trusted-sched: enforce MPTCP_TRUSTED.\n"
	       "ap flush, config set, ecn set, trust set, trust peer add/del, policy set and daemon need\n"
	       "CAP_NET_ADMIN.\n"
	       "DAEMON-OPTIONS (also as \"key = value\" lines of the --config file):\n" +
	       daemon::optionsHelp();
}

} // namespace mpwifi::cli
