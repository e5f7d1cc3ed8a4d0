// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * learn.c - learning profiles live, and loading them for detection (learn.h).
 */
#include <dirent.h>
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
#include "learn.h"
#include "log.h"
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

/* ---- learning ---------------------------------------------------------------- */

struct learner {
	const struct vg_learn_opts *o;
	struct vg_profile *p;		/* one per exe */
	uint64_t *events;		/* per exe: [VG_RATE_MAX] */
	uint32_t **pids;		/* per exe: processes seen */
	size_t *n_pids;
};

static long exe_index(const struct learner *l, const char *exe)
{
	for (size_t i = 0; exe && *exe && i < l->o->n_exes; i++)
		if (!strcmp(l->o->exes[i], exe))
			return (long)i;
	return -1;
}

static void saw_process(struct learner *l, size_t i, uint32_t pid)
{
	uint32_t *np;

	for (size_t j = 0; j < l->n_pids[i]; j++)
		if (l->pids[i][j] == pid)
			return;
	np = realloc(l->pids[i], (l->n_pids[i] + 1) * sizeof(*np));
	if (!np)
		return;
	l->pids[i] = np;
	np[l->n_pids[i]++] = pid;
}

static int learn_event(const struct vg_event_view *ev, void *ctx)
{
	struct learner *l = ctx;
	const struct vg_task_ctx *t = ev->proc.task;
	uint64_t *events;
	char key[300];
	long i;

	if (!t)
		return 0;
	if (ev->hdr->type == VG_EV_EXEC && (i = exe_index(l, ev->proc.parent_exe)) >= 0 &&
	    exe_index(l, ev->proc.exe) < 0) {
		vg_profile_add_exec(&l->p[i], ev->proc.exe, 1);
		l->events[i * VG_RATE_MAX + VG_RATE_EXEC]++;
		return 0;
	}
	i = exe_index(l, ev->proc.exe);
	if (i < 0)
		return 0;
	saw_process(l, (size_t)i, t->pid);
	events = &l->events[i * VG_RATE_MAX];
	switch (ev->hdr->type) {
	case VG_EV_FILE:
		events[VG_RATE_FILE]++;
		if (ev->file_view.path && *ev->file_view.path)
			vg_profile_add_file(&l->p[i], vg_detect_file_writes(ev->file) ?
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
			vg_profile_add_listen(&l->p[i], proto, addr, port, 1);
		else
			vg_profile_add_connect(&l->p[i], proto, addr, port, 1);
		break;
	}
	case VG_EV_PRIV: {
		const char *op = vg_priv_op_name(ev->priv->op);

		events[VG_RATE_PRIV]++;
		vg_profile_add_cred(&l->p[i], op ? op : "other", ev->priv->new.euid, 1);
		break;
	}
	default:
		break;
	}
	return 0;
}

static int learned_seq(uint32_t id, const uint16_t *nrs, uint32_t len, uint64_t count, void *ctx)
{
	struct learner *l = ctx;

	if (id < 1 || id > l->o->n_exes)
		return 0;
	if (len == 1)
		vg_profile_add_syscall(&l->p[id - 1], nrs[0], count);
	return vg_profile_add_ngram(&l->p[id - 1], nrs, len, count);
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

static int save_profiles(struct learner *l, struct vg_sensor *sensor, time_t start,
			 uint64_t ms)
{
	struct vg_prof_maps m;
	char path[4200];
	int err;

	vg_sensor_profile_maps(sensor, &m);
	err = vg_prof_kernel_read_learned(&m, learned_seq, l);
	if (err)
		return vg_error("cannot read the learned syscall sequences: %s", strerror(-err)), err;
	for (size_t i = 0; i < l->o->n_exes; i++) {
		struct vg_profile *p = &l->p[i];
		double secs = ms ? (double)ms / 1000.0 : 1.0;

		vg_profile_set_learned(p, (int64_t)start, (ms + 500) / 1000);
		p->processes = l->n_pids[i];
		for (int k = 0; k < VG_RATE_MAX; k++)
			vg_profile_set_rate(p, k, k == VG_RATE_SYSCALL ? (double)p->syscalls / secs :
				(double)l->events[i * VG_RATE_MAX + k] / secs);
		vg_learn_profile_path(l->o->out_dir, l->o->exes[i], path, sizeof(path));
		err = vg_profile_save(p, path);
		if (err)
			return vg_error("cannot write '%s': %s", path, strerror(-err)), err;
		vg_info("%s: %llu processes, %llu syscalls, written to %s", l->o->exes[i],
			(unsigned long long)p->processes, (unsigned long long)p->syscalls, path);
	}
	return 0;
}

int vg_learn_live(const struct vg_learn_opts *o)
{
	struct learner l = { .o = o };
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
	unsigned int window = o->window ? o->window : VG_NGRAM_DEFAULT;
	struct vg_prof_maps m;
	uint64_t t0;
	time_t start = time(NULL);
	int err;

	err = mkdir_p(o->out_dir);
	if (err)
		return vg_error("cannot create '%s': %s", o->out_dir, strerror(-err)), err;
	l.p = calloc(o->n_exes, sizeof(*l.p));
	l.events = calloc(o->n_exes * VG_RATE_MAX, sizeof(*l.events));
	l.pids = calloc(o->n_exes, sizeof(*l.pids));
	l.n_pids = calloc(o->n_exes, sizeof(*l.n_pids));
	if (!l.p || !l.events || !l.pids || !l.n_pids) {
		err = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < o->n_exes; i++) {
		vg_profile_init(&l.p[i]);
		vg_profile_set_workload(&l.p[i], VG_SCOPE_EXE, o->exes[i]);
		l.p[i].scope = VG_SCOPE_EXE;
		vg_profile_set_window(&l.p[i], window);
	}
	err = vg_agent_start(&agent, &ao);
	if (err)
		goto out;
	vg_sensor_profile_maps(&agent.sensor, &m);
	for (size_t i = 0; i < o->n_exes && !err; i++) {
		struct vg_prof_exe_val v = { (uint32_t)i + 1, VG_PROF_LEARN, window, 0 };
		size_t seeded = 0;

		err = vg_prof_kernel_set_exe(&m, o->exes[i], &v, &seeded);
		if (err)
			vg_error("cannot learn '%s': %s", o->exes[i], strerror(-err));
		else if (seeded)
			vg_info("%s: %zu processes already running, learned from now on", o->exes[i],
				seeded);
	}
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
		err = save_profiles(&l, &agent.sensor, start, now_ms() - t0);
	}
	vg_agent_stop(&agent);
out:
	for (size_t i = 0; l.p && i < o->n_exes; i++)
		vg_profile_release(&l.p[i]);
	for (size_t i = 0; l.pids && i < o->n_exes; i++)
		free(l.pids[i]);
	free(l.p);
	free(l.events);
	free(l.pids);
	free(l.n_pids);
	return err;
}

/* ---- detection --------------------------------------------------------------- */

static int set_from_map(struct vg_strset *set, const struct vg_profile_strmap *map)
{
	const struct vg_profile_strent **ents = NULL;
	size_t n = vg_profile_strmap_sorted(map, &ents);
	char raw[4096];
	int err = 0;

	for (size_t i = 0; i < n && !err; i++) {
		vg_profile_unescape(ents[i]->key, raw, sizeof(raw));
		err = vg_strset_add(set, raw);
	}
	free(ents);
	return err;
}

/* The detector's view of a profile. */
static int detect_profile(const struct vg_profile *p, uint32_t id, struct vg_detect_profile *dp)
{
	char raw[4096];
	int err = 0;

	memset(dp, 0, sizeof(*dp));
	vg_profile_unescape(p->workload, raw, sizeof(raw));
	dp->workload = strdup(raw);
	dp->id = id;
	if (!dp->workload)
		return -ENOMEM;
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
	return err;
}

/* The kernel's keys: every window of the profile's length. */
static int kernel_profile(const struct vg_profile *p, uint32_t id, unsigned int threshold,
			  const struct vg_prof_maps *m)
{
	const struct vg_profile_ngram **ng = NULL;
	size_t n = vg_profile_ngrams_sorted(p, &ng), k = 0;
	struct vg_prof_exe_val v = { id, VG_PROF_DETECT, p->window, threshold };
	uint64_t *keys = calloc(n ? n : 1, sizeof(*keys));
	char raw[4096];
	size_t seeded = 0;
	int err;

	if (!keys) {
		free(ng);
		return -ENOMEM;
	}
	for (size_t i = 0; i < n; i++)
		if (ng[i]->len == p->window)
			keys[k++] = ng[i]->key;
	free(ng);
	err = vg_prof_kernel_add_ngrams(m, id, keys, k);
	free(keys);
	if (err)
		return err;
	vg_profile_unescape(p->workload, raw, sizeof(raw));
	err = vg_prof_kernel_set_exe(m, raw, &v, &seeded);
	if (!err)
		vg_info("profile of %s: %zu windows of %u syscalls, %zu running processes",
			raw, k, p->window, seeded);
	return err;
}

int vg_learn_load_profiles(const char *dir, unsigned int threshold, struct vg_sensor *sensor,
			   struct vg_detect *detect)
{
	struct dirent **names = NULL;
	struct vg_prof_maps m;
	int n, loaded = 0, err = 0;

	if (!threshold)
		threshold = DEFAULT_THRESHOLD;
	vg_sensor_profile_maps(sensor, &m);
	n = scandir(dir, &names, NULL, alphasort);
	if (n < 0)
		return vg_error("cannot read profiles in '%s': %s", dir, strerror(errno)), -errno;
	for (int i = 0; i < n; i++) {
		const char *d = names[i]->d_name;
		size_t len = strlen(d);
		struct vg_profile p;
		struct vg_profile_diag diag;
		struct vg_detect_profile dp;
		char path[4200], msg[600];

		if (err || d[0] == '.' || len < 9 || strcmp(d + len - 8, ".profile"))
			goto next;
		snprintf(path, sizeof(path), "%s/%s", dir, d);
		vg_profile_init(&p);
		err = vg_profile_load(&p, path, &diag);
		if (err) {
			vg_error("%s", vg_profile_diag_format(&diag, msg, sizeof(msg)));
			goto next;
		}
		if (p.workload_kind != VG_SCOPE_EXE) {
			vg_error("%s: workload %s: live detection is per executable (workload exe)",
				 path, vg_profile_scope_name(p.workload_kind));
			err = -EINVAL;
		}
		if (!err)
			err = kernel_profile(&p, (uint32_t)loaded + 1, threshold, &m);
		if (!err)
			err = detect_profile(&p, (uint32_t)loaded + 1, &dp);
		if (!err)
			err = vg_detect_add(detect, &dp);
		if (err)
			vg_error("cannot load the profile '%s': %s", path, strerror(-err));
		else
			loaded++;
		vg_profile_release(&p);
next:
		free(names[i]);
	}
	free(names);
	if (!err && !loaded)
		return vg_error("no profiles (*.profile) in '%s'", dir), -ENOENT;
	return err ? err : loaded;
}
