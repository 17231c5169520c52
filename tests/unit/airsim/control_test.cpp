// The control socket: one command, one reply, and a client that waits for a
// busy medium instead of giving up.
#include "control.h"

#include <chrono>
#include <cstdlib>
#include <future>
#include <stdexcept>
#include <string>
#include <thread>

#include <gtest/gtest.h>
#include <unistd.h>

namespace {

std::string socket_path(const char *name)
{
	const char *dir = std::getenv("TMPDIR");
	return std::string(dir ? dir : "/tmp") + "/airsim-" + name + "-" + std::to_string(::getpid());
}

TEST(Control, CommandReachesTheHandlerAndOkComesBack)
{
	std::string seen;
	airsim::ControlServer server(socket_path("ok"), [&](const std::string &c) { seen = c; });
	auto reply = std::async(std::launch::async, [&] { return airsim::send_control(socket_path("ok"), "{}"); });
	// serve() handles the connections already waiting: wait for this one.
	while (reply.wait_for(std::chrono::milliseconds(10)) != std::future_status::ready && seen.empty())
		server.serve();
	EXPECT_EQ(reply.get(), "ok");
	EXPECT_EQ(seen, "{}");
}

TEST(Control, RefusedCommandAnswersWithTheReason)
{
	airsim::ControlServer server(socket_path("err"),
				     [](const std::string &) { throw std::runtime_error("no such link"); });
	auto reply = std::async(std::launch::async, [] { return airsim::send_control(socket_path("err"), "x"); });
	while (reply.wait_for(std::chrono::milliseconds(10)) != std::future_status::ready)
		server.serve();
	EXPECT_EQ(reply.get(), "error: no such link");
}

// A medium busy forwarding a burst of frames gets to its control socket
// late; on a debug kernel under emulation that was more than 2 s, and the
// client gave up with "Resource temporarily unavailable".
TEST(Control, ClientWaitsForAMediumThatAnswersLate)
{
	airsim::ControlServer server(socket_path("late"), [](const std::string &) {});
	auto reply = std::async(std::launch::async, [] { return airsim::send_control(socket_path("late"), "{}"); });
	std::this_thread::sleep_for(std::chrono::milliseconds(2500));
	while (reply.wait_for(std::chrono::milliseconds(10)) != std::future_status::ready)
		server.serve();
	EXPECT_EQ(reply.get(), "ok");
}

TEST(Control, NoMediumIsAClearError)
{
	try {
		airsim::send_control(socket_path("absent"), "{}");
		FAIL() << "no exception";
	} catch (const std::runtime_error &e) {
		EXPECT_NE(std::string(e.what()).find(socket_path("absent")), std::string::npos) << e.what();
	}
}

} // namespace
