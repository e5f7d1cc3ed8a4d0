// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * test_shell - the shell preset against the real kernel and /bin/bash
 * (bpf/shell/shell.bpf.c, src/preset.c).
 *
 * The workload is an interactive bash on a pseudo-terminal the test opens
 * (forkpty), with a login uid the child sets before it runs bash (as
 * pam_loginuid does at login); the test types command lines into the
 * terminal as a user would.
 */
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>

#include "harness.h"
#include "collect.h"
#include "preset.h"
#include "sensor.h"

#define LOGINUID 4242

struct term {
	int master;
	pid_t pid;
	char pts[64];		/* /dev/pts/N */
	char out[65536];	/* everything the terminal showed */
	size_t len;
};

/* Read what the terminal shows until `want` appears or timeout_ms passes. */
static bool term_expect(struct term *t, const char *want, int timeout_ms)
{
	for (int waited = 0; waited <= timeout_ms; waited += 50) {
		struct pollfd p = { .fd = t->master, .events = POLLIN };
		ssize_t n;

		t->out[t->len] = '\0';
		if (strstr(t->out, want))
			return true;
		if (poll(&p, 1, 50) <= 0)
			continue;
		n = read(t->master, t->out + t->len, sizeof(t->out) - 1 - t->len);
		if (n <= 0)
			return false;
		t->len += (size_t)n;
		if (t->len >= sizeof(t->out) - 1)
			t->len = 0;	/* only recent output matters */
	}
	return false;
}

static bool term_type(struct term *t, const char *s)
{
	size_t n = strlen(s);

	return write(t->master, s, n) == (ssize_t)n;
}

/* bash -i on a new terminal, login uid LOGINUID (when the kernel lets us). */
static bool term_open(struct term *t)
{
	static char *const argv[] = { "/bin/bash", "--norc", "--noprofile", "-i", NULL };
	static char *const envp[] = { "TERM=dumb", "PS1=vg$ ", "HOME=/", "PATH=/usr/bin:/bin",
				      NULL };

	memset(t, 0, sizeof(*t));
	t->pid = forkpty(&t->master, t->pts, NULL, NULL);
	if (t->pid == 0) {
		int fd = open("/proc/self/loginuid", O_WRONLY);

		if (fd >= 0) {
			if (write(fd, "4242", 4) != 4)
				_exit(126);
			close(fd);
		}
		execve(argv[0], argv, envp);
		_exit(127);
	}
	return t->pid > 0 && term_expect(t, "vg$ ", 5000);
}

static void term_close(struct term *t)
{
	if (t->pid > 0) {
		kill(t->pid, SIGKILL);
		waitpid(t->pid, NULL, 0);
	}
	if (t->master > 0)
		close(t->master);
	t->pid = 0;
}

static uint32_t proc_u32(pid_t pid, const char *file)
{
	char path[64];
	unsigned long v = UINT32_MAX;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, file);
	f = fopen(path, "r");
	if (f) {
		if (fscanf(f, "%lu", &v) != 1)
			v = UINT32_MAX;
		fclose(f);
	}
	return (uint32_t)v;
}

static const struct vg_shell *shell_of(const struct got_event *g)
{
	return g->rec;
}

/* The nth shell event of pid. */
struct shell_want {
	uint32_t pid;
	int nth;
};

static struct got_event *shell_match(struct collector *c, const void *arg)
{
	const struct shell_want *w = arg;
	int seen = 0;

	for (size_t i = 0; i < c->n; i++)
		if (c->ev[i].hdr->type == VG_EV_SHELL && c->ev[i].hdr->task.pid == w->pid &&
		    seen++ == w->nth)
			return &c->ev[i];
	return NULL;
}

static bool start(struct collector *c, struct vg_presets *p)
{
	struct vg_sensor_opts so = { .sensors = VG_SENSOR_PROCESS | VG_SENSOR_SHELL };
	struct vg_preset_sensor ps;

	vg_presets_init(p);
	if (!ASSERT_OK(collector_start_sensor(c, &so), "agent start"))
		return false;
	vg_sensor_presets(&c->agent.sensor, &ps);
	if (!ASSERT_OK(vg_presets_shell(p, &ps, NULL, 0), "attach to /bin/bash")) {
		collector_stop(c);
		return false;
	}
	return true;
}

/*
 * Three lines typed into an interactive bash: a command with quoting and an
 * arithmetic expansion (reported as typed, before expansion), an empty line
 * (not reported), and a 1,500-byte line (the first 1,023 bytes, flagged).
 * Each event has bash's pid, the terminal (pts/N of the pty), the login
 * uid and audit session of the shell.
 */
static void test_shell_readline_lines_with_tty_and_loginuid(void)
{
	static const char cmd[] = "echo vigil-shell-$((6*7)) 'a  b' # typed";
	char exe[PATH_MAX], tty[64], kname[64], line[1600];
	uint32_t loginuid, session, bash;
	struct got_event *g;
	const struct vg_shell *sh;
	struct vg_presets p;
	struct collector c;
	struct term t;

	if (!start(&c, &p))
		return;
	if (!ASSERT_TRUE(term_open(&t), "bash shows its prompt"))
		goto cleanup;
	bash = (uint32_t)t.pid;
	loginuid = proc_u32(t.pid, "loginuid");
	session = proc_u32(t.pid, "sessionid");
	/* without audit support there is no login uid to set (nor to report) */
	ASSERT_EQ(loginuid, access("/proc/self/loginuid", F_OK) ? UINT32_MAX : LOGINUID,
		  "bash runs with the login uid its parent set");
	ASSERT_TRUE(term_type(&t, cmd) && term_type(&t, "\n"), "type the command");
	ASSERT_TRUE(term_expect(&t, "vigil-shell-42 a  b", 5000), "bash ran it");
	ASSERT_TRUE(term_type(&t, "\n"), "type an empty line");
	memset(line, 'x', sizeof(line));
	memcpy(line, ": ", 2);
	line[1500] = '\0';
	ASSERT_TRUE(term_type(&t, line) && term_type(&t, "\necho long-done\n"), "type a long line");
	ASSERT_TRUE(term_expect(&t, "\nlong-done", 5000), "bash ran the long line");

	g = collector_poll_until(&c, shell_match, &(struct shell_want){ .pid = bash }, 5000);
	if (!ASSERT_OK_PTR(g, "shell event for the command"))
		goto cleanup;
	sh = shell_of(g);
	ASSERT_EQ(g->hdr->size, VG_SHELL_FIXED_SIZE + strlen(cmd) + 1, "record size");
	ASSERT_EQ(sh->line_len, strlen(cmd), "line_len");
	ASSERT_STREQ(sh->line, cmd, "the line exactly as typed");
	ASSERT_EQ(sh->flags, 0, "not truncated");
	ASSERT_EQ(g->hdr->task.pid, t.pid, "pid is bash's");
	ASSERT_EQ(g->hdr->task.ppid, getpid(), "ppid");
	ASSERT_STREQ(g->hdr->task.comm, "bash", "comm");
	ASSERT_STREQ(g->exe, realpath("/bin/bash", exe) ? exe : "?", "exe");
	ASSERT_EQ(g->hdr->task.loginuid, loginuid, "loginuid as /proc says");
	ASSERT_EQ(sh->sessionid, session, "audit session as /proc says");
	/* the kernel calls /dev/pts/N "ptsN"; shown as "pts/N" */
	snprintf(kname, sizeof(kname), "pts%.32s", t.pts + strlen("/dev/pts/"));
	ASSERT_STREQ(sh->tty, kname, "tty: the kernel's name of the pty");
	ASSERT_STREQ(vg_tty_display(sh->tty, tty, sizeof(tty)), t.pts + strlen("/dev/"),
		     "tty as shown: pts/N");

	g = collector_poll_until(&c, shell_match, &(struct shell_want){ .pid = bash, .nth = 1 }, 5000);
	if (ASSERT_OK_PTR(g, "shell event for the long line (the empty one is skipped)")) {
		sh = shell_of(g);
		ASSERT_EQ(sh->line_len, VG_SHELL_LINE_LEN - 1, "long: 1023 bytes");
		ASSERT_EQ(sh->flags, VG_SHELL_LINE_TRUNCATED, "long: truncated");
		ASSERT_TRUE(!memcmp(sh->line, line, VG_SHELL_LINE_LEN - 1), "long: its start");
		ASSERT_EQ(g->hdr->size, sizeof(*sh), "long: full record");
	}
	g = collector_poll_until(&c, shell_match, &(struct shell_want){ .pid = bash, .nth = 2 }, 5000);
	if (ASSERT_OK_PTR(g, "shell event for the third command"))
		ASSERT_STREQ(shell_of(g)->line, "echo long-done", "third line");
	ASSERT_TRUE(term_type(&t, "exit\n"), "type exit");
	if (ASSERT_TRUE(term_expect(&t, "exit", 3000), "bash exits")) {
		int status = -1;

		for (int i = 0; i < 100 && waitpid(t.pid, &status, WNOHANG) == 0; i++)
			usleep(20 * 1000);
		if (ASSERT_TRUE(WIFEXITED(status), "bash exited"))
			t.pid = 0;
	}
	ASSERT_OK_PTR(collector_poll_until(&c, shell_match,
					   &(struct shell_want){ .pid = bash, .nth = 3 }, 3000),
		      "shell event for exit");
	ASSERT_EQ(collector_count(&c, VG_EV_SHELL, bash), 4,
		  "4 lines: the command, the long one, echo, exit");
cleanup:
	term_close(&t);
	vg_presets_release(&p);
	collector_stop(&c);
}

/* A non-interactive bash reads no line with readline: nothing reported. */
static void test_shell_script_is_not_reported(void)
{
	struct vg_presets p;
	struct collector c;
	int status = -1;
	pid_t pid;

	if (!start(&c, &p))
		return;
	pid = fork();
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR);

		dup2(null, 1);
		execl("/bin/bash", "bash", "-c", "echo not-typed; read -r x <<< 'not-typed'", NULL);
		_exit(127);
	}
	waitpid(pid, &status, 0);
	ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0, "bash -c ran");
	ASSERT_OK_PTR(collector_wait(&c, VG_EV_EXIT, (uint32_t)pid, 3000), "its exit event");
	ASSERT_EQ(collector_count(&c, VG_EV_SHELL, (uint32_t)pid), 0, "no shell event");
	vg_presets_release(&p);
	collector_stop(&c);
}

static const struct vg_test tests[] = {
	VG_TEST(test_shell_readline_lines_with_tty_and_loginuid),
	VG_TEST(test_shell_script_is_not_reported),
	{},
};

VG_TEST_MAIN(tests)
