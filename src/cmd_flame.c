// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * vigil flame - sampled CPU profile of the whole machine, one process or
 * one cgroup, as folded stacks and/or an SVG flame graph (flame.c,
 * docs/flame.md).
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "cmd.h"
#include "flame.h"
#include "flamegraph.h"
#include "fsutil.h"
#include "log.h"

#define MAX_OUTPUTS	8
#define MAX_FREQUENCY	100000
#define MIN_STACKS	256
#define MAX_STACKS	262144

static const char flame_usage[] =
	"usage: vigil flame [--pid P | --cgroup PATH] --duration D -o FILE.svg|FILE.folded\n"
	"                   [-o FILE]... [--frequency HZ] [--event auto|cycles|cpu-clock]\n"
	"                   [--stack-storage N] [--title TEXT] [--ready-file FILE] [-v]\n"
	"\n"
	"Sample the stacks running on every CPU (user and kernel frames) for D (10s,\n"
	"500ms, 5m; a plain number is seconds; Ctrl-C ends early), count them in the\n"
	"kernel and write them with names: folded stacks (FILE.folded, one line per\n"
	"stack, hottest first, for flamegraph.pl and the like) or an interactive SVG\n"
	"flame graph (FILE.svg: click to zoom, Ctrl-F to search).  User frames are\n"
	"named from ELF symbol tables and need frame pointers to go past the leaf;\n"
	"kernel frames (\"_[k]\") from /proc/kallsyms.  Needs root.\n"
	"\n"
	"  --pid P             only process P (all its threads)\n"
	"  --cgroup PATH       only the processes of cgroup v2 PATH and below (relative\n"
	"                      to the cgroup v2 mount, or absolute)\n"
	"  --duration D        how long to sample\n"
	"  -o, --output FILE   where to write, by extension: .folded or .svg (repeatable)\n"
	"  --frequency HZ      samples per second per CPU (default 99)\n"
	"  --event E           auto (default: hardware cycles where the CPU counts them,\n"
	"                      else the CPU clock), cycles, cpu-clock\n"
	"  --stack-storage N   distinct stacks kept in the kernel (default 16384, 1 KiB\n"
	"                      each); more if the summary reports stack collisions\n"
	"  --title TEXT        the SVG's title\n"
	"  --ready-file FILE   created once sampling has started\n"
	"  -v, --verbose       more diagnostics on stderr\n"
	"  -h, --help          this help\n";

static const struct option flame_options[] = {
	{ "pid", required_argument, NULL, 'p' },
	{ "cgroup", required_argument, NULL, 'c' },
	{ "duration", required_argument, NULL, 'd' },
	{ "output", required_argument, NULL, 'o' },
	{ "frequency", required_argument, NULL, 'F' },
	{ "event", required_argument, NULL, 'e' },
	{ "stack-storage", required_argument, NULL, 's' },
	{ "title", required_argument, NULL, 't' },
	{ "ready-file", required_argument, NULL, 'r' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{ 0 },
};

enum out_kind { OUT_FOLDED, OUT_SVG };

struct output {
	const char *path;
	enum out_kind kind;
	char tmp[PATH_MAX];	/* written, then renamed to path */
	FILE *f;
};

static volatile sig_atomic_t flame_stop;

static void on_flame_signal(int sig)
{
	flame_stop = 1;
}

static bool has_suffix(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n > m && !strcmp(s + n - m, suffix);
}

/* The process a --pid names (a thread's id gives its process), and its name. */
static int pid_to_tgid(uint32_t pid, uint32_t *tgid, char comm[16])
{
	char path[64], buf[4096], *p;
	unsigned int v;

	snprintf(path, sizeof(path), "/proc/%u/status", pid);
	if (vg_read_file(path, buf, sizeof(buf)) < 0)
		return -ESRCH;
	p = strstr(buf, "\nTgid:");
	if (!p || sscanf(p + 6, "%u", &v) != 1 || !v)
		return -ESRCH;
	*tgid = v;
	comm[0] = '\0';
	if (!strncmp(buf, "Name:", 5))
		sscanf(buf + 5, " %15[^\n]", comm);
	return 0;
}

/*
 * Create each output's temporary file next to it before sampling, so that
 * an output that cannot be written fails now, not after the duration.
 */
static int open_outputs(struct output *outs, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		int len = snprintf(outs[i].tmp, sizeof(outs[i].tmp), "%s.tmp.%d", outs[i].path,
				   (int)getpid());

		errno = ENAMETOOLONG;
		outs[i].f = len < (int)sizeof(outs[i].tmp) ? fopen(outs[i].tmp, "wxe") : NULL;
		if (!outs[i].f) {
			vg_error("cannot write '%s': %s", outs[i].path, strerror(errno));
			return -1;
		}
	}
	return 0;
}

/* Remove the temporary files that are left (all of them after a failure). */
static void close_outputs(struct output *outs, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (outs[i].f) {
			fclose(outs[i].f);
			outs[i].f = NULL;
			unlink(outs[i].tmp);
		}
}

/* Write one output into its temporary file and rename it into place. */
static int write_output(struct output *out, const struct vg_flame_result *r,
			const struct vg_fg_opts *fg)
{
	int err;

	if (out->kind == OUT_SVG)
		err = vg_flamegraph_write(&r->folded, fg, out->f);
	else
		err = vg_folded_write(&r->folded, out->f);
	if (fclose(out->f) && !err)
		err = -errno;
	out->f = NULL;
	if (!err && rename(out->tmp, out->path))
		err = -errno;
	if (err)
		unlink(out->tmp);
	return err;
}

static void report(const struct vg_flame_result *r, const struct output *outs, size_t n_outs)
{
	const uint64_t *st = r->stats;
	uint64_t lost = st[VG_FLAME_ST_COUNTS_FULL];
	uint64_t stacks_lost = st[VG_FLAME_ST_USTACK_COLLISION] + st[VG_FLAME_ST_USTACK_ERROR] +
			       st[VG_FLAME_ST_KSTACK_COLLISION] + st[VG_FLAME_ST_KSTACK_ERROR] +
			       r->stacks_unreadable;

	vg_info("%" PRIu64 " samples in %.2f s (%s, %u CPU%s): %" PRIu64 " recorded, %" PRIu64
		" other processes, %" PRIu64 " idle; %zu distinct stacks; frames named: user %"
		PRIu64 "/%" PRIu64 ", kernel %" PRIu64 "/%" PRIu64,
		st[VG_FLAME_ST_SAMPLES], r->seconds, vg_flame_event_name(r->event), r->n_cpus,
		r->n_cpus == 1 ? "" : "s", st[VG_FLAME_ST_RECORDED], st[VG_FLAME_ST_FILTERED],
		st[VG_FLAME_ST_IDLE], r->folded.n, r->user_frames - r->user_unresolved,
		r->user_frames, r->kernel_frames - r->kernel_unresolved, r->kernel_frames);
	vg_debug("symbols: %zu processes' maps, %zu files read, %zu could not be read; %" PRIu64
		 " process announcements lost (ring buffer full)", r->usyms.processes,
		 r->usyms.files, r->usyms.files_failed, st[VG_FLAME_ST_NEWS_LOST]);
	if (lost || stacks_lost)
		vg_warn("lost: %" PRIu64 " samples (counts map full), stacks: user %" PRIu64
			" collision + %" PRIu64 " error, kernel %" PRIu64 " collision + %" PRIu64
			" error, %" PRIu64 " unreadable (shown as [lost ... stack]; more --stack-storage "
			"makes collisions rarer)", lost,
			st[VG_FLAME_ST_USTACK_COLLISION], st[VG_FLAME_ST_USTACK_ERROR],
			st[VG_FLAME_ST_KSTACK_COLLISION], st[VG_FLAME_ST_KSTACK_ERROR],
			r->stacks_unreadable);
	if (!st[VG_FLAME_ST_RECORDED])
		vg_warn("no samples recorded: what was profiled did not run on a CPU meanwhile");
	for (size_t i = 0; i < n_outs; i++)
		vg_info("wrote %s", outs[i].path);
}

int cmd_flame(int argc, char **argv)
{
	struct vg_flame_opts o = { .frequency = VG_FLAME_DEFAULT_HZ, .stop = &flame_stop };
	struct sigaction sa = { .sa_handler = on_flame_signal };
	struct output outs[MAX_OUTPUTS] = { 0 };
	const char *cgroup = NULL, *title = NULL;
	char comm[16] = "", cg_rel[PATH_MAX], title_buf[PATH_MAX + 64], sub[256];
	struct vg_flame_result r;
	struct vg_fg_opts fg = { 0 };
	size_t n_outs = 0;
	int64_t duration_ms = -1;
	uint32_t pid = 0, v;
	int c, err, ret;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":o:vh", flame_options, NULL)) != -1) {
		switch (c) {
		case 'p':
			if (vg_cli_parse_u32(optarg, &pid) || !pid)
				return vg_cli_usage_error(flame_usage, "--pid: '%s' is not a process id",
							  optarg);
			break;
		case 'c':
			cgroup = optarg;
			break;
		case 'd':
			duration_ms = vg_cli_parse_duration_ms(optarg);
			if (duration_ms < 0)
				return vg_cli_usage_error(flame_usage, "--duration: '%s' is not a "
							  "duration (10s, 500ms, 5m)", optarg);
			break;
		case 'o':
			if (n_outs == MAX_OUTPUTS)
				return vg_cli_usage_error(flame_usage, "-o: at most %d outputs",
							  MAX_OUTPUTS);
			if (has_suffix(optarg, ".svg"))
				outs[n_outs].kind = OUT_SVG;
			else if (has_suffix(optarg, ".folded"))
				outs[n_outs].kind = OUT_FOLDED;
			else
				return vg_cli_usage_error(flame_usage, "-o: '%s' ends neither in .svg "
							  "nor in .folded", optarg);
			outs[n_outs++].path = optarg;
			break;
		case 'F':
			if (vg_cli_parse_u32(optarg, &v) || v < 1 || v > MAX_FREQUENCY)
				return vg_cli_usage_error(flame_usage, "--frequency: '%s' is not a "
							  "number from 1 to %d", optarg,
							  MAX_FREQUENCY);
			o.frequency = v;
			break;
		case 'e':
			if (!strcmp(optarg, "auto"))
				o.event = VG_FLAME_EV_AUTO;
			else if (!strcmp(optarg, "cycles"))
				o.event = VG_FLAME_EV_CYCLES;
			else if (!strcmp(optarg, "cpu-clock"))
				o.event = VG_FLAME_EV_CPU_CLOCK;
			else
				return vg_cli_usage_error(flame_usage, "--event: '%s' is not auto, "
							  "cycles or cpu-clock", optarg);
			break;
		case 's':
			if (vg_cli_parse_u32(optarg, &v) || v < MIN_STACKS || v > MAX_STACKS)
				return vg_cli_usage_error(flame_usage, "--stack-storage: '%s' is not a "
							  "number from %d to %d", optarg, MIN_STACKS,
							  MAX_STACKS);
			o.stack_storage = v;
			break;
		case 't':
			title = optarg;
			break;
		case 'r':
			o.ready_file = optarg;
			break;
		case 'v':
			vg_log_more_verbose();
			break;
		case 'h':
			fputs(flame_usage, stdout);
			return VG_EXIT_OK;
		case ':':
			return vg_cli_usage_error(flame_usage, "option '%s' needs a value",
						  argv[optind - 1]);
		default:
			return vg_cli_usage_error(flame_usage, "unknown option '%s'",
						  argv[optind - 1]);
		}
	}
	if (optind < argc)
		return vg_cli_usage_error(flame_usage, "unexpected argument '%s'", argv[optind]);
	if (duration_ms < 0)
		return vg_cli_usage_error(flame_usage, "flame: missing --duration D");
	if (!n_outs)
		return vg_cli_usage_error(flame_usage, "flame: missing -o FILE.svg|FILE.folded");
	o.duration_ms = (uint64_t)duration_ms;

	/* what to sample */
	if (geteuid() != 0) {
		vg_error("flame: must run as root (perf events and BPF need CAP_PERFMON and "
			 "CAP_BPF)");
		return VG_EXIT_FAIL;
	}
	if (pid && pid_to_tgid(pid, &o.tgid, comm)) {
		vg_error("flame: no process %u", pid);
		return VG_EXIT_FAIL;
	}
	if (cgroup) {
		err = vg_flame_cgroup(cgroup, &o.cgroup_id, &o.cgroup_level, cg_rel, sizeof(cg_rel));
		if (err) {
			vg_error("flame: cannot use cgroup '%s': %s", cgroup,
				 err == -ENOTDIR ? "not a cgroup v2 directory" : strerror(-err));
			return VG_EXIT_FAIL;
		}
		vg_debug("cgroup %s: id %" PRIu64 ", level %u", cg_rel, o.cgroup_id,
			 o.cgroup_level);
	}

	if (open_outputs(outs, n_outs)) {
		close_outputs(outs, n_outs);
		return VG_EXIT_FAIL;
	}
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	err = vg_flame_record(&o, &r);
	ret = VG_EXIT_FAIL;
	if (err)
		goto out;

	if (title) {
		fg.title = title;
	} else {
		if (o.tgid && cgroup)
			snprintf(title_buf, sizeof(title_buf), "CPU: process %u (%s) in cgroup %s",
				 o.tgid, comm, cg_rel);
		else if (o.tgid)
			snprintf(title_buf, sizeof(title_buf), "CPU: process %u (%s)", o.tgid, comm);
		else if (cgroup)
			snprintf(title_buf, sizeof(title_buf), "CPU: cgroup %s", cg_rel);
		else
			snprintf(title_buf, sizeof(title_buf), "CPU: all processes");
		fg.title = title_buf;
	}
	snprintf(sub, sizeof(sub), "vigil flame: %" PRIu64 " samples in %.1f s, %s at %u Hz on %u CPU%s",
		 r.folded.total, r.seconds, vg_flame_event_name(r.event), o.frequency, r.n_cpus,
		 r.n_cpus == 1 ? "" : "s");
	fg.subtitle = sub;
	ret = VG_EXIT_OK;
	for (size_t i = 0; i < n_outs; i++) {
		err = write_output(&outs[i], &r, &fg);
		if (err) {
			vg_error("cannot write '%s': %s", outs[i].path, strerror(-err));
			ret = VG_EXIT_FAIL;
		}
	}
	if (ret == VG_EXIT_OK)
		report(&r, outs, n_outs);
out:
	close_outputs(outs, n_outs);
	vg_flame_result_release(&r);
	return ret;
}
