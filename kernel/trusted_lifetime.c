// SPDX-License-Identifier: GPL-2.0
/*
 * Lifetime of a connection's trusted state: the table of MPTCP sockets that
 * hold trusted ranges, the work that pushes a waiting connection again, and
 * the end of the state when its MPTCP socket is destructed.
 *
 * Contexts: lookups run in any context but NMI (kprobe and ftrace handlers,
 * softirq egress) under RCU; the table is an rhashtable (per-bucket bit
 * locks, no global lock); a connection's ranges are under a raw spinlock
 * with interrupts off, never held across an allocation.  Nothing here
 * allocates in a probe handler: states are allocated in process context
 * before they are published.  On PREEMPT_RT these locks stay spinning; what
 * RT would still need is listed in README ("PREEMPT_RT").
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/moduleparam.h>
#include <linux/ptrace.h>
#include <linux/rhashtable.h>
#include <linux/slab.h>
#include <linux/sock_diag.h>
#include <net/sock.h>
#include <net/tcp.h>
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
/*
 * A waiting connection pushes again after MPW_RESUME_MIN_MS, then twice as
 * late each time nothing moved, up to MPW_RESUME_MAX_MS; a trusted pick
 * starts over, and a change of trust (mpw_msks_resume) pushes at once.
 */
#define MPW_RESUME_MIN_MS	20
#define MPW_RESUME_MAX_MS	640

static const struct rhashtable_params mpw_msks_params = {
	.head_offset = offsetof(struct mpw_msk, node),
	.key_offset = offsetof(struct mpw_msk, msk),
	.key_len = sizeof(struct sock *),
	.automatic_shrinking = true,
};

static struct rhashtable mpw_msks;
atomic_t mpw_msk_count = ATOMIC_INIT(0);
static struct workqueue_struct *mpw_trusted_wq;

/* The state of this MPTCP socket, not of an earlier one at its address (caller holds RCU). */
struct mpw_msk *mpw_msk_lookup(const struct sock *msk)
{
	struct mpw_msk *st = rhashtable_lookup(&mpw_msks, &msk, mpw_msks_params);

	return st && st->cookie == atomic64_read(&msk->sk_cookie) ? st : NULL;
}

/* The socket's cookie, made now if it has none (through the exported sock_diag helper). */
static u64 mpw_sock_cookie(struct sock *sk)
{
	u32 halves[2];

	sock_diag_save_cookie(sk, halves);
	return (u64)halves[1] << 32 | halves[0];
}

static void mpw_msk_free_rcu(struct rcu_head *head)
{
	struct mpw_msk *st = container_of(head, struct mpw_msk, rcu);

	kvfree(st->ranges.r);
	kfree(st);
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

/*
 * A subflow was given len trusted bytes from data_seq, to be queued at its
 * TCP write_seq (msk and ssk locked, or the ssk's release callback).
 */
void mpw_msk_carried(struct mpw_msk *st, struct sock *ssk, u64 data_seq, u32 len)
{
	u32 tcp_end = READ_ONCE(tcp_sk(ssk)->write_seq) + len;
	struct mpw_carrier *c, *free = NULL;
	unsigned long flags;
	u64 cookie = mpw_sock_cookie(ssk);
	unsigned int i;

	raw_spin_lock_irqsave(&st->lock, flags);
	for (i = 0; i < MPW_CARRIERS; i++) {
		c = &st->carriers[i];
		if (c->ssk == ssk && c->cookie == cookie) {
			if (after(tcp_end, c->tcp_end))
				c->tcp_end = tcp_end;
			if (mpw_seq_before(data_seq, c->data_lo))
				c->data_lo = data_seq;
			goto out;
		}
		if (!c->ssk && !free)
			free = c;
	}
	if (free) {
		*free = (struct mpw_carrier){ .ssk = ssk, .cookie = cookie,
					      .data_lo = data_seq, .tcp_end = tcp_end };
	} else if (!st->pinned || mpw_seq_before(data_seq, st->pinned_lo)) {
		st->pinned = true;
		st->pinned_lo = data_seq;
	}
out:
	raw_spin_unlock_irqrestore(&st->lock, flags);
}

/*
 * Whether the carrier's subflow cannot send what it was given any more:
 * its TCP acknowledged it all, or the socket is closed or gone.  Under RCU:
 * TCP sockets are SLAB_TYPESAFE_BY_RCU, and the cookie tells a reused one.
 */
static bool mpw_carrier_done(const struct mpw_carrier *c)
{
	const struct sock *ssk = c->ssk;
	u32 una;

	if (atomic64_read(&ssk->sk_cookie) != c->cookie || READ_ONCE(ssk->sk_state) == TCP_CLOSE)
		return true;
	una = READ_ONCE(tcp_sk(ssk)->snd_una);
	return !before(una, c->tcp_end) || una == READ_ONCE(tcp_sk(ssk)->write_seq);
}

/*
 * Where ranges may be forgotten: below snd_una, the MPTCP acknowledgement,
 * and below every byte a subflow may still retransmit (a DATA_ACK can come
 * through another subflow while this one's TCP still holds the bytes, and a
 * TCP retransmission meets only the egress hook, wherever routing took the
 * subflow since).  Caller holds st->lock and RCU.
 */
u64 mpw_msk_retain_floor(struct mpw_msk *st, u64 snd_una)
{
	u64 floor = snd_una;
	unsigned int i;

	for (i = 0; i < MPW_CARRIERS; i++) {
		struct mpw_carrier *c = &st->carriers[i];

		if (!c->ssk)
			continue;
		if (mpw_carrier_done(c))
			c->ssk = NULL;
		else if (mpw_seq_before(c->data_lo, floor))
			floor = c->data_lo;
	}
	if (st->pinned && mpw_seq_before(st->pinned_lo, floor))
		floor = st->pinned_lo;
	return floor;
}

/*
 * The retransmission was refused trusted bytes of the oldest fragment (see
 * struct mpw_msk): that fragment becomes the send head again.  Caller owns
 * the socket and holds its spinlock.
 */
static void mpw_msk_resend_trusted_head(struct mpw_msk *st, struct sock *msk)
{
	void *dfrag = mpw_msk_rtx_head(msk);
	u64 una = mpw_msk_snd_una(msk), seq;
	u16 sent;

	WRITE_ONCE(st->resend_wanted, false);
	if (!dfrag)
		return;
	seq = mpw_dfrag_data_seq(dfrag);
	sent = mpw_dfrag_already_sent(dfrag);
	if (!sent || !mpw_msk_overlaps(st, seq, seq + sent))
		return;
	if (una == st->resent_una && time_before(jiffies, st->resent_at + HZ))
		return;
	st->resent_una = una;
	st->resent_at = jiffies;
	mpw_msk_resend_head(msk, dfrag);
	mpw_trusted_count(st->net, MPW_TS_RESENDS);
}

/*
 * Pushes the connection again through the kernel's own path: the
 * push-pending bit of the socket's deferred work, which release_sock runs
 * (mptcp_release_cb calls __mptcp_push_pending for it, from 6.1 to 6.12).
 * The module calls no private function: on kernels with indirect branch
 * tracking, a call through an address found at run time faults.
 */
static void mpw_resume_work(struct work_struct *work)
{
	struct mpw_msk *st = container_of(to_delayed_work(work), struct mpw_msk, resume);
	struct sock *msk = st->msk;

	lock_sock(msk);
	/* every state in which data may still wait to be sent, the DATA_FIN behind it */
	if ((1 << msk->sk_state) & (TCPF_ESTABLISHED | TCPF_CLOSE_WAIT | TCPF_FIN_WAIT1 | TCPF_CLOSING |
				    TCPF_LAST_ACK)) {
		/* cb_flags and the recovery fields are written under the socket spinlock (mptcp_data_lock) */
		spin_lock_bh(&msk->sk_lock.slock);
		if (READ_ONCE(st->resend_wanted))
			mpw_msk_resend_trusted_head(st, msk);
		mpw_msk_defer_push(msk);
		spin_unlock_bh(&msk->sk_lock.slock);
	}
	release_sock(msk);
	sock_put(msk);
	mpw_msk_put(st);
}

/*
 * Queues the resume after delay, or moves a queued one to it.  The work
 * holds a reference on the state and on the socket, which the caller keeps
 * alive (a held lock or reference).
 */
static void mpw_msk_resume_in(struct mpw_msk *st, unsigned long delay)
{
	refcount_inc(&st->ref);
	sock_hold(st->msk);
	/* true: it was queued already, with its own references */
	if (mod_delayed_work(mpw_trusted_wq, &st->resume, delay)) {
		sock_put(st->msk);
		mpw_msk_put(st);
	}
}

/* Data waits for a trusted subflow: push again later, later each time (any context). */
void mpw_msk_wait(struct mpw_msk *st)
{
	unsigned int ms;

	WRITE_ONCE(st->waiting, true);
	if (delayed_work_pending(&st->resume))
		return;
	ms = READ_ONCE(st->resume_ms);
	WRITE_ONCE(st->resume_ms, min(ms * 2, MPW_RESUME_MAX_MS));
	refcount_inc(&st->ref);
	sock_hold(st->msk);
	if (!queue_delayed_work(mpw_trusted_wq, &st->resume, msecs_to_jiffies(ms))) {
		sock_put(st->msk);
		mpw_msk_put(st);
	}
}

void mpw_msk_trusted_pick(struct mpw_msk *st)
{
	WRITE_ONCE(st->resume_ms, MPW_RESUME_MIN_MS);
	if (READ_ONCE(st->waiting)) {
		WRITE_ONCE(st->waiting, false);
		mpw_trusted_count(st->net, MPW_TS_RESUMES);
	}
}

/*
 * A path of net may have become trusted: every connection of net that waits
 * pushes now (process context).
 */
void mpw_msks_resume(struct net *net)
{
	struct rhashtable_iter iter;
	struct mpw_msk *st;

	if (!mpw_trusted_in_use())
		return;
	rhashtable_walk_enter(&mpw_msks, &iter);
	rhashtable_walk_start(&iter);
	while ((st = rhashtable_walk_next(&iter))) {
		if (IS_ERR(st))		/* -EAGAIN: a resize, the walk goes on */
			continue;
		if (!net_eq(st->net, net) || !READ_ONCE(st->waiting) ||
		    !refcount_inc_not_zero(&st->msk->sk_refcnt))
			continue;
		WRITE_ONCE(st->resume_ms, MPW_RESUME_MIN_MS);
		mpw_msk_resume_in(st, 0);
		sock_put(st->msk);
	}
	rhashtable_walk_stop(&iter);
	rhashtable_walk_exit(&iter);
}

/* Takes the state out of the table; the one that takes it out drops the table's reference. */
static void mpw_msk_unpublish(struct mpw_msk *st)
{
	if (rhashtable_remove_fast(&mpw_msks, &st->node, mpw_msks_params))
		return;
	atomic_dec(&mpw_pernet(st->net)->trust.connections);
	/* a queued resume holds a socket reference: none can be pending for a dying msk */
	mpw_msk_put(st);
}

/*
 * Inserts fresh (its msk, net and ranges set; the table's reference is the
 * one it holds) unless fresh->msk already has a state; returns the state in
 * the table now, or NULL when the table cannot grow.  The caller frees fresh
 * when the result is not fresh.  A state left by an earlier socket at the
 * same address (its destruct missed) is replaced, never inherited.  Process
 * or softirq context, under RCU.
 */
struct mpw_msk *mpw_msk_publish(struct mpw_msk *fresh)
{
	struct mpw_msk *old;

	fresh->cookie = mpw_sock_cookie(fresh->msk);
	refcount_set(&fresh->ref, 1);
	raw_spin_lock_init(&fresh->lock);
	fresh->resume_ms = MPW_RESUME_MIN_MS;
	INIT_DELAYED_WORK(&fresh->resume, mpw_resume_work);
	for (;;) {
		old = rhashtable_lookup_get_insert_fast(&mpw_msks, &fresh->node, mpw_msks_params);
		if (IS_ERR(old))
			return NULL;
		if (!old)
			break;
		if (old->cookie == fresh->cookie)
			return old;
		if (!rhashtable_replace_fast(&mpw_msks, &old->node, &fresh->node, mpw_msks_params)) {
			atomic_dec(&mpw_pernet(old->net)->trust.connections);
			mpw_msk_put(old);
			break;
		}
		/* old went meanwhile: try again */
	}
	atomic_inc(&mpw_msk_count);
	atomic_inc(&mpw_pernet(fresh->net)->trust.connections);
	return fresh;
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
	rcu_read_lock();
	st = mpw_msk_publish(fresh);
	/* the connection is in a send call: its entry cannot go meanwhile */
	if (st)
		refcount_inc(&st->ref);		/* the caller's */
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
		rcu_read_lock();	/* the carriers' sockets */
		raw_spin_lock_irqsave(&st->lock, flags);
		token = mpw_msk_token(msk);
		if (token != st->token && !rs->open) {
			st->token = token;
			if (rs->n)
				mpw_trusted_count(st->net, MPW_TS_RANGE_EPOCHS);
			mpw_ranges_new_epoch(rs);
			memset(st->carriers, 0, sizeof(st->carriers));
			st->pinned = false;
		}
		mpw_ranges_prune(rs, mpw_msk_retain_floor(st, mpw_msk_snd_una(msk)));
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
			rcu_read_unlock();
			break;
		}
		cap = rs->cap;
		raw_spin_unlock_irqrestore(&st->lock, flags);
		rcu_read_unlock();
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

/* The next connection pass PASS has not looked at, with a reference on it and its socket; NULL at the end. */
static struct mpw_msk *mpw_msk_next_unreset(unsigned int pass)
{
	struct rhashtable_iter iter;
	struct mpw_msk *st, *found = NULL;

	rhashtable_walk_enter(&mpw_msks, &iter);
	rhashtable_walk_start(&iter);
	while ((st = rhashtable_walk_next(&iter))) {
		if (IS_ERR(st))		/* -EAGAIN: a resize, the walk goes on */
			continue;
		if (st->reset_pass == pass)
			continue;
		st->reset_pass = pass;
		if (!refcount_inc_not_zero(&st->msk->sk_refcnt))
			continue;	/* being destroyed */
		refcount_inc(&st->ref);
		found = st;
		break;
	}
	rhashtable_walk_stop(&iter);
	rhashtable_walk_exit(&iter);
	return found;
}

/*
 * Unloading: once the module is gone the stock scheduler would send what
 * waits for a trusted subflow anywhere, and a trusted send the application
 * makes on the connection later (its check of the status file came before
 * the unload) would go out unguarded: MPTCP masks the flag it does not know.
 * Every connection that carried trusted data is reset (queues purged,
 * subflows closed, senders woken with ECONNRESET), unless closed, or closed
 * by its application with all its trusted data acknowledged: an orphan
 * sends nothing new.  Process context, before the hooks go; pass PASS (from
 * 1) of several, as senders already under way may still give a connection
 * trusted data.  Returns how many were reset: a closed one (reset before)
 * is not again.
 */
unsigned int mpw_msk_reset_all(unsigned int pass)
{
	unsigned int n = 0;
	struct mpw_msk *st;

	while ((st = mpw_msk_next_unreset(pass))) {
		struct sock *msk = st->msk;

		if (READ_ONCE(msk->sk_state) != TCP_CLOSE &&
		    (!sock_flag(msk, SOCK_DEAD) || mpw_msk_holds_trusted(st))) {
			mpw_sk_reset(msk);
			n++;
		}
		mpw_msk_put(st);
		sock_put(msk);
	}
	return n;
}

/*
 * inet_sock_destruct(sk): the last reference to a socket is gone.  An ftrace
 * callback, not a kprobe: a kprobe hit while another kprobe's handler runs
 * on the CPU is skipped (an MPTCP socket is freed after an RCU grace period,
 * from a softirq that may interrupt one), and a skipped destruct would leave
 * the state behind.  Every inet socket passes here: the protocol is checked
 * before anything else.
 */
void mpw_destruct_ftrace(unsigned long ip, unsigned long parent_ip, struct ftrace_ops *op,
			 struct ftrace_regs *fregs)
{
	struct pt_regs *regs = ftrace_get_regs(fregs);
	struct mpw_msk *st;
	struct sock *sk;

	if (!regs)
		return;
	sk = (struct sock *)regs_get_kernel_argument(regs, 0);
	if (sk->sk_protocol != IPPROTO_MPTCP) {
		mpw_tcp_forget(sk);
		return;
	}
	if (!mpw_trusted_in_use())
		return;
	rcu_read_lock();
	st = mpw_msk_lookup(sk);
	if (st)
		mpw_msk_unpublish(st);
	rcu_read_unlock();
}

int mpw_lifetime_init(void)
{
	int err = rhashtable_init(&mpw_msks, &mpw_msks_params);

	if (err)
		return err;
	mpw_trusted_wq = alloc_workqueue("mpwifi_trusted", 0, 0);
	if (!mpw_trusted_wq) {
		rhashtable_destroy(&mpw_msks);
		return -ENOMEM;
	}
	return 0;
}

static void mpw_msk_forget(void *ptr, void *arg)
{
	struct mpw_msk *st = ptr;

	atomic_dec(&mpw_pernet(st->net)->trust.connections);
	if (cancel_delayed_work_sync(&st->resume)) {
		sock_put(st->msk);
		mpw_msk_put(st);
	}
	mpw_msk_put(st);
}

/* Once no hook runs any more: forgets every connection. */
void mpw_lifetime_exit(void)
{
	rhashtable_free_and_destroy(&mpw_msks, mpw_msk_forget, NULL);
	atomic_set(&mpw_msk_count, 0);
	destroy_workqueue(mpw_trusted_wq);
	rcu_barrier();	/* mpw_msk_free_rcu is module code */
}

#endif /* MPW_LAYOUT_OK */
