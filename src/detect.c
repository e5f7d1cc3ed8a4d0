// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * detect.c - the live anomaly detector in user space (detect.h).
 *
 * Per process of a profiled workload: the novelties seen in the current
 * window (one reason each, counted once), their summed weights as the
 * score, and the events per kind (for rates).  A report goes out whenever
 * a new reason lifts the score to or past the threshold.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "detect.h"
#include "names.h"
#include "policy.h"

#define DEFAULT_WINDOW_NS (60ULL * 1000000000ULL)
#define MAX_PROCS 4096
#define MAX_REASONS 32

/* ---- string sets ----------------------------------------------------------- */

static size_t lower_bound(const struct vg_strset *s, const char *str)
{
	size_t lo = 0, hi = s->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (strcmp(s->v[mid], str) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

int vg_strset_add(struct vg_strset *s, const char *str)
{
	size_t at = lower_bound(s, str);
	char **nv, *copy;

	if (at < s->n && !strcmp(s->v[at], str))
		return 0;
	copy = strdup(str);
	nv = copy ? realloc(s->v, (s->n + 1) * sizeof(*nv)) : NULL;
	if (!nv) {
		free(copy);
		return -ENOMEM;
	}
	s->v = nv;
	memmove(s->v + at + 1, s->v + at, (s->n - at) * sizeof(*nv));
	s->v[at] = copy;
	s->n++;
	return 0;
}

bool vg_strset_has(const struct vg_strset *s, const char *str)
{
	size_t at = lower_bound(s, str);

	return at < s->n && !strcmp(s->v[at], str);
}

void vg_strset_release(struct vg_strset *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->v[i]);
	free(s->v);
	s->v = NULL;
	s->n = 0;
}

void vg_detect_profile_release(struct vg_detect_profile *p)
{
	free(p->workload);
	free(p->scope_of);
	vg_strset_release(&p->syscalls);
	vg_strset_release(&p->execs);
	vg_strset_release(&p->files_read);
	vg_strset_release(&p->files_write);
	vg_strset_release(&p->peers);
	vg_strset_release(&p->listens);
	vg_strset_release(&p->creds);
	memset(p, 0, sizeof(*p));
}

/* A file path is known when the set has it, or its directory followed by slash-star. */
static bool file_known(const struct vg_strset *s, const char *path)
{
	const char *slash = strrchr(path, '/');
	char dir[4100];

	if (vg_strset_has(s, path))
		return true;
	if (!slash)
		return false;
	snprintf(dir, sizeof(dir), "%.*s/*", (int)(slash - path), path);
	return vg_strset_has(s, dir);
}

/* ---- the detector ------------------------------------------------------------- */

struct proc_state {
	uint32_t pid;
	uint64_t start_ns;		/* task start: a reused pid is another process */
	size_t profile;
	uint64_t window_start;		/* boot ns */
	double score;
	size_t n_reasons;
	char *reasons[MAX_REASONS];
	uint64_t counts[VG_RATE_MAX];
	bool rate_reported[VG_RATE_MAX];
};

struct vg_detect {
	struct vg_detect_opts o;
	struct vg_detect_profile *profiles;
	size_t n_profiles;
	struct proc_state *procs;
	size_t n_procs;
};

struct vg_detect *vg_detect_new(const struct vg_detect_opts *o)
{
	struct vg_detect *d = calloc(1, sizeof(*d));

	if (!d)
		return NULL;
	d->o = *o;
	if (d->o.report_score <= 0)
		d->o.report_score = 1.0;
	if (!d->o.window_ns)
		d->o.window_ns = DEFAULT_WINDOW_NS;
	return d;
}

static void proc_reset(struct proc_state *p)
{
	for (size_t i = 0; i < p->n_reasons; i++)
		free(p->reasons[i]);
	p->n_reasons = 0;
	p->score = 0;
	memset(p->counts, 0, sizeof(p->counts));
	memset(p->rate_reported, 0, sizeof(p->rate_reported));
}

void vg_detect_free(struct vg_detect *d)
{
	if (!d)
		return;
	for (size_t i = 0; i < d->n_profiles; i++)
		vg_detect_profile_release(&d->profiles[i]);
	free(d->profiles);
	for (size_t i = 0; i < d->n_procs; i++)
		proc_reset(&d->procs[i]);
	free(d->procs);
	free(d);
}

int vg_detect_add(struct vg_detect *d, struct vg_detect_profile *p)
{
	struct vg_detect_profile *np = realloc(d->profiles, (d->n_profiles + 1) * sizeof(*np));

	if (!np)
		return -ENOMEM;
	d->profiles = np;
	np[d->n_profiles++] = *p;
	memset(p, 0, sizeof(*p));
	return 0;
}

/* Does ev's process belong to p's scope? */
static bool in_scope(const struct vg_detect_profile *p, const struct vg_event_view *ev)
{
	const struct vg_container *c = ev ? ev->proc.container : NULL;

	switch (p->scope) {
	case VG_SCOPE_CGROUP:
		return ev && ev->proc.cgroup && p->scope_of && !strcmp(ev->proc.cgroup, p->scope_of);
	case VG_SCOPE_CONTAINER:
		return c && p->scope_of && !strncmp(c->id, p->scope_of, strlen(p->scope_of));
	default:
		return true;
	}
}

/* The profile of exe for ev's process: a scoped one whose scope it is in
 * first, else one of scope exe; -1 when none. */
static long profile_of(const struct vg_detect *d, const char *exe, const struct vg_event_view *ev)
{
	long any = -1;

	for (size_t i = 0; exe && *exe && i < d->n_profiles; i++) {
		const struct vg_detect_profile *p = &d->profiles[i];

		if (strcmp(p->workload, exe))
			continue;
		if (p->scope == VG_SCOPE_CGROUP || p->scope == VG_SCOPE_CONTAINER) {
			if (in_scope(p, ev))
				return (long)i;
		} else if (any < 0) {
			any = (long)i;
		}
	}
	return any;
}

const struct vg_detect_profile *vg_detect_find(const struct vg_detect *d, const char *exe)
{
	long i = profile_of(d, exe, NULL);

	return i < 0 ? NULL : &d->profiles[i];
}

const struct vg_detect_profile *vg_detect_match(const struct vg_detect *d, const char *exe,
						const struct vg_event_view *ev)
{
	long i = profile_of(d, exe, ev);

	return i < 0 ? NULL : &d->profiles[i];
}

struct vg_detect_profile *vg_detect_by_id(struct vg_detect *d, uint32_t id)
{
	for (size_t i = 0; i < d->n_profiles; i++)
		if (d->profiles[i].id == id)
			return &d->profiles[i];
	return NULL;
}

int vg_detect_replace(struct vg_detect *d, struct vg_detect_profile *p)
{
	struct vg_detect_profile *old = vg_detect_by_id(d, p->id);

	if (!old)
		return -ENOENT;
	vg_detect_profile_release(old);
	*old = *p;
	memset(p, 0, sizeof(*p));
	return 0;
}

static struct proc_state *proc_get(struct vg_detect *d, const struct vg_task_ctx *t, size_t prof)
{
	struct proc_state *p, *np;

	for (size_t i = 0; i < d->n_procs; i++) {
		p = &d->procs[i];
		if (p->pid != t->pid)
			continue;
		if (p->start_ns != t->start_ns || p->profile != prof) {
			proc_reset(p);		/* another process, or it exec'ed */
			p->start_ns = t->start_ns;
			p->profile = prof;
			p->window_start = 0;
		}
		return p;
	}
	if (d->n_procs >= MAX_PROCS) {
		proc_reset(&d->procs[0]);	/* the oldest goes */
		memmove(d->procs, d->procs + 1, (d->n_procs - 1) * sizeof(*d->procs));
		d->n_procs--;
	}
	np = realloc(d->procs, (d->n_procs + 1) * sizeof(*np));
	if (!np)
		return NULL;
	d->procs = np;
	p = &np[d->n_procs++];
	memset(p, 0, sizeof(*p));
	p->pid = t->pid;
	p->start_ns = t->start_ns;
	p->profile = prof;
	return p;
}

static void proc_forget(struct vg_detect *d, uint32_t pid)
{
	for (size_t i = 0; i < d->n_procs; i++)
		if (d->procs[i].pid == pid) {
			proc_reset(&d->procs[i]);
			d->procs[i] = d->procs[--d->n_procs];
			return;
		}
}

/* The report: an anomaly event about ev's process. */
static void report(struct vg_detect *d, struct proc_state *p, const struct vg_event_view *ev)
{
	const struct vg_detect_profile *prof = &d->profiles[p->profile];
	struct vg_anomaly rec;
	struct vg_anomaly_view av = {
		.profile = prof->workload,
		.score = p->score,
		.reasons = (const char *const *)p->reasons,
		.n_reasons = p->n_reasons,
	};
	struct vg_event_view v = *ev;

	if (ev->hdr->type == VG_EV_ANOMALY) {
		rec = *ev->anomaly;
	} else {
		memset(&rec, 0, sizeof(rec));
		rec.hdr = *ev->hdr;
		rec.hdr.type = VG_EV_ANOMALY;
		rec.hdr.version = VG_ANOMALY_VERSION;
		rec.hdr.size = sizeof(rec);
		rec.profile_id = prof->id;
	}
	v.hdr = &rec.hdr;
	v.anomaly = &rec;
	v.anomaly_view = &av;
	v.proc.task = &rec.hdr.task;
	memset(&v.file_view, 0, sizeof(v.file_view));
	if (d->o.report)
		d->o.report(&v, d->o.ctx);
}

/* Add a reason (once per window) with its weight; report if the score reaches the threshold. */
static void novelty(struct vg_detect *d, struct proc_state *p, const struct vg_event_view *ev,
		    double weight, const char *reason)
{
	for (size_t i = 0; i < p->n_reasons; i++)
		if (!strcmp(p->reasons[i], reason))
			return;
	if (p->n_reasons < MAX_REASONS) {
		p->reasons[p->n_reasons] = strdup(reason);
		if (p->reasons[p->n_reasons])
			p->n_reasons++;
	}
	p->score += weight;
	if (p->score >= d->o.report_score)
		report(d, p, ev);
}

static const char *syscall_name(unsigned int nr, char buf[16])
{
	const char *n = vg_policy_syscall_name(nr);

	if (n)
		return n;
	snprintf(buf, 16, "%u", nr);
	return buf;
}

static void on_kernel_anomaly(struct vg_detect *d, struct proc_state *p,
			      const struct vg_event_view *ev)
{
	const struct vg_anomaly *a = ev->anomaly;
	const struct vg_detect_profile *prof = &d->profiles[p->profile];
	char reason[256], nb[16];
	uint32_t w = a->window < 8 ? a->window : 8;
	size_t len;

	len = (size_t)snprintf(reason, sizeof(reason), "unseen syscall sequence:");
	for (uint32_t i = 0; i < w && len < sizeof(reason); i++)
		len += (size_t)snprintf(reason + len, sizeof(reason) - len, " %s",
					syscall_name(a->nrs[i], nb));
	if (len < sizeof(reason))
		snprintf(reason + len, sizeof(reason) - len, " (%u of the last %d windows unseen)",
			 a->misses, 32);
	/* a fresh reason each time: the kernel sends at most one per second */
	p->score += VG_DETECT_W_SYSCALLS;
	if (p->n_reasons < MAX_REASONS) {
		p->reasons[p->n_reasons] = strdup(reason);
		if (p->reasons[p->n_reasons])
			p->n_reasons++;
	}
	if (w && !vg_strset_has(&prof->syscalls, syscall_name(a->nrs[w - 1], nb))) {
		snprintf(reason, sizeof(reason), "new syscall %s", syscall_name(a->nrs[w - 1], nb));
		novelty(d, p, ev, VG_DETECT_W_SYSCALL_NEW, reason);	/* reports */
		return;
	}
	if (p->score >= d->o.report_score)
		report(d, p, ev);
}

/* "tcp 10.0.0.5 3306" for the remote (connect) or local (bind, listen) end. */
int vg_detect_net_key(const struct vg_net *n, bool local, char *buf, size_t len)
{
	char addr[INET6_ADDRSTRLEN], pb[16];
	const char *proto = vg_protocol_name(n->protocol, pb);

	if (n->family == AF_UNIX)
		return snprintf(buf, len, "unix %.*s 0", (int)n->unix_path_len, n->unix_path) > 0 ? 0 : -1;
	if (n->family != AF_INET && n->family != AF_INET6)
		return -1;
	if (!inet_ntop(n->family, local ? n->saddr : n->daddr, addr, sizeof(addr)))
		return -1;
	snprintf(buf, len, "%s %s %u", proto ? proto : "ip", addr, local ? n->sport : n->dport);
	return 0;
}

/* "setuid 1000": the operation and the effective uid after it. */
void vg_detect_cred_key(const struct vg_priv *pr, char *buf, size_t len)
{
	const char *op = vg_priv_op_name(pr->op);

	snprintf(buf, len, "%s %u", op ? op : "other", pr->new.euid);
}

/* Does a file event write (anything but a read-only open)? */
bool vg_detect_file_writes(const struct vg_file *f)
{
	return f->op != VG_FILE_OPEN || (f->file_flags & VG_FILE_WRITE_INTENT) ||
	       (f->flags & 0100 /* O_CREAT */);
}

static void rate_check(struct vg_detect *d, struct proc_state *p, const struct vg_event_view *ev,
		       enum vg_profile_rate_kind r)
{
	const struct vg_detect_profile *prof = &d->profiles[p->profile];
	const char *name = vg_profile_rate_name(r);
	double secs = (double)d->o.window_ns / 1e9, rate;
	char reason[128];

	p->counts[r]++;
	if (p->rate_reported[r] || p->counts[r] < VG_DETECT_RATE_MIN)
		return;
	rate = (double)p->counts[r] / secs;
	if (rate <= VG_DETECT_RATE_FACTOR * prof->rates[r])
		return;
	p->rate_reported[r] = true;
	snprintf(reason, sizeof(reason), "%s rate %.1f/s (learned %.2f/s)", name, rate,
		 prof->rates[r]);
	novelty(d, p, ev, VG_DETECT_W_RATE, reason);
}

void vg_detect_on_event(struct vg_detect *d, const struct vg_event_view *ev)
{
	const struct vg_task_ctx *t = ev->proc.task;
	const struct vg_detect_profile *prof;
	struct proc_state *p;
	char key[600];
	long i;

	if (!t)
		return;
	if (ev->hdr->type == VG_EV_EXIT) {
		proc_forget(d, t->pid);
		return;
	}
	/* a profiled workload's new child: about the child, under the parent's profile */
	if (ev->hdr->type == VG_EV_EXEC && (i = profile_of(d, ev->proc.parent_exe, ev)) >= 0 &&
	    profile_of(d, ev->proc.exe, ev) < 0) {
		prof = &d->profiles[i];
		if (prof->learning)
			return;
		if (vg_strset_has(&prof->execs, ev->proc.exe))
			return;
		p = proc_get(d, t, (size_t)i);
		if (!p)
			return;
		if (!p->window_start)
			p->window_start = ev->hdr->ts_ns;
		snprintf(key, sizeof(key), "new child %s", ev->proc.exe);
		novelty(d, p, ev, VG_DETECT_W_EXEC, key);
		return;
	}
	if (ev->hdr->type == VG_EV_ANOMALY) {	/* the kernel says whose */
		const struct vg_detect_profile *by = vg_detect_by_id(d, ev->anomaly->profile_id);

		i = by ? by - d->profiles : -1;
	} else {
		i = profile_of(d, ev->proc.exe, ev);
	}
	if (i < 0)
		return;
	prof = &d->profiles[i];
	if (prof->learning)
		return;
	p = proc_get(d, t, (size_t)i);
	if (!p)
		return;
	if (!p->window_start || ev->hdr->ts_ns - p->window_start >= d->o.window_ns) {
		proc_reset(p);
		p->window_start = ev->hdr->ts_ns;
	}
	switch (ev->hdr->type) {
	case VG_EV_ANOMALY:
		on_kernel_anomaly(d, p, ev);
		break;
	case VG_EV_FILE: {
		const char *path = ev->file_view.path;
		bool w = vg_detect_file_writes(ev->file);

		rate_check(d, p, ev, VG_RATE_FILE);
		if (!path || !*path || file_known(w ? &prof->files_write : &prof->files_read, path))
			break;
		snprintf(key, sizeof(key), "new file %s %s", w ? "write" : "read", path);
		novelty(d, p, ev, w ? VG_DETECT_W_FILE_WRITE : VG_DETECT_W_FILE_READ, key);
		break;
	}
	case VG_EV_NET: {
		const struct vg_net *n = ev->net;
		bool local = n->op == VG_NET_BIND || n->op == VG_NET_LISTEN;
		char nk[300];

		rate_check(d, p, ev, VG_RATE_NET);
		if (n->op == VG_NET_ACCEPT || vg_detect_net_key(n, local, nk, sizeof(nk)))
			break;
		if (vg_strset_has(local ? &prof->listens : &prof->peers, nk))
			break;
		snprintf(key, sizeof(key), "new %s %s", local ? "listen" : "peer", nk);
		novelty(d, p, ev, local ? VG_DETECT_W_LISTEN : VG_DETECT_W_PEER, key);
		break;
	}
	case VG_EV_PRIV: {
		char ck[64];

		rate_check(d, p, ev, VG_RATE_PRIV);
		vg_detect_cred_key(ev->priv, ck, sizeof(ck));
		if (vg_strset_has(&prof->creds, ck))
			break;
		snprintf(key, sizeof(key), "new credential change %s", ck);
		novelty(d, p, ev, VG_DETECT_W_CRED, key);
		break;
	}
	default:
		break;
	}
}
