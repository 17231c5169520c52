// SPDX-License-Identifier: GPL-2.0
/*
 * The compatibility seam: what mpwifi reads of mac80211 and cfg80211 that
 * may change between kernel versions (the probed symbol, rx status fields,
 * radiotap data in front of the 802.11 header, the association state).
 * Supporting a new kernel should touch this file only (and, for MPTCP,
 * compat_mptcp.h and btf_layout.py).
 */
#include <linux/etherdevice.h>
#include <linux/ftrace.h>
#include <linux/uaccess.h>
#include <linux/version.h>
#ifdef CONFIG_X86_64
#include <asm/ibt.h>
#endif
#include <linux/ieee80211.h>
#include <linux/skbuff.h>
#include <net/cfg80211.h>
#include <net/ieee80211_radiotap.h>
#include <net/mac80211.h>

#include "mpwifi.h"

/* Exported, reached by every driver's rx path (ieee80211_rx_napi, _rx_irqsafe). */
const char mpw_compat_rx_symbol[] = "ieee80211_rx_list";

/*
 * cfg80211's 802.11-to-Ethernet conversion, exported: mac80211's slow rx
 * path calls it for every data frame (A-MSDU or not) that passed the
 * duplicate filter, decryption and the replay check, before it drops
 * unencrypted frames on a protected link; its fast path for A-MSDUs too.
 * (skb, ehdr, addr, iftype, data_offset, is_amsdu) in 6.1 and 6.12.
 */
const char mpw_compat_accept_symbol[] = "ieee80211_data_to_8023_exthdr";

/*
 * Length of the ftrace call site at a function's entry, where the rx probe
 * must not sit (see rx_observer.c); 0 where the layout is not known.
 */
unsigned int mpw_compat_ftrace_site_len(void)
{
#if defined(CONFIG_X86_64) && defined(CONFIG_DYNAMIC_FTRACE)
	/* [endbr64 with IBT], then call __fentry__ or the 5-byte NOP it is patched to */
	return ENDBR_INSN_SIZE + MCOUNT_INSN_SIZE;
#else
	return 0;
#endif
}

/* Whether the instruction before @addr is an x86 ftrace site: "call rel32" or NOP5. */
bool mpw_compat_follows_ftrace_site(const void *addr)
{
	static const u8 nop5[] = { 0x0f, 0x1f, 0x44, 0x00, 0x00 };
	u8 site[5];

	if (!mpw_compat_ftrace_site_len() ||
	    copy_from_kernel_nofault(site, (const u8 *)addr - sizeof(site), sizeof(site)))
		return false;
	return site[0] == 0xe8 || !memcmp(site, nop5, sizeof(site));
}

/* Bytes of driver radiotap data in front of the 802.11 header (cf. mac80211 rx.c). */
static int mpw_radiotap_space(const struct ieee80211_rx_status *status, const struct sk_buff *skb)
{
	int space = 0;

	if (status->flag & RX_FLAG_RADIOTAP_HE)
		space += sizeof(struct ieee80211_radiotap_he);
	if (status->flag & RX_FLAG_RADIOTAP_HE_MU)
		space += sizeof(struct ieee80211_radiotap_he_mu);
	if (status->flag & RX_FLAG_RADIOTAP_LSIG)
		space += sizeof(struct ieee80211_radiotap_lsig);
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 4, 0)
	if (status->flag & RX_FLAG_RADIOTAP_VENDOR_DATA) {
		struct ieee80211_vendor_radiotap vendor;

		if (skb_copy_bits(skb, space, &vendor, sizeof(vendor)) < 0)
			return -1;
		space += sizeof(vendor) + vendor.len + vendor.pad;
	}
#else
	/* 6.4 replaced vendor data with TLVs, which end where the driver set the mac header */
	if (status->flag & RX_FLAG_RADIOTAP_TLV_AT_END) {
		if (!skb_mac_header_was_set(skb) || skb_mac_header(skb) < skb->data + space)
			return -1;
		space = skb_mac_header(skb) - skb->data;
	}
#endif
	return space;
}

static u8 mpw_bw(u8 rate_info_bw)
{
	switch (rate_info_bw) {
	case RATE_INFO_BW_20:
		return MPW_BW_20;
	case RATE_INFO_BW_40:
		return MPW_BW_40;
	case RATE_INFO_BW_80:
		return MPW_BW_80;
	case RATE_INFO_BW_160:
		return MPW_BW_160;
	default:	/* 5/10 MHz, RU allocations, 320 MHz: not modelled */
		return MPW_BW_COUNT;
	}
}

static void mpw_parse_rate(const struct wiphy *wiphy, const struct ieee80211_rx_status *status,
			   struct mpw_rate *r)
{
	const struct ieee80211_supported_band *sband;

	memset(r, 0, sizeof(*r));
	r->mcs = status->rate_idx;
	r->nss = status->nss;
	r->bw = mpw_bw(status->bw);
	r->gi = status->enc_flags & RX_ENC_FLAG_SHORT_GI ? MPW_GI_0_4 : MPW_GI_0_8;
	switch (status->encoding) {
	case RX_ENC_LEGACY:
		if (status->band >= NUM_NL80211_BANDS)
			return;
		sband = wiphy->bands[status->band];
		if (!sband || status->rate_idx >= sband->n_bitrates)
			return;
		r->legacy_kbps = sband->bitrates[status->rate_idx].bitrate * 100;
		r->phy = status->band == NL80211_BAND_2GHZ &&
			 !(sband->bitrates[status->rate_idx].flags & IEEE80211_RATE_ERP_G) ?
			 MPWIFI_PHY_DSSS : MPWIFI_PHY_OFDM;
		return;
	case RX_ENC_HT:
		r->phy = MPWIFI_PHY_HT;
		return;
	case RX_ENC_VHT:
		r->phy = MPWIFI_PHY_VHT;
		return;
	case RX_ENC_HE:
		r->phy = MPWIFI_PHY_HE;
		r->gi = status->he_gi == NL80211_RATE_INFO_HE_GI_0_8 ? MPW_GI_0_8 :
			status->he_gi == NL80211_RATE_INFO_HE_GI_1_6 ? MPW_GI_1_6 : MPW_GI_3_2;
		return;
	default:	/* EHT (802.11be, 6.12's RX_ENC_EHT) is not modelled: the rate stays unknown */
		return;
	}
}

/*
 * Parse a data frame at one of the observer's two points (see
 * include/mpwifi/rxfilter.h): at rx entry, behind whatever radiotap data the
 * driver put in front (@at_entry); at the accept point mac80211 has removed
 * that, the rx status is still in the skb's control buffer.  Returns true
 * for a unicast data frame carrying data from an AP (FromDS, not ToDS) and
 * fills @f but for its rate (mpw_compat_rx_rate), what the status says of it
 * (@facts), and the receiver and transmitter addresses.  Never modifies the skb.
 */
bool mpw_compat_parse_rx(const struct sk_buff *skb, bool at_entry, struct mpw_frame *f,
			 struct mpw_rx_facts *facts, u8 *addr1, u8 *addr2)
{
	const struct ieee80211_rx_status *status = IEEE80211_SKB_RXCB((struct sk_buff *)skb);
	const struct ieee80211_qos_hdr *hdr;
	struct ieee80211_qos_hdr copy;	/* only for a header outside the linear part */
	int offset = 0;
	u16 seq_ctrl;

	if (status->flag & (RX_FLAG_8023 | RX_FLAG_FAILED_FCS_CRC | RX_FLAG_FAILED_PLCP_CRC |
			    RX_FLAG_NO_PSDU | RX_FLAG_ONLY_MONITOR))
		return false;
	if (at_entry) {
		offset = mpw_radiotap_space(status, skb);
		if (offset < 0)
			return false;
	}
	/* every data frame that carries data is longer than a QoS header */
	hdr = skb_header_pointer(skb, offset, sizeof(*hdr), &copy);
	if (!hdr || !ieee80211_is_data_present(hdr->frame_control) ||
	    !ieee80211_has_fromds(hdr->frame_control) || ieee80211_has_tods(hdr->frame_control) ||
	    is_multicast_ether_addr(hdr->addr1))
		return false;

	f->tid = ieee80211_is_data_qos(hdr->frame_control) ?
		 le16_to_cpu(hdr->qos_ctrl) & IEEE80211_QOS_CTL_TID_MASK : MPW_TID_NONQOS;
	seq_ctrl = le16_to_cpu(hdr->seq_ctrl);
	f->seq = IEEE80211_SEQ_TO_SN(seq_ctrl);
	f->first_fragment = !(seq_ctrl & IEEE80211_SCTL_FRAG);
	f->retry = ieee80211_has_retry(hdr->frame_control);
	/*
	 * As on air: the driver stripped the FCS (RX_INCLUDES_FCS drivers' is
	 * removed before the accept point; at entry it is rare enough to
	 * ignore).  At the accept point mac80211 has already removed a
	 * decrypted frame's security header and MIC (up to 16 bytes).
	 */
	f->psdu_bytes = skb->len - offset + FCS_LEN;
	facts->amsdu_more = status->flag & RX_FLAG_AMSDU_MORE;
	facts->dup_validated = status->flag & RX_FLAG_DUP_VALIDATED;
	facts->pn_validated = status->flag & RX_FLAG_PN_VALIDATED;
	facts->decrypted = status->flag & RX_FLAG_DECRYPTED;
	facts->protected_fc = ieee80211_has_protected(hdr->frame_control);
	ether_addr_copy(addr1, hdr->addr1);
	ether_addr_copy(addr2, hdr->addr2);
	return true;
}

/*
 * The time a frame at rx entry, addressed to anyone, held the channel
 * (include/mpwifi/airtime.h mpw_rx_air_ns): its PPDU, with SIFS + ACK when a
 * unicast data or management frame expects one.  0 for what the driver did
 * not receive as a whole 802.11 frame with a known rate (802.3 offload,
 * failed FCS, no PSDU).
 */
u32 mpw_compat_rx_air_ns(const struct ieee80211_hw *hw, const struct sk_buff *skb)
{
	const struct ieee80211_rx_status *status = IEEE80211_SKB_RXCB((struct sk_buff *)skb);
	struct ieee80211_qos_hdr copy;
	const struct ieee80211_qos_hdr *hdr;
	struct mpw_rate rate;
	bool acked;
	int offset;
	u32 bytes;

	if (status->flag & (RX_FLAG_8023 | RX_FLAG_FAILED_FCS_CRC | RX_FLAG_FAILED_PLCP_CRC |
			    RX_FLAG_NO_PSDU | RX_FLAG_ONLY_MONITOR))
		return 0;
	offset = mpw_radiotap_space(status, skb);
	/* frame control, duration, addr1: the shortest frame (an ACK or CTS) */
	if (offset < 0 || skb->len < offset + 10)
		return 0;
	hdr = skb_header_pointer(skb, offset, min_t(int, sizeof(*hdr), skb->len - offset), &copy);
	if (!hdr)
		return 0;
	bytes = skb->len - offset + (ieee80211_hw_check((struct ieee80211_hw *)hw, RX_INCLUDES_FCS) ? 0 : FCS_LEN);
	acked = !is_multicast_ether_addr(hdr->addr1) && !ieee80211_is_ctl(hdr->frame_control);
	/* a QoS data frame may ask for no ACK (ack policy in the QoS control field) */
	if (acked && ieee80211_is_data_qos(hdr->frame_control) && !ieee80211_has_a4(hdr->frame_control) &&
	    skb->len - offset >= sizeof(*hdr) &&
	    (le16_to_cpu(hdr->qos_ctrl) & IEEE80211_QOS_CTL_ACK_POLICY_MASK) != IEEE80211_QOS_CTL_ACK_POLICY_NORMAL)
		acked = false;
	mpw_parse_rate(hw->wiphy, status, &rate);
	return mpw_rx_air_ns(&rate, mpw_rate_kbps(&rate), bytes, acked);
}

bool mpw_compat_is_station(const struct net_device *dev)
{
	const struct wireless_dev *wdev = dev->ieee80211_ptr;

	return wdev && (wdev->iftype == NL80211_IFTYPE_STATION ||
			wdev->iftype == NL80211_IFTYPE_P2P_CLIENT);
}

/*
 * Whether @addr2 is the AP the station is connected to.  cfg80211 keeps the
 * last BSSID after a disconnect: the connected flag decides.
 */
bool mpw_compat_from_connected_ap(const struct net_device *dev, const u8 *addr2)
{
	const struct wireless_dev *wdev = dev->ieee80211_ptr;

	/* a racy read of a bit-field: at worst a frame at the moment of (dis)connection */
	return wdev->connected && ether_addr_equal(addr2, wdev->u.client.connected_addr);
}

/* The rx rate of a frame mpw_compat_parse_rx() accepted: only for frames we keep. */
void mpw_compat_rx_rate(const struct wiphy *wiphy, const struct sk_buff *skb, struct mpw_frame *f)
{
	mpw_parse_rate(wiphy, IEEE80211_SKB_RXCB((struct sk_buff *)skb), &f->rate);
	f->rate_kbps = mpw_rate_kbps(&f->rate);
}
