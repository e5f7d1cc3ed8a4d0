// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * syscalls.bpf.c - syscall n-grams of profiled tasks: learned into a map, or
 * checked against the profile's known windows (include/vigil/profile.h).
 * Attached to sys_enter only while vigil learns or detects.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "lib/emit.bpf.h"
#include "lib/task.bpf.h"

/* The state of the current task: its own, else (a new thread, a forked
 * child) its thread group leader's or parent's profile with a fresh window;
 * else a "none" entry so the next syscall costs one lookup. */
static __always_inline struct vg_prof_task *task_state(struct task_struct *t)
{
	struct vg_prof_task *pt = bpf_task_storage_get(&vg_prof_tasks, t, NULL, 0);
	struct vg_prof_task *from;

	if (pt)
		return pt;
	from = bpf_task_storage_get(&vg_prof_tasks, t->group_leader, NULL, 0);
	if (!from)
		from = bpf_task_storage_get(&vg_prof_tasks, t->real_parent, NULL, 0);
	pt = bpf_task_storage_get(&vg_prof_tasks, t, NULL, BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (pt && from)
		pt->p = from->p;
	return pt;
}

/* Hash of the last k entries of the window (oldest first). */
static __always_inline __u64 window_hash(const struct vg_prof_task *pt, __u32 k)
{
	__u64 h = vg_ngram_hash_begin(k);

#pragma unroll
	for (int i = 0; i < VG_NGRAM_MAX; i++) {
		__u32 at = pt->len - k + i;

		if (i >= k)
			break;
		h = vg_ngram_hash_step(h, pt->win[at & (VG_NGRAM_MAX - 1)]);
	}
	return h;
}

static __always_inline void learn(struct vg_prof_task *pt, const struct vg_prof_exe_val *m)
{
#pragma unroll
	for (int k = 1; k <= VG_NGRAM_MAX; k++) {
		struct vg_prof_ngram_key key = { .profile_id = pt->p.profile_id };
		struct vg_prof_learn_val *v, nv = { .count = 1 };

		if (k > pt->len || k > m->window)
			break;
		key.hash = window_hash(pt, k);
		v = bpf_map_lookup_elem(&vg_prof_learn, &key);
		if (v) {
			__sync_fetch_and_add(&v->count, 1);
			continue;
		}
#pragma unroll
		for (int i = 0; i < VG_NGRAM_MAX; i++)
			if (i < k)
				nv.nrs[i] = pt->win[(pt->len - k + i) & (VG_NGRAM_MAX - 1)];
		nv.len = k;
		if (bpf_map_update_elem(&vg_prof_learn, &key, &nv, BPF_NOEXIST) &&
		    !bpf_map_lookup_elem(&vg_prof_learn, &key))
			vg_count_loss(VG_LOSS_PROFILE_FULL);
	}
}

static __always_inline void detect(struct vg_prof_task *pt, const struct vg_prof_exe_val *m,
				   struct task_struct *t)
{
	struct vg_prof_ngram_key key = { .profile_id = pt->p.profile_id };
	__u32 w = m->window, thr = m->threshold;
	struct vg_anomaly e;
	__u64 now;

	if (pt->len < w)
		return;
	key.hash = window_hash(pt, w);
	pt->frame <<= 1;
	if (bpf_map_lookup_elem(&vg_prof_ngrams, &key))
		return;
	pt->frame |= 1;
	if ((__u32)__builtin_popcount(pt->frame) < thr)
		return;
	now = bpf_ktime_get_boot_ns();
	if (pt->last_alert_ns && now - pt->last_alert_ns < VG_PROF_ALERT_NS) {
		pt->suppressed++;
		return;
	}
	pt->last_alert_ns = now;
	__builtin_memset(&e, 0, sizeof(e));
	e.hdr.type = VG_EV_ANOMALY;
	e.hdr.version = VG_ANOMALY_VERSION;
	e.hdr.size = sizeof(e);
	e.hdr.ts_ns = now;
	vg_task_fill(&e.hdr.task, t);
	e.profile_id = pt->p.profile_id;
	e.misses = __builtin_popcount(pt->frame);
	e.window = w;
	e.suppressed = pt->suppressed;
	e.syscalls = pt->syscalls;
#pragma unroll
	for (int i = 0; i < VG_NGRAM_MAX; i++)
		if (i < w)
			e.nrs[i] = pt->win[(pt->len - w + i) & (VG_NGRAM_MAX - 1)];
	pt->suppressed = 0;
	vg_emit(&e, sizeof(e), VG_EV_ANOMALY);
}

static __always_inline int on_sys_enter(long id)
{
	struct task_struct *t = bpf_get_current_task_btf();
	const struct vg_prof_exe_val *m;
	struct vg_prof_task *pt;
	struct vg_prof_cpu *c;
	__u32 prof, zero = 0, *gen;

	/* every syscall of every task passes here: the common case, the task
	 * this CPU saw last and found without a profile, costs two array
	 * lookups; otherwise one task-storage lookup */
	c = bpf_map_lookup_elem(&vg_prof_cpu, &zero);
	gen = bpf_map_lookup_elem(&vg_prof_gen, &zero);
	if (c && gen && c->task == (__u64)t && c->start_ns == t->start_time && c->gen == *gen)
		return 0;
	pt = task_state(t);
	if (!pt || !pt->p.profile_id) {
		if (c && gen) {
			c->task = (__u64)t;
			c->start_ns = t->start_time;
			c->gen = *gen;
		}
		return 0;
	}
	if (vg_self_pid && t->tgid == vg_self_pid)
		return 0;
	prof = pt->p.profile_id;
	m = bpf_map_lookup_elem(&vg_prof_modes, &prof);
	if (!m || m->mode == VG_PROF_NONE || m->window < 1 || m->window > VG_NGRAM_MAX)
		return 0;
	/* shift the window left when full, append */
	if (pt->len == VG_NGRAM_MAX) {
#pragma unroll
		for (int i = 0; i < VG_NGRAM_MAX - 1; i++)
			pt->win[i] = pt->win[i + 1];
		pt->len--;
	}
	pt->win[pt->len & (VG_NGRAM_MAX - 1)] = (__u16)id;
	pt->len++;
	pt->syscalls++;
	if (m->mode == VG_PROF_LEARN)
		learn(pt, m);
	else
		detect(pt, m, t);
	return 0;
}

SEC("tp_btf/sys_enter")
int BPF_PROG(vg_prof_sys_btf, struct pt_regs *regs, long id)
{
	return on_sys_enter(id);
}

SEC("raw_tp/sys_enter")
int BPF_PROG(vg_prof_sys_raw, struct pt_regs *regs, long id)
{
	return on_sys_enter(id);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
