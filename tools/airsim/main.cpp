// airsim: a retry-aware 802.11a/g wireless medium for mac80211_hwsim.
//
//   airsim --config FILE [--truth FILE] [--control SOCKET] [--queue-limit N] [--time-scale K]
//          [--seed N] [--stats-interval S] [--check]
//   airsim ctl SOCKET 'COMMAND'
//
// Runs in the network namespace where mac80211_hwsim was loaded (radios keep
// their creation namespace's medium when moved), in real time: every event
// happens when the simulation says, measured on CLOCK_MONOTONIC.
#include <time.h>

#include <csignal>
#include <cstdio>
#include <iostream>
#include <optional>
#include <string>

#include <boost/program_options.hpp>
#include <nlohmann/json.hpp>

#include "base/event_loop.h"
#include "config.h"
#include "control.h"
#include "frontend.h"
#include "medium.h"
#include "truth.h"

namespace po = boost::program_options;
using mpwifi::base::EventLoop;

namespace airsim {
namespace {

Nanos monotonic_ns()
{
	timespec ts{};
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return static_cast<Nanos>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

struct Options {
	std::string config;
	std::string truth;
	std::string control;
	std::size_t queue_limit = MediumOptions{}.queue_limit;
	std::int64_t time_scale = 1;
	std::optional<std::uint64_t> seed;
	double stats_interval_s = 0.0;
	bool check = false;
};

int run(const Options &options)
{
	Config config = load_config_file(options.config);
	if (options.seed)
		config.seed = *options.seed;
	if (options.check) {
		std::printf("%s: ok, %zu radios, %zu links, %zu schedule events\n", options.config.c_str(),
			    config.radios.size(), config.links.size(), config.schedule.size());
		return 0;
	}

	// Everything that can fail does so before the medium registers.  Frames
	// are stamped when read, which is when the kernel handed them over
	// unless the emulator is behind.
	FrontEnd front_end(monotonic_ns);
	front_end.check_radios(config);
	std::optional<TruthLog> truth;
	if (!options.truth.empty())
		truth.emplace(options.truth);

	const Nanos start = monotonic_ns();
	MediumOptions medium_options;
	medium_options.queue_limit = options.queue_limit;
	medium_options.time_scale = options.time_scale;
	Medium medium(Scenario(std::move(config)), start, front_end, medium_options);
	const Config &scenario_config = medium.scenario().config();
	for (const RadioConfig &radio : scenario_config.radios)
		medium.add_radio(radio.name);
	front_end.attach(
		medium,
		[&](const FrameRecord &record) {
			if (truth)
				truth->frame(record, medium);
		},
		[&](Nanos at, const ScheduleEvent &event) {
			const nlohmann::json action = action_to_json(event);
			std::fprintf(stderr, "airsim: at %.3f s: %s\n", static_cast<double>(at - start) / 1e9,
				     action.dump().c_str());
			if (truth)
				truth->event(at, action);
		});
	if (truth)
		truth->header(start, medium, scenario_config);

	EventLoop loop;
	std::optional<ControlServer> control;
	if (!options.control.empty())
		control.emplace(options.control, [&](const std::string &text) {
			medium.apply(monotonic_ns(), parse_command_text(scenario_config, text));
		});

	front_end.register_medium();
	std::fprintf(stderr, "airsim: medium for %zu radios registered", scenario_config.radios.size());
	for (const int index : front_end.unconfigured_radios())
		std::fprintf(stderr, "; hwsim radio %d is not in the config and will be isolated", index);
	std::fprintf(stderr, "\n");

	EventLoop::Timer next_timer;
	std::function<void()> reschedule = [&] {
		const auto next = medium.next_event();
		if (!next) {
			next_timer.reset();
			return;
		}
		const Nanos delay = std::max<Nanos>(0, *next - monotonic_ns());
		next_timer = loop.after(std::chrono::nanoseconds(delay), [&] {
			medium.run_until(monotonic_ns());
			reschedule();
		});
	};

	auto frames = loop.watchRead(front_end.fd(), [&] {
		front_end.receive(monotonic_ns());
		reschedule();
	});
	EventLoop::Watch control_watch;
	if (control)
		control_watch = loop.watchRead(control->fd(), [&] {
			control->serve();
			reschedule();
		});
	auto signals = loop.watchSignals({SIGINT, SIGTERM}, [&](int) { loop.exit(0); });

	MediumStats last_stats;
	Nanos last_stats_at = start;
	std::uint64_t last_frames_in = 0;
	std::uint64_t last_frames_out = 0;
	auto print_stats = [&] {
		const Nanos now = monotonic_ns();
		const double span_s = std::max(1e-9, static_cast<double>(now - last_stats_at) / 1e9);
		const MediumStats &s = medium.stats();
		const FrontEndStats &f = front_end.stats();
		nlohmann::json busy = nlohmann::json::object();
		for (const auto &[freq, channel] : s.channels) {
			const Nanos before = last_stats.channels.contains(freq) ? last_stats.channels[freq].busy_ns : 0;
			busy[std::to_string(freq)] =
				std::round(1000.0 * static_cast<double>(channel.busy_ns - before) / 1e9 / span_s) / 10.0;
		}
		const nlohmann::json stats = {
			{"frames_per_s", std::round(static_cast<double>(f.frames_in - last_frames_in) / span_s)},
			{"frames", f.frames_in}, {"deliveries", s.deliveries}, {"overheard", s.overheard},
			{"reports", f.reports_out},
			{"queue_drops", s.queue_drops}, {"retry_drops", s.retry_drops}, {"rejected", f.rejected},
			{"unknown_radio", f.unknown_radio}, {"send_errors", f.send_errors},
			{"kernel_overruns", f.kernel_overruns}, {"busy_pct", busy},
			{"lag_mean_us", std::round(static_cast<double>(f.lag_total) /
						   static_cast<double>(std::max<std::uint64_t>(1, f.frames_out - last_frames_out)) / 1e3)},
			{"lag_max_us", std::round(static_cast<double>(f.lag_max) / 1e3)},
			{"copies_late_1ms", f.late_1ms}};
		std::fprintf(stderr, "airsim: stats %s\n", stats.dump().c_str());
		if (truth) {
			truth->frame_stats(now, stats);
			truth->flush();
		}
		last_stats = s;
		last_stats_at = now;
		last_frames_in = f.frames_in;
		last_frames_out = f.frames_out;
		front_end.reset_lag();
	};
	EventLoop::Timer stats_timer;
	if (options.stats_interval_s > 0)
		stats_timer = loop.every(std::chrono::nanoseconds(static_cast<Nanos>(options.stats_interval_s * 1e9)),
					 print_stats);
	EventLoop::Timer flush_timer;
	if (truth)
		flush_timer = loop.every(std::chrono::seconds(1), [&] { truth->flush(); });

	loop.run();
	print_stats();
	return 0;
}

} // namespace
} // namespace airsim

int main(int argc, char **argv)
{
	using namespace airsim;
	try {
		if (argc >= 2 && std::string(argv[1]) == "ctl") {
			if (argc != 4) {
				std::cerr << "usage: airsim ctl SOCKET 'COMMAND'\n";
				return 2;
			}
			const std::string reply = send_control(argv[2], argv[3]);
			std::cout << reply << "\n";
			return reply == "ok" ? 0 : 1;
		}

		Options options;
		po::options_description desc("airsim: a retry-aware 802.11a/g medium for mac80211_hwsim\n"
					     "usage: airsim --config FILE [options]\n"
					     "       airsim ctl SOCKET 'COMMAND'\noptions");
		desc.add_options()
			("help,h", "this help")
			("config,c", po::value(&options.config)->required(), "scenario (JSON, see tools/airsim/config.h)")
			("truth,t", po::value(&options.truth), "write the ground truth (JSON lines) to this file")
			("control", po::value(&options.control), "listen for commands on this Unix socket")
			("queue-limit", po::value(&options.queue_limit), "frames queued per radio (default 1000)")
			("time-scale", po::value(&options.time_scale),
			 "every duration on air takes K times its length (1..16; default 1: real time)")
			("seed", po::value<std::uint64_t>(), "random seed (overrides the config's)")
			("stats-interval", po::value(&options.stats_interval_s), "print statistics every S seconds")
			("check", po::bool_switch(&options.check), "validate the config and exit");
		po::variables_map vm;
		po::store(po::command_line_parser(argc, argv).options(desc).run(), vm);
		if (vm.count("help")) {
			std::cout << desc << "\n";
			return 0;
		}
		po::notify(vm);
		if (vm.count("seed"))
			options.seed = vm["seed"].as<std::uint64_t>();
		if (options.queue_limit < 1)
			throw po::error("--queue-limit must be at least 1");
		if (options.time_scale < 1 || options.time_scale > 16)
			throw po::error("--time-scale must be 1..16");
		if (options.stats_interval_s < 0)
			throw po::error("--stats-interval must not be negative");
		return run(options);
	} catch (const po::error &e) {
		std::cerr << "airsim: " << e.what() << " (see airsim --help)\n";
		return 2;
	} catch (const ConfigError &e) {
		std::cerr << "airsim: config: " << e.what() << "\n";
		return 2;
	} catch (const std::exception &e) {
		std::cerr << "airsim: " << e.what() << "\n";
		return 1;
	}
}
