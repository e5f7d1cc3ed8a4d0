/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * task.bpf.h - fill struct vg_task_ctx from a task_struct (CO-RE reads only).
 */
#ifndef VIGIL_TASK_BPF_H
#define VIGIL_TASK_BPF_H

#include "vigil/event.h"
#include "config.bpf.h"

static __always_inline __u32 vg_task_loginuid(struct task_struct *t)
{
	/* loginuid exists only with CONFIG_AUDIT(SYSCALL). */
	if (bpf_core_field_exists(t->loginuid))
		return BPF_CORE_READ(t, loginuid.val);
	return (__u32)-1;
}

static __always_inline void vg_task_fill(struct vg_task_ctx *c, struct task_struct *t)
{
	const struct cred *cred = BPF_CORE_READ(t, real_cred);

	c->pid = BPF_CORE_READ(t, tgid);
	c->tid = BPF_CORE_READ(t, pid);
	c->ppid = BPF_CORE_READ(t, real_parent, tgid);
	c->uid = BPF_CORE_READ(cred, uid.val);
	c->gid = BPF_CORE_READ(cred, gid.val);
	c->euid = BPF_CORE_READ(cred, euid.val);
	c->egid = BPF_CORE_READ(cred, egid.val);
	c->loginuid = vg_task_loginuid(t);
	c->cgroup_id = BPF_CORE_READ(t, cgroups, dfl_cgrp, kn, id);
	c->start_ns = BPF_CORE_READ(t, start_boottime);
	/* The pid namespace the task lives in (not the one for its children). */
	{
		unsigned int level = BPF_CORE_READ(t, thread_pid, level);
		struct pid *p = BPF_CORE_READ(t, thread_pid);
		struct upid up = {};

		bpf_probe_read_kernel(&up, sizeof(up), &p->numbers[level & 31]);
		c->pid_ns = BPF_CORE_READ(up.ns, ns.inum);
	}
	c->mnt_ns = BPF_CORE_READ(t, nsproxy, mnt_ns, ns.inum);
	c->net_ns = BPF_CORE_READ(t, nsproxy, net_ns, ns.inum);
	BPF_CORE_READ_STR_INTO(&c->comm, t, comm);
}

/* Is this task's process one we report?  Checked before any heavy work. */
static __always_inline bool vg_task_wanted(struct task_struct *t)
{
	__u32 tgid = BPF_CORE_READ(t, tgid);

	if (vg_self_pid && tgid == vg_self_pid)
		return false;
	if (vg_filter_pid && tgid != vg_filter_pid)
		return false;
	if (vg_filter_comm[0]) {
		char comm[16];

		BPF_CORE_READ_STR_INTO(&comm, t, comm);
		for (int i = 0; i < 16; i++) {
			if (comm[i] != vg_filter_comm[i])
				return false;
			if (!comm[i])
				break;
		}
	}
	return true;
}

#endif /* VIGIL_TASK_BPF_H */
