// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * test_gpu - the GPU driver sensor's user-space logic: the kernel's log2
 * latency slots as Prometheus buckets, interval records from two aggregates,
 * the comm label cap, the gpu record's decoder check and JSON/text
 * rendering, and finding the driver library.
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "event.h"
#include "gpu.h"
#include "metrics.h"
#include "metrics_gpu.h"
#include "output.h"

#define MiB (1ULL << 20)

static void latency_bounds_are_log2_microseconds(void **state)
{
	double le[VG_GPU_LATENCY_BOUNDS];

	assert_int_equal(VG_GPU_LATENCY_BOUNDS, VG_HIST_SLOTS - 1);
	vg_gpu_latency_bounds(le);
	assert_true(le[0] == 1e-6);		/* slot 0: < 1 us */
	assert_true(le[1] == 2e-6);		/* slot 1: [1, 2) us */
	assert_true(le[15] == 0.032768);	/* slot 15: [16384, 32768) us, a 20 ms call */
	assert_true(le[30] == 1073.741824);	/* slot 30; slot 31 is +Inf */
	for (int i = 1; i < VG_GPU_LATENCY_BOUNDS; i++)
		assert_true(le[i] == 2 * le[i - 1]);
}

/* The kernel's slots rendered as the histogram vigil_gpu_call_duration_seconds:
 * slot k counts into le = 2^k us, cumulatively; the capped last slot only
 * into +Inf. */
static void slots_render_as_cumulative_buckets(void **state)
{
	double le[VG_GPU_LATENCY_BOUNDS];
	uint64_t slots[VG_HIST_SLOTS] = { 0 };
	const char *fn[] = { "cuCtxSynchronize" };
	struct vg_metrics *reg = vg_metrics_new();
	struct vg_metric *h;
	struct vg_buf b;

	assert_non_null(reg);
	vg_gpu_latency_bounds(le);
	h = vg_metrics_histogram(reg, "vigil_gpu_call_duration_seconds", "x", "function", le,
				 VG_GPU_LATENCY_BOUNDS);
	assert_non_null(h);
	slots[2] = 5;		/* [2, 4) us */
	slots[15] = 2;		/* two 20 ms syncs */
	slots[31] = 1;		/* capped: >= 2^30 us */
	vg_metrics_histogram_set_buckets(h, fn, slots, VG_HIST_SLOTS, 0.0400125);
	vg_buf_init(&b);
	vg_metrics_render(reg, &b);
	assert_false(b.oom);
	assert_non_null(strstr(b.data, "# TYPE vigil_gpu_call_duration_seconds histogram\n"));
#define BUCKET "vigil_gpu_call_duration_seconds_bucket{function=\"cuCtxSynchronize\","
	assert_non_null(strstr(b.data, BUCKET "le=\"1e-06\"} 0\n"));
	assert_non_null(strstr(b.data, BUCKET "le=\"2e-06\"} 0\n"));
	assert_non_null(strstr(b.data, BUCKET "le=\"4e-06\"} 5\n"));
	assert_non_null(strstr(b.data, BUCKET "le=\"0.016384\"} 5\n"));
	assert_non_null(strstr(b.data, BUCKET "le=\"0.032768\"} 7\n"));
	assert_non_null(strstr(b.data, BUCKET "le=\"1073.741824\"} 7\n"));
	assert_non_null(strstr(b.data, BUCKET "le=\"+Inf\"} 8\n"));
#undef BUCKET
	assert_non_null(strstr(b.data, "vigil_gpu_call_duration_seconds_count{function="
				       "\"cuCtxSynchronize\"} 8\n"));
	assert_non_null(strstr(b.data, "vigil_gpu_call_duration_seconds_sum{function="
				       "\"cuCtxSynchronize\"} 0.0400125\n"));
	vg_buf_release(&b);
	vg_metrics_free(reg);
}

static void proc_fill(struct vg_gpu_proc *p, uint64_t launches, uint64_t syncs, uint64_t allocs)
{
	memset(p, 0, sizeof(*p));
	snprintf(p->comm, sizeof(p->comm), "trainer");
	p->cgroup_id = 42;
	p->start_ns = 1000;
	p->ppid = 1;
	p->uid = p->euid = 1000;
	p->gid = p->egid = 100;
	p->loginuid = 1000;
	p->fn[VG_GPU_LAUNCH_KERNEL].calls = launches;
	p->fn[VG_GPU_LAUNCH_KERNEL].timed = launches;
	p->fn[VG_GPU_LAUNCH_KERNEL].latency_ns = launches * 3000;
	p->fn[VG_GPU_LAUNCH_KERNEL].hist[2] = launches;		/* [2, 4) us */
	p->fn[VG_GPU_CTX_SYNC].calls = syncs;
	p->fn[VG_GPU_CTX_SYNC].timed = syncs;
	p->fn[VG_GPU_CTX_SYNC].latency_ns = syncs * 20000000;
	p->fn[VG_GPU_CTX_SYNC].hist[15] = syncs;
	p->fn[VG_GPU_MEM_ALLOC].calls = allocs;
	p->fn[VG_GPU_MEM_ALLOC].errors = allocs / 2;
	p->alloc_bytes = allocs * MiB;
	p->allocated_bytes = (int64_t)(allocs * MiB) / 2;
	p->allocations = (int64_t)allocs / 2;
}

/* A record is the difference of two aggregates; gauges are the current ones. */
static void summarize_takes_interval_deltas(void **state)
{
	struct vg_gpu_proc prev, cur;
	struct vg_gpu rec;

	proc_fill(&prev, 100, 1, 2);
	proc_fill(&cur, 150, 100, 6);
	cur.fn[VG_GPU_CTX_SYNC].hist[20] = 1;	/* one slow sync: [0.52, 1.05) s */
	cur.fn[VG_GPU_CTX_SYNC].calls++;
	assert_true(vg_gpu_summarize(&prev, &cur, 4242, 1000000000, 77, &rec));
	assert_int_equal(rec.hdr.type, VG_EV_GPU);
	assert_int_equal(rec.hdr.version, VG_GPU_VERSION);
	assert_int_equal(rec.hdr.size, sizeof(rec));
	assert_int_equal(rec.hdr.ts_ns, 77);
	assert_int_equal(rec.hdr.task.pid, 4242);
	assert_int_equal(rec.hdr.task.tid, 4242);
	assert_int_equal(rec.hdr.task.cgroup_id, 42);
	assert_int_equal(rec.hdr.task.start_ns, 1000);
	assert_int_equal(rec.hdr.task.ppid, 1);
	assert_int_equal(rec.hdr.task.uid, 1000);
	assert_int_equal(rec.hdr.task.euid, 1000);
	assert_int_equal(rec.hdr.task.egid, 100);
	assert_int_equal(rec.hdr.task.loginuid, 1000);
	assert_string_equal(rec.hdr.task.comm, "trainer");
	assert_int_equal(rec.interval_ns, 1000000000);
	assert_int_equal(rec.flags, 0);
	assert_int_equal(rec.fn[VG_GPU_LAUNCH_KERNEL].calls, 50);
	assert_int_equal(rec.fn[VG_GPU_LAUNCH_KERNEL].latency_ns, 150000);
	assert_int_equal(rec.fn[VG_GPU_LAUNCH_KERNEL].p50_ns, 4000);	/* slot 2's bound */
	assert_int_equal(rec.fn[VG_GPU_LAUNCH_KERNEL].max_ns, 4000);
	assert_int_equal(rec.fn[VG_GPU_CTX_SYNC].calls, 100);
	assert_int_equal(rec.fn[VG_GPU_CTX_SYNC].p50_ns, 32768000);
	assert_int_equal(rec.fn[VG_GPU_CTX_SYNC].p99_ns, 32768000);
	assert_int_equal(rec.fn[VG_GPU_CTX_SYNC].max_ns, 1048576000);
	assert_int_equal(rec.fn[VG_GPU_MEM_ALLOC].calls, 4);
	assert_int_equal(rec.fn[VG_GPU_MEM_ALLOC].errors, 2);
	assert_int_equal(rec.fn[VG_GPU_MEM_FREE].calls, 0);
	assert_int_equal(rec.fn[VG_GPU_MEM_FREE].p99_ns, 0);
	assert_int_equal(rec.alloc_bytes, 4 * MiB);
	assert_int_equal(rec.allocated_bytes, 3 * MiB);
	assert_int_equal(rec.allocations, 3);

	/* nothing new: no record wanted */
	assert_false(vg_gpu_summarize(&cur, &cur, 4242, 1, 78, &rec));
	/* the first record of a process: everything so far */
	assert_true(vg_gpu_summarize(NULL, &prev, 4242, 5, 79, &rec));
	assert_int_equal(rec.fn[VG_GPU_LAUNCH_KERNEL].calls, 100);
	assert_int_equal(rec.alloc_bytes, 2 * MiB);
}

/* The first 16 comms get their own label value for good; later ones are
 * "other". */
static void comm_slots_are_sticky_and_capped(void **state)
{
	struct vg_gpu_comms c = { .n = 0 };
	char name[32];

	for (int i = 0; i < VG_GPU_COMMS_MAX; i++) {
		snprintf(name, sizeof(name), "proc%d", i);
		assert_int_equal(vg_gpu_comm_slot(&c, name), i);
	}
	assert_false(c.other);
	assert_int_equal(vg_gpu_comm_slot(&c, "latecomer"), VG_GPU_COMMS_MAX);
	assert_true(c.other);
	assert_int_equal(vg_gpu_comm_slot(&c, "proc3"), 3);
	assert_int_equal(c.n, VG_GPU_COMMS_MAX);
	/* a comm is at most 15 bytes, as the kernel keeps it */
	c.n = 0;
	assert_int_equal(vg_gpu_comm_slot(&c, "a-very-long-command-name"), 0);
	assert_string_equal(c.name[0], "a-very-long-com");
	assert_int_equal(vg_gpu_comm_slot(&c, "a-very-long-com"), 0);
	/* a label value must be UTF-8: anything but printable ASCII becomes '?' */
	assert_int_equal(vg_gpu_comm_slot(&c, "\xff\x01x\"y\xc3\xa9"), 1);
	assert_string_equal(c.name[1], "??x\"y??");
}

static void names(void **state)
{
	assert_string_equal(vg_gpu_fn_name(VG_GPU_LAUNCH_KERNEL), "cuLaunchKernel");
	assert_string_equal(vg_gpu_fn_name(VG_GPU_MEM_ALLOC), "cuMemAlloc_v2");
	assert_string_equal(vg_gpu_fn_name(VG_GPU_MEM_FREE), "cuMemFree_v2");
	assert_string_equal(vg_gpu_fn_name(VG_GPU_CTX_SYNC), "cuCtxSynchronize");
	assert_null(vg_gpu_fn_name(VG_GPU_FN_MAX));
	for (unsigned int r = 0; r < VG_GPU_DROP_MAX; r++)
		assert_non_null(vg_gpu_drop_name(r));
	assert_null(vg_gpu_drop_name(VG_GPU_DROP_MAX));
	assert_string_equal(vg_gpu_drop_name(VG_GPU_DROP_ALLOCS_FULL), "allocs_full");
}

static void event_check_and_kind(void **state)
{
	struct vg_gpu_proc p;
	struct vg_gpu rec;
	const char *why = NULL;

	assert_int_equal(VG_EV_GPU, 17);
	assert_string_equal(vg_event_kind(VG_EV_GPU), "gpu");
	proc_fill(&p, 1, 0, 0);
	vg_gpu_summarize(NULL, &p, 7, 1, 1, &rec);
	assert_int_equal(vg_event_check(&rec, sizeof(rec), &why), 0);
	assert_int_equal(vg_event_check(&rec, sizeof(rec) - 8, &why), -EINVAL);
	rec.hdr.version = 2;
	assert_int_equal(vg_event_check(&rec, sizeof(rec), &why), -EPROTO);
}

static void render_json_and_text(void **state)
{
	struct vg_event_view v = { 0 };
	struct vg_gpu_proc p;
	struct vg_gpu rec;
	struct vg_buf b;

	proc_fill(&p, 5, 2, 4);
	p.fn[VG_GPU_MEM_FREE].calls = 2;
	p.alloc_failed_bytes = 2048 * MiB;
	vg_gpu_summarize(NULL, &p, 4242, 250000000, 1, &rec);
	rec.flags = VG_GPU_EXITED;
	v.hdr = &rec.hdr;
	v.gpu = &rec;
	v.proc.task = &rec.hdr.task;
	v.proc.exe = "/usr/bin/python3.11";
	v.proc.cgroup = "";
	v.proc.parent_exe = "";
	vg_buf_init(&b);
	vg_render_event(&b, VG_FMT_JSON, &v);
	assert_false(b.oom);
	assert_non_null(strstr(b.data, "\"kind\":\"gpu\""));
	assert_non_null(strstr(b.data,
		"\"gpu\":{\"interval_ns\":250000000,\"exited\":true,\"functions\":{"
		"\"cuLaunchKernel\":{\"calls\":5,\"errors\":0,\"latency_ns\":15000,\"p50_ns\":4000,"
		"\"p99_ns\":4000,\"max_ns\":4000},"
		"\"cuMemAlloc_v2\":{\"calls\":4,\"errors\":2,\"latency_ns\":0,\"p50_ns\":0,"
		"\"p99_ns\":0,\"max_ns\":0},"
		"\"cuMemFree_v2\":{\"calls\":2,\"errors\":0,\"latency_ns\":0,\"p50_ns\":0,"
		"\"p99_ns\":0,\"max_ns\":0},"
		"\"cuCtxSynchronize\":{\"calls\":2,\"errors\":0,\"latency_ns\":40000000,"
		"\"p50_ns\":32768000,\"p99_ns\":32768000,\"max_ns\":32768000}},"
		"\"alloc_bytes\":4194304,\"alloc_failed_bytes\":2147483648,"
		"\"allocated_bytes\":2097152,\"allocations\":2}}\n"));
	vg_buf_release(&b);

	vg_buf_init(&b);
	vg_render_event(&b, VG_FMT_TEXT, &v);
	assert_non_null(strstr(b.data, " gpu "));
	assert_non_null(strstr(b.data, " cuLaunchKernel=5(p99<=4us) cuMemAlloc_v2=4/2err "
				       "cuMemFree_v2=2 cuCtxSynchronize=2(p99<=32768us) "
				       "alloc_bytes=4194304 allocated_bytes=2097152 exited"));
	vg_buf_release(&b);
}

/* A path is used as given (canonicalised); a bare name is searched like the
 * loader would, $LD_LIBRARY_PATH first. */
static void find_lib_by_path_and_name(void **state)
{
	char dir[] = "/tmp/vg-gpu-unit-XXXXXX", lib[PATH_MAX], link[PATH_MAX], out[PATH_MAX];
	FILE *f;

	assert_non_null(mkdtemp(dir));
	snprintf(lib, sizeof(lib), "%s/libvgfakedrv.so.1", dir);
	snprintf(link, sizeof(link), "%s/libvgfakedrv.so", dir);
	f = fopen(lib, "w");
	assert_non_null(f);
	fclose(f);
	assert_int_equal(symlink("libvgfakedrv.so.1", link), 0);

	assert_int_equal(vg_gpu_find_lib(lib, out, sizeof(out)), 0);
	assert_string_equal(out, lib);
	assert_int_equal(vg_gpu_find_lib(link, out, sizeof(out)), 0);
	assert_string_equal(out, lib);			/* canonical: the link resolved */
	assert_int_equal(vg_gpu_find_lib(dir, out, sizeof(out)), -ENOENT);	/* a directory */
	assert_int_equal(vg_gpu_find_lib("/nonexistent/libcuda.so.1", out, sizeof(out)), -ENOENT);
	assert_int_equal(vg_gpu_find_lib("", out, sizeof(out)), -ENOENT);
	assert_int_equal(vg_gpu_find_lib(lib, out, 8), -ENAMETOOLONG);

	assert_int_equal(vg_gpu_find_lib("libvgfakedrv.so.1", out, sizeof(out)), -ENOENT);
	setenv("LD_LIBRARY_PATH", "/nonexistent:", 1);
	assert_int_equal(vg_gpu_find_lib("libvgfakedrv.so.1", out, sizeof(out)), -ENOENT);
	snprintf(out, sizeof(out), "/nonexistent::%s", dir);
	setenv("LD_LIBRARY_PATH", out, 1);
	assert_int_equal(vg_gpu_find_lib("libvgfakedrv.so.1", out, sizeof(out)), 0);
	assert_string_equal(out, lib);
	unsetenv("LD_LIBRARY_PATH");

	unlink(link);
	unlink(lib);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(latency_bounds_are_log2_microseconds),
		cmocka_unit_test(slots_render_as_cumulative_buckets),
		cmocka_unit_test(summarize_takes_interval_deltas),
		cmocka_unit_test(comm_slots_are_sticky_and_capped),
		cmocka_unit_test(names),
		cmocka_unit_test(event_check_and_kind),
		cmocka_unit_test(render_json_and_text),
		cmocka_unit_test(find_lib_by_path_and_name),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
