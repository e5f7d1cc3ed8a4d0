// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * test_flamegraph.c - folded stacks (src/folded.c) and the SVG flame graph
 * writer (src/flamegraph.c): aggregation, order, escaping, widths.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "flamegraph.h"
#include "folded.h"

#define ADD(f, count, ...) do { \
	const char *fr_[] = { __VA_ARGS__ }; \
	assert_int_equal(vg_folded_add(f, fr_, sizeof(fr_) / sizeof(fr_[0]), count), 0); \
} while (0)

/* The folded text of f, malloc'ed. */
static char *folded_text(const struct vg_folded *f)
{
	char *s = NULL;
	size_t n = 0;
	FILE *m = open_memstream(&s, &n);

	assert_non_null(m);
	assert_int_equal(vg_folded_write(f, m), 0);
	fclose(m);
	return s;
}

static char *svg_text(const struct vg_folded *f, const struct vg_fg_opts *o)
{
	char *s = NULL;
	size_t n = 0;
	FILE *m = open_memstream(&s, &n);

	assert_non_null(m);
	assert_int_equal(vg_flamegraph_write(f, o, m), 0);
	fclose(m);
	return s;
}

static char *escaped(const char *s, size_t len)
{
	struct vg_buf b;
	char *out;

	vg_buf_init(&b);
	vg_xml_escape(&b, s, len);
	assert_false(b.oom);
	out = strdup(b.data);
	vg_buf_release(&b);
	return out;
}

/* ---- folded ----------------------------------------------------------------- */

static void test_folded_merges_identical_stacks_and_sums_counts(void **state)
{
	struct vg_folded f;
	char *text;

	vg_folded_init(&f);
	ADD(&f, 3, "app", "main", "work");
	ADD(&f, 1, "app", "main");
	ADD(&f, 4, "app", "main", "work");
	vg_folded_finish(&f);
	assert_int_equal(f.n, 2);
	assert_int_equal(f.total, 8);
	text = folded_text(&f);
	assert_string_equal(text, "app;main;work 7\napp;main 1\n");
	free(text);
	vg_folded_release(&f);
}

static void test_folded_puts_hottest_first_and_ties_by_stack(void **state)
{
	struct vg_folded f;
	char *text;

	vg_folded_init(&f);
	ADD(&f, 2, "b", "x");
	ADD(&f, 5, "c");
	ADD(&f, 2, "a", "y");
	ADD(&f, 9, "z", "hot");
	vg_folded_finish(&f);
	text = folded_text(&f);
	assert_string_equal(text, "z;hot 9\nc 5\na;y 2\nb;x 2\n");
	free(text);
	vg_folded_release(&f);
}

static void test_folded_frames_cannot_break_the_format(void **state)
{
	struct vg_folded f;
	char *text;

	vg_folded_init(&f);
	ADD(&f, 1, "we;ird", "new\nline", "", "tab\there", "kernel_[k]");
	vg_folded_finish(&f);
	text = folded_text(&f);
	assert_string_equal(text, "we_ird;new_line;[unknown];tab_here;kernel_[k] 1\n");
	free(text);
	vg_folded_release(&f);
}

static void test_folded_add_without_frames_is_einval(void **state)
{
	struct vg_folded f;

	vg_folded_init(&f);
	assert_int_equal(vg_folded_add(&f, NULL, 0, 1), -EINVAL);
	assert_int_equal(f.n, 0);
	vg_folded_release(&f);
}

static void test_folded_of_nothing_writes_nothing(void **state)
{
	struct vg_folded f;
	char *text;

	vg_folded_init(&f);
	vg_folded_finish(&f);
	text = folded_text(&f);
	assert_string_equal(text, "");
	free(text);
	vg_folded_release(&f);
}

/* ---- XML escaping ------------------------------------------------------------- */

static void test_xml_escape_turns_markup_into_entities(void **state)
{
	const char *in = "operator<<(a&b, \"c\", 'd') > 0";
	char *out = escaped(in, strlen(in));

	assert_string_equal(out, "operator&lt;&lt;(a&amp;b, &quot;c&quot;, &apos;d&apos;) &gt; 0");
	free(out);
}

static void test_xml_escape_replaces_control_characters(void **state)
{
	const char in[] = "a\x01" "b\x1b" "c\td\ne\x7f";
	char *out = escaped(in, sizeof(in) - 1);

	/* tab and newline are XML characters; DEL (0x7f) is allowed in XML 1.0 */
	assert_string_equal(out, "a?b?c\td\ne\x7f");
	free(out);
}

static void test_xml_escape_keeps_utf8_and_replaces_invalid_bytes(void **state)
{
	const char in[] = "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x94\xa5|\xff|\xc3|\xc0\xaf|\xed\xa0\x80|"
			  "\xef\xbf\xbe";
	char *out = escaped(in, sizeof(in) - 1);

	assert_string_equal(out, "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x94\xa5|&#xFFFD;|&#xFFFD;|"
			    "&#xFFFD;&#xFFFD;|&#xFFFD;&#xFFFD;&#xFFFD;|&#xFFFD;&#xFFFD;&#xFFFD;");
	free(out);
}

/* ---- layout --------------------------------------------------------------------- */

static const struct vg_fg_rect *find_rect(const struct vg_fg_layout *l, const char *name,
					  unsigned int depth)
{
	for (size_t i = 0; i < l->n; i++)
		if (l->rects[i].depth == depth && l->rects[i].name_len == strlen(name) &&
		    !memcmp(l->rects[i].name, name, l->rects[i].name_len))
			return &l->rects[i];
	return NULL;
}

static void test_layout_widths_are_proportional_to_samples(void **state)
{
	struct vg_fg_opts o = { .width = 1200 };
	const struct vg_fg_rect *all, *a, *b, *c;
	struct vg_fg_layout l;
	struct vg_folded f;
	double plot = 1200 - 2 * VG_FG_XPAD;

	vg_folded_init(&f);
	ADD(&f, 1, "a", "c");
	ADD(&f, 3, "a", "b");
	vg_folded_finish(&f);
	assert_int_equal(vg_flamegraph_layout(&f, &o, &l), 0);
	assert_int_equal(l.n, 4);
	assert_int_equal(l.total, 4);
	assert_int_equal(l.depth_max, 2);
	all = find_rect(&l, "all", 0);
	a = find_rect(&l, "a", 1);
	b = find_rect(&l, "b", 2);
	c = find_rect(&l, "c", 2);
	assert_non_null(all);
	assert_non_null(a);
	assert_non_null(b);
	assert_non_null(c);
	assert_true(fabs(all->w - plot) < 1e-9 && fabs(all->x - VG_FG_XPAD) < 1e-9);
	assert_true(fabs(a->w - plot) < 1e-9);
	assert_int_equal(b->samples, 3);
	assert_int_equal(c->samples, 1);
	assert_true(fabs(b->w - plot * 3 / 4) < 1e-9);
	assert_true(fabs(c->w - plot / 4) < 1e-9);
	/* siblings in name order, side by side */
	assert_true(fabs(b->x - VG_FG_XPAD) < 1e-9);
	assert_true(fabs(c->x - (VG_FG_XPAD + b->w)) < 1e-9);
	vg_flamegraph_layout_release(&l);
	vg_folded_release(&f);
}

static void test_layout_merges_common_prefixes(void **state)
{
	const struct vg_fg_rect *y, *z;
	struct vg_fg_layout l;
	struct vg_folded f;

	vg_folded_init(&f);
	ADD(&f, 2, "x", "y", "z");
	ADD(&f, 2, "x", "y");
	ADD(&f, 1, "w", "y");
	vg_folded_finish(&f);
	assert_int_equal(vg_flamegraph_layout(&f, NULL, &l), 0);
	/* all, w, w;y, x, x;y, x;y;z */
	assert_int_equal(l.n, 6);
	y = find_rect(&l, "y", 2);
	z = find_rect(&l, "z", 3);
	assert_non_null(z);
	assert_int_equal(z->samples, 2);
	/* the first "y" at depth 2 in layout order is w's (w < x) */
	assert_int_equal(y->samples, 1);
	assert_int_equal(l.rects[0].samples, 5);
	vg_flamegraph_layout_release(&l);
	vg_folded_release(&f);
}

static void test_layout_leaves_out_frames_narrower_than_min_width(void **state)
{
	struct vg_fg_opts o = { .width = 1200, .min_width = 0.1 };
	struct vg_fg_layout l;
	struct vg_folded f;

	vg_folded_init(&f);
	ADD(&f, 100000, "big", "leaf");
	ADD(&f, 1, "tiny", "child");	/* 1180 / 100001 px = 0.012 px */
	vg_folded_finish(&f);
	assert_int_equal(vg_flamegraph_layout(&f, &o, &l), 0);
	assert_int_equal(l.n, 3);
	assert_null(find_rect(&l, "tiny", 1));
	assert_null(find_rect(&l, "child", 2));
	assert_int_equal(l.total, 100001);
	vg_flamegraph_layout_release(&l);
	vg_folded_release(&f);
}

/* ---- the SVG ---------------------------------------------------------------------- */

static int count(const char *hay, const char *needle)
{
	int n = 0;

	for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle))
		n++;
	return n;
}

/* xmllint --noout on the text, when xmllint is installed. */
static void assert_well_formed(const char *svg)
{
	char path[] = "/tmp/vigil-test-fg.XXXXXX", cmd[128];
	int fd;

	if (access("/usr/bin/xmllint", X_OK))
		return;
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, svg, strlen(svg)), (ssize_t)strlen(svg));
	close(fd);
	snprintf(cmd, sizeof(cmd), "/usr/bin/xmllint --noout %s", path);
	assert_int_equal(system(cmd), 0);
	unlink(path);
}

static void test_svg_escapes_names_and_is_well_formed(void **state)
{
	struct vg_fg_opts o = { .title = "a <title> & more", .subtitle = "\"sub\"" };
	struct vg_folded f;
	char *svg;

	vg_folded_init(&f);
	ADD(&f, 10, "prog", "std::vector<int>::push_back(int&&)", "memcpy");
	ADD(&f, 5, "prog", "x\xff", "do_syscall_64_[k]");
	vg_folded_finish(&f);
	svg = svg_text(&f, &o);
	assert_non_null(strstr(svg, "<title>std::vector&lt;int&gt;::push_back(int&amp;&amp;) "
				    "(10 samples, 66.67%)</title>"));
	assert_null(strstr(svg, "vector<int>"));
	assert_non_null(strstr(svg, ">a &lt;title&gt; &amp; more</text>"));
	assert_non_null(strstr(svg, ">&quot;sub&quot;</text>"));
	assert_non_null(strstr(svg, "x&#xFFFD;"));
	/* one group per frame: all, prog, 2 + 2 frames */
	assert_int_equal(count(svg, "<g><title>"), 6);
	assert_int_equal(count(svg, "<rect x="), 6 + 1);	/* + the background */
	assert_non_null(strstr(svg, "onload=\"init(evt)\""));
	assert_non_null(strstr(svg, "function zoom("));
	assert_non_null(strstr(svg, "function search("));
	assert_well_formed(svg);
	free(svg);
	vg_folded_release(&f);
}

static void test_svg_rect_widths_follow_samples(void **state)
{
	struct vg_fg_opts o = { .width = 1000 };
	struct vg_folded f;
	char *svg;

	vg_folded_init(&f);
	ADD(&f, 3, "p", "hot");
	ADD(&f, 1, "p", "cold");
	vg_folded_finish(&f);
	svg = svg_text(&f, &o);
	/* 980 px of frames: hot 735, cold 245; cold comes first (name order) */
	assert_non_null(strstr(svg, "<title>hot (3 samples, 75.00%)</title><rect x=\"255.00\" "));
	assert_non_null(strstr(svg, "width=\"735.00\""));
	assert_non_null(strstr(svg, "<title>cold (1 sample, 25.00%)</title><rect x=\"10.00\" "));
	assert_non_null(strstr(svg, "width=\"245.00\""));
	assert_well_formed(svg);
	free(svg);
	vg_folded_release(&f);
}

static void test_svg_labels_are_cut_to_fit(void **state)
{
	struct vg_fg_opts o = { .width = 400 };
	struct vg_folded f;
	char *svg;

	vg_folded_init(&f);
	ADD(&f, 1, "p", "a_function_with_a_very_long_name_that_cannot_fit");
	ADD(&f, 9, "p", "z");
	vg_folded_finish(&f);
	svg = svg_text(&f, &o);
	/* 38 px: (38 - 3) / (12 * 0.59) = 4 characters, "a_.." */
	assert_non_null(strstr(svg, ">a_..</text>"));
	assert_well_formed(svg);
	free(svg);
	vg_folded_release(&f);
}

static void test_svg_of_no_samples_says_so(void **state)
{
	struct vg_folded f;
	char *svg;

	vg_folded_init(&f);
	vg_folded_finish(&f);
	svg = svg_text(&f, NULL);
	assert_non_null(strstr(svg, ">no samples</text>"));
	assert_int_equal(count(svg, "<g><title>"), 0);
	assert_well_formed(svg);
	free(svg);
	vg_folded_release(&f);
}

static void test_svg_colours_kernel_frames_orange(void **state)
{
	struct vg_folded f;
	const char *p;
	char *svg;
	int r, g, b;

	vg_folded_init(&f);
	ADD(&f, 1, "p", "vfs_read_[k]");
	vg_folded_finish(&f);
	svg = svg_text(&f, NULL);
	p = strstr(svg, "<title>vfs_read_[k] ");
	assert_non_null(p);
	p = strstr(p, "fill=\"rgb(");
	assert_non_null(p);
	assert_int_equal(sscanf(p, "fill=\"rgb(%d,%d,%d)", &r, &g, &b), 3);
	assert_true(r >= 200 && g >= 110 && g <= 170 && b <= 40);
	free(svg);
	vg_folded_release(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_folded_merges_identical_stacks_and_sums_counts),
		cmocka_unit_test(test_folded_puts_hottest_first_and_ties_by_stack),
		cmocka_unit_test(test_folded_frames_cannot_break_the_format),
		cmocka_unit_test(test_folded_add_without_frames_is_einval),
		cmocka_unit_test(test_folded_of_nothing_writes_nothing),
		cmocka_unit_test(test_xml_escape_turns_markup_into_entities),
		cmocka_unit_test(test_xml_escape_replaces_control_characters),
		cmocka_unit_test(test_xml_escape_keeps_utf8_and_replaces_invalid_bytes),
		cmocka_unit_test(test_layout_widths_are_proportional_to_samples),
		cmocka_unit_test(test_layout_merges_common_prefixes),
		cmocka_unit_test(test_layout_leaves_out_frames_narrower_than_min_width),
		cmocka_unit_test(test_svg_escapes_names_and_is_well_formed),
		cmocka_unit_test(test_svg_rect_widths_follow_samples),
		cmocka_unit_test(test_svg_labels_are_cut_to_fit),
		cmocka_unit_test(test_svg_of_no_samples_says_so),
		cmocka_unit_test(test_svg_colours_kernel_frames_orange),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
