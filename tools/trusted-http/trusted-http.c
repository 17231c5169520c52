// SPDX-License-Identifier: GPL-2.0
/*
 * trusted-http: an HTTP-like client and server over Multipath TCP whose
 * sensitive bytes (request and response heads, message headers) are sent
 * with MPTCP_TRUSTED and whose bodies are not.
 *
 * Alphabets, so that a packet capture proves a leak byte by byte:
 *   untrusted bytes (bodies)             only 'a'..'z'
 *   trusted bytes (heads, headers)       never 'a'..'z'
 * Any TCP payload byte outside 'a'..'z' on an untrusted path is a leak.
 *
 *   trusted-http server  [--port P] [--bind ADDR] [--tcp] [--no-trusted]
 *                        [--max-conns N] [--idle-timeout S]
 *   trusted-http get     SERVER [--port P] [--bind ADDR] [--tcp] [--no-trusted]
 *                        [--size BYTES] [--loads N] [--gap-ms MS] [--timeout S]
 *   trusted-http session SERVER [--port P] [--bind ADDR] [--tcp] [--no-trusted]
 *                        [--messages M] [--header H] [--up U] [--down D]
 *                        [--rate MSG_PER_S] [--progress-ms MS] [--idle-timeout S]
 *
 * Output: JSON lines on stdout (timestamps CLOCK_MONOTONIC ns), errors also on
 * stderr.  Exit status 0 on success, 1 on any error, 2 on a usage error.
 * See README.md beside this file for the protocol.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/mptcp.h>
#include <linux/mpwifi.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#ifndef IPPROTO_MPTCP
#define IPPROTO_MPTCP 262
#endif
#ifndef SOL_MPTCP
#define SOL_MPTCP 284
#endif

#define HEAD_MAX	4096
#define CHUNK		65536
#define HEADER_MIN	17	/* "MSG-0000000000-" + "\r\n" */
#define DEFAULT_PORT	"8080"

struct options {
	const char *server;
	const char *port;
	const char *bind_addr;
	bool tcp;
	bool trusted;
	/* get */
	uint64_t size;
	unsigned long loads;
	unsigned long gap_ms;
	unsigned long timeout_s;
	/* session */
	uint64_t messages;
	uint64_t header;
	uint64_t up;
	uint64_t down;
	double rate;
	unsigned long progress_ms;
	unsigned long idle_timeout_s;
	/* server */
	unsigned long max_conns;
};

static struct options opt = {
	.port = DEFAULT_PORT,
	.trusted = true,
	.size = 1048576,
	.loads = 1,
	.timeout_s = 60,
	.messages = 1000,
	.header = 256,
	.up = 512,
	.down = 4096,
	.progress_ms = 1000,
	.idle_timeout_s = 60,
};

static const char *role = "client";

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static const char *errname(int err)
{
	const char *n = strerrorname_np(err);

	return n ? n : "E?";
}

/* An error as one JSON line on stdout and a sentence on stderr. */
static void report_error(const char *op, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void report_error(const char *op, int err, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	for (char *p = msg; *p; p++)
		if (*p == '"' || *p == '\\' || (unsigned char)*p < 0x20)
			*p = '\'';
	if (err)
		printf("{\"event\": \"error\", \"role\": \"%s\", \"t_ns\": %" PRIu64 ", \"op\": \"%s\", "
		       "\"errno\": \"%s\", \"message\": \"%s: %s\"}\n",
		       role, now_ns(), op, errname(err), msg, strerror(err));
	else
		printf("{\"event\": \"error\", \"role\": \"%s\", \"t_ns\": %" PRIu64 ", \"op\": \"%s\", "
		       "\"errno\": null, \"message\": \"%s\"}\n", role, now_ns(), op, msg);
	fflush(stdout);
	if (err)
		fprintf(stderr, "trusted-http %s: %s: %s: %s (%s)\n", role, op, msg, strerror(err),
			errname(err));
	else
		fprintf(stderr, "trusted-http %s: %s: %s\n", role, op, msg);
}

/* ------------------------------------------------------------------------
 * Content: a pure function of the stream offset.
 */

static uint64_t mix(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ULL;
	x ^= x >> 33;
	return x;
}

/* untrusted alphabet: 'a'..'z' only */
static char body_byte(uint64_t off)
{
	return (char)('a' + mix(off) % 26);
}

/* filler of trusted headers: 'A'..'Z' */
static char fill_byte(uint64_t off)
{
	return (char)('A' + mix(off ^ 0x5bd1e9955bd1e995ULL) % 26);
}

/*
 * A message stream: M messages of a trusted header of H bytes followed by an
 * untrusted body of B bytes.  Message k starts at offset k (H + B); its
 * header reads "MSG-%010k-", then 'A'..'Z' filler, then "\r\n".
 */
struct layout {
	uint64_t messages, header, body;
};

static uint64_t layout_total(const struct layout *l)
{
	return l->messages * (l->header + l->body);
}

/* expected byte at offset off; *trusted tells whether it is header */
static char stream_byte(const struct layout *l, uint64_t off, bool *trusted)
{
	uint64_t per = l->header + l->body, k = off / per, pos = off % per;
	char num[32];

	if (pos >= l->header) {
		*trusted = false;
		return body_byte(off);
	}
	*trusted = true;
	if (pos < 15) {
		snprintf(num, sizeof(num), "MSG-%010" PRIu64 "-", (uint64_t)(k % 10000000000ULL));
		return num[pos];
	}
	if (pos == l->header - 2)
		return '\r';
	if (pos == l->header - 1)
		return '\n';
	return fill_byte(off);
}

/* ------------------------------------------------------------------------
 * Sockets
 */

static int trusted_status_ok(void)
{
	char buf[256] = "";
	FILE *f = fopen(MPWIFI_TRUSTED_STATUS_PATH, "r");
	size_t n;

	if (!f) {
		report_error("trusted-status", 0,
			     "%s: %s: the mpwifi module is not loaded, so MPTCP_TRUSTED would be ignored and "
			     "trusted data could travel on any path; load it or run with --no-trusted",
			     MPWIFI_TRUSTED_STATUS_PATH, strerror(errno));
		return -1;
	}
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	if (strcmp(buf, "available") != 0) {
		report_error("trusted-status", 0,
			     "%s reads '%s': trusted sends are not enforced here; refusing to send trusted data "
			     "(run with --no-trusted for the regular variant)", MPWIFI_TRUSTED_STATUS_PATH, buf);
		return -1;
	}
	return 0;
}

static int resolve(const char *host, const char *port, bool passive, struct addrinfo **res)
{
	struct addrinfo hints = {
		.ai_socktype = SOCK_STREAM,
		.ai_flags = AI_NUMERICSERV | (passive ? AI_PASSIVE : 0),
	};
	int rc = getaddrinfo(host, port, &hints, res);

	if (rc) {
		report_error("resolve", 0, "%s port %s: %s", host ? host : "(any)", port, gai_strerror(rc));
		return -1;
	}
	return 0;
}

static int proto(void)
{
	return opt.tcp ? IPPROTO_TCP : IPPROTO_MPTCP;
}

static void set_nodelay(int fd)
{
	int one = 1;

	/* best effort: MPTCP passes it to every subflow */
	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

static void addr_str(const struct sockaddr *sa, char *buf, size_t len)
{
	char host[INET6_ADDRSTRLEN] = "?";
	unsigned int port = 0;

	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *s = (const struct sockaddr_in *)sa;

		inet_ntop(AF_INET, &s->sin_addr, host, sizeof(host));
		port = ntohs(s->sin_port);
	} else if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *s = (const struct sockaddr_in6 *)sa;

		inet_ntop(AF_INET6, &s->sin6_addr, host, sizeof(host));
		port = ntohs(s->sin6_port);
	}
	snprintf(buf, len, "%s:%u", host, port);
}

/* subflows of an MPTCP connection, 0 if it fell back to TCP (or is TCP) */
static int mptcp_subflows(int fd)
{
	struct mptcp_info info;
	socklen_t len = sizeof(info);

	if (opt.tcp)
		return 0;
	memset(&info, 0, sizeof(info));
	if (getsockopt(fd, SOL_MPTCP, MPTCP_INFO, &info, &len) < 0)
		return 0;
	if (info.mptcpi_flags & MPTCP_INFO_FLAG_FALLBACK)
		return 0;
	return 1 + info.mptcpi_subflows;
}

/* connect with a timeout; the socket is returned blocking */
static int connect_to(const char *host, const char *port, unsigned long timeout_s)
{
	struct addrinfo *res, *bres = NULL;
	struct pollfd p;
	int fd, err = 0, flags, rc;
	socklen_t len = sizeof(err);

	if (resolve(host, port, false, &res))
		return -1;
	fd = socket(res->ai_family, SOCK_STREAM, proto());
	if (fd < 0) {
		report_error("socket", errno, "%s socket", opt.tcp ? "TCP" : "MPTCP (IPPROTO_MPTCP)");
		freeaddrinfo(res);
		return -1;
	}
	set_nodelay(fd);
	if (opt.bind_addr) {
		if (resolve(opt.bind_addr, "0", false, &bres))
			goto fail;
		if (bind(fd, bres->ai_addr, bres->ai_addrlen) < 0) {
			report_error("bind", errno, "bind to %s", opt.bind_addr);
			goto fail;
		}
		freeaddrinfo(bres);
		bres = NULL;
	}
	flags = fcntl(fd, F_GETFL);
	fcntl(fd, F_SETFL, flags | O_NONBLOCK);
	rc = connect(fd, res->ai_addr, res->ai_addrlen);
	if (rc < 0 && errno != EINPROGRESS) {
		report_error("connect", errno, "connect to %s port %s", host, port);
		goto fail;
	}
	if (rc < 0) {
		p = (struct pollfd){ .fd = fd, .events = POLLOUT };
		rc = poll(&p, 1, (int)(timeout_s * 1000));
		if (rc == 0) {
			report_error("connect", ETIMEDOUT, "connect to %s port %s (after %lu s)", host, port,
				     timeout_s);
			goto fail;
		}
		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
			err = errno;
		if (err) {
			report_error("connect", err, "connect to %s port %s", host, port);
			goto fail;
		}
	}
	fcntl(fd, F_SETFL, flags);
	freeaddrinfo(res);
	return fd;
fail:
	if (bres)
		freeaddrinfo(bres);
	freeaddrinfo(res);
	close(fd);
	return -1;
}

static void set_timeouts(int fd, unsigned long s)
{
	struct timeval tv = { .tv_sec = (time_t)s };

	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

/* blocking send of a whole buffer, trusted or not */
static int send_all(int fd, const char *buf, size_t len, bool trusted, const char *what)
{
	int flags = MSG_NOSIGNAL | (trusted && opt.trusted ? MPTCP_TRUSTED : 0);
	size_t done = 0;

	while (done < len) {
		ssize_t n = send(fd, buf + done, len - done, flags);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				errno = ETIMEDOUT;
			report_error("send", errno, "%s (%s, %zu of %zu bytes sent)", what,
				     flags & MPTCP_TRUSTED ? "with MPTCP_TRUSTED" : "without MPTCP_TRUSTED", done,
				     len);
			return -1;
		}
		done += (size_t)n;
	}
	return 0;
}

/*
 * Read a head (up to and including "\r\n\r\n") into head; bytes read past it
 * go to extra (*extra_len).  Blocking, with the socket's timeouts.
 */
static int read_head(int fd, char *head, size_t *head_len, char *extra, size_t *extra_len, const char *what)
{
	size_t have = 0;

	for (;;) {
		ssize_t n = recv(fd, head + have, HEAD_MAX - have, 0);
		char *end;

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			report_error("recv", ETIMEDOUT, "%s: reading the head (%zu bytes so far): nothing for the "
				     "timeout", what, have);
			return -1;
		}
		if (n < 0) {
			report_error("recv", errno, "%s: reading the head (%zu bytes so far)", what, have);
			return -1;
		}
		if (n == 0) {
			report_error("recv", 0, "%s: connection closed after %zu bytes of the head", what, have);
			return -1;
		}
		have += (size_t)n;
		head[have] = '\0';
		end = memmem(head, have, "\r\n\r\n", 4);
		if (end) {
			size_t hl = (size_t)(end - head) + 4;

			*extra_len = have - hl;
			memcpy(extra, head + hl, *extra_len);
			head[hl] = '\0';
			*head_len = hl;
			for (size_t i = 0; i < hl; i++)
				if (head[i] >= 'a' && head[i] <= 'z') {
					report_error("verify", 0, "%s: lowercase byte in the head at offset %zu", what,
						     i);
					return -1;
				}
			return 0;
		}
		if (have >= HEAD_MAX - 1) {
			report_error("recv", 0, "%s: head longer than %d bytes", what, HEAD_MAX - 1);
			return -1;
		}
	}
}

/* ------------------------------------------------------------------------
 * Page loads (client: get)
 */

static int page_load(unsigned long i)
{
	static char buf[CHUNK], head[HEAD_MAX + 1], extra[HEAD_MAX];
	char req[512], token[33];
	uint64_t t0, t_conn, t_first = 0, t_last, got = 0, length = 0;
	size_t head_len, extra_len;
	int fd, subflows;
	char *cl;

	t0 = now_ns();
	fd = connect_to(opt.server, opt.port, opt.timeout_s);
	if (fd < 0)
		return -1;
	t_conn = now_ns();
	set_timeouts(fd, opt.timeout_s);
	for (int j = 0; j < 32; j++)
		token[j] = "0123456789ABCDEF"[mix(t0 + (uint64_t)j) & 15];
	token[32] = '\0';
	snprintf(req, sizeof(req),
		 "GET /OBJECT/%" PRIu64 " HTTP/1.1\r\nHOST: %s\r\nX-TOKEN: %s\r\nCOOKIE: SESSION=%s\r\n\r\n",
		 opt.size, opt.server, token, token);
	for (char *p = req; *p; p++)	/* the server name too: no lowercase in trusted bytes */
		if (*p >= 'a' && *p <= 'z')
			*p = (char)(*p - 'a' + 'A');
	if (send_all(fd, req, strlen(req), true, "request head"))
		goto fail;
	if (read_head(fd, head, &head_len, extra, &extra_len, "response"))
		goto fail;
	t_first = now_ns();
	if (strncmp(head, "HTTP/1.1 200 ", 13) != 0) {
		report_error("response", 0, "unexpected status line: %.40s", head);
		goto fail;
	}
	cl = strstr(head, "CONTENT-LENGTH: ");
	if (!cl || sscanf(cl + 16, "%" SCNu64, &length) != 1 || length != opt.size) {
		report_error("response", 0, "bad CONTENT-LENGTH (asked for %" PRIu64 ")", opt.size);
		goto fail;
	}
	memcpy(buf, extra, extra_len);
	for (size_t n = extra_len;;) {
		for (size_t j = 0; j < n; j++, got++) {
			char want = body_byte(got);

			if (got >= length) {
				report_error("verify", 0, "body longer than CONTENT-LENGTH %" PRIu64, length);
				goto fail;
			}
			if (buf[j] != want) {
				report_error("verify", 0,
					     "body byte %" PRIu64 ": got 0x%02x, expected 0x%02x ('%c')", got,
					     (unsigned char)buf[j], (unsigned char)want, want);
				goto fail;
			}
		}
		if (got == length)
			break;
		ssize_t r = recv(fd, buf, sizeof(buf), 0);

		if (r < 0 && errno == EINTR) {
			n = 0;
			continue;
		}
		if (r < 0) {
			int e = errno == EAGAIN || errno == EWOULDBLOCK ? ETIMEDOUT : errno;

			report_error("recv", e, "body, after %" PRIu64 " of %" PRIu64 " bytes", got, length);
			goto fail;
		}
		if (r == 0) {
			report_error("recv", 0, "short read: connection closed after %" PRIu64 " of %" PRIu64
				     " body bytes", got, length);
			goto fail;
		}
		n = (size_t)r;
	}
	t_last = now_ns();
	subflows = mptcp_subflows(fd);
	close(fd);
	printf("{\"event\": \"load\", \"i\": %lu, \"size\": %" PRIu64 ", \"trusted\": %s, \"proto\": \"%s\", "
	       "\"mptcp\": %s, \"subflows\": %d, \"t_start_ns\": %" PRIu64 ", \"connect_ns\": %" PRIu64 ", "
	       "\"first_byte_ns\": %" PRIu64 ", \"plt_ns\": %" PRIu64 ", \"plt_ms\": %.3f}\n",
	       i, opt.size, opt.trusted ? "true" : "false", opt.tcp ? "tcp" : "mptcp",
	       subflows > 0 ? "true" : "false", subflows, t0, t_conn - t0, t_first - t0, t_last - t0,
	       (double)(t_last - t0) / 1e6);
	fflush(stdout);
	return 0;
fail:
	close(fd);
	return -1;
}

static int cmd_get(void)
{
	int rc = 0;

	for (unsigned long i = 0; i < opt.loads; i++) {
		if (i && opt.gap_ms)
			usleep((useconds_t)(opt.gap_ms * 1000));
		if (page_load(i)) {
			rc = 1;
			break;
		}
	}
	return rc;
}

/* ------------------------------------------------------------------------
 * Sessions: both directions at once over one connection, non-blocking.
 */

struct tx_stream {
	struct layout l;
	uint64_t off, total, t0;
	uint64_t sent_trusted, sent_untrusted;
};

struct rx_stream {
	struct layout l;
	uint64_t off, total;
	uint64_t got_trusted, got_untrusted;
	bool eof;
	/* first mismatch */
	bool bad;
	uint64_t bad_off;
	int bad_got, bad_want;
};

/* bytes of the tx stream due now (pacing: message k is due at t0 + k / rate) */
static uint64_t tx_due(const struct tx_stream *tx, uint64_t now)
{
	uint64_t per = tx->l.header + tx->l.body, k;

	if (opt.rate <= 0)
		return tx->total;
	k = (uint64_t)((double)(now - tx->t0) / 1e9 * opt.rate) + 1;
	if (k > tx->l.messages)
		k = tx->l.messages;
	return k * per;
}

/* ns until the next message becomes due (or 0 if nothing to wait for) */
static uint64_t tx_wait_ns(const struct tx_stream *tx, uint64_t now)
{
	uint64_t per = tx->l.header + tx->l.body, k, at;

	if (opt.rate <= 0 || tx->off >= tx->total)
		return 0;
	k = tx->off / per;
	at = tx->t0 + (uint64_t)((double)k * 1e9 / opt.rate);
	return at > now ? at - now : 0;
}

/* send what is due; 1 if some progress, 0 if it would block, -1 on error */
static int tx_pump(int fd, struct tx_stream *tx, uint64_t now)
{
	static char buf[CHUNK];
	uint64_t due = tx_due(tx, now), per = tx->l.header + tx->l.body;
	int progress = 0;

	while (tx->off < due) {
		uint64_t pos = tx->off % per;
		bool trusted = pos < tx->l.header, t;
		uint64_t end = trusted ? tx->off - pos + tx->l.header : tx->off - pos + per;
		size_t len = (size_t)(end - tx->off < CHUNK ? end - tx->off : CHUNK);
		int flags = MSG_NOSIGNAL | MSG_DONTWAIT | (trusted && opt.trusted ? MPTCP_TRUSTED : 0);
		ssize_t n;

		for (size_t j = 0; j < len; j++)
			buf[j] = stream_byte(&tx->l, tx->off + j, &t);
		n = send(fd, buf, len, flags);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return progress;
		if (n < 0) {
			report_error("send", errno, "message %" PRIu64 " %s at stream offset %" PRIu64 " (%s)",
				     tx->off / per, trusted ? "header" : "body", tx->off,
				     flags & MPTCP_TRUSTED ? "with MPTCP_TRUSTED" : "without MPTCP_TRUSTED");
			return -1;
		}
		if (trusted)
			tx->sent_trusted += (uint64_t)n;
		else
			tx->sent_untrusted += (uint64_t)n;
		tx->off += (uint64_t)n;
		progress = 1;
	}
	return progress;
}

/* verify and count received bytes */
static void rx_feed(struct rx_stream *rx, const char *buf, size_t n)
{
	for (size_t j = 0; j < n && !rx->bad; j++) {
		bool trusted;
		char want;

		if (rx->off >= rx->total) {
			rx->bad = true;
			rx->bad_off = rx->off;
			rx->bad_got = (unsigned char)buf[j];
			rx->bad_want = -1;
			return;
		}
		want = stream_byte(&rx->l, rx->off, &trusted);
		if (buf[j] != want) {
			rx->bad = true;
			rx->bad_off = rx->off;
			rx->bad_got = (unsigned char)buf[j];
			rx->bad_want = (unsigned char)want;
			return;
		}
		if (trusted)
			rx->got_trusted++;
		else
			rx->got_untrusted++;
		rx->off++;
	}
}

static void session_line(const char *event, const struct tx_stream *tx, const struct rx_stream *rx, int fd,
			 uint64_t t_start)
{
	uint64_t per = rx->l.header + rx->l.body;

	printf("{\"event\": \"%s\", \"role\": \"%s\", \"t_ns\": %" PRIu64 ", \"elapsed_ns\": %" PRIu64 ", "
	       "\"rx_trusted\": %" PRIu64 ", \"rx_untrusted\": %" PRIu64 ", \"rx_messages\": %" PRIu64 ", "
	       "\"tx_trusted\": %" PRIu64 ", \"tx_untrusted\": %" PRIu64 ", \"tx_messages\": %" PRIu64 ", "
	       "\"subflows\": %d",
	       event, role, now_ns(), now_ns() - t_start, rx->got_trusted, rx->got_untrusted,
	       per ? rx->off / per : 0, tx->sent_trusted, tx->sent_untrusted,
	       tx->l.header + tx->l.body ? tx->off / (tx->l.header + tx->l.body) : 0, mptcp_subflows(fd));
	if (!strcmp(event, "done")) {
		printf(", \"messages\": %" PRIu64 ", \"header\": %" PRIu64 ", \"tx_body\": %" PRIu64
		       ", \"rx_body\": %" PRIu64 ", \"trusted\": %s, \"mismatches\": %d, \"first_mismatch\": ",
		       rx->l.messages, rx->l.header, tx->l.body, rx->l.body, opt.trusted ? "true" : "false",
		       rx->bad ? 1 : 0);
		if (rx->bad)
			printf("{\"offset\": %" PRIu64 ", \"got\": %d, \"expected\": %d}", rx->bad_off, rx->bad_got,
			       rx->bad_want);
		else
			printf("null");
		printf(", \"complete\": %s", rx->off == rx->total && tx->off == tx->total ? "true" : "false");
	}
	printf("}\n");
	fflush(stdout);
}

/*
 * Run both streams until the peer's is complete and closed and ours is sent.
 * pending/pending_len: stream bytes already read with the head.
 */
static int session_run(int fd, struct tx_stream *tx, struct rx_stream *rx, const char *pending,
		       size_t pending_len)
{
	static char buf[CHUNK];
	uint64_t t_start = now_ns(), next_progress, last_activity;
	bool shut = false;
	int rc = 0;

	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	tx->t0 = t_start;
	next_progress = t_start + opt.progress_ms * 1000000ULL;
	last_activity = t_start;
	rx_feed(rx, pending, pending_len);
	for (;;) {
		uint64_t now = now_ns(), wait, w;
		struct pollfd p = { .fd = fd, .events = 0 };
		int r;

		if (rx->bad)
			break;
		if (tx->off < tx->total && tx_due(tx, now) > tx->off)
			p.events |= POLLOUT;
		if (!rx->eof)
			p.events |= POLLIN;
		if (tx->off == tx->total && !shut) {
			shutdown(fd, SHUT_WR);
			shut = true;
		}
		if (rx->eof && tx->off == tx->total)
			break;
		wait = next_progress > now ? next_progress - now : 0;
		w = tx_wait_ns(tx, now);
		if (w && w < wait)
			wait = w;
		r = poll(&p, 1, (int)(wait / 1000000) + 1);
		if (r < 0 && errno != EINTR) {
			report_error("poll", errno, "session");
			rc = -1;
			break;
		}
		now = now_ns();
		if (r > 0 && (p.revents & (POLLIN | POLLHUP | POLLERR)) && !rx->eof) {
			ssize_t n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);

			if (n > 0) {
				rx_feed(rx, buf, (size_t)n);
				last_activity = now;
			} else if (n == 0) {
				rx->eof = true;
				if (rx->off != rx->total) {
					report_error("recv", 0, "short read: connection closed after %" PRIu64 " of %"
						     PRIu64 " stream bytes", rx->off, rx->total);
					rc = -1;
					break;
				}
			} else if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
				report_error("recv", errno, "after %" PRIu64 " of %" PRIu64 " stream bytes", rx->off,
					     rx->total);
				rc = -1;
				break;
			}
		}
		if (tx->off < tx->total) {
			int s = tx_pump(fd, tx, now);

			if (s < 0) {
				rc = -1;
				break;
			}
			if (s > 0)
				last_activity = now;
		}
		if (now >= next_progress) {
			session_line("progress", tx, rx, fd, t_start);
			next_progress += opt.progress_ms * 1000000ULL;
			if (next_progress < now)
				next_progress = now + opt.progress_ms * 1000000ULL;
		}
		if (opt.idle_timeout_s && now - last_activity > opt.idle_timeout_s * 1000000000ULL) {
			report_error("session", ETIMEDOUT, "nothing sent or received for %lu s (rx %" PRIu64
				     " of %" PRIu64 ", tx %" PRIu64 " of %" PRIu64 " bytes)", opt.idle_timeout_s,
				     rx->off, rx->total, tx->off, tx->total);
			rc = -1;
			break;
		}
	}
	if (rx->bad) {
		if (rx->bad_want < 0)
			report_error("verify", 0, "byte past the end of the stream at offset %" PRIu64, rx->bad_off);
		else
			report_error("verify", 0, "stream offset %" PRIu64 " (message %" PRIu64 "): got 0x%02x, "
				     "expected 0x%02x", rx->bad_off, rx->bad_off / (rx->l.header + rx->l.body),
				     rx->bad_got, rx->bad_want);
		rc = -1;
	}
	session_line("done", tx, rx, fd, t_start);
	return rc;
}

static int cmd_session(void)
{
	static char head[HEAD_MAX + 1], extra[HEAD_MAX];
	char req[256];
	size_t head_len, extra_len;
	struct tx_stream tx = { .l = { opt.messages, opt.header, opt.up } };
	struct rx_stream rx = { .l = { opt.messages, opt.header, opt.down } };
	int fd, rc;

	tx.total = layout_total(&tx.l);
	rx.total = layout_total(&rx.l);
	fd = connect_to(opt.server, opt.port, opt.timeout_s);
	if (fd < 0)
		return 1;
	set_timeouts(fd, opt.idle_timeout_s ? opt.idle_timeout_s : opt.timeout_s);
	snprintf(req, sizeof(req), "POST /SESSION/%" PRIu64 "/%" PRIu64 "/%" PRIu64 "/%" PRIu64 "/%.3f HTTP/1.1\r\n"
		 "X-TOKEN: %016" PRIX64 "\r\n\r\n",
		 opt.messages, opt.header, opt.up, opt.down, opt.rate, mix(now_ns()));
	printf("{\"event\": \"start\", \"role\": \"client\", \"t_ns\": %" PRIu64 ", \"messages\": %" PRIu64
	       ", \"header\": %" PRIu64 ", \"up\": %" PRIu64 ", \"down\": %" PRIu64 ", \"rate\": %.3f, "
	       "\"trusted\": %s, \"proto\": \"%s\", \"subflows\": %d}\n",
	       now_ns(), opt.messages, opt.header, opt.up, opt.down, opt.rate, opt.trusted ? "true" : "false",
	       opt.tcp ? "tcp" : "mptcp", mptcp_subflows(fd));
	fflush(stdout);
	if (send_all(fd, req, strlen(req), true, "session request head") ||
	    read_head(fd, head, &head_len, extra, &extra_len, "session response")) {
		close(fd);
		return 1;
	}
	if (strncmp(head, "HTTP/1.1 200 ", 13) != 0) {
		report_error("response", 0, "unexpected status line: %.40s", head);
		close(fd);
		return 1;
	}
	rc = session_run(fd, &tx, &rx, extra, extra_len);
	close(fd);
	return rc ? 1 : 0;
}

/* ------------------------------------------------------------------------
 * Server: one connection at a time.
 */

static int serve_object(int fd, uint64_t size)
{
	static char buf[CHUNK];
	char head[256], cookie[33];
	uint64_t off = 0;

	for (int j = 0; j < 32; j++)
		cookie[j] = (char)('A' + mix(size + (uint64_t)j * 7919u + now_ns()) % 26);
	cookie[32] = '\0';
	snprintf(head, sizeof(head),
		 "HTTP/1.1 200 OK\r\nCONTENT-TYPE: APPLICATION/OCTET-STREAM\r\nCONTENT-LENGTH: %" PRIu64
		 "\r\nSET-COOKIE: SESSION=%s; HTTPONLY\r\n\r\n", size, cookie);
	for (char *p = head; *p; p++)
		if (*p >= 'a' && *p <= 'z')
			*p = (char)(*p - 'a' + 'A');
	if (send_all(fd, head, strlen(head), true, "response head"))
		return -1;
	while (off < size) {
		size_t len = size - off < CHUNK ? (size_t)(size - off) : CHUNK;

		for (size_t j = 0; j < len; j++)
			buf[j] = body_byte(off + j);
		if (send_all(fd, buf, len, false, "response body"))
			return -1;
		off += len;
	}
	/* wait for the client to close first (no RST on unread data) */
	shutdown(fd, SHUT_WR);
	while (recv(fd, buf, sizeof(buf), 0) > 0)
		;
	return 0;
}

static int serve_session(int fd, const char *head, const char *extra, size_t extra_len)
{
	uint64_t m, h, u, d;
	double rate;
	const char *resp = "HTTP/1.1 200 OK\r\nX-SESSION: ACCEPTED\r\n\r\n";

	if (sscanf(head, "POST /SESSION/%" SCNu64 "/%" SCNu64 "/%" SCNu64 "/%" SCNu64 "/%lf ", &m, &h, &u, &d,
		   &rate) != 5 || h < HEADER_MIN || m == 0) {
		report_error("request", 0, "malformed session request: %.60s", head);
		return -1;
	}
	struct tx_stream tx = { .l = { m, h, d } };
	struct rx_stream rx = { .l = { m, h, u } };

	tx.total = layout_total(&tx.l);
	rx.total = layout_total(&rx.l);
	opt.rate = rate;
	if (send_all(fd, resp, strlen(resp), true, "session response head"))
		return -1;
	return session_run(fd, &tx, &rx, extra, extra_len);
}

static int cmd_server(void)
{
	static char head[HEAD_MAX + 1], extra[HEAD_MAX];
	struct addrinfo *res;
	unsigned long conns = 0, failed = 0;
	int lfd, one = 1;

	role = "server";
	if (resolve(opt.bind_addr, opt.port, true, &res))
		return 1;
	lfd = socket(res->ai_family, SOCK_STREAM, proto());
	if (lfd < 0) {
		report_error("socket", errno, "%s listening socket", opt.tcp ? "TCP" : "MPTCP (IPPROTO_MPTCP)");
		freeaddrinfo(res);
		return 1;
	}
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(lfd, res->ai_addr, res->ai_addrlen) < 0 || listen(lfd, 16) < 0) {
		report_error("listen", errno, "port %s", opt.port);
		freeaddrinfo(res);
		close(lfd);
		return 1;
	}
	freeaddrinfo(res);
	printf("{\"event\": \"listening\", \"role\": \"server\", \"t_ns\": %" PRIu64 ", \"port\": %s, "
	       "\"proto\": \"%s\", \"trusted\": %s}\n", now_ns(), opt.port, opt.tcp ? "tcp" : "mptcp",
	       opt.trusted ? "true" : "false");
	fflush(stdout);
	while (!opt.max_conns || conns < opt.max_conns) {
		struct sockaddr_storage peer;
		socklen_t plen = sizeof(peer);
		char peer_s[INET6_ADDRSTRLEN + 8];
		size_t head_len, extra_len;
		uint64_t t0, size;
		int fd = accept(lfd, (struct sockaddr *)&peer, &plen), rc;
		const char *kind = "?";

		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			report_error("accept", errno, "port %s", opt.port);
			close(lfd);
			return 1;
		}
		conns++;
		t0 = now_ns();
		addr_str((struct sockaddr *)&peer, peer_s, sizeof(peer_s));
		set_nodelay(fd);
		set_timeouts(fd, opt.idle_timeout_s ? opt.idle_timeout_s : 60);
		rc = read_head(fd, head, &head_len, extra, &extra_len, "request");
		if (!rc && sscanf(head, "GET /OBJECT/%" SCNu64 " ", &size) == 1) {
			kind = "object";
			rc = serve_object(fd, size);
		} else if (!rc && !strncmp(head, "POST /SESSION/", 14)) {
			kind = "session";
			rc = serve_session(fd, head, extra, extra_len);
		} else if (!rc) {
			report_error("request", 0, "unknown request: %.60s", head);
			rc = -1;
		}
		printf("{\"event\": \"conn\", \"role\": \"server\", \"t_ns\": %" PRIu64 ", \"peer\": \"%s\", "
		       "\"kind\": \"%s\", \"ok\": %s, \"subflows\": %d, \"duration_ns\": %" PRIu64 "}\n",
		       now_ns(), peer_s, kind, rc ? "false" : "true", mptcp_subflows(fd), now_ns() - t0);
		fflush(stdout);
		if (rc)
			failed++;
		close(fd);
	}
	close(lfd);
	return failed ? 1 : 0;
}

/* ------------------------------------------------------------------------ */

static void usage(FILE *f)
{
	fprintf(f,
		"usage: trusted-http server  [--port P] [--bind ADDR] [--tcp] [--no-trusted] [--max-conns N]\n"
		"                            [--idle-timeout S]\n"
		"       trusted-http get     SERVER [--port P] [--bind ADDR] [--tcp] [--no-trusted] [--size BYTES]\n"
		"                            [--loads N] [--gap-ms MS] [--timeout S]\n"
		"       trusted-http session SERVER [--port P] [--bind ADDR] [--tcp] [--no-trusted] [--messages M]\n"
		"                            [--header H] [--up U] [--down D] [--rate MSG_PER_S]\n"
		"                            [--progress-ms MS] [--idle-timeout S] [--timeout S]\n"
		"Heads and message headers go with MPTCP_TRUSTED (never lowercase), bodies without it\n"
		"(only 'a'..'z').  --no-trusted: everything without the flag.  --tcp: plain TCP (needs\n"
		"--no-trusted).  Sizes accept K, M suffixes (1024-based).  Defaults: port %s, size 1M,\n"
		"messages 1000, header 256, up 512, down 4096, rate 0 (unpaced), timeout 60 s.\n", DEFAULT_PORT);
}

static int parse_u64(const char *s, uint64_t *v)
{
	char *end;
	unsigned long long x;

	if (!s || *s == '-')
		return -1;
	errno = 0;
	x = strtoull(s, &end, 10);
	if (errno || end == s)
		return -1;
	if (*end == 'K' || *end == 'k')
		x <<= 10, end++;
	else if (*end == 'M' || *end == 'm')
		x <<= 20, end++;
	if (*end)
		return -1;
	*v = x;
	return 0;
}

int main(int argc, char **argv)
{
	const char *cmd;
	int i = 2;

	signal(SIGPIPE, SIG_IGN);
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	cmd = argv[1];
	if (!strcmp(cmd, "-h") || !strcmp(cmd, "--help") || !strcmp(cmd, "help")) {
		usage(stdout);
		return 0;
	}
	if (strcmp(cmd, "server") && strcmp(cmd, "get") && strcmp(cmd, "session")) {
		fprintf(stderr, "trusted-http: unknown command '%s'\n", cmd);
		usage(stderr);
		return 2;
	}
	if (strcmp(cmd, "server")) {
		if (argc < 3 || argv[2][0] == '-') {
			fprintf(stderr, "trusted-http %s: the server address comes first\n", cmd);
			return 2;
		}
		opt.server = argv[2];
		i = 3;
	}
	for (; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		uint64_t n = 0;
		bool num = true;
		int bad = 0;

		if (!strcmp(a, "--tcp")) {
			opt.tcp = true;
			continue;
		}
		if (!strcmp(a, "--no-trusted")) {
			opt.trusted = false;
			continue;
		}
		if (!v) {
			fprintf(stderr, "trusted-http: %s needs a value\n", a);
			return 2;
		}
		if (!strcmp(a, "--port"))
			opt.port = v, num = false;
		else if (!strcmp(a, "--bind"))
			opt.bind_addr = v, num = false;
		else if (!strcmp(a, "--rate")) {
			char *end;

			opt.rate = strtod(v, &end);
			bad = *end || opt.rate < 0;
			num = false;
		}
		if (num && parse_u64(v, &n)) {
			fprintf(stderr, "trusted-http: %s: '%s' is not a number\n", a, v);
			return 2;
		}
		if (!num) {
			/* taken above */
		} else if (!strcmp(a, "--size"))
			opt.size = n;
		else if (!strcmp(a, "--loads"))
			opt.loads = (unsigned long)n;
		else if (!strcmp(a, "--gap-ms"))
			opt.gap_ms = (unsigned long)n;
		else if (!strcmp(a, "--timeout"))
			opt.timeout_s = (unsigned long)n;
		else if (!strcmp(a, "--messages"))
			opt.messages = n;
		else if (!strcmp(a, "--header"))
			opt.header = n;
		else if (!strcmp(a, "--up"))
			opt.up = n;
		else if (!strcmp(a, "--down"))
			opt.down = n;
		else if (!strcmp(a, "--progress-ms"))
			opt.progress_ms = (unsigned long)n;
		else if (!strcmp(a, "--idle-timeout"))
			opt.idle_timeout_s = (unsigned long)n;
		else if (!strcmp(a, "--max-conns"))
			opt.max_conns = (unsigned long)n;
		else
			bad = 1;
		if (bad) {
			fprintf(stderr, "trusted-http: bad option %s %s\n", a, v);
			usage(stderr);
			return 2;
		}
		i++;
	}
	if (opt.header < HEADER_MIN || opt.messages == 0 || opt.progress_ms == 0 || opt.timeout_s == 0) {
		fprintf(stderr, "trusted-http: --header must be at least %d, --messages, --progress-ms and "
			"--timeout at least 1\n", HEADER_MIN);
		return 2;
	}
	if (opt.tcp && opt.trusted) {
		fprintf(stderr, "trusted-http: plain TCP ignores MPTCP_TRUSTED, so --tcp needs --no-trusted\n");
		return 2;
	}
	if (!strcmp(cmd, "server"))
		role = "server";
	if (opt.trusted && trusted_status_ok())
		return 1;
	if (!strcmp(cmd, "server"))
		return cmd_server();
	if (!strcmp(cmd, "get"))
		return cmd_get();
	return cmd_session();
}
