// airsim: the mac80211_hwsim side of the medium.  Registers as the medium of
// the current network namespace, turns HWSIM_CMD_FRAME messages into
// Medium::submit() calls, and sends what the medium decides back: copies to
// receivers (HWSIM_CMD_FRAME with the rate index really used, a signal level
// from the link's SNR and the frequency) and the transmitter's outcome
// (HWSIM_CMD_TX_INFO_FRAME with the attempts per rate table entry and the
// ACK flag, which minstrel learns from).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "medium.h"
#include "netlink/genl_socket.h"

namespace airsim {

struct FrontEndStats {
	std::uint64_t frames_in = 0;      // HWSIM_CMD_FRAME from the kernel
	std::uint64_t frames_out = 0;     // copies sent to receivers
	std::uint64_t reports_out = 0;    // tx reports sent
	std::uint64_t rejected = 0;       // frames the medium could not use (logged)
	std::uint64_t unknown_radio = 0;  // frames from radios not in the config
	std::uint64_t send_errors = 0;
	std::uint64_t kernel_overruns = 0; // our socket's receive queue overflowed
	// How late copies reached the kernel against their simulated time: the
	// emulator's own limit (CPU), not part of the model.
	Nanos lag_total = 0;
	Nanos lag_max = 0;
	std::uint64_t late_1ms = 0;
};

class FrontEnd : public MediumSink {
public:
	using Clock = Nanos (*)();
	using Record = std::function<void(const FrameRecord &)>;
	using Event = std::function<void(Nanos, const ScheduleEvent &)>;

	// Opens the generic netlink socket and resolves the family; throws
	// std::runtime_error when mac80211_hwsim is not loaded.
	explicit FrontEnd(Clock clock);

	// Radios by hwsim index, checked against the kernel's list of radios:
	// std::runtime_error names a config radio that does not exist.
	void check_radios(const Config &config);
	// Becomes the medium (HWSIM_CMD_REGISTER); throws if another one is.
	void register_medium();

	void attach(Medium &medium, Record on_record, Event on_event);
	int fd() const { return socket_.fd(); }
	// Reads every queued message and hands frames to the medium.
	void receive(Nanos now);
	const FrontEndStats &stats() const { return stats_; }
	void reset_lag() { stats_.lag_total = stats_.lag_max = 0, stats_.late_1ms = 0; }
	// Radios present in the kernel but absent from the config.
	const std::vector<int> &unconfigured_radios() const { return unconfigured_; }

	Nanos deliver(const Delivery &delivery) override;
	void report(const TxReport &report) override;
	void record(const FrameRecord &record) override;
	void scenario_event(Nanos at, const ScheduleEvent &event) override;

private:
	void handle(const nlmsghdr &msg, Nanos now);
	void send(mpwifi::netlink::MsgPtr msg);
	std::optional<int> radio_of_hwsim_address(const MacAddr &addr) const;

	Clock clock_;
	mpwifi::netlink::GenlSocket socket_;
	int family_ = 0;
	Medium *medium_ = nullptr;
	Record on_record_;
	Event on_event_;
	std::map<MacAddr, int> by_hwsim_address_; // medium radio index
	std::vector<int> hwsim_index_;            // by medium radio index
	std::vector<int> unconfigured_;
	std::map<MacAddr, bool> warned_;
	FrontEndStats stats_;
};

// Index of a legacy rate in the bitrate table of a band, and back.
std::optional<int> hwsim_rate_index(Rate rate, Band band);
std::optional<Rate> hwsim_rate(int index, Band band);

} // namespace airsim
