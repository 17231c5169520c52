// SPDX-License-Identifier: GPL-2.0
// RUN/stations, what the AP manager publishes for `mpwifi wifi show`.
#include <gtest/gtest.h>

#include "daemon/manager_state.h"

namespace mpwifi::daemon {
namespace {

TEST(ManagerState, WrittenAndReadBack)
{
	const ManagerState state{.pid = 4242,
				 .interfaces = {{.ifname = "mpw0", .state = "up", .dns = {"10.0.1.1", "9.9.9.9"}},
						{.ifname = "mpw1", .state = "scanning", .dns = {}}}};
	const std::string text = formatManagerState(state);
	EXPECT_EQ(text, "mpwifi-daemon 4242\nmpw0 up 10.0.1.1 9.9.9.9\nmpw1 scanning\n");
	EXPECT_EQ(parseManagerState(text), state);
}

TEST(ManagerState, ABadLineIsSkippedTheRestKept)
{
	const ManagerState state = parseManagerState("mpwifi-daemon 17\n"
						     "mpw0 dancing\n"                 // no such state
						     "mpw1 up 10.0.0.1 not-an-address\n" // a DNS server that is not IPv4
						     "an-interface-name-too-long up\n"  // over IFNAMSIZ - 1
						     "mpw2\n"                          // no state
						     "\n"
						     "  mpw3   leaving  10.0.0.53  \n");
	EXPECT_EQ(state.pid, 17);
	ASSERT_EQ(state.interfaces.size(), 1u);
	EXPECT_EQ(state.interfaces[0], (ManagedInterface{.ifname = "mpw3", .state = "leaving", .dns = {"10.0.0.53"}}));
}

TEST(ManagerState, NoHeaderNoPid)
{
	// a file another program wrote, or cut short: nothing says its daemon runs
	EXPECT_EQ(parseManagerState("mpw0 up\n").pid, 0);
	EXPECT_EQ(parseManagerState("mpw0 up\n").interfaces.size(), 1u);
	EXPECT_EQ(parseManagerState("mpwifi-daemon -3\nmpw0 up\n").pid, 0);
	EXPECT_EQ(parseManagerState("mpwifi-daemon 12x\n").pid, 0);
	EXPECT_EQ(parseManagerState("").interfaces.size(), 0u);
}

} // namespace
} // namespace mpwifi::daemon
