// SPDX-License-Identifier: GPL-2.0
// The netlink layer: acks with extended ack attributes built with libnl,
// and a live generic netlink socket talking to the kernel's controller
// ("nlctrl", always present), which stands in for the mpwifi family.
#include <gtest/gtest.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include <linux/genetlink.h>
#include <netlink/attr.h>
#include <netlink/errno.h>
#include <netlink/genl/genl.h>
#include <netlink/msg.h>

#include "netlink/attributes.h"
#include "netlink/error.h"
#include "netlink/genl_socket.h"

namespace mpwifi::netlink {
namespace {

// The request an ack answers: 8 bytes of payload that look like an extended
// ack message attribute, so that an ack parser which starts reading at the
// wrong offset reports "decoy".
struct Request {
	nlmsghdr hdr;
	nlattr decoy;
	char text[4];
};

Request request()
{
	Request r{};
	r.hdr.nlmsg_len = sizeof(r);
	r.hdr.nlmsg_type = 0x20;
	r.hdr.nlmsg_seq = 5;
	r.decoy.nla_len = sizeof(r.decoy) + sizeof(r.text);
	r.decoy.nla_type = NLMSGERR_ATTR_MSG;
	std::memcpy(r.text, "dec", 4);
	return r;
}

// An NLMSG_ERROR for request(), as the kernel builds it.
MsgPtr errorMessage(int error, bool capped, const char *extack, int missingType = -1)
{
	const Request req = request();
	const bool tlvs = extack || missingType >= 0;
	MsgPtr msg(nlmsg_alloc_simple(NLMSG_ERROR, (capped ? NLM_F_CAPPED : 0) | (tlvs ? NLM_F_ACK_TLVS : 0)));
	nlmsgerr err{};
	err.error = -error;
	err.msg = req.hdr;
	nlmsg_append(msg.get(), &err, sizeof(err), NLMSG_ALIGNTO);
	if (!capped)
		nlmsg_append(msg.get(), const_cast<nlattr *>(&req.decoy), sizeof(req) - sizeof(req.hdr), NLMSG_ALIGNTO);
	if (extack)
		nla_put_string(msg.get(), NLMSGERR_ATTR_MSG, extack);
	if (missingType >= 0)
		nla_put_u32(msg.get(), NLMSGERR_ATTR_MISS_TYPE, static_cast<std::uint32_t>(missingType));
	return msg;
}

TEST(ParseAck, Success)
{
	auto msg = errorMessage(0, true, nullptr);
	const AckStatus s = parseAck(*nlmsg_hdr(msg.get()));
	EXPECT_EQ(s.error, 0);
	EXPECT_EQ(s.message, "");
}

TEST(ParseAck, CappedErrorWithMessage)
{
	auto msg = errorMessage(EINVAL, true, "window out of range");
	const AckStatus s = parseAck(*nlmsg_hdr(msg.get()));
	EXPECT_EQ(s.error, EINVAL);
	EXPECT_EQ(s.message, "window out of range");
}

TEST(ParseAck, UncappedErrorSkipsTheEchoedRequest)
{
	auto msg = errorMessage(ENODEV, false, "not a wireless interface");
	const AckStatus s = parseAck(*nlmsg_hdr(msg.get()));
	EXPECT_EQ(s.error, ENODEV);
	EXPECT_EQ(s.message, "not a wireless interface");

	auto bare = errorMessage(EPERM, false, nullptr);
	EXPECT_EQ(parseAck(*nlmsg_hdr(bare.get())).message, "");
}

TEST(ParseAck, MissingAttributeIsReported)
{
	auto only = errorMessage(EINVAL, true, nullptr, 4);
	EXPECT_EQ(parseAck(*nlmsg_hdr(only.get())).message, "missing attribute 4");

	auto both = errorMessage(EINVAL, true, "bad config", 4);
	EXPECT_EQ(parseAck(*nlmsg_hdr(both.get())).message, "bad config (missing attribute 4)");
}

TEST(ParseAck, DoneCarriesTheDumpStatus)
{
	MsgPtr ok(nlmsg_alloc_simple(NLMSG_DONE, NLM_F_MULTI));
	const int zero = 0;
	nlmsg_append(ok.get(), const_cast<int *>(&zero), sizeof(zero), NLMSG_ALIGNTO);
	EXPECT_EQ(parseAck(*nlmsg_hdr(ok.get())).error, 0);

	MsgPtr failed(nlmsg_alloc_simple(NLMSG_DONE, NLM_F_MULTI | NLM_F_ACK_TLVS));
	const int err = -EMSGSIZE;
	nlmsg_append(failed.get(), const_cast<int *>(&err), sizeof(err), NLMSG_ALIGNTO);
	nla_put_string(failed.get(), NLMSGERR_ATTR_MSG, "dump failed");
	const AckStatus s = parseAck(*nlmsg_hdr(failed.get()));
	EXPECT_EQ(s.error, EMSGSIZE);
	EXPECT_EQ(s.message, "dump failed");
}

TEST(ParseAck, TruncatedErrorIsAParseError)
{
	MsgPtr msg(nlmsg_alloc_simple(NLMSG_ERROR, 0));
	const int err = -EINVAL; // an nlmsgerr cut after its first field
	nlmsg_append(msg.get(), const_cast<int *>(&err), sizeof(err), NLMSG_ALIGNTO);
	EXPECT_THROW((void)parseAck(*nlmsg_hdr(msg.get())), ParseError);

	MsgPtr notAck(nlmsg_alloc_simple(0x20, 0));
	EXPECT_THROW((void)parseAck(*nlmsg_hdr(notAck.get())), ParseError);
}

TEST(Attrs, StringsWithoutNulAndUnknownTypes)
{
	constexpr AttrRule rules[] = {
		{1, "name", AttrKind::String, kRequired, 8},
		{2, "value", AttrKind::U16, kOptional},
	};
	MsgPtr msg(nlmsg_alloc());
	nla_put(msg.get(), 1, 3, "abc"); // no NUL, as NLA_STRING allows
	nla_put_u32(msg.get(), 7, 1);
	auto *h = nlmsg_hdr(msg.get());
	const Attrs a(nlmsg_data(h), static_cast<std::size_t>(nlmsg_datalen(h)), rules, "test");
	EXPECT_EQ(a.string(1), "abc");
	EXPECT_FALSE(a.has(2));
	EXPECT_FALSE(a.has(7));
	EXPECT_THROW((void)a.u16(2), ParseError);
	EXPECT_THROW((void)a.u32(1), ParseError); // a 3-byte attribute read as 4
}

TEST(Errors, CarryErrnoAndExplanation)
{
	const KernelError k(EINVAL, "window out of range");
	EXPECT_EQ(k.code(), EINVAL);
	EXPECT_EQ(k.extack(), "window out of range");
	EXPECT_EQ(std::string(k.what()), std::string("kernel: ") + std::strerror(EINVAL) + ": window out of range");

	const FamilyNotFound f("mpwifi");
	EXPECT_EQ(f.code(), ENOENT);
	EXPECT_EQ(f.group(), "");
	EXPECT_EQ(std::string(f.what()), "generic netlink family \"mpwifi\" not found");

	EXPECT_EQ(errnoFromNl(-NLE_PERM), EPERM);
	EXPECT_EQ(errnoFromNl(NLE_NOACCESS), EACCES);
	EXPECT_EQ(errnoFromNl(-NLE_FAILURE), EIO);
	EXPECT_EQ(Error::fromNl(-NLE_PERM, "x").code(), EPERM);
}

// The kernel's generic netlink controller, on a live socket.
class Controller : public testing::Test {
protected:
	void SetUp() override
	{
		try {
			sock_.emplace(GenlSocket::open());
		} catch (const Error &e) {
			GTEST_SKIP() << "no generic netlink here: " << e.what();
		}
	}

	static MsgPtr getFamily(const char *name)
	{
		MsgPtr msg = newGenlMessage(GENL_ID_CTRL, CTRL_CMD_GETFAMILY, 1);
		if (name)
			nla_put_string(msg.get(), CTRL_ATTR_FAMILY_NAME, name);
		return msg;
	}

	static constexpr AttrRule kFamilyRules[] = {
		{CTRL_ATTR_FAMILY_ID, "CTRL_ATTR_FAMILY_ID", AttrKind::U16, kRequired},
		{CTRL_ATTR_FAMILY_NAME, "CTRL_ATTR_FAMILY_NAME", AttrKind::String, kRequired, GENL_NAMSIZ},
	};

	std::optional<GenlSocket> sock_;
};

TEST_F(Controller, ResolvesFamilies)
{
	EXPECT_EQ(sock_->resolveFamily("nlctrl"), GENL_ID_CTRL);
	try {
		(void)sock_->resolveFamily("mpwifi-absent");
		ADD_FAILURE() << "resolved a family that does not exist";
	} catch (const FamilyNotFound &e) {
		EXPECT_EQ(e.family(), "mpwifi-absent");
		EXPECT_EQ(e.group(), "");
	}
}

TEST_F(Controller, JoinsGroupsAndNamesTheMissingOne)
{
	EXPECT_NO_THROW(sock_->joinGroup("nlctrl", "notify"));
	try {
		sock_->joinGroup("nlctrl", "no-such-group");
		ADD_FAILURE() << "joined a group that does not exist";
	} catch (const FamilyNotFound &e) {
		EXPECT_EQ(e.group(), "no-such-group");
	}
	EXPECT_THROW(sock_->joinGroup("mpwifi-absent", "events"), FamilyNotFound);
}

TEST_F(Controller, RequestGetsReplyThenAck)
{
	std::vector<std::pair<int, std::string>> replies;
	sock_->request(getFamily("nlctrl"), [&](const nlmsghdr &msg) {
		const Attrs a = Attrs::ofGenl(msg, kFamilyRules, "family");
		replies.emplace_back(a.u16(CTRL_ATTR_FAMILY_ID), a.string(CTRL_ATTR_FAMILY_NAME));
	});
	ASSERT_EQ(replies.size(), 1u);
	EXPECT_EQ(replies[0], std::pair(GENL_ID_CTRL, std::string("nlctrl")));
}

TEST_F(Controller, DumpSeesEveryFamily)
{
	std::vector<std::string> names;
	sock_->dump(getFamily(nullptr), [&](const nlmsghdr &msg) {
		names.push_back(Attrs::ofGenl(msg, kFamilyRules, "family").string(CTRL_ATTR_FAMILY_NAME));
	});
	EXPECT_NE(std::find(names.begin(), names.end(), "nlctrl"), names.end());
	// The same socket keeps working: the dump was read to its end.
	EXPECT_EQ(sock_->resolveFamily("nlctrl"), GENL_ID_CTRL);
}

TEST_F(Controller, KernelErrorsCarryErrnoAndExtack)
{
	try {
		sock_->request(getFamily("mpwifi-absent"));
		ADD_FAILURE() << "no error for an absent family";
	} catch (const KernelError &e) {
		EXPECT_EQ(e.code(), ENOENT);
	}

	// A u16 attribute of one byte fails the kernel's policy check, which
	// explains itself in the extended ack.
	MsgPtr bad = newGenlMessage(GENL_ID_CTRL, CTRL_CMD_GETFAMILY, 1);
	const std::uint8_t byte = 1;
	nla_put(bad.get(), CTRL_ATTR_FAMILY_ID, 1, &byte);
	try {
		sock_->request(std::move(bad));
		ADD_FAILURE() << "no error for a malformed attribute";
	} catch (const KernelError &e) {
		EXPECT_TRUE(e.code() == EINVAL || e.code() == ERANGE) << e.code(); // ERANGE since 5.x
		EXPECT_FALSE(e.extack().empty());
		EXPECT_NE(std::string(e.what()).find(e.extack()), std::string::npos);
	}
}

TEST_F(Controller, HandlerErrorsComeAfterTheTransaction)
{
	int calls = 0;
	EXPECT_THROW(sock_->dump(getFamily(nullptr),
				 [&](const nlmsghdr &) {
					 calls++;
					 throw ParseError("test");
				 }),
		     ParseError);
	EXPECT_GT(calls, 1); // every family was still delivered
	EXPECT_EQ(sock_->resolveFamily("nlctrl"), GENL_ID_CTRL);
}

TEST_F(Controller, ReceivePendingDoesNotBlock)
{
	sock_->joinGroup("nlctrl", "notify");
	int calls = 0;
	sock_->receivePending([&](const nlmsghdr &) { calls++; });
	EXPECT_EQ(calls, 0);
	EXPECT_GE(sock_->fd(), 0);
}

} // namespace
} // namespace mpwifi::netlink
