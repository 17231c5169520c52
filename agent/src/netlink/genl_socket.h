// SPDX-License-Identifier: GPL-2.0
// A generic netlink socket: family resolution, request/ack, dumps, events.
//
// libnl builds and sends messages and resolves families; receiving is done
// here so that every reply is checked against its request's sequence number
// and the kernel's extended ack message (libnl 3.7 has no support for it)
// reaches the caller.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include <netlink/msg.h>
#include <netlink/socket.h>

namespace mpwifi::netlink {

struct SockDeleter {
	void operator()(nl_sock *sk) const noexcept { nl_socket_free(sk); }
};
struct MsgDeleter {
	void operator()(nl_msg *msg) const noexcept { nlmsg_free(msg); }
};
using SockPtr = std::unique_ptr<nl_sock, SockDeleter>;
using MsgPtr = std::unique_ptr<nl_msg, MsgDeleter>;

// Receives one reply or event.  It may throw; the transaction still runs to
// its end, then the first exception propagates.
using MessageHandler = std::function<void(const nlmsghdr &)>;

// What an NLMSG_ERROR (ack) or NLMSG_DONE says.
struct AckStatus {
	int error = 0;       // positive errno, 0 for success
	std::string message; // the extended ack's explanation, if any
};

// Parses an NLMSG_ERROR or NLMSG_DONE message, extended ack included.
// Throws ParseError if it is truncated.
[[nodiscard]] AckStatus parseAck(const nlmsghdr &msg);

// A new generic netlink request for @family, to fill with nla_put_*().
[[nodiscard]] MsgPtr newGenlMessage(int family, std::uint8_t cmd, std::uint8_t version);

class GenlSocket {
public:
	// A connected NETLINK_GENERIC socket with extended acks enabled.
	static GenlSocket open();

	// The id of generic netlink family @name; FamilyNotFound if absent.
	[[nodiscard]] int resolveFamily(const std::string &name);
	// Joins multicast group @group of @family; FamilyNotFound if absent.
	void joinGroup(const std::string &family, const std::string &group);

	// Sends @msg asking for an ack and waits for it.  Replies that come
	// before it (a "get" command's answer) go to @onReply.  A negative ack
	// throws KernelError with the errno and extended ack message.
	void request(MsgPtr msg, const MessageHandler &onReply = {});
	// Sends @msg as a dump request and passes each reply to @onMessage;
	// errors as for request().
	void dump(MsgPtr msg, const MessageHandler &onMessage);
	// Passes the messages already queued (events) to @onMessage, without
	// blocking.  Error ENOBUFS means events were lost.
	void receivePending(const MessageHandler &onMessage);

	// For the event loop; readable when receivePending() has work.
	[[nodiscard]] int fd() const;
	[[nodiscard]] nl_sock *get() const { return sock_.get(); }

private:
	explicit GenlSocket(SockPtr sock);
	void transact(MsgPtr msg, std::uint16_t flags, const MessageHandler &onReply);
	// One datagram from the kernel into buf_; 0 if none is queued and
	// @wait is false.
	std::size_t receive(bool wait);

	SockPtr sock_;
	std::unique_ptr<std::uint8_t[]> buf_;
};

} // namespace mpwifi::netlink
