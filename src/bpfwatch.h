/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * bpfwatch.h - the words `bpf` events are written with: the kernel's names
 * of bpf(2) commands, program types, map types and attach types (enum
 * bpf_cmd, bpf_prog_type, bpf_map_type, bpf_attach_type as of Linux 6.18,
 * lowercase, without the BPF_ / BPF_PROG_TYPE_ / BPF_MAP_TYPE_ prefix:
 * "prog_load", "socket_filter", "hash", "cgroup_inet_ingress"), and which
 * fields of struct vg_bpf a command fills.
 *
 * Shared by the JSON and text output, the policy language (bpfCommand,
 * progType) and `vigil trace bpf --cmd`.  A number without a name (a
 * newer kernel's) gives NULL: the output writes the number instead.
 */
#ifndef VIGIL_BPFWATCH_H
#define VIGIL_BPFWATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vigil/event.h"

const char *vg_bpf_cmd_name(unsigned int cmd);
const char *vg_bpf_prog_type_name(unsigned int type);
const char *vg_bpf_map_type_name(unsigned int type);
const char *vg_bpf_attach_type_name(unsigned int type);

/* The tables themselves, indexed by number (no NULL inside), for hints. */
const char *const *vg_bpf_cmd_names(size_t *n);
const char *const *vg_bpf_prog_type_names(size_t *n);

/* The number of a command or program type name; -1 for none. */
int vg_bpf_cmd_parse(const char *name);
int vg_bpf_prog_type_parse(const char *name);

/* Is cmd one the sensor reports (VG_BPF_CMDS_CONTROL)? */
bool vg_bpf_cmd_reported(unsigned int cmd);

/* "map_create, prog_load, ...": the reported commands, in number order. */
const char *vg_bpf_reported_cmds_str(void);

/*
 * A comma-separated list of reported command names ("prog_load,map_create")
 * into a 1 << cmd mask.  0, or -EINVAL with the offending item in bad
 * (NUL-terminated, cut to badlen).
 */
int vg_bpf_cmds_parse(const char *list, uint64_t *mask, char *bad, size_t badlen);

/* Fields of a bpf event, as the output writes them. */
enum vg_bpf_field {
	VG_BPFF_PROG_TYPE = 1 << 0,
	VG_BPFF_MAP_TYPE = 1 << 1,
	VG_BPFF_ATTACH_TYPE = 1 << 2,
	VG_BPFF_INSN_CNT = 1 << 3,
	VG_BPFF_ATTACH_BTF_ID = 1 << 4,
	VG_BPFF_NAME = 1 << 5,
	VG_BPFF_MAP_SIZES = 1 << 6,	/* key_size, value_size, max_entries */
	VG_BPFF_FLAGS = 1 << 7,
	VG_BPFF_PROG_FD = 1 << 8,
	VG_BPFF_TARGET_FD = 1 << 9,
	VG_BPFF_BPF_FD = 1 << 10,
	VG_BPFF_PATH = 1 << 11,
	VG_BPFF_TRACEPOINT = 1 << 12,	/* path holds the raw tracepoint's name */
	VG_BPFF_BTF_SIZE = 1 << 13,
	VG_BPFF_STATS_TYPE = 1 << 14,	/* attach_type holds enable_stats' type */
};

/*
 * The fields the event's command fills (include/vigil/event.h), less the
 * ones that say nothing for this event: a prog_load's expected attach type
 * when it is 0 for a program type that ignores it (everything but
 * cgroup_skb, where 0 is cgroup_inet_ingress), an attach BTF id of 0.
 * None for an unreadable attr (VG_BPF_ATTR_FAULT).
 */
unsigned int vg_bpf_event_fields(const struct vg_bpf *ev);

#endif /* VIGIL_BPFWATCH_H */
