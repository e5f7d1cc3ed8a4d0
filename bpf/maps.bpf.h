/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * maps.bpf.h - every map vigil's programs share.
 *
 * Definitions are __weak so each program file can include this header and
 * `bpftool gen object` links them into one map each.
 */
#ifndef VIGIL_MAPS_BPF_H
#define VIGIL_MAPS_BPF_H

#include "vigil/event.h"

/* Events to user space.  Writer: every sensor (lib/emit.bpf.h).
 * Reader: src/ringbuf.c.  Size set by user space before load. */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 8 << 20);
} vg_events SEC(".maps") __weak;

/* Lost events and lost event parts, per reason (enum vg_loss_reason).
 * Writer: lib/emit.bpf.h and the sensors.  Reader: src/stats.c. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, VG_LOSS_MAX);
	__type(key, __u32);
	__type(value, __u64);
} vg_loss SEC(".maps") __weak;

/* Events emitted, per type.  Writer: lib/emit.bpf.h.  Reader: src/stats.c. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, VG_EV_TYPE_MAX);
	__type(key, __u32);
	__type(value, __u64);
} vg_sent SEC(".maps") __weak;

/* Per-CPU scratch space for records too large for the 512-byte BPF stack.
 * Writer and reader: the program running on that CPU, within one run. */
#define VG_PATH_BUF	1024	/* power of two; >= VG_EXE_LEN and VG_CGROUP_LEN */

/* State of a path walk (lib/path.bpf.h).  Kept here, not on the stack: the
 * verifier treats values loaded from a map as unknown, so a bpf_loop step
 * is verified once instead of once per distinct offset. */
struct vg_walk {
	__u64 dentry;		/* struct dentry * */
	__u64 vfsmnt;		/* struct vfsmount * */
	__u64 mnt;		/* struct mount * */
	__u64 kn;		/* struct kernfs_node * */
	__u32 off;
	__u32 truncated;
};

struct vg_scratch {
	struct vg_exec exec;
	struct vg_walk walk;
	char path[2 * VG_PATH_BUF];
	char name[256];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct vg_scratch);
} vg_scratch_map SEC(".maps") __weak;

#endif /* VIGIL_MAPS_BPF_H */
