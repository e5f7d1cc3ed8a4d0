// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * top_model.c - the per-process table of `vigil top` (top_model.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "top_model.h"

/* Connections not updated for this many samples are forgotten: their close
 * was lost (the kernel sends an update every sample while one is open). */
#define FLOW_STALE_SAMPLES 60

struct vg_top_flowent {
	struct vg_top_flow_key key;
	uint32_t pid;
	uint64_t bytes;			/* the last record's total */
	unsigned int sample;		/* t->samples when last updated */
};

static const char *const sort_names[VG_TOP_SORT_MAX] = {
	[VG_TOP_SORT_CPU] = "cpu",
	[VG_TOP_SORT_SYSCALLS] = "syscalls",
	[VG_TOP_SORT_RUNQ] = "runq",
	[VG_TOP_SORT_IO] = "io",
	[VG_TOP_SORT_NET] = "net",
	[VG_TOP_SORT_WRITES] = "writes",
	[VG_TOP_SORT_ANOMALIES] = "anomalies",
	[VG_TOP_SORT_PID] = "pid",
};

static const char sort_keys[VG_TOP_SORT_MAX] = "csrinwap";

/* Kernel counters are made while top runs: a first total counts from zero. */
static const bool counts_from_zero[VG_TOP_C_MAX] = {
	[VG_TOP_C_SYSCALLS] = true,
	[VG_TOP_C_IO] = true,
	[VG_TOP_C_WRITES] = false,
};

const char *vg_top_sort_name(enum vg_top_sort s)
{
	return (unsigned int)s < VG_TOP_SORT_MAX ? sort_names[s] : NULL;
}

int vg_top_sort_parse(const char *name)
{
	for (int i = 0; i < VG_TOP_SORT_MAX; i++)
		if (!strcmp(name, sort_names[i]))
			return i;
	return -1;
}

int vg_top_sort_key(int key)
{
	for (int i = 0; i < VG_TOP_SORT_MAX; i++)
		if (key == sort_keys[i])
			return i;
	return -1;
}

void vg_top_init(struct vg_top *t)
{
	memset(t, 0, sizeof(*t));
}

static void row_free(struct vg_top_row *r)
{
	if (r) {
		free(r->exe);
		free(r);
	}
}

void vg_top_release(struct vg_top *t)
{
	for (size_t i = 0; i < t->n; i++)
		row_free(t->rows[i]);
	free(t->rows);
	free(t->view);
	free(t->flows);
	memset(t, 0, sizeof(*t));
}

/* Index of pid in t->rows, or where it would go. */
static size_t row_index(const struct vg_top *t, uint32_t pid)
{
	size_t lo = 0, hi = t->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (t->rows[mid]->pid < pid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

struct vg_top_row *vg_top_find(const struct vg_top *t, uint32_t pid)
{
	size_t i = row_index(t, pid);

	return i < t->n && t->rows[i]->pid == pid ? t->rows[i] : NULL;
}

/* Copy s (NULL: "") into a comm field. */
static void set_comm(struct vg_top_row *r, const char *comm)
{
	if (comm)
		snprintf(r->comm, sizeof(r->comm), "%.15s", comm);
}

static void set_exe(struct vg_top *t, struct vg_top_row *r, const char *exe)
{
	char *copy;

	if (!exe || !*exe || (r->exe && !strcmp(r->exe, exe)))
		return;
	copy = strdup(exe);
	if (!copy) {
		t->oom = true;
		return;
	}
	free(r->exe);
	r->exe = copy;
}

/* pid's row, made (not alive yet) when missing; NULL when out of memory. */
static struct vg_top_row *row_get(struct vg_top *t, uint32_t pid)
{
	size_t i = row_index(t, pid);
	struct vg_top_row *r;

	if (i < t->n && t->rows[i]->pid == pid)
		return t->rows[i];
	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 256;
		struct vg_top_row **nr = realloc(t->rows, cap * sizeof(*nr));

		if (!nr) {
			t->oom = true;
			return NULL;
		}
		t->rows = nr;
		t->cap = cap;
	}
	r = calloc(1, sizeof(*r));
	if (!r) {
		t->oom = true;
		return NULL;
	}
	r->pid = pid;
	r->fresh = t->samples > 0;	/* not there at the previous sample: new since */
	memmove(&t->rows[i + 1], &t->rows[i], (t->n - i) * sizeof(*t->rows));
	t->rows[i] = r;
	t->n++;
	return r;
}

/* The process that had the row is gone: the row starts over for a new one. */
static void row_reset(struct vg_top_row *r)
{
	uint32_t pid = r->pid;

	free(r->exe);
	memset(r, 0, sizeof(*r));
	r->pid = pid;
	r->fresh = true;
}

void vg_top_begin(struct vg_top *t, uint64_t now_ns)
{
	t->now_ns = now_ns;
	for (size_t i = 0; i < t->n; i++) {
		struct vg_top_row *r = t->rows[i];

		r->alive = false;
		r->cpu_ns = 0;
		r->runq_p99_ns = 0;
		memset(r->delta, 0, sizeof(r->delta));
	}
}

struct vg_top_row *vg_top_proc(struct vg_top *t, uint32_t pid, const char *comm, const char *exe)
{
	struct vg_top_row *r = row_get(t, pid);

	if (!r)
		return NULL;
	if (r->exited && !r->gone)
		return r;	/* a zombie, or a reuse this soon: from the next sample */
	if (r->exited || r->gone) {
		row_reset(r);
		r->fresh = t->samples > 0;
	}
	r->alive = true;
	set_comm(r, comm);
	set_exe(t, r, exe);
	return r;
}

void vg_top_cpu(struct vg_top *t, uint32_t pid, uint64_t cpu_ns, uint64_t runq_p99_ns)
{
	struct vg_top_row *r = vg_top_find(t, pid);

	if (!r || !r->alive)
		return;
	r->cpu_ns = cpu_ns;
	r->runq_p99_ns = runq_p99_ns;
}

void vg_top_total(struct vg_top *t, uint32_t pid, enum vg_top_counter c, uint64_t total)
{
	struct vg_top_row *r = vg_top_find(t, pid);
	uint64_t d;

	if (!r || !r->alive || (unsigned int)c >= VG_TOP_C_MAX)
		return;
	if (r->have[c])
		d = total >= r->last[c] ? total - r->last[c] : total;	/* went back: started over */
	else if (!t->samples)
		d = 0;			/* the first sample: only a baseline */
	else if (counts_from_zero[c] || r->fresh)
		d = total;
	else
		d = 0;			/* a total from before: the baseline */
	r->delta[c] += d;
	r->last[c] = total;
	r->have[c] = true;
}

bool vg_top_wants(const struct vg_top *t, uint32_t pid, enum vg_top_counter c)
{
	const struct vg_top_row *r = vg_top_find(t, pid);

	if (!r || !r->alive || (unsigned int)c >= VG_TOP_C_MAX)
		return false;
	return r->cpu_ns > 0 || !r->have[c];
}

static double per_s(uint64_t v, uint64_t interval_ns)
{
	return interval_ns ? (double)v * 1e9 / (double)interval_ns : 0.0;
}

/* Forget connections whose updates stopped (their close was lost). */
static void flows_expire(struct vg_top *t)
{
	size_t kept = 0;

	for (size_t i = 0; i < t->n_flows; i++)
		if (t->samples - t->flows[i].sample <= FLOW_STALE_SAMPLES)
			t->flows[kept++] = t->flows[i];
	t->n_flows = kept;
}

void vg_top_end(struct vg_top *t)
{
	size_t kept = 0;

	t->interval_ns = t->samples && t->now_ns > t->last_ns ? t->now_ns - t->last_ns : 0;
	for (size_t i = 0; i < t->n; i++) {
		struct vg_top_row *r = t->rows[i];

		if (!r->alive) {
			if (!(r->anomalies || r->actions) || r->gone >= VG_TOP_LINGER) {
				row_free(r);
				continue;
			}
			r->gone++;	/* stays a while, idle */
			r->net_bytes = 0;
		}
		r->cpu_percent = per_s(r->cpu_ns, t->interval_ns) * 100.0 / 1e9;
		r->syscalls_per_s = per_s(r->delta[VG_TOP_C_SYSCALLS], t->interval_ns);
		r->io_bytes_per_s = per_s(r->delta[VG_TOP_C_IO], t->interval_ns);
		r->write_bytes_per_s = per_s(r->delta[VG_TOP_C_WRITES], t->interval_ns);
		r->net_bytes_per_s = per_s(r->net_bytes, t->interval_ns);
		if (!r->alive)
			r->runq_p99_ns = 0;
		r->net_bytes = 0;
		r->fresh = false;
		t->rows[kept++] = r;
	}
	t->n = kept;
	t->last_ns = t->now_ns;
	t->samples++;
	flows_expire(t);
}

/* ---- network ---------------------------------------------------------------- */

static size_t flow_index(const struct vg_top *t, const struct vg_top_flow_key *k, bool *found)
{
	size_t lo = 0, hi = t->n_flows;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = memcmp(&t->flows[mid].key, k, sizeof(*k));

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

uint64_t vg_top_flow(struct vg_top *t, uint32_t pid, const struct vg_top_flow_key *k,
		     uint64_t bytes, bool closed)
{
	struct vg_top_flowent *f;
	struct vg_top_row *r;
	uint64_t d;
	bool found;
	size_t i = flow_index(t, k, &found);

	if (found) {
		f = &t->flows[i];
		pid = f->pid;		/* a close whose owner the kernel forgot */
		d = bytes >= f->bytes ? bytes - f->bytes : bytes;
		f->bytes = bytes;
		f->sample = t->samples;
		if (closed) {
			memmove(f, f + 1, (t->n_flows - i - 1) * sizeof(*f));
			t->n_flows--;
		}
	} else {
		if (!pid)
			return 0;	/* nobody to count it for */
		d = bytes;
		if (!closed) {
			if (t->n_flows == t->cap_flows) {
				size_t cap = t->cap_flows ? t->cap_flows * 2 : 64;
				struct vg_top_flowent *nf = realloc(t->flows, cap * sizeof(*nf));

				if (!nf) {
					t->oom = true;
					return 0;
				}
				t->flows = nf;
				t->cap_flows = cap;
			}
			f = &t->flows[i];
			memmove(f + 1, f, (t->n_flows - i) * sizeof(*f));
			t->n_flows++;
			*f = (struct vg_top_flowent){ .key = *k, .pid = pid, .bytes = bytes,
						      .sample = t->samples };
		}
	}
	r = row_get(t, pid);
	if (!r)
		return 0;
	r->net_bytes += d;
	return d;
}

size_t vg_top_flows(const struct vg_top *t)
{
	return t->n_flows;
}

void vg_top_anomaly(struct vg_top *t, uint32_t pid, const char *comm, const char *exe)
{
	struct vg_top_row *r = pid ? row_get(t, pid) : NULL;

	if (!r)
		return;
	r->anomalies++;
	if (!r->comm[0])
		set_comm(r, comm);
	if (!r->exe)
		set_exe(t, r, exe);
}

void vg_top_action(struct vg_top *t, uint32_t pid, const char *comm, const char *exe)
{
	struct vg_top_row *r = pid ? row_get(t, pid) : NULL;

	if (!r)
		return;
	r->actions++;
	if (!r->comm[0])
		set_comm(r, comm);
	if (!r->exe)
		set_exe(t, r, exe);
}

void vg_top_exit(struct vg_top *t, uint32_t pid)
{
	struct vg_top_row *r = vg_top_find(t, pid);

	if (r)
		r->exited = true;
}

/* ---- filter and sort ---------------------------------------------------------- */

static bool row_matches(const struct vg_top_row *r, const char *filter)
{
	if (!filter || !*filter)
		return true;
	return strcasestr(r->comm, filter) || (r->exe && strcasestr(r->exe, filter));
}

static int cmp_double(double a, double b)
{
	return a < b ? 1 : a > b ? -1 : 0;	/* larger first */
}

static int cmp_u64(uint64_t a, uint64_t b)
{
	return a < b ? 1 : a > b ? -1 : 0;
}

static enum vg_top_sort sort_by;

static int row_cmp(const void *pa, const void *pb)
{
	const struct vg_top_row *a = *(const struct vg_top_row *const *)pa;
	const struct vg_top_row *b = *(const struct vg_top_row *const *)pb;
	int c = 0;

	switch (sort_by) {
	case VG_TOP_SORT_CPU:
		c = cmp_double(a->cpu_percent, b->cpu_percent);
		break;
	case VG_TOP_SORT_SYSCALLS:
		c = cmp_double(a->syscalls_per_s, b->syscalls_per_s);
		break;
	case VG_TOP_SORT_RUNQ:
		c = cmp_u64(a->runq_p99_ns, b->runq_p99_ns);
		break;
	case VG_TOP_SORT_IO:
		c = cmp_double(a->io_bytes_per_s, b->io_bytes_per_s);
		break;
	case VG_TOP_SORT_NET:
		c = cmp_double(a->net_bytes_per_s, b->net_bytes_per_s);
		break;
	case VG_TOP_SORT_WRITES:
		c = cmp_double(a->write_bytes_per_s, b->write_bytes_per_s);
		break;
	case VG_TOP_SORT_ANOMALIES:
		c = cmp_u64(a->anomalies, b->anomalies);
		if (!c)
			c = cmp_u64(a->actions, b->actions);
		break;
	default:
		break;
	}
	if (c)
		return c;
	return a->pid < b->pid ? -1 : a->pid > b->pid;
}

int vg_top_view(struct vg_top *t, const struct vg_top_opts *o)
{
	struct vg_top_row **v = realloc(t->view, (t->n ? t->n : 1) * sizeof(*v));

	if (!v) {
		t->oom = true;
		return -ENOMEM;
	}
	t->view = v;
	t->n_view = 0;
	for (size_t i = 0; i < t->n; i++)
		if (row_matches(t->rows[i], o->filter))
			v[t->n_view++] = t->rows[i];
	/* qsort takes no context: the key is set here, on the one thread that sorts */
	sort_by = (unsigned int)o->sort < VG_TOP_SORT_MAX ? o->sort : VG_TOP_SORT_CPU;
	qsort(v, t->n_view, sizeof(*v), row_cmp);
	return 0;
}

/* ---- text ----------------------------------------------------------------------- */

/* v scaled by `unit` steps with suffixes; at most 5 characters below the
 * last suffix's 1000. */
static void fmt_scaled(char *buf, size_t len, double v, double unit, const char *suffixes)
{
	if (!(v > 0)) {
		snprintf(buf, len, "0");
		return;
	}
	if (v < 9.95 && v != (double)(uint64_t)v) {
		snprintf(buf, len, "%.1f", v);
		return;
	}
	if (v < 999.5) {
		snprintf(buf, len, "%.0f", v);
		return;
	}
	for (size_t i = 0;; i++) {
		v /= unit;
		if (v < 9.95) {
			snprintf(buf, len, "%.1f%c", v, suffixes[i]);
			return;
		}
		if (v < 999.5 || !suffixes[i + 1]) {
			snprintf(buf, len, "%.0f%c", v, suffixes[i]);
			return;
		}
	}
}

void vg_top_fmt_count(char *buf, size_t len, double v)
{
	fmt_scaled(buf, len, v, 1000.0, "kMGTP");
}

void vg_top_fmt_bytes(char *buf, size_t len, double v)
{
	fmt_scaled(buf, len, v, 1024.0, "KMGTP");
}

void vg_top_fmt_ns(char *buf, size_t len, uint64_t ns, bool utf8)
{
	double v = (double)ns;

	if (!ns)
		snprintf(buf, len, "0");
	else if (ns < 1000)
		snprintf(buf, len, "%lluns", (unsigned long long)ns);
	else if (v < 999.5e3)
		snprintf(buf, len, "%.0f%s", v / 1e3, utf8 ? "\u00b5s" : "us");
	else if (v < 9.95e6)
		snprintf(buf, len, "%.1fms", v / 1e6);
	else if (v < 999.5e6)
		snprintf(buf, len, "%.0fms", v / 1e6);
	else if (v < 9.95e9)
		snprintf(buf, len, "%.1fs", v / 1e9);
	else if (v < 999.5e9)
		snprintf(buf, len, "%.0fs", v / 1e9);
	else if (v < 999.5 * 60e9)
		snprintf(buf, len, "%.0fm", v / 60e9);
	else
		snprintf(buf, len, "%.0fh", v / 3600e9);
}

void vg_top_fmt_percent(char *buf, size_t len, double pct)
{
	if (!(pct >= 0.05))
		snprintf(buf, len, "0");
	else if (pct < 99.95)
		snprintf(buf, len, "%.1f", pct);
	else
		snprintf(buf, len, "%.0f", pct);
}

size_t vg_top_text_width(const char *s)
{
	size_t w = 0;

	for (; *s; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			w++;
	return w;
}

enum col_id { COL_PID, COL_COMM, COL_CPU, COL_SYSC, COL_RUNQ, COL_IO, COL_NET, COL_WR,
	      COL_ANOM, COL_ACT, COL_MAX };

static const struct {
	const char *title;
	int width;
	bool left;
	int sort;		/* enum vg_top_sort; -1: none */
} cols[COL_MAX] = {
	[COL_PID] = { "PID", 7, false, VG_TOP_SORT_PID },
	[COL_COMM] = { "COMM", 15, true, -1 },
	[COL_CPU] = { "CPU%", 5, false, VG_TOP_SORT_CPU },
	[COL_SYSC] = { "SYSC/s", 6, false, VG_TOP_SORT_SYSCALLS },
	[COL_RUNQ] = { "RUNQ99", 6, false, VG_TOP_SORT_RUNQ },
	[COL_IO] = { "IO/s", 6, false, VG_TOP_SORT_IO },
	[COL_NET] = { "NET/s", 6, false, VG_TOP_SORT_NET },
	[COL_WR] = { "WR/s", 6, false, VG_TOP_SORT_WRITES },
	[COL_ANOM] = { "ANOM", 5, false, VG_TOP_SORT_ANOMALIES },
	[COL_ACT] = { "ACT", 5, false, -1 },
};

/* Every column with its separating blanks: 76. */
static int all_columns_width(void)
{
	int w = COL_MAX - 1;

	for (int c = 0; c < COL_MAX; c++)
		w += cols[c].width;
	return w;
}

/* Where a line being laid out stands: bytes written and columns used. */
struct line {
	char *buf;
	size_t len;
	int cols, width;
};

/* Append s padded to w columns (left- or right-aligned); s no wider than w. */
static void put_padded(struct line *l, const char *s, int w, bool left)
{
	int sw = (int)vg_top_text_width(s), pad = w > sw ? w - sw : 0;

	if (!left) {
		memset(l->buf + l->len, ' ', (size_t)pad);
		l->len += (size_t)pad;
	}
	memcpy(l->buf + l->len, s, strlen(s));
	l->len += strlen(s);
	if (left) {
		memset(l->buf + l->len, ' ', (size_t)pad);
		l->len += (size_t)pad;
	}
	l->cols += pad + sw;
	l->buf[l->len] = '\0';
}

/* Does column c still fit whole (with its separating blank)? */
static bool fits(const struct line *l, int c)
{
	return l->cols + (c ? 1 : 0) + cols[c].width <= l->width;
}

/* Copy s into out (n bytes, NUL included) with anything outside printable
 * ASCII as '?'. */
static void sanitize(char *out, size_t n, const char *s)
{
	size_t i = 0;

	for (; s && s[i] && i + 1 < n; i++)
		out[i] = s[i] >= 0x20 && s[i] < 0x7f ? s[i] : '?';
	out[i] = '\0';
}

/* The last `room` columns of the exe path, "..." in front when cut. */
static void put_exe(struct line *l, const char *exe)
{
	char clean[4096];
	int room = l->width - l->cols - 1;
	size_t n;

	if (room < 4 || !exe)
		return;
	sanitize(clean, sizeof(clean), exe);
	n = strlen(clean);
	l->buf[l->len++] = ' ';
	l->cols++;
	if (n <= (size_t)room) {
		memcpy(l->buf + l->len, clean, n);
	} else {
		memcpy(l->buf + l->len, "...", 3);
		memcpy(l->buf + l->len + 3, clean + n - (size_t)(room - 3), (size_t)(room - 3));
		n = (size_t)room;
	}
	l->len += n;
	l->cols += (int)n;
	l->buf[l->len] = '\0';
}

/* When not even the first column fits: cut what there is to the width. */
static void cut_to(struct line *l, const char *s)
{
	size_t n = strlen(s);

	if (l->width <= 0) {
		l->buf[0] = '\0';
		return;
	}
	if (n > (size_t)l->width)
		n = (size_t)l->width;
	memcpy(l->buf, s, n);
	l->buf[n] = '\0';
}

void vg_top_fmt_header(char *buf, int width, enum vg_top_sort sort, size_t *sort_at,
		       size_t *sort_len)
{
	struct line l = { .buf = buf, .width = width };

	buf[0] = '\0';
	if (sort_at)
		*sort_at = 0;
	if (sort_len)
		*sort_len = 0;
	if (!fits(&l, 0)) {
		cut_to(&l, "    PID");
		return;
	}
	for (int c = 0; c < COL_MAX && fits(&l, c); c++) {
		size_t tw = strlen(cols[c].title);

		if (c)
			put_padded(&l, " ", 1, true);
		put_padded(&l, cols[c].title, cols[c].width, cols[c].left);
		if (cols[c].sort == (int)sort) {
			if (sort_at)
				*sort_at = cols[c].left ? l.len - (size_t)cols[c].width : l.len - tw;
			if (sort_len)
				*sort_len = tw;
		}
	}
	if (l.cols == all_columns_width() && l.width - l.cols - 1 >= 4) {
		put_padded(&l, " ", 1, true);
		put_padded(&l, "EXE", 3, true);
	}
}

void vg_top_fmt_row(char *buf, int width, const struct vg_top_row *r, bool utf8)
{
	struct line l = { .buf = buf, .width = width };
	char s[COL_MAX][32];

	snprintf(s[COL_PID], sizeof(s[0]), "%u", r->pid);
	sanitize(s[COL_COMM], 16, r->comm[0] ? r->comm : "?");
	vg_top_fmt_percent(s[COL_CPU], sizeof(s[0]), r->cpu_percent);
	vg_top_fmt_count(s[COL_SYSC], sizeof(s[0]), r->syscalls_per_s);
	if (r->runq_p99_ns)
		vg_top_fmt_ns(s[COL_RUNQ], sizeof(s[0]), r->runq_p99_ns, utf8);
	else
		snprintf(s[COL_RUNQ], sizeof(s[0]), "-");
	vg_top_fmt_bytes(s[COL_IO], sizeof(s[0]), r->io_bytes_per_s);
	vg_top_fmt_bytes(s[COL_NET], sizeof(s[0]), r->net_bytes_per_s);
	vg_top_fmt_bytes(s[COL_WR], sizeof(s[0]), r->write_bytes_per_s);
	vg_top_fmt_count(s[COL_ANOM], sizeof(s[0]), (double)r->anomalies);
	vg_top_fmt_count(s[COL_ACT], sizeof(s[0]), (double)r->actions);
	buf[0] = '\0';
	if (!fits(&l, 0)) {
		cut_to(&l, s[COL_PID]);
		return;
	}
	for (int c = 0; c < COL_MAX && fits(&l, c); c++) {
		if (c)
			put_padded(&l, " ", 1, true);
		put_padded(&l, s[c], cols[c].width, cols[c].left);
	}
	if (l.cols == all_columns_width())
		put_exe(&l, r->exe);
}

void vg_top_fmt_status(char *buf, int width, const struct vg_top_status *s)
{
	char line[3][512], ev[16], procs[48], every[16], filter[96] = "", short_filter[96] = "";
	const char *sort = vg_top_sort_name(s->sort) ? vg_top_sort_name(s->sort) : "?";
	const char *clock = s->clock ? s->clock : "";
	unsigned long long lost = (unsigned long long)s->lost;
	int v;
	size_t n;

	vg_top_fmt_count(ev, sizeof(ev), s->events_per_s);
	if (s->filter && *s->filter) {
		snprintf(procs, sizeof(procs), "%zu/%zu", s->shown, s->total);
		snprintf(filter, sizeof(filter), "  filter '%.64s'", s->filter);
		snprintf(short_filter, sizeof(short_filter), "  /%.64s", s->filter);
	} else {
		snprintf(procs, sizeof(procs), "%zu", s->total);
	}
	vg_top_fmt_ns(every, sizeof(every), s->interval_ns, false);
	/* the longest form that fits; the shortest starts with the losses */
	snprintf(line[0], sizeof(line[0]), "vigil top %s  lost %llu  events/s %s  procs %s  every %s"
		 "  sort %s%s", clock, lost, ev, procs, every, sort, filter);
	snprintf(line[1], sizeof(line[1]), "%s  lost %llu  ev/s %s  procs %s  every %s  sort %s%s",
		 clock, lost, ev, procs, every, sort, short_filter);
	snprintf(line[2], sizeof(line[2]), "lost %llu  ev/s %s  procs %s  sort %s%s", lost, ev,
		 procs, sort, short_filter);
	if (width < 0)
		width = 0;
	for (v = 0; v < 2 && strlen(line[v]) > (size_t)width; v++)
		;
	/* the filter is typed by the user: keep the line printable */
	for (char *p = line[v]; *p; p++)
		if (*p < 0x20 || *p == 0x7f)
			*p = '?';
	n = strlen(line[v]);
	if (n > (size_t)width)
		n = (size_t)width;
	memcpy(buf, line[v], n);
	buf[n] = '\0';
}
