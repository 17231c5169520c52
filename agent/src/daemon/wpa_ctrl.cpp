// SPDX-License-Identifier: GPL-2.0
#include "daemon/wpa_ctrl.h"

#include <cerrno>
#include <cstring>

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "base/unique_fd.h"

namespace mpwifi::daemon {

namespace {

constexpr std::size_t kReplyMax = 4096; // STATUS is a few hundred bytes

[[noreturn]] void fail(const std::string &path, const std::string &what, int err)
{
	throw WpaCtrlError("wpa_supplicant control socket " + path + ": " + what + ": " + std::strerror(err));
}

} // namespace

std::optional<std::string> wpaRequest(const std::string &dir, const std::string &ifname, std::string_view command,
				      std::chrono::milliseconds timeout)
{
	const std::string path = dir + "/" + ifname;
	sockaddr_un peer{};
	peer.sun_family = AF_UNIX;
	if (path.size() >= sizeof(peer.sun_path))
		throw WpaCtrlError("wpa_supplicant control socket path too long: " + path);
	std::memcpy(peer.sun_path, path.c_str(), path.size() + 1);

	base::UniqueFd fd(::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0));
	if (!fd)
		fail(path, "socket", errno);
	// An abstract address chosen by the kernel: wpa_supplicant answers to
	// whatever address asked, and no file is left behind.
	sockaddr_un self{};
	self.sun_family = AF_UNIX;
	if (::bind(fd.get(), reinterpret_cast<const sockaddr *>(&self), sizeof(sa_family_t)) < 0)
		fail(path, "bind", errno);
	if (::connect(fd.get(), reinterpret_cast<const sockaddr *>(&peer), sizeof(peer)) < 0) {
		if (errno == ENOENT || errno == ECONNREFUSED || errno == ENOTDIR)
			return std::nullopt;
		fail(path, "connect", errno);
	}
	if (::send(fd.get(), command.data(), command.size(), 0) < 0)
		fail(path, "send", errno);

	pollfd pfd{fd.get(), POLLIN, 0};
	int ready;
	do
		ready = ::poll(&pfd, 1, static_cast<int>(timeout.count()));
	while (ready < 0 && errno == EINTR);
	if (ready <= 0)
		throw WpaCtrlError("wpa_supplicant control socket " + path + ": no answer to " + std::string(command));

	std::string reply(kReplyMax, '\0');
	const ssize_t n = ::recv(fd.get(), reply.data(), reply.size(), 0);
	if (n < 0)
		fail(path, "receive", errno);
	reply.resize(static_cast<std::size_t>(n));
	return reply;
}

} // namespace mpwifi::daemon
