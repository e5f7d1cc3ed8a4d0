// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * model.c - scoring syscall sequences against a profile (model.h).
 *
 * The language model is interpolated Kneser-Ney (Chen & Goodman 1998,
 * "An empirical study of smoothing techniques for language modeling"),
 * computed bottom-up for each syscall w with history h:
 *
 *	P_0(w)     = 1 / VG_SYSCALL_NR_MAX
 *	P_n(w | h) = max(c(hw) - D_n, 0) / S(h) + D_n T(h) / S(h) * P_n-1(w | h')
 *
 * where h' is h without its oldest syscall, and for the highest order used
 * at that point c is the raw count, S(h) the sum of c(hx) over x and T(h)
 * the number of x with c(hx) > 0; for every lower order c is the
 * continuation count N1+(. hw) (how many distinct syscalls preceded hw),
 * with S and T over those.  When S(h) is 0 the order passes P_n-1 through.
 * D_n = n1 / (n1 + 2 n2) (Ney's estimate from how many n-grams of length n
 * occurred once and twice), separately for raw and continuation counts.
 * Everything comes from the profile's n-gram counts: a profile records
 * every length 1..window, which is what makes this possible.
 *
 * The table holds every n-gram of length 1..order with its raw count and
 * continuation count, plus, as a context, its S and T for both kinds; the
 * empty context has length 0.  It is keyed by the kernel's n-gram key.
 */
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "buf.h"
#include "model.h"

struct vg_model_gram {
	uint16_t nr[VG_NGRAM_MAX];
	uint8_t len;
	bool used;
	uint64_t key;
	uint64_t count;		/* c(g): raw count */
	uint64_t cont;		/* N1+(. g): distinct syscalls seen before g */
	uint64_t raw_sum;	/* as a context: sum of c(g x), number of x */
	uint64_t raw_types;
	uint64_t cont_sum;	/* sum of N1+(. g x), number of x with one */
	uint64_t cont_types;
};

/*
 * ln and exp without libm (vigil links without -lm): frexp and ldexp are in
 * libc.  ln: x = m 2^e with m in [1/sqrt2, sqrt2), ln m = 2 atanh((m-1)/(m+1))
 * by its series; exp: y = k ln2 + r with |r| <= ln2/2, e^r by Taylor.  Both
 * are within a few ulp, which is plenty for scores.
 */
#define LN2	0.69314718055994530942
#define SQRT1_2	0.70710678118654752440

static double vg_ln(double x)
{
	double m, s, s2, term, sum = 0;
	int e;

	if (isnan(x) || x < 0)
		return NAN;
	if (x == 0)
		return -INFINITY;
	if (isinf(x))
		return x;
	m = frexp(x, &e);
	if (m < SQRT1_2) {
		m *= 2;
		e--;
	}
	s = (m - 1) / (m + 1);
	s2 = s * s;
	term = s;
	for (int k = 1; k < 40; k += 2) {
		sum += term / k;
		term *= s2;
	}
	return 2 * sum + e * LN2;
}

static double vg_exp(double y)
{
	double r, term = 1, sum = 1;
	long k;

	if (isnan(y))
		return y;
	if (y > 709.0)
		return INFINITY;
	if (y < -745.0)
		return 0;
	k = (long)(y / LN2 + (y < 0 ? -0.5 : 0.5));
	r = y - (double)k * LN2;
	for (int i = 1; i < 22; i++) {
		term *= r / i;
		sum += term;
	}
	return ldexp(sum, (int)k);
}

/* x^p for x >= 0 */
static double vg_pow(double x, double p)
{
	if (x <= 0)
		return 0;
	if (p == 1)
		return x;
	return vg_exp(p * vg_ln(x));
}

static const char *const method_names[] = {
	[VG_MODEL_LM] = "lm",
	[VG_MODEL_STIDE] = "stide",
};

const char *vg_model_method_name(enum vg_model_method method)
{
	return (unsigned int)method < 2 ? method_names[method] : "?";
}

int vg_model_method_parse(const char *name, enum vg_model_method *out)
{
	for (unsigned int i = 0; i < 2; i++)
		if (!strcmp(name, method_names[i])) {
			*out = (enum vg_model_method)i;
			return 0;
		}
	return -EINVAL;
}

static struct vg_model_gram *gram_find(const struct vg_model *m, const uint16_t *nrs, size_t len,
				       uint64_t key)
{
	for (size_t i = key & (m->cap - 1); m->slots[i].used; i = (i + 1) & (m->cap - 1)) {
		struct vg_model_gram *g = &m->slots[i];

		if (g->key == key && g->len == len && !memcmp(g->nr, nrs, len * sizeof(*nrs)))
			return g;
	}
	return NULL;
}

/* The table never grows: vg_model_init sizes it for every gram it adds. */
static struct vg_model_gram *gram_get(struct vg_model *m, const uint16_t *nrs, size_t len)
{
	uint64_t key = vg_profile_ngram_key(nrs, len);
	struct vg_model_gram *g = gram_find(m, nrs, len, key);
	size_t i;

	if (g)
		return g;
	for (i = key & (m->cap - 1); m->slots[i].used; i = (i + 1) & (m->cap - 1))
		;
	g = &m->slots[i];
	memcpy(g->nr, nrs, len * sizeof(*nrs));
	g->len = (uint8_t)len;
	g->used = true;
	g->key = key;
	m->n++;
	return g;
}

static uint64_t sat_add(uint64_t a, uint64_t b)
{
	return a + b < a ? UINT64_MAX : a + b;
}

/* Ney's discount from the counts of counts; 0.75 when they say nothing. */
static double ney_discount(uint64_t n1, uint64_t n2)
{
	double d;

	if (!n1 || !n2)
		return 0.75;
	d = (double)n1 / ((double)n1 + 2.0 * (double)n2);
	return d < 0.05 ? 0.05 : d > 0.95 ? 0.95 : d;
}

int vg_model_init(struct vg_model *m, const struct vg_profile *p, const struct vg_model_opts *o)
{
	struct vg_model_opts def = { 0 };
	uint64_t n1r[VG_NGRAM_MAX + 1] = { 0 }, n2r[VG_NGRAM_MAX + 1] = { 0 };
	uint64_t n1c[VG_NGRAM_MAX + 1] = { 0 }, n2c[VG_NGRAM_MAX + 1] = { 0 };
	struct vg_model_gram **base;
	size_t nbase = 0, cap = 16;

	memset(m, 0, sizeof(*m));
	if (!o)
		o = &def;
	if ((unsigned int)o->method > VG_MODEL_STIDE || o->order > p->window ||
	    (o->power != 0 && !(o->power >= 1 && isfinite(o->power))))
		return -EINVAL;
	m->method = o->method;
	m->order = o->order ? o->order : p->window;
	m->power = o->power ? o->power : VG_MODEL_POWER;
	/* every gram, its suffix (continuation), its prefix (context) and its
	 * suffix's prefix (the continuation's context): at most 4 per profile
	 * n-gram, plus the empty context; at most half full */
	while (cap < 2 * (4 * p->ngrams.n + 1))
		cap *= 2;
	m->slots = calloc(cap, sizeof(*m->slots));
	base = calloc(p->ngrams.n + 1, sizeof(*base));
	if (!m->slots || !base) {
		free(base);
		vg_model_release(m);
		return -ENOMEM;
	}
	m->cap = cap;
	gram_get(m, (uint16_t[1]){ 0 }, 0);	/* the empty context */
	for (size_t i = 0; i < p->ngrams.cap; i++) {
		const struct vg_profile_ngram *pg = &p->ngrams.slots[i];
		struct vg_model_gram *g;

		if (!pg->len || pg->len > m->order || !pg->count)
			continue;
		g = gram_get(m, pg->nr, pg->len);
		g->count = pg->count;
		base[nbase++] = g;
		m->n_by_len[g->len]++;
	}
	/* continuation counts: each distinct x g adds one to g */
	for (size_t i = 0; i < nbase; i++)
		if (base[i]->len >= 2)
			gram_get(m, base[i]->nr + 1, base[i]->len - 1u)->cont++;
	/* context sums, raw */
	for (size_t i = 0; i < nbase; i++) {
		struct vg_model_gram *g = base[i], *h = gram_get(m, g->nr, g->len - 1u);

		h->raw_sum = sat_add(h->raw_sum, g->count);
		h->raw_types++;
		if (g->count == 1)
			n1r[g->len]++;
		else if (g->count == 2)
			n2r[g->len]++;
	}
	/* context sums, continuation.  Inserting while walking the table is
	 * safe: it never grows, so no entry moves, and what is inserted has no
	 * continuation count to visit. */
	for (size_t i = 0; i < m->cap; i++) {
		struct vg_model_gram *g = &m->slots[i], *h;

		if (!g->used || !g->len || !g->cont)
			continue;
		h = gram_get(m, g->nr, g->len - 1u);
		h->cont_sum += g->cont;
		h->cont_types++;
		if (g->cont == 1)
			n1c[g->len]++;
		else if (g->cont == 2)
			n2c[g->len]++;
	}
	free(base);
	for (unsigned int n = 1; n <= VG_NGRAM_MAX; n++) {
		m->d_raw[n] = ney_discount(n1r[n], n2r[n]);
		m->d_cont[n] = ney_discount(n1c[n], n2c[n]);
	}
	return 0;
}

void vg_model_release(struct vg_model *m)
{
	free(m->slots);
	memset(m, 0, sizeof(*m));
}

bool vg_model_known(const struct vg_model *m, const uint16_t *nrs, size_t len)
{
	const struct vg_model_gram *g;

	if (!len || len > m->order || !m->slots)
		return false;
	g = gram_find(m, nrs, len, vg_profile_ngram_key(nrs, len));
	return g && g->count;
}

/* P(last | the ones before), len >= 1, at most order numbers used. */
static double lm_prob(const struct vg_model *m, const uint16_t *hist, size_t len)
{
	const uint16_t *w = hist + len - 1;
	size_t top = len < m->order ? len : m->order;
	double p = 1.0 / VG_SYSCALL_NR_MAX;

	for (size_t n = 1; n <= top; n++) {
		const uint16_t *h = w - (n - 1);
		const struct vg_model_gram *ctx, *g;
		uint64_t c, sum, types;
		double d;

		ctx = gram_find(m, h, n - 1, vg_profile_ngram_key(h, n - 1));
		if (!ctx)
			break;		/* no longer context was seen either */
		g = gram_find(m, h, n, vg_profile_ngram_key(h, n));
		if (n == top) {
			c = g ? g->count : 0;
			sum = ctx->raw_sum;
			types = ctx->raw_types;
			d = m->d_raw[n];
		} else {
			c = g ? g->cont : 0;
			sum = ctx->cont_sum;
			types = ctx->cont_types;
			d = m->d_cont[n];
		}
		if (!sum)
			continue;
		p = ((double)c > d ? (double)c - d : 0.0) / (double)sum +
		    d * (double)types / (double)sum * p;
	}
	return p;
}

double vg_model_prob(const struct vg_model *m, const uint16_t *hist, size_t len)
{
	if (!len)
		return NAN;
	if (len > m->order) {
		hist += len - m->order;
		len = m->order;
	}
	if (m->method == VG_MODEL_STIDE)
		return len < m->order ? NAN : vg_model_known(m, hist, len) ? 1.0 : 0.0;
	return lm_prob(m, hist, len);
}

double vg_model_event(const struct vg_model *m, const uint16_t *hist, size_t len)
{
	if (!len)
		return NAN;
	if (len > m->order) {
		hist += len - m->order;
		len = m->order;
	}
	if (m->method == VG_MODEL_STIDE)
		return len < m->order ? NAN : vg_model_known(m, hist, len) ? 0.0 : 1.0;
	return -vg_ln(lm_prob(m, hist, len));
}

static int key_cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

int vg_model_keys(const struct vg_model *m, unsigned int len, uint64_t **keys, size_t *n)
{
	uint64_t *v;
	size_t k = 0;

	*keys = NULL;
	*n = 0;
	if (len < 1 || len > m->order)
		return -EINVAL;
	if (!m->n_by_len[len])
		return 0;
	v = malloc(m->n_by_len[len] * sizeof(*v));
	if (!v)
		return -ENOMEM;
	for (size_t i = 0; i < m->cap; i++)
		if (m->slots[i].used && m->slots[i].len == len && m->slots[i].count)
			v[k++] = m->slots[i].key;
	qsort(v, k, sizeof(*v), key_cmp);
	*keys = v;
	*n = k;
	return 0;
}

/* --- streams ------------------------------------------------------------------- */

int vg_model_stream_init(struct vg_model_stream *s, size_t span)
{
	memset(s, 0, sizeof(*s));
	s->span = span;
	if (span) {
		s->ring = calloc(span, sizeof(*s->ring));
		if (!s->ring)
			return -ENOMEM;
	}
	return 0;
}

void vg_model_stream_release(struct vg_model_stream *s)
{
	free(s->ring);
	memset(s, 0, sizeof(*s));
}

void vg_model_stream_reset(struct vg_model_stream *s)
{
	double *ring = s->ring;
	size_t span = s->span;

	memset(s, 0, sizeof(*s));
	s->ring = ring;
	s->span = span;
}

double vg_model_stream_push(const struct vg_model *m, struct vg_model_stream *s, uint16_t nr)
{
	double a, term;

	if (s->hist_len == VG_NGRAM_MAX) {
		memmove(s->hist, s->hist + 1, (VG_NGRAM_MAX - 1) * sizeof(s->hist[0]));
		s->hist_len--;
	}
	s->hist[s->hist_len++] = nr;
	s->pushed++;
	a = vg_model_event(m, s->hist, s->hist_len);
	if (isnan(a))
		return a;
	term = m->method == VG_MODEL_LM ? vg_pow(a, m->power) : a;
	if (!s->span) {
		s->sum += term;
		s->scored++;
		return a;
	}
	/* sliding: replace the oldest term; re-add the ring now and then so
	 * that rounding in the running sum cannot pile up */
	if (s->scored == s->span)
		s->sum -= s->ring[s->ring_pos];
	else
		s->scored++;
	s->ring[s->ring_pos] = term;
	s->ring_pos = (s->ring_pos + 1) % s->span;
	s->sum += term;
	if (++s->since_resum >= s->span) {
		s->sum = 0;
		for (size_t i = 0; i < s->scored; i++)
			s->sum += s->ring[i];
		s->since_resum = 0;
	}
	return a;
}

double vg_model_stream_score(const struct vg_model *m, const struct vg_model_stream *s)
{
	double mean;

	if (!s->scored)
		return 0.0;
	mean = s->sum / (double)s->scored;
	if (mean <= 0)
		return 0.0;
	return m->method == VG_MODEL_LM ? vg_pow(mean, 1.0 / m->power) : mean;
}

double vg_model_score_trace(const struct vg_model *m, const uint16_t *nrs, size_t n)
{
	struct vg_model_stream s;

	vg_model_stream_init(&s, 0);	/* span 0: allocates nothing */
	for (size_t i = 0; i < n; i++)
		vg_model_stream_push(m, &s, nrs[i]);
	return vg_model_stream_score(m, &s);
}

/* --- trace files --------------------------------------------------------------- */

int vg_trace_load(const char *path, uint16_t **nrs, size_t *n, char *err, size_t errlen)
{
	uint16_t *v = NULL;
	size_t len = 0, cap = 0, tok = 0;
	char word[32];
	size_t wl = 0;
	bool over = false;
	FILE *f;
	int c, ret = 0;

	*nrs = NULL;
	*n = 0;
	f = fopen(path, "r");
	if (!f) {
		ret = -errno;
		snprintf(err, errlen, "cannot open '%s': %s", path, strerror(-ret));
		return ret;
	}
	for (;;) {
		c = getc(f);
		if (c != EOF && c != ' ' && c != '\n' && c != '\t' && c != '\r' && c != '\v' &&
		    c != '\f') {
			if (wl + 1 < sizeof(word))
				word[wl++] = (char)c;
			else
				over = true;
			continue;
		}
		if (wl) {
			unsigned long x = 0;
			bool ok = !over;

			word[wl] = '\0';
			tok++;
			for (size_t i = 0; ok && i < wl; i++) {
				if (word[i] < '0' || word[i] > '9')
					ok = false;
				else
					x = x * 10 + (unsigned long)(word[i] - '0');
				if (x >= VG_SYSCALL_NR_MAX)
					ok = false;
			}
			if (!ok) {
				snprintf(err, errlen,
					 "'%s': token %zu '%s%s' is not a syscall number (0-%d)",
					 path, tok, word, over ? "..." : "", VG_SYSCALL_NR_MAX - 1);
				ret = -EINVAL;
				break;
			}
			if (len == cap) {
				size_t ncap = cap ? cap * 2 : 1024;
				uint16_t *nv = realloc(v, ncap * sizeof(*v));

				if (!nv) {
					snprintf(err, errlen, "'%s': out of memory", path);
					ret = -ENOMEM;
					break;
				}
				v = nv;
				cap = ncap;
			}
			v[len++] = (uint16_t)x;
			wl = 0;
		}
		if (c == EOF)
			break;
	}
	if (!ret && ferror(f)) {
		ret = -EIO;
		snprintf(err, errlen, "cannot read '%s': %s", path, strerror(EIO));
	}
	fclose(f);
	if (ret) {
		free(v);
		return ret;
	}
	*nrs = v;
	*n = len;
	return 0;
}

struct path_list {
	char **v;
	size_t n, cap;
};

static int list_add(struct path_list *l, char *path)
{
	if (l->n == l->cap) {
		size_t ncap = l->cap ? l->cap * 2 : 256;
		char **nv = realloc(l->v, ncap * sizeof(*nv));

		if (!nv)
			return -ENOMEM;
		l->v = nv;
		l->cap = ncap;
	}
	l->v[l->n++] = path;
	return 0;
}

static int list_dir(struct path_list *l, const char *dir, int depth, char *err, size_t errlen)
{
	struct dirent *de;
	DIR *d;
	int ret = 0;

	if (depth > 32) {
		snprintf(err, errlen, "'%s': directories nested too deep", dir);
		return -ELOOP;
	}
	d = opendir(dir);
	if (!d) {
		ret = -errno;
		snprintf(err, errlen, "cannot open directory '%s': %s", dir, strerror(-ret));
		return ret;
	}
	while (!ret && (errno = 0, de = readdir(d))) {
		struct stat st;
		char *path;

		if (de->d_name[0] == '.')
			continue;
		if (asprintf(&path, "%s%s%s", dir, dir[strlen(dir) - 1] == '/' ? "" : "/",
			     de->d_name) < 0) {
			ret = -ENOMEM;
			break;
		}
		if (stat(path, &st)) {
			ret = -errno;
			snprintf(err, errlen, "cannot stat '%s': %s", path, strerror(-ret));
			free(path);
			break;
		}
		if (S_ISDIR(st.st_mode)) {
			ret = list_dir(l, path, depth + 1, err, errlen);
			free(path);
		} else if (S_ISREG(st.st_mode)) {
			if ((ret = list_add(l, path)))
				free(path);
		} else {
			free(path);
		}
	}
	if (!ret && errno) {
		ret = -errno;
		snprintf(err, errlen, "cannot read directory '%s': %s", dir, strerror(-ret));
	}
	if (ret == -ENOMEM)
		snprintf(err, errlen, "out of memory listing '%s'", dir);
	closedir(d);
	return ret;
}

static int path_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int vg_trace_list(const char *dir, char ***paths, size_t *n, char *err, size_t errlen)
{
	struct path_list l = { 0 };
	int ret;

	*paths = NULL;
	*n = 0;
	ret = list_dir(&l, dir, 0, err, errlen);
	if (ret) {
		vg_trace_list_free(l.v, l.n);
		return ret;
	}
	qsort(l.v, l.n, sizeof(*l.v), path_cmp);
	*paths = l.v;
	*n = l.n;
	return 0;
}

void vg_trace_list_free(char **paths, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(paths[i]);
	free(paths);
}
