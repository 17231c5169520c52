// SPDX-License-Identifier: GPL-2.0
// mpwifi ap { show | watch | flush } [ dev IFNAME ]: the APs the module
// estimates, once, refreshed, or forgotten.
#include <chrono>
#include <csignal>
#include <cstdio>
#include <ctime>

#include <boost/program_options.hpp>

#include <linux/mptcp.h>

#include "base/event_loop.h"
#include "cli/daemon_files.h"
#include "cli/object.h"
#include "cli/output.h"
#include "daemon/mptcp_pm.h"
#include "daemon/rtnl.h"

namespace po = boost::program_options;

namespace mpwifi::cli {

namespace {

using Action = Command::Action;

void parse(Command &cmd, Tokens tokens)
{
	const std::string verb = takeVerb(tokens, {"dev"});
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

// Wall-clock time for people reading a log: "2024-05-01 12:00:00.123".
std::string timestamp()
{
	const auto now = std::chrono::system_clock::now();
	const std::time_t t = std::chrono::system_clock::to_time_t(now);
	std::tm local{};
	localtime_r(&t, &local);
	char date[32];
	std::strftime(date, sizeof(date), "%Y-%m-%d %H:%M:%S", &local);
	const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
	char text[48];
	std::snprintf(text, sizeof(text), "%s.%03d", date, static_cast<int>(ms));
	return text;
}

// The module's APs with the priority of their subflows: their station's
// endpoint's backup flag (the path manager's word, whoever set it) and how
// often the daemon's steering changed it.  Without MPTCP: no priority.
std::vector<ApStats> withPriorities(std::vector<ApStats> aps)
{
	std::vector<daemon::Endpoint> endpoints;
	std::vector<daemon::AddrInfo> addrs;
	try {
		endpoints = daemon::MptcpPm::open().dump();
		addrs = daemon::Rtnl::open().dumpAddrs();
	} catch (const std::exception &) {
		return aps;
	}
	const auto steering = steeringState();
	for (ApStats &ap : aps) {
		std::vector<daemon::AddrInfo> own;
		for (const daemon::AddrInfo &a : addrs)
			if (a.ifindex == ap.ifindex)
				own.push_back(a);
		for (const daemon::Endpoint &ep : endpoints)
			if (daemon::endpointOn(ep, ap.ifindex, own))
				ap.backup = ap.backup.value_or(false) || (ep.flags & MPTCP_PM_ADDR_FLAG_BACKUP);
		if (steering)
			for (const daemon::SteeredAp &s : steering->aps)
				if (s.ifindex == ap.ifindex && s.bssid == ap.bssid)
					ap.priority_changes = s.changes;
	}
	return aps;
}

void watch(Client &client, const Command &cmd, std::optional<std::uint32_t> ifindex, const Io &io)
{
	const OutputFormat format{cmd.json, cmd.pretty};
	base::EventLoop loop;
	auto signals = loop.watchSignals({SIGINT, SIGTERM}, [&](int) { loop.exit(); });
	std::uint64_t refreshes = 0;

	auto refresh = [&] {
		const auto sampledAt = base::EventLoop::Clock::now().time_since_epoch();
		const auto aps = withPriorities(client.dumpAps(ifindex));
		if (format.json) {
			// JSON lines, each stamped so that it can be matched with the
			// windows it reports.
			printApSample(io.out, std::chrono::duration_cast<std::chrono::nanoseconds>(sampledAt).count(),
				      aps, format);
		} else {
			if (io.tty)
				io.out << "\033[H\033[2J" << "every " << cmd.interval.count()
				       << " ms: mpwifi ap watch    " << timestamp() << "\n\n";
			else
				io.out << "# " << timestamp() << '\n';
			printAps(io.out, aps, format);
		}
		io.out.flush();
		if (cmd.count && ++refreshes >= *cmd.count)
			loop.exit();
	};
	auto timer = loop.every(cmd.interval, refresh, std::chrono::nanoseconds::zero());
	loop.run();
}

int execute(const Command &cmd, const Io &io)
{
	const auto ifindex = resolveDev(cmd);
	auto client = Client::open();
	switch (cmd.action) {
	case Action::ApShow: printAps(io.out, withPriorities(client.dumpAps(ifindex)), {cmd.json, cmd.pretty}); break;
	case Action::ApWatch: watch(client, cmd, ifindex, io); break;
	case Action::ApFlush: client.flushAps(ifindex); break;
	default: break;
	}
	return 0;
}

constexpr Verb kVerbs[] = {
	{Action::ApShow, "ap show"},
	{Action::ApWatch, "ap watch"},
	{Action::ApFlush, "ap flush"},
};

} // namespace

const Object apObject{
	.name = "ap",
	.synopsis = "       mpwifi ap [ show ] [ dev IFNAME ]\n"
		    "       mpwifi ap watch [ --interval MS ] [ --count N ] [ dev IFNAME ]\n"
		    "       mpwifi ap flush [ dev IFNAME ]\n",
	.verbs = kVerbs,
	.needsTrust = false,
	.parse = parse,
	.run = execute,
};

} // namespace mpwifi::cli
