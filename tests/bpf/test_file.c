// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * test_file.c - the file sensor and FIM against the real kernel, on a temp
 * directory the test creates (never the real /etc):
 *
 *   D/shadow   exact watch (exists)        D/sub/   subtree watch
 *   D/other    not watched                 D/sub/f  a file under the subtree
 *
 * Every path form (absolute, cwd-relative, dirfd-relative, fd-based,
 * "..") and every op; writes through a dup'ed fd and after fork; unwatched
 * paths produce nothing; sed -i is a modification of its target with the
 * right digests.
 */
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <openssl/evp.h>

#include "harness.h"
#include "collect.h"
#include "watch.h"

/* snprintf into an array, aborting on truncation (paths here are short). */
#define PATHF(buf, ...) \
	do { \
		if (snprintf(buf, sizeof(buf), __VA_ARGS__) >= (int)sizeof(buf)) \
			abort(); \
	} while (0)

static char D[PATH_MAX], SHADOW[PATH_MAX + 16], SUB[PATH_MAX + 16], SUBF[PATH_MAX + 16], OTHER[PATH_MAX + 16];
static struct vg_watchlist wl;
static struct collector c;

static void write_file(const char *path, const char *content, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);

	if (fd >= 0) {
		if (write(fd, content, strlen(content)) < 0)
			perror("write");
		close(fd);
	}
	chmod(path, mode);
}

static void sha256_hex(const char *content, char out[65])
{
	unsigned char md[32];
	unsigned int n = 0;

	EVP_Digest(content, strlen(content), md, &n, EVP_sha256(), NULL);
	for (int i = 0; i < 32; i++)
		sprintf(out + 2 * i, "%02x", md[i]);
}

static bool digest_is(const struct vg_fim_state *st, const char *content)
{
	char want[65], got[65];

	if (!st->known || !st->has_digest)
		return false;
	sha256_hex(content, want);
	vg_fim_hex(st->sha256, got);
	if (strcmp(want, got))
		printf("  digest %s, expected %s (\"%s\")\n", got, want, content);
	return !strcmp(want, got);
}

static int rm_one(const char *p, const struct stat *st, int type, struct FTW *f)
{
	return remove(p);
}

/* Fresh tree and watch list; false (and FAIL) on error. */
static bool setup_tree(void)
{
	char tmpl[] = "/tmp/vigil-file-XXXXXX";

	if (!ASSERT_OK_PTR(mkdtemp(tmpl), "mkdtemp") || !realpath(tmpl, D))
		return false;
	PATHF(SHADOW, "%s/shadow", D);
	PATHF(SUB, "%s/sub", D);
	PATHF(SUBF, "%s/sub/f", D);
	PATHF(OTHER, "%s/other", D);
	write_file(SHADOW, "root:x:0\n", 0644);
	mkdir(SUB, 0755);
	write_file(SUBF, "f\n", 0644);
	write_file(OTHER, "other\n", 0644);

	vg_watchlist_init(&wl);
	if (!ASSERT_OK(vg_watchlist_add(&wl, SHADOW, "test"), "watch shadow"))
		return false;
	{
		char subdir[PATH_MAX + 1];

		PATHF(subdir, "%s/", SUB);
		if (!ASSERT_OK(vg_watchlist_add(&wl, subdir, "test"), "watch sub/"))
			return false;
	}
	return true;
}

/* Fresh tree and a fresh agent watching it. */
static bool setup(void)
{
	return setup_tree() &&
	       ASSERT_OK(collector_start_watching(&c, VG_BACKEND_AUTO, &wl), "start agent");
}

static void teardown(void)
{
	struct vg_agent_stats st;

	if (c.agent.rb) {
		ASSERT_OK(vg_agent_read_stats(&c.agent, &st), "read stats");
		ASSERT_EQ(vg_agent_stats_lost(&st), 0, "events lost");
		collector_stop(&c);
	}
	vg_watchlist_release(&wl);
	nftw(D, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static pid_t run_child(void (*fn)(void))
{
	pid_t pid = fork();

	if (pid == 0) {
		fn();
		_exit(0);
	}
	waitpid(pid, NULL, 0);
	return pid;
}

static const struct vg_file *rec(const struct got_event *g)
{
	return g->rec;
}

/* ---- path forms -------------------------------------------------------------- */

static void test_open_absolute_path(void)
{
	struct got_event *g;
	struct stat st;
	int fd;

	if (!setup())
		goto out;
	fd = open(SHADOW, O_RDONLY);
	g = collector_wait_file(&c, VG_FILE_OPEN, SHADOW, 3000);
	if (ASSERT_OK_PTR(g, "open event")) {
		stat(SHADOW, &st);
		ASSERT_EQ(g->hdr->task.pid, getpid(), "pid");
		ASSERT_EQ(rec(g)->result, fd, "result is the fd");
		ASSERT_EQ(rec(g)->fd, fd, "fd");
		ASSERT_EQ(rec(g)->flags & O_ACCMODE, O_RDONLY, "flags");
		ASSERT_EQ(rec(g)->ino, st.st_ino, "inode");
		ASSERT_EQ(rec(g)->i_mode, st.st_mode, "inode mode");
		ASSERT_TRUE(rec(g)->match & VG_MATCH_EXACT, "exact match");
		ASSERT_TRUE(rec(g)->file_flags & VG_FILE_PATH_CANONICAL, "canonical path");
		ASSERT_EQ(rec(g)->syscall, 257 /* openat */, "syscall");
		ASSERT_TRUE(g->change == NULL, "a read-only open changes nothing");
	}
	close(fd);
out:
	teardown();
}

static void append_via_cwd(void)
{
	int fd;

	if (chdir(D))
		_exit(1);
	fd = open("shadow", O_WRONLY | O_APPEND);	/* cd /etc && echo x >> shadow */
	if (write(fd, "x\n", 2) != 2)
		_exit(2);
	close(fd);
}

static void test_cwd_relative_append_is_a_write_with_digests(void)
{
	struct got_event *o, *w;
	pid_t pid;

	if (!setup())
		goto out;
	pid = run_child(append_via_cwd);
	o = collector_wait_file(&c, VG_FILE_OPEN, SHADOW, 3000);
	w = collector_wait_file(&c, VG_FILE_WRITE, SHADOW, 3000);
	if (ASSERT_OK_PTR(o, "open event")) {
		ASSERT_EQ(o->hdr->task.pid, pid, "open by the child");
		ASSERT_TRUE(rec(o)->file_flags & VG_FILE_WRITE_INTENT, "write intent");
	}
	if (ASSERT_OK_PTR(w, "write event")) {
		ASSERT_EQ(w->hdr->task.pid, pid, "write by the child");
		ASSERT_EQ(rec(w)->result, 2, "bytes written");
		ASSERT_EQ(rec(w)->count, 2, "bytes requested");
		ASSERT_STREQ(w->change, "write", "FIM change");
		ASSERT_TRUE(digest_is(&w->before, "root:x:0\n"), "sha256 before");
		ASSERT_TRUE(digest_is(&w->after, "root:x:0\nx\n"), "sha256 after");
	}
out:
	teardown();
}

static void test_openat_dirfd_relative(void)
{
	struct got_event *g;
	int dfd, fd;

	if (!setup())
		goto out;
	dfd = open(D, O_RDONLY | O_DIRECTORY);
	fd = openat(dfd, "shadow", O_RDONLY);	/* openat(fd_of("/etc"), "shadow") */
	g = collector_wait_file(&c, VG_FILE_OPEN, SHADOW, 3000);
	ASSERT_OK_PTR(g, "open event with the absolute path");
	close(fd);
	/* a failed openat is matched on its path string, with the errno */
	fd = openat(dfd, "sub/missing", O_RDONLY);
	{
		char missing[PATH_MAX + 16];

		PATHF(missing, "%s/missing", SUB);
		g = collector_wait_file(&c, VG_FILE_OPEN, missing, 3000);
		if (ASSERT_OK_PTR(g, "failed open event")) {
			ASSERT_EQ(rec(g)->result, -ENOENT, "result -ENOENT");
			ASSERT_TRUE(rec(g)->match & VG_MATCH_PREFIX, "prefix match");
		}
	}
	close(dfd);
out:
	teardown();
}

static void test_fchmod_by_fd(void)
{
	struct got_event *g;
	int fd;

	if (!setup())
		goto out;
	fd = open(SHADOW, O_RDONLY);
	fchmod(fd, 0600);
	g = collector_wait_file(&c, VG_FILE_CHMOD, SHADOW, 3000);
	if (ASSERT_OK_PTR(g, "chmod event")) {
		ASSERT_EQ(rec(g)->fd, fd, "fd");
		ASSERT_EQ(rec(g)->mode, 0600, "mode requested");
		ASSERT_STREQ(g->change, "chmod", "FIM change");
		ASSERT_EQ(g->before.mode & 07777, 0644, "mode before");
		ASSERT_EQ(g->after.mode & 07777, 0600, "mode after");
	}
	close(fd);
out:
	teardown();
}

static void test_dotdot_paths_are_normalised(void)
{
	char via_dotdot[PATH_MAX + 32], other_via_sub[PATH_MAX + 32];
	struct got_event *g;
	int fd;

	if (!setup())
		goto out;
	/* an open resolves in the kernel: the event has the real path */
	PATHF(via_dotdot, "%s/sub/../shadow", D);
	fd = open(via_dotdot, O_RDONLY);
	close(fd);
	ASSERT_OK_PTR(collector_wait_file(&c, VG_FILE_OPEN, SHADOW, 3000), "open via ..");
	/* a path-named op is normalised in user space; unwatched ones dropped */
	PATHF(other_via_sub, "%s/sub/../other", D);
	ASSERT_OK(chmod(other_via_sub, 0600), "chmod other via ..");
	PATHF(via_dotdot, "%s/sub/./../sub/f", D);
	ASSERT_OK(chmod(via_dotdot, 0600), "chmod sub/f via . and ..");
	g = collector_wait_file(&c, VG_FILE_CHMOD, SUBF, 3000);
	if (ASSERT_OK_PTR(g, "chmod event with the normalised path"))
		ASSERT_TRUE(rec(g)->match & VG_MATCH_UNNORMALIZED, "kernel flagged it");
	ASSERT_TRUE(collector_find_file(&c, VG_FILE_CHMOD, OTHER) == NULL, "unwatched: nothing");
	ASSERT_GE(c.agent.stats.file_filtered, 1, "filtered in user space");
out:
	teardown();
}

/* ---- ops ------------------------------------------------------------------------ */

static void test_unwatched_paths_produce_nothing(void)
{
	char dir[PATH_MAX + 16], link[PATH_MAX + 16];
	int fd;

	if (!setup())
		goto out;
	fd = open(OTHER, O_WRONLY | O_APPEND);
	if (write(fd, "y", 1) != 1)
		perror("write");
	close(fd);
	PATHF(dir, "%s/odir", D);
	PATHF(link, "%s/olink", D);
	mkdir(dir, 0700);
	rmdir(dir);
	symlink("x", link);
	unlink(link);
	chmod(OTHER, 0600);
	truncate(OTHER, 0);
	unlink(OTHER);
	/* a watched op after them: once it is seen, the ones before were processed */
	close(open(SHADOW, O_RDONLY));
	ASSERT_OK_PTR(collector_wait_file(&c, VG_FILE_OPEN, SHADOW, 3000), "marker");
	for (size_t i = 0; i < c.n; i++)
		if (c.ev[i].hdr->type == VG_EV_FILE && c.ev[i].file_path &&
		    strcmp(c.ev[i].file_path, SHADOW))
			ASSERT_STREQ(c.ev[i].file_path, SHADOW, "only the watched path");
out:
	teardown();
}

static void test_rename_over_target_sed_style(void)
{
	char tmp[PATH_MAX + 16];
	struct got_event *g;

	if (!setup())
		goto out;
	PATHF(tmp, "%s/sedAb12", D);
	write_file(tmp, "root:y:0\n", 0644);
	ASSERT_OK(rename(tmp, SHADOW), "rename over");
	g = collector_wait_file(&c, VG_FILE_RENAME, SHADOW, 3000);
	if (ASSERT_OK_PTR(g, "rename event")) {
		ASSERT_STREQ(g->file_path, tmp, "old path");
		ASSERT_STREQ(g->file_new_path, SHADOW, "new path");
		ASSERT_TRUE(rec(g)->match & VG_MATCH_NEW_PATH, "matched on the new path");
		ASSERT_STREQ(g->change, "rename_over", "FIM change");
		ASSERT_STREQ(g->target, SHADOW, "about the target");
		ASSERT_TRUE(digest_is(&g->before, "root:x:0\n"), "sha256 before");
		ASSERT_TRUE(digest_is(&g->after, "root:y:0\n"), "sha256 after");
	}
out:
	teardown();
}

static void test_sed_in_place_is_a_modification(void)
{
	char cmd[PATH_MAX + 64];
	struct got_event *g;

	if (!setup())
		goto out;
	PATHF(cmd, "sed -i s/x/z/ %s", SHADOW);
	ASSERT_EQ(system(cmd), 0, "sed -i");
	g = collector_wait_file(&c, VG_FILE_RENAME, SHADOW, 3000);
	if (ASSERT_OK_PTR(g, "rename event from sed")) {
		ASSERT_STREQ(g->file_new_path, SHADOW, "renamed over the target");
		ASSERT_STREQ(g->hdr->task.comm, "sed", "by sed");
		ASSERT_STREQ(g->change, "rename_over", "FIM change");
		ASSERT_TRUE(digest_is(&g->before, "root:x:0\n"), "sha256 before");
		ASSERT_TRUE(digest_is(&g->after, "root:z:0\n"), "sha256 after");
	}
out:
	teardown();
}

static void test_open_o_trunc(void)
{
	struct got_event *g;

	if (!setup())
		goto out;
	close(open(SHADOW, O_WRONLY | O_TRUNC));
	g = collector_wait_file(&c, VG_FILE_OPEN, SHADOW, 3000);
	if (ASSERT_OK_PTR(g, "open event")) {
		ASSERT_TRUE(rec(g)->flags & O_TRUNC, "O_TRUNC");
		ASSERT_STREQ(g->change, "truncate_open", "FIM change");
		ASSERT_TRUE(digest_is(&g->before, "root:x:0\n"), "sha256 before");
		ASSERT_TRUE(digest_is(&g->after, ""), "sha256 after: empty");
	}
out:
	teardown();
}

static void test_truncate_link_chown_unlink(void)
{
	char hard[PATH_MAX + 16];
	struct got_event *g;

	if (!setup())
		goto out;
	ASSERT_OK(truncate(SHADOW, 4), "truncate");
	g = collector_wait_file(&c, VG_FILE_TRUNCATE, SHADOW, 3000);
	if (ASSERT_OK_PTR(g, "truncate event")) {
		ASSERT_EQ(rec(g)->count, 4, "length");
		ASSERT_TRUE(digest_is(&g->after, "root"), "sha256 after");
	}
	PATHF(hard, "%s/hardlink", D);
	ASSERT_OK(link(SHADOW, hard), "link");
	g = collector_wait_file(&c, VG_FILE_LINK, SHADOW, 3000);
	if (ASSERT_OK_PTR(g, "link event")) {
		ASSERT_STREQ(g->file_new_path, hard, "new name");
		ASSERT_STREQ(g->change, "hard_link", "FIM change");
	}
	ASSERT_OK(chown(SHADOW, 1, 2), "chown");
	g = collector_wait_file(&c, VG_FILE_CHOWN, SHADOW, 3000);
	if (ASSERT_OK_PTR(g, "chown event")) {
		ASSERT_EQ(rec(g)->uid, 1, "uid requested");
		ASSERT_EQ(rec(g)->gid, 2, "gid requested");
		ASSERT_EQ(g->before.uid, 0, "owner before");
		ASSERT_EQ(g->after.uid, 1, "owner after");
		ASSERT_EQ(g->after.gid, 2, "group after");
	}
	ASSERT_OK(unlink(SHADOW), "unlink");
	g = collector_wait_file(&c, VG_FILE_UNLINK, SHADOW, 3000);
	if (ASSERT_OK_PTR(g, "unlink event")) {
		ASSERT_EQ(rec(g)->result, 0, "result");
		ASSERT_STREQ(g->change, "unlink", "FIM change");
		ASSERT_TRUE(g->before.exists, "existed before");
		ASSERT_FALSE(g->after.exists, "gone after");
	}
out:
	teardown();
}

static void test_subtree_mkdir_symlink_rmdir(void)
{
	char dir[PATH_MAX + 16], lnk[PATH_MAX + 16];
	struct got_event *g;
	int dfd;

	if (!setup())
		goto out;
	PATHF(dir, "%s/newdir", SUB);
	PATHF(lnk, "%s/lnk", SUB);
	dfd = open(SUB, O_RDONLY | O_DIRECTORY);
	ASSERT_OK(mkdirat(dfd, "newdir", 0700), "mkdirat");
	ASSERT_OK(symlinkat("/etc/passwd", dfd, "lnk"), "symlinkat");
	ASSERT_OK(unlinkat(dfd, "newdir", AT_REMOVEDIR), "rmdir");
	g = collector_wait_file(&c, VG_FILE_MKDIR, dir, 3000);
	if (ASSERT_OK_PTR(g, "mkdir event"))
		ASSERT_EQ(rec(g)->mode, 0700, "mode");
	g = collector_wait_file(&c, VG_FILE_SYMLINK, lnk, 3000);
	if (ASSERT_OK_PTR(g, "symlink event"))
		ASSERT_STREQ(g->file_new_path, "/etc/passwd", "target text");
	ASSERT_OK_PTR(collector_wait_file(&c, VG_FILE_RMDIR, dir, 3000), "rmdir event");
	close(dfd);
	/* a failed op carries its errno */
	ASSERT_EQ(rmdir(SUB), -1, "rmdir a non-empty dir fails");
	g = collector_wait_file(&c, VG_FILE_RMDIR, SUB, 3000);
	if (ASSERT_OK_PTR(g, "failed rmdir event of the watched dir itself"))
		ASSERT_EQ(rec(g)->result, -ENOTEMPTY, "ENOTEMPTY");
out:
	teardown();
}

/* ---- writes through other fds ---------------------------------------------------- */

static int shared_fd = -1;

static void write_inherited(void)
{
	if (write(shared_fd, "c\n", 2) != 2)
		_exit(1);
}

static void test_write_via_dup_and_after_fork(void)
{
	struct got_event *g;
	size_t writes = 0;
	pid_t child;
	int fd, fd2;

	if (!setup())
		goto out;
	fd = open(SUBF, O_WRONLY | O_APPEND);
	fd2 = dup(fd);
	ASSERT_EQ(write(fd2, "d\n", 2), 2, "write via dup");
	shared_fd = fd2;
	child = run_child(write_inherited);
	close(fd);
	close(fd2);
	/* a marker, then count what came before it */
	close(open(SHADOW, O_RDONLY));
	ASSERT_OK_PTR(collector_wait_file(&c, VG_FILE_OPEN, SHADOW, 3000), "marker");
	for (size_t i = 0; i < c.n; i++) {
		g = &c.ev[i];
		if (g->hdr->type != VG_EV_FILE || rec(g)->op != VG_FILE_WRITE)
			continue;
		writes++;
		ASSERT_STREQ(g->file_path, SUBF, "write path");
		ASSERT_EQ(rec(g)->fd, fd2, "through the dup'ed fd");
		if (writes == 1)
			ASSERT_EQ(g->hdr->task.pid, getpid(), "first write by the parent");
		else
			ASSERT_EQ(g->hdr->task.pid, child, "second write by the child");
	}
	ASSERT_EQ(writes, 2, "two write events");
out:
	teardown();
}

/* Files already open for writing when vigil starts: writes still reported. */
static void test_writers_from_before_start(void)
{
	int exact_fd = -1, sub_fd = -1;
	struct got_event *g;

	if (!setup_tree())
		goto out;
	exact_fd = open(SHADOW, O_WRONLY | O_APPEND);
	sub_fd = open(SUBF, O_RDWR | O_APPEND);
	if (!ASSERT_OK(collector_start_watching(&c, VG_BACKEND_AUTO, &wl), "start agent"))
		goto out;
	ASSERT_EQ(write(exact_fd, "e\n", 2), 2, "write exact");
	ASSERT_EQ(write(sub_fd, "s\n", 2), 2, "write under subtree");
	g = collector_wait_file(&c, VG_FILE_WRITE, SHADOW, 3000);
	if (ASSERT_OK_PTR(g, "write to the exact watch"))
		ASSERT_EQ(rec(g)->fd, exact_fd, "fd");
	g = collector_wait_file(&c, VG_FILE_WRITE, SUBF, 3000);
	if (ASSERT_OK_PTR(g, "write under the subtree watch"))
		ASSERT_EQ(rec(g)->fd, sub_fd, "fd");
out:
	if (exact_fd >= 0)
		close(exact_fd);
	if (sub_fd >= 0)
		close(sub_fd);
	teardown();
}

static const struct vg_test tests[] = {
	VG_TEST(test_open_absolute_path),
	VG_TEST(test_cwd_relative_append_is_a_write_with_digests),
	VG_TEST(test_openat_dirfd_relative),
	VG_TEST(test_fchmod_by_fd),
	VG_TEST(test_dotdot_paths_are_normalised),
	VG_TEST(test_unwatched_paths_produce_nothing),
	VG_TEST(test_rename_over_target_sed_style),
	VG_TEST(test_sed_in_place_is_a_modification),
	VG_TEST(test_open_o_trunc),
	VG_TEST(test_truncate_link_chown_unlink),
	VG_TEST(test_subtree_mkdir_symlink_rmdir),
	VG_TEST(test_write_via_dup_and_after_fork),
	VG_TEST(test_writers_from_before_start),
	{},
};

VG_TEST_MAIN(tests)
