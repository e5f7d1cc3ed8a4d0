// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * sched.bpf.c - CPU time, context switches and run-queue waits per process
 * and for the machine, aggregated here (include/vigil/sched.h); user space
 * sums processes into their cgroups.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "lib/emit.bpf.h"
#include "lib/hist.bpf.h"

#define TASK_RUNNING 0

/* A new entry's value (too large for the stack). */
static const struct vg_sched_stat sched_zero;

/* The stat of key in map, created (with the process's comm) if new. */
static __always_inline struct vg_sched_stat *stat_of(void *map, const void *key,
						     struct task_struct *t)
{
	struct vg_sched_stat *st = bpf_map_lookup_elem(map, key);

	if (st)
		return st;
	bpf_map_update_elem(map, key, &sched_zero, BPF_NOEXIST);
	st = bpf_map_lookup_elem(map, key);
	if (st)
		BPF_CORE_READ_STR_INTO(&st->comm, t, group_leader, comm);
	return st;
}

/* Fields of a task: direct loads where the pointer is trusted (tp_btf),
 * probe reads otherwise (raw_tp); `btf` is a constant at each call. */
static __always_inline __u64 task_cgroup(struct task_struct *t, bool btf)
{
	if (btf)
		return t->cgroups->dfl_cgrp->kn->id;
	return BPF_CORE_READ(t, cgroups, dfl_cgrp, kn, id);
}

static __always_inline __u32 task_tgid(struct task_struct *t, bool btf)
{
	return btf ? t->tgid : BPF_CORE_READ(t, tgid);
}

static __always_inline __u32 task_tid(struct task_struct *t, bool btf)
{
	return btf ? t->pid : BPF_CORE_READ(t, pid);
}

/* Note when p became runnable: in its task storage (btf: a trusted task
 * pointer; ~4x cheaper than a hash update and delete), else by tid. */
static __always_inline void note_runnable(struct task_struct *p, bool btf)
{
	__u32 tid = task_tid(p, btf);
	__u64 now, *ts;

	if (!tid)
		return;		/* the idle task */
	now = bpf_ktime_get_ns();
	if (btf) {
		ts = bpf_task_storage_get(&vg_sched_wake_ts, p, NULL,
					  BPF_LOCAL_STORAGE_GET_F_CREATE);
		if (ts)
			*ts = now;
		return;
	}
	bpf_map_update_elem(&vg_sched_wake, &tid, &now, BPF_ANY);
}

/* When next became runnable (and forget it); 0: unknown. */
static __always_inline __u64 take_runnable(struct task_struct *next, __u32 tid, bool btf)
{
	__u64 *ts, v = 0;

	if (btf) {
		ts = bpf_task_storage_get(&vg_sched_wake_ts, next, NULL, 0);
		if (ts) {
			v = *ts;
			*ts = 0;
		}
		return v;
	}
	ts = bpf_map_lookup_elem(&vg_sched_wake, &tid);
	if (ts) {
		v = *ts;
		bpf_map_delete_elem(&vg_sched_wake, &tid);
	}
	return v;
}

static __always_inline void account_wait(struct vg_sched_stat *st, __u64 wait, __u32 slot)
{
	if (!st)
		return;
	__sync_fetch_and_add(&st->runq_ns, wait);
	__sync_fetch_and_add(&st->runq_count, 1);
	__sync_fetch_and_add(&st->runq_hist[slot & (VG_HIST_SLOTS - 1)], 1);
}

static __always_inline int on_switch(bool preempt, struct task_struct *prev,
				     struct task_struct *next, unsigned int prev_state, bool btf)
{
	__u32 zero = 0, ptgid = task_tgid(prev, btf), ntid = task_tid(next, btf);
	__u32 ntgid = task_tgid(next, btf);
	__u64 now = bpf_ktime_get_ns(), woke;
	struct vg_sched_oncpu *on;
	struct vg_sched_stat *st;

	/* the outgoing task: its time on this CPU, and why it left */
	on = bpf_map_lookup_elem(&vg_sched_oncpu, &zero);
	if (on && ptgid) {
		__u64 ran = on->since_ns && now > on->since_ns ? now - on->since_ns : 0;
		bool runnable = (prev_state & 0xff) == TASK_RUNNING;

		st = stat_of(&vg_sched_procs, &ptgid, prev);
		if (st) {
			__sync_fetch_and_add(&st->cpu_ns, ran);
			__sync_fetch_and_add(runnable ? &st->involuntary : &st->voluntary, 1);
			/* cgroups are summed from their processes in user space: a
			 * second map here cost 300 ns per switch */
			st->cgroup_id = task_cgroup(prev, btf);
		}
		st = bpf_map_lookup_elem(&vg_sched_total, &zero);
		if (st)
			st->cpu_ns += ran;
		if (runnable)
			note_runnable(prev, btf);	/* preempted: back in the queue */
	}
	if (on) {
		on->since_ns = now;
		on->tgid = ntgid;
	}
	/* the incoming task: how long it waited */
	if (!ntid)
		return 0;
	woke = take_runnable(next, ntid, btf);
	if (woke) {
		__u64 wait = now > woke ? now - woke : 0;
		__u32 slot = vg_hist_slot(wait / 1000);

		account_wait(stat_of(&vg_sched_procs, &ntgid, next), wait, slot);
		st = bpf_map_lookup_elem(&vg_sched_total, &zero);
		if (st) {
			st->runq_ns += wait;
			st->runq_count++;
			st->runq_hist[slot & (VG_HIST_SLOTS - 1)]++;
		}
	}
	return 0;
}

SEC("tp_btf/sched_switch")
int BPF_PROG(vg_sched_switch_btf, bool preempt, struct task_struct *prev,
	     struct task_struct *next, unsigned int prev_state)
{
	return on_switch(preempt, prev, next, prev_state, true);
}

SEC("raw_tp/sched_switch")
int BPF_PROG(vg_sched_switch_raw, bool preempt, struct task_struct *prev,
	     struct task_struct *next, unsigned int prev_state)
{
	return on_switch(preempt, prev, next, prev_state, false);
}

SEC("tp_btf/sched_wakeup")
int BPF_PROG(vg_sched_wakeup_btf, struct task_struct *p)
{
	note_runnable(p, true);
	return 0;
}

SEC("raw_tp/sched_wakeup")
int BPF_PROG(vg_sched_wakeup_raw, struct task_struct *p)
{
	note_runnable(p, false);
	return 0;
}

SEC("tp_btf/sched_wakeup_new")
int BPF_PROG(vg_sched_wakeup_new_btf, struct task_struct *p)
{
	note_runnable(p, true);
	return 0;
}

SEC("raw_tp/sched_wakeup_new")
int BPF_PROG(vg_sched_wakeup_new_raw, struct task_struct *p)
{
	note_runnable(p, false);
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
