// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * learn.c - learning profiles live, and loading them for detection (learn.h).
 */
#include <dirent.h>
#include <ftw.h>
#include <limits.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <bpf/libbpf.h>

#include "agent.h"
#include "container.h"
#include "learn.h"
#include "log.h"
#include "mounts.h"
#include "netctl.h"
#include "names.h"
#include "profile.h"
#include "profile_kernel.h"
#include "vigil/profile.h"

#define DEFAULT_THRESHOLD 4

void vg_learn_profile_path(const char *dir, const char *exe, char *buf, size_t len)
{
	size_t n = (size_t)snprintf(buf, len, "%s/", dir);

	for (const char *s = exe[0] == '/' ? exe + 1 : exe; *s && n + 1 < len; s++)
		buf[n++] = (*s == '/' || *s == ' ') ? '_' : *s;
	buf[n < len ? n : len - 1] = '\0';
	if (n + 9 < len)
		strcat(buf, ".profile");
}

/* The file of a scoped profile: "cgroup_test_a__usr_bin_x.profile",
 * "container_0123456789ab__usr_bin_x.profile". */
static void scoped_profile_path(const char *dir, enum vg_profile_scope scope, const char *what,
				const char *exe, char *buf, size_t len)
{
	char name[1024];
	size_t n;

	if (scope == VG_SCOPE_EXE || !what) {
		vg_learn_profile_path(dir, exe, buf, len);
		return;
	}
	n = (size_t)snprintf(name, sizeof(name), "%s_%.*s_", vg_profile_scope_name(scope),
			     scope == VG_SCOPE_CONTAINER ? 12 : 400,
			     what[0] == '/' ? what + 1 : what);
	snprintf(name + n, sizeof(name) - n, "%s", exe);
	vg_learn_profile_path(dir, name, buf, len);
}

/* ---- learning ---------------------------------------------------------------- */

/* A cgroup learned as a whole (scopes cgroup, container). */
struct scope {
	uint64_t cgroup_id;
	char *cgroup;			/* as /proc/PID/cgroup writes it */
	char container[VG_CONTAINER_ID_LEN + 1];	/* "" for scope cgroup */
};

/* One profile being learned: an executable, in a scope's cgroup or anywhere. */
struct learned {
	uint64_t cgroup_id;		/* 0: scope exe */
	char *exe;
	const struct scope *scope;	/* NULL: scope exe */
	struct vg_profile p;
	uint64_t events[VG_RATE_MAX];
	uint32_t *pids;			/* processes seen */
	size_t n_pids;
};

struct learner {
	const struct vg_learn_opts *o;
	struct vg_prof_maps m;
	unsigned int window;
	uint32_t next_id;		/* the next user-space profile id */
	struct scope *scopes;
	size_t n_scopes;
	struct learned **ls;
	size_t n_ls;
	struct learned *by_id[VG_PROF_EXE_MAX + 1];
	int err;			/* a fatal error met in the event handler */
};

static bool wanted_exe(const struct learner *l, const char *exe)
{
	if (!exe || !*exe)
		return false;
	if (l->o->scope != VG_SCOPE_EXE && !l->o->n_exes)
		return true;		/* every executable of the scope */
	for (size_t i = 0; i < l->o->n_exes; i++)
		if (!strcmp(l->o->exes[i], exe))
			return true;
	return false;
}

static const struct scope *scope_of(const struct learner *l, uint64_t cgroup_id)
{
	for (size_t i = 0; i < l->n_scopes; i++)
		if (l->scopes[i].cgroup_id == cgroup_id)
			return &l->scopes[i];
	return NULL;
}

/* The profile of exe in cgroup_id (scope exe: any cgroup), created unless
 * `existing`; NULL when neither is learned, or out of memory (l->err set). */
static struct learned *learned_find(struct learner *l, uint64_t cgroup_id, const char *exe,
				    bool existing)
{
	const struct scope *sc = NULL;
	struct learned *x, **nl;
	int err;

	if (!wanted_exe(l, exe))
		return NULL;
	if (l->o->scope == VG_SCOPE_EXE) {
		cgroup_id = 0;
	} else if (!(sc = scope_of(l, cgroup_id))) {
		return NULL;
	}
	for (size_t i = 0; i < l->n_ls; i++)
		if (l->ls[i]->cgroup_id == cgroup_id && !strcmp(l->ls[i]->exe, exe))
			return l->ls[i];
	if (existing)
		return NULL;
	x = calloc(1, sizeof(*x));
	nl = realloc(l->ls, (l->n_ls + 1) * sizeof(*nl));
	if (nl)
		l->ls = nl;
	if (!x || !nl || !(x->exe = strdup(exe))) {
		free(x);
		l->err = -ENOMEM;
		return NULL;
	}
	x->cgroup_id = cgroup_id;
	x->scope = sc;
	vg_profile_init(&x->p);
	err = vg_profile_set_workload(&x->p, VG_SCOPE_EXE, exe);
	if (!err)
		err = sc ? vg_profile_set_scope(&x->p, l->o->scope, sc->container[0] ? sc->container :
						sc->cgroup) :
			   vg_profile_set_scope(&x->p, VG_SCOPE_EXE, NULL);
	if (!err)
		err = vg_profile_set_window(&x->p, l->window);
	l->ls[l->n_ls++] = x;
	if (err)
		l->err = err;
	return err ? NULL : x;
}

static struct learned *learned_get(struct learner *l, uint64_t cgroup_id, const char *exe)
{
	return learned_find(l, cgroup_id, exe, false);
}

static void saw_process(struct learned *x, uint32_t pid)
{
	uint32_t *np;

	for (size_t j = 0; j < x->n_pids; j++)
		if (x->pids[j] == pid)
			return;
	np = realloc(x->pids, (x->n_pids + 1) * sizeof(*np));
	if (!np)
		return;
	x->pids = np;
	np[x->n_pids++] = pid;
}

/* Start learning a cgroup as a whole (or only the --exe executables in it). */
static int bind_scope(struct learner *l, uint64_t cgroup_id, const char *cgroup,
		      const char *container)
{
	struct vg_prof_exe_val tmpl = { 0, VG_PROF_LEARN, l->window, 0 };
	struct scope *ns;
	size_t seeded = 0, n;
	int err = 0;

	if (!cgroup_id || scope_of(l, cgroup_id))
		return 0;
	ns = realloc(l->scopes, (l->n_scopes + 1) * sizeof(*ns));
	if (!ns)
		return -ENOMEM;
	l->scopes = ns;
	ns = &l->scopes[l->n_scopes];
	memset(ns, 0, sizeof(*ns));
	ns->cgroup_id = cgroup_id;
	ns->cgroup = strdup(cgroup);
	if (!ns->cgroup)
		return -ENOMEM;
	if (container)
		snprintf(ns->container, sizeof(ns->container), "%s", container);
	l->n_scopes++;
	if (!l->o->n_exes) {
		err = vg_prof_kernel_add_scope(&l->m, cgroup_id, &tmpl, &l->next_id, &seeded);
	} else {
		for (size_t i = 0; i < l->o->n_exes && !err; i++) {
			if (l->next_id > VG_PROF_USER_IDS)
				return -ENOSPC;
			tmpl.profile_id = l->next_id++;
			err = vg_prof_kernel_set_exe(&l->m, l->o->exes[i], cgroup_id, &tmpl, &n);
			seeded += n;
		}
	}
	if (err)
		return vg_error("cannot learn cgroup %s: %s", cgroup, strerror(-err)), err;
	if (container)
		vg_info("learning container %.12s (cgroup %s)%s", container, cgroup,
			seeded ? ", processes already running learned from now on" : "");
	else
		vg_info("learning cgroup %s%s", cgroup,
			seeded ? ", processes already running learned from now on" : "");
	return 0;
}

/* A cgroup that became a scope while learning: a new container, or a
 * --cgroup that was created (again) after the start. */
static void maybe_bind(struct learner *l, const struct vg_event_view *ev)
{
	const struct vg_task_ctx *t = ev->proc.task;
	const struct vg_container *c = ev->proc.container;

	if (l->o->scope == VG_SCOPE_EXE || !t->cgroup_id || scope_of(l, t->cgroup_id) ||
	    !ev->proc.cgroup || !*ev->proc.cgroup)
		return;
	if (l->o->scope == VG_SCOPE_CONTAINER) {
		bool want = c && c->runtime != VG_RT_NONE && !l->o->n_targets;

		for (size_t i = 0; c && c->runtime != VG_RT_NONE && i < l->o->n_targets; i++)
			want |= !strncmp(c->id, l->o->targets[i], strlen(l->o->targets[i]));
		if (want && !l->err)
			l->err = bind_scope(l, t->cgroup_id, ev->proc.cgroup, c->id);
		return;
	}
	for (size_t i = 0; i < l->o->n_targets; i++)
		if (!strcmp(ev->proc.cgroup, l->o->targets[i]) && !l->err)
			l->err = bind_scope(l, t->cgroup_id, ev->proc.cgroup, NULL);
}

void vg_learn_absorb(struct vg_profile *p, uint64_t events[VG_RATE_MAX],
		     const struct vg_event_view *ev)
{
	char key[300];

	switch (ev->hdr->type) {
	case VG_EV_FILE:
		events[VG_RATE_FILE]++;
		if (ev->file_view.path && *ev->file_view.path)
			vg_profile_add_file(p, vg_detect_file_writes(ev->file) ?
				VG_PROFILE_FILE_WRITE : VG_PROFILE_FILE_READ, ev->file_view.path, 1);
		break;
	case VG_EV_NET: {
		const struct vg_net *n = ev->net;
		bool local = n->op == VG_NET_BIND || n->op == VG_NET_LISTEN;
		char proto[16], addr[256];
		unsigned int port;

		events[VG_RATE_NET]++;
		if (n->op == VG_NET_ACCEPT || vg_detect_net_key(n, local, key, sizeof(key)) ||
		    sscanf(key, "%15s %255s %u", proto, addr, &port) != 3)
			break;
		if (local)
			vg_profile_add_listen(p, proto, addr, port, 1);
		else
			vg_profile_add_connect(p, proto, addr, port, 1);
		break;
	}
	case VG_EV_PRIV: {
		const char *op = vg_priv_op_name(ev->priv->op);

		events[VG_RATE_PRIV]++;
		vg_profile_add_cred(p, op ? op : "other", ev->priv->new.euid, 1);
		break;
	}
	default:
		break;
	}
}

static int learn_event(const struct vg_event_view *ev, void *ctx)
{
	struct learner *l = ctx;
	const struct vg_task_ctx *t = ev->proc.task;
	struct learned *x, *parent;

	if (!t)
		return 0;
	if (ev->hdr->type == VG_EV_EXEC)
		maybe_bind(l, ev);
	if (l->err)
		return l->err;
	/* a child program: the parent's, if the parent is learned (scoped: in the
	 * same cgroup, so a profile of it exists already) */
	if (ev->hdr->type == VG_EV_EXEC && strcmp(ev->proc.parent_exe, ev->proc.exe) &&
	    (parent = learned_find(l, t->cgroup_id, ev->proc.parent_exe,
				   l->o->scope != VG_SCOPE_EXE))) {
		vg_profile_add_exec(&parent->p, ev->proc.exe, 1);
		parent->events[VG_RATE_EXEC]++;
	}
	x = learned_get(l, t->cgroup_id, ev->proc.exe);
	if (!x)
		return l->err;
	saw_process(x, t->pid);
	vg_learn_absorb(&x->p, x->events, ev);
	return 0;
}

/* Each (cgroup, executable) the kernel profiled: its id, and a profile even
 * if it did nothing the sensors report. */
static int learned_exe(uint64_t cgroup_id, const char *exe, uint32_t id, void *ctx)
{
	struct learner *l = ctx;
	struct learned *x = learned_get(l, cgroup_id, exe);

	if (x && id >= 1 && id <= VG_PROF_EXE_MAX)
		l->by_id[id] = x;
	return l->err;
}

static int learned_seq(uint32_t id, const uint16_t *nrs, uint32_t len, uint64_t count, void *ctx)
{
	struct learner *l = ctx;
	struct learned *x = id <= VG_PROF_EXE_MAX ? l->by_id[id] : NULL;

	if (!x)
		return 0;
	if (len == 1)
		vg_profile_add_syscall(&x->p, nrs[0], count);
	return vg_profile_add_ngram(&x->p, nrs, len, count);
}

static int mkdir_p(const char *dir)
{
	char buf[4096];

	snprintf(buf, sizeof(buf), "%s", dir);
	for (char *s = buf + 1; *s; s++)
		if (*s == '/') {
			*s = '\0';
			if (mkdir(buf, 0755) && errno != EEXIST)
				return -errno;
			*s = '/';
		}
	return mkdir(buf, 0755) && errno != EEXIST ? -errno : 0;
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static int save_profiles(struct learner *l, time_t start, uint64_t ms)
{
	char path[4200];
	int err;

	err = vg_prof_kernel_read_exes(&l->m, learned_exe, l);
	if (!err)
		err = vg_prof_kernel_read_learned(&l->m, learned_seq, l);
	if (err)
		return vg_error("cannot read the learned syscall sequences: %s", strerror(-err)), err;
	if (!l->n_ls)
		vg_warn("nothing learned: no process of the workload ran");
	for (size_t i = 0; i < l->n_ls; i++) {
		struct learned *x = l->ls[i];
		struct vg_profile *p = &x->p;
		double secs = ms ? (double)ms / 1000.0 : 1.0;

		vg_profile_set_learned(p, (int64_t)start, (ms + 500) / 1000);
		p->processes = x->n_pids;
		for (int k = 0; k < VG_RATE_MAX; k++)
			vg_profile_set_rate(p, k, k == VG_RATE_SYSCALL ? (double)p->syscalls / secs :
				(double)x->events[k] / secs);
		scoped_profile_path(l->o->out_dir, l->o->scope, x->scope ? (x->scope->container[0] ?
				    x->scope->container : x->scope->cgroup) : NULL, x->exe, path,
				    sizeof(path));
		err = vg_profile_save(p, path);
		if (err)
			return vg_error("cannot write '%s': %s", path, strerror(-err)), err;
		vg_info("%s%s%s: %llu processes, %llu syscalls, written to %s", x->exe,
			x->scope ? " in " : "", x->scope ? x->scope->cgroup : "",
			(unsigned long long)p->processes, (unsigned long long)p->syscalls, path);
	}
	return 0;
}

struct cg_walk {
	struct learner *l;
	size_t root_len;
	int err;
};

static struct cg_walk *cg_walk_ctx;

/* nftw callback: a cgroup directory that is a container the learner wants. */
static int cg_visit(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	struct cg_walk *w = cg_walk_ctx;
	const char *rel = path + w->root_len;
	struct vg_container c;
	bool want;

	if (flag != FTW_D || !*rel || !vg_container_from_cgroup(rel, &c))
		return 0;
	want = !w->l->o->n_targets;
	for (size_t i = 0; i < w->l->o->n_targets; i++)
		want |= !strncmp(c.id, w->l->o->targets[i], strlen(w->l->o->targets[i]));
	if (want)
		w->err = bind_scope(w->l, st->st_ino, rel, c.id);
	return w->err;
}

/* The scopes that exist now: --cgroup directories, running containers. */
static int bind_initial_scopes(struct learner *l)
{
	char root[PATH_MAX], real[PATH_MAX];
	struct cg_walk w = { .l = l };
	uint64_t id;
	int err;

	if (l->o->scope == VG_SCOPE_EXE)
		return 0;
	err = vg_mount_find("cgroup2", root, sizeof(root));
	if (err)
		return vg_error("cgroup v2 is not mounted: cannot learn by %s",
				vg_profile_scope_name(l->o->scope)), -ENODEV;
	if (l->o->scope == VG_SCOPE_CGROUP) {
		for (size_t i = 0; i < l->o->n_targets && !err; i++) {
			err = vg_netctl_cgroup(l->o->targets[i], real, sizeof(real), &id);
			if (err == -ENOENT) {
				vg_warn("cgroup %s does not exist (yet): learned once a process "
					"execs there", l->o->targets[i]);
				err = 0;
				continue;
			}
			if (err)
				return vg_error("--cgroup %s: %s", l->o->targets[i], err == -EINVAL ?
						"not a cgroup v2 directory" : strerror(-err)), err;
			err = bind_scope(l, id, real + strlen(root), NULL);
		}
		return err;
	}
	w.root_len = strlen(root);
	cg_walk_ctx = &w;
	nftw(root, cg_visit, 16, FTW_PHYS);
	cg_walk_ctx = NULL;
	return w.err;
}

int vg_learn_live(const struct vg_learn_opts *o)
{
	struct learner l = { .o = o, .next_id = 1 };
	struct vg_agent agent;
	struct vg_agent_opts ao = {
		.sensor = {
			.sensors = VG_SENSOR_ALL | VG_SENSOR_PROFILE,
			.self_pid = (uint32_t)getpid(),
			.wakeup_bytes = 256 * 1024,
		},
		.on_event = learn_event,
		.ctx = &l,
	};
	uint64_t t0;
	time_t start = time(NULL);
	int err;

	l.window = o->window ? o->window : VG_NGRAM_DEFAULT;
	err = mkdir_p(o->out_dir);
	if (err)
		return vg_error("cannot create '%s': %s", o->out_dir, strerror(-err)), err;
	err = vg_agent_start(&agent, &ao);
	if (err)
		return err;
	vg_sensor_profile_maps(&agent.sensor, &l.m);
	for (size_t i = 0; o->scope == VG_SCOPE_EXE && i < o->n_exes && !err; i++) {
		struct vg_prof_exe_val v = { l.next_id++, VG_PROF_LEARN, l.window, 0 };
		size_t seeded = 0;

		err = vg_prof_kernel_set_exe(&l.m, o->exes[i], 0, &v, &seeded);
		if (err)
			vg_error("cannot learn '%s': %s", o->exes[i], strerror(-err));
		else if (seeded)
			vg_info("%s: %zu processes already running, learned from now on", o->exes[i],
				seeded);
	}
	if (!err)
		err = bind_initial_scopes(&l);
	if (!err && o->ready_file) {
		int fd = open(o->ready_file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

		if (fd >= 0)
			close(fd);
	}
	t0 = now_ms();
	while (!err && !(o->stop && *o->stop) && now_ms() - t0 < o->duration_ms) {
		int n = vg_agent_poll(&agent, 100);

		if (n < 0 && n != -EINTR)
			err = n;
	}
	if (!err) {
		err = ring_buffer__consume(agent.rb) < 0 ? -EIO : 0;
		err = save_profiles(&l, start, now_ms() - t0);
	}
	vg_agent_stop(&agent);
	for (size_t i = 0; i < l.n_ls; i++) {
		vg_profile_release(&l.ls[i]->p);
		free(l.ls[i]->exe);
		free(l.ls[i]->pids);
		free(l.ls[i]);
	}
	for (size_t i = 0; i < l.n_scopes; i++)
		free(l.scopes[i].cgroup);
	free(l.ls);
	free(l.scopes);
	return err;
}

