// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * test_tls - the TLS preset against the real kernel and the system's
 * OpenSSL (bpf/tls/tls.bpf.c, src/preset.c).
 *
 * Workloads: `openssl s_server` and `openssl s_client` on a loopback port
 * the test picks (they use SSL_read/SSL_write), with a self-signed
 * certificate the test makes; and build/tests/bpf/progs/tls_peer, both ends
 * of one IPv6 connection calling SSL_write_ex/SSL_read_ex, SSL_write/SSL_read
 * and a read served from OpenSSL's buffer.  Every probe is on the default
 * libssl, found by vg_presets_tls() itself.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "harness.h"
#include "collect.h"
#include "preset.h"
#include "sensor.h"
#include "vigil.skel.h"

static struct {
	char peer[4096];
	char dir[64];
	char cert[128], key[128];
} fx;

static void fixture_release(void)
{
	DIR *d = opendir(fx.dir);
	struct dirent *e;

	if (!d)
		return;
	while ((e = readdir(d)))
		if (e->d_name[0] != '.')
			unlinkat(dirfd(d), e->d_name, 0);
	closedir(d);
	rmdir(fx.dir);
}

/* build/tests/bpf/test_tls -> build/tests/bpf/progs/tls_peer; a temp dir
 * with a self-signed certificate (cert.pem, key.pem). */
static bool fixture(void)
{
	char self[4096], cmd[1024];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	char *slash;

	if (!ASSERT_GE(n, 1, "readlink /proc/self/exe"))
		return false;
	self[n] = '\0';
	slash = strrchr(self, '/');
	snprintf(fx.peer, sizeof(fx.peer), "%.*s/progs/tls_peer", (int)(slash - self), self);
	if (!ASSERT_EQ(access(fx.peer, X_OK), 0, "tls_peer is built (make integration)"))
		return false;
	snprintf(fx.dir, sizeof(fx.dir), "/tmp/vg-tls-XXXXXX");
	if (!ASSERT_OK_PTR(mkdtemp(fx.dir), "mkdtemp"))
		return false;
	snprintf(fx.cert, sizeof(fx.cert), "%s/cert.pem", fx.dir);
	snprintf(fx.key, sizeof(fx.key), "%s/key.pem", fx.dir);
	snprintf(cmd, sizeof(cmd), "openssl req -x509 -newkey rsa:2048 -nodes -subj /CN=test "
		 "-days 1 -keyout %s -out %s >/dev/null 2>&1", fx.key, fx.cert);
	if (!ASSERT_EQ(system(cmd), 0, "openssl req makes a self-signed certificate")) {
		fixture_release();
		return false;
	}
	return true;
}

/* The agent with the process and TLS sensors, max_bytes captured per call,
 * and the TLS programs on the default libssl. */
static bool start_opts(struct collector *c, struct vg_presets *p, uint32_t max_bytes,
		       bool syscalls)
{
	struct vg_sensor_opts so = { .sensors = VG_SENSOR_PROCESS | VG_SENSOR_TLS,
				     .tls_max_bytes = max_bytes, .tls_syscalls = syscalls };
	struct vg_preset_sensor ps;

	vg_presets_init(p);
	if (!ASSERT_OK(collector_start_sensor(c, &so), "agent start"))
		return false;
	vg_sensor_presets(&c->agent.sensor, &ps);
	if (!ASSERT_OK(vg_presets_tls(p, &ps, NULL, 0), "attach to the default libssl")) {
		collector_stop(c);
		return false;
	}
	return true;
}

static bool start(struct collector *c, struct vg_presets *p, uint32_t max_bytes)
{
	return start_opts(c, p, max_bytes, false);
}

/* Which programs find the sockets: the sock tracepoints, or the syscalls. */
static bool sock_programs_loaded(struct collector *c, bool want_sock_tp)
{
	struct vigil_bpf *skel = c->agent.sensor.skel;

	return bpf_program__autoload(skel->progs.vg_tls_sock_send) == want_sock_tp &&
	       bpf_program__autoload(skel->progs.vg_tls_sys_read) == !want_sock_tp;
}

static void stop(struct collector *c, struct vg_presets *p)
{
	vg_presets_release(p);
	collector_stop(c);
}

static const struct vg_tls *tls_of(const struct got_event *g)
{
	return g->rec;
}

struct tls_want {
	uint32_t pid;
	uint8_t func;
	uint32_t len;		/* 0: any */
	const char *prefix;	/* the plaintext starts with it; NULL: any */
	int nth;		/* the nth match (0: first) */
};

static struct got_event *tls_match(struct collector *c, const void *arg)
{
	const struct tls_want *w = arg;
	int seen = 0;

	for (size_t i = 0; i < c->n; i++) {
		const struct got_event *g = &c->ev[i];
		const struct vg_tls *t = g->rec;

		if (g->hdr->type != VG_EV_TLS || g->hdr->task.pid != w->pid || t->func != w->func)
			continue;
		if (w->len && t->len != w->len)
			continue;
		if (w->prefix && (t->data_len < strlen(w->prefix) ||
				  memcmp(t->data, w->prefix, strlen(w->prefix))))
			continue;
		if (seen++ == w->nth)
			return &c->ev[i];
	}
	return NULL;
}

static struct got_event *wait_tls(struct collector *c, const struct tls_want *w)
{
	return collector_poll_until(c, tls_match, w, 5000);
}

/* argv[1] of the event's process ("s_client"), from its NUL-separated args */
static const char *arg1(const struct got_event *g)
{
	size_t n = g->args ? strnlen(g->args, g->args_len) : 0;

	return g->args && n + 1 < g->args_len ? g->args + n + 1 : "";
}

static void check_ipv4_loopback(const struct vg_tls *t, const char *who)
{
	char what[64];
	uint32_t lo = htonl(INADDR_LOOPBACK);

	snprintf(what, sizeof(what), "%s: family", who);
	ASSERT_EQ(t->family, AF_INET, what);
	snprintf(what, sizeof(what), "%s: saddr 127.0.0.1", who);
	ASSERT_TRUE(!memcmp(t->saddr, &lo, 4), what);
	snprintf(what, sizeof(what), "%s: daddr 127.0.0.1", who);
	ASSERT_TRUE(!memcmp(t->daddr, &lo, 4), what);
	snprintf(what, sizeof(what), "%s: fd", who);
	ASSERT_GE(t->fd, 3, what);
}

/* A free TCP port on 127.0.0.1 (bound, read, released). */
static unsigned short free_port(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	unsigned short port = 0;

	if (fd >= 0 && !bind(fd, (struct sockaddr *)&a, sizeof(a)) &&
	    !getsockname(fd, (struct sockaddr *)&a, &len))
		port = ntohs(a.sin_port);
	if (fd >= 0)
		close(fd);
	return port;
}

/* Is something listening on 127.0.0.1:port?  (/proc/net/tcp: state 0A) */
static bool listening(unsigned short port)
{
	char line[512], want[32];
	FILE *f = fopen("/proc/net/tcp", "r");
	bool found = false;

	snprintf(want, sizeof(want), "0100007F:%04X 00000000:0000 0A", port);
	while (f && !found && fgets(line, sizeof(line), f))
		found = strstr(line, want) != NULL;
	if (f)
		fclose(f);
	return found;
}

/* Start `openssl ARGS...` with stdin from a pipe (*in: its write end, kept
 * open so that an s_server or s_client does not see end of input) and
 * stdout/stderr to /dev/null.  Returns the pid, or -1. */
static pid_t spawn_openssl(int *in, char *const argv[])
{
	int p[2];
	pid_t pid;

	if (pipe2(p, O_CLOEXEC))
		return -1;
	pid = fork();
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);

		dup2(p[0], 0);
		dup2(null, 1);
		dup2(null, 2);
		execvp("openssl", argv);
		_exit(127);
	}
	close(p[0]);
	if (pid < 0) {
		close(p[1]);
		return -1;
	}
	*in = p[1];
	return pid;
}

static void reap(pid_t pid, int in)
{
	if (pid > 0) {
		kill(pid, SIGTERM);
		waitpid(pid, NULL, 0);
	}
	if (in >= 0)
		close(in);
}

/*
 * openssl s_client writes a known line to openssl s_server: the client's
 * SSL_write and the server's SSL_read each report it, with their pids,
 * comms and the two ends of the one loopback connection.
 */
static void test_tls_openssl_s_client_to_s_server(void)
{
	char accept_s[32], connect_s[32], msg[64];
	pid_t srv = -1, cli = -1;
	int srv_in = -1, cli_in = -1;
	struct got_event *w, *r;
	const struct vg_tls *tw, *tr;
	struct vg_presets p;
	struct collector c;
	unsigned short port;

	if (!fixture())
		return;
	if (!start(&c, &p, 0)) {
		fixture_release();
		return;
	}
	port = free_port();
	if (!ASSERT_NEQ(port, 0, "a free port"))
		goto cleanup;
	snprintf(accept_s, sizeof(accept_s), "127.0.0.1:%u", port);
	snprintf(connect_s, sizeof(connect_s), "127.0.0.1:%u", port);
	snprintf(msg, sizeof(msg), "vigil-tls-s_client-%d\n", (int)getpid());
	{
		char *const sargv[] = { "openssl", "s_server", "-accept", accept_s, "-cert", fx.cert,
					"-key", fx.key, "-quiet", NULL };

		srv = spawn_openssl(&srv_in, sargv);
	}
	if (!ASSERT_GE(srv, 1, "start s_server"))
		goto cleanup;
	for (int i = 0; i < 100 && !listening(port); i++)
		usleep(50 * 1000);
	if (!ASSERT_TRUE(listening(port), "s_server listens"))
		goto cleanup;
	{
		char *const cargv[] = { "openssl", "s_client", "-connect", connect_s, "-quiet", NULL };

		cli = spawn_openssl(&cli_in, cargv);
	}
	if (!ASSERT_GE(cli, 1, "start s_client"))
		goto cleanup;
	/* s_client sends what it reads from stdin once the handshake is done */
	if (!ASSERT_EQ(write(cli_in, msg, strlen(msg)), (ssize_t)strlen(msg), "write to s_client"))
		goto cleanup;

	w = wait_tls(&c, &(struct tls_want){ .pid = (uint32_t)cli, .func = VG_TLS_FN_WRITE,
					     .prefix = msg });
	if (!ASSERT_OK_PTR(w, "s_client's SSL_write event"))
		goto cleanup;
	r = wait_tls(&c, &(struct tls_want){ .pid = (uint32_t)srv, .func = VG_TLS_FN_READ,
					     .prefix = msg });
	if (!ASSERT_OK_PTR(r, "s_server's SSL_read event"))
		goto cleanup;
	tw = tls_of(w);
	tr = tls_of(r);
	/* the client's write */
	ASSERT_EQ(w->hdr->size, VG_TLS_FIXED_SIZE + strlen(msg), "write: record size");
	ASSERT_EQ(w->hdr->task.pid, cli, "write: pid");
	ASSERT_EQ(w->hdr->task.ppid, getpid(), "write: ppid");
	ASSERT_STREQ(w->hdr->task.comm, "openssl", "write: comm");
	ASSERT_STREQ(arg1(w), "s_client", "write: argv[1]");
	ASSERT_EQ(tw->op, VG_TLS_WRITE, "write: op");
	ASSERT_EQ(tw->ret, (int)strlen(msg), "write: SSL_write's return value");
	ASSERT_EQ(tw->len, strlen(msg), "write: len");
	ASSERT_EQ(tw->data_len, strlen(msg), "write: all captured");
	ASSERT_EQ(tw->flags, 0, "write: not truncated, socket seen in the call");
	ASSERT_NEQ(tw->ssl, 0, "write: SSL *");
	check_ipv4_loopback(tw, "write");
	ASSERT_EQ(tw->dport, port, "write: dport is the server's port");
	ASSERT_NEQ(tw->sport, port, "write: sport is the client's own");
	/* the server's read of the same bytes */
	ASSERT_EQ(r->hdr->task.pid, srv, "read: pid");
	ASSERT_STREQ(r->hdr->task.comm, "openssl", "read: comm");
	ASSERT_STREQ(arg1(r), "s_server", "read: argv[1]");
	ASSERT_EQ(tr->op, VG_TLS_READ, "read: op");
	ASSERT_EQ(tr->len, strlen(msg), "read: len");
	ASSERT_EQ(tr->data_len, strlen(msg), "read: all captured");
	ASSERT_TRUE(!memcmp(tr->data, msg, strlen(msg)), "read: the plaintext");
	ASSERT_EQ(tr->flags & VG_TLS_TRUNCATED, 0, "read: not truncated");
	check_ipv4_loopback(tr, "read");
	ASSERT_EQ(tr->sport, port, "read: sport is the server's port");
	ASSERT_EQ(tr->dport, tw->sport, "read: dport is the client's port");
cleanup:
	reap(cli, cli_in);
	reap(srv, srv_in);
	stop(&c, &p);
	fixture_release();
}

/* Run tls_peer; its pids and port from its output line.  0 or -1. */
static int run_peer(pid_t *server, pid_t *client, unsigned *port)
{
	char cmd[4608], line[256] = "";
	int s = 0, cl = 0, rc;
	FILE *f;

	snprintf(cmd, sizeof(cmd), "%s %s %s", fx.peer, fx.cert, fx.key);
	f = popen(cmd, "r");
	if (!f)
		return -1;
	if (!fgets(line, sizeof(line), f))
		line[0] = '\0';
	rc = pclose(f);
	if (rc != 0 || sscanf(line, "server=%d client=%d port=%u", &s, &cl, port) != 3)
		return -1;
	*server = s;
	*client = cl;
	return 0;
}

static void check_ipv6_loopback(const struct vg_tls *t, const char *who)
{
	char what[64];

	snprintf(what, sizeof(what), "%s: family", who);
	ASSERT_EQ(t->family, AF_INET6, what);
	snprintf(what, sizeof(what), "%s: saddr ::1", who);
	ASSERT_TRUE(!memcmp(t->saddr, &in6addr_loopback, 16), what);
	snprintf(what, sizeof(what), "%s: daddr ::1", who);
	ASSERT_TRUE(!memcmp(t->daddr, &in6addr_loopback, 16), what);
}

/*
 * Every function: SSL_write_ex/SSL_read_ex (the length through the last
 * argument), SSL_write/SSL_read, a 5000-byte write captured to --max-bytes
 * 64 and flagged truncated, and a read served from OpenSSL's buffer (no
 * syscall in the call) that still names its socket.
 */
static void check_every_function(bool syscalls)
{
	char big[64];
	struct got_event *g;
	const struct vg_tls *t, *first;
	struct vg_presets p;
	struct collector c;
	pid_t srv = 0, cli = 0;
	unsigned port = 0;
	int server_fd;

	for (int i = 0; i < 64; i++)
		big[i] = (char)('a' + i % 26);
	if (!fixture())
		return;
	if (!start_opts(&c, &p, 64, syscalls)) {
		fixture_release();
		return;
	}
	ASSERT_TRUE(sock_programs_loaded(&c, !syscalls),
		    syscalls ? "sockets from the syscalls" : "sockets from the sock tracepoints");
	if (!ASSERT_OK(run_peer(&srv, &cli, &port), "tls_peer runs and exits 0"))
		goto cleanup;

	/* client: SSL_write_ex */
	g = wait_tls(&c, &(struct tls_want){ .pid = (uint32_t)cli, .func = VG_TLS_FN_WRITE_EX });
	if (ASSERT_OK_PTR(g, "client SSL_write_ex")) {
		t = tls_of(g);
		ASSERT_EQ(t->op, VG_TLS_WRITE, "write_ex: op");
		ASSERT_EQ(t->ret, 1, "write_ex: returns 1");
		ASSERT_EQ(t->len, 19, "write_ex: len from *written");
		ASSERT_EQ(t->data_len, 19, "write_ex: captured");
		ASSERT_TRUE(!memcmp(t->data, "vigil-ex-write-ping", 19), "write_ex: plaintext");
		ASSERT_EQ(t->flags, 0, "write_ex: flags");
		ASSERT_STREQ(g->hdr->task.comm, "tls_peer", "write_ex: comm");
		ASSERT_STREQ(g->exe, fx.peer, "write_ex: exe");
		check_ipv6_loopback(t, "write_ex");
		ASSERT_EQ(t->dport, port, "write_ex: dport");
	}
	/* client: SSL_write, then the 5000 bytes */
	g = wait_tls(&c, &(struct tls_want){ .pid = (uint32_t)cli, .func = VG_TLS_FN_WRITE,
					     .prefix = "vigil-plain-write-pong" });
	if (ASSERT_OK_PTR(g, "client SSL_write")) {
		t = tls_of(g);
		ASSERT_EQ(t->ret, 22, "write: returns the bytes written");
		ASSERT_EQ(t->len, 22, "write: len");
		ASSERT_EQ(t->data_len, 22, "write: captured");
	}
	g = wait_tls(&c, &(struct tls_want){ .pid = (uint32_t)cli, .func = VG_TLS_FN_WRITE,
					     .len = 5000 });
	if (ASSERT_OK_PTR(g, "client SSL_write of 5000 bytes")) {
		t = tls_of(g);
		ASSERT_EQ(g->hdr->size, VG_TLS_FIXED_SIZE + 64, "big write: record size");
		ASSERT_EQ(t->ret, 5000, "big write: ret");
		ASSERT_EQ(t->data_len, 64, "big write: 64 bytes captured (max_bytes)");
		ASSERT_TRUE(!memcmp(t->data, big, 64), "big write: the first 64 bytes");
		ASSERT_EQ(t->flags, VG_TLS_TRUNCATED, "big write: truncated");
	}
	/* server: SSL_read_ex, SSL_read, then 1000 + 4000 */
	g = wait_tls(&c, &(struct tls_want){ .pid = (uint32_t)srv, .func = VG_TLS_FN_READ_EX });
	if (ASSERT_OK_PTR(g, "server SSL_read_ex")) {
		t = tls_of(g);
		ASSERT_EQ(t->op, VG_TLS_READ, "read_ex: op");
		ASSERT_EQ(t->ret, 1, "read_ex: returns 1");
		ASSERT_EQ(t->len, 19, "read_ex: len from *readbytes");
		ASSERT_TRUE(!memcmp(t->data, "vigil-ex-write-ping", 19), "read_ex: plaintext");
		ASSERT_EQ(t->flags, 0, "read_ex: socket seen in the call");
		check_ipv6_loopback(t, "read_ex");
		ASSERT_EQ(t->sport, port, "read_ex: sport is the listening port");
		ASSERT_NEQ(t->dport, port, "read_ex: dport is the client's");
	}
	g = wait_tls(&c, &(struct tls_want){ .pid = (uint32_t)srv, .func = VG_TLS_FN_READ,
					     .len = 22 });
	if (ASSERT_OK_PTR(g, "server SSL_read"))
		ASSERT_TRUE(!memcmp(tls_of(g)->data, "vigil-plain-write-pong", 22), "read: plaintext");
	g = wait_tls(&c, &(struct tls_want){ .pid = (uint32_t)srv, .func = VG_TLS_FN_READ,
					     .len = 1000 });
	if (!ASSERT_OK_PTR(g, "server SSL_read(1000)"))
		goto cleanup;
	first = tls_of(g);
	server_fd = first->fd;
	ASSERT_GE(server_fd, 3, "read 1000: fd");
	ASSERT_EQ(first->data_len, 64, "read 1000: 64 captured");
	ASSERT_EQ(first->flags, VG_TLS_TRUNCATED, "read 1000: truncated, socket seen in the call");
	ASSERT_TRUE(!memcmp(first->data, big, 64), "read 1000: plaintext");
	g = wait_tls(&c, &(struct tls_want){ .pid = (uint32_t)srv, .func = VG_TLS_FN_READ,
					     .len = 4000 });
	if (ASSERT_OK_PTR(g, "server SSL_read(4000)")) {
		t = tls_of(g);
		ASSERT_EQ(t->flags, VG_TLS_TRUNCATED | VG_TLS_SOCK_CACHED,
			  "read 4000: from the buffer: the socket last seen for this SSL *");
		ASSERT_EQ(t->fd, server_fd, "read 4000: same fd");
		ASSERT_EQ(t->ssl, first->ssl, "read 4000: same SSL *");
		ASSERT_EQ(t->sport, port, "read 4000: sport");
		ASSERT_EQ(t->data[0], big[1000 % 26], "read 4000: plaintext from offset 1000");
	}
	/* client: SSL_read_ex of the server's reply */
	g = wait_tls(&c, &(struct tls_want){ .pid = (uint32_t)cli, .func = VG_TLS_FN_READ_EX });
	if (ASSERT_OK_PTR(g, "client SSL_read_ex")) {
		t = tls_of(g);
		ASSERT_EQ(t->len, 1, "reply: len");
		ASSERT_EQ(t->data[0], 'k', "reply: plaintext");
	}
	g = wait_tls(&c, &(struct tls_want){ .pid = (uint32_t)srv, .func = VG_TLS_FN_WRITE });
	if (ASSERT_OK_PTR(g, "server SSL_write"))
		ASSERT_EQ(tls_of(g)->data[0], 'k', "server write: plaintext");
	ASSERT_EQ(collector_count(&c, VG_EV_TLS, (uint32_t)cli), 4, "client: 4 events");
	ASSERT_EQ(collector_count(&c, VG_EV_TLS, (uint32_t)srv), 5, "server: 5 events");
cleanup:
	stop(&c, &p);
	fixture_release();
}

static void test_tls_every_function_truncation_and_buffered_read(void)
{
	check_every_function(false);
}

/* The same through the fallback for kernels without the sock tracepoints
 * (sys_enter of read, write, send*, recv*). */
static void test_tls_every_function_syscall_fallback(void)
{
	check_every_function(true);
}

/* A file that is not libssl, or no file: an error, and nothing attached. */
static void test_tls_refuses_other_files(void)
{
	static const char *const not_ssl[] = { "/bin/true" };
	static const char *const missing[] = { "/nonexistent/libssl.so.3" };
	struct vg_presets p;
	struct collector c;
	struct vg_preset_sensor ps;

	if (!start(&c, &p, 0))
		return;
	vg_sensor_presets(&c.agent.sensor, &ps);
	ASSERT_EQ(p.n, 8, "default libssl: 4 functions, entry and return");
	ASSERT_EQ(vg_presets_tls(&p, &ps, NULL, 0), 0, "the default again: already probed");
	ASSERT_EQ(p.n, 8, "... not probed twice");
	ASSERT_EQ(vg_presets_tls(&p, &ps, not_ssl, 1), -ENOENT, "/bin/true: no SSL_read");
	ASSERT_EQ(vg_presets_tls(&p, &ps, missing, 1), -ENOENT, "missing file");
	ASSERT_EQ(p.n, 8, "nothing more attached");
	ASSERT_EQ(p.n_files, 1, "one file probed");
	stop(&c, &p);
}

static const struct vg_test tests[] = {
	VG_TEST(test_tls_openssl_s_client_to_s_server),
	VG_TEST(test_tls_every_function_truncation_and_buffered_read),
	VG_TEST(test_tls_every_function_syscall_fallback),
	VG_TEST(test_tls_refuses_other_files),
	{},
};

VG_TEST_MAIN(tests)
