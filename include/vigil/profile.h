/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * vigil/profile.h - behaviour profiles as the kernel sees them (maps written
 * by src/profile_kernel.c, read by bpf/lib/profile.bpf.h and bpf/profile/).
 *
 * A profiled executable is a key of vg_prof_exe: its path and the cgroup
 * the profile is scoped to (0: any cgroup; scope exe).  A task that execs it
 * gets per-task state (task storage): its profile id, its last syscalls,
 * and a frame of recent misses; an exec looks up (its cgroup, path) first,
 * then (0, path).  In a cgroup of vg_prof_scopes (learning a whole cgroup or
 * container), an executable without a key gets one there and then, with the
 * next id of vg_prof_next.  Forked children and new threads take their
 * parent's profile at their first syscall.  What a profile does now (learn
 * or detect, window, threshold) is vg_prof_modes[id], read at every
 * syscall, so user space moves a workload between learning and detection
 * at once, running processes included.  At every sys_enter:
 *   - learn: every window of length 1..window ending here is counted in
 *     vg_prof_learn (the sequence itself is kept, for the profile file);
 *   - detect: the window of length `window` is looked up in vg_prof_ngrams;
 *     an unseen one sets a bit of the task's 32-syscall frame, and when the
 *     frame holds `threshold` misses an anomaly event goes out (at most one
 *     per task per second; suppressed ones are counted in the next).
 * No per-syscall event reaches user space.
 */
#ifndef VIGIL_PROFILE_ABI_H
#define VIGIL_PROFILE_ABI_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

#include "vigil/ngram.h"

#define VG_PROF_KEY_LEN		256	/* executable paths compared in the kernel */
#define VG_PROF_EXE_MAX		1024	/* profiled executables; profile ids are 1..this */
#define VG_PROF_SCOPES_MAX	256	/* cgroups learned as a whole */
#define VG_PROF_USER_IDS	512	/* ids 1..this are user space's; the kernel hands out the rest */
#define VG_PROF_NGRAMS_MAX	(1 << 20)	/* known windows, all profiles */
#define VG_PROF_LEARN_MAX	(1 << 18)	/* learned sequences, all profiles */
#define VG_PROF_FRAME		32	/* the locality frame, in syscalls */
#define VG_PROF_ALERT_NS	1000000000ULL	/* at most one anomaly per task per second */

enum vg_prof_mode {
	VG_PROF_NONE = 0,	/* checked: no profile */
	VG_PROF_LEARN = 1,
	VG_PROF_DETECT = 2,
};

struct vg_prof_exe_key {
	__u64 cgroup_id;		/* cgroup v2 id; 0: any (scope exe) */
	char path[VG_PROF_KEY_LEN];	/* zero-padded */
};

struct vg_prof_exe_val {
	__u32 profile_id;	/* 1..; 0: none */
	__u32 mode;		/* enum vg_prof_mode */
	__u32 window;		/* 1..VG_NGRAM_MAX */
	__u32 threshold;	/* misses in the frame that make an anomaly, 1..VG_PROF_FRAME */
};

/* Task storage.  p.profile_id is the task's profile; p's other fields are
 * what it was at exec (the current ones are vg_prof_modes[id]). */
struct vg_prof_task {
	struct vg_prof_exe_val p;
	__u16 win[VG_NGRAM_MAX];	/* the last syscalls, oldest first */
	__u32 len;			/* entries of win in use */
	__u32 frame;			/* bit 0: the newest window was unseen */
	__u32 suppressed;		/* anomalies not sent (rate limit) since the last */
	__u32 _pad;
	__u64 last_alert_ns;
	__u64 syscalls;
};

/* Per CPU: the last task seen there that has no profile (the common case
 * skips its task-storage lookup).  Valid while `gen` equals vg_prof_gen[0],
 * which the kernel (an exec that gives a profile) and user space (running
 * processes given one) bump. */
struct vg_prof_cpu {
	__u64 task;		/* struct task_struct *; 0: none */
	__u64 start_ns;		/* its start time: a reused address is another task */
	__u32 gen;
	__u32 _pad;
};

struct vg_prof_ngram_key {
	__u32 profile_id;
	__u32 _pad;
	__u64 hash;		/* vg_ngram_hash_* of the window */
};

struct vg_prof_learn_val {
	__u64 count;
	__u16 nrs[VG_NGRAM_MAX];	/* the sequence, oldest first */
	__u32 len;
	__u32 _pad;
};

#endif /* VIGIL_PROFILE_ABI_H */
