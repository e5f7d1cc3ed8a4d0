// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * bpfwatch.bpf.c - bpf sensor: other processes' bpf(2) control commands
 * (program loads, map creations, attachments, pins), one `bpf` event each.
 *
 * Syscall tracepoints: entry copies what matters of the caller's union
 * bpf_attr into vg_bpfw_pending (by thread id); exit adds the result and
 * sends the record.  Only the commands in vg_bpfw_cmds get past the first
 * test at entry: map lookups and updates, *_GET_NEXT_ID, OBJ_GET_INFO_BY_FD
 * and the other per-operation commands cost that test and, at exit, one
 * hash lookup that finds nothing.  (Testing the command at exit as well,
 * from the task's saved registers, measured no faster than that lookup.)
 *
 * What is reported is the attr the caller passed, as it was at entry: the
 * kernel copies it once, after this program ran, so a caller racing its
 * own attr from another thread could make the two differ.  The result
 * (an fd, 0 or -errno) is the kernel's.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "lib/emit.bpf.h"
#include "lib/task.bpf.h"

_Static_assert(sizeof(union bpf_attr) <= 256, "the attr copy's size is masked with 0xff");

/* 1 << enum bpf_cmd of the commands to report (VG_BPF_CMDS_CONTROL or fewer). */
const volatile __u64 vg_bpfw_cmds __weak = VG_BPF_CMDS_CONTROL;

/* Is cmd one to report?  The first thing entry asks. */
static __always_inline bool cmd_wanted(__u64 cmd)
{
	return cmd < 64 && (vg_bpfw_cmds & (1ULL << cmd));
}

/* Copy the attr's pathname (or tracepoint name) string into ev->path. */
static __always_inline void read_path(struct vg_bpf *ev, __u64 uptr)
{
	long n = bpf_probe_read_user_str(ev->path, sizeof(ev->path), (const void *)uptr);

	if (n < 0) {
		ev->path[0] = '\0';
		ev->flags |= VG_BPF_PATH_FAULT;
		vg_count_loss(VG_LOSS_PATH_READ);
	} else if (n == sizeof(ev->path)) {
		ev->flags |= VG_BPF_PATH_TRUNCATED;
	}
}

/* The fields of `cmd` from the attr copy into the record (vigil/event.h says which). */
static __always_inline void fill_fields(struct vg_bpf *ev, const union bpf_attr *a, __u32 cmd)
{
	switch (cmd) {
	case VG_BPF_PROG_LOAD:
		ev->prog_type = a->prog_type;
		ev->insn_cnt = a->insn_cnt;
		ev->attach_type = a->expected_attach_type;
		ev->attach_btf_id = a->attach_btf_id;
		ev->obj_flags = a->prog_flags;
		__builtin_memcpy(ev->name, a->prog_name, sizeof(ev->name));
		ev->name[sizeof(ev->name) - 1] = '\0';
		break;
	case VG_BPF_MAP_CREATE:
		ev->map_type = a->map_type;
		ev->key_size = a->key_size;
		ev->value_size = a->value_size;
		ev->max_entries = a->max_entries;
		ev->obj_flags = a->map_flags;
		__builtin_memcpy(ev->name, a->map_name, sizeof(ev->name));
		ev->name[sizeof(ev->name) - 1] = '\0';
		break;
	case VG_BPF_LINK_CREATE:
		ev->prog_fd = (__s32)a->link_create.prog_fd;
		ev->target_fd = (__s32)a->link_create.target_fd;
		ev->attach_type = a->link_create.attach_type;
		ev->obj_flags = a->link_create.flags;
		ev->attach_btf_id = a->link_create.target_btf_id;
		break;
	case VG_BPF_PROG_ATTACH:
	case VG_BPF_PROG_DETACH:
		ev->target_fd = (__s32)a->target_fd;
		ev->prog_fd = (__s32)a->attach_bpf_fd;
		ev->attach_type = a->attach_type;
		ev->obj_flags = a->attach_flags;
		break;
	case VG_BPF_OBJ_PIN:
	case VG_BPF_OBJ_GET:
		if (cmd == VG_BPF_OBJ_PIN)
			ev->bpf_fd = (__s32)a->bpf_fd;
		ev->obj_flags = a->file_flags;
		read_path(ev, a->pathname);
		break;
	case VG_BPF_RAW_TRACEPOINT_OPEN:
		ev->prog_fd = (__s32)a->raw_tracepoint.prog_fd;
		if (a->raw_tracepoint.name)
			read_path(ev, a->raw_tracepoint.name);
		break;
	case VG_BPF_BTF_LOAD:
		ev->btf_size = a->btf_size;
		break;
	case VG_BPF_LINK_UPDATE:
		ev->bpf_fd = (__s32)a->link_update.link_fd;
		ev->prog_fd = (__s32)a->link_update.new_prog_fd;
		ev->obj_flags = a->link_update.flags;
		break;
	case VG_BPF_LINK_DETACH:
		ev->bpf_fd = (__s32)a->link_detach.link_fd;
		break;
	case VG_BPF_ENABLE_STATS:
		ev->attach_type = a->enable_stats.type;
		break;
	case VG_BPF_TOKEN_CREATE:
		ev->target_fd = (__s32)a->token_create.bpffs_fd;
		ev->obj_flags = a->token_create.flags;
		break;
	}
}

SEC("tracepoint/syscalls/sys_enter_bpf")
int vg_bpfw_enter(struct trace_event_raw_sys_enter *ctx)
{
	struct task_struct *t = (struct task_struct *)bpf_get_current_task();
	__u32 cmd = (__u32)ctx->args[0], size, zero = 0;
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	const void *uattr = (const void *)ctx->args[1];
	struct vg_bpfw_build *b;
	struct vg_bpf *ev;

	/* The hot path: every map lookup and update of every process passes here. */
	if (!cmd_wanted(cmd))
		return 0;
	if (!vg_task_wanted(t))
		return 0;
	b = bpf_map_lookup_elem(&vg_bpfw_scratch, &zero);
	if (!b) {
		vg_count_loss(VG_LOSS_SCRATCH);
		return 0;
	}
	ev = &b->ev;
	__builtin_memset(ev, 0, sizeof(*ev));
	__builtin_memset(&b->attr_room, 0, sizeof(b->attr_room));
	ev->hdr.type = VG_EV_BPF;
	ev->hdr.version = VG_BPF_VERSION;
	ev->hdr.size = sizeof(*ev);
	ev->hdr.ts_ns = bpf_ktime_get_boot_ns();	/* entry, until exit */
	vg_task_fill(&ev->hdr.task, t);
	ev->cmd = cmd;
	ev->attr_size = (__u32)ctx->args[2];
	/* The kernel reads min(size, its attr) and requires the rest to be
	 * zero; fields past what the caller gave stay zero here too. */
	size = ev->attr_size < sizeof(b->attr) ? ev->attr_size : sizeof(b->attr);
	barrier_var(size);
	if (size && bpf_probe_read_user(&b->attr_room, size & 0xff, uattr))
		ev->flags |= VG_BPF_ATTR_FAULT;
	else
		fill_fields(ev, &b->attr, cmd);
	if (bpf_map_update_elem(&vg_bpfw_pending, &tid, ev, BPF_ANY))
		vg_count_loss(VG_LOSS_PENDING_FULL);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_bpf")
int vg_bpfw_exit(struct trace_event_raw_sys_exit *ctx)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct vg_bpf *ev;
	__u64 now;

	/* The hot path again: one lookup, a miss for every per-operation command. */
	ev = bpf_map_lookup_elem(&vg_bpfw_pending, &tid);
	if (!ev)
		return 0;	/* not a reported command, not wanted, or entry lost (counted) */
	now = bpf_ktime_get_boot_ns();
	ev->duration_ns = now - ev->hdr.ts_ns;
	ev->hdr.ts_ns = now;
	ev->result = ctx->ret;
	vg_emit(ev, sizeof(*ev), VG_EV_BPF);
	bpf_map_delete_elem(&vg_bpfw_pending, &tid);
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
