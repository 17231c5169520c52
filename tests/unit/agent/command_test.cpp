// SPDX-License-Identifier: GPL-2.0
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "cli/command.h"
#include "test_command.h"

namespace mpwifi::cli {
namespace {

using Action = Command::Action;
using namespace std::chrono_literals;

using test::errorOf;
using test::parse;

TEST(CommandLine, HelpAndVersion)
{
	for (auto args : std::vector<std::vector<std::string>>{
		     {"help"}, {"-h"}, {"--help"}, {"ap", "help"}, {"config", "help"}, {"ecn", "help"}, {"monitor", "help"},
		     {"-j", "help"}})
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

TEST(CommandLine, Wifi)
{
	const Command bare = parse({"-j", "wifi"});
	EXPECT_EQ(bare.action, Action::WifiShow);
	EXPECT_TRUE(bare.json);
	EXPECT_FALSE(bare.phy);
	const Command one = parse({"wifi", "scan", "phy1"});
	EXPECT_EQ(one.action, Action::WifiScan);
	EXPECT_EQ(one.phy, "phy1");
	EXPECT_EQ(parse({"wifi", "show", "phy0"}).phy, "phy0");
	EXPECT_EQ(errorOf({"wifi", "show", "phy0", "phy1"}), "unknown argument \"phy1\"");
	EXPECT_EQ(errorOf({"wifi", "connect"}), "command \"connect\" is unknown for \"wifi\"");
}

// The synopsis `ap [ show ] [ dev IFNAME ]` promises that show may be left
// out before its arguments (failed before: "command dev is unknown").
TEST(CommandLine, ShowMayBeLeftOutBeforeItsKeywords)
{
	const Command cmd = parse({"ap", "dev", "sta1"});
	EXPECT_EQ(cmd.action, Action::ApShow);
	EXPECT_EQ(cmd.dev, "sta1");
	EXPECT_EQ(errorOf({"ap", "dev"}), "missing IFNAME after \"dev\"");
}

// Every object takes help; the daemon's options parser refused it as an
// extra positional argument.
TEST(CommandLine, DaemonHelpLikeEveryObject)
{
	EXPECT_EQ(parse({"daemon", "help"}).action, Action::Help);
	EXPECT_EQ(parse({"daemon", "--help"}).action, Action::Help);
	const Command d = parse({"daemon", "--steering", "priority"});
	EXPECT_EQ(d.action, Action::Daemon);
	EXPECT_EQ(d.daemonArgs, (std::vector<std::string>{"--steering", "priority"}));
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

TEST(CommandLine, EcnShow)
{
	EXPECT_EQ(parse({"ecn"}).action, Action::EcnShow);
	const Command shown = parse({"-j", "ecn", "show"});
	EXPECT_EQ(shown.action, Action::EcnShow);
	EXPECT_TRUE(shown.json);
	EXPECT_TRUE(shown.ecn.empty());
	EXPECT_EQ(errorOf({"ecn", "show", "threshold", "5"}), "unknown argument \"threshold\"");
	EXPECT_EQ(errorOf({"ecn", "get"}), "command \"get\" is unknown for \"ecn\"");
}

TEST(CommandLine, EcnSetEverySettingInAnyOrder)
{
	const Command cmd = parse({"ecn", "set", "stale-ms", "250", "budget", "2.5", "law", "uncoupled", "enabled",
				   "on", "min-frames", "20", "cap", "5", "threshold", "0.0217"});
	EXPECT_EQ(cmd.action, Action::EcnSet);
	EXPECT_EQ(cmd.ecn.enabled, true);
	EXPECT_EQ(cmd.ecn.law, EcnLaw::Uncoupled);
	EXPECT_EQ(cmd.ecn.threshold_ppm, 217u);
	EXPECT_EQ(cmd.ecn.cap_ppm, 50'000u);
	EXPECT_EQ(cmd.ecn.budget_ppm, 25'000u);
	EXPECT_EQ(cmd.ecn.min_frames, 20u);
	EXPECT_EQ(cmd.ecn.stale_ms, 250u);
	EXPECT_FALSE(cmd.update.window_ms);
}

TEST(CommandLine, EcnSetOneSettingLeavesTheOthers)
{
	const EcnUpdate off = parse({"ecn", "set", "enabled", "off"}).ecn;
	EXPECT_EQ(off.enabled, false);
	EXPECT_FALSE(off.law);
	EXPECT_FALSE(off.threshold_ppm);
	EXPECT_FALSE(off.cap_ppm);
	EXPECT_FALSE(off.budget_ppm);
	EXPECT_FALSE(off.min_frames);
	EXPECT_FALSE(off.stale_ms);

	EXPECT_EQ(parse({"ecn", "set", "law", "seed"}).ecn.law, EcnLaw::Seed);
	EXPECT_EQ(parse({"ecn", "set", "min-frames", "1"}).ecn.min_frames, 1u);
	EXPECT_EQ(parse({"ecn", "set", "min-frames", "100000"}).ecn.min_frames, 100'000u);
	EXPECT_EQ(parse({"ecn", "set", "stale-ms", "10"}).ecn.stale_ms, 10u);
	EXPECT_EQ(parse({"ecn", "set", "stale-ms", "60000"}).ecn.stale_ms, 60'000u);
	const EcnUpdate budget = parse({"ecn", "set", "budget", "10"}).ecn;
	EXPECT_EQ(budget.budget_ppm, 100'000u);
	EXPECT_FALSE(budget.enabled);
}

TEST(CommandLine, EcnPercentsAreExactPpm)
{
	auto threshold = [](const std::string &pct) {
		return parse({"ecn", "set", "threshold", pct}).ecn.threshold_ppm;
	};
	EXPECT_EQ(threshold("0"), 0u);
	EXPECT_EQ(threshold("5"), 50'000u);
	EXPECT_EQ(threshold("2.5"), 25'000u);
	EXPECT_EQ(threshold("0.0217"), 217u);
	EXPECT_EQ(threshold("0.0001"), 1u);
	EXPECT_EQ(threshold("0.1"), 1'000u);
	EXPECT_EQ(threshold("0.29"), 2'900u);  // 0.29 is not exact in binary floating point
	EXPECT_EQ(threshold("1.005"), 10'050u); // nor is 1.005
	EXPECT_EQ(threshold("12.3456"), 123'456u);
	EXPECT_EQ(threshold("7.50"), 75'000u);
	EXPECT_EQ(threshold("007"), 70'000u);
	EXPECT_EQ(threshold("100"), 1'000'000u);
	EXPECT_EQ(threshold("999.9999"), 9'999'999u);
	EXPECT_EQ(threshold("1000"), 10'000'000u);
	EXPECT_EQ(threshold("1000.0000"), 10'000'000u);

	EXPECT_EQ(parse({"ecn", "set", "cap", "0"}).ecn.cap_ppm, 0u);
	EXPECT_EQ(parse({"ecn", "set", "cap", "100"}).ecn.cap_ppm, 1'000'000u);
	EXPECT_EQ(parse({"ecn", "set", "budget", "0.0001"}).ecn.budget_ppm, 1u);
	EXPECT_EQ(parse({"ecn", "set", "budget", "100"}).ecn.budget_ppm, 1'000'000u);
}

TEST(CommandLine, EcnPercentFormErrors)
{
	for (const char *bad : {"", "+5", "5e1", "1e3", "1E3", "2.55555", "0.00001", ".5", "5.", ".", "5%", " 5", "5 ",
				"0x10", "1,5", "1.2.3", "1..2", "nan", "inf", "five", "99999999999999999999",
				"99999999999999999999999.5"})
		EXPECT_EQ(errorOf({"ecn", "set", "cap", bad}),
			  std::string("invalid cap \"") + bad + "\" (a percent with at most 4 decimals, like 5 or 2.5)")
			<< bad;
	EXPECT_EQ(errorOf({"ecn", "set", "threshold", "1e3"}),
		  "invalid threshold \"1e3\" (a percent with at most 4 decimals, like 5 or 2.5)");
	EXPECT_EQ(errorOf({"ecn", "set", "budget", "2.50001"}),
		  "invalid budget \"2.50001\" (a percent with at most 4 decimals, like 5 or 2.5)");
	// A negative number looks like an option: still an error, never a wrap-around.
	EXPECT_NE(errorOf({"ecn", "set", "cap", "-5"}), "");
}

// Each command line, with "ecn set" before it, and the UsageError it gives.
struct Rejection {
	std::vector<std::string> args;
	std::string error;
};

void expectRejected(const std::vector<Rejection> &cases)
{
	for (const auto &[args, error] : cases) {
		std::vector<std::string> line = {"ecn", "set"};
		line.insert(line.end(), args.begin(), args.end());
		EXPECT_EQ(errorOf(line), error) << testing::PrintToString(args);
	}
}

TEST(CommandLine, EcnRangeErrors)
{
	expectRejected({
		{{"threshold", "1000.0001"}, "threshold 1000.0001 % is out of range 0..1000 %"},
		{{"threshold", "1001"}, "threshold 1001 % is out of range 0..1000 %"},
		{{"threshold", "18446744073709551615"}, "threshold 18446744073709551615 % is out of range 0..1000 %"},
		{{"cap", "100.0001"}, "cap 100.0001 % is out of range 0..100 %"},
		{{"cap", "101"}, "cap 101 % is out of range 0..100 %"},
		{{"budget", "0"}, "budget 0 % is out of range 0.0001..100 %"},
		{{"budget", "0.0000"}, "budget 0.0000 % is out of range 0.0001..100 %"},
		{{"budget", "100.5"}, "budget 100.5 % is out of range 0.0001..100 %"},
		{{"min-frames", "0"}, "min-frames 0 is out of range 1..100000"},
		{{"min-frames", "100001"}, "min-frames 100001 is out of range 1..100000"},
		{{"min-frames", "2.5"}, "invalid min-frames \"2.5\""},
		{{"min-frames", ""}, "invalid min-frames \"\""},
		{{"stale-ms", "9"}, "stale-ms 9 is out of range 10..60000"},
		{{"stale-ms", "60001"}, "stale-ms 60001 is out of range 10..60000"},
		{{"stale-ms", "1e3"}, "invalid stale-ms \"1e3\""},
		{{"stale-ms", "+100"}, "invalid stale-ms \"+100\""},
	});
}

TEST(CommandLine, EcnWordErrors)
{
	expectRejected({
		{{}, "ecn set needs a setting: enabled on|off, law seed|uncoupled, threshold PCT, cap PCT, budget PCT, "
		     "min-frames N, stale-ms MS"},
		{{"enabled", "yes"}, "invalid enabled \"yes\" (on or off)"},
		{{"enabled", "ON"}, "invalid enabled \"ON\" (on or off)"},
		{{"enabled", "1"}, "invalid enabled \"1\" (on or off)"},
		{{"law", "coupled"}, "invalid law \"coupled\" (seed or uncoupled)"},
		{{"law", "SEED"}, "invalid law \"SEED\" (seed or uncoupled)"},
		{{"law", ""}, "invalid law \"\" (seed or uncoupled)"},
		{{"cap", "5", "cap", "6"}, "\"cap\" given twice"},
		{{"enabled", "on", "law", "seed", "enabled", "off"}, "\"enabled\" given twice"},
		{{"cap"}, "missing PCT after \"cap\""},
		{{"enabled"}, "missing on|off after \"enabled\""},
		{{"law"}, "missing seed|uncoupled after \"law\""},
		{{"min-frames"}, "missing N after \"min-frames\""},
		{{"stale-ms"}, "missing MS after \"stale-ms\""},
		{{"window-ms", "100"}, "unknown argument \"window-ms\""},
		{{"cap", "5", "frob"}, "unknown argument \"frob\""},
		// The first bad word stops parsing, before anything could be sent.
		{{"cap", "101", "law", "bogus"}, "cap 101 % is out of range 0..100 %"},
	});
	EXPECT_EQ(errorOf({"config", "set", "cap", "5"}), "unknown argument \"cap\"");
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
	EXPECT_EQ(actionName(Action::EcnShow), "ecn show");
	EXPECT_EQ(actionName(Action::EcnSet), "ecn set");
	const std::string text = usage();
	for (const char *line : {"mpwifi ap [ show ] [ dev IFNAME ]", "mpwifi ap watch [ --interval MS ] [ --count N ]",
				 "mpwifi ap flush [ dev IFNAME ]", "mpwifi config set window-ms MS", "mpwifi monitor",
				 "50..10000", "mpwifi ecn [ show ]",
				 "mpwifi ecn set [ enabled { on | off } ] [ law { seed | uncoupled } ] [ threshold PCT ]",
				 "[ cap PCT ] [ budget PCT ] [ min-frames N ] [ stale-ms MS ]", "threshold 0..1000 %",
				 "cap 0..100 %", "budget 0.0001..100 %", "min-frames 1..100000", "stale-ms 10..60000",
				 "OBJECT := { ap | config | ecn | monitor | trust | policy | wifi | steering | daemon }", "MARK",
				 "mpwifi wifi [ show [ PHY ] ]", "mpwifi wifi scan [ PHY ]",
				 "ap flush, config set, ecn set, trust set"})
		EXPECT_NE(text.find(line), std::string::npos) << line;
}

} // namespace
} // namespace mpwifi::cli
