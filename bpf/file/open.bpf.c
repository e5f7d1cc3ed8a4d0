// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * open.bpf.c - file sensor: open, openat, openat2, creat.
 *
 * A successful open is matched on the opened file's real dentry (symlinks,
 * "..", relative names and bind mounts all resolved by the kernel); a failed
 * one on the absolute path string.  A watched regular file opened for
 * writing arms write reporting (vg_write_gate, vg_watched_inodes).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "lib/file.bpf.h"
#include "lib/profile.bpf.h"

static __always_inline void arm_writes(struct vg_file *f, __u16 match)
{
	struct vg_inode_key key = { .ino = f->ino, .dev = f->dev };
	struct vg_watch_val val = { .match = match };
	__u32 tgid = f->hdr.task.pid, one = 1;

	bpf_map_update_elem(&vg_watched_inodes, &key, &val, BPF_ANY);
	bpf_map_update_elem(&vg_write_gate, &tgid, &one, BPF_ANY);
}

static __always_inline int handle_open(struct trace_event_raw_sys_exit *ctx, int dirfd,
				       int path_arg, __u32 flags, __u32 mode)
{
	struct vg_sys_args args;
	struct vg_scratch *s;
	struct vg_file *f;
	__u16 match = 0;
	bool all = vg_file_all || vg_prof_current_profiled();

	vg_sys_args_read(&args, ctx);
	if (args.ret >= 0 && !all) {
		/* The cheap test first: most opens stop here. */
		struct file *file = vg_fd_file(bpf_get_current_task_btf(), (int)args.ret);

		match = vg_watch_match_dentry_scratch(BPF_CORE_READ(file, f_path.dentry),
						      BPF_CORE_READ(file, f_path.mnt));
		if (!match)
			return 0;
	}
	f = vg_file_begin(&s, VG_FILE_OPEN, &args);
	if (!f)
		return 0;
	f->flags = flags;
	f->mode = mode;
	if ((flags & VG_O_ACCMODE) != 0 || (flags & VG_O_TRUNC))
		f->file_flags |= VG_FILE_WRITE_INTENT;

	if (args.ret >= 0) {
		struct file *file = vg_fd_file(bpf_get_current_task_btf(), (int)args.ret);

		f->fd = (int)args.ret;
		vg_file_set_inode(f, BPF_CORE_READ(file, f_path.dentry));
		vg_file_path_from_file(s, f, file);
		match = all ? VG_MATCH_ALL : match;
		if ((f->file_flags & VG_FILE_WRITE_INTENT) && (f->i_mode & VG_S_IFMT) == VG_S_IFREG)
			arm_writes(f, match);
	} else {
		bool trunc = false;

		f->path_len = vg_file_path_from_user(s, f->path, dirfd,
						     (const char *)args.a[path_arg], &trunc);
		if (trunc)
			f->file_flags |= VG_FILE_PATH_TRUNCATED;
		if (all)
			match = VG_MATCH_ALL;
		else
			match = vg_watch_match_string(s, f->path, f->path_len);
		if (vg_path_unnormalized(s, 0, f->path_len))
			match |= VG_MATCH_UNNORMALIZED;
		if (!match)
			return 0;
	}
	f->match = match;
	vg_file_emit(f);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_open")
int vg_file_open(struct trace_event_raw_sys_exit *ctx)
{
	struct pt_regs *regs = (struct pt_regs *)bpf_task_pt_regs(bpf_get_current_task_btf());

	return handle_open(ctx, VG_AT_FDCWD, 0, PT_REGS_PARM2_CORE_SYSCALL(regs),
			   PT_REGS_PARM3_CORE_SYSCALL(regs));
}

SEC("tracepoint/syscalls/sys_exit_openat")
int vg_file_openat(struct trace_event_raw_sys_exit *ctx)
{
	struct pt_regs *regs = (struct pt_regs *)bpf_task_pt_regs(bpf_get_current_task_btf());

	return handle_open(ctx, (int)PT_REGS_PARM1_CORE_SYSCALL(regs), 1,
			   PT_REGS_PARM3_CORE_SYSCALL(regs), PT_REGS_PARM4_CORE_SYSCALL(regs));
}

SEC("tracepoint/syscalls/sys_exit_openat2")
int vg_file_openat2(struct trace_event_raw_sys_exit *ctx)
{
	struct pt_regs *regs = (struct pt_regs *)bpf_task_pt_regs(bpf_get_current_task_btf());
	struct open_how how = {};

	bpf_probe_read_user(&how, sizeof(how), (void *)PT_REGS_PARM3_CORE_SYSCALL(regs));
	return handle_open(ctx, (int)PT_REGS_PARM1_CORE_SYSCALL(regs), 1, (__u32)how.flags,
			   (__u32)how.mode);
}

SEC("tracepoint/syscalls/sys_exit_creat")
int vg_file_creat(struct trace_event_raw_sys_exit *ctx)
{
	struct pt_regs *regs = (struct pt_regs *)bpf_task_pt_regs(bpf_get_current_task_btf());

	/* creat(path, mode) == open(path, O_CREAT | O_WRONLY | O_TRUNC, mode) */
	return handle_open(ctx, VG_AT_FDCWD, 0, VG_O_CREAT | 1 | VG_O_TRUNC,
			   PT_REGS_PARM2_CORE_SYSCALL(regs));
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
