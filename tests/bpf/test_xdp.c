// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * test_xdp.c - the XDP ingress filter against the real kernel.
 *
 * Every test builds two network namespaces joined by a veth pair
 * (A 10.201.X.1 <-> B 10.201.X.2) and attaches to B's end with the vigil
 * binary run inside B (setns(CLONE_NEWNET) only, so it pins in the host's
 * bpffs).  Traffic comes from sockets the test opens inside A and B: a socket
 * keeps the namespace it was created in.  The machine's own interfaces are
 * never touched.  Namespaces are deleted after every test, on failure too,
 * and at exit (also on SIGINT/SIGTERM).
 */
#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/if_link.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/ip_icmp.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "harness.h"
#include "xdp.h"

#define PIN_ROOT "/sys/fs/bpf/vigil/xdp"

static char ns_a[32], ns_b[32], ns_c[32], if_a[16], if_b[16], if_c[16];
static char ip_a[32], ip_b[32];
static int fd_a = -1, fd_b = -1, fd_self = -1;
static const char *vigil_bin;

/* --- shell and namespaces ------------------------------------------------ */

static int sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int sh(const char *fmt, ...)
{
	char cmd[512];
	va_list ap;
	int st;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	st = system(cmd);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

static void teardown(void)
{
	close_fd(&fd_a);
	close_fd(&fd_b);
	/* Deleting B takes the veth pair, and the XDP link dies with it; the
	 * stale pins go at the next vigil command (checked in a test). */
	sh("ip netns del %s 2>/dev/null", ns_a);
	sh("ip netns del %s 2>/dev/null", ns_b);
	sh("ip netns del %s 2>/dev/null", ns_c);
}

static void on_signal(int sig)
{
	teardown();
	_exit(128 + sig);
}

static int open_ns(const char *name)
{
	char path[64];

	snprintf(path, sizeof(path), "/run/netns/%s", name);
	return open(path, O_RDONLY | O_CLOEXEC);
}

static int ping_b(int count);

/* Two namespaces, a veth pair, addresses; returns once A can ping B. */
static bool setup(void)
{
	teardown();
	if (!ASSERT_OK(sh("ip netns add %s && ip netns add %s", ns_a, ns_b), "netns add"))
		return false;
	if (!ASSERT_OK(sh("ip link add %s type veth peer name %s && "
			  "ip link set %s netns %s && ip link set %s netns %s && "
			  "ip -n %s addr add %s/24 dev %s && ip -n %s addr add %s/24 dev %s && "
			  "ip -n %s link set %s up && ip -n %s link set %s up && "
			  "ip -n %s link set lo up && ip -n %s link set lo up",
			  if_a, if_b, if_a, ns_a, if_b, ns_b, ns_a, ip_a, if_a, ns_b, ip_b, if_b,
			  ns_a, if_a, ns_b, if_b, ns_a, ns_b), "veth setup"))
		return false;
	fd_a = open_ns(ns_a);
	fd_b = open_ns(ns_b);
	if (!ASSERT_TRUE(fd_a >= 0 && fd_b >= 0, "open netns"))
		return false;
	for (int i = 0; i < 25; i++)	/* carrier and neighbour resolution */
		if (ping_b(1) == 1)
			return true;
	return ASSERT_TRUE(false, "A reaches B within 5 s");
}

/* Enter a namespace (fd) or go back home (-1). */
static void enter(int fd)
{
	if (setns(fd >= 0 ? fd : fd_self, CLONE_NEWNET) < 0) {
		printf("setns: %s\n", strerror(errno));
		teardown();
		exit(1);
	}
}

/* Run `vigil ARGS` (space-separated) inside netns `fd`; stdout and stderr
 * into out.  Returns the exit status. */
static int vigil(int fd, char *out, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static int vigil(int fd, char *out, size_t len, const char *fmt, ...)
{
	char line[512], *argv[32], *save;
	int pipefd[2], argc = 0, st;
	size_t got = 0;
	ssize_t n;
	va_list ap;
	pid_t pid;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	argv[argc++] = (char *)vigil_bin;
	for (char *t = strtok_r(line, " ", &save); t && argc < 31; t = strtok_r(NULL, " ", &save))
		argv[argc++] = t;
	argv[argc] = NULL;
	if (pipe(pipefd) < 0)
		return -1;
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		if (setns(fd, CLONE_NEWNET) < 0)
			_exit(126);
		dup2(pipefd[1], 1);
		dup2(pipefd[1], 2);
		close(pipefd[0]);
		execv(vigil_bin, argv);
		_exit(127);
	}
	close(pipefd[1]);
	while ((n = read(pipefd[0], out + got, len - 1 - got)) > 0)
		got += n;
	out[got] = '\0';
	close(pipefd[0]);
	waitpid(pid, &st, 0);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* The pin directory of if_name in netns `fd`, whichever naming applies. */
static bool pins_exist(int fd, const char *ifname)
{
	char path[256];
	struct stat st, ns;

	if (fstat(fd, &ns) < 0)
		return false;
	snprintf(path, sizeof(path), PIN_ROOT "/%s@ns%llu", ifname, (unsigned long long)ns.st_ino);
	if (stat(path, &st) == 0)
		return true;
	snprintf(path, sizeof(path), PIN_ROOT "/%s", ifname);
	return fd == fd_self && stat(path, &st) == 0;
}

/* XDP program id on ifname in netns fd, and its mode. */
static __u32 xdp_prog(int fd, const char *ifname, __u8 *mode)
{
	LIBBPF_OPTS(bpf_xdp_query_opts, q);
	int ifindex;

	enter(fd);
	ifindex = if_nametoindex(ifname);
	if (!ifindex || bpf_xdp_query(ifindex, 0, &q))
		q.prog_id = 0;
	enter(-1);
	if (mode)
		*mode = q.attach_mode;
	return q.prog_id;
}

static bool read_rule(int fd, const char *ifname, uint32_t id, struct vg_xdp_counter *c)
{
	struct vg_xdp_rule r;
	struct vg_xdp x;
	int err;

	enter(fd);
	err = vg_xdp_open(&x, ifname, false);
	if (!err) {
		err = vg_xdp_rule_get(&x, id, &r, c);
		vg_xdp_close(&x);
	}
	enter(-1);
	return ASSERT_OK(err, "read rule counters");
}

/* --- traffic -------------------------------------------------------------- */

static int sock_in(int fd, int type, int proto)
{
	int s;

	enter(fd);
	s = socket(AF_INET, type | SOCK_CLOEXEC, proto);
	enter(-1);
	return s;
}

static struct sockaddr_in addr_of(const char *ip, int port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(port) };

	inet_pton(AF_INET, ip, &sa.sin_addr);
	return sa;
}

static uint16_t csum(const void *data, size_t len)
{
	const uint16_t *p = data;
	uint32_t sum = 0;

	for (; len > 1; len -= 2)
		sum += *p++;
	if (len)
		sum += *(const uint8_t *)p;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return ~sum;
}

/* Send `count` ICMP echo requests from A to B, 200 ms apart; replies seen. */
static int ping_b(int count)
{
	struct sockaddr_in to = addr_of(ip_b, 0);
	int s = sock_in(fd_a, SOCK_RAW, IPPROTO_ICMP), replies = 0;
	char buf[256];

	if (s < 0)
		return -1;
	for (int i = 0; i < count; i++) {
		struct icmphdr h = { .type = ICMP_ECHO };
		struct pollfd pfd = { .fd = s, .events = POLLIN };

		h.un.echo.id = htons(getpid() & 0xffff);
		h.un.echo.sequence = htons(i);
		h.checksum = csum(&h, sizeof(h));
		sendto(s, &h, sizeof(h), 0, (struct sockaddr *)&to, sizeof(to));
		while (poll(&pfd, 1, 200) > 0) {
			ssize_t n = recv(s, buf, sizeof(buf), 0);
			struct icmphdr *r = (struct icmphdr *)(buf + ((buf[0] & 0xf) * 4));

			if (n >= 28 && r->type == ICMP_ECHOREPLY && r->un.echo.sequence == htons(i)) {
				replies++;
				break;
			}
		}
	}
	close(s);
	return replies;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* A UDP socket in netns fd bound to ip:port, big receive buffer. */
static int udp_rx(int fd, const char *ip, int port)
{
	struct sockaddr_in sa = addr_of(ip, port);
	int s = sock_in(fd, SOCK_DGRAM, 0), sz = 16 << 20;

	if (s < 0)
		return -1;
	setsockopt(s, SOL_SOCKET, SO_RCVBUFFORCE, &sz, sizeof(sz));
	if (bind(s, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		close(s);
		return -1;
	}
	return s;
}

static int drain(int s, int wait_ms)
{
	struct pollfd pfd = { .fd = s, .events = POLLIN };
	char buf[2048];
	int n = 0;

	while (poll(&pfd, 1, wait_ms) > 0 && recv(s, buf, sizeof(buf), MSG_DONTWAIT) >= 0)
		n++;
	return n;
}

/*
 * Send `count` datagrams from socket tx to ip:port at `pps` (0: as fast as
 * possible); how many were sent, and the time from first to last in *span.
 */
static int udp_send(int tx, const char *ip, int port, int count, double pps, double *span)
{
	struct sockaddr_in to = addr_of(ip, port);
	char payload[64] = "vigil-xdp-test";
	double t0 = now_s(), t = t0;
	int sent = 0;

	for (int i = 0; i < count; i++) {
		if (pps > 0)
			while ((t = now_s()) < t0 + i / pps)
				;
		if (sendto(tx, payload, sizeof(payload), 0, (struct sockaddr *)&to, sizeof(to)) ==
		    sizeof(payload))
			sent++;
	}
	if (span)
		*span = (pps > 0 ? t : now_s()) - t0;
	return sent;
}

/* Datagrams that arrive at B:port out of `count` sent from A. */
static int udp_probe(int port, int count)
{
	int rx = udp_rx(fd_b, ip_b, port), tx = sock_in(fd_a, SOCK_DGRAM, 0), got;

	if (rx < 0 || tx < 0)
		return -1;
	udp_send(tx, ip_b, port, count, 2000, NULL);
	got = drain(rx, 100);
	close(rx);
	close(tx);
	return got;
}

/* --- tests ---------------------------------------------------------------- */

static void test_xdp_icmp_drop_tcp_pass(void)
{
	struct sockaddr_in sa = addr_of(ip_b, 8080);
	struct vg_xdp_counter c;
	char out[4096], buf[65536];
	int ls = -1, cs = -1, as = -1, one = 1;
	size_t total = 0, want = 1 << 20;
	__u8 mode;

	if (!setup())
		goto cleanup;
	if (!ASSERT_EQ(ping_b(2), 2, "ping before the rule"))
		goto cleanup;
	if (!ASSERT_EQ(vigil(fd_b, out, sizeof(out), "xdp drop --dev %s --proto icmp", if_b), 0,
		       "vigil xdp drop"))
		goto cleanup;
	printf("  %s", out);
	ASSERT_TRUE(strstr(out, "in native mode") != NULL, "says native mode on veth");
	ASSERT_NEQ(xdp_prog(fd_b, if_b, &mode), 0, "program attached");
	ASSERT_EQ(mode, XDP_ATTACHED_DRV, "attached in driver (native) mode");
	ASSERT_EQ(sh("ip -n %s link show %s | grep -q 'prog/xdp id'", ns_b, if_b), 0,
		  "ip link show lists the program");

	ASSERT_EQ(ping_b(3), 0, "ping replies with the rule");
	if (read_rule(fd_b, if_b, 1, &c)) {
		ASSERT_EQ(c.packets, 3, "icmp rule packets");
		ASSERT_EQ(c.dropped, 3, "icmp rule dropped");
		ASSERT_EQ(c.bytes, 3 * (14 + 20 + 8), "icmp rule bytes");
	}

	/* TCP to the same host passes: connect, 1 MiB of data, all received. */
	ls = sock_in(fd_b, SOCK_STREAM, 0);
	cs = sock_in(fd_a, SOCK_STREAM, 0);
	setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (!ASSERT_OK(bind(ls, (struct sockaddr *)&sa, sizeof(sa)) || listen(ls, 1), "listen"))
		goto cleanup;
	fcntl(cs, F_SETFL, O_NONBLOCK);
	connect(cs, (struct sockaddr *)&sa, sizeof(sa));
	as = accept(ls, NULL, NULL);
	if (!ASSERT_TRUE(as >= 0, "tcp accept"))
		goto cleanup;
	fcntl(cs, F_SETFL, 0);
	fcntl(as, F_SETFL, O_NONBLOCK);
	memset(buf, 'x', sizeof(buf));
	for (size_t sent = 0; sent < want;) {
		ssize_t n = send(cs, buf, sizeof(buf) < want - sent ? sizeof(buf) : want - sent,
				 MSG_DONTWAIT);

		if (n > 0)
			sent += n;
		while ((n = recv(as, buf, sizeof(buf), 0)) > 0)
			total += n;
	}
	shutdown(cs, SHUT_WR);
	fcntl(as, F_SETFL, 0);
	for (ssize_t n; (n = recv(as, buf, sizeof(buf), 0)) > 0;)
		total += n;
	ASSERT_EQ(total, want, "tcp bytes received through the filter");
	if (read_rule(fd_b, if_b, 1, &c))
		ASSERT_EQ(c.packets, 3, "icmp rule did not count tcp");

	ASSERT_EQ(vigil(fd_b, out, sizeof(out), "xdp stats --dev %s -o json", if_b), 0, "stats");
	ASSERT_TRUE(strstr(out, "\"mode\":\"native\"") && strstr(out, "\"dropped\":3"),
		    "stats json: native mode, 3 dropped");
	ASSERT_EQ(vigil(fd_b, out, sizeof(out), "xdp detach --dev %s", if_b), 0, "detach");
	ASSERT_EQ(xdp_prog(fd_b, if_b, NULL), 0, "no program after detach");
	ASSERT_FALSE(pins_exist(fd_b, if_b), "no pins after detach");
	ASSERT_EQ(ping_b(1), 1, "ping after detach");
cleanup:
	close_fd(&as);
	close_fd(&cs);
	close_fd(&ls);
	teardown();
}

static void test_xdp_generic_on_lo(void)
{
	struct vg_xdp_counter c;
	char out[4096];
	int rx9 = -1, rx8 = -1, tx = -1;
	__u8 mode;

	if (!setup())
		goto cleanup;
	if (!ASSERT_EQ(vigil(fd_b, out, sizeof(out), "xdp drop --dev lo --proto udp --port 9999"), 0,
		       "vigil xdp drop on lo"))
		goto cleanup;
	printf("  %s", out);
	ASSERT_TRUE(strstr(out, "in generic mode") != NULL, "says generic mode on lo");
	ASSERT_NEQ(xdp_prog(fd_b, "lo", &mode), 0, "program on lo");
	ASSERT_EQ(mode, XDP_ATTACHED_SKB, "attached in skb (generic) mode");
	rx9 = udp_rx(fd_b, "127.0.0.1", 9999);
	rx8 = udp_rx(fd_b, "127.0.0.1", 9998);
	tx = sock_in(fd_b, SOCK_DGRAM, 0);
	udp_send(tx, "127.0.0.1", 9999, 5, 1000, NULL);
	udp_send(tx, "127.0.0.1", 9998, 5, 1000, NULL);
	ASSERT_EQ(drain(rx9, 100), 0, "udp to the dropped port");
	ASSERT_EQ(drain(rx8, 100), 5, "udp to another port");
	if (read_rule(fd_b, "lo", 1, &c))
		ASSERT_EQ(c.dropped, 5, "lo rule dropped");
	ASSERT_EQ(vigil(fd_b, out, sizeof(out), "xdp detach --dev lo"), 0, "detach lo");
	ASSERT_EQ(xdp_prog(fd_b, "lo", NULL), 0, "no program on lo after detach");
	ASSERT_FALSE(pins_exist(fd_b, "lo"), "no pins after detach");
cleanup:
	close_fd(&rx9);
	close_fd(&rx8);
	close_fd(&tx);
	teardown();
}

static void test_xdp_ratelimit_rate_and_burst(void)
{
	const int pps = 1000, burst = 100, port = 7000;
	const double seconds = 2.0, flood_pps = 10000;
	struct vg_xdp_counter c, c2;
	char out[4096];
	int rx = -1, tx = -1, sent, got;
	double span, expected;

	if (!setup())
		goto cleanup;
	ASSERT_EQ(ping_b(1), 1, "ping (neighbour resolution) before the flood");
	if (!ASSERT_EQ(vigil(fd_b, out, sizeof(out),
			     "xdp ratelimit --dev %s --proto udp --port %d --pps %d --burst %d",
			     if_b, port, pps, burst), 0, "vigil xdp ratelimit"))
		goto cleanup;
	printf("  %s", out);
	rx = udp_rx(fd_b, ip_b, port);
	tx = sock_in(fd_a, SOCK_DGRAM, 0);
	if (!ASSERT_TRUE(rx >= 0 && tx >= 0, "sockets"))
		goto cleanup;

	/* A flood of 10x the rate for 2 s: a full bucket, then pps. */
	sent = udp_send(tx, ip_b, port, (int)(seconds * flood_pps), flood_pps, &span);
	got = drain(rx, 200);
	expected = burst + pps * span;
	printf("  flood: sent %d in %.3f s at %.0f pps; received %d, expected %.0f "
	       "(burst %d + %d pps x %.3f s): %+.2f%%\n", sent, span, flood_pps, got, expected,
	       burst, pps, span, 100.0 * (got - expected) / expected);
	ASSERT_GE(got, (long long)(expected * 0.9), "received >= 90% of burst + pps x time");
	ASSERT_LE(got, (long long)(expected * 1.1), "received <= 110% of burst + pps x time");
	if (read_rule(fd_b, if_b, 1, &c)) {
		printf("  counters: packets %llu passed %llu dropped %llu\n",
		       (unsigned long long)c.packets, (unsigned long long)c.passed,
		       (unsigned long long)c.dropped);
		ASSERT_EQ(c.passed, got, "passed counter = datagrams received");
		ASSERT_EQ(c.passed + c.dropped, c.packets, "passed + dropped = packets");
		ASSERT_EQ(c.packets, sent, "every datagram sent was seen by the rule");
	}

	/* Idle 0.5 s refills the bucket, capped at burst: a back-to-back burst
	 * of 1000 passes burst (+ what trickles in while it is sent). */
	usleep(500 * 1000);
	sent = udp_send(tx, ip_b, port, 1000, 0, &span);
	got = drain(rx, 200);
	expected = burst + pps * span;
	printf("  burst: sent %d back to back in %.4f s; received %d, expected %.1f\n", sent, span,
	       got, expected);
	ASSERT_GE(got, burst, "burst passes at least --burst packets");
	ASSERT_LE(got, (long long)(expected + 2), "burst passes no more than the bucket holds");
	if (read_rule(fd_b, if_b, 1, &c2))
		ASSERT_EQ(c2.passed - c.passed, got, "burst counted");
	ASSERT_EQ(vigil(fd_b, out, sizeof(out), "xdp detach --dev %s", if_b), 0, "detach");
cleanup:
	close_fd(&rx);
	close_fd(&tx);
	teardown();
}

static void test_xdp_rules_change_without_reload(void)
{
	char out[4096], cidr[40];
	__u32 prog;

	if (!setup())
		goto cleanup;
	if (!ASSERT_EQ(vigil(fd_b, out, sizeof(out), "xdp drop --dev %s --proto udp --port 7100",
			     if_b), 0, "rule 1"))
		goto cleanup;
	prog = xdp_prog(fd_b, if_b, NULL);
	ASSERT_NEQ(prog, 0, "attached");
	ASSERT_EQ(udp_probe(7100, 10), 0, "7100 dropped by rule 1");
	ASSERT_EQ(udp_probe(7101, 10), 10, "7101 passes");

	ASSERT_EQ(vigil(fd_b, out, sizeof(out), "xdp drop --dev %s --proto udp --port 7101", if_b),
		  0, "rule 2 added at run time");
	ASSERT_TRUE(strstr(out, "rule 2 ") != NULL, "rule id 2");
	ASSERT_EQ(udp_probe(7101, 10), 0, "7101 dropped by rule 2");

	ASSERT_EQ(vigil(fd_b, out, sizeof(out), "xdp delete --dev %s 1", if_b), 0, "delete rule 1");
	ASSERT_EQ(udp_probe(7100, 10), 10, "7100 passes after rule 1 is deleted");
	ASSERT_EQ(udp_probe(7101, 10), 0, "7101 still dropped");

	/* Source CIDRs: A's /32 matches, the upper /25 of A's subnet does not. */
	snprintf(cidr, sizeof(cidr), "%s/32", ip_a);
	ASSERT_EQ(vigil(fd_b, out, sizeof(out), "xdp drop --dev %s --src %s --proto udp --port 7102",
			if_b, cidr), 0, "rule for A's /32");
	strcpy(cidr, ip_a);
	strcpy(strrchr(cidr, '.'), ".128/25");
	ASSERT_EQ(vigil(fd_b, out, sizeof(out), "xdp drop --dev %s --src %s --proto udp --port 7103",
			if_b, cidr), 0, "rule for another /25");
	ASSERT_EQ(udp_probe(7102, 10), 0, "7102 from A dropped (A's /32)");
	ASSERT_EQ(udp_probe(7103, 10), 10, "7103 from A passes (not in the /25)");
	ASSERT_EQ(vigil(fd_b, out, sizeof(out), "xdp drop --dev %s --src ::/0 --proto udp --port 7104",
			if_b), 0, "ipv6-only rule");
	ASSERT_EQ(udp_probe(7104, 10), 10, "an IPv6 rule does not match IPv4");

	ASSERT_EQ(xdp_prog(fd_b, if_b, NULL), prog, "same program throughout: no reload");
	ASSERT_EQ(vigil(fd_b, out, sizeof(out), "xdp list --dev %s", if_b), 0, "list");
	printf("%s", out);
	ASSERT_EQ(vigil(fd_b, out, sizeof(out), "xdp detach --dev %s", if_b), 0, "detach");
cleanup:
	teardown();
}

static void test_xdp_stale_pins_cleaned(void)
{
	char out[4096], dir[128] = "", cpins[128] = "";
	int fd_c = -1, map = -1;
	bool gone = false;
	struct stat st;

	if (!setup())
		goto cleanup;
	/* A filter whose interface disappears with its namespace. */
	if (!ASSERT_OK(sh("ip netns add %s && ip -n %s link add %s type veth peer name %sp && "
			  "ip -n %s link set %s up", ns_c, ns_c, if_c, if_c, ns_c, if_c), "netns c"))
		goto cleanup;
	fd_c = open_ns(ns_c);
	ASSERT_EQ(vigil(fd_c, out, sizeof(out), "xdp drop --dev %s --proto icmp", if_c), 0,
		  "attach in c");
	ASSERT_TRUE(pins_exist(fd_c, if_c), "pins for c");
	fstat(fd_c, &st);
	snprintf(cpins, sizeof(cpins), PIN_ROOT "/%s@ns%llu", if_c, (unsigned long long)st.st_ino);
	close_fd(&fd_c);	/* an open fd would keep the namespace alive */

	/* A half-made directory, as if a command died before pinning its link. */
	snprintf(dir, sizeof(dir), PIN_ROOT "/vgxfake%d@ns1", getpid());
	mkdir(dir, 0700);
	map = bpf_map_create(BPF_MAP_TYPE_ARRAY, "vgxfake", 4, 8, 1, NULL);
	strcat(dir, "/rules");
	ASSERT_OK(bpf_obj_pin(map, dir), "pin a lone map");
	*strrchr(dir, '/') = '\0';

	sh("ip netns del %s", ns_c);
	for (int i = 0; i < 50 && !gone; i++) {	/* netns teardown is asynchronous */
		vigil(fd_b, out, sizeof(out), "xdp list");
		gone = access(cpins, F_OK) != 0;
		if (!gone)
			usleep(100 * 1000);
	}
	ASSERT_TRUE(gone, "pins of a dead interface removed by the next command");
	ASSERT_NEQ(access(dir, F_OK), 0, "half-made pin directory removed");
cleanup:
	close_fd(&map);
	if (*dir && access(dir, F_OK) == 0)
		sh("rm -rf %s", dir);
	close_fd(&fd_c);
	teardown();
}

static void test_xdp_never_two_programs(void)
{
	struct bpf_insn prog[] = {
		{ .code = 0xb7, .dst_reg = 0, .imm = XDP_PASS },	/* r0 = XDP_PASS */
		{ .code = 0x95 },					/* exit */
	};
	char out[4096];
	int pfd = -1, ifindex = 0;

	if (!setup())
		goto cleanup;
	pfd = bpf_prog_load(BPF_PROG_TYPE_XDP, "vgxforeign", "GPL", prog, 2, NULL);
	if (!ASSERT_TRUE(pfd >= 0, "load a foreign xdp program"))
		goto cleanup;
	enter(fd_b);
	ifindex = if_nametoindex(if_b);
	ASSERT_OK(bpf_xdp_attach(ifindex, pfd, XDP_FLAGS_DRV_MODE, NULL), "attach it");
	enter(-1);
	ASSERT_EQ(vigil(fd_b, out, sizeof(out), "xdp drop --dev %s", if_b), 1, "vigil refuses");
	ASSERT_TRUE(strstr(out, "already has an XDP program") != NULL, "says why");
	ASSERT_FALSE(pins_exist(fd_b, if_b), "no pins left");
	enter(fd_b);
	bpf_xdp_detach(ifindex, XDP_FLAGS_DRV_MODE, NULL);
	enter(-1);
	/* And vigil twice on one interface is one program with two rules. */
	ASSERT_EQ(vigil(fd_b, out, sizeof(out), "xdp drop --dev %s --proto tcp", if_b), 0, "first");
	ASSERT_EQ(vigil(fd_b, out, sizeof(out), "xdp drop --dev %s --proto udp", if_b), 0, "second");
	ASSERT_TRUE(strstr(out, "rule 2 ") && !strstr(out, "attached"), "second reuses the first");
	ASSERT_EQ(vigil(fd_b, out, sizeof(out), "xdp drop --dev %s --proto udp", if_b), 0, "again");
	ASSERT_TRUE(strstr(out, "already present") != NULL, "identical rule not added twice");
	ASSERT_EQ(vigil(fd_b, out, sizeof(out), "xdp detach --dev %s", if_b), 0, "detach");
cleanup:
	close_fd(&pfd);
	teardown();
}

static void test_xdp_cli_errors(void)
{
	static const struct {
		const char *args, *names;
	} cases[] = {
		{ "xdp drop --proto icmp", "--dev" },
		{ "xdp drop --dev DEV --proto bogus", "--proto" },
		{ "xdp drop --dev DEV --proto 256", "--proto" },
		{ "xdp drop --dev DEV --port 0", "--port" },
		{ "xdp drop --dev DEV --port 70000", "--port" },
		{ "xdp drop --dev DEV --proto icmp --port 80", "--port" },
		{ "xdp drop --dev DEV --src 10.0.0.0/33", "--src" },
		{ "xdp drop --dev DEV --src nonsense", "--src" },
		{ "xdp ratelimit --dev DEV", "--pps" },
		{ "xdp ratelimit --dev DEV --pps 0", "--pps" },
		{ "xdp ratelimit --dev DEV --pps 10 --burst x", "--burst" },
		{ "xdp drop --dev DEV --pps 10", "--pps" },
		{ "xdp delete --dev DEV 0", "RULE_ID" },
		{ "xdp delete --dev DEV", "RULE_ID" },
		{ "xdp drop --dev vgxnosuchdev", "vgxnosuchdev" },
		{ "xdp frobnicate", "frobnicate" },
	};
	char out[8192], args[128];

	if (!setup())
		goto cleanup;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *dev = strstr(cases[i].args, "DEV");

		if (dev)
			snprintf(args, sizeof(args), "%.*s%s%s", (int)(dev - cases[i].args),
				 cases[i].args, if_b, dev + 3);
		else
			snprintf(args, sizeof(args), "%s", cases[i].args);
		ASSERT_EQ(vigil(fd_b, out, sizeof(out), "%s", args), 2, args);
		ASSERT_TRUE(strstr(out, cases[i].names) != NULL, args);
	}
	ASSERT_EQ(vigil(fd_b, out, sizeof(out), "xdp --help"), 0, "--help");
	ASSERT_EQ(vigil(fd_b, out, sizeof(out), "xdp stats --help"), 0, "stats --help");
	ASSERT_EQ(vigil(fd_b, out, sizeof(out), "xdp delete --dev %s 1", if_b), 1,
		  "delete without a filter");
	ASSERT_FALSE(pins_exist(fd_b, if_b), "no pins from failed commands");
	ASSERT_EQ(xdp_prog(fd_b, if_b, NULL), 0, "no program from failed commands");
cleanup:
	teardown();
}

static const struct vg_test tests[] = {
	VG_TEST(test_xdp_icmp_drop_tcp_pass),
	VG_TEST(test_xdp_generic_on_lo),
	VG_TEST(test_xdp_ratelimit_rate_and_burst),
	VG_TEST(test_xdp_rules_change_without_reload),
	VG_TEST(test_xdp_stale_pins_cleaned),
	VG_TEST(test_xdp_never_two_programs),
	VG_TEST(test_xdp_cli_errors),
	{},
};

static void init(void) __attribute__((constructor));
static void init(void)
{
	struct sigaction sa = { .sa_handler = on_signal };
	int id = getpid() % 100000, net = getpid() % 200 + 20;

	vigil_bin = getenv("VIGIL") ? getenv("VIGIL") : "build/vigil";
	snprintf(ns_a, sizeof(ns_a), "vgx-a-%d", getpid());
	snprintf(ns_b, sizeof(ns_b), "vgx-b-%d", getpid());
	snprintf(ns_c, sizeof(ns_c), "vgx-c-%d", getpid());
	snprintf(if_a, sizeof(if_a), "vgxa%d", id);
	snprintf(if_b, sizeof(if_b), "vgxb%d", id);
	snprintf(if_c, sizeof(if_c), "vgxc%d", id);
	snprintf(ip_a, sizeof(ip_a), "10.201.%d.1", net);
	snprintf(ip_b, sizeof(ip_b), "10.201.%d.2", net);
	fd_self = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	atexit(teardown);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

VG_TEST_MAIN(tests)
