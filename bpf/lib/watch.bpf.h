/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * watch.bpf.h - does a file operation touch a watched path?  (The watch
 * list's layout and why it has both inode and string keys:
 * include/vigil/watch.h.)
 */
#ifndef VIGIL_WATCH_BPF_H
#define VIGIL_WATCH_BPF_H

#include "../maps.bpf.h"
#include "emit.bpf.h"

#define VG_WATCH_MAX_DEPTH	64

/* The struct file behind fd in task's table, or NULL. */
static __always_inline struct file *vg_fd_file(struct task_struct *task, int fd)
{
	struct fdtable *fdt = BPF_CORE_READ(task, files, fdt);
	struct file **arr;
	struct file *f = NULL;

	if (fd < 0 || (unsigned int)fd >= BPF_CORE_READ(fdt, max_fds))
		return NULL;
	arr = BPF_CORE_READ(fdt, fd);
	bpf_probe_read_kernel(&f, sizeof(f), &arr[fd]);
	return f;
}

static __always_inline void vg_inode_key_of(struct vg_inode_key *k, struct dentry *d)
{
	k->ino = BPF_CORE_READ(d, d_inode, i_ino);
	k->dev = BPF_CORE_READ(d, d_sb, s_dev);
	k->_pad = 0;
}

static __always_inline __u32 vg_watch_generation(void)
{
	__u32 zero = 0, *gen = bpf_map_lookup_elem(&vg_watch_gen, &zero);

	return gen ? *gen : 0;
}

/* One step up from s->walk.dentry, crossing mounts; s->walk.truncated is
 * set to 1 when an ancestor is a subtree watch.  Same walk as
 * vg_walk_dentry_step (lib/path.bpf.h), checking inodes instead of
 * building a string. */
static long vg_watch_ancestor_step(__u32 i, void *ctx)
{
	__u32 zero = 0;
	struct vg_scratch *s = bpf_map_lookup_elem(&vg_scratch_map, &zero);
	struct dentry *dentry, *parent, *mnt_root;
	struct vfsmount *vfsmnt;
	struct mount *mnt;
	struct vg_inode_key key;
	__u32 *flags;

	if (!s)
		return 1;
	dentry = (struct dentry *)s->walk.dentry;
	vfsmnt = (struct vfsmount *)s->walk.vfsmnt;
	mnt = (struct mount *)s->walk.mnt;
	mnt_root = BPF_CORE_READ(vfsmnt, mnt_root);
	parent = BPF_CORE_READ(dentry, d_parent);
	if (dentry == mnt_root || dentry == parent) {
		struct mount *mnt_parent = BPF_CORE_READ(mnt, mnt_parent);

		if (dentry != mnt_root || mnt == mnt_parent)
			return 1;	/* the root: no subtree watch above */
		parent = BPF_CORE_READ(mnt, mnt_mountpoint);
		s->walk.mnt = (__u64)mnt_parent;
		s->walk.vfsmnt = (__u64)&mnt_parent->mnt;
	}
	s->walk.dentry = (__u64)parent;
	vg_inode_key_of(&key, parent);
	flags = bpf_map_lookup_elem(&vg_watch_dirs, &key);
	if (flags && (*flags & VG_WATCH_SUBTREE)) {
		s->walk.truncated = 1;
		return 1;
	}
	return 0;
}

/*
 * Match a dentry (with its mount) against the watch list: VG_MATCH_PREFIX
 * if it is under (or is) a subtree watch, VG_MATCH_EXACT if it is an exact
 * watch, 0 otherwise.  The verdict for its directory is cached, so the
 * usual cost is two reads and two lookups.
 */
static __always_inline __u16 vg_watch_match_dentry(struct vg_scratch *s, struct dentry *d,
						   struct vfsmount *vfsmnt)
{
	struct dentry *dir = BPF_CORE_READ(d, d_parent);
	__u64 dir_key = (__u64)dir;
	struct vg_dir_verdict *v, fresh = {};
	struct vg_inode_key key;
	struct vg_watch_val *w;
	__u32 *flags, gen = vg_watch_generation();
	__u16 match = 0;

	vg_inode_key_of(&key, dir);
	v = bpf_map_lookup_elem(&vg_dir_verdicts, &dir_key);
	if (!v || v->gen != gen || v->ino != key.ino) {
		fresh.ino = key.ino;
		fresh.gen = gen;
		flags = bpf_map_lookup_elem(&vg_watch_dirs, &key);
		if (flags) {
			fresh.subtree = !!(*flags & VG_WATCH_SUBTREE);
			fresh.children = !!(*flags & VG_WATCH_CHILDREN);
		}
		if (!fresh.subtree && dir != d) {
			s->walk.dentry = (__u64)dir;
			s->walk.vfsmnt = (__u64)vfsmnt;
			s->walk.mnt = (__u64)container_of(vfsmnt, struct mount, mnt);
			s->walk.truncated = 0;
			bpf_loop(VG_WATCH_MAX_DEPTH, vg_watch_ancestor_step, NULL, 0);
			fresh.subtree = s->walk.truncated;
		}
		bpf_map_update_elem(&vg_dir_verdicts, &dir_key, &fresh, BPF_ANY);
		v = &fresh;
	}
	if (v->subtree)
		match |= VG_MATCH_PREFIX;
	if (v->children) {
		struct vg_name_key *nk = &s->name_key;

		__builtin_memset(nk, 0, sizeof(*nk));
		nk->dir_ino = key.ino;
		nk->dev = key.dev;
		bpf_probe_read_kernel_str(nk->name, sizeof(nk->name), BPF_CORE_READ(d, d_name.name));
		w = bpf_map_lookup_elem(&vg_watch_names, nk);
		if (w)
			match |= VG_MATCH_EXACT;
	}
	return match;
}

/* Same, fetching the scratch space itself. */
static __always_inline __u16 vg_watch_match_dentry_scratch(struct dentry *d, struct vfsmount *m)
{
	struct vg_scratch *s = vg_scratch();

	return s ? vg_watch_match_dentry(s, d, m) : 0;
}

/* The target itself is a watched directory (the subtree root). */
static __always_inline __u16 vg_watch_match_dir_itself(struct dentry *d)
{
	struct vg_inode_key key;
	__u32 *flags;

	vg_inode_key_of(&key, d);
	flags = bpf_map_lookup_elem(&vg_watch_dirs, &key);
	return flags && (*flags & VG_WATCH_SUBTREE) ? VG_MATCH_PREFIX : 0;
}

/* Match an absolute path string of len bytes (NUL at path[len]) in the LPM trie. */
static __always_inline __u16 vg_watch_match_string(struct vg_scratch *s, const char *path,
						   __u32 len)
{
	struct vg_watch_val *w;
	__u32 klen = len + 1;

	if (klen > VG_WATCH_KEY_LEN)
		klen = VG_WATCH_KEY_LEN;
	barrier_var(klen);
	bpf_probe_read_kernel(s->lpm.data, klen & (VG_WATCH_KEY_LEN - 1) ?: VG_WATCH_KEY_LEN, path);
	s->lpm.prefixlen = klen * 8;
	w = bpf_map_lookup_elem(&vg_watch_lpm, &s->lpm);
	return w ? w->match : 0;
}

#endif /* VIGIL_WATCH_BPF_H */
