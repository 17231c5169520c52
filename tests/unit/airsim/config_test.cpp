#include <gtest/gtest.h>

#include <string>

#include <nlohmann/json.hpp>

#include "config.h"

#ifndef AIRSIM_EXAMPLES_DIR
#error "AIRSIM_EXAMPLES_DIR must point at tools/airsim/examples"
#endif

namespace airsim {
namespace {

const std::string radios =
	R"("radios": [{"name": "ap", "freq_mhz": 5180, "position": [0, 0]},
	              {"name": "sta", "freq_mhz": 5180, "position": [10, 0]},
	              {"name": "far", "freq_mhz": 2412}])";

std::string doc(const std::string &rest) { return "{" + radios + (rest.empty() ? "" : ", " + rest) + "}"; }

TEST(Config, ExampleFileParses)
{
	const Config config = load_config_file(AIRSIM_EXAMPLES_DIR "/two-aps.json");
	EXPECT_EQ(config.seed, 42u);
	EXPECT_DOUBLE_EQ(config.path_loss.exponent, 3.0);
	ASSERT_EQ(config.radios.size(), 4u);
	EXPECT_EQ(config.radios[1].freq_mhz, 2462);
	EXPECT_EQ(config.radios[1].band, Band::ghz_2_4);
	ASSERT_TRUE(config.radios[2].position.has_value());
	EXPECT_DOUBLE_EQ(config.radios[2].position->z_m, 1.0);
	ASSERT_EQ(config.links.size(), 1u);
	EXPECT_EQ(config.links[0].snr_db, 25.0);
	EXPECT_DOUBLE_EQ(config.links[0].lost_ack, 0.01);
	EXPECT_TRUE(config.links[0].symmetric);
	ASSERT_EQ(config.hidden_pairs.size(), 1u);
	ASSERT_EQ(config.schedule.size(), 3u);
	EXPECT_TRUE(std::holds_alternative<SetLink>(config.schedule[0].action));
	const auto &move = std::get<MoveToward>(config.schedule[1].action);
	EXPECT_EQ(move.radio, "sta-b");
	EXPECT_DOUBLE_EQ(move.speed_mps, 1.5);
	EXPECT_TRUE(std::holds_alternative<SetPosition>(config.schedule[2].action));
}

TEST(Config, DefaultsAndSorting)
{
	const Config config = parse_config_text(doc(R"("schedule": [
		{"at_s": 5, "set_position": {"radio": "sta", "position": [1, 1]}},
		{"at_s": 2, "set_link": {"from": "ap", "to": "sta", "loss": 0.5}}])"));
	EXPECT_EQ(config.seed, 1u);
	EXPECT_DOUBLE_EQ(config.radios[2].tx_power_dbm, 20.0);
	EXPECT_EQ(config.radios[2].band, Band::ghz_2_4);
	EXPECT_FALSE(config.radios[2].position.has_value());
	ASSERT_EQ(config.schedule.size(), 2u);
	EXPECT_DOUBLE_EQ(config.schedule[0].at_s, 2.0);
}

struct BadCase {
	std::string text;
	std::string message;
};

class ConfigErrors : public testing::TestWithParam<BadCase> {};

TEST_P(ConfigErrors, NamesTheBadField)
{
	try {
		parse_config_text(GetParam().text);
		FAIL() << "accepted: " << GetParam().text;
	} catch (const ConfigError &e) {
		EXPECT_EQ(std::string(e.what()), GetParam().message);
	}
}

const std::string link_ok = R"({"from": "ap", "to": "sta", "snr_db": 20})";

INSTANTIATE_TEST_SUITE_P(
	All, ConfigErrors,
	testing::Values(
		BadCase{"[]", "<root>: must be an object"},
		BadCase{"{}", "radios: missing"},
		BadCase{doc(R"("colour": 1)"), "colour: unknown field"},
		BadCase{doc(R"("seed": -1)"), "seed: must be a non-negative integer"},
		BadCase{doc(R"("seed": 1.5)"), "seed: must be a non-negative integer"},
		BadCase{doc(R"("overhear": 1)"), "overhear: must be true or false"},
		BadCase{doc(R"("path_loss": [])"), "path_loss: must be an object"},
		BadCase{doc(R"("path_loss": {"exponent": 0})"), "path_loss.exponent: must be > 0"},
		BadCase{doc(R"("path_loss": {"noise_floor_dbm": "low"})"), "path_loss.noise_floor_dbm: must be a number"},
		BadCase{doc(R"("path_loss": {"gain": 1})"), "path_loss.gain: unknown field"},
		BadCase{R"({"radios": []})", "radios: must list at least one radio"},
		BadCase{R"({"radios": {}})", "radios: must be an array"},
		BadCase{R"({"radios": [7]})", "radios[0]: must be an object"},
		BadCase{R"({"radios": [{}]})", "radios[0].name: missing"},
		BadCase{R"({"radios": [{"name": ""}]})", "radios[0].name: must be a non-empty string"},
		BadCase{R"({"radios": [{"name": "a"}, {"name": "a"}]})", "radios[1].name: duplicate radio \"a\""},
		BadCase{R"({"radios": [{"name": "a", "position": [1]}]})",
			"radios[0].position: must be an array of 2 or 3 numbers [x_m, y_m, z_m]"},
		BadCase{R"({"radios": [{"name": "a", "position": [1, "y"]}]})", "radios[0].position[1]: must be a number"},
		BadCase{R"({"radios": [{"name": "a", "tx_power_dbm": true}]})", "radios[0].tx_power_dbm: must be a number"},
		BadCase{R"({"radios": [{"name": "a", "freq_mhz": 2412.5}]})", "radios[0].freq_mhz: must be an integer"},
		BadCase{R"({"radios": [{"name": "a", "freq_mhz": 900}]})",
			"radios[0].freq_mhz: must be a 2.4 GHz (2412..2484) or 5 GHz (4900..5925) channel"},
		BadCase{doc(R"("links": {})"), "links: must be an array"},
		BadCase{doc(R"("links": [{"from": "ap", "to": "nope", "snr_db": 1}])"), "links[0].to: unknown radio \"nope\""},
		BadCase{doc(R"("links": [{"to": "sta", "snr_db": 1}])"), "links[0].from: missing"},
		BadCase{doc(R"("links": [{"from": "ap", "to": "ap", "snr_db": 1}])"), "links[0].to: must differ from \"from\""},
		BadCase{doc(R"("links": [{"from": "ap", "to": "far", "snr_db": 1}])"),
			"links[0]: \"ap\" and \"far\" are on different channels"},
		BadCase{doc(R"("links": [{"from": "ap", "to": "sta"}])"), "links[0]: give exactly one of snr_db or loss"},
		BadCase{doc(R"("links": [{"from": "ap", "to": "sta", "snr_db": 1, "loss": 0.1}])"),
			"links[0]: give exactly one of snr_db or loss"},
		BadCase{doc(R"("links": [)" + link_ok + R"(, {"from": "ap", "to": "sta", "snr_db": "x"}])"),
			"links[1].snr_db: must be a number"},
		BadCase{doc(R"("links": [{"from": "ap", "to": "sta", "loss": 1.5}])"), "links[0].loss: must be between 0 and 1"},
		BadCase{doc(R"("links": [{"from": "ap", "to": "sta", "loss": 0, "lost_ack": -0.1}])"),
			"links[0].lost_ack: must be between 0 and 1"},
		BadCase{doc(R"("links": [{"from": "ap", "to": "sta", "loss": 0, "symmetric": 1}])"),
			"links[0].symmetric: must be true or false"},
		BadCase{doc(R"("links": [)" + link_ok + R"(, {"from": "sta", "to": "ap", "loss": 0}])"),
			"links[1]: duplicate link sta -> ap"},
		BadCase{doc(R"("hidden_pairs": [["ap"]])"), "hidden_pairs[0]: must be an array of two radio names"},
		BadCase{doc(R"("hidden_pairs": [["ap", "zz"]])"), "hidden_pairs[0][1]: unknown radio \"zz\""},
		BadCase{doc(R"("hidden_pairs": [["ap", "ap"]])"), "hidden_pairs[0]: a radio cannot be hidden from itself"},
		BadCase{doc(R"("schedule": [{"set_link": )" + link_ok + "}]"), "schedule[0].at_s: missing"},
		BadCase{doc(R"("schedule": [{"at_s": -1, "set_link": )" + link_ok + "}]"), "schedule[0].at_s: must be >= 0"},
		BadCase{doc(R"("schedule": [{"at_s": 1}])"), "schedule[0]: give exactly one of set_link, set_position, move or set_power"},
		BadCase{doc(R"("schedule": [{"at_s": 1, "set_link": )" + link_ok +
			    R"(, "move": {"radio": "sta", "toward": [0, 0], "speed_mps": 1}}])"),
			"schedule[0]: give exactly one of set_link, set_position, move or set_power"},
		BadCase{doc(R"("schedule": [{"at_s": 1, "teleport": {}}])"), "schedule[0].teleport: unknown field"},
		BadCase{doc(R"("schedule": [{"at_s": 1, "set_link": {"from": "ap", "to": "sta", "snr_db": null}}])"),
			"schedule[0].set_link.snr_db: must be a number"},
		BadCase{doc(R"("schedule": [{"at_s": 1, "set_position": {"radio": "far", "position": [0, 0]}}])"),
			"schedule[0].set_position.radio: radio \"far\" has no position to change"},
		BadCase{doc(R"("schedule": [{"at_s": 1, "set_position": {"radio": "sta"}}])"),
			"schedule[0].set_position.position: missing"},
		BadCase{doc(R"("schedule": [{"at_s": 1, "move": {"radio": "sta", "toward": [0, 0], "speed_mps": 0}}])"),
			"schedule[0].move.speed_mps: must be > 0"},
		BadCase{doc(R"("schedule": [{"at_s": 1, "move": {"radio": "sta", "speed_mps": 1}}])"),
			"schedule[0].move.toward: missing"},
		BadCase{doc(R"("schedule": [{"at_s": 1, "move": {"radio": "x", "toward": [0, 0], "speed_mps": 1}}])"),
			"schedule[0].move.radio: unknown radio \"x\""}));

TEST(Config, InvalidJsonMessageStartsWithRoot)
{
	try {
		parse_config_text("{\"radios\": [");
		FAIL();
	} catch (const ConfigError &e) {
		EXPECT_EQ(std::string(e.what()).rfind("<root>: invalid JSON: ", 0), 0u) << e.what();
	}
}

TEST(Config, MissingFileIsAConfigError)
{
	EXPECT_THROW(load_config_file("/nonexistent/airsim.json"), ConfigError);
}

TEST(Config, BandOfFrequency)
{
	EXPECT_EQ(band_of_freq_mhz(2437), Band::ghz_2_4);
	EXPECT_EQ(band_of_freq_mhz(5745), Band::ghz_5);
	EXPECT_FALSE(band_of_freq_mhz(3600).has_value());
}

TEST(Config, HwsimIndexDefaultsToListPosition)
{
	const Config config = parse_config_text(doc(""));
	ASSERT_EQ(config.radios.size(), 3u);
	EXPECT_EQ(config.radios[0].hwsim_index, 0);
	EXPECT_EQ(config.radios[1].hwsim_index, 1);
	EXPECT_EQ(config.radios[2].hwsim_index, 2);
}

TEST(Config, HwsimIndexExplicit)
{
	// "a" takes 5, so "c" may take 0; "b" keeps its list position.
	const Config config = parse_config_text(R"({"radios": [{"name": "a", "hwsim_index": 5}, {"name": "b"},
	                                                        {"name": "c", "hwsim_index": 0},
	                                                        {"name": "d", "hwsim_index": 65535}]})");
	ASSERT_EQ(config.radios.size(), 4u);
	EXPECT_EQ(config.radios[0].hwsim_index, 5);
	EXPECT_EQ(config.radios[1].hwsim_index, 1);
	EXPECT_EQ(config.radios[2].hwsim_index, 0);
	EXPECT_EQ(config.radios[3].hwsim_index, 65535);
}

TEST(Config, DuplicateHwsimIndexNamesBothRadios)
{
	const std::string texts[] = {
		R"({"radios": [{"name": "a"}, {"name": "b", "hwsim_index": 0}]})",
		// An explicit index taken by a later radio's default one.
		R"({"radios": [{"name": "a", "hwsim_index": 1}, {"name": "b"}]})",
	};
	for (const std::string &text : texts) {
		SCOPED_TRACE(text);
		try {
			parse_config_text(text);
			ADD_FAILURE() << "accepted";
		} catch (const ConfigError &e) {
			const std::string message = e.what();
			EXPECT_EQ(message.rfind("radios[1]", 0), 0u) << message;
			EXPECT_NE(message.find("\"a\""), std::string::npos) << message;
			EXPECT_NE(message.find("\"b\""), std::string::npos) << message;
		}
	}
}

TEST(Config, HwsimIndexOutOfRange)
{
	for (const std::string value : {"-1", "65536", "1.5", "\"3\"", "null", "true"}) {
		SCOPED_TRACE(value);
		try {
			parse_config_text(R"({"radios": [{"name": "a", "hwsim_index": )" + value + "}]}");
			ADD_FAILURE() << "accepted";
		} catch (const ConfigError &e) {
			EXPECT_EQ(std::string(e.what()), "radios[0].hwsim_index: must be an integer in 0..65535");
		}
	}
}

TEST(Config, CommandSetLink)
{
	const Config config = parse_config_text(doc(""));
	const ScheduleEvent event = parse_command_text(
		config, R"({"set_link": {"from": "sta", "to": "ap", "loss": 0.25, "lost_ack": 0.5, "symmetric": false}})");
	EXPECT_DOUBLE_EQ(event.at_s, 0.0);
	ASSERT_TRUE(std::holds_alternative<SetLink>(event.action));
	const LinkConfig &link = std::get<SetLink>(event.action).link;
	EXPECT_EQ(link.from, "sta");
	EXPECT_EQ(link.to, "ap");
	EXPECT_EQ(link.loss, 0.25);
	EXPECT_FALSE(link.snr_db.has_value());
	EXPECT_DOUBLE_EQ(link.lost_ack, 0.5);
	EXPECT_FALSE(link.symmetric);
}

TEST(Config, CommandSetPositionAndMove)
{
	const Config config = parse_config_text(doc(""));
	const ScheduleEvent place = parse_command_text(config, R"({"set_position": {"radio": "sta", "position": [3, 4]}})");
	ASSERT_TRUE(std::holds_alternative<SetPosition>(place.action));
	EXPECT_EQ(std::get<SetPosition>(place.action).radio, "sta");
	EXPECT_DOUBLE_EQ(std::get<SetPosition>(place.action).position.y_m, 4.0);
	const ScheduleEvent move =
		parse_command_text(config, R"({"move": {"radio": "ap", "toward": [9, 0], "speed_mps": 2}})");
	ASSERT_TRUE(std::holds_alternative<MoveToward>(move.action));
	EXPECT_DOUBLE_EQ(std::get<MoveToward>(move.action).speed_mps, 2.0);
	EXPECT_DOUBLE_EQ(move.at_s, 0.0);
}

TEST(Config, CommandErrors)
{
	const Config config = parse_config_text(doc(""));
	const BadCase cases[] = {
		{R"({"at_s": 1, "set_link": )" + link_ok + "}", "at_s: unknown field"},
		{R"({"set_link": )" + link_ok + R"(, "move": {"radio": "sta", "toward": [0, 0], "speed_mps": 1}})",
		 "<root>: give exactly one of set_link, set_position, move or set_power"},
		{"{}", "<root>: give exactly one of set_link, set_position, move or set_power"},
		{"[1]", "<root>: must be an object"},
		{R"({"set_link": {"from": "ap", "to": "nope", "loss": 0}})", "set_link.to: unknown radio \"nope\""},
		{R"({"set_link": {"from": "ap", "to": "far", "loss": 0}})",
		 "set_link: \"ap\" and \"far\" are on different channels"},
		{R"({"set_position": {"radio": "ghost", "position": [0, 0]}})", "set_position.radio: unknown radio \"ghost\""},
		{R"({"move": {"radio": "far", "toward": [0, 0], "speed_mps": 1}})",
		 "move.radio: radio \"far\" has no position to change"},
		{R"({"teleport": {}})", "teleport: unknown field"},
	};
	for (const BadCase &c : cases) {
		SCOPED_TRACE(c.text);
		try {
			parse_command_text(config, c.text);
			ADD_FAILURE() << "accepted";
		} catch (const ConfigError &e) {
			EXPECT_EQ(std::string(e.what()), c.message);
		}
	}
	try {
		parse_command_text(config, R"({"set_link": )");
		ADD_FAILURE() << "accepted bad JSON";
	} catch (const ConfigError &e) {
		EXPECT_EQ(std::string(e.what()).rfind("<root>: invalid JSON: ", 0), 0u) << e.what();
	}
}

} // namespace
} // namespace airsim

namespace airsim {
namespace {

TEST(Config, SetPowerActions)
{
	const std::string two_radios = R"("radios": [{"name": "ap1"}, {"name": "sta1"}])";
	const Config config = parse_config_text("{" + two_radios + R"(, "schedule": [
		{"at_s": 3, "set_power": {"radio": "ap1", "tx_power_dbm": 23.5}}]})");
	ASSERT_EQ(config.schedule.size(), 1u);
	const auto &power = std::get<SetPower>(config.schedule[0].action);
	EXPECT_EQ(power.radio, "ap1");
	EXPECT_EQ(power.tx_power_dbm, 23.5);
	EXPECT_EQ(action_to_json(config.schedule[0]).dump(), R"({"set_power":{"radio":"ap1","tx_power_dbm":23.5}})");

	const ScheduleEvent command = parse_command_text(config, R"({"set_power": {"radio": "sta1", "tx_power_dbm": 5}})");
	EXPECT_EQ(std::get<SetPower>(command.action).radio, "sta1");
	auto error = [&](const std::string &text) {
		try {
			parse_command_text(config, text);
		} catch (const ConfigError &e) {
			return std::string(e.what());
		}
		return std::string("no error");
	};
	EXPECT_EQ(error(R"({"set_power": {"radio": "nobody", "tx_power_dbm": 5}})"),
		  "set_power.radio: unknown radio \"nobody\"");
	EXPECT_EQ(error(R"({"set_power": {"radio": "ap1"}})"), "set_power.tx_power_dbm: missing");
	EXPECT_EQ(error(R"({"set_power": {"radio": "ap1", "tx_power_dbm": "high"}})"),
		  "set_power.tx_power_dbm: must be a number");
}

} // namespace
} // namespace airsim
