// SPDX-License-Identifier: GPL-2.0
#include <gtest/gtest.h>

#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "cli/output.h"

namespace mpwifi::cli {
namespace {

ApStats fullAp()
{
	ApStats a;
	a.ifindex = 3;
	a.ifname = "wlan0";
	a.station = {0x02, 0x00, 0x00, 0x00, 0x00, 0x01};
	a.bssid = {0xAA, 0xBB, 0xCC, 0x0D, 0xEE, 0xFF};
	a.first_try = 1000;
	a.retried = 50;
	a.lost = 7;
	a.window_start_ns = 1'000'000'000;
	a.window_end_ns = 2'000'000'000;
	a.window_first_try = 90;
	a.window_retried = 10;
	a.window_lost = 2;
	a.window_rated = 85;
	a.delivery_prob = 0.9;
	a.bitrate_kbps = 54'000;
	a.packet_time_ns = 250'123;
	a.last_rx_ns = 1'999'000'000;
	a.phy = Phy::Ht;
	a.ect = 500;
	a.marked = 20;
	a.ce_seen = 3;
	a.window_ect = 40;
	a.window_marked = 2;
	a.ecn_marking = true;
	a.ecn_delta_ppm = 50'000;
	a.airtime_ppm = 534'049; // 53.4049%
	a.busy_ppm = 999'950;    // 99.995%: rounds to 100.0
	return a;
}

ApStats emptyAp()
{
	ApStats a;
	a.ifindex = 4;
	a.ifname = "wlan1";
	a.bssid = {0x02, 0x00, 0x00, 0x00, 0x02, 0x00};
	return a;
}

std::vector<std::string> words(const std::string &line)
{
	std::istringstream in(line);
	std::vector<std::string> out;
	for (std::string w; in >> w;)
		out.push_back(w);
	return out;
}

std::vector<std::string> lines(const std::string &text)
{
	std::istringstream in(text);
	std::vector<std::string> out;
	for (std::string l; std::getline(in, l);)
		out.push_back(l);
	return out;
}

TEST(ApJson, HasExactlyTheContractKeys)
{
	const Json j = toJson(fullAp());
	std::set<std::string> keys;
	for (const auto &[key, value] : j.items())
		keys.insert(key);
	const std::set<std::string> contract = {
		"ifname", "ifindex", "station", "bssid", "first_try", "retried", "lost", "delivery_prob",
		"bitrate_kbps", "packet_time_us", "window_start_ns", "window_end_ns", "window_first_try",
		"window_retried", "window_lost", "window_rated", "last_rx_ns", "phy", "ect", "marked", "ce_seen",
		"window_ect", "window_marked", "mark_rate", "ecn_marking", "mark_delta", "airtime_pct", "busy_pct",
		"priority", "priority_changes"};
	EXPECT_EQ(keys, contract);
}

TEST(ApJson, PriorityIsTheEndpointsFlagAndNullWithoutOne)
{
	ApStats a = fullAp();
	EXPECT_TRUE(toJson(a)["priority"].is_null());
	EXPECT_EQ(toJson(a)["priority_changes"], 0);
	a.backup = true;
	a.priority_changes = 3;
	EXPECT_EQ(toJson(a)["priority"], "backup");
	EXPECT_EQ(toJson(a)["priority_changes"], 3);
	a.backup = false;
	EXPECT_EQ(toJson(a)["priority"], "regular");
}

TEST(ApJson, Values)
{
	const Json j = toJson(fullAp());
	EXPECT_EQ(j["ifname"], "wlan0");
	EXPECT_EQ(j["ifindex"], 3);
	EXPECT_EQ(j["station"], "02:00:00:00:00:01");
	EXPECT_EQ(j["bssid"], "aa:bb:cc:0d:ee:ff");
	EXPECT_EQ(j["first_try"], 1000);
	EXPECT_EQ(j["retried"], 50);
	EXPECT_EQ(j["lost"], 7);
	EXPECT_DOUBLE_EQ(j["delivery_prob"].get<double>(), 0.9);
	EXPECT_EQ(j["bitrate_kbps"], 54000);
	EXPECT_DOUBLE_EQ(j["packet_time_us"].get<double>(), 250.123);
	EXPECT_EQ(j["window_start_ns"], 1'000'000'000);
	EXPECT_EQ(j["window_end_ns"], 2'000'000'000);
	EXPECT_EQ(j["window_first_try"], 90);
	EXPECT_EQ(j["window_retried"], 10);
	EXPECT_EQ(j["window_lost"], 2);
	EXPECT_EQ(j["window_rated"], 85);
	EXPECT_EQ(j["last_rx_ns"], 1'999'000'000);
	EXPECT_EQ(j["phy"], "ht");
	// Numbers are JSON numbers, not strings.
	EXPECT_TRUE(j["first_try"].is_number_unsigned());
	EXPECT_TRUE(j["packet_time_us"].is_number_float());
}

TEST(ApJson, EcnValues)
{
	const Json j = toJson(fullAp());
	EXPECT_EQ(j["ect"], 500);
	EXPECT_EQ(j["marked"], 20);
	EXPECT_EQ(j["ce_seen"], 3);
	EXPECT_EQ(j["window_ect"], 40);
	EXPECT_EQ(j["window_marked"], 2);
	EXPECT_DOUBLE_EQ(j["mark_rate"].get<double>(), 0.05);
	EXPECT_EQ(j["ecn_marking"], true);
	EXPECT_DOUBLE_EQ(j["mark_delta"].get<double>(), 0.05);
	EXPECT_TRUE(j["ect"].is_number_unsigned());
	EXPECT_TRUE(j["mark_rate"].is_number_float());
	EXPECT_TRUE(j["ecn_marking"].is_boolean());

	ApStats a = fullAp();
	a.window_marked = 40;
	a.ecn_delta_ppm = 1'000'000;
	EXPECT_DOUBLE_EQ(toJson(a)["mark_rate"].get<double>(), 1.0);
	EXPECT_DOUBLE_EQ(toJson(a)["mark_delta"].get<double>(), 1.0);
	a.window_marked = 0;
	a.ecn_delta_ppm = 0;
	EXPECT_DOUBLE_EQ(toJson(a)["mark_rate"].get<double>(), 0.0);
	EXPECT_DOUBLE_EQ(toJson(a)["mark_delta"].get<double>(), 0.0);
	a.window_marked = 41; // never above 1, whatever a sample says
	EXPECT_DOUBLE_EQ(toJson(a)["mark_rate"].get<double>(), 1.0);
}

TEST(ApJson, EcnNulls)
{
	const Json empty = toJson(emptyAp());
	EXPECT_TRUE(empty["mark_rate"].is_null());
	EXPECT_TRUE(empty["mark_delta"].is_null());
	EXPECT_EQ(empty["ecn_marking"], false);
	EXPECT_EQ(empty["ect"], 0);
	EXPECT_EQ(empty["marked"], 0);

	// Marks without ECT packets in the window have no rate; a delta may
	// still be there.
	ApStats a = fullAp();
	a.window_ect = 0;
	a.ecn_delta_ppm.reset();
	const Json j = toJson(a);
	EXPECT_TRUE(j["mark_rate"].is_null());
	EXPECT_TRUE(j["mark_delta"].is_null());
	EXPECT_EQ(j["marked"], 20);
}

TEST(ApJson, AirtimeAndBusyArePercentsWithOneDecimal)
{
	const Json j = toJson(fullAp());
	EXPECT_TRUE(j["airtime_pct"].is_number_float());
	EXPECT_DOUBLE_EQ(j["airtime_pct"].get<double>(), 53.4);
	EXPECT_DOUBLE_EQ(j["busy_pct"].get<double>(), 100.0);
	ApStats a = fullAp();
	a.airtime_ppm = 0;
	a.busy_ppm = 1'050; // 0.105%: 0.1
	EXPECT_DOUBLE_EQ(toJson(a)["airtime_pct"].get<double>(), 0.0);
	EXPECT_DOUBLE_EQ(toJson(a)["busy_pct"].get<double>(), 0.1);
}

TEST(ApJson, UnknownEstimatesAreNull)
{
	const Json j = toJson(emptyAp());
	EXPECT_TRUE(j["airtime_pct"].is_null());
	EXPECT_TRUE(j["busy_pct"].is_null());
	EXPECT_TRUE(j["delivery_prob"].is_null());
	EXPECT_TRUE(j["bitrate_kbps"].is_null());
	EXPECT_TRUE(j["packet_time_us"].is_null());
	EXPECT_EQ(j["phy"], "unknown");
	EXPECT_EQ(j["lost"], 0);
}

TEST(ApJson, LargeCountersSurvive)
{
	ApStats a = fullAp();
	a.first_try = UINT64_MAX;
	const Json j = Json::parse(toJson(a).dump());
	EXPECT_EQ(j["first_try"].get<std::uint64_t>(), UINT64_MAX);
}

TEST(PrintAps, JsonArray)
{
	std::ostringstream out;
	const std::vector<ApStats> aps = {fullAp(), emptyAp()};
	printAps(out, aps, {.json = true});
	const std::string text = out.str();
	EXPECT_EQ(lines(text).size(), 1u); // compact unless --pretty
	const Json j = Json::parse(text);
	ASSERT_TRUE(j.is_array());
	ASSERT_EQ(j.size(), 2u);
	EXPECT_EQ(j[0]["ifname"], "wlan0");
	EXPECT_EQ(j[1]["ifname"], "wlan1");
	EXPECT_TRUE(j[1]["bitrate_kbps"].is_null());

	std::ostringstream empty;
	printAps(empty, {}, {.json = true});
	EXPECT_EQ(empty.str(), "[]\n");

	std::ostringstream pretty;
	printAps(pretty, aps, {.json = true, .pretty = true});
	EXPECT_GT(lines(pretty.str()).size(), 10u);
	EXPECT_EQ(Json::parse(pretty.str()), j);
}

TEST(PrintApSample, OneStampedLinePerRefresh)
{
	std::ostringstream out;
	const std::vector<ApStats> aps = {fullAp(), emptyAp()};
	printApSample(out, 123456789012LL, aps, {.json = true});
	printApSample(out, 123556789012LL, {}, {.json = true});
	const auto text = lines(out.str());
	ASSERT_EQ(text.size(), 2u);
	const Json first = Json::parse(text[0]);
	EXPECT_EQ(first.size(), 2u);
	EXPECT_EQ(first["t_ns"].get<std::int64_t>(), 123456789012LL);
	ASSERT_EQ(first["aps"].size(), 2u);
	EXPECT_EQ(first["aps"][0], toJson(fullAp()));
	const Json second = Json::parse(text[1]);
	EXPECT_EQ(second["t_ns"].get<std::int64_t>(), 123556789012LL);
	EXPECT_TRUE(second["aps"].is_array());
	EXPECT_TRUE(second["aps"].empty());
}

TEST(PrintAps, TextTable)
{
	std::ostringstream out;
	const std::vector<ApStats> aps = {fullAp(), emptyAp()};
	printAps(out, aps, {});
	const auto rows = lines(out.str());
	ASSERT_EQ(rows.size(), 3u);
	EXPECT_EQ(words(rows[0]), (std::vector<std::string>{"IFNAME", "BSSID", "FIRST-TRY", "RETRIED", "LOST", "DELIV",
							       "RATE-Mb/s", "T-us", "AIR%", "BUSY%", "PRIO", "W-N0", "W-N1",
							       "W-LOST", "MARK"}));
	EXPECT_EQ(words(rows[1]), (std::vector<std::string>{"wlan0", "aa:bb:cc:0d:ee:ff", "1000", "50", "7", "0.9000",
							       "54.0", "250.1", "53.4", "100.0", "-", "90", "10", "2", "5.0%"}));
	EXPECT_EQ(words(rows[2]), (std::vector<std::string>{"wlan1", "02:00:00:00:02:00", "0", "0", "0", "-", "-", "-",
							       "-", "-", "-", "0", "0", "0", "-"}));
	// Columns line up: numbers are right-aligned and the last column is a
	// number, so every line has the same length.
	EXPECT_EQ(rows[0].size(), rows[1].size());
	EXPECT_EQ(rows[1].size(), rows[2].size());
	EXPECT_EQ(rows[0].find("BSSID"), rows[1].find("aa:bb"));
}

TEST(PrintAps, MarkColumn)
{
	ApStats a = fullAp();
	a.window_ect = 3;
	a.window_marked = 1; // 33.33...%
	ApStats b = fullAp();
	b.window_ect = 1000;
	b.window_marked = 1000;
	ApStats c = fullAp();
	c.window_marked = 0;
	std::ostringstream out;
	const std::vector<ApStats> aps = {a, b, c};
	printAps(out, aps, {});
	const auto rows = lines(out.str());
	ASSERT_EQ(rows.size(), 4u);
	EXPECT_EQ(words(rows[1]).back(), "33.3%");
	EXPECT_EQ(words(rows[2]).back(), "100.0%");
	EXPECT_EQ(words(rows[3]).back(), "0.0%");
	EXPECT_EQ(rows[0].size(), rows[2].size());
}

TEST(PrintAps, EmptyTableKeepsItsHeader)
{
	std::ostringstream out;
	printAps(out, {}, {});
	ASSERT_EQ(lines(out.str()).size(), 1u);
	EXPECT_EQ(words(out.str()).front(), "IFNAME");
}

TEST(PrintConfig, TextAndJson)
{
	const Config c{.window_ms = 1000, .max_aps = 64, .ap_bytes = 320, .rx_hook = true};
	std::ostringstream text;
	printConfig(text, c, {});
	EXPECT_EQ(text.str(), "window-ms 1000 max-aps 64 ap-bytes 320 rx-hook yes\n");

	std::ostringstream json;
	printConfig(json, {.window_ms = 50, .rx_hook = false}, {.json = true});
	EXPECT_EQ(nlohmann::json::parse(json.str()),
		  nlohmann::json::parse(R"({"rx_hook":false,"window_ms":50,"max_aps":0,"ap_bytes":0})"));
}

EcnConfig someEcn()
{
	return {.enabled = true,
		.law = EcnLaw::Uncoupled,
		.threshold_ppm = 200'000,
		.cap_ppm = 50'000,
		.budget_ppm = 25'000,
		.min_frames = 10,
		.stale_ms = 1000,
		.best_packet_time_ns = 250'123};
}

TEST(PrintEcn, JsonIsExact)
{
	std::ostringstream out;
	printEcn(out, someEcn(), {.json = true});
	EXPECT_EQ(out.str(), R"({"enabled":true,"law":"uncoupled","threshold_pct":20,"cap_pct":5,"budget_pct":2.5,)"
			     R"("min_frames":10,"stale_ms":1000,"best_packet_time_us":250.123})"
			     "\n");
}

TEST(PrintEcn, JsonNullAndSmallPercents)
{
	std::ostringstream out;
	printEcn(out,
		 {.enabled = false,
		  .law = EcnLaw::Seed,
		  .threshold_ppm = 217,
		  .cap_ppm = 0,
		  .budget_ppm = 1,
		  .min_frames = 100'000,
		  .stale_ms = 60'000},
		 {.json = true});
	EXPECT_EQ(out.str(), R"({"enabled":false,"law":"seed","threshold_pct":0.0217,"cap_pct":0,"budget_pct":0.0001,)"
			     R"("min_frames":100000,"stale_ms":60000,"best_packet_time_us":null})"
			     "\n");

	const Json j = Json::parse(out.str());
	EXPECT_TRUE(j["cap_pct"].is_number());
	EXPECT_DOUBLE_EQ(j["threshold_pct"].get<double>(), 0.0217);
	EXPECT_DOUBLE_EQ(j["budget_pct"].get<double>(), 0.0001);

	EcnConfig wide = someEcn();
	wide.threshold_ppm = 10'000'000;
	wide.cap_ppm = 1'000'000;
	wide.budget_ppm = 123'456;
	const Json w = toJson(wide);
	EXPECT_EQ(w["threshold_pct"], 1000);
	EXPECT_EQ(w["cap_pct"], 100);
	EXPECT_DOUBLE_EQ(w["budget_pct"].get<double>(), 12.3456);
}

TEST(PrintEcn, PrettyJsonIsTheSameObject)
{
	std::ostringstream out;
	printEcn(out, someEcn(), {.json = true, .pretty = true});
	EXPECT_EQ(lines(out.str()).size(), 10u);
	EXPECT_EQ(Json::parse(out.str()), Json::parse(R"({"enabled":true,"law":"uncoupled","threshold_pct":20,
		"cap_pct":5,"budget_pct":2.5,"min_frames":10,"stale_ms":1000,"best_packet_time_us":250.123})"));
}

TEST(PrintEcn, TextOneSettingPerLine)
{
	std::ostringstream out;
	printEcn(out, someEcn(), {});
	EXPECT_EQ(out.str(), "enabled on\n"
			     "law uncoupled\n"
			     "threshold 20%\n"
			     "cap 5%\n"
			     "budget 2.5%\n"
			     "min-frames 10\n"
			     "stale-ms 1000\n"
			     "best-packet-time-us 250.1\n");

	EcnConfig off = someEcn();
	off.enabled = false;
	off.law = EcnLaw::Seed;
	off.threshold_ppm = 217;
	off.best_packet_time_ns.reset();
	std::ostringstream text;
	printEcn(text, off, {});
	const auto rows = lines(text.str());
	ASSERT_EQ(rows.size(), 8u);
	EXPECT_EQ(rows[0], "enabled off");
	EXPECT_EQ(rows[1], "law seed");
	EXPECT_EQ(rows[2], "threshold 0.0217%");
	EXPECT_EQ(rows[7], "best-packet-time-us -");
}

TEST(PrintEvent, OneLinePerEvent)
{
	ApEvent ev;
	ev.kind = ApEvent::Kind::Del;
	ev.ifindex = 3;
	ev.ifname = "wlan0";
	ev.station = {0x02, 0, 0, 0, 0, 0x01};
	ev.bssid = {0xAA, 0xBB, 0xCC, 0x0D, 0xEE, 0xFF};

	std::ostringstream text;
	printEvent(text, ev, {});
	EXPECT_EQ(text.str(), "ap-del ifname wlan0 ifindex 3 station 02:00:00:00:00:01 bssid aa:bb:cc:0d:ee:ff\n");

	std::ostringstream json;
	ev.kind = ApEvent::Kind::New;
	printEvent(json, ev, {.json = true});
	EXPECT_EQ(lines(json.str()).size(), 1u);
	EXPECT_EQ(nlohmann::json::parse(json.str()), nlohmann::json::parse(R"({"event":"ap-new","ifname":"wlan0",
		"ifindex":3,"station":"02:00:00:00:00:01","bssid":"aa:bb:cc:0d:ee:ff"})"));
}

} // namespace
} // namespace mpwifi::cli
