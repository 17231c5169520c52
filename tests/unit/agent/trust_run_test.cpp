// SPDX-License-Identifier: GPL-2.0
// Running the trust commands: the reports that need no kernel module.
#include <gtest/gtest.h>

#include <cerrno>
#include <sstream>
#include <string>

#include "cli/run.h"
#include "netlink/error.h"

namespace mpwifi::cli {
namespace {

using Action = Command::Action;

TEST(TrustRun, ModuleWithoutTrustIsExplained)
{
	for (Action action : {Action::TrustShow, Action::TrustSet, Action::PeerShow, Action::PeerAdd, Action::PeerDel,
			      Action::PolicyShow, Action::PolicySet})
		EXPECT_EQ(errorMessage(action, netlink::KernelError(EOPNOTSUPP, "")),
			  "mpwifi: " + actionName(action) + ": " + kTrustUnsupported);
	// A refusal the module explains is shown as it is.
	EXPECT_EQ(errorMessage(Action::PolicySet, netlink::KernelError(EOPNOTSUPP, "scheduler hooks unavailable")),
		  "mpwifi: policy set: Operation not supported: scheduler hooks unavailable");
	// Other objects keep the plain errno.
	EXPECT_EQ(errorMessage(Action::EcnShow, netlink::KernelError(EOPNOTSUPP, "")),
		  "mpwifi: ecn show: Operation not supported");
}

TEST(TrustRun, KernelRefusals)
{
	EXPECT_EQ(errorMessage(Action::TrustSet, netlink::KernelError(EPERM, "")),
		  "mpwifi: trust set needs CAP_NET_ADMIN (Operation not permitted)");
	EXPECT_EQ(errorMessage(Action::PeerAdd, netlink::KernelError(EINVAL, "host bits set")),
		  "mpwifi: trust peer add: Invalid argument: host bits set");
	EXPECT_EQ(errorMessage(Action::TrustSet, netlink::KernelError(EBUSY, "")),
		  "mpwifi: trust set: Device or resource busy");
}

TEST(TrustRun, UnknownInterfaceIsAnError)
{
	std::ostringstream out, err;
	Command show{.action = Action::TrustShow};
	show.dev = "nosuchif0";
	EXPECT_EQ(run(show, {out, err}), 1);
	EXPECT_EQ(err.str(), "mpwifi: trust show: device \"nosuchif0\" does not exist\n");

	std::ostringstream out2, err2;
	Command set{.action = Action::TrustSet};
	set.dev = "nosuchif0";
	set.trust = TrustLevel::Trusted;
	EXPECT_EQ(run(set, {out2, err2}), 1);
	EXPECT_EQ(err2.str(), "mpwifi: trust set: device \"nosuchif0\" does not exist\n");
	EXPECT_EQ(out.str() + out2.str(), "");
}

} // namespace
} // namespace mpwifi::cli
