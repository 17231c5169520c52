// SPDX-License-Identifier: GPL-2.0
/*
 * The per-chunk check: mptcp_sendmsg_frag is the one function that puts
 * MPTCP data on a subflow, reached by every push path, by the
 * retransmission path (__mptcp_retrans, whose mptcp_subflow_get_retrans is
 * inlined in 6.1) and by the per-subflow push of a delegated first chunk,
 * which consults no scheduler.  A chunk with a trusted byte bound for an
 * untrusted subflow is refused (returns 0: nothing sent, the caller stops).
 */
#include <linux/ftrace.h>
#include <linux/ptrace.h>
#include <net/sock.h>

#include "trusted.h"

#if MPW_LAYOUT_OK

/*
 * mptcp_sendmsg_frag(sk, ssk, dfrag, info): the last check before a subflow.
 * A chunk runs from info->sent to info->limit of the fragment; it is cut
 * where its bytes change from untrusted to trusted or back (the caller then
 * asks the scheduler again for the rest), and a trusted run bound for an
 * untrusted subflow is refused.
 */
static bool mpw_frag_refuse(struct pt_regs *regs)
{
	struct sock *msk = (struct sock *)regs_get_kernel_argument(regs, 0);
	struct sock *ssk = (struct sock *)regs_get_kernel_argument(regs, 1);
	void *dfrag = (void *)regs_get_kernel_argument(regs, 2);
	void *info = (void *)regs_get_kernel_argument(regs, 3);
	u16 *limit = mpw_sendinfo_limit(info);
	u16 sent = mpw_sendinfo_sent(info);
	u16 data_len = mpw_dfrag_data_len(dfrag);
	struct mpw_msk *st;
	bool refuse = false, trusted;
	u64 seq, run_end;

	if (!mpw_trusted_in_use())
		return false;
	rcu_read_lock();
	st = mpw_msk_lookup(msk);
	if (!st)
		goto out;
	/*
	 * The push loops set limit to the fragment's length and call again
	 * while bytes remain: a limit this probe cut is spent, restore it.
	 * (The retransmission loop stops at its limit and never gets here.)
	 */
	if (sent >= READ_ONCE(*limit) && sent < data_len)
		WRITE_ONCE(*limit, data_len);
	seq = mpw_dfrag_data_seq(dfrag);
	trusted = mpw_msk_run(st, seq + sent, seq + READ_ONCE(*limit), &run_end);
	if (trusted && !mpw_ssk_trusted(sock_net(msk), ssk)) {
		refuse = true;
		mpw_trusted_count(st->net, MPW_TS_GUARD_REFUSED);
		/* bytes sent once already: only a retransmission would send them, and it cannot choose */
		if (mpw_seq_before(seq + sent, mpw_msk_snd_nxt(msk)))
			WRITE_ONCE(st->resend_wanted, true);
		mpw_msk_wait(st);
		goto out;
	}
	if (mpw_seq_before(run_end, seq + READ_ONCE(*limit)))
		WRITE_ONCE(*limit, (u16)(run_end - seq));
	/* the subflow's TCP keeps these bytes until it acknowledges them itself */
	if (trusted && READ_ONCE(*limit) > sent)
		mpw_msk_carried(st, ssk, seq + sent, READ_ONCE(*limit) - sent);
out:
	rcu_read_unlock();
	return refuse;
}

/*
 * An ftrace callback rather than a kprobe: a kprobe hit while another
 * kprobe's handler runs on the CPU (a softirq push interrupting one) is
 * skipped, and this check must never be.
 */
void mpw_frag_ftrace(unsigned long ip, unsigned long parent_ip, struct ftrace_ops *op,
		     struct ftrace_regs *fregs)
{
	struct pt_regs *regs = ftrace_get_regs(fregs);

	if (regs && mpw_frag_refuse(regs))
		mpw_override(regs, mpw_ret_zero);
}

#endif /* MPW_LAYOUT_OK */
