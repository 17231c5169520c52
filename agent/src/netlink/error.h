// SPDX-License-Identifier: GPL-2.0
// Errors of the netlink layer.
#pragma once

#include <cerrno>
#include <stdexcept>
#include <string>

namespace mpwifi::netlink {

// A failed netlink operation: a positive errno, what was being done, and the
// kernel's extended ack message when it sent one.
class Error : public std::runtime_error {
public:
	Error(int code, const std::string &context, std::string extack = {});
	// libnl's error @nlerr (NLE_*, either sign), described by libnl.
	[[nodiscard]] static Error fromNl(int nlerr, const std::string &context);

	[[nodiscard]] int code() const noexcept { return code_; }
	[[nodiscard]] const std::string &extack() const noexcept { return extack_; }

protected:
	struct Verbatim {};
	Error(Verbatim, int code, const std::string &what) : std::runtime_error(what), code_(code) {}

private:
	int code_;
	std::string extack_;
};

// The kernel refused a request (a negative ack).
class KernelError : public Error {
public:
	KernelError(int code, std::string extack) : Error(code, "kernel", std::move(extack)) {}
};

// The kernel's table changed while a dump was read (NLM_F_DUMP_INTR): the
// entries may hold a duplicate or miss one; read again.
class DumpInterrupted : public Error {
public:
	DumpInterrupted() : Error(EAGAIN, "kernel", "the table changed during the dump") {}
};

// The generic netlink family, or one of its multicast groups, is not
// registered: the kernel module that provides it is not loaded.
class FamilyNotFound : public Error {
public:
	explicit FamilyNotFound(const std::string &family, const std::string &group = {});

	[[nodiscard]] const std::string &family() const noexcept { return family_; }
	// Empty when the family itself is missing.
	[[nodiscard]] const std::string &group() const noexcept { return group_; }

private:
	std::string family_;
	std::string group_;
};

// A message from the kernel that breaks the contract (missing or malformed
// attribute, truncated header).  Never thrown for attributes we don't know.
class ParseError : public Error {
public:
	explicit ParseError(const std::string &what);
};

// libnl's NLE_* codes (either sign) as a positive errno, EIO if none fits.
[[nodiscard]] int errnoFromNl(int nlerr) noexcept;

} // namespace mpwifi::netlink
