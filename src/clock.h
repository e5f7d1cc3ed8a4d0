/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * clock.h - kernel timestamps (CLOCK_BOOTTIME ns) to wall-clock time.
 */
#ifndef VIGIL_CLOCK_H
#define VIGIL_CLOCK_H

#include <stddef.h>
#include <stdint.h>

struct vg_clock {
	int64_t boot_to_real_ns;	/* realtime = boottime + this */
};

/* Sample both clocks; call again now and then to follow clock steps. */
void vg_clock_sync(struct vg_clock *c);
uint64_t vg_clock_to_real(const struct vg_clock *c, uint64_t boot_ns);
uint64_t vg_clock_now_boot(void);

/* RFC 3339 UTC with nanoseconds: "2026-11-21T10:40:24.123456789Z" (31 bytes + NUL). */
#define VG_RFC3339_LEN 32
void vg_format_rfc3339(uint64_t real_ns, char out[VG_RFC3339_LEN]);

#endif /* VIGIL_CLOCK_H */
