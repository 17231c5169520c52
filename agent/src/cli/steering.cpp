// SPDX-License-Identifier: GPL-2.0
// mpwifi steering [ show ]: what the daemon's steering does, per AP and in
// all, from what it publishes (RUN/steering).
#include <cstdio>
#include <iomanip>

#include "cli/daemon_files.h"
#include "cli/object.h"
#include "cli/output.h"

namespace mpwifi::cli {

namespace {

using Action = Command::Action;

void parse(Command &cmd, Tokens tokens)
{
	const std::string verb = takeVerb(tokens);
	if (verb == "show")
		cmd.action = Action::SteeringShow;
	else if (verb == "help") {
		cmd.action = Action::Help;
		return;
	} else
		unknownCommand("steering", verb);
	(void)positionals(tokens, {}, 0);
}

Json countsJson(const daemon::SteeringCounts &c)
{
	return Json{{"to_backup", c.toBackup}, {"to_regular", c.toRegular}, {"probes", c.probes},
		    {"air_idle", c.airIdle},   {"lost", c.lost},           {"withdrawals", c.withdrawals},
		    {"resends", c.resends}};
}

Json apJson(const daemon::SteeredAp &ap)
{
	return Json{{"ifname", ap.ifname},
		    {"ifindex", ap.ifindex},
		    {"bssid", formatMac(ap.bssid)},
		    {"priority", ap.backup ? "backup" : "regular"},
		    {"priority_changes", ap.changes},
		    {"resends", ap.resends},
		    {"packet_time_us", ap.packetTimeNs ? Json(*ap.packetTimeNs / 1000.0) : Json()},
		    {"reason", ap.reason}};
}

void printState(std::ostream &out, const std::optional<daemon::SteeringState> &state, OutputFormat format)
{
	if (format.json) {
		Json j{{"running", state.has_value()}};
		if (state) {
			j["pid"] = state->pid;
			j["mode"] = std::string(daemon::steeringModeName(state->mode));
			j["counts"] = countsJson(state->counts);
			j["aps"] = Json::array();
			for (const daemon::SteeredAp &ap : state->aps)
				j["aps"].push_back(apJson(ap));
		}
		out << j.dump(format.pretty ? 2 : -1) << '\n';
		return;
	}
	if (!state) {
		out << "no daemon is steering (mpwifi daemon --steering MODE)\n";
		return;
	}
	const daemon::SteeringCounts &c = state->counts;
	out << "mode " << daemon::steeringModeName(state->mode) << " (daemon " << state->pid << ")\n"
	    << "changes " << c.toBackup << " to backup, " << c.toRegular << " to regular (" << c.probes << " probes, "
	    << c.airIdle << " for idle air, " << c.lost << " for a lost AP); " << c.withdrawals
	    << " endpoints withdrawn, " << c.resends << " MP_PRIO resent\n";
	if (state->aps.empty())
		return;
	out << std::left << std::setw(9) << "IFNAME" << std::setw(18) << "BSSID" << std::setw(8) << "PRIO"
	    << std::right << std::setw(8) << "CHANGES" << std::setw(8) << "RESENT" << std::setw(9) << "T-us"
	    << "  LAST-CHANGE\n";
	for (const daemon::SteeredAp &ap : state->aps) {
		char t[32] = "-";
		if (ap.packetTimeNs)
			std::snprintf(t, sizeof(t), "%.1f", *ap.packetTimeNs / 1000.0);
		out << std::left << std::setw(9) << ap.ifname << std::setw(18) << formatMac(ap.bssid) << std::setw(8)
		    << (ap.backup ? "backup" : "regular") << std::right << std::setw(8) << ap.changes << std::setw(8)
		    << ap.resends << std::setw(9) << t << "  " << (ap.reason.empty() ? "-" : ap.reason) << '\n';
	}
}

int execute(const Command &cmd, const Io &io)
{
	printState(io.out, steeringState(), {cmd.json, cmd.pretty});
	return 0;
}

constexpr Verb kVerbs[] = {
	{Action::SteeringShow, "steering show"},
};

} // namespace

const Object steeringObject{
	.name = "steering",
	.synopsis = "       mpwifi steering [ show ]\n",
	.verbs = kVerbs,
	.needsTrust = false,
	.parse = parse,
	.run = execute,
};

} // namespace mpwifi::cli
