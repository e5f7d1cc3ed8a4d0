// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#include <string.h>

#include "pathnorm.h"

/*
 * One pass, reading at `r` and writing at `w`.  Output never outruns input:
 * every component written was preceded by at least one '/' in the input that
 * is either dropped or written as its separator, so w <= r holds throughout
 * and the copy can be done in place.
 */
bool vg_path_normalize(char *path)
{
	size_t r = 0, w = 1;	/* out[0] is the leading '/' */

	if (!path || path[0] != '/')
		return false;

	while (path[r]) {
		size_t start, len;

		while (path[r] == '/')
			r++;
		start = r;
		while (path[r] && path[r] != '/')
			r++;
		len = r - start;

		if (len == 0 || (len == 1 && path[start] == '.'))
			continue;
		if (len == 2 && path[start] == '.' && path[start + 1] == '.') {
			/* Pop back to the previous '/'; "/.." stays "/". */
			while (w > 1 && path[w - 1] != '/')
				w--;
			if (w > 1)
				w--;
			continue;
		}
		if (w > 1)
			path[w++] = '/';
		memmove(path + w, path + start, len);
		w += len;
	}
	path[w] = '\0';
	return true;
}

bool vg_path_under(const char *path, const char *dir)
{
	size_t len;

	if (!path || !dir || !dir[0])
		return false;
	len = strlen(dir);
	/* Tolerate a trailing '/' on dir even though callers normalise. */
	while (len > 1 && dir[len - 1] == '/')
		len--;
	if (len == 1 && dir[0] == '/')
		return path[0] == '/';
	return !strncmp(path, dir, len) && (path[len] == '\0' || path[len] == '/');
}
