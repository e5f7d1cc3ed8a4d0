// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * test_gpu - the GPU driver sensor against the real kernel.
 *
 * The driver is build/tests/bpf/progs/libfakecuda.so (SONAME libcuda.so.1,
 * the four probed functions with CUDA's signatures), the client
 * build/tests/bpf/progs/gpu_caller.  The clients are started first and
 * dlopen() the library only when told to, after the probes were attached:
 * processes already running when vigil attached, mapping the library later,
 * are covered.  Each client then stays alive until its stdin closes, so the
 * kernel's per-process aggregates can be read while it lives, and the
 * tracker's retirement (last record, kernel state deleted) checked after.
 */
#include <signal.h>
#include <sys/wait.h>
#include <bpf/bpf.h>

#include "harness.h"
#include "collect.h"
#include "clock.h"
#include "gpu.h"
#include "sensor.h"

#define MiB (1ULL << 20)
#define SYNC_SLOT 15	/* 20 ms = 20000 us: [2^14, 2^15) us */
#define SYNC_MAX_NS 131072000ULL	/* the upper bound of SYNC_SLOT + 2 */

static struct {
	char caller[4096];
	char lib[4096];
} fx;

/* build/tests/bpf/test_gpu -> build/tests/bpf/progs/{gpu_caller,libfakecuda.so} */
static bool fixture(void)
{
	char self[4096];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	char *slash;

	if (!ASSERT_GE(n, 1, "readlink /proc/self/exe"))
		return false;
	self[n] = '\0';
	slash = strrchr(self, '/');
	snprintf(fx.caller, sizeof(fx.caller), "%.*s/progs/gpu_caller", (int)(slash - self), self);
	snprintf(fx.lib, sizeof(fx.lib), "%.*s/progs/libfakecuda.so", (int)(slash - self), self);
	return ASSERT_TRUE(access(fx.caller, X_OK) == 0 && access(fx.lib, R_OK) == 0,
			   "gpu_caller and libfakecuda.so are built (make integration)");
}

/* A gpu_caller -w: waiting on its stdin before it opens the library. */
struct client {
	pid_t pid;
	int in;		/* its stdin: "go", then close to let it exit */
	FILE *out;	/* its stdout: "done" once the calls are made */
};

static bool client_start(struct client *c, const char *mode)
{
	int in[2], out[2];

	if (!ASSERT_OK(pipe2(in, O_CLOEXEC), "pipe") || !ASSERT_OK(pipe2(out, O_CLOEXEC), "pipe"))
		return false;
	c->pid = fork();
	if (c->pid == 0) {
		dup2(in[0], 0);
		dup2(out[1], 1);
		close(in[1]);
		close(out[0]);
		execl(fx.caller, fx.caller, "-w", fx.lib, mode, (char *)NULL);
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	c->in = in[1];
	c->out = fdopen(out[0], "r");
	return ASSERT_GE(c->pid, 1, "fork") && ASSERT_OK_PTR(c->out, "fdopen");
}

/* Let it open the library and make its calls; true once it said "done". */
static bool client_run(struct client *c)
{
	char line[64] = "";

	if (write(c->in, "go\n", 3) != 3)
		return false;
	return fgets(line, sizeof(line), c->out) && !strcmp(line, "done\n");
}

/* Let it exit; its exit status. */
static int client_stop(struct client *c)
{
	int status = -1;

	if (c->in >= 0)
		close(c->in);
	c->in = -1;
	if (c->out)
		fclose(c->out);
	c->out = NULL;
	if (c->pid > 0)
		waitpid(c->pid, &status, 0);
	c->pid = 0;
	return status;
}

static int start(struct collector *c, struct vg_gpu_sensor *gs, struct vg_gpu_probes *gp)
{
	struct vg_sensor_opts so = { .sensors = VG_SENSOR_PROCESS | VG_SENSOR_GPU };
	int err = collector_start_sensor(c, &so);

	memset(gp, 0, sizeof(*gp));
	if (err)
		return err;
	vg_sensor_gpu(&c->agent.sensor, gs);
	err = vg_gpu_attach(gp, gs, fx.lib);
	if (err == VG_GPU_FN_MAX)
		return 0;
	vg_gpu_detach(gp);
	collector_stop(c);
	return err < 0 ? err : -ENOENT;
}

static uint64_t hist_sum(const __u64 *h, int from, int to)
{
	uint64_t n = 0;

	for (int i = from; i <= to && i < VG_HIST_SLOTS; i++)
		n += h[i];
	return n;
}

/* Records the tracker hands over. */
struct records {
	struct vg_gpu rec[16];
	size_t n;
};

static void keep_record(struct vg_gpu *rec, void *ctx)
{
	struct records *r = ctx;

	if (r->n < 16)
		r->rec[r->n++] = *rec;
}

static const struct vg_gpu *record_of(const struct records *r, pid_t pid)
{
	for (size_t i = 0; i < r->n; i++)
		if (r->rec[i].hdr.task.pid == (uint32_t)pid)
			return &r->rec[i];
	return NULL;
}

static size_t allocs_of(const struct vg_gpu_sensor *gs, pid_t pid, uint64_t *dptr, uint64_t *size)
{
	struct vg_gpu_alloc_key key, next;
	bool first = true;
	size_t n = 0;

	while (!bpf_map_get_next_key(gs->allocs, first ? NULL : &key, &next)) {
		first = false;
		key = next;
		if (key.tgid != (uint32_t)pid)
			continue;
		n++;
		*dptr = key.dptr;
		bpf_map_lookup_elem(gs->allocs, &key, size);
	}
	return n;
}

/*
 * Two processes, each counted apart: `standard` (5 launches; allocations of
 * 1, 4 and 16 MiB and a failing 2 GiB; the 1 and 4 MiB freed; 2 syncs of
 * 20 ms) and `threads` (4 threads with 10 launches and a sync each, the
 * syncs overlapping).  Then they exit: one retired by its exit, one by the
 * periodic sweep, each with its last record.
 */
static void test_gpu_counts_per_process(void)
{
	struct client a = { .in = -1 }, b = { .in = -1 };
	struct records recs = { .n = 0 };
	struct vg_gpu_opts go = { .interval_ns = 3600ULL * 1000000000ULL, .emit = keep_record,
				  .ctx = &recs };
	struct vg_gpu_tracker *t = NULL;
	struct vg_gpu_totals *tot = NULL;
	struct vg_gpu_sensor gs;
	pid_t pa, pb;
	struct vg_gpu_probes gp;
	struct vg_gpu_proc p;
	const struct vg_gpu *r;
	struct collector c;
	uint64_t drops[VG_GPU_DROP_MAX], dptr = 0, size = 0, now;
	size_t slot;

	if (!fixture() || !client_start(&a, "standard") || !client_start(&b, "threads"))
		goto out;
	if (!ASSERT_OK(start(&c, &gs, &gp), "agent start, 4 functions attached"))
		goto out;
	now = vg_clock_now_boot();
	t = vg_gpu_tracker_new(&go, &gs, now);
	if (!ASSERT_OK_PTR(t, "tracker"))
		goto cleanup;
	ASSERT_TRUE(client_run(&a), "standard client ran (library dlopen()ed after attach)");
	ASSERT_TRUE(client_run(&b), "threads client ran");

	/* the standard client, alive */
	if (ASSERT_OK(vg_gpu_read_proc(&gs, (uint32_t)a.pid, &p), "standard: aggregate")) {
		ASSERT_STREQ(p.comm, "gpu_caller", "standard: comm");
		ASSERT_GE(p.start_ns, 1, "standard: start time");
		ASSERT_EQ(p.ppid, getpid(), "standard: ppid");
		ASSERT_EQ(p.uid, getuid(), "standard: uid");
		ASSERT_EQ(p.euid, geteuid(), "standard: euid");
		ASSERT_EQ(p.fn[VG_GPU_LAUNCH_KERNEL].calls, 5, "cuLaunchKernel calls");
		ASSERT_EQ(p.fn[VG_GPU_LAUNCH_KERNEL].errors, 0, "cuLaunchKernel errors");
		ASSERT_EQ(p.fn[VG_GPU_LAUNCH_KERNEL].timed, 5, "cuLaunchKernel timed");
		ASSERT_EQ(hist_sum(p.fn[VG_GPU_LAUNCH_KERNEL].hist, 0, VG_HIST_SLOTS), 5,
			  "cuLaunchKernel histogram count");
		ASSERT_EQ(p.fn[VG_GPU_MEM_ALLOC].calls, 4, "cuMemAlloc_v2 calls");
		ASSERT_EQ(p.fn[VG_GPU_MEM_ALLOC].errors, 1, "cuMemAlloc_v2 errors (2 GiB)");
		ASSERT_EQ(p.fn[VG_GPU_MEM_FREE].calls, 2, "cuMemFree_v2 calls");
		ASSERT_EQ(p.fn[VG_GPU_MEM_FREE].errors, 0, "cuMemFree_v2 errors");
		ASSERT_EQ(p.fn[VG_GPU_CTX_SYNC].calls, 2, "cuCtxSynchronize calls");
		ASSERT_EQ(p.fn[VG_GPU_CTX_SYNC].errors, 0, "cuCtxSynchronize errors");
		ASSERT_GE(p.fn[VG_GPU_CTX_SYNC].latency_ns, 40000000, "sync latency >= 2 x 20 ms");
		/* a 20 ms sleep lands in [16.4, 32.8) ms on an idle machine; up to
		 * two slots more are allowed for a loaded one (CI, 2 vCPUs) */
		ASSERT_LE(p.fn[VG_GPU_CTX_SYNC].latency_ns, 2 * SYNC_MAX_NS, "sync latency < 2 x 131 ms");
		ASSERT_EQ(hist_sum(p.fn[VG_GPU_CTX_SYNC].hist, SYNC_SLOT, SYNC_SLOT + 2), 2,
			  "both syncs in [16.4, 131) ms");
		ASSERT_EQ(hist_sum(p.fn[VG_GPU_CTX_SYNC].hist, 0, SYNC_SLOT - 1), 0,
			  "no sync below 16.4 ms");
		ASSERT_EQ(p.alloc_bytes, (1 + 4 + 16) * MiB, "bytes of successful allocations");
		ASSERT_EQ(p.alloc_failed_bytes, 2048 * MiB, "bytes of the failed allocation");
		ASSERT_EQ(p.allocated_bytes, 16 * MiB, "allocated after the frees");
		ASSERT_EQ(p.allocations, 1, "allocations left");
	}
	/* the pointer read from *dptr at the return: the fake's third, 2 MiB-aligned */
	ASSERT_EQ(allocs_of(&gs, a.pid, &dptr, &size), 1, "standard: one allocation tracked");
	ASSERT_EQ(dptr, 0x7f0000000000ULL + 2 * MiB + 4 * MiB, "its device pointer");
	ASSERT_EQ(size, 16 * MiB, "its size");

	/* the threads client, alive: its own counts */
	if (ASSERT_OK(vg_gpu_read_proc(&gs, (uint32_t)b.pid, &p), "threads: aggregate")) {
		ASSERT_EQ(p.fn[VG_GPU_LAUNCH_KERNEL].calls, 40, "threads: cuLaunchKernel calls");
		ASSERT_EQ(p.fn[VG_GPU_LAUNCH_KERNEL].timed, 40, "threads: cuLaunchKernel timed");
		ASSERT_EQ(p.fn[VG_GPU_CTX_SYNC].calls, 4, "threads: cuCtxSynchronize calls");
		ASSERT_EQ(hist_sum(p.fn[VG_GPU_CTX_SYNC].hist, SYNC_SLOT, SYNC_SLOT + 2), 4,
			  "threads: each overlapping sync timed by its own thread");
		ASSERT_EQ(p.fn[VG_GPU_MEM_ALLOC].calls + p.fn[VG_GPU_MEM_FREE].calls, 0,
			  "threads: no allocations");
		ASSERT_EQ(p.allocated_bytes, 0, "threads: nothing allocated");
	}
	ASSERT_EQ(allocs_of(&gs, b.pid, &dptr, &size), 0, "threads: no allocation tracked");
	if (ASSERT_OK(vg_gpu_read_drops(&gs, drops), "drops"))
		for (int i = 0; i < VG_GPU_DROP_MAX; i++)
			ASSERT_EQ(drops[i], 0, vg_gpu_drop_name(i));

	/* exits: a by its exit event (what `vigil trace gpu` does), b by the sweep */
	pa = a.pid;
	pb = b.pid;
	ASSERT_EQ(client_stop(&a), 0, "standard client exits 0");
	ASSERT_EQ(client_stop(&b), 0, "threads client exits 0");
	vg_gpu_on_exit(t, (uint32_t)pa, vg_clock_now_boot());
	r = record_of(&recs, pa);
	if (ASSERT_OK_PTR(r, "standard: last record")) {
		ASSERT_EQ(r->hdr.type, VG_EV_GPU, "record type");
		ASSERT_EQ(r->hdr.size, sizeof(*r), "record size");
		ASSERT_EQ(r->flags, VG_GPU_EXITED, "record flags: exited");
		ASSERT_STREQ(r->hdr.task.comm, "gpu_caller", "record comm");
		ASSERT_EQ(r->hdr.task.pid, pa, "record pid");
		ASSERT_EQ(r->hdr.task.ppid, getpid(), "record ppid");
		ASSERT_EQ(r->fn[VG_GPU_LAUNCH_KERNEL].calls, 5, "record: launches");
		ASSERT_EQ(r->fn[VG_GPU_MEM_ALLOC].errors, 1, "record: alloc errors");
		ASSERT_GE(r->fn[VG_GPU_CTX_SYNC].p99_ns, 32768000, "record: sync p99 bound >= 32.8 ms");
		ASSERT_LE(r->fn[VG_GPU_CTX_SYNC].p99_ns, SYNC_MAX_NS, "record: sync p99 bound <= 131 ms");
		ASSERT_EQ(r->alloc_bytes, 21 * MiB, "record: alloc bytes");
		ASSERT_EQ(r->allocated_bytes, 16 * MiB, "record: allocated");
		ASSERT_GE(r->interval_ns, 1, "record: interval");
	}
	ASSERT_EQ(vg_gpu_read_proc(&gs, (uint32_t)pa, &p), -ENOENT, "standard: entry deleted");
	ASSERT_EQ(allocs_of(&gs, pa, &dptr, &size), 0, "standard: allocations forgotten");
	ASSERT_OK(vg_gpu_read_proc(&gs, (uint32_t)pb, &p), "threads: entry until the sweep");
	vg_gpu_tick(t, vg_clock_now_boot() + 2000000000ULL);
	ASSERT_EQ(vg_gpu_read_proc(&gs, (uint32_t)pb, &p), -ENOENT, "threads: swept");
	r = record_of(&recs, pb);
	if (ASSERT_OK_PTR(r, "threads: last record"))
		ASSERT_EQ(r->fn[VG_GPU_LAUNCH_KERNEL].calls, 40, "threads record: launches");
	ASSERT_EQ(recs.n, 2, "one record per process");

	/* the totals keep what the exited processes did */
	tot = calloc(1, sizeof(*tot));
	if (ASSERT_OK_PTR(tot, "totals") && ASSERT_OK(vg_gpu_totals(t, tot), "totals")) {
		ASSERT_EQ(tot->processes, 0, "totals: no live process");
		ASSERT_EQ(tot->comms->n, 1, "totals: one comm");
		slot = 0;
		ASSERT_STREQ(tot->comms->name[slot], "gpu_caller", "totals: its name");
		ASSERT_EQ(tot->by_comm[slot].fn[VG_GPU_LAUNCH_KERNEL].calls, 45, "totals: launches");
		ASSERT_EQ(tot->by_comm[slot].fn[VG_GPU_CTX_SYNC].calls, 6, "totals: syncs");
		ASSERT_EQ(hist_sum(tot->by_comm[slot].fn[VG_GPU_CTX_SYNC].hist, SYNC_SLOT, SYNC_SLOT + 2), 6,
			  "totals: sync histogram");
		ASSERT_EQ(tot->by_comm[slot].fn[VG_GPU_MEM_ALLOC].errors, 1, "totals: alloc errors");
		ASSERT_EQ(tot->by_comm[slot].alloc_bytes, 21 * MiB, "totals: alloc bytes");
		ASSERT_EQ(tot->by_comm[slot].allocated_bytes, 0, "totals: nothing held by the dead");
	}
cleanup:
	vg_gpu_tracker_free(t);
	vg_gpu_detach(&gp);
	collector_stop(&c);
out:
	free(tot);
	client_stop(&a);
	client_stop(&b);
}

/* A cuCtxSynchronize called from a signal handler inside another on the same
 * thread: each pairs with its own return (20 ms inner, ~40 ms outer). */
static void test_gpu_nested_calls_pair_with_their_returns(void)
{
	struct client a = { .in = -1 };
	struct vg_gpu_sensor gs;
	struct vg_gpu_probes gp;
	struct vg_gpu_proc p;
	struct collector c;
	uint64_t drops[VG_GPU_DROP_MAX];

	if (!fixture() || !client_start(&a, "nested"))
		goto out;
	if (!ASSERT_OK(start(&c, &gs, &gp), "agent start"))
		goto out;
	ASSERT_TRUE(client_run(&a), "nested client ran");
	if (ASSERT_OK(vg_gpu_read_proc(&gs, (uint32_t)a.pid, &p), "aggregate")) {
		ASSERT_EQ(p.fn[VG_GPU_CTX_SYNC].calls, 2, "two syncs");
		ASSERT_EQ(p.fn[VG_GPU_CTX_SYNC].timed, 2, "both timed");
		ASSERT_EQ(hist_sum(p.fn[VG_GPU_CTX_SYNC].hist, 0, SYNC_SLOT - 1), 0,
			  "inner and outer: >= 16.4 ms");
		ASSERT_GE(hist_sum(p.fn[VG_GPU_CTX_SYNC].hist, SYNC_SLOT + 1, SYNC_SLOT + 3), 1,
			  "outer (20 ms + the inner 20 ms): >= 32.8 ms");
		ASSERT_GE(p.fn[VG_GPU_CTX_SYNC].latency_ns, 60000000, "20 ms + 40 ms");
	}
	if (ASSERT_OK(vg_gpu_read_drops(&gs, drops), "drops"))
		ASSERT_EQ(drops[VG_GPU_DROP_NESTING] + drops[VG_GPU_DROP_INFLIGHT], 0,
			  "nothing lost to nesting");
	vg_gpu_detach(&gp);
	collector_stop(&c);
out:
	ASSERT_EQ(client_stop(&a), 0, "nested client exits 0");
}

/* A library without the symbols is refused with -ENOENT (what `vigil trace
 * gpu --lib` reports); one that does not exist is not found. */
static void test_gpu_attach_needs_the_driver_symbols(void)
{
	struct vg_sensor_opts so = { .sensors = VG_SENSOR_PROCESS | VG_SENSOR_GPU };
	struct vg_gpu_sensor gs;
	struct vg_gpu_probes gp;
	struct collector c;
	char path[4096];

	ASSERT_EQ(vg_gpu_find_lib("/nonexistent/libcuda.so.1", path, sizeof(path)), -ENOENT,
		  "missing library");
	if (!ASSERT_OK(collector_start_sensor(&c, &so), "agent start"))
		return;
	vg_sensor_gpu(&c.agent.sensor, &gs);
	ASSERT_EQ(vg_gpu_attach(&gp, &gs, "/bin/true"), -ENOENT, "no cu* symbols in /bin/true");
	ASSERT_EQ(gp.n, 0, "nothing attached");
	vg_gpu_detach(&gp);
	collector_stop(&c);
}

static const struct vg_test tests[] = {
	VG_TEST(test_gpu_counts_per_process),
	VG_TEST(test_gpu_nested_calls_pair_with_their_returns),
	VG_TEST(test_gpu_attach_needs_the_driver_symbols),
	{},
};

VG_TEST_MAIN(tests)
