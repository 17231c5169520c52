// SPDX-License-Identifier: GPL-2.0
/*
 * Limits on trusted state, so that one user cannot take it from the others:
 * connections that hold trusted data (MPTCP connections with ranges, TCP
 * sockets pinned to trusted paths), in all and per user, and range slots
 * (16 bytes each), per connection and per user.  The user is the effective
 * uid of the process whose trusted send created the state; the memory is
 * also charged to that process's memory cgroup (GFP_KERNEL_ACCOUNT).  A send
 * over a limit fails with ENOBUFS.
 */
#include <linux/cred.h>
#include <linux/hashtable.h>
#include <linux/moduleparam.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/uidgid.h>

#include "trusted.h"

/* Highest value of any limit: far above what the defaults allow, below any overflow. */
#define MPW_LIMIT_MAX	(1U << 24)

unsigned int max_trusted_conns = 65536;
static unsigned int max_trusted_conns_per_user = 4096;
unsigned int max_trusted_ranges_per_conn = 4096;
static unsigned int max_trusted_ranges_per_user = 262144;

static int mpw_limit_set(const char *val, const struct kernel_param *kp)
{
	unsigned int v;
	int err = kstrtouint(val, 0, &v);

	if (err)
		return err;
	if (v < 1 || v > MPW_LIMIT_MAX)
		return -EINVAL;
	WRITE_ONCE(*(unsigned int *)kp->arg, v);
	return 0;
}

static const struct kernel_param_ops mpw_limit_ops = {
	.set = mpw_limit_set,
	.get = param_get_uint,
};

module_param_cb(max_trusted_conns, &mpw_limit_ops, &max_trusted_conns, 0444);
MODULE_PARM_DESC(max_trusted_conns, "connections that may hold trusted data at once, in all (1..16777216)");
module_param_cb(max_trusted_conns_per_user, &mpw_limit_ops, &max_trusted_conns_per_user, 0444);
MODULE_PARM_DESC(max_trusted_conns_per_user, "of those, held by one user (1..16777216)");
module_param_cb(max_trusted_ranges_per_conn, &mpw_limit_ops, &max_trusted_ranges_per_conn, 0444);
MODULE_PARM_DESC(max_trusted_ranges_per_conn,
		 "unacknowledged trusted ranges (16 bytes each) of one connection (1..16777216)");
module_param_cb(max_trusted_ranges_per_user, &mpw_limit_ops, &max_trusted_ranges_per_user, 0444);
MODULE_PARM_DESC(max_trusted_ranges_per_user, "range slots of one user's connections (1..16777216)");

struct mpw_user {
	struct hlist_node node;
	kuid_t uid;
	unsigned int conns;	/* under mpw_users_lock, as the rest */
	unsigned int ranges;
};

static DEFINE_HASHTABLE(mpw_users, 6);
/* raw: uncharging runs where the state is freed, in any context */
static DEFINE_RAW_SPINLOCK(mpw_users_lock);
static unsigned int mpw_conns_total;

static struct mpw_user *mpw_user_find(kuid_t uid)
{
	struct mpw_user *u;

	hash_for_each_possible(mpw_users, u, node, __kuid_val(uid))
		if (uid_eq(u->uid, uid))
			return u;
	return NULL;
}

/* Unhashes a user that holds nothing; the caller frees it after the lock. */
static struct mpw_user *mpw_user_unused(struct mpw_user *u)
{
	if (u->conns || u->ranges)
		return NULL;
	hash_del(&u->node);
	return u;
}

/* Process context: one more connection for the current user, or NULL over a limit. */
struct mpw_user *mpw_user_charge_conn(void)
{
	struct mpw_user *u, *fresh = kzalloc(sizeof(*fresh), GFP_KERNEL_ACCOUNT);
	kuid_t uid = current_euid();
	unsigned long flags;

	raw_spin_lock_irqsave(&mpw_users_lock, flags);
	u = mpw_user_find(uid);
	if (!u && fresh) {
		fresh->uid = uid;
		hash_add(mpw_users, &fresh->node, __kuid_val(uid));
		u = fresh;
		fresh = NULL;
	}
	if (u && (u->conns >= READ_ONCE(max_trusted_conns_per_user) ||
		  mpw_conns_total >= READ_ONCE(max_trusted_conns))) {
		fresh = fresh ?: mpw_user_unused(u);
		u = NULL;
	} else if (u) {
		u->conns++;
		mpw_conns_total++;
	}
	raw_spin_unlock_irqrestore(&mpw_users_lock, flags);
	kfree(fresh);
	return u;
}

/* @more range slots for a user that holds a connection; false over its limit. */
bool mpw_user_charge_ranges(struct mpw_user *u, unsigned int more)
{
	unsigned long flags;
	bool ok;

	raw_spin_lock_irqsave(&mpw_users_lock, flags);
	ok = u->ranges + more <= READ_ONCE(max_trusted_ranges_per_user);
	if (ok)
		u->ranges += more;
	raw_spin_unlock_irqrestore(&mpw_users_lock, flags);
	return ok;
}

/* Gives back connections and range slots (any context). */
void mpw_user_uncharge(struct mpw_user *u, unsigned int conns, unsigned int ranges)
{
	unsigned long flags;
	struct mpw_user *gone;

	if (!u)
		return;
	raw_spin_lock_irqsave(&mpw_users_lock, flags);
	u->conns -= conns;
	mpw_conns_total -= conns;
	u->ranges -= ranges;
	gone = mpw_user_unused(u);
	raw_spin_unlock_irqrestore(&mpw_users_lock, flags);
	kfree(gone);
}
