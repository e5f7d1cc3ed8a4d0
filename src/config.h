/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * config.h - the configuration built into the binary (`vigil run` without
 * options), and how the agent reports the backends it chose.
 */
#ifndef VIGIL_CONFIG_H
#define VIGIL_CONFIG_H

#include <stdio.h>

#include "cli.h"

/* The embedded defaults: every sensor, JSON to stdout, stats every 60 s. */
void vg_config_defaults(struct vg_cli_opts *o);

/* The built-in file watch list: credential files, sudoers, root's ssh keys. */
int vg_config_default_watches(struct vg_watchlist *wl);

/* The effective configuration, as YAML. */
void vg_config_print(FILE *f, const struct vg_cli_opts *o);

/* Probe the kernel and log, at info level, which mechanism each job uses. */
void vg_config_log_backends(const struct vg_cli_opts *o);

#endif /* VIGIL_CONFIG_H */
