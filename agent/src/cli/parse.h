// SPDX-License-Identifier: GPL-2.0
// The parsing helpers every object of the command line shares: numbers and
// percents in range, options, iproute2-style "NAME VALUE" keywords, verbs
// and positional words.  Each throws UsageError with a one-line message.
#pragma once

#include <cstdint>
#include <functional>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/program_options/options_description.hpp>

#include "cli/command.h"

namespace mpwifi::cli {

using Tokens = std::vector<std::string>;

[[noreturn]] void fail(const std::string &message);

// Digits only: no sign, no spaces, no overflow.
[[nodiscard]] std::uint64_t parseNumber(const std::string &text, const std::string &what);
// "MIN..MAX".
[[nodiscard]] std::string range(std::uint64_t min, std::uint64_t max);
[[nodiscard]] std::string range(Bounds b);
[[nodiscard]] std::uint32_t parseInRange(const std::string &text, const std::string &what, Bounds b);
// "MIN..MAX %" of a range in ppm.
[[nodiscard]] std::string percentRange(Bounds ppm);
// A decimal percent to the ppm, exactly: digits, then optionally a point and
// 1 to 4 digits.  No sign, exponent or spaces.
[[nodiscard]] std::uint32_t parsePercentInRange(const std::string &text, const std::string &what, Bounds ppm);

// Parses @tokens against @options; returns the positional words left.
[[nodiscard]] Tokens parseOptions(const Tokens &tokens, const boost::program_options::options_description &options);

// An iproute2-style "NAME VALUE" argument.
struct Keyword {
	const char *name;
	const char *placeholder;
	std::function<void(const std::string &)> set;
};

// Each keyword at most once, each with its value.
void parseKeywords(const Tokens &words, const std::vector<Keyword> &keywords);
[[nodiscard]] Keyword numberKeyword(const char *name, const char *placeholder, Bounds b,
				    std::optional<std::uint32_t> &out);
[[nodiscard]] Keyword percentKeyword(const char *name, Bounds ppm, std::optional<std::uint32_t> &out);
// "on" or "off" into @out.
[[nodiscard]] Keyword switchKeyword(const char *name, std::optional<bool> &out);
// "dev IFNAME" into cmd.dev.
[[nodiscard]] Keyword devKeyword(Command &cmd);

// Splits the verb off the arguments of an object; none, an option, or one of
// show's keywords (`ap dev IFNAME`) means "show".
[[nodiscard]] std::string takeVerb(Tokens &tokens, std::initializer_list<std::string_view> showKeywords = {});
[[noreturn]] void unknownCommand(const std::string &object, const std::string &verb);

// An object of settings: "OBJECT [show]" or "OBJECT set NAME VALUE...".
struct Settings {
	const char *object;
	Command::Action show;
	Command::Action set;
	std::vector<Keyword> keywords; // of set
	std::function<bool()> nothingSet;
};
void parseSettings(Command &cmd, Tokens tokens, const Settings &settings);

// Positional words of a command: exactly @names.size() of them, the last
// @optional of which may be left out.
[[nodiscard]] Tokens positionals(const Tokens &tokens, std::initializer_list<const char *> names,
				 std::size_t optional = 0);

// An interface name as the kernel accepts it.
[[nodiscard]] std::string ifaceName(const std::string &name);

} // namespace mpwifi::cli
