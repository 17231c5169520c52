// SPDX-License-Identifier: GPL-2.0
/*
 * The trusted-subflow scheduler: bytes an application sends with
 * MPTCP_TRUSTED travel only on subflows whose egress interface and peer are
 * trusted (trust.c), on the stock kernel, without a scheduler API.
 *
 * Where data meets subflows, and which part watches each place:
 *   mptcp_sendmsg            send-side accounting (trusted_send.c)
 *   tcp_sendmsg              trusted sends on plain TCP (trusted_tcp.c)
 *   mptcp_subflow_get_send   the scheduler override (trusted_sched.c)
 *   mptcp_sendmsg_frag       the per-chunk check (trusted_frag.c)
 *   POSTROUTING              egress (trusted_egress.c)
 *   tcp_v4/v6_connect        first subflow (trusted_connect.c)
 *   inet_sock_destruct       lifetime of a connection's state (trusted_lifetime.c)
 * This file holds what they share: the status, the counters, what makes a
 * path trusted, and the hook table every probe is registered from.
 *
 * Private layouts come from the target kernel's BTF at build time
 * (btf_layout.py -> mptcp_layout.h, read through compat_mptcp.h) and are
 * checked at load against a live MPTCP socket; any failure leaves the module
 * loaded, the scheduler unavailable with the reason, and trusted sends
 * failing with EOPNOTSUPP.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/ftrace.h>
#include <linux/in.h>
#include <linux/kprobes.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/mutex.h>
#include <linux/net.h>
#include <linux/ptrace.h>
#include <net/dst.h>
#include <net/ipv6.h>
#include <net/mptcp.h>
#include <net/sock.h>
#include <net/tcp.h>
#include <uapi/linux/mpwifi.h>

#include "trusted.h"

static const char *mpw_unavailable_reason = "not initialised";

const char *mpw_trusted_unavailable(void)
{
	return READ_ONCE(mpw_unavailable_reason);
}

/*
 * A function of our own under an always-registered kprobe: when calling it
 * does not reach the probe, every kprobe is disarmed (debugfs
 * kprobes/enabled, or ftrace_enabled=0 for those on ftrace sites), and
 * nothing is enforced whatever the hooks' state says.
 */
static atomic_t mpw_canary_hits = ATOMIC_INIT(0);

static noinline void mpw_canary(void)
{
	asm volatile("");
}

static int mpw_canary_pre(struct kprobe *p, struct pt_regs *regs)
{
	atomic_inc(&mpw_canary_hits);
	return 0;
}

static bool mpw_probes_armed(void)
{
	int before = atomic_read(&mpw_canary_hits);

	mpw_canary();
	return atomic_read(&mpw_canary_hits) != before;
}

static int mpw_status_get(char *buf, const struct kernel_param *kp)
{
	const char *why = mpw_trusted_unavailable();

	if (!why && !mpw_probes_armed())
		why = "kprobes are disarmed (debug/kprobes/enabled or ftrace_enabled)";

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

/* Return values for mpw_override(). */
noinline int mpw_ret_zero(void) { return 0; }
noinline int mpw_ret_eopnotsupp(void) { return -EOPNOTSUPP; }
noinline int mpw_ret_enetunreach(void) { return -ENETUNREACH; }
noinline int mpw_ret_enobufs(void) { return -ENOBUFS; }

/*
 * Skip the probed function: its probe sits on the entry's ftrace site, where
 * the stack holds only the return address into the caller, so continuing in
 * a function of the same signature returns that function's value to the
 * caller (the mechanism of BPF's override_return).
 */
int mpw_override(struct pt_regs *regs, int (*stub)(void))
{
	return mpw_continue_in(regs, (unsigned long)stub);
}

/* The same, into a function that takes the probed function's arguments. */
int mpw_continue_in(struct pt_regs *regs, unsigned long fn)
{
	instruction_pointer_set(regs, fn);
	return 1;
}

/*
 * Resets a connection (process context): queues purged, peer reset, senders
 * and readers woken with ECONNRESET.  Nothing it held can be sent after.
 * TCP: what SOCK_DESTROY does.  MPTCP, which has no such operation: what
 * connect(AF_UNSPEC) does (MP_FASTCLOSE, every subflow closed, queues
 * purged), then the error.  An orphan (closed by its application with data
 * still queued) is closed once more: MPTCP destroys a closed orphan only in
 * close() (its worker leaves closed sockets alone), and no one else would.
 */
void mpw_sk_reset(struct sock *sk)
{
	bool destroy = false;

	if (sk->sk_protocol != IPPROTO_MPTCP) {
		tcp_abort(sk, ECONNRESET);
		return;
	}
	lock_sock(sk);
	if (sk->sk_state != TCP_CLOSE && sk->sk_state != TCP_LISTEN) {
		READ_ONCE(sk->sk_prot)->disconnect(sk, 0);
		/* senders and readers waiting in the socket see it (sk_wait_event) */
		WRITE_ONCE(sk->sk_disconnects, sk->sk_disconnects + 1);
		/* the reference its close() left for the destroy is still there */
		destroy = sock_flag(sk, SOCK_DEAD);
	}
	WRITE_ONCE(sk->sk_err, ECONNRESET);
	sk_error_report(sk);
	release_sock(sk);
	if (destroy)
		READ_ONCE(sk->sk_prot)->close(sk, 0);
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

void mpw_sk_peer(const struct sock *sk, struct in6_addr *peer)
{
	if (sk->sk_family == AF_INET6)
		*peer = sk->sk_v6_daddr;
	else
		ipv6_addr_set_v4mapped(sk->sk_daddr, peer);
}

bool mpw_path_trusted(struct net *net, int ifindex, const struct in6_addr *peer)
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

bool mpw_ssk_trusted(struct net *net, struct sock *ssk)
{
	struct in6_addr peer;

	mpw_sk_peer(ssk, &peer);
	return mpw_path_trusted(net, mpw_egress_ifindex(ssk), &peer);
}

/*
 * Every probe, in registration order.  The scheduler's hooks are registered
 * all or none (an optional one may fail alone); the entries of trusted sends
 * (mptcp_sendmsg, tcp_sendmsg) and the canary of the status are registered
 * whatever became of them, so that trusted sends are at least refused.  A lazy hook
 * waits for the first trusted send (mpw_lazy_hooks_register): the ftrace
 * site of mptcp_sendmsg_frag is patched only when trusted data exists, not
 * at every load and unload.
 */
enum mpw_hook_kind {
	MPW_HOOK_KPROBE,
	MPW_HOOK_KRETPROBE,
	MPW_HOOK_FTRACE,
};

struct mpw_hook {
	const char *symbol;
	enum mpw_hook_kind kind;
	bool optional;		/* the scheduler works without it */
	bool always;		/* registered even when the scheduler is unavailable */
	bool lazy;		/* registered at the first trusted send */
	bool on;
	union {
		struct kprobe kp;
		struct kretprobe rp;
		struct ftrace_ops ops;
	};
};

#define MPW_KPROBE(sym, pre, ...)						\
	{ .symbol = (sym), .kind = MPW_HOOK_KPROBE, .kp.pre_handler = (pre), __VA_ARGS__ }
#define MPW_KPROBE_AT(fn, pre, ...)						\
	{ .symbol = #fn, .kind = MPW_HOOK_KPROBE,				\
	  .kp = { .addr = (kprobe_opcode_t *)(fn), .pre_handler = (pre) }, __VA_ARGS__ }
#define MPW_KRETPROBE(sym, entry, ret, max)					\
	{ .symbol = (sym), .kind = MPW_HOOK_KRETPROBE,				\
	  .rp = { .entry_handler = (entry), .handler = (ret),			\
		  .data_size = sizeof(struct mpw_msk_arg), .maxactive = (max) } }
/* an ftrace callback that may change where the function continues */
#define MPW_FTRACE(sym, fn, ...)						\
	{ .symbol = (sym), .kind = MPW_HOOK_FTRACE,				\
	  .ops = { .func = (fn), .flags = FTRACE_OPS_FL_SAVE_REGS | FTRACE_OPS_FL_IPMODIFY }, \
	  __VA_ARGS__ }
/* an ftrace callback that only watches: never skipped, unlike a kprobe nested in another */
#define MPW_FTRACE_WATCH(sym, fn, ...)						\
	{ .symbol = (sym), .kind = MPW_HOOK_FTRACE,				\
	  .ops = { .func = (fn), .flags = FTRACE_OPS_FL_SAVE_REGS }, __VA_ARGS__ }

static struct mpw_hook mpw_hooks[] = {
#if MPW_LAYOUT_OK
	/* runs under the msk lock, never sleeps */
	MPW_KRETPROBE(MPW_SYM_GET_SEND, mpw_get_send_entry, mpw_get_send_ret, 64),
	MPW_FTRACE(MPW_SYM_SENDMSG_FRAG, mpw_frag_ftrace, .lazy = true),
	MPW_FTRACE_WATCH(MPW_SYM_SOCK_DESTRUCT, mpw_destruct_ftrace),
	MPW_KPROBE(MPW_SYM_CONNECT4, mpw_connect_pre),
	MPW_KPROBE(MPW_SYM_CONNECT6, mpw_connect_pre, .optional = !IS_ENABLED(CONFIG_IPV6)),
#endif
	MPW_KPROBE_AT(mpw_canary, mpw_canary_pre, .always = true),
	MPW_KPROBE("tcp_sendmsg", mpw_tcp_sendmsg_pre, .always = true),
	MPW_KPROBE(MPW_SYM_SENDMSG, mpw_sendmsg_pre, .always = true),
};

static int mpw_hook_register(struct mpw_hook *h)
{
	/* ftrace_set_filter() parses its argument in place */
	static unsigned char filter[128];
	int err;

	switch (h->kind) {
	case MPW_HOOK_KPROBE:
		if (!h->kp.addr)
			h->kp.symbol_name = h->symbol;
		return register_kprobe(&h->kp);
	case MPW_HOOK_KRETPROBE:
		h->rp.kp.symbol_name = h->symbol;
		return register_kretprobe(&h->rp);
	case MPW_HOOK_FTRACE:
		strscpy(filter, h->symbol, sizeof(filter));
		err = ftrace_set_filter(&h->ops, filter, strlen(filter), 1);
		if (!err)
			err = register_ftrace_function(&h->ops);
		if (err)
			ftrace_free_filter(&h->ops);
		return err;
	}
	return -EINVAL;
}

static void mpw_hook_unregister(struct mpw_hook *h)
{
	if (!h->on)
		return;
	switch (h->kind) {
	case MPW_HOOK_KPROBE:
		unregister_kprobe(&h->kp);
		break;
	case MPW_HOOK_KRETPROBE:
		unregister_kretprobe(&h->rp);
		/* a hit nested in another probe's handler is skipped; mptcp_sendmsg_frag covers those */
		if (h->rp.nmissed)
			pr_info("probe hits skipped: %s %d\n", h->symbol, h->rp.nmissed);
		break;
	case MPW_HOOK_FTRACE:
		unregister_ftrace_function(&h->ops);
		ftrace_free_filter(&h->ops);
		break;
	}
	h->on = false;
}

/* Unregisters the hooks of one kind (always or not; lazy ones count as not), newest first. */
static void mpw_hooks_unregister(bool always, bool lazy_only)
{
	int i;

	for (i = ARRAY_SIZE(mpw_hooks) - 1; i >= 0; i--)
		if (mpw_hooks[i].always == always && (!lazy_only || mpw_hooks[i].lazy))
			mpw_hook_unregister(&mpw_hooks[i]);
}

/*
 * Registers the hooks of one kind, the lazy ones or the others; NULL, or why
 * a required one failed (then none of that kind is left on).
 */
static const char *mpw_hooks_register(bool always, bool lazy)
{
	static char reason[96];
	unsigned int i;
	int err;

	for (i = 0; i < ARRAY_SIZE(mpw_hooks); i++) {
		struct mpw_hook *h = &mpw_hooks[i];

		if (h->always != always || h->lazy != lazy)
			continue;
		err = mpw_hook_register(h);
		if (!err) {
			h->on = true;
			continue;
		}
		if (h->optional) {
			pr_info("optional probe on %s not set (%d)\n", h->symbol, err);
			continue;
		}
		snprintf(reason, sizeof(reason), "cannot %s %s (%d)",
			 h->kind == MPW_HOOK_FTRACE ? "trace" : "probe", h->symbol, err);
		mpw_hooks_unregister(always, lazy);
		return reason;
	}
	return NULL;
}

#if MPW_LAYOUT_OK

/*
 * The offsets from BTF: each one against the running kernel's BTF, then
 * against a fresh MPTCP socket: its first subflow must point back at it
 * through the context the offsets name.
 */
static const char *mpw_validate_layout(void)
{
	struct sockaddr_in any = { .sin_family = AF_INET };
	struct list_head *conn_list;
	const char *why = NULL;
	struct sock *msk, *first;
	struct socket *sock;
	void *ctx;
	int err;

	why = mpw_layout_check_btf();
	if (why)
		return why;

	err = sock_create_kern(&init_net, AF_INET, SOCK_STREAM, IPPROTO_MPTCP, &sock);
	if (err)
		return "cannot create an MPTCP socket to check the layout (net.mptcp.enabled?)";
	msk = sock->sk;
	conn_list = mpw_msk_conn_list(msk);
	first = mpw_msk_first(msk);
	/* from 6.7 the first subflow is created by bind or connect */
	if (!first && !kernel_bind(sock, (struct sockaddr *)&any, sizeof(any)))
		first = mpw_msk_first(msk);
	if (msk->sk_prot->obj_size != MPW_SIZEOF_MPTCP_SOCK)
		why = "struct mptcp_sock size differs from the build's BTF";
	else if (!list_empty(mpw_msk_rtx_queue(msk)) || mpw_msk_first_pending(msk))
		why = "mptcp_sock send queue fields do not match";
	else if (mpw_msk_write_seq(msk) != mpw_msk_snd_nxt(msk))
		why = "mptcp_sock sequence fields do not match";
	else if (!first || mpw_msk_subflow_mismatch(msk, first) || !sk_is_mptcp(first))
		why = "mptcp_sock first subflow fields do not match";
	else if (!(ctx = mpw_subflow_ctx(first)) || mpw_subflow_tcp_sock(ctx) != first ||
		 mpw_subflow_conn(ctx) != msk || conn_list->next != mpw_subflow_node(ctx))
		why = "mptcp_subflow_context fields do not match";
	sock_release(sock);
	return why;
}

static bool mpw_egress_on;

/* The scheduler: its checks, egress, and hooks.  NULL when all is in place, else why not. */
static const char *mpw_scheduler_start(void)
{
	const char *why;

	why = mpw_validate_layout();
	if (why)
		return why;
	if (mpw_egress_init())
		return "cannot register the egress hook";
	mpw_egress_on = true;
	return mpw_hooks_register(false, false);
}

static DEFINE_MUTEX(mpw_lazy_lock);
static bool mpw_lazy_on, mpw_lazy_failed;	/* written under mpw_lazy_lock */

bool mpw_lazy_hooks_on(void)
{
	return smp_load_acquire(&mpw_lazy_on);
}

/*
 * Process context (the first trusted send, before any of its bytes is
 * queued: see trusted_send.c).  On failure the scheduler becomes
 * unavailable: trusted sends fail from then on.
 */
void mpw_lazy_hooks_register(void)
{
	const char *why;

	mutex_lock(&mpw_lazy_lock);
	if (!mpw_lazy_on && !mpw_lazy_failed) {
		why = mpw_hooks_register(false, true);
		if (why) {
			mpw_lazy_failed = true;
			pr_warn("trusted scheduler unavailable: %s\n", why);
			WRITE_ONCE(mpw_unavailable_reason, why);
		} else {
			smp_store_release(&mpw_lazy_on, true);
		}
	}
	mutex_unlock(&mpw_lazy_lock);
}

/* A path of net may have become trusted: waiting connections push now (process context). */
void mpw_trusted_paths_changed(struct net *net)
{
	mpw_msks_resume(net);
}

#else

void mpw_trusted_paths_changed(struct net *net)
{
}

bool mpw_lazy_hooks_on(void)
{
	return true;
}

void mpw_lazy_hooks_register(void)
{
}

#endif /* MPW_LAYOUT_OK */

int mpw_trusted_init(void)
{
	const char *why, *refusal;

#if MPW_LAYOUT_OK
	if (mpw_lifetime_init())
		return -ENOMEM;
	why = mpw_scheduler_start();
#else
	why = "no MPTCP layout at build time: " MPW_LAYOUT_ERROR;
#endif
	refusal = mpw_hooks_register(true, false);
	if (refusal) {
		/* trusted sends cannot even be refused: say so loudly */
		pr_err("%s: MPTCP_TRUSTED is ignored\n", refusal);
		if (!why)
			why = refusal;
	}
	if (why)
		pr_warn("trusted scheduler unavailable: %s\n", why);
	WRITE_ONCE(mpw_unavailable_reason, why);
	return 0;
}

/* One pass of the unload reset over every connection; how many it reset. */
static unsigned int mpw_reset_holders(unsigned int pass)
{
#if MPW_LAYOUT_OK
	return mpw_msk_reset_all(pass) + mpw_tcp_reset_all(pass);
#else
	return 0;
#endif
}

void mpw_trusted_exit(void)
{
	unsigned int reset, pass = 1;
	int running;

	/* trusted sends are refused from here on, and the status says why */
	WRITE_ONCE(mpw_unavailable_reason, "unloading");
	/*
	 * Once the hooks are gone, what waits for a trusted path would go
	 * anywhere, and so would a later trusted send: reset the connections
	 * that carried trusted data, which also wakes their senders.  A
	 * sender past its check before "unloading" may give its connection
	 * trusted data after a pass looked at it (and then wait, or return):
	 * pass again while any is running, and once more after the last.
	 */
	reset = mpw_reset_holders(pass);
	while ((running = mpw_send_drain(HZ))) {
		reset += mpw_reset_holders(++pass);
		if (pass % 10 == 0)
			pr_warn("unloading: %d trusted send calls still in progress\n", running);
	}
	reset += mpw_reset_holders(++pass);
	if (reset)
		pr_info("unloading: reset %u connections that carried trusted data\n", reset);
	mpw_hooks_unregister(true, false);
#if MPW_LAYOUT_OK
	mpw_hooks_unregister(false, false);
	if (mpw_egress_on)
		mpw_egress_exit();
#endif
	/*
	 * A task may still be in module text: the last instructions of a
	 * continuation, or a return stub a probe sent it to (kprobe handlers
	 * re-enable preemption before it runs).  RCU Tasks waits until every
	 * task has passed a voluntary context switch.
	 */
	synchronize_rcu_tasks();
#if MPW_LAYOUT_OK
	/* no handler runs any more */
	mpw_tcp_exit();
	mpw_lifetime_exit();
#endif
}
