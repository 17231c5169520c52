// SPDX-License-Identifier: GPL-2.0
/*
 * Send-side accounting: mptcp_sendmsg(sk, msg, len) sees MPTCP_TRUSTED
 * before MPTCP masks it.  Its kprobe refuses the call with a documented
 * errno by overriding its return, or continues it in mpw_sendmsg_trusted(),
 * in the sender's process context, where waiting and allocating are
 * allowed: that function checks the connection, makes sure a range can be
 * recorded, opens it at the stream's write_seq, sends through the socket's
 * own sendmsg without the flag, and closes the range at write_seq when the
 * call returns.  No return probe (whose instances a user could exhaust) is
 * involved.  The kprobe runs whatever the layout: without the scheduler,
 * trusted sends fail with EOPNOTSUPP rather than go out unguarded.
 *
 * Module text a task may be in while the module unloads: the continuation
 * (counted: exit resets the connections whose senders wait, waits for the
 * count to drain, and resets again what they gave their connections) and
 * the return stubs of trusted.c; exit's
 * synchronize_rcu_tasks() waits for the last instructions of both.
 */
#include <linux/module.h>
#include <linux/ptrace.h>
#include <linux/socket.h>
#include <linux/version.h>
#include <linux/wait.h>
#include <net/inet_sock.h>
#include <net/mptcp.h>
#include <net/sock.h>
#include <net/tcp_states.h>
#include <uapi/linux/mptcp.h>
#include <uapi/linux/mpwifi.h>

#include "trusted.h"

static atomic_t mpw_send_inflight = ATOMIC_INIT(0);
static DECLARE_WAIT_QUEUE_HEAD(mpw_send_drained);

/* Trusted senders waiting for their connection to be established: exit wakes them. */
struct mpw_connect_waiter {
	struct list_head node;
	struct sock *sk;
};
static LIST_HEAD(mpw_connect_waiters);
static DEFINE_SPINLOCK(mpw_connect_waiters_lock);

/* A continuation may start: false once the module is unloading. */
static bool mpw_send_enter(void)
{
	atomic_inc(&mpw_send_inflight);
	smp_mb__after_atomic();	/* pairs with the barrier of mpw_send_drain() */
	if (!mpw_trusted_unavailable())
		return true;
	mpw_send_leave();
	return false;
}

void mpw_send_leave(void)
{
	if (atomic_dec_and_test(&mpw_send_inflight))
		wake_up_all(&mpw_send_drained);
}

/*
 * Exit, once "unloading" is set: wakes senders waiting for a handshake and
 * waits up to TIMEOUT for every continuation to return.  How many are still
 * running: 0, and none will run again.
 */
int mpw_send_drain(long timeout)
{
	struct mpw_connect_waiter *w;

	smp_mb();
	/* a handshake may take minutes to fail: those senders fail now */
	spin_lock_bh(&mpw_connect_waiters_lock);
	list_for_each_entry(w, &mpw_connect_waiters, node) {
		WRITE_ONCE(w->sk->sk_err, ECONNRESET);
		sk_error_report(w->sk);
	}
	spin_unlock_bh(&mpw_connect_waiters_lock);
	wait_event_timeout(mpw_send_drained, !atomic_read(&mpw_send_inflight), timeout);
	return atomic_read(&mpw_send_inflight);
}

static bool mpw_sk_defer_connect(struct sock *sk)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 6, 0)
	return inet_test_bit(DEFER_CONNECT, sk);
#else
	return inet_sk(sk)->defer_connect;
#endif
}

/* A connect deferred by TCP_FASTOPEN_CONNECT: MPTCP sets it on the first subflow (6.1). */
static bool mpw_defer_connect(struct sock *sk)
{
#if MPW_LAYOUT_OK
	struct sock *first;

	if (sk->sk_protocol == IPPROTO_MPTCP) {
		first = mpw_msk_first(sk);
		if (first && mpw_sk_defer_connect(first))
			return true;
	}
#endif
	return mpw_sk_defer_connect(sk);
}

/*
 * Trusted bytes never ride in a SYN (TCP Fast Open: MSG_FASTOPEN, or the
 * first send after a connect deferred by TCP_FASTOPEN_CONNECT): they would
 * leave before any check, on whatever path the SYN takes.  A connection
 * being established is waited for as any send would (EAGAIN when the call
 * must not block); one that is not connected fails with ENOTCONN.
 */
int mpw_send_check_connected(struct sock *sk, struct msghdr *msg)
{
	long timeo;
	int err = 0;

	if (msg->msg_flags & MSG_FASTOPEN)
		return -ENOTCONN;
	lock_sock(sk);
	if (mpw_defer_connect(sk)) {
		err = -ENOTCONN;
	} else if ((1 << sk->sk_state) & (TCPF_SYN_SENT | TCPF_SYN_RECV)) {
		struct mpw_connect_waiter w = { .sk = sk };

		spin_lock_bh(&mpw_connect_waiters_lock);
		list_add(&w.node, &mpw_connect_waiters);
		spin_unlock_bh(&mpw_connect_waiters_lock);
		timeo = sock_sndtimeo(sk, msg->msg_flags & MSG_DONTWAIT);
		if (!mpw_trusted_unavailable())
			err = sk_stream_wait_connect(sk, &timeo);
		else
			err = -ECONNRESET;
		spin_lock_bh(&mpw_connect_waiters_lock);
		list_del(&w.node);
		spin_unlock_bh(&mpw_connect_waiters_lock);
	}
	if (!err && !((1 << sk->sk_state) & (TCPF_ESTABLISHED | TCPF_CLOSE_WAIT)))
		err = -ENOTCONN;
	release_sock(sk);
	return err;
}

#if MPW_LAYOUT_OK
/*
 * After a fallback to plain TCP the first subflow is the only path there
 * will be: a trusted send needs it trusted, and pins it (trusted_tcp.c).
 * Process context, without the socket lock: from 6.5 mptcp_diag_fill_info()
 * takes it.
 */
static int mpw_check_fallback(struct sock *msk, struct net *net)
{
	struct mptcp_info info;
	struct sock *first;

	mptcp_diag_fill_info((struct mptcp_sock *)msk, &info);
	if (!(info.mptcpi_flags & MPTCP_INFO_FLAG_FALLBACK))
		return 0;
	first = mpw_msk_first(msk);
	if (!first || !mpw_ssk_trusted(net, first))
		return -ENETUNREACH;
	return mpw_tcp_pin(first);
}
#endif

/* Counts a refusal; returns @err. */
int mpw_send_refuse(struct net *net, int err)
{
	mpw_trusted_count(net, MPW_TS_REFUSED_SENDS);
	if (err == -ENOTCONN)
		mpw_trusted_count(net, MPW_TS_REFUSED_UNCONNECTED);
	else if (err == -ENOBUFS)
		mpw_trusted_count(net, MPW_TS_REFUSED_LIMIT);
	return err;
}

/* mptcp_sendmsg's place for a trusted send (see mpw_send_divert()). */
static int mpw_sendmsg_trusted(struct sock *sk, struct msghdr *msg, size_t len)
{
	struct net *net = sock_net(sk);
	int ret = -EOPNOTSUPP;
#if MPW_LAYOUT_OK
	struct mpw_msk *st;
#endif

	mpw_trusted_count(net, MPW_TS_TRUSTED_SENDS);
#if MPW_LAYOUT_OK
	/* the lazy hooks are in place before any trusted byte is queued */
	if (!mpw_lazy_hooks_on())
		mpw_lazy_hooks_register();
	if (mpw_trusted_unavailable())
		goto refuse;
	ret = mpw_send_check_connected(sk, msg);
	if (ret)
		goto refuse;
	ret = mpw_check_fallback(sk, net);
	if (ret)
		goto refuse;
	ret = -ENOBUFS;
	st = mpw_msk_get_or_create(sk, net);
	if (!st)
		goto refuse;
	ret = mpw_msk_open(st, sk);
	if (ret) {
		mpw_msk_put(st);
		goto refuse;
	}
	/* everything the call queues is trusted; MPTCP itself never sees the flag */
	msg->msg_flags &= ~MPTCP_TRUSTED;
	ret = READ_ONCE(sk->sk_prot)->sendmsg(sk, msg, len);
	msg->msg_flags |= MPTCP_TRUSTED;
	mpw_msk_close(st, sk);
	mpw_msk_put(st);
	mpw_send_leave();
	return ret;
refuse:
#endif
	mpw_send_leave();
	return mpw_send_refuse(net, ret);
}

/*
 * A trusted send enters the module: it continues in @trusted, the probed
 * function's place, or is refused with EOPNOTSUPP when the scheduler is off
 * or the module unloading.  For the kprobes of both send functions.
 */
int mpw_send_divert(struct pt_regs *regs, struct sock *sk,
		    int (*trusted)(struct sock *sk, struct msghdr *msg, size_t len))
{
	struct net *net = sock_net(sk);

	if (READ_ONCE(mpw_pernet(net)->trust.trusted_sched) && mpw_send_enter())
		return mpw_continue_in(regs, (unsigned long)trusted);
	mpw_trusted_count(net, MPW_TS_TRUSTED_SENDS);
	mpw_send_refuse(net, -EOPNOTSUPP);
	return mpw_override(regs, mpw_ret_eopnotsupp);
}

/* mptcp_sendmsg(sk, msg, len) */
int mpw_sendmsg_pre(struct kprobe *p, struct pt_regs *regs)
{
	struct sock *msk = (struct sock *)regs_get_kernel_argument(regs, 0);
	struct msghdr *msg = (struct msghdr *)regs_get_kernel_argument(regs, 1);

	if (!(READ_ONCE(msg->msg_flags) & MPTCP_TRUSTED))
		return 0;
	return mpw_send_divert(regs, msk, mpw_sendmsg_trusted);
}
