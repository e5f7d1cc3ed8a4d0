/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * buf.h - a growable byte buffer, always NUL-terminated.
 *
 * Allocation failure is sticky: `oom` is set, further appends are ignored,
 * and the owner checks it once when the buffer is complete.
 */
#ifndef VIGIL_BUF_H
#define VIGIL_BUF_H

#include <stdbool.h>
#include <stddef.h>

struct vg_buf {
	char *data;	/* NUL-terminated; "" after init */
	size_t len;
	size_t cap;
	bool oom;
};

void vg_buf_init(struct vg_buf *b);
void vg_buf_release(struct vg_buf *b);
void vg_buf_reset(struct vg_buf *b);	/* len = 0, keeps the memory */
void vg_buf_add(struct vg_buf *b, const void *data, size_t len);
void vg_buf_addc(struct vg_buf *b, char c);
void vg_buf_adds(struct vg_buf *b, const char *s);
void vg_buf_addf(struct vg_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif /* VIGIL_BUF_H */
