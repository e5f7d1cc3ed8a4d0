// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#include <string.h>

#include "json.h"

/*
 * Length of the valid UTF-8 sequence at s[0..avail), or 0 if the bytes there
 * do not start one.  Ranges are RFC 3629 section 4, which is what rules out
 * overlong forms (C0, C1, E0 80-9F, F0 80-8F), surrogates (ED A0-BF) and
 * code points above U+10FFFF (F4 90-BF, F5-FF).
 */
static size_t utf8_seq_len(const unsigned char *s, size_t avail)
{
	unsigned char c = s[0], lo = 0x80, hi = 0xbf;
	size_t n, i;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf) {
		n = 2;
	} else if (c >= 0xe0 && c <= 0xef) {
		n = 3;
		if (c == 0xe0)
			lo = 0xa0;
		else if (c == 0xed)
			hi = 0x9f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		n = 4;
		if (c == 0xf0)
			lo = 0x90;
		else if (c == 0xf4)
			hi = 0x8f;
	} else {
		return 0;
	}
	if (avail < n)
		return 0;
	/* Only the second byte has a narrowed range. */
	if (s[1] < lo || s[1] > hi)
		return 0;
	for (i = 2; i < n; i++)
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	return n;
}

/* Bytes copied verbatim: printable ASCII but for the two we must escape. */
static inline int json_plain(unsigned char c)
{
	return c >= 0x20 && c < 0x7f && c != '"' && c != '\\';
}

void vg_json_str(struct vg_buf *b, const char *str, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0, run, n;
	char esc[6];

	vg_buf_addc(b, '"');
	while (i < len) {
		for (run = i; run < len && json_plain(s[run]); run++)
			;
		if (run > i) {
			vg_buf_add(b, s + i, run - i);
			i = run;
			continue;
		}

		switch (s[i]) {
		case '"':  vg_buf_add(b, "\\\"", 2); break;
		case '\\': vg_buf_add(b, "\\\\", 2); break;
		case '\b': vg_buf_add(b, "\\b", 2); break;
		case '\f': vg_buf_add(b, "\\f", 2); break;
		case '\n': vg_buf_add(b, "\\n", 2); break;
		case '\r': vg_buf_add(b, "\\r", 2); break;
		case '\t': vg_buf_add(b, "\\t", 2); break;
		default:
			if (s[i] < 0x80) {
				/* C0 control or DEL */
				memcpy(esc, "\\u00", 4);
				esc[4] = hex[s[i] >> 4];
				esc[5] = hex[s[i] & 0xf];
				vg_buf_add(b, esc, 6);
				break;
			}
			n = utf8_seq_len(s + i, len - i);
			if (n) {
				vg_buf_add(b, s + i, n);
				i += n;
				continue;
			}
			/*
			 * One replacement per bad byte: resynchronise on the
			 * next byte, which may start a valid sequence.
			 */
			vg_buf_add(b, "\\ufffd", 6);
			break;
		}
		i++;
	}
	vg_buf_addc(b, '"');
}

void vg_json_cstr(struct vg_buf *b, const char *s)
{
	if (!s)
		vg_buf_add(b, "null", 4);
	else
		vg_json_str(b, s, strlen(s));
}

bool vg_json_lossless(const char *str, size_t len)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0, n;

	while (i < len) {
		n = utf8_seq_len(s + i, len - i);
		if (!n)
			return false;
		i += n;
	}
	return true;
}
