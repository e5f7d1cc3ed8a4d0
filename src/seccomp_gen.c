// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * seccomp_gen.c - syscall allow-lists and OCI seccomp profiles (seccomp_gen.h).
 */
#include <errno.h>
#include <seccomp.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <yaml.h>

#include "buf.h"
#include "json.h"
#include "log.h"
#include "profile.h"
#include "seccomp_gen.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* An OCI profile is a few KiB; refuse to parse anything absurd. */
#define OCI_MAX_BYTES	(4 << 20)

/*
 * What a dynamically linked program needs under a filter installed before
 * its execve, up to main() and back out, checked against glibc 2.36
 * (Debian 12) with `vigil sandbox --learn -- /bin/true`:
 */
const char *const vg_seccomp_startup[] = {
	"execve",		/* the filter is installed before exec: exec itself passes it */
	"brk",			/* ld.so and malloc: the initial heap */
	"mmap",			/* ld.so: map libraries and anonymous memory */
	"mprotect",		/* ld.so: RELRO, and segment permissions */
	"munmap",		/* ld.so: unmap ld.so.cache after loading */
	"arch_prctl",		/* x86_64 thread-local storage (ARCH_SET_FS) */
	"access",		/* ld.so: /etc/ld.so.preload */
	"openat",		/* ld.so: ld.so.cache and each library */
	"read",			/* ld.so: each library's ELF header */
	"pread64",		/* ld.so: a library's program headers and notes */
	"newfstatat",		/* ld.so: library size (glibc >= 2.33 fstat is newfstatat) */
	"fstat",		/* the same on glibc < 2.33 and musl */
	"close",		/* ld.so: each library's fd */
	"set_tid_address",	/* glibc init: the thread's tid pointer */
	"set_robust_list",	/* glibc init: robust futex list */
	"rseq",			/* glibc >= 2.35 registers restartable sequences */
	"prlimit64",		/* glibc init: RLIMIT_STACK, for the main thread's stack */
	"getrandom",		/* glibc malloc: the heap's random cookie */
	"rt_sigreturn",		/* returning from any signal handler */
	"exit_group",		/* exit() and returning from main */
	"exit",			/* a thread's end, and _exit()'s fallback */
};
const size_t vg_seccomp_startup_len = ARRAY_SIZE(vg_seccomp_startup);

static const struct {
	const char *word;
	const char *action;
} default_names[] = {
	[VG_SECCOMP_ERRNO] = { "errno", "SCMP_ACT_ERRNO" },
	[VG_SECCOMP_KILL_PROCESS] = { "kill", "SCMP_ACT_KILL_PROCESS" },
	[VG_SECCOMP_LOG] = { "log", "SCMP_ACT_LOG" },
};

int vg_seccomp_default_parse(const char *s, enum vg_seccomp_default *def)
{
	for (size_t i = 0; i < ARRAY_SIZE(default_names); i++) {
		if (!strcmp(s, default_names[i].word) || !strcmp(s, default_names[i].action)) {
			*def = (enum vg_seccomp_default)i;
			return 0;
		}
	}
	return -EINVAL;
}

const char *vg_seccomp_default_action(enum vg_seccomp_default def)
{
	if ((size_t)def >= ARRAY_SIZE(default_names))
		return NULL;
	return default_names[def].action;
}

bool vg_seccomp_name_known(const char *name)
{
	/* A name another architecture has gives a negative pseudo-number, not the error. */
	return name && *name && seccomp_syscall_resolve_name(name) != __NR_SCMP_ERROR;
}

int vg_seccomp_names_check(const char *const *names, size_t n)
{
	int err = 0;

	for (size_t i = 0; i < n; i++) {
		if (!vg_seccomp_name_known(names[i])) {
			vg_error("unknown syscall '%s' (libseccomp %u.%u.%u has no such name)",
				 names[i] ? names[i] : "(null)", seccomp_version()->major,
				 seccomp_version()->minor, seccomp_version()->micro);
			err = -EINVAL;
		}
	}
	return err;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The architectures a profile lists: the native one, and on x86_64 its 32-bit ABIs. */
static const char *const oci_arches_x86_64[] = {
	"SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32",
};

int vg_seccomp_write_oci(FILE *f, const char *const *names, size_t n,
			 enum vg_seccomp_default def)
{
	const char **sorted = NULL;
	struct vg_buf b;
	size_t i, w = 0;
	int err;

	if (!vg_seccomp_default_action(def))
		return -EINVAL;
	err = vg_seccomp_names_check(names, n);
	if (err)
		return err;
	if (n && !(sorted = malloc(n * sizeof(*sorted))))
		return -ENOMEM;
	for (i = 0; i < n; i++)
		sorted[i] = names[i];
	if (n)
		qsort(sorted, n, sizeof(*sorted), cmp_str);

	vg_buf_init(&b);
	vg_buf_addf(&b, "{\n\t\"defaultAction\": \"%s\",\n", vg_seccomp_default_action(def));
	if (def == VG_SECCOMP_ERRNO)
		vg_buf_addf(&b, "\t\"defaultErrnoRet\": %d,\n", EPERM);
	vg_buf_adds(&b, "\t\"architectures\": [");
	for (i = 0; i < ARRAY_SIZE(oci_arches_x86_64); i++)
		vg_buf_addf(&b, "%s\"%s\"", i ? ", " : "", oci_arches_x86_64[i]);
	vg_buf_adds(&b, "],\n\t\"syscalls\": [");
	if (n) {
		vg_buf_adds(&b, "\n\t\t{\n\t\t\t\"names\": [");
		for (i = 0; i < n; i++) {
			if (i && !strcmp(sorted[i], sorted[i - 1]))
				continue;
			vg_buf_adds(&b, w++ ? ",\n\t\t\t\t" : "\n\t\t\t\t");
			vg_json_cstr(&b, sorted[i]);
		}
		vg_buf_adds(&b, "\n\t\t\t],\n\t\t\t\"action\": \"SCMP_ACT_ALLOW\"\n\t\t}\n\t");
	}
	vg_buf_adds(&b, "]\n}\n");
	free(sorted);

	if (b.oom)
		err = -ENOMEM;
	else if (fwrite(b.data, 1, b.len, f) != b.len || fflush(f))
		err = errno ? -errno : -EIO;
	vg_buf_release(&b);
	return err;
}

/* ---- name sets ------------------------------------------------------------------ */

void vg_sysnames_init(struct vg_sysnames *s)
{
	memset(s, 0, sizeof(*s));
}

void vg_sysnames_release(struct vg_sysnames *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->v[i]);
	free(s->v);
	vg_sysnames_init(s);
}

/* Index of name, or of where it would go (*found false). */
static size_t sysnames_find(const struct vg_sysnames *s, const char *name, bool *found)
{
	size_t lo = 0, hi = s->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(s->v[mid], name);

		if (!c) {
			*found = true;
			return mid;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*found = false;
	return lo;
}

int vg_sysnames_add(struct vg_sysnames *s, const char *name)
{
	bool found;
	size_t at = sysnames_find(s, name, &found);
	char *copy;

	if (found)
		return 0;
	if (s->n == s->cap) {
		size_t cap = s->cap ? 2 * s->cap : 64;
		char **v = realloc(s->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		s->v = v;
		s->cap = cap;
	}
	if (!(copy = strdup(name)))
		return -ENOMEM;
	memmove(s->v + at + 1, s->v + at, (s->n - at) * sizeof(*s->v));
	s->v[at] = copy;
	s->n++;
	return 0;
}

bool vg_sysnames_has(const struct vg_sysnames *s, const char *name)
{
	bool found;

	sysnames_find(s, name, &found);
	return found;
}

int vg_sysnames_add_startup(struct vg_sysnames *s)
{
	for (size_t i = 0; i < vg_seccomp_startup_len; i++) {
		int err = vg_sysnames_add(s, vg_seccomp_startup[i]);

		if (err)
			return err;
	}
	return 0;
}

/* ---- syscall list files ------------------------------------------------------------ */

int vg_sysnames_load(struct vg_sysnames *s, const char *path)
{
	struct vg_sysnames got;
	char *line = NULL;
	size_t cap = 0, lineno = 0;
	int err = 0;
	FILE *f;

	f = fopen(path, "re");
	if (!f) {
		err = -errno;
		vg_error("cannot open '%s': %s", path, strerror(errno));
		return err;
	}
	vg_sysnames_init(&got);
	while (getline(&line, &cap, f) >= 0) {
		char *p = line, *name, *count, *rest;

		lineno++;
		p[strcspn(p, "#\n")] = '\0';
		name = strtok_r(p, " \t\r", &rest);
		if (!name)
			continue;
		count = strtok_r(NULL, " \t\r", &rest);
		if (count && count[strspn(count, "0123456789")]) {
			vg_error("%s:%zu: count '%s' is not a number (NAME [COUNT] per line)",
				 path, lineno, count);
			err = -EINVAL;
			continue;
		}
		if (strtok_r(NULL, " \t\r", &rest)) {
			vg_error("%s:%zu: too many fields (NAME [COUNT] per line)", path, lineno);
			err = -EINVAL;
			continue;
		}
		if (!vg_seccomp_name_known(name)) {
			vg_error("%s:%zu: unknown syscall '%s'", path, lineno, name);
			err = -EINVAL;
			continue;
		}
		if (vg_sysnames_add(&got, name)) {
			err = -ENOMEM;
			break;
		}
	}
	if (ferror(f) && !err) {
		err = -EIO;
		vg_error("cannot read '%s'", path);
	}
	fclose(f);
	free(line);
	for (size_t i = 0; !err && i < got.n; i++)
		err = vg_sysnames_add(s, got.v[i]);
	vg_sysnames_release(&got);
	return err;
}

/* ---- OCI profiles (JSON, read with libyaml: JSON is YAML flow style) ---------------- */

struct oci_ctx {
	const char *path;
	yaml_document_t *doc;
	int err;
};

static yaml_node_t *map_get(struct oci_ctx *c, yaml_node_t *map, const char *key)
{
	for (yaml_node_pair_t *p = map->data.mapping.pairs.start;
	     p < map->data.mapping.pairs.top; p++) {
		yaml_node_t *k = yaml_document_get_node(c->doc, p->key);

		if (k && k->type == YAML_SCALAR_NODE &&
		    !strcmp((const char *)k->data.scalar.value, key))
			return yaml_document_get_node(c->doc, p->value);
	}
	return NULL;
}

static const char *scalar(yaml_node_t *n)
{
	return n && n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : NULL;
}

static unsigned long line_of(yaml_node_t *n)
{
	return (unsigned long)n->start_mark.line + 1;
}

/*
 * Is n a condition?  `args: []`, `includes: {}` and `excludes: {"caps": []}`
 * (as Docker writes them) are none; anything with a value in it is one.
 */
static bool non_empty(struct oci_ctx *c, yaml_node_t *n, int depth)
{
	if (!n || depth > 4)
		return n != NULL;
	if (n->type == YAML_SEQUENCE_NODE)
		return n->data.sequence.items.top > n->data.sequence.items.start;
	if (n->type == YAML_MAPPING_NODE) {
		for (yaml_node_pair_t *p = n->data.mapping.pairs.start;
		     p < n->data.mapping.pairs.top; p++)
			if (non_empty(c, yaml_document_get_node(c->doc, p->value), depth + 1))
				return true;
		return false;
	}
	return n->type == YAML_SCALAR_NODE && *scalar(n) && strcmp(scalar(n), "null");
}

/* One name of an allowing entry; cond names the condition it comes with, or NULL. */
static void oci_name(struct oci_ctx *c, yaml_node_t *nn, const char *cond,
		     struct vg_sysnames *allow)
{
	const char *s = scalar(nn);

	if (!s) {
		vg_error("%s:%lu: a syscall name is not a string", c->path,
			 nn ? line_of(nn) : 0);
		c->err = -EINVAL;
	} else if (cond) {
		vg_warn("%s:%lu: '%s': this entry allows it only under conditions (\"%s\"), "
			"which vigil sandbox does not evaluate: the entry is left out", c->path,
			line_of(nn), s, cond);
	} else if (!vg_seccomp_name_known(s)) {
		vg_warn("%s:%lu: unknown syscall '%s' skipped", c->path, line_of(nn), s);
	} else if (vg_sysnames_add(allow, s)) {
		c->err = -ENOMEM;
	}
}

static void oci_entry(struct oci_ctx *c, yaml_node_t *e, struct vg_sysnames *allow)
{
	yaml_node_t *names = map_get(c, e, "names"), *name = map_get(c, e, "name");
	const char *action = scalar(map_get(c, e, "action"));
	const char *cond = NULL;

	if (!action) {
		vg_error("%s:%lu: syscalls entry without an \"action\"", c->path, line_of(e));
		c->err = -EINVAL;
		return;
	}
	if (!names && !name) {
		vg_error("%s:%lu: syscalls entry without \"names\"", c->path, line_of(e));
		c->err = -EINVAL;
		return;
	}
	if (names && names->type != YAML_SEQUENCE_NODE) {
		vg_error("%s:%lu: \"names\" is not a list", c->path, line_of(names));
		c->err = -EINVAL;
		return;
	}
	if (strcmp(action, "SCMP_ACT_ALLOW"))
		return;		/* denied, logged, traced: not allowed here, so reported */
	if (non_empty(c, map_get(c, e, "args"), 0))
		cond = "args";
	else if (non_empty(c, map_get(c, e, "includes"), 0))
		cond = "includes";
	else if (non_empty(c, map_get(c, e, "excludes"), 0))
		cond = "excludes";

	if (!names) {		/* the single "name" of older Docker profiles */
		oci_name(c, name, cond, allow);
		return;
	}
	for (yaml_node_item_t *it = names->data.sequence.items.start;
	     it < names->data.sequence.items.top; it++)
		oci_name(c, yaml_document_get_node(c->doc, *it), cond, allow);
}

static int oci_default(struct oci_ctx *c, yaml_node_t *root, enum vg_seccomp_default *def)
{
	yaml_node_t *n = map_get(c, root, "defaultAction");
	const char *a = scalar(n);

	if (!a) {
		vg_error("%s: no \"defaultAction\" (not a seccomp profile?)", c->path);
		return -EINVAL;
	}
	if (!strcmp(a, "SCMP_ACT_ALLOW") || !strcmp(a, "SCMP_ACT_LOG")) {
		vg_error("%s:%lu: defaultAction %s allows every syscall the profile does not "
			 "list: vigil sandbox runs allow-lists only", c->path, line_of(n), a);
		return -EINVAL;
	}
	if (!strncmp(a, "SCMP_ACT_KILL", 13))
		*def = VG_SECCOMP_KILL_PROCESS;
	else if (!strcmp(a, "SCMP_ACT_ERRNO") || !strcmp(a, "SCMP_ACT_TRAP") ||
		 !strcmp(a, "SCMP_ACT_TRACE") || !strcmp(a, "SCMP_ACT_NOTIFY"))
		*def = VG_SECCOMP_ERRNO;
	else {
		vg_error("%s:%lu: unknown defaultAction '%s'", c->path, line_of(n), a);
		return -EINVAL;
	}
	return 0;
}

int vg_seccomp_read_oci(const char *path, struct vg_sysnames *allow,
			enum vg_seccomp_default *def)
{
	struct oci_ctx c = { .path = path };
	struct vg_sysnames got;
	yaml_document_t doc;
	yaml_parser_t parser;
	yaml_node_t *root, *sc;
	struct stat st;
	int err = 0;
	FILE *f;

	f = fopen(path, "re");
	if (!f) {
		err = -errno;
		vg_error("cannot open '%s': %s", path, strerror(errno));
		return err;
	}
	if (fstat(fileno(f), &st) || !S_ISREG(st.st_mode) || st.st_size > OCI_MAX_BYTES) {
		vg_error("cannot read '%s': not a regular file of at most %d bytes", path,
			 OCI_MAX_BYTES);
		fclose(f);
		return -EINVAL;
	}
	if (!yaml_parser_initialize(&parser)) {
		fclose(f);
		return -ENOMEM;
	}
	yaml_parser_set_input_file(&parser, f);
	if (!yaml_parser_load(&parser, &doc)) {
		vg_error("%s:%lu:%lu: not valid JSON: %s", path,
			 (unsigned long)parser.problem_mark.line + 1,
			 (unsigned long)parser.problem_mark.column + 1,
			 parser.problem ? parser.problem : "syntax error");
		yaml_parser_delete(&parser);
		fclose(f);
		return -EINVAL;
	}
	c.doc = &doc;
	vg_sysnames_init(&got);
	root = yaml_document_get_root_node(&doc);
	if (!root || root->type != YAML_MAPPING_NODE) {
		vg_error("%s: not a JSON object (an OCI seccomp profile is one)", path);
		err = -EINVAL;
		goto out;
	}
	err = oci_default(&c, root, def);
	if (err)
		goto out;
	sc = map_get(&c, root, "syscalls");
	if (sc && sc->type != YAML_SEQUENCE_NODE) {
		vg_error("%s:%lu: \"syscalls\" is not a list", path, line_of(sc));
		err = -EINVAL;
		goto out;
	}
	for (yaml_node_item_t *it = sc ? sc->data.sequence.items.start : NULL;
	     sc && it < sc->data.sequence.items.top; it++) {
		yaml_node_t *e = yaml_document_get_node(&doc, *it);

		if (!e || e->type != YAML_MAPPING_NODE) {
			vg_error("%s:%lu: a syscalls entry is not an object", path,
				 e ? line_of(e) : 0);
			c.err = -EINVAL;
			continue;
		}
		oci_entry(&c, e, &got);
	}
	err = c.err;
	for (size_t i = 0; !err && i < got.n; i++)
		err = vg_sysnames_add(allow, got.v[i]);
out:
	vg_sysnames_release(&got);
	yaml_document_delete(&doc);
	yaml_parser_delete(&parser);
	fclose(f);
	return err;
}

int vg_sysnames_add_profile(struct vg_sysnames *s, const char *path)
{
	struct vg_profile p;
	struct vg_profile_diag d;
	char msg[600];
	size_t added = 0;
	int err;

	vg_profile_init(&p);
	err = vg_profile_load(&p, path, &d);
	if (err) {
		vg_error("%s", vg_profile_diag_format(&d, msg, sizeof(msg)));
		return err;
	}
	for (unsigned int nr = 0; nr < VG_SYSCALL_NR_MAX && !err; nr++) {
		const char *name;

		if (!p.syscall_count[nr])
			continue;
		name = vg_profile_syscall_name(&p, nr);
		if (!name || !strcmp(name, "?")) {
			vg_error("%s: syscall %u has no name (a profile of traces does not say "
				 "which ABI its numbers are): learn it live", path, nr);
			err = -EINVAL;
			break;
		}
		err = vg_sysnames_add(s, name);
		added++;
	}
	vg_profile_release(&p);
	if (!err && !added) {
		vg_error("%s: the profile holds no syscalls", path);
		err = -EINVAL;
	}
	return err;
}
