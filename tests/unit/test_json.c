// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "json.h"
#include "../common/utf8_check.h"

#define FFFD "\\ufffd"

/* Escape `len` bytes and compare with the expected JSON text. */
static void check_len(const char *in, size_t len, const char *want)
{
	struct vg_buf b;

	vg_buf_init(&b);
	vg_json_str(&b, in, len);
	assert_false(b.oom);
	assert_string_equal(b.data, want);
	assert_int_equal(b.len, strlen(want));
	vg_buf_release(&b);
}

#define check(lit, want) check_len(lit, sizeof(lit) - 1, want)

static void put_utf8(struct vg_buf *b, uint32_t cp)
{
	char u[4];

	if (cp < 0x80) {
		vg_buf_addc(b, (char)cp);
	} else if (cp < 0x800) {
		u[0] = (char)(0xc0 | cp >> 6);
		u[1] = (char)(0x80 | (cp & 0x3f));
		vg_buf_add(b, u, 2);
	} else if (cp < 0x10000) {
		u[0] = (char)(0xe0 | cp >> 12);
		u[1] = (char)(0x80 | (cp >> 6 & 0x3f));
		u[2] = (char)(0x80 | (cp & 0x3f));
		vg_buf_add(b, u, 3);
	} else {
		u[0] = (char)(0xf0 | cp >> 18);
		u[1] = (char)(0x80 | (cp >> 12 & 0x3f));
		u[2] = (char)(0x80 | (cp >> 6 & 0x3f));
		u[3] = (char)(0x80 | (cp & 0x3f));
		vg_buf_add(b, u, 4);
	}
}

/*
 * A strict decoder for the JSON strings vg_json_str writes (no surrogate
 * pairs: it never needs them).  Returns 0 and fills `out` with the UTF-8
 * text, or -1 if `json` is not one well-formed JSON string.
 */
static int json_decode(const char *json, size_t len, struct vg_buf *out)
{
	const unsigned char *s = (const unsigned char *)json;
	size_t i;
	unsigned int cp;
	char hex[5];

	if (len < 2 || s[0] != '"' || s[len - 1] != '"')
		return -1;
	for (i = 1; i < len - 1; i++) {
		if (s[i] < 0x20 || s[i] == 0x7f || s[i] == '"')
			return -1;
		if (s[i] != '\\') {
			vg_buf_addc(out, (char)s[i]);
			continue;
		}
		if (++i >= len - 1)
			return -1;
		switch (s[i]) {
		case '"': vg_buf_addc(out, '"'); break;
		case '\\': vg_buf_addc(out, '\\'); break;
		case '/': vg_buf_addc(out, '/'); break;
		case 'b': vg_buf_addc(out, '\b'); break;
		case 'f': vg_buf_addc(out, '\f'); break;
		case 'n': vg_buf_addc(out, '\n'); break;
		case 'r': vg_buf_addc(out, '\r'); break;
		case 't': vg_buf_addc(out, '\t'); break;
		case 'u':
			if (len - 1 - i < 5)
				return -1;
			memcpy(hex, s + i + 1, 4);
			hex[4] = '\0';
			if (strspn(hex, "0123456789abcdef") != 4)
				return -1;
			cp = (unsigned int)strtoul(hex, NULL, 16);
			if (cp >= 0xd800 && cp <= 0xdfff)
				return -1;
			put_utf8(out, cp);
			i += 4;
			break;
		default:
			return -1;
		}
	}
	return 0;
}

static void test_json_copies_plain_ascii_in_quotes(void **state)
{
	check("hello, world /usr/bin/ls", "\"hello, world /usr/bin/ls\"");
	check("", "\"\"");
}

static void test_json_escapes_quote_and_backslash(void **state)
{
	check("a\"b\\c", "\"a\\\"b\\\\c\"");
	check("\\\"", "\"\\\\\\\"\"");
}

static void test_json_uses_short_escapes_for_common_controls(void **state)
{
	check("\b\f\n\r\t", "\"\\b\\f\\n\\r\\t\"");
}

static void test_json_escapes_other_controls_as_lowercase_u00xx(void **state)
{
	check("\x01\x1a\x1f\x7f", "\"\\u0001\\u001a\\u001f\\u007f\"");
}

static void test_json_escapes_embedded_nul_when_length_given(void **state)
{
	check("a\0b\0", "\"a\\u0000b\\u0000\"");
}

static void test_json_escapes_invalid_utf8_byte_as_replacement(void **state)
{
	check("a\x80z", "\"a" FFFD "z\"");
	check("\xff\xfe", "\"" FFFD FFFD "\"");
}

/* Every single byte, on its own, against what the rules say it becomes. */
static void test_json_maps_every_single_byte(void **state)
{
	char in, want[16];
	unsigned int c;

	for (c = 0; c < 256; c++) {
		in = (char)c;
		if (c == '"')
			strcpy(want, "\"\\\"\"");
		else if (c == '\\')
			strcpy(want, "\"\\\\\"");
		else if (c == '\b')
			strcpy(want, "\"\\b\"");
		else if (c == '\f')
			strcpy(want, "\"\\f\"");
		else if (c == '\n')
			strcpy(want, "\"\\n\"");
		else if (c == '\r')
			strcpy(want, "\"\\r\"");
		else if (c == '\t')
			strcpy(want, "\"\\t\"");
		else if (c < 0x20 || c == 0x7f)
			snprintf(want, sizeof(want), "\"\\u%04x\"", c);
		else if (c < 0x80)
			snprintf(want, sizeof(want), "\"%c\"", c);
		else
			strcpy(want, "\"" FFFD "\"");
		check_len(&in, 1, want);
	}
}

static void test_json_copies_valid_multibyte_utf8(void **state)
{
	check("caf\xc3\xa9", "\"caf\xc3\xa9\"");			/* U+00E9 */
	check("\xc2\x80", "\"\xc2\x80\"");				/* U+0080, smallest 2-byte */
	check("\xe2\x82\xac", "\"\xe2\x82\xac\"");			/* U+20AC */
	check("\xe0\xa0\x80", "\"\xe0\xa0\x80\"");			/* U+0800, smallest 3-byte */
	check("\xed\x9f\xbf", "\"\xed\x9f\xbf\"");			/* U+D7FF, below surrogates */
	check("\xee\x80\x80", "\"\xee\x80\x80\"");			/* U+E000, above them */
	check("\xef\xbf\xbd", "\"\xef\xbf\xbd\"");			/* U+FFFD itself */
	check("\xf0\x90\x80\x80", "\"\xf0\x90\x80\x80\"");		/* U+10000 */
	check("\xf0\x9f\x98\x80", "\"\xf0\x9f\x98\x80\"");		/* U+1F600 */
}

static void test_json_copies_max_code_point_u10ffff(void **state)
{
	check("\xf4\x8f\xbf\xbf", "\"\xf4\x8f\xbf\xbf\"");
}

static void test_json_rejects_code_points_above_u10ffff(void **state)
{
	check("\xf4\x90\x80\x80", "\"" FFFD FFFD FFFD FFFD "\"");
	check("\xf5\x80\x80\x80", "\"" FFFD FFFD FFFD FFFD "\"");
	check("\xf7\xbf\xbf\xbf", "\"" FFFD FFFD FFFD FFFD "\"");
}

static void test_json_rejects_overlong_forms(void **state)
{
	check("\xc0\xaf", "\"" FFFD FFFD "\"");			/* '/' in 2 bytes */
	check("\xc1\xbf", "\"" FFFD FFFD "\"");
	check("\xe0\x80\xaf", "\"" FFFD FFFD FFFD "\"");		/* '/' in 3 bytes */
	check("\xe0\x9f\xbf", "\"" FFFD FFFD FFFD "\"");		/* U+07FF in 3 bytes */
	check("\xf0\x80\x80\xaf", "\"" FFFD FFFD FFFD FFFD "\"");	/* '/' in 4 bytes */
	check("\xf0\x8f\xbf\xbf", "\"" FFFD FFFD FFFD FFFD "\"");	/* U+FFFF in 4 bytes */
	check("\xc0\x80", "\"" FFFD FFFD "\"");			/* "modified UTF-8" NUL */
}

static void test_json_rejects_surrogates(void **state)
{
	check("\xed\xa0\x80", "\"" FFFD FFFD FFFD "\"");		/* U+D800 */
	check("\xed\xbf\xbf", "\"" FFFD FFFD FFFD "\"");		/* U+DFFF */
	/* A CESU-8 pair is two surrogates, not one code point. */
	check("\xed\xa0\xbd\xed\xb8\x80", "\"" FFFD FFFD FFFD FFFD FFFD FFFD "\"");
}

static void test_json_replaces_each_byte_of_sequence_truncated_at_end(void **state)
{
	check("a\xc3", "\"a" FFFD "\"");
	check("a\xe2\x82", "\"a" FFFD FFFD "\"");
	check("a\xf0\x9f\x98", "\"a" FFFD FFFD FFFD "\"");
	check("\xf4\x8f\xbf", "\"" FFFD FFFD FFFD "\"");
}

static void test_json_resynchronises_after_invalid_byte(void **state)
{
	/* A cut sequence followed by ASCII, then a good sequence. */
	check("\xe2\x82(\xc3\xa9", "\"" FFFD FFFD "(\xc3\xa9\"");
	/* A lead byte followed by another lead byte that is good. */
	check("\xc3\xe2\x82\xac", "\"" FFFD "\xe2\x82\xac\"");
	/* Stray continuation after a complete sequence. */
	check("\xc3\xa9\xa9", "\"\xc3\xa9" FFFD "\"");
	/* A control character where a continuation byte should be. */
	check("\xc3\n", "\"" FFFD "\\n\"");
}

static void test_json_stops_at_explicit_length(void **state)
{
	check_len("abc\"def", 3, "\"abc\"");
	check_len("\xc3\xa9", 1, "\"" FFFD "\"");
}

static void test_json_appends_to_existing_content(void **state)
{
	struct vg_buf b;

	vg_buf_init(&b);
	vg_buf_adds(&b, "{\"k\":");
	vg_json_str(&b, "v", 1);
	vg_buf_addc(&b, '}');
	assert_string_equal(b.data, "{\"k\":\"v\"}");
	vg_buf_release(&b);
}

static void test_json_cstr_writes_null_for_null_pointer(void **state)
{
	struct vg_buf b;

	vg_buf_init(&b);
	vg_json_cstr(&b, NULL);
	assert_string_equal(b.data, "null");
	vg_buf_reset(&b);
	vg_json_cstr(&b, "a\tb");
	assert_string_equal(b.data, "\"a\\tb\"");
	vg_buf_reset(&b);
	vg_json_cstr(&b, "");
	assert_string_equal(b.data, "\"\"");
	vg_buf_release(&b);
}

/* xorshift64*: reproducible, and no dependence on libc's rand(). */
static uint64_t rng_next(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * UINT64_C(2685821657736338717);
}

/*
 * Property: whatever the bytes, the output is one well-formed JSON string,
 * valid UTF-8, with no raw control characters, and it decodes to the input
 * with each bad byte replaced by U+FFFD (so at least as many code points
 * come back as there were valid ones, and none is lost).
 */
static void test_json_output_of_random_bytes_is_valid_utf8_json(void **state)
{
	uint64_t seed = 0x9e3779b97f4a7c15u;
	unsigned char in[96];
	struct vg_buf b, dec;
	size_t i, len, iter;
	uint64_t r;

	vg_buf_init(&b);
	vg_buf_init(&dec);
	for (iter = 0; iter < 20000; iter++) {
		len = rng_next(&seed) % sizeof(in);
		for (i = 0; i < len; i++) {
			r = rng_next(&seed);
			/* Bias towards the interesting bytes. */
			switch (r & 3) {
			case 0: in[i] = (unsigned char)(r >> 8); break;
			case 1: in[i] = (unsigned char)(0x80 | (r >> 8 & 0x3f)); break;
			case 2: in[i] = (unsigned char)(0xc0 | (r >> 8 & 0x3f)); break;
			default: in[i] = (unsigned char)(r >> 8 & 0x7f); break;
			}
		}
		vg_buf_reset(&b);
		vg_json_str(&b, (const char *)in, len);
		assert_false(b.oom);
		assert_true(utf8_valid((const unsigned char *)b.data, b.len));
		for (i = 0; i < b.len; i++) {
			unsigned char c = (unsigned char)b.data[i];

			assert_false(c < 0x20 || c == 0x7f);
		}
		vg_buf_reset(&dec);
		assert_int_equal(json_decode(b.data, b.len, &dec), 0);
		assert_true(utf8_valid((const unsigned char *)dec.data, dec.len));
		/* Valid input must come back byte for byte. */
		if (utf8_valid(in, len)) {
			assert_int_equal(dec.len, len);
			assert_memory_equal(dec.data, in, len);
		}
	}
	vg_buf_release(&b);
	vg_buf_release(&dec);
}

/* Property: any text of valid code points round-trips exactly. */
static void test_json_round_trips_random_valid_utf8(void **state)
{
	uint64_t seed = 42;
	struct vg_buf in, out, dec;
	size_t iter, n, k;
	uint32_t cp;

	vg_buf_init(&in);
	vg_buf_init(&out);
	vg_buf_init(&dec);
	for (iter = 0; iter < 5000; iter++) {
		vg_buf_reset(&in);
		n = rng_next(&seed) % 32;
		for (k = 0; k < n; k++) {
			switch (rng_next(&seed) % 4) {
			case 0: cp = (uint32_t)(rng_next(&seed) % 0x80); break;
			case 1: cp = (uint32_t)(0x80 + rng_next(&seed) % 0x780); break;
			case 2: cp = (uint32_t)(0x800 + rng_next(&seed) % 0xf800); break;
			default: cp = (uint32_t)(0x10000 + rng_next(&seed) % 0x100000); break;
			}
			if (cp >= 0xd800 && cp <= 0xdfff)
				cp = 0xfffd;
			put_utf8(&in, cp);
		}
		assert_true(utf8_valid((const unsigned char *)in.data, in.len));
		vg_buf_reset(&out);
		vg_json_str(&out, in.data, in.len);
		vg_buf_reset(&dec);
		assert_int_equal(json_decode(out.data, out.len, &dec), 0);
		assert_int_equal(dec.len, in.len);
		assert_memory_equal(dec.data, in.data, in.len);
	}
	vg_buf_release(&in);
	vg_buf_release(&out);
	vg_buf_release(&dec);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_json_copies_plain_ascii_in_quotes),
		cmocka_unit_test(test_json_escapes_quote_and_backslash),
		cmocka_unit_test(test_json_uses_short_escapes_for_common_controls),
		cmocka_unit_test(test_json_escapes_other_controls_as_lowercase_u00xx),
		cmocka_unit_test(test_json_escapes_embedded_nul_when_length_given),
		cmocka_unit_test(test_json_escapes_invalid_utf8_byte_as_replacement),
		cmocka_unit_test(test_json_maps_every_single_byte),
		cmocka_unit_test(test_json_copies_valid_multibyte_utf8),
		cmocka_unit_test(test_json_copies_max_code_point_u10ffff),
		cmocka_unit_test(test_json_rejects_code_points_above_u10ffff),
		cmocka_unit_test(test_json_rejects_overlong_forms),
		cmocka_unit_test(test_json_rejects_surrogates),
		cmocka_unit_test(test_json_replaces_each_byte_of_sequence_truncated_at_end),
		cmocka_unit_test(test_json_resynchronises_after_invalid_byte),
		cmocka_unit_test(test_json_stops_at_explicit_length),
		cmocka_unit_test(test_json_appends_to_existing_content),
		cmocka_unit_test(test_json_cstr_writes_null_for_null_pointer),
		cmocka_unit_test(test_json_output_of_random_bytes_is_valid_utf8_json),
		cmocka_unit_test(test_json_round_trips_random_valid_utf8),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
