// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * oom.bpf.c - the OOM killer's victims (event `oom`).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "lib/emit.bpf.h"
#include "lib/task.bpf.h"

/* Pages of one RSS counter of mm (percpu_counter: its central count). */
static __always_inline __u64 rss_pages(struct mm_struct *mm, int member)
{
	struct percpu_counter c = {};

	if (bpf_probe_read_kernel(&c, sizeof(c), &mm->rss_stat[member & 3]))
		return 0;
	return c.count > 0 ? (__u64)c.count : 0;
}

static __always_inline int on_victim(struct task_struct *t)
{
	struct mm_struct *mm = BPF_CORE_READ(t, mm);
	struct vg_oom e = {};

	e.hdr.type = VG_EV_OOM;
	e.hdr.version = VG_OOM_VERSION;
	e.hdr.size = sizeof(e);
	e.hdr.ts_ns = bpf_ktime_get_boot_ns();
	vg_task_fill(&e.hdr.task, t);
	if (mm) {
		e.total_vm_kb = BPF_CORE_READ(mm, total_vm) * 4;
		e.rss_kb = (rss_pages(mm, 0) + rss_pages(mm, 1) + rss_pages(mm, 3)) * 4;
	}
	e.oom_score_adj = BPF_CORE_READ(t, signal, oom_score_adj);
	vg_emit(&e, sizeof(e), VG_EV_OOM);
	return 0;
}

SEC("tp_btf/mark_victim")
int BPF_PROG(vg_oom_victim_btf, struct task_struct *t)
{
	return on_victim(t);
}

SEC("raw_tp/mark_victim")
int BPF_PROG(vg_oom_victim_raw, struct task_struct *t)
{
	return on_victim(t);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
