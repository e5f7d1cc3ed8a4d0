// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * uprobe.bpf.c - the generic uprobe sensor (docs/uprobes.md).
 *
 * One entry program and one return program, attached by src/uprobe.c to
 * any number of user-space functions; the attachment's BPF cookie is the
 * probe id, the key of vg_up_probes, which says what to capture.  At entry
 * a probe may carry a guard (a condition on one argument): when it holds,
 * the caller is sent SIGKILL from here, at the breakpoint on the function's
 * first instruction, so the signal is delivered on the way back to user
 * space and the function body never runs.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include "vigil/uprobe.h"
#include "lib/task.bpf.h"
#include "lib/emit.bpf.h"
#include "lib/policy.bpf.h"

#define SIGKILL 9

_Static_assert(VG_UPROBE_ARGS == VG_UP_ARGS_MAX, "uprobe arg count mismatch");
_Static_assert(VG_UPROBE_DATA_LEN == VG_UP_DATA_LEN, "uprobe data length mismatch");
_Static_assert(VG_UPROBE_NAME_LEN == VG_UP_NAME_LEN, "uprobe name length mismatch");

/* Probes by id.  Writer: src/uprobe.c.  Reader: the programs below. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, VG_UP_PROBES_MAX);
	__type(key, __u32);
	__type(value, struct vg_up_probe);
} vg_up_probes SEC(".maps");

/* The record being built, and the guard's string: larger than the stack. */
struct up_scratch {
	struct vg_uprobe ev;
	char str[2 * (VG_UP_GUARD_STR_MAX + 1)];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct up_scratch);
} vg_up_scratch SEC(".maps");

/*
 * The probed function's register arguments, by the platform's calling
 * convention.  Read once at constant offsets: the verifier refuses a ctx
 * access at a variable offset, which an indexed read would compile to.
 */
static __always_inline void up_regs(struct pt_regs *ctx, __u64 r[VG_UP_ARGS_MAX])
{
	r[0] = PT_REGS_PARM1(ctx);
	r[1] = PT_REGS_PARM2(ctx);
	r[2] = PT_REGS_PARM3(ctx);
	r[3] = PT_REGS_PARM4(ctx);
	r[4] = PT_REGS_PARM5(ctx);
#if defined(__TARGET_ARCH_x86)
	r[5] = ctx->r9;		/* libbpf 1.1 has no PT_REGS_PARM6 */
#elif defined(__TARGET_ARCH_arm64)
	r[5] = ctx->regs[5];
#else
	r[5] = 0;
#endif
}

static __always_inline __u64 up_arg(const __u64 r[VG_UP_ARGS_MAX], __u32 i)
{
	return i < VG_UP_ARGS_MAX ? r[i] : 0;
}

/* Does the guard hold for this call? */
static __always_inline bool up_guard(const struct vg_up_probe *p, const __u64 r[VG_UP_ARGS_MAX],
				     struct up_scratch *s)
{
	__u64 a = up_arg(r, p->guard_index);
	__u64 v = p->guard_value;
	__u32 size;
	long n;

	switch (p->guard_op) {
	case VG_UP_GUARD_GT: return a > v;
	case VG_UP_GUARD_GE: return a >= v;
	case VG_UP_GUARD_LT: return a < v;
	case VG_UP_GUARD_LE: return a <= v;
	case VG_UP_GUARD_EQ: return a == v;
	case VG_UP_GUARD_NE: return a != v;
	case VG_UP_GUARD_STRLEN_GT:
		if (!s)
			return false;
		/* read at most value + 2 bytes: a string longer than value
		 * fills them all (no NUL within value + 1) */
		size = ((__u32)v + 2) & (2 * (VG_UP_GUARD_STR_MAX + 1) - 1);
		if (v > VG_UP_GUARD_STR_MAX || size == 0)
			return false;
		n = bpf_probe_read_user_str(s->str, size, (const void *)a);
		return n > 0 && (__u64)n > v + 1;
	default:
		return false;
	}
}

/* Copy the probe's arguments into the record. */
static __always_inline void up_capture(const struct vg_up_probe *p,
				       const __u64 r[VG_UP_ARGS_MAX], struct vg_uprobe *e)
{
#pragma unroll
	for (int i = 0; i < VG_UP_ARGS_MAX; i++) {
		const struct vg_up_arg_spec *a = &p->args[i];
		__u32 max = a->max, len;
		__u64 v, ln;
		long n;

		e->arg_kind[i] = 0;
		e->arg_index[i] = 0;
		e->data_len[i] = 0;
		e->args[i] = 0;
		__builtin_memset(e->data[i], 0, VG_UP_DATA_LEN);
		if (i >= p->n_args)
			continue;
		v = up_arg(r, a->index);
		e->args[i] = v;
		e->arg_kind[i] = a->kind;
		e->arg_index[i] = a->index;
		if (max > VG_UP_DATA_LEN)
			max = VG_UP_DATA_LEN;
		if (a->kind == VG_UP_ARG_STR && max) {
			n = bpf_probe_read_user_str(e->data[i], max, (const void *)v);
			e->data_len[i] = n > 0 ? n - 1 : 0;
		} else if (a->kind == VG_UP_ARG_BUF) {
			ln = up_arg(r, a->len_index);
			len = ln < max ? (__u32)ln : max;
			len &= VG_UP_DATA_LEN * 2 - 1;
			if (len > VG_UP_DATA_LEN)
				len = VG_UP_DATA_LEN;
			if (len && bpf_probe_read_user(e->data[i], len, (const void *)v) == 0)
				e->data_len[i] = len;
		}
	}
}

static __always_inline struct up_scratch *up_scratch_get(void)
{
	__u32 zero = 0;
	struct up_scratch *s = bpf_map_lookup_elem(&vg_up_scratch, &zero);

	if (!s)
		vg_count_loss(VG_LOSS_SCRATCH);
	return s;
}

/* The record's header and the fields every uprobe event has. */
static __always_inline void up_begin(struct vg_uprobe *e, const struct vg_up_probe *p,
				     struct task_struct *t, __u32 id)
{
	e->hdr.type = VG_EV_UPROBE;
	e->hdr.version = VG_UPROBE_VERSION;
	e->hdr.size = sizeof(*e);
	e->hdr.ts_ns = bpf_ktime_get_boot_ns();
	vg_task_fill(&e->hdr.task, t);
	e->probe_id = id;
	e->flags = 0;
	e->rule_id = 0;
	e->n_args = 0;
	e->ret = 0;
	__builtin_memcpy(e->symbol, p->symbol, VG_UP_NAME_LEN);
	__builtin_memset(e->rule, 0, VG_UP_NAME_LEN);
}

SEC("uprobe")
int vg_up_entry(struct pt_regs *ctx)
{
	struct task_struct *t = bpf_get_current_task_btf();
	__u32 id = (__u32)bpf_get_attach_cookie(ctx);
	const struct vg_up_probe *p = bpf_map_lookup_elem(&vg_up_probes, &id);
	struct up_scratch *s;
	__u64 r[VG_UP_ARGS_MAX];
	struct vg_uprobe *e;
	bool hit, killed;

	if (!p)
		return 0;
	up_regs(ctx, r);
	/* vigil itself is never killed nor reported (its own libc calls) */
	if (vg_self_pid && BPF_CORE_READ(t, tgid) == vg_self_pid)
		return 0;
	/* The decision first: a lost event must not cost the kill (only a
	 * string guard needs the scratch space). */
	s = up_scratch_get();
	hit = p->guard_op != VG_UP_GUARD_NONE && up_guard(p, r, s);
	killed = hit && (p->flags & VG_UP_PROBE_KILL) && vg_pol_kill(t, SIGKILL);
	if (!s)
		return 0;
	if (!hit && ((p->flags & VG_UP_PROBE_QUIET) || !vg_task_wanted(t)))
		return 0;
	e = &s->ev;
	up_begin(e, p, t, id);
	if (hit) {
		e->flags |= VG_UPROBE_GUARD;
		e->rule_id = p->rule_id;
		__builtin_memcpy(e->rule, p->rule, VG_UP_NAME_LEN);
	}
	if (killed)
		e->flags |= VG_UPROBE_KILLED;
	e->n_args = p->n_args < VG_UP_ARGS_MAX ? p->n_args : VG_UP_ARGS_MAX;
	up_capture(p, r, e);
	vg_emit(e, sizeof(*e), VG_EV_UPROBE);
	return 0;
}

SEC("uretprobe")
int vg_up_return(struct pt_regs *ctx)
{
	struct task_struct *t = bpf_get_current_task_btf();
	__u32 id = (__u32)bpf_get_attach_cookie(ctx);
	const struct vg_up_probe *p = bpf_map_lookup_elem(&vg_up_probes, &id);
	struct up_scratch *s;
	struct vg_uprobe *e;

	if (!p || (p->flags & VG_UP_PROBE_QUIET) || !vg_task_wanted(t))
		return 0;
	s = up_scratch_get();
	if (!s)
		return 0;
	e = &s->ev;
	up_begin(e, p, t, id);
	e->flags = VG_UPROBE_RETURN;
	e->ret = (__s64)PT_REGS_RC(ctx);
	__builtin_memset(e->args, 0, sizeof(e->args));
	__builtin_memset(e->arg_kind, 0, sizeof(e->arg_kind));
	__builtin_memset(e->arg_index, 0, sizeof(e->arg_index));
	__builtin_memset(e->data_len, 0, sizeof(e->data_len));
	vg_emit(e, sizeof(*e), VG_EV_UPROBE);
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
