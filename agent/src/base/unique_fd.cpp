// SPDX-License-Identifier: GPL-2.0
#include "base/unique_fd.h"

#include <cassert>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <unistd.h>

namespace mpwifi::base {

void UniqueFd::reset(int fd) noexcept
{
	assert(fd < 0 || fd != fd_);
	if (fd >= 0 && fd == fd_)
		return;

	int old = fd_;
	fd_ = fd;
	// Linux releases the fd even when close() fails, so there is nothing to
	// retry; EBADF means someone else closed it, which is worth knowing.
	if (old >= 0 && ::close(old) < 0 && errno == EBADF)
		std::fprintf(stderr, "mpwifi: close(%d): %s\n", old, std::strerror(errno));
}

} // namespace mpwifi::base
