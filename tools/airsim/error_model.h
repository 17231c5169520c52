// airsim: SNR -> bit/packet error rate for the 802.11a/g/b rates.
//
// OFDM rates (6..54 Mbit/s): the "NIST" error rate model, G. Pei and
// T. R. Henderson, "Validation of OFDM error rate model in ns-3", Boeing
// Research & Technology, 2010 (http://www.nsnam.org/~pei/80211ofdm.pdf), the
// model ns-3's NistErrorRateModel implements.  With s the linear SNR over the
// 20 MHz channel:
//   uncoded BER   BPSK   0.5 erfc(sqrt(s))
//                 QPSK   0.5 erfc(sqrt(s / 2))
//                 16-QAM 0.75 * 0.5 erfc(sqrt(s / 10))
//                 64-QAM 7/12 * 0.5 erfc(sqrt(s / 42))
//   coded BER (hard-decision Viterbi union bound, K = 7 code of Clause 17):
//     D  = sqrt(4 p (1 - p)),   P_b <= 1/(2 b) * sum_d c_d D^d,
//   with the distance spectra c_d of the rate 1/2 code (b = 1, d_free 10) and of
//   its punctured rate 2/3 (b = 2) and 3/4 (b = 3) versions (Frenger, Orten,
//   Ottosson, "Convolutional codes with optimum distance spectrum", IEEE Comm.
//   Letters 3(11), 1999; Haccoun and Begin, IEEE Trans. Comm. 37(11), 1989);
//   for b = 1 the factor is 0.5 as in the reference.  P_b is capped at 1.
//
// DSSS/CCK rates (1, 2, 5.5, 11 Mbit/s), uncoded, with the processing gain of
// the 22 MHz channel: Eb/N0 = s * 22 MHz / bit rate (as in G. Pei and
// T. R. Henderson, "Validation of ns-3 802.11b PHY model", 2009).
//   1 Mbit/s  DBPSK: BER = 0.5 exp(-Eb/N0)         (Proakis, Digital Comm., 5-2)
//   2 Mbit/s  DQPSK (Gray): BER ~= Q(sqrt(4 Eb/N0) sin(pi / (4 sqrt 2)))
//             (Proakis' high-SNR approximation for differential M-PSK, M = 4)
//   5.5/11 Mbit/s CCK: the DQPSK formula at their own Eb/N0, i.e. ignoring the
//             coding gain of the CCK code words.  This is pessimistic by ~2 dB;
//             airsim's experiments use OFDM, DSSS is here for completeness.
//
// Packet error rate of a PSDU of N bytes: PER = 1 - (1 - BER)^(8 N), the form
// of the reference model (bit errors independent after decoding).  The PLCP
// preamble and header are not counted: at the SNRs where a payload survives
// they are error-free too (they are sent at the most robust modulation).
#pragma once

#include <cstddef>

#include "phy.h"

namespace airsim {

double db_to_linear(double value_db);

// Post-decoding bit error rate at `rate` for an SNR in dB (may be negative).
double bit_error_rate(Rate rate, double snr_db);

// Probability that a PSDU of psdu_bytes sent at `rate` is received with errors.
double packet_error_rate(Rate rate, double snr_db, std::size_t psdu_bytes);

// Lowest SNR (dB, within 0.01 dB) at which packet_error_rate <= target_per,
// searched in [-20, 60] dB.  Handy to place links at a chosen operating point.
double snr_db_for_per(Rate rate, double target_per, std::size_t psdu_bytes);

} // namespace airsim
