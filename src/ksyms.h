/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * ksyms.h - kernel symbols from /proc/kallsyms: text symbols (t, T, w, W)
 * sorted by address, looked up by binary search.
 */
#ifndef VIGIL_KSYMS_H
#define VIGIL_KSYMS_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

struct vg_ksym {
	uint64_t addr;
	size_t name;		/* offset into vg_ksyms.names */
	uint8_t rank;		/* among aliases at one address: lower is preferred */
};

struct vg_ksyms {
	struct vg_ksym *syms;
	size_t n;
	struct vg_buf names;	/* NUL-separated */
};

/*
 * Load `path` (NULL: /proc/kallsyms).  Module symbols ("name [mod]") and
 * BPF programs ("bpf_prog_... [bpf]") are kept under their own name.
 * Returns 0, -EPERM when every address reads as 0 (kallsyms hides them
 * from this user: kernel.kptr_restrict), -ENOENT when there is no text
 * symbol, -ENOMEM, or the -errno of opening the file.
 */
int vg_ksyms_load(struct vg_ksyms *ks, const char *path);

/*
 * The symbol containing `addr`: the highest one at or below it (aliases at
 * one address: the global one, then the first by name).  NULL below the
 * first symbol.  *offset (may be NULL) is addr - the symbol's address.
 */
const char *vg_ksyms_lookup(const struct vg_ksyms *ks, uint64_t addr, uint64_t *offset);

void vg_ksyms_release(struct vg_ksyms *ks);

#endif /* VIGIL_KSYMS_H */
