// SPDX-License-Identifier: GPL-2.0
/*
 * First subflow: kprobes on tcp_v4_connect and tcp_v6_connect bind the
 * MP_CAPABLE subflow to a trusted interface with a route to the destination,
 * or refuse the connect (strict policy) when there is none.
 */
#include <linux/in6.h>
#include <linux/netdevice.h>
#include <linux/ptrace.h>
#include <net/ip_fib.h>
#include <net/ip6_route.h>
#include <net/mptcp.h>
#include <net/sock.h>
#include <uapi/linux/mpwifi.h>

#include "trusted.h"

#if MPW_LAYOUT_OK

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
int mpw_connect_pre(struct kprobe *p, struct pt_regs *regs)
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
	if (!ctx || !mpw_subflow_request_mptcp(ctx) || mpw_subflow_request_join(ctx))
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

#endif /* MPW_LAYOUT_OK */
