/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * vigil/watch.h - the file watch list as the kernel sees it (maps written
 * by src/watch.c, read by bpf/lib/watch.bpf.h).
 *
 * A watch is a path: an exact file ("/etc/shadow") or a directory subtree
 * ("/etc/sudoers.d/").  User space compiles each into
 *   - inode keys, for operations the kernel can resolve to a dentry (a
 *     successful open, fd-based operations): the watched directory's
 *     (dev, ino) with VG_WATCH_SUBTREE, or the parent directory's (dev, ino)
 *     with VG_WATCH_CHILDREN plus a (dev, dir ino, name) entry;
 *   - string keys in an LPM trie, for path-based operations (unlink,
 *     rename, ...) whose target is known only as the absolute path string.
 * Watching the parent directory and the name, not the file's own inode,
 * keeps a watch on /etc/shadow valid when the file is replaced by rename.
 */
#ifndef VIGIL_WATCH_H
#define VIGIL_WATCH_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

#define VG_WATCH_NAME_LEN	64	/* exact-watch file names up to 63 bytes */
#define VG_WATCH_KEY_LEN	256	/* string keys: the first 255 bytes of a path */
#define VG_WATCH_MAX		4096

enum vg_watch_dir_flags {
	VG_WATCH_SUBTREE = 1 << 0,	/* everything below this directory */
	VG_WATCH_CHILDREN = 1 << 1,	/* some names in it are exact watches */
};

/* (dev, ino): dev in the kernel's encoding, major << 20 | minor. */
struct vg_inode_key {
	__u64 ino;
	__u32 dev;
	__u32 _pad;
};

struct vg_name_key {
	__u64 dir_ino;
	__u32 dev;
	__u32 _pad;
	char name[VG_WATCH_NAME_LEN];	/* zero-padded */
};

/* LPM trie key: prefixlen in bits over data.  An exact watch is stored with
 * its NUL (so only the whole path matches), a subtree with a trailing '/'. */
struct vg_lpm_key {
	__u32 prefixlen;
	char data[VG_WATCH_KEY_LEN];
};

struct vg_watch_val {
	__u32 id;	/* index in the user-space watch list */
	__u32 match;	/* VG_MATCH_EXACT or VG_MATCH_PREFIX */
};

/* Cached verdict for a directory dentry: is it under a subtree watch, does
 * it hold exact watches?  Valid while gen matches vg_watch_gen and ino the
 * dentry's inode (a freed and reused dentry has another). */
struct vg_dir_verdict {
	__u64 ino;
	__u32 gen;
	__u8 subtree;
	__u8 children;
	__u16 _pad;
};

#endif /* VIGIL_WATCH_H */
