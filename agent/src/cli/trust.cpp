// SPDX-License-Identifier: GPL-2.0
// mpwifi trust [ show | set ] and mpwifi trust peer [ show | add | del ]:
// the levels of interfaces and of peers.
#include "cli/object.h"
#include "cli/output.h"

namespace mpwifi::cli {

namespace {

using Action = Command::Action;

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

void parsePeer(Command &cmd, Tokens tokens)
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

void parse(Command &cmd, Tokens tokens)
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
		parsePeer(cmd, std::move(tokens));
	} else if (verb == "help") {
		cmd.action = Action::Help;
	} else {
		unknownCommand("trust", verb);
	}
}

int execute(const Command &cmd, const Io &io)
{
	const OutputFormat format{cmd.json, cmd.pretty};
	const auto ifindex = resolveDev(cmd);
	auto client = Client::open();
	switch (cmd.action) {
	case Action::TrustShow: printTrust(io.out, client.dumpTrust(ifindex), format); break;
	case Action::TrustSet:
		// No level: "auto", the manual setting is forgotten.
		client.setTrust({.ifindex = ifindex.value_or(0),
				 .source = cmd.trust ? TrustSource::Manual : TrustSource::None,
				 .level = cmd.trust.value_or(TrustLevel::Untrusted)});
		break;
	case Action::PeerShow: printPeers(io.out, client.dumpPeers(), format); break;
	case Action::PeerAdd: client.addPeer(cmd.peer); break;
	case Action::PeerDel: client.delPeer(cmd.peer.prefix); break;
	default: break;
	}
	return 0;
}

constexpr Verb kVerbs[] = {
	{Action::TrustShow, "trust show"},
	{Action::TrustSet, "trust set"},
	{Action::PeerShow, "trust peer show"},
	{Action::PeerAdd, "trust peer add"},
	{Action::PeerDel, "trust peer del"},
};

} // namespace

const Object trustObject{
	.name = "trust",
	.synopsis = "       mpwifi trust [ show [ IFACE ] ]\n"
		    "       mpwifi trust set IFACE { trusted | untrusted | auto }\n"
		    "       mpwifi trust peer [ show ]\n"
		    "       mpwifi trust peer add PREFIX { trusted | untrusted }\n"
		    "       mpwifi trust peer del PREFIX\n",
	.verbs = kVerbs,
	.needsTrust = true,
	.parse = parse,
	.run = execute,
};

} // namespace mpwifi::cli
