// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * top_collect.c - one sample of `vigil top` (top_collect.h).
 */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "fsutil.h"
#include "proctable.h"
#include "sched_sampler.h"
#include "top_collect.h"
#include "vigil/sched.h"

int vg_top_read_wchar(const char *proc_root, uint32_t pid, uint64_t *wchar)
{
	char path[128], buf[512], *p;
	ssize_t n;

	snprintf(path, sizeof(path), "%s/%u/io", proc_root, pid);
	n = vg_read_file(path, buf, sizeof(buf));
	if (n < 0)
		return (int)n;
	p = strstr(buf, "wchar:");
	if (!p || (p != buf && p[-1] != '\n'))
		return -EPROTO;
	p += 6;
	errno = 0;
	*wchar = strtoull(p, &p, 10);
	if (errno || (*p != '\n' && *p != '\0'))
		return -EPROTO;
	return 0;
}

int vg_top_read_comm(const char *proc_root, uint32_t pid, char comm[16])
{
	char path[128], buf[64];
	ssize_t n;

	snprintf(path, sizeof(path), "%s/%u/comm", proc_root, pid);
	n = vg_read_file(path, buf, sizeof(buf));
	if (n < 0)
		return (int)n;
	buf[strcspn(buf, "\n")] = '\0';
	snprintf(comm, 16, "%.15s", buf);
	return 0;
}

static bool parse_pid(const char *s, uint32_t *pid)
{
	unsigned long v = 0;

	if (!*s)
		return false;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return false;
		v = v * 10 + (unsigned long)(*s - '0');
		if (v > UINT32_MAX)
			return false;
	}
	*pid = (uint32_t)v;
	return v != 0;
}

/* Every process under proc_root into the model, with its name and exe. */
static int list_processes(struct vg_top_collect *c)
{
	struct dirent *de;
	uint32_t pid;
	DIR *dir = opendir(c->proc_root);

	if (!dir)
		return -errno;
	while ((errno = 0, de = readdir(dir))) {
		struct vg_proc *p;
		struct vg_top_row *r;

		if (!parse_pid(de->d_name, &pid))
			continue;
		p = c->procs ? vg_proctable_get(c->procs, pid) : NULL;
		r = vg_top_proc(c->top, pid, p && p->comm[0] ? p->comm : NULL, p ? p->exe : NULL);
		if (r && r->alive && !r->comm[0]) {
			c->proc_reads++;
			if (vg_top_read_comm(c->proc_root, pid, r->comm))
				r->alive = false;	/* gone meanwhile */
		}
	}
	closedir(dir);
	return 0;
}

static void on_sched_proc(const struct vg_sched_proc *sp, void *ctx)
{
	struct vg_top_collect *c = ctx;

	vg_top_cpu(c->top, sp->tgid, sp->cpu_ns, sp->runq_p99_ns);
}

/* Bytes written, for the rows that ran (vg_top_wants). */
static void read_writes(struct vg_top_collect *c)
{
	struct vg_top *t = c->top;
	uint64_t w;

	for (size_t i = 0; i < t->n; i++) {
		uint32_t pid = t->rows[i]->pid;

		if (!vg_top_wants(t, pid, VG_TOP_C_WRITES))
			continue;
		c->proc_reads++;
		if (!vg_top_read_wchar(c->proc_root, pid, &w))
			vg_top_total(t, pid, VG_TOP_C_WRITES, w);
	}
}

/* pid's map entry is to go when its process has (kill(0) says so: not on
 * the /proc listing, which a new process may have missed). */
static void note_gone(struct vg_top_collect *c, uint32_t pid)
{
	const struct vg_top_row *r = vg_top_find(c->top, pid);

	if ((r && r->alive) || !(kill((pid_t)pid, 0) && errno == ESRCH))
		return;
	if (c->n_gone == c->cap_gone) {
		size_t cap = c->cap_gone ? c->cap_gone * 2 : 64;
		uint32_t *ng = realloc(c->gone, cap * sizeof(*ng));

		if (!ng)
			return;		/* deleted at a later sample */
		c->gone = ng;
		c->cap_gone = cap;
	}
	c->gone[c->n_gone++] = pid;
}

static int on_syscalls(uint64_t key, const void *value, void *ctx)
{
	struct vg_top_collect *c = ctx;

	vg_top_total(c->top, (uint32_t)key, VG_TOP_C_SYSCALLS, *(const uint64_t *)value);
	note_gone(c, (uint32_t)key);
	return 0;
}

static int on_block(uint64_t key, const void *value, void *ctx)
{
	struct vg_top_collect *c = ctx;
	const struct vg_block_stat *st = value;

	vg_top_total(c->top, (uint32_t)key, VG_TOP_C_IO, st->bytes[0] + st->bytes[1]);
	note_gone(c, (uint32_t)key);
	return 0;
}

/* Walk a per-tgid map into the model, then delete the exited processes'
 * entries. */
static void read_map(struct vg_top_collect *c, int fd, size_t value_size, vg_sched_each_fn fn)
{
	if (fd < 0)
		return;
	c->n_gone = 0;
	vg_sched_each(fd, sizeof(uint32_t), value_size, fn, c);
	for (size_t i = 0; i < c->n_gone; i++)
		bpf_map_delete_elem(fd, &c->gone[i]);
}

static void read_missed(struct vg_top_collect *c)
{
	int ncpu = libbpf_num_possible_cpus();
	uint64_t *v;
	uint32_t zero = 0;

	if (c->maps.sysc_missed < 0 || ncpu <= 0)
		return;
	v = calloc((size_t)ncpu, sizeof(*v));
	if (!v)
		return;
	if (!bpf_map_lookup_elem(c->maps.sysc_missed, &zero, v)) {
		c->sysc_missed = 0;
		for (int i = 0; i < ncpu; i++)
			c->sysc_missed += v[i];
	}
	free(v);
}

int vg_top_collect_sample(struct vg_top_collect *c, uint64_t now_ns)
{
	int err;

	vg_top_begin(c->top, now_ns);
	err = list_processes(c);
	if (c->sched)
		vg_sched_tick(c->sched, now_ns);
	read_writes(c);
	read_map(c, c->maps.sysc_procs, sizeof(uint64_t), on_syscalls);
	read_map(c, c->maps.block_procs, sizeof(struct vg_block_stat), on_block);
	read_missed(c);
	vg_top_end(c->top);
	return err;
}

static void on_sched_record(struct vg_sched *rec, void *ctx)
{
	struct vg_top_collect *c = ctx;

	c->emit(rec, c->emit_ctx);
}

int vg_top_collect_init(struct vg_top_collect *c, struct vg_top *top,
			const struct vg_sched_maps *maps, struct vg_proctable *procs,
			const char *proc_root, vg_sched_fn emit, void *emit_ctx,
			uint64_t now_ns)
{
	struct vg_sched_opts so = {
		.interval_ns = 1,	/* whenever vg_top_collect_sample says */
		.emit = emit ? on_sched_record : NULL,
		.each = on_sched_proc,
		.ctx = c,
	};

	memset(c, 0, sizeof(*c));
	c->emit = emit;
	c->emit_ctx = emit_ctx;
	c->top = top;
	c->maps = *maps;
	c->procs = procs;
	c->proc_root = proc_root;
	if (maps->procs >= 0) {
		c->sched = vg_sched_new(&so, maps);
		if (!c->sched)
			return -ENOMEM;
	}
	return vg_top_collect_sample(c, now_ns);
}

void vg_top_collect_release(struct vg_top_collect *c)
{
	vg_sched_free(c->sched);
	free(c->gone);
	memset(c, 0, sizeof(*c));
}
