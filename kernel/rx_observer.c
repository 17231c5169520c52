// SPDX-License-Identifier: GPL-2.0
/*
 * The rx observer: kprobes at two points of mac80211's receive path see the
 * data frames every radio receives and keep those addressed to one of our
 * station interfaces by the AP that station is associated with.  Which frame
 * counts where is include/mpwifi/rxfilter.h: only what mac80211 (or the
 * driver, for it) accepted, so frames a stranger forges or replays with the
 * AP's address change nothing on a protected link.
 *   - rx entry (ieee80211_rx_list): frames the driver already de-duplicated
 *     and decrypted and replay-checked, which mac80211's fast path takes
 *     past the second point; and it tells which radios are mac80211's;
 *   - accept (cfg80211's ieee80211_data_to_8023_exthdr): everything else,
 *     after mac80211's duplicate, decryption and replay checks.
 * The rx entry also counts every frame the radio hears, whoever it is for
 * (mac80211 drops those for other receivers only later), as the channel's
 * busy time (mpw_radio_heard).  This radio's own transmissions are not
 * seen there and not counted.
 *
 * mac80211 may load after us and unload before us: a module notifier
 * attaches the probes when mac80211 becomes live and detaches them when it
 * goes (cfg80211, under it, cannot go first).
 *
 * Each probe sits on the first instruction after its function's ftrace call
 * site, not on the site itself: a kprobe there runs through the ftrace
 * trampoline, and arming and disarming that while other CPUs receive frames
 * made 6.1 return from the trampoline to address 0 (2 of 2 stress runs of 60
 * module reloads under traffic; 0 of 4 with the probe one instruction on).
 * The argument registers are untouched by then.  So the handlers run from
 * the int3 trap, where in_nmi() is true, until kprobes optimises the probe
 * into a jump (CONFIG_OPTPROBES, both kernels; a few jiffies after
 * registration), and for ever where it cannot or optimisation is off: they
 * take no lock there but by trylock (mpw_account).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/etherdevice.h>
#include <linux/kprobes.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/ktime.h>
#include <net/cfg80211.h>
#include <net/mac80211.h>

#include "mpwifi.h"

#define MPW_MAC80211_MODULE	"mac80211"

static DEFINE_MUTEX(mpw_probe_lock);	/* guards mpw_probe_attached */
static bool mpw_probe_attached;

/* Count @f, received by @sta from @bssid, if @at is where it is judged and it is real. */
static void mpw_rx_judged(struct mpw_station *sta, enum mpw_rx_point at, const struct mpw_rx_facts *facts,
			  const struct sk_buff *skb, const u8 *bssid, struct mpw_frame *f)
{
	switch (mpw_rx_judge(at, facts, READ_ONCE(sta->link_protected))) {
	case MPW_RX_SKIP:
		return;
	case MPW_RX_COUNT_AUTHENTIC:
		if (!READ_ONCE(sta->link_protected))
			WRITE_ONCE(sta->link_protected, true);
		break;
	case MPW_RX_COUNT:
		break;
	}
	f->now_ns = mpw_stats_clock_ns();
	mpw_compat_rx_rate(sta->dev->ieee80211_ptr->wiphy, skb, f);
	mpw_account(sta, bssid, f);
}

/* ieee80211_rx_list(hw, pubsta, skb, list), called with BH disabled. */
static int mpw_rx_entry(struct kprobe *p, struct pt_regs *regs)
{
	struct ieee80211_hw *hw = (struct ieee80211_hw *)regs_get_kernel_argument(regs, 0);
	struct sk_buff *skb = (struct sk_buff *)regs_get_kernel_argument(regs, 2);
	struct mpw_station *sta;
	u8 addr1[ETH_ALEN], addr2[ETH_ALEN];
	struct mpw_rx_facts facts;
	struct mpw_frame f;

	rcu_read_lock();
	mpw_radio_heard(hw, skb);
	if (!mpw_compat_parse_rx(skb, true, &f, &facts, addr1, addr2)) {
		rcu_read_unlock();
		return 0;
	}
	sta = mpw_station_find(hw, addr1);
	if (sta && mpw_compat_from_connected_ap(sta->dev, addr2)) {
		if (!READ_ONCE(sta->mac80211))
			WRITE_ONCE(sta->mac80211, true);
		mpw_rx_judged(sta, MPW_RX_AT_ENTRY, &facts, skb, addr2, &f);
	}
	rcu_read_unlock();
	return 0;
}

/*
 * ieee80211_data_to_8023_exthdr(skb, ehdr, addr, iftype, ...): @addr is the
 * receiving interface's address.  Drivers outside mac80211 call it too: only
 * interfaces the entry probe has seen frames for are looked at, as only
 * mac80211's skbs carry an rx status.
 */
static int mpw_rx_accept(struct kprobe *p, struct pt_regs *regs)
{
	struct sk_buff *skb = (struct sk_buff *)regs_get_kernel_argument(regs, 0);
	const u8 *addr = (const u8 *)regs_get_kernel_argument(regs, 2);
	unsigned long iftype = regs_get_kernel_argument(regs, 3);
	struct mpw_station *sta;
	u8 addr1[ETH_ALEN], addr2[ETH_ALEN];
	struct mpw_rx_facts facts;
	struct mpw_frame f;

	if ((iftype != NL80211_IFTYPE_STATION && iftype != NL80211_IFTYPE_P2P_CLIENT) ||
	    !mpw_compat_parse_rx(skb, false, &f, &facts, addr1, addr2) || !ether_addr_equal(addr1, addr))
		return 0;
	rcu_read_lock();
	sta = mpw_station_find_accepting(addr1, addr2);
	if (sta)
		mpw_rx_judged(sta, MPW_RX_AT_ACCEPT, &facts, skb, addr2, &f);
	rcu_read_unlock();
	return 0;
}

static struct kprobe mpw_rx_probe = {
	.symbol_name = mpw_compat_rx_symbol,
	.pre_handler = mpw_rx_entry,
};

static struct kprobe mpw_accept_probe = {
	.symbol_name = mpw_compat_accept_symbol,
	.pre_handler = mpw_rx_accept,
};

/* Register @kp at @offset into the probed function. */
static int mpw_probe_register_at(struct kprobe *kp, unsigned int offset)
{
	/* registration fills in the address: clear it to register again */
	kp->addr = NULL;
	kp->flags = 0;
	kp->offset = offset;
	return register_kprobe(kp);
}

/* Past the ftrace site when there is one at the entry, else on the entry. */
static int mpw_probe_register_one(struct kprobe *kp)
{
	unsigned int past_site = mpw_compat_ftrace_site_len();
	int err;

	if (past_site) {
		err = mpw_probe_register_at(kp, past_site);
		if (!err && mpw_compat_follows_ftrace_site(kp->addr))
			return 0;
		if (!err)
			unregister_kprobe(kp);
		else if (err == -ENOENT)
			return err;
	}
	return mpw_probe_register_at(kp, 0);
}

/* Both or neither: the accept point first, so no frame is judged at entry alone. */
static int mpw_probe_register(void)
{
	int err = mpw_probe_register_one(&mpw_accept_probe);

	if (err)
		return err;
	err = mpw_probe_register_one(&mpw_rx_probe);
	if (err)
		unregister_kprobe(&mpw_accept_probe);
	return err;
}

/* -ENOENT: mac80211 is not loaded (yet); the module notifier tries again. */
static int mpw_probe_attach(void)
{
	int err = 0;

	mutex_lock(&mpw_probe_lock);
	if (!mpw_probe_attached) {
		err = mpw_probe_register();
		if (!err)
			WRITE_ONCE(mpw_probe_attached, true);
		else if (err != -ENOENT)
			pr_warn("cannot probe %s and %s: %d; rx observation is off\n",
				mpw_compat_rx_symbol, mpw_compat_accept_symbol, err);
	}
	mutex_unlock(&mpw_probe_lock);
	return err;
}

static void mpw_probe_detach(void)
{
	mutex_lock(&mpw_probe_lock);
	if (mpw_probe_attached) {
		/* waits for running handlers */
		unregister_kprobe(&mpw_rx_probe);
		unregister_kprobe(&mpw_accept_probe);
		WRITE_ONCE(mpw_probe_attached, false);
	}
	mutex_unlock(&mpw_probe_lock);
}

bool mpw_rx_observer_attached(void)
{
	return READ_ONCE(mpw_probe_attached);
}

static int mpw_module_event(struct notifier_block *nb, unsigned long state, void *data)
{
	struct module *mod = data;

	if (strcmp(mod->name, MPW_MAC80211_MODULE))
		return NOTIFY_DONE;
	if (state == MODULE_STATE_LIVE)
		mpw_probe_attach();
	else if (state == MODULE_STATE_GOING)
		mpw_probe_detach();
	return NOTIFY_DONE;
}

static struct notifier_block mpw_module_notifier = {
	.notifier_call = mpw_module_event,
};

int mpw_rx_observer_init(void)
{
	int err = register_module_notifier(&mpw_module_notifier);

	if (err)
		return err;
	/* mac80211 may already be live: then no notification will come */
	mpw_probe_attach();
	return 0;
}

void mpw_rx_observer_exit(void)
{
	unregister_module_notifier(&mpw_module_notifier);
	mpw_probe_detach();
}
