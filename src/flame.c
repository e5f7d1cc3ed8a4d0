// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * flame.c - the CPU profiler: perf events, the sampler program, reading the
 * stacks back and folding them with names.  See flame.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/magic.h>
#include <linux/perf_event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/vfs.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "flame.h"
#include "flame.skel.h"
#include "fsutil.h"
#include "ksyms.h"
#include "log.h"
#include "mounts.h"

#define SCAN_MS		1000	/* the counts map is scanned for unknown processes this often */
#define WAIT_MS		100	/* longest wait for news of a process */
#define NAME_MAX_LEN	512

static const char *const stat_names[VG_FLAME_ST_MAX] = {
	[VG_FLAME_ST_SAMPLES] = "samples",
	[VG_FLAME_ST_IDLE] = "idle",
	[VG_FLAME_ST_FILTERED] = "filtered",
	[VG_FLAME_ST_RECORDED] = "recorded",
	[VG_FLAME_ST_COUNTS_FULL] = "counts_full",
	[VG_FLAME_ST_USTACK_COLLISION] = "user_stack_collision",
	[VG_FLAME_ST_USTACK_ERROR] = "user_stack_error",
	[VG_FLAME_ST_KSTACK_COLLISION] = "kernel_stack_collision",
	[VG_FLAME_ST_KSTACK_ERROR] = "kernel_stack_error",
	[VG_FLAME_ST_NEWS_LOST] = "news_lost",
};

const char *vg_flame_stat_name(enum vg_flame_stat s)
{
	return s < VG_FLAME_ST_MAX ? stat_names[s] : "?";
}

const char *vg_flame_event_name(enum vg_flame_event e)
{
	switch (e) {
	case VG_FLAME_EV_CYCLES:
		return "cycles";
	case VG_FLAME_EV_CPU_CLOCK:
		return "cpu-clock";
	default:
		return "auto";
	}
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---- cgroups, CPUs ---------------------------------------------------------- */

int vg_flame_cgroup(const char *path, uint64_t *id, uint32_t *level, char *rel, size_t len)
{
	char mnt[PATH_MAX], joined[PATH_MAX * 2], real[PATH_MAX];
	size_t mlen;
	struct statfs sfs;
	struct stat st;
	const char *p;
	int err;

	err = vg_mount_find("cgroup2", mnt, sizeof(mnt));
	if (err)
		return err;
	mlen = strlen(mnt);
	if (path[0] == '/' && !strncmp(path, mnt, mlen) && (path[mlen] == '/' || !path[mlen]))
		snprintf(joined, sizeof(joined), "%s", path);
	else
		snprintf(joined, sizeof(joined), "%s%s%s", mnt, path[0] == '/' ? "" : "/", path);
	if (!realpath(joined, real))
		return -errno;
	if (stat(real, &st))
		return -errno;
	if (!S_ISDIR(st.st_mode) || statfs(real, &sfs) || sfs.f_type != CGROUP2_SUPER_MAGIC ||
	    strncmp(real, mnt, mlen) || (real[mlen] != '/' && real[mlen]))
		return -ENOTDIR;
	*id = st.st_ino;
	*level = 0;
	for (p = real + mlen; *p; p++)
		if (*p == '/' && p[1] && p[1] != '/')
			(*level)++;
	snprintf(rel, len, "%s", real[mlen] ? real + mlen : "/");
	return 0;
}

int vg_cpulist_parse(const char *s, bool *cpus, size_t n)
{
	int count = 0;

	memset(cpus, 0, n * sizeof(*cpus));
	while (*s && *s != '\n') {
		unsigned long a, b;
		char *end;

		if (*s < '0' || *s > '9')
			return -EINVAL;
		a = strtoul(s, &end, 10);
		b = a;
		if (*end == '-') {
			if (end[1] < '0' || end[1] > '9')
				return -EINVAL;
			b = strtoul(end + 1, &end, 10);
		}
		if (b < a || b >= n)
			return -EINVAL;
		for (unsigned long c = a; c <= b; c++)
			if (!cpus[c]) {
				cpus[c] = true;
				count++;
			}
		if (*end == ',')
			end++;
		else if (*end && *end != '\n')
			return -EINVAL;
		s = end;
	}
	return count ? count : -EINVAL;
}

/* ---- perf events -------------------------------------------------------------- */

struct session {
	struct vigil_flame *skel;
	int n_possible;
	bool *online;
	struct bpf_link **links;	/* per CPU; a link owns its perf event fd */
};

static int perf_open(enum vg_flame_event ev, uint32_t freq, int cpu)
{
	struct perf_event_attr attr = {
		.size = sizeof(attr),
		.freq = 1,
		.sample_freq = freq,
	};
	int fd;

	if (ev == VG_FLAME_EV_CYCLES) {
		attr.type = PERF_TYPE_HARDWARE;
		attr.config = PERF_COUNT_HW_CPU_CYCLES;
	} else {
		attr.type = PERF_TYPE_SOFTWARE;
		attr.config = PERF_COUNT_SW_CPU_CLOCK;
	}
	fd = (int)syscall(SYS_perf_event_open, &attr, -1, cpu, -1, PERF_FLAG_FD_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

static void detach_all(struct session *s)
{
	for (int i = 0; s->links && i < s->n_possible; i++) {
		bpf_link__destroy(s->links[i]);
		s->links[i] = NULL;
	}
}

/* Why perf_event_open failed, in words. */
static void perf_refused(enum vg_flame_event ev, uint32_t freq, int cpu, int err)
{
	char max[32] = "";

	if (err == -EINVAL && vg_read_file("/proc/sys/kernel/perf_event_max_sample_rate", max,
					   sizeof(max)) > 0) {
		max[strcspn(max, "\n")] = '\0';
		vg_error("cannot open a %s perf event on CPU %d at %u Hz: %s (the kernel allows "
			 "at most %s Hz: kernel.perf_event_max_sample_rate)", vg_flame_event_name(ev),
			 cpu, freq, strerror(-err), max);
	} else if (err == -EACCES || err == -EPERM) {
		vg_error("perf events refused on CPU %d: %s (needs root or CAP_PERFMON; see "
			 "kernel.perf_event_paranoid)", cpu, strerror(-err));
	} else if (ev == VG_FLAME_EV_CYCLES && (err == -ENOENT || err == -EOPNOTSUPP ||
						err == -ENODEV)) {
		vg_error("cannot open a cycles perf event on CPU %d: %s (no hardware counters "
			 "here, as in most virtual machines: use --event cpu-clock)", cpu,
			 strerror(-err));
	} else {
		vg_error("cannot open a %s perf event on CPU %d: %s", vg_flame_event_name(ev), cpu,
			 strerror(-err));
	}
}

/*
 * One sampling event per online CPU, each driving the program.  With
 * VG_FLAME_EV_AUTO, cycles unless a CPU refuses them, then the CPU
 * clock (virtual machines often have no hardware counters).
 */
static int attach_events(struct session *s, const struct vg_flame_opts *o,
			 struct vg_flame_result *r)
{
	enum vg_flame_event ev = o->event == VG_FLAME_EV_AUTO ? VG_FLAME_EV_CYCLES : o->event;
	int err;

	for (int cpu = 0; cpu < s->n_possible; cpu++) {
		int fd;

		if (!s->online[cpu])
			continue;
		fd = perf_open(ev, o->frequency, cpu);
		if (fd < 0 && o->event == VG_FLAME_EV_AUTO && ev == VG_FLAME_EV_CYCLES &&
		    fd != -EACCES && fd != -EPERM) {
			snprintf(r->event_note, sizeof(r->event_note), "no hardware cycles: %s",
				 strerror(-fd));
			vg_debug("cycles on CPU %d: %s; using cpu-clock", cpu, strerror(-fd));
			detach_all(s);
			r->n_cpus = 0;
			ev = VG_FLAME_EV_CPU_CLOCK;
			cpu = -1;		/* start over */
			continue;
		}
		if (fd == -ENODEV)		/* went offline meanwhile */
			continue;
		if (fd < 0) {
			perf_refused(ev, o->frequency, cpu, fd);
			return fd;
		}
		s->links[cpu] = bpf_program__attach_perf_event(s->skel->progs.vg_flame_sample, fd);
		if (!s->links[cpu]) {
			err = -errno;
			close(fd);
			vg_error("cannot attach the sampler to the perf event of CPU %d: %s", cpu,
				 strerror(-err));
			return err;
		}
		r->n_cpus++;
	}
	r->event = ev;
	if (!r->n_cpus) {
		vg_error("no online CPU to sample");
		return -ENODEV;
	}
	return 0;
}

/* ---- reading back ------------------------------------------------------------- */

struct sample {
	struct vg_flame_key key;
	uint64_t count;
};

static int cmp_sample_tgid(const void *a, const void *b)
{
	const struct sample *x = a, *y = b;

	return x->key.tgid < y->key.tgid ? -1 : x->key.tgid > y->key.tgid;
}

/* Every key and count, sorted by tgid. */
static int read_counts(int fd, struct sample **out, size_t *n_out)
{
	struct vg_flame_key key, next;
	struct sample *v = NULL;
	size_t n = 0, cap = 0;
	void *prev = NULL;

	while (!bpf_map_get_next_key(fd, prev, &next)) {
		key = next;
		prev = &key;
		if (n == cap) {
			size_t ncap = cap ? cap * 2 : 1024;
			struct sample *nv = realloc(v, ncap * sizeof(*nv));

			if (!nv) {
				free(v);
				return -ENOMEM;
			}
			v = nv;
			cap = ncap;
		}
		if (bpf_map_lookup_elem(fd, &key, &v[n].count))
			continue;
		v[n].key = key;
		n++;
	}
	if (n)
		qsort(v, n, sizeof(*v), cmp_sample_tgid);
	*out = v;
	*n_out = n;
	return 0;
}

/* Read the maps of processes sampled with a user stack that have none yet
 * (their announcement was lost, or they exited first). */
static void snapshot_new(struct vg_usyms *u, int counts_fd)
{
	struct vg_flame_key key, next;
	void *prev = NULL;

	while (!bpf_map_get_next_key(counts_fd, prev, &next)) {
		key = next;
		prev = &key;
		if (key.user_stack >= 0 && !vg_usyms_known(u, key.tgid))
			vg_usyms_snapshot(u, key.tgid);
	}
}

static void read_stats(int fd, int n_possible, uint64_t stats[VG_FLAME_ST_MAX])
{
	uint64_t *v = calloc((size_t)n_possible, sizeof(*v));

	memset(stats, 0, VG_FLAME_ST_MAX * sizeof(*stats));
	if (!v)
		return;
	for (uint32_t i = 0; i < VG_FLAME_ST_MAX; i++)
		if (!bpf_map_lookup_elem(fd, &i, v))
			for (int c = 0; c < n_possible; c++)
				stats[i] += v[c];
	free(v);
}

struct folder {
	int stacks_fd;
	size_t depth;
	uint64_t *ips;
	struct vg_ksyms ks;
	bool have_ks;
	struct vg_usyms *us;
	char (*names)[NAME_MAX_LEN];	/* 1 + 2 * depth frames */
	const char **frames;
	struct vg_flame_result *r;
};

/* The stack `id` into f->ips, leaf first; its frame count, 0 if gone. */
static size_t read_stack(struct folder *f, int32_t id)
{
	size_t n = 0;

	if (id < 0)
		return 0;
	if (bpf_map_lookup_elem(f->stacks_fd, &id, f->ips)) {
		f->r->stacks_unreadable++;
		return 0;
	}
	while (n < f->depth && f->ips[n])
		n++;
	return n;
}

/*
 * Return addresses point after the call: look up addr - 1 for every frame
 * but the sampled one, or a call ending a function names the next one.
 */
static uint64_t frame_addr(const uint64_t *ips, size_t i)
{
	return i ? ips[i] - 1 : ips[i];
}

static int fold_sample(struct folder *f, const struct sample *s)
{
	size_t n = 0, nu, nk;
	char *name;

	snprintf(f->names[n], NAME_MAX_LEN, "%.*s", VG_FLAME_COMM_LEN, s->key.comm);
	f->frames[n] = f->names[n];
	n++;
	if (s->key.user_stack == VG_FLAME_STACK_LOST) {
		snprintf(f->names[n], NAME_MAX_LEN, "[lost user stack]");
		f->frames[n] = f->names[n];
		n++;
	}
	nu = read_stack(f, s->key.user_stack);
	for (size_t i = nu; i-- > 0;) {
		name = f->names[n];
		f->r->user_frames++;
		if (!vg_usyms_resolve(f->us, s->key.tgid, frame_addr(f->ips, i), name, NAME_MAX_LEN))
			f->r->user_unresolved++;
		f->frames[n++] = name;
	}
	nk = read_stack(f, s->key.kern_stack);
	for (size_t i = nk; i-- > 0;) {
		const char *sym = f->have_ks ? vg_ksyms_lookup(&f->ks, frame_addr(f->ips, i), NULL) :
				  NULL;

		name = f->names[n];
		f->r->kernel_frames++;
		if (!sym)
			f->r->kernel_unresolved++;
		snprintf(name, NAME_MAX_LEN, "%s_[k]", sym ? sym : "[unknown]");
		f->frames[n++] = name;
	}
	if (s->key.kern_stack == VG_FLAME_STACK_LOST) {
		snprintf(f->names[n], NAME_MAX_LEN, "[lost kernel stack]_[k]");
		f->frames[n] = f->names[n];
		n++;
	}
	return vg_folded_add(&f->r->folded, f->frames, n, s->count);
}

static int fold_all(struct session *s, struct vg_usyms *us, struct vg_flame_result *r)
{
	struct folder f = { .r = r, .us = us };
	struct sample *samples = NULL;
	size_t n = 0;
	int err;

	f.stacks_fd = bpf_map__fd(s->skel->maps.vg_flame_stacks);
	f.depth = bpf_map__value_size(s->skel->maps.vg_flame_stacks) / sizeof(uint64_t);
	err = read_counts(bpf_map__fd(s->skel->maps.vg_flame_counts), &samples, &n);
	if (err)
		return err;
	/* the final word on the maps of processes still alive (samples by tgid) */
	for (size_t i = 0, j; i < n; i = j) {
		bool user = false;

		for (j = i; j < n && samples[j].key.tgid == samples[i].key.tgid; j++)
			user |= samples[j].key.user_stack >= 0;
		if (user)
			vg_usyms_snapshot(us, samples[i].key.tgid);
	}
	err = vg_ksyms_load(&f.ks, NULL);
	f.have_ks = !err;
	r->kallsyms = f.have_ks;
	if (err)
		vg_warn("kernel frames will be [unknown]: cannot read /proc/kallsyms: %s",
			err == -EPERM ? "addresses hidden (kernel.kptr_restrict)" : strerror(-err));
	f.ips = calloc(f.depth, sizeof(*f.ips));
	f.names = calloc(1 + 2 * f.depth + 2, sizeof(*f.names));
	f.frames = calloc(1 + 2 * f.depth + 2, sizeof(*f.frames));
	err = f.ips && f.names && f.frames ? 0 : -ENOMEM;
	for (size_t i = 0; !err && i < n; i++)
		err = fold_sample(&f, &samples[i]);
	if (!err)
		vg_folded_finish(&r->folded);
	vg_usyms_stats(us, &r->usyms);
	if (f.have_ks)
		vg_ksyms_release(&f.ks);
	free(f.ips);
	free(f.names);
	free(f.frames);
	free(samples);
	if (err == -ENOMEM)
		vg_error("cannot fold the stacks: out of memory");
	return err;
}

/* ---- the session -------------------------------------------------------------- */

/* kernel.perf_event_max_stack, which bounds the stack map's value size. */
static size_t max_stack_depth(void)
{
	char buf[32];
	long v;

	if (vg_read_file("/proc/sys/kernel/perf_event_max_stack", buf, sizeof(buf)) <= 0)
		return VG_FLAME_MAX_DEPTH;
	v = strtol(buf, NULL, 10);
	return v > 0 && v < VG_FLAME_MAX_DEPTH ? (size_t)v : VG_FLAME_MAX_DEPTH;
}

static int online_cpus(struct session *s)
{
	char buf[4096];

	s->n_possible = libbpf_num_possible_cpus();
	if (s->n_possible <= 0) {
		vg_error("cannot count the CPUs: %s", strerror(-s->n_possible));
		return s->n_possible ? s->n_possible : -ENODEV;
	}
	s->online = calloc((size_t)s->n_possible, sizeof(*s->online));
	s->links = calloc((size_t)s->n_possible, sizeof(*s->links));
	if (!s->online || !s->links)
		return -ENOMEM;
	if (vg_read_file("/sys/devices/system/cpu/online", buf, sizeof(buf)) > 0 &&
	    vg_cpulist_parse(buf, s->online, (size_t)s->n_possible) > 0)
		return 0;
	vg_debug("cannot read /sys/devices/system/cpu/online: sampling every possible CPU");
	for (int i = 0; i < s->n_possible; i++)
		s->online[i] = true;
	return 0;
}

static void touch_ready(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

	if (fd < 0)
		vg_warn("cannot create ready file '%s': %s", path, strerror(errno));
	else
		close(fd);
}

/* A process sampled for the first time (or after an exec): its maps, now. */
static int on_news(void *ctx, void *data, size_t len)
{
	const struct vg_flame_new *n = data;

	if (len >= sizeof(*n))
		vg_usyms_snapshot(ctx, n->tgid);
	return 0;
}

/*
 * Wait until the duration is over or a stop is asked for, reading the maps
 * of each process announced by the program as soon as it is, and (should
 * an announcement have been lost) of any process in the counts map without
 * them every SCAN_MS.
 */
static int wait_sampling(struct session *s, const struct vg_flame_opts *o, struct vg_usyms *us,
			 double t0)
{
	int counts_fd = bpf_map__fd(s->skel->maps.vg_flame_counts);
	double end = t0 + (double)o->duration_ms / 1000.0, next_scan = t0 + SCAN_MS / 1000.0;
	struct ring_buffer *rb;
	int err = 0;

	rb = ring_buffer__new(bpf_map__fd(s->skel->maps.vg_flame_news), on_news, us, NULL);
	if (!rb) {
		err = -errno;
		vg_error("cannot open the profiler's ring buffer: %s", strerror(-err));
		return err;
	}
	for (;;) {
		double now = now_s(), left = end - now;
		int n;

		if (left <= 0 || (o->stop && *o->stop))
			break;
		if (now >= next_scan) {
			snapshot_new(us, counts_fd);
			next_scan = now + SCAN_MS / 1000.0;
		}
		n = ring_buffer__poll(rb, left * 1000 < WAIT_MS ? (int)(left * 1000) + 1 : WAIT_MS);
		if (n < 0 && n != -EINTR) {
			err = n;
			vg_error("cannot read the profiler's ring buffer: %s", strerror(-err));
			break;
		}
	}
	ring_buffer__free(rb);
	return err;
}

int vg_flame_record(const struct vg_flame_opts *o, struct vg_flame_result *r)
{
	struct session s = { 0 };
	struct vg_usyms *us = NULL;
	double t0;
	int err;

	memset(r, 0, sizeof(*r));
	vg_folded_init(&r->folded);
	if (geteuid() != 0) {
		vg_error("flame: must run as root (perf events and BPF need CAP_PERFMON and "
			 "CAP_BPF)");
		return -EPERM;
	}
	err = online_cpus(&s);
	if (err)
		goto cleanup;
	us = vg_usyms_new(NULL);
	if (!us) {
		err = -ENOMEM;
		goto cleanup;
	}

	/* open, set the filters, size the stack map, load */
	s.skel = vigil_flame__open();
	if (!s.skel) {
		err = -errno;
		vg_error("cannot open the profiler's BPF object: %s", strerror(-err));
		goto cleanup;
	}
	s.skel->rodata->vg_flame_tgid = o->tgid;
	s.skel->rodata->vg_flame_cgroup_id = o->cgroup_id;
	s.skel->rodata->vg_flame_cgroup_level = o->cgroup_level;
	err = bpf_map__set_value_size(s.skel->maps.vg_flame_stacks,
				      (uint32_t)(max_stack_depth() * sizeof(uint64_t)));
	if (!err && o->stack_storage)
		err = bpf_map__set_max_entries(s.skel->maps.vg_flame_stacks, o->stack_storage);
	if (!err)
		err = vigil_flame__load(s.skel);
	if (err) {
		vg_error("cannot load the profiler's BPF program: %s (run with -v -v for "
			 "libbpf's log)", strerror(-err));
		goto cleanup;
	}

	/* sample */
	err = attach_events(&s, o, r);
	if (err)
		goto cleanup;
	t0 = now_s();
	vg_info("sampling %u CPU%s at %u Hz with %s%s%s%s", r->n_cpus, r->n_cpus == 1 ? "" : "s",
		o->frequency, vg_flame_event_name(r->event), r->event_note[0] ? " (" : "",
		r->event_note, r->event_note[0] ? ")" : "");
	if (o->ready_file)
		touch_ready(o->ready_file);
	err = wait_sampling(&s, o, us, t0);
	detach_all(&s);
	r->seconds = now_s() - t0;
	if (err)
		goto cleanup;

	/* read back, symbolise, fold */
	read_stats(bpf_map__fd(s.skel->maps.vg_flame_stats), s.n_possible, r->stats);
	err = fold_all(&s, us, r);
cleanup:
	detach_all(&s);
	vigil_flame__destroy(s.skel);
	vg_usyms_free(us);
	free(s.online);
	free(s.links);
	return err;
}

void vg_flame_result_release(struct vg_flame_result *r)
{
	vg_folded_release(&r->folded);
}
