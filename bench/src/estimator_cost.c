// SPDX-License-Identifier: GPL-2.0
/*
 * bench/estimator-cost driver: builds a realistic stream of parsed data
 * frames from one AP, then feeds it to mpw_rx_account() (the measured
 * region, see estimator_account.c) and prints what came out.
 *
 *   estimator_cost FRAMES [SEED]
 *
 * The stream (deterministic for a seed; a longer stream starts with the
 * frames of a shorter one):
 *   - timestamps advance 0.2..0.4 ms per frame (mean 0.3 ms), so with the
 *     default 500 ms window (31.25 ms buckets) a bucket turns over every
 *     ~100 frames;
 *   - QoS TIDs 0 (best effort, 70 %), 6 (video, 15 %), 5 (10 %), 3 (3 %) and
 *     non-QoS frames (2 %), each TID with its own 12-bit sequence counter;
 *   - retry bit set on ~5 %: retransmissions whose first attempt we missed
 *     (3 %), duplicates of frames we already got (1 %), and late frames that
 *     fill a gap (up to 1 %);
 *   - 1 % of frames follow a gap of 1..3 numbers, half of the missing
 *     numbers turn up later as late retransmissions;
 *   - 0.2 % later fragments of an MSDU;
 *   - rates: 65 % HT (MCS 0..15, 20/40 MHz, either GI), 30 % legacy OFDM
 *     6..54 Mbit/s, 5 % without a known rate; rate_kbps is filled in by
 *     mpw_rate_kbps() as the rx parser does, before the measured region.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "estimator_cost.h"

#define WINDOW_MS	500U
#define START_NS	(1000ULL * 1000 * 1000 * 3600)	/* an hour after boot */
#define MAX_PENDING	8

static uint64_t rng_state;

static uint32_t rnd(void)	/* xorshift64* */
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return (uint32_t)((rng_state * 0x2545F4914F6CDD1DULL) >> 32);
}

static uint32_t below(uint32_t n)
{
	return rnd() % n;
}

struct tid_gen {
	u16 next;		/* next new sequence number */
	u16 last;		/* the latest number sent */
	u16 pending[MAX_PENDING];	/* skipped numbers that will come late */
	unsigned int npending;
};

struct stream_info {
	size_t retried, late, duplicates, gaps, fragments, nonqos, rated;
};

static u8 pick_tid(void)
{
	uint32_t r = below(100);

	if (r < 70)
		return 0;
	if (r < 85)
		return 6;
	if (r < 95)
		return 5;
	if (r < 98)
		return 3;
	return MPW_TID_NONQOS;
}

static void pick_rate(struct mpw_frame *f)
{
	static const u32 ofdm_kbps[] = { 6000, 9000, 12000, 18000, 24000, 36000, 48000, 54000 };
	uint32_t r = below(100);

	memset(&f->rate, 0, sizeof(f->rate));
	if (r < 65) {
		f->rate.phy = MPWIFI_PHY_HT;
		f->rate.mcs = (u8)below(16);
		f->rate.bw = below(2) ? MPW_BW_40 : MPW_BW_20;
		f->rate.gi = below(2) ? MPW_GI_0_4 : MPW_GI_0_8;
	} else if (r < 95) {
		f->rate.phy = MPWIFI_PHY_OFDM;
		f->rate.legacy_kbps = ofdm_kbps[below(8)];
	}
	f->rate_kbps = mpw_rate_kbps(&f->rate);
}

static void generate(struct mpw_frame *frames, size_t n, struct stream_info *info)
{
	struct tid_gen gen[MPW_TID_NONQOS + 1];
	u64 now = START_NS;
	size_t i;

	memset(gen, 0, sizeof(gen));
	memset(info, 0, sizeof(*info));
	for (i = 0; i <= MPW_TID_NONQOS; i++)
		gen[i].next = (u16)below(MPW_SEQ_MODULO);

	for (i = 0; i < n; i++) {
		struct mpw_frame *f = &frames[i];
		u8 tid = pick_tid();
		struct tid_gen *g = &gen[tid];
		uint32_t r = below(1000);

		memset(f, 0, sizeof(*f));
		now += 200000 + below(200001);
		f->now_ns = now;
		f->tid = tid;
		f->first_fragment = 1;

		if (r < 10 && g->npending) {		/* late retransmission, 1 % */
			f->seq = g->pending[--g->npending];
			f->retry = 1;
			info->late++;
		} else if (r >= 10 && r < 20) {		/* duplicate: our ACK was lost, 1 % */
			f->seq = g->last;
			f->retry = 1;
			info->duplicates++;
		} else if (r >= 20 && r < 22) {		/* later fragment, 0.2 % */
			f->seq = g->last;
			f->first_fragment = 0;
			info->fragments++;
		} else {
			if (r >= 22 && r < 32) {	/* gap of 1..3 numbers, 1 % */
				u32 skip = 1 + below(3), k;

				for (k = 0; k < skip; k++) {
					if (below(2) && g->npending < MAX_PENDING)
						g->pending[g->npending++] = g->next;
					g->next = (g->next + 1) % MPW_SEQ_MODULO;
				}
				info->gaps++;
			}
			f->seq = g->next;
			g->next = (g->next + 1) % MPW_SEQ_MODULO;
			f->retry = below(100) < 3;	/* first attempt missed, 3 % */
		}
		g->last = f->seq;
		pick_rate(f);
		info->retried += f->retry;
		info->nonqos += tid == MPW_TID_NONQOS;
		info->rated += f->rate_kbps != 0;
	}
}

int main(int argc, char **argv)
{
	struct mpw_rx_stats *stats;
	struct mpw_frame *frames;
	struct stream_info info;
	struct mpw_window w;
	size_t n;

	if (argc < 2 || argc > 3) {
		fprintf(stderr, "usage: %s FRAMES [SEED]\n", argv[0]);
		return 2;
	}
	n = strtoull(argv[1], NULL, 10);
	rng_state = argc == 3 ? strtoull(argv[2], NULL, 0) : 0x6d7077696669ULL;
	if (!n || !rng_state) {
		fprintf(stderr, "FRAMES and SEED must be positive\n");
		return 2;
	}
	frames = calloc(n, sizeof(*frames));
	stats = calloc(1, sizeof(*stats));
	if (!frames || !stats) {
		perror("calloc");
		return 1;
	}
	generate(frames, n, &info);
	mpw_rx_stats_init(stats, WINDOW_MS, frames[0].now_ns);

	mpw_bench_account_frames(stats, frames, n);	/* the measured region */

	mpw_rx_window(stats, stats->last_rx_ns, &w);
	/* one "key value" per line, read by bench/estimator-cost */
	printf("frames %zu\n", n);
	printf("stream_ms %" PRIu64 "\n", (frames[n - 1].now_ns - frames[0].now_ns) / 1000000);
	printf("stream_retried %zu\n", info.retried);
	printf("stream_late %zu\n", info.late);
	printf("stream_duplicates %zu\n", info.duplicates);
	printf("stream_gaps %zu\n", info.gaps);
	printf("stream_fragments %zu\n", info.fragments);
	printf("stream_nonqos %zu\n", info.nonqos);
	printf("stream_rated %zu\n", info.rated);
	printf("first_try %" PRIu64 "\n", (uint64_t)stats->first_try);
	printf("retried %" PRIu64 "\n", (uint64_t)stats->retried);
	printf("lost %" PRIu64 "\n", (uint64_t)stats->lost);
	printf("window_first_try %u\n", w.first_try);
	printf("window_retried %u\n", w.retried);
	printf("window_lost %u\n", w.lost);
	printf("window_rated %u\n", w.rated);
	printf("window_rate_kbps %u\n", mpw_window_rate_kbps(&w));
	printf("window_packet_time_ns %u\n", mpw_window_packet_time_ns(stats, &w));
	printf("stats_bytes %zu\n", sizeof(struct mpw_rx_stats));
	free(frames);
	free(stats);
	return 0;
}
