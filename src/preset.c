// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * preset.c - attach the TLS and shell presets' programs to libssl and bash.
 *
 * Symbols are resolved by libbpf from the file's .symtab/.dynsym (libssl's
 * .dynsym names are plain, "SSL_write"; the version, OPENSSL_3.0.0, lives
 * in .gnu.version, so an unversioned lookup finds the default version).
 * Each file is probed once even when named twice (/bin/bash and
 * /usr/bin/bash are one file on a merged-/usr system): two probes on one
 * function would report each call twice.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <bpf/libbpf.h>

#include "log.h"
#include "preset.h"
#include "sensor.h"

const char *const vg_tls_default_libs[] = {
	"/usr/lib/x86_64-linux-gnu/libssl.so.3",
	"/usr/lib/aarch64-linux-gnu/libssl.so.3",
	"/usr/lib64/libssl.so.3",
	"/usr/lib/libssl.so.3",
	"/lib/x86_64-linux-gnu/libssl.so.3",
	"/usr/lib/x86_64-linux-gnu/libssl.so.1.1",
	"/usr/lib/aarch64-linux-gnu/libssl.so.1.1",
	"/usr/lib64/libssl.so.1.1",
	"/usr/lib/libssl.so.1.1",
	NULL,
};

const char *const vg_shell_default_paths[] = { "/bin/bash", "/usr/bin/bash", NULL };

static const char *const tls_funcs[VG_TLS_FN_MAX] = {
	[VG_TLS_FN_READ] = "SSL_read",
	[VG_TLS_FN_READ_EX] = "SSL_read_ex",
	[VG_TLS_FN_WRITE] = "SSL_write",
	[VG_TLS_FN_WRITE_EX] = "SSL_write_ex",
};

const char *vg_tls_func_name(uint8_t func)
{
	return func < VG_TLS_FN_MAX ? tls_funcs[func] : NULL;
}

const char *vg_tls_op_name(uint8_t op)
{
	return op == VG_TLS_READ ? "read" : op == VG_TLS_WRITE ? "write" : NULL;
}

const char *vg_tty_display(const char *kname, char *out, size_t len)
{
	const char *d = kname + 3;

	if (!len)
		return out;
	/* unix98 pty slaves: the kernel says "pts3", /dev/pts/3 is the node */
	if (!strncmp(kname, "pts", 3) && *d >= '0' && *d <= '9' &&
	    strspn(d, "0123456789") == strlen(d))
		snprintf(out, len, "pts/%s", d);
	else
		snprintf(out, len, "%s", kname);
	return out;
}

void vg_presets_init(struct vg_presets *p)
{
	memset(p, 0, sizeof(*p));
	p->pid = -1;
}

static int push_link(struct vg_presets *p, struct bpf_link *l)
{
	if (p->n == p->cap) {
		size_t cap = p->cap ? 2 * p->cap : 16;
		struct bpf_link **v = realloc(p->links, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		p->links = v;
		p->cap = cap;
	}
	p->links[p->n++] = l;
	return 0;
}

static int push_file(struct vg_presets *p, const struct stat *st)
{
	if (p->n_files == p->cap_files) {
		size_t cap = p->cap_files ? 2 * p->cap_files : 8;
		struct vg_preset_file *v = realloc(p->files, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		p->files = v;
		p->cap_files = cap;
	}
	p->files[p->n_files++] = (struct vg_preset_file){ .dev = st->st_dev, .ino = st->st_ino };
	return 0;
}

static bool probed(const struct vg_presets *p, const struct stat *st)
{
	for (size_t i = 0; i < p->n_files; i++)
		if (p->files[i].dev == st->st_dev && p->files[i].ino == st->st_ino)
			return true;
	return false;
}

/* Attach prog to symbol in path (in p->pid, or every process); 0 or -errno
 * (-ENOENT: no such symbol). */
static int attach(struct vg_presets *p, struct bpf_program *prog, const char *path,
		  const char *symbol, uint64_t cookie, bool ret)
{
	LIBBPF_OPTS(bpf_uprobe_opts, o, .bpf_cookie = cookie, .retprobe = ret, .func_name = symbol);
	struct bpf_link *l = bpf_program__attach_uprobe_opts(prog, p->pid, path, 0, &o);
	int err;

	if (!l)
		return -errno;
	err = push_link(p, l);
	if (err)
		bpf_link__destroy(l);
	return err;
}

/* Detach what was attached since p->n was `n`, forget files since `n_files`. */
static void roll_back(struct vg_presets *p, size_t n, size_t n_files)
{
	while (p->n > n)
		bpf_link__destroy(p->links[--p->n]);
	p->n_files = n_files;
}

/* One libssl: the four functions, entry and return.  0 or -errno (logged). */
static int tls_attach_lib(struct vg_presets *p, const struct vg_preset_sensor *s, const char *path)
{
	for (uint32_t f = 1; f < VG_TLS_FN_MAX; f++) {
		bool optional = f == VG_TLS_FN_READ_EX || f == VG_TLS_FN_WRITE_EX;
		int err = attach(p, s->tls_entry, path, tls_funcs[f], f, false);

		if (!err)
			err = attach(p, s->tls_return, path, tls_funcs[f], f, true);
		if (err == -ENOENT && optional) {
			vg_debug("tls: '%s' has no %s (OpenSSL before 1.1.1)", path, tls_funcs[f]);
			continue;
		}
		if (err == -ENOENT)
			return vg_error("cannot probe '%s': no %s symbol (not OpenSSL's libssl? "
					"see docs/tls.md)", path, tls_funcs[f]), err;
		if (err)
			return vg_error("cannot attach to %s in '%s': %s", tls_funcs[f], path,
					strerror(-err)), err;
	}
	return 0;
}

static int shell_attach_bash(struct vg_presets *p, const struct vg_preset_sensor *s,
			     const char *path)
{
	int err = attach(p, s->shell_return, path, "readline", 0, true);

	if (err == -ENOENT)
		return vg_error("cannot probe '%s': no readline symbol (not bash, or a bash "
				"without readline)", path), err;
	if (err)
		return vg_error("cannot attach to readline in '%s': %s", path, strerror(-err)), err;
	return 0;
}

typedef int (*attach_fn)(struct vg_presets *, const struct vg_preset_sensor *, const char *);

/*
 * Run fn on each named file, or on each default that exists.  A named file
 * must exist; a file already probed (another name for it) is skipped.
 */
static int attach_files(struct vg_presets *p, const struct vg_preset_sensor *s,
			const char *what, const char *const *paths, size_t n,
			const char *const *defaults, attach_fn fn)
{
	size_t n0 = p->n, f0 = p->n_files, found = 0;
	bool named = n > 0;
	int err = 0;

	for (size_t i = 0; named ? i < n : defaults[i] != NULL; i++) {
		const char *path = named ? paths[i] : defaults[i];
		struct stat st;

		if (stat(path, &st)) {
			if (!named)
				continue;
			err = -errno;
			vg_error("cannot probe '%s': %s", path, strerror(-err));
			goto cleanup;
		}
		found++;
		if (probed(p, &st)) {
			vg_debug("%s: '%s' is a file already probed", what, path);
			continue;
		}
		err = fn(p, s, path);
		if (!err)
			err = push_file(p, &st);
		if (err)
			goto cleanup;
		vg_info("%s: probing '%s'", what, path);
	}
	if (!found) {
		err = -ENOENT;
		vg_error("%s: none of the default files exists (%s, ...): name one", what,
			 defaults[0]);
		goto cleanup;
	}
	return 0;
cleanup:
	roll_back(p, n0, f0);
	return err;
}

int vg_presets_tls(struct vg_presets *p, const struct vg_preset_sensor *s,
		   const char *const *paths, size_t n)
{
	if (!s->tls_entry || !s->tls_return)
		return vg_error("cannot probe libssl: the TLS sensor is not loaded"), -ENOTSUP;
	return attach_files(p, s, "tls", paths, n, vg_tls_default_libs, tls_attach_lib);
}

int vg_presets_shell(struct vg_presets *p, const struct vg_preset_sensor *s,
		     const char *const *paths, size_t n)
{
	if (!s->shell_return)
		return vg_error("cannot probe bash: the shell sensor is not loaded"), -ENOTSUP;
	return attach_files(p, s, "shell", paths, n, vg_shell_default_paths, shell_attach_bash);
}

void vg_presets_release(struct vg_presets *p)
{
	roll_back(p, 0, 0);
	free(p->links);
	free(p->files);
	vg_presets_init(p);
}
