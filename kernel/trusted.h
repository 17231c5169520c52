/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The trusted-subflow scheduler, shared between its parts:
 *   trusted.c           status, counters, path trust, the hook table, init/exit
 *   trusted_send.c      send-side accounting: every trusted send on an MPTCP socket
 *                       continues there, which opens and closes its range
 *   trusted_tcp.c       trusted sends on plain TCP sockets, and their pins
 *   trusted_limits.c    limits on trusted state, in all and per user
 *   trusted_sched.c     the scheduler override: mptcp_subflow_get_send's pick
 *   trusted_frag.c      the per-chunk check: mptcp_sendmsg_frag
 *   trusted_egress.c    egress: the POSTROUTING guard
 *   trusted_connect.c   first subflow: tcp_v4/v6_connect
 *   trusted_lifetime.c  the connection table, resume work, inet_sock_destruct
 *   layout_btf.c        the load-time check of every generated offset against the kernel's BTF
 * Private MPTCP structures are read only through compat_mptcp.h.
 */
#ifndef _MPWIFI_TRUSTED_H
#define _MPWIFI_TRUSTED_H

#include <linux/ftrace.h>
#include <linux/kprobes.h>
#include <linux/refcount.h>
#include <linux/rhashtable-types.h>
#include <linux/spinlock.h>
#include <linux/workqueue.h>

#include <mpwifi/ranges.h>

#include "mpwifi.h"
#include "compat_mptcp.h"

struct in6_addr;
struct pt_regs;

/* layout_btf.c */
const char *mpw_layout_check_btf(void);

/* trusted.c */
int mpw_override(struct pt_regs *regs, int (*stub)(void));
int mpw_continue_in(struct pt_regs *regs, unsigned long fn);
int mpw_ret_zero(void);
int mpw_ret_eopnotsupp(void);
int mpw_ret_enetunreach(void);
int mpw_ret_enobufs(void);
void mpw_sk_peer(const struct sock *sk, struct in6_addr *peer);
bool mpw_path_trusted(struct net *net, int ifindex, const struct in6_addr *peer);
bool mpw_ssk_trusted(struct net *net, struct sock *ssk);
void mpw_sk_reset(struct sock *sk);

/* trusted_send.c: the refusal, which runs whatever the layout */
int mpw_sendmsg_pre(struct kprobe *p, struct pt_regs *regs);
int mpw_send_check_connected(struct sock *sk, struct msghdr *msg);
int mpw_send_refuse(struct net *net, int err);
int mpw_send_divert(struct pt_regs *regs, struct sock *sk,
		    int (*trusted)(struct sock *sk, struct msghdr *msg, size_t len));
void mpw_send_leave(void);
int mpw_send_drain(long timeout);

/* trusted_tcp.c: tcp_sendmsg */
int mpw_tcp_sendmsg_pre(struct kprobe *p, struct pt_regs *regs);
bool mpw_tcp_pinned_drop(struct net *net, struct sock *sk, int ifindex);
void mpw_tcp_forget(struct sock *sk);
int mpw_tcp_pin(struct sock *sk);
unsigned int mpw_tcp_reset_all(unsigned int pass);
void mpw_tcp_exit(void);

/* trusted_limits.c */
struct mpw_user;
extern unsigned int max_trusted_conns, max_trusted_ranges_per_conn;
struct mpw_user *mpw_user_charge_conn(void);
bool mpw_user_charge_ranges(struct mpw_user *u, unsigned int more);
void mpw_user_uncharge(struct mpw_user *u, unsigned int conns, unsigned int ranges);

/* trusted.c: hooks registered at the first trusted send, not at load */
bool mpw_lazy_hooks_on(void);
void mpw_lazy_hooks_register(void);

#if MPW_LAYOUT_OK

/* kretprobe instance data of the hooks that need the MPTCP socket on return */
struct mpw_msk_arg {
	struct sock *msk;
};

/* trusted_sched.c */
int mpw_get_send_entry(struct kretprobe_instance *ri, struct pt_regs *regs);
int mpw_get_send_ret(struct kretprobe_instance *ri, struct pt_regs *regs);

/* trusted_frag.c */
void mpw_frag_ftrace(unsigned long ip, unsigned long parent_ip, struct ftrace_ops *op,
		     struct ftrace_regs *fregs);

/* trusted_egress.c */
int mpw_egress_init(void);
void mpw_egress_exit(void);

/* trusted_connect.c */
int mpw_connect_pre(struct kprobe *p, struct pt_regs *regs);

/* trusted_lifetime.c */

/* Subflows of one connection tracked as carriers of trusted bytes (the in-kernel PM allows 8). */
#define MPW_CARRIERS	8

/*
 * One connection that holds trusted data, in a hash table keyed by its MPTCP
 * socket and looked up under RCU.  The key is the socket's address, reused
 * by a later socket once this one is freed: the cookie tells them apart.
 * A subflow holds a reference on its MPTCP socket until its TCP socket is
 * destroyed (subflow_ulp_release), after which it sends no data: the entry,
 * removed when the MPTCP socket is destructed, outlives every transmission
 * of its subflows, closed ones included.
 */
struct mpw_msk {
	struct rhash_head node;		/* in the table, keyed by ->msk */
	struct sock *msk;		/* never dereferenced once unpublished */
	u64 cookie;			/* sock_gen_cookie(msk) when published */
	struct net *net;
	refcount_t ref;			/* the table's, and a queued resume's */
	raw_spinlock_t lock;		/* the ranges; any context, NMI excepted */
	struct mpw_ranges ranges;	/* under ->lock */
	bool waiting;			/* a pick was withheld since the last trusted one */
	/*
	 * MPTCP's retransmission of the oldest data chose an untrusted
	 * subflow for trusted bytes and was refused: the resume sends that
	 * fragment again through the push path, whose pick this module makes
	 * (in 6.1 the retransmission's own choice, mptcp_subflow_get_retrans,
	 * is inlined and cannot be probed).  At most once a second for the
	 * same snd_una.
	 */
	bool resend_wanted;
	u64 resent_una;			/* snd_una at the last resend; under the msk lock */
	unsigned long resent_at;	/* jiffies of it */
	unsigned int resume_ms;		/* the next resume's delay: doubles while nothing moves */
	struct delayed_work resume;
	/*
	 * Subflows whose TCP may still (re)transmit trusted bytes, under
	 * ->lock: a range acknowledged at the MPTCP level stays while one of
	 * them has not acknowledged, at its own level, what it was given of it.
	 */
	struct mpw_carrier {
		struct sock *ssk;	/* compared, read under RCU (TCP sockets are typesafe) */
		u64 cookie;		/* ssk's: a socket reused at its address is another */
		u64 data_lo;		/* lowest data sequence of the trusted bytes it was given */
		u32 tcp_end;		/* its TCP sequence after the last of them (at most) */
	} carriers[MPW_CARRIERS];
	bool pinned;			/* more carriers than slots: ranges from pinned_lo stay */
	u64 pinned_lo;
	struct rcu_head rcu;
	u32 token;			/* the sequence space of the ranges (msk token) */
	struct mpw_user *user;		/* charged for the state and ->ranges.cap slots */
	unsigned int reset_pass;	/* unloading: the last pass that looked at it (exit alone writes it) */
};

extern atomic_t mpw_msk_count;

/* Whether any connection holds trusted data: every hook returns at once when none does. */
static inline bool mpw_trusted_in_use(void)
{
	return atomic_read(&mpw_msk_count);
}

int mpw_lifetime_init(void);
void mpw_lifetime_exit(void);
struct mpw_msk *mpw_msk_lookup(const struct sock *msk);
struct mpw_msk *mpw_msk_get_or_create(struct sock *msk, struct net *net);
struct mpw_msk *mpw_msk_publish(struct mpw_msk *fresh);
void mpw_msk_put(struct mpw_msk *st);
bool mpw_msk_overlaps(struct mpw_msk *st, u64 start, u64 end);
bool mpw_msk_run(struct mpw_msk *st, u64 start, u64 end, u64 *run_end);
int mpw_msk_open(struct mpw_msk *st, struct sock *msk);
void mpw_msk_close(struct mpw_msk *st, struct sock *msk);
unsigned int mpw_msk_reset_all(unsigned int pass);
void mpw_msk_wait(struct mpw_msk *st);
void mpw_msk_carried(struct mpw_msk *st, struct sock *ssk, u64 data_seq, u32 len);
u64 mpw_msk_retain_floor(struct mpw_msk *st, u64 snd_una);
void mpw_msk_trusted_pick(struct mpw_msk *st);
void mpw_msks_resume(struct net *net);
void mpw_destruct_ftrace(unsigned long ip, unsigned long parent_ip, struct ftrace_ops *op,
			 struct ftrace_regs *fregs);

#endif /* MPW_LAYOUT_OK */
#endif /* _MPWIFI_TRUSTED_H */
