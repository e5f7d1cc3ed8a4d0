/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * vigil/uprobe.h - the uprobe sensor's map layout (docs/uprobes.md).
 *
 * User space (src/uprobe.c) puts one struct vg_up_probe per attached probe
 * into vg_up_probes, keyed by the probe id that is also the attachment's BPF
 * cookie; the generic programs in bpf/uprobe/uprobe.bpf.c read it to know
 * what to capture and whether a guard kills the caller.
 */
#ifndef VIGIL_UPROBE_H
#define VIGIL_UPROBE_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

#define VG_UP_PROBES_MAX	256	/* vg_up_probes entries */
#define VG_UP_ARGS_MAX		6	/* x86-64 / arm64: register arguments 0..5 */
#define VG_UP_DATA_LEN		64	/* bytes captured per string or buffer argument */
#define VG_UP_NAME_LEN		64	/* symbol and rule names, NUL included */
#define VG_UP_GUARD_STR_MAX	255	/* largest N of a string-length guard */

enum vg_up_arg_kind {
	VG_UP_ARG_NONE = 0,
	VG_UP_ARG_INT,		/* the register value */
	VG_UP_ARG_STR,		/* NUL-terminated user string, up to max bytes */
	VG_UP_ARG_BUF,		/* user buffer; length in argument len_index, up to max bytes */
};

struct vg_up_arg_spec {
	__u8 index;		/* 0..VG_UP_ARGS_MAX-1 */
	__u8 kind;		/* enum vg_up_arg_kind */
	__u8 len_index;		/* VG_UP_ARG_BUF: the argument holding the length */
	__u8 max;		/* bytes to copy, 1..VG_UP_DATA_LEN */
};

/* The guard: a condition on one argument, checked at the function's entry. */
enum vg_up_guard_op {
	VG_UP_GUARD_NONE = 0,
	VG_UP_GUARD_GT,		/* (unsigned) arg >  value */
	VG_UP_GUARD_GE,
	VG_UP_GUARD_LT,
	VG_UP_GUARD_LE,
	VG_UP_GUARD_EQ,
	VG_UP_GUARD_NE,
	VG_UP_GUARD_STRLEN_GT,	/* strlen((char *)arg) > value (value <= VG_UP_GUARD_STR_MAX) */
	VG_UP_GUARD_OP_MAX,
};

enum vg_up_probe_flags {
	VG_UP_PROBE_KILL = 1 << 0,	/* guard holds: SIGKILL the caller (else only report) */
	VG_UP_PROBE_QUIET = 1 << 1,	/* report only calls where the guard holds */
};

/* Value of vg_up_probes.  Writer: src/uprobe.c.  Reader: bpf/uprobe/uprobe.bpf.c. */
struct vg_up_probe {
	struct vg_up_arg_spec args[VG_UP_ARGS_MAX];
	__u32 n_args;
	__u32 flags;		/* enum vg_up_probe_flags */
	__u32 guard_op;		/* enum vg_up_guard_op */
	__u32 guard_index;	/* the argument the guard reads */
	__u64 guard_value;
	__u32 rule_id;		/* reported with the event (0: none) */
	__u32 _pad;
	char symbol[VG_UP_NAME_LEN];	/* the probed function, for the event */
	char rule[VG_UP_NAME_LEN];	/* the guard's rule (policy) name; "" if none */
};

_Static_assert(sizeof(struct vg_up_arg_spec) == 4, "vg_up_arg_spec layout changed");
_Static_assert(sizeof(struct vg_up_probe) == 24 + 32 + 2 * VG_UP_NAME_LEN,
	       "vg_up_probe layout changed");

#endif /* VIGIL_UPROBE_H */
