/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * cmd.h - subcommands.  Each takes the arguments after its name (argv[0] is
 * the subcommand name) and returns the process exit status:
 * 0 success, 1 failure, 2 usage error.
 */
#ifndef VIGIL_CMD_H
#define VIGIL_CMD_H

#define VG_EXIT_OK	0
#define VG_EXIT_FAIL	1
#define VG_EXIT_USAGE	2

int cmd_probe(int argc, char **argv);
int cmd_trace(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_version(int argc, char **argv);
int cmd_net(int argc, char **argv);
int cmd_xdp(int argc, char **argv);
int cmd_policy(int argc, char **argv);
int cmd_learn(int argc, char **argv);
int cmd_score(int argc, char **argv);
int cmd_profile(int argc, char **argv);
int cmd_sandbox(int argc, char **argv);
int cmd_flame(int argc, char **argv);
int cmd_top(int argc, char **argv);

#endif /* VIGIL_CMD_H */
