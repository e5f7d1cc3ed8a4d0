/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * learn.h - learning behaviour profiles live (`vigil learn --duration`), and
 * loading them for live detection (`vigil run --profile DIR`).
 *
 * Learning: the kernel counts each profiled executable's syscall sequences
 * (bpf/profile/), the sensors' events give what else it does (the programs
 * it starts, the files it opens, its peers and listening sockets, its
 * credential changes, how often); at the end one profile per executable is
 * written (docs/profiles.md).
 *
 * Detection and the workloads' lifecycle are workload.h's.
 */
#ifndef VIGIL_LEARN_H
#define VIGIL_LEARN_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "detect.h"
#include "sensor.h"

struct vg_learn_opts {
	/*
	 * scope VG_SCOPE_EXE: one profile per executable of exes, wherever it
	 * runs.  VG_SCOPE_CGROUP: one per executable and cgroup of targets
	 * (paths as /proc/PID/cgroup writes them, or absolute directories);
	 * VG_SCOPE_CONTAINER: one per executable and container whose id
	 * starts with one of targets (none: every container).  With a scope,
	 * exes restricts the executables (none: every one run there).
	 */
	enum vg_profile_scope scope;
	char **targets;
	size_t n_targets;
	char **exes;			/* absolute paths */
	size_t n_exes;
	unsigned int window;		/* 1..VG_NGRAM_MAX; 0: VG_NGRAM_DEFAULT */
	uint64_t duration_ms;
	const char *out_dir;		/* one PATH.profile per executable */
	const char *ready_file;		/* created once learning has started; NULL: none */
	volatile sig_atomic_t *stop;	/* set: stop early (the profiles are still written) */
};

/* Learn; returns 0 or -errno (logged). */
int vg_learn_live(const struct vg_learn_opts *o);

/* The file a workload's profile goes to in dir: "usr_sbin_mysqld.profile". */
void vg_learn_profile_path(const char *dir, const char *exe, char *buf, size_t len);

/* What a process of the profile did (a file, net or priv event) into p,
 * counting it in events[VG_RATE_*]; other events are ignored. */
void vg_learn_absorb(struct vg_profile *p, uint64_t events[VG_RATE_MAX],
		     const struct vg_event_view *ev);

#endif /* VIGIL_LEARN_H */
