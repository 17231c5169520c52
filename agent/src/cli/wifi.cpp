// SPDX-License-Identifier: GPL-2.0
// mpwifi wifi { show | scan } [ PHY ]: the radios, their limits, channel and
// station interfaces, or the APs their station interfaces heard.
#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include <linux/nl80211.h>

#include "cli/daemon_files.h"
#include "cli/object.h"
#include "cli/wifi_report.h"
#include "netlink/error.h"

namespace mpwifi::cli {

namespace {

using Action = Command::Action;

void parse(Command &cmd, Tokens tokens)
{
	const std::string verb = takeVerb(tokens);
	if (verb == "show")
		cmd.action = Action::WifiShow;
	else if (verb == "scan")
		cmd.action = Action::WifiScan;
	else if (verb == "help") {
		cmd.action = Action::Help;
		return;
	} else
		unknownCommand("wifi", verb);
	const Tokens words = positionals(tokens, {"PHY"}, 1);
	if (!words.empty())
		cmd.phy = words[0];
}

// What the kernel reports now.  The module and the path manager are
// optional: without them a station has no packet time or endpoint.
WifiSnapshot snapshot()
{
	auto nl = daemon::Nl80211::open();
	if (!nl)
		throw std::runtime_error("this kernel has no nl80211: no wireless support");
	WifiSnapshot s;
	s.radios = nl->radios();
	s.interfaces = nl->interfaces();
	for (const auto &wi : s.interfaces)
		if (wi.iftype == NL80211_IFTYPE_STATION) {
			s.scans[wi.ifindex] = nl->scanResults(wi.ifindex);
			if (const auto signal = nl->stationSignal(wi.ifindex))
				s.stationSignals[wi.ifindex] = *signal;
		}
	s.addrs = daemon::Rtnl::open().dumpAddrs();
	try {
		s.endpoints = daemon::MptcpPm::open().dump();
	} catch (const netlink::Error &) { // no MPTCP: no endpoints
	}
	try {
		s.aps = Client::open().dumpAps();
	} catch (const netlink::Error &) { // no module: no estimates
	}
	s.managed = managerState();
	return s;
}

int execute(const Command &cmd, const Io &io)
{
	const WifiSnapshot s = snapshot();
	const OutputFormat format{cmd.json, cmd.pretty};
	if (cmd.phy && std::none_of(s.radios.begin(), s.radios.end(),
				    [&](const daemon::Radio &r) { return r.name == *cmd.phy; }))
		throw DeviceNotFound("no wireless radio " + *cmd.phy);
	if (cmd.action == Action::WifiScan)
		printWifiScan(io.out, scanReports(s, cmd.phy), format);
	else
		printWifiRadios(io.out, radioReports(s, cmd.phy), format);
	return 0;
}

constexpr Verb kVerbs[] = {
	{Action::WifiShow, "wifi show"},
	{Action::WifiScan, "wifi scan"},
};

} // namespace

const Object wifiObject{
	.name = "wifi",
	.synopsis = "       mpwifi wifi [ show [ PHY ] ]\n"
		    "       mpwifi wifi scan [ PHY ]\n",
	.verbs = kVerbs,
	.needsTrust = false,
	.parse = parse,
	.run = execute,
};

} // namespace mpwifi::cli
