// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * test_netctl.c - connection control against the real kernel.
 *
 * The programs are attached to a cgroup the test creates
 * (<cgroup2>/vigil-test-netctl-<pid>, never the root) and the pins live in
 * a private directory (VIGIL_NETCTL_DIR=/sys/fs/bpf/vigil-test-netctl-<pid>).
 * The test process moves into a network namespace of its own before any
 * socket is made, so every address below exists only there; children that
 * move themselves into the test cgroup are refused, children that stay
 * outside are not.  Everything (links, pins, cgroup, children) is removed at
 * exit, whatever failed.
 */
#include <arpa/inet.h>
#include <fcntl.h>
#include <limits.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "harness.h"
#include "netif.h"
#include "collect.h"
#include "mounts.h"
#include "netctl.h"
#include "vigil/event.h"

#define PORT_TCP	8443	/* listeners on 127.0.0.1 and ::1 */
#define PORT_TCP_OTHER	8080	/* listeners too: a port no rule names */
#define PORT_UDP	5353	/* UDP receivers */
#define PORT_CLOSED	9	/* nothing listens: connect gives ECONNREFUSED */
#define PORT_BIND	7000

static struct {
	bool ready;
	char cg[PATH_MAX];		/* the test cgroup */
	char cg2[PATH_MAX];		/* a second one, for stale-link tests */
	char pins[PATH_MAX];
	uint64_t cg_id;
	int tcp4, tcp4b, tcp6, tcp6b, udp4, udp6;	/* listeners / receivers */
	pid_t loop_child;
} fx = { .tcp4 = -1, .tcp4b = -1, .tcp6 = -1, .tcp6b = -1, .udp4 = -1, .udp6 = -1 };

/* ---- fixture ----------------------------------------------------------- */

static int listen_on(int family, int type, const char *addr, uint16_t port)
{
	struct sockaddr_storage ss = {};
	socklen_t len;
	int fd, one = 1;

	if (family == AF_INET) {
		struct sockaddr_in *a = (void *)&ss;

		a->sin_family = AF_INET;
		a->sin_port = htons(port);
		inet_pton(AF_INET, addr, &a->sin_addr);
		len = sizeof(*a);
	} else {
		struct sockaddr_in6 *a = (void *)&ss;

		a->sin6_family = AF_INET6;
		a->sin6_port = htons(port);
		inet_pton(AF_INET6, addr, &a->sin6_addr);
		len = sizeof(*a);
	}
	fd = socket(family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (void *)&ss, len) || (type == SOCK_STREAM && listen(fd, 128))) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Accept and close whatever is queued, so backlogs never fill. */
static void drain(void)
{
	int fds[] = { fx.tcp4, fx.tcp4b, fx.tcp6, fx.tcp6b };

	for (size_t i = 0; i < 4; i++) {
		int c;

		while (fds[i] >= 0 && (c = accept4(fds[i], NULL, NULL, SOCK_CLOEXEC)) >= 0)
			close(c);
	}
}

/* Datagrams waiting on a UDP receiver (read and dropped). */
static int udp_received(int fd)
{
	char buf[64];
	int n = 0;

	while (recv(fd, buf, sizeof(buf), MSG_DONTWAIT) > 0)
		n++;
	return n;
}

static void teardown(void)
{
	struct vg_netctl nc;

	if (fx.loop_child > 0) {
		kill(fx.loop_child, SIGKILL);
		waitpid(fx.loop_child, NULL, 0);
		fx.loop_child = 0;
	}
	if (!vg_netctl_open(&nc, false)) {
		vg_netctl_detach(&nc, 0, NULL);
		vg_netctl_close(&nc);
	}
	if (fx.cg[0])
		rmdir(fx.cg);
	if (fx.cg2[0])
		rmdir(fx.cg2);
	rmdir(fx.pins);
}

static void on_fatal_signal(int sig)
{
	teardown();
	signal(sig, SIG_DFL);
	raise(sig);
}

static bool fixture(void)
{
	char root[256];
	struct stat st;

	if (fx.ready)
		return true;
	if (!ASSERT_OK(vg_mount_find("cgroup2", root, sizeof(root)), "cgroup2 mount"))
		return false;
	snprintf(fx.cg, sizeof(fx.cg), "%s/vigil-test-netctl-%d", root, getpid());
	snprintf(fx.cg2, sizeof(fx.cg2), "%s/vigil-test-netctl-%d-b", root, getpid());
	snprintf(fx.pins, sizeof(fx.pins), "/sys/fs/bpf/vigil-test-netctl-%d", getpid());
	setenv("VIGIL_NETCTL_DIR", fx.pins, 1);
	atexit(teardown);
	signal(SIGINT, on_fatal_signal);
	signal(SIGTERM, on_fatal_signal);
	signal(SIGSEGV, on_fatal_signal);
	signal(SIGABRT, on_fatal_signal);
	if (!ASSERT_OK(mkdir(fx.cg, 0755) ? -errno : 0, "mkdir test cgroup"))
		return false;
	if (!ASSERT_OK(stat(fx.cg, &st) ? -errno : 0, "stat test cgroup"))
		return false;
	fx.cg_id = st.st_ino;

	/* From here on, sockets exist only in this private namespace. */
	if (!ASSERT_OK(unshare(CLONE_NEWNET) ? -errno : 0, "unshare(CLONE_NEWNET)"))
		return false;
	if (!ASSERT_OK(vg_link_up("lo"), "bring lo up in the private netns"))
		return false;
	fx.tcp4 = listen_on(AF_INET, SOCK_STREAM, "127.0.0.1", PORT_TCP);
	fx.tcp4b = listen_on(AF_INET, SOCK_STREAM, "127.0.0.1", PORT_TCP_OTHER);
	fx.tcp6 = listen_on(AF_INET6, SOCK_STREAM, "::1", PORT_TCP);
	fx.tcp6b = listen_on(AF_INET6, SOCK_STREAM, "::1", PORT_TCP_OTHER);
	fx.udp4 = listen_on(AF_INET, SOCK_DGRAM, "127.0.0.1", PORT_UDP);
	fx.udp6 = listen_on(AF_INET6, SOCK_DGRAM, "::1", PORT_UDP);
	if (!ASSERT_TRUE(fx.tcp4 >= 0 && fx.tcp4b >= 0 && fx.tcp6 >= 0 && fx.tcp6b >= 0 &&
			 fx.udp4 >= 0 && fx.udp6 >= 0, "listeners in the private netns"))
		return false;
	fx.ready = true;
	return true;
}

/* ---- library helpers --------------------------------------------------- */

static int attach_all(uint64_t *scope)
{
	struct vg_netctl nc;
	int err = vg_netctl_open(&nc, true);

	if (err)
		return err;
	err = vg_netctl_attach(&nc, fx.cg, VG_NETCTL_HOOKS_ALL, scope);
	vg_netctl_close(&nc);
	return err;
}

/* Add "cidr [port] [proto] hooks" for the test cgroup; returns the id or 0. */
static uint32_t add_rule(const char *cidr, uint16_t port, uint8_t proto, unsigned int hooks)
{
	struct vg_netctl_rule r = { .port = port, .proto = proto, .hooks = hooks };
	struct vg_netctl nc;
	char why[96];
	int err;

	if (!ASSERT_OK(vg_netctl_parse_cidr(cidr, &r, why, sizeof(why)), "parse cidr"))
		return 0;
	if (!ASSERT_OK(attach_all(&r.scope), "attach to the test cgroup"))
		return 0;
	if (!ASSERT_EQ(r.scope, fx.cg_id, "scope is the test cgroup's id"))
		return 0;
	if (!ASSERT_OK(vg_netctl_open(&nc, true), "open rule set"))
		return 0;
	err = vg_netctl_add(&nc, &r);
	vg_netctl_close(&nc);
	if (!ASSERT_OK(err, "add rule"))
		return 0;
	return r.id;
}

static void delete_rule(uint32_t id)
{
	struct vg_netctl nc;

	if (!ASSERT_OK(vg_netctl_open(&nc, false), "open rule set"))
		return;
	ASSERT_OK(vg_netctl_delete(&nc, id), "delete rule");
	vg_netctl_close(&nc);
}

static uint64_t rule_hits(uint32_t id)
{
	struct vg_netctl_rule *rules = NULL;
	struct vg_netctl nc;
	uint64_t hits = UINT64_MAX;
	size_t n = 0;

	if (vg_netctl_open(&nc, false))
		return hits;
	if (!vg_netctl_list(&nc, &rules, &n))
		for (size_t i = 0; i < n; i++)
			if (rules[i].id == id)
				hits = rules[i].hits;
	free(rules);
	vg_netctl_close(&nc);
	return hits;
}

/* ---- children ----------------------------------------------------------- */

enum op { OP_CONNECT, OP_SENDTO, OP_BIND };

static void join_test_cgroup(void)
{
	char path[PATH_MAX + 16];
	int fd;

	snprintf(path, sizeof(path), "%s/cgroup.procs", fx.cg);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0 || write(fd, "0", 1) != 1)
		_exit(200);
	close(fd);
}

static socklen_t make_addr(struct sockaddr_storage *ss, int family, const char *addr,
			   uint16_t port)
{
	memset(ss, 0, sizeof(*ss));
	if (family == AF_INET) {
		struct sockaddr_in *a = (void *)ss;

		a->sin_family = AF_INET;
		a->sin_port = htons(port);
		inet_pton(AF_INET, addr, &a->sin_addr);
		return sizeof(*a);
	} else {
		struct sockaddr_in6 *a = (void *)ss;

		a->sin6_family = AF_INET6;
		a->sin6_port = htons(port);
		inet_pton(AF_INET6, addr, &a->sin6_addr);
		return sizeof(*a);
	}
}

/* In a child, inside the test cgroup or not: 0 on success, else errno. */
static int run_child(bool in_cg, enum op op, int family, const char *addr, uint16_t port,
		     pid_t *pid_out)
{
	struct sockaddr_storage ss;
	socklen_t len = make_addr(&ss, family, addr, port);
	pid_t pid;
	int status, rc;

	fflush(stdout);
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		int type = op == OP_SENDTO ? SOCK_DGRAM : SOCK_STREAM, fd, one = 1;

		if (in_cg)
			join_test_cgroup();
		fd = socket(family, type | SOCK_CLOEXEC, 0);
		if (fd < 0)
			_exit(201);
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (op == OP_CONNECT)
			rc = connect(fd, (void *)&ss, len);
		else if (op == OP_SENDTO)
			rc = sendto(fd, "x", 1, 0, (void *)&ss, len) == 1 ? 0 : -1;
		else
			rc = bind(fd, (void *)&ss, len);
		_exit(rc ? errno : 0);
	}
	if (pid_out)
		*pid_out = pid;
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	drain();
	return WEXITSTATUS(status);
}

/* ---- tests -------------------------------------------------------------- */

static void test_connect4_denied_in_cgroup_only(void)
{
	uint32_t id;

	if (!fixture())
		return;
	id = add_rule("127.0.0.0/8", PORT_TCP, IPPROTO_TCP, VG_NETCTL_HOOK_BIT(VG_NETCTL_CONNECT));
	if (!ASSERT_NEQ(id, 0, "rule id"))
		return;
	ASSERT_EQ(run_child(true, OP_CONNECT, AF_INET, "127.0.0.1", PORT_TCP, NULL), EPERM,
		  "connect in the cgroup to a denied port");
	ASSERT_EQ(run_child(false, OP_CONNECT, AF_INET, "127.0.0.1", PORT_TCP, NULL), 0,
		  "connect outside the cgroup");
	ASSERT_EQ(run_child(true, OP_CONNECT, AF_INET, "127.0.0.1", PORT_TCP_OTHER, NULL), 0,
		  "connect in the cgroup to another port");
	ASSERT_EQ(run_child(true, OP_CONNECT, AF_INET6, "::1", PORT_TCP, NULL), 0,
		  "connect in the cgroup to the same port over IPv6");
	ASSERT_EQ(rule_hits(id), 1, "hits");
	delete_rule(id);
	ASSERT_EQ(run_child(true, OP_CONNECT, AF_INET, "127.0.0.1", PORT_TCP, NULL), 0,
		  "connect in the cgroup after delete");
}

static void test_connect6_denied_in_cgroup_only(void)
{
	uint32_t id, id4;

	if (!fixture())
		return;
	id = add_rule("::1/128", 0, 0, VG_NETCTL_HOOK_BIT(VG_NETCTL_CONNECT));
	if (!ASSERT_NEQ(id, 0, "rule id"))
		return;
	ASSERT_EQ(run_child(true, OP_CONNECT, AF_INET6, "::1", PORT_TCP, NULL), EPERM,
		  "connect6 in the cgroup");
	ASSERT_EQ(run_child(true, OP_CONNECT, AF_INET6, "::1", PORT_TCP_OTHER, NULL), EPERM,
		  "connect6 in the cgroup, any port");
	ASSERT_EQ(run_child(false, OP_CONNECT, AF_INET6, "::1", PORT_TCP, NULL), 0,
		  "connect6 outside the cgroup");
	ASSERT_EQ(run_child(true, OP_CONNECT, AF_INET, "127.0.0.1", PORT_TCP, NULL), 0,
		  "connect4 in the cgroup");
	delete_rule(id);

	/* An IPv4 rule also covers an IPv6 socket's v4-mapped address. */
	id4 = add_rule("127.0.0.1/32", PORT_TCP, 0, VG_NETCTL_HOOK_BIT(VG_NETCTL_CONNECT));
	if (!ASSERT_NEQ(id4, 0, "rule id"))
		return;
	ASSERT_EQ(run_child(true, OP_CONNECT, AF_INET6, "::ffff:127.0.0.1", PORT_TCP, NULL), EPERM,
		  "connect6 to a v4-mapped address");
	ASSERT_EQ(run_child(false, OP_CONNECT, AF_INET6, "::ffff:127.0.0.1", PORT_TCP, NULL), 0,
		  "connect6 to a v4-mapped address, outside");
	delete_rule(id4);
}

static void test_sendmsg_udp_denied(void)
{
	uint32_t id;

	if (!fixture())
		return;
	udp_received(fx.udp4);
	udp_received(fx.udp6);
	id = add_rule("127.0.0.1", PORT_UDP, IPPROTO_UDP, VG_NETCTL_HOOK_BIT(VG_NETCTL_SENDMSG));
	if (!ASSERT_NEQ(id, 0, "rule id"))
		return;
	ASSERT_EQ(run_child(true, OP_SENDTO, AF_INET, "127.0.0.1", PORT_UDP, NULL), EPERM,
		  "sendto in the cgroup");
	ASSERT_EQ(udp_received(fx.udp4), 0, "the refused datagram did not arrive");
	ASSERT_EQ(run_child(false, OP_SENDTO, AF_INET, "127.0.0.1", PORT_UDP, NULL), 0,
		  "sendto outside the cgroup");
	ASSERT_EQ(udp_received(fx.udp4), 1, "the allowed datagram arrived");
	ASSERT_EQ(run_child(true, OP_SENDTO, AF_INET, "127.0.0.1", PORT_UDP + 1, NULL), 0,
		  "sendto in the cgroup to another port");
	delete_rule(id);

	id = add_rule("::1/128", PORT_UDP, IPPROTO_UDP, VG_NETCTL_HOOK_BIT(VG_NETCTL_SENDMSG));
	if (!ASSERT_NEQ(id, 0, "rule id"))
		return;
	ASSERT_EQ(run_child(true, OP_SENDTO, AF_INET6, "::1", PORT_UDP, NULL), EPERM,
		  "sendto6 in the cgroup");
	ASSERT_EQ(run_child(true, OP_CONNECT, AF_INET6, "::1", PORT_TCP, NULL), 0,
		  "a sendmsg rule leaves connect alone");
	delete_rule(id);
	ASSERT_EQ(run_child(true, OP_SENDTO, AF_INET6, "::1", PORT_UDP, NULL), 0,
		  "sendto6 after delete");
	ASSERT_EQ(udp_received(fx.udp6), 1, "only the datagram sent after delete arrived");
}

static void test_bind_denied(void)
{
	uint32_t id;

	if (!fixture())
		return;
	id = add_rule("127.0.0.0/8", PORT_BIND, IPPROTO_TCP, VG_NETCTL_HOOK_BIT(VG_NETCTL_BIND));
	if (!ASSERT_NEQ(id, 0, "rule id"))
		return;
	ASSERT_EQ(run_child(true, OP_BIND, AF_INET, "127.0.0.1", PORT_BIND, NULL), EPERM,
		  "bind in the cgroup");
	ASSERT_EQ(run_child(false, OP_BIND, AF_INET, "127.0.0.1", PORT_BIND, NULL), 0,
		  "bind outside the cgroup");
	ASSERT_EQ(run_child(true, OP_BIND, AF_INET, "127.0.0.1", PORT_BIND + 1, NULL), 0,
		  "bind in the cgroup to another port");
	ASSERT_EQ(run_child(true, OP_CONNECT, AF_INET, "127.0.0.1", PORT_TCP, NULL), 0,
		  "a bind rule leaves connect alone");
	delete_rule(id);

	id = add_rule("::/0", PORT_BIND, 0, VG_NETCTL_HOOK_BIT(VG_NETCTL_BIND));
	if (!ASSERT_NEQ(id, 0, "rule id"))
		return;
	ASSERT_EQ(run_child(true, OP_BIND, AF_INET6, "::1", PORT_BIND, NULL), EPERM,
		  "bind6 in the cgroup");
	ASSERT_EQ(run_child(true, OP_BIND, AF_INET6, "::", PORT_BIND, NULL), EPERM,
		  "bind6 to the wildcard in the cgroup");
	delete_rule(id);
}

/* ---- events ------------------------------------------------------------- */

struct got {
	struct vg_net ev[64];
	int n;
};

static int on_ev(void *ctx, void *data, size_t size)
{
	struct got *g = ctx;

	if (g->n < 64 && size == sizeof(struct vg_net))
		memcpy(&g->ev[g->n++], data, size);
	return 0;
}

static const struct vg_net *find_ev(const struct got *g, uint32_t pid)
{
	for (int i = 0; i < g->n; i++)
		if (g->ev[i].hdr.task.pid == pid)
			return &g->ev[i];
	return NULL;
}

static uint32_t self_ns(const char *name)
{
	char path[64];
	struct stat st;

	snprintf(path, sizeof(path), "/proc/self/ns/%s", name);
	return stat(path, &st) ? 0 : (uint32_t)st.st_ino;
}

static uint64_t boot_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_BOOTTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static void test_denial_events(void)
{
	static struct got g;
	struct ring_buffer *rb = NULL;
	const struct vg_net *e;
	uint8_t lo4[16] = { 127, 0, 0, 1 }, lo6[16] = {};
	pid_t pc = 0, pb = 0, ps = 0;
	uint32_t idc, idb, ids;
	uint64_t t0;
	int fd;

	if (!fixture())
		return;
	lo6[15] = 1;
	idc = add_rule("127.0.0.0/24", PORT_TCP, IPPROTO_TCP, VG_NETCTL_HOOK_BIT(VG_NETCTL_CONNECT));
	idb = add_rule("::1", PORT_BIND, 0, VG_NETCTL_HOOK_BIT(VG_NETCTL_BIND));
	ids = add_rule("127.0.0.1", PORT_UDP, 0, VG_NETCTL_HOOK_BIT(VG_NETCTL_SENDMSG));
	if (!ASSERT_TRUE(idc && idb && ids, "rules"))
		goto cleanup;
	fd = vg_netctl_events_fd();
	if (!ASSERT_GE(fd, 0, "events ring pinned"))
		goto cleanup;
	memset(&g, 0, sizeof(g));
	rb = ring_buffer__new(fd, on_ev, &g, NULL);
	close(fd);
	if (!ASSERT_OK_PTR(rb, "ring_buffer__new"))
		goto cleanup;
	ring_buffer__consume(rb);	/* what earlier tests left */
	g.n = 0;

	t0 = boot_ns();
	ASSERT_EQ(run_child(true, OP_CONNECT, AF_INET, "127.0.0.1", PORT_TCP, &pc), EPERM, "connect");
	ASSERT_EQ(run_child(true, OP_BIND, AF_INET6, "::1", PORT_BIND, &pb), EPERM, "bind6");
	ASSERT_EQ(run_child(true, OP_SENDTO, AF_INET, "127.0.0.1", PORT_UDP, &ps), EPERM, "sendto");
	ASSERT_EQ(run_child(false, OP_CONNECT, AF_INET, "127.0.0.1", PORT_TCP, NULL), 0,
		  "outside: no event");
	ring_buffer__consume(rb);
	ASSERT_EQ(g.n, 3, "one event per denial");

	/* connect: task context of the refused child, the remote end, the rule */
	e = find_ev(&g, (uint32_t)pc);
	if (ASSERT_OK_PTR(e, "connect event")) {
		ASSERT_EQ(e->hdr.type, VG_EV_NET, "type");
		ASSERT_EQ(e->hdr.version, VG_NET_VERSION, "version");
		ASSERT_EQ(e->hdr.size, sizeof(struct vg_net), "size");
		ASSERT_TRUE(e->hdr.ts_ns >= t0 && e->hdr.ts_ns <= boot_ns(), "ts_ns in the window");
		ASSERT_EQ(e->hdr.task.tid, pc, "tid");
		ASSERT_EQ(e->hdr.task.ppid, getpid(), "ppid");
		ASSERT_EQ(e->hdr.task.uid, getuid(), "uid");
		ASSERT_EQ(e->hdr.task.euid, geteuid(), "euid");
		ASSERT_EQ(e->hdr.task.gid, getgid(), "gid");
		ASSERT_EQ(e->hdr.task.cgroup_id, fx.cg_id, "cgroup id: the test cgroup");
		ASSERT_EQ(e->hdr.task.net_ns, self_ns("net"), "net ns: the private one");
		ASSERT_EQ(e->hdr.task.mnt_ns, self_ns("mnt"), "mnt ns");
		ASSERT_NEQ(e->hdr.task.start_ns, 0, "start_ns");
		ASSERT_STREQ(e->hdr.task.comm, "test_netctl", "comm");
		ASSERT_EQ(e->syscall, 0, "syscall (cgroup hook)");
		ASSERT_EQ(e->op, VG_NET_CONNECT, "op");
		ASSERT_EQ(e->family, AF_INET, "family");
		ASSERT_EQ(e->result, -EPERM, "result");
		ASSERT_EQ(e->protocol, IPPROTO_TCP, "protocol");
		ASSERT_EQ(e->sock_type, SOCK_STREAM, "sock_type");
		ASSERT_EQ(e->dport, PORT_TCP, "dport");
		ASSERT_TRUE(!memcmp(e->daddr, lo4, 16), "daddr 127.0.0.1");
		ASSERT_EQ(e->sport, 0, "sport (unbound)");
		ASSERT_EQ(e->fd, -1, "fd");
		ASSERT_EQ(e->flags, VG_NET_DENIED, "flags");
		ASSERT_EQ(e->rule_id, idc, "rule id");
	}
	/* bind: the local address asked for */
	e = find_ev(&g, (uint32_t)pb);
	if (ASSERT_OK_PTR(e, "bind event")) {
		ASSERT_EQ(e->op, VG_NET_BIND, "op");
		ASSERT_EQ(e->family, AF_INET6, "family");
		ASSERT_EQ(e->sport, PORT_BIND, "sport");
		ASSERT_TRUE(!memcmp(e->saddr, lo6, 16), "saddr ::1");
		ASSERT_EQ(e->dport, 0, "dport");
		ASSERT_EQ(e->rule_id, idb, "rule id");
		ASSERT_EQ(e->hdr.task.pid, pb, "pid");
		ASSERT_EQ(e->result, -EPERM, "result");
	}
	/* sendmsg: the datagram's destination */
	e = find_ev(&g, (uint32_t)ps);
	if (ASSERT_OK_PTR(e, "sendmsg event")) {
		ASSERT_EQ(e->op, VG_NET_SENDMSG, "op");
		ASSERT_EQ(e->family, AF_INET, "family");
		ASSERT_EQ(e->protocol, IPPROTO_UDP, "protocol");
		ASSERT_EQ(e->sock_type, SOCK_DGRAM, "sock_type");
		ASSERT_EQ(e->dport, PORT_UDP, "dport");
		ASSERT_TRUE(!memcmp(e->daddr, lo4, 16), "daddr 127.0.0.1");
		ASSERT_EQ(e->rule_id, ids, "rule id");
	}
	ASSERT_EQ(rule_hits(idc), 1, "connect rule hits");
	ASSERT_EQ(rule_hits(idb), 1, "bind rule hits");
	ASSERT_EQ(rule_hits(ids), 1, "sendmsg rule hits");
cleanup:
	ring_buffer__free(rb);
	if (idc)
		delete_rule(idc);
	if (idb)
		delete_rule(idb);
	if (ids)
		delete_rule(ids);
}

static struct got_event *find_denial(struct collector *c, const void *arg)
{
	struct got_event *g = collector_find(c, VG_EV_NET, *(const uint32_t *)arg);

	return g && (((const struct vg_net *)g->rec)->flags & VG_NET_DENIED) ? g : NULL;
}

/* The agent (vigil run / trace) finds the pinned ring and delivers denials
 * through the common decoder, with the process context it adds. */
static void test_agent_reads_denials(void)
{
	struct vg_sensor_opts so = { .sensors = VG_SENSOR_PROCESS };
	struct collector c;
	struct got_event *g;
	uint32_t id, pid;
	pid_t child = 0;

	if (!fixture())
		return;
	id = add_rule("127.0.0.1", PORT_TCP, 0, VG_NETCTL_HOOK_BIT(VG_NETCTL_CONNECT));
	if (!ASSERT_NEQ(id, 0, "rule id"))
		return;
	if (!ASSERT_OK(collector_start_sensor(&c, &so), "agent start")) {
		delete_rule(id);
		return;
	}
	ASSERT_EQ(run_child(true, OP_CONNECT, AF_INET, "127.0.0.1", PORT_TCP, &child), EPERM,
		  "connect");
	pid = (uint32_t)child;
	g = collector_poll_until(&c, find_denial, &pid, 2000);
	if (ASSERT_OK_PTR(g, "denial delivered by the agent")) {
		const struct vg_net *e = g->rec;
		char rel[PATH_MAX];

		ASSERT_EQ(e->rule_id, id, "rule id");
		ASSERT_EQ(e->op, VG_NET_CONNECT, "op");
		ASSERT_EQ(e->dport, PORT_TCP, "dport");
		snprintf(rel, sizeof(rel), "%s", strrchr(fx.cg, '/'));
		ASSERT_STREQ(g->cgroup, rel, "cgroup path from the agent's cache");
	}
	ASSERT_EQ(c.agent.stats.decode_errors, 0, "decode errors");
	collector_stop(&c);
	delete_rule(id);
}

/* ---- run-time changes ---------------------------------------------------- */

/* A child in the test cgroup connecting in a loop; one byte per attempt:
 * 'R' refused (nothing listens), 'P' EPERM, 'O' other. */
static pid_t start_loop(int *rfd)
{
	int p[2];
	pid_t pid;

	if (pipe2(p, O_CLOEXEC))
		return -1;
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		struct sockaddr_storage ss;
		socklen_t len = make_addr(&ss, AF_INET, "127.0.0.1", PORT_CLOSED);

		close(p[0]);
		join_test_cgroup();
		for (;;) {
			int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
			char c;

			c = connect(fd, (void *)&ss, len) == 0 ? 'O'
			    : errno == ECONNREFUSED	       ? 'R'
			    : errno == EPERM		       ? 'P'
							       : 'O';
			close(fd);
			if (write(p[1], &c, 1) != 1)
				_exit(0);
			usleep(2000);
		}
	}
	close(p[1]);
	*rfd = p[0];
	return pid;
}

/* Read until `want` arrives (true) or 3 s pass. */
static bool wait_for(int fd, char want)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	uint64_t end = boot_ns() + 3000000000ULL;
	char c;

	while (boot_ns() < end) {
		if (poll(&pfd, 1, 100) <= 0)
			continue;
		if (read(fd, &c, 1) != 1)
			return false;
		if (c == want)
			return true;
	}
	return false;
}

static void prog_ids(uint32_t *ids)
{
	struct vg_netctl_link *links = NULL;
	struct vg_netctl nc;
	size_t n = 0;

	memset(ids, 0, VG_NETCTL_PROG_MAX * sizeof(*ids));
	if (vg_netctl_open(&nc, false))
		return;
	if (!vg_netctl_links(&nc, &links, &n))
		for (size_t i = 0; i < n; i++)
			if (links[i].scope == fx.cg_id)
				ids[links[i].prog] = links[i].prog_id;
	free(links);
	vg_netctl_close(&nc);
}

static void test_rules_change_at_run_time(void)
{
	uint32_t before[VG_NETCTL_PROG_MAX], after[VG_NETCTL_PROG_MAX];
	uint64_t scope;
	uint32_t id;
	int rfd = -1;

	if (!fixture())
		return;
	if (!ASSERT_OK(attach_all(&scope), "attach"))
		return;
	prog_ids(before);
	fx.loop_child = start_loop(&rfd);
	if (!ASSERT_GE(fx.loop_child, 1, "fork loop"))
		return;
	ASSERT_TRUE(wait_for(rfd, 'R'), "connects refused by the peer before the rule");
	id = add_rule("127.0.0.1/32", PORT_CLOSED, IPPROTO_TCP,
		      VG_NETCTL_HOOK_BIT(VG_NETCTL_CONNECT));
	ASSERT_TRUE(wait_for(rfd, 'P'), "EPERM once the rule is in");
	if (id)
		delete_rule(id);
	ASSERT_TRUE(wait_for(rfd, 'R'), "refused by the peer again once it is gone");
	prog_ids(after);
	for (int p = 0; p < VG_NETCTL_PROG_MAX; p++) {
		ASSERT_NEQ(before[p], 0, "program attached");
		ASSERT_EQ(after[p], before[p], "same program: nothing reloaded");
	}
	kill(fx.loop_child, SIGKILL);
	waitpid(fx.loop_child, NULL, 0);
	fx.loop_child = 0;
	close(rfd);
}

/* ---- rule set bookkeeping ---------------------------------------------- */

static void test_duplicates_and_overlaps(void)
{
	struct vg_netctl_rule r = { .port = 80, .proto = IPPROTO_TCP,
				    .hooks = VG_NETCTL_HOOK_BIT(VG_NETCTL_CONNECT) };
	struct vg_netctl_rule r2, *rules = NULL;
	struct vg_netctl nc;
	char why[96];
	uint32_t id;
	size_t n = 0;

	if (!fixture())
		return;
	id = add_rule("10.1.2.3/16", 80, IPPROTO_TCP, VG_NETCTL_HOOK_BIT(VG_NETCTL_CONNECT));
	if (!ASSERT_NEQ(id, 0, "rule id"))
		return;
	ASSERT_OK(vg_netctl_parse_cidr("10.1.0.0/16", &r, why, sizeof(why)), "parse");
	r.scope = fx.cg_id;
	if (!ASSERT_OK(vg_netctl_open(&nc, true), "open"))
		return;
	r2 = r;
	ASSERT_EQ(vg_netctl_add(&nc, &r2), -EEXIST, "same rule again");
	ASSERT_EQ(r2.id, id, "the existing id");
	r2 = r;
	r2.hooks |= VG_NETCTL_HOOK_BIT(VG_NETCTL_BIND);
	ASSERT_EQ(vg_netctl_add(&nc, &r2), -EBUSY, "overlapping hooks");
	ASSERT_OK(vg_netctl_list(&nc, &rules, &n), "list");
	ASSERT_EQ(n, 1, "one rule");
	if (n == 1) {
		char buf[64];

		ASSERT_STREQ(vg_netctl_cidr_str(&rules[0], buf, sizeof(buf)), "10.1.0.0/16",
			     "host bits cleared");
		ASSERT_EQ(rules[0].port, 80, "port");
		ASSERT_EQ(rules[0].proto, IPPROTO_TCP, "proto");
		ASSERT_EQ(rules[0].hooks, VG_NETCTL_HOOK_BIT(VG_NETCTL_CONNECT), "hooks");
		ASSERT_EQ(rules[0].scope, fx.cg_id, "scope");
	}
	free(rules);
	ASSERT_EQ(vg_netctl_delete(&nc, 999), -ENOENT, "delete a missing rule");
	ASSERT_OK(vg_netctl_delete(&nc, id), "delete");
	vg_netctl_close(&nc);
}

static void test_parse_errors(void)
{
	struct vg_netctl_rule r;
	unsigned int hooks;
	char why[96];
	uint8_t proto;

	ASSERT_EQ(vg_netctl_parse_cidr("10.0.0.0/33", &r, why, sizeof(why)), -EINVAL, "/33");
	ASSERT_STREQ(why, "prefix length 0-32 for IPv4", "why /33");
	ASSERT_EQ(vg_netctl_parse_cidr("::/129", &r, why, sizeof(why)), -EINVAL, "/129");
	ASSERT_EQ(vg_netctl_parse_cidr("10.0.0.0/", &r, why, sizeof(why)), -EINVAL, "empty prefix");
	ASSERT_EQ(vg_netctl_parse_cidr("10.0.0/8", &r, why, sizeof(why)), -EINVAL, "short addr");
	ASSERT_EQ(vg_netctl_parse_cidr("", &r, why, sizeof(why)), -EINVAL, "empty");
	ASSERT_OK(vg_netctl_parse_cidr("0.0.0.0/0", &r, why, sizeof(why)), "0/0");
	ASSERT_EQ(r.prefixlen, 0, "prefixlen 0");
	ASSERT_OK(vg_netctl_parse_cidr("fd00::1/8", &r, why, sizeof(why)), "v6");
	ASSERT_EQ(r.family, AF_INET6, "family");
	ASSERT_EQ(r.addr[0], 0xfd, "addr[0]");
	ASSERT_EQ(r.addr[15], 0, "host bits cleared");
	ASSERT_EQ(vg_netctl_parse_proto("icmp", &proto), -EINVAL, "proto icmp");
	ASSERT_EQ(vg_netctl_parse_hooks("connect,", &hooks), -EINVAL, "hooks trailing comma");
	ASSERT_EQ(vg_netctl_parse_hooks("accept", &hooks), -EINVAL, "hooks accept");
	ASSERT_OK(vg_netctl_parse_hooks("bind,connect", &hooks), "hooks");
	ASSERT_EQ(hooks, VG_NETCTL_HOOK_BIT(VG_NETCTL_BIND) | VG_NETCTL_HOOK_BIT(VG_NETCTL_CONNECT),
		  "hooks set");
}

/* A cgroup removed under its links (a crashed or careless run): the pins
 * are reported defunct, reused state stays single, detach cleans up. */
static void test_stale_pins_cleaned(void)
{
	struct vg_netctl_link *links = NULL;
	struct vg_netctl nc;
	uint64_t scope2;
	uint32_t map_id_before = 0, map_id_after = 0;
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);
	size_t n = 0, defunct = 0;
	char path[PATH_MAX + 64];
	int fd;

	if (!fixture())
		return;
	if (!ASSERT_OK(mkdir(fx.cg2, 0755) ? -errno : 0, "mkdir second cgroup"))
		return;
	if (!ASSERT_OK(vg_netctl_open(&nc, true), "open"))
		return;
	ASSERT_OK(vg_netctl_attach(&nc, fx.cg2, VG_NETCTL_HOOK_BIT(VG_NETCTL_CONNECT), &scope2),
		  "attach to the second cgroup");
	if (!bpf_obj_get_info_by_fd(nc.rules4_fd, &info, &len))
		map_id_before = info.id;
	vg_netctl_close(&nc);
	ASSERT_OK(rmdir(fx.cg2) ? -errno : 0, "rmdir the second cgroup with programs attached");

	/* A new open reuses the pinned maps: same map, not a second one. */
	if (!ASSERT_OK(vg_netctl_open(&nc, true), "open again"))
		return;
	len = sizeof(info);
	if (!bpf_obj_get_info_by_fd(nc.rules4_fd, &info, &len))
		map_id_after = info.id;
	ASSERT_EQ(map_id_after, map_id_before, "pinned map reused");
	/* cgroup release is asynchronous: wait for the links to go defunct */
	for (int tries = 0; tries < 100 && defunct < 2; tries++) {
		free(links);
		links = NULL;
		defunct = 0;
		vg_netctl_links(&nc, &links, &n);
		for (size_t i = 0; i < n; i++)
			defunct += links[i].scope == scope2 && links[i].defunct;
		if (defunct < 2)
			usleep(20000);
	}
	ASSERT_EQ(defunct, 2, "connect4/6 links of the removed cgroup are defunct");
	free(links);
	links = NULL;
	/* Detaching the test cgroup alone also drops the defunct pins. */
	ASSERT_OK(vg_netctl_detach(&nc, fx.cg_id, NULL), "detach");
	snprintf(path, sizeof(path), "%s/links/%llu-connect4", fx.pins, (unsigned long long)scope2);
	ASSERT_EQ(access(path, F_OK), -1, "defunct pin removed");
	vg_netctl_close(&nc);
	ASSERT_EQ(access(fx.pins, F_OK), -1, "pin directory removed when nothing is attached");
	fd = open(fx.cg, O_RDONLY | O_DIRECTORY);
	if (fd >= 0) {
		__u32 ids[8], cnt = 8, flags = 0;

		ASSERT_OK(bpf_prog_query(fd, BPF_CGROUP_INET4_CONNECT, 0, &flags, ids, &cnt),
			  "query");
		ASSERT_EQ(cnt, 0, "nothing attached to the test cgroup");
		close(fd);
	}
}

/* ---- the CLI ------------------------------------------------------------ */

static const char *vigil_bin(void)
{
	static char path[PATH_MAX + 8];
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	char *p;

	if (getenv("VIGIL"))
		return getenv("VIGIL");
	if (n <= 0)
		return "build/vigil";
	self[n] = '\0';
	/* <build>/tests/bpf/test_netctl -> <build>/vigil */
	for (int i = 0; i < 3 && (p = strrchr(self, '/')); i++)
		*p = '\0';
	snprintf(path, sizeof(path), "%s/vigil", self);
	return path;
}

/* Run `vigil ARGS` (a shell word list), output into out; exit status. */
static int vigil(char *out, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int vigil(char *out, size_t len, const char *fmt, ...)
{
	char cmd[3 * PATH_MAX], args[PATH_MAX];
	size_t n = 0;
	va_list ap;
	FILE *f;
	int st;

	va_start(ap, fmt);
	vsnprintf(args, sizeof(args), fmt, ap);
	va_end(ap);
	snprintf(cmd, sizeof(cmd), "%s %s 2>&1", vigil_bin(), args);
	fflush(stdout);
	f = popen(cmd, "r");
	if (!f)
		return -1;
	n = fread(out, 1, len - 1, f);
	out[n] = '\0';
	st = pclose(f);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void test_cli_end_to_end(void)
{
	char out[8192], want[PATH_MAX + 256];
	unsigned int id = 0;
	char *p;

	if (!fixture())
		return;
	ASSERT_EQ(vigil(out, sizeof(out), "net deny 10.0.0.0/33 --cgroup %s", fx.cg), 2,
		  "bad CIDR: exit 2");
	ASSERT_TRUE(strstr(out, "vigil: net deny: '10.0.0.0/33' is not a CIDR (prefix length "
			   "0-32 for IPv4)") != NULL, "bad CIDR message");
	ASSERT_EQ(vigil(out, sizeof(out), "net deny 10.0.0.0/8 --port 70000"), 2, "bad port");
	ASSERT_TRUE(strstr(out, "--port '70000'") != NULL, "bad port message");
	ASSERT_EQ(vigil(out, sizeof(out), "net deny 10.0.0.0/8 --proto sctp"), 2, "bad proto");
	ASSERT_EQ(vigil(out, sizeof(out), "net deny 10.0.0.0/8 --cgroup /nonexistent-cg"), 2,
		  "bad cgroup");
	ASSERT_TRUE(strstr(out, "--cgroup '/nonexistent-cg'") != NULL, "bad cgroup message");
	ASSERT_EQ(vigil(out, sizeof(out), "net deny 10.0.0.0/8 --hooks accept"), 2, "bad hooks");
	ASSERT_EQ(vigil(out, sizeof(out), "net delete abc"), 2, "bad rule id");
	ASSERT_EQ(vigil(out, sizeof(out), "net frobnicate"), 2, "unknown subcommand");
	ASSERT_EQ(vigil(out, sizeof(out), "net --help"), 0, "--help");
	ASSERT_EQ(vigil(out, sizeof(out), "net deny --help"), 0, "deny --help");
	ASSERT_TRUE(strstr(out, "usage: vigil net deny") != NULL, "help text");

	ASSERT_EQ(vigil(out, sizeof(out),
			"net deny 127.0.0.1 --port %d --proto tcp --cgroup %s", PORT_TCP, fx.cg), 0,
		  "deny");
	p = strstr(out, "rule ");
	if (!ASSERT_TRUE(p && sscanf(p, "rule %u:", &id) == 1, "deny prints the rule id"))
		printf("  output: %s\n", out);
	/* The command has exited: the rule is in force without it. */
	ASSERT_EQ(run_child(true, OP_CONNECT, AF_INET, "127.0.0.1", PORT_TCP, NULL), EPERM,
		  "connect refused after the CLI exited");
	ASSERT_EQ(run_child(false, OP_CONNECT, AF_INET, "127.0.0.1", PORT_TCP, NULL), 0,
		  "outside the cgroup");
	ASSERT_EQ(vigil(out, sizeof(out), "net deny 127.0.0.1 --port %d --proto tcp --cgroup %s",
			PORT_TCP, fx.cg), 0, "same deny again");
	ASSERT_TRUE(strstr(out, "already there") != NULL, "duplicate reported");
	ASSERT_EQ(vigil(out, sizeof(out), "net list"), 0, "list");
	snprintf(want, sizeof(want), "%-5u %-10u 127.0.0.1/32 port %d proto tcp hooks "
		 "connect,sendmsg in '%s'", id, 1, PORT_TCP, fx.cg);
	if (!ASSERT_TRUE(strstr(out, want) != NULL, "list shows the rule with 1 hit"))
		printf("  want: %s\n  output: %s\n", want, out);
	ASSERT_TRUE(strstr(out, "connect4") && strstr(out, "sendmsg6"), "list shows attachments");
	ASSERT_EQ(vigil(out, sizeof(out), "net flush"), 0, "flush");
	ASSERT_TRUE(strstr(out, "removed 1 rule") != NULL, "flush count");
	ASSERT_EQ(run_child(true, OP_CONNECT, AF_INET, "127.0.0.1", PORT_TCP, NULL), 0,
		  "connect after flush");
	ASSERT_EQ(vigil(out, sizeof(out), "net delete %u", id), 1, "delete a flushed rule");
	ASSERT_EQ(vigil(out, sizeof(out), "net detach --cgroup %s", fx.cg), 0, "detach");
	ASSERT_TRUE(strstr(out, "detached 4 programs") != NULL, "detach count");
	ASSERT_EQ(access(fx.pins, F_OK), -1, "no pins left");
	ASSERT_EQ(vigil(out, sizeof(out), "net list"), 0, "list with nothing");
	ASSERT_TRUE(strstr(out, "no connection rules") != NULL, "list says so");
	ASSERT_EQ(vigil(out, sizeof(out), "net detach"), 0, "detach with nothing");
}

/* Last: nothing of the test is left in bpffs or on the cgroup. */
static void test_cleanup_leaves_nothing(void)
{
	struct vg_netctl nc;
	int fd;

	if (!fixture())
		return;
	if (!vg_netctl_open(&nc, false)) {
		ASSERT_OK(vg_netctl_detach(&nc, 0, NULL), "detach all");
		vg_netctl_close(&nc);
	}
	ASSERT_EQ(access(fx.pins, F_OK), -1, "pin directory gone");
	fd = open(fx.cg, O_RDONLY | O_DIRECTORY);
	if (ASSERT_GE(fd, 0, "open test cgroup")) {
		enum bpf_attach_type types[] = {
			BPF_CGROUP_INET4_CONNECT, BPF_CGROUP_INET6_CONNECT, BPF_CGROUP_UDP4_SENDMSG,
			BPF_CGROUP_UDP6_SENDMSG, BPF_CGROUP_INET4_BIND, BPF_CGROUP_INET6_BIND,
		};

		for (size_t i = 0; i < 6; i++) {
			__u32 ids[8], cnt = 8, flags = 0;

			ASSERT_OK(bpf_prog_query(fd, types[i], 0, &flags, ids, &cnt), "query");
			ASSERT_EQ(cnt, 0, "programs left on the test cgroup");
		}
		close(fd);
	}
	ASSERT_OK(rmdir(fx.cg) ? -errno : 0, "rmdir test cgroup");
	fx.cg[0] = '\0';
	errno = 0;
	ASSERT_EQ(waitpid(-1, NULL, WNOHANG), -1, "children left");
	ASSERT_EQ(errno, ECHILD, "waitpid errno");
}

static const struct vg_test tests[] = {
	VG_TEST(test_parse_errors),
	VG_TEST(test_connect4_denied_in_cgroup_only),
	VG_TEST(test_connect6_denied_in_cgroup_only),
	VG_TEST(test_sendmsg_udp_denied),
	VG_TEST(test_bind_denied),
	VG_TEST(test_denial_events),
	VG_TEST(test_agent_reads_denials),
	VG_TEST(test_rules_change_at_run_time),
	VG_TEST(test_duplicates_and_overlaps),
	VG_TEST(test_stale_pins_cleaned),
	VG_TEST(test_cli_end_to_end),
	VG_TEST(test_cleanup_leaves_nothing),
	{}
};

VG_TEST_MAIN(tests)
