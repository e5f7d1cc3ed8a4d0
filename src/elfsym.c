// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * elfsym.c - function symbols of an ELF file with libelf.  See elfsym.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "elfsym.h"

const char *vg_elfsym_debug_dir = "/usr/lib/debug";

struct sym_list {
	struct vg_elf_sym *v;
	size_t n, cap;
};

static int sym_push(struct vg_elfsym *e, struct sym_list *l, const GElf_Sym *s,
		    const char *name)
{
	unsigned char bind = GELF_ST_BIND(s->st_info);
	uint8_t rank = bind == STB_GLOBAL ? 0 : bind == STB_WEAK ? 8 : 16;
	const char *p = name;

	if (l->n == l->cap) {
		size_t ncap = l->cap ? l->cap * 2 : 1024;
		struct vg_elf_sym *n = realloc(l->v, ncap * sizeof(*n));

		if (!n)
			return -ENOMEM;
		l->v = n;
		l->cap = ncap;
	}
	/* among aliases, prefer the public name: memcpy over __memcpy_avx */
	while (*p == '_' && rank % 8 < 7) {
		rank++;
		p++;
	}
	l->v[l->n].addr = s->st_value;
	l->v[l->n].size = s->st_size;
	l->v[l->n].rank = rank;
	l->v[l->n].name = e->names.len;
	vg_buf_adds(&e->names, name);
	vg_buf_addc(&e->names, '\0');
	l->n++;
	return e->names.oom ? -ENOMEM : 0;
}

/* Add the functions of .symtab (and .dynsym unless symtab_only); *had_symtab
 * says whether there was a .symtab. */
static int read_symbols(struct vg_elfsym *e, struct sym_list *l, Elf *elf, bool symtab_only,
			bool *had_symtab)
{
	Elf_Scn *scn = NULL;
	int err;

	while ((scn = elf_nextscn(elf, scn))) {
		GElf_Shdr sh;
		Elf_Data *data;
		size_t n;

		if (!gelf_getshdr(scn, &sh))
			continue;
		if (sh.sh_type == SHT_SYMTAB)
			*had_symtab = true;
		else if (sh.sh_type != SHT_DYNSYM || symtab_only)
			continue;
		data = elf_getdata(scn, NULL);
		if (!data || !sh.sh_entsize)
			continue;
		n = sh.sh_size / sh.sh_entsize;
		for (size_t i = 0; i < n; i++) {
			unsigned char type;
			const char *name;
			GElf_Sym s;

			if (!gelf_getsym(data, (int)i, &s))
				continue;
			type = GELF_ST_TYPE(s.st_info);
			if ((type != STT_FUNC && type != STT_GNU_IFUNC) || s.st_shndx == SHN_UNDEF ||
			    !s.st_value)
				continue;
			name = elf_strptr(elf, sh.sh_link, s.st_name);
			if (!name || !*name)
				continue;
			err = sym_push(e, l, &s, name);
			if (err)
				return err;
		}
	}
	return 0;
}

static int read_segments(struct vg_elfsym *e, Elf *elf)
{
	size_t phnum;

	if (elf_getphdrnum(elf, &phnum))
		return 0;
	e->segs = calloc(phnum ? phnum : 1, sizeof(*e->segs));
	if (!e->segs)
		return -ENOMEM;
	for (size_t i = 0; i < phnum; i++) {
		GElf_Phdr ph;

		if (!gelf_getphdr(elf, (int)i, &ph) || ph.p_type != PT_LOAD)
			continue;
		e->segs[e->n_segs].offset = ph.p_offset;
		e->segs[e->n_segs].filesz = ph.p_filesz;
		e->segs[e->n_segs].vaddr = ph.p_vaddr;
		e->n_segs++;
	}
	return 0;
}

static void read_build_id(struct vg_elfsym *e, Elf *elf)
{
	Elf_Scn *scn = NULL;

	while ((scn = elf_nextscn(elf, scn))) {
		size_t off = 0, name_off, desc_off;
		GElf_Shdr sh;
		GElf_Nhdr nh;
		Elf_Data *data;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_NOTE)
			continue;
		data = elf_getdata(scn, NULL);
		if (!data)
			continue;
		while ((off = gelf_getnote(data, off, &nh, &name_off, &desc_off)) > 0) {
			if (nh.n_type != NT_GNU_BUILD_ID || nh.n_namesz != 4 ||
			    memcmp((const char *)data->d_buf + name_off, "GNU", 4) ||
			    !nh.n_descsz || nh.n_descsz > VG_BUILD_ID_MAX)
				continue;
			memcpy(e->build_id, (const char *)data->d_buf + desc_off, nh.n_descsz);
			e->build_id_len = nh.n_descsz;
			return;
		}
	}
}

static int cmp_sym(const void *a, const void *b, void *names)
{
	const struct vg_elf_sym *x = a, *y = b;

	if (x->addr != y->addr)
		return x->addr < y->addr ? -1 : 1;
	if (x->rank != y->rank)
		return x->rank < y->rank ? -1 : 1;
	/* a sized alias over one of unknown size */
	if (!x->size != !y->size)
		return x->size ? -1 : 1;
	return strcmp((const char *)names + x->name, (const char *)names + y->name);
}

/* Sort and keep the preferred symbol at each address. */
static void finish(struct vg_elfsym *e, struct sym_list *l)
{
	size_t out = 0;

	if (l->n > 1)
		qsort_r(l->v, l->n, sizeof(*l->v), cmp_sym, e->names.data);
	for (size_t i = 0; i < l->n; i++)
		if (!out || l->v[out - 1].addr != l->v[i].addr)
			l->v[out++] = l->v[i];
	e->syms = l->v;
	e->n = out;
	l->v = NULL;
}

/* The separate debug file's .symtab, when the file has a build-id. */
static int read_debug_file(struct vg_elfsym *e, struct sym_list *l)
{
	char path[4096], *p;
	bool had_symtab = false;
	Elf *elf;
	int fd, err;

	if (e->build_id_len < 2)
		return 0;
	p = path + snprintf(path, sizeof(path), "%s/.build-id/%02x/", vg_elfsym_debug_dir,
			    e->build_id[0]);
	for (size_t i = 1; i < e->build_id_len && p < path + sizeof(path) - 16; i++)
		p += sprintf(p, "%02x", e->build_id[i]);
	strcpy(p, ".debug");
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	err = 0;
	if (elf && elf_kind(elf) == ELF_K_ELF) {
		size_t before = l->n;

		err = read_symbols(e, l, elf, true, &had_symtab);
		e->debug_file = l->n > before;
	}
	if (elf)
		elf_end(elf);
	close(fd);
	return err;
}

static int load_elf(struct vg_elfsym *e, Elf *elf)
{
	struct sym_list l = { 0 };
	bool had_symtab = false;
	int err;

	if (!elf)
		return -ENOEXEC;
	if (elf_kind(elf) != ELF_K_ELF) {
		elf_end(elf);
		return -ENOEXEC;
	}
	read_build_id(e, elf);
	err = read_segments(e, elf);
	if (!err)
		err = read_symbols(e, &l, elf, false, &had_symtab);
	if (!err && !had_symtab)
		err = read_debug_file(e, &l);
	elf_end(elf);
	if (!err)
		finish(e, &l);
	free(l.v);
	if (err)
		vg_elfsym_release(e);
	return err;
}

static int elfsym_init(struct vg_elfsym *e)
{
	memset(e, 0, sizeof(*e));
	vg_buf_init(&e->names);
	return elf_version(EV_CURRENT) == EV_NONE ? -ENOEXEC : 0;
}

int vg_elfsym_load_fd(struct vg_elfsym *e, int fd)
{
	int err = elfsym_init(e);

	return err ? err : load_elf(e, elf_begin(fd, ELF_C_READ_MMAP, NULL));
}

int vg_elfsym_load(struct vg_elfsym *e, const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), err;

	if (fd < 0) {
		err = -errno;
		elfsym_init(e);
		return err;
	}
	err = vg_elfsym_load_fd(e, fd);
	close(fd);
	return err;
}

int vg_elfsym_load_mem(struct vg_elfsym *e, const void *image, size_t size)
{
	int err = elfsym_init(e);

	/* libelf takes a non-const pointer but does not write in read mode */
	return err ? err : load_elf(e, elf_memory((char *)image, size));
}

void vg_elfsym_release(struct vg_elfsym *e)
{
	free(e->syms);
	free(e->segs);
	vg_buf_release(&e->names);
	e->syms = NULL;
	e->segs = NULL;
	e->n = e->n_segs = 0;
}

int vg_elfsym_vaddr(const struct vg_elfsym *e, uint64_t offset, uint64_t *vaddr)
{
	for (size_t i = 0; i < e->n_segs; i++) {
		const struct vg_elf_seg *s = &e->segs[i];

		if (offset >= s->offset && offset - s->offset < s->filesz) {
			*vaddr = offset - s->offset + s->vaddr;
			return 0;
		}
	}
	return -ENOENT;
}

const char *vg_elfsym_lookup(const struct vg_elfsym *e, uint64_t vaddr, uint64_t *symoff)
{
	size_t lo = 0, hi = e->n;
	const struct vg_elf_sym *s;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (e->syms[mid].addr <= vaddr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0)
		return NULL;
	s = &e->syms[lo - 1];
	if (s->size && vaddr - s->addr >= s->size)
		return NULL;
	if (symoff)
		*symoff = vaddr - s->addr;
	return e->names.data + s->name;
}

const char *vg_elfsym_build_id(const struct vg_elfsym *e, char *buf, size_t len)
{
	size_t o = 0;

	if (!len)
		return buf;
	buf[0] = '\0';
	for (size_t i = 0; i < e->build_id_len && o + 3 <= len; i++)
		o += (size_t)snprintf(buf + o, len - o, "%02x", e->build_id[i]);
	return buf;
}
