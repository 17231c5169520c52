/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Which received data frames the estimator counts, and at which of the two
 * points the rx observer watches (kernel/rx_observer.c):
 *
 *   entry   mac80211's rx entry, before anything is checked: anyone in radio
 *           range can put a frame there with any transmitter address;
 *   accept  cfg80211's 802.11-to-Ethernet conversion, which mac80211 reaches
 *           only after its duplicate filter, decryption and replay (PN) check,
 *           still with the 802.11 header and the rx status.
 *
 * A frame counts once, at the first point where it is known to be real:
 *   - a subframe of an A-MSDU other than the last never counts: drivers that
 *     deaggregate in hardware hand over each subframe with a copy of the
 *     MPDU's header (same sequence number, same retry bit);
 *   - a frame the driver already de-duplicated and, when encrypted, decrypted
 *     and replay-checked (mac80211 takes its fast path for it, which skips the
 *     accept point) counts at entry;
 *   - every other frame counts at accept, if it gets there;
 *   - an unencrypted frame counts only while the link is open: once a
 *     decrypted frame came from the AP, unencrypted ones are forgeries that
 *     mac80211 drops after the accept point (ieee80211_drop_unencrypted).
 * What tells these apart are rx status flags mac80211 never sets itself
 * (duplicates and PN validated), and the decrypted flag, which it sets only
 * on a frame with the Protected bit: so both points compute the same answer
 * to "was this counted at entry".
 */
#ifndef _MPWIFI_RXFILTER_H
#define _MPWIFI_RXFILTER_H

#include "types.h"

/* What the rx status and the frame control say about one frame. */
struct mpw_rx_facts {
	bool amsdu_more;	/* RX_FLAG_AMSDU_MORE: an A-MSDU subframe, not the last */
	bool dup_validated;	/* RX_FLAG_DUP_VALIDATED: the driver dropped duplicates */
	bool pn_validated;	/* RX_FLAG_PN_VALIDATED: the driver dropped replays */
	bool decrypted;		/* RX_FLAG_DECRYPTED: decrypted by the driver (or by mac80211, at accept) */
	bool protected_fc;	/* the Protected bit of the frame control */
};

enum mpw_rx_point {
	MPW_RX_AT_ENTRY,
	MPW_RX_AT_ACCEPT,
};

enum mpw_rx_verdict {
	MPW_RX_SKIP,
	MPW_RX_COUNT,		/* an unencrypted frame on an open link */
	MPW_RX_COUNT_AUTHENTIC,	/* decrypted: count it; the link is protected from now on */
};

/* Whether the driver did mac80211's checks already, so the frame is judged at entry. */
static inline bool mpw_rx_driver_checked(const struct mpw_rx_facts *f)
{
	if (!f->dup_validated)
		return false;
	return f->protected_fc ? f->pn_validated : f->pn_validated || !f->decrypted;
}

/*
 * The verdict on a frame seen at @at; @link_protected: a decrypted frame
 * from this AP counted since the station (re)connected.
 */
static inline enum mpw_rx_verdict mpw_rx_judge(enum mpw_rx_point at, const struct mpw_rx_facts *f,
					       bool link_protected)
{
	bool unencrypted = !f->protected_fc && !f->decrypted;

	if (f->amsdu_more)
		return MPW_RX_SKIP;
	if (mpw_rx_driver_checked(f) != (at == MPW_RX_AT_ENTRY))
		return MPW_RX_SKIP;	/* judged at the other point */
	if (unencrypted)
		return link_protected ? MPW_RX_SKIP : MPW_RX_COUNT;
	/* encrypted: real only once decrypted and replay-checked */
	if (!f->decrypted || (at == MPW_RX_AT_ENTRY && !f->pn_validated))
		return MPW_RX_SKIP;
	return MPW_RX_COUNT_AUTHENTIC;
}

#endif /* _MPWIFI_RXFILTER_H */
