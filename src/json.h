/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * json.h - JSON string escaping for bytes of unknown origin.
 *
 * The kernel hands us arbitrary bytes (argv, file names, comm).  Output must
 * be valid JSON and valid UTF-8 whatever they are:
 *   - valid UTF-8 sequences (RFC 3629: no overlongs, no surrogates, <= U+10FFFF)
 *     are copied as they are;
 *   - '"' and '\\' are backslash-escaped; \b \f \n \r \t use their short form;
 *   - other control characters (U+0000-U+001F, U+007F) become \u00XX;
 *   - every byte that is not part of a valid sequence becomes \ufffd
 *     (the replacement character), one per byte.
 */
#ifndef VIGIL_JSON_H
#define VIGIL_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include "buf.h"

/* Append `len` bytes of `s` as a quoted JSON string. */
void vg_json_str(struct vg_buf *b, const char *s, size_t len);

/* Same for a NUL-terminated string; NULL appends `null`. */
void vg_json_cstr(struct vg_buf *b, const char *s);

/* Does vg_json_str() keep all `len` bytes (valid UTF-8: nothing becomes
 * \ufffd; control characters are escaped, not lost)? */
bool vg_json_lossless(const char *s, size_t len);

#endif /* VIGIL_JSON_H */
