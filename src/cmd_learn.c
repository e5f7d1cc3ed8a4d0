// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * vigil learn - behaviour profiles: live (--exe, --duration; learn.c) or
 * from a directory of syscall traces (docs/profiles.md, "Tools").
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "learn.h"
#include "cmd.h"
#include "log.h"
#include "model.h"
#include "profile.h"

static const char learn_usage[] =
	"usage: vigil learn --exe PATH [--exe PATH]... --duration D --out DIR [--window N]\n"
	"       vigil learn --scope cgroup --cgroup PATH... [--exe PATH]... --duration D --out DIR\n"
	"       vigil learn --scope container [--container ID]... [--exe PATH]... --duration D --out DIR\n"
	"       vigil learn --from-traces DIR --out FILE [--window N]\n"
	"\n"
	"Live: learn what each executable does while it runs, for D (30s, 5m, 1h;\n"
	"a plain number is seconds, Ctrl-C ends early): the kernel counts its syscall\n"
	"sequences, the sensors give the programs it starts, the files it opens, its\n"
	"peers and listening sockets, its credential changes and their rates.  One\n"
	"profile per executable goes to DIR (`vigil run --profile DIR` detects\n"
	"deviations).  Processes already running it are learned from now on.\n"
	"\n"
	"  --exe PATH          an executable to learn (absolute path; repeatable)\n"
	"  --scope S           exe (default): one profile per executable, wherever it\n"
	"                      runs; cgroup / container: one per executable and cgroup /\n"
	"                      container, every executable run there (or only --exe ones)\n"
	"  --cgroup PATH       a cgroup v2 to learn (as /proc/PID/cgroup writes it, or\n"
	"                      its directory; repeatable); --scope cgroup\n"
	"  --container ID      a container (id or prefix; repeatable); --scope container\n"
	"                      without it learns every container\n"
	"  --duration D        how long to learn\n"
	"  --ready-file FILE   created once learning has started\n"
	"\n"
	"Traces:\n"
	"Learn a behaviour profile (docs/profiles.md) from syscall traces: every\n"
	"regular file under DIR (recursively, dot files skipped) is one trace of\n"
	"whitespace-separated syscall numbers.  The profile (workload traces DIR)\n"
	"counts each syscall and every n-gram of length 1..N.  A file that cannot\n"
	"be read or holds anything but numbers below 1024 is an error.\n"
	"\n"
	"  --from-traces DIR   the traces\n"
	"  --out FILE          the profile to write (replaced atomically)\n"
	"  --window N          longest n-gram, 1-8 (default 6)\n"
	"  -q, --quiet         no summary on stderr\n"
	"  -h, --help          this help\n";

static const struct option learn_options[] = {
	{ "from-traces", required_argument, NULL, 'f' },
	{ "exe", required_argument, NULL, 'e' },
	{ "scope", required_argument, NULL, 's' },
	{ "cgroup", required_argument, NULL, 'c' },
	{ "container", required_argument, NULL, 'C' },
	{ "duration", required_argument, NULL, 'd' },
	{ "ready-file", required_argument, NULL, 'r' },
	{ "out", required_argument, NULL, 'o' },
	{ "window", required_argument, NULL, 'w' },
	{ "quiet", no_argument, NULL, 'q' },
	{ "help", no_argument, NULL, 'h' },
	{ 0 },
};

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int learn_traces(const char *dir, const char *out, unsigned int window, bool quiet)
{
	struct vg_profile p;
	char err[512], **paths;
	size_t n_paths;
	double t0 = now_s(), dt;
	int ret = VG_EXIT_FAIL, e;

	e = vg_trace_list(dir, &paths, &n_paths, err, sizeof(err));
	if (e) {
		vg_error("%s", err);
		return VG_EXIT_FAIL;
	}
	if (!n_paths) {
		vg_error("no trace files under '%s'", dir);
		vg_trace_list_free(paths, n_paths);
		return VG_EXIT_FAIL;
	}
	vg_profile_init(&p);
	if (vg_profile_set_window(&p, window) || vg_profile_set_workload(&p, VG_SCOPE_TRACES, dir)) {
		vg_error("cannot start the profile: out of memory");
		goto out;
	}
	for (size_t i = 0; i < n_paths; i++) {
		uint16_t *nrs;
		size_t n;

		e = vg_trace_load(paths[i], &nrs, &n, err, sizeof(err));
		if (e) {
			vg_error("%s", err);
			goto out;
		}
		e = vg_profile_add_trace(&p, nrs, n);
		free(nrs);
		if (e) {
			vg_error("cannot add '%s': %s", paths[i], strerror(-e));
			goto out;
		}
	}
	dt = now_s() - t0;
	e = vg_profile_save(&p, out);
	if (e) {
		vg_error("cannot write '%s': %s", out, strerror(-e));
		goto out;
	}
	if (!quiet)
		fprintf(stderr,
			"vigil: learned %llu traces, %llu syscalls, %zu n-grams (window %u) in "
			"%.2f s (%.0f syscalls/s) -> %s\n",
			(unsigned long long)p.processes, (unsigned long long)p.syscalls,
			p.ngrams.n, p.window, dt, dt > 0 ? (double)p.syscalls / dt : 0.0, out);
	ret = VG_EXIT_OK;
out:
	vg_profile_release(&p);
	vg_trace_list_free(paths, n_paths);
	return ret;
}

static volatile sig_atomic_t learn_stop;

static void on_learn_signal(int sig)
{
	learn_stop = 1;
}

static int learn_live(struct vg_learn_opts *o)
{
	struct sigaction sa = { .sa_handler = on_learn_signal };

	for (size_t i = 0; i < o->n_exes; i++)
		if (o->exes[i][0] != '/')
			return vg_cli_usage_error(learn_usage, "--exe: '%s' is not an absolute path",
						  o->exes[i]);
	switch (o->scope) {
	case VG_SCOPE_EXE:
		if (o->n_targets)
			return vg_cli_usage_error(learn_usage, "--cgroup and --container need "
						  "--scope cgroup or --scope container");
		if (!o->n_exes)
			return vg_cli_usage_error(learn_usage, "learn: --scope exe needs --exe PATH");
		break;
	case VG_SCOPE_CGROUP:
		if (!o->n_targets)
			return vg_cli_usage_error(learn_usage, "learn: --scope cgroup needs "
						  "--cgroup PATH");
		break;
	default:
		break;
	}
	o->stop = &learn_stop;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	return vg_learn_live(o) ? VG_EXIT_FAIL : VG_EXIT_OK;
}

int cmd_learn(int argc, char **argv)
{
	const char *dir = NULL, *out = NULL, *ready = NULL;
	char **exes = NULL, **targets = NULL;
	size_t n_exes = 0, n_targets = 0;
	int scope = VG_SCOPE_EXE, target_scope = VG_SCOPE_NONE;
	int64_t duration_ms = -1;
	unsigned int window = VG_NGRAM_DEFAULT;
	bool quiet = false;
	uint32_t v;
	int c;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":qh", learn_options, NULL)) != -1) {
		switch (c) {
		case 'f':
			dir = optarg;
			break;
		case 'e':
			if (vg_cli_push(&exes, &n_exes, optarg))
				goto nomem;
			break;
		case 's':
			if (!strcmp(optarg, "exe"))
				scope = VG_SCOPE_EXE;
			else if (!strcmp(optarg, "cgroup"))
				scope = VG_SCOPE_CGROUP;
			else if (!strcmp(optarg, "container"))
				scope = VG_SCOPE_CONTAINER;
			else
				goto bad_scope;
			break;
		case 'c':
		case 'C':
			if (target_scope && target_scope != (c == 'c' ? VG_SCOPE_CGROUP :
							     VG_SCOPE_CONTAINER)) {
				c = vg_cli_usage_error(learn_usage, "--cgroup and --container "
						       "exclude each other");
				goto out;
			}
			target_scope = c == 'c' ? VG_SCOPE_CGROUP : VG_SCOPE_CONTAINER;
			if (vg_cli_push(&targets, &n_targets, optarg))
				goto nomem;
			break;
		case 'd':
			duration_ms = vg_cli_parse_duration_ms(optarg);
			if (duration_ms < 0) {
				c = vg_cli_usage_error(learn_usage, "--duration: '%s' is not a "
						       "duration (30s, 5m, 1h)", optarg);
				goto out;
			}
			break;
		case 'r':
			ready = optarg;
			break;
		case 'o':
			out = optarg;
			break;
		case 'w':
			if (vg_cli_parse_u32(optarg, &v) || v < 1 || v > VG_NGRAM_MAX) {
				c = vg_cli_usage_error(learn_usage,
						       "--window: '%s' is not a number from 1 to %d",
						       optarg, VG_NGRAM_MAX);
				goto out;
			}
			window = v;
			break;
		case 'q':
			quiet = true;
			break;
		case 'h':
			fputs(learn_usage, stdout);
			c = VG_EXIT_OK;
			goto out;
		case ':':
			c = vg_cli_usage_error(learn_usage, "option '%s' needs a value",
					       argv[optind - 1]);
			goto out;
		default:
			c = vg_cli_usage_error(learn_usage, "unknown option '%s'", argv[optind - 1]);
			goto out;
		}
	}
	if (optind < argc) {
		c = vg_cli_usage_error(learn_usage, "unexpected argument '%s'", argv[optind]);
		goto out;
	}
	if (target_scope && target_scope != scope) {
		c = vg_cli_usage_error(learn_usage, "--%s needs --scope %s",
				       target_scope == VG_SCOPE_CGROUP ? "cgroup" : "container",
				       target_scope == VG_SCOPE_CGROUP ? "cgroup" : "container");
		goto out;
	}
	if (n_exes || scope != VG_SCOPE_EXE) {
		struct vg_learn_opts o = {
			.scope = scope, .targets = targets, .n_targets = n_targets,
			.exes = exes, .n_exes = n_exes, .window = window,
			.duration_ms = (uint64_t)duration_ms, .out_dir = out, .ready_file = ready,
		};

		if (dir)
			c = vg_cli_usage_error(learn_usage, "learn: live learning (--exe, --scope) and "
					       "--from-traces exclude each other");
		else if (!out || duration_ms < 0)
			c = vg_cli_usage_error(learn_usage, "learn: live learning needs --duration D "
					       "and --out DIR");
		else
			c = learn_live(&o);
		goto out;
	}
	free(targets);
	free(exes);
	if (!dir)
		return vg_cli_usage_error(learn_usage, "learn: missing --exe PATH or "
					  "--from-traces DIR");
	if (!out)
		return vg_cli_usage_error(learn_usage, "learn: missing --out FILE");
	return learn_traces(dir, out, window, quiet);
out:
	free(exes);
	free(targets);
	return c;
nomem:
	free(exes);
	free(targets);
	return VG_EXIT_FAIL;
bad_scope:
	free(exes);
	free(targets);
	return vg_cli_usage_error(learn_usage, "--scope: '%s' is not exe, cgroup or container",
				  optarg);
}
