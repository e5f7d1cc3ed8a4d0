/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * model.h - the syscall-sequence detector: how anomalous a sequence of
 * syscalls is against a profile (docs/profiles.md, "The model").
 *
 * Two methods share one table of the profile's n-grams, keyed by the
 * kernel's n-gram key (include/vigil/ngram.h):
 *
 *   VG_MODEL_LM     (default) an interpolated Kneser-Ney language model over
 *                   the n-grams of length 1..order.  Each syscall gets its
 *                   surprisal, -ln P(syscall | the order-1 before it), in
 *                   nats; a trace scores the power mean of its surprisals
 *                   with exponent `power` (1.5), which sits between the
 *                   mean (p = 1, the trace's cross-entropy) and the maximum.
 *   VG_MODEL_STIDE  the classic STIDE baseline: each full window of `order`
 *                   syscalls is 1 if the profile never saw it, else 0; a
 *                   trace scores the fraction of its windows that are new.
 *
 * Higher is more anomalous for both.  vg_model_score_trace() scores a whole
 * trace; a live detector feeds syscalls one at a time to a
 * struct vg_model_stream and gets the same numbers.  The kernel side checks
 * membership of the window keys that vg_model_keys() lists.
 *
 *	struct vg_model m;
 *	struct vg_model_opts o = { .method = VG_MODEL_LM };
 *
 *	if (vg_model_init(&m, &profile, &o) == 0) {
 *		double s = vg_model_score_trace(&m, nrs, n);
 *		vg_model_release(&m);
 *	}
 */
#ifndef VIGIL_MODEL_H
#define VIGIL_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "profile.h"

#define VG_MODEL_POWER		1.5	/* the LM trace score's exponent */

enum vg_model_method {
	VG_MODEL_LM = 0,
	VG_MODEL_STIDE,
};

struct vg_model_opts {
	enum vg_model_method method;
	unsigned int order;	/* n-gram length used, 1..window; 0: the profile's window */
	double power;		/* LM trace score exponent (>= 1); 0: VG_MODEL_POWER */
};

struct vg_model_gram;		/* model.c */

struct vg_model {
	enum vg_model_method method;
	unsigned int order;
	double power;
	struct vg_model_gram *slots;	/* every n-gram of length 0..order it needs */
	size_t cap, n;
	size_t n_by_len[VG_NGRAM_MAX + 1];	/* n-grams of each length with a count */
	double d_raw[VG_NGRAM_MAX + 1];		/* Kneser-Ney discounts, by n-gram length */
	double d_cont[VG_NGRAM_MAX + 1];
};

/*
 * Build the model of profile p (which may be released afterwards).
 * Returns 0, -EINVAL (bad options: order above the profile's window, power
 * below 1, unknown method) or -ENOMEM.
 */
int vg_model_init(struct vg_model *m, const struct vg_profile *p, const struct vg_model_opts *o);
void vg_model_release(struct vg_model *m);

/* The score of a whole trace (0 for an empty one, or for STIDE one shorter
 * than a window).  Numbers >= VG_SYSCALL_NR_MAX are syscalls never seen. */
double vg_model_score_trace(const struct vg_model *m, const uint16_t *nrs, size_t n);

/*
 * The anomaly of the last syscall of hist[0..len) given the ones before it
 * (oldest first; only the last `order` count): LM, its surprisal in nats;
 * STIDE, 1 if the window is new else 0, NAN when len < order.
 */
double vg_model_event(const struct vg_model *m, const uint16_t *hist, size_t len);

/* LM: P(last | the ones before) of hist[0..len), in (0, 1]; the
 * probabilities of every possible last syscall (0..VG_SYSCALL_NR_MAX-1)
 * sum to 1.  STIDE: 1 if the window is known, else 0. */
double vg_model_prob(const struct vg_model *m, const uint16_t *hist, size_t len);

/* Whether the profile saw this exact sequence (1..order numbers). */
bool vg_model_known(const struct vg_model *m, const uint16_t *nrs, size_t len);

/*
 * The kernel's keys (vg_profile_ngram_key: FNV-1a of the numbers seeded
 * with the length) of every n-gram of length len (1..order) in the model,
 * sorted, as a malloc'ed array.  With len == order, the set a BPF program
 * checks a task's window against (a miss is a window STIDE calls new and
 * the event to send to user space).  Returns 0, -EINVAL or -ENOMEM.
 */
int vg_model_keys(const struct vg_model *m, unsigned int len, uint64_t **keys, size_t *n);

/*
 * Scoring a stream of syscalls one at a time (one per task, say).  With
 * span 0 the score covers everything pushed and equals
 * vg_model_score_trace() of the same syscalls; with span N it covers the
 * last N scored events (a sliding window, for long-lived processes).
 */
struct vg_model_stream {
	uint16_t hist[VG_NGRAM_MAX];	/* the last syscalls, oldest first */
	unsigned int hist_len;
	uint64_t pushed;		/* syscalls pushed */
	uint64_t scored;		/* events in the score (STIDE: full windows) */
	double sum;			/* LM: sum of surprisal^power; STIDE: new windows */
	size_t span;			/* 0: since the start */
	double *ring;			/* span > 0: the last span terms of sum */
	size_t ring_pos, since_resum;
};

int vg_model_stream_init(struct vg_model_stream *s, size_t span);	/* 0, -ENOMEM */
void vg_model_stream_release(struct vg_model_stream *s);
void vg_model_stream_reset(struct vg_model_stream *s);			/* keeps span */
/* Push one syscall; returns its anomaly as vg_model_event() does. */
double vg_model_stream_push(const struct vg_model *m, struct vg_model_stream *s, uint16_t nr);
double vg_model_stream_score(const struct vg_model *m, const struct vg_model_stream *s);

const char *vg_model_method_name(enum vg_model_method method);
int vg_model_method_parse(const char *name, enum vg_model_method *out);	/* 0, -EINVAL */

/* --- trace files --------------------------------------------------------------- */

/*
 * Read a trace: syscall numbers separated by whitespace (a trailing newline
 * or not).  Returns 0 with *nrs malloc'ed (NULL when empty), or -errno with
 * a message in err ("cannot open 'P': ...", "'P': token 7 'abc' is not a
 * syscall number (0-1023)").
 */
int vg_trace_load(const char *path, uint16_t **nrs, size_t *n, char *err, size_t errlen);

/*
 * Every regular file under dir (recursively, dot files skipped), sorted
 * bytewise, as malloc'ed "dir/sub/file" strings in a malloc'ed array.
 * Returns 0 or -errno with a message in err.
 */
int vg_trace_list(const char *dir, char ***paths, size_t *n, char *err, size_t errlen);
void vg_trace_list_free(char **paths, size_t n);

#endif /* VIGIL_MODEL_H */
