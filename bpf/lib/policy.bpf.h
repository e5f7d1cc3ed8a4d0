/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * policy.bpf.h - the in-kernel part of policy decisions (include/vigil/policy.h):
 * kill an exec'ing process or one whose file operation matched, before it
 * returns to user space.
 */
#ifndef VIGIL_POLICY_BPF_H
#define VIGIL_POLICY_BPF_H

#include "emit.bpf.h"

#define VG_PF_KTHREAD 0x00200000	/* include/linux/sched.h */

static __always_inline struct vg_pol_state *vg_pol_state_get(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&vg_pol_state, &zero);
}

/* Guardrails the kernel applies itself: never pid 1, a kernel thread or vigil. */
static __always_inline bool vg_pol_may_kill(struct task_struct *t)
{
	__u32 tgid = BPF_CORE_READ(t, tgid);

	if (tgid <= 1 || (vg_self_pid && tgid == vg_self_pid))
		return false;
	return !(BPF_CORE_READ(t, flags) & VG_PF_KTHREAD);
}

static __always_inline bool vg_pol_kill(struct task_struct *t, __u32 signal)
{
	if (!signal || !vg_pol_may_kill(t))
		return false;
	return bpf_send_signal(signal) == 0;
}

/* ---- exec --------------------------------------------------------------- */

static long vg_pol_slash_step(__u32 i, void *ctx)
{
	__u32 zero = 0;
	struct vg_scratch *s = bpf_map_lookup_elem(&vg_scratch_map, &zero);

	if (!s)
		return 1;
	i &= VG_EXE_LEN - 1;
	if (s->exec.exe[i] == '\0')
		return 1;
	if (s->exec.exe[i] == '/')
		s->pol_slash = i;
	return 0;
}

/* Look s->pol_key up with `kind`, the string (len bytes, no NUL) at src. */
static __always_inline struct vg_pol_action *vg_pol_exec_lookup(struct vg_scratch *s, __u32 gen,
								 __u32 kind, const char *src,
								 __u32 len)
{
	struct vg_pol_exec_key *k = &s->pol_key;

	if (len == 0 || len >= VG_POL_KEY_LEN)
		return NULL;
	__builtin_memset(k, 0, sizeof(*k));
	k->gen = gen;
	k->kind = kind;
	barrier_var(len);
	len &= VG_POL_KEY_LEN - 1;
	if (bpf_probe_read_kernel(k->s, len, src))
		return NULL;
	return bpf_map_lookup_elem(&vg_pol_exec, k);
}

/*
 * After an exec record is built in s->exec: kill the process if a policy
 * says so.  The program runs at sched_process_exec, in the new image before
 * it has run a single instruction of its own; the signal is delivered on the
 * way back to user space, so none of the program's code runs.
 */
static __always_inline void vg_pol_exec_check(struct vg_scratch *s, struct task_struct *t)
{
	struct vg_pol_state *st = vg_pol_state_get();
	struct vg_exec *e = &s->exec;
	struct vg_pol_action *a = NULL;
	__u32 gen, keys, len, slash;

	if (!st)
		return;
	gen = st->gen & 1;
	keys = st->exec_keys[gen];
	if (!keys)
		return;
	len = e->exe_len;
	if (keys & (1 << VG_POL_KEY_EXE))
		a = vg_pol_exec_lookup(s, gen, VG_POL_KEY_EXE, e->exe, len);
	if (!a && (keys & (1 << VG_POL_KEY_BASENAME)) && len) {
		s->pol_slash = 0;
		bpf_loop(VG_EXE_LEN, vg_pol_slash_step, NULL, 0);
		slash = s->pol_slash & (VG_EXE_LEN - 1);
		if (slash < len)
			a = vg_pol_exec_lookup(s, gen, VG_POL_KEY_BASENAME, e->exe + slash + 1,
					       len - slash - 1);
	}
	if (!a && (keys & (1 << VG_POL_KEY_COMM))) {
		len = 0;
		for (int i = 0; i < VG_COMM_LEN; i++) {
			if (!e->hdr.task.comm[i])
				break;
			len++;
		}
		a = vg_pol_exec_lookup(s, gen, VG_POL_KEY_COMM, e->hdr.task.comm, len);
	}
	if (a && vg_pol_kill(t, a->signal)) {
		e->flags |= VG_EXEC_POLICY_KILLED;
		e->policy_rule = a->rule_id;
	}
}

/* ---- file --------------------------------------------------------------- */

/* Do the first r->len bytes of r->path equal those of path (8 at a time)? */
static __always_inline bool vg_pol_path_match(const struct vg_pol_file_rule *r, const char *path)
{
	__u32 len = r->len;

#pragma unroll
	for (int w = 0; w < VG_POL_KEY_LEN / 8; w++) {
		__u64 a, b, rem;

		if (w * 8 >= len)
			break;
		a = *(const __u64 *)(r->path + w * 8);
		b = *(const __u64 *)(path + w * 8);
		rem = len - w * 8;
		if (rem < 8) {
			__u64 mask = (1ULL << (rem * 8)) - 1;	/* little-endian: the first rem bytes */

			a &= mask;
			b &= mask;
		}
		if (a != b)
			return false;
	}
	return true;
}

struct vg_pol_file_ctx {
	__u32 gen;
	__u32 op;
	__u32 rule_id;		/* the first matching entry's; 0: none */
	__u32 signal;
};

static long vg_pol_file_step(__u32 i, void *ctx)
{
	struct vg_pol_file_ctx *c = ctx;
	__u32 zero = 0, idx = c->gen * VG_POL_FILE_MAX + (i & (VG_POL_FILE_MAX - 1));
	struct vg_scratch *s = bpf_map_lookup_elem(&vg_scratch_map, &zero);
	struct vg_pol_file_rule *r = bpf_map_lookup_elem(&vg_pol_file, &idx);

	if (!s || !r)
		return 1;
	if (!(r->ops & (1u << (c->op & 31))))
		return 0;
	if (vg_pol_path_match(r, s->file.path) ||
	    (s->file.new_path_len && vg_pol_path_match(r, s->file.new_path))) {
		c->rule_id = r->rule_id;
		c->signal = r->signal;
		return 1;
	}
	return 0;
}

/* Before a file record (s->file) is sent: kill the process if a policy says
 * so.  Paths the kernel could not normalise are left to user space. */
static __always_inline void vg_pol_file_check(struct vg_file *f)
{
	struct vg_pol_state *st = vg_pol_state_get();
	struct vg_pol_file_ctx c = {};
	__u32 n;

	if (!st)
		return;
	c.gen = st->gen & 1;
	n = st->n_file[c.gen];
	if (!n || (f->match & VG_MATCH_UNNORMALIZED))
		return;
	c.op = f->op;
	bpf_loop(n < VG_POL_FILE_MAX ? n : VG_POL_FILE_MAX, vg_pol_file_step, &c, 0);
	if (c.rule_id && vg_pol_kill(bpf_get_current_task_btf(), c.signal)) {
		f->file_flags |= VG_FILE_POLICY_KILLED;
		f->policy_rule = c.rule_id;
	}
}

#endif /* VIGIL_POLICY_BPF_H */
