// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * syscount.bpf.c - syscalls per process (tgid), counted at sys_enter into
 * vg_sysc_procs; read once per interval by `vigil top` (src/top_collect.c).
 *
 * Cost: this program runs on every syscall of every task, and attaching
 * anything to the raw syscall tracepoint puts every syscall on the slow
 * entry path, so it is its own sensor (VG_SENSOR_SYSCOUNT), outside
 * VG_SENSOR_ALL, loaded only by `vigil top`.  Per syscall: one hash lookup
 * and one atomic add (a map update only for a process's first syscall).
 * Measured figures: docs/top.md.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "lib/emit.bpf.h"

static __always_inline int count_syscall(void)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	__u64 *n, one = 1;

	n = bpf_map_lookup_elem(&vg_sysc_procs, &tgid);
	if (n) {
		__sync_fetch_and_add(n, 1);
		return 0;
	}
	if (!bpf_map_update_elem(&vg_sysc_procs, &tgid, &one, BPF_NOEXIST))
		return 0;
	/* another thread of the process made the entry meanwhile, or the map is full */
	n = bpf_map_lookup_elem(&vg_sysc_procs, &tgid);
	if (n)
		__sync_fetch_and_add(n, 1);
	else
		vg_count(&vg_sysc_missed, 0);
	return 0;
}

SEC("tp_btf/sys_enter")
int BPF_PROG(vg_sysc_enter_btf, struct pt_regs *regs, long id)
{
	return count_syscall();
}

SEC("raw_tp/sys_enter")
int BPF_PROG(vg_sysc_enter_raw, struct pt_regs *regs, long id)
{
	return count_syscall();
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
