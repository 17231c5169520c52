// SPDX-License-Identifier: GPL-2.0
/*
 * The table of tracked (station interface, AP) pairs and their accounting.
 * The rx path takes no lock but the AP's own; everything else is RCU.
 */
#include <linux/etherdevice.h>
#include <linux/rtnetlink.h>
#include <linux/slab.h>
#include <net/mac80211.h>
#include <linux/ktime.h>
#include <uapi/linux/mpwifi.h>

#include "mpwifi.h"

LIST_HEAD(mpw_stations);
static struct kmem_cache *mpw_ap_cache;

u32 mpw_ap_object_bytes(void)
{
	return kmem_cache_size(mpw_ap_cache);
}

/* The station interface of @hw whose address is @addr, or NULL.  RCU read side. */
struct mpw_station *mpw_station_find(const struct ieee80211_hw *hw, const u8 *addr)
{
	struct mpw_station *sta;

	list_for_each_entry_rcu(sta, &mpw_stations, node) {
		struct net_device *dev = sta->dev;

		if (dev->ieee80211_ptr->wiphy == hw->wiphy && ether_addr_equal(dev->dev_addr, addr))
			return sta;
	}
	return NULL;
}

static void mpw_ap_free_rcu(struct rcu_head *head)
{
	kmem_cache_free(mpw_ap_cache, container_of(head, struct mpw_ap, rcu));
}

/* Caller holds sta->lock. */
static void mpw_ap_unlink(struct mpw_ap *ap)
{
	list_del_rcu(&ap->node);
	ap->sta->n_aps--;
	mpw_genl_notify_ap(ap, MPWIFI_EVENT_AP_DEL);
	call_rcu(&ap->rcu, mpw_ap_free_rcu);
}

/*
 * A new entry for @bssid on @sta, evicting the least recently heard AP when
 * the interface already tracks mpw_max_aps.  Atomic context.
 */
static struct mpw_ap *mpw_ap_create(struct mpw_station *sta, const u8 *bssid, u64 now_ns)
{
	struct mpw_ap *ap, *cur, *stalest = NULL;

	ap = kmem_cache_alloc(mpw_ap_cache, GFP_ATOMIC);
	if (!ap)
		return NULL;
	ap->sta = sta;
	ether_addr_copy(ap->bssid, bssid);
	spin_lock_init(&ap->lock);
	mpw_rx_stats_init(&ap->stats, READ_ONCE(mpw_net(dev_net(sta->dev))->window_ms), now_ns);

	spin_lock(&sta->lock);
	list_for_each_entry(cur, &sta->aps, node) {
		if (ether_addr_equal(cur->bssid, bssid)) {
			/* created meanwhile on another CPU */
			spin_unlock(&sta->lock);
			kmem_cache_free(mpw_ap_cache, ap);
			return cur;
		}
		if (!stalest || cur->stats.last_rx_ns < stalest->stats.last_rx_ns)
			stalest = cur;
	}
	if (sta->n_aps >= mpw_max_aps && stalest)
		mpw_ap_unlink(stalest);
	list_add_rcu(&ap->node, &sta->aps);
	sta->n_aps++;
	spin_unlock(&sta->lock);
	mpw_genl_notify_ap(ap, MPWIFI_EVENT_AP_NEW);
	return ap;
}

/* Account one frame from @bssid received by @sta.  Softirq, RCU read side. */
void mpw_account(struct mpw_station *sta, const u8 *bssid, const struct mpw_frame *f)
{
	struct mpw_ap *ap;

	list_for_each_entry_rcu(ap, &sta->aps, node)
		if (ether_addr_equal(ap->bssid, bssid))
			goto found;
	ap = mpw_ap_create(sta, bssid, f->now_ns);
	if (!ap)
		return;
found:
	spin_lock(&ap->lock);
	mpw_rx_account(&ap->stats, f);
	spin_unlock(&ap->lock);
}

void mpw_ap_snapshot(struct mpw_ap *ap, u64 now_ns, struct mpw_ap_snapshot *snap)
{
	struct net_device *dev = ap->sta->dev;

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
	spin_unlock_bh(&ap->lock);
}

/* New window length for every AP of @net: their windows restart. */
void mpw_aptable_set_window(struct net *net, u32 window_ms)
{
	u64 now_ns = ktime_get_ns();
	struct mpw_station *sta;
	struct mpw_ap *ap;

	WRITE_ONCE(mpw_net(net)->window_ms, window_ms);
	rcu_read_lock();
	list_for_each_entry_rcu(sta, &mpw_stations, node) {
		if (!net_eq(dev_net(sta->dev), net))
			continue;
		list_for_each_entry_rcu(ap, &sta->aps, node) {
			spin_lock_bh(&ap->lock);
			mpw_rx_stats_set_window(&ap->stats, window_ms, now_ns);
			spin_unlock_bh(&ap->lock);
		}
	}
	rcu_read_unlock();
}

static void mpw_station_flush(struct mpw_station *sta)
{
	struct mpw_ap *ap, *tmp;

	spin_lock_bh(&sta->lock);
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
		mpw_station_flush(sta);
		matched++;
	}
	rcu_read_unlock();
	return matched;
}

static struct mpw_station *mpw_station_of(const struct net_device *dev)
{
	struct mpw_station *sta;

	list_for_each_entry(sta, &mpw_stations, node)
		if (sta->dev == dev)
			return sta;
	return NULL;
}

static void mpw_station_remove(struct mpw_station *sta)
{
	mpw_station_flush(sta);
	list_del_rcu(&sta->node);
	kfree_rcu(sta, rcu);
}

/* The link went down or changed carrier: the AP may restart its sequence spaces. */
static void mpw_station_reset_seq(struct mpw_station *sta)
{
	struct mpw_ap *ap;

	spin_lock_bh(&sta->lock);
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
	struct mpw_station *sta;

	if (!dev->ieee80211_ptr)
		return NOTIFY_DONE;
	sta = mpw_station_of(dev);
	switch (event) {
	case NETDEV_REGISTER:
		if (sta)
			break;
		sta = kzalloc(sizeof(*sta), GFP_KERNEL);
		if (!sta)
			return notifier_from_errno(-ENOMEM);
		sta->dev = dev;
		spin_lock_init(&sta->lock);
		INIT_LIST_HEAD(&sta->aps);
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
	struct mpw_station *sta, *tmp;

	/* replays NETDEV_UNREGISTER, which frees every station and AP */
	unregister_netdevice_notifier(&mpw_netdev_notifier);
	rtnl_lock();
	list_for_each_entry_safe(sta, tmp, &mpw_stations, node)
		mpw_station_remove(sta);
	rtnl_unlock();
	rcu_barrier();
	kmem_cache_destroy(mpw_ap_cache);
}
