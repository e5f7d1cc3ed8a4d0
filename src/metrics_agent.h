/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * metrics_agent.h - what `vigil run --metrics` exports (docs/metrics.md):
 * events by kind and losses by reason, policy decisions, anomalies, XDP and
 * connection-control counters, the run time of each BPF program, and
 * vigil's own CPU and memory.
 *
 * Lifecycle: vg_agent_metrics_new() once the agent runs (registers the
 * metrics and their collectors, turns on the kernel's BPF statistics) ->
 * vg_agent_metrics_collect() once, before serving -> vg_agent_metrics_tick()
 * after every poll of the agent's loop (collects when a scrape waits for
 * fresh values), vg_agent_metrics_on_report() / _on_anomaly() from the
 * stream's callbacks -> vg_agent_metrics_free().  Everything here runs on
 * the agent's thread; the HTTP server only asks for a collection and renders
 * the registry.
 *
 * A new sensor's metrics: register them and a collector in
 * vg_agent_metrics_new() (metrics_agent.c, "more collectors"), see metrics.h.
 */
#ifndef VIGIL_METRICS_AGENT_H
#define VIGIL_METRICS_AGENT_H

#include <stdbool.h>

struct vg_agent;
struct vg_engine_report;
struct vg_metrics;
struct vg_agent_metrics;

struct vg_agent_metrics_opts {
	bool bpf_stats;		/* keep the kernel's BPF run-time statistics on
				 * (bpf_enable_stats; ~20 ns per program run) */
};

/* NULL when out of memory.  agent must outlive the result. */
struct vg_agent_metrics *vg_agent_metrics_new(struct vg_metrics *reg, struct vg_agent *agent,
					      const struct vg_agent_metrics_opts *o);

/* Collect now (the first values, before the server starts serving). */
void vg_agent_metrics_collect(struct vg_agent_metrics *am);

/* Collect if a scrape is waiting for fresh values (vg_metrics_wanted). */
void vg_agent_metrics_tick(struct vg_agent_metrics *am);

/* A policy decision (every report of the engine); an anomaly reported. */
void vg_agent_metrics_on_report(struct vg_agent_metrics *am, const struct vg_engine_report *r);
void vg_agent_metrics_on_anomaly(struct vg_agent_metrics *am, const char *profile);

/* Turns the BPF statistics off again (unless someone else holds them on). */
void vg_agent_metrics_free(struct vg_agent_metrics *am);

#endif /* VIGIL_METRICS_AGENT_H */
