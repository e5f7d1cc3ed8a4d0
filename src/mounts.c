// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * mounts.c - /proc/self/mounts lookups and on-demand pseudo fs mounts.
 */
#include <errno.h>
#include <mntent.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>

#include "log.h"
#include "mounts.h"

#define MOUNTS_FILE "/proc/self/mounts"

/* Does `opts` (comma separated) contain the word `opt`? */
static bool has_opt(const char *opts, const char *opt)
{
	size_t n = strlen(opt);
	const char *p = opts;

	while (p && *p) {
		if (strncmp(p, opt, n) == 0 && (p[n] == ',' || p[n] == '\0'))
			return true;
		p = strchr(p, ',');
		if (p)
			p++;
	}
	return false;
}

/*
 * Walk the mount table for an entry matching `fstype` and, when given,
 * mount point `dir` and mount option `opt`.  Copies the mount point into
 * `path` when that is not NULL.
 */
static int find_mount(const char *fstype, const char *dir, const char *opt,
		      char *path, size_t len)
{
	struct mntent ent, *m;
	char line[4096];
	FILE *f;
	int err = -ENOENT;

	f = setmntent(MOUNTS_FILE, "re");
	if (!f) {
		err = -errno;
		vg_debug("cannot open '%s': %s", MOUNTS_FILE, strerror(errno));
		return err;
	}
	while ((m = getmntent_r(f, &ent, line, sizeof(line)))) {
		if (strcmp(m->mnt_type, fstype) != 0)
			continue;
		if (dir && strcmp(m->mnt_dir, dir) != 0)
			continue;
		if (opt && !has_opt(m->mnt_opts, opt))
			continue;
		err = 0;
		if (path) {
			if (strlen(m->mnt_dir) >= len)
				err = -ENAMETOOLONG;
			else
				strcpy(path, m->mnt_dir);
		}
		break;
	}
	endmntent(f);
	return err;
}

int vg_mount_find(const char *fstype, char *path, size_t len)
{
	return find_mount(fstype, NULL, NULL, path, len);
}

int vg_mount_find_cgroup_v1(const char *controller, char *path, size_t len)
{
	return find_mount("cgroup", NULL, controller, path, len);
}

static int ensure_mounted(const char *fstype, const char *dir)
{
	int err;

	err = find_mount(fstype, dir, NULL, NULL, 0);
	if (err != -ENOENT)
		return err;
	if (mount(fstype, dir, fstype, MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0) {
		err = -errno;
		/* Someone else may have mounted it in the meantime. */
		if (err == -EBUSY && find_mount(fstype, dir, NULL, NULL, 0) == 0)
			return 0;
		vg_warn("cannot mount %s on '%s': %s", fstype, dir, strerror(-err));
		return err;
	}
	vg_info("mounted %s on '%s'", fstype, dir);
	return 0;
}

int vg_mount_tracefs(void)
{
	return ensure_mounted("tracefs", VG_TRACEFS_PATH);
}

int vg_mount_bpffs(void)
{
	return ensure_mounted("bpf", VG_BPFFS_PATH);
}

int vg_mount_securityfs(void)
{
	return ensure_mounted("securityfs", VG_SECURITYFS_PATH);
}
