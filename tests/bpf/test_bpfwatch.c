// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * test_bpfwatch.c - the bpf sensor against the real kernel: children that
 * issue bpf(2) commands with raw syscalls (so that the test, not a library,
 * decides exactly which calls are made), recording in shared memory what
 * each call returned; every event is checked field by field against that.
 *
 * The agent runs in this process with self_pid = getpid(), as vigil does:
 * the test's own bpf() calls must not be reported (nor, therefore, its forks:
 * the children's exe is unknown to the agent, which is why only their comm
 * is checked).  Pins go to a bpffs the
 * test mounts on a directory of its own; cgroup attachments to a cgroup it
 * creates.  Both are removed whatever the outcome.
 */
#include <fcntl.h>
#include <linux/bpf.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include <bpf/bpf.h>

#include "harness.h"
#include "collect.h"
#include "bpfwatch.h"
#include "output.h"
#include "vigil.skel.h"

#define COMM "test_bpfwatch"
#define TIMEOUT_MS 3000

/* What a child's calls returned (value or -errno), in memory shared with the parent. */
struct calls {
	int map_fd, prog_fd, pin, get_fd, bad_load;
	int updates_ok;			/* map updates + lookups that succeeded */
	int cg_prog_fd, attach, detach, link_fd;
	int cg_fd;
};

static struct calls *calls_map(void)
{
	void *p = mmap(NULL, sizeof(struct calls), PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	memset(p, 0, sizeof(struct calls));
	return p;
}

/* bpf(2) as the caller sees it: the value, or -errno. */
static int sys_bpf(int cmd, union bpf_attr *attr, unsigned int size)
{
	long r = syscall(__NR_bpf, cmd, attr, size);

	return r < 0 ? -errno : (int)r;
}

/* r0 = 1; r0 += 2; r0 = 0; exit: a socket filter that drops everything. */
static const struct bpf_insn prog_insns[] = {
	{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 1 },
	{ .code = BPF_ALU64 | BPF_ADD | BPF_K, .dst_reg = BPF_REG_0, .imm = 2 },
	{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0 },
	{ .code = BPF_JMP | BPF_EXIT },
};
#define PROG_INSNS ((int)(sizeof(prog_insns) / sizeof(prog_insns[0])))

/* exit without setting r0: the verifier refuses it (R0 !read_ok). */
static const struct bpf_insn bad_insns[] = {
	{ .code = BPF_JMP | BPF_EXIT },
};

/* r0 = 1; exit: a cgroup skb program that lets everything through. */
static const struct bpf_insn pass_insns[] = {
	{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 1 },
	{ .code = BPF_JMP | BPF_EXIT },
};

static int prog_load(enum bpf_prog_type type, enum bpf_attach_type expected,
		     const struct bpf_insn *insns, int n, const char *name)
{
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.prog_type = type;
	a.expected_attach_type = expected;
	a.insns = (uint64_t)(uintptr_t)insns;
	a.insn_cnt = (uint32_t)n;
	a.license = (uint64_t)(uintptr_t)"GPL";
	snprintf(a.prog_name, sizeof(a.prog_name), "%s", name);
	return sys_bpf(BPF_PROG_LOAD, &a, sizeof(a));
}

static int map_create(const char *name)
{
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.map_type = BPF_MAP_TYPE_ARRAY;
	a.key_size = 4;
	a.value_size = 8;
	a.max_entries = 4;
	snprintf(a.map_name, sizeof(a.map_name), "%s", name);
	return sys_bpf(BPF_MAP_CREATE, &a, sizeof(a));
}

static int obj_cmd(int cmd, const char *path, int fd)
{
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.pathname = (uint64_t)(uintptr_t)path;
	a.bpf_fd = (uint32_t)fd;
	return sys_bpf(cmd, &a, sizeof(a));
}

static int wait_status(pid_t pid)
{
	int st = -1;

	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	return st;
}

/* Fork a child running body(arg, calls), wait for it; its pid or -1. */
static pid_t run_child(void (*body)(const char *, struct calls *), const char *arg,
		       struct calls *k)
{
	pid_t pid = fork();

	if (pid == 0) {
		body(arg, k);
		_exit(0);
	}
	if (!ASSERT_GE(pid, 1, "fork"))
		return -1;
	ASSERT_EQ(wait_status(pid), 0, "child exit status");
	return pid;
}

static int start(struct collector *c, uint64_t cmds)
{
	struct vg_sensor_opts so = {
		.sensors = VG_SENSOR_PROCESS | VG_SENSOR_BPF,
		.self_pid = (uint32_t)getpid(),
		.bpf_cmds = cmds,
	};

	return collector_start_sensor(c, &so);
}

/* ---- finding events -------------------------------------------------------- */

struct want {
	uint32_t pid;
	uint32_t cmd;
	const char *name;	/* NULL: any */
};

static struct got_event *find_bpf(struct collector *c, const void *arg)
{
	const struct want *w = arg;

	for (size_t i = 0; i < c->n; i++) {
		const struct vg_bpf *r = c->ev[i].rec;

		if (c->ev[i].hdr->type != VG_EV_BPF || c->ev[i].hdr->task.pid != w->pid ||
		    r->cmd != w->cmd)
			continue;
		if (!w->name || !strcmp(r->name, w->name))
			return &c->ev[i];
	}
	return NULL;
}

static struct got_event *wait_bpf(struct collector *c, uint32_t pid, uint32_t cmd,
				  const char *name)
{
	struct want w = { .pid = pid, .cmd = cmd, .name = name };

	return collector_poll_until(c, find_bpf, &w, TIMEOUT_MS);
}

/* The header: the child itself, forked by this process. */
static void assert_task(const struct got_event *g, pid_t child)
{
	const struct vg_task_ctx *t = &g->hdr->task;

	ASSERT_EQ(g->hdr->version, VG_BPF_VERSION, "version");
	ASSERT_EQ(g->hdr->size, sizeof(struct vg_bpf), "size");
	ASSERT_EQ(t->pid, child, "pid");
	ASSERT_EQ(t->tid, child, "tid");
	ASSERT_EQ(t->ppid, getpid(), "ppid");
	ASSERT_EQ(t->uid, 0, "uid");
	ASSERT_STREQ(t->comm, COMM, "comm");
	ASSERT_NEQ(t->start_ns, 0, "start time");
	ASSERT_EQ(((const struct vg_bpf *)g->rec)->attr_size, sizeof(union bpf_attr), "attr size");
}

/* The pending entry of thread `tid` is gone. */
static void assert_no_pending(struct collector *c, uint32_t tid)
{
	struct vg_bpf p;
	int fd = bpf_map__fd(c->agent.sensor.skel->maps.vg_bpfw_pending);

	ASSERT_TRUE(bpf_map_lookup_elem(fd, &tid, &p) && errno == ENOENT, "pending entry deleted");
}

static void assert_no_loss(struct collector *c)
{
	struct vg_agent_stats st;

	ASSERT_OK(vg_agent_read_stats(&c->agent, &st), "read stats");
	for (int r = 0; r < VG_LOSS_MAX; r++)
		ASSERT_EQ(st.kernel.lost[r], 0, vg_loss_reason_name(r));
	ASSERT_EQ(st.decode_errors, 0, "decode errors");
}

/* The event as `vigil trace bpf -o json` writes it contains `want`. */
static void assert_json_has(const struct got_event *g, const char *want)
{
	struct vg_event_view v = { 0 };
	struct vg_buf b;

	v.hdr = g->hdr;
	v.bpf = g->rec;
	v.time_ns = g->time_ns;
	v.proc.task = &g->hdr->task;
	v.proc.exe = g->exe;
	v.proc.cgroup = g->cgroup;
	v.proc.parent_exe = g->parent_exe;
	vg_buf_init(&b);
	vg_render_event(&b, VG_FMT_JSON, &v);
	vg_buf_addc(&b, '\0');
	if (!ASSERT_TRUE(b.data && strstr(b.data, want), "JSON has the field"))
		printf("  want %s\n  in   %s", want, b.data ? b.data : "(null)");
	vg_buf_release(&b);
}

/* ---- a bpffs of the test's own ----------------------------------------------- */

static char bpffs[64];

static bool bpffs_mount(void)
{
	snprintf(bpffs, sizeof(bpffs), "/tmp/vigil-bpfw-XXXXXX");
	if (!ASSERT_OK_PTR(mkdtemp(bpffs), "mkdtemp"))
		return false;
	if (!ASSERT_OK(mount("bpf", bpffs, "bpf", 0, "mode=0700") ? -errno : 0, "mount bpffs")) {
		rmdir(bpffs);
		return false;
	}
	return true;
}

/* Remove whatever the test pinned, unmount, remove the directory. */
static void bpffs_cleanup(const char *pin)
{
	if (pin)
		unlink(pin);
	umount2(bpffs, MNT_DETACH);
	rmdir(bpffs);
}

/* ---- tests ---------------------------------------------------------------- */

/*
 * A map, a program (pinned, fetched back, unpinned), 100 map updates and
 * lookups, and a program the verifier refuses.
 */
static void body_load_pin(const char *pin, struct calls *k)
{
	uint32_t key;
	uint64_t val;

	k->map_fd = map_create("vg_test_map");
	k->prog_fd = prog_load(BPF_PROG_TYPE_SOCKET_FILTER, 0, prog_insns, PROG_INSNS,
			       "vg_test_prog");
	k->pin = obj_cmd(BPF_OBJ_PIN, pin, k->prog_fd);
	k->get_fd = obj_cmd(BPF_OBJ_GET, pin, 0);
	unlink(pin);
	for (int i = 0; i < 100 && k->map_fd >= 0; i++) {
		union bpf_attr a;

		key = (uint32_t)(i % 4);
		val = (uint64_t)i;
		memset(&a, 0, sizeof(a));
		a.map_fd = (uint32_t)k->map_fd;
		a.key = (uint64_t)(uintptr_t)&key;
		a.value = (uint64_t)(uintptr_t)&val;
		k->updates_ok += sys_bpf(BPF_MAP_UPDATE_ELEM, &a, sizeof(a)) == 0;
		k->updates_ok += sys_bpf(BPF_MAP_LOOKUP_ELEM, &a, sizeof(a)) == 0;
	}
	k->bad_load = prog_load(BPF_PROG_TYPE_SOCKET_FILTER, 0, bad_insns, 1, "vg_test_bad");
}

static void test_load_create_pin_get_and_failed_load(void)
{
	struct calls *k = calls_map();
	char pin[128], json[256];
	struct collector c;
	struct got_event *g;
	pid_t pid = -1;

	if (!ASSERT_OK_PTR(k, "mmap") || !bpffs_mount())
		goto unmap;
	snprintf(pin, sizeof(pin), "%s/vg_test_prog", bpffs);
	if (!ASSERT_OK(start(&c, 0), "start agent"))
		goto unmount;
	pid = run_child(body_load_pin, pin, k);
	if (pid < 0)
		goto stop;
	ASSERT_GE(k->map_fd, 0, "child created the map");
	ASSERT_GE(k->prog_fd, 0, "child loaded the program");
	ASSERT_EQ(k->pin, 0, "child pinned it");
	ASSERT_GE(k->get_fd, 0, "child got it back");
	ASSERT_EQ(k->updates_ok, 200, "child updated and read the map");
	ASSERT_LE(k->bad_load, -1, "the bad program was refused");

	g = wait_bpf(&c, pid, VG_BPF_MAP_CREATE, "vg_test_map");
	if (ASSERT_OK_PTR(g, "map_create event")) {
		const struct vg_bpf *r = g->rec;

		assert_task(g, pid);
		ASSERT_EQ(r->map_type, BPF_MAP_TYPE_ARRAY, "map type");
		ASSERT_EQ(r->key_size, 4, "key size");
		ASSERT_EQ(r->value_size, 8, "value size");
		ASSERT_EQ(r->max_entries, 4, "max entries");
		ASSERT_EQ(r->result, k->map_fd, "result: the map's fd");
		assert_json_has(g, "\"bpf\":{\"cmd\":\"map_create\"");
		assert_json_has(g, "\"map_type\":\"array\",\"name\":\"vg_test_map\",\"key_size\":4,"
				   "\"value_size\":8,\"max_entries\":4");
	}
	g = wait_bpf(&c, pid, VG_BPF_PROG_LOAD, "vg_test_prog");
	if (ASSERT_OK_PTR(g, "prog_load event")) {
		const struct vg_bpf *r = g->rec;

		assert_task(g, pid);
		ASSERT_EQ(r->prog_type, BPF_PROG_TYPE_SOCKET_FILTER, "program type");
		ASSERT_EQ(r->insn_cnt, PROG_INSNS, "instructions as loaded");
		ASSERT_EQ(r->attach_type, 0, "no expected attach type");
		ASSERT_EQ(r->result, k->prog_fd, "result: the program's fd");
		ASSERT_EQ(r->flags, 0, "flags");
		ASSERT_GE(r->duration_ns, 1, "duration");
		snprintf(json, sizeof(json), "\"cmd\":\"prog_load\",\"result\":%d,\"errno\":null,",
			 k->prog_fd);
		assert_json_has(g, json);
		assert_json_has(g, "\"prog_type\":\"socket_filter\",\"name\":\"vg_test_prog\","
				   "\"insn_cnt\":4,\"flags\":0}");
	}
	g = wait_bpf(&c, pid, VG_BPF_OBJ_PIN, NULL);
	if (ASSERT_OK_PTR(g, "obj_pin event")) {
		const struct vg_bpf *r = g->rec;

		assert_task(g, pid);
		ASSERT_STREQ(r->path, pin, "pin path");
		ASSERT_EQ(r->bpf_fd, k->prog_fd, "pinned fd");
		ASSERT_EQ(r->result, 0, "pinned");
		snprintf(json, sizeof(json), "\"bpf_fd\":%d,\"path\":\"%s\",\"path_truncated\":false",
			 k->prog_fd, pin);
		assert_json_has(g, json);
	}
	g = wait_bpf(&c, pid, VG_BPF_OBJ_GET, NULL);
	if (ASSERT_OK_PTR(g, "obj_get event")) {
		const struct vg_bpf *r = g->rec;

		ASSERT_STREQ(r->path, pin, "get path");
		ASSERT_EQ(r->result, k->get_fd, "result: the new fd");
	}
	g = wait_bpf(&c, pid, VG_BPF_PROG_LOAD, "vg_test_bad");
	if (ASSERT_OK_PTR(g, "failed prog_load event")) {
		const struct vg_bpf *r = g->rec;

		ASSERT_EQ(r->result, k->bad_load, "result: the child's -errno");
		ASSERT_EQ(r->insn_cnt, 1, "instructions");
		snprintf(json, sizeof(json), "\"result\":%d,\"errno\":\"%s\"", k->bad_load,
			 strerrorname_np(-k->bad_load));
		assert_json_has(g, json);
	}
	/* map_create, 2 prog_load, obj_pin, obj_get: 200 map operations made none */
	vg_agent_poll(&c.agent, 200);
	ASSERT_EQ(collector_count(&c, VG_EV_BPF, pid), 5, "bpf events of the child");
	assert_no_pending(&c, pid);
	assert_no_loss(&c);
stop:
	collector_stop(&c);
unmount:
	bpffs_cleanup(pin);
unmap:
	if (k)
		munmap(k, sizeof(*k));
}

static void body_load_other(const char *name, struct calls *k)
{
	k->prog_fd = prog_load(BPF_PROG_TYPE_SOCKET_FILTER, 0, prog_insns, PROG_INSNS, name);
}

/* The agent's own process (self_pid) loads a program: not reported; a child's is. */
static void test_self_not_reported(void)
{
	struct calls *k = calls_map();
	struct collector c;
	int fd = -1;
	pid_t pid;

	if (!ASSERT_OK_PTR(k, "mmap"))
		return;
	if (!ASSERT_OK(start(&c, 0), "start agent"))
		goto unmap;
	fd = prog_load(BPF_PROG_TYPE_SOCKET_FILTER, 0, prog_insns, PROG_INSNS, "vg_test_self");
	ASSERT_GE(fd, 0, "own load");
	pid = run_child(body_load_other, "vg_test_other", k);
	/* ours would have been sent before the child's: once that is in, and a
	 * little more time has passed, ours is not coming */
	if (pid > 0)
		ASSERT_OK_PTR(wait_bpf(&c, pid, VG_BPF_PROG_LOAD, "vg_test_other"), "child's load");
	vg_agent_poll(&c.agent, 300);
	ASSERT_EQ(collector_count(&c, VG_EV_BPF, getpid()), 0, "own bpf() calls reported");
	for (size_t i = 0; i < c.n; i++)
		if (c.ev[i].hdr->type == VG_EV_BPF)
			ASSERT_FALSE(!strcmp(((const struct vg_bpf *)c.ev[i].rec)->name,
					     "vg_test_self"), "own program reported");
	collector_stop(&c);
unmap:
	if (fd >= 0)
		close(fd);
	munmap(k, sizeof(*k));
}

/* --cmd map_create: the kernel drops the others before anything else. */
static void test_command_filter(void)
{
	struct calls *k = calls_map();
	char pin[128];
	struct collector c;
	pid_t pid;

	if (!ASSERT_OK_PTR(k, "mmap") || !bpffs_mount())
		goto unmap;
	snprintf(pin, sizeof(pin), "%s/vg_test_prog", bpffs);
	if (!ASSERT_OK(start(&c, 1ULL << VG_BPF_MAP_CREATE), "start agent"))
		goto unmount;
	pid = run_child(body_load_pin, pin, k);
	if (pid > 0) {
		ASSERT_OK_PTR(wait_bpf(&c, pid, VG_BPF_MAP_CREATE, "vg_test_map"), "map_create");
		vg_agent_poll(&c.agent, 300);
		ASSERT_EQ(collector_count(&c, VG_EV_BPF, pid), 1, "only map_create");
		assert_no_pending(&c, pid);
	}
	collector_stop(&c);
unmount:
	bpffs_cleanup(pin);
unmap:
	if (k)
		munmap(k, sizeof(*k));
}

/* A cgroup skb program attached to, and detached from, the test's own cgroup;
 * then linked to it (the link goes with the child). */
static void body_cgroup(const char *cg, struct calls *k)
{
	union bpf_attr a;

	k->cg_fd = open(cg, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	k->cg_prog_fd = prog_load(BPF_PROG_TYPE_CGROUP_SKB, BPF_CGROUP_INET_EGRESS, pass_insns, 2,
				  "vg_test_cgskb");
	if (k->cg_fd < 0 || k->cg_prog_fd < 0)
		return;
	memset(&a, 0, sizeof(a));
	a.target_fd = (uint32_t)k->cg_fd;
	a.attach_bpf_fd = (uint32_t)k->cg_prog_fd;
	a.attach_type = BPF_CGROUP_INET_EGRESS;
	k->attach = sys_bpf(BPF_PROG_ATTACH, &a, sizeof(a));
	k->detach = sys_bpf(BPF_PROG_DETACH, &a, sizeof(a));
	memset(&a, 0, sizeof(a));
	a.link_create.prog_fd = (uint32_t)k->cg_prog_fd;
	a.link_create.target_fd = (uint32_t)k->cg_fd;
	a.link_create.attach_type = BPF_CGROUP_INET_EGRESS;
	k->link_fd = sys_bpf(BPF_LINK_CREATE, &a, sizeof(a));
}

static void test_cgroup_attach_detach_link(void)
{
	struct calls *k = calls_map();
	struct collector c;
	struct got_event *g;
	char cg[4096];
	pid_t pid;

	if (!ASSERT_OK_PTR(k, "mmap"))
		return;
	if (!*cgroup2_root()) {
		test__skip("no cgroup v2 hierarchy");
		goto unmap;
	}
	snprintf(cg, sizeof(cg), "%s/vigil-test-bpfw-%d", cgroup2_root(), (int)getpid());
	if (!ASSERT_OK(mkdir(cg, 0755) ? -errno : 0, "mkdir test cgroup"))
		goto unmap;
	if (!ASSERT_OK(start(&c, 0), "start agent"))
		goto rmcg;
	pid = run_child(body_cgroup, cg, k);
	if (pid < 0)
		goto stop;
	ASSERT_GE(k->cg_prog_fd, 0, "child loaded the cgroup program");
	ASSERT_EQ(k->attach, 0, "child attached it");
	ASSERT_EQ(k->detach, 0, "child detached it");
	ASSERT_GE(k->link_fd, 0, "child linked it");
	g = wait_bpf(&c, pid, VG_BPF_PROG_LOAD, "vg_test_cgskb");
	if (ASSERT_OK_PTR(g, "prog_load event")) {
		const struct vg_bpf *r = g->rec;

		ASSERT_EQ(r->prog_type, BPF_PROG_TYPE_CGROUP_SKB, "program type");
		ASSERT_EQ(r->attach_type, BPF_CGROUP_INET_EGRESS, "expected attach type");
		assert_json_has(g, "\"prog_type\":\"cgroup_skb\",\"attach_type\":\"cgroup_inet_egress\"");
	}
	g = wait_bpf(&c, pid, VG_BPF_PROG_ATTACH, NULL);
	if (ASSERT_OK_PTR(g, "prog_attach event")) {
		const struct vg_bpf *r = g->rec;

		assert_task(g, pid);
		ASSERT_EQ(r->target_fd, k->cg_fd, "target fd: the cgroup");
		ASSERT_EQ(r->prog_fd, k->cg_prog_fd, "program fd");
		ASSERT_EQ(r->attach_type, BPF_CGROUP_INET_EGRESS, "attach type");
		ASSERT_EQ(r->result, 0, "attached");
	}
	g = wait_bpf(&c, pid, VG_BPF_PROG_DETACH, NULL);
	if (ASSERT_OK_PTR(g, "prog_detach event"))
		ASSERT_EQ(((const struct vg_bpf *)g->rec)->result, 0, "detached");
	g = wait_bpf(&c, pid, VG_BPF_LINK_CREATE, NULL);
	if (ASSERT_OK_PTR(g, "link_create event")) {
		const struct vg_bpf *r = g->rec;
		char json[160];

		ASSERT_EQ(r->prog_fd, k->cg_prog_fd, "program fd");
		ASSERT_EQ(r->target_fd, k->cg_fd, "target fd");
		ASSERT_EQ(r->attach_type, BPF_CGROUP_INET_EGRESS, "attach type");
		ASSERT_EQ(r->result, k->link_fd, "result: the link's fd");
		snprintf(json, sizeof(json), "\"attach_type\":\"cgroup_inet_egress\",\"flags\":0,"
			 "\"prog_fd\":%d,\"target_fd\":%d}", k->cg_prog_fd, k->cg_fd);
		assert_json_has(g, json);
	}
	assert_no_loss(&c);
stop:
	collector_stop(&c);
rmcg:
	/* the child's link went with its fds; retry while the cgroup drains */
	for (int i = 0; i < 50 && rmdir(cg) && errno == EBUSY; i++)
		usleep(20000);
	ASSERT_TRUE(access(cg, F_OK) != 0, "test cgroup removed");
unmap:
	munmap(k, sizeof(*k));
}

static const struct vg_test tests[] = {
	VG_TEST(test_load_create_pin_get_and_failed_load),
	VG_TEST(test_self_not_reported),
	VG_TEST(test_command_filter),
	VG_TEST(test_cgroup_attach_detach_link),
	{},
};

VG_TEST_MAIN(tests)
