// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * pingpong.c - a context-switch-heavy workload: two processes pass one byte
 * back and forth over two pipes N times (each round trip: two writes, two
 * reads, two context switches at least).  Prints "elapsed_ns=...".
 *
 * usage: pingpong N [CPU]   (CPU: pin both to it, so every pass is a switch)
 */
#define _GNU_SOURCE
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 100000;
	int a[2], b[2];
	struct timespec t0, t1;
	char c = 0;
	pid_t p;

	if (argc > 2) {
		cpu_set_t set;

		CPU_ZERO(&set);
		CPU_SET(atoi(argv[2]), &set);
		sched_setaffinity(0, sizeof(set), &set);
	}
	if (pipe(a) || pipe(b))
		return 1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	p = fork();
	if (p == 0) {
		for (long i = 0; i < n; i++)
			if (read(a[0], &c, 1) != 1 || write(b[1], &c, 1) != 1)
				_exit(1);
		_exit(0);
	}
	for (long i = 0; i < n; i++)
		if (write(a[1], &c, 1) != 1 || read(b[0], &c, 1) != 1)
			return 1;
	waitpid(p, NULL, 0);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	printf("elapsed_ns=%lld\n", (long long)(t1.tv_sec - t0.tv_sec) * 1000000000LL +
					   (t1.tv_nsec - t0.tv_nsec));
	return 0;
}
