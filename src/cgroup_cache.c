// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#include <errno.h>
#include <ftw.h>
#include <mntent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cgroup_cache.h"

#define CACHE_SLOTS 4096	/* power of two */
#define SCAN_MAX_ENTRIES 65536
#define SCAN_MIN_INTERVAL_NS 1000000000ULL

struct vg_cgroup_cache {
	char *root;		/* NULL: no cgroup v2 mounted */
	uint64_t last_scan_ns;
	struct vg_cgroup_entry slots[CACHE_SLOTS];
};

static char *find_v2_root(void)
{
	FILE *f = setmntent("/proc/self/mounts", "r");
	struct mntent *m;
	char *root = NULL;

	if (!f)
		return NULL;
	while ((m = getmntent(f))) {
		if (!strcmp(m->mnt_type, "cgroup2")) {
			root = strdup(m->mnt_dir);
			break;
		}
	}
	endmntent(f);
	return root;
}

struct vg_cgroup_cache *vg_cgroup_cache_new(const char *v2_root)
{
	struct vg_cgroup_cache *cc = calloc(1, sizeof(*cc));

	if (!cc)
		return NULL;
	cc->root = v2_root ? strdup(v2_root) : find_v2_root();
	return cc;
}

void vg_cgroup_cache_free(struct vg_cgroup_cache *cc)
{
	if (!cc)
		return;
	for (size_t i = 0; i < CACHE_SLOTS; i++)
		free(cc->slots[i].path);
	free(cc->root);
	free(cc);
}

static struct vg_cgroup_entry *slot_of(struct vg_cgroup_cache *cc, uint64_t id)
{
	/* Fibonacci hashing: cgroup ids are sequential. */
	return &cc->slots[(id * 0x9E3779B97F4A7C15ULL) >> 52 & (CACHE_SLOTS - 1)];
}

const struct vg_cgroup_entry *vg_cgroup_cache_put(struct vg_cgroup_cache *cc, uint64_t id,
						  const char *path)
{
	struct vg_cgroup_entry *e = slot_of(cc, id);
	char *copy;

	if (e->id == id && e->path && !strcmp(e->path, path))
		return e;
	copy = strdup(path);
	if (!copy)
		return NULL;
	free(e->path);
	e->id = id;
	e->path = copy;
	e->in_container = vg_container_from_cgroup(path, &e->container);
	return e;
}

/* nftw has no user pointer: the scan in progress. */
static struct vg_cgroup_cache *scan_cc;
static size_t scan_root_len;
static size_t scan_count;

static int scan_one(const char *fpath, const struct stat *st, int type, struct FTW *ftw)
{
	const char *rel = fpath + scan_root_len;

	if (type != FTW_D)
		return 0;
	if (++scan_count > SCAN_MAX_ENTRIES)
		return 1;
	vg_cgroup_cache_put(scan_cc, st->st_ino, *rel ? rel : "/");
	return 0;
}

static void scan(struct vg_cgroup_cache *cc)
{
	struct timespec ts;
	uint64_t now;

	if (!cc->root)
		return;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	now = (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
	if (cc->last_scan_ns && now - cc->last_scan_ns < SCAN_MIN_INTERVAL_NS)
		return;
	cc->last_scan_ns = now;
	scan_cc = cc;
	scan_root_len = strlen(cc->root);
	scan_count = 0;
	nftw(cc->root, scan_one, 16, FTW_PHYS | FTW_MOUNT);
	scan_cc = NULL;
}

const struct vg_cgroup_entry *vg_cgroup_cache_get(struct vg_cgroup_cache *cc, uint64_t id)
{
	struct vg_cgroup_entry *e = slot_of(cc, id);

	if (e->id == id && e->path)
		return e;
	scan(cc);
	e = slot_of(cc, id);
	return e->id == id && e->path ? e : NULL;
}
