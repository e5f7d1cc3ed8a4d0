/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * agent.h - the event loop shared by `vigil trace` and `vigil run`: sensor
 * ring buffer -> validate -> enrich (process table, cgroups, containers) ->
 * the caller's handler; plus loss accounting.
 */
#ifndef VIGIL_AGENT_H
#define VIGIL_AGENT_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

#include "clock.h"
#include "event.h"
#include "proctable.h"
#include "sensor.h"

struct vg_agent_stats {
	struct vg_counters kernel;		/* sent and lost in the kernel */
	uint64_t received[VG_EV_TYPE_MAX];	/* records that reached user space */
	uint64_t decode_errors;			/* records rejected by vg_event_check */
	uint64_t file_filtered;			/* unnormalised paths that matched no watch */
	struct vg_proctable_stats procs;
};

/* Sum of everything lost, in the kernel and in user space. */
uint64_t vg_agent_stats_lost(const struct vg_agent_stats *st);

/* Called for each event, in ring-buffer order.  Return 0, or -errno to stop polling. */
typedef int (*vg_event_fn)(const struct vg_event_view *ev, void *ctx);
/* Called when stats are due (periodically, on new losses, and at the end). */
typedef void (*vg_stats_fn)(const struct vg_agent_stats *st, uint64_t real_ns, void *ctx);

/* Called after each poll that handled events (e.g. to flush output). */
typedef int (*vg_batch_fn)(void *ctx);

struct vg_agent_opts {
	struct vg_sensor_opts sensor;
	size_t proctable_capacity;	/* 0: 32768 */
	unsigned int flush_ms;		/* poll timeout when no wakeup comes; 0: 100 */
	unsigned int stats_interval_s;	/* periodic stats events; 0: none */
	const struct vg_watchlist *watches;	/* file sensor watch list (NULL: none) */
	bool fim;			/* digests and before/after state of watched files */
	vg_event_fn on_event;
	vg_stats_fn on_stats;		/* may be NULL */
	vg_batch_fn on_batch;		/* may be NULL */
	vg_batch_fn on_tick;		/* after every poll, events or not; may be NULL */
	void *ctx;
};

struct vg_cgroup_cache;
struct vg_fim;
struct vg_watchlist;

struct vg_agent {
	struct vg_agent_opts opts;
	struct vg_sensor sensor;
	struct ring_buffer *rb;
	struct vg_proctable *procs;
	struct vg_cgroup_cache *cgroups;
	struct vg_fim *fim;
	struct vg_clock clock;
	struct vg_agent_stats stats;
	uint64_t lost_reported;		/* losses already warned about */
	uint64_t last_check_ns, last_stats_ns;
	uint64_t last_flow_update_ns;	/* when the flow update iterator last ran */
	int handler_err;
	char norm_path[VG_FILE_PATH_LEN], norm_new_path[VG_FILE_PATH_LEN];
};

/* Load and attach the sensors, then seed the process table from /proc. */
int vg_agent_start(struct vg_agent *a, const struct vg_agent_opts *opts);

/* Wait up to timeout_ms for events and handle all that are waiting.
 * Returns the number handled, or -errno (a handler's error included). */
int vg_agent_poll(struct vg_agent *a, int timeout_ms);

/* Poll until *stop is set; then drain, emit final stats and return 0 or -errno. */
int vg_agent_run(struct vg_agent *a, volatile sig_atomic_t *stop);

/* Current counters (kernel counters read now). */
int vg_agent_read_stats(struct vg_agent *a, struct vg_agent_stats *st);

/* Also read another ring buffer of event records (a connection-control
 * rule set's denials: src/netctl.c).  Takes map_fd and closes it. */
void vg_agent_add_ring_fd(struct vg_agent *a, int map_fd);

/* A record made in user space (sched_sampler.c's summaries) into the pipeline as
 * if it came from the kernel: checked, counted, enriched, handed to
 * on_event.  Returns on_event's result, or -EINVAL for a bad record. */
int vg_agent_inject(struct vg_agent *a, void *rec, size_t size);

void vg_agent_stop(struct vg_agent *a);

#endif /* VIGIL_AGENT_H */
