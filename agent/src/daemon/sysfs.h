// SPDX-License-Identifier: GPL-2.0
// What /sys/class/net tells about an interface beyond rtnetlink, and the
// per-interface IPv4 settings of /proc/sys the AP manager sets.
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

// Several station interfaces may hold addresses of one subnet (the APs of one
// ESS): each answers ARP only for its own address and announces only that
// (arp_ignore 1, arp_announce 2), and reverse-path filtering is loose on it
// (rp_filter 2; the kernel applies the higher of "all" and the interface's,
// so a strict "all" becomes loose there).  Throws std::system_error naming
// the file it could not write.
void setStationIpv4Conf(const std::string &ifname);
// Lets station @ifname take its router's advertisements (accept_ra 2: also
// on a laptop that forwards, where 1 would ignore them), so that it gets an
// IPv6 address where its AP's network offers one.  False when the kernel
// has no IPv6; throws std::system_error naming the file.
bool setStationIpv6Conf(const std::string &ifname);

} // namespace mpwifi::daemon
