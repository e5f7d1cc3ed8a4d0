// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * block.bpf.c - block I/O latency and size per device and per process,
 * aggregated here, and one `block` event per request slower than the
 * threshold (include/vigil/sched.h).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "lib/emit.bpf.h"
#include "lib/hist.bpf.h"

/* A request slower than this (issue to completion) is an event; 0: none. */
const volatile __u64 vg_block_slow_ns __weak = 0;

#define REQ_OP_BITS 8
#define REQ_OP_READ 0
#define REQ_OP_WRITE 1
#define REQ_OP_FLUSH 2
#define REQ_OP_DISCARD 3

static __always_inline __u32 block_op(struct request *rq)
{
	switch (BPF_CORE_READ(rq, cmd_flags) & ((1u << REQ_OP_BITS) - 1)) {
	case REQ_OP_READ:
		return VG_BLOCK_READ;
	case REQ_OP_WRITE:
		return VG_BLOCK_WRITE;
	case REQ_OP_FLUSH:
		return VG_BLOCK_FLUSH;
	case REQ_OP_DISCARD:
		return VG_BLOCK_DISCARD;
	default:
		return VG_BLOCK_OTHER;
	}
}

/* Started: attributed to the task starting it. */
static __always_inline int on_start(struct request *rq)
{
	struct task_struct *t = bpf_get_current_task_btf();
	struct vg_block_inflight f = {};
	__u64 key = (__u64)rq;
	__u64 id = bpf_get_current_pid_tgid();

	f.start_ns = bpf_ktime_get_ns();
	f.pid = id >> 32;
	f.tid = (__u32)id;
	f.cgroup_id = BPF_CORE_READ(t, cgroups, dfl_cgrp, kn, id);
	bpf_get_current_comm(&f.comm, sizeof(f.comm));
	bpf_map_update_elem(&vg_block_inflight, &key, &f, BPF_ANY);
	return 0;
}

static __always_inline int on_issue(struct request *rq)
{
	__u64 key = (__u64)rq;
	struct vg_block_inflight *f = bpf_map_lookup_elem(&vg_block_inflight, &key);

	if (f)
		f->issue_ns = bpf_ktime_get_ns();
	return 0;
}

static __always_inline void account(struct vg_block_stat *st, __u32 dir, __u32 bytes,
				    __u64 lat, __u64 queue)
{
	if (!st)
		return;
	__sync_fetch_and_add(&st->count[dir & 1], 1);
	__sync_fetch_and_add(&st->bytes[dir & 1], bytes);
	__sync_fetch_and_add(&st->latency_ns, lat);
	__sync_fetch_and_add(&st->queue_ns, queue);
	__sync_fetch_and_add(&st->latency_hist[vg_hist_slot(lat / 1000) & (VG_HIST_SLOTS - 1)], 1);
	__sync_fetch_and_add(&st->size_hist[vg_hist_slot(bytes) & (VG_HIST_SLOTS - 1)], 1);
}

/* A new entry's value (too large for the stack). */
static const struct vg_block_stat block_zero;

static __always_inline struct vg_block_stat *stat_of(void *map, const void *key)
{
	struct vg_block_stat *st = bpf_map_lookup_elem(map, key);

	if (st)
		return st;
	bpf_map_update_elem(map, key, &block_zero, BPF_NOEXIST);
	return bpf_map_lookup_elem(map, key);
}

static __always_inline int on_complete(struct request *rq, int error, unsigned int nr_bytes)
{
	__u64 key = (__u64)rq, now = bpf_ktime_get_ns(), lat, queue;
	struct vg_block_inflight *f = bpf_map_lookup_elem(&vg_block_inflight, &key);
	struct gendisk *disk = BPF_CORE_READ(rq, q, disk);
	__u32 dev, op = block_op(rq), dir = op == VG_BLOCK_READ ? 0 : 1;
	struct vg_block_stat *st;

	if (!f)
		return 0;	/* started before vigil, or not a tracked request */
	if (!f->issue_ns)
		f->issue_ns = f->start_ns;
	lat = now > f->issue_ns ? now - f->issue_ns : 0;
	queue = f->issue_ns - f->start_ns;
	dev = ((__u32)BPF_CORE_READ(disk, major) << 20) | (__u32)BPF_CORE_READ(disk, first_minor);
	st = stat_of(&vg_block_devs, &dev);
	if (st) {
		if (!st->name[0])
			BPF_CORE_READ_STR_INTO(&st->name, disk, disk_name);
		account(st, dir, nr_bytes, lat, queue);
	}
	st = stat_of(&vg_block_procs, &f->pid);
	if (st) {
		__builtin_memcpy(st->name, f->comm, sizeof(f->comm));
		st->cgroup_id = f->cgroup_id;
		account(st, dir, nr_bytes, lat, queue);
	}
	if (vg_block_slow_ns && lat >= vg_block_slow_ns) {
		struct vg_block e = {};

		e.hdr.type = VG_EV_BLOCK;
		e.hdr.version = VG_BLOCK_VERSION;
		e.hdr.size = sizeof(e);
		e.hdr.ts_ns = bpf_ktime_get_boot_ns();
		e.hdr.task.pid = f->pid;
		e.hdr.task.tid = f->tid;
		e.hdr.task.cgroup_id = f->cgroup_id;
		__builtin_memcpy(e.hdr.task.comm, f->comm, sizeof(f->comm));
		e.dev = dev;
		e.op = op;
		e.sector = BPF_CORE_READ(rq, __sector);
		e.bytes = nr_bytes;
		e.error = error;
		e.queue_ns = queue;
		e.latency_ns = lat;
		BPF_CORE_READ_STR_INTO(&e.disk, disk, disk_name);
		vg_emit(&e, sizeof(e), VG_EV_BLOCK);
	}
	bpf_map_delete_elem(&vg_block_inflight, &key);
	return 0;
}

SEC("tp_btf/block_io_start")
int BPF_PROG(vg_bio_start_btf, struct request *rq)
{
	return on_start(rq);
}

SEC("raw_tp/block_io_start")
int BPF_PROG(vg_bio_start_raw, struct request *rq)
{
	return on_start(rq);
}

SEC("tp_btf/block_rq_issue")
int BPF_PROG(vg_bio_issue_btf, struct request *rq)
{
	return on_issue(rq);
}

SEC("raw_tp/block_rq_issue")
int BPF_PROG(vg_bio_issue_raw, struct request *rq)
{
	return on_issue(rq);
}

SEC("tp_btf/block_rq_complete")
int BPF_PROG(vg_bio_done_btf, struct request *rq, int error, unsigned int nr_bytes)
{
	return on_complete(rq, error, nr_bytes);
}

SEC("raw_tp/block_rq_complete")
int BPF_PROG(vg_bio_done_raw, struct request *rq, int error, unsigned int nr_bytes)
{
	return on_complete(rq, error, nr_bytes);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
