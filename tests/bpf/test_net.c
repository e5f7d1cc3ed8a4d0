// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * test_net.c - the net sensor against the real kernel.
 *
 * Each test first moves this process into a network namespace of its own
 * with only `lo` up (unshare(CLONE_NEWNET)), so every socket below talks to
 * 127.0.0.1 / ::1 of a namespace nobody else uses; it disappears with the
 * process (or the next test's unshare).  The agent is not affected: BPF
 * tracepoints see every namespace.
 *
 * Checked field by field: bind/listen/accept/connect over IPv4 and IPv6 with
 * addresses, ports, backlog and fds; a refused connect with its errno; unix
 * socket paths (named and abstract); TCP flows with exact byte counts each
 * way for a 10 MiB transfer between two processes, owners, duration and
 * close reason; a reset (SO_LINGER 0); and the raw_tp backend's flows.
 */
#include <arpa/inet.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>

#include "harness.h"
#include "netif.h"
#include "collect.h"

#define BIG_TRANSFER	(10u << 20)	/* client -> server */
#define REPLY_BYTES	12345u		/* server -> client */

static struct collector c;

/* Move into a fresh network namespace and bring its loopback up. */
static bool private_netns(void)
{
	if (!ASSERT_OK(unshare(CLONE_NEWNET) ? -errno : 0, "unshare(CLONE_NEWNET)"))
		return false;
	return ASSERT_OK(vg_link_up("lo"), "lo up");
}

static bool setup_backend(enum vg_attach_backend b)
{
	return private_netns() && ASSERT_OK(collector_start(&c, b), "start agent");
}

static bool setup(void)
{
	return setup_backend(VG_BACKEND_AUTO);
}

static void teardown(void)
{
	struct vg_agent_stats st;

	if (c.agent.rb) {
		ASSERT_OK(vg_agent_read_stats(&c.agent, &st), "read stats");
		ASSERT_EQ(vg_agent_stats_lost(&st), 0, "events lost");
		ASSERT_EQ(st.kernel.lost[VG_LOSS_FLOW_TRACK], 0, "flow owners lost");
		collector_stop(&c);
	}
}

static const struct vg_net *net(const struct got_event *g)
{
	return g->rec;
}

static const struct vg_flow *flow(const struct got_event *g)
{
	return g->rec;
}

/* ---- finding events ------------------------------------------------------ */

struct net_want {
	uint16_t type;		/* VG_EV_NET or VG_EV_FLOW */
	uint16_t op;		/* VG_EV_NET: enum vg_net_op */
	uint32_t pid;
	uint16_t port;		/* 0: any; else sport or dport */
	int inbound;		/* VG_EV_FLOW: -1 any, 0 outbound, 1 inbound */
	bool update;		/* VG_EV_FLOW: a periodic update (close "open"), not the close */
	size_t from;		/* the first event index to look at */
};

static struct got_event *find_net(struct collector *col, const void *arg)
{
	const struct net_want *w = arg;

	for (size_t i = w->from; i < col->n; i++) {
		struct got_event *g = &col->ev[i];

		if (g->hdr->type != w->type || g->hdr->task.pid != w->pid)
			continue;
		if (w->type == VG_EV_NET) {
			if (net(g)->op != w->op ||
			    (w->port && net(g)->sport != w->port && net(g)->dport != w->port))
				continue;
		} else {
			if (w->port && flow(g)->sport != w->port && flow(g)->dport != w->port)
				continue;
			if (w->inbound >= 0 && !!(flow(g)->flags & VG_FLOW_INBOUND) != w->inbound)
				continue;
			if ((flow(g)->close == VG_FLOW_OPEN) != w->update)
				continue;
		}
		return g;
	}
	return NULL;
}

static struct got_event *wait_net(uint16_t op, uint32_t pid, uint16_t port)
{
	struct net_want w = { .type = VG_EV_NET, .op = op, .pid = pid, .port = port };

	return collector_poll_until(&c, find_net, &w, 3000);
}

static struct got_event *wait_flow(uint32_t pid, uint16_t port, int inbound)
{
	struct net_want w = { .type = VG_EV_FLOW, .pid = pid, .port = port, .inbound = inbound };

	return collector_poll_until(&c, find_net, &w, 5000);
}

/* ---- sockets --------------------------------------------------------------- */

static uint16_t local_port(int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	if (getsockname(fd, (struct sockaddr *)&ss, &len))
		return 0;
	return ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
					      : ((struct sockaddr_in *)&ss)->sin_port);
}

/* A listening TCP socket on loopback, port chosen by the kernel. */
static int tcp_listener(int family, int backlog, uint16_t *port)
{
	struct sockaddr_in6 a6 = { .sin6_family = AF_INET6, .sin6_addr = IN6ADDR_LOOPBACK_INIT };
	struct sockaddr_in a4 = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -1;
	if ((family == AF_INET6 ? bind(fd, (struct sockaddr *)&a6, sizeof(a6))
				: bind(fd, (struct sockaddr *)&a4, sizeof(a4))) ||
	    listen(fd, backlog)) {
		close(fd);
		return -1;
	}
	*port = local_port(fd);
	return fd;
}

static int tcp_connect(int family, uint16_t port)
{
	struct sockaddr_in6 a6 = { .sin6_family = AF_INET6, .sin6_addr = IN6ADDR_LOOPBACK_INIT,
				   .sin6_port = htons(port) };
	struct sockaddr_in a4 = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK),
				  .sin_port = htons(port) };
	int fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -1;
	if (family == AF_INET6 ? connect(fd, (struct sockaddr *)&a6, sizeof(a6))
			       : connect(fd, (struct sockaddr *)&a4, sizeof(a4))) {
		int err = errno;

		close(fd);
		errno = err;
		return -1;
	}
	return fd;
}

static bool write_all(int fd, size_t n)
{
	static char buf[64 * 1024];

	memset(buf, 'v', sizeof(buf));
	while (n) {
		ssize_t w = write(fd, buf, n < sizeof(buf) ? n : sizeof(buf));

		if (w <= 0)
			return false;
		n -= (size_t)w;
	}
	return true;
}

/* Read until EOF; the number of bytes, or -1. */
static long long read_all(int fd)
{
	static char buf[64 * 1024];
	long long total = 0;
	ssize_t r;

	while ((r = read(fd, buf, sizeof(buf))) > 0)
		total += r;
	return r < 0 ? -1 : total;
}

static const uint8_t LO4[4] = { 127, 0, 0, 1 };

/* ---- inet events ----------------------------------------------------------- */

/* bind, listen, connect and accept over family, in this process. */
static void check_tcp_events(int family)
{
	const uint8_t *lo = family == AF_INET6 ? in6addr_loopback.s6_addr : LO4;
	size_t alen = family == AF_INET6 ? 16 : 4;
	struct got_event *g;
	uint16_t port = 0, cport;
	int lfd, cfd, afd;

	lfd = tcp_listener(family, 7, &port);
	if (!ASSERT_GE(lfd, 0, "listener"))
		return;
	cfd = tcp_connect(family, port);
	if (!ASSERT_GE(cfd, 0, "connect")) {
		close(lfd);
		return;
	}
	cport = local_port(cfd);
	afd = family == AF_INET6 ? accept4(lfd, NULL, NULL, SOCK_CLOEXEC) : accept(lfd, NULL, NULL);
	ASSERT_GE(afd, 0, "accept");

	g = wait_net(VG_NET_BIND, getpid(), port);
	if (ASSERT_OK_PTR(g, "bind event")) {
		ASSERT_EQ(net(g)->family, family, "bind family");
		ASSERT_EQ(net(g)->protocol, IPPROTO_TCP, "bind protocol");
		ASSERT_EQ(net(g)->sock_type, SOCK_STREAM, "bind sock_type");
		ASSERT_TRUE(!memcmp(net(g)->saddr, lo, alen), "bind saddr is loopback");
		ASSERT_EQ(net(g)->sport, port, "bind sport (kernel-chosen)");
		ASSERT_EQ(net(g)->result, 0, "bind result");
		ASSERT_EQ(net(g)->fd, lfd, "bind fd");
		ASSERT_EQ(net(g)->syscall, 49 /* bind */, "bind syscall");
		ASSERT_EQ(net(g)->flags & VG_NET_DENIED, 0, "not denied");
	}
	g = wait_net(VG_NET_LISTEN, getpid(), port);
	if (ASSERT_OK_PTR(g, "listen event")) {
		ASSERT_EQ(net(g)->backlog, 7, "listen backlog");
		ASSERT_EQ(net(g)->fd, lfd, "listen fd");
		ASSERT_EQ(net(g)->result, 0, "listen result");
		ASSERT_TRUE(!memcmp(net(g)->saddr, lo, alen), "listen saddr");
		ASSERT_EQ(net(g)->family, family, "listen family");
	}
	g = wait_net(VG_NET_CONNECT, getpid(), port);
	if (ASSERT_OK_PTR(g, "connect event")) {
		ASSERT_EQ(net(g)->family, family, "connect family");
		ASSERT_EQ(net(g)->protocol, IPPROTO_TCP, "connect protocol");
		ASSERT_EQ(net(g)->dport, port, "connect dport");
		ASSERT_TRUE(!memcmp(net(g)->daddr, lo, alen), "connect daddr");
		ASSERT_EQ(net(g)->sport, cport, "connect sport");
		ASSERT_TRUE(!memcmp(net(g)->saddr, lo, alen), "connect saddr");
		ASSERT_EQ(net(g)->fd, cfd, "connect fd");
		ASSERT_EQ(net(g)->result, 0, "connect result");
		ASSERT_EQ(g->hdr->task.tid, gettid(), "connect tid");
	}
	g = wait_net(VG_NET_ACCEPT, getpid(), port);
	if (ASSERT_OK_PTR(g, "accept event")) {
		ASSERT_EQ(net(g)->fd, afd, "accept fd is the new socket");
		ASSERT_EQ(net(g)->result, afd, "accept result");
		ASSERT_EQ(net(g)->sport, port, "accept sport");
		ASSERT_EQ(net(g)->dport, cport, "accept dport is the peer's");
		ASSERT_TRUE(!memcmp(net(g)->daddr, lo, alen), "accept daddr");
		ASSERT_EQ(net(g)->syscall, family == AF_INET6 ? 288 : 43, "accept4 / accept");
	}
	close(cfd);
	close(afd);
	close(lfd);
	g = wait_flow(getpid(), port, 0);
	if (ASSERT_OK_PTR(g, "client flow")) {
		ASSERT_EQ(flow(g)->family, family, "flow family");
		ASSERT_TRUE(!memcmp(flow(g)->daddr, lo, alen) && !memcmp(flow(g)->saddr, lo, alen),
			    "flow addresses");
		ASSERT_EQ(flow(g)->sport, cport, "flow sport");
		ASSERT_EQ(flow(g)->dport, port, "flow dport");
		ASSERT_EQ(flow(g)->bytes_sent + flow(g)->bytes_received, 0, "no payload");
	}
}

static void test_tcp4_bind_listen_connect_accept(void)
{
	if (setup())
		check_tcp_events(AF_INET);
	teardown();
}

static void test_tcp6_bind_listen_connect_accept4(void)
{
	if (setup())
		check_tcp_events(AF_INET6);
	teardown();
}

static void test_connect_refused_has_errno(void)
{
	struct got_event *g;
	int fd;

	if (!setup())
		goto out;
	/* nothing listens in a fresh namespace */
	fd = tcp_connect(AF_INET, 9);
	ASSERT_EQ(fd, -1, "connect fails");
	ASSERT_EQ(errno, ECONNREFUSED, "ECONNREFUSED");
	g = wait_net(VG_NET_CONNECT, getpid(), 9);
	if (ASSERT_OK_PTR(g, "connect event")) {
		ASSERT_EQ(net(g)->result, -ECONNREFUSED, "result is -ECONNREFUSED");
		ASSERT_EQ(net(g)->dport, 9, "dport");
		ASSERT_TRUE(!memcmp(net(g)->daddr, LO4, 4), "daddr");
		ASSERT_EQ(net(g)->family, AF_INET, "family");
		ASSERT_EQ(net(g)->protocol, IPPROTO_TCP, "protocol");
	}
out:
	teardown();
}

/* ---- unix sockets ---------------------------------------------------------- */

static void test_unix_bind_listen_connect_accept_paths(void)
{
	char dir[] = "/tmp/vigil-net-XXXXXX", path[64];
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	struct got_event *g;
	int lfd = -1, cfd = -1, afd = -1;

	if (!setup() || !ASSERT_OK_PTR(mkdtemp(dir), "mkdtemp"))
		goto out;
	snprintf(path, sizeof(path), "%s/sock", dir);
	strcpy(a.sun_path, path);
	lfd = socket(AF_UNIX, SOCK_STREAM, 0);
	ASSERT_OK(bind(lfd, (struct sockaddr *)&a, sizeof(a)), "bind");
	ASSERT_OK(listen(lfd, 3), "listen");
	cfd = socket(AF_UNIX, SOCK_STREAM, 0);
	ASSERT_OK(connect(cfd, (struct sockaddr *)&a, sizeof(a)), "connect");
	afd = accept(lfd, NULL, NULL);

	g = wait_net(VG_NET_BIND, getpid(), 0);
	if (ASSERT_OK_PTR(g, "bind event")) {
		ASSERT_EQ(net(g)->family, AF_UNIX, "family");
		ASSERT_EQ(net(g)->sock_type, SOCK_STREAM, "sock_type");
		ASSERT_EQ(net(g)->unix_path_len, strlen(path), "path length");
		ASSERT_STREQ(net(g)->unix_path, path, "bind path");
		ASSERT_EQ(net(g)->fd, lfd, "fd");
		ASSERT_EQ(net(g)->result, 0, "result");
	}
	g = wait_net(VG_NET_LISTEN, getpid(), 0);
	if (ASSERT_OK_PTR(g, "listen event")) {
		ASSERT_STREQ(net(g)->unix_path, path, "listen path (from the socket)");
		ASSERT_EQ(net(g)->backlog, 3, "backlog");
	}
	g = wait_net(VG_NET_CONNECT, getpid(), 0);
	if (ASSERT_OK_PTR(g, "connect event")) {
		ASSERT_EQ(net(g)->family, AF_UNIX, "family");
		ASSERT_STREQ(net(g)->unix_path, path, "connect path");
		ASSERT_EQ(net(g)->result, 0, "result");
		ASSERT_EQ(net(g)->fd, cfd, "fd");
	}
	g = wait_net(VG_NET_ACCEPT, getpid(), 0);
	if (ASSERT_OK_PTR(g, "accept event")) {
		ASSERT_STREQ(net(g)->unix_path, path, "accept path (the listener's)");
		ASSERT_EQ(net(g)->fd, afd, "fd");
	}
	close(afd);
	close(cfd);
	close(lfd);
	unlink(path);
	rmdir(dir);
out:
	teardown();
}

static void test_unix_abstract_name(void)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	struct got_event *g;
	char name[32];
	socklen_t len;
	int fd = -1;

	if (!setup())
		goto out;
	len = (socklen_t)snprintf(name, sizeof(name), "vigil-test-%d", getpid());
	memcpy(a.sun_path + 1, name, len);	/* sun_path[0] = '\0': abstract */
	fd = socket(AF_UNIX, SOCK_DGRAM, 0);
	ASSERT_OK(bind(fd, (struct sockaddr *)&a, offsetof(struct sockaddr_un, sun_path) + 1 + len),
		  "bind");
	g = wait_net(VG_NET_BIND, getpid(), 0);
	if (ASSERT_OK_PTR(g, "bind event")) {
		ASSERT_TRUE(net(g)->flags & VG_NET_UNIX_ABSTRACT, "abstract flag");
		ASSERT_EQ(net(g)->unix_path_len, len, "name length");
		ASSERT_TRUE(!memcmp(net(g)->unix_path, name, len), "name bytes");
		ASSERT_EQ(net(g)->sock_type, SOCK_DGRAM, "sock_type");
	}
	close(fd);
out:
	teardown();
}

/* ---- flows ----------------------------------------------------------------- */

static void check_flow_common(const struct got_event *g, pid_t owner, uint16_t port, bool inbound)
{
	const struct vg_flow *f = flow(g);

	ASSERT_EQ(g->hdr->task.pid, owner, "owner pid");
	ASSERT_EQ(f->flags & VG_FLOW_OWNER_UNKNOWN, 0, "owner known");
	ASSERT_EQ(!!(f->flags & VG_FLOW_INBOUND), inbound, "direction");
	ASSERT_EQ(f->family, AF_INET, "family");
	ASSERT_EQ(f->protocol, IPPROTO_TCP, "protocol");
	ASSERT_TRUE(!memcmp(f->saddr, LO4, 4) && !memcmp(f->daddr, LO4, 4), "addresses");
	ASSERT_EQ(inbound ? f->sport : f->dport, port, "server port");
	ASSERT_GE(f->duration_ns, 1, "duration > 0");
	ASSERT_GE(f->start_ns, 1, "start time");
	ASSERT_LE(f->start_ns + f->duration_ns, g->hdr->ts_ns, "start + duration <= close time");
	ASSERT_GE(f->packets_sent, 1, "packets sent");
	ASSERT_GE(f->packets_received, 1, "packets received");
}

/* Server: accept one connection, read it to EOF, answer REPLY_BYTES, close. */
static void serve_once(int lfd)
{
	int fd = accept(lfd, NULL, NULL);
	long long got;

	if (fd < 0)
		_exit(10);
	got = read_all(fd);
	if (got != BIG_TRANSFER)
		_exit(11);
	if (!write_all(fd, REPLY_BYTES))
		_exit(12);
	close(fd);
	_exit(0);
}

/* Client: send BIG_TRANSFER, half-close, read the answer to EOF, close. */
static void send_big(uint16_t port)
{
	int fd = tcp_connect(AF_INET, port);

	if (fd < 0)
		_exit(20);
	if (!write_all(fd, BIG_TRANSFER))
		_exit(21);
	if (shutdown(fd, SHUT_WR))
		_exit(22);
	if (read_all(fd) != REPLY_BYTES)
		_exit(23);
	close(fd);
	_exit(0);
}

static void test_flow_bytes_exact_10mib_both_ways(void)
{
	struct got_event *cf, *sf;
	pid_t server, client;
	uint16_t port = 0;
	int lfd, st;

	if (!setup())
		goto out;
	lfd = tcp_listener(AF_INET, 4, &port);
	if (!ASSERT_GE(lfd, 0, "listener"))
		goto out;
	server = fork();
	if (server == 0)
		serve_once(lfd);
	client = fork();
	if (client == 0)
		send_big(port);
	close(lfd);
	waitpid(client, &st, 0);
	ASSERT_EQ(st, 0, "client exit status");
	waitpid(server, &st, 0);
	ASSERT_EQ(st, 0, "server read exactly 10 MiB");

	cf = wait_flow(client, port, 0);
	sf = wait_flow(server, port, 1);
	if (ASSERT_OK_PTR(cf, "client flow")) {
		check_flow_common(cf, client, port, false);
		ASSERT_EQ(flow(cf)->bytes_sent, BIG_TRANSFER, "client bytes_sent");
		ASSERT_EQ(flow(cf)->bytes_received, REPLY_BYTES, "client bytes_received");
		ASSERT_EQ(flow(cf)->close, VG_FLOW_CLOSE_FIN, "client close reason");
	}
	if (ASSERT_OK_PTR(sf, "server flow")) {
		check_flow_common(sf, server, port, true);
		ASSERT_EQ(flow(sf)->bytes_received, BIG_TRANSFER, "server bytes_received");
		ASSERT_EQ(flow(sf)->bytes_sent, REPLY_BYTES, "server bytes_sent");
		ASSERT_EQ(flow(sf)->close, VG_FLOW_CLOSE_FIN, "server close reason");
	}
out:
	teardown();
}

/* Both ends close without a half-close: the client's socket is orphaned in
 * FIN_WAIT and becomes a time-wait socket before the server's FIN comes. */
static void check_small_flow_in_process(uint16_t *port_out)
{
	struct got_event *cf, *sf;
	uint16_t port = 0;
	int lfd, cfd, afd;
	char buf[256];

	lfd = tcp_listener(AF_INET, 4, &port);
	cfd = tcp_connect(AF_INET, port);
	afd = accept(lfd, NULL, NULL);
	if (!ASSERT_GE(afd, 0, "connected"))
		return;
	ASSERT_TRUE(write_all(cfd, 100), "client writes 100 bytes");
	close(cfd);
	ASSERT_EQ(read(afd, buf, sizeof(buf)), 100, "server reads 100 bytes");
	ASSERT_EQ(read(afd, buf, sizeof(buf)), 0, "then EOF");
	close(afd);
	close(lfd);
	cf = wait_flow(getpid(), port, 0);
	sf = wait_flow(getpid(), port, 1);
	if (ASSERT_OK_PTR(cf, "client flow")) {
		check_flow_common(cf, getpid(), port, false);
		ASSERT_EQ(flow(cf)->bytes_sent, 100, "client bytes_sent");
		ASSERT_EQ(flow(cf)->bytes_received, 0, "client bytes_received");
		ASSERT_EQ(flow(cf)->close, VG_FLOW_CLOSE_FIN, "client close");
	}
	if (ASSERT_OK_PTR(sf, "server flow")) {
		check_flow_common(sf, getpid(), port, true);
		ASSERT_EQ(flow(sf)->bytes_received, 100, "server bytes_received");
		ASSERT_EQ(flow(sf)->bytes_sent, 0, "server bytes_sent");
		ASSERT_EQ(flow(sf)->close, VG_FLOW_CLOSE_FIN, "server close");
	}
	*port_out = port;
}

static void test_flow_orphaned_close(void)
{
	uint16_t port;

	if (setup())
		check_small_flow_in_process(&port);
	teardown();
}

static void test_flow_raw_tp_backend(void)
{
	uint16_t port;

	if (setup_backend(VG_BACKEND_RAW_TP)) {
		ASSERT_EQ(c.agent.sensor.backend, VG_BACKEND_RAW_TP, "raw_tp in use");
		check_small_flow_in_process(&port);
	}
	teardown();
}

/* ---- periodic flow updates ---------------------------------------------- */

static bool setup_flow_updates(uint32_t every_s)
{
	struct vg_sensor_opts so = { .flow_update_s = every_s };

	return private_netns() && ASSERT_OK(collector_start_sensor(&c, &so), "start agent");
}

static bool read_exactly(int fd, size_t n)
{
	static char buf[64 * 1024];

	while (n) {
		ssize_t r = read(fd, buf, n < sizeof(buf) ? n : sizeof(buf));

		if (r <= 0)
			return false;
		n -= (size_t)r;
	}
	return true;
}

struct update_want {
	uint16_t port;
	size_t from;
	uint64_t bytes;		/* client's bytes_sent */
};

/* The client's first update from index `from` on that counts `bytes` sent. */
static struct got_event *find_update(struct collector *col, const void *arg)
{
	const struct update_want *w = arg;

	for (size_t i = w->from; i < col->n; i++) {
		struct got_event *g = &col->ev[i];

		if (g->hdr->type == VG_EV_FLOW && g->hdr->task.pid == (uint32_t)getpid() &&
		    flow(g)->close == VG_FLOW_OPEN && !(flow(g)->flags & VG_FLOW_INBOUND) &&
		    flow(g)->dport == w->port && flow(g)->bytes_sent == w->bytes)
			return g;
	}
	return NULL;
}

#define UPDATE_STEPS 3

/*
 * A connection that stays open for several seconds, sending in steps, with
 * updates every second: after each step an update with exactly the bytes
 * sent so far arrives (the counts only grow, and never exceed what was sent
 * when the update was read), for both ends; then the close record, exact.
 */
static void test_flow_updates_every_second(void)
{
	size_t mark[UPDATE_STEPS], nup[2] = { 0, 0 };
	uint64_t sent[UPDATE_STEPS], total = 0, last[2] = { 0, 0 };
	struct got_event *g, *cf, *sf;
	uint16_t port = 0;
	int lfd, cfd, afd;

	if (!setup_flow_updates(1))
		goto out;
	ASSERT_OK_PTR(c.agent.sensor.flow_iter, "flow update iterator attached");
	lfd = tcp_listener(AF_INET, 4, &port);
	cfd = tcp_connect(AF_INET, port);
	afd = accept(lfd, NULL, NULL);
	if (!ASSERT_GE(afd, 0, "connected"))
		goto out;
	for (int k = 0; k < UPDATE_STEPS; k++) {
		struct update_want w = { .port = port, .from = k ? mark[k - 1] : 0 };
		size_t n = 1000 * (k + 1);

		ASSERT_TRUE(write_all(cfd, n), "client writes a step");
		ASSERT_TRUE(read_exactly(afd, n), "server reads it");
		total += n;
		sent[k] = total;
		w.bytes = total;
		g = collector_poll_until(&c, find_update, &w, 4000);
		if (!ASSERT_OK_PTR(g, "an update with the bytes sent so far"))
			goto out;
		mark[k] = c.n;
	}
	close(cfd);
	ASSERT_EQ(read(afd, &total, 1), 0, "server reads EOF");
	close(afd);
	close(lfd);
	total = sent[UPDATE_STEPS - 1];
	cf = wait_flow(getpid(), port, 0);
	sf = wait_flow(getpid(), port, 1);
	if (ASSERT_OK_PTR(cf, "client close record")) {
		check_flow_common(cf, getpid(), port, false);
		ASSERT_EQ(flow(cf)->bytes_sent, total, "client close: bytes_sent exact");
		ASSERT_EQ(flow(cf)->close, VG_FLOW_CLOSE_FIN, "client close reason");
	}
	if (ASSERT_OK_PTR(sf, "server close record")) {
		check_flow_common(sf, getpid(), port, true);
		ASSERT_EQ(flow(sf)->bytes_received, total, "server close: bytes_received exact");
		ASSERT_EQ(flow(sf)->close, VG_FLOW_CLOSE_FIN, "server close reason");
	}
	/* every update read during step k counts at most what was sent by then */
	for (size_t i = 0, k = 0; i < mark[UPDATE_STEPS - 1]; i++) {
		const struct vg_flow *f = flow(&c.ev[i]);
		bool in;
		uint64_t v;

		while (i >= mark[k])
			k++;
		if (c.ev[i].hdr->type != VG_EV_FLOW || f->close != VG_FLOW_OPEN)
			continue;
		in = f->flags & VG_FLOW_INBOUND;
		if (!ASSERT_EQ(in ? f->sport : f->dport, port, "update of the test connection"))
			continue;
		check_flow_common(&c.ev[i], getpid(), port, in);
		v = in ? f->bytes_received : f->bytes_sent;
		ASSERT_LE(v, sent[k], "update counts at most what was sent");
		ASSERT_GE(v, last[in], "update counts only grow");
		ASSERT_EQ(in ? f->bytes_sent : f->bytes_received, 0, "nothing the other way");
		ASSERT_LE(f->start_ns + f->duration_ns, c.ev[i].hdr->ts_ns, "duration so far");
		ASSERT_GE(f->duration_ns, 1000000000ULL, "only connections older than 1 s");
		last[in] = v;
		nup[in]++;
	}
	ASSERT_GE(nup[0], 2, "client updates");
	ASSERT_GE(nup[1], 2, "server updates");
	ASSERT_EQ(last[1], total, "server's last update counted everything");
out:
	teardown();
}

static struct got_event *find_nothing(struct collector *col, const void *arg)
{
	return NULL;
}

/* Updates off (the default): a connection open for 2.5 s gets only its close. */
static void test_flow_no_updates_when_off(void)
{
	struct got_event *cf;
	uint16_t port = 0;
	int lfd, cfd, afd;

	if (!setup())
		goto out;
	ASSERT_TRUE(c.agent.sensor.flow_iter == NULL, "no flow update iterator");
	lfd = tcp_listener(AF_INET, 4, &port);
	cfd = tcp_connect(AF_INET, port);
	afd = accept(lfd, NULL, NULL);
	if (!ASSERT_GE(afd, 0, "connected"))
		goto out;
	ASSERT_TRUE(write_all(cfd, 1000) && read_exactly(afd, 1000), "1000 bytes across");
	collector_poll_until(&c, find_nothing, NULL, 2500);
	close(cfd);
	close(afd);
	close(lfd);
	cf = wait_flow(getpid(), port, 0);
	if (ASSERT_OK_PTR(cf, "client close record"))
		ASSERT_EQ(flow(cf)->bytes_sent, 1000, "client bytes_sent");
	for (size_t i = 0; i < c.n; i++)
		if (c.ev[i].hdr->type == VG_EV_FLOW)
			ASSERT_NEQ(flow(&c.ev[i])->close, VG_FLOW_OPEN, "no update");
out:
	teardown();
}

static void test_flow_reset_by_linger_zero(void)
{
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };
	struct got_event *cf, *sf;
	uint16_t port = 0;
	int lfd, cfd, afd;
	char buf[16];

	if (!setup())
		goto out;
	lfd = tcp_listener(AF_INET, 4, &port);
	cfd = tcp_connect(AF_INET, port);
	afd = accept(lfd, NULL, NULL);
	if (!ASSERT_GE(afd, 0, "connected"))
		goto out;
	ASSERT_TRUE(write_all(cfd, 10), "client writes");
	ASSERT_EQ(read(afd, buf, sizeof(buf)), 10, "server reads");
	ASSERT_OK(setsockopt(cfd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)), "SO_LINGER 0");
	close(cfd);			/* sends a RST */
	ASSERT_EQ(read(afd, buf, sizeof(buf)), -1, "server read fails");
	ASSERT_EQ(errno, ECONNRESET, "with ECONNRESET");
	close(afd);
	close(lfd);
	cf = wait_flow(getpid(), port, 0);
	sf = wait_flow(getpid(), port, 1);
	if (ASSERT_OK_PTR(cf, "client flow")) {
		ASSERT_EQ(flow(cf)->close, VG_FLOW_CLOSE_RESET, "client close reason");
		ASSERT_EQ(flow(cf)->bytes_sent, 10, "client bytes_sent");
	}
	if (ASSERT_OK_PTR(sf, "server flow")) {
		ASSERT_EQ(flow(sf)->close, VG_FLOW_CLOSE_RESET, "server close reason");
		ASSERT_EQ(flow(sf)->bytes_received, 10, "server bytes_received");
	}
out:
	teardown();
}

static const struct vg_test tests[] = {
	VG_TEST(test_tcp4_bind_listen_connect_accept),
	VG_TEST(test_tcp6_bind_listen_connect_accept4),
	VG_TEST(test_connect_refused_has_errno),
	VG_TEST(test_unix_bind_listen_connect_accept_paths),
	VG_TEST(test_unix_abstract_name),
	VG_TEST(test_flow_bytes_exact_10mib_both_ways),
	VG_TEST(test_flow_orphaned_close),
	VG_TEST(test_flow_raw_tp_backend),
	VG_TEST(test_flow_reset_by_linger_zero),
	VG_TEST(test_flow_updates_every_second),
	VG_TEST(test_flow_no_updates_when_off),
	{},
};

VG_TEST_MAIN(tests)
