// SPDX-License-Identifier: GPL-2.0
// A station's life, step by step: what it asks for from creation to
// removal, for each way it can go.
#include <gtest/gtest.h>

#include <string>
#include <type_traits>
#include <vector>

#include <arpa/inet.h>

#include "daemon/station.h"
#include "test_leases.h"

namespace mpwifi::daemon {
namespace {

using namespace std::chrono_literals;

const MacAddr kAp{0x02, 0, 0, 0, 0x01, 0};
const MacAddr kOtherAp{0x02, 0, 0, 0, 0x02, 0};
constexpr std::uint32_t kIfindex = 12;

using test::ip4;
using test::lease;

// "create", "join", ...: a step's name, with what it acts on.
std::string name(const StationStep &step)
{
	return std::visit(
		[](const auto &s) -> std::string {
			using T = std::decay_t<decltype(s)>;
			using namespace station_step;
			if constexpr (std::is_same_v<T, CreateInterface>)
				return "create";
			else if constexpr (std::is_same_v<T, JoinAp>)
				return "join";
			else if constexpr (std::is_same_v<T, StartDhcp>)
				return "dhcp";
			else if constexpr (std::is_same_v<T, AddRouting>)
				return "route " + s.routing.address.text();
			else if constexpr (std::is_same_v<T, EndSubflows>)
				return "end subflows " + s.source.text();
			else if constexpr (std::is_same_v<T, RemoveEndpoints>)
				return "remove endpoints " + s.source.text();
			else if constexpr (std::is_same_v<T, RemoveRouting>)
				return "unroute " + s.routing.address.text();
			else if constexpr (std::is_same_v<T, StopDhcp>)
				return "stop dhcp";
			else if constexpr (std::is_same_v<T, LeaveAp>)
				return "unjoin";
			else if constexpr (std::is_same_v<T, DeleteInterface>)
				return "delete";
			else
				return "deadline " + std::to_string(s.after.count()) + " ms";
		},
		step);
}

std::vector<std::string> names(const StationSteps &steps)
{
	std::vector<std::string> out;
	for (const auto &s : steps)
		out.push_back(name(s));
	return out;
}

using Names = std::vector<std::string>;

Station upStation()
{
	Station st("mpw0", kAp, stationTable(0), {.associate = 15s, .lease = 20s});
	(void)st.start();
	(void)st.created(kIfindex);
	(void)st.associated(kAp);
	(void)st.leased(lease("192.0.2.7", "192.0.2.1"));
	return st;
}

TEST(Station, FromCreationToUp)
{
	Station st("mpw0", kAp, stationTable(0), {.associate = 15s, .lease = 20s});
	EXPECT_EQ(names(st.start()), Names{"create"});
	EXPECT_EQ(stationStateName(st.state()), std::string("associating"));
	EXPECT_EQ(names(st.created(kIfindex)), (Names{"join", "deadline 15000 ms"}));
	EXPECT_EQ(st.ifindex(), kIfindex);
	EXPECT_EQ(names(st.associated(kAp)), (Names{"dhcp", "deadline 20000 ms"}));
	EXPECT_EQ(stationStateName(st.state()), std::string("addressing"));

	const StationSteps up = st.leased(lease("192.0.2.7", "192.0.2.1"));
	ASSERT_EQ(names(up), Names{"route 192.0.2.7"});
	const auto &routing = std::get<station_step::AddRouting>(up[0]).routing;
	EXPECT_EQ(routing.address.ifindex, kIfindex);
	EXPECT_EQ(routing.rule.table, stationTable(0));
	EXPECT_EQ(stationStateName(st.state()), std::string("up"));
	// the deadline armed for the lease fires late: nothing happens
	EXPECT_TRUE(st.deadline().empty());
	EXPECT_EQ(st.state(), StationState::Up);
}

TEST(Station, LosingItsApUndoesEverythingInOrder)
{
	Station st = upStation();
	EXPECT_EQ(names(st.disassociated()), (Names{"remove endpoints 192.0.2.7", "end subflows 192.0.2.7",
						    "unroute 192.0.2.7", "stop dhcp", "unjoin", "delete"}));
	EXPECT_EQ(st.state(), StationState::Gone);
	EXPECT_EQ(st.leftBecause(), "lost its AP 02:00:00:00:01:00");
	// nothing more once gone
	EXPECT_TRUE(st.disassociated().empty());
	EXPECT_TRUE(st.leave("again").empty());
	EXPECT_TRUE(st.leased(lease("192.0.2.7", "192.0.2.1")).empty());
}

TEST(Station, NoAssociationInTime)
{
	Station st("mpw1", kAp, stationTable(1), {.associate = 15s, .lease = 20s});
	(void)st.start();
	(void)st.created(kIfindex);
	// wpa_supplicant's own failed attempts are its to retry
	EXPECT_TRUE(st.disassociated().empty());
	EXPECT_EQ(names(st.deadline()), (Names{"unjoin", "delete"}));
	EXPECT_EQ(st.leftBecause(), "no association with 02:00:00:00:01:00 in 15000 ms");
}

TEST(Station, NoLeaseInTime)
{
	Station st("mpw1", kAp, stationTable(1), {.associate = 15s, .lease = 20s});
	(void)st.start();
	(void)st.created(kIfindex);
	(void)st.associated(kAp);
	EXPECT_EQ(names(st.deadline()), (Names{"stop dhcp", "unjoin", "delete"}));
	EXPECT_EQ(st.leftBecause(), "no DHCP lease in 20000 ms");
}

TEST(Station, TheWrongApIsLeft)
{
	Station st("mpw0", kAp, stationTable(0), {});
	(void)st.start();
	(void)st.created(kIfindex);
	EXPECT_EQ(names(st.associated(kOtherAp)), (Names{"unjoin", "delete"}));
	EXPECT_EQ(st.leftBecause(), "associated with 02:00:00:00:02:00, not 02:00:00:00:01:00");
}

TEST(Station, ACreationThatFailedLeavesNothingToUndo)
{
	Station st("mpw0", kAp, stationTable(0), {});
	(void)st.start();
	EXPECT_TRUE(st.failed("creating mpw0: EBUSY").empty());
	EXPECT_EQ(st.state(), StationState::Gone);
	EXPECT_EQ(st.leftBecause(), "creating mpw0: EBUSY");
}

TEST(Station, ARenewalKeepsTheRoutingANewAddressMovesIt)
{
	Station st = upStation();
	DhcpLease renewed = lease("192.0.2.7", "192.0.2.1");
	renewed.leaseSeconds = 1200;
	EXPECT_TRUE(st.leased(renewed).empty());
	EXPECT_EQ(st.lease()->leaseSeconds, 1200u);

	EXPECT_EQ(names(st.leased(lease("192.0.2.8", "192.0.2.1"))),
		  (Names{"remove endpoints 192.0.2.7", "end subflows 192.0.2.7", "unroute 192.0.2.7",
			 "route 192.0.2.8"}));
	EXPECT_EQ(st.state(), StationState::Up);
	// another gateway on the same address moves it too
	EXPECT_EQ(names(st.leased(lease("192.0.2.8", "192.0.2.254"))),
		  (Names{"remove endpoints 192.0.2.8", "end subflows 192.0.2.8", "unroute 192.0.2.8",
			 "route 192.0.2.8"}));
}

TEST(Station, ALostLeaseWaitsForAnother)
{
	Station st = upStation();
	EXPECT_EQ(names(st.leaseLost()), (Names{"remove endpoints 192.0.2.7", "end subflows 192.0.2.7",
						"unroute 192.0.2.7", "deadline 20000 ms"}));
	EXPECT_EQ(st.state(), StationState::Addressing);
	EXPECT_FALSE(st.lease());
	EXPECT_EQ(names(st.leased(lease("192.0.2.9", "192.0.2.1"))), Names{"route 192.0.2.9"});
}

TEST(Station, DroppedByTheManager)
{
	Station st = upStation();
	EXPECT_EQ(names(st.leave("a better AP")), (Names{"remove endpoints 192.0.2.7", "end subflows 192.0.2.7",
							  "unroute 192.0.2.7", "stop dhcp", "unjoin", "delete"}));
	EXPECT_EQ(st.leftBecause(), "a better AP");
}

} // namespace
} // namespace mpwifi::daemon
