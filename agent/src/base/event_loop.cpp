// SPDX-License-Identifier: GPL-2.0
#include "base/event_loop.h"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <map>
#include <optional>
#include <stdexcept>
#include <system_error>
#include <utility>
#include <vector>

#include <poll.h>
#include <pthread.h>
#include <sys/signalfd.h>
#include <unistd.h>

namespace mpwifi::base {

namespace {

void warn(const char *what, int fd)
{
	std::fprintf(stderr, "mpwifi: event loop: fd %d %s; watch disabled\n", fd, what);
}

// poll() reports POLLERR, POLLHUP and POLLNVAL without asking.
constexpr short kReadEvents = POLLIN;

bool errorOnly(short revents)
{
	return (revents & (POLLERR | POLLHUP)) && !(revents & POLLIN);
}

short pollNow(int fd)
{
	pollfd pfd{fd, kReadEvents, 0};
	int ret;
	do
		ret = ::poll(&pfd, 1, 0);
	while (ret < 0 && errno == EINTR);
	return ret > 0 ? pfd.revents : 0;
}

} // namespace

struct EventLoop::State {
	struct WatchEntry {
		int fd;
		Callback cb;
		bool enabled = true;
		bool removed = false;
	};
	struct TimerEntry {
		Clock::time_point deadline;
		Duration period; // zero: one-shot
		Callback cb;
		bool armed = true;
		bool removed = false;
	};

	std::map<std::uint64_t, WatchEntry> watches;
	std::map<std::uint64_t, TimerEntry> timers;
	std::uint64_t nextId = 1;
	bool dispatching = false;
	bool exitRequested = false;
	int exitCode = 0;

	void remove(std::uint64_t id) noexcept
	{
		// Entries go away after the pass: a callback may be removing
		// itself, and its std::function must stay alive until it returns.
		if (auto w = watches.find(id); w != watches.end()) {
			if (dispatching)
				w->second.removed = true;
			else
				watches.erase(w);
		} else if (auto t = timers.find(id); t != timers.end()) {
			if (dispatching)
				t->second.removed = true;
			else
				timers.erase(t);
		}
	}

	bool active(std::uint64_t id) const
	{
		if (auto w = watches.find(id); w != watches.end())
			return w->second.enabled && !w->second.removed;
		if (auto t = timers.find(id); t != timers.end())
			return t->second.armed && !t->second.removed;
		return false;
	}

	void purge()
	{
		std::erase_if(watches, [](const auto &w) { return w.second.removed; });
		std::erase_if(timers, [](const auto &t) { return t.second.removed; });
	}

	std::optional<Clock::time_point> nextDeadline() const
	{
		std::optional<Clock::time_point> next;
		for (const auto &[id, t] : timers)
			if (t.armed && !t.removed && (!next || t.deadline < *next))
				next = t.deadline;
		return next;
	}

	void dispatchFd(std::uint64_t id, short revents)
	{
		auto it = watches.find(id);
		if (it == watches.end() || it->second.removed || !it->second.enabled)
			return;
		WatchEntry &w = it->second;

		if (revents & POLLNVAL) {
			w.enabled = false;
			warn("is not open (POLLNVAL)", w.fd);
			return;
		}
		w.cb();
		if (errorOnly(revents) && !w.removed && w.enabled && errorOnly(pollNow(w.fd))) {
			w.enabled = false;
			warn(revents & POLLHUP ? "hung up" : "reports an error", w.fd);
		}
	}

	void dispatchTimers()
	{
		const Clock::time_point now = Clock::now();
		std::vector<std::pair<Clock::time_point, std::uint64_t>> due;
		for (const auto &[id, t] : timers)
			if (t.armed && !t.removed && t.deadline <= now)
				due.emplace_back(t.deadline, id);
		std::sort(due.begin(), due.end());

		for (const auto &[deadline, id] : due) {
			TimerEntry &t = timers.at(id);
			if (!t.armed || t.removed) // cancelled by an earlier callback
				continue;
			if (t.period > Duration::zero()) {
				auto missed = (now - t.deadline) / t.period;
				t.deadline += (missed + 1) * t.period;
			} else {
				t.armed = false;
			}
			t.cb();
		}
	}
};

EventLoop::Handle::Handle(Handle &&other) noexcept
	: state_(std::move(other.state_)), id_(std::exchange(other.id_, 0))
{
}

EventLoop::Handle &EventLoop::Handle::operator=(Handle &&other) noexcept
{
	if (this != &other) {
		reset();
		state_ = std::move(other.state_);
		id_ = std::exchange(other.id_, 0);
	}
	return *this;
}

void EventLoop::Handle::reset() noexcept
{
	if (auto state = state_.lock(); state && id_)
		state->remove(id_);
	state_.reset();
	id_ = 0;
}

bool EventLoop::Handle::active() const
{
	auto state = state_.lock();
	return state && id_ && state->active(id_);
}

EventLoop::SignalWatch::SignalWatch(SignalWatch &&other) noexcept
	: oldMask_(other.oldMask_), restoreMask_(std::exchange(other.restoreMask_, false)),
	  fd_(std::move(other.fd_)), watch_(std::move(other.watch_))
{
}

EventLoop::SignalWatch::~SignalWatch()
{
	watch_.reset();
	fd_.reset();
	if (restoreMask_)
		pthread_sigmask(SIG_SETMASK, &oldMask_, nullptr);
}

EventLoop::EventLoop() : state_(std::make_shared<State>()) {}

EventLoop::~EventLoop() = default;

EventLoop::Watch EventLoop::watchRead(int fd, Callback onReadable)
{
	std::uint64_t id = state_->nextId++;
	state_->watches.emplace(id, State::WatchEntry{fd, std::move(onReadable)});
	return Handle(state_, id);
}

EventLoop::Timer EventLoop::after(Duration delay, Callback cb)
{
	std::uint64_t id = state_->nextId++;
	state_->timers.emplace(id, State::TimerEntry{Clock::now() + delay, Duration::zero(), std::move(cb)});
	return Handle(state_, id);
}

EventLoop::Timer EventLoop::every(Duration period, Callback cb, Duration first)
{
	if (period <= Duration::zero())
		throw std::invalid_argument("event loop: timer period must be positive");
	std::uint64_t id = state_->nextId++;
	state_->timers.emplace(id, State::TimerEntry{Clock::now() + first, period, std::move(cb)});
	return Handle(state_, id);
}

EventLoop::SignalWatch EventLoop::watchSignals(std::initializer_list<int> signals,
					       std::function<void(int)> cb)
{
	sigset_t mask;
	sigemptyset(&mask);
	for (int signo : signals)
		sigaddset(&mask, signo);

	SignalWatch sw;
	if (int err = pthread_sigmask(SIG_BLOCK, &mask, &sw.oldMask_))
		throw std::system_error(err, std::generic_category(), "pthread_sigmask");
	sw.restoreMask_ = true;

	sw.fd_.reset(::signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC));
	if (!sw.fd_)
		throw std::system_error(errno, std::generic_category(), "signalfd");

	sw.watch_ = watchRead(sw.fd_.get(), [fd = sw.fd_.get(), cb = std::move(cb)] {
		signalfd_siginfo info;
		while (::read(fd, &info, sizeof(info)) == static_cast<ssize_t>(sizeof(info)))
			cb(static_cast<int>(info.ssi_signo));
	});
	return sw;
}

int EventLoop::run()
{
	while (!state_->exitRequested)
		iterate(Duration(-1));
	state_->exitRequested = false;
	return state_->exitCode;
}

void EventLoop::exit(int code)
{
	state_->exitRequested = true;
	state_->exitCode = code;
}

void EventLoop::iterate(Duration timeout)
{
	State &s = *state_;

	std::vector<pollfd> pfds;
	std::vector<std::uint64_t> ids;
	for (const auto &[id, w] : s.watches) {
		if (w.enabled && !w.removed) {
			pfds.push_back({w.fd, kReadEvents, 0});
			ids.push_back(id);
		}
	}

	std::optional<Duration> wait;
	if (timeout >= Duration::zero())
		wait = timeout;
	if (auto next = s.nextDeadline()) {
		Duration untilNext = std::max(Duration::zero(), *next - Clock::now());
		wait = wait ? std::min(*wait, untilNext) : untilNext;
	}

	timespec ts{};
	if (wait) {
		ts.tv_sec = static_cast<time_t>(wait->count() / 1'000'000'000);
		ts.tv_nsec = static_cast<long>(wait->count() % 1'000'000'000);
	}
	int ret = ::ppoll(pfds.data(), pfds.size(), wait ? &ts : nullptr, nullptr);
	if (ret < 0) {
		if (errno == EINTR) // a signal handler ran; the caller comes back
			return;
		throw std::system_error(errno, std::generic_category(), "ppoll");
	}

	s.dispatching = true;
	struct Guard {
		State &s;
		~Guard()
		{
			s.dispatching = false;
			s.purge();
		}
	} guard{s};

	for (std::size_t i = 0; ret > 0 && i < pfds.size(); i++) {
		if (pfds[i].revents) {
			ret--;
			s.dispatchFd(ids[i], pfds[i].revents);
		}
	}
	s.dispatchTimers();
}

} // namespace mpwifi::base
