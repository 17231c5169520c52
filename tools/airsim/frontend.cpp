#include "frontend.h"

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <stdexcept>

#include <netlink/genl/genl.h>
#include <netlink/msg.h>
#include <sys/socket.h>

#include "hwsim_abi.h"
#include "netlink/attributes.h"
#include "netlink/error.h"

namespace airsim {
namespace {

using mpwifi::netlink::AttrKind;
using mpwifi::netlink::AttrRule;
using mpwifi::netlink::Attrs;
using mpwifi::netlink::kOptional;
using mpwifi::netlink::kRequired;

constexpr std::size_t mac_len = 6;
constexpr std::size_t max_frame_len = 2352; // IEEE80211_MAX_DATA_LEN, what hwsim accepts back

const AttrRule frame_rules[] = {
	{hwsim::attr_addr_transmitter, "HWSIM_ATTR_ADDR_TRANSMITTER", AttrKind::Binary, kRequired, mac_len},
	{hwsim::attr_frame, "HWSIM_ATTR_FRAME", AttrKind::Bytes, kRequired, max_frame_len},
	{hwsim::attr_flags, "HWSIM_ATTR_FLAGS", AttrKind::U32, kRequired},
	{hwsim::attr_freq, "HWSIM_ATTR_FREQ", AttrKind::U32, kRequired},
	{hwsim::attr_tx_info, "HWSIM_ATTR_TX_INFO", AttrKind::Binary, kRequired,
	 sizeof(hwsim::TxRate) * hwsim::max_rates},
	{hwsim::attr_tx_info_flags, "HWSIM_ATTR_TX_INFO_FLAGS", AttrKind::Binary, kOptional,
	 hwsim::tx_rate_flag_size * hwsim::max_rates},
	{hwsim::attr_cookie, "HWSIM_ATTR_COOKIE", AttrKind::U64, kRequired},
};

const AttrRule mac_addr_rules[] = {
	{hwsim::attr_addr_transmitter, "HWSIM_ATTR_ADDR_TRANSMITTER", AttrKind::Binary, kRequired, mac_len},
	{hwsim::attr_addr_receiver, "HWSIM_ATTR_ADDR_RECEIVER", AttrKind::Binary, kRequired, mac_len},
};

MacAddr to_mac(std::span<const std::uint8_t> bytes)
{
	MacAddr addr{};
	std::copy_n(bytes.begin(), addr.size(), addr.begin());
	return addr;
}

std::span<const int> bitrates(Band band)
{
	if (band == Band::ghz_5)
		return hwsim::bitrates_5ghz;
	return hwsim::bitrates_2ghz;
}

void put(nl_msg *msg, int attr, const void *data, std::size_t len)
{
	if (nla_put(msg, attr, static_cast<int>(len), data) < 0)
		throw std::runtime_error("netlink message too small");
}

void put_u32(nl_msg *msg, int attr, std::uint32_t value) { put(msg, attr, &value, sizeof(value)); }

} // namespace

std::optional<int> hwsim_rate_index(Rate rate, Band band)
{
	const auto table = bitrates(band);
	const auto it = std::find(table.begin(), table.end(), rate_100kbps(rate));
	if (it == table.end())
		return std::nullopt;
	return static_cast<int>(it - table.begin());
}

std::optional<Rate> hwsim_rate(int index, Band band)
{
	const auto table = bitrates(band);
	if (index < 0 || static_cast<std::size_t>(index) >= table.size())
		return std::nullopt;
	return rate_from_100kbps(table[static_cast<std::size_t>(index)]);
}

FrontEnd::FrontEnd(Clock clock) : clock_(clock), socket_(mpwifi::netlink::GenlSocket::open())
{
	try {
		family_ = socket_.resolveFamily(hwsim::family_name);
	} catch (const mpwifi::netlink::FamilyNotFound &) {
		throw std::runtime_error("the MAC80211_HWSIM netlink family is missing: load mac80211_hwsim first");
	}
	// A medium that falls behind must not lose frames in the socket: 32 MB
	// holds ~10 s of frames at the rates airsim is used at.
	const int fd = socket_.fd();
	const int bytes = 32 << 20;
	if (::setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &bytes, sizeof(bytes)) != 0)
		::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &bytes, sizeof(bytes));
}

void FrontEnd::check_radios(const Config &config)
{
	const std::filesystem::path dir = "/sys/devices/virtual/mac80211_hwsim";
	std::vector<int> kernel_radios;
	std::error_code ec;
	for (const auto &entry : std::filesystem::directory_iterator(dir, ec)) {
		const std::string name = entry.path().filename().string();
		if (name.rfind("hwsim", 0) == 0 && name.size() > 5 &&
		    std::all_of(name.begin() + 5, name.end(), [](char c) { return c >= '0' && c <= '9'; }))
			kernel_radios.push_back(std::stoi(name.substr(5)));
	}
	if (ec)
		throw std::runtime_error(dir.string() + ": " + ec.message());
	std::sort(kernel_radios.begin(), kernel_radios.end());
	for (const RadioConfig &radio : config.radios)
		if (!std::binary_search(kernel_radios.begin(), kernel_radios.end(), radio.hwsim_index))
			throw std::runtime_error("radio \"" + radio.name + "\": mac80211_hwsim has no radio " +
						 std::to_string(radio.hwsim_index) + " (it has " +
						 std::to_string(kernel_radios.size()) + ")");
	for (const int index : kernel_radios)
		if (std::none_of(config.radios.begin(), config.radios.end(),
				 [&](const RadioConfig &r) { return r.hwsim_index == index; }))
			unconfigured_.push_back(index);
}

void FrontEnd::register_medium()
{
	try {
		socket_.request(mpwifi::netlink::newGenlMessage(family_, hwsim::cmd_register, hwsim::family_version));
	} catch (const mpwifi::netlink::KernelError &e) {
		if (e.code() == EBUSY)
			throw std::runtime_error("another wireless medium is registered in this network namespace");
		throw std::runtime_error(std::string("HWSIM_CMD_REGISTER: ") + e.what());
	}
}

void FrontEnd::attach(Medium &medium, Record on_record, Event on_event)
{
	medium_ = &medium;
	on_record_ = std::move(on_record);
	on_event_ = std::move(on_event);
	by_hwsim_address_.clear();
	hwsim_index_.clear();
	for (int r = 0; r < medium.radio_count(); ++r) {
		const RadioConfig *radio = medium.scenario().config().find_radio(medium.radio_name(r));
		by_hwsim_address_[hwsim_radio_address(radio->hwsim_index)] = r;
		hwsim_index_.push_back(radio->hwsim_index);
	}
}

std::optional<int> FrontEnd::radio_of_hwsim_address(const MacAddr &addr) const
{
	auto it = by_hwsim_address_.find(addr);
	if (it == by_hwsim_address_.end())
		return std::nullopt;
	return it->second;
}

void FrontEnd::receive(Nanos now)
{
	try {
		socket_.receivePending([&](const nlmsghdr &msg) { handle(msg, now); });
	} catch (const mpwifi::netlink::Error &e) {
		if (e.code() != ENOBUFS)
			throw;
		++stats_.kernel_overruns;
		std::fprintf(stderr, "airsim: the kernel dropped frames for us (socket receive queue full)\n");
	}
}

void FrontEnd::handle(const nlmsghdr &msg, Nanos now)
{
	const std::uint8_t cmd = mpwifi::netlink::genlCommand(msg);
	if (cmd == hwsim::cmd_add_mac_addr || cmd == hwsim::cmd_del_mac_addr) {
		const Attrs attrs = Attrs::ofGenl(msg, mac_addr_rules, "HWSIM_CMD_ADD/DEL_MAC_ADDR");
		const auto radio = radio_of_hwsim_address(to_mac(attrs.binary(hwsim::attr_addr_transmitter)));
		if (!radio)
			return;
		const MacAddr addr = to_mac(attrs.binary(hwsim::attr_addr_receiver));
		if (cmd == hwsim::cmd_add_mac_addr)
			medium_->add_address(*radio, addr);
		else
			medium_->remove_address(*radio, addr);
		return;
	}
	if (cmd != hwsim::cmd_frame)
		return;
	++stats_.frames_in;
	const Attrs attrs = Attrs::ofGenl(msg, frame_rules, "HWSIM_CMD_FRAME");
	const MacAddr transmitter = to_mac(attrs.binary(hwsim::attr_addr_transmitter));
	const auto radio = radio_of_hwsim_address(transmitter);
	TxRequest request;
	request.cookie = attrs.u64(hwsim::attr_cookie);
	request.flags = attrs.u32(hwsim::attr_flags);
	request.freq_mhz = static_cast<int>(attrs.u32(hwsim::attr_freq));
	if (!radio) {
		// Not part of the scenario: it hears nothing and reaches nobody.
		++stats_.unknown_radio;
		if (!warned_[transmitter]) {
			warned_[transmitter] = true;
			std::fprintf(stderr, "airsim: radio %s is not in the config; its frames are dropped\n",
				     format_mac(transmitter).c_str());
		}
		return;
	}
	request.radio = *radio;
	request.no_ack = (request.flags & hwsim::tx_ctl_no_ack) != 0;
	const auto frame = attrs.binary(hwsim::attr_frame);
	request.frame.assign(frame.begin(), frame.end());

	std::array<hwsim::TxRate, hwsim::max_rates> table{};
	std::memcpy(table.data(), attrs.binary(hwsim::attr_tx_info).data(), sizeof(table));
	std::array<std::uint16_t, hwsim::max_rates> rc_flags{};
	if (attrs.has(hwsim::attr_tx_info_flags)) {
		const auto raw = attrs.binary(hwsim::attr_tx_info_flags);
		for (std::size_t i = 0; i < rc_flags.size(); ++i)
			rc_flags[i] = static_cast<std::uint16_t>(raw[i * hwsim::tx_rate_flag_size + 1] |
								 (raw[i * hwsim::tx_rate_flag_size + 2] << 8));
	}
	const Band band = band_or_2ghz(request.freq_mhz);
	for (std::size_t i = 0; i < table.size() && table[i].idx >= 0 && table[i].count > 0; ++i) {
		std::optional<Rate> rate = hwsim_rate(table[i].idx, band);
		if (rc_flags[i] & (hwsim::tx_rc_mcs | hwsim::tx_rc_vht_mcs))
			rate.reset(); // HT/VHT: not modelled, see below
		if (!rate)
			break;
		request.rates.push_back({*rate, table[i].count});
	}
	if (request.rates.empty()) {
		// airsim is an 802.11a/g medium (hwsim's netlink rx path carries only
		// a legacy rate index); an HT rate here means HT was left enabled.
		++stats_.rejected;
		if (stats_.rejected == 1)
			std::fprintf(stderr, "airsim: a frame from %s has no legacy rate (HT enabled?); "
					     "sending it at the lowest rate\n",
				     format_mac(transmitter).c_str());
		request.rates.push_back({band == Band::ghz_5 ? Rate::ofdm_6 : Rate::dsss_1, 1});
	}
	try {
		medium_->submit(now, std::move(request));
	} catch (const std::invalid_argument &e) {
		++stats_.rejected;
		std::fprintf(stderr, "airsim: frame from %s ignored: %s\n", format_mac(transmitter).c_str(), e.what());
	}
}

void FrontEnd::send(mpwifi::netlink::MsgPtr msg)
{
	if (nl_send_auto(socket_.get(), msg.get()) < 0)
		++stats_.send_errors;
}

Nanos FrontEnd::deliver(const Delivery &d)
{
	const auto index = hwsim_rate_index(d.rate, band_or_2ghz(d.freq_mhz));
	if (!index)
		return d.at;
	auto msg = mpwifi::netlink::newGenlMessage(family_, hwsim::cmd_frame, hwsim::family_version);
	const MacAddr receiver = hwsim_radio_address(hwsim_index_.at(static_cast<std::size_t>(d.rx_radio)));
	put(msg.get(), hwsim::attr_addr_receiver, receiver.data(), receiver.size());
	put(msg.get(), hwsim::attr_frame, d.frame.data(), d.frame.size());
	put_u32(msg.get(), hwsim::attr_rx_rate, static_cast<std::uint32_t>(*index));
	put_u32(msg.get(), hwsim::attr_signal, static_cast<std::uint32_t>(d.signal_dbm));
	put_u32(msg.get(), hwsim::attr_freq, static_cast<std::uint32_t>(d.freq_mhz));
	// hwsim takes each copy in its netlink handler, within send(): copies sent
	// in one batch reach the kernel at times of their own, and the truth takes
	// this one's.
	const Nanos handed = clock_();
	send(std::move(msg));
	++stats_.frames_out;
	const Nanos lag = std::max<Nanos>(0, handed - d.at);
	stats_.lag_total += lag;
	stats_.lag_max = std::max(stats_.lag_max, lag);
	stats_.late_1ms += lag > 1'000'000;
	return handed;
}

void FrontEnd::report(const TxReport &r)
{
	std::array<hwsim::TxRate, hwsim::max_rates> table;
	table.fill({-1, 0});
	const Band band = band_or_2ghz(r.freq_mhz);
	for (std::size_t i = 0; i < r.rates.size() && i < table.size(); ++i) {
		if (i > 0 && r.attempts_per_entry[i] == 0)
			break; // entries never reached end the table
		table[i].idx = static_cast<std::int8_t>(hwsim_rate_index(r.rates[i].rate, band).value_or(0));
		table[i].count = static_cast<std::uint8_t>(r.attempts_per_entry[i]);
	}
	auto msg = mpwifi::netlink::newGenlMessage(family_, hwsim::cmd_tx_info_frame, hwsim::family_version);
	const MacAddr transmitter = hwsim_radio_address(hwsim_index_.at(static_cast<std::size_t>(r.radio)));
	put(msg.get(), hwsim::attr_addr_transmitter, transmitter.data(), transmitter.size());
	put_u32(msg.get(), hwsim::attr_flags, r.flags | (r.acked ? hwsim::tx_stat_ack : 0U));
	if (nla_put_u64(msg.get(), hwsim::attr_cookie, r.cookie) < 0)
		throw std::runtime_error("netlink message too small");
	put_u32(msg.get(), hwsim::attr_signal, static_cast<std::uint32_t>(r.ack_signal_dbm));
	put(msg.get(), hwsim::attr_tx_info, table.data(), sizeof(table));
	send(std::move(msg));
	++stats_.reports_out;
}

void FrontEnd::record(const FrameRecord &r)
{
	if (on_record_)
		on_record_(r);
}

void FrontEnd::scenario_event(Nanos at, const ScheduleEvent &event)
{
	if (on_event_)
		on_event_(at, event);
}

} // namespace airsim
