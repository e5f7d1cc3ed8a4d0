/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * vigil/flame.h - the CPU profiler as the kernel sees it: the sample key and
 * the counters shared by bpf/flame/sample.bpf.c (writer) and src/flame.c
 * (reader).  See docs/flame.md.
 *
 * The perf_event program runs at every sample of every CPU.  It counts
 * samples per (tgid, pid, comm, user stack id, kernel stack id) in
 * vg_flame_counts; the stacks themselves are in the BPF_MAP_TYPE_STACK_TRACE
 * map vg_flame_stacks, where each distinct stack is stored once.  Nothing is
 * sent per sample: user space reads both maps once sampling has stopped.
 * The one message on the way is struct vg_flame_new, when a process (or a
 * process after an exec: a new address space) is first sampled with a user
 * stack, so that user space reads its /proc/PID/maps while it still runs
 * (again at its first sample in user mode if the first was in the kernel).
 */
#ifndef VIGIL_FLAME_H
#define VIGIL_FLAME_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

#define VG_FLAME_MAX_DEPTH	127	/* frames per stack: the default of
					 * kernel.perf_event_max_stack */
#define VG_FLAME_STACKS_MAX	16384	/* distinct stacks, user and kernel together */
#define VG_FLAME_COUNTS_MAX	40960	/* distinct (task, user stack, kernel stack) keys */
#define VG_FLAME_TASKS_MAX	8192	/* (process, address space) pairs remembered */
#define VG_FLAME_NEWS_BYTES	(64 * 1024)	/* ring buffer of struct vg_flame_new */
#define VG_FLAME_COMM_LEN	16

/*
 * A stack id that is not one: the sample has no such stack (a kernel thread
 * has no user stack; a sample taken in user mode has no kernel stack), or
 * bpf_get_stackid() failed, which is counted in vg_flame_stats.
 */
#define VG_FLAME_STACK_NONE	(-1)	/* no such stack */
#define VG_FLAME_STACK_LOST	(-2)	/* there was one; the kernel could not store it */

struct vg_flame_key {
	__u32 tgid;
	__u32 pid;			/* thread id */
	__s32 user_stack;		/* id in vg_flame_stacks, or VG_FLAME_STACK_* */
	__s32 kern_stack;
	char comm[VG_FLAME_COMM_LEN];	/* the thread's */
};

/* A process first sampled with this address space (ring buffer vg_flame_news). */
struct vg_flame_new {
	__u32 tgid;
	__u32 _pad;
};

/* Counters, index into the per-CPU array vg_flame_stats. */
enum vg_flame_stat {
	VG_FLAME_ST_SAMPLES = 0,	/* program runs */
	VG_FLAME_ST_IDLE,		/* the CPU was idle (pid 0): not recorded */
	VG_FLAME_ST_FILTERED,		/* another process or cgroup: not recorded */
	VG_FLAME_ST_RECORDED,		/* counted in vg_flame_counts */
	VG_FLAME_ST_COUNTS_FULL,	/* dropped: vg_flame_counts was full */
	VG_FLAME_ST_USTACK_COLLISION,	/* user stack lost: its stack-map bucket held another
					 * stack (-EEXIST) */
	VG_FLAME_ST_USTACK_ERROR,	/* user stack lost: any other error (-ENOMEM...) */
	VG_FLAME_ST_KSTACK_COLLISION,	/* the same for kernel stacks */
	VG_FLAME_ST_KSTACK_ERROR,
	VG_FLAME_ST_NEWS_LOST,		/* a vg_flame_new not sent: the ring buffer was full
					 * (the process's maps are read a little later) */
	VG_FLAME_ST_MAX,
};

_Static_assert(sizeof(struct vg_flame_key) == 32, "vg_flame_key layout changed");
_Static_assert(sizeof(struct vg_flame_new) == 8, "vg_flame_new layout changed");

#endif /* VIGIL_FLAME_H */
