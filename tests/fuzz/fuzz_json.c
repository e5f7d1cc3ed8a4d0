// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * fuzz_json - vg_json_str on arbitrary bytes must always give one well-formed
 * JSON string that is valid UTF-8 with no raw control characters, and must
 * give valid UTF-8 input back unchanged once decoded.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "../common/utf8_check.h"

static int hexval(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

static void put_utf8(struct vg_buf *b, uint32_t cp)
{
	char u[3];

	if (cp < 0x80) {
		vg_buf_addc(b, (char)cp);
	} else if (cp < 0x800) {
		u[0] = (char)(0xc0 | cp >> 6);
		u[1] = (char)(0x80 | (cp & 0x3f));
		vg_buf_add(b, u, 2);
	} else {
		u[0] = (char)(0xe0 | cp >> 12);
		u[1] = (char)(0x80 | (cp >> 6 & 0x3f));
		u[2] = (char)(0x80 | (cp & 0x3f));
		vg_buf_add(b, u, 3);
	}
}

/* Decode one JSON string; abort() if it is not exactly one well-formed one. */
static void json_check_decode(const char *json, size_t len, struct vg_buf *out)
{
	const unsigned char *s = (const unsigned char *)json;
	size_t i;
	int k, d;
	uint32_t cp;

	if (len < 2 || s[0] != '"' || s[len - 1] != '"')
		abort();
	for (i = 1; i < len - 1; i++) {
		if (s[i] < 0x20 || s[i] == 0x7f || s[i] == '"')
			abort();	/* raw control, or a quote ending it early */
		if (s[i] != '\\') {
			vg_buf_addc(out, (char)s[i]);
			continue;
		}
		if (++i >= len - 1)
			abort();	/* the closing quote was escaped */
		switch (s[i]) {
		case '"': vg_buf_addc(out, '"'); break;
		case '\\': vg_buf_addc(out, '\\'); break;
		case 'b': vg_buf_addc(out, '\b'); break;
		case 'f': vg_buf_addc(out, '\f'); break;
		case 'n': vg_buf_addc(out, '\n'); break;
		case 'r': vg_buf_addc(out, '\r'); break;
		case 't': vg_buf_addc(out, '\t'); break;
		case 'u':
			if (len - 1 - i < 5)
				abort();
			cp = 0;
			for (k = 1; k <= 4; k++) {
				d = hexval(s[i + k]);
				if (d < 0)
					abort();
				cp = cp << 4 | (uint32_t)d;
			}
			if (cp >= 0xd800 && cp <= 0xdfff)
				abort();
			put_utf8(out, cp);
			i += 4;
			break;
		default:
			abort();
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vg_buf b, dec;
	char *copy;

	vg_buf_init(&b);
	vg_buf_init(&dec);
	/* An exact-size heap copy, so that ASan sees any read past the end. */
	copy = malloc(size ? size : 1);
	if (!copy)
		return 0;
	memcpy(copy, data, size);

	vg_json_str(&b, copy, size);
	if (b.oom || b.len != strlen(b.data) || !utf8_valid((unsigned char *)b.data, b.len))
		abort();
	json_check_decode(b.data, b.len, &dec);
	if (!utf8_valid((unsigned char *)dec.data, dec.len))
		abort();
	if (utf8_valid(data, size) && (dec.len != size || memcmp(dec.data, data, size)))
		abort();

	/* The C-string form stops at the first NUL and agrees with the above. */
	if (size && !memchr(data, 0, size)) {
		char *cstr = realloc(copy, size + 1);

		if (!cstr)
			goto out;
		copy = cstr;
		copy[size] = '\0';
		vg_buf_reset(&dec);
		vg_json_cstr(&dec, copy);
		if (dec.len != b.len || memcmp(dec.data, b.data, b.len))
			abort();
	}
out:
	free(copy);
	vg_buf_release(&b);
	vg_buf_release(&dec);
	return 0;
}
