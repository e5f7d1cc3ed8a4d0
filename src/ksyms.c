// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * ksyms.c - /proc/kallsyms, sorted for lookups.  See ksyms.h.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ksyms.h"

static int cmp_ksym(const void *a, const void *b, void *names)
{
	const struct vg_ksym *x = a, *y = b;

	if (x->addr != y->addr)
		return x->addr < y->addr ? -1 : 1;
	if (x->rank != y->rank)
		return x->rank < y->rank ? -1 : 1;
	return strcmp((const char *)names + x->name, (const char *)names + y->name);
}

/* Global before weak before local; fewer leading underscores first. */
static uint8_t sym_rank(char type, const char *name)
{
	uint8_t r = type == 'T' ? 0 : type == 'W' || type == 'w' ? 8 : 16;

	while (*name == '_' && r % 8 < 7) {
		r++;
		name++;
	}
	return r;
}

int vg_ksyms_load(struct vg_ksyms *ks, const char *path)
{
	size_t cap = 0;
	bool nonzero = false;
	char line[1024];
	FILE *f;
	int err = 0;

	memset(ks, 0, sizeof(*ks));
	vg_buf_init(&ks->names);
	f = fopen(path ? path : "/proc/kallsyms", "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		char type, *name, *end;
		uint64_t addr;
		size_t len;

		addr = strtoull(line, &end, 16);
		if (end == line || end[0] != ' ' || !end[1] || end[2] != ' ')
			continue;
		type = end[1];
		if (type != 't' && type != 'T' && type != 'w' && type != 'W')
			continue;
		name = end + 3;
		len = strcspn(name, " \t\n");
		if (!len)
			continue;
		if (addr)
			nonzero = true;
		if (ks->n == cap) {
			size_t ncap = cap ? cap * 2 : 65536;
			struct vg_ksym *n = realloc(ks->syms, ncap * sizeof(*n));

			if (!n) {
				err = -ENOMEM;
				goto cleanup;
			}
			ks->syms = n;
			cap = ncap;
		}
		ks->syms[ks->n].addr = addr;
		ks->syms[ks->n].rank = sym_rank(type, name);
		ks->syms[ks->n].name = ks->names.len;
		vg_buf_add(&ks->names, name, len);
		vg_buf_addc(&ks->names, '\0');
		ks->n++;
	}
	if (ks->names.oom) {
		err = -ENOMEM;
		goto cleanup;
	}
	if (!ks->n) {
		err = -ENOENT;
		goto cleanup;
	}
	if (!nonzero) {
		err = -EPERM;
		goto cleanup;
	}
	qsort_r(ks->syms, ks->n, sizeof(*ks->syms), cmp_ksym, ks->names.data);
cleanup:
	fclose(f);
	if (err)
		vg_ksyms_release(ks);
	return err;
}

const char *vg_ksyms_lookup(const struct vg_ksyms *ks, uint64_t addr, uint64_t *offset)
{
	size_t lo = 0, hi = ks->n;

	/* the first symbol above addr */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (ks->syms[mid].addr <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0)
		return NULL;
	lo--;
	/* the preferred alias is the first at that address */
	while (lo > 0 && ks->syms[lo - 1].addr == ks->syms[lo].addr)
		lo--;
	if (offset)
		*offset = addr - ks->syms[lo].addr;
	return ks->names.data + ks->syms[lo].name;
}

void vg_ksyms_release(struct vg_ksyms *ks)
{
	free(ks->syms);
	vg_buf_release(&ks->names);
	ks->syms = NULL;
	ks->n = 0;
}
