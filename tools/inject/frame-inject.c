// SPDX-License-Identifier: GPL-2.0
/*
 * frame-inject: send 802.11 data frames with a chosen TID, sequence number
 * and retry bit through a monitor interface, as an AP would send them to a
 * station.  The radiotap TX flag NOSEQNO keeps mac80211 from rewriting the
 * sequence number; the retry bit is sent as given.
 *
 *   frame-inject MONITOR-IF STATION-MAC BSSID FRAME...
 *   frame-inject MONITOR-IF - - FRAME...   < "STATION-MAC BSSID" lines
 *                            the frames for each pair in turn (a flood from
 *                            many BSSIDs without a process per BSSID)
 *   FRAME := TID:SEQ:RETRY   TID 0..15, or '-' for non-QoS data;
 *                            SEQ 0..4095; RETRY 0|1
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define RADIOTAP_TX_FLAGS_BIT	15
#define RADIOTAP_F_TX_NOACK	0x0008
#define RADIOTAP_F_TX_NOSEQNO	0x0010

struct radiotap_tx {
	uint8_t version, pad;
	uint16_t len;
	uint32_t present;
	uint16_t tx_flags;
} __attribute__((packed));

struct frame_spec {
	int tid;	/* -1: non-QoS */
	unsigned int seq;
	int retry;
};

static int parse_mac(const char *s, uint8_t mac[6])
{
	unsigned int b[6];
	char end;

	if (sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%c", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5],
		   &end) != 6)
		return -1;
	for (int i = 0; i < 6; i++)
		mac[i] = (uint8_t)b[i];
	return 0;
}

static int parse_frame(const char *s, struct frame_spec *f)
{
	char tid[4], end;

	if (sscanf(s, "%3[^:]:%u:%d%c", tid, &f->seq, &f->retry, &end) != 3 || f->seq > 4095 ||
	    (f->retry != 0 && f->retry != 1))
		return -1;
	if (!strcmp(tid, "-")) {
		f->tid = -1;
		return 0;
	}
	f->tid = atoi(tid);
	return f->tid >= 0 && f->tid <= 15 && strspn(tid, "0123456789") == strlen(tid) ? 0 : -1;
}

/* Radiotap, then a FromDS data frame STA <- BSSID, then an LLC/SNAP payload. */
static size_t build(uint8_t *buf, const struct frame_spec *f, const uint8_t sta[6],
		    const uint8_t bssid[6])
{
	static const uint8_t llc_snap[] = { 0xaa, 0xaa, 0x03, 0, 0, 0, 0x88, 0xb5 }; /* local experimental */
	struct radiotap_tx rt = {
		.len = htole16(sizeof(rt)),
		.present = htole32(1u << RADIOTAP_TX_FLAGS_BIT),
		.tx_flags = htole16(RADIOTAP_F_TX_NOSEQNO | RADIOTAP_F_TX_NOACK),
	};
	size_t n = 0;

	memcpy(buf, &rt, sizeof(rt));
	n += sizeof(rt);
	buf[n++] = f->tid < 0 ? 0x08 : 0x88;		/* data / QoS data */
	buf[n++] = 0x02 | (f->retry ? 0x08 : 0);	/* FromDS, Retry */
	buf[n++] = 0;					/* duration */
	buf[n++] = 0;
	memcpy(buf + n, sta, 6);			/* addr1: receiver */
	memcpy(buf + n + 6, bssid, 6);			/* addr2: transmitter */
	memcpy(buf + n + 12, bssid, 6);			/* addr3: source */
	n += 18;
	buf[n++] = (uint8_t)(f->seq << 4);		/* fragment 0 */
	buf[n++] = (uint8_t)(f->seq >> 4);
	if (f->tid >= 0) {
		buf[n++] = (uint8_t)f->tid;		/* normal ack policy */
		buf[n++] = 0;
	}
	memcpy(buf + n, llc_snap, sizeof(llc_snap));
	n += sizeof(llc_snap);
	memset(buf + n, 0x5a, 64);
	return n + 64;
}

static int send_frames(int fd, int n, char **frames, const uint8_t sta[6], const uint8_t bssid[6])
{
	const struct timespec gap = { 0, 2 * 1000 * 1000 };
	uint8_t buf[256];

	for (int i = 0; i < n; i++) {
		struct frame_spec f;
		size_t len;

		parse_frame(frames[i], &f);
		len = build(buf, &f, sta, bssid);
		if (send(fd, buf, len, 0) != (ssize_t)len) {
			perror("frame-inject: send");
			return -1;
		}
		nanosleep(&gap, NULL);	/* keep the monitor queue from dropping */
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct sockaddr_ll sll = { .sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_ALL) };
	bool from_stdin = argc >= 5 && !strcmp(argv[2], "-") && !strcmp(argv[3], "-");
	uint8_t sta[6], bssid[6];
	int fd, ret = 0;

	if (argc < 5 || (!from_stdin && (parse_mac(argv[2], sta) || parse_mac(argv[3], bssid)))) {
		fprintf(stderr, "usage: frame-inject MONITOR-IF STATION-MAC BSSID TID:SEQ:RETRY...\n"
			"       frame-inject MONITOR-IF - - TID:SEQ:RETRY... < \"STATION-MAC BSSID\" lines\n");
		return 2;
	}
	for (int i = 4; i < argc; i++) {
		struct frame_spec f;

		if (parse_frame(argv[i], &f)) {
			fprintf(stderr, "frame-inject: bad frame \"%s\" (want TID:SEQ:RETRY)\n", argv[i]);
			return 2;
		}
	}
	sll.sll_ifindex = (int)if_nametoindex(argv[1]);
	if (!sll.sll_ifindex) {
		fprintf(stderr, "frame-inject: no interface %s\n", argv[1]);
		return 1;
	}
	fd = socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL));
	if (fd < 0 || bind(fd, (struct sockaddr *)&sll, sizeof(sll))) {
		perror("frame-inject: packet socket");
		return 1;
	}
	if (!from_stdin) {
		ret = send_frames(fd, argc - 4, argv + 4, sta, bssid) ? 1 : 0;
	} else {
		char line[128], s[32], b[32];
		unsigned long no = 0;

		while (!ret && fgets(line, sizeof(line), stdin)) {
			no++;
			if (sscanf(line, "%31s %31s", s, b) != 2 || parse_mac(s, sta) || parse_mac(b, bssid)) {
				fprintf(stderr, "frame-inject: line %lu: want \"STATION-MAC BSSID\"\n", no);
				ret = 2;
			} else if (send_frames(fd, argc - 4, argv + 4, sta, bssid)) {
				ret = 1;
			}
		}
	}
	close(fd);
	return ret;
}
