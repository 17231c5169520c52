// SPDX-License-Identifier: GPL-2.0
// The MPTCP path manager's limits and endpoints, as the AP manager sets
// them, against the kernel's path manager in a network namespace of their
// own (root only: skipped without CAP_SYS_ADMIN or without MPTCP).
#include <gtest/gtest.h>

#include <algorithm>
#include <cerrno>
#include <string>

#include <arpa/inet.h>
#include <linux/mptcp.h>
#include <sys/socket.h>

#include "daemon/mptcp_pm.h"
#include "netlink/error.h"
#include "netns.h"

namespace mpwifi::daemon {
namespace {

TEST(MptcpLimits, RaisedToThePathsNeverLowered)
{
	// the kernel's defaults: two extra subflows, no announced address taken
	EXPECT_EQ(limitsForPaths({2, 0}, 3), (MptcpLimits{3, 3}));
	EXPECT_EQ(limitsForPaths({2, 0}, 1), (MptcpLimits{2, 1}));
	// a user's higher setting stays
	EXPECT_EQ(limitsForPaths({6, 8}, 4), (MptcpLimits{6, 8}));
	// the kernel refuses more than 8
	EXPECT_EQ(limitsForPaths({2, 0}, 12), (MptcpLimits{8, 8}));
}

// Runs @body with the path manager of a new namespace; skips without one.
void withFreshPm(const std::function<void(MptcpPm &)> &body)
{
	std::string skip;
	const std::string noNetns = testing::inNewNetns([&] {
		std::optional<MptcpPm> pm;
		try {
			pm.emplace(MptcpPm::open());
		} catch (const netlink::Error &e) {
			skip = std::string("no MPTCP path manager: ") + e.what();
			return;
		}
		body(*pm);
	});
	if (!noNetns.empty())
		GTEST_SKIP() << noNetns;
	if (!skip.empty())
		GTEST_SKIP() << skip;
}

TEST(MptcpPmKernel, LimitsSetAndReadBack)
{
	withFreshPm([](MptcpPm &pm) {
		pm.setLimits({5, 3});
		EXPECT_EQ(pm.limits(), (MptcpLimits{5, 3}));
		EXPECT_EQ(testing::netlinkErrorOf([&] { pm.setLimits({kMptcpLimitMax + 1, 0}); }), EINVAL);
		EXPECT_EQ(pm.limits(), (MptcpLimits{5, 3}));
		pm.setLimits(limitsForPaths(pm.limits(), 8));
		EXPECT_EQ(pm.limits(), (MptcpLimits{8, 8}));
	});
}

TEST(MptcpPmKernel, AnEndpointAnnouncedAgainKeepsItsIdAndFlags)
{
	withFreshPm([](MptcpPm &pm) {
		Endpoint ep;
		ep.id = 7;
		ep.family = AF_INET;
		ASSERT_EQ(::inet_pton(AF_INET, "192.0.2.7", ep.addr.data()), 1);
		ep.flags = MPTCP_PM_ADDR_FLAG_SUBFLOW | MPTCP_PM_ADDR_FLAG_BACKUP;
		pm.add(ep);
		pm.reannounce(ep);
		const auto eps = pm.dump();
		ASSERT_EQ(eps.size(), 1u);
		EXPECT_EQ(eps[0].text(), "id 7 192.0.2.7 subflow backup");

		// one that is not there: refused, and nothing is added
		Endpoint missing = ep;
		missing.id = 9;
		ASSERT_EQ(::inet_pton(AF_INET, "192.0.2.9", missing.addr.data()), 1);
		EXPECT_NE(testing::netlinkErrorOf([&] { pm.reannounce(missing); }), 0);
		EXPECT_EQ(pm.dump().size(), 1u);
	});
}

TEST(MptcpPmKernel, BackupSetAndClearedByIdKeepingFullmesh)
{
	withFreshPm([](MptcpPm &pm) {
		Endpoint ep;
		ep.id = 4;
		ep.family = AF_INET;
		ASSERT_EQ(::inet_pton(AF_INET, "192.0.2.4", ep.addr.data()), 1);
		ep.flags = MPTCP_PM_ADDR_FLAG_SUBFLOW | MPTCP_PM_ADDR_FLAG_FULLMESH;
		pm.add(ep);
		pm.setBackup(ep, true);
		ASSERT_EQ(pm.dump().size(), 1u);
		EXPECT_EQ(pm.dump()[0].text(), "id 4 192.0.2.4 subflow backup fullmesh");
		pm.setBackup(pm.dump()[0], false);
		EXPECT_EQ(pm.dump()[0].text(), "id 4 192.0.2.4 subflow fullmesh");

		// an id that is no endpoint: refused
		Endpoint missing = ep;
		missing.id = 9;
		EXPECT_NE(testing::netlinkErrorOf([&] { pm.setBackup(missing, true); }), 0);
	});
}

} // namespace
} // namespace mpwifi::daemon
