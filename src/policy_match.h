/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * policy_match.h - does a rule of the policy model (policy.h) match an
 * event as user space sees it (event.h)?  Pure: no BPF, no I/O; the only
 * state touched is the process table's LRU order (ancestor lookups).
 *
 * Field by field, as docs/policies.md says:
 *
 *   binary, parent, cgroup  process.exe, parent.exe, process.cgroup:
 *                           exact, prefix (plain string prefix) or glob
 *                           (fnmatch(3), flags 0)
 *   comm                    the task's comm, exactly
 *   args                    the arguments after argv[0] joined by single
 *                           spaces (every argument in the block, not only
 *                           the 256 the JSON shows): contains / starts with
 *   uid, euid, loginuid     the task's ids; for priv events uid and euid are
 *                           the credentials after the change (priv->new).
 *                           An unset loginuid is 4294967295, a value like any
 *   ancestors               the exe of the parent (parent.exe, else the
 *                           process table's), grandparent, ...: the ppid
 *                           chain through vg_proctable_get(), at most 64
 *                           levels, ending at a pid whose ppid is 0
 *                           (the table's entry for a pid is trusted to be
 *                           the ancestor: start times are not compared)
 *   container               all given parts: id prefix, runtime
 *                           (1 << enum vg_runtime), present
 *   path                    file.path, and for rename/link file.new_path too
 *                           (either matching is a match)
 *   intent                  the open flags: read O_RDONLY/O_RDWR, write
 *                           O_WRONLY/O_RDWR, create O_CREAT, truncate O_TRUNC
 *   family, protocol        AF_INET/AF_INET6/AF_UNIX; IPPROTO_* (0 matches none)
 *   address, port           the remote end (connect, accept, sendmsg, flow:
 *                           daddr/dport), the local one for bind/listen
 *                           (saddr/sport).  An IPv4-mapped IPv6 address
 *                           (::ffff:a.b.c.d) also matches IPv4 CIDRs
 *   syscall, syscallArgs    the event's number against the names' x86_64
 *                           numbers; unsigned 64-bit comparisons, all hold
 *   score                   the anomaly view's score: every comparison
 *                           (gt, ge, lt, le) holds; a NaN score is unknown
 *   profile                 the anomaly view's profile, exactly
 *   reason                  one of the anomaly view's reasons contains one
 *                           of the strings (case-sensitive); an anomaly with
 *                           no reasons has none that matches
 *   bpfCommand              a bpf event's command, by name (bpfwatch.h)
 *   progType                a prog_load's program type, by name; unknown
 *                           for other commands
 *   name                    a prog_load's or map_create's name: exact,
 *                           prefix or glob; "" for an unnamed one (which no
 *                           exact or prefix entry matches; '*' does); unknown
 *                           for other commands and an unreadable attr
 *
 * Unknown values.  A condition on a value the event does not have does not
 * hold, in either form: `binary` and `notBinary` both fail on an unknown
 * exe.  Unknown means: exe, parent exe or cgroup "" (or NULL); args NULL;
 * file path "" (or NULL); the container when the view has none and the
 * cgroup is unknown (a known cgroup with no container is "not in one");
 * address and port of a non-inet socket; every process field of a flow
 * whose owner vigil did not see; score, profile and reason of an anomaly
 * event without its view (ev->anomaly_view NULL), and a profile NULL or "";
 * a field that does not apply to the event's kind.  For `ancestors`, the positive form holds when any known
 * ancestor matches, and `notAncestors` only when the whole chain is known
 * (every exe, up to a pid with ppid 0, without a loop) and none matches.
 * Why: a rule acts (kill, deny) on what it knows, never on a guess, and an
 * allow entry written as `notX` does not let unknown processes through.
 */
#ifndef VIGIL_POLICY_MATCH_H
#define VIGIL_POLICY_MATCH_H

#include <stdbool.h>

#include "event.h"
#include "policy.h"
#include "policy_message.h"	/* the report's text: matching's users want both */
#include "proctable.h"

/* Ancestors walked at most. */
#define VG_POLICY_MAX_ANCESTORS 64

/*
 * The policy kind of an event (VG_PK_*): exec, fork, exit; file -> its op's
 * VG_PK_FILE_*; net -> VG_PK_CONNECT/ACCEPT/BIND/LISTEN/SENDMSG by op;
 * flow; priv; syscall; anomaly.  -1 for an unknown type or op, or a NULL header.
 */
int vg_policy_event_kind(const struct vg_event_view *ev);

/*
 * Does rule r match the event, of policy kind `kind` (from
 * vg_policy_event_kind())?  The kind is one of r->kinds and one of the
 * selectors matches (none: every event of the kinds).  `procs` (may be
 * NULL: then only the parent is known of the ancestors) gives ancestors.
 */
bool vg_policy_rule_match(const struct vg_policy_rule *r, int kind,
			  const struct vg_event_view *ev, struct vg_proctable *procs);

/* Do all of the selector's conditions hold (AND)?  Each field is read from
 * the record its type says (a file field of an exec record never holds);
 * `kind` is the caller's vg_policy_event_kind(), for symmetry. */
bool vg_policy_selector_match(const struct vg_policy_selector *s, int kind,
			      const struct vg_event_view *ev, struct vg_proctable *procs);

/* Does one of the policy's `allow` selectors match the event's process? */
bool vg_policy_allowed(const struct vg_policy *p, const struct vg_event_view *ev,
		       struct vg_proctable *procs);

#endif /* VIGIL_POLICY_MATCH_H */
