// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "fim.h"

#define SHA256_ABC   "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
#define SHA256_EMPTY "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
#define SHA256_ABCD  "88d4266fd4e6338d13b845fcf289579d209c897823b9217da3e161936f031589"

/* Each test gets a fresh directory; *state points to its path. */
static char tmpdir[PATH_MAX];

static int setup_dir(void **state)
{
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/vigil-test-fim.XXXXXX");
	if (!mkdtemp(tmpdir))
		return -1;
	*state = tmpdir;
	return 0;
}

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	return remove(path);
}

static int teardown_dir(void **state)
{
	alarm(0);
	return nftw(tmpdir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* out[PATH_MAX] = tmpdir/name */
static void join(char *out, const char *name)
{
	int n = snprintf(out, PATH_MAX, "%s/%s", tmpdir, name);

	assert_true(n > 0 && n < PATH_MAX);
}

static void write_file(const char *path, const char *content)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	assert_int_equal(fwrite(content, 1, strlen(content), f), strlen(content));
	assert_int_equal(fclose(f), 0);
}

static void assert_digest(const struct vg_fim_state *st, const char *want)
{
	char hex[65];

	assert_true(st->has_digest);
	vg_fim_hex(st->sha256, hex);
	assert_string_equal(hex, want);
}

static void test_fim_hex_is_lowercase_and_terminated(void **state)
{
	uint8_t d[32];
	char hex[65];
	int i;

	for (i = 0; i < 32; i++)
		d[i] = (uint8_t)(i * 8 + 7);
	memset(hex, 'x', sizeof(hex));
	vg_fim_hex(d, hex);
	assert_int_equal(strlen(hex), 64);
	assert_memory_equal(hex, "070f171f272f373f", 16);
	assert_memory_equal(hex + 48, "c7cfd7dfe7eff7ff", 16);
}

static void test_fim_digest_of_known_content_is_its_sha256(void **state)
{
	struct vg_fim *fim = vg_fim_new(0);
	struct vg_fim_state st;
	char p[PATH_MAX], e[PATH_MAX];

	assert_non_null(fim);
	join(p, "abc");
	write_file(p, "abc");
	join(e, "empty");
	write_file(e, "");

	vg_fim_stat(fim, p, &st);
	assert_true(st.exists);
	assert_true(S_ISREG(st.mode));
	assert_int_equal(st.size, 3);
	assert_digest(&st, SHA256_ABC);

	vg_fim_stat(fim, e, &st);
	assert_int_equal(st.size, 0);
	assert_digest(&st, SHA256_EMPTY);
	vg_fim_free(fim);
}

static void test_fim_observe_reports_before_and_after_a_rewrite(void **state)
{
	struct vg_fim *fim = vg_fim_new(0);
	struct vg_fim_state before, after;
	char p[PATH_MAX];

	assert_non_null(fim);
	join(p, "f");
	write_file(p, "abc");
	assert_int_equal(vg_fim_seed(fim, p, 10), 1);

	write_file(p, "abcd");
	assert_int_equal(vg_fim_observe(fim, p, &before, &after), 0);
	assert_true(before.known);
	assert_int_equal(before.size, 3);
	assert_digest(&before, SHA256_ABC);
	assert_true(after.known);
	assert_true(after.exists);
	assert_int_equal(after.size, 4);
	assert_digest(&after, SHA256_ABCD);

	/* The next event's before is this event's after. */
	write_file(p, "abc");
	assert_int_equal(vg_fim_observe(fim, p, &before, &after), 0);
	assert_digest(&before, SHA256_ABCD);
	assert_digest(&after, SHA256_ABC);
	vg_fim_free(fim);
}

static void test_fim_coalesced_observe_reads_at_most_once_per_interval(void **state)
{
	struct vg_fim *fim = vg_fim_new(0);
	struct vg_fim_state before, after;
	const uint64_t ms = 1000000;
	char p[PATH_MAX];

	assert_non_null(fim);
	join(p, "f");
	write_file(p, "abc");
	assert_int_equal(vg_fim_seed(fim, p, 10), 1);

	/* the first change is read */
	write_file(p, "abcd");
	assert_int_equal(vg_fim_observe_coalesced(fim, p, 1000 * ms, 100 * ms, &before, &after), 0);
	assert_digest(&before, SHA256_ABC);
	assert_digest(&after, SHA256_ABCD);

	/* within the interval: not read again, no digest claimed */
	write_file(p, "abc");
	assert_int_equal(vg_fim_observe_coalesced(fim, p, 1050 * ms, 100 * ms, &before, &after), 1);
	assert_digest(&before, SHA256_ABCD);
	assert_false(after.has_digest);

	/* after the interval: read, and before is the last state read */
	assert_int_equal(vg_fim_observe_coalesced(fim, p, 1100 * ms, 100 * ms, &before, &after), 0);
	assert_digest(&before, SHA256_ABCD);
	assert_digest(&after, SHA256_ABC);
	vg_fim_free(fim);
}

static void test_fim_unknown_path_has_unknown_before(void **state)
{
	struct vg_fim *fim = vg_fim_new(0);
	struct vg_fim_state before, after;
	char p[PATH_MAX];

	assert_non_null(fim);
	join(p, "new");
	write_file(p, "abc");
	memset(&before, 0xff, sizeof(before));
	assert_int_equal(vg_fim_observe(fim, p, &before, &after), 0);
	assert_false(before.known);
	assert_false(before.exists);
	assert_false(before.has_digest);
	assert_true(after.known);
	assert_digest(&after, SHA256_ABC);
	vg_fim_free(fim);
}

static void test_fim_stat_reads_without_recording(void **state)
{
	struct vg_fim *fim = vg_fim_new(0);
	struct vg_fim_state st, before, after;
	char p[PATH_MAX];

	assert_non_null(fim);
	join(p, "f");
	write_file(p, "abc");
	vg_fim_stat(fim, p, &st);
	assert_false(st.known);
	assert_digest(&st, SHA256_ABC);
	assert_int_equal(vg_fim_observe(fim, p, &before, &after), 0);
	assert_false(before.known);
	vg_fim_stat(fim, p, &st);
	assert_true(st.known);
	vg_fim_free(fim);
}

static void test_fim_deleted_file_does_not_exist_after(void **state)
{
	struct vg_fim *fim = vg_fim_new(0);
	struct vg_fim_state before, after;
	char p[PATH_MAX];

	assert_non_null(fim);
	join(p, "gone");
	write_file(p, "abc");
	assert_int_equal(vg_fim_seed(fim, p, 10), 1);
	assert_int_equal(unlink(p), 0);
	assert_int_equal(vg_fim_observe(fim, p, &before, &after), 0);
	assert_true(before.exists);
	assert_digest(&before, SHA256_ABC);
	assert_false(after.exists);
	assert_false(after.has_digest);
	assert_int_equal(after.mode, 0);
	assert_int_equal(after.size, 0);
	vg_fim_free(fim);
}

static void test_fim_chmod_is_reflected_in_mode(void **state)
{
	struct vg_fim *fim = vg_fim_new(0);
	struct vg_fim_state before, after;
	char p[PATH_MAX];

	assert_non_null(fim);
	join(p, "f");
	write_file(p, "abc");
	assert_int_equal(chmod(p, 0600), 0);
	assert_int_equal(vg_fim_seed(fim, p, 1), 1);
	assert_int_equal(chmod(p, 04755), 0);
	assert_int_equal(vg_fim_observe(fim, p, &before, &after), 0);
	assert_int_equal(before.mode, S_IFREG | 0600);
	assert_int_equal(after.mode, S_IFREG | 04755);
	assert_digest(&after, SHA256_ABC);
	vg_fim_free(fim);
}

static void test_fim_chown_is_reflected_in_uid_and_gid(void **state)
{
	struct vg_fim *fim;
	struct vg_fim_state before, after;
	char p[PATH_MAX];

	if (geteuid() != 0) {
		print_message("skipped: chown to another uid needs root\n");
		skip();
	}
	fim = vg_fim_new(0);
	assert_non_null(fim);
	join(p, "f");
	write_file(p, "abc");
	assert_int_equal(chown(p, 0, 0), 0);
	assert_int_equal(vg_fim_seed(fim, p, 1), 1);
	assert_int_equal(chown(p, 4242, 4343), 0);
	assert_int_equal(vg_fim_observe(fim, p, &before, &after), 0);
	assert_int_equal(before.uid, 0);
	assert_int_equal(before.gid, 0);
	assert_int_equal(after.uid, 4242);
	assert_int_equal(after.gid, 4343);
	vg_fim_free(fim);
}

static void test_fim_file_over_limit_has_no_digest_but_has_metadata(void **state)
{
	struct vg_fim *fim = vg_fim_new(4);
	struct vg_fim_state st;
	char big[PATH_MAX], exact[PATH_MAX];

	assert_non_null(fim);
	join(big, "big");
	write_file(big, "hello");
	assert_int_equal(chmod(big, 0640), 0);
	vg_fim_stat(fim, big, &st);
	assert_true(st.exists);
	assert_false(st.has_digest);
	assert_int_equal(st.size, 5);
	assert_int_equal(st.mode, S_IFREG | 0640);
	assert_int_equal(st.uid, geteuid());

	join(exact, "exact");
	write_file(exact, "abcd");
	vg_fim_stat(fim, exact, &st);
	assert_digest(&st, SHA256_ABCD);
	vg_fim_free(fim);
}

static void test_fim_zero_limit_means_default_limit(void **state)
{
	struct vg_fim *fim = vg_fim_new(0);
	struct vg_fim_state st;
	char p[PATH_MAX];
	int fd;

	assert_non_null(fim);
	join(p, "sparse");
	fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, VG_FIM_DEFAULT_LIMIT), 0);
	vg_fim_stat(fim, p, &st);
	assert_true(st.has_digest);
	assert_int_equal(st.size, VG_FIM_DEFAULT_LIMIT);

	assert_int_equal(ftruncate(fd, VG_FIM_DEFAULT_LIMIT + 1), 0);
	close(fd);
	vg_fim_stat(fim, p, &st);
	assert_false(st.has_digest);
	assert_int_equal(st.size, VG_FIM_DEFAULT_LIMIT + 1);
	vg_fim_free(fim);
}

static void test_fim_seed_of_directory_records_its_regular_files(void **state)
{
	struct vg_fim *fim = vg_fim_new(0);
	struct vg_fim_state st;
	char d[PATH_MAX], p[PATH_MAX];

	assert_non_null(fim);
	join(d, "etc");
	assert_int_equal(mkdir(d, 0755), 0);
	join(p, "etc/a");
	write_file(p, "abc");
	join(p, "etc/b");
	write_file(p, "");
	join(p, "etc/sub");
	assert_int_equal(mkdir(p, 0755), 0);
	join(p, "etc/sub/c");
	write_file(p, "abcd");
	join(p, "etc/fifo");
	assert_int_equal(mkfifo(p, 0600), 0);
	join(p, "etc/link");
	assert_int_equal(symlink("a", p), 0);

	/* The directory itself, a, b and sub/c. */
	assert_int_equal(vg_fim_seed(fim, d, 100), 4);
	vg_fim_stat(fim, d, &st);
	assert_true(st.known);
	assert_true(S_ISDIR(st.mode));
	join(p, "etc/a");
	vg_fim_stat(fim, p, &st);
	assert_true(st.known);
	join(p, "etc/b");
	vg_fim_stat(fim, p, &st);
	assert_true(st.known);
	join(p, "etc/sub/c");
	vg_fim_stat(fim, p, &st);
	assert_true(st.known);
	join(p, "etc/sub");
	vg_fim_stat(fim, p, &st);
	assert_false(st.known);
	join(p, "etc/fifo");
	vg_fim_stat(fim, p, &st);
	assert_false(st.known);
	join(p, "etc/link");
	vg_fim_stat(fim, p, &st);
	assert_false(st.known);
	vg_fim_free(fim);
}

static void test_fim_seed_stops_at_max_files(void **state)
{
	struct vg_fim *fim = vg_fim_new(0);
	struct vg_fim_state st;
	char d[PATH_MAX], p[PATH_MAX], name[32];
	int i, known = 0;

	assert_non_null(fim);
	join(d, "many");
	assert_int_equal(mkdir(d, 0755), 0);
	for (i = 0; i < 10; i++) {
		snprintf(name, sizeof(name), "many/f%d", i);
		join(p, name);
		write_file(p, "x");
	}
	assert_int_equal(vg_fim_seed(fim, d, 3), 3);
	for (i = 0; i < 10; i++) {
		snprintf(name, sizeof(name), "many/f%d", i);
		join(p, name);
		vg_fim_stat(fim, p, &st);
		known += st.known;
	}
	assert_int_equal(known, 2);	/* max_files counts the directory too */
	assert_int_equal(vg_fim_seed(fim, d, 0), 0);
	vg_fim_free(fim);
}

static void test_fim_seed_records_missing_path_as_absent(void **state)
{
	struct vg_fim *fim = vg_fim_new(0);
	struct vg_fim_state before, after;
	char p[PATH_MAX];

	assert_non_null(fim);
	join(p, "later");
	assert_int_equal(vg_fim_seed(fim, p, 10), 1);
	write_file(p, "abc");
	assert_int_equal(vg_fim_observe(fim, p, &before, &after), 0);
	assert_true(before.known);
	assert_false(before.exists);
	assert_true(after.exists);
	vg_fim_free(fim);
}

static void test_fim_forget_returns_old_state_then_path_is_unknown(void **state)
{
	struct vg_fim *fim = vg_fim_new(0);
	struct vg_fim_state before, after;
	char p[PATH_MAX];

	assert_non_null(fim);
	join(p, "f");
	write_file(p, "abc");
	assert_int_equal(vg_fim_seed(fim, p, 1), 1);
	vg_fim_forget(fim, p, &before);
	assert_true(before.known);
	assert_digest(&before, SHA256_ABC);

	vg_fim_forget(fim, p, &before);
	assert_false(before.known);
	assert_int_equal(vg_fim_observe(fim, p, &before, &after), 0);
	assert_false(before.known);
	assert_true(after.known);
	vg_fim_free(fim);
}

static void test_fim_fifo_is_described_without_blocking(void **state)
{
	struct vg_fim *fim = vg_fim_new(0);
	struct vg_fim_state before, after;
	char p[PATH_MAX];

	assert_non_null(fim);
	join(p, "fifo");
	assert_int_equal(mkfifo(p, 0600), 0);
	alarm(10);	/* a blocking open or read kills the test, not the run */
	assert_int_equal(vg_fim_seed(fim, p, 1), 1);
	assert_int_equal(vg_fim_observe(fim, p, &before, &after), 0);
	alarm(0);
	assert_true(after.exists);
	assert_true(S_ISFIFO(after.mode));
	assert_false(after.has_digest);
	vg_fim_free(fim);
}

static void test_fim_symlink_is_described_not_followed(void **state)
{
	struct vg_fim *fim = vg_fim_new(0);
	struct vg_fim_state st;
	char target[PATH_MAX], link[PATH_MAX], dlink[PATH_MAX];

	assert_non_null(fim);
	join(target, "target");
	write_file(target, "abc");
	join(link, "link");
	assert_int_equal(symlink(target, link), 0);

	vg_fim_stat(fim, link, &st);
	assert_true(st.exists);
	assert_true(S_ISLNK(st.mode));
	assert_false(st.has_digest);
	assert_int_equal(st.size, strlen(target));

	/* A symlink to a directory is recorded as the link, not walked. */
	join(dlink, "dirlink");
	assert_int_equal(symlink(tmpdir, dlink), 0);
	assert_int_equal(vg_fim_seed(fim, dlink, 100), 1);
	vg_fim_stat(fim, target, &st);
	assert_false(st.known);
	vg_fim_free(fim);
}

static void test_fim_keeps_every_path_as_the_table_grows(void **state)
{
	struct vg_fim *fim = vg_fim_new(0);
	struct vg_fim_state before, after;
	char p[64];
	int i;

	assert_non_null(fim);
	for (i = 0; i < 5000; i++) {
		snprintf(p, sizeof(p), "/nonexistent/vigil/%d", i);
		assert_int_equal(vg_fim_observe(fim, p, &before, &after), 0);
		assert_false(before.known);
	}
	for (i = 0; i < 5000; i++) {
		snprintf(p, sizeof(p), "/nonexistent/vigil/%d", i);
		vg_fim_stat(fim, p, &after);
		assert_true(after.known);
		assert_false(after.exists);
	}
	for (i = 0; i < 5000; i += 2) {
		snprintf(p, sizeof(p), "/nonexistent/vigil/%d", i);
		vg_fim_forget(fim, p, &before);
		assert_true(before.known);
	}
	for (i = 0; i < 5000; i++) {
		snprintf(p, sizeof(p), "/nonexistent/vigil/%d", i);
		vg_fim_stat(fim, p, &after);
		assert_int_equal(after.known, i % 2);
	}
	vg_fim_free(fim);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fim_hex_is_lowercase_and_terminated),
#define T(f) cmocka_unit_test_setup_teardown(f, setup_dir, teardown_dir)
		T(test_fim_digest_of_known_content_is_its_sha256),
		T(test_fim_observe_reports_before_and_after_a_rewrite),
		T(test_fim_coalesced_observe_reads_at_most_once_per_interval),
		T(test_fim_unknown_path_has_unknown_before),
		T(test_fim_stat_reads_without_recording),
		T(test_fim_deleted_file_does_not_exist_after),
		T(test_fim_chmod_is_reflected_in_mode),
		T(test_fim_chown_is_reflected_in_uid_and_gid),
		T(test_fim_file_over_limit_has_no_digest_but_has_metadata),
		T(test_fim_zero_limit_means_default_limit),
		T(test_fim_seed_of_directory_records_its_regular_files),
		T(test_fim_seed_stops_at_max_files),
		T(test_fim_seed_records_missing_path_as_absent),
		T(test_fim_forget_returns_old_state_then_path_is_unknown),
		T(test_fim_fifo_is_described_without_blocking),
		T(test_fim_symlink_is_described_not_followed),
#undef T
		cmocka_unit_test(test_fim_keeps_every_path_as_the_table_grows),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
