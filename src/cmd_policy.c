// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * vigil policy check FILE|DIR... - validate policies without loading them
 * (src/policy.c, docs/policies.md).
 */
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "policy.h"

static const char policy_synopsis[] =
	"usage: vigil policy check FILE|DIR...\n";

static const char policy_usage[] =
	"usage: vigil policy check FILE|DIR...\n"
	"\n"
	"Validate policy files (docs/policies.md) without loading anything: every\n"
	"document of every file, or of every *.yaml / *.yml in a directory.  Each\n"
	"problem is printed to stderr as FILE:LINE:COLUMN: FIELD: problem (hint).\n"
	"\n"
	"Exit status: 0 all valid (prints \"N policies, M rules: OK\"), 1 any error,\n"
	"2 usage error.\n"
	"\n"
	"  -h, --help         this help\n";

/* "vigil: policy: <what> '<arg>'" and the synopsis; exit status 2. */
static int usage_error(const char *what, const char *arg)
{
	if (arg)
		fprintf(stderr, "vigil: policy: %s '%s'\n", what, arg);
	else
		fprintf(stderr, "vigil: policy: %s\n", what);
	fprintf(stderr, "%s`vigil policy --help` for more.\n", policy_synopsis);
	return VG_EXIT_USAGE;
}

static int policy_check(int argc, char **argv)
{
	struct vg_policy_set set;
	char line[2048];
	int i;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--"))
			break;
		if (argv[i][0] == '-' && argv[i][1])
			return usage_error("unknown option", argv[i]);
	}
	if (argc < 2 || (i == argc - 1 && !strcmp(argv[i], "--")))
		return usage_error("check: missing FILE or DIR", NULL);
	vg_policy_set_init(&set);
	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--"))
			continue;
		vg_policy_load_path(&set, argv[i]);
	}
	for (size_t d = 0; d < set.n_diags; d++)
		fprintf(stderr, "%s\n", vg_policy_diag_format(&set.diags[d], line, sizeof(line)));
	if (set.n_diags) {
		fprintf(stderr, "%zu error%s\n", set.n_diags, set.n_diags == 1 ? "" : "s");
		vg_policy_set_release(&set);
		return VG_EXIT_FAIL;
	}
	printf("%zu polic%s, %zu rule%s: OK\n", set.n, set.n == 1 ? "y" : "ies",
	       vg_policy_set_rule_count(&set), vg_policy_set_rule_count(&set) == 1 ? "" : "s");
	vg_policy_set_release(&set);
	return VG_EXIT_OK;
}

int cmd_policy(int argc, char **argv)
{
	if (argc > 1 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
		fputs(policy_usage, stdout);
		return VG_EXIT_OK;
	}
	if (argc < 2)
		return usage_error("missing subcommand", NULL);
	if (!strcmp(argv[1], "check")) {
		if (argc > 2 && (!strcmp(argv[2], "-h") || !strcmp(argv[2], "--help"))) {
			fputs(policy_usage, stdout);
			return VG_EXIT_OK;
		}
		return policy_check(argc - 1, argv + 1);
	}
	return usage_error("unknown subcommand", argv[1]);
}
