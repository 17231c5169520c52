// SPDX-License-Identifier: GPL-2.0
#include "base/child.h"

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <string_view>
#include <utility>

#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

namespace mpwifi::base {

namespace {

int pidfdOpen(pid_t pid)
{
	return static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
}

// posix_spawn's attributes and file actions, destroyed on every path out.
struct SpawnSetup {
	posix_spawnattr_t attr;
	posix_spawn_file_actions_t actions;

	SpawnSetup()
	{
		posix_spawnattr_init(&attr);
		posix_spawn_file_actions_init(&actions);
	}
	~SpawnSetup()
	{
		posix_spawn_file_actions_destroy(&actions);
		posix_spawnattr_destroy(&attr);
	}
	SpawnSetup(const SpawnSetup &) = delete;
	SpawnSetup &operator=(const SpawnSetup &) = delete;
};

} // namespace

Child Child::spawn(const std::vector<std::string> &argv, const std::string &logPath,
		   const std::vector<std::string> &env)
{
	if (argv.empty())
		throw ChildError("no program to start");
	SpawnSetup setup;
	// exec keeps a blocked mask and ignored signals (SIGPIPE): both go
	sigset_t none, standard;
	sigemptyset(&none);
	sigemptyset(&standard);
	for (int sig = 1; sig < SIGRTMIN; ++sig)
		if (sig != SIGKILL && sig != SIGSTOP)
			sigaddset(&standard, sig);
	posix_spawnattr_setsigmask(&setup.attr, &none);
	posix_spawnattr_setsigdefault(&setup.attr, &standard);
	// its own process group: a ^C or a service manager's SIGTERM to the
	// daemon's group reaches the daemon alone, which stops its children in
	// order (a DHCP client releases its lease, wpa_supplicant disassociates)
	posix_spawnattr_setpgroup(&setup.attr, 0);
	posix_spawnattr_setflags(&setup.attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETPGROUP);
	posix_spawn_file_actions_addopen(&setup.actions, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_addopen(&setup.actions, 1, logPath.empty() ? "/dev/null" : logPath.c_str(),
					 O_WRONLY | O_CREAT | O_APPEND, 0640);
	posix_spawn_file_actions_adddup2(&setup.actions, 1, 2);

	std::vector<std::string> args = argv;
	std::vector<char *> cargs;
	for (std::string &a : args)
		cargs.push_back(a.data());
	cargs.push_back(nullptr);
	// @env first, and in place of the daemon's variables of the same names
	std::vector<std::string> vars = env;
	std::vector<char *> cenv;
	for (std::string &v : vars)
		cenv.push_back(v.data());
	for (char **e = environ; *e; ++e) {
		const std::string_view var(*e);
		const std::string_view name = var.substr(0, var.find('='));
		if (std::none_of(env.begin(), env.end(),
				 [&](const std::string &v) { return v.starts_with(name) && v.size() > name.size() && v[name.size()] == '='; }))
			cenv.push_back(*e);
	}
	cenv.push_back(nullptr);
	pid_t pid = -1;
	const int err = ::posix_spawnp(&pid, cargs[0], &setup.actions, &setup.attr, cargs.data(), cenv.data());
	if (err)
		throw ChildError("cannot start " + argv[0] + (logPath.empty() ? "" : " (log " + logPath + ")") + ": " +
				 std::strerror(err));
	UniqueFd pidfd(pidfdOpen(pid));
	if (!pidfd) {
		const int e = errno;
		::kill(pid, SIGKILL);
		::waitpid(pid, nullptr, 0);
		throw ChildError("pidfd_open for " + argv[0] + ": " + std::strerror(e));
	}
	return Child(pid, std::move(pidfd));
}

Child::Child(Child &&other) noexcept
	: pid_(std::exchange(other.pid_, -1)), pidfd_(std::move(other.pidfd_)), status_(other.status_)
{
}

Child &Child::operator=(Child &&other) noexcept
{
	if (this != &other) {
		release();
		pid_ = std::exchange(other.pid_, -1);
		pidfd_ = std::move(other.pidfd_);
		status_ = other.status_;
	}
	return *this;
}

Child::~Child() { release(); }

void Child::release() noexcept
{
	if (pid_ > 0 && !status_)
		(void)stop(std::chrono::seconds(1));
	pid_ = -1;
	pidfd_.reset();
}

std::optional<int> Child::exited()
{
	if (status_ || pid_ <= 0)
		return status_;
	int status = 0;
	pid_t r;
	do
		r = ::waitpid(pid_, &status, WNOHANG);
	while (r < 0 && errno == EINTR);
	if (r == pid_)
		status_ = status;
	return status_;
}

int Child::stop(std::chrono::milliseconds grace)
{
	if (auto s = exited())
		return *s;
	::kill(pid_, SIGTERM);
	pollfd pfd{pidfd_.get(), POLLIN, 0};
	const auto deadline = std::chrono::steady_clock::now() + grace;
	for (;;) {
		// rounded up: poll must not wake before the grace has passed
		const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
		if (left.count() <= 0)
			break;
		if (::poll(&pfd, 1, static_cast<int>(left.count())) >= 0 || errno != EINTR)
			break;
	}
	if (auto s = exited())
		return *s;
	::kill(pid_, SIGKILL);
	int status = 0;
	while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
	}
	status_ = status;
	return status;
}

std::string describeWaitStatus(int status)
{
	if (WIFEXITED(status))
		return "exited with status " + std::to_string(WEXITSTATUS(status));
	if (WIFSIGNALED(status)) {
		const char *name = sigabbrev_np(WTERMSIG(status));
		return "killed by " + (name ? "SIG" + std::string(name) : "signal " + std::to_string(WTERMSIG(status)));
	}
	return "stopped (status " + std::to_string(status) + ")";
}

} // namespace mpwifi::base
