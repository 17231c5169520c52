// SPDX-License-Identifier: GPL-2.0
// What /sys/class/net tells about an interface beyond rtnetlink.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace mpwifi::daemon {

// The DEVTYPE= value of a uevent file's text ("wlan", "wwan", ...), empty if
// there is none.
[[nodiscard]] std::string devtypeFromUevent(std::string_view uevent);

struct SysfsFacts {
	std::uint32_t ifindex = 0; // of the device that has the name now; 0 when none has
	std::string devtype;
	bool wireless = false; // has a phy80211 link: a cfg80211 interface
};

// Of the network namespace this process sees in /sys (ip netns exec
// remounts it); empty facts for a name that is gone.
[[nodiscard]] SysfsFacts readSysfs(const std::string &ifname);

} // namespace mpwifi::daemon
