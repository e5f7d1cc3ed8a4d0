// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * fuzz_profile - the profile loader (src/profile.c) and the model built from
 * what it loads (src/model.c) on arbitrary bytes: never crashes, never leaks
 * (LeakSanitizer).  A refused input has a formattable message and leaves
 * the profile untouched.  An accepted one is written, reloaded and written
 * again to the same bytes (writing is canonical); diffs with itself to
 * nothing; merges with its copy (every count doubles, nothing is refused);
 * and builds both models, which score the input's bytes as a trace with a
 * finite, non-negative score, the trace score equal to the stream's.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"
#include "profile.h"

static char *written(const struct vg_profile *p, size_t *len)
{
	char *s = NULL;
	FILE *f = open_memstream(&s, len);

	if (!f || vg_profile_write(f, p))
		abort();
	fclose(f);
	return s;
}

static void score(const struct vg_profile *p, enum vg_model_method method, const uint8_t *data,
		  size_t size)
{
	struct vg_model_opts o = { .method = method };
	struct vg_model_stream s;
	uint16_t nrs[256];
	size_t n = 0;
	struct vg_model m;
	uint64_t *keys;
	size_t nk;
	double a, b;

	for (size_t i = 0; i + 1 < size && n < 256; i += 2)
		nrs[n++] = (uint16_t)(data[i] | data[i + 1] << 8);
	if (vg_model_init(&m, p, &o))
		abort();
	a = vg_model_score_trace(&m, nrs, n);
	if (!(a >= 0) || a > 1e6)
		abort();
	if (vg_model_stream_init(&s, 7))
		abort();
	for (size_t i = 0; i < n; i++)
		vg_model_stream_push(&m, &s, nrs[i]);
	b = vg_model_stream_score(&m, &s);
	if (!(b >= 0) || b > 1e6)
		abort();
	vg_model_stream_release(&s);
	vg_model_stream_init(&s, 0);
	for (size_t i = 0; i < n; i++)
		vg_model_stream_push(&m, &s, nrs[i]);
	if (vg_model_stream_score(&m, &s) != a)
		abort();
	vg_model_stream_release(&s);
	if (vg_model_keys(&m, m.order, &keys, &nk))
		abort();
	for (size_t i = 1; i < nk; i++)
		if (keys[i - 1] >= keys[i])
			abort();
	free(keys);
	vg_model_release(&m);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vg_profile p, q, r;
	struct vg_profile_diag d;
	char msg[1024], *w1, *w2, *w3;
	size_t l1, l2, l3;
	FILE *null;

	vg_profile_init(&p);
	if (vg_profile_load_buffer(&p, "fuzz.profile", (const char *)data, size, &d)) {
		vg_profile_diag_format(&d, msg, sizeof(msg));
		if (!d.msg[0] || p.workload || p.ngrams.n || p.exec.n)
			abort();
		vg_profile_release(&p);
		return 0;
	}
	if (!p.workload || p.scope == VG_SCOPE_NONE || p.window < 1 || p.window > VG_NGRAM_MAX)
		abort();
	w1 = written(&p, &l1);
	vg_profile_init(&q);
	if (vg_profile_load_buffer(&q, "w1", w1, l1, &d))
		abort();
	w2 = written(&q, &l2);
	if (l1 != l2 || memcmp(w1, w2, l1))
		abort();
	null = fopen("/dev/null", "w");
	if (!null || vg_profile_diff(null, &p, &q) != 0)
		abort();
	/* merge with a copy: every n-gram count doubles (saturating) */
	vg_profile_init(&r);
	if (vg_profile_load_buffer(&r, "w1", w1, l1, &d) || vg_profile_merge(&r, &q))
		abort();
	for (size_t i = 0; i < p.ngrams.cap; i++) {
		const struct vg_profile_ngram *g = &p.ngrams.slots[i];
		uint64_t want = g->count > UINT64_MAX / 2 ? UINT64_MAX : 2 * g->count;

		if (g->len && vg_profile_ngram_count(&r, g->nr, g->len) != want)
			abort();
	}
	if (vg_profile_diff(null, &p, &r) < 0)
		abort();
	fclose(null);
	w3 = written(&r, &l3);
	score(&p, VG_MODEL_LM, data, size);
	score(&p, VG_MODEL_STIDE, data, size);
	free(w1);
	free(w2);
	free(w3);
	vg_profile_release(&p);
	vg_profile_release(&q);
	vg_profile_release(&r);
	return 0;
}
