// SPDX-License-Identifier: GPL-2.0
// rtnetlink link messages, built with libnl as the kernel sends them: what
// the daemon reads of how a link is stacked on others.
#include <gtest/gtest.h>

#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <netlink/attr.h>
#include <netlink/msg.h>
#include <net/if_arp.h>

#include <variant>

#include "daemon/rtnl.h"
#include "netlink/genl_socket.h"

namespace mpwifi::daemon {
namespace {

netlink::MsgPtr linkMessage(int ifindex, const char *name, const char *kind)
{
	netlink::MsgPtr msg(nlmsg_alloc_simple(RTM_NEWLINK, 0));
	ifinfomsg ifi{};
	ifi.ifi_family = AF_UNSPEC;
	ifi.ifi_type = ARPHRD_ETHER;
	ifi.ifi_index = ifindex;
	nlmsg_append(msg.get(), &ifi, sizeof(ifi), NLMSG_ALIGNTO);
	nla_put_string(msg.get(), IFLA_IFNAME, name);
	nlattr *info = nla_nest_start(msg.get(), IFLA_LINKINFO);
	nla_put_string(msg.get(), IFLA_INFO_KIND, kind);
	nla_nest_end(msg.get(), info);
	return msg;
}

LinkInfo parsed(const netlink::MsgPtr &msg)
{
	const auto event = parseRtnl(*nlmsg_hdr(msg.get()));
	EXPECT_TRUE(event && std::holds_alternative<LinkInfo>(*event));
	return event ? std::get<LinkInfo>(*event) : LinkInfo{};
}

TEST(Rtnl, AVlanNamesItsParent)
{
	auto msg = linkMessage(9, "eth0.7", "vlan");
	nla_put_u32(msg.get(), IFLA_LINK, 2);
	const LinkInfo link = parsed(msg);
	EXPECT_EQ(link.ifindex, 9u);
	EXPECT_EQ(link.kind, "vlan");
	EXPECT_EQ(link.parent, 2u);
	EXPECT_FALSE(link.parentElsewhere);
	EXPECT_EQ(link.master, 0u);
}

TEST(Rtnl, APortNamesItsMaster)
{
	auto msg = linkMessage(3, "eth1", "");
	nla_put_u32(msg.get(), IFLA_MASTER, 8);
	const LinkInfo link = parsed(msg);
	EXPECT_EQ(link.master, 8u);
	EXPECT_EQ(link.parent, 0u);
}

TEST(Rtnl, AParentInAnotherNamespaceIsSaidSo)
{
	auto msg = linkMessage(4, "mv0", "macvlan");
	nla_put_u32(msg.get(), IFLA_LINK, 17);
	nla_put_s32(msg.get(), IFLA_LINK_NETNSID, 0);
	const LinkInfo link = parsed(msg);
	EXPECT_EQ(link.parent, 17u);
	EXPECT_TRUE(link.parentElsewhere);
}

} // namespace
} // namespace mpwifi::daemon
