// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * test_priv.c - the privilege sensor against the real kernel: children that
 * change their credentials with real syscalls (and a set-user-ID binary this
 * test builds), checked field by field against what the child itself saw in
 * /proc/self/status before and after each call; nothing lost, no pending
 * entry left behind.
 */
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <linux/capability.h>
#include <sys/fsuid.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include <bpf/bpf.h>

#include "harness.h"
#include "collect.h"
#include "vigil.skel.h"

#define CAP_NET_RAW_BIT 13
#define NOBODY 65534
#define NO_ID ((unsigned long)(uid_t)-1)	/* "unchanged", as the syscall gets it */

/* ---- credentials as the kernel shows them in /proc/<pid>/status ----------- */

/* Parse the Uid:, Gid:, CapInh:, CapPrm:, CapEff: lines; 0 or -EINVAL. */
static int creds_parse(const char *text, struct vg_creds *c)
{
	const char *l;
	unsigned long long v;
	int seen = 0;

	memset(c, 0, sizeof(*c));
	for (l = text; *l; l++) {
		seen += sscanf(l, "Uid: %u %u %u %u", &c->uid, &c->euid, &c->suid, &c->fsuid) == 4;
		seen += sscanf(l, "Gid: %u %u %u %u", &c->gid, &c->egid, &c->sgid, &c->fsgid) == 4;
		if (sscanf(l, "CapInh: %llx", &v) == 1)
			c->cap_inheritable = v, seen++;
		if (sscanf(l, "CapPrm: %llx", &v) == 1)
			c->cap_permitted = v, seen++;
		if (sscanf(l, "CapEff: %llx", &v) == 1)
			c->cap_effective = v, seen++;
		l = strchrnul(l, '\n');
		if (!*l)
			break;
	}
	return seen == 5 ? 0 : -EINVAL;
}

/*
 * In a child about to enter a new user namespace: /proc/self/status opened
 * beforehand.  The file shows ids as its opener's namespace maps them, so
 * they keep being the initial namespace's (what the sensor reports) instead
 * of the overflow id of an unmapped namespace.
 */
static int status_fd = -1;

static int creds_of_self(struct vg_creds *c)
{
	char buf[8192];
	ssize_t n;
	int fd = status_fd >= 0 ? status_fd : open("/proc/self/status", O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	n = pread(fd, buf, sizeof(buf) - 1, 0);
	if (fd != status_fd)
		close(fd);
	if (n <= 0)
		return -EIO;
	buf[n] = '\0';
	return creds_parse(buf, c);
}

static void assert_creds_eq(const struct vg_creds *got, const struct vg_creds *want,
			    const char *which)
{
	char what[64];

#define CHECK_FIELD(f) \
	(snprintf(what, sizeof(what), "%s " #f, which), ASSERT_EQ(got->f, want->f, what))
	CHECK_FIELD(uid);
	CHECK_FIELD(gid);
	CHECK_FIELD(euid);
	CHECK_FIELD(egid);
	CHECK_FIELD(suid);
	CHECK_FIELD(sgid);
	CHECK_FIELD(fsuid);
	CHECK_FIELD(fsgid);
	CHECK_FIELD(cap_effective);
	CHECK_FIELD(cap_permitted);
	CHECK_FIELD(cap_inheritable);
#undef CHECK_FIELD
}

/* ---- children that change credentials, one recorded step at a time ------- */

/* What the child saw around one syscall (in memory shared with the parent). */
struct step {
	long nr;
	unsigned long args[3];
	long ret;			/* as the kernel returned it: value or -errno */
	struct vg_creds before, after;
	int ok;				/* both snapshots read */
};

struct steps {
	int n;
	struct step s[8];
};

static struct steps *steps_map(void)
{
	void *p = mmap(NULL, sizeof(struct steps), PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

/* In the child: one raw syscall, with the credentials around it. */
static long step_run(struct steps *st, long nr, unsigned long a0, unsigned long a1,
		     unsigned long a2)
{
	struct step *s = &st->s[st->n++];

	s->nr = nr;
	s->args[0] = a0;
	s->args[1] = a1;
	s->args[2] = a2;
	s->ok = !creds_of_self(&s->before);
	s->ret = syscall(nr, a0, a1, a2);
	if (s->ret == -1 && nr != SYS_setfsuid && nr != SYS_setfsgid)
		s->ret = -errno;
	s->ok = s->ok && !creds_of_self(&s->after);
	return s->ret;
}

static int wait_status(pid_t pid)
{
	int st = -1;

	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	return st;
}

/* The pending entry of thread `tid` is gone (no leak in vg_priv_pending). */
static void assert_no_pending(struct collector *c, uint32_t tid)
{
	struct vg_priv p;
	int fd = bpf_map__fd(c->agent.sensor.skel->maps.vg_priv_pending);

	ASSERT_TRUE(bpf_map_lookup_elem(fd, &tid, &p) && errno == ENOENT, "pending entry deleted");
}

static void assert_no_loss(struct collector *c)
{
	struct vg_agent_stats st;

	ASSERT_OK(vg_agent_read_stats(&c->agent, &st), "read stats");
	for (int r = 0; r < VG_LOSS_MAX; r++)
		ASSERT_EQ(st.kernel.lost[r], 0, vg_loss_reason_name(r));
	ASSERT_EQ(st.decode_errors, 0, "decode errors");
	for (int t = 1; t < VG_EV_TYPE_MAX; t++)
		ASSERT_LE(st.received[t], st.kernel.sent[t], "received <= sent");
}

/* The i-th priv event about `pid`, waiting up to timeout_ms for it. */
static struct got_event *priv_nth(struct collector *c, uint32_t pid, size_t i, int timeout_ms)
{
	if (!collector_wait(c, VG_EV_PRIV, pid, timeout_ms))
		return NULL;
	for (int tries = 0; tries <= timeout_ms / 20; tries++) {
		size_t k = 0;

		for (size_t j = 0; j < c->n; j++)
			if (c->ev[j].hdr->type == VG_EV_PRIV && c->ev[j].hdr->task.pid == pid &&
			    k++ == i)
				return &c->ev[j];
		if (vg_agent_poll(&c->agent, 20) < 0)
			return NULL;
	}
	return NULL;
}

/* Every field of a set*id/capset event against the step the child recorded. */
static void assert_priv_step(const struct got_event *g, pid_t child, uint16_t op,
			     const struct step *s)
{
	const struct vg_priv *p = g->rec;
	const struct vg_task_ctx *t = &g->hdr->task;

	ASSERT_TRUE(s->ok, "child read its credentials");
	ASSERT_EQ(g->hdr->version, VG_PRIV_VERSION, "version");
	ASSERT_EQ(g->hdr->size, sizeof(struct vg_priv), "size");
	ASSERT_EQ(p->op, op, "op");
	ASSERT_EQ(p->syscall, s->nr, "syscall nr");
	ASSERT_EQ(p->result, s->ret, "result");
	for (int i = 0; i < 3; i++)
		ASSERT_EQ(p->args[i], s->args[i], "arg");
	ASSERT_EQ(p->_pad, 0, "pad");
	assert_creds_eq(&p->old, &s->before, "old");
	assert_creds_eq(&p->new, &s->after, "new");
	/* header: who, with the credentials after the call */
	ASSERT_EQ(t->pid, child, "pid");
	ASSERT_EQ(t->tid, child, "tid");
	ASSERT_EQ(t->ppid, getpid(), "ppid");
	ASSERT_EQ(t->uid, s->after.uid, "header uid (new)");
	ASSERT_EQ(t->euid, s->after.euid, "header euid (new)");
	ASSERT_EQ(t->gid, s->after.gid, "header gid (new)");
	ASSERT_EQ(t->egid, s->after.egid, "header egid (new)");
	ASSERT_EQ(t->loginuid, self_loginuid(), "loginuid unchanged");
	ASSERT_STREQ(t->comm, "test_priv", "comm");
	ASSERT_NEQ(t->start_ns, 0, "start time");
}

/*
 * Fork a root child that runs `body` (which records steps), wait for it,
 * and collect one priv event per step.  Returns the child's pid, or -1.
 */
static pid_t run_child(struct collector *c, struct steps *st, void (*body)(struct steps *))
{
	pid_t pid;

	memset(st, 0, sizeof(*st));
	pid = fork();
	if (pid == 0) {
		body(st);
		_exit(0);
	}
	if (!ASSERT_GE(pid, 1, "fork"))
		return -1;
	ASSERT_EQ(wait_status(pid), 0, "child exit status");
	return pid;
}

/* ---- tests ---------------------------------------------------------------- */

static void body_setresuid(struct steps *st)
{
	step_run(st, SYS_setresuid, 1000, 1001, 1002);
}

/* root -> setresuid(1000, 1001, 1002): all three ids change, caps are dropped. */
static void test_setresuid(void)
{
	struct steps *st = steps_map();
	struct vg_creds self;
	struct collector c;
	struct got_event *g;
	pid_t pid;

	if (!ASSERT_OK_PTR(st, "mmap"))
		return;
	if (!ASSERT_OK(creds_of_self(&self), "own creds") ||
	    !ASSERT_OK(collector_start(&c, VG_BACKEND_AUTO), "start agent"))
		goto unmap;
	pid = run_child(&c, st, body_setresuid);
	g = pid > 0 ? priv_nth(&c, pid, 0, 3000) : NULL;
	if (ASSERT_OK_PTR(g, "priv event")) {
		const struct vg_priv *p = g->rec;

		ASSERT_EQ(st->n, 1, "steps");
		assert_priv_step(g, pid, VG_PRIV_SETRESUID, &st->s[0]);
		ASSERT_EQ(p->syscall, __NR_setresuid, "syscall is setresuid");
		ASSERT_EQ(p->result, 0, "succeeded");
		ASSERT_EQ(p->args[0], 1000, "ruid requested");
		ASSERT_EQ(p->args[1], 1001, "euid requested");
		ASSERT_EQ(p->args[2], 1002, "suid requested");
		ASSERT_TRUE(!p->old.uid && !p->old.euid && !p->old.suid && !p->old.fsuid &&
			    !p->old.gid && !p->old.egid && !p->old.sgid && !p->old.fsgid,
			    "old ids all root");
		assert_creds_eq(&p->old, &self, "old (inherited from the test)");
		ASSERT_EQ(p->new.uid, 1000, "new uid");
		ASSERT_EQ(p->new.euid, 1001, "new euid");
		ASSERT_EQ(p->new.suid, 1002, "new suid");
		ASSERT_EQ(p->new.fsuid, 1001, "new fsuid follows euid");
		ASSERT_EQ(p->new.gid, 0, "gid unchanged");
		ASSERT_EQ(p->new.cap_effective, 0, "no root uid left: effective caps cleared");
		ASSERT_EQ(p->new.cap_permitted, 0, "permitted caps cleared");
		ASSERT_EQ(g->hdr->task.uid, 1000, "header uid is the new one");
		ASSERT_EQ(g->hdr->task.euid, 1001, "header euid is the new one");
	}
	if (pid > 0) {
		ASSERT_EQ(collector_count(&c, VG_EV_PRIV, pid), 1, "one priv event");
		assert_no_pending(&c, pid);
	}
	assert_no_loss(&c);
	collector_stop(&c);
unmap:
	munmap(st, sizeof(*st));
}

static void body_setuid_refused(struct steps *st)
{
	if (step_run(st, SYS_setuid, NOBODY, 0, 0) == 0)
		step_run(st, SYS_setuid, 0, 0, 0);
}

/* nobody tries setuid(0): reported with -EPERM, credentials unchanged. */
static void test_setuid_refused(void)
{
	struct steps *st = steps_map();
	struct collector c;
	struct got_event *g0, *g1;
	pid_t pid;

	if (!ASSERT_OK_PTR(st, "mmap"))
		return;
	if (!ASSERT_OK(collector_start(&c, VG_BACKEND_AUTO), "start agent"))
		goto unmap;
	pid = run_child(&c, st, body_setuid_refused);
	g0 = pid > 0 ? priv_nth(&c, pid, 0, 3000) : NULL;
	g1 = pid > 0 ? priv_nth(&c, pid, 1, 3000) : NULL;
	ASSERT_EQ(st->n, 2, "steps");
	if (ASSERT_OK_PTR(g0, "setuid(65534) event")) {
		const struct vg_priv *p = g0->rec;

		assert_priv_step(g0, pid, VG_PRIV_SETUID, &st->s[0]);
		ASSERT_EQ(p->syscall, __NR_setuid, "syscall is setuid");
		ASSERT_EQ(p->result, 0, "root may");
		ASSERT_TRUE(p->new.uid == NOBODY && p->new.euid == NOBODY &&
			    p->new.suid == NOBODY && p->new.fsuid == NOBODY, "all uids nobody");
	}
	if (ASSERT_OK_PTR(g1, "setuid(0) event")) {
		const struct vg_priv *p = g1->rec;

		assert_priv_step(g1, pid, VG_PRIV_SETUID, &st->s[1]);
		ASSERT_EQ(p->result, -EPERM, "refused");
		ASSERT_EQ(p->args[0], 0, "root requested");
		assert_creds_eq(&p->new, &p->old, "unchanged");
		ASSERT_EQ(p->new.euid, NOBODY, "still nobody");
		ASSERT_EQ(g1->hdr->task.uid, NOBODY, "header uid");
	}
	if (pid > 0) {
		ASSERT_EQ(collector_count(&c, VG_EV_PRIV, pid), 2, "two priv events");
		assert_no_pending(&c, pid);
	}
	assert_no_loss(&c);
	collector_stop(&c);
unmap:
	munmap(st, sizeof(*st));
}

static void body_gid_fs(struct steps *st)
{
	step_run(st, SYS_setgid, 1234, 0, 0);
	step_run(st, SYS_setregid, 2000, 2001, 0);
	step_run(st, SYS_setresgid, NO_ID, NO_ID, 2002);
	step_run(st, SYS_setfsgid, 4444, 0, 0);
	step_run(st, SYS_setfsuid, 4321, 0, 0);
	step_run(st, SYS_setfsuid, 4322, 0, 0);
	step_run(st, SYS_setreuid, NO_ID, 3000, 0);
}

/* The rest of the family, with setfsuid's "previous value" result. */
static void test_setgid_setregid_setfs(void)
{
	static const uint16_t ops[] = {
		VG_PRIV_SETGID, VG_PRIV_SETREGID, VG_PRIV_SETRESGID, VG_PRIV_SETFSGID,
		VG_PRIV_SETFSUID, VG_PRIV_SETFSUID, VG_PRIV_SETREUID,
	};
	const int n = sizeof(ops) / sizeof(ops[0]);
	struct steps *st = steps_map();
	struct got_event *g[7] = {};
	struct collector c;
	pid_t pid;

	if (!ASSERT_OK_PTR(st, "mmap"))
		return;
	if (!ASSERT_OK(collector_start(&c, VG_BACKEND_AUTO), "start agent"))
		goto unmap;
	pid = run_child(&c, st, body_gid_fs);
	ASSERT_EQ(st->n, n, "steps");
	for (int i = 0; pid > 0 && i < n; i++) {
		g[i] = priv_nth(&c, pid, i, 3000);
		if (ASSERT_OK_PTR(g[i], "priv event"))
			assert_priv_step(g[i], pid, ops[i], &st->s[i]);
	}
	if (g[0]) {
		const struct vg_priv *p = g[0]->rec;

		ASSERT_EQ(p->syscall, __NR_setgid, "setgid nr");
		ASSERT_TRUE(p->new.gid == 1234 && p->new.egid == 1234 && p->new.sgid == 1234 &&
			    p->new.fsgid == 1234, "setgid: all gids");
	}
	if (g[1]) {
		const struct vg_priv *p = g[1]->rec;

		ASSERT_EQ(p->syscall, __NR_setregid, "setregid nr");
		ASSERT_EQ(p->new.gid, 2000, "setregid: rgid");
		ASSERT_EQ(p->new.egid, 2001, "setregid: egid");
		ASSERT_EQ(p->new.sgid, 2001, "setregid: sgid follows egid");
	}
	if (g[2]) {
		const struct vg_priv *p = g[2]->rec;

		ASSERT_EQ(p->syscall, __NR_setresgid, "setresgid nr");
		ASSERT_EQ(p->args[0], (uint32_t)-1, "-1 passed as is");
		ASSERT_EQ(p->new.sgid, 2002, "setresgid: sgid");
		ASSERT_EQ(p->new.egid, 2001, "setresgid: egid unchanged");
	}
	if (g[3]) {
		const struct vg_priv *p = g[3]->rec;

		ASSERT_EQ(p->syscall, __NR_setfsgid, "setfsgid nr");
		ASSERT_EQ(p->result, 2001, "setfsgid returns the previous fsgid");
		ASSERT_EQ(p->new.fsgid, 4444, "new fsgid");
	}
	if (g[4] && g[5]) {
		const struct vg_priv *p4 = g[4]->rec, *p5 = g[5]->rec;

		ASSERT_EQ(p4->syscall, __NR_setfsuid, "setfsuid nr");
		ASSERT_EQ(p4->result, 0, "setfsuid returns the previous fsuid (0)");
		ASSERT_EQ(p4->new.fsuid, 4321, "new fsuid");
		ASSERT_EQ(p4->new.euid, 0, "euid unchanged");
		ASSERT_TRUE(p4->new.cap_effective != p4->old.cap_effective &&
			    (p4->new.cap_effective & ~p4->old.cap_effective) == 0,
			    "non-root fsuid drops the file-system caps");
		ASSERT_EQ(p5->result, 4321, "second setfsuid returns 4321");
		ASSERT_EQ(p5->new.fsuid, 4322, "newer fsuid");
	}
	if (g[6]) {
		const struct vg_priv *p = g[6]->rec;

		ASSERT_EQ(p->syscall, __NR_setreuid, "setreuid nr");
		ASSERT_EQ(p->new.uid, 0, "setreuid: ruid unchanged");
		ASSERT_EQ(p->new.euid, 3000, "setreuid: euid");
		ASSERT_EQ(p->new.cap_effective, 0, "non-root euid: no effective caps");
		ASSERT_EQ(p->new.cap_permitted, p->old.cap_permitted, "root ruid keeps permitted");
	}
	if (pid > 0) {
		ASSERT_EQ(collector_count(&c, VG_EV_PRIV, pid), n, "one event per call");
		assert_no_pending(&c, pid);
	}
	assert_no_loss(&c);
	collector_stop(&c);
unmap:
	munmap(st, sizeof(*st));
}

static struct __user_cap_header_struct cap_hdr;
static struct __user_cap_data_struct cap_data[_LINUX_CAPABILITY_U32S_3];

static void body_capset(struct steps *st)
{
	cap_hdr.version = _LINUX_CAPABILITY_VERSION_3;
	cap_hdr.pid = 0;
	if (syscall(SYS_capget, &cap_hdr, cap_data))
		_exit(2);
	cap_data[0].effective &= ~(1u << CAP_NET_RAW_BIT);
	step_run(st, SYS_capset, (unsigned long)&cap_hdr, (unsigned long)cap_data, 0);
}

/* capset drops CAP_NET_RAW from the effective set. */
static void test_capset_drop_net_raw(void)
{
	struct steps *st = steps_map();
	struct collector c;
	struct got_event *g;
	pid_t pid;

	if (!ASSERT_OK_PTR(st, "mmap"))
		return;
	if (!ASSERT_OK(collector_start(&c, VG_BACKEND_AUTO), "start agent"))
		goto unmap;
	pid = run_child(&c, st, body_capset);
	g = pid > 0 ? priv_nth(&c, pid, 0, 3000) : NULL;
	ASSERT_EQ(st->n, 1, "steps");
	if (ASSERT_OK_PTR(g, "priv event")) {
		const struct vg_priv *p = g->rec;

		assert_priv_step(g, pid, VG_PRIV_CAPSET, &st->s[0]);
		ASSERT_EQ(p->syscall, __NR_capset, "syscall is capset");
		ASSERT_EQ(p->result, 0, "succeeded");
		ASSERT_EQ(p->args[0], (uintptr_t)&cap_hdr, "header pointer");
		ASSERT_EQ(p->args[1], (uintptr_t)cap_data, "data pointer");
		ASSERT_TRUE(p->old.cap_effective & (1ull << CAP_NET_RAW_BIT), "old has CAP_NET_RAW");
		ASSERT_FALSE(p->new.cap_effective & (1ull << CAP_NET_RAW_BIT), "new lacks CAP_NET_RAW");
		ASSERT_EQ(p->new.cap_effective, p->old.cap_effective & ~(1ull << CAP_NET_RAW_BIT),
			  "only CAP_NET_RAW dropped");
		ASSERT_EQ(p->new.cap_permitted, p->old.cap_permitted, "permitted unchanged");
		ASSERT_EQ(p->new.euid, 0, "still root");
	}
	if (pid > 0)
		assert_no_pending(&c, pid);
	assert_no_loss(&c);
	collector_stop(&c);
unmap:
	munmap(st, sizeof(*st));
}

/* ---- any syscall (--all-syscalls) ----------------------------------------- */

/* capset drops CAP_NET_RAW (reported as capset), then unshare(CLONE_NEWUSER)
 * installs new credentials with every capability (in the new namespace). */
static void body_unshare_userns(struct steps *st)
{
	status_fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC);
	if (status_fd < 0)
		_exit(2);
	body_capset(st);
	step_run(st, SYS_unshare, CLONE_NEWUSER, 0, 0);
}

/* The child's priv events of op `op`. */
static size_t count_op(struct collector *c, pid_t pid, uint16_t op)
{
	size_t n = 0;

	for (size_t i = 0; i < c->n; i++)
		n += c->ev[i].hdr->type == VG_EV_PRIV && c->ev[i].hdr->task.pid == (uint32_t)pid &&
		     ((const struct vg_priv *)c->ev[i].rec)->op == op;
	return n;
}

/* Run `body` in a child; wait for its exit event (sent after all else it caused). */
static pid_t run_child_to_exit(struct collector *c, struct steps *st, void (*body)(struct steps *))
{
	pid_t pid = run_child(c, st, body);

	if (pid > 0)
		ASSERT_OK_PTR(collector_wait(c, VG_EV_EXIT, pid, 3000), "exit event");
	return pid;
}

/* Without --all-syscalls: the programs and their map are not even loaded,
 * and an unshare(CLONE_NEWUSER) goes unreported. */
static void test_other_off_by_default(void)
{
	struct steps *st = steps_map();
	struct collector c;
	pid_t pid;

	if (!ASSERT_OK_PTR(st, "mmap"))
		return;
	if (!ASSERT_OK(collector_start(&c, VG_BACKEND_AUTO), "start agent"))
		goto unmap;
	ASSERT_TRUE(bpf_program__fd(c.agent.sensor.skel->progs.vg_priv_anysys_enter) < 0,
		    "enter program not loaded");
	ASSERT_TRUE(bpf_program__fd(c.agent.sensor.skel->progs.vg_priv_anysys_exit) < 0,
		    "exit program not loaded");
	ASSERT_TRUE(bpf_map__fd(c.agent.sensor.skel->maps.vg_priv_anysys) < 0, "map not created");
	pid = run_child_to_exit(&c, st, body_unshare_userns);
	ASSERT_EQ(st->n, 2, "steps");
	ASSERT_EQ(st->s[1].ret, 0, "unshare(CLONE_NEWUSER) succeeded");
	if (pid > 0) {
		ASSERT_EQ(count_op(&c, pid, VG_PRIV_CAPSET), 1, "capset reported");
		ASSERT_EQ(count_op(&c, pid, VG_PRIV_OTHER), 0, "no 'other' event");
		ASSERT_EQ(collector_count(&c, VG_EV_PRIV, pid), 1, "one priv event");
	}
	assert_no_loss(&c);
	collector_stop(&c);
unmap:
	munmap(st, sizeof(*st));
}

static void check_other_unshare(enum vg_attach_backend backend)
{
	const struct vg_sensor_opts so = { .backend = backend, .priv_all_syscalls = true };
	struct steps *st = steps_map();
	struct collector c;
	struct got_event *g;
	pid_t pid;

	if (!ASSERT_OK_PTR(st, "mmap"))
		return;
	if (!ASSERT_OK(collector_start_sensor(&c, &so), "start agent --all-syscalls"))
		goto unmap;
	ASSERT_EQ(c.agent.sensor.backend, backend, "backend in use");
	ASSERT_GE(bpf_program__fd(c.agent.sensor.skel->progs.vg_priv_anysys_enter), 0,
		  "enter program loaded");

	/* capset (its own event, not a second 'other'), then unshare */
	pid = run_child_to_exit(&c, st, body_unshare_userns);
	ASSERT_EQ(st->n, 2, "steps");
	g = pid > 0 ? priv_nth(&c, pid, 0, 3000) : NULL;
	if (ASSERT_OK_PTR(g, "capset event"))
		assert_priv_step(g, pid, VG_PRIV_CAPSET, &st->s[0]);
	g = pid > 0 ? priv_nth(&c, pid, 1, 3000) : NULL;
	if (ASSERT_OK_PTR(g, "unshare event")) {
		const struct vg_priv *p = g->rec;
		const struct step *s = &st->s[1];
		const struct vg_task_ctx *t = &g->hdr->task;

		ASSERT_TRUE(s->ok, "child read its credentials");
		ASSERT_EQ(g->hdr->version, VG_PRIV_VERSION, "version");
		ASSERT_EQ(g->hdr->size, sizeof(struct vg_priv), "size");
		ASSERT_EQ(p->op, VG_PRIV_OTHER, "op other");
		ASSERT_EQ(p->syscall, __NR_unshare, "syscall is unshare");
		ASSERT_EQ(p->result, 0, "succeeded");
		ASSERT_EQ(s->ret, 0, "child saw success");
		ASSERT_TRUE(!p->args[0] && !p->args[1] && !p->args[2], "no args");
		ASSERT_EQ(p->_pad, 0, "pad");
		assert_creds_eq(&p->old, &s->before, "old");
		assert_creds_eq(&p->new, &s->after, "new");
		ASSERT_FALSE(p->old.cap_effective & (1ull << CAP_NET_RAW_BIT),
			     "old lacks CAP_NET_RAW (dropped by capset)");
		ASSERT_TRUE(p->new.cap_effective & (1ull << CAP_NET_RAW_BIT),
			    "new user namespace: every capability");
		ASSERT_EQ(p->new.euid, 0, "ids unchanged (as the initial namespace sees them)");
		ASSERT_EQ(t->pid, pid, "pid");
		ASSERT_EQ(t->tid, pid, "tid");
		ASSERT_EQ(t->ppid, getpid(), "ppid");
		ASSERT_STREQ(t->comm, "test_priv", "comm");
	}
	if (pid > 0) {
		ASSERT_EQ(count_op(&c, pid, VG_PRIV_CAPSET), 1, "one capset event");
		ASSERT_EQ(count_op(&c, pid, VG_PRIV_OTHER), 1, "one 'other' event");
		ASSERT_EQ(collector_count(&c, VG_EV_PRIV, pid), 2, "two priv events");
	}

	/* setresuid: only its own event */
	pid = run_child_to_exit(&c, st, body_setresuid);
	g = pid > 0 ? priv_nth(&c, pid, 0, 3000) : NULL;
	if (ASSERT_OK_PTR(g, "setresuid event"))
		assert_priv_step(g, pid, VG_PRIV_SETRESUID, &st->s[0]);
	if (pid > 0) {
		ASSERT_EQ(collector_count(&c, VG_EV_PRIV, pid), 1, "setresuid: one priv event");
		ASSERT_EQ(count_op(&c, pid, VG_PRIV_OTHER), 0, "setresuid: no 'other' event");
		assert_no_pending(&c, pid);
	}
	/* the test itself changed nothing */
	ASSERT_EQ(collector_count(&c, VG_EV_PRIV, getpid()), 0, "no event about the test");
	assert_no_loss(&c);
	collector_stop(&c);
unmap:
	munmap(st, sizeof(*st));
}

static void test_other_unshare_tp_btf(void)
{
	check_other_unshare(VG_BACKEND_TP_BTF);
}

static void test_other_unshare_raw_tp(void)
{
	check_other_unshare(VG_BACKEND_RAW_TP);
}

/* ---- exec ------------------------------------------------------------------ */

static int copy_file(const char *from, const char *to, mode_t mode)
{
	char buf[65536];
	ssize_t n = 0;
	int in = open(from, O_RDONLY | O_CLOEXEC);
	int out = open(to, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
	int err = in < 0 || out < 0 ? -errno : 0;

	while (!err && (n = read(in, buf, sizeof(buf))) > 0)
		if (write(out, buf, n) != n)
			err = -EIO;
	if (!err && n < 0)
		err = -errno;
	if (in >= 0)
		close(in);
	if (out >= 0)
		close(out);
	return err;
}

/* A temp dir on a file system that honours set-user-ID bits; 0, -ENOENT if none. */
static int suid_tmpdir(char *dir, size_t len)
{
	char exe[PATH_MAX], *slash;
	const char *cand[3] = { "/tmp", "/var/tmp", exe };
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	exe[n > 0 ? n : 0] = '\0';
	slash = strrchr(exe, '/');
	if (slash)
		*slash = '\0';
	for (int i = 0; i < 3; i++) {
		struct statvfs sv;

		if (!*cand[i] || statvfs(cand[i], &sv) || (sv.f_flag & ST_NOSUID))
			continue;
		snprintf(dir, len, "%s/vigil-priv-XXXXXX", cand[i]);
		if (mkdtemp(dir))
			return 0;
	}
	return -ENOENT;
}

/* Run `path` with `arg`, its stdout into *out (NUL-terminated); the pid. */
static pid_t run_capture(const char *path, const char *argv0, const char *arg, char *out,
			 size_t len, int *status)
{
	size_t got = 0;
	ssize_t n;
	int fds[2];
	pid_t pid;

	*status = -1;
	out[0] = '\0';
	if (pipe(fds))
		return -1;
	pid = fork();
	if (pid == 0) {
		dup2(fds[1], 1);
		close(fds[0]);
		close(fds[1]);
		execl(path, argv0, arg, (char *)NULL);
		_exit(127);
	}
	close(fds[1]);
	while (pid > 0 && got < len - 1 && (n = read(fds[0], out + got, len - 1 - got)) > 0)
		got += n;
	out[got] = '\0';
	close(fds[0]);
	if (pid > 0)
		*status = wait_status(pid);
	return pid;
}

/*
 * A root child execs a set-user-ID copy of cat owned by nobody, which
 * prints its own /proc/self/status: the event's new credentials must be
 * exactly those.  Then plain and failing execs, which must not report.
 */
static void check_exec_setuid(enum vg_attach_backend backend)
{
	char dir[PATH_MAX], bin[PATH_MAX + 32], out[8192];
	char *true_argv[] = { "/bin/true", NULL };
	struct vg_creds self, seen;
	struct collector c;
	struct got_event *g;
	pid_t pid;
	int status;

	if (!ASSERT_OK(creds_of_self(&self), "own creds"))
		return;
	if (suid_tmpdir(dir, sizeof(dir))) {
		test__skip("every candidate temp dir is on a nosuid file system");
		return;
	}
	snprintf(bin, sizeof(bin), "%s/vg-suid-cat", dir);
	if (!ASSERT_OK(copy_file("/bin/cat", bin, 0755), "copy /bin/cat") ||
	    !ASSERT_OK(chown(bin, NOBODY, NOBODY), "chown nobody") ||
	    !ASSERT_OK(chmod(bin, 04755), "chmod u+s"))
		goto cleanup;
	if (!ASSERT_OK(collector_start(&c, backend), "start agent"))
		goto cleanup;
	ASSERT_EQ(c.agent.sensor.backend, backend, "backend in use");

	/* set-user-ID exec: reported, with the credentials cat saw */
	pid = run_capture(bin, "vg-suid-cat", "/proc/self/status", out, sizeof(out), &status);
	ASSERT_EQ(status, 0, "suid cat ran");
	ASSERT_OK(creds_parse(out, &seen), "parse cat's status");
	g = pid > 0 ? priv_nth(&c, pid, 0, 3000) : NULL;
	if (ASSERT_OK_PTR(g, "priv exec event")) {
		const struct vg_priv *p = g->rec;
		const struct vg_task_ctx *t = &g->hdr->task;

		ASSERT_EQ(g->hdr->version, VG_PRIV_VERSION, "version");
		ASSERT_EQ(g->hdr->size, sizeof(struct vg_priv), "size");
		ASSERT_EQ(p->op, VG_PRIV_EXEC, "op");
		ASSERT_EQ(p->syscall, __NR_execve, "syscall is execve");
		ASSERT_EQ(p->result, 0, "result");
		ASSERT_TRUE(!p->args[0] && !p->args[1] && !p->args[2], "no args");
		assert_creds_eq(&p->old, &self, "old");
		assert_creds_eq(&p->new, &seen, "new");
		ASSERT_EQ(p->old.euid, 0, "old euid root");
		ASSERT_EQ(p->new.euid, NOBODY, "new euid nobody");
		ASSERT_EQ(p->new.suid, NOBODY, "new suid nobody");
		ASSERT_EQ(p->new.uid, 0, "real uid still root");
		ASSERT_EQ(t->pid, pid, "pid");
		ASSERT_EQ(t->tid, pid, "tid");
		ASSERT_EQ(t->ppid, getpid(), "ppid");
		ASSERT_EQ(t->uid, 0, "header uid");
		ASSERT_EQ(t->euid, NOBODY, "header euid is the new one");
		ASSERT_EQ(t->loginuid, self_loginuid(), "loginuid");
		ASSERT_STREQ(t->comm, "vg-suid-cat", "comm of the new image");
	}
	if (pid > 0) {
		ASSERT_EQ(collector_count(&c, VG_EV_PRIV, pid), 1, "one priv event");
		assert_no_pending(&c, pid);
	}

	/* plain exec: no credential change, no event */
	pid = fork();
	if (pid == 0) {
		execv(true_argv[0], true_argv);
		_exit(127);
	}
	ASSERT_EQ(wait_status(pid), 0, "true ran");
	/* the exit event is sent after anything exec could have sent */
	ASSERT_OK_PTR(collector_wait(&c, VG_EV_EXIT, pid, 3000), "exit event of true");
	ASSERT_EQ(collector_count(&c, VG_EV_PRIV, pid), 0, "plain exec: no priv event");
	assert_no_pending(&c, pid);

	/* failed exec: no event, and the entry is not leaked */
	pid = fork();
	if (pid == 0) {
		execv("/nonexistent/vigil-priv", true_argv);
		_exit(errno == ENOENT ? 3 : 4);
	}
	ASSERT_EQ(WEXITSTATUS(wait_status(pid)), 3, "exec failed with ENOENT");
	ASSERT_OK_PTR(collector_wait(&c, VG_EV_EXIT, pid, 3000), "exit event after failed exec");
	ASSERT_EQ(collector_count(&c, VG_EV_PRIV, pid), 0, "failed exec: no priv event");
	assert_no_pending(&c, pid);

	assert_no_loss(&c);
	collector_stop(&c);
cleanup:
	unlink(bin);
	rmdir(dir);
}

static void test_exec_setuid_tp_btf(void)
{
	check_exec_setuid(VG_BACKEND_TP_BTF);
}

static void test_exec_setuid_raw_tp(void)
{
	check_exec_setuid(VG_BACKEND_RAW_TP);
}

static const struct vg_test tests[] = {
	VG_TEST(test_setresuid),
	VG_TEST(test_setuid_refused),
	VG_TEST(test_setgid_setregid_setfs),
	VG_TEST(test_capset_drop_net_raw),
	VG_TEST(test_other_off_by_default),
	VG_TEST(test_other_unshare_tp_btf),
	VG_TEST(test_other_unshare_raw_tp),
	VG_TEST(test_exec_setuid_tp_btf),
	VG_TEST(test_exec_setuid_raw_tp),
	{},
};

VG_TEST_MAIN(tests)
