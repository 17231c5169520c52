// SPDX-License-Identifier: GPL-2.0
/*
 * Egress: at POSTROUTING, a segment whose DSS mapping covers a trusted byte
 * never leaves through an untrusted interface, whatever routing did to its
 * subflow since it was scheduled (TCP retransmits re-route).
 */
#include <linux/netfilter.h>
#include <linux/netfilter_ipv4.h>
#include <linux/netfilter_ipv6.h>
#include <linux/skbuff.h>
#include <net/mptcp.h>
#include <net/sock.h>

#include "trusted.h"

#if MPW_LAYOUT_OK

static unsigned int mpw_egress_hook(void *priv, struct sk_buff *skb,
				    const struct nf_hook_state *state)
{
	const struct mptcp_ext *mpext;
	struct sock *sk = skb->sk, *msk;
	struct mpw_msk *st;
	struct in6_addr peer;
	void *ctx;

	if (!mpw_trusted_in_use() || !sk || !sk_fullsock(sk) || sk->sk_protocol != IPPROTO_TCP)
		return NF_ACCEPT;
	/* a TCP socket that sent trusted data (trusted_tcp.c) */
	if (mpw_tcp_pinned_drop(state->net, sk, state->out->ifindex))
		return NF_DROP;
	if (!sk_is_mptcp(sk))
		return NF_ACCEPT;
	mpext = skb_ext_find(skb, SKB_EXT_MPTCP);
	if (!mpext || !mpext->use_map || !mpext->data_len)
		return NF_ACCEPT;
	mpw_sk_peer(sk, &peer);
	if (mpw_path_trusted(state->net, state->out->ifindex, &peer))
		return NF_ACCEPT;
	ctx = mpw_subflow_ctx(sk);
	msk = ctx ? mpw_subflow_conn(ctx) : NULL;
	/*
	 * Hooks run under RCU.  A subflow, closed or not, holds its MPTCP
	 * socket until its TCP socket is destroyed, so the state is there for
	 * as long as the subflow sends data (see struct mpw_msk).
	 */
	st = msk ? mpw_msk_lookup(msk) : NULL;
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

static int __net_init mpw_egress_net_init(struct net *net)
{
	return nf_register_net_hooks(net, mpw_egress_ops, ARRAY_SIZE(mpw_egress_ops));
}

static void __net_exit mpw_egress_net_exit(struct net *net)
{
	nf_unregister_net_hooks(net, mpw_egress_ops, ARRAY_SIZE(mpw_egress_ops));
}

static struct pernet_operations mpw_egress_net_ops = {
	.init = mpw_egress_net_init,
	.exit = mpw_egress_net_exit,
};

int mpw_egress_init(void)
{
	return register_pernet_subsys(&mpw_egress_net_ops);
}

void mpw_egress_exit(void)
{
	unregister_pernet_subsys(&mpw_egress_net_ops);
}

#endif /* MPW_LAYOUT_OK */
