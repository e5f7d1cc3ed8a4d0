// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * metrics_http.c - the /metrics endpoint on libmicrohttpd.  See metrics_http.h.
 *
 * We bind the socket ourselves and hand it to the daemon
 * (MHD_OPTION_LISTEN_SOCKET): the bind error is then ours to report in one
 * line, and it happens before the agent loads anything.  The daemon runs
 * its own polling thread with a few connections at most and short
 * timeouts: a scraper is one client polling every few seconds.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <microhttpd.h>

#include "buf.h"
#include "log.h"
#include "metrics.h"
#include "metrics_http.h"

#define CONNECTION_LIMIT	16
#define CONNECTION_TIMEOUT_S	10
/* A scrape asks the agent's loop (polling every 100 ms) for fresh values
 * unless the last collection is this recent, and waits this long at most
 * before it serves what there is. */
#define FRESH_MAX_AGE_MS	100
#define FRESH_TIMEOUT_MS	1000

struct vg_metrics_http {
	struct vg_metrics_addr addr;
	int fd;
	struct MHD_Daemon *daemon;
	struct vg_metrics *reg;
};

static int bad_addr(const char *s, char *why, size_t len)
{
	snprintf(why, len, "'%s' is not HOST:PORT (127.0.0.1:9090, [::1]:9090, localhost:9090)", s);
	return -EINVAL;
}

int vg_metrics_addr_parse(const char *s, struct vg_metrics_addr *a, char *why, size_t why_len)
{
	char host[64];
	const char *port_s;
	size_t hlen;
	unsigned long port;
	char *end;

	memset(a, 0, sizeof(*a));
	if (s[0] == '[') {
		const char *close = strchr(s, ']');

		if (!close || close[1] != ':')
			return bad_addr(s, why, why_len);
		hlen = (size_t)(close - s - 1);
		if (hlen >= sizeof(host))
			return bad_addr(s, why, why_len);
		memcpy(host, s + 1, hlen);
		port_s = close + 2;
	} else {
		const char *colon = strrchr(s, ':');

		if (!colon || memchr(s, ':', (size_t)(colon - s)))
			return bad_addr(s, why, why_len);	/* none, or a bare IPv6 address */
		hlen = (size_t)(colon - s);
		if (hlen >= sizeof(host))
			return bad_addr(s, why, why_len);
		memcpy(host, s, hlen);
		port_s = colon + 1;
	}
	host[hlen] = '\0';
	if (*port_s < '0' || *port_s > '9')
		return bad_addr(s, why, why_len);
	errno = 0;
	port = strtoul(port_s, &end, 10);
	if (errno || *end || port > 65535) {
		snprintf(why, why_len, "'%s': the port is not a number from 0 to 65535", s);
		return -EINVAL;
	}
	if (s[0] == '[') {
		struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&a->sa;

		if (inet_pton(AF_INET6, host, &in6->sin6_addr) != 1) {
			snprintf(why, why_len, "'%s': '%s' is not an IPv6 address", s, host);
			return -EINVAL;
		}
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons((uint16_t)port);
		a->len = sizeof(*in6);
		snprintf(a->text, sizeof(a->text), "[%s]:%lu", host, port);
	} else {
		struct sockaddr_in *in = (struct sockaddr_in *)&a->sa;

		if (!strcmp(host, "localhost"))
			snprintf(host, sizeof(host), "127.0.0.1");
		if (inet_pton(AF_INET, host, &in->sin_addr) != 1) {
			snprintf(why, why_len, "'%s': '%s' is not an IPv4 address, [IPv6] or localhost",
				 s, host);
			return -EINVAL;
		}
		in->sin_family = AF_INET;
		in->sin_port = htons((uint16_t)port);
		a->len = sizeof(*in);
		snprintf(a->text, sizeof(a->text), "%s:%lu", host, port);
	}
	return 0;
}

struct vg_metrics_http *vg_metrics_http_listen(const struct vg_metrics_addr *a)
{
	struct vg_metrics_http *h = calloc(1, sizeof(*h));
	int one = 1, err;

	if (!h)
		return NULL;
	h->addr = *a;
	h->fd = socket(a->sa.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (h->fd < 0)
		goto fail;
	/* restarts must not wait for TIME_WAIT; a live listener still says EADDRINUSE */
	setsockopt(h->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (a->sa.ss_family == AF_INET6)
		setsockopt(h->fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	if (bind(h->fd, (const struct sockaddr *)&a->sa, a->len) || listen(h->fd, 16))
		goto fail;
	if (a->sa.ss_family == AF_INET6) {
		char ip[INET6_ADDRSTRLEN];

		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)&a->sa)->sin6_addr, ip, sizeof(ip));
		snprintf(h->addr.text, sizeof(h->addr.text), "[%s]:%u", ip, vg_metrics_http_port(h));
	} else {
		char ip[INET_ADDRSTRLEN];

		inet_ntop(AF_INET, &((const struct sockaddr_in *)&a->sa)->sin_addr, ip, sizeof(ip));
		snprintf(h->addr.text, sizeof(h->addr.text), "%s:%u", ip, vg_metrics_http_port(h));
	}
	return h;
fail:
	err = errno;
	vg_error("cannot listen on '%s' for --metrics: %s", a->text, strerror(err));
	if (h->fd >= 0)
		close(h->fd);
	free(h);
	errno = err;
	return NULL;
}

uint16_t vg_metrics_http_port(const struct vg_metrics_http *h)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	if (getsockname(h->fd, (struct sockaddr *)&ss, &len))
		return 0;
	if (ss.ss_family == AF_INET6)
		return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
	return ntohs(((struct sockaddr_in *)&ss)->sin_port);
}

const char *vg_metrics_http_addr(const struct vg_metrics_http *h)
{
	return h->addr.text;
}

static enum MHD_Result reply(struct MHD_Connection *c, unsigned int status, const char *type,
			     const char *body, size_t len, const char *allow)
{
	struct MHD_Response *r;
	enum MHD_Result ret;

	r = MHD_create_response_from_buffer(len, (void *)body, MHD_RESPMEM_MUST_COPY);
	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	if (allow)
		MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, allow);
	ret = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
				  const char *method, const char *version, const char *upload_data,
				  size_t *upload_data_size, void **con_cls)
{
	static const char not_found[] = "not found: metrics are at /metrics\n";
	static const char not_allowed[] = "method not allowed: GET /metrics\n";
	struct vg_metrics_http *h = cls;
	struct vg_buf b;
	enum MHD_Result ret;

	if (strcmp(method, MHD_HTTP_METHOD_GET) && strcmp(method, MHD_HTTP_METHOD_HEAD))
		return reply(c, MHD_HTTP_METHOD_NOT_ALLOWED, "text/plain; charset=utf-8", not_allowed,
			     sizeof(not_allowed) - 1, "GET, HEAD");
	if (strcmp(url, "/metrics"))
		return reply(c, MHD_HTTP_NOT_FOUND, "text/plain; charset=utf-8", not_found,
			     sizeof(not_found) - 1, NULL);
	if (vg_metrics_wait_fresh(h->reg, FRESH_MAX_AGE_MS, FRESH_TIMEOUT_MS))
		vg_debug("metrics http: no fresh collection within %d ms: serving the last one",
			 FRESH_TIMEOUT_MS);
	vg_buf_init(&b);
	vg_metrics_render(h->reg, &b);
	if (b.oom) {
		vg_buf_release(&b);
		return MHD_NO;	/* closes the connection */
	}
	ret = reply(c, MHD_HTTP_OK, VG_METRICS_CONTENT_TYPE, b.data, b.len, NULL);
	vg_buf_release(&b);
	return ret;
}

__attribute__((format(printf, 2, 0)))
static void on_mhd_log(void *cls, const char *fmt, va_list ap)
{
	char msg[512];
	size_t n;

	vsnprintf(msg, sizeof(msg), fmt, ap);
	n = strlen(msg);
	while (n && msg[n - 1] == '\n')
		msg[--n] = '\0';
	vg_debug("metrics http: %s", msg);
}

int vg_metrics_http_serve(struct vg_metrics_http *h, struct vg_metrics *reg)
{
	sigset_t all, old;
	int err = 0;

	h->reg = reg;
	/* the daemon's thread inherits this mask: signals stay with the main loop */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	h->daemon = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG,
				     0, NULL, NULL, on_request, h,
				     MHD_OPTION_LISTEN_SOCKET, (MHD_socket)h->fd,
				     MHD_OPTION_CONNECTION_LIMIT, (unsigned int)CONNECTION_LIMIT,
				     MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)CONNECTION_TIMEOUT_S,
				     MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, NULL,
				     MHD_OPTION_END);
	if (!h->daemon)
		err = errno ? -errno : -EINVAL;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (err)
		return vg_error("cannot start the metrics server on '%s': %s", h->addr.text,
				strerror(-err)), err;
	return 0;
}

void vg_metrics_http_free(struct vg_metrics_http *h)
{
	if (!h)
		return;
	if (h->daemon)
		MHD_stop_daemon(h->daemon);	/* it closes the listening socket */
	else if (h->fd >= 0)
		close(h->fd);
	free(h);
}
