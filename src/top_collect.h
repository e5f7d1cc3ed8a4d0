/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * top_collect.h - one sample of `vigil top`: the live processes from
 * /proc, CPU and run-queue p99 from the sched sampler, syscalls and block
 * I/O bytes from their kernel maps, bytes written from /proc/PID/io, all
 * into the model (top_model.h).  Entries of exited processes are deleted
 * from the syscall and block I/O maps.
 *
 *	struct vg_top_collect c;
 *	vg_top_collect_init(&c, &top, &maps, procs, "/proc");	// baseline sample
 *	...every interval: vg_top_collect_sample(&c, now_ns);
 *	vg_top_collect_release(&c);
 */
#ifndef VIGIL_TOP_COLLECT_H
#define VIGIL_TOP_COLLECT_H

#include <stdint.h>

#include "sched_sampler.h"
#include "sensor.h"
#include "top_model.h"

struct vg_proctable;
struct vg_sched_sampler;

struct vg_top_collect {
	struct vg_top *top;
	struct vg_sched_maps maps;
	struct vg_sched_sampler *sched;	/* NULL: no CPU figures */
	struct vg_proctable *procs;	/* names and exes; NULL: /proc only */
	const char *proc_root;
	vg_sched_fn emit;		/* sched records; NULL: none */
	void *emit_ctx;
	uint64_t sysc_missed;		/* syscalls not counted (map full), in total */
	uint64_t proc_reads;		/* /proc files read, in total (the cost) */
	uint32_t *gone;			/* scratch: map entries to delete */
	size_t n_gone, cap_gone;
};

/* Set up and take the first sample at now_ns (the baseline); 0 or -errno.
 * emit (may be NULL): the sampler's sched records too (processes at 1 %+
 * of a CPU, as `vigil run` makes them for policies of kind sched), with
 * emit_ctx. */
int vg_top_collect_init(struct vg_top_collect *c, struct vg_top *top,
			const struct vg_sched_maps *maps, struct vg_proctable *procs,
			const char *proc_root, vg_sched_fn emit, void *emit_ctx,
			uint64_t now_ns);
void vg_top_collect_release(struct vg_top_collect *c);

/* One sample (begin ... end on the model). */
int vg_top_collect_sample(struct vg_top_collect *c, uint64_t now_ns);

/* "wchar:" of proc_root/PID/io; 0 or -errno. */
int vg_top_read_wchar(const char *proc_root, uint32_t pid, uint64_t *wchar);

/* proc_root/PID/comm without its newline; 0 or -errno. */
int vg_top_read_comm(const char *proc_root, uint32_t pid, char comm[16]);

#endif /* VIGIL_TOP_COLLECT_H */
