// SPDX-License-Identifier: GPL-2.0
// Running commands: the paths that need no kernel module.
#include <gtest/gtest.h>

#include <cerrno>
#include <cstring>
#include <sstream>
#include <stdexcept>
#include <string>

#include "cli/run.h"
#include "netlink/error.h"
#include "netlink/genl_socket.h"

namespace mpwifi::cli {
namespace {

using Action = Command::Action;

struct Result {
	int status;
	std::string out;
	std::string err;
};

Result runCommand(const Command &cmd)
{
	std::ostringstream out, err;
	const int status = run(cmd, {out, err});
	return {status, out.str(), err.str()};
}

bool moduleLoaded()
{
	try {
		(void)netlink::GenlSocket::open().resolveFamily(MPWIFI_GENL_NAME);
		return true;
	} catch (const netlink::Error &) {
		return false;
	}
}

TEST(Run, HelpAndVersionNeedNoModule)
{
	const Result help = runCommand({.action = Action::Help});
	EXPECT_EQ(help.status, 0);
	EXPECT_EQ(help.out, usage());
	EXPECT_EQ(help.err, "");

	const Result version = runCommand({.action = Action::Version});
	EXPECT_EQ(version.status, 0);
	EXPECT_EQ(version.out.rfind("mpwifi " MPWIFI_TEST_VERSION " ", 0), 0u) << version.out;
}

TEST(Run, MissingModuleIsExplained)
{
	if (moduleLoaded())
		GTEST_SKIP() << "the mpwifi module is loaded here";
	for (Action action : {Action::ApShow, Action::ConfigShow, Action::ConfigSet, Action::EcnShow, Action::EcnSet,
			      Action::ApFlush, Action::Monitor}) {
		const Result r = runCommand({.action = action, .update = {.window_ms = 100}, .ecn = {.enabled = true}});
		EXPECT_EQ(r.status, 1);
		EXPECT_EQ(r.out, "");
		EXPECT_EQ(r.err, "mpwifi: the mpwifi kernel module is not loaded (generic netlink family \"mpwifi\" "
				 "not found); load it with: modprobe mpwifi (or insmod mpwifi.ko)\n");
	}
}

TEST(Run, UnknownDeviceIsExplained)
{
	const Result r = runCommand({.action = Action::ApShow, .dev = "nosuchdev0"});
	EXPECT_EQ(r.status, 1);
	EXPECT_EQ(r.err, "mpwifi: ap show: device \"nosuchdev0\" does not exist\n");
}

TEST(ErrorMessage, PermissionAndKernelErrors)
{
	EXPECT_EQ(errorMessage(Action::ConfigSet, netlink::KernelError(EPERM, "")),
		  std::string("mpwifi: config set needs CAP_NET_ADMIN (") + std::strerror(EPERM) + ")");
	EXPECT_EQ(errorMessage(Action::ApFlush, netlink::KernelError(EACCES, "")),
		  std::string("mpwifi: ap flush needs CAP_NET_ADMIN (") + std::strerror(EACCES) + ")");
	EXPECT_EQ(errorMessage(Action::ApFlush, netlink::KernelError(ENODEV, "not a wireless interface")),
		  std::string("mpwifi: ap flush: ") + std::strerror(ENODEV) + ": not a wireless interface");
	EXPECT_EQ(errorMessage(Action::ConfigSet, netlink::KernelError(EINVAL, "")),
		  std::string("mpwifi: config set: ") + std::strerror(EINVAL));
	EXPECT_EQ(errorMessage(Action::EcnSet, netlink::KernelError(EPERM, "")),
		  std::string("mpwifi: ecn set needs CAP_NET_ADMIN (") + std::strerror(EPERM) + ")");
	EXPECT_EQ(errorMessage(Action::EcnSet, netlink::KernelError(EINVAL, "nothing to change")),
		  std::string("mpwifi: ecn set: ") + std::strerror(EINVAL) + ": nothing to change");
	EXPECT_EQ(errorMessage(Action::EcnShow,
			       netlink::ParseError("ECN_GET reply: MPWIFI_ECN_ATTR_LAW: 2 is not a law")),
		  "mpwifi: ecn show: malformed netlink message: ECN_GET reply: MPWIFI_ECN_ATTR_LAW: 2 is not a law");
}

TEST(ErrorMessage, ModuleGroupAndProtocolErrors)
{
	EXPECT_EQ(errorMessage(Action::ApShow, netlink::FamilyNotFound("mpwifi")),
		  "mpwifi: the mpwifi kernel module is not loaded (generic netlink family \"mpwifi\" not found); "
		  "load it with: modprobe mpwifi (or insmod mpwifi.ko)");
	EXPECT_EQ(errorMessage(Action::Monitor, netlink::FamilyNotFound("mpwifi", "events")),
		  "mpwifi: monitor: multicast group \"events\" of generic netlink family \"mpwifi\" not found "
		  "(does the kernel module match this tool's version?)");
	EXPECT_EQ(errorMessage(Action::ApShow, netlink::ParseError("AP_GET reply: MPWIFI_AP_ATTR_BSSID: missing")),
		  "mpwifi: ap show: malformed netlink message: AP_GET reply: MPWIFI_AP_ATTR_BSSID: missing");
	EXPECT_EQ(errorMessage(Action::ApWatch, std::runtime_error("ppoll: Bad address")),
		  "mpwifi: ap watch: ppoll: Bad address");
}

} // namespace
} // namespace mpwifi::cli
