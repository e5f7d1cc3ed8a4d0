// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * load.c - known workloads for tests/top/test_top.sh, one per mode; the
 * test copies the binary under the name it wants to see in `vigil top`'s
 * COMM column.
 *
 *   load hog                  spin: ~100 % of a CPU, no syscalls
 *   load sysc                 getppid() 2,000 times per 10 ms (<= 200 k/s), little CPU
 *   load write FILE           80 KiB per 10 ms into FILE: ~8 MiB/s through the page cache
 *   load io FILE              64 KiB O_DIRECT per 30 ms into FILE: ~2 MiB/s of block I/O
 *   load netsrv PORT          accept on 127.0.0.1:PORT, read everything
 *   load netcli PORT          connect to 127.0.0.1:PORT, send 1 MiB/s
 *
 * Each runs until killed.
 */
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static void sleep_ms(long ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

static int hog(void)
{
	volatile unsigned long x = 0;

	for (;;)
		x++;
	return 0;
}

static int sysc(void)
{
	for (;;) {
		for (int i = 0; i < 2000; i++)
			syscall(SYS_getppid);
		sleep_ms(10);
	}
	return 0;
}

/* A chunk every period_ms, cycling through the file's first MiB. */
static int writer(const char *path, int flags, size_t chunk, long period_ms)
{
	void *buf;
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | flags, 0600);

	if (fd < 0 || posix_memalign(&buf, 4096, chunk)) {
		perror(path);
		return 1;
	}
	memset(buf, 'v', chunk);
	for (size_t n = 0;; n++) {
		off_t at = (off_t)((n * chunk) % (1u << 20));

		if (pwrite(fd, buf, chunk, at) != (ssize_t)chunk) {
			perror("pwrite");
			return 1;
		}
		sleep_ms(period_ms);
	}
	return 0;
}

static struct sockaddr_in local(int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	return a;
}

static int netsrv(int port)
{
	struct sockaddr_in a = local(port);
	int one = 1, s = socket(AF_INET, SOCK_STREAM, 0), c;
	char buf[65536];

	setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (s < 0 || bind(s, (struct sockaddr *)&a, sizeof(a)) || listen(s, 4)) {
		perror("listen");
		return 1;
	}
	for (;;) {
		c = accept(s, NULL, NULL);
		if (c < 0)
			continue;
		while (read(c, buf, sizeof(buf)) > 0)
			;
		close(c);
	}
	return 0;
}

static int netcli(int port)
{
	struct sockaddr_in a = local(port);
	static char buf[10486];		/* 1 MiB/s in 10 ms slices */
	int s = -1;

	for (int i = 0; i < 100; i++) {	/* the server may not listen yet */
		s = socket(AF_INET, SOCK_STREAM, 0);
		if (s >= 0 && !connect(s, (struct sockaddr *)&a, sizeof(a)))
			break;
		if (s >= 0)
			close(s);
		s = -1;
		sleep_ms(50);
	}
	if (s < 0) {
		perror("connect");
		return 1;
	}
	for (;;) {
		if (write(s, buf, sizeof(buf)) != (ssize_t)sizeof(buf)) {
			perror("write");
			return 1;
		}
		sleep_ms(10);
	}
	return 0;
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "";

	if (!strcmp(mode, "hog"))
		return hog();
	if (!strcmp(mode, "sysc"))
		return sysc();
	if (!strcmp(mode, "write") && argc > 2)
		return writer(argv[2], 0, 81920, 10);
	if (!strcmp(mode, "io") && argc > 2)
		return writer(argv[2], O_DIRECT, 65536, 30);
	if (!strcmp(mode, "netsrv") && argc > 2)
		return netsrv(atoi(argv[2]));
	if (!strcmp(mode, "netcli") && argc > 2)
		return netcli(atoi(argv[2]));
	fprintf(stderr, "usage: load hog|sysc|write FILE|io FILE|netsrv PORT|netcli PORT\n");
	return 2;
}
