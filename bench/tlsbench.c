// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * tlsbench.c - bench/tls.sh's workloads.
 *
 *   tlsbench tls CERT KEY MIB CHUNK
 *       a TLS 1.3 connection over 127.0.0.1 between two processes: the client
 *       sends MIB MiB in SSL_write calls of CHUNK bytes, the server reads them
 *       with SSL_read into a 16 KiB buffer, then answers one byte; the time
 *       is the client's, from its first write to that answer (the handshake
 *       excluded).  Prints "bytes=B writes=W reads=R elapsed_ns=T cpu_ns=C",
 *       C: user+system CPU time of both processes, handshakes included (the
 *       probes' traps and BPF programs run in it; vigil's own work does not).
 *   tlsbench rw N
 *       N x (write 1 byte into a unix socket pair, read it from the other end):
 *       what a process that does no TLS pays per socket send/receive while the
 *       TLS preset is on (each passes the sock tracepoint programs: one hash
 *       lookup); file and pipe I/O passes nothing.  Prints "syscalls=2N
 *       elapsed_ns=T cpu_ns=C".
 *
 * Build: cc -O2 tlsbench.c -o tlsbench -lssl -lcrypto
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

static long long now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (long long)t.tv_sec * 1000000000LL + t.tv_nsec;
}

/* CPU time of this process and its waited-for children so far. */
static long long cpu_ns(void)
{
	struct rusage s, c;

	getrusage(RUSAGE_SELF, &s);
	getrusage(RUSAGE_CHILDREN, &c);
	return ((long long)s.ru_utime.tv_sec + s.ru_stime.tv_sec + c.ru_utime.tv_sec +
		c.ru_stime.tv_sec) * 1000000000LL +
	       ((long long)s.ru_utime.tv_usec + s.ru_stime.tv_usec + c.ru_utime.tv_usec +
		c.ru_stime.tv_usec) * 1000LL;
}

static int die(const char *what)
{
	fprintf(stderr, "tlsbench: %s\n", what);
	ERR_print_errors_fp(stderr);
	return 1;
}

/* The server: read total bytes, answer one; its read count through the pipe. */
static int server(int lfd, const char *cert, const char *key, long long total, int report)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
	static char buf[16384];
	long long got = 0, reads = 0;
	SSL *ssl;
	int fd, n;

	if (!ctx || SSL_CTX_use_certificate_file(ctx, cert, SSL_FILETYPE_PEM) != 1 ||
	    SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) != 1)
		return die("server: certificate");
	SSL_CTX_set_num_tickets(ctx, 0);
	fd = accept(lfd, NULL, NULL);
	ssl = fd >= 0 ? SSL_new(ctx) : NULL;
	if (!ssl || !SSL_set_fd(ssl, fd) || SSL_accept(ssl) != 1)
		return die("server: handshake");
	while (got < total) {
		n = SSL_read(ssl, buf, sizeof(buf));
		if (n <= 0)
			return die("server: SSL_read");
		got += n;
		reads++;
	}
	if (SSL_write(ssl, "k", 1) != 1)
		return die("server: SSL_write");
	if (write(report, &reads, sizeof(reads)) != sizeof(reads))
		return die("server: report");
	SSL_shutdown(ssl);
	SSL_free(ssl);
	SSL_CTX_free(ctx);
	close(fd);
	return 0;
}

static int bench_tls(const char *cert, const char *key, long long mib, int chunk)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	long long total = mib << 20, sent = 0, writes = 0, reads = 0, t0, t1, c0 = cpu_ns();
	socklen_t alen = sizeof(a);
	int lfd, fd, p[2], status;
	SSL_CTX *ctx;
	char *buf, k;
	SSL *ssl;
	pid_t s;

	lfd = socket(AF_INET, SOCK_STREAM, 0);
	if (lfd < 0 || bind(lfd, (struct sockaddr *)&a, sizeof(a)) || listen(lfd, 1) ||
	    getsockname(lfd, (struct sockaddr *)&a, &alen) || pipe(p))
		return die("listen");
	s = fork();
	if (s == 0) {
		close(p[0]);
		_exit(server(lfd, cert, key, total, p[1]));
	}
	close(p[1]);
	buf = malloc((size_t)chunk);
	ctx = SSL_CTX_new(TLS_client_method());
	fd = socket(AF_INET, SOCK_STREAM, 0);
	if (!buf || !ctx || fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof(a)))
		return die("client: connect");
	memset(buf, 'x', (size_t)chunk);
	ssl = SSL_new(ctx);
	if (!ssl || !SSL_set_fd(ssl, fd) || SSL_connect(ssl) != 1)
		return die("client: handshake");
	t0 = now_ns();
	while (sent < total) {
		int n = total - sent < chunk ? (int)(total - sent) : chunk;

		if (SSL_write(ssl, buf, n) != n)
			return die("client: SSL_write");
		sent += n;
		writes++;
	}
	if (SSL_read(ssl, &k, 1) != 1)
		return die("client: SSL_read");
	t1 = now_ns();
	if (read(p[0], &reads, sizeof(reads)) != sizeof(reads))
		return die("client: the server's count");
	waitpid(s, &status, 0);
	if (!WIFEXITED(status) || WEXITSTATUS(status))
		return die("server failed");
	printf("bytes=%lld writes=%lld reads=%lld elapsed_ns=%lld cpu_ns=%lld\n", sent, writes, reads,
	       t1 - t0, cpu_ns() - c0);
	SSL_free(ssl);
	SSL_CTX_free(ctx);
	free(buf);
	close(fd);
	return 0;
}

static int bench_rw(long n)
{
	long long t0, c0 = cpu_ns();
	char c = 0;
	int sp[2];

	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sp))
		return die("socketpair");
	t0 = now_ns();
	for (long i = 0; i < n; i++)
		if (write(sp[0], &c, 1) != 1 || read(sp[1], &c, 1) != 1)
			return die("read/write");
	printf("syscalls=%ld elapsed_ns=%lld cpu_ns=%lld\n", 2 * n, now_ns() - t0, cpu_ns() - c0);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 6 && !strcmp(argv[1], "tls"))
		return bench_tls(argv[2], argv[3], atoll(argv[4]), atoi(argv[5]));
	if (argc == 3 && !strcmp(argv[1], "rw"))
		return bench_rw(atol(argv[2]));
	fprintf(stderr, "usage: tlsbench tls CERT KEY MIB CHUNK | tlsbench rw N\n");
	return 2;
}
