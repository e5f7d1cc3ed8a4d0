// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * The live detector's user-space dimensions (detect.h): events of a
 * profiled workload that its profile holds raise nothing; each novelty is
 * one reason, counted once per window, weighted into the score; a report
 * goes out when the score reaches the threshold; children are judged
 * against their parent's profile; an exit forgets the process.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <cmocka.h>

#include "detect.h"

#define WL "/usr/sbin/mysqld"
#define SEC 1000000000ULL

struct sink {
	size_t n;
	double score[16];
	char reasons[16][512];	/* joined by '|' */
	uint32_t pid[16];
};

static void collect(const struct vg_event_view *ev, void *ctx)
{
	struct sink *s = ctx;
	size_t len = 0;

	assert_int_equal(ev->hdr->type, VG_EV_ANOMALY);
	assert_non_null(ev->anomaly_view);
	if (s->n == 16)
		return;
	s->score[s->n] = ev->anomaly_view->score;
	s->pid[s->n] = ev->proc.task->pid;
	s->reasons[s->n][0] = '\0';
	for (size_t i = 0; i < ev->anomaly_view->n_reasons; i++)
		len += (size_t)snprintf(s->reasons[s->n] + len, sizeof(s->reasons[0]) - len, "%s%s",
					i ? "|" : "", ev->anomaly_view->reasons[i]);
	s->n++;
}

static struct vg_detect *detector(struct sink *s, double threshold)
{
	struct vg_detect_opts o = { .report_score = threshold, .report = collect, .ctx = s };
	struct vg_detect *d = vg_detect_new(&o);
	struct vg_detect_profile p = { 0 };

	assert_non_null(d);
	p.workload = strdup(WL);
	p.id = 3;
	assert_int_equal(vg_strset_add(&p.syscalls, "read"), 0);
	assert_int_equal(vg_strset_add(&p.syscalls, "openat"), 0);
	assert_int_equal(vg_strset_add(&p.execs, "/usr/bin/logger"), 0);
	assert_int_equal(vg_strset_add(&p.files_read, "/etc/mysql/my.cnf"), 0);
	assert_int_equal(vg_strset_add(&p.files_write, "/var/lib/mysql/*"), 0);
	assert_int_equal(vg_strset_add(&p.peers, "tcp 10.0.0.5 3306"), 0);
	assert_int_equal(vg_strset_add(&p.creds, "setuid 112"), 0);
	p.rates[VG_RATE_FILE] = 1.0;
	assert_int_equal(vg_detect_add(d, &p), 0);
	assert_null(p.workload);
	return d;
}

/* An event record big enough for any type, and its view. */
struct ev {
	union {
		struct vg_event_hdr hdr;
		struct vg_exec exec;
		struct vg_file file;
		struct vg_net net;
		struct vg_priv priv;
		struct vg_anomaly anomaly;
	} r;
	struct vg_event_view v;
};

static void ev_init(struct ev *e, uint16_t type, uint32_t pid, const char *exe, uint64_t ts)
{
	memset(e, 0, sizeof(*e));
	e->r.hdr.type = type;
	e->r.hdr.ts_ns = ts;
	e->r.hdr.task.pid = e->r.hdr.task.tid = pid;
	e->r.hdr.task.ppid = 1;
	e->r.hdr.task.start_ns = 1000 + pid;
	e->v.hdr = &e->r.hdr;
	e->v.exec = &e->r.exec;	/* the union: every pointer is the record */
	e->v.proc.task = &e->r.hdr.task;
	e->v.proc.exe = exe;
	e->v.proc.parent_exe = "/usr/bin/bash";
	e->v.proc.cgroup = "/";
}

static void file_ev(struct ev *e, uint32_t pid, const char *path, bool write, uint64_t ts)
{
	ev_init(e, VG_EV_FILE, pid, WL, ts);
	e->r.file.op = VG_FILE_OPEN;
	e->r.file.flags = write ? 1 /* O_WRONLY */ : 0;
	e->r.file.file_flags = write ? VG_FILE_WRITE_INTENT : 0;
	e->v.file = &e->r.file;
	e->v.file_view.path = path;
}

static void connect_ev(struct ev *e, uint32_t pid, const char *addr, uint16_t port, uint64_t ts)
{
	ev_init(e, VG_EV_NET, pid, WL, ts);
	e->r.net.op = VG_NET_CONNECT;
	e->r.net.family = AF_INET;
	e->r.net.protocol = 6;
	e->r.net.dport = port;
	assert_int_equal(inet_pton(AF_INET, addr, e->r.net.daddr), 1);
	e->v.net = &e->r.net;
}

static void known_behaviour_raises_nothing(void **state)
{
	struct sink s = { 0 };
	struct vg_detect *d = detector(&s, 1.0);
	struct ev e;

	file_ev(&e, 10, "/etc/mysql/my.cnf", false, SEC);
	vg_detect_on_event(d, &e.v);
	file_ev(&e, 10, "/var/lib/mysql/ibdata1", true, SEC);	/* the directory's files */
	vg_detect_on_event(d, &e.v);
	connect_ev(&e, 10, "10.0.0.5", 3306, SEC);
	vg_detect_on_event(d, &e.v);
	ev_init(&e, VG_EV_EXEC, 11, "/usr/bin/logger", SEC);
	e.v.proc.parent_exe = WL;
	vg_detect_on_event(d, &e.v);
	/* another workload's novelties are not ours */
	file_ev(&e, 12, "/etc/shadow", false, SEC);
	e.v.proc.exe = "/usr/bin/cat";
	vg_detect_on_event(d, &e.v);
	assert_int_equal(s.n, 0);
	vg_detect_free(d);
}

static void each_novelty_is_one_weighted_reason(void **state)
{
	struct sink s = { 0 };
	struct vg_detect *d = detector(&s, 1.0);
	struct ev e;

	file_ev(&e, 10, "/etc/shadow", false, SEC);
	vg_detect_on_event(d, &e.v);
	vg_detect_on_event(d, &e.v);	/* the same again: no new reason, no report */
	assert_int_equal(s.n, 1);
	assert_string_equal(s.reasons[0], "new file read /etc/shadow");
	assert_true(s.score[0] == VG_DETECT_W_FILE_READ);
	connect_ev(&e, 10, "198.51.100.9", 4444, 2 * SEC);
	vg_detect_on_event(d, &e.v);
	assert_int_equal(s.n, 2);
	assert_string_equal(s.reasons[1], "new file read /etc/shadow|new peer tcp 198.51.100.9 4444");
	assert_true(s.score[1] == VG_DETECT_W_FILE_READ + VG_DETECT_W_PEER);
	/* a write to a new directory */
	file_ev(&e, 10, "/tmp/x/y", true, 3 * SEC);
	vg_detect_on_event(d, &e.v);
	assert_int_equal(s.n, 3);
	assert_non_null(strstr(s.reasons[2], "new file write /tmp/x/y"));
	vg_detect_free(d);
}

static void threshold_holds_reports_back(void **state)
{
	struct sink s = { 0 };
	struct vg_detect *d = detector(&s, 4.0);
	struct ev e;

	file_ev(&e, 10, "/etc/shadow", false, SEC);	/* 2 */
	vg_detect_on_event(d, &e.v);
	assert_int_equal(s.n, 0);
	file_ev(&e, 10, "/etc/gshadow", false, SEC);	/* 4 */
	vg_detect_on_event(d, &e.v);
	assert_int_equal(s.n, 1);
	assert_true(s.score[0] == 4.0);
	/* the window ends: the score starts again */
	file_ev(&e, 10, "/etc/passwd-", false, 70 * SEC);
	vg_detect_on_event(d, &e.v);
	assert_int_equal(s.n, 1);
	vg_detect_free(d);
}

static void new_child_is_judged_by_the_parent_profile(void **state)
{
	struct sink s = { 0 };
	struct vg_detect *d = detector(&s, 1.0);
	struct ev e;

	ev_init(&e, VG_EV_EXEC, 20, "/bin/sh", SEC);
	e.v.proc.parent_exe = WL;
	vg_detect_on_event(d, &e.v);
	assert_int_equal(s.n, 1);
	assert_int_equal(s.pid[0], 20);
	assert_string_equal(s.reasons[0], "new child /bin/sh");
	assert_true(s.score[0] == VG_DETECT_W_EXEC);
	vg_detect_free(d);
}

static void kernel_anomaly_names_the_sequence_and_new_syscall(void **state)
{
	struct sink s = { 0 };
	struct vg_detect *d = detector(&s, 1.0);
	struct ev e;

	ev_init(&e, VG_EV_ANOMALY, 10, WL, SEC);
	e.r.anomaly.profile_id = 3;
	e.r.anomaly.misses = 5;
	e.r.anomaly.window = 3;
	e.r.anomaly.nrs[0] = 0;		/* read */
	e.r.anomaly.nrs[1] = 257;	/* openat */
	e.r.anomaly.nrs[2] = 62;	/* kill: not in the profile */
	e.v.anomaly = &e.r.anomaly;
	vg_detect_on_event(d, &e.v);
	assert_int_equal(s.n, 1);
	assert_string_equal(s.reasons[0], "unseen syscall sequence: read openat kill (5 of the "
			    "last 32 windows unseen)|new syscall kill");
	assert_true(s.score[0] == VG_DETECT_W_SYSCALLS + VG_DETECT_W_SYSCALL_NEW);
	vg_detect_free(d);
}

static void credential_change_and_exit(void **state)
{
	struct sink s = { 0 };
	struct vg_detect *d = detector(&s, 1.0);
	struct ev e;

	ev_init(&e, VG_EV_PRIV, 10, WL, SEC);
	e.r.priv.op = VG_PRIV_SETUID;
	e.r.priv.new.euid = 112;	/* learned */
	e.v.priv = &e.r.priv;
	vg_detect_on_event(d, &e.v);
	assert_int_equal(s.n, 0);
	e.r.priv.new.euid = 0;
	vg_detect_on_event(d, &e.v);
	assert_int_equal(s.n, 1);
	assert_string_equal(s.reasons[0], "new credential change setuid 0");
	/* exit: forgotten; the same novelty counts again for a new process */
	ev_init(&e, VG_EV_EXIT, 10, WL, 2 * SEC);
	vg_detect_on_event(d, &e.v);
	ev_init(&e, VG_EV_PRIV, 10, WL, 3 * SEC);
	e.r.priv.op = VG_PRIV_SETUID;
	e.v.priv = &e.r.priv;
	vg_detect_on_event(d, &e.v);
	assert_int_equal(s.n, 2);
	assert_true(s.score[1] == VG_DETECT_W_CRED);
	vg_detect_free(d);
}

static void rate_far_above_baseline(void **state)
{
	struct sink s = { 0 };
	struct vg_detect *d = detector(&s, 1.0);
	struct ev e;

	/* learned 1 file event/s; 700 in one 60 s window is > 10x */
	for (int i = 0; i < 700; i++) {
		file_ev(&e, 10, "/etc/mysql/my.cnf", false, SEC + (uint64_t)i);
		vg_detect_on_event(d, &e.v);
	}
	assert_int_equal(s.n, 1);
	assert_non_null(strstr(s.reasons[0], "file rate"));
	vg_detect_free(d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(known_behaviour_raises_nothing),
		cmocka_unit_test(each_novelty_is_one_weighted_reason),
		cmocka_unit_test(threshold_holds_reports_back),
		cmocka_unit_test(new_child_is_judged_by_the_parent_profile),
		cmocka_unit_test(kernel_anomaly_names_the_sequence_and_new_syscall),
		cmocka_unit_test(credential_change_and_exit),
		cmocka_unit_test(rate_far_above_baseline),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
