// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * tls_peer - a workload for test_tls: both ends of one TLS connection over
 * IPv6 loopback, calling each OpenSSL read/write function with known data.
 *
 *   tls_peer CERT KEY
 *
 * The parent is the server (listens on [::1], an ephemeral port), a forked
 * child the client.  In order, one TLS record each:
 *
 *   client SSL_write_ex("vigil-ex-write-ping")   server SSL_read_ex   (whole record)
 *   client SSL_write("vigil-plain-write-pong")   server SSL_read      (whole record)
 *   client SSL_write(5000 bytes 'a'..'z' ...)     server SSL_read(1000), then
 *                                                 SSL_read(4000): from OpenSSL's
 *                                                 buffer, no syscall
 *   server SSL_write("k")                         client SSL_read_ex
 *
 * Prints "server=PID client=PID port=PORT" once both are done; exits 0, or
 * 1 with the reason on stderr.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#define MSG_EX "vigil-ex-write-ping"
#define MSG_PLAIN "vigil-plain-write-pong"
#define BIG 5000

static int die(const char *what)
{
	fprintf(stderr, "tls_peer: %s\n", what);
	ERR_print_errors_fp(stderr);
	return 1;
}

static void fill_big(char *b)
{
	for (int i = 0; i < BIG; i++)
		b[i] = (char)('a' + i % 26);
}

static int client(unsigned short port)
{
	struct sockaddr_in6 a = { .sin6_family = AF_INET6, .sin6_port = htons(port),
				  .sin6_addr = IN6ADDR_LOOPBACK_INIT };
	SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
	static char big[BIG];
	size_t n = 0;
	char reply[8];
	SSL *ssl;
	int fd;

	fd = socket(AF_INET6, SOCK_STREAM, 0);
	if (!ctx || fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof(a)))
		return die("client: connect");
	ssl = SSL_new(ctx);
	if (!ssl || !SSL_set_fd(ssl, fd) || SSL_connect(ssl) != 1)
		return die("client: handshake");
	fill_big(big);
	if (SSL_write_ex(ssl, MSG_EX, strlen(MSG_EX), &n) != 1 || n != strlen(MSG_EX))
		return die("client: SSL_write_ex");
	if (SSL_write(ssl, MSG_PLAIN, (int)strlen(MSG_PLAIN)) != (int)strlen(MSG_PLAIN))
		return die("client: SSL_write");
	if (SSL_write(ssl, big, BIG) != BIG)
		return die("client: SSL_write big");
	if (SSL_read_ex(ssl, reply, sizeof(reply), &n) != 1 || n != 1 || reply[0] != 'k')
		return die("client: SSL_read_ex reply");
	SSL_shutdown(ssl);
	SSL_free(ssl);
	SSL_CTX_free(ctx);
	close(fd);
	return 0;
}

/* Read exactly want bytes with one SSL_read call. */
static int read_exact(SSL *ssl, char *buf, int want)
{
	return SSL_read(ssl, buf, want) == want ? 0 : -1;
}

int main(int argc, char **argv)
{
	struct sockaddr_in6 a = { .sin6_family = AF_INET6, .sin6_addr = IN6ADDR_LOOPBACK_INIT };
	socklen_t alen = sizeof(a);
	static char buf[BIG], big[BIG];
	int lfd, fd, status = -1;
	SSL_CTX *ctx;
	size_t n = 0;
	SSL *ssl;
	pid_t c;

	if (argc != 3)
		return die("usage: tls_peer CERT KEY");
	ctx = SSL_CTX_new(TLS_server_method());
	if (!ctx || SSL_CTX_use_certificate_file(ctx, argv[1], SSL_FILETYPE_PEM) != 1 ||
	    SSL_CTX_use_PrivateKey_file(ctx, argv[2], SSL_FILETYPE_PEM) != 1)
		return die("server: certificate");
	/* no session tickets: the client reads nothing but the reply */
	SSL_CTX_set_num_tickets(ctx, 0);
	lfd = socket(AF_INET6, SOCK_STREAM, 0);
	if (lfd < 0 || bind(lfd, (struct sockaddr *)&a, sizeof(a)) || listen(lfd, 1) ||
	    getsockname(lfd, (struct sockaddr *)&a, &alen))
		return die("server: listen");
	fflush(stdout);
	c = fork();
	if (c < 0)
		return die("fork");
	if (c == 0) {
		close(lfd);
		_exit(client(ntohs(a.sin6_port)));
	}
	fd = accept(lfd, NULL, NULL);
	ssl = fd >= 0 ? SSL_new(ctx) : NULL;
	if (!ssl || !SSL_set_fd(ssl, fd) || SSL_accept(ssl) != 1)
		return die("server: handshake");
	fill_big(big);
	if (SSL_read_ex(ssl, buf, sizeof(buf), &n) != 1 || n != strlen(MSG_EX) ||
	    memcmp(buf, MSG_EX, n))
		return die("server: SSL_read_ex");
	if (read_exact(ssl, buf, (int)strlen(MSG_PLAIN)) || memcmp(buf, MSG_PLAIN, strlen(MSG_PLAIN)))
		return die("server: SSL_read");
	if (read_exact(ssl, buf, 1000) || read_exact(ssl, buf + 1000, BIG - 1000) ||
	    memcmp(buf, big, BIG))
		return die("server: SSL_read big");
	if (SSL_write(ssl, "k", 1) != 1)
		return die("server: SSL_write reply");
	waitpid(c, &status, 0);
	SSL_free(ssl);
	SSL_CTX_free(ctx);
	close(fd);
	close(lfd);
	if (!WIFEXITED(status) || WEXITSTATUS(status))
		return die("client failed");
	printf("server=%d client=%d port=%u\n", (int)getpid(), (int)c, ntohs(a.sin6_port));
	return 0;
}
