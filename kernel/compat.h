/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The compatibility seam, mac80211 and generic netlink side (compat.c): what
 * mpwifi reads of mac80211, cfg80211 and genetlink that changes between
 * kernel versions.  The MPTCP
 * side is compat_mptcp.h over the generated mptcp_layout.h.
 */
#ifndef _MPWIFI_COMPAT_H
#define _MPWIFI_COMPAT_H

#include <linux/types.h>
#include <linux/version.h>
#include <net/genetlink.h>

struct ieee80211_hw;
struct mpw_frame;
struct mpw_rx_facts;
struct wiphy;
struct net_device;
struct sk_buff;

bool mpw_compat_parse_rx(const struct sk_buff *skb, bool at_entry, struct mpw_frame *f,
			 struct mpw_rx_facts *facts, u8 *addr1, u8 *addr2);
void mpw_compat_rx_rate(const struct wiphy *wiphy, const struct sk_buff *skb, struct mpw_frame *f);
u32 mpw_compat_rx_air_ns(const struct ieee80211_hw *hw, const struct sk_buff *skb);
bool mpw_compat_from_connected_ap(const struct net_device *dev, const u8 *addr2);
bool mpw_compat_is_station(const struct net_device *dev);
extern const char mpw_compat_rx_symbol[];
extern const char mpw_compat_accept_symbol[];
unsigned int mpw_compat_ftrace_site_len(void);
bool mpw_compat_follows_ftrace_site(const void *addr);

/* The parsed attributes of a dump request: 6.2 moved them into a struct genl_info. */
static inline struct nlattr **mpw_compat_dump_attrs(const struct genl_dumpit_info *info)
{
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 2, 0)
	return info->attrs;
#else
	return info->info.attrs;
#endif
}

#endif /* _MPWIFI_COMPAT_H */
