// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#include <stdio.h>
#include <string.h>
#include <bpf/libbpf.h>

#include "log.h"

static enum vg_log_level log_level = VG_LOG_INFO;

static const char *const level_names[] = {
	[VG_LOG_ERROR] = "error",
	[VG_LOG_WARN] = "warning",
	[VG_LOG_INFO] = "info",
	[VG_LOG_DEBUG] = "debug",
};

void vg_log_set_level(enum vg_log_level level)
{
	log_level = level;
}

static int libbpf_debug;

void vg_log_more_verbose(void)
{
	if (log_level < VG_LOG_DEBUG)
		log_level++;
	else
		libbpf_debug = 1;
}

enum vg_log_level vg_log_get_level(void)
{
	return log_level;
}

void vg_vlog(enum vg_log_level level, const char *fmt, va_list ap)
{
	if (level > log_level)
		return;
	fprintf(stderr, "vigil: %s: ", level_names[level]);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void vg_log(enum vg_log_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vg_vlog(level, fmt, ap);
	va_end(ap);
}

int vg_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vg_vlog(VG_LOG_ERROR, fmt, ap);
	va_end(ap);
	return -1;
}

__attribute__((format(printf, 2, 0)))
static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	char line[1024];
	size_t n;

	/* libbpf's warnings are detail behind our own one-line errors: shown
	 * with -v; its debug output with -v -v. */
	if (log_level < VG_LOG_DEBUG || (level == LIBBPF_DEBUG && !libbpf_debug))
		return 0;
	vsnprintf(line, sizeof(line), fmt, ap);
	n = strlen(line);
	if (n && line[n - 1] == '\n')
		line[n - 1] = '\0';
	fprintf(stderr, "vigil: libbpf: %s\n", line);
	return 0;
}

void vg_log_hook_libbpf(void)
{
	libbpf_set_print(libbpf_print);
}
