// SPDX-License-Identifier: GPL-2.0
/*
 * Lifetime of a connection's trusted state: the table of MPTCP sockets that
 * hold trusted ranges, the work that pushes a waiting connection again, and
 * the two probes that end it:
 *   __mptcp_close_ssk     a closing subflow still transmits what was queued
 *                         on it: the egress hook must still find the ranges;
 *   inet_sock_destruct   the state goes when the MPTCP socket and every
 *                         subflow that closed with it are gone.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/hashtable.h>
#include <linux/moduleparam.h>
#include <linux/ptrace.h>
#include <linux/slab.h>
#include <net/sock.h>
#include <net/tcp_states.h>

#include "trusted.h"

#if MPW_LAYOUT_OK

/*
 * Trusted byte ranges per connection: unacknowledged ones are kept exactly
 * (a merge would make untrusted bytes already queued on an untrusted subflow
 * look trusted, and the egress hook would then hold them back).  The table
 * starts with MPW_RANGES_MIN slots and doubles, in the sender's process
 * context (kvmalloc: order-0 pages when memory is fragmented, charged to its
 * memory cgroup), up to the limits of trusted_limits.c; a send that would
 * need more is refused.
 */
#define MPW_RANGES_MIN		16
/* How soon a waiting connection tries to push again. */
#define MPW_RESUME_MS		20

static DEFINE_HASHTABLE(mpw_msks, 10);
static DEFINE_HASHTABLE(mpw_closed, 10);
static DEFINE_SPINLOCK(mpw_msks_lock);
atomic_t mpw_msk_count = ATOMIC_INIT(0);
static struct workqueue_struct *mpw_trusted_wq;
void (*mpw_push_pending)(struct sock *sk, unsigned int flags);

struct mpw_msk *mpw_msk_lookup(const struct sock *msk)
{
	struct mpw_msk *st;

	hash_for_each_possible_rcu(mpw_msks, st, node, (unsigned long)msk)
		if (st->msk == msk)
			return st;
	return NULL;
}

static void mpw_msk_free_rcu(struct rcu_head *head)
{
	struct mpw_msk *st = container_of(head, struct mpw_msk, rcu);

	kvfree(st->ranges.r);
	kfree(st);
}

struct mpw_msk *mpw_closed_lookup(const struct sock *ssk)
{
	struct mpw_closed_subflow *c;

	hash_for_each_possible_rcu(mpw_closed, c, node, (unsigned long)ssk)
		if (c->ssk == ssk)
			return c->st;
	return NULL;
}

void mpw_msk_put(struct mpw_msk *st)
{
	if (refcount_dec_and_test(&st->ref)) {
		mpw_user_uncharge(st->user, 1, st->ranges.cap);
		atomic_dec(&mpw_msk_count);
		call_rcu(&st->rcu, mpw_msk_free_rcu);
	}
}

bool mpw_msk_overlaps(struct mpw_msk *st, u64 start, u64 end)
{
	unsigned long flags;
	bool hit;

	raw_spin_lock_irqsave(&st->lock, flags);
	hit = mpw_ranges_overlap(&st->ranges, start, end);
	raw_spin_unlock_irqrestore(&st->lock, flags);
	return hit;
}

bool mpw_msk_run(struct mpw_msk *st, u64 start, u64 end, u64 *run_end)
{
	unsigned long flags;
	bool trusted;

	raw_spin_lock_irqsave(&st->lock, flags);
	trusted = mpw_ranges_run(&st->ranges, start, end, run_end);
	raw_spin_unlock_irqrestore(&st->lock, flags);
	return trusted;
}

static void mpw_resume_work(struct work_struct *work)
{
	struct mpw_msk *st = container_of(to_delayed_work(work), struct mpw_msk, resume);
	struct sock *msk = st->msk;

	lock_sock(msk);
	if ((1 << msk->sk_state) & (TCPF_ESTABLISHED | TCPF_CLOSE_WAIT))
		mpw_push_pending(msk, 0);
	release_sock(msk);
	sock_put(msk);
	mpw_msk_put(st);
}

/* Data waits for a trusted subflow: push again soon (any context). */
void mpw_msk_wait(struct mpw_msk *st)
{
	WRITE_ONCE(st->waiting, true);
	if (delayed_work_pending(&st->resume))
		return;
	refcount_inc(&st->ref);
	sock_hold(st->msk);
	if (!queue_delayed_work(mpw_trusted_wq, &st->resume, msecs_to_jiffies(MPW_RESUME_MS))) {
		sock_put(st->msk);
		mpw_msk_put(st);
	}
}

void mpw_msk_trusted_pick(struct mpw_msk *st)
{
	if (READ_ONCE(st->waiting)) {
		WRITE_ONCE(st->waiting, false);
		mpw_trusted_count(st->net, MPW_TS_RESUMES);
	}
}

/*
 * Puts @fresh in the table unless the connection has an entry already;
 * returns the entry now in the table (the caller frees @fresh when it is not
 * the one).
 */
struct mpw_msk *mpw_msk_publish(struct mpw_msk *fresh)
{
	struct mpw_msk *st;
	unsigned long flags;

	spin_lock_irqsave(&mpw_msks_lock, flags);
	st = mpw_msk_lookup(fresh->msk);	/* a concurrent sender may have won */
	if (!st) {
		hash_add_rcu(mpw_msks, &fresh->node, (unsigned long)fresh->msk);
		atomic_inc(&mpw_msk_count);
		atomic_inc(&mpw_pernet(fresh->net)->trust.connections);
		st = fresh;
	}
	spin_unlock_irqrestore(&mpw_msks_lock, flags);
	return st;
}

/*
 * The connection's state, with a reference for the caller (mpw_msk_put),
 * created on its first trusted send: process context, the sender's memory
 * cgroup and user limits.  NULL over a limit or out of memory.
 */
struct mpw_msk *mpw_msk_get_or_create(struct sock *msk, struct net *net)
{
	struct mpw_msk *st, *fresh;
	struct mpw_user *user;

	rcu_read_lock();
	st = mpw_msk_lookup(msk);
	if (st && !refcount_inc_not_zero(&st->ref))
		st = NULL;
	rcu_read_unlock();
	if (st)
		return st;
	user = mpw_user_charge_conn();
	if (!user)
		return NULL;
	fresh = kzalloc(sizeof(*fresh), GFP_KERNEL_ACCOUNT);
	if (!fresh || !mpw_user_charge_ranges(user, MPW_RANGES_MIN)) {
		mpw_user_uncharge(user, 1, 0);
		kfree(fresh);
		return NULL;
	}
	fresh->user = user;
	fresh->ranges.r = kvmalloc_array(MPW_RANGES_MIN, sizeof(*fresh->ranges.r), GFP_KERNEL_ACCOUNT);
	fresh->ranges.cap = MPW_RANGES_MIN;
	if (!fresh->ranges.r) {
		mpw_user_uncharge(user, 1, MPW_RANGES_MIN);
		kfree(fresh);
		return NULL;
	}
	fresh->msk = msk;
	fresh->net = net;
	fresh->token = mpw_msk_token(msk);
	refcount_set(&fresh->ref, 2);	/* the table's and the caller's */
	raw_spin_lock_init(&fresh->lock);
	INIT_DELAYED_WORK(&fresh->resume, mpw_resume_work);
	rcu_read_lock();
	st = mpw_msk_publish(fresh);
	/* the connection is in a send call: its entry cannot go meanwhile */
	if (st != fresh)
		refcount_inc(&st->ref);
	rcu_read_unlock();
	if (st != fresh) {
		mpw_user_uncharge(user, 1, fresh->ranges.cap);
		kvfree(fresh->ranges.r);
		kfree(fresh);
	}
	return st;
}

/*
 * A trusted send call begins: from here, everything the stream takes is
 * trusted.  First, a free slot for the range the call will add when it
 * returns (the table grows here, where the sender may sleep, and never
 * beyond the limits: then -ENOBUFS, and nothing is recorded or sent).  A
 * connection that connected again since its ranges were recorded (a new
 * token) starts a new epoch: the old ranges belong to another sequence space.
 */
int mpw_msk_open(struct mpw_msk *st, struct sock *msk)
{
	struct mpw_ranges *rs = &st->ranges;
	struct mpw_range *bigger = NULL, *old;
	unsigned int cap = 0, grown = 0;
	unsigned long flags;
	u32 token;

	for (;;) {
		old = NULL;
		raw_spin_lock_irqsave(&st->lock, flags);
		token = mpw_msk_token(msk);
		if (token != st->token && !rs->open) {
			st->token = token;
			if (rs->n)
				mpw_trusted_count(st->net, MPW_TS_RANGE_EPOCHS);
			mpw_ranges_new_epoch(rs);
		}
		mpw_ranges_prune(rs, mpw_msk_snd_una(msk));
		if (bigger && rs->cap == cap) {
			memcpy(bigger, rs->r, rs->n * sizeof(*bigger));
			old = rs->r;
			rs->r = bigger;
			rs->cap = grown;
			bigger = NULL;
		}
		if (rs->open || mpw_ranges_free(rs)) {
			mpw_ranges_open(rs, mpw_msk_write_seq(msk));
			raw_spin_unlock_irqrestore(&st->lock, flags);
			break;
		}
		cap = rs->cap;
		raw_spin_unlock_irqrestore(&st->lock, flags);
		kvfree(old);
		if (bigger) {
			/* grown by another sender meanwhile */
			mpw_user_uncharge(st->user, 0, grown - cap);
			kvfree(bigger);
			bigger = NULL;
			continue;
		}
		grown = min(cap * 2, READ_ONCE(max_trusted_ranges_per_conn));
		if (grown <= cap || !mpw_user_charge_ranges(st->user, grown - cap))
			return -ENOBUFS;
		bigger = kvmalloc_array(grown, sizeof(*bigger), GFP_KERNEL_ACCOUNT);
		if (!bigger) {
			mpw_user_uncharge(st->user, 0, grown - cap);
			return -ENOBUFS;
		}
	}
	kvfree(old);
	if (bigger) {
		mpw_user_uncharge(st->user, 0, grown - cap);
		kvfree(bigger);
	}
	return 0;
}

/* The call returned: its bytes, and those of calls open with it, all lie below write_seq. */
void mpw_msk_close(struct mpw_msk *st, struct sock *msk)
{
	struct mpw_ranges *rs = &st->ranges;
	enum mpw_ranges_add_result added;
	unsigned long flags;

	raw_spin_lock_irqsave(&st->lock, flags);
	if (mpw_ranges_close(rs)) {
		added = mpw_ranges_add(rs, rs->open_start, mpw_msk_write_seq(msk));
		if (added == MPW_RANGES_REORDERED)
			mpw_trusted_count(st->net, MPW_TS_RANGE_REORDERS);
		/* the slot was kept free at open; should it be missing, stay open: fail closed */
		if (WARN_ON_ONCE(added == MPW_RANGES_FULL))
			rs->open = 1;
	}
	raw_spin_unlock_irqrestore(&st->lock, flags);
}

/* Whether the connection has trusted data that is not acknowledged, or a trusted send in progress. */
static bool mpw_msk_holds_trusted(struct mpw_msk *st)
{
	struct mpw_ranges *rs = &st->ranges;
	unsigned long flags;
	bool holds;

	raw_spin_lock_irqsave(&st->lock, flags);
	holds = rs->open || (rs->n && mpw_seq_before(mpw_msk_snd_una(st->msk), rs->r[rs->n - 1].end));
	raw_spin_unlock_irqrestore(&st->lock, flags);
	return holds;
}

/*
 * Unloading: once the module is gone the stock scheduler would send what
 * waits for a trusted subflow anywhere.  Every connection that still holds
 * unacknowledged trusted data (or is in a trusted send) is reset: its queues
 * are purged, its subflows closed, its senders woken with ECONNRESET.
 * Process context, before the hooks go.  Returns how many were reset.
 */
unsigned int mpw_msk_reset_all(void)
{
	unsigned int n = 0;
	struct mpw_msk *st;
	struct sock *msk;
	unsigned long flags;
	int bkt;

	for (;;) {
		msk = NULL;
		spin_lock_irqsave(&mpw_msks_lock, flags);
		hash_for_each(mpw_msks, bkt, st, node) {
			if (st->reset_done)
				continue;
			st->reset_done = true;
			if (!refcount_inc_not_zero(&st->msk->sk_refcnt))
				continue;	/* being destroyed */
			msk = st->msk;
			refcount_inc(&st->ref);
			break;
		}
		spin_unlock_irqrestore(&mpw_msks_lock, flags);
		if (!msk)
			break;
		if (mpw_msk_holds_trusted(st)) {
			mpw_sk_reset(msk);
			n++;
		}
		mpw_msk_put(st);
		sock_put(msk);
	}
	return n;
}

/* __mptcp_close_ssk(sk, ssk, subflow, flags): keep watching what the subflow still sends. */
int mpw_close_ssk_pre(struct kprobe *p, struct pt_regs *regs)
{
	struct sock *msk = (struct sock *)regs_get_kernel_argument(regs, 0);
	struct sock *ssk = (struct sock *)regs_get_kernel_argument(regs, 1);
	struct mpw_closed_subflow *c;
	struct mpw_msk *st;
	unsigned long flags;

	if (!mpw_trusted_in_use())
		return 0;
	spin_lock_irqsave(&mpw_msks_lock, flags);
	st = mpw_msk_lookup(msk);
	if (st && !mpw_closed_lookup(ssk) && st->n_closed < MPW_CLOSED_SUBFLOWS) {
		c = &st->closed[st->n_closed++];
		c->ssk = ssk;
		c->st = st;
		refcount_inc(&st->ref);
		hash_add_rcu(mpw_closed, &c->node, (unsigned long)ssk);
	}
	spin_unlock_irqrestore(&mpw_msks_lock, flags);
	return 0;
}

/* inet_sock_destruct(sk): the last reference to a socket is gone. */
int mpw_destruct_pre(struct kprobe *p, struct pt_regs *regs)
{
	struct sock *sk = (struct sock *)regs_get_kernel_argument(regs, 0);
	struct mpw_closed_subflow *c;
	struct mpw_msk *st = NULL;
	unsigned long flags;
	bool put = false;

	if (!mpw_trusted_in_use())
		return 0;
	spin_lock_irqsave(&mpw_msks_lock, flags);
	if (sk->sk_protocol != IPPROTO_MPTCP)
		mpw_tcp_forget(sk);
	if (sk->sk_protocol == IPPROTO_MPTCP) {
		st = mpw_msk_lookup(sk);
		if (st) {
			hash_del_rcu(&st->node);
			atomic_dec(&mpw_pernet(st->net)->trust.connections);
			put = true;
		}
	} else {
		hash_for_each_possible(mpw_closed, c, node, (unsigned long)sk)
			if (c->ssk == sk) {
				hash_del_rcu(&c->node);
				st = c->st;
				put = true;
				break;
			}
	}
	spin_unlock_irqrestore(&mpw_msks_lock, flags);
	/* a queued resume holds a socket reference: none can be pending for a dying msk */
	if (put)
		mpw_msk_put(st);
	return 0;
}

int mpw_lifetime_init(void)
{
	mpw_trusted_wq = alloc_workqueue("mpwifi_trusted", 0, 0);
	return mpw_trusted_wq ? 0 : -ENOMEM;
}

/* Once no hook runs any more: forgets every connection. */
void mpw_lifetime_exit(void)
{
	struct mpw_closed_subflow *c;
	struct hlist_node *tmp;
	struct mpw_msk *st;
	int bkt;

	rcu_read_lock();	/* entries live inside states freed by RCU */
	hash_for_each_safe(mpw_closed, bkt, tmp, c, node) {
		hash_del_rcu(&c->node);
		mpw_msk_put(c->st);
	}
	rcu_read_unlock();
	hash_for_each_safe(mpw_msks, bkt, tmp, st, node) {
		hash_del_rcu(&st->node);
		atomic_dec(&mpw_pernet(st->net)->trust.connections);
		if (cancel_delayed_work_sync(&st->resume)) {
			sock_put(st->msk);
			mpw_msk_put(st);
		}
		mpw_msk_put(st);
	}
	atomic_set(&mpw_msk_count, 0);
	destroy_workqueue(mpw_trusted_wq);
	rcu_barrier();	/* mpw_msk_free_rcu is module code */
}

#endif /* MPW_LAYOUT_OK */
