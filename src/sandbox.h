/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * sandbox.h - run a command under a seccomp allow-list, with vigil as the
 * supervisor of every call the list does not allow (docs/sandbox.md).
 *
 * The child installs a libseccomp filter whose rules allow the listed
 * syscalls and whose default action is SECCOMP_RET_USER_NOTIF, then execs
 * the command.  Every other syscall - of the command, of its threads and
 * of every process it forks - stops in the kernel until vigil, the parent,
 * answers it: enforce mode reports it (one JSON line) and fails it with
 * EPERM, or kills the process; learn mode counts it and lets it run
 * (SECCOMP_USER_NOTIF_FLAG_CONTINUE).  Needs libseccomp API level 5
 * (2.5+) and Linux 5.5+; no privileges (the filter is installed with
 * PR_SET_NO_NEW_PRIVS, so set-user-ID bits do not apply under it).
 */
#ifndef VIGIL_SANDBOX_H
#define VIGIL_SANDBOX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

enum vg_sandbox_mode {
	VG_SANDBOX_ENFORCE = 0,	/* allow-list; everything else reported and denied */
	VG_SANDBOX_LEARN,	/* everything runs, and is counted */
};

/* What a call outside the allow-list gets. */
enum vg_sandbox_violation {
	VG_SANDBOX_ERRNO = 0,	/* fails with EPERM */
	VG_SANDBOX_KILL,	/* the process that made it is killed (SIGKILL) */
};

struct vg_sandbox_opts {
	enum vg_sandbox_mode mode;
	const char *const *allow;	/* enforce: allowed syscall names (checked) */
	size_t n_allow;
	enum vg_sandbox_violation on_violation;
	int report_fd;			/* violation records (JSON lines) go here; -1: none */
	bool wait_all;			/* serve until every sandboxed process is gone,
					   not only until the command exits */
};

/* A syscall seen in learn mode. */
struct vg_sandbox_count {
	char *name;			/* libseccomp's name (x86_64 name where both ABIs have it) */
	uint64_t count;
};

struct vg_sandbox_result {
	int status;			/* the command's wait status */
	int exit_code;			/* its exit code, or 128 + the signal that killed it */
	uint64_t violations;		/* calls outside the allow-list */
	uint64_t killed;		/* processes killed for one (VG_SANDBOX_KILL) */
	uint64_t reports_dropped;	/* records that could not be written */
	uint64_t notifications;		/* every notification answered */
	/* learn mode: every syscall seen, sorted by name */
	struct vg_sandbox_count *learned;
	size_t n_learned;
};

/*
 * Can this system run the sandbox?  0, or -EOPNOTSUPP with the reason in
 * why (libseccomp API level < 5, kernel < 5.5).
 */
int vg_sandbox_supported(char *why, size_t len);

/*
 * Run argv[0] (searched in $PATH when it has no '/') with argv under the
 * sandbox and supervise it until it exits (with wait_all: until every
 * process under the filter is gone).  SIGINT, SIGTERM, SIGHUP and SIGQUIT
 * sent to vigil are passed on to the command.  Returns 0 with *res filled
 * (the command's own outcome, whatever it is), or, when the command could
 * not be started: -ENOENT (not found: exit 127), -EACCES / -ENOEXEC (not
 * runnable: exit 126), -EINVAL (an unknown syscall name), -EOPNOTSUPP, or
 * another -errno, each logged.  Release *res with vg_sandbox_result_release.
 * Call it from a single-threaded process (the child runs libseccomp between
 * clone and exec), and not twice at once: it blocks those four signals and
 * ignores SIGPIPE while it runs.
 */
int vg_sandbox_run(const struct vg_sandbox_opts *o, char *const argv[],
		   struct vg_sandbox_result *res);

void vg_sandbox_result_release(struct vg_sandbox_result *res);

/*
 * Write what learn mode saw as a syscall list (the format
 * vg_sysnames_load() reads): a comment naming the command and its exit
 * status, then "NAME COUNT" per line.  0 or -errno.
 */
int vg_sandbox_write_learned(FILE *f, const struct vg_sandbox_result *res,
			     char *const argv[]);

#endif /* VIGIL_SANDBOX_H */
