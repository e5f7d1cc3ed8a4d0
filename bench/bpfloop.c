// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * bpfloop.c - bpf(2) in a loop, for the bpf sensor's cost (bench/bpfwatch.sh):
 *
 *   bpfloop update N   N x BPF_MAP_UPDATE_ELEM on a 1-entry array map: the
 *                      per-operation path the sensor filters out at entry
 *   bpfloop load N     N x BPF_PROG_LOAD of a 2-instruction socket filter
 *                      (closed again): the path it reports
 *
 * With a third argument "stats" the kernel's BPF run-time statistics are on
 * (a BPF_ENABLE_STATS fd held) during the loop, so that `bpftool prog show`
 * gives the sensor programs' run time per run.
 *
 * Raw syscalls, no libbpf.  Prints "elapsed_ns=..." for the loop alone.
 */
#define _GNU_SOURCE
#include <linux/bpf.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static long sys_bpf(int cmd, union bpf_attr *a)
{
	return syscall(__NR_bpf, cmd, a, sizeof(*a));
}

int main(int argc, char **argv)
{
	static const struct bpf_insn insns[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	long n = argc > 2 ? atol(argv[2]) : 100000;
	int load = argc > 1 && !strcmp(argv[1], "load");
	int stats = -1;
	struct timespec t0, t1;
	uint32_t key = 0;
	uint64_t val = 0;
	union bpf_attr a;
	long fd;

	memset(&a, 0, sizeof(a));
	a.map_type = BPF_MAP_TYPE_ARRAY;
	a.key_size = sizeof(key);
	a.value_size = sizeof(val);
	a.max_entries = 1;
	fd = sys_bpf(BPF_MAP_CREATE, &a);
	if (fd < 0) {
		perror("bpf(BPF_MAP_CREATE)");
		return 1;
	}
	if (argc > 3 && !strcmp(argv[3], "stats")) {
		memset(&a, 0, sizeof(a));
		a.enable_stats.type = BPF_STATS_RUN_TIME;
		stats = (int)sys_bpf(BPF_ENABLE_STATS, &a);
		if (stats < 0) {
			perror("bpf(BPF_ENABLE_STATS)");
			return 1;
		}
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (long i = 0; i < n; i++) {
		memset(&a, 0, sizeof(a));
		if (load) {
			long p;

			a.prog_type = BPF_PROG_TYPE_SOCKET_FILTER;
			a.insns = (uint64_t)(uintptr_t)insns;
			a.insn_cnt = 2;
			a.license = (uint64_t)(uintptr_t)"GPL";
			strcpy(a.prog_name, "vg_bench");
			p = sys_bpf(BPF_PROG_LOAD, &a);
			if (p < 0) {
				perror("bpf(BPF_PROG_LOAD)");
				return 1;
			}
			close((int)p);
		} else {
			val = (uint64_t)i;
			a.map_fd = (uint32_t)fd;
			a.key = (uint64_t)(uintptr_t)&key;
			a.value = (uint64_t)(uintptr_t)&val;
			if (sys_bpf(BPF_MAP_UPDATE_ELEM, &a)) {
				perror("bpf(BPF_MAP_UPDATE_ELEM)");
				return 1;
			}
		}
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (stats >= 0)
		close(stats);
	printf("elapsed_ns=%lld\n", (long long)(t1.tv_sec - t0.tv_sec) * 1000000000LL +
				     (t1.tv_nsec - t0.tv_nsec));
	return 0;
}
