#include "medium.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <stdexcept>

#include "error_model.h"

namespace airsim {
namespace {

bool is_unicast_exchange(const TxRequest &request, const FrameInfo &info)
{
	return !info.group_addressed && !request.no_ack;
}

} // namespace

std::string format_mac(const MacAddr &addr)
{
	char text[18];
	std::snprintf(text, sizeof(text), "%02x:%02x:%02x:%02x:%02x:%02x", addr[0], addr[1], addr[2], addr[3],
		      addr[4], addr[5]);
	return text;
}

std::optional<MacAddr> parse_mac(std::string_view text)
{
	MacAddr addr{};
	if (text.size() != 17)
		return std::nullopt;
	for (std::size_t i = 0; i < 6; ++i) {
		unsigned value = 0;
		for (std::size_t k = 0; k < 2; ++k) {
			const char c = text[3 * i + k];
			value <<= 4;
			if (c >= '0' && c <= '9')
				value |= static_cast<unsigned>(c - '0');
			else if (c >= 'a' && c <= 'f')
				value |= static_cast<unsigned>(c - 'a' + 10);
			else if (c >= 'A' && c <= 'F')
				value |= static_cast<unsigned>(c - 'A' + 10);
			else
				return std::nullopt;
		}
		if (i < 5 && text[3 * i + 2] != ':')
			return std::nullopt;
		addr[i] = static_cast<std::uint8_t>(value);
	}
	return addr;
}

MacAddr hwsim_perm_address(int index)
{
	return {0x02, 0x00, 0x00, static_cast<std::uint8_t>((index >> 8) & 0xff),
		static_cast<std::uint8_t>(index & 0xff), 0x00};
}

MacAddr hwsim_radio_address(int index)
{
	MacAddr addr = hwsim_perm_address(index);
	addr[0] |= 0x40;
	return addr;
}

std::optional<FrameInfo> parse_frame(const std::vector<std::uint8_t> &frame)
{
	if (frame.size() < 10)
		return std::nullopt;
	const unsigned fc0 = frame[0];
	const unsigned fc1 = frame[1];
	const unsigned type = (fc0 >> 2) & 3U;
	const unsigned subtype = (fc0 >> 4) & 0xfU;
	FrameInfo info{};
	switch (type) {
	case 0: info.kind = FrameInfo::Kind::management; break;
	case 1: info.kind = FrameInfo::Kind::control; break;
	case 2: info.kind = (subtype & 0x4U) ? FrameInfo::Kind::null_data : FrameInfo::Kind::data; break;
	default: info.kind = FrameInfo::Kind::extension; break;
	}
	std::copy_n(frame.begin() + 4, 6, info.addr1.begin());
	if (frame.size() >= 16) {
		MacAddr addr2;
		std::copy_n(frame.begin() + 10, 6, addr2.begin());
		info.addr2 = addr2;
	}
	info.group_addressed = (info.addr1[0] & 1U) != 0;
	info.retry = (fc1 & 0x08U) != 0;
	if (type != 1 && frame.size() >= 24)
		info.seq = (frame[22] | (frame[23] << 8)) >> 4;
	if (type == 2 && (subtype & 0x8U)) {
		// QoS Control follows Address 4 when both ToDS and FromDS are set.
		const std::size_t qos_at = (fc1 & 0x3U) == 0x3U ? 30 : 24;
		if (frame.size() > qos_at)
			info.tid = frame[qos_at] & 0x0f;
	}
	return info;
}

const char *kind_name(FrameInfo::Kind kind)
{
	switch (kind) {
	case FrameInfo::Kind::management: return "mgmt";
	case FrameInfo::Kind::control: return "ctrl";
	case FrameInfo::Kind::data: return "data";
	case FrameInfo::Kind::null_data: return "null";
	case FrameInfo::Kind::extension: return "ext";
	}
	return "?";
}

Medium::Medium(Scenario scenario, Nanos start, MediumSink &sink, MediumOptions options)
	: scenario_(std::move(scenario)), start_(start), sink_(sink), options_(options),
	  rng_(scenario_.config().seed, options.simulator), now_(start)
{
}

int Medium::add_radio(const std::string &name)
{
	const RadioConfig *config = scenario_.config().find_radio(name);
	if (!config)
		throw std::invalid_argument("no radio \"" + name + "\" in the config");
	for (const Radio &radio : radios_)
		if (radio.name == name)
			throw std::invalid_argument("radio \"" + name + "\" added twice");
	Radio radio;
	radio.name = name;
	radio.freq_mhz = config->freq_mhz;
	radio.cw = mac_timing(config->band).cw_min;
	radio.idle_since = now_;
	radios_.push_back(std::move(radio));
	const int index = static_cast<int>(radios_.size() - 1);
	addresses_[hwsim_perm_address(config->hwsim_index)] = index;
	return index;
}

void Medium::add_address(int radio, const MacAddr &addr)
{
	if (radio < 0 || radio >= radio_count())
		throw std::invalid_argument("no such radio");
	addresses_[addr] = radio;
}

void Medium::remove_address(int radio, const MacAddr &addr)
{
	auto it = addresses_.find(addr);
	if (it != addresses_.end() && it->second == radio)
		addresses_.erase(it);
}

std::optional<int> Medium::radio_of_address(const MacAddr &addr) const
{
	auto it = addresses_.find(addr);
	if (it == addresses_.end())
		return std::nullopt;
	return it->second;
}

void Medium::advance_scenario(Nanos t)
{
	// Scheduled actions take effect at their own time; next_event() wakes
	// the caller for them, so they are reported on time even when idle.
	const auto &schedule = scenario_.config().schedule;
	for (; next_schedule_ < schedule.size(); ++next_schedule_) {
		const Nanos at = schedule_time(schedule[next_schedule_]);
		if (at > t)
			break;
		scenario_.advance_to(std::max(scenario_.now_s(), schedule[next_schedule_].at_s));
		sink_.scenario_event(at, schedule[next_schedule_]);
	}
	const double t_s = static_cast<double>(t - start_) / 1e9;
	if (t_s > scenario_.now_s())
		scenario_.advance_to(t_s);
}

Nanos Medium::schedule_time(const ScheduleEvent &event) const
{
	return start_ + static_cast<Nanos>(std::llround(event.at_s * 1e9));
}

std::optional<LinkParams> Medium::link(int from, int to, int freq_mhz) const
{
	return scenario_.link_on(radios_[static_cast<std::size_t>(from)].name,
				 radios_[static_cast<std::size_t>(to)].name, freq_mhz);
}

int Medium::signal_dbm(const std::optional<LinkParams> &params) const
{
	const double snr = params ? params->snr_db : 0.0;
	return static_cast<int>(std::lround(scenario_.config().path_loss.noise_floor_dbm + snr));
}

bool Medium::senses(int listener, int talker) const
{
	return listener != talker &&
	       !scenario_.hidden(radios_[static_cast<std::size_t>(listener)].name,
				 radios_[static_cast<std::size_t>(talker)].name);
}

bool Medium::hears(int listener, int talker, int freq_mhz) const
{
	return listener != talker && radios_[static_cast<std::size_t>(listener)].freq_mhz == freq_mhz &&
	       link(talker, listener, freq_mhz).has_value();
}

bool Medium::busy_for(int radio) const
{
	const int freq = radios_[static_cast<std::size_t>(radio)].freq_mhz;
	return std::any_of(air_.begin(), air_.end(),
			   [&](const Air &air) { return air.freq_mhz == freq && senses(radio, air.tx); });
}

Nanos Medium::countdown_start(const Radio &radio) const
{
	const MacTiming mac = mac_timing(band_or_2ghz(radio.freq_mhz));
	return std::max(radio.idle_since, radio.ready_since) + air_ns(mac.difs_us());
}

std::optional<Nanos> Medium::fire_time(const Radio &radio) const
{
	if (radio.transmitting || radio.queue.empty() || radio.backoff_slots < 0)
		return std::nullopt;
	const int index = static_cast<int>(&radio - radios_.data());
	if (busy_for(index))
		return std::nullopt;
	const MacTiming mac = mac_timing(band_or_2ghz(radio.freq_mhz));
	return countdown_start(radio) + air_ns(static_cast<std::int64_t>(radio.backoff_slots) * mac.slot_us);
}

void Medium::draw_backoff(Radio &radio)
{
	radio.drawn_slots = rng_.draw_backoff_slots(radio.cw);
	radio.backoff_slots = radio.drawn_slots;
}

void Medium::submit(Nanos now, TxRequest request)
{
	if (request.radio < 0 || request.radio >= radio_count())
		throw std::invalid_argument("frame from an unknown radio");
	if (request.rates.empty() || request.rates.size() > max_rate_table_entries)
		throw std::invalid_argument("the rate table must have 1.." +
					    std::to_string(max_rate_table_entries) + " entries");
	const std::optional<Band> band = band_of_freq_mhz(request.freq_mhz);
	if (!band)
		throw std::invalid_argument("frequency " + std::to_string(request.freq_mhz) + " MHz is not a WiFi channel");
	for (const RateTry &entry : request.rates)
		if (entry.count < 1 || !rate_allowed_in(entry.rate, *band))
			throw std::invalid_argument("bad rate table entry");
	std::optional<FrameInfo> info = parse_frame(request.frame);
	if (!info)
		throw std::invalid_argument("frame shorter than an 802.11 header");

	run_until(now);
	now_ = std::max(now_, now);
	advance_scenario(now_);
	++stats_.frames;
	Radio &radio = radios_[static_cast<std::size_t>(request.radio)];
	radio.freq_mhz = request.freq_mhz;
	if (info->addr2 && !info->group_addressed && !((*info->addr2)[0] & 1U))
		addresses_[*info->addr2] = request.radio;

	Pending pending;
	pending.request = std::move(request);
	pending.info = *info;
	pending.enqueued = now_;
	if (!info->group_addressed)
		pending.rx_radio = radio_of_address(info->addr1);
	pending.attempts_per_entry.assign(pending.request.rates.size(), 0);

	if (radio.queue.size() >= options_.queue_limit) {
		++stats_.queue_drops;
		sink_.report({.radio = pending.request.radio, .cookie = pending.request.cookie,
			      .flags = pending.request.flags, .acked = false, .rates = pending.request.rates,
			      .attempts_per_entry = pending.attempts_per_entry, .ack_signal_dbm = 0,
			      .freq_mhz = pending.request.freq_mhz, .at = now_});
		if (!info->group_addressed)
			sink_.record({.at = now_, .handed_at = caller_now_, .enqueued = now_, .tx_radio = pending.request.radio,
				      .rx_radio = pending.rx_radio.value_or(-1), .info = *info,
				      .psdu_bytes = psdu_bytes(pending.request), .attempts = 0, .first_ok = false,
				      .received = false, .acked = false, .copies = 0, .collisions = 0, .airtime_us = 0,
				      .attempt_rates = {}, .queue_drop = true});
		return;
	}
	radio.queue.push_back(std::move(pending));
	if (radio.queue.size() == 1 && !radio.transmitting) {
		radio.cw = mac_timing(*band).cw_min;
		draw_backoff(radio);
		radio.ready_since = now_;
	}
}

void Medium::apply(Nanos now, const ScheduleEvent &event)
{
	run_until(now);
	now_ = std::max(now_, now);
	advance_scenario(now_);
	scenario_.apply_now(event);
	sink_.scenario_event(now_, event);
}

std::optional<Nanos> Medium::next_event() const
{
	std::optional<Nanos> next;
	auto consider = [&](Nanos t) {
		if (!next || t < *next)
			next = t;
	};
	for (const Air &air : air_)
		consider(air.resolved ? air.end : air.ppdu_end);
	for (const Radio &radio : radios_)
		if (const auto t = fire_time(radio))
			consider(*t);
	const auto &schedule = scenario_.config().schedule;
	if (next_schedule_ < schedule.size())
		consider(schedule_time(schedule[next_schedule_]));
	return next;
}

void Medium::run_until(Nanos now)
{
	caller_now_ = std::max(caller_now_, now);
	while (const auto next = next_event()) {
		const Nanos t = *next;
		if (t > now)
			break;
		now_ = std::max(now_, t);
		advance_scenario(t);

		std::vector<bool> was_busy(radios_.size());
		for (std::size_t r = 0; r < radios_.size(); ++r)
			was_busy[r] = busy_for(static_cast<int>(r));

		for (Air &air : air_)
			if (!air.resolved && air.ppdu_end == t)
				resolve_ppdu(air);
		for (auto it = air_.begin(); it != air_.end();) {
			if (it->resolved && it->end == t) {
				const Air done = *it;
				it = air_.erase(it);
				finish_exchange(done);
			} else {
				++it;
			}
		}
		for (std::size_t r = 0; r < radios_.size(); ++r)
			if (was_busy[r] && !busy_for(static_cast<int>(r)))
				radios_[r].idle_since = t;
		start_attempts(t);
	}
}

void Medium::start_attempts(Nanos t)
{
	std::vector<int> starters;
	std::vector<std::optional<Nanos>> countdown(radios_.size());
	for (std::size_t r = 0; r < radios_.size(); ++r) {
		const Radio &radio = radios_[r];
		const auto fire = fire_time(radio);
		if (!fire)
			continue;
		if (*fire == t)
			starters.push_back(static_cast<int>(r));
		countdown[r] = countdown_start(radio);
	}
	if (starters.empty())
		return;

	for (const int r : starters) {
		Radio &radio = radios_[static_cast<std::size_t>(r)];
		const Pending &pending = radio.queue.front();
		const Band band = band_or_2ghz(pending.request.freq_mhz);
		const Rate rate = pending.request.rates[pending.entry].rate;
		const std::size_t psdu = psdu_bytes(pending.request);
		Air air;
		air.tx = r;
		air.freq_mhz = pending.request.freq_mhz;
		air.band = band;
		air.rate = rate;
		air.start = t;
		air.ppdu_end = t + air_ns(ppdu_duration_us(rate, band, psdu));
		for (Air &other : air_) {
			if (other.freq_mhz == air.freq_mhz && other.ppdu_end > t) {
				other.overlapping.push_back(r);
				air.overlapping.push_back(other.tx);
			}
		}
		ChannelStats &channel = stats_.channels[air.freq_mhz];
		if (std::none_of(air_.begin(), air_.end(), [&](const Air &a) { return a.freq_mhz == air.freq_mhz; }))
			channel_busy_since_[air.freq_mhz] = t;
		++channel.attempts;
		air_.push_back(std::move(air));
		radio.transmitting = true;
		radio.backoff_slots = -1;
	}

	// Radios still counting down freeze at the last whole slot (10.3.4.3).
	for (std::size_t r = 0; r < radios_.size(); ++r) {
		Radio &radio = radios_[r];
		if (!countdown[r] || radio.transmitting || !busy_for(static_cast<int>(r)))
			continue;
		const MacTiming mac = mac_timing(band_or_2ghz(radio.freq_mhz));
		if (t > *countdown[r]) {
			const Nanos elapsed_slots = (t - *countdown[r]) / air_ns(mac.slot_us);
			radio.backoff_slots -= static_cast<int>(std::min<Nanos>(elapsed_slots, radio.backoff_slots));
		}
	}
}

void Medium::resolve_ppdu(Air &air)
{
	air.resolved = true;
	Radio &sender = radios_[static_cast<std::size_t>(air.tx)];
	Pending &pending = sender.queue.front();
	const bool unicast = is_unicast_exchange(pending.request, pending.info);
	const std::size_t psdu = psdu_bytes(pending.request);
	const int attempt = pending.attempts;

	// Real air gives every radio in range a copy: the addressed receiver
	// first (its draws come first, as without overhearing), then every other
	// radio on the frequency, which may decode it under the same error model
	// but never answers it.
	std::vector<int> receivers;
	if (pending.rx_radio)
		receivers.push_back(*pending.rx_radio);
	if (!pending.rx_radio || scenario_.config().overhear) {
		for (int r = 0; r < radio_count(); ++r)
			if (r != air.tx && r != pending.rx_radio)
				receivers.push_back(r);
	}

	bool acked = false;
	bool collided = false;
	for (const int rx : receivers) {
		if (!hears(rx, air.tx, air.freq_mhz))
			continue;
		const std::optional<LinkParams> params = link(air.tx, rx, air.freq_mhz);
		const bool rx_busy = std::find(air.overlapping.begin(), air.overlapping.end(), rx) != air.overlapping.end();
		const bool interfered =
			std::any_of(air.overlapping.begin(), air.overlapping.end(),
				    [&](int other) { return other != rx && hears(rx, other, air.freq_mhz); });
		bool received = false;
		if (rx_busy || interfered)
			collided = collided || rx == pending.rx_radio;
		else
			received = !rng_.happens(data_loss_probability(*params, air.rate, psdu));
		if (!received)
			continue;
		std::vector<std::uint8_t> copy = pending.request.frame;
		if (attempt > 0)
			copy[1] = static_cast<std::uint8_t>(copy[1] | 0x08U);
		const Nanos handed =
			sink_.deliver({.tx_radio = air.tx, .rx_radio = rx, .frame = std::move(copy), .rate = air.rate,
				       .signal_dbm = signal_dbm(params), .freq_mhz = air.freq_mhz, .at = air.ppdu_end});
		++stats_.deliveries;
		if (pending.rx_radio && rx != *pending.rx_radio)
			++stats_.overheard;
		if (rx == pending.rx_radio) {
			if (attempt == 0)
				pending.first_ok = true;
			pending.received = true;
			++pending.copies;
			if (!pending.first_rx) {
				pending.first_rx = air.ppdu_end;
				pending.first_rx_handed = std::max(handed, air.ppdu_end);
			}
			if (unicast) {
				acked = !rng_.happens(ack_loss_probability(*params, air.rate));
				pending.ack_signal_dbm = signal_dbm(link(rx, air.tx, air.freq_mhz).value_or(*params));
			}
		}
	}
	if (collided) {
		++pending.collisions;
		++stats_.channels[air.freq_mhz].collisions;
	}

	const MacTiming mac = mac_timing(air.band);
	const Rate ack_rate = control_response_rate(air.rate, default_basic_rates(air.band));
	const Nanos backoff_ns = air_ns(mac.difs_us() + static_cast<std::int64_t>(sender.drawn_slots) * mac.slot_us);
	if (unicast) {
		air.end = air.ppdu_end +
			  air_ns(acked ? mac.sifs_us + ppdu_duration_us(ack_rate, air.band, ack_frame_bytes)
					 : mac.ack_timeout_us());
		pending.airtime_us += attempt_airtime_us({.band = air.band, .mac = mac, .data_rate = air.rate,
							  .ack_rate = ack_rate, .psdu_bytes = psdu},
							 sender.drawn_slots, acked);
	} else {
		air.end = air.ppdu_end;
		pending.airtime_us += (backoff_ns + air.ppdu_end - air.start) / (1000 * options_.time_scale);
	}
	air.acked = acked;
}

void Medium::finish_exchange(const Air &air)
{
	const Nanos t = air.end;
	if (std::none_of(air_.begin(), air_.end(), [&](const Air &a) { return a.freq_mhz == air.freq_mhz; }))
		stats_.channels[air.freq_mhz].busy_ns += t - channel_busy_since_[air.freq_mhz];

	Radio &radio = radios_[static_cast<std::size_t>(air.tx)];
	radio.transmitting = false;
	Pending &pending = radio.queue.front();
	++pending.attempts;
	++pending.attempts_per_entry[pending.entry];
	++pending.tries_in_entry;
	pending.attempt_rates.push_back(air.rate);

	if (!is_unicast_exchange(pending.request, pending.info) || air.acked) {
		complete_frame(air.tx, t, air.acked);
		return;
	}
	if (pending.tries_in_entry >= pending.request.rates[pending.entry].count) {
		++pending.entry;
		pending.tries_in_entry = 0;
	}
	if (pending.entry >= pending.request.rates.size()) {
		++stats_.retry_drops;
		complete_frame(air.tx, t, false);
		return;
	}
	const MacTiming mac = mac_timing(air.band);
	radio.cw = std::min(2 * radio.cw + 1, mac.cw_max);
	draw_backoff(radio);
	radio.ready_since = t;
}

void Medium::complete_frame(int radio_index, Nanos t, bool acked)
{
	Radio &radio = radios_[static_cast<std::size_t>(radio_index)];
	Pending pending = std::move(radio.queue.front());
	radio.queue.pop_front();
	sink_.report({.radio = radio_index, .cookie = pending.request.cookie, .flags = pending.request.flags,
		      .acked = acked, .rates = pending.request.rates, .attempts_per_entry = pending.attempts_per_entry,
		      .ack_signal_dbm = pending.ack_signal_dbm, .freq_mhz = pending.request.freq_mhz, .at = t});
	if (!pending.info.group_addressed)
		sink_.record({.at = pending.first_rx.value_or(t),
			      .handed_at = pending.first_rx ? pending.first_rx_handed : std::max(caller_now_, t),
			      .enqueued = pending.enqueued, .tx_radio = radio_index,
			      .rx_radio = pending.rx_radio.value_or(-1), .info = pending.info,
			      .psdu_bytes = psdu_bytes(pending.request), .attempts = pending.attempts,
			      .first_ok = pending.first_ok, .received = pending.received, .acked = acked,
			      .copies = pending.copies, .collisions = pending.collisions,
			      .airtime_us = pending.airtime_us, .attempt_rates = pending.attempt_rates,
			      .queue_drop = false});
	radio.cw = mac_timing(band_or_2ghz(radio.freq_mhz)).cw_min;
	if (!radio.queue.empty()) {
		draw_backoff(radio);
		radio.ready_since = t;
	}
}

} // namespace airsim
