/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * policy_message.h - a policy's message template (docs/policies.md,
 * Messages) filled in from an event: "{rule}: {process.exe} opened
 * {file.path}" -> "shadow-read: /usr/bin/cat opened /etc/shadow".
 *
 * The fields are those the validator accepts (vg_policy_template_field()
 * in policy.c, the one list), written as docs/events.md writes them, as
 * plain text:
 *   - numbers in decimal (ids, ports, sizes, syscall.arg0..5, priv.args as
 *     "a,b,c" of signed 32-bit ids), capability sets and nothing else in
 *     hex ("0x1ffffffffff"), modes in octal ("0644"), booleans true/false,
 *     times in RFC 3339 UTC;
 *   - process.args is argv, argv[0] included, joined by single spaces
 *     (" ..." appended when vigil did not capture all of it);
 *     file.open_flags is "O_WRONLY|O_CREAT|O_TRUNC";
 *   - anomaly.score with at most two decimals ("7.5", "12");
 *     anomaly.reasons joined by "; " (no reasons: ""); anomaly.misses from
 *     the kernel record (0 for anomalies found in user space), the others
 *     from ev->anomaly_view (NULL: "?");
 *   - {kind} is the policy kind ("file.open", "connect", "exec"), not the
 *     coarser JSON kind ("file");
 *   - {policy} {rule} {severity} {mode} {action} come from the context.
 *
 * A field without a value renders as "?": one the event lacks (null or
 * absent in its JSON, e.g. an unknown exe, an unset loginuid, file.errno of
 * a call that succeeded, the process of a flow whose owner is unknown), one
 * not in this event's kind, a packet field (no packet event comes here), a
 * NULL context string, and a name the validator would have refused.
 * Values are inserted as text with control characters (bytes below 0x20
 * and 0x7f) written as \xNN, so that a file name cannot break a log line;
 * the template's own text is copied as is.  "{{" and "}}" are literal
 * braces; a '{' that is never closed, and a lone '}', are copied as
 * themselves (the validator refuses both, so only unvalidated templates
 * have them).
 */
#ifndef VIGIL_POLICY_MESSAGE_H
#define VIGIL_POLICY_MESSAGE_H

#include "buf.h"
#include "event.h"
#include "policy.h"

/* The report's side of a message: names as the policy spells them. */
struct vg_policy_msg_ctx {
	const char *policy;	/* metadata.name */
	const char *rule;	/* the rule's name */
	const char *severity;	/* "low" ... "critical" */
	const char *mode;	/* "audit", "enforce" */
	const char *action;	/* "alert", "kill", ... */
};

/* The context for rule r of policy p (names from policy.c). */
void vg_policy_msg_ctx_init(struct vg_policy_msg_ctx *m, const struct vg_policy *p,
			    const struct vg_policy_rule *r);

/*
 * Append tmpl, its placeholders filled in from ev and m (m may be NULL:
 * its fields render as "?"), to b.  A NULL tmpl appends nothing.  Allocation
 * failure is b's sticky oom.
 */
void vg_policy_message_render(struct vg_buf *b, const char *tmpl,
			      const struct vg_event_view *ev,
			      const struct vg_policy_msg_ctx *m);

#endif /* VIGIL_POLICY_MESSAGE_H */
