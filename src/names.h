/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * names.h - the words events are written with: operation names, socket
 * families, protocols and types, open(2) flags, flow close reasons.
 *
 * One table each, shared by the JSON and text output (output.c) and the
 * policy message templates (policy_message.c), so that a message says what
 * the event says.  docs/events.md lists the values.
 *
 * Every function returns NULL for a value that has no name (out of range,
 * or unknown / not set), which the JSON writes as null.
 */
#ifndef VIGIL_NAMES_H
#define VIGIL_NAMES_H

#include <stddef.h>
#include <stdint.h>

/* enum vg_file_op: "open", "write", ... "chown". */
const char *vg_file_op_name(unsigned int op);

/* enum vg_priv_op: "setuid", ... "capset", "exec", "other". */
const char *vg_priv_op_name(unsigned int op);

/* enum vg_net_op: "connect", "accept", "bind", "listen", "sendmsg". */
const char *vg_net_op_name(unsigned int op);

/* enum vg_flow_close: "open", "fin", "reset", "other". */
const char *vg_flow_close_name(unsigned int close);

/*
 * An address family: "ipv4", "ipv6", "unix", "netlink", "packet", any
 * other as "af_<number>" (written into buf); NULL for AF_UNSPEC.
 */
const char *vg_family_name(uint16_t family, char buf[16]);

/*
 * An IP protocol: "icmp", "tcp", "udp", "icmpv6", "sctp", "udplite",
 * "raw", "mptcp", any other as its number (written into buf); NULL for 0.
 */
const char *vg_protocol_name(uint16_t proto, char buf[16]);

/* A socket type: "stream", "dgram", "raw", "rdm", "seqpacket", "dccp", "packet". */
const char *vg_sock_type_name(uint16_t type);

/* The access mode and every named flag: the most vg_open_flag_names() gives. */
#define VG_OPEN_FLAG_NAMES_MAX	15

/*
 * The names of an open(2) flags word into names[]: the access mode first
 * ("O_RDONLY", "O_WRONLY", "O_RDWR", or "O_ACCMODE" for 3), then each flag
 * set, lowest bit first ("O_CREAT", ..., "__O_SYNC", "__O_TMPFILE": the
 * kernel's names for the bits O_SYNC and O_TMPFILE add); bits without a
 * name are left out.  Returns how many names it gave (at least 1).
 */
size_t vg_open_flag_names(unsigned int flags, const char *names[VG_OPEN_FLAG_NAMES_MAX]);

#endif /* VIGIL_NAMES_H */
