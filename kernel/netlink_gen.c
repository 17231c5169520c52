// SPDX-License-Identifier: ((GPL-2.0 WITH Linux-syscall-note) OR BSD-3-Clause)
/* Do not edit directly, auto-generated from: */
/*	include/uapi/linux/mpwifi.yaml */
/* YNL-GEN kernel source */

#include <net/netlink.h>
#include <net/genetlink.h>

#include "netlink_gen.h"

#include <uapi/linux/mpwifi_genl.h>

/* Integer value ranges */
static struct netlink_range_validation mpwifi_ecn_attr_threshold_ppm_range = {
	.max	= MPWIFI_ECN_THRESHOLD_PPM_MAX,
};

static struct netlink_range_validation mpwifi_ecn_attr_cap_ppm_range = {
	.max	= 1000000ULL,
};

static struct netlink_range_validation mpwifi_ecn_attr_budget_ppm_range = {
	.min	= 1ULL,
	.max	= 1000000ULL,
};

static struct netlink_range_validation mpwifi_ecn_attr_min_frames_range = {
	.min	= 1ULL,
	.max	= MPWIFI_ECN_MIN_FRAMES_MAX,
};

static struct netlink_range_validation mpwifi_ecn_attr_stale_ms_range = {
	.min	= MPWIFI_ECN_STALE_MS_MIN,
	.max	= MPWIFI_ECN_STALE_MS_MAX,
};

/* Common nested types */
const struct nla_policy mpwifi_config_nl_policy[MPWIFI_CONFIG_ATTR_RX_HOOK + 1] = {
	[MPWIFI_CONFIG_ATTR_WINDOW_MS] = NLA_POLICY_RANGE(NLA_U32, MPWIFI_WINDOW_MS_MIN, MPWIFI_WINDOW_MS_MAX),
	[MPWIFI_CONFIG_ATTR_MAX_APS] = { .type = NLA_U32, },
	[MPWIFI_CONFIG_ATTR_AP_BYTES] = { .type = NLA_U32, },
	[MPWIFI_CONFIG_ATTR_RX_HOOK] = { .type = NLA_U8, },
};

const struct nla_policy mpwifi_ecn_nl_policy[MPWIFI_ECN_ATTR_BEST_PACKET_TIME_NS + 1] = {
	[MPWIFI_ECN_ATTR_ENABLED] = NLA_POLICY_MAX(NLA_U8, 1),
	[MPWIFI_ECN_ATTR_LAW] = NLA_POLICY_MAX(NLA_U8, 1),
	[MPWIFI_ECN_ATTR_THRESHOLD_PPM] = NLA_POLICY_FULL_RANGE(NLA_U32, &mpwifi_ecn_attr_threshold_ppm_range),
	[MPWIFI_ECN_ATTR_CAP_PPM] = NLA_POLICY_FULL_RANGE(NLA_U32, &mpwifi_ecn_attr_cap_ppm_range),
	[MPWIFI_ECN_ATTR_BUDGET_PPM] = NLA_POLICY_FULL_RANGE(NLA_U32, &mpwifi_ecn_attr_budget_ppm_range),
	[MPWIFI_ECN_ATTR_MIN_FRAMES] = NLA_POLICY_FULL_RANGE(NLA_U32, &mpwifi_ecn_attr_min_frames_range),
	[MPWIFI_ECN_ATTR_STALE_MS] = NLA_POLICY_FULL_RANGE(NLA_U32, &mpwifi_ecn_attr_stale_ms_range),
	[MPWIFI_ECN_ATTR_BEST_PACKET_TIME_NS] = { .type = NLA_U32, },
};

const struct nla_policy mpwifi_peer_nl_policy[MPWIFI_PEER_ATTR_LEVEL + 1] = {
	[MPWIFI_PEER_ATTR_FAMILY] = { .type = NLA_U16, },
	[MPWIFI_PEER_ATTR_ADDR] = { .type = NLA_BINARY, },
	[MPWIFI_PEER_ATTR_PREFIX_LEN] = NLA_POLICY_MAX(NLA_U8, 128),
	[MPWIFI_PEER_ATTR_LEVEL] = NLA_POLICY_MAX(NLA_U8, 1),
};

const struct nla_policy mpwifi_policy_nl_policy[MPWIFI_POLICY_ATTR_RESENDS + 1] = {
	[MPWIFI_POLICY_ATTR_FIRST_SUBFLOW] = NLA_POLICY_MAX(NLA_U8, 2),
	[MPWIFI_POLICY_ATTR_TRUSTED_SCHED] = NLA_POLICY_MAX(NLA_U8, 1),
	[MPWIFI_POLICY_ATTR_PEER_DEFAULT] = NLA_POLICY_MAX(NLA_U8, 1),
	[MPWIFI_POLICY_ATTR_SCHED_AVAILABLE] = { .type = NLA_U8, },
	[MPWIFI_POLICY_ATTR_SCHED_REASON] = { .type = NLA_NUL_STRING, },
	[MPWIFI_POLICY_ATTR_TRUSTED_SENDS] = { .type = NLA_U64, },
	[MPWIFI_POLICY_ATTR_REFUSED_SENDS] = { .type = NLA_U64, },
	[MPWIFI_POLICY_ATTR_REDIRECTS] = { .type = NLA_U64, },
	[MPWIFI_POLICY_ATTR_WAITS] = { .type = NLA_U64, },
	[MPWIFI_POLICY_ATTR_RESUMES] = { .type = NLA_U64, },
	[MPWIFI_POLICY_ATTR_GUARD_REFUSED] = { .type = NLA_U64, },
	[MPWIFI_POLICY_ATTR_EGRESS_DROPS] = { .type = NLA_U64, },
	[MPWIFI_POLICY_ATTR_CONNECT_STEERED] = { .type = NLA_U64, },
	[MPWIFI_POLICY_ATTR_CONNECT_REFUSED] = { .type = NLA_U64, },
	[MPWIFI_POLICY_ATTR_CONNECTIONS] = { .type = NLA_U32, },
	[MPWIFI_POLICY_ATTR_RANGE_EPOCHS] = { .type = NLA_U64, },
	[MPWIFI_POLICY_ATTR_RANGE_REORDERS] = { .type = NLA_U64, },
	[MPWIFI_POLICY_ATTR_REFUSED_UNCONNECTED] = { .type = NLA_U64, },
	[MPWIFI_POLICY_ATTR_REFUSED_LIMIT] = { .type = NLA_U64, },
	[MPWIFI_POLICY_ATTR_RESENDS] = { .type = NLA_U64, },
};

const struct nla_policy mpwifi_trust_nl_policy[MPWIFI_TRUST_ATTR_SOURCE + 1] = {
	[MPWIFI_TRUST_ATTR_IFINDEX] = NLA_POLICY_MIN(NLA_U32, 1),
	[MPWIFI_TRUST_ATTR_IFNAME] = { .type = NLA_NUL_STRING, .len = 15, },
	[MPWIFI_TRUST_ATTR_LEVEL] = NLA_POLICY_MAX(NLA_U8, 1),
	[MPWIFI_TRUST_ATTR_SOURCE] = NLA_POLICY_MAX(NLA_U8, 2),
};

/* MPWIFI_CMD_AP_GET - dump */
const struct nla_policy mpwifi_ap_get_nl_policy[MPWIFI_ATTR_IFINDEX + 1] = {
	[MPWIFI_ATTR_IFINDEX] = NLA_POLICY_MIN(NLA_U32, 1),
};

/* MPWIFI_CMD_CONFIG_SET - do */
const struct nla_policy mpwifi_config_set_nl_policy[MPWIFI_ATTR_CONFIG + 1] = {
	[MPWIFI_ATTR_CONFIG] = NLA_POLICY_NESTED(mpwifi_config_nl_policy),
};

/* MPWIFI_CMD_AP_FLUSH - do */
const struct nla_policy mpwifi_ap_flush_nl_policy[MPWIFI_ATTR_IFINDEX + 1] = {
	[MPWIFI_ATTR_IFINDEX] = NLA_POLICY_MIN(NLA_U32, 1),
};

/* MPWIFI_CMD_ECN_SET - do */
const struct nla_policy mpwifi_ecn_set_nl_policy[MPWIFI_ATTR_ECN + 1] = {
	[MPWIFI_ATTR_ECN] = NLA_POLICY_NESTED(mpwifi_ecn_nl_policy),
};

/* MPWIFI_CMD_TRUST_GET - dump */
const struct nla_policy mpwifi_trust_get_nl_policy[MPWIFI_ATTR_IFINDEX + 1] = {
	[MPWIFI_ATTR_IFINDEX] = NLA_POLICY_MIN(NLA_U32, 1),
};

/* MPWIFI_CMD_TRUST_SET - do */
const struct nla_policy mpwifi_trust_set_nl_policy[MPWIFI_ATTR_TRUST + 1] = {
	[MPWIFI_ATTR_TRUST] = NLA_POLICY_NESTED(mpwifi_trust_nl_policy),
};

/* MPWIFI_CMD_PEER_ADD - do */
const struct nla_policy mpwifi_peer_add_nl_policy[MPWIFI_ATTR_PEER + 1] = {
	[MPWIFI_ATTR_PEER] = NLA_POLICY_NESTED(mpwifi_peer_nl_policy),
};

/* MPWIFI_CMD_PEER_DEL - do */
const struct nla_policy mpwifi_peer_del_nl_policy[MPWIFI_ATTR_PEER + 1] = {
	[MPWIFI_ATTR_PEER] = NLA_POLICY_NESTED(mpwifi_peer_nl_policy),
};

/* MPWIFI_CMD_POLICY_SET - do */
const struct nla_policy mpwifi_policy_set_nl_policy[MPWIFI_ATTR_POLICY + 1] = {
	[MPWIFI_ATTR_POLICY] = NLA_POLICY_NESTED(mpwifi_policy_nl_policy),
};

/* Ops table for mpwifi */
const struct genl_ops mpwifi_nl_ops[13] = {
	{
		.cmd		= MPWIFI_CMD_AP_GET,
		.dumpit		= mpwifi_nl_ap_get_dumpit,
		.policy		= mpwifi_ap_get_nl_policy,
		.maxattr	= MPWIFI_ATTR_IFINDEX,
	},
	{
		.cmd	= MPWIFI_CMD_CONFIG_GET,
		.doit	= mpwifi_nl_config_get_doit,
	},
	{
		.cmd		= MPWIFI_CMD_CONFIG_SET,
		.doit		= mpwifi_nl_config_set_doit,
		.policy		= mpwifi_config_set_nl_policy,
		.maxattr	= MPWIFI_ATTR_CONFIG,
		.flags		= GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd		= MPWIFI_CMD_AP_FLUSH,
		.doit		= mpwifi_nl_ap_flush_doit,
		.policy		= mpwifi_ap_flush_nl_policy,
		.maxattr	= MPWIFI_ATTR_IFINDEX,
		.flags		= GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd	= MPWIFI_CMD_ECN_GET,
		.doit	= mpwifi_nl_ecn_get_doit,
	},
	{
		.cmd		= MPWIFI_CMD_ECN_SET,
		.doit		= mpwifi_nl_ecn_set_doit,
		.policy		= mpwifi_ecn_set_nl_policy,
		.maxattr	= MPWIFI_ATTR_ECN,
		.flags		= GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd		= MPWIFI_CMD_TRUST_GET,
		.dumpit		= mpwifi_nl_trust_get_dumpit,
		.policy		= mpwifi_trust_get_nl_policy,
		.maxattr	= MPWIFI_ATTR_IFINDEX,
	},
	{
		.cmd		= MPWIFI_CMD_TRUST_SET,
		.doit		= mpwifi_nl_trust_set_doit,
		.policy		= mpwifi_trust_set_nl_policy,
		.maxattr	= MPWIFI_ATTR_TRUST,
		.flags		= GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd	= MPWIFI_CMD_PEER_GET,
		.dumpit	= mpwifi_nl_peer_get_dumpit,
	},
	{
		.cmd		= MPWIFI_CMD_PEER_ADD,
		.doit		= mpwifi_nl_peer_add_doit,
		.policy		= mpwifi_peer_add_nl_policy,
		.maxattr	= MPWIFI_ATTR_PEER,
		.flags		= GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd		= MPWIFI_CMD_PEER_DEL,
		.doit		= mpwifi_nl_peer_del_doit,
		.policy		= mpwifi_peer_del_nl_policy,
		.maxattr	= MPWIFI_ATTR_PEER,
		.flags		= GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd	= MPWIFI_CMD_POLICY_GET,
		.doit	= mpwifi_nl_policy_get_doit,
	},
	{
		.cmd		= MPWIFI_CMD_POLICY_SET,
		.doit		= mpwifi_nl_policy_set_doit,
		.policy		= mpwifi_policy_set_nl_policy,
		.maxattr	= MPWIFI_ATTR_POLICY,
		.flags		= GENL_UNS_ADMIN_PERM,
	},
};

const struct genl_multicast_group mpwifi_nl_mcgrps[MPWIFI_NLGRP_COUNT] = {
	[MPWIFI_NLGRP_EVENTS] = { "events", },
};
