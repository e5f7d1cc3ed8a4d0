/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * pathnorm.h - lexical normalisation of absolute paths: collapse "//",
 * drop "." components, resolve ".." against the previous component ("/.."
 * stays "/"), drop a trailing '/' (except for "/" itself).  Symlinks are not
 * looked at: this is what the kernel did not resolve for us.
 */
#ifndef VIGIL_PATHNORM_H
#define VIGIL_PATHNORM_H

#include <stdbool.h>

/* Normalise `path` (NUL-terminated, absolute) in place.  Returns false
 * (path unchanged) if it is not absolute. */
bool vg_path_normalize(char *path);

/* Is `path` equal to `dir` or below it?  Both normalised. */
bool vg_path_under(const char *path, const char *dir);

#endif /* VIGIL_PATHNORM_H */
