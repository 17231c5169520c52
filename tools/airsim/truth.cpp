#include "truth.h"

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include <nlohmann/json.hpp>

namespace airsim {

TruthLog::TruthLog(const std::string &path) : file_(std::fopen(path.c_str(), "w")), path_(path)
{
	if (!file_)
		throw std::runtime_error(path + ": " + std::strerror(errno));
	// Lines are written often and read after the run: a large buffer.
	std::setvbuf(file_.get(), nullptr, _IOFBF, 1 << 20);
}

void TruthLog::header(Nanos start, const Medium &medium, const Config &config)
{
	nlohmann::json radios = nlohmann::json::array();
	for (int r = 0; r < medium.radio_count(); ++r) {
		const RadioConfig *radio = config.find_radio(medium.radio_name(r));
		radios.push_back({{"name", radio->name},
				  {"index", radio->hwsim_index},
				  {"addr", format_mac(hwsim_radio_address(radio->hwsim_index))}});
	}
	const nlohmann::json line = {{"airsim", 1}, {"start_ns", start}, {"radios", radios}};
	std::fprintf(file_.get(), "%s\n", line.dump().c_str());
}

void TruthLog::frame(const FrameRecord &r, const Medium &medium)
{
	std::FILE *f = file_.get();
	std::fprintf(f, "{\"t_ns\":%lld,\"air_ns\":%lld,\"enq_ns\":%lld,\"from\":\"%s\",\"to\":",
		     static_cast<long long>(r.handed_at), static_cast<long long>(r.at), static_cast<long long>(r.enqueued),
		     medium.radio_name(r.tx_radio).c_str());
	if (r.rx_radio >= 0)
		std::fprintf(f, "\"%s\"", medium.radio_name(r.rx_radio).c_str());
	else
		std::fputs("null", f);
	// the interfaces' addresses: a radio may carry several (a station interface per AP)
	std::fprintf(f, ",\"ra\":\"%s\",\"ta\":", format_mac(r.info.addr1).c_str());
	if (r.info.addr2)
		std::fprintf(f, "\"%s\"", format_mac(*r.info.addr2).c_str());
	else
		std::fputs("null", f);
	std::fprintf(f, ",\"kind\":\"%s\",\"seq\":", kind_name(r.info.kind));
	if (r.info.seq)
		std::fprintf(f, "%d", *r.info.seq);
	else
		std::fputs("null", f);
	std::fputs(",\"tid\":", f);
	if (r.info.tid)
		std::fprintf(f, "%d", *r.info.tid);
	else
		std::fputs("null", f);
	std::fprintf(f,
		     ",\"bytes\":%zu,\"attempts\":%d,\"first_ok\":%s,\"received\":%s,\"acked\":%s,\"copies\":%d,"
		     "\"collisions\":%d,\"airtime_us\":%lld,\"rates\":[",
		     r.psdu_bytes, r.attempts, r.first_ok ? "true" : "false", r.received ? "true" : "false",
		     r.acked ? "true" : "false", r.copies, r.collisions, static_cast<long long>(r.airtime_us));
	for (std::size_t i = 0; i < r.attempt_rates.size(); ++i)
		std::fprintf(f, "%s%d", i ? "," : "", rate_100kbps(r.attempt_rates[i]));
	std::fprintf(f, "],\"queue_drop\":%s}\n", r.queue_drop ? "true" : "false");
}

void TruthLog::event(Nanos at, const nlohmann::json &event)
{
	const nlohmann::json line = {{"t_ns", at}, {"event", event}};
	std::fprintf(file_.get(), "%s\n", line.dump().c_str());
}

void TruthLog::frame_stats(Nanos at, const nlohmann::json &stats)
{
	const nlohmann::json line = {{"t_ns", at}, {"stats", stats}};
	std::fprintf(file_.get(), "%s\n", line.dump().c_str());
}

void TruthLog::flush()
{
	if (std::fflush(file_.get()) != 0)
		throw std::runtime_error(path_ + ": " + std::strerror(errno));
}

} // namespace airsim
