#include "control.h"

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

namespace airsim {
namespace {

constexpr std::size_t max_command = 64 * 1024;

[[noreturn]] void fail(const std::string &what)
{
	throw std::runtime_error(what + ": " + std::strerror(errno));
}

sockaddr_un address(const std::string &path)
{
	sockaddr_un addr{};
	addr.sun_family = AF_UNIX;
	if (path.empty() || path.size() >= sizeof(addr.sun_path))
		throw std::runtime_error("control socket path must have 1.." +
					 std::to_string(sizeof(addr.sun_path) - 1) + " characters");
	std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
	return addr;
}

// How long the medium waits for a connected client's command, and how long
// a client waits for the medium's answer: a medium busy with a burst of
// frames on a slow (debug, emulated) kernel answers seconds late.
constexpr int server_timeout_s = 2;
constexpr int client_timeout_s = 30;

void set_timeout(int fd, int option, int seconds)
{
	const timeval timeout{.tv_sec = seconds, .tv_usec = 0};
	::setsockopt(fd, SOL_SOCKET, option, &timeout, sizeof(timeout));
}

} // namespace

ControlServer::ControlServer(std::string path, Handler handler)
	: path_(std::move(path)), handler_(std::move(handler))
{
	const sockaddr_un addr = address(path_);
	listener_.reset(::socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
	if (!listener_)
		fail("control socket");
	::unlink(path_.c_str());
	if (::bind(listener_.get(), reinterpret_cast<const sockaddr *>(&addr), sizeof(addr)) != 0)
		fail(path_);
	if (::listen(listener_.get(), 8) != 0)
		fail(path_);
}

ControlServer::~ControlServer()
{
	::unlink(path_.c_str());
}

void ControlServer::serve()
{
	for (;;) {
		mpwifi::base::UniqueFd conn(::accept4(listener_.get(), nullptr, nullptr, SOCK_CLOEXEC));
		if (!conn)
			return; // EAGAIN: nobody else waiting (or a transient error)
		// The client writes right after connecting; a silent one costs at
		// most the timeout.
		set_timeout(conn.get(), SO_RCVTIMEO, server_timeout_s);
		set_timeout(conn.get(), SO_SNDTIMEO, server_timeout_s);
		std::string command(max_command, '\0');
		const ssize_t n = ::recv(conn.get(), command.data(), command.size(), 0);
		if (n <= 0)
			continue;
		command.resize(static_cast<std::size_t>(n));
		std::string reply = "ok";
		try {
			handler_(command);
		} catch (const std::exception &e) {
			reply = std::string("error: ") + e.what();
		}
		(void)::send(conn.get(), reply.data(), reply.size(), MSG_NOSIGNAL);
	}
}

std::string send_control(const std::string &path, const std::string &command)
{
	if (command.size() > max_command)
		throw std::runtime_error("command longer than " + std::to_string(max_command) + " bytes");
	const sockaddr_un addr = address(path);
	mpwifi::base::UniqueFd fd(::socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0));
	if (!fd)
		fail("socket");
	if (::connect(fd.get(), reinterpret_cast<const sockaddr *>(&addr), sizeof(addr)) != 0)
		fail(path);
	set_timeout(fd.get(), SO_RCVTIMEO, client_timeout_s);
	if (::send(fd.get(), command.data(), command.size(), MSG_NOSIGNAL) < 0)
		fail(path);
	std::string reply(4096, '\0');
	const ssize_t n = ::recv(fd.get(), reply.data(), reply.size(), 0);
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
		throw std::runtime_error(path + ": no answer from the medium within " +
					 std::to_string(client_timeout_s) + " s");
	if (n < 0)
		fail(path);
	reply.resize(static_cast<std::size_t>(n));
	return reply;
}

} // namespace airsim
