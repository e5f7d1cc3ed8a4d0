/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * vigil/gpu.h - the GPU driver sensor's aggregates as the kernel keeps them
 * (bpf/gpu/gpu.bpf.c; read by src/gpu.c; docs/gpu.md).
 *
 * A uprobe and a uretprobe on each of four CUDA driver API functions of
 * libcuda.so.1, attached by path for every process.  At entry the thread's
 * timestamp (and the arguments its return needs) go on a small per-thread,
 * per-function stack in task storage, so a nested or recursive call of the
 * same function pairs with its own return.  At return the process's entry
 * in vg_gpu_procs counts the call, its error (CUresult != 0), its latency
 * and its log2 latency slot.  cuMemAlloc_v2's return reads the device
 * pointer it wrote and records pointer -> size in vg_gpu_allocs, which
 * cuMemFree_v2 subtracts again: the bytes each process holds now.  Nothing
 * per call reaches user space.
 */
#ifndef VIGIL_GPU_ABI_H
#define VIGIL_GPU_ABI_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

#include "vigil/sched.h"	/* VG_HIST_SLOTS */

#define VG_GPU_PROCS_MAX	1024	/* processes tracked (vg_gpu_procs) */
#define VG_GPU_ALLOCS_MAX	65536	/* live allocations tracked (vg_gpu_allocs) */
#define VG_GPU_DEPTH		4	/* nested calls of one function per thread whose
					 * entry is kept; deeper ones are counted, not timed */

/* The functions, in this order everywhere (the record, the metrics). */
enum vg_gpu_fn {
	VG_GPU_LAUNCH_KERNEL = 0,	/* cuLaunchKernel */
	VG_GPU_MEM_ALLOC,		/* cuMemAlloc_v2(CUdeviceptr *dptr, size_t bytesize) */
	VG_GPU_MEM_FREE,		/* cuMemFree_v2(CUdeviceptr dptr) */
	VG_GPU_CTX_SYNC,		/* cuCtxSynchronize(void) */
	VG_GPU_FN_MAX,
};

/* What could not be accounted, per CPU in vg_gpu_drops (user space sums). */
enum vg_gpu_drop {
	VG_GPU_DROP_PROCS_FULL = 0,	/* a call not counted: vg_gpu_procs full */
	VG_GPU_DROP_INFLIGHT,		/* an entry not recorded (no task storage): call not timed */
	VG_GPU_DROP_NESTING,		/* a call nested deeper than VG_GPU_DEPTH: not timed */
	VG_GPU_DROP_ALLOCS_FULL,	/* an allocation not tracked: vg_gpu_allocs full */
	VG_GPU_DROP_DPTR_READ,		/* an allocation not tracked: *dptr unreadable at return */
	VG_GPU_DROP_UNKNOWN_FREE,	/* a successful cuMemFree_v2 of a pointer not tracked
					 * (allocated before vigil attached, or untracked) */
	VG_GPU_DROP_MAX,
};

/* One function's calls of one process. */
struct vg_gpu_fn_stat {
	__u64 calls;		/* returns seen */
	__u64 errors;		/* of which returned CUresult != 0 */
	__u64 timed;		/* of which the entry was seen too (latency known) */
	__u64 latency_ns;	/* entry to return, summed over the timed calls */
	__u64 hist[VG_HIST_SLOTS];	/* timed calls by latency: log2 microsecond slots,
					 * [0] < 1 us, [k] in [2^(k-1), 2^k) us */
};

/* Value of vg_gpu_procs, key tgid.  Writer: bpf/gpu/gpu.bpf.c (atomic adds).
 * Reader, and deleter once the process exited: src/gpu.c. */
struct vg_gpu_proc {
	struct vg_gpu_fn_stat fn[VG_GPU_FN_MAX];
	__u64 alloc_bytes;		/* bytesize of successful cuMemAlloc_v2 calls */
	__u64 alloc_failed_bytes;	/* bytesize of failed ones */
	__s64 allocated_bytes;		/* tracked allocations not freed yet */
	__s64 allocations;		/* how many */
	/* who, when the entry was made (the process's first return) */
	__u64 cgroup_id;
	__u64 start_ns;			/* the process's start (boot ns): a reused pid differs */
	__u32 ppid;			/* real parent's tgid */
	__u32 uid, gid, euid, egid;	/* real and effective, initial user namespace */
	__u32 loginuid;			/* (u32)-1: unset */
	char comm[16];			/* the process's (group leader's) comm */
};

/* Key of vg_gpu_allocs (value: the size).  Device pointers are per process. */
struct vg_gpu_alloc_key {
	__u32 tgid;
	__u32 _pad;
	__u64 dptr;
};

/* One call whose return is awaited: entry time and arguments. */
struct vg_gpu_frame {
	__u64 ts_ns;		/* bpf_ktime_get_ns() at entry */
	__u64 arg0;		/* cuMemAlloc_v2: dptr (user pointer); cuMemFree_v2: dptr */
	__u64 arg1;		/* cuMemAlloc_v2: bytesize; cuMemFree_v2: the size it freed (0: unknown) */
};

/* Task storage of a thread that called one of the functions. */
struct vg_gpu_inflight {
	__u8 depth[VG_GPU_FN_MAX];	/* calls entered and not returned, per function */
	__u32 _pad;
	struct vg_gpu_frame frame[VG_GPU_FN_MAX][VG_GPU_DEPTH];
};

_Static_assert(sizeof(struct vg_gpu_fn_stat) == (4 + VG_HIST_SLOTS) * 8, "vg_gpu_fn_stat layout");
_Static_assert(sizeof(struct vg_gpu_proc) ==
	       VG_GPU_FN_MAX * sizeof(struct vg_gpu_fn_stat) + 6 * 8 + 6 * 4 + 16, "vg_gpu_proc layout");
_Static_assert(sizeof(struct vg_gpu_alloc_key) == 16, "vg_gpu_alloc_key layout");

#endif /* VIGIL_GPU_ABI_H */
