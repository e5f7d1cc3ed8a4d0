// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * Behaviour profiles (src/profile.c): the format of docs/profiles.md read
 * and written back sorted, every malformed line refused with its exact
 * message and nothing half-loaded, the adders learners use (every n-gram
 * suffix counted, file paths generalised to DIR/\*, escaping), merge and
 * diff.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "profile.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* The example of docs/profiles.md, shuffled, with comments and blank lines. */
static const char doc_example[] =
	"# comments and blank lines are ignored\n"
	"\n"
	"vigil-profile 1\n"
	"rate exec 0.5\n"
	"workload exe /usr/sbin/mysqld\n"
	"ngram 0 1 17 0 1 17 2\n"
	"scope exe\n"
	"syscall 1 write 2345\n"
	"learned 2026-11-21T13:40:15Z 60\n"
	"   # an indented comment\n"
	"processes 12\n"
	"syscalls 123456\n"
	"window 6\n"
	"syscall 0 read 12345\n"
	"ngram 0 1 17 3\n"
	"cred setuid 1000 2\n"
	"exec /usr/bin/ls 3\n"
	"listen tcp 0.0.0.0 3306 1\n"
	"file read /etc/ld.so.cache 10\n"
	"file write /var/lib/mysql/* 4\n"
	"connect tcp 10.0.0.5 3306 3";	/* no trailing newline */

/* ... and how a writer puts it: the order of the format's table. */
static const char doc_example_written[] =
	"vigil-profile 1\n"
	"workload exe /usr/sbin/mysqld\n"
	"scope exe\n"
	"learned 2026-11-21T13:40:15Z 60\n"
	"processes 12\n"
	"syscalls 123456\n"
	"window 6\n"
	"syscall 0 read 12345\n"
	"syscall 1 write 2345\n"
	"ngram 0 1 17 3\n"
	"ngram 0 1 17 0 1 17 2\n"
	"exec /usr/bin/ls 3\n"
	"file read /etc/ld.so.cache 10\n"
	"file write /var/lib/mysql/* 4\n"
	"connect tcp 10.0.0.5 3306 3\n"
	"listen tcp 0.0.0.0 3306 1\n"
	"cred setuid 1000 2\n"
	"rate exec 0.5\n";

/* The profile as written, in a malloc'ed string. */
static char *written(const struct vg_profile *p)
{
	char *s = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&s, &len);

	assert_non_null(f);
	assert_int_equal(vg_profile_write(f, p), 0);
	fclose(f);
	return s;
}

static char *diffed(const struct vg_profile *a, const struct vg_profile *b, int *n)
{
	char *s = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&s, &len);

	assert_non_null(f);
	*n = vg_profile_diff(f, a, b);
	fclose(f);
	return s;
}

static void load_ok(struct vg_profile *p, const char *text)
{
	struct vg_profile_diag d;
	char msg[600];
	int err;

	vg_profile_init(p);
	err = vg_profile_load_buffer(p, "t.profile", text, strlen(text), &d);
	if (err)
		fail_msg("%s", vg_profile_diag_format(&d, msg, sizeof(msg)));
}

static void test_doc_example_loads_and_is_written_sorted(void **state)
{
	struct vg_profile p;
	uint16_t seq[] = { 0, 1, 17, 0, 1, 17 };
	char *s;

	load_ok(&p, doc_example);
	assert_int_equal(p.workload_kind, VG_SCOPE_EXE);
	assert_string_equal(p.workload, "/usr/sbin/mysqld");
	assert_int_equal(p.scope, VG_SCOPE_EXE);
	assert_true(p.has_learned);
	assert_int_equal(p.learned_seconds, 60);
	assert_int_equal(p.processes, 12);
	assert_int_equal(p.syscalls, 123456);
	assert_int_equal(p.window, 6);
	assert_int_equal(p.syscall_count[0], 12345);
	assert_int_equal(vg_profile_ngram_count(&p, seq, 6), 2);
	assert_int_equal(vg_profile_ngram_count(&p, seq, 3), 3);
	assert_int_equal(vg_profile_ngram_count(&p, seq, 2), 0);
	assert_true(p.has_rate[VG_RATE_EXEC]);
	s = written(&p);
	assert_string_equal(s, doc_example_written);
	free(s);
	vg_profile_release(&p);
}

static void test_write_is_deterministic_whatever_the_insertion_order(void **state)
{
	static const char *const paths[] = { "/b", "/a/z", "/a/b", "/c d", "/a" };
	struct vg_profile a, b;
	char *sa, *sb;

	vg_profile_init(&a);
	vg_profile_init(&b);
	assert_int_equal(vg_profile_set_workload(&a, VG_SCOPE_EXE, "/bin/x"), 0);
	assert_int_equal(vg_profile_set_workload(&b, VG_SCOPE_EXE, "/bin/x"), 0);
	for (size_t i = 0; i < ARRAY_SIZE(paths); i++) {
		assert_int_equal(vg_profile_add_exec(&a, paths[i], i + 1), 0);
		assert_int_equal(vg_profile_add_exec(&b, paths[ARRAY_SIZE(paths) - 1 - i],
						     ARRAY_SIZE(paths) - i), 0);
	}
	/* numbers by value: port 80 before 443, uid 2 before 10 */
	assert_int_equal(vg_profile_add_connect(&a, "tcp", "10.0.0.5", 443, 1), 0);
	assert_int_equal(vg_profile_add_connect(&a, "tcp", "10.0.0.5", 80, 1), 0);
	assert_int_equal(vg_profile_add_cred(&a, "setuid", 10, 1), 0);
	assert_int_equal(vg_profile_add_cred(&a, "setuid", 2, 1), 0);
	assert_int_equal(vg_profile_add_cred(&b, "setuid", 2, 1), 0);
	assert_int_equal(vg_profile_add_cred(&b, "setuid", 10, 1), 0);
	assert_int_equal(vg_profile_add_connect(&b, "tcp", "10.0.0.5", 80, 1), 0);
	assert_int_equal(vg_profile_add_connect(&b, "tcp", "10.0.0.5", 443, 1), 0);
	sa = written(&a);
	sb = written(&b);
	assert_string_equal(sa, sb);
	assert_string_equal(sa,
			    "vigil-profile 1\n"
			    "workload exe /bin/x\n"
			    "scope exe\n"
			    "processes 0\n"
			    "syscalls 0\n"
			    "window 6\n"
			    "exec /a 5\n"
			    "exec /a/b 3\n"
			    "exec /a/z 2\n"
			    "exec /b 1\n"
			    "exec /c\\x20d 4\n"
			    "connect tcp 10.0.0.5 80 1\n"
			    "connect tcp 10.0.0.5 443 1\n"
			    "cred setuid 2 1\n"
			    "cred setuid 10 1\n");
	free(sa);
	free(sb);
	vg_profile_release(&a);
	vg_profile_release(&b);
}

static void test_trace_counts_every_suffix_up_to_the_window(void **state)
{
	uint16_t t[] = { 1, 2, 3, 1, 2 };
	struct vg_profile p;
	char *s;

	vg_profile_init(&p);
	assert_int_equal(vg_profile_set_window(&p, 2), 0);
	assert_int_equal(vg_profile_set_workload(&p, VG_SCOPE_TRACES, "dir"), 0);
	assert_int_equal(vg_profile_add_trace(&p, t, ARRAY_SIZE(t)), 0);
	s = written(&p);
	assert_string_equal(s,
			    "vigil-profile 1\n"
			    "workload traces dir\n"
			    "scope traces\n"
			    "processes 1\n"
			    "syscalls 5\n"
			    "window 2\n"
			    "syscall 1 ? 2\n"		/* traces: no ABI, no names */
			    "syscall 2 ? 2\n"
			    "syscall 3 ? 1\n"
			    "ngram 1 2\n"
			    "ngram 1 2 2\n"
			    "ngram 2 2\n"
			    "ngram 2 3 1\n"
			    "ngram 3 1\n"
			    "ngram 3 1 1\n");
	free(s);
	/* the window may grow, not shrink, once n-grams are in */
	assert_int_equal(vg_profile_set_window(&p, 1), -EBUSY);
	assert_int_equal(vg_profile_set_window(&p, 9), -EINVAL);
	assert_int_equal(vg_profile_add_trace(&p, (uint16_t[]){ 1024 }, 1), -EINVAL);
	vg_profile_release(&p);
}

static void test_syscall_window_counts_the_last_window_suffixes(void **state)
{
	uint16_t w[] = { 9, 8, 7, 6, 5, 4, 3, 2, 1, 0 };
	struct vg_profile p;

	vg_profile_init(&p);		/* window 6 */
	assert_int_equal(vg_profile_add_syscall_window(&p, w, ARRAY_SIZE(w)), 0);
	assert_int_equal(p.ngrams.n, 6);
	for (size_t k = 1; k <= 6; k++)
		assert_int_equal(vg_profile_ngram_count(&p, w + ARRAY_SIZE(w) - k, k), 1);
	assert_int_equal(vg_profile_ngram_count(&p, w + 3, 7), 0);
	assert_int_equal(vg_profile_add_syscall_window(&p, w, 0), -EINVAL);
	/* the kernel's live counts: one sequence at a time */
	assert_int_equal(vg_profile_add_ngram(&p, w, 3, 40), 0);
	assert_int_equal(vg_profile_ngram_count(&p, w, 3), 40);
	assert_int_equal(vg_profile_add_ngram(&p, w, 7, 1), -EINVAL);
	vg_profile_release(&p);
}

/* FNV-1a over the numbers as 2 little-endian bytes, seeded with the length:
 * include/vigil/ngram.h written out independently. */
static uint64_t fnv_reference(const uint16_t *nrs, size_t len)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	h = (h ^ len) * 0x100000001b3ULL;
	for (size_t i = 0; i < len; i++) {
		unsigned char b[2] = { (unsigned char)(nrs[i] & 0xff), (unsigned char)(nrs[i] >> 8) };

		for (int j = 0; j < 2; j++)
			h = (h ^ b[j]) * 0x100000001b3ULL;
	}
	return h;
}

static void test_ngram_keys_are_the_kernels(void **state)
{
	uint16_t seq[] = { 0, 1, 257, 1023, 59, 3, 3, 3 };
	struct vg_profile p;

	vg_profile_init(&p);
	assert_int_equal(vg_profile_set_window(&p, 8), 0);
	assert_int_equal(vg_profile_add_syscall_window(&p, seq, 8), 0);
	for (size_t k = 1; k <= 8; k++) {
		const uint16_t *s = seq + 8 - k;
		uint64_t key = vg_profile_ngram_key(s, k);

		assert_true(key == fnv_reference(s, k));
		for (size_t i = 0; i < p.ngrams.cap; i++)
			if (p.ngrams.slots[i].len == k)
				assert_true(p.ngrams.slots[i].key == key);
	}
	/* same numbers, different lengths: different keys */
	assert_true(vg_profile_ngram_key(seq, 1) != vg_profile_ngram_key((uint16_t[]){ 0, 0 }, 2));
	vg_profile_release(&p);
}

static void test_files_generalise_to_dir_star_past_the_threshold(void **state)
{
	const struct vg_profile_strent **v;
	struct vg_profile p;
	char path[64];
	size_t n;

	vg_profile_init(&p);
	for (int i = 0; i < VG_PROFILE_DIR_MAX; i++) {
		snprintf(path, sizeof(path), "/var/lib/db/f%02d", i);
		assert_int_equal(vg_profile_add_file(&p, VG_PROFILE_FILE_WRITE, path, 2), 0);
	}
	assert_int_equal(vg_profile_add_file(&p, VG_PROFILE_FILE_WRITE, "/var/lib/db/sub/x", 1), 0);
	assert_int_equal(vg_profile_add_file(&p, VG_PROFILE_FILE_WRITE, "/var/lib/other", 1), 0);
	assert_int_equal(vg_profile_add_file(&p, VG_PROFILE_FILE_READ, "/var/lib/db/r", 1), 0);
	/* at the threshold: still one line per file */
	assert_int_equal(p.file[VG_PROFILE_FILE_WRITE].n, VG_PROFILE_DIR_MAX + 2);
	/* one more: the directory's files become /var/lib/db/\* */
	assert_int_equal(vg_profile_add_file(&p, VG_PROFILE_FILE_WRITE, "/var/lib/db/new", 5), 0);
	assert_int_equal(vg_profile_add_file(&p, VG_PROFILE_FILE_WRITE, "/var/lib/db/later", 7), 0);
	n = vg_profile_strmap_sorted(&p.file[VG_PROFILE_FILE_WRITE], &v);
	assert_int_equal(n, 3);
	assert_string_equal(v[0]->key, "/var/lib/db/*");
	assert_int_equal(v[0]->count, 2 * VG_PROFILE_DIR_MAX + 5 + 7);
	assert_string_equal(v[1]->key, "/var/lib/db/sub/x");	/* not a direct child */
	assert_string_equal(v[2]->key, "/var/lib/other");
	free(v);
	/* reads are another set */
	assert_int_equal(p.file[VG_PROFILE_FILE_READ].n, 1);
	assert_int_equal(vg_profile_add_file(&p, VG_PROFILE_FILE_READ, "relative", 1), -EINVAL);
	vg_profile_release(&p);
}

static void test_paths_are_escaped_and_canonical(void **state)
{
	struct vg_profile p;
	char raw[64], *e;
	char *s;

	e = vg_profile_escape("/a b\\c\xc3\xa9\t");
	assert_string_equal(e, "/a\\x20b\\x5cc\\xc3\\xa9\\x09");
	vg_profile_unescape(e, raw, sizeof(raw));
	assert_string_equal(raw, "/a b\\c\xc3\xa9\t");
	vg_profile_unescape(e, raw, 4);		/* truncated, terminated */
	assert_string_equal(raw, "/a ");
	free(e);
	/* a plain byte escaped is written plain, hex in lowercase */
	load_ok(&p, "vigil-profile 1\nworkload exe /usr/bin/\\x41pp\nscope exe\n"
		    "exec /x\\x41\\xC3\\xA9 1\n");
	s = written(&p);
	assert_non_null(strstr(s, "workload exe /usr/bin/App\n"));
	assert_non_null(strstr(s, "exec /xA\\xc3\\xa9 1\n"));
	free(s);
	vg_profile_release(&p);
	load_ok(&p, "vigil-profile 1\nworkload exe /a\nscope exe\nexec /x\\xC3\\xA9 1\n");
	s = written(&p);
	assert_non_null(strstr(s, "exec /x\\xc3\\xa9 1\n"));
	free(s);
	vg_profile_release(&p);
}

/* A malformed profile and its exact diagnostic. */
struct bad {
	const char *text;
	const char *msg;
};

#define HDR "vigil-profile 1\nworkload exe /bin/x\nscope exe\n"

static const struct bad bad_profiles[] = {
	{ "", "t.profile: vigil-profile: empty profile (the first line is 'vigil-profile 1')" },
	{ "# only a comment\n\n",
	  "t.profile: vigil-profile: empty profile (the first line is 'vigil-profile 1')" },
	{ "workload exe /bin/x\n",
	  "t.profile:1: vigil-profile: missing header (the first line is 'vigil-profile 1')" },
	{ "vigil-profile 2\n",
	  "t.profile:1: vigil-profile: unsupported version '2' (this vigil reads version 1)" },
	{ "vigil-profile\n",
	  "t.profile:1: vigil-profile: wrong number of fields (expected 'vigil-profile 1')" },
	{ HDR "vigil-profile 1\n",
	  "t.profile:4: vigil-profile: duplicate header (only the first line says 'vigil-profile 1')" },
	{ "vigil-profile 1\nscope exe\n",
	  "t.profile: workload: missing (exactly one 'workload exe|cgroup|container|traces WHAT')" },
	{ "vigil-profile 1\nworkload exe /bin/x\n",
	  "t.profile: scope: missing (exactly one 'scope exe|cgroup|container|traces')" },
	{ HDR "workload exe /bin/y\n",
	  "t.profile:4: workload: duplicate workload (a profile has exactly one)" },
	{ "vigil-profile 1\nworkload binary /bin/x\n",
	  "t.profile:2: workload: unknown kind 'binary' (exe, cgroup, container or traces)" },
	{ "vigil-profile 1\nworkload exe\n",
	  "t.profile:2: workload: wrong number of fields (expected 'workload exe|cgroup|container|traces WHAT')" },
	{ "vigil-profile 1\nworkload exe /a\\q\n",
	  "t.profile:2: workload: bad name '/a\\q' (a backslash starts \\xHH)" },
	{ HDR "scope pod\n", "t.profile:4: scope: duplicate scope (a profile has exactly one)" },
	{ "vigil-profile 1\nscope pod\n",
	  "t.profile:2: scope: unknown scope 'pod' (exe, cgroup, container or traces)" },
	{ "vigil-profile 1\nscope cgroup\n",
	  "t.profile:2: scope: scope cgroup needs what it is ('scope cgroup PATH')" },
	{ "vigil-profile 1\nscope container\n",
	  "t.profile:2: scope: scope container needs what it is ('scope container ID')" },
	{ "vigil-profile 1\nscope exe /x\n",
	  "t.profile:2: scope: scope exe takes nothing after it" },
	{ "vigil-profile 1\nscope cgroup /a b\n",
	  "t.profile:2: scope: wrong number of fields (expected 'scope exe|traces' or 'scope cgroup PATH|container ID')" },
	{ "vigil-profile 1\nscope cgroup system.slice\n",
	  "t.profile:2: scope: cgroup 'system.slice' is not absolute (as /proc/PID/cgroup writes it: '/system.slice/x.service')" },
	{ HDR "mode\n", "t.profile:4: mode: wrong number of fields (expected 'mode learn|audit|enforce')" },
	{ HDR "mode sleep\n", "t.profile:4: mode: unknown mode 'sleep' (learn, audit or enforce)" },
	{ HDR "mode audit\nmode learn\n", "t.profile:5: mode: duplicate mode (a profile has at most one)" },
	{ HDR "learned 2026-11-21T13:40:15Z\n",
	  "t.profile:4: learned: wrong number of fields (expected 'learned TIME SECONDS')" },
	{ HDR "learned 2026-11-21T13:40:15+01:00 60\n",
	  "t.profile:4: learned: bad time '2026-11-21T13:40:15+01:00' (RFC 3339 UTC: YYYY-MM-DDTHH:MM:SSZ)" },
	{ HDR "learned 2026-13-21T13:40:15Z 60\n",
	  "t.profile:4: learned: bad time '2026-13-21T13:40:15Z' (RFC 3339 UTC: YYYY-MM-DDTHH:MM:SSZ)" },
	{ HDR "learned 2026-11-21T13:40:15Z 1.5\n",
	  "t.profile:4: learned: bad duration '1.5' (whole seconds)" },
	{ HDR "learned 2026-11-21T13:40:15Z 1\nlearned 2026-11-21T13:40:15Z 1\n",
	  "t.profile:5: learned: duplicate learned (at most one)" },
	{ HDR "processes -1\n",
	  "t.profile:4: processes: bad count '-1' (an unsigned 64-bit decimal)" },
	{ HDR "syscalls 18446744073709551616\n",
	  "t.profile:4: syscalls: bad count '18446744073709551616' (an unsigned 64-bit decimal)" },
	{ HDR "syscalls 1\nsyscalls 1\n", "t.profile:5: syscalls: duplicate syscalls (at most one)" },
	{ HDR "window 0\n", "t.profile:4: window: bad window '0' (1-8)" },
	{ HDR "window 9\n", "t.profile:4: window: bad window '9' (1-8)" },
	{ HDR "window 6\nwindow 6\n", "t.profile:5: window: duplicate window (at most one)" },
	{ HDR "syscall 1024 x 1\n",
	  "t.profile:4: syscall: syscall number '1024' out of range (0-1023)" },
	{ HDR "syscall x read 1\n",
	  "t.profile:4: syscall: bad syscall number 'x' (a decimal below 1024)" },
	{ HDR "syscall 0 re-ad 1\n",
	  "t.profile:4: syscall: bad name 're-ad' (letters, digits, '_', at most 63; '?' if unknown)" },
	{ HDR "syscall 0 read\n",
	  "t.profile:4: syscall: wrong number of fields (expected 'syscall NR NAME COUNT')" },
	{ HDR "syscall 0 read 1\nsyscall 0 read 2\n",
	  "t.profile:5: syscall: duplicate syscall 0 (each syscall once)" },
	{ HDR "ngram 5\n",
	  "t.profile:4: ngram: wrong number of fields (expected 'ngram NR... COUNT' with 1 to 8 numbers)" },
	{ HDR "ngram 1 2 3 4 5 6 7 8 9 1\n",
	  "t.profile:4: ngram: wrong number of fields (expected 'ngram NR... COUNT' with 1 to 8 numbers)" },
	{ HDR "ngram 1 2 3 4 5 6 7 1\n",
	  "t.profile:4: ngram: 7 numbers but window is 6 (an n-gram has 1 to window numbers)" },
	{ HDR "ngram 1 2 3 4 5 6 7 1\nwindow 5\n",
	  "t.profile:4: ngram: 7 numbers but window is 5 (an n-gram has 1 to window numbers)" },
	{ HDR "ngram 1 2 x\n",
	  "t.profile:4: ngram: bad count 'x' (an unsigned 64-bit decimal)" },
	{ HDR "ngram 1 99999 1\n",
	  "t.profile:4: ngram: syscall number '99999' out of range (0-1023)" },
	{ HDR "ngram 1 2 1\nngram 1 2 0\n",
	  "t.profile:5: ngram: duplicate n-gram (each sequence once)" },
	{ HDR "exec usr/bin/ls 1\n",
	  "t.profile:4: exec: path 'usr/bin/ls' is not absolute (paths start with '/')" },
	{ HDR "exec /bin/a\\x00b 1\n",
	  "t.profile:4: exec: bad path '/bin/a\\x00b' (\\x00 is not allowed)" },
	{ HDR "exec /bin/ls 1\nexec /bin/ls 2\n",
	  "t.profile:5: exec: duplicate exec '/bin/ls' (each program once)" },
	{ HDR "exec /bin/\\x6cs 1\nexec /bin/ls 2\n",
	  "t.profile:5: exec: duplicate exec '/bin/ls' (each program once)" },
	{ HDR "exec /bin/ls\n",
	  "t.profile:4: exec: wrong number of fields (expected 'exec PATH COUNT')" },
	{ HDR "exec /bin/l s 1\n",
	  "t.profile:4: exec: wrong number of fields (expected 'exec PATH COUNT')" },
	{ HDR "file exec /bin/ls 1\n",
	  "t.profile:4: file: unknown mode 'exec' (read or write)" },
	{ HDR "file read /etc/passwd 1\nfile read /etc/passwd 1\n",
	  "t.profile:5: file: duplicate file read '/etc/passwd' (each path once per mode)" },
	{ HDR "connect sctp 10.0.0.1 80 1\n",
	  "t.profile:4: connect: unknown protocol 'sctp' (tcp, udp or unix)" },
	{ HDR "connect tcp 10.0.0.256 80 1\n",
	  "t.profile:4: connect: bad address '10.0.0.256' (an IPv4 or IPv6 literal)" },
	{ HDR "connect tcp 10.0.0.1 65536 1\n", "t.profile:4: connect: bad port '65536' (0-65535)" },
	{ HDR "listen unix /run/x.sock 80 1\n",
	  "t.profile:4: listen: bad port '80' (a unix socket has port 0)" },
	{ HDR "listen tcp :: 22 1\nlisten tcp 0:0::0 22 1\n",
	  "t.profile:5: listen: duplicate listen tcp 0:0::0 22 (each peer once)" },
	{ HDR "connect tcp 10.0.0.1 80\n",
	  "t.profile:4: connect: wrong number of fields (expected 'connect PROTO ADDR PORT COUNT')" },
	{ HDR "cred setUID 0 1\n",
	  "t.profile:4: cred: bad operation 'setUID' (lowercase letters, digits, '_': setuid, capset, ...)" },
	{ HDR "cred setuid 4294967296 1\n", "t.profile:4: cred: bad uid '4294967296' (0-4294967295)" },
	{ HDR "cred setuid 0 1\ncred setuid 00 1\n",
	  "t.profile:5: cred: duplicate cred setuid 0 (each operation and uid once)" },
	{ HDR "rate disk 1\n",
	  "t.profile:4: rate: unknown kind 'disk' (exec, file, net, priv or syscall)" },
	{ HDR "rate exec -1\n", "t.profile:4: rate: bad rate '-1' (a non-negative decimal)" },
	{ HDR "rate exec nan\n", "t.profile:4: rate: bad rate 'nan' (a non-negative decimal)" },
	{ HDR "rate exec 1e999\n", "t.profile:4: rate: bad rate '1e999' (a non-negative decimal)" },
	{ HDR "rate exec 0x10\n", "t.profile:4: rate: bad rate '0x10' (a non-negative decimal)" },
	{ HDR "rate exec 1\nrate exec 2\n", "t.profile:5: rate: duplicate rate exec (one per kind)" },
	{ HDR "frobnicate 1\n",
	  "t.profile:4: frobnicate: unknown line (expected workload, scope, mode, learned, processes, "
	  "syscalls, window, syscall, ngram, exec, file, connect, listen, cred or rate)" },
	{ HDR "exec /bin/\x01 1\n",
	  "t.profile:4: non-printable byte 0x01 (profiles are ASCII; escape bytes as \\xHH)" },
	{ HDR "exec /bin/caf\xc3\xa9 1\n",
	  "t.profile:4: non-printable byte 0xc3 (profiles are ASCII; escape bytes as \\xHH)" },
	{ HDR "ngram 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1\n",
	  "t.profile:4: ngram: too many fields (at most 16)" },
	{ HDR "exec /bin/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa 1\nexec "
	      "/bin/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa 1\n",
	  "t.profile:5: exec: duplicate exec '/bin/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa...' (each program once)" },
};

static void test_malformed_profiles_are_refused_with_their_message(void **state)
{
	for (size_t i = 0; i < ARRAY_SIZE(bad_profiles); i++) {
		struct vg_profile p;
		struct vg_profile_diag d;
		char msg[600];
		int err;

		/* p holds a profile: a failed load leaves it as it was */
		load_ok(&p, HDR "exec /bin/keep 1\n");
		err = vg_profile_load_buffer(&p, "t.profile", bad_profiles[i].text,
					     strlen(bad_profiles[i].text), &d);
		if (err != -EINVAL)
			fail_msg("case %zu: loaded (%d): %s", i, err, bad_profiles[i].text);
		vg_profile_diag_format(&d, msg, sizeof(msg));
		if (strcmp(msg, bad_profiles[i].msg))
			fail_msg("case %zu:\n  got  %s\n  want %s", i, msg, bad_profiles[i].msg);
		assert_string_equal(p.workload, "/bin/x");
		assert_int_equal(p.exec.n, 1);
		assert_int_equal(p.ngrams.n, 0);
		vg_profile_release(&p);
		/* without a diag: same answer, nothing written */
		vg_profile_init(&p);
		assert_int_equal(vg_profile_load_buffer(&p, "t", bad_profiles[i].text,
							strlen(bad_profiles[i].text), NULL),
				 -EINVAL);
		assert_null(p.workload);
		vg_profile_release(&p);
	}
}

static void test_edge_values_load(void **state)
{
	struct vg_profile p;
	char *s;

	load_ok(&p, "vigil-profile 1\r\nworkload\tcgroup /sys/fs/cgroup/a\r\nscope cgroup /a\r\n"
		    "processes 18446744073709551615\nsyscall 1023 ? 0\nngram 1023 0\n"
		    "window 1\nlisten tcp ::ffff:10.0.0.1 0 1\nconnect udp 2001:DB8::1 53 1\n"
		    "connect unix /run/a\\x20b.sock 0 2\nrate syscall 0\nrate net 12.25\n");
	assert_int_equal(p.processes, UINT64_MAX);
	s = written(&p);
	assert_string_equal(s,
			    "vigil-profile 1\n"
			    "workload cgroup /sys/fs/cgroup/a\n"
			    "scope cgroup /a\n"
			    "processes 18446744073709551615\n"
			    "syscalls 0\n"
			    "window 1\n"
			    "syscall 1023 ? 0\n"
			    "ngram 1023 0\n"
			    "connect udp 2001:db8::1 53 1\n"
			    "connect unix /run/a\\x20b.sock 0 2\n"
			    "listen tcp ::ffff:10.0.0.1 0 1\n"
			    "rate net 12.25\n"
			    "rate syscall 0\n");
	free(s);
	vg_profile_release(&p);
}

static void test_missing_file_is_an_error_naming_it(void **state)
{
	struct vg_profile p;
	struct vg_profile_diag d;
	char msg[600];

	vg_profile_init(&p);
	assert_int_equal(vg_profile_load(&p, "/nonexistent/x.profile", &d), -ENOENT);
	assert_string_equal(vg_profile_diag_format(&d, msg, sizeof(msg)),
			    "/nonexistent/x.profile: cannot open: No such file or directory");
	vg_profile_release(&p);
}

static void test_save_and_load_round_trip(void **state)
{
	char path[] = "/tmp/vigil-profile-XXXXXX";
	struct vg_profile p, q;
	struct vg_profile_diag d;
	char *a, *b;
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	close(fd);
	load_ok(&p, doc_example);
	assert_int_equal(vg_profile_save(&p, path), 0);
	vg_profile_init(&q);
	assert_int_equal(vg_profile_load(&q, path, &d), 0);
	a = written(&p);
	b = written(&q);
	assert_string_equal(a, b);
	free(a);
	free(b);
	unlink(path);
	vg_profile_release(&p);
	vg_profile_release(&q);
}

static void test_merge_adds_counts_and_unites(void **state)
{
	struct vg_profile a, b, other;
	char *s, *s0;

	load_ok(&a, "vigil-profile 1\nworkload exe /bin/x\nscope exe\n"
		    "learned 2026-11-21T13:40:15Z 60\nprocesses 2\nsyscalls 10\nwindow 2\n"
		    "syscall 0 read 10\nngram 0 10\nngram 0 0 9\nexec /bin/ls 1\n"
		    "file read /etc/a 1\nrate exec 1\nrate net 4\n");
	load_ok(&b, "vigil-profile 1\nworkload exe /bin/x\nscope exe\n"
		    "learned 2026-11-20T00:00:00Z 20\nprocesses 1\nsyscalls 5\nwindow 3\n"
		    "syscall 0 read 3\nsyscall 1 write 2\nngram 0 3\nngram 1 2\nngram 0 1 1\n"
		    "ngram 0 0 1 1\nexec /bin/ls 2\nexec /bin/cat 1\nfile read /etc/b 1\n"
		    "file write /tmp/* 3\ncred setuid 0 1\nrate exec 3\nrate priv 1\n");
	assert_int_equal(vg_profile_merge(&a, &b), 0);
	s = written(&a);
	assert_string_equal(s,
			    "vigil-profile 1\n"
			    "workload exe /bin/x\n"
			    "scope exe\n"
			    "learned 2026-11-20T00:00:00Z 80\n"
			    "processes 3\n"
			    "syscalls 15\n"
			    "window 3\n"
			    "syscall 0 read 13\n"
			    "syscall 1 write 2\n"
			    "ngram 0 13\n"
			    "ngram 0 0 9\n"
			    "ngram 0 0 1 1\n"
			    "ngram 0 1 1\n"
			    "ngram 1 2\n"
			    "exec /bin/cat 1\n"
			    "exec /bin/ls 3\n"
			    "file read /etc/a 1\n"
			    "file read /etc/b 1\n"
			    "file write /tmp/* 3\n"
			    "cred setuid 0 1\n"
			    "rate exec 1.5\n"	/* (1 x 60 + 3 x 20) / 80 */
			    "rate net 4\n"
			    "rate priv 1\n");
	free(s);
	/* another workload: refused, a unchanged */
	s0 = written(&a);
	load_ok(&other, "vigil-profile 1\nworkload exe /bin/y\nscope exe\n");
	assert_int_equal(vg_profile_merge(&a, &other), -EINVAL);
	s = written(&a);
	assert_string_equal(s, s0);
	free(s);
	free(s0);
	vg_profile_release(&other);
	vg_profile_release(&a);
	vg_profile_release(&b);
}

static void test_merge_folds_files_into_a_dir_star(void **state)
{
	struct vg_profile a, b;
	char *s;

	load_ok(&a, HDR "file write /d/a 1\nfile write /d/b 2\nfile write /e/c 1\n");
	load_ok(&b, HDR "file write /d/* 4\n");
	assert_int_equal(vg_profile_merge(&a, &b), 0);
	s = written(&a);
	assert_non_null(strstr(s, "file write /d/* 7\nfile write /e/c 1\n"));
	assert_null(strstr(s, "/d/a"));
	free(s);
	vg_profile_release(&a);
	vg_profile_release(&b);
}

static void test_merge_into_an_empty_profile_copies(void **state)
{
	struct vg_profile a, b;
	char *sa, *sb;

	vg_profile_init(&a);
	load_ok(&b, doc_example);
	assert_int_equal(vg_profile_merge(&a, &b), 0);
	sa = written(&a);
	sb = written(&b);
	assert_string_equal(sa, sb);
	free(sa);
	free(sb);
	vg_profile_release(&a);
	vg_profile_release(&b);
}

static void test_diff_lists_one_sided_lines_and_changed_counts(void **state)
{
	struct vg_profile a, b;
	char *s;
	int n;

	load_ok(&a, HDR "processes 2\nwindow 2\nsyscall 0 read 10\nngram 0 10\nngram 0 0 9\n"
		    "exec /bin/ls 1\nrate exec 1\n");
	load_ok(&b, HDR "processes 3\nwindow 2\nsyscall 0 read 10\nngram 0 11\nngram 0 1 1\n"
		    "exec /bin/ls 1\nexec /bin/cat 4\nrate exec 1\nrate net 2\n");
	s = diffed(&a, &b, &n);
	assert_string_equal(s,
			    "~ processes 2 -> 3\n"
			    "~ ngram 0 10 -> 11\n"
			    "- ngram 0 0 9\n"
			    "+ ngram 0 1 1\n"
			    "+ exec /bin/cat 4\n"
			    "+ rate net 2\n");
	assert_int_equal(n, 6);
	free(s);
	s = diffed(&a, &a, &n);
	assert_string_equal(s, "");
	assert_int_equal(n, 0);
	free(s);
	vg_profile_release(&b);
	load_ok(&b, "vigil-profile 1\nworkload exe /bin/y\nscope exe\nprocesses 2\nwindow 2\n"
		    "syscall 0 read 10\nngram 0 10\nngram 0 0 9\nexec /bin/ls 1\nrate exec 1\n"
		    "learned 2026-11-21T13:40:15Z 60\n");
	s = diffed(&a, &b, &n);
	assert_string_equal(s,
			    "- workload exe /bin/x\n"
			    "+ workload exe /bin/y\n"
			    "+ learned 2026-11-21T13:40:15Z 60\n");
	assert_int_equal(n, 3);
	free(s);
	vg_profile_release(&a);
	vg_profile_release(&b);
}

#define SCOPED "vigil-profile 1\nworkload exe /bin/x\nscope cgroup /system.slice/x.service\n"

static void test_scope_and_mode_round_trip_merge_and_diff(void **state)
{
	struct vg_profile a, b, c;
	char *s;
	int n;

	load_ok(&a, SCOPED "mode audit\nwindow 2\nexec /bin/ls 1\n");
	assert_int_equal(a.scope, VG_SCOPE_CGROUP);
	assert_string_equal(a.scope_of, "/system.slice/x.service");
	assert_int_equal(a.mode, VG_MODE_AUDIT);
	s = written(&a);
	assert_non_null(strstr(s, "\nscope cgroup /system.slice/x.service\nmode audit\n"));
	free(s);
	/* the same scope merges; another cgroup does not */
	load_ok(&b, SCOPED "window 2\nexec /bin/cat 2\n");
	assert_int_equal(vg_profile_merge(&b, &a), 0);
	assert_int_equal(b.mode, VG_MODE_AUDIT);
	load_ok(&c, "vigil-profile 1\nworkload exe /bin/x\nscope cgroup /other\nwindow 2\n");
	assert_int_equal(vg_profile_merge(&c, &a), -EINVAL);
	s = diffed(&a, &c, &n);
	assert_string_equal(s, "~ scope cgroup /system.slice/x.service -> cgroup /other\n"
			       "~ mode audit -> (none)\n"
			       "- exec /bin/ls 1\n");
	assert_int_equal(n, 3);
	free(s);
	/* setters */
	assert_int_equal(vg_profile_set_scope(&c, VG_SCOPE_CONTAINER, NULL), -EINVAL);
	assert_int_equal(vg_profile_set_scope(&c, VG_SCOPE_EXE, "/x"), -EINVAL);
	assert_int_equal(vg_profile_set_scope(&c, VG_SCOPE_CONTAINER, "0123abcd"), 0);
	s = written(&c);
	assert_non_null(strstr(s, "\nscope container 0123abcd\n"));
	free(s);
	assert_int_equal(vg_profile_mode_by_name("enforce"), VG_MODE_ENFORCE);
	assert_int_equal(vg_profile_mode_by_name("bogus"), -1);
	vg_profile_release(&a);
	vg_profile_release(&b);
	vg_profile_release(&c);
}

static void test_adders_refuse_bad_input(void **state)
{
	struct vg_profile p;

	vg_profile_init(&p);
	assert_int_equal(vg_profile_set_workload(&p, VG_SCOPE_NONE, "/x"), -EINVAL);
	assert_int_equal(vg_profile_set_workload(&p, VG_SCOPE_EXE, ""), -EINVAL);
	assert_int_equal(vg_profile_add_exec(&p, "ls", 1), -EINVAL);
	assert_int_equal(vg_profile_add_connect(&p, "tcp", "host.example", 80, 1), -EINVAL);
	assert_int_equal(vg_profile_add_connect(&p, "tcp", "10.0.0.1", 70000, 1), -EINVAL);
	assert_int_equal(vg_profile_add_connect(&p, "icmp", "10.0.0.1", 0, 1), -EINVAL);
	assert_int_equal(vg_profile_add_listen(&p, "unix", "/run/s", 1, 1), -EINVAL);
	assert_int_equal(vg_profile_add_listen(&p, "unix", "/run/s", 0, 1), 0);
	assert_int_equal(vg_profile_add_cred(&p, "set uid", 0, 1), -EINVAL);
	assert_int_equal(vg_profile_add_syscall(&p, 1024, 1), -EINVAL);
	assert_int_equal(vg_profile_set_rate(&p, VG_RATE_EXEC, -1), -EINVAL);
	assert_int_equal(vg_profile_set_rate(&p, VG_RATE_MAX, 1), -EINVAL);
	/* counts saturate instead of wrapping */
	assert_int_equal(vg_profile_add_exec(&p, "/x", UINT64_MAX), 0);
	assert_int_equal(vg_profile_add_exec(&p, "/x", 5), 0);
	{
		const struct vg_profile_strent **v;

		assert_int_equal(vg_profile_strmap_sorted(&p.exec, &v), 1);
		assert_true(v[0]->count == UINT64_MAX);
		free(v);
	}
	vg_profile_release(&p);
}

static void test_learned_time_is_rfc3339_utc(void **state)
{
	struct vg_profile p;
	char *s;

	vg_profile_init(&p);
	assert_int_equal(vg_profile_set_workload(&p, VG_SCOPE_CONTAINER, "abc123"), 0);
	assert_int_equal(vg_profile_set_learned(&p, 1795269015, 60), 0);
	s = written(&p);
	assert_non_null(strstr(s, "workload container abc123\nscope container\n"
				  "learned 2026-11-21T13:50:15Z 60\n"));
	free(s);
	vg_profile_release(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_doc_example_loads_and_is_written_sorted),
		cmocka_unit_test(test_write_is_deterministic_whatever_the_insertion_order),
		cmocka_unit_test(test_trace_counts_every_suffix_up_to_the_window),
		cmocka_unit_test(test_syscall_window_counts_the_last_window_suffixes),
		cmocka_unit_test(test_ngram_keys_are_the_kernels),
		cmocka_unit_test(test_files_generalise_to_dir_star_past_the_threshold),
		cmocka_unit_test(test_paths_are_escaped_and_canonical),
		cmocka_unit_test(test_malformed_profiles_are_refused_with_their_message),
		cmocka_unit_test(test_edge_values_load),
		cmocka_unit_test(test_missing_file_is_an_error_naming_it),
		cmocka_unit_test(test_save_and_load_round_trip),
		cmocka_unit_test(test_merge_adds_counts_and_unites),
		cmocka_unit_test(test_merge_folds_files_into_a_dir_star),
		cmocka_unit_test(test_merge_into_an_empty_profile_copies),
		cmocka_unit_test(test_diff_lists_one_sided_lines_and_changed_counts),
		cmocka_unit_test(test_scope_and_mode_round_trip_merge_and_diff),
		cmocka_unit_test(test_adders_refuse_bad_input),
		cmocka_unit_test(test_learned_time_is_rfc3339_utc),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
