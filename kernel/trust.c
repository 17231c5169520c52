// SPDX-License-Identifier: GPL-2.0
/*
 * Trust: a level per interface of a namespace, set over generic netlink and
 * dropped with the interface, and levels for peers by address prefix.  The
 * send path reads both under RCU, in atomic context.
 */
#include <linux/hashtable.h>
#include <linux/mutex.h>
#include <linux/netdevice.h>
#include <linux/slab.h>
#include <net/ipv6.h>
#include <uapi/linux/mpwifi.h>

#include "mpwifi.h"

struct mpw_trust_iface {
	struct hlist_node node;
	int ifindex;
	u8 level;
	u8 source;
	struct rcu_head rcu;
};

/* Peers: an immutable array, longest prefix first, replaced as a whole. */
struct mpw_peer_table {
	unsigned int n;
	struct rcu_head rcu;
	struct mpw_peer peers[];
};

void mpw_trust_net_init(struct mpw_net *mn)
{
	struct mpw_net_trust *t = &mn->trust;

	spin_lock_init(&t->lock);
	mutex_init(&t->peers_mutex);
	hash_init(t->ifaces);
	t->first_subflow = MPWIFI_FIRST_SUBFLOW_PREFER;
	t->trusted_sched = true;
	t->peer_default = MPWIFI_TRUST_TRUSTED;
	atomic_set(&t->gen, 1);	/* a dump's cb->seq of 0 would never flag a change */
}

void mpw_trust_net_exit(struct mpw_net *mn)
{
	struct mpw_net_trust *t = &mn->trust;
	struct mpw_trust_iface *ti;
	struct hlist_node *tmp;
	int bkt;

	/* the namespace is gone, or the family was unregistered before: no reader or writer is left */
	hash_for_each_safe(t->ifaces, bkt, tmp, ti, node) {
		hash_del_rcu(&ti->node);
		kfree_rcu(ti, rcu);
	}
	kfree_rcu(rcu_dereference_protected(t->peers, 1), rcu);
}

static struct mpw_trust_iface *mpw_trust_find(struct mpw_net_trust *t, int ifindex)
{
	struct mpw_trust_iface *ti;

	hash_for_each_possible_rcu(t->ifaces, ti, node, ifindex,
				   lockdep_is_held(&t->lock))
		if (ti->ifindex == ifindex)
			return ti;
	return NULL;
}

/* The level set for @ifindex itself.  Caller holds rcu_read_lock (or runs with preemption off). */
u8 mpw_trust_iface_setting(struct net *net, int ifindex, u8 *source)
{
	struct mpw_trust_iface *ti = mpw_trust_find(&mpw_pernet(net)->trust, ifindex);

	if (source)
		*source = ti ? READ_ONCE(ti->source) : MPWIFI_TRUST_SOURCE_NONE;
	return ti ? READ_ONCE(ti->level) : MPWIFI_TRUST_UNTRUSTED;
}

/* Caps the level in @priv by a device's own setting, in the namespace it lives in. */
static int mpw_trust_cap_by_lower(struct net_device *lower, struct netdev_nested_priv *priv)
{
	u8 *level = priv->data;

	*level = min(*level, mpw_trust_iface_setting(dev_net(lower), lower->ifindex, NULL));
	return *level == MPWIFI_TRUST_UNTRUSTED; /* nothing lower: stop */
}

/*
 * The level of a packet leaving through @ifindex: the interface's setting,
 * capped by that of every device under it (the slaves of a bond, team or
 * bridge, the parent of a VLAN, macvlan or ipvlan, recursively), since any of
 * them may be the one that carries it.  A device under it without a level is
 * untrusted.  A veth has nothing under it: its peer is another namespace of
 * this host.  Caller holds rcu_read_lock (or runs with preemption off).
 */
u8 mpw_trust_iface_level(struct net *net, int ifindex, u8 *source)
{
	u8 level = mpw_trust_iface_setting(net, ifindex, source);
	struct netdev_nested_priv priv = { .data = &level };
	struct net_device *dev;

	if (level == MPWIFI_TRUST_UNTRUSTED)
		return level;
	dev = dev_get_by_index_rcu(net, ifindex);
	if (!dev)
		return MPWIFI_TRUST_UNTRUSTED;
	netdev_walk_all_lower_dev_rcu(dev, mpw_trust_cap_by_lower, &priv);
	return level;
}

int mpw_trust_set(struct net *net, int ifindex, u8 level, u8 source, struct netlink_ext_ack *extack)
{
	struct mpw_net_trust *t = &mpw_pernet(net)->trust;
	struct mpw_trust_iface *ti, *fresh = NULL;
	int err = 0;

	if (source != MPWIFI_TRUST_SOURCE_NONE) {
		fresh = kzalloc(sizeof(*fresh), GFP_KERNEL);
		if (!fresh)
			return -ENOMEM;
	}
	spin_lock_bh(&t->lock);
	ti = mpw_trust_find(t, ifindex);
	if (ti && ti->source == MPWIFI_TRUST_SOURCE_MANUAL && source == MPWIFI_TRUST_SOURCE_AUTO) {
		NL_SET_ERR_MSG(extack, "set by hand: the manual level wins until reset");
		err = -EBUSY;
	} else if (source == MPWIFI_TRUST_SOURCE_NONE) {
		if (ti) {
			hash_del_rcu(&ti->node);
			kfree_rcu(ti, rcu);
		}
	} else if (ti) {
		WRITE_ONCE(ti->level, level);
		WRITE_ONCE(ti->source, source);
	} else {
		fresh->ifindex = ifindex;
		fresh->level = level;
		fresh->source = source;
		hash_add_rcu(t->ifaces, &fresh->node, ifindex);
		fresh = NULL;
	}
	if (!err)
		atomic_inc(&t->gen);
	spin_unlock_bh(&t->lock);
	kfree(fresh);
	return err;
}

/* An interface left the namespace: its level goes with it. */
static int mpw_trust_netdev_event(struct notifier_block *nb, unsigned long event, void *ptr)
{
	struct net_device *dev = netdev_notifier_info_to_dev(ptr);
	struct net *net = dev_net(dev);
	u8 source;

	if (event != NETDEV_UNREGISTER)
		return NOTIFY_DONE;
	rcu_read_lock();
	mpw_trust_iface_setting(net, dev->ifindex, &source);
	rcu_read_unlock();
	if (source != MPWIFI_TRUST_SOURCE_NONE &&
	    !mpw_trust_set(net, dev->ifindex, 0, MPWIFI_TRUST_SOURCE_NONE, NULL))
		mpw_genl_notify_trust(net, dev, MPWIFI_TRUST_UNTRUSTED, MPWIFI_TRUST_SOURCE_NONE);
	return NOTIFY_DONE;
}

static struct notifier_block mpw_trust_notifier = {
	.notifier_call = mpw_trust_netdev_event,
};

static bool mpw_prefix_match(const struct mpw_peer *p, const struct in6_addr *addr)
{
	return ipv6_prefix_equal(&p->addr, addr, p->prefix_len);
}

/* The peer's level; @addr is IPv6 or IPv4-mapped.  Caller holds rcu_read_lock. */
u8 mpw_trust_peer_level(struct net *net, const struct in6_addr *addr)
{
	struct mpw_net_trust *t = &mpw_pernet(net)->trust;
	const struct mpw_peer_table *tab = rcu_dereference(t->peers);
	unsigned int i;

	for (i = 0; tab && i < tab->n; i++)
		if (mpw_prefix_match(&tab->peers[i], addr))
			return tab->peers[i].level;
	return READ_ONCE(t->peer_default);
}

/* Replaces the table by a copy with @p put in (replacing an equal prefix) or taken out. */
int mpw_trust_peer_change(struct net *net, const struct mpw_peer *p, bool add,
			  struct netlink_ext_ack *extack)
{
	struct mpw_net_trust *t = &mpw_pernet(net)->trust;
	struct mpw_peer_table *old, *tab;
	unsigned int i, j, n = 0, old_n;
	bool found = false;
	int err = 0;

	mutex_lock(&t->peers_mutex);
	old = rcu_dereference_protected(t->peers, lockdep_is_held(&t->peers_mutex));
	old_n = old ? old->n : 0;
	tab = kzalloc(struct_size(tab, peers, old_n + 1), GFP_KERNEL);
	if (!tab) {
		err = -ENOMEM;
		goto out;
	}
	for (i = 0; i < old_n; i++) {
		const struct mpw_peer *o = &old->peers[i];

		if (o->prefix_len == p->prefix_len && ipv6_addr_equal(&o->addr, &p->addr))
			found = true;
		else
			tab->peers[n++] = *o;
	}
	if (!add && !found) {
		NL_SET_ERR_MSG(extack, "no such peer prefix");
		err = -ENOENT;
		goto out;
	}
	if (add) {
		if (n >= MPWIFI_PEERS_MAX) {
			NL_SET_ERR_MSG(extack, "too many peer prefixes");
			err = -ENOSPC;
			goto out;
		}
		/* longest prefix first, so that the first match is the longest */
		for (j = n; j && tab->peers[j - 1].prefix_len < p->prefix_len; j--)
			tab->peers[j] = tab->peers[j - 1];
		tab->peers[j] = *p;
		n++;
	}
	tab->n = n;
	rcu_assign_pointer(t->peers, tab);
	atomic_inc(&t->gen);
	tab = old;	/* freed after a grace period */
out:
	mutex_unlock(&t->peers_mutex);
	if (err)
		kfree(tab);
	else if (tab)
		kfree_rcu(tab, rcu);
	return err;
}

/*
 * What a dump resuming by position compares between its parts (cb->seq): a
 * change of the peers or levels, and for the interface dump, which walks
 * every device, of the namespace's device list.
 */
unsigned int mpw_trust_dump_seq(struct net *net, bool ifaces)
{
	unsigned int seq = atomic_read(&mpw_pernet(net)->trust.gen);

	return ifaces ? seq + READ_ONCE(net->dev_base_seq) : seq;
}

/* Calls @fn for each peer prefix from @skip on; stops at a non-zero return.  RCU. */
int mpw_trust_peer_walk(struct net *net, long skip,
			int (*fn)(const struct mpw_peer *p, void *arg), void *arg, long *done)
{
	const struct mpw_peer_table *tab = rcu_dereference(mpw_pernet(net)->trust.peers);
	long i;
	int err = 0;

	for (i = skip; tab && i < tab->n; i++) {
		err = fn(&tab->peers[i], arg);
		if (err)
			break;
	}
	*done = i;
	return err;
}

int mpw_trust_init(void)
{
	return register_netdevice_notifier(&mpw_trust_notifier);
}

void mpw_trust_exit(void)
{
	unregister_netdevice_notifier(&mpw_trust_notifier);
}
