// SPDX-License-Identifier: GPL-2.0
// The daemon's nl80211 requests against a real cfg80211: run in the VM by
// tests/vm/test_agent_kernel.py, on a mac80211_hwsim radio it names in
// MPWIFI_HWSIM_PHY.  Elsewhere they skip (this machine's kernel has no radio).
#include <gtest/gtest.h>

#include <cerrno>
#include <cstdlib>
#include <fstream>
#include <set>
#include <string>

#include <net/if.h>

#include "daemon/nl80211.h"
#include "daemon/radio.h"
#include "netlink/error.h"

namespace mpwifi::daemon {
namespace {

std::string sysfs(const std::string &path)
{
	std::ifstream f(path);
	std::string line;
	std::getline(f, line);
	return line;
}

TEST(RandomLocalMac, UnicastLocallyAdministeredAndDistinct)
{
	std::set<MacAddr> seen;
	for (int i = 0; i < 1000; ++i) {
		const MacAddr mac = randomLocalMac();
		EXPECT_EQ(mac[0] & 0x01, 0) << formatMac(mac) << " is a group address";
		EXPECT_EQ(mac[0] & 0x02, 0x02) << formatMac(mac) << " is not locally administered";
		seen.insert(mac);
	}
	EXPECT_EQ(seen.size(), 1000u);
}

class Hwsim : public ::testing::Test {
protected:
	void SetUp() override
	{
		const char *phy = std::getenv("MPWIFI_HWSIM_PHY");
		if (!phy)
			GTEST_SKIP() << "needs a mac80211_hwsim radio: tests/vm/test_agent_kernel.py";
		phy_ = phy;
		nl_ = Nl80211::open();
		ASSERT_TRUE(nl_) << "no nl80211";
		for (const Radio &r : nl_->radios())
			if (r.name == phy_)
				radio_ = r;
		ASSERT_EQ(radio_.name, phy_) << "nl80211 does not list " << phy_;
	}

	std::string phy_;
	std::optional<Nl80211> nl_;
	Radio radio_;
};

TEST_F(Hwsim, TheRadioAllowsManyStationsOnOneChannel)
{
	// hwsim's combination: 2048 interfaces of the AP, station, P2P and mesh
	// types, on one channel
	EXPECT_EQ(stationCapacity(radio_), (StationCapacity{.stations = 2048, .channels = 1}));
}

TEST_F(Hwsim, StationInterfacesComeAndGo)
{
	const MacAddr mac0 = randomLocalMac(), mac1 = randomLocalMac();
	const std::uint32_t if0 = nl_->addStationInterface(radio_.wiphy, "mpwtest0", mac0);
	const std::uint32_t if1 = nl_->addStationInterface(radio_.wiphy, "mpwtest1", mac1);
	EXPECT_EQ(::if_nametoindex("mpwtest0"), if0);
	EXPECT_EQ(::if_nametoindex("mpwtest1"), if1);
	EXPECT_EQ(sysfs("/sys/class/net/mpwtest0/address"), formatMac(mac0));
	EXPECT_EQ(sysfs("/sys/class/net/mpwtest1/address"), formatMac(mac1));
	EXPECT_EQ(sysfs("/sys/class/net/mpwtest0/phy80211/name"), phy_);
	EXPECT_EQ(sysfs("/sys/class/ieee80211/" + phy_ + "/index"), std::to_string(radio_.wiphy));

	try {
		(void)nl_->addStationInterface(radio_.wiphy, "mpwtest0", randomLocalMac());
		ADD_FAILURE() << "a second mpwtest0 was created";
	} catch (const netlink::Error &e) {
		EXPECT_EQ(e.code(), EEXIST) << e.what();
		EXPECT_NE(std::string(e.what()).find("mpwtest0"), std::string::npos) << e.what();
	}
	EXPECT_EQ(::if_nametoindex("mpwtest0"), if0);

	nl_->deleteInterface(if0);
	nl_->deleteInterface(if1);
	EXPECT_EQ(::if_nametoindex("mpwtest0"), 0u);
	EXPECT_EQ(::if_nametoindex("mpwtest1"), 0u);
	try {
		nl_->deleteInterface(if0);
		ADD_FAILURE() << "deleted a deleted interface";
	} catch (const netlink::Error &e) {
		EXPECT_EQ(e.code(), ENODEV) << e.what();
	}
}

} // namespace
} // namespace mpwifi::daemon
