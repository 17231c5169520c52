// SPDX-License-Identifier: GPL-2.0
/*
 * ECN steering (TRILOGY2 D3.2 section 2.2.2.1.2).  CE goes on a bounded share
 * of the ECT packets of MPTCP subflows that arrive through an AP whose packet
 * time is poor next to the best AP's, so that subflow's congestion control
 * gives up airtime to the efficient APs.  Which APs and how often: the laws
 * in include/mpwifi/ecn.h.
 *
 * A netfilter hook at PRE_ROUTING, ahead of every other hook, sees packets
 * before L3 processing (before conntrack, routing and TCP), in softirq
 * context under RCU.  It is registered in every namespace and costs a
 * pointer test on non-wireless interfaces.  Since TCP demux has not run yet,
 * the subflow is found by an established-socket lookup; plain TCP flows are
 * never marked (they have no other path), nor Not-ECT packets.
 */
#include <linux/hash.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/netfilter.h>
#include <linux/netfilter_ipv4.h>
#include <linux/netfilter_ipv6.h>
#include <linux/tcp.h>
#include <net/inet6_hashtables.h>
#include <net/inet_ecn.h>
#include <net/inet_hashtables.h>
#include <net/ipv6.h>
#include <net/mptcp.h>
#include <uapi/linux/mpwifi.h>

#include "mpwifi.h"

/* The decision is re-evaluated this often under traffic: a few times per window bucket. */
#define MPW_ECN_EVAL_NS		(10 * NSEC_PER_MSEC)

/* the shared math names the laws by the wire's values */
static_assert((int)MPW_ECN_LAW_SEED == (int)MPWIFI_ECN_LAW_SEED);
static_assert((int)MPW_ECN_LAW_UNCOUPLED == (int)MPWIFI_ECN_LAW_UNCOUPLED);

void mpw_ecn_net_defaults(struct mpw_net *mn, bool enabled)
{
	struct mpw_net_ecn *e = &mn->ecn;

	e->enabled = enabled;
	e->law = MPWIFI_ECN_LAW_UNCOUPLED;
	e->threshold_ppm = MPW_ECN_THRESHOLD_PPM_DEFAULT;
	e->cap_ppm = MPW_ECN_CAP_PPM_DEFAULT;
	e->budget_ppm = MPW_ECN_BUDGET_PPM_DEFAULT;
	e->min_frames = MPW_ECN_MIN_FRAMES_DEFAULT;
	e->stale_ms = div_u64(MPW_ECN_STALE_NS_DEFAULT, NSEC_PER_MSEC);
	spin_lock_init(&e->lock);
}

/* Publish @sta's decision; the flag of the AP it is marked for shows in dumps. */
static void mpw_ecn_publish(struct mpw_station *sta, bool mark)
{
	struct mpw_ap *ap;

	/* an emptied window keeps the last estimate for the law (see mpw_ecn_decide) */
	if (sta->ecn.view.packet_time_ns || !mark)
		WRITE_ONCE(sta->ecn.packet_time_ns, sta->ecn.view.packet_time_ns);
	WRITE_ONCE(sta->ecn.mark, mark);
	list_for_each_entry_rcu(ap, &sta->aps, node)
		WRITE_ONCE(ap->ecn_marking, mark && ap->id == sta->ecn.view_ap_id);
}

/* Forget every decision of @net: nothing is marked until a verdict holds anew.  Under e->lock. */
static void mpw_ecn_reset(struct net *net, struct mpw_net_ecn *e)
{
	struct mpw_station *sta;

	list_for_each_entry_rcu(sta, &mpw_stations, node) {
		if (!net_eq(dev_net(sta->dev), net))
			continue;
		memset(&sta->ecn.view, 0, sizeof(sta->ecn.view));
		mpw_ecn_publish(sta, false);
	}
	memset(&e->bar, 0, sizeof(e->bar));
	WRITE_ONCE(e->best_ns, 0);
}

/*
 * Which stations of @net to mark: those whose connected AP's fresh packet
 * time is threshold over the best fresh one; and the bar for their law.  RCU
 * read side; BH off.
 */
static void mpw_ecn_evaluate(struct net *net, struct mpw_net_ecn *e, u64 now_ns)
{
	const struct mpw_ecn_policy pol = {
		.threshold_ppm = READ_ONCE(e->threshold_ppm),
		.min_frames = READ_ONCE(e->min_frames),
		.stale_ns = (u64)READ_ONCE(e->stale_ms) * NSEC_PER_MSEC,
		.hold_ns = MPW_ECN_HOLD_NS_DEFAULT,
	};
	struct mpw_station *sta;
	struct mpw_ap *ap;
	u32 best = 0;

	if (!spin_trylock(&e->lock))
		return;		/* another CPU is evaluating; its decision will do */
	if (now_ns < e->next_eval_ns)
		goto out;
	e->next_eval_ns = now_ns + MPW_ECN_EVAL_NS;

	list_for_each_entry_rcu(sta, &mpw_stations, node) {
		struct mpw_ecn_ap *view = &sta->ecn.view;

		if (!net_eq(dev_net(sta->dev), net))
			continue;
		ap = mpw_station_connected_ap(sta);
		/* by id: a freed AP's memory may come back as another AP's entry */
		if ((ap ? ap->id : 0) != sta->ecn.view_ap_id) {
			memset(view, 0, sizeof(*view));	/* another AP (or none): no verdict carries over */
			sta->ecn.view_ap_id = ap ? ap->id : 0;
		}
		if (ap)
			mpw_ap_ecn_view(ap, now_ns, view);
		best = mpw_ecn_best_update(best, view, now_ns, &pol);
	}
	list_for_each_entry_rcu(sta, &mpw_stations, node) {
		if (net_eq(dev_net(sta->dev), net))
			mpw_ecn_publish(sta, mpw_ecn_decide(&sta->ecn.view, best, now_ns, &pol));
	}
	WRITE_ONCE(e->best_ns, mpw_ecn_bar_update(&e->bar, best, now_ns, pol.hold_ns));
out:
	spin_unlock(&e->lock);
}

/* Bring @net's decision up to date for a reader: without MPTCP traffic nothing else does. */
void mpw_ecn_refresh(struct net *net)
{
	struct mpw_net_ecn *e = &mpw_pernet(net)->ecn;
	const u64 now_ns = mpw_stats_clock_ns();

	if (!READ_ONCE(e->enabled) || now_ns < READ_ONCE(e->next_eval_ns))
		return;
	rcu_read_lock();
	local_bh_disable();	/* the locks it takes are also taken in softirq context */
	mpw_ecn_evaluate(net, e, now_ns);
	local_bh_enable();
	rcu_read_unlock();
}

/* Settings of @net changed: decide afresh. */
void mpw_ecn_changed(struct net *net)
{
	struct mpw_net_ecn *e = &mpw_pernet(net)->ecn;

	rcu_read_lock();
	spin_lock_bh(&e->lock);
	e->next_eval_ns = 0;
	mpw_ecn_reset(net, e);
	spin_unlock_bh(&e->lock);
	rcu_read_unlock();
}

/* What the hook needs of a packet's headers. */
struct mpw_ecn_pkt {
	u8 ecn;			/* INET_ECN_* on arrival */
	bool v6;
	int tcp_off;		/* transport header, from skb->data */
};

/* A TCP packet with an ECN-capable codepoint, not a fragment? */
static bool mpw_ecn_parse(const struct sk_buff *skb, u8 pf, struct mpw_ecn_pkt *pkt)
{
	/* PRE_ROUTING: the IP header is validated and linear, skb->data points at it */
	if (pf == NFPROTO_IPV4) {
		const struct iphdr *iph = ip_hdr(skb);

		pkt->ecn = iph->tos & INET_ECN_MASK;
		if (pkt->ecn == INET_ECN_NOT_ECT || iph->protocol != IPPROTO_TCP || ip_is_fragment(iph))
			return false;
		pkt->v6 = false;
		pkt->tcp_off = skb_network_offset(skb) + ip_hdrlen(skb);
	} else {
		const struct ipv6hdr *ip6h = ipv6_hdr(skb);
		u8 nexthdr = ip6h->nexthdr;
		__be16 frag_off;

		pkt->ecn = ipv6_get_dsfield(ip6h) & INET_ECN_MASK;
		if (pkt->ecn == INET_ECN_NOT_ECT)
			return false;
		pkt->tcp_off = ipv6_skip_exthdr(skb, skb_network_offset(skb) + sizeof(*ip6h),
						&nexthdr, &frag_off);
		if (pkt->tcp_off < 0 || nexthdr != IPPROTO_TCP || frag_off)
			return false;
		pkt->v6 = true;
	}
	return true;
}

/* The established socket @skb is for, referenced, or NULL. */
static struct sock *mpw_ecn_lookup(struct net *net, const struct sk_buff *skb,
				   const struct mpw_ecn_pkt *pkt, int ifindex)
{
	struct inet_hashinfo *hinfo = net->ipv4.tcp_death_row.hashinfo;
	__be16 _ports[2];
	const __be16 *ports;

	ports = skb_header_pointer(skb, pkt->tcp_off, sizeof(_ports), _ports);
	if (!ports)
		return NULL;
	if (pkt->v6)
		return __inet6_lookup_established(net, hinfo, &ipv6_hdr(skb)->saddr, ports[0],
						  &ipv6_hdr(skb)->daddr, ntohs(ports[1]), ifindex, 0);
	return __inet_lookup_established(net, hinfo, ip_hdr(skb)->saddr, ports[0],
					 ip_hdr(skb)->daddr, ntohs(ports[1]), ifindex, 0);
}

/*
 * The subflow's round-trip time as this end sees it: the receive-side
 * estimate (from timestamp echoes, or one window's worth of data), because a
 * receiving client's smoothed RTT holds little more than the handshake.
 */
static u32 mpw_subflow_rtt_us(const struct sock *sk)
{
	const struct tcp_sock *tp = tcp_sk(sk);
	u32 rtt_us = READ_ONCE(tp->rcv_rtt_est.rtt_us) >> 3;

	return rtt_us ?: READ_ONCE(tp->srtt_us) >> 3;
}

static bool mpw_ecn_credit_due(struct mpw_station *sta, const struct sock *sk, u32 delta_ppm, u32 segs)
{
	struct mpw_ecn_credit *credit = &sta->ecn.credit[hash_ptr(sk, MPW_ECN_CREDIT_BITS)];
	bool due;

	spin_lock(&sta->ecn.credit_lock);
	due = mpw_ecn_credit_take(credit, delta_ppm, segs);
	spin_unlock(&sta->ecn.credit_lock);
	return due;
}

static bool mpw_ecn_set_ce(struct sk_buff *skb, const struct mpw_ecn_pkt *pkt)
{
	unsigned int len = skb_network_offset(skb) +
			   (pkt->v6 ? sizeof(struct ipv6hdr) : sizeof(struct iphdr));

	if (skb_ensure_writable(skb, len))
		return false;
	/* both keep the checksums right: the IPv4 header's, and a CHECKSUM_COMPLETE sum */
	return pkt->v6 ? IP6_ECN_set_ce(skb, ipv6_hdr(skb)) : IP_ECN_set_ce(ip_hdr(skb));
}

/* An ECT packet of an MPTCP subflow arrived through @sta: count it, mark it if due. */
static void mpw_ecn_steer(struct net *net, struct mpw_net_ecn *e, struct mpw_station *sta,
			  const struct sock *sk, struct sk_buff *skb, const struct mpw_ecn_pkt *pkt)
{
	const u32 segs = skb_is_gso(skb) ? skb_shinfo(skb)->gso_segs : 1;
	const u64 now_ns = mpw_stats_clock_ns();
	u32 delta_ppm = 0, marked = 0;
	struct mpw_ap *ap;

	ap = mpw_station_connected_ap(sta);
	if (!ap)
		return;
	if (now_ns >= READ_ONCE(e->next_eval_ns))
		mpw_ecn_evaluate(net, e, now_ns);
	if (pkt->ecn != INET_ECN_CE && READ_ONCE(sta->ecn.mark)) {
		delta_ppm = mpw_ecn_delta_ppm(READ_ONCE(e->law), READ_ONCE(sta->ecn.packet_time_ns),
					      READ_ONCE(e->best_ns), mpw_subflow_rtt_us(sk),
					      READ_ONCE(e->budget_ppm), READ_ONCE(e->cap_ppm));
		if (delta_ppm && mpw_ecn_credit_due(sta, sk, delta_ppm, segs) && mpw_ecn_set_ce(skb, pkt))
			marked = segs;
	}

	spin_lock(&ap->lock);
	ap->ecn_ect += segs;
	ap->ecn_marked += marked;
	if (pkt->ecn == INET_ECN_CE)
		ap->ecn_ce_seen += segs;
	if (delta_ppm)
		ap->ecn_delta_ppm = delta_ppm;
	mpw_rx_account_ecn(&ap->stats, now_ns, segs, marked);
	spin_unlock(&ap->lock);
}

static unsigned int mpw_ecn_hook(void *priv, struct sk_buff *skb, const struct nf_hook_state *state)
{
	const struct net_device *dev = state->in;
	struct mpw_net_ecn *e;
	struct mpw_station *sta;
	struct mpw_ecn_pkt pkt;
	struct sock *sk;

	if (!dev || !dev->ieee80211_ptr)
		return NF_ACCEPT;
	e = &mpw_pernet(state->net)->ecn;
	if (!READ_ONCE(e->enabled) || !mpw_ecn_parse(skb, state->pf, &pkt))
		return NF_ACCEPT;
	sta = mpw_station_by_dev(dev);
	if (!sta)
		return NF_ACCEPT;
	sk = mpw_ecn_lookup(state->net, skb, &pkt, dev->ifindex);
	if (!sk)
		return NF_ACCEPT;
	if (sk_fullsock(sk) && sk_is_mptcp(sk))
		mpw_ecn_steer(state->net, e, sta, sk, skb, &pkt);
	sock_gen_put(sk);
	return NF_ACCEPT;
}

static const struct nf_hook_ops mpw_ecn_hook_ops[] = {
	{
		.hook = mpw_ecn_hook,
		.pf = NFPROTO_IPV4,
		.hooknum = NF_INET_PRE_ROUTING,
		.priority = NF_IP_PRI_FIRST,
	},
	{
		.hook = mpw_ecn_hook,
		.pf = NFPROTO_IPV6,
		.hooknum = NF_INET_PRE_ROUTING,
		.priority = NF_IP6_PRI_FIRST,
	},
};

static int __net_init mpw_ecn_net_init(struct net *net)
{
	return nf_register_net_hooks(net, mpw_ecn_hook_ops, ARRAY_SIZE(mpw_ecn_hook_ops));
}

static void __net_exit mpw_ecn_net_exit(struct net *net)
{
	nf_unregister_net_hooks(net, mpw_ecn_hook_ops, ARRAY_SIZE(mpw_ecn_hook_ops));
}

static struct pernet_operations mpw_ecn_net_ops = {
	.init = mpw_ecn_net_init,
	.exit = mpw_ecn_net_exit,
};

int mpw_ecn_init(void)
{
	return register_pernet_subsys(&mpw_ecn_net_ops);
}

void mpw_ecn_exit(void)
{
	/* unregistering the hooks waits for the packets inside them */
	unregister_pernet_subsys(&mpw_ecn_net_ops);
}
