// SPDX-License-Identifier: GPL-2.0
#include "mpwifi/types.h"

#include <cstdio>

namespace mpwifi {

std::string formatMac(const MacAddr &mac)
{
	char buf[sizeof("00:00:00:00:00:00")];
	std::snprintf(buf, sizeof(buf), "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2], mac[3],
		      mac[4], mac[5]);
	return buf;
}

Phy phyFromWire(std::uint8_t value)
{
	return value <= MPWIFI_PHY_HE ? static_cast<Phy>(value) : Phy::Unknown;
}

std::string_view phyName(Phy phy)
{
	switch (phy) {
	case Phy::Dsss: return "dsss";
	case Phy::Ofdm: return "ofdm";
	case Phy::Ht: return "ht";
	case Phy::Vht: return "vht";
	case Phy::He: return "he";
	case Phy::Unknown: break;
	}
	return "unknown";
}

std::string_view eventName(ApEvent::Kind kind)
{
	return kind == ApEvent::Kind::New ? "ap-new" : "ap-del";
}

} // namespace mpwifi
