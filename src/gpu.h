/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * gpu.h - CUDA driver API calls per process (docs/gpu.md).
 *
 * The kernel counts four functions of libcuda.so.1 per process
 * (include/vigil/gpu.h): calls, errors, latency histograms, allocated bytes.
 * This module finds the library, attaches the sensor's programs to it, and
 * keeps the user-space side of the aggregates: per-process `gpu` records once
 * per interval (and when a process exits), the totals of processes that
 * exited (so that counters never go back), and per-comm sums for the metrics.
 *
 *	vg_gpu_find_lib("libcuda.so.1", path, sizeof(path));
 *	start the agent with VG_SENSOR_GPU, then vg_sensor_gpu(&sensor, &gs);
 *	vg_gpu_attach(&probes, &gs, path);
 *	t = vg_gpu_tracker_new(&opts, &gs);
 *	...each tick: vg_gpu_tick(t, now);	on an exit event: vg_gpu_on_exit(t, pid, now);
 *	vg_gpu_flush(t, now); vg_gpu_tracker_free(t); vg_gpu_detach(&probes);
 *
 * Everything here runs on the agent's thread.
 */
#ifndef VIGIL_SRC_GPU_H
#define VIGIL_SRC_GPU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sensor.h"
#include "vigil/event.h"
#include "vigil/gpu.h"

#define VG_GPU_DEFAULT_LIB	"libcuda.so.1"
#define VG_GPU_COMMS_MAX	16	/* comm label values in the metrics; then "other" */

_Static_assert(VG_GPU_FNS == VG_GPU_FN_MAX, "gpu function count mismatch");

/* "cuLaunchKernel", "cuMemAlloc_v2", "cuMemFree_v2", "cuCtxSynchronize"
 * (enum vg_gpu_fn); NULL out of range. */
const char *vg_gpu_fn_name(unsigned int fn);

/*
 * Find the driver library: a name with a '/' is used as it is; a bare name
 * ("libcuda.so.1") is looked for as the dynamic loader would find it, in
 * $LD_LIBRARY_PATH, the directories of /etc/ld.so.conf (and its includes),
 * then /lib, /usr/lib and their multiarch and lib64 variants, and
 * /usr/local/nvidia/lib64 (NVIDIA's container toolkit), /usr/lib/wsl/lib.
 * 0 with the canonical path in out, or -ENOENT (not there, or not a
 * readable regular file) / -ENAMETOOLONG.
 */
int vg_gpu_find_lib(const char *lib, char *out, size_t len);

/* The uprobes on the library. */
struct vg_gpu_probes {
	struct bpf_link *links[2 * VG_GPU_FN_MAX];
	size_t n;
	unsigned int fns;	/* 1 << enum vg_gpu_fn for each function attached */
};

/*
 * Attach the return and entry program of each function to the library at
 * `path` (every process that maps it, pid -1).  A function that cannot be
 * probed (the library does not export it) is skipped with a warning.
 * Returns how many functions are attached (> 0), or -errno when none is
 * (-ENOENT: the library exports none of them), for the caller to report.
 */
int vg_gpu_attach(struct vg_gpu_probes *g, const struct vg_gpu_sensor *s, const char *path);
void vg_gpu_detach(struct vg_gpu_probes *g);

/* One process's aggregate as the kernel has it now; -ENOENT when it made no
 * call (or was forgotten), -errno otherwise. */
int vg_gpu_read_proc(const struct vg_gpu_sensor *s, uint32_t tgid, struct vg_gpu_proc *out);

/* The kernel's drop counters (enum vg_gpu_drop), summed over CPUs. */
int vg_gpu_read_drops(const struct vg_gpu_sensor *s, uint64_t out[VG_GPU_DROP_MAX]);

/* "procs_full", "inflight", ... (enum vg_gpu_drop); NULL out of range. */
const char *vg_gpu_drop_name(unsigned int reason);

/*
 * The record of one interval: the calls, errors and latencies of `cur` not
 * in `prev` (prev NULL: all of cur), percentiles from the histogram
 * differences, the allocation gauges of cur.  Fills rec's header (type,
 * version, size, ts_ns = now_ns; task: pid = tid = tgid, the rest as cur
 * recorded it); flags 0.  Returns whether anything was called in the interval.
 */
bool vg_gpu_summarize(const struct vg_gpu_proc *prev, const struct vg_gpu_proc *cur,
		      uint32_t tgid, uint64_t interval_ns, uint64_t now_ns, struct vg_gpu *rec);

/* Comm label values, first come first served; later ones are "other".
 * Sticky, so a series never moves between labels and counters stay
 * monotonic. */
struct vg_gpu_comms {
	char name[VG_GPU_COMMS_MAX][16];
	size_t n;
	bool other;		/* something was folded into "other" */
};

/* The slot of comm (0..n-1), added when there is room; VG_GPU_COMMS_MAX:
 * "other".  Bytes other than printable ASCII are kept as '?'. */
size_t vg_gpu_comm_slot(struct vg_gpu_comms *c, const char *comm);

/* Everything counted since the tracker started, per comm slot (the last,
 * [VG_GPU_COMMS_MAX], is "other"): live processes' aggregates plus the
 * final values of those that exited.  allocated_bytes / allocations are
 * the live processes' only. */
struct vg_gpu_totals {
	struct vg_gpu_proc by_comm[VG_GPU_COMMS_MAX + 1];
	const struct vg_gpu_comms *comms;
	uint32_t processes;		/* live processes with an aggregate */
	uint64_t drops[VG_GPU_DROP_MAX];
};

typedef void (*vg_gpu_emit_fn)(struct vg_gpu *rec, void *ctx);

struct vg_gpu_opts {
	uint64_t interval_ns;	/* a record per process that called anything; 0: 1 s */
	vg_gpu_emit_fn emit;	/* may be NULL: no records */
	void *ctx;
};

struct vg_gpu_tracker;

/* NULL (errno set) on failure; s must be the loaded sensor's. */
struct vg_gpu_tracker *vg_gpu_tracker_new(const struct vg_gpu_opts *o,
					  const struct vg_gpu_sensor *s, uint64_t now_ns);
void vg_gpu_tracker_free(struct vg_gpu_tracker *t);

/* Records when an interval has passed; once a second, processes that
 * exited without an exit event seen are retired (now_ns: boot time). */
void vg_gpu_tick(struct vg_gpu_tracker *t, uint64_t now_ns);

/* A process exited: its last record (flag VG_GPU_EXITED; also when it made
 * no call since the previous one), its totals kept, its kernel entry and
 * leftover allocations deleted.  Nothing when it never called the driver. */
void vg_gpu_on_exit(struct vg_gpu_tracker *t, uint32_t tgid, uint64_t now_ns);

/* At the end: a record for every process with calls not reported yet. */
void vg_gpu_flush(struct vg_gpu_tracker *t, uint64_t now_ns);

/* 0 or -errno. */
int vg_gpu_totals(struct vg_gpu_tracker *t, struct vg_gpu_totals *out);

#endif /* VIGIL_SRC_GPU_H */
