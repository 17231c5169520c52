// SPDX-License-Identifier: GPL-2.0
// What an AP's frames can be sent with, from the capability and operation
// elements of its beacon or probe response (IEEE 802.11-2020 9.4.2.55-57,
// 9.4.2.157-159; 802.11ax-2021 9.4.2.248-249): the PHY, the spatial
// streams, the channel width it operates on, and whether it takes the short
// guard interval.  With the signal, include/mpwifi/predict.h turns this into
// a predicted throughput.  Parsing only, no I/O.
#pragma once

#include <cstdint>
#include <span>

#include "daemon/ies.h"

namespace mpwifi::daemon {

struct BssPhy {
	std::uint8_t phy = 0; // enum mpwifi_phy
	std::uint8_t nss = 1; // spatial streams it receives (HT/VHT/HE)
	std::uint8_t bw = 0;  // enum mpw_bw it operates on
	std::uint8_t gi = 0;  // enum mpw_gi: the shortest it takes at that width

	bool operator==(const BssPhy &) const = default;
};

// From @ies; DSSS when no element names an OFDM rate.  Throws IeError for a
// malformed element list or a capability element too short for its fixed
// fields.
[[nodiscard]] BssPhy phyOfBss(std::span<const std::uint8_t> ies);

} // namespace mpwifi::daemon
