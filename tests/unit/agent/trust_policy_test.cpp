// SPDX-License-Identifier: GPL-2.0
// The trust classification policy, fed events: the levels it asks the
// module for, when it asks again, and how it yields to a manual setting.
#include <gtest/gtest.h>

#include <cerrno>

#include "daemon/trust_policy.h"
#include "policy_world.h"

namespace mpwifi::daemon {
namespace {

using namespace fake;

constexpr MacAddr kBssid{0x02, 0x00, 0x00, 0x00, 0x01, 0x00};

WifiFacts associated(WifiSecurity security, const std::string &ssid = "cafe")
{
	return {.associated = true, .security = security, .ssid = ssid, .bssid = kBssid, .source = "wpa_supplicant"};
}

class TrustPolicyTest : public ::testing::Test {
protected:
	void add(Interface iface) { interfaces[iface.link.ifindex] = std::move(iface); }
	void send(const Event &event) { policy.onEvent(event, interfaces, world); }
	void linkChanged(std::uint32_t ifindex) { send(event::LinkChanged{ifindex}); }

	TrustPolicy::Settings settings;
	TrustPolicy policy{settings};
	Interfaces interfaces;
	World world;
};

TEST_F(TrustPolicyTest, WiredVpnAndLoopbackAreTrustedWithoutAskingWifi)
{
	add(interface(2, "veth0", LinkType::Ethernet, kRunning));
	add(interface(3, "tun0", LinkType::Vpn, kRunning));
	add(interface(1, "lo", LinkType::Loopback, kRunning));
	for (std::uint32_t i : {2u, 3u, 1u})
		linkChanged(i);
	EXPECT_EQ(world.take(), (Strings{"set-trust 2 trusted", "set-trust 3 trusted", "set-trust 1 trusted"}));
	EXPECT_EQ(world.takeLogs(), (Strings{"veth0: trusted (wired ethernet (veth))", "tun0: trusted (VPN)",
					     "lo: trusted (loopback: traffic stays in the host)"}));
	EXPECT_EQ(policy.state(2), (TrustState{trust_state::Applied{{TrustLevel::Trusted, "wired ethernet (veth)"}}}));
}

TEST_F(TrustPolicyTest, UnknownLinkTypeIsUntrusted)
{
	add(interface(4, "gre1", LinkType::Other, kRunning));
	linkChanged(4);
	EXPECT_EQ(world.take(), (Strings{"set-trust 4 untrusted"}));
}

TEST_F(TrustPolicyTest, SameClassificationIsNotAskedTwice)
{
	add(interface(2, "veth0", LinkType::Ethernet, kRunning));
	linkChanged(2);
	linkChanged(2);
	linkChanged(2);
	EXPECT_EQ(world.take(), (Strings{"set-trust 2 trusted"}));
}

TEST_F(TrustPolicyTest, WifiLevelFollowsTheAssociationsSecurity)
{
	add(interface(5, "wlan0", LinkType::Wifi, kRunning));
	world.wifi[5] = associated(WifiSecurity::Open);
	linkChanged(5);
	world.wifi[5] = associated(WifiSecurity::Personal);
	send(event::TimerFired{5, TimerKind::WifiRecheck});
	world.wifi[5] = associated(WifiSecurity::Enterprise);
	send(event::TimerFired{5, TimerKind::WifiRecheck});
	world.wifi[5] = {};
	send(event::TimerFired{5, TimerKind::WifiRecheck});
	// Open and PSK are both untrusted, but the reason changed: asked again.
	EXPECT_EQ(world.take(), (Strings{"read-wifi 5", "set-trust 5 untrusted", "read-wifi 5", "set-trust 5 untrusted",
					 "read-wifi 5", "set-trust 5 trusted", "read-wifi 5", "set-trust 5 untrusted"}));
	EXPECT_EQ(world.takeLogs(),
		  (Strings{"wlan0: untrusted (WiFi \"cafe\" 02:00:00:00:01:00, open (wpa_supplicant))",
			   "wlan0: untrusted (WiFi \"cafe\" 02:00:00:00:01:00, WPA2/WPA3-Personal (shared key) (wpa_supplicant))",
			   "wlan0: trusted (WiFi \"cafe\" 02:00:00:00:01:00, WPA2/WPA3-Enterprise (wpa_supplicant))",
			   "wlan0: untrusted (WiFi, not associated)"}));
}

TEST_F(TrustPolicyTest, PersonalTrustedAndOverridesComeFromTheSettings)
{
	TrustPolicy personal({.personalTrusted = true,
			      .overrides = {{OverrideRule::Key::Ssid, "home", TrustLevel::Untrusted},
					    {OverrideRule::Key::Iface, "veth9", TrustLevel::Untrusted}}});
	add(interface(5, "wlan0", LinkType::Wifi, kRunning));
	add(interface(6, "wlan1", LinkType::Wifi, kRunning));
	add(interface(9, "veth9", LinkType::Ethernet, kRunning));
	world.wifi[5] = associated(WifiSecurity::Personal, "cafe");
	world.wifi[6] = associated(WifiSecurity::Personal, "home");
	for (std::uint32_t i : {5u, 6u, 9u})
		personal.onEvent(event::LinkChanged{i}, interfaces, world);
	EXPECT_EQ(world.take(), (Strings{"read-wifi 5", "set-trust 5 trusted", "read-wifi 6", "set-trust 6 untrusted",
					 "set-trust 9 untrusted"}));
	EXPECT_EQ(world.takeLogs(),
		  (Strings{"wlan0: trusted (WiFi \"cafe\" 02:00:00:00:01:00, WPA2/WPA3-Personal, personal-trusted "
			   "(wpa_supplicant))",
			   "wlan1: untrusted (override ssid:home=untrusted)", "veth9: untrusted (override iface:veth9=untrusted)"}));
}

TEST_F(TrustPolicyTest, AnMlmeEventArmsTheRechecks)
{
	add(interface(5, "wlan0", LinkType::Wifi, kRunning));
	send(event::WifiChanged{5});
	EXPECT_EQ(world.take(), (Strings{"arm-timers 5 50ms 300ms 1000ms 3000ms"}));
}

TEST_F(TrustPolicyTest, PollRereadsOnlyWifi)
{
	add(interface(2, "veth0", LinkType::Ethernet, kRunning));
	add(interface(5, "wlan0", LinkType::Wifi, kRunning));
	world.wifi[5] = associated(WifiSecurity::Open);
	linkChanged(2);
	linkChanged(5);
	(void)world.take();
	send(event::Poll{});
	EXPECT_EQ(world.take(), (Strings{"read-wifi 5"})); // unchanged: not set again
	world.wifi[5] = associated(WifiSecurity::Enterprise);
	send(event::Poll{});
	EXPECT_EQ(world.take(), (Strings{"read-wifi 5", "set-trust 5 trusted"}));
}

TEST_F(TrustPolicyTest, ARefusedLevelMeansAManualSettingWins)
{
	add(interface(5, "wlan0", LinkType::Wifi, kRunning));
	world.wifi[5] = associated(WifiSecurity::Open);
	world.setTrustError[5] = EBUSY;
	linkChanged(5);
	EXPECT_EQ(world.takeLogs(),
		  (Strings{"wlan0: a manual setting wins over untrusted (WiFi \"cafe\" 02:00:00:00:01:00, open "
			   "(wpa_supplicant))"}));
	EXPECT_TRUE(std::holds_alternative<trust_state::Overridden>(policy.state(5)));

	// The same classification is not asked again; a new one is, and a
	// second refusal is not logged again.
	send(event::TimerFired{5, TimerKind::WifiRecheck});
	EXPECT_EQ(world.take(), (Strings{"read-wifi 5", "set-trust 5 untrusted", "read-wifi 5"}));
	world.wifi[5] = associated(WifiSecurity::Enterprise);
	world.setTrustError[5] = EBUSY;
	send(event::TimerFired{5, TimerKind::WifiRecheck});
	EXPECT_EQ(world.take(), (Strings{"read-wifi 5", "set-trust 5 trusted"}));
	EXPECT_EQ(world.takeLogs(), Strings{});
}

TEST_F(TrustPolicyTest, ManualThenAutoAppliesOurLevelAgain)
{
	add(interface(2, "veth0", LinkType::Ethernet, kRunning));
	linkChanged(2);
	(void)world.take();
	(void)world.takeLogs();

	// `mpwifi trust set veth0 untrusted`, reported twice: logged once.
	send(event::TrustReported{{.ifindex = 2, .level = TrustLevel::Untrusted, .source = TrustSource::Manual}});
	send(event::TrustReported{{.ifindex = 2, .level = TrustLevel::Untrusted, .source = TrustSource::Manual}});
	EXPECT_EQ(world.takeLogs(), (Strings{"veth0: a manual setting wins: untrusted"}));
	EXPECT_EQ(world.take(), Strings{});
	linkChanged(2); // same classification: left alone
	EXPECT_EQ(world.take(), Strings{});

	// `mpwifi trust set veth0 auto`: set again although unchanged.
	send(event::TrustReported{{.ifindex = 2, .level = TrustLevel::Untrusted, .source = TrustSource::None}});
	EXPECT_EQ(world.take(), (Strings{"set-trust 2 trusted"}));
	EXPECT_EQ(world.takeLogs(), (Strings{"veth0: trusted (wired ethernet (veth))"}));
	EXPECT_TRUE(std::holds_alternative<trust_state::Applied>(policy.state(2)));
	// Our own level reported back changes nothing.
	send(event::TrustReported{{.ifindex = 2, .level = TrustLevel::Trusted, .source = TrustSource::Auto}});
	EXPECT_EQ(world.take(), Strings{});
}

TEST_F(TrustPolicyTest, AnInterfaceGoneMeanwhileIsQuiet)
{
	add(interface(2, "veth0", LinkType::Ethernet, kRunning));
	world.setTrustError[2] = ENODEV;
	linkChanged(2);
	EXPECT_EQ(world.takeLogs(), (Strings{"(verbose) veth0: gone before its level was set"}));
}

TEST_F(TrustPolicyTest, AFailedRequestIsLoggedAndRetriedAtTheNextEvent)
{
	add(interface(2, "veth0", LinkType::Ethernet, kRunning));
	world.setTrustError[2] = EIO;
	linkChanged(2);
	EXPECT_EQ(world.takeLogs(), (Strings{"veth0: error 5"}));
	EXPECT_EQ(policy.state(2), TrustState{trust_state::Unset{}});
	linkChanged(2);
	EXPECT_EQ(world.take(), (Strings{"set-trust 2 trusted", "set-trust 2 trusted"}));
	EXPECT_TRUE(std::holds_alternative<trust_state::Applied>(policy.state(2)));
}

TEST_F(TrustPolicyTest, ARemovedInterfaceIsForgotten)
{
	add(interface(2, "veth0", LinkType::Ethernet, kRunning));
	linkChanged(2);
	send(event::LinkRemoved{2, "veth0"});
	EXPECT_EQ(policy.state(2), TrustState{trust_state::Unset{}});
	linkChanged(2); // the same index again: a new interface
	EXPECT_EQ(world.take(), (Strings{"set-trust 2 trusted", "set-trust 2 trusted"}));
}

TEST_F(TrustPolicyTest, EventsForUnknownInterfacesAreIgnored)
{
	linkChanged(7);
	send(event::TimerFired{7, TimerKind::WifiRecheck});
	send(event::TrustReported{{.ifindex = 7, .level = TrustLevel::Untrusted, .source = TrustSource::None}});
	EXPECT_EQ(world.take(), Strings{});
	EXPECT_EQ(world.takeLogs(), Strings{});
}

// Only the levels asked for.
Strings levelsSet(Strings asked)
{
	std::erase_if(asked, [](const std::string &line) { return !line.starts_with("set-trust "); });
	return asked;
}

Interface stackedOn(std::uint32_t ifindex, const std::string &name, const std::string &kind, std::uint32_t parent = 0)
{
	Interface iface = interface(ifindex, name, LinkType::Ethernet, kRunning);
	iface.link.kind = kind;
	iface.link.parent = parent;
	return iface;
}

TEST_F(TrustPolicyTest, ABondOfEthernetAndWifiIsUntrustedUntilTheWifiLeaves)
{
	add(stackedOn(2, "eth0", ""));
	add(interface(5, "wlan0", LinkType::Wifi, kRunning));
	add(stackedOn(8, "bond0", "bond"));
	interfaces[2].link.master = 8;
	interfaces[5].link.master = 8;
	world.wifi[5] = associated(WifiSecurity::Open);
	linkChanged(8);
	EXPECT_EQ(world.take(), (Strings{"read-wifi 5", "set-trust 8 untrusted"}));
	EXPECT_EQ(world.takeLogs(), (Strings{"bond0: untrusted (wired ethernet (bond), over wlan0: WiFi \"cafe\" "
					     "02:00:00:00:01:00, open (wpa_supplicant))"}));

	// The WiFi network changes: the bond follows its port.
	world.wifi[5] = associated(WifiSecurity::Enterprise);
	send(event::TimerFired{5, TimerKind::WifiRecheck});
	EXPECT_EQ(world.take(), (Strings{"read-wifi 5", "set-trust 5 trusted", "read-wifi 5", "set-trust 8 trusted"}));
	world.wifi[5] = associated(WifiSecurity::Open);
	send(event::TimerFired{5, TimerKind::WifiRecheck});
	EXPECT_EQ(levelsSet(world.take()), (Strings{"set-trust 5 untrusted", "set-trust 8 untrusted"}));

	// The WiFi interface leaves the bond (only it changes, in rtnetlink's
	// eyes): the bond is its ethernet port alone.
	interfaces[5].link.master = 0;
	linkChanged(5);
	EXPECT_EQ(levelsSet(world.take()), (Strings{"set-trust 8 trusted"}));
	(void)world.takeLogs();

	// ... and comes back.
	interfaces[5].link.master = 8;
	linkChanged(5);
	EXPECT_EQ(levelsSet(world.take()), (Strings{"set-trust 8 untrusted"}));
}

TEST_F(TrustPolicyTest, AVlanMacvlanOrIpvlanIsCappedByItsParent)
{
	add(interface(5, "wlan0", LinkType::Wifi, kRunning));
	add(stackedOn(2, "eth0", ""));
	add(stackedOn(9, "wlan0.7", "vlan", 5));
	add(stackedOn(10, "eth0.7", "vlan", 2));
	add(stackedOn(11, "mv0", "macvlan", 10));
	add(stackedOn(12, "ipvl0", "ipvlan", 5));
	world.wifi[5] = associated(WifiSecurity::Personal);
	for (std::uint32_t i : {9u, 10u, 11u, 12u})
		linkChanged(i);
	EXPECT_EQ(levelsSet(world.take()),
		  (Strings{"set-trust 9 untrusted", "set-trust 10 trusted", "set-trust 11 trusted", "set-trust 12 untrusted"}));
}

TEST_F(TrustPolicyTest, AnUnknownUnderlayIsUntrusted)
{
	add(stackedOn(4, "mv0", "macvlan", 17)); // the parent is not one of ours
	interfaces[4].link.parentElsewhere = true;
	add(stackedOn(6, "ipvl0", "ipvlan", 77)); // an index nobody has here
	linkChanged(4);
	linkChanged(6);
	EXPECT_EQ(levelsSet(world.take()), (Strings{"set-trust 4 untrusted", "set-trust 6 untrusted"}));
	EXPECT_EQ(world.takeLogs(), (Strings{"mv0: untrusted (wired ethernet (macvlan), over a device in another namespace)",
					     "ipvl0: untrusted (wired ethernet (ipvlan), over ifindex 77: not in this namespace)"}));
}

TEST_F(TrustPolicyTest, AVethAndAVpnAreNotCappedByWhatTheyLinkTo)
{
	add(interface(5, "wlan0", LinkType::Wifi, kRunning));
	// a veth's IFLA_LINK is its peer, in another namespace of this host
	add(stackedOn(3, "veth0", "veth", 41));
	interfaces[3].link.parentElsewhere = true;
	// a VPN bound to the WiFi interface carries ciphertext over it
	Interface vti = interface(4, "vti0", LinkType::Vpn, kRunning);
	vti.link.kind = "vti";
	vti.link.parent = 5;
	add(vti);
	world.wifi[5] = associated(WifiSecurity::Open);
	linkChanged(3);
	linkChanged(4);
	EXPECT_EQ(world.take(), (Strings{"set-trust 3 trusted", "set-trust 4 trusted"}));
}

TEST_F(TrustPolicyTest, APortRemovedLiftsTheBond)
{
	add(stackedOn(2, "eth0", ""));
	add(interface(5, "wlan0", LinkType::Wifi, kRunning));
	add(stackedOn(8, "bond0", "bond"));
	interfaces[2].link.master = 8;
	interfaces[5].link.master = 8;
	linkChanged(8);
	EXPECT_EQ(levelsSet(world.take()), (Strings{"set-trust 8 untrusted"}));
	interfaces.erase(5);
	send(event::LinkRemoved{5, "wlan0"});
	EXPECT_EQ(world.take(), (Strings{"set-trust 8 trusted"}));
}

} // namespace
} // namespace mpwifi::daemon
