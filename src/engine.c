// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * engine.c - the policy engine's life and its decisions: load, match every
 * event against the rules, act (or say why not), report, reload.
 *
 * Who acts, per action (docs/policies.md):
 *   kill      the kernel, when the rule's selector is decided there
 *             (engine_compile.c); else user space, on the event
 *   deny      fanotify (exec, file.open) or the cgroup hooks (sockets):
 *             reported from their decisions, not from sensor events
 *   drop      XDP: reported from its counters
 *   throttle, freeze, quarantine, release
 *             user space, through cgroups (cgaction.c)
 * Guardrails before any action done here: the policy's allow list, pid 1,
 * kernel threads, vigil itself, and the rate limits.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agent.h"
#include "buf.h"
#include "cgaction.h"
#include "clock.h"
#include "engine_int.h"
#include "fadeny.h"
#include "log.h"
#include "policy_match.h"

#define CHECK_INTERVAL_NS 1000000000ULL	/* policy files, packet counters */

static uint64_t realtime_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* ---- loading ------------------------------------------------------------ */

static int load_set(const struct vg_engine_opts *o, struct vg_policy_set *set)
{
	char line[1024];

	vg_policy_set_init(set);
	if (!o->n_paths)
		vg_policy_load_buffer(set, "<embedded default policies>", vg_default_policies,
				      strlen(vg_default_policies));
	for (size_t i = 0; i < o->n_paths; i++)
		vg_policy_load_path(set, o->paths[i]);
	for (size_t i = 0; i < set->n_diags; i++)
		vg_error("%s", vg_policy_diag_format(&set->diags[i], line, sizeof(line)));
	if (set->n_diags) {
		vg_error("%zu error%s in the policies", set->n_diags, set->n_diags == 1 ? "" : "s");
		vg_policy_set_release(set);
		return -EINVAL;
	}
	return 0;
}

/* FNV-1a over what identifies the policy files' contents: names, sizes,
 * mtimes (directories: their *.yaml / *.yml entries). */
static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
	const unsigned char *b = p;

	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * 1099511628211ULL;
	return h;
}

static uint64_t stat_sig(uint64_t h, const char *path)
{
	struct stat st;

	h = fnv(h, path, strlen(path) + 1);
	if (stat(path, &st))
		return fnv(h, "missing", 7);
	h = fnv(h, &st.st_size, sizeof(st.st_size));
	h = fnv(h, &st.st_mtim, sizeof(st.st_mtim));
	return fnv(h, &st.st_ino, sizeof(st.st_ino));
}

static uint64_t files_signature(const struct vg_engine_opts *o)
{
	uint64_t h = 1469598103934665603ULL;

	for (size_t i = 0; i < o->n_paths; i++) {
		struct stat st;
		struct dirent **names = NULL;
		int n;

		h = stat_sig(h, o->paths[i]);
		if (stat(o->paths[i], &st) || !S_ISDIR(st.st_mode))
			continue;
		n = scandir(o->paths[i], &names, NULL, alphasort);
		for (int j = 0; j < n; j++) {
			const char *d = names[j]->d_name;
			size_t len = strlen(d);
			char path[4096];

			if (d[0] != '.' && ((len > 5 && !strcmp(d + len - 5, ".yaml")) ||
					    (len > 4 && !strcmp(d + len - 4, ".yml")))) {
				snprintf(path, sizeof(path), "%s/%s", o->paths[i], d);
				h = stat_sig(h, path);
			}
			free(names[j]);
		}
		free(names);
	}
	return h;
}

struct vg_engine *vg_engine_new(const struct vg_engine_opts *opts)
{
	struct vg_engine *e = calloc(1, sizeof(*e));
	struct vg_policy_set set;

	if (!e)
		return NULL;
	e->o = *opts;
	e->maps = (struct vg_pol_maps){ -1, -1, -1, -1 };
	pthread_rwlock_init(&e->lock, NULL);
	pthread_mutex_init(&e->fa_mu, NULL);
	vg_watchlist_init(&e->base);
	e->xdp = calloc(opts->n_xdp_ifaces ? opts->n_xdp_ifaces : 1, sizeof(*e->xdp));
	e->xdp_open = calloc(opts->n_xdp_ifaces ? opts->n_xdp_ifaces : 1, sizeof(*e->xdp_open));
	if (!e->xdp || !e->xdp_open)
		goto fail;
	e->files_sig = files_signature(&e->o);
	if (load_set(&e->o, &set))
		goto fail;
	e->st = eng_compile(&e->o, &set);
	if (!e->st)
		goto fail;
	return e;
fail:
	vg_engine_free(e);
	errno = EINVAL;
	return NULL;
}

void vg_engine_counts(const struct vg_engine *e, size_t *policies, size_t *rules)
{
	*policies = e->st->set.n;
	*rules = e->st->n_rules;
}

unsigned int vg_engine_kinds(const struct vg_engine *e)
{
	unsigned int kinds = 0;

	for (size_t i = 0; i < e->st->n_rules; i++)
		kinds |= e->st->rules[i].rule->kinds;
	return kinds;
}

/* ---- watches ------------------------------------------------------------ */

static int wl_append(struct vg_watchlist *dst, const struct vg_watchlist *src)
{
	return vg_watchlist_copy(dst, src, "policy");
}

int vg_engine_watches(struct vg_engine *e, struct vg_watchlist *wl, bool *file_all)
{
	int err = wl_append(&e->base, wl);

	if (!err)
		err = wl_append(wl, &e->st->watches);
	if (e->st->file_all)
		*file_all = true;
	e->file_all_running = *file_all;
	return err;
}

/* ---- reports ------------------------------------------------------------ */

static const char *mode_name(enum vg_policy_mode m)
{
	return m == VG_POLICY_ENFORCE ? "enforce" : "audit";
}

static void report_init(struct vg_engine_report *r, const struct eng_rule *er, const char *kind)
{
	memset(r, 0, sizeof(*r));
	r->policy = er->policy->name;
	r->rule = er->rule->name;
	r->mode = mode_name(er->mode);
	r->severity = vg_policy_severity_name(er->rule->severity);
	r->kind = kind;
	r->intended = eng_action_name(er->rule->action.type);
	r->action = "none";
	r->message = "";
	r->time_ns = realtime_ns();
}

static void render_message(struct vg_buf *b, const struct eng_rule *er,
			   const struct vg_event_view *ev, const struct vg_engine_report *r)
{
	struct vg_policy_msg_ctx m = {
		.policy = r->policy, .rule = r->rule, .severity = r->severity,
		.mode = r->mode, .action = r->action,
	};

	vg_buf_reset(b);
	if (er->rule->message)
		vg_policy_message_render(b, er->rule->message, ev, &m);
	vg_buf_addc(b, '\0');
}

static void emit(struct vg_engine *e, struct vg_engine_report *r, const struct eng_rule *er,
		 const struct vg_event_view *ev)
{
	struct vg_buf b;

	vg_buf_init(&b);
	if (ev) {
		render_message(&b, er, ev, r);
		r->message = b.data ? b.data : "";
		r->ev = ev;
		r->pid = ev->proc.task ? ev->proc.task->pid : 0;
	}
	if (e->o.report)
		e->o.report(r, e->o.ctx);
	vg_buf_release(&b);
}

/* ---- actions done here ------------------------------------------------------ */

static bool window_take(struct eng_window *w, const struct vg_policy_ratelimit *rl, uint64_t now,
			bool commit)
{
	if (!rl->actions)
		return true;
	if (now - w->start_ns >= rl->per_ms * 1000000ULL) {
		if (commit) {
			w->start_ns = now;
			w->used = 0;
		} else {
			return true;
		}
	}
	if (w->used >= rl->actions)
		return false;
	if (commit)
		w->used++;
	return true;
}

static bool rate_ok(struct vg_engine *e, struct eng_rule *er)
{
	struct eng_window *pw = &e->st->windows[er->policy_idx];
	uint64_t now = eng_now_ns();

	if (!window_take(pw, &er->policy->ratelimit, now, false) ||
	    !window_take(&er->window, &er->rule->ratelimit, now, false))
		return false;
	window_take(pw, &er->policy->ratelimit, now, true);
	window_take(&er->window, &er->rule->ratelimit, now, true);
	return true;
}

static void schedule_release(struct vg_engine *e, uint32_t pid, uint64_t after_ms)
{
	struct eng_release *nr;

	if (!after_ms)
		return;
	nr = realloc(e->releases, (e->n_releases + 1) * sizeof(*nr));
	if (!nr)
		return;
	e->releases = nr;
	nr[e->n_releases].pid = pid;
	nr[e->n_releases].at_ns = eng_now_ns() + after_ms * 1000000ULL;
	e->n_releases++;
}

static int cg_ready(struct vg_engine *e)
{
	if (e->cg)
		return 0;
	return vg_cgaction_new(&e->cg, e->o.cg_name ? e->o.cg_name : "vigil");
}

/* Do the rule's action on the event's process, or set r->skipped. */
static void act(struct vg_engine *e, struct eng_rule *er, const struct vg_event_view *ev,
		struct vg_engine_report *r, char *how, size_t how_len)
{
	const struct vg_policy_action *a = &er->rule->action;
	uint32_t pid = ev->proc.task->pid;
	const char *reason = NULL;
	int err = 0;

	if (vg_policy_allowed(er->policy, ev, e->agent ? e->agent->procs : NULL)) {
		r->skipped = "allow list";
		return;
	}
	if (vg_guard_check(pid, e->o.self_pid, &reason)) {
		r->skipped = reason;
		return;
	}
	if (!rate_ok(e, er)) {
		r->skipped = "rate limit";
		return;
	}
	how[0] = '\0';
	switch (a->type) {
	case VG_ACT_KILL:
		err = kill((pid_t)pid, a->signal) ? -errno : 0;
		r->by = "user space";
		break;
	case VG_ACT_THROTTLE:
		err = cg_ready(e);
		if (!err)
			err = vg_cgaction_throttle(e->cg, pid, a->cpu_percent, how, how_len);
		r->by = "cgroup";
		break;
	case VG_ACT_FREEZE:
		err = cg_ready(e);
		if (!err)
			err = vg_cgaction_freeze(e->cg, pid, how, how_len);
		r->by = "cgroup";
		break;
	case VG_ACT_QUARANTINE:
		err = cg_ready(e);
		if (!err)
			err = vg_cgaction_quarantine(e->cg, pid, how, how_len);
		r->by = "cgroup";
		break;
	case VG_ACT_RELEASE:
		err = e->cg ? vg_cgaction_release(e->cg, pid, how, how_len) : -ENOENT;
		if (err == -ENOENT) {
			r->skipped = "nothing to release";
			r->by = NULL;
			return;
		}
		r->by = "cgroup";
		break;
	default:
		return;
	}
	if (err) {
		r->skipped = strerror(-err);
		r->by = NULL;
		return;
	}
	r->action = r->intended;
	r->detail = how[0] ? how : NULL;
	if (a->type != VG_ACT_KILL && a->type != VG_ACT_RELEASE)
		schedule_release(e, pid, a->duration_ms);
}

/* The kernel's kill, if it sent one for this event: its rule id, else 0. */
static uint32_t kernel_kill_rule(const struct vg_event_view *ev)
{
	switch (ev->hdr->type) {
	case VG_EV_EXEC:
		return ev->exec->flags & VG_EXEC_POLICY_KILLED ? ev->exec->policy_rule : 0;
	case VG_EV_FILE:
		return ev->file->file_flags & VG_FILE_POLICY_KILLED ? ev->file->policy_rule : 0;
	case VG_EV_SYSCALL:
		return ev->syscall->flags & VG_SYSCALL_POLICY_KILLED ? ev->syscall->policy_rule : 0;
	case VG_EV_UPROBE:
		return ev->uprobe->flags & VG_UPROBE_KILLED ? ev->uprobe->rule_id : 0;
	default:
		return 0;
	}
}

static void on_match(struct vg_engine *e, struct eng_rule *er, int kind,
		     const struct vg_event_view *ev)
{
	struct vg_engine_report r;
	char how[256], why[128];
	uint32_t killed;

	if (er->by_backend && er->mode == VG_POLICY_ENFORCE)
		return;	/* fanotify / cgroup hooks / XDP decide and report */
	report_init(&r, er, vg_policy_kind_name((enum vg_policy_kind)kind));
	if (er->mode == VG_POLICY_AUDIT) {
		emit(e, &r, er, ev);
		return;
	}
	if (ev->hdr->type == VG_EV_ANOMALY && ev->anomaly_view && ev->anomaly_view->mode &&
	    strcmp(ev->anomaly_view->mode, "enforce")) {
		/* the workload's profile is not trusted to act on yet (workload.h) */
		r.mode = "audit";
		r.skipped = "the workload's profile is in audit mode";
		emit(e, &r, er, ev);
		return;
	}
	switch (er->rule->action.type) {
	case VG_ACT_ALERT:
	case VG_ACT_AUDIT:
		r.action = r.intended;
		break;
	case VG_ACT_KILL:
		killed = kernel_kill_rule(ev);
		if (killed == er->id) {
			r.action = "kill";
			r.by = "kernel";
		} else if (killed && killed <= e->st->n_rules) {
			snprintf(why, sizeof(why), "already killed by the kernel for rule %s/%s",
				 e->st->rules[killed - 1].policy->name,
				 e->st->rules[killed - 1].rule->name);
			r.skipped = why;
		} else {
			act(e, er, ev, &r, how, sizeof(how));
		}
		break;
	default:
		act(e, er, ev, &r, how, sizeof(how));
		break;
	}
	emit(e, &r, er, ev);
}

/* A connection-control denial: the rule it came from. */
static void on_net_denied(struct vg_engine *e, const struct vg_event_view *ev)
{
	struct eng_state *st = e->st;

	for (size_t i = 0; i < st->n_net; i++) {
		struct eng_rule *er = &st->rules[st->net[i].rule];
		struct vg_engine_report r;

		if (st->net[i].id != ev->net->rule_id)
			continue;
		report_init(&r, er, vg_policy_kind_name(vg_policy_event_kind(ev)));
		r.action = "deny";
		r.by = "cgroup hook";
		emit(e, &r, er, ev);
		return;
	}
}

void vg_engine_on_event(struct vg_engine *e, const struct vg_event_view *ev)
{
	struct eng_state *st = e->st;
	struct vg_proctable *procs = e->agent ? e->agent->procs : NULL;
	int kind;

	if (ev->hdr->type == VG_EV_NET && (ev->net->flags & VG_NET_DENIED)) {
		on_net_denied(e, ev);
		return;
	}
	kind = vg_policy_event_kind(ev);
	if (kind < 0 || kind >= VG_PK_MAX)
		return;
	/* exec rules anchored on exact binaries: only those naming this exe */
	if (kind == VG_PK_EXEC && st->n_exe_index && ev->proc.exe) {
		struct eng_exe_index key = { .exe = ev->proc.exe, .rule = 0 };
		size_t lo = 0, hi = st->n_exe_index, last = (size_t)-1;

		while (lo < hi) {	/* the first entry >= (exe, 0) */
			size_t mid = lo + (hi - lo) / 2;

			if (strcmp(st->exe_index[mid].exe, key.exe) < 0)
				lo = mid + 1;
			else
				hi = mid;
		}
		for (; lo < st->n_exe_index && !strcmp(st->exe_index[lo].exe, key.exe); lo++) {
			struct eng_rule *er = &st->rules[st->exe_index[lo].rule];

			if (st->exe_index[lo].rule == last)
				continue;	/* the rule names this exe twice */
			last = st->exe_index[lo].rule;
			if (vg_policy_rule_match(er->rule, kind, ev, procs))
				on_match(e, er, kind, ev);
		}
	}
	for (size_t i = 0; i < st->n_by_kind[kind]; i++) {
		struct eng_rule *er = &st->rules[st->by_kind[kind][i]];

		if (kind == VG_PK_UPROBE && (!er->probe_id || er->probe_id != ev->uprobe->probe_id))
			continue;	/* another rule's probe, or one of `vigil trace` */
		if (vg_policy_rule_match(er->rule, kind, ev, procs))
			on_match(e, er, kind, ev);
	}
}

/* ---- fanotify decisions (listener thread) -------------------------------------- */

static void readlink_str(const char *link, char *buf, size_t len)
{
	ssize_t n = readlink(link, buf, len - 1);

	buf[n > 0 ? n : 0] = '\0';
}

static void fa_queue(struct vg_engine *e, const struct eng_rule *er,
		     const struct vg_fadeny_req *q, const struct vg_event_view *ev)
{
	struct vg_engine_report r;
	struct eng_fa_report *fr;
	struct vg_buf b;

	vg_buf_init(&b);
	report_init(&r, er, q->exec ? "exec" : "file.open");
	r.action = "deny";
	render_message(&b, er, ev, &r);
	pthread_mutex_lock(&e->fa_mu);
	if (e->fa_n < ENG_FA_QUEUE) {
		fr = &e->fa_queue[e->fa_n++];
		fr->policy = strdup(r.policy);
		fr->rule = strdup(r.rule);
		fr->severity = strdup(r.severity);
		fr->mode = strdup(r.mode);
		fr->message = strdup(b.data ? b.data : "");
		fr->path = strdup(q->path);
		fr->exe = strdup(q->exe);
		fr->pid = q->pid;
		fr->exec = q->exec;
		fr->time_ns = r.time_ns;
	} else {
		e->fa_dropped++;
	}
	pthread_mutex_unlock(&e->fa_mu);
	vg_buf_release(&b);
}

int eng_fa_decide(const struct vg_fadeny_req *q, void *ctx)
{
	struct vg_engine *e = ctx;
	static __thread struct vg_exec ex;	/* large: not on the stack */
	struct vg_file f = {};
	struct vg_event_view ev = {};
	char parent[4096], link[64];
	const char *base = strrchr(q->path, '/');
	int kind = q->exec ? VG_PK_EXEC : VG_PK_FILE_OPEN, deny = 0;
	struct vg_task_ctx *t;

	if (q->exec) {
		memset(&ex.hdr, 0, sizeof(ex.hdr));
		ex.hdr.type = VG_EV_EXEC;
		ev.hdr = &ex.hdr;
		ev.exec = &ex;
		t = &ex.hdr.task;
		/* the process the exec would make: its image and name */
		snprintf(t->comm, sizeof(t->comm), "%s", base ? base + 1 : q->path);
		ev.proc.exe = q->path;
	} else {
		f.hdr.type = VG_EV_FILE;
		f.op = VG_FILE_OPEN;
		f.fd = -1;
		ev.hdr = &f.hdr;
		ev.file = &f;
		t = &f.hdr.task;
		memcpy(t->comm, q->comm, sizeof(t->comm));
		ev.proc.exe = q->exe;
		ev.file_view.path = q->path;
	}
	t->pid = t->tid = q->pid;
	t->ppid = q->ppid;
	t->uid = q->uid;
	t->euid = q->euid;
	t->loginuid = q->loginuid;
	snprintf(link, sizeof(link), "/proc/%u/exe", q->ppid);
	readlink_str(link, parent, sizeof(parent));
	ev.proc.task = t;
	ev.proc.cgroup = "";
	ev.proc.parent_exe = parent;
	ev.time_ns = realtime_ns();

	pthread_rwlock_rdlock(&e->lock);
	for (size_t i = 0; i < e->st->n_rules && !deny; i++) {
		const struct eng_rule *er = &e->st->rules[i];

		if (!er->by_backend || er->rule->action.type != VG_ACT_DENY ||
		    !(er->rule->kinds & VG_POLICY_KIND_BIT(kind)))
			continue;
		if (!vg_policy_rule_match(er->rule, kind, &ev, NULL) ||
		    vg_policy_allowed(er->policy, &ev, NULL))
			continue;
		deny = 1;
		fa_queue(e, er, q, &ev);
	}
	pthread_rwlock_unlock(&e->lock);
	return deny;
}

static void fa_drain(struct vg_engine *e)
{
	struct eng_fa_report q[64];
	size_t n;

	do {
		pthread_mutex_lock(&e->fa_mu);
		n = e->fa_n < 64 ? e->fa_n : 64;
		memcpy(q, e->fa_queue, n * sizeof(*q));
		memmove(e->fa_queue, e->fa_queue + n, (e->fa_n - n) * sizeof(*q));
		e->fa_n -= n;
		pthread_mutex_unlock(&e->fa_mu);
		for (size_t i = 0; i < n; i++) {
			struct vg_engine_report r;

			if (q[i].policy && q[i].rule && q[i].severity && q[i].mode) {
				memset(&r, 0, sizeof(r));
				r.policy = q[i].policy;
				r.rule = q[i].rule;
				r.severity = q[i].severity;
				r.mode = q[i].mode;
				r.kind = q[i].exec ? "exec" : "file.open";
				r.intended = "deny";
				r.action = "deny";
				r.by = "fanotify";
				r.message = q[i].message ? q[i].message : "";
				r.time_ns = q[i].time_ns;
				r.pid = q[i].pid;
				r.path = q[i].path;
				r.exe = q[i].exe;
				if (e->o.report)
					e->o.report(&r, e->o.ctx);
			}
			free(q[i].policy);
			free(q[i].rule);
			free(q[i].severity);
			free(q[i].mode);
			free(q[i].message);
			free(q[i].path);
			free(q[i].exe);
		}
	} while (n);
}

/* ---- periodic work ---------------------------------------------------------- */

static void packets(struct vg_engine *e)
{
	struct eng_state *st = e->st;

	for (size_t f = 0; f < e->o.n_xdp_ifaces; f++) {
		if (!e->xdp_open[f])
			continue;
		for (size_t i = 0; i < st->n_xdp; i++) {
			struct vg_xdp_counter c;
			struct vg_xdp_rule xr;
			struct vg_engine_report r;
			struct eng_rule *er = &st->rules[st->xdp[i].rule];

			if (!st->xdp[i].ids[f] ||
			    vg_xdp_rule_get(&e->xdp[f], st->xdp[i].ids[f], &xr, &c) ||
			    c.dropped <= st->xdp[i].seen[f])
				continue;
			report_init(&r, er, "packet");
			r.action = r.intended;
			r.by = "xdp";
			r.count = c.dropped - st->xdp[i].seen[f];
			r.detail = e->o.xdp_ifaces[f];
			st->xdp[i].seen[f] = c.dropped;
			if (e->o.report)
				e->o.report(&r, e->o.ctx);
		}
	}
}

static void releases(struct vg_engine *e)
{
	uint64_t now = eng_now_ns();
	char how[256];
	size_t k = 0;

	for (size_t i = 0; i < e->n_releases; i++) {
		if (e->releases[i].at_ns > now) {
			e->releases[k++] = e->releases[i];
			continue;
		}
		if (e->cg && !vg_cgaction_release(e->cg, e->releases[i].pid, how, sizeof(how)))
			vg_info("released pid %u after the action's duration: %s",
				e->releases[i].pid, how);
	}
	e->n_releases = k;
}

void vg_engine_tick(struct vg_engine *e)
{
	uint64_t now = eng_now_ns(), sig;

	fa_drain(e);
	if (e->fa_dropped != e->fa_dropped_warned) {
		vg_warn("%llu fanotify decisions were not reported: the report queue was full "
			"(the decisions themselves were taken)",
			(unsigned long long)(e->fa_dropped - e->fa_dropped_warned));
		e->fa_dropped_warned = e->fa_dropped;
	}
	releases(e);
	if (now - e->last_check_ns < CHECK_INTERVAL_NS)
		return;
	e->last_check_ns = now;
	packets(e);
	sig = files_signature(&e->o);
	if (sig != e->files_sig) {
		e->files_sig = sig;
		vg_info("policy files changed: reloading");
		vg_engine_reload(e);
	}
}

/* ---- install, reload, free ---------------------------------------------------- */

static int watches_replace(struct vg_engine *e, const struct eng_state *old,
			   const struct eng_state *now)
{
	struct vg_watchlist a, b;
	struct vg_watch_maps m;
	int err;

	if (now->file_all && !e->file_all_running)
		return vg_error("the new policies need every file operation reported (a file rule "
				"without a path): restart vigil to load them"), -EINVAL;
	vg_watchlist_init(&a);
	vg_watchlist_init(&b);
	err = wl_append(&a, &e->base);
	if (!err)
		err = wl_append(&a, &old->watches);
	if (!err)
		err = wl_append(&b, &e->base);
	if (!err)
		err = wl_append(&b, &now->watches);
	if (!err) {
		vg_sensor_watch_maps(&e->agent->sensor, &m);
		err = vg_watchlist_replace(&a, &b, &m);
	}
	vg_watchlist_release(&a);
	vg_watchlist_release(&b);
	return err;
}

int vg_engine_install(struct vg_engine *e, struct vg_agent *agent)
{
	int err;

	e->agent = agent;
	vg_sensor_policy_maps(&agent->sensor, &e->maps);
	err = eng_install(e, e->st, NULL);
	if (err)
		return err;
	e->installed = true;
	return 0;
}

int vg_engine_reload(struct vg_engine *e)
{
	struct vg_policy_set set;
	struct eng_state *st, *old = e->st;
	int err;

	err = load_set(&e->o, &set);
	if (err) {
		vg_error("reload: the policies in force stay unchanged");
		return err;
	}
	st = eng_compile(&e->o, &set);
	if (!st) {
		vg_error("reload: the policies in force stay unchanged");
		return -EINVAL;
	}
	err = watches_replace(e, old, st);
	if (!err)
		err = eng_install(e, st, old);
	if (err) {
		/* put the old state back where the new one got in */
		watches_replace(e, st, old);
		eng_install(e, old, st);
		eng_state_free(st);
		vg_error("reload: the policies in force stay unchanged");
		return err;
	}
	pthread_rwlock_wrlock(&e->lock);
	e->st = st;
	pthread_rwlock_unlock(&e->lock);
	fa_drain(e);	/* reports of the old rules, while their names exist... */
	eng_state_free(old);
	vg_info("policies reloaded: %zu policies, %zu rules", st->set.n, st->n_rules);
	return 0;
}

void vg_engine_free(struct vg_engine *e)
{
	if (!e)
		return;
	if (e->installed || e->fa || e->net_used)
		eng_uninstall(e, e->st);
	fa_drain(e);
	if (e->cg)
		vg_cgaction_free(e->cg);
	eng_state_free(e->st);
	vg_watchlist_release(&e->base);
	free(e->xdp);
	free(e->xdp_open);
	free(e->releases);
	pthread_rwlock_destroy(&e->lock);
	pthread_mutex_destroy(&e->fa_mu);
	free(e);
}

struct vg_engine *vg_engine_open(const struct vg_engine_opts *opts, struct vg_watchlist *wl,
				 bool *file_all)
{
	struct vg_engine *e = vg_engine_new(opts);
	size_t np, nr;

	if (!e)
		return NULL;
	if (vg_engine_watches(e, wl, file_all)) {
		vg_engine_free(e);
		return NULL;
	}
	vg_engine_counts(e, &np, &nr);
	vg_info("policies: %zu policies, %zu rules (%s)", np, nr,
		opts->n_paths ? "from --policy" : "the embedded default set");
	return e;
}
