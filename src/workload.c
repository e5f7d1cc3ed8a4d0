// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * workload.c - the profiled workloads of `vigil run --profile` (workload.h).
 */
#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "container.h"
#include "learn.h"
#include "log.h"
#include "mounts.h"
#include "netctl.h"
#include "profile.h"
#include "profile_kernel.h"
#include "workload.h"
#include "vigil/profile.h"

#define DEFAULT_THRESHOLD 4
#define ALARMED_MAX 64	/* processes remembered per budget period (more: counted again) */

struct workload {
	struct vg_profile p;		/* as loaded, plus what learning added */
	char *file;
	uint32_t id;
	enum vg_profile_mode mode;
	uint64_t since_ns;		/* boot time the mode was entered */
	uint64_t budget_start_ns;	/* the current budget period */
	uint64_t alarms;		/* processes reported in it */
	struct { uint32_t pid; uint64_t start_ns; } alarmed[ALARMED_MAX];	/* the last ones */
	uint64_t events[VG_RATE_MAX];	/* learning: events counted */
	enum vg_profile_mode pending;	/* over the budget: the move the next tick makes */
	char pending_why[160];
	uint64_t *bound;		/* scoped: the cgroup ids keyed in the kernel */
	size_t n_bound;
};

struct vg_workloads {
	struct vg_workloads_opts o;
	struct vg_prof_maps m;
	struct vg_detect *detect;
	unsigned int threshold;
	struct workload *w;
	size_t n;
};

static uint64_t clock_ns(clockid_t c)
{
	struct timespec ts;

	clock_gettime(c, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static void raw(const char *esc, char *buf, size_t len)
{
	if (esc)
		vg_profile_unescape(esc, buf, len);
	else
		buf[0] = '\0';
}

static bool scoped(const struct workload *wl)
{
	return wl->p.scope == VG_SCOPE_CGROUP || wl->p.scope == VG_SCOPE_CONTAINER;
}

/* The kernel's view of a workload in its current mode. */
static struct vg_prof_exe_val kernel_val(const struct vg_workloads *w, const struct workload *wl)
{
	struct vg_prof_exe_val v = {
		.profile_id = wl->id,
		.mode = wl->mode == VG_MODE_LEARN ? VG_PROF_LEARN : VG_PROF_DETECT,
		.window = wl->p.window,
		.threshold = w->threshold,
	};

	return v;
}

/* ---- the profile in the detector and the kernel ------------------------- */

static int set_from_map(struct vg_strset *set, const struct vg_profile_strmap *map)
{
	const struct vg_profile_strent **ents = NULL;
	size_t n = vg_profile_strmap_sorted(map, &ents);
	char buf[4096];
	int err = 0;

	for (size_t i = 0; i < n && !err; i++) {
		vg_profile_unescape(ents[i]->key, buf, sizeof(buf));
		err = vg_strset_add(set, buf);
	}
	free(ents);
	return err;
}

/* The detector's view of a workload. */
static int detect_profile(const struct workload *wl, struct vg_detect_profile *dp)
{
	const struct vg_profile *p = &wl->p;
	char buf[4096];
	int err = 0;

	memset(dp, 0, sizeof(*dp));
	raw(p->workload, buf, sizeof(buf));
	dp->workload = strdup(buf);
	dp->id = wl->id;
	dp->scope = p->scope;
	dp->learning = wl->mode == VG_MODE_LEARN;
	raw(p->scope_of, buf, sizeof(buf));
	if (!dp->workload || (p->scope_of && !(dp->scope_of = strdup(buf)))) {
		vg_detect_profile_release(dp);
		return -ENOMEM;
	}
	for (unsigned int nr = 0; nr < VG_SYSCALL_NR_MAX && !err; nr++)
		if (p->syscall_count[nr]) {
			const char *name = vg_profile_syscall_name(p, nr);

			err = vg_strset_add(&dp->syscalls, name ? name : "?");
		}
	if (!err)
		err = set_from_map(&dp->execs, &p->exec);
	if (!err)
		err = set_from_map(&dp->files_read, &p->file[VG_PROFILE_FILE_READ]);
	if (!err)
		err = set_from_map(&dp->files_write, &p->file[VG_PROFILE_FILE_WRITE]);
	if (!err)
		err = set_from_map(&dp->peers, &p->connect);
	if (!err)
		err = set_from_map(&dp->listens, &p->listen);
	if (!err)
		err = set_from_map(&dp->creds, &p->cred);
	for (int k = 0; k < VG_RATE_MAX; k++)
		dp->rates[k] = p->has_rate[k] ? p->rate[k] : 0;
	if (err)
		vg_detect_profile_release(dp);
	return err;
}

/* The kernel's known windows: every n-gram of the profile's length. */
static int kernel_windows(const struct vg_workloads *w, const struct workload *wl, size_t *count)
{
	const struct vg_profile_ngram **ng = NULL;
	size_t n = vg_profile_ngrams_sorted(&wl->p, &ng), k = 0;
	uint64_t *keys = calloc(n ? n : 1, sizeof(*keys));
	int err;

	if (!keys) {
		free(ng);
		return -ENOMEM;
	}
	for (size_t i = 0; i < n; i++)
		if (ng[i]->len == wl->p.window)
			keys[k++] = ng[i]->key;
	free(ng);
	err = vg_prof_kernel_add_ngrams(&w->m, wl->id, keys, k);
	free(keys);
	if (count)
		*count = k;
	return err;
}

/* Key the workload's executable in cgroup `cgroup_id` (scoped workloads). */
static int bind(struct vg_workloads *w, struct workload *wl, uint64_t cgroup_id, const char *where)
{
	struct vg_prof_exe_val v = kernel_val(w, wl);
	uint64_t *nb;
	char exe[4096];
	size_t seeded = 0;
	int err;

	for (size_t i = 0; i < wl->n_bound; i++)
		if (wl->bound[i] == cgroup_id)
			return 0;
	nb = realloc(wl->bound, (wl->n_bound + 1) * sizeof(*nb));
	if (!nb)
		return -ENOMEM;
	wl->bound = nb;
	raw(wl->p.workload, exe, sizeof(exe));
	err = vg_prof_kernel_set_exe(&w->m, exe, cgroup_id, &v, &seeded);
	if (err)
		return vg_error("profile of %s in %s: %s", exe, where, strerror(-err)), err;
	nb[wl->n_bound++] = cgroup_id;
	vg_info("profile of %s bound to %s (cgroup id %llu, %zu running processes)", exe, where,
		(unsigned long long)cgroup_id, seeded);
	return 0;
}

static struct vg_workloads *walk_w;
static int walk_err;

/* nftw callback: cgroups of the scoped workloads that exist now. */
static int visit_cgroup(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	static size_t root_len;
	struct vg_container c;
	const char *rel;

	if (ftw->level == 0)
		root_len = strlen(path);
	rel = path + root_len;
	if (flag != FTW_D || !*rel)
		return 0;
	vg_container_from_cgroup(rel, &c);
	for (size_t i = 0; i < walk_w->n && !walk_err; i++) {
		struct workload *wl = &walk_w->w[i];
		char what[4096];

		raw(wl->p.scope_of, what, sizeof(what));
		if ((wl->p.scope == VG_SCOPE_CGROUP && !strcmp(rel, what)) ||
		    (wl->p.scope == VG_SCOPE_CONTAINER && c.runtime != VG_RT_NONE &&
		     !strncmp(c.id, what, strlen(what))))
			walk_err = bind(walk_w, wl, st->st_ino, rel);
	}
	return walk_err;
}

static int bind_existing(struct vg_workloads *w)
{
	char root[PATH_MAX];
	bool any = false;

	for (size_t i = 0; i < w->n; i++)
		any |= scoped(&w->w[i]);
	if (!any)
		return 0;
	if (vg_mount_find("cgroup2", root, sizeof(root)))
		return vg_error("cgroup v2 is not mounted: scoped profiles cannot be bound"), -ENODEV;
	walk_w = w;
	walk_err = 0;
	nftw(root, visit_cgroup, 16, FTW_PHYS);
	walk_w = NULL;
	return walk_err;
}

/* Install a loaded workload: kernel windows and keys, detector profile. */
static int install(struct vg_workloads *w, struct workload *wl)
{
	struct vg_prof_exe_val v = kernel_val(w, wl);
	struct vg_detect_profile dp;
	char exe[4096], what[4096];
	size_t windows = 0, seeded = 0;
	int err;

	raw(wl->p.workload, exe, sizeof(exe));
	err = kernel_windows(w, wl, &windows);
	if (!err)
		err = vg_prof_kernel_set_mode(&w->m, &v);
	if (!err && !scoped(wl))
		err = vg_prof_kernel_set_exe(&w->m, exe, 0, &v, &seeded);
	if (!err)
		err = detect_profile(wl, &dp);
	if (!err)
		err = vg_detect_add(w->detect, &dp);
	if (err)
		return err;
	raw(wl->p.scope_of, what, sizeof(what));
	vg_info("profile of %s%s%s%s%s: %zu windows of %u syscalls, mode %s%s", exe,
		scoped(wl) ? " in " : "", scoped(wl) ? vg_profile_scope_name(wl->p.scope) : "",
		scoped(wl) ? " " : "", what, windows, wl->p.window,
		wl->mode ? vg_profile_mode_name(wl->mode) : "(the policies')",
		seeded ? ", processes already running included" : "");
	return 0;
}

static int load_one(struct vg_workloads *w, const char *path)
{
	struct workload *wl, *nw;
	struct vg_profile_diag diag;
	char msg[600];
	int err;

	if (w->n >= VG_PROF_USER_IDS)
		return vg_error("%s: more than %d profiles", path, VG_PROF_USER_IDS), -ENOSPC;
	nw = realloc(w->w, (w->n + 1) * sizeof(*nw));
	if (!nw)
		return -ENOMEM;
	w->w = nw;
	wl = &nw[w->n];
	memset(wl, 0, sizeof(*wl));
	vg_profile_init(&wl->p);
	err = vg_profile_load(&wl->p, path, &diag);
	if (err) {
		vg_profile_release(&wl->p);
		return vg_error("%s", vg_profile_diag_format(&diag, msg, sizeof(msg))), err;
	}
	if (wl->p.workload_kind != VG_SCOPE_EXE) {
		vg_error("%s: workload %s: live detection is per executable (workload exe PATH, "
			 "scoped with 'scope cgroup|container')", path,
			 vg_profile_scope_name(wl->p.workload_kind));
		vg_profile_release(&wl->p);
		return -EINVAL;
	}
	wl->file = strdup(path);
	if (!wl->file) {
		vg_profile_release(&wl->p);
		return -ENOMEM;
	}
	wl->id = (uint32_t)w->n + 1;
	wl->mode = wl->p.mode;
	if (wl->mode == VG_MODE_NONE && w->o.promote_ns)
		wl->mode = VG_MODE_AUDIT;	/* learned by `vigil learn`: audit it first */
	wl->since_ns = wl->budget_start_ns = clock_ns(CLOCK_BOOTTIME);
	w->n++;
	err = install(w, wl);
	if (err)
		vg_error("cannot load the profile '%s': %s", path, strerror(-err));
	return err;
}

struct vg_workloads *vg_workloads_load(const struct vg_workloads_opts *o,
				       struct vg_sensor *sensor, struct vg_detect *detect)
{
	struct vg_workloads *w = calloc(1, sizeof(*w));
	struct dirent **names = NULL;
	int n, err = 0;

	if (!w)
		return NULL;
	w->o = *o;
	w->detect = detect;
	w->threshold = o->threshold ? o->threshold : DEFAULT_THRESHOLD;
	vg_sensor_profile_maps(sensor, &w->m);
	n = scandir(o->dir, &names, NULL, alphasort);
	if (n < 0) {
		vg_error("cannot read profiles in '%s': %s", o->dir, strerror(errno));
		free(w);
		return NULL;
	}
	for (int i = 0; i < n; i++) {
		const char *d = names[i]->d_name;
		size_t len = strlen(d);
		char path[4200];

		if (!err && d[0] != '.' && len > 8 && !strcmp(d + len - 8, ".profile")) {
			snprintf(path, sizeof(path), "%s/%s", o->dir, d);
			err = load_one(w, path);
		}
		free(names[i]);
	}
	free(names);
	if (!err && !w->n) {
		vg_error("no profiles (*.profile) in '%s'", o->dir);
		err = -ENOENT;
	}
	if (!err)
		err = bind_existing(w);
	if (err) {
		vg_workloads_free(w);
		return NULL;
	}
	return w;
}

void vg_workloads_free(struct vg_workloads *w)
{
	if (!w)
		return;
	for (size_t i = 0; i < w->n; i++) {
		vg_profile_release(&w->w[i].p);
		free(w->w[i].file);
		free(w->w[i].bound);
	}
	free(w->w);
	free(w);
}

size_t vg_workloads_count(const struct vg_workloads *w)
{
	return w ? w->n : 0;
}

static struct workload *by_id(struct vg_workloads *w, uint32_t id)
{
	return id >= 1 && id <= w->n ? &w->w[id - 1] : NULL;
}

/* ---- events -------------------------------------------------------------- */

/* A scoped workload's cgroup seen in an exec: bind it if it is new. */
static void bind_seen(struct vg_workloads *w, const struct vg_event_view *ev)
{
	const struct vg_container *c = ev->proc.container;
	uint64_t id = ev->proc.task->cgroup_id;

	for (size_t i = 0; i < w->n && id; i++) {
		struct workload *wl = &w->w[i];
		char what[4096];

		if (!scoped(wl))
			continue;
		raw(wl->p.scope_of, what, sizeof(what));
		if (wl->p.scope == VG_SCOPE_CGROUP ? (ev->proc.cgroup && !strcmp(ev->proc.cgroup, what)) :
		    (c && c->runtime != VG_RT_NONE && !strncmp(c->id, what, strlen(what))))
			bind(w, wl, id, ev->proc.cgroup);
	}
}

static int add_learned(uint32_t id, const uint16_t *nrs, uint32_t len, uint64_t count, void *ctx)
{
	struct vg_profile *p = ctx;

	if (len == 1)
		vg_profile_add_syscall(p, nrs[0], count);
	return vg_profile_add_ngram(p, nrs, len, count);
}

void vg_workloads_on_event(struct vg_workloads *w, const struct vg_event_view *ev)
{
	const struct vg_detect_profile *dp;
	struct workload *wl;

	if (!w || !ev->proc.task)
		return;
	if (ev->hdr->type == VG_EV_EXEC)
		bind_seen(w, ev);
	/* a learning workload's child program: one it runs from now on */
	if (ev->hdr->type == VG_EV_EXEC &&
	    (dp = vg_detect_match(w->detect, ev->proc.parent_exe, ev)) &&
	    !vg_detect_match(w->detect, ev->proc.exe, ev)) {
		wl = by_id(w, dp->id);
		if (wl && wl->mode == VG_MODE_LEARN) {
			vg_profile_add_exec(&wl->p, ev->proc.exe, 1);
			wl->events[VG_RATE_EXEC]++;
		}
		return;
	}
	dp = vg_detect_match(w->detect, ev->proc.exe, ev);
	wl = dp ? by_id(w, dp->id) : NULL;
	if (wl && wl->mode == VG_MODE_LEARN)
		vg_learn_absorb(&wl->p, wl->events, ev);
}

/* ---- the lifecycle ------------------------------------------------------- */

static void change_mode(struct vg_workloads *w, struct workload *wl, enum vg_profile_mode to,
			const char *reason)
{
	struct vg_prof_exe_val v;
	struct vg_detect_profile dp;
	struct vg_workload_change c;
	char exe[4096], what[4096];
	enum vg_profile_mode from = wl->mode;
	uint64_t now = clock_ns(CLOCK_BOOTTIME), secs;
	int err = 0;

	if (from == VG_MODE_LEARN) {
		/* what the kernel counted while learning joins the profile */
		err = vg_prof_kernel_take_learned(&w->m, wl->id, add_learned, &wl->p);
		if (!err)
			err = kernel_windows(w, wl, NULL);
		secs = (now - wl->since_ns + 500000000ULL) / 1000000000ULL;
		if (wl->p.has_learned)
			wl->p.learned_seconds += secs;
		else
			vg_profile_set_learned(&wl->p, (int64_t)time(NULL) - (int64_t)secs, secs);
	}
	wl->mode = to;
	wl->since_ns = wl->budget_start_ns = now;
	wl->alarms = 0;
	v = kernel_val(w, wl);
	if (!err)
		err = vg_prof_kernel_set_mode(&w->m, &v);
	if (!err && from == VG_MODE_LEARN) {
		if ((err = detect_profile(wl, &dp)) == 0)
			err = vg_detect_replace(w->detect, &dp);
	} else if (!err) {
		struct vg_detect_profile *cur = vg_detect_by_id(w->detect, wl->id);

		if (cur)
			cur->learning = to == VG_MODE_LEARN;
	}
	raw(wl->p.workload, exe, sizeof(exe));
	if (err)
		vg_error("profile of %s: moving to %s: %s", exe, vg_profile_mode_name(to),
			 strerror(-err));
	wl->p.mode = to;
	err = vg_profile_save(&wl->p, wl->file);
	if (err)
		vg_warn("cannot write '%s': %s", wl->file, strerror(-err));
	raw(wl->p.scope_of, what, sizeof(what));
	c = (struct vg_workload_change){
		.time_ns = clock_ns(CLOCK_REALTIME),
		.profile = exe,
		.scope = vg_profile_scope_name(wl->p.scope),
		.scope_of = wl->p.scope_of ? what : NULL,
		.file = wl->file,
		.id = wl->id,
		.from = from ? vg_profile_mode_name(from) : "enforce",
		.to = vg_profile_mode_name(to),
		.reason = reason,
	};
	vg_info("profile of %s: %s -> %s (%s)", exe, c.from, c.to, reason);
	if (w->o.on_change)
		w->o.on_change(&c, w->o.ctx);
}

/* Was this process already counted in the budget period?  Else remember it. */
static bool alarmed(struct workload *wl, const struct vg_task_ctx *t)
{
	size_t n = wl->alarms < ALARMED_MAX ? wl->alarms : ALARMED_MAX;

	for (size_t i = 0; i < n; i++)
		if (wl->alarmed[i].pid == t->pid && wl->alarmed[i].start_ns == t->start_ns)
			return true;
	wl->alarmed[wl->alarms % ALARMED_MAX].pid = t->pid;
	wl->alarmed[wl->alarms % ALARMED_MAX].start_ns = t->start_ns;
	return false;
}

const char *vg_workloads_on_anomaly(struct vg_workloads *w, const struct vg_event_view *ev)
{
	struct workload *wl = w ? by_id(w, ev->anomaly->profile_id) : NULL;
	uint64_t now = clock_ns(CLOCK_BOOTTIME);
	const char *mode;

	if (!wl)
		return NULL;
	mode = wl->mode ? vg_profile_mode_name(wl->mode) : NULL;
	if (!w->o.budget_ns || !ev->proc.task)
		return mode;
	if (now - wl->budget_start_ns >= w->o.budget_ns) {
		wl->budget_start_ns = now;
		wl->alarms = 0;
	}
	if (alarmed(wl, ev->proc.task))
		return mode;
	wl->alarms++;
	if (wl->alarms <= w->o.budget || wl->pending)
		return mode;
	/* moved at the next tick: the detector is in the middle of its report */
	snprintf(wl->pending_why, sizeof(wl->pending_why),
		 "%llu processes reported in %.0f s, over the budget of %u",
		 (unsigned long long)wl->alarms, (double)(now - wl->budget_start_ns) / 1e9 + 0.5,
		 w->o.budget);
	if (wl->mode == VG_MODE_ENFORCE || wl->mode == VG_MODE_NONE)
		wl->pending = VG_MODE_AUDIT;
	else if (wl->mode == VG_MODE_AUDIT && w->o.promote_ns)
		wl->pending = VG_MODE_LEARN;
	return mode;
}

void vg_workloads_tick(struct vg_workloads *w)
{
	uint64_t now = clock_ns(CLOCK_BOOTTIME);
	char why[160];

	if (!w)
		return;
	for (size_t i = 0; i < w->n; i++) {
		struct workload *wl = &w->w[i];

		if (wl->pending) {
			enum vg_profile_mode to = wl->pending;

			wl->pending = VG_MODE_NONE;
			change_mode(w, wl, to, wl->pending_why);
			continue;
		}
		if (!w->o.promote_ns || now - wl->since_ns < w->o.promote_ns)
			continue;
		if (wl->mode == VG_MODE_LEARN) {
			snprintf(why, sizeof(why), "learned for %.0f s",
				 (double)(now - wl->since_ns) / 1e9);
			change_mode(w, wl, VG_MODE_AUDIT, why);
		} else if (wl->mode == VG_MODE_AUDIT) {
			snprintf(why, sizeof(why), "audited for %.0f s within the alarm budget",
				 (double)(now - wl->since_ns) / 1e9);
			change_mode(w, wl, VG_MODE_ENFORCE, why);
		}
	}
}
