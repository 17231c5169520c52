// SPDX-License-Identifier: GPL-2.0
#include "daemon/sysfs.h"

#include <filesystem>
#include <fstream>
#include <sstream>

namespace mpwifi::daemon {

std::string devtypeFromUevent(std::string_view uevent)
{
	constexpr std::string_view key = "DEVTYPE=";
	while (!uevent.empty()) {
		const std::size_t nl = uevent.find('\n');
		const std::string_view line = uevent.substr(0, nl);
		if (line.starts_with(key))
			return std::string(line.substr(key.size()));
		uevent = nl == std::string_view::npos ? std::string_view() : uevent.substr(nl + 1);
	}
	return {};
}

SysfsFacts readSysfs(const std::string &ifname)
{
	const std::filesystem::path dir = std::filesystem::path("/sys/class/net") / ifname;
	SysfsFacts facts;
	std::ifstream index(dir / "ifindex");
	if (!(index >> facts.ifindex))
		facts.ifindex = 0;
	std::ifstream in(dir / "uevent");
	std::ostringstream text;
	text << in.rdbuf();
	facts.devtype = devtypeFromUevent(text.str());
	std::error_code ec;
	facts.wireless = std::filesystem::exists(dir / "phy80211", ec) || std::filesystem::exists(dir / "wireless", ec);
	return facts;
}

} // namespace mpwifi::daemon
