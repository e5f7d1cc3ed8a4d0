// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#include <string.h>

#include "argv.h"

size_t vg_argv_split(const char *block, size_t len, struct vg_str *out, size_t max,
		     bool *truncated)
{
	const char *p, *end, *nul;
	size_t n = 0;
	bool cut = false;

	if (!len)
		goto out;
	p = block;
	end = block + len;
	while (p < end) {
		if (n == max) {
			cut = true;
			break;
		}
		nul = memchr(p, '\0', (size_t)(end - p));
		out[n].ptr = p;
		if (!nul) {
			/* No terminator: the reader stopped mid-argument. */
			out[n++].len = (size_t)(end - p);
			cut = true;
			break;
		}
		out[n++].len = (size_t)(nul - p);
		p = nul + 1;
	}
out:
	if (truncated)
		*truncated = cut;
	return n;
}
