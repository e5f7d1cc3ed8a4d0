// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "argv.h"

#define split(lit, out, max, trunc) \
	vg_argv_split(lit, sizeof(lit) - 1, out, max, trunc)

static void assert_arg(const struct vg_str *a, const char *want)
{
	assert_int_equal(a->len, strlen(want));
	assert_memory_equal(a->ptr, want, a->len);
}

static void test_argv_splits_nul_terminated_args(void **state)
{
	struct vg_str a[8];
	bool trunc = true;

	assert_int_equal(split("ls\0-l\0/tmp\0", a, 8, &trunc), 3);
	assert_false(trunc);
	assert_arg(&a[0], "ls");
	assert_arg(&a[1], "-l");
	assert_arg(&a[2], "/tmp");
}

static void test_argv_points_into_the_block(void **state)
{
	static const char block[] = "sh\0-c\0";
	struct vg_str a[2];
	bool trunc;

	assert_int_equal(vg_argv_split(block, sizeof(block) - 1, a, 2, &trunc), 2);
	assert_ptr_equal(a[0].ptr, block);
	assert_ptr_equal(a[1].ptr, block + 3);
}

static void test_argv_empty_block_gives_no_args(void **state)
{
	struct vg_str a[4];
	bool trunc = true;

	assert_int_equal(vg_argv_split("", 0, a, 4, &trunc), 0);
	assert_false(trunc);
	trunc = true;
	assert_int_equal(vg_argv_split(NULL, 0, a, 4, &trunc), 0);
	assert_false(trunc);
}

static void test_argv_cut_last_arg_is_returned_partial_and_truncated(void **state)
{
	struct vg_str a[8];
	bool trunc = false;

	assert_int_equal(split("cat\0/etc/pas", a, 8, &trunc), 2);
	assert_true(trunc);
	assert_arg(&a[0], "cat");
	assert_arg(&a[1], "/etc/pas");
}

static void test_argv_block_without_any_nul_is_one_truncated_arg(void **state)
{
	struct vg_str a[4];
	bool trunc = false;

	assert_int_equal(split("abcdef", a, 4, &trunc), 1);
	assert_true(trunc);
	assert_arg(&a[0], "abcdef");
}

static void test_argv_more_args_than_max_is_truncated(void **state)
{
	struct vg_str a[2];
	bool trunc = false;

	assert_int_equal(split("a\0b\0c\0d\0", a, 2, &trunc), 2);
	assert_true(trunc);
	assert_arg(&a[0], "a");
	assert_arg(&a[1], "b");
}

static void test_argv_exactly_max_args_is_not_truncated(void **state)
{
	struct vg_str a[3];
	bool trunc = true;

	assert_int_equal(split("a\0b\0c\0", a, 3, &trunc), 3);
	assert_false(trunc);
}

static void test_argv_max_zero_stores_nothing_and_truncates(void **state)
{
	bool trunc = false;

	assert_int_equal(vg_argv_split("a\0", 2, NULL, 0, &trunc), 0);
	assert_true(trunc);
}

static void test_argv_keeps_empty_args_between_nuls(void **state)
{
	struct vg_str a[8];
	bool trunc = true;

	assert_int_equal(split("echo\0\0x\0\0", a, 8, &trunc), 4);
	assert_false(trunc);
	assert_arg(&a[0], "echo");
	assert_arg(&a[1], "");
	assert_arg(&a[2], "x");
	assert_arg(&a[3], "");
}

static void test_argv_single_nul_is_one_empty_arg(void **state)
{
	struct vg_str a[2];
	bool trunc = true;

	assert_int_equal(split("\0", a, 2, &trunc), 1);
	assert_false(trunc);
	assert_arg(&a[0], "");
}

static void test_argv_accepts_null_truncated_flag(void **state)
{
	struct vg_str a[1];

	assert_int_equal(split("a\0b\0", a, 1, NULL), 1);
	assert_arg(&a[0], "a");
}

/* Heap block of exactly `len` bytes: ASan catches a read past its end. */
static void test_argv_reads_nothing_past_the_block(void **state)
{
	struct vg_str a[4];
	bool trunc = false;
	char *block;

	block = malloc(5);
	assert_non_null(block);
	memcpy(block, "ab\0cd", 5);
	assert_int_equal(vg_argv_split(block, 5, a, 4, &trunc), 2);
	assert_true(trunc);
	assert_arg(&a[1], "cd");
	free(block);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_argv_splits_nul_terminated_args),
		cmocka_unit_test(test_argv_points_into_the_block),
		cmocka_unit_test(test_argv_empty_block_gives_no_args),
		cmocka_unit_test(test_argv_cut_last_arg_is_returned_partial_and_truncated),
		cmocka_unit_test(test_argv_block_without_any_nul_is_one_truncated_arg),
		cmocka_unit_test(test_argv_more_args_than_max_is_truncated),
		cmocka_unit_test(test_argv_exactly_max_args_is_not_truncated),
		cmocka_unit_test(test_argv_max_zero_stores_nothing_and_truncates),
		cmocka_unit_test(test_argv_keeps_empty_args_between_nuls),
		cmocka_unit_test(test_argv_single_nul_is_one_empty_arg),
		cmocka_unit_test(test_argv_accepts_null_truncated_flag),
		cmocka_unit_test(test_argv_reads_nothing_past_the_block),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
