// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * flame_hot.c - the workload of tests/bpf/test_flame.c: a process whose
 * hottest function is known.  Built with -O1 -fno-omit-frame-pointer (see
 * the Makefile) so that its stacks unwind through frame pointers.
 *
 *     flame_hot NAME SECONDS [user|kernel]
 *
 * sets its name (comm) to NAME, prints its pid, then for SECONDS:
 *   user:   main -> vg_test_hot_caller -> vg_test_hot_spin (about 80 % of
 *           the time) and vg_test_cold_spin (about 20 %), pure computation;
 *   kernel: main -> vg_test_read_loop -> read(2) of /dev/zero, 1 MiB at a
 *           time: the time goes to the kernel copying zeros.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

static volatile unsigned long sink;

__attribute__((noinline)) void vg_test_hot_spin(unsigned long n)
{
	unsigned long x = sink;

	for (unsigned long i = 0; i < n; i++)
		x = x * 6364136223846793005UL + 1442695040888963407UL;
	sink = x;
}

__attribute__((noinline)) void vg_test_cold_spin(unsigned long n)
{
	unsigned long x = sink;

	for (unsigned long i = 0; i < n; i++)
		x = x * 2862933555777941757UL + 3037000493UL;
	sink = x;
}

__attribute__((noinline)) void vg_test_hot_caller(void)
{
	vg_test_hot_spin(8000000);
	vg_test_cold_spin(2000000);
}

__attribute__((noinline)) void vg_test_read_loop(int fd, char *buf, size_t len)
{
	for (int i = 0; i < 16; i++)
		if (read(fd, buf, len) < 0)
			exit(3);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	const char *mode = argc > 3 ? argv[3] : "user";
	double end;
	char *buf = NULL;
	int fd = -1;

	if (argc < 3) {
		fprintf(stderr, "usage: flame_hot NAME SECONDS [user|kernel]\n");
		return 2;
	}
	prctl(PR_SET_NAME, argv[1], 0, 0, 0);
	end = now() + atof(argv[2]);
	if (!strcmp(mode, "kernel")) {
		fd = open("/dev/zero", O_RDONLY);
		buf = malloc(1 << 20);
		if (fd < 0 || !buf)
			return 1;
	}
	printf("%d\n", getpid());
	fflush(stdout);
	while (now() < end) {
		if (fd >= 0)
			vg_test_read_loop(fd, buf, 1 << 20);
		else
			vg_test_hot_caller();
	}
	return 0;
}
