/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * metrics.h - a small Prometheus metrics registry: counters, gauges and
 * histograms with fixed label names and a bounded number of label sets,
 * refreshed by collectors and rendered in the text exposition format 0.0.4
 * (docs/metrics.md lists every metric vigil exports).
 *
 * Lifecycle: vg_metrics_new() -> vg_metrics_counter/gauge/histogram() to
 * register each metric family -> vg_metrics_add_collector() -> whenever a
 * scrape wants fresh values (vg_metrics_wanted()), vg_metrics_collect() on
 * the collecting thread (runs the collectors, which set values) -> at each
 * scrape vg_metrics_wait_fresh() and vg_metrics_render() -> vg_metrics_free().
 *
 * Collectors are how values get in: a collector is called by
 * vg_metrics_collect() and copies what its subsystem already counts (plain
 * integers bumped on the hot path, kernel maps, /proc) into the registry.
 * vigil run registers its collectors in src/metrics_agent.c
 * (vg_agent_metrics_new): a new sensor registers its metrics and its
 * collector there.  Example, a run-queue latency histogram aggregated in a
 * BPF map as log2 microsecond slots:
 *
 *	double le[27];
 *	vg_metrics_log2_bounds(le, 27, 1e-6);	// 2 us .. 134 s, in seconds
 *	h = vg_metrics_histogram(reg, "vigil_runqueue_latency_seconds",
 *				 "Time tasks waited on a run queue.", "", le, 27);
 *	vg_metrics_add_collector(reg, runq_collect, sensor);
 *	...
 *	static void runq_collect(struct vg_metrics *reg, void *ctx)
 *	{
 *		uint64_t slots[32]; double sum;	// read from the sensor's map
 *		vg_metrics_histogram_set_buckets(h, NULL, slots, 32, sum);
 *	}
 *
 * Labels: each metric has a fixed list of label names, given at registration
 * as one comma-separated string ("policy,rule,action,mode"; "" for none),
 * and each update names its series by an array of that many values (NULL
 * when there are no labels).  At most `max_series` label sets are kept per
 * metric (VG_METRICS_MAX_SERIES unless vg_metrics_set_max_series() says
 * otherwise); updates for label sets beyond that go to one overflow series
 * whose every label value is "other" (its value is the sum of what was
 * folded into it), and vigil_metrics_series_dropped_total{metric="NAME"}
 * counts the distinct label sets folded.
 *
 * Threads: the registry has one lock.  vg_metrics_collect() holds it while
 * every collector runs, vg_metrics_render() while it renders, so a scrape
 * from another thread sees the values of one whole collection.  Every other
 * function takes it too (it is recursive): an update from outside a
 * collector (a counter bumped on a policy decision) is safe from any thread.
 * Collectors run on one thread only (vigil run: the agent's loop), so they
 * may read that thread's state without locks of their own.
 *
 * Registration errors (a bad name, a counter not ending in _total, a label
 * named "le" on a histogram, a duplicate) are programming errors: the
 * function returns NULL with errno EINVAL, and updates on a NULL metric are
 * ignored.
 */
#ifndef VIGIL_METRICS_H
#define VIGIL_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"

#define VG_METRICS_MAX_LABELS	6	/* label names per metric */
#define VG_METRICS_MAX_SERIES	1000	/* label sets per metric, by default */
#define VG_METRICS_MAX_BUCKETS	64	/* histogram bounds, +Inf not included */
#define VG_METRICS_OTHER	"other"	/* label value of the overflow series */

/* The Content-Type of vg_metrics_render()'s output. */
#define VG_METRICS_CONTENT_TYPE	"text/plain; version=0.0.4; charset=utf-8"

enum vg_metric_type {
	VG_METRIC_COUNTER,
	VG_METRIC_GAUGE,
	VG_METRIC_HISTOGRAM,
};

struct vg_metrics;
struct vg_metric;

typedef void (*vg_metrics_collect_fn)(struct vg_metrics *reg, void *ctx);

/* A registry holding only vigil_metrics_series_dropped_total; NULL when out
 * of memory. */
struct vg_metrics *vg_metrics_new(void);
void vg_metrics_free(struct vg_metrics *reg);

/*
 * Register a metric family.  `name` must match [a-zA-Z_:][a-zA-Z0-9_:]*
 * (vigil's start with vigil_ and use base units: _seconds, _bytes); a
 * counter's must end in _total.  `help` is one line of text.  `labels` is
 * the comma-separated label names ("" or NULL: none), each
 * [a-zA-Z_][a-zA-Z0-9_]* and not starting with "__".
 */
struct vg_metric *vg_metrics_counter(struct vg_metrics *reg, const char *name, const char *help,
				     const char *labels);
struct vg_metric *vg_metrics_gauge(struct vg_metrics *reg, const char *name, const char *help,
				   const char *labels);
/* `bounds`: n_bounds (1..VG_METRICS_MAX_BUCKETS) finite upper bounds, strictly
 * increasing; the +Inf bucket is implicit.  No label may be named "le". */
struct vg_metric *vg_metrics_histogram(struct vg_metrics *reg, const char *name, const char *help,
				       const char *labels, const double *bounds, size_t n_bounds);

/* The most label sets kept for m before new ones are folded into "other". */
void vg_metrics_set_max_series(struct vg_metric *m, size_t max_series);

/* Call fn(reg, ctx) at every vg_metrics_collect(), in registration order.
 * 0 or -ENOMEM. */
int vg_metrics_add_collector(struct vg_metrics *reg, vg_metrics_collect_fn fn, void *ctx);

/* Run every collector, holding the lock (the collecting thread). */
void vg_metrics_collect(struct vg_metrics *reg);

/*
 * Collections on demand.  A scrape (another thread) calls
 * vg_metrics_wait_fresh(): unless the last collection is at most max_age_ms
 * old, it asks for one and waits up to timeout_ms for the collecting thread
 * to run it; 0 when the values are that fresh, -ETIMEDOUT when they are not
 * (the caller renders what there is).  The collecting thread checks
 * vg_metrics_wanted() (two atomic loads) at every turn of its loop and calls
 * vg_metrics_collect() when it says so.
 */
int vg_metrics_wait_fresh(struct vg_metrics *reg, unsigned int max_age_ms, unsigned int timeout_ms);
bool vg_metrics_wanted(struct vg_metrics *reg);

/*
 * Updates.  `values` has one string per label name of m (NULL for a metric
 * without labels); NULL strings count as "".  A series is created at its
 * first update.  Counters: set (to a cumulative count read elsewhere) or add
 * (delta >= 0; a negative delta is ignored).  Gauges: set or add.  Not for
 * histograms.
 */
void vg_metrics_set(struct vg_metric *m, const char *const *values, double v);
void vg_metrics_add(struct vg_metric *m, const char *const *values, double delta);

/*
 * Histograms.  set_buckets replaces the series with counts[i] observations
 * in bucket i (NOT cumulative): bucket i < n_bounds holds values <=
 * bounds[i] (and > bounds[i - 1]), bucket n_bounds those above the last
 * bound.  n may be smaller (missing buckets are 0) or larger (the extra
 * counts go to the +Inf bucket) than n_bounds + 1.  `sum` is the sum of the
 * observed values, in the metric's unit.  observe adds one value.
 */
void vg_metrics_histogram_set_buckets(struct vg_metric *h, const char *const *values,
				      const uint64_t *counts, size_t n, double sum);
void vg_metrics_histogram_observe(struct vg_metric *h, const char *const *values, double v);

/*
 * Upper bounds of a log2 histogram, in `unit`s of the metric.  Slot i of a
 * log2 histogram (bcc's convention: slot i counts integer values v with
 * 2^i <= v < 2^(i+1), slot 0 also v = 0) only holds values below 2^(i+1),
 * also when v was truncated from a finer unit (ns to us): bounds[i] =
 * 2^(i+1) * unit.  E.g. microsecond slots, unit 1e-6, for a _seconds
 * histogram: 2e-06, 4e-06, 8e-06, ...
 */
void vg_metrics_log2_bounds(double *bounds, size_t n, double unit);

/* Forget every series of m (a collector that rebuilds a metric whose label
 * sets come and go: rules deleted, programs unloaded). */
void vg_metrics_clear(struct vg_metric *m);

/* The whole registry in the text exposition format 0.0.4, appended to out. */
void vg_metrics_render(struct vg_metrics *reg, struct vg_buf *out);

/* Label value escaping of the text format (backslash, double quote, newline). */
void vg_metrics_escape_label(struct vg_buf *out, const char *s);

#endif /* VIGIL_METRICS_H */
