// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * metrics_gpu.c - GPU driver call metrics (metrics_gpu.h).
 *
 * Cardinality: per-process labels are unbounded, so there are none.
 * Counters and the allocation gauge carry `comm`, capped at
 * VG_GPU_COMMS_MAX values (the first seen; later ones are "other", a
 * sticky choice so that no counter ever moves between series); the latency
 * histogram, 32 series per label set, carries `function` only.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "gpu.h"
#include "metrics.h"
#include "metrics_gpu.h"

struct vg_gpu_metrics {
	struct vg_gpu_tracker *t;
	struct vg_gpu_totals tot;	/* the last collection (large: not on the stack) */
	struct vg_metric *calls, *errors, *duration, *alloc_bytes, *allocated, *procs, *dropped;
};

void vg_gpu_latency_bounds(double bounds[VG_GPU_LATENCY_BOUNDS])
{
	for (size_t k = 0; k < VG_GPU_LATENCY_BOUNDS; k++)
		bounds[k] = (double)(1ULL << k) * 1e-6;
}

static void collect(struct vg_metrics *reg, void *ctx)
{
	struct vg_gpu_metrics *gm = ctx;
	struct vg_gpu_totals *tot = &gm->tot;
	size_t n_comms;

	if (vg_gpu_totals(gm->t, tot))
		return;
	n_comms = tot->comms->n;
	for (size_t c = 0; c <= VG_GPU_COMMS_MAX; c++) {
		const struct vg_gpu_proc *p = &tot->by_comm[c];
		const char *comm = c < n_comms ? tot->comms->name[c] : VG_METRICS_OTHER;
		const char *lc[] = { comm };

		if (c >= n_comms && !(c == VG_GPU_COMMS_MAX && tot->comms->other))
			continue;
		for (unsigned int f = 0; f < VG_GPU_FN_MAX; f++) {
			const char *lf[] = { vg_gpu_fn_name(f), comm };

			vg_metrics_set(gm->calls, lf, (double)p->fn[f].calls);
			vg_metrics_set(gm->errors, lf, (double)p->fn[f].errors);
		}
		vg_metrics_set(gm->alloc_bytes, lc, (double)p->alloc_bytes);
		vg_metrics_set(gm->allocated, lc, (double)p->allocated_bytes);
	}
	for (unsigned int f = 0; f < VG_GPU_FN_MAX; f++) {
		const char *lf[] = { vg_gpu_fn_name(f) };
		uint64_t counts[VG_HIST_SLOTS] = { 0 };
		uint64_t ns = 0;

		for (size_t c = 0; c <= VG_GPU_COMMS_MAX; c++) {
			ns += tot->by_comm[c].fn[f].latency_ns;
			for (int i = 0; i < VG_HIST_SLOTS; i++)
				counts[i] += tot->by_comm[c].fn[f].hist[i];
		}
		/* VG_HIST_SLOTS counts for VG_HIST_SLOTS - 1 bounds: the last is +Inf */
		vg_metrics_histogram_set_buckets(gm->duration, lf, counts, VG_HIST_SLOTS,
						 (double)ns / 1e9);
	}
	vg_metrics_set(gm->procs, NULL, tot->processes);
	for (unsigned int r = 0; r < VG_GPU_DROP_MAX; r++) {
		const char *lr[] = { vg_gpu_drop_name(r) };

		vg_metrics_set(gm->dropped, lr, (double)tot->drops[r]);
	}
}

struct vg_gpu_metrics *vg_gpu_metrics_new(struct vg_metrics *reg, struct vg_gpu_tracker *t)
{
	struct vg_gpu_metrics *gm = calloc(1, sizeof(*gm));
	double le[VG_GPU_LATENCY_BOUNDS];

	if (!gm)
		return NULL;
	gm->t = t;
	vg_gpu_latency_bounds(le);
	gm->calls = vg_metrics_counter(reg, "vigil_gpu_calls_total",
		"CUDA driver API calls that returned, by function and process comm (the first 16 "
		"comms; then other).", "function,comm");
	gm->errors = vg_metrics_counter(reg, "vigil_gpu_call_errors_total",
		"CUDA driver API calls that returned an error (CUresult != 0), by function and comm.",
		"function,comm");
	gm->duration = vg_metrics_histogram(reg, "vigil_gpu_call_duration_seconds",
		"CUDA driver API calls from entry to return, by function (all processes).",
		"function", le, VG_GPU_LATENCY_BOUNDS);
	gm->alloc_bytes = vg_metrics_counter(reg, "vigil_gpu_alloc_bytes_total",
		"Bytes allocated by successful cuMemAlloc_v2 calls, by comm.", "comm");
	gm->allocated = vg_metrics_gauge(reg, "vigil_gpu_allocated_bytes",
		"Device memory allocated with cuMemAlloc_v2 since vigil attached and not freed, "
		"by running processes, by comm.", "comm");
	gm->procs = vg_metrics_gauge(reg, "vigil_gpu_processes",
		"Running processes that called the CUDA driver API.", "");
	gm->dropped = vg_metrics_counter(reg, "vigil_gpu_untracked_total",
		"CUDA driver calls or allocations not fully accounted, by reason (docs/gpu.md).",
		"reason");
	if (!gm->calls || !gm->errors || !gm->duration || !gm->alloc_bytes || !gm->allocated ||
	    !gm->procs || !gm->dropped || vg_metrics_add_collector(reg, collect, gm)) {
		free(gm);
		errno = errno ? errno : ENOMEM;
		return NULL;
	}
	return gm;
}

void vg_gpu_metrics_free(struct vg_gpu_metrics *gm)
{
	free(gm);
}
