// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * The detector's model (src/model.c): Kneser-Ney probabilities computed by
 * hand on a tiny profile, probabilities that sum to one in every context,
 * the trace score equal to what a stream of the same syscalls gives, the
 * sliding span, STIDE, the kernel's key set, hostile numbers, and reading
 * trace files and directories.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <cmocka.h>

#include "model.h"
#include "profile.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static void assert_close(double got, double want, double tol)
{
	double d = got - want;

	if (d < -tol || d > tol)
		fail_msg("got %.17g, want %.17g (tolerance %g)", got, want, tol);
}

/* x^1.5 and x^(2/3) by Newton's method (tests link without libm) */
static double root(double x, int k)
{
	double r = x > 1 ? x : 1;

	if (x <= 0)
		return 0;
	for (int i = 0; i < 200; i++) {
		double rk = r;

		for (int j = 2; j < k; j++)
			rk *= r;
		r -= (rk * r - x) / (k * rk);
	}
	return r;
}

static double pow15(double x)
{
	return x * root(x, 2);
}

static double pow23(double x)
{
	return root(x * x, 3);
}

/* The profile of one trace, window w. */
static void profile_of(struct vg_profile *p, const uint16_t *t, size_t n, unsigned int w)
{
	vg_profile_init(p);
	assert_int_equal(vg_profile_set_window(p, w), 0);
	assert_int_equal(vg_profile_set_workload(p, VG_SCOPE_TRACES, "t"), 0);
	assert_int_equal(vg_profile_add_trace(p, t, n), 0);
}

/*
 * Trace 1 2 1 2 1 3, window 2.  Raw counts: 1:3 2:2 3:1, (1 2):2 (2 1):2
 * (1 3):1.  Continuation counts N1+(. w): 1:1 (after 2), 2:1, 3:1.
 * Discounts (Ney): raw bigrams counts 2,2,1 -> 1/(1+2x2) = 0.2; raw
 * unigrams 3,2,1 -> 1/(1+2) = 1/3; continuation unigrams 1,1,1 (no 2s) ->
 * 0.75.
 *   P(2 | 1) = (2 - 0.2)/3 + 0.2 x 2/3 x P1(2),
 *       P1(2) = (1 - 0.75)/3 + 0.75 x 3/3 x 1/1024 = 0.0840657552083333
 *     = 0.6112087673611111
 *   P(3 | 2) = 0 + 0.2 x 1/2 x P1(3) = 0.008406575520833333
 *   P(1), no history: raw unigrams, (3 - 1/3)/6 + 1/3 x 3/6 x 1/1024
 *     = 0.4446072048611111
 *   P(5 | 1), 5 never seen: 0.2 x 2/3 x 0.75/1024 = 9.765625e-05
 */
static void test_kneser_ney_probabilities_by_hand(void **state)
{
	uint16_t t[] = { 1, 2, 1, 2, 1, 3 };
	struct vg_profile p;
	struct vg_model m;

	profile_of(&p, t, ARRAY_SIZE(t), 2);
	assert_int_equal(vg_model_init(&m, &p, NULL), 0);
	vg_profile_release(&p);		/* the model keeps what it needs */
	assert_int_equal(m.order, 2);
	assert_close(vg_model_prob(&m, (uint16_t[]){ 1, 2 }, 2), 0.6112087673611111, 1e-15);
	assert_close(vg_model_prob(&m, (uint16_t[]){ 2, 3 }, 2), 0.008406575520833333, 1e-15);
	assert_close(vg_model_prob(&m, (uint16_t[]){ 1 }, 1), 0.4446072048611111, 1e-15);
	assert_close(vg_model_prob(&m, (uint16_t[]){ 1, 5 }, 2), 9.765625e-05, 1e-18);
	/* only the last `order` numbers count */
	assert_close(vg_model_prob(&m, (uint16_t[]){ 3, 3, 3, 1, 2 }, 5), 0.6112087673611111,
		     1e-15);
	/* surprisal is -ln P */
	assert_close(vg_model_event(&m, (uint16_t[]){ 1, 2 }, 2), 0.4923166967282721, 1e-13);
	vg_model_release(&m);
}

static void test_an_empty_profile_is_uniform(void **state)
{
	struct vg_profile p;
	struct vg_model m;

	vg_profile_init(&p);
	assert_int_equal(vg_model_init(&m, &p, NULL), 0);
	assert_close(vg_model_prob(&m, (uint16_t[]){ 7 }, 1), 1.0 / 1024, 1e-18);
	assert_close(vg_model_event(&m, (uint16_t[]){ 7 }, 1), 6.931471805599453, 1e-13);
	assert_close(vg_model_score_trace(&m, (uint16_t[]){ 1, 2, 3 }, 3), 6.931471805599453,
		     1e-12);
	assert_close(vg_model_score_trace(&m, NULL, 0), 0, 0);
	vg_model_release(&m);
	vg_profile_release(&p);
}

/* A pseudo-random trace with structure: loops with noise. */
static void make_trace(uint16_t *t, size_t n, unsigned int seed)
{
	static const uint16_t loop[] = { 3, 4, 5, 3, 4, 6, 142, 13 };

	for (size_t i = 0; i < n; i++) {
		seed = seed * 1103515245u + 12345u;
		t[i] = (seed >> 16) % 10 ? loop[i % ARRAY_SIZE(loop)] : (seed >> 8) % 40;
	}
}

static void test_probabilities_sum_to_one_in_every_context(void **state)
{
	uint16_t t[2000], hist[8];
	struct vg_profile p;
	struct vg_model m;

	make_trace(t, ARRAY_SIZE(t), 1);
	profile_of(&p, t, ARRAY_SIZE(t), 8);
	assert_int_equal(vg_model_init(&m, &p, NULL), 0);
	/* contexts seen in training, shorter ones, and never-seen ones */
	for (size_t c = 0; c < 40; c++) {
		size_t len = 1 + c % 8;
		double sum = 0;

		if (c < 20)
			memcpy(hist, t + 100 + 37 * c, sizeof(hist));
		else
			for (size_t i = 0; i < 8; i++)
				hist[i] = (uint16_t)((c * 31 + i * 7) % 1024);
		for (unsigned int w = 0; w < VG_SYSCALL_NR_MAX; w++) {
			hist[len - 1] = (uint16_t)w;
			sum += vg_model_prob(&m, hist, len);
		}
		assert_close(sum, 1.0, 1e-9);
	}
	vg_model_release(&m);
	vg_profile_release(&p);
}

static void test_trace_score_equals_the_stream_and_the_power_mean(void **state)
{
	uint16_t train[3000], test[500];
	struct vg_model_stream s;
	struct vg_profile p;
	struct vg_model m;
	double manual = 0;

	make_trace(train, ARRAY_SIZE(train), 7);
	make_trace(test, ARRAY_SIZE(test), 99);
	profile_of(&p, train, ARRAY_SIZE(train), 6);
	assert_int_equal(vg_model_init(&m, &p, NULL), 0);
	assert_int_equal(vg_model_stream_init(&s, 0), 0);
	for (size_t i = 0; i < ARRAY_SIZE(test); i++) {
		size_t from = i >= 5 ? i - 5 : 0;
		double a = vg_model_stream_push(&m, &s, test[i]);

		/* each event given its history, as vg_model_event sees it */
		assert_true(a == vg_model_event(&m, test + from, i + 1 - from));
		manual += pow15(a);
	}
	manual /= ARRAY_SIZE(test);
	/* (mean a^1.5)^(2/3) */
	assert_close(vg_model_stream_score(&m, &s), pow23(manual), 1e-9);
	assert_true(vg_model_stream_score(&m, &s) ==
		    vg_model_score_trace(&m, test, ARRAY_SIZE(test)));
	/* anomalous input scores higher than more of the same */
	for (size_t i = 0; i < ARRAY_SIZE(test); i++)
		test[i] = (uint16_t)((i * 17) % 300);
	assert_true(vg_model_score_trace(&m, test, ARRAY_SIZE(test)) >
		    vg_model_stream_score(&m, &s) + 1);
	vg_model_stream_release(&s);
	vg_model_release(&m);
	vg_profile_release(&p);
}

static void test_power_one_is_the_mean_surprisal(void **state)
{
	uint16_t t[] = { 1, 2, 1, 2, 1, 3 }, u[] = { 1, 2, 3, 9 };
	struct vg_model_opts o = { .method = VG_MODEL_LM, .power = 1 };
	struct vg_profile p;
	struct vg_model m;
	double sum = 0;

	profile_of(&p, t, ARRAY_SIZE(t), 2);
	assert_int_equal(vg_model_init(&m, &p, &o), 0);
	for (size_t i = 0; i < ARRAY_SIZE(u); i++)
		sum += vg_model_event(&m, u + (i ? i - 1 : 0), i ? 2 : 1);
	assert_close(vg_model_score_trace(&m, u, ARRAY_SIZE(u)), sum / 4, 1e-12);
	vg_model_release(&m);
	vg_profile_release(&p);
}

static void test_a_span_scores_the_last_events_only(void **state)
{
	uint16_t train[3000], test[1000];
	struct vg_model_stream s;
	struct vg_profile p;
	struct vg_model m;
	double a[1000];

	make_trace(train, ARRAY_SIZE(train), 3);
	make_trace(test, ARRAY_SIZE(test), 4);
	for (size_t i = 600; i < 700; i++)	/* a burst of strangeness */
		test[i] = (uint16_t)(500 + i % 13);
	profile_of(&p, train, ARRAY_SIZE(train), 4);
	assert_int_equal(vg_model_init(&m, &p, NULL), 0);
	assert_int_equal(vg_model_stream_init(&s, 50), 0);
	for (size_t i = 0; i < ARRAY_SIZE(test); i++) {
		double want = 0;
		size_t k = i + 1 < 50 ? i + 1 : 50;

		a[i] = vg_model_stream_push(&m, &s, test[i]);
		for (size_t j = i + 1 - k; j <= i; j++)
			want += pow15(a[j]);
		want /= (double)k;
		assert_close(vg_model_stream_score(&m, &s), pow23(want), 1e-9);
	}
	/* the burst is gone from the window by the end */
	assert_true(vg_model_stream_score(&m, &s) <
		    vg_model_score_trace(&m, test + 600, 50));
	vg_model_stream_reset(&s);
	assert_int_equal(s.span, 50);
	assert_close(vg_model_stream_score(&m, &s), 0, 0);
	vg_model_stream_release(&s);
	vg_model_release(&m);
	vg_profile_release(&p);
}

static void test_stide_is_the_fraction_of_new_windows(void **state)
{
	uint16_t t[] = { 1, 2, 3, 4, 1, 2, 3, 4 }, u[] = { 1, 2, 3, 4, 4, 1, 2, 3 };
	struct vg_model_opts o = { .method = VG_MODEL_STIDE, .order = 3 };
	struct vg_model_stream s;
	struct vg_profile p;
	struct vg_model m;

	profile_of(&p, t, ARRAY_SIZE(t), 6);
	assert_int_equal(vg_model_init(&m, &p, &o), 0);
	assert_int_equal(m.order, 3);
	/* windows of u: 123 234 344* 441* 412 123: 2 new of 6 */
	assert_close(vg_model_score_trace(&m, u, ARRAY_SIZE(u)), 2.0 / 6, 1e-15);
	assert_close(vg_model_score_trace(&m, u, 2), 0, 0);	/* no full window */
	vg_model_stream_init(&s, 0);
	assert_true(__builtin_isnan(vg_model_stream_push(&m, &s, 4)));
	assert_true(__builtin_isnan(vg_model_stream_push(&m, &s, 4)));
	assert_close(vg_model_stream_push(&m, &s, 4), 1, 0);
	assert_close(vg_model_stream_push(&m, &s, 1), 1, 0);
	assert_close(vg_model_stream_push(&m, &s, 2), 0, 0);	/* 4 1 2 */
	assert_close(vg_model_stream_score(&m, &s), 2.0 / 3, 1e-15);
	vg_model_stream_release(&s);
	assert_true(vg_model_known(&m, (uint16_t[]){ 4, 1, 2 }, 3));
	assert_false(vg_model_known(&m, (uint16_t[]){ 4, 4, 1 }, 3));
	assert_false(vg_model_known(&m, (uint16_t[]){ 1, 2, 3, 4 }, 4));	/* > order */
	vg_model_release(&m);
	vg_profile_release(&p);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

static void test_kernel_keys_are_the_windows_of_the_profile(void **state)
{
	uint16_t t[500];
	struct vg_profile p;
	struct vg_model m;
	uint64_t *keys, *want;
	size_t n, nw = 0;

	make_trace(t, ARRAY_SIZE(t), 11);
	profile_of(&p, t, ARRAY_SIZE(t), 6);
	assert_int_equal(vg_model_init(&m, &p, NULL), 0);
	assert_int_equal(vg_model_keys(&m, 6, &keys, &n), 0);
	want = calloc(p.ngrams.n, sizeof(*want));
	assert_non_null(want);
	for (size_t i = 0; i < p.ngrams.cap; i++)
		if (p.ngrams.slots[i].len == 6)
			want[nw++] = vg_profile_ngram_key(p.ngrams.slots[i].nr, 6);
	qsort(want, nw, sizeof(*want), cmp_u64);
	assert_int_equal(n, nw);
	assert_memory_equal(keys, want, n * sizeof(*keys));
	/* every window of the training trace is in the set */
	for (size_t i = 0; i + 6 <= ARRAY_SIZE(t); i++) {
		uint64_t k = vg_profile_ngram_key(t + i, 6);

		assert_non_null(bsearch(&k, keys, n, sizeof(*keys), cmp_u64));
	}
	free(keys);
	free(want);
	assert_int_equal(vg_model_keys(&m, 7, &keys, &n), -EINVAL);
	assert_int_equal(vg_model_keys(&m, 0, &keys, &n), -EINVAL);
	vg_model_release(&m);
	vg_profile_release(&p);
}

static void test_options_are_checked(void **state)
{
	struct vg_profile p;
	struct vg_model m;
	struct vg_model_opts o = { .order = 7 };

	vg_profile_init(&p);		/* window 6 */
	assert_int_equal(vg_model_init(&m, &p, &o), -EINVAL);
	o = (struct vg_model_opts){ .power = 0.5 };
	assert_int_equal(vg_model_init(&m, &p, &o), -EINVAL);
	o = (struct vg_model_opts){ .method = 5 };
	assert_int_equal(vg_model_init(&m, &p, &o), -EINVAL);
	o = (struct vg_model_opts){ .method = VG_MODEL_STIDE, .order = 6 };
	assert_int_equal(vg_model_init(&m, &p, &o), 0);
	vg_model_release(&m);
	vg_profile_release(&p);
}

static void test_hostile_numbers_score_without_harm(void **state)
{
	uint16_t t[] = { 1, 2, 3 }, u[] = { 65535, 1024, 0, 65535, 1, 2 };
	struct vg_profile p;
	struct vg_model m;
	double s;

	profile_of(&p, t, ARRAY_SIZE(t), 3);
	assert_int_equal(vg_model_init(&m, &p, NULL), 0);
	s = vg_model_score_trace(&m, u, ARRAY_SIZE(u));
	assert_true(s > 0 && s < 50);
	vg_model_release(&m);
	vg_profile_release(&p);
}

static void test_method_names(void **state)
{
	enum vg_model_method mm;

	assert_int_equal(vg_model_method_parse("stide", &mm), 0);
	assert_int_equal(mm, VG_MODEL_STIDE);
	assert_int_equal(vg_model_method_parse("lm", &mm), 0);
	assert_int_equal(mm, VG_MODEL_LM);
	assert_int_equal(vg_model_method_parse("LM", &mm), -EINVAL);
	assert_string_equal(vg_model_method_name(VG_MODEL_STIDE), "stide");
}

/* --- trace files --------------------------------------------------------------- */

static char dir[] = "/tmp/vigil-traces-XXXXXX";

static void put(const char *rel, const char *text)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static int make_dir(void **state)
{
	char path[256];

	if (!mkdtemp(dir))
		return -1;
	snprintf(path, sizeof(path), "%s/sub", dir);
	mkdir(path, 0755);
	put("b.txt", "6 6 63 6 42 120");		/* no trailing newline */
	put("a.txt", " 1\n2\t3  \n");
	put("sub/c.txt", "252\n");
	put(".hidden", "not a trace");
	put("empty", "");
	return 0;
}

static int remove_dir(void **state)
{
	char cmd[300];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static void test_traces_are_read_with_or_without_newline(void **state)
{
	char path[256], err[512];
	uint16_t *nrs;
	size_t n;

	snprintf(path, sizeof(path), "%s/b.txt", dir);
	assert_int_equal(vg_trace_load(path, &nrs, &n, err, sizeof(err)), 0);
	assert_int_equal(n, 6);
	assert_int_equal(nrs[5], 120);
	free(nrs);
	snprintf(path, sizeof(path), "%s/a.txt", dir);
	assert_int_equal(vg_trace_load(path, &nrs, &n, err, sizeof(err)), 0);
	assert_int_equal(n, 3);
	assert_int_equal(nrs[0] * 100 + nrs[1] * 10 + nrs[2], 123);
	free(nrs);
	snprintf(path, sizeof(path), "%s/empty", dir);
	assert_int_equal(vg_trace_load(path, &nrs, &n, err, sizeof(err)), 0);
	assert_int_equal(n, 0);
	assert_null(nrs);
}

static void test_a_bad_token_is_an_error_naming_file_and_position(void **state)
{
	static const struct {
		const char *text, *msg;
	} bad[] = {
		{ "1 2 x3 4", "token 3 'x3' is not a syscall number (0-1023)" },
		{ "1 1024", "token 2 '1024' is not a syscall number (0-1023)" },
		{ "-1", "token 1 '-1' is not a syscall number (0-1023)" },
		{ "5 99999999999999999999999999999999999999 6",
		  "token 2 '9999999999999999999999999999999...' is not a syscall number (0-1023)" },
		{ "1,2", "token 1 '1,2' is not a syscall number (0-1023)" },
	};
	char path[256], want[600], err[512];
	uint16_t *nrs;
	size_t n;

	snprintf(path, sizeof(path), "%s/bad", dir);
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		put("bad", bad[i].text);
		assert_int_equal(vg_trace_load(path, &nrs, &n, err, sizeof(err)), -EINVAL);
		assert_null(nrs);
		snprintf(want, sizeof(want), "'%s': %s", path, bad[i].msg);
		assert_string_equal(err, want);
	}
	unlink(path);
	snprintf(path, sizeof(path), "%s/missing", dir);
	assert_int_equal(vg_trace_load(path, &nrs, &n, err, sizeof(err)), -ENOENT);
	snprintf(want, sizeof(want), "cannot open '%s': No such file or directory", path);
	assert_string_equal(err, want);
}

static void test_trace_dirs_are_listed_recursively_and_sorted(void **state)
{
	char **paths, err[512], want[256];
	size_t n;

	assert_int_equal(vg_trace_list(dir, &paths, &n, err, sizeof(err)), 0);
	assert_int_equal(n, 4);		/* .hidden skipped */
	snprintf(want, sizeof(want), "%s/a.txt", dir);
	assert_string_equal(paths[0], want);
	snprintf(want, sizeof(want), "%s/b.txt", dir);
	assert_string_equal(paths[1], want);
	snprintf(want, sizeof(want), "%s/empty", dir);
	assert_string_equal(paths[2], want);
	snprintf(want, sizeof(want), "%s/sub/c.txt", dir);
	assert_string_equal(paths[3], want);
	vg_trace_list_free(paths, n);
	assert_int_equal(vg_trace_list("/nonexistent-dir", &paths, &n, err, sizeof(err)), -ENOENT);
	assert_string_equal(err, "cannot open directory '/nonexistent-dir': No such file or directory");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kneser_ney_probabilities_by_hand),
		cmocka_unit_test(test_an_empty_profile_is_uniform),
		cmocka_unit_test(test_probabilities_sum_to_one_in_every_context),
		cmocka_unit_test(test_trace_score_equals_the_stream_and_the_power_mean),
		cmocka_unit_test(test_power_one_is_the_mean_surprisal),
		cmocka_unit_test(test_a_span_scores_the_last_events_only),
		cmocka_unit_test(test_stide_is_the_fraction_of_new_windows),
		cmocka_unit_test(test_kernel_keys_are_the_windows_of_the_profile),
		cmocka_unit_test(test_options_are_checked),
		cmocka_unit_test(test_hostile_numbers_score_without_harm),
		cmocka_unit_test(test_method_names),
		cmocka_unit_test(test_traces_are_read_with_or_without_newline),
		cmocka_unit_test(test_a_bad_token_is_an_error_naming_file_and_position),
		cmocka_unit_test(test_trace_dirs_are_listed_recursively_and_sorted),
	};

	return cmocka_run_group_tests(tests, make_dir, remove_dir);
}
