// SPDX-License-Identifier: GPL-2.0
// The command line of trust, trust peer, policy and daemon.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "cli/command.h"
#include "test_command.h"

namespace mpwifi::cli {
namespace {

using Action = Command::Action;

using test::errorOf;
using test::parse;

TEST(TrustCommand, Show)
{
	EXPECT_EQ(parse({"trust"}).action, Action::TrustShow);
	EXPECT_FALSE(parse({"trust"}).dev);
	const Command one = parse({"-j", "trust", "show", "wlan0"});
	EXPECT_EQ(one.action, Action::TrustShow);
	EXPECT_EQ(one.dev, "wlan0");
	EXPECT_TRUE(one.json);
	EXPECT_EQ(parse({"trust", "help"}).action, Action::Help);
}

TEST(TrustCommand, Set)
{
	const Command trusted = parse({"trust", "set", "eth0", "trusted"});
	EXPECT_EQ(trusted.action, Action::TrustSet);
	EXPECT_EQ(trusted.dev, "eth0");
	EXPECT_EQ(trusted.trust, TrustLevel::Trusted);
	EXPECT_EQ(parse({"trust", "set", "eth0", "untrusted"}).trust, TrustLevel::Untrusted);
	const Command automatic = parse({"trust", "set", "wlan1", "auto"});
	EXPECT_EQ(automatic.action, Action::TrustSet);
	EXPECT_FALSE(automatic.trust);
}

TEST(TrustCommand, Errors)
{
	EXPECT_EQ(errorOf({"trust", "set"}), "missing IFACE");
	EXPECT_EQ(errorOf({"trust", "set", "eth0"}), "missing LEVEL (trusted, untrusted or auto)");
	EXPECT_EQ(errorOf({"trust", "set", "eth0", "maybe"}), "invalid level \"maybe\" (trusted, untrusted or auto)");
	EXPECT_EQ(errorOf({"trust", "set", "eth0", "trusted", "now"}), "unknown argument \"now\"");
	EXPECT_EQ(errorOf({"trust", "set", "sixteen-chars-xx", "trusted"}), "invalid IFACE \"sixteen-chars-xx\"");
	EXPECT_EQ(errorOf({"trust", "set", "a/b", "trusted"}), "invalid IFACE \"a/b\"");
	EXPECT_EQ(errorOf({"trust", "show", "eth0", "eth1"}), "unknown argument \"eth1\"");
	EXPECT_EQ(errorOf({"trust", "frob"}), "command \"frob\" is unknown for \"trust\"");
	EXPECT_NE(errorOf({"trust", "show", "--count", "1"}).find("count"), std::string::npos);
}

TEST(TrustCommand, Peers)
{
	EXPECT_EQ(parse({"trust", "peer"}).action, Action::PeerShow);
	EXPECT_EQ(parse({"-j", "trust", "peer", "show"}).action, Action::PeerShow);

	const Command add = parse({"trust", "peer", "add", "192.0.2.0/24", "trusted"});
	EXPECT_EQ(add.action, Action::PeerAdd);
	EXPECT_EQ(formatPrefix(add.peer.prefix), "192.0.2.0/24");
	EXPECT_EQ(add.peer.level, TrustLevel::Trusted);

	const Command host = parse({"trust", "peer", "add", "2001:db8::7", "untrusted"});
	EXPECT_EQ(formatPrefix(host.peer.prefix), "2001:db8::7/128");
	EXPECT_EQ(host.peer.level, TrustLevel::Untrusted);

	const Command del = parse({"trust", "peer", "del", "10.0.0.0/8"});
	EXPECT_EQ(del.action, Action::PeerDel);
	EXPECT_EQ(formatPrefix(del.peer.prefix), "10.0.0.0/8");
}

TEST(TrustCommand, PeerErrors)
{
	EXPECT_EQ(errorOf({"trust", "peer", "add", "10.0.0.1/8", "trusted"}),
		  "\"10.0.0.1/8\" has host bits set (did you mean 10.0.0.0/8?)");
	EXPECT_EQ(errorOf({"trust", "peer", "add", "10.0.0.0/8"}), "missing LEVEL");
	EXPECT_EQ(errorOf({"trust", "peer", "add"}), "missing PREFIX");
	EXPECT_EQ(errorOf({"trust", "peer", "add", "10.0.0.0/8", "auto"}), "invalid level \"auto\" (trusted or untrusted)");
	EXPECT_EQ(errorOf({"trust", "peer", "add", "10.0.0.0/40", "trusted"}), "invalid prefix length \"40\" (0..32)");
	EXPECT_EQ(errorOf({"trust", "peer", "del", "nonsense"}), "invalid address \"nonsense\" (IPv4 or IPv6)");
	EXPECT_EQ(errorOf({"trust", "peer", "del", "10.0.0.0/8", "trusted"}), "unknown argument \"trusted\"");
	EXPECT_EQ(errorOf({"trust", "peer", "show", "x"}), "unknown argument \"x\"");
	EXPECT_EQ(errorOf({"trust", "peer", "flush"}), "command \"flush\" is unknown for \"trust peer\"");
}

TEST(PolicyCommand, ShowAndSet)
{
	EXPECT_EQ(parse({"policy"}).action, Action::PolicyShow);
	EXPECT_EQ(parse({"policy", "show"}).action, Action::PolicyShow);

	const Command all = parse({"policy", "set", "first-subflow", "strict", "trusted-sched", "off", "peer-default",
				   "trusted"});
	EXPECT_EQ(all.action, Action::PolicySet);
	EXPECT_EQ(all.policy.first_subflow, FirstSubflow::Strict);
	EXPECT_EQ(all.policy.trusted_sched, false);
	EXPECT_EQ(all.policy.peer_default, TrustLevel::Trusted);

	const Command one = parse({"policy", "set", "trusted-sched", "on"});
	EXPECT_EQ(one.policy.trusted_sched, true);
	EXPECT_FALSE(one.policy.first_subflow);
	EXPECT_FALSE(one.policy.peer_default);
	EXPECT_EQ(parse({"policy", "set", "first-subflow", "prefer"}).policy.first_subflow, FirstSubflow::Prefer);
	EXPECT_EQ(parse({"policy", "set", "first-subflow", "off"}).policy.first_subflow, FirstSubflow::Off);
}

TEST(PolicyCommand, Errors)
{
	EXPECT_EQ(errorOf({"policy", "set"}),
		  "policy set needs a setting: first-subflow off|prefer|strict, trusted-sched on|off, "
		  "peer-default trusted|untrusted");
	EXPECT_EQ(errorOf({"policy", "set", "first-subflow", "maybe"}),
		  "invalid first-subflow \"maybe\" (off, prefer or strict)");
	EXPECT_EQ(errorOf({"policy", "set", "trusted-sched", "yes"}), "invalid trusted-sched \"yes\" (on or off)");
	EXPECT_EQ(errorOf({"policy", "set", "peer-default", "auto"}),
		  "invalid peer-default \"auto\" (trusted or untrusted)");
	EXPECT_EQ(errorOf({"policy", "set", "trusted-sched"}), "missing on|off after \"trusted-sched\"");
	EXPECT_EQ(errorOf({"policy", "set", "trusted-sched", "on", "trusted-sched", "off"}),
		  "\"trusted-sched\" given twice");
	EXPECT_EQ(errorOf({"policy", "set", "window-ms", "5"}), "unknown argument \"window-ms\"");
	EXPECT_EQ(errorOf({"policy", "show", "first-subflow", "off"}), "unknown argument \"first-subflow\"");
}

TEST(DaemonCommand, KeepsItsOptionsForTheDaemon)
{
	const Command d = parse({"daemon", "--config", "/etc/mpwifi/mpwifi.conf", "--override", "iface:eth0=untrusted",
				 "--verbose"});
	EXPECT_EQ(d.action, Action::Daemon);
	EXPECT_EQ(d.daemonArgs, (std::vector<std::string>{"--config", "/etc/mpwifi/mpwifi.conf", "--override",
							 "iface:eth0=untrusted", "--verbose"}));
	EXPECT_TRUE(parse({"daemon"}).daemonArgs.empty());
}

TEST(TrustCommand, NamesAndHelp)
{
	EXPECT_EQ(actionName(Action::TrustShow), "trust show");
	EXPECT_EQ(actionName(Action::PeerAdd), "trust peer add");
	EXPECT_EQ(actionName(Action::PolicySet), "policy set");
	EXPECT_EQ(actionName(Action::Daemon), "daemon");
	const std::string help = usage();
	for (const char *text : {"mpwifi trust set IFACE { trusted | untrusted | auto }", "mpwifi trust peer add PREFIX",
				 "mpwifi policy set [ first-subflow", "mpwifi daemon", "--endpoint-min-trust"})
		EXPECT_NE(help.find(text), std::string::npos) << text;
}

} // namespace
} // namespace mpwifi::cli
