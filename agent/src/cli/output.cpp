// SPDX-License-Identifier: GPL-2.0
#include "cli/output.h"
#include "cli/wifi_report.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <iomanip>
#include <sstream>
#include <string>
#include <type_traits>
#include <variant>
#include <vector>

namespace mpwifi::cli {

namespace {

// A field's value: null (unknown), flag, count, signed number, measurement,
// text or a list of texts.
using Value = std::variant<std::monostate, bool, std::uint64_t, std::int64_t, double, std::string,
			   std::vector<std::string>>;

template <typename T>
struct Field {
	const char *key;          // JSON
	const char *label;        // text: column header or name; "": value only; nullptr: JSON only
	int width = 0;            // text: minimum column width, negative to align left
	double divisor = 1;       // text: numbers are shown divided by this...
	int decimals = 0;         // ...with this many digits after the point
	Value (*get)(const T &) = nullptr;
	std::string (*text)(const T &) = nullptr; // text: instead of get's value, if set
};

template <typename T>
Value maybe(const std::optional<T> &v)
{
	if (!v)
		return Value();
	if constexpr (std::is_integral_v<T> && std::is_unsigned_v<T> && !std::is_same_v<T, bool>)
		return Value(std::uint64_t{*v}); // a count, not a signed number
	else
		return Value(*v);
}

Value u(std::uint64_t v)
{
	return v;
}

constexpr double kNsPerUs = 1000.0;
constexpr double kKbpsPerMbps = 1000.0;

// A percent in JSON: a whole number when it is one, like 20 or 2.5.
Value percentOf(std::uint32_t ppm)
{
	if (ppm % kPpmPerPercent == 0)
		return u(ppm / kPpmPerPercent);
	return static_cast<double>(ppm) / kPpmPerPercent;
}

// A share in percent with one decimal (534000 ppm -> 53.4), or null when unknown.
Value tenthsPercent(const std::optional<std::uint32_t> &ppm)
{
	if (!ppm)
		return Value();
	return std::round(static_cast<double>(*ppm) / 1000.0) / 10.0;
}

std::string percentText(std::uint32_t ppm)
{
	return formatPpmAsPercent(ppm) + "%";
}

// Marked over ECT packets in the window.  The kernel never marks more than
// it saw; the bound keeps the contract's 0..1 if a sample ever disagrees.
std::optional<double> markRate(const ApStats &a)
{
	if (!a.window_ect)
		return std::nullopt;
	return std::min(1.0, static_cast<double>(a.window_marked) / a.window_ect);
}

std::string markRateText(const ApStats &a)
{
	const auto rate = markRate(a);
	if (!rate)
		return "-";
	std::ostringstream s;
	s << std::fixed << std::setprecision(1) << *rate * 100 << '%';
	return s.str();
}

// clang-format off
const Field<ApStats> kApFields[] = {
	{.key = "ifname", .label = "IFNAME", .width = -8, .get = [](const ApStats &a) { return Value(a.ifname); }},
	{.key = "ifindex", .label = nullptr, .get = [](const ApStats &a) { return u(a.ifindex); }},
	{.key = "station", .label = nullptr, .get = [](const ApStats &a) { return Value(formatMac(a.station)); }},
	{.key = "bssid", .label = "BSSID", .width = -17, .get = [](const ApStats &a) { return Value(formatMac(a.bssid)); }},
	{.key = "first_try", .label = "FIRST-TRY", .get = [](const ApStats &a) { return u(a.first_try); }},
	{.key = "retried", .label = "RETRIED", .get = [](const ApStats &a) { return u(a.retried); }},
	{.key = "lost", .label = "LOST", .get = [](const ApStats &a) { return u(a.lost); }},
	{.key = "delivery_prob", .label = "DELIV", .decimals = 4,
	 .get = [](const ApStats &a) { return maybe(a.delivery_prob); }},
	{.key = "bitrate_kbps", .label = "RATE-Mb/s", .divisor = kKbpsPerMbps, .decimals = 1,
	 .get = [](const ApStats &a) { return a.bitrate_kbps ? u(*a.bitrate_kbps) : Value(); }},
	{.key = "packet_time_us", .label = "T-us", .decimals = 1,
	 .get = [](const ApStats &a) { return a.packet_time_ns ? Value(*a.packet_time_ns / kNsPerUs) : Value(); }},
	{.key = "airtime_pct", .label = "AIR%", .decimals = 1, .get = [](const ApStats &a) { return tenthsPercent(a.airtime_ppm); }},
	{.key = "busy_pct", .label = "BUSY%", .decimals = 1, .get = [](const ApStats &a) { return tenthsPercent(a.busy_ppm); }},
	{.key = "priority", .label = "PRIO", .width = -7, .get = [](const ApStats &a) {
		 return a.backup ? Value(std::string(*a.backup ? "backup" : "regular")) : Value();
	 }},
	{.key = "priority_changes", .label = nullptr, .get = [](const ApStats &a) { return u(a.priority_changes); }},
	{.key = "window_start_ns", .label = nullptr, .get = [](const ApStats &a) { return u(a.window_start_ns); }},
	{.key = "window_end_ns", .label = nullptr, .get = [](const ApStats &a) { return u(a.window_end_ns); }},
	{.key = "window_first_try", .label = "W-N0", .get = [](const ApStats &a) { return u(a.window_first_try); }},
	{.key = "window_retried", .label = "W-N1", .get = [](const ApStats &a) { return u(a.window_retried); }},
	{.key = "window_lost", .label = "W-LOST", .get = [](const ApStats &a) { return u(a.window_lost); }},
	{.key = "window_rated", .label = nullptr, .get = [](const ApStats &a) { return u(a.window_rated); }},
	{.key = "last_rx_ns", .label = nullptr, .get = [](const ApStats &a) { return u(a.last_rx_ns); }},
	{.key = "phy", .label = nullptr, .get = [](const ApStats &a) { return Value(std::string(phyName(a.phy))); }},
	{.key = "ect", .label = nullptr, .get = [](const ApStats &a) { return u(a.ect); }},
	{.key = "marked", .label = nullptr, .get = [](const ApStats &a) { return u(a.marked); }},
	{.key = "ce_seen", .label = nullptr, .get = [](const ApStats &a) { return u(a.ce_seen); }},
	{.key = "window_ect", .label = nullptr, .get = [](const ApStats &a) { return u(a.window_ect); }},
	{.key = "window_marked", .label = nullptr, .get = [](const ApStats &a) { return u(a.window_marked); }},
	{.key = "mark_rate", .label = "MARK", .get = [](const ApStats &a) { return maybe(markRate(a)); },
	 .text = markRateText},
	{.key = "ecn_marking", .label = nullptr, .get = [](const ApStats &a) { return Value(a.ecn_marking); }},
	{.key = "mark_delta", .label = nullptr, .get = [](const ApStats &a) {
		 return a.ecn_delta_ppm ? Value(static_cast<double>(*a.ecn_delta_ppm) / kPpm) : Value();
	 }},
};

const Field<Config> kConfigFields[] = {
	{.key = "window_ms", .label = "window-ms", .get = [](const Config &c) { return u(c.window_ms); }},
	{.key = "max_aps", .label = "max-aps", .get = [](const Config &c) { return u(c.max_aps); }},
	{.key = "ap_bytes", .label = "ap-bytes", .get = [](const Config &c) { return u(c.ap_bytes); }},
	{.key = "rx_hook", .label = "rx-hook", .get = [](const Config &c) { return Value(c.rx_hook); }},
};

const Field<EcnConfig> kEcnFields[] = {
	{.key = "enabled", .label = "enabled", .get = [](const EcnConfig &c) { return Value(c.enabled); },
	 .text = [](const EcnConfig &c) { return std::string(c.enabled ? "on" : "off"); }},
	{.key = "law", .label = "law", .get = [](const EcnConfig &c) { return Value(std::string(ecnLawName(c.law))); }},
	{.key = "threshold_pct", .label = "threshold",
	 .get = [](const EcnConfig &c) { return percentOf(c.threshold_ppm); },
	 .text = [](const EcnConfig &c) { return percentText(c.threshold_ppm); }},
	{.key = "cap_pct", .label = "cap", .get = [](const EcnConfig &c) { return percentOf(c.cap_ppm); },
	 .text = [](const EcnConfig &c) { return percentText(c.cap_ppm); }},
	{.key = "budget_pct", .label = "budget", .get = [](const EcnConfig &c) { return percentOf(c.budget_ppm); },
	 .text = [](const EcnConfig &c) { return percentText(c.budget_ppm); }},
	{.key = "min_frames", .label = "min-frames", .get = [](const EcnConfig &c) { return u(c.min_frames); }},
	{.key = "stale_ms", .label = "stale-ms", .get = [](const EcnConfig &c) { return u(c.stale_ms); }},
	{.key = "best_packet_time_us", .label = "best-packet-time-us", .decimals = 1,
	 .get = [](const EcnConfig &c) {
		 return c.best_packet_time_ns ? Value(*c.best_packet_time_ns / kNsPerUs) : Value();
	 }},
};

const Field<ApEvent> kEventFields[] = {
	{.key = "event", .label = "", .get = [](const ApEvent &e) { return Value(std::string(eventName(e.kind))); }},
	{.key = "ifname", .label = "ifname", .get = [](const ApEvent &e) { return Value(e.ifname); }},
	{.key = "ifindex", .label = "ifindex", .get = [](const ApEvent &e) { return u(e.ifindex); }},
	{.key = "station", .label = "station", .get = [](const ApEvent &e) { return Value(formatMac(e.station)); }},
	{.key = "bssid", .label = "bssid", .get = [](const ApEvent &e) { return Value(formatMac(e.bssid)); }},
};
const Field<InterfaceTrust> kTrustFields[] = {
	{.key = "ifname", .label = "IFNAME", .width = -8,
	 .get = [](const InterfaceTrust &t) { return Value(t.ifname); }},
	{.key = "ifindex", .label = "IFINDEX", .get = [](const InterfaceTrust &t) { return u(t.ifindex); }},
	{.key = "level", .label = "LEVEL", .width = -9,
	 .get = [](const InterfaceTrust &t) { return Value(std::string(trustLevelName(t.level))); }},
	{.key = "source", .label = "SOURCE", .width = -6,
	 .get = [](const InterfaceTrust &t) { return Value(std::string(trustSourceName(t.source))); }},
};

const Field<PeerTrust> kPeerFields[] = {
	{.key = "prefix", .label = "PREFIX", .width = -18,
	 .get = [](const PeerTrust &p) { return Value(formatPrefix(p.prefix)); }},
	{.key = "level", .label = "LEVEL", .width = -9,
	 .get = [](const PeerTrust &p) { return Value(std::string(trustLevelName(p.level))); }},
};

const Field<Policy> kPolicyFields[] = {
	{.key = "first_subflow", .label = "first-subflow",
	 .get = [](const Policy &p) { return Value(std::string(firstSubflowName(p.first_subflow))); }},
	{.key = "trusted_sched", .label = "trusted-sched", .get = [](const Policy &p) { return Value(p.trusted_sched); },
	 .text = [](const Policy &p) { return std::string(p.trusted_sched ? "on" : "off"); }},
	{.key = "peer_default", .label = "peer-default",
	 .get = [](const Policy &p) { return Value(std::string(trustLevelName(p.peer_default))); }},
	{.key = "sched_available", .label = "sched-available",
	 .get = [](const Policy &p) { return Value(p.sched_available); },
	 .text = [](const Policy &p) {
		 return p.sched_available ? std::string("yes") : "no" + (p.sched_reason.empty() ? "" : ": " + p.sched_reason);
	 }},
	{.key = "sched_reason", .label = nullptr, .get = [](const Policy &p) {
		 return p.sched_reason.empty() ? Value() : Value(p.sched_reason);
	 }},
	{.key = "trusted_sends", .label = "trusted-sends", .get = [](const Policy &p) { return u(p.trusted_sends); }},
	{.key = "refused_sends", .label = "refused-sends", .get = [](const Policy &p) { return u(p.refused_sends); }},
	{.key = "redirects", .label = "redirects", .get = [](const Policy &p) { return u(p.redirects); }},
	{.key = "waits", .label = "waits", .get = [](const Policy &p) { return u(p.waits); }},
	{.key = "resumes", .label = "resumes", .get = [](const Policy &p) { return u(p.resumes); }},
	{.key = "guard_refused", .label = "guard-refused", .get = [](const Policy &p) { return u(p.guard_refused); }},
	{.key = "egress_drops", .label = "egress-drops", .get = [](const Policy &p) { return u(p.egress_drops); }},
	{.key = "connect_steered", .label = "connect-steered",
	 .get = [](const Policy &p) { return u(p.connect_steered); }},
	{.key = "connect_refused", .label = "connect-refused",
	 .get = [](const Policy &p) { return u(p.connect_refused); }},
	{.key = "connections", .label = "connections", .get = [](const Policy &p) { return u(p.connections); }},
	{.key = "range_epochs", .label = "range-epochs", .get = [](const Policy &p) { return u(p.range_epochs); }},
	{.key = "range_reorders", .label = "range-reorders",
	 .get = [](const Policy &p) { return u(p.range_reorders); }},
	{.key = "refused_unconnected", .label = "refused-unconnected",
	 .get = [](const Policy &p) { return u(p.refused_unconnected); }},
	{.key = "refused_limit", .label = "refused-limit", .get = [](const Policy &p) { return u(p.refused_limit); }},
	{.key = "resends", .label = "resends", .get = [](const Policy &p) { return u(p.resends); }},
};
// clang-format on

template <typename T>
Json jsonOf(const T &obj, std::span<const Field<T>> fields)
{
	Json j = Json::object();
	for (const auto &f : fields) {
		std::visit(
			[&](const auto &v) {
				if constexpr (std::is_same_v<std::decay_t<decltype(v)>, std::monostate>)
					j[f.key] = nullptr;
				else
					j[f.key] = v;
			},
			f.get(obj));
	}
	return j;
}

template <typename T>
std::string textOf(const Field<T> &f, const T &obj)
{
	if (f.text)
		return f.text(obj);
	const Value v = f.get(obj);
	if (std::holds_alternative<std::monostate>(v))
		return "-";
	if (auto b = std::get_if<bool>(&v))
		return *b ? "yes" : "no";
	if (auto s = std::get_if<std::string>(&v))
		return *s;
	if (auto i = std::get_if<std::int64_t>(&v))
		return std::to_string(*i);
	if (auto list = std::get_if<std::vector<std::string>>(&v)) {
		std::string joined;
		for (const auto &item : *list)
			joined += (joined.empty() ? "" : ",") + item;
		return joined.empty() ? "-" : joined;
	}
	const auto *n = std::get_if<std::uint64_t>(&v);
	if (n && f.divisor == 1)
		return std::to_string(*n);
	const double number = n ? static_cast<double>(*n) : std::get<double>(v);
	std::ostringstream s;
	s << std::fixed << std::setprecision(f.decimals) << number / f.divisor;
	return s.str();
}

void printJson(std::ostream &out, const Json &j, OutputFormat format)
{
	out << j.dump(format.pretty ? 2 : -1) << '\n';
}

template <typename T>
void printTable(std::ostream &out, std::span<const T> rows, std::span<const Field<T>> fields)
{
	std::vector<const Field<T> *> columns;
	for (const auto &f : fields)
		if (f.label)
			columns.push_back(&f);

	std::vector<std::vector<std::string>> cells(rows.size() + 1);
	for (const auto *c : columns)
		cells[0].emplace_back(c->label);
	for (std::size_t r = 0; r < rows.size(); r++)
		for (const auto *c : columns)
			cells[r + 1].push_back(textOf(*c, rows[r]));

	std::vector<std::size_t> widths;
	for (std::size_t i = 0; i < columns.size(); i++) {
		std::size_t w = static_cast<std::size_t>(std::abs(columns[i]->width));
		for (const auto &line : cells)
			w = std::max(w, line[i].size());
		widths.push_back(w);
	}

	for (const auto &line : cells) {
		std::string text;
		for (std::size_t i = 0; i < columns.size(); i++) {
			const std::string pad(widths[i] - line[i].size(), ' ');
			const bool left = columns[i]->width < 0;
			if (i)
				text += "  ";
			text += left ? line[i] + (i + 1 < columns.size() ? pad : "") : pad + line[i];
		}
		out << text << '\n';
	}
}

// "name value" pairs separated by @separator, on one line unless it is '\n'.
template <typename T>
void printRecord(std::ostream &out, const T &obj, std::span<const Field<T>> fields, char separator = ' ')
{
	std::string text;
	for (const auto &f : fields) {
		if (!f.label)
			continue;
		if (!text.empty())
			text += separator;
		if (*f.label)
			text += std::string(f.label) + ' ';
		text += textOf(f, obj);
	}
	out << text << '\n';
}

const Field<StationReport> kStationFields[] = {
	{.key = "ifname", .label = "IFNAME", .width = -8, .get = [](const StationReport &st) { return Value(st.ifname); }},
	{.key = "bssid", .label = "BSSID", .width = -17,
	 .get = [](const StationReport &st) { return st.bssid ? Value(formatMac(*st.bssid)) : Value(); }},
	{.key = "ssid", .label = "SSID", .width = -12, .get = [](const StationReport &st) { return Value(st.ssid); }},
	{.key = "state", .label = "STATE", .width = -11, .get = [](const StationReport &st) { return Value(st.state); }},
	{.key = "signal_dbm", .label = "SIGNAL",
	 .get = [](const StationReport &st) { return st.signalDbm ? Value(std::int64_t{*st.signalDbm}) : Value(); }},
	{.key = "addresses", .label = "ADDRESSES", .width = -18,
	 .get = [](const StationReport &st) { return Value(st.addresses); }},
	{.key = "endpoint_id", .label = "ENDPOINT",
	 .get = [](const StationReport &st) { return st.endpointId ? u(*st.endpointId) : Value(); }},
	{.key = "packet_time_us", .label = "T(us)", .decimals = 1,
	 .get = [](const StationReport &st) { return maybe(st.packetTimeUs); }},
	{.key = "dns", .label = "DNS", .width = -15, .get = [](const StationReport &st) { return Value(st.dns); }},
};

const Field<RadioReport> kRadioFields[] = {
	{.key = "phy", .label = "", .get = [](const RadioReport &r) { return Value(r.phy); }},
	{.key = "max_stations", .label = "max-stations", .get = [](const RadioReport &r) { return u(r.maxStations); }},
	{.key = "channels", .label = "channels", .get = [](const RadioReport &r) { return u(r.channels); }},
	{.key = "freq_mhz", .label = "freq", .get = [](const RadioReport &r) { return maybe(r.freqMhz); }},
};

const Field<ScanReport> kScanFields[] = {
	{.key = "phy", .label = "PHY", .width = -5, .get = [](const ScanReport &b) { return Value(b.phy); }},
	{.key = "bssid", .label = "BSSID", .width = -17, .get = [](const ScanReport &b) { return Value(formatMac(b.bssid)); }},
	{.key = "ssid", .label = "SSID", .width = -12, .get = [](const ScanReport &b) { return Value(b.ssid); }},
	{.key = "freq_mhz", .label = "FREQ", .get = [](const ScanReport &b) { return u(b.freqMhz); }},
	{.key = "signal_dbm", .label = "SIGNAL",
	 .get = [](const ScanReport &b) { return b.signalDbm ? Value(std::int64_t{*b.signalDbm}) : Value(); }},
	{.key = "predicted_kbps", .label = "PREDICTED(Mbit/s)", .divisor = kKbpsPerMbps, .decimals = 1,
	 .get = [](const ScanReport &b) { return u(b.predictedKbps); }},
	{.key = "in_use", .label = "IN-USE", .get = [](const ScanReport &b) { return Value(b.inUse); }},
};

} // namespace

Json toJson(const ApStats &ap)
{
	return jsonOf<ApStats>(ap, kApFields);
}

Json toJson(const Config &config)
{
	return jsonOf<Config>(config, kConfigFields);
}

Json toJson(const EcnConfig &ecn)
{
	return jsonOf<EcnConfig>(ecn, kEcnFields);
}

Json toJson(const ApEvent &event)
{
	return jsonOf<ApEvent>(event, kEventFields);
}

Json toJson(const InterfaceTrust &trust)
{
	return jsonOf<InterfaceTrust>(trust, kTrustFields);
}

Json toJson(const PeerTrust &peer)
{
	return jsonOf<PeerTrust>(peer, kPeerFields);
}

Json toJson(const Policy &policy)
{
	return jsonOf<Policy>(policy, kPolicyFields);
}

namespace {

// Text: a table with a header row.  JSON: an array of objects.
template <typename T>
void printRows(std::ostream &out, std::span<const T> rows, std::span<const Field<T>> fields, OutputFormat format)
{
	if (!format.json)
		return printTable<T>(out, rows, fields);
	Json array = Json::array();
	for (const auto &row : rows)
		array.push_back(toJson(row));
	printJson(out, array, format);
}

} // namespace

void printAps(std::ostream &out, std::span<const ApStats> aps, OutputFormat format)
{
	printRows<ApStats>(out, aps, kApFields, format);
}

void printTrust(std::ostream &out, std::span<const InterfaceTrust> interfaces, OutputFormat format)
{
	printRows<InterfaceTrust>(out, interfaces, kTrustFields, format);
}

void printPeers(std::ostream &out, std::span<const PeerTrust> peers, OutputFormat format)
{
	printRows<PeerTrust>(out, peers, kPeerFields, format);
}

void printPolicy(std::ostream &out, const Policy &policy, OutputFormat format)
{
	if (format.json)
		printJson(out, toJson(policy), format);
	else
		printRecord<Policy>(out, policy, kPolicyFields, '\n');
}

void printApSample(std::ostream &out, std::int64_t monotonicNs, std::span<const ApStats> aps, OutputFormat format)
{
	Json array = Json::array();
	for (const auto &ap : aps)
		array.push_back(toJson(ap));
	printJson(out, Json{{"t_ns", monotonicNs}, {"aps", std::move(array)}}, format);
}

void printConfig(std::ostream &out, const Config &config, OutputFormat format)
{
	if (format.json)
		printJson(out, toJson(config), format);
	else
		printRecord<Config>(out, config, kConfigFields);
}

void printEcn(std::ostream &out, const EcnConfig &ecn, OutputFormat format)
{
	if (format.json)
		printJson(out, toJson(ecn), format);
	else
		printRecord<EcnConfig>(out, ecn, kEcnFields, '\n');
}

void printEvent(std::ostream &out, const ApEvent &event, OutputFormat format)
{
	if (format.json)
		printJson(out, toJson(event), format);
	else
		printRecord<ApEvent>(out, event, kEventFields);
	out.flush();
}

Json toJson(const RadioReport &radio)
{
	Json j = jsonOf<RadioReport>(radio, kRadioFields);
	j["stations"] = Json::array();
	for (const auto &st : radio.stations)
		j["stations"].push_back(jsonOf<StationReport>(st, kStationFields));
	return j;
}

Json toJson(const ScanReport &bss)
{
	return jsonOf<ScanReport>(bss, kScanFields);
}

void printWifiRadios(std::ostream &out, std::span<const RadioReport> radios, OutputFormat format)
{
	if (format.json) {
		Json j = Json::array();
		for (const auto &r : radios)
			j.push_back(toJson(r));
		printJson(out, j, format);
		return;
	}
	for (std::size_t i = 0; i < radios.size(); i++) {
		if (i)
			out << '\n';
		printRecord<RadioReport>(out, radios[i], kRadioFields);
		if (!radios[i].stations.empty())
			printTable<StationReport>(out, radios[i].stations, kStationFields);
	}
}

void printWifiScan(std::ostream &out, std::span<const ScanReport> rows, OutputFormat format)
{
	if (format.json) {
		Json j = Json::array();
		for (const auto &r : rows)
			j.push_back(toJson(r));
		printJson(out, j, format);
		return;
	}
	printTable<ScanReport>(out, rows, kScanFields);
}

} // namespace mpwifi::cli
