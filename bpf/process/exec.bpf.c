// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * exec.bpf.c - process sensor: a successful execve/execveat.
 *
 * tp_btf/sched_process_exec runs in the new image, after the point of no
 * return, so mm->exe_file and the argv block are the new program's.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "lib/emit.bpf.h"
#include "lib/task.bpf.h"
#include "lib/path.bpf.h"
#include "lib/policy.bpf.h"
#include "lib/profile.bpf.h"

static __always_inline void exec_read_args(struct vg_exec *e, struct task_struct *t)
{
	struct mm_struct *mm = BPF_CORE_READ(t, mm);
	unsigned long start = BPF_CORE_READ(mm, arg_start);
	unsigned long end = BPF_CORE_READ(mm, arg_end);
	__u32 total = end > start ? end - start : 0;
	__u32 len = total;

	e->args_total = total;
	if (len > VG_ARGS_LEN) {
		len = VG_ARGS_LEN;
		e->flags |= VG_EXEC_ARGS_TRUNCATED;
	}
	if (len == 0) {
		e->args_len = 0;
		return;
	}
	/* Same value for 1 <= len <= VG_ARGS_LEN, in a form whose bounds the
	 * verifier can follow (clang may otherwise test a copy of len). */
	barrier_var(len);
	len = ((len - 1) & (VG_ARGS_LEN - 1)) + 1;
	if (bpf_probe_read_user(e->args, len, (const void *)start)) {
		vg_count_loss(VG_LOSS_ARGS_READ);
		e->args_len = 0;
		return;
	}
	e->args_len = len;
}

static __always_inline void exec_read_exe(struct vg_scratch *s, struct task_struct *t)
{
	struct vg_exec *e = &s->exec;
	struct file *exe = BPF_CORE_READ(t, mm, exe_file);
	bool trunc = false;
	__u32 off;

	if (!exe) {
		vg_count_loss(VG_LOSS_EXE_READ);
		return;
	}
	off = vg_path_of_file(s, exe, &trunc);
	e->exe_len = vg_path_copy(e->exe, VG_EXE_LEN, s->path, off, &trunc);
	if (trunc)
		e->flags |= VG_EXEC_EXE_TRUNCATED;
}

static __always_inline void exec_read_cgroup(struct vg_scratch *s, struct task_struct *t)
{
	struct vg_exec *e = &s->exec;
	struct kernfs_node *kn = BPF_CORE_READ(t, cgroups, dfl_cgrp, kn);
	bool trunc = false;
	__u32 off;

	if (!kn) {
		vg_count_loss(VG_LOSS_CGROUP_READ);
		return;
	}
	off = vg_path_of_kn(s, kn, &trunc);
	e->cgroup_len = vg_path_copy(e->cgroup, VG_CGROUP_LEN, s->path, off, &trunc);
	if (trunc)
		e->flags |= VG_EXEC_CGROUP_TRUNCATED;
}

static __always_inline int handle_exec(struct task_struct *t, pid_t old_pid)
{
	struct vg_scratch *s;
	struct vg_exec *e;
	__u32 size;

	if (!vg_task_wanted(t))
		return 0;
	s = vg_scratch();
	if (!s)
		return 0;
	e = &s->exec;

	e->hdr.type = VG_EV_EXEC;
	e->hdr.version = VG_EXEC_VERSION;
	e->hdr.ts_ns = bpf_ktime_get_boot_ns();
	vg_task_fill(&e->hdr.task, t);
	e->flags = 0;
	e->old_tid = old_pid;
	e->exe_len = 0;
	e->exe[0] = '\0';
	e->cgroup_len = 0;
	e->cgroup[0] = '\0';
	e->policy_rule = 0;
	exec_read_exe(s, t);
	exec_read_cgroup(s, t);
	exec_read_args(e, t);
	vg_pol_exec_check(s, t);
	vg_prof_exec(s);

	size = VG_EXEC_FIXED_SIZE + e->args_len;
	if (size > sizeof(*e))
		return 0;	/* cannot happen: args_len <= VG_ARGS_LEN */
	e->hdr.size = size;
	vg_emit(e, size, VG_EV_EXEC);
	return 0;
}

/* Two attachments of the same handler; user space loads one (src/sensor.c). */
SEC("tp_btf/sched_process_exec")
int BPF_PROG(vg_exec_btf, struct task_struct *t, pid_t old_pid, struct linux_binprm *bprm)
{
	return handle_exec(t, old_pid);
}

SEC("raw_tp/sched_process_exec")
int BPF_PROG(vg_exec_raw, struct task_struct *t, pid_t old_pid, struct linux_binprm *bprm)
{
	return handle_exec(t, old_pid);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
