// SPDX-License-Identifier: GPL-2.0
#include "cli/command.h"

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <set>
#include <stdexcept>
#include <string_view>
#include <vector>

#include <boost/program_options.hpp>
#include <net/if.h>

#include "daemon/options.h"

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

std::string range(Bounds b)
{
	return range(b.min, b.max);
}

std::uint32_t parseInRange(const std::string &text, const std::string &what, Bounds b)
{
	const std::uint64_t value = parseNumber(text, what);
	if (!b.contains(value))
		fail(what + " " + text + " is out of range " + range(b));
	return static_cast<std::uint32_t>(value);
}

std::string percentRange(Bounds ppm)
{
	return formatPpmAsPercent(ppm.min) + ".." + formatPpmAsPercent(ppm.max) + " %";
}

// A decimal percent to the ppm, exactly: digits, then optionally a point and
// 1 to 4 digits.  No sign, exponent or spaces.
std::uint32_t parsePercentInRange(const std::string &text, const std::string &what, Bounds ppm)
{
	constexpr std::size_t kDecimals = 4; // 1 ppm = 0.0001 %
	auto invalid = [&] {
		fail("invalid " + what + " \"" + text + "\" (a percent with at most 4 decimals, like 5 or 2.5)");
	};
	auto digits = [](std::string_view s) {
		return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
	};

	const std::size_t point = text.find('.');
	const std::string_view whole = std::string_view(text).substr(0, point);
	std::string frac = point == std::string::npos ? "0" : text.substr(point + 1);
	if (!digits(whole) || !digits(frac) || frac.size() > kDecimals)
		invalid();
	frac.resize(kDecimals, '0');

	std::uint64_t percent = 0, fraction = 0;
	if (std::from_chars(whole.data(), whole.data() + whole.size(), percent).ec != std::errc())
		invalid(); // too large for 64 bits
	(void)std::from_chars(frac.data(), frac.data() + frac.size(), fraction);
	const std::uint64_t value =
		percent <= ppm.max / kPpmPerPercent ? percent * kPpmPerPercent + fraction : UINT64_MAX;
	if (!ppm.contains(value))
		fail(what + " " + text + " % is out of range " + percentRange(ppm));
	return static_cast<std::uint32_t>(value);
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

Keyword numberKeyword(const char *name, const char *placeholder, Bounds b, std::optional<std::uint32_t> &out)
{
	return {name, placeholder, [name, b, &out](const std::string &text) { out = parseInRange(text, name, b); }};
}

Keyword percentKeyword(const char *name, Bounds ppm, std::optional<std::uint32_t> &out)
{
	return {name, "PCT",
		[name, ppm, &out](const std::string &text) { out = parsePercentInRange(text, name, ppm); }};
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

// An object of settings: "OBJECT [show]" or "OBJECT set NAME VALUE...".
struct Settings {
	const char *object;
	Action show;
	Action set;
	std::vector<Keyword> keywords; // of set
	std::function<bool()> nothingSet;
};

void parseSettings(Command &cmd, Tokens tokens, const Settings &settings)
{
	const std::string verb = takeVerb(tokens);
	if (verb == "help") {
		cmd.action = Action::Help;
		return;
	}
	if (verb != "show" && verb != "set")
		unknownCommand(settings.object, verb);
	const bool set = verb == "set";
	cmd.action = set ? settings.set : settings.show;
	parseKeywords(parseOptions(tokens, {}), set ? settings.keywords : std::vector<Keyword>{});
	if (set && settings.nothingSet()) {
		std::string names;
		for (const Keyword &k : settings.keywords)
			names += std::string(names.empty() ? "" : ", ") + k.name + " " + k.placeholder;
		fail(std::string(settings.object) + " set needs a setting: " + names);
	}
}

void parseConfig(Command &cmd, Tokens tokens)
{
	parseSettings(cmd, std::move(tokens),
		      {"config", Action::ConfigShow, Action::ConfigSet,
		       {numberKeyword("window-ms", "MS", kWindowMs, cmd.update.window_ms)},
		       [&cmd] { return !cmd.update.window_ms; }});
}

void parseEcn(Command &cmd, Tokens tokens)
{
	EcnUpdate &ecn = cmd.ecn;
	const Keyword enabled{"enabled", "on|off", [&ecn](const std::string &text) {
				      if (text != "on" && text != "off")
					      fail("invalid enabled \"" + text + "\" (on or off)");
				      ecn.enabled = text == "on";
			      }};
	const Keyword law{"law", "seed|uncoupled", [&ecn](const std::string &text) {
				  ecn.law = ecnLawFromName(text);
				  if (!ecn.law)
					  fail("invalid law \"" + text + "\" (seed or uncoupled)");
			  }};
	parseSettings(cmd, std::move(tokens),
		      {"ecn", Action::EcnShow, Action::EcnSet,
		       {enabled, law, percentKeyword("threshold", kEcnThresholdPpm, ecn.threshold_ppm),
			percentKeyword("cap", kEcnCapPpm, ecn.cap_ppm),
			percentKeyword("budget", kEcnBudgetPpm, ecn.budget_ppm),
			numberKeyword("min-frames", "N", kEcnMinFrames, ecn.min_frames),
			numberKeyword("stale-ms", "MS", kEcnStaleMs, ecn.stale_ms)},
		       [&ecn] { return ecn.empty(); }});
}

// An interface name as the kernel accepts it.
std::string ifaceName(const std::string &name)
{
	if (name.empty() || name.size() >= IFNAMSIZ || name.find_first_of("/ \t\n") != std::string::npos)
		fail("invalid IFACE \"" + name + "\"");
	return name;
}

TrustLevel levelArgument(const std::string &text)
{
	const auto level = trustLevelFromName(text);
	if (!level)
		fail("invalid level \"" + text + "\" (trusted or untrusted)");
	return *level;
}

IpPrefix prefixArgument(const std::string &text)
{
	try {
		return parsePrefix(text);
	} catch (const std::invalid_argument &e) {
		fail(e.what());
	}
}

// Positional words of a command: exactly @names.size() of them.
Tokens positionals(const Tokens &tokens, std::initializer_list<const char *> names, std::size_t optional = 0)
{
	const Tokens words = parseOptions(tokens, {});
	const std::size_t required = names.size() - optional;
	if (words.size() < required)
		fail(std::string("missing ") + names.begin()[words.size()]);
	if (words.size() > names.size())
		fail("unknown argument \"" + words[names.size()] + "\"");
	return words;
}

void parseTrustPeer(Command &cmd, Tokens tokens)
{
	const std::string verb = takeVerb(tokens);
	if (verb == "show") {
		cmd.action = Action::PeerShow;
		(void)positionals(tokens, {});
	} else if (verb == "add") {
		cmd.action = Action::PeerAdd;
		const Tokens words = positionals(tokens, {"PREFIX", "LEVEL"});
		cmd.peer.prefix = prefixArgument(words[0]);
		cmd.peer.level = levelArgument(words[1]);
	} else if (verb == "del") {
		cmd.action = Action::PeerDel;
		cmd.peer.prefix = prefixArgument(positionals(tokens, {"PREFIX"})[0]);
	} else if (verb == "help") {
		cmd.action = Action::Help;
	} else {
		unknownCommand("trust peer", verb);
	}
}

void parseTrust(Command &cmd, Tokens tokens)
{
	const std::string verb = takeVerb(tokens);
	if (verb == "show") {
		cmd.action = Action::TrustShow;
		const Tokens words = positionals(tokens, {"IFACE"}, 1);
		if (!words.empty())
			cmd.dev = ifaceName(words[0]);
	} else if (verb == "set") {
		cmd.action = Action::TrustSet;
		const Tokens words = positionals(tokens, {"IFACE", "LEVEL (trusted, untrusted or auto)"});
		cmd.dev = ifaceName(words[0]);
		if (words[1] != "auto") {
			const auto level = trustLevelFromName(words[1]);
			if (!level)
				fail("invalid level \"" + words[1] + "\" (trusted, untrusted or auto)");
			cmd.trust = level;
		}
	} else if (verb == "peer") {
		parseTrustPeer(cmd, std::move(tokens));
	} else if (verb == "help") {
		cmd.action = Action::Help;
	} else {
		unknownCommand("trust", verb);
	}
}

void parsePolicy(Command &cmd, Tokens tokens)
{
	PolicyUpdate &policy = cmd.policy;
	const Keyword first{"first-subflow", "off|prefer|strict", [&policy](const std::string &text) {
				    policy.first_subflow = firstSubflowFromName(text);
				    if (!policy.first_subflow)
					    fail("invalid first-subflow \"" + text + "\" (off, prefer or strict)");
			    }};
	const Keyword sched{"trusted-sched", "on|off", [&policy](const std::string &text) {
				    if (text != "on" && text != "off")
					    fail("invalid trusted-sched \"" + text + "\" (on or off)");
				    policy.trusted_sched = text == "on";
			    }};
	const Keyword peer{"peer-default", "trusted|untrusted", [&policy](const std::string &text) {
				   policy.peer_default = trustLevelFromName(text);
				   if (!policy.peer_default)
					   fail("invalid peer-default \"" + text + "\" (trusted or untrusted)");
			   }};
	parseSettings(cmd, std::move(tokens),
		      {"policy", Action::PolicyShow, Action::PolicySet, {first, sched, peer},
		       [&policy] { return policy.empty(); }});
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
	else if (object == "ecn")
		parseEcn(cmd, std::move(rest));
	else if (object == "monitor")
		parseMonitor(cmd, std::move(rest));
	else if (object == "trust")
		parseTrust(cmd, std::move(rest));
	else if (object == "policy")
		parsePolicy(cmd, std::move(rest));
	else if (object == "daemon") {
		cmd.action = Action::Daemon;
		cmd.daemonArgs = std::move(rest);
	}
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
	case Action::EcnShow: return "ecn show";
	case Action::EcnSet: return "ecn set";
	case Action::Monitor: return "monitor";
	case Action::TrustShow: return "trust show";
	case Action::TrustSet: return "trust set";
	case Action::PeerShow: return "trust peer show";
	case Action::PeerAdd: return "trust peer add";
	case Action::PeerDel: return "trust peer del";
	case Action::PolicyShow: return "policy show";
	case Action::PolicySet: return "policy set";
	case Action::Daemon: return "daemon";
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
	       "       mpwifi ecn [ show ]\n"
	       "       mpwifi ecn set [ enabled { on | off } ] [ law { seed | uncoupled } ] [ threshold PCT ]\n"
	       "                      [ cap PCT ] [ budget PCT ] [ min-frames N ] [ stale-ms MS ]\n"
	       "       mpwifi monitor\n"
	       "       mpwifi trust [ show ] [ IFACE ]\n"
	       "       mpwifi trust set IFACE { trusted | untrusted | auto }\n"
	       "       mpwifi trust peer [ show ]\n"
	       "       mpwifi trust peer add PREFIX { trusted | untrusted }\n"
	       "       mpwifi trust peer del PREFIX\n"
	       "       mpwifi policy [ show ]\n"
	       "       mpwifi policy set [ first-subflow { off | prefer | strict } ] [ trusted-sched { on | off } ]\n"
	       "                         [ peer-default { trusted | untrusted } ]\n"
	       "       mpwifi daemon [ DAEMON-OPTIONS ]\n"
	       "       mpwifi help\n"
	       "where  OPTIONS := { -j | --json | -p | --pretty | -V | --version | -h | --help }\n"
	       "       OBJECT := { ap | config | ecn | monitor | trust | policy | daemon }; no COMMAND means show\n"
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
