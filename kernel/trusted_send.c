// SPDX-License-Identifier: GPL-2.0
/*
 * Send-side accounting: mptcp_sendmsg(sk, msg, len) sees MPTCP_TRUSTED
 * before MPTCP masks it.  A kprobe opens a trusted range at the stream's
 * write_seq, or fails the call with a documented errno by overriding its
 * return; a kretprobe closes the range at write_seq when the call returns.
 * The kprobe runs whatever the layout: without the scheduler, trusted sends
 * fail with EOPNOTSUPP rather than go out unguarded.
 */
#include <linux/module.h>
#include <linux/ptrace.h>
#include <linux/socket.h>
#include <net/mptcp.h>
#include <net/sock.h>
#include <uapi/linux/mptcp.h>
#include <uapi/linux/mpwifi.h>

#include "trusted.h"

#if MPW_LAYOUT_OK
/* After a fallback to plain TCP the first subflow is the only path there will be. */
static bool mpw_fell_back_untrusted(struct sock *msk, struct net *net)
{
	struct mptcp_info info;
	struct sock *first;

	mptcp_diag_fill_info((struct mptcp_sock *)msk, &info);
	if (!(info.mptcpi_flags & MPTCP_INFO_FLAG_FALLBACK))
		return false;
	first = mpw_msk_first(msk);
	return !first || !mpw_ssk_trusted(net, first);
}
#endif

/*
 * The first trusted send continues here, in mptcp_sendmsg's place and in the
 * sender's process context, where the lazy hooks can be registered before
 * any of its bytes is queued; it then sends through the socket's own
 * sendmsg, which the probes see as any other call.  The module reference
 * taken by the probe keeps this code from being unloaded under it.
 */
static int mpw_sendmsg_arm(struct sock *sk, struct msghdr *msg, size_t len)
{
	int ret;

	mpw_lazy_hooks_register();
	ret = READ_ONCE(sk->sk_prot)->sendmsg(sk, msg, len);
	module_put(THIS_MODULE);
	return ret;
}

/* mptcp_sendmsg(sk, msg, len): runs before the kretprobe's entry (registered later). */
int mpw_sendmsg_pre(struct kprobe *p, struct pt_regs *regs)
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
	if (!mpw_lazy_hooks_on() && !mpw_trusted_unavailable() && try_module_get(THIS_MODULE))
		return mpw_continue_in(regs, (unsigned long)mpw_sendmsg_arm);
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
		raw_spin_lock_irqsave(&st->lock, flags);
		mpw_ranges_open(&st->ranges, mpw_msk_write_seq(msk));
		raw_spin_unlock_irqrestore(&st->lock, flags);
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

int mpw_sendmsg_entry(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	struct mpw_msk_arg *d = (void *)ri->data;
	struct msghdr *msg = (struct msghdr *)regs_get_kernel_argument(regs, 1);

	d->msk = (struct sock *)regs_get_kernel_argument(regs, 0);
	/*
	 * Only calls whose range mpw_sendmsg_pre opened.  Without an instance
	 * (all in use) the range stays open: later data counts as trusted too.
	 */
	return !(READ_ONCE(msg->msg_flags) & MPTCP_TRUSTED);
}

int mpw_sendmsg_ret(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	struct mpw_msk_arg *d = (void *)ri->data;
	struct sock *msk = d->msk;
	struct mpw_msk *st;
	unsigned long flags;

	rcu_read_lock();
	st = mpw_msk_lookup(msk);
	if (st) {
		raw_spin_lock_irqsave(&st->lock, flags);
		/* the call's bytes all lie below write_seq as it returns */
		if (mpw_ranges_close(&st->ranges))
			mpw_msk_add_range(st, st->ranges.open_start, mpw_msk_write_seq(msk),
					  mpw_msk_snd_una(msk));
		raw_spin_unlock_irqrestore(&st->lock, flags);
	}
	rcu_read_unlock();
	return 0;
}

#endif /* MPW_LAYOUT_OK */
