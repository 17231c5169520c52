// The discrete-event medium against timings computed by hand from
// IEEE Std 802.11-2016, never from the library's own PHY functions.
//
// Every scenario runs on 2412 MHz: ERP-OFDM with the short slot (18.4.5 /
// Table 18-5, aRxPHYStartDelay as in Table 17-21):
//   slot 9 us, SIFS 10 us, DIFS = SIFS + 2 * slot = 28 us, CWmin 15, CWmax 1023,
//   ACKTimeout = SIFS + slot + aRxPHYStartDelay (25) = 44 us,
//   OFDM PPDU = 20 + 4 * ceil((16 + 8 * PSDU + 6) / N_DBPS) us, + 6 us signal
//   extension at 2.4 GHz (18.5.2).
// Test frames are 200-byte MPDUs, so the PSDU (+ 4 bytes FCS) is 204 bytes
// and carries 16 + 1632 + 6 = 1654 bits:
//   54 Mbit/s (N_DBPS 216): ceil(1654 / 216) =  8 symbols -> 20 +  32 + 6 =  58 us
//   24 Mbit/s (N_DBPS  96): ceil(1654 /  96) = 18 symbols -> 20 +  72 + 6 =  98 us
//   12 Mbit/s (N_DBPS  48): ceil(1654 /  48) = 35 symbols -> 20 + 140 + 6 = 166 us
//    6 Mbit/s (N_DBPS  24): ceil(1654 /  24) = 69 symbols -> 20 + 276 + 6 = 302 us
// (1654 is 22 bits past a multiple of 48 and 96: leaving out the FCS would
// save a symbol at 24, 12 and 6 Mbit/s.)
// ACK: 14 bytes = 134 bits at the control response rate.  hostapd's 2.4 GHz
// basic rate set is 1/2/5.5/11 (DSSS only), so an OFDM frame is acknowledged
// at the highest mandatory OFDM rate (6/12/24) not above its own rate:
//   24 Mbit/s: ceil(134 / 96) = 2 symbols -> 20 +  8 + 6 = 34 us
//   12 Mbit/s: ceil(134 / 48) = 3 symbols -> 20 + 12 + 6 = 38 us
//    6 Mbit/s: ceil(134 / 24) = 6 symbols -> 20 + 24 + 6 = 50 us
//
// Binomial checks use 4 standard deviations of the estimator (a correct model
// fails with probability < 1e-4 per check; the seed is fixed anyway).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "config.h"
#include "medium.h"
#include "scenario.h"

namespace airsim {
namespace {

constexpr Nanos us = 1000;
constexpr Nanos ms = 1000 * us;
constexpr Nanos sec = 1000 * ms;
// CLOCK_MONOTONIC time of the scenario's time zero; the first frames arrive
// 1 ms later, after a quiet period.
constexpr Nanos start = 7 * sec;
constexpr Nanos t0 = start + 1 * ms;

constexpr std::size_t mpdu_bytes = 200;
constexpr std::size_t psdu_bytes = mpdu_bytes + 4; // + FCS

// 2.4 GHz ERP MAC timing, in microseconds (see the top of the file).
constexpr std::int64_t slot = 9;
constexpr std::int64_t sifs = 10;
constexpr std::int64_t difs = 28;
constexpr std::int64_t ack_timeout = 44;
// PPDU durations of the 204-byte PSDU and of the ACK, in microseconds.
constexpr std::int64_t ppdu_54 = 58;
constexpr std::int64_t ppdu_24 = 98;
constexpr std::int64_t ppdu_12 = 166;
constexpr std::int64_t ppdu_6 = 302;
constexpr std::int64_t ack_24 = 34;
constexpr std::int64_t ack_12 = 38;

constexpr int freq = 2412;
constexpr std::uint32_t hwsim_flags = 0x1234;

class Recorder : public MediumSink {
public:
	// Hands each copy over at its time on the air, or when the previous send
	// ended if that is later, and takes send_cost to send it.
	Nanos deliver(const Delivery &d) override
	{
		deliveries.push_back(d);
		sent_until = std::max(sent_until, d.at) + send_cost;
		return sent_until;
	}
	void report(const TxReport &r) override { reports.push_back(r); }
	void record(const FrameRecord &r) override { records.push_back(r); }
	void scenario_event(Nanos at, const ScheduleEvent &) override { scenario_events.push_back(at); }

	std::vector<Delivery> deliveries;
	std::vector<TxReport> reports;
	std::vector<FrameRecord> records;
	std::vector<Nanos> scenario_events; // when each took effect
	Nanos send_cost = 0;
	Nanos sent_until = 0;
};

MediumOptions fixed_backoff(int slots) { return MediumOptions{.simulator = {.fixed_backoff_slots = slots}}; }

struct Bench {
	explicit Bench(const std::string &json, MediumOptions options = fixed_backoff(3))
		: medium(Scenario(parse_config_text(json)), start, sink, options)
	{
	}
	// Registers a radio and the address it receives for.
	int add(const std::string &name, const MacAddr &addr)
	{
		const int index = medium.add_radio(name);
		medium.add_address(index, addr);
		return index;
	}

	Recorder sink;
	Medium medium;
};

MacAddr mac(std::uint8_t last) { return MacAddr{0x02, 0x00, 0x00, 0x00, 0x00, last}; }
const MacAddr broadcast{0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
const MacAddr ap_addr = mac(0x01);
const MacAddr sta_addr = mac(0x02);

void put(std::vector<std::uint8_t> &frame, std::size_t offset, const MacAddr &addr)
{
	std::copy(addr.begin(), addr.end(), frame.begin() + static_cast<std::ptrdiff_t>(offset));
}

void put_seq(std::vector<std::uint8_t> &frame, int seq)
{
	frame[22] = static_cast<std::uint8_t>((seq & 0x0f) << 4);
	frame[23] = static_cast<std::uint8_t>((seq >> 4) & 0xff);
}

// A data frame (FC 0x08 0x02: data, FromDS) of mpdu_bytes: addr1 = to,
// addr2 = from (the transmitter), addr3 = from.
std::vector<std::uint8_t> data_frame(const MacAddr &to, const MacAddr &from, int seq, std::size_t length = mpdu_bytes)
{
	std::vector<std::uint8_t> frame(length);
	frame[0] = 0x08;
	frame[1] = 0x02;
	put(frame, 4, to);
	put(frame, 10, from);
	put(frame, 16, from);
	put_seq(frame, seq);
	for (std::size_t i = 24; i < frame.size(); ++i)
		frame[i] = static_cast<std::uint8_t>(i * 7);
	return frame;
}

bool retry_bit(const std::vector<std::uint8_t> &frame) { return (frame.at(1) & 0x08) != 0; }
int seq_of(const std::vector<std::uint8_t> &frame) { return (frame.at(22) | (frame.at(23) << 8)) >> 4; }

// The frame with the retry bit cleared: what the sender handed over.
std::vector<std::uint8_t> without_retry(std::vector<std::uint8_t> frame)
{
	frame.at(1) = static_cast<std::uint8_t>(frame.at(1) & ~0x08);
	return frame;
}

TxRequest request(int radio, std::vector<std::uint8_t> frame, std::vector<RateTry> rates, std::uint64_t cookie)
{
	TxRequest r;
	r.radio = radio;
	r.frame = std::move(frame);
	r.freq_mhz = freq;
	r.rates = std::move(rates);
	r.cookie = cookie;
	r.flags = hwsim_flags;
	return r;
}

std::vector<int> attempts_of(const TxReport &r) { return r.attempts_per_entry; }

// ap and sta on channel 1 with one symmetric explicit link.
std::string pair_config(const std::string &link_fields, const std::string &extra = "")
{
	return R"({"radios": [{"name": "ap", "freq_mhz": 2412}, {"name": "sta", "freq_mhz": 2412}],
	           "links": [{"from": "ap", "to": "sta", )" +
	       link_fields + "}]" + extra + "}";
}

const FrameRecord *record_with_seq(const Recorder &sink, int seq)
{
	for (const FrameRecord &r : sink.records)
		if (r.info.seq == seq)
			return &r;
	return nullptr;
}

const TxReport *report_with_cookie(const Recorder &sink, std::uint64_t cookie)
{
	for (const TxReport &r : sink.reports)
		if (r.cookie == cookie)
			return &r;
	return nullptr;
}

// The copies that went to the radio a frame was addressed to (not overheard ones).
std::vector<Delivery> addressed(const Bench &b)
{
	std::vector<Delivery> out;
	for (const Delivery &d : b.sink.deliveries) {
		MacAddr addr1;
		std::copy_n(d.frame.begin() + 4, 6, addr1.begin());
		if (b.medium.radio_of_address(addr1) == d.rx_radio)
			out.push_back(d);
	}
	return out;
}

// ---- timing of one exchange ---------------------------------------------------

TEST(MediumTiming, SingleUnicastExchangeByHand)
{
	Bench b(pair_config(R"("loss": 0)"));
	const int ap = b.add("ap", ap_addr);
	const int sta = b.add("sta", sta_addr);
	const auto frame = data_frame(sta_addr, ap_addr, 17);
	b.medium.submit(t0, request(ap, frame, {{Rate::ofdm_24, 4}}, 99));
	ASSERT_TRUE(b.medium.next_event().has_value());

	// Backoff drawn even after the quiet period: DIFS 28 + 3 slots 27 = 55 us,
	// then the 24 Mbit/s PPDU (98 us) ends at t0 + 153 us.
	const Nanos rx_at = t0 + (difs + 3 * slot + ppdu_24) * us;
	// SIFS 10 + ACK at 24 Mbit/s (34 us): t0 + 197 us.
	const Nanos ack_end = rx_at + (sifs + ack_24) * us;
	EXPECT_EQ(rx_at, t0 + 153 * us);
	EXPECT_EQ(ack_end, t0 + 197 * us);

	b.medium.run_until(rx_at - 1);
	EXPECT_TRUE(b.sink.deliveries.empty()) << "delivered before the end of the PPDU";
	b.medium.run_until(rx_at);
	ASSERT_EQ(b.sink.deliveries.size(), 1u) << "not delivered at the end of the PPDU";
	EXPECT_TRUE(b.sink.reports.empty()) << "reported before the ACK ended";
	b.medium.run_until(ack_end - 1);
	EXPECT_TRUE(b.sink.reports.empty()) << "reported before the ACK ended";
	b.medium.run_until(ack_end);
	ASSERT_EQ(b.sink.reports.size(), 1u) << "no report at the end of the ACK";
	b.medium.run_until(t0 + 1 * sec);
	EXPECT_FALSE(b.medium.next_event().has_value());

	const Delivery &d = b.sink.deliveries[0];
	EXPECT_EQ(d.tx_radio, ap);
	EXPECT_EQ(d.rx_radio, sta);
	EXPECT_EQ(d.frame, frame); // first attempt: no retry bit, bytes untouched
	EXPECT_EQ(d.rate, Rate::ofdm_24);
	EXPECT_EQ(d.freq_mhz, freq);
	EXPECT_EQ(d.at, rx_at);

	const TxReport &r = b.sink.reports[0];
	EXPECT_EQ(r.radio, ap);
	EXPECT_EQ(r.cookie, 99u);
	EXPECT_EQ(r.flags, hwsim_flags);
	EXPECT_TRUE(r.acked);
	ASSERT_EQ(r.rates.size(), 1u);
	EXPECT_EQ(r.rates[0].rate, Rate::ofdm_24);
	EXPECT_EQ(r.rates[0].count, 4);
	EXPECT_EQ(attempts_of(r), (std::vector<int>{1}));
	EXPECT_EQ(r.freq_mhz, freq);
	EXPECT_EQ(r.at, ack_end);

	ASSERT_EQ(b.sink.records.size(), 1u);
	const FrameRecord &rec = b.sink.records[0];
	EXPECT_EQ(rec.at, rx_at);
	EXPECT_EQ(rec.enqueued, t0);
	EXPECT_EQ(rec.tx_radio, ap);
	EXPECT_EQ(rec.rx_radio, sta);
	EXPECT_EQ(rec.info.kind, FrameInfo::Kind::data);
	EXPECT_EQ(rec.info.addr1, sta_addr);
	EXPECT_EQ(rec.info.seq, 17);
	EXPECT_EQ(rec.psdu_bytes, psdu_bytes);
	EXPECT_EQ(rec.attempts, 1);
	EXPECT_TRUE(rec.first_ok);
	EXPECT_TRUE(rec.received);
	EXPECT_TRUE(rec.acked);
	EXPECT_EQ(rec.copies, 1);
	EXPECT_EQ(rec.collisions, 0);
	// 28 + 27 + 98 + 10 + 34 = 197 us.
	EXPECT_EQ(rec.airtime_us, 197);
	EXPECT_EQ(rec.attempt_rates, (std::vector<Rate>{Rate::ofdm_24}));
	EXPECT_FALSE(rec.queue_drop);

	const MediumStats &s = b.medium.stats();
	EXPECT_EQ(s.frames, 1u);
	EXPECT_EQ(s.deliveries, 1u);
	EXPECT_EQ(s.queue_drops, 0u);
	EXPECT_EQ(s.retry_drops, 0u);
	ASSERT_EQ(s.channels.count(freq), 1u);
	EXPECT_EQ(s.channels.at(freq).attempts, 1u);
	EXPECT_EQ(s.channels.at(freq).collisions, 0u);
	// Busy from the start of the PPDU to the end of the ACK: 98 + 10 + 34 = 142 us.
	EXPECT_EQ(s.channels.at(freq).busy_ns, 142 * us);
}

struct RateCase {
	Rate rate;
	std::int64_t ppdu_us; // 204-byte PSDU
	std::int64_t ack_us;  // 14-byte ACK at the control response rate
};

TEST(MediumTiming, PpduAndAckDurationForEveryRate)
{
	// OFDM: 1654 data bits, ACK 134 bits (see the top of the file), + 6 us extension.
	//   9 (36):  ceil(1654/36)  = 46 -> 20 + 184 + 6 = 210; ACK at 6: 50
	//  18 (72):  ceil(1654/72)  = 23 -> 20 +  92 + 6 = 118; ACK at 12: 38
	//  36 (144): ceil(1654/144) = 12 -> 20 +  48 + 6 =  74; ACK at 24: 34
	//  48 (192): ceil(1654/192) =  9 -> 20 +  36 + 6 =  62; ACK at 24: 34
	// DSSS/CCK, long preamble (192 us), no extension, ACK at the same basic rate:
	//   1:   1632 / 1   = 1632 -> 1824;  ACK 112 / 1        = 112 -> 304
	//   2:   1632 / 2   =  816 -> 1008;  ACK 112 / 2        =  56 -> 248
	//   5.5: 1632 / 5.5 = 296.7 -> 297 -> 489;  ACK 112 / 5.5 = 20.4 -> 21 -> 213
	//   11:  1632 / 11  = 148.4 -> 149 -> 341;  ACK 112 / 11  = 10.2 -> 11 -> 203
	const RateCase cases[] = {
		{Rate::ofdm_6, 302, 50},  {Rate::ofdm_9, 210, 50},   {Rate::ofdm_12, 166, 38},
		{Rate::ofdm_18, 118, 38}, {Rate::ofdm_24, 98, 34},   {Rate::ofdm_36, 74, 34},
		{Rate::ofdm_48, 62, 34},  {Rate::ofdm_54, 58, 34},   {Rate::dsss_1, 1824, 304},
		{Rate::dsss_2, 1008, 248}, {Rate::cck_5_5, 489, 213}, {Rate::cck_11, 341, 203},
	};
	for (const RateCase &c : cases) {
		SCOPED_TRACE(rate_100kbps(c.rate));
		Bench b(pair_config(R"("loss": 0)"), fixed_backoff(0));
		const int ap = b.add("ap", ap_addr);
		b.add("sta", sta_addr);
		b.medium.submit(t0, request(ap, data_frame(sta_addr, ap_addr, 1), {{c.rate, 1}}, 1));
		b.medium.run_until(t0 + 1 * sec);
		ASSERT_EQ(b.sink.deliveries.size(), 1u);
		EXPECT_EQ(b.sink.deliveries[0].at, t0 + (difs + c.ppdu_us) * us);
		EXPECT_EQ(b.sink.deliveries[0].rate, c.rate);
		ASSERT_EQ(b.sink.reports.size(), 1u);
		EXPECT_EQ(b.sink.reports[0].at, t0 + (difs + c.ppdu_us + sifs + c.ack_us) * us);
		ASSERT_EQ(b.sink.records.size(), 1u);
		EXPECT_EQ(b.sink.records[0].airtime_us, difs + c.ppdu_us + sifs + c.ack_us);
	}
}

TEST(MediumTiming, BackToBackFramesOfOneRadio)
{
	Bench b(pair_config(R"("loss": 0)"));
	const int ap = b.add("ap", ap_addr);
	b.add("sta", sta_addr);
	b.medium.submit(t0, request(ap, data_frame(sta_addr, ap_addr, 1), {{Rate::ofdm_54, 1}}, 1));
	b.medium.submit(t0, request(ap, data_frame(sta_addr, ap_addr, 2), {{Rate::ofdm_54, 1}}, 2));
	b.medium.run_until(t0 + 1 * sec);
	// Each exchange: 28 + 27 + 58 (PPDU end at +113) + 10 + 34 (ACK end at +157).
	// The second frame starts its DIFS when the first exchange ends.
	ASSERT_EQ(b.sink.deliveries.size(), 2u);
	EXPECT_EQ(seq_of(b.sink.deliveries[0].frame), 1);
	EXPECT_EQ(b.sink.deliveries[0].at, t0 + 113 * us);
	EXPECT_EQ(seq_of(b.sink.deliveries[1].frame), 2);
	EXPECT_EQ(b.sink.deliveries[1].at, t0 + (157 + 113) * us);
	ASSERT_EQ(b.sink.reports.size(), 2u);
	EXPECT_EQ(b.sink.reports[1].at, t0 + 314 * us);
	ASSERT_EQ(b.sink.records.size(), 2u);
	EXPECT_EQ(b.sink.records[1].enqueued, t0);
	EXPECT_EQ(b.sink.records[1].airtime_us, 157);
}

// The air slowed four times: the same exchanges take four times as long in the
// caller's clock, the busy time with them; the truth's airtime stays nominal.
TEST(MediumTiming, ATimeScaleStretchesEveryDurationOnAir)
{
	MediumOptions slowed = fixed_backoff(3);
	slowed.time_scale = 4;
	Bench b(pair_config(R"("loss": 0)"), slowed);
	const int ap = b.add("ap", ap_addr);
	b.add("sta", sta_addr);
	b.medium.submit(t0, request(ap, data_frame(sta_addr, ap_addr, 1), {{Rate::ofdm_54, 1}}, 1));
	b.medium.submit(t0, request(ap, data_frame(sta_addr, ap_addr, 2), {{Rate::ofdm_54, 1}}, 2));
	b.medium.run_until(t0 + 1 * sec);
	ASSERT_EQ(b.sink.deliveries.size(), 2u);
	EXPECT_EQ(b.sink.deliveries[0].at, t0 + 4 * 113 * us);
	EXPECT_EQ(b.sink.deliveries[1].at, t0 + 4 * (157 + 113) * us);
	ASSERT_EQ(b.sink.reports.size(), 2u);
	EXPECT_EQ(b.sink.reports[1].at, t0 + 4 * 314 * us);
	ASSERT_EQ(b.sink.records.size(), 2u);
	EXPECT_EQ(b.sink.records[1].airtime_us, 157);
}

// A caller a second late gets both frames in one run_until(), and its sink
// takes 3 ms a send: each frame's truth is stamped when its own copy reached
// the receiver, not when the batch began.
TEST(MediumTiming, TruthIsStampedWhenEachCopyWasHandedOver)
{
	Bench b(pair_config(R"("loss": 0)"));
	const int ap = b.add("ap", ap_addr);
	b.add("sta", sta_addr);
	b.medium.submit(t0, request(ap, data_frame(sta_addr, ap_addr, 1), {{Rate::ofdm_54, 1}}, 1));
	b.medium.submit(t0, request(ap, data_frame(sta_addr, ap_addr, 2), {{Rate::ofdm_54, 1}}, 2));
	b.sink.sent_until = t0 + 1 * sec;
	b.sink.send_cost = 3 * ms;
	b.medium.run_until(t0 + 1 * sec);
	ASSERT_EQ(b.sink.records.size(), 2u);
	EXPECT_EQ(b.sink.records[0].at, t0 + 113 * us);
	EXPECT_EQ(b.sink.records[0].handed_at, t0 + 1 * sec + 3 * ms);
	EXPECT_EQ(b.sink.records[1].at, t0 + (157 + 113) * us);
	EXPECT_EQ(b.sink.records[1].handed_at, t0 + 1 * sec + 6 * ms);
}

// ---- retries ----------------------------------------------------------------------

TEST(MediumRetries, LossyLinkWalksRateTableAndDrops)
{
	Bench b(pair_config(R"("loss": 1.0)"));
	const int ap = b.add("ap", ap_addr);
	const int sta = b.add("sta", sta_addr);
	b.medium.submit(t0, request(ap, data_frame(sta_addr, ap_addr, 5), {{Rate::ofdm_12, 2}, {Rate::ofdm_6, 2}}, 7));
	b.medium.run_until(t0 + 1 * sec);

	EXPECT_TRUE(b.sink.deliveries.empty());
	ASSERT_EQ(b.sink.reports.size(), 1u);
	const TxReport &r = b.sink.reports[0];
	EXPECT_FALSE(r.acked);
	EXPECT_EQ(r.cookie, 7u);
	EXPECT_EQ(attempts_of(r), (std::vector<int>{2, 2}));
	// Every attempt: DIFS + 3 slots + PPDU + ACKTimeout.
	//   12 Mbit/s: 28 + 27 + 166 + 44 = 265 us (twice)
	//    6 Mbit/s: 28 + 27 + 302 + 44 = 401 us (twice)
	// total 2 * 265 + 2 * 401 = 1332 us.
	EXPECT_EQ(r.at, t0 + 1332 * us);

	ASSERT_EQ(b.sink.records.size(), 1u);
	const FrameRecord &rec = b.sink.records[0];
	EXPECT_EQ(rec.rx_radio, sta);
	EXPECT_EQ(rec.attempts, 4);
	EXPECT_FALSE(rec.first_ok);
	EXPECT_FALSE(rec.received);
	EXPECT_FALSE(rec.acked);
	EXPECT_EQ(rec.copies, 0);
	EXPECT_EQ(rec.collisions, 0);
	EXPECT_EQ(rec.airtime_us, 1332);
	EXPECT_EQ(rec.at, t0 + 1332 * us); // nothing received: when the last attempt ended
	EXPECT_EQ(rec.attempt_rates, (std::vector<Rate>{Rate::ofdm_12, Rate::ofdm_12, Rate::ofdm_6, Rate::ofdm_6}));
	EXPECT_FALSE(rec.queue_drop);

	const MediumStats &s = b.medium.stats();
	EXPECT_EQ(s.retry_drops, 1u);
	EXPECT_EQ(s.deliveries, 0u);
	EXPECT_EQ(s.channels.at(freq).attempts, 4u);
	EXPECT_EQ(s.channels.at(freq).collisions, 0u);
	// On air: PPDU + ACKTimeout per attempt: 2 * (166 + 44) + 2 * (302 + 44) = 1112 us.
	EXPECT_EQ(s.channels.at(freq).busy_ns, 1112 * us);
}

TEST(MediumRetries, LossStatisticsAndRetryBit)
{
	// Per-attempt loss p = 0.3, table {54 x2, 24 x2}, backoff drawn at random.
	constexpr double p = 0.3;
	constexpr int n = 20000;
	Bench b(pair_config(R"("loss": 0.3)"), MediumOptions{});
	const int ap = b.add("ap", ap_addr);
	const int sta = b.add("sta", sta_addr);
	const std::vector<RateTry> table{{Rate::ofdm_54, 2}, {Rate::ofdm_24, 2}};

	int first_ok = 0;
	int dropped = 0;
	int retried_and_received = 0;
	int copies_with_retry = 0;
	std::uint64_t attempts = 0;
	std::uint64_t copies = 0;
	double first_backoff_slots = 0.0;
	int first_backoff_samples = 0;
	double two_backoff_slots = 0.0; // sum of both backoffs of frames acked at the second attempt
	int two_backoff_samples = 0;
	Nanos t = t0;
	for (int i = 0; i < n; ++i) {
		const std::size_t d0 = b.sink.deliveries.size();
		const std::size_t r0 = b.sink.records.size();
		const auto frame = data_frame(sta_addr, ap_addr, i % 4096);
		b.medium.submit(t, request(ap, frame, table, static_cast<std::uint64_t>(i)));
		b.medium.run_until(t + 20 * ms); // 4 attempts take < 3 ms
		t += 20 * ms;
		ASSERT_EQ(b.sink.records.size(), r0 + 1) << "frame " << i;
		ASSERT_EQ(b.sink.reports.size(), r0 + 1) << "frame " << i;
		const FrameRecord &rec = b.sink.records.back();
		const TxReport &rep = b.sink.reports.back();
		ASSERT_GE(rec.attempts, 1);
		ASSERT_LE(rec.attempts, 4);
		ASSERT_EQ(rep.acked, rec.acked);
		ASSERT_EQ(rep.attempts_per_entry.size(), 2u);
		ASSERT_EQ(rep.attempts_per_entry[0] + rep.attempts_per_entry[1], rec.attempts);
		// No ACK loss on this link: received <=> acked, and exactly one copy.
		ASSERT_EQ(rec.received, rec.acked);
		const std::size_t new_copies = b.sink.deliveries.size() - d0;
		ASSERT_EQ(new_copies, rec.received ? 1u : 0u) << "frame " << i;
		ASSERT_EQ(rec.copies, static_cast<int>(new_copies));
		if (new_copies == 1) {
			const Delivery &d = b.sink.deliveries.back();
			ASSERT_EQ(d.rx_radio, sta);
			// The retry bit is set exactly on a copy from attempt 1 or later.
			ASSERT_EQ(retry_bit(d.frame), !rec.first_ok) << "frame " << i;
			ASSERT_EQ(without_retry(d.frame), frame);
			ASSERT_EQ(d.rate, rec.attempts <= 2 ? Rate::ofdm_54 : Rate::ofdm_24);
			copies_with_retry += retry_bit(d.frame);
		}
		// Airtime: per attempt DIFS 28 + PPDU (58 at 54, 98 at 24) + backoff,
		// then ACKTimeout 44 for a failure or SIFS 10 + ACK 34 (ACK at 24 Mbit/s
		// for both rates) for the success.  The backoffs are whole slots within
		// [0, 15], [0, 31], [0, 63], [0, 127].
		std::int64_t fixed_us = 0;
		std::int64_t max_backoff_slots = 0;
		for (int a = 0; a < rec.attempts; ++a) {
			fixed_us += difs + (a < 2 ? ppdu_54 : ppdu_24);
			fixed_us += (rec.acked && a == rec.attempts - 1) ? sifs + ack_24 : ack_timeout;
			max_backoff_slots += (16 << a) - 1;
		}
		const std::int64_t backoff_us = rec.airtime_us - fixed_us;
		ASSERT_GE(backoff_us, 0) << "frame " << i;
		ASSERT_EQ(backoff_us % slot, 0) << "frame " << i;
		ASSERT_LE(backoff_us / slot, max_backoff_slots) << "frame " << i;
		if (rec.attempts == 1 && rec.acked) {
			first_backoff_slots += static_cast<double>(backoff_us / slot);
			++first_backoff_samples;
		}
		if (rec.attempts == 2 && rec.acked) {
			two_backoff_slots += static_cast<double>(backoff_us / slot);
			++two_backoff_samples;
		}
		first_ok += rec.first_ok;
		dropped += !rec.acked;
		retried_and_received += rec.received && !rec.first_ok;
		attempts += static_cast<std::uint64_t>(rec.attempts);
		copies += new_copies;
	}
	const auto four_sigma = [](double q, int samples) { return 4.0 * std::sqrt(q * (1.0 - q) / samples); };
	EXPECT_NEAR(static_cast<double>(first_ok) / n, 1.0 - p, four_sigma(p, n));
	// Dropped after 4 failures: p^4 = 0.0081.
	const double p_drop = std::pow(p, 4);
	EXPECT_NEAR(static_cast<double>(dropped) / n, p_drop, four_sigma(p_drop, n));
	// Attempts = min(geometric, 4): mean 1 + p + p^2 + p^3 = 1.417; E[A^2] =
	// 1 + 3p + 5p^2 + 7p^3 = 2.539, variance 2.539 - 1.417^2 = 0.5311.
	EXPECT_NEAR(static_cast<double>(attempts) / n, 1.417, 4.0 * std::sqrt(0.5311 / n));
	// First backoff uniform in [0, 15]: mean 7.5, variance (16^2 - 1) / 12 = 21.25.
	ASSERT_GT(first_backoff_samples, n / 2);
	EXPECT_NEAR(first_backoff_slots / first_backoff_samples, 7.5, 4.0 * std::sqrt(21.25 / first_backoff_samples));
	// CW doubles after the failure: [0, 15] + [0, 31], mean 7.5 + 15.5 = 23,
	// variance 21.25 + (32^2 - 1) / 12 = 106.5.
	ASSERT_GT(two_backoff_samples, n / 10);
	EXPECT_NEAR(two_backoff_slots / two_backoff_samples, 23.0, 4.0 * std::sqrt(106.5 / two_backoff_samples));
	EXPECT_EQ(copies_with_retry, retried_and_received);

	const MediumStats &s = b.medium.stats();
	EXPECT_EQ(s.frames, static_cast<std::uint64_t>(n));
	EXPECT_EQ(s.deliveries, copies);
	EXPECT_EQ(s.retry_drops, static_cast<std::uint64_t>(dropped));
	EXPECT_EQ(s.queue_drops, 0u);
	EXPECT_EQ(s.channels.at(freq).attempts, attempts);
	EXPECT_EQ(s.channels.at(freq).collisions, 0u);
}

TEST(MediumRetries, QueuedFramesGoBackToBackAndResetTheContentionWindow)
{
	// 150 frames queued at once, loss 0.5, table {54 x4}, random backoff.
	// One radio alone on the channel: every exchange starts with its DIFS +
	// backoff right after the previous one, so the n-th report comes exactly
	// the sum of the first n airtimes after t0.  A frame acked at its first
	// attempt has a backoff from [0, CWmin = 15] whatever happened to the
	// frame before it: 28 + 9b + 58 + 10 + 34 = 130 + 9b us.
	Bench b(pair_config(R"("loss": 0.5)"), MediumOptions{});
	const int ap = b.add("ap", ap_addr);
	b.add("sta", sta_addr);
	constexpr int n = 150;
	for (int i = 0; i < n; ++i)
		b.medium.submit(t0, request(ap, data_frame(sta_addr, ap_addr, i), {{Rate::ofdm_54, 4}},
					    static_cast<std::uint64_t>(i)));
	b.medium.run_until(t0 + 10 * sec);
	ASSERT_EQ(b.sink.reports.size(), static_cast<std::size_t>(n));
	ASSERT_EQ(b.sink.records.size(), static_cast<std::size_t>(n));
	std::int64_t elapsed_us = 0;
	int first_ok_after_failure = 0;
	bool previous_failed = false;
	for (int i = 0; i < n; ++i) {
		SCOPED_TRACE(i);
		const FrameRecord &rec = b.sink.records[static_cast<std::size_t>(i)];
		const TxReport &rep = b.sink.reports[static_cast<std::size_t>(i)];
		ASSERT_EQ(rep.cookie, static_cast<std::uint64_t>(i));
		ASSERT_EQ(rec.info.seq, i);
		elapsed_us += rec.airtime_us;
		EXPECT_EQ(rep.at, t0 + elapsed_us * us);
		if (rec.attempts == 1 && rec.acked) {
			const std::int64_t backoff_us = rec.airtime_us - 130;
			EXPECT_EQ(backoff_us % slot, 0);
			EXPECT_GE(backoff_us, 0);
			EXPECT_LE(backoff_us / slot, 15);
			first_ok_after_failure += previous_failed;
		}
		previous_failed = rec.attempts > 1 || !rec.acked;
	}
	// About n / 4 frames: enough that a CW left at 31 or more would show.
	EXPECT_GT(first_ok_after_failure, 10);
}

TEST(MediumRetries, SnrLinkUsesErrorModel)
{
	// 40 dB is far above what 54 Mbit/s needs; at 0 dB a 54 Mbit/s frame
	// (64-QAM 3/4) cannot be decoded.
	{
		Bench b(pair_config(R"("snr_db": 40)"));
		const int ap = b.add("ap", ap_addr);
		b.add("sta", sta_addr);
		b.medium.submit(t0, request(ap, data_frame(sta_addr, ap_addr, 1), {{Rate::ofdm_54, 2}}, 1));
		b.medium.run_until(t0 + 1 * sec);
		ASSERT_EQ(b.sink.records.size(), 1u);
		EXPECT_TRUE(b.sink.records[0].first_ok);
		EXPECT_TRUE(b.sink.records[0].acked);
		EXPECT_EQ(b.sink.records[0].airtime_us, 157);
	}
	{
		Bench b(pair_config(R"("snr_db": 0)"));
		const int ap = b.add("ap", ap_addr);
		b.add("sta", sta_addr);
		b.medium.submit(t0, request(ap, data_frame(sta_addr, ap_addr, 1), {{Rate::ofdm_54, 2}}, 1));
		b.medium.run_until(t0 + 1 * sec);
		ASSERT_EQ(b.sink.records.size(), 1u);
		EXPECT_FALSE(b.sink.records[0].received);
		EXPECT_EQ(b.sink.records[0].attempts, 2);
		EXPECT_TRUE(b.sink.deliveries.empty());
	}
}

TEST(MediumRetries, LostAckGivesDuplicatesWithRetryBit)
{
	Bench b(pair_config(R"("loss": 0, "lost_ack": 1.0)"));
	const int ap = b.add("ap", ap_addr);
	const int sta = b.add("sta", sta_addr);
	const auto frame = data_frame(sta_addr, ap_addr, 9);
	b.medium.submit(t0, request(ap, frame, {{Rate::ofdm_54, 3}, {Rate::ofdm_6, 1}}, 3));
	b.medium.run_until(t0 + 1 * sec);

	// The ACK never arrives, so every attempt ends with the ACKTimeout:
	//   at 54: 28 + 27 + 58 + 44 = 157 us, PPDU end 113 us after the attempt starts
	//   at 6:  28 + 27 + 302 + 44 = 401 us, PPDU end 357 us after the attempt starts
	// Copies arrive at +113, +157+113 = +270, +314+113 = +427, +471+357 = +828;
	// the frame is given up at +471 + 401 = +872.
	const Nanos expected_at[] = {t0 + 113 * us, t0 + 270 * us, t0 + 427 * us, t0 + 828 * us};
	const Rate expected_rate[] = {Rate::ofdm_54, Rate::ofdm_54, Rate::ofdm_54, Rate::ofdm_6};
	ASSERT_EQ(b.sink.deliveries.size(), 4u);
	for (std::size_t i = 0; i < 4; ++i) {
		SCOPED_TRACE(i);
		const Delivery &d = b.sink.deliveries[i];
		EXPECT_EQ(d.rx_radio, sta);
		EXPECT_EQ(d.at, expected_at[i]);
		EXPECT_EQ(d.rate, expected_rate[i]);
		EXPECT_EQ(retry_bit(d.frame), i > 0);
		EXPECT_EQ(without_retry(d.frame), frame);
	}
	ASSERT_EQ(b.sink.reports.size(), 1u);
	EXPECT_FALSE(b.sink.reports[0].acked);
	EXPECT_EQ(attempts_of(b.sink.reports[0]), (std::vector<int>{3, 1}));
	EXPECT_EQ(b.sink.reports[0].at, t0 + 872 * us);

	ASSERT_EQ(b.sink.records.size(), 1u);
	const FrameRecord &rec = b.sink.records[0];
	EXPECT_EQ(rec.at, t0 + 113 * us); // the first copy
	EXPECT_EQ(rec.attempts, 4);
	EXPECT_TRUE(rec.first_ok);
	EXPECT_TRUE(rec.received);
	EXPECT_FALSE(rec.acked);
	EXPECT_EQ(rec.copies, 4);
	EXPECT_EQ(rec.collisions, 0);
	EXPECT_EQ(rec.airtime_us, 872);
	EXPECT_EQ(b.medium.stats().deliveries, 4u);
}

// ---- group-addressed and no-ACK frames ------------------------------------------

const std::string group_config = R"({
	"radios": [{"name": "ap", "freq_mhz": 2412, "position": [0, 0]},
	           {"name": "sta1", "freq_mhz": 2412},
	           {"name": "sta2", "freq_mhz": 2412},
	           {"name": "lossy", "freq_mhz": 2412},
	           {"name": "blind", "freq_mhz": 2412},
	           {"name": "other", "freq_mhz": 2462, "position": [1, 0]}],
	"links": [{"from": "ap", "to": "sta1", "loss": 0},
	          {"from": "ap", "to": "sta2", "loss": 0},
	          {"from": "ap", "to": "lossy", "loss": 1.0}]})";

TEST(MediumGroup, BroadcastReachesEveryListenerOnTheChannelOnce)
{
	Bench b(group_config);
	const int ap = b.add("ap", ap_addr);
	const int sta1 = b.add("sta1", mac(0x11));
	const int sta2 = b.add("sta2", mac(0x12));
	b.add("lossy", mac(0x13));
	b.add("blind", mac(0x14)); // neither a link nor a position: cannot hear ap
	b.add("other", mac(0x15)); // 1 m away, but on 2462 MHz
	const auto frame = data_frame(broadcast, ap_addr, 40);
	// No HWSIM_TX_CTL_NO_ACK: the medium must tell a group frame by its address.
	b.medium.submit(t0, request(ap, frame, {{Rate::ofdm_12, 3}}, 4));
	b.medium.run_until(t0 + 1 * sec);

	// One attempt: 28 + 27 + 166 = PPDU end at t0 + 221 us.
	ASSERT_EQ(b.sink.deliveries.size(), 2u);
	std::vector<int> receivers;
	for (const Delivery &d : b.sink.deliveries) {
		receivers.push_back(d.rx_radio);
		EXPECT_EQ(d.tx_radio, ap);
		EXPECT_EQ(d.at, t0 + 221 * us);
		EXPECT_EQ(d.rate, Rate::ofdm_12);
		EXPECT_EQ(d.freq_mhz, freq);
		EXPECT_EQ(d.frame, frame);
	}
	std::sort(receivers.begin(), receivers.end());
	EXPECT_EQ(receivers, (std::vector<int>{sta1, sta2}));

	ASSERT_EQ(b.sink.reports.size(), 1u);
	EXPECT_EQ(b.sink.reports[0].cookie, 4u);
	EXPECT_EQ(attempts_of(b.sink.reports[0]), (std::vector<int>{1}));
	EXPECT_GE(b.sink.reports[0].at, t0 + 221 * us);
	for (const FrameRecord &rec : b.sink.records) // optional for group frames; if present, one attempt
		EXPECT_EQ(rec.attempts, 1);
	EXPECT_EQ(b.medium.stats().deliveries, 2u);
	EXPECT_EQ(b.medium.stats().retry_drops, 0u);
	EXPECT_EQ(b.medium.stats().channels.at(freq).attempts, 1u);
	EXPECT_EQ(b.medium.stats().channels.count(2462), 0u);
}

TEST(MediumGroup, NoAckUnicastGetsOneAttempt)
{
	Bench b(group_config);
	const int ap = b.add("ap", ap_addr);
	b.add("lossy", mac(0x13));
	TxRequest req = request(ap, data_frame(mac(0x13), ap_addr, 41), {{Rate::ofdm_54, 2}, {Rate::ofdm_6, 2}}, 5);
	req.no_ack = true;
	b.medium.submit(t0, std::move(req));
	b.medium.run_until(t0 + 1 * sec);
	EXPECT_TRUE(b.sink.deliveries.empty()); // the link loses everything
	ASSERT_EQ(b.sink.reports.size(), 1u);
	EXPECT_EQ(attempts_of(b.sink.reports[0]), (std::vector<int>{1, 0}));
	EXPECT_EQ(b.medium.stats().channels.at(freq).attempts, 1u);
}

// ---- overheard copies of unicast frames ----------------------------------------

// ap -> sta, with "ear" hearing ap on the same channel (ear's link is
// loss-free, sta's is given), and "far" 1 m from ap but on another channel.
std::string overhear_config(const std::string &sta_loss, const std::string &extra = "")
{
	return R"({"radios": [{"name": "ap", "freq_mhz": 2412, "position": [0, 0]}, {"name": "sta", "freq_mhz": 2412},
	                      {"name": "ear", "freq_mhz": 2412}, {"name": "far", "freq_mhz": 2462, "position": [1, 0]}],
	           "links": [{"from": "ap", "to": "sta", "loss": )" +
	       sta_loss + R"(}, {"from": "ap", "to": "ear", "loss": 0}])" +
	       extra + "}";
}

TEST(MediumOverhear, ThirdRadioGetsACopyThatOnlyTheReceiverAcks)
{
	Bench b(overhear_config("0"));
	const int ap = b.add("ap", ap_addr);
	const int sta = b.add("sta", sta_addr);
	const int ear = b.add("ear", mac(0x21));
	b.add("far", mac(0x22));
	const auto frame = data_frame(sta_addr, ap_addr, 5);
	b.medium.submit(t0, request(ap, frame, {{Rate::ofdm_24, 4}}, 7));
	b.medium.run_until(t0 + 1 * sec);

	// One attempt: DIFS 28 + 3 slots 27 + PPDU 98 -> both copies at t0 + 153 us;
	// then SIFS + ACK from sta only: 153 + 10 + 34 = 197 us.
	ASSERT_EQ(b.sink.deliveries.size(), 2u);
	EXPECT_EQ(b.sink.deliveries[0].rx_radio, sta); // the addressed receiver first
	EXPECT_EQ(b.sink.deliveries[1].rx_radio, ear);
	for (const Delivery &d : b.sink.deliveries) {
		EXPECT_EQ(d.frame, frame);
		EXPECT_EQ(d.at, t0 + 153 * us);
		EXPECT_EQ(d.rate, Rate::ofdm_24);
	}
	ASSERT_EQ(b.sink.reports.size(), 1u);
	EXPECT_TRUE(b.sink.reports[0].acked);
	EXPECT_EQ(b.sink.reports[0].at, t0 + 197 * us);
	ASSERT_EQ(b.sink.records.size(), 1u);
	EXPECT_EQ(b.sink.records[0].rx_radio, sta);
	EXPECT_EQ(b.sink.records[0].copies, 1); // ear's copy is no copy of the frame's truth
	EXPECT_EQ(b.medium.stats().deliveries, 2u);
	EXPECT_EQ(b.medium.stats().overheard, 1u);
	EXPECT_EQ(b.medium.stats().channels.at(freq).busy_ns, (98 + 10 + 34) * us);
}

TEST(MediumOverhear, OverheardCopyNeverAcknowledgesAFrameTheReceiverMissed)
{
	Bench b(overhear_config("1.0"));
	const int ap = b.add("ap", ap_addr);
	b.add("sta", sta_addr);
	const int ear = b.add("ear", mac(0x21));
	b.add("far", mac(0x22));
	b.medium.submit(t0, request(ap, data_frame(sta_addr, ap_addr, 6), {{Rate::ofdm_54, 2}}, 8));
	b.medium.run_until(t0 + 1 * sec);

	// sta never decodes it: two attempts of 28 + 27 + 58 + ACK timeout 44 =
	// 157 us each; ear gets both, the second with the retry bit.
	ASSERT_EQ(b.sink.deliveries.size(), 2u);
	for (const Delivery &d : b.sink.deliveries)
		EXPECT_EQ(d.rx_radio, ear);
	EXPECT_EQ(b.sink.deliveries[0].at, t0 + 113 * us);
	EXPECT_FALSE(retry_bit(b.sink.deliveries[0].frame));
	EXPECT_EQ(b.sink.deliveries[1].at, t0 + (157 + 113) * us);
	EXPECT_TRUE(retry_bit(b.sink.deliveries[1].frame));
	ASSERT_EQ(b.sink.reports.size(), 1u);
	EXPECT_FALSE(b.sink.reports[0].acked);
	EXPECT_EQ(attempts_of(b.sink.reports[0]), (std::vector<int>{2}));
	ASSERT_EQ(b.sink.records.size(), 1u);
	EXPECT_FALSE(b.sink.records[0].received);
	EXPECT_EQ(b.sink.records[0].copies, 0);
	EXPECT_EQ(b.sink.records[0].airtime_us, 2 * 157);
	EXPECT_EQ(b.medium.stats().retry_drops, 1u);
}

TEST(MediumOverhear, OffDeliversToTheReceiverOnly)
{
	Bench b(overhear_config("0", R"(, "overhear": false)"));
	const int ap = b.add("ap", ap_addr);
	const int sta = b.add("sta", sta_addr);
	b.add("ear", mac(0x21));
	b.medium.submit(t0, request(ap, data_frame(sta_addr, ap_addr, 7), {{Rate::ofdm_24, 4}}, 9));
	b.medium.run_until(t0 + 1 * sec);
	ASSERT_EQ(b.sink.deliveries.size(), 1u);
	EXPECT_EQ(b.sink.deliveries[0].rx_radio, sta);
	EXPECT_EQ(b.medium.stats().overheard, 0u);
	ASSERT_EQ(b.sink.reports.size(), 1u);
	EXPECT_TRUE(b.sink.reports[0].acked);
}

// ---- carrier sense and collisions ----------------------------------------------

const std::string three_config = R"({
	"radios": [{"name": "a", "freq_mhz": 2412}, {"name": "b", "freq_mhz": 2412}, {"name": "r", "freq_mhz": 2412}],
	"links": [{"from": "a", "to": "r", "loss": 0}, {"from": "b", "to": "r", "loss": 0},
	          {"from": "a", "to": "b", "loss": 0}]})";

TEST(MediumContention, EqualBackoffsCollide)
{
	Bench b(three_config);
	const MacAddr a_addr = mac(0x0a), b_addr = mac(0x0b), r_addr = mac(0x0c);
	const int a = b.add("a", a_addr);
	const int bb = b.add("b", b_addr);
	b.add("r", r_addr);
	b.medium.submit(t0, request(a, data_frame(r_addr, a_addr, 1), {{Rate::ofdm_54, 2}}, 1));
	b.medium.submit(t0, request(bb, data_frame(r_addr, b_addr, 2), {{Rate::ofdm_54, 2}}, 2));
	b.medium.run_until(t0 + 1 * sec);

	// Both count DIFS + 3 slots from t0 and start at t0 + 55 us: the PPDUs
	// coincide at r, which gets neither.  Each attempt: 28 + 27 + 58 + 44 =
	// 157 us; the retry draws 3 slots again and collides again.  Both give up
	// at t0 + 314 us.
	EXPECT_TRUE(b.sink.deliveries.empty());
	ASSERT_EQ(b.sink.reports.size(), 2u);
	for (const TxReport &r : b.sink.reports) {
		EXPECT_FALSE(r.acked);
		EXPECT_EQ(attempts_of(r), (std::vector<int>{2}));
		EXPECT_EQ(r.at, t0 + 314 * us);
	}
	ASSERT_EQ(b.sink.records.size(), 2u);
	int collisions = 0;
	for (const FrameRecord &rec : b.sink.records) {
		EXPECT_EQ(rec.attempts, 2);
		EXPECT_FALSE(rec.received);
		EXPECT_EQ(rec.collisions, 2);
		EXPECT_EQ(rec.airtime_us, 314);
		collisions += rec.collisions;
	}
	const ChannelStats &ch = b.medium.stats().channels.at(freq);
	EXPECT_EQ(ch.attempts, 4u);
	EXPECT_EQ(ch.collisions, static_cast<std::uint64_t>(collisions));
	// On air [55, 157] and [212, 314] us after t0: 204 us.
	EXPECT_EQ(ch.busy_ns, 204 * us);
	EXPECT_EQ(b.medium.stats().retry_drops, 2u);
}

TEST(MediumContention, SenderDefersToFrameOnAir)
{
	Bench b(three_config);
	const MacAddr a_addr = mac(0x0a), b_addr = mac(0x0b), r_addr = mac(0x0c);
	const int a = b.add("a", a_addr);
	const int bb = b.add("b", b_addr);
	const int r = b.add("r", r_addr);
	b.medium.submit(t0, request(a, data_frame(r_addr, a_addr, 1), {{Rate::ofdm_54, 1}}, 1));
	// a's PPDU is on air from t0 + 55 to t0 + 113 us; b's frame arrives at +60.
	b.medium.submit(t0 + 60 * us, request(bb, data_frame(r_addr, b_addr, 2), {{Rate::ofdm_54, 1}}, 2));
	b.medium.run_until(t0 + 1 * sec);

	// a's exchange ends with r's ACK at +157.  b waits DIFS + 3 slots after it:
	// starts at +212, PPDU end at +270, ACK end at +314.
	const std::vector<Delivery> got = addressed(b);
	ASSERT_EQ(got.size(), 2u);
	EXPECT_EQ(got[0].tx_radio, a);
	EXPECT_EQ(got[0].rx_radio, r);
	EXPECT_EQ(got[0].at, t0 + 113 * us);
	EXPECT_EQ(got[1].tx_radio, bb);
	EXPECT_EQ(got[1].rx_radio, r);
	EXPECT_EQ(got[1].at, t0 + 270 * us);
	const TxReport *rb = report_with_cookie(b.sink, 2);
	ASSERT_NE(rb, nullptr);
	EXPECT_TRUE(rb->acked);
	EXPECT_EQ(rb->at, t0 + 314 * us);
	const FrameRecord *rec = record_with_seq(b.sink, 2);
	ASSERT_NE(rec, nullptr);
	// The time b spent deferring is not its airtime: 28 + 27 + 58 + 10 + 34.
	EXPECT_EQ(rec->airtime_us, 157);
	EXPECT_EQ(rec->enqueued, t0 + 60 * us);
	EXPECT_EQ(b.medium.stats().channels.at(freq).collisions, 0u);
	// Busy [55, 157] and [212, 314]: 204 us.
	EXPECT_EQ(b.medium.stats().channels.at(freq).busy_ns, 204 * us);
}

TEST(MediumContention, FrozenBackoffResumesWithRemainingSlots)
{
	Bench b(three_config);
	const MacAddr a_addr = mac(0x0a), b_addr = mac(0x0b), r_addr = mac(0x0c);
	const int a = b.add("a", a_addr);
	const int bb = b.add("b", b_addr);
	b.add("r", r_addr);
	b.medium.submit(t0, request(bb, data_frame(r_addr, b_addr, 1), {{Rate::ofdm_54, 1}}, 1));
	b.medium.submit(t0 + 5 * us, request(a, data_frame(r_addr, a_addr, 2), {{Rate::ofdm_54, 1}}, 2));
	b.medium.run_until(t0 + 1 * sec);

	// b: DIFS to +28, 3 slots to +55, PPDU to +113, ACK to +157.
	// a: DIFS to +33, slots end at +42 and +51; the third would end at +60,
	// but b starts at +55, so a freezes with 1 slot left (10.3.4.3: only
	// whole idle slots count).  After b's exchange: DIFS to +185, 1 slot to
	// +194, PPDU end at +252, ACK end at +296.
	const std::vector<Delivery> got = addressed(b);
	ASSERT_EQ(got.size(), 2u);
	EXPECT_EQ(got[0].tx_radio, bb);
	EXPECT_EQ(got[0].at, t0 + 113 * us);
	EXPECT_EQ(got[1].tx_radio, a);
	EXPECT_EQ(got[1].at, t0 + 252 * us);
	const TxReport *ra = report_with_cookie(b.sink, 2);
	ASSERT_NE(ra, nullptr);
	EXPECT_TRUE(ra->acked);
	EXPECT_EQ(ra->at, t0 + 296 * us);
	// The record charges the drawn backoff: 28 + 27 + 58 + 10 + 34.
	const FrameRecord *rec = record_with_seq(b.sink, 2);
	ASSERT_NE(rec, nullptr);
	EXPECT_EQ(rec->airtime_us, 157);
	EXPECT_EQ(b.medium.stats().channels.at(freq).collisions, 0u);
}

TEST(MediumContention, OverlapOnlyHurtsReceiversThatHearIt)
{
	// a -> ra and x -> rx on one channel; ra cannot hear x, rx cannot hear a.
	Bench b(R"({"radios": [{"name": "a", "freq_mhz": 2412}, {"name": "ra", "freq_mhz": 2412},
	                       {"name": "x", "freq_mhz": 2412}, {"name": "rx", "freq_mhz": 2412}],
	            "links": [{"from": "a", "to": "ra", "loss": 0}, {"from": "x", "to": "rx", "loss": 0}]})");
	const MacAddr a_addr = mac(0x41), ra_addr = mac(0x42), x_addr = mac(0x43), rx_addr = mac(0x44);
	const int a = b.add("a", a_addr);
	b.add("ra", ra_addr);
	const int x = b.add("x", x_addr);
	b.add("rx", rx_addr);
	b.medium.submit(t0, request(a, data_frame(ra_addr, a_addr, 1), {{Rate::ofdm_54, 1}}, 1));
	b.medium.submit(t0, request(x, data_frame(rx_addr, x_addr, 2), {{Rate::ofdm_54, 1}}, 2));
	b.medium.run_until(t0 + 1 * sec);
	// Both start at +55 and overlap completely, but each receiver hears only
	// its own sender: both PPDUs end at +113 and are acknowledged at +157.
	ASSERT_EQ(b.sink.deliveries.size(), 2u);
	for (const Delivery &d : b.sink.deliveries)
		EXPECT_EQ(d.at, t0 + 113 * us);
	ASSERT_EQ(b.sink.reports.size(), 2u);
	for (const TxReport &r : b.sink.reports) {
		EXPECT_TRUE(r.acked);
		EXPECT_EQ(r.at, t0 + 157 * us);
	}
	const ChannelStats &ch = b.medium.stats().channels.at(freq);
	EXPECT_EQ(ch.attempts, 2u);
	EXPECT_EQ(ch.collisions, 0u);
	EXPECT_EQ(ch.busy_ns, (58 + 10 + 34) * us); // both on air over the same [55, 157]
}

TEST(MediumContention, DifferentFrequenciesDoNotInterfere)
{
	Bench b(R"({"radios": [{"name": "a", "freq_mhz": 2412}, {"name": "ra", "freq_mhz": 2412},
	                       {"name": "c", "freq_mhz": 2462}, {"name": "rc", "freq_mhz": 2462}],
	            "links": [{"from": "a", "to": "ra", "loss": 0}, {"from": "c", "to": "rc", "loss": 0}]})");
	const MacAddr a_addr = mac(0x31), ra_addr = mac(0x32), c_addr = mac(0x33), rc_addr = mac(0x34);
	const int a = b.add("a", a_addr);
	const int ra = b.add("ra", ra_addr);
	const int c = b.add("c", c_addr);
	const int rc = b.add("rc", rc_addr);
	b.medium.submit(t0, request(a, data_frame(ra_addr, a_addr, 1), {{Rate::ofdm_54, 1}}, 1));
	TxRequest on_11 = request(c, data_frame(rc_addr, c_addr, 2), {{Rate::ofdm_54, 1}}, 2);
	on_11.freq_mhz = 2462;
	b.medium.submit(t0, std::move(on_11));
	b.medium.run_until(t0 + 1 * sec);
	// Equal backoffs, but on different channels: both at t0 + 28 + 27 + 58.
	ASSERT_EQ(b.sink.deliveries.size(), 2u);
	for (const Delivery &d : b.sink.deliveries) {
		EXPECT_EQ(d.at, t0 + 113 * us);
		EXPECT_EQ(d.rx_radio, d.tx_radio == a ? ra : rc);
		EXPECT_EQ(d.freq_mhz, d.tx_radio == a ? 2412 : 2462);
	}
	const MediumStats &s = b.medium.stats();
	ASSERT_EQ(s.channels.count(2412), 1u);
	ASSERT_EQ(s.channels.count(2462), 1u);
	for (const int f : {2412, 2462}) {
		EXPECT_EQ(s.channels.at(f).attempts, 1u);
		EXPECT_EQ(s.channels.at(f).collisions, 0u);
		EXPECT_EQ(s.channels.at(f).busy_ns, (58 + 10 + 34) * us);
	}
}

TEST(MediumContention, ReceiverCannotReceiveWhileTransmitting)
{
	Bench b(pair_config(R"("loss": 0)"));
	const int ap = b.add("ap", ap_addr);
	const int sta = b.add("sta", sta_addr);
	b.medium.submit(t0, request(ap, data_frame(sta_addr, ap_addr, 1), {{Rate::ofdm_54, 1}}, 1));
	b.medium.submit(t0, request(sta, data_frame(ap_addr, sta_addr, 2), {{Rate::ofdm_54, 1}}, 2));
	b.medium.run_until(t0 + 1 * sec);
	// Both start at t0 + 55 us: each is transmitting while the other's frame arrives.
	EXPECT_TRUE(b.sink.deliveries.empty());
	ASSERT_EQ(b.sink.records.size(), 2u);
	for (const FrameRecord &rec : b.sink.records) {
		EXPECT_FALSE(rec.received);
		EXPECT_EQ(rec.attempts, 1);
	}
}

// ---- hidden stations -----------------------------------------------------------

std::string hidden_config(bool hidden)
{
	return std::string(R"({
	"radios": [{"name": "ap1", "freq_mhz": 2412}, {"name": "ap2", "freq_mhz": 2412}, {"name": "sta", "freq_mhz": 2412}],
	"links": [{"from": "ap1", "to": "sta", "loss": 0}, {"from": "ap2", "to": "sta", "loss": 0}])") +
	       (hidden ? R"(, "hidden_pairs": [["ap1", "ap2"]])" : "") + "}";
}

TEST(MediumHidden, HiddenSendersOverlapAndCollide)
{
	Bench b(hidden_config(true));
	const MacAddr ap1_addr = mac(0x21), ap2_addr = mac(0x22);
	const int ap1 = b.add("ap1", ap1_addr);
	const int ap2 = b.add("ap2", ap2_addr);
	b.add("sta", sta_addr);
	b.medium.submit(t0, request(ap1, data_frame(sta_addr, ap1_addr, 1), {{Rate::ofdm_54, 1}}, 1));
	b.medium.submit(t0 + 20 * us, request(ap2, data_frame(sta_addr, ap2_addr, 2), {{Rate::ofdm_54, 1}}, 2));
	b.medium.run_until(t0 + 1 * sec);

	// ap1 on air [55, 113] us after t0; ap2 cannot sense it and sends at
	// 20 + 55 = 75 until 133.  sta hears both: both lost.  Each sender then
	// waits the ACKTimeout: ap1 done at 157, ap2 at 177.
	EXPECT_TRUE(b.sink.deliveries.empty());
	const TxReport *r1 = report_with_cookie(b.sink, 1);
	const TxReport *r2 = report_with_cookie(b.sink, 2);
	ASSERT_NE(r1, nullptr);
	ASSERT_NE(r2, nullptr);
	EXPECT_FALSE(r1->acked);
	EXPECT_FALSE(r2->acked);
	EXPECT_EQ(r1->at, t0 + 157 * us);
	EXPECT_EQ(r2->at, t0 + 177 * us);
	ASSERT_EQ(b.sink.records.size(), 2u);
	for (const FrameRecord &rec : b.sink.records) {
		EXPECT_EQ(rec.attempts, 1);
		EXPECT_FALSE(rec.received);
		EXPECT_EQ(rec.collisions, 1);
		EXPECT_EQ(rec.airtime_us, 28 + 27 + 58 + 44);
	}
	const ChannelStats &ch = b.medium.stats().channels.at(freq);
	EXPECT_EQ(ch.attempts, 2u);
	EXPECT_EQ(ch.collisions, 2u);
	// Something on air from 55 to 177: 122 us.
	EXPECT_EQ(ch.busy_ns, 122 * us);
}

TEST(MediumHidden, SendersThatSenseEachOtherTakeTurns)
{
	// The same, but ap1 and ap2 are not hidden (and have no link: sensing
	// needs none).
	Bench b(hidden_config(false));
	const MacAddr ap1_addr = mac(0x21), ap2_addr = mac(0x22);
	const int ap1 = b.add("ap1", ap1_addr);
	const int ap2 = b.add("ap2", ap2_addr);
	b.add("sta", sta_addr);
	b.medium.submit(t0, request(ap1, data_frame(sta_addr, ap1_addr, 1), {{Rate::ofdm_54, 1}}, 1));
	b.medium.submit(t0 + 20 * us, request(ap2, data_frame(sta_addr, ap2_addr, 2), {{Rate::ofdm_54, 1}}, 2));
	b.medium.run_until(t0 + 1 * sec);

	ASSERT_EQ(b.sink.deliveries.size(), 2u);
	const TxReport *r1 = report_with_cookie(b.sink, 1);
	ASSERT_NE(r1, nullptr);
	EXPECT_TRUE(r1->acked);
	EXPECT_EQ(r1->at, t0 + 157 * us);
	const Delivery &second = b.sink.deliveries[1];
	EXPECT_EQ(second.tx_radio, ap2);
	// The second PPDU starts no earlier than the end of the first exchange.
	EXPECT_GE(second.at - ppdu_54 * us, r1->at);
	// Exactly: ap2's DIFS ends at +48, ap1 starts at +55 before ap2's first
	// slot is complete (7 < 9 us), so ap2 still has 3 slots after ap1's
	// exchange: 157 + 28 + 27 = 212, PPDU end 270.
	EXPECT_EQ(second.at, t0 + 270 * us);
	EXPECT_EQ(b.medium.stats().channels.at(freq).collisions, 0u);
}

// ---- queue ----------------------------------------------------------------------

TEST(MediumQueue, FullQueueDropsFrames)
{
	Bench b(pair_config(R"("loss": 0)"),
		MediumOptions{.queue_limit = 3, .simulator = {.fixed_backoff_slots = 3}});
	const int ap = b.add("ap", ap_addr);
	b.add("sta", sta_addr);
	for (int i = 0; i < 5; ++i)
		b.medium.submit(t0, request(ap, data_frame(sta_addr, ap_addr, 100 + i), {{Rate::ofdm_54, 2}},
					    static_cast<std::uint64_t>(i)));
	b.medium.run_until(t0 + 1 * sec);

	const MediumStats &s = b.medium.stats();
	EXPECT_EQ(s.frames, 5u);
	EXPECT_EQ(s.queue_drops, 2u);
	ASSERT_EQ(b.sink.reports.size(), 5u);
	for (std::uint64_t cookie : {3u, 4u}) {
		SCOPED_TRACE(cookie);
		const TxReport *r = report_with_cookie(b.sink, cookie);
		ASSERT_NE(r, nullptr);
		EXPECT_FALSE(r->acked);
		EXPECT_EQ(attempts_of(*r), (std::vector<int>{0}));
		const FrameRecord *rec = record_with_seq(b.sink, 100 + static_cast<int>(cookie));
		ASSERT_NE(rec, nullptr);
		EXPECT_TRUE(rec->queue_drop);
		EXPECT_EQ(rec->attempts, 0);
		EXPECT_FALSE(rec->received);
		EXPECT_EQ(rec->airtime_us, 0);
		EXPECT_EQ(rec->enqueued, t0);
	}
	// The three queued frames go out in order, one exchange (157 us) after
	// the other: PPDU ends at +113, +270, +427.
	ASSERT_EQ(b.sink.deliveries.size(), 3u);
	for (int i = 0; i < 3; ++i) {
		SCOPED_TRACE(i);
		const Delivery &d = b.sink.deliveries[static_cast<std::size_t>(i)];
		EXPECT_EQ(seq_of(d.frame), 100 + i);
		EXPECT_EQ(d.at, t0 + (113 + 157 * i) * us);
		const TxReport *r = report_with_cookie(b.sink, static_cast<std::uint64_t>(i));
		ASSERT_NE(r, nullptr);
		EXPECT_TRUE(r->acked);
		EXPECT_EQ(r->at, t0 + 157 * (i + 1) * us);
	}
	ASSERT_EQ(b.sink.records.size(), 5u);
}

// ---- addresses --------------------------------------------------------------------

TEST(MediumAddresses, LearnsAddressesAndRoutesUnicast)
{
	Bench b(pair_config(R"("loss": 0)"));
	const int ap = b.add("ap", ap_addr);
	const int sta = b.medium.add_radio("sta"); // no interface address given
	EXPECT_EQ(b.medium.radio_count(), 2);
	EXPECT_EQ(b.medium.radio_name(sta), "sta");
	EXPECT_EQ(b.medium.radio_of_address(ap_addr), ap);
	EXPECT_FALSE(b.medium.radio_of_address(sta_addr).has_value());

	// sta sends from sta_addr: it now receives for sta_addr.
	b.medium.submit(t0, request(sta, data_frame(ap_addr, sta_addr, 1), {{Rate::ofdm_54, 1}}, 1));
	b.medium.run_until(t0 + 1 * ms);
	EXPECT_EQ(b.medium.radio_of_address(sta_addr), sta);
	ASSERT_EQ(b.sink.records.size(), 1u);
	EXPECT_EQ(b.sink.records[0].rx_radio, ap);
	EXPECT_TRUE(b.sink.records[0].acked);

	b.medium.submit(t0 + 1 * ms, request(ap, data_frame(sta_addr, ap_addr, 2), {{Rate::ofdm_54, 1}}, 2));
	b.medium.run_until(t0 + 2 * ms);
	ASSERT_EQ(b.sink.records.size(), 2u);
	EXPECT_EQ(b.sink.records[1].rx_radio, sta);
	EXPECT_TRUE(b.sink.records[1].acked);
	ASSERT_EQ(b.sink.deliveries.size(), 2u);
	EXPECT_EQ(b.sink.deliveries[1].rx_radio, sta);

	const MacAddr extra = mac(0x77);
	b.medium.add_address(sta, extra);
	EXPECT_EQ(b.medium.radio_of_address(extra), sta);
	b.medium.remove_address(sta, extra);
	EXPECT_FALSE(b.medium.radio_of_address(extra).has_value());
	EXPECT_EQ(b.medium.radio_of_address(sta_addr), sta);
}

// A laptop's one radio carrying several station interfaces, each with its own
// MAC and associated with its own AP: mac80211_hwsim names the radio, not the
// interface, as the transmitter, so every interface's frames go through the
// radio's one queue and one transmitter, and frames to any of its addresses
// reach that radio.
TEST(MediumAddresses, RadioWithSeveralStationInterfacesIsOneTransmitter)
{
	Bench b(R"({"radios": [{"name": "ap1", "freq_mhz": 2412}, {"name": "ap2", "freq_mhz": 2412},
	                       {"name": "laptop", "freq_mhz": 2412}],
	            "links": [{"from": "ap1", "to": "laptop", "loss": 0}, {"from": "ap2", "to": "laptop", "loss": 0},
	                      {"from": "ap1", "to": "ap2", "loss": 0}]})");
	const MacAddr ap1_addr = mac(0x11), ap2_addr = mac(0x12);
	const MacAddr sta1{0x06, 0, 0, 0, 0x02, 0x00}, sta2{0x06, 0, 0, 0, 0x02, 0x01};
	const int ap1 = b.add("ap1", ap1_addr);
	const int ap2 = b.add("ap2", ap2_addr);
	const int laptop = b.medium.add_radio("laptop");
	b.medium.add_address(laptop, sta1); // HWSIM_CMD_ADD_MAC_ADDR of each interface
	b.medium.add_address(laptop, sta2);
	EXPECT_EQ(b.medium.radio_of_address(sta1), laptop);
	EXPECT_EQ(b.medium.radio_of_address(sta2), laptop);

	// Both interfaces hand a frame over at once: one queue, so the second goes
	// back to back after the first exchange, as two frames of one interface do
	// (BackToBackFramesOfOneRadio): PPDU ends at +113 and +157 + 113.
	b.medium.submit(t0, request(laptop, data_frame(ap1_addr, sta1, 1), {{Rate::ofdm_54, 1}}, 1));
	b.medium.submit(t0, request(laptop, data_frame(ap2_addr, sta2, 2), {{Rate::ofdm_54, 1}}, 2));
	b.medium.run_until(t0 + 1 * sec);
	const std::vector<Delivery> got = addressed(b);
	ASSERT_EQ(got.size(), 2u);
	EXPECT_EQ(got[0].tx_radio, laptop);
	EXPECT_EQ(got[0].rx_radio, ap1);
	EXPECT_EQ(got[0].at, t0 + 113 * us);
	EXPECT_EQ(got[1].tx_radio, laptop);
	EXPECT_EQ(got[1].rx_radio, ap2);
	EXPECT_EQ(got[1].at, t0 + (157 + 113) * us);
	ASSERT_EQ(b.sink.records.size(), 2u);
	EXPECT_EQ(b.sink.records[1].collisions, 0);
	EXPECT_EQ(b.sink.records[1].airtime_us, 157);
	ASSERT_EQ(b.sink.reports.size(), 2u);
	EXPECT_EQ(b.sink.reports[0].radio, laptop);
	EXPECT_EQ(b.sink.reports[1].radio, laptop);

	// Each AP reaches its own interface of the radio.
	b.medium.submit(t0 + 1 * sec, request(ap1, data_frame(sta1, ap1_addr, 3), {{Rate::ofdm_54, 1}}, 3));
	b.medium.run_until(t0 + 1 * sec + 1 * ms);
	b.medium.submit(t0 + 2 * sec, request(ap2, data_frame(sta2, ap2_addr, 4), {{Rate::ofdm_54, 1}}, 4));
	b.medium.run_until(t0 + 2 * sec + 1 * ms);
	ASSERT_EQ(b.sink.records.size(), 4u);
	EXPECT_EQ(b.sink.records[2].rx_radio, laptop);
	EXPECT_TRUE(b.sink.records[2].acked);
	EXPECT_EQ(b.sink.records[3].rx_radio, laptop);
	EXPECT_TRUE(b.sink.records[3].acked);
	EXPECT_EQ(b.medium.radio_count(), 3);
}

// An interface whose HWSIM_CMD_ADD_MAC_ADDR the medium missed (it came up
// before the medium registered) is learned from the first frame it sends,
// for the radio that sent it; the radio's other addresses stay its own.
TEST(MediumAddresses, LearnsEveryInterfaceAddressOfOneRadio)
{
	Bench b(pair_config(R"("loss": 0)"));
	const int ap = b.add("ap", ap_addr);
	const int sta = b.medium.add_radio("sta");
	const MacAddr first{0x02, 0, 0, 0, 0x01, 0x00}, second{0x06, 0, 0, 0, 0x01, 0x01};
	b.medium.submit(t0, request(sta, data_frame(ap_addr, first, 1), {{Rate::ofdm_54, 1}}, 1));
	b.medium.submit(t0, request(sta, data_frame(ap_addr, second, 2), {{Rate::ofdm_54, 1}}, 2));
	b.medium.run_until(t0 + 1 * ms);
	EXPECT_EQ(b.medium.radio_of_address(first), sta);
	EXPECT_EQ(b.medium.radio_of_address(second), sta);
	b.medium.remove_address(ap, second); // another radio cannot take it away
	EXPECT_EQ(b.medium.radio_of_address(second), sta);
}

TEST(MediumAddresses, UnicastToUnknownAddressIsNeverAcknowledged)
{
	Bench b(pair_config(R"("loss": 0)"));
	const int ap = b.add("ap", ap_addr);
	const int sta = b.add("sta", sta_addr);
	const MacAddr nobody{0x02, 0xaa, 0xbb, 0xcc, 0xdd, 0xee};
	b.medium.submit(t0, request(ap, data_frame(nobody, ap_addr, 3), {{Rate::ofdm_54, 2}}, 3));
	b.medium.run_until(t0 + 1 * sec);
	// Listeners may get copies (mac80211_hwsim passes every frame to every
	// radio on the channel and leaves the address filter to mac80211), but
	// nobody acknowledges.
	for (const Delivery &d : b.sink.deliveries) {
		EXPECT_EQ(d.tx_radio, ap);
		EXPECT_EQ(d.rx_radio, sta);
	}
	ASSERT_EQ(b.sink.records.size(), 1u);
	const FrameRecord &rec = b.sink.records[0];
	EXPECT_EQ(rec.rx_radio, -1);
	EXPECT_EQ(rec.attempts, 2);
	EXPECT_FALSE(rec.received);
	EXPECT_FALSE(rec.acked);
	// Two attempts of 28 + 27 + 58 + 44 = 157 us.
	EXPECT_EQ(rec.airtime_us, 314);
	ASSERT_EQ(b.sink.reports.size(), 1u);
	EXPECT_FALSE(b.sink.reports[0].acked);
	EXPECT_EQ(b.sink.reports[0].at, t0 + 314 * us);
}

// ---- bad input -------------------------------------------------------------------

TEST(MediumInput, RejectsUnusableRequestsWithoutSideEffects)
{
	Bench b(pair_config(R"("loss": 0)"));
	const int ap = b.add("ap", ap_addr);
	b.add("sta", sta_addr);
	const MacAddr stranger = mac(0x66);
	const auto frame = data_frame(sta_addr, stranger, 1);
	EXPECT_THROW(b.medium.submit(t0, request(ap, frame, {}, 1)), std::invalid_argument);
	EXPECT_THROW(b.medium.submit(t0, request(2, frame, {{Rate::ofdm_54, 1}}, 2)), std::invalid_argument);
	EXPECT_THROW(b.medium.submit(t0, request(-1, frame, {{Rate::ofdm_54, 1}}, 3)), std::invalid_argument);
	const std::vector<std::uint8_t> runt(frame.begin(), frame.begin() + 9); // < FC + duration + addr1
	EXPECT_THROW(b.medium.submit(t0, request(ap, runt, {{Rate::ofdm_54, 1}}, 4)), std::invalid_argument);

	EXPECT_EQ(b.medium.stats().frames, 0u);
	EXPECT_FALSE(b.medium.next_event().has_value());
	EXPECT_FALSE(b.medium.radio_of_address(stranger).has_value()) << "learned an address from a rejected frame";
	b.medium.run_until(t0 + 1 * sec);
	EXPECT_TRUE(b.sink.deliveries.empty());
	EXPECT_TRUE(b.sink.reports.empty());
	EXPECT_TRUE(b.sink.records.empty());
	EXPECT_TRUE(b.medium.stats().channels.empty() || b.medium.stats().channels.at(freq).attempts == 0u);

	// Still works afterwards.
	b.medium.submit(t0 + 1 * sec, request(ap, data_frame(sta_addr, ap_addr, 2), {{Rate::ofdm_54, 1}}, 5));
	b.medium.run_until(t0 + 2 * sec);
	ASSERT_EQ(b.sink.deliveries.size(), 1u);
	EXPECT_EQ(b.sink.deliveries[0].at, t0 + 1 * sec + 113 * us);
	EXPECT_EQ(b.medium.stats().frames, 1u);
}

TEST(MediumInput, RejectsUnknownOrDuplicateRadios)
{
	Bench b(pair_config(R"("loss": 0)"));
	EXPECT_EQ(b.medium.add_radio("ap"), 0);
	EXPECT_THROW(b.medium.add_radio("ap"), std::invalid_argument);
	EXPECT_THROW(b.medium.add_radio("nobody"), std::invalid_argument);
	EXPECT_EQ(b.medium.radio_count(), 1);
	EXPECT_EQ(b.medium.add_radio("sta"), 1);
}

// ---- scenario schedule and commands ----------------------------------------------

TEST(MediumSchedule, SetLinkTakesEffectAtItsTime)
{
	Bench b(pair_config(R"("loss": 1.0)",
			    R"(, "schedule": [{"at_s": 1.0, "set_link": {"from": "ap", "to": "sta", "loss": 0.0}}])"));
	const int ap = b.add("ap", ap_addr);
	b.add("sta", sta_addr);
	b.medium.submit(start + sec / 2, request(ap, data_frame(sta_addr, ap_addr, 1), {{Rate::ofdm_54, 1}}, 1));
	b.medium.run_until(start + sec / 2 + 10 * ms);
	b.medium.submit(start + 2 * sec, request(ap, data_frame(sta_addr, ap_addr, 2), {{Rate::ofdm_54, 1}}, 2));
	b.medium.run_until(start + 3 * sec);

	const FrameRecord *before = record_with_seq(b.sink, 1);
	const FrameRecord *after = record_with_seq(b.sink, 2);
	ASSERT_NE(before, nullptr);
	ASSERT_NE(after, nullptr);
	EXPECT_FALSE(before->received);
	EXPECT_TRUE(after->acked);
	ASSERT_EQ(b.sink.deliveries.size(), 1u);
	EXPECT_EQ(seq_of(b.sink.deliveries[0].frame), 2);
	EXPECT_EQ(b.sink.deliveries[0].at, start + 2 * sec + 113 * us);
}

TEST(MediumSchedule, ScheduledActionsAreReportedAtTheirTime)
{
	// at_s counts from the medium's start; the action is an event of its own,
	// due even while no radio has anything to send.
	Bench b(pair_config(R"("loss": 1.0)",
			    R"(, "schedule": [{"at_s": 1.0, "set_link": {"from": "ap", "to": "sta", "loss": 0.0}}])"));
	const int ap = b.add("ap", ap_addr);
	b.add("sta", sta_addr);
	b.medium.run_until(start + sec / 2);
	EXPECT_TRUE(b.sink.scenario_events.empty());
	b.medium.run_until(start + 3 * sec / 2);
	EXPECT_EQ(b.sink.scenario_events, (std::vector<Nanos>{start + 1 * sec}));
	b.medium.submit(start + 2 * sec, request(ap, data_frame(sta_addr, ap_addr, 2), {{Rate::ofdm_54, 1}}, 2));
	b.medium.run_until(start + 3 * sec);
	EXPECT_EQ(b.sink.scenario_events, (std::vector<Nanos>{start + 1 * sec}));
	ASSERT_EQ(b.sink.records.size(), 1u);
	EXPECT_TRUE(b.sink.records[0].acked);
}

TEST(MediumSchedule, ApplyCommandChangesLinkNow)
{
	Bench b(pair_config(R"("loss": 1.0)"));
	const int ap = b.add("ap", ap_addr);
	b.add("sta", sta_addr);
	b.medium.submit(t0, request(ap, data_frame(sta_addr, ap_addr, 1), {{Rate::ofdm_54, 1}}, 1));
	b.medium.run_until(t0 + 10 * ms);
	const ScheduleEvent command =
		parse_command_text(b.medium.scenario().config(), R"({"set_link": {"from": "ap", "to": "sta", "loss": 0}})");
	b.medium.apply(t0 + 10 * ms, command);
	b.medium.submit(t0 + 20 * ms, request(ap, data_frame(sta_addr, ap_addr, 2), {{Rate::ofdm_54, 1}}, 2));
	b.medium.run_until(t0 + 1 * sec);
	ASSERT_EQ(b.sink.records.size(), 2u);
	EXPECT_FALSE(b.sink.records[0].received);
	EXPECT_TRUE(b.sink.records[1].acked);
	ASSERT_EQ(b.sink.deliveries.size(), 1u);
	EXPECT_EQ(b.sink.deliveries[0].at, t0 + 20 * ms + 113 * us);
	EXPECT_EQ(b.sink.scenario_events, (std::vector<Nanos>{t0 + 10 * ms}));
}

// ---- frame parsing and addresses ------------------------------------------------

TEST(MediumFrames, ParsesHeaders)
{
	// QoS data (FC 0x88), ToDS with the retry bit (0x01 | 0x08), seq 0x123, TID 5.
	std::vector<std::uint8_t> qos(30);
	qos[0] = 0x88;
	qos[1] = 0x09;
	put(qos, 4, ap_addr);
	put(qos, 10, sta_addr);
	put(qos, 16, ap_addr);
	put_seq(qos, 0x123);
	qos[24] = 0x05;
	const auto q = parse_frame(qos);
	ASSERT_TRUE(q.has_value());
	EXPECT_EQ(q->kind, FrameInfo::Kind::data);
	EXPECT_EQ(q->addr1, ap_addr);
	EXPECT_EQ(q->addr2, sta_addr);
	EXPECT_FALSE(q->group_addressed);
	EXPECT_TRUE(q->retry);
	EXPECT_EQ(q->seq, 0x123);
	EXPECT_EQ(q->tid, 5);

	// Null data (FC 0x48): no TID.
	std::vector<std::uint8_t> null_frame = data_frame(ap_addr, sta_addr, 7, 24);
	null_frame[0] = 0x48;
	const auto n = parse_frame(null_frame);
	ASSERT_TRUE(n.has_value());
	EXPECT_EQ(n->kind, FrameInfo::Kind::null_data);
	EXPECT_FALSE(n->retry);
	EXPECT_FALSE(n->tid.has_value());

	// Beacon (FC 0x80) to the broadcast address.
	std::vector<std::uint8_t> beacon = data_frame(broadcast, ap_addr, 4095, 36);
	beacon[0] = 0x80;
	beacon[1] = 0x00;
	const auto m = parse_frame(beacon);
	ASSERT_TRUE(m.has_value());
	EXPECT_EQ(m->kind, FrameInfo::Kind::management);
	EXPECT_TRUE(m->group_addressed);
	EXPECT_EQ(m->seq, 4095);
	EXPECT_FALSE(m->tid.has_value());

	// Multicast data (addr1 01:00:5e:00:00:01) is group addressed too.
	const auto mc = parse_frame(data_frame(MacAddr{0x01, 0x00, 0x5e, 0x00, 0x00, 0x01}, ap_addr, 1));
	ASSERT_TRUE(mc.has_value());
	EXPECT_TRUE(mc->group_addressed);

	// ACK (FC 0xd4): 10 bytes, only addr1.
	std::vector<std::uint8_t> ack(10);
	ack[0] = 0xd4;
	put(ack, 4, sta_addr);
	const auto c = parse_frame(ack);
	ASSERT_TRUE(c.has_value());
	EXPECT_EQ(c->kind, FrameInfo::Kind::control);
	EXPECT_EQ(c->addr1, sta_addr);
	EXPECT_FALSE(c->addr2.has_value());
	EXPECT_FALSE(c->seq.has_value());

	ack.pop_back();
	EXPECT_FALSE(parse_frame(ack).has_value());
	EXPECT_FALSE(parse_frame({}).has_value());
}

TEST(MediumFrames, HwsimAddresses)
{
	// mac80211_hwsim: addr[0] = 0x02, addr[3] = idx >> 8, addr[4] = idx & 0xff;
	// the transmitter address has the 0x40 bit of addr[0] set as well.
	EXPECT_EQ(hwsim_perm_address(0), (MacAddr{0x02, 0, 0, 0, 0, 0}));
	EXPECT_EQ(hwsim_perm_address(0x0102), (MacAddr{0x02, 0, 0, 0x01, 0x02, 0}));
	EXPECT_EQ(hwsim_radio_address(3), (MacAddr{0x42, 0, 0, 0, 0x03, 0}));
	EXPECT_EQ(format_mac(hwsim_radio_address(0xab)), "42:00:00:00:ab:00");
	EXPECT_EQ(parse_mac("42:00:00:00:03:00"), hwsim_radio_address(3));
	EXPECT_EQ(parse_mac(format_mac(sta_addr)), sta_addr);
	EXPECT_FALSE(parse_mac("42:00:00:00:03").has_value());
	EXPECT_FALSE(parse_mac("42:00:00:00:03:00:00").has_value());
	EXPECT_FALSE(parse_mac("zz:00:00:00:03:00").has_value());
}

} // namespace
} // namespace airsim
