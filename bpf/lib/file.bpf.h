/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * file.bpf.h - building and sending struct vg_file records.
 *
 * Every file program runs at syscall exit (so it has the result) and reads
 * the syscall's arguments from the task's saved user registers, which the
 * syscall does not change: one program per syscall, no enter/exit pairing.
 */
#ifndef VIGIL_FILE_BPF_H
#define VIGIL_FILE_BPF_H

#include "emit.bpf.h"
#include "path.bpf.h"
#include "policy.bpf.h"
#include "task.bpf.h"
#include "watch.bpf.h"

#define VG_AT_FDCWD		-100
#define VG_AT_REMOVEDIR		0x200
#define VG_AT_EMPTY_PATH	0x1000
#define VG_O_ACCMODE		3
#define VG_O_CREAT		0100
#define VG_O_TRUNC		01000
#define VG_S_IFMT		00170000
#define VG_S_IFREG		0100000
#define VG_FILE_MASK		(VG_FILE_PATH_LEN - 1)

struct vg_sys_args {
	__u64 a[6];
	long ret;
	__u32 nr;
};

/* Arguments and result of the syscall this exit tracepoint reports. */
static __always_inline void vg_sys_args_read(struct vg_sys_args *args,
					     struct trace_event_raw_sys_exit *ctx)
{
	struct pt_regs *regs = (struct pt_regs *)bpf_task_pt_regs(bpf_get_current_task_btf());

	args->a[0] = PT_REGS_PARM1_CORE_SYSCALL(regs);
	args->a[1] = PT_REGS_PARM2_CORE_SYSCALL(regs);
	args->a[2] = PT_REGS_PARM3_CORE_SYSCALL(regs);
	args->a[3] = PT_REGS_PARM4_CORE_SYSCALL(regs);
	args->a[4] = PT_REGS_PARM5_CORE_SYSCALL(regs);
	args->ret = ctx->ret;
	args->nr = (__u32)ctx->id;
}

/* Start a record in the scratch space; NULL when this task is not reported. */
static __always_inline struct vg_file *vg_file_begin(struct vg_scratch **sp, __u16 op,
						     const struct vg_sys_args *args)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct vg_scratch *s;
	struct vg_file *f;

	if (!vg_task_wanted(task))
		return NULL;
	s = vg_scratch();
	if (!s)
		return NULL;
	*sp = s;
	f = &s->file;
	__builtin_memset(f, 0, VG_FILE_FIXED_SIZE);
	f->hdr.type = VG_EV_FILE;
	f->hdr.version = VG_FILE_VERSION;
	f->hdr.ts_ns = bpf_ktime_get_boot_ns();
	vg_task_fill(&f->hdr.task, task);
	f->syscall = args->nr;
	f->op = op;
	f->result = args->ret;
	f->fd = -1;
	f->offset = -1;
	f->path[0] = '\0';
	f->new_path[0] = '\0';
	return f;
}

/* Fill target inode facts from a dentry. */
static __always_inline void vg_file_set_inode(struct vg_file *f, struct dentry *d)
{
	struct inode *inode = BPF_CORE_READ(d, d_inode);

	f->ino = BPF_CORE_READ(inode, i_ino);
	f->dev = BPF_CORE_READ(d, d_sb, s_dev);
	f->i_mode = BPF_CORE_READ(inode, i_mode);
}

/* f->path = the canonical path of an open file. */
static __always_inline void vg_file_path_from_file(struct vg_scratch *s, struct vg_file *f,
						   struct file *file)
{
	bool trunc = false;
	__u32 off = vg_path_of_file(s, file, &trunc);

	f->path_len = vg_path_copy(f->path, VG_FILE_PATH_LEN, s->path, off, &trunc);
	f->file_flags |= VG_FILE_PATH_CANONICAL | (trunc ? VG_FILE_PATH_TRUNCATED : 0);
}

/* Scanning a path for "." and ".." components (state in s->walk). */
static long vg_dot_scan_step(__u32 i, void *ctx)
{
	__u32 zero = 0;
	struct vg_scratch *s = bpf_map_lookup_elem(&vg_scratch_map, &zero);
	const char *p;
	__u32 at;

	if (!s)
		return 1;
	p = s->walk.off ? s->file.new_path : s->file.path;
	at = i & VG_FILE_MASK;
	if (at + 3 >= VG_FILE_PATH_LEN || p[at] == '\0')
		return 1;
	if (p[at] == '/' && p[at + 1] == '.' &&
	    (p[at + 2] == '/' || p[at + 2] == '\0' ||
	     (p[at + 2] == '.' && (p[at + 3] == '/' || p[at + 3] == '\0')))) {
		s->walk.truncated = 1;
		return 1;
	}
	return 0;
}

/* Does f->path (which = 0) or f->new_path (which = 1) have "." or ".." parts? */
static __always_inline bool vg_path_unnormalized(struct vg_scratch *s, int which, __u32 len)
{
	s->walk.off = which;
	s->walk.truncated = 0;
	bpf_loop(len + 1 < VG_FILE_PATH_LEN ? len + 1 : VG_FILE_PATH_LEN, vg_dot_scan_step, NULL, 0);
	return s->walk.truncated;
}

/*
 * dst (f->path or f->new_path) = absolute form of the user's path string:
 * as given when it starts with '/', else appended to the canonical path of
 * dirfd's directory (or of the cwd for AT_FDCWD).  Returns its length.
 */
static __always_inline __u32 vg_file_path_from_user(struct vg_scratch *s, char *dst, int dirfd,
						    const char *upath, bool *trunc)
{
	struct task_struct *task = bpf_get_current_task_btf();
	char c0 = 0;
	__u32 pos = 0, rem, off;
	long n;

	bpf_probe_read_user(&c0, 1, upath);
	if (c0 != '/') {
		struct dentry *base;
		struct vfsmount *mnt;

		if (dirfd == VG_AT_FDCWD) {
			base = BPF_CORE_READ(task, fs, pwd.dentry);
			mnt = BPF_CORE_READ(task, fs, pwd.mnt);
		} else {
			struct file *dir = vg_fd_file(task, dirfd);

			base = BPF_CORE_READ(dir, f_path.dentry);
			mnt = BPF_CORE_READ(dir, f_path.mnt);
		}
		off = vg_path_of_dentry(s, base, mnt, trunc);
		pos = vg_path_copy(dst, VG_FILE_PATH_LEN, s->path, off, trunc);
		if (pos > 1) {		/* "/" already ends in a slash */
			dst[pos & VG_FILE_MASK] = '/';
			pos++;
		}
	}
	pos &= VG_FILE_MASK;
	rem = VG_FILE_PATH_LEN - pos;
	barrier_var(rem);
	n = bpf_probe_read_user_str(&dst[pos], rem & (2 * VG_FILE_PATH_LEN - 1), upath);
	if (n <= 0) {
		vg_count_loss(VG_LOSS_PATH_READ);
		dst[pos] = '\0';
		return pos;
	}
	if ((__u32)n >= rem)
		*trunc = true;
	return (pos + n - 1) & VG_FILE_MASK;
}

/* Send f: it ends after new_path when there is one, else after path. */
static __always_inline void vg_file_emit(struct vg_file *f)
{
	__u32 size = f->new_path_len ? VG_FILE_NEW_PATH_OFF + f->new_path_len + 1
				     : VG_FILE_FIXED_SIZE + f->path_len + 1;

	if (size > sizeof(*f))
		return;
	vg_pol_file_check(f);
	f->hdr.size = size;
	barrier_var(size);
	vg_emit(f, size & 4095, VG_EV_FILE);
}

#endif /* VIGIL_FILE_BPF_H */
