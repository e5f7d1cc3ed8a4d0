// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#include <stdio.h>
#include <string.h>
#include <bpf/libbpf.h>

#include "cmd.h"

int cmd_version(int argc, char **argv)
{
	if (argc > 1 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
		puts("usage: vigil version\n\nPrint vigil's version and the libbpf it uses.");
		return VG_EXIT_OK;
	}
	if (argc > 1) {
		fprintf(stderr, "vigil: version: unexpected argument '%s'\nusage: vigil version\n",
			argv[1]);
		return VG_EXIT_USAGE;
	}
	printf("vigil %s (libbpf %s)\n", VIGIL_VERSION, libbpf_version_string());
	return VG_EXIT_OK;
}
