#include "error_model.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <numbers>
#include <span>

namespace airsim {
namespace {

double q_function(double x) { return 0.5 * std::erfc(x / std::numbers::sqrt2); }

// Uncoded BER of the subcarrier modulation, per the reference model.
double bpsk_ber(double snr) { return 0.5 * std::erfc(std::sqrt(snr)); }
double qpsk_ber(double snr) { return 0.5 * std::erfc(std::sqrt(snr / 2.0)); }
double qam16_ber(double snr) { return 0.75 * 0.5 * std::erfc(std::sqrt(snr / 10.0)); }
double qam64_ber(double snr) { return 7.0 / 12.0 * 0.5 * std::erfc(std::sqrt(snr / 42.0)); }

// sum_k c[k] * D^(first_distance + k)
double spectrum_sum(double d, int first_distance, int distance_step, std::span<const double> c)
{
	double sum = 0.0;
	for (std::size_t k = 0; k < c.size(); ++k)
		sum += c[k] * std::pow(d, first_distance + distance_step * static_cast<int>(k));
	return sum;
}

enum class CodeRate { half, two_thirds, three_quarters };

double coded_ber(double uncoded_ber, CodeRate code)
{
	if (uncoded_ber <= 0.0)
		return 0.0;
	const double d = std::sqrt(4.0 * uncoded_ber * (1.0 - uncoded_ber));
	static constexpr std::array<double, 9> half{36.0,      211.0,     1404.0,     11633.0,    77433.0,
						    502690.0,  3322763.0, 21292910.0, 134365911.0};
	static constexpr std::array<double, 10> two_thirds{3.0,      70.0,     285.0,     1276.0,
							   6160.0,   27128.0,  117019.0,  498860.0,
							   2103891.0, 8784123.0};
	static constexpr std::array<double, 10> three_quarters{
		42.0, 201.0, 1492.0, 10469.0, 62935.0, 379644.0, 2253373.0, 13073811.0, 75152755.0, 428005675.0};
	double pe = 1.0;
	switch (code) {
	case CodeRate::half: pe = 0.5 * spectrum_sum(d, 10, 2, half); break;
	case CodeRate::two_thirds: pe = 1.0 / 4.0 * spectrum_sum(d, 6, 1, two_thirds); break;
	case CodeRate::three_quarters: pe = 1.0 / 6.0 * spectrum_sum(d, 5, 1, three_quarters); break;
	}
	return std::min(pe, 1.0);
}

double ofdm_ber(Rate rate, double snr)
{
	switch (rate) {
	case Rate::ofdm_6: return coded_ber(bpsk_ber(snr), CodeRate::half);
	case Rate::ofdm_9: return coded_ber(bpsk_ber(snr), CodeRate::three_quarters);
	case Rate::ofdm_12: return coded_ber(qpsk_ber(snr), CodeRate::half);
	case Rate::ofdm_18: return coded_ber(qpsk_ber(snr), CodeRate::three_quarters);
	case Rate::ofdm_24: return coded_ber(qam16_ber(snr), CodeRate::half);
	case Rate::ofdm_36: return coded_ber(qam16_ber(snr), CodeRate::three_quarters);
	case Rate::ofdm_48: return coded_ber(qam64_ber(snr), CodeRate::two_thirds);
	default: return coded_ber(qam64_ber(snr), CodeRate::three_quarters); // 54
	}
}

double dqpsk_ber(double eb_n0)
{
	const double sin_term = std::sin(std::numbers::pi / (4.0 * std::numbers::sqrt2));
	return q_function(std::sqrt(4.0 * eb_n0) * sin_term);
}

double dsss_ber(Rate rate, double snr)
{
	constexpr double channel_100khz = 220.0; // 22 MHz
	const double eb_n0 = snr * channel_100khz / static_cast<double>(rate_100kbps(rate));
	if (rate == Rate::dsss_1)
		return 0.5 * std::exp(-eb_n0);
	return dqpsk_ber(eb_n0);
}

} // namespace

double db_to_linear(double value_db) { return std::pow(10.0, value_db / 10.0); }

double bit_error_rate(Rate rate, double snr_db)
{
	const double snr = db_to_linear(snr_db);
	return is_ofdm(rate) ? ofdm_ber(rate, snr) : dsss_ber(rate, snr);
}

double packet_error_rate(Rate rate, double snr_db, std::size_t psdu_bytes)
{
	const double ber = bit_error_rate(rate, snr_db);
	if (ber >= 1.0)
		return 1.0;
	const double bits = 8.0 * static_cast<double>(psdu_bytes);
	// 1 - (1 - ber)^bits, computed without losing tiny error rates to rounding.
	return -std::expm1(bits * std::log1p(-ber));
}

double snr_db_for_per(Rate rate, double target_per, std::size_t psdu_bytes)
{
	// PER is monotone decreasing in SNR, so bisect.
	double low_db = -20.0;
	double high_db = 60.0;
	while (high_db - low_db > 0.01) {
		const double mid_db = (low_db + high_db) / 2.0;
		if (packet_error_rate(rate, mid_db, psdu_bytes) <= target_per)
			high_db = mid_db;
		else
			low_db = mid_db;
	}
	return high_db;
}

} // namespace airsim
