// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * syscall.bpf.c - policy rules on a syscall and its integer arguments.
 *
 * One generic program, attached by user space (src/sensor.c) to the
 * syscalls:sys_enter_<name> tracepoint of every syscall a loaded rule
 * names, so syscalls no rule names cost nothing.  It reads only the
 * syscall number from the tracepoint record (every sys_enter record has
 * it) and the arguments from the task's saved registers, so one program
 * fits every syscall's record layout.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "lib/emit.bpf.h"
#include "lib/policy.bpf.h"
#include "lib/task.bpf.h"

/* libbpf 1.1 has no PT_REGS_PARM6_CORE_SYSCALL: the sixth syscall argument's register. */
#if defined(__TARGET_ARCH_x86)
#define VG_SYSCALL_PARM6(r) BPF_CORE_READ(r, r9)
#elif defined(__TARGET_ARCH_arm64)
#define VG_SYSCALL_PARM6(r) BPF_CORE_READ(r, regs[5])
#else
#define VG_SYSCALL_PARM6(r) 0
#endif

static __always_inline bool cmp_holds(const struct vg_pol_sys_cmp *c, const __u64 *args)
{
	__u64 a = args[c->index < 6 ? c->index : 0];

	switch (c->op) {
	case VG_POL_CMP_EQ:
		return a == c->value;
	case VG_POL_CMP_NE:
		return a != c->value;
	case VG_POL_CMP_LT:
		return a < c->value;
	case VG_POL_CMP_LE:
		return a <= c->value;
	case VG_POL_CMP_GT:
		return a > c->value;
	case VG_POL_CMP_GE:
		return a >= c->value;
	case VG_POL_CMP_MASK:
		return (a & c->value) != 0;
	}
	return false;
}

static __always_inline bool rule_holds(const struct vg_pol_sys_rule *r, const __u64 *args)
{
#pragma unroll
	for (int i = 0; i < VG_POL_SYS_CMPS; i++) {
		if (i >= r->n_cmp)
			break;
		if (!cmp_holds(&r->cmp[i], args))
			return false;
	}
	return true;
}

SEC("tp")
int vg_pol_syscall(struct trace_event_raw_sys_enter *ctx)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct vg_pol_state *st = vg_pol_state_get();
	struct vg_pol_sys_key key;
	struct vg_pol_sys *sys;
	struct vg_scratch *s;
	struct vg_syscall *e;
	struct pt_regs *regs;
	__u32 rule = 0, signal = 0;

	if (!st || !vg_task_wanted(task))
		return 0;
	key.gen = st->gen & 1;
	/* __syscall_nr is an int at offset 8; a syscall without arguments has a
	 * 12-byte record, so ctx->id (a long) must not be read whole */
	key.nr = *(const __u32 *)((const char *)ctx + 8);
	sys = bpf_map_lookup_elem(&vg_pol_sys, &key);
	if (!sys)
		return 0;
	s = vg_scratch();
	if (!s)
		return 0;
	e = &s->syscall;
	regs = (struct pt_regs *)bpf_task_pt_regs(task);
	e->args[0] = PT_REGS_PARM1_CORE_SYSCALL(regs);
	e->args[1] = PT_REGS_PARM2_CORE_SYSCALL(regs);
	e->args[2] = PT_REGS_PARM3_CORE_SYSCALL(regs);
	e->args[3] = PT_REGS_PARM4_CORE_SYSCALL(regs);
	e->args[4] = PT_REGS_PARM5_CORE_SYSCALL(regs);
	e->args[5] = VG_SYSCALL_PARM6(regs);

#pragma unroll
	for (int i = 0; i < VG_POL_SYS_RULES; i++) {
		if (i >= sys->n)
			break;
		if (!rule_holds(&sys->r[i], e->args))
			continue;
		if (!rule)
			rule = sys->r[i].rule_id;
		if (sys->r[i].signal && !signal) {
			signal = sys->r[i].signal;
			rule = sys->r[i].rule_id;
		}
	}
	if (!rule)
		return 0;

	e->hdr.type = VG_EV_SYSCALL;
	e->hdr.version = VG_SYSCALL_VERSION;
	e->hdr.size = sizeof(*e);
	e->hdr.ts_ns = bpf_ktime_get_boot_ns();
	vg_task_fill(&e->hdr.task, task);
	e->nr = key.nr;
	e->flags = 0;
	e->policy_rule = rule;
	e->_pad = 0;
	if (vg_pol_kill(task, signal))
		e->flags |= VG_SYSCALL_POLICY_KILLED;
	vg_emit(e, sizeof(*e), VG_EV_SYSCALL);
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
