// SPDX-License-Identifier: GPL-2.0
// DHCP leases: the event script udhcpc runs, and the daemon's parsing of
// what it writes.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <poll.h>

#include "base/child.h"
#include "daemon/dhcp_lease.h"

namespace mpwifi::daemon {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

std::string errorOf(const std::string &text)
{
	try {
		(void)parseDhcpLease(text, "mpw0.lease");
	} catch (const DhcpLeaseError &e) {
		return e.what();
	}
	return "(no error)";
}

TEST(DhcpLease, Parses)
{
	const DhcpLease lease = parseDhcpLease("event=bound\nip=192.0.2.77\nmask=24\nrouter=192.0.2.1 192.0.2.2\n"
					       "dns=192.0.2.53  198.51.100.53\ndomain=example.org\nlease=3600\n"
					       "serverid=192.0.2.1\nunknown=kept out\n",
					       "mpw0.lease");
	EXPECT_EQ(formatIpv4(lease.address), "192.0.2.77");
	EXPECT_EQ(lease.prefixLen, 24);
	ASSERT_EQ(lease.routers.size(), 2u);
	EXPECT_EQ(formatIpv4(lease.routers[0]), "192.0.2.1");
	ASSERT_EQ(lease.dns.size(), 2u);
	EXPECT_EQ(formatIpv4(lease.dns[1]), "198.51.100.53");
	EXPECT_EQ(lease.domain, "example.org");
	EXPECT_EQ(lease.leaseSeconds, 3600u);
	ASSERT_TRUE(lease.server);
	EXPECT_EQ(formatIpv4(*lease.server), "192.0.2.1");

	// a lease on a link with no router, DNS or lease time
	const DhcpLease bare = parseDhcpLease("ip=10.1.2.3\nmask=8\nrouter=\ndns=\nlease=\nserverid=\n", "mpw0.lease");
	EXPECT_TRUE(bare.routers.empty());
	EXPECT_TRUE(bare.dns.empty());
	EXPECT_EQ(bare.leaseSeconds, 0u);
	EXPECT_FALSE(bare.server);
}

TEST(DhcpLease, BadLeasesSayWhatIsWrong)
{
	EXPECT_EQ(errorOf("mask=24\n"), "mpw0.lease: no address (ip)");
	EXPECT_EQ(errorOf("ip=192.0.2.7\n"), "mpw0.lease: no subnet mask (mask)");
	EXPECT_EQ(errorOf("ip=192.0.2.7\nmask=33\n"), "mpw0.lease: mask \"33\" is not a prefix length 1..32");
	EXPECT_EQ(errorOf("ip=192.0.2.7\nmask=255.255.255.0\n"),
		  "mpw0.lease: mask \"255.255.255.0\" is not a prefix length 1..32");
	EXPECT_EQ(errorOf("ip=192.0.2\nmask=24\n"), "mpw0.lease: ip \"192.0.2\" is not an IPv4 address");
	EXPECT_EQ(errorOf("ip=192.0.2.7\nmask=24\nrouter=192.0.2.1 gw\n"),
		  "mpw0.lease: router \"gw\" is not an IPv4 address");
	EXPECT_EQ(errorOf("ip=192.0.2.7\nmask=24\nrouter=192.0.3.1\n"),
		  "mpw0.lease: gateway 192.0.3.1 is outside 192.0.2.7/24");
	EXPECT_EQ(errorOf("ip=192.0.2.7\nmask=24\nlease=1h\n"), "mpw0.lease: lease \"1h\" is not a number of seconds");
	EXPECT_EQ(errorOf("ip=192.0.2.7\nmask=24\ngarbage\n"), "mpw0.lease: line 3: not name=value: \"garbage\"");
	EXPECT_EQ(errorOf(""), "mpw0.lease: no address (ip)");
	EXPECT_EQ(errorOf("ip=192.0.2.7\nmask=24\ndomain=x\nip=198.51.100.1\n"), "mpw0.lease: line 4: ip given twice");
}

// The script, run as udhcpc runs it.
class UdhcpcEvent : public ::testing::Test {
protected:
	void SetUp() override
	{
		char tmpl[] = "/tmp/mpwifi-dhcp-XXXXXX";
		ASSERT_NE(::mkdtemp(tmpl), nullptr);
		dir_ = tmpl;
	}
	void TearDown() override { fs::remove_all(dir_); }

	int run(const std::string &event, std::vector<std::string> env)
	{
		env.push_back("MPWIFI_DHCP_DIR=" + dir_.string());
		auto child = base::Child::spawn({MPWIFI_UDHCPC_EVENT, event}, (dir_ / "log").string(), env);
		pollfd pfd{child.fd(), POLLIN, 0};
		EXPECT_EQ(::poll(&pfd, 1, 5000), 1);
		return child.stop(1s);
	}

	std::string lease() const
	{
		std::ifstream f(dir_ / "mpw0.lease");
		std::stringstream s;
		s << f.rdbuf();
		return s.str();
	}

	fs::path dir_;
};

TEST_F(UdhcpcEvent, BoundWritesTheLeaseAndDeconfigRemovesIt)
{
	const std::vector<std::string> answer{"interface=mpw0", "ip=192.0.2.77", "subnet=255.255.255.0", "mask=24",
					      "router=192.0.2.1", "dns=192.0.2.53 198.51.100.53", "lease=600",
					      "serverid=192.0.2.1", "domain=example.org"};
	EXPECT_EQ(run("bound", answer), 0);
	const DhcpLease parsed = parseDhcpLease(lease(), "mpw0.lease");
	EXPECT_EQ(formatIpv4(parsed.address), "192.0.2.77");
	EXPECT_EQ(parsed.prefixLen, 24);
	EXPECT_EQ(parsed.dns.size(), 2u);
	EXPECT_EQ(parsed.leaseSeconds, 600u);
	EXPECT_FALSE(fs::exists(dir_ / "mpw0.lease.new"));

	std::vector<std::string> renewed = answer;
	renewed[1] = "ip=192.0.2.78";
	EXPECT_EQ(run("renew", renewed), 0);
	EXPECT_EQ(formatIpv4(parseDhcpLease(lease(), "mpw0.lease").address), "192.0.2.78");

	EXPECT_EQ(run("deconfig", {"interface=mpw0"}), 0);
	EXPECT_FALSE(fs::exists(dir_ / "mpw0.lease"));
	// events it has nothing to do for
	EXPECT_EQ(run("leasefail", {"interface=mpw0"}), 0);
	EXPECT_EQ(run("nak", {"interface=mpw0"}), 0);
	EXPECT_TRUE(fs::is_empty(dir_ / "log")) << "the script complained";
}

TEST_F(UdhcpcEvent, WithoutItsDirectoryOrInterfaceItFails)
{
	auto child = base::Child::spawn({MPWIFI_UDHCPC_EVENT, "bound"}, (dir_ / "log").string(), {"ip=192.0.2.7"});
	pollfd pfd{child.fd(), POLLIN, 0};
	ASSERT_EQ(::poll(&pfd, 1, 5000), 1);
	EXPECT_NE(child.stop(1s), 0);
	EXPECT_TRUE(fs::is_empty(dir_) || !fs::exists(dir_ / "mpw0.lease"));
}

} // namespace
} // namespace mpwifi::daemon
