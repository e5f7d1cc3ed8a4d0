// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * vigil profile show|diff|merge|seccomp - look at, compare, combine behaviour
 * profiles, and turn one into a seccomp profile (src/profile.c, docs/profiles.md).
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cmd.h"
#include "log.h"
#include "profile.h"
#include "profile_policy.h"
#include "seccomp_gen.h"

#define TOP_N 10

static const char profile_usage[] =
	"usage: vigil profile show FILE\n"
	"       vigil profile diff A B\n"
	"       vigil profile merge A B... -o OUT\n"
	"       vigil profile seccomp FILE [-o OUT] [--default-action errno|kill|log]\n"
	"                             [--allow-startup]\n"
	"       vigil profile policy FILE [-o OUT] [--enforce]\n"
	"\n"
	"  show    a summary: workload, counts, top syscalls, n-grams, programs,\n"
	"          files, peers, listening sockets, credential changes, rates\n"
	"  diff    the lines only one profile has (\"- \" A, \"+ \" B) and the counts\n"
	"          that differ (\"~ KEY A -> B\"); exit 0 same, 1 different, 2 trouble\n"
	"  merge   add profiles of one workload (replicas, several learning runs):\n"
	"          counts add up, sets are united, the largest window is kept\n"
	"  policy  a vigil policy (docs/policies.md) allowing the programs, peers,\n"
	"          listening ports and uids the profile saw and acting on anything else\n"
	"          (audit: alert; --enforce: kill)\n"
	"  seccomp an OCI / Docker seccomp profile allowing the syscalls the profile\n"
	"          saw (docker run --security-opt seccomp=OUT; vigil sandbox --profile\n"
	"          runs a command under it and reports what it blocks: docs/sandbox.md)\n"
	"\n"
	"A profile that is not valid is refused with FILE:LINE: FIELD: problem (hint).\n"
	"docs/profiles.md describes the format.\n"
	"\n"
	"  -o, --out OUT   (merge) the profile to write\n"
	"  -h, --help      this help\n";

/* "vigil: profile: <what>" and the usage; exit status 2. */
static int usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int usage_error(const char *fmt, ...)
{
	va_list ap;

	fputs("vigil: profile: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n%s", profile_usage);
	return VG_EXIT_USAGE;
}

static int load(struct vg_profile *p, const char *path)
{
	struct vg_profile_diag d;
	char msg[600];

	vg_profile_init(p);
	if (vg_profile_load(p, path, &d)) {
		vg_error("%s", vg_profile_diag_format(&d, msg, sizeof(msg)));
		return -1;
	}
	return 0;
}

/* Reject options (anything starting with '-') in a subcommand's operands,
 * -h/--help aside, which *help is set for. */
static int check_operands(int argc, char **argv, bool *help)
{
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help"))
			*help = true;
		else if (argv[i][0] == '-' && argv[i][1])
			return usage_error("unknown option '%s'", argv[i]);
	}
	return 0;
}

/* --- show ---------------------------------------------------------------------- */

static int cmp_count_desc(const void *x, const void *y)
{
	const struct vg_profile_strent *a = *(const struct vg_profile_strent *const *)x;
	const struct vg_profile_strent *b = *(const struct vg_profile_strent *const *)y;

	if (a->count != b->count)
		return a->count > b->count ? -1 : 1;
	return strcmp(a->key, b->key);
}

static void show_strmap(const char *title, const struct vg_profile_strmap *m)
{
	const struct vg_profile_strent **v;
	size_t n = vg_profile_strmap_sorted(m, &v);

	printf("%s: %zu\n", title, n);
	qsort(v, n, sizeof(*v), cmp_count_desc);
	for (size_t i = 0; i < n && i < TOP_N; i++)
		printf("  %12llu  %s\n", (unsigned long long)v[i]->count, v[i]->key);
	if (n > TOP_N)
		printf("  ... and %zu more\n", n - TOP_N);
	free(v);
}

static int profile_show(int argc, char **argv)
{
	unsigned int top[TOP_N], n_top = 0, distinct = 0;
	size_t by_len[VG_NGRAM_MAX + 1] = { 0 };
	struct vg_profile p;
	bool help = false;

	if (check_operands(argc, argv, &help))
		return VG_EXIT_USAGE;
	if (help) {
		fputs(profile_usage, stdout);
		return VG_EXIT_OK;
	}
	if (argc != 2)
		return usage_error(argc < 2 ? "show: missing FILE" : "show: one FILE at a time");
	if (load(&p, argv[1]))
		return VG_EXIT_FAIL;
	printf("workload: %s %s\n", vg_profile_scope_name(p.workload_kind), p.workload);
	printf("scope: %s\n", vg_profile_scope_name(p.scope));
	if (p.has_learned)
		printf("learned: %s for %llu s\n", p.learned_time,
		       (unsigned long long)p.learned_seconds);
	printf("processes: %llu\n", (unsigned long long)p.processes);
	printf("syscalls: %llu\n", (unsigned long long)p.syscalls);
	printf("window: %u\n", p.window);
	/* the TOP_N most frequent syscalls, ties by number */
	for (unsigned int nr = 0; nr < VG_SYSCALL_NR_MAX; nr++) {
		unsigned int j;

		if (!p.syscall_count[nr])
			continue;
		distinct++;
		for (j = n_top; j > 0 && p.syscall_count[top[j - 1]] < p.syscall_count[nr]; j--)
			if (j < TOP_N)
				top[j] = top[j - 1];
		if (j < TOP_N) {
			top[j] = nr;
			if (n_top < TOP_N)
				n_top++;
		}
	}
	printf("distinct syscalls: %u\n", distinct);
	for (unsigned int i = 0; i < n_top; i++) {
		uint64_t c = p.syscall_count[top[i]];

		printf("  %12llu  %5.1f%%  %u %s\n", (unsigned long long)c,
		       p.syscalls ? 100.0 * (double)c / (double)p.syscalls : 0.0, top[i],
		       vg_profile_syscall_name(&p, top[i]));
	}
	for (size_t i = 0; i < p.ngrams.cap; i++)
		if (p.ngrams.slots[i].len)
			by_len[p.ngrams.slots[i].len]++;
	printf("n-grams: %zu", p.ngrams.n);
	for (unsigned int k = 1, first = 1; k <= VG_NGRAM_MAX; k++)
		if (by_len[k]) {
			printf("%s%u: %zu", first ? " (length " : ", ", k, by_len[k]);
			first = 0;
		}
	printf("%s\n", p.ngrams.n ? ")" : "");
	show_strmap("execs", &p.exec);
	show_strmap("files read", &p.file[VG_PROFILE_FILE_READ]);
	show_strmap("files written", &p.file[VG_PROFILE_FILE_WRITE]);
	show_strmap("peers", &p.connect);
	show_strmap("listening", &p.listen);
	show_strmap("credential changes", &p.cred);
	for (int k = 0; k < VG_RATE_MAX; k++)
		if (p.has_rate[k])
			printf("rate %s: %.6g/s\n", vg_profile_rate_name(k), p.rate[k]);
	vg_profile_release(&p);
	if (fflush(stdout) || ferror(stdout)) {
		vg_error("cannot write to stdout: %s", strerror(errno));
		return VG_EXIT_FAIL;
	}
	return VG_EXIT_OK;
}

/* --- diff ---------------------------------------------------------------------- */

static int profile_diff(int argc, char **argv)
{
	struct vg_profile a, b;
	bool help = false;
	int n;

	if (check_operands(argc, argv, &help))
		return VG_EXIT_USAGE;
	if (help) {
		fputs(profile_usage, stdout);
		return VG_EXIT_OK;
	}
	if (argc != 3)
		return usage_error("diff: needs two profiles, A and B");
	if (load(&a, argv[1]))
		return VG_EXIT_USAGE;
	if (load(&b, argv[2])) {
		vg_profile_release(&a);
		return VG_EXIT_USAGE;
	}
	n = vg_profile_diff(stdout, &a, &b);
	vg_profile_release(&a);
	vg_profile_release(&b);
	if (n < 0) {
		vg_error("cannot write the differences: %s", strerror(-n));
		return VG_EXIT_USAGE;
	}
	return n ? VG_EXIT_FAIL : VG_EXIT_OK;
}

/* --- merge --------------------------------------------------------------------- */

static const struct option merge_options[] = {
	{ "out", required_argument, NULL, 'o' },
	{ "help", no_argument, NULL, 'h' },
	{ 0 },
};

static int profile_merge(int argc, char **argv)
{
	struct vg_profile dst;
	const char *out = NULL;
	int c, e;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":o:h", merge_options, NULL)) != -1) {
		switch (c) {
		case 'o':
			out = optarg;
			break;
		case 'h':
			fputs(profile_usage, stdout);
			return VG_EXIT_OK;
		case ':':
			return usage_error("option '%s' needs a value", argv[optind - 1]);
		default:
			return usage_error("unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind >= argc)
		return usage_error("merge: missing the profiles to merge");
	if (!out)
		return usage_error("merge: missing -o OUT");
	if (load(&dst, argv[optind]))
		return VG_EXIT_FAIL;
	for (int i = optind + 1; i < argc; i++) {
		struct vg_profile src;

		if (load(&src, argv[i])) {
			vg_profile_release(&dst);
			return VG_EXIT_FAIL;
		}
		e = vg_profile_merge(&dst, &src);
		if (e == -EINVAL)
			vg_error("cannot merge '%s': workload %s %s (scope %s) is not workload "
				 "%s %s (scope %s) (merge profiles of one workload)",
				 argv[i], vg_profile_scope_name(src.workload_kind), src.workload,
				 vg_profile_scope_name(src.scope),
				 vg_profile_scope_name(dst.workload_kind), dst.workload,
				 vg_profile_scope_name(dst.scope));
		else if (e)
			vg_error("cannot merge '%s': %s", argv[i], strerror(-e));
		vg_profile_release(&src);
		if (e) {
			vg_profile_release(&dst);
			return VG_EXIT_FAIL;
		}
	}
	e = vg_profile_save(&dst, out);
	vg_profile_release(&dst);
	if (e) {
		vg_error("cannot write '%s': %s", out, strerror(-e));
		return VG_EXIT_FAIL;
	}
	return VG_EXIT_OK;
}

/* --- dispatch ------------------------------------------------------------------ */

/* The output: `out`, or stdout for NULL or "-".  NULL (logged) on failure. */
static FILE *out_open(const char *out)
{
	FILE *f;

	if (!out || !strcmp(out, "-"))
		return stdout;
	f = fopen(out, "we");
	if (!f)
		vg_error("cannot write '%s': %s", out, strerror(errno));
	return f;
}

/* Close it; rc, or VG_EXIT_FAIL when the last writes failed. */
static int out_close(FILE *f, const char *out, int rc)
{
	if (!f || f == stdout)
		return rc;
	if (fclose(f) && rc == VG_EXIT_OK) {
		vg_error("cannot write '%s': %s", out, strerror(errno));
		rc = VG_EXIT_FAIL;
	}
	return rc;
}

/* vigil profile seccomp FILE [-o OUT] [--default-action A] [--allow-startup] */
static int profile_seccomp(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "out", required_argument, NULL, 'o' },
		{ "default-action", required_argument, NULL, 'd' },
		{ "allow-startup", no_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	enum vg_seccomp_default def = VG_SECCOMP_ERRNO;
	const char *out = NULL;
	bool startup = false;
	struct vg_sysnames names;
	FILE *f;
	int c, rc = VG_EXIT_FAIL;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":o:h", opts, NULL)) != -1) {
		switch (c) {
		case 'o':
			out = optarg;
			break;
		case 'd':
			if (vg_seccomp_default_parse(optarg, &def))
				return usage_error("seccomp: --default-action: unknown action '%s' "
						   "(errno, kill or log)", optarg);
			break;
		case 's':
			startup = true;
			break;
		case 'h':
			fputs(profile_usage, stdout);
			return VG_EXIT_OK;
		case ':':
			return usage_error("seccomp: option '%s' needs a value", argv[optind - 1]);
		default:
			return usage_error("seccomp: unknown option '%s'", argv[optind - 1]);
		}
	}
	if (argc - optind != 1)
		return usage_error("seccomp: give one profile");
	vg_sysnames_init(&names);
	if (vg_sysnames_add_profile(&names, argv[optind]) ||
	    (startup && vg_sysnames_add_startup(&names)))
		goto out;
	f = out_open(out);
	if (!f)
		goto out;
	if (!vg_seccomp_write_oci(f, (const char *const *)names.v, names.n, def))
		rc = VG_EXIT_OK;
	rc = out_close(f, out, rc);
out:
	vg_sysnames_release(&names);
	return rc;
}

/* vigil profile policy FILE [-o OUT] [--enforce] */
static int profile_policy(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "out", required_argument, NULL, 'o' },
		{ "enforce", no_argument, NULL, 'e' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	const char *out = NULL;
	bool enforce = false;
	struct vg_profile p;
	FILE *f;
	int c, rc = VG_EXIT_FAIL, err;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":o:h", opts, NULL)) != -1) {
		switch (c) {
		case 'o':
			out = optarg;
			break;
		case 'e':
			enforce = true;
			break;
		case 'h':
			fputs(profile_usage, stdout);
			return VG_EXIT_OK;
		case ':':
			return usage_error("policy: option '%s' needs a value", argv[optind - 1]);
		default:
			return usage_error("policy: unknown option '%s'", argv[optind - 1]);
		}
	}
	if (argc - optind != 1)
		return usage_error("policy: give one profile");
	if (load(&p, argv[optind]))
		return VG_EXIT_FAIL;
	f = out_open(out);
	if (!f)
		goto done;
	err = vg_profile_policy_write(f, &p, argv[optind], enforce);
	if (err == -EINVAL)
		vg_error("%s: not a profile of an executable (workload exe): a policy names "
			 "the binary it allows things for", argv[optind]);
	else if (err)
		vg_error("cannot write the policy: %s", strerror(-err));
	else
		rc = VG_EXIT_OK;
	rc = out_close(f, out, rc);
done:
	vg_profile_release(&p);
	return rc;
}

static const struct {
	const char *name;
	int (*fn)(int argc, char **argv);
} subcommands[] = {
	{ "policy", profile_policy },
	{ "show", profile_show },
	{ "diff", profile_diff },
	{ "merge", profile_merge },
	{ "seccomp", profile_seccomp },
};

int cmd_profile(int argc, char **argv)
{
	if (argc > 1 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
		fputs(profile_usage, stdout);
		return VG_EXIT_OK;
	}
	if (argc < 2)
		return usage_error("missing subcommand (show, diff, merge, policy or seccomp)");
	for (size_t i = 0; i < sizeof(subcommands) / sizeof(subcommands[0]); i++)
		if (!strcmp(argv[1], subcommands[i].name))
			return subcommands[i].fn(argc - 1, argv + 1);
	return usage_error("unknown subcommand '%s'", argv[1]);
}
