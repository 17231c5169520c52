// SPDX-License-Identifier: GPL-2.0
/*
 * mpwifi: make Multipath TCP use several WiFi access points well.
 *
 * This module measures, for every AP a station interface receives from, the
 * AP's packet time (TRILOGY2 D3.2 section 2.2.2.1.1), and reports it over
 * the "mpwifi" generic netlink family.  It steers MPTCP traffic away from
 * APs that waste airtime by marking ECN on their subflows.  It needs no
 * kernel patch: it observes mac80211 rx through a kprobe on an exported
 * function and marks at a netfilter hook.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <net/genetlink.h>
#include <net/netns/generic.h>
#include <uapi/linux/mpwifi.h>

#include "mpwifi.h"

static unsigned int window_ms = 500;
module_param(window_ms, uint, 0444);
MODULE_PARM_DESC(window_ms, "sliding window of the estimator in new namespaces (ms, 50..10000)");

unsigned int mpw_max_aps = 8;
module_param_named(max_aps, mpw_max_aps, uint, 0444);
MODULE_PARM_DESC(max_aps, "APs tracked per interface; the least recently heard is evicted (1..64)");

static bool ecn = true;
module_param(ecn, bool, 0444);
MODULE_PARM_DESC(ecn, "ECN steering enabled in new namespaces");

static unsigned int mpw_net_id __read_mostly;

struct mpw_net *mpw_pernet(const struct net *net)
{
	return net_generic(net, mpw_net_id);
}

static int __net_init mpw_net_init(struct net *net)
{
	mpw_pernet(net)->window_ms = window_ms;
	mpw_ecn_net_defaults(mpw_pernet(net), ecn);
	mpw_trust_net_init(mpw_pernet(net));
	return 0;
}

static void __net_exit mpw_net_exit(struct net *net)
{
	mpw_trust_net_exit(mpw_pernet(net));
}

static struct pernet_operations mpw_net_ops = {
	.init = mpw_net_init,
	.exit = mpw_net_exit,
	.id = &mpw_net_id,
	.size = sizeof(struct mpw_net),
};

static int __init mpw_init(void)
{
	int err;

	if (window_ms < MPWIFI_WINDOW_MS_MIN || window_ms > MPWIFI_WINDOW_MS_MAX ||
	    mpw_max_aps < 1 || mpw_max_aps > 64) {
		pr_err("window_ms must be %u..%u and max_aps 1..64\n",
		       MPWIFI_WINDOW_MS_MIN, MPWIFI_WINDOW_MS_MAX);
		return -EINVAL;
	}
	err = register_pernet_subsys(&mpw_net_ops);
	if (err)
		return err;
	/* the family first: the table sends events from its first station on */
	err = mpw_genl_init();
	if (err)
		goto err_pernet;
	err = mpw_aptable_init();
	if (err)
		goto err_genl;
	err = mpw_rx_observer_init();
	if (err)
		goto err_aptable;
	err = mpw_ecn_init();
	if (err)
		goto err_rx_observer;
	err = mpw_trust_init();
	if (err)
		goto err_ecn;
	/* never fails: without its hooks the scheduler reports itself unavailable */
	err = mpw_trusted_init();
	if (err)
		goto err_trust;
	return 0;

err_trust:
	mpw_trust_exit();
err_ecn:
	mpw_ecn_exit();
err_rx_observer:
	mpw_rx_observer_exit();
err_aptable:
	mpw_aptable_exit();
err_genl:
	mpw_genl_exit();
err_pernet:
	unregister_pernet_subsys(&mpw_net_ops);
	return err;
}

static void __exit mpw_exit(void)
{
	/* stop the producers first: no packet or frame is accounted after this */
	mpw_trusted_exit();
	mpw_trust_exit();
	mpw_ecn_exit();
	mpw_rx_observer_exit();
	mpw_aptable_exit();	/* sends the last AP_DEL events */
	mpw_genl_exit();
	unregister_pernet_subsys(&mpw_net_ops);
}

module_init(mpw_init);
module_exit(mpw_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Per-AP WiFi packet time, ECN steering and trusted subflows for Multipath TCP");
MODULE_ALIAS_GENL_FAMILY(MPWIFI_GENL_NAME);
