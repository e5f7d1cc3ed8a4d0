// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * policy.c - the policy language: YAML into a tree that keeps every node's
 * position, the schema walked over that tree, and the model (policy.h).
 *
 * libyaml's event API is used rather than its document API so that aliases
 * can be refused (an alias to an enclosing node would make the tree a
 * cycle, and nested aliases blow up exponentially) and nesting bounded.
 * Validation goes on after an error so that one run reports them all.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yaml.h>

#include "bpfwatch.h"
#include "container.h"
#include "netctl.h"
#include "policy.h"
#include "vigil/event.h"

#define MAX_DEPTH	64		/* YAML nesting */
#define MAX_FILE_SIZE	(16u << 20)
#define PATHLEN		256		/* field paths in diagnostics */
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

/* ---- allocation: out of memory while parsing policies is fatal ---------- */

static void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p) {
		fputs("vigil: error: out of memory\n", stderr);
		abort();
	}
	return p;
}

static void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size);

	if (!p) {
		fputs("vigil: error: out of memory\n", stderr);
		abort();
	}
	return p;
}

static char *xstrdup(const char *s)
{
	size_t len = strlen(s) + 1;

	return memcpy(xrealloc(NULL, len), s, len);
}

/* Append a zeroed element to a malloc'd array of n elements. */
static void *push(void *arrp, size_t *n, size_t size)
{
	void **arr = arrp;
	char *p;

	*arr = xrealloc(*arr, (*n + 1) * size);
	p = (char *)*arr + *n * size;
	memset(p, 0, size);
	(*n)++;
	return p;
}

/* ---- names --------------------------------------------------------------- */

static const char *const kind_names[VG_PK_MAX] = {
	[VG_PK_EXEC] = "exec",
	[VG_PK_FORK] = "fork",
	[VG_PK_EXIT] = "exit",
	[VG_PK_FILE_OPEN] = "file.open",
	[VG_PK_FILE_WRITE] = "file.write",
	[VG_PK_FILE_TRUNCATE] = "file.truncate",
	[VG_PK_FILE_UNLINK] = "file.unlink",
	[VG_PK_FILE_RMDIR] = "file.rmdir",
	[VG_PK_FILE_MKDIR] = "file.mkdir",
	[VG_PK_FILE_RENAME] = "file.rename",
	[VG_PK_FILE_LINK] = "file.link",
	[VG_PK_FILE_SYMLINK] = "file.symlink",
	[VG_PK_FILE_CHMOD] = "file.chmod",
	[VG_PK_FILE_CHOWN] = "file.chown",
	[VG_PK_PRIV] = "priv",
	[VG_PK_CONNECT] = "connect",
	[VG_PK_ACCEPT] = "accept",
	[VG_PK_BIND] = "bind",
	[VG_PK_LISTEN] = "listen",
	[VG_PK_SENDMSG] = "sendmsg",
	[VG_PK_FLOW] = "flow",
	[VG_PK_PACKET] = "packet",
	[VG_PK_SYSCALL] = "syscall",
	[VG_PK_ANOMALY] = "anomaly",
	[VG_PK_SCHED] = "sched",
	[VG_PK_OOM] = "oom",
	[VG_PK_BLOCK] = "block",
	[VG_PK_UPROBE] = "uprobe",
	[VG_PK_BPF] = "bpf",
	[VG_PK_SHELL] = "shell",
	[VG_PK_TLS] = "tls",
};

#define KB(k)		VG_POLICY_KIND_BIT(k)
#define K_ALL		(KB(VG_PK_MAX) - 1)
#define K_FILE		(((KB(VG_PK_FILE_CHOWN) << 1) - 1) & ~(KB(VG_PK_FILE_OPEN) - 1))
#define K_SOCK		(KB(VG_PK_CONNECT) | KB(VG_PK_ACCEPT) | KB(VG_PK_BIND) | \
			 KB(VG_PK_LISTEN) | KB(VG_PK_SENDMSG))
#define K_NET		(K_SOCK | KB(VG_PK_FLOW) | KB(VG_PK_PACKET) | KB(VG_PK_TLS))
#define K_PROC		(K_ALL & ~KB(VG_PK_PACKET))	/* events with a process */
#define VG_POLICY_STRLEN_MAX	255	/* = VG_UP_GUARD_STR_MAX */
#define VG_POLICY_UPROBE_DATA	64	/* = VG_UP_DATA_LEN */
#define VG_POLICY_SYMBOL_MAX	64	/* = VG_UP_NAME_LEN */
_Static_assert(VG_PK_MAX <= 32, "kind masks are unsigned int");

/* Kind names plus the groups a rule may use. */
static const struct {
	const char *name;
	unsigned int mask;
} kind_groups[] = {
	{ "file", K_FILE },
	{ "net", K_SOCK },
};

static const char *const action_names[VG_ACT_MAX] = {
	"alert", "audit", "kill", "deny", "drop", "ratelimit", "throttle", "freeze",
	"quarantine", "release",
};

/* What each action can act on, and the parameters it takes. */
static const struct {
	unsigned int kinds;
	const char *params[3];
} action_info[VG_ACT_MAX] = {
	[VG_ACT_ALERT] = { K_ALL, { NULL } },
	[VG_ACT_AUDIT] = { K_ALL, { NULL } },
	[VG_ACT_KILL] = { K_PROC & ~(KB(VG_PK_EXIT) | KB(VG_PK_FLOW)), { "signal" } },
	[VG_ACT_DENY] = { KB(VG_PK_EXEC) | KB(VG_PK_FILE_OPEN) | KB(VG_PK_CONNECT) |
			  KB(VG_PK_BIND) | KB(VG_PK_SENDMSG) | KB(VG_PK_SYSCALL), { "errno" } },
	[VG_ACT_DROP] = { KB(VG_PK_PACKET), { NULL } },
	[VG_ACT_RATELIMIT] = { KB(VG_PK_PACKET), { "pps", "burst" } },
	[VG_ACT_THROTTLE] = { K_PROC, { "cpuPercent", "duration" } },
	[VG_ACT_FREEZE] = { K_PROC, { "duration" } },
	[VG_ACT_QUARANTINE] = { K_PROC, { "duration" } },
	[VG_ACT_RELEASE] = { K_PROC, { NULL } },
};

static const char *const severity_names[] = { "low", "medium", "high", "critical" };
static const char *const mode_names[] = { "audit", "enforce" };
static const char *const intent_names[] = { "read", "write", "create", "truncate" };
static const char *const family_names[] = { "ipv4", "ipv6", "unix" };
static const char *const direction_names[] = { "read", "write" };
static const char *const proto_names[] = { "tcp", "udp", "icmp", "icmpv6", "sctp" };
static const char *const runtime_names[] = { "docker", "containerd", "cri-o", "podman",
					     "kubernetes" };
static const char *const cmp_names[] = { "eq", "ne", "lt", "le", "gt", "ge", "mask" };
/* uprobeArgs: what the kernel's guard can check (enum vg_up_guard_op) */
static const char *const upcmp_names[] = { "eq", "ne", "lt", "le", "gt", "ge", "strlenGt" };
static const char *const uparg_names[] = { "int", "str", "buf" };

/* Selector fields: key, field, negated, kinds it applies to, what of. */
static const struct sel_key {
	const char *key;
	enum vg_policy_field field;
	bool negate;
} sel_keys[] = {
	{ "binary", VG_SEL_BINARY, false },	{ "notBinary", VG_SEL_BINARY, true },
	{ "comm", VG_SEL_COMM, false },		{ "notComm", VG_SEL_COMM, true },
	{ "args", VG_SEL_ARGS, false },		{ "notArgs", VG_SEL_ARGS, true },
	{ "uid", VG_SEL_UID, false },		{ "notUid", VG_SEL_UID, true },
	{ "euid", VG_SEL_EUID, false },		{ "notEuid", VG_SEL_EUID, true },
	{ "loginuid", VG_SEL_LOGINUID, false },	{ "notLoginuid", VG_SEL_LOGINUID, true },
	{ "parent", VG_SEL_PARENT, false },	{ "notParent", VG_SEL_PARENT, true },
	{ "ancestors", VG_SEL_ANCESTORS, false }, { "notAncestors", VG_SEL_ANCESTORS, true },
	{ "container", VG_SEL_CONTAINER, false }, { "notContainer", VG_SEL_CONTAINER, true },
	{ "cgroup", VG_SEL_CGROUP, false },	{ "notCgroup", VG_SEL_CGROUP, true },
	{ "path", VG_SEL_PATH, false },		{ "notPath", VG_SEL_PATH, true },
	{ "intent", VG_SEL_INTENT, false },
	{ "family", VG_SEL_FAMILY, false },
	{ "protocol", VG_SEL_PROTOCOL, false },
	{ "address", VG_SEL_ADDRESS, false },	{ "notAddress", VG_SEL_ADDRESS, true },
	{ "port", VG_SEL_PORT, false },		{ "notPort", VG_SEL_PORT, true },
	{ "syscall", VG_SEL_SYSCALL, false },
	{ "syscallArgs", VG_SEL_SYSCALL_ARGS, false },
	{ "score", VG_SEL_SCORE, false },
	{ "profile", VG_SEL_PROFILE, false },	{ "notProfile", VG_SEL_PROFILE, true },
	{ "reason", VG_SEL_REASON, false },	{ "notReason", VG_SEL_REASON, true },
	{ "cpuPercent", VG_SEL_CPU_PERCENT, false },
	{ "cpuSeconds", VG_SEL_CPU_SECONDS, false },
	{ "runqueueP99Ms", VG_SEL_RUNQ_MS, false },
	{ "othersRunqueueP99Ms", VG_SEL_OTHERS_RUNQ_MS, false },
	{ "latencyMs", VG_SEL_LATENCY_MS, false },
	{ "uprobeArgs", VG_SEL_UPROBE_ARGS, false },
	{ "bpfCommand", VG_SEL_BPF_CMD, false },
	{ "progType", VG_SEL_PROG_TYPE, false },
	{ "name", VG_SEL_BPF_NAME, false },	{ "notName", VG_SEL_BPF_NAME, true },
	{ "line", VG_SEL_LINE, false },		{ "notLine", VG_SEL_LINE, true },
	{ "data", VG_SEL_DATA, false },		{ "notData", VG_SEL_DATA, true },
	{ "direction", VG_SEL_DIRECTION, false },
};

static const struct {
	const char *name;
	unsigned int kinds;
	const char *what;	/* "file kinds" for the hint */
} field_info[VG_SEL_MAX] = {
	[VG_SEL_BINARY] = { "binary", K_PROC, "events with a process (all but packet)" },
	[VG_SEL_COMM] = { "comm", K_PROC, "events with a process (all but packet)" },
	[VG_SEL_ARGS] = { "args", K_PROC, "events with a process (all but packet)" },
	[VG_SEL_UID] = { "uid", K_PROC, "events with a process (all but packet)" },
	[VG_SEL_EUID] = { "euid", K_PROC, "events with a process (all but packet)" },
	[VG_SEL_LOGINUID] = { "loginuid", K_PROC, "events with a process (all but packet)" },
	[VG_SEL_PARENT] = { "parent", K_PROC, "events with a process (all but packet)" },
	[VG_SEL_ANCESTORS] = { "ancestors", K_PROC, "events with a process (all but packet)" },
	[VG_SEL_CONTAINER] = { "container", K_PROC, "events with a process (all but packet)" },
	[VG_SEL_CGROUP] = { "cgroup", K_PROC, "events with a process (all but packet)" },
	[VG_SEL_PATH] = { "path", K_FILE, "file kinds" },
	[VG_SEL_INTENT] = { "intent", KB(VG_PK_FILE_OPEN), "file.open" },
	[VG_SEL_FAMILY] = { "family", K_NET, "connect, accept, bind, listen, sendmsg, flow, packet, tls" },
	[VG_SEL_PROTOCOL] = { "protocol", K_NET,
			      "connect, accept, bind, listen, sendmsg, flow, packet, tls" },
	[VG_SEL_ADDRESS] = { "address", K_NET, "connect, accept, bind, listen, sendmsg, flow, packet, tls" },
	[VG_SEL_PORT] = { "port", K_NET, "connect, accept, bind, listen, sendmsg, flow, packet, tls" },
	[VG_SEL_SYSCALL] = { "syscall", KB(VG_PK_SYSCALL), "syscall" },
	[VG_SEL_SYSCALL_ARGS] = { "syscallArgs", KB(VG_PK_SYSCALL), "syscall" },
	[VG_SEL_SCORE] = { "score", KB(VG_PK_ANOMALY), "anomaly" },
	[VG_SEL_PROFILE] = { "profile", KB(VG_PK_ANOMALY), "anomaly" },
	[VG_SEL_REASON] = { "reason", KB(VG_PK_ANOMALY), "anomaly" },
	[VG_SEL_CPU_PERCENT] = { "cpuPercent", KB(VG_PK_SCHED), "sched" },
	[VG_SEL_CPU_SECONDS] = { "cpuSeconds", KB(VG_PK_SCHED), "sched" },
	[VG_SEL_RUNQ_MS] = { "runqueueP99Ms", KB(VG_PK_SCHED), "sched" },
	[VG_SEL_OTHERS_RUNQ_MS] = { "othersRunqueueP99Ms", KB(VG_PK_SCHED), "sched" },
	[VG_SEL_LATENCY_MS] = { "latencyMs", KB(VG_PK_BLOCK), "block" },
	[VG_SEL_UPROBE_ARGS] = { "uprobeArgs", KB(VG_PK_UPROBE), "uprobe" },
	[VG_SEL_BPF_CMD] = { "bpfCommand", KB(VG_PK_BPF), "bpf" },
	[VG_SEL_PROG_TYPE] = { "progType", KB(VG_PK_BPF), "bpf" },
	[VG_SEL_BPF_NAME] = { "name", KB(VG_PK_BPF), "bpf" },
	[VG_SEL_LINE] = { "line", KB(VG_PK_SHELL), "shell" },
	[VG_SEL_DATA] = { "data", KB(VG_PK_TLS), "tls" },
	[VG_SEL_DIRECTION] = { "direction", KB(VG_PK_TLS), "tls" },
};

/* Fields a message template may name, and in which events they exist. */
static const struct {
	const char *name;
	unsigned int kinds;
} tmpl_fields[] = {
	{ "time", K_ALL }, { "kind", K_ALL }, { "policy", K_ALL }, { "rule", K_ALL },
	{ "severity", K_ALL }, { "mode", K_ALL }, { "action", K_ALL },
	{ "process.pid", K_PROC }, { "process.tid", K_PROC }, { "process.ppid", K_PROC },
	{ "process.uid", K_PROC }, { "process.gid", K_PROC }, { "process.euid", K_PROC },
	{ "process.egid", K_PROC }, { "process.loginuid", K_PROC }, { "process.comm", K_PROC },
	{ "process.exe", K_PROC }, { "process.args", K_PROC }, { "process.cgroup", K_PROC },
	{ "process.cgroup_id", K_PROC }, { "process.container.id", K_PROC },
	{ "process.container.runtime", K_PROC }, { "process.container.pod_uid", K_PROC },
	{ "process.start_time", K_PROC },
	{ "parent.pid", K_PROC }, { "parent.exe", K_PROC },
	{ "exec.old_tid", KB(VG_PK_EXEC) }, { "exec.args_size", KB(VG_PK_EXEC) },
	{ "fork.parent_pid", KB(VG_PK_FORK) }, { "fork.parent_tid", KB(VG_PK_FORK) },
	{ "exit.code", KB(VG_PK_EXIT) }, { "exit.signal", KB(VG_PK_EXIT) },
	{ "exit.signal_number", KB(VG_PK_EXIT) }, { "exit.core_dumped", KB(VG_PK_EXIT) },
	{ "exit.lifetime_ns", KB(VG_PK_EXIT) },
	{ "file.op", K_FILE }, { "file.path", K_FILE }, { "file.new_path", K_FILE },
	{ "file.target", K_FILE }, { "file.result", K_FILE }, { "file.errno", K_FILE },
	{ "file.flags", K_FILE }, { "file.open_flags", K_FILE }, { "file.fd", K_FILE },
	{ "file.mode", K_FILE }, { "file.change", K_FILE }, { "file.target_path", K_FILE },
	{ "file.sha256_before", K_FILE }, { "file.sha256_after", K_FILE },
	{ "priv.op", KB(VG_PK_PRIV) }, { "priv.syscall", KB(VG_PK_PRIV) },
	{ "priv.result", KB(VG_PK_PRIV) }, { "priv.errno", KB(VG_PK_PRIV) },
	{ "priv.args", KB(VG_PK_PRIV) },
	{ "priv.old.uid", KB(VG_PK_PRIV) }, { "priv.old.gid", KB(VG_PK_PRIV) },
	{ "priv.old.euid", KB(VG_PK_PRIV) }, { "priv.old.egid", KB(VG_PK_PRIV) },
	{ "priv.old.cap_effective", KB(VG_PK_PRIV) },
	{ "priv.new.uid", KB(VG_PK_PRIV) }, { "priv.new.gid", KB(VG_PK_PRIV) },
	{ "priv.new.euid", KB(VG_PK_PRIV) }, { "priv.new.egid", KB(VG_PK_PRIV) },
	{ "priv.new.cap_effective", KB(VG_PK_PRIV) },
	{ "net.op", K_SOCK }, { "net.syscall", K_SOCK }, { "net.family", K_SOCK },
	{ "net.protocol", K_SOCK }, { "net.sock_type", K_SOCK }, { "net.saddr", K_SOCK },
	{ "net.sport", K_SOCK }, { "net.daddr", K_SOCK }, { "net.dport", K_SOCK },
	{ "net.unix_path", K_SOCK }, { "net.fd", K_SOCK }, { "net.backlog", K_SOCK },
	{ "net.result", K_SOCK }, { "net.errno", K_SOCK },
	{ "flow.family", KB(VG_PK_FLOW) }, { "flow.protocol", KB(VG_PK_FLOW) },
	{ "flow.saddr", KB(VG_PK_FLOW) }, { "flow.sport", KB(VG_PK_FLOW) },
	{ "flow.daddr", KB(VG_PK_FLOW) }, { "flow.dport", KB(VG_PK_FLOW) },
	{ "flow.direction", KB(VG_PK_FLOW) }, { "flow.bytes_sent", KB(VG_PK_FLOW) },
	{ "flow.bytes_received", KB(VG_PK_FLOW) }, { "flow.duration_ns", KB(VG_PK_FLOW) },
	{ "flow.close", KB(VG_PK_FLOW) },
	{ "packet.family", KB(VG_PK_PACKET) }, { "packet.protocol", KB(VG_PK_PACKET) },
	{ "packet.saddr", KB(VG_PK_PACKET) }, { "packet.sport", KB(VG_PK_PACKET) },
	{ "packet.daddr", KB(VG_PK_PACKET) }, { "packet.dport", KB(VG_PK_PACKET) },
	{ "packet.ifname", KB(VG_PK_PACKET) }, { "packet.len", KB(VG_PK_PACKET) },
	{ "syscall.name", KB(VG_PK_SYSCALL) }, { "syscall.nr", KB(VG_PK_SYSCALL) },
	{ "syscall.arg0", KB(VG_PK_SYSCALL) }, { "syscall.arg1", KB(VG_PK_SYSCALL) },
	{ "syscall.arg2", KB(VG_PK_SYSCALL) }, { "syscall.arg3", KB(VG_PK_SYSCALL) },
	{ "syscall.arg4", KB(VG_PK_SYSCALL) }, { "syscall.arg5", KB(VG_PK_SYSCALL) },
	{ "anomaly.score", KB(VG_PK_ANOMALY) }, { "anomaly.profile", KB(VG_PK_ANOMALY) },
	{ "anomaly.reasons", KB(VG_PK_ANOMALY) }, { "anomaly.misses", KB(VG_PK_ANOMALY) },
	{ "sched.cpu_percent", KB(VG_PK_SCHED) }, { "sched.runq_p99_ms", KB(VG_PK_SCHED) },
	{ "sched.others_runq_p99_ms", KB(VG_PK_SCHED) },
	{ "oom.rss_kb", KB(VG_PK_OOM) },
	{ "block.disk", KB(VG_PK_BLOCK) }, { "block.op", KB(VG_PK_BLOCK) },
	{ "block.bytes", KB(VG_PK_BLOCK) }, { "block.latency_ms", KB(VG_PK_BLOCK) },
	{ "uprobe.symbol", KB(VG_PK_UPROBE) }, { "uprobe.site", KB(VG_PK_UPROBE) },
	{ "uprobe.ret", KB(VG_PK_UPROBE) },
	{ "uprobe.arg0", KB(VG_PK_UPROBE) }, { "uprobe.arg1", KB(VG_PK_UPROBE) },
	{ "uprobe.arg2", KB(VG_PK_UPROBE) }, { "uprobe.arg3", KB(VG_PK_UPROBE) },
	{ "uprobe.arg4", KB(VG_PK_UPROBE) }, { "uprobe.arg5", KB(VG_PK_UPROBE) },
	{ "bpf.cmd", KB(VG_PK_BPF) }, { "bpf.prog_type", KB(VG_PK_BPF) },
	{ "bpf.map_type", KB(VG_PK_BPF) }, { "bpf.attach_type", KB(VG_PK_BPF) },
	{ "bpf.name", KB(VG_PK_BPF) }, { "bpf.insn_cnt", KB(VG_PK_BPF) },
	{ "bpf.path", KB(VG_PK_BPF) }, { "bpf.result", KB(VG_PK_BPF) },
	{ "bpf.errno", KB(VG_PK_BPF) },
	{ "shell.line", KB(VG_PK_SHELL) }, { "shell.tty", KB(VG_PK_SHELL) },
	{ "shell.sessionid", KB(VG_PK_SHELL) },
	{ "tls.direction", KB(VG_PK_TLS) }, { "tls.function", KB(VG_PK_TLS) },
	{ "tls.len", KB(VG_PK_TLS) }, { "tls.data", KB(VG_PK_TLS) },
	{ "tls.daddr", KB(VG_PK_TLS) }, { "tls.dport", KB(VG_PK_TLS) },
};

static const struct {
	const char *name;
	int sig;
} signals[] = {
	{ "SIGKILL", SIGKILL }, { "SIGTERM", SIGTERM }, { "SIGSTOP", SIGSTOP },
	{ "SIGINT", SIGINT }, { "SIGHUP", SIGHUP }, { "SIGQUIT", SIGQUIT },
	{ "SIGABRT", SIGABRT }, { "SIGUSR1", SIGUSR1 }, { "SIGUSR2", SIGUSR2 },
};

static const struct {
	const char *name;
	int err;
} errnos[] = {
	{ "EPERM", EPERM }, { "EACCES", EACCES }, { "ENOENT", ENOENT },
	{ "ECONNREFUSED", ECONNREFUSED }, { "ENETUNREACH", ENETUNREACH },
	{ "EHOSTUNREACH", EHOSTUNREACH }, { "EINVAL", EINVAL }, { "ENOSYS", ENOSYS },
};

const char *vg_policy_kind_name(enum vg_policy_kind k)
{
	return (unsigned int)k < VG_PK_MAX ? kind_names[k] : "?";
}

const char *vg_policy_action_name(enum vg_policy_action_type a)
{
	return (unsigned int)a < VG_ACT_MAX ? action_names[a] : "?";
}

const char *vg_policy_field_name(enum vg_policy_field f)
{
	return (unsigned int)f < VG_SEL_MAX ? field_info[f].name : "?";
}

const char *vg_policy_severity_name(enum vg_policy_severity s)
{
	return (unsigned int)s < ARRAY_SIZE(severity_names) ? severity_names[s] : "?";
}

const char *vg_policy_template_field(size_t i, unsigned int *kinds)
{
	if (i >= ARRAY_SIZE(tmpl_fields))
		return NULL;
	if (kinds)
		*kinds = tmpl_fields[i].kinds;
	return tmpl_fields[i].name;
}

/* ---- the YAML tree -------------------------------------------------------- */

enum ytype { Y_SCALAR, Y_SEQ, Y_MAP };

struct ynode {
	enum ytype type;
	unsigned int line, col;		/* 1-based */
	char *s;			/* scalar */
	size_t len;
	bool quoted;			/* quoted, block or tagged: a string */
	struct ynode **kids;		/* seq: items; map: key, value, key, value... */
	size_t n;
};

static void ynode_free(struct ynode *n)
{
	if (!n)
		return;
	for (size_t i = 0; i < n->n; i++)
		ynode_free(n->kids[i]);
	free(n->kids);
	free(n->s);
	free(n);
}

static bool y_null(const struct ynode *n)
{
	return !n || (n->type == Y_SCALAR && !n->quoted &&
		      (!n->len || !strcmp(n->s, "~") || !strcmp(n->s, "null") ||
		       !strcmp(n->s, "Null") || !strcmp(n->s, "NULL")));
}

static bool y_bool(const struct ynode *n, bool *v)
{
	if (n->type != Y_SCALAR || n->quoted)
		return false;
	if (!strcmp(n->s, "true") || !strcmp(n->s, "True") || !strcmp(n->s, "TRUE"))
		return *v = true, true;
	if (!strcmp(n->s, "false") || !strcmp(n->s, "False") || !strcmp(n->s, "FALSE"))
		return *v = false, true;
	return false;
}

/* Plain decimal or 0x hex, optional '-': *neg set for a minus sign. */
static bool y_int(const struct ynode *n, uint64_t *v, bool *neg)
{
	const char *s;
	char *end;

	if (n->type != Y_SCALAR || n->quoted || !n->len)
		return false;
	s = n->s;
	*neg = *s == '-';
	if (*s == '-' || *s == '+')
		s++;
	if (!isdigit((unsigned char)*s))
		return false;
	errno = 0;
	*v = strtoull(s, &end, 0);
	return !errno && !*end && (size_t)(end - n->s) == n->len;
}

/*
 * A number: an integer as y_int() reads it, or a plain decimal: optional
 * sign, digits with an optional fraction (or a fraction alone, ".5"), an
 * optional exponent.  No inf or nan (strtod(3) alone would take them); a
 * decimal too large for a double is +-HUGE_VAL, for the caller to refuse.
 */
static bool y_number(const struct ynode *n, double *v)
{
	const char *p;
	uint64_t u;
	bool digits = false, neg;

	if (y_int(n, &u, &neg)) {
		*v = neg ? -(double)u : (double)u;
		return true;
	}
	if (n->type != Y_SCALAR || n->quoted || !n->len || strlen(n->s) != n->len)
		return false;
	p = n->s;
	if (*p == '-' || *p == '+')
		p++;
	for (; isdigit((unsigned char)*p); p++)
		digits = true;
	if (*p == '.')
		for (p++; isdigit((unsigned char)*p); p++)
			digits = true;
	if (!digits)
		return false;
	if (*p == 'e' || *p == 'E') {
		p++;
		if (*p == '-' || *p == '+')
			p++;
		if (!isdigit((unsigned char)*p))
			return false;
		while (isdigit((unsigned char)*p))
			p++;
	}
	if (*p)
		return false;
	*v = strtod(n->s, NULL);
	return true;
}

static const char *y_typename(const struct ynode *n)
{
	double d;
	bool b;

	if (y_null(n))
		return "null";
	if (n->type == Y_SEQ)
		return "a list";
	if (n->type == Y_MAP)
		return "a mapping";
	if (y_number(n, &d))
		return "a number";
	if (y_bool(n, &b))
		return "a boolean";
	return "a string";
}

/* Value of `key` in a mapping (the first one), or NULL. */
static const struct ynode *y_get(const struct ynode *map, const char *key)
{
	if (!map || map->type != Y_MAP)
		return NULL;
	for (size_t i = 0; i + 1 < map->n; i += 2)
		if (map->kids[i]->type == Y_SCALAR && !strcmp(map->kids[i]->s, key))
			return map->kids[i + 1];
	return NULL;
}

/* ---- diagnostics ------------------------------------------------------------ */

struct ctx {
	struct vg_policy_set *set;
	const char *file;
	size_t errors;				/* in the current document */
	const struct ynode *lists;		/* spec.lists, once checked */
};

__attribute__((format(printf, 5, 6)))
static void diag(struct ctx *c, unsigned int line, unsigned int col, const char *field,
		 const char *fmt, ...)
{
	struct vg_policy_diag *d;
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	d = push(&c->set->diags, &c->set->n_diags, sizeof(*d));
	d->file = xstrdup(c->file);
	d->line = line;
	d->col = col;
	d->field = xstrdup(field ? field : "");
	d->msg = xstrdup(msg);
	c->errors++;
}

#define err(c, node, field, ...) diag(c, (node)->line, (node)->col, field, __VA_ARGS__)

const char *vg_policy_diag_format(const struct vg_policy_diag *d, char *buf, size_t len)
{
	if (!d->line)
		snprintf(buf, len, "%s: %s", d->file, d->msg);
	else if (!*d->field)
		snprintf(buf, len, "%s:%u:%u: %s", d->file, d->line, d->col, d->msg);
	else
		snprintf(buf, len, "%s:%u:%u: %s: %s", d->file, d->line, d->col, d->field, d->msg);
	return buf;
}

/* Edit distance (optimal string alignment: a swap of two neighbours counts
 * one, so "exce" is next to "exec"), case-insensitive; long strings are far. */
static size_t distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), d[3][65];

	if (la > 64 || lb > 64)
		return SIZE_MAX;
	for (size_t j = 0; j <= lb; j++)
		d[0][j] = j;
	for (size_t i = 1; i <= la; i++) {
		size_t *cur = d[i % 3], *prev = d[(i - 1) % 3], *prev2 = d[(i + 1) % 3];

		cur[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			int ca = tolower((unsigned char)a[i - 1]), cb = tolower((unsigned char)b[j - 1]);
			size_t best = prev[j - 1] + (ca != cb);

			if (prev[j] + 1 < best)
				best = prev[j] + 1;
			if (cur[j - 1] + 1 < best)
				best = cur[j - 1] + 1;
			if (i > 1 && j > 1 && ca == tolower((unsigned char)b[j - 2]) &&
			    tolower((unsigned char)a[i - 2]) == cb && prev2[j - 2] + 1 < best)
				best = prev2[j - 2] + 1;
			cur[j] = best;
		}
	}
	return d[la % 3][lb];
}

/* The candidate close enough to `s` to be what was meant, or NULL. */
static const char *closest(const char *s, const char *const *cands, size_t n)
{
	size_t best = SIZE_MAX, limit = strlen(s) <= 4 ? 1 : 2;
	const char *pick = NULL;

	for (size_t i = 0; i < n; i++) {
		size_t d;

		if (!cands[i])
			continue;
		d = distance(s, cands[i]);
		if (d < best) {
			best = d;
			pick = cands[i];
		}
	}
	return best <= limit ? pick : NULL;
}

/* "(did you mean 'x'?)" or "(expected one of: a, b, c)" into buf. */
static const char *hint_of(char *buf, size_t len, const char *s, const char *const *cands,
			   size_t n, const char *lead)
{
	const char *near = closest(s, cands, n);
	size_t off;

	if (near) {
		snprintf(buf, len, "(did you mean '%s'?)", near);
		return buf;
	}
	off = (size_t)snprintf(buf, len, "(%s: ", lead);
	for (size_t i = 0; i < n && off < len; i++)
		if (cands[i])
			off += (size_t)snprintf(buf + off, len - off, "%s%s",
						off > strlen(lead) + 3 ? ", " : "", cands[i]);
	if (off < len)
		snprintf(buf + off, len - off, ")");
	return buf;
}

/* A field path ("spec.rules[0].action") into a PATHLEN buffer, cut if longer. */
__attribute__((format(printf, 2, 3)))
static char *subpath(char *buf, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, PATHLEN, fmt, ap);
	va_end(ap);
	return buf;
}

/* ---- typed getters (each reports its own error and returns false) ------- */

static bool want_str(struct ctx *c, const struct ynode *n, const char *path, const char **out)
{
	if (n->type != Y_SCALAR || y_null(n)) {
		err(c, n, path, "wrong type: expected a string, got %s (write a single value, "
		    "quoted if needed)", y_typename(n));
		return false;
	}
	if (strlen(n->s) != n->len) {
		err(c, n, path, "contains a NUL byte (remove it)");
		return false;
	}
	*out = n->s;
	return true;
}

static bool want_nonempty_str(struct ctx *c, const struct ynode *n, const char *path,
			      const char **out)
{
	if (!want_str(c, n, path, out))
		return false;
	if (!**out) {
		err(c, n, path, "empty string (give a value or leave the field out)");
		return false;
	}
	return true;
}

static bool want_uint(struct ctx *c, const struct ynode *n, const char *path, uint64_t min,
		      uint64_t max, uint64_t *out)
{
	bool neg;

	if (!y_int(n, out, &neg)) {
		err(c, n, path, "wrong type: expected an integer, got %s (write a plain number "
		    "such as 4096, without quotes)", y_typename(n));
		return false;
	}
	if (neg || *out < min || *out > max) {
		err(c, n, path, "%s is out of range (%llu to %llu)", n->s,
		    (unsigned long long)min, (unsigned long long)max);
		return false;
	}
	return true;
}

static bool want_bool(struct ctx *c, const struct ynode *n, const char *path, bool *out)
{
	if (!y_bool(n, out)) {
		err(c, n, path, "wrong type: expected a boolean, got %s (write true or false)",
		    y_typename(n));
		return false;
	}
	return true;
}

static int want_enum(struct ctx *c, const struct ynode *n, const char *path, const char *what,
		     const char *const *names, size_t count)
{
	const char *s;
	char hint[512];

	if (!want_str(c, n, path, &s))
		return -1;
	for (size_t i = 0; i < count; i++)
		if (names[i] && !strcmp(s, names[i]))
			return (int)i;
	err(c, n, path, "unknown %s '%s' %s", what, s,
	    hint_of(hint, sizeof(hint), s, names, count, "expected one of"));
	return -1;
}

static bool want_type(struct ctx *c, const struct ynode *n, const char *path, enum ytype t,
		      const char *hint)
{
	if (n->type == t && !y_null(n))
		return true;
	err(c, n, path, "wrong type: expected %s, got %s (%s)", t == Y_MAP ? "a mapping" : "a list",
	    y_typename(n), hint);
	return false;
}

/*
 * A mapping whose keys are all in `allowed`: reports non-string keys,
 * duplicates and unknown keys (with a "did you mean").
 */
static bool check_map(struct ctx *c, const struct ynode *n, const char *path,
		      const char *const *allowed, size_t count, const char *hint)
{
	char fpath[PATHLEN], h[512];
	bool ok = true;

	if (!want_type(c, n, path, Y_MAP, hint))
		return false;
	for (size_t i = 0; i + 1 < n->n; i += 2) {
		const struct ynode *k = n->kids[i];
		bool known = !allowed;

		if (k->type != Y_SCALAR || y_null(k) || strlen(k->s) != k->len) {
			err(c, k, path, "keys must be strings, got %s (write key: value)",
			    y_typename(k));
			ok = false;
			continue;
		}
		subpath(fpath, "%s%s%s", path, *path ? "." : "", k->s);
		for (size_t j = 0; j < i; j += 2)
			if (n->kids[j]->type == Y_SCALAR && !strcmp(n->kids[j]->s, k->s)) {
				err(c, k, fpath, "duplicate key (first at line %u column %u; "
				    "keep one)", n->kids[j]->line, n->kids[j]->col);
				ok = false;
				break;
			}
		for (size_t j = 0; allowed && j < count; j++)
			if (!strcmp(k->s, allowed[j]))
				known = true;
		if (!known) {
			err(c, k, fpath, "unknown field '%s' %s", k->s,
			    hint_of(h, sizeof(h), k->s, allowed, count, "allowed here"));
			ok = false;
		}
	}
	return ok;
}

static const struct ynode *need(struct ctx *c, const struct ynode *map, const char *path,
				const char *key, const char *hint)
{
	const struct ynode *v = y_get(map, key);

	if (!v)
		err(c, map, path, "missing required field '%s' (%s)", key, hint);
	return v;
}

/* ---- names, globs, durations ---------------------------------------------- */

/* DNS-label-like: lowercase alphanumerics, '-' and '.', alnum at both ends. */
static bool name_ok(const char *s, size_t max)
{
	size_t len = strlen(s);

	if (!len || len > max || !isalnum((unsigned char)s[0]) ||
	    !isalnum((unsigned char)s[len - 1]))
		return false;
	for (const char *p = s; *p; p++)
		if (!(islower((unsigned char)*p) || isdigit((unsigned char)*p) || *p == '-' ||
		      *p == '.'))
			return false;
	return true;
}

static bool want_name(struct ctx *c, const struct ynode *n, const char *path, size_t max,
		      const char **out)
{
	if (!want_str(c, n, path, out))
		return false;
	if (!name_ok(*out, max)) {
		err(c, n, path, "invalid name '%s' (lowercase letters, digits, '-' and '.', "
		    "starting and ending with a letter or digit, at most %zu characters)", *out, max);
		return false;
	}
	return true;
}

static const char *const char_classes[] = {
	"alnum", "alpha", "blank", "cntrl", "digit", "graph", "lower", "print", "punct",
	"space", "upper", "xdigit",
};

/* NULL if fnmatch(3) reads `g` as the user meant, else what is wrong. */
static const char *glob_problem(const char *g, char *buf, size_t len)
{
	for (size_t i = 0; g[i]; i++) {
		size_t j;

		if (g[i] == '\\') {
			if (!g[i + 1]) {
				snprintf(buf, len, "ends with a lone '\\'");
				return buf;
			}
			i++;
			continue;
		}
		if (g[i] != '[')
			continue;
		j = i + 1;
		if (g[j] == '!' || g[j] == '^')
			j++;
		if (g[j] == ']')
			j++;		/* a leading ']' is a member */
		while (g[j] && g[j] != ']') {
			if (g[j] == '[' && (g[j + 1] == ':' || g[j + 1] == '.' || g[j + 1] == '=')) {
				const char *end = strstr(g + j + 2, g[j + 1] == ':' ? ":]" :
							 g[j + 1] == '.' ? ".]" : "=]");
				bool known = false;

				if (g[j + 1] != ':') {
					snprintf(buf, len, "collating symbols and equivalence "
						 "classes are not supported (offset %zu)", j);
					return buf;
				}
				if (!end)
					break;
				for (size_t k = 0; k < ARRAY_SIZE(char_classes); k++)
					if ((size_t)(end - (g + j + 2)) == strlen(char_classes[k]) &&
					    !strncmp(g + j + 2, char_classes[k], strlen(char_classes[k])))
						known = true;
				if (!known) {
					snprintf(buf, len, "unknown character class '%.*s' at offset %zu",
						 (int)(end + 2 - (g + j)), g + j, j);
					return buf;
				}
				j = (size_t)(end - g) + 2;
				continue;
			}
			if (g[j] == '\\' && g[j + 1])
				j++;
			if (g[j + 1] == '-' && g[j + 2] && g[j + 2] != ']') {
				unsigned char lo = (unsigned char)g[j];
				size_t h = j + 2;

				if (g[h] == '\\' && g[h + 1])
					h++;
				if ((unsigned char)g[h] < lo) {
					snprintf(buf, len, "range '%c-%c' at offset %zu is reversed",
						 lo, g[h], j);
					return buf;
				}
				j = h + 1;
				continue;
			}
			j++;
		}
		if (!g[j]) {
			snprintf(buf, len, "unbalanced '[' at offset %zu", i);
			return buf;
		}
		i = j;
	}
	return NULL;
}

/* "500ms", "30s", "5m", "2h" -> milliseconds. */
static bool want_duration(struct ctx *c, const struct ynode *n, const char *path, uint64_t *ms)
{
	const char *s;
	unsigned long long v;
	uint64_t unit = 0;
	char *end;

	if (!want_str(c, n, path, &s))
		return false;
	errno = 0;
	v = isdigit((unsigned char)*s) ? strtoull(s, &end, 10) : 0;
	if (v && !errno) {
		if (!strcmp(end, "ms"))
			unit = 1;
		else if (!strcmp(end, "s"))
			unit = 1000;
		else if (!strcmp(end, "m"))
			unit = 60000;
		else if (!strcmp(end, "h"))
			unit = 3600000;
	}
	if (!unit || v > 1000000) {
		err(c, n, path, "bad duration '%s' (a positive number up to 1000000 with a unit: "
		    "ms, s, m or h, e.g. 30s)", s);
		return false;
	}
	*ms = v * unit;
	return true;
}

/* ---- named lists and string lists ------------------------------------------- */

/* Checks one string of a list; reports its own errors. */
typedef bool (*str_check_fn)(struct ctx *c, const struct ynode *n, const char *path,
			     const char *s, const void *arg);

static bool list_name_ok(const char *s)
{
	if (!isalpha((unsigned char)*s) && *s != '_')
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '_' && *s != '-')
			return false;
	return true;
}

/* spec.lists: NAME: [strings]. */
static void check_lists(struct ctx *c, const struct ynode *n)
{
	char path[PATHLEN], ipath[PATHLEN];
	const char *s;

	if (!check_map(c, n, "spec.lists", NULL, 0, "write NAME: [values...]"))
		return;
	for (size_t i = 0; i + 1 < n->n; i += 2) {
		const struct ynode *k = n->kids[i], *v = n->kids[i + 1];

		if (k->type != Y_SCALAR)
			continue;
		subpath(path, "spec.lists.%s", k->s);
		if (!list_name_ok(k->s))
			err(c, k, path, "invalid list name '%s' (letters, digits, '_' and '-', "
			    "starting with a letter or '_')", k->s);
		if (!want_type(c, v, path, Y_SEQ, "a list name maps to a list of strings"))
			continue;
		for (size_t j = 0; j < v->n; j++) {
			subpath(ipath, "%s[%zu]", path, j);
			if (!want_nonempty_str(c, v->kids[j], ipath, &s))
				continue;
			if (s[0] == '@' && s[1] != '@')
				err(c, v->kids[j], ipath, "lists cannot refer to other lists ('%s'; "
				    "write its values here, or '@@' for a literal '@')", s);
		}
	}
}

static void strs_add(struct vg_policy_strs *v, const char *s)
{
	char **slot = push(&v->v, &v->n, sizeof(*v->v));

	*slot = xstrdup(s);
}

static bool add_checked(struct ctx *c, const struct ynode *n, const char *path, const char *s,
			str_check_fn check, const void *arg, struct vg_policy_strs *out)
{
	if (check && !check(c, n, path, s, arg))
		return false;
	if (out)
		strs_add(out, s);
	return true;
}

/*
 * A field that takes one value or a list of them.  Fills the items to walk;
 * an empty list is an error ("give at least one <what>") and false.
 */
struct one_or_many {
	const struct ynode *single[1];
	const struct ynode *const *items;
	size_t count;
	bool seq;
};

static bool one_or_many(struct ctx *c, const struct ynode *n, const char *path, const char *what,
			struct one_or_many *m)
{
	m->single[0] = n;
	m->seq = n->type == Y_SEQ;
	m->items = m->seq ? (const struct ynode *const *)n->kids : m->single;
	m->count = m->seq ? n->n : 1;
	if (m->seq && !m->count) {
		err(c, n, path, "empty list (give at least one %s, or leave the field out)", what);
		return false;
	}
	return true;
}

/* "path[i]" for a list item, "path" for a single value. */
static void item_path(char ipath[PATHLEN], const char *path, const struct one_or_many *m, size_t i)
{
	if (m->seq)
		subpath(ipath, "%s[%zu]", path, i);
	else
		subpath(ipath, "%s", path);
}

/*
 * A string or a list of strings into `out`; "@name" stands for the values
 * of spec.lists.name, "@@x" for the literal "@x".
 */
static bool collect_strs(struct ctx *c, const struct ynode *n, const char *path,
			 str_check_fn check, const void *arg, struct vg_policy_strs *out)
{
	struct one_or_many m;
	size_t before = c->errors;
	char ipath[PATHLEN], h[512];

	if (!one_or_many(c, n, path, "value", &m))
		return false;
	for (size_t i = 0; i < m.count; i++) {
		const struct ynode *it = m.items[i];
		const struct ynode *list;
		const char *s;

		item_path(ipath, path, &m, i);
		if (!want_nonempty_str(c, it, ipath, &s))
			continue;
		if (s[0] != '@' || s[1] == '@') {
			add_checked(c, it, ipath, s + (s[0] == '@'), check, arg, out);
			continue;
		}
		list = y_get(c->lists, s + 1);
		if (!list) {
			const char *names[64];
			size_t nn = 0;

			for (size_t j = 0; c->lists && c->lists->type == Y_MAP &&
					   j + 1 < c->lists->n && nn < ARRAY_SIZE(names); j += 2)
				names[nn++] = c->lists->kids[j]->s;
			if (closest(s + 1, names, nn))
				snprintf(h, sizeof(h), "(did you mean '@%s'?)",
					 closest(s + 1, names, nn));
			else
				snprintf(h, sizeof(h), "(define it under spec.lists, or write '@@' "
					 "for a literal '@')");
			err(c, it, ipath, "undefined list '%s' %s", s, h);
			continue;
		}
		if (list->type != Y_SEQ)
			continue;	/* reported by check_lists */
		for (size_t j = 0; j < list->n; j++) {
			const struct ynode *li = list->kids[j];

			if (li->type != Y_SCALAR || y_null(li) || !li->len ||
			    strlen(li->s) != li->len || (li->s[0] == '@' && li->s[1] != '@'))
				continue;	/* reported by check_lists */
			subpath(ipath, "spec.lists.%s[%zu]", s + 1, j);
			add_checked(c, li, ipath, li->s + (li->s[0] == '@'), check, arg, out);
		}
	}
	return c->errors == before;
}

/* ---- value checks ------------------------------------------------------------ */

enum strkind { STR_EXACT, STR_PREFIX, STR_GLOB };

static bool glob_ok(struct ctx *c, const struct ynode *n, const char *path, const char *s)
{
	char why[256];

	if (!glob_problem(s, why, sizeof(why)))
		return true;
	err(c, n, path, "bad glob '%s': %s (close each '[' with ']', or escape it as '\\[')",
	    s, why);
	return false;
}

static bool check_pathish(struct ctx *c, const struct ynode *n, const char *path, const char *s,
			  const void *arg)
{
	enum strkind k = *(const enum strkind *)arg;

	if (k == STR_GLOB) {
		if (!glob_ok(c, n, path, s))
			return false;
		if (s[0] != '/' && s[0] != '*' && s[0] != '?' && s[0] != '[') {
			err(c, n, path, "glob '%s' never matches an absolute path (start it "
			    "with '/' or '*')", s);
			return false;
		}
		return true;
	}
	if (s[0] != '/') {
		err(c, n, path, "'%s' is not an absolute path (paths start with '/'%s)", s,
		    k == STR_EXACT ? "; use glob for patterns" : "");
		return false;
	}
	return true;
}

/*
 * binary, parent, ancestors, cgroup, path (check_pathish), name
 * (check_bpf_name): {exact, prefix, glob}; `check` gets a const enum
 * strkind * saying which.
 */
static bool parse_strmatch(struct ctx *c, const struct ynode *n, const char *path,
			   str_check_fn check, const char *hint, struct vg_policy_strmatch *m)
{
	static const char *const keys[] = { "exact", "prefix", "glob" };
	static const enum strkind kinds[] = { STR_EXACT, STR_PREFIX, STR_GLOB };
	struct vg_policy_strs *outs[] = { &m->exact, &m->prefix, &m->glob };
	char kpath[PATHLEN];
	bool ok = true, any = false;

	if (!check_map(c, n, path, keys, ARRAY_SIZE(keys), hint))
		return false;
	for (size_t i = 0; i < ARRAY_SIZE(keys); i++) {
		const struct ynode *v = y_get(n, keys[i]);

		if (!v)
			continue;
		any = true;
		subpath(kpath, "%s.%s", path, keys[i]);
		ok &= collect_strs(c, v, kpath, check, &kinds[i], outs[i]);
	}
	if (!any) {
		err(c, n, path, "empty match (give exact, prefix or glob)");
		return false;
	}
	return ok;
}

static bool check_comm(struct ctx *c, const struct ynode *n, const char *path, const char *s,
		       const void *arg)
{
	if (strlen(s) > 15) {
		err(c, n, path, "comm '%s' is longer than 15 bytes and never matches (the kernel "
		    "truncates task names; match the binary instead)", s);
		return false;
	}
	return true;
}

static bool check_syscall(struct ctx *c, const struct ynode *n, const char *path,
			  const char *s, const void *arg)
{
	const char *const *names;
	size_t count;
	char h[512];

	if (vg_policy_syscall_known(s))
		return true;
	names = vg_policy_syscall_names(&count);
	if (closest(s, names, count))
		snprintf(h, sizeof(h), "(did you mean '%s'?)", closest(s, names, count));
	else
		snprintf(h, sizeof(h), "(use the name from syscalls(2), e.g. bpf, openat)");
	err(c, n, path, "unknown syscall '%s' %s", s, h);
	return false;
}

/* bpfCommand: a command the bpf sensor reports. */
static bool check_bpf_cmd(struct ctx *c, const struct ynode *n, const char *path, const char *s,
			  const void *arg)
{
	const char *const *names;
	size_t count;
	char h[512];
	int cmd = vg_bpf_cmd_parse(s);

	if (cmd >= 0 && vg_bpf_cmd_reported((unsigned int)cmd))
		return true;
	if (cmd >= 0) {
		err(c, n, path, "bpf command '%s' is never reported (bpf events are the control "
		    "commands: %s)", s, vg_bpf_reported_cmds_str());
		return false;
	}
	names = vg_bpf_cmd_names(&count);
	if (closest(s, names, count))
		snprintf(h, sizeof(h), "(did you mean '%s'?)", closest(s, names, count));
	else
		snprintf(h, sizeof(h), "(one of: %s)", vg_bpf_reported_cmds_str());
	err(c, n, path, "unknown bpf command '%s' %s", s, h);
	return false;
}

/* progType: a name of enum bpf_prog_type. */
static bool check_prog_type(struct ctx *c, const struct ynode *n, const char *path,
			    const char *s, const void *arg)
{
	const char *const *names;
	size_t count;
	char h[1024];

	if (vg_bpf_prog_type_parse(s) >= 0)
		return true;
	names = vg_bpf_prog_type_names(&count);
	err(c, n, path, "unknown program type '%s' %s", s,
	    hint_of(h, sizeof(h), s, names, count, "expected one of"));
	return false;
}

/* name: the kernel keeps 15 bytes of letters, digits, '_' and '.' (bpf_obj_name_cpy). */
static bool check_bpf_name(struct ctx *c, const struct ynode *n, const char *path, const char *s,
			   const void *arg)
{
	enum strkind k = *(const enum strkind *)arg;

	if (k == STR_GLOB) {
		if (!glob_ok(c, n, path, s))
			return false;
		return true;
	}
	if (strlen(s) > VG_BPF_NAME_LEN - 1) {
		err(c, n, path, "name '%s' is longer than %d bytes and never matches (the kernel "
		    "keeps at most %d bytes of a program or map name)", s, VG_BPF_NAME_LEN - 1,
		    VG_BPF_NAME_LEN - 1);
		return false;
	}
	for (const char *p = s; *p; p++) {
		if (!isalnum((unsigned char)*p) && *p != '_' && *p != '.') {
			err(c, n, path, "name '%s' never matches: program and map names are "
			    "letters, digits, '_' and '.' (the kernel refuses others)", s);
			return false;
		}
	}
	return true;
}

static bool check_container_id(struct ctx *c, const struct ynode *n, const char *path,
			       const char *s, const void *arg)
{
	size_t len = strlen(s);

	for (const char *p = s; *p; p++)
		if (!isxdigit((unsigned char)*p) || isupper((unsigned char)*p))
			len = 0;
	if (!len || len > 64) {
		err(c, n, path, "bad container id '%s' (1 to 64 lowercase hex digits, a prefix "
		    "of the id)", s);
		return false;
	}
	return true;
}

static bool check_cidr(struct ctx *c, const struct ynode *n, const char *path, const char *s,
		       const void *arg)
{
	struct vg_policy_cond *cond = (struct vg_policy_cond *)arg;
	struct vg_netctl_rule r;
	struct vg_policy_cidr *out;
	char why[128];

	if (vg_netctl_parse_cidr(s, &r, why, sizeof(why))) {
		err(c, n, path, "bad CIDR '%s' (%s, e.g. 10.0.0.0/8 or fd00::/8)", s, why);
		return false;
	}
	out = push(&cond->cidrs, &cond->n_cidrs, sizeof(*out));
	out->family = r.family;
	memcpy(out->addr, r.addr, sizeof(out->addr));
	out->prefixlen = r.prefixlen;
	return true;
}

/* Names of one enum into a mask. */
static bool parse_mask(struct ctx *c, const struct ynode *n, const char *path, const char *what,
		       const char *const *names, size_t count, unsigned int *mask)
{
	struct one_or_many m;
	size_t before = c->errors;
	char ipath[PATHLEN];

	if (!one_or_many(c, n, path, what, &m))
		return false;
	for (size_t i = 0; i < m.count; i++) {
		int v;

		item_path(ipath, path, &m, i);
		v = want_enum(c, m.items[i], ipath, what, names, count);
		if (v >= 0)
			*mask |= 1u << v;
	}
	return c->errors == before;
}

static bool parse_ids(struct ctx *c, const struct ynode *n, const char *path,
		      struct vg_policy_cond *cond)
{
	struct one_or_many m;
	size_t before = c->errors;
	char ipath[PATHLEN];

	if (!one_or_many(c, n, path, "id", &m))
		return false;
	for (size_t i = 0; i < m.count; i++) {
		uint64_t v;

		item_path(ipath, path, &m, i);
		if (want_uint(c, m.items[i], ipath, 0, UINT32_MAX, &v))
			*(uint32_t *)push(&cond->ids, &cond->n_ids, sizeof(uint32_t)) = (uint32_t)v;
	}
	return c->errors == before;
}

/* 22, "8000-8080", or a list of those. */
static bool parse_ports(struct ctx *c, const struct ynode *n, const char *path,
			struct vg_policy_cond *cond)
{
	struct one_or_many m;
	size_t before = c->errors;
	char ipath[PATHLEN];

	if (!one_or_many(c, n, path, "port", &m))
		return false;
	for (size_t i = 0; i < m.count; i++) {
		const struct ynode *it = m.items[i];
		struct vg_policy_ports *p;
		unsigned long lo, hi;
		uint64_t v;
		bool neg;
		int used = 0;

		item_path(ipath, path, &m, i);
		if (y_int(it, &v, &neg)) {
			if (!want_uint(c, it, ipath, 1, 65535, &v))
				continue;
			lo = hi = v;
		} else if (it->type != Y_SCALAR || y_null(it) ||
			   sscanf(it->s, "%5lu-%5lu%n", &lo, &hi, &used) != 2 ||
			   (size_t)used != it->len || !isdigit((unsigned char)it->s[0]) ||
			   !lo || hi > 65535 || lo > hi) {
			err(c, it, ipath, "bad port '%s' (a port 1-65535 or a range such as "
			    "8000-8080)", it->type == Y_SCALAR ? it->s : y_typename(it));
			continue;
		}
		p = push(&cond->ports, &cond->n_ports, sizeof(*p));
		p->lo = (uint16_t)lo;
		p->hi = (uint16_t)hi;
	}
	return c->errors == before;
}

static bool parse_args(struct ctx *c, const struct ynode *n, const char *path,
		       struct vg_policy_cond *cond)
{
	static const char *const keys[] = { "contains", "prefix" };
	const struct ynode *v;
	char kpath[PATHLEN];
	bool ok = true;

	if (!check_map(c, n, path, keys, ARRAY_SIZE(keys),
		       "write contains: and/or prefix: with a list of strings"))
		return false;
	if (!y_get(n, "contains") && !y_get(n, "prefix")) {
		err(c, n, path, "empty match (give contains or prefix)");
		return false;
	}
	if ((v = y_get(n, "contains"))) {
		subpath(kpath, "%s.contains", path);
		ok &= collect_strs(c, v, kpath, NULL, NULL, &cond->contains);
	}
	if ((v = y_get(n, "prefix"))) {
		subpath(kpath, "%s.prefix", path);
		ok &= collect_strs(c, v, kpath, NULL, NULL, &cond->prefix);
	}
	return ok;
}

static bool parse_container(struct ctx *c, const struct ynode *n, const char *path,
			    struct vg_policy_cond *cond)
{
	static const char *const keys[] = { "id", "runtime", "present" };
	const struct ynode *v;
	char kpath[PATHLEN];
	bool ok = true, present;

	cond->present = -1;
	if (!check_map(c, n, path, keys, ARRAY_SIZE(keys),
		       "write id:, runtime: and/or present:"))
		return false;
	if (!n->n) {
		err(c, n, path, "empty match (give id, runtime or present)");
		return false;
	}
	if ((v = y_get(n, "id"))) {
		subpath(kpath, "%s.id", path);
		ok &= collect_strs(c, v, kpath, check_container_id, NULL, &cond->list);
	}
	if ((v = y_get(n, "runtime"))) {
		unsigned int m = 0;

		subpath(kpath, "%s.runtime", path);
		ok &= parse_mask(c, v, kpath, "runtime", runtime_names, ARRAY_SIZE(runtime_names),
				 &m);
		cond->mask = m << 1;	/* enum vg_runtime: VG_RT_DOCKER is 1 */
	}
	if ((v = y_get(n, "present"))) {
		subpath(kpath, "%s.present", path);
		if (want_bool(c, v, kpath, &present))
			cond->present = present;
		else
			ok = false;
	}
	return ok;
}

static bool parse_argcmps(struct ctx *c, const struct ynode *n, const char *path,
			  struct vg_policy_cond *cond, bool uprobe)
{
	const char *const *ops = uprobe ? upcmp_names : cmp_names;
	static const char *const keys[] = { "index", "op", "value" };
	char ipath[PATHLEN], kpath[PATHLEN];
	size_t before = c->errors;

	if (!want_type(c, n, path, Y_SEQ, "a list of {index, op, value}"))
		return false;
	if (!n->n) {
		err(c, n, path, "empty list (give at least one comparison, or leave the field out)");
		return false;
	}
	for (size_t i = 0; i < n->n; i++) {
		const struct ynode *it = n->kids[i], *v;
		struct vg_policy_argcmp a = { 0 };
		uint64_t u;
		bool neg, ok = true;
		int op;

		subpath(ipath, "%s[%zu]", path, i);
		if (!check_map(c, it, ipath, keys, ARRAY_SIZE(keys),
			       "write {index: 0-5, op: gt, value: 4096}"))
			continue;
		if ((v = need(c, it, ipath, "index", "the argument's position, 0 to 5"))) {
			subpath(kpath, "%s.index", ipath);
			if (want_uint(c, v, kpath, 0, 5, &u))
				a.index = (unsigned int)u;
			else
				ok = false;
		} else {
			ok = false;
		}
		if ((v = need(c, it, ipath, "op", uprobe ? "one of eq, ne, lt, le, gt, ge, strlenGt"
			      : "one of eq, ne, lt, le, gt, ge, mask"))) {
			subpath(kpath, "%s.op", ipath);
			op = want_enum(c, v, kpath, "operator", ops, ARRAY_SIZE(cmp_names));
			if (op >= 0)
				a.op = uprobe && op == 6 ? VG_CMP_STRLEN_GT : (enum vg_policy_cmp)op;
			else
				ok = false;
		} else {
			ok = false;
		}
		if ((v = need(c, it, ipath, "value", "an integer to compare with"))) {
			subpath(kpath, "%s.value", ipath);
			if (y_int(v, &u, &neg) && (!neg || u <= (uint64_t)INT64_MAX + 1)) {
				a.value = neg ? (uint64_t)0 - u : u;	/* two's complement */
			} else {
				err(c, v, kpath, "wrong type: expected an integer, got %s (write a "
				    "plain number such as 4096, without quotes)", y_typename(v));
				ok = false;
			}
		} else {
			ok = false;
		}
		if (ok && a.op == VG_CMP_STRLEN_GT && a.value > VG_POLICY_STRLEN_MAX) {
			err(c, it, ipath, "strlenGt value %llu is out of range (0 to %d: the kernel "
			    "reads at most %d bytes of the string)", (unsigned long long)a.value,
			    VG_POLICY_STRLEN_MAX, VG_POLICY_STRLEN_MAX + 1);
			ok = false;
		}
		if (ok)
			*(struct vg_policy_argcmp *)push(&cond->argcmps, &cond->n_argcmps,
							 sizeof(a)) = a;
	}
	return c->errors == before;
}

/*
 * score: {gt: 5, le: 10}, every comparison must hold.  A set of bounds no
 * score (>= 0) satisfies is an error: such a rule would never fire.
 */
static bool parse_score(struct ctx *c, const struct ynode *n, const char *path,
			struct vg_policy_cond *cond, const char *key, const char *noun)
{
	/* ge before gt and le before lt: "gte" is taken to mean ge */
	static const char *const keys[] = { "ge", "gt", "le", "lt" };
	static const enum vg_policy_cmp ops[] = { VG_CMP_GE, VG_CMP_GT, VG_CMP_LE, VG_CMP_LT };
	const struct ynode *lo = NULL, *hi = NULL;	/* the tightest bounds */
	double lo_v = 0, hi_v = 0;
	bool lo_strict = false, hi_strict = false;
	size_t before = c->errors;
	char kpath[PATHLEN];

	char hint[160];

	snprintf(hint, sizeof(hint), "write %s: {ge: 5}; the comparisons are gt, ge, lt and le, "
		 "and all given must hold", key);
	if (!check_map(c, n, path, keys, ARRAY_SIZE(keys), hint))
		return false;
	if (!n->n) {
		err(c, n, path, "empty match (give gt, ge, lt or le)");
		return false;
	}
	for (size_t i = 0; i < ARRAY_SIZE(keys); i++) {
		const struct ynode *v = y_get(n, keys[i]);
		struct vg_policy_scorecmp *sc;
		bool strict = ops[i] == VG_CMP_GT || ops[i] == VG_CMP_LT;
		double d;

		if (!v)
			continue;
		subpath(kpath, "%s.%s", path, keys[i]);
		if (!y_number(v, &d)) {
			err(c, v, kpath, "wrong type: expected a number, got %s (write a plain "
			    "number such as 5 or 2.5, without quotes)", y_typename(v));
			continue;
		}
		if (d < 0 || !isfinite(d)) {
			err(c, v, kpath, "%s is out of range (%s %s)", v->s, noun,
			    d < 0 ? "is 0 or more" : "cannot be that large");
			continue;
		}
		sc = push(&cond->scorecmps, &cond->n_scorecmps, sizeof(*sc));
		sc->op = ops[i];
		sc->value = d + 0.0;	/* -0 is 0 */
		if (ops[i] == VG_CMP_GE || ops[i] == VG_CMP_GT) {
			if (!lo || d > lo_v || (d == lo_v && strict)) {
				lo = v;
				lo_v = d;
				lo_strict = strict;
			}
		} else if (!hi || d < hi_v || (d == hi_v && strict)) {
			hi = v;
			hi_v = d;
			hi_strict = strict;
		}
	}
	if (c->errors != before)
		return false;
	if (hi && (lo_v > hi_v || (lo_v == hi_v && (lo_strict || hi_strict)))) {
		if (lo)
			err(c, n, path, "never matches (no %s is %s %s and %s %s)", key,
			    lo_strict ? "above" : "at least", lo->s,
			    hi_strict ? "below" : "at most", hi->s);
		else
			err(c, n, path, "never matches (no %s is below 0: %s is 0 or more)", key,
			    noun);
		return false;
	}
	return true;
}

/* cpuSeconds: N, the intervals (seconds, at the default interval) cpuPercent
 * must hold for, 1..VG_SCHED_HISTORY. */
static bool parse_intervals(struct ctx *c, const struct ynode *n, const char *path,
			    struct vg_policy_cond *cond)
{
	double d;

	if (!y_number(n, &d)) {
		err(c, n, path, "wrong type: expected a whole number of seconds, got %s (write "
		    "cpuSeconds: 5)", y_typename(n));
		return false;
	}
	if (d < 0 || d > 1e6 || d != (double)(unsigned int)d) {
		err(c, n, path, "%s is not a whole number of seconds (write cpuSeconds: 5)", n->s);
		return false;
	}
	if (d < 1 || d > VG_SCHED_HISTORY) {
		err(c, n, path, "%s is out of range (1 to %d: the sched records carry the last %d "
		    "intervals)", n->s, VG_SCHED_HISTORY, VG_SCHED_HISTORY);
		return false;
	}
	cond->mask = (unsigned int)d;
	return true;
}

/* reason: {contains: [...]}. */
static bool parse_reason(struct ctx *c, const struct ynode *n, const char *path,
			 struct vg_policy_cond *cond)
{
	static const char *const keys[] = { "contains" };
	const struct ynode *v;
	char kpath[PATHLEN];

	if (!check_map(c, n, path, keys, ARRAY_SIZE(keys),
		       "write reason: {contains: [\"new child\"]}"))
		return false;
	if (!(v = y_get(n, "contains"))) {
		err(c, n, path, "empty match (give contains)");
		return false;
	}
	subpath(kpath, "%s.contains", path);
	return collect_strs(c, v, kpath, NULL, NULL, &cond->contains);
}

/* ---- selectors ------------------------------------------------------------------ */

static void cond_release(struct vg_policy_cond *cd)
{
	struct vg_policy_strs *all[] = { &cd->str.exact, &cd->str.prefix, &cd->str.glob,
					 &cd->list, &cd->contains, &cd->prefix };

	for (size_t i = 0; i < ARRAY_SIZE(all); i++) {
		for (size_t j = 0; j < all[i]->n; j++)
			free(all[i]->v[j]);
		free(all[i]->v);
	}
	free(cd->ids);
	free(cd->cidrs);
	free(cd->ports);
	free(cd->argcmps);
	free(cd->scorecmps);
}

static void selectors_free(struct vg_policy_selector *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		for (size_t j = 0; j < v[i].n; j++)
			cond_release(&v[i].conds[j]);
		free(v[i].conds);
	}
	free(v);
}

/* The names of the kinds in `mask`, "file" for all file kinds. */
static const char *kinds_str(unsigned int mask, char *buf, size_t len)
{
	size_t off = 0;

	buf[0] = '\0';
	for (unsigned int k = 0; k < VG_PK_MAX && off < len; k++) {
		const char *name = kind_names[k];

		if (!(mask & KB(k)))
			continue;
		if ((mask & K_FILE) == K_FILE && (KB(k) & K_FILE)) {
			if (k != VG_PK_FILE_OPEN)
				continue;
			name = "file";
		}
		off += (size_t)snprintf(buf + off, len - off, "%s%s", off ? ", " : "", name);
	}
	return buf;
}

static const char *const *sel_key_names(size_t *n, bool process_only)
{
	static const char *all[ARRAY_SIZE(sel_keys)], *proc[ARRAY_SIZE(sel_keys)];
	static size_t n_proc;

	if (!n_proc) {
		for (size_t i = 0; i < ARRAY_SIZE(sel_keys); i++) {
			all[i] = sel_keys[i].key;
			if (field_info[sel_keys[i].field].kinds == K_PROC)
				proc[n_proc++] = sel_keys[i].key;
		}
	}
	*n = process_only ? n_proc : ARRAY_SIZE(sel_keys);
	return process_only ? proc : all;
}

/*
 * One selector mapping: every key is a condition (AND).  `kinds` is the
 * rule's (0: unknown, don't check); allow entries (process_only) may only
 * use the process fields.
 */
static void parse_selector(struct ctx *c, const struct ynode *n, const char *path,
			   unsigned int kinds, bool process_only, struct vg_policy_selector *sel)
{
	const char *const *names;
	size_t count;
	char kpath[PATHLEN], kb[256];

	names = sel_key_names(&count, process_only);
	if (!check_map(c, n, path, names, count,
		       process_only ? "an allow entry is a mapping of process fields" :
		       "a selector is a mapping of fields that must all match"))
		return;
	if (!n->n) {
		err(c, n, path, "empty selector (give at least one field, e.g. binary: or path:; "
		    "leave out selectors to match every event of the kinds)");
		return;
	}
	for (size_t i = 0; i + 1 < n->n; i += 2) {
		const struct ynode *k = n->kids[i], *v = n->kids[i + 1];
		const struct sel_key *sk = NULL;
		struct vg_policy_cond cond = { 0 };
		unsigned int bad;
		bool ok = false;

		for (size_t j = 0; j < ARRAY_SIZE(sel_keys); j++)
			if (k->type == Y_SCALAR && !strcmp(k->s, sel_keys[j].key))
				sk = &sel_keys[j];
		if (!sk || (process_only && field_info[sk->field].kinds != K_PROC))
			continue;	/* reported by check_map */
		subpath(kpath, "%s.%s", path, k->s);
		bad = kinds & ~field_info[sk->field].kinds;
		if (bad) {
			unsigned int first = (unsigned int)__builtin_ctz(bad);

			err(c, k, kpath, "'%s' does not apply to kind '%s' (%s applies to %s; "
			    "put other kinds in a rule of their own)", k->s, kind_names[first],
			    field_info[sk->field].name, field_info[sk->field].what);
			continue;
		}
		cond.field = sk->field;
		cond.negate = sk->negate;
		switch (sk->field) {
		case VG_SEL_BINARY:
		case VG_SEL_PARENT:
		case VG_SEL_ANCESTORS:
		case VG_SEL_CGROUP:
		case VG_SEL_PATH:
			ok = parse_strmatch(c, v, kpath, check_pathish, "write exact:, prefix: "
					    "and/or glob: with a list of paths", &cond.str);
			break;
		case VG_SEL_BPF_NAME:
			ok = parse_strmatch(c, v, kpath, check_bpf_name, "write exact:, prefix: "
					    "and/or glob: with a list of names", &cond.str);
			break;
		case VG_SEL_BPF_CMD:
			ok = collect_strs(c, v, kpath, check_bpf_cmd, NULL, &cond.list);
			break;
		case VG_SEL_PROG_TYPE:
			ok = collect_strs(c, v, kpath, check_prog_type, NULL, &cond.list);
			break;
		case VG_SEL_COMM:
			ok = collect_strs(c, v, kpath, check_comm, NULL, &cond.list);
			break;
		case VG_SEL_SYSCALL:
			ok = collect_strs(c, v, kpath, check_syscall, NULL, &cond.list);
			break;
		case VG_SEL_ARGS:
		case VG_SEL_LINE:
		case VG_SEL_DATA:
			ok = parse_args(c, v, kpath, &cond);
			break;
		case VG_SEL_UID:
		case VG_SEL_EUID:
		case VG_SEL_LOGINUID:
			ok = parse_ids(c, v, kpath, &cond);
			break;
		case VG_SEL_CONTAINER:
			ok = parse_container(c, v, kpath, &cond);
			break;
		case VG_SEL_INTENT:
			ok = parse_mask(c, v, kpath, "intent", intent_names,
					ARRAY_SIZE(intent_names), &cond.mask);
			break;
		case VG_SEL_FAMILY:
			ok = parse_mask(c, v, kpath, "family", family_names,
					ARRAY_SIZE(family_names), &cond.mask);
			if (ok && (cond.mask & VG_FAMILY_UNIX) &&
			    (kinds & (KB(VG_PK_PACKET) | KB(VG_PK_FLOW)))) {
				err(c, v, kpath, "family 'unix' never matches kind '%s' (flows "
				    "and packets are ipv4 or ipv6)", kinds_str(kinds &
				    (KB(VG_PK_PACKET) | KB(VG_PK_FLOW)), kb, sizeof(kb)));
				ok = false;
			}
			break;
		case VG_SEL_PROTOCOL:
			ok = parse_mask(c, v, kpath, "protocol", proto_names,
					ARRAY_SIZE(proto_names), &cond.mask);
			break;
		case VG_SEL_DIRECTION:
			ok = parse_mask(c, v, kpath, "direction", direction_names,
					ARRAY_SIZE(direction_names), &cond.mask);
			break;
		case VG_SEL_ADDRESS:
			ok = collect_strs(c, v, kpath, check_cidr, &cond, NULL);
			break;
		case VG_SEL_PORT:
			ok = parse_ports(c, v, kpath, &cond);
			break;
		case VG_SEL_SYSCALL_ARGS:
			ok = parse_argcmps(c, v, kpath, &cond, false);
			break;
		case VG_SEL_UPROBE_ARGS:
			ok = parse_argcmps(c, v, kpath, &cond, true);
			break;
		case VG_SEL_SCORE:
			ok = parse_score(c, v, kpath, &cond, "score", "a score");
			break;
		case VG_SEL_CPU_PERCENT:
			ok = parse_score(c, v, kpath, &cond, "cpuPercent", "a CPU share");
			break;
		case VG_SEL_RUNQ_MS:
		case VG_SEL_OTHERS_RUNQ_MS:
		case VG_SEL_LATENCY_MS:
			ok = parse_score(c, v, kpath, &cond, sk->key, "a time");
			break;
		case VG_SEL_CPU_SECONDS:
			ok = parse_intervals(c, v, kpath, &cond);
			break;
		case VG_SEL_PROFILE:
			ok = collect_strs(c, v, kpath, NULL, NULL, &cond.list);
			break;
		case VG_SEL_REASON:
			ok = parse_reason(c, v, kpath, &cond);
			break;
		case VG_SEL_MAX:
			break;
		}
		if (ok)
			*(struct vg_policy_cond *)push(&sel->conds, &sel->n, sizeof(cond)) = cond;
		else
			cond_release(&cond);
	}
}

/* ---- templates ------------------------------------------------------------------ */

/*
 * "{process.exe} opened {file.path}": each {field} must exist in every kind
 * the rule selects; "{{" and "}}" are literal braces.
 */
static void check_template(struct ctx *c, const struct ynode *n, const char *path,
			   const char *tmpl, unsigned int kinds, const char *rule)
{
	const char *names[ARRAY_SIZE(tmpl_fields)];
	char name[128], h[512], kb[256];

	for (size_t i = 0; i < ARRAY_SIZE(tmpl_fields); i++)
		names[i] = tmpl_fields[i].name;
	for (const char *p = tmpl; *p; p++) {
		const char *end;
		size_t len, i;

		if ((p[0] == '{' && p[1] == '{') || (p[0] == '}' && p[1] == '}')) {
			p++;
			continue;
		}
		if (*p == '}') {
			err(c, n, path, "unmatched '}' at offset %zu (write '}}' for a literal "
			    "brace)", (size_t)(p - tmpl));
			return;
		}
		if (*p != '{')
			continue;
		end = strchr(p, '}');
		if (!end) {
			err(c, n, path, "unclosed '{' at offset %zu (close it with '}', or write "
			    "'{{' for a literal brace)", (size_t)(p - tmpl));
			return;
		}
		len = (size_t)(end - p - 1);
		if (!len || len >= sizeof(name)) {
			err(c, n, path, "bad field name '%.*s' at offset %zu (write {process.exe}, "
			    "{file.path}, ...)", (int)(len + 2 < 64 ? len + 2 : 64), p,
			    (size_t)(p - tmpl));
			p = end;
			continue;
		}
		memcpy(name, p + 1, len);
		name[len] = '\0';
		for (i = 0; i < ARRAY_SIZE(tmpl_fields); i++)
			if (!strcmp(name, tmpl_fields[i].name))
				break;
		if (i == ARRAY_SIZE(tmpl_fields)) {
			const char *near = closest(name, names, ARRAY_SIZE(names));

			if (near)
				snprintf(h, sizeof(h), "(did you mean '%s'?)", near);
			else
				snprintf(h, sizeof(h), "(the fields are those of docs/events.md, "
					 "e.g. process.exe, file.path, net.daddr)");
			err(c, n, path, "unknown field '{%s}' in the message %s", name, h);
		} else if (kinds & ~tmpl_fields[i].kinds) {
			unsigned int first = (unsigned int)__builtin_ctz(kinds & ~tmpl_fields[i].kinds);

			err(c, n, path, "field '{%s}' is not in '%s' events, which rule '%s' "
			    "selects (it is in %s events)", name, kind_names[first], rule,
			    kinds_str(tmpl_fields[i].kinds, kb, sizeof(kb)));
		}
		p = end;
	}
}

/* ---- actions, rate limits ------------------------------------------------------- */

static void parse_ratelimit(struct ctx *c, const struct ynode *n, const char *path,
			    struct vg_policy_ratelimit *rl)
{
	static const char *const keys[] = { "actions", "per" };
	const struct ynode *v;
	char kpath[PATHLEN];
	uint64_t u;

	if (!check_map(c, n, path, keys, ARRAY_SIZE(keys), "write {actions: 10, per: 1m}"))
		return;
	if ((v = need(c, n, path, "actions", "how many actions are allowed per window"))) {
		subpath(kpath, "%s.actions", path);
		if (want_uint(c, v, kpath, 1, UINT32_MAX, &u))
			rl->actions = (uint32_t)u;
	}
	if ((v = need(c, n, path, "per", "the window, e.g. 1m"))) {
		subpath(kpath, "%s.per", path);
		want_duration(c, v, kpath, &rl->per_ms);
	}
}

static void parse_action(struct ctx *c, const struct ynode *n, const char *path,
			 unsigned int kinds, struct vg_policy_action *a)
{
	const struct ynode *tn = n, *v;
	const char *keys[4] = { "type" };
	char kpath[PATHLEN], kb[256];
	size_t nkeys = 1;
	uint64_t u;
	int t;

	a->signal = SIGKILL;
	a->error = EPERM;
	if (n->type == Y_MAP) {
		tn = y_get(n, "type");
		if (!tn) {
			err(c, n, path, "missing required field 'type' (write action: kill, or "
			    "action: {type: kill, signal: SIGTERM})");
			check_map(c, n, path, NULL, 0, "");
			return;
		}
		subpath(kpath, "%s.type", path);
	} else if (n->type == Y_SEQ) {
		err(c, n, path, "wrong type: expected a string or a mapping, got a list (one action "
		    "per rule; write another rule for another action)");
		return;
	} else {
		subpath(kpath, "%s", path);
	}
	t = want_enum(c, tn, kpath, "action", action_names, ARRAY_SIZE(action_names));
	if (t < 0)
		return;
	a->type = (enum vg_policy_action_type)t;
	if (kinds & ~action_info[t].kinds) {
		unsigned int first = (unsigned int)__builtin_ctz(kinds & ~action_info[t].kinds);

		err(c, tn, kpath, "action '%s' is not possible for kind '%s' (%s applies to %s)",
		    action_names[t], kind_names[first], action_names[t],
		    kinds_str(action_info[t].kinds, kb, sizeof(kb)));
	}
	if (n->type != Y_MAP) {
		if (t == VG_ACT_RATELIMIT || t == VG_ACT_THROTTLE)
			err(c, n, path, "action '%s' needs parameters (write {type: %s, %s: N})",
			    action_names[t], action_names[t], action_info[t].params[0]);
		return;
	}
	for (size_t i = 0; i < ARRAY_SIZE(action_info[t].params) && action_info[t].params[i]; i++)
		keys[nkeys++] = action_info[t].params[i];
	if (!check_map(c, n, path, keys, nkeys, ""))
		return;
	if ((v = y_get(n, "signal"))) {
		const char *names[ARRAY_SIZE(signals)];
		int i;

		for (size_t j = 0; j < ARRAY_SIZE(signals); j++)
			names[j] = signals[j].name;
		subpath(kpath, "%s.signal", path);
		if ((i = want_enum(c, v, kpath, "signal", names, ARRAY_SIZE(names))) >= 0)
			a->signal = signals[i].sig;
	}
	if ((v = y_get(n, "errno"))) {
		const char *names[ARRAY_SIZE(errnos)];
		int i;

		for (size_t j = 0; j < ARRAY_SIZE(errnos); j++)
			names[j] = errnos[j].name;
		subpath(kpath, "%s.errno", path);
		if ((i = want_enum(c, v, kpath, "errno", names, ARRAY_SIZE(names))) >= 0)
			a->error = errnos[i].err;
	}
	if (t == VG_ACT_RATELIMIT &&
	    (v = need(c, n, path, "pps", "ratelimit needs pps: packets per second"))) {
		subpath(kpath, "%s.pps", path);
		if (want_uint(c, v, kpath, 1, UINT32_MAX, &u))
			a->pps = (uint32_t)u;
	}
	if ((v = y_get(n, "burst"))) {
		subpath(kpath, "%s.burst", path);
		if (want_uint(c, v, kpath, 1, UINT32_MAX, &u))
			a->burst = (uint32_t)u;
	}
	if (t == VG_ACT_THROTTLE &&
	    (v = need(c, n, path, "cpuPercent", "throttle needs cpuPercent: 1 to 100"))) {
		subpath(kpath, "%s.cpuPercent", path);
		if (want_uint(c, v, kpath, 1, 100, &u))
			a->cpu_percent = (uint32_t)u;
	}
	if ((v = y_get(n, "duration"))) {
		subpath(kpath, "%s.duration", path);
		want_duration(c, v, kpath, &a->duration_ms);
	}
}

/* ---- rules and policies ---------------------------------------------------------- */

static void rule_release(struct vg_policy_rule *r)
{
	free(r->name);
	free(r->message);
	selectors_free(r->selectors, r->n_selectors);
	if (r->uprobe) {
		free(r->uprobe->path);
		free(r->uprobe->symbol);
		free(r->uprobe);
	}
}

static void policy_release(struct vg_policy *p)
{
	free(p->name);
	free(p->file);
	free(p->description);
	free(p->message);
	selectors_free(p->allow, p->n_allow);
	for (size_t i = 0; i < p->n_rules; i++)
		rule_release(&p->rules[i]);
	free(p->rules);
}

static unsigned int parse_kinds(struct ctx *c, const struct ynode *n, const char *path)
{
	const char *names[VG_PK_MAX + ARRAY_SIZE(kind_groups)];
	const struct ynode *single[1] = { n };
	const struct ynode *const *items = single;
	unsigned int mask = 0;
	size_t len = 1;
	char ipath[PATHLEN];

	for (size_t i = 0; i < VG_PK_MAX; i++)
		names[i] = kind_names[i];
	for (size_t i = 0; i < ARRAY_SIZE(kind_groups); i++)
		names[VG_PK_MAX + i] = kind_groups[i].name;
	if (n->type == Y_SEQ) {
		items = (const struct ynode *const *)n->kids;
		len = n->n;
		if (!len)
			err(c, n, path, "empty list (give at least one kind, e.g. [exec])");
	}
	for (size_t i = 0; i < len; i++) {
		int k;

		if (n->type == Y_SEQ)
			subpath(ipath, "%s[%zu]", path, i);
		else
			subpath(ipath, "%s", path);
		k = want_enum(c, items[i], ipath, "kind", names, ARRAY_SIZE(names));
		if (k < 0)
			continue;
		mask |= k < VG_PK_MAX ? KB(k) : kind_groups[k - VG_PK_MAX].mask;
	}
	return mask;
}

/*
 * uprobe: {path: FILE, symbol: NAME, offset: N, return: BOOL,
 *          args: [{index: 2, type: int}, {index: 1, type: buf, length: 2, max: 16}]}
 */
static void parse_uprobe(struct ctx *c, const struct ynode *n, const char *path,
			 struct vg_policy_rule *r)
{
	static const char *const keys[] = { "path", "symbol", "offset", "return", "args" };
	static const char *const arg_keys[] = { "index", "type", "length", "max" };
	struct vg_policy_uprobe *u;
	char kpath[PATHLEN], ipath[PATHLEN];
	const struct ynode *v;
	const char *s;
	uint64_t x;

	if (!(r->kinds & KB(VG_PK_UPROBE)) || r->kinds != KB(VG_PK_UPROBE)) {
		if (r->kinds)
			err(c, n, path, "'uprobe' belongs to rules of kind uprobe alone (write "
			    "kinds: [uprobe], and put other kinds in a rule of their own)");
		return;
	}
	if (!check_map(c, n, path, keys, ARRAY_SIZE(keys), "write {path: FILE, symbol: NAME}"))
		return;
	u = xcalloc(1, sizeof(*u));
	r->uprobe = u;
	subpath(kpath, "%s.path", path);
	if ((v = need(c, n, path, "path", "the executable or library, e.g. "
		      "/usr/lib/x86_64-linux-gnu/libssl.so.3")) && want_nonempty_str(c, v, kpath, &s))
		u->path = xstrdup(s);
	subpath(kpath, "%s.symbol", path);
	if ((v = y_get(n, "symbol")) && want_nonempty_str(c, v, kpath, &s)) {
		if (strlen(s) >= VG_POLICY_SYMBOL_MAX)
			err(c, v, kpath, "symbol is %zu bytes long (at most %d)", strlen(s),
			    VG_POLICY_SYMBOL_MAX - 1);
		else
			u->symbol = xstrdup(s);
	}
	subpath(kpath, "%s.offset", path);
	if ((v = y_get(n, "offset")) && want_uint(c, v, kpath, 0, UINT32_MAX, &x))
		u->offset = x;
	if (!y_get(n, "symbol") && !y_get(n, "offset"))
		err(c, n, path, "give symbol (the function's name) or offset (its file offset)");
	subpath(kpath, "%s.return", path);
	if ((v = y_get(n, "return")))
		want_bool(c, v, kpath, &u->ret);
	subpath(kpath, "%s.args", path);
	if (!(v = y_get(n, "args")) || !want_type(c, v, kpath, Y_SEQ, "a list of {index, type}"))
		return;
	if (v->n > VG_POLICY_UPROBE_ARGS)
		err(c, v, kpath, "%zu arguments (at most %d)", v->n, VG_POLICY_UPROBE_ARGS);
	for (size_t i = 0; i < v->n && i < VG_POLICY_UPROBE_ARGS; i++) {
		const struct ynode *it = v->kids[i], *w;
		size_t a = u->n_args;
		int t = -1;

		subpath(ipath, "%s[%zu]", kpath, i);
		if (!check_map(c, it, ipath, arg_keys, ARRAY_SIZE(arg_keys),
			       "write {index: 0-5, type: int|str|buf}"))
			continue;
		u->args[a].max = VG_POLICY_UPROBE_DATA;
		if ((w = need(c, it, ipath, "index", "the argument's position, 0 to 5"))) {
			subpath(kpath, "%s.index", ipath);
			if (want_uint(c, w, kpath, 0, VG_POLICY_UPROBE_ARGS - 1, &x))
				u->args[a].index = (uint8_t)x;
		}
		if ((w = need(c, it, ipath, "type", "int, str or buf"))) {
			subpath(kpath, "%s.type", ipath);
			t = want_enum(c, w, kpath, "argument type", uparg_names,
				      ARRAY_SIZE(uparg_names));
			if (t >= 0)
				u->args[a].type = (uint8_t)(VG_UPARG_INT + t);
		}
		subpath(kpath, "%s.length", ipath);
		if ((w = y_get(it, "length"))) {
			if (t >= 0 && t + VG_UPARG_INT != VG_UPARG_BUF)
				err(c, w, kpath, "'length' belongs to type buf (the argument holding "
				    "the buffer's length)");
			else if (want_uint(c, w, kpath, 0, VG_POLICY_UPROBE_ARGS - 1, &x))
				u->args[a].length_index = (uint8_t)x;
		} else if (t + VG_UPARG_INT == VG_UPARG_BUF) {
			err(c, it, ipath, "type buf needs 'length': the index of the argument "
			    "holding the buffer's length");
		}
		subpath(kpath, "%s.max", ipath);
		if ((w = y_get(it, "max"))) {
			if (t >= 0 && t + VG_UPARG_INT == VG_UPARG_INT)
				err(c, w, kpath, "'max' belongs to types str and buf (bytes to "
				    "capture)");
			else if (want_uint(c, w, kpath, 1, VG_POLICY_UPROBE_DATA, &x))
				u->args[a].max = (uint8_t)x;
		}
		for (size_t j = 0; j < a; j++)
			if (u->args[j].index == u->args[a].index && y_get(it, "index"))
				err(c, it, ipath, "argument %u is captured twice (first at %s[%zu])",
				    u->args[a].index, "args", j);
		u->n_args++;
	}
}

/*
 * The guard of a uprobe rule is checked by the kernel at the function's
 * entry: one uprobeArgs comparison.  A kill must happen there (before the
 * body runs), so nothing user space decides may condition it.
 */
static void check_uprobe_rule(struct ctx *c, const struct ynode *n, const char *path,
			      const struct vg_policy *p, const struct vg_policy_rule *r)
{
	size_t guards = 0, others = 0;

	for (size_t i = 0; i < r->n_selectors; i++)
		for (size_t j = 0; j < r->selectors[i].n; j++) {
			const struct vg_policy_cond *cd = &r->selectors[i].conds[j];

			if (cd->field == VG_SEL_UPROBE_ARGS)
				guards += cd->n_argcmps;
			else
				others++;
		}
	if (guards > 1) {
		err(c, n, path, "%zu uprobeArgs comparisons (at most one per rule: the kernel "
		    "checks one condition at the function's entry; write another rule for "
		    "another)", guards);
		return;
	}
	if (r->action.type != VG_ACT_KILL)
		return;
	if (r->action.signal != SIGKILL)
		err(c, n, path, "a uprobe kill sends SIGKILL (the kernel kills at the "
		    "function's entry; other signals would let the function run)");
	else if (!guards)
		err(c, n, path, "a uprobe kill needs a uprobeArgs condition (kill every "
		    "caller with {index: 0, op: ge, value: 0})");
	else if (others || p->n_allow || r->ratelimit.actions || p->ratelimit.actions)
		err(c, n, path, "a uprobe kill is decided by the kernel at the function's "
		    "entry: its selectors may hold only the uprobeArgs condition, and neither "
		    "the policy nor the rule may have an allow list or rateLimit (user space "
		    "would decide after the function ran); use action: alert for those");
}

struct spec_info {
	const struct ynode *message;	/* spec.message */
	const char *message_s;
	enum vg_policy_severity severity;
};

static void parse_rule(struct ctx *c, const struct ynode *n, const char *path,
		       const struct spec_info *si, struct vg_policy *p, struct vg_policy_rule *r)
{
	static const char *const keys[] = { "name", "description", "kinds", "uprobe",
					    "selectors", "action", "severity", "message",
					    "rateLimit" };
	const struct ynode *v, *msg = si->message;
	const char *s, *msg_s = si->message_s;
	char kpath[PATHLEN], ipath[PATHLEN];
	size_t before = c->errors;
	int e;

	r->line = n->line;
	r->severity = si->severity;
	check_map(c, n, path, keys, ARRAY_SIZE(keys), "a rule is a mapping: name, kinds, "
		  "selectors, action");
	if (n->type != Y_MAP)
		return;
	subpath(kpath, "%s.name", path);
	if ((v = need(c, n, path, "name", "every rule has a name, unique in its policy")) &&
	    want_name(c, v, kpath, 63, &s)) {
		r->name = xstrdup(s);
		for (size_t i = 0; i < p->n_rules; i++)
			if (p->rules[i].name && &p->rules[i] != r && !strcmp(p->rules[i].name, s))
				err(c, v, kpath, "duplicate rule name '%s' (first at line %u; rule "
				    "names are unique within a policy)", s, p->rules[i].line);
	}
	subpath(kpath, "%s.kinds", path);
	if ((v = need(c, n, path, "kinds", "the event kinds the rule selects, e.g. [exec]")))
		r->kinds = parse_kinds(c, v, kpath);
	if (c->errors != before)
		r->kinds = 0;		/* don't check the rest against half the kinds */
	subpath(kpath, "%s.uprobe", path);
	if ((v = y_get(n, "uprobe")))
		parse_uprobe(c, v, kpath, r);
	else if (r->kinds & KB(VG_PK_UPROBE))
		err(c, n, path, "kind 'uprobe' needs a 'uprobe' field (the function to probe: "
		    "uprobe: {path: /usr/lib/libfoo.so, symbol: foo_parse})");
	subpath(kpath, "%s.selectors", path);
	if ((v = y_get(n, "selectors")) &&
	    want_type(c, v, kpath, Y_SEQ, "a list of selectors, any of which may match")) {
		if (!v->n)
			err(c, v, kpath, "empty list (give at least one selector, or leave the "
			    "field out to match every event of the kinds)");
		for (size_t i = 0; i < v->n; i++) {
			subpath(ipath, "%s[%zu]", kpath, i);
			parse_selector(c, v->kids[i], ipath, r->kinds, false,
				       push(&r->selectors, &r->n_selectors, sizeof(*r->selectors)));
		}
	}
	/* A syscall rule names its syscalls: never "every syscall". */
	if (r->kinds & KB(VG_PK_SYSCALL)) {
		bool all_named = r->n_selectors > 0;

		for (size_t i = 0; i < r->n_selectors; i++) {
			bool named = false;

			for (size_t j = 0; j < r->selectors[i].n; j++)
				named |= r->selectors[i].conds[j].field == VG_SEL_SYSCALL &&
					 !r->selectors[i].conds[j].negate;
			all_named &= named;
		}
		if (!all_named && c->errors == before)
			err(c, v ? v : n, v ? kpath : path, "kind 'syscall' needs a 'syscall' field "
			    "in every selector (name the syscalls, e.g. syscall: [bpf])");
	}
	subpath(kpath, "%s.action", path);
	if ((v = y_get(n, "action")))
		parse_action(c, v, kpath, r->kinds, &r->action);
	else
		r->action.type = VG_ACT_ALERT;
	if (r->uprobe && c->errors == before)
		check_uprobe_rule(c, n, path, p, r);
	subpath(kpath, "%s.severity", path);
	if ((v = y_get(n, "severity")) &&
	    (e = want_enum(c, v, kpath, "severity", severity_names, ARRAY_SIZE(severity_names))) >= 0)
		r->severity = (enum vg_policy_severity)e;
	subpath(kpath, "%s.message", path);
	if ((v = y_get(n, "message")) && want_nonempty_str(c, v, kpath, &s)) {
		r->message = xstrdup(s);
		msg = v;
		msg_s = s;
	} else if (v) {
		msg = NULL;
	} else if (si->message_s) {
		r->message = xstrdup(si->message_s);
	}
	if (msg && msg_s && r->kinds)
		check_template(c, msg, msg == si->message ? "spec.message" : kpath, msg_s,
			       r->kinds, r->name ? r->name : "?");
	subpath(kpath, "%s.rateLimit", path);
	if ((v = y_get(n, "rateLimit")))
		parse_ratelimit(c, v, kpath, &r->ratelimit);
	subpath(kpath, "%s.description", path);
	if ((v = y_get(n, "description")))
		want_str(c, v, kpath, &s);
}

static void check_string_map(struct ctx *c, const struct ynode *n, const char *path)
{
	char kpath[PATHLEN];
	const char *s;

	if (!check_map(c, n, path, NULL, 0, "write key: value pairs"))
		return;
	for (size_t i = 0; i + 1 < n->n; i += 2) {
		subpath(kpath, "%s.%s", path, n->kids[i]->s);
		want_str(c, n->kids[i + 1], kpath, &s);
	}
}

static void parse_spec(struct ctx *c, const struct ynode *n, struct vg_policy *p)
{
	static const char *const keys[] = { "description", "mode", "severity", "message",
					    "lists", "allow", "rateLimit", "rules" };
	struct spec_info si = { .severity = VG_SEV_MEDIUM };
	const struct ynode *v;
	const char *s;
	char ipath[PATHLEN];
	int e;

	if (!check_map(c, n, "spec", keys, ARRAY_SIZE(keys), "spec holds mode, severity, "
		       "message, lists, allow, rateLimit and rules"))
		return;
	if ((v = y_get(n, "description")) && want_str(c, v, "spec.description", &s))
		p->description = xstrdup(s);
	if ((v = y_get(n, "mode")) &&
	    (e = want_enum(c, v, "spec.mode", "mode", mode_names, ARRAY_SIZE(mode_names))) >= 0)
		p->mode = (enum vg_policy_mode)e;
	if ((v = y_get(n, "severity")) &&
	    (e = want_enum(c, v, "spec.severity", "severity", severity_names,
			   ARRAY_SIZE(severity_names))) >= 0)
		si.severity = (enum vg_policy_severity)e;
	p->severity = si.severity;
	if ((v = y_get(n, "message")) && want_nonempty_str(c, v, "spec.message", &s)) {
		p->message = xstrdup(s);
		si.message = v;
		si.message_s = p->message;
	}
	if ((v = y_get(n, "lists"))) {
		check_lists(c, v);
		c->lists = v;
	}
	if ((v = y_get(n, "allow")) &&
	    want_type(c, v, "spec.allow", Y_SEQ, "a list of selectors on process fields")) {
		if (!v->n)
			err(c, v, "spec.allow", "empty list (give at least one entry, or leave the "
			    "field out)");
		for (size_t i = 0; i < v->n; i++) {
			subpath(ipath, "spec.allow[%zu]", i);
			parse_selector(c, v->kids[i], ipath, 0, true,
				       push(&p->allow, &p->n_allow, sizeof(*p->allow)));
		}
	}
	if ((v = y_get(n, "rateLimit")))
		parse_ratelimit(c, v, "spec.rateLimit", &p->ratelimit);
	v = need(c, n, "spec", "rules", "a policy has at least one rule");
	if (v && want_type(c, v, "spec.rules", Y_SEQ, "a list of rules")) {
		if (!v->n)
			err(c, v, "spec.rules", "empty list (a policy has at least one rule)");
		p->rules = xcalloc(v->n, sizeof(*p->rules));
		for (size_t i = 0; i < v->n; i++) {
			subpath(ipath, "spec.rules[%zu]", i);
			p->n_rules = i + 1;
			parse_rule(c, v->kids[i], ipath, &si, p, &p->rules[i]);
		}
	}
}

/* One document; the policy goes into the set if it had no error. */
static void parse_document(struct ctx *c, const struct ynode *root)
{
	static const char *const keys[] = { "apiVersion", "kind", "metadata", "spec" };
	static const char *const meta_keys[] = { "name", "labels", "annotations" };
	static const char *const doc_kinds[] = { "Policy" };
	struct vg_policy p = { 0 };
	const struct ynode *v, *meta;
	const char *s;

	c->errors = 0;
	c->lists = NULL;
	p.line = root->line;
	if (!check_map(c, root, "", keys, ARRAY_SIZE(keys), "a policy document is a mapping: "
		       "apiVersion, kind, metadata, spec"))
		return;
	if ((v = need(c, root, "", "apiVersion", "apiVersion: " VG_POLICY_API_VERSION)) &&
	    want_str(c, v, "apiVersion", &s) && strcmp(s, VG_POLICY_API_VERSION))
		err(c, v, "apiVersion", "unsupported apiVersion '%s' (use "
		    VG_POLICY_API_VERSION ")", s);
	if ((v = need(c, root, "", "kind", "kind: Policy")))
		want_enum(c, v, "kind", "kind", doc_kinds, 1);
	meta = need(c, root, "", "metadata", "metadata: {name: ...}");
	if (meta && check_map(c, meta, "metadata", meta_keys, ARRAY_SIZE(meta_keys),
			      "metadata holds name, labels and annotations")) {
		if ((v = need(c, meta, "metadata", "name", "every policy has a unique name")) &&
		    want_name(c, v, "metadata.name", 253, &s)) {
			p.name = xstrdup(s);
			for (size_t i = 0; i < c->set->n; i++)
				if (!strcmp(c->set->v[i].name, s))
					err(c, v, "metadata.name", "duplicate policy name '%s' (first "
					    "in %s at line %u; policy names are unique)", s,
					    c->set->v[i].file, c->set->v[i].line);
		}
		if ((v = y_get(meta, "labels")))
			check_string_map(c, v, "metadata.labels");
		if ((v = y_get(meta, "annotations")))
			check_string_map(c, v, "metadata.annotations");
	}
	if ((v = need(c, root, "", "spec", "spec: {rules: [...]}")))
		parse_spec(c, v, &p);
	if (c->errors) {
		policy_release(&p);
		return;
	}
	p.file = xstrdup(c->file);
	*(struct vg_policy *)push(&c->set->v, &c->set->n, sizeof(p)) = p;
}

/* ---- YAML events into trees ------------------------------------------------------- */

static struct ynode *ynode_new(enum ytype t, const yaml_mark_t *m)
{
	struct ynode *n = xcalloc(1, sizeof(*n));

	n->type = t;
	n->line = (unsigned int)m->line + 1;
	n->col = (unsigned int)m->column + 1;
	return n;
}

static void parse_stream(struct ctx *c, const char *buf, size_t len)
{
	struct ynode *stack[MAX_DEPTH], *root = NULL;
	size_t depth = 0, overflow = 0, docs = 0;
	bool bad = false, done = false;
	yaml_parser_t parser;
	yaml_event_t ev;

	if (!yaml_parser_initialize(&parser)) {
		diag(c, 0, 0, NULL, "cannot start the YAML parser (out of memory)");
		return;
	}
	yaml_parser_set_input_string(&parser, (const unsigned char *)buf, len);
	while (!done) {
		struct ynode *n = NULL;

		if (!yaml_parser_parse(&parser, &ev)) {
			const yaml_mark_t *m = parser.error == YAML_READER_ERROR ?
					       &parser.mark : &parser.problem_mark;

			diag(c, (unsigned int)m->line + 1, (unsigned int)m->column + 1, "yaml",
			     "%s (%s%s)", parser.problem ? parser.problem : "syntax error",
			     parser.context ? parser.context : "the file is not valid YAML",
			     parser.context ? "; check indentation and quoting" : "");
			break;
		}
		switch (ev.type) {
		case YAML_STREAM_END_EVENT:
			done = true;
			break;
		case YAML_DOCUMENT_START_EVENT:
			root = NULL;
			depth = overflow = 0;
			bad = false;
			break;
		case YAML_DOCUMENT_END_EVENT:
			if (root && !y_null(root)) {
				docs++;
				if (!bad)
					parse_document(c, root);
			}
			ynode_free(root);
			root = NULL;
			break;
		case YAML_ALIAS_EVENT:
			diag(c, (unsigned int)ev.start_mark.line + 1,
			     (unsigned int)ev.start_mark.column + 1, "yaml",
			     "aliases are not supported (write the value out, or use spec.lists "
			     "for shared values)");
			bad = true;
			n = ynode_new(Y_SCALAR, &ev.start_mark);
			n->s = xstrdup("");
			break;
		case YAML_SCALAR_EVENT:
			n = ynode_new(Y_SCALAR, &ev.start_mark);
			n->len = ev.data.scalar.length;
			n->s = xrealloc(NULL, n->len + 1);
			memcpy(n->s, ev.data.scalar.value, n->len);
			n->s[n->len] = '\0';
			n->quoted = ev.data.scalar.style != YAML_PLAIN_SCALAR_STYLE ||
				    (ev.data.scalar.tag && !ev.data.scalar.plain_implicit);
			break;
		case YAML_SEQUENCE_START_EVENT:
		case YAML_MAPPING_START_EVENT:
			if (overflow || depth == MAX_DEPTH) {
				if (!overflow++ && !bad) {
					diag(c, (unsigned int)ev.start_mark.line + 1,
					     (unsigned int)ev.start_mark.column + 1, "yaml",
					     "nested deeper than %d levels (flatten the document)",
					     MAX_DEPTH);
					bad = true;
				}
				break;
			}
			n = ynode_new(ev.type == YAML_SEQUENCE_START_EVENT ? Y_SEQ : Y_MAP,
				      &ev.start_mark);
			break;
		case YAML_SEQUENCE_END_EVENT:
		case YAML_MAPPING_END_EVENT:
			if (overflow)
				overflow--;
			else if (depth)
				depth--;
			break;
		default:
			break;
		}
		if (n && overflow) {
			ynode_free(n);
		} else if (n) {
			if (!depth) {
				ynode_free(root);
				root = n;
			} else {
				struct ynode *parent = stack[depth - 1];

				*(struct ynode **)push(&parent->kids, &parent->n,
						       sizeof(*parent->kids)) = n;
			}
			if (n->type != Y_SCALAR)
				stack[depth++] = n;
		}
		yaml_event_delete(&ev);
	}
	ynode_free(root);
	yaml_parser_delete(&parser);
	if (done && !docs)
		diag(c, 0, 0, NULL, "no policy documents (a file holds one or more documents "
		     "separated by '---')");
}

/* ---- the set -------------------------------------------------------------------- */

void vg_policy_set_init(struct vg_policy_set *s)
{
	memset(s, 0, sizeof(*s));
}

void vg_policy_set_release(struct vg_policy_set *s)
{
	for (size_t i = 0; i < s->n; i++)
		policy_release(&s->v[i]);
	free(s->v);
	for (size_t i = 0; i < s->n_diags; i++) {
		free(s->diags[i].file);
		free(s->diags[i].field);
		free(s->diags[i].msg);
	}
	free(s->diags);
	memset(s, 0, sizeof(*s));
}

size_t vg_policy_set_rule_count(const struct vg_policy_set *s)
{
	size_t n = 0;

	for (size_t i = 0; i < s->n; i++)
		n += s->v[i].n_rules;
	return n;
}

int vg_policy_load_buffer(struct vg_policy_set *s, const char *name, const char *buf,
			  size_t len)
{
	struct ctx c = { .set = s, .file = name };
	size_t before = s->n_diags;

	parse_stream(&c, buf, len);
	return s->n_diags == before ? 0 : -EINVAL;
}

static int load_file(struct vg_policy_set *s, const char *path)
{
	struct ctx c = { .set = s, .file = path };
	struct stat st;
	size_t got = 0;
	char *buf;
	int fd, ret;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st)) {
		ret = -errno;
		diag(&c, 0, 0, NULL, "cannot read '%s': %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return ret;
	}
	if (!S_ISREG(st.st_mode) || st.st_size > (off_t)MAX_FILE_SIZE) {
		diag(&c, 0, 0, NULL, "cannot read '%s': %s", path,
		     S_ISREG(st.st_mode) ? "larger than 16 MiB" : "not a regular file");
		close(fd);
		return -EINVAL;
	}
	buf = xrealloc(NULL, (size_t)st.st_size + 1);
	while (got < (size_t)st.st_size) {
		ssize_t r = read(fd, buf + got, (size_t)st.st_size - got);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		got += (size_t)r;
	}
	close(fd);
	ret = vg_policy_load_buffer(s, path, buf, got);
	free(buf);
	return ret;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int vg_policy_load_path(struct vg_policy_set *s, const char *path)
{
	struct ctx c = { .set = s, .file = path };
	char **names = NULL;
	size_t n = 0;
	struct dirent *de;
	struct stat st;
	int ret = 0;
	DIR *d;

	if (stat(path, &st) || !S_ISDIR(st.st_mode))
		return load_file(s, path);
	d = opendir(path);
	if (!d) {
		ret = -errno;
		diag(&c, 0, 0, NULL, "cannot read '%s': %s", path, strerror(errno));
		return ret;
	}
	while ((de = readdir(d))) {
		size_t len = strlen(de->d_name);
		char full[PATH_MAX];

		if (de->d_name[0] == '.' ||
		    !((len > 5 && !strcmp(de->d_name + len - 5, ".yaml")) ||
		      (len > 4 && !strcmp(de->d_name + len - 4, ".yml"))))
			continue;
		snprintf(full, sizeof(full), "%s%s%s", path,
			 path[strlen(path) - 1] == '/' ? "" : "/", de->d_name);
		if (stat(full, &st) || S_ISDIR(st.st_mode))
			continue;
		*(char **)push(&names, &n, sizeof(*names)) = xstrdup(full);
	}
	closedir(d);
	if (!n) {
		diag(&c, 0, 0, NULL, "no policy files (*.yaml or *.yml) in '%s'", path);
		return -ENOENT;
	}
	qsort(names, n, sizeof(*names), cmp_str);
	for (size_t i = 0; i < n; i++) {
		int r = load_file(s, names[i]);

		if (r && !ret)
			ret = r;
		free(names[i]);
	}
	free(names);
	return ret;
}
