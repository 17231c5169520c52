// SPDX-License-Identifier: GPL-2.0
#include "cli/parse.h"

#include <algorithm>
#include <charconv>
#include <iterator>
#include <set>
#include <string_view>

#include <boost/program_options.hpp>
#include <net/if.h>

namespace po = boost::program_options;

namespace mpwifi::cli {

void fail(const std::string &message)
{
	throw UsageError(message);
}

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

Keyword switchKeyword(const char *name, std::optional<bool> &out)
{
	return {name, "on|off", [name, &out](const std::string &text) {
			if (text != "on" && text != "off")
				fail(std::string("invalid ") + name + " \"" + text + "\" (on or off)");
			out = text == "on";
		}};
}

Keyword devKeyword(Command &cmd)
{
	return {"dev", "IFNAME", [&cmd](const std::string &name) {
			if (name.empty() || name.size() >= IFNAMSIZ)
				fail("invalid IFNAME \"" + name + "\"");
			cmd.dev = name;
		}};
}

std::string takeVerb(Tokens &tokens, std::initializer_list<std::string_view> showKeywords)
{
	if (tokens.empty() || tokens.front().starts_with("-") ||
	    std::find(showKeywords.begin(), showKeywords.end(), tokens.front()) != showKeywords.end())
		return "show";
	std::string verb = tokens.front();
	tokens.erase(tokens.begin());
	return verb;
}

void unknownCommand(const std::string &object, const std::string &verb)
{
	fail("command \"" + verb + "\" is unknown for \"" + object + "\"");
}

void parseSettings(Command &cmd, Tokens tokens, const Settings &settings)
{
	const std::string verb = takeVerb(tokens);
	if (verb == "help") {
		cmd.action = Command::Action::Help;
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

Tokens positionals(const Tokens &tokens, std::initializer_list<const char *> names, std::size_t optional)
{
	const Tokens words = parseOptions(tokens, {});
	const std::size_t required = names.size() - optional;
	if (words.size() < required)
		fail(std::string("missing ") + names.begin()[words.size()]);
	if (words.size() > names.size())
		fail("unknown argument \"" + words[names.size()] + "\"");
	return words;
}

std::string ifaceName(const std::string &name)
{
	if (name.empty() || name.size() >= IFNAMSIZ || name.find_first_of("/ \t\n") != std::string::npos)
		fail("invalid IFACE \"" + name + "\"");
	return name;
}

} // namespace mpwifi::cli
