// SPDX-License-Identifier: GPL-2.0
// Processes the daemon starts: output, exit status, stopping, reaping, and
// the signal state they start with.
#include <gtest/gtest.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <thread>

#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/child.h"

namespace mpwifi::base {
namespace {

using namespace std::chrono_literals;

std::string tempLog()
{
	char path[] = "/tmp/mpwifi-child-XXXXXX";
	const int fd = ::mkstemp(path);
	EXPECT_GE(fd, 0);
	::close(fd);
	return path;
}

std::string slurp(const std::string &path)
{
	std::ifstream f(path);
	std::stringstream s;
	s << f.rdbuf();
	return s.str();
}

bool exitsWithin(const Child &c, std::chrono::milliseconds timeout)
{
	pollfd pfd{c.fd(), POLLIN, 0};
	return ::poll(&pfd, 1, static_cast<int>(timeout.count())) == 1;
}

bool reaped(pid_t pid) { return ::waitpid(pid, nullptr, WNOHANG) < 0 && errno == ECHILD; }

TEST(Child, OutputAndExitStatus)
{
	const std::string log = tempLog();
	Child c = Child::spawn({"sh", "-c", "echo out; echo \"err $MPWIFI_TEST_VAR\" >&2; read x; echo \"stdin [$x]\"; exit 3"},
			       log, {"MPWIFI_TEST_VAR=set"});
	ASSERT_TRUE(exitsWithin(c, 5s));
	const auto status = c.exited();
	ASSERT_TRUE(status);
	EXPECT_EQ(describeWaitStatus(*status), "exited with status 3");
	EXPECT_EQ(slurp(log), "out\nerr set\nstdin []\n");
	EXPECT_TRUE(reaped(c.pid()));
	EXPECT_EQ(c.stop(1s), *status) << "stopping an exited child is its status";
	std::remove(log.c_str());
}

TEST(Child, OurVariablesWinOverTheDaemons)
{
	const std::string log = tempLog();
	::setenv("MPWIFI_TEST_VAR", "daemon's", 1);
	Child c = Child::spawn({"sh", "-c", "echo \"$MPWIFI_TEST_VAR\""}, log, {"MPWIFI_TEST_VAR=ours"});
	::unsetenv("MPWIFI_TEST_VAR");
	ASSERT_TRUE(exitsWithin(c, 5s));
	(void)c.exited();
	EXPECT_EQ(slurp(log), "ours\n");
	std::remove(log.c_str());
}

TEST(Child, StopTermsThenKills)
{
	Child sleeper = Child::spawn({"sleep", "100"});
	EXPECT_FALSE(sleeper.exited());
	EXPECT_EQ(describeWaitStatus(sleeper.stop(2s)), "killed by SIGTERM");
	EXPECT_TRUE(reaped(sleeper.pid()));

	// one that ignores SIGTERM gets SIGKILL after the grace
	const std::string log = tempLog();
	Child stubborn = Child::spawn({"sh", "-c", "trap '' TERM; echo ready; while :; do sleep 0.05; done"}, log);
	for (int i = 0; i < 100 && slurp(log).empty(); ++i)
		std::this_thread::sleep_for(20ms);
	const auto start = std::chrono::steady_clock::now();
	EXPECT_EQ(describeWaitStatus(stubborn.stop(300ms)), "killed by SIGKILL");
	EXPECT_GE(std::chrono::steady_clock::now() - start, 300ms);
	std::remove(log.c_str());
}

TEST(Child, StartsWithNoSignalBlockedOrIgnored)
{
	// the daemon blocks its signals for a signalfd, and may ignore SIGPIPE
	sigset_t block, old;
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGHUP);
	ASSERT_EQ(::pthread_sigmask(SIG_BLOCK, &block, &old), 0);
	const auto oldPipe = std::signal(SIGPIPE, SIG_IGN);

	const std::string log = tempLog();
	// builtins only: the shell reads its own status (a forking shell blocks
	// every signal around its fork, which a child could see)
	Child c = Child::spawn({"sh", "-c",
				"while read -r k v; do case $k in SigBlk:|SigIgn:) echo \"$k $v\";; esac; done </proc/self/status"},
			       log);
	ASSERT_TRUE(exitsWithin(c, 5s));
	(void)c.exited();
	// the standard signals (1..31: bits 0..30); glibc's spawn ignores its
	// own two internal real-time ones, which every program sets up anew
	std::istringstream lines(slurp(log));
	std::string name, mask;
	std::map<std::string, unsigned long long> masks;
	while (lines >> name >> mask)
		masks[name] = std::stoull(mask, nullptr, 16);
	ASSERT_EQ(masks.size(), 2u) << slurp(log);
	EXPECT_EQ(masks["SigBlk:"] & 0x7fffffffULL, 0u);
	EXPECT_EQ(masks["SigIgn:"] & 0x7fffffffULL, 0u);
	Child sleeper = Child::spawn({"sleep", "100"});
	EXPECT_EQ(describeWaitStatus(sleeper.stop(2s)), "killed by SIGTERM") << "the child kept SIGTERM blocked";

	std::signal(SIGPIPE, oldPipe);
	ASSERT_EQ(::pthread_sigmask(SIG_SETMASK, &old, nullptr), 0);
	std::remove(log.c_str());
}

TEST(Child, GoesWithItsOwner)
{
	pid_t pid;
	{
		Child c = Child::spawn({"sleep", "100"});
		pid = c.pid();
		Child moved = std::move(c);
		EXPECT_EQ(c.pid(), -1);
		EXPECT_EQ(moved.pid(), pid);
		EXPECT_EQ(::kill(pid, 0), 0);
	}
	EXPECT_TRUE(reaped(pid));
	EXPECT_EQ(::kill(pid, 0), -1);
}

TEST(Child, NoSuchProgram)
{
	try {
		(void)Child::spawn({"mpwifi-no-such-program"});
		ADD_FAILURE() << "started a program that does not exist";
	} catch (const ChildError &e) {
		EXPECT_NE(std::string(e.what()).find("cannot start mpwifi-no-such-program: No such file or directory"),
			  std::string::npos)
			<< e.what();
	}
	EXPECT_THROW((void)Child::spawn({"sh", "-c", "true"}, "/nonexistent-dir/log"), ChildError);
}

} // namespace
} // namespace mpwifi::base
