// SPDX-License-Identifier: GPL-2.0
// wpa_supplicant's control interface, against a real wpa_supplicant: its
// global socket, an interface added through it (the "none" driver on lo,
// which touches no device), networks set from a networks file, and events
// interleaved with replies.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <unistd.h>

#include "base/child.h"
#include "daemon/wifi_networks.h"
#include "daemon/wpa_ctrl.h"

namespace mpwifi::daemon {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

constexpr auto kTimeout = 2000ms;
constexpr MacAddr kBssid{0x02, 0x00, 0x00, 0x00, 0x01, 0x00};

TEST(WpaEvent, ParsesLevelTextAndInterface)
{
	auto e = parseWpaEvent("<3>CTRL-EVENT-CONNECTED - Connection to 02:00:00:00:01:00 completed [id=0 id_str=]");
	ASSERT_TRUE(e);
	EXPECT_EQ(e->level, 3);
	EXPECT_EQ(e->ifname, "");
	EXPECT_TRUE(e->is("CTRL-EVENT-CONNECTED"));
	EXPECT_FALSE(e->is("CTRL-EVENT-CONNECT"));
	EXPECT_EQ(e->text, "CTRL-EVENT-CONNECTED - Connection to 02:00:00:00:01:00 completed [id=0 id_str=]");

	e = parseWpaEvent("IFNAME=mpw1 <2>CTRL-EVENT-DISCONNECTED bssid=02:00:00:00:01:00 reason=4");
	ASSERT_TRUE(e);
	EXPECT_EQ(e->ifname, "mpw1");
	EXPECT_EQ(e->level, 2);
	EXPECT_TRUE(e->is("CTRL-EVENT-DISCONNECTED"));

	e = parseWpaEvent("<2>CTRL-EVENT-SCAN-RESULTS");
	ASSERT_TRUE(e);
	EXPECT_TRUE(e->is("CTRL-EVENT-SCAN-RESULTS"));
}

TEST(WpaEvent, RepliesAndBrokenDatagramsAreNoEvents)
{
	for (const char *text : {"OK\n", "FAIL\n", "PONG\n", "bssid=02:00:00:00:01:00\nwpa_state=COMPLETED\n", "0\n",
				 "", "<", "<>TEXT", "<3", "<x>TEXT", "<3x>TEXT", "IFNAME=mpw1", "IFNAME= <3>TEXT",
				 "IFNAME=mpw1 OK"})
		EXPECT_FALSE(parseWpaEvent(text)) << '"' << text << '"';
}

TEST(WpaRequests, InterfaceAdd)
{
	EXPECT_EQ(interfaceAddRequest("mpw0", "nl80211", "/run/mpwifi/wpa"), "INTERFACE_ADD mpw0\t\tnl80211\t/run/mpwifi/wpa");
}

TEST(WpaRequests, StationNetworkKeepsTheFileAndPinsTheBssid)
{
	const auto nets = parseWifiNetworks(R"(network={
	ssid="home"
	psk="correct horse battery"
	key_mgmt=WPA-PSK SAE
	bssid=02:00:00:00:01:00
	bgscan="simple:30:-70:86400"
	priority=5
}
)",
					    "nets.conf");
	ASSERT_EQ(nets.size(), 1u);
	EXPECT_EQ(stationNetworkRequests(nets[0], 3, kBssid),
		  (std::vector<std::string>{"SET_NETWORK 3 ssid \"home\"", "SET_NETWORK 3 psk \"correct horse battery\"",
					    "SET_NETWORK 3 key_mgmt WPA-PSK SAE", "SET_NETWORK 3 priority 5",
					    "SET_NETWORK 3 bssid 02:00:00:00:01:00", "SET_NETWORK 3 bgscan \"\""}));
}

// A wpa_supplicant of the test's own, on its global socket in a fresh directory.
class RealWpaSupplicant : public ::testing::Test {
protected:
	void SetUp() override
	{
		if (::geteuid() != 0)
			GTEST_SKIP() << "wpa_supplicant drives an interface only as root";
		char tmpl[] = "/tmp/mpwifi-wpa-XXXXXX";
		ASSERT_NE(::mkdtemp(tmpl), nullptr);
		dir_ = tmpl;
		global_ = (dir_ / "global").string();
		wpa_ = base::Child::spawn({"wpa_supplicant", "-g", global_}, (dir_ / "log").string());
		const auto deadline = std::chrono::steady_clock::now() + 5s;
		while (!(ctrl_ = WpaCtrl::connect(global_)) && std::chrono::steady_clock::now() < deadline)
			std::this_thread::sleep_for(20ms);
		ASSERT_TRUE(ctrl_) << "wpa_supplicant's global socket " << global_ << " never answered";
	}

	void TearDown() override
	{
		ctrl_.reset();
		wpa_.reset();
		if (!dir_.empty())
			fs::remove_all(dir_);
	}

	fs::path dir_;
	std::string global_;
	std::optional<base::Child> wpa_;
	std::optional<WpaCtrl> ctrl_;
};

TEST_F(RealWpaSupplicant, GlobalSocketAnswers)
{
	EXPECT_EQ(ctrl_->request("PING", kTimeout), "PONG\n");
	EXPECT_EQ(ctrl_->request("INTERFACES", kTimeout), "");
	EXPECT_THROW(ctrl_->command("INTERFACE_REMOVE nosuch0", kTimeout), WpaCtrlError);
}

TEST_F(RealWpaSupplicant, NoSocketIsNoWpaSupplicant)
{
	EXPECT_FALSE(WpaCtrl::connect((dir_ / "nothing").string()));
	EXPECT_FALSE(wpaRequest(dir_.string(), "nosuch0", "STATUS", kTimeout));
}

TEST_F(RealWpaSupplicant, InterfaceNetworksAndEvents)
{
	const std::string ctrlDir = (dir_ / "ifaces").string();
	ctrl_->attach(kTimeout);
	ctrl_->command(interfaceAddRequest("lo", "none", ctrlDir), kTimeout);
	EXPECT_EQ(ctrl_->request("INTERFACES", kTimeout), "lo\n");
	EXPECT_THROW(ctrl_->command(interfaceAddRequest("lo", "none", ctrlDir), kTimeout), WpaCtrlError)
		<< "a second INTERFACE_ADD of one interface succeeded";

	auto lo = WpaCtrl::connect(ctrlDir + "/lo");
	ASSERT_TRUE(lo);
	lo->attach(kTimeout);
	lo->command("SET scan_cur_freq 1", kTimeout);

	const auto nets = parseWifiNetworks(R"(network={
	ssid=P"caf\xc3\xa9"
	key_mgmt=WPA-PSK
	psk="correct horse battery"
	bgscan="simple:30:-70:86400"
}
)",
					    "nets.conf");
	ASSERT_EQ(nets.size(), 1u);
	EXPECT_EQ(lo->request("ADD_NETWORK", kTimeout), "0\n");
	for (const std::string &r : stationNetworkRequests(nets[0], 0, kBssid))
		lo->command(r, kTimeout);
	// an SSID that is not plain ASCII comes back in hex
	EXPECT_EQ(lo->request("GET_NETWORK 0 ssid", kTimeout), "636166c3a9");
	EXPECT_EQ(lo->request("GET_NETWORK 0 bssid", kTimeout), "02:00:00:00:01:00");
	EXPECT_EQ(lo->request("GET_NETWORK 0 bgscan", kTimeout), "\"\"");
	EXPECT_EQ(lo->request("GET_NETWORK 0 key_mgmt", kTimeout), "WPA-PSK");
	// a value wpa_supplicant refuses is an error naming the request
	try {
		lo->command("SET_NETWORK 0 key_mgmt NO-SUCH-KEY-MGMT", kTimeout);
		ADD_FAILURE() << "a bad key_mgmt was taken";
	} catch (const WpaCtrlError &e) {
		EXPECT_NE(std::string(e.what()).find("SET_NETWORK 0 key_mgmt NO-SUCH-KEY-MGMT: FAIL"), std::string::npos)
			<< e.what();
	}

	// The network's addition came as an event on both sockets, the global
	// one naming the interface; the replies above were never taken for it.
	auto added = [](const std::vector<WpaEvent> &events) {
		for (const WpaEvent &e : events)
			if (e.is("CTRL-EVENT-NETWORK-ADDED") && e.text == "CTRL-EVENT-NETWORK-ADDED 0")
				return e;
		return WpaEvent{.ifname = "(none)", .level = -1, .text = {}};
	};
	const WpaEvent onLo = added(lo->events());
	EXPECT_EQ(onLo.ifname, "");
	EXPECT_GT(onLo.level, 0);
	EXPECT_EQ(added(ctrl_->events()).ifname, "lo");
	EXPECT_TRUE(lo->events().empty()) << "events() gave the same events twice";

	ctrl_->command("INTERFACE_REMOVE lo", kTimeout);
	EXPECT_EQ(ctrl_->request("INTERFACES", kTimeout), "");
	EXPECT_THROW(lo->request("PING", kTimeout), WpaCtrlError) << "the removed interface's socket still answers";
}

} // namespace
} // namespace mpwifi::daemon
