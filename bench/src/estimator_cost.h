/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Driver for bench/estimator-cost: the accounting loop lives in its own
 * translation unit (estimator_account.c), built with the kernel's no-FPU code
 * generation flags, so that callgrind can count exactly its instructions
 * (--toggle-collect=mpw_bench_account_frames).
 */
#ifndef MPWIFI_BENCH_ESTIMATOR_COST_H
#define MPWIFI_BENCH_ESTIMATOR_COST_H

#include <stddef.h>
#include <string.h>	/* memset, used by rxstats.h */

#include <mpwifi/rxstats.h>

void mpw_bench_account_frames(struct mpw_rx_stats *s, const struct mpw_frame *frames, size_t n);

#endif
