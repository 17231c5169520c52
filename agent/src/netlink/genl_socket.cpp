// SPDX-License-Identifier: GPL-2.0
#include "netlink/genl_socket.h"

#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <new>
#include <optional>

#include <linux/netlink.h>
#include <netlink/errno.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include "netlink/attributes.h"
#include "netlink/error.h"

namespace mpwifi::netlink {

namespace {

// The kernel sizes dump datagrams from our buffer but caps them at 32 KiB.
constexpr std::size_t kBufSize = 64 * 1024;

constexpr AttrRule kExtAckRules[] = {
	{NLMSGERR_ATTR_MSG, "NLMSGERR_ATTR_MSG", AttrKind::String, kOptional},
	{NLMSGERR_ATTR_MISS_TYPE, "NLMSGERR_ATTR_MISS_TYPE", AttrKind::U32, kOptional},
};

// Calls @fn for each netlink message in [buf, buf + len).
template <typename Fn>
void forEachMessage(const std::uint8_t *buf, std::size_t len, Fn &&fn)
{
	int remaining = static_cast<int>(len);
	for (const auto *h = reinterpret_cast<const nlmsghdr *>(buf); nlmsg_ok(h, remaining);
	     h = nlmsg_next(const_cast<nlmsghdr *>(h), &remaining))
		fn(*h);
}

} // namespace

AckStatus parseAck(const nlmsghdr &msg)
{
	const auto *base = reinterpret_cast<const std::uint8_t *>(&msg);
	const std::size_t len = msg.nlmsg_len;
	std::size_t tlvs; // offset of the extended ack attributes
	std::int32_t error = 0;

	if (msg.nlmsg_type == NLMSG_ERROR) {
		nlmsgerr err;
		if (len < NLMSG_HDRLEN + sizeof(err))
			throw ParseError("NLMSG_ERROR: " + std::to_string(len) + " bytes");
		std::memcpy(&err, base + NLMSG_HDRLEN, sizeof(err));
		error = err.error;
		// Unless capped, the request follows, then the attributes.
		std::size_t echoed = 0;
		if (!(msg.nlmsg_flags & NLM_F_CAPPED) && err.msg.nlmsg_len > NLMSG_HDRLEN)
			echoed = err.msg.nlmsg_len - NLMSG_HDRLEN;
		tlvs = NLMSG_HDRLEN + NLMSG_ALIGN(sizeof(err) + echoed);
	} else if (msg.nlmsg_type == NLMSG_DONE) {
		if (len >= NLMSG_HDRLEN + sizeof(error))
			std::memcpy(&error, base + NLMSG_HDRLEN, sizeof(error));
		tlvs = NLMSG_HDRLEN + NLMSG_ALIGN(sizeof(error));
	} else {
		throw ParseError("message type " + std::to_string(msg.nlmsg_type) + " is not an ack");
	}

	AckStatus status;
	status.error = error == INT32_MIN ? EPROTO : std::abs(error);
	if ((msg.nlmsg_flags & NLM_F_ACK_TLVS) && tlvs < len) {
		try {
			const Attrs ext(base + tlvs, len - tlvs, kExtAckRules, "extended ack");
			if (ext.has(NLMSGERR_ATTR_MSG))
				status.message = ext.string(NLMSGERR_ATTR_MSG);
			if (ext.has(NLMSGERR_ATTR_MISS_TYPE)) {
				const std::string missing =
					"missing attribute " + std::to_string(ext.u32(NLMSGERR_ATTR_MISS_TYPE));
				status.message = status.message.empty() ? missing : status.message + " (" + missing + ")";
			}
		} catch (const ParseError &) {
			// The status matters more than its explanation.
		}
	}
	return status;
}

MsgPtr newGenlMessage(int family, std::uint8_t cmd, std::uint8_t version)
{
	MsgPtr msg(nlmsg_alloc());
	if (!msg)
		throw std::bad_alloc();
	if (!genlmsg_put(msg.get(), NL_AUTO_PORT, NL_AUTO_SEQ, family, 0, 0, cmd, version))
		throw Error(EMSGSIZE, "genlmsg_put");
	return msg;
}

GenlSocket::GenlSocket(SockPtr sock) : sock_(std::move(sock)), buf_(new std::uint8_t[kBufSize]) {}

GenlSocket GenlSocket::open()
{
	SockPtr sock(nl_socket_alloc());
	if (!sock)
		throw std::bad_alloc();
	if (int err = genl_connect(sock.get()); err < 0)
		throw Error::fromNl(err, "generic netlink socket");
	// Replies are matched to requests here; libnl's own sequence
	// expectation would drift, as it does not see them.
	nl_socket_disable_seq_check(sock.get());

	// Old kernels lack these; errors then come without explanation.
	const int fd = nl_socket_get_fd(sock.get());
	const int one = 1;
	::setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	::setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
	return GenlSocket(std::move(sock));
}

int GenlSocket::resolveFamily(const std::string &name)
{
	int id = genl_ctrl_resolve(sock_.get(), name.c_str());
	if (id == -NLE_OBJ_NOTFOUND)
		throw FamilyNotFound(name);
	if (id < 0)
		throw Error::fromNl(id, "resolving generic netlink family \"" + name + "\"");
	return id;
}

void GenlSocket::joinGroup(const std::string &family, const std::string &group)
{
	(void)resolveFamily(family); // tells a missing family from a missing group
	int id = genl_ctrl_resolve_grp(sock_.get(), family.c_str(), group.c_str());
	if (id == -NLE_OBJ_NOTFOUND)
		throw FamilyNotFound(family, group);
	if (id < 0)
		throw Error::fromNl(id, "resolving multicast group \"" + group + "\"");
	if (int err = nl_socket_add_membership(sock_.get(), id); err < 0)
		throw Error::fromNl(err, "joining multicast group \"" + group + "\"");
}

void GenlSocket::request(MsgPtr msg, const MessageHandler &onReply)
{
	transact(std::move(msg), NLM_F_ACK, onReply);
}

void GenlSocket::dump(MsgPtr msg, const MessageHandler &onMessage)
{
	transact(std::move(msg), NLM_F_DUMP, onMessage);
}

void GenlSocket::transact(MsgPtr msg, std::uint16_t flags, const MessageHandler &onReply)
{
	nlmsghdr *hdr = nlmsg_hdr(msg.get());
	nl_complete_msg(sock_.get(), msg.get()); // port, sequence number, NLM_F_REQUEST
	hdr->nlmsg_flags = static_cast<std::uint16_t>((hdr->nlmsg_flags & ~NLM_F_ACK) | flags);
	const std::uint32_t seq = hdr->nlmsg_seq;
	if (int err = nl_send(sock_.get(), msg.get()); err < 0)
		throw Error::fromNl(err, "netlink send");

	std::exception_ptr handlerError;
	std::optional<AckStatus> done;
	bool interrupted = false;
	while (!done) {
		const std::size_t len = receive(true);
		forEachMessage(buf_.get(), len, [&](const nlmsghdr &h) {
			if (done || h.nlmsg_seq != seq)
				return; // a stale reply to an earlier, abandoned request
			interrupted = interrupted || (h.nlmsg_flags & NLM_F_DUMP_INTR);
			if (h.nlmsg_type == NLMSG_ERROR || h.nlmsg_type == NLMSG_DONE) {
				done = parseAck(h);
			} else if (h.nlmsg_type >= NLMSG_MIN_TYPE && onReply) {
				try {
					onReply(h);
				} catch (...) {
					if (!handlerError)
						handlerError = std::current_exception();
				}
			}
		});
	}
	if (handlerError)
		std::rethrow_exception(handlerError);
	if (done->error)
		throw KernelError(done->error, done->message);
	if (interrupted)
		throw DumpInterrupted();
}

void GenlSocket::receivePending(const MessageHandler &onMessage)
{
	std::exception_ptr handlerError;
	while (const std::size_t len = receive(false)) {
		forEachMessage(buf_.get(), len, [&](const nlmsghdr &h) {
			if (h.nlmsg_type < NLMSG_MIN_TYPE)
				return;
			try {
				onMessage(h);
			} catch (...) {
				if (!handlerError)
					handlerError = std::current_exception();
			}
		});
	}
	if (handlerError)
		std::rethrow_exception(handlerError);
}

int GenlSocket::fd() const
{
	return nl_socket_get_fd(sock_.get());
}

std::size_t GenlSocket::receive(bool wait)
{
	for (;;) {
		sockaddr_nl peer{};
		iovec iov{buf_.get(), kBufSize};
		msghdr mh{};
		mh.msg_name = &peer;
		mh.msg_namelen = sizeof(peer);
		mh.msg_iov = &iov;
		mh.msg_iovlen = 1;

		const ssize_t n = ::recvmsg(fd(), &mh, wait ? 0 : MSG_DONTWAIT);
		if (n < 0) {
			const int err = errno;
			if (err == EINTR)
				continue;
			if (!wait && (err == EAGAIN || err == EWOULDBLOCK))
				return 0;
			throw Error(err, err == ENOBUFS ? "netlink receive (messages lost)" : "netlink receive");
		}
		if (mh.msg_flags & MSG_TRUNC)
			throw Error(EMSGSIZE, "netlink receive: datagram truncated");
		if (peer.nl_pid != 0)
			continue; // only the kernel talks to us
		return static_cast<std::size_t>(n);
	}
}

} // namespace mpwifi::netlink
