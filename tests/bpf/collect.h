/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * collect.h - run the real agent in a test and keep deep copies of the
 * events it delivers, so tests can wait for and inspect them.
 */
#ifndef VIGIL_TEST_COLLECT_H
#define VIGIL_TEST_COLLECT_H

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "agent.h"

struct got_event {
	void *rec;			/* copy of the ring-buffer record */
	const struct vg_event_hdr *hdr;
	uint64_t time_ns;
	char *exe, *cgroup, *parent_exe;
	char *args;
	size_t args_len;
	bool args_truncated;
	bool in_container;
	struct vg_container container;
	/* file events: the completed view (paths normalised, FIM) */
	char *file_path, *file_new_path, *change, *target;
	struct vg_fim_state before, after;
};

struct collector {
	struct vg_agent agent;
	struct got_event *ev;
	size_t n, cap;
};

/* This process's audit login uid ((u32)-1 when unset), as events show it. */
static inline uint32_t self_loginuid(void)
{
	unsigned long v = UINT32_MAX;
	FILE *f = fopen("/proc/self/loginuid", "r");

	if (f) {
		if (fscanf(f, "%lu", &v) != 1)
			v = UINT32_MAX;
		fclose(f);
	}
	return (uint32_t)v;
}

/* Mount point of cgroup v2, e.g. /sys/fs/cgroup/unified ("" if none). */
static inline const char *cgroup2_root(void)
{
	static char root[4096];
	char line[1024], dev[256], dir[4096], type[64];
	FILE *f = fopen("/proc/self/mounts", "r");

	root[0] = '\0';
	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "%255s %4095s %63s", dev, dir, type) == 3 && !strcmp(type, "cgroup2")) {
			snprintf(root, sizeof(root), "%s", dir);
			break;
		}
	if (f)
		fclose(f);
	return root;
}

/* Move the calling process into a cgroup (its cgroup.procs file); 0 or -1. */
static inline int join_cgroup(const char *procs)
{
	char pid[16];
	int fd = open(procs, O_WRONLY | O_CLOEXEC), ok;

	snprintf(pid, sizeof(pid), "%d", (int)getpid());
	ok = fd >= 0 && write(fd, pid, strlen(pid)) > 0;
	if (fd >= 0)
		close(fd);
	return ok ? 0 : -1;
}

static inline char *dup_or_null(const char *s)
{
	return s ? strdup(s) : NULL;
}

static inline int collect_event(const struct vg_event_view *v, void *ctx)
{
	struct collector *c = ctx;
	struct got_event *g;

	if (c->n == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 256;
		struct got_event *ev = realloc(c->ev, cap * sizeof(*ev));

		if (!ev)
			return -ENOMEM;
		c->ev = ev;
		c->cap = cap;
	}
	g = &c->ev[c->n++];
	memset(g, 0, sizeof(*g));
	g->rec = malloc(v->hdr->size);
	if (!g->rec)
		return -ENOMEM;
	memcpy(g->rec, v->hdr, v->hdr->size);
	g->hdr = g->rec;
	g->time_ns = v->time_ns;
	g->exe = dup_or_null(v->proc.exe);
	g->cgroup = dup_or_null(v->proc.cgroup);
	g->parent_exe = dup_or_null(v->proc.parent_exe);
	if (v->proc.args) {
		g->args = malloc(v->proc.args_len + 1);
		if (!g->args)
			return -ENOMEM;
		memcpy(g->args, v->proc.args, v->proc.args_len);
		g->args_len = v->proc.args_len;
	}
	g->args_truncated = v->proc.args_truncated;
	if (v->proc.container) {
		g->in_container = true;
		g->container = *v->proc.container;
	}
	if (v->hdr->type == VG_EV_FILE) {
		g->file_path = dup_or_null(v->file_view.path);
		g->file_new_path = dup_or_null(v->file_view.new_path);
		g->change = dup_or_null(v->file_view.change);
		g->target = dup_or_null(v->file_view.target);
		g->before = v->file_view.before;
		g->after = v->file_view.after;
	}
	return 0;
}

static inline void collector_clear(struct collector *c)
{
	for (size_t i = 0; i < c->n; i++) {
		free(c->ev[i].rec);
		free(c->ev[i].exe);
		free(c->ev[i].cgroup);
		free(c->ev[i].parent_exe);
		free(c->ev[i].args);
		free(c->ev[i].file_path);
		free(c->ev[i].file_new_path);
		free(c->ev[i].change);
		free(c->ev[i].target);
	}
	c->n = 0;
}

/* Start the agent with every sensor; watches (may be NULL) enable FIM. */
static inline int collector_start_watching(struct collector *c, enum vg_attach_backend backend,
				    const struct vg_watchlist *watches)
{
	struct vg_agent_opts o = {
		.sensor = { .backend = backend, .wakeup_bytes = 64 * 1024 },
		.flush_ms = 20,
		.watches = watches,
		.fim = watches != NULL,
		.on_event = collect_event,
		.ctx = c,
	};

	memset(c, 0, sizeof(*c));
	return vg_agent_start(&c->agent, &o);
}

static inline int collector_start(struct collector *c, enum vg_attach_backend backend)
{
	return collector_start_watching(c, backend, NULL);
}

/* Start the agent with these sensor options (backend, opt-in modes, ...);
 * wakeup_bytes defaults as in collector_start_watching. */
static inline int collector_start_sensor(struct collector *c, const struct vg_sensor_opts *so)
{
	struct vg_agent_opts o = {
		.sensor = *so,
		.flush_ms = 20,
		.on_event = collect_event,
		.ctx = c,
	};

	if (!o.sensor.wakeup_bytes)
		o.sensor.wakeup_bytes = 64 * 1024;
	memset(c, 0, sizeof(*c));
	return vg_agent_start(&c->agent, &o);
}

static inline void collector_stop(struct collector *c)
{
	collector_clear(c);
	free(c->ev);
	c->ev = NULL;
	c->cap = 0;
	vg_agent_stop(&c->agent);
}

/* The first event of `type` about process `pid` (NULL if none yet). */
static inline struct got_event *collector_find(struct collector *c, uint16_t type, uint32_t pid)
{
	for (size_t i = 0; i < c->n; i++)
		if (c->ev[i].hdr->type == type && c->ev[i].hdr->task.pid == pid)
			return &c->ev[i];
	return NULL;
}

/* Poll the agent until found(c, arg) returns an event or timeout_ms passes. */
static inline struct got_event *collector_poll_until(struct collector *c,
						     struct got_event *(*found)(struct collector *,
										const void *),
						     const void *arg, int timeout_ms)
{
	struct timespec t0, t;
	struct got_event *g;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		g = found(c, arg);
		if (g)
			return g;
		clock_gettime(CLOCK_MONOTONIC, &t);
		if ((t.tv_sec - t0.tv_sec) * 1000 + (t.tv_nsec - t0.tv_nsec) / 1000000 > timeout_ms)
			return NULL;
		if (vg_agent_poll(&c->agent, 20) < 0)
			return NULL;
	}
}

struct find_args {
	uint16_t type_or_op;
	uint32_t pid;
	const char *path;
};

static inline struct got_event *find_by_pid(struct collector *c, const void *arg)
{
	const struct find_args *a = arg;

	return collector_find(c, a->type_or_op, a->pid);
}

/* Poll until the event arrives or timeout_ms passes. */
static inline struct got_event *collector_wait(struct collector *c, uint16_t type, uint32_t pid,
					       int timeout_ms)
{
	struct find_args a = { .type_or_op = type, .pid = pid };

	return collector_poll_until(c, find_by_pid, &a, timeout_ms);
}

/* The first file event with this op whose (normalised) path or new path is `path`. */
static inline struct got_event *collector_find_file(struct collector *c, uint16_t op, const char *path)
{
	for (size_t i = 0; i < c->n; i++) {
		struct got_event *g = &c->ev[i];

		if (g->hdr->type != VG_EV_FILE || ((const struct vg_file *)g->rec)->op != op)
			continue;
		if ((g->file_path && !strcmp(g->file_path, path)) ||
		    (g->file_new_path && !strcmp(g->file_new_path, path)))
			return g;
	}
	return NULL;
}

static inline struct got_event *find_file(struct collector *c, const void *arg)
{
	const struct find_args *a = arg;

	return collector_find_file(c, a->type_or_op, a->path);
}

static inline struct got_event *collector_wait_file(struct collector *c, uint16_t op,
						    const char *path, int timeout_ms)
{
	struct find_args a = { .type_or_op = op, .path = path };

	return collector_poll_until(c, find_file, &a, timeout_ms);
}

/* Count events of `type` about `pid`. */
static inline size_t collector_count(struct collector *c, uint16_t type, uint32_t pid)
{
	size_t n = 0;

	for (size_t i = 0; i < c->n; i++)
		n += c->ev[i].hdr->type == type && c->ev[i].hdr->task.pid == pid;
	return n;
}

#endif /* VIGIL_TEST_COLLECT_H */
