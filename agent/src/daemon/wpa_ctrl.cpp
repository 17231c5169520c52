// SPDX-License-Identifier: GPL-2.0
#include "daemon/wpa_ctrl.h"

#include <cerrno>
#include <charconv>
#include <cstring>

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "daemon/wifi_networks.h"

namespace mpwifi::daemon {

namespace {

// The largest reply a request of the manager's gets: STATUS and SCAN_RESULTS
// of a few dozen BSSs.  A longer one is truncated, and said to be.
constexpr std::size_t kDatagramMax = 16384;

[[noreturn]] void fail(const std::string &path, const std::string &what, int err)
{
	throw WpaCtrlError("wpa_supplicant control socket " + path + ": " + what + ": " + std::strerror(err));
}

} // namespace

bool WpaEvent::is(std::string_view name) const
{
	return text.starts_with(name) && (text.size() == name.size() || text[name.size()] == ' ');
}

std::optional<WpaEvent> parseWpaEvent(std::string_view datagram)
{
	WpaEvent event;
	if (datagram.starts_with("IFNAME=")) {
		datagram.remove_prefix(7);
		const auto space = datagram.find(' ');
		if (space == std::string_view::npos || space == 0)
			return std::nullopt;
		event.ifname = datagram.substr(0, space);
		datagram.remove_prefix(space + 1);
	}
	const auto close = datagram.find('>');
	if (!datagram.starts_with('<') || close == std::string_view::npos || close < 2)
		return std::nullopt;
	const std::string_view level = datagram.substr(1, close - 1);
	const auto [end, ec] = std::from_chars(level.data(), level.data() + level.size(), event.level);
	if (ec != std::errc() || end != level.data() + level.size())
		return std::nullopt;
	event.text = datagram.substr(close + 1);
	return event;
}

std::optional<WpaCtrl> WpaCtrl::connect(const std::string &path)
{
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
	return WpaCtrl(std::move(fd), path);
}

std::optional<std::string> WpaCtrl::receive(std::chrono::milliseconds timeout)
{
	pollfd pfd{fd_.get(), POLLIN, 0};
	int ready;
	do
		ready = ::poll(&pfd, 1, static_cast<int>(timeout.count()));
	while (ready < 0 && errno == EINTR);
	if (ready < 0)
		fail(path_, "poll", errno);
	if (ready == 0)
		return std::nullopt;
	std::string datagram(kDatagramMax, '\0');
	const ssize_t n = ::recv(fd_.get(), datagram.data(), datagram.size(), MSG_DONTWAIT | MSG_TRUNC);
	if (n < 0) {
		if (errno == EAGAIN || errno == EINTR)
			return std::nullopt;
		// ECONNREFUSED: wpa_supplicant closed its socket (it exited)
		fail(path_, "receive", errno);
	}
	if (static_cast<std::size_t>(n) > datagram.size())
		throw WpaCtrlError("wpa_supplicant control socket " + path_ + ": a reply of " + std::to_string(n) +
				   " bytes, more than " + std::to_string(kDatagramMax));
	datagram.resize(static_cast<std::size_t>(n));
	return datagram;
}

std::string WpaCtrl::request(std::string_view command, std::chrono::milliseconds timeout)
{
	if (::send(fd_.get(), command.data(), command.size(), 0) < 0)
		fail(path_, "send " + std::string(command), errno);
	const auto deadline = std::chrono::steady_clock::now() + timeout;
	for (;;) {
		const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
			deadline - std::chrono::steady_clock::now());
		auto datagram = receive(std::max(left, std::chrono::milliseconds(0)));
		if (!datagram)
			throw WpaCtrlError("wpa_supplicant control socket " + path_ + ": no answer to " +
					   std::string(command));
		if (attached_) {
			if (auto event = parseWpaEvent(*datagram)) {
				queued_.push_back(std::move(*event));
				continue;
			}
		}
		return std::move(*datagram);
	}
}

void WpaCtrl::command(std::string_view command, std::chrono::milliseconds timeout)
{
	std::string reply = request(command, timeout);
	while (!reply.empty() && reply.back() == '\n')
		reply.pop_back();
	if (reply != "OK")
		throw WpaCtrlError("wpa_supplicant " + path_ + ": " + std::string(command) + ": " +
				   (reply.empty() ? "empty reply" : reply));
}

void WpaCtrl::attach(std::chrono::milliseconds timeout)
{
	command("ATTACH", timeout);
	attached_ = true;
}

std::vector<WpaEvent> WpaCtrl::events()
{
	std::vector<WpaEvent> out(std::make_move_iterator(queued_.begin()), std::make_move_iterator(queued_.end()));
	queued_.clear();
	while (auto datagram = receive(std::chrono::milliseconds(0)))
		if (auto event = parseWpaEvent(*datagram))
			out.push_back(std::move(*event));
	return out;
}

std::optional<std::string> wpaRequest(const std::string &dir, const std::string &ifname, std::string_view command,
				      std::chrono::milliseconds timeout)
{
	auto ctrl = WpaCtrl::connect(dir + "/" + ifname);
	if (!ctrl)
		return std::nullopt;
	return ctrl->request(command, timeout);
}

std::string interfaceAddRequest(std::string_view ifname, std::string_view driver, std::string_view ctrlDir,
				std::string_view confFile)
{
	// INTERFACE_ADD ifname TAB confname TAB driver TAB ctrl_interface: the
	// networks come by SET_NETWORK.
	std::string request = "INTERFACE_ADD ";
	request.append(ifname).append("\t").append(confFile).append("\t").append(driver).append("\t").append(ctrlDir);
	return request;
}

std::vector<std::string> stationNetworkRequests(const WifiNetwork &network, int id, const MacAddr &bssid)
{
	const std::string prefix = "SET_NETWORK " + std::to_string(id) + " ";
	std::vector<std::string> out;
	for (const auto &[name, value] : network.fields)
		if (name != "bssid" && name != "bgscan" && name != "disabled")
			out.push_back(prefix + name + " " + value);
	out.push_back(prefix + "bssid " + formatMac(bssid));
	out.push_back(prefix + "bgscan \"\"");
	return out;
}

} // namespace mpwifi::daemon
