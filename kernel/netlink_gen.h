/* SPDX-License-Identifier: ((GPL-2.0 WITH Linux-syscall-note) OR BSD-3-Clause) */
/* Do not edit directly, auto-generated from: */
/*	include/uapi/linux/mpwifi.yaml */
/* YNL-GEN kernel header */

#ifndef _LINUX_MPWIFI_GEN_H
#define _LINUX_MPWIFI_GEN_H

#include <net/netlink.h>
#include <net/genetlink.h>

#include <uapi/linux/mpwifi_genl.h>

/* Common nested types */
extern const struct nla_policy mpwifi_config_nl_policy[MPWIFI_CONFIG_ATTR_RX_HOOK + 1];
extern const struct nla_policy mpwifi_ecn_nl_policy[MPWIFI_ECN_ATTR_BEST_PACKET_TIME_NS + 1];
extern const struct nla_policy mpwifi_peer_nl_policy[MPWIFI_PEER_ATTR_LEVEL + 1];
extern const struct nla_policy mpwifi_policy_nl_policy[MPWIFI_POLICY_ATTR_RESENDS + 1];
extern const struct nla_policy mpwifi_trust_nl_policy[MPWIFI_TRUST_ATTR_SOURCE + 1];

extern const struct nla_policy mpwifi_ap_get_nl_policy[MPWIFI_ATTR_IFINDEX + 1];

extern const struct nla_policy mpwifi_config_set_nl_policy[MPWIFI_ATTR_CONFIG + 1];

extern const struct nla_policy mpwifi_ap_flush_nl_policy[MPWIFI_ATTR_IFINDEX + 1];

extern const struct nla_policy mpwifi_ecn_set_nl_policy[MPWIFI_ATTR_ECN + 1];

extern const struct nla_policy mpwifi_trust_get_nl_policy[MPWIFI_ATTR_IFINDEX + 1];

extern const struct nla_policy mpwifi_trust_set_nl_policy[MPWIFI_ATTR_TRUST + 1];

extern const struct nla_policy mpwifi_peer_add_nl_policy[MPWIFI_ATTR_PEER + 1];

extern const struct nla_policy mpwifi_peer_del_nl_policy[MPWIFI_ATTR_PEER + 1];

extern const struct nla_policy mpwifi_policy_set_nl_policy[MPWIFI_ATTR_POLICY + 1];

/* Ops table for mpwifi */
extern const struct genl_ops mpwifi_nl_ops[13];

int mpwifi_nl_ap_get_dumpit(struct sk_buff *skb, struct netlink_callback *cb);
int mpwifi_nl_config_get_doit(struct sk_buff *skb, struct genl_info *info);
int mpwifi_nl_config_set_doit(struct sk_buff *skb, struct genl_info *info);
int mpwifi_nl_ap_flush_doit(struct sk_buff *skb, struct genl_info *info);
int mpwifi_nl_ecn_get_doit(struct sk_buff *skb, struct genl_info *info);
int mpwifi_nl_ecn_set_doit(struct sk_buff *skb, struct genl_info *info);
int mpwifi_nl_trust_get_dumpit(struct sk_buff *skb,
			       struct netlink_callback *cb);
int mpwifi_nl_trust_set_doit(struct sk_buff *skb, struct genl_info *info);
int mpwifi_nl_peer_get_dumpit(struct sk_buff *skb, struct netlink_callback *cb);
int mpwifi_nl_peer_add_doit(struct sk_buff *skb, struct genl_info *info);
int mpwifi_nl_peer_del_doit(struct sk_buff *skb, struct genl_info *info);
int mpwifi_nl_policy_get_doit(struct sk_buff *skb, struct genl_info *info);
int mpwifi_nl_policy_set_doit(struct sk_buff *skb, struct genl_info *info);

enum {
	MPWIFI_NLGRP_EVENTS,
	MPWIFI_NLGRP_COUNT
};

/* Multicast groups, for the family struct of kernel/netlink.c */
extern const struct genl_multicast_group mpwifi_nl_mcgrps[MPWIFI_NLGRP_COUNT];

#endif /* _LINUX_MPWIFI_GEN_H */
