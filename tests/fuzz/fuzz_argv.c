// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * fuzz_argv - vg_argv_split on arbitrary blocks: arguments stay inside the
 * block, hold no NUL, follow each other with one NUL between, and the
 * truncated flag says exactly whether something was left out.
 * The first input byte picks `max`, the rest is the block.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "argv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vg_str out[64];
	size_t max, len, n, i, covered = 0;
	bool truncated, cut;
	char *block;

	if (!size)
		return 0;
	max = data[0] % 65;
	len = size - 1;
	block = malloc(len ? len : 1);	/* exact size: ASan sees overreads */
	if (!block)
		return 0;
	memcpy(block, data + 1, len);

	n = vg_argv_split(len ? block : NULL, len, out, max, &truncated);
	if (n > max)
		abort();
	for (i = 0; i < n; i++) {
		if (out[i].ptr != block + covered)
			abort();	/* not contiguous, or outside the block */
		if (out[i].len > len - covered || memchr(out[i].ptr, 0, out[i].len))
			abort();
		covered += out[i].len;
		if (covered < len)
			covered++;	/* the NUL that ended it */
	}
	/* Truncated iff the block was not used up or its last NUL is missing. */
	cut = covered < len || (len && block[len - 1] != '\0');
	if (truncated != cut)
		abort();
	if (!len && (n || truncated))
		abort();
	free(block);
	return 0;
}
