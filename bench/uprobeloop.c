// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * uprobeloop.c - bench/uprobe.sh's workload: N calls of vg_bench_step() (or
 * with "fp", vg_bench_step_fp()) from libvgbench.so in a tight loop (a few
 * ns each unprobed), so that what a probe adds per call stands out.
 *
 * usage: uprobeloop N [fp]     prints "calls=N elapsed_ns=T cpu_ns=C"
 * (C: the process's user+system CPU time, in which the probe's traps and
 * BPF programs run; T also has the time other processes took the CPU)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

long vg_bench_step(long x);
long vg_bench_step_fp(long x);

static long long cpu_ns(const struct rusage *r)
{
	return ((long long)r->ru_utime.tv_sec + r->ru_stime.tv_sec) * 1000000000LL +
	       ((long long)r->ru_utime.tv_usec + r->ru_stime.tv_usec) * 1000LL;
}

int main(int argc, char **argv)
{
	long (*step)(long) = argc > 2 && !strcmp(argv[2], "fp") ? vg_bench_step_fp : vg_bench_step;
	struct timespec t0, t1;
	struct rusage ru0, ru1;
	unsigned long n;
	long acc = 0;

	if (argc < 2 || (n = strtoul(argv[1], NULL, 10)) == 0) {
		fprintf(stderr, "usage: uprobeloop N [fp]\n");
		return 2;
	}
	getrusage(RUSAGE_SELF, &ru0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (unsigned long i = 0; i < n; i++)
		acc = step(acc) & 0xffff;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	getrusage(RUSAGE_SELF, &ru1);
	printf("calls=%lu elapsed_ns=%lld cpu_ns=%lld acc=%ld\n", n,
	       (long long)(t1.tv_sec - t0.tv_sec) * 1000000000LL + (t1.tv_nsec - t0.tv_nsec),
	       cpu_ns(&ru1) - cpu_ns(&ru0), acc);
	return 0;
}
