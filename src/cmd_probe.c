// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * vigil probe - try each kernel mechanism, print what works and which
 * backend vigil will use for each job (docs/probe.md).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "cli.h"
#include "cmd.h"
#include "json.h"
#include "log.h"
#include "probe.h"

static const char probe_usage[] =
	"usage: vigil probe [options]\n"
	"\n"
	"Try every kernel mechanism vigil can use (load and attach a tiny program,\n"
	"create a temporary cgroup, file or network namespace, clean up) and print\n"
	"what works and which backend vigil will use for each job.  Needs root.\n"
	"\n"
	"  -o, --format FMT   text (default) or json (one object)\n"
	"  -v, --verbose      more diagnostics on stderr (twice: libbpf debug)\n"
	"  -h, --help         this help\n";

static const struct option probe_options[] = {
	{ "format", required_argument, NULL, 'o' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{},
};

static void render_text(struct vg_buf *b, const struct vg_probe *p)
{
	int i;

	vg_buf_addf(b, "kernel    %s\nlockdown  %s\n\n", p->kernel, p->lockdown);
	vg_buf_addf(b, "%-18s %-9s %s\n", "FEATURE", "AVAILABLE", "DETAIL");
	for (i = 0; i < VG_FEAT_MAX; i++)
		vg_buf_addf(b, "%-18s %-9s %s\n", vg_feature_name(i),
			    p->feat[i].available ? "yes" : "no", p->feat[i].detail);
	vg_buf_addf(b, "\n%-18s %s\n", "JOB", "BACKEND");
	for (i = 0; i < VG_JOB_MAX; i++)
		vg_buf_addf(b, "%-18s %s\n", vg_job_name(i), vg_probe_backend(p, i));
}

static void render_json(struct vg_buf *b, const struct vg_probe *p)
{
	int i;

	vg_buf_adds(b, "{\"kernel\":");
	vg_json_cstr(b, p->kernel);
	vg_buf_adds(b, ",\"lockdown\":");
	vg_json_cstr(b, p->lockdown);
	vg_buf_adds(b, ",\"features\":{");
	for (i = 0; i < VG_FEAT_MAX; i++) {
		if (i)
			vg_buf_addc(b, ',');
		vg_json_cstr(b, vg_feature_name(i));
		vg_buf_addf(b, ":{\"available\":%s,\"errno\":%d,\"detail\":",
			    p->feat[i].available ? "true" : "false", -p->feat[i].err);
		vg_json_cstr(b, p->feat[i].detail);
		vg_buf_addc(b, '}');
	}
	vg_buf_adds(b, "},\"backends\":{");
	for (i = 0; i < VG_JOB_MAX; i++) {
		if (i)
			vg_buf_addc(b, ',');
		vg_json_cstr(b, vg_job_name(i));
		vg_buf_addc(b, ':');
		vg_json_cstr(b, vg_probe_backend(p, i));
	}
	vg_buf_adds(b, "}}\n");
}

int cmd_probe(int argc, char **argv)
{
	struct vg_probe p;
	struct vg_buf b;
	bool json = false;
	int c, err, ret;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":o:vh", probe_options, NULL)) != -1) {
		switch (c) {
		case 'o':
			if (!strcmp(optarg, "json"))
				json = true;
			else if (!strcmp(optarg, "text"))
				json = false;
			else
				return vg_cli_usage_error(probe_usage,
							  "-o: unknown format '%s' (json or text)",
							  optarg);
			break;
		case 'v':
			vg_log_more_verbose();
			break;
		case 'h':
			fputs(probe_usage, stdout);
			return VG_EXIT_OK;
		case ':':
			return vg_cli_usage_error(probe_usage, "option '%s' needs a value",
						  argv[optind - 1]);
		default:
			return vg_cli_usage_error(probe_usage, "unknown option '%s'",
						  argv[optind - 1]);
		}
	}
	if (optind < argc)
		return vg_cli_usage_error(probe_usage, "unexpected argument '%s'", argv[optind]);

	if (geteuid() != 0) {
		fputs("vigil probe: must run as root (needs CAP_BPF/CAP_SYS_ADMIN)\n", stderr);
		return VG_EXIT_FAIL;
	}
	err = vg_probe_run(&p);
	if (err) {
		vg_error("cannot probe the kernel: %s", strerror(-err));
		return VG_EXIT_FAIL;
	}

	vg_buf_init(&b);
	if (json)
		render_json(&b, &p);
	else
		render_text(&b, &p);
	ret = VG_EXIT_OK;
	if (b.oom) {
		vg_error("cannot render the probe results: out of memory");
		ret = VG_EXIT_FAIL;
	} else if (fwrite(b.data, 1, b.len, stdout) != b.len || fflush(stdout) != 0) {
		vg_error("cannot write to stdout: %s", strerror(errno));
		ret = VG_EXIT_FAIL;
	}
	vg_buf_release(&b);
	return ret;
}
