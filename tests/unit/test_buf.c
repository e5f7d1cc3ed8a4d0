// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "buf.h"

static void test_buf_init_is_empty_string(void **state)
{
	struct vg_buf b;

	vg_buf_init(&b);
	assert_non_null(b.data);
	assert_string_equal(b.data, "");
	assert_int_equal(b.len, 0);
	assert_false(b.oom);
	vg_buf_release(&b);
}

static void test_buf_add_appends_and_keeps_nul(void **state)
{
	struct vg_buf b;

	vg_buf_init(&b);
	vg_buf_add(&b, "abc", 3);
	vg_buf_add(&b, "defgh", 2);
	assert_int_equal(b.len, 5);
	assert_string_equal(b.data, "abcde");
	assert_true(b.cap > b.len);
	vg_buf_release(&b);
}

static void test_buf_add_keeps_embedded_nul(void **state)
{
	struct vg_buf b;

	vg_buf_init(&b);
	vg_buf_add(&b, "a\0b", 3);
	assert_int_equal(b.len, 3);
	assert_memory_equal(b.data, "a\0b\0", 4);
	vg_buf_release(&b);
}

static void test_buf_add_of_nothing_leaves_buffer_unchanged(void **state)
{
	struct vg_buf b;

	vg_buf_init(&b);
	vg_buf_add(&b, NULL, 0);
	vg_buf_adds(&b, "");
	assert_int_equal(b.len, 0);
	assert_string_equal(b.data, "");
	vg_buf_release(&b);
}

static void test_buf_addc_and_adds_append(void **state)
{
	struct vg_buf b;

	vg_buf_init(&b);
	vg_buf_addc(&b, 'x');
	vg_buf_adds(&b, "yz");
	vg_buf_addc(&b, '\0');
	assert_int_equal(b.len, 4);
	assert_memory_equal(b.data, "xyz\0\0", 5);
	vg_buf_release(&b);
}

static void test_buf_grows_across_many_appends(void **state)
{
	struct vg_buf b;
	size_t i;

	vg_buf_init(&b);
	for (i = 0; i < 100000; i++)
		vg_buf_addc(&b, (char)('a' + i % 26));
	assert_false(b.oom);
	assert_int_equal(b.len, 100000);
	assert_int_equal(strlen(b.data), 100000);
	for (i = 0; i < 100000; i++)
		assert_int_equal(b.data[i], 'a' + i % 26);
	vg_buf_release(&b);
}

static void test_buf_addf_formats_onto_empty_buffer(void **state)
{
	struct vg_buf b;

	vg_buf_init(&b);
	vg_buf_addf(&b, "%d-%s", 42, "x");
	assert_string_equal(b.data, "42-x");
	assert_int_equal(b.len, 4);
	vg_buf_release(&b);
}

static void test_buf_addf_appends_output_longer_than_capacity(void **state)
{
	char big[5000];
	struct vg_buf b;

	memset(big, 'q', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	vg_buf_init(&b);
	vg_buf_adds(&b, "head:");
	vg_buf_addf(&b, "%s:%u", big, 7u);
	assert_int_equal(b.len, 5 + 4999 + 2);
	assert_memory_equal(b.data, "head:qqq", 8);
	assert_string_equal(b.data + 5 + 4999, ":7");
	vg_buf_release(&b);
}

static void test_buf_addf_of_empty_output_changes_nothing(void **state)
{
	struct vg_buf b;

	vg_buf_init(&b);
	vg_buf_addf(&b, "%s", "");
	assert_int_equal(b.len, 0);
	assert_string_equal(b.data, "");
	vg_buf_release(&b);
}

static void test_buf_reset_empties_and_keeps_memory(void **state)
{
	struct vg_buf b;
	size_t cap;
	char *data;

	vg_buf_init(&b);
	vg_buf_adds(&b, "something long enough");
	cap = b.cap;
	data = b.data;
	vg_buf_reset(&b);
	assert_int_equal(b.len, 0);
	assert_string_equal(b.data, "");
	assert_int_equal(b.cap, cap);
	assert_ptr_equal(b.data, data);
	vg_buf_adds(&b, "again");
	assert_string_equal(b.data, "again");
	vg_buf_release(&b);
}

static void test_buf_reset_of_fresh_buffer_is_harmless(void **state)
{
	struct vg_buf b;

	vg_buf_init(&b);
	vg_buf_reset(&b);
	assert_string_equal(b.data, "");
	vg_buf_release(&b);
}

static void test_buf_release_leaves_reusable_empty_buffer(void **state)
{
	struct vg_buf b;

	vg_buf_init(&b);
	vg_buf_adds(&b, "abc");
	vg_buf_release(&b);
	assert_string_equal(b.data, "");
	assert_int_equal(b.len, 0);
	assert_int_equal(b.cap, 0);
	vg_buf_adds(&b, "def");
	assert_string_equal(b.data, "def");
	vg_buf_release(&b);
	vg_buf_release(&b);
}

static void test_buf_impossible_size_sets_sticky_oom(void **state)
{
	struct vg_buf b;

	vg_buf_init(&b);
	vg_buf_adds(&b, "kept");
	/* Overflows len + extra + 1: must fail before touching memory. */
	vg_buf_add(&b, "x", SIZE_MAX);
	assert_true(b.oom);
	assert_string_equal(b.data, "kept");
	vg_buf_adds(&b, "ignored");
	vg_buf_addc(&b, 'c');
	vg_buf_addf(&b, "%d", 1);
	assert_true(b.oom);
	assert_int_equal(b.len, 4);
	assert_string_equal(b.data, "kept");
	vg_buf_release(&b);
	assert_false(b.oom);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_buf_init_is_empty_string),
		cmocka_unit_test(test_buf_add_appends_and_keeps_nul),
		cmocka_unit_test(test_buf_add_keeps_embedded_nul),
		cmocka_unit_test(test_buf_add_of_nothing_leaves_buffer_unchanged),
		cmocka_unit_test(test_buf_addc_and_adds_append),
		cmocka_unit_test(test_buf_grows_across_many_appends),
		cmocka_unit_test(test_buf_addf_formats_onto_empty_buffer),
		cmocka_unit_test(test_buf_addf_appends_output_longer_than_capacity),
		cmocka_unit_test(test_buf_addf_of_empty_output_changes_nothing),
		cmocka_unit_test(test_buf_reset_empties_and_keeps_memory),
		cmocka_unit_test(test_buf_reset_of_fresh_buffer_is_harmless),
		cmocka_unit_test(test_buf_release_leaves_reusable_empty_buffer),
		cmocka_unit_test(test_buf_impossible_size_sets_sticky_oom),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
