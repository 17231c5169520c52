// SPDX-License-Identifier: GPL-2.0
#include "cli/run.h"

#include <cerrno>
#include <cstring>

#include <net/if.h>

#include "cli/object.h"
#include "netlink/error.h"

namespace mpwifi::cli {

namespace {

using Action = Command::Action;

bool needsTrust(Command::Action action)
{
	const Object *object = objectOf(action);
	return object && object->needsTrust;
}

} // namespace

std::optional<std::uint32_t> resolveDev(const Command &cmd)
{
	if (!cmd.dev)
		return std::nullopt;
	const unsigned int ifindex = if_nametoindex(cmd.dev->c_str());
	if (!ifindex)
		throw DeviceNotFound("device \"" + *cmd.dev + "\" does not exist");
	return ifindex;
}

std::string errorMessage(Command::Action action, const std::exception &e)
{
	const std::string what = actionName(action);
	if (const auto *missing = dynamic_cast<const netlink::FamilyNotFound *>(&e)) {
		if (missing->group().empty())
			return "mpwifi: the mpwifi kernel module is not loaded (generic netlink family \"" +
			       missing->family() + "\" not found); load it with: modprobe mpwifi (or insmod mpwifi.ko)";
		return "mpwifi: " + what + ": " + e.what() + " (does the kernel module match this tool's version?)";
	}
	if (const auto *nl = dynamic_cast<const netlink::Error *>(&e)) {
		if (nl->code() == EPERM || nl->code() == EACCES)
			return "mpwifi: " + what + " needs CAP_NET_ADMIN (" + std::strerror(nl->code()) + ")";
		// Generic netlink answers a command the family lacks this way,
		// without an explanation.
		if (dynamic_cast<const netlink::KernelError *>(&e) && nl->code() == EOPNOTSUPP && nl->extack().empty() &&
		    needsTrust(action))
			return "mpwifi: " + what + ": " + kTrustUnsupported;
		if (dynamic_cast<const netlink::KernelError *>(&e))
			return "mpwifi: " + what + ": " + std::strerror(nl->code()) +
			       (nl->extack().empty() ? "" : ": " + nl->extack());
	}
	return "mpwifi: " + what + ": " + e.what();
}

int run(const Command &cmd, const Io &io)
{
	try {
		if (cmd.action == Action::Help) {
			io.out << usage();
			return 0;
		}
		if (cmd.action == Action::Version) {
			io.out << "mpwifi " MPWIFI_VERSION " (generic netlink family \"" MPWIFI_GENL_NAME "\" version "
			       << MPWIFI_GENL_VERSION << ")\n";
			return 0;
		}
		const Object *object = objectOf(cmd.action);
		return object ? object->run(cmd, io) : 1;
	} catch (const std::exception &e) {
		io.err << errorMessage(cmd.action, e) << '\n';
		return 1;
	}
}

} // namespace mpwifi::cli
