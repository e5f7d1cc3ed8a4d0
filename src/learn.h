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
 * Detection: each profile's windows go into the kernel, its executable is
 * marked for detection, and the user-space detector (detect.h) gets the rest.
 */
#ifndef VIGIL_LEARN_H
#define VIGIL_LEARN_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "detect.h"
#include "sensor.h"

struct vg_learn_opts {
	char **exes;			/* the executables to learn (absolute paths) */
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

/*
 * Load every *.profile of dir: their windows and executables into the
 * kernel (detection; an anomaly when `threshold` of the last 32 windows
 * were unseen) and their other dimensions into the detector.  Returns the
 * number of profiles, or -errno (logged, naming FILE:LINE on a bad one).
 */
int vg_learn_load_profiles(const char *dir, unsigned int threshold, struct vg_sensor *sensor,
			   struct vg_detect *detect);

#endif /* VIGIL_LEARN_H */
