// SPDX-License-Identifier: GPL-2.0
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "cli/command.h"

namespace mpwifi::cli {
namespace {

using Action = Command::Action;
using namespace std::chrono_literals;

Command parse(std::vector<std::string> args)
{
	return parseCommandLine(args);
}

// The UsageError message for @args, or "" if they parse.
std::string errorOf(std::vector<std::string> args)
{
	try {
		(void)parseCommandLine(args);
	} catch (const UsageError &e) {
		return e.what();
	}
	return "";
}

TEST(CommandLine, HelpAndVersion)
{
	for (auto args : std::vector<std::vector<std::string>>{
		     {"help"}, {"-h"}, {"--help"}, {"ap", "help"}, {"config", "help"}, {"monitor", "help"}, {"-j", "help"}})
		EXPECT_EQ(parse(args).action, Action::Help) << args[0];
	EXPECT_EQ(parse({"-V"}).action, Action::Version);
	EXPECT_EQ(parse({"--version"}).action, Action::Version);
	EXPECT_EQ(parse({"--help", "ap", "show"}).action, Action::Help);
}

TEST(CommandLine, ApShowIsTheDefaultVerb)
{
	const Command bare = parse({"ap"});
	EXPECT_EQ(bare.action, Action::ApShow);
	EXPECT_FALSE(bare.json);
	EXPECT_FALSE(bare.dev);

	const Command shown = parse({"ap", "show", "dev", "wlan0"});
	EXPECT_EQ(shown.action, Action::ApShow);
	EXPECT_EQ(shown.dev, "wlan0");
}

TEST(CommandLine, GlobalOptions)
{
	const Command j = parse({"-j", "ap", "show"});
	EXPECT_TRUE(j.json);
	EXPECT_FALSE(j.pretty);

	const Command jp = parse({"--json", "--pretty", "config"});
	EXPECT_EQ(jp.action, Action::ConfigShow);
	EXPECT_TRUE(jp.json);
	EXPECT_TRUE(jp.pretty);

	EXPECT_TRUE(parse({"-jp", "monitor"}).pretty);
}

TEST(CommandLine, ApWatch)
{
	const Command defaults = parse({"ap", "watch"});
	EXPECT_EQ(defaults.action, Action::ApWatch);
	EXPECT_EQ(defaults.interval, 1000ms);
	EXPECT_FALSE(defaults.count);

	const Command full = parse({"ap", "watch", "--interval", "250", "--count", "3", "dev", "wlan1"});
	EXPECT_EQ(full.interval, 250ms);
	EXPECT_EQ(full.count, 3u);
	EXPECT_EQ(full.dev, "wlan1");

	const Command shortForms = parse({"-j", "ap", "watch", "dev", "wlan1", "-i", "10", "-c", "1"});
	EXPECT_EQ(shortForms.interval, 10ms);
	EXPECT_EQ(shortForms.count, 1u);
	EXPECT_TRUE(shortForms.json);

	EXPECT_EQ(parse({"ap", "watch", "--interval=3600000"}).interval, 3'600'000ms);
}

TEST(CommandLine, ApFlush)
{
	EXPECT_EQ(parse({"ap", "flush"}).action, Action::ApFlush);
	EXPECT_FALSE(parse({"ap", "flush"}).dev);
	EXPECT_EQ(parse({"ap", "flush", "dev", "wlp2s0"}).dev, "wlp2s0");
}

TEST(CommandLine, Config)
{
	EXPECT_EQ(parse({"config"}).action, Action::ConfigShow);
	EXPECT_EQ(parse({"config", "show"}).action, Action::ConfigShow);

	const Command set = parse({"config", "set", "window-ms", "250"});
	EXPECT_EQ(set.action, Action::ConfigSet);
	EXPECT_EQ(set.update.window_ms, 250u);
	EXPECT_EQ(parse({"config", "set", "window-ms", "50"}).update.window_ms, 50u);
	EXPECT_EQ(parse({"config", "set", "window-ms", "10000"}).update.window_ms, 10000u);
}

TEST(CommandLine, Monitor)
{
	EXPECT_EQ(parse({"monitor"}).action, Action::Monitor);
	EXPECT_TRUE(parse({"-j", "monitor"}).json);
}

TEST(CommandLine, ObjectAndCommandErrors)
{
	EXPECT_EQ(errorOf({}), "missing OBJECT");
	EXPECT_EQ(errorOf({"bogus"}), "object \"bogus\" is unknown");
	EXPECT_EQ(errorOf({"ap", "frob"}), "command \"frob\" is unknown for \"ap\"");
	EXPECT_EQ(errorOf({"config", "get"}), "command \"get\" is unknown for \"config\"");
	EXPECT_EQ(errorOf({"--bogus", "ap"}), "unrecognised option '--bogus'");
	EXPECT_EQ(errorOf({"-x", "ap"}), "unrecognised option '-x'");
}

TEST(CommandLine, ArgumentErrors)
{
	EXPECT_EQ(errorOf({"ap", "show", "bogus"}), "unknown argument \"bogus\"");
	EXPECT_EQ(errorOf({"ap", "show", "dev"}), "missing IFNAME after \"dev\"");
	EXPECT_EQ(errorOf({"ap", "show", "dev", "a", "dev", "b"}), "\"dev\" given twice");
	EXPECT_EQ(errorOf({"ap", "show", "dev", "sixteen-chars-xx"}), "invalid IFNAME \"sixteen-chars-xx\"");
	EXPECT_EQ(errorOf({"monitor", "dev", "wlan0"}), "unknown argument \"dev\"");
	EXPECT_EQ(errorOf({"config", "show", "window-ms", "100"}), "unknown argument \"window-ms\"");
	// Options of one command are not accepted by another.
	EXPECT_NE(errorOf({"ap", "show", "--interval", "100"}).find("interval"), std::string::npos);
	EXPECT_NE(errorOf({"monitor", "--count", "1"}).find("count"), std::string::npos);
}

TEST(CommandLine, WatchValueErrors)
{
	EXPECT_EQ(errorOf({"ap", "watch", "--interval", "abc"}), "invalid interval \"abc\"");
	EXPECT_EQ(errorOf({"ap", "watch", "--interval", "10ms"}), "invalid interval \"10ms\"");
	EXPECT_EQ(errorOf({"ap", "watch", "--interval", "9"}), "interval 9 ms is out of range 10..3600000");
	EXPECT_EQ(errorOf({"ap", "watch", "--interval", "3600001"}), "interval 3600001 ms is out of range 10..3600000");
	EXPECT_EQ(errorOf({"ap", "watch", "--count", "0"}), "count must be at least 1");
	EXPECT_EQ(errorOf({"ap", "watch", "--count", "+1"}), "invalid count \"+1\"");
	EXPECT_EQ(errorOf({"ap", "watch", "--count", "99999999999999999999"}),
		  "invalid count \"99999999999999999999\"");
	EXPECT_NE(errorOf({"ap", "watch", "--interval"}).find("interval"), std::string::npos);
	EXPECT_NE(errorOf({"ap", "watch", "-i", "100", "-i", "200"}).find("interval"), std::string::npos);
}

TEST(CommandLine, ConfigSetErrors)
{
	EXPECT_EQ(errorOf({"config", "set"}), "config set needs a setting: window-ms MS");
	EXPECT_EQ(errorOf({"config", "set", "window-ms"}), "missing MS after \"window-ms\"");
	EXPECT_EQ(errorOf({"config", "set", "window-ms", "49"}), "window-ms 49 is out of range 50..10000");
	EXPECT_EQ(errorOf({"config", "set", "window-ms", "10001"}), "window-ms 10001 is out of range 50..10000");
	EXPECT_EQ(errorOf({"config", "set", "window-ms", "1e3"}), "invalid window-ms \"1e3\"");
	EXPECT_EQ(errorOf({"config", "set", "window-ms", ""}), "invalid window-ms \"\"");
	EXPECT_EQ(errorOf({"config", "set", "window-ms", "100", "window-ms", "200"}), "\"window-ms\" given twice");
	EXPECT_EQ(errorOf({"config", "set", "frob", "1"}), "unknown argument \"frob\"");
	// A negative number looks like an option: still an error, never a wrap-around.
	EXPECT_NE(errorOf({"config", "set", "window-ms", "-100"}), "");
}

TEST(CommandLine, ArgvEntryPoint)
{
	const char *argv[] = {"mpwifi", "-j", "ap", "show", "dev", "wlan0", nullptr};
	const Command cmd = parseCommandLine(6, argv);
	EXPECT_EQ(cmd.action, Action::ApShow);
	EXPECT_TRUE(cmd.json);
	EXPECT_EQ(cmd.dev, "wlan0");
}

TEST(CommandLine, NamesAndUsage)
{
	EXPECT_EQ(actionName(Action::ApWatch), "ap watch");
	EXPECT_EQ(actionName(Action::ConfigSet), "config set");
	const std::string text = usage();
	for (const char *line : {"mpwifi ap [ show ] [ dev IFNAME ]", "mpwifi ap watch [ --interval MS ] [ --count N ]",
				 "mpwifi ap flush [ dev IFNAME ]", "mpwifi config set window-ms MS", "mpwifi monitor",
				 "50..10000"})
		EXPECT_NE(text.find(line), std::string::npos) << line;
}

} // namespace
} // namespace mpwifi::cli
