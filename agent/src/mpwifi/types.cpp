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

std::string formatPpmAsPercent(std::uint64_t ppm)
{
	std::string text = std::to_string(ppm / kPpmPerPercent);
	if (const std::uint64_t frac = ppm % kPpmPerPercent) {
		char digits[8];
		std::snprintf(digits, sizeof(digits), "%04u", static_cast<unsigned>(frac));
		std::string decimals(digits);
		decimals.erase(decimals.find_last_not_of('0') + 1);
		text += "." + decimals;
	}
	return text;
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

std::optional<EcnLaw> ecnLawFromWire(std::uint8_t value)
{
	return value <= MPWIFI_ECN_LAW_MAX ? std::optional(static_cast<EcnLaw>(value)) : std::nullopt;
}

std::string_view ecnLawName(EcnLaw law)
{
	switch (law) {
	case EcnLaw::Seed: return "seed";
	case EcnLaw::Uncoupled: return "uncoupled";
	}
	return "unknown";
}

std::optional<EcnLaw> ecnLawFromName(std::string_view name)
{
	for (EcnLaw law : {EcnLaw::Seed, EcnLaw::Uncoupled})
		if (name == ecnLawName(law))
			return law;
	return std::nullopt;
}

std::string_view eventName(ApEvent::Kind kind)
{
	return kind == ApEvent::Kind::New ? "ap-new" : "ap-del";
}

} // namespace mpwifi
