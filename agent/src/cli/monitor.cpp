// SPDX-License-Identifier: GPL-2.0
// mpwifi monitor: the module's AP events as they come.
#include <cerrno>
#include <csignal>

#include "base/event_loop.h"
#include "cli/object.h"
#include "cli/output.h"
#include "netlink/error.h"

namespace mpwifi::cli {

namespace {

using Action = Command::Action;

void parse(Command &cmd, Tokens tokens)
{
	if (!tokens.empty() && tokens.front() == "help") {
		cmd.action = Action::Help;
		return;
	}
	cmd.action = Action::Monitor;
	parseKeywords(parseOptions(tokens, {}), {});
}

int execute(const Command &cmd, const Io &io)
{
	auto client = Client::open();
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
	return 0;
}

constexpr Verb kVerbs[] = {
	{Action::Monitor, "monitor"},
};

} // namespace

const Object monitorObject{
	.name = "monitor",
	.synopsis = "       mpwifi monitor\n",
	.verbs = kVerbs,
	.needsTrust = false,
	.parse = parse,
	.run = execute,
};

} // namespace mpwifi::cli
