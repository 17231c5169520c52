// SPDX-License-Identifier: GPL-2.0
/*
 * The table of tracked (station interface, AP) pairs and their accounting.
 * A frame for a tracked AP takes only that AP's lock; the first frame from a
 * new AP also takes its station's lock to add it.  Readers use RCU.
 */
#include <linux/etherdevice.h>
#include <linux/irq_work.h>
#include <linux/workqueue.h>
#include <linux/rtnetlink.h>
#include <linux/slab.h>
#include <net/mac80211.h>
#include <linux/ktime.h>
#include <uapi/linux/mpwifi.h>

#include "mpwifi.h"

LIST_HEAD(mpw_stations);
atomic_t mpw_generation = ATOMIC_INIT(1);
static atomic64_t mpw_ap_ids = ATOMIC64_INIT(0);
static struct kmem_cache *mpw_ap_cache;

u32 mpw_ap_object_bytes(void)
{
	return kmem_cache_size(mpw_ap_cache);
}

/*
 * The station interface of @hw whose address is @addr, or NULL.  RCU read
 * side.  Other interfaces (monitor, AP) may share the address.
 */
struct mpw_station *mpw_station_find(const struct ieee80211_hw *hw, const u8 *addr)
{
	struct mpw_station *sta;

	list_for_each_entry_rcu(sta, &mpw_stations, node) {
		struct net_device *dev = sta->dev;

		if (dev->ieee80211_ptr->wiphy == hw->wiphy && mpw_compat_is_station(dev) &&
		    ether_addr_equal(dev->dev_addr, addr))
			return sta;
	}
	return NULL;
}

/*
 * The station interface with address @addr connected to @bssid, among those
 * of mac80211 devices, or NULL.  RCU read side.  For the accept point, which
 * knows the interface address but not the radio: the (station, AP) pair
 * tells apart interfaces of two radios that share an address.
 */
struct mpw_station *mpw_station_find_accepting(const u8 *addr, const u8 *bssid)
{
	struct mpw_station *sta;

	list_for_each_entry_rcu(sta, &mpw_stations, node) {
		struct net_device *dev = sta->dev;

		if (READ_ONCE(sta->mac80211) && mpw_compat_is_station(dev) &&
		    ether_addr_equal(dev->dev_addr, addr) && mpw_compat_from_connected_ap(dev, bssid))
			return sta;
	}
	return NULL;
}

/*
 * The station interface that keeps what the radio of @wiphy hears: its first
 * in mpw_stations (added at the tail, so it stays first while it lives; the
 * next one then starts afresh).  RCU read side.
 */
static struct mpw_station *mpw_radio_station(const struct wiphy *wiphy)
{
	struct mpw_station *sta;

	list_for_each_entry_rcu(sta, &mpw_stations, node) {
		if (sta->dev->ieee80211_ptr->wiphy == wiphy && mpw_compat_is_station(sta->dev))
			return sta;
	}
	return NULL;
}

/*
 * Count the airtime of @skb, heard by the radio of @hw, if one of our
 * stations is on that radio: the frame is parsed only then (an AP's radio in
 * the same host, a monitor, another station's radio hear as much).  RCU read
 * side, BH off; in NMI context (the breakpoint, see mpw_account) only by
 * trylock.
 */
void mpw_radio_heard(const struct ieee80211_hw *hw, const struct sk_buff *skb)
{
	struct mpw_station *sta = mpw_radio_station(hw->wiphy);
	u32 air_ns;
	u64 now_ns;

	if (!sta)
		return;
	air_ns = mpw_compat_rx_air_ns(hw, skb);
	if (!air_ns)
		return;
	now_ns = mpw_stats_clock_ns();
	if (in_nmi()) {
		if (!spin_trylock(&sta->air_lock))
			return;
	} else {
		spin_lock(&sta->air_lock);
	}
	mpw_air_account(&sta->air, now_ns, air_ns);
	spin_unlock(&sta->air_lock);
}

static void mpw_ap_free_rcu(struct rcu_head *head)
{
	kmem_cache_free(mpw_ap_cache, container_of(head, struct mpw_ap, rcu));
}

static void mpw_ap_unlink(struct mpw_ap *ap)
{
	lockdep_assert_held(&ap->sta->lock);
	atomic_inc(&mpw_generation);
	list_del_rcu(&ap->node);
	ap->sta->n_aps--;
	mpw_genl_notify_ap(ap, MPWIFI_EVENT_AP_DEL);
	call_rcu(&ap->rcu, mpw_ap_free_rcu);
}

/*
 * A new entry for @bssid on @sta, evicting the least recently heard AP when
 * the interface already tracks mpw_max_aps.  Softirq (the optimised probe).
 */
static struct mpw_ap *mpw_ap_create(struct mpw_station *sta, const u8 *bssid, u64 now_ns)
{
	struct mpw_ap *ap, *cur, *stalest = NULL;

	ap = kmem_cache_zalloc(mpw_ap_cache, GFP_ATOMIC);
	if (!ap)
		return NULL;
	ap->sta = sta;
	ap->id = atomic64_inc_return(&mpw_ap_ids);
	ether_addr_copy(ap->bssid, bssid);
	spin_lock_init(&ap->lock);
	mpw_rx_stats_init(&ap->stats, READ_ONCE(mpw_pernet(dev_net(sta->dev))->window_ms), now_ns);
	ap->stats.last_rx_ns = now_ns;	/* never the first evicted */

	spin_lock_bh(&sta->lock);
	list_for_each_entry(cur, &sta->aps, node) {
		if (ether_addr_equal(cur->bssid, bssid)) {
			/* created meanwhile on another CPU */
			spin_unlock_bh(&sta->lock);
			kmem_cache_free(mpw_ap_cache, ap);
			return cur;
		}
		if (!stalest || cur->stats.last_rx_ns < stalest->stats.last_rx_ns)
			stalest = cur;
	}
	if (sta->dead) {
		/* the interface is going away: it must not keep anything */
		spin_unlock_bh(&sta->lock);
		kmem_cache_free(mpw_ap_cache, ap);
		return NULL;
	}
	if (sta->n_aps >= mpw_max_aps && stalest)
		mpw_ap_unlink(stalest);
	atomic_inc(&mpw_generation);
	list_add_rcu(&ap->node, &sta->aps);
	sta->n_aps++;
	mpw_genl_notify_ap(ap, MPWIFI_EVENT_AP_NEW);	/* under the lock: before any AP_DEL */
	spin_unlock_bh(&sta->lock);
	return ap;
}

/*
 * APs first heard from the breakpoint are added by a work item: NMI context
 * may only record one per station and raise an irq_work, which schedules it.
 */
enum {
	MPW_PENDING_NONE,
	MPW_PENDING_WRITING,
	MPW_PENDING_READY,
};

static void mpw_add_pending(struct work_struct *work)
{
	struct mpw_station *sta;
	u8 bssid[ETH_ALEN];

	rcu_read_lock();
	list_for_each_entry_rcu(sta, &mpw_stations, node) {
		if (smp_load_acquire(&sta->pending) != MPW_PENDING_READY)
			continue;
		ether_addr_copy(bssid, sta->pending_bssid);
		smp_store_release(&sta->pending, MPW_PENDING_NONE);
		mpw_ap_create(sta, bssid, mpw_stats_clock_ns());
	}
	rcu_read_unlock();
}

static DECLARE_WORK(mpw_pending_work, mpw_add_pending);

static void mpw_pending_kick(struct irq_work *work)
{
	schedule_work(&mpw_pending_work);
}

static DEFINE_IRQ_WORK(mpw_pending_irq_work, mpw_pending_kick);

static void mpw_defer_create(struct mpw_station *sta, const u8 *bssid)
{
	if (cmpxchg(&sta->pending, MPW_PENDING_NONE, MPW_PENDING_WRITING) != MPW_PENDING_NONE)
		return;	/* one at a time; later frames ask again */
	ether_addr_copy(sta->pending_bssid, bssid);
	smp_store_release(&sta->pending, MPW_PENDING_READY);
	irq_work_queue(&mpw_pending_irq_work);
}

/*
 * Account one frame from @bssid received by @sta.  RCU read side, BH off.
 * From the breakpoint (NMI context, see rx_observer.c) a new AP is added
 * later by a work item: allocating and sending events is not allowed there;
 * nor is spinning on a spinlock_t (lockdep reports any use in NMI but a
 * trylock): there the frame is dropped when the AP's lock is busy.  No
 * deadlock hides behind that: the trap only ever interrupts mac80211's rx
 * entry in softirq context, and every holder of the lock keeps BH off.
 */
void mpw_account(struct mpw_station *sta, const u8 *bssid, const struct mpw_frame *f)
{
	struct mpw_ap *ap;

	list_for_each_entry_rcu(ap, &sta->aps, node) {
		if (ether_addr_equal(ap->bssid, bssid))
			goto found;
	}
	if (in_nmi()) {
		mpw_defer_create(sta, bssid);
		return;
	}
	ap = mpw_ap_create(sta, bssid, f->now_ns);
	if (!ap)
		return;
found:
	if (in_nmi()) {
		if (!spin_trylock(&ap->lock))
			return;
	} else {
		spin_lock(&ap->lock);
	}
	mpw_rx_account(&ap->stats, f);
	spin_unlock(&ap->lock);
}

/* RCU read side. */
void mpw_ap_snapshot_take(struct mpw_ap *ap, u64 now_ns, struct mpw_ap_snapshot *snap)
{
	struct net_device *dev = ap->sta->dev;
	struct mpw_station *radio;

	snap->ifindex = dev->ifindex;
	strscpy(snap->ifname, dev->name, sizeof(snap->ifname));
	ether_addr_copy(snap->sta_addr, dev->dev_addr);
	ether_addr_copy(snap->bssid, ap->bssid);

	spin_lock_bh(&ap->lock);
	snap->first_try = ap->stats.first_try;
	snap->retried = ap->stats.retried;
	snap->lost = ap->stats.lost;
	snap->last_rx_ns = ap->stats.last_rx_ns;
	snap->last_rate = ap->stats.last_rate;
	mpw_rx_window(&ap->stats, now_ns, &snap->win);
	snap->packet_time_ns = mpw_window_packet_time_ns(&ap->stats, &snap->win);
	snap->ect = ap->ecn_ect;
	snap->marked = ap->ecn_marked;
	snap->ce_seen = ap->ecn_ce_seen;
	snap->ecn_delta_ppm = ap->ecn_delta_ppm;
	snap->ecn_marking = READ_ONCE(ap->ecn_marking);
	spin_unlock_bh(&ap->lock);

	snap->busy_ns = snap->busy_span_ns = 0;
	radio = mpw_rx_observer_attached() ? mpw_radio_station(dev->ieee80211_ptr->wiphy) : NULL;
	if (radio) {
		u64 start_ns;

		spin_lock_bh(&radio->air_lock);
		snap->busy_ns = mpw_air_window_sum(&radio->air, now_ns, &start_ns);
		spin_unlock_bh(&radio->air_lock);
		snap->busy_span_ns = now_ns > start_ns ? now_ns - start_ns : 0;
	}
}

/* What ECN steering needs of an AP's estimate at @now_ns; the decision fields are left alone. */
void mpw_ap_ecn_view(struct mpw_ap *ap, u64 now_ns, struct mpw_ecn_ap *view)
{
	struct mpw_window win;

	spin_lock_bh(&ap->lock);
	mpw_rx_window(&ap->stats, now_ns, &win);
	view->packet_time_ns = mpw_window_packet_time_ns(&ap->stats, &win);
	view->window_frames = win.first_try + win.retried + win.lost;
	view->last_rx_ns = ap->stats.last_rx_ns;
	spin_unlock_bh(&ap->lock);
}

/* The station of @dev, or NULL.  RCU read side or RTNL. */
struct mpw_station *mpw_station_by_dev(const struct net_device *dev)
{
	struct mpw_station *sta;

	list_for_each_entry_rcu(sta, &mpw_stations, node, lockdep_rtnl_is_held()) {
		if (sta->dev == dev)
			return sta;
	}
	return NULL;
}

/* The tracked AP @sta is associated with, or NULL.  RCU read side. */
struct mpw_ap *mpw_station_connected_ap(struct mpw_station *sta)
{
	struct mpw_ap *ap;

	list_for_each_entry_rcu(ap, &sta->aps, node) {
		if (mpw_compat_from_connected_ap(sta->dev, ap->bssid))
			return ap;
	}
	return NULL;
}

/* New window length for every AP of @net: their windows restart. */
void mpw_aptable_set_window(struct net *net, u32 window_ms)
{
	u64 now_ns = mpw_stats_clock_ns();
	struct mpw_station *sta;
	struct mpw_ap *ap;

	WRITE_ONCE(mpw_pernet(net)->window_ms, window_ms);
	rcu_read_lock();
	list_for_each_entry_rcu(sta, &mpw_stations, node) {
		if (!net_eq(dev_net(sta->dev), net))
			continue;
		spin_lock_bh(&sta->air_lock);
		mpw_air_window_init(&sta->air, window_ms, now_ns);
		spin_unlock_bh(&sta->air_lock);
		list_for_each_entry_rcu(ap, &sta->aps, node) {
			spin_lock_bh(&ap->lock);
			mpw_rx_stats_set_window(&ap->stats, window_ms, now_ns);
			spin_unlock_bh(&ap->lock);
		}
	}
	rcu_read_unlock();
}

/* Unlink every AP of @sta; @dying: and refuse new ones from now on. */
static void mpw_station_flush(struct mpw_station *sta, bool dying)
{
	struct mpw_ap *ap, *tmp;

	spin_lock_bh(&sta->lock);
	sta->dead |= dying;
	list_for_each_entry_safe(ap, tmp, &sta->aps, node)
		mpw_ap_unlink(ap);
	spin_unlock_bh(&sta->lock);
}

/* Forget the APs of one interface (@ifindex > 0) or of all in @net.  Returns how many interfaces matched. */
int mpw_aptable_flush(struct net *net, int ifindex)
{
	struct mpw_station *sta;
	int matched = 0;

	rcu_read_lock();
	list_for_each_entry_rcu(sta, &mpw_stations, node) {
		if (!net_eq(dev_net(sta->dev), net) || (ifindex && sta->dev->ifindex != ifindex))
			continue;
		mpw_station_flush(sta, false);
		matched++;
	}
	rcu_read_unlock();
	return matched;
}

static void mpw_station_remove(struct mpw_station *sta)
{
	mpw_station_flush(sta, true);
	atomic_inc(&mpw_generation);
	list_del_rcu(&sta->node);
	kfree_rcu(sta, rcu);
}

/* The link went down or changed carrier: the AP may restart its sequence spaces. */
static void mpw_station_reset_seq(struct mpw_station *sta)
{
	struct mpw_ap *ap;

	spin_lock_bh(&sta->lock);
	/* a new association may be open: unencrypted frames count again until a decrypted one */
	WRITE_ONCE(sta->link_protected, false);
	list_for_each_entry(ap, &sta->aps, node) {
		spin_lock(&ap->lock);
		mpw_rx_stats_reset_seq(&ap->stats);
		spin_unlock(&ap->lock);
	}
	spin_unlock_bh(&sta->lock);
}

/* Runs under RTNL, which serialises every writer of mpw_stations. */
static int mpw_netdev_event(struct notifier_block *nb, unsigned long event, void *ptr)
{
	struct net_device *dev = netdev_notifier_info_to_dev(ptr);
	struct mpw_station *sta = mpw_station_by_dev(dev);

	switch (event) {
	case NETDEV_REGISTER:
		if (sta || !dev->ieee80211_ptr)
			break;
		sta = kzalloc(sizeof(*sta), GFP_KERNEL);
		if (!sta) {
			/* the interface works without our figures: never veto it */
			netdev_warn(dev, "mpwifi: out of memory, interface not observed\n");
			break;
		}
		sta->dev = dev;
		spin_lock_init(&sta->lock);
		spin_lock_init(&sta->ecn.credit_lock);
		spin_lock_init(&sta->air_lock);
		mpw_air_window_init(&sta->air, READ_ONCE(mpw_pernet(dev_net(dev))->window_ms),
				    mpw_stats_clock_ns());
		INIT_LIST_HEAD(&sta->aps);
		atomic_inc(&mpw_generation);
		list_add_tail_rcu(&sta->node, &mpw_stations);
		break;
	case NETDEV_UNREGISTER:
		if (sta)
			mpw_station_remove(sta);
		break;
	case NETDEV_DOWN:
	case NETDEV_CHANGE:
		if (sta)
			mpw_station_reset_seq(sta);
		break;
	}
	return NOTIFY_DONE;
}

static struct notifier_block mpw_netdev_notifier = {
	.notifier_call = mpw_netdev_event,
};

int mpw_aptable_init(void)
{
	int err;

	mpw_ap_cache = KMEM_CACHE(mpw_ap, 0);
	if (!mpw_ap_cache)
		return -ENOMEM;
	/* replays NETDEV_REGISTER for the interfaces that already exist */
	err = register_netdevice_notifier(&mpw_netdev_notifier);
	if (err)
		kmem_cache_destroy(mpw_ap_cache);
	return err;
}

void mpw_aptable_exit(void)
{
	/* the rx observer is detached: nothing raises these any more */
	irq_work_sync(&mpw_pending_irq_work);
	cancel_work_sync(&mpw_pending_work);
	/* replays NETDEV_UNREGISTER, which frees every station and AP */
	unregister_netdevice_notifier(&mpw_netdev_notifier);
	WARN_ON(!list_empty(&mpw_stations));
	rcu_barrier();
	kmem_cache_destroy(mpw_ap_cache);
}
