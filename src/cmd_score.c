// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * vigil score --profile FILE --from-traces DIR - score syscall traces
 * against a profile with the detector's model (model.h): one line per trace,
 * "<path> <score>", higher is more anomalous.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "cli.h"
#include "cmd.h"
#include "log.h"
#include "model.h"
#include "profile.h"

static const char score_usage[] =
	"usage: vigil score --profile FILE --from-traces DIR [--method lm|stide] [--order N]\n"
	"\n"
	"Score every trace under DIR (recursively, dot files skipped; whitespace-\n"
	"separated syscall numbers) against a profile.  Prints \"<path> <score>\" per\n"
	"trace, sorted by path; higher is more anomalous.  A trace that cannot be\n"
	"read or holds a token that is not a syscall number is an error (nothing is\n"
	"printed).\n"
	"\n"
	"  --profile FILE      the profile (vigil learn)\n"
	"  --from-traces DIR   the traces\n"
	"  --method M          lm (default): power mean (p = 1.5) of each syscall's\n"
	"                      surprisal under an interpolated Kneser-Ney n-gram model;\n"
	"                      stide: fraction of windows the profile never saw\n"
	"  --order N           n-gram length the method uses, 1..window (default: the\n"
	"                      profile's window)\n"
	"  --power P           lm: the power mean's exponent, >= 1 (default 1.5)\n"
	"  -q, --quiet         no summary on stderr\n"
	"  -h, --help          this help\n"
	"\n"
	"docs/profiles.md describes the model and its evaluation.\n";

enum { OPT_POWER = 256 };

static const struct option score_options[] = {
	{ "profile", required_argument, NULL, 'p' },
	{ "from-traces", required_argument, NULL, 'f' },
	{ "method", required_argument, NULL, 'm' },
	{ "order", required_argument, NULL, 'n' },
	{ "power", required_argument, NULL, OPT_POWER },
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

static int score_traces(const char *profile, const char *dir, const struct vg_model_opts *o,
			bool quiet)
{
	struct vg_profile p;
	struct vg_profile_diag d;
	struct vg_model m;
	struct vg_buf out;
	char err[600], **paths = NULL;
	size_t n_paths = 0;
	uint64_t syscalls = 0;
	double t0, dt;
	int ret = VG_EXIT_FAIL, e;

	vg_profile_init(&p);
	e = vg_profile_load(&p, profile, &d);
	if (e) {
		vg_error("%s", vg_profile_diag_format(&d, err, sizeof(err)));
		return VG_EXIT_FAIL;
	}
	if (o->order > p.window) {
		vg_error("--order %u is longer than the profile's window (%u)", o->order, p.window);
		vg_profile_release(&p);
		return VG_EXIT_FAIL;
	}
	e = vg_model_init(&m, &p, o);
	vg_profile_release(&p);
	if (e) {
		vg_error("cannot build the model: %s", strerror(-e));
		return VG_EXIT_FAIL;
	}
	vg_buf_init(&out);
	e = vg_trace_list(dir, &paths, &n_paths, err, sizeof(err));
	if (e) {
		vg_error("%s", err);
		goto done;
	}
	t0 = now_s();
	for (size_t i = 0; i < n_paths; i++) {
		uint16_t *nrs;
		size_t n;

		e = vg_trace_load(paths[i], &nrs, &n, err, sizeof(err));
		if (e) {
			vg_error("%s", err);
			goto done;
		}
		vg_buf_addf(&out, "%s %.6f\n", paths[i], vg_model_score_trace(&m, nrs, n));
		syscalls += n;
		free(nrs);
	}
	dt = now_s() - t0;
	if (out.oom) {
		vg_error("cannot score: out of memory");
		goto done;
	}
	if (fwrite(out.data, 1, out.len, stdout) != out.len || fflush(stdout)) {
		vg_error("cannot write to stdout: %s", strerror(errno));
		goto done;
	}
	if (!quiet)
		fprintf(stderr,
			"vigil: scored %zu traces, %llu syscalls (%s, order %u) in %.2f s "
			"(%.0f syscalls/s)\n",
			n_paths, (unsigned long long)syscalls, vg_model_method_name(m.method),
			m.order, dt, dt > 0 ? (double)syscalls / dt : 0.0);
	ret = VG_EXIT_OK;
done:
	vg_buf_release(&out);
	vg_trace_list_free(paths, n_paths);
	vg_model_release(&m);
	return ret;
}

int cmd_score(int argc, char **argv)
{
	struct vg_model_opts o = { .method = VG_MODEL_LM };
	const char *profile = NULL, *dir = NULL;
	bool quiet = false;
	char *end;
	uint32_t v;
	int c;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":qh", score_options, NULL)) != -1) {
		switch (c) {
		case 'p':
			profile = optarg;
			break;
		case 'f':
			dir = optarg;
			break;
		case 'm':
			if (vg_model_method_parse(optarg, &o.method))
				return vg_cli_usage_error(score_usage,
							  "--method: unknown method '%s' (lm or stide)",
							  optarg);
			break;
		case 'n':
			if (vg_cli_parse_u32(optarg, &v) || v < 1 || v > VG_NGRAM_MAX)
				return vg_cli_usage_error(score_usage,
							  "--order: '%s' is not a number from 1 to %d",
							  optarg, VG_NGRAM_MAX);
			o.order = v;
			break;
		case OPT_POWER:
			o.power = strtod(optarg, &end);
			if (*end || end == optarg || !(o.power >= 1 && o.power <= 100))
				return vg_cli_usage_error(score_usage,
							  "--power: '%s' is not a number from 1 to 100",
							  optarg);
			break;
		case 'q':
			quiet = true;
			break;
		case 'h':
			fputs(score_usage, stdout);
			return VG_EXIT_OK;
		case ':':
			return vg_cli_usage_error(score_usage, "option '%s' needs a value",
						  argv[optind - 1]);
		default:
			return vg_cli_usage_error(score_usage, "unknown option '%s'",
						  argv[optind - 1]);
		}
	}
	if (optind < argc)
		return vg_cli_usage_error(score_usage, "unexpected argument '%s'", argv[optind]);
	if (!profile)
		return vg_cli_usage_error(score_usage, "score: missing --profile FILE");
	if (!dir)
		return vg_cli_usage_error(score_usage, "score: missing --from-traces DIR");
	return score_traces(profile, dir, &o, quiet);
}
