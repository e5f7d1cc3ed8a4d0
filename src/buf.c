// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"

/*
 * An initialised buffer points at this instead of allocating, so that
 * vg_buf_init() cannot fail.  cap == 0 means "not ours, never write".
 */
static char buf_empty[1];

void vg_buf_init(struct vg_buf *b)
{
	b->data = buf_empty;
	b->len = 0;
	b->cap = 0;
	b->oom = false;
}

void vg_buf_release(struct vg_buf *b)
{
	if (b->cap)
		free(b->data);
	vg_buf_init(b);
}

void vg_buf_reset(struct vg_buf *b)
{
	b->len = 0;
	if (b->cap)
		b->data[0] = '\0';
}

/* Make room for `extra` more bytes plus the NUL; false (and oom) if we can't. */
static bool buf_grow(struct vg_buf *b, size_t extra)
{
	size_t need, cap;
	char *p;

	if (b->oom)
		return false;
	if (extra > SIZE_MAX - 1 - b->len)
		goto oom;
	need = b->len + extra + 1;
	if (need <= b->cap)
		return true;

	cap = b->cap ? b->cap : 64;
	while (cap < need)
		cap = cap > SIZE_MAX / 2 ? need : cap * 2;

	p = realloc(b->cap ? b->data : NULL, cap);
	if (!p)
		goto oom;
	if (!b->cap)
		p[0] = '\0';
	b->data = p;
	b->cap = cap;
	return true;
oom:
	b->oom = true;
	return false;
}

void vg_buf_add(struct vg_buf *b, const void *data, size_t len)
{
	if (!len || !buf_grow(b, len))
		return;
	memcpy(b->data + b->len, data, len);
	b->len += len;
	b->data[b->len] = '\0';
}

void vg_buf_addc(struct vg_buf *b, char c)
{
	if (!buf_grow(b, 1))
		return;
	b->data[b->len++] = c;
	b->data[b->len] = '\0';
}

void vg_buf_adds(struct vg_buf *b, const char *s)
{
	vg_buf_add(b, s, strlen(s));
}

void vg_buf_addf(struct vg_buf *b, const char *fmt, ...)
{
	va_list ap;
	size_t avail;
	int n;

	if (b->oom)
		return;
	avail = b->cap ? b->cap - b->len : 0;
	va_start(ap, fmt);
	n = vsnprintf(avail ? b->data + b->len : NULL, avail, fmt, ap);
	va_end(ap);
	if (n < 0) {
		/* Only on an invalid format or EOVERFLOW; keep what we had. */
		if (b->cap)
			b->data[b->len] = '\0';
		return;
	}
	if ((size_t)n >= avail) {
		if (!buf_grow(b, (size_t)n)) {
			if (b->cap)
				b->data[b->len] = '\0';
			return;
		}
		va_start(ap, fmt);
		vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
		va_end(ap);
	}
	b->len += (size_t)n;
}
