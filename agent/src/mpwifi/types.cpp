// SPDX-License-Identifier: GPL-2.0
#include "mpwifi/types.h"

#include <cstdio>
#include <stdexcept>

#include <arpa/inet.h>
#include <sys/socket.h>

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

std::optional<TrustLevel> trustLevelFromWire(std::uint8_t value)
{
	return value <= MPWIFI_TRUST_MAX ? std::optional(static_cast<TrustLevel>(value)) : std::nullopt;
}

std::optional<TrustSource> trustSourceFromWire(std::uint8_t value)
{
	return value <= MPWIFI_TRUST_SOURCE_MAX ? std::optional(static_cast<TrustSource>(value)) : std::nullopt;
}

std::string_view trustLevelName(TrustLevel level)
{
	return level == TrustLevel::Trusted ? "trusted" : "untrusted";
}

std::string_view trustSourceName(TrustSource source)
{
	switch (source) {
	case TrustSource::None: return "none";
	case TrustSource::Auto: return "auto";
	case TrustSource::Manual: return "manual";
	}
	return "unknown";
}

std::optional<TrustLevel> trustLevelFromName(std::string_view name)
{
	for (TrustLevel level : {TrustLevel::Untrusted, TrustLevel::Trusted})
		if (name == trustLevelName(level))
			return level;
	return std::nullopt;
}

std::size_t IpPrefix::addrLen() const
{
	return family == AF_INET ? 4 : 16;
}

IpPrefix parsePrefix(std::string_view text)
{
	const std::size_t slash = text.find('/');
	const std::string addrText(text.substr(0, slash));
	IpPrefix p;
	if (::inet_pton(AF_INET, addrText.c_str(), p.addr.data()) == 1)
		p.family = AF_INET;
	else if (::inet_pton(AF_INET6, addrText.c_str(), p.addr.data()) == 1)
		p.family = AF_INET6;
	else
		throw std::invalid_argument("invalid address \"" + addrText + "\" (IPv4 or IPv6)");

	const unsigned maxLen = static_cast<unsigned>(p.addrLen() * 8);
	unsigned length = maxLen;
	if (slash != std::string_view::npos) {
		const std::string_view lenText = text.substr(slash + 1);
		length = 0;
		if (lenText.empty() || lenText.size() > 3)
			length = maxLen + 1;
		for (char c : lenText) {
			if (c < '0' || c > '9') {
				length = maxLen + 1;
				break;
			}
			length = length * 10 + static_cast<unsigned>(c - '0');
		}
		if (length > maxLen)
			throw std::invalid_argument("invalid prefix length \"" + std::string(lenText) + "\" (0.." +
						    std::to_string(maxLen) + ")");
	}
	p.length = static_cast<std::uint8_t>(length);

	for (unsigned bit = length; bit < maxLen; bit++) {
		if (p.addr[bit / 8] & (0x80u >> (bit % 8))) {
			IpPrefix network = p;
			for (unsigned b = length; b < maxLen; b++)
				network.addr[b / 8] = static_cast<std::uint8_t>(network.addr[b / 8] & ~(0x80u >> (b % 8)));
			throw std::invalid_argument("\"" + std::string(text) + "\" has host bits set (did you mean " +
						    formatPrefix(network) + "?)");
		}
	}
	return p;
}

std::string formatPrefix(const IpPrefix &prefix)
{
	char buf[INET6_ADDRSTRLEN];
	if (!::inet_ntop(prefix.family, prefix.addr.data(), buf, sizeof(buf)))
		return "?/" + std::to_string(prefix.length);
	return std::string(buf) + "/" + std::to_string(prefix.length);
}

std::optional<FirstSubflow> firstSubflowFromWire(std::uint8_t value)
{
	return value <= MPWIFI_FIRST_SUBFLOW_MAX ? std::optional(static_cast<FirstSubflow>(value)) : std::nullopt;
}

std::string_view firstSubflowName(FirstSubflow policy)
{
	switch (policy) {
	case FirstSubflow::Off: return "off";
	case FirstSubflow::Prefer: return "prefer";
	case FirstSubflow::Strict: return "strict";
	}
	return "unknown";
}

std::optional<FirstSubflow> firstSubflowFromName(std::string_view name)
{
	for (FirstSubflow policy : {FirstSubflow::Off, FirstSubflow::Prefer, FirstSubflow::Strict})
		if (name == firstSubflowName(policy))
			return policy;
	return std::nullopt;
}

} // namespace mpwifi
