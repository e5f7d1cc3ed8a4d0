/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * uprobe.h - probes on user-space functions (docs/uprobes.md).
 *
 * A probe names a function of an executable or shared library by symbol
 * (or file offset), says which arguments to capture and may carry a guard:
 * a condition on one argument that, when it holds at the function's entry,
 * has the kernel SIGKILL the caller before the function body runs.
 *
 * Lifecycle: vg_uprobes_init() -> vg_uprobes_attach() per probe (after the
 * sensor is started with VG_SENSOR_UPROBE) -> vg_uprobes_release().
 */
#ifndef VIGIL_SRC_UPROBE_H
#define VIGIL_SRC_UPROBE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vigil/uprobe.h"

struct bpf_link;
struct vg_up_sensor;

struct vg_uprobe_spec {
	const char *path;	/* executable or library: a path, or a library name libbpf finds */
	const char *symbol;	/* NULL: offset alone is the file offset */
	uint64_t offset;	/* added to the symbol's entry (0: the entry) */
	int pid;		/* only this process; -1: every process that maps path */
	bool ret;		/* also report returns (uretprobe) */
	struct vg_up_probe probe;	/* what to capture, the guard (symbol/rule names set here) */
};

/* Parse a capture: "IDX:int", "IDX:str[:MAX]", "IDX:buf:LENIDX[:MAX]"
 * (MAX 1..VG_UP_DATA_LEN, default VG_UP_DATA_LEN).  0 or -EINVAL with *why. */
int vg_uprobe_parse_arg(const char *s, struct vg_up_arg_spec *a, const char **why);

/* Parse a guard "IDX:OP:VALUE", OP one of gt ge lt le eq ne strlen_gt, into
 * p->guard_*.  0 or -EINVAL with *why. */
int vg_uprobe_parse_guard(const char *s, struct vg_up_probe *p, const char **why);

/* "gt", ...; NULL for an unknown op. */
const char *vg_uprobe_guard_op_name(uint32_t op);

/* Probes attached by one owner (`vigil trace`, a policy state): ids are
 * taken from the sensor's probe map, free ones, so owners never collide. */
struct vg_uprobes {
	struct bpf_link **links;
	size_t n, cap;
	uint32_t *ids;		/* their entries in the probe map */
	size_t n_ids, cap_ids;
	int map;		/* the probe map (-1 or 0: none yet) */
};

void vg_uprobes_init(struct vg_uprobes *u);

/*
 * Store the probe under a new id and attach the entry program (and the
 * return program with spec->ret) to spec's function.  Returns the probe id
 * (> 0) or -errno, having logged why.
 */
int vg_uprobes_attach(struct vg_uprobes *u, const struct vg_up_sensor *s,
		      const struct vg_uprobe_spec *spec);

/* Detach every probe and remove its map entry. */
void vg_uprobes_release(struct vg_uprobes *u);

#endif /* VIGIL_SRC_UPROBE_H */
