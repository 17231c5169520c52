// SPDX-License-Identifier: GPL-2.0
// What the mpwifi kernel module reports, in userspace types.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <linux/mpwifi.h>

#include "mpwifi/spec_gen.h"

namespace mpwifi {

using MacAddr = std::array<std::uint8_t, 6>;

// Lowercase, colon separated: "02:00:00:00:01:00".
[[nodiscard]] std::string formatMac(const MacAddr &mac);
// Parts per million as an exact percent, no trailing zeros: 25000 -> "2.5".
[[nodiscard]] std::string formatPpmAsPercent(std::uint64_t ppm);

// PHY of the frames a rate was measured on (enum mpwifi_phy).
enum class Phy : std::uint8_t {
	Unknown = MPWIFI_PHY_UNKNOWN,
	Dsss = MPWIFI_PHY_DSSS,
	Ofdm = MPWIFI_PHY_OFDM,
	Ht = MPWIFI_PHY_HT,
	Vht = MPWIFI_PHY_VHT,
	He = MPWIFI_PHY_HE,
};

// A value from the kernel; ones this version does not know are Unknown.
[[nodiscard]] Phy phyFromWire(std::uint8_t value);
// "dsss", "ofdm", "ht", "vht", "he" or "unknown".
[[nodiscard]] std::string_view phyName(Phy phy);

// One tracked (station interface, AP).  Cumulative counters run from when
// the AP was first tracked; window_* describe the sliding window ending at
// window_end_ns.  Times are CLOCK_MONOTONIC nanoseconds.
struct ApStats {
	std::uint32_t ifindex = 0;
	std::string ifname;
	MacAddr station{}; // our station interface
	MacAddr bssid{};   // the AP

	std::uint64_t first_try = 0; // data frames, retry bit 0
	std::uint64_t retried = 0;   // data frames, retry bit 1
	std::uint64_t lost = 0;      // sequence numbers never received

	std::uint64_t window_start_ns = 0;
	std::uint64_t window_end_ns = 0;
	std::uint32_t window_first_try = 0;
	std::uint32_t window_retried = 0;
	std::uint32_t window_lost = 0;
	std::uint32_t window_rated = 0; // frames with a known rx rate

	std::optional<double> delivery_prob;         // 0..1; none without frames
	std::optional<std::uint32_t> bitrate_kbps;   // airtime mean; none if unknown
	std::optional<std::uint32_t> packet_time_ns; // none if unknown

	std::uint64_t last_rx_ns = 0; // last data frame
	Phy phy = Phy::Unknown;       // of the last rated frame

	// ECN steering, in segments of ECT packets of MPTCP subflows through this
	// AP; zero (and ecn_delta_ppm empty) from a module without it.
	std::uint64_t ect = 0;     // ECT or CE on arrival
	std::uint64_t marked = 0;  // set to CE by mpwifi
	std::uint64_t ce_seen = 0; // already CE on arrival
	std::uint32_t window_ect = 0;
	std::uint32_t window_marked = 0;
	bool ecn_marking = false;                   // inefficient enough to be marked
	std::optional<std::uint32_t> ecn_delta_ppm; // mark rate of its latest subflow packet

	// Over the window, of its length: this AP's frames to us, and the
	// channel as the radio hears it (none from a module without them).
	std::optional<std::uint32_t> airtime_ppm;
	std::optional<std::uint32_t> busy_ppm;

	// Not the module's: `mpwifi ap show` adds them from the path manager and
	// the daemon's RUN/steering.  Whether the subflows through this AP are
	// backup (its station's endpoint's flag; none without an endpoint), and
	// how often the daemon's steering changed that.
	std::optional<bool> backup;
	std::uint64_t priority_changes = 0;
};

struct Config {
	std::uint32_t window_ms = 0;
	std::uint32_t max_aps = 0;  // read-only: tracked APs per interface
	std::uint32_t ap_bytes = 0; // read-only: memory per tracked AP
	bool rx_hook = false;       // read-only: rx observer attached
};

// The settable fields of Config; those left empty are not changed.
struct ConfigUpdate {
	std::optional<std::uint32_t> window_ms;
};

// Inclusive range of a setting the kernel accepts (from the spec's checks).
using Bounds = spec::Range;

constexpr Bounds kWindowMs = spec::kConfigWindowMs;

[[nodiscard]] constexpr bool validWindowMs(std::uint64_t ms)
{
	return kWindowMs.contains(ms);
}

// The marking law of ECN steering (enum mpwifi_ecn_law).
enum class EcnLaw : std::uint8_t {
	Seed = MPWIFI_ECN_LAW_SEED,
	Uncoupled = MPWIFI_ECN_LAW_UNCOUPLED,
};

// Empty for a value this version does not know.
[[nodiscard]] std::optional<EcnLaw> ecnLawFromWire(std::uint8_t value);
// "seed" or "uncoupled" ("unknown" for no EcnLaw value).
[[nodiscard]] std::string_view ecnLawName(EcnLaw law);
[[nodiscard]] std::optional<EcnLaw> ecnLawFromName(std::string_view name);

// ECN steering of the namespace.  Rates and shares in parts per million.
struct EcnConfig {
	bool enabled = false;
	EcnLaw law = EcnLaw::Seed;
	std::uint32_t threshold_ppm = 0; // mark APs with T >= (1 + threshold) x best
	std::uint32_t cap_ppm = 0;       // most marked share
	std::uint32_t budget_ppm = 0;    // throughput loss the uncoupled law allows
	std::uint32_t min_frames = 0;    // frames before an estimate counts
	std::uint32_t stale_ms = 0;      // silence after which it does not
	std::optional<std::uint32_t> best_packet_time_ns; // read-only; none without a fresh estimate
};

// The settable fields of EcnConfig; those left empty are not changed.
struct EcnUpdate {
	std::optional<bool> enabled;
	std::optional<EcnLaw> law;
	std::optional<std::uint32_t> threshold_ppm;
	std::optional<std::uint32_t> cap_ppm;
	std::optional<std::uint32_t> budget_ppm;
	std::optional<std::uint32_t> min_frames;
	std::optional<std::uint32_t> stale_ms;

	[[nodiscard]] bool empty() const
	{
		return !enabled && !law && !threshold_ppm && !cap_ppm && !budget_ppm && !min_frames && !stale_ms;
	}
};

constexpr std::uint32_t kPpm = 1'000'000;
constexpr std::uint32_t kPpmPerPercent = 10'000;
constexpr Bounds kEcnThresholdPpm = spec::kEcnThresholdPpm;
constexpr Bounds kEcnCapPpm = spec::kEcnCapPpm;
constexpr Bounds kEcnBudgetPpm = spec::kEcnBudgetPpm;
constexpr Bounds kEcnMinFrames = spec::kEcnMinFrames;
constexpr Bounds kEcnStaleMs = spec::kEcnStaleMs;

// An interface's trust level (enum mpwifi_trust_level), ordered.
enum class TrustLevel : std::uint8_t {
	Untrusted = MPWIFI_TRUST_UNTRUSTED,
	Trusted = MPWIFI_TRUST_TRUSTED,
};

// Who set an interface's level (enum mpwifi_trust_source).
enum class TrustSource : std::uint8_t {
	None = MPWIFI_TRUST_SOURCE_NONE,
	Auto = MPWIFI_TRUST_SOURCE_AUTO,
	Manual = MPWIFI_TRUST_SOURCE_MANUAL,
};

// Empty for a value this version does not know.
[[nodiscard]] std::optional<TrustLevel> trustLevelFromWire(std::uint8_t value);
[[nodiscard]] std::optional<TrustSource> trustSourceFromWire(std::uint8_t value);
// "trusted" / "untrusted"; "none" / "auto" / "manual".
[[nodiscard]] std::string_view trustLevelName(TrustLevel level);
[[nodiscard]] std::string_view trustSourceName(TrustSource source);
[[nodiscard]] std::optional<TrustLevel> trustLevelFromName(std::string_view name);

// The trust of one interface of the namespace.  Also what MPWIFI_EVENT_TRUST
// reports, where a removed interface shows as source None.
struct InterfaceTrust {
	std::uint32_t ifindex = 0;
	std::string ifname;
	TrustLevel level = TrustLevel::Untrusted;
	TrustSource source = TrustSource::None;
};

// MPWIFI_CMD_TRUST_SET: a level from @source, or (source None) forget the
// level set so far; level is then ignored.
struct TrustUpdate {
	std::uint32_t ifindex = 0;
	TrustSource source = TrustSource::None;
	TrustLevel level = TrustLevel::Untrusted;
};

// An IPv4 or IPv6 prefix whose host bits are zero.
struct IpPrefix {
	int family = 0;                      // AF_INET or AF_INET6
	std::array<std::uint8_t, 16> addr{}; // network byte order; 4 bytes used for AF_INET
	std::uint8_t length = 0;             // 0..32 or 0..128

	[[nodiscard]] std::size_t addrLen() const;
	friend bool operator==(const IpPrefix &, const IpPrefix &) = default;
};

// Parses "192.0.2.0/24", "2001:db8::/32" or a bare address (a host prefix).
// Throws std::invalid_argument with a one-line explanation, also when host
// bits are set.
[[nodiscard]] IpPrefix parsePrefix(std::string_view text);
// "192.0.2.0/24", "2001:db8::/32".
[[nodiscard]] std::string formatPrefix(const IpPrefix &prefix);

// A peer prefix and the level of the peers it covers.
struct PeerTrust {
	IpPrefix prefix;
	TrustLevel level = TrustLevel::Untrusted;
};

// Where the MP_CAPABLE SYN may leave (enum mpwifi_first_subflow).
enum class FirstSubflow : std::uint8_t {
	Off = MPWIFI_FIRST_SUBFLOW_OFF,
	Prefer = MPWIFI_FIRST_SUBFLOW_PREFER,
	Strict = MPWIFI_FIRST_SUBFLOW_STRICT,
};

[[nodiscard]] std::optional<FirstSubflow> firstSubflowFromWire(std::uint8_t value);
// "off", "prefer" or "strict".
[[nodiscard]] std::string_view firstSubflowName(FirstSubflow policy);
[[nodiscard]] std::optional<FirstSubflow> firstSubflowFromName(std::string_view name);

// Trusted-subflow policy of the namespace, with its read-only state.
struct Policy {
	FirstSubflow first_subflow = FirstSubflow::Off;
	bool trusted_sched = false;
	TrustLevel peer_default = TrustLevel::Untrusted;
	bool sched_available = false;
	std::string sched_reason; // why not; empty when available

	std::uint64_t trusted_sends = 0;
	std::uint64_t refused_sends = 0;
	std::uint64_t redirects = 0;
	std::uint64_t waits = 0;
	std::uint64_t resumes = 0;
	std::uint64_t guard_refused = 0;
	std::uint64_t egress_drops = 0;
	std::uint64_t connect_steered = 0;
	std::uint64_t connect_refused = 0;
	std::uint32_t connections = 0;
	std::uint64_t range_epochs = 0;
	std::uint64_t range_reorders = 0;
	std::uint64_t refused_unconnected = 0;
	std::uint64_t refused_limit = 0;
	std::uint64_t resends = 0;
};

// The settable fields of Policy; those left empty are not changed.
struct PolicyUpdate {
	std::optional<FirstSubflow> first_subflow;
	std::optional<bool> trusted_sched;
	std::optional<TrustLevel> peer_default;

	[[nodiscard]] bool empty() const { return !first_subflow && !trusted_sched && !peer_default; }
};

// An AP started or stopped being tracked.
struct ApEvent {
	enum class Kind { New, Del };

	Kind kind = Kind::New;
	std::uint32_t ifindex = 0;
	std::string ifname;
	MacAddr station{};
	MacAddr bssid{};
};

// "ap-new" or "ap-del".
[[nodiscard]] std::string_view eventName(ApEvent::Kind kind);

} // namespace mpwifi
