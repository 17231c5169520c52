// SPDX-License-Identifier: GPL-2.0
/*
 * Trusted sends on plain TCP sockets: an application's IPPROTO_TCP socket,
 * a connection an MPTCP listener accepted without MP_CAPABLE (a client
 * without MPTCP, or a SYN whose option was stripped on the way), which is a
 * plain TCP socket once accepted.  TCP ignores unknown flags, so without
 * this MPTCP_TRUSTED would be dropped silently.  Every way data enters a TCP
 * socket from userspace (send, sendto, sendmsg, sendmmsg, io_uring,
 * MSG_ZEROCOPY) reaches tcp_sendmsg: its kprobe continues a trusted call in
 * mpw_tcp_sendmsg_trusted(), which sends only when the socket's path (its
 * egress interface and its peer) is trusted, and fails with ENETUNREACH
 * otherwise.  A socket that sent trusted data is pinned: from then on the
 * egress hook drops its packets on an untrusted interface (a later re-route
 * of queued bytes).  So is the one subflow of an MPTCP connection that fell
 * back to TCP (trusted_send.c).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/hashtable.h>
#include <linux/ptrace.h>
#include <linux/slab.h>
#include <net/sock.h>
#include <net/tcp.h>
#include <uapi/linux/mpwifi.h>

#include "trusted.h"

#if MPW_LAYOUT_OK

struct mpw_pin {
	struct hlist_node node;
	struct sock *sk;	/* never dereferenced once unhashed */
	struct mpw_user *user;
	unsigned int reset_pass;	/* unloading: the last pass that looked at it */
	struct rcu_head rcu;
};

static DEFINE_HASHTABLE(mpw_pins, 8);
/* raw: taken by the destruct probe and the egress hook, in any context */
static DEFINE_RAW_SPINLOCK(mpw_pins_lock);

static struct mpw_pin *mpw_pin_lookup(const struct sock *sk)
{
	struct mpw_pin *pin;

	hash_for_each_possible_rcu(mpw_pins, pin, node, (unsigned long)sk)
		if (pin->sk == sk)
			return pin;
	return NULL;
}

/* Process context: @sk's packets may leave only through trusted paths from now on. */
int mpw_tcp_pin(struct sock *sk)
{
	struct mpw_pin *pin, *fresh;
	struct mpw_user *user;
	unsigned long flags;
	bool found;

	rcu_read_lock();
	found = mpw_pin_lookup(sk);
	rcu_read_unlock();
	if (found)
		return 0;
	user = mpw_user_charge_conn();
	if (!user)
		return -ENOBUFS;
	fresh = kzalloc(sizeof(*fresh), GFP_KERNEL_ACCOUNT);
	if (!fresh) {
		mpw_user_uncharge(user, 1, 0);
		return -ENOBUFS;
	}
	fresh->sk = sk;
	fresh->user = user;
	raw_spin_lock_irqsave(&mpw_pins_lock, flags);
	pin = mpw_pin_lookup(sk);
	if (!pin) {
		hash_add_rcu(mpw_pins, &fresh->node, (unsigned long)sk);
		atomic_inc(&mpw_msk_count);
		fresh = NULL;
	}
	raw_spin_unlock_irqrestore(&mpw_pins_lock, flags);
	if (fresh) {
		mpw_user_uncharge(user, 1, 0);
		kfree(fresh);
	}
	return 0;
}

static void mpw_pin_free(struct mpw_pin *pin)
{
	mpw_user_uncharge(pin->user, 1, 0);
	atomic_dec(&mpw_msk_count);
	kfree_rcu(pin, rcu);
}

/* inet_sock_destruct of a TCP socket (any context). */
void mpw_tcp_forget(struct sock *sk)
{
	struct mpw_pin *pin;
	unsigned long flags;
	bool pinned;

	/* every inet socket's destruction comes here: no lock for the others */
	rcu_read_lock();
	pinned = mpw_pin_lookup(sk);
	rcu_read_unlock();
	if (!pinned)
		return;
	raw_spin_lock_irqsave(&mpw_pins_lock, flags);
	pin = mpw_pin_lookup(sk);
	if (pin)
		hash_del_rcu(&pin->node);
	raw_spin_unlock_irqrestore(&mpw_pins_lock, flags);
	if (pin)
		mpw_pin_free(pin);
}

/* The egress hook (under RCU): a pinned socket's packet on an untrusted path. */
bool mpw_tcp_pinned_drop(struct net *net, struct sock *sk, int ifindex)
{
	struct in6_addr peer;

	if (!mpw_pin_lookup(sk))
		return false;
	mpw_sk_peer(sk, &peer);
	if (mpw_path_trusted(net, ifindex, &peer))
		return false;
	mpw_trusted_count(net, MPW_TS_EGRESS_DROPS);
	return true;
}

/*
 * Unloading, before the hooks go, pass PASS (from 1): resets pinned sockets,
 * whose later trusted sends nothing would check and whose route nothing
 * would hold, unless closed (reset before), or orphans whose data is all
 * acknowledged; how many (as mpw_msk_reset_all()).
 */
unsigned int mpw_tcp_reset_all(unsigned int pass)
{
	unsigned int n = 0;
	struct mpw_pin *pin;
	unsigned long flags;
	struct sock *sk;
	int bkt;

	for (;;) {
		sk = NULL;
		raw_spin_lock_irqsave(&mpw_pins_lock, flags);
		hash_for_each(mpw_pins, bkt, pin, node) {
			if (pin->reset_pass == pass)
				continue;
			pin->reset_pass = pass;
			if (refcount_inc_not_zero(&pin->sk->sk_refcnt)) {
				sk = pin->sk;
				break;
			}
		}
		raw_spin_unlock_irqrestore(&mpw_pins_lock, flags);
		if (!sk)
			break;
		if (READ_ONCE(sk->sk_state) != TCP_CLOSE &&
		    (!sock_flag(sk, SOCK_DEAD) ||
		     READ_ONCE(tcp_sk(sk)->write_seq) != READ_ONCE(tcp_sk(sk)->snd_una))) {
			mpw_sk_reset(sk);
			n++;
		}
		sock_put(sk);
	}
	return n;
}

/* Once no hook runs any more. */
void mpw_tcp_exit(void)
{
	struct hlist_node *tmp;
	struct mpw_pin *pin;
	int bkt;

	hash_for_each_safe(mpw_pins, bkt, tmp, pin, node) {
		hash_del_rcu(&pin->node);
		mpw_pin_free(pin);
	}
}

#else

int mpw_tcp_pin(struct sock *sk)
{
	return -EOPNOTSUPP;
}

void mpw_tcp_forget(struct sock *sk)
{
}

bool mpw_tcp_pinned_drop(struct net *net, struct sock *sk, int ifindex)
{
	return false;
}

unsigned int mpw_tcp_reset_all(unsigned int pass)
{
	return 0;
}

void mpw_tcp_exit(void)
{
}

#endif /* MPW_LAYOUT_OK */

/* tcp_sendmsg's place for a trusted send (see mpw_send_divert()). */
static int mpw_tcp_sendmsg_trusted(struct sock *sk, struct msghdr *msg, size_t size)
{
	struct net *net = sock_net(sk);
	int ret;

	mpw_trusted_count(net, MPW_TS_TRUSTED_SENDS);
	ret = mpw_send_check_connected(sk, msg);
	if (!ret && !mpw_ssk_trusted(net, sk))
		ret = -ENETUNREACH;
	if (!ret)
		ret = mpw_tcp_pin(sk);
	if (ret) {
		mpw_send_leave();
		return mpw_send_refuse(net, ret);
	}
	msg->msg_flags &= ~MPTCP_TRUSTED;
	ret = tcp_sendmsg(sk, msg, size);
	msg->msg_flags |= MPTCP_TRUSTED;
	mpw_send_leave();
	return ret;
}

/* tcp_sendmsg(sk, msg, size): the socket layer's entry of every TCP send. */
int mpw_tcp_sendmsg_pre(struct kprobe *p, struct pt_regs *regs)
{
	struct sock *sk = (struct sock *)regs_get_kernel_argument(regs, 0);
	struct msghdr *msg = (struct msghdr *)regs_get_kernel_argument(regs, 1);

	if (likely(!(READ_ONCE(msg->msg_flags) & MPTCP_TRUSTED)))
		return 0;
	return mpw_send_divert(regs, sk, mpw_tcp_sendmsg_trusted);
}
