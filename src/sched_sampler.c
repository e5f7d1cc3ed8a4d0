// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * sched_sampler.c - CPU and run-queue summaries from the kernel's aggregates (sched_sampler.h).
 */
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "log.h"
#include "proctable.h"
#include "sched_sampler.h"

#define DEFAULT_INTERVAL_NS 1000000000ULL
#define DEFAULT_MIN_PERCENT 1.0
#define DEFAULT_TOP 64
#define MAX_PROCS VG_SCHED_PROCS_MAX
#define MAX_CGROUPS 4096

/* What the last sample saw of a process, and its CPU history. */
struct prev {
	uint32_t tgid;
	uint64_t cpu_ns, runq_ns, runq_count, voluntary, involuntary;
	__u64 runq_hist[VG_HIST_SLOTS];
	uint32_t history[VG_SCHED_HISTORY];	/* newest first */
	uint32_t history_len;
	uint32_t seen;				/* generation */
};

/* A cgroup's totals since the sampler started: its processes' deltas summed. */
struct cg {
	uint64_t id;
	struct vg_sched_stat st;
};

struct vg_sched_sampler {
	struct vg_sched_opts o;
	struct cg *cgs;				/* unsorted; few */
	size_t n_cgs;
	struct vg_sched_maps m;
	struct vg_sched_oncpu *oncpu;		/* per possible CPU, read at each sample */
	int ncpu;
	uint64_t last_ns;
	__u64 total_hist[VG_HIST_SLOTS];	/* the machine's, at the last sample */
	struct prev *prev;			/* sorted by tgid */
	size_t n_prev;
	uint32_t gen;
	int ncpus;
};

uint64_t vg_hist_percentile(const __u64 hist[VG_HIST_SLOTS], double p)
{
	uint64_t total = 0, seen = 0, want;

	for (int i = 0; i < VG_HIST_SLOTS; i++)
		total += hist[i];
	if (!total)
		return 0;
	want = (uint64_t)(p * (double)total + 0.999999);
	if (want < 1)
		want = 1;
	for (int i = 0; i < VG_HIST_SLOTS; i++) {
		seen += hist[i];
		if (seen >= want)
			return i ? 1ULL << i : 1;
	}
	return 1ULL << (VG_HIST_SLOTS - 1);
}

int vg_sched_each(int map_fd, size_t key_size, size_t value_size, vg_sched_each_fn fn, void *ctx)
{
	uint64_t key = 0, next = 0;
	void *prev = NULL, *val;
	int ret = 0;

	if (map_fd < 0)
		return -ENOTSUP;
	if (key_size > sizeof(key))
		return -EINVAL;
	val = malloc(value_size);
	if (!val)
		return -ENOMEM;
	while (!ret && !bpf_map_get_next_key(map_fd, prev, &next)) {
		uint64_t k = 0;

		memcpy(&key, &next, sizeof(key));
		prev = &key;
		if (bpf_map_lookup_elem(map_fd, &key, val))
			continue;	/* evicted meanwhile */
		memcpy(&k, &key, key_size);
		ret = fn(k, val, ctx);
	}
	free(val);
	return ret;
}

int vg_sched_read_total(const struct vg_sched_maps *m, struct vg_sched_stat *out)
{
	int n = libbpf_num_possible_cpus();
	struct vg_sched_stat *per;
	uint32_t zero = 0;

	memset(out, 0, sizeof(*out));
	if (m->total < 0)
		return -ENOTSUP;
	if (n <= 0)
		return -EINVAL;
	per = calloc((size_t)n, sizeof(*per));
	if (!per)
		return -ENOMEM;
	if (bpf_map_lookup_elem(m->total, &zero, per)) {
		free(per);
		return -errno;
	}
	for (int c = 0; c < n; c++) {
		out->cpu_ns += per[c].cpu_ns;
		out->runq_ns += per[c].runq_ns;
		out->runq_count += per[c].runq_count;
		for (int i = 0; i < VG_HIST_SLOTS; i++)
			out->runq_hist[i] += per[c].runq_hist[i];
	}
	free(per);
	return 0;
}

struct vg_sched_sampler *vg_sched_new(const struct vg_sched_opts *o, const struct vg_sched_maps *m)
{
	struct vg_sched_sampler *s = calloc(1, sizeof(*s));
	struct vg_sched_stat total;

	if (!s)
		return NULL;
	s->o = *o;
	s->m = *m;
	if (!s->o.interval_ns)
		s->o.interval_ns = DEFAULT_INTERVAL_NS;
	if (!(s->o.min_percent > 0))
		s->o.min_percent = DEFAULT_MIN_PERCENT;
	if (!s->o.top)
		s->o.top = DEFAULT_TOP;
	if (!vg_sched_read_total(m, &total))
		memcpy(s->total_hist, total.runq_hist, sizeof(s->total_hist));
	s->ncpu = libbpf_num_possible_cpus();
	if (s->ncpu > 0)
		s->oncpu = calloc((size_t)s->ncpu, sizeof(*s->oncpu));
	return s;
}

void vg_sched_free(struct vg_sched_sampler *s)
{
	if (!s)
		return;
	free(s->prev);
	free(s->oncpu);
	free(s->cgs);
	free(s);
}

static struct prev *prev_find(struct vg_sched_sampler *s, uint32_t tgid)
{
	size_t lo = 0, hi = s->n_prev;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (s->prev[mid].tgid < tgid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < s->n_prev && s->prev[lo].tgid == tgid ? &s->prev[lo] : NULL;
}

static struct prev *prev_add(struct vg_sched_sampler *s, uint32_t tgid)
{
	size_t lo = 0, hi = s->n_prev;
	struct prev *np;

	if (s->n_prev >= MAX_PROCS)
		return NULL;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (s->prev[mid].tgid < tgid)
			lo = mid + 1;
		else
			hi = mid;
	}
	np = realloc(s->prev, (s->n_prev + 1) * sizeof(*np));
	if (!np)
		return NULL;
	s->prev = np;
	memmove(&np[lo + 1], &np[lo], (s->n_prev - lo) * sizeof(*np));
	s->n_prev++;
	memset(&np[lo], 0, sizeof(np[lo]));
	np[lo].tgid = tgid;
	return &np[lo];
}

/* A candidate record of this interval. */
struct cand {
	struct vg_sched rec;
	__u64 runq_hist[VG_HIST_SLOTS];	/* this interval's waits */
};

struct sample {
	struct vg_sched_sampler *s;
	bool baseline;				/* the first tick: no interval yet */
	uint64_t elapsed_ns;
	uint64_t mono_ns;			/* when the per-CPU state was read */
	struct cand *c;
	size_t n, cap;
	uint32_t *gone;				/* exited processes to delete */
	size_t n_gone, cap_gone;
};

/* Time the process's threads have been on a CPU since their last switch
 * (the kernel adds it only when they leave). */
static uint64_t running_ns(const struct sample *sm, uint32_t tgid)
{
	const struct vg_sched_sampler *s = sm->s;
	uint64_t sum = 0;

	for (int c = 0; s->oncpu && c < s->ncpu; c++)
		if (s->oncpu[c].tgid == tgid && s->oncpu[c].since_ns &&
		    sm->mono_ns > s->oncpu[c].since_ns)
			sum += sm->mono_ns - s->oncpu[c].since_ns;
	return sum;
}

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* The per-CPU running tasks, and when they were read. */
static void read_oncpu(struct sample *sm)
{
	struct vg_sched_sampler *s = sm->s;
	uint32_t zero = 0;

	sm->mono_ns = mono_ns();
	if (!s->oncpu || s->m.oncpu < 0 ||
	    bpf_map_lookup_elem(s->m.oncpu, &zero, s->oncpu))
		memset(s->oncpu, 0, s->oncpu ? (size_t)s->ncpu * sizeof(*s->oncpu) : 0);
}

static struct vg_sched_stat *cg_get(struct vg_sched_sampler *s, uint64_t id)
{
	struct cg *n;

	for (size_t i = 0; i < s->n_cgs; i++)
		if (s->cgs[i].id == id)
			return &s->cgs[i].st;
	if (s->n_cgs >= MAX_CGROUPS)
		return NULL;
	n = realloc(s->cgs, (s->n_cgs + 1) * sizeof(*n));
	if (!n)
		return NULL;
	s->cgs = n;
	memset(&n[s->n_cgs], 0, sizeof(n[0]));
	n[s->n_cgs].id = id;
	return &n[s->n_cgs++].st;
}

int vg_sched_each_cgroup(const struct vg_sched_sampler *s, vg_sched_cgroup_fn fn, void *ctx)
{
	int ret = 0;

	for (size_t i = 0; s && i < s->n_cgs && !ret; i++)
		ret = fn(s->cgs[i].id, &s->cgs[i].st, ctx);
	return ret;
}

/* cpu_ns over elapsed_ns in hundredths of a percent, saturated. */
static uint32_t pct_x100(uint64_t cpu_ns, uint64_t elapsed_ns)
{
	double v = (double)cpu_ns * 10000.0 / (double)elapsed_ns + 0.5;

	return v < 4294967295.0 ? (uint32_t)v : UINT32_MAX;
}

/* Hand the process's interval to opts.each (p: its previous sample). */
static void each_proc(const struct sample *sm, const struct vg_sched_stat *st,
		      const struct prev *p, uint32_t tgid, uint64_t cpu)
{
	struct vg_sched_proc sp = {
		.tgid = tgid,
		.cgroup_id = st->cgroup_id,
		.interval_ns = sm->elapsed_ns,
		.cpu_ns = cpu,
		.runq_count = st->runq_count - p->runq_count,
		.switches = (st->voluntary - p->voluntary) + (st->involuntary - p->involuntary),
		.involuntary = st->involuntary - p->involuntary,
	};
	__u64 hist[VG_HIST_SLOTS];

	for (int i = 0; i < VG_HIST_SLOTS; i++)
		hist[i] = st->runq_hist[i] - p->runq_hist[i];
	sp.runq_p50_ns = vg_hist_percentile(hist, 0.5) * 1000;
	sp.runq_p99_ns = vg_hist_percentile(hist, 0.99) * 1000;
	sp.runq_max_ns = vg_hist_percentile(hist, 1.0) * 1000;
	memcpy(sp.comm, st->comm, sizeof(sp.comm));
	sp.comm[sizeof(sp.comm) - 1] = '\0';
	sm->s->o.each(&sp, sm->s->o.ctx);
}

static int sample_proc(uint64_t key, const void *value, void *ctx)
{
	struct sample *sm = ctx;
	struct vg_sched_sampler *s = sm->s;
	const struct vg_sched_stat *st = value;
	uint32_t tgid = (uint32_t)key;
	struct prev *p = prev_find(s, tgid);
	struct vg_sched *r;
	uint64_t cpu, now_cpu;
	uint32_t pct;
	struct cand *nc;
	__u64 hist[VG_HIST_SLOTS];
	struct vg_sched_stat *cg;

	if (kill((pid_t)tgid, 0) && errno == ESRCH) {
		if (sm->n_gone == sm->cap_gone) {
			uint32_t *ng = realloc(sm->gone, (sm->cap_gone * 2 + 16) * sizeof(*ng));

			if (!ng)
				return 0;
			sm->gone = ng;
			sm->cap_gone = sm->cap_gone * 2 + 16;
		}
		sm->gone[sm->n_gone++] = tgid;
		return 0;
	}
	if (!p && !(p = prev_add(s, tgid)))
		return 0;
	p->seen = s->gen;
	now_cpu = st->cpu_ns + running_ns(sm, tgid);
	cpu = now_cpu >= p->cpu_ns ? now_cpu - p->cpu_ns : 0;
	/* (the baseline tick has no interval: a percentage there would overflow) */
	pct = sm->baseline ? 0 : pct_x100(cpu, sm->elapsed_ns);
	memmove(&p->history[1], &p->history[0], (VG_SCHED_HISTORY - 1) * sizeof(p->history[0]));
	p->history[0] = pct;
	if (p->history_len < VG_SCHED_HISTORY)
		p->history_len++;
	for (int i = 0; i < VG_HIST_SLOTS; i++)
		hist[i] = st->runq_hist[i] - p->runq_hist[i];
	cg = sm->baseline ? NULL : cg_get(s, st->cgroup_id);
	if (cg) {
		cg->cpu_ns += cpu;
		cg->runq_ns += st->runq_ns - p->runq_ns;
		cg->runq_count += st->runq_count - p->runq_count;
		cg->voluntary += st->voluntary - p->voluntary;
		cg->involuntary += st->involuntary - p->involuntary;
		for (int i = 0; i < VG_HIST_SLOTS; i++)
			cg->runq_hist[i] += hist[i];
	}
	if (s->o.each && !sm->baseline)
		each_proc(sm, st, p, tgid, cpu);
	if (s->o.emit && (double)pct / 100.0 >= s->o.min_percent) {
		if (sm->n == sm->cap) {
			nc = realloc(sm->c, (sm->cap * 2 + 16) * sizeof(*nc));
			if (!nc)
				goto keep;
			sm->c = nc;
			sm->cap = sm->cap * 2 + 16;
		}
		nc = &sm->c[sm->n++];
		memset(nc, 0, sizeof(*nc));
		r = &nc->rec;
		r->hdr.task.pid = tgid;
		r->hdr.task.tid = tgid;
		r->hdr.task.cgroup_id = st->cgroup_id;
		memcpy(r->hdr.task.comm, st->comm, sizeof(r->hdr.task.comm));
		r->hdr.task.comm[VG_COMM_LEN - 1] = '\0';
		r->interval_ns = sm->elapsed_ns;
		r->cpu_ns = cpu;
		r->runq_count = st->runq_count - p->runq_count;
		memcpy(nc->runq_hist, hist, sizeof(hist));
		r->runq_p50_ns = vg_hist_percentile(nc->runq_hist, 0.5) * 1000;
		r->runq_p99_ns = vg_hist_percentile(nc->runq_hist, 0.99) * 1000;
		r->runq_max_ns = vg_hist_percentile(nc->runq_hist, 1.0) * 1000;
		r->switches = (st->voluntary - p->voluntary) + (st->involuntary - p->involuntary);
		r->involuntary = st->involuntary - p->involuntary;
		r->history_len = p->history_len;
		memcpy(r->cpu_history, p->history, sizeof(r->cpu_history));
	}
keep:
	p->cpu_ns = now_cpu;
	p->runq_ns = st->runq_ns;
	p->runq_count = st->runq_count;
	p->voluntary = st->voluntary;
	p->involuntary = st->involuntary;
	memcpy(p->runq_hist, st->runq_hist, sizeof(p->runq_hist));
	return 0;
}

static int by_cpu_desc(const void *a, const void *b)
{
	const struct cand *x = a, *y = b;

	return x->rec.cpu_ns < y->rec.cpu_ns ? 1 : x->rec.cpu_ns > y->rec.cpu_ns ? -1 : 0;
}

void vg_sched_tick(struct vg_sched_sampler *s, uint64_t now_ns)
{
	struct sample sm = { .s = s };
	struct vg_sched_stat total;
	uint64_t total_delta[VG_HIST_SLOTS];
	size_t kept = 0;

	if (!s || s->m.procs < 0)
		return;
	if (!s->last_ns) {
		s->last_ns = now_ns;	/* the first interval starts now */
		s->gen++;
		sm.baseline = true;
		sm.elapsed_ns = 1;
		sm.baseline = true;
		read_oncpu(&sm);
		vg_sched_each(s->m.procs, sizeof(uint32_t), sizeof(struct vg_sched_stat),
			      sample_proc, &sm);
		for (size_t i = 0; i < s->n_prev; i++)
			s->prev[i].history_len = 0;	/* that was no interval */
		free(sm.c);
		free(sm.gone);
		return;
	}
	if (now_ns - s->last_ns < s->o.interval_ns)
		return;
	sm.elapsed_ns = now_ns - s->last_ns;
	s->last_ns = now_ns;
	s->gen++;
	read_oncpu(&sm);
	vg_sched_each(s->m.procs, sizeof(uint32_t), sizeof(struct vg_sched_stat), sample_proc, &sm);
	memset(total_delta, 0, sizeof(total_delta));
	if (!vg_sched_read_total(&s->m, &total)) {
		for (int i = 0; i < VG_HIST_SLOTS; i++)
			total_delta[i] = total.runq_hist[i] - s->total_hist[i];
		memcpy(s->total_hist, total.runq_hist, sizeof(s->total_hist));
	}
	/* exited processes: out of the kernel's map and ours */
	for (size_t i = 0; i < sm.n_gone; i++)
		bpf_map_delete_elem(s->m.procs, &sm.gone[i]);
	for (size_t i = 0; i < s->n_prev; i++)
		if (s->prev[i].seen == s->gen)
			s->prev[kept++] = s->prev[i];
	s->n_prev = kept;
	if (sm.n)	/* sm.c is NULL when there is none (no emit: never any) */
		qsort(sm.c, sm.n, sizeof(*sm.c), by_cpu_desc);
	for (size_t i = 0; i < sm.n && i < s->o.top; i++) {
		struct vg_sched *r = &sm.c[i].rec;
		__u64 others[VG_HIST_SLOTS];

		for (int k = 0; k < VG_HIST_SLOTS; k++)
			others[k] = total_delta[k] >= sm.c[i].runq_hist[k] ?
				    total_delta[k] - sm.c[i].runq_hist[k] : 0;
		r->others_runq_p99_ns = vg_hist_percentile(others, 0.99) * 1000;
		vg_proc_task_ctx(r->hdr.task.pid, &r->hdr.task);	/* gone: what the kernel said */
		r->hdr.type = VG_EV_SCHED;
		r->hdr.version = VG_SCHED_VERSION;
		r->hdr.size = sizeof(*r);
		r->hdr.ts_ns = now_ns;
		if (s->o.emit)
			s->o.emit(r, s->o.ctx);
	}
	free(sm.c);
	free(sm.gone);
}
