// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * pathops.bpf.c - file sensor: operations named by path (and their fd
 * forms): truncate, unlink, rmdir, mkdir, rename, link, symlink, chmod,
 * chown, ftruncate, fchmod, fchown.
 *
 * A path-named target is matched on its absolute path string: the user's
 * string when absolute, else the canonical path of the cwd or dirfd (walked
 * in the kernel, symlinks resolved) with the string appended.  Paths with
 * "." or ".." components are sent with VG_MATCH_UNNORMALIZED and matched in
 * user space after normalisation.  A symlink *inside* the user's string is
 * not resolved: see docs/file.md.  fd-named targets are matched on the
 * file's dentry, like opens.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "lib/file.bpf.h"
#include "lib/profile.bpf.h"

struct path_op {
	__u16 op;
	int dfd;
	const char *path;
	int new_dfd;
	const char *new_path;	/* NULL: none */
	bool new_raw;		/* new_path is text (a symlink target), not a path to resolve */
	__u32 flags, mode, uid, gid;
	__u64 count;
};

/* An fd-named target: match its dentry. */
static __always_inline int handle_fd_op(const struct vg_sys_args *args, const struct path_op *o,
					int fd)
{
	struct file *file = vg_fd_file(bpf_get_current_task_btf(), fd);
	struct dentry *d = BPF_CORE_READ(file, f_path.dentry);
	struct vg_scratch *s;
	struct vg_file *f;
	__u16 match = VG_MATCH_ALL;

	if (!file)
		return 0;
	if (!vg_file_all && !vg_prof_current_profiled()) {
		match = vg_watch_match_dentry_scratch(d, BPF_CORE_READ(file, f_path.mnt)) |
			vg_watch_match_dir_itself(d);
		if (!match)
			return 0;
	}
	f = vg_file_begin(&s, o->op, args);
	if (!f)
		return 0;
	f->match = match;
	f->fd = fd;
	f->flags = o->flags;
	f->mode = o->mode;
	f->uid = o->uid;
	f->gid = o->gid;
	f->count = o->count;
	vg_file_set_inode(f, d);
	vg_file_path_from_file(s, f, file);
	vg_file_emit(f);
	return 0;
}

static __always_inline int handle_path_op(struct trace_event_raw_sys_exit *ctx,
					  const struct path_op *o)
{
	struct vg_sys_args args;
	struct vg_scratch *s;
	struct vg_file *f;
	bool trunc = false, all = vg_file_all || vg_prof_current_profiled();
	__u16 match = 0;
	char c0 = 0;

	vg_sys_args_read(&args, ctx);
	if (o->flags & VG_AT_EMPTY_PATH) {
		bpf_probe_read_user(&c0, 1, o->path);
		if (!c0)
			return handle_fd_op(&args, o, o->dfd);
	}
	f = vg_file_begin(&s, o->op, &args);
	if (!f)
		return 0;
	f->flags = o->flags;
	f->mode = o->mode;
	f->uid = o->uid;
	f->gid = o->gid;
	f->count = o->count;

	f->path_len = vg_file_path_from_user(s, f->path, o->dfd, o->path, &trunc);
	if (trunc)
		f->file_flags |= VG_FILE_PATH_TRUNCATED;
	match = all ? VG_MATCH_ALL : vg_watch_match_string(s, f->path, f->path_len);
	if (vg_path_unnormalized(s, 0, f->path_len))
		match |= VG_MATCH_UNNORMALIZED;

	if (o->new_path) {
		__u16 m;

		trunc = false;
		if (o->new_raw) {
			long n = bpf_probe_read_user_str(f->new_path, VG_FILE_PATH_LEN, o->new_path);

			f->new_path_len = n > 0 ? (n - 1) & VG_FILE_MASK : 0;
			trunc = n >= VG_FILE_PATH_LEN;
		} else {
			f->new_path_len = vg_file_path_from_user(s, f->new_path, o->new_dfd,
								 o->new_path, &trunc);
			m = all ? 0 : vg_watch_match_string(s, f->new_path, f->new_path_len);
			if (m)
				match |= m | VG_MATCH_NEW_PATH;
			if (vg_path_unnormalized(s, 1, f->new_path_len))
				match |= VG_MATCH_UNNORMALIZED;
		}
		if (trunc)
			f->file_flags |= VG_FILE_NEW_PATH_TRUNCATED;
		if (!f->new_path_len) {
			/* keep the record shape: an empty new_path is still present */
			f->new_path[0] = '\0';
		}
	}
	if (!match)
		return 0;
	f->match = match;
	vg_file_emit(f);
	return 0;
}

#define REGS() ((struct pt_regs *)bpf_task_pt_regs(bpf_get_current_task_btf()))
#define ARG(n) PT_REGS_PARM##n##_CORE_SYSCALL(regs)
#define PTR(n) ((const char *)ARG(n))

SEC("tracepoint/syscalls/sys_exit_truncate")
int vg_file_truncate(struct trace_event_raw_sys_exit *ctx)
{
	struct pt_regs *regs = REGS();
	struct path_op o = { .op = VG_FILE_TRUNCATE, .dfd = VG_AT_FDCWD, .path = PTR(1),
			     .count = ARG(2) };

	return handle_path_op(ctx, &o);
}

SEC("tracepoint/syscalls/sys_exit_ftruncate")
int vg_file_ftruncate(struct trace_event_raw_sys_exit *ctx)
{
	struct pt_regs *regs = REGS();
	struct path_op o = { .op = VG_FILE_TRUNCATE, .count = ARG(2) };
	struct vg_sys_args args;

	vg_sys_args_read(&args, ctx);
	return handle_fd_op(&args, &o, (int)ARG(1));
}

SEC("tracepoint/syscalls/sys_exit_unlink")
int vg_file_unlink(struct trace_event_raw_sys_exit *ctx)
{
	struct pt_regs *regs = REGS();
	struct path_op o = { .op = VG_FILE_UNLINK, .dfd = VG_AT_FDCWD, .path = PTR(1) };

	return handle_path_op(ctx, &o);
}

SEC("tracepoint/syscalls/sys_exit_unlinkat")
int vg_file_unlinkat(struct trace_event_raw_sys_exit *ctx)
{
	struct pt_regs *regs = REGS();
	__u32 flags = ARG(3);
	struct path_op o = { .op = flags & VG_AT_REMOVEDIR ? VG_FILE_RMDIR : VG_FILE_UNLINK,
			     .dfd = (int)ARG(1), .path = PTR(2), .flags = flags };

	return handle_path_op(ctx, &o);
}

SEC("tracepoint/syscalls/sys_exit_rmdir")
int vg_file_rmdir(struct trace_event_raw_sys_exit *ctx)
{
	struct pt_regs *regs = REGS();
	struct path_op o = { .op = VG_FILE_RMDIR, .dfd = VG_AT_FDCWD, .path = PTR(1) };

	return handle_path_op(ctx, &o);
}

SEC("tracepoint/syscalls/sys_exit_mkdir")
int vg_file_mkdir(struct trace_event_raw_sys_exit *ctx)
{
	struct pt_regs *regs = REGS();
	struct path_op o = { .op = VG_FILE_MKDIR, .dfd = VG_AT_FDCWD, .path = PTR(1),
			     .mode = ARG(2) };

	return handle_path_op(ctx, &o);
}

SEC("tracepoint/syscalls/sys_exit_mkdirat")
int vg_file_mkdirat(struct trace_event_raw_sys_exit *ctx)
{
	struct pt_regs *regs = REGS();
	struct path_op o = { .op = VG_FILE_MKDIR, .dfd = (int)ARG(1), .path = PTR(2),
			     .mode = ARG(3) };

	return handle_path_op(ctx, &o);
}

SEC("tracepoint/syscalls/sys_exit_rename")
int vg_file_rename(struct trace_event_raw_sys_exit *ctx)
{
	struct pt_regs *regs = REGS();
	struct path_op o = { .op = VG_FILE_RENAME, .dfd = VG_AT_FDCWD, .path = PTR(1),
			     .new_dfd = VG_AT_FDCWD, .new_path = PTR(2) };

	return handle_path_op(ctx, &o);
}

SEC("tracepoint/syscalls/sys_exit_renameat")
int vg_file_renameat(struct trace_event_raw_sys_exit *ctx)
{
	struct pt_regs *regs = REGS();
	struct path_op o = { .op = VG_FILE_RENAME, .dfd = (int)ARG(1), .path = PTR(2),
			     .new_dfd = (int)ARG(3), .new_path = PTR(4) };

	return handle_path_op(ctx, &o);
}

SEC("tracepoint/syscalls/sys_exit_renameat2")
int vg_file_renameat2(struct trace_event_raw_sys_exit *ctx)
{
	struct pt_regs *regs = REGS();
	struct path_op o = { .op = VG_FILE_RENAME, .dfd = (int)ARG(1), .path = PTR(2),
			     .new_dfd = (int)ARG(3), .new_path = PTR(4), .flags = ARG(5) };

	return handle_path_op(ctx, &o);
}

SEC("tracepoint/syscalls/sys_exit_link")
int vg_file_link(struct trace_event_raw_sys_exit *ctx)
{
	struct pt_regs *regs = REGS();
	struct path_op o = { .op = VG_FILE_LINK, .dfd = VG_AT_FDCWD, .path = PTR(1),
			     .new_dfd = VG_AT_FDCWD, .new_path = PTR(2) };

	return handle_path_op(ctx, &o);
}

SEC("tracepoint/syscalls/sys_exit_linkat")
int vg_file_linkat(struct trace_event_raw_sys_exit *ctx)
{
	struct pt_regs *regs = REGS();
	struct path_op o = { .op = VG_FILE_LINK, .dfd = (int)ARG(1), .path = PTR(2),
			     .new_dfd = (int)ARG(3), .new_path = PTR(4), .flags = ARG(5) };

	return handle_path_op(ctx, &o);
}

SEC("tracepoint/syscalls/sys_exit_symlink")
int vg_file_symlink(struct trace_event_raw_sys_exit *ctx)
{
	struct pt_regs *regs = REGS();
	/* path = the new link, new_path = its target text */
	struct path_op o = { .op = VG_FILE_SYMLINK, .dfd = VG_AT_FDCWD, .path = PTR(2),
			     .new_path = PTR(1), .new_raw = true };

	return handle_path_op(ctx, &o);
}

SEC("tracepoint/syscalls/sys_exit_symlinkat")
int vg_file_symlinkat(struct trace_event_raw_sys_exit *ctx)
{
	struct pt_regs *regs = REGS();
	struct path_op o = { .op = VG_FILE_SYMLINK, .dfd = (int)ARG(2), .path = PTR(3),
			     .new_path = PTR(1), .new_raw = true };

	return handle_path_op(ctx, &o);
}

SEC("tracepoint/syscalls/sys_exit_chmod")
int vg_file_chmod(struct trace_event_raw_sys_exit *ctx)
{
	struct pt_regs *regs = REGS();
	struct path_op o = { .op = VG_FILE_CHMOD, .dfd = VG_AT_FDCWD, .path = PTR(1),
			     .mode = ARG(2) };

	return handle_path_op(ctx, &o);
}

SEC("tracepoint/syscalls/sys_exit_fchmod")
int vg_file_fchmod(struct trace_event_raw_sys_exit *ctx)
{
	struct pt_regs *regs = REGS();
	struct path_op o = { .op = VG_FILE_CHMOD, .mode = ARG(2) };
	struct vg_sys_args args;

	vg_sys_args_read(&args, ctx);
	return handle_fd_op(&args, &o, (int)ARG(1));
}

SEC("tracepoint/syscalls/sys_exit_fchmodat")
int vg_file_fchmodat(struct trace_event_raw_sys_exit *ctx)
{
	struct pt_regs *regs = REGS();
	struct path_op o = { .op = VG_FILE_CHMOD, .dfd = (int)ARG(1), .path = PTR(2),
			     .mode = ARG(3) };

	return handle_path_op(ctx, &o);
}

SEC("tracepoint/syscalls/sys_exit_fchmodat2")
int vg_file_fchmodat2(struct trace_event_raw_sys_exit *ctx)
{
	struct pt_regs *regs = REGS();
	struct path_op o = { .op = VG_FILE_CHMOD, .dfd = (int)ARG(1), .path = PTR(2),
			     .mode = ARG(3), .flags = ARG(4) };

	return handle_path_op(ctx, &o);
}

static __always_inline int chown_path(struct trace_event_raw_sys_exit *ctx, struct pt_regs *regs)
{
	struct path_op o = { .op = VG_FILE_CHOWN, .dfd = VG_AT_FDCWD, .path = PTR(1),
			     .uid = ARG(2), .gid = ARG(3) };

	return handle_path_op(ctx, &o);
}

SEC("tracepoint/syscalls/sys_exit_chown")
int vg_file_chown(struct trace_event_raw_sys_exit *ctx)
{
	return chown_path(ctx, REGS());
}

SEC("tracepoint/syscalls/sys_exit_lchown")
int vg_file_lchown(struct trace_event_raw_sys_exit *ctx)
{
	return chown_path(ctx, REGS());
}

SEC("tracepoint/syscalls/sys_exit_fchown")
int vg_file_fchown(struct trace_event_raw_sys_exit *ctx)
{
	struct pt_regs *regs = REGS();
	struct path_op o = { .op = VG_FILE_CHOWN, .uid = ARG(2), .gid = ARG(3) };
	struct vg_sys_args args;

	vg_sys_args_read(&args, ctx);
	return handle_fd_op(&args, &o, (int)ARG(1));
}

SEC("tracepoint/syscalls/sys_exit_fchownat")
int vg_file_fchownat(struct trace_event_raw_sys_exit *ctx)
{
	struct pt_regs *regs = REGS();
	struct path_op o = { .op = VG_FILE_CHOWN, .dfd = (int)ARG(1), .path = PTR(2),
			     .uid = ARG(3), .gid = ARG(4), .flags = ARG(5) };

	return handle_path_op(ctx, &o);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
