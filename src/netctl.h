/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * netctl.h - connection control: deny connect / sendmsg / bind by CIDR,
 * port and protocol for the processes of a cgroup subtree (docs/netctl.md).
 *
 * Everything lives in bpffs, so rules keep working after the command that
 * added them exits and no agent has to run:
 *
 *     <dir>/maps/rules4, rules6      LPM tries (include/vigil/netctl.h)
 *     <dir>/maps/counters            denials per rule id (per CPU)
 *     <dir>/maps/events              ring buffer of struct vg_net denials
 *     <dir>/links/<cgroup-id>-<prog> one cgroup link per attached program
 *
 * <dir> is VG_NETCTL_DIR, or $VIGIL_NETCTL_DIR when set (tests use that to
 * keep their rule set apart from the machine's).  Rules change by map
 * updates only; programs are loaded when a cgroup is attached, once per
 * cgroup.  Every operation takes an exclusive flock(2) on <dir>, so
 * concurrent `vigil net` commands (and the policy engine) serialise.
 *
 * Functions return 0 or -errno and log the reason at error level, unless
 * said otherwise.
 */
#ifndef VIGIL_NETCTL_USER_H
#define VIGIL_NETCTL_USER_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vigil/netctl.h"

#define VG_NETCTL_DIR "/sys/fs/bpf/vigil/netctl"

/* Programs, one per (hook, family); the link pin is "<cgroup-id>-<name>". */
enum vg_netctl_prog {
	VG_NETCTL_PROG_CONNECT4,
	VG_NETCTL_PROG_CONNECT6,
	VG_NETCTL_PROG_SENDMSG4,
	VG_NETCTL_PROG_SENDMSG6,
	VG_NETCTL_PROG_BIND4,
	VG_NETCTL_PROG_BIND6,
	VG_NETCTL_PROG_MAX,
};

struct vg_netctl_rule {
	uint32_t id;		/* assigned by vg_netctl_add() */
	uint64_t scope;		/* cgroup v2 id */
	int family;		/* AF_INET or AF_INET6 */
	uint8_t addr[16];	/* network order, host bits zero; IPv4 in the first 4 bytes */
	uint8_t prefixlen;
	uint8_t proto;		/* IPPROTO_TCP, IPPROTO_UDP; 0: any */
	uint16_t port;		/* host order; 0: any */
	unsigned int hooks;	/* VG_NETCTL_HOOK_BIT() set */
	uint64_t hits;		/* denials so far (filled by vg_netctl_list) */
};

struct vg_netctl_link {
	uint64_t scope;		/* cgroup id from the pin's name */
	enum vg_netctl_prog prog;
	bool defunct;		/* its cgroup was removed: only the pin is left */
	uint32_t link_id, prog_id;
};

struct vg_netctl {
	char dir[PATH_MAX - 64];
	int dir_fd;		/* holds the lock */
	int rules4_fd, rules6_fd, counters_fd, events_fd;
};

/* <dir> in use: $VIGIL_NETCTL_DIR or VG_NETCTL_DIR. */
const char *vg_netctl_dir(void);

/*
 * Open (with `create`: mount bpffs if needed, create the directories and,
 * when their pins are missing, the maps) and lock the rule set.  Without
 * `create`, -ENOENT (not logged) when there is none.  Pins left by a crashed
 * run are reused; maps pinned with another layout are replaced when nothing
 * is attached, else refused with -EEXIST.
 */
int vg_netctl_open(struct vg_netctl *nc, bool create);
/* The same for a rule set pinned in `dir` instead (the policy engine keeps
 * its rules apart from `vigil net`'s). */
int vg_netctl_open_dir(struct vg_netctl *nc, const char *dir, bool create);
void vg_netctl_close(struct vg_netctl *nc);
/*
 * For metrics: the maps of the rule set pinned in `dir`, WITHOUT the lock
 * (a reader must not wait on a `vigil net` command), creating and logging
 * nothing: -ENOENT when there is none.  Only for vg_netctl_list() and
 * vg_netctl_lost(), which may then see a rule set being changed.
 */
int vg_netctl_open_unlocked(struct vg_netctl *nc, const char *dir);

/*
 * Attach the programs for `hooks` (both families each) to the cgroup v2
 * directory `cgroup_path`, pinning the links.  Already attached programs
 * are left alone; defunct link pins are replaced.  *scope gets the cgroup id.
 */
int vg_netctl_attach(struct vg_netctl *nc, const char *cgroup_path, unsigned int hooks,
		     uint64_t *scope);

/* Links pinned in <dir>/links (defunct ones included); *out is malloc'd. */
int vg_netctl_links(struct vg_netctl *nc, struct vg_netctl_link **out, size_t *n);

/*
 * Detach and unpin the links of cgroup `scope` (0: every cgroup), remove
 * the rules scoped to it, drop defunct links and, when nothing is attached
 * any more, remove every pin and directory.  *removed (may be NULL) gets
 * the number of links detached.
 */
int vg_netctl_detach(struct vg_netctl *nc, uint64_t scope, size_t *removed);

/*
 * Add a rule (id 0 in `r`; the new id is written back).  The same rule
 * already present: -EEXIST with r->id set to it.  Overlapping an existing
 * rule on some of its hooks only: -EBUSY with r->id set to that rule.
 * -ENOSPC when every id is taken.  These three are not logged.
 */
int vg_netctl_add(struct vg_netctl *nc, struct vg_netctl_rule *r);

/* Remove rule `id`; -ENOENT (not logged) when there is none. */
int vg_netctl_delete(struct vg_netctl *nc, uint32_t id);

/* Remove every rule scoped to `scope` (0: all); *removed may be NULL. */
int vg_netctl_flush(struct vg_netctl *nc, uint64_t scope, size_t *removed);

/* Every rule, by id, with its hit count; *out is malloc'd. */
int vg_netctl_list(struct vg_netctl *nc, struct vg_netctl_rule **out, size_t *n);

/* Denial events lost because the ring buffer was full. */
uint64_t vg_netctl_lost(struct vg_netctl *nc);

/*
 * A new fd of the pinned events ring buffer, without locking or creating
 * anything: -ENOENT (not logged) when connection control was never set up.
 */
int vg_netctl_events_fd(void);

/* ---- parsing and naming (pure; for the CLI and the policy engine) ---- */

/*
 * "10.0.0.0/8", "192.0.2.1" (a /32), "fd00::/8", "::1".  Fills family,
 * addr (host bits cleared) and prefixlen.  On error, -EINVAL and a message
 * for "'%s' is not a CIDR (...)" in why.
 */
int vg_netctl_parse_cidr(const char *s, struct vg_netctl_rule *r, char *why, size_t len);
/* "tcp", "udp", "any"; -EINVAL otherwise. */
int vg_netctl_parse_proto(const char *s, uint8_t *proto);
/* Comma-separated "connect", "sendmsg", "bind", "all"; -EINVAL otherwise. */
int vg_netctl_parse_hooks(const char *s, unsigned int *hooks);

const char *vg_netctl_prog_name(enum vg_netctl_prog p);	/* "connect4" ... */
const char *vg_netctl_hook_name(enum vg_netctl_hook h);	/* "connect" ... */
const char *vg_netctl_proto_name(uint8_t proto);		/* "tcp", "udp", "any", "proto" */
/* "10.0.0.0/8", "fd00::/8" into buf (at least 64 bytes). */
const char *vg_netctl_cidr_str(const struct vg_netctl_rule *r, char *buf, size_t len);

/* ---- cgroups ---- */

/*
 * Resolve a --cgroup argument: a cgroup v2 directory, absolute, or relative
 * to the cgroup v2 mount ("/system.slice/x.service" as /proc/PID/cgroup
 * writes it); NULL means the root.  Fills path and the cgroup id; -ENOENT /
 * -ENOTDIR / -EINVAL (not cgroup v2) are not logged.
 */
int vg_netctl_cgroup(const char *arg, char *path, size_t len, uint64_t *id);

/* The path of cgroup `id` under the cgroup v2 mount, or -ENOENT. */
int vg_netctl_cgroup_path(uint64_t id, char *path, size_t len);

#endif /* VIGIL_NETCTL_USER_H */
