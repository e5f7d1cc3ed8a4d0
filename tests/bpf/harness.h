/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * harness.h - root integration tests in the style of selftests/bpf test_progs.
 *
 * A test file defines test functions and a table:
 *
 *     static void test_exec_true(void) { ... ASSERT_EQ(a, b, "pid"); ... }
 *     static const struct vg_test tests[] = { VG_TEST(test_exec_true), {} };
 *     VG_TEST_MAIN(tests)
 *
 * ASSERT_* print actual vs expected and mark the current test failed; they
 * return a bool so a test can stop early (`if (!ASSERT_OK(...)) return;`).
 * test__skip() marks the test skipped (only where the kernel lacks a
 * feature) and the reason is printed.  Output ends with the plain
 * "N passed, N failed, N skipped" line CI reads.
 */
#ifndef VIGIL_TEST_HARNESS_H
#define VIGIL_TEST_HARNESS_H

#include <errno.h>
#include <fnmatch.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct vg_test {
	const char *name;
	void (*fn)(void);
};

#define VG_TEST(f) { #f, f }

static int vg_test_failed_now;
static int vg_test_skipped_now;
static const char *vg_test_current;

static inline void test__skip(const char *why)
{
	vg_test_skipped_now = 1;
	printf("  SKIP %s: %s\n", vg_test_current, why);
}

static inline bool vg_test_check(bool ok, const char *file, int line, const char *what,
				 const char *fmt, ...) __attribute__((format(printf, 5, 6)));
static inline bool vg_test_check(bool ok, const char *file, int line, const char *what,
				 const char *fmt, ...)
{
	va_list ap;

	if (ok)
		return true;
	vg_test_failed_now = 1;
	printf("  FAIL %s:%d: %s: ", file, line, what);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	return false;
}

#define ASSERT_TRUE(c, what) \
	vg_test_check(!!(c), __FILE__, __LINE__, what, "expected true: %s", #c)
#define ASSERT_FALSE(c, what) \
	vg_test_check(!(c), __FILE__, __LINE__, what, "expected false: %s", #c)
#define ASSERT_EQ(a, b, what) ({ \
	long long _a = (long long)(a), _b = (long long)(b); \
	vg_test_check(_a == _b, __FILE__, __LINE__, what, \
		      "actual %lld != expected %lld", _a, _b); })
#define ASSERT_NEQ(a, b, what) ({ \
	long long _a = (long long)(a), _b = (long long)(b); \
	vg_test_check(_a != _b, __FILE__, __LINE__, what, \
		      "actual %lld == unexpected %lld", _a, _b); })
#define ASSERT_GE(a, b, what) ({ \
	long long _a = (long long)(a), _b = (long long)(b); \
	vg_test_check(_a >= _b, __FILE__, __LINE__, what, \
		      "actual %lld < expected minimum %lld", _a, _b); })
#define ASSERT_LE(a, b, what) ({ \
	long long _a = (long long)(a), _b = (long long)(b); \
	vg_test_check(_a <= _b, __FILE__, __LINE__, what, \
		      "actual %lld > expected maximum %lld", _a, _b); })
#define ASSERT_OK(err, what) ({ \
	long long _e = (long long)(err); \
	vg_test_check(_e == 0, __FILE__, __LINE__, what, \
		      "unexpected error %lld (%s)", _e, _e < 0 ? strerror((int)-_e) : "-"); })
#define ASSERT_OK_PTR(p, what) \
	vg_test_check((p) != NULL, __FILE__, __LINE__, what, "unexpected NULL (%s)", strerror(errno))
#define ASSERT_STREQ(a, b, what) ({ \
	const char *_a = (a), *_b = (b); \
	vg_test_check(_a && _b && strcmp(_a, _b) == 0, __FILE__, __LINE__, what, \
		      "actual \"%s\" != expected \"%s\"", _a ? _a : "(null)", _b ? _b : "(null)"); })

/* VG_TEST_FILTER=glob runs only matching tests. */
#define VG_TEST_MAIN(table) \
int main(void) \
{ \
	const char *filter = getenv("VG_TEST_FILTER"); \
	int passed = 0, failed = 0, skipped = 0; \
	setvbuf(stdout, NULL, _IOLBF, 0); \
	if (geteuid() != 0) { \
		printf("integration tests need root\n0 passed, 1 failed\n"); \
		return 1; \
	} \
	for (const struct vg_test *t = table; t->name; t++) { \
		if (filter && fnmatch(filter, t->name, 0)) \
			continue; \
		vg_test_current = t->name; \
		vg_test_failed_now = vg_test_skipped_now = 0; \
		t->fn(); \
		if (vg_test_failed_now) { \
			failed++; \
			printf("#%s:FAIL\n", t->name); \
		} else if (vg_test_skipped_now) { \
			skipped++; \
			printf("#%s:SKIP\n", t->name); \
		} else { \
			passed++; \
			printf("#%s:OK\n", t->name); \
		} \
	} \
	printf("%d passed, %d failed, %d skipped\n", passed, failed, skipped); \
	return failed ? 1 : 0; \
}

#endif /* VIGIL_TEST_HARNESS_H */
