// airsim: 802.11a/g/b PHY timing, written from IEEE Std 802.11-2016.
//
//  - OFDM (Clause 17, 20 MHz) and ERP-OFDM (Clause 18): PPDU duration
//    TXTIME = T_PREAMBLE (16 us) + T_SIGNAL (4 us) + T_SYM (4 us) * N_SYM, with
//    N_SYM = ceil((16 SERVICE + 8 * LENGTH + 6 tail) / N_DBPS)   (17.4.3)
//    plus, for ERP-OFDM at 2.4 GHz, aSignalExtension = 6 us    (18.5.2).
//  - DSSS (Clause 15) / HR/DSSS (Clause 16), long preamble only:
//    TXTIME = 144 us preamble + 48 us PLCP header + ceil(8 * LENGTH / rate) us.
//  - MAC timing per PHY (aSlotTime, aSIFSTime, aCWmin, aCWmax), DIFS = SIFS + 2 * slot
//    (10.3.2.3.4), ACKTimeout = aSIFSTime + aSlotTime + aRxPHYStartDelay (10.3.2.9).
//
// Rates are named and numbered in units of 100 kbit/s, the unit mac80211 and
// mac80211_hwsim use for legacy bitrates, so conversion is the identity.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

namespace airsim {

enum class Rate : std::uint16_t {
	dsss_1 = 10,
	dsss_2 = 20,
	cck_5_5 = 55,
	cck_11 = 110,
	ofdm_6 = 60,
	ofdm_9 = 90,
	ofdm_12 = 120,
	ofdm_18 = 180,
	ofdm_24 = 240,
	ofdm_36 = 360,
	ofdm_48 = 480,
	ofdm_54 = 540,
};

enum class Band { ghz_2_4, ghz_5 };

// All 12 rates, DSSS/CCK first, then OFDM in increasing order.
std::span<const Rate> all_rates();
std::span<const Rate> ofdm_rates();
std::span<const Rate> dsss_rates();

constexpr int rate_100kbps(Rate rate) { return static_cast<int>(rate); }
constexpr double rate_mbps(Rate rate) { return static_cast<double>(rate_100kbps(rate)) / 10.0; }
constexpr bool is_ofdm(Rate rate)
{
	return rate != Rate::dsss_1 && rate != Rate::dsss_2 && rate != Rate::cck_5_5 &&
	       rate != Rate::cck_11;
}
std::optional<Rate> rate_from_100kbps(int value_100kbps);

// Rates usable in a band: 5 GHz carries OFDM only; 2.4 GHz carries all (ERP).
bool rate_allowed_in(Rate rate, Band band);

// Data bits per OFDM symbol (Table 17-4); only for OFDM rates.
int ofdm_data_bits_per_symbol(Rate rate);

// Duration in microseconds of a PPDU carrying a PSDU of psdu_bytes (the whole
// MPDU including the FCS) at `rate` in `band`.  Precondition: rate_allowed_in.
std::int64_t ppdu_duration_us(Rate rate, Band band, std::size_t psdu_bytes);

// MAC timing of the PHY in use.
struct MacTiming {
	int slot_us;
	int sifs_us;
	int cw_min;
	int cw_max;
	// Time from the start of a PPDU on air to PHY-RXSTART.indication; only the
	// ACK timeout depends on it.
	int rx_phy_start_delay_us;

	int difs_us() const { return sifs_us + 2 * slot_us; }
	int ack_timeout_us() const { return sifs_us + slot_us + rx_phy_start_delay_us; }
};

// 5 GHz OFDM: slot 9, SIFS 16, CW 15..1023, aRxPHYStartDelay 25 (Table 17-21).
// 2.4 GHz ERP with short slot (a BSS of ERP stations, what hostapd hw_mode=g
// and mac80211 use when no 802.11b station is associated): slot 9, SIFS 10,
// CW 15..1023 (Table 18-5).  For aRxPHYStartDelay at 2.4 GHz we use the
// Clause 17 OFDM value, 25 us; confirm it against Table 18-5 before relying on
// failed-attempt airtimes to the microsecond (it only enters ACKTimeout).
MacTiming mac_timing(Band band);

// Basic rate sets as hostapd configures them by default: hw_mode=a -> 6/12/24,
// hw_mode=g -> 1/2/5.5/11.
std::vector<Rate> default_basic_rates(Band band);

// Rate of a control response (ACK) to a frame sent at data_rate (10.6.6.5.2):
// the highest rate of the basic rate set that is <= data_rate and of the same
// modulation class (OFDM vs DSSS/HR-DSSS).  If the basic set has none, the
// highest mandatory rate of that class <= data_rate (OFDM: 6/12/24;
// DSSS/HR-DSSS: 1/2/5.5/11).
Rate control_response_rate(Rate data_rate, std::span<const Rate> basic_rates);

// An ACK frame is 14 bytes: FC 2, duration 2, RA 6, FCS 4.
inline constexpr std::size_t ack_frame_bytes = 14;

// Airtime of one transmission attempt as seen by the sender, in microseconds:
//   DIFS + backoff_slots * slot + data PPDU + (acked ? SIFS + ACK PPDU : ACKTimeout).
// On a failed attempt the sender waits ACKTimeout after the end of its PPDU
// (10.3.2.9: it concludes failure when no PHY-RXSTART.indication arrives
// within ACKTimeout) and then starts a new backoff.  Each attempt is charged a
// full DIFS before its backoff: the medium was idle during the ACKTimeout,
// but the standard only lets the backoff count down after the medium was idle
// for DIFS, which we charge explicitly instead of overlapping it with the
// timeout (difference <= DIFS per failed attempt; kept simple and conservative).
struct AttemptTiming {
	Band band;
	MacTiming mac;
	Rate data_rate;
	Rate ack_rate;
	std::size_t psdu_bytes;
};
std::int64_t attempt_airtime_us(const AttemptTiming &timing, int backoff_slots, bool acked);

} // namespace airsim
