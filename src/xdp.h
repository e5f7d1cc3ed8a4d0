/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * xdp.h - the XDP ingress filter: attach, pin, rules, counters, detach.
 *
 * A filter is bpf/xdp/filter.bpf.c attached to one interface through a BPF
 * link, native mode (XDP_FLAGS_DRV_MODE) where the driver supports it and
 * generic (XDP_FLAGS_SKB_MODE) otherwise.  The link and the maps are pinned
 * under <bpffs>/vigil/xdp/<name>/ where <name> is the interface name, with
 * "@ns<inode>" appended outside PID 1's network namespace, so the filter
 * outlives the command that attached it and later commands change its
 * rules through the pinned maps without reloading anything.
 *
 * Every operation first takes an flock on <bpffs>/vigil/xdp and removes stale
 * state: a directory without a pinned link (a command died half way) or
 * whose link is dead (its interface is gone).  A command that dies before
 * pinning the link takes the program with it: the link is only held by its
 * fd until then.  See docs/xdp.md.
 */
#ifndef VIGIL_XDP_USER_H
#define VIGIL_XDP_USER_H

#include <limits.h>
#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vigil/xdp.h"

#define VG_XDP_PIN_SUBDIR	"vigil/xdp"

struct vg_xdp {
	char ifname[IF_NAMESIZE];
	char dir[PATH_MAX];		/* the pin directory */
	int ifindex;
	enum vg_xdp_mode mode;
	bool created;			/* attached by this vg_xdp_open() */
	int lock_fd;
	int link_fd, rules_fd, src4_fd, src6_fd, counters_fd, stats_fd, buckets_fd, meta_fd;
	struct vg_xdp_meta meta;
};

/*
 * Open the filter on interface `ifname` of the current network namespace.
 * With `attach`, load and attach one if there is none (x->created says so,
 * x->mode says how).  Returns 0, -ENODEV (no such interface), -ENOENT (no
 * filter and !attach), -EBUSY (the interface has an XDP program that vigil
 * did not attach), -ESTALE (pins from an incompatible vigil), or another
 * -errno; failures are logged.  Holds the lock until vg_xdp_close().
 */
int vg_xdp_open(struct vg_xdp *x, const char *ifname, bool attach);

/* Release fds and the lock; the filter stays attached. */
void vg_xdp_close(struct vg_xdp *x);

/* Detach the program (even if others hold the link), remove the pins and
 * close.  Returns 0 or -errno. */
int vg_xdp_detach(struct vg_xdp *x);

/*
 * Add rule `r` (action, family/addr/prefixlen, proto, dport; pps and burst
 * for a rate limit: see vg_xdp_rule_set_rate()).  An identical rule is not
 * added twice: *existed is set and *id is the existing rule's.  Takes effect
 * for the next packet.  Returns 0, -ENOSPC when all VG_XDP_RULES_MAX slots
 * are used, or -errno.
 */
int vg_xdp_rule_add(struct vg_xdp *x, const struct vg_xdp_rule *r, uint32_t *id, bool *existed);

/* Delete rule `id`; -ENOENT if there is none. */
int vg_xdp_rule_delete(struct vg_xdp *x, uint32_t id);

/* Rule `id` (1..VG_XDP_RULES_MAX) and its counters summed over CPUs;
 * -ENOENT for an empty slot.  `c` may be NULL. */
int vg_xdp_rule_get(struct vg_xdp *x, uint32_t id, struct vg_xdp_rule *r,
		    struct vg_xdp_counter *c);

/* Frames per reason (enum vg_xdp_stat), summed over CPUs. */
int vg_xdp_stats_read(struct vg_xdp *x, uint64_t stats[VG_XDP_STAT_MAX]);

/*
 * Call fn for every filter of the current network namespace (after removing
 * stale ones), in name order.  Returns 0, the first non-zero value of fn,
 * or -errno.
 */
int vg_xdp_foreach(int (*fn)(const char *ifname, void *ctx), void *ctx);

/*
 * For metrics: call fn for every filter pinned for the current network
 * namespace, its maps and link open, WITHOUT the lock: the caller may hold
 * it already (the policy engine keeps the filters of --xdp-iface open, and
 * flock(2) blocks even within one process), so fn must only read.  Nothing
 * is mounted, cleaned up or logged; a filter being attached or removed at
 * that moment is skipped.  Returns 0 (also when nothing is pinned) or the
 * first non-zero value of fn.
 */
int vg_xdp_foreach_unlocked(int (*fn)(struct vg_xdp *x, void *ctx), void *ctx);

/* --- pure helpers (no BPF) --------------------------------------------- */

/* "10.0.0.0/8", "192.0.2.1" (/32), "2001:db8::/32", "::1" (/128): sets
 * family, addr (host bits cleared) and prefixlen.  -EINVAL on junk. */
int vg_xdp_parse_cidr(const char *s, struct vg_xdp_rule *r);

/* "tcp", "udp", "icmp", "icmpv6", "sctp" or a number 1..255. */
int vg_xdp_parse_proto(const char *s, uint8_t *proto);

/* Set pps, burst (0: burst = pps) and the GCRA parameters.  -EINVAL
 * unless 1 <= pps <= VG_XDP_PPS_MAX and burst <= VG_XDP_BURST_MAX. */
int vg_xdp_rule_set_rate(struct vg_xdp_rule *r, uint32_t pps, uint32_t burst);

/* "tcp", "udp"..., or the number; "any" for 0. */
const char *vg_xdp_proto_name(uint8_t proto, char *buf, size_t len);

/* "10.0.0.0/8", or "any" for family 0. */
const char *vg_xdp_src_str(const struct vg_xdp_rule *r, char *buf, size_t len);

const char *vg_xdp_action_name(enum vg_xdp_action a);	/* "drop", "ratelimit" */
const char *vg_xdp_mode_name(enum vg_xdp_mode m);	/* "native", "generic" */
const char *vg_xdp_stat_name(enum vg_xdp_stat s);	/* "seen", "not_ip"... */

/* One line describing the rule: "drop udp port 53 from 10.0.0.0/8",
 * "ratelimit icmp from any 1000 pps burst 100". */
void vg_xdp_rule_str(const struct vg_xdp_rule *r, char *buf, size_t len);

#endif /* VIGIL_XDP_USER_H */
