// SPDX-License-Identifier: GPL-2.0
#include "daemon/sysfs.h"

#include <cerrno>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string_view>
#include <system_error>
#include <utility>

#include <fcntl.h>
#include <unistd.h>

#include "base/unique_fd.h"

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

void setStationIpv4Conf(const std::string &ifname)
{
	static constexpr std::pair<std::string_view, std::string_view> settings[] = {
		{"arp_ignore", "1"}, {"arp_announce", "2"}, {"rp_filter", "2"}};
	for (const auto &[key, value] : settings) {
		const std::string path = "/proc/sys/net/ipv4/conf/" + ifname + "/" + std::string(key);
		const base::UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CLOEXEC));
		if (!fd.valid() || ::write(fd.get(), value.data(), value.size()) != static_cast<ssize_t>(value.size()))
			throw std::system_error(errno, std::generic_category(), path);
	}
}

bool setStationIpv6Conf(const std::string &ifname)
{
	const std::string path = "/proc/sys/net/ipv6/conf/" + ifname + "/accept_ra";
	const base::UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CLOEXEC));
	if (!fd.valid() && errno == ENOENT && !std::filesystem::exists("/proc/sys/net/ipv6"))
		return false;
	if (!fd.valid() || ::write(fd.get(), "2", 1) != 1)
		throw std::system_error(errno, std::generic_category(), path);
	return true;
}

} // namespace mpwifi::daemon
