// SPDX-License-Identifier: GPL-2.0
/*
 * The scheduler override: a kretprobe on mptcp_subflow_get_send, the packet
 * scheduler of every push (in 6.1 __mptcp_push_pending,
 * __mptcp_subflow_push_pending after its first chunk, __mptcp_check_push,
 * and the reinjection of a closed subflow's data, which rewinds the send head
 * and pushes again; from 6.6 through mptcp_sched_get_send, whose default
 * scheduler marks the returned subflow scheduled).  When the chunk at the
 * send head holds a trusted byte, a pick that is not trusted becomes the best
 * trusted subflow, or none: the data waits, and a work item pushes again
 * until a trusted subflow takes it.
 */
#include <linux/ptrace.h>
#include <net/sock.h>
#include <net/tcp_states.h>

#include "trusted.h"

#if MPW_LAYOUT_OK

static bool mpw_subflow_active(const void *ctx, const struct sock *ssk)
{
	if (!((1 << READ_ONCE(ssk->sk_state)) & (TCPF_ESTABLISHED | TCPF_CLOSE_WAIT)))
		return false;
	if (mpw_subflow_request_join(ctx) && !mpw_subflow_fully_established(ctx))
		return false;
	return !mpw_subflow_stale(ctx);
}

/* The trusted subflow with the least queued data that can take more; NULL if none. */
static struct sock *mpw_pick_trusted(struct sock *msk, struct net *net)
{
	struct list_head *head = mpw_msk_conn_list(msk), *pos;
	struct sock *best = NULL, *best_backup = NULL;

	for (pos = READ_ONCE(head->next); pos != head; pos = READ_ONCE(pos->next)) {
		void *ctx = mpw_subflow_ctx_of_node(pos);
		struct sock *ssk = mpw_subflow_tcp_sock(ctx);
		bool backup = mpw_subflow_backup(ctx) || mpw_subflow_request_bkup(ctx);
		struct sock **slot = backup ? &best_backup : &best;

		if (!ssk || !mpw_subflow_active(ctx, ssk) || !sk_stream_memory_free(ssk) ||
		    !mpw_ssk_trusted(net, ssk))
			continue;
		if (!*slot || READ_ONCE(ssk->sk_wmem_queued) < READ_ONCE((*slot)->sk_wmem_queued))
			*slot = ssk;
	}
	return best ?: best_backup;
}

int mpw_get_send_entry(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	struct mpw_msk_arg *d = (void *)ri->data;

	d->msk = (struct sock *)regs_get_kernel_argument(regs, 0);
	/* no connection holds trusted data: skip the return handler */
	return !mpw_trusted_in_use();
}

/* The caller of mptcp_subflow_get_send holds the msk socket lock. */
int mpw_get_send_ret(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	struct mpw_msk_arg *d = (void *)ri->data;
	struct sock *msk = d->msk, *ssk, *pick;
	struct net *net = sock_net(msk);
	struct mpw_msk *st;
	void *dfrag;
	u64 seq;

	rcu_read_lock();
	st = mpw_msk_lookup(msk);
	dfrag = st ? mpw_msk_first_pending(msk) : NULL;
	if (!dfrag)
		goto out;
	/* the chunk's first byte decides; the per-chunk check ends the chunk where its kind changes */
	seq = mpw_dfrag_data_seq(dfrag) + mpw_dfrag_already_sent(dfrag);
	if (!mpw_msk_overlaps(st, seq, seq + 1))
		goto out;
	ssk = (struct sock *)regs_return_value(regs);
	if (ssk && mpw_ssk_trusted(net, ssk)) {
		mpw_msk_trusted_pick(st);
		goto out;
	}
	pick = mpw_pick_trusted(msk, net);
	regs_set_return_value(regs, (unsigned long)pick);
	/*
	 * No burst reuse of either subflow: not of the untrusted pick for the
	 * next trusted chunk, nor of this trusted one for the untrusted data
	 * after it, which the scheduler should place as it would anyway.
	 */
	mpw_msk_end_burst(msk);
	if (pick) {
		mpw_trusted_count(net, MPW_TS_REDIRECTS);
		mpw_msk_trusted_pick(st);
	} else {
		mpw_trusted_count(net, MPW_TS_WAITS);
		mpw_msk_wait(st);
	}
out:
	rcu_read_unlock();
	return 0;
}

#endif /* MPW_LAYOUT_OK */
