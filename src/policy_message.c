// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * policy_message.c - message templates (policy_message.h).
 *
 * Which fields exist, and in which kinds, is policy.c's table (the
 * validator's); this file only knows how to write each one.  A test
 * (tests/unit/test_policy_match.c) renders every name of that table, so a
 * field added there without a writer here fails it.
 *
 * Names (priv ops, families, protocols, socket types, open flags, flow
 * closes) come from names.h, as output.c's do: the message must say what
 * the JSON event says.
 */
#include <arpa/inet.h>
#include <inttypes.h>
#include <math.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "argv.h"
#include "bpfwatch.h"
#include "clock.h"
#include "fim.h"
#include "names.h"
#include "policy_match.h"
#include "output.h"
#include "policy_message.h"
#include "preset.h"
#include "vigil/uprobe.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define MISSING "?"

void vg_policy_msg_ctx_init(struct vg_policy_msg_ctx *m, const struct vg_policy *p,
			    const struct vg_policy_rule *r)
{
	m->policy = p ? p->name : NULL;
	m->rule = r ? r->name : NULL;
	m->severity = r ? vg_policy_severity_name(r->severity) :
		      p ? vg_policy_severity_name(p->severity) : NULL;
	m->mode = !p ? NULL : p->mode == VG_POLICY_ENFORCE ? "enforce" : "audit";
	m->action = r ? vg_policy_action_name(r->action.type) : NULL;
}

/* ---- values ----------------------------------------------------------------- */

static bool add_u64(struct vg_buf *b, uint64_t v)
{
	vg_buf_addf(b, "%" PRIu64, v);
	return true;
}

static bool add_i64(struct vg_buf *b, int64_t v)
{
	vg_buf_addf(b, "%" PRId64, v);
	return true;
}

static bool add_bool(struct vg_buf *b, bool v)
{
	vg_buf_adds(b, v ? "true" : "false");
	return true;
}

/* A string; NULL and "" have no value. */
static bool add_str(struct vg_buf *b, const char *s)
{
	if (!s || !*s)
		return false;
	vg_buf_adds(b, s);
	return true;
}

static bool add_family(struct vg_buf *b, uint16_t family)
{
	char buf[16];

	return add_str(b, vg_family_name(family, buf));
}

static bool add_protocol(struct vg_buf *b, uint16_t proto)
{
	char buf[16];

	return add_str(b, vg_protocol_name(proto, buf));
}

/* "O_WRONLY|O_CREAT|O_TRUNC": the JSON "open_flags" array, joined. */
static bool add_open_flags(struct vg_buf *b, unsigned int flags)
{
	const char *names[VG_OPEN_FLAG_NAMES_MAX];
	size_t n = vg_open_flag_names(flags, names);

	for (size_t i = 0; i < n; i++)
		vg_buf_addf(b, "%s%s", i ? "|" : "", names[i]);
	return true;
}

static bool add_time(struct vg_buf *b, uint64_t real_ns)
{
	char ts[VG_RFC3339_LEN];

	vg_format_rfc3339(real_ns, ts);
	vg_buf_adds(b, ts);
	return true;
}

static bool add_errno(struct vg_buf *b, int64_t result)
{
	return result < 0 && result > -4096 && add_str(b, strerrorname_np((int)-result));
}

static bool add_addr(struct vg_buf *b, uint16_t family, const uint8_t *a)
{
	char s[INET6_ADDRSTRLEN];

	if ((family != AF_INET && family != AF_INET6) || !inet_ntop(family, a, s, sizeof(s)))
		return false;
	vg_buf_adds(b, s);
	return true;
}

static bool add_port(struct vg_buf *b, uint16_t family, uint16_t port)
{
	return (family == AF_INET || family == AF_INET6) && add_u64(b, port);
}

/* argv joined by single spaces, as many arguments as the JSON shows. */
static bool add_args(struct vg_buf *b, const struct vg_proc_view *p)
{
	struct vg_str args[VG_ARGS_MAX];
	bool cut = false;
	size_t n;

	if (!p->args)
		return false;
	n = vg_argv_split(p->args, p->args_len, args, VG_ARGS_MAX, &cut);
	for (size_t i = 0; i < n; i++) {
		if (i)
			vg_buf_addc(b, ' ');
		vg_buf_add(b, args[i].ptr, args[i].len);
	}
	if (cut || p->args_truncated)
		vg_buf_adds(b, " ...");
	return true;
}

/* ---- fields, by group ------------------------------------------------------- */

static const struct vg_task_ctx *task_of(const struct vg_event_view *ev)
{
	if (ev->hdr->type == VG_EV_FLOW && (ev->flow->flags & VG_FLOW_OWNER_UNKNOWN))
		return NULL;	/* process: null */
	return ev->proc.task ? ev->proc.task : &ev->hdr->task;
}

static bool process_field(struct vg_buf *b, const char *f, const struct vg_event_view *ev)
{
	const struct vg_task_ctx *t = task_of(ev);
	const struct vg_proc_view *p = &ev->proc;
	const struct vg_container *c = p->container;

	if (!t)
		return false;
	if (!strcmp(f, "pid"))
		return add_u64(b, t->pid);
	if (!strcmp(f, "tid"))
		return add_u64(b, t->tid);
	if (!strcmp(f, "ppid"))
		return add_u64(b, t->ppid);
	if (!strcmp(f, "uid"))
		return add_u64(b, t->uid);
	if (!strcmp(f, "gid"))
		return add_u64(b, t->gid);
	if (!strcmp(f, "euid"))
		return add_u64(b, t->euid);
	if (!strcmp(f, "egid"))
		return add_u64(b, t->egid);
	if (!strcmp(f, "loginuid"))
		return t->loginuid != UINT32_MAX && add_u64(b, t->loginuid);
	if (!strcmp(f, "comm")) {
		vg_buf_add(b, t->comm, strnlen(t->comm, sizeof(t->comm)));
		return true;
	}
	if (!strcmp(f, "exe"))
		return add_str(b, p->exe);
	if (!strcmp(f, "args"))
		return add_args(b, p);
	if (!strcmp(f, "cgroup"))
		return add_str(b, p->cgroup);
	if (!strcmp(f, "cgroup_id"))
		return add_u64(b, t->cgroup_id);
	if (!strcmp(f, "container.id"))
		return c && add_str(b, c->id);
	if (!strcmp(f, "container.runtime"))
		return c && add_str(b, vg_runtime_name(c->runtime));
	if (!strcmp(f, "container.pod_uid"))
		return c && add_str(b, c->pod_uid);
	if (!strcmp(f, "start_time"))
		return t->start_ns <= ev->hdr->ts_ns && ev->hdr->ts_ns - t->start_ns <= ev->time_ns &&
		       add_time(b, ev->time_ns - (ev->hdr->ts_ns - t->start_ns));
	return false;
}

static bool parent_field(struct vg_buf *b, const char *f, const struct vg_event_view *ev)
{
	const struct vg_task_ctx *t = task_of(ev);

	if (!t)
		return false;
	if (!strcmp(f, "pid"))
		return add_u64(b, t->ppid);
	if (!strcmp(f, "exe"))
		return add_str(b, ev->proc.parent_exe);
	return false;
}

static bool exec_field(struct vg_buf *b, const char *f, const struct vg_exec *e)
{
	if (!strcmp(f, "old_tid"))
		return add_u64(b, e->old_tid);
	if (!strcmp(f, "args_size"))
		return add_u64(b, e->args_total);
	return false;
}

static bool fork_field(struct vg_buf *b, const char *f, const struct vg_fork *fk)
{
	if (!strcmp(f, "parent_pid"))
		return add_u64(b, fk->parent_pid);
	if (!strcmp(f, "parent_tid"))
		return add_u64(b, fk->parent_tid);
	return false;
}

static bool exit_field(struct vg_buf *b, const char *f, const struct vg_exit *x)
{
	if (!strcmp(f, "code"))
		return !x->signal && add_i64(b, x->exit_code);
	if (!strcmp(f, "signal")) {
		const char *abbrev = x->signal && x->signal < 65 ? sigabbrev_np((int)x->signal) : NULL;

		if (!abbrev)
			return false;
		vg_buf_addf(b, "SIG%s", abbrev);
		return true;
	}
	if (!strcmp(f, "signal_number"))
		return add_u64(b, x->signal);
	if (!strcmp(f, "core_dumped"))
		return add_bool(b, x->core_dumped);
	if (!strcmp(f, "lifetime_ns"))
		return add_u64(b, x->lifetime_ns);
	return false;
}

static bool add_digest(struct vg_buf *b, const struct vg_fim_state *st)
{
	char hex[65];

	if (!st->known || !st->has_digest)
		return false;
	vg_fim_hex(st->sha256, hex);
	vg_buf_adds(b, hex);
	return true;
}

static bool file_field(struct vg_buf *b, const char *f, const struct vg_event_view *ev)
{
	const struct vg_file *fl = ev->file;
	const struct vg_file_view *fv = &ev->file_view;
	int kind = vg_policy_event_kind(ev);

	if (kind < 0)
		return false;
	if (!strcmp(f, "op"))	/* "file.open" -> "open" */
		return add_str(b, vg_policy_kind_name((enum vg_policy_kind)kind) + strlen("file."));
	if (!strcmp(f, "path"))
		return add_str(b, fv->path);
	if (!strcmp(f, "new_path"))
		return fl->op != VG_FILE_SYMLINK && add_str(b, fv->new_path);
	if (!strcmp(f, "target"))
		return fl->op == VG_FILE_SYMLINK && add_str(b, fv->new_path);
	if (!strcmp(f, "result"))
		return add_i64(b, fl->result);
	if (!strcmp(f, "errno"))
		return add_errno(b, fl->result);
	if (!strcmp(f, "flags"))
		return add_u64(b, fl->flags);
	if (!strcmp(f, "open_flags"))
		return (fl->op == VG_FILE_OPEN || fl->op == VG_FILE_WRITE) &&
		       add_open_flags(b, fl->flags);
	if (!strcmp(f, "fd"))
		return fl->fd >= 0 && add_i64(b, fl->fd);
	if (!strcmp(f, "mode")) {
		if (fl->op != VG_FILE_OPEN && fl->op != VG_FILE_MKDIR && fl->op != VG_FILE_CHMOD)
			return false;
		vg_buf_addf(b, "%04o", fl->mode & 07777);
		return true;
	}
	if (!strcmp(f, "change"))
		return add_str(b, fv->change);
	if (!strcmp(f, "target_path"))
		return fv->change && add_str(b, fv->target);
	if (!strcmp(f, "sha256_before"))
		return fv->change && add_digest(b, &fv->before);
	if (!strcmp(f, "sha256_after"))
		return fv->change && add_digest(b, &fv->after);
	return false;
}

static bool creds_field(struct vg_buf *b, const char *f, const struct vg_creds *c)
{
	if (!strcmp(f, "uid"))
		return add_u64(b, c->uid);
	if (!strcmp(f, "gid"))
		return add_u64(b, c->gid);
	if (!strcmp(f, "euid"))
		return add_u64(b, c->euid);
	if (!strcmp(f, "egid"))
		return add_u64(b, c->egid);
	if (!strcmp(f, "cap_effective")) {
		vg_buf_addf(b, "0x%" PRIx64, (uint64_t)c->cap_effective);
		return true;
	}
	return false;
}

static bool priv_field(struct vg_buf *b, const char *f, const struct vg_priv *p)
{
	if (!strcmp(f, "op"))
		return add_str(b, vg_priv_op_name(p->op));
	if (!strcmp(f, "syscall"))
		return add_u64(b, p->syscall);
	if (!strcmp(f, "result"))
		return add_i64(b, p->result);
	if (!strcmp(f, "errno"))
		return add_errno(b, p->result);
	if (!strcmp(f, "args")) {
		vg_buf_addf(b, "%" PRId32 ",%" PRId32 ",%" PRId32, (int32_t)p->args[0],
			    (int32_t)p->args[1], (int32_t)p->args[2]);
		return true;
	}
	if (!strncmp(f, "old.", 4))
		return creds_field(b, f + 4, &p->old);
	if (!strncmp(f, "new.", 4))
		return creds_field(b, f + 4, &p->new);
	return false;
}

static bool net_field(struct vg_buf *b, const char *f, const struct vg_event_view *ev)
{
	const struct vg_net *n = ev->net;
	int kind = vg_policy_event_kind(ev);

	if (!strcmp(f, "op"))
		return kind >= 0 && add_str(b, vg_policy_kind_name((enum vg_policy_kind)kind));
	if (!strcmp(f, "syscall"))
		return add_u64(b, n->syscall);
	if (!strcmp(f, "family"))
		return add_family(b, n->family);
	if (!strcmp(f, "protocol"))
		return add_protocol(b, n->protocol);
	if (!strcmp(f, "sock_type"))
		return add_str(b, vg_sock_type_name(n->sock_type));
	if (!strcmp(f, "saddr"))
		return add_addr(b, n->family, n->saddr);
	if (!strcmp(f, "sport"))
		return add_port(b, n->family, n->sport);
	if (!strcmp(f, "daddr"))
		return add_addr(b, n->family, n->daddr);
	if (!strcmp(f, "dport"))
		return add_port(b, n->family, n->dport);
	if (!strcmp(f, "unix_path")) {
		size_t len = n->unix_path_len < VG_UNIX_PATH_LEN ? n->unix_path_len : VG_UNIX_PATH_LEN;
		bool abstract = n->flags & VG_NET_UNIX_ABSTRACT;

		if (n->family != AF_UNIX || (!len && !abstract))
			return false;
		if (abstract) {
			vg_buf_addc(b, '@');
			vg_buf_add(b, n->unix_path, len);	/* may hold NULs: escaped */
		} else {
			vg_buf_add(b, n->unix_path, strnlen(n->unix_path, len));
		}
		return true;
	}
	if (!strcmp(f, "fd"))
		return n->fd >= 0 && add_i64(b, n->fd);
	if (!strcmp(f, "backlog"))
		return n->op == VG_NET_LISTEN && add_u64(b, n->backlog);
	if (!strcmp(f, "result"))
		return add_i64(b, n->result);
	if (!strcmp(f, "errno"))
		return add_errno(b, n->result);
	return false;
}

static bool flow_field(struct vg_buf *b, const char *f, const struct vg_flow *fl)
{
	if (!strcmp(f, "family"))
		return add_family(b, fl->family);
	if (!strcmp(f, "protocol"))
		return add_protocol(b, fl->protocol);
	if (!strcmp(f, "saddr"))
		return add_addr(b, fl->family, fl->saddr);
	if (!strcmp(f, "sport"))
		return add_port(b, fl->family, fl->sport);
	if (!strcmp(f, "daddr"))
		return add_addr(b, fl->family, fl->daddr);
	if (!strcmp(f, "dport"))
		return add_port(b, fl->family, fl->dport);
	if (!strcmp(f, "direction"))
		return !(fl->flags & VG_FLOW_OWNER_UNKNOWN) &&
		       add_str(b, fl->flags & VG_FLOW_INBOUND ? "inbound" : "outbound");
	if (!strcmp(f, "bytes_sent"))
		return add_u64(b, fl->bytes_sent);
	if (!strcmp(f, "bytes_received"))
		return add_u64(b, fl->bytes_received);
	if (!strcmp(f, "duration_ns"))
		return add_u64(b, fl->duration_ns);
	if (!strcmp(f, "close"))
		return add_str(b, vg_flow_close_name(fl->close));
	return false;
}

static bool syscall_field(struct vg_buf *b, const char *f, const struct vg_syscall *sc)
{
	if (!strcmp(f, "name"))
		return add_str(b, vg_policy_syscall_name(sc->nr));
	if (!strcmp(f, "nr"))
		return add_u64(b, sc->nr);
	if (!strncmp(f, "arg", 3) && f[3] >= '0' && f[3] <= '5' && !f[4])
		return add_u64(b, sc->args[f[3] - '0']);
	return false;
}

/* A score as people write it: at most two decimals, no trailing zeros
 * ("7.5", "12", "5.33"). */
static bool add_score(struct vg_buf *b, double v)
{
	char s[64];
	size_t len;

	if (!isfinite(v) || v < 0)
		return false;
	len = (size_t)snprintf(s, sizeof(s), "%.2f", v);
	if (len >= sizeof(s))
		return false;
	while (s[len - 1] == '0')
		len--;
	if (s[len - 1] == '.')
		len--;
	vg_buf_add(b, s, len);
	return true;
}

/*
 * anomaly.*: misses from the kernel record (0 for anomalies found in user
 * space), the rest from the detector's view.  Reasons are joined by "; "
 * (none: an empty text, a value like any).
 */
static bool anomaly_field(struct vg_buf *b, const char *f, const struct vg_event_view *ev)
{
	const struct vg_anomaly_view *av = ev->anomaly_view;

	if (!strcmp(f, "misses"))
		return add_u64(b, ev->anomaly->misses);
	if (!av)
		return false;
	if (!strcmp(f, "score"))
		return add_score(b, av->score);
	if (!strcmp(f, "profile"))
		return add_str(b, av->profile);
	if (!strcmp(f, "reasons")) {
		size_t n = 0;

		if (av->n_reasons && !av->reasons)
			return false;
		for (size_t i = 0; i < av->n_reasons; i++)
			if (av->reasons[i])
				vg_buf_addf(b, "%s%s", n++ ? "; " : "", av->reasons[i]);
		return true;
	}
	return false;
}

/* sched.*, oom.*, block.*: numbers with two decimals for percentages and ms. */
static bool sched_field(struct vg_buf *b, const char *f, const struct vg_sched *r)
{
	if (!strcmp(f, "cpu_percent")) {
		vg_buf_addf(b, "%.2f", r->history_len ? r->cpu_history[0] / 100.0 : 0.0);
		return true;
	}
	if (!strcmp(f, "runq_p99_ms")) {
		vg_buf_addf(b, "%.3f", r->runq_p99_ns / 1e6);
		return true;
	}
	if (!strcmp(f, "others_runq_p99_ms")) {
		vg_buf_addf(b, "%.3f", r->others_runq_p99_ns / 1e6);
		return true;
	}
	return false;
}

static bool block_field(struct vg_buf *b, const char *f, const struct vg_block *k)
{
	if (!strcmp(f, "disk")) {
		vg_buf_add(b, k->disk, strnlen(k->disk, sizeof(k->disk)));
		return true;
	}
	if (!strcmp(f, "op"))
		return add_str(b, vg_block_op_name(k->op));
	if (!strcmp(f, "bytes"))
		return add_u64(b, k->bytes);
	if (!strcmp(f, "latency_ms")) {
		vg_buf_addf(b, "%.3f", k->latency_ns / 1e6);
		return true;
	}
	return false;
}

/* uprobe.symbol, site, ret; argN: the captured argument N (number, string
 * or buffer in hex), absent when the probe does not capture it. */
static bool uprobe_field(struct vg_buf *b, const char *f, const struct vg_uprobe *u)
{
	bool ret = u->flags & VG_UPROBE_RETURN;

	if (!strcmp(f, "symbol")) {
		vg_buf_add(b, u->symbol, strnlen(u->symbol, sizeof(u->symbol)));
		return true;
	}
	if (!strcmp(f, "site"))
		return add_str(b, ret ? "return" : "entry");
	if (!strcmp(f, "ret"))
		return ret && add_i64(b, u->ret);
	if (strncmp(f, "arg", 3) || f[3] < '0' || f[3] > '5' || f[4])
		return false;
	for (uint32_t i = 0; i < u->n_args && i < VG_UPROBE_ARGS; i++) {
		size_t len = u->data_len[i] < VG_UPROBE_DATA_LEN ? u->data_len[i]
								  : VG_UPROBE_DATA_LEN;

		if (u->arg_index[i] != (uint8_t)(f[3] - '0'))
			continue;
		if (u->arg_kind[i] == VG_UP_ARG_STR) {
			vg_buf_add(b, u->data[i], strnlen(u->data[i], len));
		} else if (u->arg_kind[i] == VG_UP_ARG_BUF) {
			for (size_t j = 0; j < len; j++)
				vg_buf_addf(b, "%02x", (unsigned char)u->data[i][j]);
		} else {
			add_u64(b, u->args[i]);
		}
		return true;
	}
	return false;
}

/* A kernel enum value: its name, or the number when it has none. */
static bool add_enum(struct vg_buf *b, const char *name, uint32_t v)
{
	return name ? add_str(b, name) : add_u64(b, v);
}

/* A field the command fills (vg_bpf_event_fields()), else none. */
static bool bpf_field(struct vg_buf *b, const char *f, const struct vg_bpf *r)
{
	unsigned int have = vg_bpf_event_fields(r);

	if (!strcmp(f, "cmd"))
		return add_enum(b, vg_bpf_cmd_name(r->cmd), r->cmd);
	if (!strcmp(f, "result"))
		return add_i64(b, r->result);
	if (!strcmp(f, "errno"))
		return add_errno(b, r->result);
	if (!strcmp(f, "prog_type"))
		return (have & VG_BPFF_PROG_TYPE) &&
		       add_enum(b, vg_bpf_prog_type_name(r->prog_type), r->prog_type);
	if (!strcmp(f, "map_type"))
		return (have & VG_BPFF_MAP_TYPE) &&
		       add_enum(b, vg_bpf_map_type_name(r->map_type), r->map_type);
	if (!strcmp(f, "attach_type"))
		return (have & VG_BPFF_ATTACH_TYPE) &&
		       add_enum(b, vg_bpf_attach_type_name(r->attach_type), r->attach_type);
	if (!strcmp(f, "name"))
		return (have & VG_BPFF_NAME) && r->name[0] &&
		       (vg_buf_add(b, r->name, strnlen(r->name, sizeof(r->name))), true);
	if (!strcmp(f, "insn_cnt"))
		return (have & VG_BPFF_INSN_CNT) && add_u64(b, r->insn_cnt);
	if (!strcmp(f, "path"))
		return (have & (VG_BPFF_PATH | VG_BPFF_TRACEPOINT)) && r->path[0] &&
		       (vg_buf_add(b, r->path, strnlen(r->path, sizeof(r->path))), true);
	return false;
}

/* tls.direction, function, len, data (the captured bytes; control bytes
 * escaped by the renderer), daddr, dport (the peer; none when unknown). */
static bool tls_field(struct vg_buf *b, const char *f, const struct vg_tls *t)
{
	if (!strcmp(f, "direction"))
		return add_str(b, t->op == VG_TLS_READ ? "read" : "write");
	if (!strcmp(f, "function"))
		return add_str(b, vg_tls_func_name(t->func));
	if (!strcmp(f, "len"))
		return add_u64(b, t->len);
	if (!strcmp(f, "data")) {
		vg_buf_add(b, t->data, t->data_len < sizeof(t->data) ? t->data_len : sizeof(t->data));
		return true;
	}
	if (!strcmp(f, "daddr"))
		return add_addr(b, t->family, t->daddr);
	if (!strcmp(f, "dport"))
		return add_port(b, t->family, t->dport);
	return false;
}

/* shell.line (as typed), tty ("pts/3"; none without one), sessionid. */
static bool shell_field(struct vg_buf *b, const char *f, const struct vg_shell *sh)
{
	char tty[VG_SHELL_TTY_LEN + 8];

	if (!strcmp(f, "line")) {
		vg_buf_add(b, sh->line, strnlen(sh->line, sizeof(sh->line)));
		return true;
	}
	if (!strcmp(f, "tty"))
		return add_str(b, vg_tty_display(sh->tty, tty, sizeof(tty)));
	if (!strcmp(f, "sessionid"))
		return sh->sessionid != UINT32_MAX && add_u64(b, sh->sessionid);
	return false;
}

/* The value of a field named by the validator's table into b; false: none. */
static bool field_value(struct vg_buf *b, const char *name, const struct vg_event_view *ev,
			const struct vg_policy_msg_ctx *m)
{
	static const struct {
		const char *group;
		uint16_t type;		/* the record the group needs; 0: any */
	} groups[] = {
		{ "process.", 0 }, { "parent.", 0 }, { "exec.", VG_EV_EXEC },
		{ "fork.", VG_EV_FORK }, { "exit.", VG_EV_EXIT }, { "file.", VG_EV_FILE },
		{ "priv.", VG_EV_PRIV }, { "net.", VG_EV_NET }, { "flow.", VG_EV_FLOW },
		{ "syscall.", VG_EV_SYSCALL }, { "anomaly.", VG_EV_ANOMALY },
		{ "sched.", VG_EV_SCHED }, { "oom.", VG_EV_OOM }, { "block.", VG_EV_BLOCK },
		{ "uprobe.", VG_EV_UPROBE },
		{ "bpf.", VG_EV_BPF }, { "shell.", VG_EV_SHELL },
		{ "tls.", VG_EV_TLS },
	};
	int kind = vg_policy_event_kind(ev);
	unsigned int kinds = 0;
	const char *f = NULL;
	size_t i, g;

	for (i = 0; (f = vg_policy_template_field(i, &kinds)); i++)
		if (!strcmp(f, name))
			break;
	if (!f)
		return false;
	if (!strcmp(name, "policy"))
		return m && add_str(b, m->policy);
	if (!strcmp(name, "rule"))
		return m && add_str(b, m->rule);
	if (!strcmp(name, "severity"))
		return m && add_str(b, m->severity);
	if (!strcmp(name, "mode"))
		return m && add_str(b, m->mode);
	if (!strcmp(name, "action"))
		return m && add_str(b, m->action);
	if (!ev || !ev->hdr)
		return false;
	if (!strcmp(name, "time"))
		return add_time(b, ev->time_ns);
	if (!strcmp(name, "kind"))
		return kind >= 0 && add_str(b, vg_policy_kind_name((enum vg_policy_kind)kind));
	if (kind < 0 || !(kinds & VG_POLICY_KIND_BIT(kind)))
		return false;
	for (g = 0; g < ARRAY_SIZE(groups); g++)
		if (!strncmp(name, groups[g].group, strlen(groups[g].group)))
			break;
	if (g == ARRAY_SIZE(groups) || (groups[g].type && groups[g].type != ev->hdr->type))
		return false;
	f = name + strlen(groups[g].group);
	switch (groups[g].type) {
	case 0:
		return g == 0 ? process_field(b, f, ev) : parent_field(b, f, ev);
	case VG_EV_EXEC:
		return exec_field(b, f, ev->exec);
	case VG_EV_FORK:
		return fork_field(b, f, ev->fork);
	case VG_EV_EXIT:
		return exit_field(b, f, ev->exit);
	case VG_EV_FILE:
		return file_field(b, f, ev);
	case VG_EV_PRIV:
		return priv_field(b, f, ev->priv);
	case VG_EV_NET:
		return net_field(b, f, ev);
	case VG_EV_FLOW:
		return flow_field(b, f, ev->flow);
	case VG_EV_SYSCALL:
		return syscall_field(b, f, ev->syscall);
	case VG_EV_ANOMALY:
		return anomaly_field(b, f, ev);
	case VG_EV_SCHED:
		return sched_field(b, f, ev->sched);
	case VG_EV_OOM:
		return !strcmp(f, "rss_kb") && add_u64(b, ev->oom->rss_kb);
	case VG_EV_BLOCK:
		return block_field(b, f, ev->block);
	case VG_EV_UPROBE:
		return uprobe_field(b, f, ev->uprobe);
	case VG_EV_BPF:
		return bpf_field(b, f, ev->bpf);
	case VG_EV_SHELL:
		return shell_field(b, f, ev->shell);
	case VG_EV_TLS:
		return tls_field(b, f, ev->tls);
	}
	return false;
}

/* A value into the message: control characters as \xNN. */
static void add_escaped(struct vg_buf *b, const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c < 0x20 || c == 0x7f)
			vg_buf_addf(b, "\\x%02x", c);
		else
			vg_buf_addc(b, (char)c);
	}
}

void vg_policy_message_render(struct vg_buf *b, const char *tmpl,
			      const struct vg_event_view *ev,
			      const struct vg_policy_msg_ctx *m)
{
	struct vg_buf val;
	char name[128];
	bool have;

	if (!tmpl)
		return;
	vg_buf_init(&val);
	for (const char *p = tmpl; *p; p++) {
		const char *end;
		size_t len;

		if ((p[0] == '{' && p[1] == '{') || (p[0] == '}' && p[1] == '}')) {
			vg_buf_addc(b, *p++);
			continue;
		}
		if (*p != '{' || !(end = strchr(p + 1, '}'))) {
			vg_buf_addc(b, *p);
			continue;
		}
		len = (size_t)(end - p - 1);
		have = false;
		vg_buf_reset(&val);
		if (len < sizeof(name)) {
			memcpy(name, p + 1, len);
			name[len] = '\0';
			have = field_value(&val, name, ev, m);
		}
		if (val.oom)
			b->oom = true;
		else if (have)
			add_escaped(b, val.data, val.len);
		else
			vg_buf_adds(b, MISSING);
		p = end;
	}
	vg_buf_release(&val);
}
