// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * fuzz_pathnorm - vg_path_normalize on arbitrary strings.  A relative input
 * is refused and left untouched.  An absolute one comes out absolute, with
 * no "//", no "." or ".." component, no trailing '/' (unless it is "/"),
 * never longer than it went in, equal to what a simple component-stack
 * reference gives, and unchanged by a second pass.  vg_path_under agrees:
 * every result is under "/", under itself, and under its parent.
 * The input is cut at its first NUL.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pathnorm.h"

/* Reference: split on '/', keep a stack of components, join. */
static char *reference(const char *in)
{
	size_t n = strlen(in), depth = 0, w = 0, i;
	const char **comp;
	size_t *clen;
	char *out;

	comp = malloc((n + 1) * sizeof(*comp));
	clen = malloc((n + 1) * sizeof(*clen));
	out = malloc(n + 2);
	if (!comp || !clen || !out)
		abort();
	for (i = 0; i < n;) {
		size_t start, len;

		while (i < n && in[i] == '/')
			i++;
		start = i;
		while (i < n && in[i] != '/')
			i++;
		len = i - start;
		if (!len || (len == 1 && in[start] == '.'))
			continue;
		if (len == 2 && in[start] == '.' && in[start + 1] == '.') {
			if (depth)
				depth--;
			continue;
		}
		comp[depth] = in + start;
		clen[depth++] = len;
	}
	for (i = 0; i < depth; i++) {
		out[w++] = '/';
		memcpy(out + w, comp[i], clen[i]);
		w += clen[i];
	}
	if (!w)
		out[w++] = '/';
	out[w] = '\0';
	free(comp);
	free(clen);
	return out;
}

static void check_components(const char *p)
{
	const char *c = p + 1;

	if (p[0] != '/')
		abort();
	if (!p[1])
		return;		/* "/" */
	for (;;) {
		const char *end = strchr(c, '/');
		size_t len = end ? (size_t)(end - c) : strlen(c);

		if (!len)
			abort();	/* "//" or a trailing '/' */
		if ((len == 1 && c[0] == '.') || (len == 2 && c[0] == '.' && c[1] == '.'))
			abort();
		if (!end)
			break;
		c = end + 1;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *in, *out, *again, *ref, *slash;
	size_t len;

	in = malloc(size + 1);
	if (!in)
		return 0;
	memcpy(in, data, size);
	in[size] = '\0';
	len = strlen(in);
	out = malloc(len + 1);	/* exact size: ASan sees overruns */
	if (!out)
		abort();
	memcpy(out, in, len + 1);

	if (in[0] != '/') {
		if (vg_path_normalize(out) || strcmp(out, in))
			abort();
		goto cleanup;
	}
	if (!vg_path_normalize(out))
		abort();
	if (strlen(out) > len)
		abort();
	check_components(out);

	ref = reference(in);
	if (strcmp(out, ref))
		abort();
	free(ref);

	again = strdup(out);
	if (!again)
		abort();
	if (!vg_path_normalize(again) || strcmp(again, out))
		abort();

	if (!vg_path_under(out, "/") || !vg_path_under(out, out))
		abort();
	slash = strrchr(again, '/');
	if (slash && slash != again) {
		*slash = '\0';	/* again = parent of out */
		if (!vg_path_under(out, again) || vg_path_under(again, out))
			abort();
	}
	free(again);
cleanup:
	free(out);
	free(in);
	return 0;
}
