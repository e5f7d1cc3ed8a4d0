// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * The policy language: valid documents give the expected model, the
 * shipped policies pass, and every case of the malformed corpus
 * (tests/policy/malformed/X.yaml) fails with exactly the lines of X.err.
 * Run from the repository root (as `make test` does).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <cmocka.h>

#include "policy.h"

#define HEAD "apiVersion: vigil.dev/v1alpha1\nkind: Policy\nmetadata:\n  name: p\nspec:\n"

static int load(struct vg_policy_set *s, const char *text)
{
	vg_policy_set_init(s);
	return vg_policy_load_buffer(s, "t.yaml", text, strlen(text));
}

/* Every diagnostic, formatted, one per line. */
static char *diags(const struct vg_policy_set *s)
{
	char *out = NULL, line[2048];
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);

	assert_non_null(f);
	for (size_t i = 0; i < s->n_diags; i++)
		fprintf(f, "%s\n", vg_policy_diag_format(&s->diags[i], line, sizeof(line)));
	fclose(f);
	return out;
}

static void assert_clean(const struct vg_policy_set *s)
{
	char *d = diags(s);

	if (s->n_diags)
		fprintf(stderr, "unexpected diagnostics:\n%s", d);
	assert_int_equal(s->n_diags, 0);
	free(d);
}

static const struct vg_policy_cond *cond_of(const struct vg_policy_selector *sel,
					    enum vg_policy_field f, bool negate)
{
	for (size_t i = 0; i < sel->n; i++)
		if (sel->conds[i].field == f && sel->conds[i].negate == negate)
			return &sel->conds[i];
	fail_msg("no condition on field %s", vg_policy_field_name(f));
	return NULL;
}

static void test_policy_minimal_document_gets_the_defaults(void **state)
{
	struct vg_policy_set s;
	const struct vg_policy_rule *r;

	assert_int_equal(load(&s, HEAD "  rules:\n    - name: r\n      kinds: [exec]\n"), 0);
	assert_clean(&s);
	assert_int_equal(s.n, 1);
	assert_string_equal(s.v[0].name, "p");
	assert_string_equal(s.v[0].file, "t.yaml");
	assert_int_equal(s.v[0].mode, VG_POLICY_AUDIT);
	assert_int_equal(s.v[0].severity, VG_SEV_MEDIUM);
	assert_null(s.v[0].message);
	assert_int_equal(s.v[0].n_rules, 1);
	r = &s.v[0].rules[0];
	assert_string_equal(r->name, "r");
	assert_int_equal(r->kinds, VG_POLICY_KIND_BIT(VG_PK_EXEC));
	assert_int_equal(r->n_selectors, 0);
	assert_int_equal(r->action.type, VG_ACT_ALERT);
	assert_int_equal(r->severity, VG_SEV_MEDIUM);
	vg_policy_set_release(&s);
}

static void test_policy_selectors_are_or_and_their_fields_and(void **state)
{
	static const char doc[] = HEAD
		"  mode: enforce\n"
		"  severity: high\n"
		"  message: \"{process.exe} {{literal}}\"\n"
		"  lists:\n"
		"    shells: [/bin/sh, /bin/bash]\n"
		"  rules:\n"
		"    - name: shells\n"
		"      kinds: [exec]\n"
		"      selectors:\n"
		"        - binary: {exact: [\"@shells\", /bin/zsh], glob: [\"*/ksh*\"]}\n"
		"          notParent: {prefix: [/usr/sbin/]}\n"
		"          uid: [1000, 1001]\n"
		"          args: {contains: [-c], prefix: [\"@@x\"]}\n"
		"        - comm: [dash]\n"
		"          container: {runtime: [docker, cri-o], present: true, id: [abc123]}\n"
		"      action: {type: kill, signal: SIGTERM}\n"
		"      severity: critical\n";
	struct vg_policy_set s;
	const struct vg_policy_rule *r;
	const struct vg_policy_cond *c;

	assert_int_equal(load(&s, doc), 0);
	assert_clean(&s);
	assert_int_equal(s.v[0].mode, VG_POLICY_ENFORCE);
	assert_int_equal(s.v[0].severity, VG_SEV_HIGH);
	r = &s.v[0].rules[0];
	assert_string_equal(r->message, "{process.exe} {{literal}}");
	assert_int_equal(r->severity, VG_SEV_CRITICAL);
	assert_int_equal(r->action.type, VG_ACT_KILL);
	assert_int_equal(r->action.signal, SIGTERM);
	assert_int_equal(r->n_selectors, 2);
	assert_int_equal(r->selectors[0].n, 4);
	c = cond_of(&r->selectors[0], VG_SEL_BINARY, false);
	assert_int_equal(c->str.exact.n, 3);	/* the list expanded in place */
	assert_string_equal(c->str.exact.v[0], "/bin/sh");
	assert_string_equal(c->str.exact.v[1], "/bin/bash");
	assert_string_equal(c->str.exact.v[2], "/bin/zsh");
	assert_int_equal(c->str.glob.n, 1);
	assert_string_equal(c->str.glob.v[0], "*/ksh*");
	c = cond_of(&r->selectors[0], VG_SEL_PARENT, true);
	assert_string_equal(c->str.prefix.v[0], "/usr/sbin/");
	c = cond_of(&r->selectors[0], VG_SEL_UID, false);
	assert_int_equal(c->n_ids, 2);
	assert_int_equal(c->ids[1], 1001);
	c = cond_of(&r->selectors[0], VG_SEL_ARGS, false);
	assert_string_equal(c->contains.v[0], "-c");
	assert_string_equal(c->prefix.v[0], "@x");	/* "@@" is a literal '@' */
	c = cond_of(&r->selectors[1], VG_SEL_CONTAINER, false);
	assert_int_equal(c->present, 1);
	assert_int_equal(c->mask, (1u << 1) | (1u << 3));	/* VG_RT_DOCKER, VG_RT_CRIO */
	assert_string_equal(c->list.v[0], "abc123");
	vg_policy_set_release(&s);
}

static void test_policy_network_and_syscall_values_are_normalised(void **state)
{
	static const char doc[] = HEAD
		"  rules:\n"
		"    - name: n\n"
		"      kinds: [net]\n"
		"      selectors:\n"
		"        - address: [10.1.2.3/8, \"fd00::1/16\"]\n"
		"          port: [22, \"8000-8080\"]\n"
		"          family: [ipv4, ipv6]\n"
		"          protocol: tcp\n"
		"      action: {type: deny, errno: ECONNREFUSED}\n"
		"      kinds: [connect]\n";
	static const char sys[] = HEAD
		"  rules:\n"
		"    - name: s\n"
		"      kinds: [syscall]\n"
		"      selectors:\n"
		"        - syscall: [setsockopt]\n"
		"          syscallArgs:\n"
		"            - {index: 3, op: gt, value: 4096}\n"
		"            - {index: 0, op: eq, value: -1}\n"
		"            - {index: 2, op: mask, value: 0x40}\n"
		"      action: deny\n";
	struct vg_policy_set s;
	const struct vg_policy_cond *c;

	/* (kinds twice is a duplicate key: one diagnostic, no policy) */
	assert_int_equal(load(&s, doc), -EINVAL);
	assert_int_equal(s.n, 0);
	assert_int_equal(s.n_diags, 1);
	assert_string_equal(s.diags[0].field, "spec.rules[0].kinds");
	vg_policy_set_release(&s);

	assert_int_equal(load(&s, sys), 0);
	assert_clean(&s);
	c = cond_of(&s.v[0].rules[0].selectors[0], VG_SEL_SYSCALL_ARGS, false);
	assert_int_equal(c->n_argcmps, 3);
	assert_int_equal(c->argcmps[0].index, 3);
	assert_int_equal(c->argcmps[0].op, VG_CMP_GT);
	assert_int_equal(c->argcmps[0].value, 4096);
	assert_true(c->argcmps[1].value == UINT64_MAX);
	assert_int_equal(c->argcmps[2].op, VG_CMP_MASK);
	assert_int_equal(c->argcmps[2].value, 0x40);
	assert_int_equal(s.v[0].rules[0].action.type, VG_ACT_DENY);
	assert_int_equal(s.v[0].rules[0].action.error, EPERM);
	vg_policy_set_release(&s);

	assert_int_equal(load(&s, HEAD
			      "  rules:\n"
			      "    - name: n\n"
			      "      kinds: [net]\n"
			      "      selectors:\n"
			      "        - address: [10.1.2.3/8, \"fd00::1/16\"]\n"
			      "          port: [22, \"8000-8080\"]\n"
			      "          protocol: tcp\n"
			      "      action: alert\n"), 0);
	assert_clean(&s);
	assert_int_equal(s.v[0].rules[0].kinds,
			 VG_POLICY_KIND_BIT(VG_PK_CONNECT) | VG_POLICY_KIND_BIT(VG_PK_ACCEPT) |
			 VG_POLICY_KIND_BIT(VG_PK_BIND) | VG_POLICY_KIND_BIT(VG_PK_LISTEN) |
			 VG_POLICY_KIND_BIT(VG_PK_SENDMSG));
	c = cond_of(&s.v[0].rules[0].selectors[0], VG_SEL_ADDRESS, false);
	assert_int_equal(c->n_cidrs, 2);
	assert_int_equal(c->cidrs[0].family, AF_INET);
	assert_int_equal(c->cidrs[0].prefixlen, 8);
	assert_memory_equal(c->cidrs[0].addr, "\x0a\0\0\0", 4);	/* host bits cleared */
	assert_int_equal(c->cidrs[1].family, AF_INET6);
	assert_int_equal(c->cidrs[1].prefixlen, 16);
	c = cond_of(&s.v[0].rules[0].selectors[0], VG_SEL_PORT, false);
	assert_int_equal(c->n_ports, 2);
	assert_int_equal(c->ports[0].lo, 22);
	assert_int_equal(c->ports[0].hi, 22);
	assert_int_equal(c->ports[1].lo, 8000);
	assert_int_equal(c->ports[1].hi, 8080);
	c = cond_of(&s.v[0].rules[0].selectors[0], VG_SEL_PROTOCOL, false);
	assert_int_equal(c->mask, VG_PROTO_TCP);
	vg_policy_set_release(&s);
}

static void test_policy_actions_guardrails_and_rate_limits(void **state)
{
	static const char doc[] = HEAD
		"  allow:\n"
		"    - binary: {prefix: [/usr/lib/systemd/]}\n"
		"  rateLimit: {actions: 5, per: 1m}\n"
		"  rules:\n"
		"    - name: flood\n"
		"      kinds: [packet]\n"
		"      action: {type: ratelimit, pps: 100}\n"
		"    - name: freeze\n"
		"      kinds: [exec]\n"
		"      action: {type: freeze, duration: 500ms}\n"
		"      rateLimit: {actions: 1, per: 2h}\n"
		"    - name: throttle\n"
		"      kinds: [file]\n"
		"      action: {type: throttle, cpuPercent: 20}\n";
	struct vg_policy_set s;
	const struct vg_policy *p;

	assert_int_equal(load(&s, doc), 0);
	assert_clean(&s);
	p = &s.v[0];
	assert_int_equal(p->n_allow, 1);
	assert_int_equal(p->allow[0].conds[0].field, VG_SEL_BINARY);
	assert_int_equal(p->ratelimit.actions, 5);
	assert_int_equal(p->ratelimit.per_ms, 60000);
	assert_int_equal(p->rules[0].action.type, VG_ACT_RATELIMIT);
	assert_int_equal(p->rules[0].action.pps, 100);
	assert_int_equal(p->rules[1].action.type, VG_ACT_FREEZE);
	assert_int_equal(p->rules[1].action.duration_ms, 500);
	assert_int_equal(p->rules[1].ratelimit.per_ms, 7200000);
	assert_int_equal(p->rules[2].action.cpu_percent, 20);
	assert_int_equal(vg_policy_set_rule_count(&s), 3);
	vg_policy_set_release(&s);
}

static void test_policy_several_documents_and_one_bad_one(void **state)
{
	static const char doc[] =
		"---\n" HEAD "  rules: [{name: a, kinds: [exec]}]\n"
		"---\n# an empty document is skipped\n"
		"---\napiVersion: vigil.dev/v1alpha1\nkind: Policy\nmetadata: {name: q}\n"
		"spec: {rules: [{name: b, kinds: [exit], action: kill}]}\n"
		"---\napiVersion: vigil.dev/v1alpha1\nkind: Policy\nmetadata: {name: r}\n"
		"spec: {rules: [{name: c, kinds: [fork]}]}\n";
	struct vg_policy_set s;
	char *d;

	assert_int_equal(load(&s, doc), -EINVAL);
	assert_int_equal(s.n, 2);
	assert_string_equal(s.v[0].name, "p");
	assert_string_equal(s.v[1].name, "r");
	d = diags(&s);
	assert_string_equal(d, "t.yaml:14:49: spec.rules[0].action: action 'kill' is not "
			    "possible for kind 'exit' (kill applies to exec, fork, file, priv, "
			    "connect, accept, bind, listen, sendmsg, syscall, anomaly, sched, oom, block, uprobe, bpf, shell, tls)\n");
	free(d);
	vg_policy_set_release(&s);
}

/* The escalation of docs/policies.md: alert, throttle, kill as the score grows. */
static void test_policy_anomaly_escalation_parses_score_profile_and_reason(void **state)
{
	static const char doc[] = HEAD
		"  mode: enforce\n"
		"  lists:\n"
		"    dbs: [/usr/sbin/mysqld, /usr/sbin/postgres]\n"
		"  rules:\n"
		"    - name: notice\n"
		"      kinds: [anomaly]\n"
		"      selectors:\n"
		"        - score: {ge: 2, lt: 5}\n"
		"          profile: [\"@dbs\"]\n"
		"      message: \"{anomaly.profile} {anomaly.score}: {anomaly.reasons} "
		"({anomaly.misses}) {process.exe}\"\n"
		"      rateLimit: {actions: 1, per: 5m}\n"
		"    - name: slow-down\n"
		"      kinds: anomaly\n"
		"      selectors:\n"
		"        - score: {gt: 4.5, le: .5e2}\n"
		"          notProfile: /usr/sbin/postgres\n"
		"          reason: {contains: [new child, syscall]}\n"
		"          notReason: {contains: \"new peer\"}\n"
		"          binary: {prefix: [/usr/sbin/]}\n"
		"          container: {present: true}\n"
		"      action: {type: throttle, cpuPercent: 20, duration: 10m}\n"
		"    - name: stop\n"
		"      kinds: [anomaly]\n"
		"      selectors:\n"
		"        - score: {ge: 10}\n"
		"        - score: {gt: 0x10}\n"
		"        - score: {ge: -0, le: 0}\n"
		"      action: kill\n";
	struct vg_policy_set s;
	const struct vg_policy_rule *r;
	const struct vg_policy_cond *c;

	assert_int_equal(load(&s, doc), 0);
	assert_clean(&s);
	assert_int_equal(s.v[0].n_rules, 3);

	r = &s.v[0].rules[0];
	assert_int_equal(r->kinds, VG_POLICY_KIND_BIT(VG_PK_ANOMALY));
	assert_int_equal(r->action.type, VG_ACT_ALERT);
	assert_int_equal(r->ratelimit.actions, 1);
	assert_int_equal(r->ratelimit.per_ms, 300000);
	c = cond_of(&r->selectors[0], VG_SEL_SCORE, false);
	assert_int_equal(c->n_scorecmps, 2);
	assert_int_equal(c->scorecmps[0].op, VG_CMP_GE);	/* in the order ge, gt, le, lt */
	assert_true(c->scorecmps[0].value == 2.0);
	assert_int_equal(c->scorecmps[1].op, VG_CMP_LT);
	assert_true(c->scorecmps[1].value == 5.0);
	c = cond_of(&r->selectors[0], VG_SEL_PROFILE, false);
	assert_int_equal(c->list.n, 2);
	assert_string_equal(c->list.v[0], "/usr/sbin/mysqld");
	assert_string_equal(c->list.v[1], "/usr/sbin/postgres");

	r = &s.v[0].rules[1];
	assert_int_equal(r->kinds, VG_POLICY_KIND_BIT(VG_PK_ANOMALY));
	assert_int_equal(r->action.type, VG_ACT_THROTTLE);
	assert_int_equal(r->action.cpu_percent, 20);
	assert_int_equal(r->action.duration_ms, 600000);
	assert_int_equal(r->selectors[0].n, 6);
	c = cond_of(&r->selectors[0], VG_SEL_SCORE, false);
	assert_int_equal(c->n_scorecmps, 2);
	assert_int_equal(c->scorecmps[0].op, VG_CMP_GT);
	assert_true(c->scorecmps[0].value == 4.5);
	assert_int_equal(c->scorecmps[1].op, VG_CMP_LE);
	assert_true(c->scorecmps[1].value == 50.0);
	c = cond_of(&r->selectors[0], VG_SEL_PROFILE, true);
	assert_int_equal(c->list.n, 1);
	assert_string_equal(c->list.v[0], "/usr/sbin/postgres");
	c = cond_of(&r->selectors[0], VG_SEL_REASON, false);
	assert_int_equal(c->contains.n, 2);
	assert_string_equal(c->contains.v[0], "new child");
	assert_string_equal(c->contains.v[1], "syscall");
	c = cond_of(&r->selectors[0], VG_SEL_REASON, true);
	assert_int_equal(c->contains.n, 1);
	assert_string_equal(c->contains.v[0], "new peer");
	cond_of(&r->selectors[0], VG_SEL_BINARY, false);	/* process fields apply */
	cond_of(&r->selectors[0], VG_SEL_CONTAINER, false);

	r = &s.v[0].rules[2];
	assert_int_equal(r->action.type, VG_ACT_KILL);
	assert_int_equal(r->action.signal, SIGKILL);
	assert_int_equal(r->n_selectors, 3);
	c = cond_of(&r->selectors[1], VG_SEL_SCORE, false);
	assert_true(c->scorecmps[0].value == 16.0);	/* integers as anywhere else */
	c = cond_of(&r->selectors[2], VG_SEL_SCORE, false);
	assert_int_equal(c->n_scorecmps, 2);
	assert_true(c->scorecmps[0].value == 0.0);
	vg_policy_set_release(&s);
}

/* alert, audit, kill, throttle, freeze, quarantine, release: not deny, drop
 * or ratelimit (an anomaly is reported after the fact). */
static void test_policy_anomaly_actions_are_those_on_a_live_process(void **state)
{
	static const char *const ok[] = {
		"alert", "audit", "kill", "{type: kill, signal: SIGSTOP}",
		"{type: throttle, cpuPercent: 5}", "freeze", "{type: freeze, duration: 30s}",
		"quarantine", "release",
	};
	static const char *const bad[] = { "deny", "drop", "{type: ratelimit, pps: 5}" };
	char doc[512];

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		struct vg_policy_set s;

		snprintf(doc, sizeof(doc), HEAD "  rules:\n    - name: r\n      kinds: [anomaly]\n"
			 "      action: %s\n", ok[i]);
		assert_int_equal(load(&s, doc), 0);
		assert_clean(&s);
		vg_policy_set_release(&s);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct vg_policy_set s;

		snprintf(doc, sizeof(doc), HEAD "  rules:\n    - name: r\n      kinds: [anomaly]\n"
			 "      action: %s\n", bad[i]);
		assert_int_equal(load(&s, doc), -EINVAL);
		assert_int_equal(s.n_diags, 1);
		assert_non_null(strstr(s.diags[0].msg, "is not possible for kind 'anomaly'"));
		vg_policy_set_release(&s);
	}
}

/* score, profile and reason only on anomaly rules, and never in allow lists;
 * process fields in anomaly rules; anomaly.* only in anomaly messages. */
static void test_policy_anomaly_fields_belong_to_kind_anomaly(void **state)
{
	static const struct {
		const char *rule, *want;	/* want: NULL for no error */
	} cases[] = {
		{ "kinds: [exec]\n      selectors: [{score: {gt: 1}}]",
		  "t.yaml:9:20: spec.rules[0].selectors[0].score: 'score' does not apply to "
		  "kind 'exec' (score applies to anomaly; put other kinds in a rule of their "
		  "own)\n" },
		{ "kinds: [anomaly, file]\n      selectors: [{profile: /x}]",
		  "t.yaml:9:20: spec.rules[0].selectors[0].profile: 'profile' does not apply to "
		  "kind 'file.open' (profile applies to anomaly; put other kinds in a rule of "
		  "their own)\n" },
		{ "kinds: [syscall]\n      selectors: [{syscall: bpf, notReason: {contains: [x]}}]",
		  "t.yaml:9:34: spec.rules[0].selectors[0].notReason: 'notReason' does not apply "
		  "to kind 'syscall' (reason applies to anomaly; put other kinds in a rule of "
		  "their own)\n" },
		{ "kinds: [anomaly]\n      selectors: [{uid: 0, notAncestors: {glob: [\"*/sshd\"]}, "
		  "cgroup: {prefix: [/system.slice/]}, comm: mysqld, args: {contains: [-x]}}]",
		  NULL },
		{ "kinds: [anomaly]\n      message: \"{kind} {anomaly.score} {anomaly.profile} "
		  "{anomaly.reasons} {anomaly.misses} {process.pid} {parent.exe}\"", NULL },
		{ "kinds: [anomaly, exec]\n      message: \"{anomaly.misses}\"",
		  "t.yaml:9:16: spec.rules[0].message: field '{anomaly.misses}' is not in 'exec' "
		  "events, which rule 'r' selects (it is in anomaly events)\n" },
		{ "kinds: [anomaly]\n      message: \"{anomaly.scor}\"",
		  "t.yaml:9:16: spec.rules[0].message: unknown field '{anomaly.scor}' in the "
		  "message (did you mean 'anomaly.score'?)\n" },
		{ "kinds: [anomaly]\n      message: \"{file.path}\"",
		  "t.yaml:9:16: spec.rules[0].message: field '{file.path}' is not in 'anomaly' "
		  "events, which rule 'r' selects (it is in file events)\n" },
	};
	char doc[1024];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct vg_policy_set s;
		char *d;

		snprintf(doc, sizeof(doc), HEAD "  rules:\n    - name: r\n      %s\n", cases[i].rule);
		load(&s, doc);
		d = diags(&s);
		if (strcmp(d, cases[i].want ? cases[i].want : ""))
			fail_msg("case %zu:\n  want: %s  got:  %s", i,
				 cases[i].want ? cases[i].want : "(nothing)\n", d);
		assert_int_equal(s.n, !cases[i].want);
		free(d);
		vg_policy_set_release(&s);
	}
}

static void test_policy_anomaly_in_allow_lists_is_unknown(void **state)
{
	struct vg_policy_set s;

	assert_int_equal(load(&s, HEAD "  allow:\n    - profile: /usr/sbin/mysqld\n"
			      "  rules:\n    - name: r\n      kinds: [anomaly]\n"), -EINVAL);
	assert_int_equal(s.n_diags, 1);
	assert_string_equal(s.diags[0].field, "spec.allow[0].profile");
	assert_non_null(strstr(s.diags[0].msg, "unknown field 'profile'"));
	vg_policy_set_release(&s);
}

static void test_policy_kind_names_and_anomaly(void **state)
{
	assert_string_equal(vg_policy_kind_name(VG_PK_ANOMALY), "anomaly");
	assert_string_equal(vg_policy_field_name(VG_SEL_SCORE), "score");
	assert_string_equal(vg_policy_field_name(VG_SEL_PROFILE), "profile");
	assert_string_equal(vg_policy_field_name(VG_SEL_REASON), "reason");
	for (int k = 0; k < VG_PK_MAX; k++)
		assert_string_not_equal(vg_policy_kind_name((enum vg_policy_kind)k), "?");
	for (int f = 0; f < VG_SEL_MAX; f++)
		assert_non_null(vg_policy_field_name((enum vg_policy_field)f));
	assert_string_equal(vg_policy_kind_name(VG_PK_MAX), "?");
}

static void test_policy_all_errors_are_reported_not_just_the_first(void **state)
{
	struct vg_policy_set s;

	assert_int_equal(load(&s, HEAD "  mode: x\n  severity: y\n  rules:\n"
			      "    - {name: r, kinds: [nope], action: nah}\n"), -EINVAL);
	assert_int_equal(s.n_diags, 4);
	vg_policy_set_release(&s);
}

static void test_policy_shipped_policies_pass(void **state)
{
	static const char *const dirs[] = { "policies", "policies/examples" };

	for (size_t i = 0; i < 2; i++) {
		struct vg_policy_set s;

		vg_policy_set_init(&s);
		assert_int_equal(vg_policy_load_path(&s, dirs[i]), 0);
		assert_clean(&s);
		assert_true(s.n >= 3);
		vg_policy_set_release(&s);
	}
}

static char *slurp(const char *path)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = fopen(path, "r"), *m;
	int ch;

	assert_non_null(f);
	m = open_memstream(&buf, &len);
	assert_non_null(m);
	while ((ch = fgetc(f)) != EOF)
		fputc(ch, m);
	fclose(f);
	fclose(m);
	return buf;
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Each X.yaml fails with exactly X.err (paths as the loader was given them). */
static void test_policy_malformed_corpus_gives_the_expected_errors(void **state)
{
	char cwd[4096], *names[256];
	size_t n = 0, failed = 0;
	struct dirent *de;
	DIR *d;

	assert_non_null(getcwd(cwd, sizeof(cwd)));
	assert_int_equal(chdir("tests/policy/malformed"), 0);
	d = opendir(".");
	assert_non_null(d);
	while ((de = readdir(d)) && n < 256) {
		size_t len = strlen(de->d_name);

		if (len > 5 && !strcmp(de->d_name + len - 5, ".yaml"))
			names[n++] = strdup(de->d_name);
	}
	closedir(d);
	qsort(names, n, sizeof(*names), cmp_names);
	assert_true(n >= 20);
	for (size_t i = 0; i < n; i++) {
		struct vg_policy_set s;
		char errname[512], *want, *got;

		snprintf(errname, sizeof(errname), "%.*s.err", (int)(strlen(names[i]) - 5), names[i]);
		want = slurp(errname);
		vg_policy_set_init(&s);
		if (vg_policy_load_path(&s, names[i]) == 0 || s.n_diags == 0) {
			fprintf(stderr, "%s: loaded without error\n", names[i]);
			failed++;
		}
		got = diags(&s);
		if (strcmp(want, got)) {
			fprintf(stderr, "%s:\n  want: %s  got:  %s", names[i], want, got);
			failed++;
		}
		free(want);
		free(got);
		free(names[i]);
		vg_policy_set_release(&s);
	}
	assert_int_equal(chdir(cwd), 0);
	assert_int_equal(failed, 0);
}

static void test_policy_missing_path_is_a_diagnostic(void **state)
{
	struct vg_policy_set s;

	vg_policy_set_init(&s);
	assert_int_equal(vg_policy_load_path(&s, "/nonexistent/p.yaml"), -ENOENT);
	assert_int_equal(s.n_diags, 1);
	assert_int_equal(s.diags[0].line, 0);
	assert_string_equal(s.diags[0].msg, "cannot read '/nonexistent/p.yaml': "
			    "No such file or directory");
	vg_policy_set_release(&s);
}

static void test_policy_deep_nesting_is_refused_not_recursed(void **state)
{
	char doc[4096];
	size_t off = 0;
	struct vg_policy_set s;

	for (int i = 0; i < 1000; i++)
		doc[off++] = '[';
	doc[off] = '\0';
	assert_int_equal(load(&s, doc), -EINVAL);
	assert_true(s.n_diags >= 1);
	vg_policy_set_release(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_policy_minimal_document_gets_the_defaults),
		cmocka_unit_test(test_policy_selectors_are_or_and_their_fields_and),
		cmocka_unit_test(test_policy_network_and_syscall_values_are_normalised),
		cmocka_unit_test(test_policy_actions_guardrails_and_rate_limits),
		cmocka_unit_test(test_policy_several_documents_and_one_bad_one),
		cmocka_unit_test(test_policy_anomaly_escalation_parses_score_profile_and_reason),
		cmocka_unit_test(test_policy_anomaly_actions_are_those_on_a_live_process),
		cmocka_unit_test(test_policy_anomaly_fields_belong_to_kind_anomaly),
		cmocka_unit_test(test_policy_anomaly_in_allow_lists_is_unknown),
		cmocka_unit_test(test_policy_kind_names_and_anomaly),
		cmocka_unit_test(test_policy_all_errors_are_reported_not_just_the_first),
		cmocka_unit_test(test_policy_shipped_policies_pass),
		cmocka_unit_test(test_policy_malformed_corpus_gives_the_expected_errors),
		cmocka_unit_test(test_policy_missing_path_is_a_diagnostic),
		cmocka_unit_test(test_policy_deep_nesting_is_refused_not_recursed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
