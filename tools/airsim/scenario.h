// airsim: the state of a configured scenario at a point in time: positions
// (including radios moving linearly), per-direction link settings, and the
// LinkParams the attempt simulator needs for a (transmitter, receiver) pair.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "config.h"
#include "link.h"

namespace airsim {

class Scenario {
public:
	explicit Scenario(Config config);

	// Applies every schedule event with at_s <= t_s, in order.  Time only moves
	// forward: std::invalid_argument if t_s < now_s().
	void advance_to(double t_s);
	// Applies one action (a control command) now, whatever its at_s.
	void apply_now(const ScheduleEvent &event) { apply(event); }
	double now_s() const { return now_s_; }

	const Config &config() const { return config_; }

	// Position at now_s(); nullopt for a radio without position (or unknown).
	std::optional<Position> position(std::string_view radio) const;

	// What `from` -> `to` looks like now.  nullopt when `to` cannot hear `from`:
	// unknown radio, different channels, or neither an explicit link nor two
	// positions to compute an SNR from.
	std::optional<LinkParams> link(std::string_view from, std::string_view to) const;

	// The same on an explicit frequency (the channel a frame is really sent
	// on), ignoring the channels the config gives the two radios.
	std::optional<LinkParams> link_on(std::string_view from, std::string_view to, int freq_mhz) const;

	bool hidden(std::string_view a, std::string_view b) const;

private:
	struct Motion {
		Position start;
		Position target;
		double speed_mps;
		double start_s;
	};
	struct RadioState {
		std::optional<Position> position;
		std::optional<Motion> motion;
		std::optional<double> tx_power_dbm; // set_power; the config's until then
	};
	using Direction = std::pair<std::string, std::string>;

	void apply(const ScheduleEvent &event);
	void set_link(const LinkConfig &link);
	std::optional<Position> position_at(const RadioState &state, double t_s) const;

	Config config_;
	double now_s_ = 0.0;
	std::size_t next_event_ = 0;
	std::map<std::string, RadioState, std::less<>> radios_;
	std::map<Direction, LinkConfig> links_;
};

} // namespace airsim
