// airsim: the shared wireless medium, as a discrete-event simulation that the
// front end runs against the real clock.
//
// Every radio has a FIFO of frames handed over by mac80211_hwsim.  Radios on
// one frequency contend with the DCF of IEEE 802.11-2016 10.3, simplified to
// what decides airtime and losses:
//  - a radio with a frame draws a backoff in [0, CW] slots; the countdown runs
//    only after the medium has been idle for DIFS (as the radio senses it) and
//    freezes while a transmission it senses is on air;
//  - radios sense every transmission on their frequency except those of the
//    radios they are hidden from (config "hidden_pairs");
//  - an exchange is the data PPDU, then SIFS + ACK when the receiver got the
//    frame and its ACK survives, else the ACK timeout;
//  - a reception fails when another transmission the receiver can hear
//    overlaps the data PPDU (no capture), when the receiver itself transmits,
//    or by the error model / configured loss of the link;
//  - a failed attempt doubles CW (up to CWmax) and moves along the rate table
//    from mac80211; a frame that fails every attempt is dropped; every
//    copy received after the first attempt carries the retry bit, so a lost
//    ACK gives the receiver a duplicate with the retry bit;
//  - group-addressed frames and frames sent without ACK policy get one
//    attempt and reach every radio on the frequency that can hear the sender;
//  - a unicast frame reaches those radios too (overheard copies, config
//    "overhear", on by default), but only the addressed receiver ACKs it and
//    only its copies count in the frame's truth.
// A backoff is drawn before every attempt, also for a first frame after a
// quiet period (where the standard would let the radio send at once): every
// attempt then costs DIFS + backoff + PPDU + SIFS + ACK, the charge the
// ground truth reports.
//
// The medium owns no clock and no I/O: the caller feeds frames stamped with
// the time they arrived, asks for the next event time, and runs the
// simulation up to the present; deliveries, tx reports and ground-truth
// records come out through a MediumSink.  Times are CLOCK_MONOTONIC
// nanoseconds, the clock the kernel module stamps its windows with.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "link.h"
#include "phy.h"
#include "scenario.h"

namespace airsim {

using Nanos = std::int64_t;
using MacAddr = std::array<std::uint8_t, 6>;

std::string format_mac(const MacAddr &addr);
std::optional<MacAddr> parse_mac(std::string_view text);

// The address mac80211_hwsim gives radio `index` in its netlink messages
// (HWSIM_ATTR_ADDR_TRANSMITTER / _RECEIVER): 42:00:00:ii:ii:00.
MacAddr hwsim_radio_address(int index);
// Its permanent address, the MAC of its first interface: 02:00:00:ii:ii:00.
MacAddr hwsim_perm_address(int index);

// What the medium reads from an 802.11 header (9.2.4); nullopt when the frame
// is shorter than the 10-byte minimum (frame control, duration, addr1).
struct FrameInfo {
	enum class Kind { management, control, data, null_data, extension };
	Kind kind;
	MacAddr addr1;
	std::optional<MacAddr> addr2;
	bool group_addressed;
	bool retry;
	std::optional<int> seq; // sequence number (not for control frames)
	std::optional<int> tid; // QoS data only
};
std::optional<FrameInfo> parse_frame(const std::vector<std::uint8_t> &frame);
const char *kind_name(FrameInfo::Kind kind);

// A frame mac80211_hwsim hands to the medium.
struct TxRequest {
	int radio = -1;                  // index in the medium's radio table
	std::vector<std::uint8_t> frame; // MPDU without FCS
	int freq_mhz = 0;
	bool no_ack = false;             // HWSIM_TX_CTL_NO_ACK
	std::vector<RateTry> rates;      // tx rate table; at least one entry
	std::uint64_t cookie = 0;
	std::uint32_t flags = 0;         // hwsim flags, echoed in the report
};

// The PSDU a request puts on the air: the MPDU plus its 4-byte FCS.
inline std::size_t psdu_bytes(const TxRequest &request) { return request.frame.size() + 4; }

struct Delivery {
	int tx_radio;
	int rx_radio;
	std::vector<std::uint8_t> frame; // retry bit set on copies after the first attempt
	Rate rate;
	int signal_dbm;
	int freq_mhz;
	Nanos at; // end of the PPDU
};

struct TxReport {
	int radio;
	std::uint64_t cookie;
	std::uint32_t flags;
	bool acked;
	// Attempts used per rate table entry, in table order (0 for entries never
	// reached); the front end turns them into hwsim's (idx, count) array.
	std::vector<RateTry> rates;
	std::vector<int> attempts_per_entry;
	int ack_signal_dbm;
	int freq_mhz;
	Nanos at;
};

// Ground truth for one unicast frame, emitted once its fate is known.
struct FrameRecord {
	Nanos at;          // when the receiver got its first copy, else when the last attempt ended
	Nanos handed_at;   // when that happened in the caller's clock: for a received frame, when the sink
	                   // handed the receiver its first copy; else the `now` of the run_until() or submit()
	                   // call that emitted it (later than `at` when the caller runs late)
	Nanos enqueued;    // when the medium got the frame
	int tx_radio;
	int rx_radio;      // -1: no radio has the destination address
	FrameInfo info;
	std::size_t psdu_bytes;
	int attempts;      // 0: dropped from a full queue before any attempt
	bool first_ok;     // the first attempt was received
	bool received;     // some attempt was received
	bool acked;
	int copies;        // copies delivered (duplicates included)
	int collisions;    // attempts lost to an overlapping transmission
	std::int64_t airtime_us; // sum over attempts of DIFS + backoff + PPDU + SIFS + ACK (or ACK timeout)
	std::vector<Rate> attempt_rates;
	bool queue_drop;
};

class MediumSink {
public:
	virtual ~MediumSink() = default;
	// Returns when, in the caller's clock, the receiver was handed the copy: a
	// sink that sends many copies in one run_until() hands the later ones over
	// well after that call's `now`, and the truth must say when the receiving
	// kernel saw each.
	virtual Nanos deliver(const Delivery &delivery) = 0;
	virtual void report(const TxReport &report) = 0;
	virtual void record(const FrameRecord &record) = 0;
	// A schedule action or control command took effect.
	virtual void scenario_event(Nanos /*at*/, const ScheduleEvent & /*event*/) {}
};

struct MediumOptions {
	// Frames per radio.  mac80211_hwsim never stops mac80211's queues, so this
	// is the bottleneck buffer of a saturated link, and a frame dropped here
	// already has its sequence number: the receiver sees a gap that no real
	// driver would cause.  1000 frames, a qdisc's default length, keeps TCP
	// from reaching it in most experiments.
	std::size_t queue_limit = 1000;
	SimulatorOptions simulator;    // fixed backoff for deterministic tests
	// Every duration on air (slots, DIFS, SIFS, PPDUs, ACKs) takes this many
	// times its length in the caller's clock: the air slowed down, so that a
	// machine that cannot carry OFDM's frame rates in real time carries them
	// in the same ratio to its CPU.  Truth airtime stays in nominal units.
	std::int64_t time_scale = 1;
};

struct ChannelStats {
	Nanos busy_ns = 0; // time with at least one transmission on air (PPDU through ACK / timeout)
	std::uint64_t attempts = 0;
	std::uint64_t collisions = 0;
};

struct MediumStats {
	std::uint64_t frames = 0;       // frames handed over
	std::uint64_t deliveries = 0;   // copies delivered
	std::uint64_t overheard = 0;    // ... of unicast frames, to a radio they were not addressed to
	std::uint64_t queue_drops = 0;
	std::uint64_t retry_drops = 0;  // unicast frames that failed every attempt
	std::map<int, ChannelStats> channels; // by frequency
};

class Medium {
public:
	// `start` is time zero of the scenario's schedule.
	Medium(Scenario scenario, Nanos start, MediumSink &sink, MediumOptions options = {});

	// Registers the config's radio `name` (throws std::invalid_argument for an
	// unknown or already added name); returns its index.
	int add_radio(const std::string &name);
	int radio_count() const { return static_cast<int>(radios_.size()); }
	const std::string &radio_name(int radio) const { return radios_.at(static_cast<std::size_t>(radio)).name; }

	// Interface addresses a radio receives for, besides what it is seen
	// sending from (HWSIM_CMD_ADD_MAC_ADDR / DEL_MAC_ADDR).
	void add_address(int radio, const MacAddr &addr);
	void remove_address(int radio, const MacAddr &addr);
	std::optional<int> radio_of_address(const MacAddr &addr) const;

	// A frame arrives at `now` (>= every earlier call's time).  Unusable
	// requests (no rates, unknown radio, malformed header) throw
	// std::invalid_argument before anything changes.
	void submit(Nanos now, TxRequest request);

	// Applies a scenario action (a control command) at `now`.
	void apply(Nanos now, const ScheduleEvent &event);

	// The next medium event or scheduled scenario action.
	std::optional<Nanos> next_event() const;
	// Runs every event with time <= now, in time order.
	void run_until(Nanos now);

	const MediumStats &stats() const { return stats_; }
	Scenario &scenario() { return scenario_; }

private:
	struct Pending {
		TxRequest request;
		FrameInfo info{};
		Nanos enqueued = 0;
		std::optional<int> rx_radio;
		// progress
		std::size_t entry = 0;
		int tries_in_entry = 0;
		int attempts = 0;
		std::vector<int> attempts_per_entry;
		bool first_ok = false;
		bool received = false;
		int copies = 0;
		int collisions = 0;
		std::int64_t airtime_us = 0;
		std::vector<Rate> attempt_rates;
		std::optional<Nanos> first_rx;
		Nanos first_rx_handed = 0;
		int ack_signal_dbm = 0;
	};
	struct Radio {
		std::string name;
		int freq_mhz = 0; // last frequency transmitted on (config's until then)
		std::deque<Pending> queue;
		int cw = 0;
		int backoff_slots = -1;   // slots left; -1: none drawn
		int drawn_slots = 0;      // slots drawn for the current attempt
		bool transmitting = false;
		Nanos idle_since = 0;     // the medium as this radio senses it
		Nanos ready_since = 0;    // when its current backoff started
	};
	struct Air {
		int tx = -1;
		int freq_mhz = 0;
		Band band = Band::ghz_2_4;
		Rate rate = Rate::ofdm_6;
		Nanos start = 0;
		Nanos ppdu_end = 0;
		Nanos end = 0;           // known once the PPDU is resolved
		bool resolved = false;
		std::vector<int> overlapping; // radios whose PPDUs overlapped this one
		bool acked = false;
	};

	bool senses(int listener, int talker) const;
	bool hears(int listener, int talker, int freq_mhz) const;
	bool busy_for(int radio) const;
	// When the radio's backoff countdown starts: DIFS after the medium went
	// idle for it or after its backoff was drawn, whichever is later.
	Nanos countdown_start(const Radio &radio) const;
	std::optional<Nanos> fire_time(const Radio &radio) const;
	void draw_backoff(Radio &radio);
	void start_attempts(Nanos t);
	void resolve_ppdu(Air &air);
	void finish_exchange(const Air &air);
	void complete_frame(int radio_index, Nanos t, bool acked);
	void advance_scenario(Nanos t);
	Nanos schedule_time(const ScheduleEvent &event) const;
	std::optional<LinkParams> link(int from, int to, int freq_mhz) const;
	int signal_dbm(const std::optional<LinkParams> &link) const;

	Scenario scenario_;
	Nanos start_;
	MediumSink &sink_;
	MediumOptions options_;
	// @us of air in the caller's clock.
	[[nodiscard]] Nanos air_ns(std::int64_t us) const { return us * 1000 * options_.time_scale; }
	AttemptSimulator rng_;
	std::vector<Radio> radios_;
	std::map<MacAddr, int> addresses_;
	std::vector<Air> air_;
	std::map<int, Nanos> channel_busy_since_; // by frequency, while something is on air
	MediumStats stats_;
	Nanos now_ = 0;
	Nanos caller_now_ = 0; // the latest time a caller gave us
	std::size_t next_schedule_ = 0; // first config schedule event not yet reported
};

} // namespace airsim
