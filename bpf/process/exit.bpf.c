// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * exit.bpf.c - process sensor: the last thread of a process exits.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "lib/emit.bpf.h"
#include "lib/task.bpf.h"

static __always_inline int handle_exit(struct task_struct *t)
{
	struct vg_exit e = {};
	int code;

	/* Only the last live thread.  v6.16+ passes `group_dead`; reading
	 * signal->live (decremented just before) works on every kernel. */
	if (BPF_CORE_READ(t, signal, live.counter) != 0)
		return 0;
	if (!vg_task_wanted(t))
		return 0;

	e.hdr.type = VG_EV_EXIT;
	e.hdr.version = VG_EXIT_VERSION;
	e.hdr.size = sizeof(e);
	e.hdr.ts_ns = bpf_ktime_get_boot_ns();
	vg_task_fill(&e.hdr.task, t);

	/* A group exit (exit_group, fatal signal) records the code for all threads. */
	if (BPF_CORE_READ(t, signal, flags) & 0x4 /* SIGNAL_GROUP_EXIT */)
		code = BPF_CORE_READ(t, signal, group_exit_code);
	else
		code = BPF_CORE_READ(t, exit_code);
	if (code & 0x7f) {
		e.exit_code = -1;
		e.signal = code & 0x7f;
		e.core_dumped = !!(code & 0x80);
	} else {
		e.exit_code = (code >> 8) & 0xff;
	}
	e.lifetime_ns = bpf_ktime_get_boot_ns() - e.hdr.task.start_ns;
	vg_emit(&e, sizeof(e), VG_EV_EXIT);
	return 0;
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(vg_exit_btf, struct task_struct *t)
{
	return handle_exit(t);
}

SEC("raw_tp/sched_process_exit")
int BPF_PROG(vg_exit_raw, struct task_struct *t)
{
	return handle_exit(t);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
