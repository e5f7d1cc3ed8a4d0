// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * bpfwatch.c - names and fields of `bpf` events (bpfwatch.h).
 *
 * The tables are the kernel's UAPI enums (include/uapi/linux/bpf.h, Linux
 * 6.18), spelled as libbpf's libbpf_bpf_*_str() spell them.  The numbers
 * never change; a kernel newer than the table gives numbers without a name.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "bpfwatch.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define TABLE_NAME(names, i) ((size_t)(i) < ARRAY_SIZE(names) ? (names)[i] : NULL)

/* enum bpf_cmd */
static const char *const cmd_names[] = {
	"map_create", "map_lookup_elem", "map_update_elem", "map_delete_elem",
	"map_get_next_key", "prog_load", "obj_pin", "obj_get", "prog_attach", "prog_detach",
	"prog_test_run", "prog_get_next_id", "map_get_next_id", "prog_get_fd_by_id",
	"map_get_fd_by_id", "obj_get_info_by_fd", "prog_query", "raw_tracepoint_open",
	"btf_load", "btf_get_fd_by_id", "task_fd_query", "map_lookup_and_delete_elem",
	"map_freeze", "btf_get_next_id", "map_lookup_batch", "map_lookup_and_delete_batch",
	"map_update_batch", "map_delete_batch", "link_create", "link_update",
	"link_get_fd_by_id", "link_get_next_id", "enable_stats", "iter_create", "link_detach",
	"prog_bind_map", "token_create", "prog_stream_read_by_fd",
};

/* enum bpf_prog_type */
static const char *const prog_type_names[] = {
	"unspec", "socket_filter", "kprobe", "sched_cls", "sched_act", "tracepoint", "xdp",
	"perf_event", "cgroup_skb", "cgroup_sock", "lwt_in", "lwt_out", "lwt_xmit", "sock_ops",
	"sk_skb", "cgroup_device", "sk_msg", "raw_tracepoint", "cgroup_sock_addr",
	"lwt_seg6local", "lirc_mode2", "sk_reuseport", "flow_dissector", "cgroup_sysctl",
	"raw_tracepoint_writable", "cgroup_sockopt", "tracing", "struct_ops", "ext", "lsm",
	"sk_lookup", "syscall", "netfilter",
};

/* enum bpf_map_type */
static const char *const map_type_names[] = {
	"unspec", "hash", "array", "prog_array", "perf_event_array", "percpu_hash",
	"percpu_array", "stack_trace", "cgroup_array", "lru_hash", "lru_percpu_hash",
	"lpm_trie", "array_of_maps", "hash_of_maps", "devmap", "sockmap", "cpumap", "xskmap",
	"sockhash", "cgroup_storage", "reuseport_sockarray", "percpu_cgroup_storage", "queue",
	"stack", "sk_storage", "devmap_hash", "struct_ops", "ringbuf", "inode_storage",
	"task_storage", "bloom_filter", "user_ringbuf", "cgrp_storage", "arena",
};

/* enum bpf_attach_type */
static const char *const attach_type_names[] = {
	"cgroup_inet_ingress", "cgroup_inet_egress", "cgroup_inet_sock_create",
	"cgroup_sock_ops", "sk_skb_stream_parser", "sk_skb_stream_verdict", "cgroup_device",
	"sk_msg_verdict", "cgroup_inet4_bind", "cgroup_inet6_bind", "cgroup_inet4_connect",
	"cgroup_inet6_connect", "cgroup_inet4_post_bind", "cgroup_inet6_post_bind",
	"cgroup_udp4_sendmsg", "cgroup_udp6_sendmsg", "lirc_mode2", "flow_dissector",
	"cgroup_sysctl", "cgroup_udp4_recvmsg", "cgroup_udp6_recvmsg", "cgroup_getsockopt",
	"cgroup_setsockopt", "trace_raw_tp", "trace_fentry", "trace_fexit", "modify_return",
	"lsm_mac", "trace_iter", "cgroup_inet4_getpeername", "cgroup_inet6_getpeername",
	"cgroup_inet4_getsockname", "cgroup_inet6_getsockname", "xdp_devmap",
	"cgroup_inet_sock_release", "xdp_cpumap", "sk_lookup", "xdp", "sk_skb_verdict",
	"sk_reuseport_select", "sk_reuseport_select_or_migrate", "perf_event",
	"trace_kprobe_multi", "lsm_cgroup", "struct_ops", "netfilter", "tcx_ingress",
	"tcx_egress", "trace_uprobe_multi", "cgroup_unix_connect", "cgroup_unix_sendmsg",
	"cgroup_unix_recvmsg", "cgroup_unix_getpeername", "cgroup_unix_getsockname",
	"netkit_primary", "netkit_peer", "trace_kprobe_session", "trace_uprobe_session",
};

_Static_assert(ARRAY_SIZE(cmd_names) == 38, "enum bpf_cmd of Linux 6.18");
_Static_assert(ARRAY_SIZE(prog_type_names) == 33, "enum bpf_prog_type of Linux 6.18");
_Static_assert(ARRAY_SIZE(map_type_names) == 34, "enum bpf_map_type of Linux 6.18");
_Static_assert(ARRAY_SIZE(attach_type_names) == 58, "enum bpf_attach_type of Linux 6.18");
_Static_assert(ARRAY_SIZE(cmd_names) <= 64, "command masks are 64-bit");

#define PROG_TYPE_CGROUP_SKB 8

const char *vg_bpf_cmd_name(unsigned int cmd)
{
	return TABLE_NAME(cmd_names, cmd);
}

const char *vg_bpf_prog_type_name(unsigned int type)
{
	return TABLE_NAME(prog_type_names, type);
}

const char *vg_bpf_map_type_name(unsigned int type)
{
	return TABLE_NAME(map_type_names, type);
}

const char *vg_bpf_attach_type_name(unsigned int type)
{
	return TABLE_NAME(attach_type_names, type);
}

const char *const *vg_bpf_cmd_names(size_t *n)
{
	*n = ARRAY_SIZE(cmd_names);
	return cmd_names;
}

const char *const *vg_bpf_prog_type_names(size_t *n)
{
	*n = ARRAY_SIZE(prog_type_names);
	return prog_type_names;
}

static int parse_in(const char *const *names, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(names[i], name))
			return (int)i;
	return -1;
}

int vg_bpf_cmd_parse(const char *name)
{
	return parse_in(cmd_names, ARRAY_SIZE(cmd_names), name);
}

int vg_bpf_prog_type_parse(const char *name)
{
	return parse_in(prog_type_names, ARRAY_SIZE(prog_type_names), name);
}

bool vg_bpf_cmd_reported(unsigned int cmd)
{
	return cmd < 64 && (VG_BPF_CMDS_CONTROL & (1ULL << cmd));
}

const char *vg_bpf_reported_cmds_str(void)
{
	static char buf[512];
	size_t off = 0;

	if (buf[0])
		return buf;
	for (unsigned int c = 0; c < ARRAY_SIZE(cmd_names) && off < sizeof(buf); c++)
		if (vg_bpf_cmd_reported(c))
			off += (size_t)snprintf(buf + off, sizeof(buf) - off, "%s%s", off ? ", " : "",
						cmd_names[c]);
	return buf;
}

int vg_bpf_cmds_parse(const char *list, uint64_t *mask, char *bad, size_t badlen)
{
	const char *p = list;

	*mask = 0;
	for (;;) {
		size_t len = strcspn(p, ",");
		char item[64];
		int c = -1;

		if (len && len < sizeof(item)) {
			memcpy(item, p, len);
			item[len] = '\0';
			c = vg_bpf_cmd_parse(item);
		}
		if (c < 0 || !vg_bpf_cmd_reported((unsigned int)c)) {
			snprintf(bad, badlen, "%.*s", (int)len, p);
			return -EINVAL;
		}
		*mask |= 1ULL << c;
		if (!p[len])
			return 0;
		p += len + 1;
	}
}

unsigned int vg_bpf_event_fields(const struct vg_bpf *ev)
{
	unsigned int f = 0;

	if (ev->flags & VG_BPF_ATTR_FAULT)
		return 0;
	switch (ev->cmd) {
	case VG_BPF_PROG_LOAD:
		f = VG_BPFF_PROG_TYPE | VG_BPFF_INSN_CNT | VG_BPFF_NAME | VG_BPFF_FLAGS;
		if (ev->attach_type || ev->prog_type == PROG_TYPE_CGROUP_SKB)
			f |= VG_BPFF_ATTACH_TYPE;
		break;
	case VG_BPF_MAP_CREATE:
		f = VG_BPFF_MAP_TYPE | VG_BPFF_MAP_SIZES | VG_BPFF_NAME | VG_BPFF_FLAGS;
		break;
	case VG_BPF_LINK_CREATE:
		f = VG_BPFF_PROG_FD | VG_BPFF_TARGET_FD | VG_BPFF_ATTACH_TYPE | VG_BPFF_FLAGS;
		break;
	case VG_BPF_PROG_ATTACH:
	case VG_BPF_PROG_DETACH:
		f = VG_BPFF_TARGET_FD | VG_BPFF_PROG_FD | VG_BPFF_ATTACH_TYPE | VG_BPFF_FLAGS;
		break;
	case VG_BPF_OBJ_PIN:
		f = VG_BPFF_PATH | VG_BPFF_BPF_FD | VG_BPFF_FLAGS;
		break;
	case VG_BPF_OBJ_GET:
		f = VG_BPFF_PATH | VG_BPFF_FLAGS;
		break;
	case VG_BPF_RAW_TRACEPOINT_OPEN:
		f = VG_BPFF_TRACEPOINT | VG_BPFF_PROG_FD;
		break;
	case VG_BPF_BTF_LOAD:
		f = VG_BPFF_BTF_SIZE;
		break;
	case VG_BPF_LINK_UPDATE:
		f = VG_BPFF_BPF_FD | VG_BPFF_PROG_FD | VG_BPFF_FLAGS;
		break;
	case VG_BPF_LINK_DETACH:
		f = VG_BPFF_BPF_FD;
		break;
	case VG_BPF_ENABLE_STATS:
		f = VG_BPFF_STATS_TYPE;
		break;
	case VG_BPF_TOKEN_CREATE:
		f = VG_BPFF_TARGET_FD | VG_BPFF_FLAGS;
		break;
	}
	if (ev->attach_btf_id && (ev->cmd == VG_BPF_PROG_LOAD || ev->cmd == VG_BPF_LINK_CREATE))
		f |= VG_BPFF_ATTACH_BTF_ID;
	return f;
}
