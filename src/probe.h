/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * probe.h - what this kernel can really do, found by trying it.
 *
 * vg_probe_run() loads a two-instruction program for each BPF mechanism and
 * attaches it where attaching is what can fail (tracepoints, kprobes,
 * uprobes, XDP in a private network namespace, cgroup hooks on a temporary
 * cgroup), then detaches and cleans up everything, also on failure.  Non-BPF
 * mechanisms (fanotify permission events, cgroup controllers, lockdown) are
 * exercised the same way on objects the probe creates itself.  A run takes
 * well under a second and needs root.
 *
 * The agent calls vg_probe_backend() to choose, for each job, the mechanism
 * it will use; `vigil probe` prints both (see docs/probe.md).
 */
#ifndef VIGIL_PROBE_H
#define VIGIL_PROBE_H

#include <stdbool.h>

enum vg_feature {
	VG_FEAT_BTF,			/* vmlinux BTF loads */
	VG_FEAT_TRACEPOINT,		/* tracepoint prog on syscalls/sys_enter_getpid */
	VG_FEAT_RAW_TP,			/* raw tracepoint prog on sys_enter */
	VG_FEAT_TP_BTF,			/* BTF-typed raw tracepoint on sched_process_fork */
	VG_FEAT_KPROBE,			/* kprobe prog through the kprobe PMU */
	VG_FEAT_FENTRY,			/* fentry on do_unlinkat */
	VG_FEAT_FEXIT,			/* fexit on do_unlinkat */
	VG_FEAT_LSM,			/* BPF LSM on file_open, "bpf" an active LSM */
	VG_FEAT_UPROBE,			/* uprobe on a function of this executable */
	VG_FEAT_XDP_GENERIC,		/* XDP_FLAGS_SKB_MODE on lo of a private netns */
	VG_FEAT_XDP_NATIVE,		/* XDP_FLAGS_DRV_MODE on veth of a private netns */
	VG_FEAT_CGROUP_SKB,		/* cgroup_skb/egress on a temporary cgroup */
	VG_FEAT_CGROUP_SOCK_ADDR,	/* cgroup/connect4 on a temporary cgroup */
	VG_FEAT_RINGBUF,		/* BPF_MAP_TYPE_RINGBUF map */
	VG_FEAT_SEND_SIGNAL,		/* bpf_send_signal() helper */
	VG_FEAT_FANOTIFY_PERM,		/* FAN_OPEN_PERM | FAN_OPEN_EXEC_PERM marks */
	VG_FEAT_CGROUP_V1_CPU,		/* v1 cpu hierarchy with a writable child */
	VG_FEAT_CGROUP_V1_FREEZER,	/* v1 freezer hierarchy with a writable child */
	VG_FEAT_CGROUP_V2_CPU,		/* "cpu" in the v2 root's cgroup.controllers */
	VG_FEAT_CGROUP_V2_FREEZE,	/* a v2 child cgroup freezes via cgroup.freeze */
	VG_FEAT_MAX
};

#define VG_PROBE_DETAIL_MAX 128

struct vg_feature_result {
	bool available;
	int err;			/* 0, or -errno of the step that failed */
	char detail[VG_PROBE_DETAIL_MAX];	/* e.g. "load: Operation not permitted" */
};

struct vg_probe {
	char kernel[65];		/* uname -r */
	char lockdown[16];		/* none, integrity, confidentiality or unknown */
	struct vg_feature_result feat[VG_FEAT_MAX];
};

/* Jobs the agent does, each done by one of several mechanisms. */
enum vg_job {
	VG_JOB_PROCESS_SENSOR,
	VG_JOB_KILL,
	VG_JOB_FILE_DENY,
	VG_JOB_EXEC_DENY,
	VG_JOB_CONNECT_DENY,
	VG_JOB_PACKET_DROP,
	VG_JOB_THROTTLE,
	VG_JOB_FREEZE,
	VG_JOB_MAX
};

/*
 * Run every probe and fill `p`.  A missing feature is a result, not an
 * error: the return value is 0, or -EPERM when not running as root (then
 * nothing is probed and every feature reads unavailable).  May mount
 * tracefs and securityfs (see mounts.h).  The XDP probe forks a child and
 * waits for it, so call this before installing a SIGCHLD handler that reaps.
 */
int vg_probe_run(struct vg_probe *p);

bool vg_probe_has(const struct vg_probe *p, enum vg_feature f);

/* Stable lowercase names used in output: "btf", "tp_btf", "xdp_native"... */
const char *vg_feature_name(enum vg_feature f);
const char *vg_job_name(enum vg_job j);

/*
 * The mechanism vigil uses for job `j` given the results in `p`, e.g.
 * "tp_btf", "fanotify" or "unavailable"; never NULL.
 */
const char *vg_probe_backend(const struct vg_probe *p, enum vg_job j);

#endif /* VIGIL_PROBE_H */
