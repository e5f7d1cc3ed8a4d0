// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * folded.c - folded stacks: aggregate, order, write.  See folded.h.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "folded.h"

void vg_folded_init(struct vg_folded *f)
{
	memset(f, 0, sizeof(*f));
}

void vg_folded_release(struct vg_folded *f)
{
	for (size_t i = 0; i < f->n; i++)
		free(f->lines[i].stack);
	free(f->lines);
	vg_folded_init(f);
}

static void add_frame(struct vg_buf *b, const char *s)
{
	if (!*s) {
		vg_buf_adds(b, "[unknown]");
		return;
	}
	for (; *s; s++)
		vg_buf_addc(b, *s == ';' || (unsigned char)*s < 0x20 || *s == 0x7f ? '_' : *s);
}

int vg_folded_add(struct vg_folded *f, const char *const *frames, size_t n, uint64_t count)
{
	struct vg_buf b;

	if (!n)
		return -EINVAL;
	if (f->n == f->cap) {
		size_t ncap = f->cap ? f->cap * 2 : 256;
		struct vg_folded_line *nl = realloc(f->lines, ncap * sizeof(*nl));

		if (!nl)
			return -ENOMEM;
		f->lines = nl;
		f->cap = ncap;
	}
	vg_buf_init(&b);
	for (size_t i = 0; i < n; i++) {
		if (i)
			vg_buf_addc(&b, ';');
		add_frame(&b, frames[i]);
	}
	if (b.oom || !b.cap) {
		vg_buf_release(&b);
		return -ENOMEM;
	}
	/* the buffer's memory becomes the line's */
	f->lines[f->n].stack = b.data;
	f->lines[f->n].count = count;
	f->n++;
	f->total += count;
	return 0;
}

static int cmp_stack(const void *a, const void *b)
{
	const struct vg_folded_line *x = a, *y = b;

	return strcmp(x->stack, y->stack);
}

static int cmp_count(const void *a, const void *b)
{
	const struct vg_folded_line *x = a, *y = b;

	if (x->count != y->count)
		return x->count > y->count ? -1 : 1;
	return strcmp(x->stack, y->stack);
}

void vg_folded_finish(struct vg_folded *f)
{
	size_t out = 0;

	if (f->n < 2)
		return;
	qsort(f->lines, f->n, sizeof(*f->lines), cmp_stack);
	for (size_t i = 0; i < f->n; i++) {
		if (out && !strcmp(f->lines[out - 1].stack, f->lines[i].stack)) {
			f->lines[out - 1].count += f->lines[i].count;
			free(f->lines[i].stack);
			continue;
		}
		f->lines[out++] = f->lines[i];
	}
	f->n = out;
	qsort(f->lines, f->n, sizeof(*f->lines), cmp_count);
}

int vg_folded_write(const struct vg_folded *f, FILE *out)
{
	for (size_t i = 0; i < f->n; i++)
		fprintf(out, "%s %" PRIu64 "\n", f->lines[i].stack, f->lines[i].count);
	if (fflush(out) || ferror(out))
		return -(errno ? errno : EIO);
	return 0;
}
