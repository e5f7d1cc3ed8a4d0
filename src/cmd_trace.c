// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * vigil trace exec - live process executions with full context.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "cmd.h"
#include "log.h"

static const char trace_usage[] =
	"usage: vigil trace exec [options]\n"
	"\n"
	"Print every successful execve/execveat as it happens, with process, user,\n"
	"cgroup and container context.\n"
	"\n"
	"  --pid PID          only this process (filtered in the kernel)\n"
	"  --comm NAME        only tasks whose comm is NAME (filtered in the kernel)\n"
	"  --exe GLOB         only executables whose path matches GLOB (fnmatch)\n"
	"  --container ID     only processes in a container whose id starts with ID\n"
	"  -o, --format FMT   text (default) or json (one object per line, docs/events.md)\n"
	"  --output FILE      write events to FILE (created 0600, appended) instead of stdout\n"
	"  --backend B        auto (default), tp_btf or raw_tp\n"
	"  --ready-file FILE  create FILE once the sensors are attached\n"
	"  -v, --verbose      more diagnostics on stderr (twice: libbpf debug)\n"
	"  -h, --help         this help\n";

enum {
	OPT_PID = 256, OPT_COMM, OPT_EXE, OPT_CONTAINER, OPT_OUTPUT, OPT_BACKEND, OPT_READY,
};

static const struct option trace_options[] = {
	{ "pid", required_argument, NULL, OPT_PID },
	{ "comm", required_argument, NULL, OPT_COMM },
	{ "exe", required_argument, NULL, OPT_EXE },
	{ "container", required_argument, NULL, OPT_CONTAINER },
	{ "format", required_argument, NULL, 'o' },
	{ "output", required_argument, NULL, OPT_OUTPUT },
	{ "backend", required_argument, NULL, OPT_BACKEND },
	{ "ready-file", required_argument, NULL, OPT_READY },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{},
};

int vg_cli_parse_backend(const char *s, enum vg_attach_backend *b)
{
	if (!strcmp(s, "auto"))
		*b = VG_BACKEND_AUTO;
	else if (!strcmp(s, "tp_btf"))
		*b = VG_BACKEND_TP_BTF;
	else if (!strcmp(s, "raw_tp"))
		*b = VG_BACKEND_RAW_TP;
	else
		return -1;
	return 0;
}

int cmd_trace(int argc, char **argv)
{
	struct vg_cli_opts o = { .fmt = VG_FMT_TEXT };
	int c;

	optind = 1;
	opterr = 0;
	if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		if (argc < 2)
			return vg_cli_usage_error(trace_usage, "trace: missing what to trace");
		fputs(trace_usage, stdout);
		return VG_EXIT_OK;
	}
	if (strcmp(argv[1], "exec"))
		return vg_cli_usage_error(trace_usage, "trace: unknown target '%s'", argv[1]);
	o.filter.kinds = VG_KIND_BIT(VG_EV_EXEC);
	argc--;
	argv++;

	while ((c = getopt_long(argc, argv, ":o:vh", trace_options, NULL)) != -1) {
		switch (c) {
		case OPT_PID:
			if (vg_cli_parse_u32(optarg, &o.filter.pid) || !o.filter.pid)
				return vg_cli_usage_error(trace_usage, "--pid: '%s' is not a pid", optarg);
			break;
		case OPT_COMM:
			if (!*optarg || strlen(optarg) > 15)
				return vg_cli_usage_error(trace_usage,
							  "--comm: '%s' must be 1 to 15 bytes", optarg);
			o.filter.comm = optarg;
			break;
		case OPT_EXE:
			o.filter.exe_glob = optarg;
			break;
		case OPT_CONTAINER:
			if (!*optarg)
				return vg_cli_usage_error(trace_usage, "--container: empty id");
			o.filter.container = optarg;
			break;
		case 'o':
			if (vg_format_parse(optarg, &o.fmt))
				return vg_cli_usage_error(trace_usage,
							  "-o: unknown format '%s' (json or text)", optarg);
			break;
		case OPT_OUTPUT:
			o.output_path = optarg;
			break;
		case OPT_BACKEND:
			if (vg_cli_parse_backend(optarg, &o.backend))
				return vg_cli_usage_error(trace_usage,
							  "--backend: unknown backend '%s'", optarg);
			break;
		case OPT_READY:
			o.ready_file = optarg;
			break;
		case 'v':
			vg_log_more_verbose();
			break;
		case 'h':
			fputs(trace_usage, stdout);
			return VG_EXIT_OK;
		case ':':
			return vg_cli_usage_error(trace_usage, "option '%s' needs a value",
						  argv[optind - 1]);
		default:
			return vg_cli_usage_error(trace_usage, "unknown option '%s'",
						  argv[optind - 1]);
		}
	}
	if (optind < argc)
		return vg_cli_usage_error(trace_usage, "unexpected argument '%s'", argv[optind]);
	return vg_cli_stream(&o);
}
