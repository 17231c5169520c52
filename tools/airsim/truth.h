// airsim: the ground-truth log, JSON lines.
//
//   {"airsim": 1, "start_ns": N, "radios": [{"name", "index", "addr"}]}      first line
//   {"t_ns", "air_ns", "enq_ns", "from", "to", "kind", "seq", "tid", "bytes", "attempts", "first_ok",
//    "received", "acked", "copies", "collisions", "airtime_us", "rates", "queue_drop"}
//                                                  one per unicast frame, once its fate is known
//   {"t_ns": N, "event": {<the applied schedule action or control command>}}
//   {"t_ns": N, "stats": {...}}                    periodic medium statistics
// Times are CLOCK_MONOTONIC nanoseconds.  A frame's air_ns is when, on the
// simulated air, the receiver got its first copy, or when its last attempt
// ended if it never did; t_ns is when airsim really handed that copy to the
// kernel (or gave up), which is what the receiver's own clock sees: later than
// air_ns when the emulator runs behind; enq_ns is when airsim got the frame; "to"
// is null when no radio receives for the destination address; "rates" gives
// each attempt's rate in 100 kbit/s; "airtime_us" charges every attempt
// DIFS + backoff + PPDU + SIFS + ACK (or the ACK timeout).
#pragma once

#include <cstdio>
#include <memory>
#include <string>

#include <nlohmann/json_fwd.hpp>

#include "medium.h"

namespace airsim {

class TruthLog {
public:
	// Opens (truncates) @path; throws std::runtime_error on failure.
	explicit TruthLog(const std::string &path);

	void header(Nanos start, const Medium &medium, const Config &config);
	void frame(const FrameRecord &record, const Medium &medium);
	void event(Nanos at, const nlohmann::json &event);
	void frame_stats(Nanos at, const nlohmann::json &stats);
	void flush();

private:
	struct FileCloser {
		void operator()(std::FILE *f) const noexcept { std::fclose(f); }
	};
	std::unique_ptr<std::FILE, FileCloser> file_;
	std::string path_;
};

} // namespace airsim
