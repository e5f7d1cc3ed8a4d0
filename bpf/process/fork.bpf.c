// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * fork.bpf.c - process sensor: a new process (fork, vfork, clone without
 * CLONE_THREAD).  New threads are not reported.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "lib/emit.bpf.h"
#include "lib/task.bpf.h"

static __always_inline int handle_fork(struct task_struct *parent, struct task_struct *child)
{
	struct vg_fork e = {};

	if (BPF_CORE_READ(child, pid) != BPF_CORE_READ(child, tgid))
		return 0;	/* a thread */
	if (!vg_task_wanted(parent))
		return 0;

	e.hdr.type = VG_EV_FORK;
	e.hdr.version = VG_FORK_VERSION;
	e.hdr.size = sizeof(e);
	e.hdr.ts_ns = bpf_ktime_get_boot_ns();
	vg_task_fill(&e.hdr.task, child);
	e.parent_pid = BPF_CORE_READ(parent, tgid);
	e.parent_tid = BPF_CORE_READ(parent, pid);
	vg_emit(&e, sizeof(e), VG_EV_FORK);
	return 0;
}

SEC("tp_btf/sched_process_fork")
int BPF_PROG(vg_fork_btf, struct task_struct *parent, struct task_struct *child)
{
	return handle_fork(parent, child);
}

SEC("raw_tp/sched_process_fork")
int BPF_PROG(vg_fork_raw, struct task_struct *parent, struct task_struct *child)
{
	return handle_fork(parent, child);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
