// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * Policy rules against events in user space (policy_match.h) and message
 * templates (policy_message.h).  Events are built by hand as the agent
 * would hand them over (struct vg_event_view over a record); policies come
 * from YAML through vg_policy_load_buffer, so the model is the validated
 * one.  Every selector field is checked matching and not matching, in its
 * plain and `not` forms, and on an event that lacks the value.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <cmocka.h>

#include "buf.h"
#include "engine.h"
#include "policy.h"
#include "policy_match.h"
#include "policy_message.h"
#include "proctable.h"
#include "vigil/uprobe.h"

#define HEAD "apiVersion: vigil.dev/v1alpha1\nkind: Policy\nmetadata:\n  name: p\nspec:\n"
#define LISTS "  lists:\n    shells: [/bin/sh, /usr/bin/bash]\n    nets: [10.0.0.0/8, 192.0.2.1]\n"

/* ---- events ------------------------------------------------------------- */

struct fx {
	union {
		struct vg_event_hdr hdr;
		struct vg_exec exec;
		struct vg_fork fork;
		struct vg_exit exit;
		struct vg_file file;
		struct vg_priv priv;
		struct vg_net net;
		struct vg_flow flow;
		struct vg_syscall sc;
		struct vg_anomaly an;
		struct vg_sched sched;
		struct vg_oom oom;
		struct vg_block block;
		struct vg_uprobe up;
		struct vg_bpf bpf;
		struct vg_shell sh;
		struct vg_tls tls;
	} r;
	struct vg_container ct;
	struct vg_anomaly_view av;	/* fx_anomaly(): v.anomaly_view */
	struct vg_event_view v;
};

/* argv "bash" "-c" "echo hi", as the kernel holds it. */
static const char ARGS[] = "bash\0-c\0echo hi";
#define ARGS_LEN sizeof(ARGS)	/* with the last NUL */

#define TIME_NS 1700000000123456789ull	/* 2023-11-14T22:13:20.123456789Z */

/* pid 100 (bash, uid 1000), child of 50, at TIME_NS. */
static struct fx *fx_new(uint16_t type)
{
	struct fx *f = calloc(1, sizeof(*f));
	struct vg_task_ctx *t;

	assert_non_null(f);
	f->r.hdr.type = type;
	f->r.hdr.version = 1;
	f->r.hdr.ts_ns = 5000000000ull;
	t = &f->r.hdr.task;
	t->pid = t->tid = 100;
	t->ppid = 50;
	t->uid = t->gid = t->euid = t->egid = t->loginuid = 1000;
	t->cgroup_id = 7;
	t->start_ns = 4000000000ull;
	strcpy(t->comm, "bash");
	f->v.hdr = &f->r.hdr;
	f->v.exec = &f->r.exec;		/* every member of the union: the same record */
	f->v.time_ns = TIME_NS;
	f->v.proc.task = t;
	f->v.proc.exe = "/usr/bin/bash";
	f->v.proc.args = ARGS;
	f->v.proc.args_len = ARGS_LEN;
	f->v.proc.cgroup = "/user.slice/user-1000.slice/session-1.scope";
	f->v.proc.parent_exe = "/usr/sbin/sshd";
	return f;
}

static struct fx *fx_exec(void)
{
	struct fx *f = fx_new(VG_EV_EXEC);

	f->r.exec.old_tid = 100;
	f->r.exec.args_total = ARGS_LEN;
	return f;
}

static struct fx *fx_file(uint16_t op, const char *path, uint32_t flags)
{
	struct fx *f = fx_new(VG_EV_FILE);

	f->r.file.op = op;
	f->r.file.flags = flags;
	f->r.file.fd = -1;
	f->r.file.offset = -1;
	f->v.file_view.path = path;
	return f;
}

static void set_addr(uint16_t family, const char *s, uint8_t out[16])
{
	assert_int_equal(inet_pton(family, s, out), 1);
}

/* A socket operation; the remote end for connect/accept/sendmsg, the local
 * one for bind/listen, gets addr:port; the other end 127.0.0.9:9. */
static struct fx *fx_net(uint16_t op, uint16_t family, const char *addr, uint16_t port)
{
	struct fx *f = fx_new(VG_EV_NET);
	struct vg_net *n = &f->r.net;
	bool local = op == VG_NET_BIND || op == VG_NET_LISTEN;

	n->op = op;
	n->family = family;
	n->protocol = IPPROTO_TCP;
	n->sock_type = SOCK_STREAM;
	n->fd = 3;
	if (family == AF_INET || family == AF_INET6) {
		set_addr(family, addr, local ? n->saddr : n->daddr);
		set_addr(family, family == AF_INET ? "127.0.0.9" : "::9", local ? n->daddr : n->saddr);
		if (local) {
			n->sport = port;
			n->dport = 9;
		} else {
			n->dport = port;
			n->sport = 9;
		}
	}
	return f;
}

static struct fx *fx_flow(uint16_t family, const char *daddr, uint16_t dport)
{
	struct fx *f = fx_new(VG_EV_FLOW);

	f->r.flow.family = family;
	f->r.flow.protocol = IPPROTO_TCP;
	set_addr(family, daddr, f->r.flow.daddr);
	set_addr(family, family == AF_INET ? "127.0.0.9" : "::9", f->r.flow.saddr);
	f->r.flow.dport = dport;
	f->r.flow.sport = 9;
	f->r.flow.close = VG_FLOW_CLOSE_FIN;
	f->r.flow.bytes_sent = 5000;
	return f;
}

/* setuid(0) by uid 1000: the task context already shows the new ids, as
 * the kernel sends it; priv->new is what matching must use. */
static struct fx *fx_priv(void)
{
	struct fx *f = fx_new(VG_EV_PRIV);
	struct vg_priv *p = &f->r.priv;

	p->op = VG_PRIV_SETUID;
	p->syscall = 105;
	p->args[0] = 0;
	p->args[1] = p->args[2] = (uint32_t)-1;
	p->old.uid = p->old.euid = p->old.suid = p->old.fsuid = 1000;
	p->old.gid = p->old.egid = 1000;
	p->old.cap_effective = 0;
	p->new.uid = p->new.euid = p->new.suid = p->new.fsuid = 0;
	p->new.gid = p->new.egid = 1000;
	p->new.cap_effective = 0x1ffffffffffull;
	return f;
}

static struct fx *fx_syscall(uint32_t nr, uint64_t a0, uint64_t a1, uint64_t a5)
{
	struct fx *f = fx_new(VG_EV_SYSCALL);

	f->r.sc.nr = nr;
	f->r.sc.args[0] = a0;
	f->r.sc.args[1] = a1;
	f->r.sc.args[5] = a5;
	return f;
}

/* mysqld (pid 100 as ever) deviated: score 7.5, two reasons, 3 misses. */
static const char *const REASONS[] = { "new child binary /bin/sh", "unseen syscall window" };

static struct fx *fx_anomaly(void)
{
	struct fx *f = fx_new(VG_EV_ANOMALY);

	f->r.an.profile_id = 4;
	f->r.an.misses = 3;
	f->r.an.window = 3;
	f->r.an.nrs[0] = 0;
	f->r.an.nrs[1] = 57;
	f->r.an.nrs[2] = 59;
	f->av.profile = "/usr/sbin/mysqld";
	f->av.score = 7.5;
	f->av.reasons = REASONS;
	f->av.n_reasons = 2;
	f->v.anomaly_view = &f->av;
	f->v.proc.exe = "/usr/sbin/mysqld";
	strcpy(f->r.hdr.task.comm, "mysqld");
	return f;
}

/* A sched summary of pid 100: CPU history newest first (percent), p99s in ms. */
static struct fx *fx_sched(const double *pct, size_t n, double runq_ms, double others_ms)
{
	struct fx *f = fx_new(VG_EV_SCHED);

	for (size_t i = 0; i < n && i < VG_SCHED_HISTORY; i++)
		f->r.sched.cpu_history[i] = (uint32_t)(pct[i] * 100 + 0.5);
	f->r.sched.history_len = (uint32_t)n;
	f->r.sched.interval_ns = 1000000000ull;
	f->r.sched.runq_p99_ns = (uint64_t)(runq_ms * 1e6);
	f->r.sched.others_runq_p99_ns = (uint64_t)(others_ms * 1e6);
	return f;
}

static struct fx *fx_block(double latency_ms)
{
	struct fx *f = fx_new(VG_EV_BLOCK);

	strcpy(f->r.block.disk, "vda");
	f->r.block.op = VG_BLOCK_WRITE;
	f->r.block.bytes = 8192;
	f->r.block.latency_ns = (uint64_t)(latency_ms * 1e6);
	return f;
}

/* A call of parse(buf, n, name): n = 40 (int), buf (hex 41 42), name (str);
 * the guard held and the kernel killed the caller. */
static struct fx *fx_uprobe(void)
{
	struct fx *f = fx_new(VG_EV_UPROBE);
	struct vg_uprobe *u = &f->r.up;

	u->probe_id = 3;
	u->flags = VG_UPROBE_GUARD | VG_UPROBE_KILLED;
	u->rule_id = 1;
	strcpy(u->symbol, "parse");
	strcpy(u->rule, "cve-guard");
	u->n_args = 3;
	u->arg_index[0] = 1;
	u->arg_kind[0] = VG_UP_ARG_INT;
	u->args[0] = 40;
	u->arg_index[1] = 0;
	u->arg_kind[1] = VG_UP_ARG_BUF;
	u->data_len[1] = 2;
	memcpy(u->data[1], "AB", 2);
	u->arg_index[2] = 2;
	u->arg_kind[2] = VG_UP_ARG_STR;
	u->data_len[2] = 5;
	strcpy(u->data[2], "hello");
	return f;
}

/* A bpf(2) command of pid 100; prog_load: socket_filter "vg_test_prog", 4 insns, fd 5. */
static struct fx *fx_bpf(uint32_t cmd)
{
	struct fx *f = fx_new(VG_EV_BPF);

	f->r.bpf.cmd = cmd;
	f->r.bpf.attr_size = 144;
	f->r.bpf.result = 5;
	f->r.bpf.prog_fd = f->r.bpf.target_fd = f->r.bpf.bpf_fd = -1;
	switch (cmd) {
	case VG_BPF_PROG_LOAD:
		f->r.bpf.prog_type = 1;		/* socket_filter */
		f->r.bpf.insn_cnt = 4;
		strcpy(f->r.bpf.name, "vg_test_prog");
		break;
	case VG_BPF_MAP_CREATE:
		f->r.bpf.map_type = 2;		/* array */
		f->r.bpf.key_size = 4;
		f->r.bpf.value_size = 8;
		f->r.bpf.max_entries = 4;
		strcpy(f->r.bpf.name, "vg_test_map");
		break;
	case VG_BPF_LINK_CREATE:
		f->r.bpf.prog_fd = 5;
		f->r.bpf.target_fd = 6;
		f->r.bpf.attach_type = 1;	/* cgroup_inet_egress */
		break;
	case VG_BPF_OBJ_PIN:
		f->r.bpf.bpf_fd = 5;
		f->r.bpf.result = 0;
		strcpy(f->r.bpf.path, "/sys/fs/bpf/x");
		break;
	}
	return f;
}

/* SSL_write of DATA to [::1]:8443 (op VG_TLS_WRITE) or an SSL_read of it. */
static struct fx *fx_tls(uint8_t op, const char *data)
{
	struct fx *f = fx_new(VG_EV_TLS);
	struct vg_tls *t = &f->r.tls;

	t->op = op;
	t->func = 1;
	t->fd = 5;
	t->len = t->data_len = (uint32_t)strlen(data);
	memcpy(t->data, data, t->data_len);
	t->family = AF_INET6;
	t->daddr[15] = 1;
	t->dport = 8443;
	t->sport = 40000;
	return f;
}

/* bash read "curl http://x | sh" on pts/3, audit session 7. */
static struct fx *fx_shell(const char *line)
{
	struct fx *f = fx_new(VG_EV_SHELL);

	f->r.sh.sessionid = 7;
	strcpy(f->r.sh.tty, "pts3");
	snprintf(f->r.sh.line, sizeof(f->r.sh.line), "%s", line);
	f->r.sh.line_len = (uint16_t)strlen(f->r.sh.line);
	return f;
}

static int kind_of(struct fx *f)
{
	return vg_policy_event_kind(&f->v);
}

/* ---- policies ----------------------------------------------------------- */

static void load_clean(struct vg_policy_set *s, const char *doc)
{
	vg_policy_set_init(s);
	vg_policy_load_buffer(s, "t.yaml", doc, strlen(doc));
	for (size_t i = 0; i < s->n_diags; i++) {
		char line[2048];

		fprintf(stderr, "unexpected: %s\n",
			vg_policy_diag_format(&s->diags[i], line, sizeof(line)));
	}
	assert_int_equal(s->n_diags, 0);
	assert_int_equal(s->n, 1);
}

/*
 * Does the one rule of a policy with these kinds and selectors match?
 * `sels`: one selector per line, each a YAML flow mapping; NULL: none.
 */
static bool match_in(const char *kinds, const char *sels, struct fx *f, struct vg_proctable *pt)
{
	char doc[8192], *p;
	struct vg_policy_set s;
	const char *line;
	bool m;
	int n;

	n = snprintf(doc, sizeof(doc), HEAD LISTS "  rules:\n    - name: r\n      kinds: [%s]\n",
		     kinds);
	p = doc + n;
	if (sels) {
		p += sprintf(p, "      selectors:\n");
		for (line = sels; *line;) {
			size_t len = strcspn(line, "\n");

			p += sprintf(p, "        - %.*s\n", (int)len, line);
			line += len + (line[len] == '\n');
		}
	}
	load_clean(&s, doc);
	m = vg_policy_rule_match(&s.v[0].rules[0], kind_of(f), &f->v, pt);
	vg_policy_set_release(&s);
	return m;
}

static bool match(const char *kinds, const char *sels, struct fx *f)
{
	return match_in(kinds, sels, f, NULL);
}

/* ---- kinds -------------------------------------------------------------- */

static void test_event_kind_follows_the_record_type_and_op(void **state)
{
	static const struct {
		uint16_t type, op;
		int kind;
	} cases[] = {
		{ VG_EV_EXEC, 0, VG_PK_EXEC },
		{ VG_EV_FORK, 0, VG_PK_FORK },
		{ VG_EV_EXIT, 0, VG_PK_EXIT },
		{ VG_EV_FILE, VG_FILE_OPEN, VG_PK_FILE_OPEN },
		{ VG_EV_FILE, VG_FILE_WRITE, VG_PK_FILE_WRITE },
		{ VG_EV_FILE, VG_FILE_TRUNCATE, VG_PK_FILE_TRUNCATE },
		{ VG_EV_FILE, VG_FILE_UNLINK, VG_PK_FILE_UNLINK },
		{ VG_EV_FILE, VG_FILE_RMDIR, VG_PK_FILE_RMDIR },
		{ VG_EV_FILE, VG_FILE_MKDIR, VG_PK_FILE_MKDIR },
		{ VG_EV_FILE, VG_FILE_RENAME, VG_PK_FILE_RENAME },
		{ VG_EV_FILE, VG_FILE_LINK, VG_PK_FILE_LINK },
		{ VG_EV_FILE, VG_FILE_SYMLINK, VG_PK_FILE_SYMLINK },
		{ VG_EV_FILE, VG_FILE_CHMOD, VG_PK_FILE_CHMOD },
		{ VG_EV_FILE, VG_FILE_CHOWN, VG_PK_FILE_CHOWN },
		{ VG_EV_FILE, 0, -1 },
		{ VG_EV_FILE, VG_FILE_OP_MAX, -1 },
		{ VG_EV_PRIV, 0, VG_PK_PRIV },
		{ VG_EV_NET, VG_NET_CONNECT, VG_PK_CONNECT },
		{ VG_EV_NET, VG_NET_ACCEPT, VG_PK_ACCEPT },
		{ VG_EV_NET, VG_NET_BIND, VG_PK_BIND },
		{ VG_EV_NET, VG_NET_LISTEN, VG_PK_LISTEN },
		{ VG_EV_NET, VG_NET_SENDMSG, VG_PK_SENDMSG },
		{ VG_EV_NET, 0, -1 },
		{ VG_EV_NET, VG_NET_OP_MAX, -1 },
		{ VG_EV_FLOW, 0, VG_PK_FLOW },
		{ VG_EV_SYSCALL, 0, VG_PK_SYSCALL },
		{ VG_EV_ANOMALY, 0, VG_PK_ANOMALY },
		{ 0, 0, -1 },
		{ VG_EV_TYPE_MAX, 0, -1 },
	};
	struct vg_event_view none = { 0 };

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct fx *f = fx_new(cases[i].type);

		if (cases[i].type == VG_EV_FILE)
			f->r.file.op = cases[i].op;
		if (cases[i].type == VG_EV_NET)
			f->r.net.op = cases[i].op;
		if (kind_of(f) != cases[i].kind)
			fail_msg("type %u op %u: kind %d, expected %d", cases[i].type, cases[i].op,
				 kind_of(f), cases[i].kind);
		free(f);
	}
	assert_int_equal(vg_policy_event_kind(NULL), -1);
	assert_int_equal(vg_policy_event_kind(&none), -1);
}

static void test_rule_matches_only_the_kinds_it_selects(void **state)
{
	struct fx *e = fx_exec(), *fk = fx_new(VG_EV_FORK);
	struct fx *op = fx_file(VG_FILE_OPEN, "/etc/shadow", O_RDONLY);
	struct fx *ul = fx_file(VG_FILE_UNLINK, "/etc/shadow", 0);
	struct fx *c = fx_net(VG_NET_CONNECT, AF_INET, "10.1.2.3", 443);

	assert_true(match("exec", NULL, e));
	assert_false(match("exec", NULL, fk));
	assert_true(match("exec, fork", NULL, fk));
	assert_true(match("file", NULL, op));
	assert_true(match("file", NULL, ul));
	assert_true(match("file.open", NULL, op));
	assert_false(match("file.open", NULL, ul));
	assert_true(match("net", NULL, c));
	assert_false(match("bind", NULL, c));
	assert_false(match("flow", NULL, c));
	/* A kind the caller could not work out never matches. */
	ul->r.file.op = 0;
	assert_false(match("file", NULL, ul));
	free(e);
	free(fk);
	free(op);
	free(ul);
	free(c);
}

/* ---- process fields ------------------------------------------------------ */

static void test_binary_matches_exact_prefix_and_glob(void **state)
{
	struct fx *f = fx_exec();

	assert_true(match("exec", "{binary: {exact: [/usr/bin/bash]}}", f));
	assert_false(match("exec", "{binary: {exact: [/usr/bin/bas]}}", f));
	assert_true(match("exec", "{binary: {prefix: [/usr/bin/]}}", f));
	assert_true(match("exec", "{binary: {prefix: [/usr/bin/ba]}}", f));	/* plain string prefix */
	assert_false(match("exec", "{binary: {prefix: [/usr/sbin/]}}", f));
	assert_true(match("exec", "{binary: {glob: [\"*/bash\"]}}", f));	/* '*' matches '/' */
	assert_true(match("exec", "{binary: {glob: [\"/usr/bin/[ab]ash\"]}}", f));
	assert_false(match("exec", "{binary: {glob: [\"*/zsh\", \"/bin/*\"]}}", f));
	assert_true(match("exec", "{binary: {exact: [/bin/zsh], glob: [\"*sh\"]}}", f));
	assert_true(match("exec", "{binary: {exact: [\"@shells\"]}}", f));	/* a list */
	f->v.proc.exe = "/bin/sh";
	assert_true(match("exec", "{binary: {exact: [\"@shells\"]}}", f));
	f->v.proc.exe = "/bin/dash";
	assert_false(match("exec", "{binary: {exact: [\"@shells\"]}}", f));
	free(f);
}

static void test_not_binary_matches_when_none_of_the_values_does(void **state)
{
	struct fx *f = fx_exec();

	assert_true(match("exec", "{notBinary: {exact: [/bin/zsh], prefix: [/sbin/]}}", f));
	assert_false(match("exec", "{notBinary: {exact: [/bin/zsh], prefix: [/usr/]}}", f));
	assert_false(match("exec", "{notBinary: {glob: [\"*/bash\"]}}", f));
	/* A field and its not form together: under /usr/bin but not bash. */
	assert_false(match("exec", "{binary: {prefix: [/usr/bin/]}, notBinary: {exact: [/usr/bin/bash]}}",
			   f));
	f->v.proc.exe = "/usr/bin/zsh";
	assert_true(match("exec", "{binary: {prefix: [/usr/bin/]}, notBinary: {exact: [/usr/bin/bash]}}",
			  f));
	free(f);
}

static void test_unknown_exe_matches_neither_binary_nor_not_binary(void **state)
{
	struct fx *f = fx_new(VG_EV_FORK);

	f->v.proc.exe = "";
	assert_false(match("fork", "{binary: {glob: [\"*\"]}}", f));
	assert_false(match("fork", "{notBinary: {exact: [/usr/bin/bash]}}", f));
	f->v.proc.exe = NULL;
	assert_false(match("fork", "{binary: {glob: [\"*\"]}}", f));
	assert_false(match("fork", "{notBinary: {exact: [/usr/bin/bash]}}", f));
	/* Other fields of the same event still work. */
	assert_true(match("fork", "{uid: 1000}", f));
	free(f);
}

static void test_comm_matches_exactly(void **state)
{
	struct fx *f = fx_exec();

	assert_true(match("exec", "{comm: bash}", f));
	assert_true(match("exec", "{comm: [sh, bash]}", f));
	assert_false(match("exec", "{comm: bas}", f));
	assert_false(match("exec", "{comm: bash2}", f));
	assert_false(match("exec", "{notComm: [bash]}", f));
	assert_true(match("exec", "{notComm: [sh, dash]}", f));
	/* 15 bytes, the longest a task name gets. */
	strcpy(f->r.hdr.task.comm, "abcdefghijklmno");
	assert_true(match("exec", "{comm: abcdefghijklmno}", f));
	assert_false(match("exec", "{comm: abcdefghijklmn}", f));
	free(f);
}

static void test_args_are_the_arguments_after_argv0_joined_by_spaces(void **state)
{
	static const char many[] = "python3\0-m\0http.server\0" "8000";	/* cut: no NUL */
	struct fx *f = fx_exec();

	assert_true(match("exec", "{args: {contains: [echo]}}", f));
	assert_true(match("exec", "{args: {contains: [\"-c echo h\"]}}", f));	/* across arguments */
	assert_true(match("exec", "{args: {contains: [\"echo hi\"]}}", f));
	assert_false(match("exec", "{args: {contains: [bash]}}", f));	/* argv[0] is not in it */
	assert_false(match("exec", "{args: {contains: [\"hi \"]}}", f));	/* no trailing space */
	assert_true(match("exec", "{args: {prefix: [\"-c\"]}}", f));
	assert_true(match("exec", "{args: {prefix: [\"-c echo hi\"]}}", f));
	assert_false(match("exec", "{args: {prefix: [echo]}}", f));
	assert_false(match("exec", "{args: {prefix: [\"-c echo hi!\"]}}", f));
	assert_true(match("exec", "{args: {prefix: [nope], contains: [hi]}}", f));
	assert_false(match("exec", "{notArgs: {contains: [echo]}}", f));
	assert_true(match("exec", "{notArgs: {contains: [rm, curl]}}", f));

	f->v.proc.args = many;
	f->v.proc.args_len = sizeof(many) - 1;
	assert_true(match("exec", "{args: {contains: [\"-m http.server 8000\"]}}", f));
	assert_true(match("exec", "{args: {prefix: [\"-m http\"]}}", f));

	/* Only argv[0]: the arguments are empty. */
	f->v.proc.args = "bash";
	f->v.proc.args_len = 5;
	assert_false(match("exec", "{args: {contains: [bash]}}", f));
	assert_true(match("exec", "{notArgs: {contains: [bash]}}", f));
	/* An empty block (kernel threads): known, empty. */
	f->v.proc.args_len = 0;
	assert_false(match("exec", "{args: {contains: [x]}}", f));
	assert_true(match("exec", "{notArgs: {contains: [x]}}", f));
	/* An empty argument between two: "a", "", "b" -> " b" after argv[0]. */
	f->v.proc.args = "a\0\0b";
	f->v.proc.args_len = 5;
	assert_true(match("exec", "{args: {prefix: [\" b\"]}}", f));
	free(f);
}

static void test_unknown_args_match_neither_args_nor_not_args(void **state)
{
	struct fx *f = fx_new(VG_EV_FORK);

	f->v.proc.args = NULL;
	f->v.proc.args_len = 0;
	assert_false(match("fork", "{args: {contains: [echo]}}", f));
	assert_false(match("fork", "{notArgs: {contains: [echo]}}", f));
	free(f);
}

static void test_uid_euid_loginuid_are_the_task_ids(void **state)
{
	struct fx *f = fx_exec();

	f->r.hdr.task.euid = 0;
	assert_true(match("exec", "{uid: 1000}", f));
	assert_true(match("exec", "{uid: [0, 1000]}", f));
	assert_false(match("exec", "{uid: 0}", f));
	assert_true(match("exec", "{euid: 0}", f));
	assert_false(match("exec", "{euid: 1000}", f));
	assert_true(match("exec", "{notUid: [0]}", f));
	assert_false(match("exec", "{notEuid: [0]}", f));
	assert_true(match("exec", "{loginuid: 1000}", f));
	assert_false(match("exec", "{notLoginuid: 1000}", f));
	/* An unset loginuid is 4294967295, a value like any other. */
	f->r.hdr.task.loginuid = UINT32_MAX;
	assert_true(match("exec", "{loginuid: 4294967295}", f));
	assert_false(match("exec", "{loginuid: 1000}", f));
	assert_true(match("exec", "{notLoginuid: [1000]}", f));
	assert_false(match("exec", "{notLoginuid: [4294967295]}", f));
	free(f);
}

static void test_priv_ids_are_the_credentials_after_the_change(void **state)
{
	struct fx *f = fx_priv();

	/* The task context says otherwise on purpose: priv->new wins. */
	f->r.hdr.task.uid = f->r.hdr.task.euid = 1000;
	assert_true(match("priv", "{uid: 0}", f));
	assert_false(match("priv", "{uid: 1000}", f));
	assert_true(match("priv", "{euid: 0}", f));
	assert_true(match("priv", "{notEuid: 1000}", f));
	assert_false(match("priv", "{notEuid: 0}", f));
	/* setresuid(-1, 0, -1): only euid changes. */
	f->r.priv.new.uid = 1000;
	assert_true(match("priv", "{uid: 1000, euid: 0}", f));
	/* loginuid is not a credential the call changes: the task's. */
	assert_true(match("priv", "{loginuid: 1000}", f));
	free(f);
}

static void test_parent_is_the_parent_exe(void **state)
{
	struct fx *f = fx_exec();

	assert_true(match("exec", "{parent: {exact: [/usr/sbin/sshd]}}", f));
	assert_false(match("exec", "{parent: {prefix: [/usr/bin/]}}", f));
	assert_true(match("exec", "{notParent: {prefix: [/usr/bin/]}}", f));
	assert_false(match("exec", "{notParent: {glob: [\"*sshd\"]}}", f));
	f->v.proc.parent_exe = "";
	assert_false(match("exec", "{parent: {glob: [\"*\"]}}", f));
	assert_false(match("exec", "{notParent: {prefix: [/usr/bin/]}}", f));
	free(f);
}

static void add_proc(struct vg_proctable *pt, uint32_t pid, uint32_t ppid, const char *exe)
{
	struct vg_proc *p = vg_proctable_upsert(pt, pid);

	assert_non_null(p);
	p->ppid = ppid;
	if (exe)
		assert_int_equal(vg_proc_set_str(&p->exe, exe, strlen(exe)), 0);
}

/* 100 (the event) <- 50 bash <- 40 sshd <- 1 init. */
static struct vg_proctable *chain(void)
{
	struct vg_proctable *pt = vg_proctable_new(128);

	assert_non_null(pt);
	add_proc(pt, 50, 40, "/usr/bin/bash");
	add_proc(pt, 40, 1, "/usr/sbin/sshd");
	add_proc(pt, 1, 0, "/usr/lib/systemd/systemd");
	return pt;
}

static void test_ancestors_walks_the_ppid_chain(void **state)
{
	struct vg_proctable *pt = chain();
	struct fx *f = fx_exec();

	f->v.proc.parent_exe = "/usr/bin/bash";
	assert_true(match_in("exec", "{ancestors: {exact: [/usr/bin/bash]}}", f, pt));	/* parent */
	assert_true(match_in("exec", "{ancestors: {glob: [\"*/sshd\"]}}", f, pt));	/* grandparent */
	assert_true(match_in("exec", "{ancestors: {prefix: [/usr/lib/systemd/]}}", f, pt));	/* pid 1 */
	assert_false(match_in("exec", "{ancestors: {glob: [\"*/nginx\", \"*/httpd\"]}}", f, pt));
	assert_true(match_in("exec", "{notAncestors: {glob: [\"*/nginx\"]}}", f, pt));
	assert_false(match_in("exec", "{notAncestors: {glob: [\"*/sshd\"]}}", f, pt));
	/* The event's own exe is not an ancestor. */
	f->v.proc.exe = "/usr/bin/python3";
	assert_false(match_in("exec", "{ancestors: {exact: [/usr/bin/python3]}}", f, pt));
	vg_proctable_free(pt);
	free(f);
}

static void test_ancestors_unknown_part_of_the_chain(void **state)
{
	struct vg_proctable *pt = chain();
	struct fx *f = fx_exec();

	/* No table: only the parent is known. */
	assert_true(match_in("exec", "{ancestors: {glob: [\"*/sshd\"]}}", f, NULL));
	assert_false(match_in("exec", "{ancestors: {glob: [\"*/systemd\"]}}", f, NULL));
	assert_false(match_in("exec", "{notAncestors: {glob: [\"*/nginx\"]}}", f, NULL));

	/* A gap: 40 is missing; what is below it still matches. */
	f->v.proc.parent_exe = "/usr/bin/bash";
	vg_proctable_remove(pt, 40);
	assert_true(match_in("exec", "{ancestors: {exact: [/usr/bin/bash]}}", f, pt));
	assert_false(match_in("exec", "{ancestors: {glob: [\"*/systemd\"]}}", f, pt));
	assert_false(match_in("exec", "{notAncestors: {glob: [\"*/nginx\"]}}", f, pt));

	/* An entry without an exe. */
	add_proc(pt, 40, 1, NULL);
	assert_true(match_in("exec", "{ancestors: {glob: [\"*/systemd\"]}}", f, pt));
	assert_false(match_in("exec", "{notAncestors: {glob: [\"*/nginx\"]}}", f, pt));

	/* A loop (a stale table): 40 -> 50 -> 40. */
	add_proc(pt, 40, 50, "/usr/sbin/sshd");
	assert_true(match_in("exec", "{ancestors: {glob: [\"*/sshd\"]}}", f, pt));
	assert_false(match_in("exec", "{ancestors: {glob: [\"*/systemd\"]}}", f, pt));
	assert_false(match_in("exec", "{notAncestors: {glob: [\"*/nginx\"]}}", f, pt));
	vg_proctable_free(pt);
	free(f);
}

static void test_ancestors_stop_after_64_levels(void **state)
{
	struct vg_proctable *pt = vg_proctable_new(256);
	struct fx *f = fx_exec();

	assert_non_null(pt);
	/* 100 <- 1000 <- 1001 <- ... <- 1099 <- 0: 100 ancestors, the top one "deep". */
	f->r.hdr.task.ppid = 1000;
	f->v.proc.parent_exe = "/bin/p1000";
	for (uint32_t pid = 1000; pid < 1100; pid++) {
		char exe[32];

		snprintf(exe, sizeof(exe), "/bin/p%u", pid);
		add_proc(pt, pid, pid == 1099 ? 0 : pid + 1, pid == 1099 ? "/bin/deep" : exe);
	}
	assert_true(match_in("exec", "{ancestors: {exact: [/bin/p1063]}}", f, pt));	/* 64th */
	assert_false(match_in("exec", "{ancestors: {exact: [/bin/p1064]}}", f, pt));	/* 65th */
	assert_false(match_in("exec", "{ancestors: {exact: [/bin/deep]}}", f, pt));
	assert_false(match_in("exec", "{notAncestors: {exact: [/bin/deep]}}", f, pt));
	vg_proctable_free(pt);
	free(f);
}

static void test_ancestors_of_a_process_without_parent(void **state)
{
	struct fx *f = fx_exec();

	f->r.hdr.task.pid = 1;
	f->r.hdr.task.ppid = 0;
	f->v.proc.parent_exe = "";
	assert_false(match_in("exec", "{ancestors: {glob: [\"*\"]}}", f, NULL));
	assert_true(match_in("exec", "{notAncestors: {glob: [\"*\"]}}", f, NULL));
	free(f);
}

#define CID "4c1bcf5e0a1b2c3d4e5f60718293a4b5c6d7e8f90123456789abcdef01234567"

static void test_container_parts_all_hold(void **state)
{
	struct fx *f = fx_exec();

	/* Not in a container, cgroup known. */
	assert_true(match("exec", "{container: {present: false}}", f));
	assert_false(match("exec", "{container: {present: true}}", f));
	assert_false(match("exec", "{container: {runtime: [docker]}}", f));
	assert_false(match("exec", "{container: {id: [4c1b]}}", f));
	assert_true(match("exec", "{notContainer: {present: true}}", f));

	f->ct.runtime = VG_RT_DOCKER;
	strcpy(f->ct.id, CID);
	f->v.proc.container = &f->ct;
	f->v.proc.cgroup = "/system.slice/docker-" CID ".scope";
	assert_true(match("exec", "{container: {present: true}}", f));
	assert_false(match("exec", "{container: {present: false}}", f));
	assert_true(match("exec", "{container: {id: [4c1b]}}", f));
	assert_true(match("exec", "{container: {id: [ffff, \"" CID "\"]}}", f));
	assert_false(match("exec", "{container: {id: [4c1c]}}", f));
	assert_true(match("exec", "{container: {runtime: [docker]}}", f));
	assert_true(match("exec", "{container: {runtime: [podman, docker]}}", f));
	assert_false(match("exec", "{container: {runtime: [containerd, cri-o, podman, kubernetes]}}", f));
	assert_true(match("exec", "{container: {id: [4c1b], runtime: [docker], present: true}}", f));
	assert_false(match("exec", "{container: {id: [4c1b], runtime: [podman]}}", f));
	assert_false(match("exec", "{notContainer: {runtime: [docker]}}", f));
	assert_true(match("exec", "{notContainer: {runtime: [podman]}}", f));
	f->ct.runtime = VG_RT_KUBERNETES;
	assert_true(match("exec", "{container: {runtime: [kubernetes]}}", f));
	f->ct.runtime = VG_RT_CRIO;
	assert_true(match("exec", "{container: {runtime: [cri-o]}}", f));
	free(f);
}

static void test_container_unknown_without_cgroup(void **state)
{
	struct fx *f = fx_exec();

	f->v.proc.cgroup = "";
	assert_false(match("exec", "{container: {present: false}}", f));
	assert_false(match("exec", "{container: {present: true}}", f));
	assert_false(match("exec", "{notContainer: {present: true}}", f));
	assert_false(match("exec", "{cgroup: {glob: [\"*\"]}}", f));
	assert_false(match("exec", "{notCgroup: {prefix: [/system.slice/]}}", f));
	free(f);
}

static void test_cgroup_is_the_cgroup_path(void **state)
{
	struct fx *f = fx_exec();

	assert_true(match("exec", "{cgroup: {prefix: [/user.slice/]}}", f));
	assert_true(match("exec", "{cgroup: {glob: [\"*/session-*.scope\"]}}", f));
	assert_false(match("exec", "{cgroup: {prefix: [/system.slice/]}}", f));
	assert_true(match("exec", "{notCgroup: {prefix: [/system.slice/]}}", f));
	assert_false(match("exec", "{notCgroup: {prefix: [/user.slice/]}}", f));
	free(f);
}

static void test_flow_with_unknown_owner_has_no_process(void **state)
{
	struct fx *f = fx_flow(AF_INET, "10.1.2.3", 443);

	memset(&f->r.hdr.task, 0, sizeof(f->r.hdr.task));
	f->r.flow.flags = VG_FLOW_OWNER_UNKNOWN;
	f->v.proc.exe = "";
	f->v.proc.parent_exe = "";
	/* The zeroed context would say uid 0: it must not. */
	assert_false(match("flow", "{uid: 0}", f));
	assert_false(match("flow", "{notUid: 1000}", f));
	assert_false(match("flow", "{comm: [\"@@x\"]}", f));
	assert_false(match("flow", "{notComm: [bash]}", f));
	assert_false(match("flow", "{notContainer: {present: true}}", f));
	/* The network side is known. */
	assert_true(match("flow", "{address: 10.0.0.0/8, port: 443}", f));
	free(f);
}

/* ---- files --------------------------------------------------------------- */

static void test_path_matches_the_file_path(void **state)
{
	struct fx *f = fx_file(VG_FILE_OPEN, "/etc/shadow", O_RDONLY);

	assert_true(match("file.open", "{path: {exact: [/etc/shadow, /etc/gshadow]}}", f));
	assert_false(match("file.open", "{path: {exact: [/etc/shado]}}", f));
	assert_true(match("file", "{path: {prefix: [/etc/]}}", f));
	assert_false(match("file", "{path: {prefix: [/etc/sudoers.d/]}}", f));
	assert_true(match("file", "{path: {glob: [\"/etc/*shadow\"]}}", f));
	assert_false(match("file", "{notPath: {exact: [/etc/shadow]}}", f));
	assert_true(match("file", "{notPath: {prefix: [/tmp/]}}", f));
	free(f);
}

static void test_rename_and_link_match_on_either_path(void **state)
{
	struct fx *f = fx_file(VG_FILE_RENAME, "/etc/shadow+", 0);

	f->v.file_view.new_path = "/etc/shadow";
	assert_true(match("file.rename", "{path: {exact: [/etc/shadow]}}", f));	/* new_path */
	assert_true(match("file.rename", "{path: {exact: [/etc/shadow+]}}", f));	/* path */
	assert_false(match("file.rename", "{path: {exact: [/etc/passwd]}}", f));
	assert_false(match("file.rename", "{notPath: {exact: [/etc/shadow]}}", f));
	assert_true(match("file.rename", "{notPath: {exact: [/etc/passwd]}}", f));

	f->r.file.op = VG_FILE_LINK;
	assert_true(match("file.link", "{path: {exact: [/etc/shadow]}}", f));
	assert_false(match("file.link", "{notPath: {exact: [/etc/shadow]}}", f));

	/* A symlink's new_path is the target text, not a path it touches. */
	f->r.file.op = VG_FILE_SYMLINK;
	f->v.file_view.path = "/tmp/link";
	f->v.file_view.new_path = "/etc/shadow";
	assert_false(match("file.symlink", "{path: {exact: [/etc/shadow]}}", f));
	assert_true(match("file.symlink", "{notPath: {exact: [/etc/shadow]}}", f));

	/* A rename whose new_path the view lacks goes by its path alone. */
	f->r.file.op = VG_FILE_RENAME;
	f->v.file_view.new_path = NULL;
	assert_true(match("file.rename", "{path: {exact: [/tmp/link]}}", f));
	assert_true(match("file.rename", "{notPath: {exact: [/etc/shadow]}}", f));
	free(f);
}

static void test_unknown_path_matches_neither_path_nor_not_path(void **state)
{
	struct fx *f = fx_file(VG_FILE_UNLINK, "", 0);

	assert_false(match("file", "{path: {glob: [\"*\"]}}", f));
	assert_false(match("file", "{notPath: {exact: [/etc/shadow]}}", f));
	f->v.file_view.path = NULL;
	assert_false(match("file", "{path: {glob: [\"*\"]}}", f));
	assert_false(match("file", "{notPath: {exact: [/etc/shadow]}}", f));
	/* Rename: an unknown path and a new_path that does not match. */
	f->r.file.op = VG_FILE_RENAME;
	f->v.file_view.new_path = "/tmp/x";
	assert_false(match("file", "{notPath: {exact: [/etc/shadow]}}", f));
	assert_true(match("file", "{path: {exact: [/tmp/x]}}", f));
	free(f);
}

static void test_intent_follows_the_open_flags(void **state)
{
	static const struct {
		uint32_t flags;
		bool read, write, create, truncate;
	} cases[] = {
		{ O_RDONLY, true, false, false, false },
		{ O_WRONLY, false, true, false, false },
		{ O_RDWR, true, true, false, false },
		{ O_WRONLY | O_CREAT | O_TRUNC, false, true, true, true },
		{ O_RDONLY | O_CREAT, true, false, true, false },
		{ O_RDONLY | O_TRUNC, true, false, false, true },
		{ O_RDWR | O_CLOEXEC | O_APPEND, true, true, false, false },
		{ O_ACCMODE, false, false, false, false },	/* 3: no access at all */
	};
	struct fx *f = fx_file(VG_FILE_OPEN, "/etc/shadow", 0);

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		f->r.file.flags = cases[i].flags;
		if (match("file.open", "{intent: [read]}", f) != cases[i].read ||
		    match("file.open", "{intent: [write]}", f) != cases[i].write ||
		    match("file.open", "{intent: [create]}", f) != cases[i].create ||
		    match("file.open", "{intent: [truncate]}", f) != cases[i].truncate)
			fail_msg("flags 0%o: wrong intent", cases[i].flags);
		assert_int_equal(match("file.open", "{intent: [read, write, create, truncate]}", f),
				 cases[i].read || cases[i].write || cases[i].create ||
				 cases[i].truncate);
	}
	f->r.file.flags = O_RDONLY;
	assert_true(match("file.open", "{intent: [read], path: {prefix: [/etc/]}}", f));
	assert_false(match("file.open", "{intent: [read], path: {prefix: [/tmp/]}}", f));
	free(f);
}

/* ---- network ------------------------------------------------------------- */

static void test_connect_ipv4_address_port_family_protocol(void **state)
{
	struct fx *f = fx_net(VG_NET_CONNECT, AF_INET, "10.1.2.3", 443);

	assert_true(match("connect", "{address: 10.0.0.0/8}", f));
	assert_true(match("connect", "{address: [192.168.0.0/16, 10.1.2.3]}", f));	/* a /32 */
	assert_false(match("connect", "{address: 10.1.2.4}", f));
	assert_false(match("connect", "{address: 11.0.0.0/8}", f));
	assert_true(match("connect", "{address: 0.0.0.0/0}", f));
	assert_false(match("connect", "{address: \"::/0\"}", f));	/* another family */
	assert_true(match("connect", "{address: \"@nets\"}", f));
	assert_false(match("connect", "{notAddress: 10.0.0.0/8}", f));
	assert_true(match("connect", "{notAddress: 172.16.0.0/12}", f));
	assert_true(match("connect", "{port: 443}", f));
	assert_true(match("connect", "{port: \"400-500\"}", f));
	assert_true(match("connect", "{port: \"443-443\"}", f));
	assert_true(match("connect", "{port: [80, \"440-443\"]}", f));
	assert_false(match("connect", "{port: [80, \"444-500\", 442]}", f));
	assert_false(match("connect", "{notPort: 443}", f));
	assert_true(match("connect", "{notPort: [80, 8080]}", f));
	assert_true(match("connect", "{family: [ipv4]}", f));
	assert_false(match("connect", "{family: [ipv6, unix]}", f));
	assert_true(match("connect", "{protocol: [tcp]}", f));
	assert_false(match("connect", "{protocol: [udp, icmp]}", f));
	f->r.net.protocol = IPPROTO_UDP;
	assert_true(match("connect", "{protocol: [udp]}", f));
	f->r.net.protocol = 0;	/* unknown */
	assert_false(match("connect", "{protocol: [tcp, udp, icmp, icmpv6, sctp]}", f));
	/* The local end is not looked at for connect. */
	assert_false(match("connect", "{address: 127.0.0.9}", f));
	assert_false(match("connect", "{port: 9}", f));
	free(f);
}

static void test_cidr_prefix_boundaries(void **state)
{
	struct fx *f = fx_net(VG_NET_CONNECT, AF_INET, "10.15.255.255", 80);

	assert_true(match("connect", "{address: 10.0.0.0/12}", f));
	set_addr(AF_INET, "10.16.0.0", f->r.net.daddr);
	assert_false(match("connect", "{address: 10.0.0.0/12}", f));
	/* Host bits in the policy are cleared: 10.1.2.3/8 is 10.0.0.0/8. */
	assert_true(match("connect", "{address: 10.1.2.3/8}", f));
	free(f);

	f = fx_net(VG_NET_CONNECT, AF_INET6, "fd12:3456::1", 80);
	assert_true(match("connect", "{address: \"fd00::/8\"}", f));
	assert_true(match("connect", "{address: \"fd12:3456::/33\"}", f));
	assert_false(match("connect", "{address: \"fd12:3456:8000::/33\"}", f));
	assert_false(match("connect", "{address: \"fe80::/10\"}", f));
	free(f);
}

static void test_connect_ipv6_and_ipv4_mapped(void **state)
{
	struct fx *f = fx_net(VG_NET_CONNECT, AF_INET6, "::1", 8080);

	assert_true(match("connect", "{address: \"::1\"}", f));
	assert_false(match("connect", "{address: \"fd00::/8\"}", f));
	assert_false(match("connect", "{address: 127.0.0.1}", f));
	assert_true(match("connect", "{family: [ipv6], port: 8080}", f));
	assert_true(match("connect", "{notAddress: [\"fd00::/8\", 10.0.0.0/8]}", f));
	free(f);

	/* A dual-stack socket connecting to 10.1.2.3: ::ffff:10.1.2.3. */
	f = fx_net(VG_NET_CONNECT, AF_INET6, "::ffff:10.1.2.3", 443);
	assert_true(match("connect", "{address: 10.0.0.0/8}", f));
	assert_false(match("connect", "{notAddress: 10.0.0.0/8}", f));
	assert_true(match("connect", "{address: \"::ffff:0:0/96\"}", f));
	assert_true(match("connect", "{family: [ipv6]}", f));
	free(f);
}

static void test_bind_and_listen_use_the_local_end_accept_the_peer(void **state)
{
	struct fx *f = fx_net(VG_NET_BIND, AF_INET, "0.0.0.0", 22);

	assert_true(match("bind", "{port: 22, address: 0.0.0.0}", f));
	assert_false(match("bind", "{port: 9}", f));
	f->r.net.op = VG_NET_LISTEN;
	assert_true(match("listen", "{port: 22}", f));
	free(f);

	f = fx_net(VG_NET_ACCEPT, AF_INET, "203.0.113.7", 51000);
	assert_true(match("accept", "{address: 203.0.113.0/24, port: \"50000-60000\"}", f));
	f->r.net.op = VG_NET_SENDMSG;
	assert_true(match("sendmsg", "{address: 203.0.113.0/24, port: 51000}", f));
	free(f);
}

static void test_unix_socket_has_no_address_or_port(void **state)
{
	struct fx *f = fx_net(VG_NET_CONNECT, AF_UNIX, NULL, 0);

	f->r.net.protocol = 0;
	assert_true(match("connect", "{family: [unix]}", f));
	assert_false(match("connect", "{family: [ipv4, ipv6]}", f));
	assert_false(match("connect", "{address: 0.0.0.0/0}", f));
	assert_false(match("connect", "{notAddress: 10.0.0.0/8}", f));
	assert_false(match("connect", "{port: \"1-65535\"}", f));
	assert_false(match("connect", "{notPort: 80}", f));
	assert_false(match("connect", "{protocol: [tcp]}", f));
	free(f);
}

static void test_flow_matches_its_remote_end(void **state)
{
	struct fx *f = fx_flow(AF_INET6, "2001:db8::5", 443);

	assert_true(match("flow", "{address: \"2001:db8::/32\", port: 443}", f));
	assert_false(match("flow", "{address: \"::9\"}", f));	/* the local end */
	assert_true(match("flow", "{family: [ipv6], protocol: [tcp]}", f));
	assert_false(match("flow", "{family: [ipv4]}", f));
	assert_true(match("flow", "{notPort: [80]}", f));
	free(f);
}

/* ---- syscalls ------------------------------------------------------------ */

static void test_syscall_table_has_names_and_numbers(void **state)
{
	const char *const *names;
	size_t n;

	names = vg_policy_syscall_names(&n);
	assert_true(n > 300);
	for (size_t i = 1; i < n; i++)
		if (strcmp(names[i - 1], names[i]) >= 0)
			fail_msg("names not sorted: '%s' before '%s'", names[i - 1], names[i]);
	assert_true(vg_policy_syscall_known("bpf"));
	assert_false(vg_policy_syscall_known("bfp"));
	assert_int_equal(vg_policy_syscall_nr("bfp"), -1);
	assert_int_equal(vg_policy_syscall_nr(""), -1);
#if defined(__x86_64__)
	assert_int_equal(vg_policy_syscall_nr("read"), 0);
	assert_int_equal(vg_policy_syscall_nr("openat"), 257);
	assert_int_equal(vg_policy_syscall_nr("bpf"), 321);
	assert_int_equal(vg_policy_syscall_nr("_sysctl"), 156);
	assert_int_equal(vg_policy_syscall_nr("writev"), 20);
	assert_string_equal(vg_policy_syscall_name(0), "read");
	assert_string_equal(vg_policy_syscall_name(321), "bpf");
	assert_string_equal(vg_policy_syscall_name(59), "execve");
	assert_null(vg_policy_syscall_name(400));	/* a gap */
	assert_null(vg_policy_syscall_name(100000));
	assert_null(vg_policy_syscall_name(0x40000000u));	/* x32 */
	for (size_t i = 0; i < n; i++) {
		int nr = vg_policy_syscall_nr(names[i]);

		assert_true(nr >= 0);
		assert_string_equal(vg_policy_syscall_name((unsigned int)nr), names[i]);
	}
#else
	assert_int_equal(vg_policy_syscall_nr("bpf"), -1);
	assert_null(vg_policy_syscall_name(0));
#endif
}

#define BPF_NR 321
#define SC(args) "{syscall: bpf, syscallArgs: [" args "]}"

static void test_syscall_name_is_the_event_number(void **state)
{
	struct fx *f = fx_syscall(BPF_NR, 5, 0, 0);

#if !defined(__x86_64__)
	skip();
#endif
	assert_true(match("syscall", "{syscall: bpf}", f));
	assert_true(match("syscall", "{syscall: [ptrace, bpf]}", f));
	assert_false(match("syscall", "{syscall: [ptrace, init_module]}", f));
	f->r.sc.nr = 101;	/* ptrace */
	assert_true(match("syscall", "{syscall: [ptrace, bpf]}", f));
	f->r.sc.nr = 400;	/* no such syscall */
	assert_false(match("syscall", "{syscall: [ptrace, bpf]}", f));
	free(f);
}

static void test_syscall_args_comparisons_and_boundaries(void **state)
{
	static const struct {
		const char *cmp;
		uint64_t arg;
		bool holds;
	} cases[] = {
		{ "{index: 0, op: eq, value: 5}", 5, true },
		{ "{index: 0, op: eq, value: 5}", 4, false },
		{ "{index: 0, op: eq, value: 5}", 6, false },
		{ "{index: 0, op: ne, value: 5}", 5, false },
		{ "{index: 0, op: ne, value: 5}", 6, true },
		{ "{index: 0, op: lt, value: 5}", 4, true },
		{ "{index: 0, op: lt, value: 5}", 5, false },
		{ "{index: 0, op: le, value: 5}", 5, true },
		{ "{index: 0, op: le, value: 5}", 6, false },
		{ "{index: 0, op: gt, value: 5}", 5, false },
		{ "{index: 0, op: gt, value: 5}", 6, true },
		{ "{index: 0, op: ge, value: 5}", 5, true },
		{ "{index: 0, op: ge, value: 5}", 4, false },
		{ "{index: 0, op: mask, value: 0x6}", 0x4, true },
		{ "{index: 0, op: mask, value: 0x6}", 0x9, false },
		{ "{index: 0, op: mask, value: 0x6}", 0, false },
		/* unsigned 64-bit: -1 is the largest value, not below 0 */
		{ "{index: 0, op: eq, value: -1}", UINT64_MAX, true },
		{ "{index: 0, op: eq, value: 0xffffffffffffffff}", UINT64_MAX, true },
		{ "{index: 0, op: gt, value: 0}", UINT64_MAX, true },
		{ "{index: 0, op: lt, value: -1}", UINT64_MAX - 1, true },
		{ "{index: 0, op: lt, value: -1}", UINT64_MAX, false },
		{ "{index: 0, op: ge, value: 0x8000000000000000}", 0x8000000000000000ull, true },
		{ "{index: 0, op: ge, value: 0x8000000000000000}", 0x7fffffffffffffffull, false },
		{ "{index: 0, op: le, value: 0}", 0, true },
		{ "{index: 0, op: mask, value: -1}", 1ull << 63, true },
		/* a 32-bit -1 is not a 64-bit -1 */
		{ "{index: 0, op: eq, value: 0xffffffff}", UINT64_MAX, false },
	};

#if !defined(__x86_64__)
	skip();
#endif
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct fx *f = fx_syscall(BPF_NR, cases[i].arg, 0, 0);
		char sel[256];

		snprintf(sel, sizeof(sel), SC("%s"), cases[i].cmp);
		if (match("syscall", sel, f) != cases[i].holds)
			fail_msg("%s with arg0 0x%llx: expected %s", cases[i].cmp,
				 (unsigned long long)cases[i].arg, cases[i].holds ? "true" : "false");
		free(f);
	}
}

static void test_syscall_args_all_comparisons_hold(void **state)
{
	struct fx *f = fx_syscall(BPF_NR, 5, 4096, 0xdead);

#if !defined(__x86_64__)
	skip();
#endif
	assert_true(match("syscall", SC("{index: 0, op: eq, value: 5}, {index: 1, op: ge, value: 4096},"
					"{index: 5, op: eq, value: 0xdead}"), f));
	assert_false(match("syscall", SC("{index: 0, op: eq, value: 5}, {index: 1, op: gt, value: 4096}"),
			   f));
	assert_false(match("syscall", SC("{index: 5, op: eq, value: 0}"), f));
	assert_true(match("syscall", SC("{index: 4, op: eq, value: 0}"), f));	/* unset: 0 */
	/* A syscall that differs fails even when the arguments hold. */
	f->r.sc.nr = 101;
	assert_false(match("syscall", SC("{index: 0, op: eq, value: 5}"), f));
	free(f);
}

/* ---- selectors, rules, allow ------------------------------------------- */

static void test_selector_fields_are_anded(void **state)
{
	struct fx *f = fx_exec();

	assert_true(match("exec", "{binary: {exact: [/usr/bin/bash]}, uid: 1000, comm: bash}", f));
	assert_false(match("exec", "{binary: {exact: [/usr/bin/bash]}, uid: 0, comm: bash}", f));
	assert_false(match("exec", "{binary: {exact: [/usr/bin/bash]}, uid: 1000, comm: sh}", f));
	assert_false(match("exec", "{binary: {exact: [/bin/sh]}, uid: 1000, comm: bash}", f));
	free(f);
}

static void test_selectors_are_ored(void **state)
{
	struct fx *f = fx_exec();

	assert_true(match("exec", "{uid: 0}\n{comm: bash}", f));
	assert_true(match("exec", "{comm: bash}\n{uid: 0}", f));
	assert_false(match("exec", "{uid: 0}\n{comm: sh}\n{binary: {exact: [/bin/sh]}}", f));
	/* The second selector matches as a whole, the first only in part. */
	assert_true(match("exec", "{uid: 1000, comm: sh}\n{uid: 1000, comm: bash}", f));
	free(f);
}

static void test_selector_match_direct(void **state)
{
	struct vg_policy_set s;
	struct fx *f = fx_exec();
	const struct vg_policy_rule *r;

	load_clean(&s, HEAD "  rules:\n    - name: r\n      kinds: [exec]\n      selectors:\n"
		   "        - {uid: 1000}\n        - {uid: 0}\n");
	r = &s.v[0].rules[0];
	assert_true(vg_policy_selector_match(&r->selectors[0], VG_PK_EXEC, &f->v, NULL));
	assert_false(vg_policy_selector_match(&r->selectors[1], VG_PK_EXEC, &f->v, NULL));
	/* A kind outside the rule's: the rule says no, whatever the selectors. */
	assert_false(vg_policy_rule_match(r, VG_PK_FORK, &f->v, NULL));
	assert_false(vg_policy_rule_match(r, -1, &f->v, NULL));
	assert_false(vg_policy_rule_match(r, VG_PK_MAX, &f->v, NULL));
	assert_true(vg_policy_rule_match(r, VG_PK_EXEC, &f->v, NULL));
	vg_policy_set_release(&s);
	free(f);
}

static void test_fields_of_another_kind_never_hold(void **state)
{
	struct vg_policy_set s;
	struct fx *e = fx_exec();
	const struct vg_policy_rule *r;

	/* A file rule's selector handed an exec event (a caller's mistake):
	 * the exec record is not read as a file record. */
	load_clean(&s, HEAD "  rules:\n    - name: r\n      kinds: [file.open]\n      selectors:\n"
		   "        - {notPath: {exact: [/x]}}\n        - {intent: [read]}\n");
	r = &s.v[0].rules[0];
	assert_false(vg_policy_selector_match(&r->selectors[0], VG_PK_FILE_OPEN, &e->v, NULL));
	assert_false(vg_policy_selector_match(&r->selectors[1], VG_PK_FILE_OPEN, &e->v, NULL));
	assert_false(vg_policy_rule_match(r, VG_PK_FILE_OPEN, &e->v, NULL));
	vg_policy_set_release(&s);
	free(e);
}

static void test_allow_matches_the_process(void **state)
{
	static const char doc[] = HEAD LISTS
		"  allow:\n"
		"    - binary: {prefix: [/usr/lib/systemd/]}\n"
		"    - {comm: apt, uid: 0}\n"
		"    - ancestors: {glob: [\"*/ansible*\"]}\n"
		"  rules:\n    - name: r\n      kinds: [exec, file]\n";
	struct vg_proctable *pt = chain();
	struct vg_policy_set s;
	struct fx *f = fx_exec();

	load_clean(&s, doc);
	assert_false(vg_policy_allowed(&s.v[0], &f->v, pt));
	f->v.proc.exe = "/usr/lib/systemd/systemd-logind";
	assert_true(vg_policy_allowed(&s.v[0], &f->v, pt));
	f->v.proc.exe = "/usr/bin/apt";
	strcpy(f->r.hdr.task.comm, "apt");
	assert_false(vg_policy_allowed(&s.v[0], &f->v, pt));	/* uid 1000: half of it */
	f->r.hdr.task.uid = 0;
	assert_true(vg_policy_allowed(&s.v[0], &f->v, pt));
	f->r.hdr.task.uid = 1000;
	add_proc(pt, 40, 1, "/usr/bin/ansible-playbook");
	assert_true(vg_policy_allowed(&s.v[0], &f->v, pt));	/* the grandparent */
	free(f);

	/* Any event kind: a file event of an allowed process. */
	f = fx_file(VG_FILE_OPEN, "/etc/shadow", O_RDONLY);
	f->v.proc.exe = "/usr/lib/systemd/systemd";
	assert_true(vg_policy_allowed(&s.v[0], &f->v, NULL));
	vg_policy_set_release(&s);
	vg_proctable_free(pt);
	free(f);
}

static void test_allow_unknown_process_and_no_allow_list(void **state)
{
	static const char doc[] = HEAD
		"  allow:\n    - notBinary: {prefix: [/tmp/]}\n"
		"  rules:\n    - name: r\n      kinds: [exec]\n";
	struct vg_policy_set s;
	struct fx *f = fx_exec();

	load_clean(&s, doc);
	assert_true(vg_policy_allowed(&s.v[0], &f->v, NULL));
	f->v.proc.exe = "/tmp/x";
	assert_false(vg_policy_allowed(&s.v[0], &f->v, NULL));
	/* "anything but /tmp/" does not let an unknown exe through. */
	f->v.proc.exe = "";
	assert_false(vg_policy_allowed(&s.v[0], &f->v, NULL));
	vg_policy_set_release(&s);

	load_clean(&s, HEAD "  rules:\n    - name: r\n      kinds: [exec]\n");
	f->v.proc.exe = "/usr/bin/bash";
	assert_false(vg_policy_allowed(&s.v[0], &f->v, NULL));
	vg_policy_set_release(&s);
	free(f);
}

/* ---- anomalies ----------------------------------------------------------- */

static void test_anomaly_kind_matches_only_anomaly_events(void **state)
{
	struct fx *a = fx_anomaly(), *e = fx_exec();

	assert_true(match("anomaly", NULL, a));
	assert_true(match("exec, anomaly", NULL, a));
	assert_false(match("exec", NULL, a));
	assert_false(match("anomaly", NULL, e));
	/* without the detector's view it is still an anomaly event */
	a->v.anomaly_view = NULL;
	assert_true(match("anomaly", NULL, a));
	free(a);
	free(e);
}

static void test_sched_cpu_sustained_and_run_queue(void **state)
{
	struct fx *f = fx_sched((const double[]){ 95, 90, 85, 40 }, 4, 3, 25);
	struct fx *b = fx_block(12.5);

	assert_true(match("sched", "{cpuPercent: {gt: 80}}", f));
	/* sustained: every one of the last N intervals */
	assert_true(match("sched", "{cpuPercent: {gt: 80}, cpuSeconds: 3}", f));
	assert_false(match("sched", "{cpuPercent: {gt: 80}, cpuSeconds: 4}", f));
	assert_false(match("sched", "{cpuPercent: {gt: 80}, cpuSeconds: 5}", f));	/* not known */
	assert_true(match("sched", "{cpuPercent: {ge: 40, le: 95}, cpuSeconds: 4}", f));
	/* the others waited 25 ms at p99, the process itself 3 ms */
	assert_true(match("sched", "{cpuPercent: {gt: 80}, othersRunqueueP99Ms: {gt: 20}}", f));
	assert_false(match("sched", "{cpuPercent: {gt: 80}, othersRunqueueP99Ms: {gt: 30}}", f));
	assert_true(match("sched", "{runqueueP99Ms: {lt: 5}}", f));
	assert_false(match("sched", "{runqueueP99Ms: {ge: 5}}", f));
	/* with the process selectors */
	assert_true(match("sched", "{binary: {exact: [/usr/bin/bash]}, cpuPercent: {gt: 80}}", f));
	assert_false(match("sched", "{notBinary: {exact: [/usr/bin/bash]}, cpuPercent: {gt: 80}}", f));
	/* block: latency */
	assert_true(match("block", "{latencyMs: {gt: 10}}", b));
	assert_false(match("block", "{latencyMs: {gt: 20}}", b));
	assert_false(match("sched", NULL, b));
	free(f);
	free(b);
}

/* ---- bpf(2) commands ------------------------------------------------------ */

static void test_bpf_command_and_program_type_by_name(void **state)
{
	struct fx *load = fx_bpf(VG_BPF_PROG_LOAD), *map = fx_bpf(VG_BPF_MAP_CREATE);

	assert_int_equal(kind_of(load), VG_PK_BPF);
	assert_true(match("bpf", NULL, map));
	assert_false(match("exec", NULL, load));
	assert_true(match("bpf", "{bpfCommand: [prog_load]}", load));
	assert_true(match("bpf", "{bpfCommand: [map_create, prog_load]}", load));
	assert_false(match("bpf", "{bpfCommand: prog_load}", map));
	assert_true(match("bpf", "{progType: [kprobe, socket_filter]}", load));
	assert_false(match("bpf", "{progType: kprobe}", load));
	/* a number without a name is in no list */
	load->r.bpf.prog_type = 99;
	assert_false(match("bpf", "{progType: [kprobe, socket_filter]}", load));
	load->r.bpf.cmd = 99;
	assert_false(match("bpf", "{bpfCommand: [prog_load]}", load));
	/* a map has no program type: neither form holds */
	assert_false(match("bpf", "{progType: [socket_filter]}", map));
	free(load);
	free(map);
}

static void test_bpf_name_exact_prefix_glob_and_unnamed(void **state)
{
	struct fx *load = fx_bpf(VG_BPF_PROG_LOAD), *map = fx_bpf(VG_BPF_MAP_CREATE);
	struct fx *pin = fx_bpf(VG_BPF_OBJ_PIN);

	assert_true(match("bpf", "{name: {exact: [vg_test_prog]}}", load));
	assert_true(match("bpf", "{name: {prefix: [vg_test_]}}", load));
	assert_true(match("bpf", "{name: {glob: ['vg_*_prog']}}", load));
	assert_false(match("bpf", "{name: {exact: [vg_test]}}", load));
	assert_false(match("bpf", "{notName: {prefix: [vg_]}}", load));
	assert_true(match("bpf", "{name: {exact: [vg_test_map]}}", map));
	/* unnamed: "" is known; only a glob like '*' matches it, a notName of names does */
	load->r.bpf.name[0] = '\0';
	assert_false(match("bpf", "{name: {glob: ['vg*']}}", load));
	assert_false(match("bpf", "{name: {prefix: [vg]}}", load));
	assert_true(match("bpf", "{name: {glob: ['*']}}", load));
	assert_true(match("bpf", "{notName: {exact: [vg_test_prog]}}", load));
	/* a pin has no name; an unreadable attr has no fields: unknown either way */
	assert_false(match("bpf", "{name: {glob: ['*']}}", pin));
	assert_false(match("bpf", "{notName: {exact: [x]}}", pin));
	map->r.bpf.flags = VG_BPF_ATTR_FAULT;
	assert_false(match("bpf", "{notName: {exact: [x]}}", map));
	free(load);
	free(map);
	free(pin);
}

static void test_anomaly_score_comparisons_and_boundaries(void **state)
{
	struct fx *f = fx_anomaly();	/* score 7.5 */

	assert_true(match("anomaly", "{score: {gt: 7}}", f));
	assert_true(match("anomaly", "{score: {gt: 7.49}}", f));
	assert_false(match("anomaly", "{score: {gt: 7.5}}", f));
	assert_true(match("anomaly", "{score: {ge: 7.5}}", f));
	assert_false(match("anomaly", "{score: {ge: 7.51}}", f));
	assert_true(match("anomaly", "{score: {lt: 8}}", f));
	assert_false(match("anomaly", "{score: {lt: 7.5}}", f));
	assert_true(match("anomaly", "{score: {le: 7.5}}", f));
	assert_false(match("anomaly", "{score: {le: 7}}", f));
	/* all comparisons hold: a band */
	assert_true(match("anomaly", "{score: {ge: 5, lt: 10}}", f));
	assert_false(match("anomaly", "{score: {ge: 2, lt: 5}}", f));
	assert_false(match("anomaly", "{score: {ge: 10}}", f));
	/* the escalation: each band matches its own rule */
	f->av.score = 2;
	assert_true(match("anomaly", "{score: {ge: 2, lt: 5}}", f));
	assert_false(match("anomaly", "{score: {ge: 5, lt: 10}}", f));
	f->av.score = 0;
	assert_true(match("anomaly", "{score: {ge: 0}}", f));
	assert_true(match("anomaly", "{score: {le: 0}}", f));
	assert_false(match("anomaly", "{score: {gt: 0}}", f));
	f->av.score = 1e9;
	assert_true(match("anomaly", "{score: {ge: 10}}", f));
	free(f);
}

static void test_anomaly_score_unknown_never_holds(void **state)
{
	struct fx *f = fx_anomaly();

	f->av.score = __builtin_nan("");
	assert_false(match("anomaly", "{score: {ge: 0}}", f));
	assert_false(match("anomaly", "{score: {lt: 100}}", f));
	f->av.score = 50;
	f->v.anomaly_view = NULL;
	assert_false(match("anomaly", "{score: {ge: 0}}", f));
	assert_false(match("anomaly", "{score: {lt: 100}}", f));
	/* the process fields of the same event still hold */
	assert_true(match("anomaly", "{binary: {exact: [/usr/sbin/mysqld]}}", f));
	free(f);
}

static void test_anomaly_profile_matches_exactly(void **state)
{
	struct fx *f = fx_anomaly();

	assert_true(match("anomaly", "{profile: /usr/sbin/mysqld}", f));
	assert_true(match("anomaly", "{profile: [/usr/sbin/nginx, /usr/sbin/mysqld]}", f));
	assert_false(match("anomaly", "{profile: /usr/sbin/mysql}", f));	/* not a prefix */
	assert_false(match("anomaly", "{profile: /usr/sbin/mysqld2}", f));
	assert_false(match("anomaly", "{profile: \"/usr/sbin/*\"}", f));	/* not a glob */
	assert_false(match("anomaly", "{notProfile: /usr/sbin/mysqld}", f));
	assert_true(match("anomaly", "{notProfile: [/usr/sbin/nginx, /usr/bin/redis-server]}", f));
	assert_false(match("anomaly", "{profile: /usr/sbin/mysqld, notProfile: /usr/sbin/mysqld}",
			   f));
	free(f);
}

static void test_anomaly_unknown_profile_matches_neither_profile_nor_not_profile(void **state)
{
	struct fx *f = fx_anomaly();

	f->av.profile = "";
	assert_false(match("anomaly", "{profile: /usr/sbin/mysqld}", f));
	assert_false(match("anomaly", "{notProfile: /usr/sbin/mysqld}", f));
	f->av.profile = NULL;
	assert_false(match("anomaly", "{profile: /usr/sbin/mysqld}", f));
	assert_false(match("anomaly", "{notProfile: /usr/sbin/mysqld}", f));
	f->av.profile = "/usr/sbin/mysqld";
	f->v.anomaly_view = NULL;
	assert_false(match("anomaly", "{profile: /usr/sbin/mysqld}", f));
	assert_false(match("anomaly", "{notProfile: /usr/sbin/nginx}", f));
	free(f);
}

static void test_anomaly_reason_contains_one_of_the_strings(void **state)
{
	static const char *const with_null[] = { NULL, "new network peer 10.0.0.1:443" };
	struct fx *f = fx_anomaly();

	assert_true(match("anomaly", "{reason: {contains: [new child]}}", f));
	assert_true(match("anomaly", "{reason: {contains: [syscall]}}", f));
	assert_true(match("anomaly", "{reason: {contains: [nope, \"/bin/sh\"]}}", f));
	assert_false(match("anomaly", "{reason: {contains: [new file]}}", f));
	assert_false(match("anomaly", "{reason: {contains: [New Child]}}", f));	/* case matters */
	/* one reason at a time: not across the join */
	assert_false(match("anomaly", "{reason: {contains: [\"/bin/sh; unseen\"]}}", f));
	assert_false(match("anomaly", "{notReason: {contains: [new child]}}", f));
	assert_true(match("anomaly", "{notReason: {contains: [new file, credential]}}", f));
	assert_true(match("anomaly", "{reason: {contains: [syscall]}, "
			  "notReason: {contains: [new network peer]}}", f));
	/* NULL entries are skipped */
	f->av.reasons = with_null;
	assert_true(match("anomaly", "{reason: {contains: [network peer]}}", f));
	assert_false(match("anomaly", "{reason: {contains: [syscall]}}", f));
	/* no reasons: none contains anything */
	f->av.reasons = NULL;
	f->av.n_reasons = 0;
	assert_false(match("anomaly", "{reason: {contains: [syscall]}}", f));
	assert_true(match("anomaly", "{notReason: {contains: [syscall]}}", f));
	free(f);
}

static void test_anomaly_unknown_reasons_match_neither_reason_nor_not_reason(void **state)
{
	struct fx *f = fx_anomaly();

	f->av.reasons = NULL;	/* n_reasons 2, no array: broken, unknown */
	assert_false(match("anomaly", "{reason: {contains: [syscall]}}", f));
	assert_false(match("anomaly", "{notReason: {contains: [syscall]}}", f));
	f->av.reasons = REASONS;
	f->v.anomaly_view = NULL;
	assert_false(match("anomaly", "{reason: {contains: [syscall]}}", f));
	assert_false(match("anomaly", "{notReason: {contains: [nothing like it]}}", f));
	free(f);
}

/* A caller that hands a non-anomaly event to an anomaly selector (the
 * validator keeps the fields off other kinds): nothing is read from it,
 * even with a view attached by mistake. */
static void test_anomaly_fields_never_hold_on_other_events(void **state)
{
	struct vg_policy_set s;
	struct fx *e = fx_exec();
	struct vg_anomaly_view av = { .profile = "/usr/bin/bash", .score = 100,
				      .reasons = REASONS, .n_reasons = 2 };
	const struct vg_policy_rule *r;

	load_clean(&s, HEAD "  rules:\n    - name: r\n      kinds: [anomaly]\n      selectors:\n"
		   "        - {score: {ge: 0}}\n        - {profile: /usr/bin/bash}\n"
		   "        - {notProfile: /x}\n        - {reason: {contains: [syscall]}}\n"
		   "        - {notReason: {contains: [x]}}\n");
	r = &s.v[0].rules[0];
	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < r->n_selectors; i++)
			assert_false(vg_policy_selector_match(&r->selectors[i], VG_PK_ANOMALY,
							      &e->v, NULL));
		assert_false(vg_policy_rule_match(r, VG_PK_ANOMALY, &e->v, NULL));
		assert_false(vg_policy_rule_match(r, kind_of(e), &e->v, NULL));
		e->v.anomaly_view = &av;
	}
	vg_policy_set_release(&s);
	free(e);
}

static void test_anomaly_process_fields_and_allow_lists(void **state)
{
	static const char doc[] = HEAD
		"  allow:\n    - {binary: {exact: [/usr/sbin/mysqld]}, uid: 27}\n"
		"  rules:\n    - name: r\n      kinds: [anomaly]\n";
	struct vg_proctable *pt = chain();
	struct vg_policy_set s;
	struct fx *f = fx_anomaly();

	assert_true(match("anomaly", "{binary: {exact: [/usr/sbin/mysqld]}, comm: mysqld, "
			  "uid: 1000, parent: {exact: [/usr/sbin/sshd]}, "
			  "cgroup: {prefix: [/user.slice/]}, args: {contains: [echo]}}", f));
	assert_false(match("anomaly", "{notBinary: {exact: [/usr/sbin/mysqld]}}", f));
	assert_true(match("anomaly", "{score: {gt: 5}, binary: {prefix: [/usr/sbin/]}}", f));
	assert_false(match("anomaly", "{score: {gt: 5}, uid: 0}", f));
	assert_true(match("anomaly", "{container: {present: false}}", f));
	assert_true(match_in("anomaly", "{ancestors: {exact: [/usr/lib/systemd/systemd]}}", f, pt));

	load_clean(&s, doc);
	assert_false(vg_policy_allowed(&s.v[0], &f->v, NULL));
	f->r.hdr.task.uid = 27;
	assert_true(vg_policy_allowed(&s.v[0], &f->v, NULL));
	f->v.anomaly_view = NULL;	/* allow lists look at the process only */
	assert_true(vg_policy_allowed(&s.v[0], &f->v, NULL));
	vg_policy_set_release(&s);
	vg_proctable_free(pt);
	free(f);
}

/* ---- messages ------------------------------------------------------------ */

static const struct vg_policy_msg_ctx CTX = {
	.policy = "pol", .rule = "shell", .severity = "high", .mode = "enforce", .action = "kill",
};

/* The message, in a static buffer. */
static const char *render(const char *tmpl, struct fx *f, const struct vg_policy_msg_ctx *m)
{
	static char out[4096];
	struct vg_buf b;

	vg_buf_init(&b);
	vg_policy_message_render(&b, tmpl, f ? &f->v : NULL, m);
	assert_false(b.oom);
	assert_true(b.len < sizeof(out));
	memcpy(out, b.data, b.len + 1);
	vg_buf_release(&b);
	return out;
}

static void test_message_exec_fields(void **state)
{
	struct fx *f = fx_exec();

	assert_string_equal(render("{rule}: {process.exe} ({process.pid}) by {parent.exe}: "
				   "{process.args}", f, &CTX),
			    "shell: /usr/bin/bash (100) by /usr/sbin/sshd: bash -c echo hi");
	assert_string_equal(render("{policy}/{rule} {severity} {mode} {action} {kind}", f, &CTX),
			    "pol/shell high enforce kill exec");
	assert_string_equal(render("uid {process.uid} login {process.loginuid} comm {process.comm} "
				   "ppid {parent.pid} tid {process.tid} cg {process.cgroup_id}",
				   f, &CTX),
			    "uid 1000 login 1000 comm bash ppid 50 tid 100 cg 7");
	assert_string_equal(render("{time}", f, &CTX), "2023-11-14T22:13:20.123456789Z");
	/* start: 1 s before the event (boot ns 4e9 vs 5e9) */
	assert_string_equal(render("{process.start_time}", f, &CTX),
			    "2023-11-14T22:13:19.123456789Z");
	assert_string_equal(render("{exec.old_tid} {exec.args_size}", f, &CTX), "100 16");
	assert_string_equal(render("no fields at all", f, &CTX), "no fields at all");
	assert_string_equal(render("", f, &CTX), "");
	f->r.exec.flags = VG_EXEC_ARGS_TRUNCATED;
	f->v.proc.args_truncated = true;
	assert_string_equal(render("{process.args}", f, &CTX), "bash -c echo hi ...");
	free(f);
}

static void test_message_braces_are_literal_when_doubled(void **state)
{
	struct fx *f = fx_exec();

	assert_string_equal(render("{{process.exe}} is {process.exe}", f, &CTX),
			    "{process.exe} is /usr/bin/bash");
	assert_string_equal(render("{{{process.pid}}}", f, &CTX), "{100}");
	assert_string_equal(render("a }} b {{ c", f, &CTX), "a } b { c");
	/* What the validator refuses is copied as it is. */
	assert_string_equal(render("open { never closed", f, &CTX), "open { never closed");
	assert_string_equal(render("lone } brace", f, &CTX), "lone } brace");
	free(f);
}

static void test_message_missing_fields_render_as_question_mark(void **state)
{
	struct fx *f = fx_exec();

	f->v.proc.exe = "";
	f->v.proc.parent_exe = "";
	f->r.hdr.task.loginuid = UINT32_MAX;
	assert_string_equal(render("{process.exe} {parent.exe} {process.loginuid}", f, &CTX),
			    "? ? ?");
	/* not in this kind, a packet field, not a field at all */
	assert_string_equal(render("{file.path} {net.daddr} {packet.saddr} {proces.exe} {}", f,
				   &CTX), "? ? ? ? ?");
	assert_string_equal(render("{process.container.id} {process.container.runtime}", f, &CTX),
			    "? ?");
	/* no context */
	assert_string_equal(render("{policy} {rule} {severity} {mode} {action}", f, NULL),
			    "? ? ? ? ?");
	/* no event: only the context */
	assert_string_equal(render("{rule} {process.pid} {time}", NULL, &CTX), "shell ? ?");
	/* known but empty is not missing */
	f->v.proc.args = "";
	f->v.proc.args_len = 0;
	assert_string_equal(render("[{process.args}]", f, &CTX), "[]");
	f->v.proc.args = NULL;
	assert_string_equal(render("[{process.args}]", f, &CTX), "[?]");
	free(f);
}

static void test_message_values_cannot_break_the_line(void **state)
{
	struct fx *f = fx_file(VG_FILE_OPEN, "/tmp/a\nb\x1b[1m\x7f", O_RDONLY);

	assert_string_equal(render("opened {file.path}\n", f, &CTX),
			    "opened /tmp/a\\x0ab\\x1b[1m\\x7f\n");
	f->v.file_view.path = "/tmp/caf\xc3\xa9";	/* UTF-8 is kept */
	assert_string_equal(render("{file.path}", f, &CTX), "/tmp/caf\xc3\xa9");
	free(f);
}

static void test_message_file_fields(void **state)
{
	struct fx *f = fx_file(VG_FILE_OPEN, "/etc/shadow", O_WRONLY | O_CREAT | O_TRUNC);

	f->r.file.mode = 0640;
	f->r.file.fd = 4;
	f->r.file.result = 4;
	assert_string_equal(render("{kind} {file.op} {file.path} {file.open_flags} {file.mode} "
				   "fd {file.fd} = {file.result} {file.errno}", f, &CTX),
			    "file.open open /etc/shadow O_WRONLY|O_CREAT|O_TRUNC 0640 fd 4 = 4 ?");
	f->r.file.result = -EACCES;
	f->r.file.fd = -1;
	assert_string_equal(render("{file.result} {file.errno} {file.fd}", f, &CTX),
			    "-13 EACCES ?");
	assert_string_equal(render("{file.new_path} {file.target} {file.change}", f, &CTX),
			    "? ? ?");
	free(f);

	f = fx_file(VG_FILE_RENAME, "/etc/shadow+", 0);
	f->v.file_view.new_path = "/etc/shadow";
	assert_string_equal(render("{kind}: {file.path} -> {file.new_path} {file.mode}", f, &CTX),
			    "file.rename: /etc/shadow+ -> /etc/shadow ?");
	f->v.file_view.change = "rename_over";
	f->v.file_view.target = "/etc/shadow";
	f->v.file_view.before.known = true;
	f->v.file_view.before.has_digest = true;
	memset(f->v.file_view.before.sha256, 0xab, 32);
	assert_string_equal(render("{file.change} {file.target_path} {file.sha256_after}", f, &CTX),
			    "rename_over /etc/shadow ?");
	assert_string_equal(render("{file.sha256_before}", f, &CTX),
			    "abababababababababababababababababababababababababababababababab");
	f->r.file.op = VG_FILE_SYMLINK;
	assert_string_equal(render("{file.new_path} {file.target}", f, &CTX), "? /etc/shadow");
	free(f);
}

static void test_message_priv_fields(void **state)
{
	struct fx *f = fx_priv();

	assert_string_equal(render("{priv.op}: euid {priv.old.euid} -> {priv.new.euid}, "
				   "uid {priv.old.uid} -> {priv.new.uid}", f, &CTX),
			    "setuid: euid 1000 -> 0, uid 1000 -> 0");
	assert_string_equal(render("{priv.syscall} {priv.result} {priv.errno} {priv.args} "
				   "{priv.old.cap_effective} {priv.new.cap_effective}", f, &CTX),
			    "105 0 ? 0,-1,-1 0x0 0x1ffffffffff");
	f->r.priv.result = -EPERM;
	assert_string_equal(render("{priv.errno}", f, &CTX), "EPERM");
	free(f);
}

static void test_message_net_and_flow_fields(void **state)
{
	struct fx *f = fx_net(VG_NET_CONNECT, AF_INET, "10.1.2.3", 443);

	f->r.net.result = -ECONNREFUSED;
	assert_string_equal(render("{kind} {net.op} {net.family}/{net.protocol}/{net.sock_type} "
				   "{net.saddr}:{net.sport} -> {net.daddr}:{net.dport} "
				   "{net.errno} {net.backlog} {net.unix_path}", f, &CTX),
			    "connect connect ipv4/tcp/stream 127.0.0.9:9 -> 10.1.2.3:443 "
			    "ECONNREFUSED ? ?");
	free(f);

	f = fx_net(VG_NET_LISTEN, AF_INET6, "::", 8080);
	f->r.net.backlog = 128;
	assert_string_equal(render("{kind} [{net.saddr}]:{net.sport} {net.backlog}", f, &CTX),
			    "listen [::]:8080 128");
	free(f);

	f = fx_net(VG_NET_CONNECT, AF_UNIX, NULL, 0);
	f->r.net.protocol = 0;
	f->r.net.unix_path_len = 4;
	memcpy(f->r.net.unix_path, "/run", 4);
	assert_string_equal(render("{net.family} {net.protocol} {net.daddr} {net.dport} "
				   "{net.unix_path}", f, &CTX), "unix ? ? ? /run");
	f->r.net.flags = VG_NET_UNIX_ABSTRACT;
	memcpy(f->r.net.unix_path, "x\0yz", 4);
	assert_string_equal(render("{net.unix_path}", f, &CTX), "@x\\x00yz");
	free(f);

	f = fx_flow(AF_INET, "10.1.2.3", 443);
	assert_string_equal(render("{kind} {flow.daddr}:{flow.dport} {flow.direction} "
				   "{flow.bytes_sent} {flow.close} {process.pid}", f, &CTX),
			    "flow 10.1.2.3:443 outbound 5000 fin 100");
	f->r.flow.flags = VG_FLOW_OWNER_UNKNOWN;
	assert_string_equal(render("{flow.direction} {process.pid} {parent.exe} {flow.dport}", f,
				   &CTX), "? ? ? 443");
	free(f);
}

static void test_message_syscall_fields(void **state)
{
	struct fx *f = fx_syscall(BPF_NR, 5, UINT64_MAX, 0x10);

#if !defined(__x86_64__)
	skip();
#endif
	f->r.sc.args[2] = 1;
	f->r.sc.args[3] = 2;
	f->r.sc.args[4] = 3;
	assert_string_equal(render("{kind} {syscall.name}({syscall.nr}) {syscall.arg0} "
				   "{syscall.arg1} {syscall.arg2} {syscall.arg3} {syscall.arg4} "
				   "{syscall.arg5}", f, &CTX),
			    "syscall bpf(321) 5 18446744073709551615 1 2 3 16");
	f->r.sc.nr = 400;
	assert_string_equal(render("{syscall.name} {syscall.nr}", f, &CTX), "? 400");
	free(f);
}

static void test_message_exit_and_fork_fields(void **state)
{
	struct fx *f = fx_new(VG_EV_EXIT);

	f->r.exit.exit_code = 3;
	f->r.exit.lifetime_ns = 42;
	assert_string_equal(render("{exit.code} {exit.signal} {exit.signal_number} "
				   "{exit.core_dumped} {exit.lifetime_ns}", f, &CTX),
			    "3 ? 0 false 42");
	f->r.exit.signal = 9;
	f->r.exit.exit_code = -1;
	assert_string_equal(render("{exit.code} {exit.signal} {exit.signal_number}", f, &CTX),
			    "? SIGKILL 9");
	free(f);

	f = fx_new(VG_EV_FORK);
	f->r.fork.parent_pid = 50;
	f->r.fork.parent_tid = 51;
	assert_string_equal(render("{fork.parent_pid} {fork.parent_tid} {exec.old_tid}", f, &CTX),
			    "50 51 ?");
	free(f);
}

static void test_message_anomaly_fields(void **state)
{
	static const char *const odd[] = { "new file path /tmp/a\nb", NULL, "x" };
	struct fx *f = fx_anomaly();

	assert_string_equal(render("{kind}: {anomaly.profile} scored {anomaly.score} "
				   "({anomaly.misses} misses): {anomaly.reasons}; pid {process.pid} "
				   "{process.exe}", f, &CTX),
			    "anomaly: /usr/sbin/mysqld scored 7.5 (3 misses): new child binary "
			    "/bin/sh; unseen syscall window; pid 100 /usr/sbin/mysqld");
	/* scores: at most two decimals, no trailing zeros */
	f->av.score = 12;
	assert_string_equal(render("{anomaly.score}", f, &CTX), "12");
	f->av.score = 16.0 / 3;
	assert_string_equal(render("{anomaly.score}", f, &CTX), "5.33");
	f->av.score = 0.1;
	assert_string_equal(render("{anomaly.score}", f, &CTX), "0.1");
	f->av.score = 0;
	assert_string_equal(render("{anomaly.score}", f, &CTX), "0");
	f->av.score = 100;
	assert_string_equal(render("{anomaly.score}", f, &CTX), "100");
	f->av.score = __builtin_nan("");
	assert_string_equal(render("{anomaly.score}", f, &CTX), "?");
	/* found in user space: misses 0, a value */
	f->r.an.misses = 0;
	assert_string_equal(render("{anomaly.misses}", f, &CTX), "0");
	/* one reason; NULL entries skipped; control characters escaped */
	f->av.n_reasons = 1;
	assert_string_equal(render("[{anomaly.reasons}]", f, &CTX), "[new child binary /bin/sh]");
	f->av.reasons = odd;
	f->av.n_reasons = 3;
	assert_string_equal(render("[{anomaly.reasons}]", f, &CTX), "[new file path /tmp/a\\x0ab; x]");
	/* no reasons: known, empty */
	f->av.reasons = NULL;
	f->av.n_reasons = 0;
	assert_string_equal(render("[{anomaly.reasons}]", f, &CTX), "[]");
	f->av.profile = "";
	assert_string_equal(render("{anomaly.profile}", f, &CTX), "?");
	/* no view: only the kernel record's field */
	f->v.anomaly_view = NULL;
	assert_string_equal(render("{anomaly.score} {anomaly.profile} {anomaly.reasons} "
				   "{anomaly.misses}", f, &CTX), "? ? ? 0");
	free(f);

	/* not in other kinds, even with a view attached */
	f = fx_exec();
	f->v.anomaly_view = &f->av;
	f->av.score = 3;
	assert_string_equal(render("{anomaly.score} {anomaly.misses} {kind}", f, &CTX), "? ? exec");
	free(f);
}

/*
 * Every field the validator accepts has a writer: each renders a value for
 * at least one of the sample events of a kind that has it (packet fields
 * excepted: no packet event comes here).
 */
static void test_message_every_template_field_renders(void **state)
{
	struct fx *s[32];
	size_t n = 0;
	unsigned int kinds;
	const char *name;

	s[n++] = fx_exec();
	s[n++] = fx_new(VG_EV_FORK);
	s[n++] = fx_new(VG_EV_EXIT);
	s[n - 1]->r.exit.signal = 15;
	s[n++] = fx_new(VG_EV_EXIT);
	s[n++] = fx_file(VG_FILE_OPEN, "/etc/shadow", O_RDONLY);
	s[n - 1]->r.file.fd = 3;
	s[n - 1]->v.file_view.change = "truncate_open";
	s[n - 1]->v.file_view.target = "/etc/shadow";
	s[n - 1]->v.file_view.before = (struct vg_fim_state){ .known = true, .has_digest = true };
	s[n - 1]->v.file_view.after = (struct vg_fim_state){ .known = true, .has_digest = true };
	s[n++] = fx_file(VG_FILE_RENAME, "/a", 0);
	s[n - 1]->v.file_view.new_path = "/b";
	s[n - 1]->r.file.result = -ENOENT;
	s[n++] = fx_file(VG_FILE_SYMLINK, "/a", 0);
	s[n - 1]->v.file_view.new_path = "/b";
	s[n++] = fx_priv();
	s[n - 1]->r.priv.result = -EPERM;
	s[n++] = fx_net(VG_NET_LISTEN, AF_INET, "0.0.0.0", 80);
	s[n - 1]->r.net.result = -EADDRINUSE;
	s[n++] = fx_net(VG_NET_CONNECT, AF_UNIX, NULL, 0);
	s[n - 1]->r.net.unix_path_len = 1;
	s[n - 1]->r.net.unix_path[0] = '/';
	s[n++] = fx_flow(AF_INET, "10.0.0.1", 80);
	s[n++] = fx_syscall(BPF_NR, 1, 2, 3);
	s[n - 1]->ct.runtime = VG_RT_KUBERNETES;
	strcpy(s[n - 1]->ct.id, CID);
	strcpy(s[n - 1]->ct.pod_uid, "0b7d9c5e-1111-2222-3333-444455556666");
	s[n - 1]->v.proc.container = &s[n - 1]->ct;
	s[n++] = fx_anomaly();
	s[n++] = fx_sched((const double[]){ 97.5 }, 1, 2, 30);
	s[n++] = fx_new(VG_EV_OOM);
	s[n - 1]->r.oom.rss_kb = 1024;
	s[n++] = fx_block(12.5);
	s[n++] = fx_uprobe();
	s[n++] = fx_uprobe();
	s[n - 1]->r.up.flags = VG_UPROBE_RETURN;
	s[n - 1]->r.up.ret = -22;
	s[n++] = fx_uprobe();
	for (uint8_t i = 0; i < 3; i++) {	/* arguments 3 to 5 */
		s[n - 1]->r.up.arg_index[i] = 3 + i;
		s[n - 1]->r.up.arg_kind[i] = VG_UP_ARG_INT;
	}
	s[n++] = fx_bpf(VG_BPF_PROG_LOAD);
	s[n - 1]->r.bpf.result = -EACCES;
	s[n++] = fx_bpf(VG_BPF_MAP_CREATE);
	s[n++] = fx_bpf(VG_BPF_LINK_CREATE);
	s[n++] = fx_bpf(VG_BPF_OBJ_PIN);
	s[n++] = fx_shell("ls -l");
	s[n++] = fx_tls(VG_TLS_WRITE, "GET / HTTP/1.1");
	assert_true(n <= sizeof(s) / sizeof(s[0]));

	for (size_t i = 0; (name = vg_policy_template_field(i, &kinds)); i++) {
		char tmpl[160];
		bool rendered = false;

		if (!strncmp(name, "packet.", 7))
			continue;
#if !defined(__x86_64__)
		if (!strcmp(name, "syscall.name"))
			continue;	/* numbers are x86_64's */
#endif
		snprintf(tmpl, sizeof(tmpl), "{%s}", name);
		for (size_t j = 0; j < n && !rendered; j++) {
			int k = kind_of(s[j]);

			if (k >= 0 && (kinds & VG_POLICY_KIND_BIT(k)) && strcmp(render(tmpl, s[j], &CTX), "?"))
				rendered = true;
		}
		if (!rendered)
			fail_msg("field '%s' renders for none of the sample events", name);
	}
	for (size_t j = 0; j < n; j++)
		free(s[j]);
}

/* Kind uprobe: the probe parsed; uprobeArgs is the kernel's verdict (the
 * guard flag); the fields render. */
static void test_uprobe_rule_guard_and_fields(void **state)
{
	struct vg_policy_set s;
	const struct vg_policy_rule *r;
	struct fx *f = fx_uprobe(), *g = fx_uprobe(), *x = fx_exec();

	load_clean(&s, "apiVersion: vigil.dev/v1alpha1\nkind: Policy\n"
		   "metadata: {name: cve-guard}\nspec:\n  rules:\n"
		   "    - name: r\n      kinds: [uprobe]\n"
		   "      uprobe:\n        path: /usr/lib/libp.so\n        symbol: parse\n"
		   "        return: true\n"
		   "        args: [{index: 1, type: int}, {index: 0, type: buf, length: 1, max: 8},"
		   " {index: 2, type: str}]\n"
		   "      selectors:\n        - uprobeArgs: [{index: 2, op: strlenGt, value: 4}]\n"
		   "      action: kill\n");
	r = &s.v[0].rules[0];
	assert_non_null(r->uprobe);
	assert_string_equal(r->uprobe->path, "/usr/lib/libp.so");
	assert_string_equal(r->uprobe->symbol, "parse");
	assert_true(r->uprobe->ret);
	assert_int_equal(r->uprobe->n_args, 3);
	assert_int_equal(r->uprobe->args[1].type, VG_UPARG_BUF);
	assert_int_equal(r->uprobe->args[1].length_index, 1);
	assert_int_equal(r->uprobe->args[1].max, 8);
	assert_int_equal(r->uprobe->args[2].max, 64);
	assert_int_equal(r->selectors[0].conds[0].argcmps[0].op, VG_CMP_STRLEN_GT);
	assert_int_equal(r->selectors[0].conds[0].argcmps[0].value, 4);
	assert_int_equal(kind_of(f), VG_PK_UPROBE);
	assert_true(vg_policy_rule_match(r, VG_PK_UPROBE, &f->v, NULL));
	g->r.up.flags = 0;		/* the guard did not hold */
	assert_false(vg_policy_rule_match(r, VG_PK_UPROBE, &g->v, NULL));
	g->r.up.flags = VG_UPROBE_RETURN;	/* a return: no arguments */
	assert_false(vg_policy_rule_match(r, VG_PK_UPROBE, &g->v, NULL));
	assert_false(vg_policy_rule_match(r, VG_PK_EXEC, &x->v, NULL));
	assert_string_equal(render("{uprobe.symbol} {uprobe.site} n={uprobe.arg1} buf={uprobe.arg0} "
				   "s={uprobe.arg2} x={uprobe.arg3} ret={uprobe.ret}", f, &CTX),
			    "parse entry n=40 buf=4142 s=hello x=? ret=?");
	g->r.up.ret = -22;
	assert_string_equal(render("{uprobe.site} {uprobe.ret}", g, &CTX), "return -22");
	vg_policy_set_release(&s);
	free(f);
	free(g);
	free(x);
}

static void test_default_bpf_load_policy_alerts_on_unknown_loaders(void **state)
{
	struct vg_policy_set s;
	struct fx *load = fx_bpf(VG_BPF_PROG_LOAD), *map = fx_bpf(VG_BPF_MAP_CREATE);
	const struct vg_policy *p = NULL;

	/* the embedded default set, as `vigil run` loads it */
	vg_policy_set_init(&s);
	assert_int_equal(vg_policy_load_buffer(&s, "default", vg_default_policies,
					       strlen(vg_default_policies)), 0);
	for (size_t i = 0; i < s.n; i++)
		if (!strcmp(s.v[i].name, "bpf-load"))
			p = &s.v[i];
	assert_non_null(p);
	assert_true(vg_policy_rule_match(&p->rules[0], kind_of(load), &load->v, NULL));
	assert_false(vg_policy_rule_match(&p->rules[0], kind_of(map), &map->v, NULL));
	load->v.proc.exe = "/usr/sbin/bpftool";
	assert_false(vg_policy_rule_match(&p->rules[0], kind_of(load), &load->v, NULL));
	load->v.proc.exe = "/tmp/rootkit";
	assert_string_equal(render(p->rules[0].message, load, &CTX),
			    "/tmp/rootkit (100, uid 1000) loaded eBPF program 'vg_test_prog' "
			    "(socket_filter, 4 instructions, result 5)");
	vg_policy_set_release(&s);
	free(load);
	free(map);
}

static void test_message_bpf_fields(void **state)
{
	struct fx *load = fx_bpf(VG_BPF_PROG_LOAD), *pin = fx_bpf(VG_BPF_OBJ_PIN);

	assert_string_equal(render("{bpf.cmd} {bpf.prog_type} {bpf.name} {bpf.insn_cnt} "
				   "{bpf.result} {bpf.errno} {bpf.path} {bpf.map_type}", load, &CTX),
			    "prog_load socket_filter vg_test_prog 4 5 ? ? ?");
	load->r.bpf.result = -EPERM;
	load->r.bpf.prog_type = 99;
	load->r.bpf.name[0] = '\0';
	assert_string_equal(render("{bpf.prog_type} {bpf.name} {bpf.result} {bpf.errno}", load,
				   &CTX), "99 ? -1 EPERM");
	assert_string_equal(render("{bpf.cmd} {bpf.path} {bpf.insn_cnt}", pin, &CTX),
			    "obj_pin /sys/fs/bpf/x ?");
	free(load);
	free(pin);
}

/* Kind shell: line prefix/contains, its negation, the fields. */
static void test_shell_rule_line_and_fields(void **state)
{
	struct vg_policy_set s;
	const struct vg_policy_rule *r;
	struct fx *pipe = fx_shell("curl http://x | sh"), *ls = fx_shell("ls -l"),
		  *sudo = fx_shell("sudo -i"), *x = fx_exec();

	load_clean(&s, "apiVersion: vigil.dev/v1alpha1\nkind: Policy\n"
		   "metadata: {name: typed}\nspec:\n  rules:\n"
		   "    - name: r\n      kinds: [shell]\n      selectors:\n"
		   "        - line: {contains: ['| sh', '|sh']}\n"
		   "        - line: {prefix: [sudo ]}\n          notLine: {contains: [-l]}\n");
	r = &s.v[0].rules[0];
	assert_int_equal(kind_of(pipe), VG_PK_SHELL);
	assert_true(vg_policy_rule_match(r, VG_PK_SHELL, &pipe->v, NULL));
	assert_true(vg_policy_rule_match(r, VG_PK_SHELL, &sudo->v, NULL));
	assert_false(vg_policy_rule_match(r, VG_PK_SHELL, &ls->v, NULL));
	snprintf(sudo->r.sh.line, sizeof(sudo->r.sh.line), "sudo -l");
	assert_false(vg_policy_rule_match(r, VG_PK_SHELL, &sudo->v, NULL));
	assert_false(vg_policy_rule_match(r, VG_PK_EXEC, &x->v, NULL));
	assert_string_equal(render("{process.comm} on {shell.tty} ({shell.sessionid}): {shell.line}",
				   pipe, &CTX), "bash on pts/3 (7): curl http://x | sh");
	pipe->r.sh.sessionid = UINT32_MAX;
	pipe->r.sh.tty[0] = '\0';
	assert_string_equal(render("{shell.tty} {shell.sessionid}", pipe, &CTX), "? ?");
	vg_policy_set_release(&s);
	free(pipe);
	free(ls);
	free(sudo);
	free(x);
}

/* Kind tls: plaintext, direction and the peer's address and port. */
static void test_tls_rule_data_direction_peer(void **state)
{
	struct vg_policy_set s;
	const struct vg_policy_rule *r;
	struct fx *w = fx_tls(VG_TLS_WRITE, "password=hunter2"), *rd = fx_tls(VG_TLS_READ,
		"password=hunter2"), *other = fx_tls(VG_TLS_WRITE, "GET /");

	load_clean(&s, "apiVersion: vigil.dev/v1alpha1\nkind: Policy\n"
		   "metadata: {name: leak}\nspec:\n  rules:\n"
		   "    - name: r\n      kinds: [tls]\n      selectors:\n"
		   "        - data: {contains: ['password=']}\n          direction: [write]\n"
		   "          address: ['::1']\n          port: [8443]\n");
	r = &s.v[0].rules[0];
	assert_int_equal(kind_of(w), VG_PK_TLS);
	assert_true(vg_policy_rule_match(r, VG_PK_TLS, &w->v, NULL));
	assert_false(vg_policy_rule_match(r, VG_PK_TLS, &rd->v, NULL));	/* a read */
	assert_false(vg_policy_rule_match(r, VG_PK_TLS, &other->v, NULL));
	w->r.tls.dport = 443;
	assert_false(vg_policy_rule_match(r, VG_PK_TLS, &w->v, NULL));	/* another port */
	w->r.tls.dport = 8443;
	w->r.tls.family = 0;		/* no socket found: the address is unknown */
	assert_false(vg_policy_rule_match(r, VG_PK_TLS, &w->v, NULL));
	w->r.tls.family = AF_INET6;
	assert_string_equal(render("{tls.direction} {tls.len} '{tls.data}' to [{tls.daddr}]:{tls.dport}",
				   w, &CTX), "write 16 'password=hunter2' to [::1]:8443");
	vg_policy_set_release(&s);
	free(w);
	free(rd);
	free(other);
}

static void test_message_ctx_from_the_policy_and_rule(void **state)
{
	struct vg_policy_set s;
	struct vg_policy_msg_ctx m;
	struct fx *f = fx_exec();

	load_clean(&s, HEAD "  mode: enforce\n  severity: high\n"
		   "  message: \"{policy}/{rule}: {action} ({mode}, {severity}) {process.exe}\"\n"
		   "  rules:\n    - name: r1\n      kinds: [exec]\n      action: kill\n"
		   "      severity: critical\n");
	vg_policy_msg_ctx_init(&m, &s.v[0], &s.v[0].rules[0]);
	assert_string_equal(render(s.v[0].rules[0].message, f, &m),
			    "p/r1: kill (enforce, critical) /usr/bin/bash");
	vg_policy_set_release(&s);

	load_clean(&s, HEAD "  rules:\n    - name: r2\n      kinds: [exec]\n");
	vg_policy_msg_ctx_init(&m, &s.v[0], &s.v[0].rules[0]);
	assert_string_equal(render("{action} {mode} {severity}", f, &m), "alert audit medium");
	vg_policy_set_release(&s);
	free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_event_kind_follows_the_record_type_and_op),
		cmocka_unit_test(test_rule_matches_only_the_kinds_it_selects),
		cmocka_unit_test(test_binary_matches_exact_prefix_and_glob),
		cmocka_unit_test(test_not_binary_matches_when_none_of_the_values_does),
		cmocka_unit_test(test_unknown_exe_matches_neither_binary_nor_not_binary),
		cmocka_unit_test(test_comm_matches_exactly),
		cmocka_unit_test(test_args_are_the_arguments_after_argv0_joined_by_spaces),
		cmocka_unit_test(test_unknown_args_match_neither_args_nor_not_args),
		cmocka_unit_test(test_uid_euid_loginuid_are_the_task_ids),
		cmocka_unit_test(test_priv_ids_are_the_credentials_after_the_change),
		cmocka_unit_test(test_parent_is_the_parent_exe),
		cmocka_unit_test(test_ancestors_walks_the_ppid_chain),
		cmocka_unit_test(test_ancestors_unknown_part_of_the_chain),
		cmocka_unit_test(test_ancestors_stop_after_64_levels),
		cmocka_unit_test(test_ancestors_of_a_process_without_parent),
		cmocka_unit_test(test_container_parts_all_hold),
		cmocka_unit_test(test_container_unknown_without_cgroup),
		cmocka_unit_test(test_cgroup_is_the_cgroup_path),
		cmocka_unit_test(test_flow_with_unknown_owner_has_no_process),
		cmocka_unit_test(test_path_matches_the_file_path),
		cmocka_unit_test(test_rename_and_link_match_on_either_path),
		cmocka_unit_test(test_unknown_path_matches_neither_path_nor_not_path),
		cmocka_unit_test(test_intent_follows_the_open_flags),
		cmocka_unit_test(test_connect_ipv4_address_port_family_protocol),
		cmocka_unit_test(test_cidr_prefix_boundaries),
		cmocka_unit_test(test_connect_ipv6_and_ipv4_mapped),
		cmocka_unit_test(test_bind_and_listen_use_the_local_end_accept_the_peer),
		cmocka_unit_test(test_unix_socket_has_no_address_or_port),
		cmocka_unit_test(test_flow_matches_its_remote_end),
		cmocka_unit_test(test_syscall_table_has_names_and_numbers),
		cmocka_unit_test(test_syscall_name_is_the_event_number),
		cmocka_unit_test(test_syscall_args_comparisons_and_boundaries),
		cmocka_unit_test(test_syscall_args_all_comparisons_hold),
		cmocka_unit_test(test_selector_fields_are_anded),
		cmocka_unit_test(test_selectors_are_ored),
		cmocka_unit_test(test_selector_match_direct),
		cmocka_unit_test(test_fields_of_another_kind_never_hold),
		cmocka_unit_test(test_allow_matches_the_process),
		cmocka_unit_test(test_allow_unknown_process_and_no_allow_list),
		cmocka_unit_test(test_anomaly_kind_matches_only_anomaly_events),
		cmocka_unit_test(test_anomaly_score_comparisons_and_boundaries),
		cmocka_unit_test(test_sched_cpu_sustained_and_run_queue),
		cmocka_unit_test(test_bpf_command_and_program_type_by_name),
		cmocka_unit_test(test_bpf_name_exact_prefix_glob_and_unnamed),
		cmocka_unit_test(test_default_bpf_load_policy_alerts_on_unknown_loaders),
		cmocka_unit_test(test_message_bpf_fields),
		cmocka_unit_test(test_anomaly_score_unknown_never_holds),
		cmocka_unit_test(test_anomaly_profile_matches_exactly),
		cmocka_unit_test(test_anomaly_unknown_profile_matches_neither_profile_nor_not_profile),
		cmocka_unit_test(test_anomaly_reason_contains_one_of_the_strings),
		cmocka_unit_test(test_anomaly_unknown_reasons_match_neither_reason_nor_not_reason),
		cmocka_unit_test(test_anomaly_fields_never_hold_on_other_events),
		cmocka_unit_test(test_anomaly_process_fields_and_allow_lists),
		cmocka_unit_test(test_message_exec_fields),
		cmocka_unit_test(test_message_braces_are_literal_when_doubled),
		cmocka_unit_test(test_message_missing_fields_render_as_question_mark),
		cmocka_unit_test(test_message_values_cannot_break_the_line),
		cmocka_unit_test(test_message_file_fields),
		cmocka_unit_test(test_message_priv_fields),
		cmocka_unit_test(test_message_net_and_flow_fields),
		cmocka_unit_test(test_message_syscall_fields),
		cmocka_unit_test(test_message_exit_and_fork_fields),
		cmocka_unit_test(test_message_anomaly_fields),
		cmocka_unit_test(test_message_every_template_field_renders),
		cmocka_unit_test(test_uprobe_rule_guard_and_fields),
		cmocka_unit_test(test_shell_rule_line_and_fields),
		cmocka_unit_test(test_tls_rule_data_direction_peer),
		cmocka_unit_test(test_message_ctx_from_the_policy_and_rule),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
