// SPDX-License-Identifier: GPL-2.0
/*
 * The trusted-subflow scheduler: bytes an application sends with
 * MPTCP_TRUSTED travel only on subflows whose egress interface and peer are
 * trusted (trust.c), on the stock kernel, without a scheduler API.
 *
 * Where data meets subflows in Linux 6.1 (net/mptcp/protocol.c), and what
 * watches each place:
 *   mptcp_sendmsg          kprobe: sees the flag before MPTCP masks it; opens
 *                          a trusted range at the stream's write_seq, or
 *                          fails the call (documented errno) by overriding
 *                          its return.  A kretprobe closes the range at the
 *                          write_seq after the call.
 *   mptcp_subflow_get_send kretprobe: the packet scheduler of every push
 *                          (__mptcp_push_pending, __mptcp_subflow_push_pending
 *                          after its first chunk, __mptcp_check_push, and
 *                          the reinjection of a closed subflow's data, which
 *                          rewinds the send head and pushes again).  When the
 *                          chunk at the send head holds a trusted byte, a pick
 *                          that is not trusted becomes the best trusted
 *                          subflow, or none: the data waits, and a work item
 *                          pushes again until a trusted subflow takes it.
 *   mptcp_sendmsg_frag     ftrace callback: the one function that puts MPTCP data on a
 *                          subflow, reached by every path above and by the
 *                          retransmission path (__mptcp_retrans, whose
 *                          mptcp_subflow_get_retrans is inlined in 6.1) and
 *                          by the per-subflow push of a delegated first chunk,
 *                          which consults no scheduler.  A chunk with a trusted
 *                          byte bound for an untrusted subflow is refused
 *                          (returns 0: nothing sent, the caller stops).
 *   POSTROUTING            netfilter: a segment whose DSS mapping covers a
 *                          trusted byte never leaves through an untrusted
 *                          interface, whatever routing did to its subflow since
 *                          (TCP retransmits re-route).
 *   tcp_v4/v6_connect      kprobes: bind the MP_CAPABLE subflow to a trusted
 *                          interface with a route (first-subflow policy).
 *   __mptcp_close_ssk,     kprobes: the connection's ranges are freed when the
 *   inet_sock_destruct    socket and every subflow that closed with it are:
 *                          closed subflows still transmit what was queued on
 *                          them, and the egress hook must still know it.
 * Private layouts come from the target kernel's BTF at build time
 * (btf_layout.py -> mptcp_layout.h) and are checked at load against a live
 * MPTCP socket; any failure leaves the module loaded, the scheduler
 * unavailable with the reason, and trusted sends failing with EOPNOTSUPP.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/ftrace.h>
#include <linux/hashtable.h>
#include <linux/kprobes.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/netfilter.h>
#include <linux/netfilter_ipv4.h>
#include <linux/netfilter_ipv6.h>
#include <linux/ptrace.h>
#include <linux/skbuff.h>
#include <linux/slab.h>
#include <linux/workqueue.h>
#include <net/inet_connection_sock.h>
#include <net/ip_fib.h>
#include <net/ip6_route.h>
#include <net/mptcp.h>
#include <net/sock.h>
#include <net/tcp.h>
#include <uapi/linux/mptcp.h>
#include <uapi/linux/mpwifi.h>

#include <mpwifi/ranges.h>

#include "mpwifi.h"
#include "mptcp_layout.h"

/*
 * Trusted byte ranges per connection: unacknowledged ones are kept exactly
 * (a merge would make untrusted bytes already queued on an untrusted subflow
 * look trusted, and the egress hook would then hold them back).  The table
 * grows from MPW_RANGES_MIN to MPW_RANGES_MAX (64 KiB); beyond, or when
 * memory is short, the last range grows over the newest gap.
 */
#define MPW_RANGES_MIN		16
#define MPW_RANGES_MAX		4096
/* Closed subflows of one connection whose transmissions are still watched. */
#define MPW_CLOSED_SUBFLOWS	16
/* How soon a waiting connection tries to push again. */
#define MPW_RESUME_MS		20

static unsigned int max_trusted_conns = 65536;
module_param(max_trusted_conns, uint, 0444);
MODULE_PARM_DESC(max_trusted_conns, "connections that may hold trusted data at once");

static const char *mpw_unavailable_reason = "not initialised";

const char *mpw_trusted_unavailable(void)
{
	return READ_ONCE(mpw_unavailable_reason);
}

static int mpw_status_get(char *buf, const struct kernel_param *kp)
{
	const char *why = mpw_trusted_unavailable();

	return why ? scnprintf(buf, PAGE_SIZE, "unavailable: %s\n", why) :
		     scnprintf(buf, PAGE_SIZE, "available\n");
}

static const struct kernel_param_ops mpw_status_ops = {
	.get = mpw_status_get,
};
module_param_cb(trusted_status, &mpw_status_ops, NULL, 0444);
MODULE_PARM_DESC(trusted_status, "whether MPTCP_TRUSTED is enforced (read-only)");

void mpw_trusted_count(struct net *net, enum mpw_trusted_stat stat)
{
	atomic64_inc(&mpw_pernet(net)->trust.stats[stat]);
}

/* Returns to the probed function's caller with a value: see mpw_override(). */
static noinline int mpw_ret_eopnotsupp(void) { return -EOPNOTSUPP; }

/*
 * Skip the probed function: its probe sits on the entry's ftrace site, where
 * the stack holds only the return address into the caller, so continuing in
 * a function of the same signature returns that function's value to the
 * caller (the mechanism of BPF's override_return).
 */
static int mpw_override(struct pt_regs *regs, int (*stub)(void))
{
	instruction_pointer_set(regs, (unsigned long)stub);
	return 1;
}

#if MPW_LAYOUT_OK

static noinline int mpw_ret_zero(void) { return 0; }
static noinline int mpw_ret_enetunreach(void) { return -ENETUNREACH; }
static noinline int mpw_ret_enobufs(void) { return -ENOBUFS; }

struct mpw_msk {
	struct hlist_node node;		/* in mpw_msks */
	struct sock *msk;		/* never dereferenced once unhashed */
	struct net *net;
	refcount_t ref;			/* the table's, and a queued resume's */
	spinlock_t lock;		/* the ranges; any context */
	struct mpw_ranges ranges;	/* under ->lock */
	bool waiting;			/* a pick was withheld since the last trusted one */
	struct delayed_work resume;
	/*
	 * Subflows that closed: they may transmit what is queued on them after
	 * the MPTCP socket is gone, so the ranges live until they do.
	 */
	unsigned int n_closed;
	struct mpw_closed_subflow {
		struct hlist_node node;	/* in mpw_closed */
		struct sock *ssk;
		struct mpw_msk *st;
	} closed[MPW_CLOSED_SUBFLOWS];
	struct rcu_head rcu;
};

static DEFINE_HASHTABLE(mpw_msks, 10);
static DEFINE_HASHTABLE(mpw_closed, 10);
static DEFINE_SPINLOCK(mpw_msks_lock);
static atomic_t mpw_msk_count = ATOMIC_INIT(0);
static struct workqueue_struct *mpw_trusted_wq;
static void (*mpw_push_pending)(struct sock *sk, unsigned int flags);

static struct mpw_msk *mpw_msk_lookup(const struct sock *msk)
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

static struct mpw_msk *mpw_closed_lookup(const struct sock *ssk)
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

static bool mpw_msk_overlaps(struct mpw_msk *st, u64 start, u64 end)
{
	unsigned long flags;
	bool hit;

	spin_lock_irqsave(&st->lock, flags);
	hit = mpw_ranges_overlap(&st->ranges, start, end);
	spin_unlock_irqrestore(&st->lock, flags);
	return hit;
}

static bool mpw_msk_run(struct mpw_msk *st, u64 start, u64 end, u64 *run_end)
{
	unsigned long flags;
	bool trusted;

	spin_lock_irqsave(&st->lock, flags);
	trusted = mpw_ranges_run(&st->ranges, start, end, run_end);
	spin_unlock_irqrestore(&st->lock, flags);
	return trusted;
}

/* Appends [start, end), growing the table up to MPW_RANGES_MAX.  Caller holds st->lock. */
static void mpw_msk_add_range(struct mpw_msk *st, u64 start, u64 end, u64 snd_una)
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

static_assert(MPW_SIZE_MSK_WRITE_SEQ == 8 && MPW_SIZE_MSK_SND_UNA == 8 && MPW_SIZE_MSK_SND_NXT == 8);
static_assert(MPW_SIZE_MSK_LAST_SND == 8 && MPW_SIZE_MSK_FIRST_PENDING == 8 &&
	      MPW_SIZE_MSK_FIRST == 8 && MPW_SIZE_MSK_SUBFLOW == 8);
static_assert(MPW_SIZE_SUBFLOW_TCP_SOCK == 8 && MPW_SIZE_SUBFLOW_CONN == 8);
static_assert(MPW_SIZE_DFRAG_DATA_SEQ == 8 && MPW_SIZE_DFRAG_DATA_LEN == 2 &&
	      MPW_SIZE_DFRAG_ALREADY_SENT == 2);
static_assert(MPW_SIZE_SENDINFO_SENT == 2 && MPW_SIZE_SENDINFO_LIMIT == 2);
static_assert(MPW_SIZE_MSK_CONN_LIST == sizeof(struct list_head) &&
	      MPW_SIZE_SUBFLOW_NODE == sizeof(struct list_head));

#define MPW_AT(ptr, stem, type)	((type *)((char *)(ptr) + MPW_OFF_##stem))
#define MPW_GET(ptr, stem, type)	READ_ONCE(*MPW_AT(ptr, stem, type))

static bool mpw_subflow_bit(const void *ctx, unsigned int bit)
{
	return *((const u8 *)ctx + bit / 8) & (1U << (bit % 8));
}

static void *mpw_subflow_ctx(const struct sock *ssk)
{
	return inet_csk(ssk)->icsk_ulp_data;
}

/* The interface a subflow's packets leave through now: its route's device. */
static int mpw_egress_ifindex(struct sock *ssk)
{
	struct dst_entry *dst;
	int ifindex = 0;

	rcu_read_lock();
	dst = rcu_dereference(ssk->sk_dst_cache);
	if (dst && dst->dev)
		ifindex = dst->dev->ifindex;
	rcu_read_unlock();
	return ifindex ?: READ_ONCE(ssk->sk_bound_dev_if);
}

static void mpw_sk_peer(const struct sock *sk, struct in6_addr *peer)
{
	if (sk->sk_family == AF_INET6)
		*peer = sk->sk_v6_daddr;
	else
		ipv6_addr_set_v4mapped(sk->sk_daddr, peer);
}

static bool mpw_path_trusted(struct net *net, int ifindex, const struct in6_addr *peer)
{
	bool trusted;

	if (!ifindex)
		return false;
	rcu_read_lock();
	trusted = mpw_trust_iface_level(net, ifindex, NULL) >= MPWIFI_TRUST_TRUSTED &&
		  mpw_trust_peer_level(net, peer) >= MPWIFI_TRUST_TRUSTED;
	rcu_read_unlock();
	return trusted;
}

static bool mpw_ssk_trusted(struct net *net, struct sock *ssk)
{
	struct in6_addr peer;

	mpw_sk_peer(ssk, &peer);
	return mpw_path_trusted(net, mpw_egress_ifindex(ssk), &peer);
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
static void mpw_msk_wait(struct mpw_msk *st)
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

static void mpw_msk_trusted_pick(struct mpw_msk *st)
{
	if (READ_ONCE(st->waiting)) {
		WRITE_ONCE(st->waiting, false);
		mpw_trusted_count(st->net, MPW_TS_RESUMES);
	}
}

static bool mpw_subflow_active(const void *ctx, const struct sock *ssk)
{
	if (!((1 << READ_ONCE(ssk->sk_state)) & (TCPF_ESTABLISHED | TCPF_CLOSE_WAIT)))
		return false;
	if (mpw_subflow_bit(ctx, MPW_BIT_SUBFLOW_REQUEST_JOIN) &&
	    !mpw_subflow_bit(ctx, MPW_BIT_SUBFLOW_FULLY_ESTABLISHED))
		return false;
	return !mpw_subflow_bit(ctx, MPW_BIT_SUBFLOW_STALE);
}

/* The trusted subflow with the least queued data that can take more; NULL if none. */
static struct sock *mpw_pick_trusted(struct sock *msk, struct net *net)
{
	struct list_head *head = MPW_AT(msk, MSK_CONN_LIST, struct list_head), *pos;
	struct sock *best = NULL, *best_backup = NULL;

	for (pos = READ_ONCE(head->next); pos != head; pos = READ_ONCE(pos->next)) {
		void *ctx = (char *)pos - MPW_OFF_SUBFLOW_NODE;
		struct sock *ssk = MPW_GET(ctx, SUBFLOW_TCP_SOCK, struct sock *);
		bool backup = mpw_subflow_bit(ctx, MPW_BIT_SUBFLOW_BACKUP) ||
			      mpw_subflow_bit(ctx, MPW_BIT_SUBFLOW_REQUEST_BKUP);
		struct sock **slot = backup ? &best_backup : &best;

		if (!ssk || !mpw_subflow_active(ctx, ssk) || !sk_stream_memory_free(ssk) ||
		    !mpw_ssk_trusted(net, ssk))
			continue;
		if (!*slot || READ_ONCE(ssk->sk_wmem_queued) < READ_ONCE((*slot)->sk_wmem_queued))
			*slot = ssk;
	}
	return best ?: best_backup;
}

struct mpw_get_send_data {
	struct sock *msk;
};

static int mpw_get_send_entry(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	struct mpw_get_send_data *d = (void *)ri->data;

	d->msk = (struct sock *)regs_get_kernel_argument(regs, 0);
	/* no connection holds trusted data: skip the return handler */
	return !atomic_read(&mpw_msk_count);
}

/* Caller of mptcp_subflow_get_send holds the msk socket lock. */
static int mpw_get_send_ret(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	struct mpw_get_send_data *d = (void *)ri->data;
	struct sock *msk = d->msk, *ssk, *pick;
	struct net *net = sock_net(msk);
	struct mpw_msk *st;
	void *dfrag;
	u64 seq;

	rcu_read_lock();
	st = mpw_msk_lookup(msk);
	dfrag = st ? MPW_GET(msk, MSK_FIRST_PENDING, void *) : NULL;
	if (!dfrag)
		goto out;
	/* the chunk's first byte decides; mpw_frag_refuse ends the chunk where its kind changes */
	seq = MPW_GET(dfrag, DFRAG_DATA_SEQ, u64) + MPW_GET(dfrag, DFRAG_ALREADY_SENT, u16);
	if (!mpw_msk_overlaps(st, seq, seq + 1))
		goto out;
	ssk = (struct sock *)regs_return_value(regs);
	if (ssk && mpw_ssk_trusted(net, ssk)) {
		mpw_msk_trusted_pick(st);
		goto out;
	}
	pick = mpw_pick_trusted(msk, net);
	regs_set_return_value(regs, (unsigned long)pick);
	/*
	 * No burst reuse of either subflow: not of the untrusted pick for the
	 * next trusted chunk, nor of this trusted one for the untrusted data
	 * after it, which the scheduler should place as it would anyway.
	 */
	WRITE_ONCE(*MPW_AT(msk, MSK_LAST_SND, struct sock *), NULL);
	if (pick) {
		mpw_trusted_count(net, MPW_TS_REDIRECTS);
		mpw_msk_trusted_pick(st);
	} else {
		mpw_trusted_count(net, MPW_TS_WAITS);
		mpw_msk_wait(st);
	}
out:
	rcu_read_unlock();
	return 0;
}

/*
 * mptcp_sendmsg_frag(sk, ssk, dfrag, info): the last check before a subflow.
 * A chunk runs from info->sent to info->limit of the fragment; it is cut
 * where its bytes change from untrusted to trusted or back (the caller then
 * asks the scheduler again for the rest), and a trusted run bound for an
 * untrusted subflow is refused.
 */
static bool mpw_frag_refuse(struct pt_regs *regs)
{
	struct sock *msk = (struct sock *)regs_get_kernel_argument(regs, 0);
	struct sock *ssk = (struct sock *)regs_get_kernel_argument(regs, 1);
	void *dfrag = (void *)regs_get_kernel_argument(regs, 2);
	void *info = (void *)regs_get_kernel_argument(regs, 3);
	u16 *limit = MPW_AT(info, SENDINFO_LIMIT, u16);
	u16 sent = MPW_GET(info, SENDINFO_SENT, u16);
	u16 data_len = MPW_GET(dfrag, DFRAG_DATA_LEN, u16);
	struct mpw_msk *st;
	bool refuse = false;
	u64 seq, run_end;

	if (!atomic_read(&mpw_msk_count))
		return false;
	rcu_read_lock();
	st = mpw_msk_lookup(msk);
	if (!st)
		goto out;
	/*
	 * The push loops set limit to the fragment's length and call again
	 * while bytes remain: a limit this probe cut is spent, restore it.
	 * (The retransmission loop stops at its limit and never gets here.)
	 */
	if (sent >= READ_ONCE(*limit) && sent < data_len)
		WRITE_ONCE(*limit, data_len);
	seq = MPW_GET(dfrag, DFRAG_DATA_SEQ, u64);
	if (mpw_msk_run(st, seq + sent, seq + READ_ONCE(*limit), &run_end) &&
	    !mpw_ssk_trusted(sock_net(msk), ssk)) {
		refuse = true;
		mpw_trusted_count(st->net, MPW_TS_GUARD_REFUSED);
		mpw_msk_wait(st);
	} else if (mpw_seq_before(run_end, seq + READ_ONCE(*limit))) {
		WRITE_ONCE(*limit, (u16)(run_end - seq));
	}
out:
	rcu_read_unlock();
	return refuse;
}

/*
 * An ftrace callback rather than a kprobe: a kprobe hit while another
 * kprobe's handler runs on the CPU (a softirq push interrupting one) is
 * skipped, and this check must never be.
 */
static void mpw_frag_ftrace(unsigned long ip, unsigned long parent_ip, struct ftrace_ops *op,
			    struct ftrace_regs *fregs)
{
	struct pt_regs *regs = ftrace_get_regs(fregs);

	if (regs && mpw_frag_refuse(regs))
		mpw_override(regs, mpw_ret_zero);
}

/* After a fallback to plain TCP the first subflow is the only path there will be. */
static bool mpw_fell_back_untrusted(struct sock *msk, struct net *net)
{
	struct mptcp_info info;
	struct sock *first;

	mptcp_diag_fill_info((struct mptcp_sock *)msk, &info);
	if (!(info.mptcpi_flags & MPTCP_INFO_FLAG_FALLBACK))
		return false;
	first = MPW_GET(msk, MSK_FIRST, struct sock *);
	return !first || !mpw_ssk_trusted(net, first);
}

static struct mpw_msk *mpw_msk_get_or_create(struct sock *msk, struct net *net)
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

#endif /* MPW_LAYOUT_OK */

/* mptcp_sendmsg(sk, msg, len): runs before the kretprobe's entry (registered later). */
static int mpw_sendmsg_pre(struct kprobe *p, struct pt_regs *regs)
{
	struct sock *msk = (struct sock *)regs_get_kernel_argument(regs, 0);
	struct msghdr *msg = (struct msghdr *)regs_get_kernel_argument(regs, 1);
	struct net *net = sock_net(msk);
	int (*fail)(void) = NULL;
#if MPW_LAYOUT_OK
	struct mpw_msk *st;
	unsigned long flags;
#endif

	if (!(READ_ONCE(msg->msg_flags) & MPTCP_TRUSTED))
		return 0;
	mpw_trusted_count(net, MPW_TS_TRUSTED_SENDS);
	if (mpw_trusted_unavailable() || !READ_ONCE(mpw_pernet(net)->trust.trusted_sched)) {
		fail = mpw_ret_eopnotsupp;
		goto refuse;
	}
#if MPW_LAYOUT_OK
	if (mpw_fell_back_untrusted(msk, net)) {
		fail = mpw_ret_enetunreach;
		goto refuse;
	}
	rcu_read_lock();
	st = mpw_msk_get_or_create(msk, net);
	if (st) {
		/* everything written from here until the call returns is trusted */
		spin_lock_irqsave(&st->lock, flags);
		mpw_ranges_open(&st->ranges, MPW_GET(msk, MSK_WRITE_SEQ, u64));
		spin_unlock_irqrestore(&st->lock, flags);
	}
	rcu_read_unlock();
	if (st)
		return 0;
	fail = mpw_ret_enobufs;
#else
	fail = mpw_ret_eopnotsupp;
#endif
refuse:
	mpw_trusted_count(net, MPW_TS_REFUSED_SENDS);
	return mpw_override(regs, fail);
}

#if MPW_LAYOUT_OK

struct mpw_sendmsg_data {
	struct sock *msk;
};

static int mpw_sendmsg_entry(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	struct mpw_sendmsg_data *d = (void *)ri->data;
	struct msghdr *msg = (struct msghdr *)regs_get_kernel_argument(regs, 1);

	d->msk = (struct sock *)regs_get_kernel_argument(regs, 0);
	/*
	 * Only calls whose range mpw_sendmsg_pre opened.  Without an instance
	 * (all in use) the range stays open: later data counts as trusted too.
	 */
	return !(READ_ONCE(msg->msg_flags) & MPTCP_TRUSTED);
}

static int mpw_sendmsg_ret(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	struct mpw_sendmsg_data *d = (void *)ri->data;
	struct sock *msk = d->msk;
	struct mpw_msk *st;
	unsigned long flags;

	rcu_read_lock();
	st = mpw_msk_lookup(msk);
	if (st) {
		spin_lock_irqsave(&st->lock, flags);
		/* the call's bytes all lie below write_seq as it returns */
		if (mpw_ranges_close(&st->ranges))
			mpw_msk_add_range(st, st->ranges.open_start, MPW_GET(msk, MSK_WRITE_SEQ, u64),
					  MPW_GET(msk, MSK_SND_UNA, u64));
		spin_unlock_irqrestore(&st->lock, flags);
	}
	rcu_read_unlock();
	return 0;
}

/* __mptcp_close_ssk(sk, ssk, subflow, flags): keep watching what the subflow still sends. */
static int mpw_close_ssk_pre(struct kprobe *p, struct pt_regs *regs)
{
	struct sock *msk = (struct sock *)regs_get_kernel_argument(regs, 0);
	struct sock *ssk = (struct sock *)regs_get_kernel_argument(regs, 1);
	struct mpw_closed_subflow *c;
	struct mpw_msk *st;
	unsigned long flags;

	if (!atomic_read(&mpw_msk_count))
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
static int mpw_destruct_pre(struct kprobe *p, struct pt_regs *regs)
{
	struct sock *sk = (struct sock *)regs_get_kernel_argument(regs, 0);
	struct mpw_closed_subflow *c;
	struct mpw_msk *st = NULL;
	unsigned long flags;
	bool put = false;

	if (!atomic_read(&mpw_msk_count))
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

/* A trusted interface with a route to the destination, for the first subflow. */
static bool mpw_route_via(struct net *net, const struct sockaddr *uaddr, int ifindex)
{
	const struct sockaddr_in6 *sin6 = (const void *)uaddr;
	struct fib_result res;
	struct flowi4 fl4 = {
		.flowi4_oif = ifindex,
	};
	bool ok;

	if (uaddr->sa_family == AF_INET6 && !ipv6_addr_v4mapped(&sin6->sin6_addr)) {
#if IS_ENABLED(CONFIG_IPV6)
		struct flowi6 fl6 = {
			.daddr = sin6->sin6_addr,
			.flowi6_oif = ifindex,
		};
		struct dst_entry *dst = ip6_route_output(net, NULL, &fl6);

		ok = !dst->error && dst->dev && dst->dev->ifindex == ifindex;
		dst_release(dst);
		return ok;
#else
		return false;
#endif
	}
	fl4.daddr = uaddr->sa_family == AF_INET6 ? sin6->sin6_addr.s6_addr32[3] :
		    ((const struct sockaddr_in *)uaddr)->sin_addr.s_addr;
	rcu_read_lock();
	ok = !fib_lookup(net, &fl4, &res, 0) &&
	     (res.type == RTN_UNICAST || res.type == RTN_LOCAL);
	rcu_read_unlock();
	return ok;
}

/* tcp_v4_connect / tcp_v6_connect(sk, uaddr, addr_len); the caller holds the socket lock. */
static int mpw_connect_pre(struct kprobe *p, struct pt_regs *regs)
{
	struct sock *ssk = (struct sock *)regs_get_kernel_argument(regs, 0);
	const struct sockaddr *uaddr = (const void *)regs_get_kernel_argument(regs, 1);
	int addr_len = (int)regs_get_kernel_argument(regs, 2);
	struct net *net = sock_net(ssk);
	struct net_device *dev;
	int bound, chosen = 0;
	void *ctx;
	u8 policy;

	if (!sk_is_mptcp(ssk) || addr_len < (int)sizeof(struct sockaddr_in))
		return 0;
	ctx = mpw_subflow_ctx(ssk);
	if (!ctx || !mpw_subflow_bit(ctx, MPW_BIT_SUBFLOW_REQUEST_MPTCP) ||
	    mpw_subflow_bit(ctx, MPW_BIT_SUBFLOW_REQUEST_JOIN))
		return 0;
	policy = READ_ONCE(mpw_pernet(net)->trust.first_subflow);
	if (policy == MPWIFI_FIRST_SUBFLOW_OFF)
		return 0;
	if (uaddr->sa_family == AF_INET6 && addr_len < (int)sizeof(struct sockaddr_in6))
		return 0;
	bound = READ_ONCE(ssk->sk_bound_dev_if);
	rcu_read_lock();
	if (bound) {
		/* the application chose the device */
		if (mpw_trust_iface_level(net, bound, NULL) >= MPWIFI_TRUST_TRUSTED)
			chosen = bound;
	} else {
		for_each_netdev_rcu(net, dev) {
			if (!netif_running(dev) || !netif_carrier_ok(dev) ||
			    mpw_trust_iface_level(net, dev->ifindex, NULL) < MPWIFI_TRUST_TRUSTED)
				continue;
			if (mpw_route_via(net, uaddr, dev->ifindex)) {
				chosen = dev->ifindex;
				break;
			}
		}
	}
	rcu_read_unlock();
	if (chosen && !bound) {
		WRITE_ONCE(ssk->sk_bound_dev_if, chosen);
		mpw_trusted_count(net, MPW_TS_CONNECT_STEERED);
	}
	if (chosen || policy != MPWIFI_FIRST_SUBFLOW_STRICT)
		return 0;
	mpw_trusted_count(net, MPW_TS_CONNECT_REFUSED);
	return mpw_override(regs, mpw_ret_enetunreach);
}

/* A segment carrying trusted bytes never leaves through an untrusted interface. */
static unsigned int mpw_egress_hook(void *priv, struct sk_buff *skb,
				    const struct nf_hook_state *state)
{
	const struct mptcp_ext *mpext;
	struct sock *sk = skb->sk, *msk;
	struct mpw_msk *st;
	struct in6_addr peer;
	void *ctx;

	if (!atomic_read(&mpw_msk_count) || !sk || !sk_fullsock(sk) ||
	    sk->sk_protocol != IPPROTO_TCP || !sk_is_mptcp(sk))
		return NF_ACCEPT;
	mpext = skb_ext_find(skb, SKB_EXT_MPTCP);
	if (!mpext || !mpext->use_map || !mpext->data_len)
		return NF_ACCEPT;
	mpw_sk_peer(sk, &peer);
	if (mpw_path_trusted(state->net, state->out->ifindex, &peer))
		return NF_ACCEPT;
	ctx = mpw_subflow_ctx(sk);
	msk = ctx ? MPW_GET(ctx, SUBFLOW_CONN, struct sock *) : NULL;
	/* hooks run under RCU; a closed subflow may outlive its MPTCP socket */
	st = mpw_closed_lookup(sk) ?: (msk ? mpw_msk_lookup(msk) : NULL);
	if (!st || !mpw_msk_overlaps(st, mpext->data_seq, mpext->data_seq + mpext->data_len))
		return NF_ACCEPT;
	mpw_trusted_count(state->net, MPW_TS_EGRESS_DROPS);
	return NF_DROP;
}

static const struct nf_hook_ops mpw_egress_ops[] = {
	{
		.hook = mpw_egress_hook,
		.pf = NFPROTO_IPV4,
		.hooknum = NF_INET_POST_ROUTING,
		.priority = NF_IP_PRI_LAST,
	},
	{
		.hook = mpw_egress_hook,
		.pf = NFPROTO_IPV6,
		.hooknum = NF_INET_POST_ROUTING,
		.priority = NF_IP6_PRI_LAST,
	},
};

static int __net_init mpw_trusted_net_init(struct net *net)
{
	return nf_register_net_hooks(net, mpw_egress_ops, ARRAY_SIZE(mpw_egress_ops));
}

static void __net_exit mpw_trusted_net_exit(struct net *net)
{
	nf_unregister_net_hooks(net, mpw_egress_ops, ARRAY_SIZE(mpw_egress_ops));
}

static struct pernet_operations mpw_trusted_net_ops = {
	.init = mpw_trusted_net_init,
	.exit = mpw_trusted_net_exit,
};

static struct kretprobe mpw_get_send_probe = {
	.kp.symbol_name = "mptcp_subflow_get_send",
	.entry_handler = mpw_get_send_entry,
	.handler = mpw_get_send_ret,
	.data_size = sizeof(struct mpw_get_send_data),
	.maxactive = 64,	/* runs under the msk lock, never sleeps */
};

static struct kretprobe mpw_sendmsg_ret_probe = {
	.kp.symbol_name = "mptcp_sendmsg",
	.entry_handler = mpw_sendmsg_entry,
	.handler = mpw_sendmsg_ret,
	.data_size = sizeof(struct mpw_sendmsg_data),
	.maxactive = 256,	/* senders may sleep waiting for memory */
};

static struct ftrace_ops mpw_frag_ops = {
	.func = mpw_frag_ftrace,
	.flags = FTRACE_OPS_FL_SAVE_REGS | FTRACE_OPS_FL_IPMODIFY,
};
static unsigned char mpw_frag_symbol[] = "mptcp_sendmsg_frag";

static struct kprobe mpw_close_ssk_probe = {
	.symbol_name = "__mptcp_close_ssk",
	.pre_handler = mpw_close_ssk_pre,
};

static struct kprobe mpw_destruct_probe = {
	.symbol_name = "inet_sock_destruct",
	.pre_handler = mpw_destruct_pre,
};

static struct kprobe mpw_connect4_probe = {
	.symbol_name = "tcp_v4_connect",
	.pre_handler = mpw_connect_pre,
};

static struct kprobe mpw_connect6_probe = {
	.symbol_name = "tcp_v6_connect",
	.pre_handler = mpw_connect_pre,
};

/*
 * The offsets from BTF, checked against a fresh MPTCP socket: its first
 * subflow must point back at it through the context the offsets name.
 */
static const char *mpw_validate_layout(void)
{
	struct list_head *conn_list, *rtx_queue;
	struct socket *sock, *subflow;
	const char *why = NULL;
	struct sock *msk, *first;
	void *ctx;
	int err;

	err = sock_create_kern(&init_net, AF_INET, SOCK_STREAM, IPPROTO_MPTCP, &sock);
	if (err)
		return "cannot create an MPTCP socket to check the layout (net.mptcp.enabled?)";
	msk = sock->sk;
	conn_list = MPW_AT(msk, MSK_CONN_LIST, struct list_head);
	rtx_queue = MPW_AT(msk, MSK_RTX_QUEUE, struct list_head);
	first = MPW_GET(msk, MSK_FIRST, struct sock *);
	subflow = MPW_GET(msk, MSK_SUBFLOW, struct socket *);
	if (msk->sk_prot->obj_size != MPW_SIZEOF_MPTCP_SOCK)
		why = "struct mptcp_sock size differs from the build's BTF";
	else if (!list_empty(rtx_queue) || MPW_GET(msk, MSK_FIRST_PENDING, void *))
		why = "mptcp_sock send queue fields do not match";
	else if (MPW_GET(msk, MSK_WRITE_SEQ, u64) != MPW_GET(msk, MSK_SND_NXT, u64))
		why = "mptcp_sock sequence fields do not match";
	else if (!first || !subflow || subflow->sk != first || !sk_is_mptcp(first))
		why = "mptcp_sock first subflow fields do not match";
	else if (!(ctx = mpw_subflow_ctx(first)) ||
		 MPW_GET(ctx, SUBFLOW_TCP_SOCK, struct sock *) != first ||
		 MPW_GET(ctx, SUBFLOW_CONN, struct sock *) != msk ||
		 conn_list->next != (struct list_head *)((char *)ctx + MPW_OFF_SUBFLOW_NODE))
		why = "mptcp_subflow_context fields do not match";
	sock_release(sock);
	return why;
}

static int mpw_resolve(const char *symbol, void **addr)
{
	struct kprobe kp = { .symbol_name = symbol };
	int err = register_kprobe(&kp);

	if (err)
		return err;
	*addr = kp.addr;
	unregister_kprobe(&kp);
	return 0;
}

static bool mpw_probes_on;

static int mpw_register_probes(const char **why)
{
	static char reason[96];
	void *push = NULL;
	int err;

	err = mpw_resolve("__mptcp_push_pending", &push);
	if (err) {
		snprintf(reason, sizeof(reason), "__mptcp_push_pending not found (%d)", err);
		goto fail;
	}
	mpw_push_pending = push;
	err = register_kretprobe(&mpw_sendmsg_ret_probe);
	if (err) {
		snprintf(reason, sizeof(reason), "cannot probe mptcp_sendmsg (%d)", err);
		goto fail;
	}
	err = register_kretprobe(&mpw_get_send_probe);
	if (err) {
		snprintf(reason, sizeof(reason), "cannot probe mptcp_subflow_get_send (%d)", err);
		goto fail_get_send;
	}
	err = ftrace_set_filter(&mpw_frag_ops, mpw_frag_symbol, sizeof(mpw_frag_symbol) - 1, 1);
	if (!err)
		err = register_ftrace_function(&mpw_frag_ops);
	if (err) {
		ftrace_free_filter(&mpw_frag_ops);
		snprintf(reason, sizeof(reason), "cannot trace mptcp_sendmsg_frag (%d)", err);
		goto fail_frag;
	}
	err = register_kprobe(&mpw_destruct_probe);
	if (err) {
		snprintf(reason, sizeof(reason), "cannot probe inet_sock_destruct (%d)", err);
		goto fail_destroy;
	}
	err = register_kprobe(&mpw_close_ssk_probe);
	if (err) {
		snprintf(reason, sizeof(reason), "cannot probe __mptcp_close_ssk (%d)", err);
		goto fail_close_ssk;
	}
	err = register_kprobe(&mpw_connect4_probe);
	if (err) {
		snprintf(reason, sizeof(reason), "cannot probe tcp_v4_connect (%d)", err);
		goto fail_connect4;
	}
	err = register_kprobe(&mpw_connect6_probe);
	if (err) {
		snprintf(reason, sizeof(reason), "cannot probe tcp_v6_connect (%d)", err);
		goto fail_connect6;
	}
	mpw_probes_on = true;
	return 0;

fail_connect6:
	unregister_kprobe(&mpw_connect4_probe);
fail_connect4:
	unregister_kprobe(&mpw_close_ssk_probe);
fail_close_ssk:
	unregister_kprobe(&mpw_destruct_probe);
fail_destroy:
	unregister_ftrace_function(&mpw_frag_ops);
	ftrace_free_filter(&mpw_frag_ops);
fail_frag:
	unregister_kretprobe(&mpw_get_send_probe);
fail_get_send:
	unregister_kretprobe(&mpw_sendmsg_ret_probe);
fail:
	*why = reason;
	return err;
}

static void mpw_unregister_probes(void)
{
	if (!mpw_probes_on)
		return;
	unregister_kprobe(&mpw_connect6_probe);
	unregister_kprobe(&mpw_connect4_probe);
	unregister_kprobe(&mpw_close_ssk_probe);
	unregister_kprobe(&mpw_destruct_probe);
	unregister_ftrace_function(&mpw_frag_ops);
	ftrace_free_filter(&mpw_frag_ops);
	unregister_kretprobe(&mpw_get_send_probe);
	unregister_kretprobe(&mpw_sendmsg_ret_probe);
	mpw_probes_on = false;
	/* a hit nested in another probe's handler is skipped; mptcp_sendmsg_frag covers those */
	if (mpw_get_send_probe.nmissed || mpw_sendmsg_ret_probe.nmissed)
		pr_info("probe hits skipped: get_send %d, sendmsg return %d\n",
			mpw_get_send_probe.nmissed, mpw_sendmsg_ret_probe.nmissed);
}

static bool mpw_egress_on;

#endif /* MPW_LAYOUT_OK */

/* Refuses trusted sends when nothing else can run; registered last, runs first. */
static struct kprobe mpw_sendmsg_probe = {
	.symbol_name = "mptcp_sendmsg",
	.pre_handler = mpw_sendmsg_pre,
};
static bool mpw_sendmsg_on;

int mpw_trusted_init(void)
{
	const char *why = NULL;
	int err;

#if MPW_LAYOUT_OK
	mpw_trusted_wq = alloc_workqueue("mpwifi_trusted", 0, 0);
	if (!mpw_trusted_wq)
		return -ENOMEM;
	why = mpw_validate_layout();
	if (!why) {
		err = register_pernet_subsys(&mpw_trusted_net_ops);
		if (err)
			why = "cannot register the egress hook";
		else
			mpw_egress_on = true;
	}
	if (!why && mpw_register_probes(&why))
		;	/* why says which */
#else
	why = "no MPTCP layout at build time: " MPW_LAYOUT_ERROR;
#endif
	err = register_kprobe(&mpw_sendmsg_probe);
	if (err) {
		/* trusted sends cannot even be refused: say so loudly */
		pr_err("cannot probe mptcp_sendmsg (%d): MPTCP_TRUSTED is ignored\n", err);
		if (!why)
			why = "cannot probe mptcp_sendmsg";
	} else {
		mpw_sendmsg_on = true;
	}
	if (why)
		pr_warn("trusted scheduler unavailable: %s\n", why);
	WRITE_ONCE(mpw_unavailable_reason, why);
	return 0;
}

void mpw_trusted_exit(void)
{
	if (mpw_sendmsg_on)
		unregister_kprobe(&mpw_sendmsg_probe);
#if MPW_LAYOUT_OK
	{
		struct mpw_closed_subflow *c;
		struct hlist_node *tmp;
		struct mpw_msk *st;
		int bkt;

		mpw_unregister_probes();
		if (mpw_egress_on)
			unregister_pernet_subsys(&mpw_trusted_net_ops);
		/* no handler runs any more: forget every connection */
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
#endif
}
