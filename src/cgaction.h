/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * cgaction.h - enforcement actions on one process through cgroups: throttle
 * its CPU, freeze it, cut its network (quarantine), and undo all of that.
 *
 * An action never limits a cgroup the process shares with others (that
 * could freeze a whole user session or service).  It first moves the
 * process (cgroup.procs: every thread; children it forks later start in the
 * same place) into a directory of its own that vigil creates,
 *
 *     <mount>/<name>/pid-<pid>        one per hierarchy the action needs
 *
 * and limits that directory:
 *
 *     throttle    cgroup v2 cpu.max where the v2 root has the cpu controller
 *                 enabled for its children, else cgroup v1 cpu
 *                 cpu.cfs_quota_us (period 100 ms)
 *     freeze      cgroup v2 cgroup.freeze (until cgroup.events says
 *                 "frozen 1"), else cgroup v1 freezer.state FROZEN
 *     quarantine  cgroup v2 only: the connection-control programs
 *                 (netctl.h) attached to the directory, with rules denying
 *                 connect, sendmsg and bind to 0.0.0.0/0 and ::/0 there
 *
 * The limit is set before the process is moved in, so it applies from the
 * moment it arrives.  Mounts are found in /proc/self/mountinfo (cgroup2 by
 * type, v1 hierarchies by controller in their super-block options), and the
 * cgroups the process came from are read from /proc/PID/cgroup and kept, so
 * release puts it (and whatever it forked meanwhile) back there, in v1 and
 * v2, and removes the directories.  An origin removed meanwhile is replaced
 * by its nearest existing ancestor (logged).
 *
 * A thread id acts on (and is tracked as) its whole process.  A process
 * sitting in a <mount>/<name> directory this instance did not make (left by
 * a run that died) is refused with -EBUSY: where it belongs is not known.
 *
 * Every action first runs vg_guard_check() against vigil's own pid.  On
 * failure an action leaves nothing behind: the limit is lifted and the
 * process moved back unless another action still needs it there.  Acting
 * twice with the same action is fine (throttle updates the quota).  A pid
 * whose process exited and was reused is noticed by its start time: what
 * was done to the old one is released first.
 *
 * One vg_cgaction per `name` on a machine, used from one thread at a time.
 *
 * Functions return 0 or -errno and log the reason at error level.  `how`
 * (may be NULL) gets a one-line description for the event log, e.g.
 * "cgroup v1 cpu quota 20% of one CPU (/sys/fs/cgroup/cpu/vigil/pid-1234)".
 */
#ifndef VIGIL_CGACTION_H
#define VIGIL_CGACTION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Actions, as vg_cgaction_active() reports them. */
enum vg_cgaction_kind {
	VG_CGACTION_THROTTLE	= 1 << 0,
	VG_CGACTION_FREEZE	= 1 << 1,
	VG_CGACTION_QUARANTINE	= 1 << 2,
};

#define VG_CGACTION_MAX_PIDS	1024	/* pids tracked at once; -ENOSPC beyond */
#define VG_CGACTION_PERIOD_US	100000	/* CFS period of a throttle */
#define VG_CGACTION_FREEZE_MS	1000	/* longest wait for a freeze to complete */

/* Remembers what was done to which pid, to undo it. */
struct vg_cgaction;

/*
 * `name` is the directory created under each hierarchy's mount ("vigil";
 * tests pass a unique one): one path component, 1-64 characters.  Finds
 * the mounts, and lifts the limits left in <mount>/<name>/ by an earlier
 * run that died (processes left there are warned about: where they came
 * from is not known).  vigil's own pid (getpid()) is what the guardrails
 * protect.  -ENODEV when no cgroup hierarchy is mounted.
 */
int vg_cgaction_new(struct vg_cgaction **out, const char *name);

/*
 * Use the cgroup v1 cpu and freezer hierarchies for throttle and freeze
 * even where cgroup v2 could do it (tests; kernels whose v2 freezer
 * misbehaves).  Affects actions started afterwards.
 */
void vg_cgaction_prefer_v1(struct vg_cgaction *a, bool v1);

/*
 * Limit pid to cpu_percent (1-100) of one CPU; again: the new quota.
 * -EINVAL for a real-time task (SCHED_FIFO, SCHED_RR, SCHED_DEADLINE): a
 * CFS quota does not limit it (freeze it instead).
 */
int vg_cgaction_throttle(struct vg_cgaction *a, uint32_t pid, unsigned int cpu_percent,
			 char *how, size_t len);

/*
 * Freeze pid, waiting up to VG_CGACTION_FREEZE_MS for every thread to stop;
 * -ETIMEDOUT (freeze undone) when one does not (e.g. stuck in the kernel).
 */
int vg_cgaction_freeze(struct vg_cgaction *a, uint32_t pid, char *how, size_t len);

/*
 * Deny pid every connect, sendmsg with a destination and bind, IPv4 and
 * IPv6 (EPERM); it keeps running.  Rules and links live in
 * vg_netctl_dir() ($VIGIL_NETCTL_DIR), scoped to pid's own cgroup v2
 * directory.  What netctl does not cover is not cut: connections and
 * sockets made before (the kernel judges a socket by the cgroup that
 * created it), UNIX sockets, raw sockets (docs/netctl.md, Limits).
 * -ENODEV without cgroup v2.
 */
int vg_cgaction_quarantine(struct vg_cgaction *a, uint32_t pid, char *how, size_t len);

/*
 * Undo every action on pid: thaw, lift the quota, detach its netctl links
 * and rules, move it and its descendants back to the cgroups it came from,
 * remove the directories.  A process that exited meanwhile is not an error.
 * -ENOENT (not logged) when nothing was done to pid.  When a step fails the
 * rest is still done and pid stays tracked (actions none), so a later
 * release or vg_cgaction_free() tries again.
 */
int vg_cgaction_release(struct vg_cgaction *a, uint32_t pid, char *how, size_t len);

/* Release every pid (at agent exit), remove <mount>/<name>, free.  NULL is fine. */
void vg_cgaction_free(struct vg_cgaction *a);

/* VG_CGACTION_* in force on pid, 0 when none. */
unsigned int vg_cgaction_active(const struct vg_cgaction *a, uint32_t pid);

/* Pids tracked now. */
size_t vg_cgaction_count(const struct vg_cgaction *a);

/*
 * Guardrails: 0 when pid may be acted on, else -EPERM with *reason (may be
 * NULL) one of "pid 1", "no such process", "vigil itself" (pid is self or
 * one of its threads), "kernel thread" (PF_KTHREAD, pid 2 or a child of
 * kthreadd), "vigil's parent/ancestor".  self: vigil's pid.  Not logged.
 */
int vg_guard_check(uint32_t pid, uint32_t self, const char **reason);

#endif /* VIGIL_CGACTION_H */
