/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * mpwifi: per-AP WiFi packet time, ECN steering and trusted subflows for
 * Multipath TCP.  This is the only interface between the kernel module and
 * userspace: a generic netlink family, its attributes, and the values
 * applications pass to the socket API.
 *
 * Family "mpwifi", version MPWIFI_GENL_VERSION.  Namespace-aware: a socket
 * sees and changes only the interfaces of its own network namespace.
 *
 * Operations (request attributes -> reply attributes):
 *   MPWIFI_CMD_AP_GET     dump, any user.  Optional MPWIFI_ATTR_IFINDEX
 *                         filters; one message per tracked (station, AP)
 *                         with a nested MPWIFI_ATTR_AP.
 *   MPWIFI_CMD_CONFIG_GET any user -> MPWIFI_ATTR_CONFIG (nested).
 *   MPWIFI_CMD_CONFIG_SET admin in the namespace's user namespace;
 *                         MPWIFI_ATTR_CONFIG with the fields to change.
 *   MPWIFI_CMD_AP_FLUSH   admin; forgets tracked APs (all, or one
 *                         interface's with MPWIFI_ATTR_IFINDEX).
 *   MPWIFI_CMD_ECN_GET    any user -> MPWIFI_ATTR_ECN (nested): ECN steering
 *                         settings of the namespace.
 *   MPWIFI_CMD_ECN_SET    admin; MPWIFI_ATTR_ECN with the fields to change.
 *   MPWIFI_CMD_TRUST_GET  dump, any user.  Optional MPWIFI_ATTR_IFINDEX
 *                         filters; one message per interface of the
 *                         namespace with a nested MPWIFI_ATTR_TRUST.
 *   MPWIFI_CMD_TRUST_SET  admin; MPWIFI_ATTR_TRUST with IFINDEX, SOURCE and
 *                         (unless SOURCE is NONE) LEVEL.  An AUTO request on
 *                         an interface whose level was set MANUAL is refused
 *                         with EBUSY: the user's choice wins until a request
 *                         with SOURCE NONE or MANUAL replaces it.
 *   MPWIFI_CMD_PEER_GET   dump, any user: one MPWIFI_ATTR_PEER per prefix.
 *   MPWIFI_CMD_PEER_ADD   admin; MPWIFI_ATTR_PEER (replaces an equal prefix).
 *   MPWIFI_CMD_PEER_DEL   admin; MPWIFI_ATTR_PEER with FAMILY, ADDR, PREFIX_LEN.
 *   MPWIFI_CMD_POLICY_GET any user -> MPWIFI_ATTR_POLICY (nested).
 *   MPWIFI_CMD_POLICY_SET admin; MPWIFI_ATTR_POLICY with the fields to change.
 * Replies carry the request's command; events have sequence number 0.
 * Events on multicast group MPWIFI_MCGRP_EVENTS:
 *   MPWIFI_EVENT_AP_NEW / MPWIFI_EVENT_AP_DEL with MPWIFI_ATTR_AP carrying
 *   the identity attributes (ifindex, ifname, station, bssid).
 *   MPWIFI_EVENT_TRUST with MPWIFI_ATTR_TRUST after every change of an
 *   interface's trust, including its removal (SOURCE NONE).
 */
#ifndef _UAPI_LINUX_MPWIFI_H
#define _UAPI_LINUX_MPWIFI_H

#define MPWIFI_GENL_NAME	"mpwifi"
#define MPWIFI_GENL_VERSION	1
#define MPWIFI_MCGRP_EVENTS	"events"

enum mpwifi_cmd {
	MPWIFI_CMD_UNSPEC,
	MPWIFI_CMD_AP_GET,
	MPWIFI_CMD_CONFIG_GET,
	MPWIFI_CMD_CONFIG_SET,
	MPWIFI_CMD_AP_FLUSH,
	MPWIFI_EVENT_AP_NEW,
	MPWIFI_EVENT_AP_DEL,
	MPWIFI_CMD_ECN_GET,
	MPWIFI_CMD_ECN_SET,
	MPWIFI_CMD_TRUST_GET,
	MPWIFI_CMD_TRUST_SET,
	MPWIFI_EVENT_TRUST,
	MPWIFI_CMD_PEER_GET,
	MPWIFI_CMD_PEER_ADD,
	MPWIFI_CMD_PEER_DEL,
	MPWIFI_CMD_POLICY_GET,
	MPWIFI_CMD_POLICY_SET,

	__MPWIFI_CMD_MAX,
};
#define MPWIFI_CMD_MAX (__MPWIFI_CMD_MAX - 1)

/* Top-level attributes. */
enum mpwifi_attr {
	MPWIFI_ATTR_UNSPEC,
	MPWIFI_ATTR_PAD,
	MPWIFI_ATTR_IFINDEX,		/* u32: filter or target interface */
	MPWIFI_ATTR_AP,			/* nest: enum mpwifi_ap_attr */
	MPWIFI_ATTR_CONFIG,		/* nest: enum mpwifi_config_attr */
	MPWIFI_ATTR_ECN,		/* nest: enum mpwifi_ecn_attr */
	MPWIFI_ATTR_TRUST,		/* nest: enum mpwifi_trust_attr */
	MPWIFI_ATTR_PEER,		/* nest: enum mpwifi_peer_attr */
	MPWIFI_ATTR_POLICY,		/* nest: enum mpwifi_policy_attr */

	__MPWIFI_ATTR_MAX,
};
#define MPWIFI_ATTR_MAX (__MPWIFI_ATTR_MAX - 1)

/*
 * One tracked (station interface, AP).  Cumulative counters run from the
 * moment the AP was first tracked; MPWIFI_AP_ATTR_WIN_* describe the
 * sliding window ending at MPWIFI_AP_ATTR_WIN_END_NS.  Times are
 * CLOCK_MONOTONIC nanoseconds.
 */
enum mpwifi_ap_attr {
	MPWIFI_AP_ATTR_UNSPEC,
	MPWIFI_AP_ATTR_PAD,
	MPWIFI_AP_ATTR_IFINDEX,		/* u32 */
	MPWIFI_AP_ATTR_IFNAME,		/* string, NUL-terminated, < IFNAMSIZ (16) */
	MPWIFI_AP_ATTR_STA_ADDR,	/* binary, 6 bytes: our station */
	MPWIFI_AP_ATTR_BSSID,		/* binary, 6 bytes: the AP */
	MPWIFI_AP_ATTR_FIRST_TRY,	/* u64: data frames, retry bit 0 */
	MPWIFI_AP_ATTR_RETRIED,		/* u64: data frames, retry bit 1 */
	MPWIFI_AP_ATTR_LOST,		/* u64: sequence numbers never received */
	MPWIFI_AP_ATTR_WIN_START_NS,	/* u64 */
	MPWIFI_AP_ATTR_WIN_END_NS,	/* u64 */
	MPWIFI_AP_ATTR_WIN_FIRST_TRY,	/* u32 */
	MPWIFI_AP_ATTR_WIN_RETRIED,	/* u32 */
	MPWIFI_AP_ATTR_WIN_LOST,	/* u32 */
	MPWIFI_AP_ATTR_WIN_RATED,	/* u32: frames with a known rx rate */
	MPWIFI_AP_ATTR_DELIVERY_PPM,	/* u32, 0..1000000: eq. 2.2 over the window; absent if no frames */
	MPWIFI_AP_ATTR_BITRATE_KBPS,	/* u32: airtime (harmonic) mean; absent if unknown */
	MPWIFI_AP_ATTR_PACKET_TIME_NS,	/* u32: eq. 2.1 over the window; absent if unknown */
	MPWIFI_AP_ATTR_LAST_RX_NS,	/* u64: last data frame */
	MPWIFI_AP_ATTR_PHY,		/* u8: enum mpwifi_phy of the last rated frame; always present */
	/*
	 * ECN steering, counted in segments (a GRO packet counts as its
	 * segments) of ECT packets of MPTCP subflows that arrived through this
	 * AP while steering was enabled.
	 */
	MPWIFI_AP_ATTR_ECT,		/* u64: ECT(0), ECT(1) or CE on arrival */
	MPWIFI_AP_ATTR_MARKED,		/* u64: set to CE by mpwifi */
	MPWIFI_AP_ATTR_CE_SEEN,		/* u64: already CE on arrival (never counted as marked) */
	MPWIFI_AP_ATTR_WIN_ECT,		/* u32: ECT over the window */
	MPWIFI_AP_ATTR_WIN_MARKED,	/* u32: marked over the window */
	MPWIFI_AP_ATTR_ECN_MARKING,	/* u8: 1 while this AP is inefficient enough to be marked */
	MPWIFI_AP_ATTR_ECN_DELTA_PPM,	/* u32: mark rate of the latest subflow packet through it */

	__MPWIFI_AP_ATTR_MAX,
};
#define MPWIFI_AP_ATTR_MAX (__MPWIFI_AP_ATTR_MAX - 1)

enum mpwifi_config_attr {
	MPWIFI_CONFIG_ATTR_UNSPEC,
	MPWIFI_CONFIG_ATTR_WINDOW_MS,	/* u32, MPWIFI_WINDOW_MS_MIN..MAX */
	MPWIFI_CONFIG_ATTR_MAX_APS,	/* u32, read-only: tracked APs per interface */
	MPWIFI_CONFIG_ATTR_AP_BYTES,	/* u32, read-only: memory per tracked AP */
	MPWIFI_CONFIG_ATTR_RX_HOOK,	/* u8, read-only: 1 while the rx observer is attached */

	__MPWIFI_CONFIG_ATTR_MAX,
};
#define MPWIFI_CONFIG_ATTR_MAX (__MPWIFI_CONFIG_ATTR_MAX - 1)

#define MPWIFI_WINDOW_MS_MIN	50
#define MPWIFI_WINDOW_MS_MAX	10000

/*
 * ECN steering of one namespace.  A subflow through an AP whose packet time
 * is at least (1 + threshold) x the best fresh one among the namespace's
 * station interfaces gets CE on a share delta of its ECT packets, delta from
 * the selected law, at most cap.  Rates and shares in parts per million.
 */
enum mpwifi_ecn_attr {
	MPWIFI_ECN_ATTR_UNSPEC,
	MPWIFI_ECN_ATTR_PAD,
	MPWIFI_ECN_ATTR_ENABLED,	/* u8, 0 or 1 */
	MPWIFI_ECN_ATTR_LAW,		/* u8, enum mpwifi_ecn_law */
	MPWIFI_ECN_ATTR_THRESHOLD_PPM,	/* u32, 0..MPWIFI_ECN_THRESHOLD_PPM_MAX */
	MPWIFI_ECN_ATTR_CAP_PPM,	/* u32, 0..1000000 */
	MPWIFI_ECN_ATTR_BUDGET_PPM,	/* u32, 1..1000000: throughput loss the uncoupled law allows */
	MPWIFI_ECN_ATTR_MIN_FRAMES,	/* u32, 1..MPWIFI_ECN_MIN_FRAMES_MAX: frames before an estimate counts */
	MPWIFI_ECN_ATTR_STALE_MS,	/* u32, MPWIFI_ECN_STALE_MS_MIN..MAX: silence after which it does not */
	MPWIFI_ECN_ATTR_BEST_PACKET_TIME_NS,	/* u32, read-only: the bar: best fresh T, rises held; absent if none */

	__MPWIFI_ECN_ATTR_MAX,
};
#define MPWIFI_ECN_ATTR_MAX (__MPWIFI_ECN_ATTR_MAX - 1)

enum mpwifi_ecn_law {
	MPWIFI_ECN_LAW_SEED,		/* TRILOGY2 D3.2 eq. 2.5 as published (coupled control) */
	MPWIFI_ECN_LAW_UNCOUPLED,	/* derived for per-subflow CUBIC, see include/mpwifi/ecn.h */

	__MPWIFI_ECN_LAW_MAX,
};
#define MPWIFI_ECN_LAW_MAX (__MPWIFI_ECN_LAW_MAX - 1)

#define MPWIFI_ECN_THRESHOLD_PPM_MAX	10000000	/* 1000% */
#define MPWIFI_ECN_MIN_FRAMES_MAX	100000
#define MPWIFI_ECN_STALE_MS_MIN		10
#define MPWIFI_ECN_STALE_MS_MAX		60000

/*
 * Trust.  Levels are ordered; data sent with MPTCP_TRUSTED travels only on
 * subflows whose egress interface and peer are both at least
 * MPWIFI_TRUST_TRUSTED.  An interface nobody has classified is untrusted.
 */
enum mpwifi_trust_level {
	MPWIFI_TRUST_UNTRUSTED,
	MPWIFI_TRUST_TRUSTED,

	__MPWIFI_TRUST_MAX,
};
#define MPWIFI_TRUST_MAX (__MPWIFI_TRUST_MAX - 1)

/* Who set an interface's level. */
enum mpwifi_trust_source {
	MPWIFI_TRUST_SOURCE_NONE,	/* nobody: the default level (untrusted) */
	MPWIFI_TRUST_SOURCE_AUTO,	/* an automatic classification (the agent) */
	MPWIFI_TRUST_SOURCE_MANUAL,	/* a user; wins over AUTO */

	__MPWIFI_TRUST_SOURCE_MAX,
};
#define MPWIFI_TRUST_SOURCE_MAX (__MPWIFI_TRUST_SOURCE_MAX - 1)

enum mpwifi_trust_attr {
	MPWIFI_TRUST_ATTR_UNSPEC,
	MPWIFI_TRUST_ATTR_IFINDEX,	/* u32 */
	MPWIFI_TRUST_ATTR_IFNAME,	/* string, read-only */
	MPWIFI_TRUST_ATTR_LEVEL,	/* u8, enum mpwifi_trust_level */
	MPWIFI_TRUST_ATTR_SOURCE,	/* u8, enum mpwifi_trust_source */

	__MPWIFI_TRUST_ATTR_MAX,
};
#define MPWIFI_TRUST_ATTR_MAX (__MPWIFI_TRUST_ATTR_MAX - 1)

/*
 * Peers classified by address prefix, for hosts (servers) that cannot see
 * the remote end's path: the longest matching prefix gives a peer's level,
 * MPWIFI_POLICY_ATTR_PEER_DEFAULT applies where none matches.
 */
enum mpwifi_peer_attr {
	MPWIFI_PEER_ATTR_UNSPEC,
	MPWIFI_PEER_ATTR_FAMILY,	/* u16: AF_INET or AF_INET6 */
	MPWIFI_PEER_ATTR_ADDR,		/* binary, 4 or 16 bytes; host bits must be zero */
	MPWIFI_PEER_ATTR_PREFIX_LEN,	/* u8, 0..32 or 0..128 */
	MPWIFI_PEER_ATTR_LEVEL,		/* u8, enum mpwifi_trust_level */

	__MPWIFI_PEER_ATTR_MAX,
};
#define MPWIFI_PEER_ATTR_MAX (__MPWIFI_PEER_ATTR_MAX - 1)

#define MPWIFI_PEERS_MAX	256	/* prefixes per namespace */

/* Where the MP_CAPABLE SYN of an outgoing MPTCP connection may leave. */
enum mpwifi_first_subflow {
	MPWIFI_FIRST_SUBFLOW_OFF,	/* wherever routing sends it */
	MPWIFI_FIRST_SUBFLOW_PREFER,	/* a trusted interface with a route, if any */
	MPWIFI_FIRST_SUBFLOW_STRICT,	/* a trusted interface, or connect() fails with ENETUNREACH */

	__MPWIFI_FIRST_SUBFLOW_MAX,
};
#define MPWIFI_FIRST_SUBFLOW_MAX (__MPWIFI_FIRST_SUBFLOW_MAX - 1)

/*
 * Trusted-subflow policy of one namespace, with read-only availability and
 * counters (since the namespace first used the module).
 */
enum mpwifi_policy_attr {
	MPWIFI_POLICY_ATTR_UNSPEC,
	MPWIFI_POLICY_ATTR_PAD,
	MPWIFI_POLICY_ATTR_FIRST_SUBFLOW,	/* u8, enum mpwifi_first_subflow */
	MPWIFI_POLICY_ATTR_TRUSTED_SCHED,	/* u8, 0 or 1: enforce MPTCP_TRUSTED */
	MPWIFI_POLICY_ATTR_PEER_DEFAULT,	/* u8, enum mpwifi_trust_level */
	MPWIFI_POLICY_ATTR_SCHED_AVAILABLE,	/* u8, read-only: hooks and layouts usable */
	MPWIFI_POLICY_ATTR_SCHED_REASON,	/* string, read-only: why not (absent if available) */
	MPWIFI_POLICY_ATTR_TRUSTED_SENDS,	/* u64: send calls carrying MPTCP_TRUSTED */
	MPWIFI_POLICY_ATTR_REFUSED_SENDS,	/* u64: of those, failed with an errno below */
	MPWIFI_POLICY_ATTR_REDIRECTS,		/* u64: scheduler picks moved to a trusted subflow */
	MPWIFI_POLICY_ATTR_WAITS,		/* u64: picks withheld, no trusted subflow could send */
	MPWIFI_POLICY_ATTR_RESUMES,		/* u64: pushes restarted after a wait */
	MPWIFI_POLICY_ATTR_GUARD_REFUSED,	/* u64: chunks stopped at the last check before a subflow */
	MPWIFI_POLICY_ATTR_EGRESS_DROPS,	/* u64: packets of trusted-carrying subflows rerouted to an untrusted interface */
	MPWIFI_POLICY_ATTR_CONNECT_STEERED,	/* u64: first subflows bound to a trusted interface */
	MPWIFI_POLICY_ATTR_CONNECT_REFUSED,	/* u64: connects failed under the strict policy */
	MPWIFI_POLICY_ATTR_CONNECTIONS,		/* u32: connections holding trusted byte ranges now */

	__MPWIFI_POLICY_ATTR_MAX,
};
#define MPWIFI_POLICY_ATTR_MAX (__MPWIFI_POLICY_ATTR_MAX - 1)

/*
 * MPTCP_TRUSTED: a send(2)/sendto(2)/sendmsg(2) flag for MPTCP sockets.  The
 * bytes of such a call travel only on trusted subflows; when none can take
 * them they wait (and are sent as soon as one can), they are never put on
 * an untrusted one.  Other data keeps using every subflow.
 *
 * The bit is unused by every MSG_* flag of Linux 6.1 and of mainline up to
 * 6.18, where flags were added from the top down (0x2000000 became
 * MSG_SOCK_DEVMEM in 6.12; 0x10000000 has been proposed twice).  It is not
 * one of the internal flags the syscall layer strips
 * (MSG_INTERNAL_SENDMSG_FLAGS), and TCP and UDP ignore it.  A kernel without the module loaded ignores it
 * too: check MPWIFI_TRUSTED_STATUS_PATH first.
 *
 * A call with MPTCP_TRUSTED fails, sending nothing, with
 *   EOPNOTSUPP   when enforcement is unavailable (see the status file) or
 *                switched off for the namespace;
 *   ENETUNREACH  when the connection fell back to plain TCP over an
 *                untrusted path, so no trusted subflow can ever exist;
 *   ENOBUFS      when the per-connection range table cannot be allocated.
 */
#define MPTCP_TRUSTED		0x800000

/*
 * Reads "available\n", or "unavailable: <reason>\n", while the module is
 * loaded; missing otherwise.  Per namespace, MPWIFI_POLICY_ATTR_TRUSTED_SCHED
 * can also switch enforcement off.
 */
#define MPWIFI_TRUSTED_STATUS_PATH	"/sys/module/mpwifi/parameters/trusted_status"

/* PHY of the frames a rate was measured on. */
enum mpwifi_phy {
	MPWIFI_PHY_UNKNOWN,
	MPWIFI_PHY_DSSS,	/* 802.11b */
	MPWIFI_PHY_OFDM,	/* 802.11a/g */
	MPWIFI_PHY_HT,		/* 802.11n */
	MPWIFI_PHY_VHT,		/* 802.11ac */
	MPWIFI_PHY_HE,		/* 802.11ax */
};

#endif /* _UAPI_LINUX_MPWIFI_H */
