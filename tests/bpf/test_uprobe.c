// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * test_uprobe - the uprobe sensor and the CVE guard against the real kernel.
 *
 * The workload is build/tests/bpf/progs/guard_caller, which dlopen()s
 * build/tests/bpf/progs/libvgguard.so only after the test attached its
 * probes (so every test also proves that attaching by path covers a library
 * mapped later).  vg_guard_copy(dst, src, n) copies n bytes into a 30-byte
 * buffer followed by a canary; the buffer lives in a shared file mapping
 * (MARKER.victim), so the canary can be read after the caller died.
 */
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "harness.h"
#include "collect.h"
#include "sensor.h"
#include "uprobe.h"

#define CANARY "vigil-canary-ok"

static struct {
	char caller[4096];
	char lib[4096];
	char dir[64];
} fx;

/* build/tests/bpf/test_uprobe -> build/tests/bpf/progs/{guard_caller,libvgguard.so} */
static bool fixture(void)
{
	char self[4096];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	char *slash;

	if (!ASSERT_GE(n, 1, "readlink /proc/self/exe"))
		return false;
	self[n] = '\0';
	slash = strrchr(self, '/');
	snprintf(fx.caller, sizeof(fx.caller), "%.*s/progs/guard_caller", (int)(slash - self), self);
	snprintf(fx.lib, sizeof(fx.lib), "%.*s/progs/libvgguard.so", (int)(slash - self), self);
	if (!ASSERT_TRUE(access(fx.caller, X_OK) == 0 && access(fx.lib, R_OK) == 0,
			 "guard_caller and libvgguard.so are built (make integration)"))
		return false;
	snprintf(fx.dir, sizeof(fx.dir), "/tmp/vg-uprobe-XXXXXX");
	return ASSERT_OK_PTR(mkdtemp(fx.dir), "mkdtemp");
}

/* Remove the fixture's temporary directory and the files in it. */
static void fixture_release(void)
{
	DIR *d = opendir(fx.dir);
	struct dirent *e;

	if (!d)
		return;
	while ((e = readdir(d)))
		if (e->d_name[0] != '.')
			unlinkat(dirfd(d), e->d_name, 0);
	closedir(d);
	rmdir(fx.dir);
}

/* Run guard_caller with these arguments; returns its pid, *status its wait status. */
static pid_t run_caller(const char *mode, const char *a, const char *b, int *status)
{
	pid_t p = fork();

	if (p == 0) {
		int null = open("/dev/null", O_WRONLY);

		dup2(null, 1);
		execl(fx.caller, fx.caller, fx.lib, mode, a, b, (char *)NULL);
		_exit(127);
	}
	if (p > 0)
		waitpid(p, status, 0);
	return p;
}

static int start(struct collector *c)
{
	struct vg_sensor_opts so = { .sensors = VG_SENSOR_PROCESS | VG_SENSOR_UPROBE };

	return collector_start_sensor(c, &so);
}

static const struct vg_uprobe *uprobe_of(const struct got_event *g)
{
	return g->rec;
}

/* The uprobe event of `pid` with (or without) VG_UPROBE_RETURN. */
static struct got_event *find_uprobe(struct collector *c, uint32_t pid, bool ret, int timeout_ms)
{
	for (int waited = 0;; waited += 20) {
		for (size_t i = 0; i < c->n; i++) {
			const struct got_event *g = &c->ev[i];

			if (g->hdr->type == VG_EV_UPROBE && g->hdr->task.pid == pid &&
			    !(uprobe_of(g)->flags & VG_UPROBE_RETURN) == !ret)
				return &c->ev[i];
		}
		if (waited > timeout_ms || vg_agent_poll(&c->agent, 20) < 0)
			return NULL;
	}
}

/* Is the canary after the 30-byte buffer in MARKER.victim untouched? */
static bool canary_intact(const char *marker)
{
	char path[4096], buf[46];
	int fd, n;

	snprintf(path, sizeof(path), "%s.victim", marker);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return false;
	n = (int)read(fd, buf, sizeof(buf));
	close(fd);
	return n == (int)sizeof(buf) && !memcmp(buf + 30, CANARY, sizeof(CANARY));
}

/* An int, a string and the return value of vg_guard_greet(3, "hello"), with
 * the caller's process context. */
static void test_uprobe_trace_args_and_return(void)
{
	struct vg_uprobe_spec spec = { .symbol = "vg_guard_greet", .pid = -1, .ret = true };
	struct vg_up_sensor us;
	struct vg_uprobes ups;
	struct collector c;
	struct got_event *g;
	const struct vg_uprobe *u;
	int status = -1, id;
	pid_t p;

	if (!fixture())
		return;
	spec.path = fx.lib;
	spec.probe.n_args = 2;
	spec.probe.args[0] = (struct vg_up_arg_spec){ .index = 0, .kind = VG_UP_ARG_INT };
	spec.probe.args[1] = (struct vg_up_arg_spec){ .index = 1, .kind = VG_UP_ARG_STR, .max = 32 };
	if (!ASSERT_OK(start(&c), "agent start")) {
		fixture_release();
		return;
	}
	vg_uprobes_init(&ups);
	vg_sensor_uprobe(&c.agent.sensor, &us);
	id = vg_uprobes_attach(&ups, &us, &spec);
	if (!ASSERT_GE(id, 1, "attach vg_guard_greet"))
		goto cleanup;
	p = run_caller("greet", "3", "hello", &status);
	ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0, "caller exits 0");

	g = find_uprobe(&c, (uint32_t)p, false, 3000);
	if (!ASSERT_OK_PTR(g, "entry event (library dlopen()ed after attach)"))
		goto cleanup;
	u = uprobe_of(g);
	ASSERT_EQ(g->hdr->size, sizeof(*u), "hdr.size");
	ASSERT_EQ(g->hdr->task.pid, p, "task.pid");
	ASSERT_EQ(g->hdr->task.tid, p, "task.tid");
	ASSERT_EQ(g->hdr->task.ppid, getpid(), "task.ppid");
	ASSERT_EQ(g->hdr->task.uid, getuid(), "task.uid");
	ASSERT_STREQ(g->hdr->task.comm, "guard_caller", "task.comm");
	ASSERT_STREQ(g->exe, fx.caller, "exe");
	ASSERT_EQ(u->probe_id, id, "probe_id");
	ASSERT_STREQ(u->symbol, "vg_guard_greet", "symbol");
	ASSERT_EQ(u->flags, 0, "flags: entry, no guard");
	ASSERT_EQ(u->n_args, 2, "n_args");
	ASSERT_EQ(u->arg_kind[0], VG_UP_ARG_INT, "arg 0 kind");
	ASSERT_EQ(u->arg_index[0], 0, "arg 0 index");
	ASSERT_EQ(u->args[0], 3, "arg 0 value (times)");
	ASSERT_EQ(u->arg_kind[1], VG_UP_ARG_STR, "arg 1 kind");
	ASSERT_EQ(u->arg_index[1], 1, "arg 1 index");
	ASSERT_EQ(u->data_len[1], 5, "arg 1 length");
	ASSERT_TRUE(!memcmp(u->data[1], "hello", 5), "arg 1 string");
	ASSERT_STREQ(u->rule, "", "no rule");

	g = find_uprobe(&c, (uint32_t)p, true, 3000);
	if (!ASSERT_OK_PTR(g, "return event"))
		goto cleanup;
	u = uprobe_of(g);
	ASSERT_EQ(u->flags, VG_UPROBE_RETURN, "flags: return");
	ASSERT_EQ(u->ret, 15, "return value strlen(\"hello\") * 3");
	ASSERT_STREQ(u->symbol, "vg_guard_greet", "return symbol");
	ASSERT_EQ(u->n_args, 0, "no args at return");
cleanup:
	vg_uprobes_release(&ups);
	collector_stop(&c);
	fixture_release();
}

/* Without a guard the 40-byte copy overflows: the test can see it. */
static void test_uprobe_control_overflow_is_visible(void)
{
	char marker[128];
	int status = -1;

	if (!fixture())
		return;
	snprintf(marker, sizeof(marker), "%s/marker40", fx.dir);
	run_caller("copy", "40", marker, &status);
	ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 3, "caller reports the overflow");
	ASSERT_FALSE(canary_intact(marker), "canary overwritten without the guard");
	ASSERT_EQ(access(marker, F_OK), 0, "marker written");
	fixture_release();
}

/* The CVE guard: n (argument 2) > 30 kills the caller at the function's
 * entry; 30 bytes run normally. */
static void test_uprobe_guard_kills_before_body(void)
{
	struct vg_uprobe_spec spec = { .symbol = "vg_guard_copy", .pid = -1 };
	char m30[128], m40[128];
	struct vg_up_sensor us;
	struct vg_uprobes ups;
	struct collector c;
	struct got_event *g;
	const struct vg_uprobe *u;
	const char *why = NULL;
	int status = -1;
	pid_t p;

	if (!fixture())
		return;
	spec.path = fx.lib;
	spec.probe.n_args = 2;
	spec.probe.args[0] = (struct vg_up_arg_spec){ .index = 2, .kind = VG_UP_ARG_INT };
	spec.probe.args[1] = (struct vg_up_arg_spec){ .index = 1, .kind = VG_UP_ARG_BUF,
						      .len_index = 2, .max = 8 };
	if (!ASSERT_OK(vg_uprobe_parse_guard("2:gt:30", &spec.probe, &why), "parse guard")) {
		fixture_release();
		return;
	}
	spec.probe.flags = VG_UP_PROBE_KILL;
	spec.probe.rule_id = 7;
	snprintf(spec.probe.rule, sizeof(spec.probe.rule), "cve-test-guard");
	snprintf(m30, sizeof(m30), "%s/m30", fx.dir);
	snprintf(m40, sizeof(m40), "%s/m40", fx.dir);
	if (!ASSERT_OK(start(&c), "agent start")) {
		fixture_release();
		return;
	}
	vg_uprobes_init(&ups);
	vg_sensor_uprobe(&c.agent.sensor, &us);
	if (!ASSERT_GE(vg_uprobes_attach(&ups, &us, &spec), 1, "attach vg_guard_copy"))
		goto cleanup;

	/* 30 bytes: allowed, runs to the end */
	p = run_caller("copy", "30", m30, &status);
	ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0, "30 bytes: caller exits 0");
	ASSERT_EQ(access(m30, F_OK), 0, "30 bytes: marker written");
	ASSERT_TRUE(canary_intact(m30), "30 bytes: canary intact");
	g = find_uprobe(&c, (uint32_t)p, false, 3000);
	if (ASSERT_OK_PTR(g, "30 bytes: entry event")) {
		u = uprobe_of(g);
		ASSERT_EQ(u->flags, 0, "30 bytes: no guard, not killed");
		ASSERT_EQ(u->args[0], 30, "30 bytes: n");
		ASSERT_EQ(u->data_len[1], 8, "30 bytes: 8 bytes of src");
		ASSERT_TRUE(!memcmp(u->data[1], "AAAAAAAA", 8), "30 bytes: src bytes");
		ASSERT_STREQ(u->rule, "", "30 bytes: no rule");
	}

	/* 40 bytes: killed by SIGKILL before vg_guard_copy runs */
	p = run_caller("copy", "40", m40, &status);
	ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL, "40 bytes: SIGKILL");
	ASSERT_EQ(access(m40, F_OK), -1, "40 bytes: no marker (the call never returned)");
	ASSERT_TRUE(canary_intact(m40), "40 bytes: canary intact (the copy never ran)");
	g = find_uprobe(&c, (uint32_t)p, false, 3000);
	if (ASSERT_OK_PTR(g, "40 bytes: entry event")) {
		u = uprobe_of(g);
		ASSERT_EQ(u->flags, VG_UPROBE_GUARD | VG_UPROBE_KILLED, "40 bytes: guard, killed");
		ASSERT_EQ(u->rule_id, 7, "40 bytes: rule id");
		ASSERT_STREQ(u->rule, "cve-test-guard", "40 bytes: rule name");
		ASSERT_STREQ(u->symbol, "vg_guard_copy", "40 bytes: symbol");
		ASSERT_EQ(u->args[0], 40, "40 bytes: n");
		ASSERT_STREQ(g->hdr->task.comm, "guard_caller", "40 bytes: comm");
	}
cleanup:
	vg_uprobes_release(&ups);
	collector_stop(&c);
	fixture_release();
}

/* Audit: the guard only flags (no kill), and --guard-only drops other calls;
 * a string-length guard reads the string in the kernel. */
static void test_uprobe_guard_audit_strlen(void)
{
	struct vg_uprobe_spec spec = { .symbol = "vg_guard_greet", .pid = -1 };
	struct vg_up_sensor us;
	struct vg_uprobes ups;
	struct collector c;
	struct got_event *g;
	const char *why = NULL;
	int status = -1;
	pid_t short_p, long_p;

	if (!fixture())
		return;
	spec.path = fx.lib;
	if (!ASSERT_OK(vg_uprobe_parse_guard("1:strlen_gt:8", &spec.probe, &why), "parse guard")) {
		fixture_release();
		return;
	}
	spec.probe.flags = VG_UP_PROBE_QUIET;
	snprintf(spec.probe.rule, sizeof(spec.probe.rule), "long-name");
	if (!ASSERT_OK(start(&c), "agent start")) {
		fixture_release();
		return;
	}
	vg_uprobes_init(&ups);
	vg_sensor_uprobe(&c.agent.sensor, &us);
	if (!ASSERT_GE(vg_uprobes_attach(&ups, &us, &spec), 1, "attach vg_guard_greet"))
		goto cleanup;
	short_p = run_caller("greet", "1", "12345678", &status);
	ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0, "8 bytes: exits 0");
	long_p = run_caller("greet", "1", "123456789", &status);
	ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0, "9 bytes: audit, not killed");
	g = find_uprobe(&c, (uint32_t)long_p, false, 3000);
	if (ASSERT_OK_PTR(g, "9 bytes: flagged")) {
		ASSERT_EQ(uprobe_of(g)->flags, VG_UPROBE_GUARD, "9 bytes: guard, not killed");
		ASSERT_STREQ(uprobe_of(g)->rule, "long-name", "9 bytes: rule");
	}
	ASSERT_TRUE(find_uprobe(&c, (uint32_t)short_p, false, 0) == NULL,
		    "8 bytes: not reported (guard only)");
cleanup:
	vg_uprobes_release(&ups);
	collector_stop(&c);
	fixture_release();
}

static const struct vg_test tests[] = {
	VG_TEST(test_uprobe_trace_args_and_return),
	VG_TEST(test_uprobe_control_overflow_is_visible),
	VG_TEST(test_uprobe_guard_kills_before_body),
	VG_TEST(test_uprobe_guard_audit_strlen),
	{},
};

VG_TEST_MAIN(tests)
