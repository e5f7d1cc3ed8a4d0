/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * top_model.h - the per-process table of `vigil top` (docs/top.md): counters
 * collected once per interval turned into rates, sorted, filtered and laid
 * out as text lines of a given width.  Pure code: no kernel, no /proc, no
 * terminal (src/top_collect.c feeds it, src/top_view.c draws it).
 *
 * One sample:
 *
 *	vg_top_begin(t, now_ns);
 *	vg_top_proc(t, pid, comm, exe);		// every live process
 *	vg_top_cpu(t, pid, cpu_ns, runq_p99_ns);	// this interval's figures
 *	vg_top_total(t, pid, VG_TOP_C_SYSCALLS, n);	// running totals
 *	vg_top_end(t);				// rates; processes not seen go
 *
 * and between samples, as events arrive: vg_top_flow() (network bytes),
 * vg_top_anomaly(), vg_top_action(), vg_top_exit().
 *
 * Running totals become per-second rates: (total - previous) / interval.
 * A total seen for the first time counts from zero when it began after
 * the previous sample (kernel counters made while top runs; any counter of
 * a process started since the previous sample), else it is only the
 * baseline.  A total that went backwards started over (an entry deleted
 * and made again): it counts from zero.
 */
#ifndef VIGIL_TOP_MODEL_H
#define VIGIL_TOP_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Running totals a process has. */
enum vg_top_counter {
	VG_TOP_C_SYSCALLS,	/* syscalls entered (kernel map, made at start: from zero) */
	VG_TOP_C_IO,		/* block I/O bytes (kernel map, made at start: from zero) */
	VG_TOP_C_WRITES,	/* bytes written: /proc/PID/io wchar (since the process began) */
	VG_TOP_C_MAX,
};

/* What the table is sorted by; all but pid busiest first. */
enum vg_top_sort {
	VG_TOP_SORT_CPU,
	VG_TOP_SORT_SYSCALLS,
	VG_TOP_SORT_RUNQ,
	VG_TOP_SORT_IO,
	VG_TOP_SORT_NET,
	VG_TOP_SORT_WRITES,
	VG_TOP_SORT_ANOMALIES,	/* anomalies, then policy decisions */
	VG_TOP_SORT_PID,	/* ascending */
	VG_TOP_SORT_MAX,
};

/* "cpu", "syscalls", ... (the --sort names); NULL when out of range. */
const char *vg_top_sort_name(enum vg_top_sort s);
/* --sort NAME, or a key ('c', 's', ...); -1 when unknown. */
int vg_top_sort_parse(const char *name);
int vg_top_sort_key(int key);

struct vg_top_row {
	uint32_t pid;
	char comm[16];			/* as given (may hold any bytes) */
	char *exe;			/* owned; NULL: unknown */
	/* the last interval */
	double cpu_percent;		/* of one CPU */
	uint64_t runq_p99_ns;		/* 0: did not wait */
	double syscalls_per_s;
	double io_bytes_per_s;
	double net_bytes_per_s;		/* sent + received */
	double write_bytes_per_s;
	/* since top started */
	uint64_t anomalies;
	uint64_t actions;		/* policy decisions about the process */
	unsigned int gone;		/* samples since it was last seen alive (0: alive) */
	/* private */
	uint64_t cpu_ns, net_bytes;	/* this interval's, so far */
	uint64_t delta[VG_TOP_C_MAX];	/* this interval's */
	uint64_t last[VG_TOP_C_MAX];
	bool have[VG_TOP_C_MAX];
	bool alive;			/* seen in the sample being made */
	bool fresh;			/* first seen after the previous sample */
	bool exited;			/* an exit event: the pid's next process is another */
};

/* Rows of processes that exited stay this many samples when they had
 * anomalies or policy decisions (a process a policy killed stays visible);
 * others go at once. */
#define VG_TOP_LINGER 5

/* A TCP connection's identity, for vg_top_flow(). */
struct vg_top_flow_key {
	uint16_t family;
	uint16_t sport, dport;
	uint8_t saddr[16], daddr[16];
};

struct vg_top_opts {
	enum vg_top_sort sort;
	const char *filter;		/* substring of comm or exe, any case; NULL or "": all */
};

struct vg_top {
	struct vg_top_row **rows;	/* by pid */
	size_t n, cap;
	struct vg_top_row **view;	/* filtered, sorted (vg_top_view) */
	size_t n_view;
	uint64_t last_ns, now_ns;	/* previous and current sample (boot ns) */
	uint64_t interval_ns;		/* between the last two samples; 0: none yet */
	unsigned int samples;
	struct vg_top_flowent *flows;	/* open connections' totals so far */
	size_t n_flows, cap_flows;
	bool oom;			/* an allocation failed: some figures are missing */
};

void vg_top_init(struct vg_top *t);
void vg_top_release(struct vg_top *t);

/* Start a sample at now_ns (boot time). */
void vg_top_begin(struct vg_top *t, uint64_t now_ns);

/* A live process: its row, made when new (comm and exe are copied; exe
 * NULL keeps what the row had).  NULL when out of memory.  A pid whose
 * exit was reported since the previous sample is not taken as alive (a
 * zombie not reaped yet, or a new process with the pid this soon): it is
 * a new row from the next sample on. */
struct vg_top_row *vg_top_proc(struct vg_top *t, uint32_t pid, const char *comm,
			       const char *exe);

/* The row of pid, or NULL. */
struct vg_top_row *vg_top_find(const struct vg_top *t, uint32_t pid);

/* pid's CPU time and run-queue p99 in this interval (no row: ignored). */
void vg_top_cpu(struct vg_top *t, uint32_t pid, uint64_t cpu_ns, uint64_t runq_p99_ns);

/* pid's running total of counter c (no row: ignored). */
void vg_top_total(struct vg_top *t, uint32_t pid, enum vg_top_counter c, uint64_t total);

/* Does pid's row need counter c read now?  Only when it ran in the
 * interval (vg_top_cpu said so: a process off the CPU cannot have changed
 * it) or has no baseline yet.  For the counters read from /proc. */
bool vg_top_wants(const struct vg_top *t, uint32_t pid, enum vg_top_counter c);

/* End the sample: rates over the interval; rows not seen are removed. */
void vg_top_end(struct vg_top *t);

/*
 * A flow record of pid's TCP connection k with its running totals (bytes
 * sent + received); closed: its last.  What is new since the connection's
 * previous record is added to pid's next rates; a connection first seen
 * counts from zero (vigil saw it open: flows of connections opened before
 * vigil are never attributed).  Returns the bytes added.
 */
uint64_t vg_top_flow(struct vg_top *t, uint32_t pid, const struct vg_top_flow_key *k,
		     uint64_t bytes, bool closed);
/* Connections tracked (for tests and the header). */
size_t vg_top_flows(const struct vg_top *t);

/* An anomaly report / a policy decision about pid (comm, exe: what the
 * event says, for a row not made yet; may be NULL). */
void vg_top_anomaly(struct vg_top *t, uint32_t pid, const char *comm, const char *exe);
void vg_top_action(struct vg_top *t, uint32_t pid, const char *comm, const char *exe);
/* pid exited: a process that reuses it is a new row. */
void vg_top_exit(struct vg_top *t, uint32_t pid);

/* Filter and sort into t->view / t->n_view.  0 or -ENOMEM. */
int vg_top_view(struct vg_top *t, const struct vg_top_opts *o);

/* ---- text ---------------------------------------------------------------- */

/* Narrow numbers, at most 5 columns: "3", "2.5", "999", "1.2k", "34k",
 * "3.4M", "12G"; bytes count in 1024s ("1.5M" is 1.5 MiB); "0" for 0. */
void vg_top_fmt_count(char *buf, size_t len, double v);
void vg_top_fmt_bytes(char *buf, size_t len, double v);
/* A duration, at most 6 columns: "0", "500ns", "12us", "1.5ms", "250ms",
 * "2.0s", "30s", "17m", "42h" (utf8: "µs"). */
void vg_top_fmt_ns(char *buf, size_t len, uint64_t ns, bool utf8);
/* A percentage: "100", "99.5", "0.3", "0". */
void vg_top_fmt_percent(char *buf, size_t len, double pct);

/* Display columns of a UTF-8 string (each code point one). */
size_t vg_top_text_width(const char *s);

/* The column header, each row, for a screen `width` columns wide (buf:
 * at least width * 4 + 1 bytes): columns are left out from the right
 * when narrower than 80; wider, the exe path fills what is left.  No
 * line is wider than `width`.  Bytes of comm and exe outside printable
 * ASCII become '?'.  *sort_at / *sort_len (may be NULL): where the
 * sorted column's title is in the header (len 0: not shown). */
void vg_top_fmt_header(char *buf, int width, enum vg_top_sort sort, size_t *sort_at,
		       size_t *sort_len);
void vg_top_fmt_row(char *buf, int width, const struct vg_top_row *r, bool utf8);

/* The first line: time, lost (events lost and syscalls not counted),
 * events/s, processes (shown/all), interval, sort and filter; shorter
 * forms where it does not fit, the shortest starting with the losses; cut
 * to width. */
struct vg_top_status {
	const char *clock;		/* "12:34:56" */
	uint64_t interval_ns;
	size_t shown, total;
	double events_per_s;
	uint64_t lost;
	enum vg_top_sort sort;
	const char *filter;		/* NULL or "": none */
};
void vg_top_fmt_status(char *buf, int width, const struct vg_top_status *s);

#endif /* VIGIL_TOP_MODEL_H */
