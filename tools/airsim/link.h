// airsim: one directed radio link and the frame exchange over it.
//
// A link's quality is either an SNR (given, or computed from positions with a
// log-distance path-loss model) fed to the error model, or a fixed per-attempt
// loss probability that overrides the error model (useful to test estimators
// against an exactly known p).
//
// The attempt simulator plays out one MPDU against the tx rate table that
// mac80211 hands to mac80211_hwsim (up to 4 (rate, count) entries, tried in
// order): every attempt draws a backoff, may be received (then the receiver
// gets a copy, with the retry bit on every attempt after the first, 9.2.4.1.5)
// and may be acknowledged.  A received copy whose ACK is lost makes the sender
// retry, so the receiver sees duplicates: the case the client-side estimator
// must cope with.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <random>
#include <vector>

#include "phy.h"

namespace airsim {

// ---- geometry and path loss -------------------------------------------------

struct Position {
	double x_m = 0.0;
	double y_m = 0.0;
	double z_m = 0.0;
};

double distance_m(const Position &a, const Position &b);

// Free-space (Friis) loss at 1 m: 20 log10(4 pi f / c) (~40.0 dB at 2412 MHz,
// ~46.7 dB at 5180 MHz).
double friis_loss_at_1m_db(double freq_mhz);

// Log-distance model: L(d) = L(1 m) + 10 n log10(d / 1 m); distances under 1 m
// count as 1 m (the model is not meant for the near field).
double log_distance_loss_db(double distance, double freq_mhz, double exponent);

struct PathLossParams {
	double exponent = 3.0;         // ~2 free space, ~3 indoor office
	double noise_floor_dbm = -95.0; // thermal noise in 20 MHz (-101 dBm) + ~6 dB noise figure
};

double snr_from_geometry_db(double tx_power_dbm, const Position &tx, const Position &rx,
			    double freq_mhz, const PathLossParams &params);

// ---- link -------------------------------------------------------------------

struct LinkParams {
	Band band = Band::ghz_5;
	double snr_db = 30.0;
	// When set, every data attempt fails with this probability, whatever the SNR.
	std::optional<double> loss_probability;
	// Probability that a received data frame's ACK is lost (independently of
	// the ACK's own error rate, which comes from the error model at snr_db when
	// no loss_probability is set).
	double lost_ack_probability = 0.0;
	std::vector<Rate> basic_rates = default_basic_rates(Band::ghz_5);
};

// Probability that one data attempt at `rate` is not received.
double data_loss_probability(const LinkParams &link, Rate rate, std::size_t psdu_bytes);
// Probability that the ACK to a received attempt at data_rate does not arrive.
double ack_loss_probability(const LinkParams &link, Rate data_rate);

// ---- attempt simulator --------------------------------------------------------

// One entry of mac80211's tx rate table.
struct RateTry {
	Rate rate;
	int count; // attempts at this rate, >= 1
};

inline constexpr std::size_t max_rate_table_entries = 4; // IEEE80211_TX_MAX_RATES

struct DeliveredCopy {
	int attempt;     // 0-based attempt number
	Rate rate;
	bool retry_bit;  // set on every attempt after the first
};

struct TxOutcome {
	int attempts = 0;                    // attempts used (what the sender reports)
	std::vector<int> attempts_per_entry; // per rate table entry, as in tx status
	std::optional<Rate> acked_rate;      // rate of the acknowledged attempt
	std::vector<DeliveredCopy> delivered; // copies the receiver got, in order
	std::int64_t airtime_us = 0;         // sum over attempts (phy.h attempt_airtime_us)
	bool dropped = true;                 // no attempt was acknowledged

	bool acked() const { return !dropped; }
};

struct SimulatorOptions {
	// When set, every backoff is this many slots instead of uniform in [0, CW]:
	// the deterministic mode for exact airtime checks.
	std::optional<int> fixed_backoff_slots;
};

class AttemptSimulator {
public:
	explicit AttemptSimulator(std::uint64_t seed, SimulatorOptions options = {});

	// Plays out one MPDU of psdu_bytes (including FCS) over `link`.
	// Throws std::invalid_argument for an empty or over-long table, a count
	// < 1, or a rate not usable in the link's band.
	TxOutcome transmit(const LinkParams &link, std::size_t psdu_bytes, const std::vector<RateTry> &table);

	// Uniform in [0, 1) from 53 random bits: the same sequence with every
	// standard library (std::uniform_real_distribution is not specified exactly).
	double uniform01();
	bool happens(double probability) { return uniform01() < probability; }
	// A backoff in [0, cw] slots (or the fixed one of the options).
	int draw_backoff_slots(int cw);

private:

	std::mt19937_64 rng_;
	SimulatorOptions options_;
};

} // namespace airsim
