// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * metrics.c - the metrics registry and the text exposition format.  See
 * metrics.h for the API and docs/metrics.md for what vigil exports.
 *
 * Each metric keeps its series in an array, in creation order (so a
 * rendering is stable from scrape to scrape), with an open-addressing index
 * over the label values.  The registry lock is recursive so that a collector
 * (called with it held) can use the same update functions as any other
 * thread.
 */
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "metrics.h"

/* Distinct folded label sets remembered per metric (as 64-bit hashes): past
 * this every fold is counted, so the dropped counter may count a label set
 * more than once. */
#define DROPPED_MEMORY	65536

struct series {
	char **values;		/* one per label name */
	double value;		/* counter, gauge */
	uint64_t *buckets;	/* histogram: n_bounds + 1, per bucket (not cumulative) */
	double sum;		/* histogram */
};

struct vg_metric {
	struct vg_metrics *reg;
	struct vg_metric *next;
	enum vg_metric_type type;
	char *name, *help;
	char *labels[VG_METRICS_MAX_LABELS];
	size_t n_labels;
	double *bounds;
	size_t n_bounds;
	struct series *series;
	size_t n_series, cap_series;
	size_t other;		/* index of the overflow series + 1; 0: none yet */
	size_t max_series;
	uint32_t *index;	/* series index + 1; 0: empty slot */
	size_t index_cap;	/* power of two, > 2 * n_series */
	uint64_t *dropped;	/* hashes of folded label sets; 0: empty slot */
	size_t n_dropped, dropped_cap;
};

struct collector {
	vg_metrics_collect_fn fn;
	void *ctx;
};

struct vg_metrics {
	pthread_mutex_t lock;
	/* fresh collections on demand: requests, and the last one served */
	pthread_mutex_t fresh_mu;
	pthread_cond_t fresh_cv;
	uint64_t want_seq, done_seq;	/* atomics; written under fresh_mu */
	uint64_t done_ns;		/* CLOCK_MONOTONIC of the last collection */
	struct vg_metric *first, *last;
	struct collector *collectors;
	size_t n_collectors;
	struct vg_metric *series_dropped;
};

/* ---- names ---------------------------------------------------------------- */

static bool name_ok(const char *s, bool colon)
{
	if (!s || !*s)
		return false;
	for (const char *p = s; *p; p++) {
		bool alpha = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || *p == '_' ||
			     (colon && *p == ':');

		if (!alpha && !(p > s && *p >= '0' && *p <= '9'))
			return false;
	}
	return true;
}

static bool has_suffix(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && !strcmp(s + n - m, suffix);
}

/* Split "a,b,c" into m->labels; false on a bad or duplicate name. */
static bool parse_labels(struct vg_metric *m, const char *labels)
{
	const char *p = labels;

	if (!p || !*p)
		return true;
	for (;;) {
		size_t len = strcspn(p, ",");
		char *name;

		if (m->n_labels == VG_METRICS_MAX_LABELS)
			return false;
		name = strndup(p, len);
		if (!name)
			return false;
		m->labels[m->n_labels++] = name;
		if (!name_ok(name, false) || !strncmp(name, "__", 2) ||
		    (m->type == VG_METRIC_HISTOGRAM && !strcmp(name, "le")))
			return false;
		for (size_t i = 0; i + 1 < m->n_labels; i++)
			if (!strcmp(m->labels[i], name))
				return false;
		if (!p[len])
			return true;
		p += len + 1;
	}
}

/* ---- registry ----------------------------------------------------------- */

static void lock(struct vg_metrics *reg)
{
	pthread_mutex_lock(&reg->lock);
}

static void unlock(struct vg_metrics *reg)
{
	pthread_mutex_unlock(&reg->lock);
}

static void series_release(struct vg_metric *m, struct series *s)
{
	if (s->values)
		for (size_t i = 0; i < m->n_labels; i++)
			free(s->values[i]);
	free(s->values);
	free(s->buckets);
}

static void metric_free(struct vg_metric *m)
{
	if (!m)
		return;
	for (size_t i = 0; i < m->n_series; i++)
		series_release(m, &m->series[i]);
	free(m->series);
	free(m->index);
	free(m->dropped);
	for (size_t i = 0; i < m->n_labels; i++)
		free(m->labels[i]);
	free(m->bounds);
	free(m->name);
	free(m->help);
	free(m);
}

struct vg_metrics *vg_metrics_new(void)
{
	struct vg_metrics *reg = calloc(1, sizeof(*reg));
	pthread_mutexattr_t attr;
	pthread_condattr_t cattr;

	if (!reg)
		return NULL;
	pthread_mutexattr_init(&attr);
	pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_RECURSIVE);
	pthread_mutex_init(&reg->lock, &attr);
	pthread_mutexattr_destroy(&attr);
	pthread_mutex_init(&reg->fresh_mu, NULL);
	pthread_condattr_init(&cattr);
	pthread_condattr_setclock(&cattr, CLOCK_MONOTONIC);
	pthread_cond_init(&reg->fresh_cv, &cattr);
	pthread_condattr_destroy(&cattr);
	reg->series_dropped = vg_metrics_counter(reg, "vigil_metrics_series_dropped_total",
						 "Label sets folded into the \"other\" series of a "
						 "metric because it had reached its series limit.",
						 "metric");
	if (!reg->series_dropped) {
		vg_metrics_free(reg);
		return NULL;
	}
	return reg;
}

void vg_metrics_free(struct vg_metrics *reg)
{
	struct vg_metric *m, *next;

	if (!reg)
		return;
	for (m = reg->first; m; m = next) {
		next = m->next;
		metric_free(m);
	}
	free(reg->collectors);
	pthread_mutex_destroy(&reg->lock);
	pthread_mutex_destroy(&reg->fresh_mu);
	pthread_cond_destroy(&reg->fresh_cv);
	free(reg);
}

static struct vg_metric *metric_new(struct vg_metrics *reg, enum vg_metric_type type,
				    const char *name, const char *help, const char *labels,
				    const double *bounds, size_t n_bounds)
{
	struct vg_metric *m, *o;

	if (!reg || !name_ok(name, true) || !help || strchr(help, '\n') ||
	    (type == VG_METRIC_COUNTER) != has_suffix(name, "_total") ||
	    (type != VG_METRIC_HISTOGRAM && (has_suffix(name, "_bucket") ||
					     has_suffix(name, "_count") ||
					     has_suffix(name, "_sum")))) {
		errno = EINVAL;
		return NULL;
	}
	if (type == VG_METRIC_HISTOGRAM) {
		if (!bounds || !n_bounds || n_bounds > VG_METRICS_MAX_BUCKETS) {
			errno = EINVAL;
			return NULL;
		}
		for (size_t i = 0; i < n_bounds; i++)
			if (!isfinite(bounds[i]) || (i && bounds[i] <= bounds[i - 1])) {
				errno = EINVAL;
				return NULL;
			}
	}
	m = calloc(1, sizeof(*m));
	if (!m)
		return NULL;
	m->reg = reg;
	m->type = type;
	m->max_series = VG_METRICS_MAX_SERIES;
	m->name = strdup(name);
	m->help = strdup(help);
	if (!m->name || !m->help) {
		metric_free(m);
		errno = ENOMEM;
		return NULL;
	}
	if (!parse_labels(m, labels)) {
		metric_free(m);
		errno = EINVAL;
		return NULL;
	}
	if (type == VG_METRIC_HISTOGRAM) {
		m->bounds = malloc(n_bounds * sizeof(*m->bounds));
		if (!m->bounds) {
			metric_free(m);
			errno = ENOMEM;
			return NULL;
		}
		memcpy(m->bounds, bounds, n_bounds * sizeof(*m->bounds));
		m->n_bounds = n_bounds;
	}
	lock(reg);
	for (o = reg->first; o; o = o->next) {
		/* a histogram's name_bucket/_sum/_count must not clash either */
		size_t n = strlen(o->name);
		bool clash = !strcmp(o->name, name);

		if (o->type == VG_METRIC_HISTOGRAM && !strncmp(name, o->name, n))
			clash = clash || !strcmp(name + n, "_bucket") ||
				!strcmp(name + n, "_sum") || !strcmp(name + n, "_count");
		n = strlen(name);
		if (type == VG_METRIC_HISTOGRAM && !strncmp(o->name, name, n))
			clash = clash || !strcmp(o->name + n, "_bucket") ||
				!strcmp(o->name + n, "_sum") || !strcmp(o->name + n, "_count");
		if (clash)
			break;
	}
	if (o) {
		unlock(reg);
		metric_free(m);
		errno = EINVAL;
		return NULL;
	}
	if (reg->last)
		reg->last->next = m;
	else
		reg->first = m;
	reg->last = m;
	unlock(reg);
	return m;
}

struct vg_metric *vg_metrics_counter(struct vg_metrics *reg, const char *name, const char *help,
				     const char *labels)
{
	return metric_new(reg, VG_METRIC_COUNTER, name, help, labels, NULL, 0);
}

struct vg_metric *vg_metrics_gauge(struct vg_metrics *reg, const char *name, const char *help,
				   const char *labels)
{
	return metric_new(reg, VG_METRIC_GAUGE, name, help, labels, NULL, 0);
}

struct vg_metric *vg_metrics_histogram(struct vg_metrics *reg, const char *name, const char *help,
				       const char *labels, const double *bounds, size_t n_bounds)
{
	return metric_new(reg, VG_METRIC_HISTOGRAM, name, help, labels, bounds, n_bounds);
}

void vg_metrics_set_max_series(struct vg_metric *m, size_t max_series)
{
	if (!m)
		return;
	lock(m->reg);
	m->max_series = max_series;
	unlock(m->reg);
}

int vg_metrics_add_collector(struct vg_metrics *reg, vg_metrics_collect_fn fn, void *ctx)
{
	struct collector *c;

	lock(reg);
	c = realloc(reg->collectors, (reg->n_collectors + 1) * sizeof(*c));
	if (!c) {
		unlock(reg);
		return -ENOMEM;
	}
	reg->collectors = c;
	c[reg->n_collectors++] = (struct collector){ fn, ctx };
	unlock(reg);
	return 0;
}

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

void vg_metrics_collect(struct vg_metrics *reg)
{
	/* requests made before this point are answered by this collection */
	uint64_t seq = __atomic_load_n(&reg->want_seq, __ATOMIC_ACQUIRE);

	lock(reg);
	for (size_t i = 0; i < reg->n_collectors; i++)
		reg->collectors[i].fn(reg, reg->collectors[i].ctx);
	unlock(reg);
	pthread_mutex_lock(&reg->fresh_mu);
	if (seq > reg->done_seq)
		__atomic_store_n(&reg->done_seq, seq, __ATOMIC_RELEASE);
	reg->done_ns = mono_ns();
	pthread_cond_broadcast(&reg->fresh_cv);
	pthread_mutex_unlock(&reg->fresh_mu);
}

bool vg_metrics_wanted(struct vg_metrics *reg)
{
	return __atomic_load_n(&reg->want_seq, __ATOMIC_ACQUIRE) !=
	       __atomic_load_n(&reg->done_seq, __ATOMIC_ACQUIRE);
}

int vg_metrics_wait_fresh(struct vg_metrics *reg, unsigned int max_age_ms, unsigned int timeout_ms)
{
	uint64_t now = mono_ns(), deadline = now + timeout_ms * 1000000ULL, my;
	struct timespec ts = { .tv_sec = (time_t)(deadline / 1000000000ULL),
			       .tv_nsec = (long)(deadline % 1000000000ULL) };
	int err = 0;

	pthread_mutex_lock(&reg->fresh_mu);
	if (reg->done_ns && now - reg->done_ns <= max_age_ms * 1000000ULL) {
		pthread_mutex_unlock(&reg->fresh_mu);
		return 0;
	}
	my = __atomic_add_fetch(&reg->want_seq, 1, __ATOMIC_ACQ_REL);
	while (__atomic_load_n(&reg->done_seq, __ATOMIC_ACQUIRE) < my && !err)
		err = pthread_cond_timedwait(&reg->fresh_cv, &reg->fresh_mu, &ts);
	pthread_mutex_unlock(&reg->fresh_mu);
	return __atomic_load_n(&reg->done_seq, __ATOMIC_ACQUIRE) >= my ? 0 : -ETIMEDOUT;
}

/* ---- series ------------------------------------------------------------- */

static const char *value_at(const char *const *values, size_t i)
{
	return values && values[i] ? values[i] : "";
}

/* FNV-1a over the label values, each ended by a NUL. */
static uint64_t values_hash(const struct vg_metric *m, const char *const *values)
{
	uint64_t h = 1469598103934665603ULL;

	for (size_t i = 0; i < m->n_labels; i++) {
		const unsigned char *p = (const unsigned char *)value_at(values, i);

		do
			h = (h ^ *p) * 1099511628211ULL;
		while (*p++);
	}
	return h;
}

static bool values_equal(const struct vg_metric *m, const struct series *s,
			 const char *const *values)
{
	for (size_t i = 0; i < m->n_labels; i++)
		if (strcmp(s->values[i], value_at(values, i)))
			return false;
	return true;
}

/* The index slot holding the series with these values, or the empty slot
 * where it would go. */
static size_t index_slot(const struct vg_metric *m, const char *const *values, uint64_t h)
{
	size_t mask = m->index_cap - 1, i = (size_t)h & mask;

	while (m->index[i] && !values_equal(m, &m->series[m->index[i] - 1], values))
		i = (i + 1) & mask;
	return i;
}

static bool index_grow(struct vg_metric *m)
{
	size_t cap = m->index_cap ? 2 * m->index_cap : 16;
	uint32_t *idx = calloc(cap, sizeof(*idx));

	if (!idx)
		return false;
	free(m->index);
	m->index = idx;
	m->index_cap = cap;
	for (size_t s = 0; s < m->n_series; s++) {
		const char *const *v = (const char *const *)m->series[s].values;

		m->index[index_slot(m, v, values_hash(m, v))] = (uint32_t)(s + 1);
	}
	return true;
}

/* Remember a folded label set; true if it was not folded before. */
static bool dropped_add(struct vg_metric *m, uint64_t h)
{
	size_t mask, i;

	h |= 1;		/* 0 marks an empty slot */
	if (m->n_dropped * 2 >= m->dropped_cap) {
		size_t cap = m->dropped_cap ? 2 * m->dropped_cap : 64;
		uint64_t *d;

		if (m->n_dropped >= DROPPED_MEMORY || !(d = calloc(cap, sizeof(*d))))
			return true;
		for (size_t j = 0; j < m->dropped_cap; j++) {
			if (!m->dropped[j])
				continue;
			for (i = m->dropped[j] & (cap - 1); d[i]; i = (i + 1) & (cap - 1))
				;
			d[i] = m->dropped[j];
		}
		free(m->dropped);
		m->dropped = d;
		m->dropped_cap = cap;
	}
	mask = m->dropped_cap - 1;
	for (i = h & mask; m->dropped[i]; i = (i + 1) & mask)
		if (m->dropped[i] == h)
			return false;
	m->dropped[i] = h;
	m->n_dropped++;
	return true;
}

static struct series *series_new(struct vg_metric *m, const char *const *values)
{
	struct series *s;

	if (m->n_series == m->cap_series) {
		size_t cap = m->cap_series ? 2 * m->cap_series : 8;
		struct series *ns = realloc(m->series, cap * sizeof(*ns));

		if (!ns)
			return NULL;
		m->series = ns;
		m->cap_series = cap;
	}
	if ((m->n_series + 1) * 2 > m->index_cap && !index_grow(m))
		return NULL;
	s = &m->series[m->n_series];
	memset(s, 0, sizeof(*s));
	s->values = calloc(m->n_labels ? m->n_labels : 1, sizeof(*s->values));
	if (!s->values)
		return NULL;
	for (size_t i = 0; i < m->n_labels; i++) {
		s->values[i] = strdup(value_at(values, i));
		if (!s->values[i]) {
			series_release(m, s);
			return NULL;
		}
	}
	if (m->type == VG_METRIC_HISTOGRAM) {
		s->buckets = calloc(m->n_bounds + 1, sizeof(*s->buckets));
		if (!s->buckets) {
			series_release(m, s);
			return NULL;
		}
	}
	m->n_series++;
	return s;
}

/*
 * The series for these label values, created if needed; past the limit the
 * overflow series (*folded set).  NULL when out of memory.  Lock held.
 */
static struct series *series_get(struct vg_metric *m, const char *const *values, bool *folded)
{
	const char *other[VG_METRICS_MAX_LABELS];
	uint64_t h = values_hash(m, values);
	struct series *s;
	size_t slot;

	*folded = false;
	if (m->index_cap) {
		slot = index_slot(m, values, h);
		if (m->index[slot])
			return &m->series[m->index[slot] - 1];
	}
	if (m->n_series - (m->other ? 1 : 0) < m->max_series) {
		s = series_new(m, values);
		if (s)
			m->index[index_slot(m, values, h)] = (uint32_t)m->n_series;
		return s;
	}
	/* over the limit: fold into "other" */
	*folded = true;
	if (m != m->reg->series_dropped && dropped_add(m, h)) {
		const char *v[] = { m->name };

		vg_metrics_add(m->reg->series_dropped, v, 1);
	}
	if (m->other)
		return &m->series[m->other - 1];
	for (size_t i = 0; i < m->n_labels; i++)
		other[i] = VG_METRICS_OTHER;
	h = values_hash(m, other);
	slot = index_slot(m, other, h);
	if (m->index[slot]) {	/* a real label set that is all "other" */
		m->other = m->index[slot];
		return &m->series[m->other - 1];
	}
	s = series_new(m, other);
	if (!s)
		return NULL;
	m->index[index_slot(m, other, h)] = (uint32_t)m->n_series;
	m->other = m->n_series;
	return s;
}

void vg_metrics_set(struct vg_metric *m, const char *const *values, double v)
{
	struct series *s;
	bool folded;

	if (!m || m->type == VG_METRIC_HISTOGRAM)
		return;
	lock(m->reg);
	s = series_get(m, values, &folded);
	if (s) {
		/* the overflow series sums everything folded into it */
		if (folded)
			s->value += v;
		else
			s->value = v;
	}
	unlock(m->reg);
}

void vg_metrics_add(struct vg_metric *m, const char *const *values, double delta)
{
	struct series *s;
	bool folded;

	if (!m || m->type == VG_METRIC_HISTOGRAM || (m->type == VG_METRIC_COUNTER && !(delta >= 0)))
		return;
	lock(m->reg);
	s = series_get(m, values, &folded);
	if (s)
		s->value += delta;
	unlock(m->reg);
}

void vg_metrics_histogram_set_buckets(struct vg_metric *h, const char *const *values,
				      const uint64_t *counts, size_t n, double sum)
{
	struct series *s;
	bool folded;

	if (!h || h->type != VG_METRIC_HISTOGRAM)
		return;
	lock(h->reg);
	s = series_get(h, values, &folded);
	if (s) {
		if (!folded) {
			memset(s->buckets, 0, (h->n_bounds + 1) * sizeof(*s->buckets));
			s->sum = 0;
		}
		for (size_t i = 0; i < n; i++)
			s->buckets[i < h->n_bounds ? i : h->n_bounds] += counts[i];
		s->sum += sum;
	}
	unlock(h->reg);
}

void vg_metrics_histogram_observe(struct vg_metric *h, const char *const *values, double v)
{
	struct series *s;
	bool folded;
	size_t i = 0;

	if (!h || h->type != VG_METRIC_HISTOGRAM || isnan(v))
		return;
	lock(h->reg);
	s = series_get(h, values, &folded);
	if (s) {
		while (i < h->n_bounds && v > h->bounds[i])
			i++;
		s->buckets[i]++;
		s->sum += v;
	}
	unlock(h->reg);
}

void vg_metrics_log2_bounds(double *bounds, size_t n, double unit)
{
	for (size_t i = 0; i < n; i++)
		bounds[i] = ldexp(unit, (int)i + 1);
}

void vg_metrics_clear(struct vg_metric *m)
{
	if (!m)
		return;
	lock(m->reg);
	for (size_t i = 0; i < m->n_series; i++)
		series_release(m, &m->series[i]);
	m->n_series = 0;
	m->other = 0;
	if (m->index)
		memset(m->index, 0, m->index_cap * sizeof(*m->index));
	unlock(m->reg);
}

/* ---- the text format ------------------------------------------------------ */

/* Go's ParseFloat reads all of these; the shortest form that reads back. */
static void add_double(struct vg_buf *out, double v)
{
	char s[32];

	if (isnan(v)) {
		vg_buf_adds(out, "NaN");
		return;
	}
	if (isinf(v)) {
		vg_buf_adds(out, v > 0 ? "+Inf" : "-Inf");
		return;
	}
	if (v == floor(v) && fabs(v) < 1e15) {
		vg_buf_addf(out, "%.0f", v);
		return;
	}
	for (int prec = 15; prec <= 17; prec++) {
		snprintf(s, sizeof(s), "%.*g", prec, v);
		if (strtod(s, NULL) == v)
			break;
	}
	vg_buf_adds(out, s);
}

void vg_metrics_escape_label(struct vg_buf *out, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '\\':
			vg_buf_adds(out, "\\\\");
			break;
		case '"':
			vg_buf_adds(out, "\\\"");
			break;
		case '\n':
			vg_buf_adds(out, "\\n");
			break;
		default:
			vg_buf_addc(out, *s);
		}
	}
}

/* HELP text: backslash and newline only (the format's rule). */
static void escape_help(struct vg_buf *out, const char *s)
{
	for (; *s; s++) {
		if (*s == '\\')
			vg_buf_adds(out, "\\\\");
		else if (*s == '\n')
			vg_buf_adds(out, "\\n");
		else
			vg_buf_addc(out, *s);
	}
}

/* {a="x",b="y"[,le="..."]}, or nothing without labels */
static void add_labels(struct vg_buf *out, const struct vg_metric *m, const struct series *s,
		       const double *le)
{
	if (!m->n_labels && !le)
		return;
	vg_buf_addc(out, '{');
	for (size_t i = 0; i < m->n_labels; i++) {
		vg_buf_addf(out, "%s%s=\"", i ? "," : "", m->labels[i]);
		vg_metrics_escape_label(out, s->values[i]);
		vg_buf_addc(out, '"');
	}
	if (le) {
		vg_buf_addf(out, "%sle=\"", m->n_labels ? "," : "");
		add_double(out, *le);
		vg_buf_addc(out, '"');
	}
	vg_buf_addc(out, '}');
}

static void render_histogram(struct vg_buf *out, const struct vg_metric *m, const struct series *s)
{
	double inf = INFINITY;
	uint64_t cum = 0;

	for (size_t b = 0; b <= m->n_bounds; b++) {
		cum += s->buckets[b];
		vg_buf_addf(out, "%s_bucket", m->name);
		add_labels(out, m, s, b < m->n_bounds ? &m->bounds[b] : &inf);
		vg_buf_addf(out, " %llu\n", (unsigned long long)cum);
	}
	vg_buf_addf(out, "%s_sum", m->name);
	add_labels(out, m, s, NULL);
	vg_buf_addc(out, ' ');
	add_double(out, s->sum);
	vg_buf_addf(out, "\n%s_count", m->name);
	add_labels(out, m, s, NULL);
	vg_buf_addf(out, " %llu\n", (unsigned long long)cum);
}

static const char *type_name(enum vg_metric_type t)
{
	switch (t) {
	case VG_METRIC_COUNTER:
		return "counter";
	case VG_METRIC_GAUGE:
		return "gauge";
	default:
		return "histogram";
	}
}

void vg_metrics_render(struct vg_metrics *reg, struct vg_buf *out)
{
	lock(reg);
	for (const struct vg_metric *m = reg->first; m; m = m->next) {
		if (!m->n_series)
			continue;	/* nothing known yet: no family at all */
		vg_buf_addf(out, "# HELP %s ", m->name);
		escape_help(out, m->help);
		vg_buf_addf(out, "\n# TYPE %s %s\n", m->name, type_name(m->type));
		for (size_t i = 0; i < m->n_series; i++) {
			const struct series *s = &m->series[i];

			if (m->type == VG_METRIC_HISTOGRAM) {
				render_histogram(out, m, s);
				continue;
			}
			vg_buf_adds(out, m->name);
			add_labels(out, m, s, NULL);
			vg_buf_addc(out, ' ');
			add_double(out, s->value);
			vg_buf_addc(out, '\n');
		}
	}
	unlock(reg);
}
