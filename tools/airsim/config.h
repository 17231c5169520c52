// airsim: the JSON scenario description, parsed and validated as a whole.
//
// Layout (every field but "radios" optional; unknown fields are errors so that
// typos do not pass silently):
// {
//   "seed": 42,                                   // non-negative integer, default 1
//   "path_loss": {"exponent": 3.0, "noise_floor_dbm": -95},
//   "radios": [{"name": "ap1", "freq_mhz": 2412, "tx_power_dbm": 20,
//               "position": [x_m, y_m] or [x_m, y_m, z_m],
//               "hwsim_index": 0}],                 // default: position in this list
//   "links": [{"from": "ap1", "to": "sta", "snr_db": 25 | "loss": 0.1,
//              "lost_ack": 0.01, "symmetric": true}],
//   "hidden_pairs": [["ap1", "ap2"]],
//   "schedule": [{"at_s": 10, "set_link": {<as a link>}},
//                {"at_s": 20, "set_position": {"radio": "sta", "position": [5, 0]}},
//                {"at_s": 30, "move": {"radio": "sta", "toward": [40, 0], "speed_mps": 1.4}},
//                {"at_s": 40, "set_power": {"radio": "ap1", "tx_power_dbm": 25}}]
// }
// A link gives exactly one of snr_db / loss; "symmetric" (default true) makes
// it apply in both directions.  Radios with positions but no explicit link get
// their SNR from the log-distance model.  Errors throw ConfigError whose
// message starts with the JSON path of the offending field, e.g.
// "links[1].snr_db: must be a number"; nothing is returned half-built.
//
// A control command (sent to a running medium) is one schedule action without
// "at_s": {"set_link": {...}}, {"set_position": {...}}, {"move": {...}} or {"set_power": {...}},
// checked against the config's radios the same way.
#pragma once

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "link.h"
#include "phy.h"

namespace airsim {

class ConfigError : public std::runtime_error {
public:
	using std::runtime_error::runtime_error;
};

struct RadioConfig {
	std::string name;
	std::optional<Position> position;
	double tx_power_dbm = 20.0;
	int freq_mhz = 2412;
	Band band = Band::ghz_2_4;
	int hwsim_index = 0; // the mac80211_hwsim radio this is (creation order from 0)
};

struct LinkConfig {
	std::string from;
	std::string to;
	bool symmetric = true;
	std::optional<double> snr_db; // exactly one of snr_db / loss is set
	std::optional<double> loss;
	double lost_ack = 0.0;
};

struct SetLink {
	LinkConfig link;
};
struct SetPosition {
	std::string radio;
	Position position;
};
// A step change of a radio's transmit power (the SNR of its positioned links).
struct SetPower {
	std::string radio;
	double tx_power_dbm;
};
struct MoveToward {
	std::string radio;
	Position target;
	double speed_mps;
};

struct ScheduleEvent {
	double at_s;
	std::variant<SetLink, SetPosition, MoveToward, SetPower> action;
};

struct Config {
	std::uint64_t seed = 1;
	PathLossParams path_loss;
	std::vector<RadioConfig> radios;
	std::vector<LinkConfig> links;
	std::vector<std::pair<std::string, std::string>> hidden_pairs;
	std::vector<ScheduleEvent> schedule; // sorted by at_s, ties in file order
	// Unicast frames also reach every other radio that hears the sender, as on
	// real air; false delivers them to the addressed radio only (each copy
	// costs the emulator a netlink message and the receiving kernel an rx).
	bool overhear = true;

	const RadioConfig *find_radio(std::string_view name) const;
};

Config parse_config(const nlohmann::json &doc);
// JSON syntax errors are reported as ConfigError too ("<root>: invalid JSON: ...").
Config parse_config_text(std::string_view text);
Config load_config_file(const std::string &path);

// A control command, returned as an event with at_s = 0.
ScheduleEvent parse_command_text(const Config &config, std::string_view text);

// The action of an event in the config's form, e.g. {"set_link": {...}}.
nlohmann::json action_to_json(const ScheduleEvent &event);

// Band of a channel centre frequency; nullopt outside 2412..2484 and 4900..5925 MHz.
std::optional<Band> band_of_freq_mhz(int freq_mhz);
// The same for a frequency already accepted as a channel (2.4 GHz outside those ranges).
Band band_or_2ghz(int freq_mhz);

} // namespace airsim
