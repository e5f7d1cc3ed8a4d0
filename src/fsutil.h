/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * fsutil.h - whole small files: the knobs of cgroupfs, procfs, sysfs and
 * securityfs, written or read in one go.
 */
#ifndef VIGIL_FSUTIL_H
#define VIGIL_FSUTIL_H

#include <stddef.h>
#include <sys/types.h>

/*
 * Write `s` (without its NUL) to the existing file `path` in one write(2),
 * as a kernel knob wants it ("1" to cgroup.freeze, a pid to cgroup.procs).
 * Returns 0, -errno (the kernel's answer to open or write: a knob refuses a
 * value with the write's errno), or -EIO when the write was short.
 */
int vg_write_file(const char *path, const char *s);

/*
 * Read `path` into buf, at most len - 1 bytes (len > 0), NUL-terminated; a
 * read interrupted by a signal is retried.  Returns the length, or -errno
 * with buf "".  Text is kept as it is, trailing newline included.
 */
ssize_t vg_read_file(const char *path, char *buf, size_t len);

#endif /* VIGIL_FSUTIL_H */
