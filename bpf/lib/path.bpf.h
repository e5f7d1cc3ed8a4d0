/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * path.bpf.h - absolute paths without bpf_d_path (not callable from
 * tracepoints): walk dentries and mounts, or kernfs nodes for cgroups,
 * writing components right to left into the per-CPU scratch path buffer.
 *
 * The buffer is 2 * VG_PATH_BUF bytes; the path is built to end at
 * VG_PATH_BUF - 1 and every write offset is masked with VG_PATH_BUF - 1, so
 * the verifier sees each write inside the buffer.
 */
#ifndef VIGIL_PATH_BPF_H
#define VIGIL_PATH_BPF_H

#include "../maps.bpf.h"

#define VG_PATH_MAX_DEPTH	64
#define VG_NAME_MAX		255
#define VG_PATH_MASK		(VG_PATH_BUF - 1)

/* kernfs_node.parent was renamed __parent in v6.15 (commit 633488947ef6). */
struct kernfs_node___old {
	struct kernfs_node *parent;
} __attribute__((preserve_access_index));

static __always_inline struct kernfs_node *vg_kn_parent(struct kernfs_node *kn)
{
	if (bpf_core_field_exists(kn->__parent))
		return BPF_CORE_READ(kn, __parent);
	return BPF_CORE_READ((struct kernfs_node___old *)kn, parent);
}

/*
 * Prepend "/name" (len bytes at kernel address `name`) before *off.
 * Returns false when it does not fit: the path is then truncated.
 */
static __always_inline bool vg_path_prepend(char *buf, __u32 *off, const char *name, __u32 len)
{
	if (len > VG_NAME_MAX)
		len = VG_NAME_MAX;
	if (len + 1 > *off)
		return false;
	*off -= len;
	bpf_probe_read_kernel(&buf[*off & VG_PATH_MASK], len & VG_NAME_MAX, name);
	*off -= 1;
	buf[*off & VG_PATH_MASK] = '/';
	return true;
}

/*
 * The walks run under bpf_loop() (v5.17+), so the verifier checks one step
 * once instead of every unrolled iteration.  A step returns 1 to stop.
 */
static __always_inline struct vg_scratch *vg_walk_scratch(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&vg_scratch_map, &zero);
}

static long vg_walk_dentry_step(__u32 i, void *ctx)
{
	struct vg_scratch *s = vg_walk_scratch();
	struct dentry *dentry, *parent, *mnt_root;
	struct vfsmount *vfsmnt;
	struct mount *mnt;

	if (!s)
		return 1;
	dentry = (struct dentry *)s->walk.dentry;
	vfsmnt = (struct vfsmount *)s->walk.vfsmnt;
	mnt = (struct mount *)s->walk.mnt;
	mnt_root = BPF_CORE_READ(vfsmnt, mnt_root);
	parent = BPF_CORE_READ(dentry, d_parent);

	if (dentry == mnt_root || dentry == parent) {
		struct mount *mnt_parent = BPF_CORE_READ(mnt, mnt_parent);

		if (dentry != mnt_root || mnt == mnt_parent) {
			s->walk.truncated = 0;	/* reached the root */
			return 1;
		}
		/* Cross to the mount point in the parent mount. */
		s->walk.dentry = (__u64)BPF_CORE_READ(mnt, mnt_mountpoint);
		s->walk.mnt = (__u64)mnt_parent;
		s->walk.vfsmnt = (__u64)&mnt_parent->mnt;
		return 0;
	}
	if (!vg_path_prepend(s->path, &s->walk.off,
			     (const char *)BPF_CORE_READ(dentry, d_name.name),
			     BPF_CORE_READ(dentry, d_name.len)))
		return 1;
	s->walk.dentry = (__u64)parent;
	return 0;
}

static long vg_walk_kn_step(__u32 i, void *ctx)
{
	struct vg_scratch *s = vg_walk_scratch();
	struct kernfs_node *kn, *parent;
	long n;

	if (!s)
		return 1;
	kn = (struct kernfs_node *)s->walk.kn;
	parent = vg_kn_parent(kn);
	if (!parent) {		/* the root's own name is not part of the path */
		s->walk.truncated = 0;
		return 1;
	}
	n = bpf_probe_read_kernel_str(s->name, sizeof(s->name), BPF_CORE_READ(kn, name));
	if (n <= 1 || !vg_path_prepend(s->path, &s->walk.off, s->name, n - 1))
		return 1;
	s->walk.kn = (__u64)parent;
	return 0;
}

static __always_inline void vg_walk_init(struct vg_scratch *s)
{
	s->walk.off = VG_PATH_BUF - 1;
	s->walk.truncated = 1;
	s->path[VG_PATH_BUF - 1] = '\0';
}

/* An empty path is the root: "/".  Returns the start offset in s->path. */
static __always_inline __u32 vg_walk_finish(struct vg_scratch *s, bool *truncated)
{
	__u32 off = s->walk.off;

	*truncated = s->walk.truncated;
	if (off >= VG_PATH_BUF - 1) {
		off = VG_PATH_BUF - 2;
		s->path[off] = '/';
	}
	return off;
}

/*
 * Absolute path of `f` (relative to the root of its mount namespace) into
 * s->path; returns the start offset, the path ends at VG_PATH_BUF - 1
 * (NUL).  *truncated is set when components were dropped.
 */
static __always_inline __u32 vg_path_of_dentry(struct vg_scratch *s, struct dentry *dentry,
					       struct vfsmount *vfsmnt, bool *truncated)
{
	vg_walk_init(s);
	s->walk.dentry = (__u64)dentry;
	s->walk.vfsmnt = (__u64)vfsmnt;
	s->walk.mnt = (__u64)container_of(vfsmnt, struct mount, mnt);
	bpf_loop(VG_PATH_MAX_DEPTH, vg_walk_dentry_step, NULL, 0);
	return vg_walk_finish(s, truncated);
}

static __always_inline __u32 vg_path_of_file(struct vg_scratch *s, struct file *f,
					     bool *truncated)
{
	return vg_path_of_dentry(s, BPF_CORE_READ(f, f_path.dentry), BPF_CORE_READ(f, f_path.mnt),
				 truncated);
}

/* cgroup v2 path ("/a/b", "/" for the root) of a kernfs node, same conventions. */
static __always_inline __u32 vg_path_of_kn(struct vg_scratch *s, struct kernfs_node *kn,
					   bool *truncated)
{
	vg_walk_init(s);
	s->walk.kn = (__u64)kn;
	bpf_loop(VG_PATH_MAX_DEPTH, vg_walk_kn_step, NULL, 0);
	return vg_walk_finish(s, truncated);
}

/* Copy the path at buf+off into dst (dst_len a power of two); returns its length. */
static __always_inline __u32 vg_path_copy(char *dst, __u32 dst_len, const char *buf, __u32 off,
					  bool *truncated)
{
	__u32 len = VG_PATH_BUF - 1 - off;

	if (len > dst_len - 1) {
		/* Keep the tail: the file name matters more than the top directories. */
		off += len - (dst_len - 1);
		len = dst_len - 1;
		*truncated = true;
	}
	/* len < dst_len here; the barrier keeps clang from dropping the mask
	 * that shows the verifier the bound. */
	barrier_var(len);
	bpf_probe_read_kernel(dst, (len & (dst_len - 1)) + 1, &buf[off & VG_PATH_MASK]);
	return len;
}

#endif /* VIGIL_PATH_BPF_H */
