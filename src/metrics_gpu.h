/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * metrics_gpu.h - the GPU driver sensor's metrics for `vigil run --gpu
 * --metrics` (docs/gpu.md, docs/metrics.md): CUDA driver calls and errors
 * per function and comm, a call latency histogram per function, allocated
 * bytes.  Read from the tracker's totals (kernel aggregates plus the
 * processes that exited) at each collection.
 */
#ifndef VIGIL_METRICS_GPU_H
#define VIGIL_METRICS_GPU_H

#include <stddef.h>
#include <stdint.h>

#include "vigil/sched.h"	/* VG_HIST_SLOTS */

struct vg_metrics;
struct vg_gpu_tracker;
struct vg_gpu_metrics;

/* Finite bucket bounds of vigil_gpu_call_duration_seconds: one per kernel
 * log2 microsecond slot but the last, which also holds everything the
 * kernel capped into it and so is the +Inf bucket. */
#define VG_GPU_LATENCY_BOUNDS	(VG_HIST_SLOTS - 1)

/* The bounds in seconds: slot k holds [2^(k-1), 2^k) us (slot 0: < 1 us),
 * so its `le` is 2^k us: 1e-06, 2e-06, 4e-06, ... 2^30 us (1073.7 s). */
void vg_gpu_latency_bounds(double bounds[VG_GPU_LATENCY_BOUNDS]);

/* Register the metrics and their collector.  t must outlive the result,
 * which must outlive the registry's collections.  NULL (errno set) on
 * failure. */
struct vg_gpu_metrics *vg_gpu_metrics_new(struct vg_metrics *reg, struct vg_gpu_tracker *t);
void vg_gpu_metrics_free(struct vg_gpu_metrics *gm);

#endif /* VIGIL_METRICS_GPU_H */
