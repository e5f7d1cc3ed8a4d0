/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * cgroup_cache.h - cgroup v2 id -> path (and the container it names).
 *
 * Filled from exec records (the kernel walked the path) and, on a miss, by
 * scanning the cgroup v2 hierarchy, where a directory's inode number is the
 * cgroup id.  Scans are rate-limited; the cache is bounded (a new entry may
 * replace an old one in its slot).
 */
#ifndef VIGIL_CGROUP_CACHE_H
#define VIGIL_CGROUP_CACHE_H

#include <stdbool.h>
#include <stdint.h>

#include "container.h"

struct vg_cgroup_entry {
	uint64_t id;
	char *path;
	bool in_container;
	struct vg_container container;
};

struct vg_cgroup_cache;

/* `v2_root`: mount point of cgroup v2, NULL to find it in /proc/self/mounts. */
struct vg_cgroup_cache *vg_cgroup_cache_new(const char *v2_root);
void vg_cgroup_cache_free(struct vg_cgroup_cache *cc);

/* Record id -> path (path relative to the v2 root, "/" for the root). */
const struct vg_cgroup_entry *vg_cgroup_cache_put(struct vg_cgroup_cache *cc, uint64_t id,
						  const char *path);

/* Look id up, scanning the hierarchy on a miss (at most once per second). */
const struct vg_cgroup_entry *vg_cgroup_cache_get(struct vg_cgroup_cache *cc, uint64_t id);

#endif /* VIGIL_CGROUP_CACHE_H */
