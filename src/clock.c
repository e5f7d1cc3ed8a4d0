// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#include <stdio.h>
#include <time.h>

#include "clock.h"

static int64_t ts_ns(const struct timespec *ts)
{
	return (int64_t)ts->tv_sec * 1000000000LL + ts->tv_nsec;
}

void vg_clock_sync(struct vg_clock *c)
{
	struct timespec b1, r, b2;

	/* Bracket the realtime read to halve the error of the pair. */
	clock_gettime(CLOCK_BOOTTIME, &b1);
	clock_gettime(CLOCK_REALTIME, &r);
	clock_gettime(CLOCK_BOOTTIME, &b2);
	c->boot_to_real_ns = ts_ns(&r) - (ts_ns(&b1) + ts_ns(&b2)) / 2;
}

uint64_t vg_clock_to_real(const struct vg_clock *c, uint64_t boot_ns)
{
	return (uint64_t)((int64_t)boot_ns + c->boot_to_real_ns);
}

uint64_t vg_clock_now_boot(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_BOOTTIME, &ts);
	return (uint64_t)ts_ns(&ts);
}

void vg_format_rfc3339(uint64_t real_ns, char out[VG_RFC3339_LEN])
{
	time_t sec = (time_t)(real_ns / 1000000000ULL);
	char date[24];
	struct tm tm;

	gmtime_r(&sec, &tm);
	strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(out, VG_RFC3339_LEN, "%.19s.%09uZ", date, (unsigned)(real_ns % 1000000000ULL));
}
