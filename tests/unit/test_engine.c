// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * The policy engine's decisions in user space (engine.h), without the
 * kernel: policies compiled from YAML files, events built by hand, reports
 * collected.  Proves what is reported in audit and enforce mode, who acted
 * (the kernel's kill flag), the guardrails (allow list, pid 1, vigil
 * itself, a process that is gone, rate limits), the exact-binary index, and
 * what compiling refuses on this machine.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "engine.h"
#include "log.h"

#define HEAD "apiVersion: vigil.dev/v1alpha1\nkind: Policy\nmetadata:\n  name: %s\nspec:\n" \
	     "  mode: %s\n"

struct got {
	char policy[64], rule[64], action[32], intended[32], by[32], skipped[96], message[256];
};

struct sink {
	struct got r[64];
	size_t n;
};

static void collect(const struct vg_engine_report *r, void *ctx)
{
	struct sink *s = ctx;
	struct got *g;

	if (s->n == 64)
		return;
	g = &s->r[s->n++];
	snprintf(g->policy, sizeof(g->policy), "%s", r->policy);
	snprintf(g->rule, sizeof(g->rule), "%s", r->rule);
	snprintf(g->action, sizeof(g->action), "%s", r->action);
	snprintf(g->intended, sizeof(g->intended), "%s", r->intended);
	snprintf(g->by, sizeof(g->by), "%s", r->by ? r->by : "");
	snprintf(g->skipped, sizeof(g->skipped), "%s", r->skipped ? r->skipped : "");
	snprintf(g->message, sizeof(g->message), "%s", r->message ? r->message : "");
}

static char dir[] = "/tmp/vigil-test-engine-XXXXXX";
static char path[256];

/* Write one policy file; returns its path. */
__attribute__((format(printf, 1, 2)))
static char *policy_file(const char *fmt, ...)
{
	va_list ap;
	FILE *f;

	snprintf(path, sizeof(path), "%s/p.yaml", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	va_start(ap, fmt);
	vfprintf(f, fmt, ap);
	va_end(ap);
	fclose(f);
	return path;
}

static struct vg_engine *engine(struct sink *s, int mode)
{
	char *paths[] = { path };
	struct vg_engine_opts o = {
		.paths = paths, .n_paths = 1, .mode = mode, .self_pid = (uint32_t)getpid(),
		.report = collect, .ctx = s,
	};

	return vg_engine_new(&o);
}

/* An exec event of `exe` by process pid. */
struct ev {
	struct vg_exec rec;
	struct vg_event_view v;
};

static void exec_event(struct ev *e, uint32_t pid, const char *exe)
{
	const char *base = strrchr(exe, '/') + 1;

	memset(e, 0, sizeof(*e));
	e->rec.hdr.type = VG_EV_EXEC;
	e->rec.hdr.task.pid = e->rec.hdr.task.tid = pid;
	e->rec.hdr.task.loginuid = (uint32_t)-1;
	snprintf(e->rec.hdr.task.comm, sizeof(e->rec.hdr.task.comm), "%s", base);
	snprintf(e->rec.exe, sizeof(e->rec.exe), "%s", exe);
	e->rec.exe_len = (uint16_t)strlen(exe);
	e->v.hdr = &e->rec.hdr;
	e->v.exec = &e->rec;
	e->v.proc.task = &e->rec.hdr.task;
	e->v.proc.exe = e->rec.exe;
	e->v.proc.cgroup = "/";
	e->v.proc.parent_exe = "/usr/bin/bash";
}

static pid_t child(void)
{
	pid_t p = fork();

	if (p == 0) {
		pause();
		_exit(0);
	}
	assert_true(p > 0);
	return p;
}

static void reap(pid_t p)
{
	kill(p, SIGKILL);
	waitpid(p, NULL, 0);
}

static void audit_mode_reports_what_would_be_done(void **state)
{
	struct sink s = { 0 };
	struct vg_engine *e;
	struct ev ev;

	policy_file(HEAD "  message: \"{process.exe} ran\"\n  rules:\n"
		    "    - name: r\n      kinds: [exec]\n"
		    "      selectors: [{binary: {glob: ['*/nc']}}]\n      action: kill\n",
		    "p", "audit");
	e = engine(&s, -1);
	assert_non_null(e);
	exec_event(&ev, 1, "/usr/bin/nc");
	vg_engine_on_event(e, &ev.v);
	assert_int_equal(s.n, 1);
	assert_string_equal(s.r[0].action, "none");
	assert_string_equal(s.r[0].intended, "kill");
	assert_string_equal(s.r[0].skipped, "");
	assert_string_equal(s.r[0].message, "/usr/bin/nc ran");
	exec_event(&ev, 1, "/usr/bin/ls");
	vg_engine_on_event(e, &ev.v);
	assert_int_equal(s.n, 1);
	vg_engine_free(e);
}

static void kernel_kill_is_reported_as_done_by_the_kernel(void **state)
{
	struct sink s = { 0 };
	struct vg_engine *e;
	struct ev ev;

	policy_file(HEAD "  rules:\n"
		    "    - name: r\n      kinds: [exec]\n"
		    "      selectors: [{binary: {exact: [/opt/x/nc]}}]\n      action: kill\n",
		    "p", "enforce");
	e = engine(&s, -1);
	assert_non_null(e);
	exec_event(&ev, 999999, "/opt/x/nc");
	ev.rec.flags |= VG_EXEC_POLICY_KILLED;
	ev.rec.policy_rule = 1;		/* the first rule of the set */
	vg_engine_on_event(e, &ev.v);
	assert_int_equal(s.n, 1);
	assert_string_equal(s.r[0].action, "kill");
	assert_string_equal(s.r[0].by, "kernel");
	vg_engine_free(e);
}

static void guardrails_skip_and_say_why(void **state)
{
	struct sink s = { 0 };
	struct vg_engine *e;
	struct ev ev;

	policy_file(HEAD "  allow:\n    - binary: {exact: [/opt/allowed/nc]}\n  rules:\n"
		    "    - name: r\n      kinds: [exec]\n"
		    "      selectors: [{binary: {glob: ['*/nc']}}]\n      action: kill\n",
		    "p", "enforce");
	e = engine(&s, -1);
	assert_non_null(e);
	exec_event(&ev, 1, "/usr/bin/nc");		/* pid 1 */
	vg_engine_on_event(e, &ev.v);
	exec_event(&ev, (uint32_t)getpid(), "/usr/bin/nc");	/* vigil itself */
	vg_engine_on_event(e, &ev.v);
	exec_event(&ev, 4194303, "/usr/bin/nc");	/* gone */
	vg_engine_on_event(e, &ev.v);
	exec_event(&ev, 1, "/opt/allowed/nc");	/* allow list, checked first */
	vg_engine_on_event(e, &ev.v);
	assert_int_equal(s.n, 4);
	for (size_t i = 0; i < 4; i++)
		assert_string_equal(s.r[i].action, "none");
	assert_string_equal(s.r[0].skipped, "pid 1");
	assert_string_equal(s.r[1].skipped, "vigil itself");
	assert_string_equal(s.r[2].skipped, "no such process");
	assert_string_equal(s.r[3].skipped, "allow list");
	vg_engine_free(e);
}

static void rate_limit_stops_actions_not_reports(void **state)
{
	struct sink s = { 0 };
	struct vg_engine *e;
	struct ev ev;
	pid_t p = child();

	/* release: an action that does nothing to a process never acted on */
	policy_file(HEAD "  rateLimit: {actions: 2, per: 1h}\n  rules:\n"
		    "    - name: r\n      kinds: [exec]\n"
		    "      selectors: [{binary: {exact: [/opt/x/tool]}}]\n      action: release\n",
		    "p", "enforce");
	e = engine(&s, -1);
	assert_non_null(e);
	exec_event(&ev, (uint32_t)p, "/opt/x/tool");
	for (int i = 0; i < 4; i++)
		vg_engine_on_event(e, &ev.v);
	assert_int_equal(s.n, 4);
	assert_string_equal(s.r[0].skipped, "nothing to release");
	assert_string_equal(s.r[1].skipped, "nothing to release");
	assert_string_equal(s.r[2].skipped, "rate limit");
	assert_string_equal(s.r[3].skipped, "rate limit");
	vg_engine_free(e);
	reap(p);
}

static void user_space_kill_when_the_kernel_cannot_decide(void **state)
{
	struct sink s = { 0 };
	struct vg_engine *e;
	struct ev ev;
	pid_t p = child();
	int st;

	/* two conditions: not decided in the kernel */
	policy_file(HEAD "  rules:\n"
		    "    - name: r\n      kinds: [exec]\n"
		    "      selectors: [{binary: {exact: [/opt/x/victim]}, uid: [0, %u]}]\n"
		    "      action: kill\n", "p", "enforce", (unsigned)getuid());
	e = engine(&s, -1);
	assert_non_null(e);
	exec_event(&ev, (uint32_t)p, "/opt/x/victim");
	ev.rec.hdr.task.uid = getuid();
	vg_engine_on_event(e, &ev.v);
	assert_int_equal(s.n, 1);
	assert_string_equal(s.r[0].action, "kill");
	assert_string_equal(s.r[0].by, "user space");
	assert_int_equal(waitpid(p, &st, 0), p);
	assert_true(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
	vg_engine_free(e);
}

static void exact_binary_index_finds_only_its_rules(void **state)
{
	struct sink s = { 0 };
	struct vg_engine *e;
	struct ev ev;
	FILE *f;

	snprintf(path, sizeof(path), "%s/p.yaml", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	/* 300 indexed rules, one of them naming its exe twice, and a glob */
	for (int i = 0; i < 300; i++) {
		char name[16];

		snprintf(name, sizeof(name), "p%d", i);
		fprintf(f, "%s" HEAD "  rules:\n    - name: r%d\n      kinds: [exec]\n"
			"      selectors:\n        - binary: {exact: [/opt/b/%d]}\n"
			"        - binary: {exact: [/opt/b/%d]}\n      action: alert\n",
			i ? "---\n" : "", name, "audit", i, i, i == 7 ? 7 : 1000 + i);
	}
	fprintf(f, "---\n" HEAD "  rules:\n    - name: g\n      kinds: [exec]\n"
		"      selectors: [{binary: {glob: ['/opt/b/*']}}]\n      action: alert\n",
		"q", "audit");
	fclose(f);
	e = engine(&s, -1);
	assert_non_null(e);
	exec_event(&ev, 1, "/opt/b/7");
	vg_engine_on_event(e, &ev.v);
	assert_int_equal(s.n, 2);	/* r7 once, and the glob */
	assert_string_equal(s.r[0].rule, "r7");
	assert_string_equal(s.r[1].rule, "g");
	s.n = 0;
	exec_event(&ev, 1, "/opt/b/1250");
	vg_engine_on_event(e, &ev.v);
	assert_int_equal(s.n, 2);
	assert_string_equal(s.r[0].rule, "r250");
	vg_engine_free(e);
}

static void compile_refuses_what_this_kernel_cannot_enforce(void **state)
{
	struct sink s = { 0 };
	static const char *const bad[] = {
		/* deny on a syscall: no BPF LSM, no bpf_override_return */
		"    - name: r\n      kinds: [syscall]\n      selectors: [{syscall: [ptrace]}]\n"
		"      action: deny\n",
		/* fanotify cannot see the open's intent */
		"    - name: r\n      kinds: [file.open]\n"
		"      selectors: [{path: {prefix: [/tmp/]}, intent: [write]}]\n      action: deny\n",
		/* nor mark a glob */
		"    - name: r\n      kinds: [file.open]\n"
		"      selectors: [{path: {glob: ['/tmp/*.db']}}]\n      action: deny\n",
		/* cgroup hooks cannot test the user */
		"    - name: r\n      kinds: [connect]\n"
		"      selectors: [{address: [10.0.0.0/8], uid: [1000]}]\n      action: deny\n",
		/* another errno */
		"    - name: r\n      kinds: [connect]\n      selectors: [{address: [10.0.0.0/8]}]\n"
		"      action: {type: deny, errno: ECONNREFUSED}\n",
		/* packet rules without an interface */
		"    - name: r\n      kinds: [packet]\n      selectors: [{protocol: [icmp]}]\n"
		"      action: drop\n",
	};

	vg_log_set_level(VG_LOG_NONE);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		policy_file(HEAD "  rules:\n%s", "p", "enforce", bad[i]);
		assert_null(engine(&s, -1));
		/* in audit mode they load: evaluated on events, nothing enforced
		 * (packet rules: a warning) */
		policy_file(HEAD "  rules:\n%s", "p", "audit", bad[i]);
		{
			struct vg_engine *e = engine(&s, -1);

			assert_non_null(e);
			vg_engine_free(e);
		}
	}
	vg_log_set_level(VG_LOG_INFO);
}

static int setup(void **state)
{
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd) == 0 ? 0 : -1;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(audit_mode_reports_what_would_be_done),
		cmocka_unit_test(kernel_kill_is_reported_as_done_by_the_kernel),
		cmocka_unit_test(guardrails_skip_and_say_why),
		cmocka_unit_test(rate_limit_stops_actions_not_reports),
		cmocka_unit_test(user_space_kill_when_the_kernel_cannot_decide),
		cmocka_unit_test(exact_binary_index_finds_only_its_rules),
		cmocka_unit_test(compile_refuses_what_this_kernel_cannot_enforce),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
