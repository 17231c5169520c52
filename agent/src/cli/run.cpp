// SPDX-License-Identifier: GPL-2.0
#include "cli/run.h"

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <optional>

#include <net/if.h>

#include "base/event_loop.h"
#include "cli/output.h"
#include "daemon/daemon.h"
#include "mpwifi/client.h"
#include "netlink/error.h"

namespace mpwifi::cli {

namespace {

using Action = Command::Action;

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

class DeviceNotFound : public std::runtime_error {
public:
	using std::runtime_error::runtime_error;
};

std::optional<std::uint32_t> resolveDev(const Command &cmd)
{
	if (!cmd.dev)
		return std::nullopt;
	const unsigned int ifindex = if_nametoindex(cmd.dev->c_str());
	if (!ifindex)
		throw DeviceNotFound("device \"" + *cmd.dev + "\" does not exist");
	return ifindex;
}

void watchAps(Client &client, const Command &cmd, std::optional<std::uint32_t> ifindex, const Io &io)
{
	const OutputFormat format{cmd.json, cmd.pretty};
	base::EventLoop loop;
	auto signals = loop.watchSignals({SIGINT, SIGTERM}, [&](int) { loop.exit(); });
	std::uint64_t refreshes = 0;

	auto refresh = [&] {
		const auto sampledAt = base::EventLoop::Clock::now().time_since_epoch();
		const auto aps = client.dumpAps(ifindex);
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

void monitor(Client &client, const Command &cmd, const Io &io)
{
	const OutputFormat format{cmd.json, cmd.pretty};
	auto events = client.subscribeEvents();
	base::EventLoop loop;
	auto signals = loop.watchSignals({SIGINT, SIGTERM}, [&](int) { loop.exit(); });

	auto watch = loop.watchRead(events.fd(), [&] {
		try {
			events.receive([&](const ApEvent &event) { printEvent(io.out, event, format); });
		} catch (const netlink::ParseError &e) {
			io.err << "mpwifi: monitor: ignoring an event: " << e.what() << std::endl;
		} catch (const netlink::Error &e) {
			if (e.code() != ENOBUFS)
				throw;
			io.err << "mpwifi: monitor: events lost (receive buffer overrun)" << std::endl;
		}
	});
	loop.run();
}

void execute(const Command &cmd, const Io &io)
{
	const OutputFormat format{cmd.json, cmd.pretty};
	const auto ifindex = resolveDev(cmd);
	auto client = Client::open();

	switch (cmd.action) {
	case Action::ApShow: printAps(io.out, client.dumpAps(ifindex), format); break;
	case Action::ApWatch: watchAps(client, cmd, ifindex, io); break;
	case Action::ApFlush: client.flushAps(ifindex); break;
	case Action::ConfigShow: printConfig(io.out, client.getConfig(), format); break;
	case Action::ConfigSet: client.setConfig(cmd.update); break;
	case Action::EcnShow: printEcn(io.out, client.getEcn(), format); break;
	case Action::EcnSet: client.setEcn(cmd.ecn); break;
	case Action::Monitor: monitor(client, cmd, io); break;
	case Action::TrustShow: printTrust(io.out, client.dumpTrust(ifindex), format); break;
	case Action::TrustSet:
		client.setTrust({.ifindex = ifindex.value_or(0),
				 .source = cmd.trust ? TrustSource::Manual : TrustSource::None,
				 .level = cmd.trust.value_or(TrustLevel::Untrusted)});
		break;
	case Action::PeerShow: printPeers(io.out, client.dumpPeers(), format); break;
	case Action::PeerAdd: client.addPeer(cmd.peer); break;
	case Action::PeerDel: client.delPeer(cmd.peer.prefix); break;
	case Action::PolicyShow: printPolicy(io.out, client.getPolicy(), format); break;
	case Action::PolicySet: client.setPolicy(cmd.policy); break;
	case Action::Help:
	case Action::Version:
	case Action::Daemon: break;
	}
}

bool isTrustAction(Command::Action action)
{
	switch (action) {
	case Action::TrustShow:
	case Action::TrustSet:
	case Action::PeerShow:
	case Action::PeerAdd:
	case Action::PeerDel:
	case Action::PolicyShow:
	case Action::PolicySet:
	case Action::Daemon: return true;
	default: return false;
	}
}

} // namespace

std::string errorMessage(Command::Action action, const std::exception &e)
{
	const std::string what = actionName(action);
	if (const auto *missing = dynamic_cast<const netlink::FamilyNotFound *>(&e)) {
		if (missing->group().empty())
			return "mpwifi: the mpwifi kernel module is not loaded (generic netlink family \"" +
			       missing->family() + "\" not found); load it with: modprobe mpwifi (or insmod mpwifi.ko)";
		return "mpwifi: " + what + ": " + e.what() + " (does the kernel module match this tool's version?)";
	}
	if (const auto *nl = dynamic_cast<const netlink::Error *>(&e)) {
		if (nl->code() == EPERM || nl->code() == EACCES)
			return "mpwifi: " + what + " needs CAP_NET_ADMIN (" + std::strerror(nl->code()) + ")";
		// Generic netlink answers a command the family lacks this way,
		// without an explanation.
		if (dynamic_cast<const netlink::KernelError *>(&e) && nl->code() == EOPNOTSUPP && nl->extack().empty() &&
		    isTrustAction(action))
			return "mpwifi: " + what + ": " + kTrustUnsupported;
		if (dynamic_cast<const netlink::KernelError *>(&e))
			return "mpwifi: " + what + ": " + std::strerror(nl->code()) +
			       (nl->extack().empty() ? "" : ": " + nl->extack());
	}
	return "mpwifi: " + what + ": " + e.what();
}

int run(const Command &cmd, const Io &io)
{
	try {
		if (cmd.action == Action::Help) {
			io.out << usage();
			return 0;
		}
		if (cmd.action == Action::Version) {
			io.out << "mpwifi " MPWIFI_VERSION " (generic netlink family \"" MPWIFI_GENL_NAME "\" version "
			       << MPWIFI_GENL_VERSION << ")\n";
			return 0;
		}
		if (cmd.action == Action::Daemon)
			return daemon::run(cmd.daemonArgs, io.out, io.err);
		execute(cmd, io);
		return 0;
	} catch (const std::exception &e) {
		io.err << errorMessage(cmd.action, e) << '\n';
		return 1;
	}
}

} // namespace mpwifi::cli
