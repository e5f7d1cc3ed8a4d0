// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * vigil trace exec|file|priv|net|sched|io|uprobe|bpf|gpu|tls|shell - one sensor's events,
 * live, with context.
 */
#include <errno.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bpfwatch.h"
#include "cli.h"
#include "cmd.h"
#include "config.h"
#include "log.h"

static const char trace_usage[] =
	"usage: vigil trace exec [options]\n"
	"       vigil trace file [--path PATH]... [--all] [options]\n"
	"       vigil trace priv [--all-syscalls] [options]\n"
	"       vigil trace net [options]\n"
	"       vigil trace sched [--interval D] [--min-cpu PERCENT] [options]\n"
	"       vigil trace io [--slow-ms MS] [options]\n"
	"       vigil trace uprobe --path FILE (--symbol NAME | --offset OFF) [--arg SPEC]...\n"
	"                          [--ret] [--kill-if GUARD | --report-if GUARD] [--rule NAME]\n"
	"                          [--guard-only] [options]\n"
	"       vigil trace bpf [--cmd CMD[,CMD...]] [options]\n"
	"       vigil trace gpu [--lib PATH] [--interval D] [options]\n"
	"       vigil trace tls [--lib PATH]... [--max-bytes N] [options]\n"
	"       vigil trace shell [--bash PATH]... [options]\n"
	"\n"
	"exec: every successful execve/execveat, with process, user, cgroup and\n"
	"      container context.\n"
	"file: operations on watched paths (open, write, truncate, unlink, rename, link,\n"
	"      symlink, mkdir, rmdir, chmod, chown) with result, and for watched files\n"
	"      the SHA-256, mode and owner before and after each change.\n"
	"priv: credential changes: set*id, capset, and exec of set-user/group-ID binaries;\n"
	"      with --all-syscalls also a change across any other syscall (op \"other\").\n"
	"net:  connect, accept, bind and listen (inet, inet6, unix) with addresses and result;\n"
	"      one \"flow\" per TCP connection when it closes (bytes and packets each way,\n"
	"      duration, fin/reset) attributed to the process that opened it; and\n"
	"      connections refused by connection-control rules (action \"deny\").\n"
	"sched: once per interval, each process that used at least --min-cpu percent of a\n"
	"      CPU: its CPU share (and over the last intervals), run-queue wait\n"
	"      percentiles, the other processes' p99 wait, context switches; and every\n"
	"      OOM kill.  Aggregated in the kernel at each context switch.\n"
	"io:   every block I/O request slower than --slow-ms (default 10) from issue to\n"
	"      completion: disk, operation, size, latency, the process that started it.\n"
	"uprobe: every call of a function of an executable or shared library (in every\n"
	"      process that maps it, also libraries loaded later; with --pid only that\n"
	"      process), with the arguments asked for, and its returns with --ret\n"
	"      (docs/uprobes.md).  A guard is checked in the kernel at the function's\n"
	"      entry; with --kill-if the caller is killed (SIGKILL) before the function runs.\n"
	"bpf:  other processes' bpf(2) control commands: program loads (type, name,\n"
	"      instructions), map creations, attachments, links, pins, BTF loads, with\n"
	"      the result (fd or errno); map reads and updates are not reported\n"
	"      (docs/bpfwatch.md).\n"
	"gpu:  once per interval, each process that called the CUDA driver API: calls,\n"
	"      errors and latency percentiles of cuLaunchKernel, cuMemAlloc_v2, cuMemFree_v2\n"
	"      and cuCtxSynchronize, bytes allocated and still held (docs/gpu.md); a last\n"
	"      record when the process exits.  Counted in the kernel, nothing per call.\n"
	"tls:  the plaintext of OpenSSL's SSL_read/SSL_write (and _ex) calls in every\n"
	"      process that maps libssl: direction, length, the first --max-bytes bytes,\n"
	"      the socket (fd, addresses, ports) and the process (docs/tls.md).  The\n"
	"      output holds secrets: protect it like the traffic.\n"
	"shell: every command line an interactive bash reads (readline), with its\n"
	"      terminal, login uid and audit session.\n"
	"\n"
	"  --path PATH        (file) watch PATH: a file, or a directory and everything below it\n"
	"                     (a trailing '/' or an existing directory); repeatable; default:\n"
	"                     the built-in list (credential files, sudoers, /root/.ssh/)\n"
	"  --all              (file) report every file operation (debugging; heavy)\n"
	"  --flow-interval SEC\n"
	"                     (net) also a flow record with close \"open\" and the totals so\n"
	"                     far every SEC seconds for each connection open that long;\n"
	"                     0 (default): flows only at close\n"
	"  --interval D       (sched, gpu) summary interval: 1s (default), 500ms, 5s\n"
	"  --min-cpu PERCENT  (sched) processes at or above this CPU share (default 1)\n"
	"  --slow-ms MS       (io) the latency that makes an event (default 10; 0: every I/O)\n"
	"  --path FILE        (uprobe) the executable or library (path, or a library name)\n"
	"  --symbol NAME      (uprobe) the function, from the file's ELF symbols\n"
	"  --offset OFF       (uprobe) file offset, or bytes past --symbol's entry\n"
	"  --arg SPEC         (uprobe) capture argument IDX (0-5): IDX:int, IDX:str[:MAX],\n"
	"                     IDX:buf:LENIDX[:MAX] (MAX bytes, at most and default 64); repeatable\n"
	"  --ret              (uprobe) also report the function's returns and return value\n"
	"  --kill-if GUARD    (uprobe) IDX:OP:VALUE, OP gt ge lt le eq ne (unsigned) or\n"
	"                     strlen_gt (VALUE <= 255): SIGKILL the caller at entry when it holds\n"
	"  --report-if GUARD  (uprobe) the same condition, only flagged in the event (audit)\n"
	"  --rule NAME        (uprobe) the guard's name, reported with the events it flags\n"
	"  --guard-only       (uprobe) report only the calls where the guard holds\n"
	"  --cmd CMD[,CMD...] (bpf) only these commands (filtered in the kernel): map_create,\n"
	"                     prog_load, obj_pin, obj_get, prog_attach, prog_detach,\n"
	"                     raw_tracepoint_open, btf_load, link_create, link_update,\n"
	"                     enable_stats, link_detach, token_create; repeatable\n"
	"  --lib PATH         (gpu) the CUDA driver library (default: libcuda.so.1, found as\n"
	"                     the dynamic loader would); a container's own copy needs its path\n"
	"                     (tls) a libssl to probe (repeatable: a container's copy, e.g.\n"
	"                     /proc/PID/root/usr/lib/...); default: the system's libssl.so.3\n"
	"                     and libssl.so.1.1\n"
	"  --max-bytes N      (tls) plaintext bytes captured per call, 1 to 4096 (default 256)\n"
	"  --bash PATH        (shell) a bash binary to probe (repeatable); default /bin/bash\n"
	"  --all-syscalls     (priv) also report credentials changed by any other syscall\n"
	"                     (unshare, setgroups, prctl, ...); hooks every syscall of every\n"
	"                     process: about 100-150 ns more per syscall\n"
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
	OPT_PATH, OPT_ALL, OPT_ALL_SYSCALLS, OPT_FLOW_INTERVAL, OPT_INTERVAL, OPT_MIN_CPU,
	OPT_SLOW_MS, OPT_SYMBOL, OPT_OFFSET, OPT_ARG, OPT_RET, OPT_KILL_IF, OPT_REPORT_IF, OPT_RULE,
	OPT_GUARD_ONLY, OPT_CMD, OPT_LIB, OPT_MAX_BYTES, OPT_BASH,
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
	{ "path", required_argument, NULL, OPT_PATH },
	{ "all", no_argument, NULL, OPT_ALL },
	{ "all-syscalls", no_argument, NULL, OPT_ALL_SYSCALLS },
	{ "flow-interval", required_argument, NULL, OPT_FLOW_INTERVAL },
	{ "interval", required_argument, NULL, OPT_INTERVAL },
	{ "min-cpu", required_argument, NULL, OPT_MIN_CPU },
	{ "slow-ms", required_argument, NULL, OPT_SLOW_MS },
	{ "symbol", required_argument, NULL, OPT_SYMBOL },
	{ "offset", required_argument, NULL, OPT_OFFSET },
	{ "arg", required_argument, NULL, OPT_ARG },
	{ "ret", no_argument, NULL, OPT_RET },
	{ "kill-if", required_argument, NULL, OPT_KILL_IF },
	{ "report-if", required_argument, NULL, OPT_REPORT_IF },
	{ "rule", required_argument, NULL, OPT_RULE },
	{ "guard-only", no_argument, NULL, OPT_GUARD_ONLY },
	{ "cmd", required_argument, NULL, OPT_CMD },
	{ "lib", required_argument, NULL, OPT_LIB },
	{ "max-bytes", required_argument, NULL, OPT_MAX_BYTES },
	{ "bash", required_argument, NULL, OPT_BASH },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{},
};

/* What each target prints and which sensors it needs (the process sensor
 * always: it gives every event its context). */
static int trace_target(const char *name, struct vg_cli_opts *o)
{
	if (!strcmp(name, "exec")) {
		o->filter.kinds = VG_KIND_BIT(VG_EV_EXEC);
		o->sensors = VG_SENSOR_PROCESS;
	} else if (!strcmp(name, "file")) {
		o->filter.kinds = VG_KIND_BIT(VG_EV_FILE);
		o->sensors = VG_SENSOR_PROCESS | VG_SENSOR_FILE;
		o->fim = true;
	} else if (!strcmp(name, "priv")) {
		o->filter.kinds = VG_KIND_BIT(VG_EV_PRIV);
		o->sensors = VG_SENSOR_PROCESS | VG_SENSOR_PRIV;
	} else if (!strcmp(name, "net")) {
		o->filter.kinds = VG_KIND_BIT(VG_EV_NET) | VG_KIND_BIT(VG_EV_FLOW);
		o->sensors = VG_SENSOR_PROCESS | VG_SENSOR_NET;
	} else if (!strcmp(name, "sched")) {
		o->filter.kinds = VG_KIND_BIT(VG_EV_SCHED) | VG_KIND_BIT(VG_EV_OOM);
		o->sensors = VG_SENSOR_PROCESS | VG_SENSOR_SCHED;
	} else if (!strcmp(name, "io")) {
		o->filter.kinds = VG_KIND_BIT(VG_EV_BLOCK);
		o->sensors = VG_SENSOR_PROCESS | VG_SENSOR_BLOCK;
		o->block_slow_ns = 10 * 1000000ULL;
	} else if (!strcmp(name, "uprobe")) {
		o->filter.kinds = VG_KIND_BIT(VG_EV_UPROBE);
		o->sensors = VG_SENSOR_PROCESS | VG_SENSOR_UPROBE;
	} else if (!strcmp(name, "bpf")) {
		o->filter.kinds = VG_KIND_BIT(VG_EV_BPF);
		o->sensors = VG_SENSOR_PROCESS | VG_SENSOR_BPF;
	} else if (!strcmp(name, "gpu")) {
		/* the sensor bit is added once the library is found (cli.c) */
		o->filter.kinds = VG_KIND_BIT(VG_EV_GPU);
		o->sensors = VG_SENSOR_PROCESS;
		o->gpu = true;
		o->gpu_required = true;
	} else if (!strcmp(name, "tls")) {
		o->filter.kinds = VG_KIND_BIT(VG_EV_TLS);
		o->sensors = VG_SENSOR_PROCESS | VG_SENSOR_TLS;
	} else if (!strcmp(name, "shell")) {
		o->filter.kinds = VG_KIND_BIT(VG_EV_SHELL);
		o->sensors = VG_SENSOR_PROCESS | VG_SENSOR_SHELL;
	} else {
		return -1;
	}
	return 0;
}

static const char *option_name(int c)
{
	for (const struct option *o = trace_options; o->name; o++)
		if (o->val == c)
			return o->name;
	return "?";
}

/* The --arg/--kill-if/... options of `trace uprobe`; 0 or the usage exit status. */
static int parse_uprobe_opt(int c, const char *arg, struct vg_uprobe_spec *u)
{
	struct vg_up_probe *p = &u->probe;
	const char *why = NULL;
	char *end;

	switch (c) {
	case OPT_SYMBOL:
		if (!*arg || strlen(arg) >= VG_UP_NAME_LEN)
			return vg_cli_usage_error(trace_usage, "--symbol: '%s' must be 1 to %d bytes",
						  arg, VG_UP_NAME_LEN - 1);
		u->symbol = arg;
		return 0;
	case OPT_OFFSET:
		errno = 0;
		u->offset = strtoull(arg, &end, 0);
		if (errno || end == arg || *end)
			return vg_cli_usage_error(trace_usage, "--offset: '%s' is not a number", arg);
		return 0;
	case OPT_ARG:
		if (p->n_args >= VG_UP_ARGS_MAX)
			return vg_cli_usage_error(trace_usage, "--arg: at most %d", VG_UP_ARGS_MAX);
		if (vg_uprobe_parse_arg(arg, &p->args[p->n_args], &why))
			return vg_cli_usage_error(trace_usage, "--arg: '%s': %s", arg, why);
		p->n_args++;
		return 0;
	case OPT_RET:
		u->ret = true;
		return 0;
	case OPT_KILL_IF:
	case OPT_REPORT_IF:
		if (p->guard_op)
			return vg_cli_usage_error(trace_usage, "--kill-if/--report-if: only one guard");
		if (vg_uprobe_parse_guard(arg, p, &why))
			return vg_cli_usage_error(trace_usage, "%s: '%s': %s",
						  c == OPT_KILL_IF ? "--kill-if" : "--report-if", arg, why);
		if (c == OPT_KILL_IF)
			p->flags |= VG_UP_PROBE_KILL;
		return 0;
	case OPT_RULE:
		if (strlen(arg) >= VG_UP_NAME_LEN)
			return vg_cli_usage_error(trace_usage, "--rule: '%s' is longer than %d bytes",
						  arg, VG_UP_NAME_LEN - 1);
		snprintf(p->rule, sizeof(p->rule), "%s", arg);
		return 0;
	case OPT_GUARD_ONLY:
		p->flags |= VG_UP_PROBE_QUIET;
		return 0;
	}
	return 0;
}

static int parse(int argc, char **argv, struct vg_cli_opts *o)
{
	bool is_file = o->sensors & VG_SENSOR_FILE;
	bool is_priv = o->sensors & VG_SENSOR_PRIV;
	bool is_net = o->sensors & VG_SENSOR_NET;
	bool is_sched = o->sensors & VG_SENSOR_SCHED;
	bool is_io = o->sensors & VG_SENSOR_BLOCK;
	bool is_uprobe = o->sensors & VG_SENSOR_UPROBE;
	bool is_bpf = o->sensors & VG_SENSOR_BPF;
	bool is_gpu = o->gpu;
	bool is_tls = o->sensors & VG_SENSOR_TLS;
	bool is_shell = o->sensors & VG_SENSOR_SHELL;
	struct vg_uprobe_spec *up = (struct vg_uprobe_spec *)o->uprobes;
	int64_t ms;
	uint32_t v;
	char *end;
	int c;

	while ((c = getopt_long(argc, argv, ":o:vh", trace_options, NULL)) != -1) {
		switch (c) {
		case OPT_PID:
			if (vg_cli_parse_u32(optarg, &o->filter.pid) || !o->filter.pid)
				return vg_cli_usage_error(trace_usage, "--pid: '%s' is not a pid", optarg);
			if (is_uprobe)
				up->pid = (int)o->filter.pid;
			break;
		case OPT_COMM:
			if (!*optarg || strlen(optarg) > 15)
				return vg_cli_usage_error(trace_usage,
							  "--comm: '%s' must be 1 to 15 bytes", optarg);
			o->filter.comm = optarg;
			break;
		case OPT_EXE:
			o->filter.exe_glob = optarg;
			break;
		case OPT_CONTAINER:
			if (!*optarg)
				return vg_cli_usage_error(trace_usage, "--container: empty id");
			o->filter.container = optarg;
			break;
		case 'o':
			if (vg_format_parse(optarg, &o->fmt))
				return vg_cli_usage_error(trace_usage,
							  "-o: unknown format '%s' (json or text)", optarg);
			break;
		case OPT_OUTPUT:
			o->output_path = optarg;
			break;
		case OPT_BACKEND:
			if (vg_cli_parse_backend(optarg, &o->backend))
				return vg_cli_usage_error(trace_usage,
							  "--backend: unknown backend '%s'", optarg);
			break;
		case OPT_READY:
			o->ready_file = optarg;
			break;
		case OPT_SYMBOL:
		case OPT_OFFSET:
		case OPT_ARG:
		case OPT_RET:
		case OPT_KILL_IF:
		case OPT_REPORT_IF:
		case OPT_RULE:
		case OPT_GUARD_ONLY:
			if (!is_uprobe)
				return vg_cli_usage_error(trace_usage, "--%s: only for 'trace uprobe'",
							  option_name(c));
			if (parse_uprobe_opt(c, optarg, up))
				return VG_EXIT_USAGE;
			break;
		case OPT_CMD: {
			uint64_t mask;
			char bad[64];

			if (!is_bpf)
				return vg_cli_usage_error(trace_usage, "--cmd: only for 'trace bpf'");
			if (vg_bpf_cmds_parse(optarg, &mask, bad, sizeof(bad)))
				return vg_cli_usage_error(trace_usage, "--cmd: '%s' is not a reported "
							  "command (%s)", bad, vg_bpf_reported_cmds_str());
			o->bpf_cmds |= mask;
			break;
		}
		case OPT_MAX_BYTES:
			if (!is_tls)
				return vg_cli_usage_error(trace_usage, "--max-bytes: only for 'trace tls'");
			if (vg_cli_parse_tls_bytes(optarg, &o->tls_max_bytes))
				return vg_cli_usage_error(trace_usage, "--max-bytes: '%s' is not a number "
							  "from 1 to %d", optarg, VG_TLS_DATA_LEN);
			break;
		case OPT_BASH:
			if (!is_shell)
				return vg_cli_usage_error(trace_usage, "--bash: only for 'trace shell'");
			if (!*optarg)
				return vg_cli_usage_error(trace_usage, "--bash: empty path");
			if (vg_cli_push(&o->shell_paths, &o->n_shell_paths, optarg))
				return VG_EXIT_FAIL;
			break;
		case OPT_PATH:
			if (is_uprobe) {
				up->path = optarg;
				break;
			}
			if (!is_file)
				return vg_cli_usage_error(trace_usage, "--path: only for 'trace file'");
			if (vg_watchlist_add(&o->watches, optarg, "--path"))
				return VG_EXIT_USAGE;
			break;
		case OPT_ALL:
			if (!is_file)
				return vg_cli_usage_error(trace_usage, "--all: only for 'trace file'");
			o->file_all = true;
			break;
		case OPT_ALL_SYSCALLS:
			if (!is_priv)
				return vg_cli_usage_error(trace_usage,
							  "--all-syscalls: only for 'trace priv'");
			o->priv_all_syscalls = true;
			break;
		case OPT_FLOW_INTERVAL:
			if (!is_net)
				return vg_cli_usage_error(trace_usage,
							  "--flow-interval: only for 'trace net'");
			if (vg_cli_parse_u32(optarg, &o->flow_interval_s))
				return vg_cli_usage_error(trace_usage,
							  "--flow-interval: '%s' is not a number of seconds",
							  optarg);
			break;
		case OPT_INTERVAL:
			if (!is_sched && !is_gpu)
				return vg_cli_usage_error(trace_usage,
							  "--interval: only for 'trace sched' and 'trace gpu'");
			ms = vg_cli_parse_duration_ms(optarg);
			if (ms < 100)
				return vg_cli_usage_error(trace_usage, "--interval: '%s' is not a duration "
							  "of at least 100ms", optarg);
			if (is_gpu)
				o->gpu_interval_ns = (uint64_t)ms * 1000000ULL;
			else
				o->sched_interval_ns = (uint64_t)ms * 1000000ULL;
			break;
		case OPT_LIB:
			if (!is_gpu && !is_tls)
				return vg_cli_usage_error(trace_usage, "--lib: only for 'trace gpu' and "
							  "'trace tls'");
			if (!*optarg)
				return vg_cli_usage_error(trace_usage, "--lib: empty path");
			if (is_gpu)
				o->gpu_lib = optarg;
			else if (vg_cli_push(&o->tls_libs, &o->n_tls_libs, optarg))
				return VG_EXIT_FAIL;
			break;
		case OPT_MIN_CPU:
			if (!is_sched)
				return vg_cli_usage_error(trace_usage, "--min-cpu: only for 'trace sched'");
			o->sched_min_percent = strtod(optarg, &end);
			if (end == optarg || *end || !(o->sched_min_percent > 0) ||
			    o->sched_min_percent > 100000)
				return vg_cli_usage_error(trace_usage, "--min-cpu: '%s' is not a positive "
							  "percentage", optarg);
			break;
		case OPT_SLOW_MS:
			if (!is_io)
				return vg_cli_usage_error(trace_usage, "--slow-ms: only for 'trace io'");
			if (vg_cli_parse_u32(optarg, &v) && strcmp(optarg, "0"))
				return vg_cli_usage_error(trace_usage, "--slow-ms: '%s' is not a number of "
							  "milliseconds", optarg);
			/* 0: every I/O (1 ns: the kernel's 0 means none) */
			o->block_slow_ns = strcmp(optarg, "0") ? (uint64_t)v * 1000000ULL : 1;
			break;
		case 'v':
			vg_log_more_verbose();
			break;
		case 'h':
			fputs(trace_usage, stdout);
			return -1;
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
	if (is_uprobe && !up->path)
		return vg_cli_usage_error(trace_usage, "uprobe: --path is required");
	if (is_uprobe && !up->symbol && !up->offset)
		return vg_cli_usage_error(trace_usage, "uprobe: --symbol or --offset is required");
	if (is_uprobe && (up->probe.flags & VG_UP_PROBE_QUIET) && !up->probe.guard_op)
		return vg_cli_usage_error(trace_usage, "--guard-only needs --kill-if or --report-if");
	if (is_file && o->file_all && o->watches.n)
		return vg_cli_usage_error(trace_usage, "--all and --path exclude each other");
	if (is_file && !o->file_all && !o->watches.n && vg_config_default_watches(&o->watches))
		return VG_EXIT_FAIL;
	return 0;
}

int cmd_trace(int argc, char **argv)
{
	struct vg_cli_opts o = { .fmt = VG_FMT_TEXT };
	struct vg_uprobe_spec up = { .pid = -1 };
	int err;

	optind = 1;
	opterr = 0;
	if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		if (argc < 2)
			return vg_cli_usage_error(trace_usage, "trace: missing what to trace");
		fputs(trace_usage, stdout);
		return VG_EXIT_OK;
	}
	if (trace_target(argv[1], &o))
		return vg_cli_usage_error(trace_usage, "trace: unknown target '%s'", argv[1]);
	if (o.sensors & VG_SENSOR_UPROBE) {
		o.uprobes = &up;
		o.n_uprobes = 1;
	}
	vg_watchlist_init(&o.watches);
	err = parse(argc - 1, argv + 1, &o);
	if (err == 0)
		err = vg_cli_stream(&o);
	else if (err < 0)
		err = VG_EXIT_OK;	/* --help */
	vg_watchlist_release(&o.watches);
	free(o.tls_libs);
	free(o.shell_paths);
	return err;
}
