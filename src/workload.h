/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * workload.h - the profiled workloads of `vigil run --profile DIR`: their
 * profiles in the kernel and in the detector, their scopes, and their
 * lifecycle (docs/profiles.md, "Lifecycle").
 *
 * Each *.profile of DIR is one workload: an executable, anywhere (scope
 * exe) or only in one cgroup or container.  Scoped workloads are bound to
 * their cgroup's id when it exists, and again whenever an exec shows the
 * cgroup (re)created or the container started.
 *
 * Each workload has a mode: learn (the kernel counts its syscall sequences,
 * the profile grows with what its processes do, nothing is reported),
 * audit (anomalies are reported; policies bound to them report what they
 * would do) or enforce (policies act).  The mode comes from the profile's
 * `mode` line.  With promotion on, a workload moves by itself:
 *
 *   learn --(promote period over)--> audit --(promote period over with
 *   no budget window exceeded)--> enforce
 *
 * and back when more of its processes are reported than the alarm budget
 * allows (N per period): enforce -> audit, audit -> learn (when promoting).  Each move
 * is reported (on_change) and written into the profile's file, with what
 * learning added, so a restart resumes where it was.
 */
#ifndef VIGIL_WORKLOAD_H
#define VIGIL_WORKLOAD_H

#include <stdint.h>

#include "detect.h"
#include "event.h"
#include "sensor.h"

/* A workload changed mode. */
struct vg_workload_change {
	uint64_t time_ns;		/* realtime */
	const char *profile;		/* the executable */
	const char *scope;		/* "exe", "cgroup", "container" */
	const char *scope_of;		/* the cgroup / container; NULL for exe */
	const char *file;		/* the profile's file */
	uint32_t id;
	const char *from, *to;		/* "learn", "audit", "enforce" */
	const char *reason;
	uint64_t alarms;		/* processes reported in the current budget period */
};

typedef void (*vg_workload_change_fn)(const struct vg_workload_change *c, void *ctx);

struct vg_workloads_opts {
	const char *dir;		/* the *.profile files */
	unsigned int threshold;		/* unseen windows of 32 that make a kernel anomaly; 0: 4 */
	uint64_t promote_ns;		/* 0: no promotion; else the learn and audit periods */
	uint32_t budget;		/* anomaly reports allowed per budget period ... */
	uint64_t budget_ns;		/* ... of this long; 0: no budget */
	vg_workload_change_fn on_change;
	void *ctx;
};

struct vg_workloads;

/* Load the profiles into the kernel (sensor) and the detector; NULL on
 * failure (logged, naming FILE:LINE for a bad profile). */
struct vg_workloads *vg_workloads_load(const struct vg_workloads_opts *o,
				       struct vg_sensor *sensor, struct vg_detect *detect);
void vg_workloads_free(struct vg_workloads *w);
size_t vg_workloads_count(const struct vg_workloads *w);

/* Every event, before the detector: binds scoped workloads, and feeds the
 * profiles of learning ones. */
void vg_workloads_on_event(struct vg_workloads *w, const struct vg_event_view *ev);

/* The detector reported an anomaly (ev): the mode of its workload at the
 * time ("audit", "enforce"; NULL when the profile has no mode).  Each
 * process reported counts once against the budget (an alarm), which may
 * move the workload. */
const char *vg_workloads_on_anomaly(struct vg_workloads *w, const struct vg_event_view *ev);

/* Timers: promotions.  Call about once a second or more often. */
void vg_workloads_tick(struct vg_workloads *w);

#endif /* VIGIL_WORKLOAD_H */
