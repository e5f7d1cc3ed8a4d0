// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * gpu.c - CUDA driver API calls per process: find libcuda, attach, and the
 * user-space side of the kernel's aggregates (gpu.h).
 */
#include <errno.h>
#include <glob.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "gpu.h"
#include "log.h"
#include "sched_sampler.h"	/* vg_hist_percentile */

#define DEFAULT_INTERVAL_NS	1000000000ULL
#define SWEEP_NS		1000000000ULL	/* look for exited processes this often */

static const char *const fn_names[VG_GPU_FN_MAX] = {
	[VG_GPU_LAUNCH_KERNEL] = "cuLaunchKernel",
	[VG_GPU_MEM_ALLOC] = "cuMemAlloc_v2",
	[VG_GPU_MEM_FREE] = "cuMemFree_v2",
	[VG_GPU_CTX_SYNC] = "cuCtxSynchronize",
};

static const char *const drop_names[VG_GPU_DROP_MAX] = {
	[VG_GPU_DROP_PROCS_FULL] = "procs_full",
	[VG_GPU_DROP_INFLIGHT] = "inflight",
	[VG_GPU_DROP_NESTING] = "nesting",
	[VG_GPU_DROP_ALLOCS_FULL] = "allocs_full",
	[VG_GPU_DROP_DPTR_READ] = "dptr_read",
	[VG_GPU_DROP_UNKNOWN_FREE] = "unknown_free",
};

const char *vg_gpu_fn_name(unsigned int fn)
{
	return fn < VG_GPU_FN_MAX ? fn_names[fn] : NULL;
}

const char *vg_gpu_drop_name(unsigned int reason)
{
	return reason < VG_GPU_DROP_MAX ? drop_names[reason] : NULL;
}

/* ---- finding the library ------------------------------------------------ */

/* Where the loader looks after $LD_LIBRARY_PATH and ld.so.conf (the
 * multiarch directories are Debian's and Ubuntu's, lib64 Red Hat's). */
static const char *const default_dirs[] = {
	"/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu",
	"/lib/aarch64-linux-gnu", "/usr/lib/aarch64-linux-gnu",
	"/lib64", "/usr/lib64", "/lib", "/usr/lib",
	"/usr/local/nvidia/lib64",	/* NVIDIA container toolkit */
	"/usr/lib/wsl/lib",		/* WSL */
};

/* dir/name, if a readable regular file: its canonical path in out. */
static int try_dir(const char *dir, size_t dir_len, const char *name, char *out, size_t len)
{
	char path[PATH_MAX], real[PATH_MAX];
	struct stat st;

	if (!dir_len || (size_t)snprintf(path, sizeof(path), "%.*s/%s", (int)dir_len, dir, name) >=
			sizeof(path))
		return -ENOENT;
	if (stat(path, &st) || !S_ISREG(st.st_mode) || access(path, R_OK) || !realpath(path, real))
		return -ENOENT;
	if (strlen(real) >= len)
		return -ENAMETOOLONG;
	strcpy(out, real);
	return 0;
}

/* Each directory of a ':'-separated list. */
static int try_list(const char *list, const char *name, char *out, size_t len)
{
	while (list && *list) {
		size_t n = strcspn(list, ":");

		if (!try_dir(list, n, name, out, len))
			return 0;
		list += n + (list[n] == ':');
	}
	return -ENOENT;
}

/* The directories of an ld.so.conf file, following `include` (depth-limited). */
static int try_conf(const char *conf, const char *name, char *out, size_t len, int depth)
{
	char line[PATH_MAX];
	FILE *f = fopen(conf, "re");
	int err = -ENOENT;

	if (!f)
		return -ENOENT;
	while (err && fgets(line, sizeof(line), f)) {
		char *s = line, *e;

		s[strcspn(s, "#\n")] = '\0';
		while (*s == ' ' || *s == '\t')
			s++;
		for (e = s + strlen(s); e > s && (e[-1] == ' ' || e[-1] == '\t'); e--)
			*--e = '\0';
		if (!*s)
			continue;
		if (!strncmp(s, "include", 7) && (s[7] == ' ' || s[7] == '\t')) {
			glob_t g;

			for (s += 8; *s == ' ' || *s == '\t'; s++)
				;
			if (depth > 2 || glob(s, 0, NULL, &g))
				continue;
			for (size_t i = 0; err && i < g.gl_pathc; i++)
				err = try_conf(g.gl_pathv[i], name, out, len, depth + 1);
			globfree(&g);
			continue;
		}
		err = try_dir(s, strlen(s), name, out, len);
	}
	fclose(f);
	return err;
}

int vg_gpu_find_lib(const char *lib, char *out, size_t len)
{
	if (!lib || !*lib)
		return -ENOENT;
	if (strchr(lib, '/')) {
		char *slash = strrchr(lib, '/');

		return try_dir(lib, slash == lib ? 1 : (size_t)(slash - lib), slash + 1, out, len);
	}
	if (!try_list(getenv("LD_LIBRARY_PATH"), lib, out, len) ||
	    !try_conf("/etc/ld.so.conf", lib, out, len, 0))
		return 0;
	for (size_t i = 0; i < sizeof(default_dirs) / sizeof(default_dirs[0]); i++)
		if (!try_dir(default_dirs[i], strlen(default_dirs[i]), lib, out, len))
			return 0;
	return -ENOENT;
}

/* ---- attaching ---------------------------------------------------------- */

static struct bpf_link *attach_one(struct bpf_program *prog, const char *path, const char *fn,
				   bool ret)
{
	LIBBPF_OPTS(bpf_uprobe_opts, o, .retprobe = ret, .func_name = fn);

	return bpf_program__attach_uprobe_opts(prog, -1, path, 0, &o);
}

int vg_gpu_attach(struct vg_gpu_probes *g, const struct vg_gpu_sensor *s, const char *path)
{
	int err = 0;

	memset(g, 0, sizeof(*g));
	if (s->procs < 0)
		return vg_error("cannot probe '%s': the GPU sensor is not loaded", path), -ENOTSUP;
	for (unsigned int i = 0; i < VG_GPU_FN_MAX; i++) {
		struct bpf_link *ret, *entry;

		/* the return first: a call already inside the function when the
		 * entry probe arrives is then simply not timed */
		ret = attach_one(s->ret[i], path, fn_names[i], true);
		if (!ret) {
			err = -errno;
			vg_warn("cannot probe '%s' in '%s': %s (its calls are not counted)",
				fn_names[i], path, strerror(-err));
			continue;
		}
		entry = attach_one(s->entry[i], path, fn_names[i], false);
		if (!entry) {
			err = -errno;
			vg_warn("cannot probe '%s' in '%s': %s (its calls are not counted)",
				fn_names[i], path, strerror(-err));
			bpf_link__destroy(ret);
			continue;
		}
		g->links[g->n++] = ret;
		g->links[g->n++] = entry;
		g->fns |= 1u << i;
	}
	if (!g->fns)
		return err ? err : -ENOENT;
	vg_debug("gpu: %zu probes on '%s'", g->n, path);
	return __builtin_popcount(g->fns);
}

void vg_gpu_detach(struct vg_gpu_probes *g)
{
	/* entries first (reverse order), so no new call is half-seen */
	for (size_t i = g->n; i > 0; i--)
		bpf_link__destroy(g->links[i - 1]);
	memset(g, 0, sizeof(*g));
}

/* ---- reading the kernel's aggregates ---------------------------------- */

int vg_gpu_read_proc(const struct vg_gpu_sensor *s, uint32_t tgid, struct vg_gpu_proc *out)
{
	if (s->procs < 0)
		return -ENOTSUP;
	return bpf_map_lookup_elem(s->procs, &tgid, out) ? -errno : 0;
}

int vg_gpu_read_drops(const struct vg_gpu_sensor *s, uint64_t out[VG_GPU_DROP_MAX])
{
	int ncpu = libbpf_num_possible_cpus();
	uint64_t *v;

	memset(out, 0, VG_GPU_DROP_MAX * sizeof(*out));
	if (s->drops < 0)
		return -ENOTSUP;
	if (ncpu <= 0)
		return ncpu ? ncpu : -EINVAL;
	v = calloc((size_t)ncpu, sizeof(*v));
	if (!v)
		return -ENOMEM;
	for (uint32_t k = 0; k < VG_GPU_DROP_MAX; k++) {
		if (bpf_map_lookup_elem(s->drops, &k, v))
			continue;
		for (int c = 0; c < ncpu; c++)
			out[k] += v[c];
	}
	free(v);
	return 0;
}

/* ---- records ------------------------------------------------------------- */

bool vg_gpu_summarize(const struct vg_gpu_proc *prev, const struct vg_gpu_proc *cur,
		      uint32_t tgid, uint64_t interval_ns, uint64_t now_ns, struct vg_gpu *rec)
{
	static const struct vg_gpu_proc zero;
	bool any = false;

	if (!prev)
		prev = &zero;
	memset(rec, 0, sizeof(*rec));
	rec->hdr.type = VG_EV_GPU;
	rec->hdr.version = VG_GPU_VERSION;
	rec->hdr.size = sizeof(*rec);
	rec->hdr.ts_ns = now_ns;
	rec->hdr.task.pid = tgid;
	rec->hdr.task.tid = tgid;
	rec->hdr.task.cgroup_id = cur->cgroup_id;
	rec->hdr.task.start_ns = cur->start_ns;
	rec->hdr.task.ppid = cur->ppid;
	rec->hdr.task.uid = cur->uid;
	rec->hdr.task.gid = cur->gid;
	rec->hdr.task.euid = cur->euid;
	rec->hdr.task.egid = cur->egid;
	rec->hdr.task.loginuid = cur->loginuid;
	memcpy(rec->hdr.task.comm, cur->comm, sizeof(rec->hdr.task.comm));
	rec->hdr.task.comm[VG_COMM_LEN - 1] = '\0';
	rec->interval_ns = interval_ns;
	for (int f = 0; f < VG_GPU_FN_MAX; f++) {
		const struct vg_gpu_fn_stat *a = &prev->fn[f], *b = &cur->fn[f];
		struct vg_gpu_calls *c = &rec->fn[f];
		__u64 hist[VG_HIST_SLOTS];

		c->calls = b->calls - a->calls;
		c->errors = b->errors - a->errors;
		c->latency_ns = b->latency_ns - a->latency_ns;
		for (int i = 0; i < VG_HIST_SLOTS; i++)
			hist[i] = b->hist[i] - a->hist[i];
		/* percentiles as the slots' upper bounds, microseconds -> ns */
		c->p50_ns = vg_hist_percentile(hist, 0.5) * 1000;
		c->p99_ns = vg_hist_percentile(hist, 0.99) * 1000;
		c->max_ns = vg_hist_percentile(hist, 1.0) * 1000;
		any = any || c->calls;
	}
	rec->alloc_bytes = cur->alloc_bytes - prev->alloc_bytes;
	rec->alloc_failed_bytes = cur->alloc_failed_bytes - prev->alloc_failed_bytes;
	rec->allocated_bytes = cur->allocated_bytes;
	rec->allocations = cur->allocations;
	return any;
}

size_t vg_gpu_comm_slot(struct vg_gpu_comms *c, const char *comm)
{
	char name[16];

	/* a label value: a process picks its comm, and a byte that is not
	 * UTF-8 would make Prometheus reject the whole scrape */
	snprintf(name, sizeof(name), "%.15s", comm);
	for (char *p = name; *p; p++)
		if ((unsigned char)*p < 0x20 || (unsigned char)*p >= 0x7f)
			*p = '?';
	for (size_t i = 0; i < c->n; i++)
		if (!strcmp(c->name[i], name))
			return i;
	if (c->n < VG_GPU_COMMS_MAX) {
		memcpy(c->name[c->n], name, sizeof(name));
		return c->n++;
	}
	c->other = true;
	return VG_GPU_COMMS_MAX;
}

/* ---- the tracker ----------------------------------------------------------- */

/* What the last record of a process said, and when. */
struct prev {
	uint32_t tgid;
	uint64_t last_ns;
	struct vg_gpu_proc seen;
};

struct vg_gpu_tracker {
	struct vg_gpu_opts o;
	struct vg_gpu_sensor s;
	uint64_t start_ns, last_report_ns, last_sweep_ns;
	struct prev *prev;			/* sorted by tgid */
	size_t n_prev;
	struct vg_gpu_comms comms;
	struct vg_gpu_proc retired[VG_GPU_COMMS_MAX + 1];	/* exited processes, by comm */
	struct vg_gpu_proc cur;			/* scratch: one process read */
};

static size_t prev_pos(const struct vg_gpu_tracker *t, uint32_t tgid)
{
	size_t lo = 0, hi = t->n_prev;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (t->prev[mid].tgid < tgid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* The process's entry, made (nothing reported yet, its first interval from
 * its start or the tracker's, the later) if new; NULL when out of memory. */
static struct prev *prev_get(struct vg_gpu_tracker *t, uint32_t tgid, uint64_t start_ns)
{
	size_t i = prev_pos(t, tgid);
	struct prev *np;

	if (i < t->n_prev && t->prev[i].tgid == tgid)
		return &t->prev[i];
	np = realloc(t->prev, (t->n_prev + 1) * sizeof(*np));
	if (!np)
		return NULL;
	t->prev = np;
	memmove(&np[i + 1], &np[i], (t->n_prev - i) * sizeof(*np));
	t->n_prev++;
	memset(&np[i], 0, sizeof(np[i]));
	np[i].tgid = tgid;
	np[i].last_ns = start_ns > t->start_ns ? start_ns : t->start_ns;
	return &np[i];
}

static void prev_remove(struct vg_gpu_tracker *t, uint32_t tgid)
{
	size_t i = prev_pos(t, tgid);

	if (i < t->n_prev && t->prev[i].tgid == tgid) {
		memmove(&t->prev[i], &t->prev[i + 1], (t->n_prev - i - 1) * sizeof(t->prev[0]));
		t->n_prev--;
	}
}

struct vg_gpu_tracker *vg_gpu_tracker_new(const struct vg_gpu_opts *o,
					  const struct vg_gpu_sensor *s, uint64_t now_ns)
{
	struct vg_gpu_tracker *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	t->o = *o;
	t->s = *s;
	if (!t->o.interval_ns)
		t->o.interval_ns = DEFAULT_INTERVAL_NS;
	t->start_ns = t->last_report_ns = t->last_sweep_ns = now_ns;
	return t;
}

void vg_gpu_tracker_free(struct vg_gpu_tracker *t)
{
	if (!t)
		return;
	free(t->prev);
	free(t);
}

/* Report the process's calls since its last record, if it made any; its
 * last record (flags VG_GPU_EXITED) in any case. */
static void report(struct vg_gpu_tracker *t, uint32_t tgid, const struct vg_gpu_proc *cur,
		   uint64_t now_ns, uint32_t flags)
{
	struct prev *p;
	struct vg_gpu rec;

	if (!t->o.emit || !(p = prev_get(t, tgid, cur->start_ns)))
		return;
	if (vg_gpu_summarize(&p->seen, cur, tgid, now_ns - p->last_ns, now_ns, &rec) || flags) {
		rec.flags = flags;
		t->o.emit(&rec, t->o.ctx);
		p->last_ns = now_ns;
	}
	p->seen = *cur;
}

static void add_fn(struct vg_gpu_fn_stat *to, const struct vg_gpu_fn_stat *from)
{
	to->calls += from->calls;
	to->errors += from->errors;
	to->timed += from->timed;
	to->latency_ns += from->latency_ns;
	for (int i = 0; i < VG_HIST_SLOTS; i++)
		to->hist[i] += from->hist[i];
}

/* Counters of `from` added to `to` (with the gauges when `gauges`). */
static void add_proc(struct vg_gpu_proc *to, const struct vg_gpu_proc *from, bool gauges)
{
	for (int f = 0; f < VG_GPU_FN_MAX; f++)
		add_fn(&to->fn[f], &from->fn[f]);
	to->alloc_bytes += from->alloc_bytes;
	to->alloc_failed_bytes += from->alloc_failed_bytes;
	if (gauges) {
		to->allocated_bytes += from->allocated_bytes;
		to->allocations += from->allocations;
	}
}

/* Delete the process's allocations the kernel still tracks (it exited
 * without freeing them: the driver releases them with the context). */
static void forget_allocs(struct vg_gpu_tracker *t, uint32_t tgid)
{
	struct vg_gpu_alloc_key key, next, *gone = NULL;
	size_t n = 0, cap = 0;
	bool first = true;

	while (!bpf_map_get_next_key(t->s.allocs, first ? NULL : &key, &next)) {
		first = false;
		key = next;
		if (key.tgid != tgid)
			continue;
		if (n == cap) {
			struct vg_gpu_alloc_key *g = realloc(gone, (cap * 2 + 16) * sizeof(*g));

			if (!g)
				break;
			gone = g;
			cap = cap * 2 + 16;
		}
		gone[n++] = key;
	}
	for (size_t i = 0; i < n; i++)
		bpf_map_delete_elem(t->s.allocs, &gone[i]);
	free(gone);
}

/* The process is gone: last record, totals kept, kernel state deleted. */
static void retire(struct vg_gpu_tracker *t, uint32_t tgid, const struct vg_gpu_proc *cur,
		   uint64_t now_ns)
{
	report(t, tgid, cur, now_ns, VG_GPU_EXITED);
	add_proc(&t->retired[vg_gpu_comm_slot(&t->comms, cur->comm)], cur, false);
	bpf_map_delete_elem(t->s.procs, &tgid);
	forget_allocs(t, tgid);
	prev_remove(t, tgid);
}

void vg_gpu_on_exit(struct vg_gpu_tracker *t, uint32_t tgid, uint64_t now_ns)
{
	if (t && !vg_gpu_read_proc(&t->s, tgid, &t->cur))
		retire(t, tgid, &t->cur, now_ns);
}

/* Each kernel entry: fn(t, tgid, value). */
static void each_proc(struct vg_gpu_tracker *t,
		      void (*fn)(struct vg_gpu_tracker *, uint32_t, const struct vg_gpu_proc *,
				 uint64_t, void *),
		      uint64_t now_ns, void *ctx)
{
	uint32_t key, next, *keys = NULL;
	size_t n = 0, cap = 0;
	bool first = true;

	/* keys first: fn may delete entries, which would restart the walk */
	while (!bpf_map_get_next_key(t->s.procs, first ? NULL : &key, &next)) {
		first = false;
		key = next;
		if (n == cap) {
			uint32_t *k = realloc(keys, (cap * 2 + 64) * sizeof(*k));

			if (!k)
				break;
			keys = k;
			cap = cap * 2 + 64;
		}
		keys[n++] = key;
	}
	for (size_t i = 0; i < n; i++)
		if (!vg_gpu_read_proc(&t->s, keys[i], &t->cur))
			fn(t, keys[i], &t->cur, now_ns, ctx);
	free(keys);
}

static void report_one(struct vg_gpu_tracker *t, uint32_t tgid, const struct vg_gpu_proc *cur,
		       uint64_t now_ns, void *ctx)
{
	report(t, tgid, cur, now_ns, 0);
}

static void sweep_one(struct vg_gpu_tracker *t, uint32_t tgid, const struct vg_gpu_proc *cur,
		      uint64_t now_ns, void *ctx)
{
	if (kill((pid_t)tgid, 0) && errno == ESRCH)
		retire(t, tgid, cur, now_ns);
}

void vg_gpu_tick(struct vg_gpu_tracker *t, uint64_t now_ns)
{
	if (!t || t->s.procs < 0)
		return;
	if (now_ns - t->last_sweep_ns >= SWEEP_NS) {
		t->last_sweep_ns = now_ns;
		each_proc(t, sweep_one, now_ns, NULL);
	}
	if (t->o.emit && now_ns - t->last_report_ns >= t->o.interval_ns) {
		t->last_report_ns = now_ns;
		each_proc(t, report_one, now_ns, NULL);
	}
}

void vg_gpu_flush(struct vg_gpu_tracker *t, uint64_t now_ns)
{
	if (t && t->s.procs >= 0 && t->o.emit)
		each_proc(t, report_one, now_ns, NULL);
}

static void total_one(struct vg_gpu_tracker *t, uint32_t tgid, const struct vg_gpu_proc *cur,
		      uint64_t now_ns, void *ctx)
{
	struct vg_gpu_totals *out = ctx;

	add_proc(&out->by_comm[vg_gpu_comm_slot(&t->comms, cur->comm)], cur, true);
	out->processes++;
}

int vg_gpu_totals(struct vg_gpu_tracker *t, struct vg_gpu_totals *out)
{
	memset(out, 0, sizeof(*out));
	if (t->s.procs < 0)
		return -ENOTSUP;
	memcpy(out->by_comm, t->retired, sizeof(out->by_comm));
	each_proc(t, total_one, 0, out);
	out->comms = &t->comms;
	return vg_gpu_read_drops(&t->s, out->drops);
}
