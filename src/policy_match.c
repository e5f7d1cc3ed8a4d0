// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * policy_match.c - rules against events in user space (policy_match.h).
 *
 * Every field is evaluated to one of three answers: the event's value is
 * one of the condition's values, it is none of them, or the event does not
 * have the value.  A condition holds on the first answer, a negated one on
 * the second, and neither on the third.  Which record a field reads is
 * decided by the record's own type, never by the kind the caller passes,
 * so a wrong kind cannot make us read the wrong member of the union.
 */
#include <fcntl.h>
#include <fnmatch.h>
#include <math.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

#include "bpfwatch.h"
#include "policy_match.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

enum tri { T_NO, T_YES, T_UNKNOWN };

static enum tri tri_of(bool b)
{
	return b ? T_YES : T_NO;
}

/* The kind mapping below relies on the two enums being in the same order. */
_Static_assert(VG_PK_FILE_CHOWN - VG_PK_FILE_OPEN == VG_FILE_CHOWN - VG_FILE_OPEN,
	       "file kinds and file ops differ");
_Static_assert(VG_PK_SENDMSG - VG_PK_CONNECT == VG_NET_SENDMSG - VG_NET_CONNECT,
	       "socket kinds and net ops differ");

int vg_policy_event_kind(const struct vg_event_view *ev)
{
	if (!ev || !ev->hdr)
		return -1;
	switch (ev->hdr->type) {
	case VG_EV_EXEC:
		return VG_PK_EXEC;
	case VG_EV_FORK:
		return VG_PK_FORK;
	case VG_EV_EXIT:
		return VG_PK_EXIT;
	case VG_EV_FILE:
		if (ev->file->op < VG_FILE_OPEN || ev->file->op >= VG_FILE_OP_MAX)
			return -1;
		return VG_PK_FILE_OPEN + (ev->file->op - VG_FILE_OPEN);
	case VG_EV_PRIV:
		return VG_PK_PRIV;
	case VG_EV_NET:
		if (ev->net->op < VG_NET_CONNECT || ev->net->op >= VG_NET_OP_MAX)
			return -1;
		return VG_PK_CONNECT + (ev->net->op - VG_NET_CONNECT);
	case VG_EV_FLOW:
		return VG_PK_FLOW;
	case VG_EV_SYSCALL:
		return VG_PK_SYSCALL;
	case VG_EV_ANOMALY:
		return VG_PK_ANOMALY;
	case VG_EV_SCHED:
		return VG_PK_SCHED;
	case VG_EV_OOM:
		return VG_PK_OOM;
	case VG_EV_BLOCK:
		return VG_PK_BLOCK;
	case VG_EV_UPROBE:
		return VG_PK_UPROBE;
	case VG_EV_BPF:
		return VG_PK_BPF;
	case VG_EV_SHELL:
		return VG_PK_SHELL;
	case VG_EV_TLS:
		return VG_PK_TLS;
	}
	return -1;
}

/* ---- the process --------------------------------------------------------- */

/* The task the event is about; NULL when nobody knows (a flow whose owner
 * vigil did not see carries an empty context). */
static const struct vg_task_ctx *task_of(const struct vg_event_view *ev)
{
	if (!ev->hdr)
		return NULL;
	if (ev->hdr->type == VG_EV_FLOW && (ev->flow->flags & VG_FLOW_OWNER_UNKNOWN))
		return NULL;
	return ev->proc.task ? ev->proc.task : &ev->hdr->task;
}

static bool known(const char *s)
{
	return s && *s;
}

static bool strs_has(const struct vg_policy_strs *v, const char *s)
{
	for (size_t i = 0; i < v->n; i++)
		if (!strcmp(v->v[i], s))
			return true;
	return false;
}

static bool strmatch(const struct vg_policy_strmatch *m, const char *s)
{
	if (strs_has(&m->exact, s))
		return true;
	for (size_t i = 0; i < m->prefix.n; i++)
		if (!strncmp(s, m->prefix.v[i], strlen(m->prefix.v[i])))
			return true;
	for (size_t i = 0; i < m->glob.n; i++)
		if (!fnmatch(m->glob.v[i], s, 0))
			return true;
	return false;
}

static enum tri str_tri(const struct vg_policy_strmatch *m, const char *s)
{
	return known(s) ? tri_of(strmatch(m, s)) : T_UNKNOWN;
}

static enum tri comm_tri(const struct vg_policy_cond *c, const struct vg_task_ctx *t)
{
	char comm[VG_COMM_LEN + 1];

	memcpy(comm, t->comm, VG_COMM_LEN);
	comm[VG_COMM_LEN] = '\0';
	return tri_of(strs_has(&c->list, comm));
}

/*
 * The arguments after argv[0], joined by single spaces, are the argv block
 * from just past argv[0]'s NUL to its end (less the last argument's NUL),
 * with every NUL read as a space: compared in place, without a copy.
 */
struct args_text {
	const char *s;
	size_t len;
};

static bool args_text(const struct vg_proc_view *p, struct args_text *a)
{
	const char *nul;

	if (!p->args)
		return false;
	a->s = "";
	a->len = 0;
	nul = p->args_len ? memchr(p->args, '\0', p->args_len) : NULL;
	if (!nul)
		return true;	/* no argument, or argv[0] cut short */
	a->s = nul + 1;
	a->len = p->args_len - (size_t)(a->s - p->args);
	if (a->len && a->s[a->len - 1] == '\0')
		a->len--;
	return true;
}

static bool args_at(const struct args_text *a, size_t off, const char *needle, size_t n)
{
	if (off > a->len || a->len - off < n)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = a->s[off + i];

		if ((c ? c : ' ') != needle[i])
			return false;
	}
	return true;
}

static enum tri args_tri(const struct vg_policy_cond *c, const struct vg_proc_view *p)
{
	struct args_text a;

	if (!args_text(p, &a))
		return T_UNKNOWN;
	for (size_t i = 0; i < c->prefix.n; i++)
		if (args_at(&a, 0, c->prefix.v[i], strlen(c->prefix.v[i])))
			return T_YES;
	for (size_t i = 0; i < c->contains.n; i++) {
		size_t n = strlen(c->contains.v[i]);

		for (size_t off = 0; off + n <= a.len; off++)
			if (args_at(&a, off, c->contains.v[i], n))
				return T_YES;
	}
	return T_NO;
}

/* Bytes (a shell line, captured TLS plaintext): they start with one of the
 * condition's prefixes, or contain one of its strings (case-sensitive). */
static enum tri bytes_tri(const struct vg_policy_cond *c, const char *p, size_t len)
{
	for (size_t i = 0; i < c->prefix.n; i++) {
		size_t n = strlen(c->prefix.v[i]);

		if (n <= len && !memcmp(p, c->prefix.v[i], n))
			return T_YES;
	}
	for (size_t i = 0; i < c->contains.n; i++)
		if (memmem(p, len, c->contains.v[i], strlen(c->contains.v[i])))
			return T_YES;
	return T_NO;
}

static enum tri ids_tri(const struct vg_policy_cond *c, uint32_t id)
{
	for (size_t i = 0; i < c->n_ids; i++)
		if (c->ids[i] == id)
			return T_YES;
	return T_NO;
}

/* uid, euid, loginuid: the task's; for priv events the ids after the change. */
static uint32_t id_of(enum vg_policy_field f, const struct vg_event_view *ev,
		      const struct vg_task_ctx *t)
{
	bool priv = ev->hdr->type == VG_EV_PRIV;

	switch (f) {
	case VG_SEL_UID:
		return priv ? ev->priv->new.uid : t->uid;
	case VG_SEL_EUID:
		return priv ? ev->priv->new.euid : t->euid;
	default:
		return t->loginuid;
	}
}

/*
 * Any ancestor's exe: the parent's from the view (else the table's), then
 * up the ppid chain in the table.  The chain is known when it reaches a pid
 * whose ppid is 0 with every exe known, within VG_POLICY_MAX_ANCESTORS,
 * without coming back to a pid already seen.
 */
static enum tri ancestors_tri(const struct vg_policy_strmatch *m, const struct vg_event_view *ev,
			      const struct vg_task_ctx *t, struct vg_proctable *procs)
{
	uint32_t seen[VG_POLICY_MAX_ANCESTORS + 1], pid = t->ppid;
	size_t n_seen = 0, depth;
	bool whole = true;

	seen[n_seen++] = t->pid;
	for (depth = 0;; depth++) {
		const struct vg_proc *p;
		const char *exe = NULL;

		if (!pid)
			break;
		if (depth == VG_POLICY_MAX_ANCESTORS)
			return T_UNKNOWN;
		for (size_t i = 0; i < n_seen; i++)
			if (seen[i] == pid)
				return T_UNKNOWN;	/* a loop: the table is stale */
		seen[n_seen++] = pid;
		p = procs ? vg_proctable_get(procs, pid) : NULL;
		if (depth == 0 && known(ev->proc.parent_exe))
			exe = ev->proc.parent_exe;
		else if (p && known(p->exe))
			exe = p->exe;
		if (exe && strmatch(m, exe))
			return T_YES;
		if (!exe)
			whole = false;
		if (!p) {
			whole = false;
			break;
		}
		pid = p->ppid;
	}
	return whole ? T_NO : T_UNKNOWN;
}

static enum tri container_tri(const struct vg_policy_cond *c, const struct vg_proc_view *p)
{
	const struct vg_container *ct = p->container;
	bool id_ok = false;

	if (!ct && !known(p->cgroup))
		return T_UNKNOWN;
	if (c->present >= 0 && (ct != NULL) != (c->present == 1))
		return T_NO;
	if (c->list.n) {
		for (size_t i = 0; ct && i < c->list.n; i++)
			if (!strncmp(ct->id, c->list.v[i], strlen(c->list.v[i])))
				id_ok = true;
		if (!id_ok)
			return T_NO;
	}
	if (c->mask && (!ct || (unsigned int)ct->runtime >= 32 || !(c->mask & 1u << ct->runtime)))
		return T_NO;
	return T_YES;
}

/* ---- files --------------------------------------------------------------- */

static enum tri path_tri(const struct vg_policy_strmatch *m, const struct vg_event_view *ev)
{
	const struct vg_file_view *fv = &ev->file_view;
	uint16_t op = ev->file->op;
	bool two = op == VG_FILE_RENAME || op == VG_FILE_LINK;
	enum tri a = str_tri(m, fv->path), b = two ? str_tri(m, fv->new_path) : T_NO;

	if (a == T_YES || b == T_YES)
		return T_YES;
	/* A rename with no new_path in the view only has its path to go by. */
	if (two && !fv->new_path)
		b = T_NO;
	return a == T_NO && b == T_NO ? T_NO : T_UNKNOWN;
}

static unsigned int intent_of(uint32_t flags)
{
	unsigned int m = 0;

	switch (flags & O_ACCMODE) {
	case O_RDONLY:
		m = VG_INTENT_READ;
		break;
	case O_WRONLY:
		m = VG_INTENT_WRITE;
		break;
	case O_RDWR:
		m = VG_INTENT_READ | VG_INTENT_WRITE;
		break;
	}
	if (flags & O_CREAT)
		m |= VG_INTENT_CREATE;
	if (flags & O_TRUNC)
		m |= VG_INTENT_TRUNCATE;
	return m;
}

/* ---- sockets and flows --------------------------------------------------- */

struct endpoint {
	uint16_t family;
	uint8_t protocol;
	const uint8_t *addr;	/* the end address and port match */
	uint16_t port;
};

/* False for records that are neither. */
static bool endpoint_of(const struct vg_event_view *ev, struct endpoint *e)
{
	if (ev->hdr->type == VG_EV_NET) {
		const struct vg_net *n = ev->net;
		bool local = n->op == VG_NET_BIND || n->op == VG_NET_LISTEN;

		e->family = n->family;
		e->protocol = n->protocol > 255 ? 0 : (uint8_t)n->protocol;
		e->addr = local ? n->saddr : n->daddr;
		e->port = local ? n->sport : n->dport;
		return true;
	}
	if (ev->hdr->type == VG_EV_TLS) {	/* the peer; unknown when no socket was found */
		if (!ev->tls->family)
			return false;
		e->family = ev->tls->family;
		e->protocol = IPPROTO_TCP;
		e->addr = ev->tls->daddr;
		e->port = ev->tls->dport;
		return true;
	}
	if (ev->hdr->type == VG_EV_FLOW) {
		e->family = ev->flow->family;
		e->protocol = ev->flow->protocol;
		e->addr = ev->flow->daddr;
		e->port = ev->flow->dport;
		return true;
	}
	return false;
}

static bool is_inet(uint16_t family)
{
	return family == AF_INET || family == AF_INET6;
}

static unsigned int family_bit(uint16_t family)
{
	switch (family) {
	case AF_INET:
		return VG_FAMILY_IPV4;
	case AF_INET6:
		return VG_FAMILY_IPV6;
	case AF_UNIX:
		return VG_FAMILY_UNIX;
	}
	return 0;
}

static unsigned int protocol_bit(uint8_t proto)
{
	switch (proto) {
	case IPPROTO_TCP:
		return VG_PROTO_TCP;
	case IPPROTO_UDP:
		return VG_PROTO_UDP;
	case IPPROTO_ICMP:
		return VG_PROTO_ICMP;
	case IPPROTO_ICMPV6:
		return VG_PROTO_ICMPV6;
	case IPPROTO_SCTP:
		return VG_PROTO_SCTP;
	}
	return 0;
}

static bool cidr_match(const struct vg_policy_cidr *c, uint16_t family, const uint8_t *addr)
{
	static const uint8_t v4mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
	unsigned int full, rest;

	/* A dual-stack socket talking IPv4 names ::ffff:a.b.c.d. */
	if (c->family == AF_INET && family == AF_INET6 && !memcmp(addr, v4mapped, 12)) {
		addr += 12;
		family = AF_INET;
	}
	if (family != c->family || c->prefixlen > (family == AF_INET ? 32 : 128))
		return false;
	full = c->prefixlen / 8;
	rest = c->prefixlen % 8;
	if (memcmp(addr, c->addr, full))
		return false;
	return !rest || (addr[full] & (uint8_t)(0xff << (8 - rest))) == c->addr[full];
}

static enum tri address_tri(const struct vg_policy_cond *c, const struct endpoint *e)
{
	if (!is_inet(e->family))
		return T_UNKNOWN;
	for (size_t i = 0; i < c->n_cidrs; i++)
		if (cidr_match(&c->cidrs[i], e->family, e->addr))
			return T_YES;
	return T_NO;
}

static enum tri port_tri(const struct vg_policy_cond *c, const struct endpoint *e)
{
	if (!is_inet(e->family))
		return T_UNKNOWN;
	for (size_t i = 0; i < c->n_ports; i++)
		if (e->port >= c->ports[i].lo && e->port <= c->ports[i].hi)
			return T_YES;
	return T_NO;
}

/* ---- syscalls ------------------------------------------------------------ */

static enum tri syscall_tri(const struct vg_policy_cond *c, const struct vg_syscall *sc)
{
	for (size_t i = 0; i < c->list.n; i++) {
		int nr = vg_policy_syscall_nr(c->list.v[i]);

		if (nr >= 0 && (uint32_t)nr == sc->nr)
			return T_YES;
	}
	return T_NO;
}

static bool argcmp_holds(const struct vg_policy_argcmp *a, const struct vg_syscall *sc)
{
	uint64_t v;

	if (a->index >= ARRAY_SIZE(sc->args))
		return false;
	v = sc->args[a->index];
	switch (a->op) {
	case VG_CMP_EQ:
		return v == a->value;
	case VG_CMP_NE:
		return v != a->value;
	case VG_CMP_LT:
		return v < a->value;
	case VG_CMP_LE:
		return v <= a->value;
	case VG_CMP_GT:
		return v > a->value;
	case VG_CMP_GE:
		return v >= a->value;
	case VG_CMP_MASK:
		return (v & a->value) != 0;
	case VG_CMP_STRLEN_GT:		/* uprobeArgs only: the kernel's verdict */
		break;
	}
	return false;
}

static enum tri argcmps_tri(const struct vg_policy_cond *c, const struct vg_syscall *sc)
{
	for (size_t i = 0; i < c->n_argcmps; i++)
		if (!argcmp_holds(&c->argcmps[i], sc))
			return T_NO;
	return T_YES;
}

/* ---- anomalies ----------------------------------------------------------- */

/* The detector's view of an anomaly event; NULL: none, or another event. */
static const struct vg_anomaly_view *anomaly_of(const struct vg_event_view *ev)
{
	return ev->hdr->type == VG_EV_ANOMALY ? ev->anomaly_view : NULL;
}

/* Every comparison of c holds for v. */
static enum tri cmps_tri(const struct vg_policy_cond *c, double v)
{
	if (isnan(v))
		return T_UNKNOWN;
	for (size_t i = 0; i < c->n_scorecmps; i++) {
		double w = c->scorecmps[i].value;
		bool ok;

		switch (c->scorecmps[i].op) {
		case VG_CMP_GT:
			ok = v > w;
			break;
		case VG_CMP_GE:
			ok = v >= w;
			break;
		case VG_CMP_LT:
			ok = v < w;
			break;
		case VG_CMP_LE:
			ok = v <= w;
			break;
		default:
			ok = false;	/* the validator gives no other */
			break;
		}
		if (!ok)
			return T_NO;
	}
	return T_YES;
}

static enum tri score_tri(const struct vg_policy_cond *c, const struct vg_anomaly_view *av)
{
	return cmps_tri(c, av->score);
}

/* cpuPercent: the comparisons hold for each of the last n intervals (n: the
 * selector's cpuSeconds, default 1); fewer intervals known: no. */
static enum tri cpu_tri(const struct vg_policy_cond *c, const struct vg_policy_selector *sel,
			const struct vg_sched *r)
{
	unsigned int n = 1;

	for (size_t i = 0; i < sel->n; i++)
		if (sel->conds[i].field == VG_SEL_CPU_SECONDS)
			n = sel->conds[i].mask;
	if (r->history_len < n || n > VG_SCHED_HISTORY)
		return T_NO;
	for (unsigned int i = 0; i < n; i++)
		if (cmps_tri(c, r->cpu_history[i] / 100.0) != T_YES)
			return T_NO;
	return T_YES;
}

/* Does one of the reasons contain one of the strings?  No reasons: no. */
static enum tri reason_tri(const struct vg_policy_cond *c, const struct vg_anomaly_view *av)
{
	if (av->n_reasons && !av->reasons)
		return T_UNKNOWN;
	for (size_t i = 0; i < av->n_reasons; i++)
		for (size_t j = 0; av->reasons[i] && j < c->contains.n; j++)
			if (strstr(av->reasons[i], c->contains.v[j]))
				return T_YES;
	return T_NO;
}

/* ---- bpf(2) commands ----------------------------------------------------- */

/* The command's or program type's name is in the list; a number without a
 * name is in none. */
static enum tri name_in(const struct vg_policy_strs *list, const char *name)
{
	return tri_of(name && strs_has(list, name));
}

/* Did the record read the caller's attr, and does the command have `what`? */
static bool bpf_has(const struct vg_bpf *r, bool prog_only)
{
	if (r->flags & VG_BPF_ATTR_FAULT)
		return false;
	return r->cmd == VG_BPF_PROG_LOAD || (!prog_only && r->cmd == VG_BPF_MAP_CREATE);
}

/*
 * name: a program's or map's name is known even when the loader gave none:
 * it is "" then, which no exact or prefix name matches (a glob such as '*'
 * does), so that an unnamed program cannot slip past an allow list written
 * as notName.
 */
static enum tri bpf_name_tri(const struct vg_policy_strmatch *m, const struct vg_bpf *r)
{
	char name[VG_BPF_NAME_LEN];

	memcpy(name, r->name, sizeof(name));
	name[sizeof(name) - 1] = '\0';
	return tri_of(strmatch(m, name));
}

/* ---- conditions ---------------------------------------------------------- */

static enum tri cond_tri(const struct vg_policy_cond *c, const struct vg_policy_selector *sel,
			 const struct vg_event_view *ev, struct vg_proctable *procs)
{
	const struct vg_task_ctx *t = task_of(ev);
	const struct vg_proc_view *p = &ev->proc;
	const struct vg_anomaly_view *av = anomaly_of(ev);
	struct endpoint e;
	uint16_t type = ev->hdr->type;

	switch (c->field) {
	case VG_SEL_BINARY:
		return t ? str_tri(&c->str, p->exe) : T_UNKNOWN;
	case VG_SEL_COMM:
		return t ? comm_tri(c, t) : T_UNKNOWN;
	case VG_SEL_ARGS:
		return t ? args_tri(c, p) : T_UNKNOWN;
	case VG_SEL_UID:
	case VG_SEL_EUID:
	case VG_SEL_LOGINUID:
		return t ? ids_tri(c, id_of(c->field, ev, t)) : T_UNKNOWN;
	case VG_SEL_PARENT:
		return t ? str_tri(&c->str, p->parent_exe) : T_UNKNOWN;
	case VG_SEL_ANCESTORS:
		return t ? ancestors_tri(&c->str, ev, t, procs) : T_UNKNOWN;
	case VG_SEL_CONTAINER:
		return t ? container_tri(c, p) : T_UNKNOWN;
	case VG_SEL_CGROUP:
		return t ? str_tri(&c->str, p->cgroup) : T_UNKNOWN;
	case VG_SEL_PATH:
		return type == VG_EV_FILE ? path_tri(&c->str, ev) : T_UNKNOWN;
	case VG_SEL_INTENT:
		if (type != VG_EV_FILE || ev->file->op != VG_FILE_OPEN)
			return T_UNKNOWN;
		return tri_of(intent_of(ev->file->flags) & c->mask);
	case VG_SEL_FAMILY:
		return endpoint_of(ev, &e) ? tri_of(family_bit(e.family) & c->mask) : T_UNKNOWN;
	case VG_SEL_PROTOCOL:
		return endpoint_of(ev, &e) ? tri_of(protocol_bit(e.protocol) & c->mask)
					   : T_UNKNOWN;
	case VG_SEL_ADDRESS:
		return endpoint_of(ev, &e) ? address_tri(c, &e) : T_UNKNOWN;
	case VG_SEL_PORT:
		return endpoint_of(ev, &e) ? port_tri(c, &e) : T_UNKNOWN;
	case VG_SEL_SYSCALL:
		return type == VG_EV_SYSCALL ? syscall_tri(c, ev->syscall) : T_UNKNOWN;
	case VG_SEL_SYSCALL_ARGS:
		return type == VG_EV_SYSCALL ? argcmps_tri(c, ev->syscall) : T_UNKNOWN;
	case VG_SEL_SCORE:
		return av ? score_tri(c, av) : T_UNKNOWN;
	case VG_SEL_PROFILE:
		return av && known(av->profile) ? tri_of(strs_has(&c->list, av->profile))
						: T_UNKNOWN;
	case VG_SEL_REASON:
		return av ? reason_tri(c, av) : T_UNKNOWN;
	case VG_SEL_CPU_PERCENT:
		return type == VG_EV_SCHED ? cpu_tri(c, sel, ev->sched) : T_UNKNOWN;
	case VG_SEL_CPU_SECONDS:
		return type == VG_EV_SCHED ? T_YES : T_UNKNOWN;	/* read by cpuPercent */
	case VG_SEL_RUNQ_MS:
		return type == VG_EV_SCHED ? cmps_tri(c, ev->sched->runq_p99_ns / 1e6) : T_UNKNOWN;
	case VG_SEL_OTHERS_RUNQ_MS:
		return type == VG_EV_SCHED ? cmps_tri(c, ev->sched->others_runq_p99_ns / 1e6)
					   : T_UNKNOWN;
	case VG_SEL_LATENCY_MS:
		return type == VG_EV_BLOCK ? cmps_tri(c, ev->block->latency_ns / 1e6) : T_UNKNOWN;
	case VG_SEL_UPROBE_ARGS:
		/* the one comparison is the probe's guard: the kernel evaluated it at
		 * the function's entry (the engine gives a rule only its own probe's
		 * events; returns carry no arguments) */
		return type == VG_EV_UPROBE ? tri_of(ev->uprobe->flags & VG_UPROBE_GUARD)
					    : T_UNKNOWN;
	case VG_SEL_LINE:
		if (type != VG_EV_SHELL)
			return T_UNKNOWN;
		return bytes_tri(c, ev->shell->line, strnlen(ev->shell->line, sizeof(ev->shell->line)));
	case VG_SEL_DATA:
		if (type != VG_EV_TLS)	/* only the captured bytes are seen */
			return T_UNKNOWN;
		return bytes_tri(c, ev->tls->data, ev->tls->data_len < sizeof(ev->tls->data) ?
						   ev->tls->data_len : sizeof(ev->tls->data));
	case VG_SEL_DIRECTION:
		if (type != VG_EV_TLS)
			return T_UNKNOWN;
		return tri_of(c->mask & (ev->tls->op == VG_TLS_READ ? VG_DIR_READ : VG_DIR_WRITE));
	case VG_SEL_BPF_CMD:
		return type == VG_EV_BPF ? name_in(&c->list, vg_bpf_cmd_name(ev->bpf->cmd))
					 : T_UNKNOWN;
	case VG_SEL_PROG_TYPE:
		if (type != VG_EV_BPF || !bpf_has(ev->bpf, true))
			return T_UNKNOWN;
		return name_in(&c->list, vg_bpf_prog_type_name(ev->bpf->prog_type));
	case VG_SEL_BPF_NAME:
		if (type != VG_EV_BPF || !bpf_has(ev->bpf, false))
			return T_UNKNOWN;
		return bpf_name_tri(&c->str, ev->bpf);
	case VG_SEL_MAX:
		break;
	}
	return T_UNKNOWN;
}

bool vg_policy_selector_match(const struct vg_policy_selector *s, int kind,
			      const struct vg_event_view *ev, struct vg_proctable *procs)
{
	if (!ev || !ev->hdr)
		return false;
	for (size_t i = 0; i < s->n; i++) {
		const struct vg_policy_cond *c = &s->conds[i];

		if (cond_tri(c, s, ev, procs) != (c->negate ? T_NO : T_YES))
			return false;
	}
	return true;
}

bool vg_policy_rule_match(const struct vg_policy_rule *r, int kind,
			  const struct vg_event_view *ev, struct vg_proctable *procs)
{
	if (kind < 0 || kind >= VG_PK_MAX || !(r->kinds & VG_POLICY_KIND_BIT(kind)))
		return false;
	if (!ev || !ev->hdr)
		return false;
	if (!r->n_selectors)
		return true;
	for (size_t i = 0; i < r->n_selectors; i++)
		if (vg_policy_selector_match(&r->selectors[i], kind, ev, procs))
			return true;
	return false;
}

bool vg_policy_allowed(const struct vg_policy *p, const struct vg_event_view *ev,
		       struct vg_proctable *procs)
{
	int kind = vg_policy_event_kind(ev);

	for (size_t i = 0; i < p->n_allow; i++)
		if (vg_policy_selector_match(&p->allow[i], kind, ev, procs))
			return true;
	return false;
}
