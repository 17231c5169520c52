/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The MPTCP side of the compatibility seam: every read or write of a private
 * MPTCP structure, by name, over the offsets btf_layout.py takes from the
 * target kernel's BTF (mptcp_layout.h).  The probed functions are named by
 * MPW_SYM_* from the same header, whose generator checks their prototypes.
 * A kernel whose structures differ beyond offsets changes this file and
 * btf_layout.py, not the scheduler.
 */
#ifndef _MPWIFI_COMPAT_MPTCP_H
#define _MPWIFI_COMPAT_MPTCP_H

#include <linux/compiler.h>
#include <linux/list.h>
#include <linux/types.h>
#include <net/inet_connection_sock.h>
#include <net/sock.h>

#include "mptcp_layout.h"

#if MPW_LAYOUT_OK

static_assert(MPW_SIZE_MSK_WRITE_SEQ == 8 && MPW_SIZE_MSK_SND_UNA == 8 && MPW_SIZE_MSK_SND_NXT == 8);
static_assert(MPW_SIZE_MSK_FIRST_PENDING == 8 && MPW_SIZE_MSK_FIRST == 8 && MPW_SIZE_MSK_SND_BURST == 4);
#if MPW_HAS_MSK_LAST_SND
static_assert(MPW_SIZE_MSK_LAST_SND == 8);
#endif
#if MPW_HAS_MSK_SUBFLOW
static_assert(MPW_SIZE_MSK_SUBFLOW == 8);
#endif
static_assert(MPW_SIZE_MSK_CB_FLAGS == sizeof(unsigned long));
static_assert(MPW_SIZE_MSK_TOKEN == 4);
static_assert(MPW_SIZE_MSK_RECOVERY_SND_NXT == 8 && MPW_SIZE_MSK_RECOVERY == sizeof(bool));
static_assert(MPW_SIZE_SUBFLOW_TCP_SOCK == 8 && MPW_SIZE_SUBFLOW_CONN == 8);
static_assert(MPW_SIZE_DFRAG_DATA_SEQ == 8 && MPW_SIZE_DFRAG_DATA_LEN == 2 &&
	      MPW_SIZE_DFRAG_ALREADY_SENT == 2);
static_assert(MPW_SIZE_SENDINFO_SENT == 2 && MPW_SIZE_SENDINFO_LIMIT == 2);
static_assert(MPW_SIZE_MSK_CONN_LIST == sizeof(struct list_head) &&
	      MPW_SIZE_SUBFLOW_NODE == sizeof(struct list_head));

#define MPW_AT(ptr, stem, type)		((type *)((char *)(ptr) + MPW_OFF_##stem))
#define MPW_GET(ptr, stem, type)	READ_ONCE(*MPW_AT(ptr, stem, type))

/* struct mptcp_sock, reached as its struct sock */
static inline u64 mpw_msk_write_seq(const struct sock *msk)
{
	return MPW_GET(msk, MSK_WRITE_SEQ, u64);
}

static inline u64 mpw_msk_snd_nxt(const struct sock *msk)
{
	return MPW_GET(msk, MSK_SND_NXT, u64);
}

static inline u64 mpw_msk_snd_una(const struct sock *msk)
{
	return MPW_GET(msk, MSK_SND_UNA, u64);
}

/* The connection's token: a new one with every connect of the socket (a new sequence space). */
static inline u32 mpw_msk_token(const struct sock *msk)
{
	return MPW_GET(msk, MSK_TOKEN, u32);
}

/* The data fragment at the send head (struct mptcp_data_frag), NULL when all is sent. */
static inline void *mpw_msk_first_pending(const struct sock *msk)
{
	return MPW_GET(msk, MSK_FIRST_PENDING, void *);
}

/* The MP_CAPABLE subflow, NULL before one exists (from 6.7 it is created at bind or connect). */
static inline struct sock *mpw_msk_first(const struct sock *msk)
{
	return MPW_GET(msk, MSK_FIRST, struct sock *);
}

static inline struct list_head *mpw_msk_conn_list(const struct sock *msk)
{
	return MPW_AT(msk, MSK_CONN_LIST, struct list_head);
}

static inline struct list_head *mpw_msk_rtx_queue(const struct sock *msk)
{
	return MPW_AT(msk, MSK_RTX_QUEUE, struct list_head);
}

/* Whether msk->subflow, where the kernel still has it (before 6.7), is not the first subflow's socket. */
static inline bool mpw_msk_subflow_mismatch(const struct sock *msk, const struct sock *first)
{
#if MPW_HAS_MSK_SUBFLOW
	const struct socket *subflow = MPW_GET(msk, MSK_SUBFLOW, struct socket *);

	return !subflow || subflow->sk != first;
#else
	return false;
#endif
}

/*
 * No burst reuse of the subflow the scheduler returned for the chunk after
 * the current one.  Up to 6.5 mptcp_subflow_get_send() returns msk->last_snd
 * while the burst lasts; from 6.6 __subflow_push_pending() keeps sending on
 * the subflow while msk->snd_burst is positive.  Caller holds the msk lock.
 */
static inline void mpw_msk_end_burst(struct sock *msk)
{
#if MPW_HAS_MSK_LAST_SND
	WRITE_ONCE(*MPW_AT(msk, MSK_LAST_SND, struct sock *), NULL);
#else
	WRITE_ONCE(*MPW_AT(msk, MSK_SND_BURST, int), 0);
#endif
}

/*
 * The bit of msk->cb_flags that asks release_sock (mptcp_release_cb) to call
 * __mptcp_push_pending: MPTCP_PUSH_PENDING in net/mptcp/protocol.h, 1 from
 * 6.1 to 6.12.  A macro, so not in BTF: a kernel that renumbers it changes
 * this line.
 */
#define MPW_MPTCP_PUSH_PENDING	1

/*
 * Has release_sock push the pending data, as MPTCP's own softirq paths do
 * when the socket is owned.  Caller owns the socket and holds its spinlock
 * (cb_flags is written under it).
 */
static inline void mpw_msk_defer_push(struct sock *msk)
{
	__set_bit(MPW_MPTCP_PUSH_PENDING, MPW_AT(msk, MSK_CB_FLAGS, unsigned long));
}

/* The oldest unacknowledged data fragment (the head of rtx_queue), NULL if none. */
static inline void *mpw_msk_rtx_head(const struct sock *msk)
{
	struct list_head *head = mpw_msk_rtx_queue(msk), *first = READ_ONCE(head->next);

	return first == head ? NULL : (char *)first - MPW_OFF_DFRAG_LIST;
}

/*
 * Sends @dfrag again from its start through the push path, as MPTCP's own
 * reinjection of a closed subflow's data does (__mptcp_retransmit_pending_data),
 * for one fragment: it becomes the send head, nothing of it counts as sent,
 * and the connection is in recovery until what was sent before is
 * acknowledged, so that an acknowledgement of it ahead of the send head is
 * expected (__mptcp_clean_una).  @dfrag must be the head of rtx_queue.
 * Caller owns the socket and holds its spinlock (the recovery fields are
 * under it).
 */
static inline void mpw_msk_resend_head(struct sock *msk, void *dfrag)
{
	WRITE_ONCE(*MPW_AT(msk, MSK_RECOVERY_SND_NXT, u64), mpw_msk_snd_nxt(msk));
	WRITE_ONCE(*MPW_AT(msk, MSK_RECOVERY, bool), true);
	WRITE_ONCE(*MPW_AT(dfrag, DFRAG_ALREADY_SENT, u16), 0);
	WRITE_ONCE(*MPW_AT(msk, MSK_FIRST_PENDING, void *), dfrag);
	WRITE_ONCE(*MPW_AT(msk, MSK_SND_BURST, int), 0);
}

/* struct mptcp_subflow_context: the ULP data of a subflow's TCP socket */
static inline void *mpw_subflow_ctx(const struct sock *ssk)
{
	return inet_csk(ssk)->icsk_ulp_data;
}

/* The context of a conn_list entry */
static inline void *mpw_subflow_ctx_of_node(struct list_head *node)
{
	return (char *)node - MPW_OFF_SUBFLOW_NODE;
}

static inline struct list_head *mpw_subflow_node(void *ctx)
{
	return MPW_AT(ctx, SUBFLOW_NODE, struct list_head);
}

static inline struct sock *mpw_subflow_tcp_sock(const void *ctx)
{
	return MPW_GET(ctx, SUBFLOW_TCP_SOCK, struct sock *);
}

static inline struct sock *mpw_subflow_conn(const void *ctx)
{
	return MPW_GET(ctx, SUBFLOW_CONN, struct sock *);
}

/* A flag of the context: a one-bit field, or a bool read as the lowest bit of its byte. */
static inline bool mpw_subflow_flag(const void *ctx, unsigned int bit)
{
	return *((const u8 *)ctx + bit / 8) & (1U << (bit % 8));
}

#define mpw_subflow_request_mptcp(ctx)	mpw_subflow_flag(ctx, MPW_BIT_SUBFLOW_REQUEST_MPTCP)
#define mpw_subflow_request_join(ctx)	mpw_subflow_flag(ctx, MPW_BIT_SUBFLOW_REQUEST_JOIN)
#define mpw_subflow_request_bkup(ctx)	mpw_subflow_flag(ctx, MPW_BIT_SUBFLOW_REQUEST_BKUP)
#define mpw_subflow_fully_established(ctx) mpw_subflow_flag(ctx, MPW_BIT_SUBFLOW_FULLY_ESTABLISHED)
#define mpw_subflow_backup(ctx)		mpw_subflow_flag(ctx, MPW_BIT_SUBFLOW_BACKUP)
#define mpw_subflow_stale(ctx)		mpw_subflow_flag(ctx, MPW_BIT_SUBFLOW_STALE)

/* struct mptcp_data_frag */
static inline u64 mpw_dfrag_data_seq(const void *dfrag)
{
	return MPW_GET(dfrag, DFRAG_DATA_SEQ, u64);
}

static inline u16 mpw_dfrag_data_len(const void *dfrag)
{
	return MPW_GET(dfrag, DFRAG_DATA_LEN, u16);
}

static inline u16 mpw_dfrag_already_sent(const void *dfrag)
{
	return MPW_GET(dfrag, DFRAG_ALREADY_SENT, u16);
}

/* struct mptcp_sendmsg_info: the chunk [sent, limit) of the fragment being pushed */
static inline u16 mpw_sendinfo_sent(const void *info)
{
	return MPW_GET(info, SENDINFO_SENT, u16);
}

static inline u16 *mpw_sendinfo_limit(void *info)
{
	return MPW_AT(info, SENDINFO_LIMIT, u16);
}

#endif /* MPW_LAYOUT_OK */
#endif /* _MPWIFI_COMPAT_MPTCP_H */
