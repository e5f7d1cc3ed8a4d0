/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * flame.h - `vigil flame`, the sampling CPU profiler: perf events on every
 * online CPU drive bpf/flame/sample.bpf.c, which counts stacks in the
 * kernel; afterwards the stacks are read, symbolised (kernel: ksyms.h,
 * user: usyms.h) and folded (folded.h).  See docs/flame.md.
 */
#ifndef VIGIL_FLAME_USER_H
#define VIGIL_FLAME_USER_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "folded.h"
#include "usyms.h"
#include "vigil/flame.h"

#define VG_FLAME_DEFAULT_HZ	99

enum vg_flame_event {
	VG_FLAME_EV_AUTO = 0,		/* cycles where the CPU counts them, else cpu-clock */
	VG_FLAME_EV_CYCLES,		/* PERF_TYPE_HARDWARE, PERF_COUNT_HW_CPU_CYCLES */
	VG_FLAME_EV_CPU_CLOCK,		/* PERF_TYPE_SOFTWARE, PERF_COUNT_SW_CPU_CLOCK */
};

struct vg_flame_opts {
	uint32_t tgid;			/* 0: every process */
	uint64_t cgroup_id;		/* 0: every cgroup; else this one and below */
	uint32_t cgroup_level;		/* its depth below the cgroup v2 root */
	uint32_t frequency;		/* samples per second per CPU */
	uint64_t duration_ms;
	uint32_t stack_storage;		/* distinct stacks kept; 0: VG_FLAME_STACKS_MAX */
	enum vg_flame_event event;
	const char *ready_file;		/* created once sampling runs; NULL: none */
	volatile sig_atomic_t *stop;	/* set (by a signal) to stop early */
};

struct vg_flame_result {
	struct vg_folded folded;	/* finished: hottest first */
	uint64_t stats[VG_FLAME_ST_MAX];	/* summed over CPUs */
	enum vg_flame_event event;	/* the one used */
	char event_note[128];		/* why cycles were not used; "" if they were */
	unsigned int n_cpus;		/* sampled */
	double seconds;			/* sampling time */
	uint64_t stacks_unreadable;	/* stack ids whose stack was gone from the map */
	uint64_t user_frames, user_unresolved;
	uint64_t kernel_frames, kernel_unresolved;
	struct vg_usyms_stats usyms;
	bool kallsyms;			/* kernel symbols were readable */
};

/*
 * Sample for o->duration_ms (or until *o->stop) and fill r.  Every failure
 * is logged in one line (not root, perf events refused, the program
 * refused...).  Returns 0 or -errno; r needs vg_flame_result_release()
 * either way.
 */
int vg_flame_record(const struct vg_flame_opts *o, struct vg_flame_result *r);
void vg_flame_result_release(struct vg_flame_result *r);

const char *vg_flame_event_name(enum vg_flame_event e);	/* "cycles", "cpu-clock" */
const char *vg_flame_stat_name(enum vg_flame_stat s);	/* "samples", "idle"... */

/*
 * The cgroup v2 directory `path`, absolute or relative to the cgroup v2
 * mount: its id (inode number) and depth below the root; its path below
 * the root into rel ("/" for the root).  Returns 0, -ENOENT (no cgroup v2
 * mount, or no such directory), -ENOTDIR (not a cgroup v2 directory), or
 * another -errno.
 */
int vg_flame_cgroup(const char *path, uint64_t *id, uint32_t *level, char *rel, size_t len);

/* "0-3,5,8-9" (sysfs CPU list) into cpus[0..n): true for each listed CPU.
 * Returns how many were listed, or -EINVAL. */
int vg_cpulist_parse(const char *s, bool *cpus, size_t n);

#endif /* VIGIL_FLAME_USER_H */
