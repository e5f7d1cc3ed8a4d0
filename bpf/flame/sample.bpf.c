// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * sample.bpf.c - the CPU profiler's sampler (`vigil flame`, docs/flame.md):
 * one perf_event program attached to a sampling event on every CPU (hardware
 * cycles or the software CPU clock, src/flame.c).
 *
 * At each sample it takes the interrupted task's user and kernel stacks with
 * bpf_get_stackid() and counts the sample under (tgid, pid, comm, user stack
 * id, kernel stack id) in vg_flame_counts.  Everything is aggregated here;
 * user space reads the two maps once sampling has stopped.  Samples of other
 * processes (--pid) or cgroups (--cgroup) and of idle CPUs are counted and
 * skipped; a stack that cannot be stored and a sample that cannot be counted
 * are counted per reason in vg_flame_stats (include/vigil/flame.h).  The
 * first user-space sample of a process, and again after it execs, is
 * announced on vg_flame_news so that its maps are read while it lives.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include "vigil/flame.h"

#define EFAULT	14
#define EEXIST	17

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* Filters, set before load: 0 is "any". */
const volatile __u32 vg_flame_tgid = 0;
const volatile __u64 vg_flame_cgroup_id = 0;	/* cgroup v2 id (inode number) */
const volatile __u32 vg_flame_cgroup_level = 0;	/* its depth below the root */

/* Stacks, leaf first, zero-padded.  Writer: bpf_get_stackid().  Reader:
 * src/flame.c.  The value size (VG_FLAME_MAX_DEPTH frames) is lowered by
 * src/flame.c when kernel.perf_event_max_stack is smaller. */
struct {
	__uint(type, BPF_MAP_TYPE_STACK_TRACE);
	__uint(max_entries, VG_FLAME_STACKS_MAX);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, VG_FLAME_MAX_DEPTH * sizeof(__u64));
} vg_flame_stacks SEC(".maps");

/* Samples per key.  Writer: this program.  Reader: src/flame.c.
 * Preallocated: perf_event programs may run in NMI context. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, VG_FLAME_COUNTS_MAX);
	__type(key, struct vg_flame_key);
	__type(value, __u64);
} vg_flame_counts SEC(".maps");

/* enum vg_flame_stat counters.  Writer: this program.  Reader: src/flame.c. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, VG_FLAME_ST_MAX);
	__type(key, __u32);
	__type(value, __u64);
} vg_flame_stats SEC(".maps");

/* (tgid, mm) pairs already announced, with how (enum seen_how).  Writer
 * and reader: this program. */
struct task_seen {
	__u32 tgid;
	__u32 _pad;
	__u64 mm;
};

enum seen_how {
	SEEN_IN_KERNEL = 1,	/* from a sample in the kernel: maybe in the middle of execve() */
	SEEN_IN_USER = 2,	/* from a sample in user space: the mappings are in place */
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, VG_FLAME_TASKS_MAX);
	__type(key, struct task_seen);
	__type(value, __u8);
} vg_flame_seen SEC(".maps");

/* struct vg_flame_new records.  Writer: this program.  Reader: src/flame.c. */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, VG_FLAME_NEWS_BYTES);
} vg_flame_news SEC(".maps");

static __always_inline void stat_inc(__u32 stat)
{
	__u64 *v = bpf_map_lookup_elem(&vg_flame_stats, &stat);

	if (v)
		*v += 1;
}

/*
 * -EFAULT means there was nothing to take: no user stack in a kernel
 * thread, no kernel stack when the CPU was in user mode.  Anything else
 * means a stack was lost: -EEXIST when its bucket in the stack map holds
 * another stack (BPF_F_REUSE_STACKID would overwrite a stack that counted
 * samples already refer to), -ENOMEM and the rest otherwise.
 */
static __always_inline __s32 stack_id(long id, __u32 collision, __u32 error)
{
	if (id >= 0)
		return (__s32)id;
	if (id == -EFAULT)
		return VG_FLAME_STACK_NONE;
	stat_inc(id == -EEXIST ? collision : error);
	return VG_FLAME_STACK_LOST;
}

/*
 * Announce a process the first time it is sampled with this address space
 * (mm), and once more at its first sample in user space if the first was in
 * the kernel: a sample inside execve() can come after the new address space
 * is installed and before the program is mapped into it, and the mappings
 * read then would be incomplete.
 */
static __always_inline void note_task(__u32 tgid, bool in_user)
{
	struct task_struct *t = (struct task_struct *)bpf_get_current_task();
	struct task_seen k = { .tgid = tgid, .mm = (__u64)BPF_CORE_READ(t, mm) };
	struct vg_flame_new n = { .tgid = tgid };
	__u8 how = in_user ? SEEN_IN_USER : SEEN_IN_KERNEL, *seen;

	seen = bpf_map_lookup_elem(&vg_flame_seen, &k);
	if (seen && (*seen == SEEN_IN_USER || !in_user))
		return;
	bpf_map_update_elem(&vg_flame_seen, &k, &how, BPF_ANY);
	if (bpf_ringbuf_output(&vg_flame_news, &n, sizeof(n), 0))
		stat_inc(VG_FLAME_ST_NEWS_LOST);
}

SEC("perf_event")
int vg_flame_sample(struct bpf_perf_event_data *ctx)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct vg_flame_key key = {};
	__u64 one = 1, *count;
	long err;

	stat_inc(VG_FLAME_ST_SAMPLES);
	key.tgid = id >> 32;
	key.pid = (__u32)id;
	if (key.pid == 0) {
		stat_inc(VG_FLAME_ST_IDLE);
		return 0;
	}
	if ((vg_flame_tgid && key.tgid != vg_flame_tgid) ||
	    (vg_flame_cgroup_id &&
	     bpf_get_current_ancestor_cgroup_id(vg_flame_cgroup_level) != vg_flame_cgroup_id)) {
		stat_inc(VG_FLAME_ST_FILTERED);
		return 0;
	}
	bpf_get_current_comm(key.comm, sizeof(key.comm));
	key.user_stack = stack_id(bpf_get_stackid(ctx, &vg_flame_stacks, BPF_F_USER_STACK),
				  VG_FLAME_ST_USTACK_COLLISION, VG_FLAME_ST_USTACK_ERROR);
	key.kern_stack = stack_id(bpf_get_stackid(ctx, &vg_flame_stacks, 0),
				  VG_FLAME_ST_KSTACK_COLLISION, VG_FLAME_ST_KSTACK_ERROR);
	/* no kernel stack (-EFAULT): the CPU was in user space */
	if (key.user_stack != VG_FLAME_STACK_NONE)
		note_task(key.tgid, key.kern_stack == VG_FLAME_STACK_NONE);

	count = bpf_map_lookup_elem(&vg_flame_counts, &key);
	if (count) {
		__sync_fetch_and_add(count, 1);
		stat_inc(VG_FLAME_ST_RECORDED);
		return 0;
	}
	err = bpf_map_update_elem(&vg_flame_counts, &key, &one, BPF_NOEXIST);
	if (err == -EEXIST) {
		/* another CPU created it meanwhile */
		count = bpf_map_lookup_elem(&vg_flame_counts, &key);
		if (count) {
			__sync_fetch_and_add(count, 1);
			err = 0;
		}
	}
	stat_inc(err ? VG_FLAME_ST_COUNTS_FULL : VG_FLAME_ST_RECORDED);
	return 0;
}
