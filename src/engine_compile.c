// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * engine_compile.c - a validated policy set -> struct eng_state: which part
 * of each rule the kernel decides, which backend enforces it, and which
 * paths the file sensor must let out of the kernel.
 *
 * Everything that cannot be done on this machine as written is an error
 * naming the policy file and the rule's line, so an enforce policy is never
 * loaded half-working.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include "engine_int.h"
#include "fadeny.h"
#include "log.h"
#include "uprobe.h"

const char *eng_action_name(enum vg_policy_action_type t)
{
	return vg_policy_action_name(t);
}

struct compile {
	const struct vg_engine_opts *o;
	struct eng_state *st;
	int errors;
};

__attribute__((format(printf, 4, 5)))
static void rule_error(struct compile *c, const struct eng_rule *er, size_t ri, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	vg_error("%s:%u: spec.rules[%zu]: policy '%s' rule '%s': %s", er->policy->file,
		 er->rule->line, ri, er->policy->name, er->rule->name, msg);
	c->errors++;
}

static const struct vg_policy_cond *sel_cond(const struct vg_policy_selector *s,
					     enum vg_policy_field f, bool negate)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->conds[i].field == f && s->conds[i].negate == negate)
			return &s->conds[i];
	return NULL;
}

/* Does every condition of s test one of the fields in `allowed` (a mask)? */
static bool sel_only(const struct vg_policy_selector *s, unsigned int allowed, const char **bad)
{
	for (size_t i = 0; i < s->n; i++)
		if (!(allowed & (1u << s->conds[i].field))) {
			*bad = vg_policy_field_name(s->conds[i].field);
			return false;
		}
	return true;
}

static bool has_kind(const struct vg_policy_rule *r, enum vg_policy_kind k)
{
	return r->kinds & VG_POLICY_KIND_BIT(k);
}

static unsigned int file_kinds_mask(void)
{
	unsigned int m = 0;

	for (int k = VG_PK_FILE_OPEN; k <= VG_PK_FILE_CHOWN; k++)
		m |= VG_POLICY_KIND_BIT(k);
	return m;
}

static int strv_add_unique(char ***v, size_t *n, const char *s)
{
	char **nv;

	for (size_t i = 0; i < *n; i++)
		if (!strcmp((*v)[i], s))
			return 0;
	nv = realloc(*v, (*n + 1) * sizeof(*nv));
	if (!nv)
		return -ENOMEM;
	*v = nv;
	nv[*n] = strdup(s);
	if (!nv[*n])
		return -ENOMEM;
	(*n)++;
	return 0;
}

/* A kernel-decided kill needs no guardrail the kernel cannot apply. */
static bool kernel_may_kill(const struct eng_rule *er)
{
	return er->mode == VG_POLICY_ENFORCE && er->rule->action.type == VG_ACT_KILL &&
	       !er->policy->n_allow && !er->policy->ratelimit.actions &&
	       !er->rule->ratelimit.actions;
}

/* ---- exec kills ------------------------------------------------------------ */

/* "*\/name" with no other wildcard: the base name. */
static const char *glob_basename(const char *g)
{
	if (strncmp(g, "*/", 2) || strpbrk(g + 2, "*?[\\/") || !g[2])
		return NULL;
	return g + 2;
}

static int exec_key_add(struct eng_state *st, uint32_t kind, const char *s,
			const struct eng_rule *er)
{
	struct eng_exec_key *nk;

	for (size_t i = 0; i < st->n_exec; i++)
		if (st->exec[i].kind == kind && !strcmp(st->exec[i].s, s))
			return 0;	/* the first rule wins */
	if (st->n_exec >= VG_POL_EXEC_MAX / 2)
		return -ENOSPC;
	nk = realloc(st->exec, (st->n_exec + 1) * sizeof(*nk));
	if (!nk)
		return -ENOMEM;
	st->exec = nk;
	nk = &st->exec[st->n_exec];
	nk->kind = kind;
	nk->s = strdup(s);
	if (!nk->s)
		return -ENOMEM;
	nk->act.rule_id = er->id;
	nk->act.signal = (uint32_t)er->rule->action.signal;
	st->n_exec++;
	st->exec_kinds |= 1u << kind;
	return 0;
}

/* Can the kernel decide this exec selector alone?  One positive condition:
 * binary (exact paths, "*\/name" globs) or comm. */
static bool exec_sel_kernel(const struct vg_policy_selector *s)
{
	const struct vg_policy_cond *c = s->n == 1 ? &s->conds[0] : NULL;

	if (!c || c->negate)
		return false;
	if (c->field == VG_SEL_COMM)
		return true;
	if (c->field != VG_SEL_BINARY || c->str.prefix.n)
		return false;
	for (size_t i = 0; i < c->str.exact.n; i++)
		if (strlen(c->str.exact.v[i]) >= VG_POL_KEY_LEN)
			return false;
	for (size_t i = 0; i < c->str.glob.n; i++)
		if (!glob_basename(c->str.glob.v[i]) ||
		    strlen(c->str.glob.v[i]) >= VG_POL_KEY_LEN)
			return false;
	return true;
}

static int compile_exec_kill(struct eng_state *st, const struct eng_rule *er)
{
	const struct vg_policy_rule *r = er->rule;
	int err = 0;

	for (size_t i = 0; i < r->n_selectors && !err; i++) {
		const struct vg_policy_selector *s = &r->selectors[i];
		const struct vg_policy_cond *c;

		if (!exec_sel_kernel(s))
			continue;
		c = &s->conds[0];
		if (c->field == VG_SEL_COMM) {
			for (size_t j = 0; j < c->list.n && !err; j++)
				err = exec_key_add(st, VG_POL_KEY_COMM, c->list.v[j], er);
			continue;
		}
		for (size_t j = 0; j < c->str.exact.n && !err; j++)
			err = exec_key_add(st, VG_POL_KEY_EXE, c->str.exact.v[j], er);
		for (size_t j = 0; j < c->str.glob.n && !err; j++)
			err = exec_key_add(st, VG_POL_KEY_BASENAME, glob_basename(c->str.glob.v[j]),
					   er);
	}
	return err;
}

/* ---- file kills ------------------------------------------------------------ */

static uint32_t file_ops_of(const struct vg_policy_rule *r)
{
	uint32_t ops = 0;

	/* VG_PK_FILE_OPEN..CHOWN are in the order of enum vg_file_op */
	for (int k = VG_PK_FILE_OPEN; k <= VG_PK_FILE_CHOWN; k++)
		if (has_kind(r, k))
			ops |= 1u << (k - VG_PK_FILE_OPEN + VG_FILE_OPEN);
	return ops;
}

static int file_entry_add(struct eng_state *st, const struct eng_rule *er, const char *path,
			  bool exact)
{
	struct vg_pol_file_rule *f;
	size_t len = strlen(path) + (exact ? 1 : 0);

	if (len > VG_POL_KEY_LEN)
		return -ENAMETOOLONG;
	if (st->n_file >= VG_POL_FILE_MAX)
		return -ENOSPC;
	f = &st->file[st->n_file++];
	memset(f, 0, sizeof(*f));
	f->rule_id = er->id;
	f->signal = (uint32_t)er->rule->action.signal;
	f->ops = file_ops_of(er->rule);
	f->len = (uint32_t)len;
	memcpy(f->path, path, strlen(path));
	return 0;
}

static int compile_file_kill(struct eng_state *st, const struct eng_rule *er)
{
	const struct vg_policy_rule *r = er->rule;
	int err = 0;

	for (size_t i = 0; i < r->n_selectors && !err; i++) {
		const struct vg_policy_selector *s = &r->selectors[i];
		const struct vg_policy_cond *c = s->n == 1 ? &s->conds[0] : NULL;

		if (!c || c->negate || c->field != VG_SEL_PATH || c->str.glob.n)
			continue;	/* decided in user space */
		for (size_t j = 0; j < c->str.exact.n && !err; j++)
			err = file_entry_add(st, er, c->str.exact.v[j], true);
		for (size_t j = 0; j < c->str.prefix.n && !err; j++)
			err = file_entry_add(st, er, c->str.prefix.v[j], false);
	}
	return err;
}

/* ---- syscalls ------------------------------------------------------------ */

static int sys_entry_add(struct eng_state *st, uint32_t nr, const struct vg_pol_sys_rule *sr)
{
	struct eng_sys *ns;

	for (size_t i = 0; i < st->n_sys; i++) {
		if (st->sys[i].nr != nr)
			continue;
		if (st->sys[i].v.n >= VG_POL_SYS_RULES)
			return -ENOSPC;
		st->sys[i].v.r[st->sys[i].v.n++] = *sr;
		return 0;
	}
	if (st->n_sys >= VG_POL_SYS_MAX / 2)
		return -ENOSPC;
	ns = realloc(st->sys, (st->n_sys + 1) * sizeof(*ns));
	if (!ns)
		return -ENOMEM;
	st->sys = ns;
	ns = &st->sys[st->n_sys++];
	memset(ns, 0, sizeof(*ns));
	ns->nr = nr;
	ns->v.n = 1;
	ns->v.r[0] = *sr;
	return 0;
}

static const uint32_t cmp_ops[] = {
	[VG_CMP_EQ] = VG_POL_CMP_EQ, [VG_CMP_NE] = VG_POL_CMP_NE, [VG_CMP_LT] = VG_POL_CMP_LT,
	[VG_CMP_LE] = VG_POL_CMP_LE, [VG_CMP_GT] = VG_POL_CMP_GT, [VG_CMP_GE] = VG_POL_CMP_GE,
	[VG_CMP_MASK] = VG_POL_CMP_MASK,
};

static void compile_syscalls(struct compile *c, const struct eng_rule *er, size_t ri)
{
	const struct vg_policy_rule *r = er->rule;

	for (size_t i = 0; i < r->n_selectors; i++) {
		const struct vg_policy_selector *s = &r->selectors[i];
		const struct vg_policy_cond *names = sel_cond(s, VG_SEL_SYSCALL, false);
		const struct vg_policy_cond *args = sel_cond(s, VG_SEL_SYSCALL_ARGS, false);
		struct vg_pol_sys_rule sr = { .rule_id = er->id };
		size_t decided = (names ? 1 : 0) + (args ? 1 : 0);

		if (!names)
			continue;	/* the validator requires it */
		if (args && args->n_argcmps > VG_POL_SYS_CMPS) {
			rule_error(c, er, ri, "at most %d syscallArgs comparisons per selector",
				   VG_POL_SYS_CMPS);
			continue;
		}
		for (size_t j = 0; args && j < args->n_argcmps; j++) {
			sr.cmp[j].index = args->argcmps[j].index;
			sr.cmp[j].op = cmp_ops[args->argcmps[j].op];
			sr.cmp[j].value = args->argcmps[j].value;
		}
		sr.n_cmp = args ? (uint32_t)args->n_argcmps : 0;
		if (kernel_may_kill(er) && decided == s->n)
			sr.signal = (uint32_t)r->action.signal;
		for (size_t j = 0; j < names->list.n; j++) {
			int nr = vg_policy_syscall_nr(names->list.v[j]);

			if (nr < 0) {
				rule_error(c, er, ri, "syscall '%s' does not exist on this architecture",
					   names->list.v[j]);
				continue;
			}
			if (sys_entry_add(c->st, (uint32_t)nr, &sr) ||
			    strv_add_unique(&c->st->syscalls, &c->st->n_syscalls, names->list.v[j]))
				rule_error(c, er, ri, "too many rules on syscall '%s' (at most %d)",
					   names->list.v[j], VG_POL_SYS_RULES);
		}
	}
}

/* ---- fanotify deny ------------------------------------------------------- */

#define FA_PROCESS_FIELDS ((1u << VG_SEL_BINARY) | (1u << VG_SEL_COMM) | (1u << VG_SEL_UID) | \
			   (1u << VG_SEL_EUID) | (1u << VG_SEL_LOGINUID) | (1u << VG_SEL_PARENT))

static int mark_add(struct eng_state *st, const char *path, unsigned int kinds)
{
	struct eng_mark *nm;

	for (size_t i = 0; i < st->n_marks; i++)
		if (!strcmp(st->marks[i].path, path)) {
			st->marks[i].kinds |= kinds;
			return 0;
		}
	nm = realloc(st->marks, (st->n_marks + 1) * sizeof(*nm));
	if (!nm)
		return -ENOMEM;
	st->marks = nm;
	nm[st->n_marks].path = strdup(path);
	if (!nm[st->n_marks].path)
		return -ENOMEM;
	nm[st->n_marks++].kinds = kinds;
	return 0;
}

/* Marks for the positive path match m (exact files, "dir/" prefixes). */
static void marks_from(struct compile *c, const struct eng_rule *er, size_t ri,
		       const struct vg_policy_strmatch *m, unsigned int kinds, const char *field)
{
	struct stat sb;

	if (m->glob.n) {
		rule_error(c, er, ri, "deny cannot enforce the glob '%s' in '%s' (fanotify marks "
			   "files and directories: use exact paths or directory prefixes ending "
			   "in '/')", m->glob.v[0], field);
		return;
	}
	for (size_t i = 0; i < m->prefix.n; i++) {
		const char *p = m->prefix.v[i];
		size_t n = strlen(p);
		char dir[4096];

		if (n < 2 || p[n - 1] != '/') {
			rule_error(c, er, ri, "deny cannot enforce the prefix '%s' in '%s' (use a "
				   "directory prefix ending in '/')", p, field);
			continue;
		}
		snprintf(dir, sizeof(dir), "%.*s", (int)(n - 1), p);
		if (stat(dir, &sb) || !S_ISDIR(sb.st_mode)) {
			rule_error(c, er, ri, "deny: directory '%s' does not exist (fanotify marks "
				   "existing directories)", dir);
			continue;
		}
		if (mark_add(c->st, dir, kinds))
			c->errors++;
	}
	for (size_t i = 0; i < m->exact.n; i++) {
		if (stat(m->exact.v[i], &sb)) {
			rule_error(c, er, ri, "deny: '%s' does not exist (fanotify marks existing "
				   "files)", m->exact.v[i]);
			continue;
		}
		if (mark_add(c->st, m->exact.v[i], kinds))
			c->errors++;
	}
}

static void compile_fanotify(struct compile *c, const struct eng_rule *er, size_t ri)
{
	const struct vg_policy_rule *r = er->rule;
	bool open = has_kind(r, VG_PK_FILE_OPEN), exec = has_kind(r, VG_PK_EXEC);
	const char *bad = NULL;

	if (!r->n_selectors) {
		rule_error(c, er, ri, "deny needs selectors with the paths to protect");
		return;
	}
	for (size_t i = 0; i < r->n_selectors; i++) {
		const struct vg_policy_selector *s = &r->selectors[i];
		const struct vg_policy_cond *path = sel_cond(s, VG_SEL_PATH, false);
		const struct vg_policy_cond *bin = sel_cond(s, VG_SEL_BINARY, false);
		unsigned int allowed = FA_PROCESS_FIELDS;

		if (open && exec) {
			rule_error(c, er, ri, "deny for exec and file.open in one rule: split it");
			return;
		}
		if (open) {
			allowed |= 1u << VG_SEL_PATH;
			if (!path) {
				rule_error(c, er, ri, "deny for file.open needs a 'path' in selector "
					   "%zu (the files or directories fanotify marks)", i);
				continue;
			}
			if (sel_cond(s, VG_SEL_PATH, true))
				allowed &= ~(1u << VG_SEL_PATH);	/* notPath: reported as bad */
			marks_from(c, er, ri, &path->str, VG_FADENY_OPEN, "path");
		} else {
			if (!bin) {
				rule_error(c, er, ri, "deny for exec needs a 'binary' in selector %zu "
					   "(the executables fanotify marks)", i);
				continue;
			}
			marks_from(c, er, ri, &bin->str, VG_FADENY_EXEC, "binary");
		}
		if (!sel_only(s, allowed, &bad))
			rule_error(c, er, ri, "deny (fanotify) cannot test '%s': it can test path, "
				   "binary, comm, uid, euid, loginuid and parent", bad);
	}
}

/* ---- connection control -------------------------------------------------- */

#define NET_FIELDS ((1u << VG_SEL_FAMILY) | (1u << VG_SEL_PROTOCOL) | (1u << VG_SEL_ADDRESS) | \
		    (1u << VG_SEL_PORT))
#define NET_PORTS_MAX 64

static int net_add(struct eng_state *st, size_t rule, const struct vg_netctl_rule *r)
{
	struct eng_net *nn = realloc(st->net, (st->n_net + 1) * sizeof(*nn));

	if (!nn)
		return -ENOMEM;
	st->net = nn;
	memset(&nn[st->n_net], 0, sizeof(*nn));
	nn[st->n_net].rule = rule;
	nn[st->n_net].r = *r;
	st->n_net++;
	return 0;
}

static void compile_netctl(struct compile *c, const struct eng_rule *er, size_t ri, size_t rule)
{
	const struct vg_policy_rule *r = er->rule;
	unsigned int hooks = 0;
	const char *bad = NULL;

	if (has_kind(r, VG_PK_CONNECT))
		hooks |= VG_NETCTL_HOOK_BIT(VG_NETCTL_CONNECT);
	if (has_kind(r, VG_PK_SENDMSG))
		hooks |= VG_NETCTL_HOOK_BIT(VG_NETCTL_SENDMSG);
	if (has_kind(r, VG_PK_BIND))
		hooks |= VG_NETCTL_HOOK_BIT(VG_NETCTL_BIND);
	c->st->net_hooks |= hooks;
	for (size_t i = 0; i < (r->n_selectors ? r->n_selectors : 1); i++) {
		static const struct vg_policy_selector none;
		const struct vg_policy_selector *s = r->n_selectors ? &r->selectors[i] : &none;
		const struct vg_policy_cond *fam = sel_cond(s, VG_SEL_FAMILY, false);
		const struct vg_policy_cond *proto = sel_cond(s, VG_SEL_PROTOCOL, false);
		const struct vg_policy_cond *addr = sel_cond(s, VG_SEL_ADDRESS, false);
		const struct vg_policy_cond *port = sel_cond(s, VG_SEL_PORT, false);
		struct vg_policy_cidr any[2] = { { .family = AF_INET }, { .family = AF_INET6 } };
		const struct vg_policy_cidr *cidrs = addr ? addr->cidrs : any;
		size_t n_cidrs = addr ? addr->n_cidrs : 2, n_ports = 0;
		uint8_t protos[2] = { 0 };
		size_t n_protos = 1;
		uint16_t ports[NET_PORTS_MAX];

		if (!sel_only(s, NET_FIELDS, &bad)) {
			rule_error(c, er, ri, "deny for sockets (cgroup hooks) cannot test '%s': it "
				   "can test family, protocol, address and port", bad);
			continue;
		}
		if (proto) {
			n_protos = 0;
			if (proto->mask & VG_PROTO_TCP)
				protos[n_protos++] = IPPROTO_TCP;
			if (proto->mask & VG_PROTO_UDP)
				protos[n_protos++] = IPPROTO_UDP;
			if (proto->mask & ~(unsigned int)(VG_PROTO_TCP | VG_PROTO_UDP)) {
				rule_error(c, er, ri, "deny for sockets handles protocols tcp and udp");
				continue;
			}
		}
		for (size_t j = 0; port && j < port->n_ports; j++)
			for (unsigned int p = port->ports[j].lo; p <= port->ports[j].hi; p++) {
				if (n_ports == NET_PORTS_MAX)
					break;
				ports[n_ports++] = (uint16_t)p;
			}
		if (port && n_ports == NET_PORTS_MAX) {
			rule_error(c, er, ri, "deny for sockets: at most %d ports per selector",
				   NET_PORTS_MAX);
			continue;
		}
		for (size_t a = 0; a < n_cidrs; a++) {
			int family = cidrs[a].family;

			if (fam && !(fam->mask & (family == AF_INET ? VG_FAMILY_IPV4 : VG_FAMILY_IPV6)))
				continue;
			for (size_t p = 0; p < n_protos; p++)
				for (size_t q = 0; q < (n_ports ? n_ports : 1); q++) {
					struct vg_netctl_rule nr = {
						.family = family,
						.prefixlen = cidrs[a].prefixlen,
						.proto = protos[p],
						.port = n_ports ? ports[q] : 0,
						.hooks = hooks,
					};

					memcpy(nr.addr, cidrs[a].addr, sizeof(nr.addr));
					if (net_add(c->st, rule, &nr))
						c->errors++;
				}
		}
	}
}

/* ---- XDP --------------------------------------------------------------- */

#define XDP_FIELDS ((1u << VG_SEL_FAMILY) | (1u << VG_SEL_PROTOCOL) | (1u << VG_SEL_ADDRESS) | \
		    (1u << VG_SEL_PORT))

static void compile_xdp(struct compile *c, const struct eng_rule *er, size_t ri, size_t rule)
{
	const struct vg_policy_rule *r = er->rule;
	const char *bad = NULL;

	if (!c->o->n_xdp_ifaces) {
		rule_error(c, er, ri, "packet rules need an interface: run with --xdp-iface IFACE");
		return;
	}
	for (size_t i = 0; i < (r->n_selectors ? r->n_selectors : 1); i++) {
		static const struct vg_policy_selector none;
		const struct vg_policy_selector *s = r->n_selectors ? &r->selectors[i] : &none;
		const struct vg_policy_cond *proto = sel_cond(s, VG_SEL_PROTOCOL, false);
		const struct vg_policy_cond *addr = sel_cond(s, VG_SEL_ADDRESS, false);
		const struct vg_policy_cond *port = sel_cond(s, VG_SEL_PORT, false);
		const struct vg_policy_cond *fam = sel_cond(s, VG_SEL_FAMILY, false);
		static const uint8_t proto_num[] = { IPPROTO_TCP, IPPROTO_UDP, IPPROTO_ICMP,
						     IPPROTO_ICMPV6, IPPROTO_SCTP };
		size_t n_addr = addr ? addr->n_cidrs : 1;

		if (!sel_only(s, XDP_FIELDS, &bad) || (port && (port->n_ports != 1 ||
		    port->ports[0].lo != port->ports[0].hi))) {
			rule_error(c, er, ri, "packet rules (XDP) test family, protocol, source "
				   "address and one destination port%s%s", bad ? "; not " : "",
				   bad ? bad : "");
			continue;
		}
		for (size_t a = 0; a < n_addr; a++)
			for (size_t p = 0; p < (proto ? 5 : 1); p++) {
				struct vg_xdp_rule xr = {};
				struct eng_xdp *nx;

				if (proto && !(proto->mask & (1u << p)))
					continue;
				xr.action = r->action.type == VG_ACT_DROP ? VG_XDP_ACT_DROP
									  : VG_XDP_ACT_RATELIMIT;
				xr.proto = proto ? proto_num[p] : 0;
				xr.dport = port ? port->ports[0].lo : 0;
				if (addr) {
					xr.family = addr->cidrs[a].family == AF_INET ? 4 : 6;
					xr.prefixlen = addr->cidrs[a].prefixlen;
					memcpy(xr.addr, addr->cidrs[a].addr, sizeof(xr.addr));
				} else if (fam && fam->mask != (VG_FAMILY_IPV4 | VG_FAMILY_IPV6)) {
					xr.family = fam->mask & VG_FAMILY_IPV4 ? 4 : 6;
				}
				if (xr.action == VG_XDP_ACT_RATELIMIT &&
				    vg_xdp_rule_set_rate(&xr, r->action.pps, r->action.burst)) {
					rule_error(c, er, ri, "rate %u pps burst %u out of range",
						   r->action.pps, r->action.burst);
					continue;
				}
				if (c->st->n_xdp >= VG_XDP_RULES_MAX) {
					rule_error(c, er, ri, "more than %d packet rules", VG_XDP_RULES_MAX);
					return;
				}
				nx = realloc(c->st->xdp, (c->st->n_xdp + 1) * sizeof(*nx));
				if (!nx) {
					c->errors++;
					return;
				}
				c->st->xdp = nx;
				nx = &nx[c->st->n_xdp++];
				nx->rule = rule;
				nx->r = xr;
				nx->ids = calloc(c->o->n_xdp_ifaces, sizeof(*nx->ids));
				nx->seen = calloc(c->o->n_xdp_ifaces, sizeof(*nx->seen));
				if (!nx->ids || !nx->seen)
					c->errors++;
			}
	}
}

/* ---- the file sensor's watch list ------------------------------------------ */

/* The directory to watch for a glob: its literal part up to the last '/'. */
static void glob_dir(const char *g, char *dir, size_t len)
{
	size_t lit = strcspn(g, "*?[\\");
	const char *slash;

	snprintf(dir, len, "%.*s", (int)lit, g);
	slash = strrchr(dir, '/');
	if (slash)
		dir[slash - dir + 1] = '\0';
	else
		dir[0] = '\0';
}

static void watch_add(struct compile *c, const char *spec)
{
	if (!spec[0] || !strcmp(spec, "/")) {
		c->st->file_all = true;
		return;
	}
	if (vg_watchlist_add(&c->st->watches, spec, "policy"))
		c->errors++;
}

static void compile_watches(struct compile *c, const struct eng_rule *er)
{
	const struct vg_policy_rule *r = er->rule;
	char dir[4096];

	if (!r->n_selectors) {
		c->st->file_all = true;
		return;
	}
	for (size_t i = 0; i < r->n_selectors; i++) {
		const struct vg_policy_cond *p = sel_cond(&r->selectors[i], VG_SEL_PATH, false);

		if (!p) {
			c->st->file_all = true;
			continue;
		}
		for (size_t j = 0; j < p->str.exact.n; j++)
			watch_add(c, p->str.exact.v[j]);
		for (size_t j = 0; j < p->str.prefix.n; j++) {
			const char *s = p->str.prefix.v[j];

			if (s[strlen(s) - 1] == '/') {
				watch_add(c, s);
			} else {
				glob_dir(s, dir, sizeof(dir));	/* no wildcard: up to the last '/' */
				watch_add(c, dir);
			}
		}
		for (size_t j = 0; j < p->str.glob.n; j++) {
			glob_dir(p->str.glob.v[j], dir, sizeof(dir));
			watch_add(c, dir);
		}
	}
}

/* ---- one rule ------------------------------------------------------------ */

/* ---- uprobes ---------------------------------------------------------------- */

static const uint32_t guard_ops[] = {
	[VG_CMP_EQ] = VG_UP_GUARD_EQ, [VG_CMP_NE] = VG_UP_GUARD_NE, [VG_CMP_LT] = VG_UP_GUARD_LT,
	[VG_CMP_LE] = VG_UP_GUARD_LE, [VG_CMP_GT] = VG_UP_GUARD_GT, [VG_CMP_GE] = VG_UP_GUARD_GE,
	[VG_CMP_MASK] = VG_UP_GUARD_NONE, [VG_CMP_STRLEN_GT] = VG_UP_GUARD_STRLEN_GT,
};

/*
 * The probe of a uprobe rule: what to capture, and its guard (the rule's one
 * uprobeArgs comparison, policy.c checks there is at most one).  The kernel
 * kills at the function's entry in enforce mode when the rule kills; calls
 * where the guard does not hold are not reported (no rule could match them).
 */
static void compile_uprobe(struct compile *c, const struct eng_rule *er, size_t ri, size_t rule)
{
	const struct vg_policy_rule *r = er->rule;
	const struct vg_policy_uprobe *u = r->uprobe;
	struct eng_uprobe eu = { .rule = rule };
	struct vg_up_probe *p = &eu.spec.probe;
	struct eng_uprobe *v;

	eu.spec.path = u->path;
	eu.spec.symbol = u->symbol;
	eu.spec.offset = u->offset;
	eu.spec.pid = -1;
	eu.spec.ret = u->ret;
	for (size_t i = 0; i < u->n_args && i < VG_UP_ARGS_MAX; i++) {
		p->args[i].index = u->args[i].index;
		p->args[i].kind = u->args[i].type;	/* enum vg_policy_uparg = vg_up_arg_kind */
		p->args[i].len_index = u->args[i].length_index;
		p->args[i].max = u->args[i].max;
	}
	p->n_args = (uint32_t)u->n_args;
	for (size_t i = 0; i < r->n_selectors; i++) {
		const struct vg_policy_cond *g = sel_cond(&r->selectors[i], VG_SEL_UPROBE_ARGS, false);

		if (!g || !g->n_argcmps || (size_t)g->argcmps[0].op >= sizeof(guard_ops) / sizeof(guard_ops[0]))
			continue;
		p->guard_op = guard_ops[g->argcmps[0].op];
		p->guard_index = g->argcmps[0].index;
		p->guard_value = g->argcmps[0].value;
		p->flags |= VG_UP_PROBE_QUIET;
	}
	if (r->action.type == VG_ACT_KILL && er->mode == VG_POLICY_ENFORCE)
		p->flags |= VG_UP_PROBE_KILL;
	p->rule_id = er->id;
	snprintf(p->rule, sizeof(p->rule), "%s", er->policy->name);
	v = realloc(c->st->ups, (c->st->n_ups + 1) * sizeof(*v));
	if (!v) {
		rule_error(c, er, ri, "out of memory");
		return;
	}
	c->st->ups = v;
	v[c->st->n_ups++] = eu;
}

static void compile_rule(struct compile *c, struct eng_rule *er, size_t ri)
{
	const struct vg_policy_rule *r = er->rule;
	size_t rule = (size_t)(er - c->st->rules);
	unsigned int fk = file_kinds_mask();
	unsigned int net = VG_POLICY_KIND_BIT(VG_PK_CONNECT) | VG_POLICY_KIND_BIT(VG_PK_BIND) |
			   VG_POLICY_KIND_BIT(VG_PK_SENDMSG);
	bool enforce = er->mode == VG_POLICY_ENFORCE;
	int err = 0;

	switch (r->action.type) {
	case VG_ACT_DENY:
		if (!enforce)
			break;
		er->by_backend = true;
		if (r->action.error != EPERM)
			rule_error(c, er, ri, "deny returns EPERM on this kernel (fanotify and the "
				   "cgroup hooks cannot return another errno; that needs BPF LSM)");
		if (!(r->kinds & ~(VG_POLICY_KIND_BIT(VG_PK_FILE_OPEN) | VG_POLICY_KIND_BIT(VG_PK_EXEC))))
			compile_fanotify(c, er, ri);
		else if (!(r->kinds & ~net))
			compile_netctl(c, er, ri, rule);
		else
			rule_error(c, er, ri, "deny in enforce mode works on exec and file.open "
				   "(fanotify) or on connect, bind and sendmsg (cgroup hooks), not "
				   "mixed and not on syscalls on this kernel (that needs BPF LSM or "
				   "bpf_override_return): split the rule, or use kill");
		break;
	case VG_ACT_DROP:
	case VG_ACT_RATELIMIT:
		if (enforce) {
			er->by_backend = true;
			compile_xdp(c, er, ri, rule);
		}
		break;
	case VG_ACT_KILL:
		if (!kernel_may_kill(er))
			break;
		if (has_kind(r, VG_PK_EXEC))
			err = compile_exec_kill(c->st, er);
		if (!err && (r->kinds & fk))
			err = compile_file_kill(c->st, er);
		if (err)
			rule_error(c, er, ri, "too many in-kernel kill entries (%s)", strerror(-err));
		break;
	default:
		break;
	}
	if (has_kind(r, VG_PK_SYSCALL))
		compile_syscalls(c, er, ri);
	if (r->uprobe)
		compile_uprobe(c, er, ri, rule);
	if ((r->kinds & fk) && !er->by_backend)
		compile_watches(c, er);
	if (!enforce && has_kind(r, VG_PK_PACKET))
		vg_warn("%s:%u: policy '%s' rule '%s': packet rules act only in enforce mode (XDP "
			"has no per-packet events to report in audit mode)", er->policy->file,
			r->line, er->policy->name, r->name);
}

/* ---- user-space index ---------------------------------------------------- */

/* Are all of r's exec selectors anchored on exact binaries? */
static bool exec_indexable(const struct vg_policy_rule *r)
{
	if (!r->n_selectors)
		return false;
	for (size_t i = 0; i < r->n_selectors; i++) {
		const struct vg_policy_cond *c = sel_cond(&r->selectors[i], VG_SEL_BINARY, false);

		if (!c || c->str.prefix.n || c->str.glob.n || !c->str.exact.n)
			return false;
	}
	return true;
}

static int cmp_exe(const void *a, const void *b)
{
	const struct eng_exe_index *x = a, *y = b;
	int c = strcmp(x->exe, y->exe);

	return c ? c : (x->rule > y->rule) - (x->rule < y->rule);
}

static int build_index(struct eng_state *st)
{
	for (size_t i = 0; i < st->n_rules; i++) {
		const struct vg_policy_rule *r = st->rules[i].rule;

		for (int k = 0; k < VG_PK_MAX; k++) {
			size_t *nv;

			if (!(r->kinds & VG_POLICY_KIND_BIT(k)))
				continue;
			if (k == VG_PK_EXEC && exec_indexable(r)) {
				for (size_t j = 0; j < r->n_selectors; j++) {
					const struct vg_policy_cond *c =
						sel_cond(&r->selectors[j], VG_SEL_BINARY, false);

					for (size_t e = 0; e < c->str.exact.n; e++) {
						struct eng_exe_index *ni = realloc(st->exe_index,
							(st->n_exe_index + 1) * sizeof(*ni));

						if (!ni)
							return -ENOMEM;
						st->exe_index = ni;
						ni[st->n_exe_index].exe = c->str.exact.v[e];
						ni[st->n_exe_index++].rule = i;
					}
				}
				continue;
			}
			nv = realloc(st->by_kind[k], (st->n_by_kind[k] + 1) * sizeof(*nv));
			if (!nv)
				return -ENOMEM;
			st->by_kind[k] = nv;
			nv[st->n_by_kind[k]++] = i;
		}
	}
	if (st->n_exe_index)
		qsort(st->exe_index, st->n_exe_index, sizeof(*st->exe_index), cmp_exe);
	return 0;
}

void eng_state_free(struct eng_state *st)
{
	if (!st)
		return;
	for (int k = 0; k < VG_PK_MAX; k++)
		free(st->by_kind[k]);
	free(st->exe_index);
	for (size_t i = 0; i < st->n_exec; i++)
		free(st->exec[i].s);
	free(st->exec);
	free(st->sys);
	for (size_t i = 0; i < st->n_syscalls; i++)
		free(st->syscalls[i]);
	free(st->syscalls);
	for (size_t i = 0; i < st->n_marks; i++)
		free(st->marks[i].path);
	free(st->marks);
	free(st->net);
	for (size_t i = 0; i < st->n_xdp; i++) {
		free(st->xdp[i].ids);
		free(st->xdp[i].seen);
	}
	free(st->xdp);
	vg_uprobes_release(&st->up_links);
	free(st->ups);
	vg_watchlist_release(&st->watches);
	free(st->rules);
	free(st->windows);
	vg_policy_set_release(&st->set);
	free(st);
}

struct eng_state *eng_compile(const struct vg_engine_opts *o, struct vg_policy_set *set)
{
	struct eng_state *st = calloc(1, sizeof(*st));
	struct compile c = { .o = o, .st = st };
	size_t n = vg_policy_set_rule_count(set), k = 0;

	if (!st)
		return NULL;
	st->set = *set;
	vg_policy_set_init(set);	/* the state owns it now */
	vg_watchlist_init(&st->watches);
	if (n >= VG_POL_RULE_MAX) {
		vg_error("%zu rules loaded: at most %d", n, VG_POL_RULE_MAX - 1);
		eng_state_free(st);
		errno = EINVAL;
		return NULL;
	}
	st->rules = calloc(n ? n : 1, sizeof(*st->rules));
	st->windows = calloc(st->set.n ? st->set.n : 1, sizeof(*st->windows));
	if (!st->rules || !st->windows) {
		eng_state_free(st);
		errno = ENOMEM;
		return NULL;
	}
	for (size_t p = 0; p < st->set.n; p++) {
		const struct vg_policy *pol = &st->set.v[p];

		for (size_t r = 0; r < pol->n_rules; r++, k++) {
			struct eng_rule *er = &st->rules[k];

			er->policy = pol;
			er->rule = &pol->rules[r];
			er->policy_idx = p;
			er->id = (uint32_t)k + 1;
			er->mode = o->mode >= 0 ? (enum vg_policy_mode)o->mode : pol->mode;
		}
	}
	st->n_rules = n;
	for (size_t p = 0, i = 0; p < st->set.n; p++)
		for (size_t r = 0; r < st->set.v[p].n_rules; r++, i++)
			compile_rule(&c, &st->rules[i], r);
	if (!c.errors && build_index(st))
		c.errors++;
	if (c.errors) {
		vg_error("%d problem%s: policies not loaded", c.errors, c.errors == 1 ? "" : "s");
		eng_state_free(st);
		errno = EINVAL;
		return NULL;
	}
	return st;
}
