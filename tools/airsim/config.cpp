#include "config.h"

#include <algorithm>
#include <fstream>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>

namespace airsim {
namespace {

using nlohmann::json;

[[noreturn]] void fail(const std::string &path, const std::string &message)
{
	throw ConfigError((path.empty() ? std::string("<root>") : path) + ": " + message);
}

std::string join(const std::string &path, std::string_view key)
{
	return path.empty() ? std::string(key) : path + "." + std::string(key);
}

std::string index(const std::string &path, std::size_t i) { return path + "[" + std::to_string(i) + "]"; }

void require_object(const json &j, const std::string &path, std::initializer_list<std::string_view> allowed)
{
	if (!j.is_object())
		fail(path, "must be an object");
	for (const auto &item : j.items())
		if (std::find(allowed.begin(), allowed.end(), item.key()) == allowed.end())
			fail(join(path, item.key()), "unknown field");
}

const json &require_array(const json &j, const std::string &path)
{
	if (!j.is_array())
		fail(path, "must be an array");
	return j;
}

double get_number(const json &j, const std::string &path)
{
	if (!j.is_number())
		fail(path, "must be a number");
	return j.get<double>();
}

double get_probability(const json &j, const std::string &path)
{
	const double p = get_number(j, path);
	if (p < 0.0 || p > 1.0)
		fail(path, "must be between 0 and 1");
	return p;
}

std::string get_string(const json &j, const std::string &path)
{
	if (!j.is_string() || j.get<std::string>().empty())
		fail(path, "must be a non-empty string");
	return j.get<std::string>();
}

// Optional member: nullptr when absent.
const json *member(const json &obj, std::string_view key)
{
	auto it = obj.find(key);
	return it == obj.end() ? nullptr : &*it;
}

const json &required_member(const json &obj, const std::string &path, std::string_view key)
{
	const json *m = member(obj, key);
	if (!m)
		fail(join(path, key), "missing");
	return *m;
}

Position get_position(const json &j, const std::string &path)
{
	if (!j.is_array() || j.size() < 2 || j.size() > 3)
		fail(path, "must be an array of 2 or 3 numbers [x_m, y_m, z_m]");
	Position p;
	p.x_m = get_number(j[0], index(path, 0));
	p.y_m = get_number(j[1], index(path, 1));
	if (j.size() == 3)
		p.z_m = get_number(j[2], index(path, 2));
	return p;
}

const RadioConfig &known_radio(const Config &config, const json &j, const std::string &path)
{
	const std::string name = get_string(j, path);
	const RadioConfig *radio = config.find_radio(name);
	if (!radio)
		fail(path, "unknown radio \"" + name + "\"");
	return *radio;
}

PathLossParams parse_path_loss(const json &j, const std::string &path)
{
	require_object(j, path, {"exponent", "noise_floor_dbm"});
	PathLossParams params;
	if (const json *e = member(j, "exponent")) {
		params.exponent = get_number(*e, join(path, "exponent"));
		if (params.exponent <= 0.0)
			fail(join(path, "exponent"), "must be > 0");
	}
	if (const json *n = member(j, "noise_floor_dbm"))
		params.noise_floor_dbm = get_number(*n, join(path, "noise_floor_dbm"));
	return params;
}

RadioConfig parse_radio(const json &j, const std::string &path)
{
	require_object(j, path, {"name", "position", "tx_power_dbm", "freq_mhz", "hwsim_index"});
	RadioConfig radio;
	radio.name = get_string(required_member(j, path, "name"), join(path, "name"));
	if (const json *p = member(j, "position"))
		radio.position = get_position(*p, join(path, "position"));
	if (const json *t = member(j, "tx_power_dbm"))
		radio.tx_power_dbm = get_number(*t, join(path, "tx_power_dbm"));
	if (const json *f = member(j, "freq_mhz")) {
		if (!f->is_number_integer())
			fail(join(path, "freq_mhz"), "must be an integer");
		const auto freq = f->get<std::int64_t>();
		const auto band = freq > 0 && freq < 100000 ? band_of_freq_mhz(static_cast<int>(freq)) : std::nullopt;
		if (!band)
			fail(join(path, "freq_mhz"), "must be a 2.4 GHz (2412..2484) or 5 GHz (4900..5925) channel");
		radio.freq_mhz = static_cast<int>(freq);
		radio.band = *band;
	}
	if (const json *h = member(j, "hwsim_index")) {
		if (!h->is_number_unsigned() || h->get<std::uint64_t>() > 65535)
			fail(join(path, "hwsim_index"), "must be an integer in 0..65535");
		radio.hwsim_index = h->get<int>();
	}
	return radio;
}

LinkConfig parse_link(const Config &config, const json &j, const std::string &path)
{
	require_object(j, path, {"from", "to", "snr_db", "loss", "lost_ack", "symmetric"});
	LinkConfig link;
	const RadioConfig &from = known_radio(config, required_member(j, path, "from"), join(path, "from"));
	const RadioConfig &to = known_radio(config, required_member(j, path, "to"), join(path, "to"));
	if (from.name == to.name)
		fail(join(path, "to"), "must differ from \"from\"");
	if (from.freq_mhz != to.freq_mhz)
		fail(path, "\"" + from.name + "\" and \"" + to.name + "\" are on different channels");
	link.from = from.name;
	link.to = to.name;
	const json *snr = member(j, "snr_db");
	const json *loss = member(j, "loss");
	if ((snr != nullptr) == (loss != nullptr))
		fail(path, "give exactly one of snr_db or loss");
	if (snr)
		link.snr_db = get_number(*snr, join(path, "snr_db"));
	if (loss)
		link.loss = get_probability(*loss, join(path, "loss"));
	if (const json *a = member(j, "lost_ack"))
		link.lost_ack = get_probability(*a, join(path, "lost_ack"));
	if (const json *s = member(j, "symmetric")) {
		if (!s->is_boolean())
			fail(join(path, "symmetric"), "must be true or false");
		link.symmetric = s->get<bool>();
	}
	return link;
}

void parse_links(Config &config, const json &j, const std::string &path)
{
	std::set<std::pair<std::string, std::string>> seen;
	for (std::size_t i = 0; i < require_array(j, path).size(); ++i) {
		LinkConfig link = parse_link(config, j[i], index(path, i));
		std::vector<std::pair<std::string, std::string>> directions{{link.from, link.to}};
		if (link.symmetric)
			directions.emplace_back(link.to, link.from);
		for (const auto &d : directions)
			if (!seen.insert(d).second)
				fail(index(path, i), "duplicate link " + d.first + " -> " + d.second);
		config.links.push_back(std::move(link));
	}
}

void parse_hidden_pairs(Config &config, const json &j, const std::string &path)
{
	for (std::size_t i = 0; i < require_array(j, path).size(); ++i) {
		const std::string item = index(path, i);
		if (!j[i].is_array() || j[i].size() != 2)
			fail(item, "must be an array of two radio names");
		const RadioConfig &a = known_radio(config, j[i][0], index(item, 0));
		const RadioConfig &b = known_radio(config, j[i][1], index(item, 1));
		if (a.name == b.name)
			fail(item, "a radio cannot be hidden from itself");
		config.hidden_pairs.emplace_back(a.name, b.name);
	}
}

const RadioConfig &positioned_radio(const Config &config, const json &j, const std::string &path)
{
	const RadioConfig &radio = known_radio(config, required_member(j, path, "radio"), join(path, "radio"));
	if (!radio.position)
		fail(join(path, "radio"), "radio \"" + radio.name + "\" has no position to change");
	return radio;
}

SetPosition parse_set_position(const Config &config, const json &j, const std::string &path)
{
	require_object(j, path, {"radio", "position"});
	const RadioConfig &radio = positioned_radio(config, j, path);
	return {radio.name, get_position(required_member(j, path, "position"), join(path, "position"))};
}

MoveToward parse_move(const Config &config, const json &j, const std::string &path)
{
	require_object(j, path, {"radio", "toward", "speed_mps"});
	const RadioConfig &radio = positioned_radio(config, j, path);
	MoveToward move{radio.name, get_position(required_member(j, path, "toward"), join(path, "toward")), 0.0};
	move.speed_mps = get_number(required_member(j, path, "speed_mps"), join(path, "speed_mps"));
	if (move.speed_mps <= 0.0)
		fail(join(path, "speed_mps"), "must be > 0");
	return move;
}

// A schedule event ("at_s" required) or a control command (no "at_s").
SetPower parse_set_power(const Config &config, const json &j, const std::string &path)
{
	require_object(j, path, {"radio", "tx_power_dbm"});
	const RadioConfig &radio = known_radio(config, required_member(j, path, "radio"), join(path, "radio"));
	return {radio.name, get_number(required_member(j, path, "tx_power_dbm"), join(path, "tx_power_dbm"))};
}

ScheduleEvent parse_event(const Config &config, const json &j, const std::string &path, bool timed = true)
{
	if (timed)
		require_object(j, path, {"at_s", "set_link", "set_position", "move", "set_power"});
	else
		require_object(j, path, {"set_link", "set_position", "move", "set_power"});
	ScheduleEvent event{0.0, SetLink{}};
	if (timed) {
		event.at_s = get_number(required_member(j, path, "at_s"), join(path, "at_s"));
		if (event.at_s < 0.0)
			fail(join(path, "at_s"), "must be >= 0");
	}
	if (j.size() != (timed ? 2U : 1U))
		fail(path, "give exactly one of set_link, set_position, move or set_power");
	if (const json *s = member(j, "set_link"))
		event.action = SetLink{parse_link(config, *s, join(path, "set_link"))};
	else if (const json *p = member(j, "set_position"))
		event.action = parse_set_position(config, *p, join(path, "set_position"));
	else if (const json *w = member(j, "set_power"))
		event.action = parse_set_power(config, *w, join(path, "set_power"));
	else
		event.action = parse_move(config, j.at("move"), join(path, "move"));
	return event;
}

void parse_schedule(Config &config, const json &j, const std::string &path)
{
	for (std::size_t i = 0; i < require_array(j, path).size(); ++i)
		config.schedule.push_back(parse_event(config, j[i], index(path, i)));
	std::stable_sort(config.schedule.begin(), config.schedule.end(),
			 [](const ScheduleEvent &a, const ScheduleEvent &b) { return a.at_s < b.at_s; });
}

void parse_radios(Config &config, const json &j, const std::string &path)
{
	if (require_array(j, path).empty())
		fail(path, "must list at least one radio");
	for (std::size_t i = 0; i < j.size(); ++i) {
		RadioConfig radio = parse_radio(j[i], index(path, i));
		if (!member(j[i], "hwsim_index"))
			radio.hwsim_index = static_cast<int>(i);
		if (config.find_radio(radio.name))
			fail(join(index(path, i), "name"), "duplicate radio \"" + radio.name + "\"");
		for (const RadioConfig &other : config.radios)
			if (other.hwsim_index == radio.hwsim_index)
				fail(index(path, i), "radios \"" + other.name + "\" and \"" + radio.name +
						       "\" are the same hwsim radio " + std::to_string(radio.hwsim_index));
		config.radios.push_back(std::move(radio));
	}
}

} // namespace

const RadioConfig *Config::find_radio(std::string_view name) const
{
	for (const RadioConfig &radio : radios)
		if (radio.name == name)
			return &radio;
	return nullptr;
}

std::optional<Band> band_of_freq_mhz(int freq_mhz)
{
	if (freq_mhz >= 2412 && freq_mhz <= 2484)
		return Band::ghz_2_4;
	if (freq_mhz >= 4900 && freq_mhz <= 5925)
		return Band::ghz_5;
	return std::nullopt;
}

Band band_or_2ghz(int freq_mhz)
{
	return band_of_freq_mhz(freq_mhz).value_or(Band::ghz_2_4);
}

Config parse_config(const json &doc)
{
	require_object(doc, "", {"seed", "path_loss", "radios", "links", "hidden_pairs", "schedule", "overhear"});
	Config config;
	if (const json *s = member(doc, "seed")) {
		if (!s->is_number_unsigned())
			fail("seed", "must be a non-negative integer");
		config.seed = s->get<std::uint64_t>();
	}
	if (const json *o = member(doc, "overhear")) {
		if (!o->is_boolean())
			fail("overhear", "must be true or false");
		config.overhear = o->get<bool>();
	}
	if (const json *p = member(doc, "path_loss"))
		config.path_loss = parse_path_loss(*p, "path_loss");
	parse_radios(config, required_member(doc, "", "radios"), "radios");
	if (const json *l = member(doc, "links"))
		parse_links(config, *l, "links");
	if (const json *h = member(doc, "hidden_pairs"))
		parse_hidden_pairs(config, *h, "hidden_pairs");
	if (const json *s = member(doc, "schedule"))
		parse_schedule(config, *s, "schedule");
	return config;
}

Config parse_config_text(std::string_view text)
{
	json doc;
	try {
		doc = json::parse(text);
	} catch (const json::parse_error &e) {
		fail("", std::string("invalid JSON: ") + e.what());
	}
	return parse_config(doc);
}

ScheduleEvent parse_command_text(const Config &config, std::string_view text)
{
	json doc;
	try {
		doc = json::parse(text);
	} catch (const json::parse_error &e) {
		fail("", std::string("invalid JSON: ") + e.what());
	}
	return parse_event(config, doc, "", false);
}

namespace {

json position_to_json(const Position &p) { return json::array({p.x_m, p.y_m, p.z_m}); }

json link_to_json(const LinkConfig &link)
{
	json j = {{"from", link.from}, {"to", link.to}, {"symmetric", link.symmetric}, {"lost_ack", link.lost_ack}};
	if (link.snr_db)
		j["snr_db"] = *link.snr_db;
	if (link.loss)
		j["loss"] = *link.loss;
	return j;
}

} // namespace

json action_to_json(const ScheduleEvent &event)
{
	if (const auto *s = std::get_if<SetLink>(&event.action))
		return {{"set_link", link_to_json(s->link)}};
	if (const auto *p = std::get_if<SetPosition>(&event.action))
		return {{"set_position", {{"radio", p->radio}, {"position", position_to_json(p->position)}}}};
	if (const auto *w = std::get_if<SetPower>(&event.action))
		return {{"set_power", {{"radio", w->radio}, {"tx_power_dbm", w->tx_power_dbm}}}};
	const auto &m = std::get<MoveToward>(event.action);
	return {{"move", {{"radio", m.radio}, {"toward", position_to_json(m.target)}, {"speed_mps", m.speed_mps}}}};
}

Config load_config_file(const std::string &path)
{
	std::ifstream in(path);
	if (!in)
		throw ConfigError(path + ": cannot open");
	std::ostringstream text;
	text << in.rdbuf();
	return parse_config_text(text.str());
}

} // namespace airsim
