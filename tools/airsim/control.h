// airsim: the control socket of a running medium.  A client connects to a
// Unix SOCK_SEQPACKET socket, sends one command (a schedule action without
// "at_s", see config.h) and reads one reply: "ok" or "error: <why>".
#pragma once

#include <functional>
#include <string>

#include "base/unique_fd.h"

namespace airsim {

class ControlServer {
public:
	// Returns "ok" or throws with the reason the command was refused.
	using Handler = std::function<void(const std::string &command)>;

	// Binds @path (replacing a stale socket file) and listens; throws
	// std::runtime_error on failure.
	ControlServer(std::string path, Handler handler);
	~ControlServer();
	ControlServer(const ControlServer &) = delete;
	ControlServer &operator=(const ControlServer &) = delete;

	int fd() const { return listener_.get(); }
	// Serves the connections that are waiting.
	void serve();

private:
	std::string path_;
	Handler handler_;
	mpwifi::base::UniqueFd listener_;
};

// Sends @command to the medium listening on @path; returns its reply.
// Throws std::runtime_error when the medium cannot be reached.
std::string send_control(const std::string &path, const std::string &command);

} // namespace airsim
