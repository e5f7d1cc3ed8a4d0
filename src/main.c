// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * vigil - eBPF runtime security, observability and self-healing agent.
 */
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "log.h"

static const char main_usage[] =
	"usage: vigil <command> [options]\n"
	"\n"
	"commands:\n"
	"  probe        test which kernel mechanisms work here and which vigil will use\n"
	"  trace exec   print process executions live (like execsnoop, with context)\n"
	"  run          run the agent with every sensor (default configuration built in)\n"
	"  net          connection control: deny connect/sendmsg/bind by CIDR, port, cgroup\n"
	"  policy check validate policy files (docs/policies.md) without loading them\n"
	"  learn        learn a behaviour profile (docs/profiles.md) from syscall traces\n"
	"  score        score syscall traces against a profile (anomaly detection)\n"
	"  profile      show, diff and merge behaviour profiles\n"
	"  sandbox      run a command under a seccomp allow-list, reporting what it blocks\n"
	"  flame        sampled CPU profile (user and kernel stacks) as a flame graph\n"
	"  top          live per-process table: CPU, syscalls, run queue, I/O, network,\n"
	"               writes, anomalies and policy decisions (ncurses)\n"
	"  version      print the version\n"
	"  xdp          XDP ingress filter: drop or rate-limit packets on an interface\n"
	"\n"
	"`vigil <command> --help` describes each command.\n";

static const struct {
	const char *name;
	int (*fn)(int argc, char **argv);
} commands[] = {
	{ "probe", cmd_probe },
	{ "trace", cmd_trace },
	{ "run", cmd_run },
	{ "version", cmd_version },
	{ "net", cmd_net },
	{ "xdp", cmd_xdp },
	{ "policy", cmd_policy },
	{ "learn", cmd_learn },
	{ "score", cmd_score },
	{ "profile", cmd_profile },
	{ "sandbox", cmd_sandbox },
	{ "flame", cmd_flame },
	{ "top", cmd_top },
};

int main(int argc, char **argv)
{
	vg_log_hook_libbpf();
	if (argc < 2) {
		fputs(main_usage, stderr);
		return VG_EXIT_USAGE;
	}
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "help")) {
		fputs(main_usage, stdout);
		return VG_EXIT_OK;
	}
	if (!strcmp(argv[1], "--version"))
		return cmd_version(1, argv + 1);
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(argv[1], commands[i].name))
			return commands[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "vigil: unknown command '%s'\n%s", argv[1], main_usage);
	return VG_EXIT_USAGE;
}
