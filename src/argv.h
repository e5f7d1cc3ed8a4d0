/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * argv.h - split the kernel's argv block ("arg0\0arg1\0...argN\0", as read
 * from mm->arg_start..arg_end, possibly cut short) into arguments.
 */
#ifndef VIGIL_ARGV_H
#define VIGIL_ARGV_H

#include <stdbool.h>
#include <stddef.h>

struct vg_str {
	const char *ptr;	/* not NUL-terminated in general */
	size_t len;
};

/*
 * Split `block` (`len` bytes) into at most `max` arguments in `out`.
 * Returns the number stored.  *truncated is set when the block does not end
 * with a NUL (the last argument was cut; it is still returned, partial) or
 * when there were more than `max` arguments; it is cleared otherwise
 * (`truncated` may be NULL).  An empty block gives 0 arguments.  Every NUL
 * ends one argument, so "a\0\0b\0" is "a", "", "b".  Never reads past
 * block[len - 1]; `block` may be NULL when `len` is 0.
 */
size_t vg_argv_split(const char *block, size_t len, struct vg_str *out, size_t max,
		     bool *truncated);

#endif /* VIGIL_ARGV_H */
