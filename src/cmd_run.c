// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * vigil run - the agent: every sensor, the embedded default configuration.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "cmd.h"
#include "log.h"
#include "config.h"

static const char run_usage[] =
	"usage: vigil run [options]\n"
	"\n"
	"Run the agent with every sensor enabled and print events as they happen.\n"
	"Without options it uses the default configuration built into the binary\n"
	"(`vigil run --show-config` prints it).\n"
	"\n"
	"  -o, --format FMT        json (default) or text\n"
	"  --output FILE           write events to FILE (created 0600, appended)\n"
	"  --stats-interval SEC    emit a stats event every SEC seconds (0: only at exit\n"
	"                          and when events are lost)\n"
	"  --flow-interval SEC     also a flow record with close \"open\" and the totals so\n"
	"                          far every SEC seconds for each TCP connection open that\n"
	"                          long (0, the default: flows only at close)\n"
	"  --backend B             auto (default), tp_btf or raw_tp\n"
	"  --ready-file FILE       create FILE once the sensors are attached\n"
	"  --show-config           print the effective configuration and exit\n"
	"  -v, --verbose           more diagnostics on stderr (twice: libbpf debug)\n"
	"  -h, --help              this help\n";

enum { OPT_OUTPUT = 256, OPT_STATS, OPT_BACKEND, OPT_READY, OPT_SHOW, OPT_FLOW_INTERVAL };

static const struct option run_options[] = {
	{ "format", required_argument, NULL, 'o' },
	{ "output", required_argument, NULL, OPT_OUTPUT },
	{ "stats-interval", required_argument, NULL, OPT_STATS },
	{ "backend", required_argument, NULL, OPT_BACKEND },
	{ "flow-interval", required_argument, NULL, OPT_FLOW_INTERVAL },
	{ "ready-file", required_argument, NULL, OPT_READY },
	{ "show-config", no_argument, NULL, OPT_SHOW },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{},
};

int cmd_run(int argc, char **argv)
{
	struct vg_cli_opts o;
	bool show = false;
	int c;

	vg_config_defaults(&o);
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":o:vh", run_options, NULL)) != -1) {
		switch (c) {
		case 'o':
			if (vg_format_parse(optarg, &o.fmt))
				return vg_cli_usage_error(run_usage,
							  "-o: unknown format '%s' (json or text)", optarg);
			break;
		case OPT_OUTPUT:
			o.output_path = optarg;
			break;
		case OPT_STATS:
			if (vg_cli_parse_u32(optarg, &o.stats_interval_s))
				return vg_cli_usage_error(run_usage,
							  "--stats-interval: '%s' is not a number of seconds",
							  optarg);
			break;
		case OPT_FLOW_INTERVAL:
			if (vg_cli_parse_u32(optarg, &o.flow_interval_s))
				return vg_cli_usage_error(run_usage,
							  "--flow-interval: '%s' is not a number of seconds",
							  optarg);
			break;
		case OPT_BACKEND:
			if (vg_cli_parse_backend(optarg, &o.backend))
				return vg_cli_usage_error(run_usage, "--backend: unknown backend '%s'",
							  optarg);
			break;
		case OPT_READY:
			o.ready_file = optarg;
			break;
		case OPT_SHOW:
			show = true;
			break;
		case 'v':
			vg_log_more_verbose();
			break;
		case 'h':
			fputs(run_usage, stdout);
			return VG_EXIT_OK;
		case ':':
			return vg_cli_usage_error(run_usage, "option '%s' needs a value",
						  argv[optind - 1]);
		default:
			return vg_cli_usage_error(run_usage, "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind < argc)
		return vg_cli_usage_error(run_usage, "unexpected argument '%s'", argv[optind]);
	if (vg_config_default_watches(&o.watches))
		return VG_EXIT_FAIL;
	if (show) {
		vg_config_print(stdout, &o);
		vg_watchlist_release(&o.watches);
		return VG_EXIT_OK;
	}
	vg_config_log_backends(&o);
	c = vg_cli_stream(&o);
	vg_watchlist_release(&o.watches);
	return c;
}
