/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * fadeny.h - deny file opens and execs with fanotify permission events: the
 * "deny" backend of the policy engine.
 *
 * One fanotify group (FAN_CLASS_CONTENT) with inode marks only, never a
 * mount or filesystem mark, and one listener thread that reads every
 * permission event, asks a decide callback and answers it:
 *
 *     struct vg_fadeny *f;
 *     vg_fadeny_start(&f, decide, ctx);          // the listener runs
 *     vg_fadeny_mark(f, "/var/lib/mysql", VG_FADENY_OPEN);
 *     ...                                         // decide() on each open
 *     vg_fadeny_clear(f);                         // before re-marking on reload
 *     vg_fadeny_stop(f);
 *
 * What a mark covers.  A file: every open (and/or exec) of that inode, by
 * any path, hard links included; a file replaced by rename(2) (editors,
 * sed -i, passwd, package upgrades) is a new, unmarked inode: mark its
 * directory instead (decide sees the path) or mark it again.  A directory:
 * opens of the files in it and in every directory below it
 * (FAN_EVENT_ON_CHILD on each directory of the tree; symlinks are not
 * followed, mounts below are crossed, procfs is never marked), at most
 * VG_FADENY_MAX_MARKS marks per instance.  Opening a
 * directory itself (ls, find) is never reported (no FAN_ONDIR), which is
 * also why the listener may walk marked trees.  A directory mark is matched
 * through the name used to open: a hard link to the file from an unmarked
 * directory is not covered (mark the file itself for that).  fanotify
 * reports opens of regular files only: FIFOs, sockets and device nodes are
 * never intercepted.  Only opens are: truncate(2) by path, unlink, rename,
 * link, chmod/chown and utimes on a marked file go through (a permission
 * event for truncate exists only for pre-content groups).
 *
 * New directories.  Every marked directory also gets an inotify watch
 * (IN_CREATE | IN_MOVED_TO); when a directory appears in one, the listener
 * marks it and everything below it (walking after the watch is added, so a
 * directory made during the walk is found by one or the other).  The race
 * that remains: between mkdir(2) (or rename(2)) and the listener's mark
 * (0.2-0.3 ms on average on the 2-vCPU test VM, a few ms at worst), files
 * created in and opened from the new directory are not reported.  Also: the listener reopens a watched
 * directory by the path it was marked under, so a new subdirectory of a
 * marked directory that was itself renamed (other than within the marked
 * tree, which re-marks it under its new name) is not marked (logged); a
 * directory moved out of the tree stays marked; when the inotify queue
 * overflows every marked directory is walked again.
 *
 * Kinds.  VG_FADENY_OPEN is FAN_OPEN_PERM, VG_FADENY_EXEC FAN_OPEN_EXEC_PERM.
 * The kernel sends both for an execve(2) of a file marked with both (exec
 * first, then open), and an OPEN mark alone sees execs as opens (exec ==
 * false).  An EXEC mark alone does not see "ld.so FILE" or a script read by
 * its interpreter: those are plain opens.  A denied exec fails with EPERM
 * before the point of no return (the caller's image is intact); a denied
 * open fails with EPERM.
 *
 * Order against truncation and creation (Linux 6.18, tests/bpf/test_fadeny.c
 * proves both): the permission event comes from do_dentry_open(), before
 * handle_truncate(), so a denied open(O_WRONLY | O_TRUNC) leaves the file's
 * content and size intact.  O_CREAT of a file that does not exist yet in a
 * marked directory creates it (empty, owned by the caller) before the event,
 * then the open fails with EPERM: the empty file stays.
 *
 * Fail-open.  The listener answers every event it reads.  It answers
 * FAN_ALLOW without asking decide (counted in failed_open) when the file's
 * path cannot be read (/proc/self/fd/N) or /proc/<pid>/status of the opener
 * cannot, and while stopping.  Closing the fanotify fd (vg_fadeny_stop, or
 * the process dying) makes the kernel allow every event still pending.  The
 * one case the kernel itself fails closed: when it cannot give the listener
 * an fd for the event (the process is out of fds, RLIMIT_NOFILE; or its own
 * open of the file fails, e.g. a FUSE or NFS server refusing it), it denies
 * that open; counted in read_errors (when read(2) fails) and logged.  The listener reads at most
 * 32 events (32 fds) at a time.  Beyond fs.fanotify.max_queued_events
 * (16384) waiting events the kernel allows the rest.
 *
 * Threads.  The callback runs on the listener thread, one event at a time,
 * while the opener waits: every marked open on the machine waits behind it.
 * It must not block, and must not do anything that opens files (NSS lookups
 * such as getpwuid(3), dlopen(3), iconv, syslog(3), reading files): if it
 * opens a marked file the listener waits for itself.  It must not wait for
 * a lock that another thread may hold while opening files (another thread
 * of this process opening a marked file waits for the listener too; its
 * event reaches decide with this process's pid).  Calls that take longer
 * than 50 ms are logged.  The listener's own (rate-limited) log lines go to
 * stderr: whatever reads vigil's stderr must not open marked files.
 * mark/clear/get_stats may be called from any one thread at a time,
 * concurrently with the listener, never from decide (mark and clear share a
 * mutex with the listener's handling of new directories; the listener only
 * ever try-locks it, so a slow mark never delays answers).  The fanotify fd
 * is inherited by fork(2) until exec (FAN_CLOEXEC): a child of this process
 * that holds it keeps the group, and so its pending events, alive after
 * vg_fadeny_stop.  Children that must not exec should close it
 * (close_range(2)) first.
 *
 * Functions return 0 or -errno and log the reason at error level.  Needs
 * CAP_SYS_ADMIN (fanotify permission events).
 */
#ifndef VIGIL_FADENY_H
#define VIGIL_FADENY_H

#include <stdbool.h>
#include <stdint.h>

#define VG_FADENY_MAX_MARKS 4096	/* inode marks (files + directories) per instance */

enum vg_fadeny_kind {
	VG_FADENY_OPEN = 1 << 0,	/* open(2) of a marked file: FAN_OPEN_PERM */
	VG_FADENY_EXEC = 1 << 1,	/* execve(2) of a marked file: FAN_OPEN_EXEC_PERM */
};

struct vg_fadeny_req {
	uint32_t pid;		/* the opening process (tgid, as this pid namespace sees it) */
	bool exec;		/* FAN_OPEN_EXEC_PERM (else FAN_OPEN_PERM) */
	const char *path;	/* the file: readlink of /proc/self/fd/<event fd>; a
				 * deleted file ends in " (deleted)" */
	const char *exe;	/* readlink /proc/<pid>/exe; "" when unknown (kernel
				 * threads: the firmware loader, nfsd ...).  For an
				 * exec event: the image calling execve, not path */
	char comm[16];		/* /proc/<pid>/comm (the thread group leader's); "" when unknown */
	uint32_t uid, euid;	/* real and effective, /proc/<pid>/status */
	uint32_t loginuid;	/* /proc/<pid>/loginuid; (uint32_t)-1 when unset or unknown */
	uint32_t ppid;		/* /proc/<pid>/status */
};

/*
 * Decide: 0 to allow, non-zero to deny (the caller gets EPERM).  Runs on the
 * listener thread; `req` and its strings are valid during the call only.
 * See "Threads" above for what it must not do.
 */
typedef int (*vg_fadeny_decide_fn)(const struct vg_fadeny_req *req, void *ctx);

struct vg_fadeny_stats {
	uint64_t events;	/* permission events read: allowed + denied + failed_open */
	uint64_t allowed;	/* decide returned 0 */
	uint64_t denied;	/* decide returned non-zero */
	uint64_t failed_open;	/* answered FAN_ALLOW without a decision (error, stopping) */
	uint64_t read_errors;	/* reads that failed; EMFILE: the kernel denied that event */
	uint64_t marks;		/* inode marks held (deleted directories subtracted, files not) */
};

struct vg_fadeny;

/*
 * fanotify_init(FAN_CLASS_CONTENT | FAN_CLOEXEC | FAN_NONBLOCK) with event
 * fds O_RDONLY | O_LARGEFILE | O_CLOEXEC, an inotify instance, and the
 * listener thread (all signals blocked in it).  Nothing is marked yet.
 * `fn` and `ctx` must stay valid until vg_fadeny_stop returns.
 */
int vg_fadeny_start(struct vg_fadeny **out, vg_fadeny_decide_fn fn, void *ctx);

/*
 * Mark `path` (symlinks followed) for `kinds` (VG_FADENY_OPEN and/or
 * VG_FADENY_EXEC; added to the kinds it already has).  A directory: the
 * directory and every directory below it, watched for new subdirectories.
 * -E2BIG when the instance would hold more than VG_FADENY_MAX_MARKS marks;
 * -EINVAL for bad kinds or a path on procfs.  On an error, marks already
 * placed by this call stay (vg_fadeny_clear removes them).
 */
int vg_fadeny_mark(struct vg_fadeny *f, const char *path, unsigned int kinds);

/*
 * Remove every mark and watch (FAN_MARK_FLUSH), e.g. before a policy reload
 * marks again.  Events already queued are still answered by decide.
 */
int vg_fadeny_clear(struct vg_fadeny *f);

/* Counters so far (relaxed reads; each one is exact, the set is not a snapshot). */
void vg_fadeny_get_stats(struct vg_fadeny *f, struct vg_fadeny_stats *st);

/*
 * Stop the listener (woken at once; it finishes the decision in progress
 * and answers FAN_ALLOW to any event it had read but not decided), close the
 * fanotify fd so the kernel allows every event still queued, and free.
 * When decide is stuck for more than a second, the fanotify fd is replaced
 * by /dev/null first (logged) so that every waiting open proceeds, then stop
 * waits for decide to return.  NULL is a no-op.  Not concurrently with mark
 * or clear.
 */
void vg_fadeny_stop(struct vg_fadeny *f);

#endif /* VIGIL_FADENY_H */
