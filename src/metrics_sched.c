// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * metrics_sched.c - scheduler and block I/O metrics (metrics_sched.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "metrics.h"
#include "metrics_sched.h"
#include "sched_sampler.h"
#include "sensor.h"

#define SLOTS VG_HIST_SLOTS

struct vg_sched_metrics {
	struct vg_sched_maps m;
	const struct vg_sched_sampler *sampler;
	struct vg_metric *runq, *cg_cpu, *cg_runq;
	struct vg_metric *io_lat, *io_size, *io_bytes, *io_reqs;
};

/*
 * The kernel's log2 slots (include/vigil/sched.h): slot 0 holds values
 * below 1 unit, slot k (k >= 1) values in [2^(k-1), 2^k) units: the upper
 * bound of slot k is 2^k units.
 */
static void slot_bounds(double *b, size_t n, double unit)
{
	for (size_t i = 0; i < n; i++)
		b[i] = (double)(1ULL << i) * unit;
}

static void set_hist(struct vg_metric *h, const char *const *labels, const __u64 *slots,
		     double sum)
{
	uint64_t counts[SLOTS];

	for (int i = 0; i < SLOTS; i++)
		counts[i] = slots[i];
	vg_metrics_histogram_set_buckets(h, labels, counts, SLOTS, sum);
}

static int cgroup_series(uint64_t id, const struct vg_sched_stat *st, void *ctx)
{
	struct vg_sched_metrics *sm = ctx;
	char idbuf[24];
	const char *labels[] = { idbuf };

	snprintf(idbuf, sizeof(idbuf), "%llu", (unsigned long long)id);
	vg_metrics_set(sm->cg_cpu, labels, (double)st->cpu_ns / 1e9);
	vg_metrics_set(sm->cg_runq, labels, (double)st->runq_ns / 1e9);
	return 0;
}

static int disk_series(uint64_t key, const void *value, void *ctx)
{
	struct vg_sched_metrics *sm = ctx;
	const struct vg_block_stat *st = value;
	char name[sizeof(st->name) + 1];
	const char *lab[] = { name };
	const char *rd[] = { name, "read" }, *wr[] = { name, "write" };

	memcpy(name, st->name, sizeof(st->name));
	name[sizeof(st->name)] = '\0';
	if (!name[0])
		snprintf(name, sizeof(name), "%u:%u", (unsigned int)(key >> 20),
			 (unsigned int)(key & ((1u << 20) - 1)));
	set_hist(sm->io_lat, lab, st->latency_hist, (double)st->latency_ns / 1e9);
	set_hist(sm->io_size, lab, st->size_hist, (double)(st->bytes[0] + st->bytes[1]));
	vg_metrics_set(sm->io_bytes, rd, (double)st->bytes[0]);
	vg_metrics_set(sm->io_bytes, wr, (double)st->bytes[1]);
	vg_metrics_set(sm->io_reqs, rd, (double)st->count[0]);
	vg_metrics_set(sm->io_reqs, wr, (double)st->count[1]);
	return 0;
}

static void collect(struct vg_metrics *reg, void *ctx)
{
	struct vg_sched_metrics *sm = ctx;
	struct vg_sched_stat total;

	if (sm->runq && !vg_sched_read_total(&sm->m, &total))
		set_hist(sm->runq, NULL, total.runq_hist, (double)total.runq_ns / 1e9);
	if (sm->cg_cpu && sm->sampler)
		vg_sched_each_cgroup(sm->sampler, cgroup_series, sm);
	if (sm->io_lat)
		vg_sched_each(sm->m.block_devs, sizeof(uint32_t), sizeof(struct vg_block_stat),
			      disk_series, sm);
}

struct vg_sched_metrics *vg_sched_metrics_new(struct vg_metrics *reg,
					      const struct vg_sensor *sensor,
					      const struct vg_sched_sampler *sampler)
{
	struct vg_sched_metrics *sm = calloc(1, sizeof(*sm));
	double us[SLOTS], bytes[SLOTS];

	if (!sm)
		return NULL;
	vg_sensor_sched_maps(sensor, &sm->m);
	sm->sampler = sampler;
	slot_bounds(us, SLOTS, 1e-6);
	slot_bounds(bytes, SLOTS, 1.0);
	if (sm->m.procs >= 0) {
		sm->runq = vg_metrics_histogram(reg, "vigil_runqueue_latency_seconds",
						"Time tasks waited on a run queue before running "
						"(the whole machine).", "", us, SLOTS);
		if (sampler) {
			sm->cg_cpu = vg_metrics_counter(reg, "vigil_cgroup_cpu_seconds_total",
							"CPU time of the processes of each cgroup v2 "
							"since vigil started.", "cgroup_id");
			sm->cg_runq = vg_metrics_counter(reg, "vigil_cgroup_runqueue_wait_seconds_total",
							 "Time the tasks of each cgroup v2 waited on "
							 "run queues since vigil started.", "cgroup_id");
		}
	}
	if (sm->m.block_devs >= 0) {
		sm->io_lat = vg_metrics_histogram(reg, "vigil_block_io_latency_seconds",
						  "Block I/O requests from issue to completion, "
						  "per disk.", "disk", us, SLOTS);
		sm->io_size = vg_metrics_histogram(reg, "vigil_block_io_size_bytes",
						   "Block I/O request sizes, per disk.", "disk", bytes,
						   SLOTS);
		sm->io_bytes = vg_metrics_counter(reg, "vigil_block_io_bytes_total",
						  "Bytes of completed block I/O, per disk and "
						  "direction.", "disk,direction");
		sm->io_reqs = vg_metrics_counter(reg, "vigil_block_io_requests_total",
						 "Completed block I/O requests, per disk and "
						 "direction.", "disk,direction");
	}
	if (!sm->runq && !sm->io_lat)
		return sm;	/* neither sensor: nothing to export */
	if (vg_metrics_add_collector(reg, collect, sm)) {
		free(sm);
		errno = ENOMEM;
		return NULL;
	}
	return sm;
}

void vg_sched_metrics_free(struct vg_sched_metrics *sm)
{
	free(sm);
}
