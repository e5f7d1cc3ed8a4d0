// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "vigil/event.h"
#include "proctable.h"

static void test_proctable_new_rejects_zero_capacity(void **state)
{
	errno = 0;
	assert_null(vg_proctable_new(0));
	assert_int_equal(errno, EINVAL);
}

static void test_proctable_upsert_creates_zeroed_entry(void **state)
{
	struct vg_proctable *pt = vg_proctable_new(4);
	struct vg_proctable_stats st;
	struct vg_proc *p;

	assert_non_null(pt);
	p = vg_proctable_upsert(pt, 42);
	assert_non_null(p);
	assert_int_equal(p->pid, 42);
	assert_int_equal(p->ppid, 0);
	assert_int_equal(p->start_ns, 0);
	assert_null(p->exe);
	assert_null(p->cgroup);
	assert_null(p->args);
	assert_string_equal(p->comm, "");
	vg_proctable_get_stats(pt, &st);
	assert_int_equal(st.entries, 1);
	assert_int_equal(st.capacity, 4);
	vg_proctable_free(pt);
}

static void test_proctable_upsert_of_known_pid_returns_same_entry(void **state)
{
	struct vg_proctable *pt = vg_proctable_new(4);
	struct vg_proctable_stats st;
	struct vg_proc *p;

	p = vg_proctable_upsert(pt, 7);
	p->ppid = 1;
	assert_ptr_equal(vg_proctable_upsert(pt, 7), p);
	assert_int_equal(p->ppid, 1);
	vg_proctable_get_stats(pt, &st);
	assert_int_equal(st.entries, 1);
	vg_proctable_free(pt);
}

static void test_proctable_get_finds_only_known_pids(void **state)
{
	struct vg_proctable *pt = vg_proctable_new(4);
	struct vg_proc *p;

	assert_null(vg_proctable_get(pt, 1));
	p = vg_proctable_upsert(pt, 1);
	assert_ptr_equal(vg_proctable_get(pt, 1), p);
	assert_null(vg_proctable_get(pt, 2));
	vg_proctable_free(pt);
}

static void test_proctable_remove_forgets_pid_and_counts(void **state)
{
	struct vg_proctable *pt = vg_proctable_new(4);
	struct vg_proctable_stats st;
	struct vg_proc *p;

	p = vg_proctable_upsert(pt, 10);
	assert_int_equal(vg_proc_set_str(&p->exe, "/bin/true", 9), 0);
	vg_proctable_upsert(pt, 11);
	vg_proctable_remove(pt, 10);
	vg_proctable_remove(pt, 999);	/* absent: no-op */
	assert_null(vg_proctable_get(pt, 10));
	assert_non_null(vg_proctable_get(pt, 11));
	vg_proctable_get_stats(pt, &st);
	assert_int_equal(st.entries, 1);
	assert_int_equal(st.removed, 1);
	assert_int_equal(st.evicted, 0);
	vg_proctable_free(pt);
}

static void test_proctable_full_table_evicts_least_recently_used(void **state)
{
	struct vg_proctable *pt = vg_proctable_new(3);
	struct vg_proctable_stats st;

	vg_proctable_upsert(pt, 1);
	vg_proctable_upsert(pt, 2);
	vg_proctable_upsert(pt, 3);
	assert_non_null(vg_proctable_upsert(pt, 4));
	assert_null(vg_proctable_get(pt, 1));
	assert_non_null(vg_proctable_get(pt, 2));
	assert_non_null(vg_proctable_get(pt, 3));
	assert_non_null(vg_proctable_get(pt, 4));
	vg_proctable_get_stats(pt, &st);
	assert_int_equal(st.entries, 3);
	assert_int_equal(st.evicted, 1);
	assert_int_equal(st.removed, 0);
	vg_proctable_free(pt);
}

static void test_proctable_get_marks_entry_recently_used(void **state)
{
	struct vg_proctable *pt = vg_proctable_new(3);

	vg_proctable_upsert(pt, 1);
	vg_proctable_upsert(pt, 2);
	vg_proctable_upsert(pt, 3);
	assert_non_null(vg_proctable_get(pt, 1));	/* 2 is now the oldest */
	vg_proctable_upsert(pt, 4);
	assert_null(vg_proctable_get(pt, 2));
	assert_non_null(vg_proctable_get(pt, 1));
	vg_proctable_free(pt);
}

static void test_proctable_upsert_marks_entry_recently_used(void **state)
{
	struct vg_proctable *pt = vg_proctable_new(2);

	vg_proctable_upsert(pt, 1);
	vg_proctable_upsert(pt, 2);
	vg_proctable_upsert(pt, 1);			/* 2 is now the oldest */
	vg_proctable_upsert(pt, 3);
	assert_null(vg_proctable_get(pt, 2));
	assert_non_null(vg_proctable_get(pt, 1));
	assert_non_null(vg_proctable_get(pt, 3));
	vg_proctable_free(pt);
}

static void test_proctable_capacity_one_keeps_only_latest(void **state)
{
	struct vg_proctable *pt = vg_proctable_new(1);
	struct vg_proctable_stats st;

	vg_proctable_upsert(pt, 5);
	vg_proctable_upsert(pt, 6);
	vg_proctable_remove(pt, 6);
	vg_proctable_upsert(pt, 7);
	assert_null(vg_proctable_get(pt, 5));
	assert_non_null(vg_proctable_get(pt, 7));
	vg_proctable_get_stats(pt, &st);
	assert_int_equal(st.entries, 1);
	assert_int_equal(st.evicted, 1);
	assert_int_equal(st.removed, 1);
	vg_proctable_free(pt);
}

/* Many pids, sharing hash buckets, churned through a small table. */
static void test_proctable_stays_consistent_under_churn(void **state)
{
	struct vg_proctable *pt = vg_proctable_new(1000);
	struct vg_proctable_stats st;
	uint32_t pid;

	for (pid = 1; pid <= 5000; pid++) {
		assert_non_null(vg_proctable_upsert(pt, pid * 4096));
		if (pid % 7 == 0)
			vg_proctable_remove(pt, (pid - 3) * 4096);
	}
	vg_proctable_get_stats(pt, &st);
	assert_int_equal(st.entries, 1000);
	assert_int_equal(st.evicted + st.removed + st.entries, 5000);
	for (pid = 4001; pid <= 5000; pid++)
		if ((pid + 3) % 7 != 0 || pid + 3 > 5000)
			assert_non_null(vg_proctable_get(pt, pid * 4096));
	assert_null(vg_proctable_get(pt, 1 * 4096));
	vg_proctable_free(pt);
}

static void test_proctable_set_str_copies_bytes_and_null_clears(void **state)
{
	char *field = NULL;

	assert_int_equal(vg_proc_set_str(&field, "a\0b\0", 4), 0);
	assert_memory_equal(field, "a\0b\0\0", 5);
	assert_int_equal(vg_proc_set_str(&field, "xyz", 2), 0);
	assert_string_equal(field, "xy");
	assert_int_equal(vg_proc_set_str(&field, NULL, 0), 0);
	assert_null(field);
	assert_int_equal(vg_proc_set_str(&field, "", 0), 0);
	assert_string_equal(field, "");
	free(field);
}

/* --- seeding from a fake proc tree ------------------------------------ */

static void write_file(const char *dir, const char *name, const void *data, size_t len)
{
	char path[PATH_MAX];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

static void make_dir(char *out, size_t outsz, const char *root, const char *name)
{
	snprintf(out, outsz, "%s/%s", root, name);
	assert_int_equal(mkdir(out, 0755), 0);
}

/* A stat line with real-looking fields 5-21 and 23-, around ours. */
static void write_stat(const char *dir, unsigned int pid, const char *comm,
		       unsigned int ppid, unsigned long long start)
{
	char line[512];
	int n;

	n = snprintf(line, sizeof(line),
		     "%u (%s) S %u 5 6 0 -1 4194560 10 11 12 13 14 15 16 17 20 0 1 0 %llu "
		     "12345678 789 18446744073709551615 1 1 0 0 0 0 0 4096 0 0 0 17 3 0 0 0 0 0\n",
		     pid, comm, ppid, start);
	write_file(dir, "stat", line, (size_t)n);
}

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	return remove(path);
}

struct fake_proc {
	char root[64];
};

static int fake_setup(void **state)
{
	struct fake_proc *fp = calloc(1, sizeof(*fp));

	if (!fp)
		return -1;
	strcpy(fp->root, "/tmp/vigil-proc-XXXXXX");
	if (!mkdtemp(fp->root)) {
		free(fp);
		return -1;
	}
	*state = fp;
	return 0;
}

static int fake_teardown(void **state)
{
	struct fake_proc *fp = *state;

	nftw(fp->root, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	free(fp);
	return 0;
}

static uint64_t ticks_ns(unsigned long long ticks)
{
	return (uint64_t)ticks * (1000000000u / (uint64_t)sysconf(_SC_CLK_TCK));
}

static const char fake_cmdline[] = "/usr/bin/fake\0--flag\0value with space\0";
static const char fake_cgroup[] =
	"12:pids:/system.slice/fake.service\n"
	"1:name=systemd:/system.slice/fake.service\n"
	"0::/system.slice/fake.service\n";

static void test_proctable_seed_reads_fake_proc_tree(void **state)
{
	struct fake_proc *fp = *state;
	struct vg_proctable *pt = vg_proctable_new(64);
	char d[256], link[PATH_MAX];
	struct vg_proc *p;

	/* a user process whose comm holds ") (" and spaces */
	make_dir(d, sizeof(d), fp->root, "1234");
	write_stat(d, 1234, "x) (y z", 1, 987654);
	snprintf(link, sizeof(link), "%s/exe", d);
	assert_int_equal(symlink("/usr/bin/fake", link), 0);
	write_file(d, "cmdline", fake_cmdline, sizeof(fake_cmdline) - 1);
	write_file(d, "cgroup", fake_cgroup, sizeof(fake_cgroup) - 1);

	/* a kernel thread: no exe, empty cmdline */
	make_dir(d, sizeof(d), fp->root, "77");
	write_stat(d, 77, "kworker/0:1-events", 2, 5);
	write_file(d, "cmdline", "", 0);
	write_file(d, "cgroup", "0::/\n", 5);

	/* not processes, or gone */
	make_dir(d, sizeof(d), fp->root, "self");
	make_dir(d, sizeof(d), fp->root, "12ab");
	make_dir(d, sizeof(d), fp->root, "0");
	make_dir(d, sizeof(d), fp->root, "99999999999");
	make_dir(d, sizeof(d), fp->root, "999");		/* vanished: no stat */
	make_dir(d, sizeof(d), fp->root, "555");		/* unparsable stat */
	write_file(d, "stat", "555 no parens S 1\n", 18);
	make_dir(d, sizeof(d), fp->root, "556");		/* stat cut before field 22 */
	write_file(d, "stat", "556 (a) S 1 5 6\n", 16);
	write_file(fp->root, "uptime", "1.0 1.0\n", 8);

	assert_int_equal(vg_proctable_seed(pt, fp->root), 2);

	p = vg_proctable_get(pt, 1234);
	assert_non_null(p);
	assert_int_equal(p->ppid, 1);
	assert_string_equal(p->comm, "x) (y z");
	assert_int_equal(p->start_ns, ticks_ns(987654));
	assert_string_equal(p->exe, "/usr/bin/fake");
	assert_int_equal(p->args_len, sizeof(fake_cmdline) - 1);
	assert_memory_equal(p->args, fake_cmdline, sizeof(fake_cmdline) - 1);
	assert_false(p->args_truncated);
	assert_string_equal(p->cgroup, "/system.slice/fake.service");

	p = vg_proctable_get(pt, 77);
	assert_non_null(p);
	assert_int_equal(p->ppid, 2);
	assert_string_equal(p->comm, "kworker/0:1-eve");	/* cut to 15 */
	assert_null(p->exe);
	assert_int_equal(p->args_len, 0);
	assert_string_equal(p->cgroup, "/");

	assert_null(vg_proctable_get(pt, 999));
	assert_null(vg_proctable_get(pt, 555));
	assert_null(vg_proctable_get(pt, 556));
	vg_proctable_free(pt);
}

static void test_proctable_seed_cuts_long_cmdline_and_marks_truncated(void **state)
{
	struct fake_proc *fp = *state;
	struct vg_proctable *pt = vg_proctable_new(4);
	char d[256], *args;
	size_t len = VG_ARGS_LEN + 100;
	struct vg_proc *p;

	args = malloc(len);
	assert_non_null(args);
	memset(args, 'a', len);
	args[len - 1] = '\0';
	make_dir(d, sizeof(d), fp->root, "300");
	write_stat(d, 300, "long", 1, 1);
	write_file(d, "cmdline", args, len);
	assert_int_equal(vg_proctable_seed(pt, fp->root), 1);
	p = vg_proctable_get(pt, 300);
	assert_non_null(p);
	assert_int_equal(p->args_len, VG_ARGS_LEN);
	assert_true(p->args_truncated);
	assert_null(p->cgroup);		/* no cgroup file */
	free(args);
	vg_proctable_free(pt);
}

static void test_proctable_seed_keeps_entries_already_known(void **state)
{
	struct fake_proc *fp = *state;
	struct vg_proctable *pt = vg_proctable_new(4);
	char d[256];
	struct vg_proc *p;

	make_dir(d, sizeof(d), fp->root, "400");
	write_stat(d, 400, "old", 1, 1);
	make_dir(d, sizeof(d), fp->root, "401");
	write_stat(d, 401, "other", 1, 1);
	p = vg_proctable_upsert(pt, 400);
	assert_int_equal(vg_proc_set_str(&p->exe, "/from/event", 11), 0);
	p->ppid = 99;

	assert_int_equal(vg_proctable_seed(pt, fp->root), 1);
	p = vg_proctable_get(pt, 400);
	assert_string_equal(p->exe, "/from/event");
	assert_int_equal(p->ppid, 99);
	assert_non_null(vg_proctable_get(pt, 401));
	vg_proctable_free(pt);
}

static void test_proctable_seed_of_missing_root_fails_with_errno(void **state)
{
	struct vg_proctable *pt = vg_proctable_new(4);

	assert_int_equal(vg_proctable_seed(pt, "/nonexistent/vigil/proc"), -ENOENT);
	vg_proctable_free(pt);
}

static void test_proctable_seed_of_real_proc_finds_this_process(void **state)
{
	struct vg_proctable *pt = vg_proctable_new(1 << 18);
	char exe[PATH_MAX], comm[32], cg[4096], *nl, *line;
	struct timespec now;
	struct vg_proc *p;
	ssize_t n;
	int fd;

	assert_non_null(pt);
	assert_true(vg_proctable_seed(pt, "/proc") > 0);
	p = vg_proctable_get(pt, (uint32_t)getpid());
	assert_non_null(p);
	assert_int_equal(p->ppid, getppid());

	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	assert_true(n > 0);
	exe[n] = '\0';
	assert_non_null(p->exe);
	assert_string_equal(p->exe, exe);

	fd = open("/proc/self/comm", O_RDONLY);
	assert_true(fd >= 0);
	n = read(fd, comm, sizeof(comm) - 1);
	close(fd);
	assert_true(n > 0);
	comm[n] = '\0';
	comm[strcspn(comm, "\n")] = '\0';
	assert_string_equal(p->comm, comm);

	/* The block starts with our argv[0]. */
	assert_non_null(p->args);
	assert_true(p->args_len > strlen(program_invocation_name));
	assert_string_equal(p->args, program_invocation_name);
	assert_false(p->args_truncated);

	assert_int_equal(clock_gettime(CLOCK_BOOTTIME, &now), 0);
	assert_true(p->start_ns > 0);
	assert_true(p->start_ns <= (uint64_t)now.tv_sec * 1000000000u + (uint64_t)now.tv_nsec);

	fd = open("/proc/self/cgroup", O_RDONLY);
	if (fd >= 0) {
		n = read(fd, cg, sizeof(cg) - 1);
		close(fd);
		cg[n > 0 ? n : 0] = '\0';
		line = strstr(cg, "0::");
		if (line && (line == cg || line[-1] == '\n')) {
			nl = strchr(line, '\n');
			if (nl)
				*nl = '\0';
			assert_non_null(p->cgroup);
			assert_string_equal(p->cgroup, line + 3);
		}
	}
	vg_proctable_free(pt);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_proctable_new_rejects_zero_capacity),
		cmocka_unit_test(test_proctable_upsert_creates_zeroed_entry),
		cmocka_unit_test(test_proctable_upsert_of_known_pid_returns_same_entry),
		cmocka_unit_test(test_proctable_get_finds_only_known_pids),
		cmocka_unit_test(test_proctable_remove_forgets_pid_and_counts),
		cmocka_unit_test(test_proctable_full_table_evicts_least_recently_used),
		cmocka_unit_test(test_proctable_get_marks_entry_recently_used),
		cmocka_unit_test(test_proctable_upsert_marks_entry_recently_used),
		cmocka_unit_test(test_proctable_capacity_one_keeps_only_latest),
		cmocka_unit_test(test_proctable_stays_consistent_under_churn),
		cmocka_unit_test(test_proctable_set_str_copies_bytes_and_null_clears),
		cmocka_unit_test_setup_teardown(test_proctable_seed_reads_fake_proc_tree,
						fake_setup, fake_teardown),
		cmocka_unit_test_setup_teardown(test_proctable_seed_cuts_long_cmdline_and_marks_truncated,
						fake_setup, fake_teardown),
		cmocka_unit_test_setup_teardown(test_proctable_seed_keeps_entries_already_known,
						fake_setup, fake_teardown),
		cmocka_unit_test(test_proctable_seed_of_missing_root_fails_with_errno),
		cmocka_unit_test(test_proctable_seed_of_real_proc_finds_this_process),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
