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
 * grows from MPW_RANGES_MIN to MPW_RANGES_MAX (64 KiB); beyond, or when
 * memory is short, the last range grows over the newest gap.
 */
#define MPW_RANGES_MIN		16
#define MPW_RANGES_MAX		4096
/* How soon a waiting connection tries to push again. */
#define MPW_RESUME_MS		20

static unsigned int max_trusted_conns = 65536;
module_param(max_trusted_conns, uint, 0444);
MODULE_PARM_DESC(max_trusted_conns, "connections that may hold trusted data at once");

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

	kfree(st->ranges.r);
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

static void mpw_msk_put(struct mpw_msk *st)
{
	if (refcount_dec_and_test(&st->ref)) {
		atomic_dec(&mpw_msk_count);
		call_rcu(&st->rcu, mpw_msk_free_rcu);
	}
}

bool mpw_msk_overlaps(struct mpw_msk *st, u64 start, u64 end)
{
	unsigned long flags;
	bool hit;

	spin_lock_irqsave(&st->lock, flags);
	hit = mpw_ranges_overlap(&st->ranges, start, end);
	spin_unlock_irqrestore(&st->lock, flags);
	return hit;
}

bool mpw_msk_run(struct mpw_msk *st, u64 start, u64 end, u64 *run_end)
{
	unsigned long flags;
	bool trusted;

	spin_lock_irqsave(&st->lock, flags);
	trusted = mpw_ranges_run(&st->ranges, start, end, run_end);
	spin_unlock_irqrestore(&st->lock, flags);
	return trusted;
}

/* Appends [start, end), growing the table up to MPW_RANGES_MAX.  Caller holds st->lock. */
void mpw_msk_add_range(struct mpw_msk *st, u64 start, u64 end, u64 snd_una)
{
	struct mpw_ranges *rs = &st->ranges;
	struct mpw_range *bigger;

	mpw_ranges_prune(rs, snd_una);
	if (mpw_ranges_append(rs, start, end))
		return;
	bigger = rs->cap < MPW_RANGES_MAX ?
		 kmalloc_array(rs->cap * 2, sizeof(*bigger), GFP_ATOMIC) : NULL;
	if (bigger) {
		memcpy(bigger, rs->r, rs->n * sizeof(*bigger));
		kfree(rs->r);
		rs->r = bigger;
		rs->cap *= 2;
		mpw_ranges_append(rs, start, end);
	} else {
		mpw_ranges_append_over_gap(rs, start, end);
	}
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

/* The connection's state, created on its first trusted send; NULL when over the limit or out of memory. */
struct mpw_msk *mpw_msk_get_or_create(struct sock *msk, struct net *net)
{
	struct mpw_msk *st, *fresh;
	unsigned long flags;

	st = mpw_msk_lookup(msk);
	if (st)
		return st;
	if (atomic_read(&mpw_msk_count) >= max_trusted_conns)
		return NULL;
	fresh = kzalloc(sizeof(*fresh), GFP_ATOMIC);
	if (!fresh)
		return NULL;
	fresh->ranges.r = kmalloc_array(MPW_RANGES_MIN, sizeof(*fresh->ranges.r), GFP_ATOMIC);
	if (!fresh->ranges.r) {
		kfree(fresh);
		return NULL;
	}
	fresh->ranges.cap = MPW_RANGES_MIN;
	fresh->msk = msk;
	fresh->net = net;
	refcount_set(&fresh->ref, 1);
	spin_lock_init(&fresh->lock);
	INIT_DELAYED_WORK(&fresh->resume, mpw_resume_work);
	spin_lock_irqsave(&mpw_msks_lock, flags);
	st = mpw_msk_lookup(msk);	/* a concurrent sender may have won */
	if (!st) {
		hash_add_rcu(mpw_msks, &fresh->node, (unsigned long)msk);
		atomic_inc(&mpw_msk_count);
		atomic_inc(&mpw_pernet(net)->trust.connections);
		st = fresh;
		fresh = NULL;
	}
	spin_unlock_irqrestore(&mpw_msks_lock, flags);
	if (fresh) {
		kfree(fresh->ranges.r);
		kfree(fresh);
	}
	return st;
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
