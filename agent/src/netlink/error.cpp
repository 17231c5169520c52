// SPDX-License-Identifier: GPL-2.0
#include "netlink/error.h"

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include <netlink/errno.h>

namespace mpwifi::netlink {

namespace {

std::string describe(int code, const std::string &context, const std::string &extack)
{
	std::string what = context + ": " + std::strerror(code);
	if (!extack.empty())
		what += ": " + extack;
	return what;
}

} // namespace

Error::Error(int code, const std::string &context, std::string extack)
	: std::runtime_error(describe(code, context, extack)), code_(code), extack_(std::move(extack))
{
}

FamilyNotFound::FamilyNotFound(const std::string &family, const std::string &group)
	: Error(Verbatim{}, ENOENT,
		group.empty() ? "generic netlink family \"" + family + "\" not found"
			      : "multicast group \"" + group + "\" of generic netlink family \"" +
					family + "\" not found"),
	  family_(family), group_(group)
{
}

ParseError::ParseError(const std::string &what)
	: Error(Verbatim{}, EBADMSG, "malformed netlink message: " + what)
{
}

int errnoFromNl(int nlerr) noexcept
{
	switch (std::abs(nlerr)) {
	case NLE_INTR: return EINTR;
	case NLE_BAD_SOCK: return EBADF;
	case NLE_AGAIN: return EAGAIN;
	case NLE_NOMEM: return ENOMEM;
	case NLE_INVAL: return EINVAL;
	case NLE_MSGSIZE: return EMSGSIZE;
	case NLE_AF_NOSUPPORT: return EAFNOSUPPORT;
	case NLE_OBJ_NOTFOUND: return ENOENT;
	case NLE_PROTO_MISMATCH: return EPROTONOSUPPORT;
	case NLE_NOACCESS: return EACCES;
	case NLE_PERM: return EPERM;
	default: return EIO;
	}
}

Error Error::fromNl(int nlerr, const std::string &context)
{
	return Error(Verbatim{}, errnoFromNl(nlerr), context + ": " + nl_geterror(nlerr));
}

} // namespace mpwifi::netlink
