// SPDX-License-Identifier: GPL-2.0
// An AP's PHY from its beacon's elements, built here byte by byte.
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include <mpwifi/predict.h>

#include "daemon/bss_phy.h"

namespace mpwifi::daemon {
namespace {

using Bytes = std::vector<std::uint8_t>;

Bytes element(std::uint8_t id, const Bytes &body)
{
	Bytes e{id, static_cast<std::uint8_t>(body.size())};
	e.insert(e.end(), body.begin(), body.end());
	return e;
}

Bytes concat(std::initializer_list<Bytes> parts)
{
	Bytes out;
	for (const Bytes &p : parts)
		out.insert(out.end(), p.begin(), p.end());
	return out;
}

// Supported rates in 500 kbit/s units, basic ones with bit 7.
const Bytes kRates11b = element(1, {0x82, 0x84, 0x8b, 0x96});
const Bytes kRates11g = element(1, {0x82, 0x84, 0x8b, 0x96, 0x0c, 0x12, 0x18, 0x24});

// HT Capabilities: info (20/40 set, SGI 20, SGI 40 as given), A-MPDU parameters, Rx MCS bitmask for
// @streams streams, the rest of the 26 bytes zero.
Bytes htCapabilities(int streams, bool sgi20, bool sgi40)
{
	Bytes body(26, 0);
	body[0] = static_cast<std::uint8_t>(0x02 | (sgi20 ? 0x20 : 0) | (sgi40 ? 0x40 : 0));
	body[2] = 0x1b;
	for (int s = 0; s < streams; s++)
		body[static_cast<std::size_t>(3 + s)] = 0xff;
	return element(45, body);
}

// HT Operation: primary channel 36, secondary channel offset and STA channel width.
Bytes htOperation(bool forty)
{
	Bytes body(22, 0);
	body[0] = 36;
	body[1] = forty ? 0x05 : 0x00; // offset 1 (above), any width allowed
	return element(61, body);
}

// VHT Capabilities: SGI 80/160 bits, Rx MCS map with MCS 0-9 on @streams streams.
Bytes vhtCapabilities(int streams, bool sgi80, bool sgi160)
{
	std::uint16_t map = 0xffff;
	for (int s = 0; s < streams; s++)
		map = static_cast<std::uint16_t>((map & ~(3u << (2 * s))) | (2u << (2 * s)));
	Bytes body(12, 0);
	body[0] = static_cast<std::uint8_t>((sgi80 ? 0x20 : 0) | (sgi160 ? 0x40 : 0));
	body[4] = static_cast<std::uint8_t>(map & 0xff);
	body[5] = static_cast<std::uint8_t>(map >> 8);
	return element(191, body);
}

Bytes vhtOperation(std::uint8_t width, std::uint8_t ccfs0, std::uint8_t ccfs1)
{
	return element(192, {width, ccfs0, ccfs1, 0xfc, 0xff});
}

// HE Capabilities (element ID extension 35): zero MAC and PHY capabilities, MCS 0-11 on @streams streams.
Bytes heCapabilities(int streams)
{
	std::uint16_t map = 0xffff;
	for (int s = 0; s < streams; s++)
		map = static_cast<std::uint16_t>((map & ~(3u << (2 * s))) | (2u << (2 * s)));
	Bytes body(22, 0);
	body[0] = 35;
	body[18] = body[20] = static_cast<std::uint8_t>(map & 0xff);
	body[19] = body[21] = static_cast<std::uint8_t>(map >> 8);
	return element(255, body);
}

std::string errorOf(const Bytes &ies)
{
	try {
		(void)phyOfBss(ies);
	} catch (const IeError &e) {
		return e.what();
	}
	return "(no error)";
}

TEST(BssPhy, LegacyAps)
{
	EXPECT_EQ(phyOfBss(kRates11b), (BssPhy{MPWIFI_PHY_DSSS, 1, MPW_BW_20, MPW_GI_0_8}));
	EXPECT_EQ(phyOfBss(kRates11g), (BssPhy{MPWIFI_PHY_OFDM, 1, MPW_BW_20, MPW_GI_0_8}));
	// OFDM rates only in the extended supported rates element
	EXPECT_EQ(phyOfBss(concat({kRates11b, element(50, {0x30, 0x48, 0x60, 0x6c})})).phy, MPWIFI_PHY_OFDM);
}

TEST(BssPhy, Ht)
{
	EXPECT_EQ(phyOfBss(concat({kRates11g, htCapabilities(2, true, true), htOperation(true)})),
		  (BssPhy{MPWIFI_PHY_HT, 2, MPW_BW_40, MPW_GI_0_4}));
	// a 20 MHz BSS uses the 20 MHz short-GI bit, here clear
	EXPECT_EQ(phyOfBss(concat({kRates11g, htCapabilities(1, false, true), htOperation(false)})),
		  (BssPhy{MPWIFI_PHY_HT, 1, MPW_BW_20, MPW_GI_0_8}));
	// no HT Operation: 20 MHz
	EXPECT_EQ(phyOfBss(concat({kRates11g, htCapabilities(3, true, true)})).bw, MPW_BW_20);
}

TEST(BssPhy, Vht)
{
	const Bytes vht80 = concat({kRates11g, htCapabilities(2, true, true), htOperation(true),
				    vhtCapabilities(2, true, false), vhtOperation(1, 42, 0)});
	EXPECT_EQ(phyOfBss(vht80), (BssPhy{MPWIFI_PHY_VHT, 2, MPW_BW_80, MPW_GI_0_4}));
	// 160 MHz: segment 1 is the 160 MHz centre, 8 channels from segment 0; no SGI at 160 here
	const Bytes vht160 = concat({kRates11g, htCapabilities(2, true, true), htOperation(true),
				     vhtCapabilities(2, true, false), vhtOperation(1, 42, 50)});
	EXPECT_EQ(phyOfBss(vht160), (BssPhy{MPWIFI_PHY_VHT, 2, MPW_BW_160, MPW_GI_0_8}));
	// a VHT AP operating on 40 MHz (width 0) takes the HT short-GI bit
	const Bytes vht40 = concat({kRates11g, htCapabilities(1, false, true), htOperation(true),
				    vhtCapabilities(1, false, false), vhtOperation(0, 38, 0)});
	EXPECT_EQ(phyOfBss(vht40), (BssPhy{MPWIFI_PHY_VHT, 1, MPW_BW_40, MPW_GI_0_4}));
}

TEST(BssPhy, He)
{
	const Bytes he80 = concat({kRates11g, htCapabilities(1, true, true), htOperation(true),
				   vhtCapabilities(1, true, false), vhtOperation(1, 42, 0), heCapabilities(1)});
	EXPECT_EQ(phyOfBss(he80), (BssPhy{MPWIFI_PHY_HE, 1, MPW_BW_80, MPW_GI_0_8}));
	// a 2.4 GHz HE AP on 20 MHz, two streams
	EXPECT_EQ(phyOfBss(concat({kRates11g, htCapabilities(2, true, true), htOperation(false), heCapabilities(2)})),
		  (BssPhy{MPWIFI_PHY_HE, 2, MPW_BW_20, MPW_GI_0_8}));
}

TEST(BssPhy, PredictedThroughputOfAParsedAp)
{
	// the VHT 80 MHz AP above at -50 dBm: MCS 9 on 2 streams, 866.7 Mbit/s, and less throughput
	const BssPhy phy = phyOfBss(concat({kRates11g, htCapabilities(2, true, true), htOperation(true),
					    vhtCapabilities(2, true, false), vhtOperation(1, 42, 0)}));
	mpw_rate rate{};
	ASSERT_TRUE(mpw_rate_for_signal(&rate, phy.phy, phy.nss, phy.bw, phy.gi, -50));
	EXPECT_EQ(mpw_rate_kbps(&rate), 866666u);
	const std::uint32_t kbps = mpw_predicted_kbps(&rate, 0);
	EXPECT_GT(kbps, 0u);
	EXPECT_LT(kbps, 866666u);
}

TEST(BssPhy, MalformedElements)
{
	EXPECT_EQ(errorOf(element(45, {0x62, 0x00, 0x1b, 0xff, 0xff})),
		  "HT Capabilities element of 5 bytes, expected 7 or more");
	EXPECT_EQ(errorOf(element(192, {1, 42})), "VHT Operation element of 2 bytes, expected 3 or more");
	EXPECT_EQ(errorOf(element(255, {35, 0, 0, 0})), "HE Capabilities element of 4 bytes, expected 20 or more");
	EXPECT_EQ(errorOf({45, 26, 0x62}), "information element 45 truncated (26 bytes announced, 1 present)");
	// other extension elements are not HE Capabilities
	EXPECT_EQ(phyOfBss(concat({kRates11g, element(255, {36, 0, 0})})).phy, MPWIFI_PHY_OFDM);
}

} // namespace
} // namespace mpwifi::daemon
