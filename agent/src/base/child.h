// SPDX-License-Identifier: GPL-2.0
// A process the daemon starts and owns (wpa_supplicant, a DHCP client):
// stopped and reaped when its Child goes, so none outlives the daemon's
// interest in it.  Its pidfd becomes readable when it exits, for the event
// loop.
#pragma once

#include <chrono>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <sys/types.h>

#include "base/unique_fd.h"

namespace mpwifi::base {

class ChildError : public std::runtime_error {
public:
	using std::runtime_error::runtime_error;
};

class Child {
public:
	// @argv[0] is looked up in PATH.  Output (stdout and stderr) is appended
	// to @logPath, or dropped when it is empty; stdin is /dev/null.  The
	// environment is the daemon's with @env ("NAME=value") added.  The child
	// starts with no signal blocked and default dispositions, whatever the
	// daemon blocks for its signalfd.  Throws ChildError when it cannot be
	// started (no such program, a log it cannot open).
	[[nodiscard]] static Child spawn(const std::vector<std::string> &argv, const std::string &logPath = {},
					 const std::vector<std::string> &env = {});

	Child(Child &&other) noexcept;
	Child &operator=(Child &&other) noexcept;
	Child(const Child &) = delete;
	Child &operator=(const Child &) = delete;
	// Stops it (SIGTERM, then SIGKILL after a second) and reaps it.
	~Child();

	[[nodiscard]] pid_t pid() const noexcept { return pid_; }
	// Readable once the process has exited.
	[[nodiscard]] int fd() const noexcept { return pidfd_.get(); }

	// The wait status once it has exited (and is reaped), else nullopt; never
	// blocks.
	[[nodiscard]] std::optional<int> exited();
	// SIGTERM, up to @grace for it to exit, then SIGKILL; returns the wait
	// status (at once if it had exited already).
	int stop(std::chrono::milliseconds grace);

private:
	Child(pid_t pid, UniqueFd pidfd) : pid_(pid), pidfd_(std::move(pidfd)) {}
	void release() noexcept;

	pid_t pid_ = -1;
	UniqueFd pidfd_;
	std::optional<int> status_;
};

// "exited with status 3", "killed by SIGTERM".
[[nodiscard]] std::string describeWaitStatus(int status);

} // namespace mpwifi::base
