/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * emit.bpf.h - send a record to user space, counting every loss.
 */
#ifndef VIGIL_EMIT_BPF_H
#define VIGIL_EMIT_BPF_H

#include "../maps.bpf.h"
#include "config.bpf.h"

static __always_inline void vg_count(void *map, __u32 key)
{
	__u64 *v = bpf_map_lookup_elem(map, &key);

	if (v)
		*v += 1;	/* per-CPU slot: no atomics needed */
}

static __always_inline void vg_count_loss(__u32 reason)
{
	vg_count(&vg_loss, reason);
}

/*
 * Batched wakeups: waking the reader costs ~10 us per event (an IRQ-work
 * interrupt), far more than the probe.  Below the threshold the record is
 * committed silently and user space picks it up on its next timed poll.
 */
static __always_inline __u64 vg_wakeup_flag(void)
{
	if (vg_wakeup_bytes == 0)
		return 0;
	if (bpf_ringbuf_query(&vg_events, BPF_RB_AVAIL_DATA) >= vg_wakeup_bytes)
		return BPF_RB_FORCE_WAKEUP;
	return BPF_RB_NO_WAKEUP;
}

/* Copy a record of `size` bytes (size <= max, known to the verifier). */
static __always_inline int vg_emit(void *rec, __u32 size, __u16 type)
{
	if (bpf_ringbuf_output(&vg_events, rec, size, vg_wakeup_flag())) {
		vg_count_loss(VG_LOSS_RINGBUF_FULL);
		return -1;
	}
	vg_count(&vg_sent, type);
	return 0;
}

static __always_inline struct vg_scratch *vg_scratch(void)
{
	__u32 zero = 0;
	struct vg_scratch *s = bpf_map_lookup_elem(&vg_scratch_map, &zero);

	if (!s)
		vg_count_loss(VG_LOSS_SCRATCH);
	return s;
}

#endif /* VIGIL_EMIT_BPF_H */
