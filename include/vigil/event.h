/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * vigil/event.h - the kernel/user event ABI, defined once.
 *
 * Included by the BPF programs (after vmlinux.h) and by user space (which
 * gets the __uN types from <linux/types.h>).  Every record in the ring buffer starts
 * with struct vg_event_hdr; the decoder in src/event.c checks `size` against
 * the type's minimum before it looks at anything else.
 *
 * Schema rule (Falco's): an existing event may only gain fields at its end
 * and bump its version; anything else is a new event type.
 */
#ifndef VIGIL_EVENT_H
#define VIGIL_EVENT_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

#define VG_COMM_LEN	16
#define VG_EXE_LEN	1024	/* resolved executable path */
#define VG_CGROUP_LEN	512	/* cgroup v2 path, root-relative */
#define VG_ARGS_LEN	8192	/* argv block as the kernel holds it (NUL-separated) */
#define VG_ARGS_MAX	256	/* user space splits at most this many args */

enum vg_event_type {
	VG_EV_EXEC = 1,
	VG_EV_FORK = 2,
	VG_EV_EXIT = 3,
	VG_EV_TYPE_MAX,
};

/* Current version of each event type's layout. */
#define VG_EXEC_VERSION	1
#define VG_FORK_VERSION	1
#define VG_EXIT_VERSION	1

/*
 * Why an event, or part of one, did not reach user space.  Counted per CPU
 * in the kernel (map vg_loss), summed and reported by user space.
 */
enum vg_loss_reason {
	VG_LOSS_RINGBUF_FULL = 0,	/* bpf_ringbuf_output/reserve failed */
	VG_LOSS_SCRATCH,		/* per-CPU scratch lookup failed */
	VG_LOSS_ARGS_READ,		/* argv could not be read (event sent without) */
	VG_LOSS_EXE_READ,		/* exe path walk failed (event sent without) */
	VG_LOSS_CGROUP_READ,		/* cgroup path walk failed (event sent without) */
	VG_LOSS_MAX,
};

/* Flags in vg_exec.flags */
enum vg_exec_flags {
	VG_EXEC_ARGS_TRUNCATED = 1 << 0,	/* argv longer than VG_ARGS_LEN */
	VG_EXEC_EXE_TRUNCATED = 1 << 1,		/* exe path deeper/longer than we walk */
	VG_EXEC_CGROUP_TRUNCATED = 1 << 2,	/* cgroup path deeper/longer than we walk */
};

/*
 * Who did it: filled from `current` (or, for fork, the child) in the kernel.
 * Credentials are the task's real/effective ids in the initial user ns.
 * loginuid is (u32)-1 when unset.
 */
struct vg_task_ctx {
	__u32 pid;		/* tgid */
	__u32 tid;
	__u32 ppid;		/* real parent's tgid */
	__u32 uid;
	__u32 gid;
	__u32 euid;
	__u32 egid;
	__u32 loginuid;
	__u64 cgroup_id;	/* cgroup v2 (default hierarchy) id */
	__u64 start_ns;		/* task start, ns since boot (identifies a pid's incarnation) */
	__u32 pid_ns;		/* namespace inode numbers */
	__u32 mnt_ns;
	__u32 net_ns;
	char comm[VG_COMM_LEN];
	__u32 _pad;
};

/* Common header of every ring-buffer record. */
struct vg_event_hdr {
	__u16 type;		/* enum vg_event_type */
	__u16 version;
	__u32 size;		/* bytes of the whole record, header included */
	__u64 ts_ns;		/* bpf_ktime_get_boot_ns(); user space adds the realtime offset */
	struct vg_task_ctx task;
};

/*
 * exec: sent from sched_process_exec, after the new image is in place.
 * Variable size: the record ends `args_len` bytes into `args`.
 */
struct vg_exec {
	struct vg_event_hdr hdr;
	__u32 flags;		/* enum vg_exec_flags */
	__u32 old_tid;		/* tid before exec (a non-leader thread may exec) */
	__u16 exe_len;		/* bytes in exe, without NUL */
	__u16 cgroup_len;	/* bytes in cgroup, without NUL */
	__u32 args_len;		/* bytes in args, trailing NUL included */
	__u32 args_total;	/* full size of the argv block in the process */
	__u32 _pad;
	char exe[VG_EXE_LEN];
	char cgroup[VG_CGROUP_LEN];
	char args[VG_ARGS_LEN];
};

/* fork: a new process (threads are not reported); task = the child. */
struct vg_fork {
	struct vg_event_hdr hdr;
	__u32 parent_pid;	/* the forking process (tgid) */
	__u32 parent_tid;
	__u32 clone_flags_lo;	/* reserved: 0 until a clone sensor fills it */
	__u32 _pad;
};

/* exit: the last thread of a process exited. */
struct vg_exit {
	struct vg_event_hdr hdr;
	__s32 exit_code;	/* WEXITSTATUS if exited normally, else -1 */
	__u32 signal;		/* terminating signal, 0 if none */
	__u32 core_dumped;
	__u32 _pad;
	__u64 lifetime_ns;
};

#define VG_EXEC_FIXED_SIZE	((__u32)__builtin_offsetof(struct vg_exec, args))

_Static_assert(sizeof(struct vg_task_ctx) == 80, "vg_task_ctx layout changed");
_Static_assert(sizeof(struct vg_event_hdr) == 96, "vg_event_hdr layout changed");
_Static_assert(sizeof(struct vg_fork) == 112, "vg_fork layout changed");
_Static_assert(sizeof(struct vg_exit) == 120, "vg_exit layout changed");
_Static_assert(__builtin_offsetof(struct vg_exec, args) % 8 == 0, "vg_exec args misaligned");
_Static_assert((VG_ARGS_LEN & (VG_ARGS_LEN - 1)) == 0, "VG_ARGS_LEN must be a power of two");

#endif /* VIGIL_EVENT_H */
