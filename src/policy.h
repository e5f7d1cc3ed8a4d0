/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * policy.h - the policy language (docs/policies.md): YAML documents
 * (`apiVersion: vigil.dev/v1alpha1`, `kind: Policy`) parsed, validated and
 * compiled into the model below, which the engine turns into kernel maps.
 * The model holds no kernel specifics: names, masks, CIDRs and numbers as
 * the user wrote them, checked and normalised.
 *
 * Loading never stops at the first problem: every error is recorded as a
 * diagnostic (file, line, column, field path, message with a hint), and a
 * policy is added to the set only when it has none.
 */
#ifndef VIGIL_POLICY_H
#define VIGIL_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VG_POLICY_API_VERSION "vigil.dev/v1alpha1"

/* Event kinds a rule can select; VG_POLICY_KIND_BIT() masks. */
enum vg_policy_kind {
	VG_PK_EXEC,
	VG_PK_FORK,
	VG_PK_EXIT,
	VG_PK_FILE_OPEN,
	VG_PK_FILE_WRITE,
	VG_PK_FILE_TRUNCATE,
	VG_PK_FILE_UNLINK,
	VG_PK_FILE_RMDIR,
	VG_PK_FILE_MKDIR,
	VG_PK_FILE_RENAME,
	VG_PK_FILE_LINK,
	VG_PK_FILE_SYMLINK,
	VG_PK_FILE_CHMOD,
	VG_PK_FILE_CHOWN,
	VG_PK_PRIV,
	VG_PK_CONNECT,
	VG_PK_ACCEPT,
	VG_PK_BIND,
	VG_PK_LISTEN,
	VG_PK_SENDMSG,
	VG_PK_FLOW,
	VG_PK_PACKET,		/* an ingress packet (XDP): no process */
	VG_PK_SYSCALL,		/* a syscall by name, with its integer arguments */
	VG_PK_ANOMALY,		/* a profiled process deviated (the detector's score) */
	VG_PK_SCHED,		/* a process's CPU and run-queue summary of an interval */
	VG_PK_OOM,		/* the OOM killer chose a victim */
	VG_PK_BLOCK,		/* a slow block I/O request, attributed to a process */
	VG_PK_UPROBE,		/* a call of (or return from) the rule's probed function */
	VG_PK_BPF,		/* a bpf(2) control command (program load, map create, ...) */
	VG_PK_SHELL,		/* a command line an interactive bash read (the shell preset) */
	VG_PK_TLS,		/* TLS plaintext read or written through OpenSSL (the TLS preset) */
	VG_PK_MAX,
};
#define VG_POLICY_KIND_BIT(k) (1u << (k))

enum vg_policy_mode { VG_POLICY_AUDIT, VG_POLICY_ENFORCE };

enum vg_policy_severity { VG_SEV_LOW, VG_SEV_MEDIUM, VG_SEV_HIGH, VG_SEV_CRITICAL };

enum vg_policy_action_type {
	VG_ACT_ALERT,		/* report (every match is reported; this does nothing else) */
	VG_ACT_AUDIT,		/* record only, below alert level */
	VG_ACT_KILL,
	VG_ACT_DENY,
	VG_ACT_DROP,
	VG_ACT_RATELIMIT,
	VG_ACT_THROTTLE,
	VG_ACT_FREEZE,
	VG_ACT_QUARANTINE,
	VG_ACT_RELEASE,
	VG_ACT_MAX,
};

struct vg_policy_action {
	enum vg_policy_action_type type;
	int signal;		/* kill: signal number (default SIGKILL) */
	int error;		/* deny: positive errno (default EPERM) */
	uint32_t pps, burst;	/* ratelimit: packets per second; burst (0: = pps) */
	uint32_t cpu_percent;	/* throttle: 1-100 */
	uint64_t duration_ms;	/* freeze/quarantine/throttle: auto release; 0: never */
};

struct vg_policy_ratelimit {
	uint32_t actions;	/* at most this many actions ... (0: unlimited) */
	uint64_t per_ms;	/* ... per this window */
};

/* Intent bits of file.open, families and protocols. */
enum { VG_INTENT_READ = 1 << 0, VG_INTENT_WRITE = 1 << 1, VG_INTENT_CREATE = 1 << 2,
       VG_INTENT_TRUNCATE = 1 << 3 };
enum { VG_DIR_READ = 1 << 0, VG_DIR_WRITE = 1 << 1 };
enum { VG_FAMILY_IPV4 = 1 << 0, VG_FAMILY_IPV6 = 1 << 1, VG_FAMILY_UNIX = 1 << 2 };
enum { VG_PROTO_TCP = 1 << 0, VG_PROTO_UDP = 1 << 1, VG_PROTO_ICMP = 1 << 2,
       VG_PROTO_ICMPV6 = 1 << 3, VG_PROTO_SCTP = 1 << 4 };
/* Container runtimes: 1 << enum vg_runtime (container.h). */

/* Selector fields; each condition of a selector tests one. */
enum vg_policy_field {
	VG_SEL_BINARY,		/* str: process.exe */
	VG_SEL_COMM,		/* list: exact task names */
	VG_SEL_ARGS,		/* contains / prefix: on the arguments after argv[0] */
	VG_SEL_UID,		/* ids */
	VG_SEL_EUID,
	VG_SEL_LOGINUID,
	VG_SEL_PARENT,		/* str: parent.exe */
	VG_SEL_ANCESTORS,	/* str: any ancestor's exe */
	VG_SEL_CONTAINER,	/* list: id prefixes; mask: runtimes; present */
	VG_SEL_CGROUP,		/* str: cgroup v2 path */
	VG_SEL_PATH,		/* str: file.path (or new_path) */
	VG_SEL_INTENT,		/* mask: VG_INTENT_* */
	VG_SEL_FAMILY,		/* mask: VG_FAMILY_* */
	VG_SEL_PROTOCOL,	/* mask: VG_PROTO_* */
	VG_SEL_ADDRESS,		/* cidrs: remote end (local for bind/listen; source for packet) */
	VG_SEL_PORT,		/* ports: same end as address */
	VG_SEL_SYSCALL,		/* list: syscall names */
	VG_SEL_SYSCALL_ARGS,	/* argcmps: all must hold */
	VG_SEL_SCORE,		/* scorecmps: all must hold */
	VG_SEL_PROFILE,		/* list: exact profile names */
	VG_SEL_REASON,		/* contains: in any of the reasons */
	VG_SEL_CPU_PERCENT,	/* scorecmps on each of the last `mask` intervals' CPU share */
	VG_SEL_CPU_SECONDS,	/* mask: intervals cpuPercent must hold for (1..60) */
	VG_SEL_RUNQ_MS,		/* scorecmps: the process's p99 run-queue wait, ms */
	VG_SEL_OTHERS_RUNQ_MS,	/* scorecmps: the other processes' p99 wait, ms */
	VG_SEL_LATENCY_MS,	/* scorecmps: a block I/O's latency, ms */
	VG_SEL_UPROBE_ARGS,	/* argcmps (one): the guard the kernel checks at the function's entry */
	VG_SEL_BPF_CMD,		/* list: bpf command names (bpfwatch.h) */
	VG_SEL_PROG_TYPE,	/* list: program type names (prog_load) */
	VG_SEL_BPF_NAME,	/* str: the program's or map's name (prog_load, map_create) */
	VG_SEL_LINE,		/* contains / prefix: the shell command line */
	VG_SEL_DATA,		/* contains / prefix: the captured TLS plaintext */
	VG_SEL_DIRECTION,	/* mask: VG_DIR_* */
	VG_SEL_MAX,
};

struct vg_policy_strs {
	char **v;
	size_t n;
};

/* A string matches when it equals an exact entry, starts with a prefix
 * entry, or matches a glob entry (fnmatch(3), flags 0). */
struct vg_policy_strmatch {
	struct vg_policy_strs exact, prefix, glob;
};

struct vg_policy_cidr {
	int family;		/* AF_INET, AF_INET6 */
	uint8_t addr[16];	/* network order, host bits cleared */
	uint8_t prefixlen;
};

struct vg_policy_ports {
	uint16_t lo, hi;	/* inclusive */
};

enum vg_policy_cmp { VG_CMP_EQ, VG_CMP_NE, VG_CMP_LT, VG_CMP_LE, VG_CMP_GT, VG_CMP_GE,
		     VG_CMP_MASK /* (arg & value) != 0; syscallArgs only */,
		     VG_CMP_STRLEN_GT /* strlen((char *)arg) > value; uprobeArgs only */ };

struct vg_policy_argcmp {
	unsigned int index;	/* 0-5 */
	enum vg_policy_cmp op;
	uint64_t value;		/* unsigned comparison */
};

/* score: {gt: 5, le: 10}: op is VG_CMP_GT, GE, LT or LE; value >= 0, finite. */
struct vg_policy_scorecmp {
	enum vg_policy_cmp op;
	double value;
};

struct vg_policy_cond {
	enum vg_policy_field field;
	bool negate;		/* notBinary, notPath, ...: none of the values */
	struct vg_policy_strmatch str;
	struct vg_policy_strs list;
	struct vg_policy_strs contains, prefix;	/* args; reason (contains) */
	uint32_t *ids;
	size_t n_ids;
	unsigned int mask;
	int present;		/* container: -1 either, 0 not in one, 1 in one */
	struct vg_policy_cidr *cidrs;
	size_t n_cidrs;
	struct vg_policy_ports *ports;
	size_t n_ports;
	struct vg_policy_argcmp *argcmps;
	size_t n_argcmps;
	struct vg_policy_scorecmp *scorecmps;
	size_t n_scorecmps;
};

/* All conditions hold (AND). */
struct vg_policy_selector {
	struct vg_policy_cond *conds;
	size_t n;
};

/* Kind uprobe: the function the rule probes (docs/uprobes.md, "From a policy"). */
#define VG_POLICY_UPROBE_ARGS 6		/* register arguments 0..5 */
enum vg_policy_uparg { VG_UPARG_INT = 1, VG_UPARG_STR, VG_UPARG_BUF };	/* = enum vg_up_arg_kind */

struct vg_policy_uprobe {
	char *path;			/* executable or library */
	char *symbol;			/* NULL: offset is the file offset */
	uint64_t offset;		/* bytes past the symbol's entry, or the file offset */
	bool ret;			/* also report returns */
	struct {
		uint8_t index, type;	/* type: enum vg_policy_uparg */
		uint8_t length_index;	/* buf: the argument holding the length */
		uint8_t max;		/* str, buf: bytes captured (1..64) */
	} args[VG_POLICY_UPROBE_ARGS];
	size_t n_args;
};

/* Matches an event of one of `kinds` that one of the selectors matches (OR). */
struct vg_policy_rule {
	char *name;
	unsigned int kinds;	/* VG_POLICY_KIND_BIT mask */
	struct vg_policy_selector *selectors;
	size_t n_selectors;
	struct vg_policy_action action;
	enum vg_policy_severity severity;	/* the policy's unless overridden */
	char *message;				/* template; the policy's unless overridden */
	struct vg_policy_ratelimit ratelimit;
	struct vg_policy_uprobe *uprobe;	/* kind uprobe: the probed function; else NULL */
	unsigned int line;
};

struct vg_policy {
	char *name;
	char *file;
	unsigned int line;
	char *description;	/* NULL: none */
	enum vg_policy_mode mode;
	enum vg_policy_severity severity;
	char *message;		/* template, "{process.exe} ..." */
	struct vg_policy_selector *allow;	/* guardrail: never acted upon (OR) */
	size_t n_allow;
	struct vg_policy_ratelimit ratelimit;	/* on the policy's actions, all rules */
	struct vg_policy_rule *rules;
	size_t n_rules;
};

struct vg_policy_diag {
	char *file;
	unsigned int line, col;	/* 1-based; 0: the file as a whole */
	char *field;		/* "spec.rules[0].action"; "" when none */
	char *msg;		/* "problem (hint)" */
};

struct vg_policy_set {
	struct vg_policy *v;
	size_t n;
	struct vg_policy_diag *diags;
	size_t n_diags;
};

void vg_policy_set_init(struct vg_policy_set *s);
void vg_policy_set_release(struct vg_policy_set *s);

/*
 * Parse and validate the documents in buf (named `name` in diagnostics),
 * adding the valid policies to s.  Returns 0, or -EINVAL when it added a
 * diagnostic.  Policy names must be unique across the set.
 */
int vg_policy_load_buffer(struct vg_policy_set *s, const char *name, const char *buf,
			  size_t len);

/* Same for a file, or for every *.yaml / *.yml in a directory (sorted, not
 * recursive, dot files skipped).  I/O problems are diagnostics too. */
int vg_policy_load_path(struct vg_policy_set *s, const char *path);

size_t vg_policy_set_rule_count(const struct vg_policy_set *s);

/* "FILE:LINE:COL: FIELD: MSG" (or "FILE: MSG") into buf; returns buf. */
const char *vg_policy_diag_format(const struct vg_policy_diag *d, char *buf, size_t len);

const char *vg_policy_kind_name(enum vg_policy_kind k);
const char *vg_policy_action_name(enum vg_policy_action_type a);
const char *vg_policy_field_name(enum vg_policy_field f);
const char *vg_policy_severity_name(enum vg_policy_severity s);

/* Syscall names (policy_syscalls.c), sorted. */
bool vg_policy_syscall_known(const char *name);
const char *const *vg_policy_syscall_names(size_t *n);
/* Their x86_64 numbers (elsewhere: -1 and NULL for everything). */
int vg_policy_syscall_nr(const char *name);		/* -1 unknown */
const char *vg_policy_syscall_name(unsigned int nr);	/* NULL unknown */

/*
 * The fields a message template may name (docs/policies.md, Messages):
 * the i-th name ("process.exe"), with in *kinds the VG_POLICY_KIND_BIT mask
 * of the events that have it; NULL past the last.
 */
const char *vg_policy_template_field(size_t i, unsigned int *kinds);

#endif /* VIGIL_POLICY_H */
