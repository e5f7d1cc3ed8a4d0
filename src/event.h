/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * event.h - ring-buffer records as user space sees them: validated, then
 * joined with what user space knows (process table, cgroup paths,
 * container ids) into a struct vg_event_view that output and tests consume.
 */
#ifndef VIGIL_SRC_EVENT_H
#define VIGIL_SRC_EVENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vigil/event.h"
#include "container.h"
#include "fim.h"

/*
 * Check a record of `size` bytes before anything reads it: known type,
 * supported version, hdr.size == size, size within the type's bounds, and
 * internal lengths within the record.  Returns 0 or -EINVAL / -EPROTO
 * (unknown type or version), with a reason in *why.
 */
int vg_event_check(const void *rec, size_t size, const char **why);

/* "exec", "fork", "exit", "file", "priv"; NULL for an unknown type. */
const char *vg_event_kind(uint16_t type);

/* Everything known about the process an event is about. */
struct vg_proc_view {
	const struct vg_task_ctx *task;
	const char *exe;		/* "" if unknown */
	const char *args;		/* NUL-separated block; NULL if unknown */
	size_t args_len;
	bool args_truncated;
	const char *cgroup;		/* cgroup v2 path, "" if unknown */
	const struct vg_container *container;	/* NULL: not in a container */
	const char *parent_exe;		/* "" if unknown */
};

/* File events, as user space completes them. */
struct vg_file_view {
	const char *path;		/* normalised when the kernel could not */
	const char *new_path;		/* NULL: none */
	const char *change;		/* FIM: what changed ("write", "rename_over", ...); NULL: no FIM */
	const char *target;		/* FIM: the watched file the change is about */
	bool coalesced;			/* FIM: a write within the coalescing interval: not re-read */
	struct vg_fim_state before, after;
};

/* Anomaly events, as the user-space detector completes them (src/detect.c). */
struct vg_anomaly_view {
	const char *profile;		/* the profile's workload (its `workload` value) */
	double score;			/* >= 0; the detector's combined score */
	const char *const *reasons;	/* what was new, one phrase each */
	size_t n_reasons;
	const char *mode;		/* the workload's mode (workload.h); NULL: none */
};

struct vg_event_view {
	const struct vg_event_hdr *hdr;
	uint64_t time_ns;		/* realtime, ns since the epoch */
	struct vg_proc_view proc;
	struct vg_file_view file_view;	/* VG_EV_FILE only */
	const struct vg_anomaly_view *anomaly_view;	/* VG_EV_ANOMALY only */
	union {
		const struct vg_exec *exec;
		const struct vg_fork *fork;
		const struct vg_exit *exit;
		const struct vg_file *file;
		const struct vg_priv *priv;
		const struct vg_net *net;
		const struct vg_flow *flow;
		const struct vg_syscall *syscall;
		const struct vg_anomaly *anomaly;
		const struct vg_oom *oom;
		const struct vg_block *block;
		const struct vg_sched *sched;
		const struct vg_uprobe *uprobe;
		const struct vg_bpf *bpf;
		const struct vg_gpu *gpu;
		const struct vg_tls *tls;
		const struct vg_shell *shell;
	};
};

#endif /* VIGIL_SRC_EVENT_H */
