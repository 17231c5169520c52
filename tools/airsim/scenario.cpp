#include "scenario.h"

#include <algorithm>
#include <stdexcept>

namespace airsim {

Scenario::Scenario(Config config) : config_(std::move(config))
{
	for (const RadioConfig &radio : config_.radios)
		radios_[radio.name] = RadioState{radio.position, std::nullopt, std::nullopt};
	for (const LinkConfig &link : config_.links)
		set_link(link);
	advance_to(0.0); // events at t = 0 describe the initial state
}

void Scenario::set_link(const LinkConfig &link)
{
	links_[{link.from, link.to}] = link;
	if (link.symmetric)
		links_[{link.to, link.from}] = link;
}

std::optional<Position> Scenario::position_at(const RadioState &state, double t_s) const
{
	if (!state.motion)
		return state.position;
	const Motion &m = *state.motion;
	const double total_m = distance_m(m.start, m.target);
	const double travelled_m = std::min(total_m, m.speed_mps * (t_s - m.start_s));
	if (total_m <= 0.0 || travelled_m >= total_m)
		return m.target;
	const double f = travelled_m / total_m;
	return Position{m.start.x_m + f * (m.target.x_m - m.start.x_m),
			m.start.y_m + f * (m.target.y_m - m.start.y_m),
			m.start.z_m + f * (m.target.z_m - m.start.z_m)};
}

void Scenario::apply(const ScheduleEvent &event)
{
	if (const auto *s = std::get_if<SetLink>(&event.action)) {
		set_link(s->link);
	} else if (const auto *p = std::get_if<SetPosition>(&event.action)) {
		RadioState &state = radios_[p->radio];
		state.position = p->position;
		state.motion.reset();
	} else if (const auto *w = std::get_if<SetPower>(&event.action)) {
		radios_[w->radio].tx_power_dbm = w->tx_power_dbm;
	} else {
		const auto &move = std::get<MoveToward>(event.action);
		RadioState &state = radios_[move.radio];
		// Start from wherever an earlier motion has brought the radio.
		const Position start = position_at(state, event.at_s).value_or(Position{});
		state.position = start;
		state.motion = Motion{start, move.target, move.speed_mps, event.at_s};
	}
}

void Scenario::advance_to(double t_s)
{
	if (t_s < now_s_)
		throw std::invalid_argument("Scenario::advance_to: time went backwards");
	const auto &schedule = config_.schedule;
	while (next_event_ < schedule.size() && schedule[next_event_].at_s <= t_s)
		apply(schedule[next_event_++]);
	now_s_ = t_s;
}

std::optional<Position> Scenario::position(std::string_view radio) const
{
	auto it = radios_.find(radio);
	if (it == radios_.end())
		return std::nullopt;
	return position_at(it->second, now_s_);
}

std::optional<LinkParams> Scenario::link(std::string_view from, std::string_view to) const
{
	const RadioConfig *tx = config_.find_radio(from);
	const RadioConfig *rx = config_.find_radio(to);
	if (!tx || !rx || tx->freq_mhz != rx->freq_mhz)
		return std::nullopt;
	return link_on(from, to, tx->freq_mhz);
}

std::optional<LinkParams> Scenario::link_on(std::string_view from, std::string_view to, int freq_mhz) const
{
	const RadioConfig *tx = config_.find_radio(from);
	const RadioConfig *rx = config_.find_radio(to);
	const std::optional<Band> band = band_of_freq_mhz(freq_mhz);
	if (!tx || !rx || tx == rx || !band)
		return std::nullopt;
	LinkParams params;
	params.band = *band;
	params.basic_rates = default_basic_rates(*band);
	auto explicit_link = links_.find({tx->name, rx->name});
	if (explicit_link != links_.end()) {
		const LinkConfig &link = explicit_link->second;
		params.lost_ack_probability = link.lost_ack;
		params.loss_probability = link.loss;
		if (link.snr_db)
			params.snr_db = *link.snr_db;
		return params;
	}
	const auto tx_pos = position(from);
	const auto rx_pos = position(to);
	if (!tx_pos || !rx_pos)
		return std::nullopt;
	const auto state = radios_.find(tx->name);
	const double power_dbm = state != radios_.end() && state->second.tx_power_dbm ? *state->second.tx_power_dbm
										      : tx->tx_power_dbm;
	params.snr_db = snr_from_geometry_db(power_dbm, *tx_pos, *rx_pos, freq_mhz, config_.path_loss);
	return params;
}

bool Scenario::hidden(std::string_view a, std::string_view b) const
{
	return std::any_of(config_.hidden_pairs.begin(), config_.hidden_pairs.end(), [&](const auto &pair) {
		return (pair.first == a && pair.second == b) || (pair.first == b && pair.second == a);
	});
}

} // namespace airsim
