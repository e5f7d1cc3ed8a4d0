/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * metrics_http.h - serve a metrics registry over HTTP (libmicrohttpd):
 * GET /metrics in the Prometheus text format, 404 for any other path, 405
 * for any other method.
 *
 * Lifecycle: vg_metrics_addr_parse() (at option parsing: a usage error) ->
 * vg_metrics_http_listen() (binds and listens: a port in use fails here, before
 * anything is loaded) -> vg_metrics_http_serve() (starts the server's own
 * thread) -> vg_metrics_http_free().
 *
 * The server thread only asks for fresh values (vg_metrics_wait_fresh: the
 * caller's thread must collect when vg_metrics_wanted() says so, or each
 * scrape waits a second and gets the last values) and renders the registry
 * under its lock.
 */
#ifndef VIGIL_METRICS_HTTP_H
#define VIGIL_METRICS_HTTP_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

struct vg_metrics;
struct vg_metrics_http;

struct vg_metrics_addr {
	struct sockaddr_storage sa;
	socklen_t len;
	char text[80];		/* "127.0.0.1:9090", "[::1]:9090" */
};

/*
 * "HOST:PORT" with HOST an IPv4 address, "[IPv6]" or "localhost" (127.0.0.1)
 * and PORT 0..65535 (0: any free port).  -EINVAL with the reason in `why`
 * ("'x' is not HOST:PORT ...").  No name resolution.
 */
int vg_metrics_addr_parse(const char *s, struct vg_metrics_addr *a, char *why, size_t why_len);

/* Bind and listen on a; NULL (logged: "cannot listen on '...': ...") with
 * errno set on failure. */
struct vg_metrics_http *vg_metrics_http_listen(const struct vg_metrics_addr *a);

/* The port listened on (useful with port 0). */
uint16_t vg_metrics_http_port(const struct vg_metrics_http *h);

/* "127.0.0.1:9090": the address listened on, with the actual port. */
const char *vg_metrics_http_addr(const struct vg_metrics_http *h);

/* Start serving reg on the server's thread.  0 or -errno (logged). */
int vg_metrics_http_serve(struct vg_metrics_http *h, struct vg_metrics *reg);

/* Stop the thread (waits for a request being served) and close the socket. */
void vg_metrics_http_free(struct vg_metrics_http *h);

#endif /* VIGIL_METRICS_HTTP_H */
