// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * profile.c - behaviour profiles: load, write, merge, diff, and the adders
 * learners use (docs/profiles.md).
 *
 * Two kinds of table: string-keyed counts (exec, file, connect, listen,
 * cred) and n-gram counts, both open addressing with linear probing at most
 * half full.  The n-gram table hashes with the kernel's key
 * (include/vigil/ngram.h) so that the model can hand the same keys to the
 * BPF side.  Sorting happens only on writing and diffing: the tables are in
 * hash order.
 *
 * Loading parses into a scratch profile and moves it into the caller's only
 * when the whole file is valid, so a bad profile is never half-loaded.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/stat.h>

#include "buf.h"
#include "policy.h"
#include "profile.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static const char *const scope_names[] = {
	[VG_SCOPE_NONE] = "none",
	[VG_SCOPE_EXE] = "exe",
	[VG_SCOPE_CGROUP] = "cgroup",
	[VG_SCOPE_CONTAINER] = "container",
	[VG_SCOPE_TRACES] = "traces",
};

static const char *const rate_names[VG_RATE_MAX] = {
	[VG_RATE_EXEC] = "exec",
	[VG_RATE_FILE] = "file",
	[VG_RATE_NET] = "net",
	[VG_RATE_PRIV] = "priv",
	[VG_RATE_SYSCALL] = "syscall",
};

static const char *const mode_names[] = {
	[VG_MODE_NONE] = "",
	[VG_MODE_LEARN] = "learn",
	[VG_MODE_AUDIT] = "audit",
	[VG_MODE_ENFORCE] = "enforce",
};

const char *vg_profile_mode_name(enum vg_profile_mode m)
{
	return (unsigned int)m < ARRAY_SIZE(mode_names) ? mode_names[m] : "?";
}

int vg_profile_mode_by_name(const char *s)
{
	for (int i = VG_MODE_LEARN; i <= VG_MODE_ENFORCE; i++)
		if (!strcmp(s, mode_names[i]))
			return i;
	return -1;
}

const char *vg_profile_scope_name(enum vg_profile_scope s)
{
	return (unsigned int)s < ARRAY_SIZE(scope_names) ? scope_names[s] : "?";
}

const char *vg_profile_rate_name(enum vg_profile_rate_kind k)
{
	return (unsigned int)k < VG_RATE_MAX ? rate_names[k] : "?";
}

static uint64_t sat_add(uint64_t a, uint64_t b)
{
	return a + b < a ? UINT64_MAX : a + b;
}

/* --- string maps --------------------------------------------------------------- */

static uint64_t str_hash(const char *s)
{
	uint64_t h = VG_FNV64_OFFSET;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * VG_FNV64_PRIME;
	return h;
}

static void strmap_release(struct vg_profile_strmap *m)
{
	for (size_t i = 0; i < m->cap; i++)
		free(m->slots[i].key);
	free(m->slots);
	memset(m, 0, sizeof(*m));
}

static struct vg_profile_strent *strmap_find(const struct vg_profile_strmap *m, const char *key)
{
	size_t i;

	if (!m->cap)
		return NULL;
	for (i = str_hash(key) & (m->cap - 1); m->slots[i].key; i = (i + 1) & (m->cap - 1))
		if (!strcmp(m->slots[i].key, key))
			return &m->slots[i];
	return NULL;
}

static int strmap_grow(struct vg_profile_strmap *m)
{
	size_t cap = m->cap ? m->cap * 2 : 16;
	struct vg_profile_strent *slots = calloc(cap, sizeof(*slots));

	if (!slots)
		return -ENOMEM;
	for (size_t j = 0; j < m->cap; j++) {
		size_t i;

		if (!m->slots[j].key)
			continue;
		for (i = str_hash(m->slots[j].key) & (cap - 1); slots[i].key; i = (i + 1) & (cap - 1))
			;
		slots[i] = m->slots[j];
	}
	free(m->slots);
	m->slots = slots;
	m->cap = cap;
	return 0;
}

/* The entry for key, created with count 0 (copying key) when absent; NULL
 * when out of memory. */
static struct vg_profile_strent *strmap_get(struct vg_profile_strmap *m, const char *key)
{
	struct vg_profile_strent *e = strmap_find(m, key);
	size_t i;

	if (e)
		return e;
	if ((m->n + 1) * 2 > m->cap && strmap_grow(m))
		return NULL;
	for (i = str_hash(key) & (m->cap - 1); m->slots[i].key; i = (i + 1) & (m->cap - 1))
		;
	m->slots[i].key = strdup(key);
	if (!m->slots[i].key)
		return NULL;
	m->slots[i].count = 0;
	m->n++;
	return &m->slots[i];
}

static int strmap_add(struct vg_profile_strmap *m, const char *key, uint64_t count)
{
	struct vg_profile_strent *e = strmap_get(m, key);

	if (!e)
		return -ENOMEM;
	e->count = sat_add(e->count, count);
	return 0;
}

static bool all_digits(const char *s, size_t n)
{
	if (!n)
		return false;
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

/*
 * Keys compare token by token (space separated): two decimal numbers by
 * value, anything else bytewise.  So "tcp 10.0.0.5 80" sorts before
 * "tcp 10.0.0.5 443", and "setuid 2" before "setuid 10".
 */
static int key_cmp(const char *a, const char *b)
{
	for (;;) {
		size_t la = strcspn(a, " "), lb = strcspn(b, " ");
		int c;

		if (all_digits(a, la) && all_digits(b, lb)) {
			const char *x = a, *y = b;
			size_t lx = la, ly = lb;

			while (lx > 1 && *x == '0')
				x++, lx--;
			while (ly > 1 && *y == '0')
				y++, ly--;
			if (lx != ly)
				return lx < ly ? -1 : 1;
			c = memcmp(x, y, lx);
		} else {
			c = memcmp(a, b, la < lb ? la : lb);
			if (!c && la != lb)
				c = la < lb ? -1 : 1;
		}
		if (c)
			return c;
		a += la;
		b += lb;
		if (!*a || !*b)
			return (*a != 0) - (*b != 0);
		a++;
		b++;
	}
}

static int strent_cmp(const void *x, const void *y)
{
	const struct vg_profile_strent *a = *(const struct vg_profile_strent *const *)x;
	const struct vg_profile_strent *b = *(const struct vg_profile_strent *const *)y;

	return key_cmp(a->key, b->key);
}

static int strmap_sorted(const struct vg_profile_strmap *m,
			 const struct vg_profile_strent ***out, size_t *n)
{
	const struct vg_profile_strent **v;
	size_t k = 0;

	*out = NULL;
	*n = 0;
	if (!m->n)
		return 0;
	v = malloc(m->n * sizeof(*v));
	if (!v)
		return -ENOMEM;
	for (size_t i = 0; i < m->cap; i++)
		if (m->slots[i].key)
			v[k++] = &m->slots[i];
	qsort(v, k, sizeof(*v), strent_cmp);
	*out = v;
	*n = k;
	return 0;
}

size_t vg_profile_strmap_sorted(const struct vg_profile_strmap *m,
				const struct vg_profile_strent ***out)
{
	size_t n;

	if (strmap_sorted(m, out, &n)) {
		errno = ENOMEM;
		return 0;
	}
	return n;
}

/* --- n-gram map ---------------------------------------------------------------- */

uint64_t vg_profile_ngram_key(const uint16_t *nrs, size_t len)
{
	uint64_t h = vg_ngram_hash_begin((__u32)len);

	for (size_t i = 0; i < len; i++)
		h = vg_ngram_hash_step(h, nrs[i]);
	return h;
}

static struct vg_profile_ngram *ngrams_find(const struct vg_profile_ngrams *m,
					    const uint16_t *nrs, size_t len, uint64_t key)
{
	size_t i;

	if (!m->cap)
		return NULL;
	for (i = key & (m->cap - 1); m->slots[i].len; i = (i + 1) & (m->cap - 1)) {
		const struct vg_profile_ngram *g = &m->slots[i];

		if (g->key == key && g->len == len && !memcmp(g->nr, nrs, len * sizeof(*nrs)))
			return &m->slots[i];
	}
	return NULL;
}

static int ngrams_grow(struct vg_profile_ngrams *m)
{
	size_t cap = m->cap ? m->cap * 2 : 256;
	struct vg_profile_ngram *slots = calloc(cap, sizeof(*slots));

	if (!slots)
		return -ENOMEM;
	for (size_t j = 0; j < m->cap; j++) {
		size_t i;

		if (!m->slots[j].len)
			continue;
		for (i = m->slots[j].key & (cap - 1); slots[i].len; i = (i + 1) & (cap - 1))
			;
		slots[i] = m->slots[j];
	}
	free(m->slots);
	m->slots = slots;
	m->cap = cap;
	return 0;
}

static struct vg_profile_ngram *ngrams_get(struct vg_profile_ngrams *m, const uint16_t *nrs,
					   size_t len)
{
	uint64_t key = vg_profile_ngram_key(nrs, len);
	struct vg_profile_ngram *g = ngrams_find(m, nrs, len, key);
	size_t i;

	if (g)
		return g;
	if ((m->n + 1) * 2 > m->cap && ngrams_grow(m))
		return NULL;
	for (i = key & (m->cap - 1); m->slots[i].len; i = (i + 1) & (m->cap - 1))
		;
	g = &m->slots[i];
	memset(g, 0, sizeof(*g));
	memcpy(g->nr, nrs, len * sizeof(*nrs));
	g->len = (uint8_t)len;
	g->key = key;
	m->n++;
	return g;
}

uint64_t vg_profile_ngram_count(const struct vg_profile *p, const uint16_t *nrs, size_t len)
{
	const struct vg_profile_ngram *g;

	if (!len || len > VG_NGRAM_MAX)
		return 0;
	g = ngrams_find(&p->ngrams, nrs, len, vg_profile_ngram_key(nrs, len));
	return g ? g->count : 0;
}

/* Sequences oldest first, numerically, a prefix before its extensions. */
static int ngram_cmp(const void *x, const void *y)
{
	const struct vg_profile_ngram *a = *(const struct vg_profile_ngram *const *)x;
	const struct vg_profile_ngram *b = *(const struct vg_profile_ngram *const *)y;
	size_t n = a->len < b->len ? a->len : b->len;

	for (size_t i = 0; i < n; i++)
		if (a->nr[i] != b->nr[i])
			return a->nr[i] < b->nr[i] ? -1 : 1;
	return (a->len > b->len) - (a->len < b->len);
}

static int ngrams_sorted(const struct vg_profile *p, const struct vg_profile_ngram ***out,
			 size_t *n)
{
	const struct vg_profile_ngrams *m = &p->ngrams;
	const struct vg_profile_ngram **v;
	size_t k = 0;

	*out = NULL;
	*n = 0;
	if (!m->n)
		return 0;
	v = malloc(m->n * sizeof(*v));
	if (!v)
		return -ENOMEM;
	for (size_t i = 0; i < m->cap; i++)
		if (m->slots[i].len)
			v[k++] = &m->slots[i];
	qsort(v, k, sizeof(*v), ngram_cmp);
	*out = v;
	*n = k;
	return 0;
}

size_t vg_profile_ngrams_sorted(const struct vg_profile *p, const struct vg_profile_ngram ***out)
{
	size_t n;

	if (ngrams_sorted(p, out, &n)) {
		errno = ENOMEM;
		return 0;
	}
	return n;
}

/* --- lifecycle ----------------------------------------------------------------- */

void vg_profile_init(struct vg_profile *p)
{
	memset(p, 0, sizeof(*p));
	p->window = VG_NGRAM_DEFAULT;
}

void vg_profile_release(struct vg_profile *p)
{
	free(p->workload);
	free(p->scope_of);
	for (size_t i = 0; i < VG_SYSCALL_NR_MAX; i++)
		free(p->syscall_name[i]);
	free(p->ngrams.slots);
	strmap_release(&p->exec);
	for (size_t i = 0; i < 2; i++) {
		strmap_release(&p->file[i]);
		strmap_release(&p->file_dirs[i]);
	}
	strmap_release(&p->connect);
	strmap_release(&p->listen);
	strmap_release(&p->cred);
	vg_profile_init(p);
}

/* --- escaping ------------------------------------------------------------------ */

static bool plain_byte(unsigned char c)
{
	return c > 0x20 && c < 0x7f && c != '\\';
}

char *vg_profile_escape(const char *raw)
{
	static const char hex[] = "0123456789abcdef";
	struct vg_buf b;

	vg_buf_init(&b);
	for (const unsigned char *s = (const unsigned char *)raw; *s; s++) {
		if (plain_byte(*s)) {
			vg_buf_addc(&b, (char)*s);
		} else {
			char e[4] = { '\\', 'x', hex[*s >> 4], hex[*s & 15] };

			vg_buf_add(&b, e, 4);
		}
	}
	if (b.oom) {
		vg_buf_release(&b);
		errno = ENOMEM;
		return NULL;
	}
	return b.data;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

void vg_profile_unescape(const char *esc, char *out, size_t len)
{
	size_t o = 0;

	if (!len)
		return;
	while (*esc && o + 1 < len) {
		if (esc[0] == '\\' && esc[1] == 'x' && hexval(esc[2]) >= 0 && hexval(esc[3]) >= 0) {
			out[o++] = (char)(hexval(esc[2]) << 4 | hexval(esc[3]));
			esc += 4;
		} else {
			out[o++] = *esc++;
		}
	}
	out[o] = '\0';
}

/*
 * The canonical form of a written token into a malloc'ed string: \xHH of a
 * plain byte becomes the byte, hex digits lowercase.  NULL with *why set
 * when it is malformed (or ENOMEM: *why NULL).
 */
static char *canon_token(const char *tok, const char **why)
{
	struct vg_buf b;

	*why = NULL;
	vg_buf_init(&b);
	for (const char *s = tok; *s; s++) {
		unsigned char c;

		if (*s != '\\') {
			vg_buf_addc(&b, *s);
			continue;
		}
		if (s[1] != 'x' || hexval(s[2]) < 0 || hexval(s[3]) < 0) {
			*why = "a backslash starts \\xHH";
			break;
		}
		c = (unsigned char)(hexval(s[2]) << 4 | hexval(s[3]));
		if (!c) {
			*why = "\\x00 is not allowed";
			break;
		}
		s += 3;
		if (plain_byte(c)) {
			vg_buf_addc(&b, (char)c);
		} else {
			static const char hex[] = "0123456789abcdef";
			char e[4] = { '\\', 'x', hex[c >> 4], hex[c & 15] };

			vg_buf_add(&b, e, 4);
		}
	}
	if (*why || b.oom) {
		vg_buf_release(&b);
		return NULL;
	}
	return b.data;
}

/* --- adders -------------------------------------------------------------------- */

static bool scope_has_target(enum vg_profile_scope s)
{
	return s == VG_SCOPE_CGROUP || s == VG_SCOPE_CONTAINER;
}

int vg_profile_set_scope(struct vg_profile *p, enum vg_profile_scope scope, const char *what)
{
	char *esc = NULL;

	if (scope == VG_SCOPE_NONE || scope_has_target(scope) != (what && *what))
		return -EINVAL;
	if (what && !(esc = vg_profile_escape(what)))
		return -ENOMEM;
	free(p->scope_of);
	p->scope_of = esc;
	p->scope = scope;
	return 0;
}

int vg_profile_set_workload(struct vg_profile *p, enum vg_profile_scope kind, const char *what)
{
	char *esc;

	if (kind <= VG_SCOPE_NONE || kind > VG_SCOPE_TRACES || !what || !*what)
		return -EINVAL;
	esc = vg_profile_escape(what);
	if (!esc)
		return -ENOMEM;
	free(p->workload);
	p->workload = esc;
	p->workload_kind = kind;
	if (p->scope == VG_SCOPE_NONE)
		p->scope = kind;
	return 0;
}

static void format_time(int64_t t, char out[21])
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (!gmtime_r(&tt, &tm) || tm.tm_year + 1900 > 9999 || tm.tm_year + 1900 < 0 ||
	    !strftime(out, 21, "%Y-%m-%dT%H:%M:%SZ", &tm))
		strcpy(out, "1970-01-01T00:00:00Z");
}

int vg_profile_set_learned(struct vg_profile *p, int64_t start_unix, uint64_t seconds)
{
	format_time(start_unix, p->learned_time);
	p->learned_seconds = seconds;
	p->has_learned = true;
	return 0;
}

int vg_profile_set_window(struct vg_profile *p, unsigned int window)
{
	if (window < 1 || window > VG_NGRAM_MAX)
		return -EINVAL;
	if (p->ngrams.n && window < p->window)
		return -EBUSY;
	p->window = window;
	return 0;
}

int vg_profile_set_rate(struct vg_profile *p, enum vg_profile_rate_kind kind, double per_second)
{
	if ((unsigned int)kind >= VG_RATE_MAX || !isfinite(per_second) || per_second < 0)
		return -EINVAL;
	p->rate[kind] = per_second;
	p->has_rate[kind] = true;
	return 0;
}

int vg_profile_add_syscall(struct vg_profile *p, uint16_t nr, uint64_t count)
{
	if (nr >= VG_SYSCALL_NR_MAX)
		return -EINVAL;
	p->syscall_count[nr] = sat_add(p->syscall_count[nr], count);
	p->syscalls = sat_add(p->syscalls, count);
	return 0;
}

static int add_ngram(struct vg_profile *p, const uint16_t *nrs, size_t len, uint64_t count)
{
	struct vg_profile_ngram *g;

	for (size_t i = 0; i < len; i++)
		if (nrs[i] >= VG_SYSCALL_NR_MAX)
			return -EINVAL;
	g = ngrams_get(&p->ngrams, nrs, len);
	if (!g)
		return -ENOMEM;
	g->count = sat_add(g->count, count);
	return 0;
}

int vg_profile_add_ngram(struct vg_profile *p, const uint16_t *nrs, size_t len, uint64_t count)
{
	if (!len || len > p->window)
		return -EINVAL;
	return add_ngram(p, nrs, len, count);
}

int vg_profile_add_syscall_window(struct vg_profile *p, const uint16_t *nrs, size_t len)
{
	if (!len)
		return -EINVAL;
	if (len > p->window) {
		nrs += len - p->window;
		len = p->window;
	}
	for (size_t k = 1; k <= len; k++) {
		int err = add_ngram(p, nrs + len - k, k, 1);

		if (err)
			return err;
	}
	return 0;
}

int vg_profile_add_trace(struct vg_profile *p, const uint16_t *nrs, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (nrs[i] >= VG_SYSCALL_NR_MAX)
			return -EINVAL;
	p->processes = sat_add(p->processes, 1);
	for (size_t i = 0; i < n; i++) {
		size_t len = i + 1 < p->window ? i + 1 : p->window;
		int err;

		vg_profile_add_syscall(p, nrs[i], 1);
		err = vg_profile_add_syscall_window(p, nrs + i + 1 - len, len);
		if (err)
			return err;
	}
	return 0;
}

int vg_profile_add_exec(struct vg_profile *p, const char *path, uint64_t count)
{
	char *esc;
	int err;

	if (!path || path[0] != '/')
		return -EINVAL;
	esc = vg_profile_escape(path);
	if (!esc)
		return -ENOMEM;
	err = strmap_add(&p->exec, esc, count);
	free(esc);
	return err;
}

/* "DIR" of an escaped "DIR/NAME" as a length ("" for "/NAME"). */
static size_t dir_len(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? (size_t)(slash - path) : 0;
}

static bool is_star(const char *path)
{
	size_t d = dir_len(path);

	return !strcmp(path + d, "/*");
}

/* Replace the direct children of dir (dlen bytes of `dir`) by dir/\*. */
static int collapse_dir(struct vg_profile *p, enum vg_profile_file_mode mode, const char *dir,
			size_t dlen)
{
	struct vg_profile_strmap *m = &p->file[mode], keep = { 0 };
	struct vg_profile_strent *d;
	uint64_t sum = 0;
	char *star, *dkey;
	int err = 0;

	star = malloc(dlen + 3);
	if (!star)
		return -ENOMEM;
	memcpy(star, dir, dlen);
	memcpy(star + dlen, "/*", 3);
	dkey = strndup(dir, dlen);
	if (!dkey) {
		free(star);
		return -ENOMEM;
	}
	for (size_t i = 0; i < m->cap && !err; i++) {
		struct vg_profile_strent *e = &m->slots[i];

		if (!e->key)
			continue;
		if (dir_len(e->key) == dlen && !memcmp(e->key, dir, dlen))
			sum = sat_add(sum, e->count);
		else
			err = strmap_add(&keep, e->key, e->count);
	}
	if (!err)
		err = strmap_add(&keep, star, sum);
	if (!err && !(d = strmap_get(&p->file_dirs[mode], dkey)))
		err = -ENOMEM;
	if (err) {
		strmap_release(&keep);
	} else {
		d->count = 1;
		strmap_release(m);
		*m = keep;
	}
	free(star);
	free(dkey);
	return err;
}

/* Add an escaped path: into its directory's DIR/\* when there is one,
 * collapsing the directory when it outgrows VG_PROFILE_DIR_MAX (generalise
 * false: loading, which takes a profile as it is written). */
static int add_file_escaped(struct vg_profile *p, enum vg_profile_file_mode mode,
			    const char *esc, uint64_t count, bool generalise)
{
	struct vg_profile_strmap *m = &p->file[mode];
	struct vg_profile_strent *e = strmap_find(m, esc), *d;
	size_t dlen = dir_len(esc);
	char *dkey;

	if (e) {
		e->count = sat_add(e->count, count);
		return 0;
	}
	if (generalise && !is_star(esc)) {
		char *star = malloc(dlen + 3);

		if (!star)
			return -ENOMEM;
		memcpy(star, esc, dlen);
		memcpy(star + dlen, "/*", 3);
		e = strmap_find(m, star);
		free(star);
		if (e) {
			e->count = sat_add(e->count, count);
			return 0;
		}
	}
	if (strmap_add(m, esc, count))
		return -ENOMEM;
	dkey = strndup(esc, dlen);
	if (!dkey)
		return -ENOMEM;
	d = strmap_get(&p->file_dirs[mode], dkey);
	free(dkey);
	if (!d)
		return -ENOMEM;
	d->count++;
	if (generalise && (is_star(esc) || d->count > VG_PROFILE_DIR_MAX))
		return collapse_dir(p, mode, esc, dlen);
	return 0;
}

int vg_profile_add_file(struct vg_profile *p, enum vg_profile_file_mode mode, const char *path,
			uint64_t count)
{
	char *esc;
	int err;

	if ((mode != VG_PROFILE_FILE_READ && mode != VG_PROFILE_FILE_WRITE) || !path || path[0] != '/')
		return -EINVAL;
	esc = vg_profile_escape(path);
	if (!esc)
		return -ENOMEM;
	err = add_file_escaped(p, mode, esc, count, true);
	free(esc);
	return err;
}

/* "PROTO ADDR PORT" for a valid peer into out, or -EINVAL. */
static int net_key(const char *proto, const char *addr, unsigned int port, char **out)
{
	char canon[INET6_ADDRSTRLEN], *esc = NULL;
	unsigned char bin[16];
	int n;

	*out = NULL;
	if (!proto || !addr)
		return -EINVAL;
	if (!strcmp(proto, "tcp") || !strcmp(proto, "udp")) {
		int af = strchr(addr, ':') ? AF_INET6 : AF_INET;

		if (port > 65535 || inet_pton(af, addr, bin) != 1 ||
		    !inet_ntop(af, bin, canon, sizeof(canon)))
			return -EINVAL;
		n = asprintf(out, "%s %s %u", proto, canon, port);
	} else if (!strcmp(proto, "unix")) {
		if (port || !addr[0])
			return -EINVAL;
		esc = vg_profile_escape(addr);
		if (!esc)
			return -ENOMEM;
		n = asprintf(out, "unix %s 0", esc);
		free(esc);
	} else {
		return -EINVAL;
	}
	if (n < 0) {
		*out = NULL;
		return -ENOMEM;
	}
	return 0;
}

static int add_net(struct vg_profile_strmap *m, const char *proto, const char *addr,
		   unsigned int port, uint64_t count)
{
	char *key;
	int err = net_key(proto, addr, port, &key);

	if (err)
		return err;
	err = strmap_add(m, key, count);
	free(key);
	return err;
}

int vg_profile_add_connect(struct vg_profile *p, const char *proto, const char *addr,
			   unsigned int port, uint64_t count)
{
	return add_net(&p->connect, proto, addr, port, count);
}

int vg_profile_add_listen(struct vg_profile *p, const char *proto, const char *addr,
			  unsigned int port, uint64_t count)
{
	return add_net(&p->listen, proto, addr, port, count);
}

static bool valid_op(const char *op)
{
	size_t n = strlen(op);

	if (!n || n > 31)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((op[i] >= 'a' && op[i] <= 'z') || (op[i] >= '0' && op[i] <= '9') ||
		      op[i] == '_'))
			return false;
	return true;
}

int vg_profile_add_cred(struct vg_profile *p, const char *op, uint32_t euid, uint64_t count)
{
	char key[64];

	if (!op || !valid_op(op))
		return -EINVAL;
	snprintf(key, sizeof(key), "%s %u", op, euid);
	return strmap_add(&p->cred, key, count);
}

const char *vg_profile_syscall_name(const struct vg_profile *p, unsigned int nr)
{
	const char *name;

	if (nr >= VG_SYSCALL_NR_MAX)
		return "?";
	if (p->syscall_name[nr])
		return p->syscall_name[nr];
	if (p->scope == VG_SCOPE_TRACES || p->workload_kind == VG_SCOPE_TRACES)
		return "?";
	name = vg_policy_syscall_name(nr);
	return name ? name : "?";
}

/* --- writing ------------------------------------------------------------------- */

static void write_strmap(FILE *f, const char *kw, const struct vg_profile_strmap *m, int *err)
{
	const struct vg_profile_strent **v;
	size_t n;

	if (strmap_sorted(m, &v, &n)) {
		*err = -ENOMEM;
		return;
	}
	for (size_t i = 0; i < n; i++)
		fprintf(f, "%s %s %llu\n", kw, v[i]->key, (unsigned long long)v[i]->count);
	free(v);
}

static void write_ngram(FILE *f, const struct vg_profile_ngram *g)
{
	fputs("ngram", f);
	for (size_t i = 0; i < g->len; i++)
		fprintf(f, " %u", g->nr[i]);
}

int vg_profile_write(FILE *f, const struct vg_profile *p)
{
	const struct vg_profile_ngram **ng;
	size_t n;
	int err = 0;

	fprintf(f, "vigil-profile %d\n", VG_PROFILE_VERSION);
	if (p->workload)
		fprintf(f, "workload %s %s\n", vg_profile_scope_name(p->workload_kind), p->workload);
	if (p->scope != VG_SCOPE_NONE)
		fprintf(f, "scope %s%s%s\n", vg_profile_scope_name(p->scope),
			p->scope_of ? " " : "", p->scope_of ? p->scope_of : "");
	if (p->mode != VG_MODE_NONE)
		fprintf(f, "mode %s\n", vg_profile_mode_name(p->mode));
	if (p->has_learned)
		fprintf(f, "learned %s %llu\n", p->learned_time,
			(unsigned long long)p->learned_seconds);
	fprintf(f, "processes %llu\n", (unsigned long long)p->processes);
	fprintf(f, "syscalls %llu\n", (unsigned long long)p->syscalls);
	fprintf(f, "window %u\n", p->window);
	for (unsigned int nr = 0; nr < VG_SYSCALL_NR_MAX; nr++)
		if (p->syscall_count[nr] || p->syscall_name[nr])
			fprintf(f, "syscall %u %s %llu\n", nr, vg_profile_syscall_name(p, nr),
				(unsigned long long)p->syscall_count[nr]);
	if (ngrams_sorted(p, &ng, &n))
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		write_ngram(f, ng[i]);
		fprintf(f, " %llu\n", (unsigned long long)ng[i]->count);
	}
	free(ng);
	write_strmap(f, "exec", &p->exec, &err);
	write_strmap(f, "file read", &p->file[VG_PROFILE_FILE_READ], &err);
	write_strmap(f, "file write", &p->file[VG_PROFILE_FILE_WRITE], &err);
	write_strmap(f, "connect", &p->connect, &err);
	write_strmap(f, "listen", &p->listen, &err);
	write_strmap(f, "cred", &p->cred, &err);
	for (int k = 0; k < VG_RATE_MAX; k++)
		if (p->has_rate[k])
			fprintf(f, "rate %s %.6g\n", rate_names[k], p->rate[k]);
	if (err)
		return err;
	if (fflush(f) || ferror(f))
		return -EIO;
	return 0;
}

int vg_profile_save(const struct vg_profile *p, const char *path)
{
	char *tmp;
	FILE *f;
	int err;

	if (asprintf(&tmp, "%s.tmp", path) < 0)
		return -ENOMEM;
	f = fopen(tmp, "w");
	if (!f) {
		err = -errno;
		free(tmp);
		return err;
	}
	err = vg_profile_write(f, p);
	if (fclose(f) && !err)
		err = -EIO;
	if (!err && rename(tmp, path))
		err = -errno;
	if (err)
		unlink(tmp);
	free(tmp);
	return err;
}

/* --- loading ------------------------------------------------------------------- */

#define MAX_FIELDS 16

struct loader {
	struct vg_profile *p;
	struct vg_profile_diag *d;
	const char *file;
	unsigned int line;
	bool header, has_processes, has_syscalls, has_window;
	unsigned int header_line;
	size_t longest_ngram;		/* and where, to check against window */
	unsigned int longest_ngram_line;
	char *tok[MAX_FIELDS];
	size_t ntok;
};

static int ld_error(struct loader *l, unsigned int line, const char *field, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int ld_error(struct loader *l, unsigned int line, const char *field, const char *fmt, ...)
{
	va_list ap;

	if (!l->d)
		return -EINVAL;
	snprintf(l->d->file, sizeof(l->d->file), "%s", l->file);
	l->d->line = line;
	snprintf(l->d->field, sizeof(l->d->field), "%s", field);
	va_start(ap, fmt);
	vsnprintf(l->d->msg, sizeof(l->d->msg), fmt, ap);
	va_end(ap);
	return -EINVAL;
}

/* A token for a message: at most 40 bytes, then "...". */
static const char *clip(const char *s, char *buf, size_t len)
{
	if (strlen(s) < len)
		return s;
	snprintf(buf, len, "%.*s...", (int)(len - 4), s);
	return buf;
}

#define E(...) ld_error(l, l->line, l->tok[0], __VA_ARGS__)

static int parse_u64(const char *s, uint64_t *out)
{
	uint64_t v = 0;

	if (!*s || strlen(s) > 20)
		return -EINVAL;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -EINVAL;
		if (v > (UINT64_MAX - (uint64_t)(*s - '0')) / 10)
			return -ERANGE;
		v = v * 10 + (uint64_t)(*s - '0');
	}
	*out = v;
	return 0;
}

static int ld_count(struct loader *l, const char *s, uint64_t *out)
{
	char c[48];

	if (parse_u64(s, out))
		return E("bad count '%s' (an unsigned 64-bit decimal)", clip(s, c, sizeof(c)));
	return 0;
}

static int ld_fields(struct loader *l, size_t want, const char *usage)
{
	if (l->ntok != want)
		return E("wrong number of fields (expected '%s')", usage);
	return 0;
}

static int ld_nr(struct loader *l, const char *s, uint16_t *out)
{
	char c[48];
	uint64_t v;

	if (parse_u64(s, &v))
		return E("bad syscall number '%s' (a decimal below %d)", clip(s, c, sizeof(c)),
			 VG_SYSCALL_NR_MAX);
	if (v >= VG_SYSCALL_NR_MAX)
		return E("syscall number '%s' out of range (0-%d)", clip(s, c, sizeof(c)),
			 VG_SYSCALL_NR_MAX - 1);
	*out = (uint16_t)v;
	return 0;
}

/* A path token in canonical form, or an error. */
static int ld_path(struct loader *l, const char *s, bool absolute, char **out)
{
	const char *why;
	char c[48];

	*out = canon_token(s, &why);
	if (!*out && !why)
		return -ENOMEM;
	if (!*out)
		return E("bad path '%s' (%s)", clip(s, c, sizeof(c)), why);
	if (absolute && (*out)[0] != '/') {
		free(*out);
		*out = NULL;
		return E("path '%s' is not absolute (paths start with '/')", clip(s, c, sizeof(c)));
	}
	return 0;
}

static int ld_header(struct loader *l)
{
	char c[48];

	if (l->header)
		return E("duplicate header (only the first line says 'vigil-profile 1')");
	if (l->ntok != 2)
		return E("wrong number of fields (expected 'vigil-profile 1')");
	if (strcmp(l->tok[1], "1"))
		return E("unsupported version '%s' (this vigil reads version %d)",
			 clip(l->tok[1], c, sizeof(c)), VG_PROFILE_VERSION);
	l->header = true;
	l->header_line = l->line;
	return 0;
}

static int scope_by_name(const char *s)
{
	for (int i = VG_SCOPE_EXE; i <= VG_SCOPE_TRACES; i++)
		if (!strcmp(s, scope_names[i]))
			return i;
	return -1;
}

static int ld_workload(struct loader *l)
{
	char c[48], *what;
	const char *why;
	int kind, err;

	if ((err = ld_fields(l, 3, "workload exe|cgroup|container|traces WHAT")))
		return err;
	if (l->p->workload)
		return E("duplicate workload (a profile has exactly one)");
	kind = scope_by_name(l->tok[1]);
	if (kind < 0)
		return E("unknown kind '%s' (exe, cgroup, container or traces)",
			 clip(l->tok[1], c, sizeof(c)));
	what = canon_token(l->tok[2], &why);
	if (!what && !why)
		return -ENOMEM;
	if (!what)
		return E("bad name '%s' (%s)", clip(l->tok[2], c, sizeof(c)), why);
	l->p->workload = what;
	l->p->workload_kind = kind;
	return 0;
}

static int ld_scope(struct loader *l)
{
	char c[48], *what = NULL;
	const char *why;
	int s;

	if (l->ntok != 2 && l->ntok != 3)
		return E("wrong number of fields (expected 'scope exe|traces' or "
			 "'scope cgroup PATH|container ID')");
	if (l->p->scope != VG_SCOPE_NONE)
		return E("duplicate scope (a profile has exactly one)");
	s = scope_by_name(l->tok[1]);
	if (s < 0)
		return E("unknown scope '%s' (exe, cgroup, container or traces)",
			 clip(l->tok[1], c, sizeof(c)));
	if (scope_has_target(s) && l->ntok != 3)
		return E("scope %s needs what it is ('scope %s %s')", l->tok[1], l->tok[1],
			 s == VG_SCOPE_CGROUP ? "PATH" : "ID");
	if (!scope_has_target(s) && l->ntok != 2)
		return E("scope %s takes nothing after it", l->tok[1]);
	if (l->ntok == 3) {
		what = canon_token(l->tok[2], &why);
		if (!what && !why)
			return -ENOMEM;
		if (!what)
			return E("bad name '%s' (%s)", clip(l->tok[2], c, sizeof(c)), why);
		if (s == VG_SCOPE_CGROUP && what[0] != '/') {
			free(what);
			return E("cgroup '%s' is not absolute (as /proc/PID/cgroup writes it: "
				 "'/system.slice/x.service')", clip(l->tok[2], c, sizeof(c)));
		}
	}
	l->p->scope = s;
	l->p->scope_of = what;
	return 0;
}

static int ld_mode(struct loader *l)
{
	char c[48];
	int m, err;

	if ((err = ld_fields(l, 2, "mode learn|audit|enforce")))
		return err;
	if (l->p->mode != VG_MODE_NONE)
		return E("duplicate mode (a profile has at most one)");
	m = vg_profile_mode_by_name(l->tok[1]);
	if (m < 0)
		return E("unknown mode '%s' (learn, audit or enforce)", clip(l->tok[1], c, sizeof(c)));
	l->p->mode = m;
	return 0;
}

static bool valid_time(const char *s)
{
	static const char shape[] = "dddd-dd-ddTdd:dd:ddZ";
	int mon, day, hour, min, sec;

	if (strlen(s) != sizeof(shape) - 1)
		return false;
	for (size_t i = 0; shape[i]; i++)
		if (shape[i] == 'd' ? (s[i] < '0' || s[i] > '9') : s[i] != shape[i])
			return false;
	mon = (s[5] - '0') * 10 + s[6] - '0';
	day = (s[8] - '0') * 10 + s[9] - '0';
	hour = (s[11] - '0') * 10 + s[12] - '0';
	min = (s[14] - '0') * 10 + s[15] - '0';
	sec = (s[17] - '0') * 10 + s[18] - '0';
	return mon >= 1 && mon <= 12 && day >= 1 && day <= 31 && hour < 24 && min < 60 && sec < 61;
}

static int ld_learned(struct loader *l)
{
	char c[48];
	int err;

	if ((err = ld_fields(l, 3, "learned TIME SECONDS")))
		return err;
	if (l->p->has_learned)
		return E("duplicate learned (at most one)");
	if (!valid_time(l->tok[1]))
		return E("bad time '%s' (RFC 3339 UTC: YYYY-MM-DDTHH:MM:SSZ)",
			 clip(l->tok[1], c, sizeof(c)));
	if (parse_u64(l->tok[2], &l->p->learned_seconds))
		return E("bad duration '%s' (whole seconds)", clip(l->tok[2], c, sizeof(c)));
	memcpy(l->p->learned_time, l->tok[1], 21);
	l->p->has_learned = true;
	return 0;
}

static int ld_total(struct loader *l, bool *seen, uint64_t *v, const char *usage)
{
	int err;

	if ((err = ld_fields(l, 2, usage)))
		return err;
	if (*seen)
		return E("duplicate %s (at most one)", l->tok[0]);
	*seen = true;
	return ld_count(l, l->tok[1], v);
}

static int ld_window(struct loader *l)
{
	char c[48];
	uint64_t v;
	int err;

	if ((err = ld_fields(l, 2, "window N")))
		return err;
	if (l->has_window)
		return E("duplicate window (at most one)");
	if (parse_u64(l->tok[1], &v) || v < 1 || v > VG_NGRAM_MAX)
		return E("bad window '%s' (1-%d)", clip(l->tok[1], c, sizeof(c)), VG_NGRAM_MAX);
	l->has_window = true;
	l->p->window = (unsigned int)v;
	return 0;
}

static bool valid_name(const char *s)
{
	size_t n = strlen(s);

	if (!n || n > 63)
		return false;
	if (!strcmp(s, "?"))
		return true;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
		      (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
			return false;
	return true;
}

static int ld_syscall(struct loader *l)
{
	char c[48];
	uint16_t nr;
	uint64_t count;
	int err;

	if ((err = ld_fields(l, 4, "syscall NR NAME COUNT")) || (err = ld_nr(l, l->tok[1], &nr)))
		return err;
	if (!valid_name(l->tok[2]))
		return E("bad name '%s' (letters, digits, '_', at most 63; '?' if unknown)",
			 clip(l->tok[2], c, sizeof(c)));
	if ((err = ld_count(l, l->tok[3], &count)))
		return err;
	if (l->p->syscall_name[nr])
		return E("duplicate syscall %u (each syscall once)", nr);
	l->p->syscall_name[nr] = strdup(l->tok[2]);
	if (!l->p->syscall_name[nr])
		return -ENOMEM;
	l->p->syscall_count[nr] = count;
	return 0;
}

static int ld_ngram(struct loader *l)
{
	uint16_t nrs[VG_NGRAM_MAX];
	struct vg_profile_ngram *g;
	size_t n = l->ntok - 2;
	uint64_t count;
	int err;

	if (l->ntok < 3 || l->ntok > 2 + VG_NGRAM_MAX)
		return E("wrong number of fields (expected 'ngram NR... COUNT' with 1 to %d numbers)",
			 VG_NGRAM_MAX);
	for (size_t i = 0; i < n; i++)
		if ((err = ld_nr(l, l->tok[1 + i], &nrs[i])))
			return err;
	if ((err = ld_count(l, l->tok[l->ntok - 1], &count)))
		return err;
	if (ngrams_find(&l->p->ngrams, nrs, n, vg_profile_ngram_key(nrs, n)))
		return E("duplicate n-gram (each sequence once)");
	g = ngrams_get(&l->p->ngrams, nrs, n);
	if (!g)
		return -ENOMEM;
	g->count = count;
	if (n > l->longest_ngram) {
		l->longest_ngram = n;
		l->longest_ngram_line = l->line;
	}
	return 0;
}

static int ld_exec(struct loader *l)
{
	struct vg_profile_strent *e;
	uint64_t count;
	char *path, c[48];
	int err;

	if ((err = ld_fields(l, 3, "exec PATH COUNT")) ||
	    (err = ld_path(l, l->tok[1], true, &path)))
		return err;
	if ((err = ld_count(l, l->tok[2], &count))) {
		free(path);
		return err;
	}
	if (strmap_find(&l->p->exec, path)) {
		free(path);
		return E("duplicate exec '%s' (each program once)", clip(l->tok[1], c, sizeof(c)));
	}
	e = strmap_get(&l->p->exec, path);
	free(path);
	if (!e)
		return -ENOMEM;
	e->count = count;
	return 0;
}

static int ld_file(struct loader *l)
{
	enum vg_profile_file_mode mode;
	uint64_t count;
	char *path, c[48];
	int err;

	if ((err = ld_fields(l, 4, "file read|write PATH COUNT")))
		return err;
	if (!strcmp(l->tok[1], "read"))
		mode = VG_PROFILE_FILE_READ;
	else if (!strcmp(l->tok[1], "write"))
		mode = VG_PROFILE_FILE_WRITE;
	else
		return E("unknown mode '%s' (read or write)", clip(l->tok[1], c, sizeof(c)));
	if ((err = ld_path(l, l->tok[2], true, &path)))
		return err;
	if ((err = ld_count(l, l->tok[3], &count))) {
		free(path);
		return err;
	}
	if (strmap_find(&l->p->file[mode], path)) {
		free(path);
		return E("duplicate file %s '%s' (each path once per mode)", l->tok[1],
			 clip(l->tok[2], c, sizeof(c)));
	}
	err = add_file_escaped(l->p, mode, path, count, false);
	free(path);
	return err;
}

static int ld_net(struct loader *l, struct vg_profile_strmap *m)
{
	char c[48], *addr, *key, usage[48];
	uint64_t count, port;
	int err;

	snprintf(usage, sizeof(usage), "%s PROTO ADDR PORT COUNT", l->tok[0]);
	if ((err = ld_fields(l, 5, usage)))
		return err;
	if (strcmp(l->tok[1], "tcp") && strcmp(l->tok[1], "udp") && strcmp(l->tok[1], "unix"))
		return E("unknown protocol '%s' (tcp, udp or unix)", clip(l->tok[1], c, sizeof(c)));
	if (parse_u64(l->tok[3], &port) || port > 65535)
		return E("bad port '%s' (0-65535)", clip(l->tok[3], c, sizeof(c)));
	if ((err = ld_count(l, l->tok[4], &count)))
		return err;
	if (!strcmp(l->tok[1], "unix")) {
		if ((err = ld_path(l, l->tok[2], false, &addr)))
			return err;
		if (port) {
			free(addr);
			return E("bad port '%s' (a unix socket has port 0)", l->tok[3]);
		}
		if (asprintf(&key, "unix %s 0", addr) < 0)
			key = NULL;
		free(addr);
		if (!key)
			return -ENOMEM;
	} else {
		err = net_key(l->tok[1], l->tok[2], (unsigned int)port, &key);
		if (err == -ENOMEM)
			return err;
		if (err)
			return E("bad address '%s' (an IPv4 or IPv6 literal)",
				 clip(l->tok[2], c, sizeof(c)));
	}
	if (strmap_find(m, key)) {
		free(key);
		return E("duplicate %s %s %s %s (each peer once)", l->tok[0], l->tok[1],
			 clip(l->tok[2], c, sizeof(c)), l->tok[3]);
	}
	err = strmap_add(m, key, count);
	free(key);
	return err;
}

static int ld_cred(struct loader *l)
{
	uint64_t count, euid;
	char c[48], key[64];
	int err;

	if ((err = ld_fields(l, 4, "cred OP EUID COUNT")))
		return err;
	if (!valid_op(l->tok[1]))
		return E("bad operation '%s' (lowercase letters, digits, '_': setuid, capset, ...)",
			 clip(l->tok[1], c, sizeof(c)));
	if (parse_u64(l->tok[2], &euid) || euid > UINT32_MAX)
		return E("bad uid '%s' (0-4294967295)", clip(l->tok[2], c, sizeof(c)));
	if ((err = ld_count(l, l->tok[3], &count)))
		return err;
	snprintf(key, sizeof(key), "%s %llu", l->tok[1], (unsigned long long)euid);
	if (strmap_find(&l->p->cred, key))
		return E("duplicate cred %s (each operation and uid once)", key);
	return strmap_add(&l->p->cred, key, count);
}

static int ld_rate(struct loader *l)
{
	char c[48], *end;
	double v;
	int k, err;

	if ((err = ld_fields(l, 3, "rate KIND PER_SECOND")))
		return err;
	for (k = 0; k < VG_RATE_MAX; k++)
		if (!strcmp(l->tok[1], rate_names[k]))
			break;
	if (k == VG_RATE_MAX)
		return E("unknown kind '%s' (exec, file, net, priv or syscall)",
			 clip(l->tok[1], c, sizeof(c)));
	errno = 0;
	v = strtod(l->tok[2], &end);
	if (*end || end == l->tok[2] || errno || !isfinite(v) || v < 0 ||
	    !(l->tok[2][0] >= '0' && l->tok[2][0] <= '9') ||
	    strspn(l->tok[2], "0123456789.eE+-") != strlen(l->tok[2]))
		return E("bad rate '%s' (a non-negative decimal)", clip(l->tok[2], c, sizeof(c)));
	if (l->p->has_rate[k])
		return E("duplicate rate %s (one per kind)", rate_names[k]);
	l->p->has_rate[k] = true;
	l->p->rate[k] = v;
	return 0;
}

static int ld_line(struct loader *l, char *s, size_t len)
{
	char c[48];
	const char *kw;

	for (size_t i = 0; i < len; i++) {
		unsigned char b = (unsigned char)s[i];

		if ((b < 0x20 && b != '\t' && b != '\r') || b >= 0x7f)
			return ld_error(l, l->line, "",
					"non-printable byte 0x%02x (profiles are ASCII; escape bytes as \\xHH)",
					b);
	}
	s[len] = '\0';
	l->ntok = 0;
	for (char *save, *t = strtok_r(s, " \t\r", &save); t; t = strtok_r(NULL, " \t\r", &save)) {
		if (l->ntok == MAX_FIELDS)
			return ld_error(l, l->line, l->tok[0], "too many fields (at most %d)",
					MAX_FIELDS);
		l->tok[l->ntok++] = t;
	}
	if (!l->ntok || l->tok[0][0] == '#')
		return 0;
	kw = l->tok[0];
	if (!l->header) {
		if (strcmp(kw, "vigil-profile"))
			return ld_error(l, l->line, "vigil-profile",
					"missing header (the first line is 'vigil-profile 1')");
		return ld_header(l);
	}
	if (!strcmp(kw, "vigil-profile"))
		return ld_header(l);
	if (!strcmp(kw, "workload"))
		return ld_workload(l);
	if (!strcmp(kw, "scope"))
		return ld_scope(l);
	if (!strcmp(kw, "mode"))
		return ld_mode(l);
	if (!strcmp(kw, "learned"))
		return ld_learned(l);
	if (!strcmp(kw, "processes"))
		return ld_total(l, &l->has_processes, &l->p->processes, "processes N");
	if (!strcmp(kw, "syscalls"))
		return ld_total(l, &l->has_syscalls, &l->p->syscalls, "syscalls N");
	if (!strcmp(kw, "window"))
		return ld_window(l);
	if (!strcmp(kw, "syscall"))
		return ld_syscall(l);
	if (!strcmp(kw, "ngram"))
		return ld_ngram(l);
	if (!strcmp(kw, "exec"))
		return ld_exec(l);
	if (!strcmp(kw, "file"))
		return ld_file(l);
	if (!strcmp(kw, "connect"))
		return ld_net(l, &l->p->connect);
	if (!strcmp(kw, "listen"))
		return ld_net(l, &l->p->listen);
	if (!strcmp(kw, "cred"))
		return ld_cred(l);
	if (!strcmp(kw, "rate"))
		return ld_rate(l);
	return ld_error(l, l->line, clip(kw, c, 32),
			"unknown line (expected workload, scope, mode, learned, processes, syscalls, "
			"window, syscall, ngram, exec, file, connect, listen, cred or rate)");
}

int vg_profile_load_buffer(struct vg_profile *p, const char *name, const char *buf, size_t len,
			   struct vg_profile_diag *d)
{
	struct vg_profile tmp;
	struct loader l = { .p = &tmp, .d = d, .file = name };
	size_t pos = 0;
	char *line = NULL;
	int err = 0;

	if (d)
		memset(d, 0, sizeof(*d));
	vg_profile_init(&tmp);
	while (pos < len && !err) {
		const char *nl = memchr(buf + pos, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - (buf + pos)) : len - pos;
		char *s;

		l.line++;
		s = realloc(line, n + 1);
		if (!s) {
			err = -ENOMEM;
			break;
		}
		line = s;
		memcpy(line, buf + pos, n);
		err = ld_line(&l, line, n);
		pos += n + 1;
	}
	free(line);
	if (err == -ENOMEM && d && !d->msg[0])
		ld_error(&l, 0, "", "out of memory");
	if (!err && !l.header)
		err = ld_error(&l, 0, "vigil-profile",
			       "empty profile (the first line is 'vigil-profile 1')");
	if (!err && !tmp.workload)
		err = ld_error(&l, 0, "workload",
			       "missing (exactly one 'workload exe|cgroup|container|traces WHAT')");
	if (!err && tmp.scope == VG_SCOPE_NONE)
		err = ld_error(&l, 0, "scope",
			       "missing (exactly one 'scope exe|cgroup|container|traces')");
	if (!err && l.longest_ngram > tmp.window)
		err = ld_error(&l, l.longest_ngram_line, "ngram",
			       "%zu numbers but window is %u (an n-gram has 1 to window numbers)",
			       l.longest_ngram, tmp.window);
	if (err) {
		vg_profile_release(&tmp);
		return err;
	}
	vg_profile_release(p);
	*p = tmp;
	return 0;
}

int vg_profile_load(struct vg_profile *p, const char *path, struct vg_profile_diag *d)
{
	struct vg_buf b;
	char chunk[65536];
	size_t n;
	FILE *f;
	int err;

	if (d)
		memset(d, 0, sizeof(*d));
	f = fopen(path, "r");
	if (!f) {
		err = -errno;
		if (d) {
			snprintf(d->file, sizeof(d->file), "%s", path);
			snprintf(d->msg, sizeof(d->msg), "cannot open: %s", strerror(-err));
		}
		return err;
	}
	vg_buf_init(&b);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		vg_buf_add(&b, chunk, n);
	err = ferror(f) ? -EIO : b.oom ? -ENOMEM : 0;
	fclose(f);
	if (err) {
		if (d) {
			snprintf(d->file, sizeof(d->file), "%s", path);
			snprintf(d->msg, sizeof(d->msg), "cannot read: %s", strerror(-err));
		}
		vg_buf_release(&b);
		return err;
	}
	err = vg_profile_load_buffer(p, path, b.data, b.len, d);
	vg_buf_release(&b);
	return err;
}

const char *vg_profile_diag_format(const struct vg_profile_diag *d, char *buf, size_t len)
{
	if (d->line && d->field[0])
		snprintf(buf, len, "%s:%u: %s: %s", d->file, d->line, d->field, d->msg);
	else if (d->line)
		snprintf(buf, len, "%s:%u: %s", d->file, d->line, d->msg);
	else if (d->field[0])
		snprintf(buf, len, "%s: %s: %s", d->file, d->field, d->msg);
	else
		snprintf(buf, len, "%s: %s", d->file, d->msg);
	return buf;
}

/* --- merge --------------------------------------------------------------------- */

static int merge_strmap(struct vg_profile_strmap *dst, const struct vg_profile_strmap *src)
{
	for (size_t i = 0; i < src->cap; i++)
		if (src->slots[i].key && strmap_add(dst, src->slots[i].key, src->slots[i].count))
			return -ENOMEM;
	return 0;
}

int vg_profile_merge(struct vg_profile *dst, const struct vg_profile *src)
{
	int err = 0;

	if (dst->workload && src->workload &&
	    (dst->workload_kind != src->workload_kind || strcmp(dst->workload, src->workload)))
		return -EINVAL;
	if (dst->scope != VG_SCOPE_NONE && src->scope != VG_SCOPE_NONE &&
	    (dst->scope != src->scope || !dst->scope_of != !src->scope_of ||
	     (dst->scope_of && strcmp(dst->scope_of, src->scope_of))))
		return -EINVAL;
	if (dst->scope == VG_SCOPE_NONE && src->scope_of && !(dst->scope_of = strdup(src->scope_of)))
		return -ENOMEM;
	if (dst->mode == VG_MODE_NONE)
		dst->mode = src->mode;
	if (!dst->workload && src->workload) {
		dst->workload = strdup(src->workload);
		if (!dst->workload)
			return -ENOMEM;
		dst->workload_kind = src->workload_kind;
	}
	if (dst->scope == VG_SCOPE_NONE)
		dst->scope = src->scope;
	for (int k = 0; k < VG_RATE_MAX; k++) {
		uint64_t sd = dst->has_learned ? dst->learned_seconds : 0;
		uint64_t ss = src->has_learned ? src->learned_seconds : 0;

		if (!src->has_rate[k])
			continue;
		if (!dst->has_rate[k])
			dst->rate[k] = src->rate[k];
		else if (sd + ss > 0)
			dst->rate[k] = (dst->rate[k] * (double)sd + src->rate[k] * (double)ss) /
				       ((double)sd + (double)ss);
		else if (src->rate[k] > dst->rate[k])
			dst->rate[k] = src->rate[k];
		dst->has_rate[k] = true;
	}
	if (src->has_learned) {
		if (!dst->has_learned || strcmp(src->learned_time, dst->learned_time) < 0)
			memcpy(dst->learned_time, src->learned_time, sizeof(dst->learned_time));
		dst->learned_seconds = dst->has_learned ?
			sat_add(dst->learned_seconds, src->learned_seconds) : src->learned_seconds;
		dst->has_learned = true;
	}
	dst->processes = sat_add(dst->processes, src->processes);
	dst->syscalls = sat_add(dst->syscalls, src->syscalls);
	if (src->window > dst->window)
		dst->window = src->window;
	for (unsigned int nr = 0; nr < VG_SYSCALL_NR_MAX; nr++) {
		dst->syscall_count[nr] = sat_add(dst->syscall_count[nr], src->syscall_count[nr]);
		if (!dst->syscall_name[nr] && src->syscall_name[nr]) {
			dst->syscall_name[nr] = strdup(src->syscall_name[nr]);
			if (!dst->syscall_name[nr])
				return -ENOMEM;
		}
	}
	for (size_t i = 0; i < src->ngrams.cap && !err; i++) {
		const struct vg_profile_ngram *g = &src->ngrams.slots[i];
		struct vg_profile_ngram *t;

		if (!g->len)
			continue;
		t = ngrams_get(&dst->ngrams, g->nr, g->len);
		if (!t)
			return -ENOMEM;
		t->count = sat_add(t->count, g->count);
	}
	if ((err = merge_strmap(&dst->exec, &src->exec)) ||
	    (err = merge_strmap(&dst->connect, &src->connect)) ||
	    (err = merge_strmap(&dst->listen, &src->listen)) ||
	    (err = merge_strmap(&dst->cred, &src->cred)))
		return err;
	for (int mode = 0; mode < 2; mode++) {
		const struct vg_profile_strent **v;
		size_t n;

		/* sorted, so that the result does not depend on hash order:
		 * the D/\* entries of src first absorb dst's children of D */
		if (strmap_sorted(&src->file[mode], &v, &n))
			return -ENOMEM;
		for (size_t i = 0; i < n && !err; i++)
			if (is_star(v[i]->key))
				err = add_file_escaped(dst, mode, v[i]->key, v[i]->count, true);
		for (size_t i = 0; i < n && !err; i++)
			if (!is_star(v[i]->key))
				err = add_file_escaped(dst, mode, v[i]->key, v[i]->count, true);
		free(v);
		if (err)
			return err;
	}
	return 0;
}

/* --- diff ---------------------------------------------------------------------- */

static void diff_strmap(FILE *f, const char *kw, const struct vg_profile_strmap *a,
			const struct vg_profile_strmap *b, int *count, int *err)
{
	const struct vg_profile_strent **va, **vb;
	size_t na, nb, i = 0, j = 0;

	if (strmap_sorted(a, &va, &na)) {
		*err = -ENOMEM;
		return;
	}
	if (strmap_sorted(b, &vb, &nb)) {
		free(va);
		*err = -ENOMEM;
		return;
	}
	while (i < na || j < nb) {
		int c = i == na ? 1 : j == nb ? -1 : key_cmp(va[i]->key, vb[j]->key);

		if (c < 0) {
			fprintf(f, "- %s %s %llu\n", kw, va[i]->key, (unsigned long long)va[i]->count);
			i++;
			++*count;
		} else if (c > 0) {
			fprintf(f, "+ %s %s %llu\n", kw, vb[j]->key, (unsigned long long)vb[j]->count);
			j++;
			++*count;
		} else {
			if (va[i]->count != vb[j]->count) {
				fprintf(f, "~ %s %s %llu -> %llu\n", kw, va[i]->key,
					(unsigned long long)va[i]->count,
					(unsigned long long)vb[j]->count);
				++*count;
			}
			i++;
			j++;
		}
	}
	free(va);
	free(vb);
}

static void diff_ngrams(FILE *f, const struct vg_profile *a, const struct vg_profile *b,
			int *count, int *err)
{
	const struct vg_profile_ngram **va, **vb;
	size_t na, nb, i = 0, j = 0;

	if (ngrams_sorted(a, &va, &na)) {
		*err = -ENOMEM;
		return;
	}
	if (ngrams_sorted(b, &vb, &nb)) {
		free(va);
		*err = -ENOMEM;
		return;
	}
	while (i < na || j < nb) {
		int c = i == na ? 1 : j == nb ? -1 : ngram_cmp(&va[i], &vb[j]);

		if (c < 0) {
			fputs("- ", f);
			write_ngram(f, va[i]);
			fprintf(f, " %llu\n", (unsigned long long)va[i]->count);
			i++;
			++*count;
		} else if (c > 0) {
			fputs("+ ", f);
			write_ngram(f, vb[j]);
			fprintf(f, " %llu\n", (unsigned long long)vb[j]->count);
			j++;
			++*count;
		} else {
			if (va[i]->count != vb[j]->count) {
				fputs("~ ", f);
				write_ngram(f, va[i]);
				fprintf(f, " %llu -> %llu\n", (unsigned long long)va[i]->count,
					(unsigned long long)vb[j]->count);
				++*count;
			}
			i++;
			j++;
		}
	}
	free(va);
	free(vb);
}

static void diff_u64(FILE *f, const char *kw, uint64_t a, uint64_t b, int *count)
{
	if (a == b)
		return;
	fprintf(f, "~ %s %llu -> %llu\n", kw, (unsigned long long)a, (unsigned long long)b);
	++*count;
}

int vg_profile_diff(FILE *f, const struct vg_profile *a, const struct vg_profile *b)
{
	int count = 0, err = 0;

	if (a->workload_kind != b->workload_kind || !a->workload != !b->workload ||
	    (a->workload && strcmp(a->workload, b->workload))) {
		if (a->workload)
			fprintf(f, "- workload %s %s\n", vg_profile_scope_name(a->workload_kind),
				a->workload);
		if (b->workload)
			fprintf(f, "+ workload %s %s\n", vg_profile_scope_name(b->workload_kind),
				b->workload);
		count += !!a->workload + !!b->workload;
	}
	if (a->scope != b->scope || !a->scope_of != !b->scope_of ||
	    (a->scope_of && strcmp(a->scope_of, b->scope_of))) {
		fprintf(f, "~ scope %s%s%s -> %s%s%s\n", vg_profile_scope_name(a->scope),
			a->scope_of ? " " : "", a->scope_of ? a->scope_of : "",
			vg_profile_scope_name(b->scope), b->scope_of ? " " : "",
			b->scope_of ? b->scope_of : "");
		count++;
	}
	if (a->mode != b->mode) {
		fprintf(f, "~ mode %s -> %s\n", a->mode ? vg_profile_mode_name(a->mode) : "(none)",
			b->mode ? vg_profile_mode_name(b->mode) : "(none)");
		count++;
	}
	if (a->has_learned != b->has_learned ||
	    (a->has_learned && (strcmp(a->learned_time, b->learned_time) ||
				a->learned_seconds != b->learned_seconds))) {
		if (a->has_learned)
			fprintf(f, "- learned %s %llu\n", a->learned_time,
				(unsigned long long)a->learned_seconds);
		if (b->has_learned)
			fprintf(f, "+ learned %s %llu\n", b->learned_time,
				(unsigned long long)b->learned_seconds);
		count += a->has_learned + b->has_learned;
	}
	diff_u64(f, "processes", a->processes, b->processes, &count);
	diff_u64(f, "syscalls", a->syscalls, b->syscalls, &count);
	diff_u64(f, "window", a->window, b->window, &count);
	for (unsigned int nr = 0; nr < VG_SYSCALL_NR_MAX; nr++) {
		bool ha = a->syscall_count[nr] || a->syscall_name[nr];
		bool hb = b->syscall_count[nr] || b->syscall_name[nr];

		if (ha && !hb) {
			fprintf(f, "- syscall %u %s %llu\n", nr, vg_profile_syscall_name(a, nr),
				(unsigned long long)a->syscall_count[nr]);
			count++;
		} else if (hb && !ha) {
			fprintf(f, "+ syscall %u %s %llu\n", nr, vg_profile_syscall_name(b, nr),
				(unsigned long long)b->syscall_count[nr]);
			count++;
		} else if (ha && a->syscall_count[nr] != b->syscall_count[nr]) {
			fprintf(f, "~ syscall %u %s %llu -> %llu\n", nr,
				vg_profile_syscall_name(a, nr),
				(unsigned long long)a->syscall_count[nr],
				(unsigned long long)b->syscall_count[nr]);
			count++;
		}
	}
	diff_ngrams(f, a, b, &count, &err);
	diff_strmap(f, "exec", &a->exec, &b->exec, &count, &err);
	diff_strmap(f, "file read", &a->file[VG_PROFILE_FILE_READ], &b->file[VG_PROFILE_FILE_READ], &count, &err);
	diff_strmap(f, "file write", &a->file[VG_PROFILE_FILE_WRITE], &b->file[VG_PROFILE_FILE_WRITE], &count,
		    &err);
	diff_strmap(f, "connect", &a->connect, &b->connect, &count, &err);
	diff_strmap(f, "listen", &a->listen, &b->listen, &count, &err);
	diff_strmap(f, "cred", &a->cred, &b->cred, &count, &err);
	for (int k = 0; k < VG_RATE_MAX; k++) {
		char ra[32], rb[32];

		snprintf(ra, sizeof(ra), "%.6g", a->rate[k]);
		snprintf(rb, sizeof(rb), "%.6g", b->rate[k]);
		if (a->has_rate[k] && !b->has_rate[k]) {
			fprintf(f, "- rate %s %s\n", rate_names[k], ra);
			count++;
		} else if (b->has_rate[k] && !a->has_rate[k]) {
			fprintf(f, "+ rate %s %s\n", rate_names[k], rb);
			count++;
		} else if (a->has_rate[k] && strcmp(ra, rb)) {
			fprintf(f, "~ rate %s %s -> %s\n", rate_names[k], ra, rb);
			count++;
		}
	}
	if (err)
		return err;
	if (fflush(f) || ferror(f))
		return -EIO;
	return count;
}
