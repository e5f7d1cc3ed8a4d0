// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * write.bpf.c - file sensor: write, pwrite64, writev, pwritev, pwritev2 to
 * a watched file.
 *
 * These run on every write in the system, so the common case is one hash
 * lookup: only processes that opened a watched file for writing (or
 * inherited one over fork) pass vg_write_gate.  Then the written file's
 * inode must be a watched one.  Writes through a duplicated fd or after
 * fork are caught because the inode, not the fd, is what is watched.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "lib/file.bpf.h"

static __always_inline int handle_write(struct trace_event_raw_sys_exit *ctx, bool positional)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	struct vg_sys_args args;
	struct vg_scratch *s;
	struct vg_file *f;
	struct file *file;
	struct dentry *d;
	struct vg_inode_key key;
	struct vg_watch_val *w = NULL;

	if (!vg_file_all && !bpf_map_lookup_elem(&vg_write_gate, &tgid))
		return 0;
	vg_sys_args_read(&args, ctx);
	file = vg_fd_file(bpf_get_current_task_btf(), (int)args.a[0]);
	if (!file)
		return 0;
	d = BPF_CORE_READ(file, f_path.dentry);
	if (!vg_file_all) {
		vg_inode_key_of(&key, d);
		w = bpf_map_lookup_elem(&vg_watched_inodes, &key);
		if (!w)
			return 0;
	}
	f = vg_file_begin(&s, VG_FILE_WRITE, &args);
	if (!f)
		return 0;
	f->match = w ? w->match : VG_MATCH_ALL;
	f->fd = (int)args.a[0];
	f->count = args.a[2];	/* bytes (write, pwrite64) or iovec count (writev, pwritev) */
	if (positional)
		f->offset = (__s64)args.a[3];
	f->flags = BPF_CORE_READ(file, f_flags);
	vg_file_set_inode(f, d);
	vg_file_path_from_file(s, f, file);
	vg_file_emit(f);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_write")
int vg_file_write(struct trace_event_raw_sys_exit *ctx)
{
	return handle_write(ctx, false);
}

SEC("tracepoint/syscalls/sys_exit_pwrite64")
int vg_file_pwrite64(struct trace_event_raw_sys_exit *ctx)
{
	return handle_write(ctx, true);
}

SEC("tracepoint/syscalls/sys_exit_writev")
int vg_file_writev(struct trace_event_raw_sys_exit *ctx)
{
	return handle_write(ctx, false);
}

SEC("tracepoint/syscalls/sys_exit_pwritev")
int vg_file_pwritev(struct trace_event_raw_sys_exit *ctx)
{
	return handle_write(ctx, true);
}

SEC("tracepoint/syscalls/sys_exit_pwritev2")
int vg_file_pwritev2(struct trace_event_raw_sys_exit *ctx)
{
	return handle_write(ctx, true);
}

/* A child inherits its parent's open files: and so its place at the gate. */
static __always_inline int handle_fork(struct task_struct *parent, struct task_struct *child)
{
	__u32 ptgid = BPF_CORE_READ(parent, tgid), ctgid = BPF_CORE_READ(child, tgid), one = 1;

	if (ptgid != ctgid && bpf_map_lookup_elem(&vg_write_gate, &ptgid))
		bpf_map_update_elem(&vg_write_gate, &ctgid, &one, BPF_ANY);
	return 0;
}

SEC("tp_btf/sched_process_fork")
int BPF_PROG(vg_file_fork_btf, struct task_struct *parent, struct task_struct *child)
{
	return handle_fork(parent, child);
}

SEC("raw_tp/sched_process_fork")
int BPF_PROG(vg_file_fork_raw, struct task_struct *parent, struct task_struct *child)
{
	return handle_fork(parent, child);
}

/* The gate entry goes with the process. */
static __always_inline int handle_exit(struct task_struct *t)
{
	__u32 tgid = BPF_CORE_READ(t, tgid);

	if (BPF_CORE_READ(t, signal, live.counter) == 0)
		bpf_map_delete_elem(&vg_write_gate, &tgid);
	return 0;
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(vg_file_exit_btf, struct task_struct *t)
{
	return handle_exit(t);
}

SEC("raw_tp/sched_process_exit")
int BPF_PROG(vg_file_exit_raw, struct task_struct *t)
{
	return handle_exit(t);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
