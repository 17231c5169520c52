/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mpwifi internals.  The rx observer (a kprobe at mac80211 rx entry) feeds
 * per-(station, AP) accounting; the generic netlink family reads it out; ECN
 * steering (a netfilter hook at PRE_ROUTING) marks subflows through APs whose
 * packet time is poor next to the best AP's.
 *
 * Objects and their locks:
 *   mpw_stations   RCU list of this host's wireless interfaces; written under
 *                  RTNL from the netdevice notifier.
 *   mpw_station    one interface; ->lock (BH) guards its ->aps list;
 *                  ->air_lock (BH) its ->air window, used only on the first
 *                  station interface of each radio (mpw_radio_station).
 *   mpw_ap         one AP seen by one station; ->lock (BH) guards ->stats
 *                  and the ECN counters.
 *   mpw_net        per namespace settings; ->ecn.lock guards the steering
 *                  decision, written to the stations' ->ecn.
 * Readers walk both lists under RCU; removed objects are freed after a grace
 * period.
 */
#ifndef _MPWIFI_KERNEL_H
#define _MPWIFI_KERNEL_H

#include <linux/atomic.h>
#include <linux/hashtable.h>
#include <linux/in6.h>
#include <linux/ktime.h>
#include <linux/list.h>
#include <linux/netdevice.h>
#include <linux/preempt.h>
#include <linux/rcupdate.h>
#include <linux/spinlock.h>
#include <net/net_namespace.h>

#include <mpwifi/ecn.h>
#include <mpwifi/rxfilter.h>
#include <mpwifi/rxstats.h>

struct ieee80211_hw;
struct sk_buff;

/* ECN credit per station: subflows share MPW_ECN_CREDIT_SLOTS by socket hash */
#define MPW_ECN_CREDIT_BITS	3
#define MPW_ECN_CREDIT_SLOTS	(1U << MPW_ECN_CREDIT_BITS)

struct mpw_station {
	struct list_head node;		/* in mpw_stations */
	struct net_device *dev;		/* valid until a grace period after NETDEV_UNREGISTER */
	spinlock_t lock;
	struct list_head aps;		/* struct mpw_ap, most recent first */
	u32 n_aps;
	bool dead;			/* being removed: takes no new AP */
	bool mac80211;			/* frames seen at mac80211's rx entry: its skbs carry an rx status */
	bool link_protected;		/* a decrypted frame from the AP since the link came up */
	/* an AP heard from the breakpoint, for the work item to add (MPW_PENDING_*) */
	unsigned int pending;
	u8 pending_bssid[ETH_ALEN];
	/*
	 * What the radio hears, every frame addressed to anyone: kept by the
	 * radio's first station interface in mpw_stations (mpw_radio_station),
	 * so a frame takes one lock for it whatever the radio carries.
	 */
	spinlock_t air_lock;
	struct mpw_air_window air;
	struct mpw_station_ecn {
		/* the decision, from the namespace's latest evaluation */
		bool mark;
		u32 packet_time_ns;	/* of the connected AP */
		/* the connected AP as last evaluated, and its verdict's history; under mpw_net.ecn.lock */
		struct mpw_ecn_ap view;
		u64 view_ap_id;		/* mpw_ap.id, never reused; 0: none */
		/* credit of subflows, by socket hash: bounded, collisions share */
		spinlock_t credit_lock;
		struct mpw_ecn_credit credit[MPW_ECN_CREDIT_SLOTS];
	} ecn;
	struct rcu_head rcu;
};

struct mpw_ap {
	struct list_head node;		/* in mpw_station.aps */
	struct mpw_station *sta;
	u8 bssid[ETH_ALEN];
	bool ecn_marking;		/* inefficient enough to be marked */
	u64 id;				/* unique for the module's lifetime, unlike the address */
	spinlock_t lock;
	struct mpw_rx_stats stats;
	/* ECN steering, cumulative, in segments */
	u64 ecn_ect, ecn_marked, ecn_ce_seen;
	u32 ecn_delta_ppm;		/* of the latest subflow packet */
	struct rcu_head rcu;
};

/* Bumped whenever an AP or station comes or goes: lets dumps detect changes. */
extern atomic_t mpw_generation;

/*
 * The clock of frame and window bookkeeping, CLOCK_MONOTONIC (dumps report
 * window times on it).  Tick resolution (1-4 ms) is plenty against 31 ms
 * buckets, and the coarse clock reads no clocksource, which where that is an
 * HPET (VMs without a usable TSC) was the dearest part of the rx handler.
 * But its seqcount may not be read in NMI context, where a kprobe handler
 * runs from the int3 trap (until the probe is optimised): the NMI-safe fast
 * clock there.  The two differ by at most a tick, which the window
 * bookkeeping absorbs as it does frames stamped on different CPUs.
 */
static inline u64 mpw_stats_clock_ns(void)
{
	if (in_nmi())
		return ktime_get_mono_fast_ns();
	return ktime_get_coarse_ns();
}

/* A peer prefix; IPv4 as IPv4-mapped IPv6 (prefix_len counted from bit 0 of the mapped form). */
struct mpw_peer {
	struct in6_addr addr;
	u16 family;		/* as given: AF_INET or AF_INET6 */
	u8 prefix_len;		/* over @addr, 96 + n for an IPv4 /n */
	u8 level;
};

/* Counters of the trusted scheduler, per namespace. */
enum mpw_trusted_stat {
	MPW_TS_TRUSTED_SENDS,
	MPW_TS_REFUSED_SENDS,
	MPW_TS_REDIRECTS,
	MPW_TS_WAITS,
	MPW_TS_RESUMES,
	MPW_TS_GUARD_REFUSED,
	MPW_TS_EGRESS_DROPS,
	MPW_TS_CONNECT_STEERED,
	MPW_TS_CONNECT_REFUSED,
	MPW_TS_RANGE_EPOCHS,
	MPW_TS_RANGE_REORDERS,
	MPW_TS_REFUSED_UNCONNECTED,
	MPW_TS_REFUSED_LIMIT,
	MPW_TS_RESENDS,
	MPW_TS_MAX
};

struct mpw_peer_table;
#define MPW_TRUST_HASH_BITS	4

/* Per network namespace settings. */
struct mpw_net {
	u32 window_ms;
	struct mpw_net_ecn {
		/* settings: written by netlink (genl_mutex), read locklessly */
		bool enabled;
		u8 law;			/* enum mpwifi_ecn_law */
		u32 cap_ppm;
		u32 budget_ppm;
		u32 threshold_ppm;
		u32 min_frames;
		u32 stale_ms;
		/* the decision, re-evaluated every MPW_ECN_EVAL_NS under traffic */
		spinlock_t lock;
		u64 next_eval_ns;
		struct mpw_ecn_bar bar;	/* the law's reference, under lock */
		u32 best_ns;		/* bar.best_ns, for the hook */
	} ecn;
	struct mpw_net_trust {
		spinlock_t lock;	/* writers of ifaces */
		DECLARE_HASHTABLE(ifaces, MPW_TRUST_HASH_BITS);	/* struct mpw_trust_iface, RCU */
		struct mutex peers_mutex;	/* writers of peers */
		struct mpw_peer_table __rcu *peers;
		/* policy: written by netlink (genl_mutex), read locklessly */
		u8 first_subflow;	/* enum mpwifi_first_subflow */
		bool trusted_sched;
		u8 peer_default;	/* enum mpwifi_trust_level */
		atomic64_t stats[MPW_TS_MAX];
		atomic_t connections;	/* holding trusted ranges */
		atomic_t gen;		/* bumped by every change of ifaces or peers: dumps' cb->seq */
	} trust;
};

/* A consistent copy of one AP's figures, taken under its lock. */
struct mpw_ap_snapshot {
	int ifindex;
	char ifname[IFNAMSIZ];
	u8 sta_addr[ETH_ALEN];
	u8 bssid[ETH_ALEN];
	u64 first_try, retried, lost, last_rx_ns;
	struct mpw_window win;
	struct mpw_rate last_rate;
	u32 packet_time_ns;
	u64 ect, marked, ce_seen;
	u32 ecn_delta_ppm;
	bool ecn_marking;
	/* the radio's busy time over its window; busy_span_ns 0: unknown */
	u64 busy_ns, busy_span_ns;
};

/* main.c */
extern unsigned int mpw_max_aps;
struct mpw_net *mpw_pernet(const struct net *net);

/* aptable.c */
int mpw_aptable_init(void);
void mpw_aptable_exit(void);
void mpw_account(struct mpw_station *sta, const u8 *bssid, const struct mpw_frame *f);
struct mpw_station *mpw_station_find(const struct ieee80211_hw *hw, const u8 *addr);
struct mpw_station *mpw_station_find_accepting(const u8 *addr, const u8 *bssid);
void mpw_radio_heard(const struct ieee80211_hw *hw, const struct sk_buff *skb);
void mpw_ap_snapshot_take(struct mpw_ap *ap, u64 now_ns, struct mpw_ap_snapshot *snap);
void mpw_aptable_set_window(struct net *net, u32 window_ms);
int mpw_aptable_flush(struct net *net, int ifindex);
u32 mpw_ap_object_bytes(void);
extern struct list_head mpw_stations;

void mpw_ap_ecn_view(struct mpw_ap *ap, u64 now_ns, struct mpw_ecn_ap *view);
struct mpw_station *mpw_station_by_dev(const struct net_device *dev);
struct mpw_ap *mpw_station_connected_ap(struct mpw_station *sta);

/* ecn.c */
void mpw_ecn_net_defaults(struct mpw_net *mn, bool enabled);
int mpw_ecn_init(void);
void mpw_ecn_exit(void);
void mpw_ecn_changed(struct net *net);
void mpw_ecn_refresh(struct net *net);

/* trust.c */
void mpw_trust_net_init(struct mpw_net *mn);
void mpw_trust_net_exit(struct mpw_net *mn);
int mpw_trust_init(void);
void mpw_trust_exit(void);
u8 mpw_trust_iface_setting(struct net *net, int ifindex, u8 *source);
u8 mpw_trust_iface_level(struct net *net, int ifindex, u8 *source);
int mpw_trust_set(struct net *net, int ifindex, u8 level, u8 source, struct netlink_ext_ack *extack);
u8 mpw_trust_peer_level(struct net *net, const struct in6_addr *addr);
int mpw_trust_peer_change(struct net *net, const struct mpw_peer *p, bool add,
			  struct netlink_ext_ack *extack);
unsigned int mpw_trust_dump_seq(struct net *net, bool ifaces);
int mpw_trust_peer_walk(struct net *net, long skip,
			int (*fn)(const struct mpw_peer *p, void *arg), void *arg, long *done);

/* trusted*.c (trusted.h inside them) */
int mpw_trusted_init(void);
void mpw_trusted_exit(void);
const char *mpw_trusted_unavailable(void);	/* NULL when available */
void mpw_trusted_count(struct net *net, enum mpw_trusted_stat stat);
void mpw_trusted_paths_changed(struct net *net);	/* waiting trusted data pushes now */

/* rx_observer.c */
int mpw_rx_observer_init(void);
void mpw_rx_observer_exit(void);
bool mpw_rx_observer_attached(void);

/* netlink.c */
int mpw_genl_init(void);
void mpw_genl_exit(void);
void mpw_genl_notify_ap(struct mpw_ap *ap, u8 cmd);
void mpw_genl_notify_trust(struct net *net, const struct net_device *dev, u8 level, u8 source);

/* compat.c: everything that depends on mac80211 internals of a kernel version */
#include "compat.h"

#endif /* _MPWIFI_KERNEL_H */
