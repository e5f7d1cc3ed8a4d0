/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * engine.h - the policy engine: a loaded policy set, compiled into kernel
 * maps and action backends, applied to every event (docs/policies.md,
 * "How policies are enforced").
 *
 * Lifecycle: vg_engine_new() (parse + compile; nothing touches the kernel)
 * -> vg_engine_watches() for the file sensor's watch list -> start the
 * agent -> vg_engine_install() (maps, syscall programs, fanotify marks,
 * connection control, XDP) -> vg_engine_on_event() for each event and
 * vg_engine_tick() after each poll -> vg_engine_reload() on SIGHUP or a
 * changed file -> vg_engine_free().
 *
 * Threads: vg_engine_on_event/tick/reload run on the agent's thread; the
 * fanotify listener thread only calls back into the engine's decision
 * function, which takes the engine's read lock.
 */
#ifndef VIGIL_ENGINE_H
#define VIGIL_ENGINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "event.h"
#include "policy.h"
#include "proctable.h"

struct vg_sensor;
struct vg_agent;
struct vg_watchlist;

/* One policy decision, as reported. */
struct vg_engine_report {
	const char *policy, *rule;
	const char *mode;		/* "audit" or "enforce" */
	const char *severity;
	const char *kind;		/* the event's policy kind ("exec", "file.open", ...) */
	const char *intended;		/* the rule's action ("kill", "alert", ...) */
	const char *action;		/* what was done: the action, or "none" */
	const char *by;			/* who did it: "kernel", "fanotify", "cgroup", "user space"...; NULL */
	const char *skipped;		/* enforce mode: why it was not done; NULL */
	const char *detail;		/* e.g. how a throttle was applied; NULL */
	const char *message;		/* the rendered template; "" when the policy has none */
	uint64_t time_ns;		/* realtime */
	uint64_t count;			/* packet rules: packets since the last report; else 0 */
	uint32_t pid;			/* 0 when not about a process */
	const char *path;		/* fanotify decisions: the file; else NULL */
	const char *exe;		/* fanotify decisions: the process's exe; else NULL */
	const struct vg_event_view *ev;	/* the event (NULL: fanotify and packet reports) */
};

typedef void (*vg_engine_report_fn)(const struct vg_engine_report *r, void *ctx);

struct vg_engine_opts {
	char **paths;			/* policy files / directories; n_paths 0: the embedded set */
	size_t n_paths;
	int mode;			/* -1: each policy's own; else enum vg_policy_mode for all */
	uint32_t self_pid;
	const char *net_cgroup;		/* scope of connection-control rules; NULL: "/" */
	char **xdp_ifaces;		/* interfaces for packet rules */
	size_t n_xdp_ifaces;
	const char *cg_name;		/* cgroup directory for throttle/freeze; NULL: "vigil" */
	vg_engine_report_fn report;
	void *ctx;
};

struct vg_engine;

/* Load and compile the policies.  Every diagnostic and every problem that
 * makes a rule impossible on this machine is logged (file:line:col);
 * returns NULL with errno EINVAL then. */
struct vg_engine *vg_engine_new(const struct vg_engine_opts *opts);

/* Add the paths the file rules need to wl; *file_all is set when some rule
 * needs every file operation. */
int vg_engine_watches(struct vg_engine *e, struct vg_watchlist *wl, bool *file_all);

/* vg_engine_new() then vg_engine_watches(), logging what was loaded: the
 * start of every command that runs policies.  NULL on error (logged). */
struct vg_engine *vg_engine_open(const struct vg_engine_opts *opts, struct vg_watchlist *wl,
				 bool *file_all);

/* Put the compiled state into effect.  agent gives the sensor maps and the
 * process table.  Returns 0 or -errno (logged). */
int vg_engine_install(struct vg_engine *e, struct vg_agent *agent);

/* Match an event against every rule; act and report. */
void vg_engine_on_event(struct vg_engine *e, const struct vg_event_view *ev);

/* Periodic work: fanotify decisions to report, packet counters, timed
 * releases, policy files changed on disk (reload). */
void vg_engine_tick(struct vg_engine *e);

/* Reload the policy files: on any error the running set stays, and 0 is
 * not returned.  The new set replaces the old atomically in the kernel. */
int vg_engine_reload(struct vg_engine *e);

/* Policies and rules loaded, for logs. */
void vg_engine_counts(const struct vg_engine *e, size_t *policies, size_t *rules);

/* The event kinds its rules select (VG_POLICY_KIND_BIT mask): which sensors
 * beyond the default set it needs (sched, oom: the sched sensor; block). */
unsigned int vg_engine_kinds(const struct vg_engine *e);

/* Undo everything installed (maps cleared, links, marks, rules, cgroups). */
void vg_engine_free(struct vg_engine *e);

/* The embedded default set (the files in policies/, built in). */
extern const char vg_default_policies[];

#endif /* VIGIL_ENGINE_H */
