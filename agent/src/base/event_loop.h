// SPDX-License-Identifier: GPL-2.0
// A single-threaded event loop: fd readiness, timers and signals.
//
// One pass of run() is: earliest timer deadline -> ppoll() (EINTR: retry) ->
// readable fds -> expired timers.  Registrations are RAII handles; dropping
// the handle unregisters, also from inside the callback being dispatched.
// Handles may outlive the loop (they then do nothing).
#pragma once

#include <chrono>
#include <csignal>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <memory>

#include "base/unique_fd.h"

namespace mpwifi::base {

class EventLoop {
public:
	using Clock = std::chrono::steady_clock; // CLOCK_MONOTONIC
	using Duration = std::chrono::nanoseconds;
	using Callback = std::function<void()>;

	struct State;

	// A registered watch or timer; unregisters on destruction or reset().
	class Handle {
	public:
		Handle() noexcept = default;
		~Handle() { reset(); }
		Handle(Handle &&other) noexcept;
		Handle &operator=(Handle &&other) noexcept;
		Handle(const Handle &) = delete;
		Handle &operator=(const Handle &) = delete;

		void reset() noexcept;
		// A watch that is still enabled, a timer that is still armed.
		[[nodiscard]] bool active() const;

	private:
		friend class EventLoop;
		Handle(std::weak_ptr<State> state, std::uint64_t id) noexcept
			: state_(std::move(state)), id_(id) {}

		std::weak_ptr<State> state_;
		std::uint64_t id_ = 0;
	};
	using Watch = Handle;
	using Timer = Handle;

	// Blocks a set of signals and receives them through a signalfd; the
	// previous signal mask comes back when this is destroyed.
	class SignalWatch {
	public:
		SignalWatch() noexcept = default;
		~SignalWatch();
		SignalWatch(SignalWatch &&other) noexcept;
		SignalWatch &operator=(SignalWatch &&other) = delete;
		SignalWatch(const SignalWatch &) = delete;
		SignalWatch &operator=(const SignalWatch &) = delete;

	private:
		friend class EventLoop;
		sigset_t oldMask_{};
		bool restoreMask_ = false;
		UniqueFd fd_;
		Watch watch_;
	};

	EventLoop();
	~EventLoop();
	EventLoop(const EventLoop &) = delete;
	EventLoop &operator=(const EventLoop &) = delete;

	// Calls @onReadable while @fd is readable, and once when it reports an
	// error or hang-up, so that a read sees the condition.  A condition the
	// callback leaves in place (end of file, fd closed behind our back:
	// POLLNVAL) disables the watch with a warning instead of spinning.
	[[nodiscard]] Watch watchRead(int fd, Callback onReadable);

	// Calls @cb once, @delay from now.
	[[nodiscard]] Timer after(Duration delay, Callback cb);

	// Calls @cb every @period, first after @first.  A late loop skips the
	// periods it missed rather than firing them back to back.
	[[nodiscard]] Timer every(Duration period, Callback cb, Duration first);
	[[nodiscard]] Timer every(Duration period, Callback cb) { return every(period, std::move(cb), period); }

	// Delivers @signals (e.g. SIGINT, SIGTERM) to @cb from the loop.
	[[nodiscard]] SignalWatch watchSignals(std::initializer_list<int> signals,
					       std::function<void(int signo)> cb);

	// Dispatches events until exit(); returns exit()'s code.  Exceptions
	// thrown by callbacks propagate out of run(), the loop stays usable.
	int run();
	void exit(int code = 0);

	// One pass: waits up to @timeout (negative: until something happens),
	// dispatches, returns.
	void iterate(Duration timeout);

private:
	std::shared_ptr<State> state_;
};

} // namespace mpwifi::base
