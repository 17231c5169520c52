// SPDX-License-Identifier: GPL-2.0
/*
 * trusted-send: one trusted send through one system call, for the tests of
 * MPTCP_TRUSTED on every way data enters a stream socket.
 *
 *   trusted-send connect ADDR PORT [options]   connect, then send
 *   trusted-send serve PORT [options]          accept one connection, then send to it
 *   trusted-send sink PORT [options]           accept connections, count what arrives
 *
 * Trusted bytes are 'A'..'Z', untrusted ones 'a'..'z' (pcap-scan counts any
 * payload byte outside 'a'..'z' as a leak).  Each send prints one JSON line:
 *   {"event":"send","via":"...","trusted":1,"ret":N,"errno":"ENETUNREACH"}
 *
 * options:
 *   --mptcp              an MPTCP socket (default: plain TCP)
 *   --bind ADDR          source address (connect)
 *   --via HOW            send, sendto, sendmsg, sendmmsg, zerocopy, uring-send,
 *                        uring-sendmsg, fastopen (sendto with MSG_FASTOPEN
 *                        instead of connect)
 *   --fastopen-connect   TCP_FASTOPEN_CONNECT before connect
 *   --nonblock-connect   connect without waiting, then send (blocking)
 *   --size N             trusted bytes per send (default 64)
 *   --count N            trusted sends (default 1)
 *   --untrusted N        untrusted bytes after each trusted send (default 0)
 *   --reconnect N        after the sends, disconnect (connect AF_UNSPEC) and
 *                        connect again N times, sending the same each time
 *   --pause-ms MS        wait this long between connecting and sending
 *   --gap-ms MS          wait this long between one trusted send and the next
 *   --linger-ms MS       keep the connection open this long after the sends
 *   --timeout S          sink: give up after S seconds without data (default 10)
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <liburing.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <linux/mpwifi.h>

#ifndef IPPROTO_MPTCP
#define IPPROTO_MPTCP 262
#endif
#ifndef SO_ZEROCOPY
#define SO_ZEROCOPY 60
#endif
#ifndef MSG_ZEROCOPY
#define MSG_ZEROCOPY 0x4000000
#endif
#ifndef TCP_FASTOPEN_CONNECT
#define TCP_FASTOPEN_CONNECT 30
#endif

static struct {
	bool mptcp, fastopen_connect, nonblock_connect;
	const char *bind, *via;
	size_t size, untrusted;
	int count, reconnect, pause_ms, gap_ms, linger_ms, timeout;
} opt = { .via = "send", .size = 64, .count = 1, .timeout = 10 };

static const char *errname(int err)
{
	static char buf[16];

	switch (err) {
	case 0: return "";
	case ENETUNREACH: return "ENETUNREACH";
	case EOPNOTSUPP: return "EOPNOTSUPP";
	case ENOBUFS: return "ENOBUFS";
	case ENOTCONN: return "ENOTCONN";
	case EAGAIN: return "EAGAIN";
	case EPIPE: return "EPIPE";
	case EINPROGRESS: return "EINPROGRESS";
	case ECONNREFUSED: return "ECONNREFUSED";
	case ECONNRESET: return "ECONNRESET";
	case EALREADY: return "EALREADY";
	case EISCONN: return "EISCONN";
	case EINVAL: return "EINVAL";
	}
	snprintf(buf, sizeof(buf), "%d", err);
	return buf;
}

static void die(const char *what)
{
	printf("{\"event\":\"error\",\"op\":\"%s\",\"errno\":\"%s\"}\n", what, errname(errno));
	exit(1);
}

static int uring_send(int fd, const void *buf, size_t len, int flags, bool use_msg)
{
	struct io_uring ring;
	struct io_uring_sqe *sqe;
	struct io_uring_cqe *cqe;
	struct iovec iov = { .iov_base = (void *)buf, .iov_len = len };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
	int ret;

	ret = io_uring_queue_init(4, &ring, 0);
	if (ret < 0) {
		errno = -ret;
		return -1;
	}
	sqe = io_uring_get_sqe(&ring);
	if (use_msg)
		io_uring_prep_sendmsg(sqe, fd, &msg, flags);
	else
		io_uring_prep_send(sqe, fd, buf, len, flags);
	io_uring_submit(&ring);
	ret = io_uring_wait_cqe(&ring, &cqe);
	if (!ret)
		ret = cqe->res;
	io_uring_queue_exit(&ring);
	if (ret < 0) {
		errno = -ret;
		return -1;
	}
	return ret;
}

/* One send of LEN bytes through the chosen call; its result, errno set on failure. */
static ssize_t send_via(int fd, const char *how, const char *buf, size_t len, int flags,
			const struct sockaddr_in *to)
{
	struct iovec iov = { .iov_base = (void *)buf, .iov_len = len };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };

	if (!strcmp(how, "send"))
		return send(fd, buf, len, flags);
	if (!strcmp(how, "sendto"))
		return sendto(fd, buf, len, flags, NULL, 0);
	if (!strcmp(how, "fastopen"))
		return sendto(fd, buf, len, flags | MSG_FASTOPEN, (const struct sockaddr *)to, sizeof(*to));
	if (!strcmp(how, "sendmsg"))
		return sendmsg(fd, &msg, flags);
	if (!strcmp(how, "sendmmsg")) {
		struct mmsghdr mm = { .msg_hdr = msg };
		int n = sendmmsg(fd, &mm, 1, flags);

		return n == 1 ? (ssize_t)mm.msg_len : -1;
	}
	if (!strcmp(how, "zerocopy")) {
		int one = 1;

		if (setsockopt(fd, SOL_SOCKET, SO_ZEROCOPY, &one, sizeof(one)))
			return -1;
		return send(fd, buf, len, flags | MSG_ZEROCOPY);
	}
	if (!strcmp(how, "uring-send"))
		return uring_send(fd, buf, len, flags, false);
	if (!strcmp(how, "uring-sendmsg"))
		return uring_send(fd, buf, len, flags, true);
	errno = EINVAL;
	return -1;
}

static void report(const char *how, bool trusted, ssize_t ret, int err)
{
	printf("{\"event\":\"send\",\"via\":\"%s\",\"trusted\":%d,\"ret\":%zd,\"errno\":\"%s\"}\n", how,
	       trusted, ret, ret < 0 ? errname(err) : "");
	fflush(stdout);
}

static void sleep_ms(int ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* The configured sends on FD; the first trusted one through opt.via (fastopen connects). */
static void send_all(int fd, const struct sockaddr_in *to, bool fastopen)
{
	char *t = malloc(opt.size + 1), *u = malloc(opt.untrusted + 1);
	size_t i;
	int n;

	for (i = 0; i < opt.size; i++)
		t[i] = 'A' + i % 26;
	for (i = 0; i < opt.untrusted; i++)
		u[i] = 'a' + i % 26;
	for (n = 0; n < opt.count; n++) {
		const char *how = fastopen && !n ? "fastopen" : opt.via;
		ssize_t ret;

		if (n)
			sleep_ms(opt.gap_ms);
		ret = send_via(fd, how, t, opt.size, MSG_NOSIGNAL | MPTCP_TRUSTED, to);
		report(how, true, ret, errno);
		if (opt.untrusted) {
			ret = send(fd, u, opt.untrusted, MSG_NOSIGNAL);
			report("send", false, ret, errno);
		}
	}
	/* not freed: MSG_ZEROCOPY sends read these pages after the call returns */
}

static int stream_socket(void)
{
	int fd = socket(AF_INET, SOCK_STREAM, opt.mptcp ? IPPROTO_MPTCP : IPPROTO_TCP);
	int one = 1;

	if (fd < 0)
		die("socket");
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	return fd;
}

static int do_connect(int fd, const struct sockaddr_in *to)
{
	int flags, one = 1;

	if (opt.fastopen_connect && setsockopt(fd, IPPROTO_TCP, TCP_FASTOPEN_CONNECT, &one, sizeof(one)))
		die("setsockopt TCP_FASTOPEN_CONNECT");
	if (!opt.nonblock_connect)
		return connect(fd, (const struct sockaddr *)to, sizeof(*to));
	flags = fcntl(fd, F_GETFL);
	fcntl(fd, F_SETFL, flags | O_NONBLOCK);
	if (connect(fd, (const struct sockaddr *)to, sizeof(*to)) && errno != EINPROGRESS)
		return -1;
	fcntl(fd, F_SETFL, flags);
	return 0;
}

static int run_connect(const char *addr, int port)
{
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(port) };
	bool fastopen = !strcmp(opt.via, "fastopen");
	int fd = stream_socket(), r;

	if (inet_pton(AF_INET, addr, &to.sin_addr) != 1) {
		fprintf(stderr, "bad address %s\n", addr);
		return 2;
	}
	if (opt.bind) {
		struct sockaddr_in src = { .sin_family = AF_INET };

		inet_pton(AF_INET, opt.bind, &src.sin_addr);
		if (bind(fd, (struct sockaddr *)&src, sizeof(src)))
			die("bind");
	}
	if (fastopen) {
		opt.via = "send";
	} else if (do_connect(fd, &to)) {
		die("connect");
	}
	sleep_ms(opt.pause_ms);
	send_all(fd, &to, fastopen);
	for (r = 0; r < opt.reconnect; r++) {
		struct sockaddr unspec = { .sa_family = AF_UNSPEC };

		sleep_ms(opt.linger_ms);
		if (connect(fd, &unspec, sizeof(unspec)))
			die("disconnect");
		if (do_connect(fd, &to))
			die("reconnect");
		send_all(fd, &to, false);
	}
	sleep_ms(opt.linger_ms);
	close(fd);
	return 0;
}

static int listen_on(int port)
{
	struct sockaddr_in any = { .sin_family = AF_INET, .sin_port = htons(port) };
	int fd = stream_socket();

	if (bind(fd, (struct sockaddr *)&any, sizeof(any)) || listen(fd, 64))
		die("listen");
	printf("{\"event\":\"listening\"}\n");
	fflush(stdout);
	return fd;
}

static int run_serve(int port)
{
	int lfd = listen_on(port), fd = accept(lfd, NULL, NULL);

	if (fd < 0)
		die("accept");
	send_all(fd, NULL, false);
	sleep_ms(opt.linger_ms);
	close(fd);
	close(lfd);
	return 0;
}

/* Counts bytes from every connection until none arrives for opt.timeout seconds. */
static int run_sink(int port)
{
	struct pollfd p[64] = { { .fd = listen_on(port), .events = POLLIN } };
	unsigned long total = 0, trusted = 0;
	unsigned int n = 1, i;
	char buf[65536];

	while (poll(p, n, opt.timeout * 1000) > 0) {
		if ((p[0].revents & POLLIN) && n < 64) {
			p[n].fd = accept(p[0].fd, NULL, NULL);
			p[n].events = POLLIN;
			if (p[n].fd >= 0)
				n++;
		}
		for (i = 1; i < n; i++) {
			ssize_t got, k;

			if (p[i].fd < 0 || !(p[i].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			got = read(p[i].fd, buf, sizeof(buf));
			if (got <= 0) {
				close(p[i].fd);
				p[i].fd = -1;
				continue;
			}
			total += got;
			for (k = 0; k < got; k++)
				trusted += buf[k] < 'a' || buf[k] > 'z';
		}
		printf("{\"event\":\"received\",\"bytes\":%lu,\"trusted_bytes\":%lu}\n", total, trusted);
		fflush(stdout);
	}
	return 0;
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "";
	int i, first = 2;

	if (!strcmp(mode, "connect"))
		first = 4;
	else if (!strcmp(mode, "serve") || !strcmp(mode, "sink"))
		first = 3;
	else
		goto usage;
	if (argc < first)
		goto usage;
	for (i = first; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(a, "--mptcp")) {
			opt.mptcp = true;
		} else if (!strcmp(a, "--fastopen-connect")) {
			opt.fastopen_connect = true;
		} else if (!strcmp(a, "--nonblock-connect")) {
			opt.nonblock_connect = true;
		} else if (v && !strcmp(a, "--bind")) {
			opt.bind = v, i++;
		} else if (v && !strcmp(a, "--via")) {
			opt.via = v, i++;
		} else if (v && !strcmp(a, "--size")) {
			opt.size = strtoul(v, NULL, 0), i++;
		} else if (v && !strcmp(a, "--count")) {
			opt.count = atoi(v), i++;
		} else if (v && !strcmp(a, "--untrusted")) {
			opt.untrusted = strtoul(v, NULL, 0), i++;
		} else if (v && !strcmp(a, "--reconnect")) {
			opt.reconnect = atoi(v), i++;
		} else if (v && !strcmp(a, "--pause-ms")) {
			opt.pause_ms = atoi(v), i++;
		} else if (v && !strcmp(a, "--gap-ms")) {
			opt.gap_ms = atoi(v), i++;
		} else if (v && !strcmp(a, "--linger-ms")) {
			opt.linger_ms = atoi(v), i++;
		} else if (v && !strcmp(a, "--timeout")) {
			opt.timeout = atoi(v), i++;
		} else {
			goto usage;
		}
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!strcmp(mode, "connect"))
		return run_connect(argv[2], atoi(argv[3]));
	if (!strcmp(mode, "serve"))
		return run_serve(atoi(argv[2]));
	return run_sink(atoi(argv[2]));
usage:
	fprintf(stderr, "usage: trusted-send connect ADDR PORT | serve PORT | sink PORT [options] (see the source)\n");
	return 2;
}
