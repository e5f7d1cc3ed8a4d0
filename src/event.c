// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "event.h"

struct event_type_info {
	const char *kind;
	uint16_t version;
	uint32_t min_size;
	uint32_t max_size;
};

static const struct event_type_info event_types[VG_EV_TYPE_MAX] = {
	[VG_EV_EXEC] = { "exec", VG_EXEC_VERSION, VG_EXEC_FIXED_SIZE, sizeof(struct vg_exec) },
	[VG_EV_FORK] = { "fork", VG_FORK_VERSION, sizeof(struct vg_fork), sizeof(struct vg_fork) },
	[VG_EV_EXIT] = { "exit", VG_EXIT_VERSION, sizeof(struct vg_exit), sizeof(struct vg_exit) },
	[VG_EV_FILE] = { "file", VG_FILE_VERSION, VG_FILE_FIXED_SIZE + 1, sizeof(struct vg_file) },
	[VG_EV_PRIV] = { "priv", VG_PRIV_VERSION, sizeof(struct vg_priv), sizeof(struct vg_priv) },
	[VG_EV_NET] = { "net", VG_NET_VERSION, VG_NET_FIXED_SIZE, sizeof(struct vg_net) },
	[VG_EV_FLOW] = { "flow", VG_FLOW_VERSION, sizeof(struct vg_flow), sizeof(struct vg_flow) },
	[VG_EV_ANOMALY] = { "anomaly", VG_ANOMALY_VERSION, sizeof(struct vg_anomaly),
			     sizeof(struct vg_anomaly) },
	[VG_EV_SYSCALL] = { "syscall", VG_SYSCALL_VERSION, sizeof(struct vg_syscall),
			     sizeof(struct vg_syscall) },
	[VG_EV_OOM] = { "oom", VG_OOM_VERSION, sizeof(struct vg_oom), sizeof(struct vg_oom) },
	[VG_EV_BLOCK] = { "block", VG_BLOCK_VERSION, sizeof(struct vg_block), sizeof(struct vg_block) },
	[VG_EV_SCHED] = { "sched", VG_SCHED_VERSION, sizeof(struct vg_sched), sizeof(struct vg_sched) },
	[VG_EV_UPROBE] = { "uprobe", VG_UPROBE_VERSION, sizeof(struct vg_uprobe),
			    sizeof(struct vg_uprobe) },
	[VG_EV_BPF] = { "bpf", VG_BPF_VERSION, sizeof(struct vg_bpf), sizeof(struct vg_bpf) },
	[VG_EV_GPU] = { "gpu", VG_GPU_VERSION, sizeof(struct vg_gpu), sizeof(struct vg_gpu) },
	[VG_EV_TLS] = { "tls", VG_TLS_VERSION, VG_TLS_FIXED_SIZE, sizeof(struct vg_tls) },
	[VG_EV_SHELL] = { "shell", VG_SHELL_VERSION, VG_SHELL_FIXED_SIZE + 1,
			   sizeof(struct vg_shell) },
};

const char *vg_event_kind(uint16_t type)
{
	if (type >= VG_EV_TYPE_MAX)
		return NULL;
	return event_types[type].kind;
}

static int check_exec(const struct vg_exec *e, size_t size, const char **why)
{
	if (e->exe_len >= VG_EXE_LEN) {
		*why = "exec: exe_len out of range";
		return -EINVAL;
	}
	if (e->cgroup_len >= VG_CGROUP_LEN) {
		*why = "exec: cgroup_len out of range";
		return -EINVAL;
	}
	if (e->args_len > VG_ARGS_LEN || VG_EXEC_FIXED_SIZE + e->args_len != size) {
		*why = "exec: args_len does not match the record size";
		return -EINVAL;
	}
	return 0;
}

/* The record must hold path (and new_path when present), each NUL-terminated. */
static int check_file(const struct vg_file *f, size_t size, const char **why)
{
	if (f->op == 0 || f->op >= VG_FILE_OP_MAX) {
		*why = "file: unknown op";
		return -EINVAL;
	}
	if (f->path_len >= VG_FILE_PATH_LEN || VG_FILE_FIXED_SIZE + f->path_len + 1u > size ||
	    f->path[f->path_len] != '\0') {
		*why = "file: path_len does not fit the record";
		return -EINVAL;
	}
	if (f->new_path_len &&
	    (f->new_path_len >= VG_FILE_PATH_LEN ||
	     VG_FILE_NEW_PATH_OFF + f->new_path_len + 1u > size ||
	     f->new_path[f->new_path_len] != '\0')) {
		*why = "file: new_path_len does not fit the record";
		return -EINVAL;
	}
	return 0;
}

/* Argument counts and captured lengths within their arrays; names terminated. */
static int check_uprobe(const struct vg_uprobe *u, const char **why)
{
	if (u->n_args > VG_UPROBE_ARGS) {
		*why = "uprobe: n_args out of range";
		return -EINVAL;
	}
	for (int i = 0; i < VG_UPROBE_ARGS; i++) {
		if (u->data_len[i] > VG_UPROBE_DATA_LEN) {
			*why = "uprobe: data_len out of range";
			return -EINVAL;
		}
	}
	if (!memchr(u->symbol, '\0', sizeof(u->symbol)) || !memchr(u->rule, '\0', sizeof(u->rule))) {
		*why = "uprobe: name not terminated";
		return -EINVAL;
	}
	return 0;
}

/* Name and path terminated within their arrays. */
static int check_bpf(const struct vg_bpf *b, const char **why)
{
	if (!memchr(b->name, '\0', sizeof(b->name)) || !memchr(b->path, '\0', sizeof(b->path))) {
		*why = "bpf: name or path not terminated";
		return -EINVAL;
	}
	return 0;
}

/* A known op and function; the record ends right after data_len bytes. */
static int check_tls(const struct vg_tls *t, size_t size, const char **why)
{
	if ((t->op != VG_TLS_READ && t->op != VG_TLS_WRITE) || t->func == 0 ||
	    t->func >= VG_TLS_FN_MAX) {
		*why = "tls: unknown op or function";
		return -EINVAL;
	}
	if (t->data_len > VG_TLS_DATA_LEN || t->data_len > t->len ||
	    VG_TLS_FIXED_SIZE + t->data_len != size) {
		*why = "tls: data_len does not match the record size";
		return -EINVAL;
	}
	return 0;
}

/* The record ends right after line's NUL; tty terminated. */
static int check_shell(const struct vg_shell *sh, size_t size, const char **why)
{
	if (sh->line_len >= VG_SHELL_LINE_LEN || VG_SHELL_FIXED_SIZE + sh->line_len + 1u != size ||
	    sh->line[sh->line_len] != '\0') {
		*why = "shell: line_len does not match the record size";
		return -EINVAL;
	}
	if (!memchr(sh->tty, '\0', sizeof(sh->tty))) {
		*why = "shell: tty not terminated";
		return -EINVAL;
	}
	return 0;
}

/* A known op; unix_path (which may end the record early) within it. */
static int check_net(const struct vg_net *n, size_t size, const char **why)
{
	if (n->op == 0 || n->op >= VG_NET_OP_MAX) {
		*why = "net: unknown op";
		return -EINVAL;
	}
	if (n->unix_path_len >= VG_UNIX_PATH_LEN || VG_NET_FIXED_SIZE + n->unix_path_len > size) {
		*why = "net: unix_path_len does not fit the record";
		return -EINVAL;
	}
	return 0;
}

int vg_event_check(const void *rec, size_t size, const char **why)
{
	const struct vg_event_hdr *hdr = rec;
	const struct event_type_info *info;

	*why = NULL;
	if (size < sizeof(*hdr)) {
		*why = "record shorter than the event header";
		return -EINVAL;
	}
	if (hdr->type == 0 || hdr->type >= VG_EV_TYPE_MAX || !event_types[hdr->type].kind) {
		*why = "unknown event type";
		return -EPROTO;
	}
	info = &event_types[hdr->type];
	if (hdr->version != info->version) {
		*why = "unsupported event version";
		return -EPROTO;
	}
	if (hdr->size != size) {
		*why = "header size does not match the record size";
		return -EINVAL;
	}
	if (size < info->min_size || size > info->max_size) {
		*why = "record size out of range for its type";
		return -EINVAL;
	}
	if (hdr->type == VG_EV_EXEC)
		return check_exec(rec, size, why);
	if (hdr->type == VG_EV_FILE)
		return check_file(rec, size, why);
	if (hdr->type == VG_EV_NET)
		return check_net(rec, size, why);
	if (hdr->type == VG_EV_UPROBE)
		return check_uprobe(rec, why);
	if (hdr->type == VG_EV_BPF)
		return check_bpf(rec, why);
	if (hdr->type == VG_EV_TLS)
		return check_tls(rec, size, why);
	if (hdr->type == VG_EV_SHELL)
		return check_shell(rec, size, why);
	if (hdr->type == VG_EV_FLOW && ((const struct vg_flow *)rec)->close > VG_FLOW_CLOSE_OTHER) {
		*why = "flow: unknown close reason";
		return -EINVAL;
	}
	if (hdr->type == VG_EV_PRIV && (((const struct vg_priv *)rec)->op == 0 ||
					((const struct vg_priv *)rec)->op >= VG_PRIV_OP_MAX)) {
		*why = "priv: unknown op";
		return -EINVAL;
	}
	return 0;
}
