// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * shell.bpf.c - the shell preset: each command line an interactive bash
 * reads (docs/tls.md#shell-command-lines).
 *
 * src/preset.c attaches vg_shell_readline as a uretprobe to readline() of
 * each bash binary (bash links its own copy of GNU readline and exports it).
 * readline() returns the line the user typed and edited, without the
 * newline, in a malloc()ed buffer; the program copies it with the login uid
 * and audit session (task context) and the controlling terminal.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "lib/task.bpf.h"
#include "lib/emit.bpf.h"

/* The record being built: larger than the stack. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct vg_shell);
} vg_shell_scratch SEC(".maps");

static __always_inline __u32 shell_sessionid(struct task_struct *t)
{
	/* like loginuid, only with CONFIG_AUDIT(SYSCALL) */
	if (bpf_core_field_exists(t->sessionid))
		return BPF_CORE_READ(t, sessionid);
	return (__u32)-1;
}

SEC("uretprobe")
int vg_shell_readline(struct pt_regs *ctx)
{
	const char *line = (const char *)PT_REGS_RC(ctx);
	struct task_struct *t = bpf_get_current_task_btf();
	struct tty_struct *tty;
	struct vg_shell *e;
	__u32 zero = 0, len;
	char last = 0;
	long n;

	/* NULL: end of input (Ctrl-D), nothing typed */
	if (!line || !vg_task_wanted(t))
		return 0;
	e = bpf_map_lookup_elem(&vg_shell_scratch, &zero);
	if (!e) {
		vg_count_loss(VG_LOSS_SCRATCH);
		return 0;
	}
	n = bpf_probe_read_user_str(e->line, VG_SHELL_LINE_LEN, line);
	if (n <= 1)
		return 0;	/* an empty line (or unreadable): not a command */
	len = (__u32)(n - 1) & (VG_SHELL_LINE_LEN - 1);
	e->flags = 0;
	/* the buffer is full: is there more after it? */
	if (n == VG_SHELL_LINE_LEN &&
	    !bpf_probe_read_user(&last, 1, line + VG_SHELL_LINE_LEN - 1) && last)
		e->flags |= VG_SHELL_LINE_TRUNCATED;
	e->hdr.type = VG_EV_SHELL;
	e->hdr.version = VG_SHELL_VERSION;
	e->hdr.ts_ns = bpf_ktime_get_boot_ns();
	vg_task_fill(&e->hdr.task, t);
	e->sessionid = shell_sessionid(t);
	e->line_len = (__u16)len;
	__builtin_memset(e->tty, 0, sizeof(e->tty));
	tty = BPF_CORE_READ(t, signal, tty);
	if (tty)
		BPF_CORE_READ_STR_INTO(&e->tty, tty, name);
	e->hdr.size = VG_SHELL_FIXED_SIZE + len + 1;
	vg_emit(e, VG_SHELL_FIXED_SIZE + len + 1, VG_EV_SHELL);
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
