// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * libvgguard.so - the "vulnerable" library of test_uprobe: vg_guard_copy()
 * trusts its caller's length, as a function with a buffer-overflow CVE does.
 * Built as a shared object and dlopen()ed by guard_caller.
 */
#include <stddef.h>
#include <string.h>

#define VG_EXPORT __attribute__((visibility("default"), noinline))

/* Copy n bytes into dst, however large dst is; returns n. */
VG_EXPORT int vg_guard_copy(char *dst, const char *src, size_t n)
{
	memcpy(dst, src, n);
	return (int)n;
}

/* Something to trace: an int, a string, a return value (strlen(name) * times). */
VG_EXPORT long vg_guard_greet(int times, const char *name)
{
	return (long)strlen(name) * times;
}
