/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * detect.h - the live anomaly detector in user space: for each process of a
 * profiled workload, what it does that its profile never saw, scored and
 * explained (docs/profiles.md, "Detection").
 *
 * The kernel checks syscall windows (bpf/profile/) and sends an anomaly
 * record when a task's recent windows were unseen; this module adds the
 * other dimensions from the sensors' events — a new child binary, a file
 * read or written that the profile lacks, a new peer or listening port, a
 * new credential change, an event rate far above the learned one — and
 * combines everything into one score per process with the list of what
 * was new.  Each time a process's score grows to or past the report
 * threshold, the report function gets an anomaly event view (type
 * VG_EV_ANOMALY, with anomaly_view set), which the caller prints and hands
 * to the policy engine (policies of kind `anomaly`).
 */
#ifndef VIGIL_DETECT_H
#define VIGIL_DETECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "event.h"
#include "profile.h"	/* enum vg_profile_rate_kind: VG_RATE_* */

struct vg_strset {
	char **v;		/* sorted, unique */
	size_t n;
};

int vg_strset_add(struct vg_strset *s, const char *str);
bool vg_strset_has(const struct vg_strset *s, const char *str);
void vg_strset_release(struct vg_strset *s);

/* What the detector needs of a profile. */
struct vg_detect_profile {
	char *workload;			/* the executable path */
	uint32_t id;			/* the kernel's profile id */
	enum vg_profile_scope scope;	/* exe: any process of workload; cgroup / container: */
	char *scope_of;			/* ... only those in this cgroup (path) / container (id prefix) */
	bool learning;			/* its workload is learning: nothing is scored */
	struct vg_strset syscalls;	/* names */
	struct vg_strset execs;		/* child binaries */
	struct vg_strset files_read, files_write;	/* paths (a directory followed by slash-star: its files) */
	struct vg_strset peers;		/* "PROTO ADDR PORT" */
	struct vg_strset listens;	/* "PROTO ADDR PORT" */
	struct vg_strset creds;		/* "OP EUID" */
	double rates[VG_RATE_MAX];	/* events per second while learning */
};

void vg_detect_profile_release(struct vg_detect_profile *p);

/* Weights of each kind of novelty in the score (documented in docs/profiles.md). */
#define VG_DETECT_W_SYSCALLS	2.0	/* a kernel anomaly record (unseen windows) */
#define VG_DETECT_W_SYSCALL_NEW	1.0	/* ... whose last syscall the profile never saw at all */
#define VG_DETECT_W_EXEC	3.0
#define VG_DETECT_W_FILE_WRITE	3.0
#define VG_DETECT_W_FILE_READ	2.0
#define VG_DETECT_W_PEER	3.0
#define VG_DETECT_W_LISTEN	3.0
#define VG_DETECT_W_CRED	4.0
#define VG_DETECT_W_RATE	2.0
#define VG_DETECT_RATE_FACTOR	10.0	/* "far above": this many times the learned rate */
#define VG_DETECT_RATE_MIN	20	/* ... and at least this many events in the window */

typedef void (*vg_detect_report_fn)(const struct vg_event_view *anomaly, void *ctx);

struct vg_detect_opts {
	double report_score;		/* report when a process's score reaches this; 0: 1.0 */
	uint64_t window_ns;		/* a process's score covers this long; 0: 60 s */
	vg_detect_report_fn report;
	void *ctx;
};

struct vg_detect;

struct vg_detect *vg_detect_new(const struct vg_detect_opts *o);
void vg_detect_free(struct vg_detect *d);

/* Add a profile (the detector takes what p holds; p is zeroed). */
int vg_detect_add(struct vg_detect *d, struct vg_detect_profile *p);

/* The profile of workload exe, or NULL. */
const struct vg_detect_profile *vg_detect_find(const struct vg_detect *d, const char *exe);

/* The profile of exe for ev's process (scoped ones first), or NULL. */
const struct vg_detect_profile *vg_detect_match(const struct vg_detect *d, const char *exe,
						const struct vg_event_view *ev);

/* The profile with kernel id `id`, or NULL (to change `learning`, say). */
struct vg_detect_profile *vg_detect_by_id(struct vg_detect *d, uint32_t id);

/* Replace the profile with p's id by p (taken as by vg_detect_add);
 * -ENOENT when there is none. */
int vg_detect_replace(struct vg_detect *d, struct vg_detect_profile *p);

/* The keys profiles use, shared with the learner: "tcp 10.0.0.5 3306" for
 * the remote end (local: bind/listen's end), "setuid 1000", and whether a
 * file event writes (anything but a read-only open). */
struct vg_net;
struct vg_priv;
struct vg_file;
int vg_detect_net_key(const struct vg_net *n, bool local, char *buf, size_t len);
void vg_detect_cred_key(const struct vg_priv *pr, char *buf, size_t len);
bool vg_detect_file_writes(const struct vg_file *f);

/* Feed an event (every event: the detector picks those of profiled processes). */
void vg_detect_on_event(struct vg_detect *d, const struct vg_event_view *ev);

#endif /* VIGIL_DETECT_H */
