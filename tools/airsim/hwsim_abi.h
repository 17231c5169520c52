// airsim: the mac80211_hwsim generic netlink interface a wireless medium
// speaks ("MAC80211_HWSIM" family, documented in the kernel's
// drivers/net/wireless/mac80211_hwsim.h, which is not exported to userspace;
// these are the stable numbers of that ABI, only the ones airsim uses).
#pragma once

#include <cstdint>

namespace airsim::hwsim {

inline constexpr const char *family_name = "MAC80211_HWSIM";
inline constexpr std::uint8_t family_version = 1;

enum Command : std::uint8_t {
	cmd_register = 1,      // become the medium of this network namespace
	cmd_frame = 2,         // kernel -> medium: a radio transmits; medium -> kernel: a radio receives
	cmd_tx_info_frame = 3, // medium -> kernel: outcome of a transmission
	cmd_get_radio = 6,
	cmd_add_mac_addr = 7,  // kernel -> medium: a radio now also receives for an address
	cmd_del_mac_addr = 8,
};

enum Attr : int {
	attr_addr_receiver = 1,
	attr_addr_transmitter = 2,
	attr_frame = 3,
	attr_flags = 4,
	attr_rx_rate = 5,
	attr_signal = 6,
	attr_tx_info = 7,
	attr_cookie = 8,
	attr_radio_id = 10,
	attr_radio_name = 17,
	attr_freq = 19,
	attr_pad = 20,
	attr_tx_info_flags = 21,
};

enum Flag : std::uint32_t {
	tx_ctl_req_tx_status = 1U << 0,
	tx_ctl_no_ack = 1U << 1,
	tx_stat_ack = 1U << 2,
};

// HWSIM_ATTR_TX_INFO is an array of four of these (struct hwsim_tx_rate,
// packed): a rate index into the band's bitrates (-1 ends the table) and a
// try count.
struct TxRate {
	std::int8_t idx;
	std::uint8_t count;
};
static_assert(sizeof(TxRate) == 2);
inline constexpr int max_rates = 4;

// HWSIM_ATTR_TX_INFO_FLAGS entries (struct hwsim_tx_rate_flag, packed): the
// same index and MAC80211_HWSIM_TX_RC_* flags.
inline constexpr std::size_t tx_rate_flag_size = 3;
inline constexpr std::uint16_t tx_rc_mcs = 1U << 3;
inline constexpr std::uint16_t tx_rc_vht_mcs = 1U << 8;

// The legacy bitrates of mac80211_hwsim's bands, in 100 kbit/s: 2.4 GHz has
// all twelve, 5 GHz the eight OFDM ones.
inline constexpr int bitrates_2ghz[] = {10, 20, 55, 110, 60, 90, 120, 180, 240, 360, 480, 540};
inline constexpr int bitrates_5ghz[] = {60, 90, 120, 180, 240, 360, 480, 540};

} // namespace airsim::hwsim
