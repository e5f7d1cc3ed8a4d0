/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * profile_kernel.h - behaviour profiles in the kernel's maps
 * (include/vigil/profile.h): which executables are profiled and how, the
 * windows each profile knows, existing processes, and what learning saw.
 *
 * The maps come from a sensor started with VG_SENSOR_PROFILE
 * (vg_sensor_profile_maps).  Functions return 0 or -errno (not logged
 * unless said).
 */
#ifndef VIGIL_PROFILE_KERNEL_H
#define VIGIL_PROFILE_KERNEL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "sensor.h"
#include "vigil/profile.h"

/* Profile executable `exe` (an absolute path of at most VG_PROF_KEY_LEN - 1
 * bytes: -ENAMETOOLONG otherwise) in cgroup `cgroup_id` (0: any) with v
 * (v->profile_id 1..VG_PROF_USER_IDS, its mode set too); tasks that exec it
 * from now on get it.  Processes already running it there are given it too
 * (their threads at their next syscall); *seeded (may be NULL) gets how
 * many. */
int vg_prof_kernel_set_exe(const struct vg_prof_maps *m, const char *exe, uint64_t cgroup_id,
			   const struct vg_prof_exe_val *v, size_t *seeded);

/* What profile v->profile_id does from now on (mode, window, threshold),
 * for every task that has it, running ones included. */
int vg_prof_kernel_set_mode(const struct vg_prof_maps *m, const struct vg_prof_exe_val *v);

/*
 * Learn cgroup `cgroup_id` as a whole: every executable run in it from now
 * on gets a profile of its own (an id the kernel hands out, above
 * VG_PROF_USER_IDS) in tmpl's mode and window.  Processes already running
 * there are given ids here (*next_user_id: the next free user id, advanced;
 * *seeded: how many processes).
 */
int vg_prof_kernel_add_scope(const struct vg_prof_maps *m, uint64_t cgroup_id,
			     const struct vg_prof_exe_val *tmpl, uint32_t *next_user_id,
			     size_t *seeded);

/* Every profiled (cgroup, executable) and its id: fn(cgroup_id, exe, id, ctx);
 * a non-zero return stops the walk and is returned. */
typedef int (*vg_prof_exe_fn)(uint64_t cgroup_id, const char *exe, uint32_t id, void *ctx);
int vg_prof_kernel_read_exes(const struct vg_prof_maps *m, vg_prof_exe_fn fn, void *ctx);

/* The cgroup v2 id of process pid (0 when unknown). */
uint64_t vg_prof_proc_cgroup_id(pid_t pid);

/* Add known windows (vg_ngram_hash_* keys) of profile `id`; -ENOSPC when
 * the map is full (the keys added so far stay). */
int vg_prof_kernel_add_ngrams(const struct vg_prof_maps *m, uint32_t id, const uint64_t *keys,
			      size_t n);

/* Every sequence learned so far: fn(profile_id, nrs, len, count, ctx); a
 * non-zero return stops the walk and is returned. */
typedef int (*vg_prof_learned_fn)(uint32_t profile_id, const uint16_t *nrs, uint32_t len,
				  uint64_t count, void *ctx);
int vg_prof_kernel_read_learned(const struct vg_prof_maps *m, vg_prof_learned_fn fn, void *ctx);

/* The same for profile `id` only, and forget them (learning it again starts
 * from nothing). */
int vg_prof_kernel_take_learned(const struct vg_prof_maps *m, uint32_t id, vg_prof_learned_fn fn,
				void *ctx);

#endif /* VIGIL_PROFILE_KERNEL_H */
