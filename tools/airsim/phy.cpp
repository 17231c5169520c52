#include "phy.h"

#include <algorithm>
#include <array>
#include <stdexcept>

namespace airsim {
namespace {

constexpr std::array<Rate, 12> all_rates_table{
	Rate::dsss_1,  Rate::dsss_2,  Rate::cck_5_5, Rate::cck_11,  Rate::ofdm_6,  Rate::ofdm_9,
	Rate::ofdm_12, Rate::ofdm_18, Rate::ofdm_24, Rate::ofdm_36, Rate::ofdm_48, Rate::ofdm_54,
};

constexpr int ofdm_preamble_and_signal_us = 20; // 16 us training + 4 us SIGNAL
constexpr int ofdm_symbol_us = 4;
constexpr int ofdm_service_bits = 16;
constexpr int ofdm_tail_bits = 6;
constexpr int erp_signal_extension_us = 6;
constexpr int dsss_long_preamble_and_header_us = 192; // 144 + 48

std::int64_t ceil_div(std::int64_t num, std::int64_t den) { return (num + den - 1) / den; }

std::int64_t ofdm_ppdu_us(Rate rate, Band band, std::size_t psdu_bytes)
{
	const auto bits = ofdm_service_bits + 8 * static_cast<std::int64_t>(psdu_bytes) + ofdm_tail_bits;
	const auto symbols = ceil_div(bits, ofdm_data_bits_per_symbol(rate));
	const int extension_us = band == Band::ghz_2_4 ? erp_signal_extension_us : 0;
	return ofdm_preamble_and_signal_us + ofdm_symbol_us * symbols + extension_us;
}

std::int64_t dsss_ppdu_us(Rate rate, std::size_t psdu_bytes)
{
	// LENGTH = ceil(8 * bytes / rate_mbps) us, computed in 100 kbit/s units.
	const auto payload_us = ceil_div(80 * static_cast<std::int64_t>(psdu_bytes), rate_100kbps(rate));
	return dsss_long_preamble_and_header_us + payload_us;
}

bool same_class(Rate a, Rate b) { return is_ofdm(a) == is_ofdm(b); }

std::optional<Rate> highest_at_most(Rate data_rate, std::span<const Rate> candidates)
{
	std::optional<Rate> best;
	for (Rate r : candidates) {
		if (!same_class(r, data_rate) || rate_100kbps(r) > rate_100kbps(data_rate))
			continue;
		if (!best || rate_100kbps(r) > rate_100kbps(*best))
			best = r;
	}
	return best;
}

} // namespace

std::span<const Rate> all_rates() { return all_rates_table; }
std::span<const Rate> dsss_rates() { return std::span(all_rates_table).first(4); }
std::span<const Rate> ofdm_rates() { return std::span(all_rates_table).subspan(4); }

std::optional<Rate> rate_from_100kbps(int value_100kbps)
{
	for (Rate r : all_rates_table)
		if (rate_100kbps(r) == value_100kbps)
			return r;
	return std::nullopt;
}

bool rate_allowed_in(Rate rate, Band band) { return band == Band::ghz_2_4 || is_ofdm(rate); }

int ofdm_data_bits_per_symbol(Rate rate)
{
	if (!is_ofdm(rate))
		throw std::invalid_argument("ofdm_data_bits_per_symbol: not an OFDM rate");
	// At 20 MHz one symbol lasts 4 us, so N_DBPS = rate_mbps * 4.
	return rate_100kbps(rate) * ofdm_symbol_us / 10;
}

std::int64_t ppdu_duration_us(Rate rate, Band band, std::size_t psdu_bytes)
{
	if (!rate_allowed_in(rate, band))
		throw std::invalid_argument("ppdu_duration_us: DSSS/CCK rate in the 5 GHz band");
	return is_ofdm(rate) ? ofdm_ppdu_us(rate, band, psdu_bytes) : dsss_ppdu_us(rate, psdu_bytes);
}

MacTiming mac_timing(Band band)
{
	if (band == Band::ghz_5)
		return {.slot_us = 9, .sifs_us = 16, .cw_min = 15, .cw_max = 1023, .rx_phy_start_delay_us = 25};
	return {.slot_us = 9, .sifs_us = 10, .cw_min = 15, .cw_max = 1023, .rx_phy_start_delay_us = 25};
}

std::vector<Rate> default_basic_rates(Band band)
{
	if (band == Band::ghz_5)
		return {Rate::ofdm_6, Rate::ofdm_12, Rate::ofdm_24};
	return {Rate::dsss_1, Rate::dsss_2, Rate::cck_5_5, Rate::cck_11};
}

Rate control_response_rate(Rate data_rate, std::span<const Rate> basic_rates)
{
	if (auto basic = highest_at_most(data_rate, basic_rates))
		return *basic;
	static constexpr std::array<Rate, 7> mandatory{Rate::ofdm_6,  Rate::ofdm_12, Rate::ofdm_24,
						       Rate::dsss_1,  Rate::dsss_2,  Rate::cck_5_5,
						       Rate::cck_11};
	// Every class has a mandatory rate <= its lowest rate, so this always finds one.
	return *highest_at_most(data_rate, mandatory);
}

std::int64_t attempt_airtime_us(const AttemptTiming &timing, int backoff_slots, bool acked)
{
	const MacTiming &mac = timing.mac;
	std::int64_t total_us = mac.difs_us() + static_cast<std::int64_t>(backoff_slots) * mac.slot_us +
				ppdu_duration_us(timing.data_rate, timing.band, timing.psdu_bytes);
	if (acked)
		total_us += mac.sifs_us + ppdu_duration_us(timing.ack_rate, timing.band, ack_frame_bytes);
	else
		total_us += mac.ack_timeout_us();
	return total_us;
}

} // namespace airsim
