// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "argv.h"
#include "clock.h"
#include "json.h"
#include "names.h"
#include "output.h"
#include "fim.h"
#include "gpu.h"
#include "policy.h"
#include "preset.h"
#include "sensor.h"
#include "vigil/uprobe.h"
#include "bpfwatch.h"

#define OUTPUT_BUFSIZE (256 * 1024)

int vg_format_parse(const char *s, enum vg_format *fmt)
{
	if (!strcmp(s, "json"))
		*fmt = VG_FMT_JSON;
	else if (!strcmp(s, "text"))
		*fmt = VG_FMT_TEXT;
	else
		return -EINVAL;
	return 0;
}

static const char *signal_name(unsigned int sig)
{
	const char *abbrev = sig < 65 ? sigabbrev_np((int)sig) : NULL;
	static char name[16];

	if (!abbrev)
		return NULL;
	snprintf(name, sizeof(name), "SIG%s", abbrev);
	return name;
}

/* ---- JSON ------------------------------------------------------------ */

static void json_key(struct vg_buf *b, const char *key)
{
	if (b->len && b->data[b->len - 1] != '{' && b->data[b->len - 1] != '[')
		vg_buf_addc(b, ',');
	vg_buf_addf(b, "\"%s\":", key);
}

static void json_u64(struct vg_buf *b, const char *key, uint64_t v)
{
	json_key(b, key);
	vg_buf_addf(b, "%" PRIu64, v);
}

static void json_bool(struct vg_buf *b, const char *key, bool v)
{
	json_key(b, key);
	vg_buf_adds(b, v ? "true" : "false");
}

/* A string field; an empty or NULL value is written as null (unknown). */
static void json_str_or_null(struct vg_buf *b, const char *key, const char *s)
{
	json_key(b, key);
	vg_json_cstr(b, s && *s ? s : NULL);
}

static void json_args(struct vg_buf *b, const struct vg_proc_view *p)
{
	struct vg_str args[VG_ARGS_MAX];
	bool cut = false;
	size_t n;

	json_key(b, "args");
	if (!p->args) {
		vg_buf_adds(b, "null");
		return;
	}
	n = vg_argv_split(p->args, p->args_len, args, VG_ARGS_MAX, &cut);
	vg_buf_addc(b, '[');
	for (size_t i = 0; i < n; i++) {
		if (i)
			vg_buf_addc(b, ',');
		vg_json_str(b, args[i].ptr, args[i].len);
	}
	vg_buf_addc(b, ']');
	json_bool(b, "args_truncated", cut || p->args_truncated);
}

static void json_container(struct vg_buf *b, const struct vg_container *c)
{
	json_key(b, "container");
	if (!c) {
		vg_buf_adds(b, "null");
		return;
	}
	vg_buf_addc(b, '{');
	json_str_or_null(b, "id", c->id);
	json_str_or_null(b, "runtime", vg_runtime_name(c->runtime));
	json_str_or_null(b, "pod_uid", c->pod_uid);
	vg_buf_addc(b, '}');
}

static void json_time(struct vg_buf *b, const char *key, uint64_t real_ns)
{
	char ts[VG_RFC3339_LEN];

	vg_format_rfc3339(real_ns, ts);
	json_key(b, key);
	vg_buf_addf(b, "\"%s\"", ts);
}

static void json_process(struct vg_buf *b, const struct vg_event_view *ev)
{
	const struct vg_proc_view *p = &ev->proc;
	const struct vg_task_ctx *t = p->task;

	json_key(b, "process");
	vg_buf_addc(b, '{');
	json_u64(b, "pid", t->pid);
	json_u64(b, "tid", t->tid);
	json_u64(b, "ppid", t->ppid);
	json_u64(b, "uid", t->uid);
	json_u64(b, "gid", t->gid);
	json_u64(b, "euid", t->euid);
	json_u64(b, "egid", t->egid);
	json_key(b, "loginuid");
	if (t->loginuid == UINT32_MAX)
		vg_buf_adds(b, "null");
	else
		vg_buf_addf(b, "%" PRIu32, t->loginuid);
	json_key(b, "comm");
	vg_json_str(b, t->comm, strnlen(t->comm, sizeof(t->comm)));
	json_str_or_null(b, "exe", p->exe);
	json_args(b, p);
	json_str_or_null(b, "cgroup", p->cgroup);
	json_u64(b, "cgroup_id", t->cgroup_id);
	json_container(b, p->container);
	json_key(b, "namespaces");
	vg_buf_addf(b, "{\"pid\":%" PRIu32 ",\"mnt\":%" PRIu32 ",\"net\":%" PRIu32 "}",
		    t->pid_ns, t->mnt_ns, t->net_ns);
	json_time(b, "start_time", ev->time_ns - (ev->hdr->ts_ns - t->start_ns));
	vg_buf_addc(b, '}');

	json_key(b, "parent");
	vg_buf_addc(b, '{');
	json_u64(b, "pid", t->ppid);
	json_str_or_null(b, "exe", p->parent_exe);
	vg_buf_addc(b, '}');
}

static void json_open_flags(struct vg_buf *b, unsigned int flags)
{
	const char *names[VG_OPEN_FLAG_NAMES_MAX];
	size_t n = vg_open_flag_names(flags, names);

	json_key(b, "open_flags");
	vg_buf_addc(b, '[');
	for (size_t i = 0; i < n; i++)
		vg_buf_addf(b, "%s\"%s\"", i ? "," : "", names[i]);
	vg_buf_addc(b, ']');
}

static void json_result(struct vg_buf *b, int64_t result)
{
	const char *name = result < 0 && result > -4096 ? strerrorname_np((int)-result) : NULL;

	json_key(b, "result");
	vg_buf_addf(b, "%" PRId64, result);
	json_key(b, "errno");
	vg_json_cstr(b, name);
}

static void json_mode(struct vg_buf *b, const char *key, unsigned int mode)
{
	json_key(b, key);
	vg_buf_addf(b, "\"%04o\"", mode & 07777);
}

static void json_fim_state(struct vg_buf *b, const char *key, const struct vg_fim_state *st)
{
	json_key(b, key);
	if (!st->known) {
		vg_buf_adds(b, "null");
		return;
	}
	vg_buf_addc(b, '{');
	json_bool(b, "exists", st->exists);
	if (st->exists) {
		json_mode(b, "mode", st->mode);
		json_u64(b, "uid", st->uid);
		json_u64(b, "gid", st->gid);
		json_u64(b, "size", (uint64_t)st->size);
	}
	vg_buf_addc(b, '}');
}

static void json_digest(struct vg_buf *b, const char *key, const struct vg_fim_state *st)
{
	char hex[65];

	json_key(b, key);
	if (!st->known || !st->has_digest) {
		vg_buf_adds(b, "null");
		return;
	}
	vg_fim_hex(st->sha256, hex);
	vg_buf_addf(b, "\"%s\"", hex);
}

static void json_file(struct vg_buf *b, const struct vg_event_view *ev)
{
	const struct vg_file *f = ev->file;
	const struct vg_file_view *fv = &ev->file_view;

	json_key(b, "file");
	vg_buf_addc(b, '{');
	json_str_or_null(b, "op", vg_file_op_name(f->op));
	json_key(b, "path");
	vg_json_cstr(b, fv->path);
	if (fv->new_path) {
		json_key(b, f->op == VG_FILE_SYMLINK ? "target" : "new_path");
		vg_json_cstr(b, fv->new_path);
	}
	json_result(b, (int64_t)f->result);
	json_u64(b, "flags", f->flags);
	if (f->op == VG_FILE_OPEN || f->op == VG_FILE_WRITE)
		json_open_flags(b, f->flags);
	json_key(b, "fd");
	if (f->fd >= 0)
		vg_buf_addf(b, "%d", f->fd);
	else
		vg_buf_adds(b, "null");
	if (f->op == VG_FILE_OPEN || f->op == VG_FILE_MKDIR || f->op == VG_FILE_CHMOD)
		json_mode(b, "mode", f->mode);
	if (f->op == VG_FILE_CHOWN) {
		json_key(b, "owner");
		vg_buf_addf(b, "{\"uid\":%d,\"gid\":%d}", (int)f->uid, (int)f->gid);
	}
	if (f->op == VG_FILE_WRITE || f->op == VG_FILE_TRUNCATE)
		json_u64(b, f->op == VG_FILE_WRITE ? "count" : "length", f->count);
	if (f->offset >= 0)
		json_u64(b, "offset", (uint64_t)f->offset);
	json_key(b, "inode");
	if (f->ino)
		vg_buf_addf(b, "{\"ino\":%" PRIu64 ",\"dev\":\"%u:%u\",\"mode\":\"%06o\"}", (uint64_t)f->ino,
			    f->dev >> 20, f->dev & 0xfffff, f->i_mode);
	else
		vg_buf_adds(b, "null");
	json_key(b, "match");
	vg_buf_adds(b, f->match & VG_MATCH_ALL ? "\"all\"" :
		       f->match & VG_MATCH_EXACT ? "\"exact\"" : "\"prefix\"");
	json_bool(b, "path_truncated", f->file_flags & VG_FILE_PATH_TRUNCATED);
	if (fv->change) {
		json_str_or_null(b, "change", fv->change);
		json_str_or_null(b, "target_path", fv->target);
		json_digest(b, "sha256_before", &fv->before);
		json_digest(b, "sha256_after", &fv->after);
		json_fim_state(b, "before", &fv->before);
		json_fim_state(b, "after", &fv->after);
		json_bool(b, "digest_coalesced", fv->coalesced);
	}
	vg_buf_addc(b, '}');
}

static void json_creds(struct vg_buf *b, const char *key, const struct vg_creds *c)
{
	json_key(b, key);
	vg_buf_addf(b, "{\"uid\":%u,\"gid\":%u,\"euid\":%u,\"egid\":%u,\"suid\":%u,"
		    "\"sgid\":%u,\"fsuid\":%u,\"fsgid\":%u,\"cap_effective\":\"0x%" PRIx64 "\","
		    "\"cap_permitted\":\"0x%" PRIx64 "\",\"cap_inheritable\":\"0x%" PRIx64 "\"}",
		    c->uid, c->gid, c->euid, c->egid, c->suid, c->sgid, c->fsuid, c->fsgid,
		    (uint64_t)c->cap_effective, (uint64_t)c->cap_permitted,
		    (uint64_t)c->cap_inheritable);
}

static void json_priv(struct vg_buf *b, const struct vg_event_view *ev)
{
	const struct vg_priv *p = ev->priv;

	json_key(b, "priv");
	vg_buf_addc(b, '{');
	json_str_or_null(b, "op", vg_priv_op_name(p->op));
	json_u64(b, "syscall", p->syscall);
	json_result(b, (int64_t)p->result);
	json_key(b, "args");
	vg_buf_addf(b, "[%" PRId64 ",%" PRId64 ",%" PRId64 "]", (int64_t)(int32_t)p->args[0],
		    (int64_t)(int32_t)p->args[1], (int64_t)(int32_t)p->args[2]);
	json_creds(b, "old", &p->old);
	json_creds(b, "new", &p->new);
	vg_buf_addc(b, '}');
}

/* ---- net ------------------------------------------------------------- */

/* The "kind" of an event: a net record is named after its operation
 * ("connect", "accept", ...); every other type after itself. */
static const char *event_kind_of(const struct vg_event_view *ev)
{
	if (ev->hdr->type == VG_EV_NET) {
		uint16_t op = ((const struct vg_net *)ev->hdr)->op;

		return vg_net_op_name(op) ?: "net";
	}
	return vg_event_kind(ev->hdr->type);
}

/* An inet address as text, or NULL for other families. */
static const char *addr_str(uint16_t family, const uint8_t *a, char buf[INET6_ADDRSTRLEN])
{
	if (family != AF_INET && family != AF_INET6)
		return NULL;
	return inet_ntop(family, a, buf, INET6_ADDRSTRLEN);
}

static bool is_inet(uint16_t family)
{
	return family == AF_INET || family == AF_INET6;
}

static void json_endpoint(struct vg_buf *b, const char *akey, const char *pkey, uint16_t family,
			  const uint8_t *addr, uint16_t port)
{
	char buf[INET6_ADDRSTRLEN];

	json_key(b, akey);
	vg_json_cstr(b, addr_str(family, addr, buf));
	json_key(b, pkey);
	if (is_inet(family))
		vg_buf_addf(b, "%u", port);
	else
		vg_buf_adds(b, "null");
}

/* An abstract unix name is shown as "@name", as ss(8) does. */
static void json_unix_path(struct vg_buf *b, const struct vg_net *n)
{
	json_key(b, "unix_path");
	if (n->family != AF_UNIX || (!n->unix_path_len && !(n->flags & VG_NET_UNIX_ABSTRACT))) {
		vg_buf_adds(b, "null");
	} else if (n->flags & VG_NET_UNIX_ABSTRACT) {
		char name[VG_UNIX_PATH_LEN + 1] = "@";

		memcpy(name + 1, n->unix_path, n->unix_path_len);
		vg_json_str(b, name, n->unix_path_len + 1u);
	} else {
		vg_json_str(b, n->unix_path, strnlen(n->unix_path, n->unix_path_len));
	}
	if (n->family == AF_UNIX)
		json_bool(b, "unix_abstract", n->flags & VG_NET_UNIX_ABSTRACT);
}

static void json_net(struct vg_buf *b, const struct vg_event_view *ev)
{
	const struct vg_net *n = (const struct vg_net *)ev->hdr;
	char fb[16], pb[16];

	json_key(b, "net");
	vg_buf_addc(b, '{');
	json_str_or_null(b, "op", vg_net_op_name(n->op));
	json_u64(b, "syscall", n->syscall);
	json_str_or_null(b, "family", vg_family_name(n->family, fb));
	json_str_or_null(b, "protocol", vg_protocol_name(n->protocol, pb));
	json_str_or_null(b, "sock_type", vg_sock_type_name(n->sock_type));
	json_endpoint(b, "saddr", "sport", n->family, n->saddr, n->sport);
	json_endpoint(b, "daddr", "dport", n->family, n->daddr, n->dport);
	json_unix_path(b, n);
	json_key(b, "fd");
	if (n->fd >= 0)
		vg_buf_addf(b, "%d", n->fd);
	else
		vg_buf_adds(b, "null");
	if (n->op == VG_NET_LISTEN)
		json_u64(b, "backlog", n->backlog);
	json_result(b, (int64_t)n->result);
	if (n->flags & VG_NET_DENIED) {
		json_key(b, "action");
		vg_buf_adds(b, "\"deny\"");
		json_u64(b, "rule", n->rule_id);
	}
	vg_buf_addc(b, '}');
}

static bool flow_owner_unknown(const struct vg_event_view *ev)
{
	return ev->hdr->type == VG_EV_FLOW &&
	       (((const struct vg_flow *)ev->hdr)->flags & VG_FLOW_OWNER_UNKNOWN);
}

static void json_flow(struct vg_buf *b, const struct vg_event_view *ev)
{
	const struct vg_flow *f = (const struct vg_flow *)ev->hdr;
	bool unknown = f->flags & VG_FLOW_OWNER_UNKNOWN;
	char fb[16], pb[16];

	json_key(b, "flow");
	vg_buf_addc(b, '{');
	json_str_or_null(b, "family", vg_family_name(f->family, fb));
	json_str_or_null(b, "protocol", vg_protocol_name(f->protocol, pb));
	json_endpoint(b, "saddr", "sport", f->family, f->saddr, f->sport);
	json_endpoint(b, "daddr", "dport", f->family, f->daddr, f->dport);
	json_key(b, "direction");
	vg_json_cstr(b, unknown ? NULL : f->flags & VG_FLOW_INBOUND ? "inbound" : "outbound");
	json_u64(b, "bytes_sent", f->bytes_sent);
	json_u64(b, "bytes_received", f->bytes_received);
	json_u64(b, "packets_sent", f->packets_sent);
	json_u64(b, "packets_received", f->packets_received);
	if (f->start_ns && f->start_ns <= ev->hdr->ts_ns) {
		json_time(b, "start_time", ev->time_ns - (ev->hdr->ts_ns - f->start_ns));
	} else {
		json_key(b, "start_time");
		vg_buf_adds(b, "null");
	}
	json_u64(b, "duration_ns", f->duration_ns);
	json_str_or_null(b, "close", vg_flow_close_name(f->close));
	json_bool(b, "owner_known", !unknown);
	vg_buf_addc(b, '}');
}

static void json_syscall(struct vg_buf *b, const struct vg_event_view *ev)
{
	const struct vg_syscall *sc = ev->syscall;

	json_key(b, "syscall");
	vg_buf_addc(b, '{');
	json_u64(b, "nr", sc->nr);
	json_str_or_null(b, "name", vg_policy_syscall_name(sc->nr));
	json_key(b, "args");
	vg_buf_addc(b, '[');
	for (int i = 0; i < 6; i++)
		vg_buf_addf(b, "%s%" PRIu64, i ? "," : "", (uint64_t)sc->args[i]);
	vg_buf_addc(b, ']');
	json_bool(b, "killed", sc->flags & VG_SYSCALL_POLICY_KILLED);
	vg_buf_addc(b, '}');
}

/* The score as the message renders it: at most two decimals. */
static void json_score(struct vg_buf *b, double score)
{
	char buf[32];
	size_t n;

	snprintf(buf, sizeof(buf), "%.2f", score);
	n = strlen(buf);
	while (n > 1 && buf[n - 1] == '0')
		buf[--n] = '\0';
	if (n > 1 && buf[n - 1] == '.')
		buf[--n] = '\0';
	vg_buf_adds(b, buf);
}

static void json_anomaly(struct vg_buf *b, const struct vg_event_view *ev)
{
	const struct vg_anomaly *a = ev->anomaly;
	const struct vg_anomaly_view *av = ev->anomaly_view;
	uint32_t w = a->window < 8 ? a->window : 8;

	json_key(b, "anomaly");
	vg_buf_addc(b, '{');
	json_str_or_null(b, "profile", av ? av->profile : NULL);
	json_key(b, "score");
	if (av)
		json_score(b, av->score);
	else
		vg_buf_adds(b, "null");
	json_key(b, "reasons");
	vg_buf_addc(b, '[');
	for (size_t i = 0; av && i < av->n_reasons; i++) {
		if (i)
			vg_buf_addc(b, ',');
		vg_json_cstr(b, av->reasons[i]);
	}
	vg_buf_addc(b, ']');
	json_u64(b, "profile_id", a->profile_id);
	json_str_or_null(b, "mode", av ? av->mode : NULL);
	json_u64(b, "misses", a->misses);
	json_key(b, "syscalls");
	vg_buf_addc(b, '[');
	for (uint32_t i = 0; i < w; i++) {
		const char *n = vg_policy_syscall_name(a->nrs[i]);

		if (i)
			vg_buf_addc(b, ',');
		if (n)
			vg_json_cstr(b, n);
		else
			vg_buf_addf(b, "\"%u\"", a->nrs[i]);
	}
	vg_buf_addc(b, ']');
	json_u64(b, "suppressed", a->suppressed);
	vg_buf_addc(b, '}');
}

static void json_oom(struct vg_buf *b, const struct vg_event_view *ev)
{
	const struct vg_oom *o = ev->oom;

	json_key(b, "oom");
	vg_buf_addc(b, '{');
	json_u64(b, "total_vm_kb", o->total_vm_kb);
	json_u64(b, "rss_kb", o->rss_kb);
	json_key(b, "oom_score_adj");
	vg_buf_addf(b, "%d", o->oom_score_adj);
	vg_buf_addc(b, '}');
}

static const char *const block_ops[] = {
	[VG_BLOCK_READ] = "read", [VG_BLOCK_WRITE] = "write", [VG_BLOCK_FLUSH] = "flush",
	[VG_BLOCK_DISCARD] = "discard", [VG_BLOCK_OTHER] = "other",
};

const char *vg_block_op_name(uint32_t op)
{
	return op < sizeof(block_ops) / sizeof(block_ops[0]) && block_ops[op] ? block_ops[op] : "other";
}

static void json_block(struct vg_buf *b, const struct vg_event_view *ev)
{
	const struct vg_block *k = ev->block;

	json_key(b, "block");
	vg_buf_addc(b, '{');
	json_key(b, "disk");
	vg_json_str(b, k->disk, strnlen(k->disk, sizeof(k->disk)));
	json_key(b, "dev");
	vg_buf_addf(b, "\"%u:%u\"", k->dev >> 20, k->dev & ((1u << 20) - 1));
	json_str_or_null(b, "op", vg_block_op_name(k->op));
	json_u64(b, "sector", k->sector);
	json_u64(b, "bytes", k->bytes);
	json_key(b, "error");
	vg_buf_addf(b, "%d", k->error);
	json_u64(b, "queue_ns", k->queue_ns);
	json_u64(b, "latency_ns", k->latency_ns);
	vg_buf_addc(b, '}');
}

static const char *const uprobe_arg_kinds[] = { "none", "int", "str", "buf" };

static const char *uprobe_arg_kind(uint8_t k)
{
	return k < sizeof(uprobe_arg_kinds) / sizeof(uprobe_arg_kinds[0]) ? uprobe_arg_kinds[k] : "?";
}

static void json_uprobe(struct vg_buf *b, const struct vg_event_view *ev)
{
	const struct vg_uprobe *u = ev->uprobe;
	bool ret = u->flags & VG_UPROBE_RETURN;

	json_key(b, "uprobe");
	vg_buf_addc(b, '{');
	json_u64(b, "probe_id", u->probe_id);
	json_str_or_null(b, "symbol", u->symbol);
	json_key(b, "site");
	vg_buf_adds(b, ret ? "\"return\"" : "\"entry\"");
	json_key(b, "ret");
	if (ret)
		vg_buf_addf(b, "%" PRId64, (int64_t)u->ret);
	else
		vg_buf_adds(b, "null");
	json_key(b, "args");
	vg_buf_addc(b, '[');
	for (uint32_t i = 0; i < u->n_args && i < VG_UPROBE_ARGS; i++) {
		vg_buf_adds(b, i ? ",{" : "{");
		json_u64(b, "index", u->arg_index[i]);
		json_str_or_null(b, "type", uprobe_arg_kind(u->arg_kind[i]));
		json_u64(b, "value", u->args[i]);
		if (u->arg_kind[i] == VG_UP_ARG_STR) {
			json_key(b, "str");
			vg_json_str(b, u->data[i], u->data_len[i]);
		} else if (u->arg_kind[i] == VG_UP_ARG_BUF) {
			json_key(b, "hex");
			vg_buf_addc(b, '"');
			for (uint32_t j = 0; j < u->data_len[i] && j < VG_UPROBE_DATA_LEN; j++)
				vg_buf_addf(b, "%02x", (unsigned char)u->data[i][j]);
			vg_buf_addc(b, '"');
		}
		vg_buf_addc(b, '}');
	}
	vg_buf_addc(b, ']');
	json_bool(b, "guard", u->flags & VG_UPROBE_GUARD);
	json_bool(b, "killed", u->flags & VG_UPROBE_KILLED);
	json_str_or_null(b, "rule", u->rule);
	vg_buf_addc(b, '}');
}

/* A kernel enum value by its name, or as a number when it has none. */
static void json_enum(struct vg_buf *b, const char *key, const char *name, uint32_t v)
{
	json_key(b, key);
	if (name)
		vg_buf_addf(b, "\"%s\"", name);
	else
		vg_buf_addf(b, "%" PRIu32, v);
}

static void json_bpf(struct vg_buf *b, const struct vg_event_view *ev)
{
	const struct vg_bpf *r = ev->bpf;
	unsigned int f = vg_bpf_event_fields(r);

	json_key(b, "bpf");
	vg_buf_addc(b, '{');
	json_enum(b, "cmd", vg_bpf_cmd_name(r->cmd), r->cmd);
	json_result(b, (int64_t)r->result);
	json_u64(b, "duration_ns", r->duration_ns);
	json_u64(b, "attr_size", r->attr_size);
	if (r->flags & VG_BPF_ATTR_FAULT)
		json_bool(b, "attr_unreadable", true);
	if (f & VG_BPFF_PROG_TYPE)
		json_enum(b, "prog_type", vg_bpf_prog_type_name(r->prog_type), r->prog_type);
	if (f & VG_BPFF_MAP_TYPE)
		json_enum(b, "map_type", vg_bpf_map_type_name(r->map_type), r->map_type);
	if (f & VG_BPFF_ATTACH_TYPE)
		json_enum(b, "attach_type", vg_bpf_attach_type_name(r->attach_type), r->attach_type);
	if (f & VG_BPFF_STATS_TYPE)
		json_enum(b, "stats_type", r->attach_type == 0 ? "run_time" : NULL, r->attach_type);
	if (f & VG_BPFF_NAME)
		json_str_or_null(b, "name", r->name);
	if (f & VG_BPFF_INSN_CNT)
		json_u64(b, "insn_cnt", r->insn_cnt);
	if (f & VG_BPFF_ATTACH_BTF_ID)
		json_u64(b, "attach_btf_id", r->attach_btf_id);
	if (f & VG_BPFF_MAP_SIZES) {
		json_u64(b, "key_size", r->key_size);
		json_u64(b, "value_size", r->value_size);
		json_u64(b, "max_entries", r->max_entries);
	}
	if (f & VG_BPFF_FLAGS)
		json_u64(b, "flags", r->obj_flags);
	if (f & VG_BPFF_PROG_FD) {
		json_key(b, "prog_fd");
		vg_buf_addf(b, "%" PRId32, r->prog_fd);
	}
	if (f & VG_BPFF_TARGET_FD) {
		json_key(b, "target_fd");
		vg_buf_addf(b, "%" PRId32, r->target_fd);
	}
	if (f & VG_BPFF_BPF_FD) {
		json_key(b, "bpf_fd");
		vg_buf_addf(b, "%" PRId32, r->bpf_fd);
	}
	if (f & (VG_BPFF_PATH | VG_BPFF_TRACEPOINT)) {
		json_str_or_null(b, f & VG_BPFF_PATH ? "path" : "tracepoint", r->path);
		json_bool(b, "path_truncated", r->flags & VG_BPF_PATH_TRUNCATED);
	}
	if (f & VG_BPFF_BTF_SIZE)
		json_u64(b, "btf_size", r->btf_size);
	vg_buf_addc(b, '}');
}

static void json_hex(struct vg_buf *b, const char *data, size_t len)
{
	vg_buf_addc(b, '"');
	for (size_t i = 0; i < len; i++)
		vg_buf_addf(b, "%02x", (unsigned char)data[i]);
	vg_buf_addc(b, '"');
}

static void json_fd(struct vg_buf *b, int fd)
{
	json_key(b, "fd");
	if (fd >= 0)
		vg_buf_addf(b, "%d", fd);
	else
		vg_buf_adds(b, "null");
}

/* "data" is the plaintext as a JSON string; when that cannot hold every
 * byte (not valid UTF-8: binary protocols) "data_hex" has them exactly. */
static void json_tls(struct vg_buf *b, const struct vg_event_view *ev)
{
	const struct vg_tls *t = ev->tls;
	uint32_t n = t->data_len < VG_TLS_DATA_LEN ? t->data_len : VG_TLS_DATA_LEN;
	char fb[16];

	json_key(b, "tls");
	vg_buf_addc(b, '{');
	json_str_or_null(b, "op", vg_tls_op_name(t->op));
	json_str_or_null(b, "function", vg_tls_func_name(t->func));
	json_key(b, "ret");
	vg_buf_addf(b, "%d", t->ret);
	json_u64(b, "len", t->len);
	json_u64(b, "captured", n);
	json_bool(b, "truncated", t->flags & VG_TLS_TRUNCATED);
	json_key(b, "data");
	vg_json_str(b, t->data, n);
	json_key(b, "data_hex");
	if (vg_json_lossless(t->data, n))
		vg_buf_adds(b, "null");
	else
		json_hex(b, t->data, n);
	json_bool(b, "data_unreadable", t->flags & VG_TLS_DATA_UNREADABLE);
	json_fd(b, t->fd);
	json_str_or_null(b, "family", vg_family_name(t->family, fb));
	json_endpoint(b, "saddr", "sport", t->family, t->saddr, t->sport);
	json_endpoint(b, "daddr", "dport", t->family, t->daddr, t->dport);
	json_bool(b, "socket_cached", t->flags & VG_TLS_SOCK_CACHED);
	json_key(b, "ssl");
	vg_buf_addf(b, "\"0x%" PRIx64 "\"", (uint64_t)t->ssl);
	json_u64(b, "duration_ns", t->duration_ns);
	vg_buf_addc(b, '}');
}

static void json_shell(struct vg_buf *b, const struct vg_event_view *ev)
{
	const struct vg_shell *sh = ev->shell;
	const struct vg_task_ctx *t = &sh->hdr.task;
	char tty[VG_SHELL_TTY_LEN + 8];

	json_key(b, "shell");
	vg_buf_addc(b, '{');
	json_key(b, "line");
	vg_json_str(b, sh->line, sh->line_len < VG_SHELL_LINE_LEN ? sh->line_len : 0);
	json_bool(b, "line_truncated", sh->flags & VG_SHELL_LINE_TRUNCATED);
	json_str_or_null(b, "tty", vg_tty_display(sh->tty, tty, sizeof(tty)));
	json_key(b, "loginuid");
	if (t->loginuid == UINT32_MAX)
		vg_buf_adds(b, "null");
	else
		vg_buf_addf(b, "%" PRIu32, t->loginuid);
	json_key(b, "sessionid");
	if (sh->sessionid == UINT32_MAX)
		vg_buf_adds(b, "null");
	else
		vg_buf_addf(b, "%" PRIu32, sh->sessionid);
	vg_buf_addc(b, '}');
}

static void json_sched(struct vg_buf *b, const struct vg_event_view *ev)
{
	const struct vg_sched *r = ev->sched;
	uint32_t n = r->history_len < VG_SCHED_HISTORY ? r->history_len : VG_SCHED_HISTORY;

	json_key(b, "sched");
	vg_buf_addc(b, '{');
	json_u64(b, "interval_ns", r->interval_ns);
	json_u64(b, "cpu_ns", r->cpu_ns);
	json_key(b, "cpu_percent");
	vg_buf_addf(b, "%.2f", n ? r->cpu_history[0] / 100.0 : 0.0);
	json_u64(b, "runq_count", r->runq_count);
	json_u64(b, "runq_p50_ns", r->runq_p50_ns);
	json_u64(b, "runq_p99_ns", r->runq_p99_ns);
	json_u64(b, "runq_max_ns", r->runq_max_ns);
	json_u64(b, "others_runq_p99_ns", r->others_runq_p99_ns);
	json_u64(b, "switches", r->switches);
	json_u64(b, "involuntary", r->involuntary);
	json_key(b, "cpu_history");
	vg_buf_addc(b, '[');
	for (uint32_t i = 0; i < n && i < 10; i++)
		vg_buf_addf(b, "%s%.2f", i ? "," : "", r->cpu_history[i] / 100.0);
	vg_buf_adds(b, "]}");
}

static void json_gpu(struct vg_buf *b, const struct vg_event_view *ev)
{
	const struct vg_gpu *g = ev->gpu;

	json_key(b, "gpu");
	vg_buf_addc(b, '{');
	json_u64(b, "interval_ns", g->interval_ns);
	json_bool(b, "exited", g->flags & VG_GPU_EXITED);
	json_key(b, "functions");
	vg_buf_addc(b, '{');
	for (unsigned int i = 0; i < VG_GPU_FNS; i++) {
		const struct vg_gpu_calls *c = &g->fn[i];

		json_key(b, vg_gpu_fn_name(i));
		vg_buf_addc(b, '{');
		json_u64(b, "calls", c->calls);
		json_u64(b, "errors", c->errors);
		json_u64(b, "latency_ns", c->latency_ns);
		json_u64(b, "p50_ns", c->p50_ns);
		json_u64(b, "p99_ns", c->p99_ns);
		json_u64(b, "max_ns", c->max_ns);
		vg_buf_addc(b, '}');
	}
	vg_buf_addc(b, '}');
	json_u64(b, "alloc_bytes", g->alloc_bytes);
	json_u64(b, "alloc_failed_bytes", g->alloc_failed_bytes);
	json_key(b, "allocated_bytes");
	vg_buf_addf(b, "%" PRId64, (int64_t)g->allocated_bytes);
	json_key(b, "allocations");
	vg_buf_addf(b, "%" PRId64, (int64_t)g->allocations);
	vg_buf_addc(b, '}');
}

static void json_detail(struct vg_buf *b, const struct vg_event_view *ev)
{
	switch (ev->hdr->type) {
	case VG_EV_EXEC:
		json_key(b, "exec");
		vg_buf_addc(b, '{');
		json_u64(b, "old_tid", ev->exec->old_tid);
		json_u64(b, "args_size", ev->exec->args_total);
		json_bool(b, "exe_truncated", ev->exec->flags & VG_EXEC_EXE_TRUNCATED);
		json_bool(b, "cgroup_truncated", ev->exec->flags & VG_EXEC_CGROUP_TRUNCATED);
		vg_buf_addc(b, '}');
		break;
	case VG_EV_FORK:
		json_key(b, "fork");
		vg_buf_addc(b, '{');
		json_u64(b, "parent_pid", ev->fork->parent_pid);
		json_u64(b, "parent_tid", ev->fork->parent_tid);
		vg_buf_addc(b, '}');
		break;
	case VG_EV_EXIT:
		json_key(b, "exit");
		vg_buf_addc(b, '{');
		json_key(b, "code");
		if (ev->exit->signal)
			vg_buf_adds(b, "null");
		else
			vg_buf_addf(b, "%d", ev->exit->exit_code);
		json_key(b, "signal");
		vg_json_cstr(b, ev->exit->signal ? signal_name(ev->exit->signal) : NULL);
		json_u64(b, "signal_number", ev->exit->signal);
		json_bool(b, "core_dumped", ev->exit->core_dumped);
		json_u64(b, "lifetime_ns", ev->exit->lifetime_ns);
		vg_buf_addc(b, '}');
		break;
	case VG_EV_FILE:
		json_file(b, ev);
		break;
	case VG_EV_PRIV:
		json_priv(b, ev);
		break;
	case VG_EV_NET:
		json_net(b, ev);
		break;
	case VG_EV_FLOW:
		json_flow(b, ev);
		break;
	case VG_EV_SYSCALL:
		json_syscall(b, ev);
		break;
	case VG_EV_ANOMALY:
		json_anomaly(b, ev);
		break;
	case VG_EV_OOM:
		json_oom(b, ev);
		break;
	case VG_EV_BLOCK:
		json_block(b, ev);
		break;
	case VG_EV_SCHED:
		json_sched(b, ev);
		break;
	case VG_EV_UPROBE:
		json_uprobe(b, ev);
		break;
	case VG_EV_BPF:
		json_bpf(b, ev);
		break;
	case VG_EV_GPU:
		json_gpu(b, ev);
		break;
	case VG_EV_TLS:
		json_tls(b, ev);
		break;
	case VG_EV_SHELL:
		json_shell(b, ev);
		break;
	}
}

static void render_json(struct vg_buf *b, const struct vg_event_view *ev)
{
	vg_buf_addc(b, '{');
	json_time(b, "time", ev->time_ns);
	json_key(b, "kind");
	vg_buf_addf(b, "\"%s\"", event_kind_of(ev));
	if (flow_owner_unknown(ev))
		vg_buf_adds(b, ",\"process\":null,\"parent\":null");	/* not seen connecting */
	else
		json_process(b, ev);
	json_detail(b, ev);
	vg_buf_adds(b, "}\n");
}

/* ---- text ------------------------------------------------------------ */

/* Printable ASCII as is; anything else as \xNN; quoted if it has spaces. */
static void text_str(struct vg_buf *b, const char *s, size_t len)
{
	bool quote = len == 0 || memchr(s, ' ', len) || memchr(s, '"', len);

	if (quote)
		vg_buf_addc(b, '"');
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '"' || c == '\\')
			vg_buf_addf(b, "\\%c", c);
		else if (c < 0x20 || c >= 0x7f)
			vg_buf_addf(b, "\\x%02x", c);
		else
			vg_buf_addc(b, (char)c);
	}
	if (quote)
		vg_buf_addc(b, '"');
}

static void text_cstr(struct vg_buf *b, const char *key, const char *s)
{
	vg_buf_addf(b, " %s=", key);
	if (s && *s)
		text_str(b, s, strlen(s));
	else
		vg_buf_addc(b, '-');
}

/* " symbol=f entry args=0x1e,"abc" guard=rule killed" */
static void text_uprobe(struct vg_buf *b, const struct vg_uprobe *u)
{
	text_cstr(b, "symbol", u->symbol);
	if (u->flags & VG_UPROBE_RETURN) {
		vg_buf_addf(b, " return ret=%" PRId64, (int64_t)u->ret);
		return;
	}
	vg_buf_adds(b, " entry");
	for (uint32_t i = 0; i < u->n_args && i < VG_UPROBE_ARGS; i++) {
		vg_buf_adds(b, i ? "," : " args=");
		if (u->arg_kind[i] == VG_UP_ARG_STR || u->arg_kind[i] == VG_UP_ARG_BUF)
			text_str(b, u->data[i], u->data_len[i]);
		else
			vg_buf_addf(b, "%#" PRIx64, (uint64_t)u->args[i]);
	}
	if (u->flags & VG_UPROBE_GUARD)
		text_cstr(b, "guard", u->rule);
	if (u->flags & VG_UPROBE_KILLED)
		vg_buf_adds(b, " killed");
}

/* " key=name", or " key=N" for a number without a name */
static void text_enum(struct vg_buf *b, const char *key, const char *name, uint32_t v)
{
	if (name)
		vg_buf_addf(b, " %s=%s", key, name);
	else
		vg_buf_addf(b, " %s=%" PRIu32, key, v);
}

/* " cmd=prog_load prog_type=socket_filter name=x insns=2 result=5" */
static void text_bpf(struct vg_buf *b, const struct vg_bpf *r)
{
	unsigned int f = vg_bpf_event_fields(r);
	const char *err = r->result < 0 && r->result > -4096 ?
			  strerrorname_np((int)-r->result) : NULL;

	text_enum(b, "cmd", vg_bpf_cmd_name(r->cmd), r->cmd);
	if (f & VG_BPFF_PROG_TYPE)
		text_enum(b, "prog_type", vg_bpf_prog_type_name(r->prog_type), r->prog_type);
	if (f & VG_BPFF_MAP_TYPE)
		text_enum(b, "map_type", vg_bpf_map_type_name(r->map_type), r->map_type);
	if (f & VG_BPFF_ATTACH_TYPE)
		text_enum(b, "attach_type", vg_bpf_attach_type_name(r->attach_type), r->attach_type);
	if (f & VG_BPFF_NAME)
		text_cstr(b, "name", r->name);
	if (f & VG_BPFF_INSN_CNT)
		vg_buf_addf(b, " insns=%u", r->insn_cnt);
	if (f & VG_BPFF_PATH)
		text_cstr(b, "path", r->path);
	if (f & VG_BPFF_TRACEPOINT)
		text_cstr(b, "tracepoint", r->path);
	if (f & VG_BPFF_PROG_FD)
		vg_buf_addf(b, " prog_fd=%d", r->prog_fd);
	if (f & VG_BPFF_TARGET_FD)
		vg_buf_addf(b, " target_fd=%d", r->target_fd);
	vg_buf_addf(b, " result=%" PRId64, (int64_t)r->result);
	if (err)
		vg_buf_addf(b, " (%s)", err);
}

/* " cuLaunchKernel=5 cuMemAlloc_v2=4/1err ... alloc_bytes=N allocated_bytes=N [exited]":
 * calls (and errors) of each function called in the interval, its p99 */
static void text_gpu(struct vg_buf *b, const struct vg_gpu *g)
{
	for (unsigned int i = 0; i < VG_GPU_FNS; i++) {
		const struct vg_gpu_calls *c = &g->fn[i];

		if (!c->calls)
			continue;
		vg_buf_addf(b, " %s=%" PRIu64, vg_gpu_fn_name(i), (uint64_t)c->calls);
		if (c->errors)
			vg_buf_addf(b, "/%" PRIu64 "err", (uint64_t)c->errors);
		if (c->p99_ns)
			vg_buf_addf(b, "(p99<=%" PRIu64 "us)", (uint64_t)c->p99_ns / 1000);
	}
	vg_buf_addf(b, " alloc_bytes=%" PRIu64 " allocated_bytes=%" PRId64,
		    (uint64_t)g->alloc_bytes, (int64_t)g->allocated_bytes);
	if (g->flags & VG_GPU_EXITED)
		vg_buf_adds(b, " exited");
}

/* " tcp 10.0.0.1:4242 -> [::1]:80" (or " unix path=...") */
static void text_endpoints(struct vg_buf *b, uint16_t family, uint16_t proto, const uint8_t *sa,
			   uint16_t sp, const uint8_t *da, uint16_t dp)
{
	char s[INET6_ADDRSTRLEN], d[INET6_ADDRSTRLEN], fb[16], pb[16];
	const char *p = vg_protocol_name(proto, pb), *fam = vg_family_name(family, fb);

	if (!is_inet(family)) {
		vg_buf_addf(b, " family=%s", fam ? fam : "-");
		return;
	}
	addr_str(family, sa, s);
	addr_str(family, da, d);
	vg_buf_addf(b, family == AF_INET6 ? " %s [%s]:%u -> [%s]:%u" : " %s %s:%u -> %s:%u",
		    p ? p : "-", s, sp, d, dp);
}

/* " write SSL_write len=22 fd=3 127.0.0.1:50000 -> 127.0.0.1:4433 data=..." */
static void text_tls(struct vg_buf *b, const struct vg_tls *t)
{
	char s[INET6_ADDRSTRLEN], d[INET6_ADDRSTRLEN];

	vg_buf_addf(b, " %s %s len=%u", vg_tls_op_name(t->op) ?: "?",
		    vg_tls_func_name(t->func) ?: "?", t->len);
	if (t->fd >= 0)
		vg_buf_addf(b, " fd=%d", t->fd);
	if (is_inet(t->family)) {
		addr_str(t->family, t->saddr, s);
		addr_str(t->family, t->daddr, d);
		vg_buf_addf(b, t->family == AF_INET6 ? " [%s]:%u -> [%s]:%u" : " %s:%u -> %s:%u",
			    s, t->sport, d, t->dport);
	}
	vg_buf_adds(b, " data=");
	text_str(b, t->data, t->data_len < VG_TLS_DATA_LEN ? t->data_len : VG_TLS_DATA_LEN);
	if (t->flags & VG_TLS_TRUNCATED)
		vg_buf_adds(b, "...");
}

static void text_shell(struct vg_buf *b, const struct vg_shell *sh)
{
	char tty[VG_SHELL_TTY_LEN + 8];

	text_cstr(b, "tty", vg_tty_display(sh->tty, tty, sizeof(tty)));
	if (sh->hdr.task.loginuid != UINT32_MAX)
		vg_buf_addf(b, " loginuid=%" PRIu32, sh->hdr.task.loginuid);
	vg_buf_adds(b, " line=");
	text_str(b, sh->line, sh->line_len < VG_SHELL_LINE_LEN ? sh->line_len : 0);
	if (sh->flags & VG_SHELL_LINE_TRUNCATED)
		vg_buf_adds(b, "...");
}

static void text_net(struct vg_buf *b, const struct vg_net *n)
{
	const char *err = n->result < 0 && n->result > -4096 ? strerrorname_np((int)-n->result) : NULL;

	text_endpoints(b, n->family, n->protocol, n->saddr, n->sport, n->daddr, n->dport);
	if (n->family == AF_UNIX && n->unix_path_len) {
		vg_buf_adds(b, " path=");
		if (n->flags & VG_NET_UNIX_ABSTRACT)
			vg_buf_addc(b, '@');
		text_str(b, n->unix_path, strnlen(n->unix_path, n->unix_path_len));
	}
	if (n->fd >= 0)
		vg_buf_addf(b, " fd=%d", n->fd);
	if (n->op == VG_NET_LISTEN)
		vg_buf_addf(b, " backlog=%u", n->backlog);
	vg_buf_addf(b, " result=%" PRId64, (int64_t)n->result);
	if (err)
		vg_buf_addf(b, " (%s)", err);
	if (n->flags & VG_NET_DENIED)
		vg_buf_addf(b, " action=deny rule=%u", n->rule_id);
}

static void text_flow(struct vg_buf *b, const struct vg_flow *f)
{
	text_endpoints(b, f->family, f->protocol, f->saddr, f->sport, f->daddr, f->dport);
	vg_buf_addf(b, " %s sent=%" PRIu64 " received=%" PRIu64 " packets=%" PRIu64 "/%" PRIu64
		    " duration=%.3fs close=%s",
		    f->flags & VG_FLOW_OWNER_UNKNOWN ? "owner=unknown" :
		    f->flags & VG_FLOW_INBOUND ? "inbound" : "outbound",
		    (uint64_t)f->bytes_sent, (uint64_t)f->bytes_received, (uint64_t)f->packets_sent,
		    (uint64_t)f->packets_received, f->duration_ns / 1e9,
		    vg_flow_close_name(f->close) ?: "?");
}

static void render_text(struct vg_buf *b, const struct vg_event_view *ev)
{
	const struct vg_proc_view *p = &ev->proc;
	const struct vg_task_ctx *t = p->task;
	char ts[VG_RFC3339_LEN];

	vg_format_rfc3339(ev->time_ns, ts);
	vg_buf_addf(b, "%s %-5s pid=%" PRIu32 " ppid=%" PRIu32 " uid=%" PRIu32 " comm=", ts,
		    event_kind_of(ev), t->pid, t->ppid, t->uid);
	text_str(b, t->comm, strnlen(t->comm, sizeof(t->comm)));
	text_cstr(b, "exe", p->exe);
	switch (ev->hdr->type) {
	case VG_EV_EXEC: {
		struct vg_str args[VG_ARGS_MAX];
		bool cut = false;
		size_t n = vg_argv_split(p->args, p->args_len, args, VG_ARGS_MAX, &cut);

		vg_buf_adds(b, " args=[");
		for (size_t i = 0; i < n; i++) {
			if (i)
				vg_buf_addc(b, ' ');
			text_str(b, args[i].ptr, args[i].len);
		}
		vg_buf_adds(b, cut || p->args_truncated ? " ...]" : "]");
		break;
	}
	case VG_EV_FORK:
		vg_buf_addf(b, " parent=%" PRIu32, ev->fork->parent_pid);
		break;
	case VG_EV_EXIT:
		if (ev->exit->signal)
			vg_buf_addf(b, " signal=%s%s", signal_name(ev->exit->signal) ?: "?",
				    ev->exit->core_dumped ? " core" : "");
		else
			vg_buf_addf(b, " code=%d", ev->exit->exit_code);
		vg_buf_addf(b, " lifetime=%.3fs", ev->exit->lifetime_ns / 1e9);
		break;
	case VG_EV_FILE:
		vg_buf_addf(b, " op=%s", vg_file_op_name(ev->file->op));
		text_cstr(b, "path", ev->file_view.path);
		if (ev->file_view.new_path)
			text_cstr(b, "new_path", ev->file_view.new_path);
		vg_buf_addf(b, " result=%" PRId64, (int64_t)ev->file->result);
		if (ev->file_view.change) {
			char h0[65] = "-", h1[65] = "-";

			if (ev->file_view.before.has_digest)
				vg_fim_hex(ev->file_view.before.sha256, h0);
			if (ev->file_view.after.has_digest)
				vg_fim_hex(ev->file_view.after.sha256, h1);
			vg_buf_addf(b, " change=%s sha256=%.12s->%.12s", ev->file_view.change, h0, h1);
		}
		break;
	case VG_EV_PRIV: {
		const struct vg_priv *pr = ev->priv;

		vg_buf_addf(b, " op=%s result=%" PRId64 " uid=%u->%u euid=%u->%u gid=%u->%u"
			    " egid=%u->%u caps=0x%" PRIx64 "->0x%" PRIx64, vg_priv_op_name(pr->op),
			    (int64_t)pr->result, pr->old.uid, pr->new.uid, pr->old.euid, pr->new.euid,
			    pr->old.gid, pr->new.gid, pr->old.egid, pr->new.egid,
			    (uint64_t)pr->old.cap_effective, (uint64_t)pr->new.cap_effective);
		break;
	}
	case VG_EV_NET:
		text_net(b, (const struct vg_net *)ev->hdr);
		break;
	case VG_EV_FLOW:
		text_flow(b, (const struct vg_flow *)ev->hdr);
		break;
	case VG_EV_ANOMALY: {
		const struct vg_anomaly_view *av = ev->anomaly_view;

		vg_buf_addf(b, " score=%.2f", av ? av->score : 0.0);
		text_cstr(b, "profile", av ? av->profile : NULL);
		for (size_t i = 0; av && i < av->n_reasons; i++)
			text_cstr(b, "reason", av->reasons[i]);
		break;
	}
	case VG_EV_SYSCALL: {
		const struct vg_syscall *sc = ev->syscall;
		const char *name = vg_policy_syscall_name(sc->nr);

		vg_buf_addf(b, " syscall=%s", name ? name : "?");
		for (int i = 0; i < 6; i++)
			vg_buf_addf(b, "%s%#" PRIx64, i ? "," : " args=", (uint64_t)sc->args[i]);
		break;
	}
	case VG_EV_OOM:
		vg_buf_addf(b, " rss_kb=%" PRIu64 " total_vm_kb=%" PRIu64, (uint64_t)ev->oom->rss_kb,
			    (uint64_t)ev->oom->total_vm_kb);
		break;
	case VG_EV_BLOCK:
		vg_buf_addf(b, " disk=%.32s op=%s bytes=%u latency_us=%" PRIu64, ev->block->disk,
			    vg_block_op_name(ev->block->op), ev->block->bytes,
			    (uint64_t)ev->block->latency_ns / 1000);
		break;
	case VG_EV_SCHED:
		vg_buf_addf(b, " cpu=%.1f%% runq_p99_us=%" PRIu64 " others_runq_p99_us=%" PRIu64
			    " switches=%" PRIu64, ev->sched->history_len ?
			    ev->sched->cpu_history[0] / 100.0 : 0.0,
			    (uint64_t)ev->sched->runq_p99_ns / 1000,
			    (uint64_t)ev->sched->others_runq_p99_ns / 1000,
			    (uint64_t)ev->sched->switches);
		break;
	case VG_EV_UPROBE:
		text_uprobe(b, ev->uprobe);
		break;
	case VG_EV_BPF:
		text_bpf(b, ev->bpf);
		break;
	case VG_EV_GPU:
		text_gpu(b, ev->gpu);
		break;
	case VG_EV_TLS:
		text_tls(b, ev->tls);
		break;
	case VG_EV_SHELL:
		text_shell(b, ev->shell);
		break;
	}
	text_cstr(b, "parent_exe", p->parent_exe);
	text_cstr(b, "cgroup", p->cgroup);
	text_cstr(b, "container", p->container ? p->container->id : NULL);
	vg_buf_addc(b, '\n');
}

void vg_render_event(struct vg_buf *b, enum vg_format fmt, const struct vg_event_view *ev)
{
	if (fmt == VG_FMT_TEXT)
		render_text(b, ev);
	else
		render_json(b, ev);
}

/* ---- policy reports ---------------------------------------------------- */

static void json_report(struct vg_buf *b, const struct vg_engine_report *r)
{
	vg_buf_addc(b, '{');
	json_time(b, "time", r->time_ns);
	json_key(b, "kind");
	vg_buf_adds(b, "\"policy\"");
	json_str_or_null(b, "policy", r->policy);
	json_str_or_null(b, "rule", r->rule);
	json_str_or_null(b, "mode", r->mode);
	json_str_or_null(b, "severity", r->severity);
	json_str_or_null(b, "event_kind", r->kind);
	json_str_or_null(b, "action", r->action);
	json_str_or_null(b, "intended", r->intended);
	json_str_or_null(b, "by", r->by);
	json_str_or_null(b, "skipped", r->skipped);
	json_str_or_null(b, "detail", r->detail);
	json_key(b, "message");
	vg_json_cstr(b, r->message ? r->message : "");
	if (r->count)
		json_u64(b, "count", r->count);
	if (r->ev) {
		size_t start;

		json_key(b, "event");
		start = b->len;
		render_json(b, r->ev);
		if (b->len > start && b->data[b->len - 1] == '\n')
			b->len--;
	} else if (r->pid) {
		json_key(b, "process");
		vg_buf_addf(b, "{\"pid\":%u", r->pid);
		json_str_or_null(b, "exe", r->exe);
		vg_buf_addc(b, '}');
		if (r->path) {
			json_key(b, "file");
			vg_buf_addc(b, '{');
			json_str_or_null(b, "path", r->path);
			vg_buf_addc(b, '}');
		}
	}
	vg_buf_adds(b, "}\n");
}

void vg_render_report(struct vg_buf *b, enum vg_format fmt, const struct vg_engine_report *r)
{
	char ts[VG_RFC3339_LEN];

	if (fmt != VG_FMT_TEXT) {
		json_report(b, r);
		return;
	}
	vg_format_rfc3339(r->time_ns, ts);
	vg_buf_addf(b, "%s POLICY %s %s/%s %s action=%s", ts, r->severity, r->policy, r->rule,
		    r->mode, r->action);
	if (r->by)
		text_cstr(b, "by", r->by);
	if (r->skipped)
		text_cstr(b, "skipped", r->skipped);
	if (r->pid)
		vg_buf_addf(b, " pid=%u", r->pid);
	if (r->count)
		vg_buf_addf(b, " count=%" PRIu64, r->count);
	if (r->path)
		text_cstr(b, "path", r->path);
	text_cstr(b, "message", r->message);
	vg_buf_addc(b, '\n');
}

static int output_write(struct vg_output *o);

/* ---- workload mode changes --------------------------------------------- */

void vg_render_workload(struct vg_buf *b, enum vg_format fmt, const struct vg_workload_change *c)
{
	char ts[VG_RFC3339_LEN];

	if (fmt == VG_FMT_TEXT) {
		vg_format_rfc3339(c->time_ns, ts);
		vg_buf_addf(b, "%s PROFILE %s", ts, c->profile);
		if (c->scope_of)
			vg_buf_addf(b, " %s=%s", c->scope, c->scope_of);
		vg_buf_addf(b, " mode %s -> %s", c->from, c->to);
		text_cstr(b, "reason", c->reason);
		vg_buf_addc(b, '\n');
		return;
	}
	vg_buf_addc(b, '{');
	json_time(b, "time", c->time_ns);
	json_str_or_null(b, "kind", "profile_mode");
	json_key(b, "profile_mode");
	vg_buf_addc(b, '{');
	json_str_or_null(b, "profile", c->profile);
	json_str_or_null(b, "scope", c->scope);
	json_str_or_null(b, "scope_of", c->scope_of);
	json_str_or_null(b, "file", c->file);
	json_u64(b, "profile_id", c->id);
	json_str_or_null(b, "from", c->from);
	json_str_or_null(b, "to", c->to);
	json_str_or_null(b, "reason", c->reason);
	vg_buf_adds(b, "}}\n");
}

int vg_output_workload(struct vg_output *o, const struct vg_workload_change *c)
{
	vg_render_workload(&o->buf, o->fmt, c);
	return output_write(o);
}

int vg_output_report(struct vg_output *o, const struct vg_engine_report *r)
{
	vg_render_report(&o->buf, o->fmt, r);
	return output_write(o);
}

/* ---- stats ----------------------------------------------------------- */

static const char *self_exe(void)
{
	static char path[4096];
	ssize_t n;

	if (!path[0]) {
		n = readlink("/proc/self/exe", path, sizeof(path) - 1);
		path[n > 0 ? n : 0] = '\0';
	}
	return path;
}

static void json_counts(struct vg_buf *b, const char *key, const uint64_t *v)
{
	json_key(b, key);
	vg_buf_addc(b, '{');
	for (int t = 1; t < VG_EV_TYPE_MAX; t++)
		if (vg_event_kind(t))
			json_u64(b, vg_event_kind(t), v[t]);
	vg_buf_addc(b, '}');
}

void vg_render_stats(struct vg_buf *b, enum vg_format fmt, const struct vg_agent_stats *st,
		     uint64_t real_ns)
{
	char ts[VG_RFC3339_LEN];

	if (fmt == VG_FMT_TEXT) {
		vg_format_rfc3339(real_ns, ts);
		vg_buf_addf(b, "%s stats lost=%" PRIu64, ts, vg_agent_stats_lost(st));
		for (int r = 0; r < VG_LOSS_MAX; r++)
			vg_buf_addf(b, " %s=%" PRIu64, vg_loss_reason_name(r), st->kernel.lost[r]);
		vg_buf_addf(b, " decode=%" PRIu64, st->decode_errors);
		for (int t = 1; t < VG_EV_TYPE_MAX; t++)
			if (vg_event_kind(t))
				vg_buf_addf(b, " %s=%" PRIu64, vg_event_kind(t), st->received[t]);
		vg_buf_addf(b, " procs=%zu evicted=%" PRIu64 "\n", st->procs.entries,
			    st->procs.evicted);
		return;
	}
	vg_buf_addc(b, '{');
	json_time(b, "time", real_ns);
	json_key(b, "kind");
	vg_buf_adds(b, "\"stats\"");
	json_key(b, "process");
	vg_buf_addf(b, "{\"pid\":%d,\"ppid\":%d,\"uid\":%u,\"comm\":\"vigil\"", (int)getpid(),
		    (int)getppid(), (unsigned)getuid());
	json_str_or_null(b, "exe", self_exe());
	vg_buf_adds(b, ",\"args\":null,\"cgroup\":null,\"container\":null}");
	json_key(b, "stats");
	vg_buf_addc(b, '{');
	json_counts(b, "sent", st->kernel.sent);
	json_counts(b, "received", st->received);
	json_key(b, "lost");
	vg_buf_addc(b, '{');
	json_u64(b, "total", vg_agent_stats_lost(st));
	for (int r = 0; r < VG_LOSS_MAX; r++)
		json_u64(b, vg_loss_reason_name(r), st->kernel.lost[r]);
	json_u64(b, "decode", st->decode_errors);
	vg_buf_addc(b, '}');
	json_key(b, "proctable");
	vg_buf_addc(b, '{');
	json_u64(b, "entries", st->procs.entries);
	json_u64(b, "capacity", st->procs.capacity);
	json_u64(b, "evicted", st->procs.evicted);
	vg_buf_addc(b, '}');
	json_u64(b, "file_filtered", st->file_filtered);
	vg_buf_adds(b, "}}\n");
}

/* ---- sink ------------------------------------------------------------ */

int vg_output_open(struct vg_output *o, const char *path, enum vg_format fmt)
{
	int fd;

	memset(o, 0, sizeof(*o));
	o->fmt = fmt;
	vg_buf_init(&o->buf);
	if (!path || !strcmp(path, "-")) {
		o->f = stdout;
	} else {
		fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0600);
		if (fd < 0)
			return -errno;
		if (fchmod(fd, 0600) || !(o->f = fdopen(fd, "a"))) {
			int err = -errno;

			close(fd);
			return err;
		}
		o->owned = true;
	}
	setvbuf(o->f, NULL, _IOFBF, OUTPUT_BUFSIZE);
	return 0;
}

static int output_write(struct vg_output *o)
{
	if (o->buf.oom && !o->err)
		o->err = -ENOMEM;
	else if (fwrite(o->buf.data, 1, o->buf.len, o->f) != o->buf.len && !o->err)
		o->err = -errno;
	vg_buf_reset(&o->buf);
	return o->err;
}

int vg_output_event(struct vg_output *o, const struct vg_event_view *ev)
{
	vg_render_event(&o->buf, o->fmt, ev);
	return output_write(o);
}

int vg_output_stats(struct vg_output *o, const struct vg_agent_stats *st, uint64_t real_ns)
{
	vg_render_stats(&o->buf, o->fmt, st, real_ns);
	output_write(o);
	return vg_output_flush(o);
}

int vg_output_flush(struct vg_output *o)
{
	if (fflush(o->f) && !o->err)
		o->err = -errno;
	return o->err;
}

void vg_output_close(struct vg_output *o)
{
	if (o->f)
		fflush(o->f);
	if (o->owned && o->f)
		fclose(o->f);
	o->f = NULL;
	vg_buf_release(&o->buf);
}
