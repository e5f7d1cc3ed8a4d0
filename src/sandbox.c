// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * sandbox.c - a command under a seccomp allow-list, supervised through
 * seccomp user notification (sandbox.h, docs/sandbox.md).
 *
 * How the listener reaches vigil.  The child is cloned with CLONE_FILES:
 * it shares vigil's file descriptor table until its execve.  The listener
 * fd that seccomp_load() creates in the child therefore appears in vigil's
 * table at once, with no syscall in the child to pass it on (a sendmsg
 * after the filter is loaded would itself be filtered, and allowing it
 * would widen every allow-list), and execve, which gives the child its own
 * copy of the table without the O_CLOEXEC listener, leaves vigil's copy
 * in place.  vigil finds it by looking for the "seccomp notify" anon inode
 * in /proc/self/fd.
 *
 * The child's own calls between seccomp_load() and execve - libseccomp's
 * cleanup, the execve of the command, and on failure the error message
 * and exit - are vigil's code, not the command's: the listed syscalls run
 * directly, every other one reaches vigil, which recognises the child
 * before its exec by kcmp(KCMP_FILES) (it still shares vigil's table) and
 * lets it continue.  So the command may use exactly the listed syscalls,
 * and execve need not be listed for the command to start.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/audit.h>
#include <linux/kcmp.h>
#include <poll.h>
#include <sched.h>
#include <seccomp.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "clock.h"
#include "json.h"
#include "log.h"
#include "sandbox.h"
#include "seccomp_gen.h"

#ifndef __X32_SYSCALL_BIT
#define __X32_SYSCALL_BIT	0x40000000
#endif

#define NR_SLOTS	1024		/* syscall numbers counted in learn mode are below this */
#define OUT_MAX		(1 << 20)	/* reports waiting for a slow reader, at most */
#define DRAIN_MAX	4096		/* notifications answered after the command exited */

extern char **environ;

/* The ABIs a filter covers: the native one, and on x86_64 the 32-bit ones. */
enum { ABI_NATIVE, ABI_X86, ABI_X32, ABI_MAX };

static const struct {
	uint32_t token;		/* libseccomp's, = the AUDIT_ARCH_* except for x32 */
	const char *name;
} abis[ABI_MAX] = {
#if defined(__x86_64__)
	[ABI_NATIVE] = { SCMP_ARCH_X86_64, "x86_64" },
	[ABI_X86] = { SCMP_ARCH_X86, "x86" },
	[ABI_X32] = { SCMP_ARCH_X32, "x32" },
#else
	[ABI_NATIVE] = { 0, "native" },		/* seccomp_arch_native() */
#endif
};

struct sandbox {
	const struct vg_sandbox_opts *o;
	struct vg_sandbox_result *res;
	const char *argv0;
	pid_t child;
	int pidfd;
	int listener;
	int sigfd;
	int out_fd;		/* where reports go; -1: none (or broken) */
	bool out_owned;		/* out_fd is our own non-blocking reopening */
	bool child_done;	/* reaped */
	bool child_execed;	/* no longer shares our fd table */
	bool listener_hup;	/* no task uses the filter any more */
	struct seccomp_notif *req;
	struct seccomp_notif_resp *resp;
	struct vg_buf out;	/* report lines not yet written */
	uint64_t (*counts)[NR_SLOTS];	/* learn: [ABI_MAX][NR_SLOTS] */
	uint64_t uncounted;	/* learn: numbers beyond NR_SLOTS */
};

/* ---- support -------------------------------------------------------------------- */

/* Is the running kernel at least maj.min?  The release, for messages, into rel. */
static bool kernel_at_least(int maj, int min, char *rel, size_t len)
{
	int a = 0, b = 0;
	struct utsname u;

	if (uname(&u))
		return snprintf(rel, len, "?"), false;
	snprintf(rel, len, "%s", u.release);
	if (sscanf(u.release, "%d.%d", &a, &b) != 2)
		return false;
	return a > maj || (a == maj && b >= min);
}

int vg_sandbox_supported(char *why, size_t len)
{
	const struct scmp_version *v = seccomp_version();
	unsigned int api = seccomp_api_get();
	char rel[65];

	if (api < 5) {
		snprintf(why, len, "libseccomp %u.%u.%u reports API level %u on this system; "
			 "user notification (SCMP_ACT_NOTIFY) needs level 5: libseccomp 2.5+ "
			 "on Linux 5.0+", v->major, v->minor, v->micro, api);
		return -EOPNOTSUPP;
	}
	if (!kernel_at_least(5, 5, rel, sizeof(rel))) {
		snprintf(why, len, "Linux %s: letting a notified syscall continue "
			 "(SECCOMP_USER_NOTIF_FLAG_CONTINUE) needs 5.5+", rel);
		return -EOPNOTSUPP;
	}
	if (syscall(SYS_kcmp, getpid(), getpid(), KCMP_FILES, 0, 0)) {
		snprintf(why, len, "kcmp(2) is not available (CONFIG_KCMP): vigil cannot tell "
			 "its child before exec from the command");
		return -EOPNOTSUPP;
	}
	return 0;
}

/* ---- the command ------------------------------------------------------------------ */

static int check_exec(const char *path)
{
	struct stat st;

	if (stat(path, &st))
		return -errno;
	if (!S_ISREG(st.st_mode))
		return -EACCES;
	return access(path, X_OK) ? -errno : 0;
}

/* argv[0] as execvp would find it, into out; -ENOENT or -EACCES otherwise. */
static int find_command(const char *cmd, char *out, size_t len)
{
	const char *path = getenv("PATH"), *p, *end;
	int err = -ENOENT, e;

	if (!*cmd)
		return -ENOENT;
	if (strchr(cmd, '/')) {
		if ((size_t)snprintf(out, len, "%s", cmd) >= len)
			return -ENAMETOOLONG;
		return check_exec(out);
	}
	if (!path || !*path)
		path = "/usr/local/bin:/usr/bin:/bin";
	for (p = path;; p = end + 1) {
		size_t n;

		end = strchrnul(p, ':');
		n = (size_t)(end - p);
		if ((size_t)snprintf(out, len, "%.*s%s%s", (int)n, n ? p : ".", "/", cmd) < len) {
			e = check_exec(out);
			if (!e)
				return 0;
			if (e == -EACCES)
				err = e;	/* there, but not runnable: say so unless found later */
		}
		if (!*end)
			break;
	}
	return err;
}

/* ---- the filter ------------------------------------------------------------------- */

static int build_filter(const struct vg_sandbox_opts *o, scmp_filter_ctx *out)
{
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_NOTIFY);
	int rc = 0;

	if (!ctx)
		return vg_error("cannot create the seccomp filter (libseccomp)"), -ENOMEM;
	/* A call through an ABI the filter does not know cannot be named: kill. */
	rc = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS);
	if (!rc)
		rc = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 1);
#if defined(__x86_64__)
	/* int 0x80 and x32 calls meet the same list, by name. */
	if (!rc)
		rc = seccomp_arch_add(ctx, SCMP_ARCH_X86);
	if (!rc)
		rc = seccomp_arch_add(ctx, SCMP_ARCH_X32);
#endif
	if (rc) {
		vg_error("cannot set up the seccomp filter: %s", strerror(-rc));
		goto fail;
	}
	if (o->mode == VG_SANDBOX_ENFORCE) {
		rc = vg_seccomp_names_check(o->allow, o->n_allow);
		if (rc)
			goto fail;
		for (size_t i = 0; i < o->n_allow; i++) {
			int nr = seccomp_syscall_resolve_name(o->allow[i]);

			rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 0);
			if (rc == -EEXIST)
				rc = 0;
			if (rc) {
				vg_error("cannot allow syscall '%s': %s", o->allow[i],
					 strerror(-rc));
				goto fail;
			}
		}
	}
	*out = ctx;
	return 0;
fail:
	seccomp_release(ctx);
	return rc < 0 ? rc : -EINVAL;
}

/*
 * The child: shares vigil's fd table (CLONE_FILES) and nothing else.  Only
 * async-signal-safe work here, apart from seccomp_load() (malloc, in this
 * private copy of a single-threaded process).
 */
static __attribute__((noreturn)) void child_main(scmp_filter_ctx ctx, const char *path,
						 char *const argv[], const sigset_t *mask,
						 pid_t parent)
{
	int rc, e;

	sigprocmask(SIG_SETMASK, mask, NULL);
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(125);
	rc = seccomp_load(ctx);
	if (rc) {
		dprintf(STDERR_FILENO, "vigil: error: cannot load the seccomp filter: %s\n",
			strerror(-rc));
		_exit(125);
	}
	execve(path, argv, environ);
	e = errno;
	dprintf(STDERR_FILENO, "vigil: error: cannot run '%s': %s\n", path, strerror(e));
	_exit(e == ENOENT ? 127 : 126);
}

static bool is_listener(int dirfd, const char *name)
{
	char link[64];
	ssize_t n = readlinkat(dirfd, name, link, sizeof(link) - 1);

	if (n < 0)
		return false;
	link[n] = '\0';
	return !strcmp(link, "anon_inode:seccomp notify");
}

/* The listener in our fd table that is not one of `before`; -1 if none yet. */
static int find_listener(const fd_set *before)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int found = -1;

	if (!d)
		return -1;
	while (found < 0 && (e = readdir(d))) {
		int fd = atoi(e->d_name);

		if (e->d_name[0] == '.' || fd == dirfd(d))
			continue;
		if (fd < FD_SETSIZE && FD_ISSET(fd, before))
			continue;
		if (is_listener(dirfd(d), e->d_name))
			found = fd;
	}
	closedir(d);
	return found;
}

static void listeners_now(fd_set *set)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;

	FD_ZERO(set);
	if (!d)
		return;
	while ((e = readdir(d))) {
		int fd = atoi(e->d_name);

		if (e->d_name[0] != '.' && fd < FD_SETSIZE && is_listener(dirfd(d), e->d_name))
			FD_SET(fd, set);
	}
	closedir(d);
}

/* ---- reports ---------------------------------------------------------------------- */

/*
 * Reports are queued and written only when the fd is writable, so that a
 * slow or stuck reader can never stop vigil from answering the sandboxed
 * processes.  A pipe (stdout shared with the command, usually) is reopened
 * through /proc as our own non-blocking open file: O_NONBLOCK on the
 * shared one would change the command's stdout too.
 */
static void out_open(struct sandbox *s, int fd)
{
	char path[64];
	struct stat st;
	int nfd;

	s->out_fd = fd;
	if (fd < 0 || fstat(fd, &st) || !S_ISFIFO(st.st_mode))
		return;
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	nfd = open(path, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
	if (nfd >= 0) {
		s->out_fd = nfd;
		s->out_owned = true;
	}
}

static uint64_t count_lines(const char *p, size_t len)
{
	uint64_t n = 0;

	for (size_t i = 0; i < len; i++)
		n += p[i] == '\n';
	return n;
}

/* Give up on reporting: what is queued is lost, and counted. */
static void out_broken(struct sandbox *s, int err)
{
	if (s->out_fd < 0)
		return;
	vg_warn("cannot write sandbox reports: %s (the sandbox goes on, unreported)",
		strerror(err));
	s->res->reports_dropped += count_lines(s->out.data, s->out.len);
	vg_buf_reset(&s->out);
	if (s->out_owned)
		close(s->out_fd);
	s->out_fd = -1;
	s->out_owned = false;
}

/* Write what can be written now; with `block`, all of it (at the end). */
static void out_flush(struct sandbox *s, bool block)
{
	size_t done = 0;

	while (s->out_fd >= 0 && done < s->out.len) {
		size_t chunk = s->out.len - done;
		ssize_t n;

		if (chunk > PIPE_BUF)
			chunk = PIPE_BUF;
		n = write(s->out_fd, s->out.data + done, chunk);
		if (n > 0) {
			done += (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN) {
			struct pollfd p = { .fd = s->out_fd, .events = POLLOUT };

			if (!block)
				break;
			poll(&p, 1, 1000);
			continue;
		}
		out_broken(s, n < 0 ? errno : EIO);
		return;
	}
	if (done) {
		memmove(s->out.data, s->out.data + done, s->out.len - done);
		s->out.len -= done;
		s->out.data[s->out.len] = '\0';
	}
}

struct task_info {
	pid_t tgid;		/* 0: unknown */
	char comm[32];		/* "": unknown */
	char exe[PATH_MAX];	/* "": unknown */
};

static void read_small(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	buf[0] = '\0';
	if (fd < 0)
		return;
	n = read(fd, buf, len - 1);
	close(fd);
	buf[n > 0 ? n : 0] = '\0';
}

/* What /proc says about the thread; valid only while its notification is. */
static void task_info(pid_t tid, struct task_info *ti)
{
	char path[64], buf[1024], *p;
	ssize_t n;

	memset(ti, 0, sizeof(*ti));
	snprintf(path, sizeof(path), "/proc/%d/status", tid);
	read_small(path, buf, sizeof(buf));
	if ((p = strstr(buf, "\nTgid:")))
		ti->tgid = atoi(p + 6);
	snprintf(path, sizeof(path), "/proc/%d/comm", tid);
	read_small(path, ti->comm, sizeof(ti->comm));
	ti->comm[strcspn(ti->comm, "\n")] = '\0';
	snprintf(path, sizeof(path), "/proc/%d/exe", tid);
	n = readlink(path, ti->exe, sizeof(ti->exe) - 1);
	ti->exe[n > 0 ? n : 0] = '\0';
}

static int abi_of(const struct seccomp_data *d)
{
#if defined(__x86_64__)
	if (d->arch == AUDIT_ARCH_I386)
		return ABI_X86;
	if (d->arch == AUDIT_ARCH_X86_64 && (d->nr & __X32_SYSCALL_BIT))
		return ABI_X32;
#endif
	return ABI_NATIVE;
}

static uint32_t abi_token(int abi)
{
	return abis[abi].token ? abis[abi].token : seccomp_arch_native();
}

static void report(struct sandbox *s, const struct seccomp_notif *req,
		   const struct task_info *ti, const char *action)
{
	int abi = abi_of(&req->data);
	char *name = seccomp_syscall_resolve_num_arch(abi_token(abi), req->data.nr);
	char ts[VG_RFC3339_LEN];
	struct timespec now;
	struct vg_buf *b = &s->out;
	size_t start = b->len;

	if (s->out_fd < 0) {
		free(name);
		if (s->o->report_fd >= 0)
			s->res->reports_dropped++;
		return;
	}
	clock_gettime(CLOCK_REALTIME, &now);
	vg_format_rfc3339((uint64_t)now.tv_sec * 1000000000ULL + (uint64_t)now.tv_nsec, ts);
	vg_buf_addf(b, "{\"time\":\"%s\",\"kind\":\"seccomp\",\"pid\":%d,\"tid\":%u,\"comm\":",
		    ts, ti->tgid ? ti->tgid : (pid_t)req->pid, req->pid);
	vg_json_cstr(b, ti->comm[0] ? ti->comm : NULL);
	vg_buf_adds(b, ",\"exe\":");
	vg_json_cstr(b, ti->exe[0] ? ti->exe : NULL);
	vg_buf_adds(b, ",\"syscall\":");
	vg_json_cstr(b, name);
	vg_buf_addf(b, ",\"nr\":%d,\"arch\":\"%s\",\"args\":[", req->data.nr, abis[abi].name);
	for (int i = 0; i < 6; i++)
		vg_buf_addf(b, "%s%llu", i ? "," : "", (unsigned long long)req->data.args[i]);
	vg_buf_addf(b, "],\"action\":\"%s\"}\n", action);
	free(name);
	if (b->oom || b->len > OUT_MAX) {
		/* The reader is far behind: this record is lost, and counted. */
		b->oom = false;
		b->len = start;
		b->data[start] = '\0';
		s->res->reports_dropped++;
	}
}

/* ---- notifications ---------------------------------------------------------------- */

/* Answer: -errno fails the call, 0 with `cont` lets it run. 0, or -errno when we cannot. */
static int respond(struct sandbox *s, uint64_t id, int error, bool cont)
{
	struct seccomp_notif_resp *r = s->resp;

	memset(r, 0, sizeof(*r));
	r->id = id;
	r->error = error;
	r->flags = cont ? SECCOMP_USER_NOTIF_FLAG_CONTINUE : 0;
	errno = 0;
	if (seccomp_notify_respond(s->listener, r)) {
		/* ENOENT: the task is gone (killed, or its wait interrupted). */
		if (errno == ENOENT)
			return 0;
		return -(errno ? errno : EIO);
	}
	return 0;
}

/* Is this the child before its execve, i.e. still vigil's own code? */
static bool is_setup(struct sandbox *s, pid_t pid)
{
	if (s->child_execed || pid != s->child)
		return false;
	if (syscall(SYS_kcmp, getpid(), pid, KCMP_FILES, 0, 0) == 0)
		return true;
	s->child_execed = true;
	return false;
}

static void learn_count(struct sandbox *s, const struct seccomp_data *d)
{
	int abi = abi_of(d);
	unsigned int nr = (unsigned int)d->nr & ~(unsigned int)__X32_SYSCALL_BIT;

	if (nr < NR_SLOTS)
		s->counts[abi][nr]++;
	else
		s->uncounted++;
}

static void kill_task(struct sandbox *s, const struct seccomp_notif *req,
		      const struct task_info *ti)
{
	pid_t pid = ti->tgid ? ti->tgid : (pid_t)req->pid;
	int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);

	if (pidfd < 0)
		return;
	/* Still the task that made the call (so pid was not reused)? */
	if (!seccomp_notify_id_valid(s->listener, req->id) &&
	    !syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, NULL, 0))
		s->res->killed++;
	close(pidfd);
}

/* Receive one notification and answer it.  0, or -errno when the listener fails. */
static int handle_one(struct sandbox *s)
{
	struct seccomp_notif *req = s->req;
	struct task_info ti;
	bool kill;
	int err;

	memset(req, 0, sizeof(*req));
	errno = 0;
	if (seccomp_notify_receive(s->listener, req)) {
		/* ENOENT: the task went away between poll and receive. */
		if (errno == ENOENT || errno == EINTR)
			return 0;
		err = -(errno ? errno : EIO);
		return vg_error("cannot receive a seccomp notification: %s", strerror(-err)), err;
	}
	s->res->notifications++;

	if (is_setup(s, (pid_t)req->pid)) {
		/* execve of the command: what any run needs, so learn mode lists it */
		if (s->o->mode == VG_SANDBOX_LEARN && abi_of(&req->data) == ABI_NATIVE &&
		    req->data.nr == seccomp_syscall_resolve_name("execve"))
			learn_count(s, &req->data);
		err = respond(s, req->id, 0, true);
	} else if (s->o->mode == VG_SANDBOX_LEARN) {
		learn_count(s, &req->data);
		err = respond(s, req->id, 0, true);
	} else {
		/* Who it is, read while the notification holds the task; then answer, then report. */
		task_info((pid_t)req->pid, &ti);
		if (seccomp_notify_id_valid(s->listener, req->id))
			memset(&ti, 0, sizeof(ti));	/* gone meanwhile: /proc may be another's */
		s->res->violations++;
		kill = s->o->on_violation == VG_SANDBOX_KILL;
		if (kill)
			kill_task(s, req, &ti);
		err = respond(s, req->id, -EPERM, false);
		report(s, req, &ti, kill ? "kill" : "errno");
	}
	if (err)
		vg_error("cannot answer a seccomp notification: %s", strerror(-err));
	return err;
}

/* ---- the supervisor loop ---------------------------------------------------------- */

/* Collect the command's status (waitpid flags: 0 or WNOHANG). */
static void reap(struct sandbox *s, int flags)
{
	int status;
	pid_t r;

	if (s->child_done)
		return;
	while ((r = waitpid(s->child, &status, flags)) < 0 && errno == EINTR)
		;
	if (r < 0 && errno == ECHILD) {
		/* SIGCHLD ignored by whoever started us: the status is lost. */
		s->child_done = true;
		s->res->exit_code = 255;
		vg_warn("the exit status of '%s' is lost (SIGCHLD is ignored)", s->argv0);
		return;
	}
	if (r != s->child)
		return;
	s->child_done = true;
	s->res->status = status;
	if (WIFEXITED(status))
		s->res->exit_code = WEXITSTATUS(status);
	else if (WIFSIGNALED(status))
		s->res->exit_code = 128 + WTERMSIG(status);
	else
		s->res->exit_code = 255;
}

/* A signal for vigil: pass it on, unless the kernel sent it to the whole group (a tty). */
static void forward_signals(struct sandbox *s)
{
	struct signalfd_siginfo si;

	while (read(s->sigfd, &si, sizeof(si)) == sizeof(si)) {
		if (s->child_done || si.ssi_code == SI_KERNEL)
			continue;
		syscall(SYS_pidfd_send_signal, s->pidfd, (int)si.ssi_signo, NULL, 0);
	}
}

/* Does any task still use the filter?  (The listener hangs up when none does.) */
static bool still_used(struct sandbox *s)
{
	struct pollfd p = { .fd = s->listener, .events = POLLIN };

	return poll(&p, 1, 0) >= 0 && !(p.revents & POLLHUP);
}

/* After the command exited: answer what is pending, then stop listening. */
static int drain(struct sandbox *s)
{
	for (int i = 0; i < DRAIN_MAX; i++) {
		struct pollfd p = { .fd = s->listener, .events = POLLIN };
		int err;

		if (poll(&p, 1, 0) <= 0 || !(p.revents & POLLIN))
			return 0;
		err = handle_one(s);
		if (err)
			return err;
	}
	return 0;
}

static int supervise(struct sandbox *s)
{
	enum { P_LISTENER, P_CHILD, P_SIG, P_OUT, P_MAX };
	struct pollfd p[P_MAX];
	int err = 0;

	for (;;) {
		if (s->child_done && (!s->o->wait_all || s->listener_hup))
			break;
		p[P_LISTENER] = (struct pollfd){ .fd = s->listener_hup ? -1 : s->listener,
						  .events = POLLIN };
		p[P_CHILD] = (struct pollfd){ .fd = s->child_done ? -1 : s->pidfd,
					       .events = POLLIN };
		p[P_SIG] = (struct pollfd){ .fd = s->sigfd, .events = POLLIN };
		p[P_OUT] = (struct pollfd){ .fd = s->out.len ? s->out_fd : -1,
					     .events = POLLOUT };
		if (poll(p, P_MAX, -1) < 0) {
			err = -errno;
			if (err == -EINTR)
				continue;
			return vg_error("poll: %s", strerror(-err)), err;
		}
		if (p[P_LISTENER].revents & POLLIN) {
			err = handle_one(s);
			if (err)
				return err;
		} else if (p[P_LISTENER].revents & (POLLHUP | POLLERR)) {
			s->listener_hup = true;
		}
		if (p[P_CHILD].revents)
			reap(s, WNOHANG);
		if (p[P_SIG].revents)
			forward_signals(s);
		if (p[P_OUT].revents & POLLOUT)
			out_flush(s, false);
		else if (p[P_OUT].revents & (POLLERR | POLLHUP | POLLNVAL))
			out_broken(s, EPIPE);
	}
	if (!s->listener_hup)
		err = drain(s);
	if (!err && !s->listener_hup && still_used(s))
		vg_warn("processes started by '%s' still run under the filter without vigil: "
			"their calls outside the list now fail with ENOSYS, unreported "
			"(--wait-all supervises them to the end)", s->argv0);
	return err;
}

/* ---- learned syscalls ------------------------------------------------------------- */

static int cmp_count(const void *a, const void *b)
{
	return strcmp(((const struct vg_sandbox_count *)a)->name,
		      ((const struct vg_sandbox_count *)b)->name);
}

static int learned_collect(struct sandbox *s)
{
	struct vg_sandbox_result *res = s->res;
	size_t n = 0, w = 0;

	for (int a = 0; a < ABI_MAX; a++)
		for (int nr = 0; nr < NR_SLOTS; nr++)
			n += s->counts[a][nr] != 0;
	res->learned = calloc(n ? n : 1, sizeof(*res->learned));
	if (!res->learned)
		return -ENOMEM;
	for (int a = 0; a < ABI_MAX; a++) {
		for (int nr = 0; nr < NR_SLOTS; nr++) {
			char *name;

			if (!s->counts[a][nr])
				continue;
			name = seccomp_syscall_resolve_num_arch(abi_token(a),
								a == ABI_X32 ?
								nr | __X32_SYSCALL_BIT : nr);
			if (!name) {
				vg_warn("learned syscall %d (%s) has no name in libseccomp: left out",
					nr, abis[a].name);
				continue;
			}
			res->learned[w].name = name;
			res->learned[w++].count = s->counts[a][nr];
		}
	}
	if (s->uncounted)
		vg_warn("%llu calls with numbers beyond %d were not counted",
			(unsigned long long)s->uncounted, NR_SLOTS);
	qsort(res->learned, w, sizeof(*res->learned), cmp_count);
	/* One line per name: x86 and x86_64 calls of one name add up. */
	n = 0;
	for (size_t i = 0; i < w; i++) {
		if (n && !strcmp(res->learned[n - 1].name, res->learned[i].name)) {
			res->learned[n - 1].count += res->learned[i].count;
			free(res->learned[i].name);
		} else {
			res->learned[n++] = res->learned[i];
		}
	}
	res->n_learned = n;
	return 0;
}

int vg_sandbox_write_learned(FILE *f, const struct vg_sandbox_result *res,
			     char *const argv[])
{
	fputs("# vigil sandbox --learn: the syscalls of:", f);
	for (size_t i = 0; argv[i]; i++) {
		fputc(' ', f);
		for (const char *p = argv[i]; *p; p++)
			fputc(*p >= 0x20 && *p < 0x7f ? *p : '?', f);
	}
	fprintf(f, "\n# exit status %d; NAME COUNT per line (docs/sandbox.md)\n",
		res->exit_code);
	for (size_t i = 0; i < res->n_learned; i++)
		fprintf(f, "%s %llu\n", res->learned[i].name,
			(unsigned long long)res->learned[i].count);
	if (fflush(f) || ferror(f))
		return errno ? -errno : -EIO;
	return 0;
}

void vg_sandbox_result_release(struct vg_sandbox_result *res)
{
	for (size_t i = 0; i < res->n_learned; i++)
		free(res->learned[i].name);
	free(res->learned);
	res->learned = NULL;
	res->n_learned = 0;
}

/* ---- run -------------------------------------------------------------------------- */

int vg_sandbox_run(const struct vg_sandbox_opts *o, char *const argv[],
		   struct vg_sandbox_result *res)
{
	struct sandbox s = { .o = o, .res = res, .argv0 = argv ? argv[0] : NULL,
			     .pidfd = -1, .listener = -1, .sigfd = -1, .out_fd = -1 };
	scmp_filter_ctx ctx = NULL;
	sigset_t block, old;
	char path[PATH_MAX], why[256];
	struct sigaction old_pipe;
	bool pipe_ignored = false;
	fd_set before;
	pid_t self;
	int err;

	memset(res, 0, sizeof(*res));
	vg_buf_init(&s.out);
	if (!argv || !argv[0])
		return -EINVAL;
	err = vg_sandbox_supported(why, sizeof(why));
	if (err)
		return vg_error("sandbox not supported here: %s", why), err;
	if (o->wait_all && !kernel_at_least(5, 8, why, sizeof(why)))
		return vg_error("--wait-all: Linux %s does not say when the last process under "
				"a filter is gone (5.8+)", why), -EOPNOTSUPP;
	err = find_command(argv[0], path, sizeof(path));
	if (err)
		return vg_error("cannot run '%s': %s", argv[0], strerror(-err)), err;
	err = build_filter(o, &ctx);
	if (err)
		return err;
	if (seccomp_notify_alloc(&s.req, &s.resp)) {
		seccomp_release(ctx);
		return vg_error("cannot allocate seccomp notification buffers"), -ENOMEM;
	}
	if (o->mode == VG_SANDBOX_LEARN && !(s.counts = calloc(ABI_MAX, sizeof(*s.counts)))) {
		err = -ENOMEM;
		goto out;
	}

	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGHUP);
	sigaddset(&block, SIGQUIT);
	sigprocmask(SIG_BLOCK, &block, &old);
	s.sigfd = signalfd(-1, &block, SFD_CLOEXEC | SFD_NONBLOCK);
	if (s.sigfd < 0) {
		err = -errno;
		vg_error("signalfd: %s", strerror(errno));
		goto out_mask;
	}
	listeners_now(&before);
	fflush(NULL);	/* nothing buffered to be written twice */
	self = getpid();

	s.child = (pid_t)syscall(SYS_clone, CLONE_FILES | SIGCHLD, NULL, NULL, NULL, NULL);
	if (s.child < 0) {
		err = -errno;
		vg_error("cannot start '%s': clone: %s", argv[0], strerror(errno));
		goto out_mask;
	}
	if (s.child == 0)
		child_main(ctx, path, argv, &old, self);

	s.pidfd = (int)syscall(SYS_pidfd_open, s.child, 0);
	if (s.pidfd < 0) {
		err = -errno;
		vg_error("pidfd_open: %s", strerror(errno));
		kill(s.child, SIGKILL);
		waitpid(s.child, NULL, 0);
		goto out_mask;
	}
	/* The child's seccomp_load() puts the listener into our table: wait for it. */
	while ((s.listener = find_listener(&before)) < 0) {
		struct pollfd p = { .fd = s.pidfd, .events = POLLIN };

		if (poll(&p, 1, 1) > 0) {
			/* It exited before loading the filter; it said why. */
			reap(&s, 0);
			goto out_mask;
		}
	}
	/* A closed report pipe is an error to handle, not vigil's death. */
	sigaction(SIGPIPE, &(struct sigaction){ .sa_handler = SIG_IGN }, &old_pipe);
	pipe_ignored = true;
	out_open(&s, o->report_fd);
	err = supervise(&s);
	if (err) {
		/* Closing the listener below fails every waiting call with ENOSYS: no hang. */
		syscall(SYS_pidfd_send_signal, s.pidfd, SIGKILL, NULL, 0);
		reap(&s, 0);
	}
	out_flush(&s, true);
	if (!err && o->mode == VG_SANDBOX_LEARN)
		err = learned_collect(&s);
out_mask:
	if (s.sigfd >= 0) {
		struct signalfd_siginfo si;

		while (read(s.sigfd, &si, sizeof(si)) == sizeof(si))
			;	/* consumed: not delivered to vigil when unblocked */
		close(s.sigfd);
	}
	sigprocmask(SIG_SETMASK, &old, NULL);
	if (pipe_ignored)
		sigaction(SIGPIPE, &old_pipe, NULL);
out:
	if (s.listener >= 0)
		close(s.listener);
	if (s.pidfd >= 0)
		close(s.pidfd);
	if (s.out_owned)
		close(s.out_fd);
	vg_buf_release(&s.out);
	free(s.counts);
	seccomp_notify_free(s.req, s.resp);
	seccomp_release(ctx);
	return err;
}
