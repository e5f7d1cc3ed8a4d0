// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * setid.bpf.c - privilege sensor: the set*id family and capset.
 *
 * Entry stashes the arguments and the credentials before the call in
 * vg_priv_pending (by thread id); exit adds the result and the credentials
 * after it and sends the record.  Every call is reported, failed ones
 * included: a refused setuid(0) is as interesting as a granted one.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "lib/emit.bpf.h"
#include "lib/task.bpf.h"
#include "lib/creds.bpf.h"

/*
 * The number in a syscalls:sys_{enter,exit}_* record is `int __syscall_nr`
 * followed by 4 bytes of padding, not the `long id` of raw_syscalls'
 * trace_event_raw_sys_enter/exit that vmlinux.h describes: only the low
 * 32 bits (first on little-endian targets) are the number.
 */
static __always_inline __u32 vg_syscall_nr(long id)
{
	return (__u32)id;
}

/*
 * nargs: the syscall's argument count.  A syscall tracepoint's record holds
 * only that many args, and the kernel refuses to attach (EACCES) a program
 * that reads past the record (max_ctx_offset), so never read more.
 */
static __always_inline int priv_enter(struct trace_event_raw_sys_enter *ctx, __u16 op,
				      int nargs)
{
	struct task_struct *t = (struct task_struct *)bpf_get_current_task();
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct vg_priv p = {};

	if (!vg_task_wanted(t))
		return 0;
	p.hdr.type = VG_EV_PRIV;
	p.hdr.version = VG_PRIV_VERSION;
	p.hdr.size = sizeof(p);
	p.hdr.ts_ns = bpf_ktime_get_boot_ns();
	vg_task_fill(&p.hdr.task, t);
	p.syscall = vg_syscall_nr(ctx->id);
	p.op = op;
	p.args[0] = ctx->args[0];
	if (nargs > 1)
		p.args[1] = ctx->args[1];
	if (nargs > 2)
		p.args[2] = ctx->args[2];
	vg_creds_read(&p.old, t);
	if (bpf_map_update_elem(&vg_priv_pending, &tid, &p, BPF_ANY))
		vg_count_loss(VG_LOSS_PENDING_FULL);
	return 0;
}

static __always_inline int priv_exit(struct trace_event_raw_sys_exit *ctx)
{
	struct task_struct *t = (struct task_struct *)bpf_get_current_task();
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct vg_priv *p = bpf_map_lookup_elem(&vg_priv_pending, &tid);

	if (!p)
		return 0;	/* not wanted at entry, or entry lost (counted there) */
	/* Only the entry this syscall stashed (never a stale one of another op). */
	if (p->syscall == vg_syscall_nr(ctx->id) && p->op != VG_PRIV_EXEC) {
		/* setfsuid/setfsgid return the previous fsuid/fsgid, not an errno. */
		p->result = ctx->ret;
		vg_creds_read(&p->new, t);
		/* The header carries the credentials after the call. */
		vg_task_fill(&p->hdr.task, t);
		vg_emit(p, sizeof(*p), VG_EV_PRIV);
	}
	bpf_map_delete_elem(&vg_priv_pending, &tid);
	return 0;
}

/* One entry/exit pair per syscall, sharing the two bodies above. */
#define VG_PRIV_SYSCALL(name, op, nargs)						\
SEC("tracepoint/syscalls/sys_enter_" #name)					\
int vg_priv_##name##_enter(struct trace_event_raw_sys_enter *ctx)		\
{										\
	return priv_enter(ctx, op, nargs);						\
}										\
SEC("tracepoint/syscalls/sys_exit_" #name)					\
int vg_priv_##name##_exit(struct trace_event_raw_sys_exit *ctx)		\
{										\
	return priv_exit(ctx);							\
}

VG_PRIV_SYSCALL(setuid, VG_PRIV_SETUID, 1)
VG_PRIV_SYSCALL(setgid, VG_PRIV_SETGID, 1)
VG_PRIV_SYSCALL(setreuid, VG_PRIV_SETREUID, 2)
VG_PRIV_SYSCALL(setregid, VG_PRIV_SETREGID, 2)
VG_PRIV_SYSCALL(setresuid, VG_PRIV_SETRESUID, 3)
VG_PRIV_SYSCALL(setresgid, VG_PRIV_SETRESGID, 3)
VG_PRIV_SYSCALL(setfsuid, VG_PRIV_SETFSUID, 1)
VG_PRIV_SYSCALL(setfsgid, VG_PRIV_SETFSGID, 1)
VG_PRIV_SYSCALL(capset, VG_PRIV_CAPSET, 2)	/* header, data pointers */

char LICENSE[] SEC("license") = "Dual BSD/GPL";
