// SPDX-License-Identifier: GPL-2.0
/*
 * The rx observer: a kprobe at mac80211's rx entry sees every frame every
 * radio receives, before address filtering and duplicate removal.  It keeps
 * unicast data frames addressed to one of our station interfaces by the AP
 * that station is associated with.
 *
 * mac80211 may load after us and unload before us: a module notifier
 * attaches the probe when mac80211 becomes live and detaches it when it goes.
 *
 * The probe sits on the first instruction after the function's ftrace call
 * site, not on the site itself: a kprobe there runs through the ftrace
 * trampoline, and arming and disarming that while other CPUs receive frames
 * made 6.1 return from the trampoline to address 0 (2 of 2 stress runs of 60
 * module reloads under traffic; 0 of 4 with the probe one instruction on).
 * The argument registers are untouched by then.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/etherdevice.h>
#include <linux/kprobes.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/ktime.h>

#include "mpwifi.h"

#define MPW_MAC80211_MODULE	"mac80211"

static DEFINE_MUTEX(mpw_probe_lock);	/* guards mpw_probe_attached */
static bool mpw_probe_attached;

/*
 * ieee80211_rx_list(hw, pubsta, skb, list), called with BH disabled.  The
 * handler runs in that context once kprobes has optimised the probe into a
 * jump; until then (the first jiffies after registration, or always with
 * optimisation off) it runs from the breakpoint trap, which x86 treats as
 * NMI context: there it only adds to APs already tracked (mpw_account).
 */
static int mpw_rx_entry(struct kprobe *p, struct pt_regs *regs)
{
	struct ieee80211_hw *hw = (struct ieee80211_hw *)regs_get_kernel_argument(regs, 0);
	struct sk_buff *skb = (struct sk_buff *)regs_get_kernel_argument(regs, 2);
	struct mpw_station *sta;
	u8 addr1[ETH_ALEN], addr2[ETH_ALEN];
	struct mpw_frame f;

	if (!mpw_compat_parse_rx(skb, &f, addr1, addr2))
		return 0;
	rcu_read_lock();
	sta = mpw_station_find(hw, addr1);
	if (sta && mpw_compat_from_connected_ap(sta->dev, addr2)) {
		f.now_ns = mpw_stats_clock_ns();
		mpw_compat_rx_rate(hw, skb, &f);
		mpw_account(sta, addr2, &f);
	}
	rcu_read_unlock();
	return 0;
}

static struct kprobe mpw_rx_probe = {
	.symbol_name = mpw_compat_rx_symbol,
	.pre_handler = mpw_rx_entry,
};

/* Register at @offset into the probed function. */
static int mpw_probe_register_at(unsigned int offset)
{
	/* registration fills in the address: clear it to register again */
	mpw_rx_probe.addr = NULL;
	mpw_rx_probe.flags = 0;
	mpw_rx_probe.offset = offset;
	return register_kprobe(&mpw_rx_probe);
}

/* Past the ftrace site when there is one at the entry, else on the entry. */
static int mpw_probe_register(void)
{
	unsigned int past_site = mpw_compat_ftrace_site_len();
	int err;

	if (past_site) {
		err = mpw_probe_register_at(past_site);
		if (!err && mpw_compat_follows_ftrace_site(mpw_rx_probe.addr))
			return 0;
		if (!err)
			unregister_kprobe(&mpw_rx_probe);
		else if (err == -ENOENT)
			return err;
	}
	return mpw_probe_register_at(0);
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
			pr_warn("cannot probe %s: %d; rx observation is off\n",
				mpw_compat_rx_symbol, err);
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
