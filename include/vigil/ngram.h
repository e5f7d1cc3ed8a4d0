/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * vigil/ngram.h - syscall n-grams as both sides see them, defined once.
 *
 * A window is the last n syscall numbers of a task, oldest first.  Its key
 * is a 64-bit FNV-1a hash of the numbers (each as 2 little-endian bytes:
 * syscall numbers are below 65536), seeded with the window length so that
 * windows of different lengths never share a key.  The BPF detector
 * (bpf/profile/) and the user-space model (src/model.c) call the same
 * function, so a profile learned from traces and one learned live check
 * the same keys.
 */
#ifndef VIGIL_NGRAM_H
#define VIGIL_NGRAM_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

#define VG_NGRAM_MAX		8	/* the longest window */
#define VG_NGRAM_DEFAULT	6	/* the window the detector uses unless told */
#define VG_SYSCALL_NR_MAX	1024	/* syscall numbers are below this */

#define VG_FNV64_OFFSET	0xcbf29ce484222325ULL
#define VG_FNV64_PRIME	0x100000001b3ULL

static inline __u64 vg_ngram_hash_begin(__u32 len)
{
	return (VG_FNV64_OFFSET ^ (__u64)len) * VG_FNV64_PRIME;
}

static inline __u64 vg_ngram_hash_step(__u64 h, __u32 nr)
{
	h = (h ^ (nr & 0xff)) * VG_FNV64_PRIME;
	return (h ^ ((nr >> 8) & 0xff)) * VG_FNV64_PRIME;
}

#endif /* VIGIL_NGRAM_H */
