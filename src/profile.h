/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * profile.h - learned behaviour profiles (docs/profiles.md, format version 1).
 *
 * A struct vg_profile holds every section of a profile: what was learned
 * (workload, scope, learned, processes, syscalls, window), per-syscall
 * counts, n-gram counts for every length 1..window, programs executed,
 * files read and written, network peers and listening sockets, credential
 * changes and event rates.  Learners fill one with the adders below,
 * vg_profile_write() prints it sorted and deterministic, vg_profile_load()
 * reads it back (all or nothing), and merge/diff are what
 * `vigil profile merge|diff` do.  The detector (model.h) is built from one.
 *
 *	struct vg_profile p;
 *	struct vg_profile_diag d;
 *	char msg[512];
 *
 *	vg_profile_init(&p);
 *	if (vg_profile_load(&p, "web.profile", &d))
 *		fprintf(stderr, "%s\n", vg_profile_diag_format(&d, msg, sizeof(msg)));
 *	...
 *	vg_profile_release(&p);
 *
 * Paths, names and addresses are kept in their written form: bytes outside
 * printable ASCII, and the backslash, as \xHH (lowercase).  The adders take
 * raw strings and escape them.
 */
#ifndef VIGIL_PROFILE_H
#define VIGIL_PROFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <vigil/ngram.h>

#define VG_PROFILE_VERSION	1
/*
 * File path generalisation: once a directory holds more than this many
 * distinct files of one mode (read or write), they are replaced by one
 * `DIR/\*` entry carrying the sum of their counts, and every later file
 * directly in DIR counts there.  Only direct children: /a/b/c is in /a/b.
 */
#define VG_PROFILE_DIR_MAX	32

enum vg_profile_scope {
	VG_SCOPE_NONE = 0,	/* not set (a profile being built) */
	VG_SCOPE_EXE,
	VG_SCOPE_CGROUP,
	VG_SCOPE_CONTAINER,
	VG_SCOPE_TRACES,
};

/* What the workload's anomalies do (docs/profiles.md, "Lifecycle"):
 * learn - the profile grows with what it does, nothing is reported;
 * audit - anomalies are reported, policies bound to them do not act;
 * enforce - anomalies are reported and policies act. */
enum vg_profile_mode {
	VG_MODE_NONE = 0,	/* no `mode` line: whatever the agent is told */
	VG_MODE_LEARN,
	VG_MODE_AUDIT,
	VG_MODE_ENFORCE,
};

enum vg_profile_file_mode {
	VG_PROFILE_FILE_READ = 0,
	VG_PROFILE_FILE_WRITE,
};

enum vg_profile_rate_kind {
	VG_RATE_EXEC = 0,
	VG_RATE_FILE,
	VG_RATE_NET,
	VG_RATE_PRIV,
	VG_RATE_SYSCALL,
	VG_RATE_MAX,
};

/* A string-keyed count table (exec, file, connect, listen, cred lines):
 * the key is the line without its keyword and count, e.g. "tcp 10.0.0.5 3306". */
struct vg_profile_strmap {
	struct vg_profile_strent {
		char *key;		/* NULL: empty slot */
		uint64_t count;
	} *slots;
	size_t cap, n;
};

/* N-gram counts: a sequence of 1..VG_NGRAM_MAX syscall numbers, oldest first. */
struct vg_profile_ngram {
	uint16_t nr[VG_NGRAM_MAX];
	uint8_t len;		/* 0: empty slot */
	uint64_t key;		/* vg_profile_ngram_key(nr, len), the kernel's key */
	uint64_t count;
};

struct vg_profile_ngrams {
	struct vg_profile_ngram *slots;
	size_t cap, n;
};

struct vg_profile {
	enum vg_profile_scope workload_kind;	/* workload exe|cgroup|container|traces */
	char *workload;				/* escaped; NULL until set */
	enum vg_profile_scope scope;
	char *scope_of;				/* escaped cgroup path / container id; NULL for exe, traces */
	enum vg_profile_mode mode;
	bool has_learned;
	char learned_time[21];			/* "YYYY-MM-DDTHH:MM:SSZ" */
	uint64_t learned_seconds;
	uint64_t processes;
	uint64_t syscalls;
	unsigned int window;			/* 1..VG_NGRAM_MAX */
	uint64_t syscall_count[VG_SYSCALL_NR_MAX];
	char *syscall_name[VG_SYSCALL_NR_MAX];	/* as loaded; NULL: derived on writing */
	struct vg_profile_ngrams ngrams;
	struct vg_profile_strmap exec;
	struct vg_profile_strmap file[2];	/* by enum vg_profile_file_mode */
	struct vg_profile_strmap file_dirs[2];	/* derived: distinct files per directory */
	struct vg_profile_strmap connect;
	struct vg_profile_strmap listen;
	struct vg_profile_strmap cred;
	bool has_rate[VG_RATE_MAX];
	double rate[VG_RATE_MAX];
};

/* Where and why a load failed: "FILE:LINE: FIELD: problem (hint)". */
struct vg_profile_diag {
	char file[256];
	unsigned int line;	/* 1-based; 0: the file as a whole */
	char field[32];		/* the line's keyword; "" when none */
	char msg[256];		/* "problem (hint)" */
};

void vg_profile_init(struct vg_profile *p);	/* empty, window VG_NGRAM_DEFAULT */
void vg_profile_release(struct vg_profile *p);

/*
 * Load a profile.  On success returns 0 and p (initialised; what it held
 * is released) holds it.  On failure returns -EINVAL (a malformed profile:
 * the first problem), -ENOMEM or -errno (I/O), fills *d when d is not
 * NULL, and leaves p as it was: never half-loaded.
 */
int vg_profile_load(struct vg_profile *p, const char *path, struct vg_profile_diag *d);
/* The same from memory; `name` is the FILE of diagnostics. */
int vg_profile_load_buffer(struct vg_profile *p, const char *name, const char *buf,
			   size_t len, struct vg_profile_diag *d);

/* "FILE:LINE: FIELD: MSG" (or "FILE: MSG") into buf; returns buf. */
const char *vg_profile_diag_format(const struct vg_profile_diag *d, char *buf, size_t len);

/*
 * Write p in the order of docs/profiles.md, each section sorted (numbers
 * numerically, strings bytewise): the same profile always gives the same
 * bytes.  Returns 0 or -EIO.  A syscall line's NAME is the loaded one, or
 * the x86_64 name, or `?` when unknown or when the scope is `traces`
 * (trace files do not say which ABI their numbers are).
 */
int vg_profile_write(FILE *f, const struct vg_profile *p);
/* Write to path (created 0644, replaced atomically through path.tmp). */
int vg_profile_save(const struct vg_profile *p, const char *path);

/*
 * Add src into dst: counts, processes, syscalls and learning seconds add
 * up; the earliest learning start is kept; rates are averaged weighted by
 * learning seconds (the largest is kept when neither has seconds); the
 * largest window is kept; everything else is a union, files through
 * vg_profile_add_file() so that generalisation applies.  The workloads must
 * be the same (-EINVAL otherwise, dst unchanged); an empty dst (no
 * workload) takes src's.  Returns 0, -EINVAL or -ENOMEM.
 */
int vg_profile_merge(struct vg_profile *dst, const struct vg_profile *src);

/*
 * Print what differs between a and b, one line each, in profile order:
 *   "- LINE"           a line only a has
 *   "+ LINE"           a line only b has
 *   "~ KEY A -> B"     a line both have with a different count or value
 * Returns the number of lines printed (0: same profile), or -EIO.
 */
int vg_profile_diff(FILE *f, const struct vg_profile *a, const struct vg_profile *b);

/* --- building a profile (learners) ------------------------------------------ */

/* workload KIND WHAT (raw; escaped here).  -EINVAL for VG_SCOPE_NONE. */
int vg_profile_set_workload(struct vg_profile *p, enum vg_profile_scope kind, const char *what);
/* scope cgroup PATH / scope container ID (what: raw), or exe / traces
 * (what NULL).  -EINVAL when `what` is missing or not expected. */
int vg_profile_set_scope(struct vg_profile *p, enum vg_profile_scope scope, const char *what);
int vg_profile_set_learned(struct vg_profile *p, int64_t start_unix, uint64_t seconds);
/* 1..VG_NGRAM_MAX; it may grow but not shrink once n-grams are added (-EBUSY). */
int vg_profile_set_window(struct vg_profile *p, unsigned int window);
int vg_profile_set_rate(struct vg_profile *p, enum vg_profile_rate_kind kind, double per_second);

/* One syscall seen: its count and the `syscalls` total.  -EINVAL if nr is
 * not below VG_SYSCALL_NR_MAX. */
int vg_profile_add_syscall(struct vg_profile *p, uint16_t nr, uint64_t count);
/*
 * The window ending at the syscall just seen: nrs[0..len) oldest first,
 * len >= 1 (only the last `window` numbers count when len is larger).
 * Counts every suffix: the last syscall alone, the last two, ... the last
 * min(len, window).  Feeding each syscall of a stream with its preceding
 * history therefore counts every n-gram of length 1..window once.
 */
int vg_profile_add_syscall_window(struct vg_profile *p, const uint16_t *nrs, size_t len);
/* One n-gram (1..window numbers, oldest first) seen count more times, as a
 * kernel map reports them: counts only that sequence, no suffixes. */
int vg_profile_add_ngram(struct vg_profile *p, const uint16_t *nrs, size_t len, uint64_t count);
/* A whole trace: processes += 1, then for each syscall add_syscall() and
 * add_syscall_window() with its history. */
int vg_profile_add_trace(struct vg_profile *p, const uint16_t *nrs, size_t n);

int vg_profile_add_exec(struct vg_profile *p, const char *path, uint64_t count);
int vg_profile_add_file(struct vg_profile *p, enum vg_profile_file_mode mode,
			const char *path, uint64_t count);
/* proto "tcp"/"udp" with an IPv4/IPv6 literal and a port, or "unix" with a
 * path and port 0.  -EINVAL otherwise. */
int vg_profile_add_connect(struct vg_profile *p, const char *proto, const char *addr,
			   unsigned int port, uint64_t count);
int vg_profile_add_listen(struct vg_profile *p, const char *proto, const char *addr,
			  unsigned int port, uint64_t count);
/* op: lowercase [a-z0-9_]+ (setuid, setresuid, capset, exec, ...). */
int vg_profile_add_cred(struct vg_profile *p, const char *op, uint32_t euid, uint64_t count);

/* --- reading one ------------------------------------------------------------ */

/* The count of one n-gram (0 if absent). */
uint64_t vg_profile_ngram_count(const struct vg_profile *p, const uint16_t *nrs, size_t len);
/* The kernel's key of a sequence (include/vigil/ngram.h). */
uint64_t vg_profile_ngram_key(const uint16_t *nrs, size_t len);
/* The name written on a syscall line (see vg_profile_write). */
const char *vg_profile_syscall_name(const struct vg_profile *p, unsigned int nr);

const char *vg_profile_scope_name(enum vg_profile_scope s);
const char *vg_profile_mode_name(enum vg_profile_mode m);	/* "learn", ...; "" for none */
int vg_profile_mode_by_name(const char *s);			/* -1: unknown */
const char *vg_profile_rate_name(enum vg_profile_rate_kind k);

/* Escape raw bytes as profiles store them into a malloc'ed string (NULL
 * and errno on failure); unescape writes at most len-1 bytes and a NUL. */
char *vg_profile_escape(const char *raw);
void vg_profile_unescape(const char *esc, char *out, size_t len);

/*
 * A string map's entries in written order: returns how many, with *out a
 * malloc'ed array of pointers into the map (NULL when none; free() it).
 * Out of memory: returns 0 with *out NULL and errno ENOMEM.
 */
size_t vg_profile_strmap_sorted(const struct vg_profile_strmap *m,
				const struct vg_profile_strent ***out);
/* The same for the n-grams (every length; g->len says which). */
size_t vg_profile_ngrams_sorted(const struct vg_profile *p,
				const struct vg_profile_ngram ***out);

#endif /* VIGIL_PROFILE_H */
