// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * gpu.bpf.c - CUDA driver API calls per process, aggregated here
 * (include/vigil/gpu.h, docs/gpu.md).
 *
 * One entry and one return program per function, attached by src/gpu.c to
 * libcuda.so.1 (or --lib) with pid -1: every process that maps the file,
 * also one that dlopen()s it later.  The function is a constant in each
 * program, so no attach cookie is needed.  Nothing per call reaches user
 * space: it reads vg_gpu_procs when it wants.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include "vigil/gpu.h"
#include "lib/hist.bpf.h"
#include "lib/task.bpf.h"

_Static_assert(VG_GPU_FNS == VG_GPU_FN_MAX, "gpu function count mismatch");
/* indexes are masked with N - 1 for the verifier */
_Static_assert((VG_GPU_FN_MAX & (VG_GPU_FN_MAX - 1)) == 0, "VG_GPU_FN_MAX: a power of two");
_Static_assert((VG_GPU_DEPTH & (VG_GPU_DEPTH - 1)) == 0, "VG_GPU_DEPTH: a power of two");

/* tgid -> the process's calls.  Writer: the return programs (created at a
 * process's first return, atomic adds after).  Reader and deleter (exited
 * processes): src/gpu.c.  A hash, not an LRU: a live process's counts are
 * never evicted (the metrics are counters); when it is full a new process's
 * calls are counted in vg_gpu_drops instead. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, VG_GPU_PROCS_MAX);
	__type(key, __u32);
	__type(value, struct vg_gpu_proc);
} vg_gpu_procs SEC(".maps");

/* (tgid, device pointer) -> bytes, for each allocation not freed yet.
 * Writer: cuMemAlloc_v2's return (insert), cuMemFree_v2's entry (delete)
 * and return (re-insert when the free failed).  Deleter of an exited
 * process's leftovers: src/gpu.c.  Bounded; overflows counted. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, VG_GPU_ALLOCS_MAX);
	__type(key, struct vg_gpu_alloc_key);
	__type(value, __u64);
} vg_gpu_allocs SEC(".maps");

/* Per thread: the calls entered and not yet returned.  Writer and reader:
 * the programs below, on that thread.  Freed with the thread, so a thread
 * that dies inside a call leaves nothing behind. */
struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct vg_gpu_inflight);
} vg_gpu_inflight SEC(".maps");

/* What could not be accounted, by enum vg_gpu_drop.  Reader: src/gpu.c. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, VG_GPU_DROP_MAX);
	__type(key, __u32);
	__type(value, __u64);
} vg_gpu_drops SEC(".maps");

/* A new process's entry (too large for the stack). */
static const struct vg_gpu_proc gpu_zero;

static __always_inline void gpu_drop(__u32 reason)
{
	__u64 *v = bpf_map_lookup_elem(&vg_gpu_drops, &reason);

	if (v)
		*v += 1;	/* per-CPU slot: no atomics needed */
}

/* The calling process's entry; created (with its comm, cgroup and start
 * time) when `create`.  NULL when absent, or when the map is full (counted). */
static __always_inline struct vg_gpu_proc *gpu_proc(__u32 tgid, bool create)
{
	struct vg_gpu_proc *p = bpf_map_lookup_elem(&vg_gpu_procs, &tgid);
	struct task_struct *t;

	if (p || !create)
		return p;
	if (bpf_map_update_elem(&vg_gpu_procs, &tgid, &gpu_zero, BPF_NOEXIST) &&
	    !bpf_map_lookup_elem(&vg_gpu_procs, &tgid)) {
		gpu_drop(VG_GPU_DROP_PROCS_FULL);
		return NULL;
	}
	p = bpf_map_lookup_elem(&vg_gpu_procs, &tgid);
	if (p) {
		const struct cred *cred;

		t = bpf_get_current_task_btf();
		cred = BPF_CORE_READ(t, real_cred);
		BPF_CORE_READ_STR_INTO(&p->comm, t, group_leader, comm);
		p->start_ns = BPF_CORE_READ(t, group_leader, start_boottime);
		p->cgroup_id = bpf_get_current_cgroup_id();
		p->ppid = BPF_CORE_READ(t, real_parent, tgid);
		p->uid = BPF_CORE_READ(cred, uid.val);
		p->gid = BPF_CORE_READ(cred, gid.val);
		p->euid = BPF_CORE_READ(cred, euid.val);
		p->egid = BPF_CORE_READ(cred, egid.val);
		p->loginuid = vg_task_loginuid(t);
	}
	return p;
}

/* Entry: push the call's timestamp and arguments on this thread's stack for fn. */
static __always_inline void gpu_push(__u32 fn, __u64 arg0, __u64 arg1)
{
	struct vg_gpu_inflight *in;
	struct vg_gpu_frame *f;
	__u32 d;

	in = bpf_task_storage_get(&vg_gpu_inflight, bpf_get_current_task_btf(), NULL,
				  BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (!in) {
		gpu_drop(VG_GPU_DROP_INFLIGHT);
		return;
	}
	d = in->depth[fn & (VG_GPU_FN_MAX - 1)];
	if (d >= 255)
		return;		/* a runaway depth: returns were lost; stop counting */
	in->depth[fn & (VG_GPU_FN_MAX - 1)] = d + 1;
	if (d >= VG_GPU_DEPTH) {
		gpu_drop(VG_GPU_DROP_NESTING);
		return;
	}
	f = &in->frame[fn & (VG_GPU_FN_MAX - 1)][d & (VG_GPU_DEPTH - 1)];
	f->arg0 = arg0;
	f->arg1 = arg1;
	f->ts_ns = bpf_ktime_get_ns();
}

/* Return: pop this call's frame into *out; false when its entry was not
 * recorded (not timed). */
static __always_inline bool gpu_pop(__u32 fn, struct vg_gpu_frame *out)
{
	struct vg_gpu_inflight *in;
	__u32 d;

	in = bpf_task_storage_get(&vg_gpu_inflight, bpf_get_current_task_btf(), NULL, 0);
	if (!in)
		return false;
	d = in->depth[fn & (VG_GPU_FN_MAX - 1)];
	if (!d)
		return false;	/* entered before the probe was attached */
	d--;
	in->depth[fn & (VG_GPU_FN_MAX - 1)] = d;
	if (d >= VG_GPU_DEPTH)
		return false;
	*out = in->frame[fn & (VG_GPU_FN_MAX - 1)][d & (VG_GPU_DEPTH - 1)];
	return out->ts_ns != 0;
}

/* Return: count the call, its error and (when timed) its latency. */
static __always_inline struct vg_gpu_proc *gpu_account(__u32 tgid, __u32 fn, int result,
						       const struct vg_gpu_frame *f)
{
	struct vg_gpu_proc *p = gpu_proc(tgid, true);
	struct vg_gpu_fn_stat *st;
	__u64 now, lat;

	if (!p)
		return NULL;
	st = &p->fn[fn & (VG_GPU_FN_MAX - 1)];
	__sync_fetch_and_add(&st->calls, 1);
	if (result)
		__sync_fetch_and_add(&st->errors, 1);
	if (f) {
		now = bpf_ktime_get_ns();
		lat = now > f->ts_ns ? now - f->ts_ns : 0;
		__sync_fetch_and_add(&st->timed, 1);
		__sync_fetch_and_add(&st->latency_ns, lat);
		__sync_fetch_and_add(&st->hist[vg_hist_slot(lat / 1000) & (VG_HIST_SLOTS - 1)], 1);
	}
	return p;
}

/* The return register as a CUresult (an int: the upper half is not ours). */
static __always_inline int gpu_result(struct pt_regs *ctx)
{
	return (int)(__u32)PT_REGS_RC(ctx);
}

static __always_inline __u32 gpu_tgid(void)
{
	return (__u32)(bpf_get_current_pid_tgid() >> 32);
}

/* Calls with nothing to do beyond counting and timing. */
static __always_inline int gpu_plain_ret(struct pt_regs *ctx, __u32 fn)
{
	struct vg_gpu_frame f = {};
	bool timed = gpu_pop(fn, &f);

	gpu_account(gpu_tgid(), fn, gpu_result(ctx), timed ? &f : NULL);
	return 0;
}

/* ---- cuLaunchKernel ---------------------------------------------------- */

SEC("uprobe")
int vg_gpu_launch_entry(struct pt_regs *ctx)
{
	gpu_push(VG_GPU_LAUNCH_KERNEL, 0, 0);
	return 0;
}

SEC("uretprobe")
int vg_gpu_launch_ret(struct pt_regs *ctx)
{
	return gpu_plain_ret(ctx, VG_GPU_LAUNCH_KERNEL);
}

/* ---- cuCtxSynchronize -------------------------------------------------- */

SEC("uprobe")
int vg_gpu_sync_entry(struct pt_regs *ctx)
{
	gpu_push(VG_GPU_CTX_SYNC, 0, 0);
	return 0;
}

SEC("uretprobe")
int vg_gpu_sync_ret(struct pt_regs *ctx)
{
	return gpu_plain_ret(ctx, VG_GPU_CTX_SYNC);
}

/* ---- cuMemAlloc_v2(CUdeviceptr *dptr, size_t bytesize) ------------------ */

SEC("uprobe")
int vg_gpu_alloc_entry(struct pt_regs *ctx)
{
	gpu_push(VG_GPU_MEM_ALLOC, PT_REGS_PARM1(ctx), PT_REGS_PARM2(ctx));
	return 0;
}

/* Record dptr -> size for a successful allocation.  The size comes from the
 * entry (bytesize), the pointer from *dptr, which the driver has written by
 * now. */
SEC("uretprobe")
int vg_gpu_alloc_ret(struct pt_regs *ctx)
{
	struct vg_gpu_alloc_key key = { .tgid = gpu_tgid() };
	int result = gpu_result(ctx);
	struct vg_gpu_frame f = {};
	struct vg_gpu_proc *p;
	__u64 *old, size;
	bool timed = gpu_pop(VG_GPU_MEM_ALLOC, &f);

	p = gpu_account(key.tgid, VG_GPU_MEM_ALLOC, result, timed ? &f : NULL);
	if (!p || !timed)
		return 0;	/* without the entry the size is unknown */
	size = f.arg1;
	if (result) {
		__sync_fetch_and_add(&p->alloc_failed_bytes, size);
		return 0;
	}
	__sync_fetch_and_add(&p->alloc_bytes, size);
	if (bpf_probe_read_user(&key.dptr, sizeof(key.dptr), (const void *)f.arg0) || !key.dptr) {
		gpu_drop(VG_GPU_DROP_DPTR_READ);
		return 0;
	}
	old = bpf_map_lookup_elem(&vg_gpu_allocs, &key);
	if (old) {
		/* the pointer's earlier allocation was freed without a free we saw */
		__sync_fetch_and_add(&p->allocated_bytes, size - *old);
		*old = size;
		return 0;
	}
	if (bpf_map_update_elem(&vg_gpu_allocs, &key, &size, BPF_NOEXIST)) {
		gpu_drop(VG_GPU_DROP_ALLOCS_FULL);
		return 0;
	}
	__sync_fetch_and_add(&p->allocated_bytes, size);
	__sync_fetch_and_add(&p->allocations, 1);
	return 0;
}

/* ---- cuMemFree_v2(CUdeviceptr dptr) ------------------------------------ */

/* The allocation is forgotten here, before the driver can hand the same
 * address to another thread's cuMemAlloc_v2 (at the return it could already
 * belong to the new allocation); a failed free puts it back. */
SEC("uprobe")
int vg_gpu_free_entry(struct pt_regs *ctx)
{
	struct vg_gpu_alloc_key key = { .tgid = gpu_tgid(), .dptr = PT_REGS_PARM1(ctx) };
	struct vg_gpu_proc *p;
	__u64 *sz, size = 0;

	if (key.dptr) {
		sz = bpf_map_lookup_elem(&vg_gpu_allocs, &key);
		if (sz) {
			size = *sz;
			if (!bpf_map_delete_elem(&vg_gpu_allocs, &key)) {
				p = gpu_proc(key.tgid, false);
				if (p) {
					__sync_fetch_and_add(&p->allocated_bytes, -(__s64)size);
					__sync_fetch_and_add(&p->allocations, -1);
				}
			} else {
				size = 0;	/* another thread freed it meanwhile */
			}
		}
	}
	gpu_push(VG_GPU_MEM_FREE, key.dptr, size);
	return 0;
}

SEC("uretprobe")
int vg_gpu_free_ret(struct pt_regs *ctx)
{
	struct vg_gpu_alloc_key key = { .tgid = gpu_tgid() };
	int result = gpu_result(ctx);
	struct vg_gpu_frame f = {};
	struct vg_gpu_proc *p;
	bool timed = gpu_pop(VG_GPU_MEM_FREE, &f);

	p = gpu_account(key.tgid, VG_GPU_MEM_FREE, result, timed ? &f : NULL);
	if (!p || !timed || !f.arg0)
		return 0;
	if (!result) {
		if (!f.arg1)
			gpu_drop(VG_GPU_DROP_UNKNOWN_FREE);
		return 0;
	}
	if (!f.arg1)
		return 0;
	/* the free failed: the memory is still allocated */
	key.dptr = f.arg0;
	if (bpf_map_update_elem(&vg_gpu_allocs, &key, &f.arg1, BPF_NOEXIST))
		return 0;
	__sync_fetch_and_add(&p->allocated_bytes, f.arg1);
	__sync_fetch_and_add(&p->allocations, 1);
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
