// SPDX-License-Identifier: GPL-2.0
#include "cli/daemon_files.h"

#include <cerrno>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include <signal.h>

namespace mpwifi::cli {

namespace {

std::string runFile(const char *name)
{
	const char *dir = std::getenv("MPWIFI_RUN_DIR");
	std::ifstream in(std::string(dir && *dir ? dir : "/run/mpwifi") + "/" + name);
	std::stringstream text;
	text << in.rdbuf();
	return text.str();
}

bool alive(pid_t pid)
{
	return pid > 0 && (::kill(pid, 0) == 0 || errno == EPERM);
}

} // namespace

std::vector<daemon::ManagedInterface> managerState()
{
	daemon::ManagerState state = daemon::parseManagerState(runFile("stations"));
	if (!alive(state.pid))
		return {};
	return std::move(state.interfaces);
}

std::optional<daemon::SteeringState> steeringState()
{
	daemon::SteeringState state = daemon::parseSteeringState(runFile("steering"));
	if (!alive(state.pid))
		return std::nullopt;
	return state;
}

} // namespace mpwifi::cli
