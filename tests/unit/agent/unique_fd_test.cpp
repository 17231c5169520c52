// SPDX-License-Identifier: GPL-2.0
#include <gtest/gtest.h>

#include <cerrno>
#include <fcntl.h>
#include <type_traits>
#include <unistd.h>

#include "base/unique_fd.h"

namespace mpwifi::base {
namespace {

bool isOpen(int fd)
{
	return ::fcntl(fd, F_GETFD) != -1 || errno != EBADF;
}

// Two fresh descriptors (a pipe); the test owns them.
std::pair<int, int> twoFds()
{
	int fds[2];
	EXPECT_EQ(::pipe(fds), 0);
	return {fds[0], fds[1]};
}

static_assert(!std::is_copy_constructible_v<UniqueFd>);
static_assert(!std::is_copy_assignable_v<UniqueFd>);
static_assert(std::is_nothrow_move_constructible_v<UniqueFd>);

TEST(UniqueFd, DefaultIsEmpty)
{
	UniqueFd fd;
	EXPECT_FALSE(fd.valid());
	EXPECT_FALSE(fd);
	EXPECT_EQ(fd.get(), -1);
}

TEST(UniqueFd, ClosesOnDestruction)
{
	auto [a, b] = twoFds();
	{
		UniqueFd owner(a);
		EXPECT_TRUE(owner);
		EXPECT_EQ(owner.get(), a);
		EXPECT_TRUE(isOpen(a));
	}
	EXPECT_FALSE(isOpen(a));
	::close(b);
}

TEST(UniqueFd, ReleaseGivesUpOwnership)
{
	auto [a, b] = twoFds();
	int released;
	{
		UniqueFd owner(a);
		released = owner.release();
		EXPECT_FALSE(owner);
	}
	EXPECT_EQ(released, a);
	EXPECT_TRUE(isOpen(a));
	::close(a);
	::close(b);
}

TEST(UniqueFd, ResetClosesThePreviousFd)
{
	auto [a, b] = twoFds();
	UniqueFd owner(a);
	owner.reset(b);
	EXPECT_FALSE(isOpen(a));
	EXPECT_TRUE(isOpen(b));
	EXPECT_EQ(owner.get(), b);
	owner.reset();
	EXPECT_FALSE(isOpen(b));
	EXPECT_FALSE(owner);
}

TEST(UniqueFd, MoveTransfersOwnership)
{
	auto [a, b] = twoFds();
	UniqueFd first(a);
	UniqueFd second(std::move(first));
	EXPECT_FALSE(first); // NOLINT(bugprone-use-after-move): moved-from state is specified
	EXPECT_EQ(second.get(), a);

	UniqueFd third(b);
	third = std::move(second); // closes b, takes a
	EXPECT_FALSE(isOpen(b));
	EXPECT_TRUE(isOpen(a));
	EXPECT_EQ(third.get(), a);
	EXPECT_FALSE(second); // NOLINT(bugprone-use-after-move)

	UniqueFd &alias = third;
	third = std::move(alias); // self-move keeps the fd
	EXPECT_EQ(third.get(), a);
	EXPECT_TRUE(isOpen(a));
}

} // namespace
} // namespace mpwifi::base
