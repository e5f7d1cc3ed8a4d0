/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * seccomp_gen.h - allow-lists of syscall names, and OCI / Docker seccomp
 * profiles written from them (docs/sandbox.md).
 *
 * Everything here works on plain syscall names (the x86_64 names a vigil
 * profile's `syscall NR NAME COUNT` lines carry), so that any source of
 * names - a learned profile, a `--syscalls` file, a `vigil sandbox --learn`
 * run, an OCI profile - feeds the same writer and the same sandbox.  Names
 * are checked against libseccomp's tables (seccomp_syscall_resolve_name()):
 * a name libseccomp does not know is an error that names it.
 *
 * Functions return 0 or -errno and say what failed through vg_error().
 */
#ifndef VIGIL_SECCOMP_GEN_H
#define VIGIL_SECCOMP_GEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* What a profile does with a syscall it does not list (its defaultAction). */
enum vg_seccomp_default {
	VG_SECCOMP_ERRNO = 0,		/* SCMP_ACT_ERRNO, defaultErrnoRet 1: fails with EPERM */
	VG_SECCOMP_KILL_PROCESS,	/* SCMP_ACT_KILL_PROCESS: the whole process dies (SIGSYS) */
	VG_SECCOMP_LOG,			/* SCMP_ACT_LOG: runs, and the kernel logs it (audit) */
};

/* "errno", "kill" or "log" (or SCMP_ACT_ERRNO / _KILL_PROCESS / _LOG); -EINVAL otherwise. */
int vg_seccomp_default_parse(const char *s, enum vg_seccomp_default *def);

/* "SCMP_ACT_ERRNO", "SCMP_ACT_KILL_PROCESS", "SCMP_ACT_LOG". */
const char *vg_seccomp_default_action(enum vg_seccomp_default def);

/* Does libseccomp know this syscall name (on some architecture)? */
bool vg_seccomp_name_known(const char *name);

/*
 * Every name known?  Otherwise logs "unknown syscall 'NAME'" for each
 * unknown one and returns -EINVAL.
 */
int vg_seccomp_names_check(const char *const *names, size_t n);

/*
 * Write an OCI runtime-spec (linux.seccomp) / Docker `--security-opt
 * seccomp=FILE` profile that allows exactly `names` (sorted, duplicates
 * dropped) and treats everything else as `def`:
 *
 *   {"defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": 1,
 *    "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"],
 *    "syscalls": [{"names": [...], "action": "SCMP_ACT_ALLOW"}]}
 *
 * (defaultErrnoRet only with VG_SECCOMP_ERRNO; no syscalls entry when n is
 * 0, since the schema wants at least one name per entry.)  The names are
 * checked first, so nothing is written when one is unknown (-EINVAL).
 * Returns 0, -EINVAL, -ENOMEM or the write error.
 */
int vg_seccomp_write_oci(FILE *f, const char *const *names, size_t n,
			 enum vg_seccomp_default def);

/*
 * The syscalls a dynamically linked glibc program makes between execve and
 * main(), and to exit: what `--allow-startup` adds to a list that was not
 * learned from a whole run (why each one: seccomp_gen.c).  A list learned
 * live (vigil learn, vigil sandbox --learn) contains them already.
 */
extern const char *const vg_seccomp_startup[];
extern const size_t vg_seccomp_startup_len;

/* A set of syscall names, kept sorted and without duplicates. */
struct vg_sysnames {
	char **v;	/* sorted (strcmp); pass as (const char *const *)s.v */
	size_t n;
	size_t cap;
};

void vg_sysnames_init(struct vg_sysnames *s);
void vg_sysnames_release(struct vg_sysnames *s);
/* Add a copy of name (no check; a name already there is a no-op). 0 or -ENOMEM. */
int vg_sysnames_add(struct vg_sysnames *s, const char *name);
bool vg_sysnames_has(const struct vg_sysnames *s, const char *name);
/* Add vg_seccomp_startup. */
int vg_sysnames_add_startup(struct vg_sysnames *s);

/*
 * Read a syscall list (`vigil sandbox --syscalls FILE`, the format
 * `vigil sandbox --learn` writes): one name per line, optionally followed
 * by a count; `#` starts a comment; blank lines are ignored.  Each problem
 * is logged as FILE:LINE: problem; any problem (an unknown name included)
 * fails the whole file with -EINVAL and adds nothing.
 */
int vg_sysnames_load(struct vg_sysnames *s, const char *path);

/*
 * Read an OCI / Docker seccomp profile (JSON) as an allow-list: the names
 * of the `syscalls` entries whose action is SCMP_ACT_ALLOW.  Entries that
 * allow only under conditions (`args`, `includes`, `excludes`) are left
 * out, with a warning: vigil cannot express them, and leaving them out
 * makes those calls reported instead of silently allowed.  Names this
 * libseccomp does not know are skipped with a warning, as runc does.  A
 * profile whose defaultAction allows (SCMP_ACT_ALLOW, SCMP_ACT_LOG) is not
 * an allow-list and is refused.  *def says what the profile does with
 * other calls (ERRNO for ERRNO and TRACE/TRAP/NOTIFY, KILL_PROCESS for the
 * KILL actions).  Returns 0 or -EINVAL / -ENOENT ..., logging why.
 */
int vg_seccomp_read_oci(const char *path, struct vg_sysnames *allow,
			enum vg_seccomp_default *def);

/* Add the syscalls a behaviour profile (docs/profiles.md) saw, by name;
 * -EINVAL (logged) for a profile without names (a profile of traces). */
int vg_sysnames_add_profile(struct vg_sysnames *s, const char *path);

#endif /* VIGIL_SECCOMP_GEN_H */
