// SPDX-License-Identifier: GPL-2.0
#include "cli/command.h"

#include <algorithm>
#include <charconv>
#include <functional>
#include <set>
#include <vector>

#include <boost/program_options.hpp>
#include <net/if.h>

namespace po = boost::program_options;

namespace mpwifi::cli {

namespace {

using Action = Command::Action;
using Tokens = std::vector<std::string>;

[[noreturn]] void fail(const std::string &message)
{
	throw UsageError(message);
}

// Digits only: no sign, no spaces, no overflow.
std::uint64_t parseNumber(const std::string &text, const std::string &what)
{
	std::uint64_t value = 0;
	const char *end = text.data() + text.size();
	auto [ptr, ec] = std::from_chars(text.data(), end, value);
	if (text.empty() || ec != std::errc() || ptr != end)
		fail("invalid " + what + " \"" + text + "\"");
	return value;
}

std::string range(std::uint64_t min, std::uint64_t max)
{
	return std::to_string(min) + ".." + std::to_string(max);
}

// Parses @tokens against @options; returns the positional words left.
Tokens parseOptions(const Tokens &tokens, const po::options_description &options)
{
	po::options_description all;
	all.add(options).add_options()("words", po::value<Tokens>());
	po::positional_options_description words;
	words.add("words", -1);

	po::variables_map vm;
	try {
		po::store(po::command_line_parser(tokens).options(all).positional(words).run(), vm);
		po::notify(vm);
	} catch (const po::error &e) {
		fail(e.what());
	}
	return vm.count("words") ? vm["words"].as<Tokens>() : Tokens{};
}

// An iproute2-style "NAME VALUE" argument.
struct Keyword {
	const char *name;
	const char *placeholder;
	std::function<void(const std::string &)> set;
};

void parseKeywords(const Tokens &words, const std::vector<Keyword> &keywords)
{
	std::set<std::string> seen;
	for (auto word = words.begin(); word != words.end(); ++word) {
		auto kw = std::find_if(keywords.begin(), keywords.end(),
				       [&](const Keyword &k) { return *word == k.name; });
		if (kw == keywords.end())
			fail("unknown argument \"" + *word + "\"");
		if (!seen.insert(kw->name).second)
			fail(std::string("\"") + kw->name + "\" given twice");
		if (std::next(word) == words.end())
			fail(std::string("missing ") + kw->placeholder + " after \"" + kw->name + "\"");
		kw->set(*++word);
	}
}

Keyword devKeyword(Command &cmd)
{
	return {"dev", "IFNAME", [&cmd](const std::string &name) {
			if (name.empty() || name.size() >= IFNAMSIZ)
				fail("invalid IFNAME \"" + name + "\"");
			cmd.dev = name;
		}};
}

// Splits the verb off the arguments of an object; none means "show".
std::string takeVerb(Tokens &tokens)
{
	if (tokens.empty() || tokens.front().starts_with("-"))
		return "show";
	std::string verb = tokens.front();
	tokens.erase(tokens.begin());
	return verb;
}

[[noreturn]] void unknownCommand(const std::string &object, const std::string &verb)
{
	fail("command \"" + verb + "\" is unknown for \"" + object + "\"");
}

void parseAp(Command &cmd, Tokens tokens)
{
	const std::string verb = takeVerb(tokens);
	po::options_description options;
	std::string interval, count;

	if (verb == "show") {
		cmd.action = Action::ApShow;
	} else if (verb == "watch") {
		cmd.action = Action::ApWatch;
		options.add_options()("interval,i", po::value(&interval))("count,c", po::value(&count));
	} else if (verb == "flush") {
		cmd.action = Action::ApFlush;
	} else if (verb == "help") {
		cmd.action = Action::Help;
		return;
	} else {
		unknownCommand("ap", verb);
	}

	parseKeywords(parseOptions(tokens, options), {devKeyword(cmd)});

	if (!interval.empty()) {
		const std::uint64_t ms = parseNumber(interval, "interval");
		if (ms < kMinIntervalMs || ms > kMaxIntervalMs)
			fail("interval " + interval + " ms is out of range " + range(kMinIntervalMs, kMaxIntervalMs));
		cmd.interval = std::chrono::milliseconds(static_cast<std::int64_t>(ms));
	}
	if (!count.empty()) {
		cmd.count = parseNumber(count, "count");
		if (*cmd.count == 0)
			fail("count must be at least 1");
	}
}

void parseConfig(Command &cmd, Tokens tokens)
{
	const std::string verb = takeVerb(tokens);
	std::vector<Keyword> keywords;

	if (verb == "show") {
		cmd.action = Action::ConfigShow;
	} else if (verb == "set") {
		cmd.action = Action::ConfigSet;
		keywords.push_back({"window-ms", "MS", [&cmd](const std::string &text) {
					    const std::uint64_t ms = parseNumber(text, "window-ms");
					    if (!validWindowMs(ms))
						    fail("window-ms " + text + " is out of range " +
							 range(MPWIFI_WINDOW_MS_MIN, MPWIFI_WINDOW_MS_MAX));
					    cmd.update.window_ms = static_cast<std::uint32_t>(ms);
				    }});
	} else if (verb == "help") {
		cmd.action = Action::Help;
		return;
	} else {
		unknownCommand("config", verb);
	}

	parseKeywords(parseOptions(tokens, {}), keywords);
	if (cmd.action == Action::ConfigSet && !cmd.update.window_ms)
		fail("config set needs a setting: window-ms MS");
}

void parseMonitor(Command &cmd, Tokens tokens)
{
	if (!tokens.empty() && tokens.front() == "help") {
		cmd.action = Action::Help;
		return;
	}
	cmd.action = Action::Monitor;
	parseKeywords(parseOptions(tokens, {}), {});
}

} // namespace

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
	if (object == "ap")
		parseAp(cmd, std::move(rest));
	else if (object == "config")
		parseConfig(cmd, std::move(rest));
	else if (object == "monitor")
		parseMonitor(cmd, std::move(rest));
	else if (object == "help")
		cmd.action = Action::Help;
	else
		fail("object \"" + object + "\" is unknown");
	return cmd;
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
	switch (action) {
	case Action::Help: return "help";
	case Action::Version: return "version";
	case Action::ApShow: return "ap show";
	case Action::ApWatch: return "ap watch";
	case Action::ApFlush: return "ap flush";
	case Action::ConfigShow: return "config show";
	case Action::ConfigSet: return "config set";
	case Action::Monitor: return "monitor";
	}
	return "?";
}

std::string usage()
{
	return "Usage: mpwifi [ OPTIONS ] OBJECT [ COMMAND ] [ ARGS ]\n"
	       "       mpwifi ap [ show ] [ dev IFNAME ]\n"
	       "       mpwifi ap watch [ --interval MS ] [ --count N ] [ dev IFNAME ]\n"
	       "       mpwifi ap flush [ dev IFNAME ]\n"
	       "       mpwifi config [ show ]\n"
	       "       mpwifi config set window-ms MS\n"
	       "       mpwifi monitor\n"
	       "       mpwifi help\n"
	       "where  OPTIONS := { -j | --json | -p | --pretty | -V | --version | -h | --help }\n"
	       "       OBJECT := { ap | config | monitor }; no COMMAND means show\n"
	       "       window-ms: the estimation window, " +
	       range(MPWIFI_WINDOW_MS_MIN, MPWIFI_WINDOW_MS_MAX) +
	       " ms\n"
	       "       --interval: ap watch refresh period, " +
	       range(kMinIntervalMs, kMaxIntervalMs) +
	       " ms (default 1000); --count: stop after N refreshes\n"
	       "ap columns: FIRST-TRY, RETRIED and LOST count data frames since the AP was first seen;\n"
	       "       DELIV (delivery probability), RATE-Mb/s, T-us (packet time) and W-N0, W-N1,\n"
	       "       W-LOST (first-try, retried, lost frames) describe the current window.\n"
	       "ap flush and config set need CAP_NET_ADMIN.\n";
}

} // namespace mpwifi::cli
