#include "link.h"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <stdexcept>

#include "error_model.h"

namespace airsim {
namespace {

constexpr double speed_of_light_mps = 299792458.0;

void validate_table(const LinkParams &link, const std::vector<RateTry> &table)
{
	if (table.empty() || table.size() > max_rate_table_entries)
		throw std::invalid_argument("transmit: rate table must have 1 to 4 entries");
	for (const RateTry &entry : table) {
		if (entry.count < 1)
			throw std::invalid_argument("transmit: rate table count must be >= 1");
		if (!rate_allowed_in(entry.rate, link.band))
			throw std::invalid_argument("transmit: rate not usable in the link's band");
	}
}

int next_contention_window(int cw, int cw_max) { return std::min(2 * cw + 1, cw_max); }

} // namespace

double distance_m(const Position &a, const Position &b)
{
	return std::hypot(a.x_m - b.x_m, a.y_m - b.y_m, a.z_m - b.z_m);
}

double friis_loss_at_1m_db(double freq_mhz)
{
	const double freq_hz = freq_mhz * 1e6;
	return 20.0 * std::log10(4.0 * std::numbers::pi * freq_hz / speed_of_light_mps);
}

double log_distance_loss_db(double distance, double freq_mhz, double exponent)
{
	const double d = std::max(distance, 1.0);
	return friis_loss_at_1m_db(freq_mhz) + 10.0 * exponent * std::log10(d);
}

double snr_from_geometry_db(double tx_power_dbm, const Position &tx, const Position &rx,
			    double freq_mhz, const PathLossParams &params)
{
	const double loss_db = log_distance_loss_db(distance_m(tx, rx), freq_mhz, params.exponent);
	return tx_power_dbm - loss_db - params.noise_floor_dbm;
}

double data_loss_probability(const LinkParams &link, Rate rate, std::size_t psdu_bytes)
{
	if (link.loss_probability)
		return *link.loss_probability;
	return packet_error_rate(rate, link.snr_db, psdu_bytes);
}

double ack_loss_probability(const LinkParams &link, Rate data_rate)
{
	double ack_error = 0.0;
	if (!link.loss_probability) {
		// The ACK travels the other way; we use this link's SNR for it, exact
		// for symmetric links (the config's default).
		const Rate ack_rate = control_response_rate(data_rate, link.basic_rates);
		ack_error = packet_error_rate(ack_rate, link.snr_db, ack_frame_bytes);
	}
	return 1.0 - (1.0 - ack_error) * (1.0 - link.lost_ack_probability);
}

AttemptSimulator::AttemptSimulator(std::uint64_t seed, SimulatorOptions options)
	: rng_(seed), options_(options)
{
}

double AttemptSimulator::uniform01()
{
	constexpr double two_pow_minus_53 = 1.0 / 9007199254740992.0;
	return static_cast<double>(rng_() >> 11) * two_pow_minus_53;
}

int AttemptSimulator::draw_backoff_slots(int cw)
{
	if (options_.fixed_backoff_slots)
		return *options_.fixed_backoff_slots;
	// Modulo bias is below 2^-54 for cw <= 1023: negligible.
	return static_cast<int>(rng_() % static_cast<std::uint64_t>(cw + 1));
}

TxOutcome AttemptSimulator::transmit(const LinkParams &link, std::size_t psdu_bytes,
				     const std::vector<RateTry> &table)
{
	validate_table(link, table);
	const MacTiming mac = mac_timing(link.band);
	TxOutcome out;
	out.attempts_per_entry.assign(table.size(), 0);
	int cw = mac.cw_min;
	for (std::size_t entry = 0; entry < table.size() && out.dropped; ++entry) {
		const Rate rate = table[entry].rate;
		const AttemptTiming timing{.band = link.band,
					   .mac = mac,
					   .data_rate = rate,
					   .ack_rate = control_response_rate(rate, link.basic_rates),
					   .psdu_bytes = psdu_bytes};
		const double p_data_loss = data_loss_probability(link, rate, psdu_bytes);
		const double p_ack_loss = ack_loss_probability(link, rate);
		for (int i = 0; i < table[entry].count && out.dropped; ++i) {
			const int backoff_slots = draw_backoff_slots(cw);
			const bool received = !happens(p_data_loss);
			const bool acked = received && !happens(p_ack_loss);
			if (received)
				out.delivered.push_back({.attempt = out.attempts, .rate = rate,
							 .retry_bit = out.attempts > 0});
			out.airtime_us += attempt_airtime_us(timing, backoff_slots, acked);
			++out.attempts;
			++out.attempts_per_entry[entry];
			if (acked) {
				out.dropped = false;
				out.acked_rate = rate;
			} else {
				cw = next_contention_window(cw, mac.cw_max);
			}
		}
	}
	return out;
}

} // namespace airsim
