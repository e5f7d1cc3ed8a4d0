// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * Syscall n-grams in the kernel (bpf/profile/, include/vigil/profile.h):
 * a test workload (a copy of dash at a path of the test's own, running a
 * fixed script) is learned in the kernel, the learned windows are loaded as
 * its profile, and then
 *   - the same workload runs with no anomaly event;
 *   - a variant (the same binary doing things it never did) raises one,
 *     naming its profile and the unseen window, at most once per second;
 *   - a process already running the binary when the profile is loaded is
 *     covered, and so are its children until they exec something else;
 *   - every learned sequence is a real one (its length and count), and the
 *     keys the kernel used are the ones include/vigil/ngram.h computes.
 */
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "harness.h"
#include "collect.h"
#include "profile_kernel.h"
#include "vigil/ngram.h"

#define WINDOW 4
#define THRESHOLD 3
#define PROFILE_ID 7

static char dir[] = "/tmp/vigil-test-profile-XXXXXX";
static char wl[256];		/* the workload binary */

static const char normal_script[] = "x=1; echo hi > /dev/null; test -e /; x=$((x+1))";
/* builtins dash runs in-process: syscalls the normal script never makes */
static const char odd_script[] =
	"umask 077; ulimit -n > /dev/null; kill -0 $$; cd /; pwd > /dev/null; "
	"read x < /etc/hostname; times > /dev/null; umask 022";

static void teardown(void)
{
	char cmd[300];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd))
		fprintf(stderr, "cannot remove %s\n", dir);
}

static int copy_file(const char *from, const char *to);

/* The temp dir and the workload binary, once; removed at exit. */
static bool ready(void)
{
	static int state;	/* 0 not yet, 1 ok, -1 failed */

	if (!state) {
		state = -1;
		if (mkdtemp(dir)) {
			atexit(teardown);
			snprintf(wl, sizeof(wl), "%s/workload", dir);
			if (!copy_file("/bin/dash", wl))
				state = 1;
		}
	}
	return ASSERT_EQ(state, 1, "test workload set up");
}

static int run_wl(const char *script)
{
	int st;
	pid_t p = fork();

	if (p == 0) {
		execl(wl, wl, "-c", script, (char *)NULL);
		_exit(127);
	}
	if (p < 0 || waitpid(p, &st, 0) != p)
		return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static int copy_file(const char *from, const char *to)
{
	char cmd[600];

	snprintf(cmd, sizeof(cmd), "cp %s %s && chmod 755 %s", from, to, to);
	return system(cmd);
}

struct learned {
	uint64_t keys[4096];
	size_t n;
	size_t by_len[VG_NGRAM_MAX + 1];
	bool bad;
};

static int collect_learned(uint32_t id, const uint16_t *nrs, uint32_t len, uint64_t count,
			   void *ctx)
{
	struct learned *l = ctx;
	uint64_t h = vg_ngram_hash_begin(len);

	if (id != PROFILE_ID || !count || len > WINDOW) {
		l->bad = true;
		return 0;
	}
	for (uint32_t i = 0; i < len; i++)
		h = vg_ngram_hash_step(h, nrs[i]);
	l->by_len[len]++;
	if (len == WINDOW && l->n < 4096)
		l->keys[l->n++] = h;
	return 0;
}

static size_t anomalies(struct collector *c)
{
	size_t n = 0;

	for (size_t i = 0; i < c->n; i++)
		n += c->ev[i].hdr->type == VG_EV_ANOMALY;
	return n;
}

static const struct vg_anomaly *first_anomaly(struct collector *c)
{
	for (size_t i = 0; i < c->n; i++)
		if (c->ev[i].hdr->type == VG_EV_ANOMALY)
			return c->ev[i].rec;
	return NULL;
}

static void drain(struct collector *c, int ms)
{
	for (int i = 0; i < ms / 20; i++)
		vg_agent_poll(&c->agent, 20);
}

static void test_learn_then_detect(void)
{
	struct vg_sensor_opts so = { .sensors = VG_SENSOR_PROCESS | VG_SENSOR_PROFILE,
				     .self_pid = (uint32_t)getpid() };
	struct vg_prof_exe_val learn = { PROFILE_ID, VG_PROF_LEARN, WINDOW, THRESHOLD };
	struct vg_prof_exe_val detect = { PROFILE_ID, VG_PROF_DETECT, WINDOW, THRESHOLD };
	static struct learned l;
	struct collector c;
	struct vg_prof_maps m;
	const struct vg_anomaly *a;
	pid_t sleeper = -1;
	size_t seeded;

	if (!ready() || !ASSERT_OK(collector_start_sensor(&c, &so), "start"))
		return;
	vg_sensor_profile_maps(&c.agent.sensor, &m);
	if (!ASSERT_GE(m.exe, 0, "profile maps"))
		goto out;

	/* learn: the normal script, a few times */
	if (!ASSERT_OK(vg_prof_kernel_set_exe(&m, wl, 0, &learn, NULL), "learn exe"))
		goto out;
	for (int i = 0; i < 5; i++)
		ASSERT_EQ(run_wl(normal_script), 0, "normal run while learning");
	memset(&l, 0, sizeof(l));
	ASSERT_OK(vg_prof_kernel_read_learned(&m, collect_learned, &l), "read learned");
	ASSERT_FALSE(l.bad, "every learned sequence is of the profile, counted, <= window");
	for (int k = 1; k <= WINDOW; k++)
		ASSERT_GE(l.by_len[k], 5, "sequences of every length 1..window");
	ASSERT_GE(l.n, 20, "windows learned");

	/* detect */
	ASSERT_OK(vg_prof_kernel_add_ngrams(&m, PROFILE_ID, l.keys, l.n), "add ngrams");
	/* a process already running the binary when the profile is loaded */
	sleeper = fork();
	if (sleeper == 0) {
		execl(wl, wl, "-c", "read x < /dev/null; sleep 3; umask 077; kill -0 $$; "
			  "ulimit -n > /dev/null; cd /; times > /dev/null; umask 022", (char *)NULL);
		_exit(127);
	}
	usleep(200 * 1000);
	ASSERT_OK(vg_prof_kernel_set_exe(&m, wl, 0, &detect, &seeded), "detect exe");
	ASSERT_EQ(seeded, 1, "the running process was given the profile");
	collector_clear(&c);
	for (int i = 0; i < 3; i++)
		ASSERT_EQ(run_wl(normal_script), 0, "normal run while detecting");
	drain(&c, 300);
	ASSERT_EQ(anomalies(&c), 0, "the learned workload raises nothing");

	ASSERT_EQ(run_wl(odd_script), 0, "variant run");
	drain(&c, 300);
	a = first_anomaly(&c);
	if (ASSERT_TRUE(a, "the variant raises an anomaly")) {
		ASSERT_EQ(a->profile_id, PROFILE_ID, "profile");
		ASSERT_GE(a->misses, THRESHOLD, "misses in the frame");
		ASSERT_EQ(a->window, WINDOW, "window");
		ASSERT_GE(a->syscalls, WINDOW, "syscalls counted");
		ASSERT_EQ(anomalies(&c), 1, "at most one per task per second");
	}
	/* the process seeded while running: it does the odd things after 3 s */
	collector_clear(&c);
	waitpid(sleeper, NULL, 0);
	sleeper = -1;
	drain(&c, 300);
	ASSERT_TRUE(anomalies(&c) >= 1, "the pre-existing process is watched too");
out:
	if (sleeper > 0) {
		kill(sleeper, SIGKILL);
		waitpid(sleeper, NULL, 0);
	}
	collector_stop(&c);
}

struct scope_ids {
	uint64_t cgroup_id;
	uint32_t id;		/* the workload's id in the cgroup */
	size_t n;		/* keys in that cgroup */
};

static int collect_exe(uint64_t cgroup_id, const char *exe, uint32_t id, void *ctx)
{
	struct scope_ids *s = ctx;

	if (cgroup_id != s->cgroup_id)
		return 0;
	s->n++;
	if (!strcmp(exe, wl))
		s->id = id;
	return 0;
}

static int count_of(uint32_t id, const uint16_t *nrs, uint32_t len, uint64_t count, void *ctx)
{
	(*(size_t *)ctx)++;
	return 0;
}

/*
 * A cgroup learned as a whole: an executable run there gets an id the
 * kernel hands out (above user space's), keyed (cgroup, path); its
 * sequences are counted under it; the same binary outside the cgroup is
 * not profiled.  Then the mode of that id flips to detect while a process
 * of it runs: the running process is checked at once.
 */
static void test_cgroup_scope_ids_and_mode_flip(void)
{
	struct vg_sensor_opts so = { .sensors = VG_SENSOR_PROCESS | VG_SENSOR_PROFILE };
	struct vg_prof_exe_val tmpl = { 0, VG_PROF_LEARN, WINDOW, THRESHOLD };
	char cg[300], procs[340], v2[256] = "";
	struct scope_ids ids = { 0 };
	struct collector c;
	struct vg_prof_maps m;
	struct stat st;
	uint32_t next_user = 1;
	size_t seeded = 0, learned = 0;
	pid_t p = -1;
	int pipefd[2] = { -1, -1 };

	if (!ready())
		return;
	snprintf(v2, sizeof(v2), "%s", cgroup2_root());
	if (!ASSERT_TRUE(v2[0], "cgroup v2 mounted"))
		return;
	snprintf(cg, sizeof(cg), "%s/vigil-test-profile-%d", v2, (int)getpid());
	snprintf(procs, sizeof(procs), "%s/cgroup.procs", cg);
	if (!ASSERT_OK(mkdir(cg, 0755), "mkdir cgroup") || !ASSERT_OK(stat(cg, &st), "stat"))
		return;
	ids.cgroup_id = st.st_ino;
	if (!ASSERT_OK(collector_start_sensor(&c, &so), "start"))
		goto out_cg;
	vg_sensor_profile_maps(&c.agent.sensor, &m);
	ASSERT_OK(vg_prof_kernel_add_scope(&m, ids.cgroup_id, &tmpl, &next_user, &seeded),
		  "add scope");
	ASSERT_EQ(seeded, 0, "nothing ran there yet");
	ASSERT_EQ(run_wl(normal_script), 0, "the workload outside the cgroup");
	/* inside: a child moves itself into the cgroup, then execs the workload */
	if (!ASSERT_OK(pipe(pipefd), "pipe"))
		goto out;
	p = fork();
	if (p == 0) {
		if (join_cgroup(procs))
			_exit(126);
		dup2(pipefd[0], 0);
		close(pipefd[1]);
		/* the normal script, then (once stdin says so) the odd one */
		execl(wl, wl, "-c", "x=1; echo hi > /dev/null; test -e /; read go; "
		      "read x < /etc/hostname; times > /dev/null; umask 022; kill -0 $$; "
		      "ulimit -n > /dev/null; cd /; times > /dev/null", (char *)NULL);
		_exit(127);
	}
	close(pipefd[0]);
	pipefd[0] = -1;
	usleep(300 * 1000);
	ASSERT_OK(vg_prof_kernel_read_exes(&m, collect_exe, &ids), "read exes");
	ASSERT_EQ(ids.n, 1, "one executable keyed in the cgroup");
	ASSERT_GE(ids.id, VG_PROF_USER_IDS + 1, "an id the kernel handed out");
	ASSERT_OK(vg_prof_kernel_take_learned(&m, ids.id, count_of, &learned), "take learned");
	ASSERT_GE(learned, 6, "its sequences counted under that id");
	learned = 0;
	ASSERT_OK(vg_prof_kernel_take_learned(&m, ids.id, count_of, &learned), "take again");
	ASSERT_LE(learned, 2, "taken: gone (only what ran since)");
	/* detect, with no window known: the running process is anomalous at once */
	collector_clear(&c);
	ASSERT_OK(vg_prof_kernel_set_mode(&m, &(struct vg_prof_exe_val){
			ids.id, VG_PROF_DETECT, WINDOW, THRESHOLD }), "flip to detect");
	ASSERT_EQ(write(pipefd[1], "go\n", 3), 3, "go");
	waitpid(p, NULL, 0);
	p = -1;
	drain(&c, 300);
	ASSERT_GE(anomalies(&c), 1, "the running process is checked after the flip");
	if (first_anomaly(&c))
		ASSERT_EQ(first_anomaly(&c)->profile_id, ids.id, "under the kernel's id");
out:
	if (p > 0) {
		kill(p, SIGKILL);
		waitpid(p, NULL, 0);
	}
	if (pipefd[1] >= 0)
		close(pipefd[1]);
	collector_stop(&c);
out_cg:
	rmdir(cg);
}

/* The profile sensor is not loaded unless asked for: no map, nothing on sys_enter. */
static void test_off_by_default(void)
{
	struct vg_sensor_opts so = { .sensors = VG_SENSOR_PROCESS };
	struct collector c;
	struct vg_prof_maps m;

	if (!ready() || !ASSERT_OK(collector_start_sensor(&c, &so), "start"))
		return;
	vg_sensor_profile_maps(&c.agent.sensor, &m);
	ASSERT_EQ(m.exe, -1, "no profile maps without VG_SENSOR_PROFILE");
	ASSERT_EQ(vg_prof_kernel_set_exe(&m, wl, 0, &(struct vg_prof_exe_val){ 1, 1, 4, 3 }, NULL),
		  -ENOTSUP, "set_exe refuses");
	collector_stop(&c);
}

static const struct vg_test tests[] = {
	VG_TEST(test_learn_then_detect),
	VG_TEST(test_cgroup_scope_ids_and_mode_flip),
	VG_TEST(test_off_by_default),
	{},
};

VG_TEST_MAIN(tests)
