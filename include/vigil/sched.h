/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * vigil/sched.h - CPU, run-queue and block I/O aggregates as the kernel keeps
 * them (bpf/sched/, bpf/block/; read by src/sched_sampler.c).
 *
 * Scheduler: at sched_switch the outgoing task's time on the CPU is added
 * to its process (which notes its cgroup); at sched_wakeup/sched_wakeup_new
 * (and when a running task is preempted) the task's enqueue time is noted,
 * and when it next runs the wait goes into log2 histograms of its process
 * and the whole machine.  Cgroups are their processes summed (user space).  Block I/O: at block_io_start the request is
 * attributed to the task starting it; at block_rq_issue its queue time
 * ends; at block_rq_complete the issue-to-completion latency and the size
 * go into histograms per device and per process, and a request slower than
 * the threshold is one `block` event.  Syscall counts (only for `vigil
 * top`): at every sys_enter the process's counter is incremented.  Nothing
 * per switch, per I/O or per syscall reaches user space: it reads the maps
 * when it wants.
 */
#ifndef VIGIL_SCHED_ABI_H
#define VIGIL_SCHED_ABI_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

#define VG_HIST_SLOTS		32	/* log2 buckets: [0] < 1 unit, [k] in [2^(k-1), 2^k) units */
#define VG_SCHED_PROCS_MAX	8192	/* processes tracked (LRU) */
#define VG_SCHED_WAKE_MAX	16384	/* tasks waiting to run (LRU) */
#define VG_BLOCK_INFLIGHT_MAX	8192	/* requests in flight */
#define VG_BLOCK_DEVS_MAX	64
#define VG_BLOCK_PROCS_MAX	4096
#define VG_SYSC_PROCS_MAX	16384	/* processes whose syscalls are counted */

/* Per process (tgid), and the machine; run-queue waits in microsecond
 * buckets. */
struct vg_sched_stat {
	__u64 cpu_ns;
	__u64 runq_ns;		/* total wait */
	__u64 runq_count;
	__u64 voluntary;	/* switches out while not runnable (sleep, I/O) */
	__u64 involuntary;	/* switches out while runnable (preempted) */
	__u64 cgroup_id;	/* per process: its cgroup when last seen */
	char comm[16];
	__u64 runq_hist[VG_HIST_SLOTS];
};

/* Block I/O per device (dev_t, kernel encoding) and per process (tgid). */
struct vg_block_stat {
	__u64 count[2];		/* [0] reads, [1] writes (and others) */
	__u64 bytes[2];
	__u64 latency_ns;	/* total issue-to-completion */
	__u64 queue_ns;		/* total start-to-issue */
	__u64 cgroup_id;	/* per process: its cgroup when last seen */
	char name[32];		/* per device: the disk; per process: comm */
	__u64 latency_hist[VG_HIST_SLOTS];	/* microseconds */
	__u64 size_hist[VG_HIST_SLOTS];		/* bytes: [k] in [2^(k-1), 2^k) */
};

/* Per CPU: the task on it and since when (so a sample can add the time of
 * a task still running). */
struct vg_sched_oncpu {
	__u64 since_ns;		/* bpf_ktime_get_ns() (CLOCK_MONOTONIC) */
	__u32 tgid;		/* 0: idle */
	__u32 _pad;
};

/* A request between block_io_start and block_rq_complete. */
struct vg_block_inflight {
	__u64 start_ns;
	__u64 issue_ns;
	__u32 pid, tid;
	__u64 cgroup_id;
	char comm[16];
};

#endif /* VIGIL_SCHED_ABI_H */
