// SPDX-License-Identifier: GPL-2.0
// What the mpwifi kernel module reports, in userspace types.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <linux/mpwifi.h>

namespace mpwifi {

using MacAddr = std::array<std::uint8_t, 6>;

// Lowercase, colon separated: "02:00:00:00:01:00".
[[nodiscard]] std::string formatMac(const MacAddr &mac);

// PHY of the frames a rate was measured on (enum mpwifi_phy).
enum class Phy : std::uint8_t {
	Unknown = MPWIFI_PHY_UNKNOWN,
	Dsss = MPWIFI_PHY_DSSS,
	Ofdm = MPWIFI_PHY_OFDM,
	Ht = MPWIFI_PHY_HT,
	Vht = MPWIFI_PHY_VHT,
	He = MPWIFI_PHY_HE,
};

// A value from the kernel; ones this version does not know are Unknown.
[[nodiscard]] Phy phyFromWire(std::uint8_t value);
// "dsss", "ofdm", "ht", "vht", "he" or "unknown".
[[nodiscard]] std::string_view phyName(Phy phy);

// One tracked (station interface, AP).  Cumulative counters run from when
// the AP was first tracked; window_* describe the sliding window ending at
// window_end_ns.  Times are CLOCK_MONOTONIC nanoseconds.
struct ApStats {
	std::uint32_t ifindex = 0;
	std::string ifname;
	MacAddr station{}; // our station interface
	MacAddr bssid{};   // the AP

	std::uint64_t first_try = 0; // data frames, retry bit 0
	std::uint64_t retried = 0;   // data frames, retry bit 1
	std::uint64_t lost = 0;      // sequence numbers never received

	std::uint64_t window_start_ns = 0;
	std::uint64_t window_end_ns = 0;
	std::uint32_t window_first_try = 0;
	std::uint32_t window_retried = 0;
	std::uint32_t window_lost = 0;
	std::uint32_t window_rated = 0; // frames with a known rx rate

	std::optional<double> delivery_prob;         // 0..1; none without frames
	std::optional<std::uint32_t> bitrate_kbps;   // airtime mean; none if unknown
	std::optional<std::uint32_t> packet_time_ns; // none if unknown

	std::uint64_t last_rx_ns = 0; // last data frame
	Phy phy = Phy::Unknown;       // of the last rated frame
};

struct Config {
	std::uint32_t window_ms = 0;
	std::uint32_t max_aps = 0;  // read-only: tracked APs per namespace
	std::uint32_t ap_bytes = 0; // read-only: memory per tracked AP
	bool rx_hook = false;       // read-only: rx observer attached
};

// The settable fields of Config; those left empty are not changed.
struct ConfigUpdate {
	std::optional<std::uint32_t> window_ms;
};

[[nodiscard]] constexpr bool validWindowMs(std::uint64_t ms)
{
	return ms >= MPWIFI_WINDOW_MS_MIN && ms <= MPWIFI_WINDOW_MS_MAX;
}

// An AP started or stopped being tracked.
struct ApEvent {
	enum class Kind { New, Del };

	Kind kind = Kind::New;
	std::uint32_t ifindex = 0;
	std::string ifname;
	MacAddr station{};
	MacAddr bssid{};
};

// "ap-new" or "ap-del".
[[nodiscard]] std::string_view eventName(ApEvent::Kind kind);

} // namespace mpwifi
