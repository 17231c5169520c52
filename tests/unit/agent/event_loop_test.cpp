// SPDX-License-Identifier: GPL-2.0
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <pthread.h>
#include <stdexcept>
#include <sys/eventfd.h>
#include <thread>
#include <unistd.h>
#include <vector>

#include "base/event_loop.h"

namespace mpwifi::base {
namespace {

using namespace std::chrono_literals;
using Clock = EventLoop::Clock;

UniqueFd newEventFd()
{
	UniqueFd fd(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC));
	EXPECT_TRUE(fd);
	return fd;
}

void signal(const UniqueFd &efd)
{
	const std::uint64_t one = 1;
	ASSERT_EQ(::write(efd.get(), &one, sizeof(one)), static_cast<ssize_t>(sizeof(one)));
}

void drain(int fd)
{
	std::uint64_t value;
	(void)!::read(fd, &value, sizeof(value));
}

TEST(EventLoop, TimersFireInDeadlineOrder)
{
	EventLoop loop;
	std::vector<int> order;
	auto t3 = loop.after(30ms, [&] { order.push_back(3); });
	auto t1 = loop.after(10ms, [&] { order.push_back(1); });
	auto t2 = loop.after(20ms, [&] { order.push_back(2); });
	auto stop = loop.after(40ms, [&] { loop.exit(5); });

	const auto start = Clock::now();
	EXPECT_EQ(loop.run(), 5);
	EXPECT_GE(Clock::now() - start, 40ms);
	EXPECT_EQ(order, (std::vector<int>{1, 2, 3}));
	EXPECT_FALSE(t1.active()); // one-shot timers disarm after firing
}

TEST(EventLoop, DueTimersOfOnePassRunInDeadlineOrder)
{
	EventLoop loop;
	std::vector<int> order;
	auto late = loop.after(2ms, [&] { order.push_back(2); });
	auto early = loop.after(1ms, [&] { order.push_back(1); });
	std::this_thread::sleep_for(5ms); // both due before the pass starts
	loop.iterate(0ns);
	EXPECT_EQ(order, (std::vector<int>{1, 2}));
}

TEST(EventLoop, PeriodicTimerRepeatsUntilDropped)
{
	EventLoop loop;
	int ticks = 0;
	const auto start = Clock::now();
	EventLoop::Timer timer = loop.every(10ms, [&] {
		if (++ticks == 5)
			loop.exit();
	});
	loop.run();
	EXPECT_EQ(ticks, 5);
	EXPECT_GE(Clock::now() - start, 50ms);
	EXPECT_TRUE(timer.active());

	timer.reset();
	EXPECT_FALSE(timer.active());
	auto stop = loop.after(35ms, [&] { loop.exit(); });
	loop.run();
	EXPECT_EQ(ticks, 5);
}

TEST(EventLoop, PeriodicTimerCanFireAtOnce)
{
	EventLoop loop;
	std::vector<Clock::time_point> fired;
	const auto start = Clock::now();
	auto timer = loop.every(
		1h,
		[&] {
			fired.push_back(Clock::now());
			loop.exit();
		},
		0ns);
	loop.run();
	ASSERT_EQ(fired.size(), 1u);
	EXPECT_LT(fired[0] - start, 1s);
}

TEST(EventLoop, LatePeriodicTimerSkipsMissedPeriods)
{
	// Period 50 ms and no pass until 175 ms: the overdue tick fires once,
	// the ticks of 100 and 150 ms are dropped, the next one is at 200 ms.
	EventLoop loop;
	const auto start = Clock::now();
	std::vector<Clock::time_point> fired;
	auto timer = loop.every(50ms, [&] { fired.push_back(Clock::now()); });

	std::this_thread::sleep_for(175ms);
	loop.iterate(0ns);
	EXPECT_EQ(fired.size(), 1u);
	loop.iterate(0ns); // catching up would fire the 100 ms tick here
	EXPECT_EQ(fired.size(), 1u);

	while (fired.size() < 2)
		loop.iterate(-1ns);
	EXPECT_GE(fired[1] - start, 200ms);
}

TEST(EventLoop, CallbackCancelsATimerDueInTheSamePass)
{
	EventLoop loop;
	bool secondFired = false;
	EventLoop::Timer second;
	auto first = loop.after(1ms, [&] { second.reset(); });
	second = loop.after(2ms, [&] { secondFired = true; });
	std::this_thread::sleep_for(5ms);
	loop.iterate(0ns);
	EXPECT_FALSE(secondFired);
}

TEST(EventLoop, WatchesReadableFds)
{
	EventLoop loop;
	UniqueFd efd = newEventFd();
	int calls = 0;
	auto watch = loop.watchRead(efd.get(), [&] {
		calls++;
		drain(efd.get());
	});

	loop.iterate(0ns);
	EXPECT_EQ(calls, 0);
	signal(efd);
	loop.iterate(0ns);
	EXPECT_EQ(calls, 1);
	loop.iterate(0ns); // drained: nothing to do
	EXPECT_EQ(calls, 1);

	watch.reset();
	signal(efd);
	loop.iterate(0ns);
	EXPECT_EQ(calls, 1);
}

TEST(EventLoop, WakesUpForAnFdWrittenByAnotherThread)
{
	EventLoop loop;
	UniqueFd efd = newEventFd();
	auto watch = loop.watchRead(efd.get(), [&] { loop.exit(3); });
	std::thread writer([&] {
		std::this_thread::sleep_for(20ms);
		signal(efd);
	});
	EXPECT_EQ(loop.run(), 3);
	writer.join();
}

TEST(EventLoop, CallbackRemovesItsOwnWatch)
{
	EventLoop loop;
	UniqueFd efd = newEventFd();
	signal(efd); // stays readable: the callback does not read
	int calls = 0;
	EventLoop::Watch watch;
	watch = loop.watchRead(efd.get(), [&, guard = std::make_shared<int>(1)] {
		calls++;
		watch.reset(); // destroys this very callback, after it returns
		EXPECT_EQ(*guard, 1);
	});
	loop.iterate(0ns);
	loop.iterate(0ns);
	EXPECT_EQ(calls, 1);
	EXPECT_FALSE(watch.active());
}

TEST(EventLoop, CallbackRemovesAnotherReadyWatch)
{
	EventLoop loop;
	UniqueFd a = newEventFd(), b = newEventFd();
	signal(a);
	signal(b);
	int aCalls = 0, bCalls = 0;
	EventLoop::Watch wb;
	auto wa = loop.watchRead(a.get(), [&] {
		aCalls++;
		drain(a.get());
		wb.reset();
	});
	wb = loop.watchRead(b.get(), [&] { bCalls++; });
	loop.iterate(0ns);
	EXPECT_EQ(aCalls, 1);
	EXPECT_EQ(bCalls, 0);
}

TEST(EventLoop, HangUpIsReportedOnceThenTheWatchIsDisabled)
{
	EventLoop loop;
	int fds[2];
	ASSERT_EQ(::pipe(fds), 0);
	UniqueFd reader(fds[0]);
	::close(fds[1]); // POLLHUP, and read() returns 0 forever

	int calls = 0;
	auto watch = loop.watchRead(reader.get(), [&] {
		calls++;
		char c;
		EXPECT_EQ(::read(reader.get(), &c, 1), 0);
	});
	for (int i = 0; i < 5; i++)
		loop.iterate(0ns);
	EXPECT_EQ(calls, 1);
	EXPECT_FALSE(watch.active());
}

TEST(EventLoop, DataBeforeHangUpIsStillDelivered)
{
	EventLoop loop;
	int fds[2];
	ASSERT_EQ(::pipe(fds), 0);
	UniqueFd reader(fds[0]);
	ASSERT_EQ(::write(fds[1], "xy", 2), 2);
	::close(fds[1]);

	std::string got;
	auto watch = loop.watchRead(reader.get(), [&] {
		char c;
		if (::read(reader.get(), &c, 1) == 1)
			got += c;
	});
	for (int i = 0; i < 5; i++)
		loop.iterate(0ns);
	EXPECT_EQ(got, "xy");
	EXPECT_FALSE(watch.active());
}

TEST(EventLoop, ClosedFdIsDisabledNotSpun)
{
	EventLoop loop;
	int fd = ::eventfd(0, EFD_CLOEXEC);
	ASSERT_GE(fd, 0);
	int calls = 0;
	auto watch = loop.watchRead(fd, [&] { calls++; });
	::close(fd); // POLLNVAL from now on
	loop.iterate(0ns);
	EXPECT_FALSE(watch.active());
	loop.iterate(0ns);
	EXPECT_EQ(calls, 0);
}

TEST(EventLoop, SignalsArriveThroughTheLoop)
{
	sigset_t before;
	pthread_sigmask(SIG_SETMASK, nullptr, &before);
	ASSERT_FALSE(sigismember(&before, SIGUSR1));
	{
		EventLoop loop;
		std::vector<int> got;
		auto sw = loop.watchSignals({SIGUSR1, SIGUSR2}, [&](int signo) {
			got.push_back(signo);
			loop.exit();
		});
		sigset_t during;
		pthread_sigmask(SIG_SETMASK, nullptr, &during);
		EXPECT_TRUE(sigismember(&during, SIGUSR1));

		ASSERT_EQ(::raise(SIGUSR1), 0); // blocked, so it waits for the loop
		loop.run();
		EXPECT_EQ(got, std::vector<int>{SIGUSR1});
	}
	sigset_t after;
	pthread_sigmask(SIG_SETMASK, nullptr, &after);
	EXPECT_FALSE(sigismember(&after, SIGUSR1)); // mask restored
}

std::atomic<int> handled{0};

TEST(EventLoop, InterruptedWaitIsRetried)
{
	// A handler installed without SA_RESTART makes ppoll() fail with EINTR.
	struct sigaction sa{}, old{};
	sa.sa_handler = [](int) { handled++; };
	sigemptyset(&sa.sa_mask);
	ASSERT_EQ(::sigaction(SIGUSR2, &sa, &old), 0);

	EventLoop loop;
	auto stop = loop.after(100ms, [&] { loop.exit(7); });
	const pthread_t self = pthread_self();
	std::thread interrupter([self] {
		std::this_thread::sleep_for(20ms);
		pthread_kill(self, SIGUSR2);
	});
	EXPECT_EQ(loop.run(), 7);
	interrupter.join();
	EXPECT_EQ(handled.load(), 1);
	::sigaction(SIGUSR2, &old, nullptr);
}

TEST(EventLoop, CallbackExceptionsPropagateAndTheLoopGoesOn)
{
	EventLoop loop;
	auto bad = loop.after(0ns, [] { throw std::runtime_error("boom"); });
	EXPECT_THROW(loop.run(), std::runtime_error);
	EXPECT_FALSE(bad.active());

	auto stop = loop.after(1ms, [&] { loop.exit(4); });
	EXPECT_EQ(loop.run(), 4);
}

TEST(EventLoop, ExitBeforeRunReturnsAtOnce)
{
	EventLoop loop;
	loop.exit(9);
	EXPECT_EQ(loop.run(), 9);
}

TEST(EventLoop, HandlesMayOutliveTheLoop)
{
	EventLoop::Timer timer;
	EventLoop::Watch watch;
	UniqueFd efd = newEventFd();
	{
		EventLoop loop;
		timer = loop.after(1s, [] {});
		watch = loop.watchRead(efd.get(), [] {});
		EXPECT_TRUE(timer.active());
	}
	EXPECT_FALSE(timer.active());
	watch.reset(); // no loop to unregister from: nothing happens
}

TEST(EventLoop, RejectsNonPositivePeriods)
{
	EventLoop loop;
	EXPECT_THROW((void)loop.every(0ns, [] {}), std::invalid_argument);
}

} // namespace
} // namespace mpwifi::base
