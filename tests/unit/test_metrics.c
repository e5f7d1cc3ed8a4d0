// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * The metrics registry (src/metrics.c) and its HTTP endpoint
 * (src/metrics_http.c): the text exposition format byte for byte,
 * escaping, histograms, the series limit, snapshot consistency under a
 * concurrent scrape, address parsing, and the server's status codes over a
 * real loopback socket.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <cmocka.h>

#include "buf.h"
#include "log.h"
#include "metrics.h"
#include "metrics_http.h"

/* The whole registry rendered, in a malloc'd string. */
static char *render(struct vg_metrics *reg)
{
	struct vg_buf b;
	char *s;

	vg_buf_init(&b);
	vg_metrics_render(reg, &b);
	assert_false(b.oom);
	s = strdup(b.data);
	vg_buf_release(&b);
	return s;
}

static void test_metrics_new_registry_renders_nothing(void **state)
{
	struct vg_metrics *reg = vg_metrics_new();
	char *s;

	assert_non_null(reg);
	/* registered but never set: no family at all (not even HELP/TYPE) */
	assert_non_null(vg_metrics_gauge(reg, "vigil_idle", "Never set.", ""));
	s = render(reg);
	assert_string_equal(s, "");
	free(s);
	vg_metrics_free(reg);
}

static void test_metrics_counter_and_gauge_render_exactly(void **state)
{
	struct vg_metrics *reg = vg_metrics_new();
	struct vg_metric *c = vg_metrics_counter(reg, "vigil_events_total", "Events by kind.", "kind");
	struct vg_metric *g = vg_metrics_gauge(reg, "vigil_rss_bytes", "Resident memory.", "");
	const char *exec[] = { "exec" }, *fork[] = { "fork" };
	char *s;

	assert_non_null(c);
	assert_non_null(g);
	vg_metrics_set(c, exec, 12);
	vg_metrics_add(c, fork, 2);
	vg_metrics_add(c, fork, 3);
	vg_metrics_add(c, exec, -5);	/* a counter never goes down */
	vg_metrics_set(g, NULL, 41848832);
	vg_metrics_add(g, NULL, -832);	/* a gauge may */
	s = render(reg);
	assert_string_equal(s,
		"# HELP vigil_events_total Events by kind.\n"
		"# TYPE vigil_events_total counter\n"
		"vigil_events_total{kind=\"exec\"} 12\n"
		"vigil_events_total{kind=\"fork\"} 5\n"
		"# HELP vigil_rss_bytes Resident memory.\n"
		"# TYPE vigil_rss_bytes gauge\n"
		"vigil_rss_bytes 41848000\n");
	free(s);
	vg_metrics_free(reg);
}

static void test_metrics_several_labels_in_registration_order(void **state)
{
	struct vg_metrics *reg = vg_metrics_new();
	struct vg_metric *m = vg_metrics_counter(reg, "vigil_policy_matches_total", "Decisions.",
						 "policy,rule,action,mode");
	const char *v[] = { "fim", "changed", "none", "audit" };
	const char *partly_null[] = { "p", NULL, "kill", "enforce" };
	char *s;

	vg_metrics_add(m, v, 1);
	vg_metrics_add(m, partly_null, 1);
	s = render(reg);
	assert_non_null(strstr(s, "vigil_policy_matches_total{policy=\"fim\",rule=\"changed\","
				  "action=\"none\",mode=\"audit\"} 1\n"));
	assert_non_null(strstr(s, "vigil_policy_matches_total{policy=\"p\",rule=\"\","
				  "action=\"kill\",mode=\"enforce\"} 1\n"));
	free(s);
	vg_metrics_free(reg);
}

static void test_metrics_label_values_are_escaped(void **state)
{
	struct vg_metrics *reg = vg_metrics_new();
	struct vg_metric *m = vg_metrics_gauge(reg, "vigil_info", "Back\\slash in help.", "v");
	const char *v[] = { "a\\b \"q\"\nnext\ttab é" };
	char *s;

	vg_metrics_set(m, v, 1);
	s = render(reg);
	assert_string_equal(s,
		"# HELP vigil_info Back\\\\slash in help.\n"
		"# TYPE vigil_info gauge\n"
		"vigil_info{v=\"a\\\\b \\\"q\\\"\\nnext\ttab é\"} 1\n");
	free(s);
	vg_metrics_free(reg);
}

static void test_metrics_escape_label_alone(void **state)
{
	struct vg_buf b;

	vg_buf_init(&b);
	vg_metrics_escape_label(&b, "plain");
	vg_metrics_escape_label(&b, "|\\|\"|\n|");
	assert_string_equal(b.data, "plain|\\\\|\\\"|\\n|");
	vg_buf_release(&b);
}

static void test_metrics_values_use_shortest_exact_form(void **state)
{
	struct vg_metrics *reg = vg_metrics_new();
	struct vg_metric *m = vg_metrics_gauge(reg, "vigil_x", "Values.", "v");
	const char *a[] = { "a" }, *b[] = { "b" }, *c[] = { "c" }, *d[] = { "d" }, *e[] = { "e" },
		   *f[] = { "f" }, *g[] = { "g" };
	char *s;

	vg_metrics_set(m, a, 0.1);
	vg_metrics_set(m, b, 1e-6);
	vg_metrics_set(m, c, 9007199254740993.0);	/* 2^53 + 1: rounds to 2^53 */
	vg_metrics_set(m, d, NAN);
	vg_metrics_set(m, e, INFINITY);
	vg_metrics_set(m, f, -INFINITY);
	vg_metrics_set(m, g, -3);
	s = render(reg);
	assert_non_null(strstr(s, "vigil_x{v=\"a\"} 0.1\n"));
	assert_non_null(strstr(s, "vigil_x{v=\"b\"} 1e-06\n"));
	assert_non_null(strstr(s, "vigil_x{v=\"c\"} 9007199254740992\n"));
	assert_non_null(strstr(s, "vigil_x{v=\"d\"} NaN\n"));
	assert_non_null(strstr(s, "vigil_x{v=\"e\"} +Inf\n"));
	assert_non_null(strstr(s, "vigil_x{v=\"f\"} -Inf\n"));
	assert_non_null(strstr(s, "vigil_x{v=\"g\"} -3\n"));
	free(s);
	vg_metrics_free(reg);
}

static void test_metrics_histogram_buckets_are_cumulative(void **state)
{
	static const double le[] = { 0.001, 0.01, 0.1 };
	struct vg_metrics *reg = vg_metrics_new();
	struct vg_metric *h = vg_metrics_histogram(reg, "vigil_lat_seconds", "Latency.", "dev",
						   le, 3);
	const uint64_t counts[] = { 2, 0, 5, 1 };
	const char *sda[] = { "sda" };
	char *s;

	assert_non_null(h);
	vg_metrics_histogram_set_buckets(h, sda, counts, 4, 0.321);
	s = render(reg);
	assert_string_equal(s,
		"# HELP vigil_lat_seconds Latency.\n"
		"# TYPE vigil_lat_seconds histogram\n"
		"vigil_lat_seconds_bucket{dev=\"sda\",le=\"0.001\"} 2\n"
		"vigil_lat_seconds_bucket{dev=\"sda\",le=\"0.01\"} 2\n"
		"vigil_lat_seconds_bucket{dev=\"sda\",le=\"0.1\"} 7\n"
		"vigil_lat_seconds_bucket{dev=\"sda\",le=\"+Inf\"} 8\n"
		"vigil_lat_seconds_sum{dev=\"sda\"} 0.321\n"
		"vigil_lat_seconds_count{dev=\"sda\"} 8\n");
	free(s);
	/* set_buckets replaces, it does not add */
	vg_metrics_histogram_set_buckets(h, sda, counts, 1, 0.001);
	s = render(reg);
	assert_non_null(strstr(s, "vigil_lat_seconds_bucket{dev=\"sda\",le=\"+Inf\"} 2\n"));
	assert_non_null(strstr(s, "vigil_lat_seconds_count{dev=\"sda\"} 2\n"));
	free(s);
	vg_metrics_free(reg);
}

static void test_metrics_histogram_extra_slots_go_to_inf(void **state)
{
	double le[4];
	struct vg_metrics *reg = vg_metrics_new();
	struct vg_metric *h;
	/* 8 log2 slots into 4 bounds + Inf: slots 4..7 are all above 16 us */
	const uint64_t slots[] = { 1, 1, 1, 1, 1, 1, 1, 1 };
	char *s;

	vg_metrics_log2_bounds(le, 4, 1e-6);
	assert_true(le[0] == 2e-6 && le[1] == 4e-6 && le[2] == 8e-6 && le[3] == 16e-6);
	h = vg_metrics_histogram(reg, "vigil_runq_seconds", "Run queue.", "", le, 4);
	assert_non_null(h);
	vg_metrics_histogram_set_buckets(h, NULL, slots, 8, 1e-3);
	s = render(reg);
	assert_non_null(strstr(s, "vigil_runq_seconds_bucket{le=\"2e-06\"} 1\n"));
	assert_non_null(strstr(s, "vigil_runq_seconds_bucket{le=\"1.6e-05\"} 4\n"));
	assert_non_null(strstr(s, "vigil_runq_seconds_bucket{le=\"+Inf\"} 8\n"));
	assert_non_null(strstr(s, "vigil_runq_seconds_sum 0.001\n"));
	assert_non_null(strstr(s, "vigil_runq_seconds_count 8\n"));
	free(s);
	vg_metrics_free(reg);
}

static void test_metrics_histogram_observe_uses_le_inclusive(void **state)
{
	static const double le[] = { 1, 2 };
	struct vg_metrics *reg = vg_metrics_new();
	struct vg_metric *h = vg_metrics_histogram(reg, "vigil_h", "H.", "", le, 2);
	char *s;

	vg_metrics_histogram_observe(h, NULL, 1);	/* <= 1 */
	vg_metrics_histogram_observe(h, NULL, 1.5);
	vg_metrics_histogram_observe(h, NULL, 2);	/* <= 2 */
	vg_metrics_histogram_observe(h, NULL, 7);
	vg_metrics_histogram_observe(h, NULL, NAN);	/* ignored */
	s = render(reg);
	assert_string_equal(s,
		"# HELP vigil_h H.\n"
		"# TYPE vigil_h histogram\n"
		"vigil_h_bucket{le=\"1\"} 1\n"
		"vigil_h_bucket{le=\"2\"} 3\n"
		"vigil_h_bucket{le=\"+Inf\"} 4\n"
		"vigil_h_sum 11.5\n"
		"vigil_h_count 4\n");
	free(s);
	vg_metrics_free(reg);
}

static void test_metrics_series_beyond_limit_fold_into_other(void **state)
{
	struct vg_metrics *reg = vg_metrics_new();
	struct vg_metric *m = vg_metrics_counter(reg, "vigil_anomalies_total", "A.", "profile");
	char name[16], *s;
	const char *v[] = { name };

	vg_metrics_set_max_series(m, 3);
	for (int round = 0; round < 2; round++)
		for (int i = 0; i < 5; i++) {
			snprintf(name, sizeof(name), "p%d", i);
			vg_metrics_add(m, v, 1);
		}
	s = render(reg);
	assert_non_null(strstr(s, "vigil_anomalies_total{profile=\"p0\"} 2\n"));
	assert_non_null(strstr(s, "vigil_anomalies_total{profile=\"p2\"} 2\n"));
	assert_null(strstr(s, "profile=\"p3\""));
	assert_null(strstr(s, "profile=\"p4\""));
	/* p3 and p4, twice each */
	assert_non_null(strstr(s, "vigil_anomalies_total{profile=\"other\"} 4\n"));
	/* two distinct label sets were folded, however often they came */
	assert_non_null(strstr(s, "vigil_metrics_series_dropped_total{metric=\"vigil_anomalies_total\"} 2\n"));
	free(s);
	vg_metrics_free(reg);
}

static void test_metrics_default_limit_is_1000_series(void **state)
{
	struct vg_metrics *reg = vg_metrics_new();
	struct vg_metric *m = vg_metrics_gauge(reg, "vigil_g", "G.", "a,b");
	char a[16], *s, *p;
	const char *v[] = { a, "x" };
	size_t lines = 0;

	for (int i = 0; i < 1500; i++) {
		snprintf(a, sizeof(a), "%d", i);
		vg_metrics_set(m, v, 1);
	}
	s = render(reg);
	for (p = s; (p = strstr(p, "\nvigil_g{")); p++)
		lines++;
	assert_int_equal(lines, VG_METRICS_MAX_SERIES + 1);	/* + other */
	/* set on the overflow series sums: it stands for 500 label sets */
	assert_non_null(strstr(s, "vigil_g{a=\"other\",b=\"other\"} 500\n"));
	assert_non_null(strstr(s, "vigil_metrics_series_dropped_total{metric=\"vigil_g\"} 500\n"));
	free(s);
	vg_metrics_free(reg);
}

static void test_metrics_clear_forgets_series(void **state)
{
	struct vg_metrics *reg = vg_metrics_new();
	struct vg_metric *m = vg_metrics_counter(reg, "vigil_rule_packets_total", "P.", "rule");
	const char *r1[] = { "1" }, *r2[] = { "2" };
	char *s;

	vg_metrics_set(m, r1, 10);
	vg_metrics_set(m, r2, 20);
	vg_metrics_clear(m);
	vg_metrics_set(m, r2, 21);
	s = render(reg);
	assert_null(strstr(s, "rule=\"1\""));
	assert_non_null(strstr(s, "vigil_rule_packets_total{rule=\"2\"} 21\n"));
	free(s);
	vg_metrics_clear(m);
	s = render(reg);
	assert_string_equal(s, "");
	free(s);
	vg_metrics_free(reg);
}

static void test_metrics_bad_registrations_are_refused(void **state)
{
	static const double le[] = { 1, 2 }, unsorted[] = { 2, 1 };
	struct vg_metrics *reg = vg_metrics_new();

	errno = 0;
	assert_null(vg_metrics_counter(reg, "vigil_events", "No _total.", ""));
	assert_int_equal(errno, EINVAL);
	assert_null(vg_metrics_gauge(reg, "vigil_things_total", "A gauge with _total.", ""));
	assert_null(vg_metrics_gauge(reg, "9vigil", "Starts with a digit.", ""));
	assert_null(vg_metrics_gauge(reg, "vigil-x", "Dash.", ""));
	assert_null(vg_metrics_gauge(reg, "vigil_x", "Bad label.", "a-b"));
	assert_null(vg_metrics_gauge(reg, "vigil_x", "Reserved label.", "__name"));
	assert_null(vg_metrics_gauge(reg, "vigil_x", "Duplicate label.", "a,a"));
	assert_null(vg_metrics_gauge(reg, "vigil_x", "Empty label.", "a,"));
	assert_null(vg_metrics_gauge(reg, "vigil_x", "Too many.", "a,b,c,d,e,f,g"));
	assert_null(vg_metrics_gauge(reg, "vigil_x_count", "Histogram suffix.", ""));
	assert_null(vg_metrics_gauge(reg, "vigil_x", "Two\nlines.", ""));
	assert_null(vg_metrics_histogram(reg, "vigil_h", "le label.", "le", le, 2));
	assert_null(vg_metrics_histogram(reg, "vigil_h", "Unsorted.", "", unsorted, 2));
	assert_null(vg_metrics_histogram(reg, "vigil_h", "No bounds.", "", le, 0));
	assert_non_null(vg_metrics_histogram(reg, "vigil_h", "Fine.", "", le, 2));
	assert_null(vg_metrics_gauge(reg, "vigil_h", "Duplicate.", ""));
	/* vigil_h_sum would be both a series of vigil_h and a histogram's name */
	assert_null(vg_metrics_histogram(reg, "vigil_h_sum", "Clash.", "", le, 2));
	assert_non_null(vg_metrics_histogram(reg, "vigil_k_sum", "Fine alone.", "", le, 2));
	assert_null(vg_metrics_histogram(reg, "vigil_k", "Clash the other way.", "", le, 2));
	assert_non_null(vg_metrics_gauge(reg, "vigil_x", "Fine.", "a,b,c,d,e,f"));
	/* updates on a refused (NULL) metric are ignored */
	vg_metrics_set(NULL, NULL, 1);
	vg_metrics_add(NULL, NULL, 1);
	vg_metrics_histogram_observe(NULL, NULL, 1);
	vg_metrics_free(reg);
}

static int order[4], n_order;

static void collector_a(struct vg_metrics *reg, void *ctx)
{
	order[n_order++] = *(int *)ctx;
}

static void test_metrics_collectors_run_in_registration_order(void **state)
{
	struct vg_metrics *reg = vg_metrics_new();
	int one = 1, two = 2;

	n_order = 0;
	assert_int_equal(vg_metrics_add_collector(reg, collector_a, &one), 0);
	assert_int_equal(vg_metrics_add_collector(reg, collector_a, &two), 0);
	vg_metrics_collect(reg);
	vg_metrics_collect(reg);
	assert_int_equal(n_order, 4);
	assert_int_equal(order[0], 1);
	assert_int_equal(order[1], 2);
	assert_int_equal(order[2], 1);
	vg_metrics_free(reg);
}

/* ---- a scrape sees one whole collection ---------------------------------- */

struct pair {
	struct vg_metrics *reg;
	struct vg_metric *a, *b;
	double value;
	volatile int stop;
	int renders, torn;
};

static void collect_pair(struct vg_metrics *reg, void *ctx)
{
	struct pair *p = ctx;

	p->value += 1;
	vg_metrics_set(p->a, NULL, p->value);
	usleep(50);	/* a scrape in between would see a != b */
	vg_metrics_set(p->b, NULL, p->value);
}

static void *scraper(void *arg)
{
	struct pair *p = arg;
	struct vg_buf b;

	vg_buf_init(&b);
	while (!p->stop) {
		double a = -1, bv = -2;
		const char *s;

		vg_buf_reset(&b);
		vg_metrics_render(p->reg, &b);
		s = strstr(b.data, "\nvigil_a ");
		if (s)
			a = strtod(s + 9, NULL);
		s = strstr(b.data, "\nvigil_b ");
		if (s)
			bv = strtod(s + 9, NULL);
		if (a != bv)
			p->torn++;
		p->renders++;
	}
	vg_buf_release(&b);
	return NULL;
}

static void test_metrics_render_during_collect_sees_consistent_values(void **state)
{
	struct pair p = { 0 };
	pthread_t t;

	p.reg = vg_metrics_new();
	p.a = vg_metrics_gauge(p.reg, "vigil_a", "A.", "");
	p.b = vg_metrics_gauge(p.reg, "vigil_b", "B.", "");
	vg_metrics_add_collector(p.reg, collect_pair, &p);
	vg_metrics_collect(p.reg);
	assert_int_equal(pthread_create(&t, NULL, scraper, &p), 0);
	for (int i = 0; i < 2000; i++)
		vg_metrics_collect(p.reg);
	p.stop = 1;
	pthread_join(t, NULL);
	assert_true(p.renders > 0);
	assert_int_equal(p.torn, 0);
	vg_metrics_free(p.reg);
}

/* ---- collections on demand ------------------------------------------------------ */

struct loop {
	struct vg_metrics *reg;
	struct vg_metric *g;
	volatile int stop;
	int collections;
};

static void count_collection(struct vg_metrics *reg, void *ctx)
{
	struct loop *l = ctx;

	vg_metrics_set(l->g, NULL, ++l->collections);
}

/* The agent's loop, in short: collect when a scrape wants it. */
static void *collecting_loop(void *arg)
{
	struct loop *l = arg;

	while (!l->stop) {
		if (vg_metrics_wanted(l->reg))
			vg_metrics_collect(l->reg);
		usleep(1000);
	}
	return NULL;
}

static struct loop *loop_start(pthread_t *t)
{
	struct loop *l = calloc(1, sizeof(*l));

	l->reg = vg_metrics_new();
	l->g = vg_metrics_gauge(l->reg, "vigil_collections", "C.", "");
	vg_metrics_add_collector(l->reg, count_collection, l);
	assert_int_equal(pthread_create(t, NULL, collecting_loop, l), 0);
	return l;
}

static void loop_stop(struct loop *l, pthread_t t)
{
	l->stop = 1;
	pthread_join(t, NULL);
	vg_metrics_free(l->reg);
	free(l);
}

static void test_metrics_wait_fresh_gets_a_new_collection(void **state)
{
	pthread_t t;
	struct loop *l = loop_start(&t);

	assert_false(vg_metrics_wanted(l->reg));
	assert_int_equal(vg_metrics_wait_fresh(l->reg, 0, 5000), 0);
	assert_int_equal(l->collections, 1);
	assert_int_equal(vg_metrics_wait_fresh(l->reg, 0, 5000), 0);
	assert_int_equal(l->collections, 2);
	/* recent enough: no new collection */
	assert_int_equal(vg_metrics_wait_fresh(l->reg, 60000, 5000), 0);
	assert_int_equal(l->collections, 2);
	assert_false(vg_metrics_wanted(l->reg));
	loop_stop(l, t);
}

static void test_metrics_wait_fresh_times_out_without_collector(void **state)
{
	struct vg_metrics *reg = vg_metrics_new();

	assert_int_equal(vg_metrics_wait_fresh(reg, 0, 50), -ETIMEDOUT);
	assert_true(vg_metrics_wanted(reg));
	vg_metrics_collect(reg);	/* answers the request */
	assert_false(vg_metrics_wanted(reg));
	vg_metrics_free(reg);
}

/* ---- addresses -------------------------------------------------------------- */

static void test_metrics_addr_parses_ipv4_ipv6_localhost(void **state)
{
	struct vg_metrics_addr a;
	char why[160];

	assert_int_equal(vg_metrics_addr_parse("127.0.0.1:9090", &a, why, sizeof(why)), 0);
	assert_int_equal(a.sa.ss_family, AF_INET);
	assert_int_equal(ntohs(((struct sockaddr_in *)&a.sa)->sin_port), 9090);
	assert_string_equal(a.text, "127.0.0.1:9090");
	assert_int_equal(vg_metrics_addr_parse("[::1]:9100", &a, why, sizeof(why)), 0);
	assert_int_equal(a.sa.ss_family, AF_INET6);
	assert_int_equal(ntohs(((struct sockaddr_in6 *)&a.sa)->sin6_port), 9100);
	assert_string_equal(a.text, "[::1]:9100");
	assert_int_equal(vg_metrics_addr_parse("localhost:0", &a, why, sizeof(why)), 0);
	assert_string_equal(a.text, "127.0.0.1:0");
	assert_int_equal(vg_metrics_addr_parse("0.0.0.0:65535", &a, why, sizeof(why)), 0);
}

static void test_metrics_addr_rejects_junk_with_reason(void **state)
{
	static const char *const bad[] = {
		"9090", ":9090", "127.0.0.1", "127.0.0.1:", "127.0.0.1:65536", "127.0.0.1:-1",
		"127.0.0.1:90x", "::1:9090", "[::1]9090", "[::1", "[127.0.0.1]:80",
		"example.com:9090", "256.0.0.1:80", "127.0.0.1: 80",
	};
	struct vg_metrics_addr a;
	char why[160];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		why[0] = '\0';
		if (vg_metrics_addr_parse(bad[i], &a, why, sizeof(why)) != -EINVAL)
			fail_msg("'%s' was accepted", bad[i]);
		assert_non_null(strstr(why, bad[i]));
	}
}

/* ---- the server over loopback ------------------------------------------------ */

/* Send `request` to 127.0.0.1:port, return the whole response (malloc'd). */
static char *http(uint16_t port, const char *request)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(port) };
	struct vg_buf b;
	char chunk[4096], *s;
	ssize_t n;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	assert_true(fd >= 0);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(write(fd, request, strlen(request)), (ssize_t)strlen(request));
	vg_buf_init(&b);
	while ((n = read(fd, chunk, sizeof(chunk))) > 0)
		vg_buf_add(&b, chunk, (size_t)n);
	close(fd);
	s = strdup(b.data);
	vg_buf_release(&b);
	return s;
}

static void test_metrics_http_serves_metrics_404_405(void **state)
{
	pthread_t t;
	struct loop *l = loop_start(&t);
	struct vg_metrics *reg = l->reg;
	struct vg_metric *g = vg_metrics_gauge(reg, "vigil_up_test", "Up.", "");
	struct vg_metrics_http *h;
	struct vg_metrics_addr a;
	char why[160], *r;
	uint16_t port;
	int before;

	vg_metrics_set(g, NULL, 1);
	assert_int_equal(vg_metrics_addr_parse("127.0.0.1:0", &a, why, sizeof(why)), 0);
	h = vg_metrics_http_listen(&a);
	assert_non_null(h);
	port = vg_metrics_http_port(h);
	assert_true(port > 0);
	assert_non_null(strstr(vg_metrics_http_addr(h), "127.0.0.1:"));
	assert_int_equal(vg_metrics_http_serve(h, reg), 0);

	before = l->collections;
	r = http(port, "GET /metrics HTTP/1.0\r\n\r\n");
	assert_non_null(strstr(r, "HTTP/1.1 200"));
	assert_non_null(strstr(r, "Content-Type: text/plain; version=0.0.4; charset=utf-8\r\n"));
	assert_non_null(strstr(r, "# HELP vigil_up_test Up.\n# TYPE vigil_up_test gauge\n"
				  "vigil_up_test 1\n"));
	/* the scrape got a collection of its own, and its values */
	assert_true(l->collections > before);
	snprintf(why, sizeof(why), "\nvigil_collections %d\n", l->collections);
	assert_non_null(strstr(r, why));
	free(r);
	r = http(port, "GET / HTTP/1.0\r\n\r\n");
	assert_non_null(strstr(r, "HTTP/1.1 404"));
	free(r);
	r = http(port, "GET /metrics/x HTTP/1.0\r\n\r\n");
	assert_non_null(strstr(r, "HTTP/1.1 404"));
	free(r);
	r = http(port, "POST /metrics HTTP/1.0\r\nContent-Length: 3\r\n\r\nabc");
	assert_non_null(strstr(r, "HTTP/1.1 405"));
	assert_non_null(strstr(r, "Allow: GET, HEAD\r\n"));
	free(r);
	r = http(port, "DELETE /metrics HTTP/1.0\r\n\r\n");
	assert_non_null(strstr(r, "HTTP/1.1 405"));
	free(r);
	r = http(port, "HEAD /metrics HTTP/1.0\r\n\r\n");
	assert_non_null(strstr(r, "HTTP/1.1 200"));
	assert_null(strstr(r, "vigil_up_test 1"));
	free(r);
	vg_metrics_http_free(h);
	loop_stop(l, t);
}

static void test_metrics_http_serves_on_ipv6_loopback(void **state)
{
	pthread_t t;
	struct loop *l;
	struct sockaddr_in6 sa = { .sin6_family = AF_INET6, .sin6_addr = IN6ADDR_LOOPBACK_INIT };
	struct vg_metrics_http *h;
	struct vg_metrics_addr a;
	char why[160], buf[256] = "";
	const char req[] = "GET /metrics HTTP/1.0\r\n\r\n";
	ssize_t n;
	int fd;

	assert_int_equal(vg_metrics_addr_parse("[::1]:0", &a, why, sizeof(why)), 0);
	h = vg_metrics_http_listen(&a);
	if (!h && (errno == EADDRNOTAVAIL || errno == EAFNOSUPPORT))
		skip();		/* no IPv6 here */
	assert_non_null(h);
	assert_non_null(strstr(vg_metrics_http_addr(h), "[::1]:"));
	l = loop_start(&t);
	assert_int_equal(vg_metrics_http_serve(h, l->reg), 0);
	sa.sin6_port = htons(vg_metrics_http_port(h));
	fd = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(fd >= 0);
	assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(write(fd, req, sizeof(req) - 1), (ssize_t)sizeof(req) - 1);
	n = read(fd, buf, sizeof(buf) - 1);
	assert_true(n > 0);
	assert_non_null(strstr(buf, "HTTP/1.1 200"));
	close(fd);
	vg_metrics_http_free(h);
	loop_stop(l, t);
}

static void test_metrics_http_port_in_use_fails_to_listen(void **state)
{
	struct vg_metrics_addr a;
	struct vg_metrics_http *h, *h2;
	char why[160], addr[32];

	assert_int_equal(vg_metrics_addr_parse("127.0.0.1:0", &a, why, sizeof(why)), 0);
	h = vg_metrics_http_listen(&a);
	assert_non_null(h);
	snprintf(addr, sizeof(addr), "127.0.0.1:%u", vg_metrics_http_port(h));
	assert_int_equal(vg_metrics_addr_parse(addr, &a, why, sizeof(why)), 0);
	errno = 0;
	h2 = vg_metrics_http_listen(&a);
	assert_null(h2);
	assert_int_equal(errno, EADDRINUSE);
	vg_metrics_http_free(h);	/* never served: closes its socket itself */
}

static void test_metrics_http_free_closes_the_socket(void **state)
{
	struct vg_metrics *reg = vg_metrics_new();
	struct vg_metrics_addr a;
	struct vg_metrics_http *h;
	char why[160], addr[32];

	assert_int_equal(vg_metrics_addr_parse("127.0.0.1:0", &a, why, sizeof(why)), 0);
	h = vg_metrics_http_listen(&a);
	assert_non_null(h);
	snprintf(addr, sizeof(addr), "127.0.0.1:%u", vg_metrics_http_port(h));
	assert_int_equal(vg_metrics_http_serve(h, reg), 0);
	vg_metrics_http_free(h);
	/* the same port is free again */
	assert_int_equal(vg_metrics_addr_parse(addr, &a, why, sizeof(why)), 0);
	h = vg_metrics_http_listen(&a);
	assert_non_null(h);
	vg_metrics_http_free(h);
	vg_metrics_free(reg);
}

static int quiet(void **state)
{
	vg_log_set_level(VG_LOG_NONE);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_metrics_new_registry_renders_nothing),
		cmocka_unit_test(test_metrics_counter_and_gauge_render_exactly),
		cmocka_unit_test(test_metrics_several_labels_in_registration_order),
		cmocka_unit_test(test_metrics_label_values_are_escaped),
		cmocka_unit_test(test_metrics_escape_label_alone),
		cmocka_unit_test(test_metrics_values_use_shortest_exact_form),
		cmocka_unit_test(test_metrics_histogram_buckets_are_cumulative),
		cmocka_unit_test(test_metrics_histogram_extra_slots_go_to_inf),
		cmocka_unit_test(test_metrics_histogram_observe_uses_le_inclusive),
		cmocka_unit_test(test_metrics_series_beyond_limit_fold_into_other),
		cmocka_unit_test(test_metrics_default_limit_is_1000_series),
		cmocka_unit_test(test_metrics_clear_forgets_series),
		cmocka_unit_test(test_metrics_bad_registrations_are_refused),
		cmocka_unit_test(test_metrics_collectors_run_in_registration_order),
		cmocka_unit_test(test_metrics_render_during_collect_sees_consistent_values),
		cmocka_unit_test(test_metrics_wait_fresh_gets_a_new_collection),
		cmocka_unit_test(test_metrics_wait_fresh_times_out_without_collector),
		cmocka_unit_test(test_metrics_addr_parses_ipv4_ipv6_localhost),
		cmocka_unit_test(test_metrics_addr_rejects_junk_with_reason),
		cmocka_unit_test(test_metrics_http_serves_metrics_404_405),
		cmocka_unit_test(test_metrics_http_serves_on_ipv6_loopback),
		cmocka_unit_test(test_metrics_http_port_in_use_fails_to_listen),
		cmocka_unit_test(test_metrics_http_free_closes_the_socket),
	};

	return cmocka_run_group_tests(tests, quiet, NULL);
}
