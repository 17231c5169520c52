// SPDX-License-Identifier: GPL-2.0
/*
 * The "mpwifi" generic netlink family: the only door between the module and
 * userspace, specified in include/uapi/linux/mpwifi.yaml.  The policies and
 * the op table are generated from it (netlink_gen.c); here are the handlers
 * and the family.  Namespace-aware: requests see and change the interfaces of
 * the requester's namespace.
 */
#include <linux/ktime.h>
#include <linux/version.h>
#include <linux/etherdevice.h>
#include <net/genetlink.h>
#include <net/ipv6.h>
#include <linux/rtnetlink.h>
#include <net/sock.h>
#include <uapi/linux/mpwifi.h>

#include "mpwifi.h"
#include "netlink_gen.h"

static struct genl_family mpw_family;

/*
 * The spec's attribute sets serve requests and replies alike, so the
 * generated nested policies accept the attributes only the module fills in:
 * a request carrying one is refused here.  @settable: a bit per attribute a
 * request may carry.
 */
static int mpw_refuse_read_only(struct nlattr **tb, int maxtype, u64 settable,
				struct netlink_ext_ack *extack)
{
	int i;

	for (i = 1; i <= maxtype; i++) {
		if (tb[i] && !(settable & BIT_ULL(i))) {
			NL_SET_ERR_MSG_ATTR(extack, tb[i], "read-only");
			return -EINVAL;
		}
	}
	return 0;
}

static int mpw_put_identity(struct sk_buff *skb, const struct mpw_ap_snapshot *s)
{
	if (nla_put_u32(skb, MPWIFI_AP_ATTR_IFINDEX, s->ifindex) ||
	    nla_put_string(skb, MPWIFI_AP_ATTR_IFNAME, s->ifname) ||
	    nla_put(skb, MPWIFI_AP_ATTR_STA_ADDR, ETH_ALEN, s->sta_addr) ||
	    nla_put(skb, MPWIFI_AP_ATTR_BSSID, ETH_ALEN, s->bssid))
		return -EMSGSIZE;
	return 0;
}

static int mpw_put_figures(struct sk_buff *skb, const struct mpw_ap_snapshot *s)
{
	const struct mpw_window *w = &s->win;
	u32 kbps = mpw_window_rate_kbps(w);

	if (nla_put_u64_64bit(skb, MPWIFI_AP_ATTR_FIRST_TRY, s->first_try, MPWIFI_AP_ATTR_PAD) ||
	    nla_put_u64_64bit(skb, MPWIFI_AP_ATTR_RETRIED, s->retried, MPWIFI_AP_ATTR_PAD) ||
	    nla_put_u64_64bit(skb, MPWIFI_AP_ATTR_LOST, s->lost, MPWIFI_AP_ATTR_PAD) ||
	    nla_put_u64_64bit(skb, MPWIFI_AP_ATTR_WIN_START_NS, w->start_ns, MPWIFI_AP_ATTR_PAD) ||
	    nla_put_u64_64bit(skb, MPWIFI_AP_ATTR_WIN_END_NS, w->end_ns, MPWIFI_AP_ATTR_PAD) ||
	    nla_put_u64_64bit(skb, MPWIFI_AP_ATTR_LAST_RX_NS, s->last_rx_ns, MPWIFI_AP_ATTR_PAD) ||
	    nla_put_u32(skb, MPWIFI_AP_ATTR_WIN_FIRST_TRY, w->first_try) ||
	    nla_put_u32(skb, MPWIFI_AP_ATTR_WIN_RETRIED, w->retried) ||
	    nla_put_u32(skb, MPWIFI_AP_ATTR_WIN_LOST, w->lost) ||
	    nla_put_u32(skb, MPWIFI_AP_ATTR_WIN_RATED, w->rated) ||
	    nla_put_u8(skb, MPWIFI_AP_ATTR_PHY, s->last_rate.phy) ||
	    nla_put_u64_64bit(skb, MPWIFI_AP_ATTR_ECT, s->ect, MPWIFI_AP_ATTR_PAD) ||
	    nla_put_u64_64bit(skb, MPWIFI_AP_ATTR_MARKED, s->marked, MPWIFI_AP_ATTR_PAD) ||
	    nla_put_u64_64bit(skb, MPWIFI_AP_ATTR_CE_SEEN, s->ce_seen, MPWIFI_AP_ATTR_PAD) ||
	    nla_put_u32(skb, MPWIFI_AP_ATTR_WIN_ECT, w->ect) ||
	    nla_put_u32(skb, MPWIFI_AP_ATTR_WIN_MARKED, w->marked) ||
	    nla_put_u8(skb, MPWIFI_AP_ATTR_ECN_MARKING, s->ecn_marking))
		return -EMSGSIZE;
	if (s->ecn_marking && nla_put_u32(skb, MPWIFI_AP_ATTR_ECN_DELTA_PPM, s->ecn_delta_ppm))
		return -EMSGSIZE;
	if ((w->first_try || w->retried || w->lost) &&
	    nla_put_u32(skb, MPWIFI_AP_ATTR_DELIVERY_PPM,
			mpw_delivery_ppm(w->first_try, w->retried, w->lost)))
		return -EMSGSIZE;
	if (kbps && nla_put_u32(skb, MPWIFI_AP_ATTR_BITRATE_KBPS, kbps))
		return -EMSGSIZE;
	if (s->packet_time_ns && nla_put_u32(skb, MPWIFI_AP_ATTR_PACKET_TIME_NS, s->packet_time_ns))
		return -EMSGSIZE;
	if (w->rated && nla_put_u32(skb, MPWIFI_AP_ATTR_AIRTIME_PPM, mpw_window_airtime_ppm(w)))
		return -EMSGSIZE;
	if (s->busy_span_ns &&
	    nla_put_u32(skb, MPWIFI_AP_ATTR_BUSY_PPM, mpw_share_ppm(s->busy_ns, s->busy_span_ns)))
		return -EMSGSIZE;
	return 0;
}

/*
 * Every message of the family: a header and one attribute @type nesting what
 * @fill puts, or nothing at all (-EMSGSIZE) when it does not fit.  @cb: part
 * of a dump whose cb->seq tracks changes (flags the message if one happened).
 */
static int mpw_put_msg(struct sk_buff *skb, u32 portid, u32 seq, int flags, u8 cmd, int type,
		       int (*fill)(struct sk_buff *skb, void *arg), void *arg,
		       struct netlink_callback *cb)
{
	struct nlattr *nest;
	void *hdr;

	hdr = genlmsg_put(skb, portid, seq, &mpw_family, flags, cmd);
	if (!hdr)
		return -EMSGSIZE;
	if (cb)
		genl_dump_check_consistent(cb, hdr);
	nest = nla_nest_start(skb, type);
	if (!nest || fill(skb, arg)) {
		genlmsg_cancel(skb, hdr);
		return -EMSGSIZE;
	}
	nla_nest_end(skb, nest);
	genlmsg_end(skb, hdr);
	return 0;
}

/* One message in the current part of a dump. */
static int mpw_put_dump_msg(struct sk_buff *skb, struct netlink_callback *cb, u8 cmd, int type,
			    int (*fill)(struct sk_buff *skb, void *arg), void *arg)
{
	return mpw_put_msg(skb, NETLINK_CB(cb->skb).portid, cb->nlh->nlmsg_seq, NLM_F_MULTI, cmd,
			   type, fill, arg, cb);
}

static int mpw_fill_ap_identity(struct sk_buff *skb, void *snap)
{
	return mpw_put_identity(skb, snap);
}

static int mpw_fill_ap(struct sk_buff *skb, void *snap)
{
	return mpw_put_identity(skb, snap) ?: mpw_put_figures(skb, snap);
}

/* cb->args[0]: APs already sent in this dump. */
int mpwifi_nl_ap_get_dumpit(struct sk_buff *skb, struct netlink_callback *cb)
{
	const struct genl_dumpit_info *info = genl_dumpit_info(cb);
	struct nlattr *ifattr = mpw_compat_dump_attrs(info)[MPWIFI_ATTR_IFINDEX];
	int ifindex = ifattr ? nla_get_u32(ifattr) : 0;
	struct net *net = sock_net(skb->sk);
	u64 now_ns = mpw_stats_clock_ns();	/* the clock the buckets were filled by */
	struct mpw_ap_snapshot snap;
	struct mpw_station *sta;
	long idx = 0, skip = cb->args[0];
	struct mpw_ap *ap;
	int err = 0;

	if (!skip)
		mpw_ecn_refresh(net);	/* ecn_marking as of now */
	/* resuming by position: a change in between sets NLM_F_DUMP_INTR */
	cb->seq = atomic_read(&mpw_generation);
	rcu_read_lock();
	list_for_each_entry_rcu(sta, &mpw_stations, node) {
		if (!net_eq(dev_net(sta->dev), net) || (ifindex && sta->dev->ifindex != ifindex))
			continue;
		list_for_each_entry_rcu(ap, &sta->aps, node) {
			if (idx++ < skip)
				continue;
			mpw_ap_snapshot_take(ap, now_ns, &snap);
			err = mpw_put_dump_msg(skb, cb, MPWIFI_CMD_AP_GET, MPWIFI_ATTR_AP,
					       mpw_fill_ap, &snap);
			if (err) {
				idx--;
				goto out;
			}
		}
	}
out:
	rcu_read_unlock();
	cb->args[0] = idx;
	/* a full buffer ends this part of the dump; the next call resumes */
	return err && idx == skip ? err : skb->len;
}

/* Reply to @info with one nested attribute @type, filled by @fill from the requester's namespace. */
static int mpw_reply_nested(struct genl_info *info, u8 cmd, int type,
			    int (*fill)(struct sk_buff *msg, void *net))
{
	struct sk_buff *msg;
	int err;

	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	err = mpw_put_msg(msg, info->snd_portid, info->snd_seq, 0, cmd, type, fill,
			  genl_info_net(info), NULL);
	if (err) {
		nlmsg_free(msg);
		return err;
	}
	return genlmsg_reply(msg, info);
}

static int mpw_fill_config(struct sk_buff *msg, void *net)
{
	const struct mpw_net *mn = mpw_pernet(net);

	if (nla_put_u32(msg, MPWIFI_CONFIG_ATTR_WINDOW_MS, READ_ONCE(mn->window_ms)) ||
	    nla_put_u32(msg, MPWIFI_CONFIG_ATTR_MAX_APS, mpw_max_aps) ||
	    nla_put_u32(msg, MPWIFI_CONFIG_ATTR_AP_BYTES, mpw_ap_object_bytes()) ||
	    nla_put_u8(msg, MPWIFI_CONFIG_ATTR_RX_HOOK, mpw_rx_observer_attached()))
		return -EMSGSIZE;
	return 0;
}

int mpwifi_nl_config_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	return mpw_reply_nested(info, MPWIFI_CMD_CONFIG_GET, MPWIFI_ATTR_CONFIG, mpw_fill_config);
}

int mpwifi_nl_config_set_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *tb[MPWIFI_CONFIG_ATTR_MAX + 1];
	int err;

	if (GENL_REQ_ATTR_CHECK(info, MPWIFI_ATTR_CONFIG))
		return -EINVAL;
	err = nla_parse_nested(tb, MPWIFI_CONFIG_ATTR_MAX, info->attrs[MPWIFI_ATTR_CONFIG],
			       mpwifi_config_nl_policy, info->extack);
	if (err)
		return err;
	err = mpw_refuse_read_only(tb, MPWIFI_CONFIG_ATTR_MAX, BIT_ULL(MPWIFI_CONFIG_ATTR_WINDOW_MS),
				   info->extack);
	if (err)
		return err;
	if (!tb[MPWIFI_CONFIG_ATTR_WINDOW_MS]) {
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[MPWIFI_ATTR_CONFIG],
				    "nothing to change");
		return -EINVAL;
	}
	mpw_aptable_set_window(genl_info_net(info), nla_get_u32(tb[MPWIFI_CONFIG_ATTR_WINDOW_MS]));
	return 0;
}

static int mpw_fill_ecn(struct sk_buff *msg, void *net)
{
	const struct mpw_net_ecn *e = &mpw_pernet(net)->ecn;
	u32 best_ns = READ_ONCE(e->best_ns);

	if (nla_put_u8(msg, MPWIFI_ECN_ATTR_ENABLED, READ_ONCE(e->enabled)) ||
	    nla_put_u8(msg, MPWIFI_ECN_ATTR_LAW, READ_ONCE(e->law)) ||
	    nla_put_u32(msg, MPWIFI_ECN_ATTR_THRESHOLD_PPM, READ_ONCE(e->threshold_ppm)) ||
	    nla_put_u32(msg, MPWIFI_ECN_ATTR_CAP_PPM, READ_ONCE(e->cap_ppm)) ||
	    nla_put_u32(msg, MPWIFI_ECN_ATTR_BUDGET_PPM, READ_ONCE(e->budget_ppm)) ||
	    nla_put_u32(msg, MPWIFI_ECN_ATTR_MIN_FRAMES, READ_ONCE(e->min_frames)) ||
	    nla_put_u32(msg, MPWIFI_ECN_ATTR_STALE_MS, READ_ONCE(e->stale_ms)) ||
	    (best_ns && nla_put_u32(msg, MPWIFI_ECN_ATTR_BEST_PACKET_TIME_NS, best_ns)))
		return -EMSGSIZE;
	return 0;
}

int mpwifi_nl_ecn_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	mpw_ecn_refresh(genl_info_net(info));	/* best_packet_time_ns as of now */
	return mpw_reply_nested(info, MPWIFI_CMD_ECN_GET, MPWIFI_ATTR_ECN, mpw_fill_ecn);
}

/* Writers are serialised by genl_mutex; the hook reads each field once per packet. */
int mpwifi_nl_ecn_set_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct net *net = genl_info_net(info);
	struct mpw_net_ecn *e = &mpw_pernet(net)->ecn;
	struct nlattr *tb[MPWIFI_ECN_ATTR_MAX + 1];
	bool changed = false;
	int err, i;

	if (GENL_REQ_ATTR_CHECK(info, MPWIFI_ATTR_ECN))
		return -EINVAL;
	err = nla_parse_nested(tb, MPWIFI_ECN_ATTR_MAX, info->attrs[MPWIFI_ATTR_ECN], mpwifi_ecn_nl_policy,
			       info->extack);
	if (err)
		return err;
	err = mpw_refuse_read_only(tb, MPWIFI_ECN_ATTR_MAX,
				   GENMASK_ULL(MPWIFI_ECN_ATTR_STALE_MS, MPWIFI_ECN_ATTR_ENABLED),
				   info->extack);
	if (err)
		return err;
	for (i = 0; i <= MPWIFI_ECN_ATTR_MAX; i++)
		changed |= !!tb[i];
	if (!changed) {
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[MPWIFI_ATTR_ECN], "nothing to change");
		return -EINVAL;
	}
	if (tb[MPWIFI_ECN_ATTR_LAW])
		WRITE_ONCE(e->law, nla_get_u8(tb[MPWIFI_ECN_ATTR_LAW]));
	if (tb[MPWIFI_ECN_ATTR_THRESHOLD_PPM])
		WRITE_ONCE(e->threshold_ppm, nla_get_u32(tb[MPWIFI_ECN_ATTR_THRESHOLD_PPM]));
	if (tb[MPWIFI_ECN_ATTR_CAP_PPM])
		WRITE_ONCE(e->cap_ppm, nla_get_u32(tb[MPWIFI_ECN_ATTR_CAP_PPM]));
	if (tb[MPWIFI_ECN_ATTR_BUDGET_PPM])
		WRITE_ONCE(e->budget_ppm, nla_get_u32(tb[MPWIFI_ECN_ATTR_BUDGET_PPM]));
	if (tb[MPWIFI_ECN_ATTR_MIN_FRAMES])
		WRITE_ONCE(e->min_frames, nla_get_u32(tb[MPWIFI_ECN_ATTR_MIN_FRAMES]));
	if (tb[MPWIFI_ECN_ATTR_STALE_MS])
		WRITE_ONCE(e->stale_ms, nla_get_u32(tb[MPWIFI_ECN_ATTR_STALE_MS]));
	if (tb[MPWIFI_ECN_ATTR_ENABLED])
		WRITE_ONCE(e->enabled, nla_get_u8(tb[MPWIFI_ECN_ATTR_ENABLED]));
	mpw_ecn_changed(net);
	return 0;
}

int mpwifi_nl_ap_flush_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *ifattr = info->attrs[MPWIFI_ATTR_IFINDEX];
	int ifindex = ifattr ? nla_get_u32(ifattr) : 0;

	if (!mpw_aptable_flush(genl_info_net(info), ifindex) && ifindex) {
		NL_SET_ERR_MSG_ATTR(info->extack, ifattr, "not a wireless interface of this namespace");
		return -ENODEV;
	}
	return 0;
}

/* An interface's trust, as reported. */
struct mpw_trust_report {
	const struct net_device *dev;
	u8 level, source;
};

static int mpw_fill_trust(struct sk_buff *skb, void *arg)
{
	const struct mpw_trust_report *t = arg;

	if (nla_put_u32(skb, MPWIFI_TRUST_ATTR_IFINDEX, t->dev->ifindex) ||
	    nla_put_string(skb, MPWIFI_TRUST_ATTR_IFNAME, t->dev->name) ||
	    nla_put_u8(skb, MPWIFI_TRUST_ATTR_LEVEL, t->level) ||
	    nla_put_u8(skb, MPWIFI_TRUST_ATTR_SOURCE, t->source))
		return -EMSGSIZE;
	return 0;
}

/* cb->args[0]: interfaces already sent.  Every interface, classified or not. */
int mpwifi_nl_trust_get_dumpit(struct sk_buff *skb, struct netlink_callback *cb)
{
	const struct genl_dumpit_info *info = genl_dumpit_info(cb);
	struct nlattr *ifattr = mpw_compat_dump_attrs(info)[MPWIFI_ATTR_IFINDEX];
	int ifindex = ifattr ? nla_get_u32(ifattr) : 0;
	struct net *net = sock_net(skb->sk);
	long idx = 0, skip = cb->args[0];
	struct mpw_trust_report t;
	struct net_device *dev;
	int err = 0;

	/* flags the messages after a change (NLM_F_DUMP_INTR): resuming by position may skip or repeat */
	cb->seq = mpw_trust_dump_seq(net, true);
	rcu_read_lock();
	for_each_netdev_rcu(net, dev) {
		if (ifindex && dev->ifindex != ifindex)
			continue;
		if (idx++ < skip)
			continue;
		t.dev = dev;
		t.level = mpw_trust_iface_setting(net, dev->ifindex, &t.source);
		err = mpw_put_dump_msg(skb, cb, MPWIFI_CMD_TRUST_GET, MPWIFI_ATTR_TRUST,
				       mpw_fill_trust, &t);
		if (err) {
			idx--;
			break;
		}
	}
	rcu_read_unlock();
	cb->args[0] = idx;
	return err && idx == skip ? err : skb->len;
}

void mpw_genl_notify_trust(struct net *net, const struct net_device *dev, u8 level, u8 source)
{
	struct mpw_trust_report t = { .dev = dev, .level = level, .source = source };
	struct sk_buff *msg;

	if (!genl_has_listeners(&mpw_family, net, MPWIFI_NLGRP_EVENTS))
		return;
	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return;
	if (mpw_put_msg(msg, 0, 0, 0, MPWIFI_EVENT_TRUST, MPWIFI_ATTR_TRUST, mpw_fill_trust, &t, NULL)) {
		nlmsg_free(msg);
		return;
	}
	genlmsg_multicast_netns(&mpw_family, net, msg, 0, MPWIFI_NLGRP_EVENTS, GFP_KERNEL);
}

int mpwifi_nl_trust_set_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct net *net = genl_info_net(info);
	struct nlattr *tb[MPWIFI_TRUST_ATTR_MAX + 1];
	struct net_device *dev;
	u8 level = MPWIFI_TRUST_UNTRUSTED, source;
	int err;

	if (GENL_REQ_ATTR_CHECK(info, MPWIFI_ATTR_TRUST))
		return -EINVAL;
	err = nla_parse_nested(tb, MPWIFI_TRUST_ATTR_MAX, info->attrs[MPWIFI_ATTR_TRUST],
			       mpwifi_trust_nl_policy, info->extack);
	if (err)
		return err;
	err = mpw_refuse_read_only(tb, MPWIFI_TRUST_ATTR_MAX,
				   BIT_ULL(MPWIFI_TRUST_ATTR_IFINDEX) | BIT_ULL(MPWIFI_TRUST_ATTR_LEVEL) |
				   BIT_ULL(MPWIFI_TRUST_ATTR_SOURCE), info->extack);
	if (err)
		return err;
	if (!tb[MPWIFI_TRUST_ATTR_IFINDEX] || !tb[MPWIFI_TRUST_ATTR_SOURCE]) {
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[MPWIFI_ATTR_TRUST],
				    "ifindex and source are required");
		return -EINVAL;
	}
	source = nla_get_u8(tb[MPWIFI_TRUST_ATTR_SOURCE]);
	if (source != MPWIFI_TRUST_SOURCE_NONE) {
		if (!tb[MPWIFI_TRUST_ATTR_LEVEL]) {
			NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[MPWIFI_ATTR_TRUST],
					    "a level is required");
			return -EINVAL;
		}
		level = nla_get_u8(tb[MPWIFI_TRUST_ATTR_LEVEL]);
	}
	/* RTNL keeps the interface from leaving between the check and the set */
	rtnl_lock();
	dev = __dev_get_by_index(net, nla_get_u32(tb[MPWIFI_TRUST_ATTR_IFINDEX]));
	if (!dev) {
		rtnl_unlock();
		NL_SET_ERR_MSG_ATTR(info->extack, tb[MPWIFI_TRUST_ATTR_IFINDEX],
				    "no such interface in this namespace");
		return -ENODEV;
	}
	err = mpw_trust_set(net, dev->ifindex, level, source, info->extack);
	if (!err)
		mpw_genl_notify_trust(net, dev, level, source);
	rtnl_unlock();
	if (!err)
		mpw_trusted_paths_changed(net);
	return err;
}

static int mpw_fill_peer(struct sk_buff *skb, void *arg)
{
	const struct mpw_peer *p = arg;
	bool v4 = p->family == AF_INET;

	if (nla_put_u16(skb, MPWIFI_PEER_ATTR_FAMILY, p->family) ||
	    nla_put(skb, MPWIFI_PEER_ATTR_ADDR, v4 ? 4 : 16,
		    v4 ? (const void *)&p->addr.s6_addr32[3] : (const void *)&p->addr) ||
	    nla_put_u8(skb, MPWIFI_PEER_ATTR_PREFIX_LEN, v4 ? p->prefix_len - 96 : p->prefix_len) ||
	    nla_put_u8(skb, MPWIFI_PEER_ATTR_LEVEL, p->level))
		return -EMSGSIZE;
	return 0;
}

struct mpw_peer_dump_ctx {
	struct sk_buff *skb;
	struct netlink_callback *cb;
};

static int mpw_dump_peer(const struct mpw_peer *p, void *arg)
{
	struct mpw_peer_dump_ctx *c = arg;

	return mpw_put_dump_msg(c->skb, c->cb, MPWIFI_CMD_PEER_GET, MPWIFI_ATTR_PEER, mpw_fill_peer,
				(void *)p);
}

/* cb->args[0]: prefixes already sent. */
int mpwifi_nl_peer_get_dumpit(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct mpw_peer_dump_ctx c = { .skb = skb, .cb = cb };
	long skip = cb->args[0], done;
	int err;

	cb->seq = mpw_trust_dump_seq(sock_net(skb->sk), false);
	rcu_read_lock();
	err = mpw_trust_peer_walk(sock_net(skb->sk), skip, mpw_dump_peer, &c, &done);
	rcu_read_unlock();
	cb->args[0] = done;
	return err && done == skip ? err : skb->len;
}

/* A peer prefix from the request, checked: family, length, no host bits. */
static int mpw_parse_peer(struct genl_info *info, struct mpw_peer *p, bool need_level)
{
	struct nlattr *tb[MPWIFI_PEER_ATTR_MAX + 1];
	struct nlattr *nest = info->attrs[MPWIFI_ATTR_PEER];
	struct in6_addr masked;
	int err, alen;
	u8 plen;

	if (GENL_REQ_ATTR_CHECK(info, MPWIFI_ATTR_PEER))
		return -EINVAL;
	err = nla_parse_nested(tb, MPWIFI_PEER_ATTR_MAX, nest, mpwifi_peer_nl_policy, info->extack);
	if (err)
		return err;
	if (!tb[MPWIFI_PEER_ATTR_FAMILY] || !tb[MPWIFI_PEER_ATTR_ADDR] ||
	    !tb[MPWIFI_PEER_ATTR_PREFIX_LEN] || (need_level && !tb[MPWIFI_PEER_ATTR_LEVEL])) {
		NL_SET_ERR_MSG_ATTR(info->extack, nest, "family, addr, prefix_len (and level to add) are required");
		return -EINVAL;
	}
	memset(p, 0, sizeof(*p));
	p->family = nla_get_u16(tb[MPWIFI_PEER_ATTR_FAMILY]);
	alen = nla_len(tb[MPWIFI_PEER_ATTR_ADDR]);
	plen = nla_get_u8(tb[MPWIFI_PEER_ATTR_PREFIX_LEN]);
	if (p->family == AF_INET && alen == 4 && plen <= 32) {
		ipv6_addr_set_v4mapped(nla_get_in_addr(tb[MPWIFI_PEER_ATTR_ADDR]), &p->addr);
		p->prefix_len = 96 + plen;
	} else if (p->family == AF_INET6 && alen == 16) {
		p->addr = nla_get_in6_addr(tb[MPWIFI_PEER_ATTR_ADDR]);
		p->prefix_len = plen;
	} else {
		NL_SET_ERR_MSG_ATTR(info->extack, nest,
				    "family must be AF_INET (4-byte address, /0-32) or AF_INET6 (16 bytes)");
		return -EINVAL;
	}
	ipv6_addr_prefix(&masked, &p->addr, p->prefix_len);
	if (!ipv6_addr_equal(&masked, &p->addr)) {
		NL_SET_ERR_MSG_ATTR(info->extack, tb[MPWIFI_PEER_ATTR_ADDR],
				    "host bits set beyond the prefix length");
		return -EINVAL;
	}
	if (tb[MPWIFI_PEER_ATTR_LEVEL])
		p->level = nla_get_u8(tb[MPWIFI_PEER_ATTR_LEVEL]);
	return 0;
}

int mpwifi_nl_peer_add_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct mpw_peer p;
	int err = mpw_parse_peer(info, &p, true);

	err = err ?: mpw_trust_peer_change(genl_info_net(info), &p, true, info->extack);
	if (!err)
		mpw_trusted_paths_changed(genl_info_net(info));
	return err;
}

int mpwifi_nl_peer_del_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct mpw_peer p;
	int err = mpw_parse_peer(info, &p, false);

	return err ?: mpw_trust_peer_change(genl_info_net(info), &p, false, info->extack);
}

static int mpw_fill_policy(struct sk_buff *msg, void *net)
{
	static const u8 stat_attr[MPW_TS_MAX] = {
		[MPW_TS_TRUSTED_SENDS] = MPWIFI_POLICY_ATTR_TRUSTED_SENDS,
		[MPW_TS_REFUSED_SENDS] = MPWIFI_POLICY_ATTR_REFUSED_SENDS,
		[MPW_TS_REDIRECTS] = MPWIFI_POLICY_ATTR_REDIRECTS,
		[MPW_TS_WAITS] = MPWIFI_POLICY_ATTR_WAITS,
		[MPW_TS_RESUMES] = MPWIFI_POLICY_ATTR_RESUMES,
		[MPW_TS_GUARD_REFUSED] = MPWIFI_POLICY_ATTR_GUARD_REFUSED,
		[MPW_TS_EGRESS_DROPS] = MPWIFI_POLICY_ATTR_EGRESS_DROPS,
		[MPW_TS_CONNECT_STEERED] = MPWIFI_POLICY_ATTR_CONNECT_STEERED,
		[MPW_TS_CONNECT_REFUSED] = MPWIFI_POLICY_ATTR_CONNECT_REFUSED,
		[MPW_TS_RANGE_EPOCHS] = MPWIFI_POLICY_ATTR_RANGE_EPOCHS,
		[MPW_TS_RANGE_REORDERS] = MPWIFI_POLICY_ATTR_RANGE_REORDERS,
		[MPW_TS_REFUSED_UNCONNECTED] = MPWIFI_POLICY_ATTR_REFUSED_UNCONNECTED,
		[MPW_TS_REFUSED_LIMIT] = MPWIFI_POLICY_ATTR_REFUSED_LIMIT,
		[MPW_TS_RESENDS] = MPWIFI_POLICY_ATTR_RESENDS,
	};
	const struct mpw_net_trust *t = &mpw_pernet(net)->trust;
	const char *why = mpw_trusted_unavailable();
	int i;

	if (nla_put_u8(msg, MPWIFI_POLICY_ATTR_FIRST_SUBFLOW, READ_ONCE(t->first_subflow)) ||
	    nla_put_u8(msg, MPWIFI_POLICY_ATTR_TRUSTED_SCHED, READ_ONCE(t->trusted_sched)) ||
	    nla_put_u8(msg, MPWIFI_POLICY_ATTR_PEER_DEFAULT, READ_ONCE(t->peer_default)) ||
	    nla_put_u8(msg, MPWIFI_POLICY_ATTR_SCHED_AVAILABLE, !why) ||
	    (why && nla_put_string(msg, MPWIFI_POLICY_ATTR_SCHED_REASON, why)) ||
	    nla_put_u32(msg, MPWIFI_POLICY_ATTR_CONNECTIONS, atomic_read(&t->connections)))
		return -EMSGSIZE;
	for (i = 0; i < MPW_TS_MAX; i++)
		if (nla_put_u64_64bit(msg, stat_attr[i], atomic64_read(&t->stats[i]),
				      MPWIFI_POLICY_ATTR_PAD))
			return -EMSGSIZE;
	return 0;
}

int mpwifi_nl_policy_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	return mpw_reply_nested(info, MPWIFI_CMD_POLICY_GET, MPWIFI_ATTR_POLICY, mpw_fill_policy);
}

int mpwifi_nl_policy_set_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct mpw_net_trust *t = &mpw_pernet(genl_info_net(info))->trust;
	struct nlattr *tb[MPWIFI_POLICY_ATTR_MAX + 1];
	int err;

	if (GENL_REQ_ATTR_CHECK(info, MPWIFI_ATTR_POLICY))
		return -EINVAL;
	err = nla_parse_nested(tb, MPWIFI_POLICY_ATTR_MAX, info->attrs[MPWIFI_ATTR_POLICY],
			       mpwifi_policy_nl_policy, info->extack);
	if (err)
		return err;
	err = mpw_refuse_read_only(tb, MPWIFI_POLICY_ATTR_MAX,
				   GENMASK_ULL(MPWIFI_POLICY_ATTR_PEER_DEFAULT,
					       MPWIFI_POLICY_ATTR_FIRST_SUBFLOW), info->extack);
	if (err)
		return err;
	if (!tb[MPWIFI_POLICY_ATTR_FIRST_SUBFLOW] && !tb[MPWIFI_POLICY_ATTR_TRUSTED_SCHED] &&
	    !tb[MPWIFI_POLICY_ATTR_PEER_DEFAULT]) {
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[MPWIFI_ATTR_POLICY], "nothing to change");
		return -EINVAL;
	}
	if (tb[MPWIFI_POLICY_ATTR_FIRST_SUBFLOW])
		WRITE_ONCE(t->first_subflow, nla_get_u8(tb[MPWIFI_POLICY_ATTR_FIRST_SUBFLOW]));
	if (tb[MPWIFI_POLICY_ATTR_TRUSTED_SCHED])
		WRITE_ONCE(t->trusted_sched, nla_get_u8(tb[MPWIFI_POLICY_ATTR_TRUSTED_SCHED]));
	if (tb[MPWIFI_POLICY_ATTR_PEER_DEFAULT])
		WRITE_ONCE(t->peer_default, nla_get_u8(tb[MPWIFI_POLICY_ATTR_PEER_DEFAULT]));
	return 0;
}

static struct genl_family mpw_family __ro_after_init = {
	.name = MPWIFI_GENL_NAME,
	.version = MPWIFI_GENL_VERSION,
	.netnsok = true,
	.module = THIS_MODULE,
	/* per-command policies; commands without one refuse every attribute */
	.ops = mpwifi_nl_ops,
	.n_ops = ARRAY_SIZE(mpwifi_nl_ops),
	.mcgrps = mpwifi_nl_mcgrps,
	.n_mcgrps = ARRAY_SIZE(mpwifi_nl_mcgrps),
};

/* Tell listeners in the AP's namespace that it appeared or went away.  Atomic context. */
void mpw_genl_notify_ap(struct mpw_ap *ap, u8 cmd)
{
	struct net *net = dev_net(ap->sta->dev);
	struct mpw_ap_snapshot snap = {};
	struct sk_buff *msg;

	if (!genl_has_listeners(&mpw_family, net, MPWIFI_NLGRP_EVENTS))
		return;
	snap.ifindex = ap->sta->dev->ifindex;
	strscpy(snap.ifname, ap->sta->dev->name, sizeof(snap.ifname));
	ether_addr_copy(snap.sta_addr, ap->sta->dev->dev_addr);
	ether_addr_copy(snap.bssid, ap->bssid);
	msg = genlmsg_new(nla_total_size(0) + nla_total_size(sizeof(u32)) + nla_total_size(IFNAMSIZ) +
			  2 * nla_total_size(ETH_ALEN), GFP_ATOMIC);
	if (!msg)
		return;
	if (mpw_put_msg(msg, 0, 0, 0, cmd, MPWIFI_ATTR_AP, mpw_fill_ap_identity, &snap, NULL)) {
		nlmsg_free(msg);
		return;
	}
	genlmsg_multicast_netns(&mpw_family, net, msg, 0, MPWIFI_NLGRP_EVENTS, GFP_ATOMIC);
}

int mpw_genl_init(void)
{
	return genl_register_family(&mpw_family);
}

void mpw_genl_exit(void)
{
	genl_unregister_family(&mpw_family);
}
