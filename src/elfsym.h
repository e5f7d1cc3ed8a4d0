/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * elfsym.h - the function symbols of one ELF file, for turning an address
 * in a mapping of that file into a name.
 *
 * A user-space address becomes a file offset through /proc/PID/maps
 * (usyms.h); the file offset becomes the address the ELF file's symbols
 * use (its "virtual address") through the PT_LOAD program header that
 * holds it, which works alike for executables, position-independent
 * executables and shared libraries.  Symbols come from .symtab and .dynsym;
 * a file stripped of .symtab also gets the .symtab of its separate debug
 * file, /usr/lib/debug/.build-id/xx/yyyy.debug, found by its build-id.
 */
#ifndef VIGIL_ELFSYM_H
#define VIGIL_ELFSYM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"

#define VG_BUILD_ID_MAX	64	/* bytes; GNU build-ids are 20 (SHA-1) */

struct vg_elf_sym {
	uint64_t addr;
	uint64_t size;		/* 0: unknown (runs up to the next symbol) */
	size_t name;		/* offset into vg_elfsym.names */
	uint8_t rank;		/* among aliases at one address: lower is preferred */
};

struct vg_elf_seg {		/* a PT_LOAD program header */
	uint64_t offset;
	uint64_t filesz;
	uint64_t vaddr;
};

struct vg_elfsym {
	struct vg_elf_sym *syms;	/* sorted by address, one per address */
	size_t n;
	struct vg_buf names;
	struct vg_elf_seg *segs;
	size_t n_segs;
	uint8_t build_id[VG_BUILD_ID_MAX];
	size_t build_id_len;		/* 0: none */
	bool debug_file;		/* symbols also came from the debug file */
};

/* Base directory of separate debug files; tests may point it elsewhere. */
extern const char *vg_elfsym_debug_dir;

/*
 * Read the symbols of the ELF file open on fd / at path / in memory (the
 * vDSO).  Returns 0 (even with no symbol: lookups then fail), -ENOEXEC
 * when it is not ELF, -ENOMEM, or the -errno of opening path.
 */
int vg_elfsym_load_fd(struct vg_elfsym *e, int fd);
int vg_elfsym_load(struct vg_elfsym *e, const char *path);
int vg_elfsym_load_mem(struct vg_elfsym *e, const void *image, size_t size);

void vg_elfsym_release(struct vg_elfsym *e);

/* File offset -> ELF virtual address; -ENOENT when no PT_LOAD holds it. */
int vg_elfsym_vaddr(const struct vg_elfsym *e, uint64_t offset, uint64_t *vaddr);

/*
 * The function containing ELF virtual address `vaddr`: the highest symbol
 * at or below it, provided vaddr is inside its size (a symbol of unknown
 * size takes everything up to the next one).  NULL when none does.
 * *symoff (may be NULL) is vaddr - the symbol's address.
 */
const char *vg_elfsym_lookup(const struct vg_elfsym *e, uint64_t vaddr, uint64_t *symoff);

/* The build-id as lowercase hex into buf ("" without one). */
const char *vg_elfsym_build_id(const struct vg_elfsym *e, char *buf, size_t len);

#endif /* VIGIL_ELFSYM_H */
