// SPDX-License-Identifier: GPL-2.0
// A move-only owner of a file descriptor.
#pragma once

namespace mpwifi::base {

class UniqueFd {
public:
	UniqueFd() noexcept = default;
	explicit UniqueFd(int fd) noexcept : fd_(fd) {}
	~UniqueFd() { reset(); }

	UniqueFd(UniqueFd &&other) noexcept : fd_(other.release()) {}
	UniqueFd &operator=(UniqueFd &&other) noexcept
	{
		reset(other.release());
		return *this;
	}
	UniqueFd(const UniqueFd &) = delete;
	UniqueFd &operator=(const UniqueFd &) = delete;

	[[nodiscard]] int get() const noexcept { return fd_; }
	[[nodiscard]] bool valid() const noexcept { return fd_ >= 0; }
	explicit operator bool() const noexcept { return valid(); }

	// Gives up ownership without closing; the caller must close the fd.
	[[nodiscard]] int release() noexcept
	{
		int fd = fd_;
		fd_ = -1;
		return fd;
	}

	// Closes the owned fd (if any) and takes ownership of @fd.  Resetting
	// to the fd already owned is a bug: it would close the new fd too.
	void reset(int fd = -1) noexcept;

private:
	int fd_ = -1;
};

} // namespace mpwifi::base
