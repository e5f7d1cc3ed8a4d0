/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * utf8_check.h - test helpers shared by the JSON unit test and fuzzer.
 */
#ifndef VIGIL_TEST_UTF8_CHECK_H
#define VIGIL_TEST_UTF8_CHECK_H

#include <stddef.h>
#include <stdint.h>

/*
 * An independent UTF-8 check, by decoding: it computes each code point and
 * rejects overlong forms, surrogates and values above U+10FFFF.
 */
static inline int utf8_valid(const unsigned char *s, size_t len)
{
	size_t i = 0, n, k;
	uint32_t cp, min;

	while (i < len) {
		if (s[i] < 0x80) {
			i++;
			continue;
		} else if ((s[i] & 0xe0) == 0xc0) {
			n = 2, cp = s[i] & 0x1f, min = 0x80;
		} else if ((s[i] & 0xf0) == 0xe0) {
			n = 3, cp = s[i] & 0x0f, min = 0x800;
		} else if ((s[i] & 0xf8) == 0xf0) {
			n = 4, cp = s[i] & 0x07, min = 0x10000;
		} else {
			return 0;
		}
		if (len - i < n)
			return 0;
		for (k = 1; k < n; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return 0;
			cp = cp << 6 | (s[i + k] & 0x3f);
		}
		if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return 0;
		i += n;
	}
	return 1;
}

#endif /* VIGIL_TEST_UTF8_CHECK_H */
