/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * sched_sampler.h - CPU and run-queue summaries from the kernel's aggregates
 * (include/vigil/sched.h), and readers of the block I/O aggregates.
 *
 * The kernel adds up, per process and for the machine, CPU time,
 * context switches and log2 histograms of run-queue waits; nothing per
 * switch reaches user space.  The sampler reads the per-process map once
 * per interval and makes, for each process that used at least `min_percent`
 * of a CPU (at most `top` of them, the busiest), one `sched` record: its CPU
 * share over the interval and over each of the last VG_SCHED_HISTORY
 * intervals, its run-queue wait percentiles, and the other processes'
 * p99 wait in the same interval — what policies of kind `sched` match
 * ("more than 80 % of a CPU for 5 s while others wait over 10 ms").
 * Entries of processes that exited are removed from the kernel map (after
 * their last deltas are counted).  Cgroups are their processes summed.  With
 * `each`, every live process's figures of the interval are also handed
 * over, busy or not (`vigil top`).
 *
 *	struct vg_sched_sampler *s = vg_sched_new(&opts, &maps);
 *	...each tick: vg_sched_tick(s, now_ns);	// emits records when due
 *	vg_sched_free(s);
 */
#ifndef VIGIL_SCHED_SAMPLER_H
#define VIGIL_SCHED_SAMPLER_H

#include <stddef.h>
#include <stdint.h>

#include "sensor.h"
#include "vigil/event.h"
#include "vigil/sched.h"

/* A record is ready: rec is a complete struct vg_sched (type VG_EV_SCHED). */
typedef void (*vg_sched_fn)(struct vg_sched *rec, void *ctx);

/* One live process's share of an interval, as the kernel's map has it
 * (no /proc read: comm is what the kernel saw at the process's first
 * switch after the map was made). */
struct vg_sched_proc {
	uint32_t tgid;
	uint64_t cgroup_id;
	char comm[16];
	uint64_t interval_ns;
	uint64_t cpu_ns;		/* in the interval, running threads included */
	uint64_t runq_count;		/* waits that ended in the interval */
	uint64_t runq_p50_ns, runq_p99_ns, runq_max_ns;	/* upper bounds, 0: no wait */
	uint64_t switches, involuntary;
};
typedef void (*vg_sched_proc_fn)(const struct vg_sched_proc *p, void *ctx);

struct vg_sched_opts {
	uint64_t interval_ns;		/* 0: 1 s */
	double min_percent;		/* report processes at or above this CPU share; 0: 1 % */
	size_t top;			/* at most this many records per interval; 0: 64 */
	vg_sched_fn emit;		/* may be NULL: no records made */
	void *ctx;
	/* Called at each sample for every live process in the kernel's map,
	 * whatever its CPU share and unranked (`vigil top`); may be NULL.
	 * Gets ctx too. */
	vg_sched_proc_fn each;
};

struct vg_sched_sampler;

struct vg_sched_sampler *vg_sched_new(const struct vg_sched_opts *o, const struct vg_sched_maps *m);
void vg_sched_free(struct vg_sched_sampler *s);

/* Sample if an interval has passed since the last (now_ns: boot time). */
void vg_sched_tick(struct vg_sched_sampler *s, uint64_t now_ns);

/* The value at percentile p (0 < p <= 1) of a log2 histogram, as the upper
 * bound of its bucket in the histogram's unit (bucket k holds [2^(k-1),
 * 2^k); 0 for an empty one). */
uint64_t vg_hist_percentile(const __u64 hist[VG_HIST_SLOTS], double p);

/* Each cgroup's totals (CPU time, waits, switches, wait histogram) since
 * the sampler's first tick: the sums of its processes' per-interval deltas
 * (a process counts where it was when sampled).  At most 4096 cgroups. */
typedef int (*vg_sched_cgroup_fn)(uint64_t cgroup_id, const struct vg_sched_stat *st, void *ctx);
int vg_sched_each_cgroup(const struct vg_sched_sampler *s, vg_sched_cgroup_fn fn, void *ctx);

/* Machine-wide totals: the per-CPU entries of vg_sched_total summed. */
int vg_sched_read_total(const struct vg_sched_maps *m, struct vg_sched_stat *out);

/* Each entry of a per-key map (vg_sched_procs, vg_sched_cgroups: key is the
 * tgid or cgroup id; vg_block_devs, vg_block_procs: dev or tgid). */
typedef int (*vg_sched_each_fn)(uint64_t key, const void *value, void *ctx);
int vg_sched_each(int map_fd, size_t key_size, size_t value_size, vg_sched_each_fn fn, void *ctx);

#endif /* VIGIL_SCHED_SAMPLER_H */
