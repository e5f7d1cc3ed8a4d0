// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * exec.bpf.c - privilege sensor: credentials changed by an exec
 * (set-user-ID / set-group-ID binaries, file capabilities).
 *
 * execve/execveat entry stashes the credentials before the exec in
 * vg_priv_pending; sched_process_exec, which runs after commit_creds() of
 * the new image, compares them with the new ones and reports a change.
 * The entry is always deleted there, or at syscall exit if the exec failed.
 * 32-bit compat execs have no syscall tracepoint and are not seen.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "lib/emit.bpf.h"
#include "lib/task.bpf.h"
#include "lib/creds.bpf.h"

/*
 * No vg_task_wanted() here: the comm filter applies to the new image's
 * name (as for exec events), which is only known at sched_process_exec.
 */
static __always_inline int priv_exec_enter(struct trace_event_raw_sys_enter *ctx)
{
	struct task_struct *t = (struct task_struct *)bpf_get_current_task();
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct vg_priv p = {};

	p.hdr.type = VG_EV_PRIV;
	p.hdr.version = VG_PRIV_VERSION;
	p.hdr.size = sizeof(p);
	p.syscall = (__u32)ctx->id;	/* int __syscall_nr: the low half (see setid.bpf.c) */
	p.op = VG_PRIV_EXEC;
	vg_creds_read(&p.old, t);
	if (bpf_map_update_elem(&vg_priv_pending, &tid, &p, BPF_ANY))
		vg_count_loss(VG_LOSS_PENDING_FULL);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_execve")
int vg_priv_execve_enter(struct trace_event_raw_sys_enter *ctx)
{
	return priv_exec_enter(ctx);
}

SEC("tracepoint/syscalls/sys_enter_execveat")
int vg_priv_execveat_enter(struct trace_event_raw_sys_enter *ctx)
{
	return priv_exec_enter(ctx);
}

/* A failed exec never reaches sched_process_exec: drop its entry here.  (A
 * successful one was consumed there, under the thread id it had before.) */
static __always_inline int priv_exec_exit(struct trace_event_raw_sys_exit *ctx)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();

	if (ctx->ret < 0)
		bpf_map_delete_elem(&vg_priv_pending, &tid);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_execve")
int vg_priv_execve_exit(struct trace_event_raw_sys_exit *ctx)
{
	return priv_exec_exit(ctx);
}

SEC("tracepoint/syscalls/sys_exit_execveat")
int vg_priv_execveat_exit(struct trace_event_raw_sys_exit *ctx)
{
	return priv_exec_exit(ctx);
}

/*
 * old_pid: the thread id at execve entry.  A non-leader thread that execs
 * takes over the leader's id in de_thread(), so the entry is found by the
 * id it was stored under, not by the current one.
 */
static __always_inline int priv_exec_done(struct task_struct *t, pid_t old_pid)
{
	__u32 key = old_pid;
	struct vg_priv *p = bpf_map_lookup_elem(&vg_priv_pending, &key);

	if (!p)
		return 0;	/* exec entry not seen (compat exec), or lost (counted) */
	if (p->op == VG_PRIV_EXEC && vg_task_wanted(t)) {
		vg_creds_read(&p->new, t);
		if (vg_creds_differ(&p->old, &p->new)) {
			p->hdr.ts_ns = bpf_ktime_get_boot_ns();
			vg_task_fill(&p->hdr.task, t);
			p->result = 0;
			vg_emit(p, sizeof(*p), VG_EV_PRIV);
		}
	}
	bpf_map_delete_elem(&vg_priv_pending, &key);
	return 0;
}

/* Two attachments of the same handler; user space loads one (src/sensor.c). */
SEC("tp_btf/sched_process_exec")
int BPF_PROG(vg_priv_exec_btf, struct task_struct *t, pid_t old_pid, struct linux_binprm *bprm)
{
	return priv_exec_done(t, old_pid);
}

SEC("raw_tp/sched_process_exec")
int BPF_PROG(vg_priv_exec_raw, struct task_struct *t, pid_t old_pid, struct linux_binprm *bprm)
{
	return priv_exec_done(t, old_pid);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
