// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <bpf/libbpf.h>

#include "agent.h"
#include "cgroup_cache.h"
#include "fim.h"
#include "log.h"
#include "netctl.h"
#include "pathnorm.h"
#include "watch.h"

#define FIM_SEED_MAX_FILES 4096
/* A watched file is hashed at most this often for writes (a log-like file
 * written thousands of times a second would otherwise cost a digest each). */
#define FIM_WRITE_COALESCE_NS (100 * 1000000ULL)

#define DEFAULT_PROCTABLE 32768
#define DEFAULT_FLUSH_MS 100
#define LOSS_CHECK_NS 1000000000ULL

uint64_t vg_agent_stats_lost(const struct vg_agent_stats *st)
{
	uint64_t n = st->decode_errors;

	for (int r = 0; r < VG_LOSS_MAX; r++)
		n += st->kernel.lost[r];
	return n;
}

/* What the process table knows, copied into the event's process view. */
static void view_from_proc(struct vg_proc_view *pv, const struct vg_proc *p)
{
	if (!p)
		return;
	if (p->exe)
		pv->exe = p->exe;
	if (p->args) {
		pv->args = p->args;
		pv->args_len = p->args_len;
		pv->args_truncated = p->args_truncated;
	}
	if (p->cgroup)
		pv->cgroup = p->cgroup;
}

static void view_cgroup(struct vg_agent *a, struct vg_proc_view *pv, uint64_t cgroup_id)
{
	const struct vg_cgroup_entry *cg = vg_cgroup_cache_get(a->cgroups, cgroup_id);

	if (cg) {
		pv->cgroup = cg->path;
		pv->container = cg->in_container ? &cg->container : NULL;
	}
}

/* Learn from the record, then fill the view. */
static void enrich(struct vg_agent *a, struct vg_event_view *v)
{
	const struct vg_task_ctx *t = &v->hdr->task;
	struct vg_proc *p = NULL, *parent;

	switch (v->hdr->type) {
	case VG_EV_EXEC: {
		const struct vg_exec *e = v->exec;

		if (e->cgroup_len)
			vg_cgroup_cache_put(a->cgroups, t->cgroup_id, e->cgroup);
		p = vg_proctable_upsert(a->procs, t->pid);
		if (p) {
			p->ppid = t->ppid;
			p->start_ns = t->start_ns;
			p->cgroup_id = t->cgroup_id;
			memcpy(p->comm, t->comm, sizeof(p->comm));
			vg_proc_set_str(&p->exe, e->exe, e->exe_len);
			vg_proc_set_str(&p->cgroup, e->cgroup, e->cgroup_len);
			vg_proc_set_str(&p->args, e->args, e->args_len);
			p->args_len = p->args ? e->args_len : 0;
			p->args_truncated = e->flags & VG_EXEC_ARGS_TRUNCATED;
		}
		break;
	}
	case VG_EV_FORK:
		/* Looked up first: that makes it most recently used, so the
		 * upsert below cannot evict it. */
		parent = vg_proctable_get(a->procs, v->fork->parent_pid);
		p = vg_proctable_upsert(a->procs, t->pid);
		if (p) {
			/* A new process runs its parent's image until it execs. */
			p->ppid = t->ppid;
			p->start_ns = t->start_ns;
			p->cgroup_id = t->cgroup_id;
			memcpy(p->comm, t->comm, sizeof(p->comm));
			if (parent && parent != p) {
				vg_proc_set_str(&p->exe, parent->exe, parent->exe ? strlen(parent->exe) : 0);
				vg_proc_set_str(&p->cgroup, parent->cgroup,
						parent->cgroup ? strlen(parent->cgroup) : 0);
				vg_proc_set_str(&p->args, parent->args, parent->args_len);
				p->args_len = p->args ? parent->args_len : 0;
				p->args_truncated = parent->args_truncated;
			}
		}
		break;
	default:
		p = vg_proctable_get(a->procs, t->pid);
		break;
	}

	v->proc.task = t;
	v->proc.exe = "";
	v->proc.cgroup = "";
	v->proc.parent_exe = "";
	view_from_proc(&v->proc, p);
	if (v->hdr->type == VG_EV_EXEC) {
		/* The record itself is the freshest truth. */
		v->proc.exe = v->exec->exe;
		v->proc.args = v->exec->args;
		v->proc.args_len = v->exec->args_len;
		v->proc.args_truncated = v->exec->flags & VG_EXEC_ARGS_TRUNCATED;
	}
	view_cgroup(a, &v->proc, t->cgroup_id);
	parent = vg_proctable_get(a->procs, t->ppid);
	if (parent && parent->exe)
		v->proc.parent_exe = parent->exe;
}

/* A copy of s, normalised, in buf; NULL if it is not absolute. */
static const char *normalized(char *buf, const char *s)
{
	snprintf(buf, VG_FILE_PATH_LEN, "%s", s);
	return vg_path_normalize(buf) ? buf : NULL;
}

/*
 * What a successful operation did to a watched file, for FIM: the change,
 * the watched path it is about, and its state before and after.
 */
static void file_fim(struct vg_agent *a, struct vg_file_view *fv, const struct vg_file *f)
{
	const char *path = fv->path;

	switch (f->op) {
	case VG_FILE_WRITE:
		fv->change = "write";
		break;
	case VG_FILE_TRUNCATE:
		fv->change = "truncate";
		break;
	case VG_FILE_OPEN:
		if (!(f->flags & 01000 /* O_TRUNC */) || !(f->file_flags & VG_FILE_WRITE_INTENT))
			return;
		fv->change = "truncate_open";
		break;
	case VG_FILE_CHMOD:
		fv->change = "chmod";
		break;
	case VG_FILE_CHOWN:
		fv->change = "chown";
		break;
	case VG_FILE_LINK:
		fv->change = f->match & VG_MATCH_NEW_PATH ? "link_over" : "hard_link";
		if (f->match & VG_MATCH_NEW_PATH)
			path = fv->new_path;
		break;
	case VG_FILE_RENAME:
		if (f->match & VG_MATCH_NEW_PATH) {
			/* sed -i, vim, passwd: a new file renamed over the watched one */
			fv->change = "rename_over";
			path = fv->new_path;
			/* the temp file's record goes; `before` is the target's */
			vg_fim_forget(a->fim, fv->path, NULL);
			break;
		}
		fv->change = "rename_away";
		vg_fim_forget(a->fim, path, &fv->before);
		vg_fim_stat(a->fim, path, &fv->after);
		fv->target = path;
		return;
	case VG_FILE_UNLINK:
		fv->change = "unlink";
		vg_fim_forget(a->fim, path, &fv->before);
		vg_fim_stat(a->fim, path, &fv->after);
		fv->target = path;
		return;
	default:
		return;
	}
	if (!path)
		return;
	fv->target = path;
	if (f->op == VG_FILE_WRITE)
		fv->coalesced = vg_fim_observe_coalesced(a->fim, path, f->hdr.ts_ns,
							 FIM_WRITE_COALESCE_NS, &fv->before,
							 &fv->after) == 1;
	else
		vg_fim_observe(a->fim, path, &fv->before, &fv->after);
}

/* Complete a file event; false if it turns out not to be watched. */
static bool file_complete(struct vg_agent *a, struct vg_event_view *v)
{
	const struct vg_file *f = v->file;
	struct vg_file_view *fv = &v->file_view;

	memset(fv, 0, sizeof(*fv));
	fv->path = f->path;
	fv->new_path = f->new_path_len ? f->new_path : NULL;
	if ((f->match & VG_MATCH_UNNORMALIZED) && !(f->match & VG_MATCH_ALL)) {
		unsigned int match = 0;

		fv->path = normalized(a->norm_path, f->path) ?: f->path;
		if (fv->new_path && f->op != VG_FILE_SYMLINK)
			fv->new_path = normalized(a->norm_new_path, f->new_path) ?: f->new_path;
		if (a->opts.watches) {
			match = vg_watchlist_match(a->opts.watches, fv->path);
			if (fv->new_path && f->op != VG_FILE_SYMLINK)
				match |= vg_watchlist_match(a->opts.watches, fv->new_path);
		}
		if (!match) {
			a->stats.file_filtered++;
			return false;
		}
	}
	if (a->fim && f->result >= 0 && !(f->match & VG_MATCH_ALL))
		file_fim(a, fv, f);
	return true;
}

static int on_record(void *ctx, void *data, size_t size)
{
	struct vg_agent *a = ctx;
	struct vg_event_view v = { .hdr = data, .exec = data };
	const char *why;
	int err;

	if (vg_event_check(data, size, &why)) {
		a->stats.decode_errors++;
		vg_debug("dropped a %zu-byte record: %s", size, why);
		return 0;
	}
	a->stats.received[v.hdr->type]++;
	if (v.hdr->type == VG_EV_FILE && !file_complete(a, &v))
		return 0;
	v.time_ns = vg_clock_to_real(&a->clock, v.hdr->ts_ns);
	enrich(a, &v);
	err = a->opts.on_event(&v, a->opts.ctx);
	if (v.hdr->type == VG_EV_EXIT)
		vg_proctable_remove(a->procs, v.hdr->task.pid);
	if (err) {
		a->handler_err = err;
		return err;
	}
	return 0;
}

int vg_agent_inject(struct vg_agent *a, void *rec, size_t size)
{
	const char *why;

	if (vg_event_check(rec, size, &why)) {
		vg_debug("an injected %zu-byte record is bad: %s", size, why);
		return -EINVAL;
	}
	return on_record(a, rec, size);
}

static void vg_agent_add_ring(struct vg_agent *a, int map_fd);

int vg_agent_start(struct vg_agent *a, const struct vg_agent_opts *opts)
{
	int err, n;

	memset(a, 0, sizeof(*a));
	a->opts = *opts;
	if (!a->opts.flush_ms)
		a->opts.flush_ms = DEFAULT_FLUSH_MS;
	if (!a->opts.proctable_capacity)
		a->opts.proctable_capacity = DEFAULT_PROCTABLE;
	/* The fork path holds the parent's entry across an upsert: with one
	 * slot the upsert would evict it. */
	if (a->opts.proctable_capacity < 2)
		a->opts.proctable_capacity = 2;
	vg_clock_sync(&a->clock);

	a->procs = vg_proctable_new(a->opts.proctable_capacity);
	a->cgroups = vg_cgroup_cache_new(NULL);
	if (!a->procs || !a->cgroups) {
		err = -ENOMEM;
		vg_error("cannot allocate the process table: %s", strerror(-err));
		goto cleanup;
	}
	/* FIM's "before" is the state at start: record it before attaching. */
	if (a->opts.fim && a->opts.watches) {
		a->fim = vg_fim_new(0);
		if (!a->fim) {
			err = -ENOMEM;
			vg_error("cannot allocate the FIM cache: %s", strerror(-err));
			goto cleanup;
		}
		for (size_t i = 0; i < a->opts.watches->n; i++)
			vg_fim_seed(a->fim, a->opts.watches->items[i].path, FIM_SEED_MAX_FILES);
	}
	a->opts.sensor.watches = a->opts.watches;
	err = vg_sensor_start(&a->sensor, &a->opts.sensor);
	if (err)
		goto cleanup;
	a->rb = ring_buffer__new(vg_sensor_ringbuf_fd(&a->sensor), on_record, a, NULL);
	if (!a->rb) {
		err = -errno;
		vg_error("cannot open the event ring buffer: %s", strerror(-err));
		goto cleanup;
	}
	vg_agent_add_ring(a, vg_netctl_events_fd());	/* `vigil net deny` denials, if pinned */
	/* Seed after attaching: a process is then in /proc, or its events are queued. */
	n = vg_proctable_seed(a->procs, "/proc");
	if (n < 0)
		vg_warn("cannot read '/proc' to seed the process table: %s", strerror(-n));
	else
		vg_debug("process table seeded with %d processes", n);
	a->last_check_ns = a->last_stats_ns = a->last_flow_update_ns = vg_clock_now_boot();
	return 0;

cleanup:
	vg_agent_stop(a);
	return err;
}

int vg_agent_read_stats(struct vg_agent *a, struct vg_agent_stats *st)
{
	int err = vg_sensor_read_counters(&a->sensor, &a->stats.kernel);

	vg_proctable_get_stats(a->procs, &a->stats.procs);
	*st = a->stats;
	return err;
}

static void emit_stats(struct vg_agent *a, const struct vg_agent_stats *st)
{
	if (a->opts.on_stats)
		a->opts.on_stats(st, vg_clock_to_real(&a->clock, vg_clock_now_boot()), a->opts.ctx);
}

/* Once a second: warn about new losses (and emit stats); periodic stats. */
static void check_losses(struct vg_agent *a, bool force)
{
	uint64_t now = vg_clock_now_boot(), lost;
	struct vg_agent_stats st;
	bool due_stats;

	if (!force && now - a->last_check_ns < LOSS_CHECK_NS)
		return;
	a->last_check_ns = now;
	vg_clock_sync(&a->clock);
	if (vg_agent_read_stats(a, &st))
		return;
	lost = vg_agent_stats_lost(&st);
	due_stats = force || (a->opts.stats_interval_s &&
			      now - a->last_stats_ns >= a->opts.stats_interval_s * 1000000000ULL);
	if (lost > a->lost_reported) {
		vg_warn("lost %llu events (ringbuf_full=%llu decode=%llu; %llu in total)",
			(unsigned long long)(lost - a->lost_reported),
			(unsigned long long)st.kernel.lost[VG_LOSS_RINGBUF_FULL],
			(unsigned long long)st.decode_errors, (unsigned long long)lost);
		a->lost_reported = lost;
		due_stats = true;
	}
	if (due_stats) {
		a->last_stats_ns = now;
		emit_stats(a, &st);
	}
}

/* Every opts.sensor.flow_update_s: "still open" records of long-lived TCP
 * connections, into the ring buffer (read by the next poll). */
static void flow_updates(struct vg_agent *a)
{
	uint64_t now, every = a->opts.sensor.flow_update_s * 1000000000ULL;
	int err;

	if (!every)
		return;
	now = vg_clock_now_boot();
	if (now - a->last_flow_update_ns < every)
		return;
	a->last_flow_update_ns = now;
	err = vg_sensor_flow_update(&a->sensor);
	if (err)
		vg_warn("flow updates: cannot run the iterator: %s", strerror(-err));
}

int vg_agent_poll(struct vg_agent *a, int timeout_ms)
{
	int n, m;

	n = ring_buffer__poll(a->rb, timeout_ms);
	if (n >= 0) {
		/* Batched wakeups: records may be waiting without a notification. */
		m = ring_buffer__consume(a->rb);
		n = m < 0 ? m : n + m;
	}
	if (a->handler_err)
		return a->handler_err;
	if (n == -EINTR)
		n = 0;
	if (n > 0 && a->opts.on_batch) {
		m = a->opts.on_batch(a->opts.ctx);
		if (m < 0)
			return m;
	}
	if (a->opts.on_tick) {
		m = a->opts.on_tick(a->opts.ctx);
		if (m < 0)
			return m;
	}
	check_losses(a, false);
	flow_updates(a);
	return n;
}

int vg_agent_run(struct vg_agent *a, volatile sig_atomic_t *stop)
{
	int err = 0;

	while (!*stop) {
		err = vg_agent_poll(a, a->opts.flush_ms);
		if (err < 0)
			break;
		err = 0;
	}
	/* Drain what was committed before the stop. */
	if (!err) {
		err = ring_buffer__consume(a->rb);
		err = err < 0 ? err : 0;
	}
	check_losses(a, true);
	return err;
}

void vg_agent_stop(struct vg_agent *a)
{
	ring_buffer__free(a->rb);
	a->rb = NULL;
	if (a->sensor.skel)
		vg_sensor_destroy(&a->sensor);
	vg_proctable_free(a->procs);
	a->procs = NULL;
	vg_cgroup_cache_free(a->cgroups);
	a->cgroups = NULL;
	vg_fim_free(a->fim);
	a->fim = NULL;
}

/*
 * Read another ring buffer of vg_event_hdr records through on_record: the
 * pinned one of connection control (src/netctl.c), whose programs outlive
 * any agent.  Takes map_fd (ignored when negative) and closes it: the ring's
 * mapping holds the map until ring_buffer__free().  Best effort: the
 * sensors work without it.
 */
static void vg_agent_add_ring(struct vg_agent *a, int map_fd)
{
	if (map_fd < 0)
		return;
	if (ring_buffer__add(a->rb, map_fd, on_record, a))
		vg_warn("cannot read the connection-control ring buffer: %s", strerror(errno));
	close(map_fd);
}

void vg_agent_add_ring_fd(struct vg_agent *a, int map_fd)
{
	if (map_fd < 0)
		return;
	if (ring_buffer__add(a->rb, map_fd, on_record, a))
		vg_warn("cannot read a connection-control ring buffer: %s", strerror(errno));
	close(map_fd);
}
