// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * names.c - the words events are written with (names.h).
 *
 * The open flag bits are spelled out as include/uapi/asm-generic/fcntl.h
 * has them (x86-64's): the flags word is the one the BPF side recorded.
 */
#include <stdio.h>
#include <sys/socket.h>

#include "names.h"
#include "vigil/event.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* names[i] when i is in the table, else NULL. */
#define TABLE_NAME(names, i) ((size_t)(i) < ARRAY_SIZE(names) ? (names)[i] : NULL)

static const char *const file_op_names[VG_FILE_OP_MAX] = {
	[VG_FILE_OPEN] = "open", [VG_FILE_WRITE] = "write", [VG_FILE_TRUNCATE] = "truncate",
	[VG_FILE_UNLINK] = "unlink", [VG_FILE_RMDIR] = "rmdir", [VG_FILE_MKDIR] = "mkdir",
	[VG_FILE_RENAME] = "rename", [VG_FILE_LINK] = "link", [VG_FILE_SYMLINK] = "symlink",
	[VG_FILE_CHMOD] = "chmod", [VG_FILE_CHOWN] = "chown",
};

static const char *const priv_op_names[VG_PRIV_OP_MAX] = {
	[VG_PRIV_SETUID] = "setuid", [VG_PRIV_SETGID] = "setgid",
	[VG_PRIV_SETREUID] = "setreuid", [VG_PRIV_SETREGID] = "setregid",
	[VG_PRIV_SETRESUID] = "setresuid", [VG_PRIV_SETRESGID] = "setresgid",
	[VG_PRIV_SETFSUID] = "setfsuid", [VG_PRIV_SETFSGID] = "setfsgid",
	[VG_PRIV_CAPSET] = "capset", [VG_PRIV_EXEC] = "exec", [VG_PRIV_OTHER] = "other",
};

static const char *const net_op_names[VG_NET_OP_MAX] = {
	[VG_NET_CONNECT] = "connect", [VG_NET_ACCEPT] = "accept", [VG_NET_BIND] = "bind",
	[VG_NET_LISTEN] = "listen", [VG_NET_SENDMSG] = "sendmsg",
};

static const char *const flow_close_names[VG_FLOW_CLOSE_OTHER + 1] = {
	[VG_FLOW_OPEN] = "open", [VG_FLOW_CLOSE_FIN] = "fin", [VG_FLOW_CLOSE_RESET] = "reset",
	[VG_FLOW_CLOSE_OTHER] = "other",
};

static const char *const sock_type_names[] = {
	[1] = "stream", [2] = "dgram", [3] = "raw", [4] = "rdm", [5] = "seqpacket",
	[6] = "dccp", [10] = "packet",
};

/* Lowest bit first: the order the names are listed in. */
static const struct {
	unsigned int bit;
	const char *name;
} open_flag_names[] = {
	{ 0100, "O_CREAT" }, { 0200, "O_EXCL" }, { 0400, "O_NOCTTY" }, { 01000, "O_TRUNC" },
	{ 02000, "O_APPEND" }, { 04000, "O_NONBLOCK" }, { 010000, "O_DSYNC" },
	{ 0200000, "O_DIRECTORY" }, { 0400000, "O_NOFOLLOW" }, { 01000000, "O_NOATIME" },
	{ 02000000, "O_CLOEXEC" }, { 04000000, "__O_SYNC" }, { 010000000, "O_PATH" },
	{ 020000000, "__O_TMPFILE" },
};

_Static_assert(1 + ARRAY_SIZE(open_flag_names) == VG_OPEN_FLAG_NAMES_MAX,
	       "VG_OPEN_FLAG_NAMES_MAX: the access mode and every flag");

const char *vg_file_op_name(unsigned int op)
{
	return TABLE_NAME(file_op_names, op);
}

const char *vg_priv_op_name(unsigned int op)
{
	return TABLE_NAME(priv_op_names, op);
}

const char *vg_net_op_name(unsigned int op)
{
	return TABLE_NAME(net_op_names, op);
}

const char *vg_flow_close_name(unsigned int close)
{
	return TABLE_NAME(flow_close_names, close);
}

const char *vg_family_name(uint16_t family, char buf[16])
{
	switch (family) {
	case AF_UNSPEC:
		return NULL;
	case AF_INET:
		return "ipv4";
	case AF_INET6:
		return "ipv6";
	case AF_UNIX:
		return "unix";
	case AF_NETLINK:
		return "netlink";
	case AF_PACKET:
		return "packet";
	default:
		snprintf(buf, 16, "af_%u", family);
		return buf;
	}
}

const char *vg_protocol_name(uint16_t proto, char buf[16])
{
	switch (proto) {
	case 0:
		return NULL;
	case 1:
		return "icmp";
	case 6:
		return "tcp";
	case 17:
		return "udp";
	case 58:
		return "icmpv6";
	case 132:
		return "sctp";
	case 136:
		return "udplite";
	case 255:
		return "raw";
	case 262:
		return "mptcp";
	default:
		snprintf(buf, 16, "%u", proto);
		return buf;
	}
}

const char *vg_sock_type_name(uint16_t type)
{
	return TABLE_NAME(sock_type_names, type);
}

size_t vg_open_flag_names(unsigned int flags, const char *names[VG_OPEN_FLAG_NAMES_MAX])
{
	static const char *const acc[] = { "O_RDONLY", "O_WRONLY", "O_RDWR", "O_ACCMODE" };
	size_t n = 0;

	names[n++] = acc[flags & 3];
	for (size_t i = 0; i < ARRAY_SIZE(open_flag_names); i++)
		if (flags & open_flag_names[i].bit)
			names[n++] = open_flag_names[i].name;
	return n;
}
