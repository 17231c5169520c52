#include <gtest/gtest.h>

#include "config.h"
#include "scenario.h"

namespace airsim {
namespace {

Scenario make(const std::string &rest)
{
	return Scenario(parse_config_text(R"({"path_loss": {"exponent": 3, "noise_floor_dbm": -95},
		"radios": [{"name": "ap", "freq_mhz": 2412, "tx_power_dbm": 20, "position": [0, 0]},
		           {"name": "sta", "freq_mhz": 2412, "position": [10, 0]},
		           {"name": "other", "freq_mhz": 5180, "position": [5, 0]},
		           {"name": "blind", "freq_mhz": 2412}])" +
					  rest + "}"));
}

TEST(Scenario, GeometryGivesSnr)
{
	const Scenario s = make("");
	const auto link = s.link("ap", "sta");
	ASSERT_TRUE(link.has_value());
	EXPECT_EQ(link->band, Band::ghz_2_4);
	EXPECT_FALSE(link->loss_probability.has_value());
	// 20 dBm - (40.09 + 30) dB + 95 dBm
	EXPECT_NEAR(link->snr_db, 44.91, 0.01);
	EXPECT_EQ(link->basic_rates, default_basic_rates(Band::ghz_2_4));
}

TEST(Scenario, NoLinkAcrossChannelsOrWithoutInformation)
{
	const Scenario s = make("");
	EXPECT_FALSE(s.link("ap", "other").has_value());
	EXPECT_FALSE(s.link("ap", "blind").has_value());
	EXPECT_FALSE(s.link("ap", "ap").has_value());
	EXPECT_FALSE(s.link("ap", "nobody").has_value());
}

TEST(Scenario, ExplicitLinksOverrideGeometryPerDirection)
{
	const Scenario s = make(R"(, "links": [{"from": "ap", "to": "sta", "snr_db": 12, "symmetric": false},
	                                      {"from": "sta", "to": "ap", "loss": 0.25, "lost_ack": 0.1, "symmetric": false},
	                                      {"from": "ap", "to": "blind", "snr_db": 7}])");
	EXPECT_DOUBLE_EQ(s.link("ap", "sta")->snr_db, 12.0);
	EXPECT_FALSE(s.link("ap", "sta")->loss_probability.has_value());
	EXPECT_EQ(s.link("sta", "ap")->loss_probability, 0.25);
	EXPECT_DOUBLE_EQ(s.link("sta", "ap")->lost_ack_probability, 0.1);
	EXPECT_DOUBLE_EQ(s.link("blind", "ap")->snr_db, 7.0);
}

TEST(Scenario, ScheduleChangesLinksAtTheirTime)
{
	Scenario s = make(R"(, "links": [{"from": "ap", "to": "sta", "snr_db": 30}],
	                      "schedule": [{"at_s": 5, "set_link": {"from": "ap", "to": "sta", "loss": 0.5,
	                                                            "symmetric": false}}])");
	s.advance_to(4.999);
	EXPECT_FALSE(s.link("ap", "sta")->loss_probability.has_value());
	s.advance_to(5.0);
	EXPECT_EQ(s.link("ap", "sta")->loss_probability, 0.5);
	EXPECT_FALSE(s.link("sta", "ap")->loss_probability.has_value());
	EXPECT_THROW(s.advance_to(1.0), std::invalid_argument);
}

TEST(Scenario, PowerStepRaisesTheSnrOfPositionedLinksOnly)
{
	// The seed's Fig. 2.3 situation: the AP's power goes up by 6 dB at t = 5 s.
	Scenario s = make(R"(, "links": [{"from": "ap", "to": "blind", "loss": 0.2}],
	                      "schedule": [{"at_s": 5, "set_power": {"radio": "ap", "tx_power_dbm": 26}}])");
	EXPECT_NEAR(s.link("ap", "sta")->snr_db, 44.91, 0.01);
	EXPECT_NEAR(s.link("sta", "ap")->snr_db, 44.91, 0.01); // sta keeps the config's 20 dBm
	s.advance_to(5.0);
	EXPECT_NEAR(s.link("ap", "sta")->snr_db, 50.91, 0.01);
	EXPECT_NEAR(s.link("sta", "ap")->snr_db, 44.91, 0.01);
	EXPECT_EQ(s.link("ap", "blind")->loss_probability, 0.2); // explicit links ignore power
}

TEST(Scenario, RadiosMoveLinearlyAndStop)
{
	Scenario s = make(R"(, "schedule": [{"at_s": 1, "move": {"radio": "sta", "toward": [10, 20], "speed_mps": 2}},
	                                    {"at_s": 20, "set_position": {"radio": "sta", "position": [1, 1]}}])");
	s.advance_to(3.0);
	EXPECT_DOUBLE_EQ(s.position("sta")->y_m, 4.0);
	EXPECT_DOUBLE_EQ(s.position("sta")->x_m, 10.0);
	const double snr_at_3_db = s.link("ap", "sta")->snr_db;
	s.advance_to(15.0);
	EXPECT_DOUBLE_EQ(s.position("sta")->y_m, 20.0); // arrived at t = 11 and stays
	EXPECT_LT(s.link("ap", "sta")->snr_db, snr_at_3_db);
	s.advance_to(20.0);
	EXPECT_DOUBLE_EQ(s.position("sta")->x_m, 1.0);
	EXPECT_FALSE(s.position("blind").has_value());
}

TEST(Scenario, MoveContinuesFromCurrentPosition)
{
	Scenario s = make(R"(, "schedule": [{"at_s": 0, "move": {"radio": "sta", "toward": [10, 10], "speed_mps": 1}},
	                                    {"at_s": 5, "move": {"radio": "sta", "toward": [0, 5], "speed_mps": 1}}])");
	s.advance_to(7.0);
	EXPECT_NEAR(s.position("sta")->x_m, 8.0, 1e-12);
	EXPECT_NEAR(s.position("sta")->y_m, 5.0, 1e-12);
}

TEST(Scenario, HiddenPairsAreSymmetric)
{
	const Scenario s = make(R"(, "hidden_pairs": [["ap", "blind"]])");
	EXPECT_TRUE(s.hidden("blind", "ap"));
	EXPECT_TRUE(s.hidden("ap", "blind"));
	EXPECT_FALSE(s.hidden("ap", "sta"));
}

} // namespace
} // namespace airsim
