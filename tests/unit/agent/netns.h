// SPDX-License-Identifier: GPL-2.0
// Tests against the kernel's own networking, in a network namespace of
// their own so that nothing of the machine's is touched, and what its
// netlink requests refuse.
#pragma once

#include <cerrno>
#include <cstring>
#include <functional>
#include <string>
#include <thread>

#include "netlink/error.h"

#include <sched.h>

namespace mpwifi::testing {

// Runs @body on a new thread in a new network namespace (a namespace is a
// thread's), and returns why it could not (root only), or "" once it ran.
inline std::string inNewNetns(const std::function<void()> &body)
{
	std::string why;
	std::thread t([&] {
		if (::unshare(CLONE_NEWNET) != 0) {
			why = std::string("unshare(CLONE_NEWNET): ") + std::strerror(errno) + " (needs root)";
			return;
		}
		body();
	});
	t.join();
	return why;
}

// The errno of the netlink::Error @request throws, 0 when it throws none.
inline int netlinkErrorOf(const std::function<void()> &request)
{
	try {
		request();
	} catch (const netlink::Error &e) {
		return e.code();
	}
	return 0;
}

} // namespace mpwifi::testing
