/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * metrics_sched.h - the scheduler's and block I/O's metrics for `vigil run
 * --metrics` (docs/metrics.md): the machine's run-queue latency histogram,
 * per-cgroup CPU time, block I/O latency and size histograms and byte and
 * request counters per disk.  Read from the kernel's aggregates (and the
 * sched sampler's cgroup sums) at each collection.
 */
#ifndef VIGIL_METRICS_SCHED_H
#define VIGIL_METRICS_SCHED_H

struct vg_metrics;
struct vg_sensor;
struct vg_sched_sampler;

struct vg_sched_metrics;

/* Register what the loaded sensors give (nothing when neither the sched nor
 * the block sensor is loaded) and their collector.  sampler may be NULL (no
 * per-cgroup series then).  sensor and sampler must outlive the result,
 * which must outlive the registry's collections.  NULL (errno set) on
 * failure. */
struct vg_sched_metrics *vg_sched_metrics_new(struct vg_metrics *reg,
					      const struct vg_sensor *sensor,
					      const struct vg_sched_sampler *sampler);
void vg_sched_metrics_free(struct vg_sched_metrics *sm);

#endif /* VIGIL_METRICS_SCHED_H */
