/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * preset.h - ready-made uprobe sensors (docs/tls.md):
 *
 *   tls    SSL_read, SSL_read_ex, SSL_write, SSL_write_ex of OpenSSL's libssl:
 *          the plaintext, with process and socket context (bpf/tls/);
 *   shell  readline() returns of bash: each interactive command line, with
 *          its terminal and login uid (bpf/shell/).
 *
 * Lifecycle: vg_presets_init() -> vg_presets_tls() / vg_presets_shell()
 * (after the sensor is started with VG_SENSOR_TLS / VG_SENSOR_SHELL) ->
 * vg_presets_release().  Probes are attached by file with pid -1: every
 * process that maps the file, now or later, is covered (set pid before
 * attaching to cover one process only: the others then pay nothing).
 */
#ifndef VIGIL_SRC_PRESET_H
#define VIGIL_SRC_PRESET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "vigil/event.h"

struct bpf_link;
struct vg_preset_sensor;

/* The libssl and bash files probed when none is named: each that exists,
 * every file once (NULL-terminated). */
extern const char *const vg_tls_default_libs[];
extern const char *const vg_shell_default_paths[];

struct vg_preset_file {
	dev_t dev;
	ino_t ino;
};

struct vg_presets {
	int pid;			/* attach in this process only; -1 (the default): all */
	struct bpf_link **links;
	size_t n, cap;
	struct vg_preset_file *files;	/* probed already: a second path to one is skipped */
	size_t n_files, cap_files;
};

void vg_presets_init(struct vg_presets *p);

/*
 * Attach the TLS programs to each of paths[0..n) (n == 0: the default
 * libraries that exist).  SSL_read and SSL_write must be there; the _ex
 * forms (OpenSSL 1.1.1+) are probed when present.  0 or -errno, having
 * logged why; on error nothing of this call stays attached.
 */
int vg_presets_tls(struct vg_presets *p, const struct vg_preset_sensor *s,
		   const char *const *paths, size_t n);

/* The same for bash's readline() (n == 0: /bin/bash). */
int vg_presets_shell(struct vg_presets *p, const struct vg_preset_sensor *s,
		     const char *const *paths, size_t n);

/* Detach everything. */
void vg_presets_release(struct vg_presets *p);

/* "read", "write"; NULL for an unknown op. */
const char *vg_tls_op_name(uint8_t op);

/* "SSL_read", "SSL_read_ex", "SSL_write", "SSL_write_ex"; NULL if unknown. */
const char *vg_tls_func_name(uint8_t func);

/*
 * A terminal as ps(1) and who(1) name it, from the kernel's tty name: "pts3"
 * becomes "pts/3", anything else ("tty1", "ttyS0", "console") is kept.
 * Returns out ("" for an empty name).
 */
const char *vg_tty_display(const char *kname, char *out, size_t len);

#endif /* VIGIL_SRC_PRESET_H */
