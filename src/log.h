/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * log.h - the one logging function.  Messages go to stderr as
 * "vigil: <level>: <message>"; lowercase, failure first, subject quoted:
 *     vg_error("cannot open '%s': %s", path, strerror(errno));
 */
#ifndef VIGIL_LOG_H
#define VIGIL_LOG_H

#include <stdarg.h>

enum vg_log_level {
	VG_LOG_NONE = -1,	/* nothing at all (fuzzers) */
	VG_LOG_ERROR = 0,
	VG_LOG_WARN,
	VG_LOG_INFO,
	VG_LOG_DEBUG,
};

void vg_log_set_level(enum vg_log_level level);
enum vg_log_level vg_log_get_level(void);
/* One -v: info -> debug; two: libbpf's debug output too. */
void vg_log_more_verbose(void);

void vg_log(enum vg_log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void vg_vlog(enum vg_log_level level, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));

/* Logs at error level and returns -1, for `return vg_error(...)`. */
int vg_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#define vg_warn(...)	vg_log(VG_LOG_WARN, __VA_ARGS__)
#define vg_info(...)	vg_log(VG_LOG_INFO, __VA_ARGS__)
#define vg_debug(...)	vg_log(VG_LOG_DEBUG, __VA_ARGS__)

/* Route libbpf's messages into vg_log (warnings and above; debug with -v -v). */
void vg_log_hook_libbpf(void);

#endif /* VIGIL_LOG_H */
