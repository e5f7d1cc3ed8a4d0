/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * top_view.h - the terminal of `vigil top`: keys, and the table drawn with
 * ncurses into its virtual screen and sent once per change (refresh()
 * sends only what differs: no flicker, little to send over ssh).
 *
 * Lines: the status line (top_model.h, vg_top_fmt_status), the column
 * header (the sorted column stands out), one process per line, and a
 * footer with the keys, the filter being typed, or the last message
 * vigil logged.  Any size works: columns that do not fit are left out,
 * lines that do not fit are not drawn.
 *
 *	vg_top_ui_init(&ui, sort, filter);	// state, no terminal yet
 *	vg_top_ui_start(&ui);			// the terminal: curses mode
 *	...vg_top_ui_key(&ui, getch()) / vg_top_ui_draw(&ui, &top, &status)
 *	vg_top_ui_stop(&ui);
 */
#ifndef VIGIL_TOP_VIEW_H
#define VIGIL_TOP_VIEW_H

#include <stdbool.h>
#include <stddef.h>

#include "top_model.h"

#define VG_TOP_FILTER_MAX 64

struct vg_top_ui {
	enum vg_top_sort sort;
	char filter[VG_TOP_FILTER_MAX];	/* applied (also while typed) */
	bool editing;			/* after '/': keys go to the filter */
	int scroll;			/* first row shown */
	int page;			/* rows that fit, as last drawn */
	bool utf8;			/* the terminal takes UTF-8 (µs) */
	bool started;
	struct screen *screen;		/* curses' (SCREEN) */
	char message[256];		/* the last line vigil logged; "" none */
};

enum vg_top_key_result {
	VG_TOP_KEY_NONE,		/* nothing changed */
	VG_TOP_KEY_REDRAW,		/* sort, filter, scroll or size changed */
	VG_TOP_KEY_QUIT,
};

void vg_top_ui_init(struct vg_top_ui *ui, enum vg_top_sort sort, const char *filter);

/* One key (a character or a curses KEY_* code). */
enum vg_top_key_result vg_top_ui_key(struct vg_top_ui *ui, int key);

/* Curses mode on stdin/stdout: 0, or -1 when the terminal cannot be used. */
int vg_top_ui_start(struct vg_top_ui *ui);
void vg_top_ui_stop(struct vg_top_ui *ui);

/* Every key waiting (none blocks): the strongest result of them. */
enum vg_top_key_result vg_top_ui_read_keys(struct vg_top_ui *ui);

/* Draw the model's view (vg_top_view() with ui's sort and filter first). */
void vg_top_ui_draw(struct vg_top_ui *ui, struct vg_top *t, struct vg_top_status *st);

#endif /* VIGIL_TOP_VIEW_H */
