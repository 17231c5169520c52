// SPDX-License-Identifier: GPL-2.0
#include "daemon/bss_phy.h"

#include <algorithm>
#include <cstdlib>
#include <optional>
#include <string>

#include <mpwifi/rate.h>

namespace mpwifi::daemon {

namespace {

constexpr std::uint8_t kEidRates = 1;
constexpr std::uint8_t kEidHtCapabilities = 45;
constexpr std::uint8_t kEidExtendedRates = 50;
constexpr std::uint8_t kEidHtOperation = 61;
constexpr std::uint8_t kEidVhtCapabilities = 191;
constexpr std::uint8_t kEidVhtOperation = 192;
constexpr std::uint8_t kEidExtHeCapabilities = 35;

std::span<const std::uint8_t> fixedFields(const Element &e, std::size_t need, const char *what)
{
	if (e.body.size() < need)
		throw IeError(std::string(what) + " element of " + std::to_string(e.body.size()) + " bytes, expected " +
			      std::to_string(need) + " or more");
	return e.body;
}

std::uint16_t le16(std::span<const std::uint8_t> b, std::size_t at)
{
	return static_cast<std::uint16_t>(b[at] | b[at + 1] << 8);
}

// Streams of a VHT or HE MCS map: 2 bits per stream, 3 for "not supported".
std::uint8_t streamsOfMap(std::uint16_t map)
{
	std::uint8_t nss = 0;
	for (std::uint8_t ss = 0; ss < 8; ss++)
		if (((map >> (2 * ss)) & 3) != 3)
			nss = static_cast<std::uint8_t>(ss + 1);
	return std::max<std::uint8_t>(nss, 1);
}

// A rate of the (extended) supported rates elements, in 500 kbit/s, is OFDM.
bool ofdmRate(std::uint8_t rate)
{
	switch (rate & 0x7F) {
	case 12: case 18: case 24: case 36: case 48: case 72: case 96: case 108: return true;
	default: return false;
	}
}

} // namespace

BssPhy phyOfBss(std::span<const std::uint8_t> ies)
{
	bool ofdm = false, sgi20 = false, sgi40 = false, sgi80 = false, sgi160 = false, ht40 = false;
	std::optional<std::uint8_t> htNss, vhtNss, heNss;
	std::uint8_t vhtBw = MPW_BW_20;
	for (const Element &e : elements(ies)) {
		switch (e.id) {
		case kEidRates:
		case kEidExtendedRates:
			ofdm = ofdm || std::any_of(e.body.begin(), e.body.end(), ofdmRate);
			break;
		case kEidHtCapabilities: {
			// capability info (2), A-MPDU parameters (1), then the Rx MCS bitmask: a byte per stream
			const auto b = fixedFields(e, 7, "HT Capabilities");
			sgi20 = b[0] & 0x20;
			sgi40 = b[0] & 0x40;
			htNss = static_cast<std::uint8_t>(std::max<long>(
				1, std::count_if(b.begin() + 3, b.begin() + 7, [](std::uint8_t m) { return m != 0; })));
			break;
		}
		case kEidHtOperation: {
			// primary channel, then secondary channel offset (1 above, 3 below) and any-width bit
			const auto b = fixedFields(e, 2, "HT Operation");
			const unsigned offset = b[1] & 3;
			ht40 = (offset == 1 || offset == 3) && (b[1] & 0x04);
			break;
		}
		case kEidVhtCapabilities: {
			// capability info (4), Rx VHT-MCS map (2)
			const auto b = fixedFields(e, 6, "VHT Capabilities");
			sgi80 = b[0] & 0x20;
			sgi160 = b[0] & 0x40;
			vhtNss = streamsOfMap(le16(b, 4));
			break;
		}
		case kEidVhtOperation: {
			// channel width, centre frequency segments 0 and 1
			const auto b = fixedFields(e, 3, "VHT Operation");
			if (b[0] == 1)
				vhtBw = b[2] && std::abs(b[2] - b[1]) >= 8 ? MPW_BW_160 : MPW_BW_80;
			else if (b[0] == 2 || b[0] == 3)
				vhtBw = MPW_BW_160; // deprecated encodings of 160 and 80+80 MHz
			break;
		}
		case kEidExtension:
			if (!e.body.empty() && e.body[0] == kEidExtHeCapabilities) {
				// extension id, MAC capabilities (6), PHY capabilities (11), Rx HE-MCS map <= 80 MHz (2)
				const auto b = fixedFields(e, 20, "HE Capabilities");
				heNss = streamsOfMap(le16(b, 18));
			}
			break;
		default: break;
		}
	}

	BssPhy phy;
	phy.gi = MPW_GI_0_8;
	if (!htNss && !vhtNss && !heNss) {
		phy.phy = ofdm ? MPWIFI_PHY_OFDM : MPWIFI_PHY_DSSS;
		return phy;
	}
	phy.bw = ht40 ? MPW_BW_40 : MPW_BW_20;
	if (vhtNss || heNss)
		phy.bw = std::max(phy.bw, vhtBw);
	if (heNss) {
		// HE data with the 0.8 us guard interval, the PHY's common case
		phy.phy = MPWIFI_PHY_HE;
		phy.nss = *heNss;
		return phy;
	}
	const bool sgi = phy.bw == MPW_BW_160 ? sgi160 : phy.bw == MPW_BW_80 ? sgi80 : phy.bw == MPW_BW_40 ? sgi40 : sgi20;
	phy.gi = sgi ? MPW_GI_0_4 : MPW_GI_0_8;
	phy.phy = vhtNss ? MPWIFI_PHY_VHT : MPWIFI_PHY_HT;
	phy.nss = vhtNss ? *vhtNss : *htNss;
	return phy;
}

} // namespace mpwifi::daemon
