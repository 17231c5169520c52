// SPDX-License-Identifier: GPL-2.0
// Output of trust show, trust peer show and policy show.
#include <gtest/gtest.h>

#include <sstream>
#include <string>
#include <vector>

#include "cli/output.h"

namespace mpwifi::cli {
namespace {

std::vector<InterfaceTrust> interfaces()
{
	return {{.ifindex = 1, .ifname = "lo", .level = TrustLevel::Trusted, .source = TrustSource::Auto},
		{.ifindex = 3, .ifname = "wlan0", .level = TrustLevel::Untrusted, .source = TrustSource::None},
		{.ifindex = 4, .ifname = "eth0", .level = TrustLevel::Trusted, .source = TrustSource::Manual}};
}

Policy policy()
{
	Policy p;
	p.first_subflow = FirstSubflow::Prefer;
	p.trusted_sched = true;
	p.peer_default = TrustLevel::Untrusted;
	p.sched_available = false;
	p.sched_reason = "no hook";
	p.trusted_sends = 1;
	p.refused_sends = 2;
	p.redirects = 3;
	p.waits = 4;
	p.resumes = 5;
	p.guard_refused = 6;
	p.egress_drops = 7;
	p.connect_steered = 8;
	p.connect_refused = 9;
	p.connections = 10;
	p.range_epochs = 11;
	p.range_reorders = 12;
	p.refused_unconnected = 13;
	p.refused_limit = 14;
	p.resends = 15;
	return p;
}

template <typename Print>
std::string printed(Print &&print)
{
	std::ostringstream out;
	print(out);
	return out.str();
}

TEST(TrustOutput, JsonArray)
{
	const auto rows = interfaces();
	EXPECT_EQ(printed([&](std::ostream &o) { printTrust(o, rows, {.json = true}); }),
		  R"([{"ifname":"lo","ifindex":1,"level":"trusted","source":"auto"},)"
		  R"({"ifname":"wlan0","ifindex":3,"level":"untrusted","source":"none"},)"
		  R"({"ifname":"eth0","ifindex":4,"level":"trusted","source":"manual"}])"
		  "\n");
	EXPECT_EQ(printed([&](std::ostream &o) { printTrust(o, {}, {.json = true}); }), "[]\n");
}

TEST(TrustOutput, TextTable)
{
	const auto rows = interfaces();
	EXPECT_EQ(printed([&](std::ostream &o) { printTrust(o, rows, {}); }),
		  "IFNAME    IFINDEX  LEVEL      SOURCE\n"
		  "lo              1  trusted    auto\n"
		  "wlan0           3  untrusted  none\n"
		  "eth0            4  trusted    manual\n");
}

TEST(PeerOutput, JsonAndText)
{
	const std::vector<PeerTrust> peers{{parsePrefix("192.0.2.0/24"), TrustLevel::Trusted},
					   {parsePrefix("2001:db8::/32"), TrustLevel::Untrusted}};
	EXPECT_EQ(printed([&](std::ostream &o) { printPeers(o, peers, {.json = true}); }),
		  R"([{"prefix":"192.0.2.0/24","level":"trusted"},{"prefix":"2001:db8::/32","level":"untrusted"}])"
		  "\n");
	EXPECT_EQ(printed([&](std::ostream &o) { printPeers(o, peers, {}); }),
		  "PREFIX              LEVEL\n"
		  "192.0.2.0/24        trusted\n"
		  "2001:db8::/32       untrusted\n");
}

TEST(PolicyOutput, JsonIsExact)
{
	EXPECT_EQ(printed([&](std::ostream &o) { printPolicy(o, policy(), {.json = true}); }),
		  R"({"first_subflow":"prefer","trusted_sched":true,"peer_default":"untrusted",)"
		  R"("sched_available":false,"sched_reason":"no hook","trusted_sends":1,"refused_sends":2,)"
		  R"("redirects":3,"waits":4,"resumes":5,"guard_refused":6,"egress_drops":7,"connect_steered":8,)"
		  R"("connect_refused":9,"connections":10,"range_epochs":11,"range_reorders":12,)"
		  R"("refused_unconnected":13,"refused_limit":14,"resends":15})"
		  "\n");
	Policy available = policy();
	available.sched_available = true;
	available.sched_reason.clear();
	const Json j = toJson(available);
	EXPECT_TRUE(j["sched_reason"].is_null());
	EXPECT_EQ(j["sched_available"], true);
}

TEST(PolicyOutput, TextOneSettingPerLine)
{
	EXPECT_EQ(printed([&](std::ostream &o) { printPolicy(o, policy(), {}); }),
		  "first-subflow prefer\n"
		  "trusted-sched on\n"
		  "peer-default untrusted\n"
		  "sched-available no: no hook\n"
		  "trusted-sends 1\n"
		  "refused-sends 2\n"
		  "redirects 3\n"
		  "waits 4\n"
		  "resumes 5\n"
		  "guard-refused 6\n"
		  "egress-drops 7\n"
		  "connect-steered 8\n"
		  "connect-refused 9\n"
		  "connections 10\n"
		  "range-epochs 11\n"
		  "range-reorders 12\n"
		  "refused-unconnected 13\n"
		  "refused-limit 14\n"
		  "resends 15\n");
}

} // namespace
} // namespace mpwifi::cli
