// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * test_sched.c - the scheduler, OOM and block I/O sensors on the real kernel
 * (bpf/sched/, bpf/block/, src/sched_sampler.c):
 *   - a busy child's CPU time is counted to within 20 %, a sleeper's
 *     voluntary switches are counted;
 *   - two busy children pinned to one CPU wait in its run queue: their
 *     waits land in the histograms, and the machine's too;
 *   - a child in a cgroup the test makes: the cgroup's CPU time (its
 *     processes summed by the sampler);
 *   - the sampler makes a sched record for the busy child at ~100 %;
 *   - a child in a memory cgroup (v1) limited to 32 MiB that allocates
 *     256 MiB is the OOM killer's victim: one oom event names it;
 *   - direct reads of a loop device the test sets up: the device's and
 *     the reader's counts, bytes and size histogram, and one block event
 *     per request with the reader's pid (threshold 1 ns);
 *   - the sampler's per-process callback (`vigil top`): every live process
 *     of the map, the busy child with the CPU time the scheduler gives it
 *     (/proc/PID/schedstat, within 10 %) and an idle one at ~0 %, none at
 *     the baseline tick;
 *   - the syscall counter (VG_SENSOR_SYSCOUNT), both backends: a child's
 *     200,000 getppid() calls counted exactly (plus its few others), none
 *     missed.
 * Only processes, cgroups and devices the test made are touched.
 */
#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <sched.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <bpf/bpf.h>

#include "harness.h"
#include "collect.h"
#include "sched_sampler.h"

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* A child that spins for ms milliseconds (pinned to cpu if >= 0). */
static pid_t spinner(int ms, int cpu)
{
	pid_t p = fork();

	if (p == 0) {
		uint64_t end = now_ns() + (uint64_t)ms * 1000000ULL;
		volatile uint64_t x = 0;

		if (cpu >= 0) {
			cpu_set_t set;

			CPU_ZERO(&set);
			CPU_SET(cpu, &set);
			sched_setaffinity(0, sizeof(set), &set);
		}
		while (now_ns() < end)
			x++;
		_exit(0);
	}
	return p;
}

static bool read_stat(int fd, uint32_t key, struct vg_sched_stat *st)
{
	return fd >= 0 && !bpf_map_lookup_elem(fd, &key, st);
}

static void start(struct collector *c, unsigned int sensors, uint64_t slow_ns)
{
	struct vg_sensor_opts so = { .sensors = VG_SENSOR_PROCESS | sensors, .block_slow_ns = slow_ns };

	ASSERT_OK(collector_start_sensor(c, &so), "start");
}

static void test_cpu_time_and_switches(void)
{
	struct collector c;
	struct vg_sched_maps m;
	struct vg_sched_stat st;
	pid_t busy, sleeper;
	bool got;

	start(&c, VG_SENSOR_SCHED, 0);
	vg_sensor_sched_maps(&c.agent.sensor, &m);
	if (!ASSERT_GE(m.procs, 0, "sched maps"))
		goto out;
	busy = spinner(1000, -1);
	sleeper = fork();
	if (sleeper == 0) {
		for (int i = 0; i < 100; i++)
			usleep(1000);
		_exit(0);
	}
	/* read before reaping: an exited process's entry stays until sampled */
	usleep(1300 * 1000);
	got = read_stat(m.procs, (uint32_t)busy, &st);
	if (ASSERT_TRUE(got, "the busy child is in the map")) {
		ASSERT_GE(st.cpu_ns, 800000000ULL, "CPU time >= 0.8 s of 1 s spinning");
		ASSERT_LE(st.cpu_ns, 1200000000ULL, "CPU time <= 1.2 s");
	}
	got = read_stat(m.procs, (uint32_t)sleeper, &st);
	if (ASSERT_TRUE(got, "the sleeper is in the map"))
		ASSERT_GE(st.voluntary, 100, "100 sleeps: 100 voluntary switches at least");
	waitpid(busy, NULL, 0);
	waitpid(sleeper, NULL, 0);
out:
	collector_stop(&c);
}

static void test_runqueue_waits(void)
{
	struct collector c;
	struct vg_sched_maps m;
	struct vg_sched_stat a, b, total0, total1;
	pid_t p1, p2;

	start(&c, VG_SENSOR_SCHED, 0);
	vg_sensor_sched_maps(&c.agent.sensor, &m);
	ASSERT_OK(vg_sched_read_total(&m, &total0), "machine total");
	p1 = spinner(1000, 0);
	p2 = spinner(1000, 0);
	usleep(1200 * 1000);
	if (ASSERT_TRUE(read_stat(m.procs, (uint32_t)p1, &a) && read_stat(m.procs, (uint32_t)p2, &b),
			"both in the map")) {
		ASSERT_GE(a.runq_count + b.runq_count, 10, "they waited for the CPU");
		ASSERT_GE(a.involuntary + b.involuntary, 10, "and were preempted");
		ASSERT_GE(vg_hist_percentile(a.runq_hist, 0.99), 1000, "p99 wait >= 1 ms");
		ASSERT_LE(a.cpu_ns + b.cpu_ns, 1250000000ULL, "one CPU shared: <= 1.25 s together");
	}
	ASSERT_OK(vg_sched_read_total(&m, &total1), "machine total again");
	ASSERT_GE(total1.runq_count - total0.runq_count, 10, "the machine's histogram counts them");
	waitpid(p1, NULL, 0);
	waitpid(p2, NULL, 0);
	collector_stop(&c);
}

/* Fork a child that moves itself into `procs` (a cgroup.procs file), then
 * runs fn. */
static pid_t child_in(const char *procs, void (*fn)(void))
{
	pid_t p = fork();

	if (p == 0) {
		if (join_cgroup(procs))
			_exit(126);
		fn();
		_exit(0);
	}
	return p;
}

static void spin_700ms(void)
{
	uint64_t end = now_ns() + 700000000ULL;
	volatile uint64_t x = 0;

	while (now_ns() < end)
		x++;
}

struct cg_find {
	uint64_t id;
	struct vg_sched_stat st;
	bool found;
};

static int find_cg(uint64_t id, const struct vg_sched_stat *st, void *ctx)
{
	struct cg_find *f = ctx;

	if (id == f->id) {
		f->st = *st;
		f->found = true;
	}
	return 0;
}

static void test_cgroup_cpu(void)
{
	char root[256], cg[300], procs[340];
	struct collector c;
	struct vg_sched_maps m;
	struct vg_sched_opts o = { .interval_ns = 200000000ULL };
	struct vg_sched_sampler *s = NULL;
	struct cg_find f = { 0 };
	struct stat sb;
	uint64_t t0;
	pid_t p;

	snprintf(root, sizeof(root), "%s", cgroup2_root());
	if (!ASSERT_TRUE(root[0], "cgroup v2 mounted"))
		return;
	snprintf(cg, sizeof(cg), "%s/vigil-test-sched-%d", root, (int)getpid());
	snprintf(procs, sizeof(procs), "%s/cgroup.procs", cg);
	if (!ASSERT_OK(mkdir(cg, 0755), "mkdir cgroup") || !ASSERT_OK(stat(cg, &sb), "stat"))
		return;
	f.id = sb.st_ino;
	start(&c, VG_SENSOR_SCHED, 0);
	vg_sensor_sched_maps(&c.agent.sensor, &m);
	s = vg_sched_new(&o, &m);
	if (!ASSERT_TRUE(s, "sampler"))
		goto out;
	t0 = now_ns();
	vg_sched_tick(s, t0);
	p = child_in(procs, spin_700ms);
	while (now_ns() - t0 < 1200000000ULL) {
		usleep(50 * 1000);
		vg_sched_tick(s, now_ns());
	}
	waitpid(p, NULL, 0);
	usleep(250 * 1000);
	vg_sched_tick(s, now_ns());
	vg_sched_each_cgroup(s, find_cg, &f);
	if (ASSERT_TRUE(f.found, "the cgroup is summed")) {
		ASSERT_GE(f.st.cpu_ns, 550000000ULL, "the cgroup's CPU time >= 0.55 s");
		ASSERT_LE(f.st.cpu_ns, 900000000ULL, "and <= 0.9 s");
	}
out:
	vg_sched_free(s);
	collector_stop(&c);
	rmdir(cg);
}

struct got_sched {
	uint32_t pid;
	uint32_t best;		/* highest CPU percent x100 seen */
	size_t n;
};

static void on_sched(struct vg_sched *r, void *ctx)
{
	struct got_sched *g = ctx;

	if (r->hdr.task.pid != g->pid)
		return;
	g->n++;
	if (r->history_len && r->cpu_history[0] > g->best)
		g->best = r->cpu_history[0];
}

static void test_sampler_records(void)
{
	struct collector c;
	struct vg_sched_maps m;
	struct got_sched g = { 0 };
	struct vg_sched_opts o = { .interval_ns = 500000000ULL, .emit = on_sched, .ctx = &g };
	struct vg_sched_sampler *s;
	uint64_t t0;
	pid_t p;

	start(&c, VG_SENSOR_SCHED, 0);
	vg_sensor_sched_maps(&c.agent.sensor, &m);
	s = vg_sched_new(&o, &m);
	if (!ASSERT_TRUE(s, "sampler"))
		goto out;
	p = spinner(2000, 1);
	g.pid = (uint32_t)p;
	t0 = now_ns();
	vg_sched_tick(s, t0);
	while (now_ns() - t0 < 1800000000ULL) {
		usleep(100 * 1000);
		vg_sched_tick(s, now_ns());
	}
	ASSERT_GE(g.n, 2, "a record per interval for the busy child");
	ASSERT_GE(g.best, 8500, "at about 100 % of a CPU (>= 85 %)");
	ASSERT_LE(g.best, 10500, "not more than one CPU (<= 105 %)");
	waitpid(p, NULL, 0);
	vg_sched_free(s);
out:
	collector_stop(&c);
}

/* Time pid has spent on a CPU (ns), as the scheduler counts it. */
static uint64_t schedstat_ns(pid_t pid)
{
	unsigned long long ns = 0;
	char path[64];
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/schedstat", (int)pid);
	f = fopen(path, "r");
	if (f && fscanf(f, "%llu", &ns) != 1)
		ns = 0;
	if (f)
		fclose(f);
	return ns;
}

struct got_each {
	uint32_t busy, idle;
	uint64_t busy_cpu, idle_cpu, interval;
	size_t calls, busy_n, idle_n;
};

static void on_each(const struct vg_sched_proc *p, void *ctx)
{
	struct got_each *g = ctx;

	g->calls++;
	g->interval = p->interval_ns;
	if (p->tgid == g->busy) {
		g->busy_n++;
		g->busy_cpu = p->cpu_ns;
	} else if (p->tgid == g->idle) {
		g->idle_n++;
		g->idle_cpu = p->cpu_ns;
	}
}

static void test_sampler_each_process(void)
{
	struct collector c;
	struct vg_sched_maps m;
	struct got_each g = { 0 };
	struct vg_sched_opts o = { .interval_ns = 1, .each = on_each, .ctx = &g };
	struct vg_sched_sampler *s;
	uint64_t t0, t1;
	pid_t busy, idle;

	start(&c, VG_SENSOR_SCHED, 0);
	vg_sensor_sched_maps(&c.agent.sensor, &m);
	idle = fork();
	if (idle == 0) {
		for (int i = 0; i < 30; i++)
			usleep(50 * 1000);
		_exit(0);
	}
	busy = spinner(1500, 1);
	g.busy = (uint32_t)busy;
	g.idle = (uint32_t)idle;
	usleep(200 * 1000);		/* both ran: both in the map */
	s = vg_sched_new(&o, &m);
	if (!ASSERT_TRUE(s, "sampler"))
		goto out;
	t0 = schedstat_ns(busy);
	vg_sched_tick(s, now_ns());
	ASSERT_EQ(g.calls, 0, "the baseline tick hands nothing over");
	usleep(1000 * 1000);
	t1 = schedstat_ns(busy);
	vg_sched_tick(s, now_ns());
	ASSERT_EQ(g.busy_n, 1, "the busy child, once");
	ASSERT_EQ(g.idle_n, 1, "the idle child too (below min_percent)");
	/* what the kernel's own accounting says it ran, whatever else ran */
	ASSERT_GE(g.busy_cpu + 20000000, (t1 - t0) * 9 / 10, "busy: its CPU time (-10 %)");
	ASSERT_LE(g.busy_cpu, (t1 - t0) * 11 / 10 + 20000000, "busy: its CPU time (+10 %)");
	ASSERT_GE(g.busy_cpu, g.interval / 4, "busy: a good part of the interval");
	ASSERT_LE(g.idle_cpu, g.interval / 50, "idle: <= 2 %");
	ASSERT_GE(g.calls, 3, "and the others");
	vg_sched_free(s);
out:
	waitpid(busy, NULL, 0);
	waitpid(idle, NULL, 0);
	collector_stop(&c);
}

#define GETPPIDS 200000

static void syscall_counts(enum vg_attach_backend backend)
{
	struct vg_sensor_opts so = { .sensors = VG_SENSOR_PROCESS | VG_SENSOR_SYSCOUNT,
				     .backend = backend };
	struct vg_sched_maps m;
	struct collector c;
	int done[2], go_on[2];
	uint64_t n = 0, missed[256] = { 0 };
	uint32_t key, zero = 0;
	char b = 0;
	pid_t p;

	if (!ASSERT_OK(collector_start_sensor(&c, &so), "start"))
		return;
	ASSERT_EQ(c.agent.sensor.backend, backend, "the backend asked for");
	vg_sensor_sched_maps(&c.agent.sensor, &m);
	if (!ASSERT_TRUE(m.sysc_procs >= 0 && m.sysc_missed >= 0, "syscall maps") ||
	    !ASSERT_OK(pipe(done), "pipe") || !ASSERT_OK(pipe(go_on), "pipe"))
		goto out;
	p = fork();
	if (p == 0) {
		close(go_on[1]);
		for (int i = 0; i < GETPPIDS; i++)
			syscall(SYS_getppid);
		if (write(done[1], "x", 1) != 1 || read(go_on[0], &b, 1) < 0)
			_exit(1);
		_exit(0);
	}
	ASSERT_EQ(read(done[0], &b, 1), 1, "the child is done");
	key = (uint32_t)p;
	if (ASSERT_OK(bpf_map_lookup_elem(m.sysc_procs, &key, &n), "the child is in the map")) {
		ASSERT_GE(n, GETPPIDS + 2, "its close, getppid() calls and write");
		ASSERT_LE(n, GETPPIDS + 10, "and hardly anything else");
	}
	ASSERT_OK(bpf_map_lookup_elem(m.sysc_missed, &zero, missed), "missed counter");
	for (int i = 0; i < 256; i++)
		ASSERT_EQ(missed[i], 0, "nothing missed");
	close(go_on[1]);
	waitpid(p, NULL, 0);
	close(done[0]);
	close(done[1]);
	close(go_on[0]);
out:
	collector_stop(&c);
}

static void test_syscall_counts_tp_btf(void)
{
	syscall_counts(VG_BACKEND_TP_BTF);
}

static void test_syscall_counts_raw_tp(void)
{
	syscall_counts(VG_BACKEND_RAW_TP);
}

static void allocate_256m(void)
{
	size_t n = 256u << 20;
	char *p = malloc(n);

	for (size_t i = 0; p && i < n; i += 4096)
		p[i] = 1;
	_exit(p ? 0 : 1);
}

static struct got_event *find_oom(struct collector *c, const void *arg)
{
	return collector_find(c, VG_EV_OOM, *(const uint32_t *)arg);
}

static void test_oom_kill_event(void)
{
	char cg[300], file[340];
	struct collector c;
	struct got_event *g;
	uint32_t pid;
	int st = 0, fd;
	pid_t p;

	snprintf(cg, sizeof(cg), "/sys/fs/cgroup/memory/vigil-test-oom-%d", (int)getpid());
	if (access("/sys/fs/cgroup/memory", F_OK)) {
		test__skip("no cgroup v1 memory controller");
		return;
	}
	if (!ASSERT_OK(mkdir(cg, 0755), "mkdir memory cgroup"))
		return;
	snprintf(file, sizeof(file), "%s/memory.limit_in_bytes", cg);
	fd = open(file, O_WRONLY);
	ASSERT_TRUE(fd >= 0 && write(fd, "33554432", 8) == 8, "32 MiB limit");
	if (fd >= 0)
		close(fd);
	start(&c, VG_SENSOR_SCHED, 0);
	snprintf(file, sizeof(file), "%s/cgroup.procs", cg);
	p = child_in(file, allocate_256m);
	pid = (uint32_t)p;
	waitpid(p, &st, 0);
	ASSERT_TRUE(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL, "the child was OOM-killed");
	g = collector_poll_until(&c, find_oom, &pid, 2000);
	if (ASSERT_TRUE(g, "an oom event names the victim")) {
		const struct vg_oom *o = g->rec;

		ASSERT_GE(o->rss_kb, 16 * 1024, "rss at the kill >= 16 MiB");
		ASSERT_GE(o->total_vm_kb, 256 * 1024, "its address space >= 256 MiB");
	}
	collector_stop(&c);
	rmdir(cg);
}

struct loopdev {
	char file[64];
	char dev[32];
};

static bool loop_setup(struct loopdev *l)
{
	char cmd[256];
	FILE *f;

	snprintf(l->file, sizeof(l->file), "/tmp/vigil-test-loop-%d", (int)getpid());
	snprintf(cmd, sizeof(cmd), "truncate -s 16M %s && losetup -f --show %s", l->file,
		 l->file);
	f = popen(cmd, "r");
	l->dev[0] = '\0';
	if (f && !fgets(l->dev, sizeof(l->dev), f))
		l->dev[0] = '\0';
	if (f)
		pclose(f);
	l->dev[strcspn(l->dev, "\n")] = '\0';
	return !strncmp(l->dev, "/dev/loop", 9);
}

static void loop_teardown(struct loopdev *l)
{
	char cmd[160];

	if (l->dev[0]) {
		snprintf(cmd, sizeof(cmd), "losetup -d %s", l->dev);
		if (system(cmd))
			fprintf(stderr, "cannot detach %s\n", l->dev);
	}
	unlink(l->file);
}

static void test_block_io(void)
{
	struct loopdev l = { 0 };
	struct collector c;
	struct vg_sched_maps m;
	struct vg_block_stat st;
	struct stat sb;
	char cmd[200];
	uint32_t dev, pid;
	size_t events = 0;
	int status;
	pid_t p;

	if (!ASSERT_TRUE(loop_setup(&l), "a loop device"))
		goto out_loop;
	if (!ASSERT_OK(stat(l.dev, &sb), "stat the loop device"))
		goto out_loop;
	dev = (major(sb.st_rdev) << 20) | minor(sb.st_rdev);
	start(&c, VG_SENSOR_BLOCK, 1);
	vg_sensor_sched_maps(&c.agent.sensor, &m);
	snprintf(cmd, sizeof(cmd), "exec dd if=%s of=/dev/null bs=4096 count=200 iflag=direct "
		 "status=none", l.dev);
	p = fork();
	if (p == 0) {
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	pid = (uint32_t)p;
	waitpid(p, &status, 0);
	ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0, "dd read the device");
	if (ASSERT_TRUE(m.block_devs >= 0 && !bpf_map_lookup_elem(m.block_devs, &dev, &st),
			"the loop device is in the map")) {
		ASSERT_GE(st.count[0], 200, "200 reads at least");
		ASSERT_GE(st.bytes[0], 200 * 4096, "of 4096 bytes");
		ASSERT_GE(st.size_hist[13], 200, "in the [4096, 8192) size bucket");
		ASSERT_TRUE(!strncmp(st.name, "loop", 4), "named loopN");
	}
	if (ASSERT_TRUE(m.block_procs >= 0 && !bpf_map_lookup_elem(m.block_procs, &pid, &st),
			"dd is in the per-process map")) {
		ASSERT_GE(st.count[0], 200, "its 200 reads");
		ASSERT_STREQ(st.name, "dd", "its comm");
	}
	for (int i = 0; i < 20; i++)
		vg_agent_poll(&c.agent, 20);
	for (size_t i = 0; i < c.n; i++) {
		const struct vg_block *b = c.ev[i].rec;

		if (c.ev[i].hdr->type != VG_EV_BLOCK || c.ev[i].hdr->task.pid != pid)
			continue;
		if (b->dev == dev && b->op == VG_BLOCK_READ && b->bytes == 4096 && b->latency_ns)
			events++;
	}
	ASSERT_GE(events, 200, "a block event per read, attributed to dd");
	collector_stop(&c);
out_loop:
	loop_teardown(&l);
}

static const struct vg_test tests[] = {
	VG_TEST(test_cpu_time_and_switches),
	VG_TEST(test_runqueue_waits),
	VG_TEST(test_cgroup_cpu),
	VG_TEST(test_sampler_records),
	VG_TEST(test_sampler_each_process),
	VG_TEST(test_syscall_counts_tp_btf),
	VG_TEST(test_syscall_counts_raw_tp),
	VG_TEST(test_oom_kill_event),
	VG_TEST(test_block_io),
	{},
};

VG_TEST_MAIN(tests)
