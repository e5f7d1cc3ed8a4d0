// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * test_top.c - `vigil top`'s table (src/top_model.c): rates from running
 * totals, baselines, exits and pid reuse, network bytes per connection,
 * sorting by every key, filtering, narrow units, lines cut to the screen;
 * its keys (src/top_view.c, no terminal needed); and what it reads from a
 * fake /proc (src/top_collect.c).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <curses.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "top_collect.h"
#include "top_model.h"
#include "top_view.h"

#define SEC 1000000000ULL

/* A sample at t seconds with the given live pids (comm "pPID"). */
static void sample(struct vg_top *t, uint64_t t_ns, const uint32_t *pids, size_t n)
{
	vg_top_begin(t, t_ns);
	for (size_t i = 0; i < n; i++) {
		char comm[16];

		snprintf(comm, sizeof(comm), "p%u", pids[i]);
		assert_non_null(vg_top_proc(t, pids[i], comm, NULL));
	}
}

static void test_syscall_rate_is_the_total_delta_over_the_interval(void **state)
{
	struct vg_top t;
	uint32_t pid = 10;

	vg_top_init(&t);
	sample(&t, 0, &pid, 1);
	vg_top_total(&t, pid, VG_TOP_C_SYSCALLS, 100);
	vg_top_end(&t);
	assert_true(vg_top_find(&t, pid)->syscalls_per_s == 0.0);	/* the baseline */

	sample(&t, 1 * SEC, &pid, 1);
	vg_top_total(&t, pid, VG_TOP_C_SYSCALLS, 1100);
	vg_top_end(&t);
	assert_int_equal(t.interval_ns, SEC);
	assert_true(vg_top_find(&t, pid)->syscalls_per_s == 1000.0);

	sample(&t, 3 * SEC, &pid, 1);		/* a 2 s interval */
	vg_top_total(&t, pid, VG_TOP_C_SYSCALLS, 2100);
	vg_top_end(&t);
	assert_true(vg_top_find(&t, pid)->syscalls_per_s == 500.0);

	sample(&t, 4 * SEC, &pid, 1);		/* no total this time: none made */
	vg_top_end(&t);
	assert_true(vg_top_find(&t, pid)->syscalls_per_s == 0.0);
	vg_top_release(&t);
}

static void test_kernel_total_first_seen_later_counts_from_zero(void **state)
{
	struct vg_top t;
	uint32_t pid = 10;

	vg_top_init(&t);
	sample(&t, 0, &pid, 1);			/* no syscall yet since top started */
	vg_top_end(&t);
	sample(&t, SEC, &pid, 1);
	vg_top_total(&t, pid, VG_TOP_C_SYSCALLS, 300);
	vg_top_total(&t, pid, VG_TOP_C_IO, 4096);
	vg_top_end(&t);
	assert_true(vg_top_find(&t, pid)->syscalls_per_s == 300.0);
	assert_true(vg_top_find(&t, pid)->io_bytes_per_s == 4096.0);
	vg_top_release(&t);
}

static void test_writes_of_an_old_process_start_at_a_baseline_a_new_one_from_zero(void **state)
{
	struct vg_top t;
	uint32_t old = 10, both[] = { 10, 11 };

	vg_top_init(&t);
	sample(&t, 0, &old, 1);
	vg_top_end(&t);
	/* 10 ran for the first time: its wchar since it began is not this interval's */
	sample(&t, SEC, both, 2);
	assert_true(vg_top_wants(&t, 10, VG_TOP_C_WRITES));
	vg_top_total(&t, 10, VG_TOP_C_WRITES, 5000);
	vg_top_total(&t, 11, VG_TOP_C_WRITES, 4000);	/* 11 began since the last sample */
	vg_top_end(&t);
	assert_true(vg_top_find(&t, 10)->write_bytes_per_s == 0.0);
	assert_true(vg_top_find(&t, 11)->write_bytes_per_s == 4000.0);

	sample(&t, 2 * SEC, both, 2);
	vg_top_cpu(&t, 10, 1000, 0);
	assert_true(vg_top_wants(&t, 10, VG_TOP_C_WRITES));	/* it ran */
	assert_false(vg_top_wants(&t, 11, VG_TOP_C_WRITES));	/* it did not */
	assert_false(vg_top_wants(&t, 12, VG_TOP_C_WRITES));	/* no such row */
	vg_top_total(&t, 10, VG_TOP_C_WRITES, 6024);
	vg_top_end(&t);
	assert_true(vg_top_find(&t, 10)->write_bytes_per_s == 1024.0);
	assert_true(vg_top_find(&t, 11)->write_bytes_per_s == 0.0);
	vg_top_release(&t);
}

static void test_a_total_that_went_back_started_over(void **state)
{
	struct vg_top t;
	uint32_t pid = 10;

	vg_top_init(&t);
	sample(&t, 0, &pid, 1);
	vg_top_total(&t, pid, VG_TOP_C_SYSCALLS, 5000);
	vg_top_end(&t);
	sample(&t, SEC, &pid, 1);
	vg_top_total(&t, pid, VG_TOP_C_SYSCALLS, 70);	/* the entry was made again */
	vg_top_end(&t);
	assert_true(vg_top_find(&t, pid)->syscalls_per_s == 70.0);
	vg_top_release(&t);
}

static void test_cpu_percent_and_runqueue_p99_are_the_intervals(void **state)
{
	struct vg_top t;
	uint32_t pid = 10;

	vg_top_init(&t);
	sample(&t, 0, &pid, 1);
	vg_top_end(&t);
	sample(&t, 2 * SEC, &pid, 1);
	vg_top_cpu(&t, pid, 3 * SEC, 8000);	/* 3 s of CPU in 2 s: two threads */
	vg_top_cpu(&t, 99, SEC, 1);		/* no row: ignored */
	vg_top_end(&t);
	assert_true(vg_top_find(&t, pid)->cpu_percent == 150.0);
	assert_int_equal(vg_top_find(&t, pid)->runq_p99_ns, 8000);
	assert_null(vg_top_find(&t, 99));
	sample(&t, 3 * SEC, &pid, 1);
	vg_top_end(&t);
	assert_true(vg_top_find(&t, pid)->cpu_percent == 0.0);
	assert_int_equal(vg_top_find(&t, pid)->runq_p99_ns, 0);
	vg_top_release(&t);
}

static void test_gone_processes_leave_but_those_with_decisions_linger(void **state)
{
	struct vg_top t;
	uint32_t both[] = { 10, 11 };

	vg_top_init(&t);
	sample(&t, 0, both, 2);
	vg_top_end(&t);
	vg_top_action(&t, 11, "other", "/bin/other");	/* keeps its comm */
	vg_top_anomaly(&t, 11, NULL, NULL);
	sample(&t, SEC, NULL, 0);
	vg_top_end(&t);
	assert_null(vg_top_find(&t, 10));
	assert_non_null(vg_top_find(&t, 11));
	assert_int_equal(vg_top_find(&t, 11)->gone, 1);
	assert_string_equal(vg_top_find(&t, 11)->comm, "p11");
	assert_int_equal(vg_top_find(&t, 11)->actions, 1);
	assert_int_equal(vg_top_find(&t, 11)->anomalies, 1);
	for (unsigned int i = 0; i < VG_TOP_LINGER; i++) {
		sample(&t, (2 + i) * SEC, NULL, 0);
		vg_top_end(&t);
	}
	assert_null(vg_top_find(&t, 11));
	assert_int_equal(t.n, 0);
	vg_top_release(&t);
}

static void test_a_decision_about_a_process_not_listed_yet_makes_its_row(void **state)
{
	struct vg_top t;
	uint32_t pid = 12;

	vg_top_init(&t);
	sample(&t, 0, NULL, 0);
	vg_top_end(&t);
	vg_top_action(&t, pid, "nc", "/tmp/nc");
	vg_top_action(&t, 0, "x", NULL);		/* about no process: ignored */
	assert_string_equal(vg_top_find(&t, pid)->comm, "nc");
	assert_string_equal(vg_top_find(&t, pid)->exe, "/tmp/nc");
	sample(&t, SEC, &pid, 1);			/* listed: the same process */
	vg_top_end(&t);
	assert_int_equal(vg_top_find(&t, pid)->actions, 1);
	assert_int_equal(vg_top_find(&t, pid)->gone, 0);
	assert_int_equal(t.n, 1);
	vg_top_release(&t);
}

static void test_a_pid_reused_after_an_exit_is_a_new_row(void **state)
{
	struct vg_top t;
	uint32_t pid = 10;

	vg_top_init(&t);
	sample(&t, 0, &pid, 1);
	vg_top_end(&t);
	vg_top_action(&t, pid, NULL, NULL);
	vg_top_exit(&t, pid);
	/* still listed (a zombie): not alive, lingers with its decision */
	sample(&t, SEC, &pid, 1);
	vg_top_cpu(&t, pid, SEC, 0);
	vg_top_end(&t);
	assert_int_equal(vg_top_find(&t, pid)->gone, 1);
	assert_int_equal(vg_top_find(&t, pid)->actions, 1);
	assert_true(vg_top_find(&t, pid)->cpu_percent == 0.0);
	/* listed again: another process */
	sample(&t, 2 * SEC, &pid, 1);
	vg_top_total(&t, pid, VG_TOP_C_WRITES, 700);	/* new: from zero */
	vg_top_end(&t);
	assert_int_equal(vg_top_find(&t, pid)->gone, 0);
	assert_int_equal(vg_top_find(&t, pid)->actions, 0);
	assert_true(vg_top_find(&t, pid)->write_bytes_per_s == 700.0);
	vg_top_release(&t);
}

static struct vg_top_flow_key flow_key(uint16_t sport)
{
	struct vg_top_flow_key k = { .family = 2, .sport = sport, .dport = 80 };

	k.saddr[0] = 10;
	k.daddr[0] = 192;
	return k;
}

static void test_flow_updates_then_close_count_each_byte_once(void **state)
{
	struct vg_top t;
	struct vg_top_flow_key k = flow_key(40000);
	uint32_t pid = 10;

	vg_top_init(&t);
	sample(&t, 0, &pid, 1);
	vg_top_end(&t);
	assert_int_equal(vg_top_flow(&t, pid, &k, 1000, false), 1000);	/* first: from zero */
	assert_int_equal(vg_top_flows(&t), 1);
	sample(&t, SEC, &pid, 1);
	vg_top_end(&t);
	assert_true(vg_top_find(&t, pid)->net_bytes_per_s == 1000.0);
	assert_int_equal(vg_top_flow(&t, pid, &k, 3000, false), 2000);
	assert_int_equal(vg_top_flow(&t, pid, &k, 3000, false), 0);	/* a repeat */
	assert_int_equal(vg_top_flow(&t, pid, &k, 3500, true), 500);	/* the close */
	assert_int_equal(vg_top_flows(&t), 0);
	sample(&t, 2 * SEC, &pid, 1);
	vg_top_end(&t);
	assert_true(vg_top_find(&t, pid)->net_bytes_per_s == 2500.0);
	sample(&t, 3 * SEC, &pid, 1);
	vg_top_end(&t);
	assert_true(vg_top_find(&t, pid)->net_bytes_per_s == 0.0);
	vg_top_release(&t);
}

static void test_flows_short_lived_unowned_and_stale(void **state)
{
	struct vg_top t;
	struct vg_top_flow_key a = flow_key(1), b = flow_key(2), c = flow_key(3);
	uint32_t pids[] = { 10, 11 };

	vg_top_init(&t);
	sample(&t, 0, pids, 2);
	vg_top_end(&t);
	/* closed before its first update: all of it */
	assert_int_equal(vg_top_flow(&t, 10, &a, 777, true), 777);
	assert_int_equal(vg_top_flows(&t), 0);
	/* a close whose owner the kernel forgot: counted for the known owner */
	vg_top_flow(&t, 11, &b, 100, false);
	assert_int_equal(vg_top_flow(&t, 0, &b, 150, true), 50);
	/* owner never known: nobody to count it for */
	assert_int_equal(vg_top_flow(&t, 0, &c, 999, true), 0);
	sample(&t, SEC, pids, 2);
	vg_top_end(&t);
	assert_true(vg_top_find(&t, 10)->net_bytes_per_s == 777.0);
	assert_true(vg_top_find(&t, 11)->net_bytes_per_s == 150.0);
	/* updates that stop (a close lost) are forgotten after a while */
	vg_top_flow(&t, 11, &c, 10, false);
	for (int i = 2; i < 70; i++) {
		sample(&t, (uint64_t)i * SEC, pids, 2);
		vg_top_end(&t);
	}
	assert_int_equal(vg_top_flows(&t), 0);
	vg_top_release(&t);
}

/* Six processes, each the busiest by one key. */
static void busy_table(struct vg_top *t)
{
	uint32_t pids[] = { 1, 2, 3, 4, 5, 6, 7 };
	struct vg_top_flow_key k = flow_key(9);

	vg_top_init(t);
	sample(t, 0, pids, 7);
	vg_top_end(t);
	sample(t, SEC, pids, 7);
	vg_top_cpu(t, 1, SEC / 2, 1000);
	vg_top_cpu(t, 3, SEC / 4, 9000000);
	vg_top_total(t, 2, VG_TOP_C_SYSCALLS, 50000);
	vg_top_total(t, 1, VG_TOP_C_SYSCALLS, 10);
	vg_top_total(t, 4, VG_TOP_C_IO, 1 << 20);
	vg_top_flow(t, 5, &k, 1 << 16, false);
	vg_top_anomaly(t, 7, NULL, NULL);
	vg_top_action(t, 6, NULL, NULL);
	vg_top_end(t);
}

static uint32_t first_pid(struct vg_top *t, enum vg_top_sort s, const char *filter)
{
	struct vg_top_opts o = { .sort = s, .filter = filter };

	assert_int_equal(vg_top_view(t, &o), 0);
	return t->n_view ? t->view[0]->pid : 0;
}

static void test_sort_by_each_key_puts_the_busiest_first(void **state)
{
	struct vg_top t;

	busy_table(&t);
	assert_int_equal(first_pid(&t, VG_TOP_SORT_CPU, NULL), 1);
	assert_int_equal(first_pid(&t, VG_TOP_SORT_SYSCALLS, NULL), 2);
	assert_int_equal(first_pid(&t, VG_TOP_SORT_RUNQ, NULL), 3);
	assert_int_equal(first_pid(&t, VG_TOP_SORT_IO, NULL), 4);
	assert_int_equal(first_pid(&t, VG_TOP_SORT_NET, NULL), 5);
	assert_int_equal(first_pid(&t, VG_TOP_SORT_ANOMALIES, NULL), 7);
	assert_int_equal(first_pid(&t, VG_TOP_SORT_PID, NULL), 1);
	/* pid: ascending all the way; ties of the others by pid */
	first_pid(&t, VG_TOP_SORT_PID, NULL);
	for (size_t i = 1; i < t.n_view; i++)
		assert_true(t.view[i - 1]->pid < t.view[i]->pid);
	first_pid(&t, VG_TOP_SORT_CPU, NULL);
	assert_int_equal(t.view[1]->pid, 3);
	assert_int_equal(t.view[2]->pid, 2);	/* 0 % each from here, by pid */
	assert_int_equal(t.view[6]->pid, 7);
	/* anomalies, then decisions */
	first_pid(&t, VG_TOP_SORT_ANOMALIES, NULL);
	assert_int_equal(t.view[1]->pid, 6);
	vg_top_release(&t);
}

static void test_sort_by_writes(void **state)
{
	struct vg_top t;
	uint32_t one = 1, two[] = { 1, 2 };

	vg_top_init(&t);
	sample(&t, 0, &one, 1);
	vg_top_total(&t, 1, VG_TOP_C_WRITES, 100);
	vg_top_end(&t);
	sample(&t, SEC, two, 2);
	vg_top_total(&t, 1, VG_TOP_C_WRITES, 200);
	vg_top_total(&t, 2, VG_TOP_C_WRITES, 300);
	vg_top_end(&t);
	assert_int_equal(first_pid(&t, VG_TOP_SORT_WRITES, NULL), 2);
	assert_true(t.view[1]->write_bytes_per_s == 100.0);
	vg_top_release(&t);
}

static void test_filter_matches_comm_or_exe_in_any_case(void **state)
{
	struct vg_top t;

	vg_top_init(&t);
	vg_top_begin(&t, 0);
	vg_top_proc(&t, 1, "vigil-test-hog", "/tmp/x/vigil-test-hog");
	vg_top_proc(&t, 2, "bash", "/usr/bin/bash");
	vg_top_proc(&t, 3, "python3", "/usr/bin/python3.11");
	vg_top_end(&t);
	assert_int_equal(first_pid(&t, VG_TOP_SORT_PID, "HOG"), 1);
	assert_int_equal(t.n_view, 1);
	assert_int_equal(first_pid(&t, VG_TOP_SORT_PID, "/usr/bin"), 2);
	assert_int_equal(t.n_view, 2);
	assert_int_equal(first_pid(&t, VG_TOP_SORT_PID, "3.11"), 3);	/* the exe only */
	assert_int_equal(t.n_view, 1);
	assert_int_equal(first_pid(&t, VG_TOP_SORT_PID, "nothing"), 0);
	assert_int_equal(t.n_view, 0);
	first_pid(&t, VG_TOP_SORT_PID, "");
	assert_int_equal(t.n_view, 3);
	vg_top_release(&t);
}

static void test_sort_names_and_keys(void **state)
{
	const char keys[] = "csrinwap";

	for (int s = 0; s < VG_TOP_SORT_MAX; s++) {
		assert_int_equal(vg_top_sort_parse(vg_top_sort_name(s)), s);
		assert_int_equal(vg_top_sort_key(keys[s]), s);
	}
	assert_int_equal(vg_top_sort_parse("memory"), -1);
	assert_int_equal(vg_top_sort_key('x'), -1);
	assert_null(vg_top_sort_name(VG_TOP_SORT_MAX));
}

#define FMT(fn, expect, ...) do { \
	char b_[32]; \
	fn(b_, sizeof(b_), __VA_ARGS__); \
	assert_string_equal(b_, expect); \
} while (0)

static void test_units_are_narrow(void **state)
{
	FMT(vg_top_fmt_count, "0", 0.0);
	FMT(vg_top_fmt_count, "0.5", 0.5);
	FMT(vg_top_fmt_count, "3", 3.0);		/* counts are whole */
	FMT(vg_top_fmt_count, "2.5", 2.5);
	FMT(vg_top_fmt_count, "9.9", 9.94);
	FMT(vg_top_fmt_count, "10", 9.96);
	FMT(vg_top_fmt_count, "999", 999.0);
	FMT(vg_top_fmt_count, "1.0k", 999.6);
	FMT(vg_top_fmt_count, "1.2k", 1234.0);
	FMT(vg_top_fmt_count, "34k", 34000.0);
	FMT(vg_top_fmt_count, "999k", 999000.0);
	FMT(vg_top_fmt_count, "3.4M", 3.4e6);
	FMT(vg_top_fmt_count, "12G", 12e9);
	FMT(vg_top_fmt_bytes, "512", 512.0);
	FMT(vg_top_fmt_bytes, "1.5K", 1536.0);
	FMT(vg_top_fmt_bytes, "3.4M", 3.4 * 1048576);
	FMT(vg_top_fmt_bytes, "100M", 100.0 * 1048576);
	FMT(vg_top_fmt_bytes, "1.0G", 1023.9 * 1048576);
	FMT(vg_top_fmt_ns, "0", 0, false);
	FMT(vg_top_fmt_ns, "500ns", 500, false);
	FMT(vg_top_fmt_ns, "16us", 16000, false);
	FMT(vg_top_fmt_ns, "16\u00b5s", 16000, true);
	FMT(vg_top_fmt_ns, "512us", 512000, false);
	FMT(vg_top_fmt_ns, "1.0ms", 1000000, false);
	FMT(vg_top_fmt_ns, "1.5ms", 1500000, false);
	FMT(vg_top_fmt_ns, "250ms", 250000000, false);
	FMT(vg_top_fmt_ns, "2.0s", 2000000000ULL, false);
	FMT(vg_top_fmt_ns, "30s", 30000000000ULL, false);
	FMT(vg_top_fmt_ns, "36m", 2147483648000000ULL / 1000, false);	/* the largest bucket */
	FMT(vg_top_fmt_ns, "42h", 42 * 3600 * SEC, false);
	FMT(vg_top_fmt_percent, "0", 0.0);
	FMT(vg_top_fmt_percent, "0", 0.04);
	FMT(vg_top_fmt_percent, "0.3", 0.3);
	FMT(vg_top_fmt_percent, "99.5", 99.5);
	FMT(vg_top_fmt_percent, "100", 99.97);
	FMT(vg_top_fmt_percent, "200", 200.0);
	/* every count fits its 5-column field, whatever the size */
	for (double v = 0.001; v < 1e17; v *= 1.37) {
		char b[32];

		vg_top_fmt_count(b, sizeof(b), v);
		assert_true(strlen(b) <= 5);
		vg_top_fmt_bytes(b, sizeof(b), v);
		assert_true(strlen(b) <= 5);
		vg_top_fmt_ns(b, sizeof(b), (uint64_t)v, true);
		assert_true(vg_top_text_width(b) <= 6);
	}
	assert_int_equal(vg_top_text_width("16\u00b5s"), 4);
	assert_int_equal(vg_top_text_width(""), 0);
}

static struct vg_top_row *a_row(void)
{
	struct vg_top_row *r = calloc(1, sizeof(*r));

	assert_non_null(r);
	r->pid = 4194304;
	snprintf(r->comm, sizeof(r->comm), "vigil-test-hog");
	r->exe = strdup("/tmp/vigil-top-123/bin/vigil-test-hog");
	r->cpu_percent = 99.97;
	r->syscalls_per_s = 1234567;
	r->runq_p99_ns = 16000;
	r->io_bytes_per_s = 3.4 * 1048576;
	r->net_bytes_per_s = 1536;
	r->write_bytes_per_s = 100 * 1048576.0;
	r->anomalies = 3;
	r->actions = 12345;
	return r;
}

static void free_row(struct vg_top_row *r)
{
	free(r->exe);
	free(r);
}

static void test_a_row_fits_80_columns(void **state)
{
	struct vg_top_row *r = a_row();
	char buf[80 * 4 + 1], hdr[80 * 4 + 1];
	size_t at, len;

	vg_top_fmt_row(buf, 80, r, false);
	assert_string_equal(buf, "4194304 vigil-test-hog    100   1.2M   16us   3.4M   1.5K   100M"
				 "     3   12k");
	assert_int_equal(strlen(buf), 76);
	vg_top_fmt_header(hdr, 80, VG_TOP_SORT_SYSCALLS, &at, &len);
	assert_string_equal(hdr, "    PID COMM             CPU% SYSC/s RUNQ99   IO/s  NET/s   WR/s"
				 "  ANOM   ACT");
	assert_int_equal(len, 6);
	assert_memory_equal(hdr + at, "SYSC/s", 6);
	vg_top_fmt_header(hdr, 80, VG_TOP_SORT_PID, &at, &len);
	assert_memory_equal(hdr + at, "PID", 3);
	assert_int_equal(at, 4);
	/* each value ends where its title does */
	for (const char *t = "CPU%"; t; t = NULL) {
		const char *h = strstr(hdr, t);

		assert_non_null(h);
		assert_int_equal(buf[h - hdr + 3], '0');	/* "100" ends under "CPU%" */
	}
	/* UTF-8: µs takes one column, the line is still 76 wide */
	vg_top_fmt_row(buf, 80, r, true);
	assert_int_equal(vg_top_text_width(buf), 76);
	assert_non_null(strstr(buf, "16\u00b5s"));
	free_row(r);
}

static void test_narrow_screens_lose_whole_columns(void **state)
{
	struct vg_top_row *r = a_row();
	char buf[80 * 4 + 1], hdr[80 * 4 + 1];
	size_t at, len;

	vg_top_fmt_row(buf, 60, r, false);
	vg_top_fmt_header(hdr, 60, VG_TOP_SORT_ANOMALIES, &at, &len);
	assert_string_equal(buf, "4194304 vigil-test-hog    100   1.2M   16us   3.4M   1.5K");
	assert_string_equal(hdr, "    PID COMM             CPU% SYSC/s RUNQ99   IO/s  NET/s");
	assert_int_equal(len, 0);		/* the sorted column is not shown */
	vg_top_fmt_row(buf, 23, r, false);
	assert_string_equal(buf, "4194304 vigil-test-hog ");
	vg_top_fmt_row(buf, 22, r, false);
	assert_string_equal(buf, "4194304");
	vg_top_fmt_row(buf, 5, r, false);
	assert_string_equal(buf, "41943");
	vg_top_fmt_header(hdr, 5, VG_TOP_SORT_CPU, NULL, NULL);
	assert_string_equal(hdr, "    P");
	vg_top_fmt_row(buf, 0, r, false);
	assert_string_equal(buf, "");
	for (int w = 0; w <= 200; w++) {
		vg_top_fmt_row(buf, w < 80 ? w : 80, r, true);
		assert_true(vg_top_text_width(buf) <= (size_t)w);
		vg_top_fmt_header(hdr, w < 80 ? w : 80, VG_TOP_SORT_CPU, NULL, NULL);
		assert_true(strlen(hdr) <= (size_t)w);
	}
	free_row(r);
}

static void test_wide_screens_show_the_exe_cut_from_the_left(void **state)
{
	struct vg_top_row *r = a_row();
	char buf[200 * 4 + 1];

	vg_top_fmt_row(buf, 200, r, false);
	assert_non_null(strstr(buf, "   12k /tmp/vigil-top-123/bin/vigil-test-hog"));
	vg_top_fmt_row(buf, 100, r, false);
	assert_int_equal(strlen(buf), 100);
	assert_string_equal(buf + 76, " ...3/bin/vigil-test-hog");
	vg_top_fmt_header(buf, 100, VG_TOP_SORT_CPU, NULL, NULL);
	assert_string_equal(buf + 76, " EXE");
	vg_top_fmt_row(buf, 80, r, false);		/* too little room: no exe */
	assert_int_equal(strlen(buf), 76);
	free_row(r);
}

static void test_names_cannot_break_the_screen(void **state)
{
	struct vg_top_row *r = a_row();
	char buf[120 * 4 + 1];

	memcpy(r->comm, "a\tb\x1b[2J\xff", 9);
	free(r->exe);
	r->exe = strdup("/tmp/\n\x1b\xc3\xa9");
	r->runq_p99_ns = 0;
	vg_top_fmt_row(buf, 120, r, false);
	assert_non_null(strstr(buf, " a?b?[2J?     "));
	assert_non_null(strstr(buf, " /tmp/????"));
	assert_non_null(strstr(buf, "      - "));	/* no wait: a dash */
	for (const char *p = buf; *p; p++)
		assert_true(*p >= 0x20 && *p < 0x7f);
	free_row(r);
}

static void test_status_line_never_cuts_the_losses(void **state)
{
	struct vg_top_status st = {
		.clock = "12:34:56", .interval_ns = SEC, .shown = 2, .total = 153,
		.events_per_s = 1234, .lost = 7, .sort = VG_TOP_SORT_RUNQ,
	};
	char buf[4 * 200 + 1];

	vg_top_fmt_status(buf, 200, &st);
	assert_string_equal(buf, "vigil top 12:34:56  lost 7  events/s 1.2k  procs 153  every 1.0s"
				 "  sort runq");
	st.filter = "h\x1bg";
	vg_top_fmt_status(buf, 200, &st);
	assert_string_equal(buf, "vigil top 12:34:56  lost 7  events/s 1.2k  procs 2/153  every 1.0s"
				 "  sort runq  filter 'h?g'");
	vg_top_fmt_status(buf, 80, &st);
	assert_string_equal(buf, "12:34:56  lost 7  ev/s 1.2k  procs 2/153  every 1.0s  sort runq"
				 "  /h?g");
	vg_top_fmt_status(buf, 50, &st);
	assert_string_equal(buf, "lost 7  ev/s 1.2k  procs 2/153  sort runq  /h?g");
	vg_top_fmt_status(buf, 20, &st);
	assert_string_equal(buf, "lost 7  ev/s 1.2k  p");
	vg_top_fmt_status(buf, 0, &st);
	assert_string_equal(buf, "");
}

static void test_keys_sort_filter_scroll_and_quit(void **state)
{
	struct vg_top_ui ui;

	vg_top_ui_init(&ui, VG_TOP_SORT_CPU, NULL);
	assert_int_equal(vg_top_ui_key(&ui, 's'), VG_TOP_KEY_REDRAW);
	assert_int_equal(ui.sort, VG_TOP_SORT_SYSCALLS);
	assert_int_equal(vg_top_ui_key(&ui, 'w'), VG_TOP_KEY_REDRAW);
	assert_int_equal(ui.sort, VG_TOP_SORT_WRITES);
	assert_int_equal(vg_top_ui_key(&ui, 'x'), VG_TOP_KEY_NONE);
	/* "/hog" Enter: the filter; q typed in it is text */
	assert_int_equal(vg_top_ui_key(&ui, '/'), VG_TOP_KEY_REDRAW);
	assert_true(ui.editing);
	for (const char *k = "hoqg"; *k; k++)
		vg_top_ui_key(&ui, *k);
	assert_string_equal(ui.filter, "hoqg");		/* applied while typed */
	vg_top_ui_key(&ui, KEY_BACKSPACE);
	vg_top_ui_key(&ui, 127);
	vg_top_ui_key(&ui, 'g');
	vg_top_ui_key(&ui, KEY_LEFT);			/* not text */
	assert_string_equal(ui.filter, "hog");
	assert_int_equal(vg_top_ui_key(&ui, '\r'), VG_TOP_KEY_REDRAW);
	assert_false(ui.editing);
	assert_string_equal(ui.filter, "hog");
	/* Esc clears, in the prompt and outside it */
	assert_int_equal(vg_top_ui_key(&ui, 27), VG_TOP_KEY_REDRAW);
	assert_string_equal(ui.filter, "");
	vg_top_ui_key(&ui, '/');
	vg_top_ui_key(&ui, 'b');
	vg_top_ui_key(&ui, 27);
	assert_false(ui.editing);
	assert_string_equal(ui.filter, "");
	/* scrolling: clamped at 0 here, at the end when drawn */
	ui.page = 20;
	vg_top_ui_key(&ui, KEY_NPAGE);
	assert_int_equal(ui.scroll, 20);
	vg_top_ui_key(&ui, KEY_DOWN);
	assert_int_equal(ui.scroll, 21);
	vg_top_ui_key(&ui, KEY_PPAGE);
	vg_top_ui_key(&ui, KEY_PPAGE);
	assert_int_equal(ui.scroll, 0);
	vg_top_ui_key(&ui, KEY_UP);
	assert_int_equal(ui.scroll, 0);
	assert_int_equal(vg_top_ui_key(&ui, KEY_RESIZE), VG_TOP_KEY_REDRAW);
	assert_int_equal(vg_top_ui_key(&ui, 'q'), VG_TOP_KEY_QUIT);
}

static void test_filter_is_bounded(void **state)
{
	struct vg_top_ui ui;

	vg_top_ui_init(&ui, VG_TOP_SORT_CPU, "start");
	assert_string_equal(ui.filter, "start");
	vg_top_ui_key(&ui, '/');
	for (int i = 0; i < 200; i++)
		vg_top_ui_key(&ui, 'a');
	assert_int_equal(strlen(ui.filter), VG_TOP_FILTER_MAX - 1);
}

/* ---- a fake /proc ---------------------------------------------------------------- */

static void put(const char *root, unsigned int pid, const char *name, const char *text)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%u", root, pid);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/%u/%s", root, pid, name);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void io_text(char *buf, size_t len, unsigned long long wchar)
{
	snprintf(buf, len, "rchar: 5\nwchar: %llu\nsyscr: 1\nsyscw: 2\nread_bytes: 0\n"
		 "write_bytes: 0\ncancelled_write_bytes: 0\n", wchar);
}

static void test_proc_files_are_read(void **state)
{
	char root[] = "/tmp/vigil-test-top-XXXXXX", io[256], comm[16], cmd[64];
	uint64_t w;

	assert_non_null(mkdtemp(root));
	io_text(io, sizeof(io), 123456789012ULL);
	put(root, 42, "io", io);
	put(root, 42, "comm", "vigil-test-hog\n");
	put(root, 43, "io", "rchar: 1\n");
	put(root, 44, "io", "xwchar: 5\nwchar: 12x\n");
	assert_int_equal(vg_top_read_wchar(root, 42, &w), 0);
	assert_int_equal(w, 123456789012ULL);
	assert_int_equal(vg_top_read_wchar(root, 43, &w), -EPROTO);
	assert_int_equal(vg_top_read_wchar(root, 44, &w), -EPROTO);
	assert_int_equal(vg_top_read_wchar(root, 45, &w), -ENOENT);
	assert_int_equal(vg_top_read_comm(root, 42, comm), 0);
	assert_string_equal(comm, "vigil-test-hog");
	snprintf(cmd, sizeof(cmd), "rm -rf %s", root);
	assert_int_equal(system(cmd), 0);
}

static void test_a_sample_from_a_fake_proc(void **state)
{
	char root[] = "/tmp/vigil-test-top-XXXXXX", io[256], cmd[64];
	struct vg_sched_maps maps = { -1, -1, -1, -1, -1, -1, -1 };
	struct vg_top_collect c;
	struct vg_top t;

	assert_non_null(mkdtemp(root));
	io_text(io, sizeof(io), 1000);
	put(root, 7, "io", io);
	put(root, 7, "comm", "old\n");
	put(root, 9, "comm", "kthread\n");	/* no io file: no writes, still a row */
	mkdir(strcat(strcpy(cmd, root), "/self"), 0755);	/* not a pid */
	vg_top_init(&t);
	assert_int_equal(vg_top_collect_init(&c, &t, &maps, NULL, root, NULL, NULL, 0), 0);
	assert_int_equal(t.n, 2);
	assert_string_equal(vg_top_find(&t, 7)->comm, "old");
	assert_string_equal(vg_top_find(&t, 9)->comm, "kthread");
	/* a new process, and 7 wrote (no CPU figures here: read only without a baseline) */
	io_text(io, sizeof(io), 5000);
	put(root, 7, "io", io);
	io_text(io, sizeof(io), 2048);
	put(root, 8, "io", io);
	put(root, 8, "comm", "new\n");
	assert_int_equal(vg_top_collect_sample(&c, SEC), 0);
	assert_int_equal(t.n, 3);
	assert_true(vg_top_find(&t, 8)->write_bytes_per_s == 2048.0);	/* new: from zero */
	assert_true(vg_top_find(&t, 7)->write_bytes_per_s == 0.0);	/* did not run */
	/* 9 is gone */
	snprintf(cmd, sizeof(cmd), "rm -rf %s/9", root);
	assert_int_equal(system(cmd), 0);
	assert_int_equal(vg_top_collect_sample(&c, 2 * SEC), 0);
	assert_null(vg_top_find(&t, 9));
	assert_true(c.proc_reads >= 5);
	vg_top_collect_release(&c);
	vg_top_release(&t);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", root);
	assert_int_equal(system(cmd), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_syscall_rate_is_the_total_delta_over_the_interval),
		cmocka_unit_test(test_kernel_total_first_seen_later_counts_from_zero),
		cmocka_unit_test(test_writes_of_an_old_process_start_at_a_baseline_a_new_one_from_zero),
		cmocka_unit_test(test_a_total_that_went_back_started_over),
		cmocka_unit_test(test_cpu_percent_and_runqueue_p99_are_the_intervals),
		cmocka_unit_test(test_gone_processes_leave_but_those_with_decisions_linger),
		cmocka_unit_test(test_a_decision_about_a_process_not_listed_yet_makes_its_row),
		cmocka_unit_test(test_a_pid_reused_after_an_exit_is_a_new_row),
		cmocka_unit_test(test_flow_updates_then_close_count_each_byte_once),
		cmocka_unit_test(test_flows_short_lived_unowned_and_stale),
		cmocka_unit_test(test_sort_by_each_key_puts_the_busiest_first),
		cmocka_unit_test(test_sort_by_writes),
		cmocka_unit_test(test_filter_matches_comm_or_exe_in_any_case),
		cmocka_unit_test(test_sort_names_and_keys),
		cmocka_unit_test(test_units_are_narrow),
		cmocka_unit_test(test_a_row_fits_80_columns),
		cmocka_unit_test(test_narrow_screens_lose_whole_columns),
		cmocka_unit_test(test_wide_screens_show_the_exe_cut_from_the_left),
		cmocka_unit_test(test_names_cannot_break_the_screen),
		cmocka_unit_test(test_status_line_never_cuts_the_losses),
		cmocka_unit_test(test_keys_sort_filter_scroll_and_quit),
		cmocka_unit_test(test_filter_is_bounded),
		cmocka_unit_test(test_proc_files_are_read),
		cmocka_unit_test(test_a_sample_from_a_fake_proc),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
