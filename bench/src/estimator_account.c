// SPDX-License-Identifier: GPL-2.0
/*
 * The measured region of bench/estimator-cost: one mpw_rx_account() per
 * parsed frame, as the kernel's rx path calls it.  Nothing else runs between
 * entry and exit of this function.
 */
#include "estimator_cost.h"

__attribute__((noinline)) void mpw_bench_account_frames(struct mpw_rx_stats *s,
							const struct mpw_frame *frames, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		mpw_rx_account(s, &frames[i]);
}
