/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * mounts.h - find and mount the pseudo file systems vigil needs.
 *
 * The vg_mount_*() functions are idempotent: they look for a mount of the
 * right type at the canonical place in /proc/self/mounts and mount one only
 * when it is missing (logged at info).  They return 0 or -errno.
 */
#ifndef VIGIL_MOUNTS_H
#define VIGIL_MOUNTS_H

#include <stddef.h>

#define VG_TRACEFS_PATH		"/sys/kernel/tracing"
#define VG_BPFFS_PATH		"/sys/fs/bpf"
#define VG_SECURITYFS_PATH	"/sys/kernel/security"

int vg_mount_tracefs(void);	/* tracefs on /sys/kernel/tracing */
int vg_mount_bpffs(void);	/* bpf on /sys/fs/bpf */
int vg_mount_securityfs(void);	/* securityfs on /sys/kernel/security */

/*
 * Copy the mount point of the first mount of file system type `fstype`
 * (e.g. "cgroup2") into `path`.  Returns 0, -ENOENT when there is none,
 * -ENAMETOOLONG when `len` is too small, or another -errno.
 */
int vg_mount_find(const char *fstype, char *path, size_t len);

/*
 * Same for the cgroup v1 hierarchy that has `controller` (e.g. "cpu",
 * "freezer") among its mount options.
 */
int vg_mount_find_cgroup_v1(const char *controller, char *path, size_t len);

#endif /* VIGIL_MOUNTS_H */
