/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * hist.bpf.h - log2 histogram slots (include/vigil/sched.h, VG_HIST_SLOTS).
 */
#ifndef VIGIL_HIST_BPF_H
#define VIGIL_HIST_BPF_H

/* The slot of v: 0 for v == 0, else 1 + floor(log2(v)), capped. */
static __always_inline __u32 vg_hist_slot(__u64 v)
{
	__u32 r = 0;

	if (!v)
		return 0;
	if (v >> 32) { v >>= 32; r += 32; }
	if (v >> 16) { v >>= 16; r += 16; }
	if (v >> 8) { v >>= 8; r += 8; }
	if (v >> 4) { v >>= 4; r += 4; }
	if (v >> 2) { v >>= 2; r += 2; }
	if (v >> 1) r += 1;
	r += 1;
	return r < VG_HIST_SLOTS ? r : VG_HIST_SLOTS - 1;
}

#endif /* VIGIL_HIST_BPF_H */
