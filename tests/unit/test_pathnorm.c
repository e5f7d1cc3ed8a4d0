// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "pathnorm.h"

struct norm_case {
	const char *in;
	const char *want;
};

static void check_cases(const struct norm_case *c, size_t n)
{
	char buf[256];
	size_t i;

	for (i = 0; i < n; i++) {
		snprintf(buf, sizeof(buf), "%s", c[i].in);
		if (!vg_path_normalize(buf) || strcmp(buf, c[i].want)) {
			print_error("normalize('%s') = '%s', want '%s'\n", c[i].in, buf,
				    c[i].want);
			fail();
		}
	}
}

static void test_pathnorm_resolves_dot_dot_against_previous_component(void **state)
{
	static const struct norm_case c[] = {
		{ "/etc/../etc/shadow", "/etc/shadow" },
		{ "/a/b/../c", "/a/c" },
		{ "/a/b/c/../../d", "/a/d" },
		{ "/a/..", "/" },
		{ "/a/b/..", "/a" },
	};

	check_cases(c, sizeof(c) / sizeof(c[0]));
}

static void test_pathnorm_collapses_slashes_and_drops_dot(void **state)
{
	static const struct norm_case c[] = {
		{ "/tmp/./a//b/", "/tmp/a/b" },
		{ "//", "/" },
		{ "///etc///passwd", "/etc/passwd" },
		{ "/.", "/" },
		{ "/./././x", "/x" },
		{ "/x/.", "/x" },
	};

	check_cases(c, sizeof(c) / sizeof(c[0]));
}

static void test_pathnorm_dot_dot_never_climbs_above_root(void **state)
{
	static const struct norm_case c[] = {
		{ "/..", "/" },
		{ "/a/b/../../..", "/" },
		{ "/../../etc", "/etc" },
		{ "/a/../../b", "/b" },
	};

	check_cases(c, sizeof(c) / sizeof(c[0]));
}

static void test_pathnorm_keeps_names_that_only_look_like_dots(void **state)
{
	static const struct norm_case c[] = {
		{ "/a/.../b", "/a/.../b" },
		{ "/a/..b", "/a/..b" },
		{ "/a/b..", "/a/b.." },
		{ "/.hidden/.x", "/.hidden/.x" },
		{ "/a/.b/../c", "/a/c" },
	};

	check_cases(c, sizeof(c) / sizeof(c[0]));
}

static void test_pathnorm_leaves_normal_paths_alone(void **state)
{
	static const struct norm_case c[] = {
		{ "/", "/" },
		{ "/etc/shadow", "/etc/shadow" },
		{ "/usr/lib/x86_64-linux-gnu/libc.so.6", "/usr/lib/x86_64-linux-gnu/libc.so.6" },
	};

	check_cases(c, sizeof(c) / sizeof(c[0]));
}

static void test_pathnorm_rejects_relative_paths_unchanged(void **state)
{
	static const char *const in[] = { "relative", "./a/../b", "../x", "a//b/", "" };
	char buf[64];
	size_t i;

	for (i = 0; i < sizeof(in) / sizeof(in[0]); i++) {
		snprintf(buf, sizeof(buf), "%s", in[i]);
		assert_false(vg_path_normalize(buf));
		assert_string_equal(buf, in[i]);
	}
	assert_false(vg_path_normalize(NULL));
}

/* A heap copy of exactly strlen + 1 bytes: ASan catches any overrun. */
static void test_pathnorm_stays_inside_the_string(void **state)
{
	char *p = strdup("/a/./b//../c/");

	assert_non_null(p);
	assert_true(vg_path_normalize(p));
	assert_string_equal(p, "/a/c");
	free(p);
}

struct under_case {
	const char *path;
	const char *dir;
	bool want;
};

static void test_pathnorm_under_matches_dir_and_its_children_only(void **state)
{
	static const struct under_case c[] = {
		{ "/etc", "/etc", true },
		{ "/etc/shadow", "/etc", true },
		{ "/etc/ssh/sshd_config", "/etc", true },
		{ "/etcx", "/etc", false },
		{ "/etcx/passwd", "/etc", false },
		{ "/et", "/etc", false },
		{ "/", "/etc", false },
		{ "/usr/etc", "/etc", false },
		{ "/etc/ssh", "/etc/ssh/", true },
		{ "/etc", "", false },
	};
	size_t i;

	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		if (vg_path_under(c[i].path, c[i].dir) != c[i].want) {
			print_error("under('%s', '%s') != %d\n", c[i].path, c[i].dir,
				    c[i].want);
			fail();
		}
	}
}

static void test_pathnorm_root_contains_every_absolute_path(void **state)
{
	assert_true(vg_path_under("/", "/"));
	assert_true(vg_path_under("/etc", "/"));
	assert_true(vg_path_under("/a/b/c", "/"));
	assert_false(vg_path_under("relative", "/"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pathnorm_resolves_dot_dot_against_previous_component),
		cmocka_unit_test(test_pathnorm_collapses_slashes_and_drops_dot),
		cmocka_unit_test(test_pathnorm_dot_dot_never_climbs_above_root),
		cmocka_unit_test(test_pathnorm_keeps_names_that_only_look_like_dots),
		cmocka_unit_test(test_pathnorm_leaves_normal_paths_alone),
		cmocka_unit_test(test_pathnorm_rejects_relative_paths_unchanged),
		cmocka_unit_test(test_pathnorm_stays_inside_the_string),
		cmocka_unit_test(test_pathnorm_under_matches_dir_and_its_children_only),
		cmocka_unit_test(test_pathnorm_root_contains_every_absolute_path),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
