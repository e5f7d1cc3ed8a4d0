// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * bpfstats - what the kernel's BPF run-time statistics cost: time an
 * open+close loop with the statistics off, on (a bpf_enable_stats() fd held
 * by this process) and off again, ROUNDS times.  Run it while something
 * runs a BPF program on every open (vigil run: vg_file_openat).
 *
 * usage: bpfstats FILE N ROUNDS
 * prints one line per round: round off_ns on_ns off_ns (per open+close)
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>

static double loop_ns(const char *path, long n)
{
	struct timespec a, b;

	clock_gettime(CLOCK_MONOTONIC, &a);
	for (long i = 0; i < n; i++) {
		int fd = open(path, O_RDONLY);

		if (fd >= 0)
			close(fd);
	}
	clock_gettime(CLOCK_MONOTONIC, &b);
	return ((double)(b.tv_sec - a.tv_sec) * 1e9 + (double)(b.tv_nsec - a.tv_nsec)) / (double)n;
}

int main(int argc, char **argv)
{
	long n;
	int rounds;

	if (argc != 4) {
		fprintf(stderr, "usage: bpfstats FILE N ROUNDS\n");
		return 2;
	}
	n = atol(argv[2]);
	rounds = atoi(argv[3]);
	for (int r = 1; r <= rounds; r++) {
		double off1, on, off2;
		int fd;

		off1 = loop_ns(argv[1], n);
		fd = bpf_enable_stats(BPF_STATS_RUN_TIME);
		if (fd < 0) {
			perror("bpf_enable_stats");
			return 1;
		}
		on = loop_ns(argv[1], n);
		close(fd);
		off2 = loop_ns(argv[1], n);
		printf("%d\t%.1f\t%.1f\t%.1f\n", r, off1, on, off2);
		fflush(stdout);
	}
	return 0;
}
