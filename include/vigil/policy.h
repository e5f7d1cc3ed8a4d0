/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * vigil/policy.h - compiled policies as the kernel sees them (maps written
 * by src/engine_maps.c, read by bpf/lib/policy.bpf.h and bpf/policy/).
 *
 * The kernel programs are generic: a policy never recompiles BPF, it only
 * fills these maps.  What the kernel decides on its own is the part of a
 * rule it can decide exactly and cheaply:
 *   - exec: a kill when the new image's path, base name or task name is in
 *     vg_pol_exec (one hash lookup per key kind);
 *   - file: a kill when a reported file operation's path equals or starts
 *     with an entry of vg_pol_file (only operations the watch list already
 *     lets out of the kernel are checked);
 *   - syscall: the syscalls a rule names get a generic sys_enter program;
 *     vg_pol_sys holds, per syscall number, the rules' argument
 *     comparisons: when they hold, an event goes out (and a kill when the
 *     rule's whole selector is decided here).
 * Everything else about a rule (globs, ancestors, containers, ...) is
 * decided in user space on the event.
 *
 * Atomic reload: every key carries a generation (0 or 1).  User space fills
 * the inactive generation, flips vg_pol_state.gen, then deletes the old
 * generation's entries, so a program sees either the old rule set or the
 * new one, never a mix and never nothing.
 */
#ifndef VIGIL_POLICY_ABI_H
#define VIGIL_POLICY_ABI_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

#define VG_POL_KEY_LEN		256	/* exe paths / file paths compared in the kernel */
#define VG_POL_EXEC_MAX		8192	/* vg_pol_exec entries, both generations */
#define VG_POL_FILE_MAX		64	/* vg_pol_file entries per generation */
#define VG_POL_SYS_MAX		1024	/* vg_pol_sys entries (syscalls), both generations */
#define VG_POL_SYS_RULES	8	/* rule entries per syscall */
#define VG_POL_SYS_CMPS		6	/* argument comparisons per rule entry */
#define VG_POL_RULE_MAX		65535	/* kernel rule ids are 1..this */

/* vg_pol_state[0] */
struct vg_pol_state {
	__u32 gen;			/* the active generation, 0 or 1 */
	__u32 n_file[2];		/* vg_pol_file entries in use, per generation */
	__u32 exec_keys[2];		/* enum vg_pol_key_kind bits present, per generation */
};

enum vg_pol_key_kind {
	VG_POL_KEY_EXE = 1,		/* the whole executable path */
	VG_POL_KEY_BASENAME = 2,	/* its last component ("*\/nc" globs) */
	VG_POL_KEY_COMM = 3,		/* the task name (comm) */
};

struct vg_pol_exec_key {
	__u32 gen;
	__u32 kind;			/* enum vg_pol_key_kind */
	char s[VG_POL_KEY_LEN];		/* zero-padded */
};

/* What the kernel does on a match: signal the process (never pid 1, a
 * kernel thread, or vigil itself). */
struct vg_pol_action {
	__u32 rule_id;
	__u32 signal;
};

struct vg_pol_file_rule {
	__u32 rule_id;
	__u32 signal;
	__u32 ops;			/* 1 << enum vg_file_op */
	__u32 len;			/* bytes of path compared; an exact path includes its NUL */
	char path[VG_POL_KEY_LEN];	/* zero-padded */
};

enum vg_pol_cmp_op {
	VG_POL_CMP_EQ = 0, VG_POL_CMP_NE, VG_POL_CMP_LT, VG_POL_CMP_LE, VG_POL_CMP_GT,
	VG_POL_CMP_GE, VG_POL_CMP_MASK,
};

struct vg_pol_sys_cmp {
	__u64 value;
	__u32 index;			/* argument 0-5 */
	__u32 op;			/* enum vg_pol_cmp_op */
};

struct vg_pol_sys_rule {
	__u32 rule_id;
	__u32 signal;			/* 0: report only (user space decides the rest) */
	__u32 n_cmp;
	__u32 _pad;
	struct vg_pol_sys_cmp cmp[VG_POL_SYS_CMPS];
};

struct vg_pol_sys_key {
	__u32 gen;
	__u32 nr;
};

struct vg_pol_sys {
	__u32 n;
	__u32 _pad;
	struct vg_pol_sys_rule r[VG_POL_SYS_RULES];
};

#endif /* VIGIL_POLICY_ABI_H */
